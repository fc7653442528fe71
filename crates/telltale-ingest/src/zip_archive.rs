//! Zip archives (`.zip`, `.vsix`, `.whl`, `.jar`), read from memory.
//!
//! Before the `zip` crate sees the data, the central directory is walked here: the entry
//! count is checked against the limit before anything is allocated per entry, every name is
//! checked, and names listed more than once are read as pip and unzip read them: the last
//! copy is the file (the `zip` crate keeps the last), and earlier copies whose bytes differ
//! are read straight from their local headers and kept beside it (see `Collector::keep`).
//! Sizes declared in the archive are never trusted: every inflated byte is counted.

use std::io::{Cursor, Read};

use memchr::memmem;
use zip::result::ZipError;
use zip::ZipArchive;

use crate::paths::{normalize_entry, parent, resolve_link};
use crate::{Collector, ContentError, IngestError, Limits, Target};

const EOCD_SIG: &[u8] = b"PK\x05\x06";
const EOCD64_LOCATOR_SIG: &[u8] = b"PK\x06\x07";
const EOCD64_SIG: &[u8] = b"PK\x06\x06";
const CDFH_SIG: &[u8] = b"PK\x01\x02";
/// Longest symlink target read from a zip entry.
const MAX_LINK_TARGET: u64 = 4096;

fn corrupt(detail: impl Into<String>) -> IngestError {
    IngestError::Corrupt {
        format: "zip",
        detail: detail.into(),
    }
}

fn le16(b: &[u8], at: usize) -> Option<u16> {
    let s = b.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes([s[0], s[1]]))
}

fn le32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

fn le64(b: &[u8], at: usize) -> Option<u64> {
    let s = b.get(at..at.checked_add(8)?)?;
    let mut a = [0u8; 8];
    a.copy_from_slice(s);
    Some(u64::from_le_bytes(a))
}

fn has_sig(b: &[u8], at: usize, sig: &[u8]) -> bool {
    at.checked_add(sig.len())
        .and_then(|end| b.get(at..end))
        .is_some_and(|s| s == sig)
}

/// Where an entry's data is, from its central directory record.
#[derive(Clone, Copy)]
struct Located {
    flags: u16,
    method: u16,
    compressed: u32,
    uncompressed: u32,
    local_offset: u32,
}

/// The raw entry names listed in the central directory, and where the archive ends.
struct CentralDirectory {
    names: Vec<Vec<u8>>,
    /// Per name, where its data is (for reading copies of a repeated name).
    located: Vec<Located>,
    /// Bytes prepended to the archive: add to the offsets it records.
    shift: usize,
    /// End of the end-of-central-directory record including its comment.
    end: usize,
}

/// Finds the end-of-central-directory record (the last plausible one within the 64 KiB
/// comment window) and lists the central directory.
fn scan_central_directory(b: &[u8], limits: &Limits) -> Result<CentralDirectory, IngestError> {
    let window_start = b.len().saturating_sub(22 + 0xFFFF);
    let finder = memmem::FinderRev::new(EOCD_SIG);
    let mut search_end = b.len();
    let (eocd, end) = loop {
        let Some(rel) = finder.rfind(&b[window_start..search_end]) else {
            return Err(corrupt("no end-of-central-directory record found"));
        };
        let pos = window_start + rel;
        if let Some(comment_len) = le16(b, pos + 20) {
            let end = pos + 22 + usize::from(comment_len);
            if end <= b.len() {
                break (pos, end);
            }
        }
        // Look for an earlier candidate: the next match must start before `pos`.
        search_end = pos + EOCD_SIG.len() - 1;
    };
    let field = |at| le16(b, eocd + at).ok_or_else(|| corrupt("truncated end record"));
    if field(4)? != 0 || field(6)? != 0 {
        return Err(corrupt("multi-disk zip archives are not supported"));
    }
    let mut total = u64::from(field(10)?);
    let mut cd_size = u64::from(le32(b, eocd + 12).ok_or_else(|| corrupt("truncated end record"))?);
    let mut cd_offset =
        u64::from(le32(b, eocd + 16).ok_or_else(|| corrupt("truncated end record"))?);
    let mut records_start = eocd;
    if total == 0xFFFF || cd_size == 0xFFFF_FFFF || cd_offset == 0xFFFF_FFFF {
        if let Some(locator) = eocd
            .checked_sub(20)
            .filter(|&l| has_sig(b, l, EOCD64_LOCATOR_SIG))
        {
            let declared = le64(b, locator + 8).and_then(|o| usize::try_from(o).ok());
            let candidates = [declared, locator.checked_sub(56)];
            let Some(rec) = candidates
                .into_iter()
                .flatten()
                .find(|&c| has_sig(b, c, EOCD64_SIG) && c + 56 <= b.len())
            else {
                return Err(corrupt("zip64 end-of-central-directory record not found"));
            };
            let f64 = |at| le64(b, rec + at).ok_or_else(|| corrupt("truncated zip64 end record"));
            total = f64(32)?;
            cd_size = f64(40)?;
            cd_offset = f64(48)?;
            records_start = rec;
        }
    }
    if total > limits.max_entries {
        return Err(IngestError::TooManyEntries {
            limit: limits.max_entries,
        });
    }
    if total == 0 {
        return Ok(CentralDirectory {
            names: Vec::new(),
            located: Vec::new(),
            shift: 0,
            end,
        });
    }
    // The directory is where the record says, or — when data was prepended to the archive
    // (self-extracting stubs, shebang lines) — right before the end records.
    let declared = usize::try_from(cd_offset).ok();
    let computed = u64::try_from(records_start)
        .ok()
        .and_then(|r| r.checked_sub(cd_size))
        .and_then(|s| usize::try_from(s).ok());
    let Some(mut p) = [declared, computed]
        .into_iter()
        .flatten()
        .find(|&s| has_sig(b, s, CDFH_SIG))
    else {
        return Err(corrupt("central directory not found"));
    };
    let shift = usize::try_from(cd_offset)
        .ok()
        .and_then(|d| p.checked_sub(d))
        .unwrap_or(0);
    let mut names = Vec::new();
    let mut located = Vec::new();
    for i in 0..total {
        let truncated = || corrupt(format!("central directory truncated at record {i}"));
        if !has_sig(b, p, CDFH_SIG) {
            return Err(truncated());
        }
        let name_len = usize::from(le16(b, p + 28).ok_or_else(truncated)?);
        let extra_len = usize::from(le16(b, p + 30).ok_or_else(truncated)?);
        let comment_len = usize::from(le16(b, p + 32).ok_or_else(truncated)?);
        let name = b.get(p + 46..p + 46 + name_len).ok_or_else(truncated)?;
        names.push(name.to_vec());
        located.push(Located {
            flags: le16(b, p + 8).ok_or_else(truncated)?,
            method: le16(b, p + 10).ok_or_else(truncated)?,
            compressed: le32(b, p + 20).ok_or_else(truncated)?,
            uncompressed: le32(b, p + 24).ok_or_else(truncated)?,
            local_offset: le32(b, p + 42).ok_or_else(truncated)?,
        });
        p = p + 46 + name_len + extra_len + comment_len;
    }
    Ok(CentralDirectory {
        names,
        located,
        shift,
        end,
    })
}

/// The data of one entry read from its local header (stored or deflated, not encrypted,
/// no zip64 sizes): the copies of a repeated name the `zip` crate does not keep.
fn read_copy<'b>(
    b: &'b [u8],
    at: Located,
    shift: usize,
    entry: &str,
) -> Result<Box<dyn Read + 'b>, IngestError> {
    let unsupported = |detail: &str| IngestError::Unsupported {
        entry: entry.to_string(),
        detail: detail.to_string(),
    };
    if at.flags & 1 != 0 {
        return Err(unsupported("an encrypted copy of a repeated name"));
    }
    if at.compressed == u32::MAX || at.uncompressed == u32::MAX {
        return Err(unsupported("a zip64 copy of a repeated name"));
    }
    let local = shift
        .checked_add(at.local_offset as usize)
        .ok_or_else(|| corrupt(format!("entry `{entry}`: local header offset out of range")))?;
    if !has_sig(b, local, b"PK\x03\x04") {
        return Err(corrupt(format!(
            "entry `{entry}`: no local header at {local}"
        )));
    }
    let lens = le16(b, local + 26)
        .zip(le16(b, local + 28))
        .ok_or_else(|| corrupt(format!("entry `{entry}`: truncated local header")))?;
    let start = local + 30 + usize::from(lens.0) + usize::from(lens.1);
    let data = start
        .checked_add(at.compressed as usize)
        .and_then(|end| b.get(start..end))
        .ok_or_else(|| corrupt(format!("entry `{entry}`: data past the end of the archive")))?;
    match at.method {
        0 => Ok(Box::new(data)),
        8 => Ok(Box::new(flate2::read::DeflateDecoder::new(data))),
        m => Err(unsupported(&format!(
            "compression method {m} in a copy of a repeated name"
        ))),
    }
}

fn is_dir_name(name: &str) -> bool {
    name.ends_with('/') || name.ends_with('\\')
}

/// Loads a zip archive held in memory.
pub(crate) fn load_zip(
    name: &str,
    bytes: &[u8],
    limits: &Limits,
    wanted: &dyn Fn(&str) -> bool,
) -> Result<Target, IngestError> {
    let dir = scan_central_directory(bytes, limits)?;
    let mut col = Collector::new(limits, wanted);

    // Check every name before reading anything.
    for raw in &dir.names {
        col.count_entry()?;
        let entry = String::from_utf8_lossy(raw);
        let path = normalize_entry(&entry)?;
        if !is_dir_name(&entry) {
            if path.is_empty() {
                return Err(IngestError::EmptyName {
                    entry: entry.into_owned(),
                });
            }
            col.claim_entry(&path);
        }
    }

    let mut archive =
        ZipArchive::new(Cursor::new(&bytes[..dir.end])).map_err(|e| corrupt(e.to_string()))?;
    // The `zip` crate keeps one entry per name, at the place of its first listing, with the
    // data of its last: `unique[k]` is the listing `by_index(k)` reads.
    let mut first_seen = std::collections::HashMap::new();
    let mut unique = Vec::new();
    for (i, raw) in dir.names.iter().enumerate() {
        if first_seen.insert(raw.as_slice(), i).is_none() {
            unique.push(i);
        }
    }
    if archive.len() != unique.len() {
        return Err(corrupt(format!(
            "inconsistent central directory ({} names listed, {} readable)",
            unique.len(),
            archive.len()
        )));
    }
    for (k, &first) in unique.iter().enumerate() {
        let expected = &dir.names[first];
        // Earlier copies of a repeated name first, so that the last one read is the file.
        let copies: Vec<usize> = (first..dir.names.len())
            .filter(|&j| dir.names[j] == *expected)
            .collect();
        if copies.len() > 1 && !is_dir_name(&String::from_utf8_lossy(expected)) {
            let entry = String::from_utf8_lossy(expected).into_owned();
            let path = normalize_entry(&entry)?;
            for &j in &copies[..copies.len() - 1] {
                let mut data = read_copy(bytes, dir.located[j], dir.shift, &entry)?;
                let want = col.wants(&path);
                col.read_content(
                    &path,
                    &mut data,
                    want,
                    u64::from(dir.located[j].uncompressed),
                )
                .map_err(|e| match e {
                    ContentError::Limit(e) => e,
                    ContentError::Io(e) => corrupt(format!("entry `{entry}`: {e}")),
                })?;
            }
        }
        let i = k;
        let entry = String::from_utf8_lossy(expected).into_owned();
        let mut file = archive.by_index(i).map_err(|e| match e {
            ZipError::UnsupportedArchive(detail) => IngestError::Unsupported {
                entry: entry.clone(),
                detail: detail.to_string(),
            },
            other => corrupt(format!("entry `{entry}`: {other}")),
        })?;
        if file.name_raw() != expected.as_slice() {
            return Err(corrupt(format!(
                "inconsistent central directory at entry `{entry}`"
            )));
        }
        // The decoded name may come from a Unicode-path extra field: it must be safe too.
        normalize_entry(file.name())?;
        let path = normalize_entry(&entry)?;
        if is_dir_name(&entry) {
            if file.size() > 0 {
                col.warn(format!(
                    "ignored {} bytes of data in directory entry {entry}",
                    file.size()
                ));
            }
            continue;
        }
        let is_symlink = file
            .unix_mode()
            .is_some_and(|mode| mode & 0o170000 == 0o120000);
        if is_symlink {
            let mut target = Vec::new();
            (&mut file)
                .take(MAX_LINK_TARGET)
                .read_to_end(&mut target)
                .map_err(|e| corrupt(format!("entry `{entry}`: {e}")))?;
            col.add_bytes(target.len() as u64)?;
            let link = String::from_utf8_lossy(&target).into_owned();
            if resolve_link(parent(&path), &link).is_none() {
                return Err(IngestError::LinkEscapes {
                    entry,
                    kind: "symlink",
                    link,
                });
            }
            col.warn(format!(
                "skipped symlink {path} -> {link} (links in archives are never followed)"
            ));
            continue;
        }
        let want = col.wants(&path);
        let declared = file.size();
        col.read_content(&path, &mut file, want, declared)
            .map_err(|e| match e {
                ContentError::Limit(e) => e,
                ContentError::Io(e) => corrupt(format!("entry `{entry}`: {e}")),
            })?;
    }
    Ok(col.finish(name))
}
