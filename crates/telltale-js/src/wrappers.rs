//! Request wrappers: a function of the file that sends to a constant base joined with one of
//! its parameters (`function api(path, body) { return fetch(BASE + path, …) }`). Each call
//! that gives that parameter a constant (`api("/api/telemetry", event)`) names the whole
//! address, `https://api.vendor.com/api/telemetry`, so a vendor's own intake behind its API
//! client is judged by its path like any other (first-party telemetry, TT301) — decided by
//! the code that sends, not by the path string alone.

use crate::{fspan, Analyzer, Init};
use oxc_ast::ast::*;
use oxc_semantic::SymbolId;
use telltale_facts::EndpointFact;
use telltale_knowledge::{js_api::js_api, strings};

/// How the wrapper joins its base and the path it is given.
enum Join {
    /// `BASE + path`, `` `${BASE}${path}` ``: one string after the other.
    Concat,
    /// `new URL(path, BASE)`: resolved against the base.
    Resolve,
}

pub(crate) fn run(an: &mut Analyzer<'_>) {
    let api = js_api();
    let mut wrappers: Vec<(usize, usize, String, Join)> = Vec::new();
    for c in &an.calls {
        let (Some(f), Some(path)) = (c.func, c.path.as_deref()) else {
            continue;
        };
        if api.sink(path).is_none() {
            continue;
        }
        let Some(url) = c.args.first().and_then(|a| a.as_expression()) else {
            continue;
        };
        let Some((param, base, join)) = joined_with_param(an, url, 0) else {
            continue;
        };
        if let Some(i) = an.params_of(f).iter().position(|p| *p == Some(param)) {
            wrappers.push((f, i, base, join));
        }
    }
    if wrappers.is_empty() {
        return;
    }
    let mut found = Vec::new();
    for c in &an.calls {
        let Some(g) = c.local else { continue };
        for (f, i, base, join) in &wrappers {
            if *f != g {
                continue;
            }
            let Some(arg) = c.args.get(*i).and_then(|a| a.as_expression()) else {
                continue;
            };
            let Some(path) = an.value_of(arg).and_then(|v| v.text()) else {
                continue;
            };
            let whole = match join {
                Join::Concat => format!("{base}{path}"),
                Join::Resolve => resolve(base, &path),
            };
            for (url, host) in strings::urls(&whole) {
                found.push(EndpointFact {
                    host,
                    url: Some(url),
                    span: fspan(c.span),
                    encodings: vec![],
                    provenance: String::new(),
                    origin: None,
                    in_text: false,
                });
            }
        }
    }
    an.facts.endpoints.extend(found);
}

/// The parameter a URL expression joins to a constant base, with the base: `BASE + p`,
/// `` `${BASE}/${p}` ``, `new URL(p, BASE)`, or a local `const u = …` of one of them.
fn joined_with_param<'a>(
    an: &Analyzer<'a>,
    e: &'a Expression<'a>,
    depth: u32,
) -> Option<(SymbolId, String, Join)> {
    let param_of = |x: &Expression<'a>| match x.without_parentheses() {
        Expression::Identifier(id) => an.symbol_of(id),
        _ => None,
    };
    let text = |x: &'a Expression<'a>| an.value_of(x).and_then(|v| v.text());
    match e.without_parentheses() {
        Expression::BinaryExpression(b) if b.operator == BinaryOperator::Addition => {
            Some((param_of(&b.right)?, text(&b.left)?, Join::Concat))
        }
        Expression::TemplateLiteral(t) => {
            let (last, before) = t.expressions.split_last()?;
            if t.quasis.last()?.value.cooked.as_ref()?.as_str() != "" {
                return None;
            }
            let mut base = String::new();
            for (q, x) in t.quasis.iter().zip(before.iter().map(Some).chain([None])) {
                base.push_str(q.value.cooked.as_ref()?.as_str());
                if let Some(x) = x {
                    base.push_str(&text(x)?);
                }
            }
            Some((param_of(last)?, base, Join::Concat))
        }
        Expression::NewExpression(n) if matches!(&n.callee, Expression::Identifier(id) if id.name == "URL") =>
        {
            let path = n.arguments.first()?.as_expression()?;
            let base = n.arguments.get(1)?.as_expression()?;
            Some((param_of(path)?, text(base)?, Join::Resolve))
        }
        Expression::Identifier(id) if depth < 2 => {
            let sym = an.symbol_of(id)?;
            match an.inits.get(&sym) {
                Some(Init::Expr(init)) if !an.is_mutated(sym) => {
                    joined_with_param(an, init, depth + 1)
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// `new URL(path, base)` for the shapes wrappers use: an absolute path replaces the base's,
/// a relative one goes after its last `/`, a whole URL stands alone.
fn resolve(base: &str, path: &str) -> String {
    if path.contains("://") {
        return path.to_string();
    }
    let origin_end = base
        .find("://")
        .map(|s| base[s + 3..].find('/').map_or(base.len(), |e| s + 3 + e))
        .unwrap_or(base.len());
    if path.starts_with('/') {
        format!("{}{path}", &base[..origin_end])
    } else {
        let dir = base
            .rfind('/')
            .filter(|&i| i >= origin_end)
            .map_or(base.len(), |i| i + 1);
        let sep = if dir == base.len() && !base.ends_with('/') {
            "/"
        } else {
            ""
        };
        format!("{}{sep}{path}", &base[..dir])
    }
}
