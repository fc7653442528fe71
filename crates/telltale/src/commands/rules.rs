//! `telltale rules` and `telltale explain`: the rule set and each rule's documentation.

use super::args::{usage_error, write_out};
use clap::Args;
use std::process::ExitCode;

/// The width of a line of the list (the rest of a summary is in `telltale explain`).
const LINE_CHARS: usize = 120;

/// Every rule, one line each.
pub fn list() -> ExitCode {
    let rules = telltale_rules::all_rules();
    let width = rules.iter().map(|r| r.meta().name.len()).max().unwrap_or(0);
    let mut out = String::new();
    for r in rules {
        let m = r.meta();
        let summary = m.summary();
        let room = LINE_CHARS.saturating_sub(m.id.len() + 2 + width + 1 + 13 + 1 + 8 + 1 + 1);
        let summary = match summary.char_indices().nth(room) {
            Some((i, _)) => format!("{}…", &summary[..i]),
            None => summary.to_string(),
        };
        out.push_str(&format!(
            "{}  {:<width$} {:<13} {:<8} {summary}\n",
            m.id,
            m.name,
            m.category.as_str(),
            m.severity.as_str(),
        ));
    }
    out.push_str("\n`telltale explain TT102` prints a rule's documentation.\n");
    match write_out(None, &out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => usage_error(&e),
    }
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
            let text = format!(
                "# {id} {name} ({}, {})\n\n{}\n\n## Accepting a finding\n\
                 A finding you have read and accept stops failing the run in one of these ways:\n\
                 - the findings a package has now: `telltale baseline TARGET` writes \
                 `telltale-baseline.json`; `baseline = \"telltale-baseline.json\"` in \
                 `telltale.toml` (or `--baseline`) accepts them, matched by fingerprint across \
                 moved lines and new versions, while new findings still fail;\n\
                 - one package: an `[[exception]]` in `telltale.toml` with `package`, \
                 `rules = [\"{id}\"]` and the `reason`;\n\
                 - this rule everywhere: `rules = [\"{id}\"]` under `[allow]` in \
                 `telltale.toml`, or `--ignore {id}` for one run.\n",
                m.category.as_str(),
                m.severity.as_str(),
                m.doc_markdown().trim_end(),
                id = m.id,
                name = m.name,
            );
            match write_out(None, &text) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => usage_error(&e),
            }
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
