//! Finds honey values (fake secrets planted in the sandbox) in what was sent.
//!
//! Trackers rarely send a user name in the clear: they base64 it together
//! with the home directory and CPU model, hex it, percent-encode it into a
//! query string, or split it over DNS labels. Each text of each event is
//! therefore looked at through several decoded views: plain, URL-decoded,
//! JSON-unescaped, base64 (every run of base64 characters at all four
//! alignments, both alphabets, so a value inside a longer encoded string is
//! found too), hex (both alignments), URL-decoded-then-base64, and for DNS
//! the name without its dots. Matching is ASCII case-insensitive, because
//! resolvers lowercase names. Work per text is linear in its (capped) size
//! times the number of honey values.

use std::collections::HashSet;

use crate::NetEvent;

/// Honey values shorter than this are ignored: they would match by chance.
const MIN_LEN: usize = 6;
/// Text looked at per channel; event texts are capped long before this.
const MAX_TEXT: usize = 4 << 20;
/// Shortest run decoded as base64 or hex.
const MIN_RUN: usize = 8;

/// A fake secret planted in the sandbox.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct Honey {
    /// "hostname", "username", "git-email", "npm-token", "ssh-key", "machine-id", "aws-key", …
    pub kind: String,
    /// The planted value.
    pub value: String,
}

/// A honey value found in the network traffic.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct Leak {
    /// The honey's kind.
    pub kind: String,
    /// The honey's value.
    pub value: String,
    /// How it was encoded: "plain", "base64", "hex", "url", "json", "url+base64", "dns-labels".
    pub encoding: String,
    /// Index into the events slice.
    pub event: usize,
    /// The host the event points at, if any.
    pub host: Option<String>,
    /// Where in the event: "dns query", "tls sni", "http request line", "http header NAME", "http body", "raw tcp".
    pub channel: String,
}

/// One text of an event to search, and what a plain hit in it is called.
struct Text<'a> {
    channel: String,
    text: &'a str,
    plain: &'static str,
}

fn texts(ev: &NetEvent) -> Vec<Text<'_>> {
    let t = |channel: &str, text, plain| Text {
        channel: channel.to_string(),
        text,
        plain,
    };
    match ev {
        NetEvent::Dns { name, .. } => vec![
            t("dns query", name, "plain"),
            t("dns query", name, "dns-labels"),
        ],
        NetEvent::Connection { sni, .. } => sni
            .iter()
            .flat_map(|s| [t("tls sni", s, "plain"), t("tls sni", s, "dns-labels")])
            .collect(),
        NetEvent::Http {
            path,
            headers,
            body,
            host,
            ..
        } => {
            let mut v = vec![t("http request line", path, "plain")];
            if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
                v.push(t("http header Host", host, "plain"));
            }
            for (k, val) in headers {
                v.push(Text {
                    channel: format!("http header {k}"),
                    text: val,
                    plain: "plain",
                });
            }
            v.push(t("http body", body, "plain"));
            v
        }
        NetEvent::Raw { text, .. } => vec![t("raw tcp", text, "plain")],
    }
}

/// Finds every honey value in every event, once per (kind, value, encoding, event).
pub fn find_leaks(events: &[NetEvent], honey: &[Honey]) -> Vec<Leak> {
    let needles: Vec<(&Honey, Vec<u8>)> = honey
        .iter()
        .filter(|h| h.value.len() >= MIN_LEN)
        .map(|h| (h, h.value.as_bytes().to_ascii_lowercase()))
        .collect();
    let mut out = Vec::new();
    if needles.is_empty() {
        return out;
    }
    let mut seen: HashSet<(usize, usize, &'static str)> = HashSet::new();
    for (idx, ev) in events.iter().enumerate() {
        for text in texts(ev) {
            let raw = text.text.as_bytes();
            let raw = &raw[..raw.len().min(MAX_TEXT)];
            let views = views(raw, text.plain);
            for (ni, (h, needle)) in needles.iter().enumerate() {
                for (encoding, view) in &views {
                    // Views that keep the plain text too only count when the plain search found nothing.
                    let covered_by = match *encoding {
                        "url" | "json" | "dns-labels" => Some("plain"),
                        "url+base64" => Some("base64"),
                        _ => None,
                    };
                    if covered_by.is_some_and(|c| seen.contains(&(idx, ni, c)))
                        || seen.contains(&(idx, ni, encoding))
                    {
                        continue;
                    }
                    if contains(view, needle) {
                        seen.insert((idx, ni, encoding));
                        out.push(Leak {
                            kind: h.kind.clone(),
                            value: h.value.clone(),
                            encoding: (*encoding).to_string(),
                            event: idx,
                            host: ev.host().map(str::to_string),
                            channel: text.channel.clone(),
                        });
                    }
                }
            }
        }
    }
    out
}

/// The decoded views of one text, each ASCII-lowercased.
fn views(raw: &[u8], plain: &'static str) -> Vec<(&'static str, Vec<u8>)> {
    let mut v: Vec<(&'static str, Vec<u8>)> = Vec::new();
    if plain == "dns-labels" {
        let dotless: Vec<u8> = raw.iter().copied().filter(|&b| b != b'.').collect();
        if dotless.len() != raw.len() {
            v.push(("base64", base64_runs(&dotless)));
            v.push(("hex", hex_runs(&dotless)));
            v.push(("dns-labels", dotless));
        }
    } else {
        v.push(("plain", raw.to_vec()));
        v.push(("base64", base64_runs(raw)));
        v.push(("hex", hex_runs(raw)));
        if raw.iter().any(|&b| b == b'%' || b == b'+') {
            let u = url_decode(raw);
            v.push(("url+base64", base64_runs(&u)));
            v.push(("url", u));
        }
        if raw.contains(&b'\\') {
            v.push(("json", json_unescape(raw)));
        }
    }
    for (_, b) in &mut v {
        b.make_ascii_lowercase();
    }
    v.retain(|(_, b)| !b.is_empty());
    v
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    let Some((&first, rest)) = needle.split_first() else {
        return false;
    };
    if hay.len() < needle.len() {
        return false;
    }
    let last_start = hay.len() - needle.len();
    let mut i = 0;
    while i <= last_start {
        match hay[i..=last_start].iter().position(|&b| b == first) {
            None => return false,
            Some(p) => {
                i += p;
                if &hay[i + 1..i + needle.len()] == rest {
                    return true;
                }
                i += 1;
            }
        }
    }
    false
}

fn b64_value(b: u8) -> Option<u32> {
    Some(u32::from(match b {
        b'A'..=b'Z' => b - b'A',
        b'a'..=b'z' => b - b'a' + 26,
        b'0'..=b'9' => b - b'0' + 52,
        b'+' | b'-' => 62,
        b'/' | b'_' => 63,
        _ => return None,
    }))
}

/// Maximal runs of at least `MIN_RUN` bytes accepted by `is`.
fn runs(raw: &[u8], is: impl Fn(u8) -> bool) -> impl Iterator<Item = &[u8]> {
    raw.split(move |&b| !is(b)).filter(|r| r.len() >= MIN_RUN)
}

/// Every base64 run decoded at each of the 4 alignments, NUL-separated.
fn base64_runs(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for run in runs(raw, |b| b64_value(b).is_some()) {
        for align in 0..4 {
            for group in run[align..].chunks(4) {
                let mut acc = 0u32;
                for &c in group {
                    acc = (acc << 6) | b64_value(c).unwrap_or(0);
                }
                let bytes = acc.to_be_bytes();
                match group.len() {
                    4 => out.extend_from_slice(&bytes[1..4]),
                    3 => out.extend_from_slice(&(acc << 6).to_be_bytes()[1..3]),
                    2 => out.push((acc >> 4) as u8),
                    _ => {}
                }
            }
            out.push(0);
        }
    }
    out
}

/// Every hex run decoded at both alignments, NUL-separated.
fn hex_runs(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for run in runs(raw, |b| b.is_ascii_hexdigit()) {
        for align in 0..2 {
            for pair in run[align..].chunks_exact(2) {
                out.push((hex_digit(pair[0]) << 4) | hex_digit(pair[1]));
            }
            out.push(0);
        }
    }
    out
}

fn hex_digit(b: u8) -> u8 {
    match b {
        b'0'..=b'9' => b - b'0',
        b'a'..=b'f' => b - b'a' + 10,
        b'A'..=b'F' => b - b'A' + 10,
        _ => 0,
    }
}

/// Percent-decoding, `+` as space; malformed escapes kept as they are.
fn url_decode(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'%' if raw.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && raw.get(i + 2).is_some_and(u8::is_ascii_hexdigit) =>
            {
                out.push((hex_digit(raw[i + 1]) << 4) | hex_digit(raw[i + 2]));
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

/// JSON string escapes (`\uXXXX` with surrogate pairs, `\/`, `\n`, …); unknown ones kept.
fn json_unescape(raw: &[u8]) -> Vec<u8> {
    let hex4 = |s: &[u8]| -> Option<u32> {
        let s = std::str::from_utf8(s.get(..4)?).ok()?;
        u32::from_str_radix(s, 16).ok()
    };
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] != b'\\' || i + 1 >= raw.len() {
            out.push(raw[i]);
            i += 1;
            continue;
        }
        let simple = match raw[i + 1] {
            b'/' => Some(b'/'),
            b'\\' => Some(b'\\'),
            b'"' => Some(b'"'),
            b'n' => Some(b'\n'),
            b't' => Some(b'\t'),
            b'r' => Some(b'\r'),
            b'b' => Some(8),
            b'f' => Some(12),
            _ => None,
        };
        if let Some(c) = simple {
            out.push(c);
            i += 2;
            continue;
        }
        if raw[i + 1] == b'u' {
            if let Some(hi) = raw.get(i + 2..).and_then(hex4) {
                let mut code = hi;
                let mut used = 6;
                if (0xD800..0xDC00).contains(&hi) && raw.get(i + 6..i + 8) == Some(b"\\u") {
                    if let Some(lo) = raw
                        .get(i + 8..)
                        .and_then(hex4)
                        .filter(|lo| (0xDC00..0xE000).contains(lo))
                    {
                        code = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                        used = 12;
                    }
                }
                let ch = char::from_u32(code).unwrap_or('\u{FFFD}');
                let mut tmp = [0u8; 4];
                out.extend_from_slice(ch.encode_utf8(&mut tmp).as_bytes());
                i += used;
                continue;
            }
        }
        out.push(raw[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod unit {
    use super::*;
    use base64::Engine;

    fn honey() -> Vec<Honey> {
        vec![
            Honey {
                kind: "username".into(),
                value: "zhangwei_h7".into(),
            },
            Honey {
                kind: "hostname".into(),
                value: "devbox-4471".into(),
            },
            Honey {
                kind: "short".into(),
                value: "abc12".into(),
            },
        ]
    }

    fn http(path: &str, headers: &[(&str, &str)], body: &str) -> NetEvent {
        NetEvent::Http {
            t_ms: 0,
            port: 80,
            tls: false,
            method: "POST".into(),
            host: "collect.example".into(),
            path: path.into(),
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: body.into(),
            body_bytes: body.len(),
            truncated: false,
            answered: "generic".into(),
        }
    }

    fn dns(name: &str) -> NetEvent {
        NetEvent::Dns {
            t_ms: 0,
            name: name.into(),
            qtype: "A".into(),
            transport: "udp".into(),
        }
    }

    fn found(ev: NetEvent) -> Vec<(String, String, String)> {
        find_leaks(&[ev], &honey())
            .into_iter()
            .map(|l| (l.kind, l.encoding, l.channel))
            .collect()
    }

    fn one(kind: &str, enc: &str, channel: &str) -> Vec<(String, String, String)> {
        vec![(kind.into(), enc.into(), channel.into())]
    }

    #[test]
    fn plain_and_case_insensitive_dns() {
        assert_eq!(
            found(http("/?u=zhangwei_h7", &[], "")),
            one("username", "plain", "http request line")
        );
        assert_eq!(
            found(dns("DEVBOX-4471.t.example.com")),
            one("hostname", "plain", "dns query")
        );
        let l = find_leaks(&[dns("devbox-4471.x.org")], &honey());
        assert_eq!(l[0].host.as_deref(), Some("devbox-4471.x.org"));
        assert_eq!(l[0].event, 0);
    }

    #[test]
    fn base64_inside_longer_string() {
        let blob = "zhangwei_h7/home/zhangwei_h7Intel(R)Xeon";
        for prefix in ["", "x", "xy", "xyz"] {
            let enc = base64::engine::general_purpose::STANDARD.encode(format!("{prefix}{blob}"));
            assert_eq!(
                found(http("/", &[], &format!("{{\"d\":\"{enc}\"}}"))),
                one("username", "base64", "http body"),
                "{prefix}"
            );
            let enc =
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{prefix}{blob}"));
            assert_eq!(
                found(http("/", &[("X-T", &enc)], "")),
                one("username", "base64", "http header X-T")
            );
        }
    }

    #[test]
    fn hex_url_json_and_nested() {
        let hex: String = "id=devbox-4471;"
            .bytes()
            .map(|b| format!("{b:02X}"))
            .collect();
        assert_eq!(
            found(http("/", &[], &hex)),
            one("hostname", "hex", "http body")
        );
        assert_eq!(
            found(http("/?h=dev%62ox-4471", &[], "")),
            one("hostname", "url", "http request line")
        );
        assert_eq!(
            found(http("/", &[], r#"{"u":"zhang\u0077ei_h7"}"#)),
            one("username", "json", "http body")
        );
        let b64 = base64::engine::general_purpose::STANDARD.encode("user=zhangwei_h7>");
        let url: String = b64
            .replace('+', "%2B")
            .replace('/', "%2F")
            .replace('=', "%3D");
        let got = found(http(&format!("/c?d={url}"), &[], ""));
        assert!(
            got.contains(&(
                "username".into(),
                "base64".into(),
                "http request line".into()
            )) || got.contains(&(
                "username".into(),
                "url+base64".into(),
                "http request line".into()
            )),
            "{got:?}"
        );
    }

    #[test]
    fn split_dns_labels_and_hex_labels() {
        assert_eq!(
            found(dns("zhang.wei_h7.x.example.com")),
            one("username", "dns-labels", "dns query")
        );
        let hex: String = "devbox-4471".bytes().map(|b| format!("{b:02x}")).collect();
        let name = format!("{}.{}.t.example.com", &hex[..10], &hex[10..]);
        assert_eq!(found(dns(&name)), one("hostname", "hex", "dns query"));
    }

    #[test]
    fn short_values_and_unrelated_text_are_ignored() {
        assert!(found(http("/abc12", &[], "abc12")).is_empty());
        assert!(found(http(
            "/api/v1/items?page=2",
            &[("User-Agent", "node")],
            "{\"a\":\"SGVsbG8gd29ybGQh\",\"h\":\"deadbeefcafe\"}"
        ))
        .is_empty());
        assert!(found(dns("registry.npmjs.org")).is_empty());
        assert!(find_leaks(&[], &honey()).is_empty());
    }

    #[test]
    fn one_leak_per_encoding_and_event() {
        let ev = http(
            "/?u=zhangwei_h7&v=zhangwei_h7",
            &[("X", "zhangwei_h7")],
            "zhangwei_h7",
        );
        assert_eq!(found(ev).len(), 1);
    }

    #[test]
    fn decoders_do_not_panic_on_edges() {
        for s in [
            "%",
            "%4",
            "%zz",
            "\\",
            "\\u12",
            "\\ud800\\u",
            "\\ud800\\udc00",
        ] {
            let _ = url_decode(s.as_bytes());
            let _ = json_unescape(s.as_bytes());
        }
        assert_eq!(json_unescape(br"\ud83d\ude00"), "😀".as_bytes());
        assert!(!contains(b"ab", b"abc"));
        assert!(contains(b"xxabc", b"abc"));
    }
}
