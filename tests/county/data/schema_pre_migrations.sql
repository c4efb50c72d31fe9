-- The county store's schema as hall-county made it before numbered migrations (commit 05cd367,
-- county/store.py): frozen here so the upgrade test starts from what counties run today.
CREATE TABLE IF NOT EXISTS events (
    event_id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    hall_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    received_ms BIGINT NOT NULL,
    payload TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS ratings (
    event_id TEXT PRIMARY KEY,
    hall_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    window_id TEXT,
    region_code TEXT NOT NULL,
    channel INTEGER NOT NULL,
    input TEXT NOT NULL,
    case_id TEXT,
    assess_number INTEGER NOT NULL,
    item_code TEXT,
    item_name TEXT,
    staff TEXT NOT NULL,
    level INTEGER NOT NULL,
    gbt_code INTEGER NOT NULL,
    reasons TEXT NOT NULL,
    comment TEXT NOT NULL,
    public BOOLEAN NOT NULL,
    system_default BOOLEAN NOT NULL,
    invited_at TEXT NOT NULL,
    rated_at TEXT NOT NULL,
    UNIQUE (case_id, assess_number)
);
CREATE TABLE IF NOT EXISTS expirations (
    event_id TEXT PRIMARY KEY,
    hall_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    window_id TEXT,
    case_id TEXT NOT NULL,
    assess_number INTEGER NOT NULL,
    item_code TEXT,
    invited_at TEXT NOT NULL,
    expired_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sign_events (
    event_id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    hall_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    window_id TEXT,
    staff_id TEXT NOT NULL,
    staff_name TEXT NOT NULL,
    at TEXT NOT NULL,
    cause TEXT
);
CREATE INDEX IF NOT EXISTS ratings_rated_at ON ratings (rated_at);
CREATE INDEX IF NOT EXISTS events_device_seq ON events (hall_id, device_id, seq);
