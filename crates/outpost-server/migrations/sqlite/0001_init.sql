-- Outpost server schema, version 1. Forward-only: never edit, only add.
-- Ids are UUID text, times are Unix milliseconds, enums are their codes.
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE workspaces (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    timezone TEXT NOT NULL,
    ai_insights BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

-- One row per workspace, locked by every write: versions are assigned in
-- commit order, and ticket numbers come from last_number.
CREATE TABLE workspace_versions (
    workspace_id TEXT PRIMARY KEY REFERENCES workspaces (id),
    version BIGINT NOT NULL,
    last_number BIGINT NOT NULL
);

CREATE TABLE agents (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    timezone TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    active BIGINT NOT NULL DEFAULT 1,
    UNIQUE (workspace_id, email)
);
CREATE INDEX agents_email ON agents (email);

CREATE TABLE tokens (
    hash TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL REFERENCES agents (id),
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    created_at BIGINT NOT NULL
);

CREATE TABLE categories (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (workspace_id, id)
);

CREATE TABLE tickets (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    id TEXT NOT NULL,
    number BIGINT,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    status TEXT NOT NULL,
    priority_rank BIGINT NOT NULL,
    category_id TEXT,
    assignee_id TEXT,
    requester TEXT NOT NULL,
    conversation_id TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    first_response_at BIGINT,
    resolved_at BIGINT,
    closed_at BIGINT,
    due_at BIGINT,
    due_override BIGINT,
    sla_state TEXT NOT NULL,
    stamps TEXT NOT NULL,
    PRIMARY KEY (workspace_id, id),
    UNIQUE (workspace_id, number)
);
CREATE INDEX tickets_due ON tickets (workspace_id, due_at);
CREATE INDEX tickets_updated ON tickets (workspace_id, updated_at);

CREATE TABLE comments (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    id TEXT NOT NULL,
    ticket_id TEXT NOT NULL,
    author_id TEXT NOT NULL,
    body TEXT NOT NULL,
    mentions TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, id)
);
CREATE INDEX comments_ticket ON comments (workspace_id, ticket_id, created_at);

CREATE TABLE history (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    id TEXT NOT NULL,
    ticket_id TEXT NOT NULL,
    actor_id TEXT,
    at BIGINT NOT NULL,
    field TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT,
    PRIMARY KEY (workspace_id, id)
);
CREATE INDEX history_ticket ON history (workspace_id, ticket_id, at);

CREATE TABLE conversations (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    id TEXT NOT NULL,
    channel TEXT NOT NULL,
    status TEXT NOT NULL,
    customer_name TEXT NOT NULL,
    customer_contact TEXT NOT NULL,
    subject TEXT NOT NULL,
    ticket_id TEXT,
    created_at BIGINT NOT NULL,
    last_message_at BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, id)
);

CREATE TABLE messages (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    id TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    author TEXT NOT NULL,
    agent_id TEXT,
    body TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, id)
);
CREATE INDEX messages_conversation ON messages (workspace_id, conversation_id, at);

-- Devices allowed to push, and the highest seq applied from each.
CREATE TABLE sync_clients (
    client_id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    agent_id TEXT NOT NULL,
    registered_at BIGINT NOT NULL,
    last_seq BIGINT
);

-- Every mutation seen, with its outcome, so replays are answered the same.
CREATE TABLE applied_ops (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    op_id TEXT NOT NULL,
    client_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    status TEXT NOT NULL,
    reason_code TEXT,
    reason_message TEXT,
    PRIMARY KEY (workspace_id, op_id),
    UNIQUE (client_id, seq)
);

-- The change feed: the version at which each entity last changed.
-- kind: 1 ticket, 2 comment, 3 history, 4 agent, 5 category,
-- 6 conversation, 7 message.
CREATE TABLE changes (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    kind BIGINT NOT NULL,
    entity_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, kind, entity_id)
);
CREATE INDEX changes_feed ON changes (workspace_id, version, kind, entity_id);
