//! The `pkg` executable reader on any bytes: every module, file and unreadable entry it
//! returns is touched.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| telltale_fuzz::on_scanner_stack(data, run));

fn run(data: &[u8]) {
    if let Some(e) = telltale_ingest::executable::pkg_modules(data) {
        telltale_fuzz::touch_embedded(&e);
    }
}
