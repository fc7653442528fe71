//! Decoders for the encodings Python code hides strings with: base64 (standard and
//! URL-safe), base32, base16/hex, base85/ascii85, rot13, zlib and gzip. Each takes the encoded
//! bytes and returns the decoded bytes, or `None` when the input is not valid for it. Output is
//! bounded ([`MAX_OUTPUT`]) so that a decompression bomb in a string costs nothing.

use std::io::Read;
use telltale_knowledge::strings;

/// The most bytes one decoding produces.
pub(crate) const MAX_OUTPUT: usize = 4 << 20;

/// Undo `technique` (a `py_api.toml` decoder technique or a `codecs` name).
pub(crate) fn decode(technique: &str, input: &[u8]) -> Option<Vec<u8>> {
    let text = || std::str::from_utf8(input).ok();
    match technique {
        "base64" => strings::decode_base64(text()?),
        "base32" => base32(text()?),
        "hex" => strings::decode_hex(&text()?.split_whitespace().collect::<String>()),
        "base85" => base85(text()?),
        "rot13" => Some(rot13(input)),
        "zlib" => inflate(input, false),
        "gzip" => inflate(input, true),
        _ => None,
    }
}

/// The technique a `codecs.decode(x, name)` codec name undoes; `None` for text encodings.
pub(crate) fn codec_technique(name: &str) -> Option<&'static str> {
    Some(match name.to_ascii_lowercase().replace('-', "_").as_str() {
        "base64" | "base64_codec" | "base_64" => "base64",
        "hex" | "hex_codec" => "hex",
        "rot13" | "rot_13" => "rot13",
        "zlib" | "zlib_codec" | "zip" => "zlib",
        _ => return None,
    })
}

fn base32(s: &str) -> Option<Vec<u8>> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = Vec::with_capacity(s.len() * 5 / 8);
    let (mut buf, mut bits) = (0u64, 0u32);
    for c in s.bytes().filter(|c| !c.is_ascii_whitespace()) {
        if c == b'=' {
            break;
        }
        let v = ALPHABET.iter().position(|a| *a == c.to_ascii_uppercase())? as u64;
        buf = (buf << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
            buf &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// base85 (`base64.b85decode`, RFC 1924 alphabet) or ascii85 (`a85decode`, `<~ ~>` optional).
fn base85(s: &str) -> Option<Vec<u8>> {
    const B85: &[u8] =
        b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&()*+-;<=>?@^_`{|}~";
    let s = s.trim();
    let (body, ascii85) = match s.strip_prefix("<~").and_then(|r| r.strip_suffix("~>")) {
        Some(inner) => (inner, true),
        None => (s, !s.bytes().all(|c| B85.contains(&c))),
    };
    let mut digits = Vec::with_capacity(body.len());
    for c in body.bytes().filter(|c| !c.is_ascii_whitespace()) {
        if ascii85 {
            if c == b'z' {
                digits.extend_from_slice(&[0; 5]);
                continue;
            }
            if !(b'!'..=b'u').contains(&c) {
                return None;
            }
            digits.push(c - b'!');
        } else {
            digits.push(B85.iter().position(|a| *a == c)? as u8);
        }
    }
    let mut out = Vec::with_capacity(digits.len() * 4 / 5);
    for chunk in digits.chunks(5) {
        let pad = 5 - chunk.len();
        let mut acc: u64 = 0;
        for i in 0..5 {
            acc = acc * 85 + *chunk.get(i).unwrap_or(&84) as u64;
        }
        if acc > u32::MAX as u64 {
            return None;
        }
        out.extend_from_slice(&(acc as u32).to_be_bytes()[..4 - pad]);
    }
    Some(out)
}

fn rot13(input: &[u8]) -> Vec<u8> {
    input
        .iter()
        .map(|&c| match c {
            b'a'..=b'z' => (c - b'a' + 13) % 26 + b'a',
            b'A'..=b'Z' => (c - b'A' + 13) % 26 + b'A',
            _ => c,
        })
        .collect()
}

fn inflate(input: &[u8], gzip: bool) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let limit = MAX_OUTPUT as u64 + 1;
    let read = if gzip {
        flate2::read::GzDecoder::new(input)
            .take(limit)
            .read_to_end(&mut out)
    } else {
        flate2::read::ZlibDecoder::new(input)
            .take(limit)
            .read_to_end(&mut out)
    };
    (read.is_ok() && out.len() <= MAX_OUTPUT).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_each_technique() {
        assert_eq!(decode("base32", b"OJ2XG43JME======").unwrap(), b"russia");
        assert_eq!(decode("base64", b"cnVzc2lh").unwrap(), b"russia");
        assert_eq!(decode("hex", b"72 75 73").unwrap(), b"rus");
        assert_eq!(decode("rot13", b"ehffvn").unwrap(), b"russia");
        assert_eq!(decode("base85", b"Xk~0{Zv").unwrap(), b"hello");
        assert_eq!(decode("base85", b"<~BOu!rDZ~>").unwrap(), b"hello");
        let z = [120u8, 156, 43, 42, 45, 46, 206, 76, 4, 0, 9, 83, 2, 152];
        assert_eq!(decode("zlib", &z).unwrap(), b"russia");
        assert!(decode("zlib", b"not zlib").is_none());
        assert!(decode("base32", b"!!!").is_none());
        assert_eq!(codec_technique("rot_13"), Some("rot13"));
        assert_eq!(codec_technique("utf-8"), None);
    }
}
