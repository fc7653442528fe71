use crate::{declare_rule, Category, RawFinding, Rule, RuleMeta, Severity};
use telltale_facts::FileFacts;

declare_rule! {
    /// ## What it detects
    /// Data received from the network run as code: `eval`, the `Function` constructor (also
    /// when its name is computed, as in `this["Fun"+"ction"]`), `vm.runIn*Context`,
    /// `setTimeout` with a string, or a shell `curl … | sh`.
    ///
    /// ## Why it matters
    /// The package's real behaviour is whatever the server sends today: nothing in the
    /// published code can be reviewed. From an install script it is critical.
    ///
    /// ## Example
    /// ```js
    /// http.get(url, r => { let b = ""; r.on("data", d => b += d); r.on("end", () => new Function(b)()); });
    /// ```
    DynamicCodeFromNetwork { id: "TT402", name: "dynamic-code-from-network", category: Category::DynamicCode, severity: Severity::High }
}

impl Rule for DynamicCodeFromNetwork {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, f: &FileFacts, out: &mut Vec<RawFinding>) {
        for d in f.dynamic_code.iter().filter(|d| d.from_network) {
            let mut r = RawFinding::new(
                &Self::META,
                d.span,
                format!("runs code received from the network with {}", d.api),
            );
            r.evidence.push(d.api.clone());
            r.evidence.extend(d.steps.iter().map(|s| s.what.clone()));
            r.steps = d.steps.clone();
            out.push(r);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::fixture::{facts, run};
    use telltale_facts::{DynamicCodeFact, Span};

    #[test]
    fn only_network_code_is_reported() {
        let mut f = facts();
        f.dynamic_code.push(DynamicCodeFact {
            api: "eval".into(),
            from_network: false,
            span: Span::new(0, 1),
            steps: vec![],
        });
        assert!(run(&DynamicCodeFromNetwork, &f).is_empty());
        f.dynamic_code.push(DynamicCodeFact {
            api: "Function".into(),
            from_network: true,
            span: Span::new(0, 1),
            steps: vec![],
        });
        assert_eq!(run(&DynamicCodeFromNetwork, &f).len(), 1);
    }
}
