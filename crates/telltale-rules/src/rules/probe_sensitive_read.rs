use crate::{declare_rule, Category, RawFinding, Rule, RuleMeta, Severity};
use telltale_facts::FileFacts;

declare_rule! {
    /// ## What it detects
    /// A file of the persona's home that holds a secret or an identity (`~/.ssh/*`, `~/.npmrc`,
    /// `~/.gitconfig`, `~/.aws/credentials`, `~/.config/gh/hosts.yml`, `~/.docker/config.json`,
    /// `~/.netrc`, shell history) or the machine id, opened by the program while it ran.
    ///
    /// ## Why it matters
    /// Few packages have a reason to read credentials or identity files; one that does at
    /// install time or start-up is collecting them, whether or not this run saw them leave.
    ///
    /// ## Example
    /// ```text
    /// $ telltale probe npm:some-package
    ///   medium TT803 read ~/.npmrc and ~/.ssh/id_ed25519
    /// ```
    ///
    /// Produced by `telltale probe` from what the program did in the sandbox, not from
    /// static facts: `check` finds nothing in source files.
    ProbeSensitiveRead { id: "TT803", name: "probe-sensitive-file-read", category: Category::Identity, severity: Severity::Medium }
}

// Fixtures: the pass and fail cases are where the finding is made, in
// crates/telltale-probe/src/compare.rs (unit tests) and crates/telltale/tests/probe.rs (real sandbox).
impl Rule for ProbeSensitiveRead {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    /// Observed behaviour, not a property of source text: nothing to find in facts.
    fn check(&self, _facts: &FileFacts, _out: &mut Vec<RawFinding>) {}
}
