//! Helpers whose result is made of their arguments only (`safeJsonStringify(obj)`,
//! `sanitize(text)`, `formatUrl(base, path)`): a call of one carries what that call passes,
//! not what every other call in the file passes.
//!
//! The data flow is context-insensitive: a function's return is one value for all its callers.
//! For a helper called from hundreds of places in a bundle that merges every caller's data into
//! every caller's result (the telemetry payload a logger stringifies "carries" a recorded
//! response another module stringified). Such helpers are recognised by reading their returns:
//! nothing but their parameters, locals computed from them, constants, pure globals (`JSON`,
//! `String`, `encodeURIComponent` …) and other such helpers. Anything else — `this`, a
//! variable of an outer scope, an import, an API that reads data — keeps the ordinary model.
//!
//! Example: `function s(o) { const seen = new WeakSet(); return JSON.stringify(o, (k, v) =>
//! seen.has(v) ? "[Circular]" : v); }` — `s(os.hostname())` carries the host name and
//! `s(config)` elsewhere does not.

use crate::{Analyzer, Init};
use oxc_ast::ast::*;
use oxc_ast_visit::{walk, Visit};
use oxc_span::GetSpan;
use oxc_syntax::scope::ScopeFlags;

/// Globals whose functions compute from their arguments only.
const PURE_GLOBALS: &[&str] = &[
    "JSON",
    "String",
    "Number",
    "Boolean",
    "Object",
    "Array",
    "Math",
    "Symbol",
    "RegExp",
    "Buffer",
    "WeakSet",
    "WeakMap",
    "Set",
    "Map",
    "encodeURIComponent",
    "decodeURIComponent",
    "encodeURI",
    "decodeURI",
    "escape",
    "unescape",
    "parseInt",
    "parseFloat",
    "isNaN",
    "undefined",
    "NaN",
    "Infinity",
];

/// How deep helpers calling helpers (and locals computed from locals) are followed.
const MAX_DEPTH: u32 = 4;
/// Returns bigger than this are not read (a bundle's giant functions are no helpers).
const MAX_RETURN_BYTES: u32 = 2_000;

impl<'a> Analyzer<'a> {
    /// Whether function `f`'s result is made of its arguments only (see the module doc).
    pub(crate) fn is_passthrough(&self, f: usize) -> bool {
        self.passthrough_at(f, 0)
    }

    fn passthrough_at(&self, f: usize, depth: u32) -> bool {
        if let Some(&known) = self.passthrough_memo.borrow().get(&f) {
            return known;
        }
        if depth > MAX_DEPTH {
            return false;
        }
        // Cycle guard: a helper that calls itself is decided by its other parts.
        self.passthrough_memo.borrow_mut().insert(f, false);
        let returns = self.returns_of(f);
        let ok = !returns.is_empty()
            && returns.iter().all(|r| {
                let span = r.span();
                span.end - span.start <= MAX_RETURN_BYTES && {
                    let mut check = OwnData {
                        an: self,
                        f,
                        depth,
                        ok: true,
                    };
                    check.visit_expression(r);
                    check.ok
                }
            });
        self.passthrough_memo.borrow_mut().insert(f, ok);
        ok
    }

    /// Every `return` argument (and the expression body) of function `f`.
    pub(crate) fn returns_of(&self, f: usize) -> &[&'a Expression<'a>] {
        let by_fn = self.returns_by_fn.get_or_init(|| {
            let mut by: rustc_hash::FxHashMap<usize, Vec<&'a Expression<'a>>> = Default::default();
            for &(g, e) in &self.returns {
                by.entry(g).or_default().push(e);
            }
            by
        });
        by_fn.get(&f).map(|v| v.as_slice()).unwrap_or(&[])
    }
}

/// Checks that an expression of function `f` reads nothing but `f`'s own data.
struct OwnData<'x, 'a> {
    an: &'x Analyzer<'a>,
    f: usize,
    depth: u32,
    ok: bool,
}

impl<'a> OwnData<'_, 'a> {
    fn name_is_own(&self, id: &IdentifierReference<'a>) -> bool {
        let Some(sym) = self.an.symbol_of(id) else {
            return PURE_GLOBALS.contains(&id.name.as_str());
        };
        if self.an.params_of(self.f).contains(&Some(sym)) {
            return true;
        }
        if let Some(&g) = self.an.fn_by_symbol.get(&sym) {
            return self.an.passthrough_at(g, self.depth + 1);
        }
        // A local of the function, computed once from its own data.
        let declared = self.an.scoping.symbol_span(sym);
        let body = self.an.funcs[self.f].span;
        if declared.start < body.start || declared.end > body.end {
            return false;
        }
        if self.an.is_mutated(sym) || self.depth >= MAX_DEPTH {
            return false;
        }
        match self.an.inits.get(&sym) {
            Some(Init::Expr(init)) => {
                let mut inner = OwnData {
                    an: self.an,
                    f: self.f,
                    depth: self.depth + 1,
                    ok: true,
                };
                inner.visit_expression(init);
                inner.ok
            }
            _ => false,
        }
    }
}

impl<'a> Visit<'a> for OwnData<'_, 'a> {
    fn visit_identifier_reference(&mut self, it: &IdentifierReference<'a>) {
        if self.ok && !self.name_is_own(it) {
            self.ok = false;
        }
    }
    fn visit_this_expression(&mut self, _it: &ThisExpression) {
        self.ok = false;
    }
    // A callback written in place (`JSON.stringify(o, (k, v) => …)`) is code, not data.
    fn visit_function(&mut self, _it: &Function<'a>, _flags: ScopeFlags) {}
    fn visit_arrow_function_expression(&mut self, _it: &ArrowFunctionExpression<'a>) {}
    fn visit_class(&mut self, _it: &Class<'a>) {
        self.ok = false;
    }
    fn visit_expression(&mut self, it: &Expression<'a>) {
        if self.ok {
            walk::walk_expression(self, it);
        }
    }
}
