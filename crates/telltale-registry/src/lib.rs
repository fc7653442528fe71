//! The npm registry: `npm:name`, `npm:name@1.2.3`, `npm:name@^1.2`, `npm:name@next`.
//!
//! Resolves the version from the packument (dist-tags, exact versions, npm semver ranges),
//! downloads the tarball, checks `dist.integrity` (sha512, or the legacy sha1 `shasum`) before
//! anything reads it, and keeps both in an on-disk cache so `--offline` scans work later. The
//! registry is the one npm uses: `npm_config_registry`, then `registry=` in `.npmrc` (the
//! working directory and its parents, then the home directory), else the public registry.
//! Platform packages (`optionalDependencies` restricted by `os`/`cpu`/`libc`, such as
//! `@anthropic-ai/claude-code-linux-x64`) are selected for a [`Platform`].
//!
//! Nothing fetched is executed or unpacked here: the caller hands the verified bytes to
//! `telltale-ingest`, which reads archives in memory.

use base64::Engine;
use serde::Deserialize;
use sha2::Digest;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The public registry, when nothing configures another.
pub const DEFAULT_REGISTRY: &str = "https://registry.npmjs.org/";

/// Why a package could not be fetched.
#[derive(Debug, Clone, thiserror::Error)]
pub enum RegistryError {
    #[error("`{0}` is not an npm package spec (expected npm:name, npm:name@version, npm:name@range or npm:name@tag)")]
    BadSpec(String),
    #[error("no package `{name}` in the registry {registry}")]
    NoSuchPackage { name: String, registry: String },
    #[error("`{name}` has no version matching `{wanted}` (latest is {latest}; {count} versions published)")]
    NoSuchVersion {
        name: String,
        wanted: String,
        latest: String,
        count: usize,
    },
    #[error("integrity check failed for {name}@{version}: expected {expected}, got {actual}")]
    Integrity {
        name: String,
        version: String,
        expected: String,
        actual: String,
    },
    #[error(
        "{name}@{version} has no integrity hash in the registry: refusing to use it unverified"
    )]
    NoIntegrity { name: String, version: String },
    #[error("cannot reach the registry at {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("the registry answered {status} for {url}")]
    Status { url: String, status: u16 },
    #[error("offline, and `{what}` is not in the cache ({path})")]
    NotCached { what: String, path: String },
    #[error("the registry sent a packument for `{name}` that cannot be read: {reason}")]
    BadPackument { name: String, reason: String },
    #[error("cache at {path}: {reason}")]
    Cache { path: String, reason: String },
}

/// Where and how to fetch.
#[derive(Debug, Clone)]
pub struct Config {
    /// Base URL, ending in `/`.
    pub registry: String,
    /// Cache root (`$XDG_CACHE_HOME/telltale` or `~/.cache/telltale`); none disables caching.
    pub cache_dir: Option<PathBuf>,
    /// Use only the cache.
    pub offline: bool,
    /// Limit on one request, connection to last byte.
    pub timeout: Duration,
    /// Attempts after the first on transport errors and 5xx/429 answers.
    pub retries: u32,
    /// Limit on a tarball's size.
    pub max_tarball_bytes: u64,
}

impl Config {
    /// The configuration npm would use in `cwd`, with the environment's cache directory.
    pub fn from_environment(cwd: &Path) -> Config {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        let home = env("HOME").map(PathBuf::from);
        let registry = env("npm_config_registry")
            .or_else(|| env("NPM_CONFIG_REGISTRY"))
            .or_else(|| npmrc_registry(cwd, home.as_deref()))
            .unwrap_or_else(|| DEFAULT_REGISTRY.to_string());
        let cache_dir = env("TELLTALE_CACHE_DIR")
            .map(PathBuf::from)
            .or_else(|| env("XDG_CACHE_HOME").map(|c| PathBuf::from(c).join("telltale")))
            .or_else(|| home.map(|h| h.join(".cache").join("telltale")));
        Config {
            registry: with_slash(registry),
            cache_dir,
            offline: false,
            timeout: Duration::from_secs(120),
            retries: 2,
            max_tarball_bytes: 1 << 30,
        }
    }
}

fn with_slash(mut url: String) -> String {
    if !url.ends_with('/') {
        url.push('/');
    }
    url
}

/// `registry=` from the nearest `.npmrc` in `cwd` or a parent, then the home directory's.
fn npmrc_registry(cwd: &Path, home: Option<&Path>) -> Option<String> {
    let candidates = cwd
        .ancestors()
        .map(|d| d.join(".npmrc"))
        .chain(home.map(|h| h.join(".npmrc")));
    for file in candidates {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        for line in text.lines() {
            let line = line.trim();
            if line.starts_with('#') || line.starts_with(';') {
                continue;
            }
            if let Some((key, value)) = line.split_once('=') {
                if key.trim() == "registry" {
                    return Some(value.trim().trim_matches('"').to_string());
                }
            }
        }
    }
    None
}

/// A package as the user named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spec {
    pub name: String,
    /// Version, range or dist-tag; none means `latest`.
    pub wanted: Option<String>,
}

impl Spec {
    /// `name`, `name@1.2.3`, `@scope/name@^1`, `name@next` (without the `npm:` prefix).
    pub fn parse(s: &str) -> Result<Spec, RegistryError> {
        let bad = || RegistryError::BadSpec(s.to_string());
        let (name, wanted) = match s.strip_prefix('@') {
            Some(rest) => match rest.split_once('@') {
                Some((n, w)) => (format!("@{n}"), Some(w)),
                None => (s.to_string(), None),
            },
            None => match s.split_once('@') {
                Some((n, w)) => (n.to_string(), Some(w)),
                None => (s.to_string(), None),
            },
        };
        let valid_part = |p: &str| {
            !p.is_empty()
                && p.len() <= 214
                && !p.starts_with('.')
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-._~".contains(c))
        };
        let parts: Vec<&str> = name.trim_start_matches('@').split('/').collect();
        let ok = match (name.starts_with('@'), parts.as_slice()) {
            (true, [scope, pkg]) => valid_part(scope) && valid_part(pkg),
            (false, [pkg]) => valid_part(pkg),
            _ => false,
        };
        if !ok || wanted.is_some_and(|w| w.trim().is_empty()) {
            return Err(bad());
        }
        Ok(Spec {
            name,
            wanted: wanted.map(|w| w.trim().to_string()),
        })
    }
}

/// The operating system, CPU and C library whose platform packages to pull in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Platform {
    pub os: String,
    pub cpu: String,
    /// `glibc` or `musl` on Linux.
    pub libc: Option<String>,
}

impl Platform {
    /// Operating systems npm knows (`process.platform`).
    pub const OS: &'static [&'static str] = &[
        "linux", "darwin", "win32", "freebsd", "openbsd", "netbsd", "sunos", "aix", "android",
    ];
    /// Processors npm knows (`process.arch`).
    pub const CPU: &'static [&'static str] = &[
        "x64", "arm64", "ia32", "arm", "ppc64", "s390x", "riscv64", "loong64", "mips64el",
    ];

    /// Like [`Platform::parse`], but only npm's words: `linux-x64-musl`, not `linux-amd64`.
    pub fn parse_checked(s: &str) -> Result<Platform, String> {
        let p = Platform::parse(s).ok_or_else(|| format!("`{s}` is not os-cpu or os-cpu-libc"))?;
        if !Self::OS.contains(&p.os.as_str()) {
            return Err(format!(
                "`{}` is not an operating system npm knows ({})",
                p.os,
                Self::OS.join(", ")
            ));
        }
        if !Self::CPU.contains(&p.cpu.as_str()) {
            return Err(format!(
                "`{}` is not a processor npm knows ({})",
                p.cpu,
                Self::CPU.join(", ")
            ));
        }
        match p.libc.as_deref() {
            None => {}
            Some("glibc" | "musl") if p.os == "linux" => {}
            Some(l) => {
                return Err(format!(
                    "`{l}` is not a C library npm knows (glibc or musl, on linux)"
                ))
            }
        }
        Ok(p)
    }

    /// What a package's name says about this platform: `Some(true)` when the platform words
    /// in it (`linux`, `darwin`, `windows`, `x64`, `arm64`, `musl`, …) fit this platform,
    /// `Some(false)` when they name another, `None` when it names none.
    pub fn named_in(&self, name: &str) -> Option<bool> {
        let base = name.rsplit('/').next().unwrap_or(name).to_ascii_lowercase();
        let words: Vec<&str> = base.split(['-', '_', '.']).collect();
        let os = words.iter().find_map(|w| match *w {
            "linux" | "linuxmusl" => Some("linux"),
            "darwin" | "macos" | "mac" | "osx" | "apple" => Some("darwin"),
            "win32" | "windows" | "win" | "win64" => Some("win32"),
            "freebsd" | "openbsd" | "netbsd" | "sunos" | "aix" | "android" => Some(*w),
            _ => None,
        });
        let cpu = words.iter().find_map(|w| match *w {
            "x64" | "amd64" | "x86_64" => Some("x64"),
            "arm64" | "aarch64" => Some("arm64"),
            "ia32" | "x86" | "i686" | "i386" => Some("ia32"),
            "arm" | "armv7" | "armhf" => Some("arm"),
            "ppc64" | "ppc64le" => Some("ppc64"),
            "s390x" | "riscv64" | "loong64" => Some(*w),
            _ => None,
        });
        let musl = words
            .iter()
            .any(|w| *w == "musl" || *w == "linuxmusl" || *w == "alpine");
        if os.is_none() && cpu.is_none() {
            return None;
        }
        let libc_fits = match self.libc.as_deref() {
            Some("musl") => musl || os != Some("linux"),
            _ => !musl,
        };
        Some(os.is_none_or(|o| o == self.os) && cpu.is_none_or(|c| c == self.cpu) && libc_fits)
    }

    /// `linux-x64`, `linux-arm64-musl`, `darwin-arm64`, `win32-x64` (npm's words).
    pub fn parse(s: &str) -> Option<Platform> {
        let mut parts = s.split('-');
        let os = parts.next()?.to_string();
        let cpu = parts.next()?.to_string();
        let libc = parts.next().map(str::to_string);
        if parts.next().is_some() || os.is_empty() || cpu.is_empty() {
            return None;
        }
        let libc = libc.or_else(|| (os == "linux").then(|| "glibc".to_string()));
        Some(Platform { os, cpu, libc })
    }

    /// This machine, in npm's words.
    pub fn current() -> Platform {
        let os = match std::env::consts::OS {
            "macos" => "darwin",
            "windows" => "win32",
            other => other,
        };
        let cpu = match std::env::consts::ARCH {
            "x86_64" => "x64",
            "aarch64" => "arm64",
            "x86" => "ia32",
            other => other,
        };
        Platform::parse(&format!("{os}-{cpu}")).expect("two parts")
    }

    /// Whether a package restricted to these `os`/`cpu`/`libc` lists runs here (npm's rules:
    /// an empty list allows all, `!x` excludes x).
    pub fn allows(&self, os: &[String], cpu: &[String], libc: &[String]) -> bool {
        fn fits(list: &[String], value: Option<&str>) -> bool {
            let Some(value) = value else { return true };
            if list.is_empty() {
                return true;
            }
            let (neg, pos): (Vec<&String>, Vec<&String>) =
                list.iter().partition(|x| x.starts_with('!'));
            if neg.iter().any(|x| &x[1..] == value) {
                return false;
            }
            pos.is_empty() || pos.iter().any(|x| x.as_str() == value)
        }
        fits(os, Some(&self.os)) && fits(cpu, Some(&self.cpu)) && fits(libc, self.libc.as_deref())
    }
}

#[derive(Deserialize)]
struct Packument {
    #[serde(default, rename = "dist-tags")]
    dist_tags: BTreeMap<String, String>,
    #[serde(default)]
    versions: BTreeMap<String, VersionMeta>,
}

#[derive(Deserialize, Clone)]
struct VersionMeta {
    dist: Dist,
    #[serde(default, rename = "optionalDependencies")]
    optional_dependencies: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "string_map")]
    dependencies: BTreeMap<String, String>,
    #[serde(default, rename = "peerDependencies", deserialize_with = "string_map")]
    peer_dependencies: BTreeMap<String, String>,
    #[serde(default, rename = "peerDependenciesMeta")]
    peer_dependencies_meta: BTreeMap<String, serde_json::Value>,
    #[serde(default, deserialize_with = "string_list")]
    os: Vec<String>,
    #[serde(default, deserialize_with = "string_list")]
    cpu: Vec<String>,
    #[serde(default, deserialize_with = "string_list")]
    libc: Vec<String>,
}

/// A name → range map; entries whose range is not a string are left out.
fn string_map<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, String>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::Object(m) => m
            .into_iter()
            .filter_map(|(k, v)| Some((k, v.as_str()?.to_string())))
            .collect(),
        _ => BTreeMap::new(),
    })
}

/// `os: "linux"` as well as `os: ["linux"]`; anything else as no restriction.
fn string_list<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => vec![s],
        serde_json::Value::Array(a) => a
            .into_iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => vec![],
    })
}

#[derive(Deserialize, Clone)]
struct Dist {
    tarball: String,
    #[serde(default)]
    integrity: Option<String>,
    #[serde(default)]
    shasum: Option<String>,
}

/// A fetched, verified package.
#[derive(Debug, Clone)]
pub struct Package {
    pub name: String,
    pub version: String,
    /// The tarball, integrity checked.
    pub tarball: Vec<u8>,
    /// The hash it was checked against (`sha512-…` or `sha1-<hex>`).
    pub integrity: String,
    /// Whether it came from the cache.
    pub cached: bool,
    /// Optional dependencies, by name and range, for [`Client::platform_packages`].
    pub optional_dependencies: Vec<(String, String)>,
    /// Dependencies, by name and range.
    pub dependencies: Vec<(String, String)>,
    /// Peer dependencies npm installs (those not marked optional), by name and range.
    pub peer_dependencies: Vec<(String, String)>,
    /// For a tarball read from the cache by a client that defers the check
    /// ([`Client::deferring_cache_checks`]): the hash it must still be checked against.
    pub unchecked: Option<PendingCheck>,
}

/// The integrity check a cached tarball still owes ([`Package::verify`]).
#[derive(Debug, Clone)]
pub struct PendingCheck(Expected);

impl Package {
    /// Check `tarball` (this package's, perhaps taken out of it) against its registry hash
    /// when that check was deferred; the caller must not report anything read from it
    /// before this succeeds.
    pub fn verify(&self, tarball: &[u8]) -> Result<(), RegistryError> {
        let Some(PendingCheck(expected)) = &self.unchecked else {
            return Ok(());
        };
        check_integrity(tarball, expected).map_err(|actual| RegistryError::Integrity {
            name: self.name.clone(),
            version: self.version.clone(),
            expected: expected.to_string(),
            actual,
        })
    }
}

/// What [`Client::platform_packages`] found for one platform.
#[derive(Debug, Default)]
pub struct PlatformPackages {
    /// The platform packages for the platform, fetched and verified, or why not.
    pub fetched: Vec<(String, Result<Package, RegistryError>)>,
    /// Optional dependencies for other platforms (by their `os`/`cpu`/`libc`, or, for ones
    /// not published, by the platform their name says).
    pub other_platforms: Vec<String>,
    /// How many optional dependencies are restricted to some platform.
    pub restricted: usize,
    /// Optional dependencies restricted to no platform (ordinary optional dependencies), by
    /// name and range: what `npm install` also installs.
    pub unrestricted: Vec<(String, String)>,
}

/// Fetches packages.
pub struct Client {
    cfg: Config,
    agent: ureq::Agent,
    /// Cached tarballs are returned with their check pending ([`Package::unchecked`]).
    defer_cache_checks: bool,
}

impl Client {
    pub fn new(cfg: Config) -> Client {
        // The system's trust store, as npm and curl use: registries behind a company proxy
        // or mirror present certificates from a private CA that Mozilla's list lacks.
        let tls = ureq::tls::TlsConfig::builder()
            .root_certs(ureq::tls::RootCerts::PlatformVerifier)
            .build();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .tls_config(tls)
            .timeout_global(Some(cfg.timeout))
            .http_status_as_error(false)
            .user_agent(concat!("telltale/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Client {
            cfg,
            agent,
            defer_cache_checks: false,
        }
    }

    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// A client whose cached tarballs come back with their integrity check pending
    /// ([`Package::unchecked`], [`Package::verify`]), so the caller can hash a 190 MB
    /// tarball on one core while it decompresses it on another. Downloads are still checked
    /// before they are returned.
    pub fn deferring_cache_checks(mut self) -> Client {
        self.defer_cache_checks = true;
        self
    }

    /// Resolve, download (or take from the cache) and verify one package.
    pub fn fetch(&self, spec: &Spec) -> Result<Package, RegistryError> {
        // A published version never changes: a cached packument that has it will do.
        let exact = spec
            .wanted
            .as_deref()
            .filter(|w| w.parse::<nodejs_semver::Version>().is_ok());
        let cached = exact.and_then(|v| {
            self.cached_packument(&spec.name)
                .filter(|p| p.versions.contains_key(v))
        });
        let packument = match cached {
            Some(p) => p,
            None => self.packument(&spec.name)?,
        };
        let version = resolve_version(&spec.name, &packument, spec.wanted.as_deref())?;
        let meta = packument.versions[&version].clone();
        let expected =
            expected_integrity(&meta.dist).ok_or_else(|| RegistryError::NoIntegrity {
                name: spec.name.clone(),
                version: version.clone(),
            })?;
        let cache_file = self.cache_path(
            "npm",
            "tarballs",
            &format!("{}-{version}.tgz", escape(&spec.name)),
        );
        let mut cached = false;
        let mut unchecked = None;
        let tarball = match cache_file.as_deref().and_then(|p| std::fs::read(p).ok()) {
            Some(bytes) if self.defer_cache_checks => {
                cached = true;
                unchecked = Some(PendingCheck(expected.clone()));
                bytes
            }
            Some(bytes) if check_integrity(&bytes, &expected).is_ok() => {
                cached = true;
                bytes
            }
            _ if self.cfg.offline => {
                return Err(RegistryError::NotCached {
                    what: format!("{}@{version}", spec.name),
                    path: cache_file
                        .map(|p| p.display().to_string())
                        .unwrap_or_else(|| "no cache directory".into()),
                })
            }
            _ => self.get(&meta.dist.tarball, self.cfg.max_tarball_bytes)?,
        };
        // A cached copy was checked as it was read; a download is checked here.
        if !cached {
            if let Err(actual) = check_integrity(&tarball, &expected) {
                return Err(RegistryError::Integrity {
                    name: spec.name.clone(),
                    version,
                    expected: expected.to_string(),
                    actual,
                });
            }
        }
        if !cached {
            if let Some(p) = &cache_file {
                write_atomically(p, &tarball)?;
            }
        }
        Ok(Package {
            name: spec.name.clone(),
            version,
            tarball,
            integrity: expected.to_string(),
            cached,
            optional_dependencies: meta.optional_dependencies.into_iter().collect(),
            dependencies: meta.dependencies.into_iter().collect(),
            peer_dependencies: meta
                .peer_dependencies
                .into_iter()
                .filter(|(n, _)| {
                    !meta
                        .peer_dependencies_meta
                        .get(n)
                        .is_some_and(|m| m["optional"] == serde_json::Value::Bool(true))
                })
                .collect(),
            unchecked,
        })
    }

    /// The optional dependencies of `pkg` that are platform packages for `platform`
    /// (restricted by `os`/`cpu`/`libc` and matching), fetched and verified. Optional
    /// dependencies without such restrictions are not platform packages and are left out;
    /// ones for other platforms are named, not fetched. One that cannot be resolved is an
    /// error when its name says it is for `platform` (or says no platform), and counted as
    /// another platform's when its name says so (packages publish optional dependencies for
    /// platforms they never built).
    pub fn platform_packages(&self, pkg: &Package, platform: &Platform) -> PlatformPackages {
        let mut out = PlatformPackages::default();
        let mut specs = Vec::new();
        for (name, range) in &pkg.optional_dependencies {
            // `"@openai/codex-linux-x64": "npm:@openai/codex@0.169.0-linux-x64"`: an alias.
            match range.strip_prefix("npm:").map(Spec::parse) {
                Some(Ok(real)) => specs.push((name, real)),
                Some(Err(e)) => out.fetched.push((name.clone(), Err(e))),
                None => specs.push((
                    name,
                    Spec {
                        name: name.clone(),
                        wanted: Some(range.clone()),
                    },
                )),
            }
        }
        // Each packument once (aliases often share one), all asked at once: a dozen platform
        // packages, some never published, cost one round trip rather than twelve.
        let mut wanted: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for (_, s) in &specs {
            wanted
                .entry(s.name.as_str())
                .or_default()
                .insert(s.wanted.as_deref().unwrap_or("latest"));
        }
        let packuments: BTreeMap<&str, Result<Packument, RegistryError>> =
            std::thread::scope(|scope| {
                let asked: Vec<_> = wanted
                    .iter()
                    .map(|(n, versions)| {
                        (*n, scope.spawn(move || self.packument_having(n, versions)))
                    })
                    .collect();
                asked
                    .into_iter()
                    .map(|(n, h)| {
                        (
                            n,
                            h.join().unwrap_or_else(|_| {
                                Err(RegistryError::Cache {
                                    path: n.to_string(),
                                    reason: "the request thread failed".into(),
                                })
                            }),
                        )
                    })
                    .collect()
            });
        for (name, spec) in &specs {
            let name: &String = name;
            let wanted = spec.wanted.clone().unwrap_or_else(|| "latest".into());
            let resolved = match &packuments[spec.name.as_str()] {
                Ok(p) => {
                    resolve_version(&spec.name, p, Some(&wanted)).map(|v| p.versions[&v].clone())
                }
                Err(e) => Err(e.clone()),
            };
            let meta = match resolved {
                Ok(meta) => meta,
                Err(
                    e @ (RegistryError::NoSuchPackage { .. } | RegistryError::NoSuchVersion { .. }),
                ) => {
                    match platform.named_in(name) {
                        Some(false) => {
                            out.restricted += 1;
                            out.other_platforms.push(name.clone());
                        }
                        Some(true) => {
                            out.restricted += 1;
                            out.fetched.push((name.clone(), Err(e)));
                        }
                        None => {}
                    }
                    continue;
                }
                Err(e) => {
                    if platform.named_in(name) != Some(false) {
                        out.fetched.push((name.clone(), Err(e)));
                    }
                    continue;
                }
            };
            if meta.os.is_empty() && meta.cpu.is_empty() && meta.libc.is_empty() {
                out.unrestricted.push((spec.name.clone(), wanted));
                continue;
            }
            out.restricted += 1;
            if platform.allows(&meta.os, &meta.cpu, &meta.libc) {
                out.fetched.push((name.clone(), self.fetch(spec)));
            } else {
                out.other_platforms.push(name.clone());
            }
        }
        out
    }

    /// A packument that has every version `wanted` names: from the cache when they are all
    /// exact versions it holds (a published version never changes), else from the registry.
    fn packument_having(
        &self,
        name: &str,
        wanted: &BTreeSet<&str>,
    ) -> Result<Packument, RegistryError> {
        if wanted
            .iter()
            .all(|w| w.parse::<nodejs_semver::Version>().is_ok())
        {
            if let Some(p) = self
                .cached_packument(name)
                .filter(|p| wanted.iter().all(|w| p.versions.contains_key(*w)))
            {
                return Ok(p);
            }
        }
        self.packument(name)
    }

    /// Every published version of a package, oldest first by semver (for `submit --all-versions`).
    pub fn versions(&self, name: &str) -> Result<Vec<String>, RegistryError> {
        let packument = self.packument(name)?;
        let mut versions: Vec<(nodejs_semver::Version, String)> = packument
            .versions
            .keys()
            .filter_map(|v| Some((v.parse().ok()?, v.clone())))
            .collect();
        versions.sort();
        Ok(versions.into_iter().map(|(_, v)| v).collect())
    }

    fn cached_packument(&self, name: &str) -> Option<Packument> {
        let path = self.cache_path("npm", "packuments", &format!("{}.json", escape(name)))?;
        serde_json::from_slice(&std::fs::read(path).ok()?).ok()
    }

    fn packument(&self, name: &str) -> Result<Packument, RegistryError> {
        let cache_file = self.cache_path("npm", "packuments", &format!("{}.json", escape(name)));
        let bytes = if self.cfg.offline {
            let p = cache_file.ok_or_else(|| RegistryError::NotCached {
                what: name.to_string(),
                path: "no cache directory".into(),
            })?;
            std::fs::read(&p).map_err(|_| RegistryError::NotCached {
                what: format!("the packument of {name}"),
                path: p.display().to_string(),
            })?
        } else {
            let url = format!("{}{}", self.cfg.registry, name.replace('/', "%2f"));
            let bytes = self.get(&url, 256 << 20).map_err(|e| match e {
                RegistryError::Status { status: 404, .. } => RegistryError::NoSuchPackage {
                    name: name.to_string(),
                    registry: self.cfg.registry.clone(),
                },
                other => other,
            })?;
            if let Some(p) = &cache_file {
                write_atomically(p, &bytes)?;
            }
            bytes
        };
        serde_json::from_slice(&bytes).map_err(|e| RegistryError::BadPackument {
            name: name.to_string(),
            reason: e.to_string(),
        })
    }

    /// GET with retries on transport errors and 5xx/429 answers.
    fn get(&self, url: &str, limit: u64) -> Result<Vec<u8>, RegistryError> {
        self.get_with_accept(
            url,
            "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*",
            limit,
        )
    }

    pub(crate) fn get_with_accept(
        &self,
        url: &str,
        accept: &str,
        limit: u64,
    ) -> Result<Vec<u8>, RegistryError> {
        let mut attempt = 0;
        loop {
            let result = self.agent.get(url).header("Accept", accept).call();
            match result {
                Ok(mut resp) => {
                    let status = resp.status().as_u16();
                    if status == 200 {
                        return resp
                            .body_mut()
                            .with_config()
                            .limit(limit)
                            .read_to_vec()
                            .map_err(|e| RegistryError::Unreachable {
                                url: url.to_string(),
                                reason: e.to_string(),
                            });
                    }
                    if !(status >= 500 || status == 429) || attempt >= self.cfg.retries {
                        return Err(RegistryError::Status {
                            url: url.to_string(),
                            status,
                        });
                    }
                }
                Err(e) if attempt >= self.cfg.retries => {
                    return Err(RegistryError::Unreachable {
                        url: url.to_string(),
                        reason: e.to_string(),
                    })
                }
                Err(_) => {}
            }
            attempt += 1;
            std::thread::sleep(Duration::from_millis(250 * 4u64.pow(attempt - 1)));
        }
    }

    /// `<cache>/<ecosystem>/<kind>/<file>` (`npm/tarballs/…`, `pypi/files/…`).
    pub(crate) fn cache_path(&self, ecosystem: &str, kind: &str, file: &str) -> Option<PathBuf> {
        self.cfg
            .cache_dir
            .as_ref()
            .map(|d| d.join(ecosystem).join(kind).join(file))
    }
}

/// `@scope/name` as one file name.
fn escape(name: &str) -> String {
    name.replace('/', "__")
}

/// Write through a temporary file so a crash never leaves a truncated tarball in the cache.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), RegistryError> {
    let err = |e: std::io::Error| RegistryError::Cache {
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    let dir = path.parent().expect("cache files live in a folder");
    std::fs::create_dir_all(dir).map_err(err)?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("x"),
        std::process::id()
    ));
    std::fs::write(&tmp, bytes).map_err(err)?;
    std::fs::rename(&tmp, path).map_err(err)
}

/// The version a spec names: a dist-tag, an exact version, or the highest in a range.
fn resolve_version(
    name: &str,
    p: &Packument,
    wanted: Option<&str>,
) -> Result<String, RegistryError> {
    let latest = p.dist_tags.get("latest").cloned().unwrap_or_default();
    let wanted = wanted.unwrap_or("latest");
    let not_found = || RegistryError::NoSuchVersion {
        name: name.to_string(),
        wanted: wanted.to_string(),
        latest: latest.clone(),
        count: p.versions.len(),
    };
    if let Some(v) = p.dist_tags.get(wanted) {
        return p
            .versions
            .contains_key(v)
            .then(|| v.clone())
            .ok_or_else(not_found);
    }
    if p.versions.contains_key(wanted) {
        return Ok(wanted.to_string());
    }
    let range: nodejs_semver::Range = wanted.parse().map_err(|_| not_found())?;
    p.versions
        .keys()
        .filter_map(|v| {
            v.parse::<nodejs_semver::Version>()
                .ok()
                .map(|parsed| (parsed, v))
        })
        .filter(|(parsed, _)| range.satisfies(parsed))
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, v)| v.clone())
        .ok_or_else(not_found)
}

/// The strongest hash the registry gives for a tarball.
#[derive(Debug, Clone)]
enum Expected {
    Sha512(Vec<u8>),
    Sha1(Vec<u8>),
}

impl std::fmt::Display for Expected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Expected::Sha512(d) => write!(
                f,
                "sha512-{}",
                base64::engine::general_purpose::STANDARD.encode(d)
            ),
            Expected::Sha1(d) => write!(f, "sha1-{}", hex(d)),
        }
    }
}

pub(crate) fn hex(d: &[u8]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

fn expected_integrity(dist: &Dist) -> Option<Expected> {
    let sri = dist.integrity.as_deref().unwrap_or("");
    for part in sri.split_whitespace() {
        if let Some(b64) = part.strip_prefix("sha512-") {
            if let Ok(d) = base64::engine::general_purpose::STANDARD
                .decode(b64.split('?').next().unwrap_or(""))
            {
                return Some(Expected::Sha512(d));
            }
        }
    }
    let shasum = dist.shasum.as_deref()?;
    let bytes: Option<Vec<u8>> = (0..shasum.len())
        .step_by(2)
        .map(|i| {
            shasum
                .get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect();
    bytes.filter(|b| b.len() == 20).map(Expected::Sha1)
}

/// Ok, or the actual hash in the expected's notation.
fn check_integrity(bytes: &[u8], expected: &Expected) -> Result<(), String> {
    let (actual, want): (Vec<u8>, &Vec<u8>) = match expected {
        Expected::Sha512(d) => (sha2::Sha512::digest(bytes).to_vec(), d),
        Expected::Sha1(d) => (sha1::Sha1::digest(bytes).to_vec(), d),
    };
    if &actual == want {
        Ok(())
    } else {
        Err(match expected {
            Expected::Sha512(_) => Expected::Sha512(actual).to_string(),
            Expected::Sha1(_) => Expected::Sha1(actual).to_string(),
        })
    }
}

pub mod lockfile;
pub mod pypi;
#[doc(hidden)]
pub mod testing;
#[cfg(test)]
mod tests;
