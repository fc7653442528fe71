//! Scanning one target: load its files, run the front ends in parallel, mark what install
//! scripts reach, run the rules, and locate the findings.

use crate::manifest;
use rayon::prelude::*;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use telltale_facts::{FileFacts, LineIndex, Links};
use telltale_ingest::{load_target, Limits};
use telltale_report::{LabelInput, PrivacyLabel, TargetReport};
use telltale_rules::{check_file, finalize, Finding};

/// Knobs for a scan.
#[derive(Debug, Clone, Default)]
pub struct ScanOptions {
    pub limits: Limits,
    pub js: telltale_js::Options,
    pub python: telltale_python::Options,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Js,
    Shell,
    Python,
    Manifest,
}

fn kind_of(path: &str) -> Option<Kind> {
    let name = path.rsplit('/').next().unwrap_or(path);
    if name == "package.json" {
        return Some(Kind::Manifest);
    }
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".d.ts") || lower.ends_with(".d.mts") || lower.ends_with(".d.cts") {
        return None;
    }
    let ext = lower.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    match ext {
        "js" | "cjs" | "mjs" | "jsx" | "ts" | "tsx" | "mts" | "cts" => Some(Kind::Js),
        "sh" | "bash" => Some(Kind::Shell),
        "py" | "pyw" => Some(Kind::Python),
        _ => None,
    }
}

/// One analysed file and the text its locations refer to.
struct Analysed {
    facts: FileFacts,
    text: String,
}

fn analyse_file(path: &str, bytes: &[u8], opts: &ScanOptions) -> Vec<Analysed> {
    let Some(kind) = kind_of(path) else { return vec![] };
    if bytes.iter().take(8192).any(|b| *b == 0) {
        let facts = FileFacts { file: path.to_string(), diagnostics: vec!["binary content: not analysed".into()], ..Default::default() };
        return vec![Analysed { facts, text: String::new() }];
    }
    let text = String::from_utf8_lossy(bytes).into_owned();
    match kind {
        Kind::Js => {
            let mut facts = telltale_js::analyze(path, &text, &opts.js);
            let nested = std::mem::take(&mut facts.nested);
            let mut out = vec![Analysed { facts, text }];
            out.extend(nested.into_iter().map(|n| Analysed { facts: n.facts, text: n.text }));
            out
        }
        Kind::Python => {
            let mut facts = telltale_python::analyze(path, &text, &opts.python);
            facts.install_time = runs_at_install(path);
            let nested = std::mem::take(&mut facts.nested);
            let mut out = vec![Analysed { facts, text }];
            out.extend(nested.into_iter().map(|n| Analysed { facts: n.facts, text: n.text }));
            out
        }
        Kind::Shell => {
            let sa = telltale_shell::analyze_shell(&text, 0);
            let facts = FileFacts {
                file: path.to_string(),
                sources: sa.sources,
                flows: sa.flows,
                endpoints: sa.endpoints,
                dynamic_code: sa.dynamic_code,
                ..Default::default()
            };
            vec![Analysed { facts, text }]
        }
        Kind::Manifest => {
            let m = manifest::analyze(path, &text);
            let mut out = vec![];
            for (hook, interpreter, code) in m.inline_code {
                if interpreter != "node" {
                    continue;
                }
                let name = format!("{path} › {hook}");
                let mut facts = telltale_js::analyze(&format!("{name}.js"), &code, &opts.js);
                facts.file = name;
                facts.install_time = true;
                let nested = std::mem::take(&mut facts.nested);
                out.push(Analysed { facts, text: code });
                out.extend(nested.into_iter().map(|n| Analysed { facts: n.facts, text: n.text }));
            }
            out.insert(0, Analysed { facts: m.facts, text });
            out
        }
    }
}

/// A package's own `setup.py` (at the root of the target or of an sdist's top folder): pip
/// runs it to install the package.
fn runs_at_install(path: &str) -> bool {
    let mut parts = path.split('/');
    parts.next_back() == Some("setup.py") && parts.count() <= 1
}

fn parent(path: &str) -> &str {
    path.rsplit_once('/').map(|(d, _)| d).unwrap_or("")
}

/// `a/b` + `../c/./d` → `a/c/d`.
fn join_rel(dir: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = if dir.is_empty() { vec![] } else { dir.split('/').collect() };
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
fn resolve_local(files: &HashSet<&str>, dir: &str, spec: &str) -> Option<String> {
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
fn resolve_python(files: &HashSet<&str>, importer: &str, spec: &str) -> Option<String> {
    let mut dir = parent(importer).to_string();
    let module = spec.trim_start_matches('.');
    let level = spec.len() - module.len();
    for _ in 1..level {
        dir = parent(&dir).to_string();
    }
    let rel = module.replace('.', "/");
    let candidates = |base: &str| {
        let join = |p: &str| if base.is_empty() { p.to_string() } else { format!("{base}/{p}") };
        if rel.is_empty() {
            vec![join("__init__.py")]
        } else {
            vec![join(&format!("{rel}.py")), join(&format!("{rel}/__init__.py")), join(&format!("src/{rel}.py")), join(&format!("src/{rel}/__init__.py"))]
        }
    };
    loop {
        if let Some(found) = candidates(&dir).into_iter().find(|c| files.contains(c.as_str())) {
            return Some(found);
        }
        if level > 0 || dir.is_empty() {
            return None;
        }
        dir = parent(&dir).to_string();
    }
}

/// The package-local file a module specifier of `importer` names, by the importer's language.
fn resolve_import(files: &HashSet<&str>, importer: &str, spec: &str) -> Option<String> {
    if kind_of(importer) == Some(Kind::Python) {
        return resolve_python(files, importer, spec);
    }
    if !spec.starts_with('.') {
        return None;
    }
    resolve_local(files, parent(importer), spec)
}

/// How many times a file may be analysed again for data from other files: enough for a
/// chain of three modules, and a bound on hostile packages.
const LINK_ROUNDS: usize = 3;

/// Files larger than this are not linked: bundles already hold their modules in one file
/// (their chunks share a runtime and large config objects, which would link everything to
/// everything), and analysing a bundle again costs what the first analysis did.
const LINK_MAX_FILE_BYTES: usize = 1 << 20;

/// Flows across package-local modules: a JS file whose imports or callers carry identity or
/// region data is analysed again with what the other files give it ([`Links`]), until
/// nothing new arrives. `groups[i][0]` is input file i; the rest are its nested sources.
fn link_package(groups: &mut [Vec<Analysed>], opts: &ScanOptions) {
    let mut given: Vec<Option<Links>> = vec![None; groups.len()];
    for _ in 0..LINK_ROUNDS {
        let links = package_links(groups);
        let todo: Vec<usize> = (0..groups.len()).filter(|&i| !links[i].is_empty() && given[i].as_ref() != Some(&links[i])).collect();
        if todo.is_empty() {
            break;
        }
        let redone: Vec<(usize, Vec<Analysed>)> = todo
            .par_iter()
            .map(|&i| {
                let mut o = opts.clone();
                o.js.links = Some(Arc::new(links[i].clone()));
                let main = &groups[i][0];
                (i, analyse_file(&main.facts.file, main.text.as_bytes(), &o))
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

/// What each JS file gets from the others: the data their exports carry, under the access
/// path this file uses (`./id.getId()`), and the data callers pass to its exports.
fn package_links(groups: &[Vec<Analysed>]) -> Vec<Links> {
    let mut out = vec![Links::default(); groups.len()];
    fn js(g: &[Analysed]) -> Option<&Analysed> {
        g.first().filter(|a| kind_of(&a.facts.file) == Some(Kind::Js) && a.text.len() <= LINK_MAX_FILE_BYTES)
    }
    if !groups.iter().filter_map(|g| js(g)).any(|a| !a.facts.module.exports.is_empty() || !a.facts.module.local_calls.is_empty()) {
        return out;
    }
    let index: HashMap<&str, usize> = groups.iter().enumerate().filter_map(|(i, g)| js(g).map(|a| (a.facts.file.as_str(), i))).collect();
    let files: HashSet<&str> = index.keys().copied().collect();
    let mut lines: HashMap<usize, LineIndex> = HashMap::new();
    let mut located = |j: usize, what: &str, span: telltale_facts::Span| -> String {
        let what = what.strip_prefix("reads ").unwrap_or(what);
        if what.contains(" at ") {
            return what.to_string(); // already located in a file further away
        }
        let a = &groups[j][0];
        let (line, col) = lines.entry(j).or_insert_with(|| LineIndex::new(a.text.as_bytes())).line_col(span.start);
        format!("{what} at {}:{line}:{col}", a.facts.file)
    };
    for (i, g) in groups.iter().enumerate() {
        let Some(a) = js(g) else { continue };
        let dir = parent(&a.facts.file);
        let local: Vec<&String> = a.facts.requires.iter().filter(|r| r.starts_with('.')).collect();
        for spec in &local {
            let Some(&j) = resolve_local(&files, dir, spec).and_then(|t| index.get(t.as_str())) else { continue };
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
            let Some(&j) = resolve_local(&files, dir, spec).and_then(|t| index.get(t.as_str())) else { continue };
            let origin = format!("{}, passed to {}()", located(i, &c.origin, c.span), c.callee);
            out[j].params.push((name.to_string(), c.arg, c.kinds, origin));
        }
    }
    out
}

/// Mark every file reached from an install script, following package-local requires.
fn mark_install_time(analysed: &mut [Analysed]) {
    let names: Vec<String> = analysed.iter().map(|a| a.facts.file.clone()).collect();
    let files: HashSet<&str> = names.iter().map(|s| s.as_str()).collect();
    let index: HashMap<&str, usize> = names.iter().enumerate().map(|(i, n)| (n.as_str(), i)).collect();
    let mut queue = VecDeque::new();
    for a in analysed.iter() {
        if !a.facts.install_time {
            continue;
        }
        // Scripts run from the manifest's folder; inline code resolves from there too.
        let manifest = a.facts.file.split(" › ").next().unwrap_or("");
        let dir = parent(manifest);
        for s in &a.facts.install_scripts {
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
        let Some(&i) = index.get(f.as_str()) else { continue };
        analysed[i].facts.install_time = true;
        for r in analysed[i].facts.requires.clone().iter() {
            if let Some(next) = resolve_import(&files, &f, r) {
                queue.push_back(next);
            }
        }
    }
    // Code a file evaluates runs when the file runs.
    let at_install: HashSet<String> = analysed.iter().filter(|a| a.facts.install_time).map(|a| a.facts.file.clone()).collect();
    for a in analysed.iter_mut() {
        if let Some((outer, _)) = a.facts.file.split_once(" › eval#").or_else(|| a.facts.file.split_once(" › exec#")) {
            if at_install.contains(outer) {
                a.facts.install_time = true;
            }
        }
    }
}

/// Scan one target as named on the command line.
pub fn scan_target(spec: &str, opts: &ScanOptions) -> TargetReport {
    let wanted = |p: &str| kind_of(p).is_some();
    let target = match load_target(spec, &opts.limits, &wanted) {
        Ok(t) => t,
        Err(e) => {
            return TargetReport::failed(spec, e.to_string())
        }
    };
    let bytes_scanned = target.files.iter().map(|f| f.bytes.len() as u64).sum();
    let mut groups: Vec<Vec<Analysed>> = target.files.par_iter().map(|f| analyse_file(&f.path, &f.bytes, opts)).collect();
    link_package(&mut groups, opts);
    let mut analysed: Vec<Analysed> = groups.into_iter().flatten().collect();
    mark_install_time(&mut analysed);
    let mut warnings = target.warnings;
    for a in &analysed {
        for d in &a.facts.diagnostics {
            warnings.push(format!("{}: {d}", a.facts.file));
        }
    }
    let indexes: Vec<LineIndex> = analysed.par_iter().map(|a| LineIndex::new(a.text.as_bytes())).collect();
    let mut findings: Vec<Finding> = analysed
        .par_iter()
        .zip(indexes.par_iter())
        .flat_map_iter(|(a, index)| {
            let raw = check_file(&a.facts);
            raw.into_iter().map(move |r| finalize(r, &a.facts, &a.text, index)).collect::<Vec<_>>()
        })
        .collect();
    let inputs: Vec<LabelInput> = analysed.iter().zip(&indexes).map(|(a, index)| LabelInput { facts: &a.facts, index }).collect();
    let label = PrivacyLabel::build(&inputs);
    findings.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.file.cmp(&b.file)).then(a.offset.cmp(&b.offset)));
    TargetReport { target: spec.to_string(), files_scanned: analysed.len(), bytes_scanned, error: None, warnings, label, findings }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_join() {
        assert_eq!(join_rel("package/lib", "../x/./y"), "package/x/y");
        assert_eq!(join_rel("", "./a.js"), "a.js");
    }

    #[test]
    fn file_kinds() {
        assert_eq!(kind_of("package/index.js"), Some(Kind::Js));
        assert_eq!(kind_of("package/types.d.ts"), None);
        assert_eq!(kind_of("package/package.json"), Some(Kind::Manifest));
        assert_eq!(kind_of("package/x.sh"), Some(Kind::Shell));
        assert_eq!(kind_of("package/README.md"), None);
        assert_eq!(kind_of("pkg-1.0/setup.py"), Some(Kind::Python));
    }

    #[test]
    fn setup_py_at_the_top_runs_at_install() {
        assert!(runs_at_install("setup.py"));
        assert!(runs_at_install("pkg-1.0/setup.py"));
        assert!(!runs_at_install("pkg-1.0/tests/fixtures/setup.py"));
        assert!(!runs_at_install("pkg-1.0/mysetup.py"));
    }

    #[test]
    fn python_imports_resolve_in_the_package() {
        let files: HashSet<&str> = ["p/setup.py", "p/pkg/__init__.py", "p/pkg/util.py", "p/src/other.py"].into_iter().collect();
        assert_eq!(resolve_python(&files, "p/setup.py", "pkg").as_deref(), Some("p/pkg/__init__.py"));
        assert_eq!(resolve_python(&files, "p/setup.py", "pkg.util").as_deref(), Some("p/pkg/util.py"));
        assert_eq!(resolve_python(&files, "p/setup.py", "other").as_deref(), Some("p/src/other.py"));
        assert_eq!(resolve_python(&files, "p/pkg/__init__.py", ".util").as_deref(), Some("p/pkg/util.py"));
        assert_eq!(resolve_python(&files, "p/pkg/util.py", "os"), None);
    }
}
