//! A bounded interpreter for the file's own functions on constant arguments, so strings a
//! package hides behind a decoder it wrote itself read like plain source.
//!
//! [`crate::deobf`] recognises the obfuscators' own shapes (string arrays, rotation loops);
//! what packages write by hand is too varied for shapes. One AI coding assistant hides 14,746
//! strings, its hosts among them, behind a two-line helper:
//!
//! ```js
//! const _$d = (s, k = "OtD6…") => { const b = Buffer.from(s, "base64");
//!   for (let i = 0; i < b.length; i++) b[i] ^= k.charCodeAt(i % k.length); return b.toString() };
//! fetch(_$d("JEA…"), …)
//! ```
//!
//! So a call of a local function whose arguments are constants is *run*: statements (`let`,
//! `if`, `for`, `for…of`, `while`, `switch`, `try`), numbers, strings as UTF-16 code units,
//! arrays, objects, byte buffers, closures, and the pure part of the standard library
//! (`String.fromCharCode`, `Buffer.from`, `atob`, string, array and regex methods, `Math`).
//! Packers (`eval(function (p, a, c, k, e, d) {…}(…))`) unpack the same way.
//!
//! Safety comes from what does not exist rather than from a sandbox around a full engine:
//! nothing of the host is bound (no `require`, `process`, `globalThis`, I/O, timers or
//! clocks, not even `Math.random`); reading any name that is neither a local, a constant of
//! the file nor a pure builtin stops the run, and so does writing anything outside the call
//! (a module variable, a constant table's contents, a property of a function). Every step
//! costs fuel, every allocation costs fuel by its size, strings, arrays and call depth are
//! capped, and regexes run on the linear-time `regex` crate with size limits: a hostile
//! decoder (an endless loop, exponential strings, deep recursion) ends at a bound, with
//! nothing decoded. Each run reports the techniques it met (`base64`, `xor`, `char-codes` …)
//! so the decoded value says how it was hidden; a run that met none is an ordinary constant.

use crate::resolve::{Decoded, Val};
use crate::{Analyzer, FnBody};
use oxc_ast::ast::*;
use oxc_semantic::SymbolId;
use rustc_hash::FxHashMap as HashMap;
use std::borrow::Cow;
use std::cell::RefCell;
use std::rc::Rc;

/// Steps one call may take (each expression and statement is one; allocations more).
pub(crate) const CALL_FUEL: u64 = 1_000_000;
/// Longest string (code units), array or buffer a run may build.
const MAX_LEN: usize = 1 << 20;
/// Bytes one call may allocate in all.
const MAX_ALLOC: u64 = 64 << 20;
/// Nested calls of the file's functions within one run.
const MAX_CALLS: u32 = 48;
/// Nesting of expressions and statements evaluated recursively.
const MAX_NESTING: u32 = 400;
/// A regex's compiled size.
const REGEX_SIZE: usize = 1 << 20;

type Str16 = Rc<Vec<u16>>;

/// A value of the interpreter. Containers are shared by reference, as in JS.
#[derive(Clone)]
pub(crate) enum V {
    Undef,
    Null,
    Bool(bool),
    Num(f64),
    /// UTF-16 code units, as JS strings are.
    Str(Str16),
    Arr(Rc<RefCell<Vec<V>>>),
    /// A `Buffer` or `Uint8Array`.
    Bytes(Rc<RefCell<Vec<u8>>>),
    Obj(Rc<RefCell<Object>>),
    /// A function of the file.
    Func(usize),
    /// A pure builtin by its path (`String.fromCharCode`), or a builtin instance
    /// (`TextDecoder#`).
    Builtin(&'static str),
    Regex(Rc<Regex>),
}

#[derive(Default)]
pub(crate) struct Object {
    keys: Vec<String>,
    map: HashMap<String, V>,
}

pub(crate) struct Regex {
    re: regex::Regex,
    global: bool,
}

/// Why a run stopped without a value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Stop {
    /// A value the run needs is not known statically (an unknown name, a non-constant).
    Unknown,
    /// A construct the interpreter does not model, or an effect outside the call.
    Unsupported,
    /// Fuel, length, memory or depth ran out.
    Limit,
    /// A `throw` (caught by the run's own `try`, else the run fails).
    Throw,
}

type R<T> = Result<T, Stop>;

enum Flow<'a> {
    Next,
    Return(V),
    Break(Option<&'a str>),
    Continue(Option<&'a str>),
}

/// What a loop does after one turn of its body.
enum Turn<'a> {
    Go,
    Stop,
    /// Leave the loop and its statement with this flow (a `return`, or a labelled jump to
    /// an outer statement).
    Leave(Flow<'a>),
}

/// The loop's answer to how its body ended, for a loop with this label.
fn turn<'a>(flow: Flow<'a>, label: Option<&'a str>) -> Turn<'a> {
    match flow {
        Flow::Break(l) if l.is_none() || l == label => Turn::Stop,
        Flow::Continue(l) if l.is_none() || l == label => Turn::Go,
        Flow::Next => Turn::Go,
        other => Turn::Leave(other),
    }
}

/// Techniques met during a run, in the order first met.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Technique {
    Base64,
    Hex,
    Xor,
    CharCodes,
    Reverse,
    Uri,
    Substitution,
}

impl Technique {
    fn word(self) -> &'static str {
        match self {
            Technique::Base64 => "base64",
            Technique::Hex => "hex",
            Technique::Xor => "xor",
            Technique::CharCodes => "char-codes",
            Technique::Reverse => "reverse",
            Technique::Uri => "uri",
            Technique::Substitution => "regex substitution",
        }
    }
}

/// What a run of a function returned, with how it was hidden.
pub(crate) struct Outcome {
    pub value: V,
    pub techniques: Vec<Technique>,
}

impl Outcome {
    /// Whether the value is true as a condition.
    pub(crate) fn truthy(&self) -> bool {
        truthy(&self.value)
    }
}

/// Cross-run state kept per file: converted constants (never mutated: runs may not write
/// them) and compiled regexes.
#[derive(Default)]
pub(crate) struct InterpCache {
    constants: RefCell<HashMap<SymbolId, Option<V>>>,
    /// The containers among `constants` (by address): runs may read them, not change them.
    shared: RefCell<rustc_hash::FxHashSet<usize>>,
    regexes: RefCell<HashMap<(String, bool, bool), Option<Rc<Regex>>>>,
}

/// Mark a constant's containers, nested ones too, as shared.
fn share(v: &V, shared: &mut rustc_hash::FxHashSet<usize>) {
    if let Some(a) = container_address(v) {
        shared.insert(a);
    }
    if let V::Arr(items) = v {
        for item in items.borrow().iter() {
            share(item, shared);
        }
    }
}

/// The address of a container value, which identifies it while it lives.
fn container_address(v: &V) -> Option<usize> {
    match v {
        V::Arr(a) => Some(Rc::as_ptr(a) as *const () as usize),
        V::Bytes(b) => Some(Rc::as_ptr(b) as *const () as usize),
        V::Obj(o) => Some(Rc::as_ptr(o) as *const () as usize),
        _ => None,
    }
}

pub(crate) struct Interp<'x, 'a> {
    an: &'x Analyzer<'a>,
    /// Bindings of the running calls, innermost last; lookups search from the top, so a
    /// closure called while its maker runs sees the maker's locals.
    vars: Vec<(SymbolId, V)>,
    /// Where the running call's own bindings start.
    frame: usize,
    fuel: u64,
    alloc: u64,
    calls: u32,
    nesting: u32,
    techniques: Vec<Technique>,
}

fn s16(s: &str) -> Str16 {
    Rc::new(s.encode_utf16().collect())
}

fn str_of(v: &[u16]) -> String {
    String::from_utf16_lossy(v)
}

/// JS `Number::toString` for the values decoders produce.
fn num_string(n: f64) -> String {
    if n.is_nan() {
        "NaN".into()
    } else if n.is_infinite() {
        if n > 0.0 { "Infinity" } else { "-Infinity" }.into()
    } else if n == 0.0 {
        "0".into()
    } else if n.fract() == 0.0 && n.abs() < 1e21 {
        format!("{}", n as i128)
    } else {
        format!("{n}")
    }
}

fn to_int32(n: f64) -> i32 {
    if !n.is_finite() {
        return 0;
    }
    (n.trunc().rem_euclid(4_294_967_296.0) as u32) as i32
}

fn to_uint32(n: f64) -> u32 {
    to_int32(n) as u32
}

fn truthy(v: &V) -> bool {
    match v {
        V::Undef | V::Null => false,
        V::Bool(b) => *b,
        V::Num(n) => *n != 0.0 && !n.is_nan(),
        V::Str(s) => !s.is_empty(),
        _ => true,
    }
}

fn parse_number(s: &str) -> f64 {
    let t = s.trim();
    if t.is_empty() {
        return 0.0;
    }
    let hex = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X"));
    if let Some(h) = hex {
        return i64::from_str_radix(h, 16).map_or(f64::NAN, |v| v as f64);
    }
    match t {
        "Infinity" | "+Infinity" => f64::INFINITY,
        "-Infinity" => f64::NEG_INFINITY,
        _ if t
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-')) =>
        {
            t.parse().unwrap_or(f64::NAN)
        }
        _ => f64::NAN,
    }
}

/// A JS relative index (`slice(-2)`) clamped to `0..=len`.
fn rel_index(i: f64, len: usize) -> usize {
    let len_f = len as f64;
    let i = if i.is_nan() { 0.0 } else { i.trunc() };
    (if i < 0.0 {
        (len_f + i).max(0.0)
    } else {
        i.min(len_f)
    }) as usize
}

fn strict_eq(a: &V, b: &V) -> bool {
    match (a, b) {
        (V::Undef, V::Undef) | (V::Null, V::Null) => true,
        (V::Bool(x), V::Bool(y)) => x == y,
        (V::Num(x), V::Num(y)) => x == y,
        (V::Str(x), V::Str(y)) => x == y,
        (V::Arr(x), V::Arr(y)) => Rc::ptr_eq(x, y),
        (V::Bytes(x), V::Bytes(y)) => Rc::ptr_eq(x, y),
        (V::Obj(x), V::Obj(y)) => Rc::ptr_eq(x, y),
        (V::Regex(x), V::Regex(y)) => Rc::ptr_eq(x, y),
        (V::Func(x), V::Func(y)) => x == y,
        (V::Builtin(x), V::Builtin(y)) => x == y,
        _ => false,
    }
}

/// Pure global names and the members of pure global objects.
const BUILTINS: &[&str] = &[
    "String",
    "String.fromCharCode",
    "String.fromCodePoint",
    "Number",
    "Number.parseInt",
    "Number.parseFloat",
    "Number.isNaN",
    "Boolean",
    "parseInt",
    "parseFloat",
    "isNaN",
    "isFinite",
    "Math",
    "Math.floor",
    "Math.ceil",
    "Math.round",
    "Math.abs",
    "Math.min",
    "Math.max",
    "Math.pow",
    "Math.trunc",
    "Math.sign",
    "Math.sqrt",
    "Math.imul",
    "Buffer",
    "Buffer.from",
    "Buffer.alloc",
    "Buffer.concat",
    "Buffer.isBuffer",
    "atob",
    "btoa",
    "decodeURIComponent",
    "decodeURI",
    "encodeURIComponent",
    "encodeURI",
    "escape",
    "unescape",
    "Array",
    "Array.from",
    "Array.isArray",
    "Uint8Array",
    "Uint8Array.from",
    "TextDecoder",
    "TextEncoder",
    "RegExp",
    "Object",
    "Object.keys",
    "Object.values",
    "Object.entries",
    "Object.fromEntries",
];

fn builtin(name: &str) -> Option<&'static str> {
    BUILTINS.iter().copied().find(|b| *b == name)
}

impl<'x, 'a> Interp<'x, 'a> {
    pub(crate) fn new(an: &'x Analyzer<'a>, fuel: u64) -> Self {
        Interp {
            an,
            vars: Vec::new(),
            frame: 0,
            fuel,
            alloc: MAX_ALLOC,
            calls: 0,
            nesting: 0,
            techniques: Vec::new(),
        }
    }

    /// Fuel left (the caller charges the file's budget with what was used).
    pub(crate) fn fuel_left(&self) -> u64 {
        self.fuel
    }

    /// Run function `f` of the file on these arguments.
    pub(crate) fn run(&mut self, f: usize, args: Vec<V>) -> R<Outcome> {
        let value = self.call(f, args)?;
        Ok(Outcome {
            value,
            techniques: std::mem::take(&mut self.techniques),
        })
    }

    fn step(&mut self) -> R<()> {
        if self.fuel == 0 {
            return Err(Stop::Limit);
        }
        self.fuel -= 1;
        Ok(())
    }

    /// Charge an allocation of `n` elements of `size` bytes.
    fn charge(&mut self, n: usize, size: u64) -> R<()> {
        if n > MAX_LEN {
            return Err(Stop::Limit);
        }
        let bytes = n as u64 * size;
        if bytes > self.alloc || bytes / 16 > self.fuel {
            return Err(Stop::Limit);
        }
        self.alloc -= bytes;
        self.fuel -= bytes / 16;
        Ok(())
    }

    fn met(&mut self, t: Technique) {
        if !self.techniques.contains(&t) {
            self.techniques.push(t);
        }
    }

    fn new_str(&mut self, v: Vec<u16>) -> R<V> {
        self.charge(v.len(), 2)?;
        Ok(V::Str(Rc::new(v)))
    }

    fn new_arr(&mut self, v: Vec<V>) -> R<V> {
        self.charge(v.len(), 16)?;
        Ok(V::Arr(Rc::new(RefCell::new(v))))
    }

    fn new_bytes(&mut self, v: Vec<u8>) -> R<V> {
        self.charge(v.len(), 1)?;
        Ok(V::Bytes(Rc::new(RefCell::new(v))))
    }

    // ---- calls -------------------------------------------------------------------------

    fn call(&mut self, f: usize, args: Vec<V>) -> R<V> {
        if self.calls >= MAX_CALLS {
            return Err(Stop::Limit);
        }
        // A string-array decoder the obfuscator shapes recognise answers from its table.
        if let Some(v) = self.an.decoder_entry(f, &args) {
            return self.from_decoded(&v);
        }
        let info = &self.an.funcs[f];
        if !info.plain {
            return Err(Stop::Unsupported);
        }
        let formal = info.formal;
        let body = info.body;
        self.calls += 1;
        let saved_frame = self.frame;
        let base = self.vars.len();
        self.frame = base;
        let result = (|| {
            let mut args = args.into_iter();
            for p in &formal.items {
                let mut v = args.next().unwrap_or(V::Undef);
                if matches!(v, V::Undef) {
                    if let Some(init) = &p.initializer {
                        v = self.eval(init)?;
                    }
                }
                self.bind_pattern(&p.pattern, v)?;
            }
            if let Some(rest) = &formal.rest {
                let items: Vec<V> = args.collect();
                let arr = self.new_arr(items)?;
                self.bind_pattern(&rest.rest.argument, arr)?;
            }
            match body {
                FnBody::Expr(e) => self.eval(e),
                FnBody::Block(b) => match self.exec_all(&b.statements)? {
                    Flow::Return(v) => Ok(v),
                    Flow::Next => Ok(V::Undef),
                    Flow::Break(_) | Flow::Continue(_) => Err(Stop::Unsupported),
                },
            }
        })();
        self.vars.truncate(base);
        self.frame = saved_frame;
        self.calls -= 1;
        result
    }

    fn call_value(&mut self, callee: &V, args: Vec<V>) -> R<V> {
        match callee {
            V::Func(f) => self.call(*f, args),
            V::Builtin(name) => self.call_builtin(name, args),
            _ => Err(Stop::Unsupported),
        }
    }

    fn eval_args(&mut self, args: &'a [Argument<'a>]) -> R<Vec<V>> {
        let mut out = Vec::with_capacity(args.len());
        for a in args {
            match a {
                Argument::SpreadElement(s) => {
                    let v = self.eval(&s.argument)?;
                    out.extend(self.iterate(&v)?);
                }
                _ => out.push(self.eval(a.as_expression().ok_or(Stop::Unsupported)?)?),
            }
        }
        Ok(out)
    }

    // ---- bindings ----------------------------------------------------------------------

    fn lookup(&self, sym: SymbolId) -> Option<&V> {
        self.vars
            .iter()
            .rev()
            .find(|(s, _)| *s == sym)
            .map(|(_, v)| v)
    }

    /// Declare in the running call (a redeclaration in a loop reuses the slot).
    fn declare(&mut self, sym: SymbolId, v: V) {
        if let Some(slot) = self.vars[self.frame..].iter_mut().find(|(s, _)| *s == sym) {
            slot.1 = v;
        } else {
            self.vars.push((sym, v));
        }
    }

    fn bind_pattern(&mut self, p: &'a BindingPattern<'a>, v: V) -> R<()> {
        match p {
            BindingPattern::BindingIdentifier(b) => {
                let sym = b.symbol_id.get().ok_or(Stop::Unsupported)?;
                self.declare(sym, v);
                Ok(())
            }
            BindingPattern::AssignmentPattern(a) => {
                let v = if matches!(v, V::Undef) {
                    self.eval(&a.right)?
                } else {
                    v
                };
                self.bind_pattern(&a.left, v)
            }
            BindingPattern::ArrayPattern(a) => {
                let items = self.iterate(&v)?;
                for (i, el) in a.elements.iter().enumerate() {
                    if let Some(el) = el {
                        self.bind_pattern(el, items.get(i).cloned().unwrap_or(V::Undef))?;
                    }
                }
                if a.rest.is_some() {
                    return Err(Stop::Unsupported);
                }
                Ok(())
            }
            _ => Err(Stop::Unsupported),
        }
    }

    fn read_symbol(&mut self, id: &'a IdentifierReference<'a>) -> R<V> {
        let Some(sym) = self.an.symbol_of(id) else {
            return match id.name.as_str() {
                "undefined" => Ok(V::Undef),
                "NaN" => Ok(V::Num(f64::NAN)),
                "Infinity" => Ok(V::Num(f64::INFINITY)),
                name => builtin(name).map(V::Builtin).ok_or(Stop::Unknown),
            };
        };
        if let Some(v) = self.lookup(sym) {
            return Ok(v.clone());
        }
        if !self.an.is_mutated(sym) {
            if let Some(&f) = self.an.fn_by_symbol.get(&sym) {
                return Ok(V::Func(f));
            }
        }
        self.constant(sym)
    }

    /// A constant of the file (`const TABLE = ["…"]`), converted once per file.
    fn constant(&mut self, sym: SymbolId) -> R<V> {
        let cache = &self.an.deobf.interp;
        if let Some(v) = cache.constants.borrow().get(&sym) {
            return v.clone().ok_or(Stop::Unknown);
        }
        let v = self.an.symbol_value(sym, 0).and_then(|d| convert(&d.val));
        if !self.an.emulating() {
            // Cached containers live as long as the cache, so their addresses stay theirs.
            if let Some(v) = &v {
                share(v, &mut cache.shared.borrow_mut());
            }
            cache.constants.borrow_mut().insert(sym, v.clone());
        }
        v.ok_or(Stop::Unknown)
    }

    /// Whether a container came from a constant of the file: runs may read it, not change it.
    fn is_shared(&self, v: &V) -> bool {
        container_address(v).is_some_and(|a| self.an.deobf.interp.shared.borrow().contains(&a))
    }

    fn from_decoded(&mut self, d: &Decoded) -> R<V> {
        for e in &d.encodings {
            match e.as_ref() {
                "base64" => self.met(Technique::Base64),
                "hex" => self.met(Technique::Hex),
                "char-codes" => self.met(Technique::CharCodes),
                _ => {}
            }
        }
        convert(&d.val).ok_or(Stop::Unknown)
    }

    // ---- statements --------------------------------------------------------------------

    fn exec_all(&mut self, stmts: &'a [Statement<'a>]) -> R<Flow<'a>> {
        for s in stmts {
            match self.exec(s)? {
                Flow::Next => {}
                other => return Ok(other),
            }
        }
        Ok(Flow::Next)
    }

    fn exec(&mut self, s: &'a Statement<'a>) -> R<Flow<'a>> {
        self.step()?;
        if self.nesting >= MAX_NESTING {
            return Err(Stop::Limit);
        }
        self.nesting += 1;
        let r = self.exec_inner(s, None);
        self.nesting -= 1;
        r
    }

    fn exec_inner(&mut self, s: &'a Statement<'a>, label: Option<&'a str>) -> R<Flow<'a>> {
        match s {
            Statement::EmptyStatement(_) | Statement::FunctionDeclaration(_) => Ok(Flow::Next),
            Statement::ExpressionStatement(e) => {
                self.eval(&e.expression)?;
                Ok(Flow::Next)
            }
            Statement::VariableDeclaration(v) => {
                self.declare_all(v)?;
                Ok(Flow::Next)
            }
            Statement::ReturnStatement(r) => Ok(Flow::Return(match &r.argument {
                Some(e) => self.eval(e)?,
                None => V::Undef,
            })),
            Statement::BlockStatement(b) => self.exec_all(&b.body),
            Statement::IfStatement(i) => {
                if truthy(&self.eval(&i.test)?) {
                    self.exec(&i.consequent)
                } else if let Some(alt) = &i.alternate {
                    self.exec(alt)
                } else {
                    Ok(Flow::Next)
                }
            }
            Statement::ForStatement(f) => {
                match &f.init {
                    Some(ForStatementInit::VariableDeclaration(v)) => self.declare_all(v)?,
                    Some(init) => {
                        self.eval(init.as_expression().ok_or(Stop::Unsupported)?)?;
                    }
                    None => {}
                }
                loop {
                    if let Some(t) = &f.test {
                        if !truthy(&self.eval(t)?) {
                            break;
                        }
                    }
                    match turn(self.exec(&f.body)?, label) {
                        Turn::Go => {}
                        Turn::Stop => break,
                        Turn::Leave(flow) => return Ok(flow),
                    }
                    if let Some(u) = &f.update {
                        self.eval(u)?;
                    }
                }
                Ok(Flow::Next)
            }
            Statement::WhileStatement(w) => {
                while truthy(&self.eval(&w.test)?) {
                    match turn(self.exec(&w.body)?, label) {
                        Turn::Go => {}
                        Turn::Stop => break,
                        Turn::Leave(flow) => return Ok(flow),
                    }
                }
                Ok(Flow::Next)
            }
            Statement::DoWhileStatement(w) => {
                loop {
                    match turn(self.exec(&w.body)?, label) {
                        Turn::Go => {}
                        Turn::Stop => break,
                        Turn::Leave(flow) => return Ok(flow),
                    }
                    if !truthy(&self.eval(&w.test)?) {
                        break;
                    }
                }
                Ok(Flow::Next)
            }
            Statement::ForOfStatement(f) => {
                if f.r#await {
                    return Err(Stop::Unsupported);
                }
                let items = {
                    let v = self.eval(&f.right)?;
                    self.iterate(&v)?
                };
                self.for_each_item(&f.left, items, &f.body, label)
            }
            Statement::ForInStatement(f) => {
                let keys = match self.eval(&f.right)? {
                    V::Obj(o) => o.borrow().keys.iter().map(|k| V::Str(s16(k))).collect(),
                    V::Arr(a) => (0..a.borrow().len())
                        .map(|i| V::Str(s16(&i.to_string())))
                        .collect(),
                    V::Str(s) => (0..s.len()).map(|i| V::Str(s16(&i.to_string()))).collect(),
                    _ => return Err(Stop::Unsupported),
                };
                self.for_each_item(&f.left, keys, &f.body, label)
            }
            Statement::SwitchStatement(sw) => {
                let d = self.eval(&sw.discriminant)?;
                let mut start = None;
                for (i, c) in sw.cases.iter().enumerate() {
                    if let Some(t) = &c.test {
                        if strict_eq(&self.eval(t)?, &d) {
                            start = Some(i);
                            break;
                        }
                    }
                }
                let start = start.or_else(|| sw.cases.iter().position(|c| c.test.is_none()));
                if let Some(start) = start {
                    for c in &sw.cases[start..] {
                        match self.exec_all(&c.consequent)? {
                            Flow::Next => {}
                            Flow::Break(None) => break,
                            other => return Ok(other),
                        }
                    }
                }
                Ok(Flow::Next)
            }
            Statement::BreakStatement(b) => {
                Ok(Flow::Break(b.label.as_ref().map(|l| l.name.as_str())))
            }
            Statement::ContinueStatement(c) => {
                Ok(Flow::Continue(c.label.as_ref().map(|l| l.name.as_str())))
            }
            Statement::LabeledStatement(l) => {
                let name = l.label.name.as_str();
                match self.exec_inner(&l.body, Some(name))? {
                    Flow::Break(Some(n)) if n == name => Ok(Flow::Next),
                    other => Ok(other),
                }
            }
            Statement::ThrowStatement(t) => {
                self.eval(&t.argument)?;
                Err(Stop::Throw)
            }
            Statement::TryStatement(t) => {
                let r = self.exec_all(&t.block.body);
                let r = match (r, &t.handler) {
                    (Err(Stop::Throw), Some(h)) => {
                        if let Some(p) = &h.param {
                            self.bind_pattern(&p.pattern, V::Undef)?;
                        }
                        self.exec_all(&h.body.body)
                    }
                    (r, _) => r,
                };
                if let Some(fin) = &t.finalizer {
                    match self.exec_all(&fin.body)? {
                        Flow::Next => {}
                        other => return Ok(other),
                    }
                }
                r
            }
            _ => Err(Stop::Unsupported),
        }
    }

    fn for_each_item(
        &mut self,
        left: &'a ForStatementLeft<'a>,
        items: Vec<V>,
        body: &'a Statement<'a>,
        label: Option<&'a str>,
    ) -> R<Flow<'a>> {
        for item in items {
            match left {
                ForStatementLeft::VariableDeclaration(v) => {
                    let d = v.declarations.first().ok_or(Stop::Unsupported)?;
                    self.bind_pattern(&d.id, item)?;
                }
                other => {
                    let target = other.as_assignment_target().ok_or(Stop::Unsupported)?;
                    self.assign(target, item)?;
                }
            }
            match turn(self.exec(body)?, label) {
                Turn::Go => {}
                Turn::Stop => break,
                Turn::Leave(flow) => return Ok(flow),
            }
        }
        Ok(Flow::Next)
    }

    fn declare_all(&mut self, v: &'a VariableDeclaration<'a>) -> R<()> {
        for d in &v.declarations {
            let value = match &d.init {
                Some(e) => self.eval(e)?,
                None => V::Undef,
            };
            self.bind_pattern(&d.id, value)?;
        }
        Ok(())
    }

    // ---- expressions -------------------------------------------------------------------

    pub(crate) fn eval(&mut self, e: &'a Expression<'a>) -> R<V> {
        self.step()?;
        if self.nesting >= MAX_NESTING {
            return Err(Stop::Limit);
        }
        self.nesting += 1;
        let r = self.eval_inner(e);
        self.nesting -= 1;
        r
    }

    fn eval_inner(&mut self, e: &'a Expression<'a>) -> R<V> {
        match e {
            Expression::StringLiteral(s) => Ok(V::Str(s16(&s.value))),
            Expression::NumericLiteral(n) => Ok(V::Num(n.value)),
            Expression::BooleanLiteral(b) => Ok(V::Bool(b.value)),
            Expression::NullLiteral(_) => Ok(V::Null),
            Expression::TemplateLiteral(t) => {
                let mut out: Vec<u16> = Vec::new();
                for (i, q) in t.quasis.iter().enumerate() {
                    let cooked = q.value.cooked.as_ref().ok_or(Stop::Unsupported)?;
                    out.extend(cooked.as_str().encode_utf16());
                    if let Some(x) = t.expressions.get(i) {
                        let v = self.eval(x)?;
                        out.extend(self.to_str(&v)?.iter());
                    }
                }
                self.new_str(out)
            }
            Expression::RegExpLiteral(r) => {
                let flags = r.regex.flags;
                self.regex(
                    r.regex.pattern.text.as_str(),
                    flags.contains(RegExpFlags::G),
                    flags.contains(RegExpFlags::I),
                )
            }
            Expression::Identifier(id) => self.read_symbol(id),
            Expression::ParenthesizedExpression(p) => self.eval(&p.expression),
            Expression::SequenceExpression(s) => {
                let mut last = V::Undef;
                for x in &s.expressions {
                    last = self.eval(x)?;
                }
                Ok(last)
            }
            Expression::ArrayExpression(a) => {
                let mut items = Vec::with_capacity(a.elements.len());
                for el in &a.elements {
                    match el {
                        ArrayExpressionElement::SpreadElement(s) => {
                            let v = self.eval(&s.argument)?;
                            items.extend(self.iterate(&v)?);
                        }
                        ArrayExpressionElement::Elision(_) => items.push(V::Undef),
                        other => {
                            items.push(self.eval(other.as_expression().ok_or(Stop::Unsupported)?)?)
                        }
                    }
                }
                self.new_arr(items)
            }
            Expression::ObjectExpression(o) => {
                let mut obj = Object::default();
                for p in &o.properties {
                    match p {
                        ObjectPropertyKind::ObjectProperty(p) if p.kind == PropertyKind::Init => {
                            let key = match p.key.static_name() {
                                Some(k) if !p.computed => k.into_owned(),
                                _ => {
                                    let k = p.key.as_expression().ok_or(Stop::Unsupported)?;
                                    let k = self.eval(k)?;
                                    str_of(&self.to_str(&k)?)
                                }
                            };
                            let v = self.eval(&p.value)?;
                            obj.set(key, v);
                        }
                        _ => return Err(Stop::Unsupported),
                    }
                }
                self.charge(obj.keys.len(), 48)?;
                Ok(V::Obj(Rc::new(RefCell::new(obj))))
            }
            Expression::FunctionExpression(f) => self.function_value(f.span),
            Expression::ArrowFunctionExpression(f) => self.function_value(f.span),
            Expression::UnaryExpression(u) => {
                if u.operator == UnaryOperator::Typeof {
                    // `typeof window`: what the host has is not known.
                    let v = self.eval(&u.argument)?;
                    return self.new_str(s16(type_of(&v)).to_vec());
                }
                let v = self.eval(&u.argument)?;
                Ok(match u.operator {
                    UnaryOperator::UnaryNegation => V::Num(-self.to_num(&v)?),
                    UnaryOperator::UnaryPlus => V::Num(self.to_num(&v)?),
                    UnaryOperator::LogicalNot => V::Bool(!truthy(&v)),
                    UnaryOperator::BitwiseNot => V::Num(!to_int32(self.to_num(&v)?) as f64),
                    UnaryOperator::Void => V::Undef,
                    _ => return Err(Stop::Unsupported),
                })
            }
            Expression::BinaryExpression(b) => {
                let l = self.eval(&b.left)?;
                let r = self.eval(&b.right)?;
                self.binary(b.operator, l, r)
            }
            Expression::LogicalExpression(l) => {
                let left = self.eval(&l.left)?;
                let take_left = match l.operator {
                    LogicalOperator::And => !truthy(&left),
                    LogicalOperator::Or => truthy(&left),
                    LogicalOperator::Coalesce => !matches!(left, V::Undef | V::Null),
                };
                if take_left {
                    Ok(left)
                } else {
                    self.eval(&l.right)
                }
            }
            Expression::ConditionalExpression(c) => {
                if truthy(&self.eval(&c.test)?) {
                    self.eval(&c.consequent)
                } else {
                    self.eval(&c.alternate)
                }
            }
            Expression::AssignmentExpression(a) => {
                let value = match (a.operator, a.operator.to_binary_operator()) {
                    (AssignmentOperator::Assign, _) => self.eval(&a.right)?,
                    (_, Some(op)) => {
                        let old = self.read_target(&a.left)?;
                        // `acc += piece` on a string nobody else holds grows it in place.
                        if op == BinaryOperator::Addition {
                            if let AssignmentTarget::AssignmentTargetIdentifier(id) = &a.left {
                                let r = self.eval(&a.right)?;
                                return self.append_in_place(id, old, r);
                            }
                        }
                        let r = self.eval(&a.right)?;
                        self.binary(op, old, r)?
                    }
                    _ => {
                        // `a ||= b`, `a &&= b`, `a ??= b`
                        let old = self.read_target(&a.left)?;
                        let keep = match a.operator {
                            AssignmentOperator::LogicalOr => truthy(&old),
                            AssignmentOperator::LogicalAnd => !truthy(&old),
                            _ => !matches!(old, V::Undef | V::Null),
                        };
                        if keep {
                            return Ok(old);
                        }
                        self.eval(&a.right)?
                    }
                };
                self.assign(&a.left, value.clone())?;
                Ok(value)
            }
            Expression::UpdateExpression(u) => {
                let target = &u.argument;
                let old = self.read_simple(target)?;
                let n = self.to_num(&old)?;
                let new = if u.operator == UpdateOperator::Increment {
                    n + 1.0
                } else {
                    n - 1.0
                };
                self.assign_simple(target, V::Num(new))?;
                Ok(V::Num(if u.prefix { new } else { n }))
            }
            Expression::StaticMemberExpression(m) => {
                let obj = self.eval(&m.object)?;
                self.get(&obj, &V::Str(s16(&m.property.name)))
            }
            Expression::ComputedMemberExpression(m) => {
                let obj = self.eval(&m.object)?;
                let key = self.eval(&m.expression)?;
                self.get(&obj, &key)
            }
            Expression::CallExpression(c) => {
                if c.optional {
                    return Err(Stop::Unsupported);
                }
                match c.callee.without_parentheses() {
                    Expression::StaticMemberExpression(m) => {
                        let recv = self.eval(&m.object)?;
                        let args = self.eval_args(&c.arguments)?;
                        self.method(recv, &m.property.name, args)
                    }
                    Expression::ComputedMemberExpression(m) => {
                        let recv = self.eval(&m.object)?;
                        let key = self.eval(&m.expression)?;
                        let name = str_of(&self.to_str(&key)?);
                        let args = self.eval_args(&c.arguments)?;
                        self.method(recv, &name, args)
                    }
                    callee => {
                        let f = self.eval(callee)?;
                        let args = self.eval_args(&c.arguments)?;
                        self.call_value(&f, args)
                    }
                }
            }
            Expression::NewExpression(n) => {
                let f = self.eval(&n.callee)?;
                let args = self.eval_args(&n.arguments)?;
                match f {
                    V::Builtin(name) => self.construct(name, args),
                    _ => Err(Stop::Unsupported),
                }
            }
            _ => Err(Stop::Unsupported),
        }
    }

    fn function_value(&self, span: oxc_span::Span) -> R<V> {
        self.an
            .fn_by_start
            .get(&span.start)
            .map(|&f| V::Func(f))
            .ok_or(Stop::Unsupported)
    }

    fn append_in_place(&mut self, id: &'a IdentifierReference<'a>, old: V, r: V) -> R<V> {
        let V::Str(_) = old else {
            let v = self.binary(BinaryOperator::Addition, old, r)?;
            self.assign_ident(id, v.clone())?;
            return Ok(v);
        };
        let piece = self.to_primitive_str(&r)?;
        drop(old);
        let sym = self.an.symbol_of(id).ok_or(Stop::Unsupported)?;
        self.charge(piece.len(), 2)?;
        let slot = self
            .vars
            .iter_mut()
            .rev()
            .find(|(s, _)| *s == sym)
            .ok_or(Stop::Unsupported)?;
        let V::Str(s) = &mut slot.1 else {
            return Err(Stop::Unsupported);
        };
        let s = Rc::make_mut(s);
        if s.len() + piece.len() > MAX_LEN {
            return Err(Stop::Limit);
        }
        s.extend(piece.iter());
        Ok(slot.1.clone())
    }

    fn read_target(&mut self, t: &'a AssignmentTarget<'a>) -> R<V> {
        match t.as_simple_assignment_target() {
            Some(s) => self.read_simple(s),
            None => Err(Stop::Unsupported),
        }
    }

    fn read_simple(&mut self, t: &'a SimpleAssignmentTarget<'a>) -> R<V> {
        match t {
            SimpleAssignmentTarget::AssignmentTargetIdentifier(id) => self.read_symbol(id),
            SimpleAssignmentTarget::StaticMemberExpression(m) => {
                let obj = self.eval(&m.object)?;
                self.get(&obj, &V::Str(s16(&m.property.name)))
            }
            SimpleAssignmentTarget::ComputedMemberExpression(m) => {
                let obj = self.eval(&m.object)?;
                let key = self.eval(&m.expression)?;
                self.get(&obj, &key)
            }
            _ => Err(Stop::Unsupported),
        }
    }

    fn assign(&mut self, t: &'a AssignmentTarget<'a>, v: V) -> R<()> {
        match t.as_simple_assignment_target() {
            Some(s) => self.assign_simple(s, v),
            None => Err(Stop::Unsupported),
        }
    }

    fn assign_ident(&mut self, id: &'a IdentifierReference<'a>, v: V) -> R<()> {
        let sym = self.an.symbol_of(id).ok_or(Stop::Unsupported)?;
        // Only the run's own bindings may change: anything else is an effect outside it.
        match self.vars.iter_mut().rev().find(|(s, _)| *s == sym) {
            Some(slot) => {
                slot.1 = v;
                Ok(())
            }
            None => Err(Stop::Unsupported),
        }
    }

    fn assign_simple(&mut self, t: &'a SimpleAssignmentTarget<'a>, v: V) -> R<()> {
        match t {
            SimpleAssignmentTarget::AssignmentTargetIdentifier(id) => self.assign_ident(id, v),
            SimpleAssignmentTarget::StaticMemberExpression(m) => {
                let obj = self.eval(&m.object)?;
                self.set(&obj, &V::Str(s16(&m.property.name)), v)
            }
            SimpleAssignmentTarget::ComputedMemberExpression(m) => {
                let obj = self.eval(&m.object)?;
                let key = self.eval(&m.expression)?;
                self.set(&obj, &key, v)
            }
            _ => Err(Stop::Unsupported),
        }
    }

    // ---- conversions -------------------------------------------------------------------

    fn to_num(&mut self, v: &V) -> R<f64> {
        Ok(match v {
            V::Undef => f64::NAN,
            V::Null => 0.0,
            V::Bool(b) => *b as u8 as f64,
            V::Num(n) => *n,
            V::Str(s) => {
                // Reading a number out of a string walks all of it.
                self.charge(s.len(), 2)?;
                parse_number(&str_of(s))
            }
            V::Arr(_) => {
                let s = self.to_primitive_str(v)?;
                parse_number(&str_of(&s))
            }
            _ => return Err(Stop::Unsupported),
        })
    }

    fn to_str(&mut self, v: &V) -> R<Str16> {
        self.to_primitive_str(v)
    }

    fn to_primitive_str(&mut self, v: &V) -> R<Str16> {
        Ok(match v {
            V::Str(s) => s.clone(),
            V::Undef => s16("undefined"),
            V::Null => s16("null"),
            V::Bool(b) => s16(if *b { "true" } else { "false" }),
            V::Num(n) => s16(&num_string(*n)),
            V::Arr(a) => {
                let items = a.borrow().clone();
                let mut out = Vec::new();
                for (i, x) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(b',' as u16);
                    }
                    if !matches!(x, V::Undef | V::Null) {
                        out.extend(self.to_primitive_str(x)?.iter());
                    }
                    self.charge(out.len(), 0)?;
                }
                self.charge(out.len(), 2)?;
                Rc::new(out)
            }
            V::Obj(_) => s16("[object Object]"),
            _ => return Err(Stop::Unsupported),
        })
    }

    fn iterate(&mut self, v: &V) -> R<Vec<V>> {
        let out = match v {
            V::Arr(a) => a.borrow().clone(),
            V::Bytes(b) => b.borrow().iter().map(|x| V::Num(*x as f64)).collect(),
            V::Str(s) => {
                // Iteration is by code point.
                char::decode_utf16(s.iter().copied())
                    .map(|c| match c {
                        Ok(c) => V::Str(s16(c.encode_utf8(&mut [0; 4]))),
                        Err(e) => V::Str(Rc::new(vec![e.unpaired_surrogate()])),
                    })
                    .collect()
            }
            _ => return Err(Stop::Unsupported),
        };
        self.charge(out.len(), 16)?;
        Ok(out)
    }

    // ---- operators ---------------------------------------------------------------------

    fn binary(&mut self, op: BinaryOperator, l: V, r: V) -> R<V> {
        use BinaryOperator as B;
        // Comparing two strings reads them.
        if let (V::Str(a), V::Str(b)) = (&l, &r) {
            self.charge(a.len().min(b.len()), 2)?;
        }
        Ok(match op {
            B::Addition => {
                let strings = |v: &V| matches!(v, V::Str(_) | V::Arr(_) | V::Obj(_));
                if strings(&l) || strings(&r) {
                    let a = self.to_primitive_str(&l)?;
                    let b = self.to_primitive_str(&r)?;
                    let mut out = Vec::with_capacity(a.len() + b.len());
                    out.extend(a.iter());
                    out.extend(b.iter());
                    return self.new_str(out);
                }
                V::Num(self.to_num(&l)? + self.to_num(&r)?)
            }
            B::StrictEquality => V::Bool(strict_eq(&l, &r)),
            B::StrictInequality => V::Bool(!strict_eq(&l, &r)),
            B::Equality => V::Bool(self.loose_eq(&l, &r)?),
            B::Inequality => V::Bool(!self.loose_eq(&l, &r)?),
            B::LessThan | B::GreaterThan | B::LessEqualThan | B::GreaterEqualThan => {
                let ord = match (&l, &r) {
                    (V::Str(a), V::Str(b)) => Some(a.cmp(b)),
                    _ => self.to_num(&l)?.partial_cmp(&self.to_num(&r)?),
                };
                V::Bool(match (op, ord) {
                    (_, None) => false,
                    (B::LessThan, Some(o)) => o.is_lt(),
                    (B::GreaterThan, Some(o)) => o.is_gt(),
                    (B::LessEqualThan, Some(o)) => o.is_le(),
                    (_, Some(o)) => o.is_ge(),
                })
            }
            B::In => {
                let key = str_of(&self.to_str(&l)?);
                V::Bool(match &r {
                    V::Obj(o) => o.borrow().map.contains_key(&key),
                    V::Arr(a) => key.parse::<usize>().is_ok_and(|i| i < a.borrow().len()),
                    _ => return Err(Stop::Unsupported),
                })
            }
            B::Instanceof => return Err(Stop::Unsupported),
            _ => {
                let (x, y) = (self.to_num(&l)?, self.to_num(&r)?);
                let (xi, yi) = (to_int32(x), to_int32(y));
                V::Num(match op {
                    B::Subtraction => x - y,
                    B::Multiplication => x * y,
                    B::Division => x / y,
                    B::Remainder => x % y,
                    B::Exponential => x.powf(y),
                    B::BitwiseXOR => {
                        self.met(Technique::Xor);
                        (xi ^ yi) as f64
                    }
                    B::BitwiseAnd => (xi & yi) as f64,
                    B::BitwiseOR => (xi | yi) as f64,
                    B::ShiftLeft => xi.wrapping_shl(yi as u32 & 31) as f64,
                    B::ShiftRight => xi.wrapping_shr(yi as u32 & 31) as f64,
                    B::ShiftRightZeroFill => to_uint32(x).wrapping_shr(yi as u32 & 31) as f64,
                    _ => return Err(Stop::Unsupported),
                })
            }
        })
    }

    fn loose_eq(&mut self, l: &V, r: &V) -> R<bool> {
        Ok(match (l, r) {
            (V::Undef | V::Null, V::Undef | V::Null) => true,
            (V::Undef | V::Null, _) | (_, V::Undef | V::Null) => false,
            (V::Num(_) | V::Str(_) | V::Bool(_), V::Num(_) | V::Str(_) | V::Bool(_)) => {
                if let (V::Str(a), V::Str(b)) = (l, r) {
                    a == b
                } else {
                    self.to_num(l)? == self.to_num(r)?
                }
            }
            _ => strict_eq(l, r),
        })
    }

    // ---- properties --------------------------------------------------------------------

    fn index_of(key: &V) -> Option<usize> {
        match key {
            V::Num(n) if *n >= 0.0 && n.fract() == 0.0 && *n < MAX_LEN as f64 => Some(*n as usize),
            V::Str(s) => {
                let t = str_of(s);
                (!t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) && t.len() < 10)
                    .then(|| t.parse().ok())
                    .flatten()
            }
            _ => None,
        }
    }

    fn get(&mut self, obj: &V, key: &V) -> R<V> {
        if let V::Str(k) = key {
            self.charge(k.len(), 2)?;
        }
        let idx = Self::index_of(key);
        let name = || match key {
            V::Str(s) => Some(str_of(s)),
            _ => None,
        };
        Ok(match obj {
            V::Str(s) => match idx {
                Some(i) => s.get(i).map_or(V::Undef, |c| V::Str(Rc::new(vec![*c]))),
                None if name().as_deref() == Some("length") => V::Num(s.len() as f64),
                None => return Err(Stop::Unsupported),
            },
            V::Arr(a) => match idx {
                Some(i) => a.borrow().get(i).cloned().unwrap_or(V::Undef),
                None if name().as_deref() == Some("length") => V::Num(a.borrow().len() as f64),
                None => return Err(Stop::Unsupported),
            },
            V::Bytes(b) => match idx {
                Some(i) => b.borrow().get(i).map_or(V::Undef, |x| V::Num(*x as f64)),
                None if matches!(name().as_deref(), Some("length" | "byteLength")) => {
                    V::Num(b.borrow().len() as f64)
                }
                None => return Err(Stop::Unsupported),
            },
            V::Obj(o) => {
                let k = str_of(&self.to_str(key)?);
                o.borrow().map.get(&k).cloned().unwrap_or(V::Undef)
            }
            V::Builtin(base) => {
                let k = name().ok_or(Stop::Unsupported)?;
                builtin(&format!("{base}.{k}"))
                    .map(V::Builtin)
                    .ok_or(Stop::Unsupported)?
            }
            _ => return Err(Stop::Unsupported),
        })
    }

    fn set(&mut self, obj: &V, key: &V, v: V) -> R<()> {
        if self.is_shared(obj) {
            return Err(Stop::Unsupported);
        }
        match obj {
            V::Arr(a) => {
                let i = Self::index_of(key).ok_or(Stop::Unsupported)?;
                let mut a = a.borrow_mut();
                if i >= a.len() {
                    if i > a.len() + 4096 {
                        return Err(Stop::Limit);
                    }
                    self.charge(i + 1 - a.len(), 16)?;
                    a.resize(i + 1, V::Undef);
                }
                a[i] = v;
            }
            V::Bytes(b) => {
                let i = Self::index_of(key).ok_or(Stop::Unsupported)?;
                let n = self.to_num(&v)?;
                let mut b = b.borrow_mut();
                // Out of range writes to a typed array are dropped.
                if let Some(slot) = b.get_mut(i) {
                    *slot = to_uint32(n) as u8;
                }
            }
            V::Obj(o) => {
                let k = str_of(&self.to_str(key)?);
                self.charge(1, 48)?;
                o.borrow_mut().set(k, v);
            }
            _ => return Err(Stop::Unsupported),
        }
        Ok(())
    }

    fn regex(&mut self, pattern: &str, global: bool, ignore_case: bool) -> R<V> {
        let key = (pattern.to_string(), global, ignore_case);
        if let Some(r) = self.an.deobf.interp.regexes.borrow().get(&key) {
            return r.clone().map(V::Regex).ok_or(Stop::Unsupported);
        }
        self.charge(pattern.len(), 64)?;
        let re = regex::RegexBuilder::new(pattern)
            .case_insensitive(ignore_case)
            .size_limit(REGEX_SIZE)
            .dfa_size_limit(REGEX_SIZE)
            .build()
            .ok()
            .map(|re| Rc::new(Regex { re, global }));
        self.an
            .deobf
            .interp
            .regexes
            .borrow_mut()
            .insert(key, re.clone());
        re.map(V::Regex).ok_or(Stop::Unsupported)
    }

    // ---- builtins ----------------------------------------------------------------------

    fn arg_num(&mut self, args: &[V], i: usize) -> R<Option<f64>> {
        match args.get(i) {
            None | Some(V::Undef) => Ok(None),
            Some(v) => Ok(Some(self.to_num(v)?)),
        }
    }

    fn arg_str(&mut self, args: &[V], i: usize) -> R<Option<String>> {
        match args.get(i) {
            None | Some(V::Undef) => Ok(None),
            Some(v) => Ok(Some(str_of(&self.to_str(v)?))),
        }
    }

    fn call_builtin(&mut self, name: &'static str, args: Vec<V>) -> R<V> {
        let first = args.first().cloned().unwrap_or(V::Undef);
        match name {
            "String" => Ok(V::Str(self.to_str(&first)?)),
            "Number" => Ok(V::Num(self.to_num(&first)?)),
            "Boolean" => Ok(V::Bool(truthy(&first))),
            "String.fromCharCode" => {
                self.met(Technique::CharCodes);
                let mut out = Vec::with_capacity(args.len());
                for a in &args {
                    out.push(to_uint32(self.to_num(a)?) as u16);
                }
                self.new_str(out)
            }
            "String.fromCodePoint" => {
                self.met(Technique::CharCodes);
                let mut out = String::new();
                for a in &args {
                    let n = self.to_num(a)?;
                    out.push(char::from_u32(n as u32).ok_or(Stop::Unsupported)?);
                }
                self.new_str(out.encode_utf16().collect())
            }
            "parseInt" | "Number.parseInt" => {
                let s = self.arg_str(&args, 0)?.unwrap_or_default();
                let radix = self.arg_num(&args, 1)?.unwrap_or(0.0);
                Ok(V::Num(crate::deobf::parse_int(&s, radix)))
            }
            "parseFloat" | "Number.parseFloat" => {
                let s = self.arg_str(&args, 0)?.unwrap_or_default();
                let t = s.trim_start();
                let end = t
                    .char_indices()
                    .take_while(|(i, c)| {
                        c.is_ascii_digit() || *c == '.' || (*i == 0 && matches!(c, '-' | '+'))
                    })
                    .count();
                Ok(V::Num(t[..end].parse().unwrap_or(f64::NAN)))
            }
            "isNaN" | "Number.isNaN" => Ok(V::Bool(self.to_num(&first)?.is_nan())),
            "isFinite" => Ok(V::Bool(self.to_num(&first)?.is_finite())),
            "Math.floor" | "Math.ceil" | "Math.round" | "Math.abs" | "Math.trunc" | "Math.sign"
            | "Math.sqrt" => {
                let x = self.to_num(&first)?;
                Ok(V::Num(match name {
                    "Math.floor" => x.floor(),
                    "Math.ceil" => x.ceil(),
                    "Math.round" => (x + 0.5).floor(),
                    "Math.abs" => x.abs(),
                    "Math.trunc" => x.trunc(),
                    "Math.sign" => {
                        if x == 0.0 || x.is_nan() {
                            x
                        } else {
                            x.signum()
                        }
                    }
                    _ => x.sqrt(),
                }))
            }
            "Math.min" | "Math.max" => {
                let mut acc = if name == "Math.min" {
                    f64::INFINITY
                } else {
                    f64::NEG_INFINITY
                };
                for a in &args {
                    let x = self.to_num(a)?;
                    if x.is_nan() {
                        return Ok(V::Num(f64::NAN));
                    }
                    acc = if name == "Math.min" {
                        acc.min(x)
                    } else {
                        acc.max(x)
                    };
                }
                Ok(V::Num(acc))
            }
            "Math.pow" => {
                let x = self.arg_num(&args, 0)?.unwrap_or(f64::NAN);
                let y = self.arg_num(&args, 1)?.unwrap_or(f64::NAN);
                Ok(V::Num(x.powf(y)))
            }
            "Math.imul" => {
                let x = to_int32(self.arg_num(&args, 0)?.unwrap_or(0.0));
                let y = to_int32(self.arg_num(&args, 1)?.unwrap_or(0.0));
                Ok(V::Num(x.wrapping_mul(y) as f64))
            }
            "Buffer" | "Buffer.from" | "Uint8Array.from" => self.buffer_from(&args),
            "Buffer.alloc" => {
                let n = self.arg_num(&args, 0)?.unwrap_or(0.0);
                self.alloc_bytes(n)
            }
            "Buffer.concat" => {
                let V::Arr(list) = first else {
                    return Err(Stop::Unsupported);
                };
                let mut out = Vec::new();
                for b in list.borrow().iter() {
                    let V::Bytes(b) = b else {
                        return Err(Stop::Unsupported);
                    };
                    out.extend(b.borrow().iter());
                    if out.len() > MAX_LEN {
                        return Err(Stop::Limit);
                    }
                }
                self.new_bytes(out)
            }
            "Buffer.isBuffer" => Ok(V::Bool(matches!(first, V::Bytes(_)))),
            "atob" => {
                let s = self.arg_str(&args, 0)?.ok_or(Stop::Unsupported)?;
                let b = crate::strings::decode_base64(&s).ok_or(Stop::Throw)?;
                self.met(Technique::Base64);
                self.new_str(b.iter().map(|x| *x as u16).collect())
            }
            "btoa" => {
                use base64::Engine;
                let s = self.to_str(&first)?;
                let bytes: Option<Vec<u8>> = s.iter().map(|c| u8::try_from(*c).ok()).collect();
                let enc =
                    base64::engine::general_purpose::STANDARD.encode(bytes.ok_or(Stop::Throw)?);
                self.new_str(enc.encode_utf16().collect())
            }
            "decodeURIComponent" | "decodeURI" | "unescape" => {
                let s = self.arg_str(&args, 0)?.ok_or(Stop::Unsupported)?;
                self.met(Technique::Uri);
                let out = if name == "unescape" {
                    unescape(&s)
                } else {
                    crate::strings::percent_decode(&s)
                };
                self.new_str(out.encode_utf16().collect())
            }
            "encodeURIComponent" | "encodeURI" | "escape" => {
                let s = self.arg_str(&args, 0)?.unwrap_or_default();
                let keep: &[u8] = match name {
                    "encodeURI" => b"-_.!~*'();/?:@&=+$,#",
                    "escape" => b"@*_+-./",
                    _ => b"-_.!~*'()",
                };
                let mut out = String::new();
                for b in s.bytes() {
                    if b.is_ascii_alphanumeric() || keep.contains(&b) {
                        out.push(b as char);
                    } else {
                        out.push_str(&format!("%{b:02X}"));
                    }
                }
                self.new_str(out.encode_utf16().collect())
            }
            "Array" => self.construct("Array", args),
            "Array.from" => {
                let items = match &first {
                    V::Obj(o) => {
                        let n = match o.borrow().map.get("length") {
                            Some(V::Num(n)) => *n,
                            _ => return Err(Stop::Unsupported),
                        };
                        if !(0.0..=MAX_LEN as f64).contains(&n) {
                            return Err(Stop::Limit);
                        }
                        self.charge(n as usize, 16)?;
                        vec![V::Undef; n as usize]
                    }
                    other => self.iterate(other)?,
                };
                let items = match args.get(1) {
                    Some(f @ (V::Func(_) | V::Builtin(_))) => {
                        let mut out = Vec::with_capacity(items.len());
                        for (i, x) in items.into_iter().enumerate() {
                            out.push(self.call_value(f, vec![x, V::Num(i as f64)])?);
                        }
                        out
                    }
                    _ => items,
                };
                self.new_arr(items)
            }
            "Array.isArray" => Ok(V::Bool(matches!(first, V::Arr(_)))),
            "Object.keys" | "Object.values" | "Object.entries" => {
                let V::Obj(o) = first else {
                    return Err(Stop::Unsupported);
                };
                let o = o.borrow();
                let mut out = Vec::with_capacity(o.keys.len());
                for k in &o.keys {
                    let key = V::Str(s16(k));
                    let val = o.map.get(k).cloned().unwrap_or(V::Undef);
                    out.push(match name {
                        "Object.keys" => key,
                        "Object.values" => val,
                        _ => V::Arr(Rc::new(RefCell::new(vec![key, val]))),
                    });
                }
                drop(o);
                self.new_arr(out)
            }
            "Object.fromEntries" => {
                let mut obj = Object::default();
                for pair in self.iterate(&first)? {
                    let items = self.iterate(&pair)?;
                    let k = str_of(&self.to_str(items.first().unwrap_or(&V::Undef))?);
                    obj.set(k, items.get(1).cloned().unwrap_or(V::Undef));
                }
                self.charge(obj.keys.len(), 48)?;
                Ok(V::Obj(Rc::new(RefCell::new(obj))))
            }
            "RegExp" => self.construct("RegExp", args),
            _ => Err(Stop::Unsupported),
        }
    }

    fn construct(&mut self, name: &'static str, args: Vec<V>) -> R<V> {
        let first = args.first().cloned().unwrap_or(V::Undef);
        match name {
            "Array" => match (&first, args.len()) {
                (V::Num(n), 1) => {
                    if n.fract() != 0.0 || *n < 0.0 || *n > MAX_LEN as f64 {
                        return Err(Stop::Limit);
                    }
                    self.new_arr(vec![V::Undef; *n as usize])
                }
                _ => self.new_arr(args),
            },
            "Uint8Array" => match &first {
                V::Num(n) => self.alloc_bytes(*n),
                _ => self.buffer_from(&args[..1]),
            },
            "Buffer" => self.buffer_from(&args),
            "TextDecoder" => {
                let enc = self.arg_str(&args, 0)?.unwrap_or_else(|| "utf-8".into());
                match enc.to_ascii_lowercase().as_str() {
                    "utf-8" | "utf8" => Ok(V::Builtin("TextDecoder#")),
                    _ => Err(Stop::Unsupported),
                }
            }
            "TextEncoder" => Ok(V::Builtin("TextEncoder#")),
            "RegExp" => {
                let (src, flags) = match &first {
                    V::Regex(r) => (r.re.as_str().to_string(), String::new()),
                    other => (str_of(&self.to_str(other)?), String::new()),
                };
                let flags = match self.arg_str(&args, 1)? {
                    Some(f) => f,
                    None => flags,
                };
                if flags.chars().any(|c| !matches!(c, 'g' | 'i' | 'u')) {
                    return Err(Stop::Unsupported);
                }
                self.regex(&src, flags.contains('g'), flags.contains('i'))
            }
            "Object" if args.is_empty() => Ok(V::Obj(Rc::default())),
            _ => Err(Stop::Unsupported),
        }
    }

    fn alloc_bytes(&mut self, n: f64) -> R<V> {
        if n.fract() != 0.0 || !(0.0..=MAX_LEN as f64).contains(&n) {
            return Err(Stop::Limit);
        }
        self.new_bytes(vec![0; n as usize])
    }

    fn buffer_from(&mut self, args: &[V]) -> R<V> {
        let first = args.first().cloned().unwrap_or(V::Undef);
        let bytes = match &first {
            V::Str(s) => {
                let enc = self.arg_str(args, 1)?.unwrap_or_else(|| "utf8".into());
                let text = str_of(s);
                match enc.as_str() {
                    "base64" | "base64url" => {
                        self.met(Technique::Base64);
                        crate::strings::decode_base64(&text).ok_or(Stop::Unsupported)?
                    }
                    "hex" => {
                        self.met(Technique::Hex);
                        crate::strings::decode_hex(&text).ok_or(Stop::Unsupported)?
                    }
                    "latin1" | "binary" | "ascii" => s.iter().map(|c| *c as u8).collect(),
                    "utf8" | "utf-8" => text.into_bytes(),
                    _ => return Err(Stop::Unsupported),
                }
            }
            V::Arr(a) => {
                let items = a.borrow().clone();
                let mut out = Vec::with_capacity(items.len());
                for x in &items {
                    out.push(to_uint32(self.to_num(x)?) as u8);
                }
                out
            }
            V::Bytes(b) => b.borrow().clone(),
            _ => return Err(Stop::Unsupported),
        };
        self.new_bytes(bytes)
    }

    // ---- methods -----------------------------------------------------------------------

    fn method(&mut self, recv: V, name: &str, args: Vec<V>) -> R<V> {
        match &recv {
            V::Builtin(base) => {
                if let Some(b) = builtin(&format!("{base}.{name}")) {
                    return self.call_builtin(b, args);
                }
                match (*base, name) {
                    ("TextDecoder#", "decode") => {
                        let V::Bytes(b) = args.first().ok_or(Stop::Unsupported)? else {
                            return Err(Stop::Unsupported);
                        };
                        let text = String::from_utf8_lossy(&b.borrow()).into_owned();
                        self.new_str(text.encode_utf16().collect())
                    }
                    ("TextEncoder#", "encode") => {
                        let s = self.arg_str(&args, 0)?.unwrap_or_default();
                        self.new_bytes(s.into_bytes())
                    }
                    (f, "call") if f != "TextDecoder#" => self.call_builtin(
                        builtin(f).ok_or(Stop::Unsupported)?,
                        args[1.min(args.len())..].to_vec(),
                    ),
                    (f, "apply") => {
                        let list = match args.get(1) {
                            Some(v @ (V::Arr(_) | V::Bytes(_))) => self.iterate(v)?,
                            _ => Vec::new(),
                        };
                        self.call_builtin(builtin(f).ok_or(Stop::Unsupported)?, list)
                    }
                    _ => Err(Stop::Unsupported),
                }
            }
            V::Func(f) => match name {
                "call" => self.call(*f, args.into_iter().skip(1).collect()),
                "apply" => {
                    let list = match args.get(1) {
                        Some(v @ (V::Arr(_) | V::Bytes(_))) => self.iterate(v)?,
                        _ => Vec::new(),
                    };
                    self.call(*f, list)
                }
                _ => Err(Stop::Unsupported),
            },
            V::Str(s) => self.string_method(s.clone(), name, args),
            V::Arr(a) => self.array_method(&recv, a.clone(), name, args),
            V::Bytes(b) => self.bytes_method(b.clone(), name, args),
            V::Num(n) => match name {
                "toString" => {
                    let radix = self.arg_num(&args, 0)?.unwrap_or(10.0);
                    let s = radix_string(*n, radix).ok_or(Stop::Unsupported)?;
                    self.new_str(s.encode_utf16().collect())
                }
                "toFixed" => {
                    let digits = self.arg_num(&args, 0)?.unwrap_or(0.0).clamp(0.0, 20.0);
                    let s = format!("{:.*}", digits as usize, n);
                    self.new_str(s.encode_utf16().collect())
                }
                _ => Err(Stop::Unsupported),
            },
            V::Obj(o) => {
                let f = o.borrow().map.get(name).cloned();
                match f {
                    Some(f @ (V::Func(_) | V::Builtin(_))) => self.call_value(&f, args),
                    _ => Err(Stop::Unsupported),
                }
            }
            V::Regex(r) => match name {
                "test" => {
                    let s = self
                        .arg_str(&args, 0)?
                        .unwrap_or_else(|| "undefined".into());
                    self.charge(s.len(), 1)?;
                    Ok(V::Bool(r.re.is_match(&s)))
                }
                _ => Err(Stop::Unsupported),
            },
            _ => Err(Stop::Unsupported),
        }
    }

    fn string_method(&mut self, s: Str16, name: &str, args: Vec<V>) -> R<V> {
        let len = s.len();
        match name {
            "charCodeAt" | "codePointAt" => {
                let i = self.arg_num(&args, 0)?.unwrap_or(0.0);
                Ok(if i < 0.0 || i >= len as f64 || i.is_nan() && len == 0 {
                    V::Num(f64::NAN)
                } else {
                    let i = if i.is_nan() { 0 } else { i as usize };
                    if name == "codePointAt" {
                        let cp = char::decode_utf16(s[i..].iter().copied()).next().map(|c| {
                            c.map_or_else(|e| e.unpaired_surrogate() as u32, |c| c as u32)
                        });
                        V::Num(cp.map_or(f64::NAN, |c| c as f64))
                    } else {
                        V::Num(s[i] as f64)
                    }
                })
            }
            "charAt" | "at" => {
                let mut i = self.arg_num(&args, 0)?.unwrap_or(0.0).trunc();
                if name == "at" && i < 0.0 {
                    i += len as f64;
                }
                Ok(if i < 0.0 || i >= len as f64 {
                    if name == "at" {
                        V::Undef
                    } else {
                        V::Str(Rc::default())
                    }
                } else {
                    V::Str(Rc::new(vec![s[i as usize]]))
                })
            }
            "slice" | "substring" | "substr" => {
                let a = self.arg_num(&args, 0)?.unwrap_or(0.0);
                let b = self.arg_num(&args, 1)?;
                let (start, end) = match name {
                    "slice" => (rel_index(a, len), rel_index(b.unwrap_or(len as f64), len)),
                    "substring" => {
                        let clamp = |v: f64| {
                            if v.is_nan() {
                                0
                            } else {
                                v.clamp(0.0, len as f64) as usize
                            }
                        };
                        let (x, y) = (clamp(a), clamp(b.unwrap_or(len as f64)));
                        (x.min(y), x.max(y))
                    }
                    _ => {
                        let st = rel_index(a, len);
                        let n = b.unwrap_or(len as f64).max(0.0);
                        (st, (st as f64 + n).min(len as f64) as usize)
                    }
                };
                let out = if start < end {
                    s[start..end].to_vec()
                } else {
                    Vec::new()
                };
                self.new_str(out)
            }
            "indexOf" | "lastIndexOf" | "includes" | "startsWith" | "endsWith" => {
                let needle = self.to_str(args.first().unwrap_or(&V::Undef))?;
                let found = match name {
                    "lastIndexOf" => find_last(&s, &needle),
                    "startsWith" => s.starts_with(&needle).then_some(0),
                    "endsWith" => s.ends_with(&needle).then_some(0),
                    _ => {
                        let from = rel_index(self.arg_num(&args, 1)?.unwrap_or(0.0).max(0.0), len);
                        find(&s[from..], &needle).map(|i| i + from)
                    }
                };
                self.charge(len, 1)?;
                Ok(match name {
                    "indexOf" | "lastIndexOf" => V::Num(found.map_or(-1.0, |i| i as f64)),
                    _ => V::Bool(found.is_some()),
                })
            }
            "split" => {
                let limit = self
                    .arg_num(&args, 1)?
                    .map_or(usize::MAX, |n| to_uint32(n) as usize);
                let parts: Vec<Vec<u16>> = match args.first() {
                    None | Some(V::Undef) => vec![s.to_vec()],
                    Some(V::Regex(r)) => {
                        let text = str_of(&s);
                        self.charge(text.len(), 4)?;
                        r.re.split(&text)
                            .map(|p| p.encode_utf16().collect())
                            .collect()
                    }
                    Some(sep) => {
                        let sep = self.to_str(sep)?;
                        split16(&s, &sep)
                    }
                };
                let mut out = Vec::with_capacity(parts.len().min(limit));
                for p in parts.into_iter().take(limit) {
                    out.push(self.new_str(p)?);
                }
                self.new_arr(out)
            }
            "replace" | "replaceAll" => self.replace(&s, name == "replaceAll", &args),
            "toLowerCase" | "toLocaleLowerCase" | "toUpperCase" | "toLocaleUpperCase" => {
                let t = str_of(&s);
                let t = if name.contains("Lower") {
                    t.to_lowercase()
                } else {
                    t.to_uppercase()
                };
                self.new_str(t.encode_utf16().collect())
            }
            "trim" | "trimStart" | "trimEnd" | "trimLeft" | "trimRight" => {
                let t = str_of(&s);
                let t = match name {
                    "trim" => t.trim(),
                    "trimStart" | "trimLeft" => t.trim_start(),
                    _ => t.trim_end(),
                };
                self.new_str(t.encode_utf16().collect())
            }
            "repeat" => {
                let n = self.arg_num(&args, 0)?.unwrap_or(0.0);
                if n < 0.0 || !n.is_finite() {
                    return Err(Stop::Throw);
                }
                let total = (len as f64) * n.trunc();
                if total > MAX_LEN as f64 {
                    return Err(Stop::Limit);
                }
                self.charge(total as usize, 2)?;
                Ok(V::Str(Rc::new(s.repeat(n as usize))))
            }
            "padStart" | "padEnd" => {
                let n = self.arg_num(&args, 0)?.unwrap_or(0.0);
                if n > MAX_LEN as f64 {
                    return Err(Stop::Limit);
                }
                let fill = match args.get(1) {
                    Some(v) => self.to_str(v)?.to_vec(),
                    None => vec![b' ' as u16],
                };
                let want = (n.max(0.0) as usize).saturating_sub(len);
                if want == 0 || fill.is_empty() {
                    return Ok(V::Str(s));
                }
                self.charge(want, 2)?;
                let pad: Vec<u16> = fill.iter().copied().cycle().take(want).collect();
                let out = if name == "padStart" {
                    [pad, s.to_vec()].concat()
                } else {
                    [s.to_vec(), pad].concat()
                };
                self.new_str(out)
            }
            "concat" => {
                let mut out = s.to_vec();
                for a in &args {
                    out.extend(self.to_str(a)?.iter());
                    if out.len() > MAX_LEN {
                        return Err(Stop::Limit);
                    }
                }
                self.new_str(out)
            }
            "toString" | "valueOf" | "normalize" => Ok(V::Str(s)),
            _ => Err(Stop::Unsupported),
        }
    }

    fn replace(&mut self, s: &Str16, all: bool, args: &[V]) -> R<V> {
        let text = str_of(s);
        self.charge(text.len(), 4)?;
        let with = args.get(1).cloned().unwrap_or(V::Undef);
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        match args.first() {
            Some(V::Regex(r)) => {
                self.met(Technique::Substitution);
                let r = r.clone();
                let global = r.global;
                for caps in r.re.captures_iter(&text) {
                    let m = caps.get(0).ok_or(Stop::Unsupported)?;
                    out.push_str(&text[last..m.start()]);
                    let groups: Vec<Option<&str>> =
                        caps.iter().map(|g| g.map(|g| g.as_str())).collect();
                    let piece = self.replacement(&with, &groups, m.start())?;
                    out.push_str(&piece);
                    last = m.end();
                    if out.len() > MAX_LEN * 2 {
                        return Err(Stop::Limit);
                    }
                    if !global {
                        break;
                    }
                }
            }
            Some(pat) => {
                let pat = str_of(&self.to_str(pat)?);
                let mut from = 0;
                while let Some(i) = text[from..].find(&pat).map(|i| i + from) {
                    out.push_str(&text[last..i]);
                    let piece = self.replacement(&with, &[Some(pat.as_str())], i)?;
                    out.push_str(&piece);
                    last = i + pat.len();
                    from = if pat.is_empty() {
                        match text[i..].chars().next() {
                            Some(c) => i + c.len_utf8(),
                            None => break,
                        }
                    } else {
                        last
                    };
                    if !all || out.len() > MAX_LEN * 2 {
                        break;
                    }
                }
            }
            None => return Err(Stop::Unsupported),
        }
        out.push_str(&text[last..]);
        self.new_str(out.encode_utf16().collect())
    }

    /// The text a match is replaced with: a function's result, or a pattern with `$&`,
    /// `$1` … `$9` and `$$`.
    fn replacement(&mut self, with: &V, groups: &[Option<&str>], at: usize) -> R<String> {
        match with {
            V::Func(_) | V::Builtin(_) => {
                let mut args: Vec<V> = groups
                    .iter()
                    .map(|g| g.map_or(V::Undef, |g| V::Str(s16(g))))
                    .collect();
                args.push(V::Num(at as f64));
                let v = self.call_value(with, args)?;
                Ok(str_of(&self.to_str(&v)?))
            }
            other => {
                let pat = str_of(&self.to_str(other)?);
                let mut out = String::new();
                let mut chars = pat.chars().peekable();
                while let Some(c) = chars.next() {
                    if c != '$' {
                        out.push(c);
                        continue;
                    }
                    match chars.peek().copied() {
                        Some('$') => {
                            chars.next();
                            out.push('$');
                        }
                        Some('&') => {
                            chars.next();
                            out.push_str(groups.first().copied().flatten().unwrap_or(""));
                        }
                        Some(d @ '1'..='9') => {
                            chars.next();
                            let i = d as usize - '0' as usize;
                            out.push_str(groups.get(i).copied().flatten().unwrap_or(""));
                        }
                        _ => out.push('$'),
                    }
                }
                Ok(out)
            }
        }
    }

    fn array_method(&mut self, recv: &V, a: Rc<RefCell<Vec<V>>>, name: &str, args: Vec<V>) -> R<V> {
        let mutating = matches!(
            name,
            "push" | "pop" | "shift" | "unshift" | "splice" | "reverse" | "fill" | "sort"
        );
        if mutating && self.is_shared(recv) {
            return Err(Stop::Unsupported);
        }
        let len = a.borrow().len();
        self.charge(len, 0)?;
        match name {
            "push" => {
                self.charge(args.len(), 16)?;
                let mut v = a.borrow_mut();
                if v.len() + args.len() > MAX_LEN {
                    return Err(Stop::Limit);
                }
                v.extend(args);
                Ok(V::Num(v.len() as f64))
            }
            "unshift" => {
                self.charge(len + args.len(), 16)?;
                let mut v = a.borrow_mut();
                if v.len() + args.len() > MAX_LEN {
                    return Err(Stop::Limit);
                }
                v.splice(0..0, args);
                Ok(V::Num(v.len() as f64))
            }
            "pop" => Ok(a.borrow_mut().pop().unwrap_or(V::Undef)),
            "shift" => {
                let mut v = a.borrow_mut();
                Ok(if v.is_empty() { V::Undef } else { v.remove(0) })
            }
            "reverse" => {
                self.met(Technique::Reverse);
                a.borrow_mut().reverse();
                Ok(recv.clone())
            }
            "join" => {
                let sep = match args.first() {
                    None | Some(V::Undef) => s16(","),
                    Some(v) => self.to_str(v)?,
                };
                let items = a.borrow().clone();
                let mut out: Vec<u16> = Vec::new();
                for (i, x) in items.iter().enumerate() {
                    if i > 0 {
                        out.extend(sep.iter());
                    }
                    if !matches!(x, V::Undef | V::Null) {
                        out.extend(self.to_str(x)?.iter());
                    }
                    if out.len() > MAX_LEN {
                        return Err(Stop::Limit);
                    }
                }
                self.new_str(out)
            }
            "slice" => {
                let start = rel_index(self.arg_num(&args, 0)?.unwrap_or(0.0), len);
                let end = rel_index(self.arg_num(&args, 1)?.unwrap_or(len as f64), len);
                let out = if start < end {
                    a.borrow()[start..end].to_vec()
                } else {
                    Vec::new()
                };
                self.new_arr(out)
            }
            "splice" => {
                let start = rel_index(self.arg_num(&args, 0)?.unwrap_or(0.0), len);
                let count = match args.get(1) {
                    None => len - start,
                    Some(v) => (self.to_num(v)?.max(0.0) as usize).min(len - start),
                };
                let inserted: Vec<V> = args.iter().skip(2).cloned().collect();
                self.charge(len + inserted.len(), 16)?;
                let removed: Vec<V> = a
                    .borrow_mut()
                    .splice(start..start + count, inserted)
                    .collect();
                self.new_arr(removed)
            }
            "concat" => {
                let mut out = a.borrow().clone();
                for x in &args {
                    match x {
                        V::Arr(b) => out.extend(b.borrow().iter().cloned()),
                        other => out.push(other.clone()),
                    }
                    if out.len() > MAX_LEN {
                        return Err(Stop::Limit);
                    }
                }
                self.new_arr(out)
            }
            "indexOf" | "includes" | "lastIndexOf" => {
                let needle = args.first().cloned().unwrap_or(V::Undef);
                let items = a.borrow();
                let found = if name == "lastIndexOf" {
                    items.iter().rposition(|x| strict_eq(x, &needle))
                } else {
                    items.iter().position(|x| strict_eq(x, &needle))
                };
                Ok(if name == "includes" {
                    V::Bool(found.is_some())
                } else {
                    V::Num(found.map_or(-1.0, |i| i as f64))
                })
            }
            "fill" => {
                let v = args.first().cloned().unwrap_or(V::Undef);
                for x in a.borrow_mut().iter_mut() {
                    *x = v.clone();
                }
                Ok(recv.clone())
            }
            "map" | "forEach" | "filter" | "reduce" | "some" | "every" | "find" | "findIndex" => {
                let f = args.first().cloned().ok_or(Stop::Unsupported)?;
                let items = a.borrow().clone();
                let mut acc = match (name, args.get(1)) {
                    ("reduce", Some(init)) => Some(init.clone()),
                    _ => None,
                };
                let mut out = Vec::new();
                for (i, x) in items.into_iter().enumerate() {
                    if name == "reduce" {
                        acc = Some(match acc.take() {
                            None => x,
                            Some(prev) => {
                                self.call_value(&f, vec![prev, x, V::Num(i as f64), recv.clone()])?
                            }
                        });
                        continue;
                    }
                    let r = self.call_value(&f, vec![x.clone(), V::Num(i as f64), recv.clone()])?;
                    match name {
                        "map" => out.push(r),
                        "filter" if truthy(&r) => out.push(x),
                        "some" if truthy(&r) => return Ok(V::Bool(true)),
                        "every" if !truthy(&r) => return Ok(V::Bool(false)),
                        "find" if truthy(&r) => return Ok(x),
                        "findIndex" if truthy(&r) => return Ok(V::Num(i as f64)),
                        _ => {}
                    }
                }
                match name {
                    "map" | "filter" => self.new_arr(out),
                    "reduce" => acc.ok_or(Stop::Throw),
                    "some" => Ok(V::Bool(false)),
                    "every" => Ok(V::Bool(true)),
                    "find" => Ok(V::Undef),
                    "findIndex" => Ok(V::Num(-1.0)),
                    _ => Ok(V::Undef),
                }
            }
            "sort" if args.is_empty() => {
                let items = a.borrow().clone();
                let mut keyed = Vec::with_capacity(items.len());
                for x in items {
                    keyed.push((self.to_str(&x)?, x));
                }
                keyed.sort_by(|x, y| x.0.cmp(&y.0));
                *a.borrow_mut() = keyed.into_iter().map(|(_, x)| x).collect();
                Ok(recv.clone())
            }
            "toString" => {
                let s = self.to_primitive_str(recv)?;
                Ok(V::Str(s))
            }
            _ => Err(Stop::Unsupported),
        }
    }

    fn bytes_method(&mut self, b: Rc<RefCell<Vec<u8>>>, name: &str, args: Vec<V>) -> R<V> {
        match name {
            "toString" => {
                let enc = self.arg_str(&args, 0)?.unwrap_or_else(|| "utf8".into());
                let bytes = b.borrow();
                let text: String = match enc.as_str() {
                    "utf8" | "utf-8" => String::from_utf8_lossy(&bytes).into_owned(),
                    "hex" => bytes.iter().map(|x| format!("{x:02x}")).collect(),
                    "base64" => {
                        use base64::Engine;
                        base64::engine::general_purpose::STANDARD.encode(&*bytes)
                    }
                    "latin1" | "binary" | "ascii" => bytes.iter().map(|x| *x as char).collect(),
                    _ => return Err(Stop::Unsupported),
                };
                drop(bytes);
                self.new_str(text.encode_utf16().collect())
            }
            "slice" | "subarray" => {
                // `subarray` shares memory in JS; a copy only differs if either is written.
                let len = b.borrow().len();
                let start = rel_index(self.arg_num(&args, 0)?.unwrap_or(0.0), len);
                let end = rel_index(self.arg_num(&args, 1)?.unwrap_or(len as f64), len);
                if name == "subarray" {
                    return Err(Stop::Unsupported);
                }
                let out = if start < end {
                    b.borrow()[start..end].to_vec()
                } else {
                    Vec::new()
                };
                self.new_bytes(out)
            }
            "map" => {
                let f = args.first().cloned().ok_or(Stop::Unsupported)?;
                let items = b.borrow().clone();
                let mut out = Vec::with_capacity(items.len());
                for (i, x) in items.into_iter().enumerate() {
                    let r = self.call_value(&f, vec![V::Num(x as f64), V::Num(i as f64)])?;
                    out.push(to_uint32(self.to_num(&r)?) as u8);
                }
                self.new_bytes(out)
            }
            "readUInt8" => {
                let i = self.arg_num(&args, 0)?.unwrap_or(0.0) as usize;
                b.borrow()
                    .get(i)
                    .map(|x| V::Num(*x as f64))
                    .ok_or(Stop::Throw)
            }
            _ => Err(Stop::Unsupported),
        }
    }
}

impl Object {
    fn set(&mut self, k: String, v: V) {
        if self.map.insert(k.clone(), v).is_none() {
            self.keys.push(k);
        }
    }
}

fn type_of(v: &V) -> &'static str {
    match v {
        V::Undef => "undefined",
        V::Null | V::Arr(_) | V::Bytes(_) | V::Obj(_) | V::Regex(_) => "object",
        V::Bool(_) => "boolean",
        V::Num(_) => "number",
        V::Str(_) => "string",
        V::Func(_) | V::Builtin(_) => "function",
    }
}

fn find(hay: &[u16], needle: &[u16]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

fn find_last(hay: &[u16], needle: &[u16]) -> Option<usize> {
    if needle.is_empty() {
        return Some(hay.len());
    }
    hay.windows(needle.len()).rposition(|w| w == needle)
}

fn split16(s: &[u16], sep: &[u16]) -> Vec<Vec<u16>> {
    if sep.is_empty() {
        return s.iter().map(|c| vec![*c]).collect();
    }
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i + sep.len() <= s.len() {
        if &s[i..i + sep.len()] == sep {
            out.push(s[start..i].to_vec());
            i += sep.len();
            start = i;
        } else {
            i += 1;
        }
    }
    out.push(s[start..].to_vec());
    out
}

/// `%XX` and `%uXXXX` escapes, as `unescape` reads them.
fn unescape(s: &str) -> String {
    let units: Vec<u16> = s.encode_utf16().collect();
    let mut out = Vec::with_capacity(units.len());
    let hex = |u: &[u16]| -> Option<u16> {
        let t = String::from_utf16(u).ok()?;
        u16::from_str_radix(&t, 16).ok()
    };
    let mut i = 0;
    while i < units.len() {
        if units[i] == b'%' as u16 {
            if units.get(i + 1) == Some(&(b'u' as u16)) && i + 6 <= units.len() {
                if let Some(c) = hex(&units[i + 2..i + 6]) {
                    out.push(c);
                    i += 6;
                    continue;
                }
            }
            if i + 3 <= units.len() {
                if let Some(c) = hex(&units[i + 1..i + 3]) {
                    out.push(c);
                    i += 3;
                    continue;
                }
            }
        }
        out.push(units[i]);
        i += 1;
    }
    String::from_utf16_lossy(&out)
}

/// `n.toString(radix)` for integers (`c.toString(36)` in packers).
fn radix_string(n: f64, radix: f64) -> Option<String> {
    if radix == 10.0 {
        return Some(num_string(n));
    }
    if !(2.0..=36.0).contains(&radix) || radix.fract() != 0.0 || n.fract() != 0.0 || n.abs() > 9e15
    {
        return None;
    }
    let radix = radix as u64;
    let mut m = n.abs() as u64;
    let mut digits = Vec::new();
    loop {
        digits.push(std::char::from_digit((m % radix) as u32, radix as u32)?);
        m /= radix;
        if m == 0 {
            break;
        }
    }
    if n < 0.0 {
        digits.push('-');
    }
    Some(digits.iter().rev().collect())
}

/// A static value as the interpreter holds it.
pub(crate) fn convert(v: &Val) -> Option<V> {
    Some(match v {
        Val::Str(s) => V::Str(s16(s)),
        Val::Num(n) => V::Num(*n),
        Val::Bytes(b) => V::Bytes(Rc::new(RefCell::new(b.clone()))),
        Val::Arr(items) => V::Arr(Rc::new(RefCell::new(
            items.iter().map(convert).collect::<Option<Vec<V>>>()?,
        ))),
    })
}

/// A result as a static value: strings, numbers, bytes and arrays of them.
pub(crate) fn to_val(v: &V) -> Option<Val> {
    Some(match v {
        V::Str(s) => Val::Str(str_of(s)),
        V::Num(n) => Val::Num(*n),
        V::Bytes(b) => Val::Bytes(b.borrow().clone()),
        V::Arr(a) => Val::Arr(
            a.borrow()
                .iter()
                .map(to_val)
                .collect::<Option<Vec<Val>>>()?,
        ),
        _ => return None,
    })
}

/// The encodings a run names, outermost (applied first when hiding, so met last when
/// decoding) first, after the decoder function's name.
pub(crate) fn encodings(name: Option<&str>, techniques: &[Technique]) -> Vec<Cow<'static, str>> {
    let mut out: Vec<Cow<'static, str>> = Vec::with_capacity(techniques.len() + 1);
    if let Some(n) = name {
        out.push(format!("{n}()").into());
    }
    out.extend(techniques.iter().rev().map(|t| Cow::Borrowed(t.word())));
    out
}
