-- Server-side SLA. Each workspace's SLA settings as one JSON document
-- (calendars, policies, week start), synced to the apps through the change
-- feed. Each ticket keeps the instants its running targets become at risk
-- and breached next to its state and due date, so reads and the board's
-- SLA filters see the state at the current time without replaying history.
-- Existing workspaces get the defaults, and their tickets an evaluation,
-- when the server starts.
CREATE TABLE sla_settings (
    workspace_id TEXT NOT NULL PRIMARY KEY REFERENCES workspaces (id),
    json TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

ALTER TABLE tickets ADD COLUMN at_risk_at BIGINT;

ALTER TABLE tickets ADD COLUMN breach_at BIGINT
