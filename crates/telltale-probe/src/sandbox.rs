//! Building the sandbox with bubblewrap, and the namespace calls the exec helper makes.
//!
//! Why bubblewrap: it is the small, audited setuid-free tool that Flatpak and GNOME build
//! their sandboxes with; it sets up the user, mount, PID, UTS, IPC and network namespaces,
//! the read-only view of the host and a process that dies with its parent, so telltale
//! does not re-implement mount-namespace plumbing. What bubblewrap cannot express (moving
//! the probed program into a nested user namespace without capabilities) the exec helper
//! does with `unshare(2)`.

use crate::proto::Limits;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Why a sandbox cannot be built here.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("bubblewrap (`bwrap`) is not installed: install it (Debian/Ubuntu: `apt-get install bubblewrap`; scripts/install-test-deps.sh does) or name it with TELLTALE_BWRAP")]
    NoBubblewrap,
    /// The kernel (or its policy) forbids unprivileged user namespaces.
    #[error("the kernel forbids the namespaces a sandbox needs: {0}")]
    NamespacesForbidden(String),
    #[error("the sandbox could not be started: {0}")]
    Start(String),
    #[error("the isolation check failed inside the sandbox, so nothing was run: {0}")]
    NotIsolated(String),
}

/// The bubblewrap binary: `TELLTALE_BWRAP`, else `bwrap` on PATH.
pub fn find_bwrap() -> Result<PathBuf, SandboxError> {
    if let Some(p) = std::env::var_os("TELLTALE_BWRAP").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    let path =
        std::env::var_os("PATH").unwrap_or_else(|| OsString::from("/usr/local/bin:/usr/bin:/bin"));
    std::env::split_paths(&path)
        .map(|d| d.join("bwrap"))
        .find(|p| p.is_file())
        .ok_or(SandboxError::NoBubblewrap)
}

/// What the kernel's settings say about unprivileged user namespaces, when they forbid them.
pub fn namespaces_forbidden_by_kernel() -> Option<String> {
    let read = |p: &str| {
        std::fs::read_to_string(p)
            .ok()
            .map(|s| s.trim().to_string())
    };
    if read("/proc/sys/user/max_user_namespaces").as_deref() == Some("0") {
        return Some("user.max_user_namespaces is 0".into());
    }
    let root = nix::unistd::geteuid().is_root();
    if !root && read("/proc/sys/kernel/unprivileged_userns_clone").as_deref() == Some("0") {
        return Some("kernel.unprivileged_userns_clone is 0".into());
    }
    None
}

/// bubblewrap's complaints that mean "namespaces are not allowed here", as opposed to a
/// mistake of ours.
pub fn classify_start_failure(stderr: &str) -> SandboxError {
    let s = stderr.trim();
    let forbidden = [
        "No permissions to create",
        "No permissions to creates",
        "Creating new namespace failed",
        "setting up uid map",
        "unshare failed",
        "Operation not permitted",
    ];
    if forbidden.iter().any(|m| s.contains(m)) {
        let why = namespaces_forbidden_by_kernel()
            .map(|k| format!(" ({k})"))
            .unwrap_or_default();
        return SandboxError::NamespacesForbidden(format!("{s}{why}"));
    }
    SandboxError::Start(if s.is_empty() {
        "bubblewrap exited without a word".into()
    } else {
        s.to_string()
    })
}

/// Where one persona's files are on the host, and where they appear inside.
pub struct Layout {
    /// The persona's home (writable), mounted at `home_inside`.
    pub home: PathBuf,
    pub home_inside: String,
    /// Files that replace the host's `/etc/<name>` inside (passwd, hosts, resolv.conf, …).
    pub etc: Vec<(String, PathBuf)>,
    /// `/etc/localtime` inside points at this zoneinfo file.
    pub localtime: String,
    /// Read-only files for the agent (its config, the CA), mounted at [`RUN_INSIDE`].
    pub run: PathBuf,
    /// A file standing in for `/var/lib/dbus/machine-id` when the host has one.
    pub machine_id: PathBuf,
    pub hostname: String,
    /// The telltale binary, run inside as the agent.
    pub exe: PathBuf,
}

/// Where [`Layout::run`] appears inside.
pub const RUN_INSIDE: &str = "/run/telltale-probe";
/// Where the telltale binary appears inside.
pub const AGENT_INSIDE: &str = "/run/telltale-agent";

/// The bubblewrap command line for one persona. The agent runs inside as uid 0 of a new user
/// namespace with only the capabilities it needs to set up the fake network.
pub fn bwrap_command(bwrap: &Path, l: &Layout) -> Command {
    let mut c = Command::new(bwrap);
    let s = |c: &mut Command, a: &[&str]| {
        c.args(a);
    };
    s(
        &mut c,
        &[
            "--unshare-all",
            "--unshare-user",
            "--die-with-parent",
            "--new-session",
            "--uid",
            "0",
            "--gid",
            "0",
        ],
    );
    // For the test that proves the isolation check refuses: the host's network, which the
    // check must catch. Never weakens a run that goes ahead, because the check stops it.
    if std::env::var_os("TELLTALE_PROBE_TEST_SHARE_NET").is_some_and(|v| v == "1") {
        s(&mut c, &["--share-net"]);
    }
    // NET_ADMIN: route every address to loopback; NET_BIND_SERVICE: DNS on port 53 and
    // HTTP(S) on 80/443; SETFCAP: map uid 0 when the exec helper nests a user namespace.
    s(
        &mut c,
        &[
            "--cap-add",
            "CAP_NET_ADMIN",
            "--cap-add",
            "CAP_NET_BIND_SERVICE",
            "--cap-add",
            "CAP_SETFCAP",
        ],
    );
    s(
        &mut c,
        &[
            "--hostname",
            &l.hostname,
            "--ro-bind",
            "/",
            "/",
            "--proc",
            "/proc",
            "--dev",
            "/dev",
        ],
    );
    // Hide what could hold the user's real secrets; the persona's home is the only home.
    for dir in hidden_dirs() {
        c.arg("--tmpfs").arg(dir);
    }
    // /etc is rebuilt: the host's entries read-only, the persona's own where it differs.
    etc_overlay(&mut c, l);
    if Path::new("/var/lib/dbus/machine-id").exists() {
        c.arg("--ro-bind")
            .arg(&l.machine_id)
            .arg("/var/lib/dbus/machine-id");
    }
    c.arg("--bind").arg(&l.home).arg(&l.home_inside);
    c.arg("--ro-bind").arg(&l.run).arg(RUN_INSIDE);
    c.arg("--ro-bind").arg(&l.exe).arg(AGENT_INSIDE);
    s(
        &mut c,
        &[
            "--chdir",
            "/",
            "--",
            AGENT_INSIDE,
            "__probe-agent",
            &format!("{RUN_INSIDE}/agent.json"),
        ],
    );
    c
}

fn etc_overlay(c: &mut Command, l: &Layout) {
    c.args(["--tmpfs", "/etc"]);
    let ours: Vec<&str> = l
        .etc
        .iter()
        .map(|(n, _)| n.as_str())
        .chain(["localtime"])
        .collect();
    if let Ok(entries) = std::fs::read_dir("/etc") {
        let mut names: Vec<_> = entries
            .filter_map(|e| e.ok())
            .map(|e| e.file_name())
            .collect();
        names.sort();
        for name in names {
            let Some(n) = name.to_str() else { continue };
            if ours.contains(&n) {
                continue;
            }
            let host = Path::new("/etc").join(n);
            match std::fs::read_link(&host) {
                Ok(target) => {
                    c.arg("--symlink").arg(target).arg(&host);
                }
                Err(_) => {
                    c.arg("--ro-bind").arg(&host).arg(&host);
                }
            }
        }
    }
    for (name, file) in &l.etc {
        c.arg("--ro-bind")
            .arg(file)
            .arg(Path::new("/etc").join(name));
    }
    c.arg("--symlink").arg(&l.localtime).arg("/etc/localtime");
    c.args(["--remount-ro", "/etc"]);
}

/// Folders the sandbox replaces with private, empty ones: the user's secrets live there.
pub fn hidden_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = ["/tmp", "/var/tmp", "/run", "/home", "/root"]
        .iter()
        .map(PathBuf::from)
        .filter(|d| d.is_dir())
        .collect();
    if let Some(home) = std::env::var_os("HOME").map(PathBuf::from) {
        if home.is_dir() && home != Path::new("/") && !dirs.iter().any(|d| home.starts_with(d)) {
            dirs.push(home);
        }
    }
    dirs
}

/// Move into a user namespace of our own where we are `uid` (mapped to the agent's uid 0).
pub fn enter_unprivileged_user(uid: u32) -> std::io::Result<()> {
    nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWUSER)?;
    std::fs::write("/proc/self/setgroups", "deny")?;
    std::fs::write("/proc/self/uid_map", format!("{uid} 0 1\n"))?;
    std::fs::write("/proc/self/gid_map", format!("{uid} 0 1\n"))?;
    Ok(())
}

pub fn apply_limits(l: &Limits) -> nix::Result<()> {
    use nix::sys::resource::{setrlimit, Resource};
    setrlimit(Resource::RLIMIT_DATA, l.memory_bytes, l.memory_bytes)?;
    setrlimit(Resource::RLIMIT_NPROC, l.processes, l.processes)?;
    setrlimit(Resource::RLIMIT_FSIZE, l.file_bytes, l.file_bytes)?;
    setrlimit(Resource::RLIMIT_NOFILE, l.open_files, l.open_files)?;
    setrlimit(Resource::RLIMIT_CORE, 0, 0)?;
    Ok(())
}

/// Every capability set emptied, the bounding set included, and no way back (no_new_privs).
pub fn drop_all_capabilities() -> Result<(), String> {
    use caps::CapSet;
    caps::clear(None, CapSet::Ambient).map_err(|e| e.to_string())?;
    for cap in caps::all() {
        // Dropping from the bounding set needs CAP_SETPCAP, still held here.
        caps::drop(None, CapSet::Bounding, cap).map_err(|e| e.to_string())?;
    }
    for set in [CapSet::Inheritable, CapSet::Effective, CapSet::Permitted] {
        caps::clear(None, set).map_err(|e| e.to_string())?;
    }
    nix::sys::prctl::set_no_new_privs().map_err(|e| e.to_string())
}

/// `CapEff` of this process, as the kernel reports it.
pub fn effective_capabilities() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let hex = status.lines().find_map(|l| l.strip_prefix("CapEff:"))?;
    u64::from_str_radix(hex.trim(), 16).ok()
}
