//! `telltale baseline`: accept every current finding of the targets.

use super::args::{print_target_errors, scan_all, usage_error, write_out, InputArgs};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct BaselineArgs {
    #[arg(required = true)]
    pub targets: Vec<String>,
    #[command(flatten)]
    pub input: InputArgs,
    /// The baseline file to write.
    #[arg(short, long, default_value = "telltale-baseline.json")]
    pub output: PathBuf,
}

pub fn run(args: BaselineArgs) -> ExitCode {
    let BaselineArgs {
        targets,
        input,
        output,
    } = args;
    let report = match scan_all(targets, &input) {
        Ok(r) => r,
        Err(e) => return usage_error(&e),
    };
    print_target_errors(&report.targets);
    if report.has_errors() {
        eprintln!("error: a target could not be read; no baseline written");
        return ExitCode::from(2);
    }
    if let Err(e) = write_out(Some(&output), &telltale::baseline::render(&report)) {
        return usage_error(&e);
    }
    let n: usize = report.targets.iter().map(|t| t.findings.len()).sum();
    eprintln!("wrote {} accepting {n} finding(s)", output.display());
    ExitCode::SUCCESS
}
