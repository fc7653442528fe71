//! A package firewall: a proxy on loopback in front of the npm registry and PyPI's simple
//! API. Documents pass through with their download URLs pointed at the proxy; each tarball,
//! sdist or wheel is fetched from upstream, checked against the integrity the registry
//! published, handed to a [`Judge`] (the CLI's: scan it with the ordinary pipeline and apply
//! the policy), and then served byte for byte — so a lockfile's integrity still matches — or
//! refused with `403` and a one-line reason the package manager prints.
//!
//! Decisions are made once per artifact: concurrent requests for one file wait for the first
//! one's decision, and later ones reuse it (the judge may keep its own cache across runs).
//! Every decision is an [`Event`], kept for the caller and appended to the audit log.
//!
//! Only `GET` and `HEAD` are answered; paths with traversal, encoded separators other than a
//! scope's `%2f`, or control characters are refused before routing. Upstream failures (down,
//! slow, garbage, an integrity mismatch) are a `502` with the reason: the package manager
//! fails cleanly, and nothing unchecked is served.

pub mod integrity;
pub mod npm;
pub mod pypi;
mod resolve;
mod server;

use integrity::Expected;
use serde::Serialize;
use server::{Request, Response};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

/// Where the firewall listens and what it stands in front of.
#[derive(Debug, Clone)]
pub struct Options {
    /// `127.0.0.1:0` picks a free port on loopback.
    pub listen: SocketAddr,
    /// The npm registry (`https://registry.npmjs.org/`).
    pub npm_upstream: String,
    /// PyPI's simple index (`https://pypi.org/simple/`).
    pub pypi_upstream: String,
    /// Per upstream request.
    pub timeout: Duration,
    /// The largest artifact fetched.
    pub max_bytes: u64,
    /// Requests served at once.
    pub workers: usize,
    /// Append every decision here as one JSON line.
    pub audit_log: Option<PathBuf>,
    /// Find each version's publish time (npm's `time`, PyPI's `upload-time`) for the judge,
    /// reading a package's full document when the one the package manager asked for lacks it.
    pub publish_times: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            npm_upstream: "https://registry.npmjs.org/".into(),
            pypi_upstream: "https://pypi.org/simple/".into(),
            timeout: Duration::from_secs(60),
            max_bytes: 512 << 20,
            workers: 16,
            audit_log: None,
            publish_times: false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Ecosystem {
    Npm,
    Pypi,
}

impl Ecosystem {
    pub fn as_str(self) -> &'static str {
        match self {
            Ecosystem::Npm => "npm",
            Ecosystem::Pypi => "pypi",
        }
    }
}

/// A file a document listed: what it is, where it really is, what it must hash to.
#[derive(Debug, Clone)]
pub struct Known {
    pub ecosystem: Ecosystem,
    pub name: String,
    pub version: String,
    pub file: String,
    pub upstream: String,
    pub expected: Expected,
    /// When it was published (Unix seconds), where the document said.
    pub published: Option<i64>,
}

/// An artifact to judge: fetched and checked against its published integrity.
pub struct Artifact<'a> {
    pub ecosystem: Ecosystem,
    pub name: &'a str,
    pub version: &'a str,
    /// The file's name as published (`lodash-4.17.21.tgz`, `x-1.0-py3-none-any.whl`).
    pub file: &'a str,
    /// The checked integrity as SRI (`sha512-…`, `sha256-…`).
    pub integrity: &'a str,
    pub bytes: &'a [u8],
    /// When it was published (Unix seconds), when known (see [`Options::publish_times`]).
    pub published: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Allow,
    Warn,
    Block,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Allow => "allow",
            Action::Warn => "warn",
            Action::Block => "block",
        }
    }
}

/// What the judge decided, and why (one line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub action: Action,
    pub reason: String,
    /// Taken from a cache rather than decided by a scan now.
    pub cached: bool,
    /// Holds for this artifact from now on (not one that depends on the time, like a
    /// minimum release age): reused for later requests.
    pub lasting: bool,
}

/// Decides about artifacts. Called from several threads at once, never twice at once for
/// one artifact.
pub trait Judge: Send + Sync {
    fn judge(&self, artifact: &Artifact<'_>) -> Decision;
}

/// One decision, or one refusal before a decision (an upstream failure, a bad integrity).
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    /// Seconds since the Unix epoch.
    pub time: u64,
    pub ecosystem: Ecosystem,
    pub package: String,
    pub version: String,
    pub file: String,
    /// `allow`, `warn`, `block`, or `error` when nothing could be decided.
    pub action: String,
    pub reason: String,
    pub integrity: String,
    /// The decision came from a cache.
    pub cached: bool,
    /// Time to fetch and decide, in milliseconds.
    pub ms: u64,
}

/// Called with each decision as it is made.
pub type OnEvent = Box<dyn Fn(&Event) + Send + Sync>;

/// The one fetch-and-decide of a path in progress: held while deciding, then the outcome.
type InFlight = Arc<Mutex<Option<Arc<Served>>>>;

/// A running firewall. Dropping it stops nothing: call [`Firewall::stop`].
pub struct Firewall {
    addr: SocketAddr,
    server: server::Server,
    state: Arc<State>,
}

struct State {
    opts: Options,
    base: String,
    judge: Arc<dyn Judge>,
    agent: ureq::Agent,
    /// Proxy path → the file it stands for.
    known: Mutex<HashMap<String, Known>>,
    next_file: AtomicUsize,
    /// Integrity → decision, for this process.
    decided: Mutex<HashMap<String, Decision>>,
    /// Proxy path → the one fetch-and-decide in progress for it.
    in_flight: Mutex<HashMap<String, InFlight>>,
    events: Mutex<Vec<Event>>,
    audit: Option<Mutex<std::fs::File>>,
    on_event: Option<OnEvent>,
    /// npm package → version → publish time, from full documents read for them.
    times: Mutex<HashMap<String, HashMap<String, i64>>>,
}

/// What a file request ends in.
enum Served {
    Bytes(Vec<u8>),
    Refused { status: u16, reason: String },
}

impl Firewall {
    /// Bind and start serving. Errors: the address cannot be bound, the audit log cannot be
    /// opened.
    pub fn start(opts: Options, judge: Arc<dyn Judge>) -> std::io::Result<Firewall> {
        Self::start_with(opts, judge, None)
    }

    /// As [`Firewall::start`], calling `on_event` with each decision as it is made.
    pub fn start_reporting(
        opts: Options,
        judge: Arc<dyn Judge>,
        on_event: OnEvent,
    ) -> std::io::Result<Firewall> {
        Self::start_with(opts, judge, Some(on_event))
    }

    fn start_with(
        opts: Options,
        judge: Arc<dyn Judge>,
        on_event: Option<OnEvent>,
    ) -> std::io::Result<Firewall> {
        let listener = std::net::TcpListener::bind(opts.listen)
            .map_err(|e| std::io::Error::other(format!("cannot listen on {}: {e}", opts.listen)))?;
        let addr = listener.local_addr()?;
        let audit = match &opts.audit_log {
            Some(p) => Some(Mutex::new(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(p)
                    .map_err(|e| {
                        std::io::Error::other(format!("cannot open {}: {e}", p.display()))
                    })?,
            )),
            None => None,
        };
        // The system's trust store, as npm, pip and telltale's registry client use: registries
        // behind a company proxy or mirror present certificates from a private CA.
        let tls = ureq::tls::TlsConfig::builder()
            .root_certs(ureq::tls::RootCerts::PlatformVerifier)
            .build();
        let config = ureq::Agent::config_builder()
            .tls_config(tls)
            .timeout_global(Some(opts.timeout))
            // A name that does not resolve or a host that does not answer soon is retried
            // (see `fetch`) rather than waited on for the whole timeout.
            .timeout_resolve(Some(UPSTREAM_STEP_LIMIT.min(opts.timeout)))
            .timeout_connect(Some(UPSTREAM_STEP_LIMIT.min(opts.timeout)))
            // Reuse connections: a cold install asks one registry hundreds of times at once.
            .max_idle_connections(64)
            .max_idle_connections_per_host(32)
            .http_status_as_error(false)
            .user_agent(concat!("telltale-firewall/", env!("CARGO_PKG_VERSION")))
            .build();
        let agent = ureq::Agent::with_parts(
            config,
            ureq::unversioned::transport::DefaultConnector::new(),
            resolve::CachingResolver::default(),
        );
        let state = Arc::new(State {
            base: format!("http://{addr}"),
            opts,
            judge,
            agent,
            known: Mutex::new(HashMap::new()),
            next_file: AtomicUsize::new(1),
            decided: Mutex::new(HashMap::new()),
            in_flight: Mutex::new(HashMap::new()),
            events: Mutex::new(Vec::new()),
            audit,
            on_event,
            times: Mutex::new(HashMap::new()),
        });
        let handler_state = state.clone();
        let server = server::Server::start(
            listener,
            state.opts.workers.max(1),
            Arc::new(move |r: &Request| handle(&handler_state, r)),
        )?;
        Ok(Firewall {
            addr,
            server,
            state,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The npm registry URL to give a package manager.
    pub fn npm_registry(&self) -> String {
        format!("{}/", self.state.base)
    }

    /// The PyPI index URL to give pip.
    pub fn pypi_index(&self) -> String {
        format!("{}/-/pypi/simple/", self.state.base)
    }

    /// Every decision so far, in order.
    pub fn events(&self) -> Vec<Event> {
        lock(&self.state.events).clone()
    }

    /// Serve until the process ends.
    pub fn wait(self) {
        self.server.wait();
    }

    /// Stop accepting, finish what is being served, and return every decision.
    pub fn stop(mut self) -> Vec<Event> {
        self.server.stop();
        lock(&self.state.events).clone()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

// ---------------------------------------------------------------------------------- routing

fn handle(state: &State, request: &Request) -> Response {
    if !matches!(request.method.as_str(), "GET" | "HEAD") {
        return text(405, "telltale firewall: only GET and HEAD are proxied");
    }
    let path = request.target.split('?').next().unwrap_or("").to_string();
    if !safe_path(&path) {
        return text(400, "telltale firewall: a path it does not serve");
    }
    if let Some(project) = path
        .strip_prefix("/-/pypi/simple/")
        .map(|p| p.trim_end_matches('/'))
    {
        if !pypi::valid_project(project) {
            return text(404, "telltale firewall: not a project name");
        }
        return pypi_page(state, project);
    }
    if path.starts_with("/-/pypi/files/") {
        return file(state, &path, None);
    }
    match npm::route(&path) {
        Some(npm::Route::Packument(name)) => {
            let accept = request.header("Accept").unwrap_or("application/json");
            packument(state, &name, accept)
        }
        Some(npm::Route::Tarball { name, .. }) => file(state, &path, Some(&name)),
        None => text(404, "telltale firewall: not a package document or file"),
    }
}

/// A path with nothing a file system or a second parser could read differently: no `..`
/// segment, no backslash, no control or non-ASCII byte, no percent-escape but a scope's
/// `%2f` and `@`'s `%40`.
fn safe_path(path: &str) -> bool {
    path.starts_with('/')
        && path.len() <= 1024
        && path.bytes().all(|b| b.is_ascii_graphic())
        && !path.contains('\\')
        && !path.split('/').any(|s| s == ".." || s == ".")
        && path.match_indices('%').all(|(i, _)| {
            let esc = path.get(i..i + 3).unwrap_or("").to_ascii_lowercase();
            esc == "%2f" || esc == "%40"
        })
}

fn text(status: u16, body: &str) -> Response {
    Response::new(
        status,
        "text/plain; charset=utf-8",
        body.as_bytes().to_vec(),
    )
}

/// How long resolving a name or connecting may take before the attempt is retried.
const UPSTREAM_STEP_LIMIT: Duration = Duration::from_secs(10);
/// Attempts per upstream request: transport failures and 5xx answers are retried.
const UPSTREAM_ATTEMPTS: u32 = 3;

/// GET upstream, at most `max` bytes; the status, the content type and the body. Failures of
/// the connection and server errors are tried again, twice, after a short pause.
fn fetch(
    state: &State,
    url: &str,
    accept: &str,
    max: u64,
) -> Result<(u16, String, Vec<u8>), String> {
    let mut attempt = 1;
    loop {
        let result = fetch_once(state, url, accept, max);
        let retry = match &result {
            Ok((status, _, _)) => *status >= 500,
            Err(_) => true,
        };
        if !retry || attempt >= UPSTREAM_ATTEMPTS {
            return result;
        }
        std::thread::sleep(Duration::from_millis(250 * u64::from(attempt)));
        attempt += 1;
    }
}

fn fetch_once(
    state: &State,
    url: &str,
    accept: &str,
    max: u64,
) -> Result<(u16, String, Vec<u8>), String> {
    let mut response = state
        .agent
        .get(url)
        .header("Accept", accept)
        .call()
        .map_err(|e| format!("upstream {url}: {e}"))?;
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let mut body = Vec::new();
    response
        .body_mut()
        .as_reader()
        .take(max + 1)
        .read_to_end(&mut body)
        .map_err(|e| format!("upstream {url}: {e}"))?;
    if body.len() as u64 > max {
        return Err(format!("upstream {url}: larger than {max} bytes"));
    }
    Ok((status, content_type, body))
}

// ------------------------------------------------------------------------------- documents

fn packument(state: &State, name: &str, accept: &str) -> Response {
    let url = format!(
        "{}/{}",
        state.opts.npm_upstream.trim_end_matches('/'),
        npm::escaped(name)
    );
    let (status, _, body) = match fetch(state, &url, accept, 256 << 20) {
        Ok(r) => r,
        Err(e) => return text(502, &format!("telltale firewall: {e}")),
    };
    if status != 200 {
        return text(
            if status == 404 { 404 } else { 502 },
            &format!("telltale firewall: upstream answered {status} for {name}"),
        );
    }
    let Ok(mut doc) = serde_json::from_slice::<serde_json::Value>(&body) else {
        return text(
            502,
            &format!("telltale firewall: upstream sent something other than JSON for {name}"),
        );
    };
    let known = npm::rewrite(&mut doc, &state.base, &state.opts.npm_upstream);
    lock(&state.known).extend(known);
    Response::new(
        200,
        "application/json",
        serde_json::to_vec(&doc).unwrap_or_default(),
    )
}

fn pypi_page(state: &State, project: &str) -> Response {
    let url = format!(
        "{}/{}/",
        state.opts.pypi_upstream.trim_end_matches('/'),
        pypi::normalize(project)
    );
    let accept = format!("{}, text/html;q=0.1", pypi::JSON_TYPE);
    let (status, content_type, body) = match fetch(state, &url, &accept, 64 << 20) {
        Ok(r) => r,
        Err(e) => return text(502, &format!("telltale firewall: {e}")),
    };
    if status != 200 {
        return text(
            if status == 404 { 404 } else { 502 },
            &format!("telltale firewall: upstream answered {status} for {project}"),
        );
    }
    let body = String::from_utf8_lossy(&body);
    let mut register = |k: Known| -> String {
        let n = state.next_file.fetch_add(1, Ordering::Relaxed);
        let path = format!("/-/pypi/files/{n}/{}", k.file);
        lock(&state.known).insert(path.clone(), k);
        path
    };
    let Some(page) = pypi::rewrite(&body, &content_type, project, &url, &mut register) else {
        return text(
            502,
            &format!("telltale firewall: upstream sent an unreadable page for {project}"),
        );
    };
    let kind = if content_type.contains("json") {
        pypi::JSON_TYPE
    } else {
        "text/html; charset=utf-8"
    };
    Response::new(200, kind, page.into_bytes())
}

// ----------------------------------------------------------------------------------- files

/// Serve a listed file, judged; one fetch and decision per path however many ask at once.
fn file(state: &State, path: &str, npm_name: Option<&str>) -> Response {
    let mut known = lock(&state.known).get(path).cloned();
    // A tarball asked for before its document (a lockfile's resolved URL): read the document.
    if known.is_none() {
        if let Some(name) = npm_name {
            let url = format!(
                "{}/{}",
                state.opts.npm_upstream.trim_end_matches('/'),
                npm::escaped(name)
            );
            // The abbreviated document npm itself asks for: enough for tarballs, much smaller.
            let accept = "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8";
            if let Ok((200, _, body)) = fetch(state, &url, accept, 256 << 20) {
                if let Ok(mut doc) = serde_json::from_slice::<serde_json::Value>(&body) {
                    let found = npm::rewrite(&mut doc, &state.base, &state.opts.npm_upstream);
                    lock(&state.known).extend(found);
                    known = lock(&state.known).get(path).cloned();
                }
            }
        }
    }
    let Some(known) = known else {
        return text(
            404,
            "telltale firewall: not a file a package document listed with a checkable integrity",
        );
    };
    let slot = lock(&state.in_flight)
        .entry(path.to_string())
        .or_default()
        .clone();
    let served = {
        let mut guard = lock(&slot);
        match guard.as_ref() {
            Some(s) => s.clone(),
            None => {
                let s = Arc::new(decide(state, &known));
                *guard = Some(s.clone());
                s
            }
        }
    };
    // Later requests fetch again (bytes are not kept) but reuse the decision.
    lock(&state.in_flight).remove(path);
    match served.as_ref() {
        Served::Bytes(bytes) => Response::new(200, "application/octet-stream", bytes.clone()),
        Served::Refused { status, reason } => refusal(*status, reason, known.ecosystem),
    }
}

/// Fetch, check, judge, record.
fn decide(state: &State, k: &Known) -> Served {
    let started = Instant::now();
    let record = |action: &str, reason: &str, cached: bool, integrity: &str| {
        let event = Event {
            time: SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
            ecosystem: k.ecosystem,
            package: k.name.clone(),
            version: k.version.clone(),
            file: k.file.clone(),
            action: action.to_string(),
            reason: reason.to_string(),
            integrity: integrity.to_string(),
            cached,
            ms: started.elapsed().as_millis() as u64,
        };
        if let Some(log) = &state.audit {
            if let Ok(line) = serde_json::to_string(&event) {
                let _ = writeln!(lock(log), "{line}");
            }
        }
        if let Some(f) = &state.on_event {
            f(&event);
        }
        lock(&state.events).push(event);
    };
    let integrity = k.expected.to_sri();
    let bytes = match fetch(state, &k.upstream, "*/*", state.opts.max_bytes) {
        Ok((200, _, bytes)) => bytes,
        Ok((status, _, _)) => {
            let reason = format!("upstream answered {status} for {}", k.file);
            record("error", &reason, false, &integrity);
            return Served::Refused {
                status: 502,
                reason,
            };
        }
        Err(reason) => {
            record("error", &reason, false, &integrity);
            return Served::Refused {
                status: 502,
                reason,
            };
        }
    };
    if !k.expected.matches(&bytes) {
        let reason = format!(
            "{} does not match the integrity the registry published ({integrity}); not served",
            k.file
        );
        record("error", &reason, false, &integrity);
        return Served::Refused {
            status: 502,
            reason,
        };
    }
    // With publish times in play the judge is asked every time: an answer may change with
    // the clock (its own store still spares the scan).
    let earlier = if state.opts.publish_times {
        None
    } else {
        lock(&state.decided).get(&integrity).cloned()
    };
    let decision = match earlier {
        Some(d) => Decision { cached: true, ..d },
        None => {
            let published = k.published.or_else(|| publish_time(state, k));
            let d = state.judge.judge(&Artifact {
                ecosystem: k.ecosystem,
                name: &k.name,
                version: &k.version,
                file: &k.file,
                integrity: &integrity,
                bytes: &bytes,
                published,
            });
            if d.lasting {
                lock(&state.decided).insert(integrity.clone(), d.clone());
            }
            d
        }
    };
    record(
        decision.action.as_str(),
        &decision.reason,
        decision.cached,
        &integrity,
    );
    match decision.action {
        Action::Block => Served::Refused {
            status: 403,
            reason: format!(
                "blocked by telltale: {}@{}: {}",
                k.name, k.version, decision.reason
            ),
        },
        Action::Allow | Action::Warn => Served::Bytes(bytes),
    }
}

/// An npm version's publish time from the package's full document (the abbreviated one npm
/// installs from has none), read once per package; `None` unless asked for or not said.
fn publish_time(state: &State, k: &Known) -> Option<i64> {
    if !state.opts.publish_times || k.ecosystem != Ecosystem::Npm {
        return None;
    }
    if let Some(t) = lock(&state.times).get(&k.name) {
        return t.get(&k.version).copied();
    }
    let url = format!(
        "{}/{}",
        state.opts.npm_upstream.trim_end_matches('/'),
        npm::escaped(&k.name)
    );
    let (status, _, body) = fetch(state, &url, "application/json", 256 << 20).ok()?;
    if status != 200 {
        return None;
    }
    let doc: serde_json::Value = serde_json::from_slice(&body).ok()?;
    let times: HashMap<String, i64> = doc
        .get("time")
        .and_then(|t| t.as_object())
        .map(|m| {
            m.iter()
                .filter_map(|(v, t)| Some((v.clone(), unix_time(t.as_str()?)?)))
                .collect()
        })
        .unwrap_or_default();
    let found = times.get(&k.version).copied();
    lock(&state.times).insert(k.name.clone(), times);
    found
}

/// An RFC 3339 time (`2024-05-01T12:00:00.000Z`) as Unix seconds.
pub fn unix_time(s: &str) -> Option<i64> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(|t| t.unix_timestamp())
}

/// A refusal the package manager prints: npm shows a JSON body's `error` after the status
/// line, pip only the status line's reason phrase, so that is where the reason goes.
fn refusal(status: u16, reason: &str, ecosystem: Ecosystem) -> Response {
    let mut r = Response::new(
        status,
        "application/json",
        serde_json::json!({ "error": reason })
            .to_string()
            .into_bytes(),
    );
    r.reason = match (ecosystem, status) {
        (Ecosystem::Npm, 403) => "Blocked by telltale".into(),
        (Ecosystem::Npm, _) => "Not served by telltale".into(),
        (Ecosystem::Pypi, _) => reason.to_string(),
    };
    r
}

#[cfg(test)]
mod tests;
