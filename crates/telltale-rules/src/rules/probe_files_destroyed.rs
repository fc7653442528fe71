use crate::{declare_rule, Category, RawFinding, Rule, RuleMeta, Severity};
use telltale_facts::FileFacts;

declare_rule! {
    /// ## What it detects
    /// Files outside the program's own package deleted, moved away or overwritten while it
    /// ran: the persona's documents, desktop, dotfiles or project.
    ///
    /// ## Why it matters
    /// A package has no business changing the user's files; node-ipc's protestware overwrote
    /// every file it could reach for users it located in Russia and Belarus.
    ///
    /// ## Example
    /// ```text
    /// $ telltale probe npm:node-ipc@10.1.1 --persona us,ru
    ///   critical TT805 overwrote 12 files outside its package (~/Documents/notes.txt, …)
    /// ```
    ///
    /// Produced by `telltale probe` from what the program did in the sandbox, not from
    /// static facts: `check` finds nothing in source files.
    ProbeFilesDestroyed { id: "TT805", name: "probe-files-destroyed", category: Category::Destructive, severity: Severity::Critical }
}

// Fixtures: the pass and fail cases are where the finding is made, in
// crates/telltale-probe/src/compare.rs (unit tests) and crates/telltale/tests/probe.rs (real sandbox).
impl Rule for ProbeFilesDestroyed {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    /// Observed behaviour, not a property of source text: nothing to find in facts.
    fn check(&self, _facts: &FileFacts, _out: &mut Vec<RawFinding>) {}
}
