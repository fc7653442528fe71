//! The SEA and Bun readers on the real executables they were written for, too large to
//! commit: run by hand with the paths in the environment.
//!
//! ```text
//! npm pack @github/copilot-linux-x64@1.0.102 @ampcode/cli-linux-x64@0.0.1790142911-g7618fb
//! (unpack both; the binaries are package/copilot and package/amp)
//! TELLTALE_REAL_COPILOT=…/package/copilot TELLTALE_REAL_AMP=…/package/amp \
//!   cargo test --release -p telltale-ingest --test real_executables -- --ignored --nocapture
//! ```

use std::borrow::Cow;

use telltale_ingest::executable::{bun_modules, embedded_modules, sea_modules};

/// The file an environment variable names; `None` (and a message) when it is unset.
fn real(var: &str) -> Option<Vec<u8>> {
    match std::env::var_os(var) {
        Some(path) => Some(
            std::fs::read(&path)
                .unwrap_or_else(|e| panic!("{var}={}: {e}", path.to_string_lossy())),
        ),
        None => {
            eprintln!("skipped: set {var} to the real binary's path");
            None
        }
    }
}

/// `@github/copilot-linux-x64` 1.0.102: a Node SEA whose application is an asset.
#[test]
#[ignore = "needs the real binary: TELLTALE_REAL_COPILOT"]
fn copilot_sea_yields_its_loader_and_the_application_tarball() {
    let Some(exe) = real("TELLTALE_REAL_COPILOT") else {
        return;
    };
    let e = sea_modules(&exe).expect("a SEA blob");
    assert_eq!(e.format, "node-sea");
    for m in &e.modules {
        eprintln!("module {} ({} bytes)", m.name, m.text.len());
    }
    for f in &e.files {
        eprintln!(
            "file {} ({} bytes, starts {:02x?})",
            f.name,
            f.bytes.len(),
            &f.bytes[..f.bytes.len().min(4)]
        );
    }
    assert_eq!(e.modules.len(), 1);
    assert_eq!(
        (e.modules[0].name.as_str(), e.modules[0].text.len()),
        ("sea-loader.js", 124_972)
    );
    let tgz = e
        .files
        .iter()
        .find(|f| f.name == "asset:copilot.tgz")
        .expect("asset:copilot.tgz");
    assert_eq!(tgz.bytes.len(), 88_634_581);
    assert!(tgz.bytes.starts_with(&[0x1f, 0x8b]), "gzip");
    assert_eq!(e.files.len(), 1);
    assert!(e.unreadable.is_empty());
    assert_eq!(
        embedded_modules(&exe),
        Some(e),
        "no other reader claims it first"
    );
}

/// `@ampcode/cli-linux-x64` 0.0.1790142911-g7618fb: Bun 1.4.1, a UTF-16 entry point and two
/// native addons.
#[test]
#[ignore = "needs the real binary: TELLTALE_REAL_AMP"]
fn amp_bun_graph_yields_its_utf16_entry_point_and_addons() {
    let Some(exe) = real("TELLTALE_REAL_AMP") else {
        return;
    };
    let e = bun_modules(&exe).expect("a Bun graph");
    assert_eq!(e.format, "bun");
    for m in &e.modules {
        eprintln!(
            "module {} ({} chars, {} bytes as UTF-8)",
            m.name,
            m.text.chars().count(),
            m.text.len()
        );
    }
    for f in &e.files {
        eprintln!(
            "file {} ({} bytes, starts {:02x?})",
            f.name,
            f.bytes.len(),
            &f.bytes[..f.bytes.len().min(4)]
        );
    }
    assert_eq!(e.modules.len(), 1);
    let entry = &e.modules[0];
    assert_eq!(entry.name, "/$bunfs/root/amp-linux-x64");
    assert!(matches!(entry.text, Cow::Owned(_)), "decoded");
    assert!(entry.text.starts_with("// @bun\n"));
    assert!(entry.text.chars().count() > 5_000_000);
    assert!(!entry.text.contains('\u{fffd}'), "valid UTF-16");
    let addons: Vec<&str> = e
        .files
        .iter()
        .filter(|f| f.bytes.starts_with(b"\x7fELF"))
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(addons.len(), 2, "{addons:?}");
    assert!(addons
        .iter()
        .all(|n| n.starts_with("/$bunfs/root/keyring.") && n.ends_with(".node")));
    assert!(e.unreadable.is_empty());
}
