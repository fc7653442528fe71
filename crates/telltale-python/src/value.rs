//! Constant folding and decoding: what a Python expression evaluates to when it is built from
//! constants, and which encodings were undone on the way (outermost first). Strings assembled
//! from pieces (`'M' + 'TIxL' + …`, `''.join([...])`, `chr()` lists), `%`/`.format`/f-string
//! formatting, base64/32/16/85, hex, zlib, rot13, XOR, reversal, calls of the file's own
//! one-expression decoders and `acc += f(x)` loops over constants are evaluated.
//!
//! ```text
//! rip = 'M' + 'TIxL' + 'jQyL' + 'jIx' + 'N' + 'y4' + '0NA' + '=='
//! base64.b64decode(rip)          → "121.42.217.44", encodings [base64, split]
//! ''.join(chr(c ^ 7) for c in k) → text, encodings [char-codes, xor]
//! ```
//!
//! Also the *shape* of a value: its text with `*` for the parts not known statically
//! (`f"{h}.x.top"` → `*.x.top`, `os.path.join(Path.home(), ".ssh")` → `~/.ssh`), which says
//! where a request goes and which file a read opens.
//!
//! Bounded: [`EVAL_BUDGET`] steps per file, depth [`MAX_EVAL_DEPTH`], values of at most
//! [`MAX_TEXT`] bytes and [`MAX_ITEMS`] items.

use crate::decode;
use crate::{Analyzer, Binding, FnBody, ScopeId, Var};
use ruff_python_ast::{
    self as ast, Expr, InterpolatedStringElement, Number, Operator, Stmt, UnaryOp,
};
use ruff_text_size::Ranged;
use std::rc::Rc;
use telltale_knowledge::py_api::py_api;
use telltale_knowledge::vendors;

/// Evaluation steps one file may spend.
pub(crate) const EVAL_BUDGET: u32 = 400_000;
const MAX_EVAL_DEPTH: u32 = 40;
const MAX_TEXT: usize = decode::MAX_OUTPUT;
const MAX_ITEMS: usize = 65_536;
/// Shapes longer than this are cut (a shape is read for hosts and paths).
const MAX_SHAPE: usize = 4096;

/// A constant value.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum V {
    Str(String),
    Bytes(Vec<u8>),
    Int(i64),
    List(Vec<V>),
    None,
}

/// A constant and the encodings undone to get it, outermost first.
#[derive(Clone, Debug)]
pub(crate) struct Const {
    pub v: V,
    pub enc: Vec<&'static str>,
}

impl Const {
    pub(crate) fn new(v: V) -> Self {
        Const { v, enc: Vec::new() }
    }
    pub(crate) fn with(v: V, enc: Vec<&'static str>) -> Self {
        Const { v, enc }
    }
    /// The value as text: a string, or bytes that read as text.
    pub(crate) fn text(&self) -> Option<String> {
        match &self.v {
            V::Str(s) => Some(s.clone()),
            V::Bytes(b) => telltale_knowledge::strings::printable(b),
            _ => None,
        }
    }
    /// Undone by `technique` on top of what was already undone.
    fn wrapped(mut self, technique: &'static str) -> Self {
        self.enc.retain(|t| *t != technique);
        self.enc.insert(0, technique);
        self
    }
}

pub(crate) fn merge_enc(a: &mut Vec<&'static str>, b: &[&'static str]) {
    for t in b {
        if !a.contains(t) {
            a.push(t);
        }
    }
}

pub(crate) fn size(v: &V) -> usize {
    match v {
        V::Str(s) => s.len(),
        V::Bytes(b) => b.len(),
        V::List(l) => l.len(),
        _ => 1,
    }
}

/// Python's `a + b` of two constants (text, bytes, lists, numbers), bounded in size.
pub(crate) fn plus(mut a: Const, b: Const) -> Option<Const> {
    merge_enc(&mut a.enc, &b.enc);
    a.v = match (a.v, b.v) {
        (V::Str(x), V::Str(y)) => V::Str(x + &y),
        (V::Bytes(mut x), V::Bytes(y)) => {
            x.extend(y);
            V::Bytes(x)
        }
        (V::List(mut x), V::List(y)) => {
            x.extend(y);
            V::List(x)
        }
        (V::Int(x), V::Int(y)) => V::Int(x.checked_add(y)?),
        _ => return None,
    };
    (size(&a.v) <= MAX_TEXT).then_some(a)
}

pub(crate) fn bounded(v: V) -> Option<V> {
    let ok = match &v {
        V::Str(s) => s.len() <= MAX_TEXT,
        V::Bytes(b) => b.len() <= MAX_TEXT,
        V::List(l) => l.len() <= MAX_ITEMS,
        _ => true,
    };
    ok.then_some(v)
}

/// Bindings of loop and comprehension variables and of parameters, innermost last.
pub(crate) type Env<'a> = Vec<(&'a str, Const)>;

/// Text of bytes that are not UTF-8, byte for byte (what `decode('latin-1')` gives).
fn latin1(b: &[u8]) -> String {
    b.iter().map(|&c| c as char).collect()
}

pub(crate) fn as_items(v: &V) -> Option<Vec<V>> {
    Some(match v {
        V::List(l) => l.clone(),
        V::Str(s) => {
            if s.chars().count() > MAX_ITEMS {
                return None;
            }
            s.chars().map(|c| V::Str(c.to_string())).collect()
        }
        V::Bytes(b) => b.iter().map(|&c| V::Int(c as i64)).collect(),
        _ => return None,
    })
}

/// `%`-formatting of the common conversions (`%s`, `%d`, `%x`, `%012x`, `%c`, `%%`).
pub(crate) fn percent_format(fmt: &str, args: &[V]) -> Option<String> {
    let mut out = String::new();
    let mut it = fmt.chars().peekable();
    let mut next = args.iter();
    while let Some(c) = it.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut flags = String::new();
        while let Some(&f) = it.peek() {
            if "-+ 0#".contains(f) {
                flags.push(f);
                it.next();
            } else {
                break;
            }
        }
        let mut width = String::new();
        while let Some(&d) = it.peek().filter(|d| d.is_ascii_digit()) {
            width.push(d);
            it.next();
        }
        if it.peek() == Some(&'.') {
            it.next();
            while it.peek().is_some_and(|d| d.is_ascii_digit()) {
                it.next();
            }
        }
        let conv = it.next()?;
        let piece = match conv {
            '%' => "%".to_string(),
            's' | 'r' | 'a' => match next.next()? {
                V::Str(s) => s.clone(),
                V::Int(i) => i.to_string(),
                _ => return None,
            },
            'd' | 'i' | 'u' => match next.next()? {
                V::Int(i) => i.to_string(),
                _ => return None,
            },
            'x' | 'X' | 'o' => match next.next()? {
                V::Int(i) => match conv {
                    'x' => format!("{i:x}"),
                    'X' => format!("{i:X}"),
                    _ => format!("{i:o}"),
                },
                _ => return None,
            },
            'c' => match next.next()? {
                V::Int(i) => char::from_u32(u32::try_from(*i).ok()?)?.to_string(),
                V::Str(s) => s.clone(),
                _ => return None,
            },
            _ => return None,
        };
        let w: usize = width.parse().unwrap_or(0).min(4096);
        let pad = w.saturating_sub(piece.chars().count());
        if flags.contains('-') {
            out.push_str(&piece);
            out.extend(std::iter::repeat_n(' ', pad));
        } else {
            out.extend(std::iter::repeat_n(
                if flags.contains('0') { '0' } else { ' ' },
                pad,
            ));
            out.push_str(&piece);
        }
    }
    Some(out)
}

/// `str.format` with `{}`, `{0}` and `{name}` fields (format specs ignored).
pub(crate) fn brace_format(
    fmt: &str,
    args: &[String],
    named: &[(String, String)],
) -> Option<String> {
    let mut out = String::new();
    let mut auto = 0;
    let mut it = fmt.chars().peekable();
    while let Some(c) = it.next() {
        match c {
            '{' if it.peek() == Some(&'{') => {
                it.next();
                out.push('{');
            }
            '}' if it.peek() == Some(&'}') => {
                it.next();
                out.push('}');
            }
            '{' => {
                let mut field = String::new();
                for f in it.by_ref() {
                    if f == '}' {
                        break;
                    }
                    field.push(f);
                }
                let name = field.split([':', '!']).next().unwrap_or("");
                let v = if name.is_empty() {
                    auto += 1;
                    args.get(auto - 1)?
                } else if let Ok(i) = name.parse::<usize>() {
                    args.get(i)?
                } else {
                    &named.iter().find(|(n, _)| n == name)?.1
                };
                out.push_str(v);
            }
            c => out.push(c),
        }
    }
    Some(out)
}

pub(crate) fn int_op(op: Operator, a: i64, b: i64) -> Option<i64> {
    Some(match op {
        Operator::Add => a.checked_add(b)?,
        Operator::Sub => a.checked_sub(b)?,
        Operator::Mult => a.checked_mul(b)?,
        Operator::FloorDiv => a.checked_div_euclid(b)?,
        Operator::Mod => a.checked_rem_euclid(b)?,
        Operator::BitXor => a ^ b,
        Operator::BitAnd => a & b,
        Operator::BitOr => a | b,
        Operator::LShift => a.checked_shl(u32::try_from(b).ok()?)?,
        Operator::RShift => a.checked_shr(u32::try_from(b).ok()?)?,
        Operator::Pow => a.checked_pow(u32::try_from(b).ok()?)?,
        _ => return None,
    })
}

/// Python indexing with negative indices.
pub(crate) fn index(len: usize, i: i64) -> Option<usize> {
    let i = if i < 0 { len as i64 + i } else { i };
    (0..len as i64).contains(&i).then_some(i as usize)
}

/// Python slicing `[lo:hi:step]` over `len` items: the indices taken.
fn slice_indices(
    len: usize,
    lo: Option<i64>,
    hi: Option<i64>,
    step: Option<i64>,
) -> Option<Vec<usize>> {
    let step = step.unwrap_or(1);
    if step == 0 {
        return None;
    }
    let n = len as i64;
    let clamp = |v: i64, lo_b: i64, hi_b: i64| {
        if v < 0 {
            (v + n).max(lo_b)
        } else {
            v.min(hi_b)
        }
    };
    let mut out = Vec::new();
    if step > 0 {
        let (a, b) = (
            lo.map_or(0, |v| clamp(v, 0, n)),
            hi.map_or(n, |v| clamp(v, 0, n)),
        );
        let mut i = a;
        while i < b {
            out.push(i as usize);
            i += step;
        }
    } else {
        let (a, b) = (
            lo.map_or(n - 1, |v| clamp(v, -1, n - 1)),
            hi.map_or(-1, |v| clamp(v, -1, n - 1)),
        );
        let mut i = a;
        while i > b {
            out.push(i as usize);
            i += step;
        }
    }
    Some(out)
}

/// The leaves of an `a + b + c` chain, left to right (the chain nests to the left; a
/// parenthesised `a + (b + c)` on the right stays one leaf).
fn add_leaves<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) -> bool {
    let mut cur = e;
    while let Expr::BinOp(b) = cur {
        if b.op != Operator::Add || out.len() >= MAX_ITEMS {
            break;
        }
        out.push(&b.right);
        cur = &b.left;
    }
    out.push(cur);
    out.reverse();
    out.len() < MAX_ITEMS
}

/// Whether pieces of literal text join inside a word (`'G' + 'ET'`): splitting a word only
/// hides it, nobody writes prose that way.
fn splits_a_word(pieces: &[String]) -> bool {
    pieces.len() >= 3
        && pieces.windows(2).any(|w| {
            w[0].chars()
                .last()
                .is_some_and(|c| c.is_ascii_alphanumeric())
                && w[1]
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphanumeric())
        })
}

/// A piece of an f-string: literal text, or an interpolation (`{expr}`).
pub(crate) enum FPiece<'a> {
    Text(&'a str),
    Value(&'a ast::InterpolatedElement),
}

/// The pieces of an f-string in order, across implicitly concatenated parts.
pub(crate) fn fstring_pieces(f: &ast::ExprFString) -> Vec<FPiece<'_>> {
    let mut out = Vec::new();
    for part in f.value.iter() {
        match part {
            ast::FStringPart::Literal(l) => out.push(FPiece::Text(&l.value)),
            ast::FStringPart::FString(fs) => out.extend(fs.elements.iter().map(|el| match el {
                InterpolatedStringElement::Literal(l) => FPiece::Text(&l.value),
                InterpolatedStringElement::Interpolation(i) => FPiece::Value(i),
            })),
        }
    }
    out
}

/// The text of an f-string with `*` for its interpolations, when it has literal text.
pub(crate) fn fstring_literal_shape(f: &ast::ExprFString) -> Option<String> {
    let pieces = fstring_pieces(f);
    pieces
        .iter()
        .any(|p| matches!(p, FPiece::Text(_)))
        .then(|| {
            pieces
                .iter()
                .map(|p| match p {
                    FPiece::Text(t) => *t,
                    FPiece::Value(_) => "*",
                })
                .collect()
        })
}

impl<'a> Analyzer<'a> {
    /// The constant an expression evaluates to, if any.
    pub(crate) fn value_of(&self, e: &'a Expr, scope: ScopeId) -> Option<Const> {
        self.eval(e, scope, &mut Vec::new(), 0)
    }

    /// The constant a call evaluates to, if any.
    pub(crate) fn eval_call_value(&self, c: &'a ast::ExprCall, scope: ScopeId) -> Option<Const> {
        self.eval_call(c, scope, &mut Vec::new(), 0)
    }

    pub(crate) fn spend(&self, n: u32) -> bool {
        let left = self.eval_budget.get();
        if left < n {
            self.eval_budget.set(0);
            return false;
        }
        self.eval_budget.set(left - n);
        true
    }

    pub(crate) fn eval(
        &self,
        e: &'a Expr,
        scope: ScopeId,
        env: &mut Env<'a>,
        depth: u32,
    ) -> Option<Const> {
        if depth > MAX_EVAL_DEPTH || !self.spend(1) {
            return None;
        }
        let d = depth + 1;
        let c = match e {
            Expr::StringLiteral(s) => Const::new(V::Str(s.value.to_str().to_string())),
            Expr::BytesLiteral(b) => Const::new(V::Bytes(b.value.bytes().collect())),
            Expr::NumberLiteral(n) => match &n.value {
                Number::Int(i) => Const::new(V::Int(i.as_i64()?)),
                _ => return None,
            },
            Expr::BooleanLiteral(b) => Const::new(V::Int(b.value as i64)),
            Expr::NoneLiteral(_) => Const::new(V::None),
            Expr::FString(f) => {
                let mut out = String::new();
                let mut enc = Vec::new();
                for piece in fstring_pieces(f) {
                    match piece {
                        FPiece::Text(t) => out.push_str(t),
                        FPiece::Value(i) => {
                            if i.format_spec.is_some() {
                                return None;
                            }
                            let v = self.eval(&i.expression, scope, env, d)?;
                            merge_enc(&mut enc, &v.enc);
                            match v.v {
                                V::Str(s) => out.push_str(&s),
                                V::Int(n) => out.push_str(&n.to_string()),
                                _ => return None,
                            }
                        }
                    }
                    if out.len() > MAX_TEXT {
                        return None;
                    }
                }
                Const::with(V::Str(out), enc)
            }
            Expr::List(ast::ExprList { elts, .. })
            | Expr::Tuple(ast::ExprTuple { elts, .. })
            | Expr::Set(ast::ExprSet { elts, .. }) => {
                if elts.len() > MAX_ITEMS || !self.spend(elts.len() as u32) {
                    return None;
                }
                let mut items = Vec::with_capacity(elts.len());
                let mut enc = Vec::new();
                for x in elts {
                    let v = self.eval(x, scope, env, d)?;
                    merge_enc(&mut enc, &v.enc);
                    items.push(v.v);
                }
                Const::with(V::List(items), enc)
            }
            Expr::BinOp(b) if b.op == Operator::Add => self.eval_concat(e, scope, env, d)?,
            Expr::BinOp(b) => {
                let l = self.eval(&b.left, scope, env, d)?;
                let r = self.eval(&b.right, scope, env, d)?;
                let mut enc = l.enc.clone();
                merge_enc(&mut enc, &r.enc);
                let v = match (b.op, &l.v, &r.v) {
                    (Operator::Mod, V::Str(f), args) => {
                        let args = match args {
                            V::List(items) => items.clone(),
                            other => vec![other.clone()],
                        };
                        V::Str(percent_format(f, &args)?)
                    }
                    (Operator::Mult, V::Str(s), V::Int(n))
                    | (Operator::Mult, V::Int(n), V::Str(s)) => {
                        let n = usize::try_from(*n).unwrap_or(0);
                        if s.len().saturating_mul(n) > MAX_TEXT {
                            return None;
                        }
                        V::Str(s.repeat(n))
                    }
                    (op, V::Int(x), V::Int(y)) => {
                        if op == Operator::BitXor {
                            merge_enc(&mut enc, &["xor"]);
                        }
                        V::Int(int_op(op, *x, *y)?)
                    }
                    _ => return None,
                };
                Const::with(v, enc)
            }
            Expr::UnaryOp(u) => {
                let v = self.eval(&u.operand, scope, env, d)?;
                match (u.op, v.v) {
                    (UnaryOp::USub, V::Int(i)) => Const::with(V::Int(i.checked_neg()?), v.enc),
                    (UnaryOp::UAdd, V::Int(i)) => Const::with(V::Int(i), v.enc),
                    (UnaryOp::Invert, V::Int(i)) => Const::with(V::Int(!i), v.enc),
                    _ => return None,
                }
            }
            Expr::Name(n) => {
                let name = n.id.as_str();
                if let Some((_, v)) = env.iter().rev().find(|(k, _)| *k == name) {
                    return Some(v.clone());
                }
                self.eval_var(e, scope, d)?
            }
            Expr::Attribute(_) => self.eval_var(e, scope, d)?,
            Expr::Subscript(s) => self.eval_subscript(s, scope, env, d)?,
            Expr::Call(c) => self.eval_call(c, scope, env, d)?,
            Expr::ListComp(c) => self.eval_comprehension(&c.elt, &c.generators, scope, env, d)?,
            Expr::Generator(c) => self.eval_comprehension(&c.elt, &c.generators, scope, env, d)?,
            Expr::Named(n) => self.eval(&n.value, scope, env, d)?,
            _ => return None,
        };
        bounded(c.v).map(|v| Const { v, enc: c.enc })
    }

    /// `a + b + …`: strings, bytes, lists or numbers; split strings are marked.
    fn eval_concat(&self, e: &'a Expr, scope: ScopeId, env: &mut Env<'a>, d: u32) -> Option<Const> {
        let mut leaves = Vec::new();
        if !add_leaves(e, &mut leaves) || !self.spend(leaves.len() as u32) {
            return None;
        }
        let mut acc: Option<Const> = None;
        let mut literal_pieces = Vec::new();
        let mut all_literal = true;
        for leaf in &leaves {
            let v = self.eval(leaf, scope, env, d)?;
            match (leaf, &v.v) {
                (Expr::StringLiteral(_), V::Str(s)) => literal_pieces.push(s.clone()),
                _ => all_literal = false,
            }
            acc = Some(match acc {
                None => v,
                Some(a) => plus(a, v)?,
            });
        }
        let mut c = acc?;
        if all_literal && splits_a_word(&literal_pieces) {
            merge_enc(&mut c.enc, &["split"]);
        }
        Some(c)
    }

    /// The constant value of a variable at the point `e` reads it: the latest assignment
    /// before it in the same scope, the last one from another scope, or a simple
    /// accumulation loop (`acc = ''` then `for x in k: acc += f(x)`).
    fn eval_var(&self, e: &'a Expr, scope: ScopeId, d: u32) -> Option<Const> {
        let var = self.var_of(e, scope)?;
        self.var_value(var, scope, e.start(), d)
    }

    /// The constant value of `var` read in `scope` at offset `use_at` (see [`Self::eval_var`]).
    pub(crate) fn var_value(
        &self,
        var: Var<'a>,
        scope: ScopeId,
        use_at: ruff_text_size::TextSize,
        d: u32,
    ) -> Option<Const> {
        let bs = self.bindings_of(var);
        if bs.is_empty() {
            return None;
        }
        let same_scope = matches!(var, Var::Name(s, _) if s == scope);
        let mut chosen = None;
        let mut aug = None;
        // Bindings are in source order.
        for b in bs {
            match b {
                // In the use's scope, the latest before it; read from elsewhere, the last.
                Binding::Assign { stmt, .. } if !same_scope || stmt.end() <= use_at => {
                    chosen = Some(b)
                }
                Binding::Assign { .. } => {}
                Binding::Aug {
                    in_for: Some(_),
                    op: Operator::Add,
                    ..
                } if aug.is_none() => aug = Some(b),
                _ => return None,
            }
        }
        if let Some(Binding::Aug {
            value,
            scope: s,
            in_for: Some(f),
            stmt,
            ..
        }) = aug
        {
            let Some(Binding::Assign {
                value: init,
                scope: is,
                stmt: istmt,
            }) = chosen
            else {
                return None;
            };
            // The loop runs after the initial value and before the use.
            if !(istmt.end() <= f.start() && (!same_scope || stmt.end() <= use_at)) {
                return None;
            }
            return self.accumulate(init, *is, f, value, *s, d);
        }
        match chosen? {
            Binding::Assign {
                value, scope: s, ..
            } => self.eval(value, *s, &mut Vec::new(), d),
            _ => None,
        }
    }

    /// `acc = init; for target in iter: acc += value` run over a constant `iter`.
    fn accumulate(
        &self,
        init: &'a Expr,
        init_scope: ScopeId,
        f: &'a ast::StmtFor,
        value: &'a Expr,
        scope: ScopeId,
        d: u32,
    ) -> Option<Const> {
        let mut acc = self.eval(init, init_scope, &mut Vec::new(), d)?;
        let mut env: Env<'a> = Vec::new();
        let items = self.eval(&f.iter, scope, &mut env, d)?;
        merge_enc(&mut acc.enc, &items.enc);
        let list = as_items(&items.v)?;
        if !self.spend(list.len() as u32) {
            return None;
        }
        for item in list {
            let mark = env.len();
            if !bind_target(&f.target, item, &mut env) {
                return None;
            }
            let v = self.eval(value, scope, &mut env, d)?;
            env.truncate(mark);
            acc = plus(acc, v)?;
        }
        Some(acc)
    }

    fn eval_subscript(
        &self,
        s: &'a ast::ExprSubscript,
        scope: ScopeId,
        env: &mut Env<'a>,
        d: u32,
    ) -> Option<Const> {
        let base = self.eval(&s.value, scope, env, d)?;
        let int =
            |this: &Self, x: &'a Option<Box<Expr>>, env: &mut Env<'a>| -> Option<Option<i64>> {
                match x.as_deref() {
                    None => Some(None),
                    Some(e) => match this.eval(e, scope, env, d)?.v {
                        V::Int(i) => Some(Some(i)),
                        _ => None,
                    },
                }
            };
        if let Expr::Slice(sl) = &*s.slice {
            let (lo, hi, step) = (
                int(self, &sl.lower, env)?,
                int(self, &sl.upper, env)?,
                int(self, &sl.step, env)?,
            );
            let mut enc = base.enc.clone();
            if step.is_some_and(|s| s < 0) && matches!(base.v, V::Str(_) | V::Bytes(_)) {
                merge_enc(&mut enc, &["reverse"]);
            }
            let v = match &base.v {
                V::Str(t) => {
                    let chars: Vec<char> = t.chars().collect();
                    V::Str(
                        slice_indices(chars.len(), lo, hi, step)?
                            .into_iter()
                            .map(|i| chars[i])
                            .collect(),
                    )
                }
                V::Bytes(b) => V::Bytes(
                    slice_indices(b.len(), lo, hi, step)?
                        .into_iter()
                        .map(|i| b[i])
                        .collect(),
                ),
                V::List(l) => V::List(
                    slice_indices(l.len(), lo, hi, step)?
                        .into_iter()
                        .map(|i| l[i].clone())
                        .collect(),
                ),
                _ => return None,
            };
            return Some(Const::with(v, enc));
        }
        let i = match self.eval(&s.slice, scope, env, d)?.v {
            V::Int(i) => i,
            _ => return None,
        };
        let v = match &base.v {
            V::Str(t) => {
                let chars: Vec<char> = t.chars().collect();
                V::Str(chars[index(chars.len(), i)?].to_string())
            }
            V::Bytes(b) => V::Int(b[index(b.len(), i)?] as i64),
            V::List(l) => l[index(l.len(), i)?].clone(),
            _ => return None,
        };
        Some(Const::with(v, base.enc))
    }

    /// `[elt for target in iter if cond]` with one generator over a constant.
    fn eval_comprehension(
        &self,
        elt: &'a Expr,
        gens: &'a [ast::Comprehension],
        scope: ScopeId,
        env: &mut Env<'a>,
        d: u32,
    ) -> Option<Const> {
        let [g] = gens else { return None };
        let items = self.eval(&g.iter, scope, env, d)?;
        let list = as_items(&items.v)?;
        if !self.spend(list.len() as u32) {
            return None;
        }
        let mut enc = items.enc.clone();
        let mut out = Vec::with_capacity(list.len());
        for item in list {
            let mark = env.len();
            if !bind_target(&g.target, item, env) {
                return None;
            }
            let mut keep = true;
            for cond in &g.ifs {
                match self.eval(cond, scope, env, d)?.v {
                    V::Int(0) | V::None => keep = false,
                    V::Str(s) if s.is_empty() => keep = false,
                    _ => {}
                }
            }
            if keep {
                let v = self.eval(elt, scope, env, d)?;
                merge_enc(&mut enc, &v.enc);
                out.push(v.v);
            }
            env.truncate(mark);
        }
        Some(Const::with(V::List(out), enc))
    }

    fn eval_call(
        &self,
        c: &'a ast::ExprCall,
        scope: ScopeId,
        env: &mut Env<'a>,
        d: u32,
    ) -> Option<Const> {
        let args = &c.arguments.args;
        let arg = |i: usize, env: &mut Env<'a>| -> Option<Const> {
            self.eval(args.get(i)?, scope, env, d)
        };
        let path = match &*c.func {
            // A method of a constant (`"…".join(…)`, `b"…".decode()`) is no API path.
            Expr::Attribute(a) if !matches!(&*a.value, Expr::Name(_) | Expr::Attribute(_)) => None,
            f => self.path_of(f, scope),
        };
        let api = py_api();
        if let Some(p) = path.as_deref() {
            if let Some(t) = api.decoder(p) {
                let input = arg(0, env)?;
                let bytes = match &input.v {
                    V::Str(s) => s.as_bytes().to_vec(),
                    V::Bytes(b) => b.clone(),
                    _ => return None,
                };
                return Some(
                    Const::with(V::Bytes(decode::decode(t, &bytes)?), input.enc).wrapped(t),
                );
            }
            match p {
                "codecs.decode" | "codecs.encode" => {
                    let input = arg(0, env)?;
                    let codec = match arg(1, env).map(|c| c.v) {
                        Some(V::Str(s)) => s,
                        None => "utf-8".to_string(),
                        _ => return None,
                    };
                    return match (decode::codec_technique(&codec), input.v) {
                        (Some("rot13"), V::Str(s)) => Some(
                            Const::with(
                                V::Str(latin1(&decode::decode("rot13", s.as_bytes())?)),
                                input.enc,
                            )
                            .wrapped("rot13"),
                        ),
                        (Some(t), v) if p == "codecs.decode" => {
                            let bytes = match v {
                                V::Str(s) => s.into_bytes(),
                                V::Bytes(b) => b,
                                _ => return None,
                            };
                            Some(
                                Const::with(V::Bytes(decode::decode(t, &bytes)?), input.enc)
                                    .wrapped(t),
                            )
                        }
                        (None, V::Bytes(b)) if p == "codecs.decode" => {
                            Some(Const::with(V::Str(String::from_utf8(b).ok()?), input.enc))
                        }
                        (None, V::Str(s)) if p == "codecs.encode" => {
                            Some(Const::with(V::Bytes(s.into_bytes()), input.enc))
                        }
                        _ => None,
                    };
                }
                "chr" => {
                    let v = arg(0, env)?;
                    let V::Int(i) = v.v else { return None };
                    let ch = char::from_u32(u32::try_from(i).ok()?)?;
                    return Some(Const::with(V::Str(ch.to_string()), v.enc).wrapped("char-codes"));
                }
                "ord" => {
                    let v = arg(0, env)?;
                    let V::Str(s) = &v.v else { return None };
                    let mut cs = s.chars();
                    let (Some(ch), None) = (cs.next(), cs.next()) else {
                        return None;
                    };
                    return Some(Const::with(V::Int(ch as i64), v.enc));
                }
                "len" => {
                    let v = arg(0, env)?;
                    let n = match &v.v {
                        V::Str(s) => s.chars().count(),
                        V::Bytes(b) => b.len(),
                        V::List(l) => l.len(),
                        _ => return None,
                    };
                    return Some(Const::with(V::Int(n as i64), v.enc));
                }
                "str" => {
                    let v = arg(0, env)?;
                    return Some(match v.v {
                        V::Str(_) => v,
                        V::Int(i) => Const::with(V::Str(i.to_string()), v.enc),
                        V::Bytes(b) if args.len() > 1 => {
                            Const::with(V::Str(String::from_utf8(b).ok()?), v.enc)
                        }
                        _ => return None,
                    });
                }
                "int" => {
                    let v = arg(0, env)?;
                    let base = match arg(1, env).map(|b| b.v) {
                        Some(V::Int(b)) => {
                            u32::try_from(b).ok().filter(|b| (2..=36).contains(b))?
                        }
                        None => 10,
                        _ => return None,
                    };
                    return match &v.v {
                        V::Str(s) => Some(Const::with(
                            V::Int(i64::from_str_radix(s.trim(), base).ok()?),
                            v.enc,
                        )),
                        V::Int(_) => Some(v),
                        _ => None,
                    };
                }
                "bytes" | "bytearray" => {
                    let v = arg(0, env)?;
                    return Some(match v.v {
                        V::Str(s) => Const::with(V::Bytes(s.into_bytes()), v.enc),
                        V::Bytes(_) => v,
                        V::List(items) => {
                            let bytes: Option<Vec<u8>> = items
                                .iter()
                                .map(|i| {
                                    if let V::Int(n) = i {
                                        u8::try_from(*n).ok()
                                    } else {
                                        None
                                    }
                                })
                                .collect();
                            Const::with(V::Bytes(bytes?), v.enc)
                        }
                        _ => return None,
                    });
                }
                "list" | "tuple" => {
                    let v = arg(0, env)?;
                    return Some(Const::with(V::List(as_items(&v.v)?), v.enc));
                }
                "reversed" => {
                    let v = arg(0, env)?;
                    let mut items = as_items(&v.v)?;
                    items.reverse();
                    // Reversing text hides it; reversing a list of words is ordinary.
                    let text = matches!(v.v, V::Str(_) | V::Bytes(_));
                    let c = Const::with(V::List(items), v.enc);
                    return Some(if text { c.wrapped("reverse") } else { c });
                }
                "range" => {
                    let nums: Option<Vec<i64>> = (0..args.len().min(3))
                        .map(|i| {
                            if let V::Int(n) = arg(i, env)?.v {
                                Some(n)
                            } else {
                                None
                            }
                        })
                        .collect();
                    let nums = nums?;
                    let (lo, hi, step) = match nums.as_slice() {
                        [hi] => (0, *hi, 1),
                        [lo, hi] => (*lo, *hi, 1),
                        [lo, hi, step] if *step != 0 => (*lo, *hi, *step),
                        _ => return None,
                    };
                    let count = if step > 0 {
                        (hi - lo).max(0) / step
                    } else {
                        (lo - hi).max(0) / -step
                    };
                    if count as usize > MAX_ITEMS {
                        return None;
                    }
                    let mut out = Vec::new();
                    let mut i = lo;
                    while (step > 0 && i < hi) || (step < 0 && i > hi) {
                        out.push(V::Int(i));
                        i += step;
                    }
                    return Some(Const::new(V::List(out)));
                }
                "enumerate" => {
                    let v = arg(0, env)?;
                    let items = as_items(&v.v)?;
                    return Some(Const::with(
                        V::List(
                            items
                                .into_iter()
                                .enumerate()
                                .map(|(i, x)| V::List(vec![V::Int(i as i64), x]))
                                .collect(),
                        ),
                        v.enc,
                    ));
                }
                "zip" => {
                    let a = arg(0, env)?;
                    let b = arg(1, env)?;
                    let (xs, ys) = (as_items(&a.v)?, as_items(&b.v)?);
                    let mut enc = a.enc;
                    merge_enc(&mut enc, &b.enc);
                    return Some(Const::with(
                        V::List(
                            xs.into_iter()
                                .zip(ys)
                                .map(|(x, y)| V::List(vec![x, y]))
                                .collect(),
                        ),
                        enc,
                    ));
                }
                "map" => {
                    // `map(chr, codes)`, `map(ord, text)`.
                    let f = self.path_of(args.first()?, scope);
                    let v = arg(1, env)?;
                    let items = as_items(&v.v)?;
                    let mapped: Option<Vec<V>> = match f.as_deref() {
                        Some("chr") => items
                            .iter()
                            .map(|i| {
                                if let V::Int(n) = i {
                                    char::from_u32(u32::try_from(*n).ok()?)
                                        .map(|c| V::Str(c.to_string()))
                                } else {
                                    None
                                }
                            })
                            .collect(),
                        Some("ord") => items
                            .iter()
                            .map(|i| {
                                if let V::Str(s) = i {
                                    s.chars().next().map(|c| V::Int(c as i64))
                                } else {
                                    None
                                }
                            })
                            .collect(),
                        Some("str") => items
                            .iter()
                            .map(|i| {
                                if let V::Int(n) = i {
                                    Some(V::Str(n.to_string()))
                                } else {
                                    Some(i.clone())
                                }
                            })
                            .collect(),
                        _ => None,
                    };
                    let c = Const::with(V::List(mapped?), v.enc);
                    return Some(if f.as_deref() == Some("chr") {
                        c.wrapped("char-codes")
                    } else {
                        c
                    });
                }
                _ => {}
            }
        }
        if let Expr::Attribute(a) = &*c.func {
            if let Some(v) = self.eval_method(a, c, scope, env, d) {
                return Some(v);
            }
        }
        self.eval_local_call(c, scope, env, d)
    }

    /// Methods of constant strings and bytes.
    fn eval_method(
        &self,
        a: &'a ast::ExprAttribute,
        c: &'a ast::ExprCall,
        scope: ScopeId,
        env: &mut Env<'a>,
        d: u32,
    ) -> Option<Const> {
        let obj = self.eval(&a.value, scope, env, d)?;
        let args = &c.arguments.args;
        let mut strs = Vec::new();
        let mut enc = obj.enc.clone();
        for x in args.iter() {
            let v = self.eval(x, scope, env, d)?;
            merge_enc(&mut enc, &v.enc);
            strs.push(v.v);
        }
        let s_arg = |i: usize| match strs.get(i) {
            Some(V::Str(s)) => Some(s.as_str()),
            _ => None,
        };
        let m = a.attr.as_str();
        let v = match (&obj.v, m) {
            (V::Bytes(b), "decode") => match s_arg(0).and_then(decode::codec_technique) {
                Some(t) => {
                    return Some(Const::with(V::Bytes(decode::decode(t, b)?), enc).wrapped(t))
                }
                None => V::Str(String::from_utf8(b.clone()).unwrap_or_else(|_| latin1(b))),
            },
            // Python 2: `"…".decode("base64")`, `"…".decode("hex")`.
            (V::Str(s), "decode") => match s_arg(0).and_then(decode::codec_technique) {
                Some(t) => {
                    return Some(
                        Const::with(V::Bytes(decode::decode(t, s.as_bytes())?), enc).wrapped(t),
                    )
                }
                None => V::Str(s.clone()),
            },
            (V::Str(s), "encode") => match s_arg(0).and_then(decode::codec_technique) {
                Some("rot13") => {
                    return Some(
                        Const::with(V::Str(latin1(&decode::decode("rot13", s.as_bytes())?)), enc)
                            .wrapped("rot13"),
                    )
                }
                Some(_) => return None,
                None => V::Bytes(s.clone().into_bytes()),
            },
            (V::Str(sep), "join") => {
                let items = as_items(strs.first()?)?;
                let parts: Option<Vec<String>> = items
                    .into_iter()
                    .map(|i| if let V::Str(s) = i { Some(s) } else { None })
                    .collect();
                let parts = parts?;
                if sep.is_empty() && matches!(args.first(), Some(Expr::List(_) | Expr::Tuple(_))) {
                    // `''.join(['ht', 'tp', …])` of literals.
                    let literal = args.first().is_some_and(|l| match l {
                        Expr::List(l) => l.elts.iter().all(|x| matches!(x, Expr::StringLiteral(_))),
                        Expr::Tuple(t) => {
                            t.elts.iter().all(|x| matches!(x, Expr::StringLiteral(_)))
                        }
                        _ => false,
                    });
                    if literal && splits_a_word(&parts) {
                        merge_enc(&mut enc, &["split"]);
                    }
                }
                V::Str(parts.join(sep))
            }
            (V::Bytes(sep), "join") => {
                let items = as_items(strs.first()?)?;
                let mut out = Vec::new();
                for (i, it) in items.into_iter().enumerate() {
                    if i > 0 {
                        out.extend_from_slice(sep);
                    }
                    let V::Bytes(b) = it else { return None };
                    out.extend(b);
                }
                V::Bytes(out)
            }
            (V::Str(s), "replace") => V::Str(s.replace(s_arg(0)?, s_arg(1)?)),
            (V::Str(s), "strip" | "lstrip" | "rstrip") => {
                let set: Vec<char> = s_arg(0).map(|c| c.chars().collect()).unwrap_or_default();
                let pred = |c: char| {
                    if set.is_empty() {
                        c.is_whitespace()
                    } else {
                        set.contains(&c)
                    }
                };
                V::Str(
                    match m {
                        "strip" => s.trim_matches(pred),
                        "lstrip" => s.trim_start_matches(pred),
                        _ => s.trim_end_matches(pred),
                    }
                    .to_string(),
                )
            }
            (V::Str(s), "upper") => V::Str(s.to_uppercase()),
            (V::Str(s), "lower") => V::Str(s.to_lowercase()),
            (V::Str(s), "split") => V::List(match s_arg(0) {
                Some(sep) if !sep.is_empty() => {
                    s.split(sep).map(|p| V::Str(p.to_string())).collect()
                }
                _ => s
                    .split_whitespace()
                    .map(|p| V::Str(p.to_string()))
                    .collect(),
            }),
            (V::Str(s), "format") => {
                let texts: Option<Vec<String>> = strs
                    .iter()
                    .map(|v| match v {
                        V::Str(t) => Some(t.clone()),
                        V::Int(i) => Some(i.to_string()),
                        _ => None,
                    })
                    .collect();
                let mut named = Vec::new();
                for k in &c.arguments.keywords {
                    let name = k.arg.as_ref()?.as_str().to_string();
                    let v = self.eval(&k.value, scope, env, d)?;
                    merge_enc(&mut enc, &v.enc);
                    named.push((
                        name,
                        match v.v {
                            V::Str(t) => t,
                            V::Int(i) => i.to_string(),
                            _ => return None,
                        },
                    ));
                }
                V::Str(brace_format(s, &texts?, &named)?)
            }
            (V::Bytes(b), "hex") => V::Str(b.iter().map(|x| format!("{x:02x}")).collect()),
            _ => return None,
        };
        Some(Const::with(v, enc))
    }

    /// A call of the file's own function whose body returns one expression: the expression
    /// with the parameters bound to the constant arguments (wrappers and small decoders).
    fn eval_local_call(
        &self,
        c: &'a ast::ExprCall,
        scope: ScopeId,
        env: &mut Env<'a>,
        d: u32,
    ) -> Option<Const> {
        let (f, skip) = self.local_callee(&c.func, scope)?;
        let func = &self.funcs[f];
        if skip > 0 {
            return None;
        }
        let ret = match func.body {
            FnBody::Expr(e) => e,
            FnBody::Block(stmts) => match statements_of(stmts) {
                [Stmt::Return(r)] => r.value.as_deref()?,
                _ => {
                    // A body of statements: run it.
                    let mut args = Vec::with_capacity(c.arguments.args.len());
                    for a in &c.arguments.args {
                        args.push(self.eval(a, scope, env, d)?);
                    }
                    let mut keywords = Vec::with_capacity(c.arguments.keywords.len());
                    for k in &c.arguments.keywords {
                        keywords.push((
                            k.arg.as_ref()?.as_str(),
                            self.eval(&k.value, scope, env, d)?,
                        ));
                    }
                    return self.run_function(f, args, keywords, d);
                }
            },
        };
        let mut inner: Env<'a> = Vec::new();
        for (i, a) in c.arguments.args.iter().enumerate() {
            let p = *func.params.get(i)?;
            inner.push((p, self.eval(a, scope, env, d)?));
        }
        for k in &c.arguments.keywords {
            let name = k.arg.as_ref()?.as_str();
            let p = *func.params.iter().find(|p| **p == name)?;
            inner.push((p, self.eval(&k.value, scope, env, d)?));
        }
        self.eval(ret, func.scope, &mut inner, d)
    }

    /// The text of a value with `*` for the parts not known statically.
    pub(crate) fn shape_of(&self, e: &'a Expr, scope: ScopeId) -> String {
        let mut s = self.shape_at(e, scope, 0);
        s.truncate(s.floor_char_boundary(MAX_SHAPE));
        // `**` says no more than `*`.
        while s.contains("**") {
            s = s.replace("**", "*");
        }
        s
    }

    fn shape_at(&self, e: &'a Expr, scope: ScopeId, depth: u32) -> String {
        if depth > 16 {
            return "*".into();
        }
        if let Some(t) = self.value_of(e, scope).and_then(|c| c.text()) {
            return t;
        }
        let d = depth + 1;
        let api = py_api();
        // `os.getenv("KUBERNETES_SERVICE_HOST")`: the platform's own address, whatever it holds.
        if matches!(e, Expr::Call(_) | Expr::Subscript(_)) {
            if let Some(address) = self
                .env_name(e, scope)
                .and_then(|n| vendors::platform_variable_address(&n))
            {
                return address.into();
            }
        }
        match e {
            Expr::FString(f) => fstring_pieces(f)
                .into_iter()
                .map(|p| match p {
                    FPiece::Text(t) => t.to_string(),
                    FPiece::Value(i) => self.shape_at(&i.expression, scope, d),
                })
                .collect(),
            Expr::BinOp(b) => match b.op {
                Operator::Add => {
                    self.shape_at(&b.left, scope, d) + &self.shape_at(&b.right, scope, d)
                }
                Operator::Div => format!(
                    "{}/{}",
                    self.shape_at(&b.left, scope, d),
                    self.shape_at(&b.right, scope, d)
                ),
                Operator::Mod => {
                    let fmt = self.shape_at(&b.left, scope, d);
                    let args: Vec<V> = match &*b.right {
                        Expr::Tuple(t) => t
                            .elts
                            .iter()
                            .map(|x| V::Str(self.shape_at(x, scope, d)))
                            .collect(),
                        x => vec![V::Str(self.shape_at(x, scope, d))],
                    };
                    percent_format(&fmt.replace("%d", "%s").replace("%x", "%s"), &args)
                        .unwrap_or_else(|| "*".into())
                }
                _ => "*".into(),
            },
            Expr::Name(_) | Expr::Attribute(_) => {
                let path = self.path_of(e, scope);
                if path
                    .as_deref()
                    .is_some_and(|p| api.source(p) == Some(telltale_facts::DataKind::HomeDir))
                {
                    return "~".into();
                }
                match self.var_of(e, scope).map(|v| self.bindings_of(v)) {
                    Some(
                        [Binding::Assign {
                            value, scope: s, ..
                        }],
                    ) => self.shape_at(value, *s, d),
                    _ => "*".into(),
                }
            }
            Expr::Subscript(_)
                if self.env_name(e, scope).is_some_and(|n| {
                    api.env_var(&n) == Some(telltale_facts::DataKind::HomeDir)
                }) =>
            {
                "~".into()
            }
            Expr::Call(c) => self.call_shape(c, scope, d),
            _ => "*".into(),
        }
    }

    fn call_shape(&self, c: &'a ast::ExprCall, scope: ScopeId, d: u32) -> String {
        let api = py_api();
        let args = &c.arguments.args;
        let first = || {
            args.first()
                .map(|a| self.shape_at(a, scope, d))
                .unwrap_or_else(|| "*".into())
        };
        let path: Option<Rc<str>> = self.path_of(&c.func, scope);
        if let Some(p) = path.as_deref() {
            if api.source(&format!("{p}()")) == Some(telltale_facts::DataKind::HomeDir) {
                return "~".into();
            }
            if api.is_env_getter(p) {
                if let Some(Expr::StringLiteral(n)) = args.first() {
                    if api.env_var(n.value.to_str()) == Some(telltale_facts::DataKind::HomeDir) {
                        return "~".into();
                    }
                }
            }
            match p {
                "os.path.join" | "posixpath.join" | "ntpath.join" => {
                    let mut out = String::new();
                    for a in args.iter() {
                        let s = self.shape_at(a, scope, d);
                        if s.starts_with('/') || out.is_empty() {
                            out = s;
                        } else {
                            if !out.ends_with('/') {
                                out.push('/');
                            }
                            out.push_str(&s);
                        }
                    }
                    return out;
                }
                "os.path.expanduser" | "os.path.expandvars" | "os.path.abspath"
                | "os.path.realpath" | "os.path.normpath" | "str" | "os.fspath" => return first(),
                p if api.is_path_constructor(p) => return first(),
                _ => {}
            }
        }
        if let Expr::Attribute(a) = &*c.func {
            let obj = || self.shape_at(&a.value, scope, d);
            return match a.attr.as_str() {
                "joinpath" => {
                    let mut out = obj();
                    for x in args.iter() {
                        out.push('/');
                        out.push_str(&self.shape_at(x, scope, d));
                    }
                    out
                }
                "expanduser" | "resolve" | "absolute" | "strip" | "rstrip" | "lstrip"
                | "encode" | "decode" | "lower" | "upper" => obj(),
                "format" => {
                    let fmt = obj();
                    let texts: Vec<String> =
                        args.iter().map(|x| self.shape_at(x, scope, d)).collect();
                    let named: Vec<(String, String)> = c
                        .arguments
                        .keywords
                        .iter()
                        .filter_map(|k| {
                            Some((
                                k.arg.as_ref()?.as_str().to_string(),
                                self.shape_at(&k.value, scope, d),
                            ))
                        })
                        .collect();
                    brace_format(&fmt, &texts, &named).unwrap_or_else(|| "*".into())
                }
                "join" => {
                    let sep = obj();
                    match args.first() {
                        Some(Expr::List(l)) => l
                            .elts
                            .iter()
                            .map(|x| self.shape_at(x, scope, d))
                            .collect::<Vec<_>>()
                            .join(&sep),
                        Some(Expr::Tuple(t)) => t
                            .elts
                            .iter()
                            .map(|x| self.shape_at(x, scope, d))
                            .collect::<Vec<_>>()
                            .join(&sep),
                        _ => "*".into(),
                    }
                }
                _ => "*".into(),
            };
        }
        "*".into()
    }

    /// The variable name an environment read names: `os.environ["USER"]`, `os.getenv("USER")`,
    /// `os.environ.get("USER", …)`.
    pub(crate) fn env_name(&self, e: &'a Expr, scope: ScopeId) -> Option<String> {
        let api = py_api();
        match e {
            Expr::Subscript(s) => {
                let base = self.path_of(&s.value, scope)?;
                if !api.is_env_object(&base) {
                    return None;
                }
                self.value_of(&s.slice, scope).and_then(|c| c.text())
            }
            Expr::Call(c) => self.env_call_name(c, scope).map(|(name, _)| name),
            _ => None,
        }
    }

    /// The variable an environment getter call names, with the getter (`os.getenv`,
    /// `os.environ.get`, `os.environ.setdefault` …).
    pub(crate) fn env_call_name(
        &self,
        c: &'a ast::ExprCall,
        scope: ScopeId,
    ) -> Option<(String, Rc<str>)> {
        let p = self.path_of(&c.func, scope)?;
        if !py_api().is_env_getter(&p) {
            return None;
        }
        let name = self
            .value_of(c.arguments.args.first()?, scope)
            .and_then(|c| c.text())?;
        Some((name, p))
    }
}

/// Binds a loop or comprehension target to one item; false when the shapes differ.
/// A function's statements without its docstring.
fn statements_of(stmts: &[Stmt]) -> &[Stmt] {
    match stmts {
        [Stmt::Expr(e), rest @ ..] if matches!(&*e.value, Expr::StringLiteral(_)) => rest,
        all => all,
    }
}

pub(crate) fn bind_target<'a>(target: &'a Expr, item: V, env: &mut Env<'a>) -> bool {
    match target {
        Expr::Name(n) => {
            env.push((n.id.as_str(), Const::new(item)));
            true
        }
        Expr::Tuple(ast::ExprTuple { elts, .. }) | Expr::List(ast::ExprList { elts, .. }) => {
            let V::List(items) = item else { return false };
            items.len() == elts.len() && elts.iter().zip(items).all(|(t, i)| bind_target(t, i, env))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(
            percent_format("Y:%s %s", &[V::Str("a".into()), V::Str("b".into())]).unwrap(),
            "Y:a b"
        );
        assert_eq!(
            percent_format("%012x", &[V::Int(255)]).unwrap(),
            "0000000000ff"
        );
        assert_eq!(
            brace_format("{}.{x}", &["a".into()], &[("x".into(), "b".into())]).unwrap(),
            "a.b"
        );
        assert!(splits_a_word(&["G".into(), "E".into(), "T /".into()]));
        assert!(!splits_a_word(&["a ".into(), "b".into()]));
    }

    #[test]
    fn slices() {
        assert_eq!(
            slice_indices(3, None, None, Some(-1)).unwrap(),
            vec![2, 1, 0]
        );
        assert_eq!(
            slice_indices(5, Some(1), Some(-1), None).unwrap(),
            vec![1, 2, 3]
        );
    }
}
