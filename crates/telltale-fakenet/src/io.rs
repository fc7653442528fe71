//! Small stream adapters shared by the TCP handlers.
//!
//! The first bytes of a connection are read to tell TLS, HTTP and raw apart;
//! [`Prefixed`] hands those bytes back before the socket's own, so that
//! rustls and the HTTP parser see the stream from its beginning. [`Deadline`]
//! puts an overall time limit on a connection, because per-read timeouts
//! alone let a peer that drip-feeds one byte at a time hold a thread forever.

use std::io::{self, Read, Write};
use std::time::Instant;

/// Reads `prefix` first, then `inner`; writes go to `inner`.
pub(crate) struct Prefixed<S> {
    prefix: Vec<u8>,
    pos: usize,
    inner: S,
}

impl<S> Prefixed<S> {
    pub(crate) fn new(prefix: Vec<u8>, inner: S) -> Self {
        Prefixed {
            prefix,
            pos: 0,
            inner,
        }
    }
}

impl<S: Read> Read for Prefixed<S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let rest = self.prefix.get(self.pos..).unwrap_or(&[]);
        if rest.is_empty() {
            return self.inner.read(buf);
        }
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        self.pos += n;
        Ok(n)
    }
}

impl<S: Write> Write for Prefixed<S> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Fails reads and writes with `TimedOut` once `deadline` has passed.
pub(crate) struct Deadline<S> {
    pub(crate) inner: S,
    pub(crate) deadline: Instant,
}

impl<S> Deadline<S> {
    fn check(&self) -> io::Result<()> {
        if Instant::now() >= self.deadline {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "connection deadline",
            ));
        }
        Ok(())
    }
}

impl<S: Read> Read for Deadline<S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.check()?;
        self.inner.read(buf)
    }
}

impl<S: Write> Write for Deadline<S> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.check()?;
        self.inner.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Reads until EOF, error, timeout or `cap` bytes; returns what was read.
pub(crate) fn read_capped<R: Read>(r: &mut R, mut out: Vec<u8>, cap: usize) -> Vec<u8> {
    let mut chunk = [0u8; 8192];
    while out.len() < cap {
        let want = (cap - out.len()).min(chunk.len());
        match r.read(&mut chunk[..want]) {
            Ok(0) => break,
            Ok(n) => out.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        }
    }
    out.truncate(cap);
    out
}
