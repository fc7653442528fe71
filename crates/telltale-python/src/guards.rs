//! Pass 4: region guards. An `if` that compares region data (time zone, locale, an
//! IP-geolocation answer) with constants that name countries, the code it controls and what
//! that code does.
//!
//! ```text
//! if locale.getdefaultlocale()[0] == "ru_RU": shutil.rmtree(home)        → RU, destructive
//! if requests.get(geo).json()["country"] not in ("RU", "BY"): return     → the rest of the block
//! if time.tzname[0] in ("MSK", "Europe/Moscow"): print("…")
//! ```

use crate::{span_of, Analyzer, GuardSite, ScopeId};
use ruff_python_ast::{self as ast, CmpOp, Expr, Stmt};
use ruff_text_size::{Ranged, TextRange};
use std::collections::BTreeSet;
use telltale_facts::{DataKind, Effect, Kinds, RegionGuardFact};
use telltale_knowledge::geo::{countries_in_identifier, countries_of, RegionCmp as Cmp};
use telltale_knowledge::py_api::py_api;
use telltale_knowledge::strings::is_network_tool;

impl<'a> Analyzer<'a> {
    fn constants_of(&self, e: &'a Expr, scope: ScopeId) -> Vec<String> {
        match self.value_of(e, scope).map(|c| c.v) {
            Some(crate::value::V::Str(s)) => vec![s],
            Some(crate::value::V::List(items)) => items
                .into_iter()
                .filter_map(|v| match v {
                    crate::value::V::Str(s) => Some(s),
                    _ => None,
                })
                .take(512)
                .collect(),
            _ => vec![],
        }
    }

    fn make_cmp(
        &self,
        subject: &'a Expr,
        constants_from: &'a Expr,
        scope: ScopeId,
        positive: bool,
    ) -> Option<Cmp> {
        let constants = self.constants_of(constants_from, scope);
        if constants.is_empty() {
            return None;
        }
        let kinds = self.kinds_of(subject, scope).region();
        if kinds.is_empty() {
            return None;
        }
        let mut countries = BTreeSet::new();
        for c in &constants {
            countries_of(kinds, c, &mut countries);
        }
        if countries.is_empty() {
            return None;
        }
        let subject_name = self
            .path_of(subject, scope)
            .map(|p| p.to_string())
            .unwrap_or_else(|| self.snippet(subject.range()));
        let steps = self.steps_for(&self.atoms(subject, scope), kinds);
        Some(Cmp {
            kinds,
            subject: subject_name,
            constants,
            countries,
            positive,
            steps,
        })
    }

    /// The comparisons of region data in a condition (`a == "RU" or a == "BY"`).
    fn region_cmps(&self, e: &'a Expr, scope: ScopeId, depth: u32) -> Vec<Cmp> {
        if depth > 16 {
            return vec![];
        }
        match e {
            Expr::Compare(c) if c.ops.len() == 1 => {
                let (l, r) = (&*c.left, &c.comparators[0]);
                let positive = match c.ops[0] {
                    CmpOp::Eq | CmpOp::Is | CmpOp::In => true,
                    CmpOp::NotEq | CmpOp::IsNot | CmpOp::NotIn => false,
                    _ => return vec![],
                };
                // `tz in ("MSK", …)` or `"Moscow" in tz`; `==` either way round.
                self.make_cmp(l, r, scope, positive)
                    .or_else(|| self.make_cmp(r, l, scope, positive))
                    .into_iter()
                    .collect()
            }
            Expr::Call(c) => {
                // A predicate of the file: `def is_zh(): return locale.getlocale()[0] ==
                // "zh_CN"`; or a probe named for a country: `def in_china(): requests.head(…)`.
                if let Some((f, _)) = self.local_callee(&c.func, scope) {
                    let func = &self.funcs[f];
                    let mut cmps: Vec<Cmp> = Vec::new();
                    if c.arguments.args.is_empty() && c.arguments.keywords.is_empty() {
                        let results = match func.body {
                            crate::FnBody::Expr(x) => vec![x],
                            crate::FnBody::Block(body) => returned(body),
                        };
                        cmps = results
                            .into_iter()
                            .flat_map(|x| self.region_cmps(x, func.scope, depth + 1))
                            .take(4)
                            .collect();
                    }
                    cmps.extend(self.probe(c, f).filter(|_| cmps.is_empty()));
                    if !cmps.is_empty() {
                        return cmps;
                    }
                }
                self.method_cmps(c, scope)
            }
            Expr::BoolOp(b) => b
                .values
                .iter()
                .flat_map(|v| self.region_cmps(v, scope, depth + 1))
                .collect(),
            Expr::UnaryOp(u) if u.op == ast::UnaryOp::Not => {
                let mut v = self.region_cmps(&u.operand, scope, depth + 1);
                for c in &mut v {
                    c.positive = !c.positive;
                }
                v
            }
            _ => vec![],
        }
    }

    /// `tz.startswith("Europe/Moscow")`, `"China" in …` written as `__contains__`.
    fn method_cmps(&self, c: &'a ast::ExprCall, scope: ScopeId) -> Vec<Cmp> {
        match &*c.func {
            Expr::Attribute(a)
                if matches!(a.attr.as_str(), "startswith" | "endswith" | "__contains__") =>
            {
                c.arguments
                    .args
                    .first()
                    .and_then(|arg| self.make_cmp(&a.value, arg, scope, true))
                    .into_iter()
                    .collect()
            }
            _ => vec![],
        }
    }

    /// A call of the file's own function named for a country whose body contacts the network
    /// (`is_china_network()` timing a request to Google, a failure counting as China): where
    /// the user seems to be, from the network's answer. Named for no country, or contacting
    /// nothing, it is not one.
    fn probe(&self, call: &'a ast::ExprCall, f: usize) -> Option<Cmp> {
        let func = &self.funcs[f];
        let countries = countries_in_identifier(func.name);
        if countries.is_empty() {
            return None;
        }
        let (effects, apis) = self.effects_in(&[func.range]);
        // `subprocess.run(["ping", "-c", "1", "google.com"])` probes the network too.
        let pings = || {
            self.calls
                .iter()
                .filter(|c| func.range.contains_range(c.call.range()))
                .filter_map(|c| self.command_of(c.call, c.scope))
                .any(|cmd| {
                    let program = cmd.text.split_whitespace().next().unwrap_or_default();
                    is_network_tool(program.trim_matches(|c| c == '\'' || c == '"'))
                })
        };
        if !effects.contains(&Effect::Network) && !(effects.contains(&Effect::Exec) && pings()) {
            return None;
        }
        let api = apis.first().cloned().unwrap_or_default();
        Some(Cmp {
            kinds: Kinds::of(DataKind::NetworkProbe),
            subject: format!("{}()", func.name),
            constants: vec![],
            countries: countries.into_iter().map(str::to_string).collect(),
            positive: true,
            steps: vec![telltale_facts::Step {
                span: span_of(call.range()),
                what: format!(
                    "asks {}(), which contacts the network ({api}) to tell where the user is",
                    func.name
                ),
            }],
        })
    }

    /// What the calls in `ranges` do (and those in the file's functions they call).
    fn effects_in(&self, ranges: &[TextRange]) -> (Vec<Effect>, Vec<String>) {
        let api = py_api();
        let mut effects = BTreeSet::new();
        let mut apis = BTreeSet::new();
        let mut todo: Vec<TextRange> = ranges.to_vec();
        let mut seen_funcs = BTreeSet::new();
        while let Some(r) = todo.pop() {
            for call in self
                .calls
                .iter()
                .filter(|c| r.contains_range(c.call.range()))
            {
                let Some(p) = self.path_of(&call.call.func, call.scope) else {
                    continue;
                };
                let effect = api.effect(&p).or_else(|| {
                    if api.sink(&p).is_some() || api.handle_sink(&p).is_some() {
                        Some(Effect::Network)
                    } else if api.exec_style(&p).is_some() || api.is_dynamic_code(&p) {
                        Some(Effect::Exec)
                    } else {
                        None
                    }
                });
                if let Some(e) = effect {
                    effects.insert(e);
                    apis.insert(p.to_string());
                }
                if let Some((f, _)) = self.local_callee(&call.call.func, call.scope) {
                    if seen_funcs.insert(f) && seen_funcs.len() < 32 {
                        todo.push(self.funcs[f].range);
                    }
                }
            }
        }
        // A URL or host written in the region's code: an address chosen there.
        if let Some(host) = self.hosts_in(ranges).into_iter().next() {
            effects.insert(Effect::Endpoint);
            apis.insert(host);
        }
        (effects.into_iter().collect(), apis.into_iter().collect())
    }

    /// Hosts the string literals in `ranges` name as endpoints (a URL's host).
    fn hosts_in(&self, ranges: &[TextRange]) -> Vec<String> {
        use ruff_python_ast::visitor::{walk_expr, walk_stmt, Visitor};
        struct Strings<'r> {
            ranges: &'r [TextRange],
            hosts: Vec<String>,
        }
        impl<'x> Visitor<'x> for Strings<'_> {
            fn visit_stmt(&mut self, s: &'x Stmt) {
                if self.ranges.iter().any(|r| r.intersect(s.range()).is_some()) {
                    walk_stmt(self, s);
                }
            }
            fn visit_expr(&mut self, e: &'x Expr) {
                if let Expr::StringLiteral(lit) = e {
                    if self.hosts.len() < 4
                        && self.ranges.iter().any(|r| r.contains_range(e.range()))
                    {
                        let v = lit.value.to_str();
                        if v.len() <= 2048 {
                            self.hosts.extend(
                                telltale_knowledge::strings::urls(v)
                                    .into_iter()
                                    .map(|(_, h)| h),
                            );
                        }
                    }
                }
                walk_expr(self, e);
            }
        }
        let mut v = Strings {
            ranges,
            hosts: Vec::new(),
        };
        for s in self.body {
            v.visit_stmt(s);
        }
        v.hosts
    }
}

/// What a function body returns at its top level or in a `try` body.
fn returned(body: &[Stmt]) -> Vec<&Expr> {
    let mut out = Vec::new();
    for s in body {
        match s {
            Stmt::Return(r) => out.extend(r.value.as_deref()),
            Stmt::Try(t) => out.extend(returned(&t.body)),
            _ => {}
        }
    }
    out
}

/// Whether a block ends the code that follows it (`return`, `raise`, `sys.exit()`).
fn exits<'a>(an: &Analyzer<'a>, body: &'a [Stmt], scope: ScopeId) -> bool {
    match body.last() {
        Some(Stmt::Return(_) | Stmt::Raise(_) | Stmt::Continue(_) | Stmt::Break(_)) => true,
        Some(Stmt::Expr(e)) => match &*e.value {
            Expr::Call(c) => an
                .path_of(&c.func, scope)
                .is_some_and(|p| matches!(&*p, "sys.exit" | "exit" | "quit" | "os._exit")),
            _ => false,
        },
        _ => false,
    }
}

fn block_range(body: &[Stmt]) -> Option<TextRange> {
    Some(TextRange::new(body.first()?.start(), body.last()?.end()))
}

pub(crate) fn run(an: &mut Analyzer<'_>) {
    let mut guards = Vec::new();
    for GuardSite { stmt, scope, rest } in &an.guard_sites {
        let mut tests: Vec<(&Expr, &[Stmt])> = vec![(&stmt.test, &stmt.body)];
        tests.extend(
            stmt.elif_else_clauses
                .iter()
                .filter_map(|c| c.test.as_ref().map(|t| (t, c.body.as_slice()))),
        );
        let else_body = stmt
            .elif_else_clauses
            .iter()
            .find(|c| c.test.is_none())
            .map(|c| c.body.as_slice());
        for (test, body) in tests {
            let cmps = an.region_cmps(test, *scope, 0);
            if cmps.is_empty() {
                continue;
            }
            let positive = cmps.iter().all(|c| c.positive);
            let guarded = if positive {
                block_range(body)
            } else if exits(an, body, *scope) {
                block_range(rest)
            } else {
                else_body.and_then(block_range)
            };
            let Some(guarded) = guarded else { continue };
            let (mut effects, effect_apis) = an.effects_in(&[guarded]);
            // The code that runs elsewhere: when it does the same kind of thing at another
            // address (`pip install` with or without a mirror), what differs is the address.
            let elsewhere = if positive {
                else_body.and_then(block_range)
            } else {
                block_range(body)
            };
            if let Some(other) = elsewhere.filter(|_| effects.contains(&Effect::Endpoint)) {
                let (alt, _) = an.effects_in(&[other]);
                for shared in [Effect::Network, Effect::Exec] {
                    if alt.contains(&shared)
                        || shared == Effect::Network && alt.contains(&Effect::Endpoint)
                    {
                        effects.retain(|e| *e != shared);
                    }
                }
            }
            let mut countries = BTreeSet::new();
            let mut constants = Vec::new();
            let mut kinds = Kinds::EMPTY;
            for c in &cmps {
                countries.extend(c.countries.iter().cloned());
                constants.extend(c.constants.iter().cloned());
                kinds = kinds.union(c.kinds);
            }
            guards.push(RegionGuardFact {
                source: kinds,
                source_api: cmps[0].subject.clone(),
                constants,
                countries: countries.into_iter().collect(),
                effects,
                effect_apis,
                span: span_of(test.range()),
                guarded: span_of(guarded),
                outside: false,
                detector: None,
                steps: cmps[0].steps.clone(),
            });
        }
    }
    an.facts.region_guards.extend(guards);
}
