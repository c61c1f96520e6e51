-- kmsbot schema, part 4: job leases, so two processes on one database never run a job twice.
-- A running job has an owner (one worker process) and a lease that the owner renews while the job
-- runs. Another process takes a running job over only after its lease expired. Rows left
-- `running` by a version without leases have no lease and count as expired.
ALTER TABLE jobs ADD COLUMN owner TEXT;
ALTER TABLE jobs ADD COLUMN lease_expires_at TEXT;
-- How often a step was started: a step started before without a recorded result may have had its
-- effect; a step with a `probe` then checks before it changes.
ALTER TABLE job_steps ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
-- A read-only command whose exit status 0 means the step's change is already in place.
ALTER TABLE job_steps ADD COLUMN probe TEXT;
CREATE INDEX jobs_by_lease ON jobs (status, lease_expires_at);
