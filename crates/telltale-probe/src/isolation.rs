//! The isolation check, run by the agent inside the sandbox before anything untrusted runs.
//! Each property is tested by trying what it forbids (a write to the host, a packet off the
//! machine) rather than by reading configuration, and a single failure stops the probe.

use crate::proto::{AgentConfig, Check};
use std::io::ErrorKind;
use std::net::{TcpStream, UdpSocket};
use std::time::Duration;

pub fn check(cfg: &AgentConfig) -> Vec<Check> {
    vec![
        only_loopback_interface(),
        no_route_off_the_machine(),
        host_is_read_only(&cfg.must_not_write),
        homes_are_private(&cfg.user),
        own_pid_namespace(),
        own_user_namespace(),
        own_hostname(&cfg.hostname),
    ]
}

fn result(name: &str, ok: bool, detail: String) -> Check {
    Check {
        name: name.into(),
        ok,
        detail,
    }
}

/// `/proc/self/net/dev` lists the interfaces of this network namespace: only `lo` may be there.
fn only_loopback_interface() -> Check {
    let text = std::fs::read_to_string("/proc/self/net/dev").unwrap_or_default();
    let names: Vec<&str> = text
        .lines()
        .skip(2)
        .filter_map(|l| l.split(':').next())
        .map(str::trim)
        .collect();
    let ok = names == ["lo"];
    result(
        "network-namespace",
        ok,
        format!(
            "interfaces: {}",
            if names.is_empty() {
                "none readable".into()
            } else {
                names.join(", ")
            }
        ),
    )
}

/// Connecting to documentation and public addresses must fail at once for lack of a route.
fn no_route_off_the_machine() -> Check {
    let mut reached = Vec::new();
    let mut details = Vec::new();
    for addr in ["192.0.2.1:9", "1.1.1.1:53", "[2001:db8::1]:9"] {
        let outcome = UdpSocket::bind(if addr.starts_with('[') {
            "[::]:0"
        } else {
            "0.0.0.0:0"
        })
        .and_then(|s| s.connect(addr));
        match outcome {
            Ok(()) => reached.push(format!("udp {addr}")),
            Err(e) => details.push(format!("udp {addr}: {}", short(&e))),
        }
    }
    match TcpStream::connect_timeout(
        &"1.1.1.1:443".parse().expect("literal address"),
        Duration::from_millis(500),
    ) {
        Ok(_) => reached.push("tcp 1.1.1.1:443".into()),
        Err(e) => details.push(format!("tcp 1.1.1.1:443: {}", short(&e))),
    }
    let ok = reached.is_empty();
    result(
        "no-route-out",
        ok,
        if ok {
            details.join("; ")
        } else {
            format!("reachable: {}", reached.join(", "))
        },
    )
}

fn short(e: &std::io::Error) -> String {
    match e.kind() {
        ErrorKind::NetworkUnreachable => "network unreachable".into(),
        ErrorKind::HostUnreachable => "host unreachable".into(),
        _ => e.to_string(),
    }
}

/// Creating a file in each host directory must fail.
fn host_is_read_only(paths: &[String]) -> Check {
    let mut writable = Vec::new();
    for dir in paths {
        let probe =
            std::path::Path::new(dir).join(format!(".telltale-isolation-{}", std::process::id()));
        if std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&probe)
            .is_ok()
        {
            let _ = std::fs::remove_file(&probe);
            writable.push(dir.clone());
        }
    }
    let ok = writable.is_empty();
    result(
        "read-only-host",
        ok,
        if ok {
            format!("writes refused in {}", paths.join(", "))
        } else {
            format!("writable: {}", writable.join(", "))
        },
    )
}

/// The host's home directories are hidden: `/home` holds only the persona, `/root` nothing.
fn homes_are_private(user: &str) -> Check {
    let list = |d: &str| -> Vec<String> {
        std::fs::read_dir(d)
            .map(|r| {
                r.filter_map(|e| Some(e.ok()?.file_name().to_string_lossy().into_owned()))
                    .collect()
            })
            .unwrap_or_default()
    };
    let home = list("/home");
    let root = list("/root");
    let ok = home.iter().all(|n| n == user) && root.is_empty();
    result(
        "private-home",
        ok,
        format!("/home: [{}], /root: [{}]", home.join(", "), root.join(", ")),
    )
}

/// Only the sandbox's own few processes are visible.
fn own_pid_namespace() -> Check {
    let pids: Vec<u32> = std::fs::read_dir("/proc")
        .map(|d| {
            d.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    let init = std::fs::read_to_string("/proc/1/comm").unwrap_or_default();
    let ok =
        pids.len() <= 4 && !pids.is_empty() && init.trim() != "systemd" && init.trim() != "init";
    result(
        "pid-namespace",
        ok,
        format!(
            "{} processes visible, pid 1 is `{}`",
            pids.len(),
            init.trim()
        ),
    )
}

/// Not the initial user namespace (whose map is the whole 32-bit range).
fn own_user_namespace() -> Check {
    let map = std::fs::read_to_string("/proc/self/uid_map").unwrap_or_default();
    let fields: Vec<&str> = map.split_whitespace().collect();
    let ok = !fields.is_empty() && fields != ["0", "0", "4294967295"];
    result("user-namespace", ok, format!("uid_map: {}", map.trim()))
}

fn own_hostname(expected: &str) -> Check {
    let name = nix::unistd::gethostname()
        .map(|h| h.to_string_lossy().into_owned())
        .unwrap_or_default();
    result(
        "uts-namespace",
        name == expected,
        format!("hostname `{name}`"),
    )
}
