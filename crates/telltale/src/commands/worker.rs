//! `telltale worker`: take jobs from the queue, scan them, store the results.

use super::args::{scan_options, usage_error, InputArgs, QueueArgs};
use clap::Args;
use std::process::ExitCode;

#[derive(Args)]
pub struct WorkerArgs {
    #[command(flatten)]
    pub queue: QueueArgs,
    /// The store: `postgres://…` or a SQLite path (default: this machine's SQLite store).
    #[arg(long, value_name = "URL")]
    pub db: Option<String>,
    /// Jobs scanned at once.
    #[arg(long, default_value_t = 1)]
    pub concurrency: usize,
    /// Name in logs and dead letters (default: host name and process id).
    #[arg(long)]
    pub name: Option<String>,
    /// Exit once the queue has been empty this many seconds (batch runs, benchmarks).
    #[arg(long, value_name = "SECONDS")]
    pub exit_when_idle: Option<u64>,
    /// On SIGTERM, how long running jobs may still finish before they are handed back.
    #[arg(long, default_value_t = 30, value_name = "SECONDS")]
    pub shutdown_grace: u64,
    #[command(flatten)]
    pub input: InputArgs,
}

pub fn run(args: WorkerArgs) -> ExitCode {
    let WorkerArgs {
        queue,
        db,
        concurrency,
        name,
        exit_when_idle,
        shutdown_grace,
        input,
    } = args;
    let scan = match scan_options(&input) {
        Ok(o) => o,
        Err(e) => return usage_error(&e),
    };
    if let Some(n) = input.threads {
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .stack_size(256 << 20)
            .build_global();
    } else {
        let _ = rayon::ThreadPoolBuilder::new()
            .stack_size(256 << 20)
            .build_global();
    }
    let cfg = queue.config();
    if let Err(e) = telltale_queue::ensure(&cfg) {
        return usage_error(&e.to_string());
    }
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "worker".into());
    let mut opts = telltale_queue::WorkerOptions::new(
        &name.unwrap_or_else(|| format!("{host}-{}", std::process::id())),
    );
    opts.concurrency = concurrency.max(1);
    opts.exit_when_idle = exit_when_idle.map(std::time::Duration::from_secs);
    opts.shutdown_grace = std::time::Duration::from_secs(shutdown_grace);
    let delay = std::env::var("TELLTALE_WORKER_TEST_DELAY_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map(std::time::Duration::from_millis)
        .unwrap_or_default();
    let setup = telltale::fleet::WorkerSetup {
        scan,
        db,
        delay_before_commit: delay,
    };
    match telltale::fleet::run(&cfg, &opts, setup) {
        Ok(sum) => {
            eprintln!(
                "worker {}: {} processed, {} failed, {} dead-lettered, {} handed back",
                opts.name, sum.processed, sum.failed, sum.dead_lettered, sum.naked_on_shutdown
            );
            ExitCode::SUCCESS
        }
        Err(e) => usage_error(&e),
    }
}
