//! Names to meanings: Python's scoping (local, enclosing function, module, builtin; `global`
//! and `nonlocal`), access paths through imports and aliases (`import urllib.request as r`
//! makes `r.urlopen` read `urllib.request.urlopen`; `s = socket.socket()` makes `s.sendall`
//! read `socket.socket().sendall`), and the file's own functions a call reaches.
//!
//! Paths are what `py_api.toml` is keyed by. A variable assigned a call result is an alias only
//! for request and socket handles: `h = socket.gethostname()` keeps `h` a variable, so that flows
//! show the assignment as a step.

use crate::{Analyzer, Binding, ScopeId, ScopeKind, Var, MODULE};
use ruff_python_ast::{Expr, Number};
use std::rc::Rc;
use telltale_knowledge::py_api::py_api;

/// Alias chains and attribute paths followed this deep.
const MAX_PATH_DEPTH: u32 = 32;

impl<'a> Analyzer<'a> {
    /// The scope a load of `name` in `scope` reads.
    pub(crate) fn resolve_load(&self, scope: ScopeId, name: &str) -> ScopeId {
        let s = &self.scopes[scope as usize];
        if s.globals.contains(name) {
            return MODULE;
        }
        if s.bound.contains(name) && !s.nonlocals.contains(name) {
            return scope;
        }
        let mut p = s.parent;
        while let Some(ps) = p {
            let sc = &self.scopes[ps as usize];
            // Class bodies are not enclosing scopes of their methods.
            if !matches!(sc.kind, ScopeKind::Class(_)) && sc.bound.contains(name) {
                return ps;
            }
            p = sc.parent;
        }
        MODULE
    }

    /// The variable an expression reads: a name, or `self.attr` in a method.
    pub(crate) fn var_of(&self, e: &'a Expr, scope: ScopeId) -> Option<Var<'a>> {
        match e {
            Expr::Name(n) => {
                let name = n.id.as_str();
                Some(Var::Name(self.resolve_load(scope, name), name))
            }
            Expr::Attribute(a) => {
                let Expr::Name(n) = &*a.value else {
                    return None;
                };
                let (me, class_scope) = self.scopes[scope as usize].self_param?;
                (n.id.as_str() == me).then_some(Var::Attr(class_scope, a.attr.as_str()))
            }
            _ => None,
        }
    }

    pub(crate) fn bindings_of(&self, v: Var<'a>) -> &[Binding<'a>] {
        self.bindings.get(&v).map(|b| b.as_slice()).unwrap_or(&[])
    }

    /// The resolved access path of an expression (`socket.gethostname`, `os.environ`,
    /// `socket.socket().sendall`, `open` for builtins), if it names an API.
    pub(crate) fn path_of(&self, e: &'a Expr, scope: ScopeId) -> Option<Rc<str>> {
        self.path_at(e, scope, 0)
    }

    fn path_at(&self, e: &'a Expr, scope: ScopeId, depth: u32) -> Option<Rc<str>> {
        if depth > MAX_PATH_DEPTH {
            return None;
        }
        // A name's path is memoized per variable; other expressions' by address, since every
        // pass asks for the paths of the same ones.
        if matches!(e, Expr::Name(_)) {
            return self.compute_path(e, scope, depth + 1);
        }
        let key = e as *const Expr as usize;
        if let Some(p) = self.expr_paths.borrow().get(&key) {
            return p.clone();
        }
        let p = self.compute_path(e, scope, depth + 1);
        self.expr_paths.borrow_mut().insert(key, p.clone());
        p
    }

    fn compute_path(&self, e: &'a Expr, scope: ScopeId, d: u32) -> Option<Rc<str>> {
        match e {
            Expr::Name(n) => {
                let var = self.var_of(e, scope)?;
                if self.bindings_of(var).is_empty() {
                    // Unbound everywhere: a builtin (`open`, `exec`, `__import__`).
                    return Some(self.builtin(n.id.as_str()));
                }
                self.var_path(var, d)
            }
            Expr::Attribute(a) => {
                if let Some(var @ Var::Attr(..)) = self.var_of(e, scope) {
                    return self.var_path(var, d);
                }
                let base = self.path_at(&a.value, scope, d)?;
                Some(Rc::from(format!("{base}.{}", a.attr.as_str())))
            }
            Expr::Call(c) => {
                let callee = self.path_at(&c.func, scope, d)?;
                let first_const = || match c.arguments.args.first() {
                    Some(Expr::StringLiteral(s)) => Some(s.value.to_str()),
                    _ => None,
                };
                match &*callee {
                    // `__import__("socket")` is the module.
                    "__import__" | "importlib.import_module" => first_const().map(Rc::from),
                    // `vars(__builtins__)`: the builtins' namespace.
                    "vars" => {
                        let obj = c.arguments.args.first()?;
                        let base = self.path_at(obj, scope, d)?;
                        is_builtins(&base).then(|| Rc::from("builtins"))
                    }
                    // `getattr(os, "system")` hides a member name.
                    "getattr" => {
                        let obj = c.arguments.args.first()?;
                        let Some(Expr::StringLiteral(name)) = c.arguments.args.get(1) else {
                            return None;
                        };
                        let base = self.path_at(obj, scope, d)?;
                        Some(member(&base, name.value.to_str()))
                    }
                    _ => Some(Rc::from(format!("{callee}()"))),
                }
            }
            Expr::Subscript(s) => {
                let base = self.path_at(&s.value, scope, d)?;
                match &*s.slice {
                    Expr::NumberLiteral(n) => match &n.value {
                        Number::Int(i) => Some(Rc::from(format!("{base}[{}]", i.as_i64()?))),
                        _ => None,
                    },
                    // `vars(__builtins__)["eval"]`, `__builtins__.__dict__["exec"]`: the builtin.
                    Expr::StringLiteral(k) if is_builtins(&base) => {
                        Some(Rc::from(k.value.to_str()))
                    }
                    Expr::StringLiteral(k) => {
                        Some(Rc::from(format!("{base}['{}']", k.value.to_str())))
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// The path of a builtin name, allocated once per file.
    fn builtin(&self, name: &'a str) -> Rc<str> {
        let var = Var::Name(MODULE, name);
        if let Some(Some(p)) = self.path_memo.borrow().get(&var) {
            return p.clone();
        }
        let p: Rc<str> = Rc::from(name);
        self.path_memo.borrow_mut().insert(var, Some(p.clone()));
        p
    }

    /// What a variable stands for when every binding of it agrees: an import, a reference to
    /// a module or function, or a request/socket handle.
    fn var_path(&self, var: Var<'a>, depth: u32) -> Option<Rc<str>> {
        if let Some(p) = self.path_memo.borrow().get(&var) {
            return p.clone();
        }
        // A cycle (`a = b; b = a`) ends here as no path.
        self.path_memo.borrow_mut().insert(var, None);
        let bindings = self.bindings_of(var);
        // Alternative imports of one API (`try: import urllib.request as r` / `except
        // ImportError: import urllib2 as r`, or by Python version): the first one written.
        if let Some(Binding::Import(..)) = bindings.first() {
            if bindings.iter().all(|b| matches!(b, Binding::Import(..))) {
                let result = self.binding_path(&bindings[0], depth);
                self.path_memo.borrow_mut().insert(var, result.clone());
                return result;
            }
        }
        let mut found: Option<Rc<str>> = None;
        let mut ok = true;
        for b in bindings {
            let p = match b {
                Binding::Assign {
                    value: Expr::NoneLiteral(_),
                    ..
                } => continue,
                b => self.binding_path(b, depth),
            };
            match (p, &found) {
                (None, _) => {
                    ok = false;
                    break;
                }
                (Some(p), None) => found = Some(p),
                (Some(p), Some(f)) if *f == p => {}
                _ => {
                    ok = false;
                    break;
                }
            }
        }
        let result = if ok { found } else { None };
        self.path_memo.borrow_mut().insert(var, result.clone());
        result
    }

    /// What one binding makes a variable stand for (see [`Analyzer::var_path`]).
    fn binding_path(&self, b: &Binding<'a>, depth: u32) -> Option<Rc<str>> {
        match b {
            Binding::Import(module, member, level) => {
                let dots = ".".repeat(*level as usize);
                Some(Rc::from(match (module.is_empty(), member) {
                    (true, Some(m)) => format!("{dots}{m}"),
                    (false, Some(m)) => format!("{dots}{module}.{m}"),
                    (_, None) => format!("{dots}{module}"),
                }))
            }
            // `get = requests.get`, `env = os.environ`: a reference, not a value read from a call
            // (`u = pwd.getpwuid(…).pw_name` stays a variable).
            Binding::Assign {
                value: v @ (Expr::Name(_) | Expr::Attribute(_)),
                scope,
                ..
            } => self.path_at(v, *scope, depth).filter(|p| !p.contains("()")),
            // `e = vars(__builtins__)["eval"]`: a builtin taken from the namespace.
            Binding::Assign {
                value: v @ Expr::Subscript(_),
                scope,
                ..
            } => self
                .path_at(v, *scope, depth)
                .filter(|p| !p.contains(['(', '['])),
            Binding::Assign {
                value: v @ Expr::Call(c),
                scope,
                ..
            } => {
                let callee = self.path_at(&c.func, *scope, depth);
                match callee.as_deref() {
                    Some(p)
                        if py_api().is_handle_constructor(p)
                            || matches!(
                                p,
                                "__import__" | "importlib.import_module" | "getattr"
                            ) =>
                    {
                        self.path_at(v, *scope, depth)
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// The file's own function a call reaches, and how many leading parameters the call does
    /// not pass (1 for `self` when a method is called through an instance).
    pub(crate) fn local_callee(&self, func: &'a Expr, scope: ScopeId) -> Option<(usize, usize)> {
        self.local_callee_at(func, scope, 0)
    }

    fn local_callee_at(
        &self,
        func: &'a Expr,
        scope: ScopeId,
        depth: u32,
    ) -> Option<(usize, usize)> {
        if depth > 8 {
            return None;
        }
        if let Some(var) = self.var_of(func, scope) {
            if let Var::Attr(class_scope, m) = var {
                // `self.method(…)`: the method of this class or a local base class.
                if self.bindings_of(var).is_empty() {
                    let c = self.class_of_scope(class_scope)?;
                    return self.method_of(c, m, 0).map(|f| (f, 1));
                }
            }
            let bs = self.bindings_of(var);
            if bs.len() != 1 {
                return None;
            }
            return match bs[0] {
                Binding::Def(f) => Some((f, 0)),
                Binding::Class(c) => self.method_of(c, "__init__", 0).map(|f| (f, 1)),
                Binding::Assign {
                    value: Expr::Lambda(l),
                    ..
                } => self
                    .funcs
                    .iter()
                    .position(|f| f.range == l.range)
                    .map(|f| (f, 0)),
                Binding::Assign {
                    value: v @ Expr::Name(_),
                    scope,
                    ..
                } => self.local_callee_at(v, scope, depth + 1),
                _ => None,
            };
        }
        // `obj.method(…)` where `obj = LocalClass(…)`, `LocalClass(…).method(…)`, or
        // `LocalClass.method(…)`.
        let Expr::Attribute(a) = func else {
            return None;
        };
        if let Expr::Call(made) = &*a.value {
            let class = self
                .var_of(&made.func, scope)
                .and_then(|v| match self.bindings_of(v) {
                    [Binding::Class(c)] => Some(*c),
                    _ => None,
                });
            return class
                .and_then(|c| self.method_of(c, a.attr.as_str(), 0))
                .map(|f| (f, 1));
        }
        let var = self.var_of(&a.value, scope)?;
        let bs = self.bindings_of(var);
        if bs.len() != 1 {
            return None;
        }
        let m = a.attr.as_str();
        match bs[0] {
            Binding::Class(c) => self.method_of(c, m, 0).map(|f| (f, 0)),
            Binding::Assign {
                value: Expr::Call(c),
                scope,
                ..
            } => match self.var_of(&c.func, scope).map(|v| self.bindings_of(v)) {
                Some([Binding::Class(cls)]) => self.method_of(*cls, m, 0).map(|f| (f, 1)),
                _ => None,
            },
            _ => None,
        }
    }

    fn class_of_scope(&self, scope: ScopeId) -> Option<usize> {
        match self.scopes[scope as usize].kind {
            ScopeKind::Class(c) => Some(c),
            _ => None,
        }
    }

    /// A method of a class, looked up through the file's own base classes.
    pub(crate) fn method_of(&self, class: usize, name: &str, depth: u32) -> Option<usize> {
        let c = &self.classes[class];
        if let Some(&f) = c.methods.get(name) {
            return Some(f);
        }
        if depth > 8 {
            return None;
        }
        let parent = self.scopes[c.scope as usize].parent.unwrap_or(MODULE);
        c.bases.iter().find_map(
            |b| match self.var_of(b, parent).map(|v| self.bindings_of(v)) {
                Some([Binding::Class(base)]) => self.method_of(*base, name, depth + 1),
                _ => None,
            },
        )
    }
}

/// Whether a path is the builtins module or its namespace (`__builtins__`, `builtins`,
/// `__builtins__.__dict__`, `vars(__builtins__)`), whose members are the builtins themselves.
fn is_builtins(path: &str) -> bool {
    matches!(
        path.strip_suffix(".__dict__").unwrap_or(path),
        "__builtins__" | "builtins"
    )
}

/// `base.name`, or the builtin itself for a member of the builtins (`getattr(__builtins__,
/// "eval")` is `eval`).
fn member(base: &str, name: &str) -> Rc<str> {
    if is_builtins(base) {
        Rc::from(name)
    } else {
        Rc::from(format!("{base}.{name}"))
    }
}
