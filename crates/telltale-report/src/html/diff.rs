//! The `telltale diff --format html` page: what a new version added and dropped, by meaning,
//! under a verdict on the added findings. In order: the verdict banner; counts; the two sides
//! (targets, versions, whether all code was read, errors); what the new version adds and what
//! it no longer does, region and sends first; then the added findings (grouped as on the scan
//! page) and the removed ones, folded.

use super::kit::{self, country_chips, esc, pill, plural, Outcome, Verdict};
use crate::diff::{Change, Diff, SideInfo};
use std::fmt::Write;

/// Rows of a change table shown before "… and N more".
const MAX_CHANGES: usize = 200;

/// Render a comparison as one self-contained page.
pub fn to_html(diff: &Diff) -> String {
    let mut out = String::with_capacity(32 * 1024);
    let title = format!(
        "telltale diff: {} → {}",
        side_name(&diff.old),
        side_name(&diff.new)
    );
    kit::begin_page(&mut out, &title);
    let f = &diff.findings;
    let subtitle = format!(
        "{} → {} · {} added · {} removed · findings {} added, {} removed, {} unchanged",
        esc(&side_name(&diff.old)),
        esc(&side_name(&diff.new)),
        plural(diff.added.len(), "change", "changes"),
        plural(diff.removed.len(), "change", "changes"),
        f.added.len(),
        f.removed.len(),
        f.unchanged
    );
    let targets: Vec<&str> = diff
        .old
        .targets
        .iter()
        .chain(&diff.new.targets)
        .map(String::as_str)
        .collect();
    kit::masthead(&mut out, "Version comparison", &subtitle, &targets);
    out.push_str("<div class=\"page\">\n");
    kit::write_verdict(&mut out, &verdict(diff));
    write_totals(&mut out, diff);
    write_sides(&mut out, diff);
    out.push_str("</div>\n");
    kit::begin_main(&mut out, !f.added.is_empty() || !f.removed.is_empty());
    write_changes(
        &mut out,
        "added",
        "What the new version adds",
        "Nothing the old version did not already do.",
        &diff.added,
    );
    write_changes(
        &mut out,
        "removed",
        "What it no longer does",
        "Nothing the old version did is gone.",
        &diff.removed,
    );
    out.push_str(
        "<section class=\"findings\" id=\"findings-added\">\n<div class=\"findings-head\">\n",
    );
    w!(
        out,
        "<h3>Findings added <span class=\"muted\">({})</span></h3>\n</div>\n",
        f.added.len()
    );
    if f.added.is_empty() {
        out.push_str("<p class=\"card none\">No finding is new.</p>\n");
    }
    kit::write_finding_groups(&mut out, "added-finding", &f.added);
    out.push_str("</section>\n");
    if !f.removed.is_empty() {
        w!(
            out,
            "<details class=\"removed-findings\" id=\"findings-removed\"><summary>Findings removed ({})</summary>\n",
            f.removed.len()
        );
        kit::write_finding_groups(&mut out, "removed-finding", &f.removed);
        out.push_str("</details>\n");
    }
    out.push_str("</main>\n");
    kit::end_page(
        &mut out,
        &format!("report schema {}", diff.schema_version),
        "Static analysis of both sides only: nothing from the compared packages was run.",
    );
    out
}

/// A side in a few words: `package version`, else its targets.
fn side_name(s: &SideInfo) -> String {
    match (&s.package, &s.version) {
        (Some(p), Some(v)) => format!("{p} {v}"),
        (Some(p), None) => p.clone(),
        _ => match s.targets.as_slice() {
            [one] => one.clone(),
            many => plural(many.len(), "target", "targets"),
        },
    }
}

/// The diff fails when an added finding fails the policy, or a new coverage gap does where
/// the policy fails incomplete coverage (as its exit status).
pub fn verdict(diff: &Diff) -> Verdict {
    let mut reasons = kit::failing_reasons(diff.findings.added.iter().copied());
    if diff.incomplete_fails {
        for c in diff.added.iter().filter(|c| c.aspect == "coverage") {
            reasons.push(format!(
                "new code not analysed: {}",
                crate::clip(&c.what, 200)
            ));
        }
    }
    let caveats: Vec<String> = diff
        .old
        .errors
        .iter()
        .map(|e| format!("old side: {e}"))
        .chain(diff.new.errors.iter().map(|e| format!("new side: {e}")))
        .collect();
    let errors = !caveats.is_empty();
    let mut caveats = caveats;
    if !diff.new.complete && !diff.incomplete_fails {
        caveats.push(
            "the new side was not fully analysed: a change in the code not read cannot show"
                .to_string(),
        );
    }
    let outcome = if !reasons.is_empty() {
        Outcome::Fails
    } else if errors {
        Outcome::Undecided
    } else {
        Outcome::Passes
    };
    let headline = match outcome {
        Outcome::Fails => format!(
            "Fails the policy: {} the new version adds",
            plural(diff.failing(), "thing", "things")
        ),
        Outcome::Passes => "Passes the policy: nothing the new version adds fails it".into(),
        Outcome::Undecided => "Not decided: a side could not be read".into(),
    };
    if outcome != Outcome::Fails {
        reasons = kit::accepted_reasons(diff.findings.added.iter().copied());
        reasons.insert(
            0,
            format!(
                "{} added, {} removed; {} added",
                plural(diff.added.len(), "change", "changes"),
                diff.removed.len(),
                plural(diff.findings.added.len(), "finding", "findings")
            ),
        );
    }
    Verdict {
        outcome,
        headline,
        reasons,
        caveats,
    }
}

fn write_totals(out: &mut String, diff: &Diff) {
    out.push_str("<section class=\"totals\" aria-label=\"Changes\">\n");
    let tile = |out: &mut String, n: usize, what: &str, class: &str| {
        let zero = if n == 0 { " zero" } else { "" };
        w!(
            out,
            "<div class=\"total {class}{zero}\"><span class=\"count\">{n}</span><span class=\"what\">{}</span></div>\n",
            esc(what)
        );
    };
    tile(out, diff.added.len(), "changes added", "added");
    tile(out, diff.removed.len(), "changes removed", "removed");
    tile(out, diff.findings.added.len(), "findings added", "added");
    tile(
        out,
        diff.findings.removed.len(),
        "findings removed",
        "removed",
    );
    tile(out, diff.findings.unchanged, "findings unchanged", "");
    if diff.findings.added.iter().any(|f| f.policy.is_some()) || diff.failing() > 0 {
        tile(out, diff.failing(), "fail the policy", "policy");
    }
    out.push_str("</section>\n");
}

/// Old and new side by side: what each is, whether all of it was read.
fn write_sides(out: &mut String, diff: &Diff) {
    out.push_str("<section class=\"card sides\">\n<h2>Compared</h2>\n<table>\n<thead><tr><th></th><th>Old</th><th>New</th></tr></thead>\n<tbody>\n");
    let row = |out: &mut String, head: &str, old: String, new: String| {
        w!(
            out,
            "<tr><th scope=\"row\">{}</th><td>{old}</td><td>{new}</td></tr>\n",
            esc(head)
        );
    };
    row(
        out,
        "Targets",
        kit::codes(&diff.old.targets),
        kit::codes(&diff.new.targets),
    );
    let package = |s: &SideInfo| match (&s.package, &s.version) {
        (Some(p), Some(v)) => format!("<strong>{}</strong> {}", esc(p), esc(v)),
        (Some(p), None) => format!("<strong>{}</strong>", esc(p)),
        _ => "<span class=\"muted\">several</span>".to_string(),
    };
    row(out, "Package", package(&diff.old), package(&diff.new));
    let coverage = |s: &SideInfo| {
        let mut c = String::new();
        if s.complete {
            pill(&mut c, "good", "all code analysed");
        } else {
            pill(&mut c, "bad", "NOT fully analysed");
        }
        c
    };
    row(out, "Coverage", coverage(&diff.old), coverage(&diff.new));
    if !diff.old.errors.is_empty() || !diff.new.errors.is_empty() {
        let errors = |s: &SideInfo| {
            if s.errors.is_empty() {
                return "<span class=\"muted\">none</span>".to_string();
            }
            s.errors
                .iter()
                .map(|e| format!("<div class=\"error-line\">{}</div>", esc(e)))
                .collect()
        };
        row(out, "Errors", errors(&diff.old), errors(&diff.new));
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

/// Aspects in the order a reader cares about them: behaviour by country, what leaves the
/// machine, what is read, where it goes, then the rest.
pub(super) fn aspect_rank(aspect: &str) -> usize {
    [
        "region",
        "sends",
        "collects",
        "endpoint",
        "install-script",
        "opt-out",
        "dynamic-code",
        "obfuscation",
        "destructive",
        "coverage",
    ]
    .iter()
    .position(|a| *a == aspect)
    .unwrap_or(usize::MAX)
}

pub(super) fn aspect_class(aspect: &str) -> &'static str {
    match aspect {
        "region" | "sends" | "destructive" | "coverage" => "bad",
        "collects" | "install-script" | "dynamic-code" | "obfuscation" => "warn",
        _ => "neutral",
    }
}

fn write_changes(out: &mut String, id: &str, title: &str, none: &str, changes: &[Change]) {
    w!(
        out,
        "<section class=\"card changes {id}\" id=\"changes-{id}\">\n<h2>{} <span class=\"muted\">({})</span></h2>\n",
        esc(title),
        changes.len()
    );
    if changes.is_empty() {
        w!(out, "<p class=\"muted\">{}</p>\n</section>\n", esc(none));
        return;
    }
    let mut sorted: Vec<&Change> = changes.iter().collect();
    sorted.sort_by_key(|c| aspect_rank(c.aspect));
    let with_package = sorted.iter().any(|c| c.package.is_some());
    out.push_str("<table>\n<thead><tr><th>Aspect</th>");
    if with_package {
        out.push_str("<th>Package</th>");
    }
    out.push_str("<th>What</th><th>Countries</th><th>Where</th></tr></thead>\n<tbody>\n");
    for c in sorted.iter().take(MAX_CHANGES) {
        out.push_str("<tr><td>");
        pill(out, aspect_class(c.aspect), c.aspect);
        out.push_str("</td>");
        if with_package {
            w!(
                out,
                "<td><code>{}</code></td>",
                esc(c.package.as_deref().unwrap_or(""))
            );
        }
        w!(out, "<td>{}</td><td>", esc(&c.what));
        if c.countries.is_empty() {
            out.push_str("<span class=\"muted\">—</span>");
        } else {
            country_chips(out, &c.countries);
        }
        out.push_str("</td><td>");
        if c.location.is_empty() {
            out.push_str("<span class=\"muted\">—</span>");
        } else {
            w!(out, "<code class=\"loc\">{}</code>", esc(&c.location));
        }
        out.push_str("</td></tr>\n");
    }
    if sorted.len() > MAX_CHANGES {
        w!(
            out,
            "<tr><td colspan=\"5\" class=\"muted\">… and {} more</td></tr>\n",
            sorted.len() - MAX_CHANGES
        );
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

#[cfg(test)]
mod tests {
    use crate::html::audit;
    use crate::label::RegionBehaviour;
    use crate::{Report, TargetReport};
    use telltale_rules::{Category, Finding, PolicyVerdict, Severity};

    const HOSTILE: &str = "</script><script>alert(1)</script><img src=x onerror=alert(1)>";

    fn side(version: &str) -> TargetReport {
        let mut t = TargetReport::empty(&format!("npm:x@{version}"));
        t.package = Some("x".into());
        t.version = Some(version.into());
        t
    }

    fn region_finding(fails: bool) -> Finding {
        Finding {
            rule: "TT201",
            name: "region-conditional",
            category: Category::Region,
            severity: Severity::Medium,
            file: format!("package/{HOSTILE}.js"),
            line: 3,
            column: 1,
            offset: 10,
            end_offset: 20,
            message: format!("shows {HOSTILE} only in RU"),
            evidence: vec![],
            countries: vec!["RU".into()],
            endpoints: vec![],
            flow: vec![],
            install_time: true,
            snippet: "if (tz === 'Europe/Moscow') {".into(),
            snippet_mark: None,
            fingerprint: String::new(),
            policy: Some(PolicyVerdict {
                fails,
                by: "deny",
                reason: "denied: category region (telltale.toml:2)".into(),
            }),
        }
    }

    fn new_side(fails: bool) -> Report {
        let mut t = side("1.0.1");
        t.label.regions.push(RegionBehaviour {
            countries: vec!["RU".into()],
            effects: vec![format!("shows {HOSTILE}")],
            source: "Intl.DateTimeFormat().resolvedOptions().timeZone".into(),
            when: "install".into(),
            location: "package/a.js:3:1".into(),
            found_by: vec!["time zone".into()],
            effect_location: "package/a.js:4:1".into(),
            outside: false,
            details: vec![],
            packages: vec![],
        });
        t.findings.push(region_finding(fails));
        Report::new(vec![t])
    }

    #[test]
    fn an_added_region_behaviour_fails_with_its_reason_and_stays_text() {
        let old = Report::new(vec![side("1.0.0")]);
        let new = new_side(true);
        let d = crate::diff::diff(&old, &new);
        let html = d.to_html();
        assert_eq!(audit::problems(&html), Vec::<String>::new());
        let banner = audit::between(&html, "<section class=\"verdict", "</section>");
        assert!(banner.starts_with(" fails\""), "{banner}");
        assert!(banner.contains("Fails the policy: 1 thing the new version adds"));
        assert!(banner.contains("1 finding: denied: category region (telltale.toml:2)"));
        assert!(html.contains("<h1>Version comparison</h1>"));
        assert!(html.contains("x 1.0.0 → x 1.0.1"));
        // The region change comes first in the table, with its country.
        let added = audit::between(&html, "id=\"changes-added\"", "</section>");
        assert!(
            added.contains("<span class=\"pill bad\">region</span>"),
            "{added}"
        );
        assert!(added.contains("<span class=\"iso\">RU</span> Russia"));
        assert!(added.contains("&lt;/script&gt;&lt;script&gt;alert(1)"));
        assert!(html.contains("Nothing the old version did is gone."));
        assert!(html.contains("<h3>Findings added <span class=\"muted\">(1)</span></h3>"));
        assert!(!html.contains("id=\"findings-removed\""));
    }

    #[test]
    fn nothing_failing_added_passes_and_removed_findings_fold() {
        let d_html = |old: &Report, new: &Report| crate::diff::diff(old, new).to_html();
        let html = d_html(&new_side(false), &Report::new(vec![side("1.0.2")]));
        let banner = audit::between(&html, "<section class=\"verdict", "</section>");
        assert!(banner.starts_with(" passes\""), "{banner}");
        assert!(banner.contains("0 changes added, 1 removed; 0 findings added"));
        assert!(html.contains("<details class=\"removed-findings\" id=\"findings-removed\"><summary>Findings removed (1)</summary>"));
        assert!(html.contains("Nothing the old version did not already do."));

        // A side that could not be read decides nothing.
        let broken = Report::new(vec![TargetReport::failed("npm:x@1.0.3", "HTTP 404".into())]);
        let html = d_html(&new_side(false), &broken);
        let banner = audit::between(&html, "<section class=\"verdict", "</section>");
        assert!(banner.starts_with(" undecided\""), "{banner}");
        assert!(banner.contains("new side: npm:x@1.0.3: HTTP 404"));
        assert_eq!(audit::problems(&html), Vec::<String>::new());
    }
}
