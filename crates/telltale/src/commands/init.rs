//! `telltale init`: a starter `telltale.toml`, each key explained and set to its default.

use super::args::usage_error;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

/// The starter policy: the defaults spelled out, the rest as commented examples.
pub const STARTER: &str = r#"# telltale policy: what fails `telltale scan` (exit status 1). Every key is optional.
# `telltale explain RULE` says what a rule finds and how to accept its findings.

# The severity that fails the run: info, low, medium, high (default) or critical.
fail-on = "high"

# Code telltale could not analyse (a container not opened, a parse failure, a limit):
# "fail" (default) or "warn" (reported, not failing).
incomplete = "fail"

# Findings accepted earlier (`telltale baseline TARGET` writes this file); new ones still fail.
# baseline = "telltale-baseline.json"

# Fail whatever the severity.
[deny]
# categories = ["region", "destructive"]    # identity, region, endpoint, telemetry, consent,
#                                            # obfuscation, install, exfiltration, destructive,
#                                            # dynamic-code
# rules = ["TT202"]                          # ids or names (`telltale rules`)
# endpoints = ["*.ipinfo.io"]                # a finding naming any matching host
# countries = ["*"]                          # code that targets a country ("RU", "CN", … or "*")

# Never fail.
[allow]
# rules = ["telemetry-sdk"]
# endpoints = ["*.sentry.io"]                # only when every host of the finding matches

# One package, reviewed: the reason is required.
# [[exception]]
# package = "es5-ext@0.10.64"                # or "es5-ext", "@scope/name"
# rules = ["TT201"]                          # optional: only these rules or categories
# reason = "prints a message; reviewed by security, 2026-11"

# `telltale npm …`, `telltale pip …`, `telltale firewall`: what happens to a file that fails
# the policy ("block", refused with 403, or "warn", served and reported) and to one that
# cannot be scanned.
[firewall]
mode = "block"
on-error = "block"
scan-timeout = "300s"
# min-release-age = "72h"                    # refuse versions published less than this ago

# `telltale watch`: the kinds of change that alert (default: all of them).
[watch]
# aspects = ["region", "sends", "collects", "endpoint", "opt-out", "install-script"]
"#;

#[derive(Args)]
pub struct InitArgs {
    /// Where to write the policy.
    #[arg(default_value = "telltale.toml")]
    pub path: PathBuf,
    /// Replace a file that is already there.
    #[arg(long)]
    pub force: bool,
}

pub fn run(args: InitArgs) -> ExitCode {
    if args.path.exists() && !args.force {
        return usage_error(&format!(
            "{} exists; `--force` replaces it",
            args.path.display()
        ));
    }
    match std::fs::write(&args.path, STARTER) {
        Ok(()) => {
            eprintln!(
                "wrote {}: fails on high findings and on code not analysed",
                args.path.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => usage_error(&format!("cannot write {}: {e}", args.path.display())),
    }
}
