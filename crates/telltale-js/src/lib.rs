//! The JavaScript/TypeScript front end.
//!
//! Parses with `oxc` (parser + semantic), resolves what the code means — module aliases,
//! destructuring, constants, encodings — and emits [`FileFacts`]: identity and region
//! sources, network sinks, flows between them with steps, region guards with the effects of
//! the code they control, decoded obfuscated values, dynamic code and destructive writes.
//!
//! The analysis runs in passes over one file: [`collect`] records declarations, functions,
//! assignments and calls; [`taint`] propagates data kinds to a fixpoint over that graph and
//! finds sinks; [`guards`] finds region comparisons and what they control.

mod classes;
mod collect;
mod command;
mod consent;
mod credentials;
mod deobf;
mod dropper;
mod guards;
mod interp;
mod link;
mod nested;
mod own_data;
mod passthrough;
mod prefetch;
pub mod prefilter;
mod provenance;
mod region_probe;
mod resolve;
mod settings;
mod taint;
mod wrappers;

use oxc_allocator::Allocator;
use oxc_ast::ast::*;
use oxc_parser::{ParseOptions, Parser};
use oxc_semantic::{Scoping, SemanticBuilder, SymbolId};
use oxc_span::SourceType;
use rustc_hash::FxHashMap as HashMap;
use std::cell::{OnceCell, RefCell};
use std::rc::Rc;
use std::sync::Arc;
use telltale_facts::{FileFacts, Kinds, LineIndex, Links, Span};

pub use resolve::{Decoded, Val};
/// URL, host and decoding helpers, shared with the other front ends.
pub use telltale_knowledge::strings;

/// Files larger than this are not parsed (their literals are still not scanned); a clear
/// diagnostic says so. Raised with `--max-file-bytes` by the CLI through [`Options`].
pub const DEFAULT_MAX_PARSE_BYTES: usize = 64 << 20;

/// How the diagnostic of a file that could not be parsed at all begins.
pub(crate) const PARSE_FAILED: &str = "could not parse";

/// Knobs for one analysis.
#[derive(Debug, Clone)]
pub struct Options {
    pub max_parse_bytes: usize,
    /// What other files of the package give this one (second analysis of a file whose
    /// package-local imports or callers carry data).
    pub links: Option<Arc<Links>>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_parse_bytes: DEFAULT_MAX_PARSE_BYTES,
            links: None,
        }
    }
}

/// How a symbol got its value, for alias and constant resolution.
pub(crate) enum Init<'a> {
    /// `const x = <expr>` (or a parameter bound at its only call site).
    Expr(&'a Expression<'a>),
    /// `const { key: x } = <expr>`.
    Member(&'a Expression<'a>, String),
    /// `import x from "m"` (None or `default`) / `import { name as x } from "m"`.
    Import(String, Option<String>),
}

#[derive(Clone, Copy)]
pub(crate) enum FnBody<'a> {
    Block(&'a FunctionBody<'a>),
    Expr(&'a Expression<'a>),
}

pub(crate) struct FuncInfo<'a> {
    /// Its parameters' symbols, as a range of [`Analyzer::params`] (one table for the file:
    /// bundles have tens of thousands of functions).
    pub params: std::ops::Range<u32>,
    pub body: FnBody<'a>,
    /// Its parameters as written (defaults, rest), for [`interp`].
    pub formal: &'a FormalParameters<'a>,
    /// Neither async nor a generator: a call runs its body to a value.
    pub plain: bool,
    /// The whole function. Functions are numbered in source order of their start.
    pub span: oxc_span::Span,
    /// The function it is written in, if any.
    pub parent: Option<usize>,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub(crate) enum Node {
    Sym(SymbolId),
    Ret(usize),
    /// A property with a literal key of a local object, or the whole object (every property
    /// and its other writes) for objects that have such properties: see [`Fields`].
    Field(u32),
}

pub(crate) enum EdgeSrc<'a> {
    Expr(&'a Expression<'a>),
    /// An identifier, kept as the symbol it names (or its name when global): half the edges
    /// of a bundle, and the fixpoint then need not read their nodes again.
    Name(Option<SymbolId>, &'a str),
    /// `const { key: x } = o` of a local `o`: the property `key` of `o` (field-sensitive when
    /// `o` has fields, see [`Fields`]), else `o` as [`EdgeSrc::Name`] reads it.
    Member(SymbolId, &'a str, &'a str),
    Kinds(Kinds, Rc<str>),
    /// Region data itself (not something computed with it) that callers in other files pass:
    /// carried like `Kinds`, and what [`provenance`] accepts as a region value.
    Region(Kinds, Rc<str>),
    /// What another value carries (a property into its whole object).
    Node(Node),
}

/// Field-sensitive properties: `o.k = v` and `const o = { k: v }` write the property `k`
/// of `o` only, so reading `o.other` does not carry `v`. An object with such properties has
/// a whole-object node too, which every property and the object's own symbol (its other
/// writes: `o = x`, `o[i] = x`, `o.push(x)`) flow into; reading `o` itself reads that.
pub(crate) struct Fields<'a> {
    ids: HashMap<(SymbolId, &'a str), u32>,
    /// Per object symbol: its whole-object node (dense: probed for every identifier read).
    pub(crate) whole: SymMap<u32>,
    /// (object, key) of each field node; key `None` for whole-object nodes.
    pub(crate) nodes: Vec<(SymbolId, Option<&'a str>)>,
}

impl<'a> Fields<'a> {
    fn new(symbols: usize) -> Self {
        Fields {
            ids: HashMap::default(),
            whole: SymMap::new(symbols),
            nodes: Vec::new(),
        }
    }
    /// The node of `sym.key`, created on first write.
    pub(crate) fn intern(&mut self, sym: SymbolId, key: &'a str) -> u32 {
        if let Some(&i) = self.ids.get(&(sym, key)) {
            return i;
        }
        let i = self.nodes.len() as u32;
        self.nodes.push((sym, Some(key)));
        self.ids.insert((sym, key), i);
        if self.whole.get(&sym).is_none() {
            self.whole.insert(sym, self.nodes.len() as u32);
            self.nodes.push((sym, None));
        }
        i
    }
    pub(crate) fn get(&self, sym: SymbolId, key: &str) -> Option<u32> {
        self.whole.get(&sym)?;
        self.ids.get(&(sym, key)).copied()
    }
    pub(crate) fn whole(&self, sym: SymbolId) -> Option<u32> {
        self.whole.get(&sym).copied()
    }
    pub(crate) fn len(&self) -> usize {
        self.nodes.len()
    }
}

pub(crate) struct Edge<'a> {
    pub target: Node,
    pub src: EdgeSrc<'a>,
    pub span: oxc_span::Span,
}

pub(crate) struct CallSite<'a> {
    pub callee: &'a Expression<'a>,
    pub args: &'a [Argument<'a>],
    pub span: oxc_span::Span,
    /// The callee's resolved access path, computed once after collection.
    pub path: Option<Rc<str>>,
    /// The function the call is written in (`None` at the top level).
    pub func: Option<usize>,
    /// The file's own function it calls ([`Analyzer::callee_function`]), computed once
    /// after collection.
    pub local: Option<usize>,
}

/// A table keyed by symbol, stored densely: symbols are numbered from 0 by oxc, and these
/// tables are probed for every identifier of a bundle.
pub(crate) struct SymMap<T> {
    slots: Vec<Option<T>>,
}

impl<T> SymMap<T> {
    pub fn new(len: usize) -> Self {
        SymMap {
            slots: std::iter::repeat_with(|| None).take(len).collect(),
        }
    }
    pub fn get(&self, sym: &SymbolId) -> Option<&T> {
        self.slots.get(sym.index()).and_then(|s| s.as_ref())
    }
    /// Where a symbol's entry lives, for [`prefetch`] (no read).
    pub fn slot(&self, sym: SymbolId) -> *const Option<T> {
        self.slots.as_ptr().wrapping_add(sym.index())
    }
    pub fn insert(&mut self, sym: SymbolId, value: T) {
        let i = sym.index();
        if i >= self.slots.len() {
            self.slots.resize_with(i + 1, || None);
        }
        self.slots[i] = Some(value);
    }
    /// Insert unless a value is already there.
    pub fn or_insert(&mut self, sym: SymbolId, value: T) {
        if self.get(&sym).is_none() {
            self.insert(sym, value);
        }
    }
}

/// State shared by the passes over one file.
pub(crate) struct Analyzer<'a> {
    pub src: &'a str,
    pub scoping: &'a Scoping,
    pub inits: SymMap<Init<'a>>,
    /// Variables declared without a value and assigned exactly once (`let x; … x = v`), whose
    /// init is that one value: not "mutated" for the passes that trust inits.
    pub assigned_once: SymMap<()>,
    pub path_memo: RefCell<SymMap<Option<Rc<str>>>>,
    pub value_memo: RefCell<SymMap<Option<Decoded>>>,
    pub funcs: Vec<FuncInfo<'a>>,
    /// The parameters of every function, in function order ([`FuncInfo::params`]).
    pub params: Vec<Option<SymbolId>>,
    pub fn_by_symbol: SymMap<usize>,
    pub fn_by_start: HashMap<u32, usize>,
    /// Functions with a decoding step in them or in a function written directly inside
    /// (`collect::is_decoding_step`): their calls' values are reported as decoded.
    pub(crate) decoding_fns: rustc_hash::FxHashSet<usize>,
    pub edges: Vec<Edge<'a>>,
    pub calls: Vec<CallSite<'a>>,
    pub facts: FileFacts,
    /// How each value got its data (for steps), for values that carry any.
    pub state: HashMap<Node, taint::NodeState>,
    /// What each value carries, by [`Analyzer::node_index`].
    pub node_kinds: Vec<Kinds>,
    /// Values stored under telemetry attribute keys: (value, key, property span).
    pub telemetry_attributes: Vec<(&'a Expression<'a>, String, oxc_span::Span)>,
    /// Constant code passed to `eval` and kin, analysed after this file's passes.
    pub nested_code: Vec<nested::Pending>,
    /// Conditions that may guard code, for [`guards`].
    pub guard_sites: Vec<guards::GuardSite<'a>>,
    /// Conditional expressions one of whose branches is a string naming an endpoint: values
    /// that may be chosen by region (a download mirror).
    pub(crate) select_sites: Vec<&'a oxc_ast::ast::ConditionalExpression<'a>>,
    /// Values placed where a request carries its credentials (`Authorization: …`, `x-api-key`,
    /// `headers.set("Authorization", …)`): kept out of the data flow and judged in
    /// [`credentials`] (the value, the key, the property or call).
    pub(crate) auth_values: Vec<(&'a Expression<'a>, &'a str, oxc_span::Span)>,
    /// Properties that look like telemetry switches (`usageStatisticsEnabled: …`), read in
    /// [`settings`] for what users set.
    pub(crate) switch_props: Vec<(&'a str, &'a Expression<'a>, oxc_span::Span)>,
    /// `new Promise(executor)` start → the executor's `resolve` parameter.
    pub promise_resolvers: HashMap<u32, SymbolId>,
    /// Where generated ids that reach a file write are made (their read spans' starts): those
    /// are installation ids (see [`taint::persisted_ids`]).
    pub(crate) persisted_ids: rustc_hash::FxHashMap<u32, telltale_facts::Step>,
    /// Each `return` argument (and arrow expression body), by function.
    pub(crate) returns: Vec<(usize, &'a Expression<'a>)>,
    /// `const r = f(…)` / `await f(…)` of a named callee: decided once callees are known
    /// (fields of the object `f` returns, or the whole result; see `collect::return_fields`).
    pub(crate) call_results: Vec<(SymbolId, &'a Expression<'a>)>,
    /// Outermost `a + b` expressions (string concatenations are read whole when the file
    /// hides strings).
    pub concats: Vec<&'a Expression<'a>>,
    /// The partial evaluator's state (string arrays, bindings, budget).
    pub deobf: deobf::Deobf<'a>,
    /// Properties with literal keys of local objects.
    pub fields: Fields<'a>,
    /// `module.exports =`, `exports.n =`, `export …`: name ("" for the module value) and value.
    pub exports: Vec<(&'a str, link::Exported<'a>)>,
    pub links: Option<Arc<Links>>,
    /// Line starts, built only when a decoded value's literal is located.
    pub lines: OnceCell<LineIndex>,
    /// Directory listings of a location that is not the program's own, by call start
    /// (`collect::broad_listings`): only their entries carry `DirectoryListing`.
    pub broad_listings: rustc_hash::FxHashSet<u32>,
    /// Which values are region data themselves, asked on demand by the region guards.
    pub provenance: provenance::Provenance,
    /// The file's classes ([`classes`]), and the class each of its names stands for.
    pub(crate) classes: Vec<classes::ClassInfo<'a>>,
    pub(crate) class_by_symbol: HashMap<SymbolId, usize>,
    /// `this` expression start → the class whose instance it is.
    pub(crate) this_class: HashMap<u32, usize>,
    pub(crate) this_writes: classes::ThisWrites<'a>,
    /// Which functions return only what their arguments carry ([`passthrough`]).
    pub(crate) passthrough_memo: RefCell<HashMap<usize, bool>>,
    /// [`Analyzer::returns`] by function, built on first use.
    pub(crate) returns_by_fn: OnceCell<HashMap<usize, Vec<&'a Expression<'a>>>>,
    /// Edges that bind a call's arguments to the callee's parameters ([`own_data`]).
    pub(crate) binding_edges: Vec<std::ops::Range<usize>>,
    /// Set while [`own_data`] asks what functions return of their own.
    pub(crate) own_pass: std::cell::Cell<bool>,
    /// What each command a call runs prints, by the call's start (asked during the fixpoint).
    pub(crate) command_outputs: std::cell::RefCell<HashMap<u32, command::Output>>,
    /// Functions whose result carries nothing but what their callers pass ([`own_data`]).
    pub(crate) returns_only_arguments: rustc_hash::FxHashSet<usize>,
}

impl<'a> Analyzer<'a> {
    /// The file's own function a callee names: `f` declared or bound to a function, or a
    /// function written in place (`(function () { … })()`).
    pub(crate) fn callee_function(&self, callee: &Expression<'a>) -> Option<usize> {
        match callee.without_parentheses() {
            Expression::Identifier(id) => {
                let sym = self.symbol_of(id)?;
                self.fn_by_symbol.get(&sym).copied().or_else(|| {
                    // `new C(…)` runs the constructor of a class of the file.
                    let class = *self.class_by_symbol.get(&sym)?;
                    self.method_of(class, "constructor")
                })
            }
            Expression::StaticMemberExpression(_) if !self.classes.is_empty() => {
                self.method_callee(callee)
            }
            other => collect::function_start(other).and_then(|s| self.fn_by_start.get(&s).copied()),
        }
    }

    /// The parameters of function `f` (`None` for a pattern parameter).
    pub(crate) fn params_of(&self, f: usize) -> &[Option<SymbolId>] {
        let r = &self.funcs[f].params;
        &self.params[r.start as usize..r.end as usize]
    }

    /// The source of an edge from `e` (see [`EdgeSrc::Name`]).
    pub(crate) fn edge_src(&self, e: &'a Expression<'a>) -> EdgeSrc<'a> {
        match e {
            Expression::Identifier(id) => EdgeSrc::Name(self.symbol_of(id), id.name.as_str()),
            _ => EdgeSrc::Expr(e),
        }
    }

    /// Which parameter of which enclosing function (of the code at `at`) an expression is.
    pub(crate) fn parameter_position(
        &self,
        e: &Expression<'a>,
        at: oxc_span::Span,
    ) -> Option<(usize, usize)> {
        let Expression::Identifier(id) = e.without_parentheses() else {
            return None;
        };
        let sym = self.symbol_of(id)?;
        let mut f = self.function_at(at)?;
        loop {
            if let Some(i) = self.params_of(f).iter().position(|p| *p == Some(sym)) {
                return Some((f, i));
            }
            f = self.funcs[f].parent?;
        }
    }

    /// The innermost function of the file that contains `span` (`None`: the top level).
    /// Functions are numbered in source order, so the candidate is found by binary search and
    /// its parents are tried outwards.
    pub(crate) fn function_at(&self, span: oxc_span::Span) -> Option<usize> {
        let mut f = self
            .funcs
            .partition_point(|x| x.span.start <= span.start)
            .checked_sub(1)?;
        loop {
            let s = self.funcs[f].span;
            if s.start <= span.start && span.end <= s.end {
                return Some(f);
            }
            f = self.funcs[f].parent?;
        }
    }

    /// What a zero-argument predicate of the file's own returns (`function isRu() { return … }`):
    /// its expression body or its first `return`.
    pub(crate) fn predicate_return(&self, callee: &Expression<'a>) -> Option<&'a Expression<'a>> {
        let Expression::Identifier(id) = callee.without_parentheses() else {
            return None;
        };
        let f = *self.symbol_of(id).and_then(|s| self.fn_by_symbol.get(&s))?;
        self.function_return(f)
    }

    /// What a function returns, when it has one return at its top level (or is an arrow
    /// with an expression body).
    pub(crate) fn function_return(&self, f: usize) -> Option<&'a Expression<'a>> {
        match self.funcs[f].body {
            FnBody::Expr(x) => Some(x),
            FnBody::Block(b) => b.statements.iter().find_map(|s| match s {
                Statement::ReturnStatement(r) => r.argument.as_ref(),
                _ => None,
            }),
        }
    }

    /// Where a hidden value comes from: its technique, then the literal decoding started from
    /// as line:column (`base64 → hex → literal at 3:1042`); the technique alone when no
    /// literal is known.
    pub(crate) fn provenance(&self, v: &Decoded) -> String {
        let technique = v.encodings.join(" → ");
        match v.origin {
            Some(o) => {
                let (line, col) = self
                    .lines
                    .get_or_init(|| LineIndex::new(self.src.as_bytes()))
                    .line_col(o.start);
                format!("{technique} → literal at {line}:{col}")
            }
            None => technique,
        }
    }

    pub(crate) fn snippet(&self, span: oxc_span::Span) -> String {
        snippet_of(self.src, span.start, span.end)
    }
}

/// A one-line excerpt of at most ~100 characters.
pub(crate) use telltale_knowledge::strings::snippet as snippet_of;

/// The name a value or callee is read by: a variable's, or the last property of a member
/// (`getUsageStatisticsEnabled`, `options.law.countryCode`, `headers["countryCode"]`).
pub(crate) fn last_name<'x>(e: &'x Expression<'_>) -> Option<&'x str> {
    match e.without_parentheses() {
        Expression::StaticMemberExpression(m) => Some(m.property.name.as_str()),
        Expression::ComputedMemberExpression(m) => match &m.expression {
            Expression::StringLiteral(k) => Some(k.value.as_str()),
            _ => None,
        },
        Expression::Identifier(id) => Some(id.name.as_str()),
        Expression::ChainExpression(c) => match &c.expression {
            ChainElement::StaticMemberExpression(m) => Some(m.property.name.as_str()),
            _ => None,
        },
        _ => None,
    }
}

pub(crate) fn fspan(s: oxc_span::Span) -> Span {
    Span::new(s.start, s.end)
}

/// Whether a file's lines are so long that it is minified or generated.
pub fn looks_minified(src: &[u8]) -> bool {
    const AVERAGE: usize = 400;
    const LONGEST: usize = 5000;
    // Lines average over 400 bytes. Counting stops once there are too many lines for that.
    let cap = src.len() / AVERAGE + 1;
    let newlines = memchr::memchr_iter(b'\n', src).take(cap).count();
    if newlines < cap && src.len() / (newlines + 1) > AVERAGE {
        return true;
    }
    // A line over 5000 bytes covers a whole aligned 2500-byte block with no newline; only
    // such blocks are measured, so ordinary code costs one short search per block.
    const BLOCK: usize = LONGEST / 2;
    let mut start = 0;
    while start < src.len() {
        let end = (start + BLOCK).min(src.len());
        if end - start == BLOCK && memchr::memchr(b'\n', &src[start..end]).is_none() {
            let line_start = memchr::memrchr(b'\n', &src[..start]).map_or(0, |i| i + 1);
            let line_end = memchr::memchr(b'\n', &src[end..]).map_or(src.len(), |i| end + i);
            if line_end - line_start > LONGEST {
                return true;
            }
            start = line_end;
        } else {
            start = end;
        }
    }
    false
}

/// Pick the source type: TypeScript by extension, everything else as JavaScript with JSX,
/// module or script decided by the code itself.
fn source_type_for(path: &str) -> SourceType {
    let lower = path.to_ascii_lowercase();
    if lower.ends_with(".ts") || lower.ends_with(".mts") || lower.ends_with(".cts") {
        SourceType::ts()
    } else if lower.ends_with(".tsx") {
        SourceType::tsx()
    } else {
        SourceType::unambiguous().with_jsx(true)
    }
}

/// oxc 0.146 matches every export against every import when it builds the module record; a
/// file with tens of thousands of both takes seconds. Such a file is parsed as a script.
fn too_many_module_items(src: &str) -> bool {
    let count = |needle: &[u8]| {
        memchr::memmem::find_iter(src.as_bytes(), needle)
            .take(200_000)
            .count()
    };
    let imports = count(b"import");
    imports > 2_000 && imports * count(b"export") > 20_000_000
}

/// Analyse one JavaScript or TypeScript file.
pub fn analyze(path: &str, src: &str, opts: &Options) -> FileFacts {
    analyze_at_depth(path, src, opts, 0)
}

/// Bracket nesting the scanner's 256 MiB worker stacks parse and walk with room to spare
/// (150 000 levels is where they end).
const NESTING_ON_WORKER_STACK: usize = 100_000;
/// Stack per level of nesting for deeper code (about 1.7 KiB measured, with room).
const STACK_PER_LEVEL: usize = 3 << 10;
/// Deeper than this is not parsed: the stack would pass 6 GiB.
const MAX_NESTING: usize = 2_000_000;

/// An upper bound on the deepest bracket nesting of a text (brackets in strings and comments
/// count too): what the parser may recurse through. Counted per 4 KiB chunk, which compilers
/// vectorise, instead of byte by byte: a chunk with `o` openers and `c` closers leaves the
/// nesting at most `max(start + o - c, o)` and never passes `start + o` inside.
fn bracket_depth_bound(src: &[u8]) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    for chunk in src.chunks(4096) {
        let opens: usize = chunk
            .iter()
            .map(|&b| usize::from((b == b'(') | (b == b'[') | (b == b'{')))
            .sum();
        let closes: usize = chunk
            .iter()
            .map(|&b| usize::from((b == b')') | (b == b']') | (b == b'}')))
            .sum();
        max = max.max(depth + opens);
        depth = (depth + opens).saturating_sub(closes).max(opens);
    }
    max
}

/// Analyse code at a nesting depth (0: a file; 1: code a file evaluates; …). Code nested
/// too deeply for the worker's stack is analysed on a thread with a stack to match, so
/// hostile nesting can neither crash the scan nor hide the file from it.
pub(crate) fn analyze_at_depth(path: &str, src: &str, opts: &Options, depth: u32) -> FileFacts {
    // Fewer bytes than twice the limit cannot nest that deep: skip the count.
    let nesting = if src.len() > 2 * NESTING_ON_WORKER_STACK {
        bracket_depth_bound(src.as_bytes())
    } else {
        0
    };
    if nesting <= NESTING_ON_WORKER_STACK {
        return analyze_on_this_stack(path, src, opts, depth);
    }
    if nesting > MAX_NESTING {
        let mut facts = FileFacts {
            file: path.to_string(),
            ..Default::default()
        };
        facts.diagnostics.push(format!(
            "not parsed: brackets nest {nesting} deep, over the limit of {MAX_NESTING}"
        ));
        facts.not_analysed = Some(format!(
            "brackets nest {nesting} deep, over the limit of {MAX_NESTING}"
        ));
        return facts;
    }
    let spawned = std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size(nesting * STACK_PER_LEVEL)
            .spawn_scoped(scope, || analyze_on_this_stack(path, src, opts, depth))
            .map(|h| h.join())
    });
    match spawned {
        Ok(Ok(facts)) => facts,
        _ => {
            let mut facts = FileFacts {
                file: path.to_string(),
                ..Default::default()
            };
            facts.diagnostics.push(format!(
                "not parsed: no thread with a stack for {nesting} levels of nesting"
            ));
            facts.not_analysed = Some(format!(
                "no thread with a stack for {nesting} levels of nesting"
            ));
            facts
        }
    }
}

#[cfg(test)]
mod nesting_tests {
    use super::bracket_depth_bound;

    /// The exact deepest nesting, closers past zero ignored.
    fn exact(src: &[u8]) -> usize {
        let (mut d, mut m) = (0usize, 0usize);
        for &b in src {
            match b {
                b'(' | b'[' | b'{' => {
                    d += 1;
                    m = m.max(d);
                }
                b')' | b']' | b'}' => d = d.saturating_sub(1),
                _ => {}
            }
        }
        m
    }

    #[test]
    fn the_bound_is_never_below_the_nesting() {
        let cases: Vec<Vec<u8>> = vec![
            b"f(a[1], {b: (c)})".to_vec(),
            [")".repeat(9000), "(".repeat(9000)].concat().into_bytes(),
            [
                "(".repeat(5000),
                ")".repeat(3000),
                "x".repeat(5000),
                "[".repeat(7000),
            ]
            .concat()
            .into_bytes(),
            (0..50_000).map(|i| b"([{)]}x"[(i * 7919) % 7]).collect(),
        ];
        for c in cases {
            assert!(bracket_depth_bound(&c) >= exact(&c));
        }
        // Balanced code stays near its real depth, far from the limits.
        let balanced = "function f(a) { return [a, {b: (a)}]; }\n".repeat(100_000);
        assert!(bracket_depth_bound(balanced.as_bytes()) < 2_000);
    }
}

fn analyze_on_this_stack(path: &str, src: &str, opts: &Options, depth: u32) -> FileFacts {
    let mut timer = PhaseTimer::new(path);
    let mut facts = FileFacts {
        file: path.to_string(),
        minified: looks_minified(src.as_bytes()),
        ..Default::default()
    };
    timer.lap("minified?");
    if src.len() > opts.max_parse_bytes {
        facts.diagnostics.push(format!(
            "not parsed: {} bytes is over the {} byte limit (raise it with --max-file-bytes)",
            src.len(),
            opts.max_parse_bytes
        ));
        facts.not_analysed = Some(format!(
            "over the parse limit of {} bytes (--max-file-bytes)",
            opts.max_parse_bytes
        ));
        return facts;
    }
    let allocator = Allocator::default();
    let mut source_type = source_type_for(path);
    if too_many_module_items(src) {
        source_type = source_type.with_script(true);
        facts
            .diagnostics
            .push("parsed as a script: too many import/export items for a module".into());
    }
    let parse = |st: SourceType| {
        Parser::new(&allocator, src, st)
            .with_options(ParseOptions {
                allow_return_outside_function: true,
                ..ParseOptions::default()
            })
            .parse()
    };
    timer.lap("module items");
    let mut ret = parse(source_type);
    if (ret.panicked || !ret.diagnostics.is_empty()) && !source_type.is_typescript() {
        // Old sloppy-mode code (octal escapes, `with`) fails as a module: retry as a script.
        let retry = parse(SourceType::cjs().with_jsx(true));
        if !retry.panicked && retry.diagnostics.len() < ret.diagnostics.len() {
            ret = retry;
        }
    }
    if ret.panicked
        && ret
            .diagnostics
            .iter()
            .any(|d| d.to_string().contains("Flow"))
    {
        // oxc refuses files marked `@flow`; Flow's annotations are TypeScript's syntax in the
        // main, so the file is read as TSX rather than left unanalysed.
        let retry = parse(SourceType::tsx());
        if !retry.panicked {
            facts
                .diagnostics
                .push("a Flow file, read as TypeScript".into());
            ret = retry;
        }
    }
    if ret.panicked {
        let first = ret
            .diagnostics
            .first()
            .map(|d| d.to_string())
            .unwrap_or_default();
        facts.diagnostics.push(format!("{PARSE_FAILED}: {first}"));
        facts.not_analysed = Some(format!("{PARSE_FAILED}: {first}"));
        return facts;
    }
    if let Some(d) = ret.diagnostics.first() {
        facts.diagnostics.push(format!(
            "parsed with {} syntax error(s), first: {d}",
            ret.diagnostics.len()
        ));
        facts.partly_analysed = Some(format!(
            "{} syntax error(s), first: {d}",
            ret.diagnostics.len()
        ));
    }
    let program = allocator.alloc(ret.program);
    let semantic = SemanticBuilder::new()
        .with_stats(estimated_stats(src.len()))
        .build(program);
    let mut scoping = semantic.semantic.into_scoping();
    resolve::declare_implicit_globals(&mut scoping);
    let symbols = scoping.symbols_len();
    let mut an = Analyzer {
        src,
        scoping: &scoping,
        inits: SymMap::new(symbols),
        assigned_once: SymMap::new(symbols),
        path_memo: RefCell::new(SymMap::new(symbols)),
        value_memo: RefCell::new(SymMap::new(symbols)),
        funcs: Vec::new(),
        params: Vec::new(),
        fn_by_symbol: SymMap::new(symbols),
        fn_by_start: HashMap::default(),
        decoding_fns: Default::default(),
        edges: Vec::new(),
        calls: Vec::new(),
        facts,
        state: HashMap::default(),
        node_kinds: Vec::new(),
        guard_sites: Vec::new(),
        select_sites: Vec::new(),
        auth_values: Vec::new(),
        switch_props: Vec::new(),
        nested_code: Vec::new(),
        telemetry_attributes: Vec::new(),
        promise_resolvers: HashMap::default(),
        returns: Vec::new(),
        persisted_ids: Default::default(),
        call_results: Vec::new(),
        concats: Vec::new(),
        deobf: deobf::Deobf::new(src.len()),
        fields: Fields::new(symbols),
        exports: Vec::new(),
        links: opts.links.clone().filter(|l| !l.is_empty()),
        broad_listings: Default::default(),
        provenance: Default::default(),
        lines: OnceCell::new(),
        classes: Vec::new(),
        class_by_symbol: HashMap::default(),
        this_class: HashMap::default(),
        this_writes: Default::default(),
        passthrough_memo: Default::default(),
        returns_by_fn: OnceCell::new(),
        binding_edges: Vec::new(),
        own_pass: Default::default(),
        command_outputs: Default::default(),
        returns_only_arguments: Default::default(),
    };
    // Room for the tables the collect pass fills, from the file size, so large bundles do
    // not copy them as they grow (ratios of dense minified code).
    an.edges.reserve(src.len() / 48);
    an.calls.reserve(src.len() / 70);
    an.guard_sites.reserve(src.len() / 400);
    an.funcs.reserve(src.len() / 200);
    an.params.reserve(src.len() / 150);
    an.fn_by_start.reserve(src.len() / 200);
    timer.lap("parse+semantic");
    collect::collect(&mut an, program);
    timer.lap("collect");
    taint::run(&mut an);
    wrappers::run(&mut an);
    credentials::run(&mut an);
    settings::run(&mut an);
    taint::settle_generated_sources(&mut an);
    timer.lap("taint");
    guards::run(&mut an);
    timer.lap("conditions");
    link::summarize(&mut an);
    dedupe(&mut an.facts);
    timer.lap("summaries");
    let pending = std::mem::take(&mut an.nested_code);
    let mut facts = std::mem::take(&mut an.facts);
    drop(an);
    timer.lap("free tables");
    drop(scoping);
    drop(allocator);
    timer.lap("free AST");
    nested::analyze_pending(&mut facts, pending, opts, depth);
    facts
}

/// Capacities for the semantic tables from the file size, so oxc skips its counting pass over
/// the AST (about a sixth of parse + semantic on a large bundle). The ratios are those of dense
/// minified bundles (claude-code's cli.js: a node per 4 bytes, a scope per 140, a symbol per
/// 70, a reference per 23); sparser code over-reserves address space it never touches, and a
/// denser file only makes the tables grow.
fn estimated_stats(len: usize) -> oxc_semantic::Stats {
    let n = |per_byte: usize| u32::try_from(len / per_byte + 16).unwrap_or(u32::MAX);
    oxc_semantic::Stats::new(n(3), n(100), n(50), n(16))
}

/// Phase times on stderr when `TELLTALE_PHASE_TIMES` is set (profiling aid; off by default).
struct PhaseTimer<'p> {
    path: &'p str,
    last: Option<std::time::Instant>,
}

/// Whether `TELLTALE_PHASE_TIMES` is set.
pub(crate) fn phase_times_on() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("TELLTALE_PHASE_TIMES").is_some())
}

impl<'p> PhaseTimer<'p> {
    fn new(path: &'p str) -> Self {
        let on = phase_times_on();
        PhaseTimer {
            path,
            last: on.then(std::time::Instant::now),
        }
    }

    fn lap(&mut self, phase: &str) {
        if let Some(last) = self.last {
            let now = std::time::Instant::now();
            eprintln!(
                "{}: {phase} {:.1} ms",
                self.path,
                (now - last).as_secs_f64() * 1e3
            );
            self.last = Some(now);
        }
    }
}

fn dedupe(f: &mut FileFacts) {
    f.endpoints
        .sort_by(|a, b| (a.span, &a.host).cmp(&(b.span, &b.host)));
    f.endpoints
        .dedup_by(|a, b| a.span == b.span && a.host == b.host);
    f.obfuscations.sort_by_key(|o| o.span);
    f.obfuscations.dedup_by(|a, b| {
        a.span.start >= b.span.start && a.span.end <= b.span.end && a.decoded == b.decoded
    });
    f.sources.sort_by_key(|s| s.span);
    f.sources
        .dedup_by(|a, b| a.span == b.span && a.kind == b.kind);
    f.requires.sort();
    f.requires.dedup();
}

#[cfg(test)]
mod deobf_tests;
#[cfg(test)]
mod interp_tests;
#[cfg(test)]
mod tests;
