-- kmsbot schema, part 6: a dry run has its own outcome, `rehearsed`, for a job and for each of
-- its steps (it never counts as `succeeded`), and a rejected job keeps who rejected it and why.
-- SQLite changes a CHECK constraint only by rebuilding the table. job_steps references jobs, so
-- both are rebuilt: the new steps table references the new jobs table, the old steps table is
-- dropped before the old jobs table (so no row ever points at a dropped table), and the renames
-- carry the foreign key over to the final name.

CREATE TABLE jobs_new (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    instance            TEXT NOT NULL,
    method              TEXT NOT NULL CHECK (method IN ('kms', 'online', 'kms_host')),
    kms_host            TEXT,
    kms_port            INTEGER,
    status              TEXT NOT NULL CHECK (status IN ('awaiting_approval', 'queued', 'running', 'succeeded', 'rehearsed', 'failed', 'cancelled', 'interrupted', 'rejected')),
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
    finished_at         TEXT,
    approval_request_id INTEGER REFERENCES approval_requests (id),
    cancel_requested    INTEGER NOT NULL DEFAULT 0,
    edition             TEXT,
    owner               TEXT,
    lease_expires_at    TEXT,
    rejected_by         TEXT,
    reject_reason       TEXT
);
INSERT INTO jobs_new (id, instance, method, kms_host, kms_port, status, requested_by, approved_by,
                      platform, channel, thread, request_message_id, progress_message_id,
                      error_code, error, created_at, started_at, finished_at, approval_request_id,
                      cancel_requested, edition, owner, lease_expires_at)
SELECT id, instance, method, kms_host, kms_port, status, requested_by, approved_by,
       platform, channel, thread, request_message_id, progress_message_id,
       error_code, error, created_at, started_at, finished_at, approval_request_id,
       cancel_requested, edition, owner, lease_expires_at
FROM jobs;

CREATE TABLE job_steps_new (
    job_id      INTEGER NOT NULL REFERENCES jobs_new (id),
    seq         INTEGER NOT NULL,
    name        TEXT NOT NULL,
    command     TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('pending', 'running', 'succeeded', 'rehearsed', 'failed', 'skipped')),
    exit_status INTEGER,
    output      TEXT,
    error_code  TEXT,
    started_at  TEXT,
    finished_at TEXT,
    duration_ms INTEGER,
    secret_ref  TEXT,
    always_run  INTEGER NOT NULL DEFAULT 0 CHECK (always_run IN (0, 1)),
    undoes      INTEGER,
    check_kind  TEXT NOT NULL DEFAULT 'exit_zero' CHECK (check_kind IN ('slmgr', 'service_start', 'exit_zero', 'licensed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    probe       TEXT,
    PRIMARY KEY (job_id, seq)
);
INSERT INTO job_steps_new (job_id, seq, name, command, status, exit_status, output, error_code,
                           started_at, finished_at, duration_ms, secret_ref, always_run, undoes,
                           check_kind, attempts, probe)
SELECT job_id, seq, name, command, status, exit_status, output, error_code,
       started_at, finished_at, duration_ms, secret_ref, always_run, undoes,
       check_kind, attempts, probe
FROM job_steps;

DROP TABLE job_steps;
DROP TABLE jobs;
ALTER TABLE jobs_new RENAME TO jobs;
ALTER TABLE job_steps_new RENAME TO job_steps;
CREATE INDEX jobs_by_status ON jobs (status, id);
CREATE INDEX jobs_by_lease ON jobs (status, lease_expires_at);
