use crate::{declare_rule, Category, RawFinding, Rule, RuleMeta, Severity};
use telltale_facts::FileFacts;

declare_rule! {
    /// ## What it detects
    /// A request to an IP-geolocation API (ipinfo.io, ip-api.com, ipapi.co, ifconfig.co, …)
    /// made by the program while it ran. The fake internet answered it with the persona's country.
    ///
    /// ## Why it matters
    /// Asking where the user is from the IP address is how code decides to treat users of one
    /// country differently; seen at run time it is no longer a guess about dead code.
    ///
    /// ## Example
    /// ```text
    /// $ telltale probe samples/npm/lodashs-1.0.2.tgz
    ///   medium TT804 asked ifconfig.co where the machine is (answered: CN)
    /// ```
    ///
    /// Produced by `telltale probe` from what the program did in the sandbox, not from
    /// static facts: `check` finds nothing in source files.
    ProbeGeoipLookup { id: "TT804", name: "probe-geoip-lookup", category: Category::Region, severity: Severity::Medium }
}

// Fixtures: the pass and fail cases are where the finding is made, in
// crates/telltale-probe/src/compare.rs (unit tests) and crates/telltale/tests/probe.rs (real sandbox).
impl Rule for ProbeGeoipLookup {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    /// Observed behaviour, not a property of source text: nothing to find in facts.
    fn check(&self, _facts: &FileFacts, _out: &mut Vec<RawFinding>) {}
}
