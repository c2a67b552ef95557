//! The board's reads: a page of cards under a query (filters, sort, keyset
//! cursor), the status counts of the stats bar, and CSV export, all from one
//! translation of a [`TicketQuery`] into SQL ([`Filter`]).
//!
//! Words used here:
//! - *sort key*: one integer per ticket and sort order (a column of `tickets`,
//!   each with its own index ending in `id`), so a page boundary is the pair
//!   (key, id) and the next page is a row-value comparison on that index.
//! - Nulls sort last via `i64::MAX` (due date, number).

use super::Store;
use super::rows::{CARD_COLUMNS, CARD_FROM, card};
use crate::error::StoreResult;
use chrono::{DateTime, SecondsFormat, Utc, Weekday};
use outpost_core::export::{ExportRow, write_csv};
use outpost_core::query::bucket_end;
use outpost_core::{
    AgentId, AssigneeFilter, BoardPage, BulkSelection, PageCursor, Priority, SlaBucket, SlaState,
    SortOrder, Status, StatusCounts, TicketCard, TicketId, TicketNumber, TicketQuery,
};
use rusqlite::types::Value;
use rusqlite::{Connection, params_from_iter};
use std::io::Write;

/// Most cards one page may hold.
pub const MAX_PAGE: usize = 500;

/// A query translated to SQL over `tickets t`: WHERE clauses and their
/// parameters. The status clause is kept apart so stats can drop it.
pub(crate) struct Filter {
    status: Option<String>,
    others: Vec<String>,
    params: Vec<Value>,
    sort: SortOrder,
    /// Every clause is over status, priority, assignee and category only, so
    /// counts can come from `ticket_counts` (migration 4).
    countable: bool,
    /// The FTS5 query when free text is the only clause: the count then
    /// comes from the FTS index alone.
    fts: Option<String>,
}

/// The integer sort key column and direction of each sort order.
fn sort_column(sort: SortOrder) -> (&'static str, bool) {
    match sort {
        SortOrder::DueDate => ("t.due_key", false),
        SortOrder::Priority => ("t.prio_key", false),
        SortOrder::Updated => ("t.updated_at", true),
        SortOrder::Created => ("t.created_at", true),
        SortOrder::Number => ("t.number_key", true),
    }
}

/// The index that lists tickets in `sort` order (migration 2).
fn sort_index(sort: SortOrder) -> &'static str {
    match sort {
        SortOrder::DueDate => "tickets_by_due",
        SortOrder::Priority => "tickets_by_prio",
        SortOrder::Updated => "tickets_by_updated",
        SortOrder::Created => "tickets_by_created",
        SortOrder::Number => "tickets_by_number",
    }
}

/// Above this many matches a page walks the sort index (stopping once the
/// page is full); below it, fetching every match and sorting is cheaper.
const WALK_SORT_INDEX_ABOVE: u64 = 1_000;

/// The sort key of a card, as the matching column computes it.
fn sort_key(sort: SortOrder, c: &TicketCard) -> i64 {
    let t = &c.ticket;
    match sort {
        SortOrder::DueDate => t.due_at.map_or(i64::MAX, |d| d.timestamp_millis()),
        SortOrder::Priority => {
            (i64::from(t.priority.rank()) << 48) + t.created_at.timestamp_millis()
        }
        SortOrder::Updated => t.updated_at.timestamp_millis(),
        SortOrder::Created => t.created_at.timestamp_millis(),
        SortOrder::Number => t.number.map_or(i64::MAX, |n| n.0 as i64),
    }
}

/// `1, 3` for a set of ranks; the values come from enums, never from input.
fn rank_list(ranks: impl Iterator<Item = u8>) -> String {
    ranks.map(|r| r.to_string()).collect::<Vec<_>>().join(", ")
}

/// The FTS5 query for free text: every word as a prefix, all required.
/// `"prin off"` -> `"prin"* "off"*`. `None` if the text has no words.
pub(crate) fn fts_query(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(16)
        .map(|w| format!("\"{w}\"*"))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

impl Filter {
    /// Translates `q` for the agent `me` at `now` in timezone `tz`, with
    /// weeks starting on `week_start`.
    pub(crate) fn new(
        q: &TicketQuery,
        me: Option<AgentId>,
        now: DateTime<Utc>,
        tz: chrono_tz::Tz,
        week_start: Weekday,
    ) -> StoreResult<Self> {
        let mut f = Filter {
            status: None,
            others: Vec::new(),
            params: Vec::new(),
            sort: q.sort,
            countable: true,
            fts: None,
        };
        if !q.statuses.is_empty() {
            let list = rank_list(q.statuses.iter().map(|s| s.rank()));
            f.status = Some(format!("t.status IN ({list})"));
        }
        if !q.priorities.is_empty() {
            let list = rank_list(q.priorities.iter().map(|p| p.rank()));
            f.others.push(format!("t.priority IN ({list})"));
        }
        match (q.assignee, me) {
            (AssigneeFilter::Anyone, _) => {}
            (AssigneeFilter::Unassigned, _) => f.others.push("t.assignee_id IS NULL".into()),
            (AssigneeFilter::Me, None) => f.others.push("0".into()), // nobody signed in
            (AssigneeFilter::Me, Some(a)) | (AssigneeFilter::Agent(a), _) => {
                f.push("t.assignee_id = ?", Value::Blob(a.0.as_bytes().to_vec()));
            }
        }
        if let Some(c) = q.category_id {
            f.push("t.category_id = ?", Value::Blob(c.0.as_bytes().to_vec()));
        }
        if let Some(bucket) = q.sla {
            f.countable = false;
            f.sla_bucket(bucket, now, &tz, week_start);
        }
        if let Some(text) = q.normalized_text()? {
            f.countable = false;
            if let Some(n) = TicketNumber::parse_query(&text) {
                f.push("t.number = ?", Value::Integer(n.0 as i64));
            } else if let Some(m) = fts_query(&text) {
                if f.status.is_none() && f.others.is_empty() {
                    f.fts = Some(m.clone());
                }
                f.push(
                    "t.rid IN (SELECT rowid FROM ticket_fts WHERE ticket_fts MATCH ?)",
                    Value::Text(m),
                );
            } else {
                f.others.push("0".into());
            }
        }
        Ok(f)
    }

    /// DESIGN §3's buckets on the stored snapshot, evaluated at `now` in SQL:
    /// the stored state may be stale between re-evaluations, so a running
    /// ticket (on track / at risk) counts as breached or at risk once its
    /// `breach_at` / `at_risk_at` has passed, exactly as
    /// `SlaSnapshot::state_at` would say.
    fn sla_bucket(
        &mut self,
        bucket: SlaBucket,
        now: DateTime<Utc>,
        tz: &chrono_tz::Tz,
        week_start: Weekday,
    ) {
        let now_ms = Value::Integer(now.timestamp_millis());
        let running = rank_list(
            [SlaState::OnTrack, SlaState::AtRisk]
                .map(SlaState::rank)
                .into_iter(),
        );
        let breached = SlaState::Breached.rank();
        let breached_now = format!(
            "(t.sla_state = {breached} OR (t.sla_state IN ({running}) AND coalesce(t.breach_at <= ?, 0)))"
        );
        match bucket {
            SlaBucket::Overdue => {
                self.others.push(breached_now);
                self.params.push(now_ms);
            }
            SlaBucket::AtRisk => {
                self.others.push(format!(
                    "t.sla_state IN ({running}) AND t.at_risk_at <= ? \
                     AND (t.breach_at IS NULL OR t.breach_at > ?)"
                ));
                self.params.push(now_ms.clone());
                self.params.push(now_ms);
            }
            SlaBucket::DueToday | SlaBucket::DueThisWeek => {
                let end = bucket_end(bucket, now, tz, week_start).unwrap_or(now);
                let open = super::sla::open_status("t.status");
                self.others
                    .push(format!("{open} AND NOT {breached_now} AND t.due_at < ?"));
                self.params.push(now_ms);
                self.params.push(Value::Integer(end.timestamp_millis()));
            }
        }
    }

    /// A filter that selects exactly `ids`.
    fn ids(ids: &[TicketId], sort: SortOrder) -> Self {
        let hex: Vec<String> = ids.iter().map(|id| id.0.simple().to_string()).collect();
        let list = serde_json::to_string(&hex).unwrap_or_else(|_| "[]".into());
        Filter {
            status: None,
            others: vec!["t.id IN (SELECT unhex(value) FROM json_each(?))".into()],
            params: vec![Value::Text(list)],
            sort,
            countable: false,
            fts: None,
        }
    }

    fn push(&mut self, clause: &str, value: Value) {
        self.others.push(clause.into());
        self.params.push(value);
    }

    /// `WHERE ...` with or without the status clause (always valid SQL).
    fn where_sql(&self, with_status: bool) -> String {
        let mut all: Vec<&str> = self.others.iter().map(String::as_str).collect();
        if with_status && let Some(s) = &self.status {
            all.insert(0, s);
        }
        if all.is_empty() {
            "1".into()
        } else {
            all.join(" AND ")
        }
    }

    fn order_sql(&self) -> String {
        let (key, desc) = sort_column(self.sort);
        let dir = if desc { "DESC" } else { "ASC" };
        format!("{key} {dir}, t.id {dir}")
    }

    /// Ids of every ticket the filter matches (bulk actions).
    pub(crate) fn matching_ids(&self, conn: &Connection) -> StoreResult<Vec<TicketId>> {
        let sql = format!("SELECT t.id FROM tickets t WHERE {}", self.where_sql(true));
        let mut stmt = conn.prepare(&sql)?;
        let ids = stmt
            .query_map(params_from_iter(&self.params), |r| r.get(0).map(TicketId))?
            .collect::<Result<_, _>>()?;
        Ok(ids)
    }

    /// How many tickets match: from `ticket_counts` when every clause is
    /// over its columns (and `counts_table` says it exists), from the FTS
    /// index when free text is the only clause, else by counting tickets.
    fn count(&self, conn: &Connection, counts_table: bool) -> StoreResult<u64> {
        let sql = if counts_table && self.countable {
            format!(
                "SELECT coalesce(sum(t.n), 0) FROM ticket_counts t WHERE {}",
                self.where_sql(true)
            )
        } else if self.fts.is_some() && self.status.is_none() && self.others.len() == 1 {
            // External content kept in step by triggers: one FTS row per
            // ticket, so the matches are the matching tickets.
            "SELECT count(*) FROM ticket_fts WHERE ticket_fts MATCH ?".to_owned()
        } else {
            format!(
                "SELECT count(*) FROM tickets t WHERE {}",
                self.where_sql(true)
            )
        };
        let n: i64 = conn
            .prepare_cached(&sql)?
            .query_row(params_from_iter(&self.params), |r| r.get(0))?;
        Ok(n as u64)
    }
}

impl Store {
    /// The current agent's timezone (else the workspace's, else UTC) and now.
    pub(crate) fn tz_now(&self) -> StoreResult<(chrono_tz::Tz, DateTime<Utc>)> {
        let name: Option<String> = self.conn().query_row(
            "SELECT coalesce((SELECT timezone FROM agents WHERE id = ?1),
                             (SELECT timezone FROM workspace LIMIT 1))",
            [self.current_agent().map(|a| a.0)],
            |r| r.get(0),
        )?;
        let tz = name.and_then(|n| n.parse().ok()).unwrap_or(chrono_tz::UTC);
        Ok((tz, self.clock.now()))
    }

    /// The query translated for the signed-in agent at the clock's now.
    pub(crate) fn filter(&self, q: &TicketQuery) -> StoreResult<Filter> {
        let (tz, now) = self.tz_now()?;
        let week_start = self.sla.settings.week_start.weekday();
        Filter::new(q, self.current_agent(), now, tz, week_start)
    }

    /// One page of the board: at most `limit` cards (1..=500) matching `q`,
    /// in `q.sort` order, starting after `cursor` (from the previous page's
    /// `next_cursor`); `total` counts every match.
    pub fn board_page(
        &self,
        q: &TicketQuery,
        cursor: Option<&str>,
        limit: usize,
    ) -> StoreResult<BoardPage> {
        let limit = limit.clamp(1, MAX_PAGE);
        let f = self.filter(q)?;
        let total = f.count(self.conn(), self.counts_table)?;
        let mut params = f.params.clone();
        let mut where_sql = f.where_sql(true);
        if let Some(c) = cursor {
            let c = PageCursor::decode(c)?;
            let (key, desc) = sort_column(f.sort);
            let op = if desc { "<" } else { ">" };
            where_sql = format!("{where_sql} AND ({key}, t.id) {op} (?, ?)");
            params.push(Value::Integer(c.key));
            params.push(Value::Blob(c.id.as_bytes().to_vec()));
        }
        // The planner cannot know that a page needs only the first matches in
        // sort order; with many matches, tell it to walk the sort index.
        let from = if total > WALK_SORT_INDEX_ABOVE {
            CARD_FROM.replacen(
                "tickets t",
                &format!("tickets t INDEXED BY {}", sort_index(f.sort)),
                1,
            )
        } else {
            CARD_FROM.to_owned()
        };
        let sql = format!(
            "SELECT {CARD_COLUMNS} FROM {from} WHERE {where_sql} ORDER BY {} LIMIT {}",
            f.order_sql(),
            limit + 1
        );
        let mut cards: Vec<TicketCard> = self
            .conn()
            .prepare_cached(&sql)?
            .query_map(params_from_iter(&params), card)?
            .collect::<Result<_, _>>()?;
        let next_cursor = if cards.len() > limit {
            cards.truncate(limit);
            cards.last().map(|c| {
                PageCursor {
                    key: sort_key(f.sort, c),
                    id: c.ticket.id.0,
                }
                .encode()
            })
        } else {
            None
        };
        Ok(BoardPage {
            cards,
            next_cursor,
            total,
        })
    }

    /// Tickets per status under every filter of `q` except its status set
    /// (the stats bar shows what clicking each status would give).
    pub fn board_stats(&self, q: &TicketQuery) -> StoreResult<StatusCounts> {
        let f = self.filter(q)?;
        let table = if self.counts_table && f.countable {
            "sum(t.n) FROM ticket_counts t"
        } else {
            "count(*) FROM tickets t"
        };
        let sql = format!(
            "SELECT t.status, {table} WHERE {} GROUP BY t.status",
            f.where_sql(false)
        );
        let mut counts = StatusCounts::default();
        let mut stmt = self.conn().prepare_cached(&sql)?;
        let mut rows = stmt.query(params_from_iter(&f.params))?;
        while let Some(row) = rows.next()? {
            let status = super::rows::status(row, 0)?;
            counts.add(status, row.get::<_, i64>(1)? as u64);
        }
        Ok(counts)
    }

    /// Writes the selected tickets as CSV to `out` (streamed row by row, in
    /// the query's sort order, or by due date for an id list); returns the
    /// number of rows.
    pub fn export_csv<W: Write>(&self, selection: &BulkSelection, out: W) -> StoreResult<u64> {
        let f = match selection {
            BulkSelection::Query { query } => self.filter(query)?,
            BulkSelection::Ids { ids } => Filter::ids(ids, SortOrder::DueDate),
        };
        let sql = format!(
            "SELECT t.number, t.title, t.status, t.priority, c.name, a.name, t.requester,
                    t.created_at, t.due_at, t.sla_state
             FROM {CARD_FROM} WHERE {} ORDER BY {}",
            f.where_sql(true),
            f.order_sql()
        );
        let mut stmt = self.conn().prepare(&sql)?;
        let mut rows = stmt.query(params_from_iter(&f.params))?;
        let mut failure = None;
        let iter = std::iter::from_fn(|| match rows.next() {
            Ok(Some(row)) => match export_row(row) {
                Ok(r) => Some(r),
                Err(e) => {
                    failure = Some(e);
                    None
                }
            },
            Ok(None) => None,
            Err(e) => {
                failure = Some(e);
                None
            }
        });
        let n = write_csv(out, iter)?;
        match failure {
            Some(e) => Err(e.into()),
            None => Ok(n),
        }
    }
}

fn rfc3339(ms: i64) -> String {
    crate::clock::from_ms(ms).to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn export_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<ExportRow> {
    let bad =
        |c| rusqlite::Error::InvalidColumnType(c, "rank".into(), rusqlite::types::Type::Integer);
    let number: Option<i64> = row.get(0)?;
    Ok(ExportRow {
        number: number.map_or_else(
            || "New (unsynced)".into(),
            |n| TicketNumber(n as u64).to_string(),
        ),
        title: row.get(1)?,
        status: Status::from_rank(row.get(2)?)
            .ok_or_else(|| bad(2))?
            .label()
            .into(),
        priority: Priority::from_rank(row.get(3)?)
            .ok_or_else(|| bad(3))?
            .label()
            .into(),
        category: row.get::<_, Option<String>>(4)?.unwrap_or_default(),
        assignee: row.get::<_, Option<String>>(5)?.unwrap_or_default(),
        requester: row.get(6)?,
        created: rfc3339(row.get(7)?),
        due: row
            .get::<_, Option<i64>>(8)?
            .map(rfc3339)
            .unwrap_or_default(),
        sla_state: SlaState::from_rank(row.get(9)?)
            .ok_or_else(|| bad(9))?
            .label()
            .into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::{self, DemoSize};
    use crate::{FixedClock, StoreOptions};
    use outpost_core::{NewTicket, TicketPatch};
    use std::sync::Arc;

    /// `(status, priority, assignee, category, n)` rows, nonzero, in order.
    type Groups = Vec<(i64, i64, Option<Vec<u8>>, Option<Vec<u8>>, i64)>;

    fn groups(conn: &Connection, sql: &str) -> Groups {
        conn.prepare(sql)
            .unwrap()
            .query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    fn assert_counts_exact(store: &Store, when: &str) {
        let exact = groups(
            store.conn(),
            "SELECT status, priority, assignee_id, category_id, count(*) FROM tickets
             GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4",
        );
        let kept = groups(
            store.conn(),
            "SELECT status, priority, assignee_id, category_id, sum(n) FROM ticket_counts
             GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0 ORDER BY 1, 2, 3, 4",
        );
        assert_eq!(kept, exact, "ticket_counts equals the tickets {when}");
    }

    #[test]
    fn counts_table_and_fts_counts_stay_exact_through_edits() {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(FixedClock::at_ms(1_772_442_000_000));
        let mut store =
            Store::open_with(dir.path().join("c.db"), StoreOptions::with_clock(clock)).unwrap();
        demo::seed(
            &mut store,
            DemoSize {
                tickets: 300,
                seed: 7,
            },
        )
        .unwrap();
        assert_counts_exact(&store, "after seeding");
        let agents = store.agents().unwrap();
        let categories = store.categories().unwrap();
        let card = store.create_ticket(NewTicket {
            title: "Printer offline in Zürich".into(),
            description: String::new(),
            priority: Priority::Urgent,
            category_id: Some(categories[1].id),
            assignee_id: None,
            requester: "r@example.com".into(),
            conversation_id: None,
        });
        let id = card.unwrap().ticket.id;
        assert_counts_exact(&store, "after a create");
        store
            .update_ticket(
                id,
                &TicketPatch {
                    status: Some(Status::Waiting),
                    priority: Some(Priority::Low),
                    assignee_id: Some(Some(agents[1].id)),
                    category_id: Some(None),
                    ..Default::default()
                },
            )
            .unwrap();
        assert_counts_exact(&store, "after an update");
        store
            .bulk_update(
                &BulkSelection::Query {
                    query: TicketQuery {
                        statuses: vec![Status::Open],
                        ..Default::default()
                    },
                },
                &TicketPatch {
                    status: Some(Status::InProgress),
                    assignee_id: Some(None),
                    ..Default::default()
                },
            )
            .unwrap();
        assert_counts_exact(&store, "after a bulk update");
        // Nothing deletes tickets yet (history refers to them): bypass the keys.
        let conn = store.conn();
        conn.pragma_update(None, "foreign_keys", "OFF").unwrap();
        conn.execute("DELETE FROM tickets WHERE id = ?1", [id.0])
            .unwrap();
        conn.pragma_update(None, "foreign_keys", "ON").unwrap();
        assert_counts_exact(&store, "after a delete");

        // Text alone counts from the FTS index: same as counting tickets.
        for text in [
            "prin off",
            "vpn",
            "zurich",
            "outlook crash",
            "nothingmatches",
        ] {
            let q = TicketQuery {
                text: Some(text.into()),
                ..Default::default()
            };
            let f = store.filter(&q).unwrap();
            assert!(f.fts.is_some(), "text only uses the FTS count");
            let slow: i64 = store
                .conn()
                .query_row(
                    &format!("SELECT count(*) FROM tickets t WHERE {}", f.where_sql(true)),
                    params_from_iter(&f.params),
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(f.count(store.conn(), true).unwrap(), slow as u64, "{text}");
        }
    }

    #[test]
    fn the_sla_forecast_scans_the_partial_open_index() {
        let conn = Connection::open_in_memory().unwrap();
        let mut conn = conn;
        super::super::migrations::migrate(&mut conn, super::super::migrations::MIGRATIONS).unwrap();
        let sql = format!(
            "EXPLAIN QUERY PLAN SELECT sla_state, at_risk_at <= 1, breach_at <= 1
             FROM tickets INDEXED BY tickets_open_sla WHERE {}",
            super::super::sla::open_range("status")
        );
        let plan: Vec<String> = conn
            .prepare(&sql)
            .unwrap()
            .query_map([], |r| r.get(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(
            plan.iter().any(|p| p.contains("tickets_open_sla")),
            "partial index WHERE matches open_range(): {plan:?}"
        );
    }

    #[test]
    fn free_text_becomes_prefix_terms() {
        assert_eq!(fts_query("prin off").as_deref(), Some("\"prin\"* \"off\"*"));
        assert_eq!(
            fts_query("  Wi-Fi \"x\" ").as_deref(),
            Some("\"Wi\"* \"Fi\"* \"x\"*")
        );
        assert_eq!(
            fts_query("café").as_deref(),
            Some("\"café\"*"),
            "accents kept for the tokenizer to fold"
        );
        assert_eq!(fts_query("!!! ..."), None, "punctuation only is no query");
    }
}
