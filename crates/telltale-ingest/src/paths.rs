//! Entry-name checks shared by the archive readers: normalisation of archive paths and
//! lexical resolution of link targets. Nothing here touches the file system.

use crate::IngestError;

/// Splits a raw entry name into its components, treating both `/` and `\` as separators.
fn components(name: &str) -> impl Iterator<Item = &str> {
    name.split(['/', '\\'])
}

/// True if `name` is absolute: starts with `/` or `\` (also UNC `\\server`), or with a
/// Windows drive prefix such as `C:` / `C:\`.
pub(crate) fn is_absolute(name: &str) -> bool {
    if name.starts_with('/') || name.starts_with('\\') {
        return true;
    }
    let b = name.as_bytes();
    b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':'
}

/// Normalises an archive entry name into a `/`-separated relative path.
///
/// Empty and `.` components are dropped and `\` is treated as a separator. Absolute names
/// and names with a `..` component are rejected, so the result can never point outside the
/// archive root. Returns an empty string for names that denote the root itself (`./`).
pub(crate) fn normalize_entry(name: &str) -> Result<String, IngestError> {
    if is_absolute(name) {
        return Err(IngestError::AbsolutePath {
            entry: name.to_string(),
        });
    }
    let mut out: Vec<&str> = Vec::new();
    let mut depth: i64 = 0;
    let mut saw_parent = false;
    let mut escapes = false;
    for c in components(name) {
        match c {
            "" | "." => {}
            ".." => {
                saw_parent = true;
                depth -= 1;
                if depth < 0 {
                    escapes = true;
                }
                out.pop();
            }
            _ => {
                depth += 1;
                out.push(c);
            }
        }
    }
    if escapes {
        return Err(IngestError::PathEscapes {
            entry: name.to_string(),
        });
    }
    if saw_parent {
        return Err(IngestError::ParentComponent {
            entry: name.to_string(),
        });
    }
    Ok(out.join("/"))
}

/// Resolves a link target lexically, starting from the directory `base` (a normalised,
/// `/`-separated path; empty for the root). Returns `None` if the target is absolute or
/// climbs above the root, otherwise the normalised path it points to.
pub(crate) fn resolve_link(base: &str, target: &str) -> Option<String> {
    if is_absolute(target) {
        return None;
    }
    let mut stack: Vec<&str> = base.split('/').filter(|c| !c.is_empty()).collect();
    for c in components(target) {
        match c {
            "" | "." => {}
            ".." => {
                stack.pop()?;
            }
            _ => stack.push(c),
        }
    }
    Some(stack.join("/"))
}

/// The parent directory of a normalised path (empty for top-level names).
pub(crate) fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(i) => &path[..i],
        None => "",
    }
}

/// The last component of a name, accepting both `/` and `\` as separators.
pub(crate) fn base_name(name: &str) -> &str {
    name.rsplit(['/', '\\'])
        .find(|c| !c.is_empty())
        .unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_plain_names() {
        assert_eq!(
            normalize_entry("package/index.js").unwrap(),
            "package/index.js"
        );
        assert_eq!(normalize_entry("./package//a.js").unwrap(), "package/a.js");
        assert_eq!(
            normalize_entry("package\\lib\\a.js").unwrap(),
            "package/lib/a.js"
        );
        assert_eq!(normalize_entry("./").unwrap(), "");
    }

    #[test]
    fn rejects_hostile_names() {
        for bad in ["../evil", "a/../../b", "..\\..\\x", "a\\..\\..\\b"] {
            assert!(
                matches!(normalize_entry(bad), Err(IngestError::PathEscapes { .. })),
                "{bad}"
            );
        }
        for bad in [
            "/etc/passwd",
            "\\\\server\\share\\x",
            "C:\\Windows\\x",
            "c:foo",
            "\\x",
        ] {
            assert!(
                matches!(normalize_entry(bad), Err(IngestError::AbsolutePath { .. })),
                "{bad}"
            );
        }
        assert!(matches!(
            normalize_entry("a/../b"),
            Err(IngestError::ParentComponent { .. })
        ));
    }

    #[test]
    fn resolves_links() {
        assert_eq!(
            resolve_link("package/lib", "../a.js").as_deref(),
            Some("package/a.js")
        );
        assert_eq!(resolve_link("package", "../../etc/passwd"), None);
        assert_eq!(resolve_link("", "/etc/passwd"), None);
        assert_eq!(resolve_link("", "C:\\x"), None);
        assert_eq!(resolve_link("a", "..").as_deref(), Some(""));
    }

    #[test]
    fn base_names() {
        assert_eq!(base_name("a/b/c.tgz"), "c.tgz");
        assert_eq!(base_name("a\\c.tgz"), "c.tgz");
        assert_eq!(base_name("c.tgz"), "c.tgz");
        assert_eq!(base_name("dir/"), "dir");
    }
}
