//! Pass 1: one walk over the module that records what the later passes read: scopes and the
//! names bound in them, functions, lambdas and classes, bindings (for constant folding and
//! aliases), data edges, calls, region-guard sites, strings assembled from pieces, imports,
//! telemetry SDK imports and the endpoints string literals name.
//!
//! Data edges are flow-insensitive: `x = a` then `x = b` makes `x` carry both. Stores resolve
//! in the scope they are written in (after `global`/`nonlocal`); loads resolve after the walk,
//! when every scope's bound names are known (a later assignment makes a name local).

use crate::{
    Analyzer, AuthValue, Binding, Call, Class, Edge, EdgeSrc, FnBody, Func, GuardSite, Scope,
    ScopeId, ScopeKind, Var, MAX_DEPTH, MODULE,
};
use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::{Ranged, TextRange};
use telltale_facts::{EndpointFact, SdkImportFact};
use telltale_knowledge::{py_api::py_api, strings, telemetry_attributes, vendors};

/// An edge whose target is a load (`d[k] = v` writes into whatever `d` names), resolved after
/// the walk.
struct PendingStore<'a> {
    scope: ScopeId,
    name: &'a str,
    src: EdgeSrc<'a>,
    span: TextRange,
}

struct Collector<'a, 'b> {
    an: &'b mut Analyzer<'a>,
    depth: u32,
    pending: Vec<PendingStore<'a>>,
    /// Inside an `a + b` chain already recorded as assembled.
    in_concat: bool,
}

pub(crate) fn collect<'a>(an: &mut Analyzer<'a>, body: &'a [Stmt]) {
    an.scopes.push(Scope {
        parent: None,
        kind: ScopeKind::Module,
        bound: Default::default(),
        globals: Default::default(),
        nonlocals: Default::default(),
        self_param: None,
    });
    let mut c = Collector {
        an,
        depth: 0,
        pending: Vec::new(),
        in_concat: false,
    };
    c.stmts(body, MODULE, None);
    let pending = std::mem::take(&mut c.pending);
    for p in pending {
        let scope = c.an.resolve_load(p.scope, p.name);
        let var = Var::Name(scope, p.name);
        // `os.environ = saved` sets a module attribute: the module is no data.
        if c.an
            .bindings_of(var)
            .iter()
            .any(|b| matches!(b, Binding::Import(..)))
        {
            continue;
        }
        let target = c.an.node(var);
        c.an.edges.push(Edge {
            target,
            src: p.src,
            span: p.span,
        });
    }
    link_calls(c.an);
}

/// Binds the arguments of calls to the file's own functions to their parameters, and notes
/// which parameters a function opens as a file.
fn link_calls(an: &mut Analyzer<'_>) {
    let mut new_edges = Vec::new();
    for (ci, c) in an.calls.iter().enumerate() {
        if let Some((f, skip)) = an.local_callee(&c.call.func, c.scope) {
            let func = &an.funcs[f];
            for (i, a) in c.call.arguments.args.iter().enumerate() {
                if matches!(a, Expr::Starred(_)) {
                    break;
                }
                if let Some(p) = func
                    .params
                    .get(i + skip)
                    .filter(|_| i + skip < func.positional)
                {
                    new_edges.push((Var::Name(func.scope, p), a, c.scope, ci));
                }
            }
            for k in &c.call.arguments.keywords {
                if let Some(name) = &k.arg {
                    if let Some(p) = func.params.iter().find(|p| **p == name.as_str()) {
                        new_edges.push((Var::Name(func.scope, p), &k.value, c.scope, ci));
                    }
                }
            }
        }
    }
    for (var, arg, scope, ci) in new_edges {
        let target = an.node(var);
        let span = an.calls[ci].call.range();
        an.edges.push(Edge {
            target,
            src: EdgeSrc::Expr(arg, scope),
            span,
        });
    }
    // `def read(path): return open(path).read()`: `read("/etc/hosts")` reads that file.
    let mut opened = Vec::new();
    for c in &an.calls {
        let ScopeKind::Function(f) = an.scopes[c.scope as usize].kind else {
            continue;
        };
        let Some(Expr::Name(n)) = c.call.arguments.args.first() else {
            continue;
        };
        let Some(i) = an.funcs[f].params.iter().position(|p| *p == n.id.as_str()) else {
            continue;
        };
        if an.resolve_load(c.scope, n.id.as_str()) == an.funcs[f].scope
            && an
                .path_of(&c.call.func, c.scope)
                .is_some_and(|p| py_api().is_file_read(&p))
        {
            opened.push((f, i));
        }
    }
    an.opened_params = opened;
}

impl<'a> Collector<'a, '_> {
    fn new_scope(&mut self, parent: ScopeId, kind: ScopeKind) -> ScopeId {
        let id = self.an.scopes.len() as ScopeId;
        self.an.scopes.push(Scope {
            parent: Some(parent),
            kind,
            bound: Default::default(),
            globals: Default::default(),
            nonlocals: Default::default(),
            self_param: None,
        });
        id
    }

    /// The scope a store of `name` in `scope` writes to.
    fn store_scope(&self, scope: ScopeId, name: &str) -> ScopeId {
        let s = &self.an.scopes[scope as usize];
        if s.globals.contains(name) {
            return MODULE;
        }
        if s.nonlocals.contains(name) {
            let mut p = s.parent;
            while let Some(ps) = p {
                let sc = &self.an.scopes[ps as usize];
                if matches!(sc.kind, ScopeKind::Function(_)) && sc.bound.contains(name) {
                    return ps;
                }
                p = sc.parent;
            }
        }
        scope
    }

    /// `name` is bound in `scope` by `b`; returns its variable.
    fn bind(&mut self, scope: ScopeId, name: &'a str, b: Binding<'a>) -> Var<'a> {
        let at = self.store_scope(scope, name);
        self.an.scopes[at as usize].bound.insert(name);
        let var = Var::Name(at, name);
        self.an.bindings.entry(var).or_default().push(b);
        var
    }

    fn edge(&mut self, var: Var<'a>, value: &'a Expr, scope: ScopeId, span: TextRange) {
        if carries_nothing(value) {
            return;
        }
        let target = self.an.node(var);
        self.an.edges.push(Edge {
            target,
            src: EdgeSrc::Expr(value, scope),
            span,
        });
    }

    /// The variable `self.attr` names in a method, if `e` is such an attribute.
    fn self_attr(&self, e: &'a Expr, scope: ScopeId) -> Option<Var<'a>> {
        let Expr::Attribute(a) = e else { return None };
        let Expr::Name(n) = &*a.value else {
            return None;
        };
        let (me, class_scope) = self.an.scopes[scope as usize].self_param?;
        (n.id.as_str() == me).then_some(Var::Attr(class_scope, a.attr.as_str()))
    }

    /// A write into the object `obj` names (`obj[k] = v`, `obj.k = v`, `obj.append(v)`).
    fn store_into(&mut self, obj: &'a Expr, src: EdgeSrc<'a>, scope: ScopeId, span: TextRange) {
        if let Some(var) = self.self_attr(obj, scope) {
            let target = self.an.node(var);
            self.an.edges.push(Edge { target, src, span });
            return;
        }
        match obj {
            Expr::Name(n) => self.pending.push(PendingStore {
                scope,
                name: n.id.as_str(),
                src,
                span,
            }),
            Expr::Attribute(a) => self.store_into(&a.value, src, scope, span),
            Expr::Subscript(s) => self.store_into(&s.value, src, scope, span),
            _ => {}
        }
    }

    fn assign(&mut self, target: &'a Expr, value: &'a Expr, scope: ScopeId, stmt: TextRange) {
        match target {
            Expr::Name(n) => {
                let var = self.bind(scope, n.id.as_str(), Binding::Assign { value, scope, stmt });
                self.edge(var, value, scope, stmt);
            }
            Expr::Tuple(ast::ExprTuple { elts, .. }) | Expr::List(ast::ExprList { elts, .. }) => {
                let values = match value {
                    Expr::Tuple(t) if t.elts.len() == elts.len() => Some(&t.elts),
                    Expr::List(l) if l.elts.len() == elts.len() => Some(&l.elts),
                    _ => None,
                };
                match values {
                    Some(vs) => {
                        for (t, v) in elts.iter().zip(vs.iter()) {
                            self.assign(t, v, scope, stmt);
                        }
                    }
                    None => {
                        for t in elts {
                            self.bind_from(t, value, scope, stmt);
                        }
                    }
                }
            }
            Expr::Starred(s) => self.bind_from(&s.value, value, scope, stmt),
            Expr::Attribute(a) => {
                if let Some(var) = self.self_attr(target, scope) {
                    self.an
                        .bindings
                        .entry(var)
                        .or_default()
                        .push(Binding::Assign { value, scope, stmt });
                    self.edge(var, value, scope, stmt);
                } else if !carries_nothing(value) {
                    self.store_into(&a.value, EdgeSrc::Expr(value, scope), scope, stmt);
                }
            }
            Expr::Subscript(s) if !carries_nothing(value) => {
                // `headers["Authorization"] = v`: credentials, judged apart.
                if let Some(key) = auth_key(&s.slice) {
                    self.an.auth_values.push(AuthValue {
                        value,
                        key,
                        at: stmt,
                        scope,
                        holder: Some(&s.value),
                    });
                    return;
                }
                self.store_into(&s.value, EdgeSrc::Expr(value, scope), scope, stmt)
            }
            _ => {}
        }
    }

    /// A target that gets part of `value` (a loop variable, an unpacked item): it carries
    /// what `value` carries but has no single constant value.
    fn bind_from(&mut self, target: &'a Expr, value: &'a Expr, scope: ScopeId, span: TextRange) {
        match target {
            Expr::Name(n) => {
                let var = self.bind(scope, n.id.as_str(), Binding::Other);
                self.edge(var, value, scope, span);
            }
            Expr::Tuple(ast::ExprTuple { elts, .. }) | Expr::List(ast::ExprList { elts, .. }) => {
                for t in elts {
                    self.bind_from(t, value, scope, span);
                }
            }
            Expr::Starred(s) => self.bind_from(&s.value, value, scope, span),
            Expr::Attribute(_) | Expr::Subscript(_) => self.assign(target, value, scope, span),
            _ => {}
        }
    }

    fn deeper(&mut self) -> bool {
        if self.depth >= MAX_DEPTH {
            self.an.too_deep.set(true);
            return false;
        }
        self.depth += 1;
        true
    }

    fn stmts(&mut self, body: &'a [Stmt], scope: ScopeId, in_for: Option<&'a ast::StmtFor>) {
        for (i, s) in body.iter().enumerate() {
            if !self.deeper() {
                return;
            }
            self.stmt(s, scope, &body[i + 1..], in_for);
            self.depth -= 1;
        }
    }

    fn function(&mut self, f: &'a ast::StmtFunctionDef, scope: ScopeId) {
        for d in &f.decorator_list {
            self.expr(&d.expression, scope);
        }
        let params = &f.parameters;
        for p in params
            .posonlyargs
            .iter()
            .chain(&params.args)
            .chain(&params.kwonlyargs)
        {
            if let Some(d) = &p.default {
                self.expr(d, scope);
            }
        }
        let idx = self.an.funcs.len();
        self.bind(scope, f.name.as_str(), Binding::Def(idx));
        let method_of = match self.an.scopes[scope as usize].kind {
            ScopeKind::Class(c) => Some(c),
            _ => None,
        };
        let fscope = self.new_scope(scope, ScopeKind::Function(idx));
        let names = self.params(params, fscope);
        let is_static = f
            .decorator_list
            .iter()
            .any(|d| matches!(&d.expression, Expr::Name(n) if n.id.as_str() == "staticmethod"));
        if let (Some(c), Some(first)) = (method_of, names.first()) {
            if !is_static {
                let cscope = self.an.classes[c].scope;
                self.an.scopes[fscope as usize].self_param = Some((first, cscope));
            }
        }
        let positional = params.posonlyargs.len() + params.args.len();
        self.an.funcs.push(Func {
            name: f.name.as_str(),
            scope: fscope,
            params: names,
            defaults: defaults_of(params),
            positional,
            body: FnBody::Block(&f.body),
            range: f.range,
        });
        if let Some(c) = method_of {
            self.an.classes[c].methods.insert(f.name.as_str(), idx);
        }
        self.stmts(&f.body, fscope, None);
    }

    /// Binds the parameters in the function's scope; returns their names, positional first.
    fn params(&mut self, params: &'a ast::Parameters, fscope: ScopeId) -> Vec<&'a str> {
        // (Keep the order of `defaults_of`.)
        let mut names = Vec::new();
        for p in params
            .posonlyargs
            .iter()
            .chain(&params.args)
            .chain(&params.kwonlyargs)
        {
            let n = p.parameter.name.as_str();
            self.bind(fscope, n, Binding::Other);
            names.push(n);
        }
        for p in params.vararg.iter().chain(&params.kwarg) {
            self.bind(fscope, p.name.as_str(), Binding::Other);
        }
        names
    }

    fn stmt(
        &mut self,
        s: &'a Stmt,
        scope: ScopeId,
        rest: &'a [Stmt],
        in_for: Option<&'a ast::StmtFor>,
    ) {
        match s {
            Stmt::FunctionDef(f) => self.function(f, scope),
            Stmt::ClassDef(c) => {
                for d in &c.decorator_list {
                    self.expr(&d.expression, scope);
                }
                let bases: Vec<&'a Expr> = c
                    .arguments
                    .as_deref()
                    .map(|a| a.args.iter().collect())
                    .unwrap_or_default();
                for b in &bases {
                    self.expr(b, scope);
                }
                let idx = self.an.classes.len();
                self.bind(scope, c.name.as_str(), Binding::Class(idx));
                let cscope = self.new_scope(scope, ScopeKind::Class(idx));
                let header_end = c
                    .arguments
                    .as_deref()
                    .map(|a| a.end())
                    .unwrap_or(c.name.end());
                self.an.classes.push(Class {
                    name: c.name.as_str(),
                    scope: cscope,
                    bases,
                    methods: Default::default(),
                    body: &c.body,
                    header: TextRange::new(c.range.start(), header_end),
                });
                self.stmts(&c.body, cscope, None);
            }
            Stmt::Return(r) => {
                if let Some(v) = &r.value {
                    self.expr(v, scope);
                    if let ScopeKind::Function(f) = self.an.scopes[scope as usize].kind {
                        self.edge(Var::Ret(f), v, scope, r.range);
                    }
                }
            }
            Stmt::Assign(a) => {
                self.expr(&a.value, scope);
                for t in &a.targets {
                    self.target_exprs(t, scope);
                    self.assign(t, &a.value, scope, a.range);
                }
            }
            Stmt::AnnAssign(a) => {
                if let Some(v) = &a.value {
                    self.expr(v, scope);
                    self.target_exprs(&a.target, scope);
                    self.assign(&a.target, v, scope, a.range);
                }
            }
            Stmt::AugAssign(a) => {
                self.expr(&a.value, scope);
                self.target_exprs(&a.target, scope);
                match &*a.target {
                    Expr::Name(n) => {
                        let var = self.bind(
                            scope,
                            n.id.as_str(),
                            Binding::Aug {
                                value: &a.value,
                                scope,
                                op: a.op,
                                stmt: a.range,
                                in_for,
                            },
                        );
                        self.edge(var, &a.value, scope, a.range);
                    }
                    t => self.assign(t, &a.value, scope, a.range),
                }
            }
            Stmt::For(f) => {
                self.expr(&f.iter, scope);
                self.bind_from(&f.target, &f.iter, scope, f.range);
                self.stmts(&f.body, scope, Some(f));
                self.stmts(&f.orelse, scope, None);
            }
            Stmt::While(w) => {
                self.expr(&w.test, scope);
                self.stmts(&w.body, scope, None);
                self.stmts(&w.orelse, scope, None);
            }
            Stmt::If(i) => {
                self.an.guard_sites.push(GuardSite {
                    stmt: i,
                    scope,
                    rest,
                });
                // A conditional `acc += x` is no simple accumulation: no `in_for` below.
                self.expr(&i.test, scope);
                self.stmts(&i.body, scope, None);
                for c in &i.elif_else_clauses {
                    if let Some(t) = &c.test {
                        self.expr(t, scope);
                    }
                    self.stmts(&c.body, scope, None);
                }
            }
            Stmt::With(w) => {
                for item in &w.items {
                    self.expr(&item.context_expr, scope);
                    match (&item.optional_vars, &item.context_expr) {
                        // `with open(p) as fh`, `with socket.create_connection(a) as s`: the
                        // object the call made (files, sockets and clients enter as themselves).
                        (Some(v), Expr::Call(_)) if matches!(&**v, Expr::Name(_)) => {
                            self.assign(v, &item.context_expr, scope, w.range)
                        }
                        (Some(v), _) => self.bind_from(v, &item.context_expr, scope, w.range),
                        (None, _) => {}
                    }
                }
                self.stmts(&w.body, scope, in_for);
            }
            Stmt::Match(m) => {
                self.expr(&m.subject, scope);
                for c in &m.cases {
                    if let Some(g) = &c.guard {
                        self.expr(g, scope);
                    }
                    self.stmts(&c.body, scope, None);
                }
            }
            Stmt::Try(t) => {
                self.stmts(&t.body, scope, in_for);
                for h in &t.handlers {
                    let ast::ExceptHandler::ExceptHandler(h) = h;
                    if let Some(n) = &h.name {
                        self.bind(scope, n.as_str(), Binding::Other);
                    }
                    self.stmts(&h.body, scope, in_for);
                }
                self.stmts(&t.orelse, scope, in_for);
                self.stmts(&t.finalbody, scope, in_for);
            }
            Stmt::Raise(r) => {
                for e in r.exc.iter().chain(&r.cause) {
                    self.expr(e, scope);
                }
            }
            Stmt::Assert(a) => {
                self.expr(&a.test, scope);
                if let Some(m) = &a.msg {
                    self.expr(m, scope);
                }
            }
            Stmt::Expr(e) => self.expr(&e.value, scope),
            Stmt::Delete(d) => {
                for t in &d.targets {
                    self.expr(t, scope);
                }
            }
            Stmt::Import(i) => {
                for alias in &i.names {
                    let full = alias.name.as_str();
                    match &alias.asname {
                        Some(as_) => {
                            self.bind(scope, as_.as_str(), Binding::Import(full, None, 0));
                        }
                        None => {
                            let top = full.split('.').next().unwrap_or(full);
                            self.bind(scope, top, Binding::Import(top, None, 0));
                        }
                    }
                    self.import(full, 0, alias.range);
                }
            }
            Stmt::ImportFrom(i) => {
                let module = i.module.as_ref().map(|m| m.as_str()).unwrap_or("");
                for alias in &i.names {
                    let name = alias.name.as_str();
                    if name == "*" {
                        continue;
                    }
                    let local = alias.asname.as_ref().map(|a| a.as_str()).unwrap_or(name);
                    self.bind(scope, local, Binding::Import(module, Some(name), i.level));
                    if module.is_empty() {
                        // `from . import x`: x is a module of the package.
                        self.import(name, i.level, alias.range);
                    }
                }
                if !module.is_empty() {
                    self.import(module, i.level, i.range);
                }
            }
            Stmt::Global(g) => {
                let names: Vec<&'a str> = g.names.iter().map(|n| n.as_str()).collect();
                self.an.scopes[scope as usize].globals.extend(names);
            }
            Stmt::Nonlocal(n) => {
                let names: Vec<&'a str> = n.names.iter().map(|n| n.as_str()).collect();
                self.an.scopes[scope as usize].nonlocals.extend(names);
            }
            Stmt::TypeAlias(_)
            | Stmt::Pass(_)
            | Stmt::Break(_)
            | Stmt::Continue(_)
            | Stmt::IpyEscapeCommand(_) => {}
        }
    }

    /// The expressions inside an assignment target (`d[key(x)] = v` calls `key`).
    fn target_exprs(&mut self, t: &'a Expr, scope: ScopeId) {
        match t {
            Expr::Subscript(s) => {
                self.target_exprs(&s.value, scope);
                self.expr(&s.slice, scope);
            }
            Expr::Attribute(a) => self.target_exprs(&a.value, scope),
            Expr::Tuple(ast::ExprTuple { elts, .. }) | Expr::List(ast::ExprList { elts, .. }) => {
                for e in elts {
                    self.target_exprs(e, scope);
                }
            }
            Expr::Starred(s) => self.target_exprs(&s.value, scope),
            _ => {}
        }
    }

    /// An import of `module` (relative when `level` > 0): a requirement, and a telemetry SDK
    /// if the catalog knows its distribution.
    fn import(&mut self, module: &str, level: u32, r: TextRange) {
        let spec = format!("{}{module}", ".".repeat(level as usize));
        if level == 0 {
            let top = module.split('.').next().unwrap_or(module);
            if vendors::telemetry_vendor_for_pypi_package(top).is_some() {
                self.an.facts.sdk_imports.push(SdkImportFact {
                    module: top.to_string(),
                    span: crate::span_of(r),
                });
            }
        }
        self.an.facts.requires.push(spec);
    }

    /// A string literal: the endpoints it names, and text written as escapes it does not
    /// need (`"\x68\x74\x74\x70…"`, `"\150\164…"`), which hides it.
    fn string_literal(&mut self, s: &'a ast::ExprStringLiteral) {
        use ruff_python_ast::StringFlags;
        let text = s.value.to_str();
        let raw: String = s
            .value
            .iter()
            .filter(|part| !part.flags.prefix().is_raw())
            .filter_map(|part| {
                let start = part.range.start() + part.flags.opener_len();
                let end = part.range.end() - part.flags.closer_len();
                self.an.src.get(start.to_usize()..end.to_usize())
            })
            .collect();
        let Some(technique) =
            strings::escape_technique(&raw).filter(|_| strings::interesting_decoded(text))
        else {
            return self.endpoints_in(text, s.range);
        };
        let provenance = technique.to_string();
        for (host, url) in strings::decoded_endpoints(text) {
            self.an.facts.endpoints.push(EndpointFact {
                host,
                url,
                span: crate::span_of(s.range),
                encodings: vec![technique.to_string()],
                provenance: provenance.clone(),
                origin: Some(crate::span_of(s.range)),
                in_text: false,
            });
        }
        self.an
            .facts
            .obfuscations
            .push(telltale_facts::ObfuscationFact {
                technique: technique.to_string(),
                decoded: text.chars().take(300).collect(),
                span: crate::span_of(s.range),
                provenance,
                origin: Some(crate::span_of(s.range)),
            });
    }

    fn endpoints_in(&mut self, text: &str, r: TextRange) {
        let in_text = strings::is_message(text);
        for (host, url) in strings::literal_endpoints(text) {
            self.an.facts.endpoints.push(EndpointFact {
                host,
                url,
                span: crate::span_of(r),
                encodings: vec![],
                provenance: String::new(),
                origin: None,
                in_text,
            });
        }
    }

    fn lambda(&mut self, l: &'a ast::ExprLambda, scope: ScopeId) {
        let idx = self.an.funcs.len();
        let fscope = self.new_scope(scope, ScopeKind::Function(idx));
        let defaults = l.parameters.as_deref().map(defaults_of).unwrap_or_default();
        let (names, positional) = match &l.parameters {
            Some(p) => {
                for d in p
                    .posonlyargs
                    .iter()
                    .chain(&p.args)
                    .chain(&p.kwonlyargs)
                    .filter_map(|p| p.default.as_deref())
                {
                    self.expr(d, scope);
                }
                (self.params(p, fscope), p.posonlyargs.len() + p.args.len())
            }
            None => (Vec::new(), 0),
        };
        self.an.funcs.push(Func {
            name: "<lambda>",
            scope: fscope,
            params: names,
            defaults,
            positional,
            body: FnBody::Expr(&l.body),
            range: l.range,
        });
        self.expr(&l.body, fscope);
        self.edge(Var::Ret(idx), &l.body, fscope, l.range);
    }

    fn comprehension(&mut self, generators: &'a [ast::Comprehension], scope: ScopeId) {
        for g in generators {
            self.expr(&g.iter, scope);
            self.bind_from(&g.target, &g.iter, scope, g.range);
            for i in &g.ifs {
                self.expr(i, scope);
            }
        }
    }

    fn expr(&mut self, e: &'a Expr, scope: ScopeId) {
        if !self.deeper() {
            return;
        }
        self.expr_inner(e, scope);
        self.depth -= 1;
    }

    fn expr_inner(&mut self, e: &'a Expr, scope: ScopeId) {
        // `{"Authorization": f"Bearer {tok}"}`: credentials, judged apart.
        if let Expr::Dict(d) = e {
            for item in &d.items {
                // `{"host.name": socket.gethostname()}`: sent by the SDK with every event.
                if let Some(Expr::StringLiteral(k)) = &item.key {
                    let key = k.value.to_str();
                    if telemetry_attributes::is_attribute(key) && !carries_nothing(&item.value) {
                        self.an.telemetry_attributes.push((
                            &item.value,
                            key,
                            TextRange::new(k.start(), item.value.end()),
                            scope,
                        ));
                    }
                }
                if let Some(key) = item.key.as_ref().and_then(auth_key) {
                    if !carries_nothing(&item.value) {
                        self.an.auth_values.push(AuthValue {
                            value: &item.value,
                            key,
                            at: TextRange::new(
                                item.key.as_ref().map_or(item.value.start(), |k| k.start()),
                                item.value.end(),
                            ),
                            scope,
                            holder: None,
                        });
                    }
                }
            }
        }
        if matches!(e, Expr::Compare(_)) {
            self.an.compares.push((e, scope));
        }
        match e {
            Expr::StringLiteral(s) => self.string_literal(s),
            Expr::FString(f) => {
                if let Some(shape) = crate::value::fstring_literal_shape(f) {
                    self.endpoints_in(&shape, f.range);
                }
                for el in f.value.elements() {
                    if let ast::InterpolatedStringElement::Interpolation(i) = el {
                        self.expr(&i.expression, scope);
                    }
                }
            }
            Expr::BinOp(b) => {
                let top = b.op == ast::Operator::Add && !self.in_concat;
                if top {
                    self.an.assembled.push((e, scope));
                    self.in_concat = true;
                }
                // Long chains (`a + b + … + z`) nest to the left: walk the spine in a loop.
                let mut operands = vec![&*b.right];
                let mut left = &*b.left;
                while let Expr::BinOp(l) = left {
                    operands.push(&l.right);
                    left = &l.left;
                }
                self.expr(left, scope);
                for o in operands.into_iter().rev() {
                    self.expr(o, scope);
                }
                if top {
                    self.in_concat = false;
                }
            }
            Expr::Call(c) => {
                self.an.calls.push(Call { call: c, scope });
                // `sentry_sdk.init(server_name=socket.gethostname())`.
                for k in &c.arguments.keywords {
                    let Some(key) = k.arg.as_ref().map(|a| a.as_str()) else {
                        continue;
                    };
                    if telemetry_attributes::is_attribute(key) && !carries_nothing(&k.value) {
                        self.an
                            .telemetry_attributes
                            .push((&k.value, key, k.range(), scope));
                    }
                }
                if let Expr::Attribute(a) = &*c.func {
                    let m = a.attr.as_str();
                    // `span.set_attribute("user.id", account)`: OpenTelemetry's setter.
                    if let [Expr::StringLiteral(k), value, ..] = &c.arguments.args[..] {
                        let key = k.value.to_str();
                        if matches!(m, "set_attribute" | "set_tag")
                            && telemetry_attributes::is_attribute(key)
                            && !carries_nothing(value)
                        {
                            self.an
                                .telemetry_attributes
                                .push((value, key, c.range(), scope));
                        }
                    }
                    if m == "join" && !self.in_concat {
                        self.an.assembled.push((e, scope));
                    }
                    if py_api().is_mutator(m) {
                        for v in c
                            .arguments
                            .args
                            .iter()
                            .chain(c.arguments.keywords.iter().map(|k| &k.value))
                        {
                            if !carries_nothing(v) {
                                self.store_into(
                                    &a.value,
                                    EdgeSrc::Expr(v, scope),
                                    scope,
                                    c.range(),
                                );
                            }
                        }
                    }
                }
                let outer = std::mem::replace(&mut self.in_concat, false);
                self.expr(&c.func, scope);
                for a in c.arguments.args.iter() {
                    self.expr(a, scope);
                }
                for k in &c.arguments.keywords {
                    self.expr(&k.value, scope);
                }
                self.in_concat = outer;
            }
            Expr::Lambda(l) => self.lambda(l, scope),
            Expr::Subscript(sub) => {
                // `'…'[::-1]`: text reversed in place.
                if matches!(&*sub.slice, Expr::Slice(sl) if sl.step.is_some()) {
                    self.an.assembled.push((e, scope));
                }
                self.expr(&sub.value, scope);
                self.expr(&sub.slice, scope);
            }
            Expr::Named(n) => {
                self.expr(&n.value, scope);
                self.assign(&n.target, &n.value, scope, n.range);
            }
            Expr::ListComp(c) => {
                self.comprehension(&c.generators, scope);
                self.expr(&c.elt, scope);
            }
            Expr::SetComp(c) => {
                self.comprehension(&c.generators, scope);
                self.expr(&c.elt, scope);
            }
            Expr::Generator(c) => {
                self.comprehension(&c.generators, scope);
                self.expr(&c.elt, scope);
            }
            Expr::DictComp(c) => {
                self.comprehension(&c.generators, scope);
                if let Some(k) = &c.key {
                    self.expr(k, scope);
                }
                self.expr(&c.value, scope);
            }
            _ => {
                let outer = std::mem::replace(&mut self.in_concat, false);
                for_each_child(e, |c| self.expr(c, scope));
                self.in_concat = outer;
            }
        }
    }
}

/// The direct sub-expressions of the expressions [`Collector::expr_inner`] does not handle
/// itself.
fn for_each_child<'a>(e: &'a Expr, mut f: impl FnMut(&'a Expr)) {
    match e {
        Expr::BoolOp(b) => b.values.iter().for_each(f),
        Expr::UnaryOp(u) => f(&u.operand),
        Expr::If(i) => {
            f(&i.test);
            f(&i.body);
            f(&i.orelse);
        }
        Expr::Dict(d) => {
            for item in &d.items {
                if let Some(k) = &item.key {
                    f(k);
                }
                f(&item.value);
            }
        }
        Expr::Set(s) => s.elts.iter().for_each(f),
        Expr::List(l) => l.elts.iter().for_each(f),
        Expr::Tuple(t) => t.elts.iter().for_each(f),
        Expr::Await(a) => f(&a.value),
        Expr::Yield(y) => {
            if let Some(v) = &y.value {
                f(v)
            }
        }
        Expr::YieldFrom(y) => f(&y.value),
        Expr::Compare(c) => {
            f(&c.left);
            c.comparators.iter().for_each(f);
        }
        Expr::Attribute(a) => f(&a.value),
        Expr::Subscript(s) => {
            f(&s.value);
            f(&s.slice);
        }
        Expr::Starred(s) => f(&s.value),
        Expr::Slice(s) => {
            for x in s.lower.iter().chain(&s.upper).chain(&s.step) {
                f(x);
            }
        }
        _ => {}
    }
}

/// Values that never carry data: literals and `None`.
/// The credentials position a constant key names (`"Authorization"`, `"x-api-key"`).
pub(crate) fn auth_key(k: &Expr) -> Option<&str> {
    match k {
        Expr::StringLiteral(s) => {
            Some(s.value.to_str()).filter(|k| telltale_knowledge::credentials::is_auth_key(k))
        }
        _ => None,
    }
}

pub(crate) fn carries_nothing(e: &Expr) -> bool {
    matches!(
        e,
        Expr::StringLiteral(_)
            | Expr::BytesLiteral(_)
            | Expr::NumberLiteral(_)
            | Expr::BooleanLiteral(_)
            | Expr::NoneLiteral(_)
            | Expr::EllipsisLiteral(_)
    )
}

/// The default of each named parameter, in the order [`Collector::params`] lists them.
fn defaults_of(params: &ast::Parameters) -> Vec<Option<&Expr>> {
    params
        .posonlyargs
        .iter()
        .chain(&params.args)
        .chain(&params.kwonlyargs)
        .map(|p| p.default.as_deref())
        .collect()
}
