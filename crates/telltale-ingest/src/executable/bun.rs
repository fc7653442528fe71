//! Bun standalone executables (`bun build --compile`, how `@anthropic-ai/claude-code` ships
//! since 2.x, `@ampcode/cli` and opencode too).
//!
//! Bun stores a module graph (its `StandaloneModuleGraph`: `src/StandaloneModuleGraph.zig` of
//! oven-sh/bun, since moved to `src/standalone_graph/StandaloneModuleGraph.zig`) in the
//! executable:
//!
//! - Linux, 1.0 to 1.3.7 at least: appended to the file, which then ends with its own size
//!   (u64); by 1.3.13 and in 1.4: the `.bun` section, `[u64 length][graph]`;
//! - macOS: the section `__BUN,__bun`, `[length][graph]` (a u32 length in the older source,
//!   a u64 in the newer);
//! - Windows: the `.bun` section.
//!
//! The graph is a string table, the module records and an `Offsets` record, then the trailer;
//! every pointer is `(u32 offset, u32 length)` from the graph's start:
//!
//! ```text
//! … names, contents, bytecode … records[] … Offsets … "\n---- Bun! ----\n"
//! Offsets: u64 byte_count (where Offsets starts), modules pointer, u32 entry point id,
//!          then since 1.3 the compile exec argv pointer and u32 flags: 32 bytes, 24 before
//! record, by 1.3.13 and in 1.4 (52 bytes): name, contents, sourcemap, bytecode, module_info,
//!          bytecode_origin_path, u8 encoding, u8 loader, u8 module_format, u8 side
//! record, 1.1 to 1.3.7 (36 bytes): name, contents, sourcemap, bytecode, encoding, loader,
//!          module_format, side
//! record, 1.0 (32 bytes): name, contents, sourcemap, u8 loader
//! ```
//!
//! `encoding` is 0 binary, 1 Latin-1, 2 (`utf8` in the source, "not used yet"): Bun 1.4
//! writes 2 for scripts it stores as UTF-16LE, as JavaScriptCore holds them, which is every
//! script with a character past ASCII (legal comments keep them verbatim; the printer escapes
//! the rest). `@ampcode/cli-linux-x64` 0.0.1790142911 (Bun 1.4.1) has a 13.6 MB UTF-16 entry
//! point. Bun 1.1 to 1.3 wrote such scripts' UTF-8 bytes under the Latin-1 label, and 1.0
//! wrote UTF-8 with no label. `loader` 0 to 3 (jsx, js, ts, tsx) are scripts in every release;
//! later values moved (napi was 9, is 10 since jsonc). The layouts were read in those sources
//! and checked on executables the real `bun` wrote: 1.0.35, 1.1.45, 1.2.19, 1.3.0, 1.3.7,
//! 1.3.13, 1.4.5.
//!
//! The reader finds the trailer (in the section, in the last page of the file, or, when the
//! container does not read, anywhere from the end), takes the `Offsets` size and record size
//! at which every field checks out (each pointer inside the graph, each record named by a
//! `/$bunfs/` or `B:/~BUN/` path), and decodes each script by its encoding checked against
//! its bytes: UTF-16 and Latin-1 into owned text, UTF-8 and ASCII borrowed. Scripts are
//! modules; a script whose bytecode is all that is left (its source empty or only the
//! `// @bun` line) is unreadable; native addons, wasm and other assets are files.
//!
//! Example: `package/claude` → `package/claude › /$bunfs/root/cli`, `… › /$bunfs/root/chunk-….js`;
//! `package/amp` → `package/amp › /$bunfs/root/amp-linux-x64` and two `keyring.*.node` files.

use super::{Embedded, EmbeddedFile, EmbeddedModule, Unreadable};
use object::{Object, ObjectSection};
use std::borrow::Cow;

const TRAILER: &[u8] = b"\n---- Bun! ----\n";
/// `Offsets` since 1.3 (with the compile exec argv and flags), and before.
const OFFSETS_LENS: [usize; 2] = [32, 24];
/// Record sizes of known releases, tried before any other.
const RECORD_LENS: [usize; 3] = [52, 36, 32];
/// Where the appended graph's trailer can be: the last page of the file.
const APPENDED_TAIL: usize = 4096;
/// Trailers tried when the container does not read: Bun's own code holds the string too.
const MAX_TRAILERS: usize = 16;

const MAX_NAME: usize = 4096;
/// What may be copied out of a graph (names, decoded text), per byte of it, plus slack.
const OWNED_PER_GRAPH_BYTE: usize = 4;
const OWNED_SLACK: usize = 1 << 16;

const ENCODING_LATIN1: u8 = 1;
const ENCODING_UTF16: u8 = 2;

/// What a Bun standalone executable embeds; `None` when there is no Bun module graph (a
/// plain native binary) or it cannot be read.
pub fn bun_modules(bytes: &[u8]) -> Option<Embedded<'_>> {
    if let Ok(file) = object::File::parse(bytes) {
        for section in file.sections() {
            let name = section.name().unwrap_or("");
            let segment = section.segment_name().ok().flatten().unwrap_or("");
            if matches!(name, ".bun" | "__bun" | "__BUN") || segment == "__BUN" {
                if let Some(graph) = section.data().ok().and_then(in_section) {
                    return Some(graph);
                }
            }
        }
    }
    // Appended: the trailer in the last page, the file's size after it.
    let tail = bytes.len().saturating_sub(APPENDED_TAIL);
    if let Some(graph) =
        memchr::memmem::rfind(&bytes[tail..], TRAILER).and_then(|at| read_graph(bytes, tail + at))
    {
        return Some(graph);
    }
    // A container this could not read (a truncated executable): any trailer, from the end.
    memchr::memmem::rfind_iter(bytes, TRAILER)
        .take(MAX_TRAILERS)
        .find_map(|at| read_graph(bytes, at))
}

/// A section's graph: after its length when the length fits, else wherever the trailer is.
fn in_section(data: &[u8]) -> Option<Embedded<'_>> {
    for header in [8usize, 4] {
        let Some(len) = data
            .get(..header)
            .map(|h| h.iter().rev().fold(0u64, |n, &b| n << 8 | u64::from(b)))
        else {
            continue;
        };
        let end = usize::try_from(len)
            .ok()
            .and_then(|len| len.checked_add(header))
            .filter(|&end| end <= data.len());
        if let Some(graph) = end
            .and_then(|end| data[..end].strip_suffix(TRAILER))
            .and_then(|g| read_graph(data, g.len()))
        {
            return Some(graph);
        }
    }
    let at = memchr::memmem::rfind(data, TRAILER)?;
    read_graph(data, at)
}

fn u32_at(b: &[u8], at: usize) -> Option<usize> {
    let b = b.get(at..at.checked_add(4)?)?;
    usize::try_from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])).ok()
}

fn u64_at(b: &[u8], at: usize) -> Option<usize> {
    let b: [u8; 8] = b.get(at..at.checked_add(8)?)?.try_into().ok()?;
    usize::try_from(u64::from_le_bytes(b)).ok()
}

/// A (offset, length) pair of a record, as a slice of the graph; `None` when outside it.
fn pointer<'a>(graph: &'a [u8], record: &[u8], at: usize) -> Option<&'a [u8]> {
    let (off, len) = (u32_at(record, at)?, u32_at(record, at + 4)?);
    graph.get(off..off.checked_add(len)?)
}

/// A path of Bun's virtual file system (at most a path's length).
fn is_module_path(name: &[u8]) -> bool {
    name.len() <= MAX_NAME
        && (name.starts_with(b"/$bunfs/")
            || name.starts_with(b"B:/~BUN/")
            || name.starts_with(b"B:\\~BUN\\"))
}

/// The graph whose trailer is at `trailer_at` in `bytes`.
fn read_graph(bytes: &[u8], trailer_at: usize) -> Option<Embedded<'_>> {
    OFFSETS_LENS.iter().find_map(|&offsets_len| {
        let offsets_at = trailer_at.checked_sub(offsets_len)?;
        let byte_count = u64_at(bytes, offsets_at)?;
        // The graph runs from byte_count before the Offsets to the trailer.
        let graph = &bytes[offsets_at.checked_sub(byte_count)?..offsets_at];
        let offsets = &bytes[offsets_at..trailer_at];
        let (modules_off, modules_len, entry) = (
            u32_at(offsets, 8)?,
            u32_at(offsets, 12)?,
            u32_at(offsets, 16)?,
        );
        if offsets_len == 32 {
            pointer(graph, offsets, 20)?; // the compile exec argv
        }
        let table = graph.get(modules_off..modules_off.checked_add(modules_len)?)?;
        let size = record_len(graph, table)?;
        if entry > table.len() / size {
            return None;
        }
        Some(read_records(graph, table, size))
    })
}

/// The record size at which every record is a module named by a path, its contents inside
/// the graph: a known release's first.
fn record_len(graph: &[u8], table: &[u8]) -> Option<usize> {
    let fits = |size: usize| {
        !table.is_empty()
            && table.len().is_multiple_of(size)
            && table.chunks_exact(size).all(|r| {
                pointer(graph, r, 0).is_some_and(is_module_path) && pointer(graph, r, 8).is_some()
            })
    };
    RECORD_LENS
        .into_iter()
        .chain((16..=128).step_by(4))
        .find(|&size| fits(size))
}

/// One record's fields as a layout says them.
struct Record<'a> {
    name: &'a [u8],
    contents: &'a [u8],
    bytecode: &'a [u8],
    /// Unknown in 1.0.x and unknown layouts: decided from the bytes.
    encoding: Option<u8>,
    loader: Option<u8>,
}

fn record<'a>(graph: &'a [u8], r: &[u8]) -> Option<Record<'a>> {
    let (name, contents) = (pointer(graph, r, 0)?, pointer(graph, r, 8)?);
    let (bytecode, encoding, loader) = match r.len() {
        52 => (
            pointer(graph, r, 24).unwrap_or_default(),
            Some(r[48]),
            Some(r[49]),
        ),
        36 => (
            pointer(graph, r, 24).unwrap_or_default(),
            Some(r[32]),
            Some(r[33]),
        ),
        32 => (&[][..], None, Some(r[24])),
        _ => (&[][..], None, None),
    };
    Some(Record {
        name,
        contents,
        bytecode,
        encoding,
        loader,
    })
}

fn read_records<'a>(graph: &'a [u8], table: &[u8], size: usize) -> Embedded<'a> {
    let mut out = Embedded::new("bun");
    // Records point into the graph, so crafted ones can all point at the same bytes: what is
    // copied out (names, decoded text) is bounded by what honest records, which never
    // overlap, can need.
    let mut budget = graph
        .len()
        .saturating_mul(OWNED_PER_GRAPH_BYTE)
        .saturating_add(OWNED_SLACK);
    let mut records = table.chunks_exact(size);
    for r in records.by_ref() {
        let Some(rec) = record(graph, r) else {
            continue;
        };
        // Lossy UTF-8 triples invalid bytes at most; UTF-16 and Latin-1 decode to less.
        let cost = rec
            .name
            .len()
            .saturating_add(rec.contents.len().saturating_mul(3));
        if cost > budget {
            let left = 1 + records.len();
            out.unreadable.push(Unreadable {
                name: format!("{left} module records"),
                bytes: rec.contents.len() as u64,
                why: "not read: the graph's records overlap past the reader's bound".into(),
            });
            break;
        }
        let name = String::from_utf8_lossy(rec.name).into_owned();
        // Loaders 0–3 are scripts; other loaders are files, not decoded. Without a loader
        // (1.0's layout has one; unknown layouts not), the text says.
        let text = match rec.loader {
            Some(loader) if loader > 3 => None,
            Some(_) => Some(decode(rec.contents, rec.encoding)),
            None => Some(decode(rec.contents, rec.encoding)).filter(|t| looks_like_js(&name, t)),
        };
        budget = budget.saturating_sub(
            name.len()
                + if let Some(Cow::Owned(t)) = &text {
                    t.len()
                } else {
                    0
                },
        );
        match text {
            Some(_) if !rec.bytecode.is_empty() && text.as_deref().is_some_and(is_stub) => {
                out.unreadable.push(Unreadable {
                    name,
                    bytes: rec.bytecode.len() as u64,
                    why: "bytecode only".into(),
                });
            }
            Some(text) if !text.trim().is_empty() => {
                out.modules.push(EmbeddedModule { name, text })
            }
            Some(_) => {}
            None if !rec.contents.is_empty() => out.files.push(EmbeddedFile {
                name,
                bytes: Cow::Borrowed(rec.contents),
            }),
            None => {}
        }
    }
    out
}

/// Contents as text, by the record's encoding checked against the bytes: UTF-16LE and
/// Latin-1 decoded, UTF-8 and ASCII borrowed. A UTF-16 script holds NUL bytes (the high bytes
/// of its ASCII) and a UTF-8 one none, so NUL-free valid UTF-8 under the UTF-16 label (which
/// Bun's source still names `utf8`) is taken as UTF-8; Bun 1.1–1.3 labelled UTF-8 bytes
/// Latin-1, so valid UTF-8 under that label is taken as UTF-8 too. Nothing is refused: bytes
/// that are not what the label says (an odd byte, a lone surrogate, invalid UTF-8) become
/// U+FFFD, so a crafted record cannot hide its code.
fn decode(contents: &[u8], encoding: Option<u8>) -> Cow<'_, str> {
    match encoding {
        Some(ENCODING_UTF16) => {
            if !contents[..contents.len().min(512)].contains(&0) {
                if let Ok(text) = std::str::from_utf8(contents) {
                    return Cow::Borrowed(text);
                }
            }
            let units = contents
                .chunks_exact(2)
                .map(|p| u16::from_le_bytes([p[0], p[1]]));
            Cow::Owned(
                char::decode_utf16(units)
                    .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
                    .collect(),
            )
        }
        Some(ENCODING_LATIN1) => match std::str::from_utf8(contents) {
            Ok(text) => Cow::Borrowed(text),
            Err(_) => Cow::Owned(contents.iter().map(|&b| char::from(b)).collect()),
        },
        // Binary (0), 1.0's unlabelled UTF-8, and whatever a later release adds.
        _ => String::from_utf8_lossy(contents),
    }
}

/// Nothing left but the pragma line Bun writes (`// @bun @bytecode @bun-cjs`).
fn is_stub(text: &str) -> bool {
    let text = text.trim_start_matches('\u{feff}').trim();
    text.is_empty() || (text.starts_with("// @bun") && !text.contains('\n'))
}

/// Sources Bun wrote (`// @bun`, in whichever encoding they were stored: decoded first), or
/// files named as scripts and holding no NUL.
fn looks_like_js(name: &str, text: &str) -> bool {
    text.starts_with("// @bun")
        || ([".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".tsx", ".jsx"]
            .iter()
            .any(|e| name.ends_with(e))
            && !text.contains('\0'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::executable::{embedded_modules, is_executable};

    /// A Bun graph as 1.3.13+ writes it: 52-byte records (name, contents, sourcemap,
    /// bytecode, module_info, bytecode_origin_path, four flag bytes), 32-byte Offsets.
    fn graph(modules: &[(&str, &[u8])], entry: u32) -> Vec<u8> {
        graph_with(modules, entry, |_| [1, 1, 1, 0])
    }

    fn graph_with(
        modules: &[(&str, &[u8])],
        entry: u32,
        flags: impl Fn(&str) -> [u8; 4],
    ) -> Vec<u8> {
        let mut payload = Vec::new();
        let mut records = Vec::new();
        for (name, contents) in modules {
            let name_at = payload.len() as u32;
            payload.extend_from_slice(name.as_bytes());
            payload.push(0);
            let contents_at = payload.len() as u32;
            payload.extend_from_slice(contents);
            payload.push(0);
            let mut r = Vec::new();
            for (off, len) in [
                (name_at, name.len() as u32),
                (contents_at, contents.len() as u32),
                (0, 0),
                (0, 0),
                (0, 0),
                (0, 0),
            ] {
                r.extend_from_slice(&off.to_le_bytes());
                r.extend_from_slice(&len.to_le_bytes());
            }
            r.extend_from_slice(&flags(name));
            records.push(r);
        }
        let table_at = payload.len() as u32;
        let table: Vec<u8> = records.concat();
        payload.extend_from_slice(&table);
        let mut offsets = Vec::new();
        offsets.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        offsets.extend_from_slice(&table_at.to_le_bytes());
        offsets.extend_from_slice(&(table.len() as u32).to_le_bytes());
        offsets.extend_from_slice(&entry.to_le_bytes());
        offsets.extend_from_slice(&(payload.len() as u32).to_le_bytes());
        offsets.extend_from_slice(&[0; 8]);
        payload.extend_from_slice(&offsets);
        payload.extend_from_slice(TRAILER);
        payload
    }

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!(
            "{}/tests/fixtures/executables/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read(&path)
            .unwrap_or_else(|e| panic!("{path}: {e} (scripts/gen-executable-fixtures.sh)"))
    }

    const FIXTURES: [&str; 6] = [
        "bun-1.4.5-latin1.elf",
        "bun-1.4.5-utf16.elf",
        "bun-1.4.5-bytecode.elf",
        "bun-1.4.5-assets.elf",
        "bun-1.3.7-bytecode.elf",
        "bun-1.2.19-utf8-as-latin1.elf",
    ];

    #[test]
    fn appended_graph_yields_its_modules() {
        let g = graph_with(
            &[
                (
                    "/$bunfs/root/chunk-a.js",
                    b"// @bun\nfetch('https://t.example.com')",
                ),
                ("/$bunfs/root/icon.png", b"\x89PNG\0\0"),
                (
                    "/$bunfs/root/cli",
                    b"// @bun @bytecode\nrequire('./chunk-a.js')",
                ),
            ],
            2,
            |n| {
                if n.ends_with(".png") {
                    [0, 5, 0, 0]
                } else {
                    [1, 1, 2, 0]
                }
            },
        );
        let mut exe = b"\x7fELF not really an elf, a file with the graph appended ".to_vec();
        exe.extend_from_slice(&g);
        let e = bun_modules(&exe).expect("graph found");
        let names: Vec<&str> = e.modules.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, vec!["/$bunfs/root/chunk-a.js", "/$bunfs/root/cli"]);
        assert!(e.modules[0].text.contains("t.example.com"));
        assert_eq!(e.files.len(), 1);
    }

    #[test]
    fn plain_binaries_and_garbage_have_no_graph() {
        assert!(bun_modules(b"\x7fELF\x02\x01\x01 plain").is_none());
        let mut broken = graph(&[("/$bunfs/root/cli", b"// @bun\n1")], 0);
        let n = broken.len();
        broken[n - 40] ^= 0xff; // corrupt the table offset
        assert!(bun_modules(&broken).is_none());
        // A table offset past the end, a zero-length table: no panic, no graph.
        for cut in [1, 8, 30, 60] {
            let g = graph(&[("/$bunfs/root/cli", b"// @bun\n1")], 0);
            let _ = bun_modules(&g[cut.min(g.len())..]);
        }
        assert!(is_executable(b"\x7fELF..."));
        assert!(!is_executable(b"#!/bin/sh"));
    }

    /// The records of `@ampcode/cli-linux-x64`: a UTF-16 entry point (flags `02 01 01 00`),
    /// native addons (`00 0a 00 01`).
    #[test]
    fn utf16_entry_and_native_addons_as_amp_stores_them() {
        let source = "// @bun\nvar 遥测 = 'https://t.example.com/amp';\n";
        let utf16: Vec<u8> = source.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let g = graph_with(
            &[
                ("/$bunfs/root/amp-linux-x64", &utf16),
                (
                    "/$bunfs/root/keyring.linux-x64-gnu.node",
                    b"\x7fELF\x02\x01\x01\0addon",
                ),
            ],
            0,
            |n| {
                if n.ends_with(".node") {
                    [0, 10, 0, 1]
                } else {
                    [2, 1, 1, 0]
                }
            },
        );
        let e = bun_modules(&g).expect("graph found");
        assert_eq!(e.modules.len(), 1);
        assert_eq!(
            (e.modules[0].name.as_str(), &*e.modules[0].text),
            ("/$bunfs/root/amp-linux-x64", source)
        );
        assert!(matches!(e.modules[0].text, Cow::Owned(_)));
        assert_eq!(
            (e.files[0].name.as_str(), &e.files[0].bytes[..4]),
            ("/$bunfs/root/keyring.linux-x64-gnu.node", &b"\x7fELF"[..])
        );
    }

    #[test]
    fn decoding_follows_the_label_and_never_refuses() {
        assert!(matches!(
            decode(b"// @bun\nascii", Some(ENCODING_LATIN1)),
            Cow::Borrowed("// @bun\nascii")
        ));
        assert_eq!(decode(b"caf\xe9 \xa9", Some(ENCODING_LATIN1)), "café ©");
        assert_eq!(
            decode("café".as_bytes(), Some(ENCODING_LATIN1)),
            "café",
            "1.1–1.3 wrote UTF-8 under the Latin-1 label"
        );
        assert_eq!(
            decode(b"a\0b\0\x00\xd8c\0", Some(ENCODING_UTF16)),
            "ab\u{fffd}c",
            "a lone surrogate"
        );
        assert_eq!(decode(b"a\0b", Some(ENCODING_UTF16)), "a", "an odd byte");
        assert_eq!(decode(b"\xff\xfe", None), "\u{fffd}\u{fffd}");
        assert!(
            matches!(
                decode(b"// @bun\nutf-8", Some(ENCODING_UTF16)),
                Cow::Borrowed("// @bun\nutf-8")
            ),
            "no NUL: not UTF-16"
        );
        assert!(
            is_stub("// @bun @bytecode @bun-cjs\n") && is_stub("") && !is_stub("// @bun\nrun()")
        );
        assert!(
            looks_like_js("/$bunfs/root/x", "// @bun\n")
                && looks_like_js("/$bunfs/root/x.mjs", "x()")
                && !looks_like_js("/$bunfs/root/x.mjs", "x\0")
        );
    }

    #[test]
    fn bytecode_with_only_a_stub_left_is_unreadable() {
        let exe = fixture("bun-1.4.5-bytecode.elf");
        let e = bun_modules(&exe).expect("graph found");
        assert_eq!(
            (e.modules.len(), e.unreadable.len()),
            (1, 0),
            "the source is kept beside the bytecode"
        );
        // The same record with its contents cut down to the pragma line.
        let mut stub = exe.clone();
        let at = memchr::memmem::find(&stub, b"// @bun @bytecode @bun-cjs\n").unwrap();
        let newline = at + "// @bun @bytecode @bun-cjs".len();
        stub[newline..newline + 40].copy_from_slice(&[b' '; 40]);
        let all = memchr::memmem::find(&stub, b"console.log(\"bytecode fixture ok\");").unwrap();
        for b in &mut stub[newline..all + 40] {
            if *b != 0 {
                *b = b' ';
            }
        }
        let e = bun_modules(&stub).expect("graph found");
        assert_eq!(e.modules.len(), 0);
        assert_eq!(e.unreadable.len(), 1);
        assert_eq!(
            (e.unreadable[0].name.as_str(), e.unreadable[0].why.as_str()),
            ("/$bunfs/root/bun-1.4.5-bytecode", "bytecode only")
        );
        assert!(e.unreadable[0].bytes > 100);
    }

    /// Thousands of records naming the same UTF-16 contents: decoded while the bound allows,
    /// then one unreadable entry for the rest.
    #[test]
    fn overlapping_records_are_not_decoded_past_a_bound() {
        let source = format!(
            "// @bun\nfetch('https://t.example.com/{}');\n",
            "遥测".repeat(2000)
        );
        let utf16: Vec<u8> = source.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let mut g = graph_with(&[("/$bunfs/root/a.js", &utf16)], 0, |_| [2, 1, 1, 0]);
        // Repeat the one record 4000 times: the table grows, the contents do not.
        let n = g.len();
        let offsets_at = n - TRAILER.len() - 32;
        let (table_at, table_len) = (
            u32_at(&g, offsets_at + 8).unwrap(),
            u32_at(&g, offsets_at + 12).unwrap(),
        );
        let record = g[table_at..table_at + table_len].to_vec();
        let mut grown = g[..offsets_at].to_vec();
        let new_table_at = grown.len();
        for _ in 0..4000 {
            grown.extend_from_slice(&record);
        }
        let mut offsets = g[offsets_at..n - TRAILER.len()].to_vec();
        offsets[..8].copy_from_slice(&(grown.len() as u64).to_le_bytes());
        offsets[8..12].copy_from_slice(&(new_table_at as u32).to_le_bytes());
        offsets[12..16].copy_from_slice(&((record.len() * 4000) as u32).to_le_bytes());
        grown.extend_from_slice(&offsets);
        grown.extend_from_slice(TRAILER);
        g = grown;
        let e = bun_modules(&g).expect("graph found");
        let owned: usize = e.modules.iter().map(|m| m.text.len() + m.name.len()).sum();
        assert!(
            owned <= g.len() * OWNED_PER_GRAPH_BYTE + OWNED_SLACK,
            "{owned} for {} bytes",
            g.len()
        );
        assert!(
            !e.modules.is_empty() && e.modules.len() < 4000,
            "{} modules, {} unreadable, {} files",
            e.modules.len(),
            e.unreadable.len(),
            e.files.len()
        );
        assert_eq!(e.unreadable.len(), 1);
        assert!(
            e.unreadable[0].why.contains("overlap"),
            "{:?}",
            e.unreadable[0]
        );
    }

    #[test]
    fn latin1_fixture_is_borrowed_text() {
        let exe = fixture("bun-1.4.5-latin1.elf");
        let e = embedded_modules(&exe).expect("graph found");
        assert_eq!(e.format, "bun");
        assert_eq!(e.modules.len(), 1);
        assert_eq!(e.modules[0].name, "/$bunfs/root/bun-1.4.5-latin1");
        assert!(matches!(e.modules[0].text, Cow::Borrowed(_)));
        assert!(e.modules[0].text.starts_with("// @bun\n"));
        assert!(e.modules[0].text.contains("https://t.example.com/collect"));
        assert!(e.files.is_empty() && e.unreadable.is_empty());
    }

    #[test]
    fn utf16_fixture_is_decoded() {
        let exe = fixture("bun-1.4.5-utf16.elf");
        let e = bun_modules(&exe).expect("graph found");
        assert_eq!(e.modules.len(), 1);
        let text = &e.modules[0].text;
        assert!(matches!(text, Cow::Owned(_)));
        assert!(text.starts_with("// @bun\n"), "{text}");
        assert!(
            text.contains("/*! 遥测 telltale fixture"),
            "the legal comment, verbatim"
        );
        assert!(text.contains("🚀"));
        assert!(text.contains("https://t.example.com/"));
        // The printer escaped the strings: the entry point holds `\u4F60…`.
        assert!(text.contains("\\u4F60\\u597D"));
    }

    #[test]
    fn older_releases_appended_graphs_are_read() {
        // 1.3.7: 36-byte records, 32-byte Offsets, bytecode beside the source.
        let exe = fixture("bun-1.3.7-bytecode.elf");
        let e = bun_modules(&exe).expect("graph found");
        assert_eq!(e.modules.len(), 1);
        assert_eq!(e.modules[0].name, "/$bunfs/root/bun-1.3.7-bytecode");
        assert!(e.modules[0]
            .text
            .starts_with("// @bun @bytecode @bun-cjs\n"));
        assert!(e.modules[0].text.contains("https://t.example.com/bytecode"));
        // 1.2.19: 24-byte Offsets, UTF-8 under the Latin-1 label.
        let exe = fixture("bun-1.2.19-utf8-as-latin1.elf");
        let e = bun_modules(&exe).expect("graph found");
        assert_eq!(e.modules.len(), 1);
        assert!(matches!(e.modules[0].text, Cow::Borrowed(_)));
        assert!(e.modules[0].text.contains("/*! 遥测 telltale fixture"));
    }

    #[test]
    fn assets_fixture_yields_files() {
        let exe = fixture("bun-1.4.5-assets.elf");
        let e = bun_modules(&exe).expect("graph found");
        assert_eq!(e.modules.len(), 1);
        assert!(
            e.modules[0].text.contains("await Bun.file("),
            "{}",
            e.modules[0].text
        );
        let files: Vec<(&str, &[u8])> = e
            .files
            .iter()
            .map(|f| (f.name.as_str(), &f.bytes[..]))
            .collect();
        assert_eq!(files.len(), 2);
        assert!(files[0].0.starts_with("/$bunfs/root/note-") && files[0].0.ends_with(".txt"));
        assert_eq!(files[0].1, b"asset payload: https://t.example.com/asset\n");
        assert!(files[1].0.ends_with(".wasm"));
        assert_eq!(files[1].1, b"\0asm\x01\0\0\0");
    }

    /// The fixtures read the same when their ELF header is broken: the trailer is found anyway.
    #[test]
    fn fixtures_read_without_their_container() {
        for name in FIXTURES {
            let exe = fixture(name);
            let mut headless = exe.clone();
            headless[..4].copy_from_slice(b"\0ELF");
            assert_eq!(bun_modules(&headless), bun_modules(&exe), "{name}");
        }
    }

    #[test]
    fn every_cut_and_every_corrupt_field_of_the_fixtures_is_safe() {
        for name in FIXTURES {
            let exe = fixture(name);
            let step = if exe.len() > 4096 { 7 } else { 1 };
            for cut in (0..exe.len()).step_by(step) {
                let _ = bun_modules(&exe[..cut]);
                let _ = bun_modules(&exe[cut..]);
            }
            let trailer = memchr::memmem::rfind(&exe, TRAILER).unwrap();
            // The Offsets and the record table, every u32 set to huge values.
            for at in trailer.saturating_sub(400)..trailer {
                for huge in [u32::MAX, u32::MAX / 2, exe.len() as u32, 1] {
                    let mut bad = exe.clone();
                    bad[at..at + 4].copy_from_slice(&huge.to_le_bytes());
                    if let Some(e) = bun_modules(&bad) {
                        let total: usize = e.files.iter().map(|f| f.bytes.len()).sum::<usize>()
                            + e.modules.iter().map(|m| m.text.len()).sum::<usize>();
                        assert!(total <= bad.len() * 3, "{name} @{at}");
                    }
                }
            }
        }
    }
}
