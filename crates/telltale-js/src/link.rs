//! Flows across the files of a package: what a module exports that carries identity or region
//! data, what it passes to functions of package-local modules, and — on a second analysis
//! driven by the scanner — the same data arriving from the package's other files
//! ([`Links`]): `require("./id").getId()` carries what `getId` returns there, and the
//! parameters of an exported `send(data)` carry what callers elsewhere pass.
//!
//! Example: `lib/id.js` has `exports.getId = () => os.hostname()`; `index.js` has
//! `https.get(url + require("./id").getId())`. The second analysis of `index.js` reports the
//! flow, its first step naming `reads os.hostname() at lib/id.js:1:27`.

use crate::taint::Atoms;
use crate::{fspan, Analyzer, Edge, EdgeSrc, Init, Node};
use oxc_ast::ast::*;
use oxc_semantic::SymbolId;
use oxc_span::GetSpan;
use std::rc::Rc;
use telltale_facts::{
    DataKind, ExportSummary, Kinds, LocalCall, RegionGuardFact, RegionPredicate, SourceFact,
};

/// What an export statement gives.
#[derive(Clone, Copy)]
pub(crate) enum Exported<'a> {
    Expr(&'a Expression<'a>),
    Function(usize),
    /// `export { a as b }`
    Symbol(SymbolId),
}

/// The kinds worth following into other files: identity and region data, not the page's own
/// host (a request's destination), nor the working and home directories: those are in every
/// CLI's configuration object, which modules hand each other whole.
fn worth_linking(k: Kinds) -> Kinds {
    let paths =
        DataKind::PageHost.bit() | DataKind::WorkingDirectory.bit() | DataKind::HomeDir.bit();
    Kinds((k.identity().0 | k.region().0) & !paths)
}

impl<'a> Analyzer<'a> {
    fn exported_function(&self, e: Exported<'a>) -> Option<usize> {
        match e {
            Exported::Function(f) => Some(f),
            Exported::Expr(x) => self.callee_function(x),
            Exported::Symbol(s) => self.fn_by_symbol.get(&s).copied(),
        }
    }

    /// Every export by name, with `module.exports = { a, b: … }` (also through a constant
    /// object) read as the exports `a` and `b`.
    fn export_entries(&self) -> Vec<(&'a str, Exported<'a>)> {
        let mut out = Vec::new();
        for &(name, e) in &self.exports {
            out.push((name, e));
            let Exported::Expr(x) = e else { continue };
            let object = match x.without_parentheses() {
                Expression::ObjectExpression(o) => Some(&**o),
                Expression::Identifier(id) => {
                    match self.symbol_of(id).and_then(|s| self.inits.get(&s)) {
                        Some(Init::Expr(Expression::ObjectExpression(o))) => Some(&**o),
                        _ => None,
                    }
                }
                _ => None,
            };
            if let (true, Some(o)) = (name.is_empty(), object) {
                for p in &o.properties {
                    if let ObjectPropertyKind::ObjectProperty(p) = p {
                        let key = match &p.key {
                            PropertyKey::StaticIdentifier(id) => id.name.as_str(),
                            PropertyKey::StringLiteral(s) => s.value.as_str(),
                            _ => continue,
                        };
                        out.push((key, Exported::Expr(&p.value)));
                    }
                }
            }
        }
        out
    }

    /// The data a path into a package-local module carries, from [`Links::values`]
    /// (`./id.getId()`), added to `out`. False when the path is no such link.
    pub(crate) fn link_source(&self, path: &str, span: oxc_span::Span, out: &mut Atoms) -> bool {
        let Some(links) = &self.links else {
            return false;
        };
        if !path.starts_with('.') {
            return false;
        }
        let Some((_, kinds, origin)) = links.values.iter().find(|(p, ..)| p == path) else {
            return false;
        };
        out.kinds = out.kinds.union(*kinds);
        if out.source.is_none() {
            out.source = Some((span, Rc::from(origin.as_str())));
        }
        true
    }
}

/// Parameters of exported functions receive what callers in other files pass.
pub(crate) fn seed_parameters(an: &mut Analyzer<'_>) {
    let Some(links) = an.links.clone() else {
        return;
    };
    if links.params.is_empty() && links.region_params.is_empty() {
        return;
    }
    let entries = an.export_entries();
    let seeds = links
        .params
        .iter()
        .map(|p| (p, false))
        .chain(links.region_params.iter().map(|p| (p, true)));
    let start = an.edges.len();
    for ((name, arg, kinds, origin), region) in seeds {
        for &(_, e) in entries.iter().filter(|(n, _)| n == name) {
            let Some(f) = an.exported_function(e) else {
                continue;
            };
            let Some(Some(param)) = an.params_of(f).get(*arg).copied() else {
                continue;
            };
            let span = an.scoping.symbol_span(param);
            let src = if region {
                EdgeSrc::Region(*kinds, Rc::from(origin.as_str()))
            } else {
                EdgeSrc::Kinds(*kinds, Rc::from(origin.as_str()))
            };
            an.edges.push(Edge {
                target: Node::Sym(param),
                src,
                span,
            });
        }
    }
    an.binding_edges.push(start..an.edges.len());
}

/// The region comparison an export is, or a function export returns.
fn region_predicate<'a>(an: &Analyzer<'a>, e: Exported<'a>) -> Option<RegionPredicate> {
    let x: &'a Expression<'a> = match (an.exported_function(e), e) {
        (Some(f), _) => an.function_return(f)?,
        (None, Exported::Expr(x)) => x,
        (None, Exported::Symbol(s)) => match an.inits.get(&s) {
            Some(crate::Init::Expr(x)) => x,
            _ => return None,
        },
        (None, Exported::Function(_)) => return None,
    };
    let mut cmps = Vec::new();
    an.test_cmps(x, false, 0, &mut cmps);
    let c = cmps.into_iter().find(|c| !c.countries.is_empty())?;
    Some(RegionPredicate {
        kinds: c.kinds,
        subject: c.subject,
        constants: c.constants.into_iter().take(16).collect(),
        countries: c.countries.into_iter().collect(),
        positive: c.positive,
        span: fspan(x.span()),
    })
}

/// This module's side of cross-file flows, after the fixpoint.
pub(crate) fn summarize(an: &mut Analyzer<'_>) {
    let mut exports = Vec::new();
    let mut detectors: Vec<RegionGuardFact> = Vec::new();
    for (name, e) in an.export_entries() {
        let (atoms, call) = match (an.exported_function(e), e) {
            (Some(f), _) => (
                Atoms {
                    deps: vec![Node::Ret(f)],
                    ..Default::default()
                },
                true,
            ),
            (None, Exported::Expr(x)) => (an.atoms(x), false),
            (None, Exported::Symbol(s)) => (
                Atoms {
                    deps: vec![an.fields.whole(s).map_or(Node::Sym(s), Node::Field)],
                    ..Default::default()
                },
                false,
            ),
            (None, Exported::Function(_)) => continue,
        };
        let mut kinds = worth_linking(an.resolve_kinds(&atoms));
        if call {
            kinds = own_kinds(an, &atoms, kinds);
        }
        let predicate = region_predicate(an, e);
        if kinds.is_empty() && predicate.is_none() {
            continue;
        }
        let (origin, span) = first_step(an, &atoms, kinds);
        let region = match (an.exported_function(e), e) {
            (Some(f), _) => an.region_node(Node::Ret(f)),
            (None, Exported::Expr(x)) => an.region_value(x),
            (None, Exported::Symbol(s)) => an.region_node(Node::Sym(s)),
            (None, Exported::Function(_)) => None,
        }
        .map(|o| o.kinds)
        .unwrap_or_default();
        if let Some(p) = &predicate {
            // A module that answers "is the user in X" is a region detector, whoever uses it.
            detectors.push(RegionGuardFact {
                source: p.kinds,
                source_api: p.subject.clone(),
                constants: p.constants.clone(),
                countries: p.countries.clone(),
                effects: vec![],
                effect_apis: vec![],
                span: p.span,
                guarded: p.span,
                outside: !p.positive,
                detector: Some(if name.is_empty() {
                    "the module's value".to_string()
                } else {
                    name.to_string()
                }),
                steps: vec![],
            });
        }
        exports.push(ExportSummary {
            name: name.to_string(),
            call,
            kinds,
            region,
            origin,
            span,
            predicate,
        });
    }
    exports.extend(class_exports(an));
    let mut local_calls = Vec::new();
    let mut reads = Vec::new();
    for call in &an.calls {
        let Some(callee) = call.path.as_deref().filter(|p| p.starts_with('.')) else {
            continue;
        };
        for (i, arg) in call.args.iter().enumerate() {
            let Some(x) = arg.as_expression() else {
                continue;
            };
            let atoms = an.atoms(x);
            let kinds = worth_linking(an.resolve_kinds(&atoms));
            if kinds.is_empty() {
                continue;
            }
            // What the argument reads here is read here, wherever the callee sends it.
            reads.extend(atoms.reads.iter().map(|(span, api, kind)| SourceFact {
                kind: *kind,
                api: api.to_string(),
                span: fspan(*span),
            }));
            let (origin, span) = first_step(an, &atoms, kinds);
            let region = an.region_value(x).map(|o| o.kinds).unwrap_or_default();
            local_calls.push(LocalCall {
                callee: callee.to_string(),
                arg: i,
                kinds,
                origin,
                span,
                region,
            });
        }
    }
    an.facts.sources.extend(reads);
    an.facts.module.exports = exports;
    // Unless the module itself branches on it at the same place.
    detectors.retain(|d| !an.facts.region_guards.iter().any(|g| g.span == d.span));
    an.facts.region_guards.extend(detectors);
    an.facts.module.local_calls = local_calls;
}

/// What a function returns of its own: not the data callers in other files pass it (its
/// parameters were seeded with that, see [`seed_parameters`]), which goes back to each caller
/// through its own call, not to every module that calls the function (`sanitize(text)` called
/// with the environment in one file does not return the environment to the others).
fn own_kinds(an: &Analyzer<'_>, atoms: &Atoms, kinds: Kinds) -> Kinds {
    if an.links.as_ref().is_none_or(|l| l.params.is_empty()) {
        return kinds;
    }
    let mut own = Kinds::default();
    for k in kinds.iter() {
        let seeded = an
            .steps_for(atoms, Kinds::of(k))
            .first()
            .is_some_and(|s| s.what.contains(telltale_facts::PASSED_BY_CALLERS));
        if !seeded {
            own.insert(k);
        }
    }
    own
}

/// The methods of exported classes, as their instances' calls are written elsewhere
/// (`new InstallationManager().getInstallationId()` → `InstallationManager().getInstallationId`):
/// what each returns, a generated id kept on disk here being an installation id there.
fn class_exports(an: &Analyzer<'_>) -> Vec<ExportSummary> {
    let mut out = Vec::new();
    for (name, e) in an.export_entries() {
        let class = match e {
            Exported::Symbol(s) => an.class_by_symbol.get(&s),
            Exported::Expr(Expression::Identifier(id)) => {
                an.symbol_of(id).and_then(|s| an.class_by_symbol.get(&s))
            }
            _ => None,
        };
        // A class exported as the module itself is reached as `./m().method()`, which no
        // export name spells.
        let (Some(&class), false) = (class, name.is_empty()) else {
            continue;
        };
        let mut methods: Vec<(&str, usize)> = an.classes[class]
            .methods
            .iter()
            .map(|(m, f)| (*m, *f))
            .filter(|(m, _)| *m != "constructor")
            .collect();
        methods.sort_unstable();
        for (method, f) in methods {
            let atoms = Atoms {
                deps: vec![Node::Ret(f)],
                ..Default::default()
            };
            let carried = an.resolve_kinds(&atoms);
            let (settled, _) = crate::taint::settle_generated(an, &atoms, carried);
            let kinds = worth_linking(settled);
            if kinds.is_empty() {
                continue;
            }
            // Steps are traced in what the file itself carries (a generated id, not yet an
            // installation id).
            let traced = Kinds(carried.0 & (kinds.0 | DataKind::GeneratedId.bit()));
            let (origin, span) = first_step(an, &atoms, traced);
            out.push(ExportSummary {
                name: format!("{name}().{method}"),
                call: true,
                kinds,
                region: Kinds::default(),
                origin,
                span,
                predicate: None,
            });
        }
    }
    out
}

/// Where the data was read, as the first step of its flow says it.
fn first_step(an: &Analyzer<'_>, atoms: &Atoms, kinds: Kinds) -> (String, telltale_facts::Span) {
    match an.steps_for(atoms, kinds).into_iter().next() {
        Some(s) => (s.what, s.span),
        None => ("reads data".to_string(), fspan(oxc_span::Span::default())),
    }
}
