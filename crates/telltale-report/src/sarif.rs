//! SARIF 2.1.0 for code scanning (GitHub, GitLab, Azure DevOps): one run with every rule's
//! documentation as its help, one result per finding, flows as code flows, and
//! `partialFingerprints` that stay put across runs and line moves (see [`crate::fingerprint`]).
//!
//! Paths: a file in a folder target is written relative to where the folder was named, so
//! code scanning finds it in the repository; a file of an archive or registry target is
//! relative to the archive. Code found inside another file (`x.js › eval#1`, a module inside
//! an executable) is a nested artifact whose `parentIndex` is the file that carries it, as
//! SARIF models files inside archives; its line and column are inside the nested code.

use crate::{Report, TargetReport};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use telltale_rules::{Finding, RuleMeta, Severity};

/// The schema the output follows (the SARIF 2.1.0 schema as published with the standard).
pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// A whole report as SARIF.
pub fn to_sarif(report: &Report) -> String {
    let mut run = RunBuilder::default();
    for t in &report.targets {
        for f in &t.findings {
            run.result(t, f, None);
        }
    }
    render(run, report)
}

/// Findings of two reports as SARIF results marked with their `baselineState`: `new` (only
/// in the newer report) or `absent` (only in the older one). `telltale diff` uses it.
pub fn changes_to_sarif(
    report: &Report,
    added: &[(&TargetReport, &Finding)],
    removed: &[(&TargetReport, &Finding)],
) -> String {
    let mut run = RunBuilder::default();
    for (t, f) in added {
        run.result(t, f, Some("new"));
    }
    for (t, f) in removed {
        run.result(t, f, Some("absent"));
    }
    render(run, report)
}

fn render(run: RunBuilder, report: &Report) -> String {
    let rules: Vec<Value> = telltale_rules::all_rules()
        .iter()
        .map(|r| rule_descriptor(r.meta()))
        .collect();
    let errors: Vec<Value> = report
        .targets
        .iter()
        .filter_map(|t| t.error.as_ref().map(|e| json!({ "level": "error", "message": { "text": format!("{}: {e}", t.target) } })))
        .collect();
    // Code not analysed is told as a notification per gap: code scanning shows them with the
    // run, and a run with gaps is not reported as a clean, successful one.
    let gaps: Vec<Value> = report
        .targets
        .iter()
        .filter(|t| t.error.is_none())
        .flat_map(|t| {
            let level = if t.coverage.policy.as_ref().is_some_and(|v| v.fails) { "error" } else { "warning" };
            t.coverage.gaps().map(move |g| {
                json!({
                    "level": level,
                    "descriptor": { "id": "coverage-incomplete" },
                    "message": { "text": format!("{}: not analysed: {}{}: {}", t.target, g.path, crate::coverage::sized(g.bytes), g.why) },
                    "properties": { "target": t.target, "path": g.path, "bytes": g.bytes, "why": g.why },
                })
            })
        })
        .collect();
    let successful = errors.is_empty() && gaps.is_empty();
    let notifications: Vec<Value> = errors.into_iter().chain(gaps).collect();
    let coverage: Vec<Value> = report
        .targets
        .iter()
        .map(|t| json!({ "target": t.target, "coverage": t.coverage }))
        .collect();
    let bases: Map<String, Value> = run
        .bases
        .iter()
        .map(|(_, id, name)| (id.clone(), json!({ "description": { "text": name } })))
        .collect();
    let sarif = json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "telltale",
                "semanticVersion": report.tool.version,
                "version": report.tool.version,
                "rules": rules,
            }},
            "invocations": [{
                "executionSuccessful": successful,
                "toolExecutionNotifications": notifications,
            }],
            "properties": { "coverage": coverage },
            // Columns count bytes; for ASCII source (nearly all bundles) that is the same as code points.
            "columnKind": "unicodeCodePoints",
            "originalUriBaseIds": bases,
            "artifacts": run.artifacts,
            "results": run.results,
        }],
    });
    serde_json::to_string_pretty(&sarif).expect("SARIF serialises")
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub ranks code scanning alerts by this number: 9+ critical, 7+ high, 4+ medium.
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.5",
    }
}

fn rule_descriptor(m: &RuleMeta) -> Value {
    let doc = m.doc_markdown();
    json!({
        "id": m.id,
        "name": m.name,
        "shortDescription": { "text": m.summary() },
        "fullDescription": { "text": m.summary() },
        "help": { "text": doc, "markdown": doc },
        "defaultConfiguration": { "level": level(m.severity) },
        "properties": {
            "tags": ["security", "privacy", m.category.as_str()],
            "security-severity": security_severity(m.severity),
            "category": m.category.as_str(),
            "severity": m.severity.as_str(),
        },
    })
}

#[derive(Default)]
struct RunBuilder {
    artifacts: Vec<Value>,
    /// (target index by address, path) → artifact index.
    artifact_index: HashMap<(usize, String), usize>,
    results: Vec<Value>,
    /// (target by address, uriBaseId, target name).
    bases: Vec<(usize, String, String)>,
}

impl RunBuilder {
    fn result(&mut self, t: &TargetReport, f: &Finding, baseline_state: Option<&str>) {
        let rule_index = telltale_rules::rule_index(f.rule);
        let mut location = self.location(
            t,
            &f.file,
            f.line,
            f.column,
            f.offset,
            f.end_offset.saturating_sub(f.offset),
        );
        location["physicalLocation"]["region"]["snippet"] = json!({ "text": f.snippet });
        if f.file.contains(" › ") {
            location["logicalLocations"] =
                json!([{ "fullyQualifiedName": f.file, "kind": "module" }]);
        }
        let mut result = Map::new();
        result.insert("ruleId".into(), json!(f.rule));
        if let Some(i) = rule_index {
            result.insert("ruleIndex".into(), json!(i));
        }
        result.insert("level".into(), json!(level(f.severity)));
        result.insert("message".into(), json!({ "text": message_text(f) }));
        // A package a lockfile pins: the alert lands on the lockfile's line for it, the file
        // inside the package kept as a related location.
        match &t.lockfile {
            Some(entry) => {
                let lock = json!({
                    "physicalLocation": {
                        "artifactLocation": { "uri": encode_uri(entry.path.trim_start_matches("./")) },
                        "region": { "startLine": entry.line.max(1) },
                    },
                    "message": { "text": format!("{} is pinned here", t.target) },
                });
                let mut related = location;
                related["id"] = json!(0);
                related["message"] = json!({ "text": format!("{}:{}:{} in {}", f.file, f.line, f.column, t.target) });
                result.insert("locations".into(), json!([lock]));
                result.insert("relatedLocations".into(), json!([related]));
            }
            None => {
                result.insert("locations".into(), json!([location]));
            }
        }
        result.insert(
            "partialFingerprints".into(),
            json!({ crate::fingerprint::SCHEME: f.fingerprint }),
        );
        if !f.flow.is_empty() {
            let steps: Vec<Value> = f
                .flow
                .iter()
                .map(|s| {
                    let mut loc = self.location(t, &s.file, s.line, s.column, s.offset, 0);
                    loc["message"] = json!({ "text": s.what });
                    json!({ "location": loc })
                })
                .collect();
            result.insert(
                "codeFlows".into(),
                json!([{ "threadFlows": [{ "locations": steps }] }]),
            );
        }
        if let Some(state) = baseline_state {
            result.insert("baselineState".into(), json!(state));
        }
        let mut props = json!({
            "category": f.category.as_str(),
            "severity": f.severity.as_str(),
            "target": t.target,
            "countries": f.countries,
            "endpoints": f.endpoints,
            "evidence": f.evidence,
            "install_time": f.install_time,
        });
        if let Some(p) = &t.package {
            props["package"] = json!(p);
        }
        if let Some(v) = &f.policy {
            props["policy"] = json!(v);
        }
        result.insert("properties".into(), props);
        self.results.push(Value::Object(result));
    }

    fn location(
        &mut self,
        t: &TargetReport,
        file: &str,
        line: u32,
        column: u32,
        offset: u32,
        length: u32,
    ) -> Value {
        let index = self.artifact(t, file);
        let mut artifact_location = self.artifacts[index]["location"].clone();
        artifact_location["index"] = json!(index);
        json!({
            "physicalLocation": {
                "artifactLocation": artifact_location,
                "region": {
                    "startLine": line.max(1),
                    "startColumn": column.max(1),
                    "byteOffset": offset,
                    "byteLength": length,
                },
            },
        })
    }

    /// The `uriBaseId` standing for an archive or registry target (`TARGET1`, …).
    fn base_id(&mut self, t: &TargetReport) -> String {
        let key = t as *const TargetReport as usize;
        if let Some((_, id, _)) = self.bases.iter().find(|(k, _, _)| *k == key) {
            return id.clone();
        }
        let id = format!("TARGET{}", self.bases.len() + 1);
        self.bases.push((key, id.clone(), t.target.clone()));
        id
    }

    /// The artifact for a path, and for each file that carries it (`a › b › c`).
    fn artifact(&mut self, t: &TargetReport, file: &str) -> usize {
        let key = (t as *const TargetReport as usize, file.to_string());
        if let Some(&i) = self.artifact_index.get(&key) {
            return i;
        }
        let (parent, location) = match file.rsplit_once(" › ") {
            Some((outer, inner)) => (
                Some(self.artifact(t, outer)),
                json!({ "uri": encode_uri(inner.trim_start_matches('/')) }),
            ),
            None => match &t.root {
                Some(root) => (
                    None,
                    json!({ "uri": encode_uri(&format!("{}/{file}", root.trim_end_matches('/'))) }),
                ),
                // Files of an archive or a registry package are relative to it: one base per target.
                None => (
                    None,
                    json!({ "uri": encode_uri(file), "uriBaseId": self.base_id(t) }),
                ),
            },
        };
        let mut artifact = json!({ "location": location });
        if let Some(p) = parent {
            artifact["parentIndex"] = json!(p);
            artifact["description"] = json!({ "text": file });
        }
        self.artifacts.push(artifact);
        let i = self.artifacts.len() - 1;
        self.artifact_index.insert(key, i);
        i
    }
}

/// The message, with the countries and endpoints a reader of an alert list needs at once.
fn message_text(f: &Finding) -> String {
    let mut text = f.message.clone();
    if !f.countries.is_empty() && !text.contains(&f.countries.join(", ")) {
        text.push_str(&format!(" (countries: {})", f.countries.join(", ")));
    }
    if let Some(e) = f.evidence.first() {
        text.push_str(&format!(" — {}", crate::clip(e, 200)));
    }
    text
}

/// A relative URI reference for a path: everything outside the unreserved set and `/` is
/// percent-encoded, so `#`, `?`, spaces and `$bunfs` names stay part of the path.
fn encode_uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/' | b'@' | b'+')
        {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_keep_odd_names_inside_the_path() {
        assert_eq!(encode_uri("package/a b#1.js"), "package/a%20b%231.js");
        assert_eq!(encode_uri("$bunfs/root/cli"), "%24bunfs/root/cli");
        assert_eq!(
            encode_uri("@scope/x@1.0.0/é.js"),
            "@scope/x@1.0.0/%C3%A9.js"
        );
    }
}
