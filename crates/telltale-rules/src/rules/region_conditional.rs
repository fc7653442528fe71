use crate::{declare_rule, Category, RawFinding, Rule, RuleMeta, Severity};
use telltale_facts::{DataKind, Effect, FileFacts, Kinds, THIS_VARIANT};

declare_rule! {
    /// ## What it detects
    /// Code that runs only for users in particular countries: a comparison of the time zone,
    /// locale, page host name or an IP-geolocation answer with constants that name countries
    /// (`Europe/Moscow`, `/^ru\b/`, `.by`, `"russia"`), together with what the guarded code
    /// does. The compared value must come from a region source through the data flow
    /// (variables, fields, calls and returns, other modules of the package): a constant that
    /// looks like a country or language code is never evidence by itself, and the finding's
    /// steps show the way from the source to the comparison. Countries are read from strings,
    /// arrays, sets, regexes, `switch` cases (a fall-through group counts as one) and negations.
    ///
    /// Region sources: the IANA zone (`Intl…resolvedOptions().timeZone`, `jstz`,
    /// `moment.tz.guess()`, `/etc/timezone`, the `/etc/localtime` link, `tzutil`), the zone's
    /// display name (`timeZoneName: "long"` → "China Standard Time"), `getTimezoneOffset()`
    /// where an offset names few countries (-480, -330, -540), the locale (`navigator.language(s)`,
    /// `Intl…locale`, `$LANG`/`$LC_*`, the Windows registry's international settings), the
    /// page's host, an IP-geolocation service's answer and its fields, and the country headers
    /// CDNs and edges add to requests (`cf-ipcountry`, `x-vercel-ip-country`,
    /// `cloudfront-viewer-country`, `x-appengine-country`, …); in Python `locale.getlocale()`,
    /// `time.tzname` and the like; in shell `$TZ`/`$LANG` tests and a geo-IP answer piped
    /// through `grep 'RU\|UA'` and tested with `-z`/`-n`. Geo cookies (`Cookies.get("country")`,
    /// `req.cookies.geo`) and settings named for the region (`$SLS_GEO_LOCATION`,
    /// `$APP_COUNTRY`; not `$AWS_REGION`, a cloud region) count too.
    ///
    /// A value that only its name says is the country (`countryCode`, where no region source
    /// was traced to it: a parameter filled by a caller the analysis does not see) compared
    /// with country codes is reported as info, its steps saying the source was not traced.
    ///
    /// Where the place is inferred from the network rather than read: a function named for a
    /// country that probes the network (`isChinaDomain(host)` timing an `http.get`, a failure
    /// counting as China; in Python `is_in_china()` pinging google.com or timing a
    /// request), or the winner of a race of requests compared with a host that serves
    /// one country (`Promise.race([ping(npmjs), ping(taobao)])`, then `=== taobao`). These, and
    /// settings, say where the user seems or says they are, so what they decide is at most low.
    ///
    /// Also reported, as info: a region predicate a module exports (`module.exports = tz ===
    /// "Asia/Shanghai"`, a detector package) — and wherever another module of the package
    /// branches on it, the branch is a finding of its own; a value chosen by region with no
    /// visible effect (`inChina ? "Chinese" : "English"`); a region variant fixed when the
    /// package was built (`const REGION = "global"` compared with `"cn"`, or the bundler's
    /// inlined `"global" === "cn"`), saying whether this build is that variant or the code is
    /// inert. Code that runs everywhere except in some countries is reported with `is not in`.
    /// With `--deps`, a package that branches on another package's detector
    /// (`require("@serverless/utils/is-in-china")`) is reported where it branches, its steps
    /// naming the other package's module.
    ///
    /// Severity follows what differs: the same message in another language (the other branch
    /// shows one too) is info; choosing a download mirror or API endpoint is low (both named
    /// when both are written); consent or analytics decided by a list of EU/EEA countries is
    /// low, and so is code that picks a privacy law by region (`return "GDPR"`); a message
    /// shown only in the region is medium; network, processes or UI sabotage
    /// are high; overwriting or deleting files is critical; no visible effect is info.
    ///
    /// ## Why it matters
    /// Software that behaves differently by region is how protestware and targeted profiling
    /// hide: the maintainers and most users never see it run. The `countries` field names who
    /// is targeted.
    ///
    /// ## Example
    /// ```js
    /// if (Intl.DateTimeFormat().resolvedOptions().timeZone === "Europe/Moscow") {
    ///   console.log("…");
    /// }
    /// ```
    RegionConditional { id: "TT201", name: "region-conditional", category: Category::Region, severity: Severity::Medium }
}

/// The rubric: what differs decides how bad it is. A choice decided by jurisdiction (consent,
/// analytics) is low unless the region's code also runs processes, sabotages the interface or
/// destroys files.
fn severity_of(effects: &[Effect]) -> Severity {
    let worst = effects
        .iter()
        .map(|e| match e {
            Effect::Localized => Severity::Info,
            Effect::Endpoint | Effect::Consent => Severity::Low,
            Effect::Message => Severity::Medium,
            Effect::Network | Effect::Exec | Effect::UiSabotage => Severity::High,
            Effect::Destructive => Severity::Critical,
        })
        .max()
        .unwrap_or(Severity::Info);
    let by_jurisdiction = effects.contains(&Effect::Consent)
        && !effects
            .iter()
            .any(|e| matches!(e, Effect::Exec | Effect::UiSabotage | Effect::Destructive));
    if by_jurisdiction {
        Severity::Low
    } else {
        worst
    }
}

impl Rule for RegionConditional {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, f: &FileFacts, out: &mut Vec<RawFinding>) {
        for g in &f.region_guards {
            if g.countries.is_empty() {
                continue;
            }
            let source: Vec<&str> = g.source.iter().map(|k| k.describe()).collect();
            let place = format!(
                "{} is {}in {}",
                source.join("/"),
                if g.outside { "not " } else { "" },
                g.countries.join(", ")
            );
            let (message, severity) = match &g.detector {
                // A module that answers the question for others: what branches on it is
                // reported where it branches.
                Some(name) => (
                    format!("region detector: answers whether the {place} (exported as {name})"),
                    Severity::Info,
                ),
                None => {
                    let does = if g.effects.is_empty() {
                        "changes behaviour".to_string()
                    } else {
                        g.effects
                            .iter()
                            .map(|e| e.describe())
                            .collect::<Vec<_>>()
                            .join(", ")
                    };
                    // A probe of the network or a setting tells where the user seems to be,
                    // not which country they are in: at most low.
                    let inferred = g
                        .source
                        .iter()
                        .all(|k| matches!(k, DataKind::NetworkProbe | DataKind::RegionSetting));
                    let severity = severity_of(&g.effects);
                    let message = if g.source == Kinds::of(DataKind::BuildVariant) {
                        // Chosen when the package was built, not where it runs.
                        format!(
                            "region variant fixed when the package was built: {does} only in the build for {} ({})",
                            g.countries.join(", "),
                            if g.is_this_build() == g.outside {
                                "inert in this build"
                            } else {
                                THIS_VARIANT
                            }
                        )
                    } else {
                        format!("{does} only when the {place}")
                    };
                    (
                        message,
                        // Only a name or a build constant: a lead to read, not evidence.
                        if g.is_hint() {
                            Severity::Info
                        } else if inferred {
                            severity.min(Severity::Low)
                        } else {
                            severity
                        },
                    )
                }
            };
            let mut r = RawFinding::new(&Self::META, g.span, message);
            r.severity = severity;
            r.countries = g.countries.clone();
            if g.constants.is_empty() {
                r.evidence.push(format!("asks {}", g.source_api));
            } else {
                r.evidence.push(format!(
                    "compares {} with {}",
                    g.source_api,
                    g.constants
                        .iter()
                        .take(8)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            r.evidence.extend(g.effect_apis.iter().cloned());
            r.steps = g.steps.clone();
            out.push(r);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::fixture::{facts, run};
    use telltale_facts::{DataKind, Kinds, RegionGuardFact, Span};

    fn guard(countries: &[&str], effects: Vec<Effect>) -> RegionGuardFact {
        RegionGuardFact {
            source: Kinds::of(DataKind::TimeZone),
            source_api: "Intl.DateTimeFormat().resolvedOptions().timeZone".into(),
            constants: vec!["Europe/Moscow".into()],
            countries: countries.iter().map(|c| c.to_string()).collect(),
            effects,
            effect_apis: vec![],
            span: Span::new(0, 1),
            guarded: Span::new(1, 2),
            outside: false,
            detector: None,
            steps: vec![],
        }
    }

    #[test]
    fn severity_follows_effect() {
        let mut f = facts();
        f.region_guards.push(guard(&["RU"], vec![Effect::Message]));
        f.region_guards.push(guard(
            &["RU", "BY"],
            vec![Effect::Message, Effect::Destructive],
        ));
        let out = run(&RegionConditional, &f);
        assert_eq!(out[0].severity, Severity::Medium);
        assert_eq!(out[1].severity, Severity::Critical);
        assert_eq!(out[1].countries, vec!["RU", "BY"]);
    }

    #[test]
    fn a_name_or_a_build_constant_is_info_whatever_the_code_does() {
        let mut f = facts();
        let mut named = guard(&["RU"], vec![Effect::Destructive]);
        named.source = Kinds::of(DataKind::NamedCountry);
        f.region_guards.push(named);
        let mut inert = guard(&["CN"], vec![Effect::Exec]);
        inert.source = Kinds::of(DataKind::BuildVariant);
        inert.steps = vec![telltale_facts::Step {
            span: Span::default(),
            what: "reads REGION = \"global\": this build is another variant".into(),
        }];
        f.region_guards.push(inert);
        let mut active = f.region_guards[1].clone();
        active.steps[0].what = format!("reads REGION = \"cn\": {THIS_VARIANT}");
        f.region_guards.push(active);
        let out = run(&RegionConditional, &f);
        assert!(out.iter().all(|r| r.severity == Severity::Info), "{out:?}");
        assert!(
            out[1].message.contains("inert in this build"),
            "{}",
            out[1].message
        );
        assert!(
            out[2].message.ends_with("(this build is that variant)"),
            "{}",
            out[2].message
        );
    }

    #[test]
    fn a_place_inferred_from_the_network_or_a_setting_is_at_most_low() {
        let mut f = facts();
        let mut probe = guard(&["CN"], vec![Effect::Exec]);
        probe.source = Kinds::of(DataKind::NetworkProbe);
        probe.constants.clear();
        f.region_guards.push(probe);
        let mut setting = guard(&["CN"], vec![Effect::Message]);
        setting.source = Kinds::of(DataKind::RegionSetting);
        f.region_guards.push(setting);
        // Observed region data beside a probe keeps its full weight.
        let mut both = guard(&["CN"], vec![Effect::Exec]);
        both.source = Kinds(DataKind::NetworkProbe.bit() | DataKind::TimeZone.bit());
        f.region_guards.push(both);
        let out = run(&RegionConditional, &f);
        let sev: Vec<Severity> = out.iter().map(|r| r.severity).collect();
        assert_eq!(sev, vec![Severity::Low, Severity::Low, Severity::High]);
        assert!(
            out[0].evidence[0].starts_with("asks "),
            "{:?}",
            out[0].evidence
        );
        assert!(
            out[0].message.contains("network position"),
            "{}",
            out[0].message
        );
    }

    #[test]
    fn rubric_mirror_consent_localized_outside_and_detector() {
        let mut f = facts();
        f.region_guards.push(guard(&["CN"], vec![Effect::Endpoint]));
        f.region_guards
            .push(guard(&["CN"], vec![Effect::Localized]));
        f.region_guards
            .push(guard(&["DE", "FR"], vec![Effect::Consent, Effect::Network]));
        f.region_guards
            .push(guard(&["DE", "FR"], vec![Effect::Consent, Effect::Exec]));
        let mut outside = guard(&["RU", "UA"], vec![Effect::Exec]);
        outside.outside = true;
        f.region_guards.push(outside);
        let mut detector = guard(&["CN"], vec![]);
        detector.detector = Some("isInChina".into());
        f.region_guards.push(detector);
        let out = run(&RegionConditional, &f);
        let sev: Vec<Severity> = out.iter().map(|r| r.severity).collect();
        assert_eq!(
            sev,
            vec![
                Severity::Low,
                Severity::Info,
                Severity::Low,
                Severity::High,
                Severity::High,
                Severity::Info
            ]
        );
        assert!(
            out[0].message.contains("chooses a different mirror"),
            "{}",
            out[0].message
        );
        assert!(
            out[4].message.contains("is not in RU, UA"),
            "{}",
            out[4].message
        );
        assert!(
            out[5].message.starts_with("region detector"),
            "{}",
            out[5].message
        );
    }

    #[test]
    fn guard_without_countries_is_quiet() {
        let mut f = facts();
        f.region_guards.push(guard(&[], vec![Effect::Message]));
        assert!(run(&RegionConditional, &f).is_empty());
    }
}
