//! Generated ids kept on disk: a random id (`uuid.uuid4()`) is a request or trace id on its
//! own, and an installation id once the program writes it to a file (`json.dump`, a path's
//! `write_text`, an open file's `write`) to read it back later. Sends that carry such an id
//! carry an installation id; the reads of ids never kept are not reported. The JavaScript
//! front end decides the same way (`telltale-js/src/taint.rs`, `persisted_ids`).

use crate::{span_of, Analyzer};
use ruff_python_ast::Expr;
use ruff_text_size::Ranged;
use telltale_facts::{DataKind, Kinds, Step};
use telltale_knowledge::py_api::py_api;

/// Where generated ids that a write keeps on disk are made: the starts of their reads, each
/// with the step that says where it is kept.
pub(crate) fn persisted_ids(an: &Analyzer<'_>) -> rustc_hash::FxHashMap<u32, Step> {
    let api = py_api();
    let generated = Kinds::of(DataKind::GeneratedId);
    let mut out = rustc_hash::FxHashMap::default();
    for call in &an.calls {
        let (c, scope) = (call.call, call.scope);
        let keeps = match &*c.func {
            // An open file's `write`, not `sys.stdout.write`.
            Expr::Attribute(m) if m.attr.as_str() == "write" => an
                .opened_by_call(&m.value, scope)
                .is_some_and(|(o, s)| an.path_of(&o.func, s).as_deref() == Some("open")),
            Expr::Attribute(m) if api.is_persisting_method(m.attr.as_str()) => true,
            _ => an
                .path_of(&c.func, scope)
                .is_some_and(|p| api.is_persisting_function(&p)),
        };
        let Some(data) = c.arguments.args.first().filter(|_| keeps) else {
            continue;
        };
        let atoms = an.atoms(data, scope);
        if an.resolve_kinds(&atoms).0 & generated.0 == 0 {
            continue;
        }
        if let Some(read) = an.steps_for(&atoms, generated).first() {
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
    let mut out = Kinds(carried.0 & !DataKind::GeneratedId.bit());
    let kept = an
        .steps_for(atoms, Kinds::of(DataKind::GeneratedId))
        .first()
        .and_then(|read| an.persisted_ids.get(&read.span.start).cloned());
    if kept.is_some() {
        out.insert(DataKind::InstallationId);
    }
    (out, kept)
}

/// Generated ids read: installation ids where kept on disk, else not reported.
pub(crate) fn settle_sources(an: &mut Analyzer<'_>) {
    let kept = &an.persisted_ids;
    an.facts.sources.retain_mut(|s| {
        if s.kind != DataKind::GeneratedId {
            return true;
        }
        s.kind = DataKind::InstallationId;
        kept.contains_key(&s.span.start)
    });
}
