//! What every telltale page shares: the frame (a strict Content-Security-Policy, the inline
//! style and script, the masthead, the footer), the verdict banner, escaping of hostile text,
//! small pieces (severity badges, pills, country chips) and the findings list, where findings
//! of one rule that say the same thing are one entry with a count. The scan page
//! ([`super::to_html`]), the diff page and the probe page (in `telltale-probe`) are built from
//! it, so they look alike and keep the same promises: no URL of any kind, every string from
//! a package escaped.

use base64::Engine as _;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fmt::{self, Display, Write};
use telltale_knowledge::geo::country_name;
use telltale_rules::{Finding, Severity};

/// Most severe first.
pub const SEVERITIES: [Severity; 5] = [
    Severity::Critical,
    Severity::High,
    Severity::Medium,
    Severity::Low,
    Severity::Info,
];

/// Evidence items per finding, and characters per item.
const MAX_EVIDENCE: usize = 20;
const MAX_EVIDENCE_CHARS: usize = 400;
/// Other places of a grouped finding listed before "… and N more".
const MAX_PLACES: usize = 50;

// ------------------------------------------------------------------------------- escaping

/// HTML-escapes hostile text for element content and quoted attribute values.
pub fn esc(s: &str) -> Esc<'_> {
    Esc(s)
}

pub struct Esc<'a>(&'a str);

impl Display for Esc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut last = 0;
        for (i, c) in self.0.char_indices() {
            let rep: Option<&str> = match c {
                '&' => Some("&amp;"),
                '<' => Some("&lt;"),
                '>' => Some("&gt;"),
                '"' => Some("&quot;"),
                '\'' => Some("&#39;"),
                _ => None,
            };
            let hidden = rep.is_none() && is_hidden_char(c);
            if rep.is_none() && !hidden {
                continue;
            }
            f.write_str(&self.0[last..i])?;
            match rep {
                Some(r) => f.write_str(r)?,
                None => write!(f, "⟨U+{:04X}⟩", c as u32)?,
            }
            last = i + c.len_utf8();
        }
        f.write_str(&self.0[last..])
    }
}

/// Characters that do not show as themselves: controls (but tab and line breaks), and the
/// zero-width and bidirectional formatting characters that can make code read differently
/// from what runs ("Trojan Source").
fn is_hidden_char(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        | '\u{200b}'..='\u{200f}' | '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

// ------------------------------------------------------------------------------ page frame

/// The document head: the page's policy (nothing but its own script, by hash, and inline
/// style), its title and style; then `<body>`.
pub fn begin_page(out: &mut String, title: &str) {
    let hash =
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(script().as_bytes()));
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    w!(
        out,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{hash}'; base-uri 'none'; form-action 'none'\">\n"
    );
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    w!(
        out,
        "<meta name=\"generator\" content=\"telltale {}\">\n",
        esc(env!("CARGO_PKG_VERSION"))
    );
    w!(
        out,
        "<title>{}</title>\n<style>{}</style>\n</head>\n<body>\n",
        esc(title),
        STYLE.trim()
    );
}

/// The dark band on top: tool and version, the page's title, a line of counts (already
/// HTML) and the targets it is about.
pub fn masthead(out: &mut String, title: &str, subtitle_html: &str, targets: &[&str]) {
    out.push_str("<header class=\"masthead\">\n<div class=\"page\">\n");
    w!(
        out,
        "<div class=\"brand\">telltale <span class=\"version\">{}</span></div>\n",
        esc(env!("CARGO_PKG_VERSION"))
    );
    w!(out, "<h1>{}</h1>\n", esc(title));
    w!(out, "<p class=\"subtitle\">{subtitle_html}</p>\n");
    if !targets.is_empty() {
        out.push_str("<p class=\"targets-line\">");
        for (i, t) in targets.iter().take(6).enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            w!(out, "<code>{}</code>", esc(t));
        }
        if targets.len() > 6 {
            w!(out, " and {} more", targets.len() - 6);
        }
        out.push_str("</p>\n");
    }
    out.push_str("</div>\n</header>\n");
}

/// The footer (what the page is and what was run to make it), the page's script, the end.
pub fn end_page(out: &mut String, schema: &str, how_made: &str) {
    out.push_str("<footer class=\"page\">\n");
    w!(
        out,
        "<p>Generated by telltale {} ({}). This page is self-contained: it loads nothing from any network. {}</p>\n",
        esc(env!("CARGO_PKG_VERSION")),
        esc(schema),
        esc(how_made)
    );
    w!(
        out,
        "</footer>\n<script>{}</script>\n</body>\n</html>\n",
        script()
    );
}

/// Where findings are listed: the script's severity filter and buttons go in here.
pub fn begin_main(out: &mut String, with_toolbar: bool) {
    out.push_str("<main id=\"report\" class=\"page\">\n");
    if with_toolbar {
        out.push_str("<div id=\"tt-toolbar\" class=\"toolbar\" hidden></div>\n");
    }
}

// --------------------------------------------------------------------------------- verdict

/// What the page answers first: does this pass, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Fails,
    Passes,
    /// Part of it could not be judged (a target unreadable, a run cut short): neither.
    Undecided,
}

/// The banner on top of every page.
#[derive(Debug, Clone)]
pub struct Verdict {
    pub outcome: Outcome,
    /// One line: "Fails the policy", "Passes the policy".
    pub headline: String,
    /// Why, one reason a line, most important first.
    pub reasons: Vec<String>,
    /// What the answer does not cover (coverage gaps accepted by the policy, errors).
    pub caveats: Vec<String>,
}

/// Reasons listed in the banner before "… and N more".
const MAX_REASONS: usize = 8;

/// The verdict banner: a coloured band with the outcome in words, the reasons and caveats.
pub fn write_verdict(out: &mut String, v: &Verdict) {
    let (class, mark) = match v.outcome {
        Outcome::Fails => ("fails", "✗"),
        Outcome::Passes => ("passes", "✓"),
        Outcome::Undecided => ("undecided", "?"),
    };
    w!(
        out,
        "<section class=\"verdict {class}\" id=\"verdict\" role=\"status\" aria-label=\"Verdict\">\n<div class=\"verdict-mark\" aria-hidden=\"true\">{mark}</div>\n<div class=\"verdict-text\">\n<p class=\"verdict-headline\">{}</p>\n",
        esc(&v.headline)
    );
    for (class, items) in [("reasons", &v.reasons), ("caveats", &v.caveats)] {
        if items.is_empty() {
            continue;
        }
        w!(out, "<ul class=\"{class}\">\n");
        for r in items.iter().take(MAX_REASONS) {
            w!(out, "<li>{}</li>\n", esc(r));
        }
        if items.len() > MAX_REASONS {
            w!(out, "<li>… and {} more</li>\n", items.len() - MAX_REASONS);
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</div>\n</section>\n");
}

/// The reasons of the findings a policy failed, each with how many findings it failed:
/// `3 findings: high is at or above fail-on high (default)`.
pub fn failing_reasons<'a>(findings: impl Iterator<Item = &'a Finding>) -> Vec<String> {
    counted_reasons(findings, |p| p.fails, "")
}

/// Findings a policy accepted for a reason of its own (an allow entry, an exception, the
/// baseline), each reason with its count: what a reader signs off on when the page passes.
pub fn accepted_reasons<'a>(findings: impl Iterator<Item = &'a Finding>) -> Vec<String> {
    counted_reasons(findings, |p| !p.fails && p.by != "severity", " accepted")
}

/// `N findings{what}: reason` for each reason of the verdicts `pick` takes, most first.
fn counted_reasons<'a>(
    findings: impl Iterator<Item = &'a Finding>,
    pick: impl Fn(&telltale_rules::PolicyVerdict) -> bool,
    what: &str,
) -> Vec<String> {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for p in findings
        .filter_map(|f| f.policy.as_ref())
        .filter(|p| pick(p))
    {
        match counts.iter_mut().find(|(r, _)| *r == p.reason) {
            Some((_, n)) => *n += 1,
            None => counts.push((&p.reason, 1)),
        }
    }
    counts.sort_by_key(|&(_, n)| std::cmp::Reverse(n));
    counts
        .into_iter()
        .map(|(r, n)| format!("{}{what}: {r}", plural(n, "finding", "findings")))
        .collect()
}

// ---------------------------------------------------------------------------------- pieces

pub fn badge(out: &mut String, s: Severity) {
    w!(out, "<span class=\"sev sev-{0}\">{0}</span>", s.as_str());
}

/// `a, b` each as `<code>`, or an em dash for none.
pub fn codes<S: AsRef<str>>(items: &[S]) -> String {
    if items.is_empty() {
        return "<span class=\"muted\">—</span>".into();
    }
    let mut s = String::new();
    for (i, x) in items.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        w!(s, "<code>{}</code>", esc(x.as_ref()));
    }
    s
}

pub fn pill(out: &mut String, class: &str, text: &str) {
    w!(out, "<span class=\"pill {class}\">{}</span>", esc(text));
}

/// `RU Russia` chips; a code the catalogue does not know shows alone.
pub fn country_chips(out: &mut String, codes: &[String]) {
    for c in codes {
        w!(
            out,
            "<span class=\"country\"><span class=\"iso\">{}</span>",
            esc(c)
        );
        if let Some(name) = country_name(c) {
            w!(out, " {}", esc(name));
        }
        out.push_str("</span> ");
    }
}

// -------------------------------------------------------------------------------- findings

/// What findings that say the same thing share: rule, severity, message, countries,
/// endpoints and the policy's verdict.
type GroupKey<'a> = (
    Severity,
    &'a str,
    &'a str,
    &'a [String],
    &'a [String],
    Option<(bool, &'a str)>,
);

/// Findings with one key are shown once, with a count and the other places.
fn group_key(f: &Finding) -> GroupKey<'_> {
    (
        f.severity,
        f.rule,
        f.message.as_str(),
        f.countries.as_slice(),
        f.endpoints.as_slice(),
        f.policy.as_ref().map(|p| (p.fails, p.reason.as_str())),
    )
}

/// The findings, worst first, those that say the same thing grouped into one entry;
/// `id_prefix-N` is each entry's anchor. Returns how many entries were written.
pub fn write_finding_groups(out: &mut String, id_prefix: &str, findings: &[&Finding]) -> usize {
    let mut sorted: Vec<&Finding> = findings.to_vec();
    sorted.sort_by(|a, b| {
        b.severity.cmp(&a.severity).then_with(|| {
            (&a.file, a.line, a.column, a.rule).cmp(&(&b.file, b.line, b.column, b.rule))
        })
    });
    let mut groups: Vec<Vec<&Finding>> = Vec::new();
    let mut index: HashMap<_, usize> = HashMap::new();
    for f in sorted {
        match index.get(&group_key(f)) {
            Some(&g) => groups[g].push(f),
            None => {
                index.insert(group_key(f), groups.len());
                groups.push(vec![f]);
            }
        }
    }
    for (j, g) in groups.iter().enumerate() {
        write_finding(out, &format!("{id_prefix}-{}", j + 1), g);
    }
    groups.len()
}

/// One entry: the first finding of the group in full; the others' places listed.
fn write_finding(out: &mut String, id: &str, group: &[&Finding]) {
    let f = group[0];
    let sev = f.severity.as_str();
    let open = if f.severity >= Severity::Medium {
        " open"
    } else {
        ""
    };
    w!(
        out,
        "<details class=\"finding sev-{sev}\" id=\"{id}\" data-count=\"{}\"{open}>\n<summary>",
        group.len()
    );
    badge(out, f.severity);
    w!(
        out,
        "<span class=\"rule\">{}</span><span class=\"rule-name\">{}</span>",
        esc(f.rule),
        esc(f.name)
    );
    if group.len() > 1 {
        w!(
            out,
            "<span class=\"times\" title=\"the same finding, {0} places\">× {0}</span>",
            group.len()
        );
    }
    pill(out, "category", f.category.as_str());
    if group.iter().any(|f| f.install_time) {
        pill(out, "warn", "install time");
    }
    if f.fails_policy() {
        pill(out, "bad", "fails the policy");
    } else if f.accepted_by_policy() {
        pill(out, "good", "accepted by the policy");
    }
    let more = match group.len() {
        1 => String::new(),
        n => format!(" and {} more", n - 1),
    };
    w!(
        out,
        "<span class=\"where\">{}{more}</span>",
        esc(&location(f))
    );
    // Shown while the finding is collapsed, so a closed one still says what it is.
    w!(
        out,
        "<span class=\"gist\">{}</span></summary>\n<div class=\"body\">\n",
        esc(&crate::clip(&f.message, 200))
    );
    w!(out, "<p class=\"message\">{}</p>\n", esc(&f.message));
    if group.len() > 1 {
        write_places(out, group);
    }
    out.push_str("<p class=\"loc-line\">");
    w!(out, "<code>{}</code>", esc(&location(f)));
    let mut meta = Vec::new();
    if f.end_offset > 0 {
        meta.push(format!("bytes {}–{}", f.offset, f.end_offset));
    }
    if !f.fingerprint.is_empty() {
        meta.push(format!("fingerprint <code>{}</code>", esc(&f.fingerprint)));
    }
    if !meta.is_empty() {
        w!(out, " <span class=\"muted\">{}</span>", meta.join(" · "));
    }
    out.push_str("</p>\n");
    if !f.snippet.is_empty() {
        write_code_frame(out, f);
    }
    write_finding_facts(out, f);
    out.push_str("</div>\n</details>\n");
}

/// Every place of a grouped finding, each with its line of code.
fn write_places(out: &mut String, group: &[&Finding]) {
    let files: std::collections::BTreeSet<&str> = group.iter().map(|f| f.file.as_str()).collect();
    w!(
        out,
        "<p class=\"places-head\">Found {} in {}; the first is shown in full below.</p>\n<ol class=\"places\">\n",
        plural(group.len(), "time", "times"),
        plural(files.len(), "file", "files")
    );
    for f in group.iter().take(MAX_PLACES) {
        w!(out, "<li><code class=\"loc\">{}</code>", esc(&location(f)));
        match mark_span(f) {
            // The span with a little of what is around it, as in the code frame.
            Some((before, marked, after)) => {
                let start = before.char_indices().rev().nth(39).map_or(0, |(i, _)| i);
                let cut = if start > 0 { "…" } else { "" };
                let before = &before[start..];
                w!(
                    out,
                    " <code>{cut}{}<mark>{}</mark>{}</code>",
                    esc(before.trim_start()),
                    esc(&crate::clip(marked, 120)),
                    esc(&crate::clip(after, 40))
                );
            }
            None if !f.snippet.trim().is_empty() => {
                w!(
                    out,
                    " <code>{}</code>",
                    esc(&crate::clip(f.snippet.trim(), 160))
                );
            }
            None => {}
        }
        out.push_str("</li>\n");
    }
    if group.len() > MAX_PLACES {
        w!(
            out,
            "<li class=\"muted\">… and {} more</li>\n",
            group.len() - MAX_PLACES
        );
    }
    out.push_str("</ol>\n");
}

/// `file:line:col`; just the name where there is no position (a probe's step).
pub fn location(f: &Finding) -> String {
    if f.line == 0 && f.column == 0 {
        f.file.clone()
    } else {
        format!("{}:{}:{}", f.file, f.line, f.column)
    }
}

/// The snippet in a `<pre>` with the line number, the finding's span marked when it can be
/// placed exactly.
fn write_code_frame(out: &mut String, f: &Finding) {
    w!(
        out,
        "<pre class=\"code\"><span class=\"gutter\">{}</span><span class=\"src\">",
        f.line
    );
    match mark_span(f) {
        Some((before, marked, after)) => {
            w!(
                out,
                "{}<mark>{}</mark>{}",
                esc(before),
                esc(marked),
                esc(after)
            );
        }
        None => {
            w!(out, "{}", esc(&f.snippet));
        }
    }
    out.push_str("</span></pre>\n");
}

/// Split the snippet into text before the span, the span and after, from `snippet_mark`.
pub(crate) fn mark_span(f: &Finding) -> Option<(&str, &str, &str)> {
    let s = f.snippet.as_str();
    let [a, b] = f.snippet_mark?;
    let (a, b) = (a as usize, (b as usize).max(a as usize + 1).min(s.len()));
    if a >= s.len() || !s.is_char_boundary(a) || !s.is_char_boundary(b) {
        return None;
    }
    Some((&s[..a], &s[a..b], &s[b..]))
}

/// Countries, endpoints, evidence and flow, as a definition list.
fn write_finding_facts(out: &mut String, f: &Finding) {
    let policy = f.policy.as_ref().filter(|p| p.fails || p.by != "severity");
    if f.countries.is_empty()
        && f.endpoints.is_empty()
        && f.evidence.is_empty()
        && f.flow.is_empty()
        && policy.is_none()
    {
        return;
    }
    out.push_str("<dl class=\"facts\">\n");
    if let Some(p) = policy {
        let verdict = if p.fails { "fails" } else { "accepted" };
        w!(
            out,
            "<dt>Policy</dt><dd><strong>{verdict}</strong> by {}: {}</dd>\n",
            esc(p.by),
            esc(&p.reason)
        );
    }
    if !f.countries.is_empty() {
        out.push_str("<dt>Countries</dt><dd>");
        country_chips(out, &f.countries);
        out.push_str("</dd>\n");
    }
    if !f.endpoints.is_empty() {
        w!(out, "<dt>Endpoints</dt><dd>{}</dd>\n", codes(&f.endpoints));
    }
    if !f.evidence.is_empty() {
        out.push_str("<dt>Evidence</dt><dd><ul class=\"evidence\">");
        for e in f.evidence.iter().take(MAX_EVIDENCE) {
            w!(
                out,
                "<li><code>{}</code></li>",
                esc(&crate::clip(e, MAX_EVIDENCE_CHARS))
            );
        }
        if f.evidence.len() > MAX_EVIDENCE {
            w!(
                out,
                "<li class=\"muted\">… and {} more</li>",
                f.evidence.len() - MAX_EVIDENCE
            );
        }
        out.push_str("</ul></dd>\n");
    }
    if !f.flow.is_empty() {
        out.push_str("<dt>Flow</dt><dd><ol class=\"flow\">");
        for s in &f.flow {
            w!(
                out,
                "<li><code class=\"loc\">{}:{}:{}</code> {}</li>",
                esc(&s.file),
                s.line,
                s.column,
                esc(&s.what)
            );
        }
        out.push_str("</ol></dd>\n");
    }
    out.push_str("</dl>\n");
}

// ----------------------------------------------------------------------------------- words

pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

pub fn human_bytes(b: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if b < 1000 {
        return format!("{b} bytes");
    }
    let mut v = b as f64 / 1000.0;
    let mut u = 0;
    while v >= 1000.0 && u < UNITS.len() - 1 {
        v /= 1000.0;
        u += 1;
    }
    format!("{v:.1} {}", UNITS[u])
}

// ------------------------------------------------------------------------------ CSS and JS

const STYLE: &str = include_str!("report.css");

/// Builds the severity filter and expand/collapse buttons, and opens every finding before
/// printing. Allowed by the page's CSP through its hash; must not read hostile text.
const SCRIPT: &str = include_str!("report.js");

/// The page's script as written into it (its hash is in the page's policy).
pub fn script() -> &'static str {
    SCRIPT.trim()
}
