//! `telltale query`: the store's shipped questions across versions.

use super::args::{usage_error, write_out};
use clap::{Args, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

/// How an answer is written.
#[derive(Clone, Copy, PartialEq, ValueEnum)]
pub enum QueryFormat {
    Text,
    Json,
    /// A self-contained page; for `alerts` only (the digest).
    Html,
}

/// The store's shipped questions.
#[derive(Subcommand)]
pub enum Question {
    /// Packages that gained a region condition (a region finding their previous version lacked) in versions scanned since a date.
    RegionGained {
        /// RFC 3339 date or time (`2026-11-01`).
        #[arg(long)]
        since: String,
    },
    /// Versions that send identity to an endpoint no earlier version of the package sent it to.
    NewIdentityEndpoints {
        #[arg(long)]
        since: Option<String>,
    },
    /// A package's privacy label across its versions (`npm:name`, `pypi:name` or a name).
    LabelHistory { package: String },
    /// The latest scans with their findings by severity.
    Scans {
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// The alerts `telltale watch` sent, oldest first: the digest of what changed across the
    /// watched packages (`--since 2026-12-01` for the last days).
    Alerts {
        #[arg(long)]
        since: Option<String>,
    },
}

#[derive(Args)]
pub struct QueryArgs {
    #[command(subcommand)]
    pub question: Question,
    /// The store: a `postgres://` URL or a SQLite path (default: the SQLite store on this machine).
    #[arg(long, global = true, value_name = "URL")]
    pub store: Option<String>,
    #[arg(long, value_enum, default_value = "text", global = true)]
    pub format: QueryFormat,
    /// Write the answer to this file instead of standard output.
    #[arg(short, long, global = true, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub fn run(args: QueryArgs) -> ExitCode {
    let QueryArgs {
        question,
        store,
        format,
        output,
    } = args;
    let digest_since = match &question {
        Question::Alerts { since } => Some(since.clone()),
        _ => None,
    };
    if format == QueryFormat::Html && digest_since.is_none() {
        return usage_error("--format html renders `telltale query alerts` (the digest) only");
    }
    let mut store = match telltale::history::open(store.as_deref()) {
        Ok(s) => s,
        Err(e) => return usage_error(&e.to_string()),
    };
    let q = match question {
        Question::RegionGained { since } => telltale_store::Query::RegionGainedSince { since },
        Question::NewIdentityEndpoints { since } => {
            telltale_store::Query::NewIdentityEndpoints { since }
        }
        Question::LabelHistory { package } => {
            let (ecosystem, name) = match package.split_once(':') {
                Some((e @ ("npm" | "pypi" | "file"), n)) => (e.to_string(), n.to_string()),
                _ => ("npm".to_string(), package.clone()),
            };
            telltale_store::Query::LabelHistory { ecosystem, name }
        }
        Question::Scans { limit } => telltale_store::Query::Scans { limit },
        Question::Alerts { since } => telltale_store::Query::Alerts { since },
    };
    match store.query(&q) {
        Ok(table) => {
            let text = match format {
                QueryFormat::Text => {
                    let t = table.to_text();
                    if t.ends_with('\n') {
                        t
                    } else {
                        t + "\n"
                    }
                }
                QueryFormat::Json => serde_json::to_string_pretty(&table.to_json())
                    .map(|s| s + "\n")
                    .unwrap_or_default(),
                QueryFormat::Html => digest(&table, digest_since.flatten().as_deref()),
            };
            match write_out(output.as_deref(), &text) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => usage_error(&e),
            }
        }
        Err(e) => usage_error(&e.to_string()),
    }
}

/// The alerts table as the digest page.
fn digest(table: &telltale_store::Table, since: Option<&str>) -> String {
    let at = table.columns.iter().position(|c| c == "created_at");
    let alert = table.columns.iter().position(|c| c == "alert");
    let entries: Vec<telltale_report::html::digest::DigestEntry> = table
        .rows
        .iter()
        .filter_map(|r| {
            let text = r.get(alert?)?.as_str()?;
            Some(telltale_report::html::digest::DigestEntry {
                at: r.get(at?)?.as_str().unwrap_or("").to_string(),
                alert: serde_json::from_str(text).ok()?,
            })
        })
        .collect();
    telltale_report::html::digest::to_html(&entries, since)
}
