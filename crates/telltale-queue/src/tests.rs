//! The queue against a real `nats-server -js` (one per test, see `testing.rs`): layout,
//! de-duplication, workers, retries, dead letters, progress acks, shutdown, server restarts.
//! Every worker runs under a deadline, so a broken queue fails a test instead of hanging it.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::*;
use crate::testing::TestNats;
use crate::worker::retry_backoff;

fn config(nats: &TestNats) -> QueueConfig {
    let mut cfg = QueueConfig::new(&nats.url());
    cfg.ack_wait = Duration::from_secs(2);
    // Names of this server's own: a worker of another test that reconnects here (its port
    // reused while it restarts its server) finds nothing to take.
    let id = nats.id();
    cfg.jobs_stream = format!("TELLTALE_JOBS_{id}");
    cfg.consumer = format!("telltale-workers-{id}");
    cfg.dead_stream = format!("TELLTALE_DEAD_{id}");
    cfg.jobs_subject_prefix = format!("telltale.jobs.{id}");
    cfg.dead_subject_prefix = format!("telltale.dead.{id}");
    cfg
}

fn jobs(n: usize, name: &str) -> Vec<Job> {
    (0..n)
        .map(|i| Job::new(&format!("npm:{name}{i}@1.0.{i}")))
        .collect()
}

fn options(name: &str) -> WorkerOptions {
    WorkerOptions {
        concurrency: 4,
        name: name.to_string(),
        exit_when_idle: Some(Duration::from_millis(1500)),
        shutdown_grace: Duration::from_secs(1),
        handle_signals: false,
        pull_wait: Duration::from_millis(500),
    }
}

type Seen = Arc<Mutex<Vec<(String, i64)>>>;

/// A closure recording (job id, delivery) and then doing what `outcome` says.
fn recorder(
    seen: &Seen,
    outcome: impl Fn(&Job, &JobContext) -> Result<(), JobError> + Send + Sync + 'static,
) -> impl Fn(&Job, &JobContext) -> Result<(), JobError> + Send + Sync + 'static {
    let seen = seen.clone();
    move |job, ctx| {
        seen.lock().unwrap().push((job.id.clone(), ctx.delivery));
        outcome(job, ctx)
    }
}

/// Run a worker on its own thread; past `limit` the shutdown flag is set, and a worker that
/// still has not returned 15 s later fails the test.
fn run_bounded<F>(
    cfg: &QueueConfig,
    opts: &WorkerOptions,
    f: F,
    shutdown: Arc<AtomicBool>,
    limit: Duration,
) -> WorkerSummary
where
    F: Fn(&Job, &JobContext) -> Result<(), JobError> + Send + Sync + 'static,
{
    let (cfg2, opts2, flag) = (cfg.clone(), opts.clone(), shutdown.clone());
    let handle = std::thread::spawn(move || run_worker(&cfg2, &opts2, f, flag));
    let start = Instant::now();
    while !handle.is_finished() {
        if start.elapsed() > limit {
            shutdown.store(true, Ordering::SeqCst);
        }
        assert!(
            start.elapsed() < limit + Duration::from_secs(15),
            "worker {} hung",
            opts.name
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let summary = handle
        .join()
        .expect("worker thread panicked")
        .expect("worker failed");
    assert!(
        start.elapsed() <= limit,
        "worker {} did not finish within {limit:?}: {summary:?}",
        opts.name
    );
    summary
}

fn ids(seen: &Seen) -> Vec<String> {
    let mut ids: Vec<String> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|(id, _)| id.clone())
        .collect();
    ids.sort();
    ids
}

fn publish_raw(cfg: &QueueConfig, subject: &str, payload: &'static [u8]) {
    block_on(async {
        let js = connect(cfg).await?;
        ensure_on(&js, cfg).await?;
        let ack = js
            .publish(subject.to_string(), payload.into())
            .await
            .map_err(|e| publish_err(cfg, subject, e))?;
        ack.await.map_err(|e| publish_err(cfg, subject, e))?;
        Ok(())
    })
    .unwrap();
}

#[test]
fn backoff_doubles_and_is_capped() {
    let long = Duration::from_secs(600);
    assert_eq!(retry_backoff(1, long), Duration::from_secs(1));
    assert_eq!(retry_backoff(2, long), Duration::from_secs(2));
    assert_eq!(retry_backoff(3, long), Duration::from_secs(4));
    assert_eq!(retry_backoff(100, long), Duration::from_secs(60));
    // Never as long as the ack deadline.
    assert_eq!(
        retry_backoff(3, Duration::from_secs(2)),
        Duration::from_secs(1)
    );
    assert_eq!(Job::new("pypi:x==1").ecosystem(), "pypi");
    assert_eq!(Job::new("./some/dir").ecosystem(), "file");
}

#[test]
fn unreachable_server_says_what_to_do() {
    let mut cfg = QueueConfig::new("nats://127.0.0.1:1");
    cfg.connect_timeout = Duration::from_secs(2);
    let err = ensure(&cfg).unwrap_err().to_string();
    assert!(
        err.contains("cannot connect to nats://127.0.0.1:1") && err.contains("-js"),
        "{err}"
    );
}

#[test]
fn ensure_submit_stats_and_duplicates() {
    let Some(nats) = TestNats::start_or_skip() else {
        return;
    };
    let cfg = config(&nats);
    ensure(&cfg).unwrap();
    ensure(&cfg).unwrap();
    let batch = jobs(10, "dedupe");
    let first = submit(&cfg, &batch).unwrap();
    assert_eq!(
        first,
        SubmitSummary {
            submitted: 10,
            new: 10,
            duplicates: 0
        }
    );
    assert_eq!(
        stats(&cfg).unwrap(),
        QueueStats {
            waiting: 10,
            in_flight: 0,
            dead_letters: 0
        }
    );
    let again = submit(&cfg, &batch).unwrap();
    assert_eq!(
        again,
        SubmitSummary {
            submitted: 10,
            new: 0,
            duplicates: 10
        }
    );
    assert_eq!(stats(&cfg).unwrap().waiting, 10);
    assert!(dead_letters(&cfg).unwrap().is_empty());
    // A changed setting is applied to the existing layout.
    let mut changed = cfg.clone();
    changed.ack_wait = Duration::from_secs(5);
    ensure(&changed).unwrap();
    let bad = submit(
        &cfg,
        &[Job {
            id: String::new(),
            spec: "npm:x@1".into(),
            submitted_at: now_rfc3339(),
            compare: None,
        }],
    );
    assert!(matches!(bad, Err(QueueError::InvalidJob { .. })));
}

#[test]
fn worker_processes_each_job_once() {
    let Some(nats) = TestNats::start_or_skip() else {
        return;
    };
    let cfg = config(&nats);
    submit(&cfg, &jobs(10, "once")).unwrap();
    let seen = Seen::default();
    // Jobs running at once, and the most seen: never above `concurrency`.
    let running = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let (running2, peak2) = (running.clone(), peak.clone());
    let process = recorder(&seen, move |_, _| {
        let now = running2.fetch_add(1, Ordering::SeqCst) + 1;
        peak2.fetch_max(now, Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(200));
        running2.fetch_sub(1, Ordering::SeqCst);
        Ok(())
    });
    let summary = run_bounded(
        &cfg,
        &options("w"),
        process,
        Default::default(),
        Duration::from_secs(30),
    );
    let peak = peak.load(Ordering::SeqCst);
    assert!(
        (2..=4).contains(&peak),
        "peak concurrency {peak}, want 2..=4"
    );
    let mut expected: Vec<String> = jobs(10, "once").into_iter().map(|j| j.id).collect();
    expected.sort();
    assert_eq!(ids(&seen), expected);
    assert!(seen
        .lock()
        .unwrap()
        .iter()
        .all(|(_, delivery)| *delivery == 1));
    assert_eq!(
        summary,
        WorkerSummary {
            processed: 10,
            ..Default::default()
        }
    );
    assert_eq!(stats(&cfg).unwrap(), QueueStats::default());
}

#[test]
fn progress_acks_keep_a_slow_job_from_redelivery() {
    let Some(nats) = TestNats::start_or_skip() else {
        return;
    };
    let cfg = config(&nats);
    submit(&cfg, &jobs(1, "slow")).unwrap();
    let seen = Seen::default();
    let slow = recorder(&seen, |_, _| {
        std::thread::sleep(Duration::from_secs(6));
        Ok(())
    });
    // A second worker would pick the job up if the first one's ack timer ran out.
    let (cfg2, seen2) = (cfg.clone(), seen.clone());
    let other = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(1));
        let mut opts = options("w2");
        opts.exit_when_idle = Some(Duration::from_secs(8));
        run_bounded(
            &cfg2,
            &opts,
            recorder(&seen2, |_, _| Ok(())),
            Default::default(),
            Duration::from_secs(40),
        )
    });
    let summary = run_bounded(
        &cfg,
        &options("w1"),
        slow,
        Default::default(),
        Duration::from_secs(40),
    );
    let other = other.join().unwrap();
    assert_eq!(
        seen.lock().unwrap().as_slice(),
        &[("npm:slow0@1.0.0".to_string(), 1)]
    );
    assert_eq!(summary.processed, 1);
    assert_eq!(other, WorkerSummary::default());
}

#[test]
fn transient_errors_are_retried_then_dead_lettered() {
    let Some(nats) = TestNats::start_or_skip() else {
        return;
    };
    let mut cfg = config(&nats);
    // Room between the retry delays (1 s, 2 s) and the ack deadline on a loaded machine: at 4 s
    // the server's redelivery timer could still win under a full test run and count a delivery
    // no worker saw.
    cfg.ack_wait = Duration::from_secs(8);
    let batch = vec![
        Job::new("npm:flaky@1"),
        Job::new("npm:missing@1"),
        Job::new("pypi:broken==1"),
    ];
    submit(&cfg, &batch).unwrap();
    let seen = Seen::default();
    let process = recorder(&seen, |job, ctx| match job.id.as_str() {
        "npm:flaky@1" if ctx.delivery < 3 => Err(JobError::transient("registry timed out")),
        "npm:flaky@1" => Ok(()),
        "npm:missing@1" => Err(JobError::permanent("no such package: missing")),
        _ => Err(JobError::transient("always down")),
    });
    let mut opts = options("w");
    opts.exit_when_idle = Some(Duration::from_secs(1));
    let summary = run_bounded(
        &cfg,
        &opts,
        process,
        Default::default(),
        Duration::from_secs(40),
    );
    let seen = seen.lock().unwrap().clone();
    let deliveries = |id: &str| {
        seen.iter()
            .filter(|(i, _)| i == id)
            .map(|(_, d)| *d)
            .collect::<Vec<_>>()
    };
    // The server counts a delivery that was on its way to a pull request the worker had
    // already given up (a batch ended at its deadline on a loaded machine); the job comes
    // back after the ack wait with the next count. So the counts a worker sees rise, start at
    // 1 and end where the job ended, but one in the middle may be missing.
    let rising_to = |d: &[i64], last: i64| {
        d.first() == Some(&1) && d.last() == Some(&last) && d.windows(2).all(|w| w[0] < w[1])
    };
    let flaky = deliveries("npm:flaky@1");
    let broken = deliveries("pypi:broken==1");
    assert!(rising_to(&flaky, 3), "flaky deliveries {flaky:?}");
    assert_eq!(deliveries("npm:missing@1"), [1]);
    assert!(rising_to(&broken, 3), "broken deliveries {broken:?}");
    // Every delivery but the last of each failed transiently (the last succeeded or was
    // dead-lettered).
    let transient_failures = (flaky.len() - 1 + broken.len() - 1) as u64;
    assert_eq!(
        summary,
        WorkerSummary {
            processed: 1,
            failed: transient_failures,
            dead_lettered: 2,
            naked_on_shutdown: 0
        }
    );

    let mut dead = dead_letters(&cfg).unwrap();
    dead.sort_by(|a, b| a.job.id.cmp(&b.job.id));
    assert_eq!(dead.len(), 2, "{dead:?}");
    assert_eq!(dead[0].job, batch[1]);
    assert_eq!(dead[0].error, "no such package: missing");
    assert_eq!(dead[0].deliveries, 1);
    assert_eq!(dead[0].worker, "w");
    assert_eq!(dead[1].job, batch[2]);
    assert_eq!(dead[1].error, "always down");
    assert_eq!(dead[1].deliveries, cfg.max_deliver);
    // Terminated jobs leave the work queue.
    assert_eq!(
        stats(&cfg).unwrap(),
        QueueStats {
            waiting: 0,
            in_flight: 0,
            dead_letters: 2
        }
    );
}

#[test]
fn garbage_payload_is_dead_lettered() {
    let Some(nats) = TestNats::start_or_skip() else {
        return;
    };
    let cfg = config(&nats);
    publish_raw(
        &cfg,
        &format!("{}.npm", cfg.jobs_subject_prefix),
        b"{not a job",
    );
    let seen = Seen::default();
    let summary = run_bounded(
        &cfg,
        &options("w"),
        recorder(&seen, |_, _| Ok(())),
        Default::default(),
        Duration::from_secs(30),
    );
    assert!(seen.lock().unwrap().is_empty());
    assert_eq!(summary.dead_lettered, 1);
    let dead = dead_letters(&cfg).unwrap();
    assert_eq!(dead.len(), 1);
    assert!(
        dead[0].error.starts_with("payload is not a telltale job"),
        "{}",
        dead[0].error
    );
    assert!(dead[0].job.id.starts_with("unparsed:"));
    assert_eq!(dead[0].job.spec, "{not a job");
    assert_eq!(dead[0].deliveries, 1);
}

#[test]
fn all_jobs_survive_a_server_restart() {
    let Some(mut nats) = TestNats::start_or_skip() else {
        return;
    };
    let cfg = config(&nats);
    submit(&cfg, &jobs(20, "restart")).unwrap();
    let seen = Seen::default();
    let done = Arc::new(AtomicUsize::new(0));
    let done2 = done.clone();
    let process = recorder(&seen, move |_, _| {
        std::thread::sleep(Duration::from_millis(300));
        done2.fetch_add(1, Ordering::SeqCst);
        Ok(())
    });
    let mut opts = options("w");
    opts.concurrency = 2;
    opts.exit_when_idle = Some(Duration::from_secs(3));
    let (cfg2, opts2) = (cfg.clone(), opts.clone());
    let worker = std::thread::spawn(move || {
        run_bounded(
            &cfg2,
            &opts2,
            process,
            Default::default(),
            Duration::from_secs(90),
        )
    });
    let start = Instant::now();
    while done.load(Ordering::SeqCst) < 5 {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no progress before the restart"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // Down long enough for acks of running jobs to be lost and pulls to fail.
    nats.stop();
    eprintln!("server stopped after {} jobs", done.load(Ordering::SeqCst));
    std::thread::sleep(Duration::from_secs(2));
    nats.restart().unwrap();
    eprintln!(
        "server restarted after {} jobs",
        done.load(Ordering::SeqCst)
    );
    let summary = worker.join().unwrap();
    assert_eq!(nats.log().matches("Server is ready").count(), 2);
    let mut distinct = ids(&seen);
    distinct.dedup();
    assert_eq!(distinct.len(), 20, "processed: {distinct:?}");
    assert!(summary.processed >= 20, "{summary:?}");
    assert_eq!(stats(&cfg).unwrap(), QueueStats::default());
}

#[test]
fn shutdown_hands_a_long_job_to_another_worker() {
    let Some(nats) = TestNats::start_or_skip() else {
        return;
    };
    let cfg = config(&nats);
    submit(&cfg, &jobs(1, "long")).unwrap();
    let seen = Seen::default();
    let started = Arc::new(AtomicBool::new(false));
    let started2 = started.clone();
    let long = recorder(&seen, move |_, ctx| {
        if ctx.worker == "w1" {
            started2.store(true, Ordering::SeqCst);
            std::thread::sleep(Duration::from_secs(8));
        }
        Ok(())
    });
    let shutdown = Arc::new(AtomicBool::new(false));
    let flag = shutdown.clone();
    std::thread::spawn(move || {
        let start = Instant::now();
        while !started.load(Ordering::SeqCst) && start.elapsed() < Duration::from_secs(20) {
            std::thread::sleep(Duration::from_millis(20));
        }
        flag.store(true, Ordering::SeqCst);
    });
    let mut opts = options("w1");
    opts.exit_when_idle = None;
    opts.shutdown_grace = Duration::from_millis(500);
    let t0 = Instant::now();
    let first = run_bounded(&cfg, &opts, long, shutdown, Duration::from_secs(30));
    assert_eq!(
        first,
        WorkerSummary {
            naked_on_shutdown: 1,
            ..Default::default()
        }
    );
    assert!(
        t0.elapsed() < Duration::from_secs(7),
        "shutdown waited for the job: {:?}",
        t0.elapsed()
    );
    let second = run_bounded(
        &cfg,
        &options("w2"),
        recorder(&seen, |_, _| Ok(())),
        Default::default(),
        Duration::from_secs(10),
    );
    assert_eq!(second.processed, 1);
    assert_eq!(
        seen.lock().unwrap().last(),
        Some(&("npm:long0@1.0.0".to_string(), 2))
    );
    assert_eq!(stats(&cfg).unwrap(), QueueStats::default());
}

#[test]
fn abandoned_job_is_dead_lettered_from_the_advisory() {
    let Some(nats) = TestNats::start_or_skip() else {
        return;
    };
    let mut cfg = config(&nats);
    cfg.max_deliver = 2;
    cfg.ack_wait = Duration::from_secs(1);
    submit(&cfg, &jobs(1, "abandoned")).unwrap();
    // A "worker" that takes the job and dies, every time it is delivered.
    block_on(async {
        let js = connect(&cfg).await?;
        let consumer: async_nats::jetstream::consumer::PullConsumer = js
            .get_consumer_from_stream(&cfg.consumer, &cfg.jobs_stream)
            .await
            .map_err(|e| js_err(&cfg, "consumer", e))?;
        let mut got = 0;
        let deadline = Instant::now() + Duration::from_secs(20);
        while got < cfg.max_deliver && Instant::now() < deadline {
            let mut batch = consumer
                .batch()
                .max_messages(1)
                .expires(Duration::from_millis(500))
                .messages()
                .await
                .map_err(|e| js_err(&cfg, "pull", e))?;
            use futures_util::StreamExt;
            while let Some(msg) = batch.next().await {
                if msg.is_ok() {
                    got += 1;
                }
            }
        }
        assert_eq!(got, cfg.max_deliver);
        Ok(())
    })
    .unwrap();
    // No worker is connected when the last delivery times out and the advisory is sent: it
    // waits in its stream for the worker started afterwards.
    std::thread::sleep(cfg.ack_wait * 3);
    let seen = Seen::default();
    let mut opts = options("w");
    opts.exit_when_idle = Some(Duration::from_secs(3));
    let summary = run_bounded(
        &cfg,
        &opts,
        recorder(&seen, |_, _| Ok(())),
        Default::default(),
        Duration::from_secs(30),
    );
    assert!(seen.lock().unwrap().is_empty());
    assert_eq!(summary.dead_lettered, 1, "{summary:?}");
    let dead = dead_letters(&cfg).unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(
        dead[0].error,
        "delivered 2 times without completing (worker killed or timed out)"
    );
    assert_eq!(dead[0].job.id, "npm:abandoned0@1.0.0");
    assert_eq!(stats(&cfg).unwrap().in_flight, 0);
}
