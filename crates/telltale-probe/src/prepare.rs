//! Getting the package onto disk for the sandbox, and the persona's home and `/etc`.
//!
//! The package is laid out as npm would install it into a project (`project/node_modules/
//! NAME`, its dependencies beside it, `.bin` links), from the registry through telltale's
//! verified, cached client. A dependency that cannot be fetched (offline, unreachable
//! registry) is replaced by a stand-in module that accepts any use, so the package's own
//! code still runs far enough to show what it does; the report lists every stand-in.
//! Nothing here runs the package: its scripts run only inside the sandbox.

use crate::persona::Persona;
use serde_json::Value;
use std::collections::{BTreeMap, VecDeque};
use std::path::{Component, Path, PathBuf};
use telltale_registry::{Client, Spec};

/// Most packages installed for one probe (the package and its dependencies).
const MAX_PACKAGES: usize = 300;

/// What the user named.
pub enum TargetSpec {
    /// `npm:name@version`.
    Npm(String),
    /// A tarball, zip or folder on disk.
    Path(PathBuf),
}

/// The installed project, ready to be copied into each persona's home.
pub struct Project {
    /// `project/` on the host.
    pub dir: PathBuf,
    pub package: Option<InstalledPackage>,
    /// `name@version (why)` for each dependency replaced by a stand-in.
    pub stand_ins: Vec<String>,
    pub installed: Vec<String>,
}

pub struct InstalledPackage {
    pub name: String,
    pub version: String,
    pub manifest: Value,
    /// Path of the package inside the project (`node_modules/NAME`).
    pub rel_dir: String,
}

#[derive(Debug, thiserror::Error)]
pub enum PrepareError {
    #[error("{0}")]
    Fetch(String),
    #[error("cannot load `{0}`: {1}")]
    Load(String, String),
    #[error(
        "`{0}` has no package.json: the probe installs npm packages (or runs a command after `--`)"
    )]
    NotAPackage(String),
    #[error("cannot write {0}: {1}")]
    Io(String, std::io::Error),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> PrepareError + '_ {
    move |e| PrepareError::Io(path.display().to_string(), e)
}

/// Install `target` (or nothing) into `root/project`.
pub fn install(
    root: &Path,
    target: Option<&TargetSpec>,
    client: &Client,
    max_bytes: u64,
) -> Result<Project, PrepareError> {
    let dir = root.join("project");
    std::fs::create_dir_all(dir.join("node_modules")).map_err(io(&dir))?;
    let mut project = Project {
        dir: dir.clone(),
        package: None,
        stand_ins: vec![],
        installed: vec![],
    };
    let Some(target) = target else {
        write(
            &dir.join("package.json"),
            br#"{"name":"probe-project","version":"1.0.0","private":true}"#,
        )?;
        return Ok(project);
    };
    let limits = telltale_ingest::Limits {
        max_total_bytes: max_bytes,
        ..Default::default()
    };
    let (files, label) = match target {
        TargetSpec::Npm(spec) => {
            let spec = Spec::parse(spec).map_err(|e| PrepareError::Fetch(e.to_string()))?;
            let pkg = client
                .fetch(&spec)
                .map_err(|e| PrepareError::Fetch(e.to_string()))?;
            let t = telltale_ingest::load_bytes(
                &format!("{}-{}.tgz", pkg.name, pkg.version),
                &pkg.tarball,
                &limits,
                &|_| true,
            )
            .map_err(|e| PrepareError::Load(spec.name.clone(), e.to_string()))?;
            (t.files, format!("npm:{}@{}", pkg.name, pkg.version))
        }
        TargetSpec::Path(p) => {
            let s = p.display().to_string();
            let t = telltale_ingest::load_target(&s, &limits, &|_| true)
                .map_err(|e| PrepareError::Load(s.clone(), e.to_string()))?;
            (t.files, s)
        }
    };
    let files = strip_common_top(files);
    let manifest: Value = files
        .iter()
        .find(|f| f.path == "package.json")
        .and_then(|f| serde_json::from_slice(&f.bytes).ok())
        .ok_or_else(|| PrepareError::NotAPackage(label.clone()))?;
    let name = manifest
        .get("name")
        .and_then(Value::as_str)
        .filter(|n| safe_name(n))
        .unwrap_or("probed-package")
        .to_string();
    let version = manifest
        .get("version")
        .and_then(Value::as_str)
        .unwrap_or("0.0.0")
        .to_string();
    let rel_dir = format!("node_modules/{name}");
    write_package(&dir.join(&rel_dir), &files, &manifest)?;
    link_bins(&dir, &name, &manifest)?;
    project.installed.push(format!("{name}@{version}"));
    let project_manifest = serde_json::json!({"name": "probe-project", "version": "1.0.0", "private": true, "dependencies": {name.clone(): version.clone()}});
    write(
        &dir.join("package.json"),
        project_manifest.to_string().as_bytes(),
    )?;
    install_dependencies(&dir, &manifest, client, &limits, &mut project)?;
    project.package = Some(InstalledPackage {
        name,
        version,
        manifest,
        rel_dir,
    });
    Ok(project)
}

fn safe_name(n: &str) -> bool {
    let parts: Vec<&str> = n.split('/').collect();
    let ok = |p: &str| {
        !p.is_empty()
            && p != "."
            && p != ".."
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-._~@".contains(c))
    };
    match parts.as_slice() {
        [one] => ok(one) && !one.starts_with('@'),
        [scope, pkg] => scope.starts_with('@') && ok(scope) && ok(pkg),
        _ => false,
    }
}

/// npm tarballs hold everything under one folder (`package/`); drop it.
fn strip_common_top(
    mut files: Vec<telltale_ingest::SourceFile>,
) -> Vec<telltale_ingest::SourceFile> {
    let top = files
        .first()
        .and_then(|f| f.path.split_once('/'))
        .map(|(t, _)| t.to_string());
    if let Some(top) = top {
        let prefix = format!("{top}/");
        if !files.iter().any(|f| f.path == "package.json")
            && files.iter().all(|f| f.path.starts_with(&prefix))
        {
            for f in &mut files {
                f.path = f.path[prefix.len()..].to_string();
            }
        }
    }
    files
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), PrepareError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io(parent))?;
    }
    std::fs::write(path, bytes).map_err(io(path))
}

/// Write a package's files below `dir`. Paths from the archive were already checked to stay
/// inside it; checked again here because this is where bytes reach the disk.
fn write_package(
    dir: &Path,
    files: &[telltale_ingest::SourceFile],
    manifest: &Value,
) -> Result<(), PrepareError> {
    let bins = bin_paths(manifest);
    for f in files {
        let rel = Path::new(&f.path);
        if rel.components().any(|c| !matches!(c, Component::Normal(_))) {
            continue;
        }
        let path = dir.join(rel);
        write(&path, &f.bytes)?;
        let executable = f.bytes.starts_with(b"#!")
            || bins
                .iter()
                .any(|b| Path::new(b.trim_start_matches("./")) == rel);
        if executable {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755));
        }
    }
    Ok(())
}

/// `bin` of a manifest as (command, path) pairs.
pub fn bins(manifest: &Value) -> Vec<(String, String)> {
    let name = manifest
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let short = name.rsplit('/').next().unwrap_or(name).to_string();
    match manifest.get("bin") {
        Some(Value::String(p)) => vec![(short, p.clone())],
        Some(Value::Object(m)) => m
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
            .collect(),
        _ => vec![],
    }
}

fn bin_paths(manifest: &Value) -> Vec<String> {
    bins(manifest).into_iter().map(|(_, p)| p).collect()
}

fn link_bins(project: &Path, name: &str, manifest: &Value) -> Result<(), PrepareError> {
    let bin_dir = project.join("node_modules/.bin");
    for (cmd, path) in bins(manifest) {
        if cmd.contains('/')
            || cmd.starts_with('.')
            || Path::new(&path)
                .components()
                .any(|c| matches!(c, Component::ParentDir | Component::RootDir))
        {
            continue;
        }
        std::fs::create_dir_all(&bin_dir).map_err(io(&bin_dir))?;
        let link = bin_dir.join(&cmd);
        let _ = std::fs::remove_file(&link);
        let target = Path::new("..")
            .join(name)
            .join(path.trim_start_matches("./"));
        std::os::unix::fs::symlink(&target, &link).map_err(io(&link))?;
    }
    Ok(())
}

/// Breadth first over `dependencies`, hoisted flat as npm does; a second version of a name
/// already installed is nested under the package that wants it.
fn install_dependencies(
    project: &Path,
    manifest: &Value,
    client: &Client,
    limits: &telltale_ingest::Limits,
    out: &mut Project,
) -> Result<(), PrepareError> {
    let mut queue: VecDeque<(PathBuf, String, String)> = VecDeque::new();
    let root_pkg = project.join("node_modules").join(
        manifest
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default(),
    );
    for (name, range) in deps(manifest) {
        queue.push_back((root_pkg.clone(), name, range));
    }
    let mut hoisted: BTreeMap<String, String> = BTreeMap::new();
    let mut registry_down: Option<String> = None;
    while let Some((parent, name, range)) = queue.pop_front() {
        if !safe_name(&name) || out.installed.len() + out.stand_ins.len() >= MAX_PACKAGES {
            continue;
        }
        let wanted = if range.trim().is_empty() || range == "*" || range == "latest" {
            None
        } else {
            Some(range.clone())
        };
        // npm: aliases, git and file specs are not fetched; they get a stand-in.
        let fetchable = wanted
            .as_deref()
            .is_none_or(|w| !w.contains(':') && !w.contains('/'));
        let fetched = match (&registry_down, fetchable) {
            (Some(why), _) => Err(format!("not fetched: {why}")),
            (None, false) => Err(format!("`{range}` is not a registry version")),
            (None, true) => client
                .fetch(&Spec {
                    name: name.clone(),
                    wanted: wanted.clone(),
                })
                .map_err(|e| {
                    // An unreachable registry stays so: stop asking. A package missing from the
                    // offline cache says nothing about the next one.
                    if matches!(e, telltale_registry::RegistryError::Unreachable { .. }) {
                        registry_down = Some(e.to_string());
                    }
                    e.to_string()
                }),
        };
        let dest_base = match hoisted.get(&name) {
            None => project.join("node_modules"),
            Some(_) => parent.join("node_modules"),
        };
        let dest = dest_base.join(&name);
        if dest.join("package.json").exists() {
            continue;
        }
        match fetched.and_then(|pkg| {
            let t = telltale_ingest::load_bytes(
                &format!("{}.tgz", pkg.name),
                &pkg.tarball,
                limits,
                &|_| true,
            )
            .map_err(|e| e.to_string())?;
            Ok((pkg.version, strip_common_top(t.files)))
        }) {
            Ok((version, files)) => {
                if hoisted.get(&name).is_some_and(|v| *v == version) {
                    continue;
                }
                let m: Value = files
                    .iter()
                    .find(|f| f.path == "package.json")
                    .and_then(|f| serde_json::from_slice(&f.bytes).ok())
                    .unwrap_or(Value::Null);
                write_package(&dest, &files, &m)?;
                hoisted
                    .entry(name.clone())
                    .or_insert_with(|| version.clone());
                out.installed.push(format!("{name}@{version}"));
                for (n, r) in deps(&m) {
                    queue.push_back((dest.clone(), n, r));
                }
            }
            Err(why) => {
                write_stand_in(&dest, &name)?;
                hoisted
                    .entry(name.clone())
                    .or_insert_with(|| "stand-in".into());
                out.stand_ins.push(format!("{name}@{range} ({why})"));
            }
        }
    }
    Ok(())
}

fn deps(manifest: &Value) -> Vec<(String, String)> {
    manifest
        .get("dependencies")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                .collect()
        })
        .unwrap_or_default()
}

/// A module that accepts any use: every property, call and `new` gives the stand-in back.
const STAND_IN: &str = "// telltale probe: stand-in for a dependency that could not be installed.\n'use strict';\nconst handler = {\n  get(t, k) {\n    if (k === Symbol.toPrimitive) return () => '';\n    if (k === 'then' || k === '__esModule') return undefined;\n    return stub;\n  },\n  apply() { return stub; },\n  construct() { return stub; },\n};\nconst stub = new Proxy(function () {}, handler);\nmodule.exports = stub;\n";

fn write_stand_in(dir: &Path, name: &str) -> Result<(), PrepareError> {
    write(&dir.join("index.js"), STAND_IN.as_bytes())?;
    // `exports` patterns send every subpath (`dep/array`, `dep/lib/x.js`) to the stand-in too.
    let manifest = serde_json::json!({"name": name, "version": "0.0.0-telltale-stand-in", "main": "index.js", "exports": {".": "./index.js", "./*": "./index.js"}});
    write(&dir.join("package.json"), manifest.to_string().as_bytes())
}

/// Copy a tree (files, folders, symlinks as symlinks).
pub fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        let ty = entry.file_type()?;
        if ty.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(&src)?, &dst)?;
        } else if ty.is_dir() {
            copy_tree(&src, &dst)?;
        } else {
            std::fs::copy(&src, &dst)?;
        }
    }
    Ok(())
}

/// The persona's home: honey files a developer machine has, and bait documents.
pub fn write_home(home: &Path, p: &Persona) -> std::io::Result<Vec<String>> {
    use base64::Engine;
    let files: Vec<(&str, String)> = vec![
        (".gitconfig", format!("[user]\n\tname = {}\n\temail = {}\n[init]\n\tdefaultBranch = main\n", p.git_name, p.git_email)),
        (".npmrc", format!("registry={}\n//registry.npmjs.org/:_authToken={}\n//{}/:_authToken={}\n", p.registry, p.npm_token, p.registry.trim_start_matches("https://").trim_end_matches('/'), p.npm_token)),
        (".ssh/id_ed25519.pub", format!("{}\n", p.ssh_public_key)),
        (".ssh/id_ed25519", format!("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n{}\n-----END OPENSSH PRIVATE KEY-----\n", p.ssh_public_key.split(' ').nth(1).unwrap_or_default())),
        (".ssh/known_hosts", "github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n".into()),
        (".aws/credentials", format!("[default]\naws_access_key_id = {}\naws_secret_access_key = {}\n", p.aws_access_key_id, p.aws_secret_access_key)),
        (".config/gh/hosts.yml", format!("github.com:\n    oauth_token: {}\n    user: {}\n    git_protocol: https\n", p.github_token, p.user)),
        (".docker/config.json", format!("{{\"auths\":{{\"https://index.docker.io/v1/\":{{\"auth\":\"{}\"}}}}}}\n", base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", p.user, p.github_token)))),
        (".netrc", format!("machine github.com\n  login {}\n  password {}\n", p.user, p.github_token)),
        (".bash_history", format!("git clone git@github.com:{}/dotfiles.git\nnpm install\nexport GITHUB_TOKEN={}\n", p.user, p.github_token)),
        ("Documents/notes.txt", "Quarterly planning notes.\n".into()),
        ("Desktop/todo.txt", "renew the TLS certificate\n".into()),
    ];
    let mut written = Vec::new();
    for (rel, text) in files {
        let path = home.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, text)?;
        written.push(rel.to_string());
    }
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(home.join(".ssh"), std::fs::Permissions::from_mode(0o700))?;
    std::fs::set_permissions(
        home.join(".ssh/id_ed25519"),
        std::fs::Permissions::from_mode(0o600),
    )?;
    Ok(written)
}

/// Files under the home whose opening is reported as reading a secret or an identity.
pub fn is_sensitive(rel: &str) -> bool {
    [
        ".ssh/",
        ".npmrc",
        ".gitconfig",
        ".aws/",
        ".config/gh/",
        ".docker/config.json",
        ".netrc",
        ".bash_history",
        ".kube/",
        ".config/gcloud/",
        ".azure/",
    ]
    .iter()
    .any(|p| rel.starts_with(p) || rel == p.trim_end_matches('/'))
}

/// The persona's `/etc` files, by name.
pub fn etc_files(p: &Persona, uid: u32) -> Vec<(String, String)> {
    vec![
        ("passwd".into(), format!("root:x:0:0:root:/root:/bin/bash\n{}:x:{uid}:{uid}:{},,,:{}:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n", p.user, p.git_name, p.home)),
        ("group".into(), format!("root:x:0:\n{}:x:{uid}:\nnogroup:x:65534:\n", p.user)),
        ("hostname".into(), format!("{}\n", p.hostname)),
        ("hosts".into(), format!("127.0.0.1\tlocalhost\n127.0.1.1\t{}\n::1\tlocalhost ip6-localhost ip6-loopback\n", p.hostname)),
        ("resolv.conf".into(), "nameserver 127.0.0.1\noptions timeout:1 attempts:2\n".into()),
        ("timezone".into(), format!("{}\n", p.time_zone)),
        ("machine-id".into(), format!("{}\n", p.machine_id)),
    ]
}
