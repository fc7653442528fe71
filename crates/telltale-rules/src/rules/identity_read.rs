use crate::{declare_rule, Category, RawFinding, Rule, RuleMeta, Severity};
use std::collections::BTreeSet;
use telltale_facts::FileFacts;

declare_rule! {
    /// ## What it detects
    /// Code that reads who the user is or which machine this is: host name, user name, home
    /// directory, network interfaces, machine id, SSH keys, npm or cloud credentials, the whole
    /// environment.
    ///
    /// ## Why it matters
    /// Reading identity is the first half of profiling. On its own it is often legitimate
    /// (a CLI finds its config under the home directory), so this is informational; it becomes
    /// serious when the value leaves the machine (TT102).
    ///
    /// ## Example
    /// ```js
    /// const id = require("fs").readFileSync("/etc/machine-id", "utf8");
    /// ```
    IdentityRead { id: "TT101", name: "identity-read", category: Category::Identity, severity: Severity::Info }
}

impl Rule for IdentityRead {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, f: &FileFacts, out: &mut Vec<RawFinding>) {
        let Some(first) = f.sources.first() else {
            return;
        };
        let kinds: BTreeSet<&str> = f.sources.iter().map(|s| s.kind.describe()).collect();
        let apis: BTreeSet<&str> = f.sources.iter().map(|s| s.api.as_str()).collect();
        let mut r = RawFinding::new(
            &Self::META,
            first.span,
            format!(
                "reads {}",
                kinds.iter().copied().collect::<Vec<_>>().join(", ")
            ),
        );
        r.evidence = apis.into_iter().take(12).map(String::from).collect();
        out.push(r);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::fixture::{facts, run};
    use telltale_facts::{DataKind, SourceFact, Span};

    #[test]
    fn reports_reads_once_per_file() {
        let mut f = facts();
        for api in ["os.hostname()", "os.homedir()"] {
            f.sources.push(SourceFact {
                kind: DataKind::Hostname,
                api: api.into(),
                span: Span::new(1, 2),
            });
        }
        let out = run(&IdentityRead, &f);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].evidence.len(), 2);
    }

    #[test]
    fn quiet_without_reads() {
        assert!(run(&IdentityRead, &facts()).is_empty());
    }
}
