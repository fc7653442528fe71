//! Lifecycle-script and `.sh` analysis on any text.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| telltale_fuzz::on_scanner_stack(data, run));

fn run(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = telltale_shell::analyze_shell(&text, 0);
}
