//! `telltale submit`: queue package versions for the fleet's workers.

use super::args::{scan_options, usage_error, InputArgs, QueueArgs};
use clap::Args;
use std::process::ExitCode;

#[derive(Args)]
pub struct SubmitArgs {
    #[arg(required = true)]
    pub items: Vec<String>,
    /// Every published version of each `npm:NAME`.
    #[arg(long)]
    pub all_versions: bool,
    #[command(flatten)]
    pub queue: QueueArgs,
    #[command(flatten)]
    pub input: InputArgs,
}

pub fn run(args: SubmitArgs) -> ExitCode {
    let SubmitArgs {
        items,
        all_versions,
        queue,
        input,
    } = args;
    let opts = match scan_options(&input) {
        Ok(o) => o,
        Err(e) => return usage_error(&e),
    };
    let jobs = match telltale::fleet::jobs_for(&items, all_versions, &opts) {
        Ok(j) => j,
        Err(e) => return usage_error(&e),
    };
    let cfg = queue.config();
    match telltale_queue::ensure(&cfg).and_then(|()| telltale_queue::submit(&cfg, &jobs)) {
        Ok(sum) => {
            eprintln!(
                "submitted {} job(s) to {}: {} new, {} already queued",
                sum.submitted, cfg.url, sum.new, sum.duplicates
            );
            ExitCode::SUCCESS
        }
        Err(e) => usage_error(&e.to_string()),
    }
}
