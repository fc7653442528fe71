//! The proxy against a registry on loopback, with a judge that blocks by name and counts.

use super::*;
use std::sync::atomic::AtomicUsize;
use telltale_registry::testing::{sri, FakeRegistry};

/// Blocks packages whose name starts with `bad`, warns for `meh`, counts its calls.
struct ByName {
    calls: AtomicUsize,
}

impl Judge for ByName {
    fn judge(&self, a: &Artifact<'_>) -> Decision {
        self.calls.fetch_add(1, Ordering::SeqCst);
        // Slow enough that concurrent requests overlap.
        std::thread::sleep(Duration::from_millis(150));
        let action = if a.name.starts_with("bad") {
            Action::Block
        } else if a.name.starts_with("meh") {
            Action::Warn
        } else {
            Action::Allow
        };
        Decision {
            action,
            reason: format!("{} {} bytes", a.file, a.bytes.len()),
            cached: false,
            lasting: true,
        }
    }
}

fn start(upstream: &FakeRegistry) -> (Firewall, Arc<ByName>) {
    let judge = Arc::new(ByName {
        calls: AtomicUsize::new(0),
    });
    let fw = Firewall::start(
        Options {
            npm_upstream: upstream.url.clone(),
            pypi_upstream: format!("{}simple/", upstream.url),
            timeout: Duration::from_secs(5),
            workers: 4,
            ..Options::default()
        },
        judge.clone(),
    )
    .unwrap();
    (fw, judge)
}

/// GET through a plain client: status, reason phrase, body.
fn get(url: &str) -> (u16, String, Vec<u8>) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut r = agent.get(url).call().unwrap();
    let reason = r.status().canonical_reason().unwrap_or("").to_string();
    let mut body = Vec::new();
    r.body_mut().as_reader().read_to_end(&mut body).unwrap();
    (r.status().as_u16(), reason, body)
}

fn registry() -> FakeRegistry {
    FakeRegistry::new(
        &[
            ("good", "1.0.0", b"good tarball", serde_json::json!({})),
            ("bad-guy", "6.6.6", b"bad tarball", serde_json::json!({})),
            ("meh", "0.1.0", b"meh tarball", serde_json::json!({})),
        ],
        &sri,
    )
}

#[test]
fn allowed_tarballs_are_served_byte_for_byte_and_blocked_ones_refused_with_the_reason() {
    let up = registry();
    let (fw, judge) = start(&up);
    let (status, _, doc) = get(&format!("{}good", fw.npm_registry()));
    assert_eq!(status, 200);
    let doc: serde_json::Value = serde_json::from_slice(&doc).unwrap();
    let tarball = doc["versions"]["1.0.0"]["dist"]["tarball"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(tarball, format!("{}good/-/1.0.0.tgz", fw.npm_registry()));
    assert_eq!(
        doc["versions"]["1.0.0"]["dist"]["integrity"],
        sri(b"good tarball"),
        "the integrity passes through unchanged"
    );
    let (status, _, bytes) = get(&tarball);
    assert_eq!((status, bytes.as_slice()), (200, &b"good tarball"[..]));

    get(&format!("{}bad-guy", fw.npm_registry()));
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut r = agent
        .get(format!("{}bad-guy/-/6.6.6.tgz", fw.npm_registry()))
        .call()
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let mut raw = Vec::new();
    r.body_mut().as_reader().read_to_end(&mut raw).unwrap();
    let body: serde_json::Value = serde_json::from_slice(&raw).unwrap();
    assert_eq!(
        body["error"],
        "blocked by telltale: bad-guy@6.6.6: 6.6.6.tgz 11 bytes"
    );
    get(&format!("{}meh", fw.npm_registry()));
    assert_eq!(get(&format!("{}meh/-/0.1.0.tgz", fw.npm_registry())).0, 200);

    // A second request reuses the decision.
    assert_eq!(get(&tarball).0, 200);
    assert_eq!(judge.calls.load(Ordering::SeqCst), 3);
    let events = fw.stop();
    let actions: Vec<(&str, &str, bool)> = events
        .iter()
        .map(|e| (e.package.as_str(), e.action.as_str(), e.cached))
        .collect();
    assert_eq!(
        actions,
        [
            ("good", "allow", false),
            ("bad-guy", "block", false),
            ("meh", "warn", false),
            ("good", "allow", true)
        ]
    );
}

#[test]
fn concurrent_requests_for_one_tarball_are_one_decision() {
    let up = registry();
    let (fw, judge) = start(&up);
    get(&format!("{}good", fw.npm_registry()));
    let url = format!("{}good/-/1.0.0.tgz", fw.npm_registry());
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || get(&url))
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap().2, b"good tarball");
    }
    assert_eq!(judge.calls.load(Ordering::SeqCst), 1);
    fw.stop();
}

#[test]
fn a_tarball_unlike_its_published_integrity_is_never_served() {
    let up = FakeRegistry::new(
        &[("good", "1.0.0", b"swapped bytes", serde_json::json!({}))],
        &|_| sri(b"the bytes that were published"),
    );
    let (fw, judge) = start(&up);
    get(&format!("{}good", fw.npm_registry()));
    let (status, _, body) = get(&format!("{}good/-/1.0.0.tgz", fw.npm_registry()));
    assert_eq!(status, 502);
    assert!(String::from_utf8_lossy(&body).contains("does not match the integrity"));
    assert_eq!(judge.calls.load(Ordering::SeqCst), 0);
    let events = fw.stop();
    assert_eq!(events[0].action, "error");
}

#[test]
fn upstream_down_or_garbage_ends_in_a_clean_error() {
    let garbage = FakeRegistry::with_routes(vec![("/x".into(), b"<html>nope".to_vec())]);
    let (fw, _) = start(&garbage);
    assert_eq!(get(&format!("{}x", fw.npm_registry())).0, 502);
    assert_eq!(get(&format!("{}missing", fw.npm_registry())).0, 404);
    fw.stop();
    // Nothing listening upstream.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let fw = Firewall::start(
        Options {
            npm_upstream: format!("http://127.0.0.1:{port}/"),
            timeout: Duration::from_secs(2),
            ..Options::default()
        },
        Arc::new(ByName {
            calls: AtomicUsize::new(0),
        }),
    )
    .unwrap();
    let (status, _, body) = get(&format!("{}good", fw.npm_registry()));
    assert_eq!(status, 502, "{}", String::from_utf8_lossy(&body));
    fw.stop();
}

#[test]
fn path_tricks_and_other_methods_are_refused() {
    let up = registry();
    let (fw, _) = start(&up);
    let base = format!("http://{}", fw.addr());
    for path in [
        "/good/-/..%2f..%2fetc%2fpasswd.tgz",
        "/good/-/%2e%2e/x.tgz",
        "/-/pypi/files/../../etc/passwd",
        "/good%00",
    ] {
        let status = get(&format!("{base}{path}")).0;
        assert!(matches!(status, 400 | 404), "{path}: {status}");
    }
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let r = agent.post(format!("{base}/good")).send_empty().unwrap();
    assert_eq!(r.status().as_u16(), 405);
    let r = agent.post(format!("{base}/good")).send("x").unwrap();
    assert_eq!(r.status().as_u16(), 400, "a request with a body");
    // Smuggling: one request per connection, whatever follows it; a body is refused.
    use std::io::Write;
    for raw in [
        "GET /good HTTP/1.1\r\nHost: x\r\n\r\nGET /bad-guy/-/6.6.6.tgz HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /good HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    ] {
        let mut c = std::net::TcpStream::connect(fw.addr()).unwrap();
        c.write_all(raw.as_bytes()).unwrap();
        let mut answer = String::new();
        c.read_to_string(&mut answer).unwrap();
        assert_eq!(answer.matches("HTTP/1.1 ").count(), 1, "{answer}");
        assert!(answer.contains("Connection: close"), "{answer}");
    }
    assert!(fw.addr().ip().is_loopback());
    fw.stop();
}

#[test]
fn pypi_files_are_judged_and_their_hash_checked() {
    use sha2::Digest;
    let hex = |b: &[u8]| -> String {
        sha2::Sha256::digest(b)
            .iter()
            .map(|x| format!("{x:02x}"))
            .collect()
    };
    let page = |file: &str, bytes: &[u8]| {
        format!(
            "<html><body><a href=\"/files/{file}#sha256={}\">{file}</a></body></html>",
            hex(bytes)
        )
        .into_bytes()
    };
    let up = FakeRegistry::with_routes(vec![
        (
            "/simple/good/".into(),
            page("good-1.0.tar.gz", b"good sdist"),
        ),
        ("/files/good-1.0.tar.gz".into(), b"good sdist".to_vec()),
        (
            "/simple/bad-guy/".into(),
            page("bad_guy-6.6.6.tar.gz", b"bad sdist"),
        ),
        ("/files/bad_guy-6.6.6.tar.gz".into(), b"bad sdist".to_vec()),
    ]);
    let (fw, _) = start(&up);
    let (status, _, html) = get(&format!("{}good/", fw.pypi_index()));
    assert_eq!(status, 200);
    let html = String::from_utf8(html).unwrap();
    let href = html
        .split("href=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    assert!(href.starts_with("/-/pypi/files/"), "{html}");
    let file = format!("http://{}{}", fw.addr(), href.split('#').next().unwrap());
    assert_eq!(get(&file).2, b"good sdist");

    let (_, _, html) = get(&format!("{}bad-guy/", fw.pypi_index()));
    let html = String::from_utf8(html).unwrap();
    let href = html
        .split("href=\"")
        .nth(1)
        .unwrap()
        .split('#')
        .next()
        .unwrap();
    let (status, _, body) = get(&format!("http://{}{href}", fw.addr()));
    assert_eq!(status, 403);
    assert!(String::from_utf8_lossy(&body).contains("blocked by telltale: bad-guy@6.6.6"));
    let events = fw.stop();
    assert_eq!(events.len(), 2);
    assert_eq!(events[1].ecosystem, Ecosystem::Pypi);
}
