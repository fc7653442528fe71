-- `telltale watch`: what each watched package's document held when last read, and the alerts
-- sent (one row per alert key, so watchers sharing a store alert once).
CREATE TABLE watch_state (
    ecosystem  TEXT NOT NULL,
    name       TEXT NOT NULL,
    etag       TEXT,
    versions   TEXT NOT NULL,
    checked_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (ecosystem, name)
);
CREATE TABLE watch_alerts (
    key        TEXT PRIMARY KEY,
    alert      TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
