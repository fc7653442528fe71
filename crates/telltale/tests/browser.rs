//! The HTML report (`--format html`) in a real browser: the built binary writes the page for a
//! corpus case, headless Chromium loads it from disk, and the DOM it built is checked (the
//! label, the countries, the region finding's rule, a code frame, and what the page's own
//! script adds, which proves the script ran under the page's Content-Security-Policy); then a
//! screenshot is taken and kept for a person to look at: `target/browser/<case>.png`.
//!
//! Chromium is `TELLTALE_CHROMIUM`, else `chromium` or `chromium-browser` on PATH
//! (`scripts/install-test-deps.sh` installs Debian's). Without one these tests fail, saying
//! so, unless `TELLTALE_SKIP_BROWSER=1`, which makes them print "skipped: …" and pass.

use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// How long one Chromium run may take before it is killed.
const BROWSER_LIMIT: Duration = Duration::from_secs(60);

fn corpus_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus")
}

/// Where pages and screenshots are kept for people to open: `<target dir>/browser`.
fn keep_dir() -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let dir = tmp.parent().unwrap_or(tmp).join("browser");
    std::fs::create_dir_all(&dir).expect("create the browser output folder");
    dir
}

/// Printed whatever the test harness captures: the paths are for a person to open.
fn say(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// The Chromium to run, or `None` when the test is to be skipped (having said why).
fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("TELLTALE_CHROMIUM").filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        assert!(
            p.is_file(),
            "TELLTALE_CHROMIUM={} is not a file",
            p.display()
        );
        return Some(p);
    }
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        ["chromium", "chromium-browser"].iter().find_map(|name| {
            std::env::split_paths(&paths)
                .map(|d| d.join(name))
                .find(|p| p.is_file())
        })
    });
    if on_path.is_some() {
        return on_path;
    }
    if std::env::var("TELLTALE_SKIP_BROWSER").as_deref() == Ok("1") {
        say("skipped: no chromium or chromium-browser on PATH and TELLTALE_CHROMIUM unset (TELLTALE_SKIP_BROWSER=1)");
        return None;
    }
    panic!(
        "no Chromium to test the HTML report with: install it (scripts/install-test-deps.sh, or apt-get install chromium), \
         point TELLTALE_CHROMIUM at one, or set TELLTALE_SKIP_BROWSER=1 to skip the browser tests"
    );
}

/// A `file://` URL for an absolute path.
fn file_url(path: &Path) -> String {
    let path = path.canonicalize().expect("page path");
    let mut url = String::from("file://");
    for b in path.to_str().expect("UTF-8 path").bytes() {
        match b {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'/'
            | b'-'
            | b'_'
            | b'.'
            | b'~'
            | b'@'
            | b'+' => url.push(b as char),
            _ => url.push_str(&format!("%{b:02X}")),
        }
    }
    url
}

/// Run headless Chromium with a throwaway profile, killing it (and its helpers: it runs in its
/// own process group) after [`BROWSER_LIMIT`].
fn run_chromium(browser: &Path, args: &[String]) -> Output {
    let profile = tempfile::tempdir().expect("profile folder");
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", browser.display()));
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut v = Vec::new();
            let _ = r.read_to_end(&mut v);
            v
        })
    };
    let out = drain(Box::new(child.stdout.take().unwrap()));
    let err = drain(Box::new(child.stderr.take().unwrap()));
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait for chromium") {
            break s;
        }
        if started.elapsed() > BROWSER_LIMIT {
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", child.id())])
                .status();
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "chromium ran for more than {} s and was killed: {args:?}",
                BROWSER_LIMIT.as_secs()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let output = Output {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    };
    assert!(
        output.status.success(),
        "chromium failed ({}): {args:?}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// The DOM Chromium built from the page, serialised.
fn dump_dom(browser: &Path, page: &Path) -> String {
    let out = run_chromium(browser, &["--dump-dom".to_string(), file_url(page)]);
    String::from_utf8(out.stdout).expect("the DOM is UTF-8")
}

/// Scan `target` (relative to `cwd`) with the built binary into `page` as HTML.
fn write_report(cwd: &Path, target: &Path, page: &Path) {
    let out = Command::new(env!("CARGO_BIN_EXE_telltale"))
        .current_dir(cwd)
        .arg("scan")
        .arg(target)
        .args(["--format", "html", "-o"])
        .arg(page)
        .output()
        .expect("run telltale");
    // 0 or 1 (a finding at --fail-on); 2 would be a usage or read error.
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "telltale scan failed: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(page.is_file(), "no report written to {}", page.display());
}

/// A 1280×2000 PNG of `page` at `shot`, checked to be one.
fn screenshot(browser: &Path, page: &Path, shot: &Path) {
    let _ = std::fs::remove_file(shot);
    run_chromium(
        browser,
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1280,2000".to_string(),
            file_url(page),
        ],
    );
    let png =
        std::fs::read(shot).unwrap_or_else(|e| panic!("no screenshot at {}: {e}", shot.display()));
    assert!(
        png.len() > 10_000,
        "the screenshot is only {} bytes",
        png.len()
    );
    assert_eq!(
        &png[..8],
        b"\x89PNG\r\n\x1a\n",
        "the screenshot is not a PNG"
    );
    assert_eq!(&png[12..16], b"IHDR");
    let (w, h) = (
        u32::from_be_bytes(png[16..20].try_into().unwrap()),
        u32::from_be_bytes(png[20..24].try_into().unwrap()),
    );
    assert_eq!((w, h), (1280, 2000), "the screenshot's size");
}

fn assert_has(dom: &str, want: &str, what: &str) {
    assert!(
        dom.contains(want),
        "the rendered page lacks {what}: `{want}`"
    );
}

#[test]
fn html_report_renders_in_chromium() {
    let Some(browser) = chromium() else { return };
    let (root, case) = (corpus_root(), Path::new("npm/es5-ext-0.10.64.tgz"));
    assert!(
        root.join(case).is_file(),
        "the corpus case {} is missing (../shared/corpus)",
        root.join(case).display()
    );
    let dir = keep_dir();
    let page = dir.join("es5-ext-0.10.64.html");
    let shot = dir.join("es5-ext-0.10.64.png");
    write_report(&root, case, &page);

    let dom = dump_dom(&browser, &page);
    assert_has(&dom, "<code>npm/es5-ext-0.10.64.tgz</code>", "the target");
    assert_has(&dom, "<h3>Privacy label</h3>", "the privacy label");
    assert_has(
        &dom,
        "<section class=\"verdict passes\" id=\"verdict\"",
        "the verdict banner",
    );
    assert_has(
        &dom,
        "<p class=\"verdict-headline\">Passes the policy</p>",
        "the verdict in words",
    );
    assert_has(&dom, "Behaves differently in", "the label's region part");
    assert_has(
        &dom,
        "Intl.DateTimeFormat().resolvedOptions().timeZone",
        "the region data compared",
    );
    assert_has(
        &dom,
        "<span class=\"iso\">RU</span> Russia",
        "the country RU with its name",
    );
    assert_has(&dom, "Countries targeted", "the countries chart");
    assert_has(&dom, "<text class=\"iso\"", "the chart's country tiles");
    assert_has(&dom, ">Russia</text>", "Russia in the chart");
    assert_has(
        &dom,
        "<span class=\"rule\">TT201</span><span class=\"rule-name\">region-conditional</span>",
        "the region finding",
    );
    assert_has(
        &dom,
        "package/_postinstall.js:9:3",
        "the region finding's location",
    );
    assert_has(
        &dom,
        "<pre class=\"code\"><span class=\"gutter\">9</span>",
        "a code frame at line 9",
    );
    assert_has(
        &dom,
        "<mark>",
        "the finding's span marked in its code frame",
    );
    // Built by the page's script: it ran, so the CSP let it.
    assert_has(
        &dom,
        "data-tt-js=\"ready\"",
        "the mark the page's script sets",
    );
    assert_has(
        &dom,
        "id=\"tt-filter-medium\"",
        "the severity filter the script builds",
    );

    screenshot(&browser, &page, &shot);
    say(&format!(
        "html report: {}\nscreenshot: {}",
        page.display(),
        shot.display()
    ));
}

/// Markup in a package's code and file names reaches the browser as text: no element from
/// the package, no script of its run.
#[test]
fn hostile_text_stays_text_in_chromium() {
    let Some(browser) = chromium() else { return };
    let pkg = tempfile::tempdir().expect("package folder");
    let code = "const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;\n\
                if (tz === \"Europe/Moscow\") { x = \"</script><script>document.title='pwned'</script><img src=x onerror=alert(1)>\"; }\n";
    std::fs::write(
        pkg.path().join("package.json"),
        r#"{"name":"hostile","version":"1.0.0"}"#,
    )
    .unwrap();
    std::fs::write(pkg.path().join("<img src=x onerror=alert(2)>.js"), code).unwrap();
    let page = keep_dir().join("hostile.html");
    write_report(pkg.path(), pkg.path(), &page);

    let dom = dump_dom(&browser, &page);
    assert_has(
        &dom,
        "<span class=\"rule\">TT201</span>",
        "the region finding",
    );
    assert_has(&dom, "&lt;/script&gt;&lt;script&gt;document.title='pwned'&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;", "the snippet as text");
    assert_has(
        &dom,
        "&lt;img src=x onerror=alert(2)&gt;.js",
        "the file name as text",
    );
    assert_eq!(
        dom.matches("<script").count(),
        1,
        "a script element besides the page's own"
    );
    assert!(!dom.contains("<img"), "an img element from the package");
    assert!(!dom.contains("pwned</title>"), "the package's script ran");
    assert_has(
        &dom,
        "data-tt-js=\"ready\"",
        "the mark the page's own script sets",
    );
}

/// `telltale diff --format html` of es5-ext 0.10.53 → 0.10.64, the release that added the
/// protestware: the banner fails at `--fail-on medium`, with the added region finding as the
/// reason, and the added region behaviour leads the table of changes.
#[test]
fn diff_page_renders_in_chromium() {
    let Some(browser) = chromium() else { return };
    let root = corpus_root();
    let dir = keep_dir();
    let page = dir.join("diff-es5-ext.html");
    let out = Command::new(env!("CARGO_BIN_EXE_telltale"))
        .current_dir(&root)
        .args([
            "diff",
            "npm/es5-ext-0.10.53.tgz",
            "npm/es5-ext-0.10.64.tgz",
            "--fail-on",
            "medium",
            "--format",
            "html",
            "-o",
        ])
        .arg(&page)
        .output()
        .expect("run telltale");
    assert_eq!(
        out.status.code(),
        Some(1),
        "an added medium finding fails at --fail-on medium: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dom = dump_dom(&browser, &page);
    assert_has(
        &dom,
        "<section class=\"verdict fails\" id=\"verdict\"",
        "the verdict banner",
    );
    assert_has(
        &dom,
        "Fails the policy: 1 thing the new version adds",
        "the verdict in words",
    );
    assert_has(
        &dom,
        "1 finding: medium is at or above fail-on medium (--fail-on)",
        "the reason",
    );
    assert_has(&dom, "es5-ext 0.10.53 → es5-ext 0.10.64", "the two sides");
    let added = dom
        .split("id=\"changes-added\"")
        .nth(1)
        .expect("the table of what the new version adds");
    let region = added.find(">region</span>").expect("the region change");
    let install = added
        .find(">install-script</span>")
        .expect("the install script change");
    assert!(region < install, "the region change comes first");
    assert_has(added, "<span class=\"iso\">RU</span> Russia", "Russia");
    assert_has(
        &dom,
        "<span class=\"rule\">TT201</span>",
        "the added region finding",
    );
    assert_has(
        &dom,
        "data-tt-js=\"ready\"",
        "the mark the page's script sets",
    );
    let shot = dir.join("diff-es5-ext.png");
    screenshot(&browser, &page, &shot);
    say(&format!(
        "diff page: {}\nscreenshot: {}",
        page.display(),
        shot.display()
    ));
}

/// `telltale probe --format html` of es5-ext 0.10.64 as US and RU users: the message only the
/// Russian persona was shown leads the page, and the persona table marks Russia's cell.
#[test]
fn probe_page_renders_in_chromium() {
    let Some(browser) = chromium() else { return };
    let dir = keep_dir();
    let page = dir.join("probe-es5-ext.html");
    let cache = tempfile::tempdir().expect("cache folder");
    let out = Command::new(env!("CARGO_BIN_EXE_telltale"))
        .current_dir(corpus_root())
        .env("TELLTALE_CACHE_DIR", cache.path())
        .args([
            "probe",
            "--offline",
            "npm/es5-ext-0.10.64.tgz",
            "--persona",
            "us,ru",
            "--timeout",
            "20",
            "--format",
            "html",
            "-o",
        ])
        .arg(&page)
        .output()
        .expect("run telltale");
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() == Some(3) && stderr.contains("the kernel forbids the namespaces") {
        say(&format!("NOT RUN: {}", stderr.trim()));
        return;
    }
    assert_eq!(out.status.code(), Some(0), "probe failed: {stderr}");
    let dom = dump_dom(&browser, &page);
    assert_has(
        &dom,
        "<section class=\"verdict passes\" id=\"verdict\"",
        "the verdict banner",
    );
    assert_has(
        &dom,
        "Passes: no finding at or above high",
        "the verdict in words",
    );
    let differences = dom
        .find("<h2>Differences between countries</h2>")
        .expect("the differences");
    let table = dom
        .find("<h2>What each persona saw</h2>")
        .expect("the persona table");
    assert!(differences < table, "the differences come first");
    assert_has(
        &dom[differences..table],
        "<span class=\"only\">Only as</span> <span class=\"country\"><span class=\"iso\">RU</span> Russia",
        "the country that was shown the message",
    );
    assert_has(
        &dom[differences..table],
        "Россия вторглась на Украину",
        "the message as printed",
    );
    assert_eq!(
        dom[table..].matches("<th scope=\"col\">").count(),
        2,
        "one column per persona"
    );
    assert_has(
        &dom,
        "<tr class=\"differs\"><th scope=\"row\">postinstall (install script)</th>",
        "the postinstall row marked as differing",
    );
    assert_eq!(
        dom.matches("<td class=\"diff\">").count(),
        1,
        "only Russia's cell is marked"
    );
    assert_has(
        &dom,
        "data-tt-js=\"ready\"",
        "the mark the page's script sets",
    );
    let shot = dir.join("probe-es5-ext.png");
    screenshot(&browser, &page, &shot);
    say(&format!(
        "probe page: {}\nscreenshot: {}",
        page.display(),
        shot.display()
    ));
}

/// `telltale query alerts --format html`: the watch digest from a store holding two alerts —
/// one adding a region condition and a send the policy fails, one a version that could not be
/// compared — renders with the failing banner, the package cards and Russia named.
#[test]
fn digest_page_renders_in_chromium() {
    let Some(browser) = chromium() else { return };
    let dir = keep_dir();
    let db = dir.join("digest.sqlite");
    let _ = std::fs::remove_file(&db);
    let mut store = telltale_store::Store::open(&db.display().to_string()).unwrap();
    let region = serde_json::json!({
        "package": "npm:es5-ext", "from": "0.10.53", "to": "0.10.64",
        "changes": [
            {"change": "added", "aspect": "install-script", "what": "postinstall: node ./_postinstall.js",
             "countries": [], "endpoints": [], "location": "package/package.json:1:1"},
            {"change": "added", "aspect": "region", "what": "prints a message when the time zone is a Russian one",
             "countries": ["RU"], "endpoints": [], "location": "package/_postinstall.js:9:5"}
        ],
        "findings_added": [{"rule": "TT201", "severity": "medium", "location": "package/_postinstall.js:9:5",
                            "message": "behaviour depends on the user's region (time zone)", "fails_policy": true}]
    });
    let failed = serde_json::json!({
        "package": "npm:@scope/tool", "from": "2.0.0", "to": "2.1.0",
        "changes": [{"change": "added", "aspect": "coverage", "what": "2.1.0 could not be compared with 2.0.0",
                     "countries": [], "endpoints": [], "location": ""}],
        "findings_added": [], "error": "integrity mismatch"
    });
    assert!(store
        .claim_alert("npm|es5-ext|0.10.64", &region.to_string())
        .unwrap());
    assert!(store
        .queue_alert("npm|@scope/tool|2.1.0", &failed.to_string())
        .unwrap());
    drop(store);
    let page = dir.join("digest.html");
    let out = Command::new(env!("CARGO_BIN_EXE_telltale"))
        .args([
            "query",
            "alerts",
            "--since",
            "2020-01-01",
            "--format",
            "html",
            "--store",
        ])
        .arg(&db)
        .arg("-o")
        .arg(&page)
        .output()
        .expect("run telltale");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(&page).unwrap();
    assert_eq!(
        telltale_report::html::audit::problems(&html),
        Vec::<String>::new()
    );
    let dom = dump_dom(&browser, &page);
    assert_has(
        &dom,
        "<section class=\"verdict fails\" id=\"verdict\"",
        "the verdict banner",
    );
    assert_has(
        &dom,
        "1 version added findings the policy fails",
        "the verdict in words",
    );
    assert_has(
        &dom,
        "npm:@scope/tool 2.1.0 could not be compared: integrity mismatch",
        "the caveat",
    );
    assert_has(&dom, "2 alerts across 2 packages", "the counts");
    let card = dom
        .split("<h2><code>npm:es5-ext</code>")
        .nth(1)
        .expect("the package's card");
    let region = card.find(">region</span>").expect("the region change");
    let install = card
        .find(">install-script</span>")
        .expect("the install script");
    assert!(region < install, "region first");
    assert_has(card, "<span class=\"iso\">RU</span> Russia", "Russia");
    let shot = dir.join("digest.png");
    screenshot(&browser, &page, &shot);
    say(&format!(
        "digest page: {}\nscreenshot: {}",
        page.display(),
        shot.display()
    ));
}
