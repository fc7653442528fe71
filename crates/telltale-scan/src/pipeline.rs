//! A loaded target through the front ends, linking, install-time marking and the rules.

use crate::analyse::{analyse_file, wanted_file, Analysed};
use crate::install_time::mark_install_time;
use crate::link::link_package;
use crate::options::ScanOptions;
use rayon::prelude::*;
use telltale_facts::LineIndex;
use telltale_ingest::load_target;
use telltale_report::{LabelInput, PrivacyLabel, TargetReport};
use telltale_rules::{check_file, finalize, Finding};

/// Scan one target as named on the command line.
pub fn scan_target(spec: &str, opts: &ScanOptions) -> TargetReport {
    let wanted = |p: &str| wanted_file(p);
    scan_loaded(spec, load_target(spec, &opts.limits, &wanted), opts)
}

/// The JS prefilter is on unless `TELLTALE_NO_PREFILTER=1` (for measuring what it saves).
pub(crate) fn prefilter_on() -> bool {
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
pub(crate) fn scan_loaded(spec: &str, loaded: Result<telltale_ingest::Target, telltale_ingest::IngestError>, opts: &ScanOptions) -> TargetReport {
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

