//! Functions whose result is made of what their callers pass and nothing of their own: a call
//! of one carries that call's arguments, not every caller's.
//!
//! The data flow is context-insensitive: a parameter is one value for all the calls, so a
//! function that returns (something computed from) its parameter returns, at every call, what
//! any call passed. In a bundle the error formatter called from 400 places then "returns" the
//! settings object one caller formats to every other caller, and the download URL of an update
//! check "carries" the home directory. [`crate::passthrough`] recognises the small helpers by
//! their text; this pass decides the rest by the data itself.
//!
//! It propagates with the edges that bind arguments to parameters left out
//! ([`crate::Analyzer::binding_edges`]) and every parameter holding a marker instead
//! ([`DataKind::Argument`]). A function whose result then carries the marker and nothing else
//! returns nothing of its own: whatever it returns comes from its arguments (a predicate,
//! whose result carries nothing at all, keeps the ordinary model). The first round has every
//! call carry the callee's result only, so a source passed to a helper (`fmt(os.hostname())`)
//! is not seen yet; the second has the calls of the functions the first found carry their
//! arguments, and its answer is kept. A function whose result is a request's answer
//! (`fetchJson(url)`) returns data of its own and is left alone.
//!
//! Example: `function fmt(e) { return e instanceof Error ? e.message : JSON.stringify(e) }` —
//! `fmt(settings)` carries the settings and `fmt(err)` elsewhere does not.

use crate::{taint, Analyzer, Node};
use telltale_facts::{graph, DataKind, Kinds};

/// Files with fewer calls than this gain little and pay two more propagations.
const MIN_CALLS: usize = 8;

/// Decides [`Analyzer::returns_only_arguments`].
pub(crate) fn decide(an: &mut Analyzer<'_>) {
    let mut calls_of = vec![0u32; an.funcs.len()];
    for c in &an.calls {
        if let Some(f) = c.local {
            calls_of[f] += 1;
        }
    }
    // Only functions called from several places merge callers' data.
    let candidates: Vec<usize> = (0..an.funcs.len())
        .filter(|&f| calls_of[f] > 1 && !an.params_of(f).is_empty())
        .collect();
    if candidates.is_empty() || an.calls.len() < MIN_CALLS {
        return;
    }
    // Only the bindings of the candidates' parameters are cut: a helper called from one place
    // merges no callers, and cutting it off would break the chains that run through it
    // (`k(e) → tJ(e) → xKn(e)`, xKn called once, left tJ carrying nothing).
    let candidate_params: rustc_hash::FxHashSet<_> = candidates
        .iter()
        .flat_map(|&f| an.params_of(f).iter().flatten().copied())
        .collect();
    let of_candidate = |target: Node| match target {
        Node::Sym(s) => candidate_params.contains(&s),
        Node::Field(i) => an
            .fields
            .nodes
            .get(i as usize)
            .is_some_and(|(s, _)| candidate_params.contains(s)),
        Node::Ret(_) => false,
    };
    let mut skip = vec![false; an.edges.len()];
    for r in &an.binding_edges {
        for i in r.clone() {
            skip[i] = of_candidate(an.edges[i].target);
        }
    }
    an.own_pass.set(true);
    for _round in 0..2 {
        let mut built = taint::build_graph(an, Some(&skip));
        let marker = Kinds::of(DataKind::Argument);
        let deps_end = built.deps.len();
        for &f in &candidates {
            for p in an.params_of(f).iter().flatten() {
                built.edges.push(graph::Edge {
                    target: an.node_index(Node::Sym(*p)) as u32,
                    kinds: marker,
                    deps: deps_end..deps_end,
                    keep: Kinds::ALL,
                });
            }
        }
        let (kinds, _) = built.propagate(an);
        an.returns_only_arguments = candidates
            .iter()
            .copied()
            .filter(|f| {
                !an.returns_of(*f).is_empty() && kinds[an.node_index(Node::Ret(*f))] == marker
            })
            .collect();
    }
    an.own_pass.set(false);
}
