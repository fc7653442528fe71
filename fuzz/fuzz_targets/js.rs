//! The JS front end alone (parse, resolve, deobfuscate, nested eval code, taint, guards,
//! consent) and the rules over its facts, on any text.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let data = data.to_vec();
    // Like the scanner, on a thread with a 256 MiB stack: deep nesting recurses deeply.
    std::thread::Builder::new().stack_size(256 << 20).spawn(move || run(&data)).unwrap().join().unwrap();
});

fn run(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let facts = telltale_js::analyze("fuzz.js", &text, &telltale_js::Options::default());
    let _ = telltale_rules::check_file(&facts);
}
