//! `telltale probe` end to end, in the real sandbox: bubblewrap (installed by
//! scripts/install-test-deps.sh) and Node.js. Real malicious samples from the shared corpus
//! run only through the probe, which refuses to run anything unless its isolation check
//! passed inside the sandbox.
//!
//! These tests fail when the sandbox cannot be built, with one exception: when the kernel
//! forbids unprivileged user namespaces (exit 3 and a message saying so), the test prints
//! that and passes, because no user-space fix exists on such a machine.

mod common;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus")
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/probe")
        .join(name)
}

/// Run `telltale probe ARGS --format json` hermetically (offline, empty cache). `None` when
/// the kernel forbids the namespaces a sandbox needs (reported on stderr).
fn probe(args: &[&str]) -> Option<(Output, Value)> {
    let cache = tempfile::tempdir().unwrap();
    let mut all = vec!["--offline"];
    all.extend_from_slice(args);
    common::probe_json(&all, &[("TELLTALE_CACHE_DIR", cache.path())])
}

fn findings<'a>(doc: &'a Value, rule: &str) -> Vec<&'a Value> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .collect()
}

fn persona<'a>(doc: &'a Value, code: &str) -> &'a Value {
    doc["personas"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["persona"] == code)
        .unwrap()
}

fn step<'a>(p: &'a Value, name: &str) -> &'a Value {
    p["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no step {name} in {p}"))
}

#[test]
fn isolation_is_verified_and_the_program_sees_only_the_persona() {
    let script = "id -u; hostname; echo \"$TZ $LANG\"; ls -A /home; readlink /etc/localtime; touch /usr/telltale-x 2>/dev/null || echo usr-read-only; cat ~/.gitconfig | grep email; cat /proc/self/status | grep CapEff";
    let Some((_, doc)) = probe(&["--persona", "cn", "--", "sh", "-c", script]) else {
        return;
    };
    let cn = persona(&doc, "cn");
    let checks: Vec<&str> = cn["isolation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            assert_eq!(c["ok"], true, "{c}");
            c["name"].as_str().unwrap()
        })
        .collect();
    for name in [
        "network-namespace",
        "no-route-out",
        "read-only-host",
        "private-home",
        "pid-namespace",
        "user-namespace",
        "uts-namespace",
    ] {
        assert!(checks.contains(&name), "{name} not checked: {checks:?}");
    }
    let out = step(cn, "run")["stdout"].as_str().unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "1000", "{out}");
    assert_eq!(lines[1], cn["hostname"], "{out}");
    assert_eq!(lines[2], "Asia/Shanghai zh_CN.UTF-8", "{out}");
    assert_eq!(lines[3], cn["user"], "only the persona's home: {out}");
    assert_eq!(lines[4], "/usr/share/zoneinfo/Asia/Shanghai", "{out}");
    assert_eq!(lines[5], "usr-read-only", "{out}");
    assert!(lines[6].contains('@'), "honey git e-mail: {out}");
    assert_eq!(
        lines[7].split_whitespace().last(),
        Some("0000000000000000"),
        "no capabilities: {out}"
    );
    assert!(!Path::new("/usr/telltale-x").exists());
}

#[test]
fn connections_anywhere_land_on_the_fake_internet() {
    // A literal public address and a name: both are captured, neither leaves the machine.
    let js = "const net=require('net');const s=net.connect(80,'93.184.216.34',()=>{s.end('GET /x HTTP/1.1\\r\\nHost: example.org\\r\\n\\r\\n')});s.on('data',d=>{console.log(String(d).split('\\r\\n')[0]);s.destroy()});s.on('error',e=>console.log('error',e.code));";
    let Some((_, doc)) = probe(&["--persona", "us", "--timeout", "10", "--", "node", "-e", js])
    else {
        return;
    };
    let us = persona(&doc, "us");
    assert_eq!(
        step(us, "run")["stdout"].as_str().unwrap().trim(),
        "HTTP/1.1 200 OK",
        "{us}"
    );
    let http: Vec<&Value> = us["network"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "http")
        .collect();
    assert_eq!(http.len(), 1, "{us}");
    assert_eq!(http[0]["host"], "example.org");
    assert_eq!(http[0]["path"], "/x");
}

#[test]
fn refuses_to_run_when_the_isolation_check_fails() {
    // Test-only switch: bubblewrap shares the host's network, so the check must refuse.
    let marker = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_telltale"))
        .args(["probe", "--persona", "us", "--", "sh", "-c"])
        .arg(format!("echo ran > {}/ran", marker.path().display()))
        .env("TELLTALE_PROBE_TEST_SHARE_NET", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if stderr.contains("the kernel forbids the namespaces") {
        eprintln!("NOT RUN: {stderr}");
        return;
    }
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("isolation check failed") && stderr.contains("network-namespace"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
    assert!(!marker.path().join("ran").exists());
}

#[test]
fn es5_ext_postinstall_prints_only_as_ru() {
    let tgz = corpus().join("npm/es5-ext-0.10.64.tgz");
    let Some((out, doc)) = probe(&[
        tgz.to_str().unwrap(),
        "--persona",
        "us,cn,ru",
        "--timeout",
        "20",
    ]) else {
        return;
    };
    for code in ["us", "cn", "ru"] {
        let post = step(persona(&doc, code), "postinstall");
        let printed = format!(
            "{}{}",
            post["stdout"].as_str().unwrap(),
            post["stderr"].as_str().unwrap()
        );
        assert_eq!(
            printed.contains("Украин"),
            code == "ru",
            "{code}: {printed}"
        );
    }
    let region = findings(&doc, "TT801");
    assert_eq!(
        region.len(),
        1,
        "{}",
        serde_json::to_string_pretty(&doc["findings"]).unwrap()
    );
    let f = region[0];
    assert_eq!(f["countries"], serde_json::json!(["RU"]));
    assert_eq!(f["persona"], "ru");
    assert_eq!(f["category"], "region");
    assert_eq!(f["install_time"], true);
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .starts_with("as RU: postinstall printed"),
        "{f}"
    );
    assert!(
        f["message"].as_str().unwrap().ends_with("as US, CN: not"),
        "{f}"
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "medium does not fail at --fail-on high"
    );
}

#[test]
fn electorn_leaks_the_honey_hostname_in_a_dns_query() {
    let tgz = corpus().join("samples/npm/electorn-1.0.1.tgz");
    let Some((out, doc)) = probe(&[
        tgz.to_str().unwrap(),
        "--persona",
        "us,ru",
        "--timeout",
        "15",
    ]) else {
        return;
    };
    for code in ["us", "ru"] {
        let p = persona(&doc, code);
        let host = p["hostname"].as_str().unwrap().to_string();
        let dns: Vec<&str> = p["network"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "dns")
            .map(|e| e["name"].as_str().unwrap())
            .collect();
        assert!(
            dns.contains(&format!("electorn.1.0.1.{host}.robotnowai.top").as_str()),
            "{code}: {dns:?}"
        );
        let leak = p["leaks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["kind"] == "hostname")
            .unwrap_or_else(|| panic!("{p}"));
        assert_eq!(leak["channel"], "dns query");
        assert_eq!(leak["value"], host.as_str());
    }
    let leaks = findings(&doc, "TT802");
    let f = leaks
        .iter()
        .find(|f| f["message"].as_str().unwrap().contains("hostname"))
        .expect("hostname leak finding");
    assert_eq!(f["severity"], "critical");
    assert_eq!(f["install_time"], true, "{f}");
    assert_eq!(f["personas"], serde_json::json!(["us", "ru"]));
    assert!(
        findings(&doc, "TT801").is_empty(),
        "the same under every persona"
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "critical fails at --fail-on high"
    );
}

#[test]
fn lodashs_sends_honey_identity_and_asks_a_geoip_api() {
    let tgz = corpus().join("samples/npm/lodashs-1.0.2.tgz");
    let Some((_, doc)) = probe(&[
        tgz.to_str().unwrap(),
        "--persona",
        "us,cn",
        "--timeout",
        "5",
    ]) else {
        return;
    };
    // Its dependencies are not in the offline cache: stand-ins keep it running.
    assert!(
        doc["stand_ins"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s.as_str().unwrap().starts_with("node-serialize@")),
        "{}",
        doc["stand_ins"]
    );
    for code in ["us", "cn"] {
        let p = persona(&doc, code);
        let geo = p["network"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["kind"] == "http" && e["host"] == "ifconfig.co")
            .unwrap_or_else(|| panic!("{code}: no geo-IP request"));
        assert!(
            geo["answered"]
                .as_str()
                .unwrap()
                .contains(p["country"].as_str().unwrap()),
            "{geo}"
        );
        let leak = p["leaks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["kind"] == "username")
            .unwrap_or_else(|| panic!("{code}: no identity leak"));
        assert_eq!(leak["host"], "api.github.com");
        assert_eq!(leak["encoding"], "base64");
    }
    assert!(
        findings(&doc, "TT804")
            .iter()
            .any(|f| f["endpoints"][0] == "ifconfig.co"),
        "{}",
        doc["findings"]
    );
    assert!(
        findings(&doc, "TT802")
            .iter()
            .any(|f| f["endpoints"][0] == "api.github.com" && f["install_time"] == true),
        "{}",
        doc["findings"]
    );
}

#[test]
fn a_phone_home_only_under_asia_shanghai_is_caught_as_cn_only() {
    let dir = fixture("cn-only");
    let Some((out, doc)) = probe(&[
        dir.to_str().unwrap(),
        "--persona",
        "us,cn,ru",
        "--timeout",
        "15",
    ]) else {
        return;
    };
    let region = findings(&doc, "TT801");
    assert_eq!(
        region.len(),
        1,
        "{}",
        serde_json::to_string_pretty(&doc["findings"]).unwrap()
    );
    let f = region[0];
    assert_eq!(f["countries"], serde_json::json!(["CN"]));
    assert_eq!(f["persona"], "cn");
    assert_eq!(f["severity"], "critical", "it sent honey values: {f}");
    assert!(
        f["endpoints"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!("stats.telemetry-collector.example")),
        "{f}"
    );
    let leak = findings(&doc, "TT802");
    assert!(
        !leak.is_empty()
            && leak
                .iter()
                .all(|l| l["countries"] == serde_json::json!(["CN"])),
        "{leak:?}"
    );
    assert!(persona(&doc, "us")["hosts"].as_array().unwrap().is_empty());
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn the_same_behaviour_everywhere_is_not_a_region_difference() {
    let dir = fixture("same-everywhere");
    let Some((out, doc)) = probe(&[
        dir.to_str().unwrap(),
        "--persona",
        "us,cn,ru",
        "--timeout",
        "15",
        "--",
        "--verbose",
    ]) else {
        return;
    };
    assert!(
        doc["findings"].as_array().unwrap().is_empty(),
        "{}",
        serde_json::to_string_pretty(&doc["findings"]).unwrap()
    );
    for code in ["us", "cn", "ru"] {
        let p = persona(&doc, code);
        assert_eq!(
            p["hosts"],
            serde_json::json!(["updates.example-tool.example"]),
            "{code}"
        );
        assert_eq!(
            step(p, "run")["stdout"].as_str().unwrap().trim(),
            "same-everywhere 1.0.0 (verbose)",
            "the bin got the arguments after --"
        );
    }
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn a_program_that_kills_the_agent_ends_the_run_at_once_and_is_reported() {
    let started = std::time::Instant::now();
    let Some((_, doc)) = probe(&[
        "--persona",
        "us",
        "--timeout",
        "20",
        "--",
        "sh",
        "-c",
        "kill -9 $PPID; sleep 30",
    ]) else {
        return;
    };
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    let us = persona(&doc, "us");
    assert_eq!(us["incomplete"], true);
    assert!(
        us["warnings"].as_array().unwrap().iter().any(|w| w
            .as_str()
            .unwrap()
            .contains("agent inside the sandbox was killed")),
        "{us}"
    );
    assert_eq!(step(us, "run")["error"], "cut short");
}
