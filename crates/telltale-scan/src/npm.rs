//! `npm:` targets as the product users install, not only the tarball named: the package,
//! its platform packages for the platform asked for, and the dependencies its bins and main
//! hand the program over to ([`crate::delegate`]), each with theirs in turn; or with
//! `--deps`, the whole install closure as npm resolves it, with one combined label.

use crate::delegate::{delegations, Delegation};
use crate::options::ScanOptions;
use crate::pipeline::scan_loaded;
use crate::SeenFiles;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashSet, VecDeque};
use telltale_registry::{Client, Package, RegistryError, Spec};
use telltale_report::TargetReport;

/// Launchers followed at most this deep (a launcher's dependency that is a launcher …).
const MAX_HAND_OVERS: usize = 3;
/// Packages in one install closure, at most.
const MAX_CLOSURE: usize = 5_000;
/// Packages fetched at once for a closure.
const FETCH_CONCURRENCY: usize = 16;

/// How a package came into the scan.
enum Relation<'a> {
    /// What the user named.
    Named,
    /// A platform package of this package.
    PlatformOf(&'a Package),
    /// The dependency this package hands its program to.
    HandedOverBy(&'a Package, &'a Delegation),
}

/// Scan `npm:NAME[@version]` (`npm` is the part after `npm:`).
pub(crate) fn scan_npm(spec: &str, npm: &str, opts: &ScanOptions) -> Vec<TargetReport> {
    let parsed = match Spec::parse(npm) {
        Ok(s) => s,
        Err(e) => return vec![TargetReport::failed(spec, e.to_string())],
    };
    // Cached tarballs are checked while they decompress (`scan_package`).
    let client = Client::new(opts.npm.registry.clone()).deferring_cache_checks();
    let mut laps = crate::timings::Laps::start(spec);
    let pkg = match client.fetch(&parsed) {
        Ok(p) => p,
        Err(e) => return vec![TargetReport::failed(spec, e.to_string())],
    };
    crate::timings::lap(&mut laps, "fetch (or read and verify the cache)");
    drop(laps);
    if opts.deps {
        return scan_closure(&client, pkg, opts);
    }
    let seen = SeenFiles::default();
    let mut reports = Vec::new();
    let mut visited = HashSet::new();
    follow(
        &client,
        pkg,
        Relation::Named,
        0,
        opts,
        &seen,
        &mut visited,
        &mut reports,
    );
    reports
}

/// Scan a package fetched for a lockfile: the package alone.
pub(crate) fn scan_registry_package(
    mut pkg: Package,
    opts: &ScanOptions,
    seen: &SeenFiles,
) -> TargetReport {
    scan_package(&mut pkg, &Relation::Named, opts, seen).0
}

/// One package of the product and what it leads to: platform packages, hand-overs.
#[allow(clippy::too_many_arguments)]
fn follow(
    client: &Client,
    mut pkg: Package,
    relation: Relation,
    depth: usize,
    opts: &ScanOptions,
    seen: &SeenFiles,
    visited: &mut HashSet<String>,
    reports: &mut Vec<TargetReport>,
) {
    if !visited.insert(format!("{}@{}", pkg.name, pkg.version)) {
        return;
    }
    let (mut report, handed_over) = scan_package(&mut pkg, &relation, opts, seen);
    let pkg = &pkg;
    let at = reports.len();
    reports.push(TargetReport::empty(""));
    match &opts.npm.platform {
        Some(platform) => {
            let mut laps = crate::timings::Laps::start(&format!("platform packages of {}@{}", pkg.name, pkg.version));
            let found = client.platform_packages(pkg, platform);
            crate::timings::lap(&mut laps, "resolve and fetch (or read and verify the cache)");
            drop(laps);
            if found.restricted > 0 && found.fetched.is_empty() {
                report.coverage.add_unanalysed(
                    &format!("npm:{}@{} platform packages", pkg.name, pkg.version),
                    0,
                    format!("none of its {} platform packages is for {} (--platform)", found.restricted, platform_words(platform)),
                );
            }
            // Listed for this platform but never published (a variant such as `-baseline`,
            // or a release that skipped this platform): a warning when another package for
            // the platform came, else the product's program is missing here.
            let published = found.fetched.iter().filter(|(_, f)| !matches!(f, Err(RegistryError::NoSuchPackage { .. } | RegistryError::NoSuchVersion { .. }))).count();
            for (name, fetched) in found.fetched {
                match fetched {
                    Ok(p) => follow(client, p, Relation::PlatformOf(pkg), depth, opts, seen, visited, reports),
                    Err(e @ (RegistryError::NoSuchPackage { .. } | RegistryError::NoSuchVersion { .. })) if published > 0 => {
                        report.warnings.push(format!("platform package {name} for {} is listed but not published: {e}", platform_words(platform)));
                    }
                    Err(e @ (RegistryError::NoSuchPackage { .. } | RegistryError::NoSuchVersion { .. })) => {
                        report.coverage.add_unanalysed(&format!("npm:{name}"), 0, format!("its platform package for {} is listed but not published: {e}", platform_words(platform)));
                    }
                    Err(e) => {
                        let mut failed = TargetReport::failed(&format!("npm:{name} (platform package of {}@{} for {})", pkg.name, pkg.version, platform_words(platform)), e.to_string());
                        failed.platform_of = Some(pkg.name.clone());
                        reports.push(failed);
                    }
                }
            }
        }
        None if !pkg.optional_dependencies.is_empty() => report.coverage.unanalysed.push(telltale_report::coverage::Unanalysed {
            path: format!("npm:{}@{} optional dependencies", pkg.name, pkg.version),
            bytes: 0,
            why: format!("{} optional dependencies (platform packages among them) not followed: --platform none", pkg.optional_dependencies.len()),
            runs: false,
        }),
        None => {}
    }
    for d in &handed_over {
        if depth + 1 > MAX_HAND_OVERS {
            report.coverage.add_unanalysed(
                &format!("npm:{}@{}", d.dependency, d.range),
                0,
                format!(
                    "{}; not followed: more than {MAX_HAND_OVERS} hand-overs deep",
                    d.how
                ),
            );
            continue;
        }
        match client.fetch(&Spec {
            name: d.dependency.clone(),
            wanted: Some(d.range.clone()),
        }) {
            Ok(dep) => follow(
                client,
                dep,
                Relation::HandedOverBy(pkg, d),
                depth + 1,
                opts,
                seen,
                visited,
                reports,
            ),
            Err(e) => report.coverage.add_unanalysed(
                &format!("npm:{}@{}", d.dependency, d.range),
                0,
                format!("{}; it could not be fetched: {e}", d.how),
            ),
        }
    }
    report.coverage.settle();
    reports[at] = report;
}

fn platform_words(p: &telltale_registry::Platform) -> String {
    match p.libc.as_deref() {
        Some("musl") => format!("{}-{}-musl", p.os, p.cpu),
        _ => format!("{}-{}", p.os, p.cpu),
    }
}

/// Scan one fetched package; also the dependencies its bins and main hand over to. The
/// compressed tarball is dropped once read: a 190 MB platform package need not stay.
fn scan_package(
    pkg: &mut Package,
    relation: &Relation,
    opts: &ScanOptions,
    seen: &SeenFiles,
) -> (TargetReport, Vec<Delegation>) {
    let mut name = format!("npm:{}@{}", pkg.name, pkg.version);
    match relation {
        Relation::Named => {}
        Relation::PlatformOf(p) => {
            name.push_str(&format!(" (platform package of {}@{})", p.name, p.version))
        }
        Relation::HandedOverBy(p, _) => {
            name.push_str(&format!(" (run by {}@{})", p.name, p.version))
        }
    }
    let wanted = |p: &str| crate::analyse::wanted_file(p);
    let mut laps = crate::timings::Laps::start(&name);
    let tarball = std::mem::take(&mut pkg.tarball);
    // A cached tarball's integrity is checked on one core while another decompresses it;
    // nothing read from it is reported unless the check passes.
    let (loaded, verified) = std::thread::scope(|s| {
        let check = s.spawn(|| pkg.verify(&tarball));
        let loaded = telltale_ingest::load_bytes(&name, &tarball, &opts.limits, &wanted);
        (
            loaded,
            check.join().unwrap_or_else(|_| {
                Err(telltale_registry::RegistryError::Cache {
                    path: name.clone(),
                    reason: "the integrity check failed to run".into(),
                })
            }),
        )
    });
    drop(tarball);
    crate::timings::lap(&mut laps, "decompress (and verify the cached tarball)");
    if let Err(e) = verified {
        return (
            TargetReport::failed(
                &name,
                format!("{e} (the cached copy: remove it from the cache to fetch it again)"),
            ),
            Vec::new(),
        );
    }
    let deps: Vec<(String, String)> = pkg
        .dependencies
        .iter()
        .chain(&pkg.optional_dependencies)
        .cloned()
        .collect();
    let handed_over = loaded
        .as_ref()
        .map(|t| delegations(&t.files, &deps))
        .unwrap_or_default();
    let platform = opts.npm.platform.as_ref().map(platform_words);
    let downloaded = loaded
        .as_ref()
        .map(|t| crate::delegate::downloaded_programs(&t.files, platform.as_deref()))
        .unwrap_or_default();
    let mut report = scan_loaded(&name, loaded, opts, seen);
    for (what, why) in downloaded {
        report.coverage.add_unanalysed(&what, 0, why);
    }
    report.coverage.settle();
    let verified = format!(
        "{}@{} verified against {}",
        pkg.name, pkg.version, pkg.integrity
    );
    report.source = Some(if pkg.cached {
        format!("{verified} (from the cache)")
    } else {
        verified
    });
    match relation {
        Relation::Named => {}
        Relation::PlatformOf(p) => report.platform_of = Some(p.name.clone()),
        Relation::HandedOverBy(p, d) => {
            report.delegated_from = Some(p.name.clone());
            report.delegation = Some(d.how.clone());
        }
    }
    (report, handed_over)
}

/// `--deps`: every package `npm install NAME` would install (dependencies, peer
/// dependencies npm installs, optional dependencies for this platform), each name@version
/// once, scanned in parallel; the first report is the product's, with one label combining
/// every package's and naming which package each item comes from.
fn scan_closure(client: &Client, mut root: Package, opts: &ScanOptions) -> Vec<TargetReport> {
    let root_name = format!("{}@{}", root.name, root.version);
    let mut packages: Vec<Package> = Vec::new();
    let mut problems: Vec<(String, String)> = Vec::new();
    let mut resolved: BTreeMap<(String, String), String> = BTreeMap::new();
    let mut have: HashSet<String> = HashSet::new();
    let mut queue: VecDeque<(String, String)> = VecDeque::new();
    let enqueue = |pkg: &Package,
                   queue: &mut VecDeque<(String, String)>,
                   problems: &mut Vec<(String, String)>| {
        for (n, r) in pkg.dependencies.iter().chain(&pkg.peer_dependencies) {
            queue.push_back(alias(n, r));
        }
        if let Some(platform) = &opts.npm.platform {
            let found = client.platform_packages(pkg, platform);
            queue.extend(found.unrestricted.iter().map(|(n, r)| alias(n, r)));
            for (name, fetched) in found.fetched {
                match fetched {
                    Ok(p) => queue.push_back((p.name.clone(), p.version.clone())),
                    Err(e) => problems.push((format!("npm:{name}"), e.to_string())),
                }
            }
        }
    };
    have.insert(format!("{}@{}", root.name, root.version));
    enqueue(&root, &mut queue, &mut problems);
    let fetchers = rayon::ThreadPoolBuilder::new()
        .num_threads(FETCH_CONCURRENCY)
        .build();
    while !queue.is_empty() && have.len() < MAX_CLOSURE {
        let batch: Vec<(String, String)> = queue
            .drain(..)
            .filter(|k| !resolved.contains_key(k))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let fetch = || -> Vec<_> {
            batch
                .par_iter()
                .map(|(n, r)| {
                    (
                        (n.clone(), r.clone()),
                        client.fetch(&Spec {
                            name: n.clone(),
                            wanted: Some(r.clone()),
                        }),
                    )
                })
                .collect()
        };
        let fetched = match &fetchers {
            Ok(pool) => pool.install(fetch),
            Err(_) => fetch(),
        };
        for (key, result) in fetched {
            match result {
                Ok(p) => {
                    resolved.insert(key, p.version.clone());
                    if have.insert(format!("{}@{}", p.name, p.version)) && have.len() <= MAX_CLOSURE
                    {
                        enqueue(&p, &mut queue, &mut problems);
                        packages.push(p);
                    }
                }
                Err(e) => {
                    resolved.insert(key.clone(), String::new());
                    problems.push((format!("npm:{}@{}", key.0, key.1), e.to_string()));
                }
            }
        }
    }
    let seen = SeenFiles::default();
    let identities: Vec<(String, String)> = packages
        .iter()
        .map(|p| (p.name.clone(), p.version.clone()))
        .collect();
    let root_package = root.name.clone();
    let scan_dependency = |p: &mut Package, opts: &ScanOptions| {
        let mut r = scan_package(p, &Relation::Named, opts, &seen).0;
        r.target = format!("npm:{}@{} (dependency of {root_name})", p.name, p.version);
        r.dependency_of = Some(root_package.clone());
        r
    };
    let root_report = scan_package(&mut root, &Relation::Named, opts, &seen).0;
    let reports: Vec<TargetReport> = packages
        .into_par_iter()
        .map(|mut p| scan_dependency(&mut p, opts))
        .collect();
    // A package that requires another's region detector is analysed again with what that
    // module exports (the first pass could not know it).
    let refetch = |name: &str, version: &str| {
        client
            .fetch(&Spec {
                name: name.to_string(),
                wanted: Some(version.to_string()),
            })
            .ok()
    };
    let mut all = vec![root_report];
    all.extend(reports);
    relink(&mut all, opts, |i, again| {
        if i == 0 {
            let mut p = refetch(&root.name, &root.version)?;
            return Some(scan_package(&mut p, &Relation::Named, again, &seen).0);
        }
        let (name, version) = &identities[i - 1];
        Some(scan_dependency(&mut refetch(name, version)?, again))
    });
    let mut root_report = all.remove(0);
    let mut reports = all;
    reports.sort_by(|a, b| a.target.cmp(&b.target));
    for (what, why) in &problems {
        root_report.coverage.add_unanalysed(
            what,
            0,
            format!("a dependency that could not be fetched: {why}"),
        );
    }
    if have.len() > MAX_CLOSURE {
        root_report.coverage.add_unanalysed(&format!("npm:{root_name} dependencies"), 0, format!("the install closure has more than {MAX_CLOSURE} packages; the rest were not followed"));
    }
    root_report.coverage.settle();
    let product =
        crate::product::product_report(&format!("npm:{root_name}"), &root_report, &reports);
    let mut out = vec![product, root_report];
    out.extend(reports);
    out
}

/// Packages of one scan that require another's region exports (a detector such as
/// `@serverless/utils/is-in-china`) are analysed again, by `rescan(i, options)`, with what
/// those modules export: the first pass of each package could not know it.
pub(crate) fn relink(
    reports: &mut [TargetReport],
    opts: &ScanOptions,
    rescan: impl Fn(usize, &ScanOptions) -> Option<TargetReport> + Sync,
) {
    let exports = dependency_exports(reports.iter());
    if exports.is_empty() {
        return;
    }
    let redo: Vec<usize> = (0..reports.len())
        .filter(|&i| {
            reports[i]
                .cross_package
                .requires
                .iter()
                .any(|q| exports.contains_key(q))
        })
        .collect();
    let mut again = opts.clone();
    again.dependency_exports = Some(std::sync::Arc::new(exports));
    let redone: Vec<(usize, TargetReport)> = redo
        .par_iter()
        .filter_map(|&i| rescan(i, &again).map(|r| (i, r)))
        .collect();
    for (i, r) in redone {
        reports[i] = r;
    }
}

/// What the packages of a closure export for the others, by module specifier.
fn dependency_exports<'r>(
    reports: impl Iterator<Item = &'r TargetReport>,
) -> crate::options::DependencyExports {
    let mut out = crate::options::DependencyExports::new();
    for r in reports {
        for (specs, e, at) in &r.cross_package.exports {
            for s in specs {
                out.entry(s.clone())
                    .or_default()
                    .push((e.clone(), at.clone()));
            }
        }
    }
    out
}

/// `"x": "npm:real@1.2.3"` installs `real` under the name `x`.
fn alias(name: &str, range: &str) -> (String, String) {
    match range.strip_prefix("npm:").map(Spec::parse) {
        Some(Ok(s)) => (s.name, s.wanted.unwrap_or_else(|| "latest".into())),
        _ => (name.to_string(), range.to_string()),
    }
}
