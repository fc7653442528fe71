use crate::{declare_rule, Category, RawFinding, Rule, RuleMeta, Severity};
use telltale_facts::FileFacts;

declare_rule! {
    /// ## What it detects
    /// A difference in what a program did when `telltale probe` ran it as users of different
    /// countries: under one persona it contacted a host, sent a value, read a file, wrote or deleted
    /// files, printed something or exited differently, and under the others it did not. The
    /// personas differ only in time zone, locale, npm mirror, IP-geolocation answer and honey
    /// values, so the difference is caused by where the user appears to be.
    ///
    /// ## Why it matters
    /// This is the direct observation of region targeting: code that treats users of one
    /// country differently, whatever the static code looked like (fetched at run time, encrypted,
    /// keyed to a server's answer). It is what static rules such as TT201 infer; here it was seen.
    ///
    /// ## Example
    /// ```text
    /// $ telltale probe npm:es5-ext@0.10.64 --persona us,ru
    ///   high TT801 as RU: postinstall printed “… Україна …”; as US: nothing
    /// ```
    ///
    /// Produced by `telltale probe` from what the program did in the sandbox, not from
    /// static facts: `check` finds nothing in source files.
    ProbeRegionDifference { id: "TT801", name: "probe-region-difference", category: Category::Region, severity: Severity::High }
}

// Fixtures: the pass and fail cases are where the finding is made, in
// crates/telltale-probe/src/compare.rs (unit tests) and crates/telltale/tests/probe.rs (real sandbox).
impl Rule for ProbeRegionDifference {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    /// Observed behaviour, not a property of source text: nothing to find in facts.
    fn check(&self, _facts: &FileFacts, _out: &mut Vec<RawFinding>) {}
}
