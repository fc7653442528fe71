//! `telltale`: find hidden tracking, profiling and region targeting in packages. This file
//! only parses the command line and hands each command to its module in `commands/`.

mod commands;

use clap::{CommandFactory, Parser, Subcommand};
use commands::*;
use std::process::ExitCode;

const EXIT_CODES: &str = "Exit status: 0 when no finding fails the policy, 1 when one does \
(by default: a finding at or above --fail-on high; `telltale.toml` can deny or allow by rule, \
category, endpoint and country, and accept findings per package or in a baseline), 2 on usage \
or configuration errors or when a target could not be read.";

#[derive(Parser)]
#[command(name = "telltale", version, about = "Finds hidden tracking, profiling and region targeting in the software developers install.", after_help = EXIT_CODES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Scan packages: a folder, a file, an npm tarball (.tgz), a zip, a lockfile,
    /// `npm:name[@version|@range|@tag]` from the registry npm is configured for (with its
    /// platform packages), or `pypi:name[==version]`.
    #[command(after_help = EXIT_CODES)]
    Scan(scan::ScanArgs),
    /// Queue package versions for `telltale worker`s on a NATS JetStream server: specs
    /// (`npm:name@version`, `pypi:…`, paths), every package a lockfile pins, or with
    /// `--all-versions npm:NAME` every published version.
    Submit(submit::SubmitArgs),
    /// Take jobs from the queue, scan them and store the results (PostgreSQL with `--db`,
    /// else the SQLite store on this machine); acknowledges a job only after its results are
    /// committed. Stops on SIGTERM, finishing or handing back its current jobs.
    Worker(worker::WorkerArgs),
    /// The work queue: jobs waiting and in flight, and the dead letters with their errors.
    QueueStatus(queue_status::QueueStatusArgs),
    /// Ask the store questions across versions (see `--store`).
    Query(query::QueryArgs),
    /// Record every current finding of the targets as accepted, so that `scan --baseline`
    /// (or `baseline = "…"` in `telltale.toml`) fails only on new ones.
    Baseline(baseline::BaselineArgs),
    /// What changed between two targets (`npm:x@1.0.0 npm:x@1.1.0`, two tarballs, two
    /// folders, two lockfiles): endpoints, identity collected and sent, region conditions,
    /// install scripts, opt-outs, hidden code — matched by meaning, not by line.
    /// Exit status 1 when an added finding fails the policy.
    Diff(diff::DiffArgs),
    /// Run a package (installed with its install scripts, then its bin or the command after
    /// `--`) or a command inside a verified sandbox, once per persona (a user in another
    /// country: time zone, locale, npm mirror, IP-geolocation answer, a home of honey
    /// values), against a fake internet; report what it contacted, sent, read, wrote and
    /// printed, and what it did differently by country. Never runs anything unless the
    /// isolation check inside the sandbox passed. Needs bubblewrap (`bwrap`).
    #[command(after_help = probe::PROBE_EXIT_CODES)]
    Probe(probe::ProbeArgs),
    /// A package firewall on loopback, in front of npm's registry and PyPI: each tarball,
    /// sdist or wheel is fetched, its integrity checked, scanned and judged by the policy,
    /// then served byte for byte or refused with 403 and the reason.
    Firewall(firewall::FirewallArgs),
    /// Run npm through the firewall: `telltale npm install lodash`. Exit status: npm's, or
    /// 1 when something was blocked.
    Npm(firewall::WrapArgs),
    /// Run pip through the firewall: `telltale pip install requests`. Exit status: pip's,
    /// or 1 when something was blocked.
    Pip(firewall::WrapArgs),
    /// Watch npm packages: each new version is compared with the one before it by meaning,
    /// and what matters (new destinations, identity sent, region behaviour, install scripts,
    /// hidden code, lost coverage, a removed opt-out) is alerted on stdout as JSON lines, to a
    /// log and a webhook. State in the store: restarts neither miss nor repeat a version.
    Watch(watch::WatchArgs),
    /// Inside the probe's sandbox: the agent (not for direct use).
    #[command(name = "__probe-agent", hide = true)]
    ProbeAgent(probe::AgentArgs),
    /// Inside the probe's sandbox: drop privileges and exec (not for direct use).
    #[command(name = "__probe-exec", hide = true)]
    ProbeExec(probe::ExecArgs),
    /// List every rule.
    Rules,
    /// Print a rule's documentation and how to accept its findings.
    Explain(rules::ExplainArgs),
    /// Write a starter `telltale.toml`: the policy's keys, explained.
    Init(init::InitArgs),
    /// Print shell completions (bash, zsh, fish, powershell, elvish).
    Completions(completions::CompletionsArgs),
    /// Print the man page (roff).
    Man,
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Scan(a) => scan::run(a),
        Command::Submit(a) => submit::run(a),
        Command::Worker(a) => worker::run(a),
        Command::QueueStatus(a) => queue_status::run(a),
        Command::Query(a) => query::run(a),
        Command::Baseline(a) => baseline::run(a),
        Command::Diff(a) => diff::run(a),
        Command::Probe(a) => probe::run(a),
        Command::Firewall(a) => firewall::run(a),
        Command::Npm(a) => firewall::wrap(firewall::Manager::Npm, a),
        Command::Pip(a) => firewall::wrap(firewall::Manager::Pip, a),
        Command::Watch(a) => watch::run(a),
        Command::ProbeAgent(a) => probe::agent(a),
        Command::ProbeExec(a) => probe::exec(a),
        Command::Rules => rules::list(),
        Command::Explain(a) => rules::explain(a),
        Command::Init(a) => init::run(a),
        Command::Completions(a) => completions::completions(a, Cli::command()),
        Command::Man => completions::man(Cli::command()),
    }
}
