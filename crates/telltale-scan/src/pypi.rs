//! `pypi:` targets: one distribution, or with `--deps` the install closure pip would
//! install, read from each distribution's own metadata: `Requires-Dist` in a wheel's
//! `METADATA` or an sdist's `PKG-INFO`, else `*.egg-info/requires.txt`, else `[project]
//! dependencies` in `pyproject.toml`. Requirements are PEP 508 (markers evaluated for CPython
//! 3.12 on the platform asked, extras followed as requested) and versions PEP 440 (the newest
//! that fits, final releases first). An sdist that declares its dependencies only in code
//! (`setup.py`) has them listed as not followed.

use crate::options::ScanOptions;
use crate::pipeline::scan_loaded;
use crate::SeenFiles;
use pep508_rs::{
    MarkerEnvironment, MarkerEnvironmentBuilder, Requirement, VerbatimUrl, VersionOrUrl,
};
use rayon::prelude::*;
use std::collections::{HashSet, VecDeque};
use std::str::FromStr;
use telltale_ingest::SourceFile;
use telltale_registry::pypi::{normalize, Distribution, PySpec};
use telltale_registry::Client;
use telltale_report::TargetReport;

/// Distributions in one closure, at most.
const MAX_CLOSURE: usize = 2_000;

/// Scan `pypi:NAME[==VERSION]` (`py` is the part after `pypi:`).
pub(crate) fn scan_pypi(spec: &str, py: &str, opts: &ScanOptions) -> Vec<TargetReport> {
    let parsed = match PySpec::parse(py) {
        Ok(s) => s,
        Err(e) => return vec![TargetReport::failed(spec, e.to_string())],
    };
    let client = Client::new(opts.npm.registry.clone());
    let dist = match client.fetch_pypi(&opts.npm.pypi_index, &parsed) {
        Ok(d) => d,
        Err(e) => return vec![TargetReport::failed(spec, e.to_string())],
    };
    let seen = SeenFiles::default();
    if !opts.deps {
        return vec![scan_distribution(dist, None, opts, &seen).0];
    }
    let root_name = format!("{}=={}", dist.name, dist.version);
    let (mut root_report, root_reqs) = scan_distribution(dist, None, opts, &seen);
    let env = environment(opts);
    let mut gaps: Vec<(String, String)> = Vec::new();
    let mut have: HashSet<String> = HashSet::new();
    have.insert(normalize(&parsed.name));
    let mut queue: VecDeque<(String, Vec<String>)> = VecDeque::new();
    let enqueue = |reqs: Result<Vec<String>, String>,
                   extras: &[String],
                   from: &str,
                   queue: &mut VecDeque<(String, Vec<String>)>,
                   gaps: &mut Vec<(String, String)>| match reqs {
        Ok(lines) => {
            for line in lines {
                match wanted(&line, &env, extras) {
                    Ok(Some(req)) => queue.push_back(req),
                    Ok(None) => {}
                    Err(why) => gaps.push((format!("{from}: {line}"), why)),
                }
            }
        }
        Err(why) => gaps.push((format!("pypi:{from} dependencies"), why)),
    };
    let root_extras: Vec<String> = Vec::new();
    enqueue(root_reqs, &root_extras, &root_name, &mut queue, &mut gaps);
    let mut dists: Vec<(Distribution, Vec<String>)> = Vec::new();
    while let Some((req, extras)) = queue.pop_front() {
        let Ok(parsed) = Requirement::<VerbatimUrl>::from_str(&req) else {
            continue;
        };
        let name = normalize(parsed.name.as_ref());
        if !have.insert(name.clone()) || have.len() > MAX_CLOSURE {
            continue;
        }
        let specifiers = match &parsed.version_or_url {
            Some(VersionOrUrl::VersionSpecifier(s)) => s.to_string(),
            _ => String::new(),
        };
        match client.fetch_pypi(
            &opts.npm.pypi_index,
            &PySpec::requirement(&name, &specifiers),
        ) {
            Ok(d) => {
                let files = load(&d, opts);
                let from = format!("{}=={}", d.name, d.version);
                enqueue(
                    files
                        .as_ref()
                        .map_err(Clone::clone)
                        .and_then(|f| requirements(f)),
                    &extras,
                    &from,
                    &mut queue,
                    &mut gaps,
                );
                dists.push((d, extras));
            }
            Err(e) => gaps.push((
                format!("pypi:{name}{specifiers}"),
                format!("a dependency that could not be fetched: {e}"),
            )),
        }
    }
    let mut reports: Vec<TargetReport> = dists
        .into_par_iter()
        .map(|(d, _)| {
            let mut r = scan_distribution(d, Some(&root_name), opts, &seen).0;
            r.dependency_of = Some(parsed.name.clone());
            r
        })
        .collect();
    reports.sort_by(|a, b| a.target.cmp(&b.target));
    for (what, why) in gaps {
        root_report.coverage.add_unanalysed(&what, 0, why);
    }
    if have.len() > MAX_CLOSURE {
        root_report.coverage.add_unanalysed(&format!("pypi:{root_name} dependencies"), 0, format!("the install closure has more than {MAX_CLOSURE} distributions; the rest were not followed"));
    }
    root_report.coverage.settle();
    let product =
        crate::product::product_report(&format!("pypi:{root_name}"), &root_report, &reports);
    let mut out = vec![product, root_report];
    out.extend(reports);
    out
}

fn load(d: &Distribution, opts: &ScanOptions) -> Result<Vec<SourceFile>, String> {
    let wanted = |p: &str| is_metadata(p);
    telltale_ingest::load_bytes(&d.filename, &d.bytes, &opts.limits, &wanted)
        .map(|t| t.files)
        .map_err(|e| format!("could not be read: {e}"))
}

/// Scan a distribution; also its requirement lines (or why they are not known).
fn scan_distribution(
    d: Distribution,
    root: Option<&str>,
    opts: &ScanOptions,
    seen: &SeenFiles,
) -> (TargetReport, Result<Vec<String>, String>) {
    let mut name = format!("pypi:{}=={}", d.name, d.version);
    if let Some(root) = root {
        name.push_str(&format!(" (dependency of {root})"));
    }
    let wanted = |p: &str| crate::analyse::wanted_file(p) || is_metadata(p);
    let loaded = telltale_ingest::load_bytes(&d.filename, &d.bytes, &opts.limits, &wanted);
    let reqs = match &loaded {
        Ok(t) => requirements(&t.files),
        Err(e) => Err(format!("could not be read: {e}")),
    };
    let verified = format!("{} verified against sha256:{}", d.filename, d.sha256);
    drop(d);
    let mut report = scan_loaded(&name, loaded, opts, seen);
    report.source = Some(verified);
    (report, reqs)
}

/// Files that declare dependencies.
fn is_metadata(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    matches!(
        name,
        "METADATA" | "PKG-INFO" | "requires.txt" | "pyproject.toml"
    )
}

/// The requirement lines a distribution declares (PEP 508 strings; markers included).
pub(crate) fn requirements(files: &[SourceFile]) -> Result<Vec<String>, String> {
    let depth = |p: &str| p.matches('/').count();
    let shallowest = |name: &str, dir_suffix: Option<&str>| {
        files
            .iter()
            .filter(|f| {
                f.path.rsplit('/').next() == Some(name)
                    && dir_suffix
                        .is_none_or(|s| f.path.rsplit('/').nth(1).is_some_and(|d| d.ends_with(s)))
            })
            .min_by_key(|f| depth(&f.path))
    };
    let text = |f: &SourceFile| String::from_utf8_lossy(&f.bytes).into_owned();
    // Core metadata: `Requires-Dist:` headers (before the first blank line).
    for (file, dir) in [("METADATA", Some(".dist-info")), ("PKG-INFO", None)] {
        if let Some(f) = shallowest(file, dir) {
            let t = text(f);
            let headers: Vec<&str> = t.lines().take_while(|l| !l.trim().is_empty()).collect();
            let reqs: Vec<String> = headers
                .iter()
                .filter_map(|l| l.strip_prefix("Requires-Dist:"))
                .map(|r| r.trim().to_string())
                .collect();
            let metadata_version = headers
                .iter()
                .find_map(|l| l.strip_prefix("Metadata-Version:"))
                .map(str::trim)
                .unwrap_or("1.0");
            // Metadata 2.2+ says its `Requires-Dist` is complete (not dynamic); so does a wheel.
            if !reqs.is_empty()
                || file == "METADATA"
                || metadata_version >= "2.2"
                    && !headers
                        .iter()
                        .any(|l| l.starts_with("Dynamic:") && l.contains("Requires-Dist"))
            {
                return Ok(reqs);
            }
        }
    }
    if let Some(f) = shallowest("requires.txt", Some(".egg-info")) {
        return Ok(requires_txt(&text(f)));
    }
    if let Some(f) = shallowest("pyproject.toml", None) {
        if let Ok(doc) = text(f).parse::<toml::Table>() {
            let project = doc.get("project").and_then(|p| p.as_table());
            let dynamic = project
                .and_then(|p| p.get("dynamic"))
                .and_then(|d| d.as_array())
                .is_some_and(|d| d.iter().any(|x| x.as_str() == Some("dependencies")));
            if let (Some(p), false) = (project, dynamic) {
                let mut reqs: Vec<String> = p
                    .get("dependencies")
                    .and_then(|d| d.as_array())
                    .into_iter()
                    .flatten()
                    .filter_map(|r| r.as_str().map(str::to_string))
                    .collect();
                for (extra, list) in p
                    .get("optional-dependencies")
                    .and_then(|o| o.as_table())
                    .into_iter()
                    .flatten()
                {
                    for r in list
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|r| r.as_str())
                    {
                        reqs.push(with_marker(r, &format!("extra == \"{extra}\"")));
                    }
                }
                return Ok(reqs);
            }
        }
    }
    if files.iter().any(|f| f.path.ends_with("setup.py")) {
        return Err(
            "its dependencies are declared only in setup.py, which is code: not followed".into(),
        );
    }
    Ok(Vec::new())
}

/// setuptools' `requires.txt`: requirements, then `[extra]`, `[:marker]` or
/// `[extra:marker]` sections.
fn requires_txt(text: &str) -> Vec<String> {
    let mut section_marker: Option<String> = None;
    let mut out = Vec::new();
    for line in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        if let Some(section) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            let (extra, marker) = section.split_once(':').unwrap_or((section, ""));
            let mut parts = Vec::new();
            if !extra.is_empty() {
                parts.push(format!("extra == \"{extra}\""));
            }
            if !marker.is_empty() {
                parts.push(format!("({marker})"));
            }
            section_marker = Some(parts.join(" and ")).filter(|m| !m.is_empty());
            continue;
        }
        out.push(match &section_marker {
            Some(m) => with_marker(line, m),
            None => line.to_string(),
        });
    }
    out
}

fn with_marker(req: &str, marker: &str) -> String {
    match req.split_once(';') {
        Some((r, m)) => format!("{r}; ({}) and {marker}", m.trim()),
        None => format!("{req}; {marker}"),
    }
}

/// Whether pip would install a requirement here: `Ok(Some((line, extras)))` when its markers
/// hold; `Ok(None)` when they do not; `Err` for what cannot be followed (a direct URL).
fn wanted(
    line: &str,
    env: &MarkerEnvironment,
    extras: &[String],
) -> Result<Option<(String, Vec<String>)>, String> {
    let req = Requirement::<VerbatimUrl>::from_str(line)
        .map_err(|e| format!("not a PEP 508 requirement: {e}"))?;
    let extras_given: Vec<pep508_rs::ExtraName> = extras
        .iter()
        .filter_map(|e| pep508_rs::ExtraName::from_str(e).ok())
        .collect();
    if !req.evaluate_markers(env, &extras_given) {
        return Ok(None);
    }
    if let Some(VersionOrUrl::Url(u)) = &req.version_or_url {
        return Err(format!("a direct URL dependency ({u}): not followed"));
    }
    Ok(Some((
        line.to_string(),
        req.extras.iter().map(|e| e.to_string()).collect(),
    )))
}

/// CPython 3.12 on the platform asked (`--platform`; Linux x86-64 without one).
fn environment(opts: &ScanOptions) -> MarkerEnvironment {
    let (system, sys_platform, os_name, machine) = match &opts.npm.platform {
        Some(p) => (
            match p.os.as_str() {
                "darwin" => "Darwin",
                "win32" => "Windows",
                _ => "Linux",
            },
            match p.os.as_str() {
                "darwin" => "darwin",
                "win32" => "win32",
                _ => "linux",
            },
            if p.os == "win32" { "nt" } else { "posix" },
            match (p.os.as_str(), p.cpu.as_str()) {
                ("win32", "x64") => "AMD64",
                ("darwin", "arm64") => "arm64",
                (_, "arm64") => "aarch64",
                _ => "x86_64",
            },
        ),
        None => ("Linux", "linux", "posix", "x86_64"),
    };
    MarkerEnvironment::try_from(MarkerEnvironmentBuilder {
        implementation_name: "cpython",
        implementation_version: "3.12.0",
        os_name,
        platform_machine: machine,
        platform_python_implementation: "CPython",
        platform_release: "",
        platform_system: system,
        platform_version: "",
        python_full_version: "3.12.0",
        python_version: "3.12",
        sys_platform,
    })
    .expect("a valid marker environment")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, text: &str) -> SourceFile {
        SourceFile {
            path: path.into(),
            bytes: text.as_bytes().to_vec(),
        }
    }

    #[test]
    fn requirements_come_from_the_distributions_own_metadata() {
        let wheel = [file("demo-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: demo\nRequires-Dist: requests (>=2.0)\nRequires-Dist: pywin32 ; sys_platform == \"win32\"\n\nlong description\nRequires-Dist: not-a-header\n")];
        assert_eq!(
            requirements(&wheel).unwrap(),
            ["requests (>=2.0)", "pywin32 ; sys_platform == \"win32\""]
        );
        let sdist = [file("demo-1.0/PKG-INFO", "Metadata-Version: 2.1\nName: demo\n\n"), file("demo-1.0/demo.egg-info/requires.txt", "six>=1.0\n\n[socks]\nPySocks!=1.5.7\n\n[:python_version < \"3.8\"]\nimportlib-metadata\n")];
        assert_eq!(
            requirements(&sdist).unwrap(),
            [
                "six>=1.0",
                "PySocks!=1.5.7; extra == \"socks\"",
                "importlib-metadata; (python_version < \"3.8\")"
            ]
        );
        let pyproject = [file("demo-1.0/PKG-INFO", "Metadata-Version: 2.1\nName: demo\n\n"), file("demo-1.0/pyproject.toml", "[project]\nname = \"demo\"\ndependencies = [\"httpx>=0.27\"]\n[project.optional-dependencies]\ncli = [\"rich\"]\n")];
        assert_eq!(
            requirements(&pyproject).unwrap(),
            ["httpx>=0.27", "rich; extra == \"cli\""]
        );
        let setup_only = [
            file("demo-1.0/PKG-INFO", "Metadata-Version: 1.0\nName: demo\n\n"),
            file("demo-1.0/setup.py", "setup(install_requires=['x'])"),
        ];
        assert!(requirements(&setup_only).unwrap_err().contains("setup.py"));
    }

    #[test]
    fn markers_and_extras_decide_what_pip_installs() {
        let env = environment(&ScanOptions::default());
        assert!(wanted("requests>=2; python_version >= \"3.8\"", &env, &[])
            .unwrap()
            .is_some());
        assert!(wanted("pywin32; sys_platform == \"win32\"", &env, &[])
            .unwrap()
            .is_none());
        assert!(wanted("rich; extra == \"cli\"", &env, &[])
            .unwrap()
            .is_none());
        assert!(wanted("rich; extra == \"cli\"", &env, &["cli".to_string()])
            .unwrap()
            .is_some());
        assert_eq!(
            wanted("httpx[http2]>=0.27", &env, &[]).unwrap().unwrap().1,
            ["http2"]
        );
        assert!(wanted("x @ https://example.com/x.whl", &env, &[])
            .unwrap_err()
            .contains("direct URL"));
    }
}
