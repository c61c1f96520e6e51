-- kmsbot schema, part 5: one row that `/readyz` rewrites to prove the database takes writes
-- (a full disk or a held write lock makes it fail), not only reads.
CREATE TABLE readiness (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    checked_at TEXT NOT NULL
);
INSERT INTO readiness (id, checked_at) VALUES (1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
