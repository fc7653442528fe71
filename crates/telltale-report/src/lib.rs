//! Reports: one data model ([`Report`]), rendered as human text or JSON.
//!
//! The JSON shape is documented in `docs/json-schema.md`; `schema_version` changes only when
//! a field is removed or changes meaning (which the project promises not to do).

use serde::Serialize;
use std::fmt::Write;
use telltale_rules::{Finding, Severity};

/// Bumped only on incompatible changes.
pub const SCHEMA_VERSION: u32 = 1;

/// The result of scanning one target.
#[derive(Debug, Serialize)]
pub struct TargetReport {
    /// The target as given on the command line.
    pub target: String,
    pub files_scanned: usize,
    pub bytes_scanned: u64,
    /// Set when the target could not be read at all (corrupt archive, limit hit, …).
    pub error: Option<String>,
    /// Problems with parts of the target (skipped symlinks, unparseable files).
    pub warnings: Vec<String>,
    pub findings: Vec<Finding>,
}

/// The whole report.
#[derive(Debug, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool: Tool,
    pub targets: Vec<TargetReport>,
}

#[derive(Debug, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

impl Report {
    pub fn new(targets: Vec<TargetReport>) -> Self {
        Report { schema_version: SCHEMA_VERSION, tool: Tool { name: "telltale", version: env!("CARGO_PKG_VERSION") }, targets }
    }
    pub fn max_severity(&self) -> Option<Severity> {
        self.targets.iter().flat_map(|t| t.findings.iter().map(|f| f.severity)).max()
    }
    pub fn has_errors(&self) -> bool {
        self.targets.iter().any(|t| t.error.is_some())
    }
}

pub fn to_json(report: &Report) -> String {
    serde_json::to_string_pretty(report).expect("report serialises")
}

/// Human text: per finding a header, location, message, code frame, evidence and flow.
pub fn to_text(report: &Report, min_severity: Severity) -> String {
    let mut out = String::new();
    for t in &report.targets {
        let shown: Vec<&Finding> = t.findings.iter().filter(|f| f.severity >= min_severity).collect();
        let _ = writeln!(out, "== {} ({} files, {} findings)", t.target, t.files_scanned, t.findings.len());
        if let Some(e) = &t.error {
            let _ = writeln!(out, "error: {e}");
        }
        for w in t.warnings.iter().take(20) {
            let _ = writeln!(out, "warning: {w}");
        }
        if t.warnings.len() > 20 {
            let _ = writeln!(out, "warning: … and {} more", t.warnings.len() - 20);
        }
        for f in shown {
            let _ = writeln!(out, "\n{} {} [{}] {}", f.severity.as_str(), f.rule, f.category.as_str(), f.name);
            let _ = writeln!(out, "  --> {}:{}:{} (byte {}){}", f.file, f.line, f.column, f.offset, if f.install_time { " [install time]" } else { "" });
            let _ = writeln!(out, "   | {}", f.snippet);
            let _ = writeln!(out, "   = {}", f.message);
            if !f.countries.is_empty() {
                let _ = writeln!(out, "   = countries: {}", f.countries.join(", "));
            }
            if !f.endpoints.is_empty() {
                let _ = writeln!(out, "   = endpoints: {}", f.endpoints.join(", "));
            }
            for e in f.evidence.iter().take(8) {
                let _ = writeln!(out, "   = evidence: {}", e.chars().take(160).collect::<String>());
            }
            if !f.flow.is_empty() {
                let _ = writeln!(out, "   = flow:");
                for (i, s) in f.flow.iter().enumerate() {
                    let _ = writeln!(out, "       {}. {}:{}:{}  {}", i + 1, s.file, s.line, s.column, s.what);
                }
            }
        }
    }
    let total: usize = report.targets.iter().map(|t| t.findings.len()).sum();
    let _ = writeln!(out, "\n{} target(s), {} finding(s){}", report.targets.len(), total, match report.max_severity() {
        Some(s) => format!(", highest {}", s.as_str()),
        None => String::new(),
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_report_has_schema_version() {
        let r = Report::new(vec![TargetReport { target: "x".into(), files_scanned: 0, bytes_scanned: 0, error: None, warnings: vec![], findings: vec![] }]);
        let v: serde_json::Value = serde_json::from_str(&to_json(&r)).unwrap();
        assert_eq!(v["schema_version"], 1);
        assert!(to_text(&r, Severity::Info).contains("0 finding"));
    }
}
