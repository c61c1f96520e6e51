-- kmsbot schema, part 3: CHECK constraints for the states the code reads as enums.
-- `job_steps.check_kind` had none: a typo would have weakened the "Licensed" check silently.
-- SQLite adds CHECK constraints only by rebuilding a table; nothing references job_steps, so it
-- is rebuilt. approval_requests and conversations are referenced, so triggers guard them.

CREATE TABLE job_steps_new (
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
    secret_ref  TEXT,
    always_run  INTEGER NOT NULL DEFAULT 0 CHECK (always_run IN (0, 1)),
    undoes      INTEGER,
    check_kind  TEXT NOT NULL DEFAULT 'exit_zero' CHECK (check_kind IN ('slmgr', 'service_start', 'exit_zero', 'licensed')),
    PRIMARY KEY (job_id, seq)
);
INSERT INTO job_steps_new (job_id, seq, name, command, status, exit_status, output, error_code,
                           started_at, finished_at, duration_ms, secret_ref, always_run, undoes, check_kind)
SELECT job_id, seq, name, command, status, exit_status, output, error_code,
       started_at, finished_at, duration_ms, secret_ref, always_run, undoes, check_kind
FROM job_steps;
DROP TABLE job_steps;
ALTER TABLE job_steps_new RENAME TO job_steps;

CREATE TRIGGER approval_requests_subject_insert BEFORE INSERT ON approval_requests
WHEN NOT (NEW.subject = 'jobs' OR (NEW.subject LIKE 'ticket:_%'))
BEGIN SELECT RAISE(ABORT, 'approval_requests.subject must be ''jobs'' or ''ticket:ID'''); END;
CREATE TRIGGER approval_requests_subject_update BEFORE UPDATE OF subject ON approval_requests
WHEN NOT (NEW.subject = 'jobs' OR (NEW.subject LIKE 'ticket:_%'))
BEGIN SELECT RAISE(ABORT, 'approval_requests.subject must be ''jobs'' or ''ticket:ID'''); END;

CREATE TRIGGER conversations_kind_insert BEFORE INSERT ON conversations
WHEN NEW.kind NOT IN ('firewall', 'internet_access')
BEGIN SELECT RAISE(ABORT, 'conversations.kind must be firewall or internet_access'); END;
CREATE TRIGGER conversations_kind_update BEFORE UPDATE OF kind ON conversations
WHEN NEW.kind NOT IN ('firewall', 'internet_access')
BEGIN SELECT RAISE(ABORT, 'conversations.kind must be firewall or internet_access'); END;
