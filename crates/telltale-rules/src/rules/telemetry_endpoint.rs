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
        for e in &f.endpoints {
            let Some(v) = vendors::telemetry_vendor_for_host(&e.host) else {
                continue;
            };
            if !seen.insert(e.host.clone()) {
                continue;
            }
            let mut r = RawFinding::new(
                &Self::META,
                e.span,
                format!("sends telemetry to {} ({}, {})", e.host, v.name, v.owner),
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
        }
    }

    #[test]
    fn vendor_host_is_telemetry() {
        let mut f = facts();
        f.endpoints.push(ep("api.mixpanel.com"));
        let out = run(&TelemetryEndpoint, &f);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].endpoints, vec!["api.mixpanel.com"]);
    }

    #[test]
    fn docs_host_is_quiet() {
        let mut f = facts();
        f.endpoints.push(ep("github.com"));
        assert!(run(&TelemetryEndpoint, &f).is_empty());
    }
}
