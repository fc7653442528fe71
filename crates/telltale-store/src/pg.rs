//! The PostgreSQL backend: one server shared by many scan workers. Idempotency under
//! concurrency comes from the unique keys: `INSERT … ON CONFLICT DO NOTHING` waits for a
//! concurrent insert of the same key to commit and then does nothing, and the re-select
//! sees the winner's row. Migrations hold an advisory lock so two workers starting on an
//! empty database do not both create it.

use crate::error::redact_url;
use crate::migrate::{self, check_not_newer};
use crate::prepare::PreparedScan;
use crate::query::{Param, Query, Table};
use crate::sql::{self, Dialect};
use crate::{
    CachedVerdict, Counts, NewVerdict, RecordOutcome, ScanKey, StoreError, StoredFinding,
    StoredScan, WatchState,
};
use postgres::types::{ToSql, Type};
use postgres::{Client, Config, NoTls, Row};
use std::str::FromStr;
use std::time::Duration;

/// The advisory lock key migrations take ("telltale" in ASCII, truncated to 63 bits).
const MIGRATION_LOCK: i64 = 0x7465_6c6c_7461_6c65;

pub(crate) fn open(url: &str) -> Result<Client, StoreError> {
    let connect_err = |message: String, transient: bool| StoreError::Connect {
        url: redact_url(url),
        message,
        transient,
    };
    let mut config = Config::from_str(url).map_err(|e| connect_err(e.to_string(), false))?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(10));
    }
    if config.get_application_name().is_none() {
        config.application_name("telltale");
    }
    let mut client = config.connect(NoTls).map_err(|e| {
        let transient = crate::error::postgres_transient(&e);
        connect_err(crate::error::postgres_message(&e), transient)
    })?;
    // Timestamps are read and compared in UTC whatever the server's default.
    client.batch_execute("SET TIME ZONE 'UTC'")?;
    migrate(&mut client)?;
    Ok(client)
}

fn current_version(c: &mut impl postgres::GenericClient) -> Result<i64, StoreError> {
    let exists: bool = c
        .query_one("SELECT to_regclass('schema_migrations') IS NOT NULL", &[])?
        .try_get(0)?;
    if !exists {
        return Ok(0);
    }
    Ok(c.query_one(sql::SCHEMA_VERSION, &[])?.try_get(0)?)
}

fn migrate(client: &mut Client) -> Result<(), StoreError> {
    if check_not_newer(current_version(client)?)? == migrate::SCHEMA_VERSION {
        return Ok(());
    }
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")?;
    let current = check_not_newer(current_version(&mut tx)?)?;
    for (version, script) in migrate::POSTGRES.iter().filter(|(v, _)| *v > current) {
        tx.batch_execute(script)?;
        let v = i32::try_from(*version)
            .map_err(|_| StoreError::Data(format!("migration {version}")))?;
        tx.execute("INSERT INTO schema_migrations (version) VALUES ($1)", &[&v])?;
    }
    tx.commit()?;
    Ok(())
}

pub(crate) fn schema_version(client: &mut Client) -> Result<u32, StoreError> {
    let v = current_version(client)?;
    u32::try_from(v).map_err(|_| StoreError::Data(format!("schema version {v}")))
}

pub(crate) fn has_scan(client: &mut Client, key: &ScanKey) -> Result<Option<i64>, StoreError> {
    let row = client.query_opt(
        sql::SELECT_SCAN_ID,
        &[
            &key.ecosystem,
            &key.name,
            &key.version,
            &key.telltale_version,
            &key.ruleset_hash,
        ],
    )?;
    Ok(match row {
        Some(r) => Some(r.try_get(0)?),
        None => None,
    })
}

pub(crate) fn record(
    client: &mut Client,
    key: &ScanKey,
    scan: &PreparedScan,
    duration_ms: Option<i64>,
    worker: Option<&str>,
) -> Result<RecordOutcome, StoreError> {
    let mut tx = client.transaction()?;
    tx.execute(sql::INSERT_PACKAGE, &[&key.ecosystem, &key.name])?;
    let package: i64 = tx
        .query_one(sql::SELECT_PACKAGE, &[&key.ecosystem, &key.name])?
        .try_get(0)?;
    tx.execute(sql::INSERT_VERSION, &[&package, &key.version])?;
    let version: i64 = tx
        .query_one(sql::SELECT_VERSION, &[&package, &key.version])?
        .try_get(0)?;
    let l = &scan.label_cols;
    let inserted = tx.query_opt(
        sql::INSERT_SCAN,
        &[
            &version,
            &key.telltale_version,
            &key.ruleset_hash,
            &duration_ms,
            &worker,
            &scan.error,
            &scan.target,
            &scan.files_scanned,
            &scan.bytes_scanned,
            &scan.report,
            &scan.label,
            &l.collects,
            &l.sends,
            &l.destinations,
            &l.countries,
            &l.opt_outs,
            &l.install_scripts,
            &l.activation,
        ],
    )?;
    let Some(row) = inserted else {
        let id: i64 = tx
            .query_one(
                sql::SELECT_SCAN_ID,
                &[
                    &key.ecosystem,
                    &key.name,
                    &key.version,
                    &key.telltale_version,
                    &key.ruleset_hash,
                ],
            )?
            .try_get(0)?;
        tx.commit()?;
        return Ok(RecordOutcome::AlreadyPresent { scan_id: id });
    };
    let scan_id: i64 = row.try_get(0)?;
    let finding = tx.prepare(sql::INSERT_FINDING)?;
    let endpoint = tx.prepare(sql::INSERT_ENDPOINT)?;
    for f in &scan.findings {
        let id: i64 = tx
            .query_one(
                &finding,
                &[
                    &scan_id,
                    &f.ordinal,
                    &f.rule,
                    &f.name,
                    &f.category,
                    &f.severity,
                    &f.file,
                    &f.line,
                    &f.column,
                    &f.message,
                    &f.fingerprint,
                    &f.countries,
                    &f.endpoints,
                    &f.install_time,
                    &f.evidence,
                    &f.detail,
                ],
            )?
            .try_get(0)?;
        for e in &f.endpoint_list {
            tx.execute(&endpoint, &[&id, e])?;
        }
    }
    tx.commit()?;
    Ok(RecordOutcome::Inserted { scan_id })
}

pub(crate) fn previous_scan(
    client: &mut Client,
    ecosystem: &str,
    name: &str,
    except: Option<i64>,
) -> Result<Option<StoredScan>, StoreError> {
    let q = sql::previous_scan(Dialect::Postgres, except.is_some());
    let row = match &except {
        Some(id) => client.query_opt(&q, &[&ecosystem, &name, id])?,
        None => client.query_opt(&q, &[&ecosystem, &name])?,
    };
    let Some(r) = row else { return Ok(None) };
    let mut s = StoredScan {
        scan_id: r.try_get(0)?,
        ecosystem: r.try_get(1)?,
        name: r.try_get(2)?,
        version: r.try_get(3)?,
        telltale_version: r.try_get(4)?,
        ruleset_hash: r.try_get(5)?,
        scanned_at: r.try_get(6)?,
        duration_ms: r.try_get(7)?,
        worker: r.try_get(8)?,
        findings: vec![],
    };
    s.findings = findings_of(client, s.scan_id)?;
    Ok(Some(s))
}

pub(crate) fn findings_of(
    client: &mut Client,
    scan_id: i64,
) -> Result<Vec<StoredFinding>, StoreError> {
    let mut out = Vec::new();
    for r in client.query(sql::FINDINGS_OF, &[&scan_id])? {
        out.push(StoredFinding::from_columns(
            r.try_get(0)?,
            r.try_get(1)?,
            r.try_get(2)?,
            r.try_get(3)?,
            r.try_get(4)?,
            r.try_get(5)?,
            r.try_get(6)?,
            r.try_get(7)?,
            r.try_get(8)?,
            r.try_get(9)?,
            r.try_get(10)?,
            r.try_get(11)?,
        ));
    }
    Ok(out)
}

pub(crate) fn query(client: &mut Client, q: &Query) -> Result<Table, StoreError> {
    let (text, params) = q.to_sql(Dialect::Postgres)?;
    let bound: Vec<Box<dyn ToSql + Sync>> = params
        .into_iter()
        .map(|p| -> Box<dyn ToSql + Sync> {
            match p {
                Param::Text(s) => Box::new(s),
                Param::Int(i) => Box::new(i),
            }
        })
        .collect();
    let refs: Vec<&(dyn ToSql + Sync)> = bound.iter().map(|b| b.as_ref()).collect();
    let st = client.prepare(&text)?;
    let columns: Vec<String> = st.columns().iter().map(|c| c.name().to_string()).collect();
    let rows = client.query(&st, &refs)?;
    let rows = rows
        .iter()
        .map(row_values)
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(Table { columns, rows })
}

/// A row as JSON values, by the column's type (the views only hold these).
fn row_values(r: &Row) -> Result<Vec<serde_json::Value>, StoreError> {
    use serde_json::Value;
    let mut out = Vec::with_capacity(r.len());
    for (i, c) in r.columns().iter().enumerate() {
        let t = c.type_();
        let v = if *t == Type::INT8 {
            r.try_get::<_, Option<i64>>(i)?
                .map_or(Value::Null, Value::from)
        } else if *t == Type::INT4 {
            r.try_get::<_, Option<i32>>(i)?
                .map_or(Value::Null, Value::from)
        } else if *t == Type::INT2 {
            r.try_get::<_, Option<i16>>(i)?
                .map_or(Value::Null, Value::from)
        } else if *t == Type::BOOL {
            r.try_get::<_, Option<bool>>(i)?
                .map_or(Value::Null, Value::from)
        } else if *t == Type::FLOAT8 {
            r.try_get::<_, Option<f64>>(i)?
                .map_or(Value::Null, Value::from)
        } else if *t == Type::JSON || *t == Type::JSONB {
            r.try_get::<_, Option<Value>>(i)?.unwrap_or(Value::Null)
        } else if *t == Type::TEXT || *t == Type::VARCHAR || *t == Type::NAME || *t == Type::BPCHAR
        {
            r.try_get::<_, Option<String>>(i)?
                .map_or(Value::Null, Value::from)
        } else {
            return Err(StoreError::Data(format!(
                "column {} has type {t}, which query results do not convert",
                c.name()
            )));
        };
        out.push(v);
    }
    Ok(out)
}

pub(crate) fn counts(client: &mut Client) -> Result<Counts, StoreError> {
    let r = client.query_one(sql::COUNTS, &[])?;
    Ok(Counts {
        packages: r.try_get(0)?,
        versions: r.try_get(1)?,
        scans: r.try_get(2)?,
        findings: r.try_get(3)?,
    })
}

pub(crate) fn verdict(client: &mut Client, key: &str) -> Result<Option<CachedVerdict>, StoreError> {
    Ok(match client.query_opt(sql::SELECT_VERDICT, &[&key])? {
        Some(r) => Some(CachedVerdict {
            action: r.try_get(0)?,
            reason: r.try_get(1)?,
        }),
        None => None,
    })
}

pub(crate) fn record_verdict(client: &mut Client, v: &NewVerdict<'_>) -> Result<(), StoreError> {
    client.execute(
        sql::INSERT_VERDICT,
        &[
            &v.key,
            &v.ecosystem,
            &v.name,
            &v.version,
            &v.action,
            &v.reason,
        ],
    )?;
    Ok(())
}

pub(crate) fn watch_state(
    client: &mut Client,
    ecosystem: &str,
    name: &str,
) -> Result<Option<WatchState>, StoreError> {
    match client.query_opt(sql::SELECT_WATCH_STATE, &[&ecosystem, &name])? {
        Some(r) => {
            let etag: Option<String> = r.try_get(0)?;
            let versions: String = r.try_get(1)?;
            let modified: Option<String> = r.try_get(2)?;
            WatchState::from_row(etag, &versions, modified).map(Some)
        }
        None => Ok(None),
    }
}

pub(crate) fn save_watch_state(
    client: &mut Client,
    ecosystem: &str,
    name: &str,
    state: &WatchState,
) -> Result<(), StoreError> {
    client.execute(
        sql::UPSERT_WATCH_STATE,
        &[
            &ecosystem,
            &name,
            &state.etag,
            &state.versions_json(),
            &state.last_modified,
        ],
    )?;
    Ok(())
}

pub(crate) fn claim_alert(client: &mut Client, key: &str, alert: &str) -> Result<bool, StoreError> {
    let text = sql::insert_sent_alert(Dialect::Postgres);
    Ok(client.execute(text.as_str(), &[&key, &alert])? == 1)
}

pub(crate) fn queue_alert(client: &mut Client, key: &str, alert: &str) -> Result<bool, StoreError> {
    Ok(client.execute(sql::INSERT_WATCH_ALERT, &[&key, &alert])? == 1)
}

pub(crate) fn take_unsent_alerts(client: &mut Client) -> Result<Vec<(String, String)>, StoreError> {
    let text = sql::take_unsent_alerts(Dialect::Postgres);
    let mut taken = Vec::new();
    for r in client.query(text.as_str(), &[])? {
        taken.push((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?));
    }
    Ok(crate::oldest_first(taken))
}
