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

use crate::{span_of, Analyzer, ScopeId};
use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::{Ranged, TextRange};
use telltale_facts::{OptOutFact, Span};
use telltale_knowledge::{optout, py_api::py_api};

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

pub(crate) fn run(an: &mut Analyzer<'_>) {
    let api = py_api();
    let mut found: Vec<OptOutFact> = Vec::new();
    for site in &an.guard_sites {
        let (stmt, scope) = (site.stmt, site.scope);
        let mut checks = Vec::new();
        an.env_checks(&stmt.test, scope, &mut checks, 0);
        for check in checks {
            let Some(setting) = optout::env_setting(&check.name) else {
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
            let gated_calls = an
                .calls
                .iter()
                .filter(|c| gates.iter().any(|g| g.contains_range(c.call.range())))
                .filter_map(|c| {
                    let p = an.path_of(&c.call.func, c.scope)?;
                    (api.sink(&p).is_some() || api.handle_sink(&p).is_some())
                        .then(|| format!("{p} at byte {}", c.call.start().to_u32()))
                })
                .collect();
            found.push(OptOutFact {
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
                gated_calls,
                sends_before_check: vec![],
            });
        }
    }
    reads_outside_conditions(an, &mut found);
    let inside = |g: &Span, s: &Span| g.start <= s.start && s.end <= g.end;
    for fl in &mut an.facts.flows {
        for o in &found {
            if o.gates.iter().any(|g| inside(g, &fl.span)) && !fl.gated_by.contains(&o.setting) {
                fl.gated_by.push(o.setting.clone());
            }
        }
    }
    an.facts.opt_outs.extend(found);
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
