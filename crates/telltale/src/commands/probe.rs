//! `telltale probe`: run a package in a verified sandbox as users in other countries.

use super::args::{exit_status, scan_options, usage_error, write_out, InputArgs, Level};
use super::diff::DiffFormat;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;
use telltale_rules::Severity;

pub const PROBE_EXIT_CODES: &str =
    "Exit status: 0 when no finding is at or above --fail-on, 1 when one \
is, 2 on usage errors or when the package cannot be fetched, 3 when no sandbox can be built here \
(bubblewrap missing, namespaces forbidden by the kernel) or its isolation check failed; nothing \
is run then.";

#[derive(Args)]
pub struct ProbeArgs {
    /// A package: `npm:name@version`, an npm tarball or a package folder. Leave it out to
    /// probe the command after `--`.
    pub target: Option<String>,
    /// Personas, comma separated (us, cn, ru, by, ua, ir, de, jp, in, br, kr, gb).
    #[arg(long, value_delimiter = ',', default_value = "us,cn,ru")]
    pub persona: Vec<String>,
    /// Wall-clock limit per step (install script or run), in seconds.
    #[arg(long, default_value_t = 30)]
    pub timeout: u64,
    /// Do not terminate TLS with a per-run CA trusted inside: record server names only.
    #[arg(long)]
    pub no_tls_intercept: bool,
    /// Limit on the probed program's heap (RLIMIT_DATA), in MiB.
    #[arg(long, default_value_t = 4096)]
    pub memory_mib: u64,
    /// Limit on processes inside the sandbox.
    #[arg(long, default_value_t = 256)]
    pub max_processes: u64,
    /// Runs per persona: with 2 or more, a difference between countries is reported only
    /// when it held in every run (timing races are left out).
    #[arg(long, default_value_t = 1)]
    pub repeat: usize,
    #[command(flatten)]
    pub input: InputArgs,
    /// Output format (text, json or html; json has every captured event, html is one
    /// self-contained page with the differences between countries first).
    #[arg(long, value_enum, default_value = "text")]
    pub format: DiffFormat,
    /// Fail (exit 1) when a finding is at least this severe.
    #[arg(long, value_enum, default_value = "high")]
    pub fail_on: Level,
    /// Write the report to this file instead of standard output.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// The bin's arguments; or the command to run when there is no bin or no target.
    #[arg(last = true)]
    pub command: Vec<String>,
}

pub fn run(args: ProbeArgs) -> ExitCode {
    let ProbeArgs {
        target,
        persona,
        timeout,
        no_tls_intercept,
        memory_mib,
        max_processes,
        repeat,
        input,
        format,
        fail_on,
        output,
        command,
    } = args;
    let scan = match scan_options(&input) {
        Ok(o) => o,
        Err(e) => return usage_error(&e),
    };
    let target = target.map(|t| match t.strip_prefix("npm:") {
        Some(spec) => telltale_probe::TargetSpec::Npm(spec.to_string()),
        None => telltale_probe::TargetSpec::Path(PathBuf::from(t)),
    });
    let opts = telltale_probe::ProbeOptions {
        target,
        command,
        personas: persona,
        timeout: std::time::Duration::from_secs(timeout.max(1)),
        registry: scan.npm.registry.clone(),
        max_archive_bytes: input.max_archive_bytes,
        intercept_tls: !no_tls_intercept,
        limits: telltale_probe::Limits {
            memory_bytes: memory_mib.saturating_mul(1 << 20),
            processes: max_processes,
            ..Default::default()
        },
        exe: None,
        repeat,
    };
    let report = match telltale_probe::probe(&opts) {
        Ok(r) => r,
        Err(telltale_probe::ProbeError::Sandbox(e)) => {
            eprintln!("error: {e}");
            return ExitCode::from(3);
        }
        Err(e) => return usage_error(&e.to_string()),
    };
    let rendered = match format {
        DiffFormat::Json => serde_json::to_string_pretty(&report)
            .map(|s| s + "\n")
            .unwrap_or_default(),
        DiffFormat::Text => telltale_probe::render::text(&report),
        DiffFormat::Html => telltale_probe::html::to_html(&report, fail_on.into()),
        DiffFormat::Sarif => return usage_error("probe writes text, json or html"),
    };
    if let Err(e) = write_out(output.as_deref(), &rendered) {
        return usage_error(&e);
    }
    let fail: Severity = fail_on.into();
    exit_status(report.highest_severity().is_some_and(|s| s >= fail), false)
}

#[derive(Args)]
pub struct AgentArgs {
    pub config: String,
}

/// Inside the sandbox: the agent.
pub fn agent(args: AgentArgs) -> ExitCode {
    ExitCode::from(telltale_probe::agent_main(&args.config).clamp(0, 255) as u8)
}

#[derive(Args)]
pub struct ExecArgs {
    pub uid: String,
    pub limits: String,
    #[arg(last = true)]
    pub argv: Vec<String>,
}

/// Inside the sandbox: drop privileges and exec.
pub fn exec(args: ExecArgs) -> ExitCode {
    ExitCode::from(
        telltale_probe::exec_main(&args.uid, &args.limits, &args.argv).clamp(0, 255) as u8,
    )
}
