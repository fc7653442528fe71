//! The HTTP/1.1 side facing the package manager: one request per connection, then the
//! connection is closed. The request head is parsed by `httparse`; a request with a body
//! (`Content-Length` above 0, any `Transfer-Encoding`) is refused, so nothing can be smuggled
//! after it, and closing after each answer leaves no keep-alive state to go wrong. (A server
//! with keep-alive, tiny_http, was tried first: under a 568-package `npm ci` it left requests
//! unread in two sockets' buffers and the install waited for ever.)
//!
//! Connections on loopback are cheap; npm and pip open new ones as answers close them.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The largest request head read.
const MAX_HEAD: usize = 32 * 1024;
/// How long a client may take to send its request, and to take the answer.
const READ_LIMIT: Duration = Duration::from_secs(30);
const WRITE_LIMIT: Duration = Duration::from_secs(300);

/// A request as the firewall needs it.
#[derive(Debug)]
pub struct Request {
    pub method: String,
    /// The request target as sent (path and query).
    pub target: String,
    pub headers: Vec<(String, String)>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// An answer: status, reason phrase, content type, body.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub reason: String,
    pub content_type: &'static str,
    pub body: Vec<u8>,
}

impl Response {
    pub fn new(status: u16, content_type: &'static str, body: Vec<u8>) -> Response {
        Response {
            status,
            reason: standard_reason(status).to_string(),
            content_type,
            body,
        }
    }
}

fn standard_reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        431 => "Request Header Fields Too Large",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Unknown",
    }
}

pub type Handler = Arc<dyn Fn(&Request) -> Response + Send + Sync>;

/// Accepting connections until stopped.
pub struct Server {
    pub addr: SocketAddr,
    stop: Arc<AtomicBool>,
    accept: Option<std::thread::JoinHandle<()>>,
    active: Arc<AtomicUsize>,
}

impl Server {
    /// Answer each connection of `listener` on a thread of its own, at most
    /// `max_connections` at once (more wait in the listen queue).
    pub fn start(
        listener: TcpListener,
        max_connections: usize,
        handler: Handler,
    ) -> std::io::Result<Server> {
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let active = Arc::new(AtomicUsize::new(0));
        let (stop2, active2) = (stop.clone(), active.clone());
        let accept = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                while active2.load(Ordering::SeqCst) >= max_connections.max(1) {
                    std::thread::sleep(Duration::from_millis(2));
                }
                active2.fetch_add(1, Ordering::SeqCst);
                let (handler, active) = (handler.clone(), active2.clone());
                std::thread::spawn(move || {
                    serve_one(stream, &handler);
                    active.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        Ok(Server {
            addr,
            stop,
            accept: Some(accept),
            active,
        })
    }

    /// Stop accepting and wait (a while) for the answers being written.
    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(t) = self.accept.take() {
            let _ = t.join();
        }
        for _ in 0..500 {
            if self.active.load(Ordering::SeqCst) == 0 {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Block until stopped from elsewhere (the process ends).
    pub fn wait(mut self) {
        if let Some(t) = self.accept.take() {
            let _ = t.join();
        }
    }
}

fn serve_one(mut stream: TcpStream, handler: &Handler) {
    let _ = stream.set_read_timeout(Some(READ_LIMIT));
    let _ = stream.set_write_timeout(Some(WRITE_LIMIT));
    let _ = stream.set_nodelay(true);
    let response = match read_request(&mut stream) {
        Ok(request) => {
            let head_only = request.method == "HEAD";
            let r = handler(&request);
            (r, head_only)
        }
        Err(r) => (r, false),
    };
    let (r, head_only) = response;
    let phrase: String = r
        .reason
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                ' '
            }
        })
        .take(400)
        .collect();
    let head = format!(
        "HTTP/1.1 {} {phrase}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        r.status,
        r.content_type,
        r.body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    if !head_only {
        let _ = stream.write_all(&r.body);
    }
    let _ = stream.flush();
    let _ = stream.shutdown(std::net::Shutdown::Write);
    // Let the client read the answer before the socket goes (a close with unread input
    // would reset the connection).
    let mut sink = [0u8; 1024];
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    while matches!(stream.read(&mut sink), Ok(n) if n > 0) {}
}

/// Read and parse one request head; an error is the answer to send.
fn read_request(stream: &mut TcpStream) -> Result<Request, Response> {
    let bad = |status: u16, why: &str| {
        Response::new(
            status,
            "text/plain; charset=utf-8",
            format!("telltale firewall: {why}").into_bytes(),
        )
    };
    let mut buf = Vec::with_capacity(2048);
    let mut chunk = [0u8; 4096];
    loop {
        if buf.windows(4).any(|w| w == b"\r\n\r\n") {
            break;
        }
        if buf.len() > MAX_HEAD {
            return Err(bad(431, "request head too large"));
        }
        match stream.read(&mut chunk) {
            Ok(0) => return Err(bad(400, "the request ended early")),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(_) => return Err(bad(400, "the request did not arrive in time")),
        }
    }
    let mut headers = [httparse::EMPTY_HEADER; 96];
    let mut parsed = httparse::Request::new(&mut headers);
    match parsed.parse(&buf) {
        Ok(httparse::Status::Complete(_)) => {}
        _ => return Err(bad(400, "a malformed request")),
    }
    let request = Request {
        method: parsed.method.unwrap_or("").to_string(),
        target: parsed.path.unwrap_or("").to_string(),
        headers: parsed
            .headers
            .iter()
            .map(|h| {
                (
                    h.name.to_string(),
                    String::from_utf8_lossy(h.value).into_owned(),
                )
            })
            .collect(),
    };
    let has_body = request.header("Transfer-Encoding").is_some()
        || request
            .header("Content-Length")
            .is_some_and(|v| v.trim() != "0");
    if has_body {
        return Err(bad(400, "requests with a body are not accepted"));
    }
    Ok(request)
}
