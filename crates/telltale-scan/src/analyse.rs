//! One file through its front end: the kind a path names, and the analysis for it.

use crate::manifest;
use crate::native::analyse_executable;
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
    let name = path.rsplit('/').next().unwrap_or(path);
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

/// Files worth loading: sources by extension, and files that may be executables (no
/// extension, `.exe`), whose embedded JavaScript is analysed.
pub(crate) fn wanted_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    kind_of(path).is_some() || !name.contains('.') || name.to_ascii_lowercase().ends_with(".exe")
}

pub(crate) fn analyse_file(path: &str, bytes: &[u8], opts: &ScanOptions) -> Vec<Analysed> {
    if telltale_ingest::executable::is_executable(bytes) {
        return analyse_executable(path, bytes, opts);
    }
    let Some(kind) = kind_of(path) else { return vec![] };
    if bytes.iter().take(8192).any(|b| *b == 0) {
        let facts = FileFacts { file: path.to_string(), diagnostics: vec!["binary content: not analysed".into()], ..Default::default() };
        return vec![Analysed { facts, text: String::new() }];
    }
    let text = String::from_utf8_lossy(bytes).into_owned();
    match kind {
        // A file that names nothing reportable is counted as scanned, not parsed.
        Kind::Js if prefilter_on() && !telltale_js::prefilter::worth_analysing(text.as_bytes()) => vec![Analysed { facts: FileFacts { file: path.to_string(), ..Default::default() }, text }],
        Kind::Js => {
            let mut facts = telltale_js::analyze(path, &text, &opts.js);
            let nested = std::mem::take(&mut facts.nested);
            let mut out = vec![Analysed { facts, text }];
            out.extend(nested.into_iter().map(|n| Analysed { facts: n.facts, text: n.text }));
            out
        }
        Kind::Python => {
            let mut facts = telltale_python::analyze(path, &text, &opts.python);
            facts.install_time = runs_at_install(path);
            let nested = std::mem::take(&mut facts.nested);
            let mut out = vec![Analysed { facts, text }];
            out.extend(nested.into_iter().map(|n| Analysed { facts: n.facts, text: n.text }));
            out
        }
        Kind::Shell => {
            let sa = telltale_shell::analyze_shell(&text, 0);
            let facts = FileFacts {
                file: path.to_string(),
                sources: sa.sources,
                flows: sa.flows,
                endpoints: sa.endpoints,
                dynamic_code: sa.dynamic_code,
                ..Default::default()
            };
            vec![Analysed { facts, text }]
        }
        Kind::PythonMetadata => vec![Analysed { facts: telltale_python::metadata::analyze(path, &text), text }],
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
                out.extend(nested.into_iter().map(|n| Analysed { facts: n.facts, text: n.text }));
            }
            out.insert(0, Analysed { facts: m.facts, text });
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
        assert_eq!(kind_of("pkg-1.0.dist-info/entry_points.txt"), Some(Kind::PythonMetadata));
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
