//! End-to-end tests over loopback: a World on ephemeral ports, real clients.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream, UdpSocket};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::{Ca, Geo, NetEvent, Socket, World, WorldConfig};

pub(crate) fn geo() -> Geo {
    Geo {
        ip: "203.0.113.7".into(),
        country_code: "CN".into(),
        country_name: "China".into(),
        region: "Shanghai".into(),
        city: "Shanghai".into(),
        postal: "200000".into(),
        latitude: 31.2304,
        longitude: 121.4737,
        timezone: "Asia/Shanghai".into(),
        org: "AS4134 CHINANET-BACKBONE".into(),
    }
}

fn tcp_world(cfg: WorldConfig) -> (World, u16) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    (World::start(vec![Socket::Tcp(l)], cfg), port)
}

/// Polls until `pred` holds for the events (servers record asynchronously).
fn wait_for(w: &World, pred: impl Fn(&[NetEvent]) -> bool) -> Vec<NetEvent> {
    let until = Instant::now() + Duration::from_secs(10);
    loop {
        let ev = w.events();
        if pred(&ev) || Instant::now() > until {
            return ev;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn exchange(port: u16, req: &[u8]) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(req).unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

fn body_of(resp: &str) -> &str {
    resp.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("")
}

fn dns_query(id: u16, name: &str, qtype: u16) -> Vec<u8> {
    let mut m = id.to_be_bytes().to_vec();
    m.extend_from_slice(&[0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
    for l in name.split('.') {
        m.push(l.len() as u8);
        m.extend_from_slice(l.as_bytes());
    }
    m.extend_from_slice(&[0]);
    m.extend_from_slice(&qtype.to_be_bytes());
    m.extend_from_slice(&[0, 1]);
    m
}

#[test]
fn dns_over_udp_answers_loopback_and_survives_garbage() {
    let server = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = server.local_addr().unwrap();
    let w = World::start(vec![Socket::Udp(server)], WorldConfig::new(geo()));
    let c = UdpSocket::bind("127.0.0.1:0").unwrap();
    c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    for junk in [
        &[][..],
        &[1, 2, 3],
        &[0; 12],
        &[0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12, 0, 1, 0, 1],
    ] {
        c.send_to(junk, addr).unwrap();
    }
    let mut buf = [0u8; 512];
    for (id, qtype, rdata) in [
        (1u16, 1u16, vec![127, 0, 0, 1]),
        (2, 28, [vec![0; 15], vec![1]].concat()),
        (3, 16, vec![]),
    ] {
        let q = dns_query(id, "a.example.com", qtype);
        c.send_to(&q, addr).unwrap();
        let (n, _) = c.recv_from(&mut buf).unwrap();
        let r = &buf[..n];
        assert_eq!(u16::from_be_bytes([r[0], r[1]]), id);
        assert_eq!(r[2] & 0x80, 0x80, "QR");
        assert_eq!(r[3] & 0x80, 0x80, "RA");
        assert_eq!(r[3] & 0x0f, 0, "NOERROR");
        let ancount = u16::from_be_bytes([r[6], r[7]]);
        assert_eq!(&r[12..q.len()], &q[12..], "question echoed");
        if rdata.is_empty() {
            assert_eq!(ancount, 0);
        } else {
            assert_eq!(ancount, 1);
            assert_eq!(&r[n - rdata.len()..], &rdata[..]);
            assert_eq!(
                &r[n - rdata.len() - 6..n - rdata.len() - 2],
                &5u32.to_be_bytes(),
                "TTL 5"
            );
        }
    }
    let ev = w.stop();
    let got: Vec<(String, String)> = ev
        .iter()
        .map(|e| match e {
            NetEvent::Dns {
                name,
                qtype,
                transport,
                ..
            } => {
                assert_eq!(transport, "udp");
                (name.clone(), qtype.clone())
            }
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    let want: Vec<(String, String)> = ["A", "AAAA", "TXT"]
        .iter()
        .map(|t| ("a.example.com".to_string(), t.to_string()))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn dns_over_tcp_on_port_53_framing() {
    // Port 53 cannot be bound unprivileged, so drive the handler through a world whose listener is on 53 only if possible.
    let Ok(l) = TcpListener::bind("127.0.0.1:53") else {
        println!("skipped: cannot bind 127.0.0.1:53");
        return;
    };
    let w = World::start(vec![Socket::Tcp(l)], WorldConfig::new(geo()));
    let q = dns_query(9, "b.example.org", 1);
    let mut s = TcpStream::connect("127.0.0.1:53").unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut framed = (q.len() as u16).to_be_bytes().to_vec();
    framed.extend_from_slice(&q);
    s.write_all(&framed).unwrap();
    let mut len = [0u8; 2];
    s.read_exact(&mut len).unwrap();
    let mut r = vec![0u8; usize::from(u16::from_be_bytes(len))];
    s.read_exact(&mut r).unwrap();
    assert_eq!(&r[r.len() - 4..], &[127, 0, 0, 1]);
    drop(s);
    let ev = w.stop();
    assert!(ev.iter().any(|e| matches!(e, NetEvent::Dns { name, transport, .. } if name == "b.example.org" && transport == "tcp")));
}

#[test]
fn http_post_is_recorded_and_answered_generically() {
    let (w, port) = tcp_world(WorldConfig::new(geo()));
    let resp = exchange(
        port,
        b"POST /collect?x=1 HTTP/1.1\r\nHost: Telemetry.Example:8080\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nhello world",
    );
    assert!(resp.starts_with("HTTP/1.1 200 OK\r\n"), "{resp}");
    assert!(resp.contains("Connection: close"));
    assert_eq!(body_of(&resp), "{}");
    let ev = w.stop();
    let http: Vec<_> = ev
        .iter()
        .filter(|e| matches!(e, NetEvent::Http { .. }))
        .collect();
    assert_eq!(http.len(), 1);
    let NetEvent::Http {
        method,
        host,
        path,
        body,
        body_bytes,
        truncated,
        answered,
        tls,
        headers,
        ..
    } = http[0]
    else {
        unreachable!()
    };
    assert_eq!(
        (method.as_str(), host.as_str(), path.as_str()),
        ("POST", "Telemetry.Example", "/collect?x=1")
    );
    assert_eq!(
        (body.as_str(), *body_bytes, *truncated, *tls),
        ("hello world", 11, false, false)
    );
    assert_eq!(answered, "generic");
    assert!(headers.contains(&("Content-Type".into(), "text/plain".into())));
    assert_eq!(http[0].host(), Some("Telemetry.Example"));
    assert!(ev
        .iter()
        .any(|e| matches!(e, NetEvent::Connection { tls: false, .. })));
}

#[test]
fn http_geoip_services_report_the_persona() {
    let (w, port) = tcp_world(WorldConfig::new(geo()));
    let get = |host: &str, path: &str| {
        let r = exchange(
            port,
            format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: */*\r\n\r\n").as_bytes(),
        );
        body_of(&r).to_string()
    };
    let j: serde_json::Value = serde_json::from_str(&get("ipinfo.io", "/json")).unwrap();
    assert_eq!(j["country"], "CN");
    let j: serde_json::Value = serde_json::from_str(&get("ip-api.com", "/json")).unwrap();
    assert_eq!(j["countryCode"], "CN");
    assert_eq!(get("ifconfig.co", "/country-iso").trim(), "CN");
    assert_eq!(get("api.ipify.org", "/").trim(), "203.0.113.7");
    let head = exchange(port, b"HEAD /json HTTP/1.1\r\nHost: ipinfo.io\r\n\r\n");
    assert_eq!(body_of(&head), "", "HEAD has no body");
    let ev = w.stop();
    assert!(ev.iter().any(
        |e| matches!(e, NetEvent::Http { answered, .. } if answered == "geoip ipinfo.io as CN")
    ));
}

#[test]
fn http_chunked_body_and_expect_continue() {
    let (w, port) = tcp_world(WorldConfig::new(geo()));
    let resp = exchange(
        port,
        b"POST /up HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n4\r\nWiki\r\n6\r\npedia \r\n0\r\n\r\n",
    );
    assert!(
        resp.starts_with("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK"),
        "{resp}"
    );
    let ev = w.stop();
    assert!(ev.iter().any(|e| matches!(e, NetEvent::Http { body, body_bytes: 10, truncated: false, .. } if body == "Wikipedia ")));
}

#[test]
fn http_body_is_capped() {
    let mut cfg = WorldConfig::new(geo());
    cfg.max_capture_bytes = 10;
    let (w, port) = tcp_world(cfg);
    let resp = exchange(
        port,
        b"PUT / HTTP/1.1\r\nHost: a\r\nContent-Length: 20\r\n\r\n0123456789abcdefghij",
    );
    assert!(resp.contains("200 OK"));
    let ev = w.stop();
    assert!(ev.iter().any(|e| matches!(e, NetEvent::Http { body, body_bytes: 20, truncated: true, .. } if body == "0123456789")));
}

fn client_config(
    roots: &[rustls::pki_types::CertificateDer<'static>],
) -> Arc<rustls::ClientConfig> {
    let mut store = rustls::RootCertStore::empty();
    for r in roots {
        store.add(r.clone()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let cfg = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(store)
        .with_no_client_auth();
    Arc::new(cfg)
}

fn tls_get(
    port: u16,
    cfg: Arc<rustls::ClientConfig>,
    sni: &str,
    req: &str,
) -> Result<String, std::io::Error> {
    let name = rustls::pki_types::ServerName::try_from(sni.to_string()).unwrap();
    let conn = rustls::ClientConnection::new(cfg, name).unwrap();
    let sock = TcpStream::connect(("127.0.0.1", port))?;
    sock.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut s = rustls::StreamOwned::new(conn, sock);
    s.write_all(req.as_bytes())?;
    let mut out = Vec::new();
    s.read_to_end(&mut out)?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

#[test]
fn tls_with_trusted_ca_is_decrypted() {
    let ca = Arc::new(Ca::generate().unwrap());
    let mut cfg = WorldConfig::new(geo());
    cfg.ca = Some(ca.clone());
    let (w, port) = tcp_world(cfg);
    let client = client_config(&[ca.cert_der()]);
    let resp = tls_get(
        port,
        client,
        "ipinfo.io",
        "GET /json HTTP/1.1\r\nHost: ipinfo.io\r\n\r\n",
    )
    .unwrap();
    let j: serde_json::Value = serde_json::from_str(body_of(&resp)).unwrap();
    assert_eq!(j["country"], "CN");
    let ev = w.stop();
    assert!(ev.iter().any(|e| matches!(e, NetEvent::Connection { tls: true, sni: Some(s), decrypted: true, .. } if s == "ipinfo.io")), "{ev:?}");
    assert!(ev.iter().any(|e| matches!(e, NetEvent::Http { tls: true, host, path, .. } if host == "ipinfo.io" && path == "/json")));
}

#[test]
fn tls_with_untrusted_ca_records_sni_and_does_not_hang() {
    let ca = Arc::new(Ca::generate().unwrap());
    let other = Ca::generate().unwrap();
    let mut cfg = WorldConfig::new(geo());
    cfg.ca = Some(ca);
    let (w, port) = tcp_world(cfg);
    let started = Instant::now();
    let r = tls_get(
        port,
        client_config(&[other.cert_der()]),
        "tracker.example",
        "GET / HTTP/1.1\r\n\r\n",
    );
    assert!(r.is_err());
    let ev = wait_for(&w, |ev| !ev.is_empty());
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(ev.iter().any(|e| matches!(e, NetEvent::Connection { tls: true, sni: Some(s), decrypted: false, .. } if s == "tracker.example")), "{ev:?}");
    let t = Instant::now();
    w.stop();
    assert!(t.elapsed() < Duration::from_secs(2));
}

#[test]
fn tls_without_ca_records_sni_and_alpn() {
    let (w, port) = tcp_world(WorldConfig::new(geo()));
    let ca = Ca::generate().unwrap();
    let mut cc = (*client_config(&[ca.cert_der()])).clone();
    cc.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    assert!(tls_get(
        port,
        Arc::new(cc),
        "api.example.net",
        "GET / HTTP/1.1\r\n\r\n"
    )
    .is_err());
    let ev = w.stop();
    let want = NetEvent::Connection {
        t_ms: ev.first().map(NetEvent::t_ms).unwrap_or(0),
        port,
        tls: true,
        sni: Some("api.example.net".into()),
        alpn: vec!["h2".into(), "http/1.1".into()],
        decrypted: false,
    };
    assert_eq!(ev, vec![want]);
}

/// Runs a real TLS client (`program args…`) against a world with a fresh CA whose PEM path is
/// passed via `env_var` and substituted for `{pem}` / `{port}` in the args; returns its stdout.
fn real_client(program: &str, args: &[&str], env_var: &str) -> Option<(String, Vec<NetEvent>)> {
    let exe = std::path::Path::new(program);
    if !exe.exists() {
        println!("skipped: {program} not found");
        return None;
    }
    let ca = Arc::new(Ca::generate().unwrap());
    let mut cfg = WorldConfig::new(geo());
    cfg.ca = Some(ca.clone());
    let (w, port) = tcp_world(cfg);
    let dir = std::env::temp_dir().join(format!("telltale-fakenet-{}-{port}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pem = dir.join("ca.pem");
    std::fs::write(&pem, ca.cert_pem()).unwrap();
    let pem_s = pem.to_string_lossy().into_owned();
    let args: Vec<String> = args
        .iter()
        .map(|a| {
            a.replace("{port}", &port.to_string())
                .replace("{pem}", &pem_s)
        })
        .collect();
    let mut child = std::process::Command::new(exe)
        .args(&args)
        .env(env_var, &pem)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let until = Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > until {
            let _ = child.kill();
            panic!("{program} hung");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let stdout = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(
        out.status.success(),
        "{program}: {stdout} / {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some((stdout, w.stop()))
}

fn decrypted_sni(ev: &[NetEvent], name: &str) -> bool {
    ev.iter().any(
        |e| matches!(e, NetEvent::Connection { sni: Some(s), decrypted: true, .. } if s == name),
    )
}

#[test]
fn node_accepts_the_generated_ca() {
    let script = "const https=require('https');\
        https.get({host:'127.0.0.1',port:+process.argv[1],servername:'ifconfig.co',headers:{Host:'ifconfig.co'},path:'/json'},res=>{\
        let d='';res.on('data',c=>d+=c);res.on('end',()=>console.log(JSON.parse(d).country_iso));})\
        .on('error',e=>{console.error('ERR '+e.message);process.exit(2);});";
    let Some((out, ev)) = real_client(
        "/usr/bin/node",
        &["-e", script, "{port}"],
        "NODE_EXTRA_CA_CERTS",
    ) else {
        return;
    };
    assert_eq!(out, "CN");
    assert!(decrypted_sni(&ev, "ifconfig.co"));
}

#[test]
fn curl_accepts_the_generated_ca() {
    let args = [
        "-sS",
        "--max-time",
        "20",
        "--cacert",
        "{pem}",
        "--resolve",
        "ipinfo.io:{port}:127.0.0.1",
        "https://ipinfo.io:{port}/country",
    ];
    let Some((out, ev)) = real_client("/usr/bin/curl", &args, "SSL_CERT_FILE") else {
        return;
    };
    assert_eq!(out, "CN");
    assert!(decrypted_sni(&ev, "ipinfo.io"));
    assert!(ev
        .iter()
        .any(|e| matches!(e, NetEvent::Connection { alpn, .. } if alpn.iter().any(|a| a == "h2"))));
}

#[test]
fn python_accepts_the_generated_ca_strictly() {
    let Ok(python) = std::process::Command::new("sh")
        .args(["-c", "command -v python3"])
        .output()
    else {
        return;
    };
    let python = String::from_utf8_lossy(&python.stdout).trim().to_string();
    if python.is_empty() {
        println!("skipped: python3 not found");
        return;
    }
    // VERIFY_X509_STRICT is the default from Python 3.13 on; ask for it explicitly.
    let script = "import ssl,sys,json,http.client\n\
        ctx=ssl.create_default_context(cafile=sys.argv[2])\n\
        ctx.verify_flags|=getattr(ssl,'VERIFY_X509_STRICT',0)\n\
        c=http.client.HTTPSConnection('ip-api.com',int(sys.argv[1]),context=ctx)\n\
        c.sock=None\n\
        import socket\n\
        raw=socket.create_connection(('127.0.0.1',int(sys.argv[1])))\n\
        c.sock=ctx.wrap_socket(raw,server_hostname='ip-api.com')\n\
        c.request('GET','/json')\n\
        print(json.loads(c.getresponse().read())['countryCode'])\n";
    let Some((out, ev)) = real_client(&python, &["-c", script, "{port}", "{pem}"], "SSL_CERT_FILE")
    else {
        return;
    };
    assert_eq!(out, "CN");
    assert!(decrypted_sni(&ev, "ip-api.com"));
}

#[test]
fn raw_tcp_bytes_are_recorded() {
    let (w, port) = tcp_world(WorldConfig::new(geo()));
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.write_all(b"\x00\x01hello raw").unwrap();
    s.shutdown(Shutdown::Write).unwrap();
    let mut sink = Vec::new();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let _ = s.read_to_end(&mut sink);
    let ev = w.stop();
    assert!(ev.iter().any(|e| matches!(e, NetEvent::Raw { text, bytes: 11, tls: false, .. } if text.ends_with("hello raw"))), "{ev:?}");
}

#[test]
fn connection_cap_is_respected() {
    let mut cfg = WorldConfig::new(geo());
    cfg.max_connections = 2;
    let (w, port) = tcp_world(cfg);
    let idle: Vec<TcpStream> = (0..2)
        .map(|_| TcpStream::connect(("127.0.0.1", port)).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(200)); // let both be accepted
    let mut third = TcpStream::connect(("127.0.0.1", port)).unwrap();
    third
        .set_read_timeout(Some(Duration::from_secs(3)))
        .unwrap();
    let t = Instant::now();
    let mut b = [0u8; 1];
    assert!(matches!(third.read(&mut b), Ok(0) | Err(_)));
    assert!(
        t.elapsed() < Duration::from_secs(2),
        "third connection closed at once"
    );
    let ev = wait_for(&w, |ev| !ev.is_empty());
    assert_eq!(ev.len(), 1, "only the refused one so far: {ev:?}");
    drop(idle);
    let ev = w.stop();
    assert_eq!(
        ev.iter()
            .filter(|e| matches!(e, NetEvent::Connection { .. }))
            .count(),
        3
    );
}

#[test]
fn stop_is_prompt_with_a_silent_client() {
    let (w, port) = tcp_world(WorldConfig::new(geo()));
    let _silent = TcpStream::connect(("127.0.0.1", port)).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    let t = Instant::now();
    let ev = w.stop();
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    assert_eq!(ev.len(), 1);
    assert!(matches!(
        &ev[0],
        NetEvent::Connection {
            tls: false,
            sni: None,
            ..
        }
    ));
}

#[test]
fn events_serialize_with_kind_tags() {
    let ev = NetEvent::Dns {
        t_ms: 3,
        name: "x.y".into(),
        qtype: "A".into(),
        transport: "udp".into(),
    };
    let s = serde_json::to_string(&ev).unwrap();
    assert_eq!(
        s,
        r#"{"kind":"dns","t_ms":3,"name":"x.y","qtype":"A","transport":"udp"}"#
    );
    assert_eq!(serde_json::from_str::<NetEvent>(&s).unwrap(), ev);
}

#[test]
fn total_capture_budget_cuts_bodies() {
    let mut cfg = WorldConfig::new(geo());
    cfg.max_total_capture_bytes = 150;
    let (w, port) = tcp_world(cfg);
    let body = "x".repeat(80);
    for _ in 0..2 {
        let req = format!("POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 80\r\n\r\n{body}");
        assert!(exchange(port, req.as_bytes()).contains("200 OK"));
    }
    let ev = w.stop();
    let bodies: Vec<(usize, bool)> = ev
        .iter()
        .filter_map(|e| match e {
            NetEvent::Http {
                body, truncated, ..
            } => Some((body.len(), *truncated)),
            _ => None,
        })
        .collect();
    assert_eq!(bodies.len(), 2);
    assert_eq!(bodies[0], (80, false));
    assert!(bodies[1].0 < 80 && bodies[1].1, "{bodies:?}");
}

#[test]
fn hostile_bytes_never_kill_the_server() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let u = UdpSocket::bind("127.0.0.1:0").unwrap();
    let uaddr = u.local_addr().unwrap();
    let mut cfg = WorldConfig::new(geo());
    cfg.ca = Some(Arc::new(Ca::generate().unwrap()));
    cfg.read_timeout = Duration::from_millis(300);
    let w = World::start(vec![Socket::Tcp(l), Socket::Udp(u)], cfg);
    let c = UdpSocket::bind("127.0.0.1:0").unwrap();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let prefixes: [&[u8]; 5] = [
        b"",
        b"\x16\x03\x01",
        b"GET ",
        b"POST / HTTP/1.1\r\nContent-Length: 99999999999\r\n",
        b"\x16\x03\x01\x00\x05\x01\x00\x00\x01",
    ];
    for round in 0..40 {
        let mut data = prefixes[round % prefixes.len()].to_vec();
        let n = (next() % 300) as usize;
        data.extend((0..n).map(|_| next() as u8));
        let _ = c.send_to(&data, uaddr);
        if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
            let _ = s.write_all(&data);
            let _ = s.shutdown(Shutdown::Write);
        }
    }
    let resp = exchange(port, b"GET /json HTTP/1.1\r\nHost: ipapi.co\r\n\r\n");
    assert!(resp.contains("\"country_name\":\"China\""), "{resp}");
    c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    c.send_to(&dns_query(77, "still.alive", 1), uaddr).unwrap();
    let mut buf = [0u8; 512];
    loop {
        let (n, _) = c.recv_from(&mut buf).unwrap();
        if n > 2 && buf[..2] == 77u16.to_be_bytes() {
            break;
        }
    }
    let t = Instant::now();
    w.stop();
    assert!(t.elapsed() < Duration::from_secs(2));
}
