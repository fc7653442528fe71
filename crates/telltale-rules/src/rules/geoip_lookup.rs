use crate::{declare_rule, Category, RawFinding, Rule, RuleMeta, Severity};
use std::collections::BTreeSet;
use telltale_facts::FileFacts;
use telltale_knowledge::vendors;

declare_rule! {
    /// ## What it detects
    /// A request to an IP-geolocation service that answers with the caller's country
    /// (ipinfo.io, ip-api.com, ipapi.co, api.ipgeolocation.io, ifconfig.co, …): medium when
    /// the code requests it (`fetch`, `https.get`, `requests.get`, `curl` in a script or a
    /// command) or hides its address (base64, hex, char codes); low when a native binary names
    /// it (what it does with it cannot be followed); info when the address is only named in
    /// data (a table of services, a list of domains) with no request to it.
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
            let Some(service) = vendors::geoip_service(&e.host) else {
                continue;
            };
            if !service.returns_country || !seen.insert(e.host.clone()) {
                continue;
            }
            let request = f
                .requests
                .iter()
                .find(|r| r.host.eq_ignore_ascii_case(&e.host));
            let hidden = if e.encodings.is_empty() {
                String::new()
            } else {
                format!(" (hidden with {})", e.encodings.join(" → "))
            };
            let (severity, message) = match (request, e.encodings.is_empty(), f.native) {
                (Some(r), _, _) => (Severity::Medium, format!("looks up the user's location with {} ({}) by {}{hidden}", e.host, service.name, r.api)),
                (None, false, _) => (Severity::Medium, format!("hides the address of {} ({}){hidden}", e.host, service.name)),
                (None, true, true) => (Severity::Low, format!("names {} ({}) in the executable's strings; what it does with it cannot be followed", e.host, service.name)),
                (None, true, false) => (Severity::Info, format!("names {} ({}) but no request to it was found (a table of services, a list of domains)", e.host, service.name)),
            };
            let span = request.map_or(e.span, |r| r.span);
            let mut r = RawFinding::new(&Self::META, span, message);
            r.severity = severity;
            r.endpoints.push(e.host.clone());
            r.evidence
                .push(e.url.clone().unwrap_or_else(|| e.host.clone()));
            out.push(r);
        }
        // Requests to a service whose address was built where no literal names it.
        for req in &f.requests {
            let Some(service) = vendors::geoip_service(&req.host) else {
                continue;
            };
            if !service.returns_country || !seen.insert(req.host.clone()) {
                continue;
            }
            let mut r = RawFinding::new(
                &Self::META,
                req.span,
                format!(
                    "looks up the user's location with {} ({}) by {}",
                    req.host, service.name, req.api
                ),
            );
            r.endpoints.push(req.host.clone());
            r.evidence.push(req.host.clone());
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
    fn geoip_service_is_reported_once() {
        let mut f = facts();
        f.endpoints.push(ep("ipinfo.io"));
        f.endpoints.push(ep("ipinfo.io"));
        assert_eq!(run(&GeoipLookup, &f).len(), 1);
    }

    #[test]
    fn a_request_is_a_lookup_a_name_in_data_is_not() {
        let mut f = facts();
        f.endpoints.push(ep("ipinfo.io"));
        assert_eq!(
            run(&GeoipLookup, &f)[0].severity,
            Severity::Info,
            "named in a table of services"
        );
        f.requests.push(telltale_facts::RequestFact {
            host: "ipinfo.io".into(),
            api: "fetch".into(),
            span: Span::new(5, 9),
        });
        let out = run(&GeoipLookup, &f);
        assert_eq!((out.len(), out[0].severity), (1, Severity::Medium));
        assert!(out[0].message.contains("by fetch"), "{}", out[0].message);
        let mut hidden = facts();
        hidden.endpoints.push(EndpointFact {
            encodings: vec!["base64".into()],
            ..ep("ip-api.com")
        });
        assert_eq!(run(&GeoipLookup, &hidden)[0].severity, Severity::Medium);
        let mut native = facts();
        native.native = true;
        native.endpoints.push(ep("ipinfo.io"));
        assert_eq!(run(&GeoipLookup, &native)[0].severity, Severity::Low);
    }

    #[test]
    fn ordinary_host_is_quiet() {
        let mut f = facts();
        f.endpoints.push(ep("registry.npmjs.org"));
        assert!(run(&GeoipLookup, &f).is_empty());
    }
}
