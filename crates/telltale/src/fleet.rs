//! Registry scale: `telltale submit` turns specs, lockfiles and whole version histories into
//! jobs on the NATS JetStream work queue; `telltale worker` scans them with the ordinary
//! pipeline and writes results to the store, idempotently, before the job is acknowledged.
//!
//! A job is acknowledged only after its results are committed. While the database is
//! unreachable the worker keeps the job (the queue extends its ack deadline) and retries
//! with backoff, so an outage costs no delivery attempts; a job that keeps failing to scan
//! ends in the dead-letter stream with its error after the queue's maximum deliveries.

use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use telltale_queue::{Job, JobContext, JobError, QueueConfig, WorkerOptions, WorkerSummary};
use telltale_report::Report;
use telltale_scan::{scan_spec, ScanOptions};
use telltale_store::Store;

/// How long a worker keeps retrying the database for one job before handing it back.
const DATABASE_PATIENCE: Duration = Duration::from_secs(600);

/// Jobs for what the user named: `npm:`/`pypi:` specs and paths as they are, every package
/// a lockfile pins, or every published version of `npm:NAME` (`all_versions`).
pub fn jobs_for(
    items: &[String],
    all_versions: bool,
    opts: &ScanOptions,
) -> Result<Vec<Job>, String> {
    let mut jobs = Vec::new();
    let client = telltale_registry::Client::new(opts.npm.registry.clone());
    for item in items {
        if all_versions {
            let name = item
                .strip_prefix("npm:")
                .ok_or_else(|| format!("--all-versions takes npm:NAME, not `{item}`"))?;
            let name = name
                .split_once('@')
                .filter(|(n, _)| !n.is_empty())
                .map(|(n, _)| n)
                .unwrap_or(name);
            let versions = client.versions(name).map_err(|e| format!("{item}: {e}"))?;
            jobs.extend(
                versions
                    .iter()
                    .map(|v| Job::new(&format!("npm:{name}@{v}"))),
            );
        } else if telltale_registry::lockfile::is_lockfile(item)
            && std::path::Path::new(item).is_file()
        {
            let lock = telltale_registry::lockfile::read(item).map_err(|e| e.to_string())?;
            jobs.extend(
                lock.packages
                    .iter()
                    .map(|p| Job::new(&format!("npm:{}@{}", p.name, p.version))),
            );
        } else if item.starts_with("npm:") || item.starts_with("pypi:") {
            jobs.push(Job::new(item));
        } else {
            // A path is scanned where the worker runs: make it absolute.
            let abs = std::fs::canonicalize(item).map_err(|e| format!("{item}: {e}"))?;
            jobs.push(Job::new(&abs.display().to_string()));
        }
    }
    Ok(jobs)
}

/// What a worker needs besides the queue.
pub struct WorkerSetup {
    pub scan: ScanOptions,
    /// `postgres://…`, a SQLite path, or `None` for the SQLite store on this machine.
    pub db: Option<String>,
    /// Test hook: sleep this long between scanning and committing, so a test can kill a
    /// worker in the middle of a job (`TELLTALE_WORKER_TEST_DELAY_MS`).
    pub delay_before_commit: Duration,
}

/// Run a worker until SIGTERM/SIGINT (or idle, with `exit_when_idle`).
pub fn run(
    cfg: &QueueConfig,
    opts: &WorkerOptions,
    setup: WorkerSetup,
) -> Result<WorkerSummary, String> {
    // One database connection per job slot, opened on first use, dropped after a lost connection.
    let pool: Arc<Mutex<Vec<Store>>> = Arc::new(Mutex::new(Vec::new()));
    let setup = Arc::new(setup);
    let worker_name = opts.name.clone();
    let connections = Arc::clone(&pool);
    // Each job on a plain thread: the PostgreSQL client runs its own runtime and must not be
    // used or dropped on the queue's runtime threads.
    let process = move |job: &Job, ctx: &JobContext| {
        std::thread::scope(|s| {
            let handle = std::thread::Builder::new()
                .stack_size(256 << 20)
                .spawn_scoped(s, || process_job(job, ctx, &setup, &pool, &worker_name));
            match handle {
                Ok(h) => h
                    .join()
                    .unwrap_or_else(|_| Err(JobError::transient("the scan panicked"))),
                Err(e) => Err(JobError::transient(format!(
                    "cannot start a scan thread: {e}"
                ))),
            }
        })
    };
    let summary = telltale_queue::run_worker(cfg, opts, process, Arc::new(AtomicBool::new(false)))
        .map_err(|e| e.to_string());
    // The PostgreSQL client blocks on its own runtime when it closes: close connections here,
    // outside the queue's runtime, not when the closure is dropped inside it.
    drop(std::mem::take(
        &mut *connections.lock().unwrap_or_else(|p| p.into_inner()),
    ));
    summary
}

fn process_job(
    job: &Job,
    ctx: &JobContext,
    setup: &WorkerSetup,
    pool: &Mutex<Vec<Store>>,
    worker: &str,
) -> Result<(), JobError> {
    if let Some(cmp) = &job.compare {
        return process_comparison(job, cmp, ctx, setup, pool, worker);
    }
    let started = Instant::now();
    let targets = scan_spec(&job.spec, &setup.scan);
    let report = Report::new(targets);
    let failed: Vec<String> = report
        .targets
        .iter()
        .filter_map(|t| t.error.as_ref().map(|e| format!("{}: {e}", t.target)))
        .collect();
    if !failed.is_empty() {
        // Registry hiccups pass; a bad spec or a corrupt tarball fails every time and ends in
        // the dead-letter stream after the last delivery, where its failure is stored too.
        if ctx.delivery >= ctx.max_deliver {
            let _ = with_store(setup, pool, |s| {
                for t in report.targets.iter().filter(|t| t.error.is_some()) {
                    crate::history::record(s, t, 0, Some(worker))?;
                }
                Ok(())
            });
        }
        return Err(JobError::transient(failed.join("; ")));
    }
    if !setup.delay_before_commit.is_zero() {
        std::thread::sleep(setup.delay_before_commit);
    }
    let ms = started.elapsed().as_millis() as u64;
    with_store(setup, pool, |s| {
        for t in &report.targets {
            crate::history::record(s, t, ms, Some(worker))?;
        }
        Ok(())
    })
}

/// `telltale watch` on a fleet: scan the new version and the one before it, store both, and
/// leave the alert the watcher's policy decides in the store for the watcher to send. A
/// comparison whose scans keep failing is an alert too (coverage lost), on its last delivery.
fn process_comparison(
    job: &Job,
    cmp: &telltale_queue::Comparison,
    ctx: &JobContext,
    setup: &WorkerSetup,
    pool: &Mutex<Vec<Store>>,
    worker: &str,
) -> Result<(), JobError> {
    let started = Instant::now();
    let (Some((package, new_version)), Some((_, old_version))) = (
        crate::watch::split_spec(&job.spec),
        crate::watch::split_spec(&cmp.previous),
    ) else {
        return Err(JobError::permanent(format!(
            "a comparison takes npm:NAME@VERSION or pypi:NAME==VERSION specs, not `{}` and `{}`",
            job.spec, cmp.previous
        )));
    };
    let policy = serde_json::from_value::<crate::policy::PortablePolicy>(cmp.policy.clone())
        .map_err(|e| e.to_string())
        .and_then(|p| crate::policy::Policy::from_portable(&p))
        .map_err(|e| JobError::permanent(format!("the watcher's policy: {e}")))?;
    let old = Report::new(scan_spec(&cmp.previous, &setup.scan));
    let mut new = Report::new(scan_spec(&job.spec, &setup.scan));
    let key = crate::watch::alert_key(package.ecosystem, &package.name, new_version);
    let failed: Vec<String> = old
        .targets
        .iter()
        .chain(&new.targets)
        .filter_map(|t| t.error.as_ref().map(|e| format!("{}: {e}", t.target)))
        .collect();
    if !failed.is_empty() {
        let error = failed.join("; ");
        if ctx.delivery >= ctx.max_deliver {
            let alert = crate::watch::failure_alert(
                &package,
                old_version,
                new_version,
                &error,
                policy.watch_aspects.as_deref(),
            );
            let _ = with_store(setup, pool, |s| {
                for t in old.targets.iter().chain(&new.targets) {
                    crate::history::record(s, t, 0, Some(worker))?;
                }
                if let Some(a) = &alert {
                    s.queue_alert(&key, &a.to_string())?;
                }
                Ok(())
            });
        }
        return Err(JobError::transient(error));
    }
    let alert = crate::watch::decide(&package, old_version, new_version, &old, &mut new, &policy);
    let ms = started.elapsed().as_millis() as u64;
    // The alert before the scans: a watcher that sees the new version stored finds its alert.
    with_store(setup, pool, |s| {
        if let Some(a) = &alert {
            s.queue_alert(&key, &a.to_string())?;
        }
        for t in old.targets.iter().chain(&new.targets) {
            crate::history::record(s, t, ms, Some(worker))?;
        }
        Ok(())
    })
}

/// Run `f` on a pooled connection, retrying with backoff while the database is unreachable.
fn with_store(
    setup: &WorkerSetup,
    pool: &Mutex<Vec<Store>>,
    f: impl Fn(&mut Store) -> Result<(), telltale_store::StoreError>,
) -> Result<(), JobError> {
    let deadline = Instant::now() + DATABASE_PATIENCE;
    let mut backoff = Duration::from_millis(500);
    loop {
        let conn = pool.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let attempt = match conn {
            Some(s) => Ok(s),
            None => crate::history::open(setup.db.as_deref()),
        }
        .and_then(|mut s| f(&mut s).map(|()| s));
        match attempt {
            Ok(s) => {
                pool.lock().unwrap_or_else(|p| p.into_inner()).push(s);
                return Ok(());
            }
            Err(e) if e.is_transient() && Instant::now() < deadline => {
                eprintln!(
                    "worker: database unavailable ({e}); retrying in {} ms",
                    backoff.as_millis()
                );
                std::thread::sleep(backoff);
                backoff = (backoff * 2).min(Duration::from_secs(15));
            }
            Err(e) if e.is_transient() => {
                return Err(JobError::transient(format!(
                    "database unavailable for {} s: {e}",
                    DATABASE_PATIENCE.as_secs()
                )))
            }
            Err(e) => return Err(JobError::permanent(format!("cannot store the result: {e}"))),
        }
    }
}
