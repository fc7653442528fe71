//! `telltale watch`: poll npm packages' documents and, for every version published since the
//! last look, compare it with the version before it by meaning and alert on what matters —
//! new destinations, identity collected or sent, region behaviour, install scripts, hidden or
//! run-from-the-network code, destructive code, coverage lost, an opt-out removed.
//!
//! State lives in the store (`watch_state`: each package's `ETag` and versions; `watch_alerts`:
//! one row per alert), so a restarted watcher neither misses nor repeats a version, and
//! several watchers on one database send each alert once.

use super::args::{load_policy, scan_all, scan_options, usage_error, InputArgs, PolicyArgs};
use clap::Args;
use serde_json::{json, Value};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use telltale_report::diff::{Change, Diff};
use telltale_store::{Store, WatchState};

#[derive(Args)]
pub struct WatchArgs {
    /// npm packages to watch (`name` or `npm:name`).
    pub packages: Vec<String>,
    /// A file with one package a line (`#` starts a comment).
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

pub fn run(args: WatchArgs) -> ExitCode {
    let mut names: Vec<String> = args
        .packages
        .iter()
        .map(|p| p.strip_prefix("npm:").unwrap_or(p).to_string())
        .collect();
    if let Some(f) = &args.from {
        match std::fs::read_to_string(f) {
            Ok(text) => names.extend(
                text.lines()
                    .map(|l| l.split('#').next().unwrap_or("").trim())
                    .filter(|l| !l.is_empty())
                    .map(|l| l.strip_prefix("npm:").unwrap_or(l).to_string()),
            ),
            Err(e) => return usage_error(&format!("cannot read {}: {e}", f.display())),
        }
    }
    if names.is_empty() && args.changes.is_none() {
        return usage_error("name the packages to watch, or --from FILE, or --changes URL");
    }
    let policy = match load_policy(&args.policy) {
        Ok(p) => p,
        Err(e) => return usage_error(&e),
    };
    let registry = match scan_options(&args.input) {
        Ok(o) => o.npm.registry.registry,
        Err(e) => return usage_error(&e),
    };
    let mut store = match telltale::history::open(args.store.as_deref()) {
        Ok(s) => s,
        Err(e) => return usage_error(&e.to_string()),
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
    if let Some(feed) = &args.changes {
        return match follow(&agent, &registry, feed, &mut store, &args, &policy) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => usage_error(&e),
        };
    }
    loop {
        for name in &names {
            if let Err(e) = poll(&agent, &registry, name, &mut store, &args, &policy, false) {
                eprintln!("telltale watch: {name}: {e}");
            }
        }
        if args.once {
            return ExitCode::SUCCESS;
        }
        std::thread::sleep(Duration::from_secs(args.interval.max(1)));
    }
}

/// A registry document, or that it has not changed since `etag`.
enum Document {
    Unchanged,
    Changed { etag: Option<String>, doc: Value },
}

/// GET a document (a package's, or a page of the changes feed), conditionally; 5xx, 429
/// (after its `Retry-After`, at most a minute), transport errors and JSON that `valid` refuses
/// are retried with growing pauses.
fn fetch(
    agent: &ureq::Agent,
    url: &str,
    etag: Option<&str>,
    valid: fn(&Value) -> bool,
) -> Result<Document, String> {
    let mut last = String::new();
    for attempt in 0..ATTEMPTS {
        if attempt > 0 {
            std::thread::sleep(Duration::from_millis(500 << attempt));
        }
        let mut req = agent.get(url).header("Accept", "application/json");
        if let Some(e) = etag {
            req = req.header("If-None-Match", e);
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
                match resp.body_mut().read_json::<Value>() {
                    Ok(doc) if valid(&doc) => return Ok(Document::Changed { etag, doc }),
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

fn poll(
    agent: &ureq::Agent,
    registry: &str,
    name: &str,
    store: &mut Store,
    args: &WatchArgs,
    policy: &telltale::policy::Policy,
    from_feed: bool,
) -> Result<(), String> {
    let state = store.watch_state("npm", name).map_err(|e| e.to_string())?;
    let url = format!("{registry}{}", name.replace('/', "%2f"));
    let etag = state.as_ref().and_then(|s| s.etag.as_deref());
    let is_document: fn(&Value) -> bool = |d| d.get("versions").is_some();
    let (etag, doc) = match fetch(agent, &url, etag, is_document)? {
        Document::Unchanged => return Ok(()),
        Document::Changed { etag, doc } => (etag, doc),
    };
    let mut versions: Vec<(String, String)> = doc["versions"]
        .as_object()
        .map(|m| {
            m.keys()
                .map(|v| {
                    let t = doc["time"][v].as_str().unwrap_or("").to_string();
                    (t, v.clone())
                })
                .collect()
        })
        .unwrap_or_default();
    // Publish order (time, then the version string where the document gives no time).
    versions.sort();
    let all: Vec<String> = versions.iter().map(|(_, v)| v.clone()).collect();
    // A package the feed names changed just now: its newest version is the news.
    let state = match state {
        None if from_feed && all.len() > 1 => Some(WatchState {
            etag: None,
            versions: all[..all.len() - 1].to_vec(),
        }),
        other => other,
    };
    let Some(state) = state else {
        eprintln!(
            "telltale watch: {name}: now watching ({} versions known, the latest {})",
            all.len(),
            all.last().map(String::as_str).unwrap_or("none")
        );
        return store
            .save_watch_state(
                "npm",
                name,
                &WatchState {
                    etag,
                    versions: all,
                },
            )
            .map_err(|e| e.to_string());
    };
    let mut seen: Vec<String> = state.versions.clone();
    for (_, version) in versions.iter().filter(|(_, v)| !state.versions.contains(v)) {
        // The version before it: the highest already seen below it (a 7.x backport is
        // compared with 7.x, not with the 8.x published the day before); in publish order
        // where versions are not semver.
        let previous = semver_below(&seen, version).or_else(|| {
            all.iter()
                .take_while(|v| *v != version)
                .filter(|v| seen.contains(v))
                .last()
                .cloned()
        });
        if let Some(prev) = previous {
            compare(name, &prev, version, store, args, policy)?;
        }
        seen.push(version.clone());
    }
    store
        .save_watch_state(
            "npm",
            name,
            &WatchState {
                etag,
                versions: all,
            },
        )
        .map_err(|e| e.to_string())
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

/// Follow a changes feed from the stored position (or `--since`): each batch's packages
/// checked, then the position saved, so a restart goes on where the last run stopped.
fn follow(
    agent: &ureq::Agent,
    registry: &str,
    feed: &str,
    store: &mut Store,
    args: &WatchArgs,
    policy: &telltale::policy::Policy,
) -> Result<(), String> {
    const FEED: &str = "changes-feed";
    let mut seq = match &args.since {
        Some(s) => s.clone(),
        None => store
            .watch_state(FEED, feed)
            .map_err(|e| e.to_string())?
            .and_then(|s| s.etag)
            .unwrap_or_else(|| "0".into()),
    };
    let started = std::time::Instant::now();
    let (mut changes, mut packages) = (0usize, 0usize);
    let sep = if feed.contains('?') { '&' } else { '?' };
    let is_feed: fn(&Value) -> bool = |d| d.get("results").is_some_and(Value::is_array);
    loop {
        let url = format!("{feed}{sep}since={seq}&limit={}", args.batch.max(1));
        let doc = match fetch(agent, &url, None, is_feed)? {
            Document::Changed { doc, .. } => doc,
            Document::Unchanged => Value::Null,
        };
        let results = doc["results"].as_array().cloned().unwrap_or_default();
        if results.is_empty() {
            if args.once {
                let secs = started.elapsed().as_secs_f64();
                eprintln!(
                    "telltale watch: {changes} changes, {packages} packages checked in {secs:.1} s ({:.2} packages/s); feed at {seq}",
                    packages as f64 / secs.max(0.001)
                );
                return Ok(());
            }
            std::thread::sleep(Duration::from_secs(args.interval.max(1)));
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
            if let Err(e) = poll(agent, registry, name, store, args, policy, true) {
                eprintln!("telltale watch: {name}: {e}");
            }
        }
        seq = match &doc["last_seq"] {
            Value::String(s) => s.clone(),
            Value::Null => seq,
            other => other.to_string(),
        };
        store
            .save_watch_state(
                FEED,
                feed,
                &WatchState {
                    etag: Some(seq.clone()),
                    versions: vec![],
                },
            )
            .map_err(|e| e.to_string())?;
    }
}

/// Scan both versions, compare them, and alert when something that matters changed.
fn compare(
    name: &str,
    old: &str,
    new: &str,
    store: &mut Store,
    args: &WatchArgs,
    policy: &telltale::policy::Policy,
) -> Result<(), String> {
    let old_report = scan_all(vec![format!("npm:{name}@{old}")], &args.input)?;
    let mut new_report = scan_all(vec![format!("npm:{name}@{new}")], &args.input)?;
    policy.apply(&mut new_report);
    let diff = telltale_report::diff::diff(&old_report, &new_report);
    let Some(alert) = alert(name, old, new, &diff, policy.watch_aspects.as_deref()) else {
        eprintln!("telltale watch: {name} {new}: nothing that matters changed since {old}");
        return Ok(());
    };
    let line = alert.to_string();
    let key = format!("npm|{name}|{new}");
    if !store.claim_alert(&key, &line).map_err(|e| e.to_string())? {
        return Ok(());
    }
    println!("{line}");
    let _ = std::io::stdout().flush();
    if let Some(log) = &args.log {
        let written = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .and_then(|mut f| writeln!(f, "{line}"));
        if let Err(e) = written {
            eprintln!("telltale watch: cannot append to {}: {e}", log.display());
        }
    }
    if let Some(url) = &args.webhook {
        post(url, &line);
    }
    Ok(())
}

/// The alert, when the diff holds something that matters: a change added (destinations,
/// identity, region, install scripts, hidden or fetched code, mass deletes, code not analysed)
/// or an opt-out removed, of the aspects asked for (all by default), or an added finding the
/// policy fails; with the findings added.
fn alert(
    name: &str,
    old: &str,
    new: &str,
    diff: &Diff,
    aspects: Option<&[String]>,
) -> Option<Value> {
    let wanted = |c: &&Change| aspects.is_none_or(|a| a.iter().any(|x| x == c.aspect));
    let change = |kind: &str, c: &Change| {
        json!({
            "change": kind,
            "aspect": c.aspect,
            "what": c.what,
            "countries": c.countries,
            "endpoints": c.endpoints,
            "location": c.location,
        })
    };
    let mut changes: Vec<Value> = diff
        .added
        .iter()
        .filter(wanted)
        .map(|c| change("added", c))
        .collect();
    changes.extend(
        diff.removed
            .iter()
            .filter(|c| c.aspect == "opt-out")
            .filter(wanted)
            .map(|c| change("removed", c)),
    );
    let failing = diff.findings.added.iter().any(|f| f.fails_policy());
    if changes.is_empty() && !failing {
        return None;
    }
    let findings: Vec<Value> = diff
        .findings
        .added
        .iter()
        .map(|f| {
            json!({
                "rule": f.rule,
                "severity": f.severity.as_str(),
                "message": f.message,
                "location": format!("{}:{}:{}", f.file, f.line, f.column),
                "fails_policy": f.fails_policy(),
            })
        })
        .collect();
    Some(json!({
        "package": format!("npm:{name}"),
        "from": old,
        "to": new,
        "changes": changes,
        "findings_added": findings,
    }))
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
