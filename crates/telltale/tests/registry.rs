//! Tests on real packages fetched from the npm registry. Not part of the hermetic default
//! suite: they are `#[ignore]`d (run them with `cargo test --release -p telltale --test
//! registry -- --ignored`) and skip, saying so, when `npm` or the registry is unavailable.

use std::path::{Path, PathBuf};
use std::process::Command;

/// `npm pack SPEC` into a cache folder (reusing `bench/cache` when the benchmark fetched it),
/// unpacked; `None` with a message when the registry cannot be reached.
fn fetch(spec: &str) -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bench/cache");
    let dir = root.join(spec.replace(['/', '@'], "_"));
    if dir.join("package/package.json").exists() {
        return Some(dir.join("package"));
    }
    std::fs::create_dir_all(&dir).ok()?;
    let packed = Command::new("npm")
        .args(["pack", "--silent", spec])
        .current_dir(&dir)
        .output();
    match packed {
        Ok(o) if o.status.success() => {}
        Ok(o) => {
            eprintln!(
                "skipped: npm pack {spec} failed (registry unreachable?): {}",
                String::from_utf8_lossy(&o.stderr)
            );
            return None;
        }
        Err(e) => {
            eprintln!("skipped: npm is not available: {e}");
            return None;
        }
    }
    let tgz = std::fs::read_dir(&dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "tgz"))?;
    let status = Command::new("tar")
        .arg("xzf")
        .arg(&tgz)
        .current_dir(&dir)
        .status()
        .ok()?;
    status.success().then(|| dir.join("package"))
}

/// The JSON report of the first target of `telltale scan` of a folder.
fn target_of(target: &Path) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_telltale"))
        .args(["scan", "--format", "json"])
        .arg(target)
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    doc["targets"][0].clone()
}

fn label_of(target: &Path) -> serde_json::Value {
    target_of(target)["label"].clone()
}

fn strings<'a>(v: &'a serde_json::Value, key: &str) -> Vec<&'a str> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|x| x[key].as_str())
        .collect()
}

#[test]
#[ignore = "needs the npm registry"]
fn claude_code_label_names_telemetry_identity_and_opt_outs() {
    let Some(pkg) = fetch("@anthropic-ai/claude-code@1.0.100") else {
        return;
    };
    let label = label_of(&pkg);
    let hosts = strings(&label["destinations"], "host");
    let owners: Vec<&str> = label["destinations"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["owner"].as_str())
        .collect();
    assert!(owners.iter().any(|o| o.starts_with("Statsig")), "{hosts:?}");
    assert!(owners.iter().any(|o| o.starts_with("Sentry")), "{hosts:?}");
    assert!(hosts.contains(&"statsig.anthropic.com"), "{hosts:?}");
    // Identity that leaves with the SDKs' events.
    let sent: Vec<&str> = label["collects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["sent"] == true)
        .filter_map(|c| c["kind"].as_str())
        .collect();
    assert!(sent.contains(&"hostname"), "{sent:?}");
    // Its OpenTelemetry attributes, set one by one (`I["user.email"] = G`): the account's
    // e-mail and ids, read out of the cached OAuth account.
    assert!(sent.contains(&"email"), "{sent:?}");
    assert!(sent.contains(&"account-id"), "{sent:?}");
    let sinks = strings(&label["sends"], "sink");
    assert!(
        sinks.iter().any(|s| s.starts_with("telemetry attribute")),
        "{sinks:?}"
    );
    // The opt-out variables and what they control; ungated sends are named by location.
    let settings = strings(&label["opt_outs"], "setting");
    for s in [
        "DISABLE_TELEMETRY",
        "DISABLE_ERROR_REPORTING",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC",
    ] {
        assert!(settings.contains(&s), "{settings:?}");
    }
    let telemetry = label["opt_outs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["setting"] == "DISABLE_TELEMETRY")
        .unwrap();
    assert!(
        telemetry["controls"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c.as_str().unwrap_or("").contains("StatsigClient")),
        "{telemetry}"
    );
    let ungated: Vec<&str> = label["sends"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["gated_by"].as_array().is_some_and(|g| g.is_empty()))
        .filter_map(|s| s["location"].as_str())
        .collect();
    assert!(!ungated.is_empty());
}

/// `telltale scan npm:…` itself (its registry client and cache); `None` with a message when
/// the registry cannot be reached.
fn scan_npm(spec: &str, extra: &[&str]) -> Option<serde_json::Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_telltale"))
        .args(["scan", "--format", "json"])
        .args(extra)
        .arg(spec)
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    if let Some(e) = doc["targets"][0]["error"].as_str() {
        eprintln!("skipped: {spec}: {e}");
        return None;
    }
    Some(doc)
}

#[test]
#[ignore = "needs the npm registry (downloads a 185 MB platform package)"]
fn claude_code_bun_executable_is_opened() {
    let Some(doc) = scan_npm(
        "npm:@anthropic-ai/claude-code@2.1.331",
        &["--platform", "linux-x64"],
    ) else {
        return;
    };
    let targets = doc["targets"].as_array().unwrap();
    let native = targets
        .iter()
        .find(|t| {
            t["target"]
                .as_str()
                .unwrap_or("")
                .contains("claude-code-linux-x64")
        })
        .expect("platform package scanned");
    let label = &native["label"];
    let owners: Vec<&str> = label["destinations"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["owner"].as_str())
        .collect();
    assert!(
        owners.iter().any(|o| o.starts_with("Datadog")),
        "{owners:?}"
    );
    let settings = strings(&label["opt_outs"], "setting");
    for s in [
        "DISABLE_TELEMETRY",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC",
        "DISABLE_ERROR_REPORTING",
    ] {
        assert!(settings.contains(&s), "{settings:?}");
    }
    // Embedded modules are located inside the executable; ICU locale tables give no region finding.
    let findings = native["findings"].as_array().unwrap();
    assert!(findings.iter().any(|f| f["file"]
        .as_str()
        .unwrap_or("")
        .starts_with("package/claude › /$bunfs/root/")));
    assert!(
        findings.iter().all(|f| f["category"] != "region"),
        "region findings in the binary"
    );
}

/// The AI assistants whose program was never reached: each product complete, the program
/// analysed where it really is.
#[test]
#[ignore = "needs the npm registry (downloads about 400 MB)"]
fn ai_assistants_hidden_programs_are_reached() {
    let complete = |doc: &serde_json::Value| {
        doc["targets"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["coverage"]["complete"] == true && t["error"].is_null())
    };
    // copilot: a Node SEA whose application is a gzip tarball asset.
    if let Some(doc) = scan_npm(
        "npm:@github/copilot@1.0.102",
        &["--platform", "linux-x64", "--no-config"],
    ) {
        assert!(complete(&doc), "{}", doc["targets"]);
        let sea = doc["targets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["platform_of"] == "@github/copilot")
            .expect("platform package");
        let containers = sea["coverage"]["containers"].to_string();
        assert!(
            containers.contains("package/copilot › asset:copilot.tgz"),
            "{containers}"
        );
        let hosts = strings(&sea["label"]["destinations"], "host");
        assert!(
            !hosts.is_empty(),
            "the application inside the asset names its services"
        );
    }
    // amp: a 436-byte launcher → @ampcode/cli → its platform package → a Bun executable whose
    // entry module is stored as UTF-16.
    if let Some(doc) = scan_npm(
        "npm:@sourcegraph/amp@0.0.1790142911-g7618fb",
        &["--platform", "linux-x64", "--no-config"],
    ) {
        assert!(complete(&doc), "{}", doc["targets"]);
        let targets = doc["targets"].as_array().unwrap();
        assert!(
            targets
                .iter()
                .any(|t| t["delegated_from"] == "@sourcegraph/amp"),
            "the launcher is followed"
        );
        let binary = targets
            .iter()
            .find(|t| t["platform_of"] == "@ampcode/cli")
            .expect("the platform package");
        assert!(
            binary["coverage"]["analysed"]["javascript"]["bytes"]
                .as_u64()
                .unwrap()
                > 5_000_000,
            "{}",
            binary["coverage"]
        );
    }
    // kilocode: the tarball lists bin/kilo twice (identical copies): read, with a warning.
    if let Some(doc) = scan_npm(
        "npm:@kilocode/cli@7.8.1",
        &["--platform", "none", "--no-config"],
    ) {
        assert!(
            doc["targets"][0]["warnings"]
                .to_string()
                .contains("package/bin/kilo 2 times"),
            "{}",
            doc["targets"][0]
        );
    }
}

/// Emscripten glue (wasm-vips, OpenCV.js) evaluates its own `EM_ASM` snippets read out of the
/// module's heap and writes the time zone into that heap for `tzset`: neither is code from
/// the network nor a time zone sent.
#[test]
#[ignore = "needs the npm registry"]
fn emscripten_glue_is_not_network_code() {
    for spec in ["wasm-vips@0.0.14", "@techstark/opencv-js@4.10.0-release.1"] {
        let Some(pkg) = fetch(spec) else {
            return;
        };
        let t = &target_of(&pkg);
        let rules: Vec<&str> = t["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|f| f["rule"].as_str())
            .collect();
        assert!(!rules.contains(&"TT402"), "{spec}: {rules:?}");
        assert!(
            t["label"]["sends"].as_array().unwrap().is_empty(),
            "{spec}: {}",
            t["label"]["sends"]
        );
    }
}
