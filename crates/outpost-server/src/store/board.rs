//! The ticket board over SQL: `outpost_core::TicketQuery` filters (status,
//! priority, assignee, category, SLA bucket, number-or-title text), its sort
//! orders with keyset pagination (`PageCursor`), and CSV export rows.

use super::{like_escape, ms};
use crate::db::{DbError, Tx, Val};
use crate::error::AppError;
use crate::store::tickets::{TICKET_COL_COUNT, TICKET_COLS, ticket_from};
use chrono::{DateTime, Utc, Weekday};
use outpost_core::export::ExportRow;
use outpost_core::{
    Agent, AssigneeFilter, BoardPage, PageCursor, SlaBucket, SortOrder, TicketCard, TicketNumber,
    TicketQuery, WorkspaceId, bucket_end,
};

/// Hard cap on a page, whatever the client asks.
pub const MAX_PAGE: u32 = 200;

struct Filter {
    clauses: Vec<String>,
    params: Vec<Val>,
}

impl Filter {
    fn bind(&mut self, v: impl Into<Val>) -> String {
        self.params.push(v.into());
        format!("?{}", self.params.len())
    }
}

/// The sort key expression and whether it ascends.
fn sort_key(sort: SortOrder) -> (&'static str, bool) {
    match sort {
        SortOrder::DueDate => ("COALESCE(t.due_at, 9223372036854775807)", true),
        SortOrder::Priority => ("(t.priority_rank * 10000000000000 + t.created_at)", true),
        SortOrder::Updated => ("t.updated_at", false),
        SortOrder::Created => ("t.created_at", false),
        SortOrder::Number => ("COALESCE(t.number, 9223372036854775807)", false),
    }
}

/// The SQL filter of `q` for `me` at `now`; weeks start on `week_start`
/// (the workspace's SLA settings).
fn filter(
    ws: WorkspaceId,
    me: &Agent,
    q: &TicketQuery,
    now: DateTime<Utc>,
    week_start: Weekday,
) -> Result<Filter, AppError> {
    let mut f = Filter {
        clauses: Vec::new(),
        params: Vec::new(),
    };
    let p = f.bind(ws.to_string());
    f.clauses.push(format!("t.workspace_id = {p}"));
    if !q.statuses.is_empty() {
        let marks: Vec<String> = q.statuses.iter().map(|s| f.bind(s.code())).collect();
        f.clauses
            .push(format!("t.status IN ({})", marks.join(", ")));
    }
    if !q.priorities.is_empty() {
        let marks: Vec<String> = q
            .priorities
            .iter()
            .map(|p| f.bind(i64::from(p.rank())))
            .collect();
        f.clauses
            .push(format!("t.priority_rank IN ({})", marks.join(", ")));
    }
    match q.assignee {
        AssigneeFilter::Anyone => {}
        AssigneeFilter::Unassigned => f.clauses.push("t.assignee_id IS NULL".into()),
        AssigneeFilter::Me => {
            let p = f.bind(me.id.to_string());
            f.clauses.push(format!("t.assignee_id = {p}"));
        }
        AssigneeFilter::Agent(a) => {
            let p = f.bind(a.to_string());
            f.clauses.push(format!("t.assignee_id = {p}"));
        }
    }
    if let Some(c) = q.category_id {
        let p = f.bind(c.to_string());
        f.clauses.push(format!("t.category_id = {p}"));
    }
    if let Some(bucket) = q.sla {
        // DESIGN §3's buckets on the stored snapshot at `now`: a running
        // ticket (on track / at risk) counts as breached or at risk once its
        // `breach_at` / `at_risk_at` has passed, as `SlaSnapshot::state_at`
        // says (the same SQL as the app's board).
        let now_ms = ms(now);
        let running = "t.sla_state IN ('on_track', 'at_risk')";
        let n = f.bind(now_ms);
        let breached_now = format!(
            "(t.sla_state = 'breached' OR ({running} AND t.breach_at IS NOT NULL AND t.breach_at <= {n}))"
        );
        match bucket {
            SlaBucket::Overdue => f.clauses.push(breached_now),
            SlaBucket::AtRisk => f.clauses.push(format!(
                "{running} AND t.at_risk_at IS NOT NULL AND t.at_risk_at <= {n} \
                 AND (t.breach_at IS NULL OR t.breach_at > {n})"
            )),
            SlaBucket::DueToday | SlaBucket::DueThisWeek => {
                let tz: chrono_tz::Tz = me.timezone.parse().unwrap_or(chrono_tz::UTC);
                let end = bucket_end(bucket, now, &tz, week_start).map_or(now_ms, ms);
                let p = f.bind(end);
                f.clauses.push(format!(
                    "t.status IN ('open', 'in_progress', 'waiting') AND NOT {breached_now} \
                     AND t.due_at IS NOT NULL AND t.due_at < {p}"
                ));
            }
        }
    }
    if let Some(text) = q.normalized_text()? {
        let mut words = Vec::new();
        for w in text.split_whitespace() {
            let p = f.bind(format!("%{}%", like_escape(&w.to_lowercase())));
            words.push(format!("LOWER(t.title) LIKE {p} ESCAPE '\\'"));
        }
        let title = words.join(" AND ");
        match TicketNumber::parse_query(&text) {
            Some(n) => {
                let p = f.bind(n.0 as i64);
                f.clauses.push(format!("(t.number = {p} OR ({title}))"));
            }
            None => f.clauses.push(format!("({title})")),
        }
    }
    Ok(f)
}

const CARD_FROM: &str = "FROM tickets t \
    LEFT JOIN agents a ON a.workspace_id = t.workspace_id AND a.id = t.assignee_id \
    LEFT JOIN categories c ON c.workspace_id = t.workspace_id AND c.id = t.category_id";

fn cards(tx: &mut dyn Tx, sql: &str, params: &[Val]) -> Result<Vec<(TicketCard, i64)>, DbError> {
    tx.query(sql, params)?
        .iter()
        .map(|r| {
            let (ticket, _) = ticket_from(r)?;
            let card = TicketCard {
                display_number: ticket.display_number(),
                ticket,
                assignee_name: r.opt_text(TICKET_COL_COUNT)?,
                category_name: r.opt_text(TICKET_COL_COUNT + 1)?,
            };
            Ok((card, r.int(TICKET_COL_COUNT + 2)?))
        })
        .collect()
}

/// The first day of the week of the workspace's SLA settings (read only
/// when `q` filters on Due This Week).
fn week_start(tx: &mut dyn Tx, ws: WorkspaceId, q: &TicketQuery) -> Result<Weekday, AppError> {
    Ok(match q.sla {
        Some(SlaBucket::DueThisWeek) => crate::sla::load(tx, ws)?.settings.week_start.weekday(),
        _ => Weekday::Mon,
    })
}

/// One page of the board for `me`.
pub fn list(
    tx: &mut dyn Tx,
    ws: WorkspaceId,
    me: &Agent,
    q: &TicketQuery,
    cursor: Option<&str>,
    limit: u32,
    now: DateTime<Utc>,
) -> Result<BoardPage, AppError> {
    let week_start = week_start(tx, ws, q)?;
    let mut f = filter(ws, me, q, now, week_start)?;
    let where_all = f.clauses.join(" AND ");
    let total = tx
        .query(
            &format!("SELECT COUNT(*) FROM tickets t WHERE {where_all}"),
            &f.params,
        )?
        .first()
        .map(|r| r.int(0))
        .transpose()?
        .unwrap_or(0) as u64;
    let (key, asc) = sort_key(q.sort);
    let mut clauses = f.clauses.clone();
    if let Some(c) = cursor {
        let c = PageCursor::decode(c)?;
        let (k, id) = (f.bind(c.key), f.bind(c.id.to_string()));
        let op = if asc { ">" } else { "<" };
        clauses.push(format!(
            "({key} {op} {k} OR ({key} = {k} AND t.id {op} {id}))"
        ));
    }
    let limit = limit.clamp(1, MAX_PAGE);
    let lim = f.bind(i64::from(limit) + 1);
    let dir = if asc { "ASC" } else { "DESC" };
    let sql = format!(
        "SELECT {TICKET_COLS}, a.name, c.name, {key} {CARD_FROM} WHERE {} ORDER BY {key} {dir}, t.id {dir} LIMIT {lim}",
        clauses.join(" AND ")
    );
    let mut rows = cards(tx, &sql, &f.params)?;
    let next_cursor = if rows.len() > limit as usize {
        rows.truncate(limit as usize);
        rows.last().map(|(card, key)| {
            PageCursor {
                key: *key,
                id: card.ticket.id.0,
            }
            .encode()
        })
    } else {
        None
    };
    Ok(BoardPage {
        cards: rows.into_iter().map(|(c, _)| c).collect(),
        next_cursor,
        total,
    })
}

/// Every matching ticket as CSV rows, in board order.
pub fn export(
    tx: &mut dyn Tx,
    ws: WorkspaceId,
    me: &Agent,
    q: &TicketQuery,
    now: DateTime<Utc>,
) -> Result<Vec<ExportRow>, AppError> {
    let week_start = week_start(tx, ws, q)?;
    let f = filter(ws, me, q, now, week_start)?;
    let (key, asc) = sort_key(q.sort);
    let dir = if asc { "ASC" } else { "DESC" };
    let sql = format!(
        "SELECT {TICKET_COLS}, a.name, c.name, {key} {CARD_FROM} WHERE {} ORDER BY {key} {dir}, t.id {dir}",
        f.clauses.join(" AND ")
    );
    let rfc = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    Ok(cards(tx, &sql, &f.params)?
        .into_iter()
        .map(|(c, _)| ExportRow {
            number: c.display_number,
            title: c.ticket.title,
            status: c.ticket.status.label().into(),
            priority: c.ticket.priority.label().into(),
            category: c.category_name.unwrap_or_default(),
            assignee: c.assignee_name.unwrap_or_default(),
            requester: c.ticket.requester,
            created: rfc(c.ticket.created_at),
            due: c.ticket.due_at.map(rfc).unwrap_or_default(),
            sla_state: c.ticket.sla_state.label().into(),
        })
        .collect())
}
