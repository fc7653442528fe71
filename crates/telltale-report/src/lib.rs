//! Reports: one data model ([`Report`]), rendered as human text, JSON or a self-contained HTML
//! page ([`to_html`]).
//!
//! The JSON shape is documented in `docs/json-schema.md`; `schema_version` changes only when
//! a field is removed or changes meaning (which the project promises not to do).

pub mod coverage;
pub mod diff;
pub mod fingerprint;
mod github;
pub mod html;
mod label;
pub mod sarif;
mod summary;
pub use summary::in_short;

use serde::Serialize;
use std::fmt::Write;
use telltale_rules::{Finding, Severity};

pub use coverage::Coverage;
pub use github::to_github;
pub use html::to_html;
pub use label::{LabelInput, PrivacyLabel, GIT_AND_FOLDER_ONLY};
pub use sarif::to_sarif;

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
    /// Where the scanned bytes came from, for registry targets: the resolved version and
    /// the integrity hash they were checked against.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Problems with parts of the target (skipped symlinks, unparseable files).
    pub warnings: Vec<String>,
    /// The package's name and version from its root manifest (`package.json`, `PKG-INFO`),
    /// when it has one: what policy exceptions and `diff` match on.
    pub package: Option<String>,
    pub version: Option<String>,
    /// For a platform package pulled in by an `npm:` target (`optionalDependencies` limited
    /// by os/cpu), the package it belongs to: the two are one product in `diff`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform_of: Option<String>,
    /// For a dependency an `npm:` target's bin or main hands its program over to (a
    /// launcher package), the package that hands over: the two are one product in `diff`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delegated_from: Option<String>,
    /// How it hands over, in words (`its bin amp is node_modules/@ampcode/cli/bin/amp.exe`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delegation: Option<String>,
    /// With `--deps`: the package whose install closure this one is part of.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dependency_of: Option<String>,
    /// The local folder that `file` paths are relative to, for a folder target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub root: Option<String>,
    /// For a package a lockfile pins: the lockfile and the line of its entry, where code
    /// scanning and annotations put what is found in the package.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lockfile: Option<LockfileEntry>,
    /// What the package collects, where it sends it, when, behind which opt-out, and for
    /// which regions it behaves differently.
    pub label: PrivacyLabel,
    /// What was analysed and what was not, with why; `complete` is false when code the
    /// package runs was not analysed.
    pub coverage: Coverage,
    pub findings: Vec<Finding>,
    /// What `--deps` needs to link this package with the others of the closure; not part of
    /// the report.
    #[serde(skip)]
    pub cross_package: telltale_facts::CrossPackage,
}

/// Where a lockfile pins a package: the lockfile as it was named, and the line (from 1) of the
/// package's entry.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct LockfileEntry {
    pub path: String,
    pub line: u32,
}

impl TargetReport {
    /// A target with nothing scanned yet.
    pub fn empty(target: &str) -> Self {
        TargetReport {
            target: target.to_string(),
            files_scanned: 0,
            bytes_scanned: 0,
            error: None,
            source: None,
            warnings: vec![],
            package: None,
            version: None,
            platform_of: None,
            delegated_from: None,
            delegation: None,
            dependency_of: None,
            root: None,
            lockfile: None,
            label: PrivacyLabel::default(),
            coverage: Coverage::default(),
            findings: vec![],
            cross_package: Default::default(),
        }
    }

    /// A target that could not be read at all.
    pub fn failed(target: &str, error: String) -> Self {
        TargetReport {
            coverage: Coverage::unreadable(target, &error),
            error: Some(error),
            ..TargetReport::empty(target)
        }
    }
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
    /// Assemble a report; every finding gets its fingerprint here.
    pub fn new(mut targets: Vec<TargetReport>) -> Self {
        fingerprint::assign(&mut targets);
        Report {
            schema_version: SCHEMA_VERSION,
            tool: Tool {
                name: "telltale",
                version: env!("CARGO_PKG_VERSION"),
            },
            targets,
        }
    }
    pub fn max_severity(&self) -> Option<Severity> {
        self.targets
            .iter()
            .flat_map(|t| t.findings.iter().map(|f| f.severity))
            .max()
    }
    /// Findings the policy fails the run on, and targets whose incomplete coverage it fails.
    pub fn policy_failures(&self) -> usize {
        let findings = self
            .targets
            .iter()
            .flat_map(|t| &t.findings)
            .filter(|f| f.fails_policy())
            .count();
        findings
            + self
                .targets
                .iter()
                .filter(|t| t.coverage.policy.as_ref().is_some_and(|v| v.fails))
                .count()
    }
    pub fn has_errors(&self) -> bool {
        self.targets.iter().any(|t| t.error.is_some())
    }
    /// Targets whose code was not all analysed (read without error, but with gaps).
    pub fn incomplete(&self) -> impl Iterator<Item = &TargetReport> {
        self.targets
            .iter()
            .filter(|t| t.error.is_none() && !t.coverage.complete)
    }
}

pub fn to_json(report: &Report) -> String {
    /// A target as JSON: its fields, then its answer in one line (see [`summary`]).
    #[derive(Serialize)]
    struct TargetJson<'a> {
        #[serde(flatten)]
        target: &'a TargetReport,
        #[serde(skip_serializing_if = "String::is_empty")]
        summary: String,
    }
    #[derive(Serialize)]
    struct ReportJson<'a> {
        schema_version: u32,
        tool: &'a Tool,
        targets: Vec<TargetJson<'a>>,
    }
    let json = ReportJson {
        schema_version: report.schema_version,
        tool: &report.tool,
        targets: report
            .targets
            .iter()
            .map(|t| TargetJson {
                target: t,
                summary: in_short(t),
            })
            .collect(),
    };
    serde_json::to_string_pretty(&json).expect("report serialises")
}

/// Human text: per finding a header, location, message, code frame, evidence and flow.
/// Control characters from packages (decoded binary, terminal escape sequences) are shown
/// as `\x1b`, never sent to the terminal.
pub fn to_text(report: &Report, min_severity: Severity) -> String {
    to_text_with(
        report,
        &TextOptions {
            min_severity,
            full: true,
            ..TextOptions::default()
        },
    )
}

/// How much the text report says.
#[derive(Debug, Clone, Copy)]
pub struct TextOptions {
    /// Findings below this severity are not shown.
    pub min_severity: Severity,
    /// Only the targets that need attention (a finding of low severity or above shown, a
    /// policy failure, code not all analysed, an error), each finding on one line, then
    /// the totals: what a CI log or a lockfile of hundreds of packages wants.
    pub quiet: bool,
    /// Counts of findings by rule instead of the findings, then the totals.
    pub statistics: bool,
    /// Every target in full even when there are several. By default a report of several
    /// targets (a lockfile, a `node_modules` folder, `--deps`) is concise: the targets that
    /// need attention as with `quiet`, and a count of the others.
    pub full: bool,
}

impl Default for TextOptions {
    fn default() -> Self {
        TextOptions {
            min_severity: Severity::Info,
            quiet: false,
            statistics: false,
            full: false,
        }
    }
}

/// [`to_text`] with the output modes of [`TextOptions`].
pub fn to_text_with(report: &Report, opts: &TextOptions) -> String {
    let concise = report.targets.len() > 1 && !opts.full;
    let mut out = if opts.statistics {
        statistics_of(report, opts.min_severity)
    } else if opts.quiet || concise {
        let mut out = quiet_text_of(report, opts.min_severity);
        let others = report
            .targets
            .iter()
            .filter(|t| !needs_attention(t, opts.min_severity))
            .count();
        if !opts.quiet && others > 0 {
            let _ = writeln!(
                out,
                "{others} other target{} need{} no attention (--full shows every target)",
                if others == 1 { "" } else { "s" },
                if others == 1 { "s" } else { "" }
            );
        }
        out
    } else {
        text_of(report, opts.min_severity)
    };
    write_totals(&mut out, report);
    printable(&out)
}

/// The findings shown for a target: at or above `min`, not accepted by the policy (text and
/// annotations alike).
pub(crate) fn shown(t: &TargetReport, min: Severity) -> impl Iterator<Item = &Finding> {
    t.findings
        .iter()
        .filter(move |f| f.severity >= min && !f.accepted_by_policy())
}

/// Whether a target needs a reader's attention (see [`TextOptions::quiet`]).
fn needs_attention(t: &TargetReport, min: Severity) -> bool {
    t.error.is_some()
        || !t.coverage.complete
        || t.findings.iter().any(|f| f.fails_policy())
        || shown(t, min).any(|f| f.severity >= Severity::Low)
}

/// Each target that needs attention: its answer in one line, then one line per finding
/// (`file:line:col: severity RULE message`), as ruff and compilers print them.
fn quiet_text_of(report: &Report, min: Severity) -> String {
    let mut out = String::new();
    for t in report.targets.iter().filter(|t| needs_attention(t, min)) {
        if let Some(e) = &t.error {
            let _ = writeln!(out, "{}: error: {e}", t.target);
            continue;
        }
        match &t.lockfile {
            Some(e) => {
                let _ = writeln!(out, "{} ({}:{}): {}", t.target, e.path, e.line, in_short(t));
            }
            None => {
                let _ = writeln!(out, "{}: {}", t.target, in_short(t));
            }
        }
        for f in shown(t, min) {
            let _ = writeln!(
                out,
                "  {}:{}:{}: {} {} {}{}",
                f.file,
                f.line,
                f.column,
                f.severity.as_str(),
                f.rule,
                f.message,
                if f.fails_policy() {
                    " [fails the policy]"
                } else {
                    ""
                }
            );
        }
    }
    out
}

/// Findings counted by rule, most first (`--statistics`).
fn statistics_of(report: &Report, min: Severity) -> String {
    let mut counts: std::collections::BTreeMap<(&str, &str, Severity), usize> =
        std::collections::BTreeMap::new();
    for f in report.targets.iter().flat_map(|t| shown(t, min)) {
        *counts.entry((f.rule, f.name, f.severity)).or_default() += 1;
    }
    let mut rows: Vec<_> = counts.into_iter().collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut out = String::new();
    for ((rule, name, severity), n) in rows {
        let _ = writeln!(out, "{n:>6}  {rule}  {:<8}  {name}", severity.as_str());
    }
    out
}

/// Text output with the severity of each finding coloured (critical and high red, medium
/// yellow, low cyan, info dimmed) and target headers bold. Runs on [`to_text_with`]'s
/// output, after control characters from packages were escaped, so the only escape
/// sequences in the result are these.
pub fn colorize(text: &str) -> String {
    use anstyle::{AnsiColor, Style};
    let style = |word: &str| -> Option<Style> {
        Some(match word {
            "critical" => Style::new().bold().fg_color(Some(AnsiColor::Red.into())),
            "high" => Style::new().fg_color(Some(AnsiColor::Red.into())),
            "medium" => Style::new().fg_color(Some(AnsiColor::Yellow.into())),
            "low" => Style::new().fg_color(Some(AnsiColor::Cyan.into())),
            "info" => Style::new().dimmed(),
            _ => return None,
        })
    };
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for line in text.split_inclusive('\n') {
        if line.starts_with("== ") {
            let bold = Style::new().bold();
            let body = line.trim_end_matches('\n');
            let _ = write!(out, "{bold}{body}{bold:#}");
            out.push_str(&line[body.len()..]);
            continue;
        }
        // `high TT102 [exfiltration] …` (full) or `  a.js:3:1: high TT102 …` (concise).
        let at = if line.starts_with(|c: char| c.is_ascii_lowercase()) {
            Some(0)
        } else {
            line.find(": ").map(|i| i + 2)
        };
        let coloured = at.and_then(|i| {
            let rest = &line[i..];
            let (word, after) = rest.split_once(' ')?;
            after
                .strip_prefix("TT")
                .filter(|a| a.starts_with(|c: char| c.is_ascii_digit()))?;
            let s = style(word)?;
            Some(format!("{}{s}{word}{s:#} {after}", &line[..i]))
        });
        out.push_str(coloured.as_deref().unwrap_or(line));
    }
    out
}

/// At most `max` characters of `s`, with `…` when cut.
pub fn clip(s: &str, max: usize) -> std::borrow::Cow<'_, str> {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]).into(),
        None => s.into(),
    }
}

/// `s` with every control character but newline and tab written as `\xHH`.
fn printable(s: &str) -> String {
    if !s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() && c != '\n' && c != '\t' {
            let _ = write!(out, "\\x{:02x}", c as u32);
        } else {
            out.push(c);
        }
    }
    out
}

fn text_of(report: &Report, min_severity: Severity) -> String {
    let mut out = String::new();
    for t in &report.targets {
        // Findings the policy accepted (allowed, excepted, in the baseline) are listed in JSON only.
        let shown: Vec<&Finding> = shown(t, min_severity).collect();
        let hidden = t.findings.iter().filter(|f| f.accepted_by_policy()).count();
        // A target that could not be read has no label to show, clean or not.
        if let Some(e) = &t.error {
            let _ = writeln!(out, "== {}: error: {e}", t.target);
            continue;
        }
        let _ = writeln!(
            out,
            "== {} ({} files, {} finding{})",
            t.target,
            t.files_scanned,
            t.findings.len(),
            if t.findings.len() == 1 { "" } else { "s" }
        );
        {
            let _ = writeln!(out, "in short: {}", in_short(t));
            let _ = writeln!(out, "coverage: {}", t.coverage.summary());
            let gaps = t.coverage.gaps().count();
            for u in t.coverage.gaps().take(10) {
                let _ = writeln!(
                    out,
                    "  not analysed: {}{}: {}",
                    u.path,
                    coverage::sized(u.bytes),
                    u.why
                );
            }
            if gaps > 10 {
                let _ = writeln!(
                    out,
                    "  … and {} more not analysed (--format json lists them)",
                    gaps - 10
                );
            }
            for i in &t.coverage.identical {
                let _ = writeln!(
                    out,
                    "  identical: {}{} is the same bytes as {}, analysed once",
                    i.path,
                    coverage::sized(i.bytes),
                    i.same_as
                );
            }
            if let Some(v) = &t.coverage.policy {
                let _ = writeln!(
                    out,
                    "  {}: {}",
                    if v.fails {
                        "fails the policy"
                    } else {
                        "accepted by the policy"
                    },
                    v.reason
                );
            }
        }
        if let Some(s) = &t.source {
            let _ = writeln!(out, "source: {s}");
        }
        for w in t.warnings.iter().take(20) {
            let _ = writeln!(out, "warning: {w}");
        }
        if t.warnings.len() > 20 {
            let _ = writeln!(out, "warning: … and {} more", t.warnings.len() - 20);
        }
        write_label(&mut out, &t.label);
        for f in shown {
            let _ = writeln!(
                out,
                "\n{} {} [{}] {}",
                f.severity.as_str(),
                f.rule,
                f.category.as_str(),
                f.name
            );
            let _ = writeln!(
                out,
                "  --> {}:{}:{} (byte {}){}",
                f.file,
                f.line,
                f.column,
                f.offset,
                if f.install_time {
                    " [install time]"
                } else {
                    ""
                }
            );
            let _ = writeln!(out, "   | {}", f.snippet);
            let _ = writeln!(out, "   = {}", f.message);
            if !f.countries.is_empty() {
                let _ = writeln!(out, "   = countries: {}", f.countries.join(", "));
            }
            if !f.endpoints.is_empty() {
                let _ = writeln!(out, "   = endpoints: {}", f.endpoints.join(", "));
            }
            for e in f.evidence.iter().take(8) {
                let _ = writeln!(out, "   = evidence: {}", clip(e, 160));
            }
            if !f.flow.is_empty() {
                let _ = writeln!(out, "   = flow:");
                for (i, s) in f.flow.iter().enumerate() {
                    let _ = writeln!(
                        out,
                        "       {}. {}:{}:{}  {}",
                        i + 1,
                        s.file,
                        s.line,
                        s.column,
                        s.what
                    );
                }
            }
            if let Some(p) = f.policy.as_ref().filter(|p| p.fails) {
                let _ = writeln!(out, "   = fails the policy: {}", p.reason);
            }
        }
        if hidden > 0 {
            let _ = writeln!(out, "\n{hidden} finding(s) accepted by the policy are not shown (--format json lists them with the reason)");
        }
    }
    if report.targets.len() > 1 {
        write_summary(&mut out, report);
    }
    out
}

/// The last line: targets, findings, the worst, what fails the policy, what was not read.
fn write_totals(out: &mut String, report: &Report) {
    let total: usize = report.targets.iter().map(|t| t.findings.len()).sum();
    let failing = report.policy_failures();
    let judged = report
        .targets
        .iter()
        .flat_map(|t| &t.findings)
        .any(|f| f.policy.is_some());
    let incomplete = report.incomplete().count();
    let errors = report.targets.iter().filter(|t| t.error.is_some()).count();
    let _ = writeln!(
        out,
        "\n{} target(s), {} finding(s){}{}{}{}",
        report.targets.len(),
        total,
        match report.max_severity() {
            Some(s) => format!(", highest {}", s.as_str()),
            None => String::new(),
        },
        if judged {
            format!(", {failing} fail the policy")
        } else {
            String::new()
        },
        if incomplete > 0 {
            format!(", coverage INCOMPLETE for {incomplete}")
        } else {
            String::new()
        },
        if errors > 0 {
            format!(", {errors} could not be read")
        } else {
            String::new()
        }
    );
}

/// One line per target, worst first: what a platform team reads after scanning a tree.
fn write_summary(out: &mut String, report: &Report) {
    let mut rows: Vec<&TargetReport> = report.targets.iter().collect();
    rows.sort_by_key(|t| {
        (
            std::cmp::Reverse(t.findings.iter().map(|f| f.severity).max()),
            t.error.is_none(),
            t.target.clone(),
        )
    });
    let width = rows
        .iter()
        .map(|t| t.target.chars().count())
        .max()
        .unwrap_or(0)
        .min(60);
    let _ = writeln!(out, "\nsummary:");
    let _ = writeln!(
        out,
        "  {:<width$}  {:>6}  {:>8}  {:<8}  what",
        "target", "files", "findings", "highest"
    );
    for t in rows {
        let highest = t.findings.iter().map(|f| f.severity).max();
        let what = match &t.error {
            Some(e) => format!("error: {}", clip(e, 80)),
            None if !t.coverage.complete => {
                let mut parts = vec![format!(
                    "INCOMPLETE ({} not analysed)",
                    t.coverage.gaps().count()
                )];
                parts.extend(label_summary(&t.label));
                parts.join("; ")
            }
            None => label_summary(&t.label).join("; "),
        };
        let name = clip(&t.target, 60);
        let _ = writeln!(
            out,
            "  {:<width$}  {:>6}  {:>8}  {:<8}  {}",
            name,
            t.files_scanned,
            t.findings.len(),
            highest.map_or("-", |s| s.as_str()),
            what
        );
    }
}

/// What a label says, in a few words each: what is sent, the countries targeted, how many
/// telemetry hosts, install scripts. The summary rows of text and HTML reports.
pub(crate) fn label_summary(l: &PrivacyLabel) -> Vec<String> {
    let mut parts = Vec::new();
    let items: std::collections::BTreeSet<&str> = l
        .sends
        .iter()
        .flat_map(|s| s.items.iter().map(String::as_str))
        .collect();
    if !items.is_empty() {
        parts.push(format!(
            "sends {}",
            items.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    let countries = l.countries();
    if !countries.is_empty() {
        parts.push(format!(
            "region: {}",
            countries.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    let telemetry = l
        .destinations
        .iter()
        .filter(|d| d.role == "telemetry")
        .count();
    if telemetry > 0 {
        parts.push(format!(
            "{telemetry} telemetry host{}",
            if telemetry == 1 { "" } else { "s" }
        ));
    }
    if l.install_scripts
        .iter()
        .any(|s| !s.starts_with("prepare: "))
    {
        parts.push("install scripts".into());
    }
    parts
}

/// The label as a short block ahead of the findings.
fn write_label(out: &mut String, l: &PrivacyLabel) {
    if l.is_empty() {
        let _ = writeln!(out, "privacy label: collects no identity, names no tracking or geolocation service, no region-dependent code");
        return;
    }
    let _ = writeln!(out, "privacy label:");
    if !l.collects.is_empty() {
        let _ = writeln!(out, "  collects:");
        for c in &l.collects {
            let _ = writeln!(
                out,
                "    - {} ({}){}, at {} time, read {}",
                c.item,
                c.apis.join(", "),
                match (c.sent, c.to.is_empty()) {
                    (true, true) => ", SENT".to_string(),
                    (true, false) => format!(", SENT to {}", c.to.join(", ")),
                    _ => String::new(),
                },
                c.when.join("/"),
                match c.reads {
                    1 => "once".to_string(),
                    n => format!("{n} times"),
                }
            );
        }
    }
    let ungated = l.sends.iter().filter(|s| s.gated_by.is_empty()).count();
    let early = l.sends.iter().filter(|s| s.sent_before_check).count();
    if !l.sends.is_empty() {
        let early_note = if early > 0 {
            format!(", {early} sent before the opt-out check")
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "  sends ({ungated} of {} with {}{early_note}):",
            l.sends.len(),
            l.ungated_words()
        );
        for s in l.sends.iter().take(20) {
            let to = if s.to.is_empty() {
                "destination not known statically".to_string()
            } else {
                s.to.join(", ")
            };
            let mut gate = if s.gated_by.is_empty() {
                l.ungated_words().to_string()
            } else {
                format!("opt-out: {}", s.gated_by.join(", "))
            };
            if s.sent_before_check {
                gate.push_str(", but sent before the check");
            }
            let _ = writeln!(
                out,
                "    - {} via {} to {} at {} time ({}) — {}",
                s.items.join(", "),
                s.sink,
                to,
                s.when,
                s.location,
                gate
            );
        }
        if l.sends.len() > 20 {
            let _ = writeln!(out, "    … and {} more", l.sends.len() - 20);
        }
    }
    let (named, used): (Vec<_>, Vec<_>) = l
        .destinations
        .iter()
        .partition(|d| d.role == "named-not-contacted");
    if !used.is_empty() {
        let _ = writeln!(out, "  destinations:");
        for d in &used {
            let owner = d
                .owner
                .as_deref()
                .map(|o| format!(" — {o}"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "    - {} [{}]{} ({})",
                d.host, d.role, owner, d.location
            );
        }
    }
    if !named.is_empty() {
        let hosts: Vec<&str> = named.iter().take(6).map(|d| d.host.as_str()).collect();
        let _ = writeln!(
            out,
            "  named, not contacted: {} catalogued service host(s) in data, such as a table of services ({}{})",
            named.len(),
            hosts.join(", "),
            if named.len() > hosts.len() { ", …" } else { "" }
        );
    }
    if !l.opt_outs.is_empty() {
        let _ = writeln!(out, "  opt-outs:");
        for o in &l.opt_outs {
            let product = o
                .product
                .as_deref()
                .map(|p| format!(" [{p}]"))
                .unwrap_or_default();
            let how = match (&o.read_by, o.on_by_default) {
                (Some(r), Some(true)) => {
                    format!(" (the code reads it as {r}; collection on by default)")
                }
                (Some(r), Some(false)) => {
                    format!(" (the code reads it as {r}; off by default: an opt-in)")
                }
                (Some(r), None) => format!(" (the code reads it as {r})"),
                (None, _) => String::new(),
            };
            let product = format!("{product}{how}");
            if o.check == "named" {
                let _ = writeln!(out, "    - {}{product}: named in a native executable (how it is checked is not visible)", o.setting);
            } else if o.gates == 0
                && o.controls.is_empty()
                && matches!(o.check.as_str(), "flag" | "read")
            {
                let what = if o.check == "flag" {
                    "a command-line option"
                } else {
                    "read"
                };
                let _ = writeln!(
                    out,
                    "    - {}{product}: {what} in {} place(s), not traced to the sends it controls",
                    o.setting, o.checks
                );
            } else {
                let _ = writeln!(
                    out,
                    "    - {}{product}: checked on {} in {} place(s), gates {} identity send(s)",
                    o.setting, o.check, o.checks, o.gates
                );
            }
            for c in o.controls.iter().take(4) {
                let _ = writeln!(out, "        controls {c}");
            }
            for c in o.sends_before_check.iter().take(4) {
                let _ = writeln!(out, "        sent before the check: {c}");
            }
        }
    }
    if !l.authenticates.is_empty() {
        let _ = writeln!(
            out,
            "  authenticates with (credential use, not sent elsewhere):"
        );
        for a in l.authenticates.iter().take(12) {
            let to =
                a.to.as_deref()
                    .map(|h| format!("to {h}"))
                    .unwrap_or_else(|| "to the address the caller gives".to_string());
            let _ = writeln!(
                out,
                "    - {} ({}) as the {} {to} at {} time ({})",
                if a.secret.is_empty() {
                    "a secret"
                } else {
                    &a.secret
                },
                a.items.join(", "),
                a.position,
                a.when,
                a.location
            );
        }
        if l.authenticates.len() > 12 {
            let _ = writeln!(out, "    … and {} more", l.authenticates.len() - 12);
        }
    }
    if !l.regions.is_empty() {
        let _ = writeln!(out, "  behaves differently in:");
        for r in &l.regions {
            let effects = if r.effects.is_empty() {
                "changes behaviour".to_string()
            } else {
                r.effects.join(", ")
            };
            let found = if r.found_by.is_empty() {
                String::new()
            } else {
                format!("{}: ", r.found_by.join("/"))
            };
            let _ = writeln!(
                out,
                "    - {}{}: {} (by {}{}, at {} time, tested at {}{})",
                if r.outside { "everywhere except " } else { "" },
                r.countries.join(", "),
                effects,
                found,
                r.source,
                r.when,
                r.location,
                if r.effect_location.is_empty() || r.effect_location == r.location {
                    String::new()
                } else {
                    format!(", differs at {}", r.effect_location)
                }
            );
            for d in r.details.iter().take(4) {
                let _ = writeln!(out, "        {d}");
            }
        }
    }
    for s in &l.install_scripts {
        let _ = writeln!(out, "  install script: {s}");
    }
    for a in &l.activation {
        let _ = writeln!(out, "  activation: {a}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_marks_severities_and_headers_only() {
        let text = "== pkg (1 files, 1 finding)\nhigh TT102 [exfiltration] identity-exfiltration\n  a.js:3:1: low TT701 sends\nin short: high TT102 is not a finding line\n";
        let c = colorize(text);
        assert!(c.starts_with("\x1b[1m== pkg"), "{c:?}");
        assert!(c.contains("\x1b[31mhigh\x1b[0m TT102"), "{c:?}");
        assert!(c.contains("a.js:3:1: \x1b[36mlow\x1b[0m TT701"), "{c:?}");
        assert!(c.contains("in short: high TT102"), "prose untouched: {c:?}");
        assert_eq!(colorize("plain\n"), "plain\n");
    }

    #[test]
    fn empty_report_has_schema_version() {
        let r = Report::new(vec![TargetReport::failed("x", "nope".into())]);
        let v: serde_json::Value = serde_json::from_str(&to_json(&r)).unwrap();
        assert_eq!(v["schema_version"], 1);
        assert!(to_text(&r, Severity::Info).contains("0 finding"));
    }

    #[test]
    fn package_text_never_reaches_the_terminal_as_control_characters() {
        let mut t = TargetReport::empty("evil.tgz");
        t.warnings
            .push("decoded \u{1b}[2J\u{1b}]0;pwned\u{7}\u{0}\u{9b}31m".into());
        let text = to_text(&Report::new(vec![t]), Severity::Info);
        assert!(
            !text
                .chars()
                .any(|c| c.is_control() && c != '\n' && c != '\t'),
            "{text:?}"
        );
        assert!(
            text.contains("decoded \\x1b[2J\\x1b]0;pwned\\x07\\x00\\x9b31m"),
            "{text}"
        );
    }
}
