//! Credentials: secrets placed where a request carries its credentials (`Authorization`,
//! `x-api-key`, the `auth` option, `headers.set("Authorization", …)`), which the collector keeps
//! out of the data flow (`Analyzer::auth_values`).
//!
//! A secret in such a position authenticates the request: to the service it belongs to
//! (GITHUB_TOKEN to api.github.com, the ECS container token to 169.254.170.2) or to an address
//! the caller supplies, that is use, reported as a [`CredentialUseFact`]. The same position in
//! a request to a constant host the secret does not belong to is exfiltration dressed as a
//! header, and becomes a flow like any other.

use crate::{fspan, Analyzer};
use oxc_span::GetSpan;
use telltale_facts::{CredentialUseFact, FlowFact, SourceFact, Step};
use telltale_knowledge::credentials::{belongs_to, position_of};
use telltale_knowledge::js_api::js_api;

pub(crate) fn run(an: &mut Analyzer<'_>) {
    if an.auth_values.is_empty() {
        return;
    }
    let api = js_api();
    let mut uses = Vec::new();
    let mut flows = Vec::new();
    let mut reads = Vec::new();
    for &(value, key, at) in &an.auth_values {
        let atoms = an.atoms(value);
        let carried = an.resolve_kinds(&atoms).identity();
        if carried.is_empty() {
            continue;
        }
        // Read here, though kept out of the flow: the label still lists what is read.
        reads.extend(atoms.reads.iter().map(|(span, api, kind)| SourceFact {
            kind: *kind,
            api: api.to_string(),
            span: fspan(*span),
        }));
        let steps = an.steps_for(&atoms, carried);
        let secret = steps
            .first()
            .map(|s| s.what.strip_prefix("reads ").unwrap_or(&s.what).to_string())
            .unwrap_or_default();
        // The request the credentials are written into, when it is written around them.
        let request = an
            .calls
            .iter()
            .filter(|c| c.span.start <= at.start && at.end <= c.span.end)
            .filter_map(|c| {
                let path = c.path.as_deref()?;
                let kind = api.sink(path)?;
                Some((c, kind, path))
            })
            .min_by_key(|(c, ..)| c.span.end - c.span.start);
        let host = request.and_then(|(c, ..)| an.call_endpoint(c.args).map(|(h, _)| h));
        let foreign = host.as_deref().is_some_and(|h| !belongs_to(&secret, h));
        let mut steps = steps;
        steps.push(Step {
            span: fspan(at),
            what: format!("as the {}: {}", position_of(key), an.snippet(at)),
        });
        match (foreign, request) {
            (true, Some((call, kind, path))) => {
                steps.push(Step {
                    span: fspan(call.span),
                    what: format!("sent by {path}: {}", an.snippet(call.span)),
                });
                flows.push(FlowFact {
                    kinds: carried,
                    sink: kind,
                    sink_api: path.to_string(),
                    span: fspan(call.span),
                    endpoints: host.into_iter().collect(),
                    steps,
                    gated_by: vec![],
                    sent_before_check: false,
                    to_telemetry: false,
                });
            }
            _ => uses.push(CredentialUseFact {
                kinds: carried.as_credential(),
                secret: carried.credential_read(&secret),
                position: position_of(key),
                host,
                span: fspan(value.span()),
                steps,
            }),
        }
    }
    an.facts.sources.extend(reads);
    an.facts.flows.extend(flows);
    an.facts.credential_uses.extend(uses);
}
