//! What every fuzz target shares.

/// Run one input on a thread with the scanner's 256 MiB stack: deeply nested input recurses
/// deeply, and the scanner's workers have that much room (libFuzzer's main thread has 8 MiB).
pub fn on_scanner_stack(data: &[u8], run: fn(&[u8])) {
    let data = data.to_vec();
    std::thread::Builder::new().stack_size(256 << 20).spawn(move || run(&data)).expect("a fuzz worker thread").join().expect("the input ran to its end");
}
