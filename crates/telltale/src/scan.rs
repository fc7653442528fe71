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
    /// How `npm:` targets are fetched.
    pub npm: NpmOptions,
}

/// Registry access for `npm:name@version` targets.
#[derive(Debug, Clone)]
pub struct NpmOptions {
    pub registry: telltale_registry::Config,
    /// Whose platform packages (`optionalDependencies` restricted by os/cpu) to scan too;
    /// none scans the named package alone.
    pub platform: Option<telltale_registry::Platform>,
    /// The Python package index for `pypi:` targets (a PEP 691 simple API).
    pub pypi_index: String,
}

impl Default for NpmOptions {
    fn default() -> Self {
        let cwd = std::env::current_dir().unwrap_or_default();
        let pypi_index = std::env::var("PIP_INDEX_URL").ok().filter(|u| !u.trim().is_empty()).unwrap_or_else(|| telltale_registry::pypi::DEFAULT_INDEX.to_string());
        NpmOptions { registry: telltale_registry::Config::from_environment(&cwd), platform: Some(telltale_registry::Platform::current()), pypi_index }
    }
}

/// Scan what one command-line spec names: a path, or `npm:name@version` together with its
/// platform packages (one report each).
pub fn scan_spec(spec: &str, opts: &ScanOptions) -> Vec<TargetReport> {
    if telltale_registry::lockfile::is_lockfile(spec) && std::path::Path::new(spec).is_file() {
        return scan_lockfile(spec, opts);
    }
    let path = std::path::Path::new(spec);
    if path.is_dir() && path.file_name().is_some_and(|n| n == "node_modules") {
        return scan_node_modules(path, opts);
    }
    if let Some(py) = spec.strip_prefix("pypi:") {
        return vec![scan_pypi(spec, py, opts)];
    }
    let Some(npm) = spec.strip_prefix("npm:") else { return vec![scan_target(spec, opts)] };
    let parsed = match telltale_registry::Spec::parse(npm) {
        Ok(s) => s,
        Err(e) => return vec![TargetReport::failed(spec, e.to_string())],
    };
    let client = telltale_registry::Client::new(opts.npm.registry.clone());
    let pkg = match client.fetch(&parsed) {
        Ok(p) => p,
        Err(e) => return vec![TargetReport::failed(spec, e.to_string())],
    };
    let mut reports = vec![scan_package(&pkg, None, opts)];
    if let Some(platform) = &opts.npm.platform {
        for p in client.platform_packages(&pkg, platform) {
            reports.push(match p {
                Ok(p) => scan_package(&p, Some(&pkg), opts),
                Err(e) => TargetReport::failed(&format!("{spec} (platform package)"), e.to_string()),
            });
        }
    }
    reports
}

/// Every installed package of a `node_modules` folder (nested ones too), one report each,
/// named `name@version (path)`; a package's own report leaves out the packages nested in it.
fn scan_node_modules(root: &std::path::Path, opts: &ScanOptions) -> Vec<TargetReport> {
    let mut packages = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for e in entries.flatten() {
            // Links (workspaces, pnpm's store) are not followed: a link out of the tree is not this tree.
            if !e.file_type().is_ok_and(|t| t.is_dir()) {
                continue;
            }
            let p = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with('@') {
                stack.push(p);
            } else if p.join("package.json").is_file() {
                let nested = p.join("node_modules");
                if nested.is_dir() {
                    stack.push(nested);
                }
                packages.push(p);
            }
        }
    }
    packages.sort();
    let progress = package_progress(packages.len());
    let reports = packages
        .par_iter()
        .map(|p| {
            let wanted = |f: &str| wanted_file(f) && !f.contains("node_modules/");
            let spec = p.to_string_lossy();
            let mut report = scan_loaded(&spec, load_target(&spec, &opts.limits, &wanted), opts);
            // Named from the manifest the scan already read: `name@version (path)`.
            if let (Some(n), Some(v)) = (&report.package, &report.version) {
                report.target = format!("{n}@{v} ({spec})");
            }
            progress.inc(1);
            report
        })
        .collect();
    progress.finish_and_clear();
    reports
}

/// A bar counting packages on a terminal (hidden when stderr is not one).
fn package_progress(len: usize) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(len as u64);
    bar.set_style(indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} packages {msg}").unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()));
    bar
}

/// Downloads in flight at once for a lockfile.
const FETCH_CONCURRENCY: usize = 16;
/// Packages fetched before they are scanned and their tarballs dropped.
const FETCH_BATCH: usize = 64;

/// Scan every registry package a lockfile pins (for `--platform`, only the platform packages
/// of that platform), fetched and scanned in parallel; the first report is the lockfile's own,
/// naming what was skipped.
fn scan_lockfile(path: &str, opts: &ScanOptions) -> Vec<TargetReport> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => return vec![TargetReport::failed(path, format!("cannot read: {e}"))],
    };
    let lock = match telltale_registry::lockfile::parse(path, &text) {
        Ok(l) => l,
        Err(e) => return vec![TargetReport::failed(path, e.to_string())],
    };
    let wanted: Vec<&telltale_registry::lockfile::Locked> = lock
        .packages
        .iter()
        .filter(|p| opts.npm.platform.as_ref().is_none_or(|pl| pl.allows(&p.os, &p.cpu, &[])))
        .collect();
    let mut head = TargetReport::empty(path);
    head.source = Some(format!("lockfile: {} registry packages, {} for other platforms, {} skipped", wanted.len(), lock.packages.len() - wanted.len(), lock.skipped.len()));
    head.warnings = lock.skipped.iter().map(|(what, why)| format!("skipped {what}: {why}")).collect();
    let client = telltale_registry::Client::new(opts.npm.registry.clone());
    let progress = package_progress(wanted.len());
    // Downloads wait on the network, not the CPU: more of them run at once than scans do.
    let fetchers = rayon::ThreadPoolBuilder::new().num_threads(FETCH_CONCURRENCY).build();
    let mut reports = Vec::with_capacity(wanted.len() + 1);
    // In batches, so a large tree never holds every tarball in memory at once.
    for batch in wanted.chunks(FETCH_BATCH) {
        let fetch = || -> Vec<_> { batch.par_iter().map(|p| (p, client.fetch(&telltale_registry::Spec { name: p.name.clone(), wanted: Some(p.version.clone()) }))).collect() };
        let fetched = match &fetchers {
            Ok(pool) => pool.install(fetch),
            Err(_) => fetch(),
        };
        reports.par_extend(fetched.into_par_iter().map(|(p, fetched)| {
            let report = match fetched {
                Ok(pkg) if p.integrity.as_deref().is_some_and(|i| i.starts_with("sha512-") && i != pkg.integrity) => TargetReport::failed(
                    &format!("npm:{}@{}", p.name, p.version),
                    format!("the lockfile's integrity {} differs from the registry's {}", p.integrity.as_deref().unwrap_or(""), pkg.integrity),
                ),
                Ok(pkg) => scan_package(&pkg, None, opts),
                Err(e) => TargetReport::failed(&format!("npm:{}@{}", p.name, p.version), e.to_string()),
            };
            progress.inc(1);
            report
        }));
    }
    progress.finish_and_clear();
    reports.insert(0, head);
    reports
}

/// Scan a verified download (`archive` names it for the reader) and say where it came from.
fn scan_downloaded(name: &str, archive: &str, bytes: &[u8], verified: String, cached: bool, opts: &ScanOptions) -> TargetReport {
    let wanted = |p: &str| wanted_file(p);
    let mut report = scan_loaded(name, telltale_ingest::load_bytes(archive, bytes, &opts.limits, &wanted), opts);
    report.source = Some(if cached { format!("{verified} (from the cache)") } else { verified });
    report
}

/// Scan a distribution from the Python package index.
fn scan_pypi(spec: &str, py: &str, opts: &ScanOptions) -> TargetReport {
    let parsed = match telltale_registry::pypi::PySpec::parse(py) {
        Ok(s) => s,
        Err(e) => return TargetReport::failed(spec, e.to_string()),
    };
    let client = telltale_registry::Client::new(opts.npm.registry.clone());
    let dist = match client.fetch_pypi(&opts.npm.pypi_index, &parsed) {
        Ok(d) => d,
        Err(e) => return TargetReport::failed(spec, e.to_string()),
    };
    let name = format!("pypi:{}=={}", dist.name, dist.version);
    scan_downloaded(&name, &dist.filename, &dist.bytes, format!("{} verified against sha256:{}", dist.filename, dist.sha256), dist.cached, opts)
}

/// Scan a fetched package's tarball.
fn scan_package(pkg: &telltale_registry::Package, parent: Option<&telltale_registry::Package>, opts: &ScanOptions) -> TargetReport {
    let mut name = format!("npm:{}@{}", pkg.name, pkg.version);
    if let Some(p) = parent {
        name.push_str(&format!(" (platform package of {}@{})", p.name, p.version));
    }
    let mut report = scan_downloaded(&name, &name, &pkg.tarball, format!("{}@{} verified against {}", pkg.name, pkg.version, pkg.integrity), pkg.cached, opts);
    report.platform_of = parent.map(|p| p.name.clone());
    report
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Js,
    Shell,
    Python,
    Manifest,
    /// Python packaging metadata: the console scripts a package installs.
    PythonMetadata,
}

fn kind_of(path: &str) -> Option<Kind> {
    let name = path.rsplit('/').next().unwrap_or(path);
    if name == "package.json" {
        return Some(Kind::Manifest);
    }
    if telltale_python::metadata::is_metadata_file(path) {
        return Some(Kind::PythonMetadata);
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

/// Files worth loading: sources by extension, and files that may be executables (no
/// extension, `.exe`), whose embedded JavaScript is analysed.
fn wanted_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    kind_of(path).is_some() || !name.contains('.') || name.to_ascii_lowercase().ends_with(".exe")
}

/// The JavaScript modules an executable embeds (Bun module graph, Node SEA blob), each
/// analysed as a file of its own named `package/claude › /$bunfs/root/cli` or `app › main.js`.
fn analyse_executable(path: &str, bytes: &[u8], opts: &ScanOptions) -> Vec<Analysed> {
    let Some(embedded) = telltale_ingest::executable::embedded_modules(bytes) else {
        return vec![native_strings(path, bytes)];
    };
    let mut out: Vec<Analysed> = embedded
        .modules
        .par_iter()
        .flat_map_iter(|m| {
            let name = format!("{path} › {}", m.name);
            let mut facts = telltale_js::analyze(&name, m.text, &opts.js);
            facts.file = name;
            let nested = std::mem::take(&mut facts.nested);
            std::iter::once(Analysed { facts, text: m.text.to_string() }).chain(nested.into_iter().map(|n| Analysed { facts: n.facts, text: n.text })).collect::<Vec<_>>()
        })
        .collect();
    let note = format!("{} modules embedded by {} in {path}; {} without JavaScript text (bytecode, assets or a snapshot) skipped", embedded.modules.len(), embedded.format, embedded.skipped);
    if out.is_empty() {
        // Nothing readable as source: the binary's strings are still searched.
        out.push(native_strings(path, bytes));
    }
    out[0].facts.diagnostics.push(note);
    out
}

/// Telemetry opt-out variables a native executable names (`DO_NOT_TRACK`, catalogued and
/// generic names): upper-case `A_B` words of a string run, once per setting. How the program
/// checks them is not visible, so they are reported as `named`.
fn opt_outs_named(run: &str, run_start: usize, out: &mut Vec<telltale_facts::OptOutFact>) {
    let is_name_byte = |b: u8| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_';
    let bytes = run.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        while i < bytes.len() && is_name_byte(bytes[i]) {
            i += 1;
        }
        // Strings run together in binaries: `…_ENABLEDControls whether…` ends at `D`.
        let end = if i < bytes.len() && bytes[i].is_ascii_lowercase() && i > start { i - 1 } else { i };
        let word = &run[start..end];
        if (6..=64).contains(&word.len()) && word.contains('_') && !out.iter().any(|o| o.setting == word) {
            if let Some(setting) = telltale_knowledge::optout::env_setting(word) {
                let at = (run_start + start) as u32;
                out.push(telltale_facts::OptOutFact {
                    setting: word.to_string(),
                    product: setting.product.map(str::to_string),
                    check: "named".into(),
                    span: telltale_facts::Span::new(at, at + word.len() as u32),
                    ..Default::default()
                });
            }
        }
        i += 1;
    }
}

/// A native executable (Go, Rust, C) without embedded JavaScript: the endpoints and opt-out
/// settings its strings name (URLs, hosts of catalogued telemetry and geolocation services),
/// and the identity its imported functions read (`gethostname`). Locations are byte offsets;
/// the text shown is the binary with unprintable bytes as `.`.
fn native_strings(path: &str, bytes: &[u8]) -> Analysed {
    const MIN_RUN: usize = 8;
    let mut facts = FileFacts { file: path.to_string(), minified: true, native: true, ..Default::default() };
    let mut start = None;
    for (i, b) in bytes.iter().chain(std::iter::once(&0)).enumerate() {
        let printable = (0x20..0x7f).contains(b);
        match (printable, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                start = None;
                if i - s < MIN_RUN || i - s > 4096 {
                    continue;
                }
                let run = std::str::from_utf8(&bytes[s..i]).unwrap_or("");
                let span = telltale_facts::Span::new(s as u32, i as u32);
                // Strings in binaries run together (`chatgpt.comthis`): keep hosts whose last
                // label is a real top-level domain.
                let real = |h: &str| h.contains('.') && h.rsplit('.').next().is_some_and(telltale_knowledge::geo::is_known_tld);
                for (host, url) in telltale_knowledge::strings::literal_endpoints(run).into_iter().filter(|(h, _)| real(h)) {
                    facts.endpoints.push(telltale_facts::EndpointFact { host, url, span, encodings: vec![], provenance: String::new(), origin: None });
                }
                opt_outs_named(run, s, &mut facts.opt_outs);
            }
            _ => {}
        }
    }
    for name in telltale_ingest::executable::imported_functions(bytes) {
        if let Some(kind) = telltale_knowledge::native::imported_source(&name) {
            let at = telltale_ingest::executable::name_offset(bytes, &name).unwrap_or(0) as u32;
            facts.sources.push(telltale_facts::SourceFact { kind, api: format!("{name}() (imported)"), span: telltale_facts::Span::new(at, at + name.len() as u32) });
        }
    }
    facts.diagnostics.push(format!(
        "native executable without embedded JavaScript: {} endpoint(s) and {} opt-out setting(s) named in its strings",
        facts.endpoints.len(),
        facts.opt_outs.len()
    ));
    let text = bytes.iter().map(|&b| if (0x20..0x7f).contains(&b) || b == b'\n' { b as char } else { '.' }).collect();
    Analysed { facts, text }
}

fn analyse_file(path: &str, bytes: &[u8], opts: &ScanOptions) -> Vec<Analysed> {
    if telltale_ingest::executable::is_executable(bytes) {
        return analyse_executable(path, bytes, opts);
    }
    let Some(kind) = kind_of(path) else { return vec![] };
    if bytes.iter().take(8192).any(|b| *b == 0) {
        let facts = FileFacts { file: path.to_string(), diagnostics: vec!["binary content: not analysed".into()], ..Default::default() };
        return vec![Analysed { facts, text: String::new() }];
    }
    let text = String::from_utf8_lossy(bytes).into_owned();
    match kind {
        // A file that names nothing reportable is counted as scanned, not parsed.
        Kind::Js if prefilter_on() && !telltale_js::prefilter::worth_analysing(text.as_bytes()) => vec![Analysed { facts: FileFacts { file: path.to_string(), ..Default::default() }, text }],
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
        Kind::PythonMetadata => vec![Analysed { facts: telltale_python::metadata::analyze(path, &text), text }],
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
    let wanted = |p: &str| wanted_file(p);
    scan_loaded(spec, load_target(spec, &opts.limits, &wanted), opts)
}

/// The JS prefilter is on unless `TELLTALE_NO_PREFILTER=1` (for measuring what it saves).
fn prefilter_on() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("TELLTALE_NO_PREFILTER").is_none_or(|v| v != "1"))
}

/// Scan bytes held in memory as a target named `name` (an archive by its magic bytes, else
/// one file of that name). What the fuzzers drive: the whole pipeline with no disk or network.
pub fn scan_bytes(name: &str, bytes: &[u8], opts: &ScanOptions) -> TargetReport {
    let wanted = |p: &str| wanted_file(p);
    scan_loaded(name, telltale_ingest::load_bytes(name, bytes, &opts.limits, &wanted), opts)
}

/// Analyse a loaded target (or report why it could not be loaded).
fn scan_loaded(spec: &str, loaded: Result<telltale_ingest::Target, telltale_ingest::IngestError>, opts: &ScanOptions) -> TargetReport {
    let target = match loaded {
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
    let (package, version) = package_identity(&target.files);
    let root = std::path::Path::new(spec).is_dir().then(|| spec.to_string());
    TargetReport { target: spec.to_string(), files_scanned: analysed.len(), bytes_scanned, error: None, source: None, warnings, package, version, platform_of: None, root, label, findings }
}

/// Name and version from the shallowest manifest: `package.json`, or a Python
/// `PKG-INFO`/`METADATA` (`Name:`/`Version:` headers).
fn package_identity(files: &[telltale_ingest::SourceFile]) -> (Option<String>, Option<String>) {
    let depth = |p: &str| p.matches('/').count();
    let manifest = files
        .iter()
        .filter(|f| {
            let name = f.path.rsplit('/').next().unwrap_or(&f.path);
            matches!(name, "package.json" | "PKG-INFO" | "METADATA") && !f.path.contains("node_modules/")
        })
        .min_by_key(|f| (depth(&f.path), !f.path.ends_with("package.json")));
    let Some(m) = manifest else { return (None, None) };
    if m.path.ends_with("package.json") {
        let json: serde_json::Value = serde_json::from_slice(&m.bytes).unwrap_or_default();
        let field = |k: &str| json[k].as_str().filter(|s| !s.is_empty()).map(str::to_string);
        return (field("name"), field("version"));
    }
    let text = String::from_utf8_lossy(&m.bytes);
    // Headers end at the first blank line; the description follows.
    let header = |k: &str| text.lines().take_while(|l| !l.is_empty()).find_map(|l| l.strip_prefix(k).map(|v| v.trim().to_string()));
    (header("Name:"), header("Version:"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn native_strings_name_opt_out_settings_once_and_split_run_together_words() {
        let mut out = Vec::new();
        opt_outs_named("managed-daemonanalytics_default_enabledANALYTICS_DEFAULT_ENABLEDControls whether", 100, &mut out);
        opt_outs_named("DO_NOT_TRACK=1 and DO_NOT_TRACK again", 200, &mut out);
        let named: Vec<(&str, u32)> = out.iter().map(|o| (o.setting.as_str(), o.span.start)).collect();
        assert_eq!(named, vec![("ANALYTICS_DEFAULT_ENABLED", 139), ("DO_NOT_TRACK", 200)]);
        assert!(out.iter().all(|o| o.check == "named"));
        // Ordinary constants and variables are no opt-out.
        let mut none = Vec::new();
        opt_outs_named("PATH_MAX NODE_ENV SSL_CERT_FILE RUST_BACKTRACE HTTP_PROXY O_RDONLY", 0, &mut none);
        assert!(none.is_empty(), "{none:?}");
    }

    #[test]
    fn relative_paths_join() {
        assert_eq!(join_rel("package/lib", "../x/./y"), "package/x/y");
        assert_eq!(join_rel("", "./a.js"), "a.js");
    }

    #[test]
    fn native_executables_give_the_endpoints_their_strings_name() {
        let mut exe = b"\x7fELF\x02\x01\x01\0\0\0".to_vec();
        exe.extend_from_slice(b"\0\x01https://api.telemetry-vendor.io/v1/events\0\0https://docs.example.comthis\0short\0");
        let a = &analyse_file("package/bin/tool", &exe, &ScanOptions::default())[0];
        let hosts: Vec<&str> = a.facts.endpoints.iter().map(|e| e.host.as_str()).collect();
        assert_eq!(hosts, vec!["api.telemetry-vendor.io"]);
        assert_eq!(a.text.len(), exe.len());
        assert!(wanted_file("package/bin/tool") && wanted_file("x/tool.exe") && !wanted_file("x/readme.md"));
    }

    #[test]
    fn file_kinds() {
        assert_eq!(kind_of("package/index.js"), Some(Kind::Js));
        assert_eq!(kind_of("package/types.d.ts"), None);
        assert_eq!(kind_of("package/package.json"), Some(Kind::Manifest));
        assert_eq!(kind_of("pkg-1.0.dist-info/entry_points.txt"), Some(Kind::PythonMetadata));
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
