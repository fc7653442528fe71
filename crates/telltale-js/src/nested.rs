//! Code hidden in strings: what a file passes to `eval`, `Function`, `vm.run*` or a string
//! `setTimeout` as a constant (often after decoding) is parsed and analysed as a source of its
//! own, named `file › eval#1`, so its identity reads, endpoints and region checks are found
//! with locations inside that code.
//!
//! Bounded by [`FileFacts::admit_nested`]: nesting depth and bytes of nested code per file, so
//! a file that builds ever larger strings cannot make the analysis explode.

use crate::{analyze_at_depth, fspan, snippet_of, Options};
use telltale_facts::{FileFacts, NestedSource, ObfuscationFact, NESTED_MAX_BYTES};

/// Constant code found by the sink scan, waiting for analysis.
#[derive(Debug)]
pub(crate) struct Pending {
    pub code: String,
    pub encodings: Vec<String>,
    /// Where the hidden code comes from (see [`crate::Analyzer::provenance`]).
    pub provenance: String,
    pub origin: Option<oxc_span::Span>,
    pub api: String,
    pub span: oxc_span::Span,
}

pub(crate) fn analyze_pending(
    facts: &mut FileFacts,
    pending: Vec<Pending>,
    opts: &Options,
    depth: u32,
) {
    let mut budget = NESTED_MAX_BYTES;
    for (n, p) in pending.into_iter().enumerate() {
        let code = p.code.trim();
        if !facts.admit_nested(code.len(), &p.api, p.span.start, depth, &mut budget) {
            continue;
        }
        let name = format!("{} › eval#{}", facts.file, n + 1);
        let mut inner = analyze_at_depth(&format!("{name}.js"), code, opts, depth + 1);
        inner.file = name.clone();
        if inner
            .diagnostics
            .iter()
            .any(|d| d.starts_with(crate::PARSE_FAILED))
        {
            // Not code after all (a template, a message): nothing to report from it.
            continue;
        }
        if !p.encodings.is_empty() {
            facts.obfuscations.push(ObfuscationFact {
                technique: format!("{} → code run by {}", p.encodings.join(" → "), p.api),
                decoded: format!("{name}: {}", snippet_of(code, 0, code.len() as u32)),
                span: fspan(p.span),
                provenance: p.provenance,
                origin: p.origin.map(fspan),
            });
        }
        let mut children = std::mem::take(&mut inner.nested);
        facts.nested.push(NestedSource {
            facts: inner,
            text: code.to_string(),
        });
        facts.nested.append(&mut children);
    }
}
