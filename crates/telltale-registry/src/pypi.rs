//! PyPI: `pypi:name` and `pypi:name==1.2.3` through the index's JSON simple API (PEP 691),
//! which pypi.org and the usual mirrors serve.
//!
//! The file picked for a version is its sdist (`.tar.gz`, `.zip`; it holds `setup.py`, the
//! install-time entry point), else a pure wheel, else any wheel. Its `sha256` is checked before
//! anything reads it; files are cached beside npm's. The index is `PIP_INDEX_URL` (or
//! `--registry` for `pypi:` targets), default `https://pypi.org/simple/`.

use crate::{Client, RegistryError};
use serde::Deserialize;
use sha2::Digest;

/// The public index.
pub const DEFAULT_INDEX: &str = "https://pypi.org/simple/";

/// A PyPI package as the user named it: `name` or `name==version`; as a requirement
/// names it, with PEP 440 specifiers (`>=2.0,<3`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PySpec {
    pub name: String,
    pub version: Option<String>,
    /// Specifiers the version must satisfy, when no exact version is named.
    pub specifiers: Option<String>,
}

impl PySpec {
    pub fn parse(s: &str) -> Result<PySpec, RegistryError> {
        let (name, version) = match s.split_once("==") {
            Some((n, v)) => (n.trim(), Some(v.trim().to_string())),
            None => (s.trim(), None),
        };
        let valid = !name.is_empty()
            && name.len() <= 200
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
            && version.as_deref().is_none_or(|v| {
                !v.is_empty()
                    && v.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "._+!-".contains(c))
            });
        if !valid {
            return Err(RegistryError::BadSpec(format!(
                "pypi:{s} (expected pypi:name or pypi:name==version)"
            )));
        }
        Ok(PySpec {
            name: name.to_string(),
            version,
            specifiers: None,
        })
    }

    /// A requirement's name and specifiers (`requests`, `>=2.0,<3`; empty for any version).
    pub fn requirement(name: &str, specifiers: &str) -> PySpec {
        let specifiers = Some(specifiers.trim().to_string()).filter(|s| !s.is_empty());
        PySpec {
            name: name.to_string(),
            version: None,
            specifiers,
        }
    }
}

/// The newest version of `versions` that `specifiers` allow (every one when `None`): final
/// releases first, pre-releases only when no final release fits (as pip does).
pub fn pick_version<'v>(
    versions: impl IntoIterator<Item = &'v str>,
    specifiers: Option<&str>,
) -> Result<Option<&'v str>, String> {
    use std::str::FromStr;
    let specs = match specifiers {
        Some(s) => Some(
            pep440_rs::VersionSpecifiers::from_str(s)
                .map_err(|e| format!("`{s}` is not a PEP 440 specifier: {e}"))?,
        ),
        None => None,
    };
    let mut fitting: Vec<(pep440_rs::Version, &str)> = versions
        .into_iter()
        .filter_map(|v| Some((pep440_rs::Version::from_str(v).ok()?, v)))
        .filter(|(v, _)| specs.as_ref().is_none_or(|s| s.contains(v)))
        .collect();
    fitting.sort();
    let final_release = fitting
        .iter()
        .rev()
        .find(|(v, _)| !v.any_prerelease())
        .map(|(_, s)| *s);
    Ok(final_release.or_else(|| fitting.last().map(|(_, s)| *s)))
}

/// A project's releases from its PEP 691 JSON page, each as (first upload time, version),
/// in upload order (PEP 700 `upload-time`; the version string breaks ties and orders files
/// without one). Releases whose every file is yanked are left out.
pub fn releases(page: &serde_json::Value) -> Vec<(String, String)> {
    let mut first: std::collections::BTreeMap<String, String> = Default::default();
    for f in page["files"].as_array().into_iter().flatten() {
        let yanked = f["yanked"].as_bool() == Some(true) || f["yanked"].is_string();
        let (Some(name), false) = (f["filename"].as_str(), yanked) else {
            continue;
        };
        let Some(version) = version_of(name) else {
            continue;
        };
        let time = f["upload-time"].as_str().unwrap_or("").to_string();
        let entry = first
            .entry(version.to_string())
            .or_insert_with(|| time.clone());
        if !time.is_empty() && (entry.is_empty() || time < *entry) {
            *entry = time;
        }
    }
    let mut out: Vec<(String, String)> = first.into_iter().map(|(v, t)| (t, v)).collect();
    out.sort();
    out
}

/// The highest of `seen` below `version` by PEP 440; `None` when `version` is not PEP 440.
pub fn highest_below(seen: &[String], version: &str) -> Option<String> {
    use std::str::FromStr;
    let v = pep440_rs::Version::from_str(version).ok()?;
    seen.iter()
        .filter_map(|s| Some((pep440_rs::Version::from_str(s).ok()?, s)))
        .filter(|(p, _)| *p < v)
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, s)| s.clone())
}

/// PEP 503: lowercase, runs of `-_.` as one `-`.
pub fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if "-_.".contains(c) {
            if !out.ends_with('-') {
                out.push('-');
            }
        } else {
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

#[derive(Deserialize)]
struct Project {
    files: Vec<IndexFile>,
}

#[derive(Deserialize, Clone)]
struct IndexFile {
    filename: String,
    url: String,
    #[serde(default)]
    hashes: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    yanked: serde_json::Value,
}

/// A fetched, verified distribution file.
#[derive(Debug, Clone)]
pub struct Distribution {
    pub name: String,
    pub version: String,
    pub filename: String,
    pub bytes: Vec<u8>,
    pub sha256: String,
    pub cached: bool,
}

/// A link on an index page made absolute: `../../files/x` against `http://h/simple/p/`.
fn join_url(page: &str, link: &str) -> String {
    if link.contains("://") {
        return link.to_string();
    }
    let (origin, path) = match page
        .find("://")
        .and_then(|i| page[i + 3..].find('/').map(|j| i + 3 + j))
    {
        Some(at) => (&page[..at], &page[at..]),
        None => (page, "/"),
    };
    if link.starts_with('/') {
        return format!("{origin}{link}");
    }
    let mut segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    if !path.ends_with('/') {
        segments.pop();
    }
    for seg in link.split('/') {
        match seg {
            ".." => {
                segments.pop();
            }
            "." | "" => {}
            s => segments.push(s),
        }
    }
    format!("{origin}/{}", segments.join("/"))
}

/// The version in a distribution's file name (`pkg-1.0.tar.gz`, `pkg-1.0-py3-none-any.whl`).
fn version_of(filename: &str) -> Option<&str> {
    if let Some(stem) = filename.strip_suffix(".whl") {
        return stem.split('-').nth(1);
    }
    let stem = [".tar.gz", ".zip", ".tar.bz2", ".tgz"]
        .iter()
        .find_map(|e| filename.strip_suffix(e))?;
    stem.rsplit_once('-').map(|(_, v)| v)
}

/// Release order for the common PEP 440 forms: numeric parts compared as numbers; a
/// pre-release (`a`, `b`, `rc`, `.dev`) sorts before its release.
fn version_key(v: &str) -> (Vec<u64>, bool) {
    let pre = v.chars().any(|c| c.is_ascii_alphabetic());
    let nums = v
        .split(|c: char| !c.is_ascii_digit())
        .take_while(|s| !s.is_empty())
        .filter_map(|s| s.parse().ok())
        .collect();
    (nums, !pre)
}

/// Sdist first (it carries `setup.py`), then a pure wheel, then any wheel.
fn preference(filename: &str) -> u8 {
    if filename.ends_with(".tar.gz") || filename.ends_with(".zip") {
        0
    } else if filename.ends_with("-none-any.whl") {
        1
    } else {
        2
    }
}

impl Client {
    /// Resolve, download (or take from the cache) and verify one distribution.
    pub fn fetch_pypi(&self, index: &str, spec: &PySpec) -> Result<Distribution, RegistryError> {
        let name = normalize(&spec.name);
        let index = if index.ends_with('/') {
            index.to_string()
        } else {
            format!("{index}/")
        };
        let cache_file = self.cache_path("pypi", "projects", &format!("{name}.json"));
        let body = if self.config().offline {
            let p = cache_file.clone().ok_or_else(|| RegistryError::NotCached {
                what: name.clone(),
                path: "no cache directory".into(),
            })?;
            std::fs::read(&p).map_err(|_| RegistryError::NotCached {
                what: format!("the PyPI index page of {name}"),
                path: p.display().to_string(),
            })?
        } else {
            let url = format!("{index}{name}/");
            let body = self
                .get_with_accept(&url, "application/vnd.pypi.simple.v1+json", 64 << 20)
                .map_err(|e| match e {
                    RegistryError::Status { status: 404, .. } => RegistryError::NoSuchPackage {
                        name: name.clone(),
                        registry: index.clone(),
                    },
                    other => other,
                })?;
            if let Some(p) = &cache_file {
                crate::write_atomically(p, &body)?;
            }
            body
        };
        let project: Project =
            serde_json::from_slice(&body).map_err(|e| RegistryError::BadPackument {
                name: name.clone(),
                reason: e.to_string(),
            })?;
        let live = |f: &&IndexFile| {
            f.yanked.as_bool() != Some(true)
                && !f.yanked.is_string()
                && version_of(&f.filename).is_some()
        };
        let version = match &spec.version {
            Some(v) => v.clone(),
            None => {
                let published: std::collections::BTreeSet<&str> = project
                    .files
                    .iter()
                    .filter(live)
                    .filter_map(|f| version_of(&f.filename))
                    .collect();
                let wanted = spec.specifiers.clone().unwrap_or_else(|| "latest".into());
                let newest = published
                    .iter()
                    .copied()
                    .max_by(|a, b| version_key(a).cmp(&version_key(b)))
                    .unwrap_or("none")
                    .to_string();
                let picked =
                    match pick_version(published.iter().copied(), spec.specifiers.as_deref()) {
                        Ok(p) => p,
                        // A name pip cannot parse as PEP 440 is still ordered the old way.
                        Err(_) if spec.specifiers.is_none() => published
                            .iter()
                            .copied()
                            .max_by(|a, b| version_key(a).cmp(&version_key(b))),
                        Err(e) => return Err(RegistryError::BadSpec(format!("pypi:{name} {e}"))),
                    };
                picked
                    .ok_or_else(|| RegistryError::NoSuchVersion {
                        name: name.clone(),
                        wanted,
                        latest: newest,
                        count: published.len(),
                    })?
                    .to_string()
            }
        };
        let file = project
            .files
            .iter()
            .filter(|f| version_of(&f.filename) == Some(version.as_str()))
            .min_by_key(|f| preference(&f.filename))
            .cloned()
            .ok_or_else(|| {
                let count = project
                    .files
                    .iter()
                    .filter_map(|f| version_of(&f.filename))
                    .collect::<std::collections::BTreeSet<_>>()
                    .len();
                let newest = project
                    .files
                    .iter()
                    .filter(live)
                    .filter_map(|f| version_of(&f.filename))
                    .max_by(|a, b| version_key(a).cmp(&version_key(b)))
                    .unwrap_or("none")
                    .to_string();
                RegistryError::NoSuchVersion {
                    name: name.clone(),
                    wanted: version.clone(),
                    latest: newest,
                    count,
                }
            })?;
        let expected =
            file.hashes
                .get("sha256")
                .cloned()
                .ok_or_else(|| RegistryError::NoIntegrity {
                    name: name.clone(),
                    version: version.clone(),
                })?;
        let cached_path =
            self.cache_path("pypi", "files", &file.filename.replace(['/', '\\'], "_"));
        let sha = |b: &[u8]| crate::hex(&sha2::Sha256::digest(b));
        let mut cached = false;
        let bytes = match cached_path.as_deref().and_then(|p| std::fs::read(p).ok()) {
            Some(b) if sha(&b) == expected => {
                cached = true;
                b
            }
            _ if self.config().offline => {
                return Err(RegistryError::NotCached {
                    what: file.filename.clone(),
                    path: cached_path
                        .map(|p| p.display().to_string())
                        .unwrap_or_default(),
                })
            }
            _ => {
                let url = join_url(&format!("{index}{name}/"), &file.url);
                self.get_with_accept(&url, "*/*", self.config().max_tarball_bytes)?
            }
        };
        let actual = sha(&bytes);
        if actual != expected {
            return Err(RegistryError::Integrity {
                name,
                version,
                expected: format!("sha256:{expected}"),
                actual: format!("sha256:{actual}"),
            });
        }
        if !cached {
            if let Some(p) = &cached_path {
                crate::write_atomically(p, &bytes)?;
            }
        }
        Ok(Distribution {
            name,
            version,
            filename: file.filename,
            bytes,
            sha256: expected,
            cached,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_names_and_versions() {
        assert_eq!(
            PySpec::parse("Foo_Bar==1.0").unwrap(),
            PySpec {
                name: "Foo_Bar".into(),
                version: Some("1.0".into()),
                specifiers: None
            }
        );
        let v = ["1.0", "1.9", "1.10", "2.0rc1", "2.0", "3.0a1"];
        assert_eq!(pick_version(v, None).unwrap(), Some("2.0"));
        assert_eq!(pick_version(v, Some(">=1.0,<2")).unwrap(), Some("1.10"));
        assert_eq!(pick_version(v, Some("~=1.9")).unwrap(), Some("1.10"));
        assert_eq!(
            pick_version(v, Some(">2.0")).unwrap(),
            Some("3.0a1"),
            "a pre-release when nothing else fits"
        );
        assert_eq!(pick_version(v, Some(">=4")).unwrap(), None);
        assert!(pick_version(v, Some("=>1")).is_err());
        assert!(PySpec::parse("x y").is_err());
        assert!(PySpec::parse("x==").is_err());
        assert_eq!(normalize("Foo__Bar.baz"), "foo-bar-baz");
        assert_eq!(version_of("camera-kit-99.0.tar.gz"), Some("99.0"));
        assert_eq!(
            version_of("otr_utils-0.0.1-py3-none-any.whl"),
            Some("0.0.1")
        );
        assert!(version_key("1.10") > version_key("1.9"));
        assert!(version_key("2.0") > version_key("2.0rc1"));
        assert!(preference("a-1.tar.gz") < preference("a-1-py3-none-any.whl"));
        assert_eq!(
            join_url("http://h:1/simple/p/", "../../files/x.tgz"),
            "http://h:1/files/x.tgz"
        );
        assert_eq!(join_url("http://h/simple/p/", "/f/x"), "http://h/f/x");
        assert_eq!(join_url("http://h/simple/p/", "https://o/x"), "https://o/x");
    }

    #[test]
    fn fetches_the_sdist_and_checks_sha256() {
        use crate::testing::FakeRegistry;
        let sdist = b"sdist bytes".to_vec();
        let wheel = b"wheel bytes".to_vec();
        let hex = |b: &[u8]| crate::hex(&sha2::Sha256::digest(b));
        let page = serde_json::json!({ "files": [
            { "filename": "demo-1.0-py3-none-any.whl", "url": "../../files/demo-1.0-py3-none-any.whl", "hashes": { "sha256": hex(&wheel) } },
            { "filename": "demo-1.0.tar.gz", "url": "../../files/demo-1.0.tar.gz", "hashes": { "sha256": hex(&sdist) } },
            { "filename": "demo-0.9.tar.gz", "url": "../../files/demo-0.9.tar.gz", "hashes": { "sha256": hex(b"tampered?") } }
        ]});
        let reg = FakeRegistry::with_routes(vec![
            ("/simple/demo/".into(), serde_json::to_vec(&page).unwrap()),
            ("/files/demo-1.0.tar.gz".into(), sdist.clone()),
            (
                "/files/demo-0.9.tar.gz".into(),
                b"not what the index says".to_vec(),
            ),
        ]);
        let dir = tempfile::tempdir().unwrap();
        let c = Client::new(crate::Config {
            registry: String::new(),
            cache_dir: Some(dir.path().to_path_buf()),
            offline: false,
            timeout: std::time::Duration::from_secs(10),
            retries: 0,
            max_tarball_bytes: 1 << 20,
        });
        let index = format!("{}simple/", reg.url);
        let d = c
            .fetch_pypi(&index, &PySpec::parse("Demo").unwrap())
            .unwrap();
        assert_eq!(
            (d.version.as_str(), d.filename.as_str(), d.bytes.as_slice()),
            ("1.0", "demo-1.0.tar.gz", sdist.as_slice())
        );
        let e = c
            .fetch_pypi(&index, &PySpec::parse("demo==0.9").unwrap())
            .unwrap_err();
        assert!(matches!(e, RegistryError::Integrity { .. }), "{e}");
        let e = c
            .fetch_pypi(&index, &PySpec::parse("demo==5").unwrap())
            .unwrap_err();
        assert!(matches!(e, RegistryError::NoSuchVersion { .. }), "{e}");
    }
}

#[cfg(test)]
mod release_tests {
    use super::*;

    #[test]
    fn releases_in_upload_order_without_yanked_ones() {
        let page = serde_json::json!({"files": [
            {"filename": "x-1.10.0.tar.gz", "upload-time": "2026-03-01T00:00:00Z"},
            {"filename": "x-1.9.0-py3-none-any.whl", "upload-time": "2026-02-02T00:00:00Z"},
            {"filename": "x-1.9.0.tar.gz", "upload-time": "2026-02-01T00:00:00Z"},
            {"filename": "x-1.2.0.post1.tar.gz", "upload-time": "2026-04-01T00:00:00Z"},
            {"filename": "x-2.0.0.tar.gz", "upload-time": "2026-05-01T00:00:00Z", "yanked": "broken"},
            {"filename": "not-a-distribution.txt"}
        ]});
        let got: Vec<String> = releases(&page).into_iter().map(|(_, v)| v).collect();
        assert_eq!(got, ["1.9.0", "1.10.0", "1.2.0.post1"]);
    }

    #[test]
    fn the_version_before_is_by_pep_440() {
        let seen: Vec<String> = ["1.9.0", "1.10.0", "2.0.0rc1"].map(String::from).to_vec();
        assert_eq!(highest_below(&seen, "1.10.1").as_deref(), Some("1.10.0"));
        assert_eq!(highest_below(&seen, "2.0.0").as_deref(), Some("2.0.0rc1"));
        assert_eq!(highest_below(&seen, "1.2.0.post1"), None);
        assert_eq!(highest_below(&seen, "not a version"), None);
    }
}
