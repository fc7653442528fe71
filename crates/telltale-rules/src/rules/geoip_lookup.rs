use crate::{declare_rule, Category, RawFinding, Rule, RuleMeta, Severity};
use std::collections::BTreeSet;
use telltale_facts::FileFacts;
use telltale_knowledge::vendors;

declare_rule! {
    /// ## What it detects
    /// A call to, or the address of, an IP-geolocation service that answers with the
    /// caller's country (ipinfo.io, ip-api.com, ipapi.co, api.ipgeolocation.io, ifconfig.co,
    /// …), whether written plainly or decoded from base64, hex or char codes.
    ///
    /// ## Why it matters
    /// Asking where the user is from their IP address is how code decides to treat users of
    /// one country differently (node-ipc's wiper did exactly this). Few libraries need it.
    ///
    /// ## Example
    /// ```js
    /// https.get("https://ipinfo.io/json", res => { /* res.country … */ });
    /// ```
    GeoipLookup { id: "TT202", name: "ip-geolocation-lookup", category: Category::Region, severity: Severity::Medium }
}

impl Rule for GeoipLookup {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, f: &FileFacts, out: &mut Vec<RawFinding>) {
        let mut seen = BTreeSet::new();
        for e in &f.endpoints {
            let Some(service) = vendors::geoip_service(&e.host) else { continue };
            if !service.returns_country || !seen.insert(e.host.clone()) {
                continue;
            }
            let hidden = if e.encodings.is_empty() { String::new() } else { format!(" (hidden with {})", e.encodings.join(" → ")) };
            let mut r = RawFinding::new(&Self::META, e.span, format!("looks up the user's location with {} ({}){hidden}", e.host, service.name));
            r.endpoints.push(e.host.clone());
            r.evidence.push(e.url.clone().unwrap_or_else(|| e.host.clone()));
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
        EndpointFact { host: host.into(), url: None, span: Span::new(0, 1), encodings: vec![], provenance: String::new(), origin: None }
    }

    #[test]
    fn geoip_service_is_reported_once() {
        let mut f = facts();
        f.endpoints.push(ep("ipinfo.io"));
        f.endpoints.push(ep("ipinfo.io"));
        assert_eq!(run(&GeoipLookup, &f).len(), 1);
    }

    #[test]
    fn ordinary_host_is_quiet() {
        let mut f = facts();
        f.endpoints.push(ep("registry.npmjs.org"));
        assert!(run(&GeoipLookup, &f).is_empty());
    }
}
