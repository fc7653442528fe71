//! Tar and gzip-compressed tar streams (npm tarballs), read in one pass without seeking
//! and without touching the disk.

use std::cell::Cell;
use std::io::{self, Cursor, Read};

use tar::EntryType;

use crate::paths::{normalize_entry, parent, resolve_link};
use crate::{looks_like_tar, read_prefix, Collector, ContentError, IngestError, Limits, Target};

/// What happened inside a [`Meter`], read back after an I/O error to tell a limit hit and a
/// decompression failure from a malformed tar stream.
#[derive(Default)]
struct MeterState {
    over_limit: Cell<bool>,
    inner_failed: Cell<bool>,
}

/// Counts the bytes of the (decompressed) stream and fails once more than `cap` have gone
/// by. Everything the tar parser reads — headers, long names, PAX records, padding, file
/// data — passes through here, so nothing can make it allocate past the limit.
struct Meter<'s, R> {
    inner: R,
    used: u64,
    cap: u64,
    state: &'s MeterState,
}

impl<R: Read> Read for Meter<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.used > self.cap {
            self.state.over_limit.set(true);
            return Err(io::Error::other("uncompressed size limit exceeded"));
        }
        let room = (self.cap - self.used).saturating_add(1);
        let len = buf.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        match self.inner.read(&mut buf[..len]) {
            Ok(n) => {
                self.used = self.used.saturating_add(n as u64);
                if self.used > self.cap {
                    self.state.over_limit.set(true);
                    return Err(io::Error::other("uncompressed size limit exceeded"));
                }
                Ok(n)
            }
            Err(e) => {
                if e.kind() != io::ErrorKind::Interrupted {
                    self.state.inner_failed.set(true);
                }
                Err(e)
            }
        }
    }
}

/// Turns an I/O error from the stream into the error to report.
fn stream_error(
    e: &io::Error,
    state: &MeterState,
    limits: &Limits,
    outer: &'static str,
    entry: Option<&str>,
) -> IngestError {
    if state.over_limit.get() {
        return IngestError::TooManyBytes {
            limit: limits.max_total_bytes,
        };
    }
    let format = if state.inner_failed.get() {
        outer
    } else {
        "tar"
    };
    let detail = match entry {
        Some(entry) => format!("entry `{entry}`: {e}"),
        None => e.to_string(),
    };
    IngestError::Corrupt { format, detail }
}

/// Loads a gzip stream: a compressed tar, or else one compressed file named `file_name`
/// without its `.gz` suffix.
pub(crate) fn load_gzip<R: Read>(
    name: &str,
    file_name: &str,
    reader: R,
    limits: &Limits,
    wanted: &dyn Fn(&str) -> bool,
) -> Result<Target, IngestError> {
    let state = MeterState::default();
    let mut meter = Meter {
        inner: crate::gzip_members::GzipMembers::new(reader),
        used: 0,
        cap: limits.max_total_bytes,
        state: &state,
    };
    let peek =
        read_prefix(&mut meter, 512).map_err(|e| stream_error(&e, &state, limits, "gzip", None))?;
    if looks_like_tar(&peek) {
        return read_tar(
            name,
            Cursor::new(peek).chain(meter),
            &state,
            "gzip",
            limits,
            wanted,
        );
    }
    let inner_name = file_name
        .strip_suffix(".gz")
        .filter(|s| !s.is_empty())
        .unwrap_or(file_name);
    let mut col = Collector::new(limits, wanted);
    col.single_file(inner_name, &mut Cursor::new(peek).chain(meter), 0)
        .map_err(|e| match e {
            ContentError::Limit(e) => e,
            ContentError::Io(e) => stream_error(&e, &state, limits, "gzip", None),
        })?;
    Ok(col.finish(name))
}

/// Loads an uncompressed tar stream.
pub(crate) fn load_tar<R: Read>(
    name: &str,
    reader: R,
    limits: &Limits,
    wanted: &dyn Fn(&str) -> bool,
) -> Result<Target, IngestError> {
    let state = MeterState::default();
    let meter = Meter {
        inner: reader,
        used: 0,
        cap: limits.max_total_bytes,
        state: &state,
    };
    read_tar(name, meter, &state, "tar", limits, wanted)
}

fn read_tar<R: Read>(
    name: &str,
    reader: R,
    state: &MeterState,
    outer: &'static str,
    limits: &Limits,
    wanted: &dyn Fn(&str) -> bool,
) -> Result<Target, IngestError> {
    let mut archive = tar::Archive::new(reader);
    let mut col = Collector::new(limits, wanted);
    let err = |e: &io::Error, entry: Option<&str>| stream_error(e, state, limits, outer, entry);
    {
        let entries = archive.entries().map_err(|e| err(&e, None))?;
        for entry in entries {
            let mut entry = entry.map_err(|e| err(&e, None))?;
            col.count_entry()?;
            let raw_name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            let path = normalize_entry(&raw_name)?;
            let kind = entry.header().entry_type();
            let declared = entry.size();
            match kind {
                EntryType::Directory => {}
                // Old archives mark directories as regular files with a trailing slash.
                EntryType::Regular
                    if declared == 0 && (raw_name.ends_with('/') || raw_name.ends_with('\\')) => {}
                EntryType::XGlobalHeader => {}
                EntryType::Symlink | EntryType::Link => {
                    let link = entry
                        .link_name_bytes()
                        .map(|b| String::from_utf8_lossy(&b).into_owned())
                        .unwrap_or_default();
                    non_empty(&path, &raw_name)?;
                    col.claim_entry(&path);
                    let (kind_name, resolved) = if kind == EntryType::Symlink {
                        ("symlink", resolve_link(parent(&path), &link))
                    } else {
                        ("hard link", resolve_link("", &link))
                    };
                    if resolved.is_none() {
                        return Err(IngestError::LinkEscapes {
                            entry: raw_name,
                            kind: kind_name,
                            link,
                        });
                    }
                    col.warn(format!(
                        "skipped {kind_name} {path} -> {link} (links in archives are never followed)"
                    ));
                }
                EntryType::Regular | EntryType::Continuous | EntryType::GNUSparse => {
                    non_empty(&path, &raw_name)?;
                    col.claim_entry(&path);
                    let want = col.wants(&path);
                    if want && declared > limits.max_file_bytes {
                        return Err(IngestError::FileTooLarge {
                            entry: path,
                            limit: limits.max_file_bytes,
                        });
                    }
                    if declared > col.remaining() {
                        return Err(IngestError::TooManyBytes {
                            limit: limits.max_total_bytes,
                        });
                    }
                    let n = col
                        .read_content(&path, &mut entry, want, declared)
                        .map_err(|e| match e {
                            ContentError::Limit(e) => e,
                            ContentError::Io(e) => err(&e, Some(&path)),
                        })?;
                    if kind != EntryType::GNUSparse && n != declared {
                        return Err(IngestError::Corrupt {
                            format: outer,
                            detail: format!(
                                "entry `{path}` is truncated ({n} of {declared} bytes present)"
                            ),
                        });
                    }
                }
                EntryType::Char | EntryType::Block | EntryType::Fifo => {
                    non_empty(&path, &raw_name)?;
                    col.claim_entry(&path);
                    col.warn(format!(
                        "skipped special file {path} (device or FIFO entry)"
                    ));
                }
                other => {
                    non_empty(&path, &raw_name)?;
                    col.claim_entry(&path);
                    col.warn(format!(
                        "skipped entry {path} of unsupported tar type {:?} ({declared} bytes)",
                        char::from(other.as_byte())
                    ));
                }
            }
        }
    }
    // Read to the end of the stream, so that a bad gzip trailer (CRC, length) or a bomb hidden
    // after the end-of-archive marker is still noticed.
    let mut rest = archive.into_inner();
    io::copy(&mut rest, &mut io::sink()).map_err(|e| err(&e, None))?;
    Ok(col.finish(name))
}

fn non_empty(path: &str, raw: &str) -> Result<(), IngestError> {
    if path.is_empty() {
        return Err(IngestError::EmptyName {
            entry: raw.to_string(),
        });
    }
    Ok(())
}
