//! Helpers shared by the integration tests: the npm registry's reachability, and running
//! `telltale probe` (which passes, saying so, only where the kernel forbids namespaces), and
//! validating SARIF against the vendored 2.1.0 schema; the binary and a file writer.

use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// The binary under test.
#[allow(dead_code)]
pub fn telltale() -> Command {
    Command::new(env!("CARGO_BIN_EXE_telltale"))
}

/// Writes `body` at `dir/name`, making the folders on the way.
#[allow(dead_code)]
pub fn write(dir: &Path, name: &str, body: &[u8]) {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, body).unwrap();
}

/// An npm tarball (gzip) holding these files under `package/`.
#[allow(dead_code)] // for the tests that publish packages
pub fn npm_package(files: &[(&str, &str)]) -> Vec<u8> {
    let under: Vec<(String, &str)> = files
        .iter()
        .map(|(path, body)| (format!("package/{path}"), *body))
        .collect();
    let entries: Vec<(&str, &str)> = under.iter().map(|(p, b)| (p.as_str(), *b)).collect();
    tar_gz(&entries)
}

/// A gzipped tar of these files at these paths (an sdist, or an npm tarball).
#[allow(dead_code)] // for the tests that publish packages
pub fn tar_gz(files: &[(&str, &str)]) -> Vec<u8> {
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::fast(),
    ));
    for (path, body) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(body.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder
            .append_data(&mut header, path, body.as_bytes())
            .unwrap();
    }
    builder.into_inner().unwrap().finish().unwrap()
}

/// Whether the registry answers for `spec`; prints why not (`TELLTALE_SKIP_REGISTRY=1`
/// skips on purpose).
#[allow(dead_code)] // not every test file needs the registry
pub fn registry_reachable(spec: &str) -> bool {
    if std::env::var_os("TELLTALE_SKIP_REGISTRY").is_some() {
        eprintln!("skipped: TELLTALE_SKIP_REGISTRY is set");
        return false;
    }
    let cwd = std::env::current_dir().unwrap();
    let client = telltale_registry::Client::new(telltale_registry::Config::from_environment(&cwd));
    let parsed = telltale_registry::Spec::parse(spec).unwrap();
    match client.fetch(&parsed) {
        Ok(_) => true,
        Err(e) => {
            eprintln!("skipped: the npm registry cannot be reached ({e})");
            false
        }
    }
}

/// `telltale probe --format json ARGS` with `envs`. `None`, after printing why, when the kernel
/// forbids the namespaces a sandbox needs; any other failure fails the test.
#[allow(dead_code)] // not every test file probes
pub fn probe_json(
    args: &[&str],
    envs: &[(&str, &std::path::Path)],
) -> Option<(std::process::Output, serde_json::Value)> {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_telltale"))
        .args(["probe", "--format", "json"])
        .args(args)
        .envs(envs.iter().map(|(k, v)| (*k, *v)))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() == Some(3) && stderr.contains("the kernel forbids the namespaces") {
        eprintln!("NOT RUN: {}", stderr.trim());
        return None;
    }
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "probe {args:?} failed ({:?}): {stderr}",
        out.status
    );
    let doc = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("bad JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)));
    Some((out, doc))
}

/// Validate a document against the vendored SARIF 2.1.0 schema, listing every violation.
#[allow(dead_code)] // for the tests that write SARIF
pub fn assert_valid_sarif(doc: &Value) {
    let schema_path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sarif-schema-2.1.0.json");
    let mut schema: Value = serde_json::from_slice(&std::fs::read(schema_path).unwrap()).unwrap();
    // The published schema's `language` patterns have a stray `]`, legal in ECMAScript
    // regexes (Annex B) but not in Rust's: escape it, there and nowhere else.
    fn escape_stray_bracket(v: &mut Value) -> usize {
        match v {
            Value::Object(m) => m
                .iter_mut()
                .map(|(k, x)| {
                    if k == "pattern" && x == "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$" {
                        *x = Value::from(r"^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}\]?$");
                        1
                    } else {
                        escape_stray_bracket(x)
                    }
                })
                .sum(),
            Value::Array(a) => a.iter_mut().map(escape_stray_bracket).sum(),
            _ => 0,
        }
    }
    assert!(
        escape_stray_bracket(&mut schema) > 0,
        "the vendored schema changed"
    );
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .build(&schema)
        .expect("the schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF violates the schema:\n{}",
        errors.join("\n")
    );
}
