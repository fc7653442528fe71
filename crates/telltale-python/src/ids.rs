//! Generated ids kept on disk: a random id (`uuid.uuid4()`) is a request or trace id on its
//! own, and an installation id once the program writes it to a file (`json.dump`, a path's
//! `write_text`, an open file's `write`) to read it back later. Sends that carry such an id
//! carry an installation id; the reads of ids never kept are not reported. The JavaScript
//! front end decides the same way (`telltale-js/src/taint.rs`, `persisted_ids`).

use crate::{span_of, Analyzer, Binding, ScopeId};
use ruff_python_ast::{self as ast, Expr};
use ruff_text_size::Ranged;
use telltale_facts::{DataKind, Kinds, Step};
use telltale_knowledge::py_api::py_api;

/// What names a file, to tell whether a write is read back: its constant shape when it has
/// one (`~/.tool/id`), else the expression it was computed by, as written
/// (`self.get_data_file_path()`), or the variable.
fn file_key<'a>(an: &Analyzer<'a>, e: &'a Expr, scope: ScopeId) -> Option<String> {
    let shape = an.shape_of(e, scope);
    if !shape.trim_matches(|c| c == '*' || c == '/').is_empty() {
        return Some(format!("shape {shape}"));
    }
    if let Expr::Name(_) = e {
        let var = an.var_of(e, scope)?;
        let init = an.bindings_of(var).iter().find_map(|b| match b {
            Binding::Assign { value, .. } => Some(format!("text {}", an.snippet(value.range()))),
            _ => None,
        });
        return Some(init.unwrap_or_else(|| format!("var {var:?}")));
    }
    Some(format!("text {}", an.snippet(e.range())))
}

/// The file an `open(path, mode)` call opens, and whether it opens it for writing.
pub(crate) fn opened_file<'a>(c: &'a ast::ExprCall) -> Option<(&'a Expr, bool)> {
    let path = c.arguments.args.first()?;
    let mode = c
        .arguments
        .args
        .get(1)
        .or_else(|| crate::sinks::kw(c, "mode"))
        .and_then(|m| m.as_string_literal_expr())
        .map(|m| m.value.to_str().to_string())
        .unwrap_or_default();
    Some((path, mode.contains(['w', 'a', 'x'])))
}

/// The file a write keeps its first argument in, if the call keeps data on disk: an open
/// file's `write` (not `sys.stdout.write`), a path's `write_text`, `json.dump(data, fh)`.
pub(crate) fn written_file<'a>(
    an: &Analyzer<'a>,
    c: &'a ast::ExprCall,
    scope: ScopeId,
) -> Option<&'a Expr> {
    let api = py_api();
    let opened = |fh: &'a Expr| {
        an.opened_by_call(fh, scope)
            .filter(|(o, s)| an.path_of(&o.func, *s).as_deref() == Some("open"))
            .and_then(|(o, _)| opened_file(o))
            .map(|(p, _)| p)
    };
    match &*c.func {
        Expr::Attribute(m) if m.attr.as_str() == "write" => opened(&m.value),
        Expr::Attribute(m) if api.is_persisting_method(m.attr.as_str()) => Some(&m.value),
        _ if an
            .path_of(&c.func, scope)
            .is_some_and(|p| api.is_persisting_function(&p)) =>
        {
            opened(c.arguments.args.get(1)?)
        }
        _ => None,
    }
}

/// Where generated ids that a write keeps on disk are made, when the code also reads that
/// file back (the read-or-create store of an installation id, not a log or a report that
/// holds a request id): the starts of their reads, each with the step that says where it is
/// kept.
pub(crate) fn persisted_ids(an: &Analyzer<'_>) -> rustc_hash::FxHashMap<u32, Step> {
    let generated = Kinds::of(DataKind::GeneratedId);
    let mut out = rustc_hash::FxHashMap::default();
    let mut read_back: Option<rustc_hash::FxHashSet<String>> = None;
    for call in &an.calls {
        let (c, scope) = (call.call, call.scope);
        let Some(file) = written_file(an, c, scope) else {
            continue;
        };
        let Some(data) = c.arguments.args.first() else {
            continue;
        };
        // The files the code reads: `open(p)` for reading, `p.read_text()`.
        let read_back = read_back.get_or_insert_with(|| {
            an.calls
                .iter()
                .filter_map(|r| match &*r.call.func {
                    Expr::Attribute(m) if matches!(m.attr.as_str(), "read_text" | "read_bytes") => {
                        file_key(an, &m.value, r.scope)
                    }
                    _ if an.path_of(&r.call.func, r.scope).as_deref() == Some("open") => {
                        opened_file(r.call)
                            .filter(|(_, writes)| !writes)
                            .and_then(|(p, _)| file_key(an, p, r.scope))
                    }
                    _ => None,
                })
                .collect()
        });
        if !file_key(an, file, scope).is_some_and(|k| read_back.contains(&k)) {
            continue;
        }
        let atoms = an.atoms(data, scope);
        if an.resolve_kinds(&atoms).0 & generated.0 == 0 {
            continue;
        }
        // The id itself or a field of what is written: a short chain (see the JS front end).
        let chain = an.steps_for(&atoms, generated);
        if chain.len() > telltale_facts::MAX_KEPT_ID_STEPS {
            continue;
        }
        if let Some(read) = chain.first() {
            out.entry(read.span.start).or_insert_with(|| Step {
                span: span_of(c.range()),
                what: format!("kept on disk by {}", an.snippet(c.range())),
            });
        }
    }
    out
}

/// What a send carries, with a generated id settled: an installation id when it is kept on
/// disk (with the step that keeps it), otherwise nothing.
pub(crate) fn settle(
    an: &Analyzer<'_>,
    atoms: &crate::taint::Atoms,
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
pub(crate) fn settle_sources(an: &mut Analyzer<'_>) {
    let kept = &an.persisted_ids;
    an.facts
        .settle_generated_sources(|start| kept.contains_key(&start));
}
