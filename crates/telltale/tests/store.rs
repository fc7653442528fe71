//! `scan --store` and `query` on the zero-setup SQLite store, with corpus packages.

use std::path::{Path, PathBuf};
use std::process::Command;

fn corpus(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus")
        .join(rel)
}

fn telltale(store: &Path, args: &[&str]) -> (String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_telltale"))
        .args(args)
        .env("TELLTALE_STORE", store)
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn history_on_one_machine_answers_across_versions() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.sqlite");
    let old = corpus("npm/es5-ext-0.10.53.tgz");
    let new = corpus("npm/es5-ext-0.10.64.tgz");
    let (_, first) = telltale(
        &db,
        &["scan", "--store", "--format", "json", old.to_str().unwrap()],
    );
    assert!(
        first.contains("stored npm:es5-ext@0.10.53") && first.contains("no earlier scan"),
        "{first}"
    );
    let (_, second) = telltale(
        &db,
        &["scan", "--store", "--format", "json", new.to_str().unwrap()],
    );
    assert!(
        second.contains("since es5-ext 0.10.53") && second.contains("+ medium   TT201"),
        "{second}"
    );
    // A rescan with the same rules stores nothing new.
    let (_, again) = telltale(
        &db,
        &["scan", "--store", "--format", "json", new.to_str().unwrap()],
    );
    assert!(again.contains("already stored"), "{again}");

    let (gained, _) = telltale(
        &db,
        &[
            "query",
            "region-gained",
            "--since",
            "2000-01-01",
            "--format",
            "json",
        ],
    );
    let rows: serde_json::Value = serde_json::from_str(&gained).unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 1, "{gained}");
    assert_eq!(rows[0]["package"], "es5-ext");
    assert_eq!(rows[0]["version"], "0.10.64");
    assert_eq!(rows[0]["previous_version"], "0.10.53");
    let (scans, _) = telltale(&db, &["query", "scans", "--format", "json"]);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&scans)
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        2,
        "{scans}"
    );
    let (labels, _) = telltale(&db, &["query", "label-history", "npm:es5-ext"]);
    assert!(
        labels.contains("0.10.53") && labels.contains("0.10.64") && labels.contains("RU"),
        "{labels}"
    );
}
