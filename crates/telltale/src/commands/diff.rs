//! `telltale diff`: what changed between two targets, by meaning.

use super::args::{
    exit_status, load_policy, print_incomplete, print_target_errors, scan_all, usage_error,
    write_out, InputArgs, PolicyArgs,
};
use clap::{Args, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

/// What `diff` (and `probe`) writes.
#[derive(Clone, Copy, PartialEq, ValueEnum)]
pub enum DiffFormat {
    Text,
    Json,
    /// SARIF 2.1.0; results are marked `new` or `absent` in `baselineState`.
    Sarif,
    /// One self-contained page with a verdict banner (no URL of any kind).
    Html,
}

#[derive(Args)]
pub struct DiffArgs {
    pub old: String,
    pub new: String,
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// Output format (SARIF marks results `new` or `absent` in `baselineState`; HTML is one
    /// self-contained page).
    #[arg(long, value_enum, default_value = "text")]
    pub format: DiffFormat,
    /// Write the result to this file instead of standard output.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

pub fn run(args: DiffArgs) -> ExitCode {
    let DiffArgs {
        old,
        new,
        input,
        policy,
        format,
        output,
    } = args;
    let policy = match load_policy(&policy) {
        Ok(p) => p,
        Err(e) => return usage_error(&e),
    };
    let old_report = match scan_all(vec![old], &input) {
        Ok(r) => r,
        Err(e) => return usage_error(&e),
    };
    let mut new_report = match scan_all(vec![new], &input) {
        Ok(r) => r,
        Err(e) => return usage_error(&e),
    };
    policy.apply(&mut new_report);
    let diff = telltale_report::diff::diff(&old_report, &new_report);
    let rendered = match format {
        DiffFormat::Text => diff.to_text(),
        DiffFormat::Json => diff.to_json(),
        DiffFormat::Sarif => diff.sarif(&new_report),
        DiffFormat::Html => diff.to_html(),
    };
    if let Err(e) = write_out(output.as_deref(), &rendered) {
        return usage_error(&e);
    }
    print_target_errors(&old_report.targets);
    print_target_errors(&new_report.targets);
    print_incomplete(&new_report);
    exit_status(
        diff.failing() > 0,
        old_report.has_errors() || new_report.has_errors(),
    )
}
