-- Knowledge-base articles. A delete keeps the row as a tombstone
-- (deleted = 1) so a concurrent offline edit with an older stamp cannot bring
-- the article back. `stamp` is the HLC text of the last write (sorts like
-- the stamp itself).
CREATE TABLE kb_articles (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    id TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    tags_json TEXT NOT NULL,
    updated_by TEXT,
    updated_at BIGINT NOT NULL,
    stamp TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (workspace_id, id)
);
CREATE INDEX kb_articles_by_title ON kb_articles (workspace_id, deleted, title);

-- The workspace's OpenAI-compatible endpoint for generated summaries. The
-- key never leaves the server.
CREATE TABLE ai_settings (
    workspace_id TEXT PRIMARY KEY REFERENCES workspaces (id),
    endpoint TEXT NOT NULL,
    model TEXT NOT NULL,
    api_key TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
