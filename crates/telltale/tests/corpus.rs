//! Every case of `../shared/corpus/labels.toml` whose `requires` names a capability the scanner
//! has (or none), through the real binary's JSON output: expected findings present, forbidden
//! ones absent, severity caps held. Reports every failing case with the reason, then fails.

use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Deserialize)]
struct Labels {
    case: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    id: String,
    path: String,
    requires: Option<String>,
    #[serde(default)]
    expect: Vec<toml::Table>,
    #[serde(default)]
    forbid: Vec<toml::Table>,
    max_severity: Option<String>,
}

/// Capabilities built so far (`requires = "python"` cases run).
const CAPABILITIES: &[&str] = &["python"];

const SEVERITIES: [&str; 5] = ["info", "low", "medium", "high", "critical"];

fn rank(s: &str) -> i32 {
    SEVERITIES
        .iter()
        .position(|x| *x == s)
        .map(|i| i as i32)
        .unwrap_or(-1)
}

fn corpus_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus")
}

fn matches(f: &serde_json::Value, m: &toml::Table) -> bool {
    let s = |k: &str| f.get(k).and_then(|v| v.as_str()).unwrap_or("");
    let list = |k: &str| -> Vec<String> {
        f.get(k)
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    if let Some(c) = m.get("category").and_then(|v| v.as_str()) {
        if s("category") != c {
            return false;
        }
    }
    if let Some(cs) = m.get("countries").and_then(|v| v.as_array()) {
        let have = list("countries");
        if !cs
            .iter()
            .filter_map(|c| c.as_str())
            .all(|c| have.iter().any(|h| h == c))
        {
            return false;
        }
    }
    if let Some(file) = m.get("file").and_then(|v| v.as_str()) {
        if !s("file").ends_with(file) {
            return false;
        }
    }
    if let Some(min) = m.get("min_severity").and_then(|v| v.as_str()) {
        if rank(s("severity")) < rank(min) {
            return false;
        }
    }
    if let Some(ep) = m.get("endpoint").and_then(|v| v.as_str()) {
        if !list("endpoints").join(" ").contains(ep) {
            return false;
        }
    }
    if let Some(ev) = m.get("evidence").and_then(|v| v.as_str()) {
        if !list("evidence").join("\n").contains(ev) {
            return false;
        }
    }
    true
}

#[test]
fn corpus_labels_hold() {
    let root = corpus_root();
    let labels_path = root.join("labels.toml");
    let Ok(text) = std::fs::read_to_string(&labels_path) else {
        panic!(
            "the corpus is missing at {}: the test suite needs ../shared/corpus",
            labels_path.display()
        );
    };
    let labels: Labels = toml::from_str(&text).expect("labels.toml parses");
    let bin = env!("CARGO_BIN_EXE_telltale");
    let mut failures = Vec::new();
    let mut checked = 0;
    let mut skipped = 0;
    for case in &labels.case {
        if case
            .requires
            .as_deref()
            .is_some_and(|r| !CAPABILITIES.contains(&r))
        {
            skipped += 1;
            continue;
        }
        checked += 1;
        let out = Command::new(bin)
            .args(["scan", "--format", "json"])
            .arg(root.join(&case.path))
            .output()
            .expect("run telltale");
        let doc: serde_json::Value = match serde_json::from_slice(&out.stdout) {
            Ok(d) => d,
            Err(e) => {
                failures.push(format!(
                    "{}: no JSON report ({e}); stderr: {}",
                    case.id,
                    String::from_utf8_lossy(&out.stderr)
                ));
                continue;
            }
        };
        let findings: Vec<&serde_json::Value> = doc["targets"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|t| t["findings"].as_array().into_iter().flatten())
            .collect();
        for m in &case.expect {
            if !findings.iter().any(|f| matches(f, m)) {
                failures.push(format!("{}: missing expected finding {m}", case.id));
            }
        }
        for m in &case.forbid {
            if let Some(f) = findings.iter().find(|f| matches(f, m)) {
                failures.push(format!(
                    "{}: forbidden finding {m}: {} {} {}",
                    case.id, f["rule"], f["file"], f["message"]
                ));
            }
        }
        if let Some(cap) = &case.max_severity {
            if let Some(f) = findings
                .iter()
                .find(|f| rank(f["severity"].as_str().unwrap_or("")) > rank(cap))
            {
                failures.push(format!(
                    "{}: finding above {cap}: {} {} {} {}",
                    case.id, f["rule"], f["severity"], f["file"], f["message"]
                ));
            }
        }
    }
    println!(
        "corpus: {checked} cases checked, {skipped} skipped (they need a capability not built yet)"
    );
    assert!(
        failures.is_empty(),
        "{} corpus problem(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}
