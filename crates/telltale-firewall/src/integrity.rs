//! What the registry published about an artifact's bytes, and the check that the bytes served
//! are those: npm's Subresource-Integrity strings (`sha512-<base64>`, the strongest of several)
//! or its older `shasum` (sha1 hex), PyPI's `sha256` hashes. The firewall serves nothing it
//! could not check, so a lockfile's integrity still matches what the package manager gets.

use base64::Engine as _;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};

/// A digest the registry published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expected {
    Sha512(Vec<u8>),
    Sha256(Vec<u8>),
    Sha1(Vec<u8>),
}

impl Expected {
    /// The strongest digest of an SRI string (`sha1-… sha512-…`); `None` when it names none
    /// this knows or is malformed.
    pub fn from_sri(sri: &str) -> Option<Expected> {
        let b64 = base64::engine::general_purpose::STANDARD;
        let mut best: Option<Expected> = None;
        for part in sri.split_whitespace() {
            let (algo, rest) = part.split_once('-')?;
            // Options after `?` are allowed by the SRI grammar and carry nothing here.
            let digest = b64.decode(rest.split('?').next()?).ok()?;
            let candidate = match (algo, digest.len()) {
                ("sha512", 64) => Expected::Sha512(digest),
                ("sha256", 32) => Expected::Sha256(digest),
                ("sha1", 20) => Expected::Sha1(digest),
                _ => continue,
            };
            if best.as_ref().is_none_or(|b| candidate.rank() > b.rank()) {
                best = Some(candidate);
            }
        }
        best
    }

    /// A hex digest of a named algorithm (`shasum`, PyPI's `#sha256=…`).
    pub fn from_hex(algo: &str, hex: &str) -> Option<Expected> {
        let bytes = decode_hex(hex)?;
        match (algo, bytes.len()) {
            ("sha512", 64) => Some(Expected::Sha512(bytes)),
            ("sha256", 32) => Some(Expected::Sha256(bytes)),
            ("sha1", 20) => Some(Expected::Sha1(bytes)),
            _ => None,
        }
    }

    fn rank(&self) -> u8 {
        match self {
            Expected::Sha1(_) => 1,
            Expected::Sha256(_) => 2,
            Expected::Sha512(_) => 3,
        }
    }

    /// Whether `bytes` are what was published.
    pub fn matches(&self, bytes: &[u8]) -> bool {
        match self {
            Expected::Sha512(d) => Sha512::digest(bytes).as_slice() == d.as_slice(),
            Expected::Sha256(d) => Sha256::digest(bytes).as_slice() == d.as_slice(),
            Expected::Sha1(d) => Sha1::digest(bytes).as_slice() == d.as_slice(),
        }
    }

    /// As an SRI string: the key verdicts are cached under.
    pub fn to_sri(&self) -> String {
        let b64 = base64::engine::general_purpose::STANDARD;
        match self {
            Expected::Sha512(d) => format!("sha512-{}", b64.encode(d)),
            Expected::Sha256(d) => format!("sha256-{}", b64.encode(d)),
            Expected::Sha1(d) => format!("sha1-{}", b64.encode(d)),
        }
    }
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_strongest_published_digest_is_checked() {
        let bytes = b"package bytes";
        let b64 = base64::engine::general_purpose::STANDARD;
        let sha1 = format!("sha1-{}", b64.encode(Sha1::digest(bytes)));
        let sha512 = format!("sha512-{}", b64.encode(Sha512::digest(bytes)));
        let e = Expected::from_sri(&format!("{sha1} {sha512}")).unwrap();
        assert!(matches!(e, Expected::Sha512(_)));
        assert!(e.matches(bytes) && !e.matches(b"other bytes"));
        assert_eq!(e.to_sri(), sha512);
        let hex: String = Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let e = Expected::from_hex("sha256", &hex).unwrap();
        assert!(e.matches(bytes));
        assert_eq!(Expected::from_sri("sha512-not base64!"), None);
        assert_eq!(Expected::from_hex("sha256", "abc"), None);
        assert_eq!(Expected::from_hex("md5", &hex[..32]), None);
    }
}
