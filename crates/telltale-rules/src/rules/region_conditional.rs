use crate::{declare_rule, Category, RawFinding, Rule, RuleMeta, Severity};
use telltale_facts::{Effect, FileFacts};

declare_rule! {
    /// ## What it detects
    /// Code that runs only for users in particular countries: a comparison of the time zone,
    /// locale, page host name or an IP-geolocation answer with constants that name countries
    /// (`Europe/Moscow`, `/^ru\b/`, `.by`, `"russia"`), together with what the guarded code
    /// does. Severity follows the effect: a message is medium; network, processes or UI
    /// sabotage are high; overwriting or deleting files is critical; no visible effect is info.
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

fn severity_of(effects: &[Effect]) -> Severity {
    match effects.iter().max() {
        None => Severity::Info,
        Some(Effect::Message) => Severity::Medium,
        Some(Effect::Network | Effect::Exec | Effect::UiSabotage) => Severity::High,
        Some(Effect::Destructive) => Severity::Critical,
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
            let does = if g.effects.is_empty() {
                "changes behaviour".to_string()
            } else {
                g.effects
                    .iter()
                    .map(|e| e.describe())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let source: Vec<&str> = g.source.iter().map(|k| k.describe()).collect();
            let mut r = RawFinding::new(
                &Self::META,
                g.span,
                format!(
                    "{} only when the {} is in {}",
                    does,
                    source.join("/"),
                    g.countries.join(", ")
                ),
            );
            r.severity = severity_of(&g.effects);
            r.countries = g.countries.clone();
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
    fn guard_without_countries_is_quiet() {
        let mut f = facts();
        f.region_guards.push(guard(&[], vec![Effect::Message]));
        assert!(run(&RegionConditional, &f).is_empty());
    }
}
