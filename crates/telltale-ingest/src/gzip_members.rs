//! A gzip stream read as `gzip -d` and npm read it: every member in turn, and whatever
//! follows the last member without a gzip header ignored. Tarballs npm published in its
//! early years end in zero padding after the gzip data (punycode 0.1.1, require-directory
//! 0.0.1); a reader that insists every byte is a member (flate2's `MultiGzDecoder`) calls
//! them corrupt, and the package would go unread.

use flate2::bufread::GzDecoder;
use std::io::{self, BufRead, Read};

/// The two bytes every gzip member starts with.
const MAGIC: [u8; 2] = [0x1f, 0x8b];

/// The members of a gzip stream, decompressed one after another.
pub(crate) struct GzipMembers<R: Read> {
    /// The member being read; `None` once the stream has ended.
    decoder: Option<GzDecoder<Lookahead<R>>>,
}

impl<R: Read> GzipMembers<R> {
    pub(crate) fn new(reader: R) -> Self {
        GzipMembers {
            decoder: Some(GzDecoder::new(Lookahead::new(reader))),
        }
    }
}

impl<R: Read> Read for GzipMembers<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            let Some(decoder) = self.decoder.as_mut() else {
                return Ok(0);
            };
            let n = decoder.read(buf)?;
            if n > 0 {
                return Ok(n);
            }
            // The member ended: another follows only where a gzip header does.
            let mut rest = self
                .decoder
                .take()
                .map(GzDecoder::into_inner)
                .expect("a decoder");
            if rest.peek(2)? == MAGIC {
                self.decoder = Some(GzDecoder::new(rest));
            }
        }
    }
}

/// A buffered reader that can look a few bytes ahead without consuming them.
struct Lookahead<R> {
    inner: R,
    buf: Vec<u8>,
    pos: usize,
}

/// How much is read from the underlying stream at a time.
const CHUNK: usize = 64 * 1024;

impl<R: Read> Lookahead<R> {
    fn new(inner: R) -> Self {
        Lookahead {
            inner,
            buf: Vec::new(),
            pos: 0,
        }
    }

    /// Up to `n` next bytes (fewer only at the end of the stream), not consumed.
    fn peek(&mut self, n: usize) -> io::Result<&[u8]> {
        while self.buf.len() - self.pos < n {
            self.buf.drain(..self.pos);
            self.pos = 0;
            let have = self.buf.len();
            self.buf.resize(have + CHUNK, 0);
            let got = loop {
                match self.inner.read(&mut self.buf[have..]) {
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    other => break other,
                }
            };
            let got = match got {
                Ok(g) => g,
                Err(e) => {
                    self.buf.truncate(have);
                    return Err(e);
                }
            };
            self.buf.truncate(have + got);
            if got == 0 {
                break;
            }
        }
        let end = self.buf.len().min(self.pos + n);
        Ok(&self.buf[self.pos..end])
    }
}

impl<R: Read> Read for Lookahead<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = {
            let available = self.fill_buf()?;
            let n = available.len().min(out.len());
            out[..n].copy_from_slice(&available[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl<R: Read> BufRead for Lookahead<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos == self.buf.len() {
            self.peek(1)?;
        }
        Ok(&self.buf[self.pos..])
    }

    fn consume(&mut self, amt: usize) {
        self.pos = (self.pos + amt).min(self.buf.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use std::io::Write;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn read_all(bytes: &[u8]) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        GzipMembers::new(bytes).read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn members_are_read_in_turn_and_zero_padding_after_them_is_ignored() {
        let mut two = gz(b"hello ");
        two.extend(gz(b"world"));
        assert_eq!(read_all(&two).unwrap(), b"hello world");
        let mut padded = two.clone();
        padded.extend(vec![0u8; 10_000]);
        assert_eq!(read_all(&padded).unwrap(), b"hello world");
    }

    #[test]
    fn a_broken_member_is_an_error_not_an_end() {
        let mut bad = gz(b"hello");
        bad.extend([0x1f, 0x8b, 0x08, 0x00, 0xff]);
        assert!(read_all(&bad).is_err());
        let whole = gz(&vec![7u8; 300_000]);
        assert!(read_all(&whole[..whole.len() / 2]).is_err(), "truncated");
        assert!(read_all(b"not gzip at all").is_err());
    }

    #[test]
    fn a_header_split_across_reads_is_still_found() {
        // A reader that hands out one byte at a time.
        struct Trickle<'a>(&'a [u8]);
        impl Read for Trickle<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let Some((first, rest)) = self.0.split_first() else {
                    return Ok(0);
                };
                buf[0] = *first;
                self.0 = rest;
                Ok(1)
            }
        }
        let mut two = gz(b"a");
        two.extend(gz(b"b"));
        let mut out = Vec::new();
        GzipMembers::new(Trickle(&two))
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, b"ab");
    }
}
