//! A durable job queue for telltale scans on NATS JetStream.
//!
//! `telltale submit` publishes one [`Job`] per package version; `telltale worker` pulls them and
//! runs the caller's closure (the scan and the database write live in the CLI, not here). The
//! queue gives at-least-once delivery: a job is acknowledged only after its closure returned
//! `Ok`, so the closure must be idempotent. Jobs that fail permanently, or too often, become
//! [`DeadLetter`]s in a second stream where they stay inspectable.
//!
//! Every entry point is blocking and owns a private tokio runtime, so the CLI stays synchronous.
//!
//! JetStream layout (created or updated idempotently by [`ensure`]):
//! - stream `TELLTALE_JOBS`, subjects `telltale.jobs.>`, work-queue retention, file storage,
//!   2-minute duplicate window (jobs are published with `Nats-Msg-Id` = job id);
//! - durable pull consumer `telltale-workers`, explicit ack, `ack_wait`, `max_deliver`;
//! - stream `TELLTALE_DEAD`, subjects `telltale.dead.>`, limits retention, file storage.

use std::future::Future;
use std::time::Duration;

use async_nats::jetstream::{self, consumer, stream};
use serde::{Deserialize, Serialize};

mod worker;

#[cfg(any(test, feature = "testing"))]
pub mod testing;

#[cfg(test)]
mod tests;

pub use worker::{run_worker, WorkerOptions, WorkerSummary};

/// Where the queue lives and how it behaves. [`QueueConfig::new`] gives the defaults.
#[derive(Clone, Debug)]
pub struct QueueConfig {
    /// NATS server URL, e.g. `nats://127.0.0.1:4222`.
    pub url: String,
    /// Name of the jobs stream (`TELLTALE_JOBS`).
    pub jobs_stream: String,
    /// Name of the durable pull consumer the workers share (`telltale-workers`).
    pub consumer: String,
    /// Name of the dead-letter stream (`TELLTALE_DEAD`).
    pub dead_stream: String,
    /// Subject prefix of jobs (`telltale.jobs`); a job goes to `<prefix>.<ecosystem>`.
    pub jobs_subject_prefix: String,
    /// Subject prefix of dead letters (`telltale.dead`).
    pub dead_subject_prefix: String,
    /// How long the server waits for an ack before redelivering (workers send progress acks
    /// every third of it while a job runs).
    pub ack_wait: Duration,
    /// Deliveries of one job before it is dead-lettered.
    pub max_deliver: i64,
    /// Limit on the initial connection.
    pub connect_timeout: Duration,
    /// Duplicate window of the jobs stream: a job id published again within it is not stored.
    pub duplicate_window: Duration,
}

impl QueueConfig {
    /// The default layout on the server at `url`: ack wait 30 s, 3 deliveries, 5 s connect
    /// timeout, 2-minute duplicate window.
    pub fn new(url: &str) -> QueueConfig {
        QueueConfig {
            url: url.to_string(),
            jobs_stream: "TELLTALE_JOBS".to_string(),
            consumer: "telltale-workers".to_string(),
            dead_stream: "TELLTALE_DEAD".to_string(),
            jobs_subject_prefix: "telltale.jobs".to_string(),
            dead_subject_prefix: "telltale.dead".to_string(),
            ack_wait: Duration::from_secs(30),
            max_deliver: 3,
            connect_timeout: Duration::from_secs(5),
            duplicate_window: Duration::from_secs(120),
        }
    }
}

/// One package version to scan.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Job {
    /// Stable identity, used for de-duplication: e.g. `npm:lodash@4.17.21`.
    pub id: String,
    /// What to scan: `npm:lodash@4.17.21`, `pypi:x==1`, or a path.
    pub spec: String,
    /// When it was submitted, RFC 3339.
    pub submitted_at: String,
    /// Set by `telltale watch` on a fleet: compare the scanned version with an earlier one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compare: Option<Comparison>,
}

/// A new version to compare with the version before it, as `telltale watch` asks a fleet's
/// worker to: both are scanned and stored, and the alert the watcher's policy decides is
/// left in the store for the watcher to send.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Comparison {
    /// The version before it: `npm:name@1.0.0`.
    pub previous: String,
    /// The watcher's policy as it read it (opaque here: the worker reads it).
    #[serde(default)]
    pub policy: serde_json::Value,
}

impl Job {
    /// A job whose id is its spec, submitted now.
    pub fn new(spec: &str) -> Job {
        Job {
            id: spec.to_string(),
            spec: spec.to_string(),
            submitted_at: now_rfc3339(),
            compare: None,
        }
    }

    /// A job that scans `spec` and compares it with `previous` (ids differ from plain scans
    /// of the same version, so the queue's de-duplication keeps both).
    pub fn comparison(previous: &str, spec: &str, policy: serde_json::Value) -> Job {
        Job {
            id: format!("{spec} since {previous}"),
            compare: Some(Comparison {
                previous: previous.to_string(),
                policy,
            }),
            ..Job::new(spec)
        }
    }

    /// `npm`, `pypi` or `file`: the last token of the job's subject.
    pub fn ecosystem(&self) -> &'static str {
        ecosystem_of(&self.spec)
    }
}

fn ecosystem_of(spec: &str) -> &'static str {
    if spec.starts_with("npm:") {
        "npm"
    } else if spec.starts_with("pypi:") {
        "pypi"
    } else {
        "file"
    }
}

/// What the worker tells the closure about the delivery it is processing.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct JobContext {
    /// 1-based delivery count of this message.
    pub delivery: i64,
    /// The consumer's `max_deliver`: on this delivery a failure is final.
    pub max_deliver: i64,
    /// Sequence of the job in the jobs stream.
    pub stream_sequence: u64,
    /// The worker's name.
    pub worker: String,
}

/// A failed job. `permanent` errors are dead-lettered at once; the others are retried with
/// backoff until `max_deliver`.
#[derive(Debug)]
pub struct JobError {
    pub message: String,
    pub permanent: bool,
}

impl JobError {
    /// An error worth retrying (network, registry down, …).
    pub fn transient(message: impl Into<String>) -> JobError {
        JobError {
            message: message.into(),
            permanent: false,
        }
    }

    /// An error that will not go away (no such package, unreadable archive, …).
    pub fn permanent(message: impl Into<String>) -> JobError {
        JobError {
            message: message.into(),
            permanent: true,
        }
    }
}

impl std::fmt::Display for JobError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// A job that will not be retried, kept in the dead-letter stream.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct DeadLetter {
    pub job: Job,
    pub error: String,
    /// Deliveries it had when it was given up.
    pub deliveries: i64,
    /// Worker that gave it up.
    pub worker: String,
    /// When, RFC 3339.
    pub at: String,
}

/// What [`submit`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SubmitSummary {
    /// Jobs published.
    pub submitted: usize,
    /// Jobs the server stored as new.
    pub new: usize,
    /// Jobs the server dropped as duplicates of one published within the duplicate window.
    pub duplicates: usize,
}

/// The queue's state, from [`stats`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QueueStats {
    /// Jobs not yet delivered to any worker.
    pub waiting: u64,
    /// Jobs delivered and not yet acknowledged (running, or waiting for a retry).
    pub in_flight: u64,
    /// Dead letters kept.
    pub dead_letters: u64,
}

/// Errors of the queue, with what to do about them.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("cannot connect to {url}: {reason}; is nats-server running with -js?")]
    Connect { url: String, reason: String },
    #[error("JetStream {what} failed on {url}: {reason}; is nats-server running with -js (JetStream enabled)?")]
    JetStream {
        url: String,
        what: String,
        reason: String,
    },
    #[error("publishing {what} failed on {url}: {reason}")]
    Publish {
        url: String,
        what: String,
        reason: String,
    },
    #[error("invalid job {id:?}: {reason}")]
    InvalidJob { id: String, reason: String },
    #[error("invalid queue configuration: {0}")]
    Config(String),
    #[error("cannot start the async runtime: {0}")]
    Runtime(String),
}

/// Create or update the streams and the consumer; safe to call any number of times.
pub fn ensure(cfg: &QueueConfig) -> Result<(), QueueError> {
    block_on(async {
        let js = connect(cfg).await?;
        ensure_on(&js, cfg).await
    })
}

/// Publish `jobs` to `<jobs_subject_prefix>.<ecosystem>`, awaiting each publish ack; returns
/// how many the server stored as new (a job id published again within the duplicate window
/// is not). Ensures the layout first.
pub fn submit(cfg: &QueueConfig, jobs: &[Job]) -> Result<SubmitSummary, QueueError> {
    for job in jobs {
        validate_id(&job.id)?;
    }
    block_on(async {
        let js = connect(cfg).await?;
        ensure_on(&js, cfg).await?;
        let mut summary = SubmitSummary::default();
        // Publishes are pipelined in chunks; every ack is awaited before returning.
        for chunk in jobs.chunks(256) {
            let mut acks = Vec::with_capacity(chunk.len());
            for job in chunk {
                let payload = serde_json::to_vec(job).map_err(|e| QueueError::InvalidJob {
                    id: job.id.clone(),
                    reason: e.to_string(),
                })?;
                let subject = format!("{}.{}", cfg.jobs_subject_prefix, job.ecosystem());
                let msg = jetstream::message::PublishMessage::build()
                    .payload(payload.into())
                    .message_id(&job.id);
                let ack = js
                    .send_publish(subject, msg)
                    .await
                    .map_err(|e| publish_err(cfg, &job.id, e))?;
                acks.push((job, ack));
            }
            for (job, ack) in acks {
                let ack = ack.await.map_err(|e| publish_err(cfg, &job.id, e))?;
                summary.submitted += 1;
                if ack.duplicate {
                    summary.duplicates += 1;
                } else {
                    summary.new += 1;
                }
            }
        }
        Ok(summary)
    })
}

/// Jobs waiting and in flight on the consumer, and dead letters kept.
pub fn stats(cfg: &QueueConfig) -> Result<QueueStats, QueueError> {
    block_on(async {
        let js = connect(cfg).await?;
        stats_on(&js, cfg).await
    })
}

/// Every dead letter kept, oldest first. A message that is not a [`DeadLetter`] (published by
/// hand) is skipped.
pub fn dead_letters(cfg: &QueueConfig) -> Result<Vec<DeadLetter>, QueueError> {
    block_on(async {
        let js = connect(cfg).await?;
        let stream = js
            .get_stream(&cfg.dead_stream)
            .await
            .map_err(|e| js_err(cfg, &format!("opening stream {}", cfg.dead_stream), e))?;
        let state = stream.cached_info().state.clone();
        let mut out = Vec::new();
        if state.messages == 0 {
            return Ok(out);
        }
        for seq in state.first_sequence..=state.last_sequence {
            match stream.get_raw_message(seq).await {
                Ok(msg) => {
                    if let Ok(dead) = serde_json::from_slice::<DeadLetter>(&msg.payload) {
                        out.push(dead);
                    }
                }
                // Deleted sequences leave gaps.
                Err(e) if e.kind() == stream::RawMessageErrorKind::NoMessageFound => {}
                Err(e) => return Err(js_err(cfg, &format!("reading dead letter {seq}"), e)),
            }
        }
        Ok(out)
    })
}

// ---------------------------------------------------------------------------------------------
// Shared plumbing.

/// Run `fut` on a fresh multi-thread runtime; the caller stays synchronous.
pub(crate) fn block_on<T>(
    fut: impl Future<Output = Result<T, QueueError>>,
) -> Result<T, QueueError> {
    let rt = runtime()?;
    let out = rt.block_on(fut);
    // Do not wait on blocking tasks still running (a closure past its shutdown grace).
    rt.shutdown_background();
    out
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, QueueError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .thread_name("telltale-queue")
        .build()
        .map_err(|e| QueueError::Runtime(e.to_string()))
}

pub(crate) async fn connect(cfg: &QueueConfig) -> Result<jetstream::Context, QueueError> {
    let client = async_nats::ConnectOptions::new()
        .name("telltale")
        .connection_timeout(cfg.connect_timeout)
        // Come back quickly after a server restart; never give up (max_reconnects unset).
        .reconnect_delay_callback(|attempts| {
            Duration::from_millis(100u64.saturating_mul(1 << attempts.min(5)))
                .min(Duration::from_secs(2))
        })
        .connect(cfg.url.as_str())
        .await
        .map_err(|e| QueueError::Connect {
            url: cfg.url.clone(),
            reason: e.to_string(),
        })?;
    Ok(jetstream::new(client))
}

pub(crate) async fn ensure_on(
    js: &jetstream::Context,
    cfg: &QueueConfig,
) -> Result<(), QueueError> {
    if cfg.max_deliver < 1 {
        return Err(QueueError::Config(format!(
            "max_deliver must be at least 1, not {}",
            cfg.max_deliver
        )));
    }
    if cfg.ack_wait < Duration::from_millis(300) {
        return Err(QueueError::Config(format!(
            "ack_wait {:?} is too short (at least 300 ms)",
            cfg.ack_wait
        )));
    }
    js.create_or_update_stream(stream::Config {
        name: cfg.jobs_stream.clone(),
        subjects: vec![format!("{}.>", cfg.jobs_subject_prefix)],
        retention: stream::RetentionPolicy::WorkQueue,
        storage: stream::StorageType::File,
        duplicate_window: cfg.duplicate_window,
        description: Some("telltale scan jobs, one per package version".to_string()),
        ..Default::default()
    })
    .await
    .map_err(|e| js_err(cfg, &format!("creating stream {}", cfg.jobs_stream), e))?;
    js.create_or_update_stream(stream::Config {
        name: cfg.dead_stream.clone(),
        subjects: vec![format!("{}.>", cfg.dead_subject_prefix)],
        retention: stream::RetentionPolicy::Limits,
        storage: stream::StorageType::File,
        // Lets several workers dead-letter one message without doubling it.
        duplicate_window: Duration::from_secs(120),
        description: Some("telltale scan jobs given up, with their error".to_string()),
        ..Default::default()
    })
    .await
    .map_err(|e| js_err(cfg, &format!("creating stream {}", cfg.dead_stream), e))?;
    js.create_consumer_on_stream(
        consumer::pull::Config {
            durable_name: Some(cfg.consumer.clone()),
            description: Some("telltale workers".to_string()),
            ack_policy: consumer::AckPolicy::Explicit,
            ack_wait: cfg.ack_wait,
            max_deliver: cfg.max_deliver,
            filter_subject: format!("{}.>", cfg.jobs_subject_prefix),
            ..Default::default()
        },
        cfg.jobs_stream.as_str(),
    )
    .await
    .map_err(|e| js_err(cfg, &format!("creating consumer {}", cfg.consumer), e))?;
    // The server announces a job that used up its deliveries without an answer (its last
    // worker died) as an advisory. Kept in a stream, it waits for a worker even when none was
    // connected at the time, so no abandoned job is left behind unseen.
    js.create_or_update_stream(stream::Config {
        name: advisories_stream(cfg),
        subjects: vec![max_deliveries_subject(cfg)],
        retention: stream::RetentionPolicy::WorkQueue,
        storage: stream::StorageType::File,
        max_age: Duration::from_secs(14 * 24 * 3600),
        description: Some("max-deliveries advisories of telltale's job consumer".to_string()),
        ..Default::default()
    })
    .await
    .map_err(|e| {
        js_err(
            cfg,
            &format!("creating stream {}", advisories_stream(cfg)),
            e,
        )
    })?;
    js.create_consumer_on_stream(
        consumer::pull::Config {
            durable_name: Some(ADVISORIES_CONSUMER.to_string()),
            description: Some("telltale workers, dead-lettering abandoned jobs".to_string()),
            ack_policy: consumer::AckPolicy::Explicit,
            ack_wait: Duration::from_secs(30),
            ..Default::default()
        },
        advisories_stream(cfg).as_str(),
    )
    .await
    .map_err(|e| js_err(cfg, &format!("creating consumer {ADVISORIES_CONSUMER}"), e))?;
    Ok(())
}

/// The durable consumer workers read advisories through.
pub(crate) const ADVISORIES_CONSUMER: &str = "telltale-advisories";

pub(crate) fn advisories_stream(cfg: &QueueConfig) -> String {
    format!("{}_ADVISORIES", cfg.jobs_stream)
}

pub(crate) fn max_deliveries_subject(cfg: &QueueConfig) -> String {
    format!(
        "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.{}.{}",
        cfg.jobs_stream, cfg.consumer
    )
}

pub(crate) async fn stats_on(
    js: &jetstream::Context,
    cfg: &QueueConfig,
) -> Result<QueueStats, QueueError> {
    let jobs = js
        .get_stream(&cfg.jobs_stream)
        .await
        .map_err(|e| js_err(cfg, &format!("opening stream {}", cfg.jobs_stream), e))?;
    let info = jobs
        .consumer_info(&cfg.consumer)
        .await
        .map_err(|e| js_err(cfg, &format!("reading consumer {}", cfg.consumer), e))?;
    let dead = js
        .get_stream(&cfg.dead_stream)
        .await
        .map_err(|e| js_err(cfg, &format!("opening stream {}", cfg.dead_stream), e))?;
    Ok(QueueStats {
        waiting: info.num_pending,
        in_flight: info.num_ack_pending as u64,
        dead_letters: dead.cached_info().state.messages,
    })
}

fn validate_id(id: &str) -> Result<(), QueueError> {
    let bad = |reason: &str| {
        Err(QueueError::InvalidJob {
            id: id.to_string(),
            reason: reason.to_string(),
        })
    };
    if id.is_empty() {
        return bad("the id is empty");
    }
    if id.chars().any(|c| c.is_control()) {
        return bad("the id contains a control character");
    }
    Ok(())
}

pub(crate) fn js_err(cfg: &QueueConfig, what: &str, e: impl std::fmt::Display) -> QueueError {
    QueueError::JetStream {
        url: cfg.url.clone(),
        what: what.to_string(),
        reason: e.to_string(),
    }
}

pub(crate) fn publish_err(cfg: &QueueConfig, what: &str, e: impl std::fmt::Display) -> QueueError {
    QueueError::Publish {
        url: cfg.url.clone(),
        what: what.to_string(),
        reason: e.to_string(),
    }
}

/// Now as RFC 3339 (UTC).
pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
