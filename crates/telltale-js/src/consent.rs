//! Consent: reads of settings that turn telemetry off (`DO_NOT_TRACK`, a product's
//! `*_TELEMETRY` variable from the toptout catalogue, `telemetry.telemetryLevel`, a
//! `getUsageStatisticsEnabled()` method), how they are checked (presence or value), which code
//! the check controls, and what is sent before it runs — so each sink can be reported as gated
//! or not, and by which setting.
//!
//! Works on the conditions [`crate::collect`] recorded as guard sites (no walk of its own):
//! `if (optedOut) return; send()`, `if (!optedOut) send()`, `enabled && send()`, ternaries.
//! The setting may be read directly (`process.env.X`, `"X" in process.env`,
//! `hasOwnProperty.call(process.env, "X")`, `process.env.X?.toLowerCase() === "true"`,
//! `["1", "true"].includes(process.env.X)`), through a constant or destructuring
//! (`const off = !!process.env.X`, `const { X } = process.env`), through a small predicate
//! function (`function telemetryOff() { return … }`), from a configuration store
//! (`cfg.get("telemetry.x")`) or by a method or property whose name says telemetry is on
//! (`config.getUsageStatisticsEnabled()`, `settings.telemetry.enabled`). Constants and
//! predicates are read once each (memoised per symbol and function).
//!
//! A local function is controlled by a check when every call of it is in code that check's
//! setting controls (and it is used only by calls), so its sinks are gated too.
//!
//! A send before the check: in the function that checks (or in the predicate that reads the
//! setting, before it returns), calls that run earlier may send the same data — directly or
//! through local functions they call. Such a flow, and the gated flows whose identity it
//! already sent, are marked `sent_before_check`.
//!
//! Example: `if (process.env.DISABLE_TELEMETRY) return; https.request(…)` gives an
//! [`OptOutFact`] for `DISABLE_TELEMETRY` (presence check) gating the request.

use crate::guards::GuardSite;
use crate::resolve::Val;
use crate::{fspan, last_name, Analyzer, FnBody, Init};
use oxc_ast::ast::*;
use oxc_semantic::SymbolId;
use oxc_span::{GetSpan, Span};
use regex::Regex;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::LazyLock;
use telltale_facts::{FlowFact, Kinds, OptOutFact};
use telltale_knowledge::js_api::js_api;
use telltale_knowledge::optout;

/// Words without which a file reads no opt-out setting: checked once per file so files
/// without any skip this pass (case-insensitive: config keys are camelCase).
static CANDIDATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)telemetry|do_?not_?track|opt_?out|analytics|disable|usage_?stat|tracking|crash_?report|error_?report").expect("valid regex")
});

const MAX_DEPTH: u32 = 8;
/// Constants and predicates read one inside another (each from depth 0).
const MAX_NESTING: u32 = 8;
const MAX_GATED_CALLS: usize = 8;
/// How many calls deep gated code (and code run before a check) reaches into local functions.
const MAX_CALL_DEPTH: u32 = 3;
/// How far up callers are followed to decide that a function is only called when allowed.
const MAX_CALLER_DEPTH: u32 = 6;
/// Calls before a check that are followed (the nearest ones), and function bodies reached.
const MAX_BEFORE_CALLS: usize = 256;
const MAX_REACHED: usize = 256;
/// Values recorded for one value check.
const MAX_VALUES: usize = 16;

/// Methods that normalise a value before it is compared: they read what they are called on.
const NORMALISERS: &[&str] = &[
    "toLowerCase",
    "toUpperCase",
    "toLocaleLowerCase",
    "toLocaleUpperCase",
    "trim",
    "toString",
    "valueOf",
];

/// One read of a setting in a condition.
#[derive(Clone)]
struct Read {
    setting: String,
    product: Option<&'static str>,
    values: Vec<String>,
    /// Known by the name of a method or property (`getUsageStatisticsEnabled`), not as an
    /// environment variable or configuration key.
    by_name: bool,
}

impl Read {
    fn new(setting: String, product: Option<&'static str>) -> Self {
        Read {
            setting,
            product,
            values: vec![],
            by_name: false,
        }
    }
    fn named(setting: String) -> Self {
        Read {
            setting,
            product: None,
            values: vec![],
            by_name: true,
        }
    }
}

fn is_absent(e: &Expression<'_>) -> bool {
    match e.without_parentheses() {
        Expression::NullLiteral(_) => true,
        Expression::Identifier(id) => id.name == "undefined",
        Expression::UnaryExpression(u) => u.operator == UnaryOperator::Void,
        _ => false,
    }
}

/// What an expression reads, and the predicates it read through (function, start of the
/// returned expression: the body runs up to there before the setting is read).
#[derive(Default)]
struct Found {
    reads: Vec<Read>,
    preds: Vec<(usize, u32)>,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Memo {
    Sym(SymbolId),
    Fn(usize),
}

/// Finds the opt-out reads of conditions, reading each constant and predicate once.
struct Reader<'a, 'b> {
    an: &'b Analyzer<'a>,
    /// What each constant reads (`None`: nothing, or being read). A map, not a table by
    /// symbol: the constants met in conditions are few, and a small map stays in cache.
    syms: RefCell<HashMap<SymbolId, Option<Rc<Found>>>>,
    /// What each predicate function reads.
    fns: RefCell<HashMap<usize, Option<Rc<Found>>>>,
    /// Constants and predicates being read, one inside another.
    nesting: std::cell::Cell<u32>,
}

/// A property whose name, alone or after its object's (`telemetry.enabled`), says whether
/// telemetry is on.
fn switch_property(object: &Expression<'_>, name: &str) -> Option<String> {
    if optout::is_switch_name(name) {
        return Some(name.to_string());
    }
    // `telemetry.enabled`: a switch word after a topic.
    if !optout::mentions_switch(name) {
        return None;
    }
    let prev = last_name(object)?;
    let joined = format!("{prev}.{name}");
    (optout::mentions_topic(prev) && optout::is_switch_name(&joined)).then_some(joined)
}

impl<'a> Reader<'a, '_> {
    /// What a constant or predicate reads, computed once from depth 0 (whatever the depth of
    /// the condition it is first met in) and kept.
    fn remember(&self, key: Memo, out: &mut Found, compute: impl FnOnce(&mut Found)) {
        let hit = match key {
            Memo::Sym(s) => self.syms.borrow().get(&s).cloned(),
            Memo::Fn(f) => self.fns.borrow().get(&f).cloned(),
        };
        let store = |v: Option<Rc<Found>>| match key {
            Memo::Sym(s) => {
                self.syms.borrow_mut().insert(s, v);
            }
            Memo::Fn(f) => {
                self.fns.borrow_mut().insert(f, v);
            }
        };
        let found = match hit {
            Some(f) => f,
            None if self.nesting.get() >= MAX_NESTING => return,
            None => {
                // Cycle guard: a constant defined through itself reads nothing.
                store(None);
                let mut f = Found::default();
                self.nesting.set(self.nesting.get() + 1);
                compute(&mut f);
                self.nesting.set(self.nesting.get() - 1);
                // Most constants read nothing: those keep no allocation.
                let f = (!f.reads.is_empty()).then(|| Rc::new(f));
                store(f.clone());
                f
            }
        };
        if let Some(found) = found {
            out.reads.extend(found.reads.iter().cloned());
            out.preds.extend(found.preds.iter().copied());
        }
    }

    fn drop_named(out: &mut Found, from: usize) {
        let mut i = from;
        while i < out.reads.len() {
            if out.reads[i].by_name {
                out.reads.remove(i);
            } else {
                i += 1;
            }
        }
    }

    fn env_read(&self, name: &str, out: &mut Found) -> bool {
        match optout::env_setting(name) {
            Some(s) => {
                out.reads.push(Read::new(name.to_string(), s.product));
                true
            }
            None => false,
        }
    }

    fn reads(&self, e: &'a Expression<'a>, depth: u32, out: &mut Found) {
        if depth > MAX_DEPTH {
            return;
        }
        let d = depth + 1;
        let an = self.an;
        match e {
            Expression::ParenthesizedExpression(p) => self.reads(&p.expression, d, out),
            Expression::UnaryExpression(u) => {
                let before = out.reads.len();
                self.reads(&u.argument, d, out);
                // `typeof message.analyticsEnabled` asks for a field's type (serialisers), not
                // whether the switch is on.
                if u.operator == UnaryOperator::Typeof {
                    Self::drop_named(out, before);
                }
            }
            Expression::AwaitExpression(a) => self.reads(&a.argument, d, out),
            Expression::LogicalExpression(l) => {
                self.reads(&l.left, d, out);
                self.reads(&l.right, d, out);
            }
            Expression::SequenceExpression(s) => {
                if let Some(last) = s.expressions.last() {
                    self.reads(last, d, out);
                }
            }
            // `"DO_NOT_TRACK" in process.env`.
            Expression::BinaryExpression(b) if b.operator == BinaryOperator::In => {
                if let Some(name) = an
                    .value_of(&b.left)
                    .and_then(|v| v.text())
                    .filter(|_| an.path_of(&b.right).as_deref() == Some("process.env"))
                {
                    self.env_read(&name, out);
                }
            }
            Expression::BinaryExpression(b) if b.operator.is_equality() => {
                let before = out.reads.len();
                self.reads(&b.left, d, out);
                let constant_side = if out.reads.len() > before {
                    &b.right
                } else {
                    &b.left
                };
                if out.reads.len() == before {
                    self.reads(&b.right, d, out);
                }
                // A named switch compared with nothing (`message.analyticsEnabled != null`) is a
                // field being set, as serialisers ask, not the switch being on.
                if is_absent(constant_side) {
                    Self::drop_named(out, before);
                }
                // Compared with a real value, the check is on value; with nothing, on presence.
                // Reads that already have values (`list.indexOf(x) !== -1`) keep them.
                if let Some(v) = an.value_of(constant_side).and_then(|v| match v.val {
                    Val::Str(s) if !s.is_empty() => Some(s),
                    Val::Num(n) => Some(n.to_string()),
                    _ => None,
                }) {
                    for r in out.reads[before..]
                        .iter_mut()
                        .filter(|r| r.values.is_empty())
                    {
                        r.values.push(v.clone());
                    }
                }
            }
            // `list.indexOf(process.env.X) >= 0`.
            Expression::BinaryExpression(b) if b.operator.is_compare() => {
                self.reads(&b.left, d, out);
                self.reads(&b.right, d, out);
            }
            Expression::Identifier(id) => {
                // Only constants and destructured values can read a setting.
                let Some(sym) = an
                    .symbol_of(id)
                    .filter(|s| matches!(an.inits.get(s), Some(Init::Expr(_) | Init::Member(..))))
                else {
                    return;
                };
                self.remember(Memo::Sym(sym), out, |f| match an.inits.get(&sym) {
                    Some(Init::Expr(init)) => self.reads(init, 0, f),
                    // `const { DO_NOT_TRACK } = process.env`, `const { telemetryEnabled } = opts`.
                    Some(Init::Member(_, key)) => {
                        if optout::env_setting(key).is_some() {
                            if let Some(var) = an
                                .symbol_path(sym, 0)
                                .as_deref()
                                .and_then(|p| p.strip_prefix("process.env."))
                            {
                                self.env_read(var, f);
                                return;
                            }
                        }
                        if optout::is_switch_name(key) {
                            f.reads.push(Read::named(key.clone()));
                        }
                    }
                    _ => {}
                });
            }
            Expression::StaticMemberExpression(m) => {
                self.member(e, &m.object, Some(m.property.name.as_str()), out)
            }
            Expression::ComputedMemberExpression(m) => {
                let key = an.value_of(&m.expression).and_then(|v| v.text());
                self.member(e, &m.object, key.as_deref(), out);
            }
            Expression::ChainExpression(c) => match &c.expression {
                ChainElement::CallExpression(call) => {
                    self.call(&call.callee, &call.arguments, d, out)
                }
                ChainElement::StaticMemberExpression(m) => {
                    self.member(e, &m.object, Some(m.property.name.as_str()), out)
                }
                ChainElement::ComputedMemberExpression(m) => {
                    let key = an.value_of(&m.expression).and_then(|v| v.text());
                    self.member(e, &m.object, key.as_deref(), out);
                }
                _ => {}
            },
            Expression::CallExpression(c) => self.call(&c.callee, &c.arguments, d, out),
            _ => {}
        }
    }

    /// `process.env.X` (through aliases), or a property named as a telemetry switch.
    fn member(
        &self,
        e: &'a Expression<'a>,
        object: &'a Expression<'a>,
        name: Option<&str>,
        out: &mut Found,
    ) {
        let Some(name) = name else { return };
        // The name first: resolving the path of every member of every condition costs more.
        if optout::env_setting(name).is_some() {
            if let Some(var) = self
                .an
                .path_of(e)
                .as_deref()
                .and_then(|p| p.strip_prefix("process.env."))
            {
                if self.env_read(var, out) {
                    return;
                }
            }
        }
        if let Some(setting) = switch_property(object, name) {
            out.reads.push(Read::named(setting));
        }
    }

    /// `Object.prototype.hasOwnProperty.call(process.env, "X")`, `Object.hasOwn(process.env,
    /// "X")`, `Reflect.has(process.env, "X")`, `process.env.hasOwnProperty("X")`: the X.
    fn own_property_check(
        &self,
        callee: &'a Expression<'a>,
        args: &'a [Argument<'a>],
    ) -> Option<String> {
        let an = self.an;
        let arg = |i: usize| args.get(i).and_then(|a| a.as_expression());
        let is_env = |x: Option<&'a Expression<'a>>| {
            x.is_some_and(|x| an.path_of(x).as_deref() == Some("process.env"))
        };
        let Expression::StaticMemberExpression(m) = callee.without_parentheses() else {
            return None;
        };
        let key = match (m.property.name.as_str(), args.len()) {
            ("call", 2)
                if is_env(arg(0))
                    && (last_name(&m.object) == Some("hasOwnProperty")
                        || an
                            .path_of(&m.object)
                            .is_some_and(|p| p.ends_with("hasOwnProperty"))) =>
            {
                arg(1)?
            }
            ("hasOwn" | "has", 2)
                if is_env(arg(0))
                    && matches!(
                        an.path_of(callee).as_deref(),
                        Some("Object.hasOwn" | "Reflect.has")
                    ) =>
            {
                arg(1)?
            }
            ("hasOwnProperty", 1) if is_env(Some(&m.object)) => arg(0)?,
            _ => return None,
        };
        an.value_of(key).and_then(|v| v.text())
    }

    fn call(&self, callee: &'a Expression<'a>, args: &'a [Argument<'a>], d: u32, out: &mut Found) {
        let an = self.an;
        let member = match callee.without_parentheses() {
            Expression::StaticMemberExpression(m) => Some(&**m),
            _ => None,
        };
        if let Some(m) = member {
            let method = m.property.name.as_str();
            // `process.env.X?.toLowerCase() === "true"`: reads X.
            if args.is_empty() && NORMALISERS.contains(&method) {
                return self.reads(&m.object, d, out);
            }
            // `["1", "true"].includes(process.env.X)`, `new Set([…]).has(v)`, `/^(1|true)$/i.test(v)`:
            // a value check against the receiver's constants.
            if args.len() == 1 && matches!(method, "includes" | "has" | "indexOf" | "test") {
                if let Some(a) = args[0].as_expression() {
                    let before = out.reads.len();
                    self.reads(a, d, out);
                    if out.reads.len() > before {
                        let values: Vec<String> = an
                            .constants_of(&m.object)
                            .into_iter()
                            .take(MAX_VALUES)
                            .collect();
                        for r in &mut out.reads[before..] {
                            r.values.clone_from(&values);
                        }
                        return;
                    }
                }
            }
        }
        if let Some(name) = self.own_property_check(callee, args) {
            self.env_read(&name, out);
            return;
        }
        if args.is_empty() {
            // A zero-argument predicate of the file's own: `function telemetryOff() { return … }`.
            if let (Some(f), Some(r)) = (an.callee_function(callee), an.predicate_return(callee)) {
                let before = out.reads.len();
                self.remember(Memo::Fn(f), out, |found| {
                    self.reads(r, 0, found);
                    if !found.reads.is_empty() {
                        found.preds.push((f, r.span().start));
                    }
                });
                if out.reads.len() > before {
                    return;
                }
            }
            // A method named as a telemetry switch: `config.getUsageStatisticsEnabled()`.
            if let Some(name) = last_name(callee).filter(|n| optout::is_switch_name(n)) {
                out.reads.push(Read::named(name.to_string()));
            }
            return;
        }
        // A configuration read: `cfg.get("telemetry.telemetryLevel")`,
        // `getConfiguration("telemetry").get("enableTelemetry")`.
        if let Some(m) = member {
            if matches!(
                m.property.name.as_str(),
                "get" | "getSetting" | "getValue" | "inspect"
            ) {
                let key = args
                    .first()
                    .and_then(|a| a.as_expression())
                    .and_then(|a| an.value_of(a))
                    .and_then(|v| v.text());
                let object = match m.object.without_parentheses() {
                    Expression::Identifier(id) => {
                        match an.symbol_of(id).and_then(|s| an.inits.get(&s)) {
                            Some(Init::Expr(init)) => *init,
                            _ => &m.object,
                        }
                    }
                    other => other,
                };
                let section = match object.without_parentheses() {
                    Expression::CallExpression(inner) => inner
                        .arguments
                        .first()
                        .and_then(|a| a.as_expression())
                        .and_then(|a| an.value_of(a))
                        .and_then(|v| v.text()),
                    _ => None,
                };
                if let Some(key) = key {
                    let full = match section {
                        Some(s) => format!("{s}.{key}"),
                        None => key,
                    };
                    if optout::is_config_key(&full) {
                        out.reads.push(Read::new(full, None));
                        return;
                    }
                }
            }
        }
        // Helpers that parse the value (`isTruthy(process.env.X)`): look at the arguments.
        for a in args.iter().filter_map(|a| a.as_expression()) {
            self.reads(a, d, out);
        }
    }
}

/// The condition of a guard site that may decide code.
fn test_of<'a>(site: &GuardSite<'a>) -> Option<&'a Expression<'a>> {
    match *site {
        GuardSite::EarlyExit(ifs, _) | GuardSite::If(ifs) => Some(&ifs.test),
        GuardSite::Expr(e) => match e.without_parentheses() {
            Expression::LogicalExpression(l) => Some(&l.left),
            Expression::ConditionalExpression(c) => Some(&c.test),
            _ => None,
        },
        GuardSite::Switch(_) => None,
    }
}

/// The code on either side of a check: what runs only when the setting allows it (asked
/// only of sites whose condition reads a setting).
fn controlled(site: &GuardSite<'_>) -> Vec<Span> {
    match *site {
        GuardSite::EarlyExit(_, rest) => match (rest.first(), rest.last()) {
            (Some(first), Some(last)) => vec![Span::new(first.span().start, last.span().end)],
            _ => vec![],
        },
        GuardSite::If(ifs) => {
            let mut spans = vec![ifs.consequent.span()];
            spans.extend(ifs.alternate.as_ref().map(|a| a.span()));
            spans
        }
        GuardSite::Expr(e) => match e.without_parentheses() {
            Expression::LogicalExpression(l) => vec![l.right.span()],
            Expression::ConditionalExpression(c) => vec![c.consequent.span(), c.alternate.span()],
            _ => vec![],
        },
        GuardSite::Switch(_) => vec![],
    }
}

fn contains(outer: Span, inner: Span) -> bool {
    inner.start >= outer.start && inner.end <= outer.end
}

fn inside(span: Span, regions: &[Span]) -> bool {
    regions.iter().any(|r| contains(*r, span))
}

/// What a call is known by: its resolved path, or for unresolved callees (a bundled SDK
/// behind a lazy loader, a class) its own name.
fn call_name(c: &crate::CallSite<'_>) -> Option<String> {
    c.path
        .as_deref()
        .map(str::to_string)
        .or_else(|| match c.callee.without_parentheses() {
            Expression::StaticMemberExpression(m) => Some(m.property.name.to_string()),
            Expression::Identifier(id) => Some(id.name.to_string()),
            _ => None,
        })
}

/// Whether a call's name says it is a telemetry client call (`track`, `logEvent`, …).
fn telemetry_named(path: &str) -> bool {
    let last = path
        .trim_end_matches("()")
        .rsplit('.')
        .next()
        .unwrap_or(path);
    let lower = last.to_ascii_lowercase();
    [
        "track",
        "capture",
        "logevent",
        "flush",
        "report",
        "client",
        "telemetry",
        "analytics",
        "initialize",
    ]
    .iter()
    .any(|w| lower.contains(w))
}

/// Calls in gated code worth naming: network sinks, what looks like a telemetry client, and
/// logger classes created there (`new _ClearcutLogger(config)` behind
/// `getUsageStatisticsEnabled()`).
fn worth_naming(path: &str) -> bool {
    let last = path
        .trim_end_matches("()")
        .rsplit('.')
        .next()
        .unwrap_or(path);
    let class_like = last
        .trim_start_matches('_')
        .starts_with(|c: char| c.is_ascii_uppercase());
    js_api().sink(path).is_some()
        || telemetry_named(path)
        || (class_like && last.ends_with("Logger"))
}

/// One check of opt-out settings: the condition, the code it controls, what it reads.
struct Check {
    test: Span,
    regions: Vec<Span>,
    reads: Vec<Read>,
    preds: Vec<(usize, u32)>,
}

/// Who calls each local function, for gating by callers.
struct Callers {
    /// Call indices per function.
    sites: Vec<Vec<usize>>,
    /// Whether every use of the function is one of those calls (not exported, not passed on),
    /// decided when first asked.
    only_called: RefCell<HashMap<usize, bool>>,
}

impl Callers {
    fn new(an: &Analyzer<'_>) -> Self {
        let mut sites: Vec<Vec<usize>> = vec![Vec::new(); an.funcs.len()];
        for (ci, call) in an.calls.iter().enumerate() {
            if let Some(f) = call.local {
                sites[f].push(ci);
            }
        }
        Callers {
            sites,
            only_called: RefCell::new(HashMap::default()),
        }
    }

    /// Every reference to a name the function is called by must be one of its calls; a
    /// function written in place and called there (an IIFE) has no name to leak.
    fn only_called(&self, an: &Analyzer<'_>, f: usize) -> bool {
        if let Some(&o) = self.only_called.borrow().get(&f) {
            return o;
        }
        let mut names: Vec<SymbolId> = Vec::new();
        let mut by_name = 0;
        for &ci in &self.sites[f] {
            if let Expression::Identifier(id) = an.calls[ci].callee.without_parentheses() {
                by_name += 1;
                names.extend(an.symbol_of(id).filter(|s| !names.contains(s)));
            }
        }
        let refs: usize = names
            .iter()
            .map(|&s| an.scoping.get_resolved_reference_ids(s).len())
            .sum();
        let only = !self.sites[f].is_empty() && refs == by_name;
        self.only_called.borrow_mut().insert(f, only);
        only
    }
}

/// Decides which local functions run only where a setting allows them.
struct Gating<'x, 'a> {
    an: &'x Analyzer<'a>,
    /// Built when first needed: most checks call no local function.
    callers: std::cell::OnceCell<Callers>,
    /// Code each setting controls directly, by setting.
    direct: HashMap<&'x str, Vec<Span>>,
    memo: RefCell<HashMap<(usize, &'x str), bool>>,
}

impl<'x> Gating<'x, '_> {
    /// Whether every call of `f` is in code `setting` controls (directly, or inside a
    /// function that is itself only called there).
    fn fn_gated(&self, f: usize, setting: &'x str, depth: u32) -> bool {
        let callers = self.callers.get_or_init(|| Callers::new(self.an));
        if depth > MAX_CALLER_DEPTH || !callers.only_called(self.an, f) {
            return false;
        }
        if let Some(&g) = self.memo.borrow().get(&(f, setting)) {
            return g;
        }
        self.memo.borrow_mut().insert((f, setting), false);
        let gated = callers.sites[f].iter().all(|&ci| {
            let call = &self.an.calls[ci];
            // A recursive call does not decide.
            call.func == Some(f) || self.code_gated(call.span, call.func, setting, depth + 1)
        });
        self.memo.borrow_mut().insert((f, setting), gated);
        gated
    }

    /// Whether code at `span`, written in function `func`, runs only where `setting` allows:
    /// it is in controlled code, or its function is only called there, or its function is a
    /// callback created by such code (`queue.forEach(e => send(e))` in a gated `flush`).
    fn code_gated(&self, span: Span, func: Option<usize>, setting: &'x str, depth: u32) -> bool {
        if self.direct.get(setting).is_some_and(|d| inside(span, d)) {
            return true;
        }
        let Some(g) = func else { return false };
        if depth > MAX_CALLER_DEPTH {
            return false;
        }
        let info = &self.an.funcs[g];
        self.fn_gated(g, setting, depth)
            || self.code_gated(info.span, info.parent, setting, depth + 1)
    }
}

impl<'a> Analyzer<'a> {
    /// Indices of the calls written inside `span` (calls are recorded in source order).
    fn calls_in(&self, span: Span) -> impl Iterator<Item = usize> + use<'_, 'a> {
        let from = self.calls.partition_point(|c| c.span.start < span.start);
        (from..self.calls.len())
            .take_while(move |&i| self.calls[i].span.start < span.end)
            .filter(move |&i| self.calls[i].span.end <= span.end)
    }

    fn body_span(&self, f: usize) -> Span {
        match self.funcs[f].body {
            FnBody::Block(b) => b.span,
            FnBody::Expr(x) => x.span(),
        }
    }

    /// Add to `regions` the bodies of local functions called from them that `follow` accepts,
    /// and from those bodies on, `MAX_CALL_DEPTH` calls deep.
    fn reach(&self, regions: &mut Vec<Span>, mut follow: impl FnMut(usize) -> bool) {
        let mut seen = HashSet::default();
        let mut frontier: Vec<Span> = regions.clone();
        for _ in 0..MAX_CALL_DEPTH {
            let mut next = Vec::new();
            for r in &frontier {
                for ci in self.calls_in(*r) {
                    let Some(f) = self.calls[ci].local else {
                        continue;
                    };
                    let body = self.body_span(f);
                    if regions.len() >= MAX_REACHED
                        || inside(body, regions)
                        || !seen.insert(f)
                        || !follow(f)
                    {
                        continue;
                    }
                    regions.push(body);
                    next.push(body);
                }
            }
            if next.is_empty() {
                break;
            }
            frontier = next;
        }
    }

    /// Calls that run before a check: earlier in the function that checks, and in the
    /// predicates that read the setting before they return (the nearest ones).
    fn calls_before(&self, test: Span, preds: &[(usize, u32)]) -> Vec<Span> {
        let here = self.function_at(test);
        let mut scopes = vec![(
            here,
            here.map_or(0, |f| self.funcs[f].span.start),
            test.start,
        )];
        scopes.extend(
            preds
                .iter()
                .map(|&(f, ret)| (Some(f), self.funcs[f].span.start, ret)),
        );
        let mut out = Vec::new();
        for (func, start, end) in scopes {
            let mut spans: Vec<Span> = self
                .calls_in(Span::new(start, end))
                .map(|i| &self.calls[i])
                .filter(|c| c.func == func && !contains(c.span, test))
                .map(|c| c.span)
                .collect();
            let skip = spans.len().saturating_sub(MAX_BEFORE_CALLS);
            out.extend(spans.drain(skip..));
        }
        out
    }
}

/// Whether two sets share an identity kind.
fn overlap(a: Kinds, b: Kinds) -> bool {
    !Kinds(a.identity().0 & b.0).is_empty()
}

/// Identity kinds of the flows inside `regions`, and their indices.
fn flows_in(flows: &[FlowFact], regions: &[Span]) -> (Kinds, Vec<usize>) {
    let mut kinds = Kinds::default();
    let mut idx = Vec::new();
    for (i, fl) in flows.iter().enumerate() {
        if inside(Span::new(fl.span.start, fl.span.end), regions) {
            kinds = kinds.union(fl.kinds.identity());
            idx.push(i);
        }
    }
    (kinds, idx)
}

/// The opt-out checks of a file, read one condition site at a time (in the same pass over
/// the sites as [`crate::guards`], so each condition is brought into cache once).
pub(crate) struct Sites<'a, 'b> {
    an: &'b Analyzer<'a>,
    reader: Reader<'a, 'b>,
    /// An `if (c) return;` is both an early exit and an if, recorded first as the early exit:
    /// one check per condition. (Compared by address: reading the nodes again costs more.)
    early_exits: Vec<usize>,
    checks: Vec<Check>,
}

impl<'a, 'b> Sites<'a, 'b> {
    /// `None` when the file names no telemetry setting at all.
    pub(crate) fn new(an: &'b Analyzer<'a>, sites: &[GuardSite<'a>]) -> Option<Self> {
        if !CANDIDATE.is_match(an.src) {
            return None;
        }
        let reader = Reader {
            an,
            syms: RefCell::default(),
            fns: RefCell::default(),
            nesting: std::cell::Cell::new(0),
        };
        let mut early_exits: Vec<usize> = sites
            .iter()
            .filter_map(|s| match s {
                GuardSite::EarlyExit(ifs, _) => Some(std::ptr::from_ref(*ifs) as usize),
                _ => None,
            })
            .collect();
        early_exits.sort_unstable();
        Some(Sites {
            an,
            reader,
            early_exits,
            checks: Vec::new(),
        })
    }

    pub(crate) fn site(&mut self, site: &GuardSite<'a>) {
        if matches!(site, GuardSite::If(ifs) if self.early_exits.binary_search(&(std::ptr::from_ref(*ifs) as usize)).is_ok())
        {
            return;
        }
        let Some(test) = test_of(site) else { return };
        let mut found = Found::default();
        self.reader.reads(test, 0, &mut found);
        if found.reads.is_empty() {
            return;
        }
        let regions = controlled(site);
        // One read per setting and condition; a value check keeps its values.
        let mut reads: Vec<Read> = Vec::new();
        for r in found.reads {
            match reads.iter_mut().find(|x| x.setting == r.setting) {
                Some(x) => {
                    for v in r.values {
                        if !x.values.contains(&v) {
                            x.values.push(v);
                        }
                    }
                }
                None => reads.push(r),
            }
        }
        self.checks.push(Check {
            test: test.span(),
            regions,
            reads,
            preds: found.preds,
        });
    }

    /// The opt-outs found; marks the flows they gate and those sent before them.
    pub(crate) fn finish(self, flows: &mut [FlowFact]) -> Vec<OptOutFact> {
        let Sites {
            an, reader, checks, ..
        } = self;
        drop(reader);
        opt_outs(an, checks, flows)
    }
}

fn opt_outs(an: &Analyzer<'_>, checks: Vec<Check>, flows: &mut [FlowFact]) -> Vec<OptOutFact> {
    if checks.is_empty() {
        return Vec::new();
    }
    let an_ref = an;
    let mut direct: HashMap<&str, Vec<Span>> = HashMap::default();
    for c in &checks {
        for r in &c.reads {
            direct
                .entry(r.setting.as_str())
                .or_default()
                .extend(c.regions.iter().copied());
        }
    }
    let gating = Gating {
        an: an_ref,
        callers: std::cell::OnceCell::new(),
        direct,
        memo: RefCell::new(HashMap::default()),
    };

    let mut facts: Vec<OptOutFact> = Vec::new();
    // Per check: the code its settings control (with the functions only called there).
    let mut gates_of: Vec<Vec<Span>> = Vec::with_capacity(checks.len());
    for c in &checks {
        let mut gates = c.regions.clone();
        an_ref.reach(&mut gates, |f| {
            c.reads.iter().any(|r| gating.fn_gated(f, &r.setting, 0))
        });
        let gated_calls: Vec<String> = gates
            .iter()
            .flat_map(|g| an_ref.calls_in(*g))
            .filter_map(|i| {
                let call = &an_ref.calls[i];
                call_name(call)
                    .filter(|n| worth_naming(n))
                    .map(|n| (call.span.start, n))
            })
            .collect::<std::collections::BTreeMap<u32, String>>()
            .into_iter()
            .take(MAX_GATED_CALLS)
            .map(|(at, n)| format!("{n} at byte {at}"))
            .collect();
        for r in &c.reads {
            facts.push(OptOutFact {
                check: if r.values.is_empty() {
                    "presence".into()
                } else {
                    "value".into()
                },
                setting: r.setting.clone(),
                product: r.product.map(String::from),
                values: r.values.clone(),
                span: fspan(c.test),
                gates: gates.iter().map(|s| fspan(*s)).collect(),
                gated_calls: gated_calls.clone(),
                sends_before_check: vec![],
            });
        }
        gates_of.push(gates);
    }
    for (c, gates) in checks.iter().zip(&gates_of) {
        for fl in flows
            .iter_mut()
            .filter(|fl| inside(Span::new(fl.span.start, fl.span.end), gates))
        {
            for r in &c.reads {
                if !fl.gated_by.contains(&r.setting) {
                    fl.gated_by.push(r.setting.clone());
                }
            }
        }
    }

    // Sends before each check: the same identity (or a call of the same telemetry API) that
    // leaves before the setting is read. Flows that honour a setting of their own are not
    // "sent anyway".
    let mut fact_at = 0;
    for c in &checks {
        let facts_here = fact_at..fact_at + c.reads.len();
        fact_at = facts_here.end;
        // What the controlled side would send, whoever else calls it.
        let mut gated_any = c.regions.clone();
        an_ref.reach(&mut gated_any, |_| true);
        let (gated_kinds, gated_flows) = flows_in(flows, &gated_any);
        let gated_names: HashSet<String> = gated_any
            .iter()
            .flat_map(|g| an_ref.calls_in(*g))
            .filter_map(|i| call_name(&an_ref.calls[i]))
            .filter(|n| telemetry_named(n))
            .collect();
        if gated_kinds.is_empty() && gated_names.is_empty() {
            continue;
        }
        let mut before = an_ref.calls_before(c.test, &c.preds);
        if before.is_empty() {
            continue;
        }
        an_ref.reach(&mut before, |_| true);
        let (_, before_flows) = flows_in(flows, &before);
        let early: Vec<usize> = before_flows
            .into_iter()
            .filter(|&i| flows[i].gated_by.is_empty() && overlap(flows[i].kinds, gated_kinds))
            .collect();
        let mut early_kinds = Kinds::default();
        for &i in &early {
            early_kinds = early_kinds.union(flows[i].kinds.identity());
            flows[i].sent_before_check = true;
        }
        for &i in &gated_flows {
            if overlap(flows[i].kinds, early_kinds) {
                flows[i].sent_before_check = true;
            }
        }
        let early_spans: Vec<Span> = early
            .iter()
            .map(|&i| Span::new(flows[i].span.start, flows[i].span.end))
            .collect();
        let named: Vec<String> = before
            .iter()
            .flat_map(|b| an_ref.calls_in(*b))
            .filter_map(|i| {
                let call = &an_ref.calls[i];
                let name = call_name(call)?;
                let same = gated_names.contains(&name)
                    || (worth_naming(&name) && early_spans.iter().any(|s| contains(call.span, *s)));
                same.then_some((call.span.start, name))
            })
            .collect::<std::collections::BTreeMap<u32, String>>()
            .into_iter()
            .take(MAX_GATED_CALLS)
            .map(|(at, n)| format!("{n} at byte {at}"))
            .collect();
        for f in &mut facts[facts_here] {
            f.sends_before_check.clone_from(&named);
        }
    }

    facts
}

#[cfg(test)]
mod tests {
    use crate::{analyze, Options};
    use telltale_facts::FileFacts;

    fn run(src: &str) -> FileFacts {
        analyze("t.js", src, &Options::default())
    }

    /// (setting, check, values) of each opt-out read.
    fn reads(f: &FileFacts) -> Vec<(String, String, Vec<String>)> {
        f.opt_outs
            .iter()
            .map(|o| (o.setting.clone(), o.check.clone(), o.values.clone()))
            .collect()
    }

    fn presence(setting: &str) -> Vec<(String, String, Vec<String>)> {
        vec![(setting.to_string(), "presence".to_string(), vec![])]
    }

    fn value(setting: &str, values: &[&str]) -> Vec<(String, String, Vec<String>)> {
        vec![(
            setting.to_string(),
            "value".to_string(),
            values.iter().map(|v| v.to_string()).collect(),
        )]
    }

    const SEND: &str =
        "fetch('https://t.example.com', { method: 'POST', body: require('os').hostname() });";

    /// `if (<cond>) return;` before a send: the file's facts.
    fn exits_on(cond: &str) -> FileFacts {
        exits_on_after("", cond)
    }

    /// The same after some declarations.
    fn exits_on_after(prelude: &str, cond: &str) -> FileFacts {
        run(&format!("{prelude} if ({cond}) return; {SEND}"))
    }

    /// The file reads exactly `expected`, and its check gates the send.
    fn assert_gates(f: &FileFacts, expected: Vec<(String, String, Vec<String>)>) {
        assert_eq!(reads(f), expected);
        assert_eq!(f.flows[0].gated_by, vec![expected[0].0.clone()]);
    }

    /// The opt-out reads of a condition that exits before a send.
    fn reads_of(cond: &str) -> Vec<(String, String, Vec<String>)> {
        reads(&exits_on(cond))
    }

    fn assert_no_opt_out(f: &FileFacts) {
        assert!(f.opt_outs.is_empty(), "{:#?}", f.opt_outs);
    }

    #[test]
    fn in_operator_on_process_env() {
        assert_gates(
            &exits_on("'DO_NOT_TRACK' in process.env"),
            presence("DO_NOT_TRACK"),
        );
        // `in` on another object, or an ordinary name, is no opt-out.
        assert_no_opt_out(&exits_on(
            "'DO_NOT_TRACK' in options || 'NODE_ENV' in process.env",
        ));
    }

    #[test]
    fn has_own_property_on_process_env() {
        for check in [
            "Object.prototype.hasOwnProperty.call(process.env, 'DISABLE_TELEMETRY')",
            "Object.hasOwn(process.env, 'DISABLE_TELEMETRY')",
            "process.env.hasOwnProperty('DISABLE_TELEMETRY')",
        ] {
            assert_gates(&exits_on(check), presence("DISABLE_TELEMETRY"));
        }
        // Through esbuild's alias of hasOwnProperty.
        assert_gates(
            &exits_on_after(
                "var __hasOwn = Object.prototype.hasOwnProperty;",
                "__hasOwn.call(process.env, 'DO_NOT_TRACK')",
            ),
            presence("DO_NOT_TRACK"),
        );
        assert_no_opt_out(&exits_on("Object.prototype.hasOwnProperty.call(options, 'DISABLE_TELEMETRY') || Object.hasOwn(process.env, 'HOME')"));
    }

    #[test]
    fn membership_in_a_list_or_set_is_a_value_check() {
        assert_eq!(
            reads_of("['1', 'true'].includes(process.env.DO_NOT_TRACK)"),
            value("DO_NOT_TRACK", &["1", "true"])
        );
        assert_eq!(
            reads_of("new Set(['1', 'yes']).has(process.env.MYTOOL_TELEMETRY)"),
            value("MYTOOL_TELEMETRY", &["1", "yes"])
        );
        assert_gates(
            &exits_on_after(
                "const TRUTHY = new Set(['1', 'on']); const v = process.env.DISABLE_TELEMETRY;",
                "TRUTHY.has(v)",
            ),
            value("DISABLE_TELEMETRY", &["1", "on"]),
        );
        assert_eq!(
            reads_of("['0', 'false'].indexOf(process.env.MYTOOL_TELEMETRY) !== -1"),
            value("MYTOOL_TELEMETRY", &["0", "false"]),
            "the -1 is no value of the setting"
        );
        // Membership of an ordinary variable is no opt-out.
        assert_no_opt_out(&exits_on(
            "['production', 'test'].includes(process.env.NODE_ENV)",
        ));
    }

    #[test]
    fn normalised_and_optional_reads() {
        assert_eq!(
            reads_of("process.env.DO_NOT_TRACK?.toLowerCase() === 'true'"),
            value("DO_NOT_TRACK", &["true"])
        );
        assert_eq!(
            reads_of("(process.env.MYTOOL_TELEMETRY || '').trim().toLowerCase() === 'off'"),
            value("MYTOOL_TELEMETRY", &["off"])
        );
        assert_no_opt_out(&exits_on("process.env.NODE_ENV?.toLowerCase() === 'test'"));
    }

    #[test]
    fn double_negation_is_a_presence_check() {
        assert_gates(
            &exits_on_after("const off = !!process.env.DO_NOT_TRACK;", "off"),
            presence("DO_NOT_TRACK"),
        );
        assert_no_opt_out(&exits_on("!!process.env.DEBUG"));
    }

    #[test]
    fn destructured_from_process_env() {
        assert_gates(
            &exits_on_after("const { DO_NOT_TRACK } = process.env;", "DO_NOT_TRACK"),
            presence("DO_NOT_TRACK"),
        );
        assert_gates(
            &exits_on_after(
                "const { DO_NOT_TRACK: dnt = '' } = process.env;",
                "dnt === '1'",
            ),
            value("DO_NOT_TRACK", &["1"]),
        );
        assert_no_opt_out(&exits_on_after(
            "const { CI, NODE_ENV } = process.env;",
            "CI || NODE_ENV",
        ));
    }

    #[test]
    fn telemetry_switch_methods_and_properties() {
        let f = run(&format!("class L {{ static get(c) {{ if (c === void 0 || !c?.getUsageStatisticsEnabled()) return; {SEND} }} }}"));
        assert_eq!(reads(&f), presence("getUsageStatisticsEnabled"));
        assert_eq!(f.opt_outs[0].product, None);
        assert_eq!(f.flows[0].gated_by, vec!["getUsageStatisticsEnabled"]);
        // The shape of @google/gemini-cli's Clearcut logger.
        let f = run("var ClearcutLogger = class _ClearcutLogger { static getInstance(config2) {
            if (config2 === void 0 || !config2?.getUsageStatisticsEnabled()) return void 0;
            if (!_ClearcutLogger.instance) { _ClearcutLogger.instance = new _ClearcutLogger(config2); }
            return _ClearcutLogger.instance; } };");
        assert_eq!(reads(&f), presence("getUsageStatisticsEnabled"));
        assert!(
            f.opt_outs[0]
                .gated_calls
                .iter()
                .any(|c| c.starts_with("_ClearcutLogger at byte")),
            "{:?}",
            f.opt_outs[0].gated_calls
        );
        assert_eq!(
            reads_of("!isTelemetryEnabled()"),
            presence("isTelemetryEnabled")
        );
        assert_eq!(
            reads_of("!settings.telemetry.enabled"),
            presence("telemetry.enabled")
        );
        let f = run(&format!(
            "class C {{ m() {{ if (!this.usageStatisticsEnabled) return; {SEND} }} }}"
        ));
        assert_eq!(reads(&f), presence("usageStatisticsEnabled"));
        assert_eq!(
            reads_of("this.config.getTelemetryLevel() === 'off'"),
            value("getTelemetryLevel", &["off"])
        );
        assert_eq!(
            reads_of("navigator.doNotTrack === '1'"),
            value("doNotTrack", &["1"])
        );
    }

    #[test]
    fn ordinary_methods_and_properties_are_not_switches() {
        let f = run(&format!(
            "if (this.isEnabled()) {{ {SEND} }} if (config.enabled) {{ {SEND} }} if (telemetry.client) {{ {SEND} }}
             if (this.trackingEnabled) {{ {SEND} }} if (analytics.send()) {{ {SEND} }} if (cache.disabled) {{ {SEND} }}
             if (options.telemetryEndpoint) {{ {SEND} }} if (getAnalytics()) {{ {SEND} }}
             if (message.analyticsEnabled != null) {{ {SEND} }} if (typeof m.telemetryEnabled !== 'boolean') {{ {SEND} }}"
        ));
        assert_no_opt_out(&f);
        assert!(f.flows.iter().all(|fl| fl.gated_by.is_empty()));
    }

    #[test]
    fn local_predicate_wins_over_its_name() {
        let f = run(&format!("function isTelemetryEnabled() {{ return !process.env.DO_NOT_TRACK; }} if (isTelemetryEnabled()) {{ {SEND} }}"));
        assert_eq!(reads(&f), presence("DO_NOT_TRACK"));
    }

    #[test]
    fn function_called_only_from_gated_code_is_gated() {
        let f = run(&format!(
            "const https = require('https'); function sendEvent(e) {{ https.request({{ host: 't.example.com', path: '/?h=' + require('os').hostname() + e }}).end(); }}
             const optedOut = !!process.env.DO_NOT_TRACK; function flush() {{ sendEvent('a'); }} if (!optedOut) {{ flush(); }}"
        ));
        assert_eq!(f.flows.len(), 1, "{:#?}", f.flows);
        assert_eq!(
            f.flows[0].gated_by,
            vec!["DO_NOT_TRACK"],
            "two calls deep, every call gated"
        );
        assert!(!f.flows[0].sent_before_check);
        assert!(
            f.opt_outs[0]
                .gated_calls
                .iter()
                .any(|c| c.starts_with("https.request")),
            "{:?}",
            f.opt_outs[0].gated_calls
        );
    }

    #[test]
    fn function_also_called_elsewhere_or_exported_is_not_gated() {
        // Called from ungated code in another function too.
        let f = run(&format!(
            "function sendEvent(e) {{ {SEND} }} function later() {{ sendEvent('b'); }}
             if (!process.env.DO_NOT_TRACK) {{ sendEvent('a'); }} setTimeout(later, 10);"
        ));
        assert!(f.flows[0].gated_by.is_empty(), "{:#?}", f.flows);
        // Exported: callers outside the file are not gated.
        let f = run(&format!("function sendEvent(e) {{ {SEND} }} if (!process.env.DO_NOT_TRACK) {{ sendEvent('a'); }} module.exports = sendEvent;"));
        assert!(f.flows[0].gated_by.is_empty(), "{:#?}", f.flows);
    }

    #[test]
    fn send_before_the_check_in_the_same_function() {
        let f = run(&format!(
            "function track(e) {{ {SEND} }}
             function main() {{ track('start'); if (process.env.DO_NOT_TRACK) return; track('run'); }} main();"
        ));
        assert_eq!(f.flows.len(), 1, "{:#?}", f.flows);
        assert!(f.flows[0].sent_before_check, "{:#?}", f.flows);
        let o = &f.opt_outs[0];
        assert!(
            o.sends_before_check
                .iter()
                .any(|c| c.starts_with("track at byte")),
            "{:?}",
            o.sends_before_check
        );
        // Two sends of the same identity, one before and one after: both are marked.
        let f = run(&format!(
            "function main() {{ {SEND} if (process.env.DO_NOT_TRACK) return; {SEND} }} main();"
        ));
        assert_eq!(f.flows.len(), 2, "{:#?}", f.flows);
        assert!(
            f.flows.iter().all(|fl| fl.sent_before_check),
            "{:#?}",
            f.flows
        );
        assert!(f.flows.iter().any(|fl| fl.gated_by == vec!["DO_NOT_TRACK"]));
    }

    #[test]
    fn initializer_that_sends_before_reading_the_setting() {
        let f = run(&format!(
            "function telemetryAllowed() {{ {SEND} return !process.env.DISABLE_TELEMETRY; }}
             if (telemetryAllowed()) {{ {SEND} }}"
        ));
        assert_eq!(reads(&f), presence("DISABLE_TELEMETRY"));
        assert_eq!(f.flows.len(), 2, "{:#?}", f.flows);
        assert!(
            f.flows.iter().all(|fl| fl.sent_before_check),
            "{:#?}",
            f.flows
        );
    }

    #[test]
    fn nothing_sent_before_the_check() {
        // Unrelated work before the check; a send before that honours the setting itself; a
        // different datum before the check.
        let f = run(&format!(
            "function ping() {{ if (process.env.DO_NOT_TRACK) return; {SEND} }}
             function main() {{ console.log('start'); ping(); fetch('https://u.example.com/v', {{ body: process.cwd() }});
               if (process.env.DO_NOT_TRACK) return; {SEND} }} main();"
        ));
        assert!(
            f.flows
                .iter()
                .filter(|fl| fl.kinds.contains(telltale_facts::DataKind::Hostname))
                .all(|fl| !fl.sent_before_check),
            "{:#?}",
            f.flows
        );
        assert!(
            f.opt_outs.iter().all(|o| o.sends_before_check.is_empty()),
            "{:#?}",
            f.opt_outs
        );
    }

    #[test]
    fn telemetry_call_of_the_same_api_before_the_check_is_named() {
        let f = run("analytics.track('start'); if (process.env.DO_NOT_TRACK) { return; } analytics.track('run');");
        assert!(
            f.opt_outs[0]
                .sends_before_check
                .iter()
                .any(|c| c == "analytics.track at byte 0"),
            "{:?}",
            f.opt_outs[0].sends_before_check
        );
        let f = run("console.log('start'); if (process.env.DO_NOT_TRACK) { return; } analytics.track('run');");
        assert!(
            f.opt_outs[0].sends_before_check.is_empty(),
            "{:?}",
            f.opt_outs[0].sends_before_check
        );
    }
}
