//! Against a registry served on loopback: resolution, integrity, cache, errors.

use super::testing::FakeRegistry;
use super::*;
use std::net::TcpListener;

use super::testing::sri;

impl FakeRegistry {
    fn client(&self, cache: &Path, offline: bool) -> Client {
        Client::new(Config {
            registry: self.url.clone(),
            cache_dir: Some(cache.to_path_buf()),
            offline,
            timeout: Duration::from_secs(10),
            retries: 0,
            max_tarball_bytes: 1 << 20,
        })
    }
}

fn none() -> serde_json::Value {
    serde_json::json!({})
}

#[test]
fn specs_parse() {
    assert_eq!(
        Spec::parse("left-pad").unwrap(),
        Spec {
            name: "left-pad".into(),
            wanted: None
        }
    );
    assert_eq!(
        Spec::parse("@scope/pkg@^1.2").unwrap(),
        Spec {
            name: "@scope/pkg".into(),
            wanted: Some("^1.2".into())
        }
    );
    assert_eq!(
        Spec::parse("x@next").unwrap().wanted.as_deref(),
        Some("next")
    );
    for bad in ["", "@scope", "a/b", "../x", "x@", "@s/p/q", "spa ce"] {
        assert!(Spec::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn platforms() {
    let p = Platform::parse("linux-x64").unwrap();
    assert_eq!(p.libc.as_deref(), Some("glibc"));
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    assert!(p.allows(&s(&["linux"]), &s(&["x64"]), &s(&["glibc"])));
    assert!(!p.allows(&s(&["linux"]), &s(&["x64"]), &s(&["musl"])));
    assert!(!p.allows(&s(&["darwin"]), &s(&["x64"]), &[]));
    assert!(!p.allows(&s(&["!linux"]), &[], &[]));
    assert!(Platform::parse("linux").is_none());
}

#[test]
fn resolves_tags_versions_and_ranges() {
    let reg = FakeRegistry::new(
        &[
            ("demo", "1.0.0", b"a", none()),
            ("demo", "1.2.0", b"b", none()),
            ("demo", "2.0.0-beta.1", b"c", none()),
            ("demo", "1.3.0", b"d", none()),
        ],
        &sri,
    );
    let dir = tempfile::tempdir().unwrap();
    let mut p = reg.client(dir.path(), false).packument("demo").unwrap();
    p.dist_tags.insert("latest".into(), "1.2.0".into());
    p.dist_tags.insert("next".into(), "2.0.0-beta.1".into());
    assert_eq!(resolve_version("demo", &p, None).unwrap(), "1.2.0");
    assert_eq!(
        resolve_version("demo", &p, Some("next")).unwrap(),
        "2.0.0-beta.1"
    );
    assert_eq!(resolve_version("demo", &p, Some("1.0.0")).unwrap(), "1.0.0");
    assert_eq!(resolve_version("demo", &p, Some("^1")).unwrap(), "1.3.0");
    assert_eq!(
        resolve_version("demo", &p, Some("1.0.x || >=3")).unwrap(),
        "1.0.0"
    );
    assert!(matches!(
        resolve_version("demo", &p, Some("^5")),
        Err(RegistryError::NoSuchVersion { .. })
    ));
}

#[test]
fn fetch_verifies_integrity_and_caches() {
    let reg = FakeRegistry::new(&[("@s/demo", "1.2.0", b"tarball bytes", none())], &sri);
    let dir = tempfile::tempdir().unwrap();
    let spec = Spec::parse("@s/demo@^1").unwrap();
    let p = reg.client(dir.path(), false).fetch(&spec).unwrap();
    assert_eq!(
        (p.version.as_str(), p.tarball.as_slice(), p.cached),
        ("1.2.0", &b"tarball bytes"[..], false)
    );
    // Offline, from the cache, with no request made.
    let before = reg.requests();
    let again = reg.client(dir.path(), true).fetch(&spec).unwrap();
    assert!(again.cached);
    assert_eq!(reg.requests(), before);
    // Offline and never fetched: a clear error.
    let missing = reg
        .client(dir.path(), true)
        .fetch(&Spec::parse("other").unwrap())
        .unwrap_err();
    assert!(
        matches!(missing, RegistryError::NotCached { .. }),
        "{missing}"
    );
}

#[test]
fn wrong_integrity_is_refused_and_not_cached() {
    let reg = FakeRegistry::new(&[("demo", "1.0.0", b"tampered", none())], &|_| {
        sri(b"what was published")
    });
    let dir = tempfile::tempdir().unwrap();
    let err = reg
        .client(dir.path(), false)
        .fetch(&Spec::parse("demo").unwrap())
        .unwrap_err();
    assert!(matches!(err, RegistryError::Integrity { .. }), "{err}");
    assert!(err.to_string().contains("expected sha512-"), "{err}");
    assert!(!dir.path().join("npm/tarballs/demo-1.0.0.tgz").exists());
}

#[test]
fn legacy_sha1_shasum_is_checked() {
    let hex_sha1 = |b: &[u8]| hex(&sha1::Sha1::digest(b));
    let reg = FakeRegistry::new(
        &[("old", "0.1.0", b"old tarball", serde_json::json!({}))],
        &|_| String::new(),
    );
    // The fake published no integrity: refused rather than used unverified.
    let dir = tempfile::tempdir().unwrap();
    let err = reg
        .client(dir.path(), false)
        .fetch(&Spec::parse("old").unwrap())
        .unwrap_err();
    assert!(matches!(err, RegistryError::NoIntegrity { .. }), "{err}");
    let dist = Dist {
        tarball: String::new(),
        integrity: None,
        shasum: Some(hex_sha1(b"old tarball")),
    };
    let expected = expected_integrity(&dist).unwrap();
    assert!(check_integrity(b"old tarball", &expected).is_ok());
    assert!(check_integrity(b"other", &expected).is_err());
}

#[test]
fn missing_package_version_and_registry_are_clear_errors() {
    let reg = FakeRegistry::new(&[("demo", "1.0.0", b"x", none())], &sri);
    let dir = tempfile::tempdir().unwrap();
    let c = reg.client(dir.path(), false);
    let e = c.fetch(&Spec::parse("nope").unwrap()).unwrap_err();
    assert!(matches!(e, RegistryError::NoSuchPackage { .. }), "{e}");
    let e = c.fetch(&Spec::parse("demo@^9").unwrap()).unwrap_err();
    assert!(e.to_string().contains("latest is 1.0.0"), "{e}");
    // A port nobody listens on.
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", closed.local_addr().unwrap());
    drop(closed);
    let c = Client::new(Config {
        registry: url,
        cache_dir: None,
        offline: false,
        timeout: Duration::from_secs(5),
        retries: 1,
        max_tarball_bytes: 1 << 20,
    });
    let e = c.fetch(&Spec::parse("demo").unwrap()).unwrap_err();
    assert!(matches!(e, RegistryError::Unreachable { .. }), "{e}");
}

#[test]
fn platform_packages_follow_os_cpu_and_libc() {
    let reg = FakeRegistry::new(
        &[
            (
                "tool-linux-x64",
                "1.0.0",
                b"linux glibc",
                serde_json::json!({ "os": ["linux"], "cpu": ["x64"], "libc": ["glibc"] }),
            ),
            (
                "tool-linux-x64-musl",
                "1.0.0",
                b"linux musl",
                serde_json::json!({ "os": ["linux"], "cpu": ["x64"], "libc": ["musl"] }),
            ),
            (
                "tool-darwin-arm64",
                "1.0.0",
                b"mac",
                serde_json::json!({ "os": ["darwin"], "cpu": ["arm64"] }),
            ),
            ("ordinary-optional", "1.0.0", b"any", none()),
        ],
        &sri,
    );
    let dir = tempfile::tempdir().unwrap();
    let c = reg.client(dir.path(), false);
    let main = Package {
        name: "tool".into(),
        version: "1.0.0".into(),
        tarball: vec![],
        integrity: String::new(),
        cached: false,
        optional_dependencies: [
            "tool-linux-x64",
            "tool-linux-x64-musl",
            "tool-darwin-arm64",
            "ordinary-optional",
            "tool-win32-arm64",
            "tool-linux-arm64",
        ]
        .iter()
        .map(|n| (n.to_string(), "1.0.0".to_string()))
        .collect(),
        dependencies: vec![],
        peer_dependencies: vec![],
        unchecked: None,
    };
    let names = |p: &str| -> Vec<String> {
        c.platform_packages(&main, &Platform::parse(p).unwrap())
            .fetched
            .into_iter()
            .map(|(_, r)| r.unwrap().name)
            .collect()
    };
    assert_eq!(names("linux-x64"), vec!["tool-linux-x64"]);
    assert_eq!(names("linux-x64-musl"), vec!["tool-linux-x64-musl"]);
    assert_eq!(names("darwin-arm64"), vec!["tool-darwin-arm64"]);
    // Listed but never published: another platform's is named, not an error…
    let win = c.platform_packages(&main, &Platform::parse("win32-x64").unwrap());
    assert!(win.fetched.is_empty());
    assert!(
        win.other_platforms
            .contains(&"tool-win32-arm64".to_string()),
        "{:?}",
        win.other_platforms
    );
    assert_eq!(win.restricted, 5);
    // …but this platform's is.
    let arm = c.platform_packages(&main, &Platform::parse("linux-arm64").unwrap());
    assert_eq!(arm.fetched.len(), 1);
    assert!(
        matches!(&arm.fetched[0], (n, Err(RegistryError::NoSuchPackage { .. })) if n == "tool-linux-arm64"),
        "{:?}",
        arm.fetched
    );
}

#[test]
fn a_deferred_cache_check_still_catches_a_tampered_cache() {
    let tarball = b"the real tarball".to_vec();
    let reg = FakeRegistry::new(&[("demo", "1.0.0", &tarball, serde_json::json!({}))], &sri);
    let dir = tempfile::tempdir().unwrap();
    let spec = Spec {
        name: "demo".into(),
        wanted: Some("1.0.0".into()),
    };
    assert!(
        reg.client(dir.path(), false)
            .fetch(&spec)
            .unwrap()
            .unchecked
            .is_none(),
        "a download is checked at once"
    );
    let cached = reg
        .client(dir.path(), false)
        .deferring_cache_checks()
        .fetch(&spec)
        .unwrap();
    assert!(cached.cached && cached.unchecked.is_some());
    assert!(cached.verify(&cached.tarball).is_ok());
    assert!(matches!(
        cached.verify(b"tampered in the cache"),
        Err(RegistryError::Integrity { .. })
    ));
}

#[test]
fn platform_words_in_package_names() {
    let linux = Platform::parse("linux-x64").unwrap();
    let musl = Platform::parse("linux-x64-musl").unwrap();
    assert_eq!(linux.named_in("@openai/codex-linux-x64"), Some(true));
    assert_eq!(linux.named_in("opencode-linux-x64-baseline"), Some(true));
    assert_eq!(
        linux.named_in("opencode-linux-x64-baseline-musl"),
        Some(false)
    );
    assert_eq!(
        musl.named_in("opencode-linux-x64-baseline-musl"),
        Some(true)
    );
    assert_eq!(musl.named_in("@github/copilot-linuxmusl-x64"), Some(true));
    assert_eq!(
        linux.named_in("@teddyzhu/clipboard-darwin-arm64"),
        Some(false)
    );
    assert_eq!(
        linux.named_in("@kilocode/cli-windows-x64-baseline"),
        Some(false)
    );
    assert_eq!(
        linux.named_in("@teddyzhu/clipboard-linux-x64-gnu"),
        Some(true)
    );
    assert_eq!(linux.named_in("sharp"), None);
    assert!(Platform::parse_checked("linux-x64").is_ok());
    assert!(Platform::parse_checked("linux-amd64")
        .unwrap_err()
        .contains("x64, arm64"));
    assert!(Platform::parse_checked("macos-arm64")
        .unwrap_err()
        .contains("darwin"));
    assert!(Platform::parse_checked("darwin-arm64-musl").is_err());
    assert!(Platform::parse_checked("linux").is_err());
}

#[test]
fn npmrc_names_the_registry() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("a/b");
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::write(
        dir.path().join("a/.npmrc"),
        "# mirror\nregistry = https://registry.npmmirror.com\n@x:registry=https://other/\n",
    )
    .unwrap();
    assert_eq!(
        npmrc_registry(&sub, None).as_deref(),
        Some("https://registry.npmmirror.com")
    );
    assert_eq!(with_slash("https://r".into()), "https://r/");
}
