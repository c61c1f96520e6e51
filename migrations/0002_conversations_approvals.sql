-- kmsbot schema, part 2: conversations (slot filling, follow-up context), approvals, job extras.

-- An open request with missing fields, per platform + channel + thread + user. Survives restarts.
-- Closed conversations stay (state 'filed' / 'cancelled'); only one may be open per key.
CREATE TABLE conversations (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    platform   TEXT NOT NULL,
    channel    TEXT NOT NULL,
    thread     TEXT NOT NULL DEFAULT '',
    user_id    TEXT NOT NULL,
    kind       TEXT NOT NULL,                -- 'firewall' | 'internet_access'
    draft      TEXT NOT NULL,                -- JSON of the fields gathered so far
    awaiting   TEXT,                         -- the field asked for, or 'confirm'
    state      TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'filed', 'cancelled')),
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE UNIQUE INDEX conversations_open ON conversations (platform, channel, thread, user_id) WHERE state = 'open';

-- What the knowledge base needs to answer a follow-up in the same thread ("and for datacenter?").
CREATE TABLE answer_contexts (
    platform   TEXT NOT NULL,
    channel    TEXT NOT NULL,
    thread     TEXT NOT NULL DEFAULT '',
    user_id    TEXT NOT NULL,
    context    TEXT NOT NULL,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (platform, channel, thread, user_id)
) WITHOUT ROWID;

-- A bot message that asks for approval, and what it approves.
CREATE TABLE approval_requests (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    subject     TEXT NOT NULL,               -- 'ticket:FW-12' or 'jobs'
    message_id  INTEGER NOT NULL UNIQUE REFERENCES messages (id),
    requester   TEXT NOT NULL,
    required    INTEGER NOT NULL,
    state       TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'approved', 'rejected', 'cancelled')),
    platform    TEXT NOT NULL,
    channel     TEXT NOT NULL,
    thread      TEXT,
    decided_at  TEXT,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- One approval per request and approver; withdrawing keeps the row (withdrawn_at set).
CREATE TABLE approvals (
    request_id   INTEGER NOT NULL REFERENCES approval_requests (id),
    approver     TEXT NOT NULL,
    at           TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    withdrawn_at TEXT,
    PRIMARY KEY (request_id, approver)
) WITHOUT ROWID;

ALTER TABLE jobs ADD COLUMN approval_request_id INTEGER REFERENCES approval_requests (id);
ALTER TABLE jobs ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN edition TEXT;
-- A step whose real command needs a secret stores the secret reference, never the secret;
-- `command` holds the display form with the key redacted.
ALTER TABLE job_steps ADD COLUMN secret_ref TEXT;
ALTER TABLE job_steps ADD COLUMN always_run INTEGER NOT NULL DEFAULT 0;
-- An always-run step that undoes step N runs only when step N ran (e.g. restore the time source).
ALTER TABLE job_steps ADD COLUMN undoes INTEGER;
ALTER TABLE tickets ADD COLUMN approval_request_id INTEGER REFERENCES approval_requests (id);
ALTER TABLE job_steps ADD COLUMN check_kind TEXT NOT NULL DEFAULT 'exit_zero';
