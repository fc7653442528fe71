-- Alerts a fleet's worker decides wait in `watch_alerts` until a watcher sends them: the
-- watcher that marks one delivered sends it. Alerts written before this were sent at once.
ALTER TABLE watch_alerts ADD COLUMN delivered_at TIMESTAMPTZ;
UPDATE watch_alerts SET delivered_at = created_at;
-- A watched document's `Last-Modified`, sent back as `If-Modified-Since`.
ALTER TABLE watch_state ADD COLUMN last_modified TEXT;
CREATE INDEX watch_alerts_undelivered ON watch_alerts (created_at) WHERE delivered_at IS NULL;
