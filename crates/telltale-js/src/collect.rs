//! Pass 1: record declarations (for aliases and constants), functions, data edges
//! (assignments, returns, arguments, callbacks) and calls; emit literal-level facts
//! (endpoints, machine-id markers, module loads).

use crate::guards::{is_early_exit, GuardSite};
use crate::strings;
use crate::{fspan, Analyzer, CallSite, Edge, EdgeSrc, FnBody, FuncInfo, Init, Node};
use oxc_ast::ast::*;
use oxc_ast_visit::{walk, Visit};
use oxc_semantic::SymbolId;
use oxc_span::GetSpan;
use oxc_syntax::scope::ScopeFlags;
use std::rc::Rc;
use telltale_facts::{DataKind, EndpointFact, Kinds, ObfuscationFact, SdkImportFact, SourceFact};
use telltale_knowledge::{js_api::js_api, vendors};

/// Extend a node reference to the arena lifetime.
///
/// `Visit` hands out references with an anonymous lifetime, but every node lives in the
/// arena that `analyze` keeps alive (and immutably borrowed) for `'a`, so the node outlives
/// every use in the analyzer.
pub(crate) fn arena<'a, T>(r: &T) -> &'a T {
    // SAFETY: see above; the program is never mutated or freed while the analyzer runs.
    unsafe { &*(r as *const T) }
}

/// The catalog's machine-id markers as one matcher: every string literal of a bundle is
/// checked against them.
static MACHINE_ID_MARKERS: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    let alternatives: Vec<String> = js_api()
        .machine_id_markers
        .iter()
        .map(|m| regex::escape(m))
        .collect();
    regex::Regex::new(&alternatives.join("|")).expect("escaped literals form a valid regex")
});

struct Collector<'a, 'b> {
    an: &'b mut Analyzer<'a>,
    fn_stack: Vec<usize>,
    /// Declarator symbols initialised with a function expression: (symbol, function start).
    fn_aliases: Vec<(SymbolId, u32)>,
    /// `require(x)` and `import(x)` arguments, read once the whole file is known (the name
    /// may come from a decoder declared further down).
    modules: Vec<(&'a Expression<'a>, oxc_span::Span)>,
    /// Inside an `a + b` already recorded in [`Analyzer::concats`].
    in_concat: bool,
    /// What `this` is in the function being visited: the class whose instance it is, or
    /// `None` (top level, plain functions, static members). Arrow functions keep their
    /// parent's.
    this_stack: Vec<Option<usize>>,
    /// The `this` of the next function visited: set by a method definition for its value.
    pending_this: Option<Option<usize>>,
    /// `const C = class { … }`: class start → the variable's symbol.
    class_names: rustc_hash::FxHashMap<u32, SymbolId>,
    /// (class, method name, function start), resolved to function indexes once all are known.
    methods: Vec<(usize, &'a str, u32)>,
    /// The class whose body is being visited.
    current_class: Option<usize>,
    /// `let x;` (not a loop's head): may get its one assignment as init.
    declared_bare: rustc_hash::FxHashSet<SymbolId>,
    /// `for (let x of …)`, `for (var k in …)`: given by the loop, never an init.
    loop_heads: rustc_hash::FxHashSet<SymbolId>,
    /// `x = v` of a variable: (variable, value).
    assignments: Vec<(SymbolId, &'a Expression<'a>)>,
    /// `v[i] = x` and `v.set(x, i)`: (variable, index of the edge in `Analyzer::edges`), for
    /// [`Collector::heap_writes_carry_nothing`].
    element_writes: Vec<(SymbolId, usize)>,
}

/// Typed arrays, whose views over a WebAssembly memory are a compiled program's heap.
const TYPED_ARRAYS: &[&str] = &[
    "Int8Array",
    "Uint8Array",
    "Uint8ClampedArray",
    "Int16Array",
    "Uint16Array",
    "Int32Array",
    "Uint32Array",
    "Float32Array",
    "Float64Array",
    "BigInt64Array",
    "BigUint64Array",
];

impl<'a> Collector<'a, '_> {
    /// Views over a memory's whole buffer (`HEAP8 = new Int8Array(wasmMemory.buffer)`, as
    /// Emscripten and other wasm glue make them) are a compiled program's heap: every string
    /// and file it handles is written into it at some address, and reading one address does
    /// not read the others. Element writes into such a view carry nothing into it, so a time
    /// zone written for `tzset` or a file fetched into the heap does not reach every string
    /// the program later reads out (its own `EM_ASM` code evaluated, file names requested).
    fn heap_writes_carry_nothing(&mut self) {
        if self.element_writes.is_empty() {
            return;
        }
        let an = &*self.an;
        let is_buffer = |e: &Expression<'a>| {
            matches!(e.without_parentheses(),
                Expression::StaticMemberExpression(m) if m.property.name == "buffer")
        };
        let is_view = |e: &Expression<'a>| {
            let Expression::NewExpression(n) = e.without_parentheses() else {
                return false;
            };
            let Expression::Identifier(callee) = &n.callee else {
                return false;
            };
            let [arg] = &n.arguments[..] else {
                return false;
            };
            TYPED_ARRAYS.contains(&callee.name.as_str())
                && match arg.as_expression().map(|a| a.without_parentheses()) {
                    Some(a) if is_buffer(a) => true,
                    // `var b = wasmMemory.buffer; HEAP8 = new Int8Array(b)`
                    Some(Expression::Identifier(id)) => an
                        .symbol_of(id)
                        .and_then(|s| an.inits.get(&s))
                        .is_some_and(|i| matches!(i, Init::Expr(e) if is_buffer(e))),
                    _ => false,
                }
        };
        let assigned: rustc_hash::FxHashSet<SymbolId> = self
            .assignments
            .iter()
            .filter(|(_, v)| is_view(v))
            .map(|(s, _)| *s)
            .collect();
        let views: rustc_hash::FxHashSet<SymbolId> = self
            .element_writes
            .iter()
            .map(|(s, _)| *s)
            .filter(|s| {
                assigned.contains(s) || matches!(an.inits.get(s), Some(Init::Expr(e)) if is_view(e))
            })
            .collect();
        for &(sym, i) in &self.element_writes {
            if views.contains(&sym) {
                self.an.edges[i].src = EdgeSrc::Kinds(Kinds::EMPTY, Rc::from("heap write"));
            }
        }
    }

    /// `let x; … x = require("os")` (bundlers' lazy module inits, memoised values) and names a
    /// script assigns without declaring: the one assignment is the variable's init, as if it
    /// had been written in the declaration. A second write, or a loop's, and it stays unknown.
    fn inits_of_assigned_once(&mut self) {
        let mut count: rustc_hash::FxHashMap<SymbolId, (u32, &'a Expression<'a>)> =
            Default::default();
        for &(sym, value) in &self.assignments {
            count.entry(sym).or_insert((0, value)).0 += 1;
        }
        for (sym, (n, value)) in count {
            let scoping = self.an.scoping;
            let undeclared = scoping.symbol_declaration(sym) == oxc_syntax::node::NodeId::DUMMY;
            if n != 1
                || self.loop_heads.contains(&sym)
                || !(undeclared || self.declared_bare.contains(&sym))
                || self.an.inits.get(&sym).is_some()
                || scoping
                    .get_resolved_references(sym)
                    .filter(|r| r.is_write())
                    .count()
                    != 1
            {
                continue;
            }
            self.an.inits.insert(sym, Init::Expr(value));
            self.an.assigned_once.insert(sym, ());
            if let Some(start) = function_start(value) {
                self.fn_aliases.push((sym, start));
            }
        }
    }
}

pub(crate) fn collect<'a>(an: &mut Analyzer<'a>, program: &'a Program<'a>) {
    let mut c = Collector {
        an,
        fn_stack: Vec::new(),
        fn_aliases: Vec::new(),
        modules: Vec::new(),
        in_concat: false,
        this_stack: Vec::new(),
        pending_this: None,
        class_names: Default::default(),
        methods: Vec::new(),
        current_class: None,
        declared_bare: Default::default(),
        loop_heads: Default::default(),
        assignments: Vec::new(),
        element_writes: Vec::new(),
    };
    c.visit_program(program);
    c.inits_of_assigned_once();
    c.heap_writes_carry_nothing();
    for (class, name, start) in std::mem::take(&mut c.methods) {
        if let Some(&f) = c.an.fn_by_start.get(&start) {
            c.an.classes[class].methods.entry(name).or_insert(f);
        }
    }
    let aliases = std::mem::take(&mut c.fn_aliases);
    for (sym, start) in aliases {
        if let Some(&f) = c.an.fn_by_start.get(&start) {
            c.an.fn_by_symbol.insert(sym, f);
        }
    }
    // Every function is known: local calls may now be evaluated.
    c.an.deobf.set_ready();
    for (e, span) in std::mem::take(&mut c.modules) {
        if let Some(m) = c.an.value_of(e).and_then(|v| v.text()) {
            c.module_load(&m, span);
        }
    }
    link_calls(c.an);
    crate::link::seed_parameters(c.an);
}

/// A step of decoding: an XOR, a char-code conversion, a base64/hex/URI decoder, a base64 or
/// hex encoding name. Marks the functions [`crate::interp`] runs to report what they decode.
fn is_decoding_step(e: &Expression) -> bool {
    match e {
        Expression::BinaryExpression(b) => b.operator == BinaryOperator::BitwiseXOR,
        Expression::StaticMemberExpression(m) => matches!(
            m.property.name.as_str(),
            "fromCharCode" | "fromCodePoint" | "charCodeAt" | "codePointAt"
        ),
        Expression::Identifier(id) => {
            matches!(id.name.as_str(), "atob" | "unescape" | "decodeURIComponent")
        }
        Expression::StringLiteral(s) => matches!(s.value.as_str(), "base64" | "hex" | "base64url"),
        _ => false,
    }
}

pub(crate) fn binding_symbol(p: &BindingPattern) -> Option<SymbolId> {
    match p {
        BindingPattern::BindingIdentifier(b) => b.symbol_id.get(),
        BindingPattern::AssignmentPattern(a) => binding_symbol(&a.left),
        _ => None,
    }
}

/// Every symbol a pattern binds (for field-insensitive data edges).
fn pattern_symbols(p: &BindingPattern, out: &mut Vec<SymbolId>) {
    match p {
        BindingPattern::BindingIdentifier(b) => out.extend(b.symbol_id.get()),
        BindingPattern::AssignmentPattern(a) => pattern_symbols(&a.left, out),
        BindingPattern::ObjectPattern(o) => {
            for prop in &o.properties {
                pattern_symbols(&prop.value, out);
            }
            if let Some(r) = &o.rest {
                pattern_symbols(&r.argument, out);
            }
        }
        BindingPattern::ArrayPattern(a) => {
            for el in a.elements.iter().flatten() {
                pattern_symbols(el, out);
            }
            if let Some(r) = &a.rest {
                pattern_symbols(&r.argument, out);
            }
        }
    }
}

/// The identifier at the root of a member chain (`a` in `a.b[c].d`).
pub(crate) fn root_ident<'x, 'a>(e: &'x Expression<'a>) -> Option<&'x IdentifierReference<'a>> {
    match e.without_parentheses() {
        Expression::Identifier(id) => Some(id),
        Expression::StaticMemberExpression(m) => root_ident(&m.object),
        Expression::ComputedMemberExpression(m) => root_ident(&m.object),
        _ => None,
    }
}

pub(crate) fn function_start(e: &Expression) -> Option<u32> {
    match e.without_parentheses() {
        Expression::FunctionExpression(f) => Some(f.span.start),
        Expression::ArrowFunctionExpression(f) => Some(f.span.start),
        _ => None,
    }
}

/// Expressions that carry no data of their own and read no value: edges from them can never
/// propagate anything, so they are not recorded (most declarations of a bundle are these).
pub(crate) fn carries_nothing(e: &Expression) -> bool {
    match e {
        Expression::StringLiteral(_)
        | Expression::NumericLiteral(_)
        | Expression::BooleanLiteral(_)
        | Expression::NullLiteral(_)
        | Expression::BigIntLiteral(_)
        | Expression::RegExpLiteral(_)
        | Expression::FunctionExpression(_)
        | Expression::ArrowFunctionExpression(_)
        | Expression::ClassExpression(_)
        | Expression::ThisExpression(_) => true,
        Expression::UnaryExpression(u) => matches!(
            u.operator,
            UnaryOperator::LogicalNot
                | UnaryOperator::Typeof
                | UnaryOperator::Void
                | UnaryOperator::Delete
        ),
        Expression::BinaryExpression(b) => !(b.operator.is_arithmetic() || b.operator.is_bitwise()),
        Expression::TemplateLiteral(t) => t.expressions.is_empty(),
        _ => false,
    }
}

/// The literal key of a property access: `o.k`, `o["k"]`.
pub(crate) fn literal_key<'a>(e: &Expression<'a>) -> Option<(&'a Expression<'a>, &'a str)> {
    let e: &'a Expression<'a> = arena(e);
    match e.without_parentheses() {
        Expression::StaticMemberExpression(m) => Some((&m.object, m.property.name.as_str())),
        Expression::ComputedMemberExpression(m) => match &m.expression {
            Expression::StringLiteral(k) => Some((&m.object, k.value.as_str())),
            _ => None,
        },
        _ => None,
    }
}

/// A property key written literally in an object expression.
fn property_key<'a>(k: &'a PropertyKey<'a>) -> Option<&'a str> {
    match k {
        PropertyKey::StaticIdentifier(id) => Some(id.name.as_str()),
        PropertyKey::StringLiteral(s) => Some(s.value.as_str()),
        _ => None,
    }
}

impl<'a> Analyzer<'a> {
    /// `sym.key` gets `value` (see [`crate::Fields`]); `span` is the write, for steps.
    pub(crate) fn field_edge(
        &mut self,
        sym: SymbolId,
        key: &'a str,
        value: &'a Expression<'a>,
        span: oxc_span::Span,
    ) {
        // Credentials are judged apart (`auth_values`), not carried as data.
        if carries_nothing(value) || telltale_knowledge::credentials::is_auth_key(key) {
            return;
        }
        let field = self.field_node(sym, key, span);
        self.edges.push(Edge {
            target: Node::Field(field),
            src: self.edge_src(value),
            span,
        });
    }

    /// The node of `sym.key`; a new one flows into the object's whole-object node, and a new
    /// whole-object node gets the object's other writes (see [`crate::Fields`]).
    fn field_node(&mut self, sym: SymbolId, key: &'a str, span: oxc_span::Span) -> u32 {
        let had_whole = self.fields.whole(sym).is_some();
        let before = self.fields.len();
        let field = self.fields.intern(sym, key);
        if self.fields.len() > before {
            let whole = Node::Field(self.fields.whole(sym).expect("interned with its object"));
            self.edges.push(Edge {
                target: whole,
                src: EdgeSrc::Node(Node::Field(field)),
                span,
            });
            if !had_whole {
                self.edges.push(Edge {
                    target: whole,
                    src: EdgeSrc::Node(Node::Sym(sym)),
                    span,
                });
            }
        }
        field
    }

    /// Each field `keys` of the local `from` becomes the same field of `to`, and `from`'s
    /// other writes flow into `to`'s (`f(opts)` into a parameter, `{ ...opts }` returned).
    pub(crate) fn copy_fields(
        &mut self,
        from: SymbolId,
        to: SymbolId,
        keys: &[&'a str],
        span: oxc_span::Span,
    ) {
        for &k in keys {
            let Some(src) = self.fields.get(from, k) else {
                continue;
            };
            let dst = self.field_node(to, k, span);
            self.edges.push(Edge {
                target: Node::Field(dst),
                src: EdgeSrc::Node(Node::Field(src)),
                span,
            });
        }
        self.edges.push(Edge {
            target: Node::Sym(to),
            src: EdgeSrc::Node(Node::Sym(from)),
            span,
        });
    }

    /// `const o = { k: v, ...rest }`: each literal key is a field of `o`; spreads and
    /// computed keys are writes to `o` as a whole.
    pub(crate) fn object_edges(&mut self, sym: SymbolId, obj: &'a ObjectExpression<'a>) {
        for p in &obj.properties {
            self.object_property_edges(sym, p);
        }
    }

    /// One property of an object literal that `sym` holds (see [`Self::object_edges`]).
    pub(crate) fn object_property_edges(&mut self, sym: SymbolId, p: &'a ObjectPropertyKind<'a>) {
        match p {
            ObjectPropertyKind::ObjectProperty(p) if !p.method => match property_key(&p.key) {
                Some(key) => self.field_edge(sym, key, &p.value, p.span),
                None if !carries_nothing(&p.value) => self.edges.push(Edge {
                    target: Node::Sym(sym),
                    src: self.edge_src(&p.value),
                    span: p.span,
                }),
                None => {}
            },
            ObjectPropertyKind::SpreadProperty(sp) => self.edges.push(Edge {
                target: Node::Sym(sym),
                src: self.edge_src(&sp.argument),
                span: sp.span,
            }),
            _ => {}
        }
    }
}

impl<'a> Collector<'a, '_> {
    /// `this.key = value` in a method of `class` (or the class field `key = value`).
    fn this_write(
        &mut self,
        class: usize,
        key: &'a str,
        value: &'a Expression<'a>,
        span: oxc_span::Span,
    ) {
        self.an
            .this_writes
            .entry((class, key))
            .and_modify(|v| *v = None)
            .or_insert(Some(value));
        let sym = self.an.classes[class].fields_of;
        self.an.field_edge(sym, key, value, span);
    }

    /// The class whose instance `this` is here.
    fn this_class(&self) -> Option<usize> {
        self.this_stack.last().copied().flatten()
    }

    /// `this.k`, `this.k.j`, `this.k[i]`: the class of `this` and the property `k` that a
    /// write there changes, and whether the write is to `this.k` itself.
    fn this_field_of(&self, m: &MemberExpression<'a>) -> Option<(usize, &'a str, bool)> {
        let class = self.this_class()?;
        let m: &'a MemberExpression<'a> = arena(m);
        let mut object = m.object();
        let mut key = m.static_property_name();
        let mut direct = true;
        loop {
            match object.without_parentheses() {
                Expression::ThisExpression(_) => return Some((class, key?, direct)),
                e => {
                    let inner = e.as_member_expression()?;
                    key = inner.static_property_name();
                    object = inner.object();
                }
            }
            direct = false;
        }
    }

    fn edge(&mut self, target: Node, e: &Expression<'a>) {
        if carries_nothing(e) {
            return;
        }
        let e = arena(e);
        let src = self.an.edge_src(e);
        self.an.edges.push(Edge {
            target,
            src,
            span: e.span(),
        });
    }

    fn add_function(
        &mut self,
        params: &FormalParameters<'a>,
        body: FnBody<'a>,
        span: oxc_span::Span,
        plain: bool,
    ) -> usize {
        let params_ast = params;
        let idx = self.an.funcs.len();
        let start = self.an.params.len() as u32;
        self.an
            .params
            .extend(params.items.iter().map(|p| binding_symbol(&p.pattern)));
        let params = start..self.an.params.len() as u32;
        self.an.funcs.push(FuncInfo {
            params,
            body,
            formal: arena(params_ast),
            plain,
            span,
            parent: self.fn_stack.last().copied(),
        });
        self.an.fn_by_start.insert(span.start, idx);
        idx
    }

    fn endpoint_from_literal(&mut self, value: &str, span: oxc_span::Span) {
        let in_text = strings::is_message(value);
        for (host, url) in strings::literal_endpoints(value) {
            self.an.facts.endpoints.push(EndpointFact {
                host,
                url,
                span: fspan(span),
                encodings: vec![],
                provenance: String::new(),
                origin: None,
                in_text,
            });
        }
    }

    fn module_load(&mut self, module: &str, span: oxc_span::Span) {
        let m = module.strip_prefix("node:").unwrap_or(module);
        self.an.facts.requires.push(m.to_string());
        if vendors::telemetry_vendor_for_package(m).is_some() {
            self.an.facts.sdk_imports.push(SdkImportFact {
                module: m.to_string(),
                span: fspan(span),
            });
        }
    }
}

impl<'a> Visit<'a> for Collector<'a, '_> {
    fn visit_statements(&mut self, list: &oxc_allocator::Vec<'a, Statement<'a>>) {
        let list: &'a oxc_allocator::Vec<'a, Statement<'a>> = arena(list);
        for (i, s) in list.iter().enumerate() {
            if let Statement::IfStatement(ifs) = s {
                if ifs.alternate.is_none() && i + 1 < list.len() && is_early_exit(&ifs.consequent) {
                    self.an
                        .guard_sites
                        .push(GuardSite::EarlyExit(ifs, &list[i + 1..]));
                }
            }
        }
        walk::walk_statements(self, list);
    }

    fn visit_expression(&mut self, it: &Expression<'a>) {
        if is_decoding_step(it) {
            // The function (and the one it is written in: `s.map(c => c ^ k)`) decodes.
            for f in self.fn_stack.iter().rev().take(2) {
                self.an.decoding_fns.insert(*f);
            }
        }
        if !self.in_concat
            && matches!(it, Expression::BinaryExpression(b) if b.operator == BinaryOperator::Addition)
        {
            self.an.concats.push(arena(it));
            self.in_concat = true;
            walk::walk_expression(self, it);
            self.in_concat = false;
        } else {
            walk::walk_expression(self, it);
        }
    }

    fn visit_if_statement(&mut self, it: &IfStatement<'a>) {
        self.an.guard_sites.push(GuardSite::If(arena(it)));
        walk::walk_if_statement(self, it);
    }

    fn visit_expression_statement(&mut self, it: &ExpressionStatement<'a>) {
        if matches!(
            it.expression.without_parentheses(),
            Expression::LogicalExpression(_)
                | Expression::ConditionalExpression(_)
                | Expression::SequenceExpression(_)
        ) {
            self.an
                .guard_sites
                .push(GuardSite::Expr(arena(&it.expression)));
        }
        walk::walk_expression_statement(self, it);
    }

    fn visit_conditional_expression(&mut self, it: &ConditionalExpression<'a>) {
        let names_endpoint = |e: &Expression<'_>| match e.without_parentheses() {
            Expression::StringLiteral(s) => s.value.len() < 2048,
            Expression::TemplateLiteral(t) => t
                .quasis
                .first()
                .is_some_and(|q| q.value.raw.contains("://")),
            // A constant defined elsewhere (`inChina ? MIRROR : DEFAULT`).
            Expression::Identifier(_) => true,
            // `\`https://mirror/${tag}/\` + name`
            Expression::BinaryExpression(b) if b.operator == BinaryOperator::Addition => matches!(
                b.left.without_parentheses(),
                Expression::TemplateLiteral(_)
                    | Expression::StringLiteral(_)
                    | Expression::BinaryExpression(_)
            ),
            _ => false,
        };
        if names_endpoint(&it.consequent) || names_endpoint(&it.alternate) {
            self.an.select_sites.push(arena(it));
        }
        walk::walk_conditional_expression(self, it);
    }

    fn visit_switch_statement(&mut self, it: &SwitchStatement<'a>) {
        self.an.guard_sites.push(GuardSite::Switch(arena(it)));
        walk::walk_switch_statement(self, it);
    }

    fn visit_variable_declarator(&mut self, it: &VariableDeclarator<'a>) {
        if let (Some(Expression::ClassExpression(class)), Some(sym)) = (
            it.init.as_ref().map(|e| e.without_parentheses()),
            binding_symbol(&it.id),
        ) {
            self.class_names.insert(class.span.start, sym);
        }
        if let (None, BindingPattern::BindingIdentifier(b)) = (&it.init, &it.id) {
            self.declared_bare.extend(b.symbol_id.get());
        }
        if let Some(init) = &it.init {
            let init_a: &'a Expression<'a> = arena(init);
            match &it.id {
                BindingPattern::BindingIdentifier(b) => {
                    if let Some(sym) = b.symbol_id.get() {
                        self.an.inits.insert(sym, Init::Expr(init_a));
                        if let Some(start) = function_start(init) {
                            self.fn_aliases.push((sym, start));
                        }
                        match init_a.without_parentheses() {
                            Expression::ObjectExpression(o) => self.an.object_edges(sym, o),
                            x if named_call(x).is_some() && !carries_nothing(x) => {
                                self.an.call_results.push((sym, init_a))
                            }
                            _ => self.edge(Node::Sym(sym), init),
                        }
                    }
                }
                BindingPattern::ObjectPattern(o) => {
                    // `const { key: x } = o` of a local `o` reads the field, not all of `o`.
                    let local = match init_a.without_parentheses() {
                        Expression::Identifier(id) => {
                            self.an.symbol_of(id).map(|s| (s, id.name.as_str()))
                        }
                        _ => None,
                    };
                    let mut by_field = Vec::new();
                    for prop in &o.properties {
                        let key = prop.key.static_name();
                        if let (Some(key), Some(sym)) = (&key, binding_symbol(&prop.value)) {
                            self.an
                                .inits
                                .insert(sym, Init::Member(init_a, key.to_string()));
                        }
                        if let (Some((obj, name)), Some(PropertyKey::StaticIdentifier(k))) =
                            (local, (!prop.computed).then_some(&prop.key))
                        {
                            if let Some(sym) = binding_symbol(&prop.value) {
                                by_field.push(sym);
                                self.an.edges.push(Edge {
                                    target: Node::Sym(sym),
                                    src: EdgeSrc::Member(obj, name, arena(&k.name).as_str()),
                                    span: prop.span,
                                });
                            }
                        }
                    }
                    let mut syms = Vec::new();
                    pattern_symbols(&it.id, &mut syms);
                    for s in syms.into_iter().filter(|s| !by_field.contains(s)) {
                        self.edge(Node::Sym(s), init);
                    }
                }
                other => {
                    let mut syms = Vec::new();
                    pattern_symbols(other, &mut syms);
                    for s in syms {
                        self.edge(Node::Sym(s), init);
                    }
                }
            }
        }
        walk::walk_variable_declarator(self, it);
    }

    fn visit_function(&mut self, it: &Function<'a>, flags: ScopeFlags) {
        let Some(body) = &it.body else {
            return walk::walk_function(self, it, flags);
        };
        let plain = !it.r#async && !it.generator;
        let idx = self.add_function(&it.params, FnBody::Block(arena(&**body)), it.span, plain);
        if let Some(sym) = it.id.as_ref().and_then(|id| id.symbol_id.get()) {
            self.an.fn_by_symbol.insert(sym, idx);
        }
        self.fn_stack.push(idx);
        let this = self.pending_this.take().flatten();
        self.this_stack.push(this);
        walk::walk_function(self, it, flags);
        self.this_stack.pop();
        self.fn_stack.pop();
    }

    fn visit_class(&mut self, it: &Class<'a>) {
        let own = it.id.as_ref().and_then(|id| id.symbol_id.get());
        let named = self.class_names.get(&it.span.start).copied();
        let base = it
            .heritage
            .as_ref()
            .and_then(|h| match h.expression.without_parentheses() {
                Expression::Identifier(id) => self
                    .an
                    .symbol_of(id)
                    .and_then(|s| self.an.class_by_symbol.get(&s).copied()),
                _ => None,
            });
        let class = match (named.or(own), base) {
            (Some(sym), base) => {
                let class = self.an.classes.len();
                self.an.classes.push(crate::classes::ClassInfo {
                    fields_of: sym,
                    methods: Default::default(),
                    base,
                });
                for s in [own, named].into_iter().flatten() {
                    self.an.class_by_symbol.insert(s, class);
                }
                Some(class)
            }
            (None, _) => None,
        };
        let saved = std::mem::replace(&mut self.current_class, class);
        walk::walk_class(self, it);
        self.current_class = saved;
    }

    fn visit_method_definition(&mut self, it: &MethodDefinition<'a>) {
        let class = self.current_class.filter(|_| !it.r#static);
        if let (Some(c), Some(std::borrow::Cow::Borrowed(name))) = (class, it.key.static_name()) {
            self.methods.push((c, name, it.value.span.start));
        }
        self.pending_this = Some(class);
        walk::walk_method_definition(self, it);
        self.pending_this = None;
    }

    fn visit_property_definition(&mut self, it: &PropertyDefinition<'a>) {
        let class = self.current_class.filter(|_| !it.r#static);
        if let (Some(c), Some(value), Some(key)) = (class, &it.value, property_key(arena(&it.key)))
        {
            let value: &'a Expression<'a> = arena(value);
            self.this_write(c, key, value, it.span);
        }
        self.this_stack.push(class);
        walk::walk_property_definition(self, it);
        self.this_stack.pop();
    }

    fn visit_static_block(&mut self, it: &StaticBlock<'a>) {
        self.this_stack.push(None);
        walk::walk_static_block(self, it);
        self.this_stack.pop();
    }

    fn visit_this_expression(&mut self, it: &ThisExpression) {
        if let Some(Some(c)) = self.this_stack.last() {
            self.an.this_class.insert(it.span.start, *c);
        }
    }

    fn visit_arrow_function_expression(&mut self, it: &ArrowFunctionExpression<'a>) {
        let body = match &it.body {
            ArrowFunctionBody::FunctionBody(b) => FnBody::Block(arena(&**b)),
            other => FnBody::Expr(arena(other.to_expression())),
        };
        let idx = self.add_function(&it.params, body, it.span, !it.r#async);
        if let FnBody::Expr(e) = body {
            self.an.returns.push((idx, e));
            self.edge(Node::Ret(idx), e);
        }
        self.fn_stack.push(idx);
        walk::walk_arrow_function_expression(self, it);
        self.fn_stack.pop();
    }

    fn visit_return_statement(&mut self, it: &ReturnStatement<'a>) {
        if let (Some(arg), Some(&f)) = (&it.argument, self.fn_stack.last()) {
            self.an.returns.push((f, arena(arg)));
            self.edge(Node::Ret(f), arg);
        }
        walk::walk_return_statement(self, it);
    }

    fn visit_assignment_expression(&mut self, it: &AssignmentExpression<'a>) {
        let right: &'a Expression<'a> = arena(&it.right);
        if let Some(name) = it
            .left
            .as_member_expression()
            .and_then(|m| commonjs_export(m, self.an))
        {
            self.an
                .exports
                .push((name, crate::link::Exported::Expr(right)));
        }
        // `this.usageStatisticsEnabled = params.usageStatisticsEnabled ?? true`: a switch's
        // default.
        if let AssignmentTarget::StaticMemberExpression(m) = &it.left {
            let key = arena(&m.property.name).as_str();
            if crate::settings::is_switch_property(key) {
                self.an.switch_props.push((key, right, it.span));
            }
        }
        // `headers.Authorization = v`, `headers["x-api-key"] = v`: credentials, judged apart.
        if let Some(key) = it.left.as_member_expression().and_then(|m| match m {
            MemberExpression::StaticMemberExpression(s) => Some(arena(&s.property.name).as_str()),
            MemberExpression::ComputedMemberExpression(c) => match &c.expression {
                Expression::StringLiteral(k) => Some(arena(&k.value).as_str()),
                _ => None,
            },
            MemberExpression::PrivateFieldExpression(_) => None,
        }) {
            if telltale_knowledge::credentials::is_auth_key(key)
                && it.operator == AssignmentOperator::Assign
            {
                if !carries_nothing(right) {
                    self.an.auth_values.push((right, key, it.span));
                }
                walk::walk_assignment_expression(self, it);
                return;
            }
        }
        // `attrs["user.email"] = email`: a dotted attribute key set on an attributes object.
        if let AssignmentTarget::ComputedMemberExpression(m) = &it.left {
            if let Expression::StringLiteral(k) = &m.expression {
                let key = arena(&k.value).as_str();
                if key.contains('.')
                    && js_api().is_telemetry_attribute(key)
                    && it.operator == AssignmentOperator::Assign
                    && !carries_nothing(right)
                {
                    self.an
                        .telemetry_attributes
                        .push((right, key.to_string(), it.span));
                }
            }
        }
        // `this.k = v` in a method writes the field `k` of the class's instances.
        if let Some((class, key, direct)) = it
            .left
            .as_member_expression()
            .and_then(|m| self.this_field_of(m))
        {
            if direct && it.operator == AssignmentOperator::Assign {
                self.this_write(class, key, right, it.span);
            } else {
                let sym = self.an.classes[class].fields_of;
                self.an.field_edge(sym, key, right, it.span);
            }
            walk::walk_assignment_expression(self, it);
            return;
        }
        // `o.k = v` and `o.k.j = v` write the field `k` of a local `o`; `o = { … }` its fields.
        let field = match &it.left {
            AssignmentTarget::StaticMemberExpression(_)
            | AssignmentTarget::ComputedMemberExpression(_) => it
                .left
                .as_member_expression()
                .and_then(|m| first_field(m, self.an)),
            AssignmentTarget::AssignmentTargetIdentifier(id)
                if matches!(right.without_parentheses(), Expression::ObjectExpression(_)) =>
            {
                if let (Some(sym), Expression::ObjectExpression(o)) =
                    (self.an.symbol_of(id), right.without_parentheses())
                {
                    if it.operator == AssignmentOperator::Assign {
                        self.an.object_edges(sym, o);
                        walk::walk_assignment_expression(self, it);
                        return;
                    }
                }
                None
            }
            _ => None,
        };
        if let Some((sym, key)) = field {
            self.an.field_edge(sym, key, right, it.span);
            walk::walk_assignment_expression(self, it);
            return;
        }
        let target = match &it.left {
            AssignmentTarget::AssignmentTargetIdentifier(id) => self.an.symbol_of(id),
            AssignmentTarget::StaticMemberExpression(m) => {
                root_ident(&m.object).and_then(|id| self.an.symbol_of(id))
            }
            AssignmentTarget::ComputedMemberExpression(m) => {
                root_ident(&m.object).and_then(|id| self.an.symbol_of(id))
            }
            _ => None,
        };
        if let Some(sym) = target {
            let before = self.an.edges.len();
            self.edge(Node::Sym(sym), &it.right);
            if let AssignmentTarget::ComputedMemberExpression(m) = &it.left {
                if matches!(m.object.without_parentheses(), Expression::Identifier(_))
                    && self.an.edges.len() > before
                {
                    self.element_writes.push((sym, before));
                }
            }
            if let (AssignmentTarget::AssignmentTargetIdentifier(_), AssignmentOperator::Assign) =
                (&it.left, it.operator)
            {
                self.assignments.push((sym, right));
            }
        }
        walk::walk_assignment_expression(self, it);
    }

    fn visit_for_of_statement(&mut self, it: &ForOfStatement<'a>) {
        if let ForStatementLeft::VariableDeclaration(d) = &it.left {
            for decl in &d.declarations {
                let mut syms = Vec::new();
                pattern_symbols(&decl.id, &mut syms);
                for s in syms {
                    self.loop_heads.insert(s);
                    self.edge(Node::Sym(s), &it.right);
                }
            }
        }
        walk::walk_for_of_statement(self, it);
    }

    fn visit_for_in_statement(&mut self, it: &ForInStatement<'a>) {
        if let ForStatementLeft::VariableDeclaration(d) = &it.left {
            for decl in &d.declarations {
                let mut syms = Vec::new();
                pattern_symbols(&decl.id, &mut syms);
                for s in syms {
                    self.loop_heads.insert(s);
                    self.edge(Node::Sym(s), &it.right);
                }
            }
        }
        walk::walk_for_in_statement(self, it);
    }

    fn visit_call_expression(&mut self, it: &CallExpression<'a>) {
        let it_a: &'a CallExpression<'a> = arena(it);
        self.an.calls.push(CallSite {
            callee: &it_a.callee,
            args: &it_a.arguments,
            span: it.span,
            path: None,
            func: self.fn_stack.last().copied(),
            local: None,
        });
        // The arguments of a call inside a concatenation are concatenations of their own.
        let in_concat = std::mem::replace(&mut self.in_concat, false);
        if let Expression::Identifier(id) = it.callee.without_parentheses() {
            if id.name == "require" && self.an.symbol_of(id).is_none() {
                if let Some(e) = it.arguments.first().and_then(|a| a.as_expression()) {
                    self.modules.push((arena(e), it.span));
                }
            }
        }
        // `headers.set("Authorization", v)`, `req.setHeader("x-api-key", v)`: credentials.
        if let Expression::StaticMemberExpression(m) = it.callee.without_parentheses() {
            if matches!(
                m.property.name.as_str(),
                "set" | "append" | "setHeader" | "header"
            ) {
                if let (Some(Expression::StringLiteral(k)), Some(v)) = (
                    it.arguments.first().and_then(|a| a.as_expression()),
                    it.arguments.get(1).and_then(|a| a.as_expression()),
                ) {
                    if telltale_knowledge::credentials::is_auth_key(&k.value) {
                        if !carries_nothing(v) {
                            self.an
                                .auth_values
                                .push((arena(v), arena(&k.value).as_str(), it.span));
                        }
                        walk::walk_call_expression(self, it);
                        self.in_concat = in_concat;
                        return;
                    }
                }
            }
        }
        // `arr.push(x)`, `Object.assign(o, x)`: x flows into the container.
        if let Expression::StaticMemberExpression(m) = it.callee.without_parentheses() {
            let method = m.property.name.as_str();
            let field = m.object.as_member_expression().and_then(|o| {
                first_field(o, self.an).or_else(|| {
                    let (class, key, _) = self.this_field_of(o)?;
                    Some((self.an.classes[class].fields_of, key))
                })
            });
            if let (true, Some((sym, key))) =
                (matches!(method, "push" | "unshift" | "set" | "add"), field)
            {
                // `o.list.push(e)`: into that field.
                for a in &it.arguments {
                    if let Some(e) = a.as_expression() {
                        self.an.field_edge(sym, key, arena(e), it.span);
                    }
                }
            } else if matches!(method, "push" | "unshift" | "set" | "add") {
                if let Some(sym) = root_ident(&m.object).and_then(|id| self.an.symbol_of(id)) {
                    let element = method == "set"
                        && matches!(m.object.without_parentheses(), Expression::Identifier(_));
                    for a in &it.arguments {
                        if let Some(e) = a.as_expression() {
                            let before = self.an.edges.len();
                            self.edge(Node::Sym(sym), e);
                            if element && self.an.edges.len() > before {
                                self.element_writes.push((sym, before));
                            }
                        }
                    }
                }
            }
        }
        walk::walk_call_expression(self, it);
        self.in_concat = in_concat;
    }

    fn visit_new_expression(&mut self, it: &NewExpression<'a>) {
        let it_a: &'a NewExpression<'a> = arena(it);
        self.an.calls.push(CallSite {
            callee: &it_a.callee,
            args: &it_a.arguments,
            span: it.span,
            path: None,
            func: self.fn_stack.last().copied(),
            local: None,
        });
        walk::walk_new_expression(self, it);
    }

    fn visit_import_expression(&mut self, it: &ImportExpression<'a>) {
        self.modules.push((arena(&it.source), it.span));
        walk::walk_import_expression(self, it);
    }

    fn visit_import_declaration(&mut self, it: &ImportDeclaration<'a>) {
        let module = it.source.value.as_str();
        let module = module.strip_prefix("node:").unwrap_or(module).to_string();
        self.module_load(&module, it.span);
        for spec in it.specifiers.iter().flatten() {
            let (sym, name) = match spec {
                ImportDeclarationSpecifier::ImportSpecifier(s) => {
                    (s.local.symbol_id.get(), Some(s.imported.name().to_string()))
                }
                ImportDeclarationSpecifier::ImportDefaultSpecifier(s) => {
                    (s.local.symbol_id.get(), None)
                }
                ImportDeclarationSpecifier::ImportNamespaceSpecifier(s) => {
                    (s.local.symbol_id.get(), None)
                }
            };
            if let Some(sym) = sym {
                self.an
                    .inits
                    .insert(sym, Init::Import(module.clone(), name));
            }
        }
    }

    fn visit_export_named_declaration(&mut self, it: &ExportNamedDeclaration<'a>) {
        walk::walk_export_named_declaration(self, it);
        // `export { a as b }`
        for spec in &it.specifiers {
            if let ModuleExportName::IdentifierReference(local) = &spec.local {
                if let Some(sym) = self.an.symbol_of(local) {
                    let name: &'a str = arena(&spec.exported).name().as_str();
                    self.an
                        .exports
                        .push((name, crate::link::Exported::Symbol(sym)));
                }
            }
        }
    }

    fn visit_export_declaration(&mut self, it: &ExportDeclaration<'a>) {
        walk::walk_export_declaration(self, it);
        match &it.declaration {
            Declaration::FunctionDeclaration(f) => {
                if let (Some(id), Some(&idx)) = (&f.id, self.an.fn_by_start.get(&f.span.start)) {
                    self.an.exports.push((
                        arena(&id.name).as_str(),
                        crate::link::Exported::Function(idx),
                    ));
                }
            }
            Declaration::ClassDeclaration(c) => {
                if let Some((id, sym)) =
                    c.id.as_ref().and_then(|id| Some((id, id.symbol_id.get()?)))
                {
                    self.an
                        .exports
                        .push((arena(&id.name).as_str(), crate::link::Exported::Symbol(sym)));
                }
            }
            Declaration::VariableDeclaration(d) => {
                for decl in &d.declarations {
                    if let (BindingPattern::BindingIdentifier(b), Some(init)) =
                        (&decl.id, &decl.init)
                    {
                        self.an.exports.push((
                            arena(&b.name).as_str(),
                            crate::link::Exported::Expr(arena(init)),
                        ));
                    }
                }
            }
            _ => {}
        }
    }

    fn visit_export_default_declaration(&mut self, it: &ExportDefaultDeclaration<'a>) {
        walk::walk_export_default_declaration(self, it);
        let exported = match &it.declaration {
            ExportDefaultDeclarationKind::FunctionDeclaration(f) => self
                .an
                .fn_by_start
                .get(&f.span.start)
                .map(|&i| crate::link::Exported::Function(i)),
            other => other
                .as_expression()
                .map(|e| crate::link::Exported::Expr(arena(e))),
        };
        if let Some(e) = exported {
            self.an.exports.push(("", e));
        }
    }

    fn visit_export_from_declaration(&mut self, it: &ExportFromDeclaration<'a>) {
        self.module_load(it.source.value.as_str(), it.span);
        walk::walk_export_from_declaration(self, it);
    }

    fn visit_export_all_declaration(&mut self, it: &ExportAllDeclaration<'a>) {
        self.module_load(it.source.value.as_str(), it.span);
        walk::walk_export_all_declaration(self, it);
    }

    fn visit_object_property(&mut self, it: &ObjectProperty<'a>) {
        let it: &'a ObjectProperty<'a> = arena(it);
        let key: Option<&'a str> = match &it.key {
            PropertyKey::StaticIdentifier(id) => Some(id.name.as_str()),
            PropertyKey::StringLiteral(s) => Some(s.value.as_str()),
            // `[semconv.SEMRESATTRS_HOST_NAME]: …`: the constant's name says the key.
            PropertyKey::StaticMemberExpression(m) => Some(m.property.name.as_str()),
            _ => None,
        };
        if let Some(key) = key.filter(|k| telltale_knowledge::credentials::is_auth_key(k)) {
            if !it.method && !carries_nothing(&it.value) {
                self.an.auth_values.push((&it.value, key, it.span));
            }
        }
        if let Some(key) = key.filter(|k| crate::settings::is_switch_property(k)) {
            if !it.method {
                self.an.switch_props.push((key, &it.value, it.span));
            }
        }
        if let Some(key) = key.filter(|k| js_api().is_telemetry_attribute(k)) {
            if !carries_nothing(&it.value) {
                self.an
                    .telemetry_attributes
                    .push((arena(&it.value), key.to_string(), it.span));
            }
        }
        walk::walk_object_property(self, it);
    }

    fn visit_string_literal(&mut self, it: &StringLiteral<'a>) {
        let v = it.value.as_str();
        let raw = self
            .an
            .src
            .get(it.span.start as usize + 1..(it.span.end as usize).saturating_sub(1))
            .unwrap_or("");
        match strings::escape_technique(raw).filter(|_| strings::interesting_decoded(v)) {
            // `"\x68\x74\x74\x70…"`: text written as escapes it does not need is hidden.
            Some(technique) => {
                let provenance = self.an.provenance(&crate::Decoded {
                    val: crate::Val::Str(String::new()),
                    encodings: vec![technique.into()],
                    origin: Some(it.span),
                });
                for (host, url) in strings::decoded_endpoints(v) {
                    self.an.facts.endpoints.push(EndpointFact {
                        host,
                        url,
                        span: fspan(it.span),
                        encodings: vec![technique.to_string()],
                        provenance: provenance.clone(),
                        origin: Some(fspan(it.span)),
                        in_text: false,
                    });
                }
                self.an.facts.obfuscations.push(ObfuscationFact {
                    technique: technique.to_string(),
                    decoded: v.chars().take(300).collect(),
                    span: fspan(it.span),
                    provenance,
                    origin: Some(fspan(it.span)),
                });
            }
            None => self.endpoint_from_literal(v, it.span),
        }
        if v.len() < 512 {
            if let Some(m) = MACHINE_ID_MARKERS.find(v) {
                self.an.facts.sources.push(SourceFact {
                    kind: DataKind::MachineId,
                    api: m.as_str().to_string(),
                    span: fspan(it.span),
                });
            }
        }
    }

    fn visit_template_literal(&mut self, it: &TemplateLiteral<'a>) {
        for q in &it.quasis {
            if let Some(c) = &q.value.cooked {
                self.endpoint_from_literal(c.as_str(), q.span);
            }
        }
        walk::walk_template_literal(self, it);
    }
}

/// The object symbol and first literal key of a member chain rooted at a local identifier:
/// `o.k`, `o["k"]`, `o.k.j[i]` → (`o`, `k`).
fn first_field<'a>(m: &MemberExpression<'a>, an: &Analyzer<'a>) -> Option<(SymbolId, &'a str)> {
    let mut cur: &'a Expression<'a> = match m {
        MemberExpression::StaticMemberExpression(s) => arena(&s.object),
        MemberExpression::ComputedMemberExpression(c) => arena(&c.object),
        MemberExpression::PrivateFieldExpression(_) => return None,
    };
    let mut key = match m {
        MemberExpression::StaticMemberExpression(s) => Some(arena(&s.property.name).as_str()),
        MemberExpression::ComputedMemberExpression(c) => match &c.expression {
            Expression::StringLiteral(k) => Some(arena(&k.value).as_str()),
            _ => None,
        },
        MemberExpression::PrivateFieldExpression(_) => None,
    };
    loop {
        match cur.without_parentheses() {
            Expression::Identifier(id) => return Some((an.symbol_of(id)?, key?)),
            inner => {
                let (object, k) =
                    literal_key(inner)
                        .map(|(o, k)| (o, Some(k)))
                        .or_else(|| match inner {
                            Expression::ComputedMemberExpression(c) => {
                                Some((arena(&c.object), None))
                            }
                            _ => None,
                        })?;
                key = k;
                cur = object;
            }
        }
    }
}

/// The export a CommonJS assignment names: `module.exports` → "", `module.exports.n` and
/// `exports.n` → "n" (with `module`/`exports` the module's own, not local variables).
fn commonjs_export<'a>(m: &MemberExpression<'a>, an: &Analyzer<'a>) -> Option<&'a str> {
    let m: &'a MemberExpression<'a> = arena(m);
    let MemberExpression::StaticMemberExpression(s) = m else {
        return None;
    };
    let global = |e: &Expression<'a>, name: &str| matches!(e.without_parentheses(), Expression::Identifier(id) if id.name == name && an.symbol_of(id).is_none());
    if global(&s.object, "module") && s.property.name == "exports" {
        return Some("");
    }
    if global(&s.object, "exports") {
        return Some(s.property.name.as_str());
    }
    match s.object.without_parentheses() {
        Expression::StaticMemberExpression(inner)
            if global(&inner.object, "module") && inner.property.name == "exports" =>
        {
            Some(s.property.name.as_str())
        }
        _ => None,
    }
}

/// A directory whose every entry nobody's own code deletes: the root, the home directory,
/// the working directory and its parents (node-ipc listed `./`, `../`, `../../`, `/`). A
/// folder not known statically is usually the program's own cache or temp folder.
fn is_broad_location(shape: &str) -> bool {
    let s = shape.trim_end_matches('/');
    shape == "/"
        || s == "~"
        || s == "."
        || (!s.is_empty() && s.split('/').all(|seg| seg == ".." || seg == "."))
}

/// The directory listings (by call start) of a location that is not the program's own: the
/// root, the home or working directory or their parents, written there or passed by some
/// caller of the function whose parameter is listed (a walker started on `/`). Deleting or
/// overwriting the entries of such a listing is wiping; of an own cache or temp folder it is
/// cleanup, however many other listings the file has.
fn broad_listings(an: &Analyzer<'_>, listings: &[usize]) -> rustc_hash::FxHashSet<u32> {
    let mut broad = rustc_hash::FxHashSet::default();
    // Listings of a parameter: function → (parameter index, listing call start).
    let mut by_function: rustc_hash::FxHashMap<usize, Vec<(usize, u32)>> = Default::default();
    for &ci in listings {
        let call = &an.calls[ci];
        let Some(arg) = call.args.first().and_then(|a| a.as_expression()) else {
            continue;
        };
        if is_broad_location(&an.shape_of(arg)) {
            broad.insert(call.span.start);
        } else if let Some((f, i)) = an.parameter_position(arg, call.span) {
            by_function.entry(f).or_default().push((i, call.span.start));
        }
    }
    if by_function.is_empty() {
        return broad;
    }
    for call in &an.calls {
        let Some(listed) = call.local.and_then(|f| by_function.get(&f)) else {
            continue;
        };
        for &(i, start) in listed {
            if call
                .args
                .get(i)
                .and_then(|a| a.as_expression())
                .is_some_and(|a| is_broad_location(&an.shape_of(a)))
            {
                broad.insert(start);
            }
        }
    }
    broad
}

/// Pass 1b: with every function known, bind arguments to parameters and callbacks to what
/// they receive.
/// An event emitter of the file's own: `bus.emit("ready", v)` calls the listeners
/// `bus.on("ready", h => …)` registered on the same object for the same event, so their
/// parameters receive what `emit` passes after the event's name.
fn link_emitters<'a>(an: &Analyzer<'a>, new_edges: &mut Vec<Edge<'a>>) {
    let receiver_and_event = |call: &CallSite<'a>, methods: &[&str]| {
        let Expression::StaticMemberExpression(m) = call.callee.without_parentheses() else {
            return None;
        };
        if !methods.contains(&m.property.name.as_str()) {
            return None;
        }
        let Expression::Identifier(r) = m.object.without_parentheses() else {
            return None;
        };
        let Some(Expression::StringLiteral(event)) = call
            .args
            .first()
            .and_then(|a| a.as_expression())
            .map(|e| e.without_parentheses())
        else {
            return None;
        };
        Some((an.symbol_of(r)?, event.value.as_str()))
    };
    let mut listeners: rustc_hash::FxHashMap<(SymbolId, &str), Vec<usize>> = Default::default();
    for call in &an.calls {
        let Some(key) = receiver_and_event(call, &["on", "once", "addListener", "prependListener"])
        else {
            continue;
        };
        let f =
            call.args
                .get(1)
                .and_then(|a| a.as_expression())
                .and_then(|x| match function_start(x) {
                    Some(start) => an.fn_by_start.get(&start).copied(),
                    None => an.callee_function(x),
                });
        if let Some(f) = f {
            listeners.entry(key).or_default().push(f);
        }
    }
    if listeners.is_empty() {
        return;
    }
    for call in &an.calls {
        let Some(key) = receiver_and_event(call, &["emit"]) else {
            continue;
        };
        for &f in listeners.get(&key).into_iter().flatten() {
            for (param, arg) in an.params_of(f).iter().zip(call.args.iter().skip(1)) {
                let (Some(param), Some(arg)) = (param, arg.as_expression()) else {
                    continue;
                };
                if carries_nothing(arg) {
                    continue;
                }
                new_edges.push(Edge {
                    target: Node::Sym(*param),
                    src: an.edge_src(arena(arg)),
                    span: call.span,
                });
            }
        }
    }
}

/// `process.env`, `window.navigator`: a member chain of a host global (a name no declaration
/// binds), written out; `None` for anything else.
fn global_chain<'a>(an: &Analyzer<'a>, e: &Expression<'a>) -> Option<String> {
    match e.without_parentheses() {
        Expression::Identifier(id) if an.symbol_of(id).is_none() => Some(id.name.to_string()),
        Expression::StaticMemberExpression(m) => Some(format!(
            "{}.{}",
            global_chain(an, &m.object)?,
            m.property.name
        )),
        _ => None,
    }
}

fn link_calls(an: &mut Analyzer<'_>) {
    let api = js_api();
    let mut call_counts = vec![0u32; an.funcs.len()];
    let mut new_edges = Vec::new();
    // Arguments into the callee's parameters, kept apart for `own_data`.
    let mut bindings = Vec::new();
    let mut single_site: Vec<(usize, usize)> = Vec::new(); // (fn, call index)
    let mut resolvers = rustc_hash::FxHashSet::default();
    let mut paths = Vec::with_capacity(an.calls.len());
    let mut locals = Vec::with_capacity(an.calls.len());
    let mut call_reads = Vec::new();
    let mut object_args = Vec::new();
    let mut local_args = Vec::new();
    let mut listings = Vec::new();
    let mut listing_callbacks = Vec::new();
    for (ci, call) in an.calls.iter().enumerate() {
        crate::prefetch::ahead(&an.calls, ci, an, |c| Some(c.callee));
        if let Some(later) = an.calls.get(ci + crate::prefetch::LIST_AHEAD) {
            crate::prefetch::touch(later.args.as_ptr());
        }
        let callee = call.callee.without_parentheses();
        let local = an.callee_function(callee);
        locals.push(local);
        if let Some(f) = local {
            call_counts[f] += 1;
            single_site.push((f, ci));
            for (i, p) in an.params_of(f).iter().enumerate() {
                if let (Some(sym), Some(arg)) = (
                    p,
                    call.args
                        .get(i)
                        .and_then(|a| a.as_expression())
                        .filter(|a| !carries_nothing(a)),
                ) {
                    // `kIe(process.env)` of a function that only reads `H[ROOTS_VAR]`: those
                    // variables, not the whole environment.
                    let env_names = (global_chain(an, arg).as_deref() == Some("process.env"))
                        .then(|| an.env_names_of_param(f, *sym))
                        .flatten();
                    match arg.without_parentheses() {
                        // `send({ url, body })`: the parameter's fields are the literal's.
                        Expression::ObjectExpression(o) => object_args.push((*sym, &**o)),
                        // `send(opts)` of a local: decided once fields are known.
                        Expression::Identifier(id) if an.symbol_of(id).is_some() => {
                            local_args.push((*sym, &**id, arg.span()))
                        }
                        _ if env_names.is_some() => {
                            for name in env_names.unwrap_or_default() {
                                if let Some(k) = api.env_var(&name) {
                                    bindings.push(Edge {
                                        target: Node::Sym(*sym),
                                        src: EdgeSrc::Kinds(
                                            Kinds::of(k),
                                            Rc::from(format!("process.env.{name}").as_str()),
                                        ),
                                        span: arg.span(),
                                    });
                                }
                            }
                        }
                        _ => bindings.push(Edge {
                            target: Node::Sym(*sym),
                            src: an.edge_src(arg),
                            span: arg.span(),
                        }),
                    }
                }
            }
        }
        // Callbacks receive what the call works on: `res.on("data", d => …)`, `p.then(v => …)`,
        // and a request's callback receives the response.
        let path = an.path_of(call.callee);
        let callee_path = path.as_deref();
        // Every call that reads identity is a read, wherever its value goes.
        if let Some(kind) = callee_path
            .and_then(|p| api.call_source(p))
            .filter(|k| k.is_identity())
        {
            call_reads.push(SourceFact {
                kind,
                api: format!("{}()", callee_path.unwrap_or_default()),
                span: fspan(call.span),
            });
        }
        let response: Option<Kinds> = an
            .call_path(call.callee, call.args)
            .filter(|p| api.sink(p).is_some())
            .map(|_| crate::taint::response_kinds(an, call.args));
        let receiver = match callee {
            // `app.get("/path", (req, res) => …)`: the handler receives a client's request,
            // not the server's data.
            Expression::StaticMemberExpression(m) if registers_route(m, call.args) => None,
            Expression::StaticMemberExpression(m) => Some(&m.object),
            _ => None,
        };
        // Node-style callbacks `(err, data)`: a file read's content, a command's output.
        let delivered: Option<(Kinds, Rc<str>)> = callee_path.and_then(|p| {
            if crate::taint::FILE_READS.contains(&p) {
                let (k, name) = an.file_read(p, call.args)?;
                Some((Kinds::of(k), name))
            } else if api.is_exec(p) {
                let printed = an.command_output(p, call.args, call.span);
                (!printed.kinds.is_empty()).then_some((printed.kinds, printed.shape))
            } else {
                None
            }
        });
        if let Some((k, name)) = delivered {
            let callback = call
                .args
                .iter()
                .rev()
                .find_map(|a| a.as_expression().and_then(function_start))
                .and_then(|s| an.fn_by_start.get(&s).copied());
            if let Some(Some(data)) = callback.and_then(|f| an.params_of(f).get(1).copied()) {
                new_edges.push(Edge {
                    target: Node::Sym(data),
                    src: EdgeSrc::Kinds(k, name),
                    span: call.span,
                });
            }
        }
        // `new Promise(executor)` (the callee is `Promise`) and `Promise(executor)`.
        let is_promise = matches!(callee_path, Some("Promise" | "Promise()"));
        let lists_directory = callee_path.is_some_and(|p| api.is_directory_listing(p));
        if lists_directory {
            listings.push(ci);
        }
        for a in call.args.iter() {
            // A function written in place, or a local one named (`p.then(post)`).
            let f = match a.as_expression() {
                Some(x) => match function_start(x) {
                    Some(start) => an.fn_by_start.get(&start).copied(),
                    None if matches!(x.without_parentheses(), Expression::Identifier(_)) => {
                        an.callee_function(x)
                    }
                    None => None,
                },
                None => None,
            };
            let Some(f) = f else {
                continue;
            };
            let Some(Some(p0)) = an.params_of(f).first().copied() else {
                continue;
            };
            if is_promise {
                // `new Promise(resolve => resolve(v))`: the promise carries v.
                an.promise_resolvers.insert(call.span.start, p0);
                resolvers.insert(p0);
                continue;
            }
            if lists_directory {
                // Decided once every call's callee is known (see `broad_listings`).
                listing_callbacks.push((ci, f));
            } else if let Some(k) = response {
                new_edges.push(Edge {
                    target: Node::Sym(p0),
                    src: EdgeSrc::Kinds(k, Rc::from("response")),
                    span: call.span,
                });
            } else if let Some(r) = receiver {
                new_edges.push(Edge {
                    target: Node::Sym(p0),
                    src: an.edge_src(r),
                    span: call.span,
                });
            }
        }
        paths.push(path);
    }
    link_emitters(an, &mut new_edges);
    // The callee's path is computed once, here, and kept for the sink scan.
    for ((call, path), local) in an.calls.iter_mut().zip(paths).zip(locals) {
        call.path = path;
        call.local = local;
    }
    an.broad_listings = broad_listings(an, &listings);
    for (ci, f) in listing_callbacks {
        let call = &an.calls[ci];
        if !an.broad_listings.contains(&call.span.start) {
            continue;
        }
        for p in an.params_of(f).iter().flatten() {
            let k = Kinds::of(DataKind::DirectoryListing);
            new_edges.push(Edge {
                target: Node::Sym(*p),
                src: EdgeSrc::Kinds(k, Rc::from("directory listing")),
                span: call.span,
            });
        }
    }
    for call in an.calls.iter().filter(|_| !resolvers.is_empty()) {
        if let Expression::Identifier(id) = call.callee.without_parentheses() {
            if let Some(sym) = an.symbol_of(id).filter(|s| resolvers.contains(s)) {
                if let Some(arg) = call.args.first().and_then(|a| a.as_expression()) {
                    new_edges.push(Edge {
                        target: Node::Sym(sym),
                        src: an.edge_src(arg),
                        span: arg.span(),
                    });
                }
            }
        }
    }
    // A function called from exactly one place: its parameters are aliases of the arguments
    // there (IIFEs, UMD factories, helpers like `fetchIpInfo(url)`). Called from several, a
    // parameter every call gives the same host object (`threadId(process.env)`) is that
    // object, so `env.AMP_THREAD_ID` in it reads one variable, not the whole environment.
    let mut same_global: rustc_hash::FxHashMap<(usize, usize), Option<(String, usize)>> =
        Default::default();
    for &(f, ci) in &single_site {
        let call = &an.calls[ci];
        let params = &an.params[an.funcs[f].params.start as usize..an.funcs[f].params.end as usize];
        for (i, p) in params.iter().enumerate() {
            let Some(sym) = *p else { continue };
            let arg = call.args.get(i).and_then(|a| a.as_expression());
            if call_counts[f] == 1 {
                if let Some(arg) = arg {
                    an.inits.or_insert(sym, Init::Expr(arg));
                }
                continue;
            }
            let global = arg.and_then(|a| global_chain(an, a));
            let slot = same_global
                .entry((f, i))
                .or_insert_with(|| global.clone().map(|g| (g, ci)));
            if slot.as_ref().map(|(g, _)| g) != global.as_ref() {
                *slot = None;
            }
        }
    }
    for ((f, i), same) in same_global {
        let (Some((_, ci)), Some(Some(sym))) = (same, an.params_of(f).get(i).copied()) else {
            continue;
        };
        if let Some(arg) = an.calls[ci].args.get(i).and_then(|a| a.as_expression()) {
            an.inits.or_insert(sym, Init::Expr(arg));
        }
    }
    an.edges.extend(new_edges);
    let start = an.edges.len();
    an.edges.extend(bindings);
    for (sym, obj) in object_args {
        an.object_edges(sym, obj);
    }
    an.binding_edges.push(start..an.edges.len());
    // Results first: a call's result is often passed on by name (`g(await f())`).
    return_fields(an);
    let start = an.edges.len();
    pass_fields(an, local_args);
    an.binding_edges.push(start..an.edges.len());
    an.facts.sources.extend(call_reads);
}

/// The call a declaration's value is, when its callee is a name (`f(…)`, `await f(…)`, and
/// the call of `c ? null : await f(…)`).
fn named_call<'a>(e: &'a Expression<'a>) -> Option<&'a CallExpression<'a>> {
    match e.without_parentheses() {
        Expression::AwaitExpression(a) => named_call(&a.argument),
        Expression::ConditionalExpression(c) if carries_nothing(&c.consequent) => {
            named_call(&c.alternate)
        }
        Expression::ConditionalExpression(c) if carries_nothing(&c.alternate) => {
            named_call(&c.consequent)
        }
        Expression::CallExpression(c)
            if matches!(c.callee.without_parentheses(), Expression::Identifier(_)) =>
        {
            Some(c)
        }
        _ => None,
    }
}

/// The object literals a returned value is made of (`t ? { token: t } : { token: o }`, `a ||
/// { … }`); false when some part of it is not one.
fn object_leaves<'a>(e: &'a Expression<'a>, out: &mut Vec<&'a ObjectExpression<'a>>) -> bool {
    match e.without_parentheses() {
        Expression::ObjectExpression(o) => {
            out.push(o);
            true
        }
        Expression::ConditionalExpression(c) => {
            object_leaves(&c.consequent, out) && object_leaves(&c.alternate, out)
        }
        _ => false,
    }
}

/// `const r = f(…)` where every `return` of the file's own `f` is an object literal (or a
/// choice between object literals): each literal key of those objects is a field of `r` (a
/// spread of a local with fields copies its fields), so `r.secretStorage` does not carry what
/// `r.fuzzyServer` was built from. Any other call's result flows whole.
fn return_fields(an: &mut Analyzer<'_>) {
    let pending = std::mem::take(&mut an.call_results);
    if pending.is_empty() {
        return;
    }
    let mut keys: rustc_hash::FxHashMap<SymbolId, Vec<&str>> = Default::default();
    for (obj, key) in an.fields.nodes.iter() {
        if let Some(k) = key {
            keys.entry(*obj).or_default().push(k);
        }
    }
    for (sym, init) in pending {
        let objects: Option<Vec<&ObjectExpression>> = named_call(init)
            .and_then(|c| an.callee_function(&c.callee))
            .map(|f| an.returns_of(f))
            .filter(|rs| !rs.is_empty())
            .and_then(|rs| {
                let mut objects = Vec::new();
                rs.iter()
                    .all(|r| object_leaves(r, &mut objects))
                    .then_some(objects)
            });
        let Some(objects) = objects else {
            an.edges.push(Edge {
                target: Node::Sym(sym),
                src: an.edge_src(init),
                span: init.span(),
            });
            continue;
        };
        for o in objects {
            for p in &o.properties {
                if let ObjectPropertyKind::SpreadProperty(sp) = p {
                    let local = match sp.argument.without_parentheses() {
                        Expression::Identifier(id) => an.symbol_of(id),
                        _ => None,
                    };
                    if let Some((from, ks)) = local.and_then(|s| Some((s, keys.get(&s)?))) {
                        an.copy_fields(from, sym, ks, sp.span);
                        continue;
                    }
                }
                an.object_property_edges(sym, p);
            }
        }
    }
}

/// `app.get("/users/:id", handler)`, `router.post(/^\/api/, …)`: an HTTP route, whose
/// handler is called with a client's request.
fn registers_route(m: &StaticMemberExpression, args: &[Argument]) -> bool {
    const METHODS: &[&str] = &[
        "get", "post", "put", "delete", "patch", "all", "use", "options", "head", "route",
    ];
    METHODS.contains(&m.property.name.as_str())
        && match args.first().and_then(|a| a.as_expression()) {
            Some(Expression::StringLiteral(s)) => s.value.starts_with('/'),
            Some(Expression::RegExpLiteral(_)) => true,
            _ => false,
        }
}

/// `f(opts)` where `opts` is a local object with fields: each field of `opts` becomes the same
/// field of `f`'s parameter, so `const { url } = param` does not carry `opts.caPath`. Repeated
/// while parameters that got fields are passed on (`g(param)`), a few levels deep; an argument
/// without fields flows whole.
fn pass_fields<'a>(
    an: &mut Analyzer<'a>,
    mut pending: Vec<(SymbolId, &'a IdentifierReference<'a>, oxc_span::Span)>,
) {
    const LEVELS: usize = 4;
    for _ in 0..LEVELS {
        // Every level reads the whole field table: nothing to do, no table read.
        if pending.is_empty() {
            return;
        }
        let mut keys: rustc_hash::FxHashMap<SymbolId, Vec<&'a str>> = Default::default();
        for (obj, key) in an.fields.nodes.iter() {
            if let Some(k) = key {
                keys.entry(*obj).or_default().push(k);
            }
        }
        let before = pending.len();
        pending.retain(|&(param, id, span)| {
            let Some(arg) = an.symbol_of(id) else {
                return false;
            };
            let Some(arg_keys) = keys.get(&arg) else {
                return true;
            };
            an.copy_fields(arg, param, arg_keys, span);
            false
        });
        if pending.len() == before {
            break;
        }
    }
    for (param, id, span) in pending {
        an.edges.push(Edge {
            target: Node::Sym(param),
            src: EdgeSrc::Name(an.symbol_of(id), id.name.as_str()),
            span,
        });
    }
}
