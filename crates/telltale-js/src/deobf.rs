//! Deobfuscation by partial evaluation: calls of the file's own functions are evaluated with
//! their constant arguments, so strings hidden behind a decoder read like plain source.
//!
//! Obfuscators (javascript-obfuscator and its imitators) move every string into one array,
//! rotate it at start-up until a checksum over some entries matches, and replace each string
//! with a call of a decoder, often behind wrapper functions that shift the index:
//!
//! ```js
//! function a() { const s = ['hostname', '12bXyz', 'os']; a = function () { return s; }; return a(); }
//! function d(i, k) { i = i - 0x1b0; const s = a(); let v = s[i]; /* optional base64, rc4 */ return v; }
//! (function (get, target) { const s = get(); while (!![]) { try {
//!     const v = parseInt(d(0x1b1)) / 0x1 + …; if (v === target) break; else s.push(s.shift());
//! } catch (e) { s.push(s.shift()); } } })(a, 0x5c8e1);
//! function w(c, e) { return d(e - -0x12, c); }
//! require(d(0x1b2))[w(0x0, 0x19e)]();   // os.hostname()
//! ```
//!
//! Everything is recognised by structure, never by names or the tool's strings: an *array
//! source* is a function whose first statement declares an array of string literals (or a
//! variable holding one); a *decoder* is a function that first subtracts a constant from its
//! first parameter and then indexes an array source with it; its encoding is read from its
//! body (a 64-letter base64 alphabet literal: base64, then percent-decoding; with an XOR as
//! well: RC4 keyed by the second argument over the base64 output). The rotation is emulated by
//! evaluating the checksum with each rotation of the array, at most once per entry. A function
//! whose body is one `return <expr>` (a wrapper) is evaluated by binding its parameters to the
//! argument values; a `for` loop that appends `String.fromCharCode(<expr of s.charCodeAt(i)>)`
//! (an XOR or shift decoder) is run natively over its constant arguments.
//!
//! Decoded values carry their technique (`string-array → rc4 → base64`, `xor(0x2a)`) and flow
//! into [`crate::resolve`]: computed member keys become access paths, URLs become endpoints.
//! Work is bounded: array length and size, rotations, loop lengths and a per-file budget of
//! evaluated calls proportional to the file's size; each array entry is decoded once.
//! Functions none of these shapes describe are run by [`crate::interp`] (`Shape::Interpreted`)
//! under its own step budget per file.

use crate::collect::binding_symbol;
use crate::resolve::{Decoded, Val};
use crate::{Analyzer, FnBody, Init};
use oxc_ast::ast::*;
use oxc_ast_visit::{walk, Visit};
use oxc_semantic::SymbolId;
use rustc_hash::FxHashMap as HashMap;
use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// Longest string array understood (a larger one is left alone).
const MAX_ARRAY_LEN: usize = 50_000;
/// Most bytes of literals in one string array.
const MAX_ARRAY_BYTES: usize = 8 << 20;
/// Most characters a decoding loop produces.
const MAX_LOOP_CHARS: f64 = 100_000.0;
/// Calls evaluated per file: this many plus one per byte of source (an interpreted call
/// spends one per step).
const BASE_BUDGET: u64 = 200_000;
/// Interpreter steps per file: this many plus [`STEPS_PER_BYTE`] per byte of source, at
/// most [`MAX_STEPS`] (a bundle hiding every string behind one helper runs it tens of
/// thousands of times).
const BASE_STEPS: u64 = 5_000_000;
const STEPS_PER_BYTE: u64 = 4;
const MAX_STEPS: u64 = 200_000_000;
/// Largest function the interpreter runs (bytes of source).
const MAX_INTERPRETED: u32 = 16 * 1024;
/// Runs without a value after which a function that never gave one is left alone.
const MAX_FAILED_RUNS: u8 = 8;
/// Interpreter runs nested through constants.
const MAX_RUNNING: u32 = 3;

/// What a local function is, for evaluation.
#[derive(Clone, Copy)]
enum Shape<'a> {
    Opaque,
    /// The body is one `return <expr>` (or an arrow's expression).
    Return(&'a Expression<'a>),
    Decoder(Decoder),
    CharLoop(CharLoop<'a>),
    /// Any other function small enough to run: [`crate::interp`] runs it.
    Interpreted,
}

#[derive(Clone, Copy)]
struct Decoder {
    /// Index into [`Deobf::arrays`].
    array: usize,
    offset: f64,
    scheme: Scheme,
}

/// How the entries of a string array are encoded. The table maps a character to its position
/// in the alphabet literal found in the decoder (`u8::MAX`: not in it).
#[derive(Clone, Copy)]
enum Scheme {
    Plain,
    Base64([u8; 128]),
    Rc4([u8; 128]),
}

/// `for (let i = start; i < bound; i++) acc += String.fromCharCode(code)`; `piece` is the
/// `String.fromCharCode(code)` call.
#[derive(Clone, Copy)]
struct CharLoop<'a> {
    index: SymbolId,
    start: &'a Expression<'a>,
    bound: &'a Expression<'a>,
    piece: &'a Expression<'a>,
    code: &'a Expression<'a>,
}

/// A rotation loop's checksum expression and the value it must reach.
type Checksum<'a> = (&'a Expression<'a>, f64);

#[derive(Clone, Copy, PartialEq, Debug)]
enum Rotation {
    Unknown,
    /// The checksum is being evaluated with this many rotations.
    Trying(usize),
    Fixed(usize),
    /// No rotation satisfies the checksum, or the rotation code is not understood.
    Failed,
}

/// An array entry by original position, with the key it is decoded with.
type EntryKey = (u32, Option<String>);

struct StringArray {
    sym: SymbolId,
    items: Vec<Rc<str>>,
    /// Where each entry is written, by original position.
    spans: Vec<oxc_span::Span>,
    rotation: Cell<Rotation>,
    /// Decoded entries by original position and key.
    decoded: RefCell<HashMap<EntryKey, Option<Rc<str>>>>,
}

/// Per-file state of the partial evaluator.
pub(crate) struct Deobf<'a> {
    /// Set once every function and call of the file is recorded: nothing is evaluated
    /// before, so no conclusion is drawn from half the file.
    ready: Cell<bool>,
    shapes: RefCell<Vec<Option<Shape<'a>>>>,
    arrays: RefCell<Vec<Rc<StringArray>>>,
    array_of_symbol: RefCell<HashMap<SymbolId, Option<usize>>>,
    /// Parameter bindings of the calls being evaluated, innermost last; `None` is unknown.
    env: RefCell<Vec<(SymbolId, Option<Decoded>)>>,
    budget: Cell<u64>,
    rotating: Cell<u32>,
    any_decoder: Cell<Option<bool>>,
    pub(crate) interp: crate::interp::InterpCache,
    /// Per function run by the interpreter: runs that ended without a value, and whether
    /// any gave one. A function that never gives one is not run again after a few tries.
    runs: RefCell<HashMap<usize, (u8, bool)>>,
    /// Interpreter runs in progress (one may read a constant that needs another).
    running: Cell<u32>,
    /// Interpreter steps left for the file.
    steps: Cell<u64>,
    /// What each call site's run gave (the passes ask the same call more than once).
    call_runs: RefCell<HashMap<u32, Option<Decoded>>>,
}

impl<'a> Deobf<'a> {
    pub(crate) fn new(src_len: usize) -> Self {
        Deobf {
            ready: Cell::new(false),
            shapes: RefCell::new(Vec::new()),
            arrays: RefCell::new(Vec::new()),
            array_of_symbol: RefCell::new(HashMap::default()),
            env: RefCell::new(Vec::new()),
            budget: Cell::new(BASE_BUDGET + src_len as u64),
            rotating: Cell::new(0),
            any_decoder: Cell::new(None),
            interp: Default::default(),
            runs: RefCell::default(),
            running: Cell::new(0),
            steps: Cell::new((BASE_STEPS + STEPS_PER_BYTE * src_len as u64).min(MAX_STEPS)),
            call_runs: RefCell::default(),
        }
    }

    pub(crate) fn set_ready(&self) {
        self.ready.set(true);
    }

    fn spend(&self, n: u64) -> bool {
        let b = self.budget.get();
        self.budget.set(b.saturating_sub(n));
        b >= n
    }
}

fn num(v: Option<Decoded>) -> Option<f64> {
    match v?.val {
        Val::Num(n) => Some(n),
        _ => None,
    }
}

fn is_ident<'a>(e: &Expression<'a>, sym: SymbolId, an: &Analyzer<'a>) -> bool {
    matches!(e.without_parentheses(), Expression::Identifier(id) if an.symbol_of(id) == Some(sym))
}

fn target_is<'a>(t: &AssignmentTarget<'a>, sym: SymbolId, an: &Analyzer<'a>) -> bool {
    matches!(t, AssignmentTarget::AssignmentTargetIdentifier(id) if an.symbol_of(id) == Some(sym))
}

/// Whether a call is `x.push(x.shift())` (the rotation step), with literal or static keys.
fn is_push_shift(s: &Statement) -> bool {
    let key = |e: &Expression| -> Option<String> {
        match e.without_parentheses() {
            Expression::StaticMemberExpression(m) => Some(m.property.name.to_string()),
            Expression::ComputedMemberExpression(m) => match &m.expression {
                Expression::StringLiteral(s) => Some(s.value.to_string()),
                _ => None,
            },
            _ => None,
        }
    };
    let Statement::ExpressionStatement(es) = s else {
        return false;
    };
    let Expression::CallExpression(push) = es.expression.without_parentheses() else {
        return false;
    };
    let inner = push
        .arguments
        .first()
        .and_then(|a| a.as_expression())
        .map(|e| e.without_parentheses());
    key(&push.callee).as_deref() == Some("push")
        && matches!(inner, Some(Expression::CallExpression(shift)) if key(&shift.callee).as_deref() == Some("shift"))
}

/// A base64 alphabet literal: 64 or 65 distinct characters, every letter and digit among them.
fn alphabet_table(s: &str) -> Option<[u8; 128]> {
    if !(s.len() == 64 || s.len() == 65)
        || !s
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+/=-_".contains(&b))
    {
        return None;
    }
    let mut table = [u8::MAX; 128];
    for (i, b) in s.bytes().enumerate() {
        if table[b as usize] != u8::MAX {
            return None;
        }
        table[b as usize] = i as u8;
    }
    s.bytes()
        .filter(|b| b.is_ascii_alphanumeric())
        .count()
        .eq(&62)
        .then_some(table)
}

/// What a decoder's body does to an entry: finds an alphabet literal and an XOR.
#[derive(Default)]
struct SchemeScan {
    alphabet: Option<[u8; 128]>,
    xor: bool,
}

impl<'a> Visit<'a> for SchemeScan {
    fn visit_string_literal(&mut self, it: &StringLiteral<'a>) {
        if let Some(t) = alphabet_table(it.value.as_str()) {
            self.alphabet = Some(t);
        }
    }
    fn visit_binary_expression(&mut self, it: &BinaryExpression<'a>) {
        self.xor |= it.operator == BinaryOperator::BitwiseXOR;
        walk::walk_binary_expression(self, it);
    }
}

/// The base64 decoding of obfuscator decoders: letters outside the alphabet are skipped, the
/// bytes are then percent-decoded as UTF-8 (`decodeURIComponent`), which fails on bad UTF-8.
pub(crate) fn decode_base64_with(s: &str, table: &[u8; 128]) -> Option<String> {
    let mut bytes = Vec::with_capacity(s.len() * 3 / 4);
    let (mut count, mut acc) = (0u32, 0i64);
    for c in s.chars() {
        let idx = if (c as u32) < 128 {
            table[c as usize]
        } else {
            u8::MAX
        };
        if idx == u8::MAX {
            continue;
        }
        acc = if count % 4 != 0 {
            acc * 64 + idx as i64
        } else {
            idx as i64
        };
        let emit = count % 4 != 0;
        count += 1;
        if emit {
            let shift = ((-2i64 * count as i64) & 6) as u32;
            bytes.push((0xff & ((acc as i32) >> shift)) as u8);
        }
    }
    String::from_utf8(bytes).ok()
}

/// RC4 over UTF-16 code units, as obfuscator decoders run it over a JS string.
pub(crate) fn rc4(data: &[u16], key: &[u16]) -> Option<Vec<u16>> {
    if key.is_empty() {
        return None;
    }
    let mut s: [u32; 256] = std::array::from_fn(|i| i as u32);
    let mut j = 0u32;
    for i in 0..256 {
        j = (j + s[i] + key[i % key.len()] as u32) % 256;
        s.swap(i, j as usize);
    }
    let (mut i, mut j) = (0usize, 0usize);
    let mut out = Vec::with_capacity(data.len());
    for &c in data {
        i = (i + 1) % 256;
        j = (j + s[i] as usize) % 256;
        s.swap(i, j);
        out.push(c ^ s[((s[i] + s[j]) % 256) as usize] as u16);
    }
    Some(out)
}

/// JavaScript's `parseInt`: leading white space, a sign, an optional `0x` prefix, then the
/// longest run of digits of the radix; `NaN` when there is none.
pub(crate) fn parse_int(s: &str, radix: f64) -> f64 {
    let t = s.trim_start();
    let (neg, t) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let mut radix = if radix.is_finite() { radix as i64 } else { 0 };
    let mut t = t;
    if radix == 0 || radix == 16 {
        if let Some(rest) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
            t = rest;
            radix = 16;
        }
    }
    if radix == 0 {
        radix = 10;
    }
    if !(2..=36).contains(&radix) {
        return f64::NAN;
    }
    let digits: Vec<u32> = t.chars().map_while(|c| c.to_digit(radix as u32)).collect();
    if digits.is_empty() {
        return f64::NAN;
    }
    let v = digits
        .iter()
        .fold(0f64, |acc, d| acc * radix as f64 + *d as f64);
    if neg {
        -v
    } else {
        v
    }
}

impl<'a> Analyzer<'a> {
    /// Whether a rotation is being searched (values are then provisional).
    pub(crate) fn emulating(&self) -> bool {
        self.deobf.rotating.get() > 0
    }

    /// The value bound to a parameter by a call being evaluated: `Some(None)` when it is
    /// bound to something unknown, `None` when it is not bound.
    pub(crate) fn bound_value(&self, sym: SymbolId) -> Option<Option<Decoded>> {
        let env = self.deobf.env.borrow();
        if env.is_empty() {
            return None;
        }
        env.iter()
            .rev()
            .find(|(s, _)| *s == sym)
            .map(|(_, v)| v.clone())
    }

    /// The local function a callee names, through `const w = d` aliases. Functions whose
    /// name is reassigned are not followed: their body is not what runs.
    pub(crate) fn local_function(&self, callee: &Expression<'a>) -> Option<usize> {
        let Expression::Identifier(id) = callee else {
            return None;
        };
        let mut sym = self.symbol_of(id)?;
        for _ in 0..8 {
            if self.is_mutated(sym) {
                return None;
            }
            if let Some(&f) = self.fn_by_symbol.get(&sym) {
                return Some(f);
            }
            match self.inits.get(&sym) {
                Some(Init::Expr(Expression::Identifier(next))) => sym = self.symbol_of(next)?,
                _ => return None,
            }
        }
        None
    }

    /// Whether the file has a string-array decoder or a decoding loop (computed once).
    pub(crate) fn has_decoders(&self) -> bool {
        if let Some(b) = self.deobf.any_decoder.get() {
            return b;
        }
        if !self.deobf.ready.get() {
            return false;
        }
        let b = (0..self.funcs.len()).any(|f| match self.shape(f) {
            Shape::Decoder(_) | Shape::CharLoop(_) => true,
            Shape::Interpreted => self.decoding_fns.contains(&f),
            _ => false,
        });
        self.deobf.any_decoder.set(Some(b));
        b
    }

    /// Whether calls of this function are evaluated at all (for the decoded-string scan).
    pub(crate) fn is_evaluated_function(&self, f: usize) -> bool {
        match self.shape(f) {
            Shape::Opaque => false,
            Shape::Interpreted => self.decoding_fns.contains(&f),
            _ => true,
        }
    }

    /// The value of a call of local function `f` with these arguments.
    pub(crate) fn local_call_value(
        &self,
        f: usize,
        callee: &'a Expression<'a>,
        args: &'a [Argument<'a>],
        d: u32,
    ) -> Option<Decoded> {
        if !self.deobf.ready.get() || !self.deobf.spend(1) {
            return None;
        }
        match self.shape(f) {
            Shape::Opaque => None,
            Shape::Interpreted => self.interpret(f, callee, args, d),
            Shape::Return(e) => {
                let frame = self.bind(f, args, d);
                self.with_frame(frame, || self.value_at(e, d + 1))
                    .or_else(|| {
                        // `(a) => a.map(c => String.fromCharCode(c ^ 7)).join("")`: more
                        // than substitution reads.
                        self.decoding_fns
                            .contains(&f)
                            .then(|| self.interpret(f, callee, args, d))
                            .flatten()
                    })
            }
            Shape::Decoder(dec) => {
                let index = num(self.value_at(args.first()?.as_expression()?, d))?;
                let key = match dec.scheme {
                    Scheme::Rc4(_) => {
                        Some(self.value_at(args.get(1)?.as_expression()?, d)?.text()?)
                    }
                    _ => None,
                };
                self.decode_entry(dec, index, key)
            }
            Shape::CharLoop(l) => {
                let frame = self.bind(f, args, d);
                self.with_frame(frame, || self.run_char_loop(&l, d + 1))
            }
        }
    }

    /// Run function `f` on the constant values of `args` with the interpreter; the value
    /// carries the arguments' literal and encodings, and the techniques met, after the
    /// function's name.
    fn interpret(
        &self,
        f: usize,
        callee: &'a Expression<'a>,
        args: &'a [Argument<'a>],
        d: u32,
    ) -> Option<Decoded> {
        let site = oxc_span::GetSpan::span(callee).start;
        let memo = !self.emulating();
        if memo {
            if let Some(v) = self.deobf.call_runs.borrow().get(&site) {
                return v.clone();
            }
        }
        let v = self.interpret_once(f, callee, args, d);
        if memo {
            self.deobf.call_runs.borrow_mut().insert(site, v.clone());
        }
        v
    }

    fn interpret_once(
        &self,
        f: usize,
        callee: &'a Expression<'a>,
        args: &'a [Argument<'a>],
        d: u32,
    ) -> Option<Decoded> {
        let runs = self
            .deobf
            .runs
            .borrow()
            .get(&f)
            .copied()
            .unwrap_or((0, false));
        if (runs.0 >= MAX_FAILED_RUNS && !runs.1) || self.deobf.running.get() >= MAX_RUNNING {
            return None;
        }
        let fuel = self.deobf.steps.get().min(crate::interp::CALL_FUEL);
        if fuel == 0 {
            return None;
        }
        let mut it = crate::interp::Interp::new(self, fuel);
        let mut values = Vec::with_capacity(args.len());
        let mut origin = None;
        let mut inherited: Vec<Cow<'static, str>> = Vec::new();
        for a in args {
            let e = a.as_expression()?;
            match self.value_at(e, d) {
                Some(v) => {
                    origin = origin.or(v.origin);
                    for e in &v.encodings {
                        if !inherited.contains(e) {
                            inherited.push(e.clone());
                        }
                    }
                    values.push(crate::interp::convert(&v.val)?);
                }
                // What constants do not express (`{}`, `[f, g]`), the interpreter builds.
                None => values.push(it.eval(e).ok()?),
            }
        }
        self.deobf.running.set(self.deobf.running.get() + 1);
        let result = it.run(f, values);
        let used = fuel - it.fuel_left();
        drop(it);
        self.deobf.running.set(self.deobf.running.get() - 1);
        self.deobf.steps.set(self.deobf.steps.get() - used);
        let out_of_bounds = matches!(result, Err(crate::interp::Stop::Limit));
        let value = result
            .ok()
            .and_then(|out| Some((crate::interp::to_val(&out.value)?, out.techniques)));
        {
            let mut all = self.deobf.runs.borrow_mut();
            let entry = all.entry(f).or_insert((0, false));
            match value {
                Some(_) => entry.1 = true,
                // A run that reached a bound (fuel, length, depth) will again: not retried.
                None if out_of_bounds => *entry = (MAX_FAILED_RUNS, false),
                None => entry.0 = entry.0.saturating_add(1),
            }
        }
        let (val, techniques) = value?;
        let mut encodings = if techniques.is_empty() {
            Vec::new()
        } else {
            crate::interp::encodings(crate::last_name(callee), &techniques)
        };
        for e in inherited {
            if !encodings.contains(&e) {
                encodings.push(e);
            }
        }
        Some(Decoded::hidden(val, encodings, origin))
    }

    /// The entry a string-array decoder gives for these index (and key) values.
    pub(crate) fn decoder_entry(&self, f: usize, args: &[crate::interp::V]) -> Option<Decoded> {
        let Shape::Decoder(dec) = self.shape(f) else {
            return None;
        };
        let crate::interp::V::Num(index) = args.first()? else {
            return None;
        };
        let key = match (dec.scheme, args.get(1)) {
            (Scheme::Rc4(_), Some(crate::interp::V::Str(k))) => Some(String::from_utf16_lossy(k)),
            (Scheme::Rc4(_), _) => return None,
            _ => None,
        };
        self.decode_entry(dec, *index, key)
    }

    fn bind(&self, f: usize, args: &'a [Argument<'a>], d: u32) -> Vec<(SymbolId, Option<Decoded>)> {
        self.params_of(f)
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                let v = args
                    .get(i)
                    .and_then(|a| a.as_expression())
                    .and_then(|e| self.value_at(e, d));
                p.map(|sym| (sym, v))
            })
            .collect()
    }

    fn with_frame<T>(&self, frame: Vec<(SymbolId, Option<Decoded>)>, run: impl FnOnce() -> T) -> T {
        let len = self.deobf.env.borrow().len();
        self.deobf.env.borrow_mut().extend(frame);
        let out = run();
        self.deobf.env.borrow_mut().truncate(len);
        out
    }

    fn shape(&self, f: usize) -> Shape<'a> {
        if let Some(Some(s)) = self.deobf.shapes.borrow().get(f) {
            return *s;
        }
        let s = self.classify(f);
        let mut shapes = self.deobf.shapes.borrow_mut();
        if shapes.len() <= f {
            shapes.resize(self.funcs.len().max(f + 1), None);
        }
        shapes[f] = Some(s);
        s
    }

    fn classify(&self, f: usize) -> Shape<'a> {
        let stmts: &'a [Statement<'a>] = match self.funcs[f].body {
            FnBody::Expr(e) => return Shape::Return(e),
            FnBody::Block(b) => &b.statements,
        };
        if let [Statement::ReturnStatement(r)] = stmts {
            if let Some(e) = &r.argument {
                return Shape::Return(e);
            }
        }
        if let Some(d) = self.decoder_shape(f, stmts) {
            return Shape::Decoder(d);
        }
        if let Some(l) = self.char_loop_shape(stmts) {
            return Shape::CharLoop(l);
        }
        let info = &self.funcs[f];
        if info.plain && info.span.size() <= MAX_INTERPRETED {
            Shape::Interpreted
        } else {
            Shape::Opaque
        }
    }

    /// `function d(i, …) { i = i - C; const s = source(); let v = s[i]; … }`.
    fn decoder_shape(&self, f: usize, stmts: &'a [Statement<'a>]) -> Option<Decoder> {
        let p0 = (*self.params_of(f).first()?)?;
        let Statement::ExpressionStatement(first) = stmts.first()? else {
            return None;
        };
        let Expression::AssignmentExpression(a) = first.expression.without_parentheses() else {
            return None;
        };
        if a.operator != AssignmentOperator::Assign || !target_is(&a.left, p0, self) {
            return None;
        }
        let Expression::BinaryExpression(b) = a.right.without_parentheses() else {
            return None;
        };
        if b.operator != BinaryOperator::Subtraction || !is_ident(&b.left, p0, self) {
            return None;
        }
        let offset = num(self.value_of(&b.right))?;
        let (mut local, mut array, mut indexed) = (None, None, false);
        let source = |e: &Expression<'a>| match e.without_parentheses() {
            Expression::Identifier(id) => self.symbol_of(id).and_then(|s| self.string_array(s)),
            _ => None,
        };
        for s in stmts.iter().skip(1).take(6) {
            let decls: &[VariableDeclarator<'a>] = match s {
                Statement::VariableDeclaration(v) => &v.declarations,
                Statement::ReturnStatement(r) => {
                    if let Some(Expression::ComputedMemberExpression(m)) =
                        r.argument.as_ref().map(|e| e.without_parentheses())
                    {
                        indexed |= is_ident(&m.expression, p0, self)
                            && local.is_some_and(|l| is_ident(&m.object, l, self));
                    }
                    continue;
                }
                _ => continue,
            };
            for decl in decls {
                let (Some(bound), Some(init)) = (binding_symbol(&decl.id), &decl.init) else {
                    continue;
                };
                match init.without_parentheses() {
                    Expression::CallExpression(c) if c.arguments.is_empty() => {
                        if let Some(arr) = source(&c.callee) {
                            (local, array) = (Some(bound), Some(arr));
                        }
                    }
                    Expression::ComputedMemberExpression(m)
                        if is_ident(&m.expression, p0, self) =>
                    {
                        if local.is_some_and(|l| is_ident(&m.object, l, self)) {
                            indexed = true;
                        } else if let Some(arr) = source(&m.object) {
                            (array, indexed) = (Some(arr), true);
                        }
                    }
                    other => {
                        if let Some(arr) = source(other) {
                            (local, array) = (Some(bound), Some(arr));
                        }
                    }
                }
            }
        }
        let array = array.filter(|_| indexed)?;
        let mut scan = SchemeScan::default();
        for s in stmts {
            scan.visit_statement(s);
        }
        let scheme = match scan.alphabet {
            None => Scheme::Plain,
            Some(t) if scan.xor => Scheme::Rc4(t),
            Some(t) => Scheme::Base64(t),
        };
        Some(Decoder {
            array,
            offset,
            scheme,
        })
    }

    /// A string array held by a symbol: a function whose first statement declares an array
    /// of string literals, or a variable initialised with one.
    fn string_array(&self, sym: SymbolId) -> Option<usize> {
        if let Some(a) = self.deobf.array_of_symbol.borrow().get(&sym) {
            return *a;
        }
        let literal = match (self.fn_by_symbol.get(&sym), self.inits.get(&sym)) {
            (Some(&f), _) => match self.funcs[f].body {
                FnBody::Block(b) => match b.statements.first() {
                    Some(Statement::VariableDeclaration(v)) => {
                        v.declarations.first().and_then(|d| d.init.as_ref())
                    }
                    _ => None,
                },
                FnBody::Expr(_) => None,
            },
            (None, Some(Init::Expr(e))) if !self.is_mutated(sym) => Some(*e),
            _ => None,
        };
        let items = literal.and_then(|e| match e.without_parentheses() {
            Expression::ArrayExpression(a)
                if !a.elements.is_empty() && a.elements.len() <= MAX_ARRAY_LEN =>
            {
                let mut bytes = 0;
                a.elements
                    .iter()
                    .map(|el| match el {
                        ArrayExpressionElement::StringLiteral(s) => {
                            bytes += s.value.len();
                            (bytes <= MAX_ARRAY_BYTES).then(|| (Rc::from(s.value.as_str()), s.span))
                        }
                        _ => None,
                    })
                    .collect::<Option<(Vec<Rc<str>>, Vec<oxc_span::Span>)>>()
            }
            _ => None,
        });
        let id = items.map(|(items, spans)| {
            let mut arrays = self.deobf.arrays.borrow_mut();
            arrays.push(Rc::new(StringArray {
                sym,
                items,
                spans,
                rotation: Cell::new(Rotation::Unknown),
                decoded: RefCell::default(),
            }));
            arrays.len() - 1
        });
        self.deobf.array_of_symbol.borrow_mut().insert(sym, id);
        id
    }

    fn decode_entry(&self, dec: Decoder, index: f64, key: Option<String>) -> Option<Decoded> {
        let arr = self.deobf.arrays.borrow().get(dec.array)?.clone();
        let rotation = self.rotation(&arr)?;
        let i = index - dec.offset;
        let n = arr.items.len();
        if i < 0.0 || i.fract() != 0.0 || i >= n as f64 {
            return None;
        }
        let orig = (i as usize + rotation) % n;
        let cache_key = (orig as u32, key);
        let cached = arr.decoded.borrow().get(&cache_key).cloned();
        let text = match cached {
            Some(t) => t,
            None => {
                let raw = &arr.items[orig];
                let t: Option<Rc<str>> = match dec.scheme {
                    Scheme::Plain => Some(raw.clone()),
                    Scheme::Base64(t) => decode_base64_with(raw, &t).map(Rc::from),
                    Scheme::Rc4(t) => decode_base64_with(raw, &t).and_then(|b| {
                        let data: Vec<u16> = b.encode_utf16().collect();
                        let key: Vec<u16> = cache_key.1.as_deref()?.encode_utf16().collect();
                        String::from_utf16(&rc4(&data, &key)?).ok().map(Rc::from)
                    }),
                };
                arr.decoded.borrow_mut().insert(cache_key, t.clone());
                t
            }
        }?;
        let encodings: Vec<Cow<'static, str>> = match dec.scheme {
            Scheme::Plain => vec!["string-array".into()],
            Scheme::Base64(_) => vec!["string-array".into(), "base64".into()],
            Scheme::Rc4(_) => vec!["string-array".into(), "rc4".into(), "base64".into()],
        };
        Some(Decoded::hidden(
            Val::Str(text.to_string()),
            encodings,
            arr.spans.get(orig).copied(),
        ))
    }

    /// How far the array is rotated before use: the number of `push(shift())` steps after
    /// which the checksum of its rotation loop equals the target. Searched once, over at most
    /// one full turn.
    fn rotation(&self, arr: &StringArray) -> Option<usize> {
        match arr.rotation.get() {
            Rotation::Trying(r) | Rotation::Fixed(r) => return Some(r),
            Rotation::Failed => return None,
            Rotation::Unknown => {}
        }
        let site = self.rotation_site(arr.sym);
        let Some(site) = site else {
            arr.rotation.set(Rotation::Fixed(0));
            return Some(0);
        };
        let result = site.and_then(|(checksum, target)| {
            self.deobf.rotating.set(self.deobf.rotating.get() + 1);
            let mut found = None;
            for r in 0..arr.items.len() {
                arr.rotation.set(Rotation::Trying(r));
                if self.deobf.budget.get() == 0 {
                    break;
                }
                if num(self.value_of(checksum)) == Some(target) {
                    found = Some(r);
                    break;
                }
            }
            self.deobf.rotating.set(self.deobf.rotating.get() - 1);
            found
        });
        arr.rotation
            .set(result.map_or(Rotation::Failed, Rotation::Fixed));
        result
    }

    /// The rotation loop of an array: an immediately called function given the array's
    /// source and a target, looping `try { const v = <checksum>; if (v === target) break; …
    /// } catch { x.push(x.shift()) }`. `None`: the array is never rotated; `Some(None)`: it
    /// is handed to such a function whose loop is not understood.
    fn rotation_site(&self, sym: SymbolId) -> Option<Option<Checksum<'a>>> {
        let call = self.calls.iter().find(|c| {
            crate::collect::function_start(c.callee).is_some()
                && matches!(c.args.first().and_then(|a| a.as_expression()), Some(e) if is_ident(e, sym, self))
        })?;
        let f = crate::collect::function_start(call.callee)
            .and_then(|s| self.fn_by_start.get(&s).copied())?;
        let FnBody::Block(body) = self.funcs[f].body else {
            return Some(None);
        };
        let target = call
            .args
            .get(1)
            .and_then(|a| a.as_expression())
            .and_then(|e| num(self.value_of(e)));
        let checksum = body.statements.iter().find_map(|s| {
            let Statement::WhileStatement(w) = s else {
                return None;
            };
            let Statement::BlockStatement(b) = &w.body else {
                return None;
            };
            let Some(Statement::TryStatement(t)) = b.body.first() else {
                return None;
            };
            let rotates = t
                .handler
                .as_ref()
                .is_some_and(|h| h.body.body.first().is_some_and(is_push_shift));
            let Some(Statement::VariableDeclaration(v)) = t.block.body.first() else {
                return None;
            };
            rotates.then(|| v.declarations.first()?.init.as_ref())?
        });
        Some(checksum.zip(target))
    }

    /// `for (let i = a; i < b; i++) o += String.fromCharCode(<code>); return o;` with only
    /// declarations besides.
    fn char_loop_shape(&self, stmts: &'a [Statement<'a>]) -> Option<CharLoop<'a>> {
        let (Statement::ReturnStatement(ret), rest) = stmts.split_last()? else {
            return None;
        };
        let Some(Expression::Identifier(acc)) =
            ret.argument.as_ref().map(|e| e.without_parentheses())
        else {
            return None;
        };
        let acc = self.symbol_of(acc)?;
        let mut found = None;
        for s in rest {
            match s {
                Statement::VariableDeclaration(_) => {}
                Statement::ForStatement(f) if found.is_none() => found = Some(f),
                _ => return None,
            }
        }
        let f = found?;
        let Some(ForStatementInit::VariableDeclaration(v)) = &f.init else {
            return None;
        };
        let [decl] = v.declarations.as_slice() else {
            return None;
        };
        let (index, start) = (binding_symbol(&decl.id)?, decl.init.as_ref()?);
        let Some(Expression::BinaryExpression(test)) =
            f.test.as_ref().map(|t| t.without_parentheses())
        else {
            return None;
        };
        if test.operator != BinaryOperator::LessThan || !is_ident(&test.left, index, self) {
            return None;
        }
        let steps = match f.update.as_ref()?.without_parentheses() {
            Expression::UpdateExpression(u) => {
                u.operator == UpdateOperator::Increment
                    && matches!(&u.argument, SimpleAssignmentTarget::AssignmentTargetIdentifier(id) if self.symbol_of(id) == Some(index))
            }
            _ => false,
        };
        let body = match &f.body {
            Statement::BlockStatement(b) => match b.body.as_slice() {
                [one] => one,
                _ => return None,
            },
            other => other,
        };
        let Statement::ExpressionStatement(es) = body else {
            return None;
        };
        let Expression::AssignmentExpression(a) = es.expression.without_parentheses() else {
            return None;
        };
        if !steps || !target_is(&a.left, acc, self) {
            return None;
        }
        let piece = match (a.operator, a.right.without_parentheses()) {
            (AssignmentOperator::Addition, p) => p,
            (AssignmentOperator::Assign, Expression::BinaryExpression(b))
                if b.operator == BinaryOperator::Addition && is_ident(&b.left, acc, self) =>
            {
                &b.right
            }
            _ => return None,
        };
        let Expression::CallExpression(c) = piece.without_parentheses() else {
            return None;
        };
        let Expression::StaticMemberExpression(m) = c.callee.without_parentheses() else {
            return None;
        };
        let [code] = c.arguments.as_slice() else {
            return None;
        };
        (m.property.name == "fromCharCode").then_some(CharLoop {
            index,
            start,
            bound: &test.right,
            piece,
            code: code.as_expression()?,
        })
    }

    fn run_char_loop(&self, l: &CharLoop<'a>, d: u32) -> Option<Decoded> {
        let start = num(self.value_at(l.start, d))?;
        let bound = num(self.value_at(l.bound, d))?;
        let count = bound - start;
        if count.is_nan() || count > MAX_LOOP_CHARS || start.fract() != 0.0 {
            return None;
        }
        self.deobf
            .env
            .borrow_mut()
            .push((l.index, Some(Decoded::plain(Val::Num(start)))));
        let technique = self.char_loop_technique(l.code, d);
        let mut out = String::new();
        let mut i = start;
        let mut ok = true;
        // Each character comes from the loop's input; the first one names its literal.
        let mut origin = None;
        while i < bound {
            if let Some(last) = self.deobf.env.borrow_mut().last_mut() {
                last.1 = Some(Decoded::plain(Val::Num(i)));
            }
            let piece = self.value_at(l.piece, d).filter(|_| self.deobf.spend(1));
            match piece.as_ref().and_then(|v| v.text()) {
                Some(t) => out.push_str(&t),
                None => {
                    ok = false;
                    break;
                }
            }
            origin = origin.or(piece.and_then(|v| v.origin));
            i += 1.0;
        }
        self.deobf.env.borrow_mut().pop();
        ok.then(|| Decoded::hidden(Val::Str(out), vec![technique], origin))
    }

    /// The name of a loop's transformation: `xor(0x2a)` or `shift(-3)` with a constant key,
    /// `xor` with a varying one.
    fn char_loop_technique(&self, code: &'a Expression<'a>, d: u32) -> Cow<'static, str> {
        let Expression::BinaryExpression(b) = code.without_parentheses() else {
            return "char-code loop".into();
        };
        let constant = |e: &'a Expression<'a>| match e.without_parentheses() {
            Expression::Identifier(_)
            | Expression::NumericLiteral(_)
            | Expression::UnaryExpression(_) => num(self.value_at(e, d)),
            _ => None,
        };
        let key = constant(&b.right).or_else(|| constant(&b.left));
        match (b.operator, key) {
            (BinaryOperator::BitwiseXOR, Some(k)) => format!("xor(0x{:x})", k as i64).into(),
            (BinaryOperator::BitwiseXOR, None) => "xor".into(),
            (BinaryOperator::Addition, Some(k)) => format!("shift({:+})", k as i64).into(),
            (BinaryOperator::Subtraction, Some(k)) => format!("shift({:+})", -(k as i64)).into(),
            _ => "char-code loop".into(),
        }
    }
}
