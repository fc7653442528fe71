//! What a command-line spec names, resolved to targets: a path, a `node_modules` folder, a
//! lockfile, `npm:` with its platform packages, `pypi:`.

use crate::analyse::wanted_file;
use crate::options::ScanOptions;
use crate::pipeline::{scan_loaded, scan_target};
use crate::SeenFiles;
use rayon::prelude::*;
use telltale_ingest::load_target;
use telltale_report::TargetReport;

/// Scan what one command-line spec names: a path, a lockfile, a `node_modules` folder,
/// `pypi:name`, or `npm:name@version` as the product users install (its platform packages
/// and the dependencies it hands its program to; with `--deps` its install closure), one
/// report per package.
pub fn scan_spec(spec: &str, opts: &ScanOptions) -> Vec<TargetReport> {
    if telltale_registry::lockfile::is_lockfile(spec) && std::path::Path::new(spec).is_file() {
        return scan_lockfile(spec, opts);
    }
    let path = std::path::Path::new(spec);
    if path.is_dir() && path.file_name().is_some_and(|n| n == "node_modules") {
        return scan_node_modules(path, opts);
    }
    if let Some(py) = spec.strip_prefix("pypi:") {
        return crate::pypi::scan_pypi(spec, py, opts);
    }
    match spec.strip_prefix("npm:") {
        Some(npm) => crate::npm::scan_npm(spec, npm, opts),
        None => vec![scan_target(spec, opts)],
    }
}

/// Every installed package of a `node_modules` folder (nested ones too), one report each,
/// named `name@version (path)`; a package's own report leaves out the packages nested in it.
fn scan_node_modules(root: &std::path::Path, opts: &ScanOptions) -> Vec<TargetReport> {
    let mut packages = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
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
    let seen = SeenFiles::default();
    let progress = PackageProgress::new(packages.len());
    let reports = packages
        .par_iter()
        .map(|p| {
            let wanted = |f: &str| wanted_file(f) && !f.contains("node_modules/");
            let spec = p.to_string_lossy();
            let mut report = scan_loaded(
                &spec,
                load_target(&spec, &opts.limits, &wanted),
                opts,
                &seen,
            );
            // Named from the manifest the scan already read: `name@version (path)`.
            if let (Some(n), Some(v)) = (&report.package, &report.version) {
                report.target = format!("{n}@{v} ({spec})");
            }
            progress.inc();
            report
        })
        .collect();
    progress.finish();
    reports
}

/// Progress over the packages of a tree or lockfile, on standard error: a bar on a terminal;
/// in a CI log (no terminal) a line every `TELLTALE_PROGRESS_SECS` seconds (30 by default),
/// so a long scan shows it is alive without filling the log.
struct PackageProgress {
    bar: indicatif::ProgressBar,
    log: Option<ProgressLog>,
}

struct ProgressLog {
    total: usize,
    done: std::sync::atomic::AtomicUsize,
    every: std::time::Duration,
    last: std::sync::Mutex<std::time::Instant>,
}

impl PackageProgress {
    fn new(len: usize) -> Self {
        use std::io::IsTerminal;
        let bar = indicatif::ProgressBar::new(len as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} packages {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        let every = std::env::var("TELLTALE_PROGRESS_SECS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(30);
        let log = (!std::io::stderr().is_terminal()).then(|| ProgressLog {
            total: len,
            done: Default::default(),
            every: std::time::Duration::from_secs(every),
            last: std::sync::Mutex::new(std::time::Instant::now()),
        });
        PackageProgress { bar, log }
    }

    fn inc(&self) {
        self.bar.inc(1);
        let Some(log) = &self.log else { return };
        let done = log.done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        let Ok(mut last) = log.last.lock() else {
            return;
        };
        if last.elapsed() >= log.every && done < log.total {
            eprintln!("telltale: {done}/{} packages scanned", log.total);
            *last = std::time::Instant::now();
        }
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
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
        .filter(|p| {
            opts.npm
                .platform
                .as_ref()
                .is_none_or(|pl| pl.allows(&p.os, &p.cpu, &[]))
        })
        .collect();
    let mut head = TargetReport::empty(path);
    let mut source = format!("lockfile: {} registry packages", wanted.len());
    let other = lock.packages.len() - wanted.len();
    if other > 0 {
        source.push_str(&format!(", {other} for other platforms (not scanned)"));
    }
    if !lock.skipped.is_empty() {
        source.push_str(&format!(", {} skipped", lock.skipped.len()));
    }
    head.source = Some(source);
    head.warnings = lock
        .skipped
        .iter()
        .map(|(what, why)| format!("skipped {what}: {why}"))
        .collect();
    let client = telltale_registry::Client::new(opts.npm.registry.clone()).deferring_cache_checks();
    let seen = SeenFiles::default();
    let progress = PackageProgress::new(wanted.len());
    // Downloads wait on the network, not the CPU: more of them run at once than scans do.
    let fetchers = rayon::ThreadPoolBuilder::new()
        .num_threads(FETCH_CONCURRENCY)
        .build();
    let mut reports = Vec::with_capacity(wanted.len() + 1);
    // In batches, so a large tree never holds every tarball in memory at once.
    for batch in wanted.chunks(FETCH_BATCH) {
        let fetch = || -> Vec<_> {
            batch
                .par_iter()
                .map(|p| {
                    (
                        p,
                        client.fetch(&telltale_registry::Spec {
                            name: p.name.clone(),
                            wanted: Some(p.version.clone()),
                        }),
                    )
                })
                .collect()
        };
        let fetched = match &fetchers {
            Ok(pool) => pool.install(fetch),
            Err(_) => fetch(),
        };
        reports.par_extend(fetched.into_par_iter().map(|(p, fetched)| {
            let report = match fetched {
                Ok(pkg)
                    if p.integrity
                        .as_deref()
                        .is_some_and(|i| i.starts_with("sha512-") && i != pkg.integrity) =>
                {
                    TargetReport::failed(
                        &format!("npm:{}@{}", p.name, p.version),
                        format!(
                            "the lockfile's integrity {} differs from the registry's {}",
                            p.integrity.as_deref().unwrap_or(""),
                            pkg.integrity
                        ),
                    )
                }
                Ok(pkg) => crate::npm::scan_registry_package(pkg, opts, &seen),
                Err(e) => {
                    TargetReport::failed(&format!("npm:{}@{}", p.name, p.version), e.to_string())
                }
            };
            progress.inc();
            let mut report = report;
            report.lockfile = p.line.map(|line| telltale_report::LockfileEntry {
                path: path.to_string(),
                line,
            });
            report
        }));
    }
    progress.finish();
    // Packages that branch on another package's region detector, linked to it.
    let identities: Vec<Option<(String, String)>> = reports
        .iter()
        .map(|r| Some((r.package.clone()?, r.version.clone()?)))
        .collect();
    let entries: Vec<Option<telltale_report::LockfileEntry>> =
        reports.iter().map(|r| r.lockfile.clone()).collect();
    crate::npm::relink(&mut reports, opts, |i, again| {
        let (name, version) = identities[i].clone()?;
        let pkg = client
            .fetch(&telltale_registry::Spec {
                name,
                wanted: Some(version),
            })
            .ok()?;
        let mut report = crate::npm::scan_registry_package(pkg, again, &seen);
        report.lockfile = entries[i].clone();
        Some(report)
    });
    reports.insert(0, head);
    reports
}
