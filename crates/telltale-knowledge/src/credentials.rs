//! Credentials as requests use them (`data/credentials.toml`): the positions that hold a
//! request's credentials, and whether a host is one a credential belongs to.

use serde::Deserialize;
use std::collections::HashMap;
use std::sync::LazyLock;

#[derive(Deserialize)]
struct Raw {
    #[allow(dead_code)]
    source: String,
    auth_keys: Vec<String>,
    credential_endpoints: Vec<String>,
    services: HashMap<String, Vec<String>>,
}

static CREDENTIALS: LazyLock<Raw> = LazyLock::new(|| {
    toml::from_str(include_str!("../data/credentials.toml"))
        .expect("data/credentials.toml is valid")
});

/// The position of credentials written into a URL before its host
/// (`https://user:${token}@api.github.com/`): basic auth.
pub const URL_USERINFO: &str = "url userinfo";

/// How many of a URL's pieces are its user information, when the URL is written as text
/// around values (`literals` are the text between them: one more than the values) and the
/// values come before the `@` of its authority (`https://x-access-token:${token}@host/`).
/// Zero for any other shape.
pub fn userinfo_values<S: AsRef<str>>(literals: &[S]) -> usize {
    let Some(first) = literals.first().map(AsRef::as_ref) else {
        return 0;
    };
    let Some(after_scheme) = ["https://", "http://", "wss://", "ws://"]
        .iter()
        .find_map(|p| first.strip_prefix(p))
    else {
        return 0;
    };
    if after_scheme.contains(['/', '?', '#', '@']) {
        return 0;
    }
    // The value pieces up to the literal that holds the authority's `@`.
    for (i, lit) in literals.iter().map(AsRef::as_ref).enumerate().skip(1) {
        let end = lit.find(['/', '?', '#']).unwrap_or(lit.len());
        if lit[..end].contains('@') {
            return i;
        }
        if end < lit.len() {
            return 0;
        }
    }
    0
}

/// Whether an object key or header name holds a request's credentials (`Authorization`,
/// `x-api-key`, `PRIVATE-TOKEN`, the `auth` option). Called for every object key of a bundle:
/// no allocation.
pub fn is_auth_key(key: &str) -> bool {
    let key = key.trim();
    if key.len() < 4 || key.len() > 32 {
        return false;
    }
    let fold = |b: u8| {
        if b == b'_' {
            b'-'
        } else {
            b.to_ascii_lowercase()
        }
    };
    CREDENTIALS
        .auth_keys
        .iter()
        .any(|a| a.len() == key.len() && a.bytes().zip(key.bytes()).all(|(x, y)| x == fold(y)))
}

/// How an auth key reads in a report: header names are written with dashes or are the
/// standard ones (`Authorization header`); client options are identifiers (`apiKey option`).
pub fn position_of(key: &str) -> String {
    if key == URL_USERINFO {
        return "user name and password of the URL (basic auth)".to_string();
    }
    let header = key.contains('-')
        || key.eq_ignore_ascii_case("authorization")
        || key.eq_ignore_ascii_case("proxy-authorization");
    if header {
        format!("{key} header")
    } else {
        format!("{key} option")
    }
}

/// Words of a credential's name that may name its service (`GH_ENTERPRISE_TOKEN` → gh,
/// enterprise): the name split at `_`, `-` and `.`, generic words left out.
fn service_words(name: &str) -> Vec<String> {
    const GENERIC: &[&str] = &[
        "token",
        "key",
        "api",
        "secret",
        "auth",
        "access",
        "personal",
        "pat",
        "password",
        "pass",
        "env",
        "process",
        "container",
        "authorization",
        "client",
        "id",
        "private",
        "bearer",
        "session",
        "credentials",
        "credential",
        "oauth",
        "app",
        "installation",
        "enterprise",
    ];
    name.rsplit(['.', '['])
        .next()
        .unwrap_or(name)
        .split(['_', '-', '.'])
        .map(|w| {
            w.trim_matches(|c: char| !c.is_ascii_alphanumeric())
                .to_ascii_lowercase()
        })
        .filter(|w| w.len() >= 2 && !GENERIC.contains(&w.as_str()))
        .collect()
}

/// Whether `host` is an address a credential named `secret` (`process.env.GITHUB_TOKEN`)
/// belongs to: a cloud credential endpoint, a host whose labels contain a word of the name
/// (api.github.com for GITHUB_TOKEN), or a host listed for that word.
pub fn belongs_to(secret: &str, host: &str) -> bool {
    let host = host.trim().trim_end_matches('.').to_ascii_lowercase();
    if CREDENTIALS.credential_endpoints.contains(&host) {
        return true;
    }
    let labels: Vec<&str> = host.split('.').collect();
    service_words(secret).iter().any(|w| {
        labels.iter().any(|l| l == w)
            || CREDENTIALS.services.get(w).is_some_and(|hosts| {
                hosts
                    .iter()
                    .any(|h| host == *h || host.ends_with(&format!(".{h}")))
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_before_the_host_are_the_urls_user_information() {
        assert_eq!(
            userinfo_values(&["https://x-access-token:", "@api.github.com/user"]),
            1
        );
        assert_eq!(userinfo_values(&["https://", ":", "@c6.x.top/a"]), 2);
        assert_eq!(userinfo_values(&["https://api.github.com/users/", ""]), 0);
        assert_eq!(userinfo_values(&["https://", "/repos?q=a@b"]), 0);
        assert_eq!(userinfo_values(&["", "@x.top"]), 0);
        assert_eq!(userinfo_values(&["mailto:", "@x.top"]), 0);
    }

    #[test]
    fn auth_positions() {
        for k in [
            "Authorization",
            "authorization",
            "x-api-key",
            "X_API_KEY",
            "PRIVATE-TOKEN",
            "auth",
        ] {
            assert!(is_auth_key(k), "{k}");
        }
        for k in [
            "body",
            "data",
            "token_type",
            "Content-Type",
            "user",
            "headers",
        ] {
            assert!(!is_auth_key(k), "{k}");
        }
    }

    #[test]
    fn services_of_credentials() {
        assert!(belongs_to("process.env.GITHUB_TOKEN", "api.github.com"));
        assert!(belongs_to("process.env.GH_TOKEN", "api.github.com"));
        assert!(belongs_to(
            "process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN",
            "169.254.170.2"
        ));
        assert!(belongs_to(
            "process.env.ANTHROPIC_API_KEY",
            "api.anthropic.com"
        ));
        assert!(belongs_to("process.env.NPM_TOKEN", "registry.npmjs.org"));
        assert!(!belongs_to("process.env.NPM_TOKEN", "x.robotnowai.top"));
        assert!(!belongs_to("process.env.GITHUB_TOKEN", "webhook.site"));
        assert!(!belongs_to("process.env.API_KEY", "evil.example.com"));
    }
}

/// Whether the upper-case variable name `name` has `word` (`TOKEN`, `API_KEY`) at the end of
/// one of its `_`-separated words: `GITHUB_TOKEN`, `NPM_AUTHTOKEN`, `OPENAI_API_KEY_2`, but
/// not `TOKENIZERS_PARALLELISM` or `DISABLE_COAUTHOR_TRAILER`, whose word only starts or holds
/// it.
pub fn ends_a_word(name: &str, word: &str) -> bool {
    name.match_indices(word).any(|(i, _)| {
        let after = &name[i + word.len()..];
        after.is_empty()
            || after.starts_with('_')
            || after.starts_with(|c: char| c.is_ascii_digit())
    })
}

#[cfg(test)]
mod word_tests {
    use super::ends_a_word;

    #[test]
    fn a_secret_word_ends_a_word_of_the_name() {
        for name in [
            "GITHUB_TOKEN",
            "NPM_CONFIG__AUTHTOKEN",
            "OPENAI_API_KEY_2",
            "AWS_SECRET_ACCESS_KEY",
        ] {
            assert!(
                ["TOKEN", "API_KEY", "SECRET"]
                    .iter()
                    .any(|w| ends_a_word(name, w)),
                "{name}"
            );
        }
        for name in [
            "TOKENIZERS_PARALLELISM",
            "AMP_DISABLE_AMP_COAUTHOR_TRAILER",
            "GIT_AUTHOR_NAME",
        ] {
            assert!(
                !["TOKEN", "AUTH"].iter().any(|w| ends_a_word(name, w)),
                "{name}"
            );
        }
    }
}
