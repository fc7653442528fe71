//! `telltale scan`: targets → one report (text, JSON, SARIF or HTML) → the policy's exit status.

use super::args::{
    exit_status, load_policy, print_incomplete, print_target_errors, scan_all, usage_error,
    write_out, InputArgs, Level, PolicyArgs,
};
use clap::{Args, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Clone, Copy, PartialEq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// One self-contained HTML page for people: label, charts, findings with code frames.
    Html,
}

#[derive(Args)]
pub struct ScanArgs {
    /// What to scan.
    #[arg(required = true)]
    pub targets: Vec<String>,
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// In text output, hide findings below this severity.
    #[arg(long, value_enum, default_value = "info")]
    pub min_severity: Level,
    /// Write the report to this file instead of standard output.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Keep the results in the store and say what changed since the package's last stored
    /// scan: alone, the SQLite store on this machine (`$TELLTALE_STORE`, else
    /// `~/.local/share/telltale/store.sqlite`); or a `postgres://` URL or SQLite path.
    #[arg(long, num_args = 0..=1, default_missing_value = "", value_name = "URL")]
    pub store: Option<String>,
}

pub fn run(args: ScanArgs) -> ExitCode {
    let ScanArgs {
        targets,
        input,
        policy,
        format,
        min_severity,
        output,
        store,
    } = args;
    let policy = match load_policy(&policy) {
        Ok(p) => p,
        Err(e) => return usage_error(&e),
    };
    let mut report = match scan_all(targets, &input) {
        Ok(r) => r,
        Err(e) => return usage_error(&e),
    };
    policy.apply(&mut report);
    let rendered = match format {
        Format::Json => telltale_report::to_json(&report),
        Format::Text => telltale_report::to_text(&report, min_severity.into()),
        Format::Sarif => telltale_report::to_sarif(&report),
        Format::Html => telltale_report::to_html(&report),
    };
    if let Err(e) = write_out(output.as_deref(), &rendered) {
        return usage_error(&e);
    }
    print_target_errors(&report.targets);
    print_incomplete(&report);
    if let Some(url) = store {
        let mut store = match telltale::history::open(Some(&url)) {
            Ok(s) => s,
            Err(e) => return usage_error(&e.to_string()),
        };
        for t in &report.targets {
            match telltale::history::record_and_compare(&mut store, t) {
                Ok(line) => eprintln!("store: {line}"),
                Err(e) => return usage_error(&format!("cannot store {}: {e}", t.target)),
            }
        }
    }
    exit_status(report.policy_failures() > 0, report.has_errors())
}
