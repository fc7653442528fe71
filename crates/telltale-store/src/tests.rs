//! The store's contract, written once as bodies taking `&mut Store` and run on SQLite (in
//! memory and in a file) and on a throwaway PostgreSQL ([`crate::testing::TestPostgres`]),
//! plus what only one backend has: files reopened, concurrent workers, a server going away.

use super::*;
use crate::testing::TestPostgres;
use serde_json::json;
use telltale_rules::{Category, Finding, Severity};

fn key(name: &str, version: &str) -> ScanKey {
    ScanKey {
        ecosystem: "npm".into(),
        name: name.into(),
        version: version.into(),
        telltale_version: "0.1.0".into(),
        ruleset_hash: "rules-1".into(),
    }
}

fn finding(
    rule: &'static str,
    category: Category,
    countries: &[&str],
    endpoints: &[&str],
    fingerprint: &str,
) -> Finding {
    Finding {
        rule,
        name: "test-rule",
        category,
        severity: if category == Category::Region {
            Severity::High
        } else {
            Severity::Medium
        },
        file: "package/index.js".into(),
        line: 3,
        column: 7,
        offset: 40,
        end_offset: 60,
        message: format!("{rule} fired"),
        evidence: vec![format!("evidence of {rule}"), "literal at 3:1042".into()],
        countries: countries.iter().map(|s| s.to_string()).collect(),
        endpoints: endpoints.iter().map(|s| s.to_string()).collect(),
        flow: vec![],
        install_time: false,
        snippet: "fetch(x)".into(),
        snippet_mark: Some([0, 5]),
        fingerprint: fingerprint.into(),
        policy: None,
    }
}

fn report(
    name: &str,
    version: &str,
    findings: Vec<Finding>,
    install_scripts: &[&str],
) -> TargetReport {
    let mut r = TargetReport::empty(&format!("npm:{name}@{version}"));
    r.package = Some(name.into());
    r.version = Some(version.into());
    r.files_scanned = 3;
    r.bytes_scanned = 1234;
    r.findings = findings;
    r.label.install_scripts = install_scripts.iter().map(|s| s.to_string()).collect();
    r
}

fn strings(values: Vec<&serde_json::Value>) -> Vec<String> {
    values
        .into_iter()
        .map(|v| v.as_str().map_or_else(|| v.to_string(), String::from))
        .collect()
}

// ---- bodies shared by the backends ----

fn record_is_idempotent(store: &mut Store) {
    let k = key("left-pad", "1.3.0");
    assert_eq!(store.has_scan(&k).unwrap(), None);
    let r = report(
        "left-pad",
        "1.3.0",
        vec![
            finding(
                "TT101",
                Category::Identity,
                &[],
                &["api.example.io"],
                "aa:0",
            ),
            finding("TT201", Category::Region, &["RU", "BY"], &[], "bb:0"),
        ],
        &[],
    );
    let first = store.record(&k, &r, 42, Some("worker-1")).unwrap();
    let RecordOutcome::Inserted { scan_id } = first else {
        panic!("first record must insert: {first:?}")
    };
    assert_eq!(
        store.record(&k, &r, 43, Some("worker-2")).unwrap(),
        RecordOutcome::AlreadyPresent { scan_id }
    );
    assert_eq!(store.has_scan(&k).unwrap(), Some(scan_id));
    assert_eq!(
        store.counts().unwrap(),
        Counts {
            packages: 1,
            versions: 1,
            scans: 1,
            findings: 2
        }
    );

    // Another rule set is another scan of the same version.
    let k2 = ScanKey {
        ruleset_hash: "rules-2".into(),
        ..k.clone()
    };
    assert!(matches!(
        store.record(&k2, &r, 1, None).unwrap(),
        RecordOutcome::Inserted { .. }
    ));
    assert_eq!(
        store.counts().unwrap(),
        Counts {
            packages: 1,
            versions: 1,
            scans: 2,
            findings: 4
        }
    );

    let found = store.findings_of(scan_id).unwrap();
    assert_eq!(found.len(), 2);
    assert_eq!(
        (
            found[0].rule.as_str(),
            found[0].category.as_str(),
            found[0].severity.as_str()
        ),
        ("TT101", "identity", "medium")
    );
    assert_eq!(found[0].endpoints, vec!["api.example.io"]);
    assert_eq!(
        found[0].evidence,
        json!(["evidence of TT101", "literal at 3:1042"])
    );
    assert_eq!(found[0].detail["snippet"], json!("fetch(x)"));
    assert_eq!((found[0].line, found[0].column), (3, 7));
    assert_eq!(found[1].countries, vec!["RU", "BY"]);
    assert_eq!(found[1].fingerprint, "bb:0");
}

fn failures_are_recorded(store: &mut Store) {
    let k = key("broken", "0.0.1");
    let id = store
        .record_failure(&k, "tarball integrity mismatch")
        .unwrap()
        .scan_id();
    assert_eq!(
        store.record_failure(&k, "again").unwrap(),
        RecordOutcome::AlreadyPresent { scan_id: id }
    );
    assert_eq!(store.has_scan(&k).unwrap(), Some(id));
    assert!(store.findings_of(id).unwrap().is_empty());
    let scans = store.query(&Query::Scans { limit: 10 }).unwrap();
    let row = scans
        .to_json()
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["scan_id"] == json!(id))
        .cloned()
        .unwrap();
    assert_eq!(row["error"], json!("tarball integrity mismatch"));
    assert_eq!(row["package"], json!("broken"));
    // A failed scan is nothing to compare with.
    assert_eq!(store.previous_scan("npm", "broken", None).unwrap(), None);
    // A report whose target failed keeps its error too.
    let mut failed = report("broken", "0.0.2", vec![], &[]);
    failed.error = Some("corrupt archive".into());
    let id2 = store
        .record(&key("broken", "0.0.2"), &failed, 5, None)
        .unwrap()
        .scan_id();
    assert_eq!(store.previous_scan("npm", "broken", None).unwrap(), None);
    assert!(store
        .query(&Query::LabelHistory {
            ecosystem: "npm".into(),
            name: "broken".into()
        })
        .unwrap()
        .rows
        .is_empty());
    assert_ne!(id, id2);
}

/// geo-pkg: 1.0.0 sends identity to a.example.io; 2.0.0 adds RU targeting; 3.0.0 keeps it
/// (new fingerprint, same rule and countries) and also sends to b.example.io. first-geo's
/// only version targets CN (nothing gained against). 1.0.0 is rescanned with new rules last.
fn history_answers_questions(store: &mut Store) {
    let id = |c| finding("TT101", Category::Identity, &[], c, "");
    let exfil = |c| finding("TT301", Category::Exfiltration, &[], c, "");
    let v1 = store
        .record(
            &key("geo-pkg", "1.0.0"),
            &report("geo-pkg", "1.0.0", vec![id(&["a.example.io"])], &[]),
            10,
            None,
        )
        .unwrap()
        .scan_id();
    let v2 = store
        .record(
            &key("geo-pkg", "2.0.0"),
            &report(
                "geo-pkg",
                "2.0.0",
                vec![
                    id(&["a.example.io"]),
                    finding("TT201", Category::Region, &["RU"], &[], "f1:0"),
                ],
                &["postinstall: node geo.js"],
            ),
            10,
            None,
        )
        .unwrap()
        .scan_id();
    let v3 = store
        .record(
            &key("geo-pkg", "3.0.0"),
            &report(
                "geo-pkg",
                "3.0.0",
                vec![
                    exfil(&["b.example.io", "a.example.io"]),
                    finding("TT201", Category::Region, &["RU"], &[], "f2:0"),
                ],
                &["postinstall: node geo.js"],
            ),
            10,
            None,
        )
        .unwrap()
        .scan_id();
    store
        .record(
            &key("first-geo", "1.0.0"),
            &report(
                "first-geo",
                "1.0.0",
                vec![finding("TT201", Category::Region, &["CN"], &[], "c:0")],
                &[],
            ),
            1,
            None,
        )
        .unwrap();
    let rescan = ScanKey {
        ruleset_hash: "rules-9".into(),
        ..key("geo-pkg", "1.0.0")
    };
    let v1b = store
        .record(
            &rescan,
            &report("geo-pkg", "1.0.0", vec![id(&["a.example.io"])], &[]),
            10,
            None,
        )
        .unwrap()
        .scan_id();

    // Region gained: 2.0.0 only.
    let t = store
        .query(&Query::RegionGainedSince {
            since: "2000-01-01".into(),
        })
        .unwrap();
    assert_eq!(
        t.columns[..4],
        ["ecosystem", "package", "version", "previous_version"]
    );
    assert_eq!(
        strings(t.column("version")),
        vec!["2.0.0"],
        "{}",
        t.to_text()
    );
    assert_eq!(strings(t.column("previous_version")), vec!["1.0.0"]);
    assert_eq!(strings(t.column("countries")), vec!["RU"]);
    assert!(store
        .query(&Query::RegionGainedSince {
            since: "2999-01-01T00:00:00Z".into()
        })
        .unwrap()
        .rows
        .is_empty());
    assert_eq!(
        store
            .query(&Query::RegionGainedSince {
                since: "2000-01-01T00:00:00+02:00".into()
            })
            .unwrap()
            .rows
            .len(),
        1
    );

    // New identity endpoints: a.example.io at 1.0.0, b.example.io at 3.0.0, nothing at 2.0.0.
    let t = store
        .query(&Query::NewIdentityEndpoints { since: None })
        .unwrap();
    let pairs: Vec<(String, String)> = strings(t.column("package"))
        .into_iter()
        .zip(
            strings(t.column("version"))
                .into_iter()
                .zip(strings(t.column("endpoint"))),
        )
        .filter(|(p, _)| p == "geo-pkg")
        .map(|(_, pair)| pair)
        .collect();
    assert_eq!(
        pairs,
        vec![
            ("1.0.0".to_string(), "a.example.io".to_string()),
            ("3.0.0".to_string(), "b.example.io".to_string())
        ],
        "{}",
        t.to_text()
    );
    let rows = t.to_json();
    let row = |v: &str| {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|r| r["package"] == json!("geo-pkg") && r["version"] == json!(v))
            .cloned()
            .unwrap()
    };
    assert_eq!(row("3.0.0")["previous_version"], json!("2.0.0"));
    assert_eq!(row("1.0.0")["previous_version"], json!(null));
    assert!(store
        .query(&Query::NewIdentityEndpoints {
            since: Some("2999-01-01".into())
        })
        .unwrap()
        .rows
        .is_empty());

    // Label history: versions in the order first scanned, whatever was rescanned since.
    let t = store
        .query(&Query::LabelHistory {
            ecosystem: "npm".into(),
            name: "geo-pkg".into(),
        })
        .unwrap();
    assert_eq!(
        strings(t.column("version")),
        vec!["1.0.0", "2.0.0", "3.0.0"],
        "{}",
        t.to_text()
    );
    assert_eq!(
        strings(t.column("install_scripts")),
        vec!["", "postinstall: node geo.js", "postinstall: node geo.js"]
    );
    assert_eq!(strings(t.column("telltale_version")), vec!["0.1.0"; 3]);
    assert!(t.to_text().lines().next().unwrap().starts_with("version"));
    assert!(
        t.column("scanned_at").iter().all(|v| v
            .as_str()
            .is_some_and(|s| s.len() == 24 && s.ends_with('Z'))),
        "{}",
        t.to_text()
    );

    // Scans, newest first.
    let t = store.query(&Query::Scans { limit: 2 }).unwrap();
    assert_eq!(
        t.column("scan_id"),
        vec![&json!(v1b), &json!(v1b - 1)],
        "{}",
        t.to_text()
    );
    let all = store.query(&Query::Scans { limit: 100 }).unwrap().to_json();
    let v3row = all
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["scan_id"] == json!(v3))
        .cloned()
        .unwrap();
    assert_eq!(
        (
            v3row["high"].clone(),
            v3row["medium"].clone(),
            v3row["critical"].clone()
        ),
        (json!(1), json!(1), json!(0))
    );

    // Previous scans.
    let prev = store
        .previous_scan("npm", "geo-pkg", Some(v3))
        .unwrap()
        .unwrap();
    assert_eq!((prev.scan_id, prev.version.as_str()), (v2, "2.0.0"));
    assert_eq!(
        prev.findings
            .iter()
            .map(|f| f.rule.as_str())
            .collect::<Vec<_>>(),
        vec!["TT101", "TT201"]
    );
    assert_eq!(
        store
            .previous_scan("npm", "geo-pkg", None)
            .unwrap()
            .unwrap()
            .scan_id,
        v1b
    );
    assert_eq!(
        store
            .previous_scan("npm", "geo-pkg", Some(v1b))
            .unwrap()
            .unwrap()
            .scan_id,
        v3
    );
    assert_eq!(
        store.previous_scan("npm", "geo-pkg", Some(v1)).unwrap(),
        None
    );
    assert_eq!(store.previous_scan("npm", "nope", None).unwrap(), None);
}

fn bad_input_is_not_transient(store: &mut Store) {
    let e = store
        .query(&Query::RegionGainedSince {
            since: "last week".into(),
        })
        .unwrap_err();
    assert!(e.to_string().contains("last week"), "{e}");
    assert!(!e.is_transient());
}

fn contract(store: &mut Store) {
    firewall_verdicts_are_kept_by_key_and_the_first_stays(store);
    watch_state_is_kept_and_alerts_claimed_once(store);
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    record_is_idempotent(store);
    failures_are_recorded(store);
    history_answers_questions(store);
    bad_input_is_not_transient(store);
}

// ---- SQLite ----

#[test]
fn store_is_send() {
    fn send<T: Send>() {}
    send::<Store>();
}

#[test]
fn sqlite_in_memory_keeps_the_contract() {
    let mut store = Store::open(":memory:").unwrap();
    assert_eq!(store.backend(), "sqlite");
    contract(&mut store);
}

#[test]
fn sqlite_file_keeps_the_contract_and_reopens_without_migrating() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite");
    let url = format!("sqlite:{}", path.display());
    contract(&mut Store::open(&url).unwrap());
    let applied = |p: &Path| -> Vec<(i64, String)> {
        let c = rusqlite::Connection::open(p).unwrap();
        let mut st = c
            .prepare("SELECT version, applied_at FROM schema_migrations ORDER BY version")
            .unwrap();
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(|r| r.unwrap())
            .collect()
    };
    let before = applied(&path);
    assert_eq!(before.len(), SCHEMA_VERSION as usize);
    std::thread::sleep(std::time::Duration::from_millis(5));
    // A plain path opens the same file.
    let mut again = Store::open(path.to_str().unwrap()).unwrap();
    assert_eq!(applied(&path), before);
    assert!(again.has_scan(&key("left-pad", "1.3.0")).unwrap().is_some());
}

/// A store from before migration 4 keeps its alerts as sent: a fleet watcher on the upgraded
/// store does not send them again.
#[test]
fn alerts_sent_before_migration_4_are_not_sent_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite");
    drop(Store::open(path.to_str().unwrap()).unwrap());
    // Back to schema 3, with an alert a watcher sent then.
    let c = rusqlite::Connection::open(&path).unwrap();
    c.execute_batch(
        "DROP INDEX watch_alerts_undelivered;
         ALTER TABLE watch_alerts DROP COLUMN delivered_at;
         ALTER TABLE watch_state DROP COLUMN last_modified;
         DELETE FROM schema_migrations WHERE version = 4;
         INSERT INTO watch_alerts (key, alert) VALUES ('npm|x|1.1.0', '{}');",
    )
    .unwrap();
    drop(c);
    let mut store = Store::open(path.to_str().unwrap()).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(store.take_unsent_alerts().unwrap(), vec![]);
    let digest = store.query(&crate::Query::Alerts { since: None }).unwrap();
    assert_eq!(digest.rows.len(), 1, "still in the digest");
}

#[test]
fn sqlite_newer_schema_is_refused_naming_both_versions() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite");
    drop(Store::open(path.to_str().unwrap()).unwrap());
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute(
            "INSERT INTO schema_migrations (version, applied_at) VALUES (99, 'x')",
            [],
        )
        .unwrap();
    let e = Store::open(path.to_str().unwrap()).unwrap_err();
    assert!(matches!(
        e,
        StoreError::SchemaTooNew {
            found: 99,
            supported: SCHEMA_VERSION
        }
    ));
    let msg = e.to_string();
    assert!(
        msg.contains("99") && msg.contains(&format!("version {SCHEMA_VERSION}")),
        "{msg}"
    );
    assert!(!e.is_transient());
}

#[test]
fn sqlite_concurrent_workers_record_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite").display().to_string();
    drop(Store::open(&path).unwrap());
    concurrent_record_once(&path);
}

#[test]
fn default_location_follows_the_environment() {
    let env = |pairs: &'static [(&'static str, &'static str)]| {
        move |k: &str| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| std::ffi::OsString::from(v))
        }
    };
    assert_eq!(
        default_location(env(&[("TELLTALE_STORE", "/x/s.db"), ("HOME", "/h")])).unwrap(),
        "/x/s.db"
    );
    assert_eq!(
        default_location(env(&[("XDG_DATA_HOME", "/d"), ("HOME", "/h")])).unwrap(),
        "/d/telltale/store.sqlite"
    );
    assert_eq!(
        default_location(env(&[("HOME", "/h")])).unwrap(),
        "/h/.local/share/telltale/store.sqlite"
    );
    assert!(default_location(env(&[])).is_err());
}

#[test]
fn connect_errors_hide_the_password_and_are_transient() {
    // Port 1 on loopback refuses at once.
    let e = Store::open("postgres://telltale:hunter2@127.0.0.1:1/store").unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.starts_with("cannot connect to postgres://telltale:***@127.0.0.1:1/store: "),
        "{msg}"
    );
    assert!(!msg.contains("hunter2"), "{msg}");
    assert!(e.is_transient(), "{msg}");
    let e = Store::open("postgres://u:pw@[bad").unwrap_err();
    assert!(!e.to_string().contains("pw@"), "{e}");
}

// ---- PostgreSQL ----

/// Four connections record the same key at once: one insert, three AlreadyPresent.
fn concurrent_record_once(url: &str) {
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(4));
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let (url, barrier) = (url.to_string(), barrier.clone());
            std::thread::spawn(move || {
                let mut store = Store::open(&url).unwrap();
                let r = report(
                    "racy",
                    "1.0.0",
                    vec![finding(
                        "TT101",
                        Category::Identity,
                        &[],
                        &["x.example.io"],
                        "r:0",
                    )],
                    &[],
                );
                barrier.wait();
                store
                    .record(&key("racy", "1.0.0"), &r, 1, Some(&format!("worker-{i}")))
                    .unwrap()
            })
        })
        .collect();
    let outcomes: Vec<RecordOutcome> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(
        outcomes
            .iter()
            .filter(|o| matches!(o, RecordOutcome::Inserted { .. }))
            .count(),
        1,
        "{outcomes:?}"
    );
    assert!(outcomes
        .iter()
        .all(|o| o.scan_id() == outcomes[0].scan_id()));
    assert_eq!(
        Store::open(url).unwrap().counts().unwrap(),
        Counts {
            packages: 1,
            versions: 1,
            scans: 1,
            findings: 1
        }
    );
}

#[test]
fn postgres_keeps_the_contract() {
    let Some(pg) = TestPostgres::start_or_skip() else {
        return;
    };
    let url = pg.create_database("contract").unwrap();
    let mut store = Store::open(&url).unwrap();
    assert_eq!(store.backend(), "postgres");
    contract(&mut store);
    drop(store);

    // Reopening does not migrate again.
    let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let applied = |c: &mut postgres::Client| {
        c.query(
            "SELECT version, applied_at::text FROM schema_migrations",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get::<_, i32>(0), r.get::<_, String>(1)))
        .collect::<Vec<_>>()
    };
    let before = applied(&mut c);
    assert_eq!(before.len(), SCHEMA_VERSION as usize);
    Store::open(&url).unwrap();
    assert_eq!(applied(&mut c), before);

    // Evidence is JSONB, queryable in SQL.
    let n: i64 = c
        .query_one(
            "SELECT COUNT(*) FROM findings WHERE evidence ? 'evidence of TT201'",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(n >= 1);

    // A newer schema is refused.
    c.execute("INSERT INTO schema_migrations (version) VALUES (99)", &[])
        .unwrap();
    let e = Store::open(&url).unwrap_err();
    assert!(
        matches!(
            e,
            StoreError::SchemaTooNew {
                found: 99,
                supported: SCHEMA_VERSION
            }
        ),
        "{e}"
    );

    // Workers starting on an empty database migrate it once.
    let fresh = pg.create_database("fresh").unwrap();
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let u = fresh.clone();
            std::thread::spawn(move || Store::open(&u).map(|_| ()))
        })
        .collect();
    for h in handles {
        h.join().unwrap().unwrap();
    }
    assert_eq!(
        Store::open(&fresh).unwrap().schema_version().unwrap(),
        SCHEMA_VERSION
    );
}

#[test]
fn postgres_concurrent_workers_record_once() {
    let Some(pg) = TestPostgres::start_or_skip() else {
        return;
    };
    let url = pg.create_database("race").unwrap();
    drop(Store::open(&url).unwrap());
    concurrent_record_once(&url);
}

#[test]
fn postgres_down_is_a_transient_error_and_reopening_works() {
    let Some(mut pg) = TestPostgres::start_or_skip() else {
        return;
    };
    let url = pg.url();
    let mut store = Store::open(&url).unwrap();
    store
        .record(&key("a", "1"), &report("a", "1", vec![], &[]), 1, None)
        .unwrap();

    pg.stop().unwrap();
    let e = store
        .record(&key("a", "2"), &report("a", "2", vec![], &[]), 1, None)
        .unwrap_err();
    assert!(e.is_transient(), "{e} / {e:?}");
    println!("after stop: {e}");
    let e = Store::open(&url).unwrap_err();
    assert!(e.is_transient(), "{e}");
    assert!(
        e.to_string()
            .starts_with("cannot connect to postgres://postgres@127.0.0.1:"),
        "{e}"
    );

    pg.start_again().unwrap();
    let mut store = Store::open(&url).unwrap();
    assert!(matches!(
        store
            .record(&key("a", "2"), &report("a", "2", vec![], &[]), 1, None)
            .unwrap(),
        RecordOutcome::Inserted { .. }
    ));
    assert_eq!(store.counts().unwrap().scans, 2);
}

/// Part of the contract both backends keep (called from `contract`).
fn firewall_verdicts_are_kept_by_key_and_the_first_stays(store: &mut Store) {
    assert_eq!(store.verdict("sha512-x|0.1.0|r|p").unwrap(), None);
    let v = NewVerdict {
        key: "sha512-x|0.1.0|r|p",
        ecosystem: "npm",
        name: "es5-ext",
        version: "0.10.64",
        action: "block",
        reason: "TT201 region-conditional: denied: category region",
    };
    store.record_verdict(&v).unwrap();
    store
        .record_verdict(&NewVerdict {
            action: "allow",
            reason: "later",
            ..v.clone()
        })
        .unwrap();
    assert_eq!(
        store.verdict(v.key).unwrap(),
        Some(CachedVerdict {
            action: "block".into(),
            reason: "TT201 region-conditional: denied: category region".into()
        })
    );
    let bad = store.record_verdict(&NewVerdict {
        key: "k2",
        action: "maybe",
        ..v
    });
    assert!(
        bad.is_err(),
        "an action other than allow, warn or block is refused"
    );
}

/// Part of the contract both backends keep (called from `contract`).
fn watch_state_is_kept_and_alerts_claimed_once(store: &mut Store) {
    assert_eq!(store.watch_state("npm", "x").unwrap(), None);
    let mut st = WatchState {
        etag: Some("\"abc\"".into()),
        versions: vec!["1.0.0".into()],
        last_modified: Some("Mon, 07 Dec 2026 10:00:00 GMT".into()),
    };
    store.save_watch_state("npm", "x", &st).unwrap();
    assert_eq!(store.watch_state("npm", "x").unwrap(), Some(st.clone()));
    st.versions.push("1.1.0".into());
    st.etag = None;
    st.last_modified = None;
    store.save_watch_state("npm", "x", &st).unwrap();
    assert_eq!(store.watch_state("npm", "x").unwrap(), Some(st));
    // Sent by the watcher that claims it: never waiting to be sent.
    assert!(store.claim_alert("npm|x|1.1.0", "{}").unwrap());
    assert!(!store.claim_alert("npm|x|1.1.0", "{}").unwrap());
    assert_eq!(store.take_unsent_alerts().unwrap(), vec![]);
    // Decided by a worker: recorded once, then taken by one watcher, once.
    assert!(store
        .queue_alert("npm|x|1.2.0", "{\"to\":\"1.2.0\"}")
        .unwrap());
    assert!(!store.queue_alert("npm|x|1.2.0", "{}").unwrap());
    assert!(!store.claim_alert("npm|x|1.2.0", "{}").unwrap());
    assert!(store
        .queue_alert("npm|x|1.3.0", "{\"to\":\"1.3.0\"}")
        .unwrap());
    let taken = store.take_unsent_alerts().unwrap();
    assert_eq!(
        taken,
        vec![
            ("npm|x|1.2.0".to_string(), "{\"to\":\"1.2.0\"}".to_string()),
            ("npm|x|1.3.0".to_string(), "{\"to\":\"1.3.0\"}".to_string()),
        ]
    );
    assert_eq!(store.take_unsent_alerts().unwrap(), vec![]);
    let digest = store.query(&crate::Query::Alerts { since: None }).unwrap();
    assert_eq!(digest.rows.len(), 3, "every alert is in the digest");
}
