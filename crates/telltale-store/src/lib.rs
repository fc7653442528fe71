//! The store: the history of what telltale found, kept so that questions across versions
//! can be asked ("which packages started targeting a region this week?", "which version
//! first sent identity to this host?"). Packages, versions, scans, findings (evidence kept as
//! JSON) and privacy labels, in SQLite (zero setup, one machine) or PostgreSQL (many
//! workers), with the same schema, versioned migrations and the same questions on both.
//!
//! Recording is idempotent per (package version, telltale version, rule set), so workers
//! can retry after any error that [`StoreError::is_transient`] calls transient.

mod error;
mod migrate;
mod pg;
mod prepare;
mod query;
mod sql;
mod sqlite;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use error::{redact_url, StoreError};
pub use migrate::SCHEMA_VERSION;
pub use query::{Query, Table};

use std::path::{Path, PathBuf};
use telltale_report::TargetReport;

/// What identifies one scan: the package version and the scanner that looked at it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ScanKey {
    /// `npm`, `pypi` or `file`.
    pub ecosystem: String,
    pub name: String,
    pub version: String,
    /// The telltale release that scanned.
    pub telltale_version: String,
    /// A hash of the rules and catalogs in effect (the caller's).
    pub ruleset_hash: String,
}

/// What [`Store::record`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordOutcome {
    Inserted {
        scan_id: i64,
    },
    /// The same key was recorded before (perhaps by another worker); nothing was written.
    AlreadyPresent {
        scan_id: i64,
    },
}

impl RecordOutcome {
    pub fn scan_id(self) -> i64 {
        match self {
            RecordOutcome::Inserted { scan_id } | RecordOutcome::AlreadyPresent { scan_id } => {
                scan_id
            }
        }
    }
}

/// A stored scan with its findings.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredScan {
    pub scan_id: i64,
    pub ecosystem: String,
    pub name: String,
    pub version: String,
    pub telltale_version: String,
    pub ruleset_hash: String,
    /// UTC, ISO-8601 (`2026-01-31T12:00:00.000Z`).
    pub scanned_at: String,
    pub duration_ms: Option<i64>,
    pub worker: Option<String>,
    pub findings: Vec<StoredFinding>,
}

/// A stored finding: the columns questions use, its evidence, and the whole finding as JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredFinding {
    pub id: i64,
    pub rule: String,
    pub name: String,
    pub category: String,
    pub severity: String,
    pub file: String,
    pub line: i64,
    pub column: i64,
    pub message: String,
    pub fingerprint: String,
    pub countries: Vec<String>,
    pub endpoints: Vec<String>,
    /// The finding's evidence list as stored.
    pub evidence: serde_json::Value,
    /// The whole finding as telltale reported it (flow, snippet, policy, …).
    pub detail: serde_json::Value,
}

impl StoredFinding {
    #[allow(clippy::too_many_arguments)]
    fn from_columns(
        id: i64,
        rule: String,
        name: String,
        category: String,
        severity: String,
        file: String,
        line: i64,
        column: i64,
        message: String,
        fingerprint: String,
        evidence: serde_json::Value,
        detail: serde_json::Value,
    ) -> Self {
        // The lists come from the finding's JSON, exact whatever characters they hold.
        let list = |k: &str| -> Vec<String> {
            detail
                .get(k)
                .and_then(|v| v.as_array())
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default()
        };
        StoredFinding {
            id,
            rule,
            name,
            category,
            severity,
            file,
            line,
            column,
            message,
            fingerprint,
            countries: list("countries"),
            endpoints: list("endpoints"),
            evidence,
            detail,
        }
    }
}

/// How much the store holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    pub packages: i64,
    pub versions: i64,
    pub scans: i64,
    pub findings: i64,
}

enum Conn {
    Sqlite(rusqlite::Connection),
    Postgres(postgres::Client),
}

/// A verdict of the firewall as stored: `allow`, `warn` or `block`, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedVerdict {
    pub action: String,
    pub reason: String,
}

/// A verdict to record. `key` holds everything the verdict depends on: the artifact's
/// integrity, telltale's version and rule set, and the policy.
#[derive(Debug, Clone)]
pub struct NewVerdict<'a> {
    pub key: &'a str,
    pub ecosystem: &'a str,
    pub name: &'a str,
    pub version: &'a str,
    pub action: &'a str,
    pub reason: &'a str,
}

/// A watched package as last read: the document's `ETag` and `Last-Modified`, and every
/// version it listed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WatchState {
    pub etag: Option<String>,
    pub versions: Vec<String>,
    pub last_modified: Option<String>,
}

impl WatchState {
    fn from_row(
        etag: Option<String>,
        versions: &str,
        last_modified: Option<String>,
    ) -> Result<WatchState, StoreError> {
        let versions = serde_json::from_str(versions)
            .map_err(|e| StoreError::Data(format!("watch_state.versions: {e}")))?;
        Ok(WatchState {
            etag,
            versions,
            last_modified,
        })
    }

    fn versions_json(&self) -> String {
        serde_json::to_string(&self.versions).unwrap_or_else(|_| "[]".into())
    }
}

/// One connection to a store. `Send`, not shared: give each worker thread its own.
/// After a transient error on PostgreSQL the connection may be gone for good: open a new
/// `Store` when retrying.
pub struct Store {
    conn: Conn,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend())
            .finish()
    }
}

impl Store {
    /// `postgres://…` / `postgresql://…` → PostgreSQL; `sqlite:PATH`, a plain path, or
    /// `:memory:` → SQLite. Opening migrates the store to this build's schema.
    pub fn open(url: &str) -> Result<Store, StoreError> {
        let conn = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Conn::Postgres(pg::open(url)?)
        } else {
            let path = url
                .strip_prefix("sqlite://")
                .or_else(|| url.strip_prefix("sqlite:"))
                .unwrap_or(url);
            if path.is_empty() {
                return Err(StoreError::Invalid(format!("`{url}` names no SQLite file")));
            }
            Conn::Sqlite(sqlite::open(path)?)
        };
        Ok(Store { conn })
    }

    /// The default store: `$TELLTALE_STORE` (a path, or any URL [`Store::open`] takes), else
    /// SQLite at `$XDG_DATA_HOME/telltale/store.sqlite`, else
    /// `~/.local/share/telltale/store.sqlite`; missing folders are created.
    pub fn open_default() -> Result<Store, StoreError> {
        let location = default_location(|k| std::env::var_os(k).filter(|v| !v.is_empty()))?;
        if let Some(parent) = Path::new(&location)
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
        {
            if !location.contains("://") && location != ":memory:" {
                std::fs::create_dir_all(parent).map_err(|e| StoreError::Io {
                    what: format!("cannot create {}", parent.display()),
                    source: e,
                })?;
            }
        }
        Store::open(&location)
    }

    /// `sqlite` or `postgres`.
    pub fn backend(&self) -> &'static str {
        match self.conn {
            Conn::Sqlite(_) => "sqlite",
            Conn::Postgres(_) => "postgres",
        }
    }

    /// The schema version the store is at.
    pub fn schema_version(&mut self) -> Result<u32, StoreError> {
        match &mut self.conn {
            Conn::Sqlite(c) => sqlite::schema_version(c),
            Conn::Postgres(c) => pg::schema_version(c),
        }
    }

    /// The firewall's verdict recorded under `key`, if any.
    pub fn verdict(&mut self, key: &str) -> Result<Option<CachedVerdict>, StoreError> {
        match &mut self.conn {
            Conn::Sqlite(c) => sqlite::verdict(c, key),
            Conn::Postgres(c) => pg::verdict(c, key),
        }
    }

    /// Record a firewall verdict; when one exists under the key it stays (several firewalls
    /// sharing a store agree on the first).
    pub fn record_verdict(&mut self, v: &NewVerdict<'_>) -> Result<(), StoreError> {
        match &mut self.conn {
            Conn::Sqlite(c) => sqlite::record_verdict(c, v),
            Conn::Postgres(c) => pg::record_verdict(c, v),
        }
    }

    /// What `telltale watch` last saw of a package.
    pub fn watch_state(
        &mut self,
        ecosystem: &str,
        name: &str,
    ) -> Result<Option<WatchState>, StoreError> {
        match &mut self.conn {
            Conn::Sqlite(c) => sqlite::watch_state(c, ecosystem, name),
            Conn::Postgres(c) => pg::watch_state(c, ecosystem, name),
        }
    }

    pub fn save_watch_state(
        &mut self,
        ecosystem: &str,
        name: &str,
        state: &WatchState,
    ) -> Result<(), StoreError> {
        match &mut self.conn {
            Conn::Sqlite(c) => sqlite::save_watch_state(c, ecosystem, name, state),
            Conn::Postgres(c) => pg::save_watch_state(c, ecosystem, name, state),
        }
    }

    /// Record an alert under `key` as sent; true when this call recorded it (and so should
    /// send it), false when a watcher or a worker already had.
    pub fn claim_alert(&mut self, key: &str, alert: &str) -> Result<bool, StoreError> {
        match &mut self.conn {
            Conn::Sqlite(c) => sqlite::claim_alert(c, key, alert),
            Conn::Postgres(c) => pg::claim_alert(c, key, alert),
        }
    }

    /// Record an alert under `key` for a watcher to send ([`Store::take_unsent_alerts`]);
    /// true when this call recorded it. What a fleet's worker does with the alert it decides.
    pub fn queue_alert(&mut self, key: &str, alert: &str) -> Result<bool, StoreError> {
        match &mut self.conn {
            Conn::Sqlite(c) => sqlite::queue_alert(c, key, alert),
            Conn::Postgres(c) => pg::queue_alert(c, key, alert),
        }
    }

    /// Alerts recorded but not sent, oldest first (at most 500), each marked sent by this
    /// call: watchers sharing a store each get different ones. Returns `(key, alert)`.
    pub fn take_unsent_alerts(&mut self) -> Result<Vec<(String, String)>, StoreError> {
        match &mut self.conn {
            Conn::Sqlite(c) => sqlite::take_unsent_alerts(c),
            Conn::Postgres(c) => pg::take_unsent_alerts(c),
        }
    }

    /// The id of the scan with this key, if recorded (successful or failed).
    pub fn has_scan(&mut self, key: &ScanKey) -> Result<Option<i64>, StoreError> {
        match &mut self.conn {
            Conn::Sqlite(c) => sqlite::has_scan(c, key),
            Conn::Postgres(c) => pg::has_scan(c, key),
        }
    }

    /// Record a scan in one transaction: package and version upserted, the scan and its
    /// findings inserted unless a scan with the same key exists, in which case nothing is
    /// written and the existing id is returned. Safe for concurrent workers.
    pub fn record(
        &mut self,
        key: &ScanKey,
        report: &TargetReport,
        duration_ms: u64,
        worker: Option<&str>,
    ) -> Result<RecordOutcome, StoreError> {
        let scan = prepare::prepare(report)?;
        let duration = Some(i64::try_from(duration_ms).unwrap_or(i64::MAX));
        self.write(key, &scan, duration, worker)
    }

    /// Record a scan that failed (`error` says why), with the same idempotency: a later
    /// success with the same key is `AlreadyPresent`, so retry failures under a new key
    /// (or not at all) as policy dictates.
    pub fn record_failure(
        &mut self,
        key: &ScanKey,
        error: &str,
    ) -> Result<RecordOutcome, StoreError> {
        let scan = prepare::failure(
            format!("{}:{}@{}", key.ecosystem, key.name, key.version),
            error,
        );
        self.write(key, &scan, None, None)
    }

    fn write(
        &mut self,
        key: &ScanKey,
        scan: &prepare::PreparedScan,
        duration: Option<i64>,
        worker: Option<&str>,
    ) -> Result<RecordOutcome, StoreError> {
        match &mut self.conn {
            Conn::Sqlite(c) => sqlite::record(c, key, scan, duration, worker),
            Conn::Postgres(c) => pg::record(c, key, scan, duration, worker),
        }
    }

    /// The latest successful scan of the package (by `scanned_at`, then id) other than
    /// `except_scan` — and, when `except_scan` is given, recorded before it — with its
    /// findings. What a new scan is compared with.
    pub fn previous_scan(
        &mut self,
        ecosystem: &str,
        name: &str,
        except_scan: Option<i64>,
    ) -> Result<Option<StoredScan>, StoreError> {
        match &mut self.conn {
            Conn::Sqlite(c) => sqlite::previous_scan(c, ecosystem, name, except_scan),
            Conn::Postgres(c) => pg::previous_scan(c, ecosystem, name, except_scan),
        }
    }

    /// The findings of one scan, in report order.
    pub fn findings_of(&mut self, scan_id: i64) -> Result<Vec<StoredFinding>, StoreError> {
        match &mut self.conn {
            Conn::Sqlite(c) => sqlite::findings_of(c, scan_id),
            Conn::Postgres(c) => pg::findings_of(c, scan_id),
        }
    }

    /// Answer a shipped question.
    pub fn query(&mut self, q: &Query) -> Result<Table, StoreError> {
        match &mut self.conn {
            Conn::Sqlite(c) => sqlite::query(c, q),
            Conn::Postgres(c) => pg::query(c, q),
        }
    }

    /// Packages, versions, scans and findings held.
    pub fn counts(&mut self) -> Result<Counts, StoreError> {
        match &mut self.conn {
            Conn::Sqlite(c) => sqlite::counts(c),
            Conn::Postgres(c) => pg::counts(c),
        }
    }
}

/// `(created_at, key, alert)` rows as `(key, alert)`, oldest first (`RETURNING` keeps no order).
fn oldest_first(mut rows: Vec<(String, String, String)>) -> Vec<(String, String)> {
    rows.sort();
    rows.into_iter()
        .map(|(_, key, alert)| (key, alert))
        .collect()
}

/// Where [`Store::open_default`] looks, given the environment.
fn default_location(
    env: impl Fn(&str) -> Option<std::ffi::OsString>,
) -> Result<String, StoreError> {
    if let Some(s) = env("TELLTALE_STORE") {
        return s.into_string().map_err(|s| {
            StoreError::Invalid(format!(
                "TELLTALE_STORE is not UTF-8: {}",
                s.to_string_lossy()
            ))
        });
    }
    let data = match (env("XDG_DATA_HOME"), env("HOME")) {
        (Some(d), _) => PathBuf::from(d),
        (None, Some(h)) => PathBuf::from(h).join(".local/share"),
        (None, None) => {
            return Err(StoreError::Invalid(
                "no store location: set TELLTALE_STORE, XDG_DATA_HOME or HOME".into(),
            ))
        }
    };
    let path = data.join("telltale").join("store.sqlite");
    path.into_os_string().into_string().map_err(|p| {
        StoreError::Invalid(format!("store path is not UTF-8: {}", p.to_string_lossy()))
    })
}

#[cfg(test)]
mod tests;
