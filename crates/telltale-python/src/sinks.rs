//! Pass 3: the calls that matter after the fixpoint. Identity or region data reaching an HTTP
//! request, a socket, a DNS lookup (data in the name: `socket.gethostbyname(f"{h}.x.top")`)
//! or a command that sends it (through the shell front end); code from the network run by
//! `exec`/`eval`/`compile`; constant code run that way (analysed as a nested source); and
//! values hidden by an encoding, with the endpoints they name.

use crate::value::Const;
use crate::{span_of, Analyzer, Binding, Call, ScopeId};
use ruff_python_ast::{self as ast, Expr};
use ruff_text_size::{Ranged, TextRange};
use telltale_facts::{
    DataKind, DynamicCodeFact, EndpointFact, FlowFact, Kinds, ObfuscationFact, RequestFact,
    SinkKind, SourceFact, Step,
};
use telltale_knowledge::{credentials, py_api::py_api, strings};

/// The first argument of `requests.request("POST", url)` and kin is a method, not the URL.
const HTTP_METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/// Identity and region data: what a flow reports. The OS release alone identifies nobody
/// (user agents carry it to every server): it is reported only next to other identity.
fn carried(k: Kinds) -> Kinds {
    let identity = match k.identity() {
        i if i == Kinds::of(DataKind::OsRelease) => Kinds::EMPTY,
        i => i,
    };
    Kinds(identity.0 | k.region().0)
}

/// A URL written as text around values: the literal pieces (one more than the values) and
/// the values, of an f-string or a `+` chain (`"https://u:" + token + "@host/"`).
pub(crate) fn url_pieces(e: &Expr) -> Option<(Vec<String>, Vec<&Expr>)> {
    let mut literals = vec![String::new()];
    let mut values = Vec::new();
    match e {
        Expr::FString(f) => {
            for el in f.value.elements() {
                match el {
                    ast::InterpolatedStringElement::Literal(l) => {
                        literals.last_mut().expect("never empty").push_str(&l.value)
                    }
                    ast::InterpolatedStringElement::Interpolation(i) => {
                        values.push(&*i.expression);
                        literals.push(String::new());
                    }
                }
            }
        }
        Expr::BinOp(b) if b.op == ast::Operator::Add => {
            let mut terms = Vec::new();
            let mut left = e;
            while let Expr::BinOp(b) = left {
                if b.op != ast::Operator::Add {
                    break;
                }
                terms.push(&*b.right);
                left = &b.left;
            }
            terms.push(left);
            terms.reverse();
            for t in terms {
                match t {
                    Expr::StringLiteral(s) => literals
                        .last_mut()
                        .expect("never empty")
                        .push_str(s.value.to_str()),
                    other => {
                        values.push(other);
                        literals.push(String::new());
                    }
                }
            }
        }
        _ => return None,
    }
    if values.is_empty() {
        return None;
    }
    Some((literals, values))
}

pub(crate) fn kw<'a>(c: &'a ast::ExprCall, name: &str) -> Option<&'a Expr> {
    c.arguments
        .keywords
        .iter()
        .find(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == name))
        .map(|k| &k.value)
}

impl<'a> Analyzer<'a> {
    /// The host (and URL) a network call contacts, where it can be known statically.
    pub(crate) fn call_endpoint(
        &self,
        c: &'a ast::ExprCall,
        scope: ScopeId,
    ) -> Option<(String, Option<String>)> {
        self.call_endpoint_at(c, scope, 0)
    }

    fn call_endpoint_at(
        &self,
        c: &'a ast::ExprCall,
        scope: ScopeId,
        depth: u32,
    ) -> Option<(String, Option<String>)> {
        if depth > 4 {
            return None;
        }
        let args = &c.arguments.args;
        let first_is_method = args
            .first()
            .and_then(|a| self.value_of(a, scope))
            .and_then(|v| v.text())
            .is_some_and(|t| HTTP_METHODS.contains(&t.to_ascii_uppercase().as_str()));
        let url = kw(c, "url")
            .or_else(|| kw(c, "host"))
            .or_else(|| args.get(usize::from(first_is_method)));
        if let Some(u) = url {
            let u = match u {
                Expr::Tuple(t) => t.elts.first()?,
                other => other,
            };
            if let Some(found) = self.endpoint_of_value(u, scope, depth) {
                return Some(found);
            }
        }
        // A method of a handle: where the handle was opened or connected.
        let Expr::Attribute(a) = &*c.func else {
            return None;
        };
        let (opened, s) = self.opened_by_call(&a.value, scope)?;
        if let Some(found) = self
            .call_endpoint_at(opened, s, depth + 1)
            .filter(|_| !opened.arguments.args.is_empty() || kw(opened, "host").is_some())
        {
            return Some(found);
        }
        let var = self.var_of(&a.value, scope)?;
        self.calls.iter().find_map(|other| {
            let Expr::Attribute(m) = &*other.call.func else {
                return None;
            };
            if !matches!(m.attr.as_str(), "connect" | "connect_ex")
                || self.var_of(&m.value, other.scope) != Some(var)
            {
                return None;
            }
            self.call_endpoint_at(other.call, other.scope, depth + 1)
        })
    }

    /// The host a URL or host value names: its text, its constant start, or the request object
    /// it was built into (`urlopen(Request(url))`).
    fn endpoint_of_value(
        &self,
        u: &'a Expr,
        scope: ScopeId,
        depth: u32,
    ) -> Option<(String, Option<String>)> {
        if let Some(text) = self.value_of(u, scope).and_then(|v| v.text()) {
            if let Some((url, host)) = strings::urls(&text).into_iter().next() {
                return Some((host, Some(url)));
            }
            let host = text
                .rsplit_once(':')
                .map(|(h, p)| {
                    if p.bytes().all(|b| b.is_ascii_digit()) {
                        h
                    } else {
                        text.as_str()
                    }
                })
                .unwrap_or(&text)
                .to_ascii_lowercase();
            return strings::is_host(&host).then_some((host, None));
        }
        if let Some(host) = strings::constant_host(&self.shape_of(u, scope)) {
            return Some((host, None));
        }
        let (opened, s) = self.opened_by_call(u, scope)?;
        self.call_endpoint_at(opened, s, depth + 1)
    }

    /// The call that made the object `e` names (`req = Request(url)`, `s = socket.socket()`).
    pub(crate) fn opened_by_call(
        &self,
        e: &'a Expr,
        scope: ScopeId,
    ) -> Option<(&'a ast::ExprCall, ScopeId)> {
        match e {
            Expr::Call(c) => Some((c, scope)),
            _ => {
                let var = self.var_of(e, scope)?;
                self.bindings_of(var).iter().find_map(|b| match b {
                    Binding::Assign {
                        value: Expr::Call(c),
                        scope: s,
                        ..
                    } => Some((c, *s)),
                    _ => None,
                })
            }
        }
    }
}

struct Found {
    flows: Vec<FlowFact>,
    dynamic: Vec<DynamicCodeFact>,
    obfuscations: Vec<ObfuscationFact>,
    endpoints: Vec<EndpointFact>,
    requests: Vec<RequestFact>,
    sources: Vec<SourceFact>,
    /// Ranges already reported as decoded, with the text: inner decodings of the same value
    /// (`b64decode(x)` inside `b64decode(x).decode()`) are not reported again.
    decoded: Vec<(TextRange, String)>,
}

pub(crate) fn run(an: &mut Analyzer<'_>) {
    an.persisted_ids = crate::ids::persisted_ids(an);
    let mut found = Found {
        flows: vec![],
        dynamic: vec![],
        obfuscations: vec![],
        endpoints: vec![],
        requests: vec![],
        sources: vec![],
        decoded: vec![],
    };
    let mut nested = Vec::new();
    {
        let a: &Analyzer<'_> = an;
        for call in &a.calls {
            scan_call(a, call, &mut found, &mut nested);
        }
        for &(e, scope) in &a.assembled {
            if let Some(v) = a.value_of(e, scope) {
                report_decoded(&v, e.range(), &mut found);
            }
        }
        // What `acc += f(x)` loops over constants build, after the loop.
        for (var, bindings) in &a.bindings {
            for b in bindings {
                if let (
                    crate::Var::Name(scope, _),
                    Binding::Aug {
                        in_for: Some(f), ..
                    },
                ) = (var, b)
                {
                    if let Some(v) = a.var_value(*var, *scope, f.end(), 0) {
                        report_decoded(&v, f.range, &mut found);
                    }
                }
            }
        }
    }
    an.facts.flows.extend(found.flows);
    an.facts.dynamic_code.extend(found.dynamic);
    an.facts.obfuscations.extend(found.obfuscations);
    an.facts.endpoints.extend(found.endpoints);
    an.facts.requests.extend(found.requests);
    an.facts.sources.extend(found.sources);
    an.nested_code = nested;
}

fn scan_call<'a>(
    an: &Analyzer<'a>,
    call: &Call<'a>,
    found: &mut Found,
    nested: &mut Vec<crate::nested::Pending>,
) {
    let api = py_api();
    let (c, scope) = (call.call, call.scope);
    let path = an.path_of(&c.func, scope);
    let p = path.as_deref().unwrap_or("");
    let sink = api.sink(p).or_else(|| api.handle_sink(p));
    match sink {
        Some(SinkKind::Dns) => dns_flow(an, c, scope, p, found),
        Some(kind) => {
            if let Some((host, _)) = an.call_endpoint(c, scope) {
                found.requests.push(RequestFact {
                    host,
                    api: p.to_string(),
                    span: span_of(c.range()),
                });
            }
            send_flow(an, c, scope, p, kind, found)
        }
        None => {}
    }
    if api.exec_style(p).is_some() {
        command_facts(an, c, scope, p, found);
    }
    if api.is_dynamic_code(p) {
        if let Some(code) = c.arguments.args.first() {
            let atoms = an.atoms(code, scope);
            if an.resolve_kinds(&atoms).contains(DataKind::NetworkResponse) {
                let mut steps = an.steps_for(&atoms, Kinds::of(DataKind::NetworkResponse));
                steps.push(Step {
                    span: span_of(c.range()),
                    what: format!("run as code by {p}: {}", an.snippet(c.range())),
                });
                found.dynamic.push(DynamicCodeFact {
                    api: p.to_string(),
                    from_network: true,
                    span: span_of(c.range()),
                    steps,
                });
            } else if let Some(v) = an.value_of(code, scope) {
                if let Some(text) = v.text() {
                    nested.push(crate::nested::Pending {
                        code: text,
                        encodings: v.enc.iter().map(|e| e.to_string()).collect(),
                        api: p.to_string(),
                        span: c.range(),
                    });
                }
            }
        }
    }
    // Values hidden by an encoding.
    let decodes = api.decoder(p).is_some()
        || matches!(
            p,
            "codecs.decode" | "codecs.encode" | "bytes" | "bytearray" | "map" | "reversed"
        )
        || matches!(&*c.func, Expr::Attribute(m) if matches!(m.attr.as_str(), "decode" | "join"))
        || an.local_callee(&c.func, scope).is_some();
    if decodes {
        if let Some(v) = an.eval_call_value(c, scope) {
            report_decoded(&v, c.range(), found);
        }
    }
}

/// Data sent by an HTTP request, a socket or a WebSocket: every argument that is payload
/// (the URL, body, query, headers; not timeouts or TLS settings).
fn send_flow<'a>(
    an: &Analyzer<'a>,
    c: &'a ast::ExprCall,
    scope: ScopeId,
    p: &str,
    kind: SinkKind,
    found: &mut Found,
) {
    let api = py_api();
    let payload = c.arguments.args.iter().chain(
        c.arguments
            .keywords
            .iter()
            .filter(|k| {
                // `auth=` is the request's credentials, judged apart (`credentials`).
                k.arg
                    .as_ref()
                    .is_none_or(|a| !api.is_config_keyword(a.as_str()) && a.as_str() != "auth")
            })
            .map(|k| &k.value),
    );
    let mut kinds = Kinds::EMPTY;
    let mut steps = Vec::new();
    for a in payload {
        // A basic-auth URL's user information is its credentials, judged apart
        // (`credentials`); the rest of the URL is what it sends.
        let atoms = match url_pieces(a) {
            Some((literals, values)) if credentials::userinfo_values(&literals) > 0 => {
                let n = credentials::userinfo_values(&literals);
                an.atoms_of_all(&values[n..], scope)
            }
            _ => an.atoms(a, scope),
        };
        let all = an.resolve_kinds(&atoms);
        let generated = Kinds(all.0 & DataKind::GeneratedId.bit());
        let (k, kept) = crate::ids::settle(an, &atoms, carried(all).union(generated));
        if k.is_empty() {
            continue;
        }
        if steps.is_empty() {
            // Steps back to what was read (a generated id before it counts as kept).
            let mut read = k;
            if kept.is_some() {
                read.insert(DataKind::GeneratedId);
            }
            steps = an.steps_for(&atoms, read);
            if let Some(kept) = kept {
                steps.insert(steps.len().min(1), kept);
            }
        }
        kinds = kinds.union(k);
    }
    if kinds.is_empty() {
        return;
    }
    steps.push(Step {
        span: span_of(c.range()),
        what: format!("sent by {p}: {}", an.snippet(c.range())),
    });
    let endpoints = an
        .call_endpoint(c, scope)
        .map(|(h, _)| vec![h])
        .unwrap_or_default();
    // A request to this machine (`http://127.0.0.1:8080/…`) or the platform it runs on (the
    // pod's own record from its cluster's API server) sends nothing to anyone else.
    if kind != SinkKind::Dns
        && !endpoints.is_empty()
        && endpoints.iter().all(|h| strings::stays_on_platform(h))
    {
        return;
    }
    found.flows.push(FlowFact {
        kinds,
        sink: kind,
        sink_api: p.to_string(),
        span: span_of(c.range()),
        endpoints,
        steps,
        gated_by: vec![],
        sent_before_check: false,
        to_telemetry: false,
    });
}

/// Data in the name a DNS lookup resolves: the lookup itself carries it to the domain's
/// name server.
fn dns_flow<'a>(
    an: &Analyzer<'a>,
    c: &'a ast::ExprCall,
    scope: ScopeId,
    p: &str,
    found: &mut Found,
) {
    let Some(name) = kw(c, "host")
        .or_else(|| kw(c, "qname"))
        .or_else(|| c.arguments.args.first())
    else {
        return;
    };
    let name = match name {
        Expr::Tuple(t) => match t.elts.first() {
            Some(h) => h,
            None => return,
        },
        other => other,
    };
    let atoms = an.atoms(name, scope);
    let kinds = carried(an.resolve_kinds(&atoms)).identity();
    if kinds.is_empty() {
        return;
    }
    let Some(domain) = strings::dns_domain(&an.shape_of(name, scope)) else {
        return;
    };
    let mut steps = an.steps_for(&atoms, kinds);
    steps.push(Step {
        span: span_of(c.range()),
        what: format!("looked up by {p}: {}", an.snippet(c.range())),
    });
    found.flows.push(FlowFact {
        kinds,
        sink: SinkKind::Dns,
        sink_api: p.to_string(),
        span: span_of(c.range()),
        endpoints: vec![domain],
        steps,
        gated_by: vec![],
        sent_before_check: false,
        to_telemetry: false,
    });
}

/// A command line run by the program, analysed by the shell front end with the data of its
/// pieces: flows to network tools, code fetched and run, endpoints, the reads it makes.
fn command_facts<'a>(
    an: &Analyzer<'a>,
    c: &'a ast::ExprCall,
    scope: ScopeId,
    p: &str,
    found: &mut Found,
) {
    let Some((sa, cmd)) = an.command_analysis(c, scope) else {
        return;
    };
    for f in sa.flows {
        let kinds = carried(f.kinds);
        if kinds.is_empty() {
            continue;
        }
        // Steps in the Python code for the pieces that carry the data, else the shell's own.
        let mut steps = cmd
            .holes
            .iter()
            .map(|h| an.atoms(h, scope))
            .find(|a| an.resolve_kinds(a).0 & kinds.0 != 0)
            .map(|a| an.steps_for(&a, kinds))
            .unwrap_or_else(|| f.steps[..f.steps.len().saturating_sub(1)].to_vec());
        steps.push(Step {
            span: span_of(c.range()),
            what: format!(
                "sent by {} run with {p}: {}",
                f.sink_api,
                an.snippet(c.range())
            ),
        });
        let sink = if f.sink == SinkKind::Dns {
            SinkKind::Dns
        } else {
            SinkKind::NetworkCommand
        };
        found.flows.push(FlowFact {
            kinds,
            sink,
            sink_api: format!("{p} → {}", f.sink_api),
            span: span_of(c.range()),
            endpoints: f.endpoints,
            steps,
            gated_by: vec![],
            sent_before_check: false,
            to_telemetry: false,
        });
    }
    for d in sa.dynamic_code {
        found.dynamic.push(DynamicCodeFact {
            api: format!("{p} → {}", d.api),
            ..d
        });
    }
    // A command's addresses are what the command (curl, wget, nc) contacts.
    found
        .requests
        .extend(sa.endpoints.iter().map(|e| RequestFact {
            host: e.host.clone(),
            api: format!("{p} (command)"),
            span: e.span,
        }));
    found.endpoints.extend(sa.endpoints);
    found
        .sources
        .extend(sa.sources.into_iter().map(|s| SourceFact {
            api: format!("{p}({})", cmd.shape),
            ..s
        }));
}

/// A value that was hidden by an encoding: an obfuscation fact when it is worth one, and the
/// endpoints it names.
fn report_decoded(v: &Const, r: TextRange, found: &mut Found) {
    if v.enc.is_empty() {
        return;
    }
    let Some(text) = v.text() else { return };
    if found
        .decoded
        .iter()
        .any(|(o, t)| o.contains_range(r) && *t == text)
    {
        return;
    }
    // Text that reads as text (not a table of every byte) and names something worth a look.
    if strings::printable(text.as_bytes()).is_none()
        || !(strings::names_something(&text) || py_api().has_sensitive_word(&text))
    {
        return;
    }
    found.decoded.push((r, text.clone()));
    let encodings: Vec<String> = v.enc.iter().map(|s| s.to_string()).collect();
    for (host, url) in strings::decoded_endpoints(&text) {
        found.endpoints.push(EndpointFact {
            host,
            url,
            span: span_of(r),
            encodings: encodings.clone(),
            provenance: encodings.join(" → "),
            origin: None,
            in_text: false,
        });
    }
    found.obfuscations.push(ObfuscationFact {
        technique: encodings.join(" → "),
        decoded: text.chars().take(300).collect(),
        span: span_of(r),
        provenance: encodings.join(" → "),
        origin: None,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_names_with_data_and_a_domain() {
        assert_eq!(
            strings::dns_domain("*.*.lib.alcoadigital.com").as_deref(),
            Some("lib.alcoadigital.com")
        );
        assert_eq!(
            strings::dns_domain("v2_f.*.*.*.v2_e.x.oastify.com").as_deref(),
            Some("x.oastify.com")
        );
        assert_eq!(strings::dns_domain("*"), None);
        assert_eq!(strings::dns_domain("*local"), None);
    }
}
