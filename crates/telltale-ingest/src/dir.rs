//! Directory targets: walked without following symlinks, nothing skipped by name.

use std::fs::{self, File};
use std::path::{Component, Path, PathBuf};

use walkdir::WalkDir;

use crate::paths::{parent, resolve_link};
use crate::{Collector, ContentError, IngestError, Limits, Target};

/// `path` relative to `root`, `/`-separated, lossily decoded.
fn rel_path(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Lexically normalises an absolute path (drops `.`, applies `..`).
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Whether a symlink at `rel` (relative to the root) with `target` points outside the root.
/// Purely lexical: the link is never followed.
fn points_outside(root_abs: Option<&Path>, rel: &str, target: &Path) -> bool {
    if target.is_absolute() || target.has_root() {
        return match root_abs {
            Some(root) => !lexical(target).starts_with(root),
            None => true,
        };
    }
    resolve_link(parent(rel), &target.to_string_lossy()).is_none()
}

/// Loads every wanted regular file under `root`.
pub(crate) fn load_dir(
    spec: &str,
    root: &Path,
    limits: &Limits,
    wanted: &dyn Fn(&str) -> bool,
) -> Result<Target, IngestError> {
    let mut col = Collector::new(limits, wanted);
    let root_abs = fs::canonicalize(root).ok();
    for item in WalkDir::new(root).follow_links(false).sort_by_file_name() {
        let entry = match item {
            Ok(entry) => entry,
            Err(e) => {
                let at = e
                    .path()
                    .map(|p| rel_path(root, p))
                    .filter(|p| !p.is_empty())
                    .unwrap_or_else(|| spec.to_string());
                col.warn(format!("cannot read {at}: {e}"));
                continue;
            }
        };
        if entry.depth() == 0 {
            continue;
        }
        col.count_entry()?;
        let rel = rel_path(root, entry.path());
        let file_type = entry.file_type();
        if file_type.is_symlink() {
            match fs::read_link(entry.path()) {
                Ok(target) => {
                    let outside = if points_outside(root_abs.as_deref(), &rel, &target) {
                        " (it points outside the scanned directory)"
                    } else {
                        ""
                    };
                    col.warn(format!(
                        "skipped symlink {rel} -> {}{outside}",
                        target.display()
                    ));
                }
                Err(e) => col.warn(format!(
                    "skipped symlink {rel} (cannot read its target: {e})"
                )),
            }
            continue;
        }
        if file_type.is_dir() {
            continue;
        }
        if !file_type.is_file() {
            col.warn(format!("skipped special file {rel} (not a regular file)"));
            continue;
        }
        if !col.claim(&rel) {
            col.warn(format!(
                "skipped {rel}: another file has the same name once converted to UTF-8"
            ));
            continue;
        }
        if !col.wants(&rel) {
            continue;
        }
        let mut file = match File::open(entry.path()) {
            Ok(file) => file,
            Err(e) => {
                col.warn(format!("cannot read {rel}: {e}"));
                continue;
            }
        };
        // Check the opened file itself, in case the path changed since the walk saw it.
        let meta = match file.metadata() {
            Ok(meta) => meta,
            Err(e) => {
                col.warn(format!("cannot read {rel}: {e}"));
                continue;
            }
        };
        if !meta.is_file() {
            col.warn(format!("skipped {rel}: it is no longer a regular file"));
            continue;
        }
        if meta.len() > limits.max_file_bytes {
            return Err(IngestError::FileTooLarge {
                entry: rel,
                limit: limits.max_file_bytes,
            });
        }
        match col.read_content(&rel, &mut file, true, meta.len()) {
            Ok(_) => {}
            Err(ContentError::Limit(e)) => return Err(e),
            Err(ContentError::Io(e)) => col.warn(format!("cannot read {rel}: {e}")),
        }
    }
    if col.names_seen() == 0 {
        return Err(IngestError::EmptyFolder {
            spec: spec.to_string(),
        });
    }
    Ok(col.finish(spec))
}
