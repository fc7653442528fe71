//! `telltale scan`: targets → one report (text, JSON, SARIF or HTML) → the policy's exit status.

use super::args::{
    exit_status, load_policy, print_incomplete, print_target_errors, scan_all, usage_error,
    write_out, InputArgs, Level, PolicyArgs,
};
use clap::{Args, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;
use telltale_report::TextOptions;
use telltale_rules::select::Selection;

#[derive(Clone, Copy, PartialEq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// One self-contained HTML page for people: label, charts, findings with code frames.
    Html,
    /// GitHub Actions workflow commands: each finding an annotation on its line.
    Github,
}

/// When text output is coloured.
#[derive(Clone, Copy, PartialEq, ValueEnum)]
pub enum Color {
    /// On a terminal, unless `NO_COLOR` is set.
    Auto,
    Always,
    Never,
}

impl Color {
    fn wanted(self, to_file: bool) -> bool {
        use std::io::IsTerminal;
        match self {
            Color::Always => true,
            Color::Never => false,
            Color::Auto => {
                !to_file
                    && std::io::stdout().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        }
    }
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
    #[arg(
        long,
        visible_alias = "output-format",
        value_enum,
        default_value = "text"
    )]
    pub format: Format,
    /// In text output, only the targets that need attention (a finding of low severity or
    /// above, a policy failure, code not all analysed, an error), one line per finding, then
    /// the totals.
    #[arg(short, long)]
    pub quiet: bool,
    /// In text output, counts of findings by rule instead of the findings.
    #[arg(long)]
    pub statistics: bool,
    /// In text output, every target in full (label, coverage, each finding with its code and
    /// flow) even when there are several; by default several targets (a lockfile, a
    /// node_modules folder, --deps) print only those that need attention.
    #[arg(long, conflicts_with_all = ["quiet", "statistics"])]
    pub full: bool,
    /// Only findings of these rules: ids (TT102), id prefixes (TT1), names
    /// (identity-exfiltration) or categories (exfiltration), separated by commas.
    #[arg(long, value_name = "RULES")]
    pub select: Vec<String>,
    /// Leave out findings of these rules (the same words as --select). Left-out findings
    /// neither show nor fail the run; the privacy label is unchanged.
    #[arg(long, value_name = "RULES")]
    pub ignore: Vec<String>,
    /// Exit 0 even when findings fail the policy (a target that cannot be read still exits 2).
    #[arg(long)]
    pub exit_zero: bool,
    /// Colour severities in text output (`auto`: on a terminal, unless NO_COLOR is set).
    #[arg(long, value_enum, default_value = "auto")]
    pub color: Color,
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
        quiet,
        statistics,
        full,
        select,
        ignore,
        exit_zero,
        color,
        min_severity,
        output,
        store,
    } = args;
    let policy = match load_policy(&policy) {
        Ok(p) => p,
        Err(e) => return usage_error(&e),
    };
    let (select, ignore) = match (
        Selection::parse(select.iter().map(String::as_str)),
        Selection::parse(ignore.iter().map(String::as_str)),
    ) {
        (Ok(s), Ok(i)) => (s, i),
        (Err(e), _) | (_, Err(e)) => return usage_error(&e),
    };
    let mut report = match scan_all(targets, &input) {
        Ok(r) => r,
        Err(e) => return usage_error(&e),
    };
    for t in &mut report.targets {
        t.findings.retain(|f| Selection::keeps(&select, &ignore, f));
    }
    policy.apply(&mut report);
    let rendered = match format {
        Format::Json => telltale_report::to_json(&report),
        Format::Text => {
            let text = telltale_report::to_text_with(
                &report,
                &TextOptions {
                    min_severity: min_severity.into(),
                    quiet,
                    statistics,
                    full,
                },
            );
            if color.wanted(output.is_some()) {
                telltale_report::colorize(&text)
            } else {
                text
            }
        }
        Format::Sarif => telltale_report::to_sarif(&report),
        Format::Html => telltale_report::to_html(&report),
        Format::Github => telltale_report::to_github(&report, min_severity.into()),
    };
    if let Err(e) = write_out(output.as_deref(), &rendered) {
        return usage_error(&e);
    }
    // Errors go to standard error, except where the text report on the terminal already
    // shows them (said twice on one screen); incomplete coverage is said there always.
    let on_screen = format == Format::Text && output.is_none() && {
        use std::io::IsTerminal;
        std::io::stdout().is_terminal()
    };
    if !on_screen {
        print_target_errors(&report.targets);
    }
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
    exit_status(
        report.policy_failures() > 0 && !exit_zero,
        report.has_errors(),
    )
}
