//! Reads SNI and ALPN from a TLS ClientHello by hand.
//!
//! Done without rustls so that the names are recorded even when there is no
//! CA or the client refuses it. The ClientHello may be split over several
//! TLS records and several reads; the handshake bytes are gathered from the
//! records and parsed once complete (RFC 8446 §4.1.2, RFC 6066 §3, RFC 7301).

/// Most bytes read while waiting for a whole ClientHello.
pub(crate) const MAX_HELLO: usize = 16 * 1024;

/// What the client said in its hello.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Hello {
    pub(crate) sni: Option<String>,
    pub(crate) alpn: Vec<String>,
}

/// Result of trying to parse what has arrived so far.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Parse {
    /// Not all of the ClientHello is here yet.
    NeedMore,
    Done(Hello),
    /// Not a ClientHello (or broken).
    Invalid,
}

/// Parses the ClientHello from the TLS records at the start of `buf`.
pub(crate) fn parse(buf: &[u8]) -> Parse {
    let mut hs = Vec::new();
    let mut pos = 0;
    loop {
        let Some(header) = buf.get(pos..pos + 5) else {
            return Parse::NeedMore;
        };
        if header[0] != 0x16 {
            return Parse::Invalid;
        }
        let len = usize::from(u16::from_be_bytes([header[3], header[4]]));
        let Some(body) = buf.get(pos + 5..pos + 5 + len) else {
            return Parse::NeedMore;
        };
        hs.extend_from_slice(body);
        pos += 5 + len;
        if hs.len() >= 4 {
            if hs[0] != 1 {
                return Parse::Invalid;
            }
            let msg_len =
                (usize::from(hs[1]) << 16) | (usize::from(hs[2]) << 8) | usize::from(hs[3]);
            if msg_len > MAX_HELLO {
                return Parse::Invalid;
            }
            if let Some(msg) = hs.get(4..4 + msg_len) {
                return hello(msg).map_or(Parse::Invalid, Parse::Done);
            }
        }
    }
}

/// A cursor over a byte slice whose reads fail softly at the end.
struct Cur<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Cur<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.b.get(self.pos..self.pos.checked_add(n)?)?;
        self.pos += n;
        Some(s)
    }
    fn u8(&mut self) -> Option<usize> {
        self.take(1).map(|s| usize::from(s[0]))
    }
    fn u16(&mut self) -> Option<usize> {
        self.take(2)
            .map(|s| usize::from(u16::from_be_bytes([s[0], s[1]])))
    }
    fn vec8(&mut self) -> Option<&'a [u8]> {
        let n = self.u8()?;
        self.take(n)
    }
    fn vec16(&mut self) -> Option<&'a [u8]> {
        let n = self.u16()?;
        self.take(n)
    }
}

fn hello(msg: &[u8]) -> Option<Hello> {
    let mut c = Cur { b: msg, pos: 0 };
    c.take(2 + 32)?; // legacy_version, random
    c.vec8()?; // session id
    c.vec16()?; // cipher suites
    c.vec8()?; // compression methods
    let mut out = Hello::default();
    if c.pos == msg.len() {
        return Some(out); // no extensions at all (old clients)
    }
    let exts = c.vec16()?;
    let mut e = Cur { b: exts, pos: 0 };
    while e.pos < exts.len() {
        let typ = e.u16()?;
        let data = e.vec16()?;
        let mut d = Cur { b: data, pos: 0 };
        match typ {
            0 => {
                let list = d.vec16()?;
                let mut l = Cur { b: list, pos: 0 };
                while l.pos < list.len() {
                    let kind = l.u8()?;
                    let name = l.vec16()?;
                    if kind == 0 && out.sni.is_none() {
                        out.sni = Some(String::from_utf8_lossy(name).into_owned());
                    }
                }
            }
            16 => {
                let list = d.vec16()?;
                let mut l = Cur { b: list, pos: 0 };
                while l.pos < list.len() {
                    out.alpn
                        .push(String::from_utf8_lossy(l.vec8()?).into_owned());
                }
            }
            _ => {}
        }
    }
    Some(out)
}

#[cfg(test)]
mod unit {
    use super::*;

    /// A minimal ClientHello with SNI and ALPN, as records of at most `split` bytes.
    pub(crate) fn client_hello(sni: &str, alpn: &[&str], split: usize) -> Vec<u8> {
        let mut ext = Vec::new();
        let mut sn = vec![0u8];
        sn.extend_from_slice(&(sni.len() as u16).to_be_bytes());
        sn.extend_from_slice(sni.as_bytes());
        ext.extend_from_slice(&0u16.to_be_bytes());
        ext.extend_from_slice(&((sn.len() + 2) as u16).to_be_bytes());
        ext.extend_from_slice(&(sn.len() as u16).to_be_bytes());
        ext.extend_from_slice(&sn);
        let mut al = Vec::new();
        for a in alpn {
            al.push(a.len() as u8);
            al.extend_from_slice(a.as_bytes());
        }
        ext.extend_from_slice(&16u16.to_be_bytes());
        ext.extend_from_slice(&((al.len() + 2) as u16).to_be_bytes());
        ext.extend_from_slice(&(al.len() as u16).to_be_bytes());
        ext.extend_from_slice(&al);
        let mut body = vec![3, 3];
        body.extend_from_slice(&[0; 32]);
        body.extend_from_slice(&[0, 0, 2, 0x13, 0x01, 1, 0]);
        body.extend_from_slice(&(ext.len() as u16).to_be_bytes());
        body.extend_from_slice(&ext);
        let mut hs = vec![1, 0];
        hs.extend_from_slice(&(body.len() as u16).to_be_bytes());
        hs.extend_from_slice(&body);
        let mut out = Vec::new();
        for chunk in hs.chunks(split) {
            out.extend_from_slice(&[0x16, 3, 1]);
            out.extend_from_slice(&(chunk.len() as u16).to_be_bytes());
            out.extend_from_slice(chunk);
        }
        out
    }

    #[test]
    fn parses_sni_and_alpn_across_records() {
        for split in [7, 50, 1000] {
            let b = client_hello("ipinfo.io", &["h2", "http/1.1"], split);
            let want = Hello {
                sni: Some("ipinfo.io".into()),
                alpn: vec!["h2".into(), "http/1.1".into()],
            };
            assert_eq!(parse(&b), Parse::Done(want));
            for n in 0..b.len() {
                assert_eq!(parse(&b[..n]), Parse::NeedMore, "prefix {n}");
            }
        }
    }

    #[test]
    fn garbage_is_invalid_or_needs_more() {
        assert_eq!(parse(b"GET / HTTP/1.1"), Parse::Invalid);
        assert_eq!(parse(&[0x16, 3, 1, 0, 4, 2, 0, 0, 0]), Parse::Invalid);
        let mut b = client_hello("x.org", &["h2"], 1000);
        b[60] ^= 0xff;
        let _ = parse(&b);
    }
}
