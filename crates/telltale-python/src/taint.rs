//! Pass 2: what data each variable carries, as a fixpoint over the edges recorded by
//! [`crate::collect`], and the identity and region reads of the file.
//!
//! An expression's *atoms* are the data it reads itself (a source such as
//! `socket.gethostname()`, an environment variable by name, a sensitive file, a command's
//! output) and the variables it depends on. Operators, f-strings, containers, `json.dumps`,
//! encoders and unknown calls pass their operands' data on (encoded identity is still
//! identity); comparisons, predicates (`len`, `startswith`) and reads of ordinary files do not.
//! A network call's result is a network response (and the user's location when the call asks
//! an IP-geolocation service).

use crate::{Analyzer, EdgeSrc, NodeId, ScopeId, Var, MAX_DEPTH, MODULE};
use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::{Ranged, TextRange};
use std::rc::Rc;
use telltale_facts::{graph, DataKind, Kinds, SourceFact, Step};
use telltale_knowledge::{py_api::py_api, strings, vendors};

/// Where a variable first got its data (for steps); what it carries is `Analyzer::node_kinds`.
#[derive(Clone, Debug)]
pub(crate) struct NodeState {
    pub span: TextRange,
    pub from: Option<NodeId>,
    pub source: Option<(TextRange, Rc<str>)>,
}

/// The data an expression carries directly and the variables it depends on.
#[derive(Default, Debug)]
pub(crate) struct Atoms {
    pub kinds: Kinds,
    pub deps: Vec<NodeId>,
    /// Containers the value is a named part of (`ctx.api_url`, `store.get("url")`): it
    /// carries what they carry except [`Kinds::PLACES`].
    pub parts: Vec<NodeId>,
    /// The first direct read, for steps.
    pub source: Option<(TextRange, Rc<str>)>,
}

/// Whether an expression is itself a read of identity or region data.
pub(crate) enum Direct {
    Source(Kinds, Rc<str>),
    /// A member of a source, or a named environment variable, that carries nothing.
    Quiet,
    No,
}

impl<'a> Analyzer<'a> {
    /// A read of identity or region data written at `e` (not through variables).
    pub(crate) fn direct_source(&self, e: &'a Expr, scope: ScopeId) -> Direct {
        let api = py_api();
        match e {
            Expr::Name(_) | Expr::Attribute(_) | Expr::Subscript(_) => {
                if matches!(e, Expr::Subscript(_)) {
                    if let Some(name) = self.env_name(e, scope) {
                        return env_read(&name, "os.environ");
                    }
                }
                if let Expr::Attribute(a) = e {
                    if !api.is_catalog_member(a.attr.as_str()) {
                        return Direct::No;
                    }
                }
                let Some(path) = self.path_of(e, scope) else {
                    return Direct::No;
                };
                if api.is_quiet(&path) {
                    return Direct::Quiet;
                }
                if let Some(k) = api.source(&path) {
                    return Direct::Source(Kinds::of(k), path);
                }
                if api.is_env_object(&path) {
                    return Direct::Source(Kinds::of(DataKind::WholeEnvironment), path);
                }
                Direct::No
            }
            Expr::Call(c) => self.call_source(e, c, scope),
            _ => Direct::No,
        }
    }

    /// `e` is the call `c` (its path is memoized by expression).
    fn call_source(&self, e: &'a Expr, c: &'a ast::ExprCall, scope: ScopeId) -> Direct {
        let api = py_api();
        if let Expr::Attribute(a) = &*c.func {
            if api.is_path_read_method(a.attr.as_str())
                && !matches!(self.path_of(&a.value, scope), Some(p) if !p.contains("()"))
            {
                // `Path(p).read_text()`, `(Path.home() / ".ssh" / "id_rsa").read_text()`.
                return self.file_source(&a.value, scope, a.attr.as_str());
            }
        }
        let Some(callee) = self.path_of(&c.func, scope) else {
            return self.local_file_read(c, scope);
        };
        let first = c.arguments.args.first();
        if api.is_env_getter(&callee) {
            return match first
                .and_then(|a| self.value_of(a, scope))
                .and_then(|v| v.text())
            {
                Some(name) => env_read(&name, &callee),
                None => Direct::No,
            };
        }
        if let Some(whole) = self.path_of(e, scope) {
            if api.is_quiet(&whole) {
                return Direct::Quiet;
            }
            if let Some(k) = api.source(&whole) {
                return Direct::Source(Kinds::of(k), whole);
            }
        }
        match &*callee {
            "os.path.expanduser" => {
                if let Some(a) = first {
                    let shape = self.shape_of(a, scope);
                    if shape == "~" || shape.starts_with("~/") || shape.starts_with("~\\") {
                        return Direct::Source(
                            Kinds::of(DataKind::HomeDir),
                            Rc::from(format!("os.path.expanduser('{shape}')")),
                        );
                    }
                }
                return Direct::No;
            }
            // The address the machine's own name resolves to: its LAN IP.
            "socket.gethostbyname" | "socket.gethostbyname_ex" => {
                if first.is_some_and(|a| self.is_hostname_read(a, scope)) {
                    return Direct::Source(
                        Kinds::of(DataKind::NetworkInterfaces),
                        Rc::from(format!("{callee}(socket.gethostname())")),
                    );
                }
                return Direct::No;
            }
            _ => {}
        }
        if api.is_file_read(&callee) {
            return first
                .map(|a| self.file_source(a, scope, &callee))
                .unwrap_or(Direct::No);
        }
        self.local_file_read(c, scope)
    }

    /// `read("/etc/hosts")` where the file's own `read` opens its parameter.
    fn local_file_read(&self, c: &'a ast::ExprCall, scope: ScopeId) -> Direct {
        let Some((f, skip)) = self.local_callee(&c.func, scope) else {
            return Direct::No;
        };
        for &(g, i) in &self.opened_params {
            if g != f || i < skip {
                continue;
            }
            if let Some(a) = c.arguments.args.get(i - skip) {
                if let Direct::Source(k, api) = self.file_source(a, scope, self.funcs[f].name) {
                    return Direct::Source(k, api);
                }
            }
        }
        Direct::No
    }

    /// The identity a file read at `path` returns, by the shape of the path.
    fn file_source(&self, path: &'a Expr, scope: ScopeId, how: &str) -> Direct {
        let shape = self.shape_of(path, scope);
        let kind = py_api()
            .sensitive_file(&shape)
            .or_else(|| telltale_shell::sensitive_path(&shape).map(|(k, _)| k));
        match kind {
            Some(k) => Direct::Source(Kinds::of(k), Rc::from(format!("{how}({shape})"))),
            None => Direct::No,
        }
    }

    /// Whether `e` reads the host name directly or is a variable assigned only that.
    fn is_hostname_read(&self, e: &'a Expr, scope: ScopeId) -> bool {
        let direct = |x: &'a Expr, s: ScopeId| matches!(self.direct_source(x, s), Direct::Source(k, _) if k.contains(DataKind::Hostname));
        if direct(e, scope) {
            return true;
        }
        match self.var_of(e, scope).map(|v| self.bindings_of(v)) {
            Some(
                [crate::Binding::Assign {
                    value, scope: s, ..
                }],
            ) => direct(value, *s),
            _ => false,
        }
    }

    /// What all of `es` carry together.
    pub(crate) fn atoms_of_all(&self, es: &[&'a Expr], scope: ScopeId) -> Atoms {
        let mut out = Atoms::default();
        for e in es {
            self.atoms_into(e, scope, &mut out, 0);
        }
        out
    }

    pub(crate) fn atoms(&self, e: &'a Expr, scope: ScopeId) -> Atoms {
        let mut out = Atoms::default();
        self.atoms_into(e, scope, &mut out, 0);
        out
    }

    fn add(&self, out: &mut Atoms, kinds: Kinds, r: TextRange, api: Rc<str>) {
        out.kinds = out.kinds.union(kinds);
        if out.source.is_none() {
            out.source = Some((r, api));
        }
    }

    fn atoms_into(&self, e: &'a Expr, scope: ScopeId, out: &mut Atoms, depth: u32) {
        if depth > MAX_DEPTH {
            return;
        }
        let d = depth + 1;
        match e {
            Expr::Name(_) | Expr::Attribute(_) | Expr::Subscript(_) => {
                match self.direct_source(e, scope) {
                    Direct::Source(k, api) => return self.add(out, k, e.range(), api),
                    Direct::Quiet => return,
                    Direct::No => {}
                }
                if let Some(var) = self.var_of(e, scope) {
                    if let Some(&n) = self.nodes.get(&var) {
                        out.deps.push(n);
                    }
                    if matches!(e, Expr::Name(_)) || matches!(var, Var::Attr(..)) {
                        return;
                    }
                }
                match e {
                    Expr::Attribute(a) => {
                        self.part_atoms(&a.value, Some(a.attr.as_str()), scope, out, d)
                    }
                    Expr::Subscript(s) => {
                        let key = match &*s.slice {
                            Expr::StringLiteral(k) => Some(k.value.to_str()),
                            _ => None,
                        };
                        self.part_atoms(&s.value, key, scope, out, d)
                    }
                    _ => {}
                }
            }
            Expr::Call(c) => self.call_atoms(e, c, scope, out, d),
            Expr::BinOp(b) => {
                // The left spine of a long chain in a loop.
                let mut left = &*b.left;
                self.atoms_into(&b.right, scope, out, d);
                while let Expr::BinOp(l) = left {
                    self.atoms_into(&l.right, scope, out, d);
                    left = &l.left;
                }
                self.atoms_into(left, scope, out, d);
            }
            Expr::BoolOp(b) => b
                .values
                .iter()
                .for_each(|v| self.atoms_into(v, scope, out, d)),
            Expr::If(i) => {
                self.atoms_into(&i.body, scope, out, d);
                self.atoms_into(&i.orelse, scope, out, d);
            }
            Expr::UnaryOp(u) if u.op != ast::UnaryOp::Not => {
                self.atoms_into(&u.operand, scope, out, d)
            }
            Expr::FString(f) => {
                for el in f.value.elements() {
                    if let ast::InterpolatedStringElement::Interpolation(i) = el {
                        self.atoms_into(&i.expression, scope, out, d);
                    }
                }
            }
            Expr::Dict(dict) => {
                for item in &dict.items {
                    if let Some(k) = &item.key {
                        // A request's credentials are judged apart (`auth_values`).
                        if crate::collect::auth_key(k).is_some() {
                            continue;
                        }
                        self.atoms_into(k, scope, out, d);
                    }
                    self.atoms_into(&item.value, scope, out, d);
                }
            }
            Expr::List(ast::ExprList { elts, .. })
            | Expr::Tuple(ast::ExprTuple { elts, .. })
            | Expr::Set(ast::ExprSet { elts, .. }) => {
                elts.iter().for_each(|x| self.atoms_into(x, scope, out, d))
            }
            Expr::ListComp(c) => self.atoms_into(&c.elt, scope, out, d),
            Expr::SetComp(c) => self.atoms_into(&c.elt, scope, out, d),
            Expr::Generator(c) => self.atoms_into(&c.elt, scope, out, d),
            Expr::DictComp(c) => {
                if let Some(k) = &c.key {
                    self.atoms_into(k, scope, out, d);
                }
                self.atoms_into(&c.value, scope, out, d);
            }
            Expr::Await(a) => self.atoms_into(&a.value, scope, out, d),
            Expr::Starred(s) => self.atoms_into(&s.value, scope, out, d),
            Expr::Named(n) => self.atoms_into(&n.value, scope, out, d),
            Expr::Yield(y) => {
                if let Some(v) = &y.value {
                    self.atoms_into(v, scope, out, d)
                }
            }
            _ => {}
        }
    }

    fn call_atoms(
        &self,
        e: &'a Expr,
        c: &'a ast::ExprCall,
        scope: ScopeId,
        out: &mut Atoms,
        d: u32,
    ) {
        let api = py_api();
        match self.call_source(e, c, scope) {
            Direct::Source(k, name) => return self.add(out, k, c.range(), name),
            Direct::Quiet => return,
            Direct::No => {}
        }
        let path = self.path_of(&c.func, scope);
        // `int(bits, 2)`: digits read in a base are decoded, not measured.
        if path.as_deref() == Some("int") && c.arguments.args.len() == 2 {
            return self.atoms_into(&c.arguments.args[0], scope, out, d);
        }
        if let Some(p) = path.as_deref() {
            if api.is_env_getter(p)
                || api.is_file_read(p)
                || api.is_predicate(p)
                || api.is_dynamic_code(p)
            {
                return;
            }
            if api.sink(p).is_some() || api.handle_sink(p).is_some() {
                out.kinds = out.kinds.union(self.response_kinds(c, scope));
                return;
            }
            if api.exec_style(p).is_some() {
                let o = self.command_output(c, scope);
                if !o.kinds.is_empty() {
                    self.add(
                        out,
                        o.kinds,
                        c.range(),
                        Rc::from(format!("{p}({})", o.shape)),
                    );
                }
                if o.network {
                    out.kinds.insert(DataKind::NetworkResponse);
                }
            }
        }
        if let Some(name) = self.env_helper_read(c, scope) {
            // `get_env(os.environ, "TERM")`: one variable, not the whole environment.
            if let Direct::Source(k, api) = env_read(&name, "os.environ") {
                self.add(out, k, c.range(), api);
            }
            return;
        }
        if let Some((f, _)) = self.local_callee(&c.func, scope) {
            if let Some(&n) = self.nodes.get(&Var::Ret(f)) {
                out.deps.push(n);
            }
            return;
        }
        if let Expr::Attribute(a) = &*c.func {
            let m = a.attr.as_str();
            // A function of a module (`os.path.abspath(x)`) gets nothing from the module.
            let module = matches!(self.direct_source(&a.value, scope), Direct::No)
                && self
                    .path_of(&a.value, scope)
                    .is_some_and(|p| !p.contains("()"));
            // `Path(p).open()` reads a file (judged by its path); `Image.open(stream)`, a
            // module's function, reads what it is given.
            if api.is_predicate_method(m) || (api.is_path_read_method(m) && !module) {
                return;
            }
            // `settings.get("url")`, `auth.get_headers(cfg)` of an object no API names: the
            // part they name, not the places the store was opened in or the config points
            // at; any other method of such an object (`services.consume_draft()`) answers
            // from it, while a value's own transforms (`d.strip()`, `",".join(parts)`) are
            // the value.
            let unnamed = !module && path.is_none();
            let part = accessor_part(m, &c.arguments.args);
            if unnamed && part.is_some_and(|p| !strings::names_a_place(p)) {
                self.without_places(out, |out| {
                    self.atoms_into(&a.value, scope, out, d);
                    self.arguments_into(c, scope, out, d);
                });
                return;
            }
            if unnamed
                && !strings::names_a_place(part.unwrap_or(m))
                && !TRANSFORM_METHODS.contains(&m)
            {
                self.without_places(out, |out| self.atoms_into(&a.value, scope, out, d));
            } else if !module {
                self.atoms_into(&a.value, scope, out, d);
            }
        }
        self.arguments_into(c, scope, out, d);
    }

    /// What a call's arguments carry (not the functions written in place).
    fn arguments_into(&self, c: &'a ast::ExprCall, scope: ScopeId, out: &mut Atoms, d: u32) {
        for a in c.arguments.args.iter() {
            if !matches!(a, Expr::Lambda(_)) {
                self.atoms_into(a, scope, out, d);
            }
        }
        for k in &c.arguments.keywords {
            if !matches!(k.value, Expr::Lambda(_)) {
                self.atoms_into(&k.value, scope, out, d);
            }
        }
    }

    /// What a named part of a container carries (`ctx.api_url`, `o["url"]`): the
    /// container's data except the places it was told to work in ([`Kinds::PLACES`]), unless
    /// the name is a place itself (`ctx.cwd`, `info.home_dir`) or an environment variable
    /// (`o.NPM_TOKEN`). A part with no name (`o[k]`) is all of it.
    fn part_atoms(
        &self,
        container: &'a Expr,
        name: Option<&str>,
        scope: ScopeId,
        out: &mut Atoms,
        d: u32,
    ) {
        match name {
            Some(n) if !strings::names_a_place(n) && !strings::is_env_name(n) => {
                self.without_places(out, |out| self.atoms_into(container, scope, out, d))
            }
            _ => self.atoms_into(container, scope, out, d),
        }
    }

    /// Adds what `add` puts into `out` less [`Kinds::PLACES`]: its direct kinds masked, its
    /// dependencies moved to [`Atoms::parts`].
    fn without_places(&self, out: &mut Atoms, add: impl FnOnce(&mut Atoms)) {
        let kinds = std::mem::replace(&mut out.kinds, Kinds::EMPTY);
        let source = out.source.take();
        let deps = out.deps.len();
        add(out);
        let added = out.kinds.without(Kinds::PLACES);
        out.kinds = kinds.union(added);
        if source.is_some() || added.is_empty() {
            out.source = source;
        }
        while out.deps.len() > deps {
            let n = out.deps.pop().expect("longer than before");
            out.parts.push(n);
        }
    }

    /// The variable a helper reads when it is given the environment and a constant name
    /// (`encoding.GetEncodedValue(os.environ, "TERM", "unknown")`).
    fn env_helper_read(&self, c: &'a ast::ExprCall, scope: ScopeId) -> Option<String> {
        let args = &c.arguments.args;
        let env_at = args.iter().position(|a| {
            self.path_of(a, scope)
                .is_some_and(|p| py_api().is_env_object(&p))
        })?;
        let name = args
            .get(env_at + 1)
            .and_then(|a| self.value_of(a, scope))
            .and_then(|v| v.text())?;
        let looks_like_name =
            !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        looks_like_name.then_some(name)
    }

    /// What a request's response carries: network data, and the user's location when the
    /// request asks an IP-geolocation service.
    pub(crate) fn response_kinds(&self, c: &'a ast::ExprCall, scope: ScopeId) -> Kinds {
        let mut k = Kinds::of(DataKind::NetworkResponse);
        if self.call_endpoint(c, scope).is_some_and(|(host, _)| {
            vendors::geoip_service(&host).is_some_and(|s| s.returns_country)
        }) {
            k.insert(DataKind::GeoIpAnswer);
        }
        k
    }

    /// What a value carries after the fixpoint.
    pub(crate) fn resolve_kinds(&self, a: &Atoms) -> Kinds {
        let k = a
            .deps
            .iter()
            .fold(a.kinds, |k, d| k.union(self.node_kinds[*d as usize]));
        a.parts.iter().fold(k, |k, d| {
            k.union(self.node_kinds[*d as usize].without(Kinds::PLACES))
        })
    }

    pub(crate) fn kinds_of(&self, e: &'a Expr, scope: ScopeId) -> Kinds {
        self.resolve_kinds(&self.atoms(e, scope))
    }

    /// Steps from where data of `want` kinds was read to the expression with these atoms.
    pub(crate) fn steps_for(&self, a: &Atoms, want: Kinds) -> Vec<Step> {
        let mut steps = Vec::new();
        if let Some((r, api)) = &a.source {
            if a.kinds.0 & want.0 != 0 {
                steps.push(Step {
                    span: crate::span_of(*r),
                    what: format!("reads {api}"),
                });
                return steps;
            }
        }
        let part_want = want.without(Kinds::PLACES);
        let Some(node) = a
            .deps
            .iter()
            .copied()
            .find(|d| self.node_kinds[*d as usize].0 & want.0 != 0)
            .or_else(|| {
                a.parts
                    .iter()
                    .copied()
                    .find(|d| self.node_kinds[*d as usize].0 & part_want.0 != 0)
            })
        else {
            return steps;
        };
        graph::trace(
            node,
            |n| {
                self.state[n as usize].as_ref().map(|st| {
                    (
                        crate::span_of(st.span),
                        st.from,
                        st.source
                            .as_ref()
                            .map(|(r, api)| (crate::span_of(*r), api.to_string())),
                    )
                })
            },
            |s| crate::snippet_of(self.src, s.start, s.end),
        )
    }
}

/// Methods whose result is their receiver's own data, transformed (strings', bytes', lists',
/// paths', a model's serialisation).
const TRANSFORM_METHODS: &[&str] = &[
    "strip",
    "lstrip",
    "rstrip",
    "lower",
    "upper",
    "casefold",
    "title",
    "capitalize",
    "split",
    "rsplit",
    "splitlines",
    "partition",
    "rpartition",
    "removeprefix",
    "removesuffix",
    "replace",
    "join",
    "format",
    "format_map",
    "encode",
    "decode",
    "hex",
    "hexdigest",
    "digest",
    "update",
    "copy",
    "items",
    "values",
    "keys",
    "zfill",
    "ljust",
    "rjust",
    "center",
    "translate",
    "expandtabs",
    "resolve",
    "absolute",
    "expanduser",
    "as_posix",
    "as_uri",
    "joinpath",
    "relative_to",
    "with_name",
    "with_suffix",
    "to_dict",
    "dict",
    "json",
    "model_dump",
    "model_dump_json",
    "_asdict",
    "serialize",
    "dumps",
    "tolist",
    "pop",
    "popitem",
    "setdefault",
    "result",
];

/// The part an accessor method names: `get("url")` the key, `get_auth_headers(…)` its own
/// name; none for `get(k)` with a key it computes.
fn accessor_part<'a>(method: &'a str, args: &'a [Expr]) -> Option<&'a str> {
    let key = match args.first() {
        Some(Expr::StringLiteral(k)) => Some(k.value.to_str()),
        _ => None,
    };
    match method {
        "get" | "get_value" | "get_setting" | "get_config" | "get_secret" | "get_option" => key,
        m => m.strip_prefix("get_").filter(|r| !r.is_empty()),
    }
}

/// A read of one environment variable: its kind by name, or nothing for other variables.
fn env_read(name: &str, via: &str) -> Direct {
    match py_api().env_var(name) {
        Some(k) => Direct::Source(Kinds::of(k), Rc::from(format!("{via}['{name}']"))),
        None => Direct::Quiet,
    }
}

pub(crate) fn run(an: &mut Analyzer<'_>) {
    fixpoint(an);
    record_sources(an);
}

/// Propagate kinds along the edges to the fixpoint ([`telltale_facts::graph::propagate`]) and
/// keep, for each variable that got data, where it first came from (for steps).
fn fixpoint(an: &mut Analyzer<'_>) {
    let count = an.nodes.len();
    let mut deps: Vec<NodeId> = Vec::new();
    let mut edges = Vec::with_capacity(an.edges.len());
    let mut sources = Vec::with_capacity(an.edges.len());
    // Index into the analyzer's edges of each built edge (parts add edges of their own).
    let mut origin = Vec::with_capacity(an.edges.len());
    for (i, e) in an.edges.iter().enumerate() {
        let start = deps.len();
        let EdgeSrc::Expr(x, scope) = e.src;
        let a = an.atoms(x, scope);
        deps.extend(a.deps.iter().copied().filter(|d| *d != e.target));
        edges.push(graph::Edge {
            target: e.target,
            kinds: a.kinds,
            deps: start..deps.len(),
            keep: Kinds::ALL,
        });
        sources.push(a.source);
        origin.push(i);
        if !a.parts.is_empty() {
            // The parts read out of containers: everything but the places.
            let start = deps.len();
            deps.extend(a.parts.iter().copied().filter(|d| *d != e.target));
            edges.push(graph::Edge {
                target: e.target,
                kinds: Kinds::EMPTY,
                deps: start..deps.len(),
                keep: Kinds::ALL.without(Kinds::PLACES),
            });
            sources.push(None);
            origin.push(i);
        }
    }
    let (kinds, first) = graph::propagate(count, &edges, &deps);
    an.state = vec![None; count];
    for (node, arrival) in first.into_iter().enumerate() {
        let Some(arrival) = arrival else { continue };
        let (from, source) = match arrival.from {
            Some(p) => (Some(deps[p]), None),
            None => (None, sources[arrival.edge].clone()),
        };
        an.state[node] = Some(NodeState {
            span: an.edges[origin[arrival.edge]].span,
            from,
            source,
        });
    }
    an.node_kinds = kinds;
}

/// Every identity and region read of the file, wherever it is (also in conditions and in
/// code whose value goes nowhere): what the file reads, for the identity-read finding and the
/// label.
fn record_sources(an: &mut Analyzer<'_>) {
    let mut out = Vec::new();
    {
        let a: &Analyzer<'_> = an;
        let mut bodies: Vec<(&[Stmt], ScopeId)> = Vec::new();
        for f in &a.funcs {
            if let crate::FnBody::Block(b) = f.body {
                bodies.push((b, f.scope));
            }
        }
        for c in &a.classes {
            bodies.push((c.body, c.scope));
        }
        let mut v = SourceVisitor {
            an: a,
            scope: MODULE,
            out: &mut out,
            depth: 0,
        };
        for (body, scope) in bodies {
            v.scope = scope;
            v.stmts(body);
        }
        v.scope = MODULE;
        v.stmts(a.body);
        for f in &a.funcs {
            if let crate::FnBody::Expr(e) = f.body {
                v.scope = f.scope;
                v.expr(e);
            }
        }
    }
    an.facts.sources.extend(out);
}

struct SourceVisitor<'a, 'b> {
    an: &'b Analyzer<'a>,
    scope: ScopeId,
    out: &'b mut Vec<SourceFact>,
    depth: u32,
}

impl<'a> SourceVisitor<'a, '_> {
    fn stmts(&mut self, body: &'a [Stmt]) {
        for s in body {
            self.stmt(s);
        }
    }

    fn stmt(&mut self, s: &'a Stmt) {
        use ruff_python_ast::visitor::{walk_stmt, Visitor};
        struct Exprs<'a, 'v, 'b>(&'v mut SourceVisitor<'a, 'b>);
        impl<'a> Visitor<'a> for Exprs<'a, '_, '_> {
            fn visit_stmt(&mut self, s: &'a Stmt) {
                // Nested functions and classes are visited with their own scope.
                if matches!(s, Stmt::FunctionDef(_) | Stmt::ClassDef(_)) {
                    return;
                }
                if self.0.depth >= MAX_DEPTH {
                    return;
                }
                self.0.depth += 1;
                walk_stmt(self, s);
                self.0.depth -= 1;
            }
            fn visit_expr(&mut self, e: &'a Expr) {
                self.0.expr(e);
            }
        }
        Exprs(self).visit_stmt(s);
    }

    fn expr(&mut self, e: &'a Expr) {
        use ruff_python_ast::visitor::{walk_expr, Visitor};
        if self.depth >= MAX_DEPTH || matches!(e, Expr::Lambda(_)) {
            return;
        }
        match self.an.direct_source(e, self.scope) {
            Direct::Source(kinds, api) => {
                for kind in kinds.iter() {
                    self.out.push(SourceFact {
                        kind,
                        api: api.to_string(),
                        span: crate::span_of(e.range()),
                    });
                }
                return;
            }
            Direct::Quiet => return,
            Direct::No => {}
        }
        struct Children<'a, 'v, 'b>(&'v mut SourceVisitor<'a, 'b>);
        impl<'a> Visitor<'a> for Children<'a, '_, '_> {
            fn visit_expr(&mut self, e: &'a Expr) {
                self.0.expr(e);
            }
        }
        self.depth += 1;
        walk_expr(&mut Children(self), e);
        self.depth -= 1;
    }
}
