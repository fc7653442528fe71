//! Flows across package-local modules.

use crate::analyse::{analyse_input, kind_of, Analysed, Kind};
use crate::containers::Input;
use crate::imports::{parent, resolve_local};
use crate::options::ScanOptions;
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use telltale_facts::{LineIndex, Links};

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
        let links = package_links(groups);
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
pub(crate) fn package_links(groups: &[Vec<Analysed>]) -> Vec<Links> {
    let mut out = vec![Links::default(); groups.len()];
    fn js(g: &[Analysed]) -> Option<&Analysed> {
        g.first().filter(|a| {
            kind_of(&a.facts.file) == Some(Kind::Js) && a.text.len() <= LINK_MAX_FILE_BYTES
        })
    }
    if !groups
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
        for (spec, target) in &targets {
            let Some(&j) = index.get(target.as_str()) else {
                continue;
            };
            for e in &groups[j][0].facts.module.exports {
                let mut key = spec.to_string();
                if !e.name.is_empty() {
                    key.push('.');
                    key.push_str(&e.name);
                }
                let how = if e.call { "returned by" } else { "exported as" };
                if e.call {
                    key.push_str("()");
                }
                let origin = format!("{}, {how} {key}", located(j, &e.origin, e.span));
                if !e.region.is_empty() {
                    out[i]
                        .region_values
                        .push((key.clone(), e.region, origin.clone()));
                }
                if let Some(p) = &e.predicate {
                    let what = format!(
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
                    );
                    let at = located(j, &what, p.span);
                    // A predicate called (`isInChina()`) and one read (`isInChina`) are both
                    // ways to ask it.
                    out[i]
                        .region_predicates
                        .push((key.clone(), p.clone(), at.clone()));
                    if let Some(value) = key.strip_suffix("()") {
                        out[i]
                            .region_predicates
                            .push((value.to_string(), p.clone(), at));
                    }
                }
                out[i].values.push((key, e.kinds, origin));
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
                "{}, passed to {}()",
                located(i, &c.origin, c.span),
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
