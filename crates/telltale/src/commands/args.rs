//! Arguments several commands share: where targets come from, what fails the run, where the
//! queue is, and the output helpers around them.

use clap::{Args, ValueEnum};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use telltale::baseline::Baseline;
use telltale::policy::Policy;
use telltale_report::{Report, TargetReport};
use telltale_rules::Severity;
use telltale_scan::{scan_spec, ScanOptions};

#[derive(Clone, Copy, ValueEnum)]
pub enum Level {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl From<Level> for Severity {
    fn from(l: Level) -> Severity {
        match l {
            Level::Info => Severity::Info,
            Level::Low => Severity::Low,
            Level::Medium => Severity::Medium,
            Level::High => Severity::High,
            Level::Critical => Severity::Critical,
        }
    }
}

/// Text or JSON, for the commands that write no SARIF or HTML.
#[derive(Clone, Copy, PartialEq, ValueEnum)]
pub enum QueryFormat {
    Text,
    Json,
}

/// Where targets come from and the limits on reading them.
#[derive(Args, Clone)]
pub struct InputArgs {
    /// Registry for `npm:` targets (default: npm_config_registry, then `.npmrc`, then the public registry).
    #[arg(long)]
    pub registry: Option<String>,
    /// Python package index for `pypi:` targets, a PEP 691 simple API (default: PIP_INDEX_URL, then https://pypi.org/simple/).
    #[arg(long)]
    pub pypi_index: Option<String>,
    /// Use only the download cache for `npm:` targets.
    #[arg(long)]
    pub offline: bool,
    /// For `npm:` targets, scan the whole install closure (dependencies, the peer and optional
    /// dependencies npm installs, for --platform) as `npm install` resolves it, each package
    /// once, with one combined label for the product first.
    #[arg(long)]
    pub deps: bool,
    /// Platform whose packages `npm:` targets pull in (`linux-x64`, `linux-x64-musl`, `darwin-arm64`, `win32-x64`; default: this machine), or `none`.
    #[arg(long)]
    pub platform: Option<String>,
    /// Limit on uncompressed bytes read from one target (decompression bombs).
    #[arg(long, default_value_t = 1 << 30)]
    pub max_archive_bytes: u64,
    /// Limit on entries in one target.
    #[arg(long, default_value_t = 200_000)]
    pub max_archive_entries: u64,
    /// Limit on the size of one file (larger files are reported, not analysed). Source files
    /// are parsed up to the smaller of this and 256 MiB; executables (Bun builds of CLIs
    /// run to 400 MB) are read whole.
    #[arg(long, default_value_t = 1 << 30)]
    pub max_file_bytes: u64,
    /// Worker threads (default: one per core).
    #[arg(short = 'j', long)]
    pub threads: Option<usize>,
}

/// Where the work queue is.
#[derive(Args)]
pub struct QueueArgs {
    /// NATS server with JetStream (`nats-server -js`).
    #[arg(long, default_value = "nats://127.0.0.1:4222", env = "TELLTALE_NATS")]
    pub nats: String,
    /// Seconds a job may go unacknowledged before it is given to another worker (workers
    /// extend it while a long scan runs).
    #[arg(long, default_value_t = 30, value_name = "SECONDS")]
    pub ack_wait: u64,
    /// Deliveries before a failing job goes to the dead-letter stream (`telltale.dead.*`).
    #[arg(long, default_value_t = 3)]
    pub max_deliver: i64,
}

impl QueueArgs {
    pub fn config(&self) -> telltale_queue::QueueConfig {
        let mut cfg = telltale_queue::QueueConfig::new(&self.nats);
        cfg.ack_wait = std::time::Duration::from_secs(self.ack_wait.max(1));
        cfg.max_deliver = self.max_deliver.max(1);
        cfg
    }
}

/// What fails the run.
#[derive(Args)]
pub struct PolicyArgs {
    /// Policy file (default: `telltale.toml` in the working folder or the nearest one above it).
    #[arg(long, conflicts_with = "no_config")]
    pub config: Option<PathBuf>,
    /// Ignore any `telltale.toml`.
    #[arg(long)]
    pub no_config: bool,
    /// Fail (exit 1) when a finding is at least this severe (overrides `fail-on` in the policy; default high).
    #[arg(long, value_enum)]
    pub fail_on: Option<Level>,
    /// Findings accepted earlier (`telltale baseline`): they do not fail the run.
    #[arg(long)]
    pub baseline: Option<PathBuf>,
}

pub fn usage_error(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(2)
}

/// 1 when the policy fails, else 2 when a target could not be read, else 0.
pub fn exit_status(fails: bool, errors: bool) -> ExitCode {
    if fails {
        ExitCode::from(1)
    } else if errors {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    }
}

pub fn print_target_errors(targets: &[TargetReport]) {
    for t in targets {
        if let Some(e) = &t.error {
            eprintln!("error: {}: {e}", t.target);
        }
    }
}

/// Incomplete coverage never passes silently: one line per target on standard error,
/// whatever the format on standard output.
pub fn print_incomplete(report: &Report) {
    for t in report.incomplete() {
        let fails = t.coverage.policy.as_ref().is_some_and(|v| v.fails);
        eprintln!(
            "{}: {}: coverage INCOMPLETE: {}",
            if fails { "error" } else { "warning" },
            t.target,
            t.coverage.first_gap().unwrap_or_default()
        );
    }
}

pub fn write_out(path: Option<&Path>, text: &str) -> Result<(), String> {
    let written = match path {
        Some(p) => std::fs::write(p, text.as_bytes()),
        None => std::io::stdout().lock().write_all(text.as_bytes()),
    };
    // A reader that stopped reading (`telltale rules | head`) got what it wanted.
    if path.is_none()
        && written
            .as_ref()
            .is_err_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    {
        return Ok(());
    }
    written.map_err(|e| match path {
        Some(p) => format!("cannot write the report to {}: {e}", p.display()),
        None => format!("cannot write the report: {e}"),
    })
}

/// The policy: `--config`, else `telltale.toml` found upward (unless `--no-config`), with
/// `--fail-on` and `--baseline` on top.
pub fn load_policy(args: &PolicyArgs) -> Result<Policy, String> {
    let path = match (&args.config, args.no_config) {
        (Some(p), _) => Some(p.clone()),
        (None, true) => None,
        (None, false) => std::env::current_dir()
            .ok()
            .and_then(|d| telltale::policy::find_config(&d)),
    };
    let mut policy = match path {
        Some(p) => Policy::load(&p)?,
        None => Policy::default(),
    };
    if let Some(level) = args.fail_on {
        policy.set_fail_on(level.into());
    }
    if let Some(b) = &args.baseline {
        policy.set_baseline(Baseline::load(b)?);
    }
    Ok(policy)
}

/// The worker pool is global: set it up once per process.
static POOL: std::sync::Once = std::sync::Once::new();

/// Scan targets into one report.
pub fn scan_all(targets: Vec<String>, input: &InputArgs) -> Result<Report, String> {
    let mut pool_error = None;
    POOL.call_once(|| {
        // Deeply nested code recurses deeply in the parser: give workers room.
        let mut pool = rayon::ThreadPoolBuilder::new().stack_size(256 << 20);
        if let Some(n) = input.threads {
            pool = pool.num_threads(n);
        }
        if let Err(e) = pool.build_global() {
            pool_error = Some(format!("cannot start worker threads: {e}"));
        }
    });
    if let Some(e) = pool_error {
        return Err(e);
    }
    let opts = scan_options(input)?;
    // Run on a big-stack thread too: the main thread's stack is small.
    let handle = std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || {
            targets
                .iter()
                .flat_map(|t| scan_spec(t, &opts))
                .collect::<Vec<_>>()
        });
    match handle.map(|h| h.join()) {
        Ok(Ok(r)) => Ok(Report::new(r)),
        _ => Err("the scan thread failed".into()),
    }
}

pub fn scan_options(input: &InputArgs) -> Result<ScanOptions, String> {
    let mut opts = ScanOptions::default();
    opts.limits.max_total_bytes = input.max_archive_bytes;
    opts.limits.max_entries = input.max_archive_entries;
    opts.limits.max_file_bytes = input.max_file_bytes;
    opts.js.max_parse_bytes = input.max_file_bytes.min(256 << 20) as usize;
    opts.python.max_parse_bytes = input.max_file_bytes.min(256 << 20) as usize;
    if let Some(r) = &input.registry {
        opts.npm.registry.registry = if r.ends_with('/') {
            r.clone()
        } else {
            format!("{r}/")
        };
    }
    if let Some(i) = &input.pypi_index {
        opts.npm.pypi_index = i.clone();
    }
    opts.npm.registry.offline = input.offline;
    opts.deps = input.deps;
    opts.npm.registry.max_tarball_bytes = input.max_archive_bytes;
    match input.platform.as_deref() {
        None => {}
        Some("none") => opts.npm.platform = None,
        Some(p) => match telltale_registry::Platform::parse_checked(p) {
            Ok(p) => opts.npm.platform = Some(p),
            Err(e) => return Err(format!("--platform {e}; use os-cpu[-musl] in npm's words (linux-x64, linux-arm64-musl, darwin-arm64, win32-x64) or none")),
        },
    }
    Ok(opts)
}
