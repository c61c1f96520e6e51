-- kmsbot schema, part 1: events, messages, audit, tickets, jobs.
-- Nothing here is deleted by a user action: cancel and reject are states.

-- Platform event ids already handled; written in the same transaction as the event's effects.
CREATE TABLE processed_events (
    platform     TEXT NOT NULL,
    event_id     TEXT NOT NULL,
    processed_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (platform, event_id)
) WITHOUT ROWID;

-- Every message the bot posted (and every message it was sent), with its platform reference.
-- `id` is the bot's own message id: unique in the database, never reused, shown by the console.
CREATE TABLE messages (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    platform     TEXT NOT NULL,
    channel      TEXT NOT NULL,
    thread       TEXT,
    platform_ref TEXT,
    author       TEXT NOT NULL,            -- 'bot' or the user id
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX messages_by_ref ON messages (platform, platform_ref);
CREATE INDEX messages_by_channel ON messages (platform, channel, author, id);

-- Append-only audit trail: who did what, when, to which subject.
CREATE TABLE audit_log (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    subject TEXT,
    detail  TEXT
);
CREATE INDEX audit_by_subject ON audit_log (subject, id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

-- Firewall-rule and internet-access tickets; every field is a column.
CREATE TABLE tickets (
    id            TEXT PRIMARY KEY,         -- FW-12, NET-3
    kind          TEXT NOT NULL CHECK (kind IN ('firewall', 'internet_access')),
    seq           INTEGER NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('open', 'approved', 'rejected', 'done', 'cancelled')),
    requester     TEXT NOT NULL,
    platform      TEXT NOT NULL,
    channel       TEXT NOT NULL,
    thread        TEXT,
    message_id    INTEGER REFERENCES messages (id),   -- the bot's ticket message (reactions)
    protocol      TEXT,
    ports         TEXT,
    source        TEXT,
    destination   TEXT,
    direction     TEXT,
    instances     TEXT,
    reason        TEXT,
    duration      TEXT,
    fingerprint   TEXT NOT NULL,
    decided_by    TEXT,
    decision_note TEXT,
    created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (kind, seq)
);
CREATE INDEX tickets_by_requester ON tickets (requester, status);
CREATE INDEX tickets_by_fingerprint ON tickets (fingerprint, status);
CREATE INDEX tickets_by_message ON tickets (message_id);

-- Activation jobs and their steps.
CREATE TABLE jobs (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    instance            TEXT NOT NULL,
    method              TEXT NOT NULL CHECK (method IN ('kms', 'online', 'kms_host')),
    kms_host            TEXT,
    kms_port            INTEGER,
    status              TEXT NOT NULL CHECK (status IN ('awaiting_approval', 'queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted', 'rejected')),
    requested_by        TEXT NOT NULL,
    approved_by         TEXT,
    platform            TEXT NOT NULL,
    channel             TEXT NOT NULL,
    thread              TEXT,
    request_message_id  INTEGER REFERENCES messages (id),
    progress_message_id INTEGER REFERENCES messages (id),
    error_code          TEXT,
    error               TEXT,
    created_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    started_at          TEXT,
    finished_at         TEXT
);
CREATE INDEX jobs_by_status ON jobs (status, id);

CREATE TABLE job_steps (
    job_id      INTEGER NOT NULL REFERENCES jobs (id),
    seq         INTEGER NOT NULL,
    name        TEXT NOT NULL,
    command     TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'skipped')),
    exit_status INTEGER,
    output      TEXT,
    error_code  TEXT,
    started_at  TEXT,
    finished_at TEXT,
    duration_ms INTEGER,
    PRIMARY KEY (job_id, seq)
);
