//! Coverage: what of a target was analysed and what was not, with why. A report that says
//! "nothing found" is only worth something when the code the package runs was read; this
//! is where the report says whether it was.
//!
//! `complete` is false when the target could not be read or when code the package runs was
//! not analysed: an embedded program that is bytecode only, a blob of a JavaScript runtime
//! executable that could not be opened, a file that could not be parsed, a limit reached, a
//! dependency the package's entry point hands over to that was not followed. Files a package
//! does not run (tests, examples, documentation) are listed but do not make it incomplete.

use serde::Serialize;
use std::collections::BTreeMap;

/// Files and bytes of one kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub files: u64,
    pub bytes: u64,
}

/// Something of the target that was not analysed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unanalysed {
    /// Where it is, named like findings' files (`package/copilot › asset:copilot.tgz`).
    pub path: String,
    pub bytes: u64,
    /// Why it was not analysed, in words.
    pub why: String,
    /// Whether the package runs it: false for tests, examples and documentation, which do
    /// not make the coverage incomplete.
    pub runs: bool,
}

/// A file analysed once because its bytes equal another's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Identical {
    pub path: String,
    /// The copy that was analysed (in this target or an earlier one of the same scan).
    pub same_as: String,
    pub bytes: u64,
}

/// A container opened to reach the code inside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Container {
    pub path: String,
    /// `gzip`, `tar`, `zip`, `asar`, `bun`, `node-sea`, `deno`, `pkg`, `nexe`, `base64 gzip`…
    pub format: String,
    /// Files it held that were analysed.
    pub files: u64,
}

/// What of one target was analysed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Coverage {
    /// The code the package runs was all analysed.
    pub complete: bool,
    /// Analysed files and their bytes by kind: `javascript`, `python`, `shell`, `manifest`,
    /// `python-metadata`, `native` (strings and imports of a binary).
    pub analysed: BTreeMap<String, Tally>,
    /// What was not analysed, each with why.
    pub unanalysed: Vec<Unanalysed>,
    /// Files analysed with syntax errors the parser recovered from: read, perhaps not whole.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub partial: Vec<Unanalysed>,
    /// Containers opened (executables, archives inside the package, encoded archives).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub containers: Vec<Container>,
    /// Byte-identical files analysed once.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub identical: Vec<Identical>,
    /// The policy's decision on an incomplete coverage (`incomplete = "fail"`, the default,
    /// or `"warn"` in `telltale.toml`); absent when complete.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<telltale_rules::PolicyVerdict>,
}

impl Default for Coverage {
    fn default() -> Self {
        Coverage {
            complete: true,
            analysed: BTreeMap::new(),
            unanalysed: Vec::new(),
            partial: Vec::new(),
            containers: Vec::new(),
            identical: Vec::new(),
            policy: None,
        }
    }
}

/// Path segments of files a package does not run.
const NOT_RUN_DIRS: &[&str] = &[
    "test",
    "tests",
    "__tests__",
    "__test__",
    "spec",
    "specs",
    "__mocks__",
    "fixtures",
    "__fixtures__",
    "fixture",
    "example",
    "examples",
    "docs",
    "doc",
    "benchmark",
    "benchmarks",
    "bench",
    "demo",
    "demos",
    "samples",
    "sample",
    "testing",
    "testdata",
];

/// Whether a package runs a file at this path: everything but tests, examples and docs.
pub fn runs(path: &str) -> bool {
    !path
        .split(['/', '\\'])
        .any(|seg| NOT_RUN_DIRS.contains(&seg.to_ascii_lowercase().as_str()))
}

impl Coverage {
    /// Coverage of a target that could not be read at all.
    pub fn unreadable(target: &str, why: &str) -> Self {
        let mut c = Coverage::default();
        c.unanalysed.push(Unanalysed {
            path: target.to_string(),
            bytes: 0,
            why: why.to_string(),
            runs: true,
        });
        c.complete = false;
        c
    }

    /// Count an analysed file.
    pub fn add_analysed(&mut self, kind: &str, bytes: u64) {
        let t = self.analysed.entry(kind.to_string()).or_default();
        t.files += 1;
        t.bytes += bytes;
    }

    /// Note something not analysed; whether the package runs it is read from its path.
    pub fn add_unanalysed(&mut self, path: &str, bytes: u64, why: impl Into<String>) {
        self.unanalysed.push(Unanalysed {
            path: path.to_string(),
            bytes,
            why: why.into(),
            runs: runs(path),
        });
    }

    /// Decide `complete` from the entries (call once everything is noted).
    pub fn settle(&mut self) {
        self.unanalysed
            .sort_by(|a, b| b.runs.cmp(&a.runs).then_with(|| a.path.cmp(&b.path)));
        self.unanalysed.dedup();
        self.complete = !self.unanalysed.iter().any(|u| u.runs);
    }

    /// What was not analysed that the package runs.
    pub fn gaps(&self) -> impl Iterator<Item = &Unanalysed> {
        self.unanalysed.iter().filter(|u| u.runs)
    }

    /// One line: `complete (812 files, 41.2 MB: javascript 790, …)` or
    /// `INCOMPLETE: 2 not analysed: package/x › /$bunfs/root/cli (bytecode only), …`.
    pub fn summary(&self) -> String {
        let files: u64 = self.analysed.values().map(|t| t.files).sum();
        let bytes: u64 = self.analysed.values().map(|t| t.bytes).sum();
        let kinds: Vec<String> = self
            .analysed
            .iter()
            .map(|(k, t)| format!("{k} {}", t.files))
            .collect();
        let analysed = format!(
            "{files} file{} analysed, {}{}",
            if files == 1 { "" } else { "s" },
            human_bytes(bytes),
            if kinds.is_empty() {
                String::new()
            } else {
                format!(": {}", kinds.join(", "))
            }
        );
        if self.complete {
            return format!("complete ({analysed})");
        }
        format!(
            "INCOMPLETE: {} not analysed ({analysed})",
            self.gaps().count()
        )
    }

    /// What the first gap is and how many more there are, for one line on a terminal.
    pub fn first_gap(&self) -> Option<String> {
        let mut gaps = self.gaps();
        let first = gaps.next()?;
        let more = gaps.count();
        Some(format!(
            "{}{}: {}{}",
            first.path,
            sized(first.bytes),
            first.why,
            if more > 0 {
                format!(" (and {more} more)")
            } else {
                String::new()
            }
        ))
    }
}

/// ` (4.1 MB)` after a path, or nothing for what has no size (a dependency not fetched).
pub fn sized(bytes: u64) -> String {
    if bytes == 0 {
        String::new()
    } else {
        format!(" ({})", human_bytes(bytes))
    }
}

/// `41.2 MB`, `812 B`.
pub fn human_bytes(n: u64) -> String {
    const UNITS: &[&str] = &["B", "KB", "MB", "GB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1000.0 && u + 1 < UNITS.len() {
        v /= 1000.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tests_and_docs_do_not_make_coverage_incomplete() {
        let mut c = Coverage::default();
        c.add_analysed("javascript", 1200);
        c.add_unanalysed("package/test/fixtures/broken.js", 10, "could not parse");
        c.settle();
        assert!(c.complete, "{c:?}");
        assert!(
            c.summary()
                .starts_with("complete (1 file analysed, 1.2 KB: javascript 1)"),
            "{}",
            c.summary()
        );
        c.add_unanalysed(
            "package/copilot › /snapshot/app/index.js",
            4096,
            "V8 bytecode",
        );
        c.settle();
        assert!(!c.complete);
        assert_eq!(c.gaps().count(), 1);
        assert!(
            c.summary()
                .starts_with("INCOMPLETE: 1 not analysed (1 file analysed"),
            "{}",
            c.summary()
        );
        assert_eq!(
            c.first_gap().unwrap(),
            "package/copilot › /snapshot/app/index.js (4.1 KB): V8 bytecode"
        );
    }

    #[test]
    fn what_runs_is_read_from_the_path() {
        assert!(runs("package/lib/index.js"));
        assert!(runs("package/bin/claude"));
        assert!(!runs("package/__tests__/x.js"));
        assert!(!runs("pkg-1.0/docs/conf.py"));
        assert!(runs("package/contest/x.js"));
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(197_462_848), "197.5 MB");
    }
}
