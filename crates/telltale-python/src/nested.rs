//! Code hidden in strings: what a file passes to `exec`, `eval` or `compile` as a constant
//! (often after decoding: `exec(base64.b64decode("…"))`, `exec(zlib.decompress(…))`) is parsed
//! and analysed as a source of its own, named `file › exec#1`, so its identity reads,
//! endpoints and flows are found with locations inside that code.
//!
//! Bounded by [`FileFacts::admit_nested`]: nesting depth and bytes of nested code per file.

use crate::{analyze_at_depth, snippet_of, span_of, Options, PARSE_FAILED};
use ruff_text_size::TextRange;
use telltale_facts::{FileFacts, NESTED_MAX_BYTES};

/// Constant code found by the sink scan, waiting for analysis.
#[derive(Debug)]
pub(crate) struct Pending {
    pub code: String,
    pub encodings: Vec<String>,
    pub api: String,
    pub span: TextRange,
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
        if !facts.admit_nested(
            code.len(),
            &p.api,
            p.span.start().to_u32(),
            depth,
            &mut budget,
        ) {
            continue;
        }
        let name = format!("{} › exec#{}", facts.file, n + 1);
        let inner = analyze_at_depth(&name, code, opts, depth + 1);
        if inner
            .diagnostics
            .iter()
            .any(|d| d.starts_with(PARSE_FAILED) || d.starts_with("parsed with"))
        {
            // Not code after all (a message, a template): nothing to report from it.
            continue;
        }
        facts.add_nested(
            inner,
            code,
            &p.encodings,
            &p.api,
            span_of(p.span),
            &snippet_of(code, 0, code.len() as u32),
        );
    }
}
