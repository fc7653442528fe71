//! `telltale completions SHELL` and `telltale man`: shell completions and a man page, both
//! generated from the command line's own definition so they never drift from it.

use super::args::{usage_error, write_out};
use clap::Args;
use clap_complete::Shell;
use std::process::ExitCode;

#[derive(Args)]
pub struct CompletionsArgs {
    /// bash, zsh, fish, powershell or elvish.
    pub shell: Shell,
}

/// Completions for a shell, on standard output (`telltale completions bash >
/// /etc/bash_completion.d/telltale`).
pub fn completions(args: CompletionsArgs, mut cli: clap::Command) -> ExitCode {
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut cli, "telltale", &mut out);
    print(&out)
}

/// The man page, roff on standard output (`telltale man > telltale.1`).
pub fn man(cli: clap::Command) -> ExitCode {
    let mut out = Vec::new();
    if let Err(e) = clap_mangen::Man::new(cli).render(&mut out) {
        return usage_error(&format!("cannot render the man page: {e}"));
    }
    print(&out)
}

fn print(bytes: &[u8]) -> ExitCode {
    match write_out(None, &String::from_utf8_lossy(bytes)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => usage_error(&e),
    }
}
