//! Region guards that compare no region data: code that decides whether the user is behind a
//! national firewall by probing the network, and settings named for the user's region.
//!
//! - A function named for a country whose body contacts the network
//!   (`async function isChinaDomain(d) { … http.get(…) … return delay > 1000 }`): calling it
//!   asks "is the user in China" by how the network answers.
//! - The winner of a race of requests compared with a host that serves one country
//!   (`faster = await Promise.race([ping(npm), ping(taobao)]); if (faster === taobao)`).
//!
//! Both say where the user *seems* to be: TT201 rates what they decide at most low.

use crate::{fspan, Analyzer, Init};
use oxc_ast::ast::*;
use oxc_span::GetSpan;
use std::collections::BTreeSet;
use telltale_facts::{DataKind, Kinds, Step};
use telltale_knowledge::geo::{countries_in_identifier, country_of_host, RegionCmp as Cmp};

fn arena<'a, T>(r: &T) -> &'a T {
    // SAFETY: as in `collect::arena`: nodes live in the arena for 'a.
    unsafe { &*(r as *const T) }
}

impl<'a> Analyzer<'a> {
    /// The name a call's callee goes by (`isChinaDomain`, `utils.isInChina` → `isInChina`).
    fn callee_name(callee: &Expression<'a>) -> Option<&'a str> {
        match callee.without_parentheses() {
            Expression::Identifier(id) => Some(arena(id).name.as_str()),
            Expression::StaticMemberExpression(m) => Some(arena(&**m).property.name.as_str()),
            _ => None,
        }
    }

    /// `await isChinaDomain("sh.rustup.rs")`: a call of the file's own function named for a
    /// country whose body, or a function it calls, contacts the network.
    pub(crate) fn probe_predicate(&self, call: &'a CallExpression<'a>) -> Option<Cmp> {
        let name = Self::callee_name(&call.callee)?;
        let countries = countries_in_identifier(name);
        if countries.is_empty() {
            return None;
        }
        let f = self.callee_function(&call.callee)?;
        let api = self.contacts_network(f)?;
        let fn_span = self.funcs[f].span;
        Some(Cmp {
            kinds: Kinds::of(DataKind::NetworkProbe),
            subject: self.snippet(call.span),
            constants: vec![],
            countries: countries.into_iter().map(str::to_string).collect(),
            positive: true,
            steps: vec![
                Step {
                    span: fspan(oxc_span::Span::new(
                        fn_span.start,
                        fn_span.start.saturating_add(80).min(fn_span.end),
                    )),
                    what: format!("{name} probes the network ({api}); its name says what for"),
                },
                Step {
                    span: fspan(call.span),
                    what: self.snippet(call.span),
                },
            ],
        })
    }

    /// `faster !== registries.taobao` where `faster = await Promise.race([ping(a), ping(b)])`:
    /// which of several hosts answered first, compared with one that serves one country.
    pub(crate) fn race_cmp(
        &self,
        subject: &'a Expression<'a>,
        host_side: &'a Expression<'a>,
        positive: bool,
    ) -> Option<Cmp> {
        let Expression::Identifier(id) = subject.without_parentheses() else {
            return None;
        };
        let hosts = self.endpoints_of(host_side, 0);
        let countries: BTreeSet<String> = hosts
            .iter()
            .filter_map(|h| country_of_host(h))
            .map(str::to_string)
            .collect();
        if countries.is_empty() {
            return None;
        }
        let sym = self.symbol_of(id)?;
        let mut writes: Vec<&'a Expression<'a>> = self.written_exprs(sym);
        if let Some(Init::Expr(x)) = self.inits.get(&sym) {
            writes.push(x);
        }
        let race = writes.into_iter().find_map(|w| self.race_of(w))?;
        Some(Cmp {
            kinds: Kinds::of(DataKind::NetworkProbe),
            subject: id.name.to_string(),
            constants: hosts,
            countries,
            positive,
            steps: vec![
                Step {
                    span: fspan(race.span()),
                    what: format!("races requests: {}", self.snippet(race.span())),
                },
                Step {
                    span: fspan(id.span),
                    what: id.name.to_string(),
                },
            ],
        })
    }

    /// `Promise.race([...])` / `Promise.any([...])` (awaited or not) whose entries contact the
    /// network: a call of a function that does, or a request itself.
    fn race_of(&self, e: &'a Expression<'a>) -> Option<&'a Expression<'a>> {
        let e = match e.without_parentheses() {
            Expression::AwaitExpression(a) => arena(&a.argument),
            other => other,
        };
        let Expression::CallExpression(c) = e.without_parentheses() else {
            return None;
        };
        let path = self.path_of(&c.callee)?;
        if !matches!(&*path, "Promise.race" | "Promise.any") {
            return None;
        }
        let Some(Expression::ArrayExpression(items)) =
            c.arguments.first().and_then(|a| a.as_expression())
        else {
            return None;
        };
        let mut probes = 0;
        for item in &items.elements {
            let Some(x) = item.as_expression() else {
                continue;
            };
            if self.contacts_network_expr(arena(x)) {
                probes += 1;
            }
        }
        (probes >= 2).then_some(e)
    }

    /// Whether an expression is a request or a call of the file's function that makes one
    /// (`ping(registry)`, `head(host).then(r => !r)`, `fetch(url)`).
    fn contacts_network_expr(&self, e: &'a Expression<'a>) -> bool {
        let Expression::CallExpression(c) = e.without_parentheses() else {
            return false;
        };
        if let Some(f) = self.callee_function(&c.callee) {
            return self.contacts_network(f).is_some();
        }
        if let Some(p) = self.path_of(&c.callee) {
            if telltale_knowledge::js_api::js_api().sink(&p).is_some() {
                return true;
            }
        }
        // `head(host).then(…)`: the promise the chain starts from.
        match c.callee.without_parentheses() {
            Expression::StaticMemberExpression(m)
                if matches!(m.property.name.as_str(), "then" | "catch" | "finally") =>
            {
                self.contacts_network_expr(arena(&m.object))
            }
            _ => false,
        }
    }
}
