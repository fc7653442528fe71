//! The Node SEA reader on any bytes, as they are (the container's resource, then the magic
//! scan) and behind the flipped fuse the reader needs before it looks at anything: every
//! module, file and unreadable entry it returns is touched.
#![no_main]
use libfuzzer_sys::fuzz_target;

const FUSE: &[u8] = b"NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2:1";

fuzz_target!(|data: &[u8]| telltale_fuzz::on_scanner_stack(data, run));

fn run(data: &[u8]) {
    if let Some(e) = telltale_ingest::executable::sea_modules(data) {
        telltale_fuzz::touch_embedded(&e);
    }
    let mut fused = FUSE.to_vec();
    fused.extend_from_slice(data);
    if let Some(e) = telltale_ingest::executable::sea_modules(&fused) {
        telltale_fuzz::touch_embedded(&e);
    }
}
