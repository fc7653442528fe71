use crate::{declare_rule, Category, RawFinding, Rule, RuleMeta, Severity};
use std::collections::BTreeSet;
use telltale_facts::FileFacts;
use telltale_knowledge::vendors;

declare_rule! {
    /// ## What it detects
    /// A dependency on, or an import of, a known telemetry SDK package (`posthog-node`,
    /// `@sentry/node`, `@microsoft/1ds-post-js`, `universal-analytics`, …).
    ///
    /// ## Why it matters
    /// The SDK is how most telemetry is sent; knowing it is there tells a reviewer where to
    /// look and which opt-out applies. Informational on its own.
    ///
    /// ## Example
    /// ```js
    /// import { PostHog } from "posthog-node";
    /// ```
    TelemetrySdk { id: "TT302", name: "telemetry-sdk", category: Category::Telemetry, severity: Severity::Info }
}

impl Rule for TelemetrySdk {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, f: &FileFacts, out: &mut Vec<RawFinding>) {
        let mut seen = BTreeSet::new();
        for s in &f.sdk_imports {
            let Some(v) = vendors::telemetry_vendor_for_package(&s.module) else {
                continue;
            };
            if !seen.insert(s.module.clone()) {
                continue;
            }
            let mut r = RawFinding::new(
                &Self::META,
                s.span,
                format!("uses the {} SDK `{}` ({})", v.name, s.module, v.owner),
            );
            r.evidence.push(s.module.clone());
            out.push(r);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::fixture::{facts, run};
    use telltale_facts::{SdkImportFact, Span};

    #[test]
    fn sdk_import_reported() {
        let mut f = facts();
        f.sdk_imports.push(SdkImportFact {
            module: "posthog-node".into(),
            span: Span::new(0, 1),
        });
        assert_eq!(run(&TelemetrySdk, &f).len(), 1);
    }

    #[test]
    fn unknown_module_quiet() {
        let mut f = facts();
        f.sdk_imports.push(SdkImportFact {
            module: "lodash".into(),
            span: Span::new(0, 1),
        });
        assert!(run(&TelemetrySdk, &f).is_empty());
    }
}
