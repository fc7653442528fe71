//! Credentials: secrets placed where a request carries its credentials (a dict entry under
//! `Authorization` or `x-api-key`, `headers["Authorization"] = v`, the `auth=` argument of
//! `requests`), which the collector keeps out of the data flow (`Analyzer::auth_values`).
//!
//! A secret in such a position authenticates the request: to the service it belongs to
//! (`GITHUB_TOKEN` to api.github.com) or to an address the caller supplies, that is use,
//! reported as a [`CredentialUseFact`]. The same position in a request to a constant host the
//! secret does not belong to is exfiltration dressed as a header, and becomes a flow like any
//! other. The JavaScript front end judges the same way (`telltale-js/src/credentials.rs`).

use crate::sinks::kw;
use crate::{span_of, Analyzer, Binding, Call, ScopeId, Var};
use ruff_python_ast::{self as ast, Expr};
use ruff_text_size::{Ranged, TextRange};
use telltale_facts::{CredentialUseFact, FlowFact, SinkKind, Step};
use telltale_knowledge::credentials::{self, belongs_to, position_of};
use telltale_knowledge::py_api::py_api;

/// One credential to judge: its value, position, and the requests that carry it.
struct Placed<'a> {
    value: &'a Expr,
    key: &'a str,
    at: TextRange,
    scope: ScopeId,
    requests: Vec<(&'a ast::ExprCall, ScopeId, SinkKind, String)>,
}

/// The request a call makes, if it sends: its kind and API path. DNS lookups carry no
/// credentials.
fn sink_of<'a>(an: &Analyzer<'a>, c: &Call<'a>) -> Option<(SinkKind, String)> {
    let api = py_api();
    let path = an.path_of(&c.call.func, c.scope)?;
    let kind = api.sink(&path).or_else(|| api.handle_sink(&path))?;
    (kind != SinkKind::Dns).then(|| (kind, path.to_string()))
}

pub(crate) fn run(an: &mut Analyzer<'_>) {
    let (uses, flows) = judge(an);
    an.facts.flows.extend(flows);
    an.facts.credential_uses.extend(uses);
}

fn judge<'a>(an: &Analyzer<'a>) -> (Vec<CredentialUseFact>, Vec<FlowFact>) {
    let mut placed: Vec<Placed<'a>> = Vec::new();
    // `requests.get(f"https://oauth2:{token}@gitlab.com/…")`: basic auth in the URL.
    for c in &an.calls {
        let Some(url) = c.call.arguments.args.first().or_else(|| kw(c.call, "url")) else {
            continue;
        };
        let Some((literals, values)) = crate::sinks::url_pieces(url) else {
            continue;
        };
        let n = credentials::userinfo_values(&literals);
        if n == 0 {
            continue;
        }
        if let Some((kind, path)) = sink_of(an, c) {
            for value in &values[..n] {
                placed.push(Placed {
                    value,
                    key: credentials::URL_USERINFO,
                    at: url.range(),
                    scope: c.scope,
                    requests: vec![(c.call, c.scope, kind, path.clone())],
                });
            }
        }
    }
    // `requests.get(url, auth=(user, token))`.
    for c in &an.calls {
        let Some(value) = kw(c.call, "auth") else {
            continue;
        };
        if crate::collect::carries_nothing(value) {
            continue;
        }
        if let Some((kind, path)) = sink_of(an, c) {
            placed.push(Placed {
                value,
                key: "auth",
                at: value.range(),
                scope: c.scope,
                requests: vec![(c.call, c.scope, kind, path)],
            });
        }
    }
    for av in &an.auth_values {
        // The request written around it, else the requests that pass the object it is in.
        let enclosing = an
            .calls
            .iter()
            .filter(|c| c.call.range().contains_range(av.at))
            .filter_map(|c| sink_of(an, c).map(|s| (c, s)))
            .min_by_key(|(c, _)| c.call.range().len());
        let requests = match enclosing {
            Some((c, (kind, path))) => vec![(c.call, c.scope, kind, path)],
            None => match holder_of(an, av) {
                Some(var) => an
                    .calls
                    .iter()
                    .filter(|c| {
                        c.call
                            .arguments
                            .args
                            .iter()
                            .chain(c.call.arguments.keywords.iter().map(|k| &k.value))
                            .any(|a| an.var_of(a, c.scope) == Some(var))
                    })
                    .filter_map(|c| sink_of(an, c).map(|(k, p)| (c.call, c.scope, k, p)))
                    .collect(),
                None => vec![],
            },
        };
        placed.push(Placed {
            value: av.value,
            key: av.key,
            at: av.at,
            scope: av.scope,
            requests,
        });
    }
    let mut uses = Vec::new();
    let mut flows = Vec::new();
    for p in placed {
        let atoms = an.atoms(p.value, p.scope);
        let carried = an.resolve_kinds(&atoms).identity();
        if carried.is_empty() {
            continue;
        }
        let mut steps = an.steps_for(&atoms, carried);
        let secret = steps
            .first()
            .map(|s| s.what.strip_prefix("reads ").unwrap_or(&s.what).to_string())
            .unwrap_or_default();
        steps.push(Step {
            span: span_of(p.at),
            what: format!("as the {}: {}", position_of(p.key), an.snippet(p.at)),
        });
        let mut host = None;
        let mut foreign = Vec::new();
        for (call, scope, kind, path) in &p.requests {
            let h = an.call_endpoint(call, *scope).map(|(h, _)| h);
            match h {
                Some(h) if !belongs_to(&secret, &h) => foreign.push((call, *kind, path, h)),
                Some(h) => host = host.or(Some(h)),
                None => {}
            }
        }
        if foreign.is_empty() {
            uses.push(CredentialUseFact {
                kinds: carried.as_credential(),
                secret: carried.credential_read(&secret),
                position: position_of(p.key),
                host,
                span: span_of(p.value.range()),
                steps,
            });
            continue;
        }
        for (call, kind, path, h) in foreign {
            let mut steps = steps.clone();
            steps.push(Step {
                span: span_of(call.range()),
                what: format!("sent by {path}: {}", an.snippet(call.range())),
            });
            flows.push(FlowFact {
                kinds: carried,
                sink: kind,
                sink_api: path.clone(),
                span: span_of(call.range()),
                endpoints: vec![h],
                steps,
                gated_by: vec![],
                sent_before_check: false,
                to_telemetry: false,
            });
        }
    }
    (uses, flows)
}

/// The variable that holds the credentials' object: `headers` of `headers["k"] = v`, or the
/// name a dict literal holding the entry is assigned to (`headers = {"Authorization": …}`).
fn holder_of<'a>(an: &Analyzer<'a>, av: &crate::AuthValue<'a>) -> Option<Var<'a>> {
    if let Some(h) = av.holder {
        return an.var_of(h, av.scope);
    }
    an.bindings.iter().find_map(|(var, bs)| {
        bs.iter()
            .any(|b| {
                matches!(b, Binding::Assign { value: v @ Expr::Dict(_), .. }
                    if v.range().contains_range(av.at))
            })
            .then_some(*var)
    })
}
