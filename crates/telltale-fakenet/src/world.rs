//! The server: threads on the handed-over sockets, and the event log.
//!
//! One thread per socket accepts or receives; TCP connections get a thread
//! each, at most `max_connections` at once. Listeners are polled in
//! non-blocking mode because they may live in another network namespace,
//! where the supervisor cannot connect to wake a blocked `accept`. `stop`
//! waits a bounded grace for open connections, then shuts their sockets
//! down (which wakes blocked reads) and abandons whatever still runs.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use rustls::ServerConfig;

use crate::io::{read_capped, Deadline, Prefixed};
use crate::{dns, http, tls, NetEvent, Socket, WorldConfig};

/// How often idle listeners look at the stop flag.
const POLL: Duration = Duration::from_millis(20);
/// Longest `stop` waits for open connections before shutting them down.
const GRACE: Duration = Duration::from_secs(1);
/// Most DNS messages served on one TCP connection.
const MAX_TCP_DNS_MESSAGES: usize = 256;

/// The recorded events and the text bytes they hold.
#[derive(Default)]
struct Log {
    events: Vec<NetEvent>,
    bytes: usize,
}

/// State shared by all server threads.
pub(crate) struct Shared {
    pub(crate) cfg: WorldConfig,
    tls: Option<Arc<ServerConfig>>,
    log: Mutex<Log>,
    dropped: AtomicUsize,
    stop: AtomicBool,
    active: AtomicUsize,
    next_id: AtomicU64,
    /// Clones of open connections, so that `stop` can shut them down.
    open: Mutex<HashMap<u64, TcpStream>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panicking handler must not take the event log with it.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    pub(crate) fn now_ms(&self) -> u64 {
        u64::try_from(self.cfg.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    pub(crate) fn record(&self, mut ev: NetEvent) {
        let mut log = lock(&self.log);
        let room = self.cfg.max_total_capture_bytes.saturating_sub(log.bytes);
        if log.events.len() >= self.cfg.max_events || !ev.shrink_to(room) {
            self.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        log.bytes += ev.text_bytes();
        log.events.push(ev);
    }

    fn stopping(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }
}

/// The fake internet, serving until [`World::stop`].
pub struct World {
    shared: Arc<Shared>,
    listeners: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for World {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("World")
            .field("listeners", &self.listeners.len())
            .finish_non_exhaustive()
    }
}

/// Decrements the open-connection count and forgets the stream, even if the handler panics.
struct ConnGuard {
    shared: Arc<Shared>,
    id: u64,
}

impl Drop for ConnGuard {
    fn drop(&mut self) {
        lock(&self.shared.open).remove(&self.id);
        self.shared.active.fetch_sub(1, Ordering::AcqRel);
    }
}

impl World {
    /// Serves on already-bound sockets (they may belong to another network namespace; use local_addr() for the port). Spawns threads and returns at once.
    pub fn start(sockets: Vec<Socket>, cfg: WorldConfig) -> World {
        // Without a usable TLS config the world still records SNI, it just cannot decrypt.
        let tls = cfg.ca.as_ref().and_then(|ca| ca.server_config().ok());
        let shared = Arc::new(Shared {
            cfg,
            tls,
            log: Mutex::new(Log::default()),
            dropped: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
            active: AtomicUsize::new(0),
            next_id: AtomicU64::new(0),
            open: Mutex::new(HashMap::new()),
        });
        let mut listeners = Vec::new();
        for s in sockets {
            let sh = shared.clone();
            let spawned = match s {
                Socket::Udp(u) => thread::Builder::new()
                    .name("fakenet-udp".into())
                    .spawn(move || serve_udp(&sh, &u)),
                Socket::Tcp(l) => thread::Builder::new()
                    .name("fakenet-tcp".into())
                    .spawn(move || accept_loop(&sh, &l)),
            };
            if let Ok(h) = spawned {
                listeners.push(h);
            }
        }
        World { shared, listeners }
    }

    /// Events so far (a copy), sorted by time.
    pub fn events(&self) -> Vec<NetEvent> {
        let mut v = lock(&self.shared.log).events.clone();
        v.sort_by_key(NetEvent::t_ms);
        v
    }

    /// Events not kept because `max_events` or `max_total_capture_bytes` was reached.
    pub fn dropped_events(&self) -> usize {
        self.shared.dropped.load(Ordering::Relaxed)
    }

    /// Stops accepting, gives open connections a bounded grace (≤ 1 s), joins or abandons threads, returns all events sorted by t_ms.
    pub fn stop(self) -> Vec<NetEvent> {
        let sh = &self.shared;
        sh.stop.store(true, Ordering::Relaxed);
        for h in self.listeners {
            let _ = h.join(); // they poll the flag every POLL (UDP: read timeout POLL)
        }
        let grace = GRACE.min(sh.cfg.read_timeout);
        let wait_idle = |limit: Duration| {
            let until = Instant::now() + limit;
            while sh.active.load(Ordering::Acquire) > 0 && Instant::now() < until {
                thread::sleep(Duration::from_millis(10));
            }
        };
        wait_idle(grace);
        for s in lock(&sh.open).values() {
            let _ = s.shutdown(Shutdown::Both);
        }
        // Shut-down sockets wake their readers at once; whoever is still busy after this is abandoned.
        wait_idle(Duration::from_millis(300));
        let mut v = std::mem::take(&mut lock(&sh.log).events);
        v.sort_by_key(NetEvent::t_ms);
        v
    }
}

fn serve_udp(sh: &Shared, sock: &UdpSocket) {
    let _ = sock.set_nonblocking(false);
    let _ = sock.set_read_timeout(Some(POLL));
    let _ = sock.set_write_timeout(Some(Duration::from_millis(200)));
    let mut buf = [0u8; 4096];
    while !sh.stopping() {
        let (n, peer) = match sock.recv_from(&mut buf) {
            Ok(x) => x,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock
                        | io::ErrorKind::TimedOut
                        | io::ErrorKind::Interrupted
                ) =>
            {
                continue
            }
            Err(_) => {
                thread::sleep(POLL); // e.g. ICMP errors surfacing: do not spin
                continue;
            }
        };
        if let Some(reply) = dns_message(sh, &buf[..n], "udp") {
            let _ = sock.send_to(&reply, peer);
        }
    }
}

/// Records the questions of one DNS message and returns the reply.
fn dns_message(sh: &Shared, msg: &[u8], transport: &str) -> Option<Vec<u8>> {
    let q = dns::parse_query(msg)?;
    let t_ms = sh.now_ms();
    for question in &q.questions {
        sh.record(NetEvent::Dns {
            t_ms,
            name: question.name.clone(),
            qtype: dns::qtype_name(question.qtype),
            transport: transport.to_string(),
        });
    }
    Some(dns::answer(&q))
}

fn accept_loop(sh: &Arc<Shared>, listener: &TcpListener) {
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
    if listener.set_nonblocking(true).is_err() {
        return;
    }
    while !sh.stopping() {
        let stream = match listener.accept() {
            Ok((s, _)) => s,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => {
                thread::sleep(POLL); // WouldBlock, or EMFILE and the like: wait, do not spin
                continue;
            }
        };
        let t_ms = sh.now_ms();
        let refused = || NetEvent::plain_connection(t_ms, port);
        if sh.active.load(Ordering::Acquire) >= sh.cfg.max_connections {
            sh.record(refused());
            continue; // dropping the stream closes it
        }
        let id = sh.next_id.fetch_add(1, Ordering::Relaxed);
        let Ok(clone) = stream.try_clone() else {
            sh.record(refused());
            continue;
        };
        sh.active.fetch_add(1, Ordering::AcqRel);
        lock(&sh.open).insert(id, clone);
        let guard = ConnGuard {
            shared: sh.clone(),
            id,
        };
        let sh2 = sh.clone();
        let spawned = thread::Builder::new()
            .name("fakenet-conn".into())
            .spawn(move || {
                let _guard = guard;
                serve_tcp(&sh2, stream, port, t_ms);
            });
        if spawned.is_err() {
            sh.record(refused()); // the closure (and with it the guard) was dropped: count restored
        }
    }
}

/// What the first bytes of a connection say it is.
enum Kind {
    Empty,
    Tls,
    Http,
    Raw,
}

fn classify(buf: &[u8]) -> Option<Kind> {
    match buf.first() {
        None => None,
        Some(0x16) => Some(Kind::Tls),
        Some(_) => match http::starts_like_http(buf) {
            Some(true) => Some(Kind::Http),
            Some(false) => Some(Kind::Raw),
            None => None,
        },
    }
}

fn serve_tcp(sh: &Shared, stream: TcpStream, port: u16, t_ms: u64) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(sh.cfg.read_timeout));
    let _ = stream.set_write_timeout(Some(sh.cfg.read_timeout));
    let _ = stream.set_nodelay(true);
    let mut s = Deadline {
        inner: stream,
        deadline: Instant::now() + sh.cfg.max_connection_time,
    };
    if port == 53 {
        return serve_dns_tcp(sh, &mut s);
    }
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let kind = loop {
        if let Some(k) = classify(&buf) {
            break k;
        }
        match s.read(&mut chunk) {
            Ok(0) | Err(_) if buf.is_empty() => break Kind::Empty,
            Ok(0) | Err(_) => break Kind::Raw, // a short prefix like "GE" and then silence
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let conn = |tls, sni, alpn, decrypted| NetEvent::Connection {
        t_ms,
        port,
        tls,
        sni,
        alpn,
        decrypted,
    };
    match kind {
        Kind::Empty => sh.record(NetEvent::plain_connection(t_ms, port)),
        Kind::Raw => {
            sh.record(NetEvent::plain_connection(t_ms, port));
            let data = read_capped(&mut s, buf, sh.cfg.max_capture_bytes);
            let t = sh.now_ms();
            sh.record(NetEvent::Raw {
                t_ms: t,
                port,
                tls: false,
                text: String::from_utf8_lossy(&data).into_owned(),
                bytes: data.len(),
            });
        }
        Kind::Http => {
            sh.record(NetEvent::plain_connection(t_ms, port));
            let mut p = Prefixed::new(buf, &mut s);
            http::serve(sh, &mut p, port, false);
            linger(&mut s);
        }
        Kind::Tls => serve_tls(sh, s, buf, port, conn),
    }
}

fn serve_tls(
    sh: &Shared,
    mut s: Deadline<TcpStream>,
    mut buf: Vec<u8>,
    port: u16,
    conn: impl Fn(bool, Option<String>, Vec<String>, bool) -> NetEvent,
) {
    let mut chunk = [0u8; 4096];
    let hello = loop {
        match tls::parse(&buf) {
            tls::Parse::Done(h) => break Some(h),
            tls::Parse::Invalid => break None,
            tls::Parse::NeedMore if buf.len() >= tls::MAX_HELLO => break None,
            tls::Parse::NeedMore => {}
        }
        let want = (tls::MAX_HELLO - buf.len()).min(chunk.len());
        match s.read(&mut chunk[..want]) {
            Ok(0) | Err(_) => break None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let (sni, alpn) = hello.map(|h| (h.sni, h.alpn)).unwrap_or_default();
    let Some(cfg) = sh.tls.clone() else {
        sh.record(conn(true, sni, alpn, false));
        return;
    };
    let Ok(server) = rustls::ServerConnection::new(cfg) else {
        sh.record(conn(true, sni, alpn, false));
        return;
    };
    let mut tls_stream = rustls::StreamOwned::new(server, Prefixed::new(buf, &mut s));
    let mut ok = true;
    while tls_stream.conn.is_handshaking() {
        if tls_stream.conn.complete_io(&mut tls_stream.sock).is_err() {
            ok = false;
            break;
        }
    }
    if !ok {
        // Send the queued alert (why it failed) without reading any more; then close.
        while tls_stream.conn.wants_write() {
            if !matches!(tls_stream.conn.write_tls(&mut tls_stream.sock), Ok(n) if n > 0) {
                break;
            }
        }
        sh.record(conn(true, sni, alpn, false));
        return;
    }
    sh.record(conn(true, sni, alpn, true));
    http::serve(sh, &mut tls_stream, port, true);
    tls_stream.conn.send_close_notify();
    let _ = tls_stream.flush();
    drop(tls_stream);
    linger(&mut s);
}

/// Half-closes and briefly drains, so that unread client bytes do not turn the close into a reset that eats the answer.
fn linger(s: &mut Deadline<TcpStream>) {
    let _ = s.flush();
    let _ = s.inner.shutdown(Shutdown::Write);
    let _ = s.inner.set_read_timeout(Some(Duration::from_millis(200)));
    let mut sink = [0u8; 4096];
    for _ in 0..16 {
        match s.inner.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
    }
}

/// DNS over TCP: 2-byte length, message; answered until EOF or a limit.
fn serve_dns_tcp(sh: &Shared, s: &mut Deadline<TcpStream>) {
    let mut announced = false;
    for _ in 0..MAX_TCP_DNS_MESSAGES {
        let mut len = [0u8; 2];
        if s.read_exact(&mut len).is_err() {
            break;
        }
        let mut msg = vec![0u8; usize::from(u16::from_be_bytes(len))];
        if s.read_exact(&mut msg).is_err() {
            break;
        }
        announced = true;
        let Some(reply) = dns_message(sh, &msg, "tcp") else {
            continue;
        };
        let Ok(rlen) = u16::try_from(reply.len()) else {
            continue;
        };
        let mut out = rlen.to_be_bytes().to_vec();
        out.extend_from_slice(&reply);
        if s.write_all(&out).is_err() {
            break;
        }
    }
    if !announced {
        let port = s.inner.local_addr().map(|a| a.port()).unwrap_or(53);
        let t_ms = sh.now_ms();
        sh.record(NetEvent::plain_connection(t_ms, port));
    }
}
