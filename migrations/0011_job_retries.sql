-- kmsbot schema, part 11: `retry N` creates a new job with the same plan that needs approval
-- again; the new job names the job it retries, so the failed job and its retries stay linked.
ALTER TABLE jobs ADD COLUMN retry_of INTEGER REFERENCES jobs (id);
CREATE INDEX jobs_by_retry_of ON jobs (retry_of) WHERE retry_of IS NOT NULL;
