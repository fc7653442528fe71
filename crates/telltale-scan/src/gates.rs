//! Opt-out checks across Python modules: `if self.anonymous_telemetry: send_telemetry(…)` in
//! one module, the request inside `send_telemetry` in another. Each front end gates the sends
//! of its own file; this pass carries a check to the function another module defines, when
//! that function runs only from code the check controls.
//!
//! A function counts as controlled when every call of it in the package sits in code that
//! one setting controls, and nothing else names it: its own module mentions it once (its
//! `def`), each importing module mentions it once more than it calls it (the import), and no
//! other module mentions it (`import pkg.telemetry as t; t.send_telemetry()` might call it
//! anywhere). Anything else leaves the send as its file found it.

use crate::analyse::{kind_of, Analysed, Kind};
use crate::imports::resolve_python;
use std::collections::{BTreeMap, HashMap, HashSet};
use telltale_facts::ImportedCall;
use telltale_knowledge::strings::word_mentions;

/// Adds to the flows inside a controlled function the settings that control every call of it.
pub(crate) fn gate_across_modules(analysed: &mut [Analysed]) {
    let python: Vec<usize> = (0..analysed.len())
        .filter(|&i| kind_of(&analysed[i].facts.file) == Some(Kind::Python))
        .collect();
    if !python
        .iter()
        .any(|&i| !analysed[i].facts.module.imported_calls.is_empty())
    {
        return;
    }
    let files: HashSet<&str> = python
        .iter()
        .map(|&i| analysed[i].facts.file.as_str())
        .collect();
    let index: HashMap<&str, usize> = python
        .iter()
        .map(|&i| (analysed[i].facts.file.as_str(), i))
        .collect();
    // (defining file, function) → (importing file, call) for every call of it.
    let mut uses: BTreeMap<(usize, &str), Vec<(usize, &ImportedCall)>> = BTreeMap::new();
    for &i in &python {
        let a = &analysed[i];
        for c in &a.facts.module.imported_calls {
            let Some(&j) = resolve_python(&files, &a.facts.file, &c.module)
                .as_deref()
                .and_then(|t| index.get(t))
            else {
                continue;
            };
            uses.entry((j, c.name.as_str())).or_default().push((i, c));
        }
    }
    let mut gates: Vec<(usize, telltale_facts::Span, Vec<String>)> = Vec::new();
    for ((j, name), calls) in &uses {
        let Some(settings) = controlling(calls) else {
            continue;
        };
        let Some(&(_, span)) = analysed[*j]
            .facts
            .module
            .functions
            .iter()
            .find(|(n, _)| n == name)
        else {
            continue;
        };
        if word_mentions(&analysed[*j].text, name) != 1 {
            continue;
        }
        let mut per_file: BTreeMap<usize, (usize, &str)> = BTreeMap::new();
        for (i, c) in calls {
            per_file.entry(*i).or_insert((0, c.local.as_str())).0 += 1;
        }
        let only_these = per_file
            .iter()
            .all(|(&i, &(n, local))| word_mentions(&analysed[i].text, local) == n + 1);
        let elsewhere = python.iter().any(|&k| {
            k != *j && !per_file.contains_key(&k) && word_mentions(&analysed[k].text, name) > 0
        });
        if only_these && !elsewhere {
            gates.push((*j, span, settings));
        }
    }
    for (j, span, settings) in gates {
        for fl in &mut analysed[j].facts.flows {
            if span.start <= fl.span.start && fl.span.end <= span.end {
                for s in &settings {
                    if !fl.gated_by.contains(s) {
                        fl.gated_by.push(s.clone());
                    }
                }
            }
        }
    }
}

/// The settings that control every one of the calls, if any.
fn controlling(calls: &[(usize, &ImportedCall)]) -> Option<Vec<String>> {
    let (_, first) = calls.first()?;
    let common: Vec<String> = first
        .gated_by
        .iter()
        .filter(|s| calls.iter().all(|(_, c)| c.gated_by.contains(s)))
        .cloned()
        .collect();
    (!common.is_empty()).then_some(common)
}
