//! What every fuzz target shares.

/// Run one input on a thread with the scanner's 256 MiB stack: deeply nested input recurses
/// deeply, and the scanner's workers have that much room (libFuzzer's main thread has 8 MiB).
pub fn on_scanner_stack(data: &[u8], run: fn(&[u8])) {
    let data = data.to_vec();
    std::thread::Builder::new().stack_size(256 << 20).spawn(move || run(&data)).expect("a fuzz worker thread").join().expect("the input ran to its end");
}

/// Scan options for the pipeline targets: small limits, so a bomb stops at them rather than
/// at the fuzzer's memory limit; no registry.
pub fn scan_options() -> &'static telltale_scan::ScanOptions {
    static OPTS: std::sync::OnceLock<telltale_scan::ScanOptions> = std::sync::OnceLock::new();
    OPTS.get_or_init(|| {
        let mut o = telltale_scan::ScanOptions::default();
        o.limits.max_total_bytes = 64 << 20;
        o.limits.max_entries = 10_000;
        o.limits.max_file_bytes = 16 << 20;
        o.npm.platform = None;
        o
    })
}

/// Read every field of what an executable reader returned, so nothing it built goes unread.
pub fn touch_embedded(e: &telltale_ingest::executable::Embedded) {
    let mut n = e.format.len();
    for m in &e.modules {
        n += m.name.len() + m.text.len() + m.text.as_bytes().iter().map(|&b| b as usize).sum::<usize>();
    }
    for f in &e.files {
        n += f.name.len() + f.bytes.len() + f.bytes.iter().map(|&b| b as usize).sum::<usize>();
    }
    for u in &e.unreadable {
        n += u.name.len() + u.why.len() + u.bytes as usize;
    }
    std::hint::black_box(n);
}
