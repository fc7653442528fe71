//! Electron `app.asar` archives (`@electron/asar`, what Electron apps ship as
//! `resources/app.asar`), read from memory.
//!
//! The layout, as `@electron/asar` 4.x writes it (`lib/disk.js`, `lib/pickle.js`,
//! `lib/filesystem.js`) and Electron reads it (`shell/common/asar/archive.cc`), unchanged since
//! asar 0.x apart from the optional `integrity` record (asar 3.1) and shared offsets for files
//! with identical contents (asar 4):
//!
//! ```text
//! u32 4 | u32 header_size           a Chromium Pickle holding one u32: the header pickle's size
//! u32 header_size - 4 | u32 json_len | JSON header | padding to 4      the header pickle
//! file data …                       each file at 8 + header_size + its `offset`
//! ```
//!
//! The JSON header is a tree of directories: `{"files":{NAME: ENTRY, …}}` where an entry is a
//! directory (`files`), a file (`offset` — a decimal string — and `size`, optional
//! `executable`, `integrity`), a file kept outside the archive (`"unpacked": true`: Electron
//! reads it from `app.asar.unpacked/` beside the archive), or a link (`link`: a path relative
//! to the archive root).
//!
//! Same rules as the other archive readers: names with `..` or absolute names are refused,
//! links pointing out of the archive are refused and the others are never followed, every
//! entry counts toward [`Limits::max_entries`] and every file's bytes toward
//! [`Limits::max_total_bytes`]; a name listed twice is read as the tar and zip readers read
//! it. Unpacked files are named in a warning: they are not in these bytes.

use std::fmt;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Deserialize;

use crate::paths::{normalize_entry, resolve_link};
use crate::{Collector, ContentError, IngestError, Limits, Target};

/// Whether bytes start with an asar header: the size pickle (`4`, header size), the header
/// pickle's payload size and string length consistent with it, and the JSON's first brace.
pub(crate) fn looks_like_asar(prefix: &[u8]) -> bool {
    let u32_at = |at: usize| {
        prefix
            .get(at..at + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let (Some(4), Some(header_size), Some(payload), Some(json_len)) =
        (u32_at(0), u32_at(4), u32_at(8), u32_at(12))
    else {
        return false;
    };
    payload.checked_add(4) == Some(header_size)
        && payload
            .checked_sub(4)
            .is_some_and(|room| json_len <= room && room - json_len < 4)
        && prefix.get(16) == Some(&b'{')
}

fn corrupt(detail: impl Into<String>) -> IngestError {
    IngestError::Corrupt {
        format: "asar",
        detail: detail.into(),
    }
}

/// One entry of the JSON header. Unknown members (`integrity`, `executable`) are ignored.
#[derive(Deserialize)]
struct Node {
    files: Option<Entries>,
    offset: Option<serde_json::Value>,
    size: Option<serde_json::Value>,
    unpacked: Option<bool>,
    link: Option<String>,
}

/// A directory's entries in the order the header lists them, a name listed twice included
/// (a JSON map would keep only one of them).
struct Entries(Vec<(String, Node)>);

impl<'de> Deserialize<'de> for Entries {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Listing;
        impl<'de> Visitor<'de> for Listing {
            type Value = Entries;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map of names to entries")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries, A::Error> {
                let mut out = Vec::new();
                while let Some(entry) = map.next_entry::<String, Node>()? {
                    out.push(entry);
                }
                Ok(Entries(out))
            }
        }
        d.deserialize_map(Listing)
    }
}

/// A JSON number or decimal string as a u64 (asar writes offsets as strings, sizes as numbers).
fn number(v: &serde_json::Value) -> Option<u64> {
    match v {
        serde_json::Value::Number(n) => n.as_u64(),
        serde_json::Value::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            s.parse().ok()
        }
        _ => None,
    }
}

/// Loads an asar archive held in memory.
pub(crate) fn load_asar(
    name: &str,
    bytes: &[u8],
    limits: &Limits,
    wanted: &dyn Fn(&str) -> bool,
) -> Result<Target, IngestError> {
    let field = |at: usize| {
        bytes
            .get(at..at + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    };
    let (Some(header_size), Some(json_len)) = (field(4), field(12)) else {
        return Err(corrupt("truncated header"));
    };
    let json = 16usize
        .checked_add(json_len)
        .and_then(|end| bytes.get(16..end))
        .ok_or_else(|| corrupt("the header is longer than the archive"))?;
    let data_start = 8usize
        .checked_add(header_size)
        .filter(|&s| s <= bytes.len() && json_len.checked_add(8).is_some_and(|n| n <= header_size))
        .ok_or_else(|| corrupt("the header is longer than the archive"))?;
    let root: Node = serde_json::from_slice(json).map_err(|e| corrupt(format!("header: {e}")))?;
    let Some(files) = root.files else {
        return Err(corrupt("the header's root is not a directory"));
    };
    let mut col = Collector::new(limits, wanted);
    let mut reader = Reader {
        col: &mut col,
        data: &bytes[data_start..],
        limits,
    };
    reader.walk("", files)?;
    Ok(col.finish(name))
}

struct Reader<'c, 'a, 'd> {
    col: &'c mut Collector<'a>,
    data: &'d [u8],
    limits: &'a Limits,
}

impl Reader<'_, '_, '_> {
    /// Reads a directory's entries; `dir` is its normalised path. Depth is bounded by the JSON
    /// parser's nesting limit.
    fn walk(&mut self, dir: &str, entries: Entries) -> Result<(), IngestError> {
        for (name, node) in entries.0 {
            self.col.count_entry()?;
            let raw = if dir.is_empty() {
                name.clone()
            } else {
                format!("{dir}/{name}")
            };
            let path = normalize_entry(&raw)?;
            if matches!(name.as_str(), "" | ".") || path.is_empty() {
                return Err(IngestError::EmptyName { entry: raw });
            }
            if let Some(files) = node.files {
                self.walk(&path, files)?;
            } else if let Some(link) = node.link {
                // asar links are relative to the archive root, not to the link's directory.
                self.col.claim_entry(&path);
                if resolve_link("", &link).is_none() {
                    return Err(IngestError::LinkEscapes {
                        entry: raw,
                        kind: "symlink",
                        link,
                    });
                }
                self.col.warn(format!(
                    "skipped symlink {path} -> {link} (links in archives are never followed)"
                ));
            } else if node.unpacked == Some(true) {
                self.col.claim_entry(&path);
                let size = node
                    .size
                    .as_ref()
                    .and_then(number)
                    .map(|n| format!(" ({n} bytes)"))
                    .unwrap_or_default();
                self.col.warn(format!(
                    "{path}{size} is unpacked: Electron reads it from app.asar.unpacked/{path} beside the archive, which these bytes do not hold"
                ));
            } else if let Some(offset) = node.offset {
                let offset = number(&offset).ok_or_else(|| {
                    corrupt(format!("entry `{path}`: offset {offset} is not a number"))
                })?;
                let size = node
                    .size
                    .as_ref()
                    .and_then(number)
                    .ok_or_else(|| corrupt(format!("entry `{path}` has no size")))?;
                self.file(&path, offset, size)?;
            } else {
                return Err(corrupt(format!(
                    "entry `{path}` is neither a directory, a file nor a link"
                )));
            }
        }
        Ok(())
    }

    fn file(&mut self, path: &str, offset: u64, size: u64) -> Result<(), IngestError> {
        self.col.claim_entry(path);
        let want = self.col.wants(path);
        if want && size > self.limits.max_file_bytes {
            return Err(IngestError::FileTooLarge {
                entry: path.to_string(),
                limit: self.limits.max_file_bytes,
            });
        }
        if size > self.col.remaining() {
            return Err(IngestError::TooManyBytes {
                limit: self.limits.max_total_bytes,
            });
        }
        let content = usize::try_from(offset)
            .ok()
            .zip(usize::try_from(size).ok())
            .and_then(|(o, s)| self.data.get(o..o.checked_add(s)?))
            .ok_or_else(|| corrupt(format!("entry `{path}`: {size} bytes at offset {offset} lie past the end of the archive")))?;
        self.col
            .read_content(path, &mut &content[..], want, size)
            .map_err(|e| match e {
                ContentError::Limit(e) => e,
                ContentError::Io(e) => corrupt(format!("entry `{path}`: {e}")),
            })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `app.asar` as `@electron/asar` 4.3.2 packed it (see `scripts/gen-packer-fixtures.sh`).
    const FIXTURE: &[u8] = include_bytes!("../tests/fixtures/asar/app.asar");

    fn all(_: &str) -> bool {
        true
    }

    /// An archive with this JSON header and data.
    pub(crate) fn asar(json: &str, data: &[u8]) -> Vec<u8> {
        let padded = json.len().div_ceil(4) * 4;
        let header_size = 8 + padded;
        let mut out = Vec::new();
        for n in [4, header_size, header_size - 4, json.len()] {
            out.extend_from_slice(&(n as u32).to_le_bytes());
        }
        out.extend_from_slice(json.as_bytes());
        out.resize(8 + header_size, 0);
        out.extend_from_slice(data);
        out
    }

    fn load(bytes: &[u8]) -> Result<Target, IngestError> {
        load_asar("app.asar", bytes, &Limits::default(), &all)
    }

    #[test]
    fn the_real_archive_loads_with_its_files_links_and_unpacked_entries() {
        assert!(looks_like_asar(FIXTURE));
        let t = load(FIXTURE).expect("loads");
        let paths: Vec<&str> = t.files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "config.json",
                "lib/track-copy.js",
                "lib/track.js",
                "main.js",
                "package.json"
            ]
        );
        let main = &t.files[3].bytes;
        assert!(
            main.starts_with(b"const { app } = require('electron');"),
            "{}",
            String::from_utf8_lossy(main)
        );
        assert!(String::from_utf8_lossy(main).contains("telltale-asar-fixture"));
        // asar 4 stores identical contents once: both names read the same bytes.
        assert_eq!(t.files[1].bytes, t.files[2].bytes);
        assert!(
            t.warnings
                .iter()
                .any(|w| w.contains("skipped symlink lib/current.js -> lib/track.js")),
            "{:?}",
            t.warnings
        );
        assert!(
            t.warnings
                .iter()
                .any(|w| w.contains("native/addon.node (24 bytes) is unpacked")),
            "{:?}",
            t.warnings
        );
        assert_eq!(
            t.bytes_read,
            t.files.iter().map(|f| f.bytes.len() as u64).sum::<u64>()
        );
    }

    #[test]
    fn truncation_at_every_cut_is_an_error_never_a_panic() {
        for cut in 0..FIXTURE.len() {
            let r = load(&FIXTURE[..cut]);
            // Only the last file's bytes can go missing without the header noticing: still an error.
            assert!(r.is_err(), "cut at {cut} loaded");
        }
        assert!(!looks_like_asar(&FIXTURE[..16]));
    }

    #[test]
    fn hostile_headers_are_refused() {
        let escapes = asar(
            r#"{"files":{"..":{"files":{"x.js":{"offset":"0","size":1}}}}}"#,
            b"x",
        );
        assert!(matches!(
            load(&escapes),
            Err(IngestError::PathEscapes { .. })
        ));
        let inner = asar(
            r#"{"files":{"a":{"files":{"..":{"files":{"x.js":{"offset":"0","size":1}}}}}}}"#,
            b"x",
        );
        assert!(matches!(
            load(&inner),
            Err(IngestError::ParentComponent { .. })
        ));
        let slashed = asar(
            r#"{"files":{"../../etc/passwd":{"offset":"0","size":1}}}"#,
            b"x",
        );
        assert!(matches!(
            load(&slashed),
            Err(IngestError::PathEscapes { .. })
        ));
        let absolute = asar(r#"{"files":{"/etc/passwd":{"offset":"0","size":1}}}"#, b"x");
        assert!(matches!(
            load(&absolute),
            Err(IngestError::AbsolutePath { .. })
        ));
        let dot = asar(r#"{"files":{".":{"offset":"0","size":1}}}"#, b"x");
        assert!(matches!(load(&dot), Err(IngestError::EmptyName { .. })));
        let link_out = asar(r#"{"files":{"a":{"link":"../outside"}}}"#, b"");
        assert!(matches!(
            load(&link_out),
            Err(IngestError::LinkEscapes { .. })
        ));
        let link_abs = asar(r#"{"files":{"a":{"link":"/etc/passwd"}}}"#, b"");
        assert!(matches!(
            load(&link_abs),
            Err(IngestError::LinkEscapes { .. })
        ));
        // Offsets and sizes past the data, or that overflow: an error, no allocation.
        for entry in [
            r#"{"offset":"0","size":2}"#,
            r#"{"offset":"18446744073709551615","size":1}"#,
            r#"{"offset":"1","size":18446744073709551615}"#,
            r#"{"offset":"x","size":1}"#,
            r#"{"offset":"0"}"#,
            r#"{"size":1}"#,
            r#"{"offset":0,"size":-1}"#,
        ] {
            let bytes = asar(&format!(r#"{{"files":{{"a.js":{entry}}}}}"#), b"x");
            assert!(
                matches!(
                    load(&bytes),
                    Err(IngestError::Corrupt { format: "asar", .. }
                        | IngestError::TooManyBytes { .. }
                        | IngestError::FileTooLarge { .. })
                ),
                "{entry}"
            );
        }
        // A header size past the end, a root that is not a directory, JSON nested past the parser's limit.
        let mut long = asar(r#"{"files":{}}"#, b"");
        long[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(load(&long).is_err());
        assert!(matches!(
            load(&asar(r#"{"offset":"0","size":0}"#, b"")),
            Err(IngestError::Corrupt { .. })
        ));
        let deep = format!(
            r#"{{"files":{}{}}}"#,
            r#"{"d":{"files":"#.repeat(200),
            "}}".repeat(200)
        );
        assert!(matches!(
            load(&asar(&deep, b"")),
            Err(IngestError::Corrupt { .. })
        ));
    }

    #[test]
    fn limits_apply_to_asar_entries() {
        let two = asar(
            r#"{"files":{"a.js":{"offset":"0","size":3},"b.js":{"offset":"3","size":3}}}"#,
            b"aaabbb",
        );
        let t = load(&two).unwrap();
        assert_eq!(t.files.len(), 2);
        let few = Limits {
            max_entries: 1,
            ..Limits::default()
        };
        assert!(matches!(
            load_asar("x", &two, &few, &all),
            Err(IngestError::TooManyEntries { .. })
        ));
        let small = Limits {
            max_total_bytes: 4,
            ..Limits::default()
        };
        assert!(matches!(
            load_asar("x", &two, &small, &all),
            Err(IngestError::TooManyBytes { .. })
        ));
        let per_file = Limits {
            max_file_bytes: 2,
            ..Limits::default()
        };
        assert!(matches!(
            load_asar("x", &two, &per_file, &all),
            Err(IngestError::FileTooLarge { .. })
        ));
        // Files not wanted are counted, not kept.
        let t = load_asar("x", &two, &Limits::default(), &|p| p == "b.js").unwrap();
        assert_eq!((t.files.len(), t.bytes_read), (1, 6));
        // A name listed twice: both copies are read, as the other archive readers read them.
        let twice = asar(
            r#"{"files":{"a.js":{"offset":"0","size":3},"a.js":{"offset":"3","size":3}}}"#,
            b"aaabbb",
        );
        let t = load(&twice).unwrap();
        assert_eq!(
            t.files
                .iter()
                .find(|f| f.path == "a.js")
                .map(|f| f.bytes.as_slice()),
            Some(&b"bbb"[..])
        );
    }
}
