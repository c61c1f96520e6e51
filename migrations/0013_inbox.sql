-- Durable intake and delivery.
--
-- `inbox`: every signed platform payload is written here before it is acknowledged (Slack's
-- Events API answer, a Socket Mode envelope ack). Workers take rows in id order, hand them to the
-- turn path (whose `processed_events` row makes a second handling a no-op) and delete them once
-- handled. Rows left at shutdown (or a crash) are handled first at the next start.
CREATE TABLE inbox (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    platform    TEXT NOT NULL,
    kind        TEXT NOT NULL,             -- 'event' or 'interaction'
    dedupe      TEXT UNIQUE,               -- the platform's own event id, when it has one
    order_key   TEXT,                      -- the channel: rows with one key are handled in order
    body        TEXT NOT NULL,             -- the payload, JSON
    received_at INTEGER NOT NULL           -- Unix milliseconds
);

-- A bot post not yet accepted by its platform: what to send (JSON: text and buttons). Set when
-- the message row is written (in the turn's transaction), cleared when the platform reference is
-- stored (or the post is given up). Posts still pending at shutdown are sent at the next start.
ALTER TABLE messages ADD COLUMN pending TEXT;
CREATE INDEX messages_pending ON messages (id) WHERE pending IS NOT NULL;
