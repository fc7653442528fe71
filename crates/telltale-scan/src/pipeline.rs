//! A loaded target through the front ends, linking, install-time marking and the rules.

use crate::analyse::{analyse_input, coverage_kind, wanted_file, Analysed};
use crate::containers::{self, Budget, Content, Opened, SeenFiles};
use crate::install_time::mark_install_time;
use crate::link::link_package;
use crate::options::ScanOptions;
use rayon::prelude::*;
use telltale_facts::{FileFacts, LineIndex};
use telltale_ingest::load_target;
use telltale_report::coverage::{Coverage, Unanalysed};
use telltale_report::{LabelInput, PrivacyLabel, TargetReport};
use telltale_rules::{check_file, finalize, Finding};

/// Scan one target as named on the command line (a path). What its package hands over to
/// and its platform packages cannot be fetched from here: they are coverage gaps.
pub fn scan_target(spec: &str, opts: &ScanOptions) -> TargetReport {
    let wanted = |p: &str| wanted_file(p);
    let loaded = load_target(spec, &opts.limits, &wanted);
    let gaps = loaded
        .as_ref()
        .map(|t| {
            [
                crate::delegate::not_followed(&t.files),
                crate::delegate::downloaded_programs(&t.files, None),
            ]
            .concat()
        })
        .unwrap_or_default();
    let mut report = scan_loaded(spec, loaded, opts, &SeenFiles::default());
    for (what, why) in gaps {
        report.coverage.add_unanalysed(&what, 0, why);
    }
    report.coverage.settle();
    report
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
    scan_loaded(
        name,
        telltale_ingest::load_bytes(name, bytes, &opts.limits, &wanted),
        opts,
        &SeenFiles::default(),
    )
}

/// Analyse a loaded target (or report why it could not be loaded). `seen` holds the large
/// files earlier targets of the same spec analysed: identical ones are analysed once.
pub(crate) fn scan_loaded(
    spec: &str,
    loaded: Result<telltale_ingest::Target, telltale_ingest::IngestError>,
    opts: &ScanOptions,
    seen: &SeenFiles,
) -> TargetReport {
    let target = match loaded {
        Ok(t) => t,
        Err(e) => return TargetReport::failed(spec, e.to_string()),
    };
    let mut laps = crate::timings::Laps::start(spec);
    let bytes_scanned = target.files.iter().map(|f| f.bytes.len() as u64).sum();
    // Open what hides the program (executables, nested archives), then analyse every input.
    let budget = Budget::after(opts, target.bytes_read, target.files.len() as u64);
    let ctx = containers::Ctx {
        opts,
        seen,
        budget: &budget,
        target: spec,
    };
    let opened: Vec<Opened> = target
        .files
        .par_iter()
        .map(|f| containers::open(&f.path, &f.bytes, &ctx))
        .collect();
    let mut coverage = Coverage::default();
    let mut warnings = target.warnings.clone();
    let mut inputs = Vec::new();
    for o in opened {
        inputs.extend(o.inputs);
        warnings.extend(o.warnings);
        coverage.unanalysed.extend(o.coverage.unanalysed);
        coverage.containers.extend(o.coverage.containers);
        coverage.identical.extend(o.coverage.identical);
    }
    crate::timings::lap(&mut laps, "open containers");
    let mut groups = analyse_all(&inputs, opts);
    crate::timings::lap(&mut laps, "analyse");
    link_package(&mut groups, &inputs, opts);
    // What other packages of the same scan (`--deps`, a lockfile) may need from this one.
    let manifest = Manifest::of(&target.files);
    let cross_package = match &manifest {
        Some(Manifest::Npm(path, json)) => crate::link::cross_package(&groups, path, json),
        _ => Default::default(),
    };
    crate::timings::lap(&mut laps, "link");
    for (input, group) in inputs.iter().zip(&groups) {
        let Some(kind) = coverage_kind(input) else {
            continue;
        };
        let bytes = match &input.content {
            Content::File(b) | Content::Native(b) => b.len(),
            Content::Script(s) => s.len(),
        } as u64;
        match group.first().map(|a| &a.facts) {
            Some(FileFacts {
                not_analysed: Some(why),
                ..
            }) => coverage.add_unanalysed(&input.path, bytes, why.clone()),
            Some(facts) => {
                coverage.add_analysed(kind, bytes);
                if let Some(why) = &facts.partly_analysed {
                    coverage.partial.push(Unanalysed {
                        path: input.path.clone(),
                        bytes,
                        why: why.clone(),
                        runs: telltale_report::coverage::runs(&input.path),
                    });
                }
            }
            None => {}
        }
    }
    drop(inputs);
    let mut analysed: Vec<Analysed> = groups.into_iter().flatten().collect();
    let (root, workspaces) = match &manifest {
        Some(Manifest::Npm(path, json)) => (Some(*path), json.get("workspaces").is_some()),
        _ => (None, false),
    };
    crate::install_time::drop_uninstalled_manifests(&mut analysed, root, workspaces);
    mark_install_time(&mut analysed);
    crate::gates::gate_across_modules(&mut analysed);
    for a in &analysed {
        for d in &a.facts.diagnostics {
            warnings.push(format!("{}: {d}", a.facts.file));
        }
    }
    coverage.settle();
    crate::timings::lap(&mut laps, "install time");
    let indexes: Vec<LineIndex> = analysed
        .par_iter()
        .map(|a| LineIndex::new(a.text.as_bytes()))
        .collect();
    let mut findings: Vec<Finding> = analysed
        .par_iter()
        .zip(indexes.par_iter())
        .flat_map_iter(|(a, index)| {
            let raw = check_file(&a.facts);
            raw.into_iter()
                .map(move |r| finalize(r, &a.facts, &a.text, index))
                .collect::<Vec<_>>()
        })
        .collect();
    let label_inputs: Vec<LabelInput> = analysed
        .iter()
        .zip(&indexes)
        .map(|(a, index)| LabelInput {
            facts: &a.facts,
            index,
        })
        .collect();
    let label = PrivacyLabel::build(&label_inputs);
    crate::timings::lap(&mut laps, "rules and label");
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.file.cmp(&b.file))
            .then(a.offset.cmp(&b.offset))
    });
    let (package, version) = manifest
        .as_ref()
        .map(Manifest::identity)
        .unwrap_or_default();
    let root = std::path::Path::new(spec)
        .is_dir()
        .then(|| spec.to_string());
    let files_scanned = analysed.len();
    drop(label_inputs);
    drop(analysed);
    crate::timings::lap(&mut laps, "free");
    TargetReport {
        files_scanned,
        bytes_scanned,
        warnings,
        package,
        version,
        root,
        label,
        coverage,
        findings,
        cross_package,
        ..TargetReport::empty(spec)
    }
}

/// Every input through its front end, largest first: a 10 MB bundle started last would keep
/// one core busy after the others ran out of work.
fn analyse_all(inputs: &[containers::Input], opts: &ScanOptions) -> Vec<Vec<Analysed>> {
    let size = |i: &containers::Input| match &i.content {
        Content::File(b) | Content::Native(b) => b.len(),
        Content::Script(s) => s.len(),
    };
    let mut order: Vec<usize> = (0..inputs.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(size(&inputs[i])));
    let done: Vec<(usize, Vec<Analysed>)> = order
        .into_par_iter()
        .with_max_len(1)
        .map(|i| (i, analyse_input(&inputs[i], opts)))
        .collect();
    let mut groups: Vec<Vec<Analysed>> = (0..inputs.len()).map(|_| Vec::new()).collect();
    for (i, g) in done {
        groups[i] = g;
    }
    groups
}

/// The target's root manifest, read once: its shallowest `package.json` (parsed), or a Python
/// `PKG-INFO`/`METADATA`, outside `node_modules`.
pub(crate) enum Manifest<'f> {
    /// The path of the `package.json` and its JSON.
    Npm(&'f str, serde_json::Value),
    /// The text of a Python distribution's metadata.
    Python(std::borrow::Cow<'f, str>),
}

impl<'f> Manifest<'f> {
    fn of(files: &'f [telltale_ingest::SourceFile]) -> Option<Self> {
        let depth = |p: &str| p.matches('/').count();
        let m = files
            .iter()
            .filter(|f| {
                let name = f.path.rsplit('/').next().unwrap_or(&f.path);
                matches!(name, "package.json" | "PKG-INFO" | "METADATA")
                    && !f.path.contains("node_modules/")
            })
            .min_by_key(|f| (depth(&f.path), !f.path.ends_with("package.json")))?;
        Some(if m.path.ends_with("package.json") {
            Manifest::Npm(
                &m.path,
                serde_json::from_slice(&m.bytes).unwrap_or_default(),
            )
        } else {
            Manifest::Python(String::from_utf8_lossy(&m.bytes))
        })
    }

    /// Name and version: `package.json`'s fields, or the `Name:`/`Version:` headers.
    fn identity(&self) -> (Option<String>, Option<String>) {
        match self {
            Manifest::Npm(_, json) => {
                let field = |k: &str| {
                    json[k]
                        .as_str()
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                };
                (field("name"), field("version"))
            }
            Manifest::Python(text) => {
                // Headers end at the first blank line; the description follows.
                let header = |k: &str| {
                    text.lines()
                        .take_while(|l| !l.is_empty())
                        .find_map(|l| l.strip_prefix(k).map(|v| v.trim().to_string()))
                };
                (header("Name:"), header("Version:"))
            }
        }
    }
}
