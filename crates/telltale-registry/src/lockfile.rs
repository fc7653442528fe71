//! Lockfiles: the packages a project installs, from `package-lock.json`/`npm-shrinkwrap.json`
//! (v1–v3), `yarn.lock` (classic and berry) and `pnpm-lock.yaml`.
//!
//! These files are machine-written, so each is read by its own small parser rather than a
//! general YAML library: the fields needed are the package name, its version and, where the
//! format keeps npm's, its integrity hash. Packages that do not come from a registry (links,
//! workspaces, `file:` and git dependencies) are listed as skipped with the reason.

use std::collections::{BTreeMap, HashMap};

/// One package a lockfile pins.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Locked {
    pub name: String,
    pub version: String,
    /// npm's `sha512-…` integrity when the lockfile records it (yarn berry keeps its own hash).
    pub integrity: Option<String>,
    /// Platform restrictions the lockfile records (package-lock v2/v3), for `--platform`.
    pub os: Vec<String>,
    pub cpu: Vec<String>,
    /// The line (from 1) of the lockfile's entry for it: where an alert about the package
    /// lands in code scanning.
    pub line: Option<u32>,
}

/// What a lockfile lists.
#[derive(Debug, Default)]
pub struct Lockfile {
    /// Registry packages, deduplicated, sorted.
    pub packages: Vec<Locked>,
    /// Entries not fetched from a registry: (entry, why).
    pub skipped: Vec<(String, String)>,
}

#[derive(Debug, thiserror::Error)]
#[error("{file}: {reason}")]
pub struct LockfileError {
    pub file: String,
    pub reason: String,
}

/// Whether a file name is a lockfile this module reads.
pub fn is_lockfile(path: &str) -> bool {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    matches!(
        name,
        "package-lock.json" | "npm-shrinkwrap.json" | "yarn.lock" | "pnpm-lock.yaml"
    )
}

/// Read the lockfile at `path` (its kind by its name).
pub fn read(path: &str) -> Result<Lockfile, LockfileError> {
    let text = std::fs::read_to_string(path).map_err(|e| LockfileError {
        file: path.to_string(),
        reason: format!("cannot read: {e}"),
    })?;
    parse(path, &text)
}

/// Read a lockfile by its name's kind.
pub fn parse(path: &str, text: &str) -> Result<Lockfile, LockfileError> {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    let err = |reason: String| LockfileError {
        file: path.to_string(),
        reason,
    };
    let mut out = match name {
        "package-lock.json" | "npm-shrinkwrap.json" => npm(text).map_err(err)?,
        "yarn.lock" => yarn(text),
        "pnpm-lock.yaml" => pnpm(text),
        _ => return Err(err(
            "not a lockfile (package-lock.json, npm-shrinkwrap.json, yarn.lock or pnpm-lock.yaml)"
                .into(),
        )),
    };
    if out.packages.iter().any(|p| p.line.is_none()) {
        npm_lines(text, &mut out.packages);
    }
    out.packages.sort();
    out.packages
        .dedup_by(|a, b| a.name == b.name && a.version == b.version);
    if out.packages.is_empty()
        && out.skipped.is_empty()
        && !text.trim().is_empty()
        && name != "pnpm-lock.yaml"
    {
        return Err(err("no packages found: is this a lockfile?".into()));
    }
    Ok(out)
}

/// package-lock.json keeps no positions through serde: each entry's line is where its key is
/// written, `"node_modules/NAME"` (v2, v3) or `"NAME": {` (v1), the first such line whose
/// entry names the version. One pass collects every key's lines; each package then looks at
/// its own.
fn npm_lines(text: &str, packages: &mut [Locked]) {
    // Compared without spaces: pretty-printed and compact lockfiles alike.
    let lines: Vec<String> = text.lines().map(|l| l.replace([' ', '\t'], "")).collect();
    let mut keys: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, l) in lines.iter().enumerate() {
        // `"node_modules/a/node_modules/@s/b":` names @s/b (its last segment), every such key
        // of a compact line too.
        let installed = l
            .match_indices("node_modules/")
            .filter_map(|(at, m)| l[at + m.len()..].split_once("\":"))
            .map(|(name, _)| name)
            .filter(|name| !name.contains("node_modules/") && !name.contains('"'));
        let nested_v1 = l
            .strip_prefix('"')
            .and_then(|rest| rest.split_once("\":{"))
            .map(|(name, _)| name)
            .filter(|_| !l.contains("node_modules/"));
        for name in installed.chain(nested_v1) {
            keys.entry(name).or_default().push(i);
        }
    }
    for p in packages.iter_mut().filter(|p| p.line.is_none()) {
        let Some(at) = keys.get(p.name.as_str()) else {
            continue;
        };
        let version = format!("\"version\":\"{}\"", p.version);
        // The entry's own fields follow its key (on the same line when compact).
        let with_version = at
            .iter()
            .find(|&&i| lines[i..].iter().take(12).any(|x| x.contains(&version)));
        p.line = with_version.or(at.first()).map(|&i| i as u32 + 1);
    }
}

/// Whether a `resolved` URL or version names a registry tarball rather than a link, a local
/// file or a git repository.
fn from_registry(resolved: Option<&str>) -> Result<(), String> {
    match resolved {
        None => Ok(()),
        Some(r) if r.starts_with("https://") || r.starts_with("http://") => {
            if r.ends_with(".tgz") || r.contains(".tgz#") || r.contains("/-/") {
                Ok(())
            } else {
                Err(format!("not a registry tarball: {r}"))
            }
        }
        Some(r) => Err(format!("not from a registry: {r}")),
    }
}

fn npm(text: &str) -> Result<Lockfile, String> {
    let doc: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    let mut out = Lockfile::default();
    if let Some(packages) = doc.get("packages").and_then(|p| p.as_object()) {
        // v2/v3: keyed by install path; the name is after the last `node_modules/`.
        for (path, meta) in packages {
            let Some(at) = path.rfind("node_modules/") else {
                continue;
            }; // the root project
            let name = meta
                .get("name")
                .and_then(|n| n.as_str())
                .unwrap_or(&path[at + "node_modules/".len()..]);
            add_npm_entry(&mut out, name, meta);
        }
    } else if let Some(deps) = doc.get("dependencies").and_then(|d| d.as_object()) {
        // v1: nested `dependencies`.
        let mut stack: Vec<&serde_json::Map<String, serde_json::Value>> = vec![deps];
        while let Some(level) = stack.pop() {
            for (name, meta) in level {
                add_npm_entry(&mut out, name, meta);
                if let Some(inner) = meta.get("dependencies").and_then(|d| d.as_object()) {
                    stack.push(inner);
                }
            }
        }
    } else {
        return Err("neither `packages` (v2, v3) nor `dependencies` (v1)".into());
    }
    Ok(out)
}

fn add_npm_entry(out: &mut Lockfile, name: &str, meta: &serde_json::Value) {
    let s = |k: &str| meta.get(k).and_then(|v| v.as_str());
    if meta.get("link").and_then(|l| l.as_bool()) == Some(true) {
        out.skipped.push((
            name.to_string(),
            format!("a link to {}", s("resolved").unwrap_or("a local folder")),
        ));
        return;
    }
    let Some(version) = s("version") else {
        out.skipped.push((name.to_string(), "no version".into()));
        return;
    };
    // v1 writes git and file dependencies into `version`.
    if let Err(why) = from_registry(s("resolved")).and_then(|_| {
        if version.contains(':') {
            Err(format!("not from a registry: {version}"))
        } else {
            Ok(())
        }
    }) {
        out.skipped.push((format!("{name}@{version}"), why));
        return;
    }
    let list = |k: &str| -> Vec<String> {
        meta.get(k)
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    out.packages.push(Locked {
        name: name.to_string(),
        version: version.to_string(),
        integrity: s("integrity").map(str::to_string),
        os: list("os"),
        cpu: list("cpu"),
        line: None,
    });
}

/// The package name in a yarn or pnpm key: `@scope/name@^1.2` → `@scope/name`.
fn name_of_key(key: &str) -> &str {
    let key = key.trim().trim_matches('"');
    let start = usize::from(key.starts_with('@'));
    match key[start..].find('@') {
        Some(i) => &key[..start + i],
        None => key,
    }
}

/// yarn classic (`version "1.2.3"`, `resolved "…"`, `integrity sha512-…`) and berry
/// (`version: 1.2.3`, `resolution: "name@npm:1.2.3"`) blocks, keyed at column 0.
fn yarn(text: &str) -> Lockfile {
    let mut out = Lockfile::default();
    let mut block: Option<(String, BTreeMap<String, String>, u32)> = None;
    let flush = |out: &mut Lockfile, block: Option<(String, BTreeMap<String, String>, u32)>| {
        let Some((key, fields, line)) = block else {
            return;
        };
        if key == "__metadata" {
            return;
        }
        let first = key.split(',').next().unwrap_or(&key);
        let name = name_of_key(first).to_string();
        let Some(version) = fields.get("version") else {
            return;
        };
        // berry: `name@npm:1.2.3` comes from a registry; `workspace:`, `link:`, `patch:`,
        // `file:` and git do not. classic: the `resolved` URL says.
        let not_from_registry = match fields.get("resolution") {
            Some(r) if r.get(1..).is_some_and(|rest| rest.contains("@npm:")) => None,
            Some(r) => Some(format!("not from a registry: {r}")),
            None => from_registry(fields.get("resolved").map(String::as_str)).err(),
        };
        match not_from_registry {
            None => out.packages.push(Locked {
                name,
                version: version.clone(),
                integrity: fields.get("integrity").cloned(),
                os: vec![],
                cpu: vec![],
                line: Some(line),
            }),
            Some(why) => out.skipped.push((format!("{name}@{version}"), why)),
        }
    };
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        if !line.starts_with(' ') {
            flush(&mut out, block.take());
            block = Some((
                line.trim_end_matches(':').to_string(),
                BTreeMap::new(),
                n as u32 + 1,
            ));
        } else if let Some((_, fields, _)) = &mut block {
            let l = line.trim();
            let (k, v) = match l.split_once(": ") {
                Some((k, v)) => (k, v),
                None => l.split_once(' ').unwrap_or((l, "")),
            };
            // Only the block's own fields (two spaces), not `dependencies:` entries.
            if line.len() - line.trim_start().len() == 2 {
                fields.insert(
                    k.trim_matches('"').to_string(),
                    v.trim().trim_matches('"').to_string(),
                );
            }
        }
    }
    flush(&mut out, block.take());
    out
}

/// pnpm: the keys of `packages:` (`/name@1.2.3`, `/name/1.2.3` in v5, `name@1.2.3(peer@x)` in
/// v9) and their `resolution: {integrity: …}`.
fn pnpm(text: &str) -> Lockfile {
    let mut out = Lockfile::default();
    let mut in_packages = false;
    let mut current: Option<usize> = None;
    for (n, line) in text.lines().enumerate() {
        if !line.starts_with(' ') && !line.trim().is_empty() {
            in_packages = line.trim_end() == "packages:";
            current = None;
            continue;
        }
        if !in_packages {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let l = line.trim();
        if indent == 2 && l.ends_with(':') {
            let key = l
                .trim_end_matches(':')
                .trim_matches(|c| c == '\'' || c == '"');
            let key = key.strip_prefix('/').unwrap_or(key);
            // Peer suffixes: `(react@18.2.0)` (v6+) or `_react@18.2.0` (v5).
            let key = key.split('(').next().unwrap_or(key);
            let (name, version) = if let Some(i) = key[1..].find('@') {
                (&key[..i + 1], &key[i + 2..])
            } else if let Some(i) = key.rfind('/') {
                (&key[..i], &key[i + 1..]) // v5: `/name/1.2.3`
            } else {
                continue;
            };
            let version = version.split('_').next().unwrap_or(version);
            if version.contains(':') || version.is_empty() {
                out.skipped
                    .push((key.to_string(), format!("not from a registry: {version}")));
                current = None;
                continue;
            }
            out.packages.push(Locked {
                name: name.to_string(),
                version: version.to_string(),
                integrity: None,
                os: vec![],
                cpu: vec![],
                line: Some(n as u32 + 1),
            });
            current = Some(out.packages.len() - 1);
        } else if let (Some(i), Some(at)) = (current, l.find("integrity: ")) {
            let rest = &l[at + "integrity: ".len()..];
            let integrity = rest.split([',', '}']).next().unwrap_or("").trim();
            out.packages[i].integrity = Some(integrity.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(l: &Lockfile) -> Vec<String> {
        l.packages
            .iter()
            .map(|p| format!("{}@{}", p.name, p.version))
            .collect()
    }

    #[test]
    fn package_lock_v3_and_v1() {
        let v3 = r#"{"lockfileVersion":3,"packages":{"":{"name":"app"},
            "node_modules/a":{"version":"1.0.0","resolved":"https://registry.npmjs.org/a/-/a-1.0.0.tgz","integrity":"sha512-AA=="},
            "node_modules/a/node_modules/@s/b":{"version":"2.0.0","resolved":"https://registry.npmjs.org/@s/b/-/b-2.0.0.tgz"},
            "node_modules/alias":{"name":"real","version":"3.0.0","resolved":"https://registry.npmjs.org/real/-/real-3.0.0.tgz"},
            "node_modules/local":{"resolved":"packages/local","link":true},
            "node_modules/g":{"version":"1.0.0","resolved":"git+ssh://git@github.com/x/g.git#abc"}}}"#;
        let l = parse("package-lock.json", v3).unwrap();
        assert_eq!(names(&l), vec!["@s/b@2.0.0", "a@1.0.0", "real@3.0.0"]);
        assert_eq!(l.packages[1].integrity.as_deref(), Some("sha512-AA=="));
        assert_eq!(l.skipped.len(), 2, "{:?}", l.skipped);
        let v1 = r#"{"lockfileVersion":1,"dependencies":{"a":{"version":"1.0.0","integrity":"sha512-x","dependencies":{"b":{"version":"2.0.0"}}},"c":{"version":"github:x/c#abc"}}}"#;
        let l = parse("package-lock.json", v1).unwrap();
        assert_eq!(names(&l), vec!["a@1.0.0", "b@2.0.0"]);
        assert_eq!(l.skipped.len(), 1);
        assert!(parse("package-lock.json", "{ not json").is_err());
        let pretty =
            serde_json::to_string_pretty(&serde_json::from_str::<serde_json::Value>(v3).unwrap())
                .unwrap();
        let l = parse("package-lock.json", &pretty).unwrap();
        let line_of = |l: &Lockfile, n: &str| l.packages.iter().find(|p| p.name == n).unwrap().line;
        let want = pretty
            .lines()
            .position(|x| x.contains("\"node_modules/a/node_modules/@s/b\""))
            .unwrap() as u32
            + 1;
        assert_eq!(line_of(&l, "@s/b"), Some(want));
        assert!(line_of(&l, "a").is_some_and(|n| n < want));
        assert!(parse("package-lock.json", r#"{"name":"x"}"#).is_err());
    }

    #[test]
    fn yarn_classic_and_berry() {
        let classic = "# yarn lockfile v1\n\n\"@babel/code-frame@^7.0.0\", \"@babel/code-frame@^7.10.4\":\n  version \"7.12.13\"\n  resolved \"https://registry.yarnpkg.com/@babel/code-frame/-/code-frame-7.12.13.tgz#dcfc\"\n  integrity sha512-HV1Cm0Q3ZrpCR93tkWOYiuYIgLxZXZFVG2VgK+MBWjUqZTundupbfx2aXarXuw5Ko5aMcjtJgbSs4vUGBS5v6g==\n  dependencies:\n    \"@babel/highlight\" \"^7.12.13\"\n\nleft-pad@1.3.0:\n  version \"1.3.0\"\n  resolved \"https://registry.yarnpkg.com/left-pad/-/left-pad-1.3.0.tgz#5b8a3a7765dfe001261dde915589e782f8c94d1e\"\n\nmine@file:../mine:\n  version \"0.0.1\"\n  resolved \"file:../mine\"\n";
        let l = parse("yarn.lock", classic).unwrap();
        assert_eq!(
            names(&l),
            vec!["@babel/code-frame@7.12.13", "left-pad@1.3.0"]
        );
        assert!(l.packages[0]
            .integrity
            .as_deref()
            .unwrap()
            .starts_with("sha512-HV1"));
        assert_eq!(l.skipped.len(), 1);
        assert_eq!(
            l.packages[1].line,
            Some(10),
            "left-pad's block starts on line 10"
        );
        let berry = "__metadata:\n  version: 6\n  cacheKey: 8\n\n\"@babel/code-frame@npm:^7.0.0\":\n  version: 7.12.13\n  resolution: \"@babel/code-frame@npm:7.12.13\"\n  dependencies:\n    \"@babel/highlight\": ^7.12.13\n  checksum: 471532bb7c\n  languageName: node\n  linkType: hard\n\n\"app@workspace:.\":\n  version: 0.0.0-use.local\n  resolution: \"app@workspace:.\"\n  languageName: unknown\n  linkType: soft\n";
        let l = parse("yarn.lock", berry).unwrap();
        assert_eq!(names(&l), vec!["@babel/code-frame@7.12.13"]);
        assert_eq!(l.packages[0].integrity, None);
        assert_eq!(l.skipped.len(), 1, "{:?}", l.skipped);
    }

    #[test]
    fn pnpm_v6_and_v9() {
        let v6 = "lockfileVersion: '6.0'\n\ndependencies:\n  a:\n    specifier: ^1.0.0\n    version: 1.0.0\n\npackages:\n\n  /a@1.0.0:\n    resolution: {integrity: sha512-AAA=}\n    dev: false\n\n  /@s/b@2.0.0(react@18.2.0):\n    resolution: {integrity: sha512-BBB=}\n";
        let l = parse("pnpm-lock.yaml", v6).unwrap();
        assert_eq!(names(&l), vec!["@s/b@2.0.0", "a@1.0.0"]);
        assert_eq!(l.packages[1].integrity.as_deref(), Some("sha512-AAA="));
        let v9 = "lockfileVersion: '9.0'\n\nimporters:\n\n  .:\n    dependencies:\n      c:\n        specifier: ^3\n        version: 3.1.0\n\npackages:\n\n  c@3.1.0:\n    resolution: {integrity: sha512-CCC=}\n\n  '@s/d@4.0.0':\n    resolution: {integrity: sha512-DDD=}\n\nsnapshots:\n\n  c@3.1.0: {}\n";
        let l = parse("pnpm-lock.yaml", v9).unwrap();
        assert_eq!(names(&l), vec!["@s/d@4.0.0", "c@3.1.0"]);
        assert_eq!(l.packages[1].line, Some(13), "c@3.1.0 under packages:");
    }

    #[test]
    fn lockfile_names() {
        assert!(is_lockfile("a/b/package-lock.json"));
        assert!(is_lockfile("yarn.lock"));
        assert!(!is_lockfile("package.json"));
    }
}
