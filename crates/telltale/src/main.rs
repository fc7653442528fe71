//! `telltale`: find hidden tracking, profiling and region targeting in packages.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use telltale::baseline::Baseline;
use telltale::policy::Policy;
use telltale::scan::{scan_spec, ScanOptions};
use telltale_report::{Report, TargetReport};
use telltale_rules::Severity;

const EXIT_CODES: &str = "Exit status: 0 when no finding fails the policy, 1 when one does \
(by default: a finding at or above --fail-on high; `telltale.toml` can deny or allow by rule, \
category, endpoint and country, and accept findings per package or in a baseline), 2 on usage \
or configuration errors or when a target could not be read.";

#[derive(Parser)]
#[command(name = "telltale", version, about = "Finds hidden tracking, profiling and region targeting in the software developers install.", after_help = EXIT_CODES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum Format {
    Text,
    Json,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// One self-contained HTML page for people: label, charts, findings with code frames.
    Html,
}

/// What `diff` writes (an HTML page is for `scan`).
#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum DiffFormat {
    Text,
    Json,
    /// SARIF 2.1.0; results are marked `new` or `absent` in `baselineState`.
    Sarif,
}

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum QueryFormat {
    Text,
    Json,
}

/// The store's shipped questions.
#[derive(Subcommand)]
enum Question {
    /// Packages that gained a region condition (a region finding their previous version lacked) in versions scanned since a date.
    RegionGained {
        /// RFC 3339 date or time (`2026-11-01`).
        #[arg(long)]
        since: String,
    },
    /// Versions that send identity to an endpoint no earlier version of the package sent it to.
    NewIdentityEndpoints {
        #[arg(long)]
        since: Option<String>,
    },
    /// A package's privacy label across its versions (`npm:name`, `pypi:name` or a name).
    LabelHistory { package: String },
    /// The latest scans with their findings by severity.
    Scans {
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Level {
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

/// Where targets come from and the limits on reading them.
#[derive(Args)]
struct InputArgs {
    /// Registry for `npm:` targets (default: npm_config_registry, then `.npmrc`, then the public registry).
    #[arg(long)]
    registry: Option<String>,
    /// Python package index for `pypi:` targets, a PEP 691 simple API (default: PIP_INDEX_URL, then https://pypi.org/simple/).
    #[arg(long)]
    pypi_index: Option<String>,
    /// Use only the download cache for `npm:` targets.
    #[arg(long)]
    offline: bool,
    /// Platform whose packages `npm:` targets pull in (`linux-x64`, `linux-x64-musl`, `darwin-arm64`, `win32-x64`; default: this machine), or `none`.
    #[arg(long)]
    platform: Option<String>,
    /// Limit on uncompressed bytes read from one target (decompression bombs).
    #[arg(long, default_value_t = 1 << 30)]
    max_archive_bytes: u64,
    /// Limit on entries in one target.
    #[arg(long, default_value_t = 200_000)]
    max_archive_entries: u64,
    /// Limit on the size of one file (larger files are reported, not analysed). Source files
    /// are parsed up to the smaller of this and 256 MiB; executables (Bun builds of CLIs
    /// run to 400 MB) are read whole.
    #[arg(long, default_value_t = 1 << 30)]
    max_file_bytes: u64,
    /// Worker threads (default: one per core).
    #[arg(short = 'j', long)]
    threads: Option<usize>,
}

/// Where the work queue is.
#[derive(Args)]
struct QueueArgs {
    /// NATS server with JetStream (`nats-server -js`).
    #[arg(long, default_value = "nats://127.0.0.1:4222", env = "TELLTALE_NATS")]
    nats: String,
    /// Seconds a job may go unacknowledged before it is given to another worker (workers
    /// extend it while a long scan runs).
    #[arg(long, default_value_t = 30, value_name = "SECONDS")]
    ack_wait: u64,
    /// Deliveries before a failing job goes to the dead-letter stream (`telltale.dead.*`).
    #[arg(long, default_value_t = 3)]
    max_deliver: i64,
}

impl QueueArgs {
    fn config(&self) -> telltale_queue::QueueConfig {
        let mut cfg = telltale_queue::QueueConfig::new(&self.nats);
        cfg.ack_wait = std::time::Duration::from_secs(self.ack_wait.max(1));
        cfg.max_deliver = self.max_deliver.max(1);
        cfg
    }
}

/// What fails the run.
#[derive(Args)]
struct PolicyArgs {
    /// Policy file (default: `telltale.toml` in the working folder or the nearest one above it).
    #[arg(long, conflicts_with = "no_config")]
    config: Option<PathBuf>,
    /// Ignore any `telltale.toml`.
    #[arg(long)]
    no_config: bool,
    /// Fail (exit 1) when a finding is at least this severe (overrides `fail-on` in the policy; default high).
    #[arg(long, value_enum)]
    fail_on: Option<Level>,
    /// Findings accepted earlier (`telltale baseline`): they do not fail the run.
    #[arg(long)]
    baseline: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Scan packages: a folder, a file, an npm tarball (.tgz), a zip, a lockfile,
    /// `npm:name[@version|@range|@tag]` from the registry npm is configured for (with its
    /// platform packages), or `pypi:name[==version]`.
    #[command(after_help = EXIT_CODES)]
    Scan {
        /// What to scan.
        #[arg(required = true)]
        targets: Vec<String>,
        #[command(flatten)]
        input: InputArgs,
        #[command(flatten)]
        policy: PolicyArgs,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// In text output, hide findings below this severity.
        #[arg(long, value_enum, default_value = "info")]
        min_severity: Level,
        /// Write the report to this file instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Keep the results in the store and say what changed since the package's last stored
        /// scan: alone, the SQLite store on this machine (`$TELLTALE_STORE`, else
        /// `~/.local/share/telltale/store.sqlite`); or a `postgres://` URL or SQLite path.
        #[arg(long, num_args = 0..=1, default_missing_value = "", value_name = "URL")]
        store: Option<String>,
    },
    /// Queue package versions for `telltale worker`s on a NATS JetStream server: specs
    /// (`npm:name@version`, `pypi:…`, paths), every package a lockfile pins, or with
    /// `--all-versions npm:NAME` every published version.
    Submit {
        #[arg(required = true)]
        items: Vec<String>,
        /// Every published version of each `npm:NAME`.
        #[arg(long)]
        all_versions: bool,
        #[command(flatten)]
        queue: QueueArgs,
        #[command(flatten)]
        input: InputArgs,
    },
    /// Take jobs from the queue, scan them and store the results (PostgreSQL with `--db`,
    /// else the SQLite store on this machine); acknowledges a job only after its results are
    /// committed. Stops on SIGTERM, finishing or handing back its current jobs.
    Worker {
        #[command(flatten)]
        queue: QueueArgs,
        /// The store: `postgres://…` or a SQLite path (default: this machine's SQLite store).
        #[arg(long, value_name = "URL")]
        db: Option<String>,
        /// Jobs scanned at once.
        #[arg(long, default_value_t = 1)]
        concurrency: usize,
        /// Name in logs and dead letters (default: host name and process id).
        #[arg(long)]
        name: Option<String>,
        /// Exit once the queue has been empty this many seconds (batch runs, benchmarks).
        #[arg(long, value_name = "SECONDS")]
        exit_when_idle: Option<u64>,
        /// On SIGTERM, how long running jobs may still finish before they are handed back.
        #[arg(long, default_value_t = 30, value_name = "SECONDS")]
        shutdown_grace: u64,
        #[command(flatten)]
        input: InputArgs,
    },
    /// The work queue: jobs waiting and in flight, and the dead letters with their errors.
    QueueStatus {
        #[command(flatten)]
        queue: QueueArgs,
        #[arg(long, value_enum, default_value = "text")]
        format: QueryFormat,
    },
    /// Ask the store questions across versions (see `--store`).
    Query {
        #[command(subcommand)]
        question: Question,
        /// The store: a `postgres://` URL or a SQLite path (default: the SQLite store on this machine).
        #[arg(long, global = true, value_name = "URL")]
        store: Option<String>,
        #[arg(long, value_enum, default_value = "text", global = true)]
        format: QueryFormat,
    },
    /// Record every current finding of the targets as accepted, so that `scan --baseline`
    /// (or `baseline = "…"` in `telltale.toml`) fails only on new ones.
    Baseline {
        #[arg(required = true)]
        targets: Vec<String>,
        #[command(flatten)]
        input: InputArgs,
        /// The baseline file to write.
        #[arg(short, long, default_value = "telltale-baseline.json")]
        output: PathBuf,
    },
    /// What changed between two targets (`npm:x@1.0.0 npm:x@1.1.0`, two tarballs, two
    /// folders, two lockfiles): endpoints, identity collected and sent, region conditions,
    /// install scripts, opt-outs, hidden code — matched by meaning, not by line.
    /// Exit status 1 when an added finding fails the policy.
    Diff {
        old: String,
        new: String,
        #[command(flatten)]
        input: InputArgs,
        #[command(flatten)]
        policy: PolicyArgs,
        /// Output format (SARIF marks results `new` or `absent` in `baselineState`).
        #[arg(long, value_enum, default_value = "text")]
        format: DiffFormat,
        /// Write the result to this file instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Run a package (installed with its install scripts, then its bin or the command after
    /// `--`) or a command inside a verified sandbox, once per persona (a user in another
    /// country: time zone, locale, npm mirror, IP-geolocation answer, a home of honey
    /// values), against a fake internet; report what it contacted, sent, read, wrote and
    /// printed, and what it did differently by country. Never runs anything unless the
    /// isolation check inside the sandbox passed. Needs bubblewrap (`bwrap`).
    #[command(after_help = PROBE_EXIT_CODES)]
    Probe {
        /// A package: `npm:name@version`, an npm tarball or a package folder. Leave it out to
        /// probe the command after `--`.
        target: Option<String>,
        /// Personas, comma separated (us, cn, ru, by, ua, ir, de, jp, in, br, kr, gb).
        #[arg(long, value_delimiter = ',', default_value = "us,cn,ru")]
        persona: Vec<String>,
        /// Wall-clock limit per step (install script or run), in seconds.
        #[arg(long, default_value_t = 30)]
        timeout: u64,
        /// Do not terminate TLS with a per-run CA trusted inside: record server names only.
        #[arg(long)]
        no_tls_intercept: bool,
        /// Limit on the probed program's heap (RLIMIT_DATA), in MiB.
        #[arg(long, default_value_t = 4096)]
        memory_mib: u64,
        /// Limit on processes inside the sandbox.
        #[arg(long, default_value_t = 256)]
        max_processes: u64,
        /// Runs per persona: with 2 or more, a difference between countries is reported only
        /// when it held in every run (timing races are left out).
        #[arg(long, default_value_t = 1)]
        repeat: usize,
        #[command(flatten)]
        input: InputArgs,
        /// Output format (text or json; json has every captured event).
        #[arg(long, value_enum, default_value = "text")]
        format: DiffFormat,
        /// Fail (exit 1) when a finding is at least this severe.
        #[arg(long, value_enum, default_value = "high")]
        fail_on: Level,
        /// Write the report to this file instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// The bin's arguments; or the command to run when there is no bin or no target.
        #[arg(last = true)]
        command: Vec<String>,
    },
    /// Inside the probe's sandbox: the agent (not for direct use).
    #[command(name = "__probe-agent", hide = true)]
    ProbeAgent { config: String },
    /// Inside the probe's sandbox: drop privileges and exec (not for direct use).
    #[command(name = "__probe-exec", hide = true)]
    ProbeExec {
        uid: String,
        limits: String,
        #[arg(last = true)]
        argv: Vec<String>,
    },
    /// List every rule.
    Rules,
    /// Print a rule's documentation.
    Explain {
        /// Rule id (TT201) or name (region-conditional).
        rule: String,
    },
}

const PROBE_EXIT_CODES: &str = "Exit status: 0 when no finding is at or above --fail-on, 1 when one \
is, 2 on usage errors or when the package cannot be fetched, 3 when no sandbox can be built here \
(bubblewrap missing, namespaces forbidden by the kernel) or its isolation check failed; nothing \
is run then.";

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::ProbeAgent { config } => ExitCode::from(telltale_probe::agent_main(&config).clamp(0, 255) as u8),
        Command::ProbeExec { uid, limits, argv } => ExitCode::from(telltale_probe::exec_main(&uid, &limits, &argv).clamp(0, 255) as u8),
        Command::Probe { target, persona, timeout, no_tls_intercept, memory_mib, max_processes, repeat, input, format, fail_on, output, command } => {
            let scan = match scan_options(&input) {
                Ok(o) => o,
                Err(e) => return usage_error(&e),
            };
            let target = target.map(|t| match t.strip_prefix("npm:") {
                Some(spec) => telltale_probe::TargetSpec::Npm(spec.to_string()),
                None => telltale_probe::TargetSpec::Path(PathBuf::from(t)),
            });
            let opts = telltale_probe::ProbeOptions {
                target,
                command,
                personas: persona,
                timeout: std::time::Duration::from_secs(timeout.max(1)),
                registry: scan.npm.registry.clone(),
                max_archive_bytes: input.max_archive_bytes,
                intercept_tls: !no_tls_intercept,
                limits: telltale_probe::Limits { memory_bytes: memory_mib.saturating_mul(1 << 20), processes: max_processes, ..Default::default() },
                exe: None,
                repeat,
            };
            let report = match telltale_probe::probe(&opts) {
                Ok(r) => r,
                Err(telltale_probe::ProbeError::Sandbox(e)) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(3);
                }
                Err(e) => return usage_error(&e.to_string()),
            };
            let rendered = match format {
                DiffFormat::Json => serde_json::to_string_pretty(&report).map(|s| s + "\n").unwrap_or_default(),
                DiffFormat::Text => telltale_probe::render::text(&report),
                DiffFormat::Sarif => return usage_error("probe writes text or json"),
            };
            if let Err(e) = write_out(output.as_deref(), &rendered) {
                return usage_error(&e);
            }
            let fail: Severity = fail_on.into();
            exit_status(report.highest_severity().is_some_and(|s| s >= fail), false)
        }
        Command::Rules => {
            let rules = telltale_rules::all_rules();
            let width = rules.iter().map(|r| r.meta().name.len()).max().unwrap_or(0);
            for r in rules {
                let m = r.meta();
                println!("{}  {:<width$} {:<13} {:<8} {}", m.id, m.name, m.category.as_str(), m.severity.as_str(), m.summary());
            }
            ExitCode::SUCCESS
        }
        Command::Explain { rule } => match telltale_rules::find_rule(&rule) {
            Some(r) => {
                let m = r.meta();
                println!("# {} {} ({}, {})\n\n{}", m.id, m.name, m.category.as_str(), m.severity.as_str(), m.doc_markdown());
                ExitCode::SUCCESS
            }
            None => {
                eprintln!("error: no rule `{rule}`; `telltale rules` lists them");
                ExitCode::from(2)
            }
        },
        Command::Submit { items, all_versions, queue, input } => {
            let opts = match scan_options(&input) {
                Ok(o) => o,
                Err(e) => return usage_error(&e),
            };
            let jobs = match telltale::fleet::jobs_for(&items, all_versions, &opts) {
                Ok(j) => j,
                Err(e) => return usage_error(&e),
            };
            let cfg = queue.config();
            match telltale_queue::ensure(&cfg).and_then(|()| telltale_queue::submit(&cfg, &jobs)) {
                Ok(sum) => {
                    eprintln!("submitted {} job(s) to {}: {} new, {} already queued", sum.submitted, cfg.url, sum.new, sum.duplicates);
                    ExitCode::SUCCESS
                }
                Err(e) => usage_error(&e.to_string()),
            }
        }
        Command::Worker { queue, db, concurrency, name, exit_when_idle, shutdown_grace, input } => {
            let scan = match scan_options(&input) {
                Ok(o) => o,
                Err(e) => return usage_error(&e),
            };
            if let Some(n) = input.threads {
                let _ = rayon::ThreadPoolBuilder::new().num_threads(n).stack_size(256 << 20).build_global();
            } else {
                let _ = rayon::ThreadPoolBuilder::new().stack_size(256 << 20).build_global();
            }
            let cfg = queue.config();
            if let Err(e) = telltale_queue::ensure(&cfg) {
                return usage_error(&e.to_string());
            }
            let host = std::fs::read_to_string("/proc/sys/kernel/hostname").map(|h| h.trim().to_string()).unwrap_or_else(|_| "worker".into());
            let mut opts = telltale_queue::WorkerOptions::new(&name.unwrap_or_else(|| format!("{host}-{}", std::process::id())));
            opts.concurrency = concurrency.max(1);
            opts.exit_when_idle = exit_when_idle.map(std::time::Duration::from_secs);
            opts.shutdown_grace = std::time::Duration::from_secs(shutdown_grace);
            let delay = std::env::var("TELLTALE_WORKER_TEST_DELAY_MS").ok().and_then(|v| v.parse().ok()).map(std::time::Duration::from_millis).unwrap_or_default();
            let setup = telltale::fleet::WorkerSetup { scan, db, delay_before_commit: delay };
            match telltale::fleet::run(&cfg, &opts, setup) {
                Ok(sum) => {
                    eprintln!("worker {}: {} processed, {} failed, {} dead-lettered, {} handed back", opts.name, sum.processed, sum.failed, sum.dead_lettered, sum.naked_on_shutdown);
                    ExitCode::SUCCESS
                }
                Err(e) => usage_error(&e),
            }
        }
        Command::QueueStatus { queue, format } => {
            let cfg = queue.config();
            let (stats, dead) = match telltale_queue::ensure(&cfg).and_then(|()| Ok((telltale_queue::stats(&cfg)?, telltale_queue::dead_letters(&cfg)?))) {
                Ok(x) => x,
                Err(e) => return usage_error(&e.to_string()),
            };
            let text = match format {
                QueryFormat::Json => {
                    let doc = serde_json::json!({"waiting": stats.waiting, "in_flight": stats.in_flight, "dead_letters": dead});
                    serde_json::to_string_pretty(&doc).map(|s| s + "\n").unwrap_or_default()
                }
                QueryFormat::Text => {
                    let mut t = format!("{}: {} waiting, {} in flight, {} dead letters\n", cfg.url, stats.waiting, stats.in_flight, dead.len());
                    for d in &dead {
                        t.push_str(&format!("  dead  {}  after {} deliveries ({}, {}): {}\n", d.job.spec, d.deliveries, d.worker, d.at, d.error));
                    }
                    t
                }
            };
            match write_out(None, &text) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => usage_error(&e),
            }
        }
        Command::Query { question, store, format } => {
            let mut store = match telltale::history::open(store.as_deref()) {
                Ok(s) => s,
                Err(e) => return usage_error(&e.to_string()),
            };
            let q = match question {
                Question::RegionGained { since } => telltale_store::Query::RegionGainedSince { since },
                Question::NewIdentityEndpoints { since } => telltale_store::Query::NewIdentityEndpoints { since },
                Question::LabelHistory { package } => {
                    let (ecosystem, name) = match package.split_once(':') {
                        Some((e @ ("npm" | "pypi" | "file"), n)) => (e.to_string(), n.to_string()),
                        _ => ("npm".to_string(), package.clone()),
                    };
                    telltale_store::Query::LabelHistory { ecosystem, name }
                }
                Question::Scans { limit } => telltale_store::Query::Scans { limit },
            };
            match store.query(&q) {
                Ok(table) => {
                    let text = match format {
                        QueryFormat::Text => {
                            let t = table.to_text();
                            if t.ends_with('\n') { t } else { t + "\n" }
                        }
                        QueryFormat::Json => serde_json::to_string_pretty(&table.to_json()).map(|s| s + "\n").unwrap_or_default(),
                    };
                    match write_out(None, &text) {
                        Ok(()) => ExitCode::SUCCESS,
                        Err(e) => usage_error(&e),
                    }
                }
                Err(e) => usage_error(&e.to_string()),
            }
        }
        Command::Scan { targets, input, policy, format, min_severity, output, store } => {
            let policy = match load_policy(&policy) {
                Ok(p) => p,
                Err(e) => return usage_error(&e),
            };
            let mut report = match scan_all(targets, &input) {
                Ok(r) => r,
                Err(e) => return usage_error(&e),
            };
            policy.apply(&mut report);
            let rendered = match format {
                Format::Json => telltale_report::to_json(&report),
                Format::Text => telltale_report::to_text(&report, min_severity.into()),
                Format::Sarif => telltale_report::to_sarif(&report),
                Format::Html => telltale_report::to_html(&report),
            };
            if let Err(e) = write_out(output.as_deref(), &rendered) {
                return usage_error(&e);
            }
            print_target_errors(&report.targets);
            if let Some(url) = store {
                let mut store = match telltale::history::open(Some(&url)) {
                    Ok(s) => s,
                    Err(e) => return usage_error(&e.to_string()),
                };
                for t in &report.targets {
                    match telltale::history::record_and_compare(&mut store, t) {
                        Ok(line) => eprintln!("store: {line}"),
                        Err(e) => return usage_error(&format!("cannot store {}: {e}", t.target)),
                    }
                }
            }
            exit_status(report.policy_failures() > 0, report.has_errors())
        }
        Command::Baseline { targets, input, output } => {
            let report = match scan_all(targets, &input) {
                Ok(r) => r,
                Err(e) => return usage_error(&e),
            };
            print_target_errors(&report.targets);
            if report.has_errors() {
                eprintln!("error: a target could not be read; no baseline written");
                return ExitCode::from(2);
            }
            if let Err(e) = write_out(Some(&output), &telltale::baseline::render(&report)) {
                return usage_error(&e);
            }
            let n: usize = report.targets.iter().map(|t| t.findings.len()).sum();
            eprintln!("wrote {} accepting {n} finding(s)", output.display());
            ExitCode::SUCCESS
        }
        Command::Diff { old, new, input, policy, format, output } => {
            let policy = match load_policy(&policy) {
                Ok(p) => p,
                Err(e) => return usage_error(&e),
            };
            let old_report = match scan_all(vec![old], &input) {
                Ok(r) => r,
                Err(e) => return usage_error(&e),
            };
            let mut new_report = match scan_all(vec![new], &input) {
                Ok(r) => r,
                Err(e) => return usage_error(&e),
            };
            policy.apply(&mut new_report);
            let diff = telltale_report::diff::diff(&old_report, &new_report);
            let rendered = match format {
                DiffFormat::Text => diff.to_text(),
                DiffFormat::Json => diff.to_json(),
                DiffFormat::Sarif => diff.sarif(&new_report),
            };
            if let Err(e) = write_out(output.as_deref(), &rendered) {
                return usage_error(&e);
            }
            print_target_errors(&old_report.targets);
            print_target_errors(&new_report.targets);
            exit_status(diff.failing() > 0, old_report.has_errors() || new_report.has_errors())
        }
    }
}

fn usage_error(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(2)
}

/// 1 when the policy fails, else 2 when a target could not be read, else 0.
fn exit_status(fails: bool, errors: bool) -> ExitCode {
    if fails {
        ExitCode::from(1)
    } else if errors {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    }
}

fn print_target_errors(targets: &[TargetReport]) {
    for t in targets {
        if let Some(e) = &t.error {
            eprintln!("error: {}: {e}", t.target);
        }
    }
}

fn write_out(path: Option<&Path>, text: &str) -> Result<(), String> {
    let written = match path {
        Some(p) => std::fs::write(p, text.as_bytes()),
        None => std::io::stdout().lock().write_all(text.as_bytes()),
    };
    written.map_err(|e| format!("cannot write the report: {e}"))
}

/// The policy: `--config`, else `telltale.toml` found upward (unless `--no-config`), with
/// `--fail-on` and `--baseline` on top.
fn load_policy(args: &PolicyArgs) -> Result<Policy, String> {
    let path = match (&args.config, args.no_config) {
        (Some(p), _) => Some(p.clone()),
        (None, true) => None,
        (None, false) => std::env::current_dir().ok().and_then(|d| telltale::policy::find_config(&d)),
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
fn scan_all(targets: Vec<String>, input: &InputArgs) -> Result<Report, String> {
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
    let handle = std::thread::Builder::new().stack_size(256 << 20).spawn(move || targets.iter().flat_map(|t| scan_spec(t, &opts)).collect::<Vec<_>>());
    match handle.map(|h| h.join()) {
        Ok(Ok(r)) => Ok(Report::new(r)),
        _ => Err("the scan thread failed".into()),
    }
}

fn scan_options(input: &InputArgs) -> Result<ScanOptions, String> {
    let mut opts = ScanOptions::default();
    opts.limits.max_total_bytes = input.max_archive_bytes;
    opts.limits.max_entries = input.max_archive_entries;
    opts.limits.max_file_bytes = input.max_file_bytes;
    opts.js.max_parse_bytes = input.max_file_bytes.min(256 << 20) as usize;
    opts.python.max_parse_bytes = input.max_file_bytes.min(256 << 20) as usize;
    if let Some(r) = &input.registry {
        opts.npm.registry.registry = if r.ends_with('/') { r.clone() } else { format!("{r}/") };
    }
    if let Some(i) = &input.pypi_index {
        opts.npm.pypi_index = i.clone();
    }
    opts.npm.registry.offline = input.offline;
    opts.npm.registry.max_tarball_bytes = input.max_archive_bytes;
    match input.platform.as_deref() {
        None => {}
        Some("none") => opts.npm.platform = None,
        Some(p) => match telltale_registry::Platform::parse(p) {
            Some(p) => opts.npm.platform = Some(p),
            None => return Err(format!("--platform `{p}` is not os-cpu[-libc] (e.g. linux-x64, darwin-arm64, linux-x64-musl) or none")),
        },
    }
    Ok(opts)
}
