//! `telltale diff OLD NEW`: what a new version added and removed, by meaning. Two levels:
//!
//! - **Changes** of the privacy label and of hidden behaviour: endpoints, identity items
//!   collected and sent, region conditions, install scripts, opt-out settings, decoded hidden
//!   strings, code run from the network, mass deletes. Each is keyed by what it is (a host, a
//!   set of countries and the region data compared, a setting name), never by a line.
//! - **Findings**, matched by their meaning key (see [`crate::fingerprint`]), counted as a
//!   multiset: two identical sends in the old version and three in the new is one added.
//!
//! A package and the platform packages it pulls in (the native build of a CLI) are one
//! product. When each side is one product, package names are left out of the keys, so any
//! two targets can be compared (a fork against its original, a CLI whose code moved into its
//! platform package); with several products a side (lockfiles, `node_modules`) the product's
//! name is part of every key.

use crate::fingerprint::meaning_key;
use crate::{Report, TargetReport};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;
use telltale_rules::{Category, Finding};

/// One change of meaning between the two sides.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Change {
    /// `endpoint` | `collects` | `sends` | `region` | `install-script` | `opt-out` |
    /// `obfuscation` | `dynamic-code` | `destructive` | `coverage` (code not analysed)
    pub aspect: &'static str,
    /// The package it belongs to, when the sides hold several.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    /// What it is, in words.
    pub what: String,
    pub countries: Vec<String>,
    pub endpoints: Vec<String>,
    /// `file:line:col` where it is, on the side that has it.
    pub location: String,
}

/// One side of a comparison as written in the output.
#[derive(Debug, Serialize)]
pub struct SideInfo {
    pub targets: Vec<String>,
    pub package: Option<String>,
    pub version: Option<String>,
    pub errors: Vec<String>,
    /// Every target's code was analysed.
    pub complete: bool,
}

#[derive(Debug, Serialize)]
pub struct FindingChanges<'a> {
    pub added: Vec<&'a Finding>,
    pub removed: Vec<&'a Finding>,
    pub unchanged: usize,
}

/// The comparison.
#[derive(Debug, Serialize)]
pub struct Diff<'a> {
    pub schema_version: u32,
    pub old: SideInfo,
    pub new: SideInfo,
    pub added: Vec<Change>,
    pub removed: Vec<Change>,
    pub findings: FindingChanges<'a>,
    /// The targets each added and removed finding belongs to (same order), for SARIF.
    #[serde(skip)]
    added_in: Vec<&'a TargetReport>,
    #[serde(skip)]
    removed_in: Vec<&'a TargetReport>,
    /// The policy fails incomplete coverage of the new side.
    #[serde(skip)]
    pub(crate) incomplete_fails: bool,
}

/// Compare two reports.
pub fn diff<'a>(old: &'a Report, new: &'a Report) -> Diff<'a> {
    let with_package = products(old) > 1 || products(new) > 1;
    let old_changes = changes_of(old, with_package);
    let new_changes = changes_of(new, with_package);
    let added: Vec<Change> = new_changes
        .iter()
        .filter(|(k, _)| !old_changes.contains_key(*k))
        .map(|(_, c)| c.clone())
        .collect();
    let removed: Vec<Change> = old_changes
        .iter()
        .filter(|(k, _)| !new_changes.contains_key(*k))
        .map(|(_, c)| c.clone())
        .collect();

    let keyed = |r: &'a Report| -> Vec<(String, &'a TargetReport, &'a Finding)> {
        r.targets
            .iter()
            .flat_map(|t| {
                t.findings
                    .iter()
                    .map(move |f| (meaning_key(product(t).filter(|_| with_package), f), t, f))
            })
            .collect()
    };
    let old_findings = keyed(old);
    let new_findings = keyed(new);
    let (added_f, unchanged) = multiset_minus(&new_findings, &old_findings);
    let (removed_f, _) = multiset_minus(&old_findings, &new_findings);
    Diff {
        schema_version: crate::SCHEMA_VERSION,
        old: side_info(old),
        new: side_info(new),
        added,
        removed,
        findings: FindingChanges {
            added: added_f.iter().map(|(_, f)| *f).collect(),
            removed: removed_f.iter().map(|(_, f)| *f).collect(),
            unchanged,
        },
        added_in: added_f.iter().map(|(t, _)| *t).collect(),
        removed_in: removed_f.iter().map(|(t, _)| *t).collect(),
        incomplete_fails: new
            .targets
            .iter()
            .any(|t| t.coverage.policy.as_ref().is_some_and(|v| v.fails)),
    }
}

/// The product a target belongs to: the package whose platform package it is, the
/// package that hands its program over to it, the package whose install closure holds it
/// (`--deps`), or itself.
fn product(t: &TargetReport) -> Option<&str> {
    t.dependency_of
        .as_deref()
        .or(t.delegated_from.as_deref())
        .or(t.platform_of.as_deref())
        .or(t.package.as_deref())
}

/// A coverage gap's path or reason with versions and numbers masked, so the same gap in two
/// versions is one key (`npm:@x/cli@1.2.3` and `npm:@x/cli@1.2.4`). A dotted version takes
/// its pre-release or build suffix with it (`0.0.1790121694-g18bb0a`: amp's versions end
/// in a commit hash).
fn masked(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        if !c.is_ascii_digit() {
            out.push(c);
            rest = &rest[c.len_utf8()..];
            continue;
        }
        let number = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let mut end = number;
        if rest[..number].contains('.') && rest[number..].starts_with(['-', '+']) {
            end += rest[number..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+')))
                .unwrap_or(rest.len() - number);
        }
        out.push('#');
        rest = &rest[end..];
    }
    out
}

fn products(r: &Report) -> usize {
    let names: std::collections::HashSet<Option<&str>> = r
        .targets
        .iter()
        .map(|t| product(t).or(Some(t.target.as_str())))
        .collect();
    names.len()
}

/// The items of `a` left after taking out as many of each key as `b` has, and how many
/// were taken out.
fn multiset_minus<'a>(
    a: &[(String, &'a TargetReport, &'a Finding)],
    b: &[(String, &'a TargetReport, &'a Finding)],
) -> (Vec<(&'a TargetReport, &'a Finding)>, usize) {
    let mut budget: HashMap<&str, usize> = HashMap::new();
    for (k, _, _) in b {
        *budget.entry(k.as_str()).or_default() += 1;
    }
    let mut left = Vec::new();
    let mut matched = 0;
    for (k, t, f) in a {
        match budget.get_mut(k.as_str()) {
            Some(n) if *n > 0 => {
                *n -= 1;
                matched += 1;
            }
            _ => left.push((*t, *f)),
        }
    }
    (left, matched)
}

fn side_info(r: &Report) -> SideInfo {
    let single = (products(r) == 1).then(|| &r.targets[0]);
    SideInfo {
        targets: r.targets.iter().map(|t| t.target.clone()).collect(),
        package: single.and_then(|t| t.package.clone()),
        version: single.and_then(|t| t.version.clone()),
        errors: r
            .targets
            .iter()
            .filter_map(|t| t.error.as_ref().map(|e| format!("{}: {e}", t.target)))
            .collect(),
        complete: r.targets.iter().all(|t| t.coverage.complete),
    }
}

/// Every change-worthy item of a report, by key.
fn changes_of(r: &Report, with_package: bool) -> BTreeMap<String, Change> {
    let mut out = BTreeMap::new();
    for t in &r.targets {
        let package = product(t).map(str::to_string).filter(|_| with_package);
        let mut put = |aspect: &'static str,
                       key: String,
                       what: String,
                       countries: Vec<String>,
                       endpoints: Vec<String>,
                       location: String| {
            let full = format!("{aspect}|{}|{key}", package.as_deref().unwrap_or(""));
            out.entry(full).or_insert(Change {
                aspect,
                package: package.clone(),
                what,
                countries,
                endpoints,
                location,
            });
        };
        let l = &t.label;
        for d in &l.destinations {
            let owner = d
                .owner
                .as_deref()
                .map(|o| format!(" — {o}"))
                .unwrap_or_default();
            put(
                "endpoint",
                d.host.to_ascii_lowercase(),
                format!("{} [{}]{owner}", d.host, d.role),
                vec![],
                vec![d.host.clone()],
                d.location.clone(),
            );
        }
        for c in &l.collects {
            let sent = if c.sent { ", sent off the machine" } else { "" };
            put(
                "collects",
                format!("{:?}|{}", c.kind, c.when.join("/")),
                format!(
                    "{} ({}) at {} time{sent}",
                    c.item,
                    c.apis.join(", "),
                    c.when.join("/")
                ),
                vec![],
                vec![],
                String::new(),
            );
        }
        for s in &l.sends {
            let mut items = s.items.clone();
            items.sort();
            let mut to = s.to.clone();
            to.sort();
            let dest = if to.is_empty() {
                "a destination not known statically".to_string()
            } else {
                to.join(", ")
            };
            let mut gates = s.gated_by.clone();
            gates.sort();
            let gate = match (gates.is_empty(), s.sent_before_check) {
                (true, _) => l.ungated_words().to_string(),
                (false, false) => format!("opt-out: {}", gates.join(", ")),
                (false, true) => {
                    format!("opt-out: {}, but sent before the check", gates.join(", "))
                }
            };
            // A send that gains or loses its opt-out is a change of meaning.
            put(
                "sends",
                format!("{}|{}|{}|{gate}", items.join(","), to.join(","), s.when),
                format!("{} to {dest} at {} time ({gate})", items.join(", "), s.when),
                vec![],
                to,
                s.location.clone(),
            );
        }
        for g in &l.regions {
            let mut countries = g.countries.clone();
            countries.sort();
            let effects = if g.effects.is_empty() {
                "changes behaviour".to_string()
            } else {
                g.effects.join(", ")
            };
            put(
                "region",
                format!("{}|{}", countries.join(","), g.source),
                format!(
                    "{}: {effects} (by {}, at {} time)",
                    countries.join(", "),
                    g.source,
                    g.when
                ),
                countries,
                vec![],
                g.location.clone(),
            );
        }
        for s in &l.install_scripts {
            let normal = s.split_whitespace().collect::<Vec<_>>().join(" ");
            put(
                "install-script",
                normal.clone(),
                normal,
                vec![],
                vec![],
                String::new(),
            );
        }
        for o in &l.opt_outs {
            put(
                "opt-out",
                o.setting.clone(),
                format!("{} (checked on {})", o.setting, o.check),
                vec![],
                vec![],
                String::new(),
            );
        }
        // Code a version hides from analysis is a change as much as code it adds.
        for g in t.coverage.gaps() {
            put(
                "coverage",
                format!("{}|{}", masked(&g.path), masked(&g.why)),
                format!("not analysed: {}: {}", g.path, g.why),
                vec![],
                vec![],
                g.path.clone(),
            );
        }
        for f in &t.findings {
            let aspect = match f.category {
                Category::Obfuscation => "obfuscation",
                Category::DynamicCode => "dynamic-code",
                Category::Destructive => "destructive",
                _ => continue,
            };
            let Some(first) = f.evidence.first() else {
                continue;
            };
            // The first evidence is the decoded value or the API; its provenance follows.
            put(
                aspect,
                format!("{}|{first}", f.rule),
                format!("{} ({} {})", crate::clip(first, 160), f.rule, f.name),
                f.countries.clone(),
                f.endpoints.clone(),
                format!("{}:{}:{}", f.file, f.line, f.column),
            );
        }
    }
    out
}

impl Diff<'_> {
    /// The added and removed findings with their targets, for SARIF.
    pub fn sarif(&self, new: &Report) -> String {
        let added: Vec<(&TargetReport, &Finding)> = self
            .added_in
            .iter()
            .copied()
            .zip(self.findings.added.iter().copied())
            .collect();
        let removed: Vec<(&TargetReport, &Finding)> = self
            .removed_in
            .iter()
            .copied()
            .zip(self.findings.removed.iter().copied())
            .collect();
        crate::sarif::changes_to_sarif(new, &added, &removed)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("diff serialises")
    }

    /// One self-contained page (see [`crate::html::diff`]).
    pub fn to_html(&self) -> String {
        crate::html::diff::to_html(self)
    }

    /// Added findings that fail the policy, and new coverage gaps when the policy fails
    /// incomplete coverage (the exit code of `diff`).
    pub fn failing(&self) -> usize {
        let findings = self
            .findings
            .added
            .iter()
            .filter(|f| f.fails_policy())
            .count();
        let gaps = if self.incomplete_fails {
            self.added.iter().filter(|c| c.aspect == "coverage").count()
        } else {
            0
        };
        findings + gaps
    }

    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let side = |s: &SideInfo| {
            let who = match (&s.package, &s.version) {
                (Some(p), Some(v)) => format!(" ({p} {v})"),
                (Some(p), None) => format!(" ({p})"),
                _ => String::new(),
            };
            format!("{}{who}", s.targets.join(", "))
        };
        let complete = |s: &SideInfo| {
            if s.complete {
                ""
            } else {
                "  [coverage INCOMPLETE]"
            }
        };
        let _ = writeln!(out, "old: {}{}", side(&self.old), complete(&self.old));
        let _ = writeln!(out, "new: {}{}", side(&self.new), complete(&self.new));
        for e in self.old.errors.iter().chain(&self.new.errors) {
            let _ = writeln!(out, "error: {e}");
        }
        for (title, sign, changes) in [("added", '+', &self.added), ("removed", '-', &self.removed)]
        {
            let _ = writeln!(out, "\n{title}:");
            if changes.is_empty() {
                let _ = writeln!(out, "  (nothing)");
            }
            for c in changes {
                let package = c
                    .package
                    .as_deref()
                    .map(|p| format!("{p}: "))
                    .unwrap_or_default();
                let at = if c.location.is_empty() {
                    String::new()
                } else {
                    format!("  [{}]", c.location)
                };
                let _ = writeln!(out, "  {sign} {:<14} {package}{}{at}", c.aspect, c.what);
            }
        }
        let f = &self.findings;
        let _ = writeln!(
            out,
            "\nfindings: {} added, {} removed, {} unchanged",
            f.added.len(),
            f.removed.len(),
            f.unchanged
        );
        for (sign, list) in [('+', &f.added), ('-', &f.removed)] {
            for x in list.iter() {
                let verdict = if sign == '+' && x.fails_policy() {
                    "  FAILS"
                } else {
                    ""
                };
                let _ = writeln!(
                    out,
                    "  {sign} {:<8} {} {} {}:{}:{}  {}{verdict}",
                    x.severity.as_str(),
                    x.rule,
                    x.name,
                    x.file,
                    x.line,
                    x.column,
                    x.message
                );
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn side(version: &str, gaps: &[(&str, &str)]) -> Report {
        let mut t = TargetReport::empty(&format!("npm:x@{version}"));
        t.package = Some("x".into());
        t.version = Some(version.into());
        for (path, why) in gaps {
            t.coverage
                .add_unanalysed(&path.replace("VERSION", version), 100, why.to_string());
        }
        t.coverage.settle();
        Report::new(vec![t])
    }

    #[test]
    fn coverage_gaps_are_changes_matched_across_versions() {
        let old = side(
            "1.0.0",
            &[(
                "npm:@x/cli@VERSION",
                "its bin x is node_modules/@x/cli/bin/x; it could not be fetched",
            )],
        );
        let new = side(
            "1.0.1",
            &[
                (
                    "npm:@x/cli@VERSION",
                    "its bin x is node_modules/@x/cli/bin/x; it could not be fetched",
                ),
                ("package/bin/x › /snapshot/app/index.js", "V8 bytecode only"),
            ],
        );
        let d = diff(&old, &new);
        assert_eq!(d.added.len(), 1, "{:?}", d.added);
        assert_eq!(d.added[0].aspect, "coverage");
        assert!(d.added[0].what.contains("V8 bytecode only"));
        assert!(d.removed.is_empty(), "{:?}", d.removed);
        assert!(!d.new.complete && !d.old.complete);
        let text = d.to_text();
        assert!(text.contains("+ coverage       not analysed: package/bin/x › /snapshot/app/index.js: V8 bytecode only"), "{text}");
        assert!(text.contains("[coverage INCOMPLETE]"), "{text}");
        // Fixed in the next version: a removal.
        let fixed = side("1.0.2", &[]);
        let d = diff(&new, &fixed);
        assert_eq!(
            d.removed.iter().filter(|c| c.aspect == "coverage").count(),
            2
        );
        assert!(d.new.complete);
        assert_eq!(
            masked("npm:@x/cli@0.0.1790142911-g7618fb (3.1 MB)"),
            "npm:@x/cli@# (# MB)"
        );
        assert_eq!(
            masked("npm:@ampcode/cli@0.0.1790121694-g18bb0a: its bin amp is node_modules/@ampcode/cli/bin/amp.exe"),
            masked("npm:@ampcode/cli@0.0.1790113007-gc0c797: its bin amp is node_modules/@ampcode/cli/bin/amp.exe"),
        );
        // Only a dotted version takes a suffix: a platform's word stays.
        assert_eq!(masked("linux-x64-musl 12 files"), "linux-x#-musl # files");
        assert_eq!(masked("ends at 1.2."), "ends at #");
    }
}
