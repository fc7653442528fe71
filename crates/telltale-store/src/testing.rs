//! A throwaway PostgreSQL server for tests (`TestPostgres`): `initdb` into a temporary
//! folder, started with `pg_ctl` on a free loopback port and a private socket folder, stopped
//! and deleted on drop. `stop` and `start_again` let a test take the database away for a
//! while. PostgreSQL refuses to run as root, so as root the server runs as `nobody`.
//!
//! Binaries are looked up in `$TELLTALE_PG_BIN` (only there when set), else `PATH`, then `/usr/local/bin` and
//! `/usr/lib/postgresql/*/bin`. Without them `start` fails saying so; tests call
//! [`TestPostgres::start_or_skip`], which fails the test unless `TELLTALE_SKIP_POSTGRES=1`.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The uid/gid the server runs as when the tests run as root (`nobody`).
const UNPRIVILEGED: u32 = 65534;

/// A running test server.
pub struct TestPostgres {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    as_nobody: bool,
    running: bool,
}

impl TestPostgres {
    /// initdb and start a server; `Err` says what is missing or what failed (with the log).
    pub fn start() -> Result<TestPostgres, String> {
        let bin = find_bin().ok_or_else(|| {
            "PostgreSQL binaries (initdb, pg_ctl, postgres) not found in $TELLTALE_PG_BIN, PATH, /usr/local/bin or /usr/lib/postgresql/*/bin; \
             install PostgreSQL or set TELLTALE_SKIP_POSTGRES=1 to skip these tests"
                .to_string()
        })?;
        let as_nobody = effective_uid_is_root();
        let dir = tempfile::Builder::new()
            .prefix("telltale-pg-")
            .tempdir()
            .map_err(|e| format!("temporary folder: {e}"))?;
        if as_nobody {
            std::os::unix::fs::chown(dir.path(), Some(UNPRIVILEGED), Some(UNPRIVILEGED))
                .map_err(|e| format!("chown {}: {e}", dir.path().display()))?;
        }
        let port = free_port()?;
        let mut pg = TestPostgres {
            dir,
            bin,
            port,
            as_nobody,
            running: false,
        };
        let data = pg.data_dir();
        pg.run(
            "initdb",
            &[
                "-D",
                &data,
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-locale",
                "--no-sync",
            ],
        )?;
        // Loopback TCP on our port, the socket in our folder, nothing durable: tests only.
        let conf = format!(
            "\nlisten_addresses = '127.0.0.1'\nport = {port}\nunix_socket_directories = '{}'\nfsync = off\nsynchronous_commit = off\nfull_page_writes = off\nmax_connections = 40\n",
            pg.dir.path().display()
        );
        let conf_path = Path::new(&data).join("postgresql.conf");
        let mut text = std::fs::read_to_string(&conf_path)
            .map_err(|e| format!("read {}: {e}", conf_path.display()))?;
        text.push_str(&conf);
        std::fs::write(&conf_path, text)
            .map_err(|e| format!("write {}: {e}", conf_path.display()))?;
        pg.start_again()?;
        Ok(pg)
    }

    /// [`TestPostgres::start`] for tests: `None` (after printing `skipped: …`) when the
    /// server cannot start and `TELLTALE_SKIP_POSTGRES=1`; otherwise a failure to start
    /// panics with the reason, so a missing PostgreSQL never passes silently.
    pub fn start_or_skip() -> Option<TestPostgres> {
        match TestPostgres::start() {
            Ok(pg) => Some(pg),
            Err(e) if std::env::var("TELLTALE_SKIP_POSTGRES").as_deref() == Ok("1") => {
                println!("skipped: {e}");
                None
            }
            Err(e) => panic!("cannot start a test PostgreSQL: {e}"),
        }
    }

    /// The URL of the `postgres` database.
    pub fn url(&self) -> String {
        self.url_of("postgres")
    }

    /// The URL of another database on this server (see [`TestPostgres::create_database`]).
    pub fn url_of(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Create an empty database and return its URL: one per test body keeps them apart.
    pub fn create_database(&self, name: &str) -> Result<String, String> {
        let mut c = postgres::Client::connect(&self.url(), postgres::NoTls)
            .map_err(|e| format!("connect: {e}"))?;
        c.batch_execute(&format!("CREATE DATABASE \"{}\"", name.replace('"', "")))
            .map_err(|e| format!("create database {name}: {e}"))?;
        Ok(self.url_of(name))
    }

    /// Stop the server (fast shutdown: connected clients are cut off); the data stays.
    pub fn stop(&mut self) -> Result<(), String> {
        if !self.running {
            return Ok(());
        }
        let data = self.data_dir();
        self.run("pg_ctl", &["-D", &data, "-m", "fast", "-w", "stop"])?;
        self.running = false;
        Ok(())
    }

    /// Start it again on the same port after [`TestPostgres::stop`].
    pub fn start_again(&mut self) -> Result<(), String> {
        if self.running {
            return Ok(());
        }
        let data = self.data_dir();
        let log = self.dir.path().join("server.log").display().to_string();
        if let Err(e) = self.run(
            "pg_ctl",
            &["-D", &data, "-l", &log, "-w", "-t", "60", "start"],
        ) {
            let server_log = std::fs::read_to_string(&log).unwrap_or_default();
            return Err(format!("{e}\nserver log:\n{server_log}"));
        }
        self.running = true;
        Ok(())
    }

    fn data_dir(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    /// Run one of the binaries, as `nobody` when we are root.
    fn run(&self, tool: &str, args: &[&str]) -> Result<(), String> {
        let exe = self.bin.join(tool);
        let mut cmd = if self.as_nobody {
            let mut c = Command::new("setpriv");
            c.args([
                format!("--reuid={UNPRIVILEGED}"),
                format!("--regid={UNPRIVILEGED}"),
                "--clear-groups".into(),
            ])
            .arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        // The server's working folder must be one it may enter.
        cmd.args(args).current_dir(self.dir.path());
        let out = cmd
            .output()
            .map_err(|e| format!("cannot run {}: {e}", exe.display()))?;
        if !out.status.success() {
            return Err(format!(
                "{} {} failed ({}):\n{}{}",
                exe.display(),
                args.join(" "),
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(())
    }
}

impl Drop for TestPostgres {
    fn drop(&mut self) {
        // Immediate: nothing to keep, and the folder is deleted next.
        if self.running {
            let data = self.data_dir();
            let _ = self.run("pg_ctl", &["-D", &data, "-m", "immediate", "-w", "stop"]);
        }
    }
}

fn find_bin() -> Option<PathBuf> {
    let has_all = |d: &Path| {
        ["initdb", "pg_ctl", "postgres"]
            .iter()
            .all(|t| d.join(t).is_file())
    };
    // An explicit folder is the only place looked at, so a wrong one is not papered over.
    if let Some(d) = std::env::var_os("TELLTALE_PG_BIN") {
        let d = PathBuf::from(d);
        return has_all(&d).then_some(d);
    }
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(path) = std::env::var_os("PATH") {
        candidates.extend(std::env::split_paths(&path));
    }
    candidates.push(PathBuf::from("/usr/local/bin"));
    if let Ok(entries) = std::fs::read_dir("/usr/lib/postgresql") {
        let mut versions: Vec<PathBuf> = entries
            .filter_map(|e| e.ok())
            .map(|e| e.path().join("bin"))
            .collect();
        // Newest first.
        versions.sort();
        versions.reverse();
        candidates.extend(versions);
    }
    candidates.into_iter().find(|d| has_all(d))
}

/// Whether we run as root, from `/proc/self/status` (no libc needed for one number).
fn effective_uid_is_root() -> bool {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|ids| ids.split_whitespace().nth(1))
        .is_some_and(|euid| euid == "0")
}

/// A loopback port free right now (the kernel's pick, released for the server).
fn free_port() -> Result<u16, String> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
    l.local_addr()
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))
}
