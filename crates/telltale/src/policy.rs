//! The policy that turns findings into a pass or a fail: `telltale.toml` (found upward from
//! the working folder, or `--config`), in the spirit of ruff's and cargo-deny's files.
//!
//! ```toml
//! fail-on = "medium"                    # the severity that fails the run (default "high")
//! baseline = "telltale-baseline.json"   # findings accepted earlier (`telltale baseline`)
//! incomplete = "warn"                   # code not analysed: "fail" (default) or "warn"
//!
//! [deny]                                # always fail, whatever the severity
//! categories = ["region", "destructive"]
//! endpoints = ["*.ipinfo.io"]
//! countries = ["*"]                     # any code that targets a country
//!
//! [allow]                               # never fail
//! rules = ["TT302"]
//! endpoints = ["*.sentry.io"]           # findings whose endpoints all match
//!
//! [[exception]]                         # one package, reviewed
//! package = "es5-ext"                   # or "es5-ext@0.10.64"
//! rules = ["TT201"]                     # optional: only these rules / categories
//! reason = "prints a message; reviewed by security, 2026-11"
//!
//! [firewall]                            # `telltale firewall`, `telltale npm|pip`
//! mode = "warn"                         # what fails the policy: "block" (default) or "warn"
//! on-error = "warn"                     # an artifact that cannot be scanned: "block" (default) or "warn"
//! min-release-age = "72h"               # refuse versions younger than this (s, m, h, d)
//! scan-timeout = "120s"                 # a scan that takes longer counts as "cannot be scanned"
//!
//! [watch]                               # `telltale watch`
//! aspects = ["region", "sends"]         # the kinds of change that alert (default: all)
//! ```
//!
//! A target whose coverage is incomplete (code the package runs was not analysed: bytecode
//! only, an unreadable payload, a parse failure, a limit, a hand-over not followed) fails
//! the run unless `incomplete = "warn"`: then it is reported and does not fail.
//!
//! Each finding is decided by the first of: a matching exception, the baseline, a deny
//! entry, an allow entry, and last its severity against `fail-on`. The verdict and its
//! reason (with the file and line of the entry) are written into the finding.

use serde::Deserialize;
use std::path::{Path, PathBuf};
use telltale_report::{Report, TargetReport};
use telltale_rules::{Category, Finding, PolicyVerdict, Severity};
use toml::Spanned;

/// The name looked for upward from the working folder.
pub const FILE_NAME: &str = "telltale.toml";

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    fail_on: Option<Spanned<String>>,
    baseline: Option<Spanned<String>>,
    incomplete: Option<Spanned<String>>,
    #[serde(default)]
    allow: RawLists,
    #[serde(default)]
    deny: RawLists,
    #[serde(default, rename = "exception")]
    exceptions: Vec<Spanned<RawException>>,
    #[serde(default)]
    firewall: RawFirewall,
    #[serde(default)]
    watch: RawWatch,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawWatch {
    aspects: Option<Vec<Spanned<String>>>,
}

/// What `telltale watch` alerts on: changes of these aspects (all when not said), and always
/// a new finding the policy fails.
pub const WATCH_ASPECTS: &[&str] = &[
    "endpoint",
    "collects",
    "sends",
    "region",
    "install-script",
    "opt-out",
    "obfuscation",
    "dynamic-code",
    "destructive",
    "coverage",
];

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawFirewall {
    mode: Option<Spanned<String>>,
    on_error: Option<Spanned<String>>,
    min_release_age: Option<Spanned<String>>,
    scan_timeout: Option<Spanned<String>>,
}

/// What the firewall does with what the policy fails, and with what it cannot scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirewallPolicy {
    /// Serve what fails the policy, with a warning, instead of refusing it.
    pub warn_only: bool,
    /// Refuse an artifact that could not be scanned (else serve it with a warning).
    pub block_on_error: bool,
    /// Versions published more recently than this are refused (a freshly hijacked release
    /// is usually found and pulled within days).
    pub min_release_age: Option<std::time::Duration>,
    /// A scan that takes longer is treated as one that could not finish.
    pub scan_timeout: std::time::Duration,
}

impl Default for FirewallPolicy {
    fn default() -> Self {
        FirewallPolicy {
            warn_only: false,
            block_on_error: true,
            min_release_age: None,
            scan_timeout: std::time::Duration::from_secs(300),
        }
    }
}

/// `90s`, `15m`, `72h`, `7d`.
fn parse_duration(s: &str) -> Option<std::time::Duration> {
    let s = s.trim();
    let (number, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit())?);
    let n: u64 = number.parse().ok()?;
    let secs = match unit.trim() {
        "s" => n,
        "m" => n.checked_mul(60)?,
        "h" => n.checked_mul(3600)?,
        "d" => n.checked_mul(86_400)?,
        _ => return None,
    };
    Some(std::time::Duration::from_secs(secs))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawLists {
    #[serde(default)]
    rules: Vec<Spanned<String>>,
    #[serde(default)]
    categories: Vec<Spanned<String>>,
    #[serde(default)]
    endpoints: Vec<Spanned<String>>,
    #[serde(default)]
    countries: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawException {
    package: Spanned<String>,
    reason: Spanned<String>,
    #[serde(default)]
    rules: Vec<Spanned<String>>,
    #[serde(default)]
    categories: Vec<Spanned<String>>,
}

/// One entry of the file, with where it is written (`telltale.toml:12`).
#[derive(Debug, Clone)]
struct Entry<T> {
    value: T,
    at: String,
}

#[derive(Debug, Default)]
struct Lists {
    rules: Vec<Entry<&'static str>>,
    categories: Vec<Entry<Category>>,
    endpoints: Vec<Entry<String>>,
    countries: Vec<Entry<String>>,
}

#[derive(Debug)]
struct Exception {
    name: String,
    version: Option<String>,
    rules: Vec<&'static str>,
    categories: Vec<Category>,
    reason: String,
    at: String,
}

/// A loaded policy.
#[derive(Debug)]
pub struct Policy {
    pub fail_on: Severity,
    /// Where `fail_on` came from: `default`, `--fail-on` or `telltale.toml:3`.
    fail_on_from: String,
    /// Whether incomplete coverage fails the run, and where that was said.
    incomplete_fails: bool,
    incomplete_from: String,
    allow: Lists,
    deny: Lists,
    exceptions: Vec<Exception>,
    baseline: Option<crate::baseline::Baseline>,
    /// The `[firewall]` table.
    pub firewall: FirewallPolicy,
    /// `[watch] aspects`: the kinds of change that alert (`None`: all).
    pub watch_aspects: Option<Vec<String>>,
    /// The file read, if any.
    pub path: Option<PathBuf>,
    /// Its text, kept so the policy can travel to a fleet's worker ([`Policy::portable`]).
    text: Option<String>,
}

/// A policy as it travels to another machine (a fleet's worker deciding `telltale watch`'s
/// alerts): the file's text and the name it had, the `--fail-on` given, and the baseline's
/// fingerprints — the worker reads no file of the watcher's machine.
#[derive(Debug, Default, serde::Serialize, Deserialize)]
pub struct PortablePolicy {
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub fail_on: Option<String>,
    #[serde(default)]
    pub baseline: Option<PortableBaseline>,
}

#[derive(Debug, serde::Serialize, Deserialize)]
pub struct PortableBaseline {
    pub path: String,
    pub fingerprints: Vec<String>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            fail_on: Severity::High,
            fail_on_from: "default".into(),
            incomplete_fails: true,
            incomplete_from: "default".into(),
            allow: Lists::default(),
            deny: Lists::default(),
            exceptions: vec![],
            baseline: None,
            firewall: FirewallPolicy::default(),
            watch_aspects: None,
            path: None,
            text: None,
        }
    }
}

/// `telltale.toml` in `start` or the nearest folder above it.
pub fn find_config(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|d| d.join(FILE_NAME))
        .find(|p| p.is_file())
}

impl Policy {
    /// Read and check a policy file. Errors name the file, the line and the key.
    pub fn load(path: &Path) -> Result<Policy, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
        Policy::parse(&text, path)
    }

    pub fn parse(text: &str, path: &Path) -> Result<Policy, String> {
        Policy::parse_with(text, path, true)
    }

    /// What [`Policy::from_portable`] reads back.
    pub fn portable(&self) -> PortablePolicy {
        PortablePolicy {
            path: self.path.as_ref().map(|p| p.display().to_string()),
            text: self.text.clone(),
            fail_on: (self.fail_on_from == "--fail-on").then(|| self.fail_on.as_str().to_string()),
            baseline: self.baseline.as_ref().map(|b| PortableBaseline {
                path: b.path.display().to_string(),
                fingerprints: b.fingerprints(),
            }),
        }
    }

    /// The policy [`Policy::portable`] describes, as the machine that sent it read it.
    pub fn from_portable(p: &PortablePolicy) -> Result<Policy, String> {
        let path = PathBuf::from(p.path.as_deref().unwrap_or(FILE_NAME));
        let mut policy = match &p.text {
            Some(text) => Policy::parse_with(text, &path, false)?,
            None => Policy::default(),
        };
        if let Some(level) = &p.fail_on {
            let level =
                Severity::parse(level).ok_or_else(|| format!("`{level}` is not a severity"))?;
            policy.set_fail_on(level);
        }
        if let Some(b) = &p.baseline {
            policy.set_baseline(crate::baseline::Baseline::from_fingerprints(
                Path::new(&b.path),
                b.fingerprints.iter().cloned(),
            ));
        }
        Ok(policy)
    }

    /// `read_baseline`: whether to read the file `baseline = "…"` names (not when the policy
    /// came from another machine, which sends the fingerprints instead).
    fn parse_with(text: &str, path: &Path, read_baseline: bool) -> Result<Policy, String> {
        let shown = path.display().to_string();
        let raw: RawConfig = toml::from_str(text).map_err(|e| format!("{shown}: {e}"))?;
        let at = |span: std::ops::Range<usize>| format!("{shown}:{}", line_of(text, span.start));
        let fail = |span: std::ops::Range<usize>, key: &str, msg: String| {
            format!("{}: `{key}`: {msg}", at(span))
        };
        let mut policy = Policy {
            path: Some(path.to_path_buf()),
            text: Some(text.to_string()),
            ..Policy::default()
        };
        if let Some(s) = raw.fail_on {
            policy.fail_on = Severity::parse(s.get_ref()).ok_or_else(|| {
                fail(
                    s.span(),
                    "fail-on",
                    format!(
                        "`{}` is not a severity (info, low, medium, high, critical)",
                        s.get_ref()
                    ),
                )
            })?;
            policy.fail_on_from = at(s.span());
        }
        if let Some(s) = raw.incomplete {
            policy.incomplete_fails = match s.get_ref().as_str() {
                "fail" => true,
                "warn" => false,
                other => {
                    return Err(fail(
                        s.span(),
                        "incomplete",
                        format!("`{other}` is not \"fail\" or \"warn\""),
                    ))
                }
            };
            policy.incomplete_from = at(s.span());
        }
        if let Some(list) = raw.watch.aspects {
            let mut aspects = Vec::new();
            for a in list {
                if !WATCH_ASPECTS.contains(&a.get_ref().as_str()) {
                    return Err(fail(
                        a.span(),
                        "watch.aspects",
                        format!(
                            "`{}` is not an aspect ({})",
                            a.get_ref(),
                            WATCH_ASPECTS.join(", ")
                        ),
                    ));
                }
                aspects.push(a.into_inner());
            }
            policy.watch_aspects = Some(aspects);
        }
        for (key, raw) in [
            ("firewall.min-release-age", raw.firewall.min_release_age),
            ("firewall.scan-timeout", raw.firewall.scan_timeout),
        ] {
            let Some(s) = raw else { continue };
            let d = parse_duration(s.get_ref()).ok_or_else(|| {
                fail(
                    s.span(),
                    key,
                    format!(
                        "`{}` is not a duration (a number and s, m, h or d: \"72h\")",
                        s.get_ref()
                    ),
                )
            })?;
            if key == "firewall.scan-timeout" {
                policy.firewall.scan_timeout = d.max(std::time::Duration::from_secs(1));
            } else {
                policy.firewall.min_release_age = Some(d);
            }
        }
        for (key, raw, set) in [
            (
                "firewall.mode",
                raw.firewall.mode,
                &mut policy.firewall.warn_only,
            ),
            (
                "firewall.on-error",
                raw.firewall.on_error,
                &mut policy.firewall.block_on_error,
            ),
        ] {
            if let Some(s) = raw {
                *set = match (key, s.get_ref().as_str()) {
                    ("firewall.mode", "warn") | ("firewall.on-error", "block") => true,
                    ("firewall.mode", "block") | ("firewall.on-error", "warn") => false,
                    (_, other) => {
                        return Err(fail(
                            s.span(),
                            key,
                            format!("`{other}` is not \"block\" or \"warn\""),
                        ))
                    }
                };
            }
        }
        for (name, raw_lists, lists) in [
            ("allow", raw.allow, &mut policy.allow),
            ("deny", raw.deny, &mut policy.deny),
        ] {
            for r in raw_lists.rules {
                let key = format!("{name}.rules");
                let rule = telltale_rules::find_rule(r.get_ref()).ok_or_else(|| {
                    fail(
                        r.span(),
                        &key,
                        format!("no rule `{}`; `telltale rules` lists them", r.get_ref()),
                    )
                })?;
                lists.rules.push(Entry {
                    value: rule.meta().id,
                    at: at(r.span()),
                });
            }
            for c in raw_lists.categories {
                let key = format!("{name}.categories");
                let cat = Category::parse(c.get_ref()).ok_or_else(|| {
                    fail(
                        c.span(),
                        &key,
                        format!(
                            "`{}` is not a category ({})",
                            c.get_ref(),
                            Category::ALL.map(|c| c.as_str()).join(", ")
                        ),
                    )
                })?;
                lists.categories.push(Entry {
                    value: cat,
                    at: at(c.span()),
                });
            }
            for e in raw_lists.endpoints {
                let key = format!("{name}.endpoints");
                let pattern = e.get_ref().trim().to_ascii_lowercase();
                let host = pattern.strip_prefix("*.").unwrap_or(&pattern);
                if pattern != "*" && (host.is_empty() || host.contains(['*', '/', ':', ' '])) {
                    return Err(fail(e.span(), &key, format!("`{}` is not a host pattern (`api.example.com`, `*.example.com` or `*`)", e.get_ref())));
                }
                lists.endpoints.push(Entry {
                    value: pattern,
                    at: at(e.span()),
                });
            }
            for c in raw_lists.countries {
                let key = format!("{name}.countries");
                let code = c.get_ref().trim().to_ascii_uppercase();
                if code != "*" && !telltale_knowledge::geo::is_country_code(&code) {
                    return Err(fail(
                        c.span(),
                        &key,
                        format!(
                            "`{}` is not an ISO 3166-1 alpha-2 country code (e.g. RU, CN) or `*`",
                            c.get_ref()
                        ),
                    ));
                }
                lists.countries.push(Entry {
                    value: code,
                    at: at(c.span()),
                });
            }
        }
        for ex in raw.exceptions {
            let where_ = at(ex.span());
            let ex = ex.into_inner();
            if ex.reason.get_ref().trim().is_empty() {
                return Err(fail(
                    ex.reason.span(),
                    "exception.reason",
                    "an exception needs a reason a reviewer can read".into(),
                ));
            }
            let spec = ex.package.get_ref().trim();
            // `@scope/name@1.2.3`: the version follows the last `@` that is not the first character.
            let (name, version) = match spec[1.min(spec.len())..].rfind('@').map(|i| i + 1) {
                Some(i) => (spec[..i].to_string(), Some(spec[i + 1..].to_string())),
                None => (spec.to_string(), None),
            };
            if name.is_empty() || version.as_deref() == Some("") {
                return Err(fail(
                    ex.package.span(),
                    "exception.package",
                    format!("`{spec}` is not `name` or `name@version`"),
                ));
            }
            let mut rules = Vec::new();
            for r in &ex.rules {
                let rule = telltale_rules::find_rule(r.get_ref()).ok_or_else(|| {
                    fail(
                        r.span(),
                        "exception.rules",
                        format!("no rule `{}`; `telltale rules` lists them", r.get_ref()),
                    )
                })?;
                rules.push(rule.meta().id);
            }
            let mut categories = Vec::new();
            for c in &ex.categories {
                categories.push(Category::parse(c.get_ref()).ok_or_else(|| {
                    fail(
                        c.span(),
                        "exception.categories",
                        format!("`{}` is not a category", c.get_ref()),
                    )
                })?);
            }
            policy.exceptions.push(Exception {
                name,
                version,
                rules,
                categories,
                reason: ex.reason.into_inner().trim().to_string(),
                at: where_,
            });
        }
        if let Some(b) = raw.baseline.filter(|_| read_baseline) {
            let file = path.parent().unwrap_or(Path::new(".")).join(b.get_ref());
            let baseline = crate::baseline::Baseline::load(&file)
                .map_err(|e| fail(b.span(), "baseline", e))?;
            policy.baseline = Some(baseline);
        }
        Ok(policy)
    }

    /// `--fail-on` given on the command line wins over the file.
    pub fn set_fail_on(&mut self, s: Severity) {
        self.fail_on = s;
        self.fail_on_from = "--fail-on".into();
    }

    pub fn set_baseline(&mut self, b: crate::baseline::Baseline) {
        self.baseline = Some(b);
    }

    /// Decide one finding of a target.
    pub fn judge(&self, t: &TargetReport, f: &Finding) -> PolicyVerdict {
        let verdict =
            |fails: bool, by: &'static str, reason: String| PolicyVerdict { fails, by, reason };
        if let Some(ex) = self.exceptions.iter().find(|ex| ex.covers(t, f)) {
            return verdict(
                false,
                "exception",
                format!("exception for {} ({}): {}", ex.name, ex.at, ex.reason),
            );
        }
        if let Some(b) = &self.baseline {
            if b.contains(&f.fingerprint) {
                return verdict(
                    false,
                    "baseline",
                    format!("accepted in {}", b.path.display()),
                );
            }
        }
        if let Some(why) = self.deny.matching(f, Match::Any) {
            return verdict(true, "deny", format!("denied: {why}"));
        }
        if let Some(why) = self.allow.matching(f, Match::All) {
            return verdict(false, "allow", format!("allowed: {why}"));
        }
        let fails = f.severity >= self.fail_on;
        let cmp = if fails { "at or above" } else { "below" };
        verdict(
            fails,
            "severity",
            format!(
                "{} is {cmp} fail-on {} ({})",
                f.severity.as_str(),
                self.fail_on.as_str(),
                self.fail_on_from
            ),
        )
    }

    /// Write a verdict into every finding, and into every incomplete coverage.
    pub fn apply(&self, report: &mut Report) {
        for t in &mut report.targets {
            if t.error.is_none() && !t.coverage.complete {
                let word = if self.incomplete_fails {
                    "fail"
                } else {
                    "warn"
                };
                let reason = format!(
                    "code the package runs was not analysed; incomplete = \"{word}\" ({})",
                    self.incomplete_from
                );
                t.coverage.policy = Some(PolicyVerdict {
                    fails: self.incomplete_fails,
                    by: "incomplete",
                    reason,
                });
            }
            let verdicts: Vec<PolicyVerdict> =
                t.findings.iter().map(|f| self.judge(t, f)).collect();
            for (f, v) in t.findings.iter_mut().zip(verdicts) {
                f.policy = Some(v);
            }
        }
    }
}

/// Deny entries match when any endpoint or country matches; allow entries only when all
/// do, so allowing `*.sentry.io` does not allow a send to Sentry and to an unknown host.
#[derive(Clone, Copy, PartialEq)]
enum Match {
    Any,
    All,
}

impl Lists {
    fn matching(&self, f: &Finding, how: Match) -> Option<String> {
        if let Some(e) = self.rules.iter().find(|e| e.value == f.rule) {
            return Some(format!("rule {} ({})", e.value, e.at));
        }
        if let Some(e) = self.categories.iter().find(|e| e.value == f.category) {
            return Some(format!("category {} ({})", e.value.as_str(), e.at));
        }
        let host_entry = |host: &str| self.endpoints.iter().find(|e| host_matches(&e.value, host));
        if let Some(e) = matching_all_or_any(&f.endpoints, how, |h| host_entry(h)) {
            return Some(format!("endpoint {} ({})", e.value, e.at));
        }
        let country_entry = |c: &str| {
            self.countries
                .iter()
                .find(|e| e.value == "*" || e.value == c)
        };
        if let Some(e) = matching_all_or_any(&f.countries, how, |c| country_entry(c)) {
            return Some(format!("country {} ({})", e.value, e.at));
        }
        None
    }
}

/// The entry that matched, when any item matches (`Any`) or every item matches (`All`,
/// never true of an empty list).
fn matching_all_or_any<'a, T>(
    items: &[String],
    how: Match,
    entry: impl Fn(&str) -> Option<&'a Entry<T>>,
) -> Option<&'a Entry<T>> {
    let mut found = None;
    for item in items {
        match (entry(item), how) {
            (Some(e), Match::Any) => return Some(e),
            (Some(e), Match::All) => found = found.or(Some(e)),
            (None, Match::All) => return None,
            (None, Match::Any) => {}
        }
    }
    found
}

/// `*` matches every host; `*.example.com` matches example.com and every name under it;
/// anything else matches that host only (case-insensitive).
fn host_matches(pattern: &str, host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    if pattern == "*" {
        return true;
    }
    match pattern.strip_prefix("*.") {
        Some(domain) => host == domain || host.ends_with(&format!(".{domain}")),
        None => host == pattern,
    }
}

impl Exception {
    fn covers(&self, t: &TargetReport, f: &Finding) -> bool {
        let name_ok = t.package.as_deref() == Some(self.name.as_str());
        let version_ok = self.version.is_none() || t.version.as_deref() == self.version.as_deref();
        let what_ok = (self.rules.is_empty() && self.categories.is_empty())
            || self.rules.contains(&f.rule)
            || self.categories.contains(&f.category);
        name_ok && version_ok && what_ok
    }
}

/// 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Policy, String> {
        Policy::parse(text, Path::new("telltale.toml"))
    }

    #[test]
    fn host_patterns() {
        assert!(host_matches("*.sentry.io", "o1.ingest.sentry.io"));
        assert!(host_matches("*.sentry.io", "sentry.io"));
        assert!(!host_matches("*.sentry.io", "notsentry.io"));
        assert!(host_matches("api.x.com", "API.x.com"));
        assert!(!host_matches("api.x.com", "v2.api.x.com"));
        assert!(host_matches("*", "anything"));
    }

    #[test]
    fn errors_name_the_key_and_the_line() {
        let e = parse("fail-on = \"high\"\n\n[deny]\nrules = [\"TT999\"]\n").unwrap_err();
        assert!(
            e.contains("telltale.toml:4") && e.contains("deny.rules") && e.contains("TT999"),
            "{e}"
        );
        let e = parse("fail-on = \"severe\"\n").unwrap_err();
        assert!(
            e.contains("telltale.toml:1") && e.contains("fail-on"),
            "{e}"
        );
        let e = parse("[allow]\ncountries = [\"XX\"]\n").unwrap_err();
        assert!(
            e.contains("telltale.toml:2") && e.contains("allow.countries"),
            "{e}"
        );
        let e = parse("[allow]\nhosts = [\"x\"]\n").unwrap_err();
        assert!(e.contains("line 2") && e.contains("hosts"), "{e}");
        let e = parse("[[exception]]\npackage = \"x\"\n").unwrap_err();
        assert!(e.contains("reason"), "{e}");
        let e = parse("[[exception]]\npackage = \"x\"\nreason = \"  \"\n").unwrap_err();
        assert!(
            e.contains("telltale.toml:3") && e.contains("exception.reason"),
            "{e}"
        );
        let e = parse("[deny]\nendpoints = [\"https://x.com/a\"]\n").unwrap_err();
        assert!(e.contains("deny.endpoints"), "{e}");
    }

    /// What a fleet's worker reads back decides as the watcher's policy did, with no file
    /// of the watcher's machine to read.
    #[test]
    fn a_portable_policy_decides_as_the_original() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("accepted.json"),
            r#"{"telltale_baseline":1,"created_by":"t","findings":[{"fingerprint":"abc:1"}]}"#,
        )
        .unwrap();
        let file = dir.path().join("telltale.toml");
        std::fs::write(
            &file,
            "baseline = \"accepted.json\"\n[deny]\ncategories = [\"region\"]\n[watch]\naspects = [\"region\", \"sends\"]\n",
        )
        .unwrap();
        let mut original = Policy::load(&file).unwrap();
        original.set_fail_on(Severity::Medium);
        let wire = serde_json::to_string(&original.portable()).unwrap();
        drop(dir); // the worker has none of these files
        let copy = Policy::from_portable(&serde_json::from_str(&wire).unwrap()).unwrap();
        assert_eq!(copy.watch_aspects, original.watch_aspects);
        assert_eq!(copy.fail_on, Severity::Medium);
        assert_eq!(copy.fail_on_from, "--fail-on");
        assert!(copy.baseline.as_ref().unwrap().contains("abc:1"));
        let denied = |p: &Policy| -> Vec<(Category, String)> {
            p.deny
                .categories
                .iter()
                .map(|e| (e.value, e.at.clone()))
                .collect()
        };
        assert_eq!(denied(&copy), denied(&original));
        assert_eq!(denied(&copy).len(), 1);
        assert_eq!(copy.path, original.path, "reasons name the watcher's file");
        // No file at all: the defaults.
        let none = Policy::from_portable(&PortablePolicy::default()).unwrap();
        assert_eq!(none.fail_on, Severity::High);
        assert!(Policy::from_portable(&PortablePolicy {
            fail_on: Some("severe".into()),
            ..PortablePolicy::default()
        })
        .is_err());
    }

    #[test]
    fn the_firewall_table_sets_its_modes_and_refuses_other_words() {
        assert_eq!(parse("").unwrap().firewall, FirewallPolicy::default());
        let p = parse("[firewall]\nmode = \"warn\"\non-error = \"warn\"\n").unwrap();
        assert!(p.firewall.warn_only && !p.firewall.block_on_error);
        let e = parse("[firewall]\nmode = \"ask\"\n").unwrap_err();
        assert!(
            e.contains("telltale.toml:2") && e.contains("firewall.mode") && e.contains("ask"),
            "{e}"
        );
        let e = parse("[firewall]\nmin-age = 3\n").unwrap_err();
        assert!(e.contains("min-age"), "{e}");
        let p = parse("[firewall]\nmin-release-age = \"3d\"\nscan-timeout = \"90s\"\n").unwrap();
        assert_eq!(
            p.firewall.min_release_age,
            Some(std::time::Duration::from_secs(3 * 86_400))
        );
        assert_eq!(p.firewall.scan_timeout, std::time::Duration::from_secs(90));
        let p = parse("[watch]\naspects = [\"region\", \"sends\"]\n").unwrap();
        assert_eq!(p.watch_aspects, Some(vec!["region".into(), "sends".into()]));
        let e = parse("[watch]\naspects = [\"vibes\"]\n").unwrap_err();
        assert!(
            e.contains("telltale.toml:2") && e.contains("watch.aspects"),
            "{e}"
        );
        let e = parse("[firewall]\nmin-release-age = \"soon\"\n").unwrap_err();
        assert!(
            e.contains("telltale.toml:2") && e.contains("firewall.min-release-age"),
            "{e}"
        );
    }

    #[test]
    fn incomplete_coverage_fails_unless_the_policy_says_warn() {
        let mut t = TargetReport::empty("x.tgz");
        t.coverage
            .add_unanalysed("package/bin/x › /snapshot/app.js", 10, "V8 bytecode");
        t.coverage.settle();
        let mut report = Report::new(vec![t]);
        Policy::default().apply(&mut report);
        assert_eq!(report.policy_failures(), 1);
        assert!(report.targets[0]
            .coverage
            .policy
            .as_ref()
            .unwrap()
            .reason
            .contains("incomplete = \"fail\" (default)"));
        let warn = parse("incomplete = \"warn\"\n").unwrap();
        warn.apply(&mut report);
        assert_eq!(report.policy_failures(), 0);
        assert!(report.targets[0]
            .coverage
            .policy
            .as_ref()
            .unwrap()
            .reason
            .contains("telltale.toml:1"));
        let e = parse("incomplete = \"ignore\"\n").unwrap_err();
        assert!(
            e.contains("telltale.toml:1") && e.contains("incomplete"),
            "{e}"
        );
    }

    #[test]
    fn scoped_package_exceptions_split_name_and_version() {
        let p = parse("[[exception]]\npackage = \"@scope/x@1.2.3\"\nreason = \"ok\"\n[[exception]]\npackage = \"@scope/y\"\nreason = \"ok\"\n").unwrap();
        assert_eq!(p.exceptions[0].name, "@scope/x");
        assert_eq!(p.exceptions[0].version.as_deref(), Some("1.2.3"));
        assert_eq!(p.exceptions[1].name, "@scope/y");
        assert_eq!(p.exceptions[1].version, None);
    }
}
