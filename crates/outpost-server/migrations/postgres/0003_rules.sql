-- Workflow rules (one JSON rule set per workspace) and the rule firings
-- already done, so a rule fires once per event. A conversation links to at
-- most one ticket, and a ticket to at most one conversation.
CREATE TABLE rule_sets (
    workspace_id TEXT NOT NULL PRIMARY KEY REFERENCES workspaces (id),
    rules TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE rule_firings (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    firing_key TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, firing_key)
);

CREATE UNIQUE INDEX tickets_one_per_conversation ON tickets (workspace_id, conversation_id) WHERE conversation_id IS NOT NULL
