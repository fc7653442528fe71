//! `telltale queue-status`: jobs waiting and in flight, and the dead letters.

use super::args::{usage_error, write_out, QueryFormat, QueueArgs};
use clap::Args;
use std::process::ExitCode;

#[derive(Args)]
pub struct QueueStatusArgs {
    #[command(flatten)]
    pub queue: QueueArgs,
    #[arg(long, value_enum, default_value = "text")]
    pub format: QueryFormat,
}

pub fn run(args: QueueStatusArgs) -> ExitCode {
    let cfg = args.queue.config();
    let (stats, dead) = match telltale_queue::ensure(&cfg).and_then(|()| {
        Ok((
            telltale_queue::stats(&cfg)?,
            telltale_queue::dead_letters(&cfg)?,
        ))
    }) {
        Ok(x) => x,
        Err(e) => return usage_error(&e.to_string()),
    };
    let text = match args.format {
        QueryFormat::Json => {
            let doc = serde_json::json!({"waiting": stats.waiting, "in_flight": stats.in_flight, "dead_letters": dead});
            serde_json::to_string_pretty(&doc)
                .map(|s| s + "\n")
                .unwrap_or_default()
        }
        QueryFormat::Text => {
            let mut t = format!(
                "{}: {} waiting, {} in flight, {} dead letters\n",
                cfg.url,
                stats.waiting,
                stats.in_flight,
                dead.len()
            );
            for d in &dead {
                t.push_str(&format!(
                    "  dead  {}  after {} deliveries ({}, {}): {}\n",
                    d.job.spec, d.deliveries, d.worker, d.at, d.error
                ));
            }
            t
        }
    };
    match write_out(None, &text) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => usage_error(&e),
    }
}
