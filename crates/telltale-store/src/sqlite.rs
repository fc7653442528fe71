//! The SQLite backend: one file (or memory), no server, the default on one machine. WAL
//! mode and a busy timeout let several processes share a file; writes take the lock up
//! front (`BEGIN IMMEDIATE`) so two writers never deadlock upgrading a read lock.

use crate::migrate::{self, check_not_newer};
use crate::prepare::PreparedScan;
use crate::query::{Param, Query, Table};
use crate::sql::{self, for_sqlite, Dialect};
use crate::{
    CachedVerdict, Counts, NewVerdict, RecordOutcome, ScanKey, StoreError, StoredFinding,
    StoredScan, WatchState,
};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use std::time::Duration;

/// Open (creating if needed) and migrate.
pub(crate) fn open(path: &str) -> Result<Connection, StoreError> {
    let memory = path == ":memory:";
    let conn = if memory {
        Connection::open_in_memory()
    } else {
        Connection::open(path)
    }
    .map_err(|e| StoreError::Connect {
        url: format!("sqlite:{path}"),
        message: e.to_string(),
        transient: matches!(
            e.sqlite_error_code(),
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
        ),
    })?;
    // Other workers may hold the write lock for a moment: wait rather than fail.
    conn.busy_timeout(Duration::from_secs(30))?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    if !memory {
        // WAL lets readers run beside the one writer.
        let _mode: String =
            conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
    }
    let mut conn = conn;
    migrate(&mut conn)?;
    Ok(conn)
}

fn current_version(conn: &Connection) -> Result<i64, StoreError> {
    let exists: bool = conn.query_row("SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations')", [], |r| r.get(0))?;
    if !exists {
        return Ok(0);
    }
    Ok(conn.query_row(sql::SCHEMA_VERSION, [], |r| r.get(0))?)
}

fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    // Up to date (the usual case): no write lock needed.
    if check_not_newer(current_version(conn)?)? == migrate::SCHEMA_VERSION {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute_batch("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)")?;
    // Read again under the lock: another process may have migrated meanwhile.
    let current = check_not_newer(current_version(&tx)?)?;
    for (version, script) in migrate::SQLITE.iter().filter(|(v, _)| *v > current) {
        tx.execute_batch(script)?;
        tx.execute("INSERT INTO schema_migrations (version, applied_at) VALUES (?1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))", [version])?;
    }
    tx.commit()?;
    Ok(())
}

pub(crate) fn schema_version(conn: &Connection) -> Result<u32, StoreError> {
    let v = current_version(conn)?;
    u32::try_from(v).map_err(|_| StoreError::Data(format!("schema version {v}")))
}

pub(crate) fn has_scan(conn: &Connection, key: &ScanKey) -> Result<Option<i64>, StoreError> {
    let mut st = conn.prepare_cached(&for_sqlite(sql::SELECT_SCAN_ID))?;
    Ok(st
        .query_row(
            params![
                key.ecosystem,
                key.name,
                key.version,
                key.telltale_version,
                key.ruleset_hash
            ],
            |r| r.get(0),
        )
        .optional()?)
}

pub(crate) fn record(
    conn: &mut Connection,
    key: &ScanKey,
    scan: &PreparedScan,
    duration_ms: Option<i64>,
    worker: Option<&str>,
) -> Result<RecordOutcome, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute(
        &for_sqlite(sql::INSERT_PACKAGE),
        params![key.ecosystem, key.name],
    )?;
    let package: i64 = tx.query_row(
        &for_sqlite(sql::SELECT_PACKAGE),
        params![key.ecosystem, key.name],
        |r| r.get(0),
    )?;
    tx.execute(
        &for_sqlite(sql::INSERT_VERSION),
        params![package, key.version],
    )?;
    let version: i64 = tx.query_row(
        &for_sqlite(sql::SELECT_VERSION),
        params![package, key.version],
        |r| r.get(0),
    )?;
    let l = &scan.label_cols;
    let inserted: Option<i64> = tx
        .query_row(
            &for_sqlite(sql::INSERT_SCAN),
            params![
                version,
                key.telltale_version,
                key.ruleset_hash,
                duration_ms,
                worker,
                scan.error,
                scan.target,
                scan.files_scanned,
                scan.bytes_scanned,
                scan.report.as_ref().map(|v| v.to_string()),
                scan.label.as_ref().map(|v| v.to_string()),
                l.collects,
                l.sends,
                l.destinations,
                l.countries,
                l.opt_outs,
                l.install_scripts,
                l.activation,
            ],
            |r| r.get(0),
        )
        .optional()?;
    let Some(scan_id) = inserted else {
        let id: i64 = tx.query_row(
            &for_sqlite(sql::SELECT_SCAN_ID),
            params![
                key.ecosystem,
                key.name,
                key.version,
                key.telltale_version,
                key.ruleset_hash
            ],
            |r| r.get(0),
        )?;
        tx.commit()?;
        return Ok(RecordOutcome::AlreadyPresent { scan_id: id });
    };
    {
        let mut finding = tx.prepare_cached(&for_sqlite(sql::INSERT_FINDING))?;
        let mut endpoint = tx.prepare_cached(&for_sqlite(sql::INSERT_ENDPOINT))?;
        for f in &scan.findings {
            let id: i64 = finding.query_row(
                params![
                    scan_id,
                    f.ordinal,
                    f.rule,
                    f.name,
                    f.category,
                    f.severity,
                    f.file,
                    f.line,
                    f.column,
                    f.message,
                    f.fingerprint,
                    f.countries,
                    f.endpoints,
                    f.install_time,
                    f.evidence.to_string(),
                    f.detail.to_string()
                ],
                |r| r.get(0),
            )?;
            for e in &f.endpoint_list {
                endpoint.execute(params![id, e])?;
            }
        }
    }
    tx.commit()?;
    Ok(RecordOutcome::Inserted { scan_id })
}

pub(crate) fn previous_scan(
    conn: &Connection,
    ecosystem: &str,
    name: &str,
    except: Option<i64>,
) -> Result<Option<StoredScan>, StoreError> {
    let q = for_sqlite(&sql::previous_scan(Dialect::Sqlite, except.is_some()));
    let map = |r: &rusqlite::Row<'_>| -> rusqlite::Result<StoredScan> {
        Ok(StoredScan {
            scan_id: r.get(0)?,
            ecosystem: r.get(1)?,
            name: r.get(2)?,
            version: r.get(3)?,
            telltale_version: r.get(4)?,
            ruleset_hash: r.get(5)?,
            scanned_at: r.get(6)?,
            duration_ms: r.get(7)?,
            worker: r.get(8)?,
            findings: vec![],
        })
    };
    let found = match except {
        Some(id) => conn.query_row(&q, params![ecosystem, name, id], map),
        None => conn.query_row(&q, params![ecosystem, name], map),
    }
    .optional()?;
    match found {
        Some(mut s) => {
            s.findings = findings_of(conn, s.scan_id)?;
            Ok(Some(s))
        }
        None => Ok(None),
    }
}

pub(crate) fn findings_of(
    conn: &Connection,
    scan_id: i64,
) -> Result<Vec<StoredFinding>, StoreError> {
    let mut st = conn.prepare_cached(&for_sqlite(sql::FINDINGS_OF))?;
    let rows = st.query_map([scan_id], |r| {
        Ok((
            (
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
            ),
            (
                r.get::<_, i64>(6)?,
                r.get::<_, i64>(7)?,
                r.get::<_, String>(8)?,
                r.get::<_, String>(9)?,
                r.get::<_, String>(10)?,
                r.get::<_, String>(11)?,
            ),
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (
            (id, rule, name, category, severity, file),
            (line, column, message, fingerprint, evidence, detail),
        ) = row?;
        let evidence = serde_json::from_str(&evidence)
            .map_err(|e| StoreError::Data(format!("evidence of finding {id}: {e}")))?;
        let detail = serde_json::from_str(&detail)
            .map_err(|e| StoreError::Data(format!("detail of finding {id}: {e}")))?;
        out.push(StoredFinding::from_columns(
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
            evidence,
            detail,
        ));
    }
    Ok(out)
}

pub(crate) fn query(conn: &Connection, q: &Query) -> Result<Table, StoreError> {
    let (text, params) = q.to_sql(Dialect::Sqlite)?;
    let mut st = conn.prepare(&for_sqlite(&text))?;
    let columns: Vec<String> = st.column_names().into_iter().map(String::from).collect();
    let bound: Vec<rusqlite::types::Value> = params
        .into_iter()
        .map(|p| match p {
            Param::Text(s) => rusqlite::types::Value::Text(s),
            Param::Int(i) => rusqlite::types::Value::Integer(i),
        })
        .collect();
    let n = columns.len();
    let rows = st.query_map(rusqlite::params_from_iter(bound), |r| {
        (0..n)
            .map(|i| {
                Ok(match r.get_ref(i)? {
                    rusqlite::types::ValueRef::Null => serde_json::Value::Null,
                    rusqlite::types::ValueRef::Integer(v) => v.into(),
                    rusqlite::types::ValueRef::Real(v) => v.into(),
                    rusqlite::types::ValueRef::Text(t) => {
                        String::from_utf8_lossy(t).into_owned().into()
                    }
                    rusqlite::types::ValueRef::Blob(b) => format!("<{} bytes>", b.len()).into(),
                })
            })
            .collect::<rusqlite::Result<Vec<serde_json::Value>>>()
    })?;
    let rows = rows.collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Table { columns, rows })
}

pub(crate) fn counts(conn: &Connection) -> Result<Counts, StoreError> {
    Ok(conn.query_row(sql::COUNTS, [], |r| {
        Ok(Counts {
            packages: r.get(0)?,
            versions: r.get(1)?,
            scans: r.get(2)?,
            findings: r.get(3)?,
        })
    })?)
}

pub(crate) fn verdict(conn: &Connection, key: &str) -> Result<Option<CachedVerdict>, StoreError> {
    let mut st = conn.prepare_cached(&for_sqlite(sql::SELECT_VERDICT))?;
    Ok(st
        .query_row(params![key], |r| {
            Ok(CachedVerdict {
                action: r.get(0)?,
                reason: r.get(1)?,
            })
        })
        .optional()?)
}

pub(crate) fn record_verdict(conn: &Connection, v: &NewVerdict<'_>) -> Result<(), StoreError> {
    let mut st = conn.prepare_cached(&for_sqlite(sql::INSERT_VERDICT))?;
    st.execute(params![
        v.key,
        v.ecosystem,
        v.name,
        v.version,
        v.action,
        v.reason
    ])?;
    Ok(())
}

pub(crate) fn watch_state(
    conn: &Connection,
    ecosystem: &str,
    name: &str,
) -> Result<Option<WatchState>, StoreError> {
    let mut st = conn.prepare_cached(&for_sqlite(sql::SELECT_WATCH_STATE))?;
    let row: Option<(Option<String>, String, Option<String>)> = st
        .query_row(params![ecosystem, name], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    row.map(|(etag, versions, modified)| WatchState::from_row(etag, &versions, modified))
        .transpose()
}

pub(crate) fn save_watch_state(
    conn: &Connection,
    ecosystem: &str,
    name: &str,
    state: &WatchState,
) -> Result<(), StoreError> {
    let mut st = conn.prepare_cached(&for_sqlite(sql::UPSERT_WATCH_STATE))?;
    st.execute(params![
        ecosystem,
        name,
        state.etag,
        state.versions_json(),
        state.last_modified
    ])?;
    Ok(())
}

pub(crate) fn claim_alert(conn: &Connection, key: &str, alert: &str) -> Result<bool, StoreError> {
    let mut st = conn.prepare_cached(&for_sqlite(&sql::insert_sent_alert(Dialect::Sqlite)))?;
    Ok(st.execute(params![key, alert])? == 1)
}

pub(crate) fn queue_alert(conn: &Connection, key: &str, alert: &str) -> Result<bool, StoreError> {
    let mut st = conn.prepare_cached(&for_sqlite(sql::INSERT_WATCH_ALERT))?;
    Ok(st.execute(params![key, alert])? == 1)
}

pub(crate) fn take_unsent_alerts(conn: &Connection) -> Result<Vec<(String, String)>, StoreError> {
    let mut st = conn.prepare_cached(&for_sqlite(&sql::take_unsent_alerts(Dialect::Sqlite)))?;
    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(crate::oldest_first(rows.collect::<Result<_, _>>()?))
}
