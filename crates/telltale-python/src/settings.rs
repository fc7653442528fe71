//! Where the program's telemetry switches come from, as users set them (the Python side of
//! `telltale-js/src/settings.rs`): `self.disable_telemetry = os.getenv("DISABLE_TELEMETRY",
//! "false").lower() == "true"` says the switch `disable_telemetry` is the environment variable,
//! off unless it is set; `telemetry_enabled = config.get("telemetry", True)` says it is the
//! `telemetry` key of a configuration, on by default; a parameter `disable_telemetry=False`
//! gives the default. The label names an opt-out checked through the switch by these.

use crate::{span_of, Analyzer, ScopeId};
use ruff_python_ast::visitor::{walk_stmt, Visitor};
use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::{Ranged, TextRange};
use telltale_facts::SettingSourceFact;
use telltale_knowledge::optout;

pub(crate) fn run(an: &mut Analyzer<'_>) {
    let mut out = Vec::new();
    for (name, value, stmt) in switch_assignments(an.body) {
        // The function the assignment is written in, for resolving names.
        let scope = an
            .funcs
            .iter()
            .filter(|f| f.range.contains_range(stmt))
            .min_by_key(|f| f.range.len())
            .map_or(crate::MODULE, |f| f.scope);
        let mut read = SwitchRead::default();
        an.setting_reads(value, scope, &mut read, 0);
        if read.settings.is_empty() && read.default.is_none() {
            continue;
        }
        out.push(SettingSourceFact {
            property: name.to_string(),
            settings: read.settings,
            default: read.default,
            span: span_of(stmt),
        });
    }
    // `def __init__(self, disable_telemetry=False)`: the default users get.
    for f in &an.funcs {
        for (p, d) in f.params.iter().zip(&f.defaults) {
            if let (true, Some(Expr::BooleanLiteral(b))) = (optout::is_switch_property(p), d) {
                out.push(SettingSourceFact {
                    property: p.to_string(),
                    settings: vec![],
                    default: Some(b.value),
                    span: span_of(b.range()),
                });
            }
        }
    }
    out.sort_by_key(|s| s.span);
    an.facts.setting_sources.extend(out);
}

/// What a switch's value reads: settings in the order tried, and its value when none is set.
#[derive(Default)]
pub(crate) struct SwitchRead {
    settings: Vec<String>,
    default: Option<bool>,
}

impl SwitchRead {
    fn push(&mut self, s: String) {
        if self.settings.len() < 8 && !self.settings.contains(&s) {
            self.settings.push(s);
        }
    }
}

impl<'a> Analyzer<'a> {
    /// The environment variables and configuration keys a switch's value reads, and its
    /// constant fallback.
    fn setting_reads(&self, e: &'a Expr, scope: ScopeId, out: &mut SwitchRead, depth: u32) {
        if depth > 6 {
            return;
        }
        let d = depth + 1;
        match e {
            Expr::BooleanLiteral(b) => out.default = Some(b.value),
            Expr::BoolOp(b) => {
                for v in &b.values {
                    self.setting_reads(v, scope, out, d);
                }
            }
            Expr::UnaryOp(u) => {
                let mut inner = SwitchRead::default();
                self.setting_reads(&u.operand, scope, &mut inner, d);
                for s in inner.settings {
                    out.push(s);
                }
                if u.op == ast::UnaryOp::Not {
                    out.default = out.default.or(inner.default.map(|v| !v));
                } else {
                    out.default = out.default.or(inner.default);
                }
            }
            // `os.getenv("X", "false").lower() == "true"`: the variable, and whether the
            // comparison holds when it is unset.
            Expr::Compare(c) if c.comparators.len() == 1 => {
                let (l, r) = (&*c.left, &c.comparators[0]);
                for (read, other) in [(l, r), (r, l)] {
                    let Some((name, unset)) = self.env_read_with_default(read, scope) else {
                        continue;
                    };
                    out.push(name);
                    let constant = self.value_of(other, scope).and_then(|v| v.text());
                    if let (Some(unset), Some(constant)) = (unset, constant) {
                        let equal = unset.eq_ignore_ascii_case(&constant);
                        match c.ops[0] {
                            ast::CmpOp::Eq => out.default = out.default.or(Some(equal)),
                            ast::CmpOp::NotEq => out.default = out.default.or(Some(!equal)),
                            _ => {}
                        }
                    }
                    return;
                }
            }
            Expr::Call(c) => {
                if let Some((name, _)) = self.env_read_with_default(e, scope) {
                    out.push(name);
                    return;
                }
                // `config.get("telemetry", True)`: a configuration key and its default.
                if let Expr::Attribute(m) = &*c.func {
                    if m.attr.as_str() == "get" {
                        if let [key, rest @ ..] = &c.arguments.args[..] {
                            if self.path_of(&m.value, scope).is_none_or(|p| {
                                !telltale_knowledge::py_api::py_api().is_env_object(&p)
                            }) {
                                if let Some(k) = self.value_of(key, scope).and_then(|v| v.text()) {
                                    out.push(k);
                                }
                                if let Some(Expr::BooleanLiteral(b)) = rest.first() {
                                    out.default = out.default.or(Some(b.value));
                                }
                                return;
                            }
                        }
                    }
                }
                // `_is_true(os.getenv("X"))`, `bool(x)`: what the call reads.
                for a in c.arguments.args.iter().take(2) {
                    self.setting_reads(a, scope, out, d);
                }
            }
            _ => {
                if let Some(name) = self.env_name(e, scope) {
                    out.push(name);
                }
            }
        }
    }

    /// An environment read, through normalising calls (`os.getenv("X", "false").lower()`),
    /// with the default it is given when it is a constant.
    fn env_read_with_default(
        &self,
        e: &'a Expr,
        scope: ScopeId,
    ) -> Option<(String, Option<String>)> {
        let Expr::Call(c) = e else {
            return self.env_name(e, scope).map(|n| (n, None));
        };
        if let Some((name, _)) = self.env_call_name(c, scope) {
            let unset = c
                .arguments
                .args
                .get(1)
                .and_then(|d| self.value_of(d, scope))
                .and_then(|v| v.text());
            return Some((name, unset));
        }
        match &*c.func {
            // `.lower()`, `.strip()` of a read.
            Expr::Attribute(m) if c.arguments.args.is_empty() => self
                .env_read_with_default(&m.value, scope)
                .or_else(|| self.env_name(e, scope).map(|n| (n, None))),
            _ => self.env_name(e, scope).map(|n| (n, None)),
        }
    }
}

/// Statements nested deeper than this are not searched for switches (the collector stops
/// earlier on such code anyway).
const MAX_STMT_DEPTH: u32 = 200;

/// Assignments to a name or attribute named as a telemetry switch, anywhere in the module
/// (`self.telemetry_enabled = …`, `interpreter.disable_telemetry = …`, `NO_ANALYTICS: bool =
/// …`): (name, value, statement).
fn switch_assignments(body: &[Stmt]) -> Vec<(&str, &Expr, TextRange)> {
    struct Found<'b> {
        out: Vec<(&'b str, &'b Expr, TextRange)>,
        depth: u32,
    }
    impl<'b> Visitor<'b> for Found<'b> {
        // Statements only: expressions (which a hostile file nests deeply) are not walked.
        fn visit_expr(&mut self, _: &'b Expr) {}
        fn visit_stmt(&mut self, stmt: &'b Stmt) {
            if self.depth > MAX_STMT_DEPTH {
                return;
            }
            let (targets, value): (Vec<&'b Expr>, Option<&'b Expr>) = match stmt {
                Stmt::Assign(a) => (a.targets.iter().collect(), Some(&*a.value)),
                Stmt::AnnAssign(a) => (vec![&*a.target], a.value.as_deref()),
                _ => (vec![], None),
            };
            if let Some(value) = value {
                for t in targets {
                    let name = match t {
                        Expr::Name(n) => n.id.as_str(),
                        Expr::Attribute(a) => a.attr.as_str(),
                        _ => continue,
                    };
                    if optout::is_switch_property(name) && self.out.len() < 256 {
                        self.out.push((name, value, stmt.range()));
                    }
                }
            }
            self.depth += 1;
            walk_stmt(self, stmt);
            self.depth -= 1;
        }
    }
    let mut found = Found {
        out: Vec::new(),
        depth: 0,
    };
    for s in body {
        found.visit_stmt(s);
    }
    found.out
}
