//! `telltale diff` on the two real version pairs, fetched from the npm registry npm is
//! configured for. Part of the default suite, but they need the registry: when it cannot be
//! reached they say "skipped" and why (set `TELLTALE_SKIP_REGISTRY=1` to skip them on
//! purpose). Downloads are verified and cached like any `npm:` target.

use serde_json::Value;
use std::process::Command;

mod common;
use common::registry_reachable;

fn diff(old: &str, new: &str) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_telltale"))
        .args([
            "diff",
            "--format",
            "json",
            "--no-config",
            "--platform",
            "none",
            old,
            new,
        ])
        .output()
        .unwrap();
    assert_ne!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn region_countries<'a>(changes: &'a Value) -> Vec<&'a str> {
    changes
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["aspect"] == "region")
        .flat_map(|c| {
            c["countries"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(Value::as_str)
        })
        .collect()
}

#[test]
fn es5_ext_0_10_53_to_0_10_64_adds_time_zone_targeting_of_russia() {
    if !registry_reachable("es5-ext@0.10.53") {
        return;
    }
    let doc = diff("npm:es5-ext@0.10.53", "npm:es5-ext@0.10.64");
    assert!(region_countries(&doc["added"]).contains(&"RU"), "{doc}");
    let region = doc["added"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["aspect"] == "region")
        .unwrap();
    assert!(
        region["what"].as_str().unwrap().contains("timeZone"),
        "{region}"
    );
    assert!(region_countries(&doc["removed"]).is_empty(), "{doc}");
}

#[test]
fn sweetalert2_11_22_3_to_11_22_4_removes_the_russian_locale_code() {
    if !registry_reachable("sweetalert2@11.22.4") {
        return;
    }
    let doc = diff("npm:sweetalert2@11.22.3", "npm:sweetalert2@11.22.4");
    assert!(region_countries(&doc["removed"]).contains(&"RU"), "{doc}");
    assert!(region_countries(&doc["added"]).is_empty(), "{doc}");
    assert!(
        doc["findings"]["removed"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["rule"] == "TT201"),
        "{doc}"
    );
}
