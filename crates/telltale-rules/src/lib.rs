//! Rules read [`FileFacts`] and produce findings. One rule per file under `rules/`, each
//! declared with [`declare_rule!`] so that its doc comment is also its user documentation
//! (`telltale explain TT201`). Rule ids never change meaning.

use serde::Serialize;
use telltale_facts::{FileFacts, LineIndex, Span, Step};

pub mod rules;
pub mod select;

/// What a finding is about. Part of the public JSON contract: never rename a variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    Identity,
    Region,
    Endpoint,
    Telemetry,
    Consent,
    Obfuscation,
    Install,
    Exfiltration,
    Destructive,
    DynamicCode,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Identity => "identity",
            Category::Region => "region",
            Category::Endpoint => "endpoint",
            Category::Telemetry => "telemetry",
            Category::Consent => "consent",
            Category::Obfuscation => "obfuscation",
            Category::Install => "install",
            Category::Exfiltration => "exfiltration",
            Category::Destructive => "destructive",
            Category::DynamicCode => "dynamic-code",
        }
    }
    pub const ALL: [Category; 10] = [
        Category::Identity,
        Category::Region,
        Category::Endpoint,
        Category::Telemetry,
        Category::Consent,
        Category::Obfuscation,
        Category::Install,
        Category::Exfiltration,
        Category::Destructive,
        Category::DynamicCode,
    ];
    pub fn parse(s: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// How bad a finding is. Part of the public JSON contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
    pub fn parse(s: &str) -> Option<Severity> {
        Some(match s.to_ascii_lowercase().as_str() {
            "info" => Severity::Info,
            "low" => Severity::Low,
            "medium" => Severity::Medium,
            "high" => Severity::High,
            "critical" => Severity::Critical,
            _ => return None,
        })
    }
    pub fn at_least(self, other: Severity) -> Severity {
        self.max(other)
    }
}

/// A rule's identity and documentation.
#[derive(Debug)]
pub struct RuleMeta {
    pub id: &'static str,
    pub name: &'static str,
    pub category: Category,
    /// The usual severity; a rule may raise or lower it per finding and says why.
    pub severity: Severity,
    /// What it detects / Why it matters / Example, in Markdown.
    pub doc: &'static str,
}

impl RuleMeta {
    /// The documentation as Markdown (the doc comment's leading space removed).
    pub fn doc_markdown(&self) -> String {
        let lines: Vec<&str> = self
            .doc
            .lines()
            .map(|l| l.strip_prefix(' ').unwrap_or(l))
            .collect();
        lines.join("\n").trim().to_string()
    }

    /// The first sentence of "What it detects", on one line: the rule's summary.
    pub fn summary(&self) -> String {
        let doc = self.doc_markdown();
        let body = doc
            .split_once("## What it detects")
            .map_or(doc.as_str(), |(_, b)| b);
        let paragraph: Vec<&str> = body
            .trim_start()
            .lines()
            .take_while(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .map(str::trim)
            .collect();
        let text = paragraph.join(" ");
        // The sentence ends at a period followed by a space and a capital letter.
        let bytes = text.as_bytes();
        let end = (0..bytes.len().saturating_sub(2)).find(|&i| {
            bytes[i] == b'.' && bytes[i + 1] == b' ' && bytes[i + 2].is_ascii_uppercase()
        });
        match end {
            Some(i) => text[..=i].to_string(),
            None => text,
        }
    }
}

/// Declare a rule: its doc comment becomes both rustdoc and `RuleMeta::doc`.
#[macro_export]
macro_rules! declare_rule {
    ($(#[doc = $doc:expr])* $name:ident { id: $id:expr, name: $n:expr, category: $c:expr, severity: $s:expr $(,)? }) => {
        $(#[doc = $doc])*
        pub struct $name;
        impl $name {
            pub const META: $crate::RuleMeta = $crate::RuleMeta {
                id: $id,
                name: $n,
                category: $c,
                severity: $s,
                doc: concat!($($doc, "\n"),*),
            };
        }
    };
}

/// A rule over one file's facts.
pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, facts: &FileFacts, out: &mut Vec<RawFinding>);
}

/// A finding before it is located in the file's text.
#[derive(Debug, Clone)]
pub struct RawFinding {
    pub meta: &'static RuleMeta,
    pub severity: Severity,
    pub span: Span,
    pub message: String,
    pub evidence: Vec<String>,
    pub countries: Vec<String>,
    pub endpoints: Vec<String>,
    pub steps: Vec<Step>,
}

impl RawFinding {
    pub fn new(meta: &'static RuleMeta, span: Span, message: String) -> Self {
        RawFinding {
            meta,
            severity: meta.severity,
            span,
            message,
            evidence: vec![],
            countries: vec![],
            endpoints: vec![],
            steps: vec![],
        }
    }
}

/// One step of a flow, located.
#[derive(Debug, Clone, Serialize)]
pub struct FlowStep {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub offset: u32,
    pub what: String,
}

/// A finding as reported. The fields named in the JSON schema (docs/json-schema.md) are a
/// public contract: add fields freely, never rename or drop one.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub rule: &'static str,
    pub name: &'static str,
    pub category: Category,
    pub severity: Severity,
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub offset: u32,
    pub end_offset: u32,
    pub message: String,
    pub evidence: Vec<String>,
    pub countries: Vec<String>,
    pub endpoints: Vec<String>,
    pub flow: Vec<FlowStep>,
    /// Reached from an install script (`preinstall`, `postinstall`, …).
    pub install_time: bool,
    /// A window of the source around the finding (about 120 characters for long lines).
    pub snippet: String,
    /// The byte range `[start, end)` of `snippet` that the finding's span covers, when the
    /// span starts inside it: what a code frame underlines.
    pub snippet_mark: Option<[u32; 2]>,
    /// Stable across runs, line moves and versions: a hash of what the finding means
    /// (rule, package name, file, countries, endpoints, first evidence) and the occurrence
    /// among findings that mean the same (`telltale/v1` in SARIF, the key of baselines and
    /// `diff`). Set when the report is assembled.
    pub fingerprint: String,
    /// What the policy decided about this finding (set when the report is assembled).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<PolicyVerdict>,
}

impl Finding {
    /// The policy fails the run on this finding.
    pub fn fails_policy(&self) -> bool {
        self.policy.as_ref().is_some_and(|p| p.fails)
    }

    /// The policy accepted it on purpose (allowed, excepted, in the baseline), not merely
    /// for being below `fail-on`.
    pub fn accepted_by_policy(&self) -> bool {
        self.policy
            .as_ref()
            .is_some_and(|p| !p.fails && p.by != "severity")
    }
}

/// The policy's decision on one finding.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PolicyVerdict {
    /// This finding fails the run.
    pub fails: bool,
    /// What decided: `severity` (compared with fail-on), `deny`, `allow`, `exception`
    /// (a per-package exception) or `baseline` (accepted in the baseline file).
    pub by: &'static str,
    /// Words a person reads: the matching entry and where it is written.
    pub reason: String,
}

/// Every rule, in id order.
pub fn all_rules() -> Vec<&'static dyn Rule> {
    rules::ALL.to_vec()
}

/// A rule's position in [`all_rules`] (SARIF's `ruleIndex`).
pub fn rule_index(id: &str) -> Option<usize> {
    rules::ALL.iter().position(|r| r.meta().id == id)
}

/// Look a rule up by id (`TT201`) or name.
pub fn find_rule(key: &str) -> Option<&'static dyn Rule> {
    rules::ALL
        .iter()
        .copied()
        .find(|r| r.meta().id.eq_ignore_ascii_case(key) || r.meta().name == key)
}

/// Run every rule over one file's facts.
pub fn check_file(facts: &FileFacts) -> Vec<RawFinding> {
    let mut out = Vec::new();
    for r in rules::ALL {
        r.check(facts, &mut out);
    }
    out
}

/// A window of at most `width` bytes of the line around `span`, on char boundaries.
pub fn snippet_window(text: &str, span: Span, width: usize) -> String {
    snippet_window_marked(text, span, width).0
}

/// [`snippet_window`], with the byte range of the snippet that the span covers (clipped to
/// the window), for code frames that underline it.
pub fn snippet_window_marked(
    text: &str,
    span: Span,
    width: usize,
) -> (String, Option<(usize, usize)>) {
    let len = text.len();
    let start = (span.start as usize).min(len);
    let line_start = text[..start].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let line_end = text[start..].find('\n').map(|i| start + i).unwrap_or(len);
    let (mut a, mut b) = (line_start, line_end);
    if b - a > width {
        let half = width / 2;
        a = start.saturating_sub(half).max(line_start);
        b = (a + width).min(line_end);
    }
    while a > 0 && !text.is_char_boundary(a) {
        a -= 1;
    }
    while b < len && !text.is_char_boundary(b) {
        b += 1;
    }
    let mut s = text[a..b].trim_end().to_string();
    let mut shift = 0;
    if a > line_start {
        s.insert(0, '…');
        shift = '…'.len_utf8();
    }
    let kept = s.len();
    let end = (span.end as usize).clamp(start, len);
    let mark = (start < a + kept - shift || start == end).then(|| {
        (
            start - a + shift,
            (end.min(a + kept - shift) - a + shift).min(kept),
        )
    });
    if b < line_end {
        s.push('…');
    }
    (s, mark.filter(|(x, y)| x <= y && *y <= kept))
}

/// The code frame of a span: its line, and when the span runs over several lines and its
/// first line says little (`if (`, `[`), its last line too, so `[ … ].indexOf(tz) === -1`
/// shows the comparison rather than the bracket that opens it. With the byte range of the
/// frame the span covers.
pub fn code_frame(text: &str, span: Span) -> (String, Option<(usize, usize)>) {
    let (first, mark) = snippet_window_marked(text, span, 120);
    let (start, end) = (
        (span.start as usize).min(text.len()),
        (span.end as usize).min(text.len()),
    );
    let Some(last_break) = text.get(start..end).and_then(|s| s.rfind('\n')) else {
        return (first, mark);
    };
    if first.trim().chars().count() >= 24 {
        return (first, mark);
    }
    let last_start = start + last_break + 1;
    let last = snippet_window(text, Span::new(last_start as u32, end as u32), 100);
    if last.trim().is_empty() {
        return (first, mark);
    }
    let joined = format!("{} … {}", first.trim_end(), last.trim());
    // The span runs from its start in the first line to the end of the last line's text.
    let mark = mark.map(|(x, _)| (x.min(joined.len()), joined.len()));
    (joined, mark)
}

/// Locate a raw finding in its file's text.
pub fn finalize(raw: RawFinding, facts: &FileFacts, text: &str, index: &LineIndex) -> Finding {
    let (line, column) = index.line_col(raw.span.start);
    let flow = raw
        .steps
        .iter()
        .map(|s| {
            let (l, c) = index.line_col(s.span.start);
            FlowStep {
                file: facts.file.clone(),
                line: l,
                column: c,
                offset: s.span.start,
                what: s.what.clone(),
            }
        })
        .collect();
    let mut evidence = raw.evidence;
    evidence.dedup();
    let mut countries = raw.countries;
    countries.sort();
    countries.dedup();
    let mut endpoints = raw.endpoints;
    endpoints.sort();
    endpoints.dedup();
    let severity = if facts.install_time {
        install_escalation(raw.meta, raw.severity)
    } else {
        raw.severity
    };
    let (snippet, mark) = code_frame(text, raw.span);
    Finding {
        rule: raw.meta.id,
        name: raw.meta.name,
        category: raw.meta.category,
        severity,
        file: facts.file.clone(),
        line,
        column,
        offset: raw.span.start,
        end_offset: raw.span.end,
        message: raw.message,
        evidence,
        countries,
        endpoints,
        flow,
        install_time: facts.install_time,
        snippet,
        snippet_mark: mark.map(|(a, b)| [a as u32, b as u32]),
        fingerprint: String::new(),
        policy: None,
    }
}

/// Data leaving the machine or code arriving from it during `npm install` is worse: nobody
/// ran the package yet.
fn install_escalation(meta: &RuleMeta, s: Severity) -> Severity {
    match meta.category {
        Category::Exfiltration | Category::DynamicCode if s >= Severity::High => Severity::Critical,
        _ => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_of_a_long_line_is_bounded() {
        let text = "a".repeat(10_000) + "NEEDLE" + &"b".repeat(10_000);
        let (w, mark) = snippet_window_marked(&text, Span::new(10_000, 10_006), 120);
        assert!(w.len() < 140);
        let (a, b) = mark.unwrap();
        assert_eq!(&w[a..b], "NEEDLE");
        // Whole short lines, multibyte text, a span past the window's end.
        let text = "é = 1; fetch(x)\nnext";
        let (w, mark) = snippet_window_marked(text, Span::new(8, 13), 120);
        assert_eq!(&w[mark.unwrap().0..mark.unwrap().1], "fetch");
        let long = "x".repeat(300);
        let (w, mark) = snippet_window_marked(&long, Span::new(100, 290), 120);
        let (a, b) = mark.unwrap();
        assert!(
            b <= w.len() - '…'.len_utf8()
                && a < b
                && w.is_char_boundary(a)
                && w.is_char_boundary(b)
        );
    }

    #[test]
    fn a_span_opening_with_a_bracket_shows_its_last_line_too() {
        let text = "if (\n  [\n    'Europe/Moscow'\n  ].indexOf(tz) === -1\n) {}";
        let start = text.find('[').unwrap() as u32;
        let end = text.find(" === -1").unwrap() as u32 + 7;
        let (frame, mark) = code_frame(text, Span::new(start, end));
        assert_eq!(frame, "  [ … ].indexOf(tz) === -1");
        assert_eq!(
            &frame[mark.unwrap().0..mark.unwrap().1],
            "[ … ].indexOf(tz) === -1"
        );
        // A line that says enough stays alone.
        let text = "const id = require('os').hostname(); send(\n id)";
        assert_eq!(
            code_frame(text, Span::new(0, text.len() as u32)).0,
            "const id = require('os').hostname(); send("
        );
    }

    #[test]
    fn rule_ids_are_unique_and_documented() {
        let mut ids = std::collections::HashSet::new();
        for r in all_rules() {
            let m = r.meta();
            assert!(ids.insert(m.id), "duplicate {}", m.id);
            for part in ["What it detects", "Why it matters", "Example"] {
                assert!(m.doc.contains(part), "{} lacks {part}", m.id);
            }
            let summary = m.summary();
            assert!(
                summary.len() > 20 && !summary.contains('#'),
                "{}: summary {summary:?}",
                m.id
            );
        }
    }
}
