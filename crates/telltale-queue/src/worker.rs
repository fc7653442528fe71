//! The worker loop: pull jobs, run the caller's closure, acknowledge, retry or dead-letter.
//!
//! Delivery is at least once: a job is acknowledged only after its closure returned `Ok` (and
//! the server confirmed the ack), so the closure must be idempotent. The loop pulls exactly as
//! many jobs as it has free slots (`concurrency`), so no job waits in a local buffer while its
//! ack timer runs; each pull is a short batch request, so a lost connection costs one batch
//! and the loop simply pulls again once async-nats has reconnected.
//!
//! Jobs a killed worker left behind come back after `ack_wait` by themselves. A job whose last
//! allowed delivery went to a worker that died is never delivered again; the server then emits
//! a `MAX_DELIVERIES` advisory. The advisories are kept in a stream of their own
//! (`<jobs stream>_ADVISORIES`, durable consumer `telltale-advisories`), so one sent while no
//! worker was connected waits for the next one: a worker reads the job back from the jobs
//! stream (if still there), dead-letters it, deletes it, and only then acknowledges the
//! advisory.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_nats::jetstream::{self, consumer::PullConsumer, AckKind};
use futures_util::StreamExt;
use serde::Deserialize;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::{
    connect, ensure_on, js_err, now_rfc3339, runtime, DeadLetter, Job, JobContext, JobError,
    QueueConfig, QueueError,
};

/// How a worker runs.
#[derive(Clone, Debug)]
pub struct WorkerOptions {
    /// Jobs processed at once (each closure call runs on a blocking thread).
    pub concurrency: usize,
    /// Shown in logs and dead letters.
    pub name: String,
    /// Stop once nothing was delivered, nothing runs and the consumer has nothing waiting or
    /// unacknowledged for this long (benchmarks, tests); `None` runs until shutdown.
    pub exit_when_idle: Option<Duration>,
    /// On shutdown, how long running jobs may still finish (and be acknowledged) before they
    /// are handed back to the queue.
    pub shutdown_grace: Duration,
    /// Shut down on SIGTERM/SIGINT. Tests turn it off, since a handler is process-wide.
    pub handle_signals: bool,
    /// How long one pull request waits on the server for jobs.
    pub pull_wait: Duration,
}

impl WorkerOptions {
    /// One job at a time, no idle exit, 30 s grace, signals handled.
    pub fn new(name: &str) -> WorkerOptions {
        WorkerOptions {
            concurrency: 1,
            name: name.to_string(),
            exit_when_idle: None,
            shutdown_grace: Duration::from_secs(30),
            handle_signals: true,
            pull_wait: Duration::from_secs(1),
        }
    }
}

/// What a worker did before it returned.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WorkerSummary {
    /// Jobs whose closure returned `Ok`.
    pub processed: u64,
    /// Failures handed back for a retry (transient errors, panics, failed dead-letter writes).
    pub failed: u64,
    /// Jobs this worker dead-lettered (including from `MAX_DELIVERIES` advisories).
    pub dead_lettered: u64,
    /// Jobs still running when the shutdown grace ran out, handed back to the queue.
    pub naked_on_shutdown: u64,
}

enum Outcome {
    Processed,
    Failed,
    DeadLettered,
    NakedOnShutdown,
}

impl WorkerSummary {
    fn record(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Processed => self.processed += 1,
            Outcome::Failed => self.failed += 1,
            Outcome::DeadLettered => self.dead_lettered += 1,
            Outcome::NakedOnShutdown => self.naked_on_shutdown += 1,
        }
    }
}

type Process = dyn Fn(&Job, &JobContext) -> Result<(), JobError> + Send + Sync;

/// What every job task needs.
struct Shared {
    cfg: QueueConfig,
    name: String,
    js: jetstream::Context,
    process: Arc<Process>,
    advisory_dead: AtomicU64,
    /// The last error of each job this worker handed back, by stream sequence: a job whose
    /// final delivery is lost and reaches the dead letters by advisory keeps its real error.
    last_errors: std::sync::Mutex<std::collections::HashMap<u64, String>>,
    /// The highest delivery count this worker has taken each job at, by stream sequence,
    /// recorded when the delivery arrives. nats-server 2.9 can report a later delivery as the
    /// first again (seen in CI under load: `pypi:broken==1` delivered 1, 2, then "1" while the
    /// server's advisory counted 3), also while the delivery before it is still running here;
    /// taken at face value it would retry instead of dead-lettering with the job's real error.
    /// The count a worker uses never goes back.
    highest_delivery: std::sync::Mutex<std::collections::HashMap<u64, i64>>,
}

/// Run a worker until shutdown: SIGTERM/SIGINT (with `handle_signals`), the `shutdown` flag,
/// or idle exit. Ensures the layout first (so `cfg.ack_wait`/`max_deliver` apply).
///
/// On shutdown no more jobs are pulled; running jobs get `shutdown_grace` to finish and are
/// acknowledged as usual; those still running then are Nak'd so another worker takes them at
/// once (their closure keeps running on its thread until it returns, but its result is
/// dropped). Transient errors (lost connection, server restart) never end the loop.
pub fn run_worker<F>(
    cfg: &QueueConfig,
    opts: &WorkerOptions,
    process: F,
    shutdown: Arc<AtomicBool>,
) -> Result<WorkerSummary, QueueError>
where
    F: Fn(&Job, &JobContext) -> Result<(), JobError> + Send + Sync + 'static,
{
    if opts.concurrency == 0 {
        return Err(QueueError::Config(
            "worker concurrency must be at least 1".to_string(),
        ));
    }
    let rt = runtime()?;
    let out = rt.block_on(worker_main(
        cfg.clone(),
        opts.clone(),
        Arc::new(process),
        shutdown,
    ));
    // Closures past their grace keep running on their threads: do not wait for them.
    rt.shutdown_background();
    out
}

/// Poll period for the shutdown flag.
const TICK: Duration = Duration::from_millis(100);

async fn worker_main(
    cfg: QueueConfig,
    opts: WorkerOptions,
    process: Arc<Process>,
    shutdown: Arc<AtomicBool>,
) -> Result<WorkerSummary, QueueError> {
    let js = connect(&cfg).await?;
    ensure_on(&js, &cfg).await?;
    let stream = js
        .get_stream(&cfg.jobs_stream)
        .await
        .map_err(|e| js_err(&cfg, &format!("opening stream {}", cfg.jobs_stream), e))?;
    let consumer: PullConsumer = stream
        .get_consumer(&cfg.consumer)
        .await
        .map_err(|e| js_err(&cfg, &format!("opening consumer {}", cfg.consumer), e))?;
    let shared = Arc::new(Shared {
        cfg: cfg.clone(),
        name: opts.name.clone(),
        js: js.clone(),
        process,
        advisory_dead: AtomicU64::new(0),
        last_errors: Default::default(),
        highest_delivery: Default::default(),
    });

    // Advisories are kept in a stream (see `ensure_on`): read them through its durable consumer.
    let advisories: PullConsumer = js
        .get_consumer_from_stream(crate::ADVISORIES_CONSUMER, &crate::advisories_stream(&cfg))
        .await
        .map_err(|e| js_err(&cfg, "opening the max-deliveries advisories", e))?;
    let (advisory_stop, advisory_stop_rx) = watch::channel(false);
    let advisory_task = tokio::spawn(watch_max_deliveries(
        shared.clone(),
        advisories,
        advisory_stop_rx,
    ));

    let signal_task = opts
        .handle_signals
        .then(|| tokio::spawn(wait_for_signal(opts.name.clone(), shutdown.clone())));

    let (abort_tx, abort_rx) = watch::channel(false);
    let mut tasks: JoinSet<Outcome> = JoinSet::new();
    let mut summary = WorkerSummary::default();
    let mut idle_since: Option<Instant> = None;
    let mut pull_errors: u32 = 0;

    loop {
        while let Some(done) = tasks.try_join_next() {
            record(&mut summary, &opts.name, done);
        }
        if shutdown.load(Ordering::SeqCst) {
            break;
        }
        let free = opts.concurrency.saturating_sub(tasks.len());
        if free == 0 {
            tokio::select! {
                Some(done) = tasks.join_next() => record(&mut summary, &opts.name, done),
                _ = tokio::time::sleep(TICK) => {}
            }
            continue;
        }
        let mut batch = match consumer
            .batch()
            .max_messages(free)
            .expires(opts.pull_wait)
            .messages()
            .await
        {
            Ok(batch) => batch,
            Err(e) => {
                pull_errors += 1;
                log_pull_error(&opts.name, pull_errors, &e);
                backoff_sleep(pull_errors, &shutdown).await;
                continue;
            }
        };
        let mut received = 0usize;
        // The server ends the batch at `pull_wait`; this bounds it when that answer is lost
        // (a connection dropped mid-request).
        let batch_deadline = tokio::time::sleep(opts.pull_wait + Duration::from_secs(2));
        tokio::pin!(batch_deadline);
        loop {
            tokio::select! {
                next = batch.next() => match next {
                    Some(Ok(msg)) => {
                        received += 1;
                        pull_errors = 0;
                        if shutdown.load(Ordering::SeqCst) {
                            // Pulled after shutdown began: hand it straight back.
                            let _ = msg.ack_with(AckKind::Nak(None)).await;
                            continue;
                        }
                        tasks.spawn(handle_message(shared.clone(), msg, abort_rx.clone()));
                    }
                    Some(Err(e)) => {
                        pull_errors += 1;
                        log_pull_error(&opts.name, pull_errors, &e);
                        backoff_sleep(pull_errors, &shutdown).await;
                        break;
                    }
                    None => break,
                },
                Some(done) = tasks.join_next(), if !tasks.is_empty() => record(&mut summary, &opts.name, done),
                _ = &mut batch_deadline => break,
            }
        }
        if received > 0 || !tasks.is_empty() {
            idle_since = None;
            continue;
        }
        let since = *idle_since.get_or_insert_with(Instant::now);
        if let Some(limit) = opts.exit_when_idle {
            if since.elapsed() >= limit && queue_drained(&stream, &cfg).await {
                eprintln!("worker {}: queue idle for {:?}, exiting", opts.name, limit);
                break;
            }
        }
    }

    // Shutdown: no more pulls; running jobs get the grace period.
    if !tasks.is_empty() {
        eprintln!(
            "worker {}: shutting down, {} job(s) running, {:?} grace",
            opts.name,
            tasks.len(),
            opts.shutdown_grace
        );
        let grace = tokio::time::sleep(opts.shutdown_grace);
        tokio::pin!(grace);
        loop {
            tokio::select! {
                done = tasks.join_next() => match done {
                    Some(done) => record(&mut summary, &opts.name, done),
                    None => break,
                },
                _ = &mut grace => break,
            }
        }
        let _ = abort_tx.send(true);
        // The tasks now Nak their jobs; each Nak is one publish.
        while let Ok(Some(done)) =
            tokio::time::timeout(Duration::from_secs(10), tasks.join_next()).await
        {
            record(&mut summary, &opts.name, done);
        }
    }
    // Let a dead letter being written for an advisory finish rather than cut it off.
    let _ = advisory_stop.send(true);
    if tokio::time::timeout(Duration::from_secs(10), advisory_task)
        .await
        .is_err()
    {
        eprintln!(
            "worker {}: gave up waiting for an advisory dead letter",
            opts.name
        );
    }
    if let Some(task) = signal_task {
        task.abort();
    }
    // Make sure the last acks and Naks left the socket before the runtime goes away.
    let _ = tokio::time::timeout(Duration::from_secs(5), js.client().flush()).await;
    summary.dead_lettered += shared.advisory_dead.load(Ordering::SeqCst);
    Ok(summary)
}

fn record(summary: &mut WorkerSummary, name: &str, done: Result<Outcome, tokio::task::JoinError>) {
    match done {
        Ok(outcome) => summary.record(outcome),
        Err(e) => eprintln!("worker {name}: job task ended abnormally: {e}"),
    }
}

fn log_pull_error(name: &str, errors: u32, e: &dyn std::fmt::Display) {
    // First error of a streak, then every 10th: a long outage must not flood the log.
    if errors == 1 || errors.is_multiple_of(10) {
        eprintln!("worker {name}: pulling jobs failed ({errors} in a row), retrying: {e}");
    }
}

/// 250 ms doubling to 5 s; wakes early on shutdown.
async fn backoff_sleep(errors: u32, shutdown: &AtomicBool) {
    let wait = Duration::from_millis(250u64 << errors.min(5).saturating_sub(1))
        .min(Duration::from_secs(5));
    let until = Instant::now() + wait;
    while Instant::now() < until && !shutdown.load(Ordering::SeqCst) {
        tokio::time::sleep(TICK.min(until.saturating_duration_since(Instant::now()))).await;
    }
}

/// Whether the consumer has nothing left: none waiting, none unacknowledged (which includes
/// jobs Nak'd with a delay and jobs held by other workers). An unreadable state is not empty.
async fn queue_drained(stream: &jetstream::stream::Stream, cfg: &QueueConfig) -> bool {
    match stream.consumer_info(&cfg.consumer).await {
        Ok(info) => info.num_pending == 0 && info.num_ack_pending == 0,
        Err(_) => false,
    }
}

async fn wait_for_signal(name: String, shutdown: Arc<AtomicBool>) {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                term.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {},
        _ = term => {},
    }
    eprintln!("worker {name}: signal received, shutting down");
    shutdown.store(true, Ordering::SeqCst);
}

/// Retry delay after a transient failure on `delivery`: 1 s, 2 s, 4 s, … capped at 60 s and
/// at half of `ack_wait`. A Nak delay as long as the ack deadline races the server's own
/// redelivery timer: nats-server 2.9 then counted a delivery that never reached a worker
/// (seen in `transient_errors_are_retried_then_dead_lettered` under load).
pub(crate) fn retry_backoff(delivery: i64, ack_wait: Duration) -> Duration {
    let exp = (delivery.max(1) - 1).min(6) as u32;
    Duration::from_secs(1u64 << exp)
        .min(Duration::from_secs(60))
        .min(ack_wait / 2)
}

async fn handle_message(
    shared: Arc<Shared>,
    msg: jetstream::Message,
    mut abort: watch::Receiver<bool>,
) -> Outcome {
    let name = &shared.name;
    let (seq, delivery) = match msg.info() {
        Ok(info) => {
            let seq = info.stream_sequence;
            let delivery = match shared.highest_delivery.lock() {
                Ok(mut highest) => take_delivery(&mut highest, seq, info.delivered),
                Err(_) => info.delivered.max(1),
            };
            (seq, delivery)
        }
        Err(e) => {
            // Without a valid reply subject the message cannot be acknowledged at all.
            eprintln!(
                "worker {name}: message on {} has no JetStream metadata ({e}); ignored",
                msg.subject
            );
            return Outcome::Failed;
        }
    };
    let max_deliver = shared.cfg.max_deliver;
    let job = match serde_json::from_slice::<Job>(&msg.payload) {
        Ok(job) if !job.id.is_empty() => job,
        parsed => {
            let reason = match parsed {
                Ok(_) => "the job id is empty".to_string(),
                Err(e) => e.to_string(),
            };
            let job = unparsed_job(seq, &msg.payload);
            let eco = subject_ecosystem(&msg.subject);
            return dead_letter(
                &shared,
                &msg,
                job,
                eco,
                format!("payload is not a telltale job: {reason}"),
                delivery,
                seq,
            )
            .await;
        }
    };
    let ctx = JobContext {
        delivery,
        max_deliver,
        stream_sequence: seq,
        worker: name.clone(),
    };
    let started = Instant::now();
    let mut running = {
        let process = shared.process.clone();
        let (job, ctx) = (job.clone(), ctx.clone());
        tokio::task::spawn_blocking(move || process(&job, &ctx))
    };
    // Progress acks every third of ack_wait keep a long scan from being redelivered.
    let period = (shared.cfg.ack_wait / 3).max(Duration::from_millis(100));
    let mut progress = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    let mut abort_open = true;
    let result = loop {
        tokio::select! {
            result = &mut running => break result,
            _ = progress.tick() => {
                if let Err(e) = msg.ack_with(AckKind::Progress).await {
                    eprintln!("worker {name}: progress ack for {} failed: {e}", job.id);
                }
            }
            changed = abort.changed(), if abort_open => {
                if changed.is_err() {
                    abort_open = false;
                } else if *abort.borrow() {
                    if let Err(e) = msg.ack_with(AckKind::Nak(None)).await {
                        eprintln!("worker {name}: handing back {} failed: {e}; it returns after ack_wait", job.id);
                    }
                    eprintln!(
                        "worker {name}: naked on shutdown {} (still running after {} ms)",
                        job.id,
                        started.elapsed().as_millis()
                    );
                    return Outcome::NakedOnShutdown;
                }
            }
        }
    };
    let ms = started.elapsed().as_millis();
    let error = match result {
        Ok(Ok(())) => {
            if let Err(e) = msg.double_ack().await {
                // The job is done; if the ack really was lost the job runs again (idempotent).
                eprintln!("worker {name}: ok {} ({ms} ms) but the ack was not confirmed: {e}; it may run again", job.id);
            } else {
                eprintln!("worker {name}: ok {} ({ms} ms)", job.id);
            }
            return Outcome::Processed;
        }
        Ok(Err(e)) => e,
        Err(join) => JobError::transient(format!("the job panicked: {}", panic_text(join))),
    };
    if error.permanent || delivery >= max_deliver {
        let eco = job.ecosystem();
        return dead_letter(&shared, &msg, job, eco, error.message, delivery, seq).await;
    }
    if let Ok(mut last) = shared.last_errors.lock() {
        // Bounded: a long-running worker forgets the oldest-looking half when it grows large.
        if last.len() > 10_000 {
            let cut = seq.saturating_sub(5_000);
            last.retain(|&k, _| k >= cut);
        }
        last.insert(seq, error.message.clone());
    }
    let backoff = retry_backoff(delivery, shared.cfg.ack_wait);
    if let Err(e) = msg.ack_with(AckKind::Nak(Some(backoff))).await {
        eprintln!(
            "worker {name}: nak of {} failed: {e}; it returns after ack_wait",
            job.id
        );
    }
    eprintln!(
        "worker {name}: retry {} (delivery {delivery}/{max_deliver}, {ms} ms, next in {} s): {}",
        job.id,
        backoff.as_secs(),
        error.message
    );
    Outcome::Failed
}

/// The delivery count to run a job at: the server's, but never at or below one this worker
/// already took the same stream sequence at (see `Shared::highest_delivery`), and recorded.
fn take_delivery(
    highest: &mut std::collections::HashMap<u64, i64>,
    seq: u64,
    reported: i64,
) -> i64 {
    // Bounded: a long-running worker forgets the oldest-looking half when it grows large.
    if highest.len() > 10_000 {
        let cut = seq.saturating_sub(5_000);
        highest.retain(|&k, _| k >= cut);
    }
    let mut delivery = reported.max(1);
    if let Some(&before) = highest.get(&seq) {
        delivery = delivery.max(before + 1);
    }
    highest.insert(seq, delivery);
    delivery
}

fn panic_text(join: tokio::task::JoinError) -> String {
    match join.try_into_panic() {
        Ok(payload) => payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "non-text panic".to_string()),
        Err(e) => e.to_string(),
    }
}

/// A stand-in job for a payload that is not one, keeping (the start of) the payload.
fn unparsed_job(seq: u64, payload: &[u8]) -> Job {
    let text = String::from_utf8_lossy(&payload[..payload.len().min(1000)]).into_owned();
    Job {
        id: format!("unparsed:{seq}"),
        spec: text,
        submitted_at: String::new(),
        compare: None,
    }
}

/// The last subject token when it is a plain word, for dead letters of unparsable jobs.
fn subject_ecosystem(subject: &str) -> &'static str {
    match subject.rsplit('.').next() {
        Some("npm") => "npm",
        Some("pypi") => "pypi",
        Some("file") => "file",
        _ => "unknown",
    }
}

/// Publish a dead letter (awaiting its publish ack), then terminate the message. If the dead
/// letter cannot be stored the job is Nak'd instead, so it is not lost.
async fn dead_letter(
    shared: &Shared,
    msg: &jetstream::Message,
    job: Job,
    eco: &str,
    error: String,
    delivery: i64,
    seq: u64,
) -> Outcome {
    let name = &shared.name;
    let id = job.id.clone();
    match publish_dead_letter(shared, job, eco, error.clone(), delivery, seq).await {
        Ok(_) => {
            if let Err(e) = msg.ack_with(AckKind::Term).await {
                eprintln!("worker {name}: terminating {id} failed: {e}");
            }
            eprintln!(
                "worker {name}: dead {id} (delivery {delivery}/{}): {error}",
                shared.cfg.max_deliver
            );
            Outcome::DeadLettered
        }
        Err(e) => {
            let backoff = retry_backoff(delivery, shared.cfg.ack_wait);
            eprintln!("worker {name}: could not dead-letter {id}: {e}; handing it back");
            let _ = msg.ack_with(AckKind::Nak(Some(backoff))).await;
            Outcome::Failed
        }
    }
}

async fn publish_dead_letter(
    shared: &Shared,
    job: Job,
    eco: &str,
    error: String,
    deliveries: i64,
    seq: u64,
) -> Result<bool, String> {
    let letter = DeadLetter {
        job,
        error,
        deliveries,
        worker: shared.name.clone(),
        at: now_rfc3339(),
    };
    let payload = serde_json::to_vec(&letter).map_err(|e| e.to_string())?;
    let subject = format!("{}.{}", shared.cfg.dead_subject_prefix, eco);
    // One id per jobs-stream message: workers racing on one advisory store it once.
    let msg = jetstream::message::PublishMessage::build()
        .payload(payload.into())
        .message_id(format!("{}:{seq}", shared.cfg.jobs_stream));
    let ack = shared
        .js
        .send_publish(subject, msg)
        .await
        .map_err(|e| e.to_string())?;
    let ack = ack.await.map_err(|e| e.to_string())?;
    Ok(!ack.duplicate)
}

#[derive(Deserialize)]
struct MaxDeliveriesAdvisory {
    stream_seq: u64,
    deliveries: i64,
}

/// Dead-letter jobs whose last delivery went to a worker that never answered.
/// Handles one advisory at a time; `stop` is only looked at between them.
async fn watch_max_deliveries(
    shared: Arc<Shared>,
    advisories: PullConsumer,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        // The message stream ends or fails across server restarts: open it again.
        let mut messages = match advisories.messages().await {
            Ok(m) => m,
            Err(_) => {
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(1)) => continue,
                    _ = stop.changed() => return,
                }
            }
        };
        loop {
            let msg = tokio::select! {
                msg = messages.next() => match msg {
                    Some(Ok(msg)) => msg,
                    Some(Err(_)) | None => break,
                },
                _ = stop.changed() => return,
            };
            let Ok(advisory) = serde_json::from_slice::<MaxDeliveriesAdvisory>(&msg.payload) else {
                let _ = msg.ack().await;
                continue;
            };
            match dead_letter_abandoned(&shared, advisory.stream_seq, advisory.deliveries).await {
                Ok(()) => {
                    let _ = msg.ack().await;
                }
                Err(e) => {
                    eprintln!(
                        "worker {}: could not dead-letter abandoned job at sequence {}: {e}",
                        shared.name, advisory.stream_seq
                    );
                    let _ = msg
                        .ack_with(AckKind::Nak(Some(Duration::from_secs(5))))
                        .await;
                }
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(500)) => {}
            _ = stop.changed() => return,
        }
    }
}

async fn dead_letter_abandoned(shared: &Shared, seq: u64, deliveries: i64) -> Result<(), String> {
    let stream = shared
        .js
        .get_stream(&shared.cfg.jobs_stream)
        .await
        .map_err(|e| e.to_string())?;
    let msg = match stream.get_raw_message(seq).await {
        Ok(msg) => msg,
        // Already acknowledged, or dead-lettered by another worker.
        Err(e) if e.kind() == jetstream::stream::RawMessageErrorKind::NoMessageFound => {
            return Ok(())
        }
        Err(e) => return Err(e.to_string()),
    };
    let (job, eco) = match serde_json::from_slice::<Job>(&msg.payload) {
        Ok(job) => {
            let eco = job.ecosystem();
            (job, eco)
        }
        Err(_) => (
            unparsed_job(seq, &msg.payload),
            subject_ecosystem(&msg.subject),
        ),
    };
    let id = job.id.clone();
    let known = shared
        .last_errors
        .lock()
        .ok()
        .and_then(|mut m| m.remove(&seq));
    let error = match known {
        Some(e) => format!("{e} (then delivered {deliveries} times without completing)"),
        None => {
            format!("delivered {deliveries} times without completing (worker killed or timed out)")
        }
    };
    if !publish_dead_letter(shared, job, eco, error.clone(), deliveries, seq).await? {
        // Another worker got the same advisory first.
        return Ok(());
    }
    // A work-queue stream keeps an unacknowledged message forever: remove it.
    if let Err(e) = stream.delete_message(seq).await {
        eprintln!(
            "worker {}: dead-lettered {id} but could not delete it from the stream: {e}",
            shared.name
        );
    }
    shared.advisory_dead.fetch_add(1, Ordering::SeqCst);
    eprintln!("worker {}: dead {id} (abandoned): {error}", shared.name);
    Ok(())
}

#[cfg(test)]
mod delivery_tests {
    use super::take_delivery;

    #[test]
    fn a_delivery_count_reported_again_never_goes_back() {
        let mut highest = Default::default();
        assert_eq!(take_delivery(&mut highest, 7, 1), 1);
        assert_eq!(take_delivery(&mut highest, 7, 2), 2);
        // "1" again while delivery 2 still runs (the server had counted 3).
        assert_eq!(take_delivery(&mut highest, 7, 1), 3);
        // A count the worker never saw is taken as reported.
        assert_eq!(take_delivery(&mut highest, 7, 5), 5);
        // Other jobs keep their own counts.
        assert_eq!(take_delivery(&mut highest, 8, 1), 1);
        // Bounded memory: the oldest sequences are forgotten.
        for seq in 100..10_102 {
            take_delivery(&mut highest, seq, 1);
        }
        assert!(highest.len() <= 10_001, "{}", highest.len());
    }
}
