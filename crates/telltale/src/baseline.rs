//! Baselines: the findings a team has looked at and accepted, by fingerprint, so that CI
//! fails only on new ones. `telltale baseline TARGETS -o telltale-baseline.json` writes one;
//! `scan --baseline FILE` or `baseline = "…"` in `telltale.toml` reads it.
//!
//! Fingerprints ignore line numbers and build hashes (see `telltale_report::fingerprint`), so
//! a baseline survives code moving around and new versions of the same package.

use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use telltale_report::Report;

/// The file's format version.
const FORMAT: u32 = 1;

#[derive(Serialize, Deserialize)]
struct File {
    telltale_baseline: u32,
    created_by: String,
    findings: Vec<Accepted>,
}

/// One accepted finding; everything but the fingerprint is there for the person reviewing
/// the file.
#[derive(Serialize, Deserialize)]
struct Accepted {
    fingerprint: String,
    #[serde(default)]
    package: Option<String>,
    #[serde(default)]
    rule: String,
    #[serde(default)]
    file: String,
    #[serde(default)]
    message: String,
}

#[derive(Debug)]
pub struct Baseline {
    pub path: PathBuf,
    fingerprints: HashSet<String>,
}

impl Baseline {
    pub fn load(path: &Path) -> Result<Baseline, String> {
        let bytes = std::fs::read(path)
            .map_err(|e| format!("cannot read baseline {}: {e}", path.display()))?;
        let file: File = serde_json::from_slice(&bytes)
            .map_err(|e| format!("{} is not a telltale baseline: {e}", path.display()))?;
        if file.telltale_baseline != FORMAT {
            return Err(format!(
                "{}: baseline format {} is not {FORMAT}",
                path.display(),
                file.telltale_baseline
            ));
        }
        Ok(Baseline {
            path: path.to_path_buf(),
            fingerprints: file.findings.into_iter().map(|a| a.fingerprint).collect(),
        })
    }

    /// A baseline of these fingerprints, as read from `path` elsewhere.
    pub fn from_fingerprints(path: &Path, fingerprints: impl IntoIterator<Item = String>) -> Self {
        Baseline {
            path: path.to_path_buf(),
            fingerprints: fingerprints.into_iter().collect(),
        }
    }

    /// Its fingerprints, sorted.
    pub fn fingerprints(&self) -> Vec<String> {
        let mut all: Vec<String> = self.fingerprints.iter().cloned().collect();
        all.sort();
        all
    }

    pub fn contains(&self, fingerprint: &str) -> bool {
        self.fingerprints.contains(fingerprint)
    }
}

/// Every finding of a report as an accepted finding, sorted so the file diffs well.
pub fn render(report: &Report) -> String {
    let mut findings: Vec<Accepted> = report
        .targets
        .iter()
        .flat_map(|t| {
            t.findings.iter().map(|f| Accepted {
                fingerprint: f.fingerprint.clone(),
                package: t.package.clone(),
                rule: f.rule.to_string(),
                file: f.file.clone(),
                message: f.message.clone(),
            })
        })
        .collect();
    findings.sort_by(|a, b| {
        (&a.package, &a.file, &a.rule, &a.fingerprint).cmp(&(
            &b.package,
            &b.file,
            &b.rule,
            &b.fingerprint,
        ))
    });
    findings.dedup_by(|a, b| a.fingerprint == b.fingerprint);
    let file = File {
        telltale_baseline: FORMAT,
        created_by: format!("telltale {}", report.tool.version),
        findings,
    };
    serde_json::to_string_pretty(&file).expect("baseline serialises") + "\n"
}
