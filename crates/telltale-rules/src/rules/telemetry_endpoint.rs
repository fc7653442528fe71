use crate::{declare_rule, Category, RawFinding, Rule, RuleMeta, Severity};
use std::collections::BTreeSet;
use telltale_facts::FileFacts;
use telltale_knowledge::vendors;

declare_rule! {
    /// ## What it detects
    /// The ingestion address of a known telemetry, analytics or error-reporting vendor
    /// (Google Analytics, Mixpanel, PostHog, Segment, Amplitude, Sentry, Statsig, Datadog,
    /// Application Insights / 1DS, …), naming the vendor and its owner.
    ///
    /// Also an address whose path says it takes telemetry whoever runs the host: the
    /// OpenTelemetry signal paths (`/v1/traces`, `/v1/metrics`, `/v1/logs`), event logging
    /// (`/api/event_logging/v2/batch`) and telemetry APIs (`/api/telemetry`), so a vendor's
    /// own first-party telemetry is found too; documentation pages are not, nor an address
    /// only mentioned in a message or help text ("events go to https://… unless you opt
    /// out") that no request goes to.
    ///
    /// ## Why it matters
    /// It answers "where does it send data". Disclosed telemetry is not an attack, so this is
    /// low on its own; what is sent and whether it can be turned off are separate findings.
    ///
    /// ## Example
    /// ```js
    /// const host = "api.mixpanel.com";
    /// ```
    TelemetryEndpoint { id: "TT301", name: "telemetry-endpoint", category: Category::Telemetry, severity: Severity::Low }
}

impl Rule for TelemetryEndpoint {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, f: &FileFacts, out: &mut Vec<RawFinding>) {
        let mut seen = BTreeSet::new();
        let table = f.holds_service_table();
        for e in &f.endpoints {
            let requested = f.requests.iter().any(|r| r.host == e.host);
            // A row of a table of services, or an address named in a message or help text,
            // is not where anything is sent unless a request goes there.
            if ((table && e.url.is_none()) || e.in_text) && !requested {
                continue;
            }
            let Some(intake) = vendors::telemetry_intake_of(&e.host, e.url.as_deref(), requested)
            else {
                continue;
            };
            if !seen.insert(e.host.clone()) {
                continue;
            }
            let mut r = RawFinding::new(
                &Self::META,
                e.span,
                format!("sends telemetry to {} ({})", e.host, intake.describe()),
            );
            r.endpoints.push(e.host.clone());
            r.evidence
                .push(e.url.clone().unwrap_or_else(|| e.host.clone()));
            out.push(r);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::fixture::{facts, run};
    use telltale_facts::{EndpointFact, Span};

    fn ep(host: &str) -> EndpointFact {
        EndpointFact {
            host: host.into(),
            url: None,
            span: Span::new(0, 1),
            encodings: vec![],
            provenance: String::new(),
            origin: None,
            in_text: false,
        }
    }

    #[test]
    fn an_address_only_mentioned_in_a_message_is_not_telemetry() {
        let mut f = facts();
        let mut e = ep("api.mixpanel.com");
        e.in_text = true;
        f.endpoints.push(e);
        assert!(run(&TelemetryEndpoint, &f).is_empty());
        f.requests.push(telltale_facts::RequestFact {
            host: "api.mixpanel.com".into(),
            api: "fetch".into(),
            span: Span::new(0, 1),
        });
        assert_eq!(run(&TelemetryEndpoint, &f).len(), 1);
    }

    #[test]
    fn a_telemetry_path_is_telemetry_whoever_runs_the_host() {
        let mut f = facts();
        let mut e = ep("ab.chatgpt.com");
        e.url = Some("https://ab.chatgpt.com/otlp/v1/metrics".into());
        f.endpoints.push(e);
        let mut e = ep("api.anthropic.com");
        e.url = Some("https://api.anthropic.com/v1/messages".into());
        f.endpoints.push(e);
        let out = run(&TelemetryEndpoint, &f);
        assert_eq!(out.len(), 1, "{out:?}");
        assert!(out[0].message.contains("OTLP"), "{}", out[0].message);
    }

    #[test]
    fn vendor_host_is_telemetry() {
        let mut f = facts();
        f.endpoints.push(ep("api.mixpanel.com"));
        let out = run(&TelemetryEndpoint, &f);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].endpoints, vec!["api.mixpanel.com"]);
    }

    /// `/track`, `/collect`, `/events/batch` are common words: event collection only on a
    /// host the code sends a request to.
    #[test]
    fn an_event_collection_path_is_telemetry_where_the_code_sends() {
        let mut f = facts();
        let mut e = ep("in.acme-tools.dev");
        e.url = Some("https://in.acme-tools.dev/v1/events/batch".into());
        f.endpoints.push(e);
        assert!(run(&TelemetryEndpoint, &f).is_empty());
        f.requests.push(telltale_facts::RequestFact {
            host: "in.acme-tools.dev".into(),
            api: "fetch".into(),
            span: Span::new(0, 1),
        });
        let out = run(&TelemetryEndpoint, &f);
        assert_eq!(out.len(), 1, "{out:?}");
        assert!(
            out[0].message.contains("event collection"),
            "{}",
            out[0].message
        );
    }

    #[test]
    fn docs_host_is_quiet() {
        let mut f = facts();
        f.endpoints.push(ep("github.com"));
        assert!(run(&TelemetryEndpoint, &f).is_empty());
    }
}
