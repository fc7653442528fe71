use crate::{declare_rule, Category, RawFinding, Rule, RuleMeta, Severity};
use telltale_facts::FileFacts;

declare_rule! {
    /// ## What it detects
    /// A check of a setting that turns telemetry off — `DO_NOT_TRACK`, a product's variable
    /// from the toptout catalogue (`NEXT_TELEMETRY_DISABLED`, …), generic names
    /// (`*_TELEMETRY*`, `*DISABLE*TRACK*`, `*OPT_OUT*`, `*_NONESSENTIAL_TRAFFIC`), a
    /// `telemetry.*` configuration key, or a method or property that says whether telemetry
    /// is on (`config.getUsageStatisticsEnabled()`, `settings.telemetry.enabled`) — with how it
    /// is checked, what it controls, and what is sent before the check runs.
    ///
    /// ## Why it matters
    /// It is the evidence for "can I turn it off?": which variable to set, whether any value
    /// works (`presence`: even `DISABLE_TELEMETRY=0` disables) or only some (`value`), and which
    /// sends it stops. Informational.
    ///
    /// ## Example
    /// ```js
    /// if (process.env.DISABLE_TELEMETRY) return;
    /// client.track("start");
    /// ```
    /// In a native executable (Go, Rust) only the name is visible: such settings are
    /// reported as `named`.
    OptOutSetting { id: "TT702", name: "opt-out-setting", category: Category::Consent, severity: Severity::Info }
}

impl Rule for OptOutSetting {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, f: &FileFacts, out: &mut Vec<RawFinding>) {
        for o in &f.opt_outs {
            let check = match (o.check.as_str(), o.values.is_empty()) {
                ("named", _) => {
                    "named in a native executable's strings (how it is checked is not visible)"
                        .to_string()
                }
                (_, true) => "checked on presence (any value turns it off)".to_string(),
                (_, false) => format!("checked on value ({})", o.values.join(", ")),
            };
            let product = o
                .product
                .as_deref()
                .map(|p| format!(" ({p})"))
                .unwrap_or_default();
            let mut r = RawFinding::new(
                &Self::META,
                o.span,
                format!("opt-out {}{product} {check}", o.setting),
            );
            r.evidence.push(format!("{} ({})", o.setting, o.check));
            if o.gated_calls.is_empty() && o.check != "named" {
                r.evidence
                    .push("controls code with no send in sight".into());
            }
            r.evidence
                .extend(o.gated_calls.iter().map(|c| format!("gates {c}")));
            r.evidence.extend(
                o.sends_before_check
                    .iter()
                    .map(|c| format!("sent before the check: {c}")),
            );
            out.push(r);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::fixture::{facts, run};
    use telltale_facts::{OptOutFact, Span};

    #[test]
    fn each_opt_out_check_is_reported_with_what_it_gates() {
        let mut f = facts();
        f.opt_outs.push(OptOutFact {
            setting: "DISABLE_TELEMETRY".into(),
            product: None,
            check: "presence".into(),
            values: vec![],
            span: Span::new(0, 1),
            gates: vec![Span::new(2, 9)],
            gated_calls: vec!["https.request at byte 4".into()],
            sends_before_check: vec!["track at byte 0".into()],
        });
        let out = run(&OptOutSetting, &f);
        assert_eq!(out.len(), 1);
        assert!(out[0].message.contains("on presence"));
        assert!(out[0]
            .evidence
            .iter()
            .any(|e| e == "gates https.request at byte 4"));
        assert!(out[0]
            .evidence
            .iter()
            .any(|e| e == "sent before the check: track at byte 0"));
    }

    #[test]
    fn a_setting_named_in_a_native_binary_says_only_that() {
        let mut f = facts();
        f.opt_outs.push(OptOutFact {
            setting: "DO_NOT_TRACK".into(),
            check: "named".into(),
            span: Span::new(40, 52),
            ..Default::default()
        });
        let out = run(&OptOutSetting, &f);
        assert_eq!(out[0].message, "opt-out DO_NOT_TRACK named in a native executable's strings (how it is checked is not visible)");
        assert!(!out[0]
            .evidence
            .iter()
            .any(|e| e.contains("no send in sight")));
    }

    #[test]
    fn no_opt_out_no_finding() {
        assert!(run(&OptOutSetting, &facts()).is_empty());
    }
}
