-- kmsbot schema, part 12: the expiry watch (`[watch]`). Every check of every instance is kept as
-- history; `watch_state` holds the last finding per instance and aspect, so a change is announced
-- once (across checks, restarts and processes) and never once per check.
CREATE TABLE watch_checks (
    id INTEGER PRIMARY KEY,
    instance TEXT NOT NULL,
    aspect TEXT NOT NULL CHECK (aspect IN ('licence', 'kms_count')),
    checked_at INTEGER NOT NULL,
    condition TEXT NOT NULL CHECK (condition IN ('licensed', 'renewal_overdue', 'grace',
        'notification', 'unlicensed', 'unreachable', 'unknown', 'count_ok',
        'below_client_threshold', 'below_server_threshold', 'count_unknown')),
    license_status TEXT CHECK (license_status IN ('licensed', 'notification', 'grace',
        'unlicensed', 'unreachable', 'unknown')),
    channel TEXT,
    kms_host TEXT,
    kms_port INTEGER,
    days_left INTEGER,
    last_error TEXT,
    detail TEXT,
    kms_count INTEGER
);
CREATE INDEX watch_checks_by_instance ON watch_checks (instance, checked_at);

CREATE TABLE watch_state (
    instance TEXT NOT NULL,
    aspect TEXT NOT NULL CHECK (aspect IN ('licence', 'kms_count')),
    condition TEXT NOT NULL CHECK (condition IN ('licensed', 'renewal_overdue', 'grace',
        'notification', 'unlicensed', 'unreachable', 'unknown', 'count_ok',
        'below_client_threshold', 'below_server_threshold', 'count_unknown')),
    -- When this condition was first seen (Unix seconds) and when it was last confirmed.
    since INTEGER NOT NULL,
    checked_at INTEGER NOT NULL,
    PRIMARY KEY (instance, aspect)
);
