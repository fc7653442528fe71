//! What an expression means: its access path (`os.hostname()`), its constant value (decoding
//! base64, hex, char codes, joins), and the shape of a path-like string (`*/.ssh/id_rsa`).

use crate::{Analyzer, Init};
use oxc_ast::ast::*;
use std::borrow::Cow;
use std::rc::Rc;
use telltale_knowledge::js_api::js_api;
use telltale_knowledge::vendors;

/// A constant value computed statically.
#[derive(Debug, Clone)]
pub enum Val {
    Str(String),
    Num(f64),
    Bytes(Vec<u8>),
    Arr(Vec<Val>),
}

/// A value with how it was hidden, outermost encoding last. Most encodings are fixed words
/// (`base64`); some carry a parameter (`xor(0x2a)`).
#[derive(Debug, Clone)]
pub struct Decoded {
    pub val: Val,
    pub encodings: Vec<Cow<'static, str>>,
    /// The literal the value was computed from (string, number, array, template, string-array
    /// entry): where a hidden value's encoded form is written. A span, not a copy, so every
    /// literal may carry one for free.
    pub origin: Option<oxc_span::Span>,
}

impl Decoded {
    pub(crate) fn plain(val: Val) -> Self {
        Decoded {
            val,
            encodings: Vec::new(),
            origin: None,
        }
    }
    pub(crate) fn literal(val: Val, span: oxc_span::Span) -> Self {
        Decoded {
            val,
            encodings: Vec::new(),
            origin: Some(span),
        }
    }
    pub(crate) fn hidden(
        val: Val,
        encodings: Vec<Cow<'static, str>>,
        origin: Option<oxc_span::Span>,
    ) -> Self {
        Decoded {
            val,
            encodings,
            origin,
        }
    }
    /// Another value computed from this one alone: same encodings, same literal.
    fn derived(&self, val: Val) -> Self {
        Decoded {
            val,
            encodings: self.encodings.clone(),
            origin: self.origin,
        }
    }
    /// The literal of a value built from parts: the first hidden part's, since that is what a
    /// reader looks for; the first part's when none is hidden.
    fn first_origin<'d>(parts: impl IntoIterator<Item = &'d Decoded>) -> Option<oxc_span::Span> {
        let mut first = None;
        for p in parts {
            if !p.encodings.is_empty() && p.origin.is_some() {
                return p.origin;
            }
            first = first.or(p.origin);
        }
        first
    }
    /// Add the encodings of a part: a string split into pieces hidden the same way names the
    /// technique once.
    fn absorb(encodings: &mut Vec<Cow<'static, str>>, part: &[Cow<'static, str>]) {
        for e in part {
            if !encodings.contains(e) {
                encodings.push(e.clone());
            }
        }
    }
    pub fn as_str(&self) -> Option<&str> {
        match &self.val {
            Val::Str(s) => Some(s),
            _ => None,
        }
    }
    /// The value as text, decoding bytes as UTF-8.
    pub fn text(&self) -> Option<String> {
        match &self.val {
            Val::Str(s) => Some(s.clone()),
            Val::Bytes(b) => crate::strings::printable(b),
            Val::Num(n) => Some(num_to_string(*n)),
            Val::Arr(_) => None,
        }
    }
}

const MAX_DEPTH: u32 = 48;
const MAX_LEN: usize = 1 << 20;

fn num_to_string(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

fn normalize_module(m: &str) -> String {
    m.strip_prefix("node:").unwrap_or(m).to_string()
}

/// Global objects whose members are globals (`window.fetch` is `fetch`).
fn is_global_object(name: &str) -> bool {
    matches!(
        name,
        "window" | "globalThis" | "self" | "global" | "top" | "parent"
    )
}

impl<'a> Analyzer<'a> {
    /// Whether a variable's value may change after its init: written anywhere other than by
    /// its declaration, apart from the one assignment that is its init ([`Analyzer::assigned_once`]).
    pub(crate) fn is_mutated(&self, sym: oxc_semantic::SymbolId) -> bool {
        self.scoping.symbol_is_mutated(sym) && self.assigned_once.get(&sym).is_none()
    }

    pub(crate) fn symbol_of(&self, id: &IdentifierReference<'a>) -> Option<oxc_semantic::SymbolId> {
        let r = id.reference_id.get()?;
        self.scoping.get_reference(r).symbol_id()
    }

    /// The value a constant is initialised with: the initialiser of a symbol never written
    /// again (`const p = path.join(dir, "x")`).
    pub(crate) fn constant_init(&self, id: &IdentifierReference<'a>) -> Option<&'a Expression<'a>> {
        let s = self.symbol_of(id)?;
        match self.inits.get(&s) {
            Some(Init::Expr(init)) if !self.is_mutated(s) => Some(*init),
            _ => None,
        }
    }

    /// The access path of an expression, with aliases resolved: `e.hostname()` where `e` is
    /// `require("os")` resolves to `os.hostname()`. `None` when it does not name an API.
    pub fn path_of(&self, e: &'a Expression<'a>) -> Option<Rc<str>> {
        self.path_at(e, 0)
    }

    /// The path of what a call calls, for what it returns: the callee's path, or `fetch` for a
    /// `fetch` method of an object no catalogue names, called with the Fetch API's arguments
    /// (`(0, lib.fetch)(url, { method: "POST", headers, body })`): a fetch library bundled
    /// without its package name (undici, node-fetch inside an esbuild bundle) answers with
    /// the server's response, not with its arguments. A `fetch` that takes anything else
    /// (`cache.fetch(key)`) keeps the ordinary model. Not yet a sink: what such a call sends
    /// is not judged (configuration objects that hold a token beside the address merge in a
    /// field-insensitive flow, and every such request would "send" the token).
    pub(crate) fn call_path(
        &self,
        callee: &'a Expression<'a>,
        args: &'a [Argument<'a>],
    ) -> Option<Rc<str>> {
        let path = self.path_of(callee);
        if path.as_deref().is_some_and(|p| js_api().sink(p).is_some()) {
            return path;
        }
        let mut named = callee.without_parentheses();
        while let Expression::SequenceExpression(s) = named {
            match s.expressions.last() {
                Some(last) => named = last.without_parentheses(),
                None => return path,
            }
        }
        let is_fetch =
            matches!(named, Expression::StaticMemberExpression(m) if m.property.name == "fetch");
        let init = args
            .get(1)
            .and_then(|a| a.as_expression())
            .map(|e| e.without_parentheses());
        let request_init = matches!(init, Some(Expression::ObjectExpression(o))
            if o.properties.iter().any(|p| matches!(p, ObjectPropertyKind::ObjectProperty(p)
                if p.key.static_name().is_some_and(|k| matches!(k.as_ref(), "method" | "body" | "headers")))));
        if is_fetch && request_init {
            return Some(Rc::from("fetch"));
        }
        path
    }

    /// The member `(object, key)` arguments name: `Reflect.get(os, "host" + "name")`.
    fn reflected_member(&self, args: &'a [Argument<'a>], depth: u32) -> Option<Rc<str>> {
        let base = self.path_at(args.first()?.as_expression()?, depth + 1)?;
        let key = self
            .value_at(args.get(1)?.as_expression()?, depth + 1)?
            .text()?;
        (key.len() <= 64).then(|| join(&base, &key))
    }

    fn path_at(&self, e: &'a Expression<'a>, depth: u32) -> Option<Rc<str>> {
        if depth > MAX_DEPTH {
            return None;
        }
        match e {
            Expression::Identifier(id) => {
                self.name_path(self.symbol_of(id), id.name.as_str(), depth)
            }
            // `this` at the top level or in a plain function may be the global object; in a
            // class's methods it is the instance, whose members are no globals
            // (`this.request(…)` is not the `request` package).
            Expression::ThisExpression(t) if self.this_class_at(t).is_some() => None,
            Expression::ThisExpression(_) => Some(Rc::from("")),
            Expression::StaticMemberExpression(m) => {
                // `Object.getOwnPropertyDescriptor(os, "hostname").value`: the member itself.
                if let Expression::CallExpression(c) = m.object.without_parentheses() {
                    if matches!(m.property.name.as_str(), "value" | "get") {
                        let callee = self.path_at(&c.callee, depth + 1);
                        if callee.as_deref() == Some("Object.getOwnPropertyDescriptor") {
                            return self.reflected_member(&c.arguments, depth);
                        }
                    }
                }
                // `this.client` written once with `new Client()` (another module's class).
                if let Some(written) = self.this_property(&m.object, m.property.name.as_str()) {
                    if matches!(
                        written.without_parentheses(),
                        Expression::NewExpression(_) | Expression::CallExpression(_)
                    ) {
                        return self.path_at(written, depth + 1);
                    }
                }
                let base = self.path_at(&m.object, depth + 1)?;
                Some(join(&base, m.property.name.as_str()))
            }
            Expression::ComputedMemberExpression(m) => {
                // `Object.entries(os).find(([k]) => k === "hostname")[1]`: the member chosen.
                if let Expression::CallExpression(c) = m.object.without_parentheses() {
                    let index = self
                        .value_at(&m.expression, depth + 1)
                        .and_then(|v| v.text());
                    if index.as_deref() == Some("1") {
                        if let Some((base, key)) =
                            self.found_member(&c.callee, &c.arguments, "entries", depth)
                        {
                            return Some(join(&base, key));
                        }
                    }
                }
                let base = self.path_at(&m.object, depth + 1)?;
                let key = self.value_at(&m.expression, depth + 1)?.text()?;
                if key.len() > 64 {
                    return None;
                }
                Some(join(&base, &key))
            }
            Expression::CallExpression(c) => {
                if let Expression::Identifier(id) = c.callee.without_parentheses() {
                    if id.name == "require" && self.symbol_of(id).is_none() {
                        let arg = c.arguments.first()?.as_expression()?;
                        let m = self.value_at(arg, depth + 1)?.text()?;
                        return Some(Rc::from(normalize_module(&m).as_str()));
                    }
                }
                let callee = self.path_at(&c.callee, depth + 1)?;
                if callee.is_empty() {
                    return None;
                }
                // `Reflect.get(os, "hostname")` is the member, not a call of it.
                if &*callee == "Reflect.get" {
                    return self.reflected_member(&c.arguments, depth);
                }
                // A require function made by `module.createRequire(import.meta.url)` (ESM
                // bundles) or `require` under another name loads modules like `require`.
                if matches!(&*callee, "module.createRequire()" | "require") {
                    let arg = c.arguments.first()?.as_expression()?;
                    let m = self.value_at(arg, depth + 1)?.text()?;
                    return Some(Rc::from(normalize_module(&m).as_str()));
                }
                Some(called(&callee))
            }
            Expression::NewExpression(n) => {
                let callee = self.path_at(&n.callee, depth + 1)?;
                Some(called(&callee))
            }
            // `await import("os")` is the module (its promise is awaited on the way here).
            Expression::ImportExpression(i) => {
                let m = self.value_at(&i.source, depth + 1)?.text()?;
                Some(Rc::from(normalize_module(&m).as_str()))
            }
            Expression::ParenthesizedExpression(p) => self.path_at(&p.expression, depth + 1),
            Expression::SequenceExpression(s) => self.path_at(s.expressions.last()?, depth + 1),
            Expression::ChainExpression(c) => match &c.expression {
                ChainElement::StaticMemberExpression(m) => {
                    let base = self.path_at(&m.object, depth + 1)?;
                    Some(join(&base, m.property.name.as_str()))
                }
                ChainElement::CallExpression(call) => {
                    let callee = self.path_at(&call.callee, depth + 1)?;
                    Some(called(&callee))
                }
                _ => None,
            },
            Expression::AwaitExpression(a) => self.path_at(&a.argument, depth + 1),
            Expression::TSAsExpression(t) => self.path_at(&t.expression, depth + 1),
            Expression::TSNonNullExpression(t) => self.path_at(&t.expression, depth + 1),
            _ => None,
        }
    }

    /// `Object.<listing>(M).find(F)` over an object the catalogue knows (`os`): the one
    /// member among its catalogued sources that the file's own predicate `F` picks, run by
    /// the interpreter on each name (`k === "hostname"`, `k.startsWith("host")`). Several
    /// or none: unknown.
    pub(crate) fn found_member(
        &self,
        callee: &'a Expression<'a>,
        args: &'a [Argument<'a>],
        listing: &str,
        depth: u32,
    ) -> Option<(Rc<str>, &'static str)> {
        let Expression::StaticMemberExpression(find) = callee.without_parentheses() else {
            return None;
        };
        if find.property.name != "find" {
            return None;
        }
        let Expression::CallExpression(list) = find.object.without_parentheses() else {
            return None;
        };
        let lister = self.path_at(&list.callee, depth + 1)?;
        let wanted = format!("Object.{listing}");
        if *lister != *wanted && !(listing == "keys" && &*lister == "Object.getOwnPropertyNames") {
            return None;
        }
        let object = self.path_at(list.arguments.first()?.as_expression()?, depth + 1)?;
        let predicate = crate::collect::function_start(args.first()?.as_expression()?)
            .and_then(|s| self.fn_by_start.get(&s).copied())?;
        let candidates = telltale_knowledge::js_api::js_api().call_source_members(&object);
        let mut chosen = None;
        for name in candidates {
            let key = crate::interp::V::Str(Rc::new(name.encode_utf16().collect()));
            let arg = if listing == "entries" {
                crate::interp::V::Arr(Rc::new(std::cell::RefCell::new(vec![
                    key,
                    crate::interp::V::Undef,
                ])))
            } else {
                key
            };
            let mut it = crate::interp::Interp::new(self, 10_000);
            if it.run(predicate, vec![arg]).is_ok_and(|o| o.truthy()) {
                if chosen.is_some() {
                    return None;
                }
                chosen = Some(name);
            }
        }
        Some((object, chosen?))
    }

    /// The path of a name: its symbol's, or the global it names.
    pub(crate) fn name_path(
        &self,
        sym: Option<oxc_semantic::SymbolId>,
        name: &str,
        depth: u32,
    ) -> Option<Rc<str>> {
        match sym {
            Some(sym) => self.symbol_path(sym, depth + 1),
            None if name == "undefined" => None,
            None if is_global_object(name) => Some(Rc::from("")),
            None => Some(Rc::from(name)),
        }
    }

    pub(crate) fn symbol_path(&self, sym: oxc_semantic::SymbolId, depth: u32) -> Option<Rc<str>> {
        if let Some(p) = self.path_memo.borrow().get(&sym) {
            return p.clone();
        }
        // Cycle guard: a symbol whose path depends on itself names nothing.
        self.path_memo.borrow_mut().insert(sym, None);
        let init = self.inits.get(&sym);
        let p = match init {
            Some(Init::Import(module, name)) => match name {
                None => Some(Rc::from(module.as_str())),
                Some(n) if n == "default" => Some(Rc::from(module.as_str())),
                Some(n) => Some(join(module, n)),
            },
            _ if self.is_mutated(sym) => None,
            Some(Init::Expr(e)) => self.path_at(e, depth + 1),
            Some(Init::Member(e, key)) => self.path_at(e, depth + 1).map(|b| join(&b, key)),
            None => None,
        };
        self.path_memo.borrow_mut().insert(sym, p.clone());
        p
    }

    /// The constant value of an expression, decoding as it goes.
    pub fn value_of(&self, e: &'a Expression<'a>) -> Option<Decoded> {
        self.value_at(e, 0)
    }

    pub(crate) fn value_at(&self, e: &'a Expression<'a>, depth: u32) -> Option<Decoded> {
        if depth > MAX_DEPTH {
            return None;
        }
        let d = depth + 1;
        match e {
            Expression::StringLiteral(s) => {
                Some(Decoded::literal(Val::Str(s.value.to_string()), s.span))
            }
            Expression::NumericLiteral(n) => Some(Decoded::literal(Val::Num(n.value), n.span)),
            Expression::TemplateLiteral(t) => {
                let mut out = String::new();
                let mut enc = Vec::new();
                let mut hidden_origin = None;
                for (i, q) in t.quasis.iter().enumerate() {
                    out.push_str(q.value.cooked.as_ref()?.as_str());
                    if let Some(x) = t.expressions.get(i) {
                        let v = self.value_at(x, d)?;
                        out.push_str(&v.text()?);
                        if hidden_origin.is_none() && !v.encodings.is_empty() {
                            hidden_origin = v.origin;
                        }
                        Decoded::absorb(&mut enc, &v.encodings);
                    }
                    if out.len() > MAX_LEN {
                        return None;
                    }
                }
                // The template's own text is written here; a hidden part is written elsewhere.
                Some(Decoded::hidden(
                    Val::Str(out),
                    enc,
                    hidden_origin.or(Some(t.span)),
                ))
            }
            Expression::Identifier(id) => {
                let sym = self.symbol_of(id)?;
                if let Some(bound) = self.bound_value(sym) {
                    return bound;
                }
                self.symbol_value(sym, d)
            }
            Expression::ParenthesizedExpression(p) => self.value_at(&p.expression, d),
            Expression::SequenceExpression(s) => self.value_at(s.expressions.last()?, d),
            Expression::ArrayExpression(a) => {
                if a.elements.len() > 4096 {
                    return None;
                }
                let mut items = Vec::with_capacity(a.elements.len());
                for el in &a.elements {
                    items.push(self.value_at(el.as_expression()?, d)?.val);
                }
                Some(Decoded::literal(Val::Arr(items), a.span))
            }
            Expression::BinaryExpression(b) => self.binary_value(b, d),
            Expression::UnaryExpression(u) => match u.operator {
                UnaryOperator::Typeof => {
                    let p = self.path_at(&u.argument, d)?;
                    telltale_knowledge::js_api::js_api()
                        .is_known_function(&p)
                        .then(|| Decoded::plain(Val::Str("function".into())))
                }
                UnaryOperator::UnaryNegation => {
                    let v = self.value_at(&u.argument, d)?;
                    match v.val {
                        Val::Num(n) => Some(v.derived(Val::Num(-n))),
                        _ => None,
                    }
                }
                _ => None,
            },
            Expression::StaticMemberExpression(m) => {
                let obj = self.value_at(&m.object, d)?;
                match (&obj.val, m.property.name.as_str()) {
                    (Val::Str(s), "length") => {
                        Some(Decoded::plain(Val::Num(s.encode_utf16().count() as f64)))
                    }
                    (Val::Arr(a), "length") => Some(Decoded::plain(Val::Num(a.len() as f64))),
                    _ => None,
                }
            }
            Expression::ComputedMemberExpression(m) => {
                let idx = match self.value_at(&m.expression, d)?.val {
                    Val::Num(n) if n >= 0.0 => n as usize,
                    _ => return None,
                };
                let obj = self.value_at(&m.object, d)?;
                match obj.val {
                    Val::Arr(a) => a.into_iter().nth(idx).map(|v| Decoded {
                        val: v,
                        encodings: obj.encodings,
                        origin: obj.origin,
                    }),
                    Val::Str(s) => s.chars().nth(idx).map(|c| Decoded {
                        val: Val::Str(c.to_string()),
                        encodings: obj.encodings,
                        origin: obj.origin,
                    }),
                    _ => None,
                }
            }
            Expression::CallExpression(c) => self.call_value(&c.callee, &c.arguments, d),
            Expression::NewExpression(n) => self.call_value(&n.callee, &n.arguments, d),
            _ => None,
        }
    }

    pub(crate) fn symbol_value(&self, sym: oxc_semantic::SymbolId, depth: u32) -> Option<Decoded> {
        let compute = || match self.inits.get(&sym) {
            Some(Init::Expr(e)) if !self.is_mutated(sym) => self.value_at(e, depth),
            _ => None,
        };
        // While a string array's rotation is being searched, values read through it are not
        // final: nothing is remembered.
        if self.emulating() {
            return compute();
        }
        if let Some(v) = self.value_memo.borrow().get(&sym) {
            return v.clone();
        }
        self.value_memo.borrow_mut().insert(sym, None);
        let v = compute();
        self.value_memo.borrow_mut().insert(sym, v.clone());
        v
    }

    fn binary_value(&self, b: &'a BinaryExpression<'a>, d: u32) -> Option<Decoded> {
        let l = self.value_at(&b.left, d)?;
        let r = self.value_at(&b.right, d)?;
        let mut enc = l.encodings.clone();
        Decoded::absorb(&mut enc, &r.encodings);
        let val = match (b.operator, &l.val, &r.val) {
            (BinaryOperator::Addition, Val::Num(x), Val::Num(y)) => Val::Num(x + y),
            (BinaryOperator::Addition, _, _) => {
                let s = l.text()? + &r.text()?;
                if s.len() > MAX_LEN {
                    return None;
                }
                Val::Str(s)
            }
            (op, Val::Num(x), Val::Num(y)) => {
                let (x, y) = (*x, *y);
                let (xi, yi) = (x as i64 as i32, y as i64 as i32);
                Val::Num(match op {
                    BinaryOperator::Subtraction => x - y,
                    BinaryOperator::Multiplication => x * y,
                    BinaryOperator::Division if y != 0.0 => x / y,
                    BinaryOperator::Remainder if y != 0.0 => x % y,
                    BinaryOperator::BitwiseXOR => (xi ^ yi) as f64,
                    BinaryOperator::BitwiseAnd => (xi & yi) as f64,
                    BinaryOperator::BitwiseOR => (xi | yi) as f64,
                    BinaryOperator::ShiftLeft => (xi.wrapping_shl(yi as u32 & 31)) as f64,
                    BinaryOperator::ShiftRight => (xi.wrapping_shr(yi as u32 & 31)) as f64,
                    _ => return None,
                })
            }
            _ => return None,
        };
        Some(Decoded::hidden(val, enc, Decoded::first_origin([&l, &r])))
    }

    /// The constant value of a call, from its callee and arguments.
    pub(crate) fn eval_call(
        &self,
        callee: &'a Expression<'a>,
        args: &'a [Argument<'a>],
    ) -> Option<Decoded> {
        self.call_value(callee, args, 0)
    }

    fn call_value(
        &self,
        callee: &'a Expression<'a>,
        args: &'a [Argument<'a>],
        d: u32,
    ) -> Option<Decoded> {
        let arg = |i: usize| args.get(i).and_then(|a| a.as_expression());
        let callee = callee.without_parentheses();
        // Calls of the file's own functions: evaluated by substituting the arguments.
        if let Some(f) = self.local_function(callee) {
            return self.local_call_value(f, callee, args, d);
        }
        // A function written where it is called: `(function (p, a, c, k, e, d) {…})(…)`.
        if let Some(&f) =
            crate::collect::function_start(callee).and_then(|s| self.fn_by_start.get(&s))
        {
            return self.local_call_value(f, callee, args, d);
        }
        // `Object.keys(os).find(k => k === "hostname")`: the member's name.
        if let Expression::StaticMemberExpression(m) = callee {
            if m.property.name == "find" {
                if let Some((_, key)) = self.found_member(callee, args, "keys", d) {
                    return Some(Decoded::plain(Val::Str(key.to_string())));
                }
            }
        }
        // Method calls on a constant receiver.
        if let Expression::StaticMemberExpression(m) = callee {
            let method = m.property.name.as_str();
            let path = self.path_at(callee, d);
            match path.as_deref() {
                Some("Buffer.from") | Some("Buffer") => {}
                Some("String.fromCharCode") => return self.from_char_codes(args, d),
                Some("String.fromCharCode.apply") | Some("String.fromCharCode.call") => {
                    let v = self.value_at(arg(1)?, d)?;
                    return codes_to_string(&v.val).map(|s| {
                        Decoded::hidden(Val::Str(s), vec!["char-codes".into()], v.origin)
                    });
                }
                _ => return self.method_value(&m.object, method, args, d),
            }
        }
        let path = self.path_at(callee, d)?;
        match &*path {
            "Buffer.from" | "Buffer" => {
                let v = self.value_at(arg(0)?, d)?;
                let enc = match arg(1) {
                    Some(e) => self.value_at(e, d)?.text()?,
                    None => "utf8".into(),
                };
                let mut encodings = v.encodings.clone();
                let bytes = match (&v.val, enc.as_str()) {
                    (Val::Str(s), "base64" | "base64url") => {
                        encodings.push("base64".into());
                        crate::strings::decode_base64(s)?
                    }
                    (Val::Str(s), "hex") => {
                        encodings.push("hex".into());
                        crate::strings::decode_hex(s)?
                    }
                    (Val::Str(s), _) => s.as_bytes().to_vec(),
                    (Val::Arr(a), _) => {
                        encodings.push("byte-array".into());
                        a.iter()
                            .map(|x| match x {
                                Val::Num(n) => Some(*n as u8),
                                _ => None,
                            })
                            .collect::<Option<Vec<u8>>>()?
                    }
                    (Val::Bytes(b), _) => b.clone(),
                    _ => return None,
                };
                Some(Decoded::hidden(Val::Bytes(bytes), encodings, v.origin))
            }
            "atob" => {
                let v = self.value_at(arg(0)?, d)?;
                let bytes = crate::strings::decode_base64(v.as_str()?)?;
                let mut encodings = v.encodings;
                encodings.push("base64".into());
                Some(Decoded::hidden(
                    Val::Str(bytes.iter().map(|b| *b as char).collect()),
                    encodings,
                    v.origin,
                ))
            }
            "decodeURIComponent" | "decodeURI" | "unescape" => {
                let v = self.value_at(arg(0)?, d)?;
                let mut encodings = v.encodings.clone();
                encodings.push("uri".into());
                Some(Decoded::hidden(
                    Val::Str(crate::strings::percent_decode(v.as_str()?)),
                    encodings,
                    v.origin,
                ))
            }
            "String" => {
                let v = self.value_at(arg(0)?, d)?;
                Some(v.derived(Val::Str(v.text()?)))
            }
            "String.fromCharCode" => self.from_char_codes(args, d),
            "parseInt" | "Number.parseInt" => {
                let text = self.value_at(arg(0)?, d)?.text()?;
                let radix = match arg(1) {
                    Some(e) => match self.value_at(e, d)?.val {
                        Val::Num(n) => n,
                        _ => return None,
                    },
                    None => 0.0,
                };
                Some(Decoded::plain(Val::Num(crate::deobf::parse_int(
                    &text, radix,
                ))))
            }
            _ => None,
        }
    }

    fn from_char_codes(&self, args: &'a [Argument<'a>], d: u32) -> Option<Decoded> {
        let mut out = String::new();
        let mut origin = None;
        for a in args.iter().take(4096) {
            let v = match a {
                Argument::SpreadElement(s) => self.value_at(&s.argument, d)?,
                _ => self.value_at(a.as_expression()?, d)?,
            };
            // The codes start at the first argument's literal.
            origin = origin.or(v.origin);
            match &v.val {
                Val::Num(n) => out.push(char::from_u32(*n as u32)?),
                other => out.push_str(&codes_to_string(other)?),
            }
        }
        Some(Decoded::hidden(
            Val::Str(out),
            vec!["char-codes".into()],
            origin,
        ))
    }

    fn method_value(
        &self,
        recv: &'a Expression<'a>,
        method: &str,
        args: &'a [Argument<'a>],
        d: u32,
    ) -> Option<Decoded> {
        let arg = |i: usize| args.get(i).and_then(|a| a.as_expression());
        let num = |i: usize| -> Option<Option<f64>> {
            match arg(i) {
                None => Some(None),
                Some(e) => match self.value_at(e, d)?.val {
                    Val::Num(n) => Some(Some(n)),
                    _ => None,
                },
            }
        };
        let r = self.value_at(recv, d)?;
        let wrap = |val: Val| Some(r.derived(val));
        match (&r.val, method) {
            (Val::Bytes(b), "toString") => {
                let to = match arg(0) {
                    Some(e) => self.value_at(e, d)?.text()?,
                    None => "utf8".into(),
                };
                match to.as_str() {
                    "hex" => wrap(Val::Str(b.iter().map(|x| format!("{x:02x}")).collect())),
                    "base64" => {
                        use base64::Engine;
                        wrap(Val::Str(
                            base64::engine::general_purpose::STANDARD.encode(b),
                        ))
                    }
                    "latin1" | "binary" | "ascii" => {
                        wrap(Val::Str(b.iter().map(|x| *x as char).collect()))
                    }
                    _ => wrap(Val::Str(String::from_utf8_lossy(b).into_owned())),
                }
            }
            (Val::Str(s), "toString" | "valueOf" | "trim" | "normalize") => {
                wrap(Val::Str(if method == "trim" {
                    s.trim().to_string()
                } else {
                    s.clone()
                }))
            }
            (Val::Str(s), "toLowerCase" | "toLocaleLowerCase") => wrap(Val::Str(s.to_lowercase())),
            (Val::Str(s), "toUpperCase" | "toLocaleUpperCase") => wrap(Val::Str(s.to_uppercase())),
            (Val::Str(s), "charAt") => {
                let i = num(0)?.unwrap_or(0.0) as usize;
                wrap(Val::Str(
                    s.chars().nth(i).map(String::from).unwrap_or_default(),
                ))
            }
            (Val::Str(s), "charCodeAt") => {
                let i = num(0)?.unwrap_or(0.0) as usize;
                wrap(Val::Num(s.encode_utf16().nth(i)? as f64))
            }
            (Val::Str(s), "slice" | "substring" | "substr") => {
                let chars: Vec<char> = s.chars().collect();
                let len = chars.len() as f64;
                let a = num(0)?.unwrap_or(0.0);
                let b = num(1)?;
                let (start, end) = match method {
                    "substr" => {
                        let st = if a < 0.0 {
                            (len + a).max(0.0)
                        } else {
                            a.min(len)
                        };
                        (st, (st + b.unwrap_or(len)).min(len))
                    }
                    "substring" => {
                        let (x, y) = (a.clamp(0.0, len), b.unwrap_or(len).clamp(0.0, len));
                        (x.min(y), x.max(y))
                    }
                    _ => {
                        let fix = |v: f64| {
                            if v < 0.0 {
                                (len + v).max(0.0)
                            } else {
                                v.min(len)
                            }
                        };
                        (fix(a), fix(b.unwrap_or(len)))
                    }
                };
                let out: String = chars[start as usize..(end as usize).max(start as usize)]
                    .iter()
                    .collect();
                wrap(Val::Str(out))
            }
            (Val::Str(s), "split") => {
                let sep = self.value_at(arg(0)?, d)?.text()?;
                let parts: Vec<Val> = if sep.is_empty() {
                    s.chars().map(|c| Val::Str(c.to_string())).collect()
                } else {
                    s.split(sep.as_str())
                        .map(|p| Val::Str(p.to_string()))
                        .collect()
                };
                wrap(Val::Arr(parts))
            }
            (Val::Str(s), "replace" | "replaceAll") => {
                let from = self.value_at(arg(0)?, d)?.text()?;
                let to = self.value_at(arg(1)?, d)?.text()?;
                wrap(Val::Str(if method == "replace" {
                    s.replacen(&from, &to, 1)
                } else {
                    s.replace(&from, &to)
                }))
            }
            (Val::Str(s), "concat") => {
                let mut out = s.clone();
                for i in 0..args.len().min(64) {
                    out.push_str(&self.value_at(arg(i)?, d)?.text()?);
                }
                wrap(Val::Str(out))
            }
            (Val::Arr(a), "join") => {
                let sep = match arg(0) {
                    Some(e) => self.value_at(e, d)?.text()?,
                    None => ",".into(),
                };
                let parts: Option<Vec<String>> =
                    a.iter().map(|v| Decoded::plain(v.clone()).text()).collect();
                let s = parts?.join(&sep);
                (s.len() <= MAX_LEN).then_some(())?;
                wrap(Val::Str(s))
            }
            (Val::Arr(a), "reverse") => wrap(Val::Arr(a.iter().rev().cloned().collect())),
            _ => None,
        }
    }

    /// The shape of a path-like string: constant parts kept, unknown parts as `*`, home
    /// directory reads as `~` (`path.join(os.homedir(), ".ssh")` → `~/.ssh`).
    pub fn shape_of(&self, e: &'a Expression<'a>) -> String {
        let mut out = String::new();
        self.shape_into(e, 0, &mut out);
        out
    }

    fn shape_into(&self, e: &'a Expression<'a>, depth: u32, out: &mut String) {
        if depth > 16 || out.len() > 4096 {
            out.push('*');
            return;
        }
        if let Some(v) = self.value_at(e, depth).and_then(|v| v.text()) {
            out.push_str(&v);
            return;
        }
        match e {
            Expression::BinaryExpression(b) if b.operator == BinaryOperator::Addition => {
                self.shape_into(&b.left, depth + 1, out);
                self.shape_into(&b.right, depth + 1, out);
            }
            Expression::TemplateLiteral(t) => {
                for (i, q) in t.quasis.iter().enumerate() {
                    out.push_str(q.value.raw.as_str());
                    if let Some(x) = t.expressions.get(i) {
                        self.shape_into(x, depth + 1, out);
                    }
                }
            }
            Expression::Identifier(id) => match self.constant_init(id) {
                Some(init) => self.shape_into(init, depth + 1, out),
                None => out.push('*'),
            },
            Expression::CallExpression(c) => {
                let p = self.path_at(&c.callee, depth + 1);
                match p.as_deref() {
                    Some("os.homedir") => out.push('~'),
                    Some("path.join" | "path.resolve" | "path.posix.join") => {
                        for (i, a) in c.arguments.iter().enumerate() {
                            if i > 0 {
                                out.push('/');
                            }
                            match a.as_expression() {
                                Some(x) => self.shape_into(x, depth + 1, out),
                                None => out.push('*'),
                            }
                        }
                    }
                    _ => out.push('*'),
                }
            }
            Expression::StaticMemberExpression(_) | Expression::ComputedMemberExpression(_) => {
                match self.path_at(e, depth + 1).as_deref() {
                    Some("process.env.HOME" | "process.env.USERPROFILE") => out.push('~'),
                    // The platform's own address, whatever it holds (`KUBERNETES_SERVICE_HOST`).
                    Some(p) => match p
                        .strip_prefix("process.env.")
                        .and_then(vendors::platform_variable_address)
                    {
                        Some(address) => out.push_str(address),
                        None => out.push('*'),
                    },
                    None => out.push('*'),
                }
            }
            _ => out.push('*'),
        }
    }
}

fn codes_to_string(v: &Val) -> Option<String> {
    match v {
        Val::Arr(items) => items
            .iter()
            .map(|x| match x {
                Val::Num(n) => char::from_u32(*n as u32),
                _ => None,
            })
            .collect(),
        _ => None,
    }
}

fn join(base: &str, key: &str) -> Rc<str> {
    if base.is_empty() {
        Rc::from(key)
    } else {
        concat_rc(&[base, ".", key])
    }
}

/// `callee()`: the path of what a call returns.
pub(crate) fn called(callee: &str) -> Rc<str> {
    concat_rc(&[callee, "()"])
}

/// Concatenate into one `Rc<str>` with a single allocation (paths are built for every
/// member expression of a bundle; `format!` would allocate twice).
fn concat_rc(parts: &[&str]) -> Rc<str> {
    const STACK: usize = 256;
    let len: usize = parts.iter().map(|p| p.len()).sum();
    if len > STACK {
        return Rc::from(parts.concat().as_str());
    }
    let mut buf = [0u8; STACK];
    let mut at = 0;
    for p in parts {
        buf[at..at + p.len()].copy_from_slice(p.as_bytes());
        at += p.len();
    }
    Rc::from(std::str::from_utf8(&buf[..at]).expect("concatenation of str is UTF-8"))
}

/// Host names the analysis knows unresolved (`require`, `module.exports`, `process.env`,
/// `window.location`): a script that assigns one still means the host's.
const HOST_GLOBALS: &[&str] = &[
    "require",
    "module",
    "exports",
    "process",
    "global",
    "globalThis",
    "window",
    "self",
    "document",
    "location",
    "navigator",
    "eval",
    "Function",
    "console",
    "Buffer",
    "define",
    "__dirname",
    "__filename",
    "undefined",
];

/// Names a script assigns without declaring (`x = require("os")`, `h = os.hostname()` in a
/// function) become variables of the file, as they are at run time: oxc leaves every reference
/// to them unresolved, so their values and the data they carry were lost.
pub(crate) fn declare_implicit_globals(scoping: &mut oxc_semantic::Scoping) {
    let written: Vec<(String, Vec<oxc_syntax::reference::ReferenceId>)> = scoping
        .root_unresolved_references()
        .iter()
        .filter(|(name, refs)| {
            !HOST_GLOBALS.contains(&name.as_str())
                && refs.iter().any(|&r| scoping.get_reference(r).is_write())
        })
        .map(|(name, refs)| (name.as_str().to_string(), refs.iter().copied().collect()))
        .collect();
    let root = scoping.root_scope_id();
    for (name, refs) in written {
        let sym = scoping.create_symbol(
            oxc_span::SPAN,
            name.as_str().into(),
            oxc_syntax::symbol::SymbolFlags::FunctionScopedVariable,
            root,
            oxc_syntax::node::NodeId::DUMMY,
        );
        for r in refs {
            scoping.get_reference_mut(r).set_symbol_id(sym);
            scoping.add_resolved_reference(sym, r);
            scoping.delete_root_unresolved_reference(name.as_str().into(), r);
        }
    }
}
