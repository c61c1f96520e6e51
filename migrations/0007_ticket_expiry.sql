-- kmsbot schema, part 7: time-limited tickets ("for 2 days"). The length is kept when a ticket
-- is filed; marking it done starts the clock (expires_at). The background check reminds the
-- requester and the approvers before the end (reminded_at) and marks the ticket when the time is
-- up (expired_at). All in Unix seconds.
ALTER TABLE tickets ADD COLUMN duration_secs INTEGER CHECK (duration_secs IS NULL OR duration_secs > 0);
ALTER TABLE tickets ADD COLUMN expires_at INTEGER;
ALTER TABLE tickets ADD COLUMN reminded_at INTEGER;
ALTER TABLE tickets ADD COLUMN expired_at INTEGER;
CREATE INDEX tickets_running_out ON tickets (expires_at) WHERE expires_at IS NOT NULL AND expired_at IS NULL;
