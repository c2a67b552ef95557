//! CSV export of tickets: RFC 4180 (via the `csv` crate), UTF-8, one row per
//! ticket, with every cell that a spreadsheet would read as a formula
//! neutralised (prefixed with `'`), so exported customer text cannot run.

use serde::{Deserialize, Serialize};
use std::io::Write;

/// Column headers, in order.
pub const HEADERS: [&str; 10] = [
    "Number",
    "Title",
    "Status",
    "Priority",
    "Category",
    "Assignee",
    "Requester",
    "Created",
    "Due",
    "SLA state",
];

/// One exported ticket, with names already resolved to text.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExportRow {
    pub number: String,
    pub title: String,
    pub status: String,
    pub priority: String,
    pub category: String,
    pub assignee: String,
    pub requester: String,
    /// RFC 3339 UTC.
    pub created: String,
    /// RFC 3339 UTC, or empty.
    pub due: String,
    pub sla_state: String,
}

/// Makes a cell safe to open in a spreadsheet: a cell starting with `=`, `+`,
/// `-`, `@`, tab or carriage return is prefixed with a single quote.
pub fn neutralize(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

/// Writes the header and `rows` as CSV to `out`; returns the number of rows.
pub fn write_csv<W: Write, I: IntoIterator<Item = ExportRow>>(
    out: W,
    rows: I,
) -> Result<u64, csv::Error> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    w.write_record(HEADERS)?;
    let mut n = 0;
    for r in rows {
        let cells = [
            neutralize(&r.number),
            neutralize(&r.title),
            neutralize(&r.status),
            neutralize(&r.priority),
            neutralize(&r.category),
            neutralize(&r.assignee),
            neutralize(&r.requester),
            neutralize(&r.created),
            neutralize(&r.due),
            neutralize(&r.sla_state),
        ];
        w.write_record(cells.iter().map(|c| c.as_bytes()))?;
        n += 1;
    }
    w.flush()?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(title: &str) -> ExportRow {
        ExportRow {
            number: "TKT-001".into(),
            title: title.into(),
            status: "Open".into(),
            ..Default::default()
        }
    }

    fn export(rows: Vec<ExportRow>) -> String {
        let mut buf = Vec::new();
        write_csv(&mut buf, rows).unwrap();
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn formula_cells_are_neutralised() {
        for (input, expected) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK"),
            ("+1+1", "'+1+1"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tcmd", "'\tcmd"),
            ("\rcmd", "'\rcmd"),
        ] {
            let out = export(vec![row(input)]);
            assert!(
                out.contains(expected),
                "{input:?} must be exported as {expected:?}, got {out:?}"
            );
        }
        assert_eq!(
            neutralize("Printer = broken"),
            "Printer = broken",
            "only a leading trigger is neutralised"
        );
    }

    #[test]
    fn output_is_rfc4180_and_utf8() {
        let out = export(vec![
            row("Line \"one\", and two\nthree"),
            row("Café — naïve 東京"),
        ]);
        let mut lines = out.split("\r\n");
        assert_eq!(
            lines.next().unwrap(),
            "Number,Title,Status,Priority,Category,Assignee,Requester,Created,Due,SLA state"
        );
        assert!(
            out.contains("\"Line \"\"one\"\", and two\nthree\""),
            "quotes doubled, field quoted: {out}"
        );
        assert!(out.contains("Café — naïve 東京"), "UTF-8 kept verbatim");
        let mut rdr = csv::Reader::from_reader(out.as_bytes());
        let recs: Vec<_> = rdr.records().map(Result::unwrap).collect();
        assert_eq!(recs.len(), 2, "a reader sees exactly the two rows");
        assert_eq!(&recs[0][1], "Line \"one\", and two\nthree");
    }
}
