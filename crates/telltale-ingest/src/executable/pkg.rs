//! `pkg` executables (vercel/pkg 4–5.8, and its maintained fork `@yao-pkg/pkg` 5–6): a Node
//! binary patched by pkg-fetch, then the payload (the files of a virtual file system mounted
//! at `/snapshot`), then the prelude that mounts it.
//!
//! Layout, as `lib/producer.ts` and `lib/packer.ts` write it (vercel/pkg 5.8.1, yao-pkg 6.23)
//! and `prelude/bootstrap.js` reads it:
//!
//! ```text
//! base binary … "// PAYLOAD_POSITION //" … "// BAKERY // BAKERY …"   (pkg-fetch's patch: pkg
//!                                    overwrites these placeholders with the values below,
//!                                    decimal and space-padded, and the baked node options)
//! payload    at PAYLOAD_POSITION (= the base binary's size), PAYLOAD_SIZE bytes: the stripes
//!            of every file, back to back
//! prelude    at PRELUDE_POSITION = PAYLOAD_POSITION + PAYLOAD_SIZE, PRELUDE_SIZE bytes:
//!   (function(process, require, console, EXECPATH_FD, PAYLOAD_POSITION, PAYLOAD_SIZE) {
//!     return (function (REQUIRE_COMMON, [REQUIRE_SHARED,] VIRTUAL_FILESYSTEM, DEFAULT_ENTRYPOINT,
//!                       SYMLINKS, DICT, DOCOMPRESS) { …bootstrap… })(…common…, [shared,]
//!   VFS JSON \n,\n ENTRYPOINT JSON \n,\n SYMLINKS JSON \n,\n DICT JSON \n,\n DOCOMPRESS \n);\n})
//! ```
//!
//! (pkg 4 wrote only the VFS and the entry point, 4.4 to 5.2 added `SYMLINKS`, 5.3 `DICT` and
//! `DOCOMPRESS`; yao-pkg 6 added `REQUIRE_SHARED`.) The
//! VFS maps each snapshot path (`/snapshot/app/index.js`) to its stripes by store:
//! `{"0": [offset, size]}` V8 bytecode (`STORE_BLOB`, made by running the base binary: pkg's
//! default for JavaScript), `"1"` the file's bytes (`STORE_CONTENT`: assets, JSON, native
//! addons, and JavaScript built with `--no-bytecode` or public packages), `"2"` a directory
//! listing, `"3"` stat data; offsets count from PAYLOAD_POSITION. With `--compress`
//! (`DOCOMPRESS` 1 GZip, 2 Brotli, 3 Zstd in yao-pkg 6.14+) every stripe is compressed on its
//! own and the VFS keys are shortened through `DICT` (`{"snapshot": "1", …}`, the key of
//! `/snapshot/app` being `0/1/2`).
//!
//! The placeholders' values are not needed (a trimmed or re-signed binary keeps the prelude
//! intact): the prelude is found by its opening line, and the payload ends where it starts.
//! Source entries become modules named by their snapshot path, other contents `files`,
//! bytecode-only entries `unreadable`. GZip and Brotli stripes are inflated (at most
//! [`MAX_INFLATED`] bytes in all); Zstd ones are reported unreadable.
//!
//! Example: `app` → `app › /snapshot/app/index.js`.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::Read;

use memchr::memmem;
use serde_json::Value;

use super::{Embedded, EmbeddedFile, EmbeddedModule, Unreadable};

/// The prelude's opening words, the same in every pkg release since 4 (a fork adds
/// `, DATA_PATH` to the parameters).
const PRELUDE: &[u8] =
    b"(function(process, require, console, EXECPATH_FD, PAYLOAD_POSITION, PAYLOAD_SIZE";
/// The prelude's last line.
const PRELUDE_END: &[u8] = b"\n);\n})";
/// What separates the values pkg substitutes into the prelude (JSON never holds a raw newline).
const SEPARATOR: &[u8] = b"\n,\n";
const STORE_BLOB: &str = "0";
const STORE_CONTENT: &str = "1";
/// Most bytes inflated from compressed stripes, all entries together.
pub const MAX_INFLATED: u64 = 256 << 20;
/// Why bytecode is not read.
pub const BYTECODE: &str = "V8 bytecode (pkg default); build with --no-bytecode to ship source";

/// The files of a `pkg` executable's snapshot; `None` when no prelude reads.
pub fn pkg_modules(bytes: &[u8]) -> Option<Embedded<'_>> {
    // The values end the file's last prelude; they are read once, from the end (trying every
    // opening line would cost time in proportion to their number).
    let (prelude, vfs_at) = read_prelude(bytes)?;
    let at = memmem::rfind(&bytes[..vfs_at], PRELUDE)?;
    read_pkg(bytes, at, prelude)
}

/// Splits `text` at its last separator: (before, after).
fn split_last(text: &[u8]) -> Option<(&[u8], &[u8])> {
    let at = memmem::rfind(text, SEPARATOR)?;
    Some((&text[..at], &text[at + SEPARATOR.len()..]))
}

/// The values substituted into a prelude.
struct Prelude {
    vfs: serde_json::Map<String, Value>,
    /// Short key → name, when the keys are compressed.
    dict: Option<HashMap<String, String>>,
    compression: u64,
}

/// The values substituted into the last prelude of `bytes`, and where the VFS starts.
fn read_prelude(bytes: &[u8]) -> Option<(Prelude, usize)> {
    let end = memmem::rfind(bytes, PRELUDE_END)?;
    let (mut rest, mut last) = split_last(&bytes[..end])?;
    let (mut compression, mut dict) = (0, None);
    if let Ok(n) = serde_json::from_slice::<u64>(last) {
        // pkg 5.3+: VFS, DEFAULT_ENTRYPOINT, SYMLINKS, DICT, DOCOMPRESS.
        compression = n;
        let (r, d) = split_last(rest)?;
        dict = Some(d);
        let (r, _symlinks) = split_last(r)?;
        (rest, last) = split_last(r)?;
    } else if serde_json::from_slice::<String>(last).is_err() {
        // pkg 4.4 to 5.2: VFS, DEFAULT_ENTRYPOINT, SYMLINKS.
        (rest, last) = split_last(rest)?;
    }
    // pkg 4: VFS, DEFAULT_ENTRYPOINT.
    serde_json::from_slice::<String>(last).ok()?;
    // The VFS follows the bootstrap code on its own line.
    let vfs_at = memchr::memrchr(b'\n', rest).map_or(0, |i| i + 1);
    let Value::Object(vfs) = serde_json::from_slice(&rest[vfs_at..]).ok()? else {
        return None;
    };
    let dict = match dict.map(serde_json::from_slice::<serde_json::Map<String, Value>>) {
        Some(Ok(map)) => Some(
            map.into_iter()
                .filter_map(|(name, key)| Some((key.as_str()?.to_string(), name)))
                .collect(),
        ),
        Some(Err(_)) => return None,
        None => None,
    };
    Some((
        Prelude {
            vfs,
            dict,
            compression,
        },
        vfs_at,
    ))
}

/// A stripe's (offset, size) as the VFS records it.
fn stripe(record: &Value, store: &str) -> Option<(usize, usize)> {
    let pair = record.get(store)?.as_array()?;
    let [offset, size] = pair.as_slice() else {
        return None;
    };
    Some((
        usize::try_from(offset.as_u64()?).ok()?,
        usize::try_from(size.as_u64()?).ok()?,
    ))
}

/// Whether a snapshot path names source the JS front end reads.
pub(crate) fn is_source_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [".js", ".cjs", ".mjs", ".jsx", ".ts", ".cts", ".mts", ".tsx"]
        .iter()
        .any(|ext| lower.ends_with(ext))
}

fn read_pkg(bytes: &[u8], at: usize, prelude: Prelude) -> Option<Embedded<'_>> {
    let Prelude {
        vfs,
        dict,
        compression,
    } = prelude;
    // The payload ends where the prelude starts; its size is where its last stripe ends.
    let mut size = 0usize;
    for record in vfs.values() {
        for store in ["0", "1", "2", "3"] {
            if let Some((offset, len)) = stripe(record, store) {
                size = size.max(offset.checked_add(len)?);
            }
        }
    }
    let payload = &bytes[at.checked_sub(size)?..at];
    let mut out = Embedded::new("pkg");
    let mut budget = MAX_INFLATED;
    let mut entries: Vec<(String, &Value)> = vfs
        .iter()
        .map(|(key, record)| {
            let name = match &dict {
                Some(dict) => key
                    .split('/')
                    .map(|part| dict.get(part).map(String::as_str))
                    .collect::<Option<Vec<_>>>()
                    .map_or_else(|| key.clone(), |parts| parts.join("/")),
                None => key.clone(),
            };
            (name, record)
        })
        .collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, record) in entries {
        let slice = |(offset, len): (usize, usize)| payload.get(offset..offset.checked_add(len)?);
        if let Some(stored) = stripe(record, STORE_CONTENT).and_then(slice) {
            let content = match inflate(stored, compression, &mut budget) {
                Ok(content) => content,
                Err(why) => {
                    out.unreadable.push(Unreadable {
                        name,
                        bytes: stored.len() as u64,
                        why,
                    });
                    continue;
                }
            };
            match content {
                Cow::Borrowed(b) => match std::str::from_utf8(b) {
                    Ok(text) if is_source_name(&name) => out.modules.push(EmbeddedModule {
                        name,
                        text: Cow::Borrowed(text),
                    }),
                    _ => out.files.push(EmbeddedFile {
                        name,
                        bytes: Cow::Borrowed(b),
                    }),
                },
                Cow::Owned(v) => match String::from_utf8(v) {
                    Ok(text) if is_source_name(&name) => out.modules.push(EmbeddedModule {
                        name,
                        text: Cow::Owned(text),
                    }),
                    Ok(text) => out.files.push(EmbeddedFile {
                        name,
                        bytes: Cow::Owned(text.into_bytes()),
                    }),
                    Err(e) => out.files.push(EmbeddedFile {
                        name,
                        bytes: Cow::Owned(e.into_bytes()),
                    }),
                },
            }
        } else if let Some(blob) = stripe(record, STORE_BLOB).and_then(slice) {
            out.unreadable.push(Unreadable {
                name,
                bytes: blob.len() as u64,
                why: BYTECODE.into(),
            });
        }
    }
    Some(out)
}

/// A stripe's bytes, inflated when the payload is compressed; `Err(why)` when it cannot be.
fn inflate<'a>(
    stored: &'a [u8],
    compression: u64,
    budget: &mut u64,
) -> Result<Cow<'a, [u8]>, String> {
    let reader: Box<dyn Read + 'a> =
        match compression {
            0 => return Ok(Cow::Borrowed(stored)),
            1 => Box::new(flate2::read::GzDecoder::new(stored)),
            2 => Box::new(brotli_decompressor::Decompressor::new(stored, 4096)),
            3 => return Err(
                "compressed with Zstd (pkg --compress Zstd), which this reader does not inflate"
                    .into(),
            ),
            n => return Err(format!("compressed with pkg's unknown method {n}")),
        };
    let mut out = Vec::new();
    match reader.take(budget.saturating_add(1)).read_to_end(&mut out) {
        Ok(n) if n as u64 > *budget => Err(format!(
            "inflates past the reader's bound of {MAX_INFLATED} bytes"
        )),
        Ok(n) => {
            *budget -= n as u64;
            Ok(Cow::Owned(out))
        }
        Err(e) => Err(format!("compressed data that does not inflate ({e})")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::executable::embedded_modules;

    const BYTECODE_EXE: &[u8] = include_bytes!("../../tests/fixtures/executables/pkg-bytecode");
    const SOURCE_EXE: &[u8] = include_bytes!("../../tests/fixtures/executables/pkg-source");
    const GZIP_EXE: &[u8] = include_bytes!("../../tests/fixtures/executables/pkg-gzip");
    const BROTLI_EXE: &[u8] = include_bytes!("../../tests/fixtures/executables/pkg-brotli");

    fn names<T>(items: &[T], name: impl Fn(&T) -> &str) -> Vec<&str> {
        items.iter().map(name).collect()
    }

    /// What every fixture holds as files: the package.json and the asset, as written.
    fn assert_assets(e: &Embedded) {
        assert_eq!(
            names(&e.files, |f| f.name.as_str()),
            [
                "/snapshot/pkgapp/config.json",
                "/snapshot/pkgapp/package.json"
            ]
        );
        assert_eq!(
            e.files[0].bytes.as_ref(),
            b"{\"endpoint\":\"https://t.example.com\"}\n"
        );
        assert!(e.files[1].bytes.starts_with(b"{\n  \"name\": \"pkgapp\""));
    }

    #[test]
    fn pkg_source_payload_yields_its_modules_and_assets() {
        for (exe, compressed) in [(SOURCE_EXE, false), (GZIP_EXE, true)] {
            let e = embedded_modules(exe).expect("payload found");
            assert_eq!(e.format, "pkg");
            assert_eq!(
                names(&e.modules, |m| m.name.as_str()),
                ["/snapshot/pkgapp/index.js", "/snapshot/pkgapp/lib/track.js"]
            );
            assert!(
                e.modules[0].text.starts_with("const os = require('os');\n"),
                "{}",
                e.modules[0].text
            );
            assert!(e.modules[0].text.contains("telltale-pkg-fixture"));
            assert!(e.modules[1]
                .text
                .contains("https.request(endpoint + '/collect'"));
            assert_eq!(
                matches!(e.modules[0].text, Cow::Owned(_)),
                compressed,
                "inflated text is owned, stored text borrowed"
            );
            assert_assets(&e);
            assert!(e.unreadable.is_empty(), "{:?}", e.unreadable);
        }
    }

    #[test]
    fn pkg_bytecode_entries_are_unreadable_with_why() {
        for exe in [BYTECODE_EXE, BROTLI_EXE] {
            let e = pkg_modules(exe).expect("payload found");
            assert!(e.modules.is_empty());
            assert_eq!(
                names(&e.unreadable, |u| u.name.as_str()),
                ["/snapshot/pkgapp/index.js", "/snapshot/pkgapp/lib/track.js"]
            );
            assert!(
                e.unreadable
                    .iter()
                    .all(|u| u.why == BYTECODE && u.bytes > 0),
                "{:?}",
                e.unreadable
            );
            // Brotli: the assets are inflated.
            assert_assets(&e);
        }
    }

    #[test]
    fn pkg_truncation_at_every_cut_never_panics() {
        for exe in [SOURCE_EXE, GZIP_EXE] {
            let start = memmem::rfind(exe, PRELUDE).unwrap();
            for cut in 0..exe.len() {
                let e = pkg_modules(&exe[..cut]);
                // The prelude's closing line goes first: nothing reads without it.
                assert!(e.is_none() || cut > start, "cut {cut}");
            }
            // Cut from the front: the payload loses its first stripes, the prelude still reads.
            for cut in (0..start).step_by(97) {
                let _ = pkg_modules(&exe[cut..]);
            }
        }
    }

    /// A prelude with this VFS (and DICT, DOCOMPRESS) after `payload`.
    fn exe(payload: &[u8], vfs: &str, dict: &str, compression: u32) -> Vec<u8> {
        let mut out = b"\x7fELF base binary\0".to_vec();
        out.extend_from_slice(payload);
        out.extend_from_slice(PRELUDE);
        out.extend_from_slice(b") { return (function (REQUIRE_COMMON, VIRTUAL_FILESYSTEM) { })(function (exports) {\n},\n");
        out.extend_from_slice(
            format!(
                "{vfs}\n,\n\"/snapshot/a/index.js\"\n,\n{{}}\n,\n{dict}\n,\n{compression}\n);\n}})"
            )
            .as_bytes(),
        );
        out
    }

    #[test]
    fn pkg_corrupt_vfs_never_reads_outside_the_payload() {
        // Offsets past the payload, overflowing sums, stores that are not pairs: no panic.
        for vfs in [
            r#"{"/snapshot/a/index.js":{"1":[0,18446744073709551615]}}"#,
            r#"{"/snapshot/a/index.js":{"1":[18446744073709551615,1]}}"#,
            r#"{"/snapshot/a/index.js":{"1":[0,100000000]}}"#,
            r#"{"/snapshot/a/index.js":{"1":[0]}}"#,
            r#"{"/snapshot/a/index.js":{"1":"x"}}"#,
            r#"{"/snapshot/a/index.js":[]}"#,
            r#"[]"#,
        ] {
            if let Some(e) = pkg_modules(&exe(b"abc", vfs, "{}", 0)) {
                assert!(e.modules.is_empty() && e.files.is_empty(), "{vfs}");
            }
        }
        let good = exe(
            b"one();two();",
            r#"{"/snapshot/a/index.js":{"1":[6,6]},"/snapshot/a/x.js":{"0":[0,6]}}"#,
            "{}",
            0,
        );
        let good = pkg_modules(&good).unwrap();
        assert_eq!(
            (
                good.modules[0].text.as_ref(),
                good.unreadable[0].name.as_str()
            ),
            ("two();", "/snapshot/a/x.js")
        );
        // pkg 4.4–5.2 (VFS, entry point, symlinks) and pkg 4 (VFS, entry point).
        for tail in [&b"\n,\n{}\n);\n})"[..], b"\n);\n})"] {
            let mut old = b"base".to_vec();
            old.extend_from_slice(b"one();");
            old.extend_from_slice(PRELUDE);
            old.extend_from_slice(b") { return (function () {})(\n{\"/snapshot/a/index.js\":{\"1\":[0,6]}}\n,\n\"/snapshot/a/index.js\"");
            old.extend_from_slice(tail);
            assert_eq!(pkg_modules(&old).unwrap().modules[0].text, "one();");
        }
        // Unknown and Zstd compression: unreadable, with why; gzip that does not inflate too.
        for (method, why) in [
            (3, "Zstd"),
            (9, "unknown method 9"),
            (1, "does not inflate"),
        ] {
            let exe = exe(
                b"one();",
                r#"{"/snapshot/a/index.js":{"1":[0,6]}}"#,
                "{}",
                method,
            );
            let e = pkg_modules(&exe).unwrap();
            assert!(e.unreadable[0].why.contains(why), "{:?}", e.unreadable);
        }
    }

    #[test]
    fn pkg_many_opening_lines_cost_one_pass() {
        let mut exe = PRELUDE.repeat(50_000);
        exe.extend_from_slice(SOURCE_EXE);
        let mut tail = PRELUDE.repeat(50_000);
        tail.extend_from_slice(b"\n,\n\n,\n\n);\n})");
        let started = std::time::Instant::now();
        assert_eq!(pkg_modules(&exe).unwrap().modules.len(), 2);
        assert!(pkg_modules(&[&exe[..], &tail].concat()).is_none());
        assert!(started.elapsed().as_secs() < 5, "{:?}", started.elapsed());
    }

    #[test]
    fn pkg_gzip_bombs_stop_at_the_bound() {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..(MAX_INFLATED >> 20) + 1 {
            gz.write_all(&zeros).unwrap();
        }
        let bomb = gz.finish().unwrap();
        assert!(bomb.len() < 1 << 20);
        let vfs = format!(r#"{{"/snapshot/a/big.bin":{{"1":[0,{}]}}}}"#, bomb.len());
        let exe = exe(&bomb, &vfs, "{}", 1);
        let e = pkg_modules(&exe).unwrap();
        assert!(
            e.files.is_empty() && e.unreadable[0].why.contains("bound"),
            "{:?}",
            e.unreadable
        );
    }
}
