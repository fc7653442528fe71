//! The agent: telltale's own code, the first thing that runs inside the sandbox
//! (`telltale __probe-agent`). Before anything untrusted runs it checks the isolation and
//! reports each property; only then does it route every address to loopback, bind the
//! listening sockets, hand them to the supervisor outside, and run the steps through the
//! exec helper, which puts the probed program in a nested user namespace without any
//! capability. At the end it kills every process left in the sandbox.

use crate::isolation;
use crate::proto::{self, AgentConfig, AgentMsg, SocketInfo, StepSpec, SupervisorMsg};
use nix::fcntl::{fcntl, FcntlArg};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use std::io::Read;
use std::net::{TcpListener, UdpSocket};
use std::os::fd::{AsRawFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Most bytes of stdout and of stderr forwarded per step; the rest is drained and dropped.
const MAX_OUTPUT: usize = 256 * 1024;

/// Run the agent. The control socket is standard input. Returns the process exit code.
pub fn agent_main(config_path: &str) -> i32 {
    // Move the control socket off fd 0 (close-on-exec) so no child inherits it.
    let ctl: RawFd = match fcntl(std::io::stdin(), FcntlArg::F_DUPFD_CLOEXEC(10)) {
        Ok(fd) => fd,
        Err(e) => {
            eprintln!("telltale probe agent: no control socket: {e}");
            return 3;
        }
    };
    // SAFETY: `ctl` was just created by F_DUPFD_CLOEXEC and is owned by nothing else.
    let ctl = unsafe { OwnedFd::from_raw_fd(ctl) };
    let fail = |message: String| {
        eprintln!("telltale probe agent: {message}");
        3
    };
    let cfg: AgentConfig = match std::fs::read(config_path)
        .map_err(|e| e.to_string())
        .and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string()))
    {
        Ok(c) => c,
        Err(e) => return fail(format!("cannot read {config_path}: {e}")),
    };
    // Not dumpable: the probed program (same uid outside) cannot ptrace the agent or open its
    // descriptors through /proc.
    let _ = nix::sys::prctl::set_dumpable(false);
    let started = Instant::now();

    let checks = isolation::check(&cfg);
    let isolated = checks.iter().all(|c| c.ok);
    if proto::send(ctl.as_raw_fd(), &AgentMsg::Isolation { checks }, &[]).is_err() || !isolated {
        return 3;
    }

    let mut warnings = route_every_address_to_loopback();
    let (infos, sockets, bind_warnings) = bind_sockets(&cfg.tcp_ports);
    warnings.extend(bind_warnings);
    let raw: Vec<RawFd> = sockets.iter().map(|s| s.as_raw_fd()).collect();
    if let Err(e) = proto::send(
        ctl.as_raw_fd(),
        &AgentMsg::Sockets {
            sockets: infos,
            warnings,
        },
        &raw,
    ) {
        return fail(format!("cannot hand the sockets over: {e}"));
    }
    // The supervisor holds them now; the agent's copies would only keep ports open.
    drop(sockets);
    match proto::recv::<SupervisorMsg>(ctl.as_raw_fd()) {
        Ok(Some((SupervisorMsg::Go, _))) => {}
        _ => return 0,
    }

    let ctl = Arc::new(ctl);
    for (i, step) in cfg.steps.iter().enumerate() {
        let _ = proto::send(
            ctl.as_raw_fd(),
            &AgentMsg::StepStart {
                step: i,
                t_ms: started.elapsed().as_millis() as u64,
            },
            &[],
        );
        let end = run_step(i, step, &cfg, &ctl);
        let _ = proto::send(ctl.as_raw_fd(), &end, &[]);
    }
    let stragglers_killed = kill_everything_else();
    let _ = proto::send(ctl.as_raw_fd(), &AgentMsg::Done { stragglers_killed }, &[]);
    0
}

/// `ip route add local 0.0.0.0/0 dev lo`: with it, a connection to any address (a literal
/// IP included) lands on the fake internet instead of failing with "network unreachable".
fn route_every_address_to_loopback() -> Vec<String> {
    let Some(ip) = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
    else {
        return vec!["no `ip` command (iproute2): connections to literal IP addresses are not captured, only to names".into()];
    };
    let mut warnings = Vec::new();
    for args in [
        &["route", "add", "local", "0.0.0.0/0", "dev", "lo"][..],
        &["-6", "route", "add", "local", "::/0", "dev", "lo"][..],
    ] {
        match Command::new(ip).args(args).stdin(Stdio::null()).output() {
            Ok(o) if o.status.success() => {}
            Ok(o) => warnings.push(format!(
                "`ip {}` failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&o.stderr).trim()
            )),
            Err(e) => warnings.push(format!("cannot run {ip}: {e}")),
        }
    }
    warnings
}

/// Bind DNS on UDP 53 and a listener on every served TCP port, dual-stack where possible.
fn bind_sockets(tcp_ports: &[u16]) -> (Vec<SocketInfo>, Vec<OwnedFd>, Vec<String>) {
    let (mut infos, mut fds, mut warnings) = (Vec::new(), Vec::new(), Vec::new());
    match UdpSocket::bind("[::]:53").or_else(|_| UdpSocket::bind("0.0.0.0:53")) {
        Ok(s) => {
            infos.push(SocketInfo {
                udp: true,
                port: 53,
            });
            // SAFETY: into_raw_fd gives up ownership, which the OwnedFd takes.
            fds.push(unsafe { OwnedFd::from_raw_fd(s.into_raw_fd()) });
        }
        Err(e) => warnings.push(format!("cannot bind the DNS resolver on UDP port 53: {e}")),
    }
    for &port in tcp_ports {
        match TcpListener::bind(("::", port)).or_else(|_| TcpListener::bind(("0.0.0.0", port))) {
            Ok(l) => {
                infos.push(SocketInfo { udp: false, port });
                // SAFETY: as above.
                fds.push(unsafe { OwnedFd::from_raw_fd(l.into_raw_fd()) });
            }
            Err(e) => warnings.push(format!("cannot listen on TCP port {port}: {e}")),
        }
    }
    (infos, fds, warnings)
}

fn run_step(index: usize, step: &StepSpec, cfg: &AgentConfig, ctl: &Arc<OwnedFd>) -> AgentMsg {
    let started = Instant::now();
    let limits = serde_json::to_string(&cfg.limits).unwrap_or_default();
    let mut cmd = Command::new(&cfg.self_exe);
    cmd.arg("__probe-exec")
        .arg(cfg.uid.to_string())
        .arg(limits)
        .arg("--")
        .args(&step.argv);
    cmd.env_clear()
        .envs(step.env.iter().map(|(k, v)| (k, v)))
        .current_dir(&step.cwd);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let end = |exit_code, signal, timed_out, error: Option<String>| AgentMsg::StepEnd {
        step: index,
        exit_code,
        signal,
        timed_out,
        ms: started.elapsed().as_millis() as u64,
        error,
    };
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => return end(None, None, false, Some(format!("cannot start: {e}"))),
    };
    let readers: Vec<_> = [
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    ]
    .into_iter()
    .enumerate()
    .filter_map(|(n, r)| r.map(|r| (n == 1, r)))
    .map(|(stderr, r)| {
        let ctl = Arc::clone(ctl);
        std::thread::spawn(move || forward_output(index, stderr, r, &ctl))
    })
    .collect();
    let deadline = started + Duration::from_millis(step.timeout_ms);
    let pgid = Pid::from_raw(child.id() as i32);
    let (status, timed_out) = loop {
        match child.try_wait() {
            Ok(Some(s)) => break (Some(s), false),
            Ok(None) if Instant::now() >= deadline => {
                let _ = kill(Pid::from_raw(-pgid.as_raw()), Signal::SIGKILL);
                break (child.wait().ok(), true);
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(_) => break (None, false),
        }
    };
    // A background child that keeps the pipes open must not hold the step up.
    let grace = Instant::now() + Duration::from_millis(500);
    for r in readers {
        while !r.is_finished() && Instant::now() < grace {
            std::thread::sleep(Duration::from_millis(10));
        }
        if r.is_finished() {
            let _ = r.join();
        }
    }
    match status {
        Some(s) => end(s.code(), s.signal(), timed_out, None),
        None => end(
            None,
            None,
            timed_out,
            Some("lost track of the process".into()),
        ),
    }
}

fn forward_output(step: usize, stderr: bool, mut r: Box<dyn Read + Send>, ctl: &OwnedFd) {
    let mut buf = vec![0u8; 16 * 1024];
    let mut sent = 0usize;
    let mut pending: Vec<u8> = Vec::new();
    loop {
        let n = match r.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if sent >= MAX_OUTPUT {
            continue;
        }
        let take = n.min(MAX_OUTPUT - sent);
        sent += take;
        pending.extend_from_slice(&buf[..take]);
        // Keep a split UTF-8 sequence for the next chunk.
        let cut = match std::str::from_utf8(&pending) {
            Ok(_) => pending.len(),
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(_) => pending.len(),
        };
        let text = String::from_utf8_lossy(&pending[..cut]).into_owned();
        pending.drain(..cut);
        if !text.is_empty() {
            let _ = proto::send(
                ctl.as_raw_fd(),
                &AgentMsg::Output { step, stderr, text },
                &[],
            );
        }
    }
    if !pending.is_empty() {
        let _ = proto::send(
            ctl.as_raw_fd(),
            &AgentMsg::Output {
                step,
                stderr,
                text: String::from_utf8_lossy(&pending).into_owned(),
            },
            &[],
        );
    }
}

/// SIGKILL every other process in the sandbox's PID namespace (daemons the program left).
fn kill_everything_else() -> usize {
    let me = std::process::id() as i32;
    let others = || -> Vec<i32> {
        std::fs::read_dir("/proc")
            .map(|d| {
                d.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
                    .filter(|&p| p != me && p != 1)
                    .collect()
            })
            .unwrap_or_default()
    };
    let before = others().len();
    if before > 0 {
        let _ = kill(Pid::from_raw(-1), Signal::SIGKILL);
        std::thread::sleep(Duration::from_millis(50));
    }
    before
}

/// The exec helper (`telltale __probe-exec UID LIMITS -- ARGV…`): enter a user namespace of
/// our own as `uid`, lose every capability, apply the limits, check, and exec the program.
/// Single-threaded, so the namespace calls are safe. Returns only on failure.
pub fn exec_main(uid: &str, limits: &str, argv: &[String]) -> i32 {
    let fail = |what: String| {
        eprintln!("telltale probe: {what}");
        126
    };
    let Ok(uid) = uid.parse::<u32>() else {
        return fail(format!("bad uid `{uid}`"));
    };
    let limits: proto::Limits = match serde_json::from_str(limits) {
        Ok(l) => l,
        Err(e) => return fail(format!("bad limits: {e}")),
    };
    let Some(program) = argv.first() else {
        return fail("nothing to run".into());
    };
    if let Err(e) = crate::sandbox::enter_unprivileged_user(uid) {
        return fail(format!("cannot drop to an unprivileged user: {e}"));
    }
    if let Err(e) = crate::sandbox::apply_limits(&limits) {
        return fail(format!("cannot apply limits: {e}"));
    }
    if let Err(e) = crate::sandbox::drop_all_capabilities() {
        return fail(format!("cannot drop capabilities: {e}"));
    }
    match crate::sandbox::effective_capabilities() {
        Some(0) => {}
        other => {
            return fail(format!(
                "refusing to run: capabilities still held ({other:?})"
            ))
        }
    }
    let e = Command::new(program).args(&argv[1..]).exec();
    fail(format!("cannot run `{program}`: {e}"))
}
