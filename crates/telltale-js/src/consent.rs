//! Consent: reads of settings that turn telemetry off (`DO_NOT_TRACK`, a product's
//! `*_TELEMETRY` variable from the toptout catalogue, `telemetry.telemetryLevel`), how they
//! are checked (presence or value), and which code the check controls — so each sink can be
//! reported as gated or not, and by which setting.
//!
//! Works on the conditions [`crate::collect`] recorded as guard sites (no walk of its own):
//! `if (optedOut) return; send()`, `if (!optedOut) send()`, `enabled && send()`, ternaries;
//! the setting may be read directly, through a constant (`const off = !!process.env.X`) or a
//! small predicate function (`function telemetryOff() { return … }`). Code in local functions
//! called from the controlled code is controlled too (two calls deep).
//!
//! Example: `if (process.env.DISABLE_TELEMETRY) return; https.request(…)` gives an
//! [`OptOutFact`] for `DISABLE_TELEMETRY` (presence check) gating the request.

use crate::guards::GuardSite;
use crate::resolve::Val;
use crate::{fspan, Analyzer, FnBody, Init};
use oxc_ast::ast::*;
use oxc_span::GetSpan;
use regex::Regex;
use std::sync::LazyLock;
use telltale_facts::OptOutFact;
use telltale_knowledge::js_api::js_api;
use telltale_knowledge::optout;

/// Words without which a file reads no opt-out setting: checked once per file so files
/// without any skip this pass (case-insensitive: config keys are camelCase).
static CANDIDATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)telemetry|do_not_track|opt_?out|analytics|disable|usagestatistics|tracking|crash_?report").expect("valid regex")
});

const MAX_DEPTH: u32 = 8;
const MAX_GATED_CALLS: usize = 8;

/// One read of a setting in a condition.
struct Read {
    setting: String,
    product: Option<&'static str>,
    values: Vec<String>,
}

impl<'a> Analyzer<'a> {
    fn opt_out_reads(&self, e: &'a Expression<'a>, depth: u32, out: &mut Vec<Read>) {
        if depth > MAX_DEPTH {
            return;
        }
        let d = depth + 1;
        match e {
            Expression::ParenthesizedExpression(p) => self.opt_out_reads(&p.expression, d, out),
            Expression::UnaryExpression(u) => self.opt_out_reads(&u.argument, d, out),
            Expression::LogicalExpression(l) => {
                self.opt_out_reads(&l.left, d, out);
                self.opt_out_reads(&l.right, d, out);
            }
            Expression::SequenceExpression(s) => {
                if let Some(last) = s.expressions.last() {
                    self.opt_out_reads(last, d, out);
                }
            }
            Expression::BinaryExpression(b) if b.operator.is_equality() => {
                let before = out.len();
                self.opt_out_reads(&b.left, d, out);
                let constant_side = if out.len() > before { &b.right } else { &b.left };
                if out.len() == before {
                    self.opt_out_reads(&b.right, d, out);
                }
                // Compared with a real value, the check is on value; with nothing, on presence.
                if let Some(v) = self.value_of(constant_side).and_then(|v| match v.val {
                    Val::Str(s) if !s.is_empty() => Some(s),
                    Val::Num(n) => Some(n.to_string()),
                    _ => None,
                }) {
                    for r in &mut out[before..] {
                        r.values.push(v.clone());
                    }
                }
            }
            Expression::Identifier(id) => {
                let Some(sym) = self.symbol_of(id) else { return };
                if let Some(Init::Expr(init)) = self.inits.get(&sym) {
                    // Most conditions test constants that read no setting: remember those.
                    if self.no_opt_out.borrow().get(&sym).is_some() {
                        return;
                    }
                    let before = out.len();
                    self.opt_out_reads(init, d, out);
                    if out.len() == before && depth == 0 {
                        self.no_opt_out.borrow_mut().insert(sym, ());
                    }
                }
            }
            Expression::StaticMemberExpression(_) | Expression::ComputedMemberExpression(_) | Expression::ChainExpression(_) => {
                if let Some(name) = self.path_of(e).as_deref().and_then(|p| p.strip_prefix("process.env.")) {
                    if let Some(s) = optout::env_setting(name) {
                        out.push(Read { setting: name.to_string(), product: s.product, values: vec![] });
                    }
                }
            }
            Expression::CallExpression(c) => self.opt_out_call(c, d, out),
            _ => {}
        }
    }

    fn opt_out_call(&self, c: &'a CallExpression<'a>, d: u32, out: &mut Vec<Read>) {
        // A zero-argument predicate of the file's own: `function telemetryOff() { return … }`.
        if c.arguments.is_empty() {
            if let Some(r) = self.predicate_return(&c.callee) {
                self.opt_out_reads(r, d, out);
            }
            return;
        }
        // A configuration read: `cfg.get("telemetry.telemetryLevel")`,
        // `getConfiguration("telemetry").get("enableTelemetry")`.
        if let Expression::StaticMemberExpression(m) = c.callee.without_parentheses() {
            if matches!(m.property.name.as_str(), "get" | "getSetting" | "getValue" | "inspect") {
                let key = c.arguments.first().and_then(|a| a.as_expression()).and_then(|a| self.value_of(a)).and_then(|v| v.text());
                let object = match m.object.without_parentheses() {
                    Expression::Identifier(id) => match self.symbol_of(id).and_then(|s| self.inits.get(&s)) {
                        Some(Init::Expr(init)) => *init,
                        _ => &m.object,
                    },
                    other => other,
                };
                let section = match object.without_parentheses() {
                    Expression::CallExpression(inner) => {
                        inner.arguments.first().and_then(|a| a.as_expression()).and_then(|a| self.value_of(a)).and_then(|v| v.text())
                    }
                    _ => None,
                };
                if let Some(key) = key {
                    let full = match section {
                        Some(s) => format!("{s}.{key}"),
                        None => key,
                    };
                    if optout::is_config_key(&full) {
                        out.push(Read { setting: full, product: None, values: vec![] });
                        return;
                    }
                }
            }
        }
        // Helpers that parse the value (`isTruthy(process.env.X)`): look at the arguments.
        for a in c.arguments.iter().filter_map(|a| a.as_expression()) {
            self.opt_out_reads(a, d, out);
        }
    }

    /// Bodies of the file's functions called from `span` (and from those, once more).
    fn called_bodies(&self, span: oxc_span::Span, out: &mut Vec<oxc_span::Span>, depth: u32) {
        if depth > 2 {
            return;
        }
        for call in self.calls_within(span) {
            let Some(f) = self.callee_function(call.callee) else { continue };
            let body = match self.funcs[f].body {
                FnBody::Block(b) => b.span,
                FnBody::Expr(x) => x.span(),
            };
            if !out.contains(&body) && !(body.start >= span.start && body.end <= span.end) {
                out.push(body);
                self.called_bodies(body, out, depth + 1);
            }
        }
    }
}

/// The code on either side of a check: what runs only when the setting allows it.
fn controlled<'a>(site: &GuardSite<'a>) -> Option<(&'a Expression<'a>, Vec<oxc_span::Span>)> {
    match *site {
        GuardSite::EarlyExit(ifs, rest) => {
            let (first, last) = (rest.first()?, rest.last()?);
            Some((&ifs.test, vec![oxc_span::Span::new(first.span().start, last.span().end)]))
        }
        GuardSite::If(ifs) => {
            let mut spans = vec![ifs.consequent.span()];
            spans.extend(ifs.alternate.as_ref().map(|a| a.span()));
            Some((&ifs.test, spans))
        }
        GuardSite::Expr(e) => match e.without_parentheses() {
            Expression::LogicalExpression(l) => Some((&l.left, vec![l.right.span()])),
            Expression::ConditionalExpression(c) => Some((&c.test, vec![c.consequent.span(), c.alternate.span()])),
            _ => None,
        },
        GuardSite::Switch(_) => None,
    }
}

/// Calls in gated code worth naming: network sinks and what looks like a telemetry client.
fn worth_naming(path: &str) -> bool {
    let api = js_api();
    if api.sink(path).is_some() {
        return true;
    }
    let last = path.trim_end_matches("()").rsplit('.').next().unwrap_or(path);
    let lower = last.to_ascii_lowercase();
    ["track", "capture", "logevent", "flush", "report", "client", "telemetry", "analytics", "initialize"].iter().any(|w| lower.contains(w))
}

pub(crate) fn run(an: &mut Analyzer<'_>) {
    if !CANDIDATE.is_match(an.src) {
        return;
    }
    let mut found = Vec::new();
    for site in &an.guard_sites {
        let Some((test, mut regions)) = controlled(site) else { continue };
        let mut reads = Vec::new();
        an.opt_out_reads(test, 0, &mut reads);
        if reads.is_empty() {
            continue;
        }
        for r in regions.clone() {
            an.called_bodies(r, &mut regions, 0);
        }
        let mut seen = rustc_hash::FxHashSet::default();
        let gated_calls: Vec<String> = regions
            .iter()
            .flat_map(|r| an.calls_within(*r))
            .filter(|c| seen.insert((c.span.start, c.span.end)))
            .filter_map(|c| {
                // Unresolved callees (a bundled SDK behind a lazy loader) go by their own name.
                let name = c.path.as_deref().map(str::to_string).or_else(|| match c.callee.without_parentheses() {
                    Expression::StaticMemberExpression(m) => Some(m.property.name.to_string()),
                    _ => None,
                })?;
                worth_naming(&name).then(|| format!("{name} at byte {}", c.span.start))
            })
            .take(MAX_GATED_CALLS)
            .collect();
        for r in reads {
            // An `if (c) return;` is both an early exit and an if: one fact per check.
            if found.iter().any(|o: &OptOutFact| o.span == fspan(test.span()) && o.setting == r.setting) {
                continue;
            }
            found.push(OptOutFact {
                check: if r.values.is_empty() { "presence".into() } else { "value".into() },
                setting: r.setting,
                product: r.product.map(String::from),
                values: r.values,
                span: fspan(test.span()),
                gates: regions.iter().map(|s| fspan(*s)).collect(),
                gated_calls: gated_calls.clone(),
            });
        }
    }
    for flow in &mut an.facts.flows {
        for o in &found {
            let gated = o.gates.iter().any(|g| flow.span.start >= g.start && flow.span.end <= g.end);
            if gated && !flow.gated_by.contains(&o.setting) {
                flow.gated_by.push(o.setting.clone());
            }
        }
    }
    an.facts.opt_outs = found;
}
