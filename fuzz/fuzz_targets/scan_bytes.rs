//! The whole pipeline on hostile bytes: the first byte picks what the rest is named (an
//! archive, JS, Python, shell, a manifest, an extensionless executable), then ingest, every
//! front end, the rules, the label and every report format run on it, all in memory.
#![no_main]
use libfuzzer_sys::fuzz_target;

const NAMES: &[&str] = &["index.js", "dist/app.min.js", "setup.py", "install.sh", "package.json", "pkg.tgz", "pkg.zip", "pkg.whl", "bin/tool", "entry_points.txt", "mod.ts"];


fuzz_target!(|data: &[u8]| telltale_fuzz::on_scanner_stack(data, run));

fn run(data: &[u8]) {
    let Some((&pick, bytes)) = data.split_first() else { return };
    let name = NAMES[pick as usize % NAMES.len()];
    let report = telltale_scan::scan_bytes(name, bytes, telltale_fuzz::scan_options());
    let report = telltale_report::Report::new(vec![report]);
    let _ = telltale_report::to_json(&report);
    let _ = telltale_report::to_sarif(&report);
    let _ = telltale_report::to_html(&report);
    let _ = telltale_report::to_text(&report, telltale_rules::Severity::Info);
}
