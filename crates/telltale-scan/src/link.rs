//! Flows across package-local modules.

use crate::analyse::{analyse_input, kind_of, Analysed, Kind};
use crate::containers::Input;
use crate::imports::{parent, resolve_local};
use crate::options::DependencyExports;
use crate::options::ScanOptions;
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use telltale_facts::{CrossPackage, ExportSummary, LineIndex, Links, RegionPredicate};

/// How many times a file may be analysed again for data from other files: enough for a
/// chain of three modules, and a bound on hostile packages.
const LINK_ROUNDS: usize = 3;

/// Files larger than this are not linked: bundles already hold their modules in one file
/// (their chunks share a runtime and large config objects, which would link everything to
/// everything), and analysing a bundle again costs what the first analysis did.
const LINK_MAX_FILE_BYTES: usize = 1 << 20;

/// Flows across package-local modules: a JS file whose imports or callers carry identity or
/// region data is analysed again with what the other files give it ([`Links`]), until
/// nothing new arrives. `groups[i]` is what `inputs[i]` gave: the input, then its nested sources.
pub(crate) fn link_package(groups: &mut [Vec<Analysed>], inputs: &[Input], opts: &ScanOptions) {
    let mut given: Vec<Option<Links>> = vec![None; groups.len()];
    for _ in 0..LINK_ROUNDS {
        let links = package_links(groups, opts.dependency_exports.as_deref());
        let todo: Vec<usize> = (0..groups.len())
            .filter(|&i| !links[i].is_empty() && given[i].as_ref() != Some(&links[i]))
            .collect();
        if todo.is_empty() {
            break;
        }
        let redone: Vec<(usize, Vec<Analysed>)> = todo
            .par_iter()
            .map(|&i| {
                let mut o = opts.clone();
                o.js.links = Some(Arc::new(links[i].clone()));
                (i, analyse_input(&inputs[i], &o))
            })
            .collect();
        for (i, g) in redone {
            if !g.is_empty() {
                groups[i] = g;
            }
            given[i] = Some(links[i].clone());
        }
    }
}

fn js(g: &[Analysed]) -> Option<&Analysed> {
    g.first()
        .filter(|a| kind_of(&a.facts.file) == Some(Kind::Js) && a.text.len() <= LINK_MAX_FILE_BYTES)
}

/// A specifier that names a package rather than a file (`@serverless/utils/is-in-china`).
fn is_bare(spec: &str) -> bool {
    !spec.is_empty() && !spec.starts_with('.') && !spec.starts_with('/') && !spec.contains(':')
}

/// How a module that requires `spec` reaches export `e`: `spec.name()`, `spec()`, `spec.name`.
fn export_key(spec: &str, e: &ExportSummary) -> String {
    let mut key = spec.to_string();
    if !e.name.is_empty() {
        key.push('.');
        key.push_str(&e.name);
    }
    if e.call {
        key.push_str("()");
    }
    key
}

/// A predicate as the module that asks it reads it: `./is-in-china (tz is Asia/Shanghai)`.
fn predicate_text(key: &str, p: &RegionPredicate) -> String {
    format!(
        "{} ({} {} {})",
        key,
        p.subject,
        if p.positive { "is" } else { "is not" },
        p.constants
            .iter()
            .take(4)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// What a module reached as `spec` gives the module requiring it through export `e`:
/// its data (`origin` says where it is read), its region data, the predicate it answers
/// (`predicate_at` says where that comparison is).
fn add_export(
    links: &mut Links,
    spec: &str,
    e: &ExportSummary,
    origin: String,
    predicate_at: String,
) {
    let key = export_key(spec, e);
    let how = if e.call { "returned by" } else { "exported as" };
    let origin = format!("{origin}, {how} {key}");
    if !e.region.is_empty() {
        links
            .region_values
            .push((key.clone(), e.region, origin.clone()));
    }
    if let Some(p) = &e.predicate {
        // A predicate called (`isInChina()`) and one read (`isInChina`) are both ways to
        // ask it.
        links
            .region_predicates
            .push((key.clone(), p.clone(), predicate_at.clone()));
        if let Some(value) = key.strip_suffix("()") {
            links
                .region_predicates
                .push((value.to_string(), p.clone(), predicate_at));
        }
    }
    links.values.push((key, e.kinds, origin));
}

/// `--deps`: what this package's modules give the other packages of the closure (the region
/// data and predicates they export, by every specifier that reaches them, located), and the
/// bare specifiers its own JS requires.
pub(crate) fn cross_package(
    groups: &[Vec<Analysed>],
    manifest_path: &str,
    json: &serde_json::Value,
) -> CrossPackage {
    let mut out = CrossPackage::default();
    let Some(name) = json["name"].as_str().filter(|n| !n.is_empty()) else {
        return out;
    };
    let root = parent(manifest_path);
    let main = json["main"].as_str().unwrap_or("index.js");
    let main = main.trim_start_matches("./");
    let strip = |p: &str| -> String {
        let p = [".js", ".cjs", ".mjs"]
            .iter()
            .find_map(|x| p.strip_suffix(x))
            .unwrap_or(p);
        p.strip_suffix("/index").unwrap_or(p).to_string()
    };
    let main_module = strip(main);
    let mut requires = HashSet::new();
    for g in groups {
        let Some(a) = js(g) else { continue };
        requires.extend(a.facts.requires.iter().filter(|r| is_bare(r)).cloned());
        let Some(rel) = a
            .facts
            .file
            .strip_prefix(root)
            .map(|r| r.trim_start_matches('/'))
            .filter(|r| !r.starts_with("node_modules/"))
        else {
            continue;
        };
        let module = strip(rel);
        let mut specs = vec![format!("{name}/{module}"), format!("{name}/{rel}")];
        if module == main_module {
            specs.push(name.to_string());
        }
        let mut lines: Option<LineIndex> = None;
        let mut at = |what: &str, span: telltale_facts::Span| {
            let what = what.strip_prefix("reads ").unwrap_or(what);
            let (line, col) = lines
                .get_or_insert_with(|| LineIndex::new(a.text.as_bytes()))
                .line_col(span.start);
            format!("{what} at {name}/{rel}:{line}:{col}")
        };
        for e in &a.facts.module.exports {
            let Some(p) = &e.predicate else {
                if !e.region.is_empty() {
                    let origin = at(&e.origin, e.span);
                    out.exports.push((specs.clone(), e.clone(), origin));
                }
                continue;
            };
            let text = predicate_text(&export_key(&specs[0], e), p);
            out.exports
                .push((specs.clone(), e.clone(), at(&text, p.span)));
        }
    }
    out.requires = requires.into_iter().collect();
    out.requires.sort();
    out
}

/// The file a bare specifier names in a `node_modules` folder at or above `dir`.
fn resolve_installed(files: &HashSet<&str>, dir: &str, spec: &str) -> Option<String> {
    let mut d = dir;
    loop {
        let base = if d.is_empty() {
            format!("node_modules/{spec}")
        } else {
            format!("{d}/node_modules/{spec}")
        };
        if let Some(t) = resolve_local(files, "", &base) {
            return Some(t);
        }
        if d.is_empty() {
            return None;
        }
        d = parent(d);
    }
}

/// What each JS file gets from the others: the data their exports carry, under the access
/// path this file uses (`./id.getId()`), and the data callers pass to its exports.
pub(crate) fn package_links(
    groups: &[Vec<Analysed>],
    dependencies: Option<&DependencyExports>,
) -> Vec<Links> {
    let mut out = vec![Links::default(); groups.len()];
    if dependencies.is_none()
        && !groups
            .iter()
            .filter_map(|g| js(g))
            .any(|a| !a.facts.module.exports.is_empty() || !a.facts.module.local_calls.is_empty())
    {
        return out;
    }
    let index: HashMap<&str, usize> = groups
        .iter()
        .enumerate()
        .filter_map(|(i, g)| js(g).map(|a| (a.facts.file.as_str(), i)))
        .collect();
    let files: HashSet<&str> = index.keys().copied().collect();
    let mut lines: HashMap<usize, LineIndex> = HashMap::new();
    let mut located = |j: usize, what: &str, span: telltale_facts::Span| -> String {
        let what = what.strip_prefix("reads ").unwrap_or(what);
        if what.contains(" at ") {
            return what.to_string(); // already located in a file further away
        }
        let a = &groups[j][0];
        let (line, col) = lines
            .entry(j)
            .or_insert_with(|| LineIndex::new(a.text.as_bytes()))
            .line_col(span.start);
        format!("{what} at {}:{line}:{col}", a.facts.file)
    };
    for (i, g) in groups.iter().enumerate() {
        let Some(a) = js(g) else { continue };
        let dir = parent(&a.facts.file);
        let local: Vec<&String> = a
            .facts
            .requires
            .iter()
            .filter(|r| r.starts_with('.'))
            .collect();
        // Bare specifiers installed beside it (`node_modules/@serverless/utils/is-in-china`)
        // when the scan holds them: what their exports are flows here too.
        let installed = a
            .facts
            .requires
            .iter()
            .filter(|r| !r.starts_with('.') && !r.starts_with('/') && !r.is_empty())
            .filter_map(|r| resolve_installed(&files, dir, r).map(|t| (r, t)));
        let targets: Vec<(&String, String)> = local
            .iter()
            .filter_map(|spec| resolve_local(&files, dir, spec).map(|t| (*spec, t)))
            .chain(installed)
            .collect();
        // Modules of other packages of a `--deps` scan, where this package does not carry
        // its own copy.
        if let Some(deps) = dependencies {
            for r in a.facts.requires.iter().filter(|r| is_bare(r)) {
                if targets.iter().any(|(spec, _)| *spec == r) {
                    continue;
                }
                for (e, at) in deps.get(r.as_str()).into_iter().flatten() {
                    add_export(&mut out[i], r, e, at.clone(), at.clone());
                }
            }
        }
        for (spec, target) in &targets {
            let Some(&j) = index.get(target.as_str()) else {
                continue;
            };
            for e in &groups[j][0].facts.module.exports {
                let origin = located(j, &e.origin, e.span);
                let predicate = e
                    .predicate
                    .as_ref()
                    .map(|p| located(j, &predicate_text(&export_key(spec, e), p), p.span))
                    .unwrap_or_default();
                add_export(&mut out[i], spec, e, origin, predicate);
            }
        }
        for c in &a.facts.module.local_calls {
            // The longest local specifier the callee's path starts with names the module.
            let Some((spec, name)) = local
                .iter()
                .filter_map(|s| match c.callee.strip_prefix(s.as_str()) {
                    Some("") => Some((s, "")),
                    Some(rest) => rest.strip_prefix('.').map(|n| (s, n)),
                    None => None,
                })
                .max_by_key(|(s, _)| s.len())
            else {
                continue;
            };
            let Some(&j) = resolve_local(&files, dir, spec).and_then(|t| index.get(t.as_str()))
            else {
                continue;
            };
            let origin = format!(
                "{}{}{}()",
                located(i, &c.origin, c.span),
                telltale_facts::PASSED_BY_CALLERS,
                c.callee
            );
            if !c.region.is_empty() {
                out[j]
                    .region_params
                    .push((name.to_string(), c.arg, c.region, origin.clone()));
            }
            out[j]
                .params
                .push((name.to_string(), c.arg, c.kinds, origin));
        }
    }
    out
}
