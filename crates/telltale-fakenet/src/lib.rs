//! A fake internet for `telltale probe`, and the search for leaked honey values.
//!
//! `telltale probe` runs a hostile program in a network namespace that has
//! only loopback. Listening sockets are bound *inside* that namespace and
//! handed to a supervisor outside it, which calls [`World::start`] on them.
//! The world answers DNS (every name resolves to loopback), HTTP (IP
//! geolocation services get an answer in their own shape that reports the
//! persona's [`Geo`], everything else gets `{}`), and TLS (ClientHello read
//! by hand for SNI/ALPN; with a per-run [`Ca`] the handshake is completed and
//! the HTTP inside is read too). Everything is recorded as [`NetEvent`]s, and
//! [`find_leaks`] then looks for the fake secrets ([`Honey`]) in them, also
//! when they were base64, hex, URL or JSON encoded.
//!
//! The peer is hostile: every parser works on untrusted bytes without
//! panicking, every buffer is capped, every read has a timeout and every
//! connection an overall deadline, and the number of threads is bounded.

#![forbid(unsafe_code)]

mod ca;
mod dns;
mod geoip;
mod honey;
mod http;
mod io;
mod tls;
mod world;

#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::{Duration, Instant};

pub use ca::Ca;
pub use honey::{find_leaks, Honey, Leak};
pub use world::World;

/// Errors from setting the fake internet up (serving itself never fails: it records and goes on).
#[derive(Debug, thiserror::Error)]
pub enum FakenetError {
    /// rcgen could not make a key or certificate.
    #[error("certificate generation failed: {0}")]
    Cert(#[from] rcgen::Error),
    /// rustls refused the key or configuration.
    #[error("TLS setup failed: {0}")]
    Tls(#[from] rustls::Error),
    /// An I/O error while setting up.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
}

/// Where the persona appears to be, for IP-geolocation answers.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Geo {
    /// Public IP address the persona appears to have.
    pub ip: String,
    /// ISO 3166-1 alpha-2 code, e.g. "CN".
    pub country_code: String,
    /// English country name, e.g. "China".
    pub country_name: String,
    /// Region / state / province name.
    pub region: String,
    /// City name.
    pub city: String,
    /// Postal code.
    pub postal: String,
    /// Latitude in degrees.
    pub latitude: f64,
    /// Longitude in degrees.
    pub longitude: f64,
    /// IANA time zone, e.g. "Asia/Shanghai".
    pub timezone: String,
    /// Network operator, e.g. "AS4134 CHINANET-BACKBONE".
    pub org: String,
}

/// How the fake internet behaves; [`WorldConfig::new`] gives the defaults.
#[derive(Debug, Clone)]
pub struct WorldConfig {
    /// The persona's location, reported by geolocation answers.
    pub geo: Geo,
    /// With a CA, TLS handshakes are completed and the HTTP inside is recorded.
    pub ca: Option<Arc<Ca>>,
    /// Time zero for `t_ms`.
    pub started: Instant,
    /// Most bytes kept per connection body or raw stream (default 1 MiB).
    pub max_capture_bytes: usize,
    /// Timeout for every single read and write (default 5 s).
    pub read_timeout: Duration,
    /// Most connections served at once (default 256); more are recorded and closed.
    pub max_connections: usize,
    /// Longest a single connection is served, against slow drip-feeding peers (default 30 s).
    pub max_connection_time: Duration,
    /// Most events kept (default 100 000); later ones are counted in [`World::dropped_events`].
    pub max_events: usize,
    /// Most text kept over all events (default 64 MiB); past it bodies and raw texts are cut short.
    pub max_total_capture_bytes: usize,
}

impl WorldConfig {
    /// Defaults: no CA, started now, 1 MiB capture, 5 s read timeout, 256 connections,
    /// 30 s per connection, 100 000 events, 64 MiB of text in all.
    pub fn new(geo: Geo) -> WorldConfig {
        WorldConfig {
            geo,
            ca: None,
            started: Instant::now(),
            max_capture_bytes: 1 << 20,
            read_timeout: Duration::from_secs(5),
            max_connections: 256,
            max_connection_time: Duration::from_secs(30),
            max_events: 100_000,
            max_total_capture_bytes: 64 << 20,
        }
    }
}

/// An already-bound socket to serve on (possibly from another network namespace).
#[derive(Debug)]
pub enum Socket {
    /// Served as DNS.
    Udp(std::net::UdpSocket),
    /// Served as DNS-over-TCP on port 53, otherwise as TLS / HTTP / raw TCP.
    Tcp(std::net::TcpListener),
}

/// One thing the program did on the network.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NetEvent {
    /// A DNS question.
    Dns {
        /// Milliseconds since [`WorldConfig::started`].
        t_ms: u64,
        /// The name asked for; bytes outside printable ASCII are written `\DDD`.
        name: String,
        /// "A", "AAAA", "TXT", … or "TYPEn".
        qtype: String,
        /// "udp" or "tcp".
        transport: String,
    },
    /// A TCP connection (one per accepted connection, also for plain HTTP and raw ones).
    Connection {
        /// Milliseconds since [`WorldConfig::started`] when it was accepted.
        t_ms: u64,
        /// Local port it came in on.
        port: u16,
        /// Whether it began with a TLS ClientHello.
        tls: bool,
        /// TLS server name indication.
        sni: Option<String>,
        /// ALPN protocols the client offered.
        alpn: Vec<String>,
        /// Whether the handshake with the run's CA succeeded (so the traffic inside was read).
        decrypted: bool,
    },
    /// An HTTP request (plain, or decrypted from TLS).
    Http {
        /// Milliseconds since [`WorldConfig::started`] when the request was read.
        t_ms: u64,
        /// Local port.
        port: u16,
        /// Whether it came over TLS.
        tls: bool,
        /// Request method.
        method: String,
        /// Host header (or absolute-URI host) without the port.
        host: String,
        /// Request target path with query.
        path: String,
        /// Headers as sent (capped in number and size).
        headers: Vec<(String, String)>,
        /// Body, lossy UTF-8, capped at `max_capture_bytes`.
        body: String,
        /// Body bytes received.
        body_bytes: usize,
        /// Whether the body was longer than what was kept.
        truncated: bool,
        /// What was answered, e.g. "geoip ipinfo.io as CN" or "generic".
        answered: String,
    },
    /// Bytes on a TCP connection that was neither TLS nor HTTP.
    Raw {
        /// Milliseconds since [`WorldConfig::started`].
        t_ms: u64,
        /// Local port.
        port: u16,
        /// Whether it came over TLS (decrypted, but not HTTP inside).
        tls: bool,
        /// The bytes, lossy UTF-8, capped.
        text: String,
        /// Bytes received (kept ones).
        bytes: usize,
    },
}

impl NetEvent {
    /// A TCP connection seen before (or without) knowing what it carries.
    pub fn plain_connection(t_ms: u64, port: u16) -> NetEvent {
        NetEvent::Connection {
            t_ms,
            port,
            tls: false,
            sni: None,
            alpn: Vec::new(),
            decrypted: false,
        }
    }

    /// Bytes of text the event holds (for the world's total budget).
    fn text_bytes(&self) -> usize {
        match self {
            NetEvent::Dns { name, .. } => name.len(),
            NetEvent::Connection { sni, alpn, .. } => {
                sni.as_ref().map_or(0, String::len) + alpn.iter().map(String::len).sum::<usize>()
            }
            NetEvent::Http {
                method,
                host,
                path,
                headers,
                body,
                ..
            } => {
                method.len()
                    + host.len()
                    + path.len()
                    + headers
                        .iter()
                        .map(|(k, v)| k.len() + v.len())
                        .sum::<usize>()
                    + body.len()
            }
            NetEvent::Raw { text, .. } => text.len(),
        }
    }

    /// Cuts the body or raw text so that the event holds at most `room` bytes of text; false if it cannot.
    fn shrink_to(&mut self, room: usize) -> bool {
        let size = self.text_bytes();
        if size <= room {
            return true;
        }
        let excess = size - room;
        let cut = |s: &mut String| {
            if s.len() < excess {
                return false;
            }
            let mut at = s.len() - excess;
            while !s.is_char_boundary(at) {
                at -= 1;
            }
            s.truncate(at);
            true
        };
        match self {
            NetEvent::Http {
                body, truncated, ..
            } => {
                *truncated = true;
                cut(body)
            }
            NetEvent::Raw { text, .. } => cut(text),
            NetEvent::Dns { .. } | NetEvent::Connection { .. } => false,
        }
    }

    /// Milliseconds since the world's start.
    pub fn t_ms(&self) -> u64 {
        match self {
            NetEvent::Dns { t_ms, .. }
            | NetEvent::Connection { t_ms, .. }
            | NetEvent::Http { t_ms, .. }
            | NetEvent::Raw { t_ms, .. } => *t_ms,
        }
    }

    /// The host name this event points at (DNS name, SNI, HTTP Host without port), if any.
    pub fn host(&self) -> Option<&str> {
        match self {
            NetEvent::Dns { name, .. } => Some(name.as_str()),
            NetEvent::Connection { sni, .. } => sni.as_deref(),
            NetEvent::Http { host, .. } if !host.is_empty() => Some(host.as_str()),
            NetEvent::Http { .. } | NetEvent::Raw { .. } => None,
        }
    }
}
