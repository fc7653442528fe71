//! Electron `app.asar` archives through `load_bytes` (recognised by their header), with small
//! limits: every file and warning it returns is touched.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| telltale_fuzz::on_scanner_stack(data, run));

fn run(data: &[u8]) {
    let limits = telltale_ingest::Limits { max_total_bytes: 64 << 20, max_entries: 10_000, max_file_bytes: 16 << 20 };
    let Ok(t) = telltale_ingest::load_bytes("app.asar", data, &limits, &|p| !p.ends_with(".md")) else { return };
    let mut n = t.name.len();
    for f in &t.files {
        n += f.path.len() + f.bytes.len() + f.bytes.iter().map(|&b| b as usize).sum::<usize>();
    }
    for w in &t.warnings {
        n += w.len();
    }
    std::hint::black_box(n);
}
