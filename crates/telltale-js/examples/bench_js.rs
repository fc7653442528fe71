//! Throughput of the JS front end on one file against oxc parse + semantic alone.
//! `cargo run --release -p telltale-js --example bench_js -- FILE [RUNS]`
//!
//! Both sides are timed from source text to freed memory: the full analysis frees its AST
//! before it returns, so the baseline drops its arena inside the timed region too.
//! `BENCH_ONLY=base|full` runs one side alone (for profilers and `time`).

use oxc_allocator::Allocator;
use oxc_parser::{ParseOptions, Parser};
use oxc_semantic::SemanticBuilder;
use oxc_span::SourceType;
use std::time::Instant;

fn median(mut v: Vec<f64>) -> Option<f64> {
    v.sort_by(|a, b| a.total_cmp(b));
    v.get(v.len() / 2).copied()
}

/// oxc alone: parse, build the semantic model, free everything.
fn parse_and_semantic(src: &str) {
    let alloc = Allocator::default();
    let ret = Parser::new(&alloc, src, SourceType::unambiguous())
        .with_options(ParseOptions {
            allow_return_outside_function: true,
            ..ParseOptions::default()
        })
        .parse();
    let program = alloc.alloc(ret.program);
    let sem = SemanticBuilder::new().build(program);
    std::hint::black_box(&sem.semantic);
}

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: bench_js FILE [RUNS]");
    let runs: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(5);
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    let src = std::fs::read_to_string(&path).expect("readable UTF-8 file");
    let mb = src.len() as f64 / 1e6;
    let mut base = Vec::new();
    let mut full = Vec::new();
    let mut facts = None;
    for _ in 0..runs {
        if only != "full" {
            let t = Instant::now();
            parse_and_semantic(&src);
            base.push(t.elapsed().as_secs_f64());
        }
        if only != "base" {
            let t = Instant::now();
            let f = telltale_js::analyze(&path, &src, &telltale_js::Options::default());
            full.push(t.elapsed().as_secs_f64());
            facts = Some(f);
        }
    }
    let side = |t: Option<f64>, name: &str| match t {
        Some(t) => format!("{name} {:.0} MB/s ({t:.3} s)", mb / t),
        None => format!("{name} not run"),
    };
    let (b, f) = (median(base), median(full));
    let ratio = match (b, f) {
        (Some(b), Some(f)) => format!("ratio {:.2}", b / f),
        _ => "ratio -".to_string(),
    };
    let facts = facts.unwrap_or_default();
    println!(
        "{path}: {mb:.1} MB | {} | {} | {ratio} | {} flows, {} guards, {} endpoints",
        side(b, "oxc parse+semantic"),
        side(f, "telltale full analysis"),
        facts.flows.len(),
        facts.region_guards.len(),
        facts.endpoints.len()
    );
}
