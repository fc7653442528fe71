//! Fingerprints: what a finding means, as a key that survives line moves, rebuilt bundles and
//! new versions. SARIF's `partialFingerprints`, baselines and `telltale diff` all match
//! findings by it, so a finding accepted once stays accepted while it means the same thing.
//!
//! The key is the rule, the package's name (not its version), the file with build hashes
//! taken out of its name, and what the finding is about: its countries and endpoints, and
//! its first piece of evidence with positions removed. Findings that mean the same thing are
//! told apart by their order in the file (`…:0`, `…:1`).

use crate::TargetReport;
use std::collections::HashMap;
use telltale_rules::{Category, Finding};

/// The fingerprint scheme's name in SARIF `partialFingerprints`.
pub const SCHEME: &str = "telltale/v1";

/// What a finding means, in words (hashed into the fingerprint).
pub fn meaning_key(package: Option<&str>, f: &Finding) -> String {
    let mut key = format!(
        "{}|{}|{}",
        f.rule,
        package.unwrap_or(""),
        stable_file(&f.file)
    );
    key.push('|');
    key.push_str(&f.countries.join(","));
    key.push('|');
    key.push_str(&f.endpoints.join(","));
    // A region finding's evidence lists every zone compared; a new zone in the list is the
    // same targeting, so its key is the countries alone.
    if f.category != Category::Region {
        if let Some(e) = f.evidence.first() {
            key.push('|');
            key.push_str(&without_positions(e));
        }
    }
    key
}

/// Give every finding of every target its fingerprint.
pub fn assign(targets: &mut [TargetReport]) {
    for t in targets {
        let mut seen: HashMap<u64, u32> = HashMap::new();
        // Occurrences count in file order, whatever order the report lists findings in.
        let mut order: Vec<usize> = (0..t.findings.len()).collect();
        order.sort_by(|&a, &b| {
            (&t.findings[a].file, t.findings[a].offset)
                .cmp(&(&t.findings[b].file, t.findings[b].offset))
        });
        for i in order {
            let hash = fnv1a(meaning_key(t.package.as_deref(), &t.findings[i]).as_bytes());
            let n = seen.entry(hash).or_insert(0);
            t.findings[i].fingerprint = format!("{hash:016x}:{n}");
            *n += 1;
        }
    }
}

/// A file path without what changes on every build: hex hashes in bundle names
/// (`chunk-3f9a1c2b.js` → `chunk-#.js`).
fn stable_file(file: &str) -> String {
    let mut out = String::with_capacity(file.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.len() >= 8 && run.chars().any(|c| c.is_ascii_digit()) {
            out.push('#');
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in file.chars() {
        if c.is_ascii_hexdigit() {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// Evidence text without the positions it cites (`literal at 3:1042`, `at byte 5120`,
/// `file.js:12:3`), which move whenever code is added above.
fn without_positions(evidence: &str) -> String {
    let mut out = String::with_capacity(evidence.len());
    let bytes = evidence.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        // `:12` or `:12:3` after a name, and bare numbers after "at " or "byte ".
        let after_marker = out.ends_with(':') || out.ends_with("at ") || out.ends_with("byte ");
        if bytes[i].is_ascii_digit() && after_marker {
            while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b':') {
                i += 1;
            }
            out.push('#');
            continue;
        }
        let ch = evidence[i..].chars().next().unwrap_or(' ');
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

/// 64-bit FNV-1a: tiny, and the same on every platform and release (unlike std's hasher).
/// Also the hash of probe fingerprints, persona seeds and the store's rule-set key.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_hashes_and_positions_do_not_change_the_key() {
        assert_eq!(stable_file("dist/chunk-3f9a1c2b.js"), "dist/chunk-#.js");
        assert_eq!(stable_file("package/deadbeef.js"), "package/deadbeef.js");
        assert_eq!(stable_file("lib/index.js"), "lib/index.js");
        assert_eq!(
            without_positions("api.x.io: base64 → literal at 3:1042"),
            "api.x.io: base64 → literal at #"
        );
        assert_eq!(
            without_positions("sent at byte 5120 by fetch"),
            "sent at byte # by fetch"
        );
        assert_eq!(without_positions("os.hostname()"), "os.hostname()");
    }

    #[test]
    fn fnv_is_the_published_function() {
        assert_eq!(fnv1a(b""), 0xcbf29ce484222325);
        assert_eq!(fnv1a(b"a"), 0xaf63dc4c8601ec8c);
    }
}
