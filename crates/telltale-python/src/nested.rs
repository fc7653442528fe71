//! Code hidden in strings: what a file passes to `exec`, `eval` or `compile` as a constant
//! (often after decoding: `exec(base64.b64decode("…"))`, `exec(zlib.decompress(…))`) is parsed
//! and analysed as a source of its own, named `file › exec#1`, so its identity reads,
//! endpoints and flows are found with locations inside that code.
//!
//! Bounded: nesting at most [`MAX_DEPTH`] levels and [`MAX_NESTED_BYTES`] of nested code per
//! file.

use crate::{analyze_at_depth, snippet_of, span_of, Options, PARSE_FAILED};
use ruff_text_size::TextRange;
use telltale_facts::{FileFacts, NestedSource, ObfuscationFact};

const MAX_DEPTH: u32 = 4;
const MAX_NESTED_BYTES: usize = 8 << 20;
/// Shorter strings are not programs worth a source of their own (`eval("1")`).
const MIN_CODE_BYTES: usize = 8;

/// Constant code found by the sink scan, waiting for analysis.
#[derive(Debug)]
pub(crate) struct Pending {
    pub code: String,
    pub encodings: Vec<String>,
    pub api: String,
    pub span: TextRange,
}

pub(crate) fn analyze_pending(facts: &mut FileFacts, pending: Vec<Pending>, opts: &Options, depth: u32) {
    let mut budget = MAX_NESTED_BYTES;
    for (n, p) in pending.into_iter().enumerate() {
        let code = p.code.trim();
        if code.len() < MIN_CODE_BYTES {
            continue;
        }
        if depth + 1 > MAX_DEPTH || code.len() > budget {
            facts.diagnostics.push(format!("code passed to {} at byte {} not analysed: nesting or size limit reached", p.api, p.span.start().to_u32()));
            continue;
        }
        budget -= code.len();
        let name = format!("{} › exec#{}", facts.file, n + 1);
        let mut inner = analyze_at_depth(&name, code, opts, depth + 1);
        if inner.diagnostics.iter().any(|d| d.starts_with(PARSE_FAILED) || d.starts_with("parsed with")) {
            // Not code after all (a message, a template): nothing to report from it.
            continue;
        }
        if !p.encodings.is_empty() {
            facts.obfuscations.push(ObfuscationFact {
                technique: format!("{} → code run by {}", p.encodings.join(" → "), p.api),
                decoded: format!("{name}: {}", snippet_of(code, 0, code.len() as u32)),
                span: span_of(p.span),
            });
        }
        let mut children = std::mem::take(&mut inner.nested);
        facts.nested.push(NestedSource { facts: inner, text: code.to_string() });
        facts.nested.append(&mut children);
    }
}
