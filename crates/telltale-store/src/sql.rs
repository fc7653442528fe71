//! SQL shared by both backends, written with PostgreSQL's `$N` placeholders (SQLite reads
//! them as `?N` after [`for_sqlite`]), and the little that differs per dialect: how a
//! timestamp is printed and how a caller's date is read.

/// The two dialects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// A timestamp column as UTC ISO-8601 text (`2026-01-31T12:00:00.000Z`), the same on both.
    pub fn ts(self, col: &str) -> String {
        match self {
            Dialect::Sqlite => col.to_string(),
            Dialect::Postgres => {
                format!("to_char({col} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')")
            }
        }
    }

    /// The current time as the dialect's timestamp columns hold it.
    pub fn now(self) -> &'static str {
        match self {
            Dialect::Sqlite => "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
            Dialect::Postgres => "now()",
        }
    }

    /// A text parameter holding an RFC 3339 date or datetime, as a value comparable with
    /// timestamp columns.
    pub fn since(self, param: &str) -> String {
        match self {
            Dialect::Sqlite => format!("strftime('%Y-%m-%dT%H:%M:%fZ', {param})"),
            // The session runs in UTC, so a bare date means UTC midnight as on SQLite.
            Dialect::Postgres => format!("CAST({param}::TEXT AS TIMESTAMPTZ)"),
        }
    }
}

/// `$N` → `?N`: SQLite's numbered parameters.
pub(crate) fn for_sqlite(sql: &str) -> String {
    sql.replace('$', "?")
}

pub(crate) const INSERT_PACKAGE: &str =
    "INSERT INTO packages (ecosystem, name) VALUES ($1, $2) ON CONFLICT DO NOTHING";
pub(crate) const SELECT_PACKAGE: &str =
    "SELECT id FROM packages WHERE ecosystem = $1 AND name = $2";
pub(crate) const INSERT_VERSION: &str =
    "INSERT INTO versions (package_id, version) VALUES ($1, $2) ON CONFLICT DO NOTHING";
pub(crate) const SELECT_VERSION: &str =
    "SELECT id FROM versions WHERE package_id = $1 AND version = $2";
/// Returns the new id, or no row when another call recorded the same key first.
pub(crate) const INSERT_SCAN: &str = "INSERT INTO scans (version_id, telltale_version, ruleset_hash, duration_ms, worker, error, target, \
     files_scanned, bytes_scanned, report, label, label_collects, label_sends, label_destinations, label_countries, \
     label_opt_outs, label_install_scripts, label_activation) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) \
     ON CONFLICT DO NOTHING RETURNING id";
pub(crate) const SELECT_SCAN_ID: &str = "SELECT s.id FROM scans s JOIN versions v ON v.id = s.version_id JOIN packages p ON p.id = v.package_id \
     WHERE p.ecosystem = $1 AND p.name = $2 AND v.version = $3 AND s.telltale_version = $4 AND s.ruleset_hash = $5";
pub(crate) const INSERT_FINDING: &str = "INSERT INTO findings (scan_id, ordinal, rule, name, category, severity, file, line, column_no, \
     message, fingerprint, countries, endpoints, install_time, evidence, detail) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id";
pub(crate) const INSERT_ENDPOINT: &str =
    "INSERT INTO finding_endpoints (finding_id, endpoint) VALUES ($1, $2)";
pub(crate) const SCHEMA_VERSION: &str =
    "SELECT CAST(COALESCE(MAX(version), 0) AS BIGINT) FROM schema_migrations";
pub(crate) const COUNTS: &str =
    "SELECT (SELECT COUNT(*) FROM packages), (SELECT COUNT(*) FROM versions), \
     (SELECT COUNT(*) FROM scans), (SELECT COUNT(*) FROM findings)";
pub(crate) const FINDINGS_OF: &str = "SELECT id, rule, name, category, severity, file, line, column_no, message, fingerprint, evidence, detail \
     FROM findings WHERE scan_id = $1 ORDER BY ordinal";

/// The latest successful scan of a package; with `except` (`$3`), the latest one before that scan.
pub(crate) fn previous_scan(d: Dialect, except: bool) -> String {
    let before = if except {
        "AND s.id <> $3 AND (s.scanned_at, s.id) < (SELECT e.scanned_at, e.id FROM scans e WHERE e.id = $3)"
    } else {
        ""
    };
    format!(
        "SELECT s.id, p.ecosystem, p.name, v.version, s.telltale_version, s.ruleset_hash, {ts}, s.duration_ms, s.worker \
         FROM scans s JOIN versions v ON v.id = s.version_id JOIN packages p ON p.id = v.package_id \
         WHERE p.ecosystem = $1 AND p.name = $2 AND s.error IS NULL {before} \
         ORDER BY s.scanned_at DESC, s.id DESC LIMIT 1",
        ts = d.ts("s.scanned_at")
    )
}

/// A firewall verdict by its key.
pub(crate) const SELECT_VERDICT: &str =
    "SELECT action, reason FROM firewall_verdicts WHERE key = $1";

/// Record a firewall verdict; the first one recorded for a key stays.
pub(crate) const INSERT_VERDICT: &str = "INSERT INTO firewall_verdicts (key, ecosystem, name, version, action, reason) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (key) DO NOTHING";

/// A watched package's last state.
pub(crate) const SELECT_WATCH_STATE: &str =
    "SELECT etag, versions, last_modified FROM watch_state WHERE ecosystem = $1 AND name = $2";

/// Save a watched package's state.
pub(crate) const UPSERT_WATCH_STATE: &str = "INSERT INTO watch_state (ecosystem, name, etag, versions, last_modified) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (ecosystem, name) DO UPDATE SET etag = excluded.etag, versions = excluded.versions, last_modified = excluded.last_modified";

/// Record an alert a watcher is sending now: one row per key, the first watcher to write it
/// sends it.
pub(crate) fn insert_sent_alert(d: Dialect) -> String {
    format!(
        "INSERT INTO watch_alerts (key, alert, delivered_at) VALUES ($1, $2, {}) ON CONFLICT (key) DO NOTHING",
        d.now()
    )
}

/// Record an alert for a watcher to send (a fleet's worker decided it).
pub(crate) const INSERT_WATCH_ALERT: &str =
    "INSERT INTO watch_alerts (key, alert) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING";

/// Mark the oldest alerts no watcher has sent as sent, returning them: the rows one watcher's
/// statement changed are its own to send (another's finds them sent).
pub(crate) fn take_unsent_alerts(d: Dialect) -> String {
    format!(
        "UPDATE watch_alerts SET delivered_at = {} WHERE delivered_at IS NULL AND key IN \
         (SELECT key FROM watch_alerts WHERE delivered_at IS NULL ORDER BY created_at, key LIMIT 500) \
         RETURNING {} AS created_at, key, alert",
        d.now(),
        d.ts("created_at")
    )
}
