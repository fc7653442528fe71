//! What shell names mean: identity variables, sensitive files, hosts.

use telltale_facts::DataKind;
use telltale_knowledge::{js_api::js_api, vendors};

/// Stands for a part of a word whose value is not known statically.
pub(crate) const DYN: char = '\u{1}';

/// The identity or region data an environment variable holds: the knowledge catalog's
/// names, plus what only a shell sees (`$PWD`, npm's `$INIT_CWD`, lower-case npm config).
pub(crate) fn env_kind(name: &str) -> Option<DataKind> {
    if matches!(name, "PWD" | "OLDPWD" | "INIT_CWD") {
        return Some(DataKind::WorkingDirectory);
    }
    if let Some(k) = js_api()
        .env_var(name)
        .filter(|k| k.is_identity() || k.is_region())
    {
        return Some(k);
    }
    // The catalog judges upper-case names; npm also exports config in lower case.
    (name != name.to_ascii_uppercase() && is_secret_name(name)).then_some(DataKind::SecretEnv)
}

/// `NPM_TOKEN`, `GITHUB_TOKEN`, `AWS_SECRET_ACCESS_KEY`, `npm_config__authToken`, …
fn is_secret_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    // npm exports package.json fields as npm_package_*: metadata, not secrets.
    if lower.starts_with("npm_package_") || lower.starts_with("npm_lifecycle") {
        return false;
    }
    let u = name.to_ascii_uppercase();
    [
        "TOKEN",
        "SECRET",
        "PASSWORD",
        "PASSWD",
        "API_KEY",
        "APIKEY",
        "ACCESS_KEY",
        "PRIVATE_KEY",
        "CREDENTIAL",
    ]
    .iter()
    .any(|p| telltale_knowledge::credentials::ends_a_word(&u, p))
        || u.ends_with("_AUTH")
        || u.contains("_AUTH_")
        || u.starts_with("AUTH_")
        || u.ends_with("_PAT")
}

/// Rewrites a path so that home-directory spellings (`$HOME`, `/root`, `/home/x`,
/// `/Users/x`) all read `~/…`.
pub(crate) fn normalize_home(path: &str) -> String {
    let p = path.trim();
    for prefix in ["/home/", "/Users/"] {
        if let Some(rest) = p.strip_prefix(prefix) {
            if let Some(i) = rest.find('/') {
                return format!("~{}", &rest[i..]);
            }
        }
    }
    if let Some(rest) = p.strip_prefix("/root/") {
        return format!("~/{rest}");
    }
    p.to_string()
}

/// The identity data a file holds, and the path as a report shows it: the rules below, then
/// the knowledge catalog's sensitive files.
pub(crate) fn classify_path(path: &str) -> Option<(DataKind, String)> {
    if path.is_empty() {
        return None;
    }
    let norm = normalize_home(path);
    let shown = norm.replace(DYN, "*");
    let l = norm.to_ascii_lowercase();
    let base = l.rsplit('/').next().unwrap_or("");
    let kind =
        if l.contains("/.ssh/") || l.starts_with(".ssh/") || l.ends_with("/.ssh") || l == ".ssh" {
            DataKind::SshKey
        } else if base == ".npmrc" || base == ".yarnrc" || base == ".yarnrc.yml" {
            // A package's own .npmrc sits next to package.json: only a user-level one holds tokens.
            if !(l.starts_with('~') || l.starts_with('/') || l.starts_with(DYN)) {
                return None;
            }
            DataKind::NpmToken
        } else if base == ".gitconfig" || l.ends_with(".config/git/config") {
            DataKind::GitConfig
        } else if l.ends_with(".git/config") {
            // A repository's own config: its remotes' addresses name the project.
            DataKind::RepositoryUrl
        } else if l == "/etc/machine-id"
            || l == "/var/lib/dbus/machine-id"
            || l == "/etc/hostid"
            || l.starts_with("/sys/class/dmi/id/product_uuid")
            || l.starts_with("/sys/class/dmi/id/product_serial")
        {
            DataKind::MachineId
        } else if l == "/etc/hostname" || l == "/proc/sys/kernel/hostname" {
            DataKind::Hostname
        } else if l == "/etc/os-release"
            || l == "/usr/lib/os-release"
            || l == "/etc/issue"
            || l == "/etc/lsb-release"
            || l == "/proc/version"
            || (l.starts_with("/etc/") && l.ends_with("-release"))
        {
            DataKind::OsRelease
        } else if l == "/etc/passwd" {
            DataKind::Username
        } else if l.starts_with("/proc/") && l.ends_with("/environ") {
            DataKind::WholeEnvironment
        } else if l.starts_with("/sys/class/net/") || l.starts_with("/proc/net/") {
            DataKind::NetworkInterfaces
        } else if l == "/proc/cpuinfo" {
            DataKind::CpuInfo
        } else if l.contains(".aws/credentials")
            || l.contains(".docker/config.json")
            || l.contains(".kube/config")
            || l.contains(".config/gcloud/")
            || l.contains(".config/gh/hosts.yml")
            || l.contains(".azure/accesstokens.json")
            || l.contains(".azure/msal_token_cache")
            || base == ".git-credentials"
            || base == ".netrc"
            || base == "_netrc"
            || base == ".pypirc"
            || is_browser_or_wallet_store(&l, base)
        {
            DataKind::StoredCredentials
        } else {
            js_api().sensitive_file(&norm.replace('~', "*"))?
        };
    Some((kind, shown))
}

/// A browser's saved passwords and cookies, a keychain, or a cryptocurrency wallet (`l`
/// and `base`, its last part, lower case): what stealers read.
fn is_browser_or_wallet_store(l: &str, base: &str) -> bool {
    // Chromium profiles (`…/Google/Chrome/User Data/Default/Login Data`) and Firefox's.
    let browser_profile = l.contains("/user data/")
        || l.contains("/google/chrome/")
        || l.contains("/google-chrome/")
        || l.contains("/chromium/")
        || l.contains("/bravesoftware/")
        || l.contains("/microsoft/edge/")
        || l.contains("/firefox/")
        || l.contains("/.mozilla/");
    let browser_store = matches!(
        base,
        "login data"
            | "cookies"
            | "local state"
            | "web data"
            | "logins.json"
            | "key4.db"
            | "cookies.sqlite"
    );
    (browser_profile && browser_store)
        || l.contains("/library/keychains/")
        || base.ends_with(".keychain-db")
        || base == "wallet.dat"
        || l.contains("/.electrum/wallets")
        || l.contains("/.ethereum/keystore")
        || l.contains("/exodus/exodus.wallet")
        || l.contains("/solana/id.json")
        // MetaMask's extension storage.
        || l.contains("nkbihfbeogaeaoehlefnkodbefgpgknn")
}

/// Hosts that answer with cloud instance metadata (and credentials).
pub(crate) fn is_metadata_host(host: &str) -> bool {
    vendors::is_cloud_metadata_host(host.trim_start_matches('[').trim_end_matches(']'))
        || host == "metadata"
}

fn is_ipv4(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() == 4
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()))
}

/// A host name or IP address worth reporting.
pub(crate) fn valid_host(s: &str) -> bool {
    if s.is_empty() || s.len() > 253 {
        return false;
    }
    if s.starts_with('[') && s.ends_with(']') {
        return s.len() > 2
            && s[1..s.len() - 1]
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.');
    }
    if is_ipv4(s) {
        return true;
    }
    if s == "localhost" {
        return true;
    }
    if !s
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_')
    {
        return false;
    }
    let labels: Vec<&str> = s.split('.').collect();
    if labels.len() < 2 || labels.iter().any(|l| l.is_empty() || l.len() > 63) {
        return false;
    }
    let tld = labels[labels.len() - 1];
    (tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic())) || tld.starts_with("xn--")
}

/// The static host in a DNS name whose leading labels may be dynamic:
/// `<DYN>.robotnowai.top` → `robotnowai.top`.
pub(crate) fn host_of_name(name: &str) -> Option<String> {
    let mut s = name.trim();
    if let Some(i) = s.rfind(DYN) {
        let tail = &s[i + DYN.len_utf8()..];
        s = if let Some(t) = tail.strip_prefix('.') {
            t
        } else {
            // The dynamic part ends inside a label: that label is not static.
            let d = tail.find('.')?;
            &tail[d + 1..]
        };
    }
    let s = s.trim_start_matches(['.', '-']).trim_end_matches('.');
    let h = s.to_ascii_lowercase();
    valid_host(&h).then_some(h)
}

const FILE_EXTENSIONS: &[&str] = &[
    "tgz", "gz", "tar", "zip", "js", "cjs", "mjs", "json", "sh", "py", "txt", "md", "exe", "bin",
    "xz", "bz2", "zst", "whl", "jar", "so", "dll", "node",
];

/// The host of a URL (or of a scheme-less `host/path`, as curl accepts).
pub(crate) fn url_host(text: &str) -> Option<String> {
    let t = text.trim();
    let rest = match t.find("://") {
        Some(i) => &t[i + 3..],
        None => {
            // Without a scheme, `x.tgz` is more likely a file than a host.
            let ext = t.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
            if !t.contains('/') && FILE_EXTENSIONS.contains(&ext.as_str()) {
                return None;
            }
            t
        }
    };
    let auth_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let mut auth = &rest[..auth_end];
    if let Some(at) = auth.rfind('@') {
        auth = &auth[at + 1..];
    }
    if auth.starts_with('[') {
        let close = auth.find(']')?;
        let h = &auth[..=close];
        return valid_host(h).then(|| h.to_ascii_lowercase());
    }
    if let Some(c) = auth.rfind(':') {
        if auth[c + 1..]
            .chars()
            .all(|ch| ch.is_ascii_digit() || ch == DYN)
        {
            auth = &auth[..c];
        }
    }
    host_of_name(auth)
}

/// The last path segment of a URL (what `curl -O` / `wget` name the downloaded file).
pub(crate) fn url_file_name(text: &str) -> Option<String> {
    let t = text.split(['?', '#']).next().unwrap_or("");
    let rest = match t.find("://") {
        Some(i) => &t[i + 3..],
        None => t,
    };
    let path = &rest[rest.find('/')? + 1..];
    let name = path.rsplit('/').next()?;
    (!name.is_empty() && !name.contains(DYN)).then(|| name.to_string())
}

/// Which language a script file is, for `./x` style runs.
pub(crate) fn interpreter_for_path(path: &str) -> &'static str {
    let l = path.to_ascii_lowercase();
    if l.ends_with(".js") || l.ends_with(".cjs") || l.ends_with(".mjs") {
        "node"
    } else if l.ends_with(".py") {
        "python"
    } else if l.ends_with(".pl") {
        "perl"
    } else if l.ends_with(".rb") {
        "ruby"
    } else {
        "sh"
    }
}

/// Interpreters whose program can come from a file, an argument or stdin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Interp {
    Node,
    Sh,
    Python,
    Perl,
    Ruby,
}

impl Interp {
    pub fn of(name: &str) -> Option<Interp> {
        Some(match name {
            "node" | "nodejs" | "ts-node" | "tsx" | "babel-node" => Interp::Node,
            "sh" | "bash" | "zsh" | "dash" | "ksh" | "ash" | "mksh" | "busybox" => Interp::Sh,
            "perl" => Interp::Perl,
            "ruby" => Interp::Ruby,
            _ if name == "python"
                || name.starts_with("python2")
                || name.starts_with("python3")
                || name == "pypy"
                || name == "pypy3" =>
            {
                Interp::Python
            }
            _ => return None,
        })
    }

    /// The normalised interpreter name in [`crate::RunRef`] and [`crate::InlineCode`].
    pub fn name(self) -> &'static str {
        match self {
            Interp::Node => "node",
            Interp::Sh => "sh",
            Interp::Python => "python",
            Interp::Perl => "perl",
            Interp::Ruby => "ruby",
        }
    }
}

/// Decodes C-style escapes as `printf` and `echo -e` do (`\x63`, `\143`, `\n`).
pub(crate) fn unescape_c(s: &str) -> String {
    let b = s.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' || i + 1 >= b.len() {
            out.push(b[i]);
            i += 1;
            continue;
        }
        let e = b[i + 1];
        i += 2;
        match e {
            b'n' => out.push(b'\n'),
            b't' => out.push(b'\t'),
            b'r' => out.push(b'\r'),
            b'\\' => out.push(b'\\'),
            b'x' => {
                let mut v = 0u32;
                let mut n = 0;
                while n < 2 && i < b.len() && (b[i] as char).is_ascii_hexdigit() {
                    v = v * 16 + (b[i] as char).to_digit(16).unwrap_or(0);
                    i += 1;
                    n += 1;
                }
                if n == 0 {
                    out.extend_from_slice(b"\\x");
                } else {
                    out.push(v as u8);
                }
            }
            b'0'..=b'7' => {
                let mut v = (e - b'0') as u32;
                let mut n = 1;
                while n < 4 && i < b.len() && (b'0'..=b'7').contains(&b[i]) {
                    v = v * 8 + (b[i] - b'0') as u32;
                    i += 1;
                    n += 1;
                }
                out.push(v as u8);
            }
            other => {
                out.push(b'\\');
                out.push(other);
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        assert_eq!(
            host_of_name("\u{1}.robotnowai.top").as_deref(),
            Some("robotnowai.top")
        );
        assert_eq!(
            host_of_name("\u{1}.\u{1}.attacker.com").as_deref(),
            Some("attacker.com")
        );
        assert_eq!(
            host_of_name("a\u{1}b.x.oast.fun").as_deref(),
            Some("x.oast.fun")
        );
        assert_eq!(host_of_name("\u{1}.com"), None);
        assert_eq!(
            url_host("https://user@Example.COM:8443/p?q").as_deref(),
            Some("example.com")
        );
        assert_eq!(url_host("http://1.2.3.4/").as_deref(), Some("1.2.3.4"));
        assert_eq!(url_host("https://\u{1}"), None);
        assert_eq!(url_host("x.tgz"), None);
        assert_eq!(
            url_file_name("https://a.b/c/install.sh?x=1").as_deref(),
            Some("install.sh")
        );
    }

    #[test]
    fn paths() {
        assert_eq!(
            classify_path("~/.ssh/id_rsa.pub").map(|p| p.0),
            Some(DataKind::SshKey)
        );
        assert_eq!(
            classify_path("/home/bob/.npmrc").map(|p| p.0),
            Some(DataKind::NpmToken)
        );
        assert_eq!(classify_path(".npmrc"), None);
        assert_eq!(
            classify_path("/etc/machine-id").map(|p| p.0),
            Some(DataKind::MachineId)
        );
        assert_eq!(classify_path("scripts/x.js"), None);
    }

    #[test]
    fn escapes() {
        assert_eq!(unescape_c("\\x63\\165rl"), "curl");
    }
}
