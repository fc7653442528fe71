//! Throughput of the Python front end over every `.py` file under a folder (or one file),
//! against `ruff_python_parser` alone. Single thread; files are read once, then timed.
//! `cargo run --release -p telltale-python --example bench_py -- DIR_OR_FILE [RUNS]`

use ruff_python_parser::{parse_unchecked, Mode, ParseOptions};
use std::time::Instant;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn collect(path: &std::path::Path, out: &mut Vec<(String, String)>) {
    if path.is_dir() {
        let mut entries: Vec<_> = std::fs::read_dir(path)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .collect();
        entries.sort();
        for p in entries {
            if !p.is_symlink() {
                collect(&p, out);
            }
        }
    } else if path.extension().is_some_and(|e| e == "py") {
        if let Ok(bytes) = std::fs::read(path) {
            out.push((
                path.display().to_string(),
                String::from_utf8_lossy(&bytes).into_owned(),
            ));
        }
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let root = args.next().expect("usage: bench_py DIR_OR_FILE [RUNS]");
    let runs: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(3);
    let mut files = Vec::new();
    collect(std::path::Path::new(&root), &mut files);
    let mb = files.iter().map(|(_, s)| s.len()).sum::<usize>() as f64 / 1e6;
    let (mut base, mut full) = (Vec::new(), Vec::new());
    let (mut failures, mut flows) = (0, 0);
    for _ in 0..runs {
        let t = Instant::now();
        failures = 0;
        for (_, src) in &files {
            let parsed = parse_unchecked(src, ParseOptions::from(Mode::Module));
            failures += usize::from(!parsed.errors().is_empty());
            std::hint::black_box(&parsed);
        }
        base.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        flows = 0;
        for (path, src) in &files {
            flows += telltale_python::analyze(path, src, &telltale_python::Options::default())
                .flows
                .len();
        }
        full.push(t.elapsed().as_secs_f64());
    }
    let (b, f) = (median(base), median(full));
    println!(
        "{root}: {} files, {mb:.1} MB | ruff_python_parser {:.0} MB/s ({:.2} s, {failures} with syntax errors) | telltale full analysis {:.0} MB/s ({:.2} s) | ratio {:.2} | {flows} flows",
        files.len(),
        mb / b,
        b,
        mb / f,
        f,
        b / f
    );
}
