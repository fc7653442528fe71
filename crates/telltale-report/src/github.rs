//! GitHub Actions workflow commands (`::error file=…,line=…::message`): each finding an
//! annotation on the line it is about, for `--format github` in a workflow step. Findings in
//! files the repository holds (a scanned folder or source file) land on their line; findings
//! inside a package from a registry or an archive are annotations of the run, their location
//! in the message. A target that could not be read, or whose code was not all analysed, is an
//! annotation too: never a silent clean run.
//!
//! Reference: "Workflow commands for GitHub Actions" (`error`, `warning`, `notice`; the
//! `file`, `line`, `col`, `title` properties; `%`, CR and LF escaped in messages, and `:` and
//! `,` too in properties).

use crate::{in_short, Report, TargetReport};
use std::fmt::Write;
use std::path::Path;
use telltale_rules::{Finding, Severity};

/// One annotation per finding at or above `min_severity` that the policy did not accept, then
/// one per target that could not be read or not analysed whole.
pub fn to_github(report: &Report, min_severity: Severity) -> String {
    let mut out = String::new();
    for t in &report.targets {
        if let Some(e) = &t.error {
            let _ = writeln!(
                out,
                "::error title={}::{}",
                property("telltale: target not read"),
                message(&format!("{}: {e}", t.target))
            );
            continue;
        }
        for f in crate::shown(t, min_severity) {
            annotate(&mut out, t, f);
        }
        if !t.coverage.complete {
            let _ = writeln!(
                out,
                "::warning title={}::{}",
                property("telltale: coverage incomplete"),
                message(&format!(
                    "{}: {}",
                    t.target,
                    t.coverage.first_gap().unwrap_or_default()
                ))
            );
        }
    }
    out
}

fn annotate(out: &mut String, t: &TargetReport, f: &Finding) {
    let level = match f.severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium | Severity::Low => "warning",
        Severity::Info => "notice",
    };
    let title = property(&format!("{} {} ({})", f.rule, f.name, f.severity.as_str()));
    let mut text = f.message.clone();
    if let Some(p) = f.policy.as_ref().filter(|p| p.fails) {
        let _ = write!(text, "\nfails the policy: {}", p.reason);
    }
    // A package a lockfile pins: on the lockfile's line, with where in the package.
    if let Some(entry) = &t.lockfile {
        let _ = writeln!(
            out,
            "::{level} file={},line={},title={title}::{}",
            property(entry.path.trim_start_matches("./")),
            entry.line,
            message(&format!(
                "{}: {text}\n({}:{}:{} in the package)",
                t.target, f.file, f.line, f.column
            ))
        );
        return;
    }
    match repository_path(&t.target, &f.file) {
        Some(path) => {
            let _ = writeln!(
                out,
                "::{level} file={},line={},col={},title={title}::{}",
                property(&path),
                f.line,
                f.column,
                message(&text)
            );
        }
        None => {
            let _ = writeln!(
                out,
                "::{level} title={title}::{}",
                message(&format!(
                    "{} in {}:{}:{} of {}\n{}",
                    in_short(t),
                    f.file,
                    f.line,
                    f.column,
                    t.target,
                    text
                ))
            );
        }
    }
}

/// Where a finding's file is in the checkout: under a scanned folder, or the scanned source
/// file itself; `None` inside a registry package or an archive.
fn repository_path(target: &str, file: &str) -> Option<String> {
    let root = Path::new(target);
    let path = if root.is_dir() {
        root.join(file)
    } else if root.is_file() && root.file_name().is_some_and(|n| n == Path::new(file)) {
        root.to_path_buf()
    } else {
        return None;
    };
    let shown = path.to_string_lossy().replace('\\', "/");
    Some(shown.strip_prefix("./").unwrap_or(&shown).to_string())
}

/// A message: `%`, CR and LF escaped.
fn message(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A property value: as a message, and `:` and `,` too.
fn property(s: &str) -> String {
    message(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped_as_workflow_commands_require() {
        assert_eq!(message("50% done\nnext"), "50%25 done%0Anext");
        assert_eq!(property("a:b,c"), "a%3Ab%2Cc");
    }

    #[test]
    fn only_files_of_the_checkout_get_a_path() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.js"), "x").unwrap();
        let root = dir.path().to_string_lossy().to_string();
        assert_eq!(
            repository_path(&root, "a.js").as_deref(),
            Some(format!("{root}/a.js").as_str())
        );
        let file = format!("{root}/a.js");
        assert_eq!(
            repository_path(&file, "a.js").as_deref(),
            Some(file.as_str())
        );
        assert_eq!(
            repository_path("npm:left-pad@1.3.0", "package/index.js"),
            None
        );
    }
}
