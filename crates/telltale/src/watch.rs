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

/// A watched package: its ecosystem (`npm` or `pypi`) and name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Package {
    pub ecosystem: &'static str,
    pub name: String,
}

impl Package {
    /// `name` or `npm:name` → npm; `pypi:name` → PyPI (the name as PEP 503 normalises it).
    pub fn parse(item: &str) -> Package {
        match item.strip_prefix("pypi:") {
            Some(name) => Package {
                ecosystem: "pypi",
                name: telltale_registry::pypi::normalize(name),
            },
            None => Package {
                ecosystem: "npm",
                name: item.strip_prefix("npm:").unwrap_or(item).to_string(),
            },
        }
    }

    /// The spec that scans one version: `npm:name@1.0.0`, `pypi:name==1.0.0`.
    pub fn spec(&self, version: &str) -> String {
        match self.ecosystem {
            "pypi" => format!("pypi:{}=={version}", self.name),
            _ => format!("npm:{}@{version}", self.name),
        }
    }
}

impl std::fmt::Display for Package {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.ecosystem, self.name)
    }
}

/// `npm:name@version` or `pypi:name==version` → the package and the version; scoped npm
/// names keep their `@`.
pub fn split_spec(spec: &str) -> Option<(Package, &str)> {
    let (ecosystem, name, version) = if let Some(rest) = spec.strip_prefix("npm:") {
        let (n, v) = rest.rsplit_once('@')?;
        ("npm", n, v)
    } else {
        let (n, v) = spec.strip_prefix("pypi:")?.split_once("==")?;
        ("pypi", n, v)
    };
    if name.is_empty() || version.is_empty() {
        return None;
    }
    Some((
        Package {
            ecosystem,
            name: name.to_string(),
        },
        version,
    ))
}

/// Compare two scanned versions of `name` (the policy's verdicts are written into `new`) and
/// return the alert, if the change matters.
pub fn decide(
    package: &Package,
    old_version: &str,
    new_version: &str,
    old: &Report,
    new: &mut Report,
    policy: &Policy,
) -> Option<Value> {
    policy.apply(new);
    let diff = telltale_report::diff::diff(old, new);
    alert(
        package,
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
    package: &Package,
    old: &str,
    new: &str,
    diff: &Diff,
    aspects: Option<&[String]>,
) -> Option<Value> {
    // A watched version is installed from its registry: a hook npm runs only for git and
    // folder installs (`prepare`) never runs there, so adding one changes nothing users get.
    let wanted = |c: &&Change| {
        aspects.is_none_or(|a| a.iter().any(|x| x == c.aspect))
            && !(c.aspect == "install-script"
                && c.what.ends_with(telltale_report::GIT_AND_FOLDER_ONLY))
    };
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
        "package": package.to_string(),
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
    package: &Package,
    old: &str,
    new: &str,
    error: &str,
    aspects: Option<&[String]>,
) -> Option<Value> {
    if aspects.is_some_and(|a| !a.iter().any(|x| x == "coverage")) {
        return None;
    }
    Some(json!({
        "package": package.to_string(),
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
    fn specs_split_into_package_and_version() {
        let split = |s| split_spec(s).map(|(p, v)| (p.to_string(), v));
        assert_eq!(
            split("npm:lodash@4.17.21"),
            Some(("npm:lodash".into(), "4.17.21"))
        );
        assert_eq!(
            split("npm:@scope/pkg@1.0.0-beta.1"),
            Some(("npm:@scope/pkg".into(), "1.0.0-beta.1"))
        );
        assert_eq!(split("npm:@scope/pkg"), None);
        assert_eq!(split("pypi:x==1.0"), Some(("pypi:x".into(), "1.0")));
        assert_eq!(split("pypi:x"), None);
        let p = Package::parse("pypi:Foo_Bar");
        assert_eq!(p.to_string(), "pypi:foo-bar");
        assert_eq!(p.spec("2.0"), "pypi:foo-bar==2.0");
        assert_eq!(Package::parse("@a/b").spec("1.0.0"), "npm:@a/b@1.0.0");
    }

    #[test]
    fn a_failed_comparison_alerts_unless_coverage_is_left_out() {
        let x = Package::parse("x");
        let a = failure_alert(&x, "1.0.0", "1.1.0", "corrupt tarball", None).unwrap();
        assert_eq!(a["changes"][0]["aspect"], "coverage");
        assert_eq!(a["error"], "corrupt tarball");
        assert_eq!(a["package"], "npm:x");
        let only_region = vec!["region".to_string()];
        assert!(failure_alert(&x, "1.0.0", "1.1.0", "e", Some(&only_region)).is_none());
    }
}
