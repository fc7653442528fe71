//! Registry scale under faults, on a real nats-server (JetStream, file storage) and a real
//! PostgreSQL, both started per test on loopback (`scripts/install-test-deps.sh` installs
//! them). The `telltale submit` and `telltale worker` binaries do the work; jobs are corpus
//! packages given by path, so no registry is needed. Every wait has a deadline: nothing hangs.
//! Without the servers these tests fail, saying why (`TELLTALE_SKIP_NATS=1` /
//! `TELLTALE_SKIP_POSTGRES=1` skip them on purpose).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use telltale_queue::testing::TestNats;
use telltale_store::testing::TestPostgres;
use telltale_store::Store;

fn corpus(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus")
        .join(rel)
        .canonicalize()
        .unwrap()
        .display()
        .to_string()
}

fn servers() -> Option<(TestNats, TestPostgres)> {
    let nats = TestNats::start_or_skip()?;
    let pg = TestPostgres::start_or_skip()?;
    Some((nats, pg))
}

fn telltale(nats: &TestNats) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_telltale"));
    c.env("TELLTALE_NATS", nats.url())
        .env(
            "TELLTALE_CACHE_DIR",
            std::env::temp_dir().join("telltale-fleet-cache"),
        )
        .stdin(Stdio::null());
    c
}

fn submit(nats: &TestNats, items: &[String], extra: &[&str]) {
    let out = telltale(nats)
        .arg("submit")
        .args(extra)
        .args(items)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "submit: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn worker(nats: &TestNats, db: &str, extra: &[&str]) -> Command {
    let mut c = telltale(nats);
    c.args(["worker", "--db", db, "--platform", "none"])
        .args(extra);
    c
}

/// Wait for a child with a deadline; kill it and fail when it passes.
fn finish(mut child: Child, limit: Duration, what: &str) -> String {
    let deadline = Instant::now() + limit;
    loop {
        if child.try_wait().unwrap().is_some() {
            let out = child.wait_with_output().unwrap();
            return String::from_utf8_lossy(&out.stderr).into_owned();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "{what} did not finish in {limit:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn scans_in(db: &str) -> Vec<(String, String)> {
    let mut store = Store::open(db).unwrap();
    let table = store
        .query(&telltale_store::Query::Scans { limit: 1000 })
        .unwrap();
    let (p, v) = (
        table.columns.iter().position(|c| c == "package").unwrap(),
        table.columns.iter().position(|c| c == "version").unwrap(),
    );
    let mut rows: Vec<(String, String)> = table
        .rows
        .iter()
        .map(|r| {
            (
                r[p].as_str().unwrap_or("").to_string(),
                r[v].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    rows.sort();
    rows
}

fn three_packages() -> Vec<String> {
    [
        "npm/lodash-4.17.21.tgz",
        "npm/ws-8.18.0.tgz",
        "npm/debug-4.4.0.tgz",
    ]
    .iter()
    .map(|p| corpus(p))
    .collect()
}

#[test]
fn a_worker_killed_mid_job_is_finished_by_another_without_duplicate_rows() {
    let Some((nats, pg)) = servers() else { return };
    let db = pg.url();
    submit(&nats, &three_packages(), &[]);
    // Worker A scans, then waits 30 s before committing: it is killed in that window.
    let mut a = worker(&nats, &db, &["--ack-wait", "2"])
        .env("TELLTALE_WORKER_TEST_DELAY_MS", "30000")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(3));
    a.kill().unwrap();
    let _ = a.wait();
    assert!(scans_in(&db).is_empty(), "A committed nothing");
    let b = worker(&nats, &db, &["--ack-wait", "2", "--exit-when-idle", "3"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let log = finish(b, Duration::from_secs(90), "worker B");
    let rows = scans_in(&db);
    assert_eq!(
        rows,
        vec![
            ("debug".into(), "4.4.0".into()),
            ("lodash".into(), "4.17.21".into()),
            ("ws".into(), "8.18.0".into())
        ],
        "{log}"
    );
    // The same jobs again: stored once, not twice.
    let ids: Vec<String> = three_packages();
    let out = telltale(&nats)
        .args(["submit"])
        .args(&ids)
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("already queued") || out.status.success()
    );
    let c = worker(&nats, &db, &["--exit-when-idle", "2"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    finish(c, Duration::from_secs(60), "worker C");
    assert_eq!(scans_in(&db).len(), 3);
}

#[test]
fn no_job_is_lost_when_nats_server_restarts() {
    let Some((mut nats, pg)) = servers() else {
        return;
    };
    let db = pg.url();
    let items: Vec<String> = [
        "npm/lodash-4.17.21.tgz",
        "npm/ws-8.18.0.tgz",
        "npm/debug-4.4.0.tgz",
        "npm/chalk-5.4.1.tgz",
        "npm/express-4.21.2.tgz",
        "npm/axios-1.7.9.tgz",
    ]
    .iter()
    .map(|p| corpus(p))
    .collect();
    submit(&nats, &items, &[]);
    nats.restart().unwrap();
    let w = worker(&nats, &db, &["--exit-when-idle", "3"])
        .env("TELLTALE_WORKER_TEST_DELAY_MS", "300")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(700));
    nats.restart().unwrap();
    let log = finish(w, Duration::from_secs(120), "worker");
    assert_eq!(scans_in(&db).len(), 6, "{log}");
}

#[test]
fn workers_back_off_while_the_database_is_down_and_resume() {
    let Some((nats, mut pg)) = servers() else {
        return;
    };
    let db = pg.url();
    let packages = three_packages();
    // One job done while the database is up: the worker holds an open connection.
    submit(&nats, &packages[..1], &[]);
    let w = worker(&nats, &db, &["--exit-when-idle", "6", "--ack-wait", "3"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while scans_in(&db).is_empty() {
        assert!(Instant::now() < deadline, "the first job was not stored");
        std::thread::sleep(Duration::from_millis(100));
    }
    // Then the database goes away while more work arrives.
    pg.stop().unwrap();
    submit(&nats, &packages[1..], &[]);
    std::thread::sleep(Duration::from_secs(6));
    pg.start_again().unwrap();
    let log = finish(w, Duration::from_secs(120), "worker");
    assert!(log.contains("database unavailable"), "{log}");
    assert!(
        log.contains("3 processed, 0 failed, 0 dead-lettered"),
        "an outage costs no deliveries: {log}"
    );
    assert_eq!(scans_in(&db).len(), 3, "{log}");
}

#[test]
fn poison_jobs_end_in_the_dead_letter_stream_with_their_error() {
    let Some((nats, pg)) = servers() else { return };
    let db = pg.url();
    let dir = tempfile::tempdir().unwrap();
    let corrupt: PathBuf = dir.path().join("corrupt-1.0.0.tgz");
    std::fs::write(
        &corrupt,
        b"\x1f\x8b\x08\x00this is not a gzip stream at all",
    )
    .unwrap();
    submit(
        &nats,
        &[corrupt.display().to_string(), "npm:???".into()],
        &["--max-deliver", "2", "--offline"],
    );
    let w = worker(
        &nats,
        &db,
        &["--exit-when-idle", "3", "--max-deliver", "2", "--offline"],
    )
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let log = finish(w, Duration::from_secs(120), "worker");
    let mut cfg = telltale_queue::QueueConfig::new(&nats.url());
    cfg.max_deliver = 2;
    let dead = telltale_queue::dead_letters(&cfg).unwrap();
    assert_eq!(dead.len(), 2, "{dead:?}\n{log}");
    for d in &dead {
        assert_eq!(d.deliveries, 2, "{d:?}");
        assert!(!d.error.is_empty());
    }
    let corrupt_letter = dead
        .iter()
        .find(|d| d.job.spec.ends_with("corrupt-1.0.0.tgz"))
        .expect("the corrupt tarball");
    assert!(
        corrupt_letter.error.to_lowercase().contains("gzip")
            || corrupt_letter.error.contains("corrupt")
            || corrupt_letter.error.contains("deflate"),
        "{corrupt_letter:?}"
    );
    let bad_spec = dead
        .iter()
        .find(|d| d.job.spec == "npm:???")
        .expect("the bad spec");
    assert!(bad_spec.error.contains("???"), "{bad_spec:?}");
    assert!(
        scans_in(&db).iter().all(|(p, _)| p != "lodash"),
        "nothing else was stored"
    );
}

#[test]
fn sigterm_hands_the_running_job_back_and_another_worker_finishes_it() {
    let Some((nats, pg)) = servers() else { return };
    let db = pg.url();
    submit(&nats, &three_packages()[..1], &[]);
    let a = worker(&nats, &db, &["--shutdown-grace", "1"])
        .env("TELLTALE_WORKER_TEST_DELAY_MS", "20000")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(3));
    let stopped = Instant::now();
    nix_kill(a.id(), "TERM");
    let log = finish(a, Duration::from_secs(15), "worker A after SIGTERM");
    assert!(stopped.elapsed() < Duration::from_secs(10), "{log}");
    assert!(
        log.contains("0 processed") && log.contains("1 handed back"),
        "{log}"
    );
    assert!(scans_in(&db).is_empty());
    let b = worker(&nats, &db, &["--exit-when-idle", "2"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let log = finish(b, Duration::from_secs(60), "worker B");
    assert_eq!(scans_in(&db).len(), 1, "{log}");
}

fn nix_kill(pid: u32, signal: &str) {
    let status = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.to_string())
        .status()
        .unwrap();
    assert!(status.success());
}
