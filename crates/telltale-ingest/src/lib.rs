//! Ingest: turns what the user named — a directory, a single file, an npm tarball
//! (`.tgz` / `.tar.gz` / `.tar`), a zip (`.zip`, `.vsix`, `.whl`, `.jar`) or an Electron
//! `app.asar` — into a
//! [`Target`]: a sorted list of [`SourceFile`]s with their bytes.
//!
//! # Safety boundary
//!
//! Package contents are hostile data. This crate only ever *reads* them as bytes:
//!
//! * archives are read in memory (streamed), never extracted to disk;
//! * entries with absolute paths or `..` components are rejected, as are duplicate names and
//!   links pointing outside the archive root; links inside the root are skipped, never followed;
//! * the decompressed stream is metered while it is read, so a decompression bomb fails with
//!   [`IngestError::TooManyBytes`] before anything past [`Limits::max_total_bytes`] is
//!   allocated; declared sizes in zip files are never trusted;
//! * directories are walked without following symlinks, and hidden files and `node_modules`
//!   are not skipped (hidden code must not be skippable).
//!
//! Archive formats are recognised by their magic bytes, not by file extension.

use std::collections::{HashMap, HashSet};
use std::fs::{self, File};
use std::io::{self, BufReader, Cursor, Read};
use std::path::Path;

mod asar;
mod dir;
pub mod executable;
mod gzip_members;
mod paths;
mod tar_gz;
mod zip_archive;

/// Resource limits applied while loading one target.
///
/// They guard against archive bombs and runaway memory use. For archives every entry is
/// counted and every byte the decompressor produces counts toward `max_total_bytes`, whether
/// or not the file's content is wanted. For directories, files that are not wanted are never
/// opened, so only the files actually read count toward `max_total_bytes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most uncompressed bytes a target may hold (the CLI flag is `--max-archive-bytes`).
    pub max_total_bytes: u64,
    /// Most entries (files, directories, links) a target may hold (`--max-archive-entries`).
    pub max_entries: u64,
    /// Largest single file whose content is read into memory.
    pub max_file_bytes: u64,
}

impl Default for Limits {
    /// 1 GiB uncompressed in total, 200 000 entries, 256 MiB per file.
    fn default() -> Self {
        Limits {
            max_total_bytes: 1 << 30,
            max_entries: 200_000,
            max_file_bytes: 256 << 20,
        }
    }
}

/// One file of a target, with its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// `/`-separated path relative to the target root, as named inside the archive
    /// (e.g. `package/index.js`); for a directory target relative to that directory; for a
    /// single-file target the file name. Never absolute, never contains `..`.
    pub path: String,
    /// The raw content. Never interpreted or executed here.
    pub bytes: Vec<u8>,
}

/// Everything loaded from one user-named target.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Target {
    /// The target as the user named it (the spec passed to [`load_target`], or the name
    /// passed to [`load_bytes`]).
    pub name: String,
    /// The wanted files, sorted by path.
    pub files: Vec<SourceFile>,
    /// Non-fatal problems worth telling the user (skipped links, unreadable files, ...).
    pub warnings: Vec<String>,
    /// Uncompressed bytes read to load it (wanted or not): what it cost against
    /// [`Limits::max_total_bytes`], for callers that share one budget across nested archives.
    pub bytes_read: u64,
}

/// Why a target could not be loaded. The caller reports it for that target and goes on with
/// the other targets.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The named target does not exist.
    #[error("target `{spec}` does not exist")]
    NotFound {
        /// The spec as given.
        spec: String,
    },
    /// The target names a kind of package telltale does not fetch (`cargo:serde`): no file of
    /// that name exists, and its prefix is no target kind.
    #[error("unknown target kind `{prefix}:` in `{spec}`: a target is npm:NAME[@VERSION], pypi:NAME[==VERSION], a folder, a file or archive, a node_modules folder, or a lockfile")]
    UnknownKind { spec: String, prefix: String },
    /// The named target is neither a regular file nor a directory (a FIFO, a device, ...).
    #[error("target `{spec}` is neither a regular file nor a directory")]
    NotAFile {
        /// The spec as given.
        spec: String,
    },
    /// The target itself could not be opened or read.
    #[error("cannot read `{path}`: {source}")]
    Io {
        /// The path that failed.
        path: String,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// An archive entry whose `..` components climb above the archive root.
    #[error("archive entry `{entry}` escapes the archive root")]
    PathEscapes {
        /// The entry name as stored (lossily decoded).
        entry: String,
    },
    /// An archive entry with an absolute name (`/x`, `\x`, `C:\x`, `\\server\x`).
    #[error("archive entry `{entry}` has an absolute path")]
    AbsolutePath {
        /// The entry name as stored (lossily decoded).
        entry: String,
    },
    /// An archive entry with a `..` component that stays inside the root (`a/../b`): no
    /// legitimate packer writes these.
    #[error("archive entry `{entry}` contains a `..` path component")]
    ParentComponent {
        /// The entry name as stored (lossily decoded).
        entry: String,
    },
    /// An archive entry with an empty name.
    #[error("archive entry `{entry}` has an empty name")]
    EmptyName {
        /// The entry name as stored (lossily decoded).
        entry: String,
    },
    /// A symlink or hard link entry pointing outside the archive root.
    #[error("archive entry `{entry}` is a {kind} pointing outside the archive root (to `{link}`)")]
    LinkEscapes {
        /// The entry name as stored.
        entry: String,
        /// `"symlink"` or `"hard link"`.
        kind: &'static str,
        /// The link target as stored.
        link: String,
    },
    /// A file named as an archive (`.tgz`, `.zip`, `.whl`, …) whose bytes are not one (an
    /// HTML error page saved as a tarball, an empty file).
    #[error("`{spec}` is named as an archive but is not one: {what}")]
    NotAnArchive {
        /// The spec as given.
        spec: String,
        /// What the bytes look like instead.
        what: String,
    },
    /// The named folder holds no files at all.
    #[error("folder `{spec}` is empty: nothing to scan")]
    EmptyFolder {
        /// The spec as given.
        spec: String,
    },
    /// The same file name appears twice in an archive. No longer raised: archives are read
    /// as package managers read them (the last copy wins, every differing copy is analysed).
    #[error("archive contains the file `{entry}` more than once")]
    DuplicateEntry {
        /// The normalised path.
        entry: String,
    },
    /// Truncated or corrupt compressed or archive data.
    #[error("corrupt or truncated {format} data: {detail}")]
    Corrupt {
        /// `"gzip"`, `"tar"` or `"zip"`.
        format: &'static str,
        /// What went wrong, naming the entry where known.
        detail: String,
    },
    /// An archive entry this reader cannot decode (encrypted zip entry, unsupported
    /// compression method, ...). Reported rather than skipped so nothing can hide there.
    #[error("archive entry `{entry}` cannot be read: {detail}")]
    Unsupported {
        /// The entry name.
        entry: String,
        /// Why.
        detail: String,
    },
    /// More entries than [`Limits::max_entries`].
    #[error(
        "target has more than {limit} entries (possible archive bomb); \
         raise the limit with --max-archive-entries"
    )]
    TooManyEntries {
        /// The limit that was exceeded.
        limit: u64,
    },
    /// More uncompressed bytes than [`Limits::max_total_bytes`].
    #[error(
        "target holds more than {limit} bytes of uncompressed data (possible decompression \
         bomb); raise the limit with --max-archive-bytes"
    )]
    TooManyBytes {
        /// The limit that was exceeded.
        limit: u64,
    },
    /// A wanted file larger than [`Limits::max_file_bytes`].
    #[error("file `{entry}` is larger than the per-file limit of {limit} bytes")]
    FileTooLarge {
        /// The file's path.
        entry: String,
        /// The limit that was exceeded.
        limit: u64,
    },
}

/// Loads the target named by `spec`: a directory, a single file, a tar / gzip-compressed tar
/// or a zip archive (recognised by magic bytes).
///
/// `wanted(path)` says whether a file's content is needed; files that are not wanted are not
/// kept in memory (for archives their bytes are still decompressed and counted toward
/// [`Limits::max_total_bytes`]). A gzip stream that does not hold a tar is loaded as one file
/// named after the target without its `.gz` suffix.
/// The prefix of a spec written as `kind:name` (`cargo:serde`, `gem:rails`), if it reads as
/// one: two or more letters before the colon (not a Windows drive, `C:\x`) and no path
/// separator before it.
fn unknown_kind(spec: &str) -> Option<&str> {
    let (prefix, rest) = spec.split_once(':')?;
    (prefix.len() >= 2
        && !rest.is_empty()
        && prefix
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
    .then_some(prefix)
}

pub fn load_target(
    spec: &str,
    limits: &Limits,
    wanted: &dyn Fn(&str) -> bool,
) -> Result<Target, IngestError> {
    let path = Path::new(spec);
    let io_err = |source: io::Error| IngestError::Io {
        path: spec.to_string(),
        source,
    };
    let meta = fs::metadata(path).map_err(|e| {
        if e.kind() == io::ErrorKind::NotFound {
            match unknown_kind(spec) {
                Some(prefix) => IngestError::UnknownKind {
                    spec: spec.to_string(),
                    prefix: prefix.to_string(),
                },
                None => IngestError::NotFound {
                    spec: spec.to_string(),
                },
            }
        } else {
            io_err(e)
        }
    })?;
    if meta.is_dir() {
        return dir::load_dir(spec, path, limits, wanted);
    }
    if !meta.is_file() {
        return Err(IngestError::NotAFile {
            spec: spec.to_string(),
        });
    }
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| paths::base_name(spec).to_string());
    let mut reader = BufReader::new(File::open(path).map_err(io_err)?);
    let prefix = read_prefix(&mut reader, 512).map_err(io_err)?;
    match detect(&prefix) {
        Kind::Gzip => tar_gz::load_gzip(
            spec,
            &file_name,
            Cursor::new(prefix).chain(reader),
            limits,
            wanted,
        ),
        Kind::Tar => tar_gz::load_tar(spec, Cursor::new(prefix).chain(reader), limits, wanted),
        Kind::Zip => {
            if meta.len() > limits.max_total_bytes {
                return Err(IngestError::TooManyBytes {
                    limit: limits.max_total_bytes,
                });
            }
            let mut bytes = prefix;
            reader
                .take(limits.max_total_bytes.saturating_add(1))
                .read_to_end(&mut bytes)
                .map_err(io_err)?;
            if bytes.len() as u64 > limits.max_total_bytes {
                return Err(IngestError::TooManyBytes {
                    limit: limits.max_total_bytes,
                });
            }
            zip_archive::load_zip(spec, &bytes, limits, wanted)
        }
        Kind::Asar => {
            // Read whole, like a zip: the header says where each file lies.
            if meta.len() > limits.max_total_bytes {
                return Err(IngestError::TooManyBytes {
                    limit: limits.max_total_bytes,
                });
            }
            let mut bytes = prefix;
            reader
                .take(limits.max_total_bytes.saturating_add(1))
                .read_to_end(&mut bytes)
                .map_err(io_err)?;
            if bytes.len() as u64 > limits.max_total_bytes {
                return Err(IngestError::TooManyBytes {
                    limit: limits.max_total_bytes,
                });
            }
            asar::load_asar(spec, &bytes, limits, wanted)
        }
        Kind::Plain => {
            not_an_archive(spec, &file_name, &prefix)?;
            let mut col = Collector::new(limits, wanted);
            col.single_file(
                &file_name,
                &mut Cursor::new(prefix).chain(reader),
                meta.len(),
            )
            .map_err(|e| match e {
                ContentError::Limit(e) => e,
                ContentError::Io(e) => io_err(e),
            })?;
            Ok(col.finish(spec))
        }
    }
}

/// Loads an archive (or a single file) held in memory, e.g. a nested archive found inside
/// another target. `name` names it in the result; a non-archive becomes a single file named
/// after the last component of `name`. Same rules and limits as [`load_target`].
pub fn load_bytes(
    name: &str,
    bytes: &[u8],
    limits: &Limits,
    wanted: &dyn Fn(&str) -> bool,
) -> Result<Target, IngestError> {
    let prefix = &bytes[..bytes.len().min(512)];
    let file_name = paths::base_name(name);
    match detect(prefix) {
        Kind::Gzip => tar_gz::load_gzip(name, file_name, bytes, limits, wanted),
        Kind::Tar => tar_gz::load_tar(name, bytes, limits, wanted),
        Kind::Zip => zip_archive::load_zip(name, bytes, limits, wanted),
        Kind::Asar => asar::load_asar(name, bytes, limits, wanted),
        Kind::Plain => {
            not_an_archive(name, file_name, prefix)?;
            let mut col = Collector::new(limits, wanted);
            col.single_file(file_name, &mut &bytes[..], bytes.len() as u64)
                .map_err(|e| match e {
                    ContentError::Limit(e) => e,
                    // Reading from a slice cannot fail.
                    ContentError::Io(e) => IngestError::Io {
                        path: name.to_string(),
                        source: e,
                    },
                })?;
            Ok(col.finish(name))
        }
    }
}

/// Names package archives are published under: bytes named so must be an archive.
const ARCHIVE_SUFFIXES: &[&str] = &[
    ".tgz", ".tar.gz", ".tar", ".zip", ".whl", ".vsix", ".jar", ".egg", ".nupkg", ".crx", ".xpi",
];

/// Whether a file name says it is a package archive.
pub fn named_as_archive(file_name: &str) -> bool {
    let lower = file_name.to_ascii_lowercase();
    ARCHIVE_SUFFIXES.iter().any(|s| lower.ends_with(s))
}

/// Bytes named as an archive that are not one are an error, not a package with nothing in it.
fn not_an_archive(spec: &str, file_name: &str, prefix: &[u8]) -> Result<(), IngestError> {
    if !named_as_archive(file_name) {
        return Ok(());
    }
    let text = String::from_utf8_lossy(&prefix[..prefix.len().min(200)]);
    let head = text.trim_start().to_ascii_lowercase();
    let what = if prefix.is_empty() {
        "it is empty".to_string()
    } else if head.starts_with("<!doctype html")
        || head.starts_with("<html")
        || head.contains("<head")
    {
        "it is an HTML page (an error page saved in its place?)".to_string()
    } else if head.starts_with('{') || head.starts_with('[') {
        "it is JSON text".to_string()
    } else if prefix
        .iter()
        .all(|b| b.is_ascii_graphic() || b.is_ascii_whitespace())
    {
        let line: String = text.lines().next().unwrap_or("").chars().take(60).collect();
        format!("it is text (`{line}`)")
    } else {
        "its bytes are no gzip, tar or zip data".to_string()
    };
    Err(IngestError::NotAnArchive {
        spec: spec.to_string(),
        what,
    })
}

/// The container format bytes start with (`gzip`, `zip`, `tar`), if any: what the scan
/// pipeline opens when it finds an archive inside a package.
pub fn container_format(bytes: &[u8]) -> Option<&'static str> {
    match detect(&bytes[..bytes.len().min(512)]) {
        Kind::Gzip => Some("gzip"),
        Kind::Zip => Some("zip"),
        Kind::Tar => Some("tar"),
        Kind::Asar => Some("asar"),
        Kind::Plain => None,
    }
}

/// What the first bytes of a file say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Gzip,
    Zip,
    Tar,
    /// An Electron `app.asar` archive (recognised by its header, see [`asar`]).
    Asar,
    Plain,
}

fn detect(prefix: &[u8]) -> Kind {
    if prefix.starts_with(&[0x1f, 0x8b]) {
        Kind::Gzip
    } else if prefix.starts_with(b"PK\x03\x04")
        || prefix.starts_with(b"PK\x05\x06")
        || prefix.starts_with(b"PK\x07\x08")
    {
        Kind::Zip
    } else if asar::looks_like_asar(prefix) {
        Kind::Asar
    } else if looks_like_tar(prefix) {
        Kind::Tar
    } else {
        Kind::Plain
    }
}

/// True if `block` starts with a tar header: `ustar` magic at offset 257 (POSIX and GNU), or
/// a valid header checksum (old v7 archives).
pub(crate) fn looks_like_tar(block: &[u8]) -> bool {
    if block.len() < 512 {
        return false;
    }
    let block = &block[..512];
    if &block[257..262] == b"ustar" {
        return true;
    }
    if block[0] == 0 {
        return false;
    }
    let field = &block[148..156];
    let digits: Vec<u8> = field
        .iter()
        .copied()
        .skip_while(|b| *b == b' ')
        .take_while(|b| (b'0'..=b'7').contains(b))
        .collect();
    if digits.is_empty() {
        return false;
    }
    let Some(stored) = digits.iter().try_fold(0u32, |acc, d| {
        acc.checked_mul(8)?.checked_add(u32::from(d - b'0'))
    }) else {
        return false;
    };
    let sum: u32 = block
        .iter()
        .enumerate()
        .map(|(i, b)| {
            if (148..156).contains(&i) {
                32
            } else {
                u32::from(*b)
            }
        })
        .sum();
    sum == stored
}

/// Reads up to `n` bytes (fewer only at end of input).
pub(crate) fn read_prefix<R: Read + ?Sized>(r: &mut R, n: usize) -> io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(n);
    r.take(n as u64).read_to_end(&mut buf)?;
    Ok(buf)
}

/// Failure while reading one file's content: a limit (already an [`IngestError`]) or an I/O
/// error that the caller turns into a format-specific error.
pub(crate) enum ContentError {
    Limit(IngestError),
    Io(io::Error),
}

impl From<IngestError> for ContentError {
    fn from(e: IngestError) -> Self {
        ContentError::Limit(e)
    }
}

/// Bookkeeping shared by all loaders: limits, duplicate names, collected files, warnings.
pub(crate) struct Collector<'a> {
    limits: &'a Limits,
    wanted: &'a dyn Fn(&str) -> bool,
    entries: u64,
    bytes: u64,
    names: HashSet<String>,
    files: Vec<SourceFile>,
    warnings: Vec<String>,
    /// How many times each name was listed, for names listed more than once.
    repeats: HashMap<String, u32>,
    /// Where each kept file is in `files`, by path.
    kept: HashMap<String, usize>,
}

impl<'a> Collector<'a> {
    pub(crate) fn new(limits: &'a Limits, wanted: &'a dyn Fn(&str) -> bool) -> Self {
        Collector {
            limits,
            wanted,
            entries: 0,
            bytes: 0,
            names: HashSet::new(),
            files: Vec::new(),
            warnings: Vec::new(),
            repeats: HashMap::new(),
            kept: HashMap::new(),
        }
    }

    /// Counts one entry against [`Limits::max_entries`].
    pub(crate) fn count_entry(&mut self) -> Result<(), IngestError> {
        self.entries += 1;
        if self.entries > self.limits.max_entries {
            return Err(IngestError::TooManyEntries {
                limit: self.limits.max_entries,
            });
        }
        Ok(())
    }

    /// Registers a (non-directory) path; returns false if it was already seen.
    pub(crate) fn claim(&mut self, path: &str) -> bool {
        self.names.insert(path.to_string())
    }

    /// An archive entry's name. A name listed again is read as npm and pip read it: the later
    /// entry replaces the earlier one on disk. [`Collector::read_content`] keeps every copy
    /// whose bytes differ (a later copy can hide code from a reviewer who reads the first).
    pub(crate) fn claim_entry(&mut self, path: &str) {
        if !self.claim(path) {
            *self.repeats.entry(path.to_string()).or_insert(1) += 1;
        }
    }

    /// Files named so far.
    pub(crate) fn names_seen(&self) -> usize {
        self.names.len()
    }

    pub(crate) fn wants(&self, path: &str) -> bool {
        (self.wanted)(path)
    }

    pub(crate) fn warn(&mut self, w: String) {
        self.warnings.push(w);
    }

    /// Bytes still allowed before [`Limits::max_total_bytes`] is exceeded.
    pub(crate) fn remaining(&self) -> u64 {
        self.limits.max_total_bytes.saturating_sub(self.bytes)
    }

    /// Counts bytes read outside [`Collector::read_content`] (e.g. link targets).
    pub(crate) fn add_bytes(&mut self, n: u64) -> Result<(), IngestError> {
        self.bytes = self.bytes.saturating_add(n);
        if self.bytes > self.limits.max_total_bytes {
            return Err(IngestError::TooManyBytes {
                limit: self.limits.max_total_bytes,
            });
        }
        Ok(())
    }

    /// Reads one file's content from `r`, counting every byte. If `want`, the content is kept
    /// (at most [`Limits::max_file_bytes`]); otherwise it is discarded as it streams by.
    /// Returns the number of bytes read. Never reads more than one byte past a limit.
    pub(crate) fn read_content(
        &mut self,
        path: &str,
        r: &mut dyn Read,
        want: bool,
        size_hint: u64,
    ) -> Result<u64, ContentError> {
        let remaining = self.remaining();
        let cap = if want {
            remaining.min(self.limits.max_file_bytes)
        } else {
            remaining
        };
        let mut limited = r.take(cap.saturating_add(1));
        let (n, data) = if want {
            // The declared size (already checked against the limits) saves copying a 400 MB
            // executable through every doubling; a lying one only reserves address space,
            // given back below.
            let initial = size_hint.min(cap) as usize;
            let mut v = Vec::with_capacity(initial);
            limited.read_to_end(&mut v).map_err(ContentError::Io)?;
            if v.capacity() > v.len().saturating_mul(2).max(1 << 16) {
                v.shrink_to_fit();
            }
            (v.len() as u64, Some(v))
        } else {
            let n = io::copy(&mut limited, &mut io::sink()).map_err(ContentError::Io)?;
            (n, None)
        };
        self.add_bytes(n)?;
        if want && n > self.limits.max_file_bytes {
            return Err(IngestError::FileTooLarge {
                entry: path.to_string(),
                limit: self.limits.max_file_bytes,
            }
            .into());
        }
        if let Some(bytes) = data {
            self.keep(path, bytes);
        }
        Ok(n)
    }

    /// Keep a file's content; a name listed again replaces the earlier copy, which is kept
    /// beside it as `PATH (overwritten copy N)` when its bytes differ.
    fn keep(&mut self, path: &str, bytes: Vec<u8>) {
        if let Some(&at) = self.kept.get(path) {
            let listed = self.repeats.get(path).copied().unwrap_or(2);
            if self.files[at].bytes == bytes {
                self.warn(format!(
                    "archive lists {path} {listed} times; the copies are identical"
                ));
                return;
            }
            let copy = format!("{path} (overwritten copy {})", listed - 1);
            self.warn(format!(
                "archive lists {path} {listed} times with different contents: npm and pip install the last copy, \
                 so a reviewer reading the first sees other code; every copy is analysed (the earlier as `{copy}`)"
            ));
            self.files[at].path = copy.clone();
            self.kept.insert(copy, at);
        }
        self.kept.insert(path.to_string(), self.files.len());
        self.files.push(SourceFile {
            path: path.to_string(),
            bytes,
        });
    }

    /// A target that is one plain file.
    pub(crate) fn single_file(
        &mut self,
        file_name: &str,
        r: &mut dyn Read,
        size_hint: u64,
    ) -> Result<(), ContentError> {
        self.count_entry()?;
        self.claim(file_name);
        let want = self.wants(file_name);
        if want && size_hint > self.limits.max_file_bytes {
            return Err(IngestError::FileTooLarge {
                entry: file_name.to_string(),
                limit: self.limits.max_file_bytes,
            }
            .into());
        }
        self.read_content(file_name, r, want, size_hint)?;
        Ok(())
    }

    /// The finished target, files sorted by path.
    pub(crate) fn finish(mut self, name: &str) -> Target {
        self.files.sort_by(|a, b| a.path.cmp(&b.path));
        Target {
            name: name.to_string(),
            files: self.files,
            warnings: self.warnings,
            bytes_read: self.bytes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_by_magic() {
        assert_eq!(detect(&[0x1f, 0x8b, 8, 0]), Kind::Gzip);
        assert_eq!(detect(b"PK\x03\x04rest"), Kind::Zip);
        assert_eq!(detect(b"PK\x05\x06rest"), Kind::Zip);
        assert_eq!(detect(b"console.log(1)"), Kind::Plain);
        assert_eq!(detect(b""), Kind::Plain);
        assert_eq!(detect(&[0u8; 512]), Kind::Plain);
        let mut h = tar::Header::new_ustar();
        h.set_path("a.js").unwrap();
        h.set_size(0);
        h.set_cksum();
        assert_eq!(detect(h.as_bytes()), Kind::Tar);
        let mut old = tar::Header::new_old();
        old.set_path("a.js").unwrap();
        old.set_size(0);
        old.set_cksum();
        assert_eq!(detect(old.as_bytes()), Kind::Tar);
        let mut bad = *old.as_bytes();
        bad[0] = b'b';
        assert_eq!(detect(&bad), Kind::Plain);
    }
}
