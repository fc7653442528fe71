use crate::{declare_rule, Category, RawFinding, Rule, RuleMeta, Severity};
use std::collections::BTreeSet;
use telltale_facts::FileFacts;

declare_rule! {
    /// ## What it detects
    /// A URL or host name that only appears after decoding: base64, hex, char codes, URI
    /// escapes, or a chain of them. The decoded address is in `endpoints` and the evidence,
    /// followed by where the encoded address is written (`base64 → literal at 3:1042`) when
    /// the front end located it.
    ///
    /// ## Why it matters
    /// Legitimate code has no reason to hide where it connects. Hiding the address defeats
    /// reviews and grep-based scanners; it is typical of malicious packages and concealed
    /// tracking.
    ///
    /// ## Example
    /// ```js
    /// https.get(Buffer.from("aHR0cHM6Ly9pcGluZm8uaW8=", "base64").toString());
    /// ```
    HiddenEndpoint { id: "TT303", name: "hidden-endpoint", category: Category::Endpoint, severity: Severity::Medium }
}

impl Rule for HiddenEndpoint {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, f: &FileFacts, out: &mut Vec<RawFinding>) {
        let mut seen = BTreeSet::new();
        for e in f.endpoints.iter().filter(|e| !e.encodings.is_empty()) {
            if !seen.insert(e.host.clone()) {
                continue;
            }
            let mut r = RawFinding::new(
                &Self::META,
                e.span,
                format!(
                    "connects to {} hidden with {}",
                    e.host,
                    e.encodings.join(" → ")
                ),
            );
            r.endpoints.push(e.host.clone());
            r.evidence
                .push(e.url.clone().unwrap_or_else(|| e.host.clone()));
            if !e.provenance.is_empty() {
                r.evidence.push(e.provenance.clone());
            }
            out.push(r);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::fixture::{facts, run};
    use telltale_facts::{EndpointFact, Span};

    #[test]
    fn decoded_endpoint_reported_plain_not() {
        let mut f = facts();
        f.endpoints.push(EndpointFact {
            host: "a.example".into(),
            url: None,
            span: Span::new(0, 1),
            encodings: vec![],
            provenance: String::new(),
            origin: None,
            in_text: false,
        });
        assert!(run(&HiddenEndpoint, &f).is_empty());
        f.endpoints.push(EndpointFact {
            host: "b.example".into(),
            url: None,
            span: Span::new(0, 1),
            encodings: vec!["base64".into()],
            provenance: String::new(),
            origin: None,
            in_text: false,
        });
        assert_eq!(run(&HiddenEndpoint, &f).len(), 1);
    }

    #[test]
    fn provenance_follows_the_address_in_evidence() {
        let mut f = facts();
        let provenance = "base64 → hex → literal at 3:9".to_string();
        f.endpoints.push(EndpointFact {
            host: "c.example".into(),
            url: Some("https://c.example/x".into()),
            span: Span::new(0, 1),
            encodings: vec!["base64".into(), "hex".into()],
            provenance: provenance.clone(),
            origin: Some(Span::new(40, 60)),
            in_text: false,
        });
        assert_eq!(
            run(&HiddenEndpoint, &f)[0].evidence,
            vec!["https://c.example/x".to_string(), provenance]
        );
    }
}
