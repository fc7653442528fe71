//! Pass 2: what data each value carries, as a fixpoint over the edges recorded by
//! [`crate::collect`], and the sinks it reaches: flows with their steps, dynamic code from the
//! network, mass writes over listed directories, and decoded hidden strings.

use crate::collect::function_start;
use crate::prefetch;
use crate::resolve::Val;
use crate::strings;
use crate::{fspan, Analyzer, CallSite, EdgeSrc, Node};
use oxc_ast::ast::*;
use oxc_semantic::SymbolId;
use oxc_span::GetSpan;
use std::rc::Rc;
use telltale_facts::{
    graph, DataKind, DestructiveFact, DynamicCodeFact, EndpointFact, FlowFact, Kinds,
    ObfuscationFact, RequestFact, SinkKind, SourceFact, Step,
};
use telltale_knowledge::credentials;
use telltale_knowledge::{js_api::js_api, vendors};

/// Where a value first got its data (for steps); what it carries is `Analyzer::node_kinds`.
#[derive(Clone, Debug)]
pub(crate) struct NodeState {
    pub span: oxc_span::Span,
    pub from: Option<Node>,
    pub source: Option<(oxc_span::Span, Rc<str>)>,
}

/// The data an expression carries directly (`kinds`, first direct `source`) and the values
/// it depends on (`deps`), before the fixpoint.
#[derive(Default, Debug)]
pub(crate) struct Atoms {
    pub kinds: Kinds,
    pub deps: Vec<Node>,
    /// Containers the value is a named part of (`ctx.apiURL`, `store.get("url")`): it
    /// carries what they carry except [`Kinds::PLACES`].
    pub parts: Vec<Node>,
    pub source: Option<(oxc_span::Span, Rc<str>)>,
    /// Every identity read in the expression, each with its own API.
    pub reads: Vec<(oxc_span::Span, Rc<str>, DataKind)>,
}

impl Atoms {
    /// Empty again, keeping the buffers (one `Atoms` serves every edge of the fixpoint).
    fn clear(&mut self) {
        self.kinds = Kinds::EMPTY;
        self.source = None;
        self.deps.clear();
        self.parts.clear();
        self.reads.clear();
    }
}

/// Finds `process.env[p]` in a function's returned expression: the parameter `p`.
struct EnvLookup<'x, 'a> {
    an: &'x Analyzer<'a>,
    param: Option<SymbolId>,
}

impl<'a> oxc_ast_visit::Visit<'a> for EnvLookup<'_, 'a> {
    fn visit_computed_member_expression(&mut self, it: &ComputedMemberExpression<'a>) {
        if self.param.is_none() {
            if let Expression::Identifier(key) = it.expression.without_parentheses() {
                let object: &'a Expression<'a> = crate::collect::arena(&it.object);
                if self.an.is_env_object(object) {
                    self.param = self.an.symbol_of(key);
                }
            }
        }
        oxc_ast_visit::walk::walk_computed_member_expression(self, it);
    }
}

/// The names a function reads from one parameter, when it uses that parameter only as
/// `p.NAME` or `p[KEY]` with a constant key (see [`Analyzer::env_names_of_param`]).
struct ParamFields<'x, 'a> {
    an: &'x Analyzer<'a>,
    param: SymbolId,
    names: Vec<String>,
    whole: bool,
}

impl<'a> ParamFields<'_, 'a> {
    fn is_param(&self, e: &Expression<'a>) -> bool {
        matches!(e.without_parentheses(), Expression::Identifier(id)
            if self.an.symbol_of(id) == Some(self.param))
    }
}

impl<'a> oxc_ast_visit::Visit<'a> for ParamFields<'_, 'a> {
    fn visit_static_member_expression(&mut self, it: &StaticMemberExpression<'a>) {
        if self.is_param(&it.object) {
            self.names.push(it.property.name.to_string());
            return;
        }
        oxc_ast_visit::walk::walk_static_member_expression(self, it);
    }
    fn visit_computed_member_expression(&mut self, it: &ComputedMemberExpression<'a>) {
        if self.is_param(&it.object) {
            let key: &'a Expression<'a> = crate::collect::arena(&it.expression);
            match self.an.value_of(key).and_then(|v| v.text()) {
                Some(name) => self.names.push(name),
                None => self.whole = true,
            }
            self.visit_expression(&it.expression);
            return;
        }
        oxc_ast_visit::walk::walk_computed_member_expression(self, it);
    }
    fn visit_identifier_reference(&mut self, it: &IdentifierReference<'a>) {
        if self.an.symbol_of(it) == Some(self.param) {
            self.whole = true;
        }
    }
}

/// Claims of a token that say where it is valid (OIDC/JWT `iss`, `aud`): see `atoms_into`.
const TOKEN_ROUTING_CLAIMS: &[&str] = &["iss", "issuer", "aud", "audience"];

/// Methods whose result is a boolean or an index: comparing data does not carry it.
const PREDICATE_METHODS: &[&str] = &[
    "includes",
    "test",
    "indexOf",
    "lastIndexOf",
    "startsWith",
    "endsWith",
    "has",
    "some",
    "every",
    "isArray",
    "hasOwnProperty",
    "localeCompare",
    "search",
    "isNaN",
    "isFinite",
    "existsSync",
    "byteLength",
];

/// File-system reads: their result is the file's content, not their path argument.
const FILE_READ_METHODS: &[&str] = &[
    "readFileSync",
    "readFile",
    "readdirSync",
    "readdir",
    "statSync",
    "stat",
    "lstatSync",
    "realpathSync",
    "createReadStream",
];

const MAX_DEPTH: u32 = 96;

/// Request options that set the request up and are not sent (`fetch(url, { signal })`,
/// `https.get(url, { agent, lookup })`).
/// Calls that return (or stream, or hand their callback) the content of the file their first
/// argument names.
pub(crate) const FILE_READS: &[&str] = &[
    "fs.readFileSync",
    "fs.readFile",
    "fs.promises.readFile",
    "fs/promises.readFile",
    "fs.createReadStream",
    "fs-extra.readFile",
    "fs-extra.readFileSync",
    "fs-extra.readJson",
    "fs-extra.readJsonSync",
];

const SETUP_OPTIONS: &[&str] = &[
    "signal",
    "agent",
    "httpAgent",
    "httpsAgent",
    "dispatcher",
    "lookup",
    "timeout",
    "family",
    "localAddress",
    "keepAlive",
    "redirect",
    "cache",
    "mode",
    "priority",
    "ca",
    "rejectUnauthorized",
    "onProgress",
    "onUploadProgress",
    "onDownloadProgress",
];

impl<'a> Analyzer<'a> {
    fn add_source(&self, out: &mut Atoms, kind: DataKind, span: oxc_span::Span, api: Rc<str>) {
        out.kinds.insert(kind);
        // Generated ids are read too: kept on disk, they become installation ids.
        if kind.is_identity() || kind == DataKind::GeneratedId {
            out.reads.push((span, api.clone(), kind));
        }
        if out.source.is_none() {
            out.source = Some((span, api));
        }
    }

    pub(crate) fn atoms(&self, e: &'a Expression<'a>) -> Atoms {
        let mut out = Atoms::default();
        self.atoms_into(e, &mut out, 0);
        out
    }

    /// What an edge's expression or name carries directly (nothing for the other sources).
    fn source_atoms(&self, e: &crate::Edge<'a>, out: &mut Atoms) {
        match e.src {
            EdgeSrc::Expr(x) => self.atoms_into(x, out, 0),
            EdgeSrc::Name(sym, name) => self.name_atoms(sym, name, e.span, out),
            EdgeSrc::Member(sym, name, key) => self.member_atoms(sym, name, key, e.span, out),
            EdgeSrc::Kinds(..) | EdgeSrc::Region(..) | EdgeSrc::Node(_) => {}
        }
    }

    /// What `o.key` carries when `o` is a local: that field and the object's other writes
    /// if it has fields, else what `o` carries.
    fn member_atoms(
        &self,
        sym: SymbolId,
        name: &str,
        key: &str,
        span: oxc_span::Span,
        out: &mut Atoms,
    ) {
        if self.fields.whole(sym).is_none() {
            return self.name_atoms(Some(sym), name, span, out);
        }
        self.push_container(sym, key, out);
        if let Some(f) = self.fields.get(sym, key) {
            out.deps.push(Node::Field(f));
        }
    }

    /// The writes of a whole object `sym` read as its part `key` (a parameter bound to a
    /// caller's object, `o = other`): a named part of them ([`Self::part_atoms`]).
    fn push_container(&self, sym: SymbolId, key: &str, out: &mut Atoms) {
        if strings::names_a_place(key) || strings::is_env_name(key) {
            out.deps.push(Node::Sym(sym));
        } else {
            out.parts.push(Node::Sym(sym));
        }
    }

    /// What a name carries: an API it stands for, or the value of its symbol.
    pub(crate) fn name_atoms(
        &self,
        sym: Option<SymbolId>,
        name: &str,
        span: oxc_span::Span,
        out: &mut Atoms,
    ) {
        if let Some(p) = self.name_path(sym, name, 0) {
            if let Some(k) = js_api().source(&p) {
                // A generated id is one value wherever it is used: located where it is made,
                // so its uses can be matched with the write that keeps it (`persisted_ids`).
                let span = match (k, sym.and_then(|s| self.inits.get(&s))) {
                    (DataKind::GeneratedId, Some(crate::Init::Expr(e))) => e.span(),
                    _ => span,
                };
                self.add_source(out, k, span, p);
            } else {
                self.link_source(&p, span, out);
            }
        }
        if let Some(sym) = sym {
            out.deps.push(match self.fields.whole(sym) {
                Some(w) => Node::Field(w),
                None => Node::Sym(sym),
            });
        }
    }

    fn atoms_into(&self, e: &'a Expression<'a>, out: &mut Atoms, depth: u32) {
        if depth > MAX_DEPTH {
            return;
        }
        let d = depth + 1;
        let api = js_api();
        match e {
            Expression::Identifier(id) => {
                self.name_atoms(self.symbol_of(id), id.name.as_str(), id.span, out)
            }
            // A token's issuer and audience claims (`decode(token).issuer`) name the identity
            // provider and the service it is meant for: where the token is exchanged, public,
            // not the token nor who holds it.
            Expression::StaticMemberExpression(m)
                if TOKEN_ROUTING_CLAIMS.contains(&m.property.name.as_str()) => {}
            Expression::StaticMemberExpression(_)
            | Expression::ComputedMemberExpression(_)
            | Expression::ChainExpression(_) => {
                let path = self.path_of(e);
                if let Some(p) = &path {
                    if let Some(k) = api.source(p) {
                        self.add_source(out, k, e.span(), p.clone());
                        return;
                    }
                    if self.link_source(p, e.span(), out) {
                        return;
                    }
                    // Environment variables are separate values: `process.env.NODE_ENV` does
                    // not carry the whole environment.
                    if p.starts_with("process.env.") {
                        return;
                    }
                }
                if self.field_atoms(e, out) {
                    return;
                }
                if self.env_by_listed_names(e, out) {
                    return;
                }
                // `env.GITHUB_API_URL` where `env` is the environment passed along: one variable,
                // not the whole environment (as `process.env.X` is).
                if let Some(name) = e
                    .as_member_expression()
                    .filter(|m| crate::last_name(m.object()).is_some_and(names_an_environment))
                    .and_then(|m| m.static_property_name())
                    .filter(|n| strings::is_env_name(n))
                {
                    if let Some(k) = api.env_var(name) {
                        self.add_source(out, k, e.span(), Rc::from(format!("env.{name}").as_str()));
                    }
                    return;
                }
                match e {
                    Expression::StaticMemberExpression(m) => {
                        self.part_atoms(&m.object, Some(m.property.name.as_str()), out, d)
                    }
                    Expression::ComputedMemberExpression(m) => {
                        self.part_atoms(&m.object, string_key(&m.expression), out, d)
                    }
                    Expression::ChainExpression(c) => match &c.expression {
                        ChainElement::CallExpression(call) => {
                            self.call_atoms(e, &call.callee, &call.arguments, out, d)
                        }
                        ChainElement::StaticMemberExpression(m) => {
                            self.part_atoms(&m.object, Some(m.property.name.as_str()), out, d)
                        }
                        ChainElement::ComputedMemberExpression(m) => {
                            self.part_atoms(&m.object, string_key(&m.expression), out, d)
                        }
                        _ => {}
                    },
                    _ => {}
                }
            }
            Expression::CallExpression(c) => self.call_atoms(e, &c.callee, &c.arguments, out, d),
            Expression::NewExpression(n) => {
                if let Some(&r) = self.promise_resolvers.get(&n.span.start) {
                    out.deps.push(Node::Sym(r));
                    return;
                }
                // An instance of a class of the file: its arguments went to the constructor
                // and what it keeps is read through its methods, not through the object (a
                // client holding a token and a cache is not a payload of both).
                if self.constructed_class(e).is_some() {
                    return;
                }

                self.call_atoms(e, &n.callee, &n.arguments, out, d)
            }
            Expression::BinaryExpression(b) => {
                if b.operator.is_arithmetic() || b.operator.is_bitwise() {
                    self.atoms_into(&b.left, out, d);
                    self.atoms_into(&b.right, out, d);
                }
            }
            Expression::LogicalExpression(l) => {
                // `a && b` is `a` only when `a` is falsy (empty, 0, null): no data of `a` leaves
                // through it (`...(token && { Authorization: … })`).
                if l.operator != LogicalOperator::And {
                    self.atoms_into(&l.left, out, d);
                }
                self.atoms_into(&l.right, out, d);
            }
            Expression::ConditionalExpression(c) => {
                self.atoms_into(&c.consequent, out, d);
                self.atoms_into(&c.alternate, out, d);
            }
            Expression::AssignmentExpression(a) => self.atoms_into(&a.right, out, d),
            Expression::SequenceExpression(s) => {
                if let Some(last) = s.expressions.last() {
                    self.atoms_into(last, out, d)
                }
            }
            Expression::ParenthesizedExpression(p) => self.atoms_into(&p.expression, out, d),
            Expression::AwaitExpression(a) => self.atoms_into(&a.argument, out, d),
            Expression::YieldExpression(y) => {
                if let Some(a) = &y.argument {
                    self.atoms_into(a, out, d)
                }
            }
            Expression::UnaryExpression(u) => {
                if !matches!(
                    u.operator,
                    UnaryOperator::LogicalNot
                        | UnaryOperator::Typeof
                        | UnaryOperator::Void
                        | UnaryOperator::Delete
                ) {
                    self.atoms_into(&u.argument, out, d)
                }
            }
            Expression::TemplateLiteral(t) => {
                for x in &t.expressions {
                    self.atoms_into(x, out, d);
                }
            }
            Expression::TaggedTemplateExpression(t) => {
                for x in &t.quasi.expressions {
                    self.atoms_into(x, out, d);
                }
            }
            Expression::ObjectExpression(o) => {
                for p in &o.properties {
                    match p {
                        ObjectPropertyKind::ObjectProperty(p) => {
                            // A request's credentials are judged apart (`auth_values`).
                            let auth = p
                                .key
                                .static_name()
                                .is_some_and(|k| telltale_knowledge::credentials::is_auth_key(&k));
                            if !p.method && !auth {
                                self.atoms_into(&p.value, out, d)
                            }
                        }
                        ObjectPropertyKind::SpreadProperty(s) => {
                            self.atoms_into(&s.argument, out, d)
                        }
                    }
                }
            }
            Expression::ArrayExpression(a) => {
                for el in &a.elements {
                    match el {
                        ArrayExpressionElement::SpreadElement(s) => {
                            self.atoms_into(&s.argument, out, d)
                        }
                        other => {
                            if let Some(x) = other.as_expression() {
                                self.atoms_into(x, out, d)
                            }
                        }
                    }
                }
            }
            Expression::TSAsExpression(t) => self.atoms_into(&t.expression, out, d),
            Expression::TSNonNullExpression(t) => self.atoms_into(&t.expression, out, d),
            Expression::TSSatisfiesExpression(t) => self.atoms_into(&t.expression, out, d),
            _ => {}
        }
    }

    fn call_atoms(
        &self,
        whole: &'a Expression<'a>,
        callee: &'a Expression<'a>,
        args: &'a [Argument<'a>],
        out: &mut Atoms,
        d: u32,
    ) {
        let api = js_api();
        let callee_path = self.call_path(callee, args);
        // What the call returns is `callee()`, except for module loads; one walk of the callee.
        let whole_path = match callee_path.as_deref() {
            Some("require" | "module.createRequire()") => self.path_of(whole),
            Some(c) if !c.is_empty() => Some(crate::resolve::called(c)),
            _ => None,
        };
        if let Some(p) = whole_path {
            if let Some(k) = api.source(&p) {
                self.add_source(out, k, whole.span(), p);
                return;
            }
            if self.link_source(&p, whole.span(), out) {
                return;
            }
        }
        if let Some(p) = callee_path.as_deref() {
            if WASM_COMPILERS.contains(&p) {
                return;
            }
            if api.sink(p).is_some() {
                out.kinds = out.kinds.union(response_kinds(self, args));
                return;
            }
            if api.is_exec(p) {
                // A child process or its output carries what the command says, not the
                // environment or options it was started with (`spawn(cmd, args, { env })`),
                // and what the command prints (`whoami`, `curl -s URL`).
                self.command_atoms(args, out, d);
                let printed = self.command_output(p, args, whole.span());
                for k in printed.kinds.iter() {
                    self.add_source(out, k, whole.span(), printed.shape.clone());
                }
                if printed.network {
                    out.kinds.insert(DataKind::NetworkResponse);
                }
                return;
            }
            if api.is_url_loader(p) {
                // `Jimp.read("https://…")` downloads; `Jimp.read("./logo.png")` reads a file.
                let url = args
                    .first()
                    .and_then(|a| a.as_expression())
                    .map(|a| self.shape_of(a).to_ascii_lowercase());
                if url.is_some_and(|u| u.starts_with("https://") || u.starts_with("http://")) {
                    out.kinds.insert(DataKind::NetworkResponse);
                }
                return;
            }
            if api.is_directory_listing(p) {
                if self.broad_listings.contains(&whole.span().start) {
                    out.kinds.insert(DataKind::DirectoryListing);
                }
                return;
            }
            if FILE_READS.contains(&p) {
                if let Some((k, api_name)) = self.file_read(p, args) {
                    self.add_source(out, k, whole.span(), api_name);
                }
                return;
            }
        }
        let local = self.callee_function(callee);
        if let Some(f) = local {
            // `getEnv("GOOGLE_CLOUD_PROJECT")`: the variable this call names, not every
            // name the helper is called with.
            if let Some(name) = self.env_getter_name(f, args) {
                self.env_names_read(whole, vec![name], out);
                return;
            }
            // A helper made of its arguments: what this call passes it (while `own_data`
            // asks, also what the helper returns: the marker of its parameters).
            let own_pass = self.own_pass.get();
            if self.is_passthrough(f) || self.returns_only_arguments.contains(&f) {
                self.passed_atoms(f, whole, args, out, d);
                if !own_pass {
                    return;
                }
            }
            out.deps.push(Node::Ret(f));
            return;
        }
        let mut skip_args = 0;
        if let Expression::StaticMemberExpression(m) = callee.without_parentheses() {
            if PREDICATE_METHODS.contains(&m.property.name.as_str()) {
                return;
            }
            // A string's own methods: what they return is made of the string (and of
            // `replace`'s replacement), not of the pattern or the positions they are given
            // (`value.replace(secretPattern, "<redacted>")` does not hold the secret).
            // A process started by a launcher the catalogue does not know (`pty.spawn`, a
            // class's `spawnPty`) carries its command, like `child_process.spawn`: not the
            // environment and options it is started with.
            if launches_a_process(m.property.name.as_str()) {
                self.command_atoms(args, out, d);
                return;
            }
            match m.property.name.as_str() {
                "replace" | "replaceAll" => skip_args = 1,
                "split" | "match" | "matchAll" | "slice" | "substring" | "substr" | "at"
                | "charAt" | "trim" | "trimStart" | "trimEnd" | "toLowerCase" | "toUpperCase"
                | "normalize"
                // a typed array's window: its positions are addresses, not data.
                | "subarray" => skip_args = usize::MAX,
                _ => {}
            }
            // `p.then(v => …)` resolves to what the callback returns (it receives what `p`
            // resolves to); `p.catch(e => …)` to that or what `p` resolves to.
            if matches!(m.property.name.as_str(), "then" | "catch") {
                let callback = args
                    .first()
                    .and_then(|a| a.as_expression())
                    .and_then(function_start)
                    .and_then(|s| self.fn_by_start.get(&s).copied());
                if let Some(f) = callback {
                    out.deps.push(Node::Ret(f));
                    if m.property.name == "then" {
                        return;
                    }
                }
            }
            // A file read at a path built from the home directory returns the file, not the
            // home directory (also when `fs` is hidden behind a lazy loader).
            if FILE_READ_METHODS.contains(&m.property.name.as_str()) {
                return;
            }
            // A loader the catalogue does not know (`settings.userSettingsLoad({ homeDirectory,
            // environment })`, `store.loadState(dir)`) returns what it loads: the directory
            // and environment it is told where to look are not in its result.
            if names_a_load(m.property.name.as_str()) {
                skip_args = usize::MAX;
            }
            // `settings.get("url")`, `auth.getHeaders(config)` on an object no API names: the
            // part they name, made of the store and the arguments but not of the places the
            // store was opened in or the config points at.
            let method = m.property.name.as_str();
            let part = accessor_part(method, args);
            if callee_path.is_none() && part.is_some_and(|p| !strings::names_a_place(p)) {
                self.without_places(out, |out| {
                    self.atoms_into(&m.object, out, d);
                    self.arguments_atoms(args, 0, out, d);
                });
                return;
            }
            // Any other method of such an object (`services.consumeDraft()`) answers from
            // it, not with the places it was set up with; a value's own transforms
            // (`dir.trim()`, `parts.join("/")`, `info.toString()`) are the value.
            if callee_path.is_none()
                && !strings::names_a_place(part.unwrap_or(method))
                && !TRANSFORM_METHODS.contains(&method)
                && !COMBINING_METHODS.contains(&method)
                && skip_args == 0
            {
                self.without_places(out, |out| self.atoms_into(&m.object, out, d));
            } else {
                self.atoms_into(&m.object, out, d);
            }
            // A method of an object no API names (a service handed in: `S.resetOnce({
            // configDir, homeDirectory: os.homedir(), environment: process.env })`) returns
            // what it finds or does there, not the places and environment it is told.
            // Methods of named APIs (`JSON.stringify`, `Object.assign`) and ones that combine
            // their arguments (`_.merge`) keep every field.
            let told_where =
                callee_path.is_none() && !COMBINING_METHODS.contains(&m.property.name.as_str());
            let keys = told_where.then_some(names_a_context as fn(&str) -> bool);
            self.arguments_atoms_except(args, skip_args, keys, out, d);
            return;
        } else if let Expression::ComputedMemberExpression(m) = callee.without_parentheses() {
            self.atoms_into(&m.object, out, d);
        }
        self.arguments_atoms(args, skip_args, out, d);
    }

    /// What a named part of a container carries (`ctx.apiURL`, `o["url"]`): the container's
    /// data except the places it was told to work in ([`Kinds::PLACES`]), unless the name is
    /// a place itself (`ctx.cwd`, `info.homeDir`) or an environment variable (`o.NPM_TOKEN`).
    /// A part with no name (`o[k]`) is all of it.
    fn part_atoms(
        &self,
        container: &'a Expression<'a>,
        name: Option<&str>,
        out: &mut Atoms,
        d: u32,
    ) {
        match name {
            Some(n) if !strings::names_a_place(n) && !strings::is_env_name(n) => {
                self.without_places(out, |out| self.atoms_into(container, out, d))
            }
            _ => self.atoms_into(container, out, d),
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

    /// What a call of the helper `f` made of its arguments passes it: its arguments, except
    /// `process.env` given to a parameter the helper only reads names of
    /// (`threadId(process.env)` with `H.AMP_THREAD_ID` in it): those variables.
    fn passed_atoms(
        &self,
        f: usize,
        whole: &'a Expression<'a>,
        args: &'a [Argument<'a>],
        out: &mut Atoms,
        d: u32,
    ) {
        for (i, a) in args.iter().enumerate() {
            let env_names = a
                .as_expression()
                .filter(|x| self.path_of(x).as_deref() == Some("process.env"))
                .and_then(|_| self.params_of(f).get(i).copied().flatten())
                .and_then(|p| self.env_names_of_param(f, p));
            match env_names {
                Some(names) => {
                    self.env_names_read(whole, names, out);
                }
                None => self.argument_atoms(i, a, None, out, d),
            }
        }
    }

    /// The names a function reads from parameter `p`, when it uses `p` only as `p.NAME` or
    /// `p[KEY]` with a constant key (never whole, spread, or by a key it computes).
    pub(crate) fn env_names_of_param(&self, f: usize, p: SymbolId) -> Option<Vec<String>> {
        let mut v = ParamFields {
            an: self,
            param: p,
            names: Vec::new(),
            whole: false,
        };
        match &self.funcs[f].body {
            crate::FnBody::Block(body) => oxc_ast_visit::Visit::visit_function_body(&mut v, body),
            crate::FnBody::Expr(e) => oxc_ast_visit::Visit::visit_expression(&mut v, e),
        }
        (!v.whole && !v.names.is_empty()).then_some(v.names)
    }

    /// What a call's arguments carry from the `skip`th on: not the functions written in
    /// place (code, not data) nor `process.env` after the first (a lookup table).
    fn arguments_atoms(&self, args: &'a [Argument<'a>], skip: usize, out: &mut Atoms, d: u32) {
        self.arguments_atoms_except(args, skip, None, out, d)
    }

    /// [`Self::arguments_atoms`], leaving out the fields of object literals whose keys
    /// `keys` names.
    fn arguments_atoms_except(
        &self,
        args: &'a [Argument<'a>],
        skip: usize,
        keys: Option<fn(&str) -> bool>,
        out: &mut Atoms,
        d: u32,
    ) {
        for (i, a) in args.iter().enumerate().skip(skip) {
            self.argument_atoms(i, a, keys, out, d);
        }
    }

    /// What the `i`th argument carries (see [`Self::arguments_atoms_except`]).
    fn argument_atoms(
        &self,
        i: usize,
        a: &'a Argument<'a>,
        keys: Option<fn(&str) -> bool>,
        out: &mut Atoms,
        d: u32,
    ) {
        match a {
            Argument::SpreadElement(s) => self.atoms_into(&s.argument, out, d),
            other => {
                if let Some(x) = other.as_expression() {
                    if function_start(x).is_none() && !(i > 0 && self.is_environment(x)) {
                        match keys {
                            Some(k) => self.object_atoms_except(x, k, out, d),
                            None => self.atoms_into(x, out, d),
                        }
                    }
                }
            }
        }
    }

    /// What a started process carries: its command and argument list, not the environment
    /// and options it is started with (`spawn(cmd, args, { env })`).
    fn command_atoms(&self, args: &'a [Argument<'a>], out: &mut Atoms, d: u32) {
        for a in args.iter().take(2) {
            if let Some(x) = a.as_expression() {
                if !matches!(x.without_parentheses(), Expression::ObjectExpression(_)) {
                    self.atoms_into(x, out, d);
                }
            }
        }
    }

    /// What an argument of a request puts in it: an options literal's fields except those
    /// that only set the request up (`signal`, `agent`, `lookup`, `timeout` …), which are
    /// not sent.
    fn request_atoms(&self, a: &'a Expression<'a>) -> Atoms {
        let mut out = Atoms::default();
        // A basic-auth URL's user information is its credentials, judged apart
        // (`credentials.rs`); the rest of the URL is what it sends.
        if let Some((literals, values)) = url_pieces(a) {
            let n = credentials::userinfo_values(&literals);
            if n > 0 {
                for v in &values[n..] {
                    self.atoms_into(v, &mut out, 0);
                }
                return out;
            }
        }
        self.object_atoms_except(a, |k| SETUP_OPTIONS.contains(&k), &mut out, 0);
        out
    }

    /// What `a` carries; for an object literal, its fields except those whose key `skip`s.
    fn object_atoms_except(
        &self,
        a: &'a Expression<'a>,
        skip: impl Fn(&str) -> bool,
        out: &mut Atoms,
        d: u32,
    ) {
        let Expression::ObjectExpression(o) = a.without_parentheses() else {
            return self.atoms_into(a, out, d);
        };
        for p in &o.properties {
            match p {
                ObjectPropertyKind::ObjectProperty(p) => {
                    if p.key.static_name().is_some_and(|k| skip(&k)) {
                        continue;
                    }
                    self.atoms_into(&p.value, out, d);
                }
                ObjectPropertyKind::SpreadProperty(sp) => self.atoms_into(&sp.argument, out, d),
            }
        }
    }

    /// The identity a file read returns, by the shape of its path (the shared catalogue,
    /// then the shell front end's paths: credentials, browser stores, wallets), and the read
    /// as a report names it.
    pub(crate) fn file_read(
        &self,
        p: &str,
        args: &'a [Argument<'a>],
    ) -> Option<(DataKind, Rc<str>)> {
        let shape = self.shape_of(args.first()?.as_expression()?);
        let kind = js_api()
            .sensitive_file(&shape)
            .or_else(|| telltale_shell::sensitive_path(&shape).map(|(k, _)| k))?;
        Some((kind, Rc::from(format!("{p}({shape})").as_str())))
    }

    /// `process.env` itself: passed after the first argument (`parse(cmd, process.env)`,
    /// `expand(template, process.env)`) it is a table the callee looks names up in, and the
    /// result holds those values, not the whole environment.
    fn is_environment(&self, e: &'a Expression<'a>) -> bool {
        matches!(
            e.without_parentheses(),
            Expression::StaticMemberExpression(m) if m.property.name == "env"
        ) && self.path_of(e).as_deref() == Some("process.env")
    }

    /// `process.env[key]` where `key` only takes names from a constant list
    /// (`for (const key of ["PATH", "TEMP"])`): those variables, not the whole environment.
    /// False when the key may be any name (`for (const k in process.env)`).
    fn env_by_listed_names(&self, e: &'a Expression<'a>, out: &mut Atoms) -> bool {
        let Expression::ComputedMemberExpression(m) = e else {
            return false;
        };
        if !self.is_env_object(&m.object) {
            return false;
        }
        let key = match m.expression.without_parentheses() {
            Expression::Identifier(key) => key,
            // `process.env[constants.TOKEN_ENV]`: one variable another module names.
            Expression::StaticMemberExpression(_) => return true,
            _ => return false,
        };
        let Some(sym) = self.symbol_of(key) else {
            return false;
        };
        // `process.env[TOKEN_ENV]` of an imported constant: one variable, named elsewhere.
        if matches!(self.inits.get(&sym), Some(crate::Init::Import(..))) {
            return true;
        }
        let mut names = Vec::new();
        // `function getEnv(name) { return process.env[name]; }`: the names its callers pass.
        if let Some((f, i)) = self.parameter_position(&m.expression, m.span) {
            let mut callers = 0;
            for call in self.calls.iter().filter(|c| c.local == Some(f)) {
                callers += 1;
                let arg = call.args.get(i).and_then(|a| a.as_expression());
                match arg.and_then(|a| self.value_at(a, 0)).map(|d| d.val) {
                    Some(Val::Str(s)) if callers <= 64 => names.push(s),
                    _ => return false,
                }
            }
            if callers == 0 {
                return false;
            }
            return self.env_names_read(e, names, out);
        }
        let Some(writers) = self.writers().get(&self.node_index(Node::Sym(sym))) else {
            // Every value the key is given carries nothing (`var KEY; … KEY = "QODER_X"`):
            // constants, so named variables, whichever they are.
            return !self.scoping.symbol_is_unused(sym);
        };
        for &i in writers.iter().take(16) {
            let value = match &self.edges[i as usize].src {
                EdgeSrc::Expr(x) => self.value_at(x, 0),
                EdgeSrc::Name(Some(s), _) => self.symbol_value(*s, 0),
                _ => return false,
            };
            match value.map(|d| d.val) {
                Some(Val::Str(s)) => names.push(s),
                Some(Val::Arr(items)) => {
                    for item in items {
                        let Val::Str(s) = item else { return false };
                        names.push(s);
                    }
                }
                // `const KEY = envName("CENTER_ENDPOINT")` (a prefix chosen by the build in
                // front): one variable named for that constant.
                _ => match &self.edges[i as usize].src {
                    EdgeSrc::Expr(x) => match self.named_variable(x) {
                        Some(name) => names.push(name),
                        None => return false,
                    },
                    _ => return false,
                },
            }
        }
        self.env_names_read(e, names, out)
    }

    /// The variable a call of a local environment getter reads: `f` returns
    /// `process.env[p]` of its parameter `p` (`function getEnv(name) { return
    /// process.env[name]?.trim(); }`) and the call passes a constant name there.
    fn env_getter_name(&self, f: usize, args: &'a [Argument<'a>]) -> Option<String> {
        let returned = self.function_return(f)?;
        let mut finder = EnvLookup {
            an: self,
            param: None,
        };
        oxc_ast_visit::Visit::visit_expression(&mut finder, returned);
        let sym = finder.param?;
        let i = self.params_of(f).iter().position(|p| *p == Some(sym))?;
        let arg = args.get(i)?.as_expression()?;
        match self.value_of(arg)?.val {
            Val::Str(s) => Some(s),
            _ => None,
        }
    }

    /// `process.env`, also as compiled optional chaining keeps it in a temporary
    /// (`(_a = process === null || process === void 0 ? void 0 : process.env) === null ||
    /// _a === void 0 ? void 0 : _a[name]`).
    fn is_env_object(&self, e: &'a Expression<'a>) -> bool {
        if self.path_of(e).as_deref() == Some("process.env") {
            return true;
        }
        let Expression::Identifier(id) = e.without_parentheses() else {
            return false;
        };
        let Some(sym) = self.symbol_of(id) else {
            return false;
        };
        let Some(writers) = self.writers().get(&self.node_index(Node::Sym(sym))) else {
            return false;
        };
        writers.len() <= 4
            && writers.iter().all(|&i| match &self.edges[i as usize].src {
                EdgeSrc::Expr(x) => {
                    let mut x = x.without_parentheses();
                    // `c ? void 0 : process.env`: the environment or nothing.
                    while let Expression::ConditionalExpression(c) = x {
                        x = if crate::collect::carries_nothing(&c.consequent) {
                            c.alternate.without_parentheses()
                        } else {
                            c.consequent.without_parentheses()
                        };
                    }
                    self.path_of(x).as_deref() == Some("process.env")
                }
                _ => false,
            })
    }

    /// The variable name a call that builds one is given (`envName("CENTER_ENDPOINT")`):
    /// its one constant argument written like an environment variable.
    fn named_variable(&self, x: &'a Expression<'a>) -> Option<String> {
        let Expression::CallExpression(c) = x.without_parentheses() else {
            return None;
        };
        let [arg] = c.arguments.as_slice() else {
            return None;
        };
        let Expression::StringLiteral(s) = arg.as_expression()?.without_parentheses() else {
            return None;
        };
        let name = s.value.as_str();
        let env_like = name.len() >= 3
            && name.starts_with(|c: char| c.is_ascii_uppercase())
            && name
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
        env_like.then(|| name.to_string())
    }

    /// `process.env[…]` reading only `names`: what those variables are.
    fn env_names_read(&self, e: &'a Expression<'a>, names: Vec<String>, out: &mut Atoms) -> bool {
        let api = js_api();
        for name in names {
            if let Some(k) = api.env_var(&name) {
                self.add_source(
                    out,
                    k,
                    e.span(),
                    Rc::from(format!("process.env.{name}").as_str()),
                );
            }
        }
        true
    }

    /// `o.k` of a local object with literal-key fields: the field and the object's other
    /// writes, not its other fields. False when `e` is no such read.
    fn field_atoms(&self, e: &'a Expression<'a>, out: &mut Atoms) -> bool {
        let member = match e {
            Expression::ChainExpression(c) => match &c.expression {
                ChainElement::StaticMemberExpression(_)
                | ChainElement::ComputedMemberExpression(_) => c.expression.as_member_expression(),
                _ => None,
            },
            other => other.as_member_expression(),
        };
        let Some(m) = member else { return false };
        let (object, key) = match m {
            MemberExpression::StaticMemberExpression(s) => (&s.object, s.property.name.as_str()),
            MemberExpression::ComputedMemberExpression(c) => match &c.expression {
                Expression::StringLiteral(k) => (&c.object, k.value.as_str()),
                _ => return false,
            },
            MemberExpression::PrivateFieldExpression(_) => return false,
        };
        if let Some(field) = self.this_field(object, key) {
            out.deps.extend(field);
            return true;
        }
        // `this.options.url` where the constructor kept `this.options = options`: the field
        // `url` of what was kept, not every option.
        if let Expression::StaticMemberExpression(inner) = object.without_parentheses() {
            if let Some(Expression::Identifier(id)) = self
                .this_property(&inner.object, inner.property.name.as_str())
                .map(|w| w.without_parentheses())
            {
                if let Some(sym) = self
                    .symbol_of(id)
                    .filter(|s| self.fields.whole(*s).is_some())
                {
                    self.member_atoms(sym, id.name.as_str(), key, e.span(), out);
                    return true;
                }
            }
        }
        let Expression::Identifier(id) = object.without_parentheses() else {
            return false;
        };
        let Some(sym) = self.symbol_of(id) else {
            return false;
        };
        if self.fields.whole(sym).is_none() {
            return false;
        }
        self.push_container(sym, key, out);
        if let Some(f) = self.fields.get(sym, key) {
            out.deps.push(Node::Field(f));
        }
        true
    }

    /// Current kinds of atoms: direct kinds plus what their dependencies carry now.
    pub(crate) fn resolve_kinds(&self, a: &Atoms) -> Kinds {
        let mut k = a.kinds;
        for dep in &a.deps {
            k = k.union(self.kinds_of_node(*dep));
        }
        for part in &a.parts {
            k = k.union(self.kinds_of_node(*part).without(Kinds::PLACES));
        }
        k
    }

    /// Dense index of a value: symbols first, then function returns.
    pub(crate) fn node_index(&self, n: Node) -> usize {
        match n {
            Node::Sym(s) => s.index(),
            Node::Ret(f) => self.scoping.symbols_len() + f,
            Node::Field(i) => self.scoping.symbols_len() + self.funcs.len() + i as usize,
        }
    }

    /// What a value carries after the fixpoint.
    pub(crate) fn kinds_of_node(&self, n: Node) -> Kinds {
        self.node_kinds
            .get(self.node_index(n))
            .copied()
            .unwrap_or_default()
    }

    /// The kinds an expression carries after the fixpoint.
    pub(crate) fn kinds_of(&self, e: &'a Expression<'a>) -> Kinds {
        self.resolve_kinds(&self.atoms(e))
    }

    /// Steps from where data of `want` kinds was read to the expression with these atoms.
    pub(crate) fn steps_for(&self, a: &Atoms, want: Kinds) -> Vec<Step> {
        let mut steps = Vec::new();
        if let Some((span, api)) = &a.source {
            if a.kinds.0 & want.0 != 0 {
                steps.push(Step {
                    span: fspan(*span),
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
            .find(|d| self.kinds_of_node(*d).0 & want.0 != 0)
            .or_else(|| {
                a.parts
                    .iter()
                    .copied()
                    .find(|d| self.kinds_of_node(*d).0 & part_want.0 != 0)
            })
        else {
            return steps;
        };
        if let Some(steps) = self.trace_kinds(node, want) {
            return steps;
        }
        // A property and its whole object are written by the same statement, and data that
        // arrives whole (a response, a caller's argument) is read where it lands: one step each.
        graph::trace(
            node,
            |n| {
                self.state.get(&n).map(|st| {
                    (
                        fspan(st.span),
                        st.from,
                        st.source
                            .as_ref()
                            .map(|(s, api)| (fspan(*s), api.to_string())),
                    )
                })
            },
            |s| self.snippet(oxc_span::Span::new(s.start, s.end)),
        )
    }

    /// The way the data in `want` came to `start`: a shortest chain of writes back to a read
    /// of it, each write a value that carries it. The first write of a value (what
    /// [`graph::trace`] follows) may have brought other data than the data reported.
    fn trace_kinds(&self, start: Node, want: Kinds) -> Option<Vec<Step>> {
        const MAX_NODES: usize = 4096;
        let writers = self.writers();
        // Reached node → (edge into the node it feeds, that node).
        let mut via: rustc_hash::FxHashMap<Node, (usize, Node)> = Default::default();
        let mut queue = std::collections::VecDeque::from([start]);
        let mut seen = rustc_hash::FxHashSet::default();
        seen.insert(start);
        let mut atoms = Atoms::default();
        while let Some(n) = queue.pop_front() {
            if seen.len() > MAX_NODES {
                return None;
            }
            let Some(edges) = writers.get(&self.node_index(n)) else {
                continue;
            };
            for &ei in edges {
                let e = &self.edges[ei as usize];
                atoms.clear();
                let read = match &e.src {
                    EdgeSrc::Kinds(k, api) | EdgeSrc::Region(k, api) => {
                        (k.0 & want.0 != 0).then(|| (e.span, api.clone()))
                    }
                    EdgeSrc::Node(d) => {
                        atoms.deps.push(*d);
                        None
                    }
                    _ => {
                        self.source_atoms(e, &mut atoms);
                        if atoms.kinds.0 & want.0 != 0 {
                            atoms
                                .reads
                                .iter()
                                .find(|(_, _, k)| want.contains(*k))
                                .map(|(s, api, _)| (*s, api.clone()))
                                .or_else(|| atoms.source.clone())
                        } else {
                            None
                        }
                    }
                };
                if let Some((span, api)) = read {
                    let mut steps = vec![Step {
                        span: fspan(span),
                        what: format!("reads {api}"),
                    }];
                    let mut edge = ei as usize;
                    let mut at = n;
                    loop {
                        let write = self.edges[edge].span;
                        if write != span && steps.last().is_none_or(|s| s.span != fspan(write)) {
                            steps.push(Step {
                                span: fspan(write),
                                what: self.snippet(write),
                            });
                        }
                        match via.get(&at) {
                            Some(&(next, to)) if steps.len() < 24 => {
                                edge = next;
                                at = to;
                            }
                            _ => break,
                        }
                    }
                    return Some(steps);
                }
                let part_want = want.without(Kinds::PLACES);
                let deps = atoms.deps.iter().map(|d| (*d, want));
                for (d, w) in deps.chain(atoms.parts.iter().map(|d| (*d, part_want))) {
                    if self.kinds_of_node(d).0 & w.0 != 0 && seen.insert(d) {
                        via.insert(d, (ei as usize, n));
                        queue.push_back(d);
                    }
                }
            }
        }
        None
    }

    /// The host a request handle was opened to: `https.request(opts).end(data)`,
    /// `const r = https.request(opts); r.write(data)`.
    fn handle_endpoint(&self, callee: &'a Expression<'a>) -> Option<(String, Option<String>)> {
        self.call_endpoint(self.handle_opened_with(callee)?)
    }

    /// The arguments the handle a method is called on was opened with (`s.write(d)` of
    /// `const s = net.connect(opts)`).
    fn handle_opened_with(&self, callee: &'a Expression<'a>) -> Option<&'a [Argument<'a>]> {
        let Expression::StaticMemberExpression(m) = callee.without_parentheses() else {
            return None;
        };
        let opened = match m.object.without_parentheses() {
            Expression::Identifier(id) => match self.symbol_of(id).and_then(|s| self.inits.get(&s))
            {
                Some(crate::Init::Expr(init)) => *init,
                _ => return None,
            },
            other => other,
        };
        match opened.without_parentheses() {
            Expression::CallExpression(c) => Some(&c.arguments),
            Expression::NewExpression(n) => Some(&n.arguments),
            _ => None,
        }
    }

    /// A socket opened on a Unix socket or named pipe, or on this machine's loopback: what
    /// goes through it stays on the machine (a CLI talking to its own daemon).
    fn is_local_socket(&self, callee: &'a Expression<'a>) -> bool {
        let Some(first) = self
            .handle_opened_with(callee)
            .and_then(|args| args.first())
            .and_then(|a| a.as_expression())
        else {
            return false;
        };
        let local_text = |t: &str| {
            t.starts_with('/')
                || t.starts_with("\\\\.\\pipe")
                || t.starts_with("\\\\?\\pipe")
                || matches!(t, "localhost" | "127.0.0.1" | "::1")
        };
        if let Some(t) = self.value_of(first).and_then(|v| v.text()) {
            return local_text(&t);
        }
        // `net.connect({ path })`, `net.connect({ host: "127.0.0.1", port })`.
        if let Some(o) = self.options_object(first) {
            let has_path = o.properties.iter().any(|p| {
                matches!(p, ObjectPropertyKind::ObjectProperty(p)
                    if p.key.static_name().is_some_and(|k| k == "path"))
            });
            return has_path
                || self
                    .option_text(first, "host")
                    .is_some_and(|h| local_text(&h));
        }
        // `net.connect(sockPath)`, `net.createConnection(this.pipeName)`.
        crate::last_name(first).is_some_and(|n| {
            let n = n.to_ascii_lowercase();
            n.contains("sock") || n.contains("pipe") || n.ends_with("path")
        })
    }

    /// The host a request call contacts, from its URL or options argument.
    pub(crate) fn call_endpoint(
        &self,
        args: &'a [Argument<'a>],
    ) -> Option<(String, Option<String>)> {
        let first = args.first()?.as_expression()?;
        if let Some(text) = self.value_of(first).and_then(|v| v.text()) {
            if let Some((url, host)) = strings::urls(&text).into_iter().next() {
                return Some((host, Some(url)));
            }
            if strings::is_host(&text) {
                return Some((text.to_ascii_lowercase(), None));
            }
            return None;
        }
        if matches!(
            first.without_parentheses(),
            Expression::BinaryExpression(_) | Expression::TemplateLiteral(_)
        ) {
            // `"https://t.example.com/?h=" + data`: the host is constant when the URL's start is.
            if let Some(host) = strings::constant_host(&self.shape_of(first)) {
                return Some((host, None));
            }
        }
        ["host", "hostname", "url", "baseURL"]
            .iter()
            .filter_map(|k| self.option_text(first, k))
            .find_map(|text| {
                if let Some((url, host)) = strings::urls(&text).into_iter().next() {
                    return Some((host, Some(url)));
                }
                let host = text.split(':').next().unwrap_or("").to_ascii_lowercase();
                strings::is_host(&host).then_some((host, None))
            })
    }

    /// The constant text of an options object's property (`{ hostname: "h" }`, also through
    /// a constant: `const opts = { … }; request(opts)`).
    fn option_text(&self, options: &'a Expression<'a>, key: &str) -> Option<String> {
        self.options_object(options)?
            .properties
            .iter()
            .find_map(|p| match p {
                ObjectPropertyKind::ObjectProperty(p)
                    if p.key.static_name().as_deref() == Some(key) =>
                {
                    self.value_of(&p.value).and_then(|v| v.text())
                }
                _ => None,
            })
    }

    /// An options object: a literal, or a constant initialised with one.
    pub(crate) fn options_object(
        &self,
        options: &'a Expression<'a>,
    ) -> Option<&'a ObjectExpression<'a>> {
        match options.without_parentheses() {
            Expression::ObjectExpression(o) => Some(o),
            Expression::Identifier(id) => match self.symbol_of(id).and_then(|s| self.inits.get(&s))
            {
                Some(crate::Init::Expr(Expression::ObjectExpression(o))) => Some(o),
                _ => None,
            },
            _ => None,
        }
    }
}

/// WebAssembly's compilers: a compiled module or instance is code and its own heap, not the
/// bytes it was compiled from. Strings the program later reads out of its memory (Emscripten's
/// `EM_ASM` snippets, file names) are the module's, even where its `.wasm` was fetched.
const WASM_COMPILERS: &[&str] = &[
    "WebAssembly.instantiate",
    "WebAssembly.instantiateStreaming",
    "WebAssembly.Instance",
    "WebAssembly.compile",
    "WebAssembly.compileStreaming",
    "WebAssembly.Module",
];

/// Methods whose result is their receiver's own data, transformed (strings', arrays', any
/// value's `toString`).
const TRANSFORM_METHODS: &[&str] = &[
    "toString",
    "valueOf",
    "toJSON",
    "toLocaleString",
    "join",
    "map",
    "filter",
    "flat",
    "flatMap",
    "reduce",
    "reduceRight",
    "find",
    "findLast",
    "sort",
    "toSorted",
    "reverse",
    "toReversed",
    "padStart",
    "padEnd",
    "repeat",
    "keys",
    "pop",
    "shift",
    "finally",
    "catch",
    "digest",
    "update",
    "toArray",
];

/// Methods that build their result from their arguments' fields, whoever defines them.
const COMBINING_METHODS: &[&str] = &[
    "assign",
    "merge",
    "mergeWith",
    "extend",
    "defaults",
    "defaultsDeep",
    "assignIn",
    "clone",
    "cloneDeep",
    "pick",
    "omit",
    "stringify",
    "serialize",
    "encode",
    "concat",
    "from",
    "fromEntries",
    "entries",
    "values",
    "wrap",
    "format",
    "compress",
    "encrypt",
    "sign",
    "pack",
];

/// Option keys that tell a callee where to work or with what environment: `cwd`,
/// `homeDirectory`, `configDir`, `workspaceRoot`, `env`, `environment` (the last camel-case
/// word, any case).
fn names_a_context(key: &str) -> bool {
    let last = key
        .rfind(|c: char| c.is_ascii_uppercase() || c == '_')
        .map_or(key, |i| &key[i..])
        .trim_start_matches('_');
    [
        "cwd",
        "dir",
        "directory",
        "homedir",
        "home",
        "root",
        "env",
        "environment",
    ]
    .iter()
    .any(|w| last.eq_ignore_ascii_case(w))
}

/// The part an accessor method names: `get("url")` and `getValue("url")` the key,
/// `getAuthHeaders(…)` its own name; none for `get(k)` with a key it computes.
fn accessor_part<'a>(method: &'a str, args: &'a [Argument<'a>]) -> Option<&'a str> {
    let rest = method.strip_prefix("get")?;
    let key = args
        .first()
        .and_then(|a| a.as_expression())
        .and_then(string_key);
    match rest {
        "" | "Item" | "Value" | "Setting" | "Config" | "String" | "Secret" | "Option" => key,
        r if r.starts_with(|c: char| c.is_ascii_uppercase()) => Some(r),
        _ => None,
    }
}

/// A URL written as text around values: the literal pieces (one more than the values) and
/// the values, of a template literal or a `+` chain (`"https://u:" + token + "@host/"`).
fn url_pieces<'a>(e: &'a Expression<'a>) -> Option<(Vec<&'a str>, Vec<&'a Expression<'a>>)> {
    match e.without_parentheses() {
        Expression::TemplateLiteral(t) if !t.expressions.is_empty() => Some((
            t.quasis
                .iter()
                .map(|q| {
                    q.value
                        .cooked
                        .as_ref()
                        .map_or(q.value.raw.as_str(), |c| c.as_str())
                })
                .collect(),
            t.expressions.iter().collect(),
        )),
        Expression::BinaryExpression(b) if b.operator == BinaryOperator::Addition => {
            let mut terms = Vec::new();
            let mut left = e.without_parentheses();
            while let Expression::BinaryExpression(b) = left {
                if b.operator != BinaryOperator::Addition {
                    break;
                }
                terms.push(&b.right);
                left = b.left.without_parentheses();
            }
            terms.push(left);
            terms.reverse();
            let (mut literals, mut values) = (vec![""], Vec::new());
            for t in terms {
                match t.without_parentheses() {
                    // Adjacent literals would need joining; a URL split that way is rare.
                    Expression::StringLiteral(s) if literals.last() == Some(&"") => {
                        *literals.last_mut().expect("never empty") = s.value.as_str()
                    }
                    Expression::StringLiteral(_) => return None,
                    other => {
                        values.push(other);
                        literals.push("");
                    }
                }
            }
            (!values.is_empty()).then_some((literals, values))
        }
        _ => None,
    }
}

/// A constant string key (`o["url"]`, `` o[`url`] ``).
fn string_key<'a>(e: &'a Expression<'a>) -> Option<&'a str> {
    match e.without_parentheses() {
        Expression::StringLiteral(s) => Some(s.value.as_str()),
        Expression::TemplateLiteral(t) if t.expressions.is_empty() => t
            .quasis
            .first()
            .and_then(|q| q.value.cooked.as_ref())
            .map(|c| c.as_str()),
        _ => None,
    }
}

/// `userSettingsLoad`, `loadConfig`, `readState`: a method name with the word "load" or
/// "read" (camel case), not one that merely contains it (`reload`, `thread`, `readable`).
fn names_a_load(name: &str) -> bool {
    let mut word = String::new();
    let mut found = false;
    let mut check =
        |w: &str| found |= w.eq_ignore_ascii_case("load") || w.eq_ignore_ascii_case("read");
    for c in name.chars() {
        if c.is_ascii_uppercase() || c == '_' {
            check(&word);
            word.clear();
        }
        if c != '_' {
            word.push(c);
        }
    }
    check(&word);
    found
}

/// A method named for starting a process (`spawn`, `spawnPty`, `fork`, `execFile`).
fn launches_a_process(name: &str) -> bool {
    name.starts_with("spawn") || matches!(name, "fork" | "execFile" | "execFileSync")
}

/// An object named for an environment (`env`, `childEnv`, `environment`), not any object with
/// upper-case keys (`EventNames.TOKEN_STORAGE_INITIALIZATION` is an event name).
fn names_an_environment(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.starts_with("env") || lower.ends_with("env") || lower.contains("environment")
}

/// What a request's response carries: network data, and where the request asks an
/// IP-geolocation service, the user's location.
pub(crate) fn response_kinds<'a>(an: &Analyzer<'a>, args: &'a [Argument<'a>]) -> Kinds {
    let mut k = Kinds::of(DataKind::NetworkResponse);
    if let Some((host, _)) = an.call_endpoint(args) {
        if vendors::geoip_service(&host).is_some_and(|s| s.returns_country) {
            k.insert(DataKind::GeoIpAnswer);
        }
    }
    k
}

pub(crate) fn run(an: &mut Analyzer<'_>) {
    fixpoint(an);
    scan_calls(an);
    crate::dropper::run(an);
}

/// The propagation graph of a file's edges: for each edge what it carries directly and the
/// values it reads, with the identity reads and first sources seen on the way.
pub(crate) struct Built {
    pub edges: Vec<graph::Edge>,
    pub sources: Vec<Option<(oxc_span::Span, Rc<str>)>>,
    pub deps: Vec<Node>,
    pub reads: Vec<SourceFact>,
    /// Index into the analyzer's edges of each built edge (some are left out).
    pub origin: Vec<usize>,
}

/// Reads every edge's atoms into a graph, leaving out the edges `skip` marks.
pub(crate) fn build_graph(an: &Analyzer<'_>, skip: Option<&[bool]>) -> Built {
    let mut deps: Vec<Node> = Vec::new();
    let mut scratch = Atoms::default();
    let mut edges = Vec::with_capacity(an.edges.len());
    let mut sources = Vec::with_capacity(an.edges.len());
    let mut origin = Vec::with_capacity(an.edges.len());
    let mut reads = Vec::new();
    for (i, e) in an.edges.iter().enumerate() {
        if skip.is_some_and(|s| s[i]) {
            continue;
        }
        prefetch::ahead(&an.edges, i, an, |e| match e.src {
            EdgeSrc::Expr(x) => Some(x),
            _ => None,
        });
        if let Some(EdgeSrc::Name(Some(sym), _)) =
            an.edges.get(i + prefetch::SYMBOL_AHEAD).map(|e| &e.src)
        {
            prefetch::symbol(an, *sym);
        }
        let start = deps.len();
        let (kinds, source) = match &e.src {
            EdgeSrc::Expr(_) | EdgeSrc::Name(..) | EdgeSrc::Member(..) => {
                scratch.clear();
                an.source_atoms(e, &mut scratch);
                reads.extend(scratch.reads.drain(..).map(|(span, api, kind)| SourceFact {
                    kind,
                    api: api.to_string(),
                    span: fspan(span),
                }));
                deps.extend(scratch.deps.iter().copied().filter(|d| *d != e.target));
                (scratch.kinds, scratch.source.take())
            }
            EdgeSrc::Kinds(k, api) | EdgeSrc::Region(k, api) => (*k, Some((e.span, api.clone()))),
            EdgeSrc::Node(n) => {
                deps.push(*n);
                (Kinds::EMPTY, None)
            }
        };
        edges.push(graph::Edge {
            target: an.node_index(e.target) as u32,
            kinds,
            deps: start..deps.len(),
            keep: Kinds::ALL,
        });
        sources.push(source);
        origin.push(i);
        // The parts it reads out of containers: an edge of their own that lets everything
        // through but the places (`scratch` holds them only for expression edges).
        if matches!(
            e.src,
            EdgeSrc::Expr(_) | EdgeSrc::Name(..) | EdgeSrc::Member(..)
        ) && !scratch.parts.is_empty()
        {
            let parts_start = deps.len();
            deps.extend(scratch.parts.iter().copied().filter(|d| *d != e.target));
            edges.push(graph::Edge {
                target: an.node_index(e.target) as u32,
                kinds: Kinds::EMPTY,
                deps: parts_start..deps.len(),
                keep: Kinds::ALL.without(Kinds::PLACES),
            });
            sources.push(None);
            origin.push(i);
        }
    }
    Built {
        edges,
        sources,
        deps,
        reads,
        origin,
    }
}

impl Built {
    pub(crate) fn propagate(&self, an: &Analyzer<'_>) -> (Vec<Kinds>, Vec<Option<graph::Arrival>>) {
        let node_count = an.scoping.symbols_len() + an.funcs.len() + an.fields.len();
        let dep_index: Vec<u32> = self.deps.iter().map(|d| an.node_index(*d) as u32).collect();
        graph::propagate(node_count, &self.edges, &dep_index)
    }
}

/// Propagate kinds along the edges to the fixpoint ([`telltale_facts::graph::propagate`]) and
/// keep, for each value that got data, where it first came from (for steps).
fn fixpoint(an: &mut Analyzer<'_>) {
    crate::own_data::decide(an);
    let built = build_graph(an, None);
    let (kinds, first) = built.propagate(an);
    let Built {
        sources,
        deps,
        reads,
        origin,
        ..
    } = built;
    an.facts.sources.extend(reads);
    for arrival in first.into_iter().flatten() {
        let edge = &an.edges[origin[arrival.edge]];
        let (from, source) = match arrival.from {
            Some(p) => (Some(deps[p]), None),
            None => (None, sources[arrival.edge].clone()),
        };
        an.state.insert(
            edge.target,
            NodeState {
                span: edge.span,
                from,
                source,
            },
        );
    }
    an.node_kinds = kinds;
}

fn network_tool_in(cmd: &str) -> bool {
    cmd.split(|c: char| c == ';' || c == '|' || c == '&' || c == '(' || c == '`' || c == '\n')
        .filter_map(|seg| seg.split_whitespace().next())
        .any(|w| {
            matches!(
                w.rsplit('/').next().unwrap_or(w),
                "curl"
                    | "wget"
                    | "nslookup"
                    | "dig"
                    | "host"
                    | "ping"
                    | "nc"
                    | "ncat"
                    | "telnet"
                    | "socat"
            )
        })
}

fn handle_sink(path: &str) -> Option<(SinkKind, &str)> {
    let api = js_api();
    let (base, method) = path.rsplit_once('.')?;
    if !api.send_methods.iter().any(|m| m == method) {
        return None;
    }
    let ctor = base.strip_suffix("()")?;
    if !api.is_handle_constructor(ctor) {
        return None;
    }
    let kind = api.sink(ctor).unwrap_or(match ctor {
        "WebSocket" | "ws" => SinkKind::WebSocket,
        c if c.starts_with("net.") || c.starts_with("tls.") || c.starts_with("dgram.") => {
            SinkKind::Socket
        }
        _ => SinkKind::Http,
    });
    Some((kind, method))
}

/// What names a file in a read or write, to tell whether a write is read back: its constant
/// shape when it has one (`~/.tool/id`), else the variable (a parameter) or the expression it
/// was computed by (`this.getInstallationIdPath()`), as written.
fn file_key<'a>(an: &Analyzer<'a>, e: &'a Expression<'a>) -> Option<String> {
    let shape = an.shape_of(e);
    if !shape.trim_matches(|c| c == '*' || c == '/').is_empty() {
        return Some(format!("shape {shape}"));
    }
    match e.without_parentheses() {
        Expression::Identifier(id) => {
            let sym = an.symbol_of(id)?;
            Some(match an.inits.get(&sym) {
                Some(crate::Init::Expr(init)) => format!("text {}", an.snippet(init.span())),
                _ => format!("sym {sym:?}"),
            })
        }
        other => Some(format!("text {}", an.snippet(other.span()))),
    }
}

/// Where generated ids that a persisting write keeps on disk are made
/// (`fs.writeFileSync(p, id)` with `id` from `randomUUID()`), when the code also reads that
/// file back — the read-or-create store of an installation id, not a log or a report that
/// happens to hold a request id: the starts of their reads, each with the step that says
/// where it is kept.
pub(crate) fn persisted_ids(an: &Analyzer<'_>) -> rustc_hash::FxHashMap<u32, Step> {
    let api = js_api();
    let generated = Kinds::of(DataKind::GeneratedId);
    let mut out = rustc_hash::FxHashMap::default();
    let mut read_back: Option<rustc_hash::FxHashSet<String>> = None;
    for call in &an.calls {
        let path = match call.path.as_deref() {
            Some(p) if api.is_persisting_write(p) => p,
            // The package's own helper named for it (`atomicWriteFileSync(file, data)`).
            _ => match crate::last_name(call.callee).filter(|n| names_a_file_write(n)) {
                Some(name) => name,
                None => continue,
            },
        };
        let Some(data) = call.args.get(1).and_then(|a| a.as_expression()) else {
            continue;
        };
        // The files the code reads, collected once a persisting write is seen.
        let read_back = read_back.get_or_insert_with(|| {
            an.calls
                .iter()
                .filter(|c| {
                    c.path.as_deref().is_some_and(|p| {
                        p.rsplit('.')
                            .next()
                            .is_some_and(|m| m.starts_with("readFile"))
                    })
                })
                .filter_map(|c| c.args.first().and_then(|a| a.as_expression()))
                .filter_map(|a| file_key(an, a))
                .collect()
        });
        let file = call.args.first().and_then(|a| a.as_expression());
        if !file
            .and_then(|f| file_key(an, f))
            .is_some_and(|k| read_back.contains(&k))
        {
            continue;
        }
        let atoms = an.atoms(data);
        if an.resolve_kinds(&atoms).0 & generated.0 == 0 {
            continue;
        }
        // The id itself or a field of what is written: a short chain. An id that reaches a
        // write through a long one is part of some document (a task list in an editor file).
        let chain = an.steps_for(&atoms, generated);
        if chain.len() > telltale_facts::MAX_KEPT_ID_STEPS {
            continue;
        }
        if let Some(read) = chain.first() {
            out.entry(read.span.start).or_insert_with(|| Step {
                span: fspan(call.span),
                what: format!("kept on disk by {path}: {}", an.snippet(call.span)),
            });
        }
    }
    out
}

/// A function named for writing a whole file, as packages name their own helpers around
/// `fs.writeFile` (`atomicWriteFileSync`, `writeFileAtomic`, `writeJsonFile`);
/// not streams (`createWriteStream`) nor writes to anything else.
fn names_a_file_write(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.contains("write") && lower.contains("file") && !lower.contains("stream")
}

/// A generated id in data that leaves: an installation id when it is also kept on disk (with
/// the step that keeps it), otherwise nothing (a request or trace id).
pub(crate) fn settle_generated(
    an: &Analyzer<'_>,
    atoms: &Atoms,
    carried: Kinds,
) -> (Kinds, Option<Step>) {
    if !carried.contains(DataKind::GeneratedId) {
        return (carried, None);
    }
    let kept = an
        .steps_for(atoms, Kinds::of(DataKind::GeneratedId))
        .first()
        .and_then(|read| an.persisted_ids.get(&read.span.start).cloned());
    (carried.settle_generated(kept.is_some()), kept)
}

/// Generated ids read: see [`telltale_facts::FileFacts::settle_generated_sources`].
pub(crate) fn settle_generated_sources(an: &mut Analyzer<'_>) {
    let kept = &an.persisted_ids;
    an.facts
        .settle_generated_sources(|start| kept.contains_key(&start));
}

fn scan_calls(an: &mut Analyzer<'_>) {
    an.persisted_ids = persisted_ids(an);
    let api = js_api();
    let mut flows = Vec::new();
    let mut dynamic = Vec::new();
    let mut nested = Vec::new();
    let mut destructive = Vec::new();
    let mut obfuscations = Vec::new();
    let mut endpoints = Vec::new();
    let mut sources = Vec::new();
    let mut requests = Vec::new();
    let mut shell_sources = Vec::new();
    let mut basic_auth = Vec::new();
    for call in &an.calls {
        let Some(path) = call.path.as_deref() else {
            continue;
        };
        let sink = api
            .sink(path)
            .map(|k| (k, path.to_string()))
            .or_else(|| handle_sink(path).map(|(k, _)| (k, path.to_string())));
        let exec = api.is_exec(path);
        let dynamic_code = api.is_dynamic_code(path);
        let mass_write = api.is_destructive(path);
        let decoder_name = matches!(
            path,
            "Buffer.from"
                | "Buffer"
                | "atob"
                | "String.fromCharCode"
                | "String.fromCharCode.apply"
                | "decodeURIComponent"
                | "unescape"
        );
        if sink.is_none() && !exec && !dynamic_code && !mass_write && !decoder_name {
            continue;
        }
        let args: Vec<&Expression> = call.args.iter().filter_map(|a| a.as_expression()).collect();

        // Data leaving the machine.
        let exec_net = exec
            && args
                .first()
                .is_some_and(|a| network_tool_in(&an.shape_of(a)));
        if exec_net {
            // `exec("curl -s https://ipinfo.io/json")`: the command contacts its addresses.
            if let Some(a) = args.first() {
                for (host, _) in telltale_knowledge::strings::literal_endpoints(&an.shape_of(a)) {
                    requests.push(RequestFact {
                        host,
                        api: path.to_string(),
                        span: fspan(call.span),
                    });
                }
            }
        }
        // The command line as the shell reads it: code fetched and run (`curl … | sh`),
        // data in a DNS name or a tool's arguments, files and variables it reads.
        let mut shell_flowed = false;
        if exec {
            if let Some((sa, cmd)) = an.command_analysis(path, call.args, call.span) {
                shell_flowed = command_facts(
                    an,
                    path,
                    call.span,
                    sa,
                    &cmd,
                    exec_net,
                    &mut flows,
                    &mut dynamic,
                    &mut endpoints,
                    &mut requests,
                    &mut shell_sources,
                );
            }
        }
        // A socket's connect options are where to connect, not what is sent: payloads go
        // through the handle's `write`/`end`, which are sinks of their own.
        let connect_only = api.sink(path) == Some(SinkKind::Socket) && handle_sink(path).is_none();
        let local_socket = sink.as_ref().is_some_and(|(k, _)| *k == SinkKind::Socket)
            && an.is_local_socket(call.callee);
        if let Some((kind, sink_api)) = sink
            .filter(|_| !connect_only && !local_socket)
            .or((exec_net && !shell_flowed).then(|| (SinkKind::NetworkCommand, path.to_string())))
        {
            let mut endpoints_here = Vec::new();
            let mut to_telemetry = false;
            if let Some((host, url)) = an
                .call_endpoint(call.args)
                .or_else(|| an.handle_endpoint(call.callee))
            {
                to_telemetry = url
                    .as_deref()
                    .is_some_and(|u| vendors::telemetry_vendor_for_url(u).is_some());
                requests.push(RequestFact {
                    host: host.clone(),
                    api: sink_api.clone(),
                    span: fspan(call.span),
                });
                endpoints_here.push(host);
            } else if let Some(domain) = (kind == SinkKind::Dns)
                .then(|| args.first())
                .flatten()
                .and_then(|name| telltale_knowledge::strings::dns_domain(&an.shape_of(name)))
            {
                // `dns.lookup(`${data}.x.example`)`: the domain whose server gets the name.
                requests.push(RequestFact {
                    host: domain.clone(),
                    api: sink_api.clone(),
                    span: fspan(call.span),
                });
                endpoints.push(EndpointFact {
                    host: domain.clone(),
                    url: None,
                    span: fspan(call.span),
                    encodings: vec![],
                    provenance: String::new(),
                    origin: None,
                    in_text: false,
                });
                endpoints_here.push(domain);
            }
            // A request to this machine (`https.request({ host: "127.77.0.1" })`, a local
            // gateway's health check) or the platform it runs on (instance metadata, the
            // cluster's API server) sends nothing to anyone else.
            let to_this_machine = kind != SinkKind::Dns
                && !endpoints_here.is_empty()
                && endpoints_here.iter().all(|h| strings::stays_on_platform(h));
            // A command's payload is its command line and argument list; its options (`env`,
            // `cwd`, `stdio`) set up the child process and are not sent anywhere.
            let payload = match kind {
                _ if to_this_machine => &args[..0],
                SinkKind::NetworkCommand => &args[..args.len().min(2)],
                _ => &args[..],
            };
            for a in payload {
                if function_start(a).is_some()
                    || (kind == SinkKind::NetworkCommand
                        && matches!(a.without_parentheses(), Expression::ObjectExpression(_)))
                {
                    continue;
                }
                if let Some((literals, values)) = url_pieces(a) {
                    let n = credentials::userinfo_values(&literals);
                    basic_auth.extend(
                        values[..n]
                            .iter()
                            .map(|v| (*v, credentials::URL_USERINFO, a.span())),
                    );
                }
                let atoms = an.request_atoms(a);
                sources.extend(atoms.reads.iter().cloned());
                let k = an.resolve_kinds(&atoms);
                // The page's own host in a request is where it goes, not data about the user.
                let carried = Kinds(
                    (k.identity().0 | k.region().0 | (k.0 & DataKind::GeneratedId.bit()))
                        & !DataKind::PageHost.bit(),
                );
                let (carried, kept) = settle_generated(an, &atoms, carried);
                if carried.is_empty() {
                    continue;
                }
                let mut read = carried;
                if kept.is_some() {
                    read.insert(DataKind::GeneratedId);
                }
                // Steps back to what was read (a generated id before it counts as kept): the
                // identity the finding names before a region value sent with it.
                let not_region = read.without(read.region());
                let want = if not_region.is_empty() {
                    read
                } else {
                    not_region
                };
                let mut steps = an.steps_for(&atoms, want);
                if let Some(kept) = kept {
                    steps.insert(steps.len().min(1), kept);
                }
                steps.push(Step {
                    span: fspan(call.span),
                    what: format!("sent by {sink_api}: {}", an.snippet(call.span)),
                });
                flows.push(FlowFact {
                    kinds: carried,
                    sink: kind,
                    sink_api: sink_api.clone(),
                    span: fspan(call.span),
                    endpoints: endpoints_here.clone(),
                    steps,
                    gated_by: vec![],
                    sent_before_check: false,
                    to_telemetry,
                });
                break;
            }
        }

        // Code built from what the network sent.
        if dynamic_code {
            let code_args: Vec<&&Expression> = match path {
                "setTimeout" | "setInterval" => args
                    .first()
                    .filter(|a| !is_function_value(a))
                    .into_iter()
                    .collect(),
                _ => args.iter().collect(),
            };
            // Constant code is analysed as a source of its own (see `crate::nested`).
            let code = match path {
                "Function" => args.last(),
                _ => code_args.first().copied(),
            };
            if let Some(v) = code.and_then(|c| an.value_of(c)) {
                if let Some(text) = v.text() {
                    // Only hidden code becomes an obfuscation fact, so only it is located.
                    let provenance = if v.encodings.is_empty() {
                        String::new()
                    } else {
                        an.provenance(&v)
                    };
                    nested.push(crate::nested::Pending {
                        code: text,
                        encodings: v.encodings.iter().map(|e| e.to_string()).collect(),
                        provenance,
                        origin: v.origin,
                        api: path.to_string(),
                        span: call.span,
                    });
                }
            }
            for a in code_args {
                let atoms = an.atoms(a);
                let k = an.resolve_kinds(&atoms);
                if k.contains(DataKind::NetworkResponse) {
                    let mut steps = an.steps_for(&atoms, Kinds::of(DataKind::NetworkResponse));
                    steps.push(Step {
                        span: fspan(call.span),
                        what: format!("run as code by {path}: {}", an.snippet(call.span)),
                    });
                    dynamic.push(DynamicCodeFact {
                        api: path.to_string(),
                        from_network: true,
                        span: fspan(call.span),
                        steps,
                    });
                    break;
                }
            }
        }

        // Writes over every file a directory listing found.
        if mass_write {
            if let Some(target) = args.first() {
                let k = an.kinds_of(target);
                let shape = an.shape_of(target);
                // A wiper writes the same thing into every file it lists; a build step that
                // writes each listed template's compiled output writes what it computed.
                let writes = path.contains("write") || path.contains("append");
                let computed_content =
                    writes && args.get(1).is_some_and(|c| an.value_of(c).is_none());
                // `{ flag: "wx" }` creates a file and fails when one exists: it destroys nothing.
                let create_only = writes
                    && args
                        .get(2)
                        .and_then(|o| an.option_text(o, "flag"))
                        .is_some_and(|f| f.contains('x'));
                // Only listings of the root, home or working directory carry `DirectoryListing`:
                // deleting the entries of one's own cache or temp folder is cleanup.
                let mass =
                    k.contains(DataKind::DirectoryListing) && !computed_content && !create_only;
                if mass || matches!(shape.as_str(), "~" | "/" | "~/" | "~/*" | "/*") {
                    destructive.push(DestructiveFact {
                        api: path.to_string(),
                        mass,
                        span: fspan(call.span),
                        detail: if mass {
                            format!("{path} on every entry of a directory listing")
                        } else {
                            format!("{path} on {shape}")
                        },
                    });
                }
            }
        }

        // Strings hidden by an encoding.
        let decoder = decoder_name
            && match path {
                "Buffer.from" | "Buffer" => args
                    .get(1)
                    .and_then(|a| an.value_of(a))
                    .and_then(|v| v.text())
                    .is_some_and(|e| matches!(e.as_str(), "base64" | "hex" | "base64url")),
                "atob"
                | "String.fromCharCode"
                | "String.fromCharCode.apply"
                | "decodeURIComponent"
                | "unescape" => true,
                _ => false,
            };
        if decoder {
            if let Some(v) = call_expression_value(an, call) {
                report_decoded(an, &v, call.span, &mut obfuscations, &mut endpoints);
            }
        }
    }
    if an.has_decoders() {
        decoded_by_local_functions(an, &mut obfuscations, &mut endpoints);
    }
    // Identity stored where a telemetry SDK picks it up for every event. Only what the value
    // reads itself counts: these keys are common words (`serverName` of an MCP server), and
    // data that arrived through variables is too loose a link for them.
    for (value, key, span) in &an.telemetry_attributes {
        let atoms = an.atoms(value);
        let mut carried = atoms
            .reads
            .iter()
            .fold(Kinds::EMPTY, |k, r| k.union(Kinds::of(r.2)));
        // `"user.email": account`: the key says what the value is, wherever it came from.
        let named = api.attribute_names(key);
        if let Some(kind) = named {
            carried.insert(kind);
        }
        if carried.is_empty() {
            continue;
        }
        sources.extend(atoms.reads.iter().cloned());
        let mut steps = an.steps_for(&atoms, carried);
        if let Some(kind) = named.filter(|_| steps.is_empty()) {
            let api_name = format!("the user's {} (stored as {key})", kind.describe());
            sources.push((value.span(), Rc::from(api_name.as_str()), kind));
            steps.push(Step {
                span: fspan(value.span()),
                what: format!("reads {api_name}: {}", an.snippet(value.span())),
            });
        }
        steps.push(Step {
            span: fspan(*span),
            what: format!("set as telemetry attribute {key}: {}", an.snippet(*span)),
        });
        flows.push(FlowFact {
            kinds: carried,
            sink: SinkKind::TelemetryAttribute,
            sink_api: format!("telemetry attribute {key}"),
            span: fspan(*span),
            endpoints: vec![],
            steps,
            gated_by: vec![],
            sent_before_check: false,
            to_telemetry: false,
        });
    }
    for (span, api_name, kind) in sources {
        an.facts.sources.push(SourceFact {
            kind,
            api: api_name.to_string(),
            span: fspan(span),
        });
    }
    an.facts.sources.extend(shell_sources);
    an.facts.flows.extend(flows);
    an.auth_values.extend(basic_auth);
    an.facts.dynamic_code.extend(dynamic);
    an.nested_code = nested;
    an.facts.destructive.extend(destructive);
    an.facts.obfuscations.extend(obfuscations);
    an.facts.endpoints.extend(endpoints);
    an.facts.requests.extend(requests);
}

/// What a command line does, as the shell front end reads it, located at the call that runs
/// it: flows of the data its pieces carry (steps back through the JavaScript to the read), code
/// fetched and run, the addresses it contacts and what it reads. Whether it found a flow (the
/// call's own flow, judged from its arguments, is then left out).
#[allow(clippy::too_many_arguments)]
fn command_facts<'a>(
    an: &Analyzer<'a>,
    path: &str,
    span: oxc_span::Span,
    sa: telltale_shell::ShellAnalysis,
    cmd: &crate::command::Command<'a>,
    exec_net: bool,
    flows: &mut Vec<FlowFact>,
    dynamic: &mut Vec<DynamicCodeFact>,
    endpoints: &mut Vec<EndpointFact>,
    requests: &mut Vec<RequestFact>,
    sources: &mut Vec<SourceFact>,
) -> bool {
    let mut flowed = false;
    for f in sa.flows {
        let carried = Kinds(
            (f.kinds.identity().0 | f.kinds.region().0 | (f.kinds.0 & DataKind::GeneratedId.bit()))
                & !DataKind::PageHost.bit(),
        );
        if carried.is_empty() {
            continue;
        }
        // Steps in the JavaScript for the piece that carries the data, else the shell's own.
        let mut steps = cmd
            .holes
            .iter()
            .map(|h| an.atoms(h))
            .find(|a| an.resolve_kinds(a).0 & carried.0 != 0)
            .map(|a| an.steps_for(&a, carried))
            .unwrap_or_else(|| f.steps[..f.steps.len().saturating_sub(1)].to_vec());
        steps.push(Step {
            span: fspan(span),
            what: format!(
                "sent by {} run with {path}: {}",
                f.sink_api,
                an.snippet(span)
            ),
        });
        let sink = if f.sink == SinkKind::Dns {
            SinkKind::Dns
        } else {
            SinkKind::NetworkCommand
        };
        flows.push(FlowFact {
            kinds: carried,
            sink,
            sink_api: format!("{path} → {}", f.sink_api),
            span: fspan(span),
            endpoints: f.endpoints,
            steps,
            gated_by: vec![],
            sent_before_check: false,
            to_telemetry: false,
        });
        flowed = true;
    }
    for d in sa.dynamic_code {
        dynamic.push(DynamicCodeFact {
            api: format!("{path} → {}", d.api),
            ..d
        });
    }
    // The addresses the command's tools contact (already counted from the argument's shape
    // when it names a network tool).
    if !exec_net {
        requests.extend(sa.endpoints.iter().map(|e| RequestFact {
            host: e.host.clone(),
            api: format!("{path} (command)"),
            span: e.span,
        }));
    }
    endpoints.extend(sa.endpoints);
    sources.extend(sa.sources.into_iter().map(|s| SourceFact {
        api: format!("{path}({})", cmd.shape),
        ..s
    }));
    flowed
}

/// A value that was hidden by an encoding: an obfuscation fact when it is worth one, and the
/// endpoints it names.
fn report_decoded(
    an: &Analyzer<'_>,
    v: &crate::Decoded,
    span: oxc_span::Span,
    obfuscations: &mut Vec<ObfuscationFact>,
    endpoints: &mut Vec<EndpointFact>,
) {
    let Some(text) = v.text() else { return };
    if v.encodings.is_empty() || !strings::interesting_decoded(&text) {
        return;
    }
    let encodings: Vec<String> = v.encodings.iter().map(|s| s.to_string()).collect();
    let provenance = an.provenance(v);
    let origin = v.origin.map(fspan);
    let endpoint = |host, url| EndpointFact {
        host,
        url,
        span: fspan(span),
        encodings: encodings.clone(),
        provenance: provenance.clone(),
        origin,
        in_text: false,
    };
    for (host, url) in strings::decoded_endpoints(&text) {
        endpoints.push(endpoint(host, url));
    }
    obfuscations.push(ObfuscationFact {
        technique: encodings.join(" → "),
        decoded: text.chars().take(300).collect(),
        span: fspan(span),
        provenance,
        origin,
    });
}

/// In a file with a string-array decoder or a decoding loop: the outermost concatenations
/// that are constant, or their longest constant start (`d(1) + d(2) + zone`), since split
/// strings are only whole there; then the calls of evaluated functions outside them.
fn decoded_by_local_functions<'a>(
    an: &Analyzer<'a>,
    obfuscations: &mut Vec<ObfuscationFact>,
    endpoints: &mut Vec<EndpointFact>,
) {
    let mut whole = Vec::new();
    for &e in &an.concats {
        let mut cur = e;
        for _ in 0..48 {
            if let Some(v) = an.value_of(cur) {
                if !v.encodings.is_empty() {
                    whole.push((cur.span().start, cur.span().end));
                    report_decoded(an, &v, cur.span(), obfuscations, endpoints);
                }
                break;
            }
            match cur.without_parentheses() {
                Expression::BinaryExpression(b) if b.operator == BinaryOperator::Addition => {
                    cur = &b.left
                }
                _ => break,
            }
        }
    }
    whole.sort_unstable();
    let inside_whole = |s: oxc_span::Span| {
        let i = whole.partition_point(|w| w.0 <= s.start);
        i > 0 && whole[i - 1].1 >= s.end
    };
    for call in &an.calls {
        if inside_whole(call.span)
            || !an
                .local_function(call.callee.without_parentheses())
                .is_some_and(|f| an.is_evaluated_function(f))
        {
            continue;
        }
        if let Some(v) = an.eval_call(call.callee, call.args) {
            report_decoded(an, &v, call.span, obfuscations, endpoints);
        }
    }
}

/// The value of a decoder call as written (`Buffer.from(s, "base64")` decodes to bytes).
fn call_expression_value<'a>(an: &Analyzer<'a>, call: &CallSite<'a>) -> Option<crate::Decoded> {
    an.eval_call(call.callee, call.args)
}

/// A timer's first argument that is a function, never code: a function or arrow expression,
/// or `….bind(…)` (which always returns a function: `function () {…}.bind(null, client)`).
fn is_function_value(e: &Expression) -> bool {
    if function_start(e).is_some() {
        return true;
    }
    match e.without_parentheses() {
        Expression::CallExpression(call) => {
            matches!(&call.callee, Expression::StaticMemberExpression(m) if m.property.name == "bind")
        }
        _ => false,
    }
}
