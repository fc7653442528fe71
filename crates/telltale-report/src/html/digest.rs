//! The digest page (`telltale query alerts --format html`): what changed across the watched
//! packages, from the alerts `telltale watch` sent. In order: the verdict banner (alerts
//! adding findings the policy fails, versions that could not be compared, or nothing to
//! review); counts; then one card per package, its alerts newest first, each with the changes
//! (region and sends first, countries, hosts, where) and the findings it added.
//!
//! Alerts come from the store as the JSON lines the watcher sent; everything in them came
//! from a scanned package and is escaped.

use super::diff::{aspect_class, aspect_rank};
use super::kit::{self, country_chips, esc, pill, plural, Outcome, Verdict};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write;
use telltale_rules::Severity;

/// One alert as the store keeps it: when it was recorded, and the alert's JSON.
#[derive(Debug, Clone)]
pub struct DigestEntry {
    pub at: String,
    pub alert: Value,
}

/// Rows of one alert's change table shown before "… and N more".
const MAX_CHANGES: usize = 100;

/// Render the alerts (any order) as one self-contained page; `since` is the period asked.
pub fn to_html(entries: &[DigestEntry], since: Option<&str>) -> String {
    let mut out = String::with_capacity(16 * 1024);
    let period = match since {
        Some(s) => format!("since {s}"),
        None => "all recorded".to_string(),
    };
    kit::begin_page(&mut out, &format!("telltale watch digest ({period})"));
    let mut by_package: BTreeMap<&str, Vec<&DigestEntry>> = BTreeMap::new();
    for e in entries {
        by_package
            .entry(e.alert["package"].as_str().unwrap_or("unknown package"))
            .or_default()
            .push(e);
    }
    let subtitle = format!(
        "{} · {} across {}",
        esc(&period),
        plural(entries.len(), "alert", "alerts"),
        plural(by_package.len(), "package", "packages")
    );
    let packages: Vec<&str> = by_package.keys().copied().collect();
    kit::masthead(
        &mut out,
        "What changed in the watched packages",
        &subtitle,
        &packages,
    );
    out.push_str("<div class=\"page\">\n");
    kit::write_verdict(&mut out, &verdict(entries, &period));
    out.push_str("</div>\n");
    kit::begin_main(&mut out, false);
    if entries.is_empty() {
        out.push_str("<p class=\"card none\">No alert in this period.</p>\n");
    }
    for (package, mut alerts) in by_package {
        alerts.sort_by(|a, b| b.at.cmp(&a.at));
        w!(
            out,
            "<section class=\"card digest-package\">\n<h2><code>{}</code> <span class=\"muted\">({})</span></h2>\n",
            esc(package),
            plural(alerts.len(), "alert", "alerts")
        );
        for e in alerts {
            write_alert(&mut out, e);
        }
        out.push_str("</section>\n");
    }
    out.push_str("</main>\n");
    kit::end_page(
        &mut out,
        "watch alerts",
        "Made from the alerts in the store; nothing from the watched packages was run.",
    );
    out
}

/// Fails when an alert adds a finding the policy fails; undecided when a version could not
/// be compared; passes otherwise, saying how many alerts are there to read.
pub fn verdict(entries: &[DigestEntry], period: &str) -> Verdict {
    let name = |e: &DigestEntry| {
        format!(
            "{} {}",
            e.alert["package"].as_str().unwrap_or("?"),
            e.alert["to"].as_str().unwrap_or("?")
        )
    };
    let mut reasons = Vec::new();
    for e in entries {
        let failing: Vec<String> = findings(&e.alert)
            .filter(|f| f["fails_policy"].as_bool() == Some(true))
            .map(|f| {
                format!(
                    "{} {}",
                    f["rule"].as_str().unwrap_or("?"),
                    f["message"].as_str().unwrap_or("")
                )
            })
            .collect();
        if !failing.is_empty() {
            reasons.push(format!(
                "{}: {}",
                name(e),
                crate::clip(&failing.join("; "), 200)
            ));
        }
    }
    let caveats: Vec<String> = entries
        .iter()
        .filter_map(|e| {
            let err = e.alert["error"].as_str()?;
            Some(format!(
                "{} could not be compared: {}",
                name(e),
                crate::clip(err, 200)
            ))
        })
        .collect();
    let (outcome, headline) = if !reasons.is_empty() {
        (
            Outcome::Fails,
            format!(
                "{} added findings the policy fails",
                plural(reasons.len(), "version", "versions")
            ),
        )
    } else if !caveats.is_empty() {
        (
            Outcome::Undecided,
            format!(
                "{} could not be compared",
                plural(caveats.len(), "version", "versions")
            ),
        )
    } else if entries.is_empty() {
        (
            Outcome::Passes,
            format!("Nothing that matters changed ({period})"),
        )
    } else {
        (
            Outcome::Passes,
            format!(
                "{} to read; none adds a finding the policy fails",
                plural(entries.len(), "alert", "alerts")
            ),
        )
    };
    if outcome == Outcome::Passes && !entries.is_empty() {
        let mut by_aspect: BTreeMap<(usize, &str), usize> = BTreeMap::new();
        for c in entries.iter().flat_map(|e| changes(&e.alert)) {
            let a = c["aspect"].as_str().unwrap_or("?");
            *by_aspect.entry((aspect_rank(a), a)).or_default() += 1;
        }
        reasons = by_aspect
            .into_iter()
            .map(|((_, a), n)| format!("{}: {a}", plural(n, "change", "changes")))
            .collect();
    }
    Verdict {
        outcome,
        headline,
        reasons,
        caveats,
    }
}

fn changes(alert: &Value) -> impl Iterator<Item = &Value> {
    alert["changes"].as_array().into_iter().flatten()
}

fn findings(alert: &Value) -> impl Iterator<Item = &Value> {
    alert["findings_added"].as_array().into_iter().flatten()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str().map(str::to_string))
        .collect()
}

fn write_alert(out: &mut String, e: &DigestEntry) {
    let a = &e.alert;
    w!(
        out,
        "<div class=\"digest-alert\">\n<h3>{} → {} <span class=\"muted\">{}</span></h3>\n",
        esc(a["from"].as_str().unwrap_or("?")),
        esc(a["to"].as_str().unwrap_or("?")),
        esc(&e.at)
    );
    if let Some(err) = a["error"].as_str() {
        w!(
            out,
            "<p class=\"error-line\">Could not be compared: {}</p>\n",
            esc(err)
        );
    }
    let mut sorted: Vec<&Value> = changes(a).collect();
    sorted.sort_by_key(|c| aspect_rank(c["aspect"].as_str().unwrap_or("")));
    if !sorted.is_empty() {
        out.push_str("<table class=\"changes\">\n<thead><tr><th>Change</th><th>What</th><th>Countries</th><th>Hosts</th><th>Where</th></tr></thead>\n<tbody>\n");
        for c in sorted.iter().take(MAX_CHANGES) {
            let aspect = c["aspect"].as_str().unwrap_or("?");
            out.push_str("<tr><td>");
            let removed = c["change"].as_str() == Some("removed");
            pill(out, aspect_class(aspect), aspect);
            if removed {
                out.push_str(" <span class=\"muted\">removed</span>");
            }
            w!(
                out,
                "</td><td>{}</td><td>",
                esc(c["what"].as_str().unwrap_or(""))
            );
            let countries = strings(&c["countries"]);
            if countries.is_empty() {
                out.push_str("<span class=\"muted\">—</span>");
            } else {
                country_chips(out, &countries);
            }
            w!(
                out,
                "</td><td>{}</td><td>",
                kit::codes(&strings(&c["endpoints"]))
            );
            match c["location"].as_str().filter(|l| !l.is_empty()) {
                Some(l) => {
                    w!(out, "<code class=\"loc\">{}</code>", esc(l));
                }
                None => out.push_str("<span class=\"muted\">—</span>"),
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
        out.push_str("</tbody>\n</table>\n");
    }
    let added: Vec<&Value> = findings(a).collect();
    if !added.is_empty() {
        w!(
            out,
            "<details class=\"digest-findings\"><summary>{} added</summary>\n<ul>\n",
            plural(added.len(), "finding", "findings")
        );
        for f in added {
            out.push_str("<li>");
            if let Some(s) = f["severity"].as_str().and_then(Severity::parse) {
                kit::badge(out, s);
            }
            w!(
                out,
                " <code>{}</code> {} <code class=\"loc\">{}</code>",
                esc(f["rule"].as_str().unwrap_or("?")),
                esc(f["message"].as_str().unwrap_or("")),
                esc(f["location"].as_str().unwrap_or(""))
            );
            if f["fails_policy"].as_bool() == Some(true) {
                out.push(' ');
                pill(out, "bad", "fails the policy");
            }
            out.push_str("</li>\n");
        }
        out.push_str("</ul>\n</details>\n");
    }
    out.push_str("</div>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::html::audit;
    use serde_json::json;

    const HOSTILE: &str = "</script><script>alert(1)</script><img src=x onerror=alert(1)>";

    fn region_alert(to: &str, fails: bool) -> DigestEntry {
        DigestEntry {
            at: format!("2026-12-0{}T10:00:00.000Z", to.len() % 9),
            alert: json!({
                "package": "npm:x", "from": "1.0.0", "to": to,
                "changes": [
                    {"change": "added", "aspect": "endpoint", "what": "talks to api.mixpanel.com",
                     "countries": [], "endpoints": ["api.mixpanel.com"], "location": "package/index.js:3:1"},
                    {"change": "added", "aspect": "region", "what": HOSTILE,
                     "countries": ["RU"], "endpoints": [], "location": "package/index.js:2:5"}
                ],
                "findings_added": [{"rule": "TT201", "severity": "high", "message": HOSTILE,
                                    "location": "package/index.js:2:5", "fails_policy": fails}]
            }),
        }
    }

    #[test]
    fn the_digest_groups_by_package_and_escapes_what_packages_wrote() {
        let failed = DigestEntry {
            at: "2026-12-06T09:00:00.000Z".into(),
            alert: json!({"package": "npm:@scope/y", "from": "2.0.0", "to": "2.1.0",
                "changes": [{"change": "added", "aspect": "coverage", "what": "could not be compared",
                             "countries": [], "endpoints": [], "location": ""}],
                "findings_added": [], "error": "integrity mismatch"}),
        };
        let html = to_html(&[region_alert("1.1.0", true), failed], Some("2026-12-01"));
        assert_eq!(audit::problems(&html), Vec::<String>::new());
        assert!(!html.contains("<img src=x"));
        assert!(html.contains("2 alerts across 2 packages"), "{html}");
        assert!(html.contains("<code>npm:@scope/y</code>"));
        // Region before the endpoint in the table, Russia named.
        let region = html.find("pill bad\">region").unwrap();
        let endpoint = html.find(">endpoint</span>").unwrap();
        assert!(region < endpoint);
        assert!(html.contains("Russia"));
        assert!(html.contains("Could not be compared: integrity mismatch"));
        let v = verdict(&[region_alert("1.1.0", true)], "x");
        assert_eq!(v.outcome, Outcome::Fails);
        assert!(
            v.reasons[0].starts_with("npm:x 1.1.0: TT201"),
            "{:?}",
            v.reasons
        );
    }

    #[test]
    fn the_banner_says_what_the_period_holds() {
        let v = verdict(&[], "since 2026-12-01");
        assert_eq!(v.outcome, Outcome::Passes);
        assert_eq!(
            v.headline,
            "Nothing that matters changed (since 2026-12-01)"
        );
        let v = verdict(&[region_alert("1.1.0", false)], "p");
        assert_eq!(v.outcome, Outcome::Passes);
        assert_eq!(
            v.headline,
            "1 alert to read; none adds a finding the policy fails"
        );
        assert_eq!(v.reasons, ["1 change: region", "1 change: endpoint"]);
        let failed = DigestEntry {
            at: String::new(),
            alert: json!({"package": "npm:x", "to": "2.0.0", "error": "boom", "changes": []}),
        };
        let v = verdict(&[region_alert("1.1.0", false), failed], "p");
        assert_eq!(v.outcome, Outcome::Undecided);
        assert_eq!(v.caveats, ["npm:x 2.0.0 could not be compared: boom"]);
        assert!(audit::problems(&to_html(&[], None)).is_empty());
    }
}
