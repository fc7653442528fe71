//! Pass 5: opt-out checks. An `if` whose condition reads an environment variable that turns
//! telemetry off (`DO_NOT_TRACK`, a catalogued product's setting, or a name that says so:
//! `MYTOOL_TELEMETRY_DISABLED`), and the code it controls: the `if` and `else` bodies, and the
//! rest of the block when the body leaves (`if os.getenv("DO_NOT_TRACK"): return`). Sends in
//! that code are gated by the setting (`FlowFact::gated_by`).
//!
//! ```text
//! if os.environ.get("DO_NOT_TRACK"): return          → DO_NOT_TRACK, presence, gates the rest
//! if os.getenv("TOOL_TELEMETRY") != "off": post(…)    → TOOL_TELEMETRY, value "off", gates post
//! ```
//!
//! An opt-out variable read outside a condition (`self.disable_telemetry =
//! os.getenv("DISABLE_TELEMETRY", "false").lower() == "true"`) is a setting the program
//! honours somewhere; it is listed with no gates (the code it controls is not traced), so the
//! label says "not traced to the send" rather than "no opt-out". Command-line flags are found
//! by [`crate::cli_options`].
//!
//! The JavaScript front end finds more shapes (predicates, configuration keys, methods named
//! as switches: `telltale-js/src/consent.rs`).

use crate::{span_of, Analyzer, Binding, ScopeId, MODULE};
use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::{Ranged, TextRange};
use telltale_facts::{ImportedCall, Kinds, OptOutFact, Span};
use telltale_knowledge::{optout, py_api::py_api, strings};

/// An environment variable a condition reads, with the constants it is compared with.
struct EnvCheck {
    name: String,
    values: Vec<String>,
}

impl<'a> Analyzer<'a> {
    /// The environment variables a condition reads (`os.getenv("X")`, `os.environ["X"]`,
    /// `"X" in os.environ`), through `not`, `and`/`or` and comparisons.
    fn env_checks(&self, e: &'a Expr, scope: ScopeId, out: &mut Vec<EnvCheck>, depth: u32) {
        if depth > 16 {
            return;
        }
        match e {
            Expr::UnaryOp(u) => self.env_checks(&u.operand, scope, out, depth + 1),
            Expr::BoolOp(b) => {
                for v in &b.values {
                    self.env_checks(v, scope, out, depth + 1);
                }
            }
            // `_is_true(os.getenv("X") or os.getenv("DO_NOT_TRACK"))`
            Expr::Call(c) if self.env_read_in(e, scope).is_none() => {
                // `config.get_telemetry_enabled()`: a method named as the switch.
                if let Expr::Attribute(m) = &*c.func {
                    if optout::is_switch_property(m.attr.as_str()) {
                        out.push(EnvCheck {
                            name: m.attr.to_string(),
                            values: vec![],
                        });
                        return;
                    }
                }
                for a in &c.arguments.args {
                    self.env_checks(a, scope, out, depth + 1);
                }
            }
            Expr::Compare(c) if c.comparators.len() == 1 => {
                let (l, r) = (&*c.left, &c.comparators[0]);
                // `"X" in os.environ`
                if matches!(c.ops[0], ast::CmpOp::In | ast::CmpOp::NotIn)
                    && self
                        .path_of(r, scope)
                        .is_some_and(|p| py_api().is_env_object(&p))
                {
                    if let Some(name) = self.value_of(l, scope).and_then(|v| v.text()) {
                        out.push(EnvCheck {
                            name,
                            values: vec![],
                        });
                    }
                    return;
                }
                for (read, other) in [(l, r), (r, l)] {
                    if let Some(name) = self.env_read_in(read, scope) {
                        let values = self
                            .value_of(other, scope)
                            .and_then(|v| v.text())
                            .into_iter()
                            .collect();
                        out.push(EnvCheck { name, values });
                    }
                }
            }
            other => {
                if let Some(name) = self.env_read_in(other, scope) {
                    out.push(EnvCheck {
                        name,
                        values: vec![],
                    });
                    return;
                }
                // A constant that holds the setting, named for it
                // (`constants.HF_HUB_DISABLE_TELEMETRY`, set in another module), or a local one
                // computed from environment reads (`DISABLED = _is_true(os.getenv("X"))`).
                let name = match other {
                    Expr::Name(n) => Some(n.id.as_str()),
                    Expr::Attribute(a) => Some(a.attr.as_str()),
                    _ => None,
                };
                if let Some(name) = name.filter(|n| optout::env_setting(n).is_some()) {
                    out.push(EnvCheck {
                        name: name.to_string(),
                        values: vec![],
                    });
                    return;
                }
                // `interpreter.disable_telemetry`, `settings.telemetry_enabled`: an attribute
                // named as the switch, wherever it is set (`settings.rs` reads where from).
                if let Some(name) = name.filter(|n| optout::is_switch_property(n)) {
                    out.push(EnvCheck {
                        name: name.to_string(),
                        values: vec![],
                    });
                    return;
                }
                // `self.anonymous_telemetry`: a property of the file's own class whose value
                // is computed from the switch (`return not self.disable_telemetry`).
                if let Some(returned) = self.property_returns(other, scope) {
                    for (value, s) in returned {
                        self.env_checks(value, s, out, depth + 1);
                    }
                    return;
                }
                if let Some(var) = self.var_of(other, scope) {
                    for b in self.bindings_of(var) {
                        if let crate::Binding::Assign {
                            value, scope: s, ..
                        } = b
                        {
                            self.env_checks(value, *s, out, depth + 1);
                        }
                    }
                }
            }
        }
    }

    /// What a property of the file's own class returns (`self.anonymous_telemetry` of a
    /// method `anonymous_telemetry` that is one `return`), with the method's scope.
    fn property_returns(&self, e: &'a Expr, scope: ScopeId) -> Option<Vec<(&'a Expr, ScopeId)>> {
        if !matches!(e, Expr::Attribute(_)) {
            return None;
        }
        let crate::Var::Attr(class_scope, name) = self.var_of(e, scope)? else {
            return None;
        };
        let crate::ScopeKind::Class(class) = self.scopes[class_scope as usize].kind else {
            return None;
        };
        let f = self.method_of(class, name, 0)?;
        let crate::FnBody::Block(body) = self.funcs[f].body else {
            return None;
        };
        let returned: Vec<(&'a Expr, ScopeId)> = body
            .iter()
            .filter_map(|st| match st {
                Stmt::Return(r) => r.value.as_deref().map(|v| (v, self.funcs[f].scope)),
                _ => None,
            })
            .collect();
        (!returned.is_empty()).then_some(returned)
    }

    /// The variable `e` reads, also through a normalising call (`os.getenv("X", "").lower()`,
    /// `bool(os.getenv("X"))`).
    fn env_read_in(&self, e: &'a Expr, scope: ScopeId) -> Option<String> {
        if let Some(name) = self.env_name(e, scope) {
            return Some(name);
        }
        match e {
            Expr::Call(c) => match &*c.func {
                Expr::Attribute(m) => self.env_read_in(&m.value, scope),
                _ => c
                    .arguments
                    .args
                    .first()
                    .and_then(|a| self.env_read_in(a, scope)),
            },
            _ => None,
        }
    }
}

/// Whether a block ends by leaving its function or program.
fn leaves(body: &[Stmt]) -> bool {
    match body.last() {
        Some(Stmt::Return(_) | Stmt::Raise(_)) => true,
        Some(Stmt::Expr(x)) => matches!(&*x.value, Expr::Call(c)
            if matches!(&*c.func, Expr::Attribute(m) if m.attr.as_str() == "exit")),
        _ => false,
    }
}

fn range_of(body: &[Stmt]) -> Option<TextRange> {
    Some(TextRange::new(body.first()?.start(), body.last()?.end()))
}

/// How many calls deep gated code (and code run before a check) reaches into local functions.
const MAX_CALL_DEPTH: u32 = 3;
/// Calls before a check that are followed (the nearest ones).
const MAX_BEFORE_CALLS: usize = 256;
const MAX_GATED_CALLS: usize = 8;

pub(crate) fn run(an: &mut Analyzer<'_>) {
    // Each check with the statement and scope it sits in (for what runs before it).
    let mut found: Vec<(OptOutFact, TextRange, ScopeId)> = Vec::new();
    for site in &an.guard_sites {
        let (stmt, scope) = (site.stmt, site.scope);
        let mut checks = Vec::new();
        an.env_checks(&stmt.test, scope, &mut checks, 0);
        for check in checks {
            let setting = optout::env_setting(&check.name).or_else(|| {
                optout::is_switch_property(&check.name).then_some(optout::OptOutSetting {
                    product: None,
                    opt_out_value: None,
                })
            });
            let Some(setting) = setting else {
                continue;
            };
            let mut gates: Vec<TextRange> = range_of(&stmt.body).into_iter().collect();
            gates.extend(
                stmt.elif_else_clauses
                    .iter()
                    .filter_map(|c| range_of(&c.body)),
            );
            if leaves(&stmt.body) {
                gates.extend(range_of(site.rest));
            }
            let fact = OptOutFact {
                setting: check.name,
                product: setting.product.map(str::to_string),
                check: if check.values.is_empty() {
                    "presence".into()
                } else {
                    "value".into()
                },
                values: check.values,
                span: span_of(stmt.test.range()),
                gates: gates.into_iter().map(span_of).collect(),
                gated_calls: vec![],
                sends_before_check: vec![],
            };
            found.push((fact, stmt.range(), scope));
        }
    }
    let callers = if found.is_empty() {
        CallerMap::default()
    } else {
        CallerMap::new(an)
    };
    for (fact, _, _) in &mut found {
        // A local function every call of which is in controlled code is controlled too.
        let mut gates: Vec<TextRange> = fact.gates.iter().map(range_of_span).collect();
        callers.controlled(an, &mut gates);
        fact.gated_calls = gated_calls(an, &gates);
        fact.gates = gates.into_iter().map(span_of).collect();
    }
    let inside = |g: &Span, s: &Span| g.start <= s.start && s.end <= g.end;
    for fl in &mut an.facts.flows {
        for (o, _, _) in &found {
            if o.gates.iter().any(|g| inside(g, &fl.span)) && !fl.gated_by.contains(&o.setting) {
                fl.gated_by.push(o.setting.clone());
            }
        }
    }
    let gated: Vec<(String, Vec<TextRange>)> = found
        .iter()
        .map(|(o, _, _)| {
            (
                o.setting.clone(),
                o.gates.iter().map(range_of_span).collect(),
            )
        })
        .collect();
    record_module_calls(an, &gated);
    for (fact, stmt, scope) in &mut found {
        sends_before(an, &callers, fact, *stmt, *scope);
    }
    let mut found: Vec<OptOutFact> = found.into_iter().map(|(f, _, _)| f).collect();
    reads_outside_conditions(an, &mut found);
    an.facts.opt_outs.extend(found);
}

fn range_of_span(s: &Span) -> TextRange {
    TextRange::new(s.start.into(), s.end.into())
}

/// Sending calls in controlled code, for the label (`requests.post at byte 120`).
fn gated_calls(an: &Analyzer<'_>, gates: &[TextRange]) -> Vec<String> {
    let api = py_api();
    an.calls
        .iter()
        .filter(|c| gates.iter().any(|g| g.contains_range(c.call.range())))
        .filter_map(|c| {
            let p = an.path_of(&c.call.func, c.scope)?;
            (api.sink(&p).is_some() || api.handle_sink(&p).is_some())
                .then(|| format!("{p} at byte {}", c.call.start().to_u32()))
        })
        .take(MAX_GATED_CALLS)
        .collect()
}

/// Every call of a function imported by name (`from .utils.telemetry import send_telemetry`),
/// with the settings whose controlled code holds it, and the module's own top-level
/// functions: what a scan needs to carry a check here to a send that another module makes
/// (`telltale-scan`'s `gates`).
fn record_module_calls(an: &mut Analyzer<'_>, gated: &[(String, Vec<TextRange>)]) {
    let mut calls = Vec::new();
    for c in &an.calls {
        let Expr::Name(local) = &*c.call.func else {
            continue;
        };
        let Some(var) = an.var_of(&c.call.func, c.scope) else {
            continue;
        };
        let [Binding::Import(module, Some(name), level)] = an.bindings_of(var) else {
            continue;
        };
        let at = c.call.range();
        calls.push(ImportedCall {
            module: format!("{}{module}", ".".repeat(*level as usize)),
            name: name.to_string(),
            local: local.id.to_string(),
            span: span_of(at),
            gated_by: gated
                .iter()
                .filter(|(_, g)| g.iter().any(|r| r.contains_range(at)))
                .map(|(setting, _)| setting.clone())
                .collect(),
        });
    }
    let functions = an
        .funcs
        .iter()
        .filter(|f| an.scopes[f.scope as usize].parent == Some(MODULE) && f.name != "<lambda>")
        .map(|f| (f.name.to_string(), span_of(f.range)))
        .collect();
    an.facts.module.imported_calls = calls;
    an.facts.module.functions = functions;
}

/// The file's own functions each call reaches, and where each function is called from.
#[derive(Default)]
struct CallerMap {
    /// Per call (index into `Analyzer::calls`): the local function it reaches.
    callee: Vec<Option<usize>>,
    /// Per function: the ranges of the calls that reach it.
    calls_of: rustc_hash::FxHashMap<usize, Vec<TextRange>>,
}

impl CallerMap {
    fn new(an: &Analyzer<'_>) -> Self {
        let mut map = CallerMap::default();
        for c in &an.calls {
            let f = an.local_callee(&c.call.func, c.scope).map(|(f, _)| f);
            if let Some(f) = f {
                map.calls_of.entry(f).or_default().push(c.call.range());
            }
            map.callee.push(f);
        }
        map
    }

    /// Adds to `gates` the local functions called only from them (and used only by those
    /// calls: a name also passed as a callback may run anywhere), a few calls deep.
    fn controlled(&self, an: &Analyzer<'_>, gates: &mut Vec<TextRange>) {
        for _ in 0..MAX_CALL_DEPTH {
            let mut added = false;
            for (&f, calls) in &self.calls_of {
                let range = an.funcs[f].range;
                let covered = |r: TextRange| gates.iter().any(|g| g.contains_range(r));
                if covered(range) || !calls.iter().all(|&c| covered(c)) {
                    continue;
                }
                if strings::word_mentions(an.src, an.funcs[f].name) > calls.len() + 1 {
                    continue;
                }
                gates.push(range);
                added = true;
            }
            if !added {
                break;
            }
        }
    }

    /// Adds to `ranges` the bodies of the local functions the code in them calls, a few calls
    /// deep.
    fn reach(&self, an: &Analyzer<'_>, ranges: &mut Vec<TextRange>) {
        for _ in 0..MAX_CALL_DEPTH {
            let mut added = false;
            for (i, c) in an.calls.iter().enumerate() {
                let Some(f) = self.callee.get(i).copied().flatten() else {
                    continue;
                };
                let range = an.funcs[f].range;
                if ranges.iter().any(|r| r.contains_range(c.call.range()))
                    && !ranges.iter().any(|r| r.contains_range(range))
                {
                    ranges.push(range);
                    added = true;
                }
            }
            if !added {
                break;
            }
        }
    }
}

/// Sends that run before the check in the function that checks (directly or through the
/// local functions they call): the same identity leaves whatever the setting says. Such a
/// send, and the controlled sends whose identity it already sent, are `sent_before_check`;
/// the calls that send it are named on the opt-out.
fn sends_before(
    an: &mut Analyzer<'_>,
    callers: &CallerMap,
    fact: &mut OptOutFact,
    stmt: TextRange,
    scope: ScopeId,
) {
    let inside =
        |ranges: &[TextRange], s: &Span| ranges.iter().any(|r| r.contains_range(range_of_span(s)));
    let mut gated: Vec<TextRange> = fact.gates.iter().map(range_of_span).collect();
    callers.reach(an, &mut gated);
    let flows = &an.facts.flows;
    let gated_kinds = flows
        .iter()
        .filter(|fl| inside(&gated, &fl.span))
        .fold(Kinds::EMPTY, |k, fl| {
            k.union(fl.kinds.identity().union(fl.kinds.region()))
        });
    if gated_kinds.is_empty() {
        return;
    }
    let before: Vec<&crate::Call<'_>> = an
        .calls
        .iter()
        .filter(|c| c.scope == scope && c.call.end() <= stmt.start())
        .collect();
    let before = &before[before.len().saturating_sub(MAX_BEFORE_CALLS)..];
    let mut named = Vec::new();
    let mut early: Vec<usize> = Vec::new();
    for c in before {
        let mut reached = vec![c.call.range()];
        callers.reach(an, &mut reached);
        let sends: Vec<usize> = flows
            .iter()
            .enumerate()
            .filter(|(_, fl)| {
                inside(&reached, &fl.span)
                    && fl.gated_by.is_empty()
                    && !Kinds(fl.kinds.0 & gated_kinds.0).is_empty()
            })
            .map(|(i, _)| i)
            .collect();
        if sends.is_empty() {
            continue;
        }
        if named.len() < MAX_GATED_CALLS {
            let name = an
                .path_of(&c.call.func, c.scope)
                .map_or_else(|| an.snippet(c.call.func.range()), |p| p.to_string());
            named.push(format!("{name} at byte {}", c.call.start().to_u32()));
        }
        early.extend(sends);
    }
    if early.is_empty() {
        return;
    }
    let flows = &mut an.facts.flows;
    let mut early_kinds = Kinds::EMPTY;
    for &i in &early {
        early_kinds = early_kinds.union(flows[i].kinds.identity());
        flows[i].sent_before_check = true;
    }
    for fl in flows.iter_mut() {
        if inside(&gated, &fl.span) && !Kinds(fl.kinds.0 & early_kinds.0).is_empty() {
            fl.sent_before_check = true;
        }
    }
    fact.sends_before_check = named;
}

/// Opt-out variables read by a getter outside the conditions above, compared with constants
/// where the read sits in a comparison (`check` "value"), else `check` "read".
fn reads_outside_conditions(an: &Analyzer<'_>, found: &mut Vec<OptOutFact>) {
    for c in &an.calls {
        let range = c.call.range();
        let Some((name, getter)) = an.env_call_name(c.call, c.scope) else {
            continue;
        };
        // `setdefault`/`pop` write or remove the variable (for a child process, say).
        if getter.ends_with("setdefault") || getter.ends_with("pop") {
            continue;
        }
        let Some(setting) = optout::env_setting(&name) else {
            continue;
        };
        // A condition that checks it (here or through a variable) says more.
        if found.iter().any(|o| o.setting == name) {
            continue;
        }
        // The innermost comparison around the read, for the constants it is compared with.
        let compare = an
            .compares
            .iter()
            .filter(|(e, _)| e.range().contains_range(range))
            .min_by_key(|(e, _)| e.range().len());
        let mut checks = Vec::new();
        if let Some((e, scope)) = compare {
            an.env_checks(e, *scope, &mut checks, 0);
        }
        let values: Vec<String> = checks
            .into_iter()
            .filter(|k| k.name == name)
            .flat_map(|k| k.values)
            .collect();
        found.push(OptOutFact {
            setting: name,
            product: setting.product.map(str::to_string),
            check: if values.is_empty() { "read" } else { "value" }.into(),
            values,
            span: span_of(range),
            gates: vec![],
            gated_calls: vec![],
            sends_before_check: vec![],
        });
    }
}
