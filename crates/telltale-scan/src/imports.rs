//! Module specifiers to package-local files, Node-style and Python-style.

use crate::analyse::{kind_of, Kind};
use std::collections::HashSet;

pub(crate) fn parent(path: &str) -> &str {
    path.rsplit_once('/').map(|(d, _)| d).unwrap_or("")
}

/// `a/b` + `../c/./d` → `a/c/d`.
pub(crate) fn join_rel(dir: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = if dir.is_empty() {
        vec![]
    } else {
        dir.split('/').collect()
    };
    for seg in rel.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

/// The file a package-local module specifier names, Node-style.
pub(crate) fn resolve_local(files: &HashSet<&str>, dir: &str, spec: &str) -> Option<String> {
    let base = join_rel(dir, spec);
    let candidates = [
        base.clone(),
        format!("{base}.js"),
        format!("{base}.cjs"),
        format!("{base}.mjs"),
        format!("{base}.ts"),
        format!("{base}/index.js"),
    ];
    candidates.into_iter().find(|c| files.contains(c.as_str()))
}

/// The file a Python import names (`pkg.mod`, `.mod`, `..pkg`): relative imports from the
/// importer's package, absolute ones from the importer's folder or an enclosing one (an
/// sdist's `setup.py` imports its package from the root, also under `src/`).
pub(crate) fn resolve_python(files: &HashSet<&str>, importer: &str, spec: &str) -> Option<String> {
    let mut dir = parent(importer).to_string();
    let module = spec.trim_start_matches('.');
    let level = spec.len() - module.len();
    for _ in 1..level {
        dir = parent(&dir).to_string();
    }
    let rel = module.replace('.', "/");
    let candidates = |base: &str| {
        let join = |p: &str| {
            if base.is_empty() {
                p.to_string()
            } else {
                format!("{base}/{p}")
            }
        };
        if rel.is_empty() {
            vec![join("__init__.py")]
        } else {
            vec![
                join(&format!("{rel}.py")),
                join(&format!("{rel}/__init__.py")),
                join(&format!("src/{rel}.py")),
                join(&format!("src/{rel}/__init__.py")),
            ]
        }
    };
    loop {
        if let Some(found) = candidates(&dir)
            .into_iter()
            .find(|c| files.contains(c.as_str()))
        {
            return Some(found);
        }
        if level > 0 || dir.is_empty() {
            return None;
        }
        dir = parent(&dir).to_string();
    }
}

/// The package-local file a module specifier of `importer` names, by the importer's language.
pub(crate) fn resolve_import(files: &HashSet<&str>, importer: &str, spec: &str) -> Option<String> {
    if kind_of(importer) == Some(Kind::Python) {
        return resolve_python(files, importer, spec);
    }
    if !spec.starts_with('.') {
        return None;
    }
    resolve_local(files, parent(importer), spec)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn relative_paths_join() {
        assert_eq!(join_rel("package/lib", "../x/./y"), "package/x/y");
        assert_eq!(join_rel("", "./a.js"), "a.js");
    }
    #[test]
    fn python_imports_resolve_in_the_package() {
        let files: HashSet<&str> = [
            "p/setup.py",
            "p/pkg/__init__.py",
            "p/pkg/util.py",
            "p/src/other.py",
        ]
        .into_iter()
        .collect();
        assert_eq!(
            resolve_python(&files, "p/setup.py", "pkg").as_deref(),
            Some("p/pkg/__init__.py")
        );
        assert_eq!(
            resolve_python(&files, "p/setup.py", "pkg.util").as_deref(),
            Some("p/pkg/util.py")
        );
        assert_eq!(
            resolve_python(&files, "p/setup.py", "other").as_deref(),
            Some("p/src/other.py")
        );
        assert_eq!(
            resolve_python(&files, "p/pkg/__init__.py", ".util").as_deref(),
            Some("p/pkg/util.py")
        );
        assert_eq!(resolve_python(&files, "p/pkg/util.py", "os"), None);
    }
}
