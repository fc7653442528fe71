//! A `TargetReport` turned into the rows the store writes, once, for both backends: the
//! finding columns the questions filter on, the JSON kept whole, and the privacy label
//! flattened to readable text for `label_history`.

use std::collections::BTreeSet;
use telltale_report::{PrivacyLabel, TargetReport};

/// The scan row's values that come from the report.
pub(crate) struct PreparedScan {
    pub target: String,
    pub files_scanned: i64,
    pub bytes_scanned: i64,
    pub error: Option<String>,
    /// The report without its findings (they have rows of their own); none for a scan
    /// that failed before producing one.
    pub report: Option<serde_json::Value>,
    pub label: Option<serde_json::Value>,
    pub label_cols: LabelColumns,
    pub findings: Vec<PreparedFinding>,
}

/// The privacy label as text columns.
#[derive(Default)]
pub(crate) struct LabelColumns {
    pub collects: String,
    pub sends: i64,
    pub destinations: String,
    pub countries: String,
    pub opt_outs: String,
    pub install_scripts: String,
    pub activation: String,
}

pub(crate) struct PreparedFinding {
    pub ordinal: i64,
    pub rule: String,
    pub name: String,
    pub category: String,
    pub severity: String,
    pub file: String,
    pub line: i64,
    pub column: i64,
    pub message: String,
    pub fingerprint: String,
    /// Comma-joined: compared as one value by `region_gained`.
    pub countries: String,
    pub endpoint_list: Vec<String>,
    pub endpoints: String,
    pub install_time: bool,
    pub evidence: serde_json::Value,
    pub detail: serde_json::Value,
}

pub(crate) fn prepare(report: &TargetReport) -> Result<PreparedScan, serde_json::Error> {
    let mut whole = serde_json::to_value(report)?;
    if let Some(obj) = whole.as_object_mut() {
        obj.remove("findings");
    }
    let mut findings = Vec::with_capacity(report.findings.len());
    for (i, f) in report.findings.iter().enumerate() {
        // Duplicate endpoints in one finding would break finding_endpoints' key.
        let unique: BTreeSet<&String> = f.endpoints.iter().collect();
        findings.push(PreparedFinding {
            ordinal: i as i64,
            rule: f.rule.to_string(),
            name: f.name.to_string(),
            category: f.category.as_str().to_string(),
            severity: f.severity.as_str().to_string(),
            file: f.file.clone(),
            line: i64::from(f.line),
            column: i64::from(f.column),
            message: f.message.clone(),
            fingerprint: f.fingerprint.clone(),
            countries: f.countries.join(","),
            endpoint_list: unique.into_iter().cloned().collect(),
            endpoints: f.endpoints.join(","),
            install_time: f.install_time,
            evidence: serde_json::to_value(&f.evidence)?,
            detail: serde_json::to_value(f)?,
        });
    }
    Ok(PreparedScan {
        target: report.target.clone(),
        files_scanned: i64::try_from(report.files_scanned).unwrap_or(i64::MAX),
        bytes_scanned: i64::try_from(report.bytes_scanned).unwrap_or(i64::MAX),
        error: report.error.clone(),
        report: Some(whole),
        label: Some(serde_json::to_value(&report.label)?),
        label_cols: label_columns(&report.label),
        findings,
    })
}

/// A scan that failed before producing a report.
pub(crate) fn failure(target: String, error: &str) -> PreparedScan {
    PreparedScan {
        target,
        files_scanned: 0,
        bytes_scanned: 0,
        error: Some(error.to_string()),
        report: None,
        label: None,
        label_cols: LabelColumns::default(),
        findings: vec![],
    }
}

/// What a person reads in `label_history`: items (marked when sent), destinations with
/// their role, countries, opt-out settings, install hooks.
pub(crate) fn label_columns(l: &PrivacyLabel) -> LabelColumns {
    let collects: Vec<String> = l
        .collects
        .iter()
        .map(|c| {
            if c.sent {
                format!("{} (sent)", c.item)
            } else {
                c.item.clone()
            }
        })
        .collect();
    let destinations: Vec<String> = l
        .destinations
        .iter()
        .map(|d| format!("{} [{}]", d.host, d.role))
        .collect();
    let opt_outs: Vec<String> = l.opt_outs.iter().map(|o| o.setting.clone()).collect();
    LabelColumns {
        collects: collects.join(", "),
        sends: i64::try_from(l.sends.len()).unwrap_or(i64::MAX),
        destinations: destinations.join(", "),
        countries: l.countries().into_iter().collect::<Vec<_>>().join(", "),
        opt_outs: opt_outs.join(", "),
        install_scripts: l.install_scripts.join("; "),
        activation: l.activation.join("; "),
    }
}
