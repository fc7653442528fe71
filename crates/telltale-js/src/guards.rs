//! Pass 3: region guards. A comparison of region data (time zone, locale, geo-IP answer,
//! page host) with constants that name countries, the code it controls, and what that code
//! does (message, network, process, UI sabotage, destruction).

use crate::resolve::Val;
use crate::{fspan, Analyzer, FnBody, Init};
use oxc_ast::ast::*;
use oxc_ast_visit::{walk, Visit};
use oxc_span::GetSpan;
use oxc_syntax::scope::ScopeFlags;
use rustc_hash::FxHashSet as HashSet;
use std::collections::BTreeSet;
use telltale_facts::{DataKind, Effect, Kinds, RegionGuardFact};
use telltale_knowledge::geo::{countries_of, RegionCmp as Cmp};
use telltale_knowledge::js_api::js_api;

fn arena<'a, T>(r: &T) -> &'a T {
    // SAFETY: as in `collect::arena`: nodes live in the arena for 'a.
    unsafe { &*(r as *const T) }
}

/// Literal words a regex matches: `^ru\b` → `ru`; `\.(ru|su|by)$` → `ru`, `su`, `by`.
fn regex_words(pattern: &str) -> Vec<String> {
    let cleaned = pattern
        .replace("\\b", "|")
        .replace("\\.", ".")
        .replace("(?:", "(")
        .replace("(?i)", "");
    cleaned
        .split(|c: char| "()[]^$?*+{}|\\/".contains(c))
        .map(|w| w.trim_matches('.').to_ascii_lowercase())
        .filter(|w| {
            w.len() >= 2
                && w.chars()
                    .all(|c| c.is_alphanumeric() || c == '-' || c == '_' || c == '.' || c == '/')
        })
        .collect()
}

fn is_minus_one<'a>(a: &Analyzer<'a>, e: &Expression<'a>) -> bool {
    matches!(a.value_of(arena(e)).map(|v| v.val), Some(Val::Num(n)) if n == -1.0)
}

fn is_zero<'a>(a: &Analyzer<'a>, e: &Expression<'a>) -> bool {
    matches!(a.value_of(arena(e)).map(|v| v.val), Some(Val::Num(n)) if n == 0.0)
}

impl<'a> Analyzer<'a> {
    fn subject_name(&self, e: &'a Expression<'a>) -> String {
        self.path_of(e)
            .map(|p| p.to_string())
            .unwrap_or_else(|| self.snippet(e.span()))
    }

    /// The constants a value is compared with or looked up in: a string, an array, a regex's
    /// words, a `new Set([...])` (written in place or stored in a constant).
    pub(crate) fn constants_of(&self, e: &'a Expression<'a>) -> Vec<String> {
        if let Expression::RegExpLiteral(r) = e.without_parentheses() {
            return regex_words(r.regex.pattern.text.as_str());
        }
        let set = match e.without_parentheses() {
            Expression::Identifier(id) => match self.symbol_of(id).and_then(|s| self.inits.get(&s))
            {
                Some(Init::Expr(Expression::NewExpression(n))) => Some(n),
                _ => None,
            },
            Expression::NewExpression(n) => Some(n),
            _ => None,
        };
        let e = match set {
            Some(n) if self.path_of(&n.callee).as_deref() == Some("Set") => {
                match n.arguments.first().and_then(|a| a.as_expression()) {
                    Some(x) => x,
                    None => return vec![],
                }
            }
            _ => e,
        };
        match self.value_of(e).map(|v| v.val) {
            Some(Val::Str(s)) => vec![s],
            Some(Val::Arr(items)) => items
                .into_iter()
                .filter_map(|v| match v {
                    Val::Str(s) => Some(s),
                    _ => None,
                })
                .take(512)
                .collect(),
            _ => vec![],
        }
    }

    fn make_cmp(
        &self,
        subject: &'a Expression<'a>,
        constants_from: &'a Expression<'a>,
        positive: bool,
    ) -> Option<Cmp> {
        // Constants first: most comparisons are with words that name no country, and that
        // check is far cheaper than the data kinds of the subject.
        let constants = self.constants_of(constants_from);
        let all = Kinds(
            DataKind::TimeZone.bit()
                | DataKind::Locale.bit()
                | DataKind::PageHost.bit()
                | DataKind::GeoIpAnswer.bit(),
        );
        let mut possible = BTreeSet::new();
        for c in &constants {
            countries_of(all, c, &mut possible);
            if !possible.is_empty() {
                break;
            }
        }
        if possible.is_empty() {
            return None;
        }
        // Provenance: the compared value must be region data itself, not something computed
        // with it (a translated string, a status in a record that also holds a locale).
        let origin = self.region_value(subject)?;
        let kinds = origin.kinds;
        let mut countries = BTreeSet::new();
        for c in &constants {
            countries_of(kinds, c, &mut countries);
        }
        Some(Cmp {
            kinds,
            subject: self.subject_name(subject),
            constants,
            countries,
            positive,
            steps: origin.steps,
        })
    }

    /// A single comparison of region data with constants, if `e` is one.
    fn region_cmp(&self, e: &'a Expression<'a>) -> Option<Cmp> {
        match e.without_parentheses() {
            Expression::BinaryExpression(b) => {
                let eq = matches!(
                    b.operator,
                    BinaryOperator::StrictEquality | BinaryOperator::Equality
                );
                let ne = matches!(
                    b.operator,
                    BinaryOperator::StrictInequality | BinaryOperator::Inequality
                );
                // `list.indexOf(x) === -1`, `-1 !== list.indexOf(x)`, `list.indexOf(x) < 0`.
                for (call_side, other) in [(&b.left, &b.right), (&b.right, &b.left)] {
                    if let Expression::CallExpression(c) = call_side.without_parentheses() {
                        if let Expression::StaticMemberExpression(m) =
                            c.callee.without_parentheses()
                        {
                            if m.property.name == "indexOf" {
                                let inner = self.method_cmp(c)?;
                                let found = if is_minus_one(self, other) {
                                    if eq {
                                        Some(false)
                                    } else if ne {
                                        Some(true)
                                    } else {
                                        match b.operator {
                                            BinaryOperator::GreaterThan => {
                                                Some(std::ptr::eq(call_side, &b.left))
                                            }
                                            _ => None,
                                        }
                                    }
                                } else if is_zero(self, other) {
                                    match b.operator {
                                        BinaryOperator::LessThan => {
                                            Some(!std::ptr::eq(call_side, &b.left))
                                        }
                                        BinaryOperator::GreaterEqualThan => {
                                            Some(std::ptr::eq(call_side, &b.left))
                                        }
                                        _ => None,
                                    }
                                } else {
                                    None
                                };
                                return found.map(|positive| Cmp { positive, ..inner });
                            }
                        }
                    }
                }
                if !(eq || ne) {
                    return None;
                }
                let l: &'a Expression<'a> = arena(&b.left);
                let r: &'a Expression<'a> = arena(&b.right);
                self.make_cmp(l, r, eq).or_else(|| self.make_cmp(r, l, eq))
            }
            Expression::CallExpression(c) => self.method_cmp(arena(&**c)),
            Expression::ChainExpression(ch) => match &ch.expression {
                ChainElement::CallExpression(c) => self.method_cmp(arena(&**c)),
                _ => None,
            },
            _ => None,
        }
    }

    /// `list.includes(x)`, `x.startsWith("ru")`, `/^ru\b/.test(x)`, `x.match(re)`, `set.has(x)`.
    fn method_cmp(&self, c: &'a CallExpression<'a>) -> Option<Cmp> {
        let Expression::StaticMemberExpression(m) = c.callee.without_parentheses() else {
            return None;
        };
        let recv: &'a Expression<'a> = arena(&m.object);
        let arg: &'a Expression<'a> = c.arguments.first()?.as_expression()?;
        match m.property.name.as_str() {
            "includes" | "indexOf" | "has" => self
                .make_cmp(arg, recv, true)
                .or_else(|| self.make_cmp(recv, arg, true)),
            "startsWith" | "endsWith" | "match" | "search" | "localeCompare" => {
                self.make_cmp(recv, arg, true)
            }
            "test" | "exec" => self.make_cmp(arg, recv, true),
            _ => None,
        }
    }

    /// Region comparisons in a condition, each with whether the condition holds in-region.
    fn test_cmps(&self, e: &'a Expression<'a>, negated: bool, depth: u32, out: &mut Vec<Cmp>) {
        if depth > 8 {
            return;
        }
        match e {
            Expression::UnaryExpression(u) if u.operator == UnaryOperator::LogicalNot => {
                self.test_cmps(&u.argument, !negated, depth + 1, out)
            }
            Expression::ParenthesizedExpression(p) => {
                self.test_cmps(&p.expression, negated, depth + 1, out)
            }
            Expression::LogicalExpression(l) => {
                self.test_cmps(&l.left, negated, depth + 1, out);
                self.test_cmps(&l.right, negated, depth + 1, out);
            }
            Expression::SequenceExpression(s) => {
                if let Some(last) = s.expressions.last() {
                    self.test_cmps(last, negated, depth + 1, out)
                }
            }
            Expression::Identifier(id) => {
                // A flag computed earlier: `const isRu = tz === "Europe/Moscow"; if (isRu) …`.
                if let Some(Init::Expr(init)) = self.symbol_of(id).and_then(|s| self.inits.get(&s))
                {
                    self.test_cmps(init, negated, depth + 1, out);
                }
            }
            Expression::CallExpression(c) if c.arguments.is_empty() => {
                // A predicate function: `function isRu() { return … }`.
                let is_local = matches!(c.callee.without_parentheses(), Expression::Identifier(id) if self.symbol_of(id).is_some_and(|s| self.fn_by_symbol.get(&s).is_some()));
                if is_local {
                    if let Some(r) = self.predicate_return(&c.callee) {
                        self.test_cmps(r, negated, depth + 1, out);
                    }
                } else if let Some(mut cmp) = self.region_cmp(e) {
                    cmp.positive ^= negated;
                    out.push(cmp);
                }
            }
            other => {
                if let Some(mut cmp) = self.region_cmp(other) {
                    cmp.positive ^= negated;
                    out.push(cmp);
                }
            }
        }
    }
}

/// What guarded code does, following calls into the file's own functions.
struct EffectFinder<'a, 'b> {
    an: &'b Analyzer<'a>,
    effects: BTreeSet<Effect>,
    apis: BTreeSet<String>,
    visited: HashSet<usize>,
    depth: u32,
}

impl<'a> EffectFinder<'a, '_> {
    fn note(&mut self, e: Effect, api: &str) {
        self.effects.insert(e);
        if self.apis.len() < 12 {
            self.apis.insert(api.to_string());
        }
    }

    fn visit_fn(&mut self, f: usize) {
        if self.depth > 6 || !self.visited.insert(f) {
            return;
        }
        self.depth += 1;
        match self.an.funcs[f].body {
            FnBody::Block(b) => self.visit_function_body(b),
            FnBody::Expr(x) => self.visit_expression(x),
        }
        self.depth -= 1;
    }

    fn call(&mut self, callee: &'a Expression<'a>) {
        let api = js_api();
        let local = self.an.callee_function(callee);
        if let Some(f) = local {
            self.visit_fn(f);
            return;
        }
        if let Some(p) = self.an.path_of(callee) {
            if api.is_destructive(&p) {
                self.note(Effect::Destructive, &p);
            } else if api.sink(&p).is_some() {
                self.note(Effect::Network, &p);
            } else if api.is_exec(&p)
                || api.is_dynamic_code(&p) && !matches!(&*p, "setTimeout" | "setInterval")
            {
                self.note(Effect::Exec, &p);
            } else if let Some(e) = api.effect(&p) {
                self.note(e, &p);
            }
        }
        if let Expression::StaticMemberExpression(m) = callee.without_parentheses() {
            if api.ui_methods.iter().any(|u| u == m.property.name.as_str()) {
                self.note(Effect::UiSabotage, &format!(".{}()", m.property.name));
            }
        }
    }
}

impl<'a> Visit<'a> for EffectFinder<'a, '_> {
    fn visit_call_expression(&mut self, it: &CallExpression<'a>) {
        let it: &'a CallExpression<'a> = arena(it);
        self.call(&it.callee);
        walk::walk_call_expression(self, it);
    }
    fn visit_new_expression(&mut self, it: &NewExpression<'a>) {
        let it: &'a NewExpression<'a> = arena(it);
        self.call(&it.callee);
        walk::walk_new_expression(self, it);
    }
    fn visit_assignment_expression(&mut self, it: &AssignmentExpression<'a>) {
        let api = js_api();
        if let Some(m) = it.left.as_member_expression() {
            let obj: &'a Expression<'a> = arena(m.object());
            if let (Some(base), Some(prop)) = (self.an.path_of(obj), m.static_property_name()) {
                let full = if base.is_empty() {
                    prop.to_string()
                } else {
                    format!("{base}.{prop}")
                };
                if api.is_ui_assignment(&full) {
                    self.note(Effect::UiSabotage, &full);
                }
            }
            if let Some(prop) = m.static_property_name() {
                let on_style = matches!(m.object(), Expression::StaticMemberExpression(s) if s.property.name == "style");
                if on_style && api.ui_style_properties.iter().any(|p| p == prop) {
                    self.note(Effect::UiSabotage, &format!("style.{prop}"));
                }
            }
        } else if let AssignmentTarget::AssignmentTargetIdentifier(id) = &it.left {
            if self.an.symbol_of(id).is_none() && api.is_ui_assignment(id.name.as_str()) {
                self.note(Effect::UiSabotage, id.name.as_str());
            }
        }
        walk::walk_assignment_expression(self, it);
    }
    fn visit_function(&mut self, it: &Function<'a>, flags: ScopeFlags) {
        // Callbacks defined in guarded code run as part of it (timers, handlers).
        walk::walk_function(self, it, flags);
    }
}

/// A place where a condition may control code, recorded by [`crate::collect`] in source
/// order so this pass needs no walk of its own.
pub(crate) enum GuardSite<'a> {
    /// `if (c) return;` followed by more statements of the same block.
    EarlyExit(&'a IfStatement<'a>, &'a [Statement<'a>]),
    If(&'a IfStatement<'a>),
    /// The expression of an expression statement: `c && f()`, `c ? f() : g()`.
    Expr(&'a Expression<'a>),
    Switch(&'a SwitchStatement<'a>),
}

pub(crate) fn is_early_exit(s: &Statement<'_>) -> bool {
    match s {
        Statement::ReturnStatement(_)
        | Statement::ThrowStatement(_)
        | Statement::BreakStatement(_)
        | Statement::ContinueStatement(_) => true,
        Statement::BlockStatement(b) => b.body.last().is_some_and(is_early_exit),
        Statement::ExpressionStatement(e) => {
            matches!(&e.expression, Expression::CallExpression(c) if matches!(&c.callee, Expression::StaticMemberExpression(m) if m.property.name == "exit"))
        }
        _ => false,
    }
}

struct GuardFinder<'a, 'b> {
    an: &'b Analyzer<'a>,
    out: Vec<RegionGuardFact>,
}

enum Guarded<'a, 'x> {
    Stmts(&'x [Statement<'a>]),
    Stmt(&'x Statement<'a>),
    Expr(&'x Expression<'a>),
}

impl<'a> GuardFinder<'a, '_> {
    fn cmps(&self, test: &Expression<'a>) -> Vec<Cmp> {
        let mut out = Vec::new();
        self.an.test_cmps(arena(test), false, 0, &mut out);
        out.retain(|c| !c.countries.is_empty());
        out
    }

    fn record(&mut self, cmps: &[Cmp], test_span: oxc_span::Span, guarded: Guarded<'a, '_>) {
        let mut finder = EffectFinder {
            an: self.an,
            effects: BTreeSet::new(),
            apis: BTreeSet::new(),
            visited: HashSet::default(),
            depth: 0,
        };
        let span = match guarded {
            Guarded::Stmts(list) => {
                for s in list {
                    finder.visit_statement(arena(s));
                }
                match (list.first(), list.last()) {
                    (Some(a), Some(b)) => oxc_span::Span::new(a.span().start, b.span().end),
                    _ => test_span,
                }
            }
            Guarded::Stmt(s) => {
                finder.visit_statement(arena(s));
                s.span()
            }
            Guarded::Expr(e) => {
                finder.visit_expression(arena(e));
                e.span()
            }
        };
        let mut kinds = Kinds::EMPTY;
        let mut constants = Vec::new();
        let mut countries = BTreeSet::new();
        for c in cmps {
            kinds = kinds.union(c.kinds);
            constants.extend(c.constants.iter().take(64).cloned());
            countries.extend(c.countries.iter().cloned());
        }
        constants.dedup();
        self.out.push(RegionGuardFact {
            source: kinds,
            source_api: cmps.first().map(|c| c.subject.clone()).unwrap_or_default(),
            constants,
            countries: countries.into_iter().collect(),
            effects: finder.effects.into_iter().collect(),
            effect_apis: finder.apis.into_iter().collect(),
            span: fspan(test_span),
            guarded: fspan(span),
            steps: cmps.first().map(|c| c.steps.clone()).unwrap_or_default(),
        });
    }

    /// The in-region polarity of a condition: true when it holds for the named countries.
    fn positive(cmps: &[Cmp]) -> bool {
        cmps.first().is_some_and(|c| c.positive)
    }

    fn control_expression(&mut self, e: &'a Expression<'a>) {
        match e.without_parentheses() {
            Expression::LogicalExpression(l) => {
                let cmps = self.cmps(&l.left);
                if !cmps.is_empty() {
                    let runs_in_region = match l.operator {
                        LogicalOperator::And => Self::positive(&cmps),
                        LogicalOperator::Or => !Self::positive(&cmps),
                        LogicalOperator::Coalesce => return,
                    };
                    if runs_in_region {
                        self.record(&cmps, l.left.span(), Guarded::Expr(&l.right));
                    }
                }
            }
            Expression::ConditionalExpression(c) => {
                let cmps = self.cmps(&c.test);
                if !cmps.is_empty() {
                    let branch = if Self::positive(&cmps) {
                        &c.consequent
                    } else {
                        &c.alternate
                    };
                    self.record(&cmps, c.test.span(), Guarded::Expr(branch));
                }
            }
            Expression::SequenceExpression(s) => {
                for x in &s.expressions {
                    self.control_expression(x);
                }
            }
            _ => {}
        }
    }

    fn site(&mut self, site: &GuardSite<'a>) {
        match *site {
            GuardSite::EarlyExit(ifs, rest) => {
                let cmps = self.cmps(&ifs.test);
                if !cmps.is_empty() && !Self::positive(&cmps) {
                    // `if (!inRegion) return;` — the rest of the block runs only in-region.
                    self.record(&cmps, ifs.test.span(), Guarded::Stmts(rest));
                }
            }
            GuardSite::If(it) => {
                let cmps = self.cmps(&it.test);
                if !cmps.is_empty() {
                    if Self::positive(&cmps) {
                        self.record(&cmps, it.test.span(), Guarded::Stmt(&it.consequent));
                    } else if let Some(alt) = &it.alternate {
                        self.record(&cmps, it.test.span(), Guarded::Stmt(alt));
                    }
                }
            }
            GuardSite::Expr(e) => self.control_expression(e),
            GuardSite::Switch(it) => {
                let subject: &'a Expression<'a> = &it.discriminant;
                let Some(origin) = self.an.region_value(subject) else {
                    return;
                };
                let kinds = origin.kinds;
                for case in &it.cases {
                    let Some(test) = &case.test else { continue };
                    let constants = self.an.constants_of(test);
                    let mut countries = BTreeSet::new();
                    for c in &constants {
                        countries_of(kinds, c, &mut countries);
                    }
                    if countries.is_empty() || case.consequent.is_empty() {
                        continue;
                    }
                    let cmp = Cmp {
                        kinds,
                        subject: self.an.subject_name(subject),
                        constants,
                        countries,
                        positive: true,
                        steps: origin.steps.clone(),
                    };
                    self.record(&[cmp], test.span(), Guarded::Stmts(&case.consequent));
                }
            }
        }
    }
}

/// Pass 3: the conditions of the file, each read once for region guards and for opt-out
/// checks ([`crate::consent`]).
pub(crate) fn run(an: &mut Analyzer<'_>) {
    let sites = std::mem::take(&mut an.guard_sites);
    let mut flows = std::mem::take(&mut an.facts.flows);
    let (opt_outs, guards) = {
        let an: &Analyzer<'_> = an;
        let mut consent = crate::consent::Sites::new(an, &sites);
        let mut finder = GuardFinder {
            an,
            out: Vec::new(),
        };
        for (i, site) in sites.iter().enumerate() {
            crate::prefetch::ahead(&sites, i, an, crate::prefetch::site_expression);
            if let Some(c) = consent.as_mut() {
                c.site(site);
            }
            finder.site(site);
        }
        (
            consent.map(|c| c.finish(&mut flows)).unwrap_or_default(),
            finder.out,
        )
    };
    an.facts.flows = flows;
    an.facts.opt_outs = opt_outs;
    an.facts.region_guards.extend(guards);
}

#[cfg(test)]
mod tests {
    use super::regex_words;

    #[test]
    fn regex_words_reads_alternatives() {
        assert_eq!(regex_words(r"^ru\b"), vec!["ru"]);
        assert_eq!(
            regex_words(r"\.(ru|su|by|xn--p1ai)$"),
            vec!["ru", "su", "by", "xn--p1ai"]
        );
    }
}
