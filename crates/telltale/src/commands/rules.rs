//! `telltale rules` and `telltale explain`: the rule set and each rule's documentation.

use clap::Args;
use std::process::ExitCode;

/// Every rule, one line each.
pub fn list() -> ExitCode {
    let rules = telltale_rules::all_rules();
    let width = rules.iter().map(|r| r.meta().name.len()).max().unwrap_or(0);
    for r in rules {
        let m = r.meta();
        println!(
            "{}  {:<width$} {:<13} {:<8} {}",
            m.id,
            m.name,
            m.category.as_str(),
            m.severity.as_str(),
            m.summary()
        );
    }
    ExitCode::SUCCESS
}

#[derive(Args)]
pub struct ExplainArgs {
    /// Rule id (TT201) or name (region-conditional).
    pub rule: String,
}

/// One rule's documentation.
pub fn explain(args: ExplainArgs) -> ExitCode {
    match telltale_rules::find_rule(&args.rule) {
        Some(r) => {
            let m = r.meta();
            println!(
                "# {} {} ({}, {})\n\n{}",
                m.id,
                m.name,
                m.category.as_str(),
                m.severity.as_str(),
                m.doc_markdown()
            );
            ExitCode::SUCCESS
        }
        None => {
            eprintln!(
                "error: no rule `{}`; `telltale rules` lists them",
                args.rule
            );
            ExitCode::from(2)
        }
    }
}
