//! Containers inside a package: the input becomes one file of an npm tarball, named by the
//! first byte as an archive, an executable, a native addon, WebAssembly or a script, so the
//! pipeline opens it as deep as it goes (nested archives, runtime executables, archives
//! appended to binaries or gzip inside them, base64 archives in scripts) under its limits.
#![no_main]
use libfuzzer_sys::fuzz_target;

const NAMES: &[&str] = &["package/vendor/app.tgz", "package/bin/tool", "package/build/addon.node", "package/index.js", "package/lib.wasm", "package/data.zip", "package/app.asar", "package/x.gz"];


fuzz_target!(|data: &[u8]| telltale_fuzz::on_scanner_stack(data, run));

fn run(data: &[u8]) {
    let Some((&pick, bytes)) = data.split_first() else { return };
    let name = NAMES[pick as usize % NAMES.len()];
    let mut tar = tar::Builder::new(Vec::new());
    for (path, body) in [("package/package.json", &br#"{"name":"f","version":"1.0.0"}"#[..]), (name, bytes)] {
        let mut header = tar::Header::new_gnu();
        header.set_size(body.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        if tar.append_data(&mut header, path, body).is_err() {
            return;
        }
    }
    let Ok(tarball) = tar.into_inner() else { return };
    let report = telltale_scan::scan_bytes("f-1.0.0.tar", &tarball, telltale_fuzz::scan_options());
    assert!(report.error.is_some() || report.coverage.unanalysed.iter().all(|u| !u.why.is_empty()));
    let report = telltale_report::Report::new(vec![report]);
    let _ = telltale_report::to_json(&report);
    let _ = telltale_report::to_text(&report, telltale_rules::Severity::Info);
}
