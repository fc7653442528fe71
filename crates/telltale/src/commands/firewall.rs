//! `telltale firewall` (a standing proxy in front of npm's registry and PyPI) and the
//! wrappers `telltale npm …` / `telltale pip …` (a proxy for one command): each tarball, sdist
//! or wheel the package manager downloads is scanned like `scan` scans it and judged by the
//! policy before the package manager gets a byte of it.

use super::args::{load_policy, scan_all, scan_options, usage_error, InputArgs, PolicyArgs};
use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use telltale::policy::Policy;
use telltale_firewall::{Action, Artifact, Decision, Event, Firewall, Judge, Options};
use telltale_store::{NewVerdict, Store};

/// What both the standing firewall and the wrappers take.
#[derive(Args)]
pub struct FirewallOptions {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// Serve what fails the policy, with a warning, instead of refusing it (as
    /// `[firewall] mode = "warn"`).
    #[arg(long)]
    pub warn: bool,
    /// Verdict cache and audit trail: a store URL (`postgres://…`, a SQLite path); default
    /// `$TELLTALE_STORE`, else the SQLite store on this machine.
    #[arg(long)]
    pub store: Option<String>,
    /// Keep verdicts for this run only.
    #[arg(long)]
    pub no_store: bool,
    /// Append every decision here as one JSON line.
    #[arg(long)]
    pub audit_log: Option<PathBuf>,
    /// Seconds an upstream request may take.
    #[arg(long, default_value_t = 120)]
    pub upstream_timeout: u64,
}

#[derive(Args)]
pub struct FirewallArgs {
    #[command(flatten)]
    pub options: FirewallOptions,
    /// Where to listen; loopback unless told otherwise.
    #[arg(long, default_value = "127.0.0.1:4874")]
    pub listen: SocketAddr,
}

#[derive(Args)]
pub struct WrapArgs {
    #[command(flatten)]
    pub options: FirewallOptions,
    /// Decide and report, but refuse nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// The package manager's own arguments (`install lodash`).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, required = true)]
    pub args: Vec<String>,
}

/// Scans an artifact and applies the policy; verdicts kept in the store by integrity,
/// telltale's rule set and the policy.
struct PolicyJudge {
    input: InputArgs,
    policy: Policy,
    policy_key: String,
    warn_only: bool,
    store: Option<Mutex<Store>>,
}

impl PolicyJudge {
    fn new(options: FirewallOptions, dry_run: bool) -> Result<(PolicyJudge, Options), String> {
        let FirewallOptions {
            input,
            policy,
            warn,
            store,
            no_store,
            audit_log,
            upstream_timeout,
        } = options;
        let policy = load_policy(&policy)?;
        let scan = scan_options(&input)?;
        let store = if no_store {
            None
        } else {
            Some(Mutex::new(
                telltale::history::open(store.as_deref()).map_err(|e| e.to_string())?,
            ))
        };
        let policy_key = format!(
            "{:016x}",
            telltale_report::fingerprint::fnv1a(format!("{policy:?}").as_bytes())
        );
        let opts = Options {
            npm_upstream: scan.npm.registry.registry.clone(),
            pypi_upstream: scan.npm.pypi_index.clone(),
            timeout: std::time::Duration::from_secs(upstream_timeout.max(1)),
            max_bytes: input.max_archive_bytes,
            audit_log,
            publish_times: policy.firewall.min_release_age.is_some(),
            ..Options::default()
        };
        let warn_only = warn || dry_run || policy.firewall.warn_only;
        Ok((
            PolicyJudge {
                input,
                policy,
                policy_key,
                warn_only,
                store,
            },
            opts,
        ))
    }

    fn cache_key(&self, a: &Artifact<'_>) -> String {
        format!(
            "{}|{}|{}",
            a.integrity,
            telltale::history::ruleset_hash(),
            self.policy_key
        )
    }

    /// Scan and judge, without the cache.
    fn decide(&self, a: &Artifact<'_>) -> (Action, String) {
        let fail = if self.policy.firewall.block_on_error {
            Action::Block
        } else {
            Action::Warn
        };
        let dir = match tempfile::tempdir() {
            Ok(d) => d,
            Err(e) => return (fail, format!("could not be scanned: {e}")),
        };
        // The file under its published name: the scan reads `.tgz`, `.tar.gz`, `.whl`, `.zip`.
        let name = a.file.replace(['/', '\\'], "_");
        let path = dir.path().join(&name);
        if let Err(e) = std::fs::write(&path, a.bytes) {
            return (fail, format!("could not be scanned: {e}"));
        }
        let mut report = match self.scan_within(path.display().to_string()) {
            Ok(r) => r,
            Err(e) => return (fail, format!("could not be scanned: {e}")),
        };
        // A hand-over to a dependency is not a gap here: the package manager fetches that
        // dependency through the firewall too, and it is judged on its own.
        for t in &mut report.targets {
            let before = t.coverage.unanalysed.len();
            t.coverage
                .unanalysed
                .retain(|u| !(u.path.starts_with("npm:") || u.path.starts_with("pypi:")));
            if t.coverage.unanalysed.len() != before {
                t.coverage.settle();
            }
        }
        self.policy.apply(&mut report);
        let Some(t) = report.targets.first() else {
            return (fail, "could not be scanned: no report".into());
        };
        if let Some(e) = &t.error {
            return (fail, format!("could not be scanned: {e}"));
        }
        let mut reasons: Vec<String> = t
            .findings
            .iter()
            .filter(|f| f.fails_policy())
            .map(|f| {
                let why = f.policy.as_ref().map(|p| p.reason.as_str()).unwrap_or("");
                format!(
                    "{} {} at {}:{}: {} ({why})",
                    f.rule,
                    f.name,
                    f.file.strip_prefix("package/").unwrap_or(&f.file),
                    f.line,
                    telltale_report::clip(&f.message, 160)
                )
            })
            .collect();
        if let Some(v) = t.coverage.policy.as_ref().filter(|v| v.fails) {
            reasons.push(v.reason.clone());
        }
        if reasons.is_empty() {
            let worst = t
                .findings
                .iter()
                .map(|f| f.severity)
                .max()
                .map(|s| format!(", the worst {}", s.as_str()))
                .unwrap_or_default();
            return (
                Action::Allow,
                format!(
                    "nothing fails the policy ({} findings{worst})",
                    t.findings.len()
                ),
            );
        }
        let more = match reasons.len() {
            1 => String::new(),
            n => format!(" (and {} more)", n - 1),
        };
        (Action::Block, format!("{}{more}", reasons[0]))
    }
}

impl PolicyJudge {
    /// Scan one file, giving up after the policy's `scan-timeout` (the scan goes on in the
    /// background and its result is dropped).
    fn scan_within(&self, path: String) -> Result<telltale_report::Report, String> {
        let (tx, rx) = std::sync::mpsc::channel();
        let input = self.input.clone();
        std::thread::spawn(move || {
            let _ = tx.send(scan_all(vec![path], &input));
        });
        let limit = self.policy.firewall.scan_timeout;
        rx.recv_timeout(limit).unwrap_or_else(|_| {
            Err(format!(
                "the scan did not finish in {} s (scan-timeout)",
                limit.as_secs()
            ))
        })
    }

    /// A version younger than the policy's minimum release age: refused whatever it holds
    /// (not stored: the answer changes with time).
    fn too_young(&self, a: &Artifact<'_>) -> Option<String> {
        let min = self.policy.firewall.min_release_age?;
        let published = a.published?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?
            .as_secs() as i64;
        let age = now.saturating_sub(published).max(0) as u64;
        (age < min.as_secs()).then(|| {
            format!(
                "published {} ago, less than the policy's min-release-age of {}",
                human_age(age),
                human_age(min.as_secs())
            )
        })
    }
}

/// `45 min`, `5 h`, `3 d`.
fn human_age(secs: u64) -> String {
    match secs {
        s if s < 3600 => format!("{} min", s / 60),
        s if s < 2 * 86_400 => format!("{} h", s / 3600),
        s => format!("{} d", s / 86_400),
    }
}

impl Judge for PolicyJudge {
    fn judge(&self, a: &Artifact<'_>) -> Decision {
        if let Some(why) = self.too_young(a) {
            let action = if self.warn_only {
                Action::Warn
            } else {
                Action::Block
            };
            let reason = if self.warn_only {
                format!("would block: {why}")
            } else {
                why
            };
            return Decision {
                action,
                reason,
                cached: false,
                lasting: false,
            };
        }
        let key = self.cache_key(a);
        let cached = self.store.as_ref().and_then(|s| {
            let mut s = s.lock().unwrap_or_else(|e| e.into_inner());
            s.verdict(&key).ok().flatten()
        });
        let (action, reason, was_cached) = match cached {
            Some(v) => {
                let action = match v.action.as_str() {
                    "block" => Action::Block,
                    "warn" => Action::Warn,
                    _ => Action::Allow,
                };
                (action, v.reason, true)
            }
            None => {
                let (action, reason) = self.decide(a);
                if let Some(s) = &self.store {
                    let mut s = s.lock().unwrap_or_else(|e| e.into_inner());
                    if let Err(e) = s.record_verdict(&NewVerdict {
                        key: &key,
                        ecosystem: a.ecosystem.as_str(),
                        name: a.name,
                        version: a.version,
                        action: action.as_str(),
                        reason: &reason,
                    }) {
                        eprintln!("telltale firewall: warning: verdict not stored: {e}");
                    }
                }
                (action, reason, false)
            }
        };
        // Warn mode (and --dry-run) serve what the policy refuses, saying so.
        let (action, reason) = match action {
            Action::Block if self.warn_only => (Action::Warn, format!("would block: {reason}")),
            other => (other, reason),
        };
        Decision {
            action,
            reason,
            cached: was_cached,
            lasting: true,
        }
    }
}

/// One line per decision on standard error, as it is made.
fn print_event(e: &Event) {
    let cached = if e.cached { " (cached verdict)" } else { "" };
    eprintln!(
        "telltale firewall: {:<5} {} {}@{}{cached}: {}",
        e.action.to_uppercase(),
        e.ecosystem.as_str(),
        e.package,
        e.version,
        e.reason
    );
}

pub fn run(args: FirewallArgs) -> ExitCode {
    let (judge, mut opts) = match PolicyJudge::new(args.options, false) {
        Ok(j) => j,
        Err(e) => return usage_error(&e),
    };
    opts.listen = args.listen;
    if !opts.listen.ip().is_loopback() {
        eprintln!(
            "telltale firewall: warning: listening on {}, reachable from other machines",
            opts.listen
        );
    }
    let fw = match Firewall::start_reporting(opts, Arc::new(judge), Box::new(print_event)) {
        Ok(f) => f,
        Err(e) => return usage_error(&e.to_string()),
    };
    eprintln!(
        "telltale firewall: npm registry {} · PyPI index {}",
        fw.npm_registry(),
        fw.pypi_index()
    );
    eprintln!(
        "telltale firewall: point npm at it with `npm config set registry {}` (or npm_config_registry), pip with PIP_INDEX_URL={}",
        fw.npm_registry(),
        fw.pypi_index()
    );
    fw.wait();
    ExitCode::SUCCESS
}

/// Which package manager a wrapper runs.
#[derive(Clone, Copy)]
pub enum Manager {
    Npm,
    Pip,
}

pub fn wrap(manager: Manager, args: WrapArgs) -> ExitCode {
    let WrapArgs {
        options,
        dry_run,
        args,
    } = args;
    let (judge, opts) = match PolicyJudge::new(options, dry_run) {
        Ok(j) => j,
        Err(e) => return usage_error(&e),
    };
    let fw = match Firewall::start_reporting(opts, Arc::new(judge), Box::new(print_event)) {
        Ok(f) => f,
        Err(e) => return usage_error(&e.to_string()),
    };
    // The package manager's own cache would hand it files the firewall never sees: a
    // cache of its own for this run, so every file comes through.
    let cache = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => return usage_error(&format!("cannot make a cache folder: {e}")),
    };
    let mut command = match manager {
        Manager::Npm => {
            let mut c = std::process::Command::new(
                std::env::var_os("TELLTALE_NPM").unwrap_or_else(|| "npm".into()),
            );
            c.env("npm_config_registry", fw.npm_registry())
                .env_remove("NPM_CONFIG_REGISTRY")
                .env("npm_config_cache", cache.path())
                // The audit endpoint is a POST the firewall does not proxy.
                .env("npm_config_audit", "false");
            c
        }
        Manager::Pip => {
            // Debian's python3-pip may install only `pip3`.
            let pip = std::env::var_os("TELLTALE_PIP")
                .unwrap_or_else(|| if on_path("pip") { "pip" } else { "pip3" }.into());
            let mut c = std::process::Command::new(pip);
            for bypass in ["PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS"] {
                if std::env::var_os(bypass).is_some_and(|v| !v.is_empty()) {
                    eprintln!("telltale firewall: warning: {bypass} is ignored for this command: files from it would not be judged");
                }
                c.env_remove(bypass);
            }
            c.env("PIP_INDEX_URL", fw.pypi_index())
                .env("PIP_NO_CACHE_DIR", "1")
                .env("PIP_CACHE_DIR", cache.path());
            c
        }
    };
    let status = command.args(&args).status();
    let events = fw.stop();
    let count = |a: &str| events.iter().filter(|e| e.action == a).count();
    let (allowed, warned, blocked, errors) = (
        count("allow"),
        count("warn"),
        count("block"),
        count("error"),
    );
    eprintln!(
        "telltale firewall: {allowed} allowed, {warned} warned, {blocked} blocked{}",
        if errors > 0 {
            format!(", {errors} not served (upstream or integrity errors)")
        } else {
            String::new()
        }
    );
    for e in events
        .iter()
        .filter(|e| e.action == "block" || e.action == "warn")
    {
        eprintln!(
            "  {} {}@{}: {}",
            e.action.to_uppercase(),
            e.package,
            e.version,
            e.reason
        );
    }
    match status {
        Err(e) => usage_error(&format!("cannot run the package manager: {e}")),
        Ok(s) if !s.success() => ExitCode::from(s.code().unwrap_or(1).clamp(1, 255) as u8),
        Ok(_) if blocked > 0 => ExitCode::from(1),
        Ok(_) => ExitCode::SUCCESS,
    }
}

/// Whether an executable of this name is on `PATH`.
fn on_path(name: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join(name).is_file()))
}
