//! One persona's run, seen from outside: lay out its home and `/etc`, start bubblewrap,
//! wait for the agent's isolation report, take over the listening sockets and serve the
//! fake internet on them, watch the home with inotify, let the steps run, and gather what
//! happened. The whole process tree dies with bubblewrap (`--die-with-parent`, PID
//! namespace) and is killed when the run's deadline passes.

use crate::persona::Persona;
use crate::prepare;
use crate::proto::{
    self, AgentConfig, AgentMsg, Check, Limits, SocketInfo, StepSpec, SupervisorMsg,
};
use crate::sandbox::{self, Layout, SandboxError, AGENT_INSIDE, RUN_INSIDE};
use crate::watch::{FileEvent, Watcher};
use serde::Serialize;
use std::io::Read;
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use telltale_fakenet::{Ca, NetEvent, Socket, World, WorldConfig};

/// TCP ports the fake internet serves. Connections to other ports are refused and not seen.
pub const TCP_PORTS: &[u16] = &[
    21, 22, 25, 53, 80, 443, 465, 587, 993, 995, 1080, 1337, 1883, 2375, 3000, 3128, 3306, 4000,
    4443, 4444, 5000, 5001, 5432, 5555, 6379, 6667, 7000, 8000, 8008, 8080, 8081, 8443, 8888, 9000,
    9090, 9200, 9418, 9999, 27017, 31337,
];

/// The uid the probed program runs as.
pub const PROGRAM_UID: u32 = 1000;

/// What one step did.
#[derive(Debug, Clone, Serialize)]
pub struct StepRun {
    pub name: String,
    pub command: Vec<String>,
    pub install_script: bool,
    pub started_ms: u64,
    pub ms: u64,
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    pub timed_out: bool,
    pub stdout: String,
    pub stderr: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl StepRun {
    /// How the step ended, in words: its error, the time limit, `exit N` or `signal N`.
    pub fn outcome(&self) -> String {
        match (self.timed_out, self.exit_code, self.signal, &self.error) {
            (_, _, _, Some(e)) => e.clone(),
            (true, _, _, _) => "stopped at the time limit".into(),
            (_, Some(c), _, _) => format!("exit {c}"),
            (_, None, Some(sig), _) => format!("signal {sig}"),
            _ => "did not run".into(),
        }
    }
}

/// Everything observed under one persona.
#[derive(Debug, Clone, Serialize)]
pub struct PersonaRun {
    pub persona: String,
    pub country: String,
    pub time_zone: String,
    pub locale: String,
    pub hostname: String,
    pub user: String,
    pub registry: String,
    pub isolation: Vec<Check>,
    pub steps: Vec<StepRun>,
    /// Names the program looked up or connected to, in order of first contact.
    pub hosts: Vec<String>,
    pub network: Vec<NetEvent>,
    pub leaks: Vec<telltale_fakenet::Leak>,
    /// Which run of this persona (with `--repeat`), from 0.
    pub attempt: usize,
    /// Honey files opened (`~/.npmrc`, `/etc/machine-id`, …).
    pub sensitive_reads: Vec<String>,
    /// Files the program made (outside its own package), temporary ones included.
    pub files_created: Vec<String>,
    /// Files that existed before the run (outside its package) and were overwritten.
    pub files_written: Vec<String>,
    /// Files that existed before the run (outside its package) and were deleted or moved away.
    pub files_deleted: Vec<String>,
    pub file_events: Vec<FileEvent>,
    pub file_events_dropped: usize,
    pub stragglers_killed: usize,
    /// The agent vanished before it finished: the program killed it, or the deadline passed.
    pub incomplete: bool,
    pub warnings: Vec<String>,
    /// The persona itself, for replacing its values with placeholders when comparing.
    #[serde(skip)]
    pub normalizer: Persona,
}

impl PersonaRun {
    /// Each honey value sent, in words (`ssh-key (base64) in http body to x.io`), once: an A
    /// and an AAAA query carry the same leak.
    pub fn leaks_in_words(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for l in &self.leaks {
            let line = format!(
                "{} ({}) in {}{}",
                l.kind,
                l.encoding,
                l.channel,
                l.host
                    .as_deref()
                    .map(|h| format!(" to {h}"))
                    .unwrap_or_default()
            );
            if !out.contains(&line) {
                out.push(line);
            }
        }
        out
    }

    /// A run of `p` with nothing observed yet.
    pub fn new(p: &Persona, attempt: usize) -> PersonaRun {
        PersonaRun {
            persona: p.code.clone(),
            country: p.country.clone(),
            time_zone: p.time_zone.clone(),
            locale: p.locale.clone(),
            hostname: p.hostname.clone(),
            user: p.user.clone(),
            registry: p.registry.clone(),
            isolation: vec![],
            steps: vec![],
            hosts: vec![],
            network: vec![],
            leaks: vec![],
            attempt,
            sensitive_reads: vec![],
            files_created: vec![],
            files_written: vec![],
            files_deleted: vec![],
            file_events: vec![],
            file_events_dropped: 0,
            stragglers_killed: 0,
            incomplete: false,
            warnings: vec![],
            normalizer: p.clone(),
        }
    }
}

pub struct RunSpec<'a> {
    pub bwrap: &'a Path,
    pub exe: &'a Path,
    pub project: &'a Path,
    /// The package inside the project, relative (`node_modules/NAME`), for its own writes.
    pub package_dir: Option<&'a str>,
    pub steps: &'a [crate::Step],
    pub limits: Limits,
    pub ca: Option<Arc<Ca>>,
    pub work: &'a Path,
}

pub fn run_persona(
    p: &Persona,
    attempt: usize,
    spec: &RunSpec,
) -> Result<PersonaRun, SandboxError> {
    let start_err = |what: &str, e: std::io::Error| SandboxError::Start(format!("{what}: {e}"));
    let root = spec.work.join(format!("{}-{attempt}", p.code));
    let home = root.join("home");
    let run = root.join("run");
    let etc = root.join("etc");
    for d in [&home, &run, &etc] {
        std::fs::create_dir_all(d)
            .map_err(|e| start_err("cannot make the persona's folders", e))?;
    }
    prepare::write_home(&home, p).map_err(|e| start_err("cannot write the persona's home", e))?;
    prepare::copy_tree(spec.project, &home.join("project"))
        .map_err(|e| start_err("cannot copy the project", e))?;
    let mut etc_list = Vec::new();
    for (name, text) in prepare::etc_files(p, PROGRAM_UID) {
        let path = etc.join(&name);
        std::fs::write(&path, text).map_err(|e| start_err("cannot write /etc files", e))?;
        etc_list.push((name, path));
    }
    let machine_id = etc.join("machine-id");
    let (ca_file, bundle_file) = (
        format!("{RUN_INSIDE}/ca.pem"),
        format!("{RUN_INSIDE}/ca-bundle.pem"),
    );
    if let Some(ca) = &spec.ca {
        std::fs::write(run.join("ca.pem"), ca.cert_pem())
            .map_err(|e| start_err("cannot write the CA", e))?;
        let system = [
            "/etc/ssl/certs/ca-certificates.crt",
            "/etc/pki/tls/certs/ca-bundle.crt",
        ]
        .iter()
        .find_map(|f| std::fs::read_to_string(f).ok())
        .unwrap_or_default();
        std::fs::write(
            run.join("ca-bundle.pem"),
            format!("{system}\n{}", ca.cert_pem()),
        )
        .map_err(|e| start_err("cannot write the CA bundle", e))?;
    }
    let project_inside = format!("{}/project", p.home);
    let steps: Vec<StepSpec> = spec
        .steps
        .iter()
        .map(|s| StepSpec {
            name: s.name.clone(),
            argv: s.argv.clone(),
            cwd: match &s.cwd_in_project {
                Some(rel) => format!("{project_inside}/{rel}"),
                None => project_inside.clone(),
            },
            env: environment(
                p,
                s,
                &project_inside,
                spec.package_dir,
                spec.ca.is_some().then_some((&ca_file, &bundle_file)),
            ),
            timeout_ms: s.timeout.as_millis() as u64,
        })
        .collect();
    let mut must_not_write: Vec<String> = ["/", "/usr", "/etc", "/var", "/opt", "/srv"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    // The working folder and telltale's own folder, unless the sandbox hides them anyway.
    let hidden = sandbox::hidden_dirs();
    for dir in [
        std::env::current_dir().ok(),
        spec.exe.parent().map(Path::to_path_buf),
    ]
    .into_iter()
    .flatten()
    {
        if !hidden.iter().any(|h| dir.starts_with(h)) {
            must_not_write.push(dir.display().to_string());
        }
    }
    let cfg = AgentConfig {
        hostname: p.hostname.clone(),
        user: p.user.clone(),
        home: p.home.clone(),
        uid: PROGRAM_UID,
        must_not_write,
        tcp_ports: TCP_PORTS.to_vec(),
        self_exe: AGENT_INSIDE.into(),
        steps: steps.clone(),
        limits: spec.limits,
    };
    std::fs::write(
        run.join("agent.json"),
        serde_json::to_vec(&cfg).unwrap_or_default(),
    )
    .map_err(|e| start_err("cannot write the agent's config", e))?;
    let layout = Layout {
        home: home.clone(),
        home_inside: p.home.clone(),
        etc: etc_list,
        localtime: format!("/usr/share/zoneinfo/{}", p.time_zone),
        run,
        machine_id: machine_id.clone(),
        hostname: p.hostname.clone(),
        exe: spec.exe.to_path_buf(),
    };

    let (ours, theirs) =
        proto::pair().map_err(|e| SandboxError::Start(format!("socketpair: {e}")))?;
    let mut cmd = sandbox::bwrap_command(spec.bwrap, &layout);
    cmd.env_clear()
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .stdin(Stdio::from(theirs))
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let spawned = cmd.spawn();
    // The command holds our copy of the agent's end: drop it, or the agent's death is never seen.
    drop(cmd);
    let mut child = spawned
        .map_err(|e| SandboxError::Start(format!("cannot run {}: {e}", spec.bwrap.display())))?;
    let stderr = child.stderr.take().map(|mut s| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = (&mut s).take(64 * 1024).read_to_string(&mut text);
            text
        })
    });
    let mut guard = ChildGuard(Some(child));
    let fail_with_stderr = |guard: &mut ChildGuard,
                            stderr: Option<std::thread::JoinHandle<String>>,
                            fallback: String| {
        guard.kill();
        let text = stderr.and_then(|h| h.join().ok()).unwrap_or_default();
        if text.trim().is_empty() {
            SandboxError::Start(fallback)
        } else {
            sandbox::classify_start_failure(&text)
        }
    };

    // 1. The isolation report, before anything untrusted has run.
    let isolation = match recv_with_deadline(&ours, Duration::from_secs(20)) {
        Some((AgentMsg::Isolation { checks }, _)) => checks,
        _ => {
            return Err(fail_with_stderr(
                &mut guard,
                stderr,
                "the agent did not report".into(),
            ))
        }
    };
    if let Some(bad) = isolation.iter().find(|c| !c.ok) {
        guard.kill();
        return Err(SandboxError::NotIsolated(format!(
            "{}: {}",
            bad.name, bad.detail
        )));
    }
    // 2. The sockets, bound inside the sandbox's network namespace.
    let (infos, fds, mut warnings) = match recv_with_deadline(&ours, Duration::from_secs(20)) {
        Some((AgentMsg::Sockets { sockets, warnings }, fds)) => (sockets, fds, warnings),
        _ => {
            return Err(fail_with_stderr(
                &mut guard,
                stderr,
                "the agent did not hand over its sockets".into(),
            ))
        }
    };
    let world = World::start(
        to_sockets(&infos, fds),
        WorldConfig {
            ca: spec.ca.clone(),
            started,
            ..WorldConfig::new(p.geo.clone())
        },
    );
    let existing = files_below(&home, &p.home);
    let roots = vec![(home.clone(), p.home.clone())];
    let files = vec![(machine_id, "/etc/machine-id".to_string())];
    let watcher = match Watcher::start(&roots, &files, started) {
        Ok(w) => Some(w),
        Err(e) => {
            warnings.push(format!("files are not watched (inotify: {e})"));
            None
        }
    };
    let _ = proto::send_on(&ours, &SupervisorMsg::Go);

    // 3. The steps.
    let total: Duration = spec
        .steps
        .iter()
        .map(|s| s.timeout + Duration::from_secs(2))
        .sum::<Duration>()
        + Duration::from_secs(10);
    let deadline = Instant::now() + total;
    let mut runs: Vec<StepRun> = spec
        .steps
        .iter()
        .map(|s| StepRun {
            name: s.name.clone(),
            command: s.argv.clone(),
            install_script: s.install_script,
            started_ms: 0,
            ms: 0,
            exit_code: None,
            signal: None,
            timed_out: false,
            stdout: String::new(),
            stderr: String::new(),
            error: Some("did not run".into()),
        })
        .collect();
    let mut incomplete = true;
    let mut stragglers_killed = 0;
    while let Some((msg, _)) =
        recv_with_deadline(&ours, deadline.saturating_duration_since(Instant::now()))
    {
        match msg {
            AgentMsg::StepStart { step, .. } => {
                // The supervisor's clock, which the network and file events use too.
                if let Some(r) = runs.get_mut(step) {
                    r.started_ms = started.elapsed().as_millis() as u64;
                    r.error = None;
                }
            }
            AgentMsg::Output { step, stderr, text } => {
                if let Some(r) = runs.get_mut(step) {
                    let out = if stderr { &mut r.stderr } else { &mut r.stdout };
                    if out.len() < 256 * 1024 {
                        out.push_str(&text);
                    }
                }
            }
            AgentMsg::StepEnd {
                step,
                exit_code,
                signal,
                timed_out,
                ms,
                error,
            } => {
                if let Some(r) = runs.get_mut(step) {
                    (r.exit_code, r.signal, r.timed_out, r.ms, r.error) =
                        (exit_code, signal, timed_out, ms, error);
                }
            }
            AgentMsg::Done {
                stragglers_killed: n,
            } => {
                stragglers_killed = n;
                incomplete = false;
                break;
            }
            AgentMsg::Isolation { .. } | AgentMsg::Sockets { .. } => {}
        }
    }
    guard.kill();
    drop(ours);
    let network = world.stop();
    let (file_events, file_events_dropped) = watcher.map(Watcher::stop).unwrap_or_default();
    let bwrap_stderr = stderr.and_then(|h| h.join().ok()).unwrap_or_default();
    if incomplete {
        let why = if Instant::now() >= deadline {
            format!("the deadline of {} s passed", total.as_secs())
        } else {
            "telltale's agent inside the sandbox was killed; the probed program can do that, and hiding from observation is itself a sign".to_string()
        };
        let said = if bwrap_stderr.trim().is_empty() {
            String::new()
        } else {
            format!("; bubblewrap said: {}", bwrap_stderr.trim())
        };
        warnings.push(format!("the run was cut short: {why}{said}"));
        for r in runs.iter_mut().filter(|r| {
            r.error.is_none() && r.exit_code.is_none() && r.signal.is_none() && !r.timed_out
        }) {
            r.error = Some("cut short".into());
        }
    }
    let leaks = telltale_fakenet::find_leaks(&network, &p.honey());
    let hosts = contacted_hosts(&network, p);
    let package_prefix = spec.package_dir.map(|d| format!("{project_inside}/{d}/"));
    let home_prefix = format!("{}/", p.home);
    let mut sensitive_reads = Vec::new();
    let (mut created, mut written, mut deleted) = (Vec::new(), Vec::new(), Vec::new());
    for e in &file_events {
        let own_package = package_prefix
            .as_deref()
            .is_some_and(|pre| e.path.starts_with(pre));
        match e.action {
            "open" => {
                let rel = e.path.strip_prefix(&home_prefix).unwrap_or(&e.path);
                let sensitive = e.path == "/etc/machine-id"
                    || (e.path.starts_with(&home_prefix) && prepare::is_sensitive(rel));
                if sensitive && !sensitive_reads.contains(&display_path(&e.path, p)) {
                    sensitive_reads.push(display_path(&e.path, p));
                }
            }
            "create" | "move-in" if !own_package => {
                push_unique(&mut created, display_path(&e.path, p))
            }
            "write" if !own_package && existing.contains(&e.path) => {
                push_unique(&mut written, display_path(&e.path, p))
            }
            "delete" | "move-out" if !own_package && existing.contains(&e.path) => {
                push_unique(&mut deleted, display_path(&e.path, p))
            }
            _ => {}
        }
    }
    Ok(PersonaRun {
        isolation,
        steps: runs,
        hosts,
        network,
        leaks,
        sensitive_reads,
        files_created: created,
        files_written: written,
        files_deleted: deleted,
        file_events,
        file_events_dropped,
        stragglers_killed,
        incomplete,
        warnings,
        ..PersonaRun::new(p, attempt)
    })
}

/// Every file below `host`, named as inside (`inside` + relative path).
fn files_below(host: &Path, inside: &str) -> std::collections::HashSet<String> {
    let mut out = std::collections::HashSet::new();
    let mut stack = vec![(host.to_path_buf(), inside.to_string())];
    while let Some((h, i)) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&h) else {
            continue;
        };
        for entry in rd.flatten() {
            let name = format!("{i}/{}", entry.file_name().to_string_lossy());
            match entry.file_type() {
                Ok(t) if t.is_dir() => stack.push((entry.path(), name)),
                Ok(_) => {
                    out.insert(name);
                }
                Err(_) => {}
            }
        }
    }
    out
}

fn push_unique(v: &mut Vec<String>, s: String) {
    if !v.contains(&s) {
        v.push(s);
    }
}

/// `~/.npmrc` for paths in the home; others as they are.
fn display_path(path: &str, p: &Persona) -> String {
    match path.strip_prefix(&p.home) {
        Some(rest) => format!("~{rest}"),
        None => path.to_string(),
    }
}

/// Every name looked up or connected to, first contact first; the persona's own host name
/// and `localhost` are not contacts.
fn contacted_hosts(events: &[NetEvent], p: &Persona) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for e in events {
        let Some(h) = e.host() else { continue };
        let h = h.trim_end_matches('.').to_ascii_lowercase();
        if h.is_empty()
            || h == "localhost"
            || h == p.hostname.to_ascii_lowercase()
            || h.parse::<std::net::IpAddr>().is_ok()
        {
            continue;
        }
        if !out.contains(&h) {
            out.push(h);
        }
    }
    out
}

fn environment(
    p: &Persona,
    step: &crate::Step,
    project: &str,
    package_dir: Option<&str>,
    ca: Option<(&String, &String)>,
) -> Vec<(String, String)> {
    let lang = p.locale.split('.').next().unwrap_or("en_US");
    let mut path = String::new();
    if let Some(dir) = package_dir {
        path.push_str(&format!("{project}/{dir}/node_modules/.bin:"));
    }
    path.push_str(&format!(
        "{project}/node_modules/.bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    ));
    let mut env: Vec<(String, String)> = vec![
        ("HOME".into(), p.home.clone()),
        ("USER".into(), p.user.clone()),
        ("LOGNAME".into(), p.user.clone()),
        ("SHELL".into(), "/bin/bash".into()),
        ("PATH".into(), path),
        ("HOSTNAME".into(), p.hostname.clone()),
        ("TERM".into(), "xterm-256color".into()),
        ("TZ".into(), p.time_zone.clone()),
        ("LANG".into(), p.locale.clone()),
        ("LC_ALL".into(), p.locale.clone()),
        (
            "LANGUAGE".into(),
            format!("{lang}:{}", lang.split('_').next().unwrap_or("en")),
        ),
        ("npm_config_registry".into(), p.registry.clone()),
        ("GITHUB_TOKEN".into(), p.github_token.clone()),
        ("NPM_TOKEN".into(), p.npm_token.clone()),
    ];
    if let Some((ca, bundle)) = ca {
        for k in [
            "SSL_CERT_FILE",
            "REQUESTS_CA_BUNDLE",
            "CURL_CA_BUNDLE",
            "GIT_SSL_CAINFO",
            "PIP_CERT",
        ] {
            env.push((k.into(), bundle.clone()));
        }
        env.push(("NODE_EXTRA_CA_CERTS".into(), ca.clone()));
    }
    env.extend(step.env.iter().cloned());
    env
}

fn to_sockets(infos: &[SocketInfo], fds: Vec<OwnedFd>) -> Vec<Socket> {
    infos
        .iter()
        .zip(fds)
        .map(|(i, fd)| {
            if i.udp {
                Socket::Udp(std::net::UdpSocket::from(fd))
            } else {
                Socket::Tcp(std::net::TcpListener::from(fd))
            }
        })
        .collect()
}

/// Wait for one message at most `wait`; `None` on timeout, end of stream or a bad message.
fn recv_with_deadline(fd: &OwnedFd, wait: Duration) -> Option<(AgentMsg, Vec<OwnedFd>)> {
    use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
    use std::os::fd::BorrowedFd;
    // SAFETY: `fd` outlives this borrow.
    let borrowed = unsafe { BorrowedFd::borrow_raw(fd.as_raw_fd()) };
    let mut fds = [PollFd::new(borrowed, PollFlags::POLLIN)];
    let ms = wait.as_millis().min(i32::MAX as u128) as i32;
    match poll(
        &mut fds,
        PollTimeout::try_from(ms).unwrap_or(PollTimeout::MAX),
    ) {
        Ok(n) if n > 0 => proto::recv::<AgentMsg>(fd.as_raw_fd()).ok().flatten(),
        _ => None,
    }
}

/// Kills bubblewrap (and with it the sandbox) when dropped.
struct ChildGuard(Option<Child>);

impl ChildGuard {
    fn kill(&mut self) {
        if let Some(mut c) = self.0.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        self.kill();
    }
}
