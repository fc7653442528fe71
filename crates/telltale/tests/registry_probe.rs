//! `telltale probe` on packages fetched from the npm registry (with their real dependencies).
//! Part of the default suite; when the registry cannot be reached they say "skipped" and why
//! (`TELLTALE_SKIP_REGISTRY=1` skips them on purpose). When the kernel forbids the
//! namespaces a sandbox needs, they say so and pass, like tests/probe.rs.

use serde_json::Value;

mod common;
use common::registry_reachable;

fn probe(args: &[&str]) -> Option<Value> {
    common::probe_json(args, &[]).map(|(_, doc)| doc)
}

#[test]
fn claude_code_version_under_cn_and_us() {
    if !registry_reachable("@anthropic-ai/claude-code@1.0.100") {
        return;
    }
    let Some(doc) = probe(&[
        "npm:@anthropic-ai/claude-code@1.0.100",
        "--persona",
        "cn,us",
        "--",
        "--version",
    ]) else {
        return;
    };
    for p in doc["personas"].as_array().unwrap() {
        let run = p["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == "run")
            .unwrap();
        assert_eq!(
            run["stdout"].as_str().unwrap().trim(),
            "1.0.100 (Claude Code)",
            "{p}"
        );
        assert!(p["leaks"].as_array().unwrap().is_empty(), "{p}");
    }
    let rules: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(
        !rules.contains(&"TT802") && !rules.contains(&"TT804") && !rules.contains(&"TT805"),
        "{rules:?}"
    );
}

#[test]
fn es5_ext_with_its_real_dependencies_prints_only_as_ru() {
    if !registry_reachable("es5-ext@0.10.64") {
        return;
    }
    let Some(doc) = probe(&["npm:es5-ext@0.10.64", "--persona", "us,ru"]) else {
        return;
    };
    assert!(
        doc["stand_ins"].as_array().unwrap().is_empty(),
        "{}",
        doc["stand_ins"]
    );
    let region: Vec<&Value> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "TT801")
        .collect();
    assert_eq!(region.len(), 1, "{}", doc["findings"]);
    assert_eq!(region[0]["countries"], serde_json::json!(["RU"]));
}
