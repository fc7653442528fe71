//! HTTP/1.x: reads one request by hand, records it, answers and closes.
//!
//! One request per connection with `Connection: close` keeps the server
//! simple, and Node, curl and Python all reconnect for the next request.
//! Request line and headers are capped; the body (Content-Length or
//! chunked) is kept up to `max_capture_bytes`. A stream that does not start
//! with a request line is recorded as raw bytes instead.

use std::io::{self, BufRead, BufReader, Read, Write};

use crate::geoip;
use crate::io::read_capped;
use crate::world::Shared;
use crate::NetEvent;

/// Methods that mark a stream as HTTP.
pub(crate) const METHODS: &[&str] = &[
    "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "CONNECT",
];
const MAX_LINE: u64 = 8 * 1024;
const MAX_HEADER_BYTES: usize = 64 * 1024;
const MAX_HEADERS: usize = 100;

/// Whether `buf` starts with an HTTP method and a space: `Some(true/false)`, or `None` while too short to tell.
pub(crate) fn starts_like_http(buf: &[u8]) -> Option<bool> {
    let mut undecided = false;
    for m in METHODS {
        let tok = m.as_bytes();
        let n = buf.len().min(tok.len() + 1);
        let want: Vec<u8> = tok.iter().copied().chain(std::iter::once(b' ')).collect();
        if buf[..n] == want[..n] {
            if n == want.len() {
                return Some(true);
            }
            undecided = true;
        }
    }
    if undecided {
        None
    } else {
        Some(false)
    }
}

/// Reads one line (with its `\n`) of at most `max` bytes; empty at EOF or error.
fn line<R: BufRead>(r: &mut R, max: u64) -> Vec<u8> {
    let mut out = Vec::new();
    let _ = r.by_ref().take(max).read_until(b'\n', &mut out);
    out
}

fn trim_eol(mut l: &[u8]) -> &[u8] {
    while let [rest @ .., b'\r' | b'\n'] = l {
        l = rest;
    }
    l
}

/// The host without its port; brackets of an IPv6 literal dropped.
pub(crate) fn strip_port(host: &str) -> &str {
    let host = host.trim();
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match host.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') && p.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    }
}

/// Serves one HTTP request from `stream` (already positioned at its first byte).
pub(crate) fn serve<S: Read + Write>(shared: &Shared, stream: &mut S, port: u16, tls: bool) {
    let cap = shared.cfg.max_capture_bytes;
    let mut r = BufReader::with_capacity(16 * 1024, stream);
    let first = line(&mut r, MAX_LINE);
    let t_ms = shared.now_ms();
    let request_line = String::from_utf8_lossy(trim_eol(&first)).into_owned();
    let mut parts = request_line.split(' ');
    let (method, target, version) = (parts.next(), parts.next(), parts.next());
    let (Some(method), Some(target), Some(version)) = (method, target, version) else {
        return raw(shared, r, first, port, tls, t_ms);
    };
    if !METHODS.contains(&method) || !version.starts_with("HTTP/") || !first.ends_with(b"\n") {
        return raw(shared, r, first, port, tls, t_ms);
    }
    let (method, target) = (method.to_string(), target.to_string());

    let mut headers: Vec<(String, String)> = Vec::new();
    let mut header_bytes = 0usize;
    let mut complete = false;
    while headers.len() < MAX_HEADERS && header_bytes < MAX_HEADER_BYTES {
        let l = line(&mut r, MAX_LINE);
        header_bytes += l.len();
        if l.is_empty() {
            break;
        }
        let l = trim_eol(&l);
        if l.is_empty() {
            complete = true;
            break;
        }
        let text = String::from_utf8_lossy(l);
        if let Some((k, v)) = text.split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };

    // Absolute-form targets (proxy requests) carry the host themselves.
    let (mut host, path) = match target.split_once("://").map(|(_, rest)| rest) {
        Some(rest) => {
            let (h, p) = rest
                .find('/')
                .map_or((rest, "/"), |i| (&rest[..i], &rest[i..]));
            (strip_port(h).to_string(), p.to_string())
        }
        None => (String::new(), target.clone()),
    };
    if method == "CONNECT" {
        host = strip_port(&target).to_string();
    }
    if host.is_empty() {
        host = header("host")
            .map(strip_port)
            .unwrap_or_default()
            .to_string();
    }

    if complete && header("expect").is_some_and(|v| v.eq_ignore_ascii_case("100-continue")) {
        let _ = r.get_mut().write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
        let _ = r.get_mut().flush();
    }

    let mut body = Vec::new();
    let mut body_bytes = 0usize;
    let mut truncated = false;
    if complete {
        let chunked =
            header("transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
        if chunked {
            (body_bytes, truncated) = read_chunked(&mut r, &mut body, cap);
        } else if let Some(len) =
            header("content-length").and_then(|v| v.trim().parse::<u64>().ok())
        {
            let keep = len.min(cap as u64);
            let _ = r.by_ref().take(keep).read_to_end(&mut body);
            // Swallow (a bounded amount of) the rest so that closing does not reset the connection.
            let rest = io::copy(
                &mut r.by_ref().take((len - keep).min(cap as u64)),
                &mut io::sink(),
            )
            .unwrap_or(0);
            body_bytes = body.len() + usize::try_from(rest).unwrap_or(0);
            truncated = len > keep;
        }
    } else {
        truncated = true;
    }

    let geo = geoip::answer(&host, &path, &shared.cfg.geo);
    let (status, content_type, answer_body, answered) = match (&geo, method.as_str()) {
        (Some(a), _) => ("200 OK", a.content_type, a.body.clone(), a.label.clone()),
        (None, "CONNECT") => (
            "405 Method Not Allowed",
            "application/json",
            "{}".to_string(),
            "refused connect".to_string(),
        ),
        (None, _) => (
            "200 OK",
            "application/json",
            "{}".to_string(),
            "generic".to_string(),
        ),
    };
    shared.record(NetEvent::Http {
        t_ms,
        port,
        tls,
        method: method.clone(),
        host,
        path,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
        body_bytes,
        truncated,
        answered,
    });
    let mut resp = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\nAccess-Control-Allow-Origin: *\r\n\r\n",
        answer_body.len()
    )
    .into_bytes();
    if method != "HEAD" {
        resp.extend_from_slice(answer_body.as_bytes());
    }
    let w = r.get_mut();
    let _ = w.write_all(&resp);
    let _ = w.flush();
}

/// Decodes a chunked body, keeping up to `cap` bytes; returns (bytes seen, truncated).
fn read_chunked<R: BufRead>(r: &mut R, body: &mut Vec<u8>, cap: usize) -> (usize, bool) {
    let mut seen = 0usize;
    loop {
        let size_line = line(r, 1024);
        if !size_line.ends_with(b"\n") {
            return (seen, true);
        }
        let text = String::from_utf8_lossy(trim_eol(&size_line)).into_owned();
        let hex = text.split(';').next().unwrap_or("").trim();
        let Ok(size) = usize::from_str_radix(hex, 16) else {
            return (seen, true);
        };
        if size == 0 {
            // Trailers, bounded, until the empty line.
            for _ in 0..MAX_HEADERS {
                let l = line(r, MAX_LINE);
                if trim_eol(&l).is_empty() {
                    break;
                }
            }
            return (seen, seen > body.len());
        }
        if seen.saturating_add(size) > cap.saturating_mul(2) {
            return (seen, true); // far beyond what is kept: stop reading
        }
        let keep = size.min(cap.saturating_sub(body.len()));
        let before = body.len();
        let _ = r.by_ref().take(keep as u64).read_to_end(body);
        let got = body.len() - before;
        let skipped =
            io::copy(&mut r.by_ref().take((size - keep) as u64), &mut io::sink()).unwrap_or(0);
        seen += got + usize::try_from(skipped).unwrap_or(0);
        if got < keep || skipped < (size - keep) as u64 {
            return (seen, true); // EOF or timeout inside the chunk
        }
        let _ = line(r, 16); // CRLF after the chunk data
    }
}

/// Records a stream that is not HTTP: what was read so far plus the rest, up to the cap.
fn raw<R: Read>(shared: &Shared, mut r: R, first: Vec<u8>, port: u16, tls: bool, t_ms: u64) {
    let data = read_capped(&mut r, first, shared.cfg.max_capture_bytes);
    shared.record(NetEvent::Raw {
        t_ms,
        port,
        tls,
        text: String::from_utf8_lossy(&data).into_owned(),
        bytes: data.len(),
    });
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn method_detection() {
        assert_eq!(starts_like_http(b"GET / HTTP/1.1"), Some(true));
        assert_eq!(starts_like_http(b"GE"), None);
        assert_eq!(starts_like_http(b"P"), None);
        assert_eq!(starts_like_http(b"GETX"), Some(false));
        assert_eq!(starts_like_http(b"\x16\x03"), Some(false));
        assert_eq!(starts_like_http(b""), None);
    }

    #[test]
    fn ports_are_stripped() {
        assert_eq!(strip_port("example.com:8080"), "example.com");
        assert_eq!(strip_port("example.com"), "example.com");
        assert_eq!(strip_port("[::1]:443"), "::1");
        assert_eq!(strip_port("::1"), "::1");
    }

    #[test]
    fn chunked_decoding() {
        let mut body = Vec::new();
        let mut r = &b"5\r\nhello\r\n6;x=y\r\n world\r\n0\r\nT: v\r\n\r\n"[..];
        assert_eq!(read_chunked(&mut r, &mut body, 1024), (11, false));
        assert_eq!(body, b"hello world");
        let mut body = Vec::new();
        let mut r = &b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"[..];
        assert_eq!(read_chunked(&mut r, &mut body, 7), (11, true));
        assert_eq!(body, b"hello w");
        let mut r = &b"zz\r\n"[..];
        assert_eq!(read_chunked(&mut r, &mut Vec::new(), 7), (0, true));
    }
}
