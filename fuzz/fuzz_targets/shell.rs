//! Lifecycle-script and `.sh` analysis on any text.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let data = data.to_vec();
    // Like the scanner, on a thread with a 256 MiB stack: deep nesting recurses deeply.
    std::thread::Builder::new().stack_size(256 << 20).spawn(move || run(&data)).unwrap().join().unwrap();
});

fn run(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = telltale_shell::analyze_shell(&text, 0);
}
