//! Throughput of the JS front end on one file against oxc parse + semantic alone.
//! `cargo run --release -p telltale-js --example bench_js -- FILE [RUNS]`

use oxc_allocator::Allocator;
use oxc_parser::{ParseOptions, Parser};
use oxc_semantic::SemanticBuilder;
use oxc_span::SourceType;
use std::time::Instant;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: bench_js FILE [RUNS]");
    let runs: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(5);
    let src = std::fs::read_to_string(&path).expect("readable UTF-8 file");
    let mb = src.len() as f64 / 1e6;
    let mut base = Vec::new();
    let mut full = Vec::new();
    let mut facts = None;
    for _ in 0..runs {
        let t = Instant::now();
        let alloc = Allocator::default();
        let ret = Parser::new(&alloc, &src, SourceType::unambiguous())
            .with_options(ParseOptions { allow_return_outside_function: true, ..ParseOptions::default() })
            .parse();
        let program = alloc.alloc(ret.program);
        let sem = SemanticBuilder::new().build(program);
        std::hint::black_box(&sem.semantic);
        drop(sem);
        base.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let f = telltale_js::analyze(&path, &src, &telltale_js::Options::default());
        full.push(t.elapsed().as_secs_f64());
        facts = Some(f);
    }
    let (b, f) = (median(base), median(full));
    let facts = facts.unwrap();
    println!(
        "{path}: {mb:.1} MB | oxc parse+semantic {:.0} MB/s ({:.3} s) | telltale full analysis {:.0} MB/s ({:.3} s) | ratio {:.2} | {} flows, {} guards, {} endpoints",
        mb / b, b, mb / f, f, b / f, facts.flows.len(), facts.region_guards.len(), facts.endpoints.len()
    );
}
