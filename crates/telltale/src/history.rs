//! Scan results into the store (`scan --store`, `worker`): the key each target is kept
//! under, the hash of the rule set that produced it, and what changed since the package's
//! previous stored scan.

use std::collections::BTreeSet;
use telltale_report::TargetReport;
use telltale_store::{RecordOutcome, ScanKey, Store, StoreError};

/// A hash of everything that decides findings: every rule's id, name, category, severity
/// and documentation, and telltale's version (its catalogs ship inside it). A new rule or
/// catalog entry makes a new key, so results of different rule sets never mix.
pub fn ruleset_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| {
        let mut text = String::from(env!("CARGO_PKG_VERSION"));
        for r in telltale_rules::all_rules() {
            let m = r.meta();
            for part in [
                m.id,
                m.name,
                m.category.as_str(),
                m.severity.as_str(),
                m.doc,
            ] {
                text.push('\0');
                text.push_str(part);
            }
        }
        format!(
            "{:016x}",
            telltale_report::fingerprint::fnv1a(text.as_bytes())
        )
    })
}

/// The key a target is stored under. Registry targets carry their ecosystem in the spec;
/// others are `file` targets named by their manifest (or by the path when there is none).
pub fn scan_key(t: &TargetReport) -> ScanKey {
    let ecosystem = if t.target.starts_with("pypi:") || t.target.ends_with(".whl") {
        "pypi"
    } else if t.target.starts_with("npm:") || t.target.ends_with(".tgz") || t.package.is_some() {
        "npm"
    } else {
        "file"
    };
    let name = t.package.clone().unwrap_or_else(|| t.target.clone());
    ScanKey {
        ecosystem: ecosystem.to_string(),
        name,
        version: t.version.clone().unwrap_or_else(|| "unknown".into()),
        telltale_version: env!("CARGO_PKG_VERSION").to_string(),
        ruleset_hash: ruleset_hash().to_string(),
    }
}

/// Record one target (idempotent on its [`scan_key`]).
pub fn record(
    store: &mut Store,
    t: &TargetReport,
    duration_ms: u64,
    worker: Option<&str>,
) -> Result<RecordOutcome, StoreError> {
    let key = scan_key(t);
    match &t.error {
        Some(e) => store.record_failure(&key, e),
        None => store.record(&key, t, duration_ms, worker),
    }
}

/// Record one target and say, for people, what was stored and what changed since the
/// package's previous stored scan (`scan --store`).
pub fn record_and_compare(store: &mut Store, t: &TargetReport) -> Result<String, StoreError> {
    let key = scan_key(t);
    let outcome = record(store, t, 0, None)?;
    let what = format!("{}:{}@{}", key.ecosystem, key.name, key.version);
    let scan_id = outcome.scan_id();
    let mut line = match outcome {
        RecordOutcome::Inserted { .. } => format!("stored {what} (scan {scan_id})"),
        RecordOutcome::AlreadyPresent { .. } => {
            format!("{what} was already stored with these rules (scan {scan_id})")
        }
    };
    if t.error.is_some() {
        return Ok(line);
    }
    match store.previous_scan(&key.ecosystem, &key.name, Some(scan_id))? {
        None => line.push_str("; no earlier scan of this package"),
        Some(prev) => {
            let before: BTreeSet<&str> = prev
                .findings
                .iter()
                .map(|f| f.fingerprint.as_str())
                .collect();
            let now: BTreeSet<&str> = t.findings.iter().map(|f| f.fingerprint.as_str()).collect();
            let added: Vec<&telltale_rules::Finding> = t
                .findings
                .iter()
                .filter(|f| !before.contains(f.fingerprint.as_str()))
                .collect();
            let removed: Vec<&telltale_store::StoredFinding> = prev
                .findings
                .iter()
                .filter(|f| !now.contains(f.fingerprint.as_str()))
                .collect();
            line.push_str(&format!(
                "; since {} {} (scanned {}): {} added, {} removed",
                prev.name,
                prev.version,
                prev.scanned_at,
                added.len(),
                removed.len()
            ));
            for f in added.iter().take(10) {
                line.push_str(&format!(
                    "\n  + {:<8} {} {}:{}:{}  {}",
                    f.severity.as_str(),
                    f.rule,
                    f.file,
                    f.line,
                    f.column,
                    f.message
                ));
            }
            for f in removed.iter().take(10) {
                line.push_str(&format!(
                    "\n  - {:<8} {} {}:{}:{}  {}",
                    f.severity, f.rule, f.file, f.line, f.column, f.message
                ));
            }
        }
    }
    Ok(line)
}

/// Open the store named by `url`, or the default SQLite one.
pub fn open(url: Option<&str>) -> Result<Store, StoreError> {
    match url {
        Some(u) if !u.is_empty() => Store::open(u),
        _ => Store::open_default(),
    }
}
