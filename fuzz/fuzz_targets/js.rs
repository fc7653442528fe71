//! The JS front end alone (parse, resolve, deobfuscate, nested eval code, taint, guards,
//! consent) and the rules over its facts, on any text.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| telltale_fuzz::on_scanner_stack(data, run));

fn run(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let facts = telltale_js::analyze("fuzz.js", &text, &telltale_js::Options::default());
    let _ = telltale_rules::check_file(&facts);
}
