//! The store's schema as an ordered list of forward-only migrations.
//!
//! Rules: never edit or reorder a migration that has shipped; add a new one at
//! the end. `PRAGMA user_version` holds how many have run. At open, every
//! pending migration runs in ONE transaction, so a crash mid-upgrade leaves the
//! old schema intact.
//!
//! Storage encoding (shared by every migration):
//! - ids are 16-byte UUID blobs; times are INTEGER Unix milliseconds;
//! - status / priority / sla_state are the small integers of `rank()`;
//! - `tickets.rid` is an integer row id used by FTS5 and internal joins; the
//!   UUID `id` is the identity that leaves the store.

use crate::error::{StoreError, StoreResult};
use rusqlite::{Connection, TransactionBehavior};

/// Migration 1: the foundation schema.
const M0001_FOUNDATION: &str = r#"
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE workspace (
    id        BLOB PRIMARY KEY,
    name      TEXT NOT NULL,
    timezone  TEXT NOT NULL,
    plan_json TEXT NOT NULL DEFAULT '{}'
);

CREATE TABLE agents (
    id       BLOB PRIMARY KEY,
    name     TEXT NOT NULL,
    email    TEXT NOT NULL,
    role     TEXT NOT NULL CHECK (role IN ('admin', 'agent')),
    timezone TEXT NOT NULL
);

CREATE TABLE categories (
    id   BLOB PRIMARY KEY,
    name TEXT NOT NULL
);

CREATE TABLE conversations (
    id               BLOB PRIMARY KEY,
    channel          TEXT NOT NULL,
    status           TEXT NOT NULL,
    customer_name    TEXT NOT NULL,
    customer_contact TEXT NOT NULL,
    subject          TEXT NOT NULL,
    ticket_id        BLOB,
    created_at       INTEGER NOT NULL,
    last_message_at  INTEGER NOT NULL
);
CREATE INDEX conversations_by_last_message ON conversations (last_message_at DESC);

CREATE TABLE messages (
    id              BLOB PRIMARY KEY,
    conversation_id BLOB NOT NULL REFERENCES conversations (id),
    author          TEXT NOT NULL,
    agent_id        BLOB REFERENCES agents (id),
    body            TEXT NOT NULL,
    at              INTEGER NOT NULL
);
CREATE INDEX messages_by_conversation ON messages (conversation_id, at);

CREATE TABLE kb_articles (
    id         BLOB PRIMARY KEY,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    tags_json  TEXT NOT NULL DEFAULT '[]',
    updated_by BLOB REFERENCES agents (id),
    updated_at INTEGER NOT NULL
);

CREATE TABLE tickets (
    rid               INTEGER PRIMARY KEY,
    id                BLOB NOT NULL UNIQUE,
    number            INTEGER UNIQUE,
    title             TEXT NOT NULL,
    description       TEXT NOT NULL DEFAULT '',
    status            INTEGER NOT NULL CHECK (status BETWEEN 0 AND 4),
    priority          INTEGER NOT NULL CHECK (priority BETWEEN 0 AND 3),
    category_id       BLOB REFERENCES categories (id),
    assignee_id       BLOB REFERENCES agents (id),
    requester         TEXT NOT NULL DEFAULT '',
    conversation_id   BLOB REFERENCES conversations (id),
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    first_response_at INTEGER,
    resolved_at       INTEGER,
    closed_at         INTEGER,
    due_at            INTEGER,
    due_override      INTEGER,
    sla_state         INTEGER NOT NULL DEFAULT 0 CHECK (sla_state BETWEEN 0 AND 6),
    -- Sort keys of the board, one integer each so keyset pagination compares
    -- (key, id) pairs and every order has its own index. Nulls sort last.
    due_key    INTEGER GENERATED ALWAYS AS (coalesce(due_at, 9223372036854775807)) VIRTUAL,
    prio_key   INTEGER GENERATED ALWAYS AS ((priority << 48) + created_at) VIRTUAL,
    number_key INTEGER GENERATED ALWAYS AS (coalesce(number, 9223372036854775807)) VIRTUAL
);
-- Title search: external-content FTS5 over tickets.title, diacritics folded.
CREATE VIRTUAL TABLE ticket_fts USING fts5 (
    title,
    content = 'tickets',
    content_rowid = 'rid',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);
CREATE TRIGGER tickets_fts_insert AFTER INSERT ON tickets BEGIN
    INSERT INTO ticket_fts (rowid, title) VALUES (new.rid, new.title);
END;
CREATE TRIGGER tickets_fts_delete AFTER DELETE ON tickets BEGIN
    INSERT INTO ticket_fts (ticket_fts, rowid, title) VALUES ('delete', old.rid, old.title);
END;
CREATE TRIGGER tickets_fts_update AFTER UPDATE OF title ON tickets
WHEN old.title IS NOT new.title BEGIN
    INSERT INTO ticket_fts (ticket_fts, rowid, title) VALUES ('delete', old.rid, old.title);
    INSERT INTO ticket_fts (rowid, title) VALUES (new.rid, new.title);
END;

CREATE TABLE comments (
    id            BLOB PRIMARY KEY,
    ticket_id     BLOB NOT NULL REFERENCES tickets (id),
    author_id     BLOB NOT NULL REFERENCES agents (id),
    body          TEXT NOT NULL,
    mentions_json TEXT NOT NULL DEFAULT '[]',
    created_at    INTEGER NOT NULL
);
CREATE INDEX comments_by_ticket ON comments (ticket_id, created_at);

-- The audit trail: append-only, enforced below.
CREATE TABLE history (
    id        BLOB PRIMARY KEY,
    ticket_id BLOB NOT NULL REFERENCES tickets (id),
    actor_id  BLOB REFERENCES agents (id),
    at        INTEGER NOT NULL,
    field     TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT
);
CREATE INDEX history_by_ticket ON history (ticket_id, at);
CREATE TRIGGER history_no_update BEFORE UPDATE ON history BEGIN
    SELECT RAISE(ABORT, 'history is append-only');
END;
CREATE TRIGGER history_no_delete BEFORE DELETE ON history BEGIN
    SELECT RAISE(ABORT, 'history is append-only');
END;

-- Local changes waiting to be pushed; seq is the client-monotonic sequence.
CREATE TABLE outbox (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    op_id      BLOB NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    args       TEXT NOT NULL,
    hlc        TEXT NOT NULL,
    actor_id   BLOB NOT NULL,
    created_at INTEGER NOT NULL
);
"#;

/// Migration 2: the board's indexes, shaped by `cargo xtask bench` at 100k tickets.
const M0002_BOARD_INDEXES: &str = r#"
-- One index per sort order: (key, id) is the keyset, and the filter columns
-- ride along so a page scan checks filters without touching the table and
-- stops after the page is full.
CREATE INDEX tickets_by_due     ON tickets (due_key, id, status, priority, sla_state, due_at, assignee_id, category_id);
CREATE INDEX tickets_by_prio    ON tickets (prio_key, id, status, priority, sla_state, due_at, assignee_id, category_id);
CREATE INDEX tickets_by_updated ON tickets (updated_at, id, status, priority, sla_state, due_at, assignee_id, category_id);
CREATE INDEX tickets_by_created ON tickets (created_at, id, status, priority, sla_state, due_at, assignee_id, category_id);
CREATE INDEX tickets_by_number  ON tickets (number_key, id, status, priority, sla_state, due_at, assignee_id, category_id);
-- Status counts and totals: covering indexes over the filterable columns, led
-- by the filters that narrow most (assignee "Me", category, status).
CREATE INDEX tickets_counts ON tickets (status, priority, sla_state, assignee_id, category_id, due_at);
CREATE INDEX tickets_by_assignee ON tickets (assignee_id, status, priority, sla_state, category_id, due_at);
CREATE INDEX tickets_by_category ON tickets (category_id, status, priority, sla_state, assignee_id, due_at);
"#;

/// Migration 3: the SLA engine's settings and per-ticket snapshot.
///
/// - `sla_settings`: one JSON document (`outpost_core::sla::SlaSettings`). The
///   row is written at open from the workspace timezone when missing (it needs
///   Rust defaults, so it cannot be a literal here), see `store::sla_settings`.
/// - `tickets.at_risk_at` / `breach_at` / `next_change`: the rest of the
///   ticket's `SlaSnapshot` (`due_at` and `sla_state` already exist), so board
///   filters compare instants with now and re-evaluation as time passes reads
///   only the tickets whose `next_change` has come.
/// - `next_change` is set only while a clock runs (open, unpaused tickets), so
///   the partial index holds active tickets only and stays small.
const M0003_SLA: &str = r#"
CREATE TABLE sla_settings (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    json       TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
ALTER TABLE tickets ADD COLUMN at_risk_at INTEGER;
ALTER TABLE tickets ADD COLUMN breach_at INTEGER;
ALTER TABLE tickets ADD COLUMN next_change INTEGER;
CREATE INDEX tickets_by_next_change ON tickets (next_change) WHERE next_change IS NOT NULL;
"#;

/// Migration 4: cheaper writes and stats from a small table, shaped by `cargo xtask bench`.
///
/// - The five sort indexes keep only the filters that rarely change
///   (priority, assignee, category): a status or SLA change no longer rewrites
///   them (a page walk checks status / SLA on the row it fetches anyway).
///   `tickets_counts` goes; the assignee / category indexes lose `sla_state` and
///   `due_at`.
/// - `ticket_counts`: tickets per (status, priority, assignee, category), kept
///   exact by triggers on every insert, delete and update of `tickets` (sync
///   included), so stats and page totals under those filters sum a few hundred
///   rows instead of counting 100k. Rows may hold `n = 0`; NULL assignee /
///   category are stored as NULL so the board's WHERE clauses apply unchanged.
/// - `tickets_open_sla`: a partial covering index over open tickets for the SLA
///   forecast (its WHERE is a range since migration 15).
const M0004_LEAN_INDEXES_AND_COUNTS: &str = r#"
-- Same names and sort keys as migration 2 (the board forces them with
-- INDEXED BY), narrower entries: no status, sla_state or due_at.
DROP INDEX tickets_by_due;
DROP INDEX tickets_by_prio;
DROP INDEX tickets_by_updated;
DROP INDEX tickets_by_created;
DROP INDEX tickets_by_number;
DROP INDEX tickets_counts;
DROP INDEX tickets_by_assignee;
DROP INDEX tickets_by_category;
CREATE INDEX tickets_by_due     ON tickets (due_key, id, priority, assignee_id, category_id);
CREATE INDEX tickets_by_prio    ON tickets (prio_key, id, priority, assignee_id, category_id);
CREATE INDEX tickets_by_updated ON tickets (updated_at, id, priority, assignee_id, category_id);
CREATE INDEX tickets_by_created ON tickets (created_at, id, priority, assignee_id, category_id);
CREATE INDEX tickets_by_number  ON tickets (number_key, id, priority, assignee_id, category_id);
CREATE INDEX tickets_by_assignee ON tickets (assignee_id, status, priority, category_id);
CREATE INDEX tickets_by_category ON tickets (category_id, status, priority, assignee_id);
-- The SLA forecast's scan (`sla::time`): open tickets only, covering.
CREATE INDEX tickets_open_sla ON tickets (sla_state, at_risk_at, breach_at) WHERE status IN (0, 1, 2);
-- Tickets per filterable group, for stats and page totals (`board.rs`).
CREATE TABLE ticket_counts (
    status      INTEGER NOT NULL,
    priority    INTEGER NOT NULL,
    assignee_id BLOB,
    category_id BLOB,
    n           INTEGER NOT NULL
);
CREATE INDEX ticket_counts_by_key ON ticket_counts (status, priority, assignee_id, category_id);
INSERT INTO ticket_counts (status, priority, assignee_id, category_id, n)
    SELECT status, priority, assignee_id, category_id, count(*) FROM tickets
    GROUP BY status, priority, assignee_id, category_id;
CREATE TRIGGER ticket_counts_insert AFTER INSERT ON tickets BEGIN
    INSERT INTO ticket_counts (status, priority, assignee_id, category_id, n)
        SELECT new.status, new.priority, new.assignee_id, new.category_id, 0
        WHERE NOT EXISTS (SELECT 1 FROM ticket_counts WHERE status = new.status
            AND priority = new.priority AND assignee_id IS new.assignee_id
            AND category_id IS new.category_id);
    UPDATE ticket_counts SET n = n + 1 WHERE status = new.status AND priority = new.priority
        AND assignee_id IS new.assignee_id AND category_id IS new.category_id;
END;
CREATE TRIGGER ticket_counts_delete AFTER DELETE ON tickets BEGIN
    UPDATE ticket_counts SET n = n - 1 WHERE status = old.status AND priority = old.priority
        AND assignee_id IS old.assignee_id AND category_id IS old.category_id;
END;
CREATE TRIGGER ticket_counts_update AFTER UPDATE OF status, priority, assignee_id, category_id ON tickets
WHEN old.status IS NOT new.status OR old.priority IS NOT new.priority
    OR old.assignee_id IS NOT new.assignee_id OR old.category_id IS NOT new.category_id
BEGIN
    UPDATE ticket_counts SET n = n - 1 WHERE status = old.status AND priority = old.priority
        AND assignee_id IS old.assignee_id AND category_id IS old.category_id;
    INSERT INTO ticket_counts (status, priority, assignee_id, category_id, n)
        SELECT new.status, new.priority, new.assignee_id, new.category_id, 0
        WHERE NOT EXISTS (SELECT 1 FROM ticket_counts WHERE status = new.status
            AND priority = new.priority AND assignee_id IS new.assignee_id
            AND category_id IS new.category_id);
    UPDATE ticket_counts SET n = n + 1 WHERE status = new.status AND priority = new.priority
        AND assignee_id IS new.assignee_id AND category_id IS new.category_id;
END;
"#;

/// Migration 5: what the notification scheduler already handled (`notify.rs`).
///
/// - `notified`: one row per handled transition: `kind` (`at_risk`,
///   `breached`, `mention`, `assigned`) and `key`, the transition instance
///   (the `at_risk_at` / `breach_at` instant in ms for SLA kinds, the comment
///   id for mentions, the history event id for assignments). `delivered` is 0
///   when quiet hours suppressed it. A row means "never notify this again",
///   across restarts.
/// - two small indexes so the scheduler finds recent comments and assignee
///   changes without scanning every ticket's rows.
const M0005_NOTIFIED: &str = r#"
CREATE TABLE notified (
    kind        TEXT NOT NULL,
    key         TEXT NOT NULL,
    ticket_id   BLOB NOT NULL,
    notified_at INTEGER NOT NULL,
    delivered   INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (kind, key, ticket_id)
) WITHOUT ROWID;
CREATE INDEX comments_by_created ON comments (created_at);
CREATE INDEX history_assignee_by_at ON history (at) WHERE field = 'assignee';
"#;

/// Migration 6 (issue 6): notifications the agent snoozed ("Snooze 15 min"),
/// each shown again at `due_at` (ms) from its stored JSON
/// (`outpost_client::Notification`), then deleted.
const M0006_NOTIFY_SNOOZES: &str = r#"
CREATE TABLE notify_snoozes (
    id           INTEGER PRIMARY KEY,
    due_at       INTEGER NOT NULL,
    notification TEXT NOT NULL
);
CREATE INDEX notify_snoozes_by_due ON notify_snoozes (due_at);
"#;

/// Migration 7: the Reports view's index (`reports.rs`).
///
/// - `history_status_by_at`: status changes by time, covering, so a report
///   reads the status history of its period (backlog over time, resolutions
///   per day) with one index range scan instead of the whole history.
const M0007_REPORTS: &str = r#"
CREATE INDEX history_status_by_at ON history (at, ticket_id, old_value, new_value)
    WHERE field = 'status';
"#;

/// Migration 8: the Inbox and workflow rules.
/// - `conversations.read_at`: when this device's agent last opened the
///   thread (unread = a customer message after it); `status_changed_at` for
///   the snooze time.
/// - `rule_sets`: the workspace's rules (one JSON row, synced from the server
///   or saved locally in local-only mode).
/// - `rule_firings`: the firing keys already done here, so a rule fires once
///   per event (see `outpost_core::rules`).
/// - a conversation links to at most one ticket.
const M0008_INBOX_RULES: &str = r#"
ALTER TABLE conversations ADD COLUMN read_at INTEGER;
CREATE TABLE rule_sets (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    rules_json TEXT NOT NULL
);
CREATE TABLE rule_firings (
    key      TEXT PRIMARY KEY,
    fired_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX tickets_by_conversation ON tickets (conversation_id) WHERE conversation_id IS NOT NULL;
"#;

/// Migration 9: the knowledge base's search and the AI Insights tab's cache.
///
/// - `kb_articles` is rebuilt with an integer `rid` (as `tickets`), so an
///   external-content FTS5 index (`kb_fts`, Porter-stemmed, diacritics
///   folded) can follow it by triggers; `tags_text` is the tags joined by
///   spaces for the index (the store writes both tag columns).
/// - `ticket_vocab`: the document frequency of every word of ticket titles,
///   so insights query with the distinctive words of a ticket only.
/// - `insight_summaries`: the last generated summary fetched per ticket.
const M0009_KNOWLEDGE_BASE: &str = r#"
CREATE TABLE kb_articles_v9 (
    rid        INTEGER PRIMARY KEY,
    id         BLOB NOT NULL UNIQUE,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    tags_json  TEXT NOT NULL DEFAULT '[]',
    tags_text  TEXT NOT NULL DEFAULT '',
    updated_by BLOB REFERENCES agents (id),
    updated_at INTEGER NOT NULL
);
INSERT INTO kb_articles_v9 (id, title, body, tags_json, updated_by, updated_at)
    SELECT id, title, body, tags_json, updated_by, updated_at FROM kb_articles;
DROP TABLE kb_articles;
ALTER TABLE kb_articles_v9 RENAME TO kb_articles;
CREATE INDEX kb_articles_by_updated ON kb_articles (updated_at DESC);
CREATE VIRTUAL TABLE kb_fts USING fts5 (
    title,
    body,
    tags_text,
    content = 'kb_articles',
    content_rowid = 'rid',
    tokenize = 'porter unicode61 remove_diacritics 2'
);
INSERT INTO kb_fts (kb_fts) VALUES ('rebuild');
CREATE TRIGGER kb_fts_insert AFTER INSERT ON kb_articles BEGIN
    INSERT INTO kb_fts (rowid, title, body, tags_text) VALUES (new.rid, new.title, new.body, new.tags_text);
END;
CREATE TRIGGER kb_fts_delete AFTER DELETE ON kb_articles BEGIN
    INSERT INTO kb_fts (kb_fts, rowid, title, body, tags_text) VALUES ('delete', old.rid, old.title, old.body, old.tags_text);
END;
CREATE TRIGGER kb_fts_update AFTER UPDATE ON kb_articles BEGIN
    INSERT INTO kb_fts (kb_fts, rowid, title, body, tags_text) VALUES ('delete', old.rid, old.title, old.body, old.tags_text);
    INSERT INTO kb_fts (rowid, title, body, tags_text) VALUES (new.rid, new.title, new.body, new.tags_text);
END;
CREATE VIRTUAL TABLE ticket_vocab USING fts5vocab (ticket_fts, row);
CREATE TABLE insight_summaries (
    ticket_id  BLOB PRIMARY KEY,
    json       TEXT NOT NULL,
    fetched_at INTEGER NOT NULL
) WITHOUT ROWID;
"#;

/// Migration 10: undo records of bulk changes (see `store/undo.rs`).
///
/// - `bulk_batches`: one row per bulk change (`seq` orders them; only the
///   newest few are kept); `undone_at` is set once it has been undone.
/// - `bulk_batch_tickets`: per changed ticket, the changed fields' values
///   before (`before_json`) and after (`after_json`) the change, each a
///   `TicketPatch` in JSON.
const M0010_BULK_UNDO: &str = r#"
CREATE TABLE bulk_batches (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         BLOB NOT NULL UNIQUE,
    actor_id   BLOB NOT NULL,
    at         INTEGER NOT NULL,
    changed    INTEGER NOT NULL,
    undone_at  INTEGER
);
CREATE TABLE bulk_batch_tickets (
    batch_id    BLOB NOT NULL,
    ticket_id   BLOB NOT NULL,
    before_json TEXT NOT NULL,
    after_json  TEXT NOT NULL,
    PRIMARY KEY (batch_id, ticket_id)
) WITHOUT ROWID;
"#;

/// Migration 12: reports and insights without replaying histories.
///
/// - per-target SLA outcomes (`fr_*`: first response, `res_*`: resolution):
///   the engine's state at the last evaluation, when the target was met or
///   missed, and its deadline; written with the snapshot in the same
///   transaction as every edit (`store/sla`), for every ticket. `fr_at` /
///   `res_at` is the instant a report counts the target at: its completion
///   when met or missed, its deadline while running or breached (a running
///   target whose deadline passed is breached), none while paused. The store
///   evaluates every existing ticket's outcomes at the first open after this
///   migration (`sla_outcomes_pending`).
/// - `tickets_by_updated` also covers what a report reads of the tickets
///   updated in its period (status, creation, first response, resolution);
///   those change only with `updated_at`, so no extra index writes.
/// - `tickets_open_load`: agent load (open tickets per assignee with their
///   SLA instants) without reading the table.
/// - `tickets_resolved_by_group`: the newest resolved tickets of a category
///   and priority (typical handling time in insights), in order.
const M0012_REPORT_OUTCOMES: &str = r#"
ALTER TABLE tickets ADD COLUMN fr_state INTEGER CHECK (fr_state BETWEEN 0 AND 6);
ALTER TABLE tickets ADD COLUMN fr_done_at INTEGER;
ALTER TABLE tickets ADD COLUMN fr_deadline INTEGER;
ALTER TABLE tickets ADD COLUMN res_state INTEGER CHECK (res_state BETWEEN 0 AND 6);
ALTER TABLE tickets ADD COLUMN res_done_at INTEGER;
ALTER TABLE tickets ADD COLUMN res_deadline INTEGER;
ALTER TABLE tickets ADD COLUMN fr_at INTEGER GENERATED ALWAYS AS (CASE
    WHEN fr_state IN (5, 6) THEN fr_done_at WHEN fr_state IN (1, 2, 3) THEN fr_deadline END) VIRTUAL;
ALTER TABLE tickets ADD COLUMN res_at INTEGER GENERATED ALWAYS AS (CASE
    WHEN res_state IN (5, 6) THEN res_done_at WHEN res_state IN (1, 2, 3) THEN res_deadline END) VIRTUAL;
CREATE INDEX tickets_fr_outcome ON tickets (fr_at, fr_state, priority, category_id, assignee_id)
    WHERE fr_at IS NOT NULL;
CREATE INDEX tickets_res_outcome ON tickets (res_at, res_state, priority, category_id, assignee_id)
    WHERE res_at IS NOT NULL;
DROP INDEX tickets_by_updated;
CREATE INDEX tickets_by_updated ON tickets (updated_at, id, priority, assignee_id, category_id,
    status, created_at, first_response_at, resolved_at);
CREATE INDEX tickets_open_load ON tickets (assignee_id, sla_state, breach_at, at_risk_at,
    priority, category_id) WHERE status IN (0, 1, 2);
CREATE INDEX tickets_resolved_by_group ON tickets (category_id, priority, created_at, resolved_at)
    WHERE status IN (3, 4);
INSERT INTO meta (key, value) VALUES ('sla_outcomes_pending', '1')
    ON CONFLICT (key) DO UPDATE SET value = excluded.value;
"#;

/// Title search for rows that sync inserts in bulk: while the meta key
/// `fts_after` holds a rowid, the triggers leave rows above it alone and the
/// sync transaction indexes them in one statement before it commits
/// (`sync_apply::sync_tx`). FTS5 flushes its pending terms to disk at every
/// statement savepoint, so one trigger-fired insert per ticket wrote one
/// segment per ticket and spent its time merging them.
const M0013_DEFERRED_TITLE_INDEX: &str = r#"
DROP TRIGGER tickets_fts_insert;
DROP TRIGGER tickets_fts_delete;
DROP TRIGGER tickets_fts_update;
CREATE TRIGGER tickets_fts_insert AFTER INSERT ON tickets
WHEN new.rid <= coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'fts_after'), new.rid)
BEGIN
    INSERT INTO ticket_fts (rowid, title) VALUES (new.rid, new.title);
END;
CREATE TRIGGER tickets_fts_delete AFTER DELETE ON tickets
WHEN old.rid <= coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'fts_after'), old.rid)
BEGIN
    INSERT INTO ticket_fts (ticket_fts, rowid, title) VALUES ('delete', old.rid, old.title);
END;
CREATE TRIGGER tickets_fts_update AFTER UPDATE OF title ON tickets
WHEN old.title IS NOT new.title
    AND old.rid <= coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'fts_after'), old.rid)
BEGIN
    INSERT INTO ticket_fts (ticket_fts, rowid, title) VALUES ('delete', old.rid, old.title);
    INSERT INTO ticket_fts (rowid, title) VALUES (new.rid, new.title);
END;
"#;

/// Cheaper ticket writes, shaped by `sync_bootstrap_100k`:
///
/// - The report instants without a temporary table per row write: SQLite
///   evaluates `x IN (1, 2, 3)` in a generated column by building an
///   ephemeral table every time the row is written (two-value lists become
///   comparisons); `BETWEEN 1 AND 3` is the same test. The columns are
///   VIRTUAL, so nothing stored changes: their indexes are rebuilt with the
///   same values.
/// - `sync_tickets` (the server's copy of each ticket) becomes a rowid table
///   with a unique index on the ticket id. As a WITHOUT ROWID table keyed by
///   a random UUID, every row larger than about 1 KB spilled onto overflow
///   pages and every insert landed in the middle of the tree; now rows are
///   appended and only the 16-byte key goes into a tree.
const M0014_CHEAPER_TICKET_WRITES: &str = r#"
DROP INDEX tickets_fr_outcome;
DROP INDEX tickets_res_outcome;
ALTER TABLE tickets DROP COLUMN fr_at;
ALTER TABLE tickets DROP COLUMN res_at;
ALTER TABLE tickets ADD COLUMN fr_at INTEGER GENERATED ALWAYS AS (CASE
    WHEN fr_state IN (5, 6) THEN fr_done_at WHEN fr_state BETWEEN 1 AND 3 THEN fr_deadline END) VIRTUAL;
ALTER TABLE tickets ADD COLUMN res_at INTEGER GENERATED ALWAYS AS (CASE
    WHEN res_state IN (5, 6) THEN res_done_at WHEN res_state BETWEEN 1 AND 3 THEN res_deadline END) VIRTUAL;
CREATE INDEX tickets_fr_outcome ON tickets (fr_at, fr_state, priority, category_id, assignee_id)
    WHERE fr_at IS NOT NULL;
CREATE INDEX tickets_res_outcome ON tickets (res_at, res_state, priority, category_id, assignee_id)
    WHERE res_at IS NOT NULL;
CREATE TABLE sync_bases (
    rid         INTEGER PRIMARY KEY,
    id          BLOB NOT NULL UNIQUE,
    ticket_json TEXT NOT NULL,
    stamps_json TEXT NOT NULL
);
INSERT INTO sync_bases (id, ticket_json, stamps_json)
    SELECT id, ticket_json, stamps_json FROM sync_tickets;
DROP TABLE sync_tickets;
ALTER TABLE sync_bases RENAME TO sync_tickets;
"#;

/// Migration 15: cheaper status writes. SQLite builds a temporary table at
/// every row write for
/// - an `IN` list in a partial index's WHERE, for the old and the new row:
///   the indexes over open or done tickets now test a range (`BETWEEN 0 AND
///   2`, `BETWEEN 3 AND 4`), and the queries that scan them say the same
///   range (`sla::open_range`, `sla::done_range`) and name the index;
/// - an `INSERT ... SELECT` that reads the table it writes: the
///   `ticket_counts` triggers first add one to the group's row and insert it
///   only when there was none (`changes() = 0`: within a trigger, the rows
///   its previous statement changed).
///
/// A bulk status change of 1,000 tickets built about 4,000 of them.
const M0015_CHEAPER_STATUS_WRITES: &str = r#"
DROP INDEX tickets_open_sla;
DROP INDEX tickets_open_load;
DROP INDEX tickets_resolved_by_group;
CREATE INDEX tickets_open_sla ON tickets (sla_state, at_risk_at, breach_at)
    WHERE status BETWEEN 0 AND 2;
CREATE INDEX tickets_open_load ON tickets (assignee_id, sla_state, breach_at, at_risk_at,
    priority, category_id) WHERE status BETWEEN 0 AND 2;
CREATE INDEX tickets_resolved_by_group ON tickets (category_id, priority, created_at, resolved_at)
    WHERE status BETWEEN 3 AND 4;
DROP TRIGGER ticket_counts_insert;
DROP TRIGGER ticket_counts_update;
CREATE TRIGGER ticket_counts_insert AFTER INSERT ON tickets BEGIN
    UPDATE ticket_counts SET n = n + 1 WHERE status = new.status AND priority = new.priority
        AND assignee_id IS new.assignee_id AND category_id IS new.category_id;
    INSERT INTO ticket_counts (status, priority, assignee_id, category_id, n)
        SELECT new.status, new.priority, new.assignee_id, new.category_id, 1
        WHERE changes() = 0;
END;
CREATE TRIGGER ticket_counts_update AFTER UPDATE OF status, priority, assignee_id, category_id ON tickets
WHEN old.status IS NOT new.status OR old.priority IS NOT new.priority
    OR old.assignee_id IS NOT new.assignee_id OR old.category_id IS NOT new.category_id
BEGIN
    UPDATE ticket_counts SET n = n - 1 WHERE status = old.status AND priority = old.priority
        AND assignee_id IS old.assignee_id AND category_id IS old.category_id;
    UPDATE ticket_counts SET n = n + 1 WHERE status = new.status AND priority = new.priority
        AND assignee_id IS new.assignee_id AND category_id IS new.category_id;
    INSERT INTO ticket_counts (status, priority, assignee_id, category_id, n)
        SELECT new.status, new.priority, new.assignee_id, new.category_id, 1
        WHERE changes() = 0;
END;
"#;

/// Every migration, oldest first. Index + 1 is the `user_version` after it.
pub const MIGRATIONS: &[&str] = &[
    M0001_FOUNDATION,
    M0002_BOARD_INDEXES,
    M0003_SLA,
    M0004_LEAN_INDEXES_AND_COUNTS,
    M0005_NOTIFIED,
    M0006_NOTIFY_SNOOZES,
    M0007_REPORTS,
    M0008_INBOX_RULES,
    M0009_KNOWLEDGE_BASE,
    M0010_BULK_UNDO,
    super::sync_apply::SYNC_MIGRATION,
    M0012_REPORT_OUTCOMES,
    M0013_DEFERRED_TITLE_INDEX,
    M0014_CHEAPER_TICKET_WRITES,
    M0015_CHEAPER_STATUS_WRITES,
];

/// The first schema version with the SLA columns and settings (migration 3).
pub const SLA_VERSION: usize = 3;

/// The first schema version with the `ticket_counts` table (migration 4).
pub const COUNTS_VERSION: usize = 4;

/// The first schema version with the `notified` table (migration 5).
pub const NOTIFIED_VERSION: usize = 5;

/// The first schema version with the sync tables (`sync_apply::SYNC_MIGRATION`).
pub const SYNC_VERSION: usize = 11;

/// The first schema version with the per-target SLA outcome columns
/// (migration 12).
pub const OUTCOMES_VERSION: usize = 12;

/// The first schema version whose title index triggers can be deferred by
/// a sync transaction (migration 13).
pub const DEFERRED_FTS_VERSION: usize = 13;

/// The schema version this build writes.
pub fn latest_version() -> i64 {
    MIGRATIONS.len() as i64
}

/// Brings the schema up to the newest of `migrations` in one transaction.
/// Returns how many ran. A store newer than `migrations` is refused.
pub(crate) fn migrate(conn: &mut Connection, migrations: &[&str]) -> StoreResult<usize> {
    let supported = migrations.len() as i64;
    let version = |c: &Connection| c.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0));
    // The common case (up to date) takes no write lock.
    if version(conn)? == supported {
        return Ok(0);
    }
    // IMMEDIATE: two processes opening an old store at once must not both
    // upgrade; the second re-reads the version under the lock.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let current = version(&tx)?;
    if current > supported {
        return Err(StoreError::SchemaTooNew {
            found: current,
            supported,
        });
    }
    let pending = &migrations[current as usize..];
    for sql in pending {
        tx.execute_batch(sql)?;
    }
    if !pending.is_empty() {
        tx.pragma_update(None, "user_version", supported)?;
    }
    tx.commit()?;
    Ok(pending.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_apply_once_and_refuse_newer_stores() {
        let mut conn = Connection::open_in_memory().unwrap();
        assert_eq!(migrate(&mut conn, MIGRATIONS).unwrap(), MIGRATIONS.len());
        assert_eq!(
            migrate(&mut conn, MIGRATIONS).unwrap(),
            0,
            "second run is a no-op"
        );
        conn.pragma_update(None, "user_version", 99).unwrap();
        let err = migrate(&mut conn, MIGRATIONS).unwrap_err();
        assert_eq!(
            err.code(),
            "schema_too_new",
            "a newer store is refused: {err}"
        );
    }

    #[test]
    fn the_outcomes_migration_marks_the_store_for_evaluation() {
        assert!(
            M0012_REPORT_OUTCOMES.contains(&format!("'{}'", crate::store::sla::OUTCOMES_PENDING))
        );
        assert_eq!(MIGRATIONS[OUTCOMES_VERSION - 1], M0012_REPORT_OUTCOMES);
    }

    /// Temporary tables a one-row write of `tickets` builds (`EXPLAIN`).
    fn ephemeral_tables(conn: &Connection, sql: &str) -> usize {
        let mut stmt = conn.prepare(&format!("EXPLAIN {sql}")).unwrap();
        let ops: Vec<String> = stmt
            .query_map([], |r| r.get(1))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        ops.iter().filter(|op| *op == "OpenEphemeral").count()
    }

    /// Migration 14 keeps the sync bases, computes the same report instants as migration 12 for
    /// every target state, and writing a ticket no longer builds the
    /// temporary tables the `IN (1, 2, 3)` lists cost (at least one per list
    /// in the old and in the new row).
    #[test]
    fn cheaper_ticket_writes_keep_every_value() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn, &MIGRATIONS[..13]).unwrap();
        for state in 0..=6 {
            conn.execute(
                "INSERT INTO tickets (id, title, status, priority, created_at, updated_at,
                     fr_state, fr_done_at, fr_deadline, res_state, res_done_at, res_deadline)
                 VALUES (randomblob(16), 't', 0, 1, 0, 0, ?1, 100 + ?1, 200 + ?1, 6 - ?1, 300, 400)",
                [state],
            )
            .unwrap();
        }
        conn.execute(
            "INSERT INTO tickets (id, title, status, priority, created_at, updated_at)
             VALUES (randomblob(16), 'no outcomes', 0, 1, 0, 0)",
            [],
        )
        .unwrap();
        let instants = |c: &Connection| -> Vec<(Option<i64>, Option<i64>)> {
            c.prepare("SELECT fr_at, res_at FROM tickets ORDER BY rid")
                .unwrap()
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap()
        };
        conn.execute(
            "INSERT INTO sync_tickets (id, ticket_json, stamps_json) VALUES (x'01', '{}', '[]')",
            [],
        )
        .unwrap();
        let write = "UPDATE tickets SET fr_state = 2, res_state = 5 WHERE rid = 1";
        let before = (instants(&conn), ephemeral_tables(&conn, write));
        assert_eq!(
            migrate(&mut conn, MIGRATIONS).unwrap(),
            MIGRATIONS.len() - 13
        );
        let after = (instants(&conn), ephemeral_tables(&conn, write));
        assert_eq!(after.0, before.0);
        assert!(before.0.iter().any(|(f, r)| f.is_some() && r.is_none()));
        assert!(before.0.iter().any(|(f, r)| f.is_none() && r.is_some()));
        assert!(
            after.1 + 4 <= before.1,
            "two lists, in the old and the new row: {before:?} -> {after:?}"
        );
        let indexed: i64 = conn
            .query_row(
                "SELECT count(*) FROM tickets INDEXED BY tickets_fr_outcome WHERE fr_at IS NOT NULL",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(indexed, 5, "states 1-3 and 5-6 count");
        let base: (String, String) = conn
            .query_row(
                "SELECT ticket_json, stamps_json FROM sync_tickets WHERE id = x'01'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(base, ("{}".to_string(), "[]".to_string()), "bases are kept");
    }

    /// Migration 15: a status write builds no temporary table any more; each
    /// partial index still holds its tickets and serves the query that says
    /// its range; `ticket_counts` stays exact through inserts and updates
    /// into groups old and new (NULL assignee and category included).
    #[test]
    fn cheaper_status_writes_keep_indexes_and_counts() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn, &MIGRATIONS[..14]).unwrap();
        let insert = |c: &Connection, status: i64, assignee: Option<&[u8]>| {
            c.execute(
                "INSERT INTO tickets (id, title, status, priority, assignee_id, created_at,
                     updated_at, resolved_at)
                 VALUES (randomblob(16), 't', ?1, 1, ?2, 0, 0, 10)",
                rusqlite::params![status, assignee],
            )
            .unwrap();
        };
        for status in 0..=4 {
            insert(&conn, status, None);
        }
        let write = "UPDATE tickets SET status = 3 WHERE rid = 1";
        let before = ephemeral_tables(&conn, write);
        assert_eq!(
            migrate(&mut conn, MIGRATIONS).unwrap(),
            MIGRATIONS.len() - 14
        );
        let after = ephemeral_tables(&conn, write);
        assert!(
            before >= 4,
            "a list per partial index and the count trigger: {before}"
        );
        assert_eq!(after, 0, "ranges and the new triggers need none");

        let open = crate::store::sla::open_range("status");
        let done = crate::store::sla::done_range("status");
        assert_eq!(crate::store::sla::open_status("s"), "s IN (0, 1, 2)");
        assert_eq!(open, "status BETWEEN 0 AND 2");
        assert_eq!(done, "status BETWEEN 3 AND 4");
        for (index, term, rows) in [
            ("tickets_open_sla", &open, 3),
            ("tickets_open_load", &open, 3),
            ("tickets_resolved_by_group", &done, 2),
        ] {
            let n: i64 = conn
                .query_row(
                    &format!("SELECT count(*) FROM tickets INDEXED BY {index} WHERE {term}"),
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(n, rows, "{index}");
        }

        // Writes into existing and new groups, then the counts against a
        // fresh count of the table.
        conn.execute_batch(
            "INSERT INTO agents (id, name, email, role, timezone) VALUES
                 (x'aa', 'A', 'a@x', 'agent', 'UTC'), (x'bb', 'B', 'b@x', 'agent', 'UTC');
             UPDATE tickets SET status = 2 WHERE rid IN (1, 2);
             UPDATE tickets SET assignee_id = x'aa' WHERE rid = 3;
             UPDATE tickets SET priority = 0 WHERE rid = 4;
             UPDATE tickets SET status = 4 WHERE rid = 4;",
        )
        .unwrap();
        insert(&conn, 0, Some(b"\xbb"));
        insert(&conn, 0, Some(b"\xbb"));
        insert(&conn, 2, None);
        let groups = |sql: &str| -> Vec<(i64, i64, Option<Vec<u8>>, i64)> {
            conn.prepare(sql)
                .unwrap()
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap()
        };
        let counted = groups(
            "SELECT status, priority, assignee_id, n FROM ticket_counts WHERE n > 0
             ORDER BY status, priority, assignee_id",
        );
        let actual = groups(
            "SELECT status, priority, assignee_id, count(*) FROM tickets
             GROUP BY status, priority, assignee_id ORDER BY status, priority, assignee_id",
        );
        assert_eq!(counted, actual);
        let rows_per_group: i64 = conn
            .query_row(
                "SELECT max(c) FROM (SELECT count(*) AS c FROM ticket_counts
                 GROUP BY status, priority, assignee_id, category_id)",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(rows_per_group, 1, "one row per group");
    }

    #[test]
    fn a_failing_migration_leaves_the_old_schema() {
        let mut conn = Connection::open_in_memory().unwrap();
        let broken = [M0001_FOUNDATION, "CREATE TABLE extra (x); THIS IS NOT SQL;"];
        assert!(migrate(&mut conn, &broken).is_err());
        let v: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, 0, "nothing of a failed upgrade is kept");
    }
}
