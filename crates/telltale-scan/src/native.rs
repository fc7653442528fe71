//! Native binaries (Go, Rust, C executables, native addons, WebAssembly) with no JavaScript
//! inside: the endpoints and opt-out settings their strings name, and the identity their
//! imported functions read. Executables that do carry a program are opened by
//! [`crate::containers`] first.

use crate::analyse::Analysed;
use telltale_facts::FileFacts;

/// Telemetry opt-out variables a native executable names (`DO_NOT_TRACK`, catalogued and
/// generic names): upper-case `A_B` words of a string run, once per setting. How the program
/// checks them is not visible, so they are reported as `named`.
pub(crate) fn opt_outs_named(
    run: &str,
    run_start: usize,
    out: &mut Vec<telltale_facts::OptOutFact>,
) {
    let is_name_byte = |b: u8| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_';
    let bytes = run.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        while i < bytes.len() && is_name_byte(bytes[i]) {
            i += 1;
        }
        // Strings run together in binaries: `…_ENABLEDControls whether…` ends at `D`.
        let end = if i < bytes.len() && bytes[i].is_ascii_lowercase() && i > start {
            i - 1
        } else {
            i
        };
        let word = &run[start..end];
        if (6..=64).contains(&word.len())
            && word.contains('_')
            && !out.iter().any(|o| o.setting == word)
        {
            if let Some(setting) = telltale_knowledge::optout::env_setting(word) {
                let at = (run_start + start) as u32;
                out.push(telltale_facts::OptOutFact {
                    setting: word.to_string(),
                    product: setting.product.map(str::to_string),
                    check: "named".into(),
                    span: telltale_facts::Span::new(at, at + word.len() as u32),
                    ..Default::default()
                });
            }
        }
        i += 1;
    }
}

/// A space before each `http://`, `https://`, `ws://`, `wss://` that follows a letter or digit:
/// strings in binaries run together, and a URL must start at a word boundary to be read.
fn split_run_together_urls(run: &str) -> String {
    let mut out = String::with_capacity(run.len() + 8);
    let bytes = run.as_bytes();
    for (i, c) in run.char_indices() {
        let rest = &run[i..];
        let scheme = ["https://", "http://", "wss://", "ws://"]
            .iter()
            .any(|s| rest.len() >= s.len() && rest[..s.len()].eq_ignore_ascii_case(s));
        if scheme && i > 0 && bytes[i - 1].is_ascii_alphanumeric() {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// A native executable (Go, Rust, C) without embedded JavaScript: the endpoints and opt-out
/// settings its strings name (URLs, hosts of catalogued telemetry and geolocation services),
/// and the identity its imported functions read (`gethostname`). Locations are byte offsets;
/// the text shown is the binary with unprintable bytes as `.`.
pub(crate) fn native_strings(path: &str, bytes: &[u8]) -> Analysed {
    const MIN_RUN: usize = 8;
    let mut facts = FileFacts {
        file: path.to_string(),
        minified: true,
        native: true,
        ..Default::default()
    };
    let mut start = None;
    for (i, b) in bytes.iter().chain(std::iter::once(&0)).enumerate() {
        let printable = (0x20..0x7f).contains(b);
        match (printable, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                start = None;
                if i - s < MIN_RUN || i - s > 4096 {
                    continue;
                }
                let run = std::str::from_utf8(&bytes[s..i]).unwrap_or("");
                let span = telltale_facts::Span::new(s as u32, i as u32);
                // Strings in binaries run together (`chatgpt.comthis`): keep hosts whose last
                // label is a real top-level domain.
                let real = |h: &str| {
                    h.contains('.')
                        && h.rsplit('.')
                            .next()
                            .is_some_and(telltale_knowledge::geo::is_known_tld)
                };
                // A URL run together with the string before it (`…for mTLShttps://ab.…`).
                let spaced;
                let run = if run.contains("://") {
                    spaced = split_run_together_urls(run);
                    spaced.as_str()
                } else {
                    run
                };
                for (host, url) in telltale_knowledge::strings::literal_endpoints(run)
                    .into_iter()
                    .filter(|(h, _)| real(h))
                {
                    facts.endpoints.push(telltale_facts::EndpointFact {
                        host,
                        url,
                        span,
                        encodings: vec![],
                        provenance: String::new(),
                        origin: None,
                        in_text: false,
                    });
                }
                opt_outs_named(run, s, &mut facts.opt_outs);
            }
            _ => {}
        }
    }
    for name in telltale_ingest::executable::imported_functions(bytes) {
        if let Some(kind) = telltale_knowledge::native::imported_source(&name) {
            let at = telltale_ingest::executable::name_offset(bytes, &name).unwrap_or(0) as u32;
            facts.sources.push(telltale_facts::SourceFact {
                kind,
                api: format!("{name}() (imported)"),
                span: telltale_facts::Span::new(at, at + name.len() as u32),
            });
        }
    }
    let text = bytes
        .iter()
        .map(|&b| {
            if (0x20..0x7f).contains(&b) || b == b'\n' {
                b as char
            } else {
                '.'
            }
        })
        .collect();
    Analysed { facts, text }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::wanted_file;

    #[test]
    fn native_strings_name_opt_out_settings_once_and_split_run_together_words() {
        let mut out = Vec::new();
        opt_outs_named(
            "managed-daemonanalytics_default_enabledANALYTICS_DEFAULT_ENABLEDControls whether",
            100,
            &mut out,
        );
        opt_outs_named("DO_NOT_TRACK=1 and DO_NOT_TRACK again", 200, &mut out);
        let named: Vec<(&str, u32)> = out
            .iter()
            .map(|o| (o.setting.as_str(), o.span.start))
            .collect();
        assert_eq!(
            named,
            vec![("ANALYTICS_DEFAULT_ENABLED", 139), ("DO_NOT_TRACK", 200)]
        );
        assert!(out.iter().all(|o| o.check == "named"));
        // Ordinary constants and variables are no opt-out.
        let mut none = Vec::new();
        opt_outs_named(
            "PATH_MAX NODE_ENV SSL_CERT_FILE RUST_BACKTRACE HTTP_PROXY O_RDONLY",
            0,
            &mut none,
        );
        assert!(none.is_empty(), "{none:?}");
    }
    #[test]
    fn native_executables_give_the_endpoints_their_strings_name() {
        let mut exe = b"\x7fELF\x02\x01\x01\0\0\0".to_vec();
        exe.extend_from_slice(b"\0\x01https://api.telemetry-vendor.io/v1/events\0\0https://docs.example.comthis\0short\0");
        let a = native_strings("package/bin/tool", &exe);
        let hosts: Vec<&str> = a.facts.endpoints.iter().map(|e| e.host.as_str()).collect();
        assert_eq!(hosts, vec!["api.telemetry-vendor.io"]);
        assert_eq!(a.text.len(), exe.len());
        // codex's OTLP endpoint runs on from the string before it and into the next one.
        let mut exe = b"\x7fELF\x02\x01\x01\0\0\0".to_vec();
        exe.extend_from_slice(b"\0must both be provided for mTLShttps://ab.chatgpt.com/otlp/v1/metricsclient-MkRule\0");
        let a = native_strings("package/bin/codex", &exe);
        let e = &a.facts.endpoints[0];
        assert_eq!(e.host, "ab.chatgpt.com");
        assert_eq!(
            e.url
                .as_deref()
                .and_then(telltale_knowledge::vendors::telemetry_shape),
            Some("OpenTelemetry metrics (OTLP)")
        );
        assert!(
            wanted_file("package/bin/tool")
                && wanted_file("x/tool.exe")
                && !wanted_file("x/readme.md")
        );
    }
}
