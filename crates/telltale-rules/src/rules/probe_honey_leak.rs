use crate::{declare_rule, Category, RawFinding, Rule, RuleMeta, Severity};
use telltale_facts::FileFacts;

declare_rule! {
    /// ## What it detects
    /// A honey value planted in the sandbox (the persona's host name, user name, git e-mail,
    /// npm token, machine id, cloud keys, SSH key) leaving the program: seen in a DNS query, a TLS
    /// server name, or an HTTP request (line, headers or body), plainly or base64-, hex- or
    /// URL-encoded.
    ///
    /// ## Why it matters
    /// The values are fake and unique to the run, so their appearance on the wire cannot be
    /// a coincidence: the program collected them and sent them out. Install-time sends of the host
    /// name and user are how malicious npm packages profile their victims.
    ///
    /// ## Example
    /// ```text
    /// $ telltale probe samples/npm/electorn-1.0.1.tgz
    ///   critical TT802 sent the hostname in a DNS query for electorn.1.0.1.<hostname>.robotnowai.top
    /// ```
    ///
    /// Produced by `telltale probe` from what the program did in the sandbox, not from
    /// static facts: `check` finds nothing in source files.
    ProbeHoneyLeak { id: "TT802", name: "probe-honey-leak", category: Category::Exfiltration, severity: Severity::Critical }
}

// Fixtures: the pass and fail cases are where the finding is made, in
// crates/telltale-probe/src/compare.rs (unit tests) and crates/telltale/tests/probe.rs (real sandbox).
impl Rule for ProbeHoneyLeak {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    /// Observed behaviour, not a property of source text: nothing to find in facts.
    fn check(&self, _facts: &FileFacts, _out: &mut Vec<RawFinding>) {}
}
