//! Launchers: packages whose `bin` or `main` hands the program over to a dependency. The
//! package users install is then a few hundred bytes, and the product is elsewhere:
//!
//! - a bin that points into a dependency (`"bin": {"amp": "node_modules/@ampcode/cli/bin/amp.exe"}`);
//! - an entry file that resolves a dependency's file to run it
//!   (`require.resolve('@scope/cli-impl/bin/run')`, `import.meta.resolve('…')`), or spawns or
//!   forks it (`spawn(…'@scope/tool'…)`, `execFile('node_modules/x/bin/x')`);
//! - a small entry file (a launcher, not a program) that loads a dependency
//!   (`#!/usr/bin/env node` + `require('@scope/cli-impl')`).
//!
//! What this finds is followed like a platform package: fetched, scanned and reported as a
//! target of its own, with its own platform packages and launchers in turn.

use std::collections::BTreeMap;
use telltale_ingest::SourceFile;

/// Entry files with at most this much code (comments and blanks aside) are launchers when
/// they load a dependency; larger ones are a program that uses libraries.
const LAUNCHER_MAX_CODE: usize = 400;
/// Entry files at most this large are searched for resolve/spawn hand-overs.
const ENTRY_MAX_BYTES: usize = 256 << 10;

/// A dependency the package hands its program to, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delegation {
    pub dependency: String,
    /// The range the package asks for.
    pub range: String,
    /// In words: `its bin amp is node_modules/@ampcode/cli/bin/amp.exe`.
    pub how: String,
}

/// The dependencies a package's bins and main hand over to. `deps` are its dependencies and
/// optional dependencies by name and range.
pub fn delegations(files: &[SourceFile], deps: &[(String, String)]) -> Vec<Delegation> {
    let Some((dir, manifest)) = root_manifest(files) else {
        return Vec::new();
    };
    let ranges: BTreeMap<&str, &str> = deps.iter().map(|(n, r)| (n.as_str(), r.as_str())).collect();
    let mut out: Vec<Delegation> = Vec::new();
    let mut add = |dependency: &str, how: String| {
        if let Some(range) = ranges.get(dependency) {
            if !out.iter().any(|d| d.dependency == dependency) {
                out.push(Delegation {
                    dependency: dependency.to_string(),
                    range: range.to_string(),
                    how,
                });
            }
        }
    };
    let mut entries: Vec<(String, String)> = Vec::new();
    match &manifest["bin"] {
        serde_json::Value::String(p) => entries.push((
            format!("its bin {}", manifest["name"].as_str().unwrap_or("")),
            p.clone(),
        )),
        serde_json::Value::Object(m) => entries.extend(
            m.iter()
                .filter_map(|(k, v)| Some((format!("its bin {k}"), v.as_str()?.to_string()))),
        ),
        _ => {}
    }
    if let Some(main) = manifest["main"].as_str() {
        entries.push(("its main".to_string(), main.to_string()));
    }
    for (what, path) in entries {
        let rel = path.trim_start_matches("./");
        if let Some(dep) = inside_node_modules(rel, &ranges) {
            add(dep, format!("{what} is {rel}"));
            continue;
        }
        let Some(file) = find_entry(files, &dir, rel) else {
            continue;
        };
        if file.bytes.len() > ENTRY_MAX_BYTES {
            continue;
        }
        let text = String::from_utf8_lossy(&file.bytes);
        let launcher = code_bytes(&text) <= LAUNCHER_MAX_CODE;
        for (at, literal) in string_literals(&text) {
            let Some(dep) = named_dependency(literal, &ranges) else {
                continue;
            };
            let before = &text[at.saturating_sub(48)..at];
            // Resolved or run: a hand-over whatever the file's size. (A bundle's module ids,
            // `"node_modules/x/y.js"(exports, module) {…}`, name files it already holds.)
            let hands_over = before.contains("resolve(")
                || ["spawn", "execFile", "fork(", "exec("]
                    .iter()
                    .any(|w| before.contains(w));
            let loads = before.ends_with("require(")
                || before.trim_end().ends_with("from")
                || before.ends_with("import(")
                || before.trim_end().ends_with("import");
            if hands_over || (launcher && (loads || literal.len() > dep.len())) {
                add(
                    dep,
                    format!(
                        "{what} ({}) {} {literal}",
                        file.path,
                        if hands_over { "runs" } else { "loads" }
                    ),
                );
            }
        }
    }
    out
}

/// For a target read from a path (no registry to fetch from): the dependencies its bins and
/// main hand over to, and its platform packages, that the target does not hold itself
/// (under `node_modules/`), as coverage gaps: `(what, why)`.
pub fn not_followed(files: &[SourceFile]) -> Vec<(String, String)> {
    let Some((_, manifest)) = root_manifest(files) else {
        return Vec::new();
    };
    let map = |key: &str| -> Vec<(String, String)> {
        manifest[key]
            .as_object()
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default()
    };
    let optional = map("optionalDependencies");
    let deps: Vec<(String, String)> = map("dependencies")
        .into_iter()
        .chain(optional.iter().cloned())
        .collect();
    let present = |dep: &str| {
        files
            .iter()
            .any(|f| f.path.contains(&format!("node_modules/{dep}/")))
    };
    let who = format!(
        "{}@{}",
        manifest["name"].as_str().unwrap_or("?"),
        manifest["version"].as_str().unwrap_or("?")
    );
    let mut out: Vec<(String, String)> = delegations(files, &deps)
        .into_iter()
        .filter(|d| !present(&d.dependency))
        .map(|d| {
            (
                format!("npm:{}@{}", d.dependency, d.range),
                format!(
                    "{}; not followed from a local target (scan npm:{who} to follow it)",
                    d.how
                ),
            )
        })
        .collect();
    let here = telltale_registry::Platform::current();
    let platform: Vec<&String> = optional
        .iter()
        .map(|(n, _)| n)
        .filter(|n| here.named_in(n).is_some() && !present(n))
        .collect();
    if !platform.is_empty() {
        out.push((
            format!("{who} platform packages"),
            format!("{} platform packages ({}, …) not followed from a local target (scan npm:{who} to follow them)", platform.len(), platform[0]),
        ));
    }
    out
}

/// Programs a package's manifest says are downloaded when it is installed, from outside the
/// registry, as the installers of Go and Rust tools publish them: GoReleaser's
/// `"archives": {"linux-x64": {"url": …}}`, cargo-dist's `"artifactDownloadUrl"`, go-npm's
/// `"goBinary": {"url": …}`. The program users run is then not in the package: a coverage
/// gap `(what, why)`, for `platform` (npm's words, `linux-x64`) when the manifest says.
pub fn downloaded_programs(files: &[SourceFile], platform: Option<&str>) -> Vec<(String, String)> {
    let Some((_, manifest)) = root_manifest(files) else {
        return Vec::new();
    };
    let who = format!(
        "{}@{}",
        manifest["name"].as_str().unwrap_or("?"),
        manifest["version"].as_str().unwrap_or("?")
    );
    let gap = |url: &str| {
        (format!("{who} program"), format!("the program is downloaded at install or run time from {url}, outside the registry: not in the package, not analysed"))
    };
    if let Some(archives) = manifest["archives"].as_object() {
        let pick = platform
            .and_then(|p| archives.get(p))
            .or_else(|| archives.values().next());
        if let Some(url) = pick.and_then(|a| a["url"].as_str()) {
            return vec![gap(url)];
        }
    }
    if let Some(url) = manifest["artifactDownloadUrl"].as_str() {
        return vec![gap(url)];
    }
    if let Some(url) = manifest["goBinary"]["url"].as_str() {
        return vec![gap(url)];
    }
    Vec::new()
}

/// The shallowest `package.json` and its folder.
fn root_manifest(files: &[SourceFile]) -> Option<(String, serde_json::Value)> {
    let m = files
        .iter()
        .filter(|f| {
            f.path.rsplit('/').next() == Some("package.json") && !f.path.contains("node_modules/")
        })
        .min_by_key(|f| f.path.matches('/').count())?;
    let dir = m
        .path
        .rsplit_once('/')
        .map(|(d, _)| d.to_string())
        .unwrap_or_default();
    Some((dir, serde_json::from_slice(&m.bytes).ok()?))
}

/// `node_modules/@ampcode/cli/bin/amp.exe` → `@ampcode/cli`, when it is a dependency.
fn inside_node_modules<'a>(rel: &str, ranges: &BTreeMap<&'a str, &str>) -> Option<&'a str> {
    let rest = rel.split("node_modules/").nth(1)?;
    named_dependency(rest, ranges)
}

/// The dependency a module specifier or path starts with (`@scope/x/bin/run` → `@scope/x`).
fn named_dependency<'a>(literal: &str, ranges: &BTreeMap<&'a str, &str>) -> Option<&'a str> {
    let spec = literal.rsplit("node_modules/").next().unwrap_or(literal);
    let mut parts = spec.splitn(3, '/');
    let first = parts.next()?;
    let name = if first.starts_with('@') {
        format!("{first}/{}", parts.next()?)
    } else {
        first.to_string()
    };
    ranges.keys().find(|k| **k == name).copied()
}

/// The file an entry path names, Node-style (`bin/cli` → `bin/cli.js`, a folder's index.js).
fn find_entry<'f>(files: &'f [SourceFile], dir: &str, rel: &str) -> Option<&'f SourceFile> {
    let base = if dir.is_empty() {
        rel.to_string()
    } else {
        format!("{dir}/{rel}")
    };
    let base = base.trim_end_matches('/');
    [
        base.to_string(),
        format!("{base}.js"),
        format!("{base}.cjs"),
        format!("{base}.mjs"),
        format!("{base}/index.js"),
    ]
    .into_iter()
    .find_map(|c| files.iter().find(|f| f.path == c))
}

/// Bytes of code, leaving out blanks, `#!` and `//` lines and `/* */` blocks.
fn code_bytes(text: &str) -> usize {
    let mut n = 0;
    let mut in_block = false;
    for line in text.lines() {
        let mut l = line.trim();
        if in_block {
            match l.find("*/") {
                Some(end) => {
                    in_block = false;
                    l = l[end + 2..].trim();
                }
                None => continue,
            }
        }
        if l.starts_with("/*") {
            match l.find("*/") {
                Some(end) => l = l[end + 2..].trim(),
                None => {
                    in_block = true;
                    continue;
                }
            }
        }
        if l.starts_with("//") || l.starts_with("#!") {
            continue;
        }
        n += l.bytes().filter(|b| !b.is_ascii_whitespace()).count();
    }
    n
}

/// Quoted strings of a short script, with where each starts: enough to see specifiers and
/// paths (no escapes, no template substitutions, one line).
fn string_literals(text: &str) -> Vec<(usize, &str)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let q = bytes[i];
        if matches!(q, b'\'' | b'"' | b'`') {
            let start = i + 1;
            let mut j = start;
            while j < bytes.len()
                && bytes[j] != q
                && bytes[j] != b'\n'
                && bytes[j] != b'\\'
                && j - start < 300
            {
                if q == b'`' && bytes[j] == b'$' {
                    break;
                }
                j += 1;
            }
            if j < bytes.len()
                && j > start
                && text.is_char_boundary(start)
                && text.is_char_boundary(j)
            {
                out.push((i, &text[start..j]));
            }
            i = j + 1;
        } else {
            i += 1;
        }
    }
    out
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

    fn deps(names: &[&str]) -> Vec<(String, String)> {
        names
            .iter()
            .map(|n| (n.to_string(), "1.0.0".to_string()))
            .collect()
    }

    #[test]
    fn programs_downloaded_at_install_are_gaps() {
        let goreleaser = r#"{"name":"@charmland/crush","version":"0.96.1","bin":{"crush":"run-crush.js"},"archives":{
            "darwin-arm64":{"url":"https://github.com/x/crush/releases/download/v0.96.1/crush_Darwin_arm64.tar.gz"},
            "linux-x64":{"url":"https://github.com/x/crush/releases/download/v0.96.1/crush_Linux_x86_64.tar.gz"}}}"#;
        let g = downloaded_programs(
            &[file("package/package.json", goreleaser)],
            Some("linux-x64"),
        );
        assert_eq!(g.len(), 1);
        assert!(
            g[0].1.contains("crush_Linux_x86_64.tar.gz") && g[0].1.contains("not analysed"),
            "{g:?}"
        );
        let cargo_dist = r#"{"name":"tool","version":"1.0.0","artifactDownloadUrl":"https://github.com/x/tool/releases/download/v1.0.0"}"#;
        assert_eq!(
            downloaded_programs(&[file("package/package.json", cargo_dist)], None).len(),
            1
        );
        assert!(downloaded_programs(
            &[file(
                "package/package.json",
                r#"{"name":"plain","version":"1.0.0"}"#
            )],
            None
        )
        .is_empty());
    }

    #[test]
    fn a_bin_inside_a_dependency_is_a_hand_over() {
        let files = [file(
            "package/package.json",
            r#"{"name":"@sourcegraph/amp","bin":{"amp":"node_modules/@ampcode/cli/bin/amp.exe"},"dependencies":{"@ampcode/cli":"0.0.1"}}"#,
        )];
        let d = delegations(&files, &deps(&["@ampcode/cli"]));
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].dependency, "@ampcode/cli");
        assert_eq!(
            d[0].how,
            "its bin amp is node_modules/@ampcode/cli/bin/amp.exe"
        );
    }

    #[test]
    fn launchers_that_resolve_spawn_or_load_a_dependency() {
        let manifest = r#"{"name":"tool","bin":{"tool":"bin/tool.js"},"main":"index.js"}"#;
        let resolve = "#!/usr/bin/env node\nconst p = require.resolve('@tool/core/bin/run.js');\nrequire('child_process').spawnSync(process.execPath, [p], {stdio:'inherit'});\n";
        let files = [
            file("package/package.json", manifest),
            file("package/bin/tool.js", resolve),
        ];
        let d = delegations(&files, &deps(&["@tool/core", "chalk"]));
        assert_eq!(
            d.iter().map(|d| d.dependency.as_str()).collect::<Vec<_>>(),
            ["@tool/core"]
        );
        assert!(
            d[0].how.contains("runs @tool/core/bin/run.js"),
            "{}",
            d[0].how
        );
        // A tiny launcher that loads its implementation package.
        let files = [
            file("package/package.json", manifest),
            file(
                "package/bin/tool.js",
                "#!/usr/bin/env node\nrequire('tool-impl/cli')\n",
            ),
        ];
        assert_eq!(
            delegations(&files, &deps(&["tool-impl"]))[0].dependency,
            "tool-impl"
        );
        // A program that uses libraries is not a launcher.
        let program = format!(
            "#!/usr/bin/env node\nconst chalk = require('chalk');\n{}",
            "console.log(chalk.red('x'));\n".repeat(200)
        );
        let files = [
            file("package/package.json", manifest),
            file("package/bin/tool.js", &program),
        ];
        assert!(delegations(&files, &deps(&["chalk"])).is_empty());
        // The copilot loader: a platform-package launcher that imports a helper library.
        let loader = "#!/usr/bin/env node\n/* (c) */\nimport{spawnSync as o}from\"node:child_process\";import{isNonGlibcLinuxSync as e}from\"detect-libc\";async function a(){for(const t of c())try{const n=i(import.meta.resolve(`@github/copilot-${t}-${process.arch}`)),r=o(n,process.argv.slice(2),{stdio:\"inherit\"});process.exit(s(r,n))}catch{}console.error(\"GitHub Copilot CLI: no platform package found. Reinstall with `npm install -g @github/copilot` to fetch the package for your platform.\"),process.exit(1)}a().catch(()=>{});function s(t,n){if(t.error)throw t.error;return t.status??1}";
        let files = [
            file(
                "package/package.json",
                r#"{"name":"@github/copilot","bin":{"copilot":"npm-loader.js"}}"#,
            ),
            file("package/npm-loader.js", loader),
        ];
        assert!(delegations(&files, &deps(&["detect-libc"])).is_empty());
        // An esbuild bundle's module ids name dependencies it holds: not a hand-over.
        let bundle = format!("var require_message = __commonJS({{\n  \"node_modules/js-message/Message.js\"(exports, module2) {{\n{}  }}\n}});\n", "    module2.exports = 1;\n".repeat(100));
        let files = [
            file(
                "package/package.json",
                r#"{"name":"node-ipc","main":"node-ipc.cjs"}"#,
            ),
            file("package/node-ipc.cjs", &bundle),
        ];
        assert!(delegations(&files, &deps(&["js-message"])).is_empty());
        // Names that are no dependency are not followed.
        let files = [
            file("package/package.json", manifest),
            file(
                "package/index.js",
                "module.exports = require.resolve('other/x')",
            ),
        ];
        assert!(delegations(&files, &deps(&["chalk"])).is_empty());
    }
}
