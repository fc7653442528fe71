//! Region logic in real packages (issue 17): each case of `tests/data/region/labels.toml`
//! through the real binary's JSON output — the region findings expected are there, with their
//! severity and countries, and none is above the case's cap.

use serde::Deserialize;
use std::path::Path;
use std::process::Command;

#[derive(Deserialize)]
struct Labels {
    case: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    id: String,
    path: String,
    #[serde(default)]
    expect: Vec<Expect>,
    max_severity: String,
}

#[derive(Deserialize)]
struct Expect {
    rule: String,
    severity: String,
    #[serde(default)]
    countries: Vec<String>,
    #[serde(default)]
    message: String,
}

const SEVERITIES: [&str; 6] = ["none", "info", "low", "medium", "high", "critical"];

fn rank(s: &str) -> usize {
    SEVERITIES
        .iter()
        .position(|x| *x == s)
        .unwrap_or(usize::MAX)
}

#[test]
fn real_packages_region_labels() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/region");
    let labels: Labels =
        toml::from_str(&std::fs::read_to_string(root.join("labels.toml")).unwrap()).unwrap();
    let mut failures = Vec::new();
    for case in &labels.case {
        let out = Command::new(env!("CARGO_BIN_EXE_telltale"))
            .args(["scan", "--no-config", "--format", "json"])
            .arg(root.join(&case.path))
            .output()
            .unwrap();
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "{}: no JSON ({e}): {}",
                case.id,
                String::from_utf8_lossy(&out.stderr)
            )
        });
        let findings: Vec<&serde_json::Value> = report["targets"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|t| t["findings"].as_array().unwrap())
            .filter(|f| f["rule"].as_str().is_some_and(|r| r.starts_with("TT20")))
            .collect();
        for e in &case.expect {
            let hit = findings.iter().any(|f| {
                f["rule"] == e.rule.as_str()
                    && f["severity"] == e.severity.as_str()
                    && f["message"]
                        .as_str()
                        .unwrap_or_default()
                        .contains(&e.message)
                    && e.countries.iter().all(|c| {
                        f["countries"]
                            .as_array()
                            .is_some_and(|cs| cs.iter().any(|x| x == c.as_str()))
                    })
            });
            if !hit {
                failures.push(format!(
                    "{}: missing {} {} {:?} {:?}",
                    case.id, e.rule, e.severity, e.countries, e.message
                ));
            }
        }
        for f in &findings {
            let sev = f["severity"].as_str().unwrap_or_default();
            if rank(sev) > rank(&case.max_severity) {
                failures.push(format!(
                    "{}: {} {} above {}: {}",
                    case.id, f["rule"], sev, case.max_severity, f["message"]
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
