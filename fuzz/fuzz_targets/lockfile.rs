//! Lockfile parsers (package-lock v1–v3, yarn classic and berry, pnpm) on any text; the first
//! byte picks the format.
#![no_main]
use libfuzzer_sys::fuzz_target;

const NAMES: &[&str] = &["package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml"];

fuzz_target!(|data: &[u8]| telltale_fuzz::on_scanner_stack(data, run));

fn run(data: &[u8]) {
    let Some((&pick, bytes)) = data.split_first() else { return };
    let text = String::from_utf8_lossy(bytes);
    let _ = telltale_registry::lockfile::parse(NAMES[pick as usize % NAMES.len()], &text);
}
