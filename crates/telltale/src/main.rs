//! `telltale`: find hidden tracking, profiling and region targeting in packages.

use clap::{Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::process::ExitCode;
use telltale::scan::{scan_spec, ScanOptions};
use telltale_report::Report;
use telltale_rules::Severity;

#[derive(Parser)]
#[command(name = "telltale", version, about = "Finds hidden tracking, profiling and region targeting in the software developers install.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum Level {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl From<Level> for Severity {
    fn from(l: Level) -> Severity {
        match l {
            Level::Info => Severity::Info,
            Level::Low => Severity::Low,
            Level::Medium => Severity::Medium,
            Level::High => Severity::High,
            Level::Critical => Severity::Critical,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Scan packages: a folder, a file, an npm tarball (.tgz), a zip, a lockfile,
    /// `npm:name[@version|@range|@tag]` from the registry npm is configured for (with its
    /// platform packages), or `pypi:name[==version]`.
    ///
    /// Exit status: 0 when no finding is at or above --fail-on, 1 when one is,
    /// 2 on usage errors or when a target could not be read.
    Scan {
        /// What to scan.
        #[arg(required = true)]
        targets: Vec<String>,
        /// Registry for `npm:` targets (default: npm_config_registry, then `.npmrc`, then the public registry).
        #[arg(long)]
        registry: Option<String>,
        /// Python package index for `pypi:` targets, a PEP 691 simple API (default: PIP_INDEX_URL, then https://pypi.org/simple/).
        #[arg(long)]
        pypi_index: Option<String>,
        /// Use only the download cache for `npm:` targets.
        #[arg(long)]
        offline: bool,
        /// Platform whose packages `npm:` targets pull in (`linux-x64`, `linux-x64-musl`, `darwin-arm64`, `win32-x64`; default: this machine), or `none`.
        #[arg(long)]
        platform: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// Fail (exit 1) when a finding is at least this severe.
        #[arg(long, value_enum, default_value = "high")]
        fail_on: Level,
        /// In text output, hide findings below this severity.
        #[arg(long, value_enum, default_value = "info")]
        min_severity: Level,
        /// Write the report to this file instead of standard output.
        #[arg(short, long)]
        output: Option<std::path::PathBuf>,
        /// Limit on uncompressed bytes read from one target (decompression bombs).
        #[arg(long, default_value_t = 1 << 30)]
        max_archive_bytes: u64,
        /// Limit on entries in one target.
        #[arg(long, default_value_t = 200_000)]
        max_archive_entries: u64,
        /// Limit on the size of one file (larger files are reported, not analysed). Source files
        /// are parsed up to the smaller of this and 256 MiB; executables (Bun builds of CLIs
        /// run to 400 MB) are read whole.
        #[arg(long, default_value_t = 1 << 30)]
        max_file_bytes: u64,
        /// Worker threads (default: one per core).
        #[arg(short = 'j', long)]
        threads: Option<usize>,
    },
    /// List every rule.
    Rules,
    /// Print a rule's documentation.
    Explain {
        /// Rule id (TT201) or name (region-conditional).
        rule: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Rules => {
            let rules = telltale_rules::all_rules();
            let width = rules.iter().map(|r| r.meta().name.len()).max().unwrap_or(0);
            for r in rules {
                let m = r.meta();
                println!("{}  {:<width$} {:<13} {}", m.id, m.name, m.category.as_str(), m.severity.as_str());
            }
            ExitCode::SUCCESS
        }
        Command::Explain { rule } => match telltale_rules::find_rule(&rule) {
            Some(r) => {
                let m = r.meta();
                println!("# {} {} ({}, {})\n\n{}", m.id, m.name, m.category.as_str(), m.severity.as_str(), m.doc.trim());
                ExitCode::SUCCESS
            }
            None => {
                eprintln!("error: no rule `{rule}`; `telltale rules` lists them");
                ExitCode::from(2)
            }
        },
        Command::Scan { targets, registry, pypi_index, offline, platform, format, fail_on, min_severity, output, max_archive_bytes, max_archive_entries, max_file_bytes, threads } => {
            // Deeply nested code recurses deeply in the parser: give workers room.
            let mut pool = rayon::ThreadPoolBuilder::new().stack_size(256 << 20);
            if let Some(n) = threads {
                pool = pool.num_threads(n);
            }
            if let Err(e) = pool.build_global() {
                eprintln!("error: cannot start worker threads: {e}");
                return ExitCode::from(2);
            }
            let mut opts = ScanOptions::default();
            opts.limits.max_total_bytes = max_archive_bytes;
            opts.limits.max_entries = max_archive_entries;
            opts.limits.max_file_bytes = max_file_bytes;
            opts.js.max_parse_bytes = max_file_bytes.min(256 << 20) as usize;
            opts.python.max_parse_bytes = max_file_bytes.min(256 << 20) as usize;
            if let Some(r) = registry {
                opts.npm.registry.registry = if r.ends_with('/') { r } else { format!("{r}/") };
            }
            if let Some(i) = pypi_index {
                opts.npm.pypi_index = i;
            }
            opts.npm.registry.offline = offline;
            opts.npm.registry.max_tarball_bytes = max_archive_bytes;
            match platform.as_deref() {
                None => {}
                Some("none") => opts.npm.platform = None,
                Some(p) => match telltale_registry::Platform::parse(p) {
                    Some(p) => opts.npm.platform = Some(p),
                    None => {
                        eprintln!("error: --platform `{p}` is not os-cpu[-libc] (e.g. linux-x64, darwin-arm64, linux-x64-musl) or none");
                        return ExitCode::from(2);
                    }
                },
            }
            // Run on a big-stack thread too: the main thread's stack is small.
            let handle = std::thread::Builder::new()
                .stack_size(256 << 20)
                .spawn(move || targets.iter().flat_map(|t| scan_spec(t, &opts)).collect::<Vec<_>>());
            let reports = match handle.map(|h| h.join()) {
                Ok(Ok(r)) => r,
                _ => {
                    eprintln!("error: the scan thread failed");
                    return ExitCode::from(2);
                }
            };
            let report = Report::new(reports);
            let rendered = match format {
                Format::Json => telltale_report::to_json(&report),
                Format::Text => telltale_report::to_text(&report, min_severity.into()),
            };
            let written = match &output {
                Some(p) => std::fs::write(p, rendered.as_bytes()),
                None => std::io::stdout().lock().write_all(rendered.as_bytes()),
            };
            if let Err(e) = written {
                eprintln!("error: cannot write the report: {e}");
                return ExitCode::from(2);
            }
            for t in &report.targets {
                if let Some(e) = &t.error {
                    eprintln!("error: {}: {e}", t.target);
                }
            }
            if report.max_severity().is_some_and(|s| s >= fail_on.into()) {
                ExitCode::from(1)
            } else if report.has_errors() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            }
        }
    }
}
