//! The whole pipeline on hostile bytes: the first byte picks what the rest is named (an
//! archive, JS, Python, shell, a manifest, an extensionless executable), then ingest, every
//! front end, the rules, the label and every report format run on it, all in memory.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

const NAMES: &[&str] = &["index.js", "dist/app.min.js", "setup.py", "install.sh", "package.json", "pkg.tgz", "pkg.zip", "pkg.whl", "bin/tool", "entry_points.txt", "mod.ts"];

fn options() -> &'static telltale_scan::ScanOptions {
    static OPTS: OnceLock<telltale_scan::ScanOptions> = OnceLock::new();
    OPTS.get_or_init(|| {
        let mut o = telltale_scan::ScanOptions::default();
        // Small limits: a bomb must stop at them, not at the fuzzer's memory limit.
        o.limits.max_total_bytes = 64 << 20;
        o.limits.max_entries = 10_000;
        o.limits.max_file_bytes = 16 << 20;
        o.npm.platform = None;
        o
    })
}

fuzz_target!(|data: &[u8]| telltale_fuzz::on_scanner_stack(data, run));

fn run(data: &[u8]) {
    let Some((&pick, bytes)) = data.split_first() else { return };
    let name = NAMES[pick as usize % NAMES.len()];
    let report = telltale_scan::scan_bytes(name, bytes, options());
    let report = telltale_report::Report::new(vec![report]);
    let _ = telltale_report::to_json(&report);
    let _ = telltale_report::to_sarif(&report);
    let _ = telltale_report::to_html(&report);
    let _ = telltale_report::to_text(&report, telltale_rules::Severity::Info);
}
