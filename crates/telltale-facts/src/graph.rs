//! Data-kind propagation over a dependency graph, shared by the front ends' taint passes: each
//! edge gives its target some kinds of its own and whatever its dependencies carry; a worklist
//! runs to the fixpoint, re-evaluating an edge only when a dependency gained a kind, so the
//! work is linear in edges plus changes (each node can gain each kind once).
//!
//! ```
//! use telltale_facts::graph::{propagate, Edge};
//! use telltale_facts::{DataKind, Kinds};
//! // node 0 = hostname(); node 1 = node 0 + "x"
//! let edges = [Edge { target: 0, kinds: Kinds::of(DataKind::Hostname), deps: 0..0, keep: Kinds::ALL }, Edge { target: 1, kinds: Kinds::EMPTY, deps: 0..1, keep: Kinds::ALL }];
//! let (kinds, first) = propagate(2, &edges, &[0]);
//! assert!(kinds[1].contains(DataKind::Hostname));
//! assert_eq!(first[1].as_ref().unwrap().from, Some(0));
//! ```

use crate::{Kinds, Span, Step};
use std::collections::{HashSet, VecDeque};
use std::hash::Hash;
use std::ops::Range;

/// `target` gets `kinds` and what the nodes at `deps` (a range of the shared dependency list)
/// carry, of the kinds `keep` lets through ([`Kinds::ALL`] but for a value read out of a
/// container by name, which leaves the container's [`Kinds::PLACES`] behind).
#[derive(Debug, Clone)]
pub struct Edge {
    pub target: u32,
    pub kinds: Kinds,
    pub deps: Range<usize>,
    pub keep: Kinds,
}

/// How a node first got data: through edge `edge`, from the dependency at position `from` of
/// the shared list (`None`: the edge's own kinds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arrival {
    pub edge: usize,
    pub from: Option<usize>,
}

/// What each of `nodes` nodes carries at the fixpoint, and how each first got data.
pub fn propagate(nodes: usize, edges: &[Edge], deps: &[u32]) -> (Vec<Kinds>, Vec<Option<Arrival>>) {
    let mut kinds = vec![Kinds::EMPTY; nodes];
    let mut first = vec![None; nodes];
    // Reverse adjacency (CSR): for each node, the edges that read it.
    let mut offsets = vec![0u32; nodes + 1];
    for d in deps {
        offsets[*d as usize + 1] += 1;
    }
    for i in 0..nodes {
        offsets[i + 1] += offsets[i];
    }
    let mut fill = offsets.clone();
    let mut readers = vec![0u32; deps.len()];
    for (ei, e) in edges.iter().enumerate() {
        for d in &deps[e.deps.clone()] {
            let slot = &mut fill[*d as usize];
            readers[*slot as usize] = ei as u32;
            *slot += 1;
        }
    }
    let mut queued = vec![false; edges.len()];
    let mut queue: VecDeque<u32> = VecDeque::new();
    for (ei, e) in edges.iter().enumerate() {
        if !e.kinds.is_empty() {
            queued[ei] = true;
            queue.push_back(ei as u32);
        }
    }
    while let Some(ei) = queue.pop_front() {
        let ei = ei as usize;
        queued[ei] = false;
        let e = &edges[ei];
        let k = deps[e.deps.clone()].iter().fold(e.kinds, |k, d| {
            k.union(kinds[*d as usize].intersect(e.keep))
        });
        let target = e.target as usize;
        let cur = kinds[target];
        if cur.union(k) == cur {
            continue;
        }
        if cur.is_empty() {
            let from = if e.kinds.is_empty() {
                e.deps
                    .clone()
                    .find(|&p| !kinds[deps[p] as usize].intersect(e.keep).is_empty())
            } else {
                None
            };
            first[target] = Some(Arrival { edge: ei, from });
        }
        kinds[target] = cur.union(k);
        for &r in &readers[offsets[target] as usize..offsets[target + 1] as usize] {
            if !queued[r as usize] {
                queued[r as usize] = true;
                queue.push_back(r);
            }
        }
    }
    (kinds, first)
}

/// How a node first got data: the write that gave it (its span), and either the node the data
/// came from or the read that produced it there (its span and API).
pub type Origin<N> = (Span, Option<N>, Option<(Span, String)>);

/// The steps from where data was read to `start`, following each node's [`Origin`] back (at
/// most 16): each write with its `excerpt`, then `reads API` where the data was read. A write
/// that is itself the read (data that arrives whole) is one step.
pub fn trace<N: Copy + Eq + Hash>(
    start: N,
    origin: impl Fn(N) -> Option<Origin<N>>,
    excerpt: impl Fn(Span) -> String,
) -> Vec<Step> {
    let mut steps: Vec<Step> = Vec::new();
    let mut seen = HashSet::new();
    let mut node = start;
    while seen.insert(node) && steps.len() < 16 {
        let Some((write, from, read)) = origin(node) else {
            break;
        };
        let read_here = read.as_ref().is_some_and(|(r, _)| *r == write);
        if !read_here && steps.last().is_none_or(|s| s.span != write) {
            steps.push(Step {
                span: write,
                what: excerpt(write),
            });
        }
        if let Some((r, api)) = read {
            steps.push(Step {
                span: r,
                what: format!("reads {api}"),
            });
            break;
        }
        match from {
            Some(n) => node = n,
            None => break,
        }
    }
    steps.reverse();
    steps
}
