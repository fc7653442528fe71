//! Integration tests: hostile and ordinary archives, built in memory.

use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};

use flate2::write::GzEncoder;
use flate2::Compression;
use tar::{EntryType, Header};
use telltale_ingest::{load_bytes, load_target, IngestError, Limits, Target};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

fn all(_: &str) -> bool {
    true
}

fn load(name: &str, bytes: &[u8]) -> Result<Target, IngestError> {
    load_bytes(name, bytes, &Limits::default(), &all)
}

/// A ustar header whose name bytes are written directly, bypassing the checks in
/// `Header::set_path` (which refuses `..` and absolute paths).
fn raw_header(name: &[u8], size: u64, kind: EntryType, link: &[u8]) -> Header {
    let mut h = Header::new_ustar();
    {
        let old = h.as_old_mut();
        old.name[..name.len()].copy_from_slice(name);
        old.linkname[..link.len()].copy_from_slice(link);
    }
    h.set_size(size);
    h.set_entry_type(kind);
    h.set_mode(0o644);
    h.set_mtime(0);
    h.set_cksum();
    h
}

/// Serialises entries into a tar stream by hand (no validation of names).
fn tar_of(entries: &[(Header, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (h, data) in entries {
        out.extend_from_slice(h.as_bytes());
        out.extend_from_slice(data);
        out.resize(out.len().div_ceil(512) * 512, 0);
    }
    out.extend_from_slice(&[0u8; 1024]);
    out
}

fn file(name: &str, data: &'static [u8]) -> (Header, &'static [u8]) {
    (
        raw_header(name.as_bytes(), data.len() as u64, EntryType::Regular, b""),
        data,
    )
}

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

fn tgz(entries: &[(Header, &[u8])]) -> Vec<u8> {
    gz(&tar_of(entries))
}

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = ZipWriter::new(Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    for (name, data) in entries {
        w.start_file(*name, opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn replace_all(haystack: &mut [u8], from: &[u8], to: &[u8]) {
    assert_eq!(from.len(), to.len());
    let mut i = 0;
    let mut hits = 0;
    while i + from.len() <= haystack.len() {
        if &haystack[i..i + from.len()] == from {
            haystack[i..i + from.len()].copy_from_slice(to);
            hits += 1;
        }
        i += 1;
    }
    assert!(hits > 0, "pattern not found");
}

fn paths(t: &Target) -> Vec<&str> {
    t.files.iter().map(|f| f.path.as_str()).collect()
}

fn corpus(rel: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus")
        .join(rel);
    if p.exists() {
        Some(p)
    } else {
        println!("skipping: corpus file {} is absent", p.display());
        None
    }
}

// ---------------------------------------------------------------- ordinary archives

#[test]
fn loads_a_tgz_sorted_with_paths_as_in_the_archive() {
    let bytes = tgz(&[
        file("package/z.js", b"z"),
        file("package/index.js", b"module.exports = 1;"),
        file("package/package.json", b"{}"),
    ]);
    let t = load("pkg.tgz", &bytes).unwrap();
    assert_eq!(t.name, "pkg.tgz");
    assert_eq!(
        paths(&t),
        ["package/index.js", "package/package.json", "package/z.js"]
    );
    assert_eq!(t.files[0].bytes, b"module.exports = 1;");
    assert!(t.warnings.is_empty());
}

#[test]
fn loads_a_plain_tar_and_a_zip() {
    let tar = tar_of(&[file("package/a.js", b"a")]);
    assert_eq!(paths(&load("x.tar", &tar).unwrap()), ["package/a.js"]);
    let zip = zip_of(&[
        ("extension/b.js", b"b"),
        ("extension/", b""),
        ("a.txt", b"a"),
    ]);
    let t = load("x.vsix", &zip).unwrap();
    assert_eq!(paths(&t), ["a.txt", "extension/b.js"]);
    assert_eq!(t.files[1].bytes, b"b");
}

#[test]
fn tar_builder_output_with_directories_and_long_names_loads() {
    let mut b = tar::Builder::new(Vec::new());
    let long = format!("package/{}/deep.js", "d".repeat(150));
    let mut h = Header::new_gnu();
    h.set_entry_type(EntryType::Directory);
    h.set_size(0);
    h.set_mode(0o755);
    b.append_data(&mut h, "package/", &[][..]).unwrap();
    let mut h = Header::new_gnu();
    h.set_size(3);
    h.set_mode(0o644);
    b.append_data(&mut h, &long, &b"abc"[..]).unwrap();
    let bytes = gz(&b.into_inner().unwrap());
    let t = load("long.tgz", &bytes).unwrap();
    assert_eq!(paths(&t), [long.as_str()]);
}

#[test]
fn wanted_filter_keeps_only_wanted_content() {
    let bytes = tgz(&[file("package/a.js", b"a"), file("package/logo.png", b"png")]);
    let t = load_bytes("p.tgz", &bytes, &Limits::default(), &|p: &str| {
        p.ends_with(".js")
    })
    .unwrap();
    assert_eq!(paths(&t), ["package/a.js"]);
}

#[test]
fn empty_files_and_empty_archives() {
    let t = load("e.tgz", &tgz(&[file("package/empty.js", b"")])).unwrap();
    assert_eq!(paths(&t), ["package/empty.js"]);
    assert!(t.files[0].bytes.is_empty());

    let t = load("e.zip", &zip_of(&[])).unwrap();
    assert!(t.files.is_empty());

    let t = load("e.zip", &zip_of(&[("empty.js", b"")])).unwrap();
    assert_eq!(paths(&t), ["empty.js"]);

    let t = load("x.js", b"").unwrap();
    assert_eq!(paths(&t), ["x.js"]);
    assert!(t.files[0].bytes.is_empty());
}

#[test]
fn binary_content_round_trips() {
    let all_bytes: &'static [u8] =
        Box::leak((0..=255u8).cycle().take(4096).collect::<Vec<_>>().into());
    let t = load("b.tgz", &tgz(&[file("package/blob.node", all_bytes)])).unwrap();
    assert_eq!(t.files[0].bytes, all_bytes);
    let t = load("b.zip", &zip_of(&[("blob.node", all_bytes)])).unwrap();
    assert_eq!(t.files[0].bytes, all_bytes);
    let t = load("dir/blob.bin", all_bytes).unwrap();
    assert_eq!(paths(&t), ["blob.bin"]);
    assert_eq!(t.files[0].bytes, all_bytes);
}

#[test]
fn a_gzip_that_is_not_a_tar_is_one_file() {
    let t = load("inner/code.js.gz", &gz(b"console.log(1)")).unwrap();
    assert_eq!(paths(&t), ["code.js"]);
    assert_eq!(t.files[0].bytes, b"console.log(1)");
}

#[test]
fn non_utf8_names_are_decoded_lossily() {
    let h = raw_header(b"package/\xff\xfe.js", 1, EntryType::Regular, b"");
    let t = load("n.tgz", &tgz(&[(h, b"x")])).unwrap();
    assert_eq!(paths(&t), ["package/\u{fffd}\u{fffd}.js"]);
}

// ---------------------------------------------------------------- path traversal

#[test]
fn tar_entries_escaping_the_root_are_errors() {
    for (name, escapes) in [
        (&b"../evil"[..], true),
        (b"a/../../b", true),
        (b"package/../../../etc/x", true),
        (b"..\\..\\windows.js", true),
        (b"/etc/passwd", false),
        (b"C:\\Windows\\evil.js", false),
        (b"\\\\server\\share\\x.js", false),
    ] {
        let h = raw_header(name, 1, EntryType::Regular, b"");
        for bytes in [tar_of(&[(h.clone(), b"x")]), tgz(&[(h.clone(), b"x")])] {
            let err = load("evil.tgz", &bytes).unwrap_err();
            let shown = String::from_utf8_lossy(name);
            match (&err, escapes) {
                (IngestError::PathEscapes { entry }, true) => assert_eq!(*entry, shown),
                (IngestError::AbsolutePath { entry }, false) => assert_eq!(*entry, shown),
                _ => panic!("{shown}: unexpected {err:?}"),
            }
            assert!(err.to_string().contains(&*shown), "{err}");
        }
    }
    let err = load(
        "e.tgz",
        &tgz(&[(raw_header(b"../../etc/x", 1, EntryType::Regular, b""), b"x")]),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "archive entry `../../etc/x` escapes the archive root"
    );
}

#[test]
fn inner_parent_components_are_errors() {
    let h = raw_header(b"package/../package/a.js", 1, EntryType::Regular, b"");
    let err = load("e.tgz", &tgz(&[(h, b"x")])).unwrap_err();
    assert!(
        matches!(err, IngestError::ParentComponent { .. }),
        "{err:?}"
    );
}

#[test]
fn traversal_hidden_in_pax_and_gnu_long_names_is_an_error() {
    // PAX extended header carrying `path=../../evil.js`.
    let record = |kv: &str| {
        let mut len = kv.len() + 3;
        loop {
            let r = format!("{len} {kv}\n");
            if r.len() == len {
                return r;
            }
            len = r.len();
        }
    };
    let pax = record("path=../../evil.js");
    let pax_data: &'static [u8] = Box::leak(pax.into_bytes().into_boxed_slice());
    let xh = raw_header(
        b"PaxHeader/x",
        pax_data.len() as u64,
        EntryType::XHeader,
        b"",
    );
    let bytes = tgz(&[(xh, pax_data), file("package/innocent.js", b"x")]);
    let err = load("pax.tgz", &bytes).unwrap_err();
    assert!(matches!(err, IngestError::PathEscapes { .. }), "{err:?}");

    // GNU long name entry.
    let long: &'static [u8] = b"../../../tmp/evil.js\0";
    let mut lh = Header::new_gnu();
    lh.as_gnu_mut().unwrap().name[..13].copy_from_slice(b"././@LongLink");
    lh.set_entry_type(EntryType::GNULongName);
    lh.set_size(long.len() as u64);
    lh.set_cksum();
    let bytes = tgz(&[(lh, long), file("package/innocent.js", b"x")]);
    let err = load("gnu.tgz", &bytes).unwrap_err();
    assert!(matches!(err, IngestError::PathEscapes { .. }), "{err:?}");
}

#[test]
fn zip_entries_escaping_the_root_are_errors() {
    let mut bytes = zip_of(&[("xx/evil.js", b"x")]);
    replace_all(&mut bytes, b"xx/evil.js", b"../evil.js");
    let err = load("evil.zip", &bytes).unwrap_err();
    assert!(matches!(err, IngestError::PathEscapes { .. }), "{err:?}");

    let mut bytes = zip_of(&[("Xetc/passwd", b"x")]);
    replace_all(&mut bytes, b"Xetc/passwd", b"/etc/passwd");
    let err = load("evil.zip", &bytes).unwrap_err();
    assert!(matches!(err, IngestError::AbsolutePath { .. }), "{err:?}");

    let mut bytes = zip_of(&[("XX\\evil.js", b"x")]);
    replace_all(&mut bytes, b"XX\\evil.js", b"..\\evil.js");
    let err = load("evil.whl", &bytes).unwrap_err();
    assert!(matches!(err, IngestError::PathEscapes { .. }), "{err:?}");
}

// ---------------------------------------------------------------- links

#[test]
fn tar_links_are_never_followed() {
    let out = raw_header(b"package/link", 0, EntryType::Symlink, b"../../etc/passwd");
    let err = load("l.tgz", &tgz(&[(out, b"")])).unwrap_err();
    assert!(
        matches!(
            err,
            IngestError::LinkEscapes {
                kind: "symlink",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("../../etc/passwd"), "{err}");

    let abs = raw_header(b"package/link", 0, EntryType::Symlink, b"/etc/passwd");
    assert!(load("l.tgz", &tgz(&[(abs, b"")])).is_err());

    let hard = raw_header(b"package/hard", 0, EntryType::Link, b"../outside");
    let err = load("l.tgz", &tgz(&[(hard, b"")])).unwrap_err();
    assert!(
        matches!(
            err,
            IngestError::LinkEscapes {
                kind: "hard link",
                ..
            }
        ),
        "{err:?}"
    );

    let inside = raw_header(
        b"package/lib/link.js",
        0,
        EntryType::Symlink,
        b"../index.js",
    );
    let hard_inside = raw_header(b"package/hard.js", 0, EntryType::Link, b"package/index.js");
    let t = load(
        "l.tgz",
        &tgz(&[
            file("package/index.js", b"x"),
            (inside, b""),
            (hard_inside, b""),
        ]),
    )
    .unwrap();
    assert_eq!(paths(&t), ["package/index.js"]);
    assert_eq!(t.warnings.len(), 2, "{:?}", t.warnings);
    assert!(t.warnings[0].contains("skipped symlink package/lib/link.js -> ../index.js"));
}

#[test]
fn zip_symlinks_pointing_out_are_errors() {
    let mut w = ZipWriter::new(Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default();
    w.add_symlink("ext/link", "../../../etc/passwd", opts)
        .unwrap();
    let bytes = w.finish().unwrap().into_inner();
    let err = load("s.zip", &bytes).unwrap_err();
    assert!(matches!(err, IngestError::LinkEscapes { .. }), "{err:?}");

    let mut w = ZipWriter::new(Cursor::new(Vec::new()));
    w.start_file("ext/a.js", opts).unwrap();
    w.write_all(b"a").unwrap();
    w.add_symlink("ext/link", "a.js", opts).unwrap();
    let bytes = w.finish().unwrap().into_inner();
    let t = load("s.zip", &bytes).unwrap();
    assert_eq!(paths(&t), ["ext/a.js"]);
    assert_eq!(t.warnings.len(), 1);
}

// ---------------------------------------------------------------- duplicates

#[test]
fn duplicate_names_are_read_as_package_managers_read_them() {
    // Different copies: the last is what npm installs; the earlier is kept beside it.
    let bytes = tgz(&[file("package/a.js", b"good"), file("package/a.js", b"evil")]);
    let t = load("d.tgz", &bytes).unwrap();
    let got: Vec<(&str, &[u8])> = t
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.bytes.as_slice()))
        .collect();
    assert_eq!(
        got,
        [
            ("package/a.js", &b"evil"[..]),
            ("package/a.js (overwritten copy 1)", &b"good"[..])
        ]
    );
    assert!(
        t.warnings
            .iter()
            .any(|w| w.contains("package/a.js 2 times with different contents")),
        "{:?}",
        t.warnings
    );

    // Same file once normalised, three copies.
    let bytes = tgz(&[
        file("package/a.js", b"one"),
        file("./package//a.js", b"two"),
        file("package/a.js", b"three"),
    ]);
    let t = load("d.tgz", &bytes).unwrap();
    let mut got: Vec<(&str, &[u8])> = t
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.bytes.as_slice()))
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            ("package/a.js", &b"three"[..]),
            ("package/a.js (overwritten copy 1)", &b"one"[..]),
            ("package/a.js (overwritten copy 2)", &b"two"[..])
        ]
    );

    // Identical copies: one file, a warning.
    let bytes = tgz(&[file("package/a.js", b"same"), file("package/a.js", b"same")]);
    let t = load("d.tgz", &bytes).unwrap();
    assert_eq!(paths(&t), ["package/a.js"]);
    assert!(
        t.warnings.iter().any(|w| w.contains("identical")),
        "{:?}",
        t.warnings
    );

    let mut bytes = zip_of(&[("a.js", b"good"), ("b.js", b"evil")]);
    replace_all(&mut bytes, b"b.js", b"a.js");
    let t = load("d.zip", &bytes).unwrap();
    let got: Vec<(&str, &[u8])> = t
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.bytes.as_slice()))
        .collect();
    assert_eq!(
        got,
        [
            ("a.js", &b"evil"[..]),
            ("a.js (overwritten copy 1)", &b"good"[..])
        ]
    );
}

#[test]
fn files_named_as_archives_must_be_archives() {
    for (bytes, what) in [
        (
            &b"<!DOCTYPE html><html><head><title>502</title>"[..],
            "HTML page",
        ),
        (&b""[..], "empty"),
        (&b"{\"error\":\"Not found\"}"[..], "JSON"),
        (&b"\x13\x99\xfe\x00garbage"[..], "no gzip, tar or zip"),
    ] {
        for name in ["x.tgz", "x.whl", "x.zip", "x.tar.gz"] {
            let err = load(name, bytes).unwrap_err();
            assert!(
                matches!(err, IngestError::NotAnArchive { .. }),
                "{name}: {err:?}"
            );
            assert!(err.to_string().contains(what), "{name}: {err}");
        }
    }
    // Other names stay single files.
    assert_eq!(
        paths(&load("index.js", b"console.log(1)").unwrap()),
        ["index.js"]
    );
}

#[test]
fn an_empty_folder_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    let err =
        telltale_ingest::load_target(dir.path().to_str().unwrap(), &Limits::default(), &|_| true)
            .unwrap_err();
    assert!(matches!(err, IngestError::EmptyFolder { .. }), "{err:?}");
}

// ---------------------------------------------------------------- corrupt data

#[test]
fn truncated_gzip_is_an_error_at_every_cut() {
    let body: &'static [u8] = Box::leak(
        (0..20_000u32)
            .flat_map(|i| i.to_le_bytes())
            .collect::<Vec<_>>()
            .into_boxed_slice(),
    );
    let bytes = tgz(&[file("package/a.js", body), file("package/b.js", b"b")]);
    // (One byte is no longer recognisable as gzip.)
    for cut in (2..bytes.len())
        .step_by(97)
        .chain([bytes.len() - 1, bytes.len() - 4])
    {
        match load("t.tgz", &bytes[..cut]) {
            Err(IngestError::Corrupt { .. }) => {}
            other => panic!("cut at {cut}: expected Corrupt, got {other:?}"),
        }
    }
    let err = load("t.tgz", &bytes[..bytes.len() / 2]).unwrap_err();
    assert!(err.to_string().starts_with("corrupt or truncated"), "{err}");
}

/// npm's early tarballs (punycode 0.1.1, require-directory 0.0.1, 2011) end in zero padding
/// after the gzip data; gzip and npm ignore it, and so does the scan. A second member is read.
#[test]
fn zero_padding_after_the_gzip_data_is_ignored_and_members_are_joined() {
    let mut bytes = tgz(&[
        file("package/a.js", b"module.exports = 1;"),
        file("package/package.json", b"{}"),
    ]);
    bytes.extend(vec![0u8; 8192]);
    let t = load("punycode-0.1.1.tgz", &bytes).expect("a padded tarball loads");
    let mut names: Vec<&str> = t.files.iter().map(|f| f.path.as_str()).collect();
    names.sort();
    assert_eq!(names, ["package/a.js", "package/package.json"]);
}

#[test]
fn truncated_and_corrupt_tar_are_errors() {
    let tar = tar_of(&[file("package/a.js", b"0123456789")]);
    // Cut inside the data.
    assert!(matches!(
        load("t.tar", &tar[..515]),
        Err(IngestError::Corrupt { .. })
    ));
    // Bad header checksum on the second entry.
    let mut tar = tar_of(&[file("package/a.js", b"a"), file("package/b.js", b"b")]);
    tar[1024 + 5] ^= 0x20;
    assert!(matches!(
        load("t.tar", &gz(&tar)),
        Err(IngestError::Corrupt { .. })
    ));
}

#[test]
fn corrupt_zip_is_an_error() {
    let body: Vec<u8> = (0..5000u32)
        .flat_map(|i| (i * 7919).to_le_bytes())
        .collect();
    let good = zip_of(&[("a.js", &body)]);
    assert!(load("c.zip", &good).is_ok());

    // Flip bytes inside the compressed data: inflate or CRC check must fail.
    let mut bad = good.clone();
    for b in &mut bad[40..60] {
        *b ^= 0x55;
    }
    assert!(load("c.zip", &bad).is_err());

    // Truncated anywhere.
    // (Fewer than 4 bytes is no longer recognisable as a zip.)
    for cut in (4..good.len()).step_by(61) {
        assert!(load("c.zip", &good[..cut]).is_err(), "cut at {cut}");
    }

    // Just the magic, then garbage.
    let mut junk = b"PK\x03\x04".to_vec();
    junk.extend((0..1000u32).map(|i| (i * 31 % 251) as u8));
    let err = load("j.zip", &junk).unwrap_err();
    assert!(
        matches!(err, IngestError::Corrupt { format: "zip", .. }),
        "{err:?}"
    );
}

#[test]
fn mutated_archives_never_panic() {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let tgz_bytes = tgz(&[
        file("package/package.json", b"{\"name\":\"x\"}"),
        file("package/index.js", b"require('os').hostname()"),
    ]);
    let tar_bytes = tar_of(&[file("package/index.js", b"require('os').hostname()")]);
    let zip_bytes = zip_of(&[("a.js", b"aaaaaaaaaaaaaaaaaaaaa"), ("dir/b.js", b"bbb")]);
    let limits = Limits {
        max_total_bytes: 1 << 20,
        max_entries: 1000,
        max_file_bytes: 1 << 20,
    };
    for original in [&tgz_bytes, &tar_bytes, &zip_bytes] {
        for _ in 0..300 {
            let mut m = original.clone();
            for _ in 0..1 + next() % 4 {
                let i = (next() as usize) % m.len();
                m[i] = next() as u8;
            }
            let _ = load_bytes("m", &m, &limits, &all);
        }
    }
}

// ---------------------------------------------------------------- bombs

#[test]
fn entry_count_bomb_is_an_error() {
    let entries: Vec<_> = (0..101)
        .map(|i| file(Box::leak(format!("package/{i}.js").into_boxed_str()), b""))
        .collect();
    let limits = Limits {
        max_entries: 100,
        ..Limits::default()
    };
    let err = load_bytes("b.tgz", &tgz(&entries), &limits, &all).unwrap_err();
    assert!(
        matches!(err, IngestError::TooManyEntries { limit: 100 }),
        "{err:?}"
    );
    assert!(err.to_string().contains("--max-archive-entries"), "{err}");

    let names: Vec<String> = (0..101).map(|i| format!("{i}.js")).collect();
    let zentries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b""[..])).collect();
    let err = load_bytes("b.zip", &zip_of(&zentries), &limits, &all).unwrap_err();
    assert!(
        matches!(err, IngestError::TooManyEntries { limit: 100 }),
        "{err:?}"
    );

    // Exactly at the limit is fine.
    let ok = load_bytes("b.tgz", &tgz(&entries[..100]), &limits, &all).unwrap();
    assert_eq!(ok.files.len(), 100);
}

const MB: u64 = 1 << 20;

/// A gzip stream of a tar holding one `size`-byte file of zeros, made by streaming.
fn zero_tgz(size: u64) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
    let h = raw_header(b"package/bomb.js", size, EntryType::Regular, b"");
    enc.write_all(h.as_bytes()).unwrap();
    std::io::copy(&mut std::io::repeat(0).take(size), &mut enc).unwrap();
    enc.write_all(&[0u8; 1024]).unwrap();
    enc.finish().unwrap()
}

fn bomb_limits() -> Limits {
    Limits {
        max_total_bytes: 10 * MB,
        max_entries: 1000,
        max_file_bytes: 256 * MB,
    }
}

#[test]
fn size_bomb_in_a_tgz_is_an_error() {
    let bomb = zero_tgz(50 * MB);
    assert!(bomb.len() < MB as usize, "compressed size {}", bomb.len());
    for wanted in [&all as &dyn Fn(&str) -> bool, &|_: &str| false] {
        let err = load_bytes("bomb.tgz", &bomb, &bomb_limits(), wanted).unwrap_err();
        assert!(
            matches!(err, IngestError::TooManyBytes { limit } if limit == 10 * MB),
            "{err:?}"
        );
        assert!(err.to_string().contains("--max-archive-bytes"), "{err}");
    }
}

#[test]
fn size_bomb_of_plain_zeros_is_an_error() {
    // Not even a tar: just 50 MB of zeros, gzip-compressed.
    let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
    std::io::copy(&mut std::io::repeat(0).take(50 * MB), &mut enc).unwrap();
    let bomb = enc.finish().unwrap();
    let err = load_bytes("zeros.tgz", &bomb, &bomb_limits(), &all).unwrap_err();
    assert!(matches!(err, IngestError::TooManyBytes { .. }), "{err:?}");

    // Zeros after a valid, complete tar are still inflated and counted.
    let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
    enc.write_all(&tar_of(&[file("package/a.js", b"a")]))
        .unwrap();
    std::io::copy(&mut std::io::repeat(0).take(50 * MB), &mut enc).unwrap();
    let bomb = enc.finish().unwrap();
    let err = load_bytes("tail.tgz", &bomb, &bomb_limits(), &all).unwrap_err();
    assert!(matches!(err, IngestError::TooManyBytes { .. }), "{err:?}");
}

#[test]
fn size_bomb_in_a_zip_is_an_error() {
    let mut w = ZipWriter::new(Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .large_file(true);
    w.start_file("bomb.js", opts).unwrap();
    std::io::copy(&mut std::io::repeat(0).take(50 * MB), &mut w).unwrap();
    let bomb = w.finish().unwrap().into_inner();
    for wanted in [&all as &dyn Fn(&str) -> bool, &|_: &str| false] {
        let err = load_bytes("bomb.zip", &bomb, &bomb_limits(), wanted).unwrap_err();
        assert!(matches!(err, IngestError::TooManyBytes { .. }), "{err:?}");
    }
}

#[test]
fn a_file_over_the_per_file_limit_is_an_error() {
    let limits = Limits {
        max_file_bytes: 10,
        ..Limits::default()
    };
    let bytes = tgz(&[file("package/big.js", b"01234567890")]);
    let err = load_bytes("f.tgz", &bytes, &limits, &all).unwrap_err();
    assert!(
        matches!(&err, IngestError::FileTooLarge { entry, limit: 10 } if entry == "package/big.js"),
        "{err:?}"
    );
    // Not wanted: not kept in memory, so not an error.
    assert!(load_bytes("f.tgz", &bytes, &limits, &|_: &str| false).is_ok());

    let zip = zip_of(&[("big.js", b"01234567890")]);
    assert!(matches!(
        load_bytes("f.zip", &zip, &limits, &all),
        Err(IngestError::FileTooLarge { .. })
    ));
    assert!(matches!(
        load_bytes("big.js", b"01234567890", &limits, &all),
        Err(IngestError::FileTooLarge { .. })
    ));
}

// ---------------------------------------------------------------- targets on disk

#[test]
fn load_target_detects_archives_by_magic_not_extension() {
    let dir = tempfile::tempdir().unwrap();
    let disguised = dir.path().join("readme.txt");
    std::fs::write(&disguised, tgz(&[file("package/a.js", b"a")])).unwrap();
    let t = load_target(disguised.to_str().unwrap(), &Limits::default(), &all).unwrap();
    assert_eq!(paths(&t), ["package/a.js"]);

    let fake = dir.path().join("fake.tgz");
    std::fs::write(&fake, b"not really a tarball").unwrap();
    let err = load_target(fake.to_str().unwrap(), &Limits::default(), &all).unwrap_err();
    assert!(matches!(err, IngestError::NotAnArchive { .. }), "{err:?}");
    let plain = dir.path().join("notes.txt");
    std::fs::write(&plain, b"not really a tarball").unwrap();
    let t = load_target(plain.to_str().unwrap(), &Limits::default(), &all).unwrap();
    assert_eq!(paths(&t), ["notes.txt"]);
    assert_eq!(t.files[0].bytes, b"not really a tarball");

    let zip = dir.path().join("ext.vsix");
    std::fs::write(&zip, zip_of(&[("extension/a.js", b"a")])).unwrap();
    let t = load_target(zip.to_str().unwrap(), &Limits::default(), &all).unwrap();
    assert_eq!(paths(&t), ["extension/a.js"]);

    let tar = dir.path().join("p.tar");
    std::fs::write(&tar, tar_of(&[file("package/a.js", b"a")])).unwrap();
    let t = load_target(tar.to_str().unwrap(), &Limits::default(), &all).unwrap();
    assert_eq!(paths(&t), ["package/a.js"]);

    let bomb = dir.path().join("bomb.tgz");
    std::fs::write(&bomb, zero_tgz(50 * MB)).unwrap();
    let err = load_target(bomb.to_str().unwrap(), &bomb_limits(), &all).unwrap_err();
    assert!(matches!(err, IngestError::TooManyBytes { .. }), "{err:?}");
}

#[test]
fn missing_target_is_not_found() {
    let err = load_target("/definitely/not/here.tgz", &Limits::default(), &all).unwrap_err();
    assert!(matches!(err, IngestError::NotFound { .. }), "{err:?}");
    assert!(err.to_string().contains("/definitely/not/here.tgz"));
}

#[test]
fn directory_targets_include_hidden_files_and_node_modules() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("node_modules/dep")).unwrap();
    std::fs::create_dir_all(root.join(".hidden")).unwrap();
    std::fs::write(root.join("index.js"), b"i").unwrap();
    std::fs::write(root.join(".hidden/x.js"), b"h").unwrap();
    std::fs::write(root.join("node_modules/dep/index.js"), b"d").unwrap();
    std::fs::write(root.join("empty.js"), b"").unwrap();
    let t = load_target(root.to_str().unwrap(), &Limits::default(), &all).unwrap();
    assert_eq!(
        paths(&t),
        [
            ".hidden/x.js",
            "empty.js",
            "index.js",
            "node_modules/dep/index.js"
        ]
    );
    assert!(t.warnings.is_empty(), "{:?}", t.warnings);

    let limits = Limits {
        max_entries: 3,
        ..Limits::default()
    };
    let err = load_target(root.to_str().unwrap(), &limits, &all).unwrap_err();
    assert!(matches!(err, IngestError::TooManyEntries { .. }), "{err:?}");

    let limits = Limits {
        max_total_bytes: 2,
        ..Limits::default()
    };
    let err = load_target(root.to_str().unwrap(), &limits, &all).unwrap_err();
    assert!(matches!(err, IngestError::TooManyBytes { .. }), "{err:?}");
}

#[cfg(unix)]
#[test]
fn directory_symlinks_are_never_followed() {
    let outer = tempfile::tempdir().unwrap();
    let secret = outer.path().join("secret.txt");
    std::fs::write(&secret, b"TOP SECRET").unwrap();
    let root = outer.path().join("pkg");
    std::fs::create_dir(&root).unwrap();
    std::fs::write(root.join("index.js"), b"i").unwrap();
    std::os::unix::fs::symlink(&secret, root.join("abs-link.txt")).unwrap();
    std::os::unix::fs::symlink("../secret.txt", root.join("rel-link.txt")).unwrap();
    std::os::unix::fs::symlink("index.js", root.join("inside-link.js")).unwrap();
    std::os::unix::fs::symlink(outer.path(), root.join("dir-link")).unwrap();

    let t = load_target(root.to_str().unwrap(), &Limits::default(), &all).unwrap();
    assert_eq!(paths(&t), ["index.js"]);
    assert!(t.files.iter().all(|f| f.bytes != b"TOP SECRET"));
    assert_eq!(t.warnings.len(), 4, "{:?}", t.warnings);
    for w in &t.warnings {
        assert!(w.starts_with("skipped symlink "), "{w}");
        let outside = w.contains("outside the scanned directory");
        assert_eq!(outside, !w.contains("inside-link.js"), "{w}");
    }
    assert!(t
        .warnings
        .iter()
        .any(|w| w.starts_with("skipped symlink rel-link.txt -> ../secret.txt")));
}

// ---------------------------------------------------------------- the real corpus

#[test]
fn real_npm_tarball_loads() {
    let Some(path) = corpus("npm/chalk-5.4.1.tgz") else {
        return;
    };
    let t = load_target(path.to_str().unwrap(), &Limits::default(), &all).unwrap();
    assert!(
        paths(&t).contains(&"package/package.json"),
        "{:?}",
        paths(&t)
    );
    assert!(t.files.windows(2).all(|w| w[0].path < w[1].path));
    assert!(t.warnings.is_empty(), "{:?}", t.warnings);
    let manifest = t
        .files
        .iter()
        .find(|f| f.path == "package/package.json")
        .unwrap();
    assert!(String::from_utf8_lossy(&manifest.bytes).contains("\"chalk\""));
}

#[test]
fn every_corpus_tarball_loads() {
    let Some(dir) = corpus("npm") else {
        return;
    };
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "tgz") {
            let t = load_target(path.to_str().unwrap(), &Limits::default(), &all)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert!(
                t.files.iter().any(|f| f.path.ends_with("package.json")),
                "{}",
                path.display()
            );
            n += 1;
        }
    }
    println!("loaded {n} corpus tarballs");
}

// ---------------------------------------------------------------- Electron asar

/// `app.asar` as `@electron/asar` 4.3.2 packed it (scripts/gen-packer-fixtures.sh).
const ASAR: &[u8] = include_bytes!("fixtures/asar/app.asar");

/// An asar archive with this JSON header, then `data`.
fn asar_of(json: &str, data: &[u8]) -> Vec<u8> {
    let header_size = 8 + json.len().div_ceil(4) * 4;
    let mut out = Vec::new();
    for n in [4, header_size, header_size - 4, json.len()] {
        out.extend_from_slice(&(n as u32).to_le_bytes());
    }
    out.extend_from_slice(json.as_bytes());
    out.resize(8 + header_size, 0);
    out.extend_from_slice(data);
    out
}

#[test]
fn asar_archives_load_by_header_not_by_name() {
    assert_eq!(telltale_ingest::container_format(ASAR), Some("asar"));
    for name in ["resources/app.asar", "payload.bin"] {
        let t = load(name, ASAR).unwrap();
        assert_eq!(
            paths(&t),
            [
                "config.json",
                "lib/track-copy.js",
                "lib/track.js",
                "main.js",
                "package.json"
            ],
            "{name}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let on_disk = dir.path().join("resources.dat");
    std::fs::write(&on_disk, ASAR).unwrap();
    let t = load_target(on_disk.to_str().unwrap(), &Limits::default(), &all).unwrap();
    assert_eq!(t.files.len(), 5);
    assert!(
        t.warnings
            .iter()
            .any(|w| w.contains("native/addon.node") && w.contains("app.asar.unpacked")),
        "{:?}",
        t.warnings
    );
    // Only the header decides: JSON text that happens to start with a brace is one file.
    assert_eq!(
        paths(&load("app.asar", br#"{"files":{}}"#).unwrap()),
        ["app.asar"]
    );
}

#[test]
fn asar_entries_escaping_the_root_are_errors() {
    let file = r#"{"offset":"0","size":1}"#;
    for (json, what) in [
        (
            format!(r#"{{"files":{{"..":{{"files":{{"x.js":{file}}}}}}}}}"#),
            "a `..` directory",
        ),
        (
            format!(r#"{{"files":{{"../../.bashrc":{file}}}}}"#),
            "a name climbing out",
        ),
        (
            format!(
                r#"{{"files":{{"a":{{"files":{{"..":{{"files":{{"..":{{"files":{{"x":{file}}}}}}}}}}}}}}}}}"#
            ),
            "nested `..` directories",
        ),
        (
            format!(r#"{{"files":{{"..\\..\\x":{file}}}}}"#),
            "backslashes",
        ),
    ] {
        // `a/..` is refused before the second `..` can climb out.
        assert!(
            matches!(
                load("app.asar", &asar_of(&json, b"x")),
                Err(IngestError::PathEscapes { .. } | IngestError::ParentComponent { .. })
            ),
            "{what}: {json}"
        );
    }
    assert!(matches!(
        load(
            "app.asar",
            &asar_of(&format!(r#"{{"files":{{"/etc/cron.d/x":{file}}}}}"#), b"x")
        ),
        Err(IngestError::AbsolutePath { .. })
    ));
    assert!(matches!(
        load(
            "app.asar",
            &asar_of(&format!(r#"{{"files":{{"C:\\x":{file}}}}}"#), b"x")
        ),
        Err(IngestError::AbsolutePath { .. })
    ));
    for link in ["../../etc/passwd", "/etc/passwd", "a/../../x"] {
        let json = format!(r#"{{"files":{{"lib":{{"files":{{"l":{{"link":"{link}"}}}}}}}}}}"#);
        assert!(
            matches!(
                load("app.asar", &asar_of(&json, b"")),
                Err(IngestError::LinkEscapes { .. })
            ),
            "{link}"
        );
    }
    // A link inside the archive is skipped with a warning, never followed.
    let t = load(
        "app.asar",
        &asar_of(
            r#"{"files":{"a.js":{"offset":"0","size":1},"b.js":{"link":"a.js"}}}"#,
            b"x",
        ),
    )
    .unwrap();
    assert_eq!(paths(&t), ["a.js"]);
    assert!(t.warnings.iter().any(|w| w.contains("b.js -> a.js")));
}

#[test]
fn asar_truncated_or_mutated_never_panics() {
    for cut in 0..ASAR.len() {
        // Too short for the header to be recognised: one plain file; else an error.
        if let Ok(t) = load("app.asar", &ASAR[..cut]) {
            assert!(cut <= 16 && paths(&t) == ["app.asar"], "cut at {cut}");
        }
    }
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..3000 {
        let mut bytes = ASAR.to_vec();
        for _ in 0..4 {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            let at = (rng % bytes.len() as u64) as usize;
            bytes[at] = (rng >> 32) as u8;
        }
        let _ = load("app.asar", &bytes);
    }
}

#[test]
fn asar_declared_sizes_are_checked_before_anything_is_read() {
    // Sizes and offsets no archive of these bytes has: errors, never allocations.
    for entry in [
        r#"{"offset":"0","size":4294967296000}"#,
        r#"{"offset":"99999999999999999999","size":1}"#,
        r#"{"offset":"3","size":2}"#,
    ] {
        let json = format!(r#"{{"files":{{"a.js":{entry}}}}}"#);
        assert!(
            load("app.asar", &asar_of(&json, b"abcd")).is_err(),
            "{entry}"
        );
    }
    let limits = Limits {
        max_total_bytes: 1000,
        max_entries: 3,
        max_file_bytes: 10,
    };
    let many = format!(
        r#"{{"files":{{{}}}}}"#,
        (0..4)
            .map(|i| format!(r#""f{i}.js":{{"offset":"0","size":1}}"#))
            .collect::<Vec<_>>()
            .join(",")
    );
    assert!(matches!(
        load_bytes("app.asar", &asar_of(&many, b"x"), &limits, &all),
        Err(IngestError::TooManyEntries { .. })
    ));
    let big = asar_of(
        r#"{"files":{"a.js":{"offset":"0","size":11}}}"#,
        &[b'x'; 11],
    );
    assert!(matches!(
        load_bytes("app.asar", &big, &limits, &all),
        Err(IngestError::FileTooLarge { .. })
    ));
    let total = Limits {
        max_total_bytes: 10,
        ..Limits::default()
    };
    assert!(matches!(
        load_bytes("app.asar", &big, &total, &all),
        Err(IngestError::TooManyBytes { .. })
    ));
}
