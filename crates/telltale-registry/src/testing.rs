//! A registry served on loopback for tests (this crate's and the CLI's): hermetic, no network.

use base64::Engine;
use sha2::Digest;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

/// The `sha512-…` integrity of bytes.
pub fn sri(bytes: &[u8]) -> String {
    format!(
        "sha512-{}",
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha512::digest(bytes))
    )
}

/// A registry on 127.0.0.1 answering from a path → (status, body) table, recording requests.
pub struct FakeRegistry {
    pub url: String,
    hits: Arc<Mutex<Vec<String>>>,
}

impl FakeRegistry {
    /// A registry whose packages are (name, version, tarball served, extra fields, integrity
    /// of the tarball published); tarballs are served under `/<name>/-/<version>.tgz`.
    pub fn new(
        packages: &[(&str, &str, &[u8], serde_json::Value)],
        published: &dyn Fn(&[u8]) -> String,
    ) -> FakeRegistry {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let mut routes: HashMap<String, (u16, Vec<u8>)> = HashMap::new();
        let mut packuments: HashMap<&str, serde_json::Value> = HashMap::new();
        for (name, v, tarball, extra) in packages {
            let escaped = name.replace('/', "%2f");
            let tar_path = format!("/{escaped}/-/{v}.tgz");
            let mut meta = serde_json::json!({ "name": name, "version": v, "dist": { "tarball": format!("{url}{}", &tar_path[1..]), "integrity": published(tarball) } });
            meta.as_object_mut()
                .unwrap()
                .extend(extra.as_object().cloned().unwrap_or_default());
            let p = packuments.entry(name).or_insert_with(
                || serde_json::json!({ "name": name, "dist-tags": {}, "versions": {} }),
            );
            p["versions"][*v] = meta;
            p["dist-tags"]["latest"] = serde_json::json!(v);
            routes.insert(tar_path, (200, tarball.to_vec()));
        }
        for (name, p) in packuments {
            routes.insert(
                format!("/{}", name.replace('/', "%2f")),
                (200, serde_json::to_vec(&p).unwrap()),
            );
        }
        Self::serve(listener, url, routes)
    }

    /// A server answering exactly these paths (anything else: 404).
    pub fn with_routes(routes: Vec<(String, Vec<u8>)>) -> FakeRegistry {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        Self::serve(
            listener,
            url,
            routes.into_iter().map(|(p, b)| (p, (200, b))).collect(),
        )
    }

    fn serve(
        listener: TcpListener,
        url: String,
        routes: HashMap<String, (u16, Vec<u8>)>,
    ) -> FakeRegistry {
        let hits = Arc::new(Mutex::new(Vec::new()));
        let seen = hits.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                if reader.read_line(&mut line).is_err() {
                    continue;
                }
                let mut header = String::new();
                while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
                    header.clear();
                }
                let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
                seen.lock().unwrap().push(path.clone());
                let (status, body) = routes.get(&path).cloned().unwrap_or((404, b"{}".to_vec()));
                let head = format!(
                    "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(&body);
            }
        });
        FakeRegistry { url, hits }
    }

    pub fn requests(&self) -> usize {
        self.hits.lock().unwrap().len()
    }
}
