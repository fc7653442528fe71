-- `telltale watch`: what each watched package's document held when last read, and the alerts
-- sent (one row per alert key, so watchers sharing a store alert once).
CREATE TABLE watch_state (
    ecosystem  TEXT NOT NULL,
    name       TEXT NOT NULL,
    etag       TEXT,
    versions   TEXT NOT NULL,
    checked_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (ecosystem, name)
);
CREATE TABLE watch_alerts (
    key        TEXT PRIMARY KEY,
    alert      TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
