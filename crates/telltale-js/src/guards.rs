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

/// Hosts a string names as an endpoint: the hosts of its URLs, or the string itself when it
/// is a host name (`registry.npmmirror.com`).
fn endpoint_hosts(value: &str) -> Vec<String> {
    if value.len() > 2048 {
        return vec![];
    }
    let mut hosts: Vec<String> = telltale_knowledge::strings::urls(value)
        .into_iter()
        .map(|(_, h)| h)
        .collect();
    if hosts.is_empty() && telltale_knowledge::strings::is_host(value) && value.contains('.') {
        hosts.push(value.to_ascii_lowercase());
    }
    hosts
}

/// The member states of the European Economic Area, which share the GDPR: a comparison with
/// many of them decides by jurisdiction, not by one country.
const EEA: &[&str] = &[
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV",
    "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO",
];

/// Privacy laws and consent regimes, as consent code names them (`"GDPR"`, `"QC_LAW25"`).
const PRIVACY_LAWS: &[&str] = &[
    "GDPR", "EPRIVACY", "CCPA", "CPRA", "VCDPA", "CPA", "CTDPA", "UCPA", "LGPD", "PIPEDA", "LAW25",
    "APPI", "PIPA", "PIPL", "PDPA", "POPIA", "DPDP", "KVKK", "NFADP", "FADP",
];

/// The privacy law a short constant names, if it is one (`"GDPR"`, `"QC_LAW25"`): written in
/// capitals as such code writes them (`"pipa"` is a word, not Korea's law).
fn privacy_law(value: &str) -> Option<&'static str> {
    if value.len() > 24 {
        return None;
    }
    value
        .split(|c: char| !c.is_ascii_alphanumeric())
        .find_map(|w| PRIVACY_LAWS.iter().copied().find(|l| *l == w))
}

/// Words of code about consent and tracking, for telling a consent decision by jurisdiction
/// from the same country list used for prices or taxes.
const CONSENT_WORDS: &[&str] = &[
    "consent",
    "cookie",
    "gdpr",
    "privacy",
    "tracking",
    "tracker",
    "analytics",
    "telemetry",
    "banner",
    "law",
    "jurisdiction",
    "optin",
    "opt_in",
    "opt-in",
    "optout",
    "opt_out",
    "opt-out",
];

/// Whether the countries compared are a jurisdiction (ten or more EEA members).
fn is_jurisdiction(countries: &BTreeSet<String>) -> bool {
    countries
        .iter()
        .filter(|c| EEA.contains(&c.as_str()))
        .count()
        >= 10
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
            // Property constants: `TZ.RUSSIA.MOSCOW`, `jurisdictions.EU.has(cc)` with
            // `const jurisdictions = { EU: new Set([...]) }`.
            Expression::StaticMemberExpression(_) => {
                // A property may name another (`{ a: B.c }`): followed a few steps, so that
                // literals naming each other in a cycle end.
                let mut x = e;
                for _ in 0..8 {
                    match self.literal_member(x, 0) {
                        Some(y) if !std::ptr::eq(y, x) => x = y,
                        _ => return vec![],
                    }
                    if !matches!(
                        x.without_parentheses(),
                        Expression::StaticMemberExpression(_)
                    ) {
                        return self.constants_of(x);
                    }
                }
                return vec![];
            }
            _ => None,
        };
        let e = match set {
            Some(n) if self.path_of(&n.callee).as_deref() == Some("Set") => {
                match n.arguments.first().and_then(|a| a.as_expression()) {
                    Some(x) => x,
                    None => return vec![],
                }
            }
            // `new Map([["RU", …], ["BY", …]])`: what `.has`/`.get` test are the keys.
            Some(n) if self.path_of(&n.callee).as_deref() == Some("Map") => {
                return match n.arguments.first().and_then(|a| a.as_expression()) {
                    Some(Expression::ArrayExpression(pairs)) => pairs
                        .elements
                        .iter()
                        .filter_map(|p| match p.as_expression()? {
                            Expression::ArrayExpression(kv) => {
                                match kv.elements.first()?.as_expression()? {
                                    Expression::StringLiteral(k) => Some(k.value.to_string()),
                                    _ => None,
                                }
                            }
                            _ => None,
                        })
                        .take(512)
                        .collect(),
                    _ => vec![],
                };
            }
            _ => e,
        };
        // Whole numbers too: a `getTimezoneOffset()` compared with -480.
        let text = |v: Val| match v {
            Val::Str(s) => Some(s),
            Val::Num(n) if n.fract() == 0.0 && n.abs() <= 900.0 => Some(format!("{n}")),
            _ => None,
        };
        match self.value_of(e).map(|v| v.val) {
            Some(Val::Arr(items)) => items.into_iter().filter_map(text).take(512).collect(),
            Some(v) => text(v).into_iter().collect(),
            None => vec![],
        }
    }

    /// What a property of a constant object literal is written as (`TZ.RUSSIA.MOSCOW` with
    /// `const TZ = { RUSSIA: { MOSCOW: "Europe/Moscow" } }`), through nested literals.
    pub(crate) fn literal_member(
        &self,
        e: &'a Expression<'a>,
        depth: u32,
    ) -> Option<&'a Expression<'a>> {
        if depth > 6 {
            return None;
        }
        match e.without_parentheses() {
            Expression::Identifier(id) => {
                match self.symbol_of(id).and_then(|s| self.inits.get(&s)) {
                    Some(Init::Expr(x)) => Some(*x),
                    _ => None,
                }
            }
            Expression::StaticMemberExpression(m) => {
                let Expression::ObjectExpression(o) = self
                    .literal_member(&m.object, depth + 1)?
                    .without_parentheses()
                else {
                    return None;
                };
                o.properties.iter().find_map(|p| match p {
                    ObjectPropertyKind::ObjectProperty(p)
                        if p.key
                            .static_name()
                            .is_some_and(|k| k == m.property.name.as_str()) =>
                    {
                        Some(arena(&p.value))
                    }
                    _ => None,
                })
            }
            _ => None,
        }
    }

    /// The literal keys of an object a name is bound to (`const codes = { US: 1, CA: 1 }`).
    fn object_keys(&self, e: &'a Expression<'a>) -> Option<Vec<String>> {
        let Expression::Identifier(id) = e.without_parentheses() else {
            return None;
        };
        let Some(Init::Expr(Expression::ObjectExpression(o))) =
            self.symbol_of(id).and_then(|s| self.inits.get(&s))
        else {
            return None;
        };
        let keys: Vec<String> = o
            .properties
            .iter()
            .filter_map(|p| match p {
                ObjectPropertyKind::ObjectProperty(p) => p.key.static_name().map(|k| k.to_string()),
                _ => None,
            })
            .take(512)
            .collect();
        (!keys.is_empty()).then_some(keys)
    }

    fn make_cmp(
        &self,
        subject: &'a Expression<'a>,
        constants_from: &'a Expression<'a>,
        positive: bool,
    ) -> Option<Cmp> {
        self.make_cmp_with(subject, self.constants_of(constants_from), positive)
    }

    fn make_cmp_with(
        &self,
        subject: &'a Expression<'a>,
        constants: Vec<String>,
        positive: bool,
    ) -> Option<Cmp> {
        // Constants first: most comparisons are with words that name no country, and that
        // check is far cheaper than the data kinds of the subject.
        let all = Kinds(
            DataKind::TimeZone.bit()
                | DataKind::Locale.bit()
                | DataKind::PageHost.bit()
                | DataKind::GeoIpAnswer.bit()
                | DataKind::RegionSetting.bit()
                | DataKind::NamedCountry.bit()
                | DataKind::BuildVariant.bit(),
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
        let mut origin = self
            .region_value(subject)
            .or_else(|| self.build_variant(subject, &constants))
            .or_else(|| self.named_country(subject))?;
        origin.steps.dedup_by(|later, kept| later.span == kept.span);
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
                if b.operator == BinaryOperator::In {
                    // `cc in table`
                    let keys = self.object_keys(arena(&b.right))?;
                    return self.make_cmp_with(arena(&b.left), keys, true);
                }
                if !(eq || ne) {
                    return None;
                }
                let l: &'a Expression<'a> = arena(&b.left);
                let r: &'a Expression<'a> = arena(&b.right);
                self.make_cmp(l, r, eq)
                    .or_else(|| self.make_cmp(r, l, eq))
                    .or_else(|| self.race_cmp(l, r, eq))
                    .or_else(|| self.race_cmp(r, l, eq))
            }
            Expression::CallExpression(c) => self.method_cmp(arena(&**c)),
            // `table[cc]`: a lookup in an object whose keys are the constants.
            Expression::ComputedMemberExpression(m) => {
                let keys = self.object_keys(arena(&m.object))?;
                self.make_cmp_with(arena(&m.expression), keys, true)
            }
            Expression::ChainExpression(ch) => match &ch.expression {
                ChainElement::CallExpression(c) => self.method_cmp(arena(&**c)),
                _ => None,
            },
            _ => None,
        }
    }

    /// The endpoints a value may be: a string naming one, a template starting with a URL, a
    /// constant bound to either, or either branch of a choice.
    pub(crate) fn endpoints_of(&self, e: &'a Expression<'a>, depth: u32) -> Vec<String> {
        if depth > 4 {
            return vec![];
        }
        if let Some(Val::Str(s)) = self.value_of(e).map(|v| v.val) {
            return endpoint_hosts(&s);
        }
        match e.without_parentheses() {
            Expression::TemplateLiteral(t) => t
                .quasis
                .first()
                .map(|q| endpoint_hosts(q.value.raw.as_str()))
                .unwrap_or_default(),
            Expression::BinaryExpression(b) if b.operator == BinaryOperator::Addition => {
                self.endpoints_of(arena(&b.left), depth + 1)
            }
            Expression::ConditionalExpression(c) => {
                let mut v = self.endpoints_of(arena(&c.consequent), depth + 1);
                v.extend(self.endpoints_of(arena(&c.alternate), depth + 1));
                v
            }
            Expression::Identifier(id) => match self.symbol_of(id).and_then(|s| self.inits.get(&s))
            {
                Some(Init::Expr(x)) => self.endpoints_of(x, depth + 1),
                _ => vec![],
            },
            // `registries.taobao` with `const registries = { taobao: "https://…" }`.
            Expression::StaticMemberExpression(m) => match m.object.without_parentheses() {
                Expression::Identifier(id) => {
                    match self.symbol_of(id).and_then(|s| self.inits.get(&s)) {
                        Some(Init::Expr(Expression::ObjectExpression(o))) => o
                            .properties
                            .iter()
                            .find_map(|p| match p {
                                ObjectPropertyKind::ObjectProperty(p)
                                    if p.key
                                        .static_name()
                                        .is_some_and(|k| k == m.property.name.as_str()) =>
                                {
                                    Some(self.endpoints_of(arena(&p.value), depth + 1))
                                }
                                _ => None,
                            })
                            .unwrap_or_default(),
                        _ => vec![],
                    }
                }
                _ => vec![],
            },
            _ => vec![],
        }
    }

    /// The network API a function of the file, or one it calls, contacts (`http.get`), if any.
    pub(crate) fn contacts_network(&self, f: usize) -> Option<String> {
        let mut finder = EffectFinder {
            an: self,
            effects: BTreeSet::new(),
            apis: BTreeSet::new(),
            visited: HashSet::default(),
            depth: 3,
        };
        finder.visit_fn(f);
        if !finder.effects.contains(&Effect::Network) {
            return None;
        }
        finder
            .apis
            .into_iter()
            .find(|a| js_api().sink(a).is_some())
            .or(Some("a request".to_string()))
    }

    /// A region predicate another module of the package exports (`require("./is-in-china")`,
    /// `isInChina()` imported from it).
    fn linked_predicate(&self, e: &'a Expression<'a>) -> Option<Cmp> {
        let links = self
            .links
            .as_ref()
            .filter(|l| !l.region_predicates.is_empty())?;
        if !matches!(
            e,
            Expression::Identifier(_)
                | Expression::CallExpression(_)
                | Expression::StaticMemberExpression(_)
        ) {
            return None;
        }
        let path = self.path_of(e)?;
        let (_, p, origin) = links
            .region_predicates
            .iter()
            .find(|(k, ..)| **k == *path)?;
        Some(Cmp {
            kinds: p.kinds,
            subject: p.subject.clone(),
            constants: p.constants.clone(),
            countries: p.countries.iter().cloned().collect(),
            positive: p.positive,
            steps: vec![telltale_facts::Step {
                span: fspan(e.span()),
                what: format!("asks {origin}"),
            }],
        })
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
    pub(crate) fn test_cmps(
        &self,
        e: &'a Expression<'a>,
        negated: bool,
        depth: u32,
        out: &mut Vec<Cmp>,
    ) {
        if depth > 8 {
            return;
        }
        if let Some(mut cmp) = self.linked_predicate(e) {
            cmp.positive ^= negated;
            out.push(cmp);
            return;
        }
        match e {
            // `Boolean(x)`: the truth of x (test_cmps is the only caller of region_cmp).
            Expression::CallExpression(c)
                if c.arguments.len() == 1
                    && matches!(c.callee.without_parentheses(), Expression::Identifier(id) if id.name == "Boolean") =>
            {
                if let Some(x) = c.arguments[0].as_expression() {
                    self.test_cmps(arena(x), negated, depth + 1, out)
                }
            }
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
            Expression::AwaitExpression(a) => self.test_cmps(&a.argument, negated, depth + 1, out),
            Expression::CallExpression(c) if c.arguments.is_empty() => {
                // A predicate function: `function isRu() { return … }`.
                let is_local = matches!(c.callee.without_parentheses(), Expression::Identifier(id) if self.symbol_of(id).is_some_and(|s| self.fn_by_symbol.get(&s).is_some()));
                let before = out.len();
                if is_local {
                    if let Some(r) = self.predicate_return(&c.callee) {
                        self.test_cmps(r, negated, depth + 1, out);
                    }
                } else if let Some(mut cmp) = self.region_cmp(e) {
                    cmp.positive ^= negated;
                    out.push(cmp);
                }
                if out.len() == before {
                    self.push_probe(c, negated, out);
                }
            }
            Expression::CallExpression(c) => {
                let before = out.len();
                if let Some(mut cmp) = self.region_cmp(e) {
                    cmp.positive ^= negated;
                    out.push(cmp);
                }
                if out.len() == before {
                    self.push_probe(c, negated, out);
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

impl<'a> Analyzer<'a> {
    fn push_probe(&self, c: &'a CallExpression<'a>, negated: bool, out: &mut Vec<Cmp>) {
        if let Some(mut cmp) = self.probe_predicate(c) {
            cmp.positive ^= negated;
            out.push(cmp);
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
    fn visit_string_literal(&mut self, it: &StringLiteral<'a>) {
        if let Some(host) = endpoint_hosts(it.value.as_str()).into_iter().next() {
            self.note(Effect::Endpoint, &host);
        } else if let Some(law) = privacy_law(it.value.as_str()) {
            // `return "GDPR"`, `jurisdiction = "CCPA"`: the code picks the law that applies.
            self.note(Effect::Consent, &format!("privacy law {law}"));
        }
    }
    fn visit_template_literal(&mut self, it: &TemplateLiteral<'a>) {
        // Anywhere in the text: `cd "${dir}" && npm install --registry=https://…`.
        if let Some(host) = it
            .quasis
            .iter()
            .find_map(|q| endpoint_hosts(q.value.raw.as_str()).into_iter().next())
        {
            self.note(Effect::Endpoint, &host);
        }
        walk::walk_template_literal(self, it);
    }
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

    /// Whether the region comparisons of `test` hold where it is `when`. `tz === X && flag`
    /// being true says the zone is X, being false says nothing; `tz === X || flag` only says
    /// something when false. Code that runs on the uninformative side is not region code.
    fn holds(&self, test: &Expression<'a>, when: bool) -> bool {
        match test.without_parentheses() {
            Expression::UnaryExpression(u) if u.operator == UnaryOperator::LogicalNot => {
                self.holds(&u.argument, !when)
            }
            Expression::LogicalExpression(l) if l.operator != LogicalOperator::Coalesce => {
                let both = !self.cmps(&l.left).is_empty() && !self.cmps(&l.right).is_empty();
                both || (l.operator == LogicalOperator::And) == when
            }
            _ => true,
        }
    }

    fn finder(&self) -> EffectFinder<'a, '_> {
        EffectFinder {
            an: self.an,
            effects: BTreeSet::new(),
            apis: BTreeSet::new(),
            visited: HashSet::default(),
            depth: 0,
        }
    }

    /// What the code that runs elsewhere (the other branch) does.
    fn alternative(&self, other: Guarded<'a, '_>) -> BTreeSet<Effect> {
        let mut finder = self.finder();
        match other {
            Guarded::Stmts(list) => list.iter().for_each(|s| finder.visit_statement(arena(s))),
            Guarded::Stmt(s) => finder.visit_statement(arena(s)),
            Guarded::Expr(e) => finder.visit_expression(arena(e)),
        }
        finder.effects
    }

    fn record(&mut self, cmps: &[Cmp], test_span: oxc_span::Span, guarded: Guarded<'a, '_>) {
        self.record_vs(cmps, test_span, guarded, None, false);
    }

    /// Record a guard; `elsewhere` is what the other branch does, when there is one: what
    /// differs is then only the language of a message, or the endpoint of a request.
    fn record_vs(
        &mut self,
        cmps: &[Cmp],
        test_span: oxc_span::Span,
        guarded: Guarded<'a, '_>,
        elsewhere: Option<Guarded<'a, '_>>,
        outside: bool,
    ) {
        let mut finder = self.finder();
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
        let mut effects = finder.effects;
        if let Some(other) = elsewhere {
            let alt = self.alternative(other);
            if effects.contains(&Effect::Message)
                && effects
                    .iter()
                    .all(|e| matches!(e, Effect::Message | Effect::Endpoint))
                && alt.contains(&Effect::Message)
            {
                // Both branches print: only the language differs.
                effects = BTreeSet::from([Effect::Localized]);
            } else if effects.contains(&Effect::Endpoint) {
                // Both branches contact the network or run the same kind of command, at other
                // addresses (`npm install --registry=<mirror>` vs `npm install`): a mirror choice.
                if effects.contains(&Effect::Network)
                    && (alt.contains(&Effect::Network) || alt.contains(&Effect::Endpoint))
                {
                    effects.remove(&Effect::Network);
                }
                if effects.contains(&Effect::Exec) && alt.contains(&Effect::Exec) {
                    effects.remove(&Effect::Exec);
                }
            }
        }
        if effects.contains(&Effect::Message) && !effects.contains(&Effect::Network) {
            // A URL in a message is part of what is shown, not an address chosen.
            effects.remove(&Effect::Endpoint);
        }
        // An EU list decides consent only where the code is about consent: the same list
        // picks a currency, a VAT rate or a shipping zone in shops.
        if is_jurisdiction(&countries) && self.about_consent(test_span, span) {
            effects.insert(Effect::Consent);
        }
        if outside
            && effects
                .iter()
                .all(|e| matches!(e, Effect::Message | Effect::Endpoint | Effect::Localized))
            && effects.contains(&Effect::Message)
        {
            // A tip or notice left out in some countries is not aimed at their users.
            effects.remove(&Effect::Message);
            effects.insert(Effect::Localized);
        }
        if outside && effects.is_empty() {
            return;
        }
        self.out.push(RegionGuardFact {
            source: kinds,
            source_api: cmps.first().map(|c| c.subject.clone()).unwrap_or_default(),
            constants,
            countries: countries.into_iter().collect(),
            effects: effects.into_iter().collect(),
            effect_apis: finder.apis.into_iter().collect(),
            span: fspan(test_span),
            guarded: fspan(span),
            outside,
            detector: None,
            steps: cmps.first().map(|c| c.steps.clone()).unwrap_or_default(),
        });
    }

    /// Whether the code around a test and what it controls speaks of consent or tracking
    /// (`applyLaw`, `showCookieBanner`, `gdprApplies`, `analytics.disable()`): the text of the
    /// enclosing function, or a window around the test at the top level, bounded.
    fn about_consent(&self, test: oxc_span::Span, guarded: oxc_span::Span) -> bool {
        const WINDOW: u32 = 4096;
        let (start, end) = match self.an.function_at(test) {
            Some(f) => {
                let s = self.an.funcs[f].span;
                (s.start.max(test.start.saturating_sub(WINDOW)), s.end)
            }
            None => (test.start.saturating_sub(300), guarded.end),
        };
        let end = end.min(guarded.end.max(test.end).saturating_add(WINDOW));
        let Some(text) = self.an.src.get(start as usize..end as usize) else {
            return false;
        };
        let lower = text.to_ascii_lowercase();
        CONSENT_WORDS.iter().any(|w| lower.contains(w))
    }

    /// The in-region polarity of a condition: true when it holds for the named countries.
    fn positive(cmps: &[Cmp]) -> bool {
        cmps.first().is_some_and(|c| c.positive)
    }

    fn control_expression(&mut self, e: &'a Expression<'a>) {
        match e.without_parentheses() {
            Expression::LogicalExpression(l) => {
                let cmps = self.cmps(&l.left);
                let when = l.operator == LogicalOperator::And;
                if !cmps.is_empty() && self.holds(&l.left, when) {
                    let runs_in_region = match l.operator {
                        LogicalOperator::And => Self::positive(&cmps),
                        LogicalOperator::Or => !Self::positive(&cmps),
                        LogicalOperator::Coalesce => return,
                    };
                    self.record_vs(
                        &cmps,
                        l.left.span(),
                        Guarded::Expr(&l.right),
                        None,
                        !runs_in_region,
                    );
                }
            }
            Expression::ConditionalExpression(c) => {
                let cmps = self.cmps(&c.test);
                if !cmps.is_empty() && self.holds(&c.test, Self::positive(&cmps)) {
                    let (branch, other) = if Self::positive(&cmps) {
                        (&c.consequent, &c.alternate)
                    } else {
                        (&c.alternate, &c.consequent)
                    };
                    self.record_vs(
                        &cmps,
                        c.test.span(),
                        Guarded::Expr(branch),
                        Some(Guarded::Expr(other)),
                        false,
                    );
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

    /// `inChina ? "https://registry.npmmirror.com" : "https://registry.npmjs.org"`: a value
    /// chosen by region, anywhere an expression may stand. A finding only when the region's
    /// branch names an endpoint; both are named.
    fn select(&mut self, c: &'a ConditionalExpression<'a>) {
        let (yes, no): (&'a Expression<'a>, &'a Expression<'a>) =
            (arena(&c.consequent), arena(&c.alternate));
        let dedup = |mut v: Vec<String>| {
            let mut seen = HashSet::default();
            v.retain(|h| seen.insert(h.clone()));
            v
        };
        let (yes_hosts, no_hosts) = (
            dedup(self.an.endpoints_of(yes, 0)),
            dedup(self.an.endpoints_of(no, 0)),
        );
        let endpoints = !yes_hosts.is_empty() || !no_hosts.is_empty();
        let (yes_values, no_values) = if endpoints {
            (yes_hosts, no_hosts)
        } else {
            // `isChina ? "Chinese" : "English"`: a value chosen by region, nothing visible.
            let word = |e: &'a Expression<'a>| match e.without_parentheses() {
                Expression::StringLiteral(s) if s.value.len() <= 64 => {
                    Some(format!("{:?}", s.value.as_str()))
                }
                _ => None,
            };
            let (Some(a), Some(b)) = (word(yes), word(no)) else {
                return;
            };
            (vec![a], vec![b])
        };
        let cmps = self.cmps(&c.test);
        if cmps.is_empty() || !self.holds(&c.test, Self::positive(&cmps)) {
            return;
        }
        let (here, here_values, other_values) = if Self::positive(&cmps) {
            (yes, yes_values, no_values)
        } else {
            (no, no_values, yes_values)
        };
        if here_values.is_empty() {
            return;
        }
        let before = self.out.len();
        self.record(&cmps, c.test.span(), Guarded::Expr(here));
        let Some(g) = self.out.get_mut(before) else {
            return;
        };
        if endpoints {
            // A link picked by the browser's language is the page's translation (documentation
            // in Chinese), not a mirror chosen by where the user is.
            let by_ui_language = g.source == Kinds::of(DataKind::Locale)
                && g.steps
                    .first()
                    .is_some_and(|s| s.what.contains("navigator."));
            g.effects
                .retain(|e| !matches!(e, Effect::Network | Effect::Endpoint));
            let chosen = if by_ui_language {
                Effect::Localized
            } else {
                Effect::Endpoint
            };
            g.effects.insert(0, chosen);
        }
        g.effect_apis = vec![format!("in the region: {}", here_values.join(", "))];
        if !other_values.is_empty() {
            g.effect_apis
                .push(format!("elsewhere: {}", other_values.join(", ")));
        }
    }

    fn site(&mut self, site: &GuardSite<'a>) {
        match *site {
            GuardSite::EarlyExit(ifs, rest) => {
                let cmps = self.cmps(&ifs.test);
                if !cmps.is_empty() && self.holds(&ifs.test, false) {
                    // `if (!inRegion) return;` — the rest of the block runs only in-region;
                    // `if (inRegion) return;` — only outside it.
                    let outside = Self::positive(&cmps);
                    // `if (inRegion) return mirror;` — the region's own code is the `if`, which
                    // its own site reports; the rest is what everyone else gets.
                    if outside && !self.alternative(Guarded::Stmt(&ifs.consequent)).is_empty() {
                        return;
                    }
                    self.record_vs(
                        &cmps,
                        ifs.test.span(),
                        Guarded::Stmts(rest),
                        Some(Guarded::Stmt(&ifs.consequent)),
                        outside,
                    );
                }
            }
            GuardSite::If(it) => {
                let cmps = self.cmps(&it.test);
                let positive = Self::positive(&cmps);
                // The branch recorded: the consequent, unless the region's is the `else`.
                let when = positive || it.alternate.is_none();
                if !cmps.is_empty() && self.holds(&it.test, when) {
                    if positive {
                        self.record_vs(
                            &cmps,
                            it.test.span(),
                            Guarded::Stmt(&it.consequent),
                            it.alternate.as_ref().map(Guarded::Stmt),
                            false,
                        );
                    } else if let Some(alt) = &it.alternate {
                        self.record_vs(
                            &cmps,
                            it.test.span(),
                            Guarded::Stmt(alt),
                            Some(Guarded::Stmt(&it.consequent)),
                            false,
                        );
                    } else {
                        // `if (!["RU", "BY"].includes(cc)) run()` — everywhere except there.
                        self.record_vs(
                            &cmps,
                            it.test.span(),
                            Guarded::Stmt(&it.consequent),
                            None,
                            true,
                        );
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
                // `case "RU": case "BY": …` — a fall-through group is one guard.
                let mut constants = Vec::new();
                let mut first_test: Option<oxc_span::Span> = None;
                for case in &it.cases {
                    let Some(test) = &case.test else {
                        constants.clear();
                        first_test = None;
                        continue;
                    };
                    constants.extend(self.an.constants_of(test));
                    first_test.get_or_insert(test.span());
                    if case.consequent.is_empty() {
                        continue;
                    }
                    let constants = std::mem::take(&mut constants);
                    let test_span = first_test.take().unwrap_or(test.span());
                    let mut countries = BTreeSet::new();
                    for c in &constants {
                        countries_of(kinds, c, &mut countries);
                    }
                    if countries.is_empty() {
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
                    self.record(&[cmp], test_span, Guarded::Stmts(&case.consequent));
                }
            }
        }
    }
}

/// Pass 3: the conditions of the file, each read once for region guards and for opt-out
/// checks ([`crate::consent`]).
pub(crate) fn run(an: &mut Analyzer<'_>) {
    let sites = std::mem::take(&mut an.guard_sites);
    let timing = crate::phase_times_on();
    let mut region_time = std::time::Duration::ZERO;
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
            let t = timing.then(std::time::Instant::now);
            finder.site(site);
            if let Some(t) = t {
                region_time += t.elapsed();
            }
        }
        let t = timing.then(std::time::Instant::now);
        for c in &an.select_sites {
            finder.select(c);
        }
        if let Some(t) = t {
            region_time += t.elapsed();
            // The region part of the conditions phase (provenance included), for benchmarks.
            eprintln!(
                "{}: region guards {:.1} ms",
                an.facts.file,
                region_time.as_secs_f64() * 1e3
            );
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
