use crate::Severity;
use crate::{declare_rule, Category, RawFinding, Rule, RuleMeta};
use telltale_facts::FileFacts;

declare_rule! {
    /// ## What it detects
    /// A secret (a token or key from the environment, npm or cloud credentials) placed where a
    /// request carries its credentials — an `Authorization`, `Proxy-Authorization` or API-key
    /// header (`x-api-key`, `PRIVATE-TOKEN`, `x-goog-api-key`, …), the `auth` option,
    /// `headers.set("Authorization", …)` — of a request to the service the secret belongs to
    /// (`GITHUB_TOKEN` to api.github.com, the ECS container token to 169.254.170.2) or to an
    /// address the caller supplies.
    ///
    /// ## Why it matters
    /// This is how tools authenticate, not a leak: the privacy label lists it as "authenticates
    /// with …" so a reader sees which secrets a tool uses and where. The same header sent to a
    /// constant host the secret does not belong to is reported as exfiltration (TT102), as is a
    /// secret in a body, query or DNS name.
    ///
    /// ## Example
    /// ```js
    /// fetch("https://api.github.com/user", {
    ///   headers: { Authorization: `Bearer ${process.env.GITHUB_TOKEN}` },
    /// });
    /// ```
    CredentialUse { id: "TT103", name: "credential-use", category: Category::Identity, severity: Severity::Info }
}

impl Rule for CredentialUse {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, f: &FileFacts, out: &mut Vec<RawFinding>) {
        for u in &f.credential_uses {
            let what: Vec<&str> = u.kinds.iter().map(|k| k.describe()).collect();
            let to = match &u.host {
                Some(h) => format!("to {h}"),
                None => "to the address the caller gives".to_string(),
            };
            let mut r = RawFinding::new(
                &Self::META,
                u.span,
                format!(
                    "authenticates {to} with {} ({}) in the {}",
                    what.join(", "),
                    if u.secret.is_empty() {
                        "a secret"
                    } else {
                        &u.secret
                    },
                    u.position
                ),
            );
            r.evidence = u.steps.iter().map(|s| s.what.clone()).collect();
            r.endpoints = u.host.iter().cloned().collect();
            r.steps = u.steps.clone();
            out.push(r);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::fixture::{facts, run};
    use telltale_facts::{CredentialUseFact, DataKind, Kinds, Span};

    #[test]
    fn no_credential_use_is_quiet() {
        assert!(run(&CredentialUse, &facts()).is_empty());
    }

    #[test]
    fn a_credential_use_is_info_with_its_host() {
        let mut f = facts();
        f.credential_uses.push(CredentialUseFact {
            kinds: Kinds::of(DataKind::SecretEnv),
            secret: "process.env.GITHUB_TOKEN".into(),
            position: "Authorization header".into(),
            host: Some("api.github.com".into()),
            span: Span::new(0, 1),
            steps: vec![],
        });
        let out = run(&CredentialUse, &f);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].severity, Severity::Info);
        assert!(
            out[0].message.contains("api.github.com"),
            "{}",
            out[0].message
        );
        assert!(
            out[0].message.contains("GITHUB_TOKEN"),
            "{}",
            out[0].message
        );
    }
}
