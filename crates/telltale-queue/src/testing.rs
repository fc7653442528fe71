//! A throwaway `nats-server` with JetStream for tests (this crate's and the CLI's).
//!
//! Each [`TestNats`] runs its own server on a free loopback port with its store in a temporary
//! directory, so tests never share state and never touch a real queue. The binary comes from
//! `TELLTALE_NATS_SERVER` or `PATH` (`scripts/install-test-deps.sh` installs Debian's). A
//! missing server fails the test, saying so, unless `TELLTALE_SKIP_NATS=1`: see
//! [`TestNats::start_or_skip`].

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Servers started by this process, for [`TestNats::id`].
static STARTED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// A running `nats-server -js`, killed on drop.
pub struct TestNats {
    binary: PathBuf,
    port: u16,
    /// Unique in this process, kept across restarts: see [`TestNats::id`].
    id: usize,
    store: tempfile::TempDir,
    child: Option<Child>,
}

impl TestNats {
    /// Start a server on a free port with a fresh store directory; waits until it accepts
    /// connections.
    pub fn start() -> Result<TestNats, String> {
        let binary = find_server()?;
        // A port taken between probing and binding makes the server exit: try a few.
        let mut last = String::new();
        for _ in 0..5 {
            let store = tempfile::Builder::new()
                .prefix("telltale-nats-")
                .tempdir()
                .map_err(|e| format!("cannot create a store directory: {e}"))?;
            let mut nats = TestNats {
                binary: binary.clone(),
                port: free_port()?,
                id: STARTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
                store,
                child: None,
            };
            match nats.spawn() {
                Ok(()) => return Ok(nats),
                Err(e) => last = e,
            }
        }
        Err(format!("nats-server did not start: {last}"))
    }

    /// A name part unique to this server in this process. Tests name their streams and
    /// consumers with it: a port is free again while another test restarts its server on it,
    /// so one test's worker may reconnect to another test's server, and must then find no
    /// consumer of its own there to take that test's jobs from.
    pub fn id(&self) -> String {
        format!("{}_{}", std::process::id(), self.id)
    }

    /// [`TestNats::start`], or `None` after printing `skipped: …` when no server is installed
    /// and `TELLTALE_SKIP_NATS=1`. Panics with the reason otherwise.
    pub fn start_or_skip() -> Option<TestNats> {
        if find_server().is_err() && std::env::var("TELLTALE_SKIP_NATS").as_deref() == Ok("1") {
            println!("skipped: nats-server not found and TELLTALE_SKIP_NATS=1");
            return None;
        }
        match TestNats::start() {
            Ok(nats) => Some(nats),
            Err(e) => panic!("{e}"),
        }
    }

    /// `nats://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// The JetStream store directory (kept across [`TestNats::restart`]).
    pub fn store_dir(&self) -> &Path {
        self.store.path()
    }

    /// The server's output so far (all runs).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.store.path().join("server.log")).unwrap_or_default()
    }

    /// SIGTERM and wait (SIGKILL after 10 s).
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        // SAFETY: kill(2) on the pid of a child we own and have not reaped yet.
        unsafe {
            libc::kill(child.id() as libc::pid_t, libc::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match child.try_wait() {
                Ok(Some(_)) => return,
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(50))
                }
                _ => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return;
                }
            }
        }
    }

    /// Stop (if running), then start again on the same port with the same store.
    pub fn restart(&mut self) -> Result<(), String> {
        self.stop();
        // The port may linger briefly after the old server closed it.
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match self.spawn() {
                Ok(()) => return Ok(()),
                Err(e) if Instant::now() >= deadline => {
                    return Err(format!("nats-server did not restart: {e}"))
                }
                Err(_) => std::thread::sleep(Duration::from_millis(200)),
            }
        }
    }

    fn spawn(&mut self) -> Result<(), String> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.store.path().join("server.log"))
            .map_err(|e| format!("cannot open the server log: {e}"))?;
        let log2 = log.try_clone().map_err(|e| e.to_string())?;
        let mut child = Command::new(&self.binary)
            .arg("-js")
            .arg("-sd")
            .arg(self.store.path())
            .args(["-a", "127.0.0.1", "-p", &self.port.to_string()])
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log2)
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", self.binary.display()))?;
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                let log = std::fs::read_to_string(self.store.path().join("server.log"))
                    .unwrap_or_default();
                let tail: String = log.lines().rev().take(5).collect::<Vec<_>>().join(" | ");
                return Err(format!("nats-server exited with {status}: {tail}"));
            }
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                self.child = Some(child);
                return Ok(());
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "nats-server did not listen on port {} within 15 s",
                    self.port
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for TestNats {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// `TELLTALE_NATS_SERVER`, else `nats-server` on `PATH` (or `/usr/sbin`, where Debian puts it).
pub fn find_server() -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os("TELLTALE_NATS_SERVER") {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(format!(
                "TELLTALE_NATS_SERVER={} is not a file",
                path.display()
            ))
        };
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/usr/local/sbin")])
        .map(|dir| dir.join("nats-server"))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            "nats-server not found on PATH: install it (scripts/install-test-deps.sh, or \
             apt-get install nats-server), set TELLTALE_NATS_SERVER, or set TELLTALE_SKIP_NATS=1 \
             to skip the queue tests"
                .to_string()
        })
}

fn free_port() -> Result<u16, String> {
    let listener =
        TcpListener::bind("127.0.0.1:0").map_err(|e| format!("cannot find a free port: {e}"))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}
