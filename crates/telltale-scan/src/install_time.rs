//! Install time: what npm and pip run while installing, followed through package-local imports.

use crate::analyse::{kind_of, Analysed, Kind};
use crate::imports::{parent, resolve_import, resolve_local};
use std::collections::{HashMap, HashSet, VecDeque};

/// Mark every file reached from an install script, following package-local requires.
pub(crate) fn mark_install_time(analysed: &mut [Analysed]) {
    let names: Vec<String> = analysed.iter().map(|a| a.facts.file.clone()).collect();
    let files: HashSet<&str> = names.iter().map(|s| s.as_str()).collect();
    let index: HashMap<&str, usize> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();
    let mut queue = VecDeque::new();
    for a in analysed.iter() {
        if !a.facts.install_time {
            continue;
        }
        // Scripts run from the manifest's folder; inline code resolves from there too.
        let manifest = a.facts.file.split(" › ").next().unwrap_or("");
        let dir = parent(manifest);
        for s in &a.facts.install_scripts {
            if !s.runs_from_registry() {
                continue;
            }
            for r in &s.runs {
                if let Some(f) = resolve_local(&files, dir, r) {
                    queue.push_back(f);
                }
            }
        }
        for r in &a.facts.requires {
            if let Some(f) = resolve_import(&files, manifest, r) {
                queue.push_back(f);
            }
        }
    }
    let mut seen = HashSet::new();
    while let Some(f) = queue.pop_front() {
        if !seen.insert(f.clone()) {
            continue;
        }
        let Some(&i) = index.get(f.as_str()) else {
            continue;
        };
        analysed[i].facts.install_time = true;
        for r in analysed[i].facts.requires.clone().iter() {
            if let Some(next) = resolve_import(&files, &f, r) {
                queue.push_back(next);
            }
        }
    }
    // Code a file evaluates runs when the file runs.
    let at_install: HashSet<String> = analysed
        .iter()
        .filter(|a| a.facts.install_time)
        .map(|a| a.facts.file.clone())
        .collect();
    for a in analysed.iter_mut() {
        if let Some((outer, _)) = a
            .facts
            .file
            .split_once(" › eval#")
            .or_else(|| a.facts.file.split_once(" › exec#"))
        {
            if at_install.contains(outer) {
                a.facts.install_time = true;
            }
        }
    }
}

/// npm runs the install scripts of the package it installs, of the packages under its
/// `node_modules` (bundled dependencies) and, in a checkout with `workspaces`, of its
/// workspaces. A `package.json` anywhere else — a test fixture (resolve's
/// `test/resolver/multirepo/package.json` with `postinstall: lerna bootstrap`), an example, a
/// template — is never installed: its scripts are not install-time code, and not the
/// package's install scripts.
pub(crate) fn drop_uninstalled_manifests(
    analysed: &mut Vec<Analysed>,
    root: Option<&str>,
    workspaces: bool,
) {
    if workspaces {
        return;
    }
    // Only manifests inside the root package's own folder: a folder of several packages
    // (`vendor/a/package.json`, `vendor/b/package.json`) keeps each one's.
    let Some(root) = root else { return };
    let inside = root.strip_suffix("package.json").unwrap_or("");
    let nested: HashSet<String> = analysed
        .iter()
        .map(|a| a.facts.file.as_str())
        .filter(|f| {
            kind_of(f) == Some(Kind::Manifest)
                && *f != root
                && f.starts_with(inside)
                && !f.contains("node_modules/")
        })
        .map(str::to_string)
        .collect();
    if nested.is_empty() {
        return;
    }
    // The hooks' inline code, analysed as `PATH › postinstall`.
    analysed.retain(|a| {
        a.facts
            .file
            .split_once(" › ")
            .is_none_or(|(outer, _)| !nested.contains(outer))
    });
    for a in analysed
        .iter_mut()
        .filter(|a| nested.contains(&a.facts.file))
    {
        let f = &mut a.facts;
        f.install_time = false;
        f.install_scripts.clear();
        f.flows.clear();
        f.sources.clear();
        f.dynamic_code.clear();
        f.region_guards.clear();
        f.endpoints.clear();
    }
}
