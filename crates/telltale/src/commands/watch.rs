//! `telltale watch`: poll npm packages' documents (and PyPI projects' index pages) and, for every version published since the
//! last look, compare it with the version before it by meaning and alert on what matters —
//! new destinations, identity collected or sent, region behaviour, install scripts, hidden or
//! run-from-the-network code, destructive code, coverage lost, an opt-out removed.
//!
//! State lives in the store (`watch_state`: each package's `ETag`, `Last-Modified` and
//! versions; `watch_alerts`: one row per alert), so a restarted watcher neither misses nor
//! repeats a version, and several watchers on one database send each alert once. With
//! `--fleet` the comparisons go to the queue: a worker scans, stores and decides each alert
//! (`telltale::fleet`), and the watcher sends what the workers decided.

use super::args::{
    load_policy, scan_all, scan_options, usage_error, InputArgs, PolicyArgs, QueueArgs,
};
use clap::Args;
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};
use telltale::policy::Policy;
use telltale::watch::Package;
use telltale_store::{Store, WatchState};

#[derive(Args)]
pub struct WatchArgs {
    /// Packages to watch (`name` or `npm:name`; `pypi:name` for a PyPI project), or lockfiles
    /// (`package-lock.json`, `npm-shrinkwrap.json`, `yarn.lock`, `pnpm-lock.yaml`): every
    /// package they pin.
    pub packages: Vec<String>,
    /// A file with one package a line (`#` starts a comment), or a lockfile.
    #[arg(long)]
    pub from: Option<PathBuf>,
    /// Seconds between polls.
    #[arg(long, default_value_t = 300)]
    pub interval: u64,
    /// Poll once and exit (with `--changes`: follow the feed to its end, then exit).
    #[arg(long)]
    pub once: bool,
    /// Follow a registry's changes feed (CouchDB `_changes`, as npm's replication endpoint
    /// serves it) instead of a list: every package it names is checked, its newest version
    /// compared with the one before it. The feed's position is kept in the store.
    #[arg(long, value_name = "URL")]
    pub changes: Option<String>,
    /// Start the feed at this sequence (default: where the last run stopped, else 0).
    #[arg(long, requires = "changes")]
    pub since: Option<String>,
    /// Changes read per request of the feed.
    #[arg(long, default_value_t = 100, requires = "changes")]
    pub batch: usize,
    /// Hand each comparison to the fleet's queue (`--nats`) instead of scanning here: a
    /// worker scans both versions, stores them and decides the alert with this watcher's
    /// policy; the watcher sends the alerts the workers decided. Watcher and workers share
    /// the store (`--store` here, `--db` on the workers).
    #[arg(long)]
    pub fleet: bool,
    #[command(flatten)]
    pub queue: QueueArgs,
    /// Append each alert here as one JSON line.
    #[arg(long)]
    pub log: Option<PathBuf>,
    /// POST each alert's JSON here (retried).
    #[arg(long)]
    pub webhook: Option<String>,
    /// Store for the watcher's state and alerts (default: `$TELLTALE_STORE`, else the SQLite
    /// store on this machine).
    #[arg(long)]
    pub store: Option<String>,
    #[command(flatten)]
    pub input: InputArgs,
    /// `telltale.toml`: `[watch] aspects` says which changes alert; a new finding the policy
    /// fails always does.
    #[command(flatten)]
    pub policy: PolicyArgs,
}

/// Attempts per registry or webhook request (errors, 5xx, 429 and unreadable answers).
const ATTEMPTS: u32 = 4;

/// How often a fleet watcher looks for alerts the workers decided while it waits to poll.
const DELIVERY_TICK: Duration = Duration::from_secs(2);

pub fn run(args: WatchArgs) -> ExitCode {
    let mut names: Vec<Package> = Vec::new();
    for item in &args.packages {
        if telltale_registry::lockfile::is_lockfile(item) && Path::new(item).is_file() {
            match lockfile_packages(item) {
                Ok(found) => names.extend(found),
                Err(e) => return usage_error(&e),
            }
        } else {
            names.push(Package::parse(item));
        }
    }
    if let Some(f) = &args.from {
        let path = f.display().to_string();
        let found = if telltale_registry::lockfile::is_lockfile(&path) {
            lockfile_packages(&path)
        } else {
            std::fs::read_to_string(f)
                .map(|text| {
                    text.lines()
                        .map(|l| l.split('#').next().unwrap_or("").trim())
                        .filter(|l| !l.is_empty())
                        .map(Package::parse)
                        .collect()
                })
                .map_err(|e| format!("cannot read {path}: {e}"))
        };
        match found {
            Ok(found) => names.extend(found),
            Err(e) => return usage_error(&e),
        }
    }
    let mut unique = std::collections::HashSet::new();
    names.retain(|n| unique.insert(n.clone()));
    if names.is_empty() && args.changes.is_none() {
        return usage_error("name the packages to watch, or --from FILE, or --changes URL");
    }
    let policy = match load_policy(&args.policy) {
        Ok(p) => p,
        Err(e) => return usage_error(&e),
    };
    let (registry, pypi_index) = match scan_options(&args.input) {
        Ok(o) => (o.npm.registry.registry, o.npm.pypi_index),
        Err(e) => return usage_error(&e),
    };
    let store = match telltale::history::open(args.store.as_deref()) {
        Ok(s) => s,
        Err(e) => return usage_error(&e.to_string()),
    };
    let fleet = if args.fleet {
        let cfg = args.queue.config();
        if let Err(e) = telltale_queue::ensure(&cfg) {
            return usage_error(&e.to_string());
        }
        Some(cfg)
    } else {
        None
    };
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(60)))
        .http_status_as_error(false)
        .tls_config(
            ureq::tls::TlsConfig::builder()
                .root_certs(ureq::tls::RootCerts::PlatformVerifier)
                .build(),
        )
        .build()
        .into();
    let portable = serde_json::to_value(policy.portable()).unwrap_or_default();
    let mut watcher = Watcher {
        agent,
        registry,
        pypi_index,
        store,
        args: &args,
        policy,
        fleet,
        portable,
    };
    if let Some(feed) = &args.changes {
        return match watcher.follow(feed) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => usage_error(&e),
        };
    }
    loop {
        for package in &names {
            if let Err(e) = watcher.poll(package, false) {
                eprintln!("telltale watch: {package}: {e}");
            }
        }
        watcher.send_decided();
        if args.once {
            return ExitCode::SUCCESS;
        }
        watcher.wait(Duration::from_secs(args.interval.max(1)));
    }
}

/// Every package a lockfile pins, once.
fn lockfile_packages(path: &str) -> Result<Vec<Package>, String> {
    let lock = telltale_registry::lockfile::read(path).map_err(|e| e.to_string())?;
    let mut names: Vec<String> = lock.packages.into_iter().map(|p| p.name).collect();
    names.sort();
    names.dedup();
    Ok(names.iter().map(|n| Package::parse(n)).collect())
}

/// One watcher's connections and settings.
struct Watcher<'a> {
    agent: ureq::Agent,
    registry: String,
    /// The PEP 691 index `pypi:` packages are read from.
    pypi_index: String,
    store: Store,
    args: &'a WatchArgs,
    policy: Policy,
    /// The queue comparisons go to, with `--fleet`.
    fleet: Option<telltale_queue::QueueConfig>,
    /// The policy as the fleet's workers read it.
    portable: Value,
}

/// A registry document, or that it has not changed since the validators sent.
enum Document {
    Unchanged,
    Changed {
        etag: Option<String>,
        last_modified: Option<String>,
        doc: Value,
    },
}

/// What a conditional GET sends back: the `ETag` and `Last-Modified` last seen.
#[derive(Default)]
struct Validators<'v> {
    etag: Option<&'v str>,
    last_modified: Option<&'v str>,
}

/// GET a document (a package's, or a page of the changes feed), conditionally; 5xx, 429
/// (after its `Retry-After`, at most a minute), transport errors and JSON that `valid` refuses
/// are retried with growing pauses.
fn fetch(
    agent: &ureq::Agent,
    url: &str,
    accept: &str,
    validators: &Validators<'_>,
    valid: fn(&Value) -> bool,
) -> Result<Document, String> {
    let mut last = String::new();
    for attempt in 0..ATTEMPTS {
        if attempt > 0 {
            std::thread::sleep(Duration::from_millis(500 << attempt));
        }
        let mut req = agent.get(url).header("Accept", accept);
        if let Some(e) = validators.etag {
            req = req.header("If-None-Match", e);
        }
        if let Some(m) = validators.last_modified {
            req = req.header("If-Modified-Since", m);
        }
        let mut resp = match req.call() {
            Ok(r) => r,
            Err(e) => {
                last = e.to_string();
                continue;
            }
        };
        let status = resp.status().as_u16();
        let header = |n: &str| {
            resp.headers()
                .get(n)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        match status {
            304 => return Ok(Document::Unchanged),
            200 => {
                let etag = header("etag");
                let last_modified = header("last-modified");
                match resp.body_mut().read_json::<Value>() {
                    Ok(doc) if valid(&doc) => {
                        return Ok(Document::Changed {
                            etag,
                            last_modified,
                            doc,
                        })
                    }
                    _ => last = "the registry sent something unreadable".into(),
                }
            }
            429 => {
                let wait = header("retry-after")
                    .and_then(|s| s.trim().parse::<u64>().ok())
                    .unwrap_or(1)
                    .min(60);
                last = format!("429, retry after {wait} s");
                std::thread::sleep(Duration::from_secs(wait));
            }
            s if s >= 500 => last = format!("the registry answered {s}"),
            s => return Err(format!("the registry answered {s}")),
        }
    }
    Err(format!("gave up after {ATTEMPTS} attempts: {last}"))
}

impl Watcher<'_> {
    /// Read a package's document and compare every version published since the last look
    /// with the version before it (`from_feed`: the feed says it just changed, so a package
    /// never seen has its newest version compared rather than only recorded).
    fn poll(&mut self, package: &Package, from_feed: bool) -> Result<(), String> {
        let state = self
            .store
            .watch_state(package.ecosystem, &package.name)
            .map_err(|e| e.to_string())?;
        let validators = Validators {
            etag: state.as_ref().and_then(|s| s.etag.as_deref()),
            last_modified: state.as_ref().and_then(|s| s.last_modified.as_deref()),
        };
        let (url, accept, valid): (String, &str, fn(&Value) -> bool) = match package.ecosystem {
            "pypi" => (
                format!(
                    "{}/{}/",
                    self.pypi_index.trim_end_matches('/'),
                    package.name
                ),
                "application/vnd.pypi.simple.v1+json",
                |d| d.get("files").is_some_and(Value::is_array),
            ),
            _ => (
                format!("{}{}", self.registry, package.name.replace('/', "%2f")),
                "application/json",
                |d| d.get("versions").is_some(),
            ),
        };
        let (etag, last_modified, doc) = match fetch(&self.agent, &url, accept, &validators, valid)?
        {
            Document::Unchanged => return Ok(()),
            Document::Changed {
                etag,
                last_modified,
                doc,
            } => (etag, last_modified, doc),
        };
        let versions = match package.ecosystem {
            "pypi" => telltale_registry::pypi::releases(&doc),
            _ => npm_versions(&doc),
        };
        let all: Vec<String> = versions.iter().map(|(_, v)| v.clone()).collect();
        let now_seen = WatchState {
            etag,
            versions: all.clone(),
            last_modified,
        };
        // Versions that are a platform's part of a release (`@openai/codex@0.171.0-darwin-x64`,
        // installed through the release's `optionalDependencies`) are seen, never compared:
        // the release's scan follows them for this machine's platform.
        let parts = platform_parts(&doc, &package.name);
        let releases: Vec<&String> = all.iter().filter(|v| !parts.contains(*v)).collect();
        // A package the feed names changed just now: its newest release is the news.
        let state = match state {
            None if from_feed && releases.len() > 1 => {
                let newest = releases[releases.len() - 1];
                Some(WatchState {
                    versions: all.iter().filter(|v| *v != newest).cloned().collect(),
                    ..WatchState::default()
                })
            }
            other => other,
        };
        let Some(state) = state else {
            eprintln!(
                "telltale watch: {package}: now watching ({} versions known, the latest {})",
                all.len(),
                all.last().map(String::as_str).unwrap_or("none")
            );
            return self
                .store
                .save_watch_state(package.ecosystem, &package.name, &now_seen)
                .map_err(|e| e.to_string());
        };
        let mut seen: Vec<String> = state
            .versions
            .iter()
            .filter(|v| !parts.contains(*v))
            .cloned()
            .collect();
        let mut jobs = Vec::new();
        let new = versions
            .iter()
            .filter(|(_, v)| !state.versions.contains(v) && !parts.contains(v));
        for (_, version) in new {
            // The version before it: the highest already seen below it (a 7.x backport is
            // compared with 7.x, not with the 8.x published the day before); in publish order
            // where versions are not semver (PEP 440 on PyPI).
            let below = match package.ecosystem {
                "pypi" => telltale_registry::pypi::highest_below(&seen, version),
                _ => semver_below(&seen, version),
            };
            let previous = below.or_else(|| {
                all.iter()
                    .take_while(|v| *v != version)
                    .filter(|v| seen.contains(v))
                    .last()
                    .cloned()
            });
            if let Some(prev) = previous {
                if self.fleet.is_some() {
                    jobs.push(telltale_queue::Job::comparison(
                        &package.spec(&prev),
                        &package.spec(version),
                        self.portable.clone(),
                    ));
                } else {
                    self.compare(package, &prev, version)?;
                }
            }
            seen.push(version.clone());
        }
        if let (Some(cfg), false) = (&self.fleet, jobs.is_empty()) {
            // Saved as seen only once the queue holds the comparisons.
            let sum = telltale_queue::submit(cfg, &jobs).map_err(|e| e.to_string())?;
            eprintln!(
                "telltale watch: {package}: {} comparison(s) queued ({} already queued)",
                sum.new, sum.duplicates
            );
        }
        self.store
            .save_watch_state(package.ecosystem, &package.name, &now_seen)
            .map_err(|e| e.to_string())
    }

    /// Follow a changes feed from the stored position (or `--since`): each batch's packages
    /// checked, then the position saved, so a restart goes on where the last run stopped.
    fn follow(&mut self, feed: &str) -> Result<(), String> {
        const FEED: &str = "changes-feed";
        let mut seq = match &self.args.since {
            Some(s) => s.clone(),
            None => self
                .store
                .watch_state(FEED, feed)
                .map_err(|e| e.to_string())?
                .and_then(|s| s.etag)
                .unwrap_or_else(|| "0".into()),
        };
        let started = Instant::now();
        let (mut changes, mut packages) = (0usize, 0usize);
        let sep = if feed.contains('?') { '&' } else { '?' };
        let is_feed: fn(&Value) -> bool = |d| d.get("results").is_some_and(Value::is_array);
        loop {
            let url = format!("{feed}{sep}since={seq}&limit={}", self.args.batch.max(1));
            let doc = match fetch(
                &self.agent,
                &url,
                "application/json",
                &Validators::default(),
                is_feed,
            )? {
                Document::Changed { doc, .. } => doc,
                Document::Unchanged => Value::Null,
            };
            let results = doc["results"].as_array().cloned().unwrap_or_default();
            if results.is_empty() {
                self.send_decided();
                if self.args.once {
                    let secs = started.elapsed().as_secs_f64();
                    eprintln!(
                        "telltale watch: {changes} changes, {packages} packages checked in {secs:.1} s ({:.2} packages/s); feed at {seq}",
                        packages as f64 / secs.max(0.001)
                    );
                    return Ok(());
                }
                self.wait(Duration::from_secs(self.args.interval.max(1)));
                continue;
            }
            let mut names: Vec<&str> = results
                .iter()
                .filter_map(|r| r["id"].as_str())
                .filter(|id| !id.starts_with("_design/"))
                .collect();
            names.dedup();
            changes += results.len();
            for name in names {
                packages += 1;
                let package = Package::parse(name);
                if let Err(e) = self.poll(&package, true) {
                    eprintln!("telltale watch: {package}: {e}");
                }
            }
            seq = match &doc["last_seq"] {
                Value::String(s) => s.clone(),
                Value::Null => seq,
                other => other.to_string(),
            };
            self.store
                .save_watch_state(
                    FEED,
                    feed,
                    &WatchState {
                        etag: Some(seq.clone()),
                        ..WatchState::default()
                    },
                )
                .map_err(|e| e.to_string())?;
            self.send_decided();
        }
    }

    /// Scan both versions here, store them, compare them, and alert when something that
    /// matters changed.
    fn compare(&mut self, package: &Package, old: &str, new: &str) -> Result<(), String> {
        let old_report = scan_all(vec![package.spec(old)], &self.args.input)?;
        let mut new_report = scan_all(vec![package.spec(new)], &self.args.input)?;
        let alert = telltale::watch::decide(
            package,
            old,
            new,
            &old_report,
            &mut new_report,
            &self.policy,
        );
        for t in old_report.targets.iter().chain(&new_report.targets) {
            telltale::history::record(&mut self.store, t, 0, None).map_err(|e| e.to_string())?;
        }
        let Some(alert) = alert else {
            eprintln!("telltale watch: {package} {new}: nothing that matters changed since {old}");
            return Ok(());
        };
        let line = alert.to_string();
        let key = telltale::watch::alert_key(package.ecosystem, &package.name, new);
        if self
            .store
            .claim_alert(&key, &line)
            .map_err(|e| e.to_string())?
        {
            self.send(&line);
        }
        Ok(())
    }

    /// Send the alerts the fleet's workers decided that no watcher has sent yet.
    fn send_decided(&mut self) {
        if self.fleet.is_none() {
            return;
        }
        match self.store.take_unsent_alerts() {
            Ok(alerts) => {
                for (_, line) in alerts {
                    self.send(&line);
                }
            }
            Err(e) => eprintln!("telltale watch: cannot read the decided alerts: {e}"),
        }
    }

    /// Wait until the next poll; a fleet watcher sends decided alerts meanwhile.
    fn wait(&mut self, total: Duration) {
        let until = Instant::now() + total;
        while let Some(left) = until
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
        {
            std::thread::sleep(if self.fleet.is_some() {
                left.min(DELIVERY_TICK)
            } else {
                left
            });
            self.send_decided();
        }
    }

    /// One JSON line on stdout, appended to `--log`, POSTed to `--webhook`.
    fn send(&self, line: &str) {
        println!("{line}");
        let _ = std::io::stdout().flush();
        if let Some(log) = &self.args.log {
            let written = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(log)
                .and_then(|mut f| writeln!(f, "{line}"));
            if let Err(e) = written {
                eprintln!("telltale watch: cannot append to {}: {e}", log.display());
            }
        }
        if let Some(url) = &self.args.webhook {
            post(url, line);
        }
    }
}

/// An npm document's versions as (publish time, version), in publish order (the version
/// string orders those the document gives no time).
fn npm_versions(doc: &Value) -> Vec<(String, String)> {
    let mut versions: Vec<(String, String)> = doc["versions"]
        .as_object()
        .into_iter()
        .flat_map(|m| m.keys())
        .map(|v| (doc["time"][v].as_str().unwrap_or("").to_string(), v.clone()))
        .collect();
    versions.sort();
    versions
}

/// The versions of an npm document that its own versions install as platform packages
/// (`"optionalDependencies": {"@openai/codex-linux-x64": "npm:@openai/codex@0.171.0-linux-x64"}`).
fn platform_parts(doc: &Value, name: &str) -> std::collections::HashSet<String> {
    let prefix = format!("npm:{name}@");
    doc["versions"]
        .as_object()
        .into_iter()
        .flat_map(|m| m.values())
        .flat_map(|v| {
            ["optionalDependencies", "dependencies"]
                .into_iter()
                .filter_map(move |k| v[k].as_object())
                .flat_map(|deps| deps.values())
        })
        .filter_map(|spec| spec.as_str()?.strip_prefix(&prefix).map(str::to_string))
        .collect()
}

/// The highest of `seen` below `version`, by semver; `None` when `version` is not semver.
fn semver_below(seen: &[String], version: &str) -> Option<String> {
    let v = nodejs_semver::Version::parse(version).ok()?;
    seen.iter()
        .filter_map(|s| Some((nodejs_semver::Version::parse(s).ok()?, s)))
        .filter(|(p, _)| *p < v)
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, s)| s.clone())
}

/// POST the alert, retrying server errors and failed connections.
fn post(url: &str, body: &str) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(30)))
        .http_status_as_error(false)
        .build()
        .into();
    for attempt in 0..ATTEMPTS {
        if attempt > 0 {
            std::thread::sleep(Duration::from_millis(500 << attempt));
        }
        match agent
            .post(url)
            .header("Content-Type", "application/json")
            .send(body)
        {
            Ok(r) if r.status().as_u16() < 300 => return,
            Ok(r) if r.status().as_u16() < 500 && r.status().as_u16() != 429 => {
                eprintln!("telltale watch: the webhook answered {}", r.status());
                return;
            }
            _ => {}
        }
    }
    eprintln!("telltale watch: the webhook did not take the alert after {ATTEMPTS} attempts");
}
