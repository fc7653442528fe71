//! One file through its front end: the kind a path names, and the analysis for it.

use crate::containers::{Content, Input};
use crate::manifest;
use crate::native::native_strings;
use crate::options::ScanOptions;
use crate::pipeline::prefilter_on;
use telltale_facts::FileFacts;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Js,
    Shell,
    Python,
    Manifest,
    /// Python packaging metadata: the console scripts a package installs.
    PythonMetadata,
}

pub(crate) fn kind_of(path: &str) -> Option<Kind> {
    // An earlier copy of a name an archive lists twice is read like the installed one.
    let path = path
        .split_once(" (overwritten copy ")
        .map_or(path, |(p, _)| p);
    let name = path.rsplit(['/', '›']).next().unwrap_or(path).trim();
    if name == "package.json" {
        return Some(Kind::Manifest);
    }
    if telltale_python::metadata::is_metadata_file(path) {
        return Some(Kind::PythonMetadata);
    }
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".d.ts") || lower.ends_with(".d.mts") || lower.ends_with(".d.cts") {
        return None;
    }
    let ext = lower.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    match ext {
        "js" | "cjs" | "mjs" | "jsx" | "ts" | "tsx" | "mts" | "cts" => Some(Kind::Js),
        "sh" | "bash" => Some(Kind::Shell),
        "py" | "pyw" => Some(Kind::Python),
        _ => None,
    }
}

/// One analysed file and the text its locations refer to.
pub(crate) struct Analysed {
    pub(crate) facts: FileFacts,
    pub(crate) text: String,
}

/// Names of files that may hold code inside them: archives and packed applications.
const CONTAINER_SUFFIXES: &[&str] = &[
    ".tgz", ".tar.gz", ".tar", ".gz", ".zip", ".whl", ".jar", ".asar", ".vsix", ".egg", ".nupkg",
    ".node", ".wasm",
];

/// Files worth loading: sources by extension; files that may be executables (no extension,
/// `.exe`), whose embedded JavaScript is analysed; archives, native addons and WebAssembly,
/// which are opened.
pub(crate) fn wanted_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let lower = name.to_ascii_lowercase();
    kind_of(path).is_some()
        || !name.contains('.')
        || lower.ends_with(".exe")
        || CONTAINER_SUFFIXES.iter().any(|s| lower.ends_with(s))
}

/// Whether a path names a script whose text may carry an encoded archive.
pub(crate) fn is_script_path(path: &str) -> bool {
    matches!(kind_of(path), Some(Kind::Js | Kind::Python | Kind::Shell))
}

/// The word coverage counts an input under, or `None` for files that are not code.
pub(crate) fn coverage_kind(input: &Input) -> Option<&'static str> {
    match &input.content {
        Content::Script(_) => Some("javascript"),
        Content::Native(_) => Some("native"),
        Content::File(_) => kind_of(&input.path).map(|k| match k {
            Kind::Js => "javascript",
            Kind::Shell => "shell",
            Kind::Python => "python",
            Kind::Manifest => "manifest",
            Kind::PythonMetadata => "python-metadata",
        }),
    }
}

/// One input through its front end.
pub(crate) fn analyse_input(input: &Input, opts: &ScanOptions) -> Vec<Analysed> {
    match &input.content {
        Content::File(bytes) => analyse_file(&input.path, bytes, opts),
        Content::Script(text) => analyse_js(&input.path, text.to_string(), opts),
        Content::Native(bytes) => vec![native_strings(&input.path, bytes)],
    }
}

/// JavaScript or TypeScript text, with the code it evaluates from constants.
fn analyse_js(path: &str, text: String, opts: &ScanOptions) -> Vec<Analysed> {
    // A file that names nothing reportable is counted as scanned, not parsed.
    if prefilter_on() && !telltale_js::prefilter::worth_analysing(text.as_bytes()) {
        return vec![Analysed {
            facts: FileFacts {
                file: path.to_string(),
                ..Default::default()
            },
            text,
        }];
    }
    let mut facts = telltale_js::analyze(path, &text, &opts.js);
    facts.file = path.to_string();
    let nested = std::mem::take(&mut facts.nested);
    let mut out = vec![Analysed { facts, text }];
    out.extend(nested.into_iter().map(|n| Analysed {
        facts: n.facts,
        text: n.text,
    }));
    out
}

/// A file by the kind its name says (executables and archives were opened before).
pub(crate) fn analyse_file(path: &str, bytes: &[u8], opts: &ScanOptions) -> Vec<Analysed> {
    let Some(kind) = kind_of(path) else {
        return vec![];
    };
    if bytes.iter().take(8192).any(|b| *b == 0) {
        let why = "binary content in a file named as source".to_string();
        let facts = FileFacts {
            file: path.to_string(),
            diagnostics: vec![format!("{why}: not analysed")],
            not_analysed: Some(why),
            ..Default::default()
        };
        return vec![Analysed {
            facts,
            text: String::new(),
        }];
    }
    let text = String::from_utf8_lossy(bytes).into_owned();
    match kind {
        Kind::Js => analyse_js(path, text, opts),
        Kind::Python => {
            let mut facts = telltale_python::analyze(path, &text, &opts.python);
            facts.install_time = runs_at_install(path);
            let nested = std::mem::take(&mut facts.nested);
            let mut out = vec![Analysed { facts, text }];
            out.extend(nested.into_iter().map(|n| Analysed {
                facts: n.facts,
                text: n.text,
            }));
            out
        }
        Kind::Shell => {
            let sa = telltale_shell::analyze_shell(&text, 0);
            // A script's addresses are the commands' (curl, wget, nc): what they contact.
            let requests = sa
                .endpoints
                .iter()
                .map(|e| telltale_facts::RequestFact {
                    host: e.host.clone(),
                    api: "command".into(),
                    span: e.span,
                })
                .collect();
            let facts = FileFacts {
                file: path.to_string(),
                sources: sa.sources,
                flows: sa.flows,
                endpoints: sa.endpoints,
                requests,
                dynamic_code: sa.dynamic_code,
                region_guards: sa.region_guards,
                ..Default::default()
            };
            vec![Analysed { facts, text }]
        }
        Kind::PythonMetadata => vec![Analysed {
            facts: telltale_python::metadata::analyze(path, &text),
            text,
        }],
        Kind::Manifest => {
            let m = manifest::analyze(path, &text);
            let mut out = vec![];
            for (hook, interpreter, code) in m.inline_code {
                if interpreter != "node" {
                    continue;
                }
                let name = format!("{path} › {hook}");
                let mut facts = telltale_js::analyze(&format!("{name}.js"), &code, &opts.js);
                facts.file = name;
                facts.install_time = true;
                let nested = std::mem::take(&mut facts.nested);
                out.push(Analysed { facts, text: code });
                out.extend(nested.into_iter().map(|n| Analysed {
                    facts: n.facts,
                    text: n.text,
                }));
            }
            out.insert(
                0,
                Analysed {
                    facts: m.facts,
                    text,
                },
            );
            out
        }
    }
}

/// A package's own `setup.py` (at the root of the target or of an sdist's top folder): pip
/// runs it to install the package.
pub(crate) fn runs_at_install(path: &str) -> bool {
    let mut parts = path.split('/');
    parts.next_back() == Some("setup.py") && parts.count() <= 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_kinds() {
        assert_eq!(kind_of("package/index.js"), Some(Kind::Js));
        assert_eq!(kind_of("package/types.d.ts"), None);
        assert_eq!(kind_of("package/package.json"), Some(Kind::Manifest));
        assert_eq!(
            kind_of("pkg-1.0.dist-info/entry_points.txt"),
            Some(Kind::PythonMetadata)
        );
        assert_eq!(kind_of("package/x.sh"), Some(Kind::Shell));
        assert_eq!(kind_of("package/README.md"), None);
        assert_eq!(kind_of("pkg-1.0/setup.py"), Some(Kind::Python));
    }
    #[test]
    fn setup_py_at_the_top_runs_at_install() {
        assert!(runs_at_install("setup.py"));
        assert!(runs_at_install("pkg-1.0/setup.py"));
        assert!(!runs_at_install("pkg-1.0/tests/fixtures/setup.py"));
        assert!(!runs_at_install("pkg-1.0/mysetup.py"));
    }
}
