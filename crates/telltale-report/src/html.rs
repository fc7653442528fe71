//! The HTML report (`--format html`): one page a person can open, mail or print.
//!
//! The page contains, in order:
//! - a header: tool version, the targets scanned (an index linking to each), totals by severity
//!   and, when a policy judged the findings, how many fail it;
//! - per target, worst first: its privacy label on top (what it collects, sends — with the
//!   opt-outs that gate each send, when and from where —, destinations with role and owner,
//!   opt-outs, region behaviour with countries, effects and the region data compared, install
//!   scripts, activation), then a bar chart of the countries its region findings and label name
//!   and a table of its destinations' owners, then its findings, worst severity first, each with
//!   rule, category, location, fingerprint, message, a code frame with the span marked, the
//!   policy's verdict (findings it accepted are shown too, marked so), countries, endpoints,
//!   evidence and numbered flow steps;
//! - targets with nothing to report, as one compact list (when more than one target was
//!   scanned).
//!
//! It is self-contained — inline CSS, inline SVG, one small inline script, no URL of any kind —
//! because a report about hidden network traffic must not make any itself, and must read the
//! same offline, in an archive years later, or printed. A `Content-Security-Policy` allows only
//! the page's own script (by hash) and inline styles, so the browser enforces it.
//!
//! Everything that comes from a scanned package (file names, snippets, evidence, messages, even
//! the target's name) is hostile text: it goes through [`esc`], which also makes invisible and
//! direction-changing characters visible (`⟨U+202E⟩`) so a code frame shows what is really
//! there. Without the script the page is complete; the script only adds a severity filter and
//! expand/collapse buttons, and opens every finding before printing.

use crate::{PrivacyLabel, Report, TargetReport};
use std::collections::BTreeMap;
use std::fmt::Write;
use telltale_knowledge::geo::country_name;
use telltale_rules::Severity;

/// Write to the page; writing to a `String` cannot fail.
macro_rules! w {
    ($out:expr, $($arg:tt)*) => {
        let _ = write!($out, $($arg)*);
    };
}

pub mod audit;
pub mod diff;
pub mod digest;
pub mod kit;

use kit::{
    badge, codes, country_chips, esc, human_bytes, pill, plural, Outcome, Verdict, SEVERITIES,
};

/// Rows of a long label table shown before "… and N more".
const MAX_ROWS: usize = 50;
/// Warnings listed per target.
const MAX_WARNINGS: usize = 100;

/// Render the whole report as one self-contained HTML page.
pub fn to_html(report: &Report) -> String {
    let mut out = String::with_capacity(64 * 1024);
    let title = match report.targets.as_slice() {
        [one] => format!("telltale report: {}", one.target),
        many => format!("telltale report: {} targets", many.len()),
    };
    kit::begin_page(&mut out, &title);
    write_header(&mut out, report);
    let order = target_order(report);
    let any_findings = report.targets.iter().any(|t| !t.findings.is_empty());
    kit::begin_main(&mut out, any_findings);
    let group_clean = report.targets.len() > 1;
    let mut clean = Vec::new();
    for &i in &order {
        let t = &report.targets[i];
        if group_clean && is_clean(t) {
            clean.push(i);
        } else {
            write_target(&mut out, i, t);
        }
    }
    write_clean_targets(&mut out, report, &clean);
    out.push_str("</main>\n");
    kit::end_page(
        &mut out,
        &format!("report schema {}", report.schema_version),
        "Static analysis only: nothing from the scanned packages was run.",
    );
    out
}

fn write_header(out: &mut String, report: &Report) {
    let files: usize = report.targets.iter().map(|t| t.files_scanned).sum();
    let bytes: u64 = report.targets.iter().map(|t| t.bytes_scanned).sum();
    let findings: usize = report.targets.iter().map(|t| t.findings.len()).sum();
    let subtitle = format!(
        "{} · {} · {} · {}",
        plural(report.targets.len(), "target", "targets"),
        plural(files, "file", "files"),
        human_bytes(bytes),
        plural(findings, "finding", "findings")
    );
    let targets: Vec<&str> = report.targets.iter().map(|t| t.target.as_str()).collect();
    kit::masthead(out, "Package scan report", &subtitle, &targets);
    out.push_str("<div class=\"page\">\n");
    kit::write_verdict(out, &verdict(report));
    write_totals(out, report);
    write_index(out, report);
    out.push_str("</div>\n");
}

/// Does the scan pass its policy, and why: the reasons of the failing findings, targets whose
/// unread code the policy fails, targets that could not be read.
pub fn verdict(report: &Report) -> Verdict {
    let findings = || report.targets.iter().flat_map(|t| &t.findings);
    let mut reasons = kit::failing_reasons(findings());
    for t in &report.targets {
        if let Some(v) = t.coverage.policy.as_ref().filter(|v| v.fails) {
            reasons.push(format!("{}: {}", t.target, v.reason));
        }
    }
    let mut caveats: Vec<String> = report
        .targets
        .iter()
        .filter_map(|t| {
            t.error
                .as_ref()
                .map(|e| format!("{} could not be read: {}", t.target, crate::clip(e, 160)))
        })
        .collect();
    for t in report.incomplete() {
        if t.coverage.policy.as_ref().is_none_or(|v| !v.fails) {
            caveats.push(format!(
                "{}: not fully analysed ({} not analysed); a clean result says nothing about that code",
                t.target,
                t.coverage.gaps().count()
            ));
        }
    }
    let total = findings().count();
    let judged = findings().any(|f| f.policy.is_some());
    let outcome = if !reasons.is_empty() {
        Outcome::Fails
    } else if report.has_errors() || (total > 0 && !judged) {
        Outcome::Undecided
    } else {
        Outcome::Passes
    };
    let headline = match outcome {
        Outcome::Fails => format!(
            "Fails the policy: {}",
            plural(report.policy_failures(), "reason", "reasons")
        ),
        Outcome::Passes => "Passes the policy".to_string(),
        Outcome::Undecided if report.has_errors() => {
            "Not decided: a target could not be read".to_string()
        }
        Outcome::Undecided => "Not judged: no policy was applied to the findings".to_string(),
    };
    if outcome != Outcome::Fails {
        reasons = kit::accepted_reasons(findings());
        // The worst finding the severity threshold let through says where the bar is:
        // "medium is below fail-on high (default)".
        let below: Vec<&telltale_rules::Finding> = findings()
            .filter(|f| f.policy.as_ref().is_some_and(|p| p.by == "severity"))
            .collect();
        let worst = below.iter().max_by_key(|f| f.severity);
        if total == 0 {
            reasons.insert(0, "no finding".to_string());
        } else if let Some(p) = worst.and_then(|f| f.policy.as_ref()) {
            reasons.insert(
                0,
                format!(
                    "{} pass on severity; the worst: {}",
                    plural(below.len(), "finding", "findings"),
                    p.reason
                ),
            );
        }
    }
    Verdict {
        outcome,
        headline,
        reasons,
        caveats,
    }
}

/// One tile per severity with its count across all targets.
fn write_totals(out: &mut String, report: &Report) {
    out.push_str("<section class=\"totals\" aria-label=\"Findings by severity\">\n");
    for sev in SEVERITIES {
        let n = report
            .targets
            .iter()
            .flat_map(|t| &t.findings)
            .filter(|f| f.severity == sev)
            .count();
        let zero = if n == 0 { " zero" } else { "" };
        w!(
            out,
            "<div class=\"total sev-{s}{zero}\"><span class=\"count\">{n}</span><span class=\"what\">{s}</span></div>\n",
            s = sev.as_str()
        );
    }
    let judged = report
        .targets
        .iter()
        .flat_map(|t| &t.findings)
        .any(|f| f.policy.is_some());
    if judged {
        let failing = report.policy_failures();
        let zero = if failing == 0 { " zero" } else { "" };
        w!(out, "<div class=\"total policy{zero}\"><span class=\"count\">{failing}</span><span class=\"what\">fail the policy</span></div>\n");
    }
    let errors = report.targets.iter().filter(|t| t.error.is_some()).count();
    if errors > 0 {
        w!(out, "<div class=\"total errors\"><span class=\"count\">{errors}</span><span class=\"what\">unreadable</span></div>\n");
    }
    let incomplete = report.incomplete().count();
    if incomplete > 0 {
        w!(out, "<div class=\"total errors\"><span class=\"count\">{incomplete}</span><span class=\"what\">not fully analysed</span></div>\n");
    }
    out.push_str("</section>\n");
}

/// The targets, worst first, with what each does in a few words.
fn write_index(out: &mut String, report: &Report) {
    out.push_str("<section class=\"card index\">\n<h2>Targets</h2>\n<table>\n<thead><tr><th>Target</th><th class=\"num\">Files</th><th class=\"num\">Findings</th><th>Highest</th><th>Summary</th></tr></thead>\n<tbody>\n");
    for i in target_order(report) {
        let t = &report.targets[i];
        w!(
            out,
            "<tr><td><a href=\"#target-{}\"><code>{}</code></a></td>",
            i + 1,
            esc(&t.target)
        );
        w!(
            out,
            "<td class=\"num\">{}</td><td class=\"num\">{}</td><td>",
            t.files_scanned,
            t.findings.len()
        );
        match highest(t) {
            Some(s) => badge(out, s),
            None if t.error.is_some() => pill(out, "bad", "unreadable"),
            None => out.push_str("<span class=\"muted\">none</span>"),
        }
        if t.error.is_none() && !t.coverage.complete {
            out.push(' ');
            pill(out, "bad", "incomplete");
        }
        w!(out, "</td><td>{}</td></tr>\n", esc(&target_summary(t)));
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

// --------------------------------------------------------------------------------- targets

/// Indexes of the targets, worst severity first, unreadable ones first among equals.
fn target_order(report: &Report) -> Vec<usize> {
    let mut order: Vec<usize> = (0..report.targets.len()).collect();
    order.sort_by_key(|&i| {
        let t = &report.targets[i];
        (std::cmp::Reverse(highest(t)), t.error.is_none(), i)
    });
    order
}

fn highest(t: &TargetReport) -> Option<Severity> {
    t.findings.iter().map(|f| f.severity).max()
}

/// Nothing to show beyond its name: read fine, no finding, an empty label, no warning.
fn is_clean(t: &TargetReport) -> bool {
    t.error.is_none()
        && t.coverage.complete
        && t.findings.is_empty()
        && t.label.is_empty()
        && t.warnings.is_empty()
}

/// What the target does, in a few words (as the text summary).
fn target_summary(t: &TargetReport) -> String {
    if let Some(e) = &t.error {
        return format!("could not be read: {}", crate::clip(e, 120));
    }
    let mut parts = crate::label_summary(&t.label);
    if !t.coverage.complete {
        parts.insert(
            0,
            format!(
                "NOT FULLY ANALYSED ({} not analysed)",
                t.coverage.gaps().count()
            ),
        );
    } else if parts.is_empty() && t.findings.is_empty() {
        parts.push("nothing found".into());
    }
    parts.join("; ")
}

fn write_target(out: &mut String, i: usize, t: &TargetReport) {
    w!(
        out,
        "<section class=\"target\" id=\"target-{}\">\n<div class=\"target-head\">\n",
        i + 1
    );
    w!(
        out,
        "<h2><span class=\"kicker\">Target</span> <code>{}</code></h2>\n",
        esc(&t.target)
    );
    out.push_str("<p class=\"target-meta\">");
    if let Some(p) = &t.package {
        w!(out, "package <strong>{}</strong>", esc(p));
        if let Some(v) = &t.version {
            w!(out, " {}", esc(v));
        }
        out.push_str(" · ");
    }
    if let Some(of) = &t.platform_of {
        w!(out, "platform package of <strong>{}</strong> · ", esc(of));
    }
    if let Some(by) = &t.delegated_from {
        w!(
            out,
            "run by <strong>{}</strong> ({}) · ",
            esc(by),
            esc(t.delegation.as_deref().unwrap_or(""))
        );
    }
    if let Some(of) = &t.dependency_of {
        w!(out, "dependency of <strong>{}</strong> · ", esc(of));
    }
    w!(
        out,
        "{} · {}",
        plural(t.files_scanned, "file", "files"),
        human_bytes(t.bytes_scanned)
    );
    if let Some(s) = &t.source {
        w!(out, " · source <code>{}</code>", esc(s));
    }
    out.push_str("</p>\n</div>\n");
    if let Some(e) = &t.error {
        w!(out, "<div class=\"callout error\" role=\"alert\"><strong>Could not be read.</strong> {}</div>\n", esc(e));
    } else {
        write_coverage(out, &t.coverage);
    }
    write_warnings(out, &t.warnings);
    write_label(out, &t.label, t.error.is_some());
    write_charts(out, t);
    write_findings(out, i, t);
    out.push_str("</section>\n");
}

/// Whether the code the package runs was all read: an alert when not, with each gap and why.
fn write_coverage(out: &mut String, c: &crate::Coverage) {
    if c.complete {
        w!(
            out,
            "<p class=\"coverage muted\">Coverage: {}</p>\n",
            esc(&c.summary())
        );
        return;
    }
    let gaps: Vec<&crate::coverage::Unanalysed> = c.gaps().collect();
    w!(out, "<div class=\"callout error\" role=\"alert\"><strong>Not fully analysed: a clean result here says nothing about this code.</strong> {}\n<ul>\n", esc(&c.summary()));
    for g in gaps.iter().take(MAX_WARNINGS) {
        w!(
            out,
            "<li><code>{}</code>{}: {}</li>\n",
            esc(&g.path),
            esc(&crate::coverage::sized(g.bytes)),
            esc(&g.why)
        );
    }
    if gaps.len() > MAX_WARNINGS {
        w!(
            out,
            "<li class=\"muted\">… and {} more</li>\n",
            gaps.len() - MAX_WARNINGS
        );
    }
    out.push_str("</ul>\n");
    if let Some(v) = &c.policy {
        w!(
            out,
            "<p>{}: {}</p>\n",
            if v.fails {
                "Fails the policy"
            } else {
                "Accepted by the policy"
            },
            esc(&v.reason)
        );
    }
    out.push_str("</div>\n");
}

fn write_warnings(out: &mut String, warnings: &[String]) {
    if warnings.is_empty() {
        return;
    }
    w!(
        out,
        "<details class=\"warnings\"><summary>{}</summary>\n<ul>\n",
        plural(warnings.len(), "warning", "warnings")
    );
    for wn in warnings.iter().take(MAX_WARNINGS) {
        w!(out, "<li>{}</li>\n", esc(wn));
    }
    if warnings.len() > MAX_WARNINGS {
        w!(
            out,
            "<li class=\"muted\">… and {} more</li>\n",
            warnings.len() - MAX_WARNINGS
        );
    }
    out.push_str("</ul>\n</details>\n");
}

fn write_clean_targets(out: &mut String, report: &Report, clean: &[usize]) {
    if clean.is_empty() {
        return;
    }
    out.push_str("<section class=\"card clean\">\n");
    w!(
        out,
        "<h2>Nothing found in {}</h2>\n<p class=\"muted\">No finding, no warning, and an empty privacy label: collects no identity, names no tracking or geolocation service, no region-dependent code, no install script.</p>\n<ul class=\"clean-list\">\n",
        plural(clean.len(), "target", "targets")
    );
    for &i in clean {
        let t = &report.targets[i];
        w!(
            out,
            "<li id=\"target-{}\"><code>{}</code> <span class=\"muted\">{}</span></li>\n",
            i + 1,
            esc(&t.target),
            plural(t.files_scanned, "file", "files")
        );
    }
    out.push_str("</ul>\n</section>\n");
}

// ----------------------------------------------------------------------------------- label

/// The privacy label: a row of key figures, then one table per non-empty part.
fn write_label(out: &mut String, l: &PrivacyLabel, unreadable: bool) {
    out.push_str("<section class=\"card label\">\n<h3>Privacy label</h3>\n");
    if l.is_empty() && unreadable {
        out.push_str("<p class=\"empty-label unknown\">Unknown: the target could not be read.</p>\n</section>\n");
        return;
    }
    if l.is_empty() {
        out.push_str("<p class=\"empty-label\">Collects no identity, names no tracking or geolocation service, has no region-dependent code and no install script.</p>\n</section>\n");
        return;
    }
    write_label_figures(out, l);
    write_collects(out, l);
    write_sends(out, l);
    write_destinations(out, l);
    write_opt_outs(out, l);
    write_regions(out, l);
    write_code_list(
        out,
        "Install scripts",
        "install-scripts",
        &l.install_scripts,
    );
    write_code_list(out, "Activation", "activation", &l.activation);
    out.push_str("</section>\n");
}

fn write_label_figures(out: &mut String, l: &PrivacyLabel) {
    let ungated = l
        .sends
        .iter()
        .filter(|s| s.gated_by.is_empty() || s.sent_before_check)
        .count();
    let countries = l.countries();
    let figure = |out: &mut String, n: String, what: &str, alarm: bool| {
        let class = if alarm {
            "figure alarm"
        } else if n == "0" || n == "none" {
            "figure zero"
        } else {
            "figure"
        };
        w!(
            out,
            "<div class=\"{class}\"><span class=\"n\">{}</span><span class=\"k\">{}</span></div>\n",
            esc(&n),
            esc(what)
        );
    };
    out.push_str("<div class=\"figures\">\n");
    figure(
        out,
        l.collects.len().to_string(),
        "identity items read",
        false,
    );
    figure(
        out,
        l.sends.len().to_string(),
        "sends off the machine",
        !l.sends.is_empty(),
    );
    figure(
        out,
        ungated.to_string(),
        "sends with no effective opt-out",
        ungated > 0,
    );
    figure(out, l.destinations.len().to_string(), "destinations", false);
    figure(out, l.opt_outs.len().to_string(), "opt-out settings", false);
    let c = if countries.is_empty() {
        "none".to_string()
    } else {
        countries.into_iter().collect::<Vec<_>>().join(" ")
    };
    figure(
        out,
        c,
        "countries treated differently",
        !l.regions.is_empty(),
    );
    figure(
        out,
        l.install_scripts.len().to_string(),
        "install scripts",
        !l.install_scripts.is_empty(),
    );
    out.push_str("</div>\n");
}

/// A label part: heading and table head.
fn open_table(out: &mut String, title: &str, class: &str, heads: &[&str]) {
    w!(
        out,
        "<div class=\"part {class}\">\n<h4>{}</h4>\n<table>\n<thead><tr>",
        esc(title)
    );
    for h in heads {
        w!(out, "<th>{}</th>", esc(h));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
}

fn close_table(out: &mut String, total: usize, cols: usize) {
    if total > MAX_ROWS {
        w!(
            out,
            "<tr><td colspan=\"{cols}\" class=\"muted\">… and {} more</td></tr>\n",
            total - MAX_ROWS
        );
    }
    out.push_str("</tbody>\n</table>\n</div>\n");
}

fn write_collects(out: &mut String, l: &PrivacyLabel) {
    if l.collects.is_empty() {
        return;
    }
    open_table(
        out,
        "Collects",
        "collects",
        &["Item", "Read through", "When", "Sent", "Reads"],
    );
    for c in l.collects.iter().take(MAX_ROWS) {
        w!(out, "<tr><td><strong>{}</strong></td>", esc(&c.item));
        w!(
            out,
            "<td>{}</td><td>{}</td><td>",
            codes(&c.apis),
            esc(&c.when.join(", "))
        );
        if c.sent {
            pill(out, "bad", "sent");
            if !c.to.is_empty() {
                w!(out, " to {}", codes(&c.to));
            }
        } else {
            pill(out, "neutral", "stays local");
        }
        w!(out, "</td><td class=\"num\">{}</td></tr>\n", c.reads);
    }
    close_table(out, l.collects.len(), 5);
}

fn write_sends(out: &mut String, l: &PrivacyLabel) {
    if l.sends.is_empty() {
        return;
    }
    open_table(
        out,
        "Sends",
        "sends",
        &["Data", "Via", "To", "When", "Where", "Opt-out"],
    );
    for s in l.sends.iter().take(MAX_ROWS) {
        w!(
            out,
            "<tr><td>{}</td><td><code>{}</code></td>",
            esc(&s.items.join(", ")),
            esc(&s.sink)
        );
        if s.to.is_empty() {
            out.push_str("<td><span class=\"muted\">not known statically</span></td>");
        } else {
            w!(out, "<td>{}</td>", codes(&s.to));
        }
        w!(
            out,
            "<td>{}</td><td><code class=\"loc\">{}</code></td><td>",
            esc(&s.when),
            esc(&s.location)
        );
        if s.gated_by.is_empty() {
            pill(out, "bad", l.ungated_words());
        } else {
            pill(out, "good", &format!("gated by {}", s.gated_by.join(", ")));
        }
        if s.sent_before_check {
            out.push(' ');
            pill(out, "warn", "sent before the check");
        }
        out.push_str("</td></tr>\n");
    }
    close_table(out, l.sends.len(), 6);
}

fn write_destinations(out: &mut String, l: &PrivacyLabel) {
    if l.destinations.is_empty() {
        return;
    }
    open_table(
        out,
        "Destinations",
        "destinations",
        &["Host", "Role", "Owner", "First named at"],
    );
    for d in l.destinations.iter().take(MAX_ROWS) {
        w!(out, "<tr><td><code>{}</code></td><td>", esc(&d.host));
        pill(out, &format!("role role-{}", role_class(&d.role)), &d.role);
        let owner = d.owner.as_deref().map_or_else(
            || "<span class=\"muted\">not catalogued</span>".to_string(),
            |o| esc(o).to_string(),
        );
        w!(
            out,
            "</td><td>{owner}</td><td><code class=\"loc\">{}</code></td></tr>\n",
            esc(&d.location)
        );
    }
    close_table(out, l.destinations.len(), 4);
}

fn write_opt_outs(out: &mut String, l: &PrivacyLabel) {
    if l.opt_outs.is_empty() {
        return;
    }
    open_table(
        out,
        "Opt-outs",
        "opt-outs",
        &[
            "Setting",
            "Product",
            "Check",
            "Checked in",
            "Gates",
            "Code it controls",
        ],
    );
    for o in l.opt_outs.iter().take(MAX_ROWS) {
        w!(
            out,
            "<tr><td><code>{}</code></td><td>{}</td>",
            esc(&o.setting),
            esc(o.product.as_deref().unwrap_or("—"))
        );
        if o.check == "named" {
            out.push_str("<td colspan=\"3\">named in a native executable; how it is checked is not visible</td><td></td></tr>\n");
            continue;
        }
        w!(
            out,
            "<td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>",
            esc(&o.check),
            plural(o.checks, "place", "places"),
            o.gates
        );
        small_list(out, "controls", &o.controls);
        small_list(out, "sent before the check", &o.sends_before_check);
        out.push_str("</td></tr>\n");
    }
    close_table(out, l.opt_outs.len(), 6);
}

/// A few `code` lines under a caption, inside a table cell.
fn small_list(out: &mut String, caption: &str, items: &[String]) {
    if items.is_empty() {
        return;
    }
    w!(
        out,
        "<div class=\"small-list\"><span class=\"muted\">{}:</span>",
        esc(caption)
    );
    for x in items.iter().take(4) {
        w!(out, "<code>{}</code>", esc(x));
    }
    if items.len() > 4 {
        w!(
            out,
            "<span class=\"muted\">… and {} more</span>",
            items.len() - 4
        );
    }
    out.push_str("</div>");
}

fn write_regions(out: &mut String, l: &PrivacyLabel) {
    if l.regions.is_empty() {
        return;
    }
    open_table(
        out,
        "Behaves differently in",
        "regions",
        &["Countries", "Effects", "Decided by", "When", "Where"],
    );
    for r in l.regions.iter().take(MAX_ROWS) {
        out.push_str("<tr><td>");
        if r.outside {
            out.push_str("everywhere except ");
        }
        country_chips(out, &r.countries);
        let mut effects = if r.effects.is_empty() {
            "changes behaviour".to_string()
        } else {
            r.effects.join(", ")
        };
        if !r.details.is_empty() {
            effects = format!("{effects} ({})", r.details.join("; "));
        }
        w!(
            out,
            "</td><td><strong>{}</strong></td><td><code>{}</code></td>",
            esc(&effects),
            esc(&r.source)
        );
        w!(
            out,
            "<td>{}</td><td><code class=\"loc\">{}</code></td></tr>\n",
            esc(&r.when),
            esc(&r.location)
        );
    }
    close_table(out, l.regions.len(), 5);
}

fn write_code_list(out: &mut String, title: &str, class: &str, items: &[String]) {
    if items.is_empty() {
        return;
    }
    w!(
        out,
        "<div class=\"part {class}\">\n<h4>{}</h4>\n<ul class=\"code-list\">\n",
        esc(title)
    );
    for x in items.iter().take(MAX_ROWS) {
        w!(out, "<li><code>{}</code></li>\n", esc(x));
    }
    if items.len() > MAX_ROWS {
        w!(
            out,
            "<li class=\"muted\">… and {} more</li>\n",
            items.len() - MAX_ROWS
        );
    }
    out.push_str("</ul>\n</div>\n");
}

// ---------------------------------------------------------------------------------- charts

/// How often a country is named: by findings and by region behaviours of the label.
#[derive(Default, Clone, Copy)]
struct CountryCount {
    findings: usize,
    regions: usize,
}

fn country_counts(t: &TargetReport) -> Vec<(String, CountryCount)> {
    let mut m: BTreeMap<String, CountryCount> = BTreeMap::new();
    for f in &t.findings {
        for c in &f.countries {
            m.entry(c.to_ascii_uppercase()).or_default().findings += 1;
        }
    }
    for r in &t.label.regions {
        for c in &r.countries {
            m.entry(c.to_ascii_uppercase()).or_default().regions += 1;
        }
    }
    let mut v: Vec<_> = m.into_iter().collect();
    v.sort_by_key(|(c, n)| (std::cmp::Reverse(n.findings + n.regions), c.clone()));
    v
}

/// The countries chart and the destinations' owners, side by side; nothing when neither has data.
fn write_charts(out: &mut String, t: &TargetReport) {
    let countries = country_counts(t);
    if countries.is_empty() && t.label.destinations.is_empty() {
        return;
    }
    out.push_str("<div class=\"charts\">\n");
    if !countries.is_empty() {
        out.push_str("<section class=\"card chart countries\">\n<h3>Countries targeted</h3>\n");
        countries_svg(out, &countries);
        out.push_str("<p class=\"caption\">Bar length: findings naming the country plus region behaviours in the label.</p>\n</section>\n");
    }
    if !t.label.destinations.is_empty() {
        out.push_str("<section class=\"card chart owners\">\n<h3>Destination owners</h3>\n");
        owners_table(out, &t.label);
        out.push_str("</section>\n");
    }
    out.push_str("</div>\n");
}

/// Horizontal bars, one per country: ISO code tile, name, bar, count.
fn countries_svg(out: &mut String, rows: &[(String, CountryCount)]) {
    const W: usize = 480;
    const ROW: usize = 34;
    const NAME_CHARS: usize = 24;
    // Room for the longest name shown (about 8 units a character at this size).
    let longest = rows
        .iter()
        .map(|(c, _)| {
            country_name(c)
                .unwrap_or("unknown code")
                .chars()
                .count()
                .min(NAME_CHARS + 1)
        })
        .max()
        .unwrap_or(0);
    let bar_x = (52 + longest * 8 + 16).clamp(140, 260);
    let bar_max = W - bar_x - 40;
    let max = rows
        .iter()
        .map(|(_, n)| n.findings + n.regions)
        .max()
        .unwrap_or(1)
        .max(1);
    let h = rows.len() * ROW + 6;
    let names: Vec<String> = rows
        .iter()
        .map(|(c, _)| format!("{} ({c})", country_name(c).unwrap_or("unknown code")))
        .collect();
    w!(
        out,
        "<svg class=\"bars\" viewBox=\"0 0 {W} {h}\" width=\"{W}\" height=\"{h}\" role=\"img\" aria-label=\"{}\">\n",
        esc(&format!("Countries targeted: {}", names.join(", ")))
    );
    for (k, ((code, n), name)) in rows.iter().zip(&names).enumerate() {
        let y = k * ROW + 4;
        let total = n.findings + n.regions;
        let len = (total * bar_max / max).max(4);
        let label = country_name(code).unwrap_or("unknown code");
        w!(
            out,
            "<g class=\"row\"><title>{}: {}, {}</title>",
            esc(name),
            plural(n.findings, "finding", "findings"),
            plural(n.regions, "region behaviour", "region behaviours")
        );
        w!(
            out,
            "<rect class=\"tile\" x=\"0\" y=\"{y}\" width=\"40\" height=\"26\" rx=\"4\"></rect>"
        );
        w!(
            out,
            "<text class=\"iso\" x=\"20\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            y + 18,
            esc(code)
        );
        w!(
            out,
            "<text class=\"name\" x=\"52\" y=\"{}\">{}</text>",
            y + 18,
            esc(&crate::clip(label, NAME_CHARS))
        );
        w!(out, "<rect class=\"bar\" x=\"{bar_x}\" y=\"{}\" width=\"{len}\" height=\"18\" rx=\"3\"></rect>", y + 4);
        w!(
            out,
            "<text class=\"count\" x=\"{}\" y=\"{}\">{total}</text></g>\n",
            bar_x + len + 8,
            y + 18
        );
    }
    out.push_str("</svg>\n");
}

/// Length of the longest bar in the owners table.
const METER_PX: usize = 90;

/// Destinations grouped by owner, most hosts first, each host with its role.
fn owners_table(out: &mut String, l: &PrivacyLabel) {
    let mut by_owner: BTreeMap<&str, Vec<&crate::label::Destination>> = BTreeMap::new();
    for d in &l.destinations {
        by_owner
            .entry(d.owner.as_deref().unwrap_or(""))
            .or_default()
            .push(d);
    }
    let mut rows: Vec<_> = by_owner.into_iter().collect();
    rows.sort_by_key(|(o, ds)| (std::cmp::Reverse(ds.len()), o.is_empty(), o.to_string()));
    let max = rows.iter().map(|(_, ds)| ds.len()).max().unwrap_or(1);
    out.push_str("<table class=\"owners\">\n<thead><tr><th>Owner</th><th>Hosts</th><th class=\"meter-head\">Count</th></tr></thead>\n<tbody>\n");
    for (owner, ds) in rows.iter().take(MAX_ROWS) {
        if owner.is_empty() {
            out.push_str("<tr><td><span class=\"muted\">not catalogued</span></td><td>");
        } else {
            w!(out, "<tr><td><strong>{}</strong></td><td>", esc(owner));
        }
        for d in ds.iter().take(MAX_ROWS) {
            w!(out, "<div class=\"host\"><code>{}</code> ", esc(&d.host));
            pill(out, &format!("role role-{}", role_class(&d.role)), &d.role);
            out.push_str("</div>");
        }
        let px = (ds.len() * METER_PX / max).max(4);
        w!(out, "</td><td class=\"meter\"><span class=\"meter-bar\" style=\"width:{px}px\"></span><span class=\"meter-n\">{}</span></td></tr>\n", ds.len());
    }
    out.push_str("</tbody>\n</table>\n");
}

/// A CSS class word for a destination role (roles are the label's own words, but a class name
/// is never built from unchecked text).
fn role_class(role: &str) -> &'static str {
    match role {
        "telemetry" => "telemetry",
        "ip-geolocation" => "geo",
        "cloud-metadata" => "cloud",
        "receives-data" => "receives",
        "hidden" => "hidden",
        _ => "other",
    }
}

// -------------------------------------------------------------------------------- findings

fn write_findings(out: &mut String, ti: usize, t: &TargetReport) {
    out.push_str("<section class=\"findings\">\n<div class=\"findings-head\">\n");
    w!(
        out,
        "<h3>Findings <span class=\"muted\">({})</span></h3>\n<div class=\"sev-counts\">",
        t.findings.len()
    );
    for sev in SEVERITIES {
        let n = t.findings.iter().filter(|f| f.severity == sev).count();
        if n > 0 {
            w!(
                out,
                "<span class=\"sev-count sev-{}\">{n} {}</span>",
                sev.as_str(),
                sev.as_str()
            );
        }
    }
    out.push_str("</div>\n</div>\n");
    if t.findings.is_empty() {
        let why = if t.error.is_some() {
            "No findings: the target could not be read."
        } else {
            "No findings."
        };
        w!(out, "<p class=\"card none\">{why}</p>\n");
    }
    let findings: Vec<&telltale_rules::Finding> = t.findings.iter().collect();
    kit::write_finding_groups(out, &format!("target-{}-finding", ti + 1), &findings);
    out.push_str("</section>\n");
}

#[cfg(test)]
mod tests {
    use super::kit::mark_span;
    use super::*;
    use crate::label::{Destination, RegionBehaviour, Sent};
    use base64::Engine as _;
    use sha2::{Digest, Sha256};
    use telltale_rules::Finding;
    use telltale_rules::{Category, FlowStep, PolicyVerdict};

    const HOSTILE: &str = "</script><script>alert(1)</script><img src=x onerror=alert(1)>";

    fn finding(
        rule: &'static str,
        severity: Severity,
        snippet: &str,
        column: u32,
        span: (u32, u32),
    ) -> Finding {
        Finding {
            rule,
            name: "region-conditional",
            category: Category::Region,
            severity,
            file: "package/_postinstall.js".into(),
            line: 9,
            column,
            offset: span.0,
            end_offset: span.1,
            message: "behaves differently for users in Russia".into(),
            evidence: vec![],
            countries: vec![],
            endpoints: vec![],
            flow: vec![],
            install_time: false,
            snippet: snippet.into(),
            snippet_mark: None,
            fingerprint: String::new(),
            policy: None,
        }
    }

    fn region_target() -> TargetReport {
        let mut t = TargetReport::empty("es5-ext-0.10.64.tgz");
        t.files_scanned = 74;
        t.label.regions.push(RegionBehaviour {
            countries: vec!["RU".into(), "UA".into()],
            effects: vec!["shows a message".into()],
            source: "Intl.DateTimeFormat().resolvedOptions().timeZone".into(),
            when: "install".into(),
            location: "package/_postinstall.js:9:3".into(),
            found_by: vec!["time zone".into()],
            effect_location: "package/_postinstall.js:10:5".into(),
            outside: false,
            details: vec![],
            packages: vec![],
        });
        t.label.destinations.push(Destination {
            host: "api.ipgeolocation.io".into(),
            role: "ip-geolocation".into(),
            owner: Some("ipgeolocation.io".into()),
            location: "package/x.js:1:141".into(),
            packages: vec![],
        });
        t.label
            .install_scripts
            .push("postinstall: node -e \"require('./_postinstall')\"".into());
        let mut f = finding(
            "TT201",
            Severity::Medium,
            "\t\tif (tz === 'Europe/Moscow') {",
            3,
            (100, 108),
        );
        f.countries = vec!["RU".into(), "UA".into()];
        t.findings.push(f);
        t
    }

    /// A target whose every text field carries markup and URLs.
    fn hostile_target() -> TargetReport {
        let mut t = TargetReport::empty(&format!("evil{HOSTILE}.tgz"));
        let mut f = finding(
            "TT102",
            Severity::High,
            &format!(
                "x = '{HOSTILE}'; fetch('https://evil.example/a.png'); url(http://evil.example/b)"
            ),
            1,
            (0, 3),
        );
        f.file = format!("package/{HOSTILE}.js");
        f.message = format!("sends {HOSTILE}");
        f.evidence = vec![
            HOSTILE.into(),
            "<a href=\"https://evil.example/\">x</a>".into(),
        ];
        f.endpoints = vec![format!("evil.example{HOSTILE}")];
        f.countries = vec![HOSTILE.into()];
        f.flow = vec![FlowStep {
            file: HOSTILE.into(),
            line: 1,
            column: 1,
            offset: 0,
            what: format!("reads {HOSTILE}"),
        }];
        t.findings.push(f);
        t.warnings.push(HOSTILE.into());
        t.error = Some(HOSTILE.into());
        t.label.sends.push(Sent {
            items: vec![HOSTILE.into()],
            sink: HOSTILE.into(),
            to: vec![HOSTILE.into()],
            when: "run".into(),
            location: HOSTILE.into(),
            gated_by: vec![HOSTILE.into()],
            sent_before_check: true,
            packages: vec![],
        });
        t.label.destinations.push(Destination {
            host: HOSTILE.into(),
            role: HOSTILE.into(),
            owner: Some(HOSTILE.into()),
            location: HOSTILE.into(),
            packages: vec![],
        });
        t.label.install_scripts.push(HOSTILE.into());
        t
    }

    #[test]
    fn hostile_text_is_escaped() {
        let html = to_html(&Report::new(vec![hostile_target()]));
        assert_eq!(audit::problems(&html), Vec::<String>::new());
        assert!(!html.contains("<img"));
        assert!(!html.contains("alert(1)</script>"));
        assert!(html.contains("&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"));
    }

    #[test]
    fn no_external_urls() {
        for report in [
            Report::new(vec![hostile_target()]),
            Report::new(vec![region_target()]),
        ] {
            let html = to_html(&report);
            assert_eq!(audit::problems(&html), Vec::<String>::new());
            assert!(!html.contains("src=\"http") && !html.contains("href=\"http"));
        }
    }

    /// The audit itself finds what it is for.
    #[test]
    fn the_audit_finds_a_loaded_image_a_handler_and_a_second_script() {
        let html = to_html(&Report::new(vec![region_target()]));
        let bad = html.replacen(
            "<main",
            "<img src=\"https://x.io/p.gif\"><div onclick=\"x()\"></div><script>fetch(1)</script><main",
            1,
        );
        let found = audit::problems(&bad).join("\n");
        for want in [
            "<img",
            "event handler",
            "src that is not a fragment",
            "script elements",
        ] {
            assert!(found.contains(want), "{want} not found in:\n{found}");
        }
    }

    #[test]
    fn csp_allows_the_script_by_hash() {
        let html = to_html(&Report::new(vec![region_target()]));
        let js = audit::between(&html, "<script>", "</script>");
        let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(js.as_bytes()));
        assert!(html.contains(&format!("script-src 'sha256-{hash}'")));
    }

    #[test]
    fn label_countries_and_findings_are_shown() {
        let html = to_html(&Report::new(vec![region_target()]));
        for want in [
            "Privacy label",
            "Behaves differently in",
            "shows a message",
            "Intl.DateTimeFormat().resolvedOptions().timeZone",
            "<span class=\"iso\">RU</span> Russia",
            "<span class=\"iso\">UA</span> Ukraine",
            "Countries targeted",
            "<svg class=\"bars\"",
            ">Russia</text>",
            "Destination owners",
            "api.ipgeolocation.io",
            "ipgeolocation.io",
            "Install scripts",
            "TT201",
            "package/_postinstall.js:9:3",
            "<pre class=\"code\">",
        ] {
            assert!(html.contains(want), "missing {want}");
        }
        // The label comes before the charts, the charts before the findings.
        let at = |s: &str| html.find(s).unwrap();
        assert!(
            at("Privacy label") < at("Countries targeted")
                && at("Countries targeted") < at("id=\"target-1-finding-1\"")
        );
    }

    #[test]
    fn findings_worst_first_and_totals() {
        let mut t = region_target();
        t.findings
            .push(finding("TT501", Severity::Low, "x", 1, (0, 1)));
        t.findings
            .push(finding("TT102", Severity::Critical, "x", 1, (0, 1)));
        let html = to_html(&Report::new(vec![t]));
        let at = |s: &str| html.find(s).unwrap();
        assert!(
            at("<span class=\"rule\">TT102") < at("<span class=\"rule\">TT201")
                && at("<span class=\"rule\">TT201") < at("<span class=\"rule\">TT501")
        );
        assert!(html.contains("<div class=\"total sev-critical\"><span class=\"count\">1</span>"));
        assert!(html.contains("<div class=\"total sev-high zero\"><span class=\"count\">0</span>"));
    }

    #[test]
    fn policy_package_and_fingerprint_are_shown() {
        let mut t = region_target();
        t.package = Some("es5-ext".into());
        t.version = Some("0.10.64".into());
        t.platform_of = Some("es5-ext-parent".into());
        t.findings[0].fingerprint = "1a2b3c4d:1".into();
        t.findings[0].policy = Some(PolicyVerdict {
            fails: true,
            by: "deny",
            reason: "category region (telltale.toml:3)".into(),
        });
        let mut ok = finding("TT501", Severity::Low, "x", 1, (0, 1));
        ok.policy = Some(PolicyVerdict {
            fails: false,
            by: "baseline",
            reason: "in the baseline <b>".into(),
        });
        t.findings.push(ok);
        let html = to_html(&Report {
            schema_version: 1,
            tool: crate::Tool {
                name: "telltale",
                version: "0.1.0",
            },
            targets: vec![t],
        });
        assert!(html.contains("package <strong>es5-ext</strong> 0.10.64"));
        assert!(html.contains("platform package of <strong>es5-ext-parent</strong>"));
        assert!(html.contains("fingerprint <code>1a2b3c4d:1</code>"));
        assert!(html.contains("<div class=\"total policy\"><span class=\"count\">1</span><span class=\"what\">fail the policy</span>"));
        assert!(
            html.contains("fails the policy</span>")
                && html.contains("accepted by the policy</span>")
        );
        assert!(html.contains("<strong>fails</strong> by deny: category region (telltale.toml:3)"));
        assert!(html.contains("<strong>accepted</strong> by baseline: in the baseline &lt;b&gt;"));
    }

    fn judged(mut f: Finding, fails: bool, by: &'static str, reason: &str) -> Finding {
        f.policy = Some(PolicyVerdict {
            fails,
            by,
            reason: reason.into(),
        });
        f
    }

    fn banner(html: &str) -> &str {
        audit::between(html, "<section class=\"verdict", "</section>")
    }

    #[test]
    fn the_verdict_banner_says_whether_the_policy_fails_and_why() {
        // Fails: the denied finding's reason, with its count, and nothing accepted shown.
        let mut t = region_target();
        t.findings = vec![
            judged(
                finding("TT201", Severity::Medium, "x", 1, (0, 1)),
                true,
                "deny",
                "category region (telltale.toml:3)",
            ),
            judged(
                finding("TT201", Severity::Medium, "y", 1, (0, 1)),
                true,
                "deny",
                "category region (telltale.toml:3)",
            ),
        ];
        let html = to_html(&Report::new(vec![t]));
        let b = banner(&html);
        assert!(b.starts_with(" fails\""), "{b}");
        assert!(b.contains("Fails the policy: 2 reasons"), "{b}");
        assert!(
            b.contains("<li>2 findings: category region (telltale.toml:3)</li>"),
            "{b}"
        );

        // Passes: the worst finding the threshold let through says where the bar is; what
        // an allow entry accepted is listed for the reader to sign.
        let mut t = region_target();
        t.findings = vec![
            judged(
                finding("TT201", Severity::Medium, "x", 1, (0, 1)),
                false,
                "severity",
                "medium is below fail-on high (default)",
            ),
            judged(
                finding("TT301", Severity::High, "y", 1, (0, 1)),
                false,
                "allow",
                "allowed: host *.sentry.io (telltale.toml:7)",
            ),
        ];
        let html = to_html(&Report::new(vec![t]));
        let b = banner(&html);
        assert!(
            b.starts_with(" passes\"") && b.contains("Passes the policy"),
            "{b}"
        );
        assert!(
            b.contains(
                "1 finding pass on severity; the worst: medium is below fail-on high (default)"
            ),
            "{b}"
        );
        assert!(
            b.contains("1 finding accepted: allowed: host *.sentry.io (telltale.toml:7)"),
            "{b}"
        );

        // Incomplete coverage the policy fails is a reason; one it accepts is a caveat.
        let mut gap = TargetReport::empty("cli.tgz");
        gap.coverage.complete = false;
        gap.coverage.policy = Some(PolicyVerdict {
            fails: true,
            by: "incomplete",
            reason: "code the package runs was not analysed".into(),
        });
        let mut report = Report::new(vec![gap]);
        let b = to_html(&report);
        assert!(banner(&b).contains("<li>cli.tgz: code the package runs was not analysed</li>"));
        report.targets[0].coverage.policy.as_mut().unwrap().fails = false;
        let b = to_html(&report);
        assert!(banner(&b).starts_with(" passes\""));
        assert!(banner(&b).contains("<ul class=\"caveats\">\n<li>cli.tgz: not fully analysed"));

        // A target that could not be read: neither pass nor fail.
        let html = to_html(&Report::new(vec![TargetReport::failed(
            "broken.tgz",
            "not a gzip <archive>".into(),
        )]));
        let b = banner(&html);
        assert!(
            b.starts_with(" undecided\"") && b.contains("Not decided"),
            "{b}"
        );
        assert!(b.contains("broken.tgz could not be read: not a gzip &lt;archive&gt;"));
    }

    #[test]
    fn repeated_findings_are_one_entry_with_a_count() {
        let mut t = region_target();
        let mut other = finding("TT201", Severity::Medium, "if (b) {}", 1, (0, 1));
        other.file = "package/other.js".into();
        let mut different = finding("TT201", Severity::Medium, "if (c) {}", 1, (0, 1));
        different.message = "behaves differently for users in Belarus".into();
        t.findings = vec![
            finding("TT201", Severity::Medium, "if (a) {}", 1, (0, 1)),
            other,
            finding("TT201", Severity::Medium, "if (a2) {}", 5, (0, 1)),
            different,
        ];
        let html = to_html(&Report::new(vec![t]));
        assert_eq!(html.matches("<details class=\"finding").count(), 2);
        assert!(html.contains("data-count=\"3\""));
        assert!(
            html.contains("<span class=\"times\" title=\"the same finding, 3 places\">× 3</span>")
        );
        assert!(html.contains("Found 3 times in 2 files"));
        assert!(html.contains("package/_postinstall.js:9:1 and 2 more"));
        assert!(html.contains("<code class=\"loc\">package/other.js:9:1</code>"));
        assert!(
            html.contains("data-count=\"1\""),
            "the different message stays apart"
        );
        assert_eq!(audit::problems(&html), Vec::<String>::new());

        // The same message judged differently by the policy is two entries.
        let mut t = region_target();
        t.findings = vec![
            judged(
                finding("TT201", Severity::Medium, "a", 1, (0, 1)),
                true,
                "deny",
                "x",
            ),
            judged(
                finding("TT201", Severity::Medium, "b", 2, (0, 1)),
                false,
                "baseline",
                "y",
            ),
        ];
        let html = to_html(&Report::new(vec![t]));
        assert_eq!(html.matches("<details class=\"finding").count(), 2);
    }

    #[test]
    fn empty_and_failed_reports() {
        let html = to_html(&Report::new(vec![]));
        assert!(html.contains("0 targets") && html.ends_with("</html>\n"));
        assert!(
            !html.contains("id=\"tt-toolbar\""),
            "no filter without findings"
        );

        let html = to_html(&Report::new(vec![TargetReport::empty("clean-1.0.0.tgz")]));
        assert!(html.contains("Collects no identity, names no tracking or geolocation service"));
        assert!(html.contains("No findings."));
        assert!(!html.contains("Countries targeted"));

        let html = to_html(&Report::new(vec![TargetReport::failed(
            "broken.tgz",
            "not a gzip archive".into(),
        )]));
        assert!(html.contains("Could not be read.</strong> not a gzip archive"));
        assert!(
            html.contains("Unknown: the target could not be read.")
                && !html.contains("Collects no identity")
        );
        assert!(html.contains("<div class=\"total errors\">"));

        // Several targets: clean ones are listed together at the end.
        let html = to_html(&Report::new(vec![
            TargetReport::empty("a.tgz"),
            region_target(),
            TargetReport::empty("b.tgz"),
        ]));
        assert!(html.contains("Nothing found in 2 targets"));
        assert!(
            html.find("es5-ext-0.10.64.tgz</code></h2>").unwrap()
                < html.find("Nothing found in").unwrap()
        );
    }

    #[test]
    fn span_is_marked_in_the_code_frame() {
        let marked = |snippet: &str, mark: Option<[u32; 2]>| Finding {
            snippet_mark: mark,
            ..finding("TT201", Severity::Medium, snippet, 5, (104, 106))
        };
        let f = marked("if (tz === 'Europe/Moscow') {", Some([4, 6]));
        assert_eq!(
            mark_span(&f),
            Some(("if (", "tz", " === 'Europe/Moscow') {"))
        );
        assert!(to_html(&Report::new(vec![TargetReport {
            findings: vec![f],
            ..TargetReport::empty("x")
        }]))
        .contains("if (<mark>tz</mark> ==="));
        // An empty span marks one character; a mark past the end or inside a character, none.
        assert_eq!(
            mark_span(&marked("abc", Some([0, 0]))),
            Some(("", "a", "bc"))
        );
        assert_eq!(mark_span(&marked("abc", Some([9, 12]))), None);
        assert_eq!(mark_span(&marked("é", Some([1, 2]))), None);
        assert_eq!(mark_span(&marked("abc", None)), None);
    }

    #[test]
    fn invisible_characters_are_shown() {
        let s = esc("if (isAdmin\u{202e} \u{2066}// check later\u{2069}) a\u{0}b\tc").to_string();
        assert_eq!(
            s,
            "if (isAdmin⟨U+202E⟩ ⟨U+2066⟩// check later⟨U+2069⟩) a⟨U+0000⟩b\tc"
        );
        assert_eq!(
            esc("a&b<c>\"d'").to_string(),
            "a&amp;b&lt;c&gt;&quot;d&#39;"
        );
    }
}
