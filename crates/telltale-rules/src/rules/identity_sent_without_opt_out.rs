use crate::{declare_rule, Category, RawFinding, Rule, RuleMeta, Severity};
use telltale_facts::FileFacts;

declare_rule! {
    /// ## What it detects
    /// Identity (host name, user name, machine id, environment, credentials, …) sent off the
    /// machine by code that no opt-out setting controls: no `DO_NOT_TRACK`, no product
    /// `*_TELEMETRY` variable, no `telemetry.*` configuration key is checked on the way. Also
    /// a send gated by such a check when the same data already left before the check runs
    /// (`track("start"); if (process.env.DO_NOT_TRACK) return; …`): the setting comes too late.
    ///
    /// ## Why it matters
    /// It answers "can I turn it off?" with no. A user or a platform team cannot stop this
    /// collection short of blocking the host or not running the tool; sent before the opt-out
    /// is read, the setting is decoration.
    ///
    /// ## Example
    /// ```js
    /// // no `if (process.env.DO_NOT_TRACK) return;` before it
    /// fetch("https://t.example.com/e", { method: "POST", body: os.hostname() });
    /// ```
    IdentitySentWithoutOptOut { id: "TT701", name: "identity-sent-without-opt-out", category: Category::Consent, severity: Severity::Low }
}

impl Rule for IdentitySentWithoutOptOut {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, f: &FileFacts, out: &mut Vec<RawFinding>) {
        // A flow sent before the check is not really gated.
        for flow in f
            .flows
            .iter()
            .filter(|fl| fl.gated_by.is_empty() || fl.sent_before_check)
        {
            let identity = flow.kinds.identity();
            if identity.is_empty() {
                continue;
            }
            let what: Vec<&str> = identity.iter().map(|k| k.describe()).collect();
            let when = if flow.sent_before_check {
                "before the opt-out check runs"
            } else {
                "with no opt-out checked"
            };
            let mut r = RawFinding::new(
                &Self::META,
                flow.span,
                format!("sends {} via {} {when}", what.join(", "), flow.sink_api),
            );
            r.evidence.push(format!("sink: {}", flow.sink_api));
            if flow.sent_before_check {
                r.evidence.push(if flow.gated_by.is_empty() {
                    "sent before an opt-out check in the same code path".to_string()
                } else {
                    format!(
                        "gated by {}, but the same data is sent before the check",
                        flow.gated_by.join(", ")
                    )
                });
            } else if !f.opt_outs.is_empty() {
                let settings: Vec<&str> = f.opt_outs.iter().map(|o| o.setting.as_str()).collect();
                r.evidence.push(format!(
                    "opt-outs checked elsewhere in the file: {}",
                    settings.join(", ")
                ));
            }
            r.endpoints = flow.endpoints.clone();
            out.push(r);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::fixture::{facts, run};
    use telltale_facts::{DataKind, FlowFact, Kinds, SinkKind, Span};

    fn flow(kind: DataKind, gated_by: Vec<String>) -> FlowFact {
        FlowFact {
            kinds: Kinds::of(kind),
            sink: SinkKind::Http,
            sink_api: "fetch".into(),
            span: Span::new(0, 1),
            endpoints: vec![],
            steps: vec![],
            gated_by,
            sent_before_check: false,
            to_telemetry: false,
        }
    }

    #[test]
    fn gated_flow_sent_before_the_check_fires() {
        let mut f = facts();
        f.flows.push(FlowFact {
            sent_before_check: true,
            to_telemetry: false,
            ..flow(DataKind::Hostname, vec!["DO_NOT_TRACK".into()])
        });
        let out = run(&IdentitySentWithoutOptOut, &f);
        assert_eq!(out.len(), 1);
        assert!(
            out[0].message.contains("before the opt-out check runs"),
            "{}",
            out[0].message
        );
        assert!(
            out[0]
                .evidence
                .iter()
                .any(|e| e.contains("gated by DO_NOT_TRACK, but")),
            "{:?}",
            out[0].evidence
        );
    }

    #[test]
    fn ungated_identity_flow_fires() {
        let mut f = facts();
        f.flows.push(flow(DataKind::Hostname, vec![]));
        let out = run(&IdentitySentWithoutOptOut, &f);
        assert_eq!(out.len(), 1);
        assert!(out[0].message.contains("host name"));
    }

    #[test]
    fn gated_or_region_only_flows_are_quiet() {
        let mut f = facts();
        f.flows
            .push(flow(DataKind::Hostname, vec!["DO_NOT_TRACK".into()]));
        f.flows.push(flow(DataKind::TimeZone, vec![]));
        assert!(run(&IdentitySentWithoutOptOut, &f).is_empty());
    }
}
