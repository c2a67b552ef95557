-- Notified marks (issue 6): which transitions each agent was already told
-- about, synced between that agent's devices. Append-only, kind 8 in the
-- change feed, entity id = id below.
CREATE TABLE notified_marks (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    id TEXT NOT NULL,
    agent_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    mark_key TEXT NOT NULL,
    ticket_id TEXT NOT NULL,
    notified_at BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, id)
);
