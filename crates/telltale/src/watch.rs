//! What `telltale watch` decides about a new version of a package, wherever the two versions
//! were scanned (on the watcher's machine, or by a fleet's worker): the alert, when the
//! change matters to the watcher's policy.

use crate::policy::Policy;
use serde_json::{json, Value};
use telltale_report::diff::{Change, Diff};
use telltale_report::Report;

/// The store key of the alert about one version: one alert per version, however many
/// watchers or workers decide it.
pub fn alert_key(ecosystem: &str, name: &str, version: &str) -> String {
    format!("{ecosystem}|{name}|{version}")
}

/// `npm:name@version` → (`name`, `version`); scoped names keep their `@`.
pub fn split_spec(spec: &str) -> Option<(&str, &str)> {
    let rest = spec.strip_prefix("npm:")?;
    rest.rsplit_once('@')
        .filter(|(n, v)| !n.is_empty() && !v.is_empty())
}

/// Compare two scanned versions of `name` (the policy's verdicts are written into `new`) and
/// return the alert, if the change matters.
pub fn decide(
    name: &str,
    old_version: &str,
    new_version: &str,
    old: &Report,
    new: &mut Report,
    policy: &Policy,
) -> Option<Value> {
    policy.apply(new);
    let diff = telltale_report::diff::diff(old, new);
    alert(
        name,
        old_version,
        new_version,
        &diff,
        policy.watch_aspects.as_deref(),
    )
}

/// The alert, when the diff holds something that matters: a change added (destinations,
/// identity, region, install scripts, hidden or fetched code, mass deletes, code not analysed)
/// or an opt-out removed, of the aspects asked for (all by default), or an added finding the
/// policy fails; with the findings added.
pub fn alert(
    name: &str,
    old: &str,
    new: &str,
    diff: &Diff,
    aspects: Option<&[String]>,
) -> Option<Value> {
    let wanted = |c: &&Change| aspects.is_none_or(|a| a.iter().any(|x| x == c.aspect));
    let change = |kind: &str, c: &Change| {
        json!({
            "change": kind,
            "aspect": c.aspect,
            "what": c.what,
            "countries": c.countries,
            "endpoints": c.endpoints,
            "location": c.location,
        })
    };
    let mut changes: Vec<Value> = diff
        .added
        .iter()
        .filter(wanted)
        .map(|c| change("added", c))
        .collect();
    changes.extend(
        diff.removed
            .iter()
            .filter(|c| c.aspect == "opt-out")
            .filter(wanted)
            .map(|c| change("removed", c)),
    );
    let failing = diff.findings.added.iter().any(|f| f.fails_policy());
    if changes.is_empty() && !failing {
        return None;
    }
    let findings: Vec<Value> = diff
        .findings
        .added
        .iter()
        .map(|f| {
            json!({
                "rule": f.rule,
                "severity": f.severity.as_str(),
                "message": f.message,
                "location": format!("{}:{}:{}", f.file, f.line, f.column),
                "fails_policy": f.fails_policy(),
            })
        })
        .collect();
    Some(json!({
        "package": format!("npm:{name}"),
        "from": old,
        "to": new,
        "changes": changes,
        "findings_added": findings,
    }))
}

/// The alert for a version that could not be compared because a scan kept failing: what
/// was watched is no longer known, which is coverage lost (`None` when the policy's aspects
/// leave coverage out).
pub fn failure_alert(
    name: &str,
    old: &str,
    new: &str,
    error: &str,
    aspects: Option<&[String]>,
) -> Option<Value> {
    if aspects.is_some_and(|a| !a.iter().any(|x| x == "coverage")) {
        return None;
    }
    Some(json!({
        "package": format!("npm:{name}"),
        "from": old,
        "to": new,
        "changes": [{
            "change": "added",
            "aspect": "coverage",
            "what": format!("{new} could not be compared with {old}: {error}"),
            "countries": [],
            "endpoints": [],
            "location": "",
        }],
        "findings_added": [],
        "error": error,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_split_at_the_last_at() {
        assert_eq!(
            split_spec("npm:lodash@4.17.21"),
            Some(("lodash", "4.17.21"))
        );
        assert_eq!(
            split_spec("npm:@scope/pkg@1.0.0-beta.1"),
            Some(("@scope/pkg", "1.0.0-beta.1"))
        );
        assert_eq!(split_spec("npm:@scope/pkg"), None);
        assert_eq!(split_spec("pypi:x==1"), None);
    }

    #[test]
    fn a_failed_comparison_alerts_unless_coverage_is_left_out() {
        let a = failure_alert("x", "1.0.0", "1.1.0", "corrupt tarball", None).unwrap();
        assert_eq!(a["changes"][0]["aspect"], "coverage");
        assert_eq!(a["error"], "corrupt tarball");
        let only_region = vec!["region".to_string()];
        assert!(failure_alert("x", "1.0.0", "1.1.0", "e", Some(&only_region)).is_none());
    }
}
