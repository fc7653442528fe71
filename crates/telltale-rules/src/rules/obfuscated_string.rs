use crate::{declare_rule, Category, RawFinding, Rule, RuleMeta, Severity};
use telltale_facts::FileFacts;

declare_rule! {
    /// ## What it detects
    /// A string hidden by an encoding (base64, hex, char codes, URI escapes) whose decoded
    /// value matters: an address, a module or API name (`child_process`, `country_name`), a
    /// sensitive path, a country, or code. Decoded values that are ordinary text are ignored.
    /// The evidence gives the decoded value and where the encoded data is written
    /// (`base64 → literal at 3:1042`).
    ///
    /// ## Why it matters
    /// Encoding the words a reviewer would search for is the simplest way to hide behaviour.
    /// The decoded value is in the evidence so the finding can be checked by eye.
    ///
    /// ## Example
    /// ```js
    /// const c = Buffer.from("cnVzc2lh", "base64").toString(); // "russia"
    /// ```
    ObfuscatedString { id: "TT401", name: "obfuscated-string", category: Category::Obfuscation, severity: Severity::Medium }
}

/// More than this per file says little more; the first ones locate the technique.
const MAX_PER_FILE: usize = 20;

impl Rule for ObfuscatedString {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, f: &FileFacts, out: &mut Vec<RawFinding>) {
        for o in f.obfuscations.iter().take(MAX_PER_FILE) {
            let mut r = RawFinding::new(
                &Self::META,
                o.span,
                format!(
                    "hides {:?} with {}",
                    o.decoded.chars().take(80).collect::<String>(),
                    o.technique
                ),
            );
            r.evidence.push(o.decoded.clone());
            r.evidence.push(o.provenance.clone());
            out.push(r);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::fixture::{facts, run};
    use telltale_facts::{ObfuscationFact, Span};

    #[test]
    fn decoded_value_and_provenance_are_evidence() {
        let mut f = facts();
        assert!(run(&ObfuscatedString, &f).is_empty());
        let provenance = "base64 → literal at 1:22".to_string();
        f.obfuscations.push(ObfuscationFact {
            technique: "base64".into(),
            decoded: "russia".into(),
            span: Span::new(0, 1),
            provenance: provenance.clone(),
            origin: Some(Span::new(21, 31)),
        });
        let out = run(&ObfuscatedString, &f);
        assert_eq!(out[0].evidence, vec!["russia".to_string(), provenance]);
    }
}
