//! The Python API catalog (`data/py_api.toml`): which resolved names are identity or region
//! sources, network sinks and request handles, command runners, dynamic-code entry points,
//! decoders, predicates, mutators and effects of guarded code, and what `setup()` runs at
//! install time. Environment-variable names are judged with [`crate::js_api::JsApi::env_var`]
//! so that both front ends agree on what `USER` or `GITHUB_TOKEN` hold.
//!
//! ```
//! use telltale_knowledge::py_api::py_api;
//! assert!(py_api().source("socket.gethostname()").is_some());
//! assert!(py_api().source("os.uname().sysname").is_none());
//! ```

use crate::js_api::js_api;
use crate::path_table::PathTable;
use rustc_hash::FxHashSet as HashSet;
use serde::Deserialize;
use std::sync::LazyLock;
use telltale_facts::{DataKind, Effect, SinkKind};

#[derive(Deserialize)]
struct Raw {
    #[allow(dead_code)]
    source: String,
    sources: Vec<RawSource>,
    quiet: Paths,
    env: RawEnv,
    files: Vec<RawFile>,
    file_reads: RawFileReads,
    sinks: Vec<RawSink>,
    handles: Vec<RawHandle>,
    payload: RawPayload,
    persist: RawPersist,
    exec: RawExec,
    dynamic_code: Paths,
    decoders: Vec<RawDecoder>,
    predicates: RawPredicates,
    mutators: RawMethods,
    effects: Vec<RawEffect>,
    setup: RawSetup,
    sensitive_words: RawWords,
}

#[derive(Deserialize)]
struct RawSource {
    path: String,
    kind: DataKind,
}
#[derive(Deserialize)]
struct Paths {
    paths: Vec<String>,
}
#[derive(Deserialize)]
struct RawEnv {
    objects: Vec<String>,
    getters: Vec<String>,
}
#[derive(Deserialize)]
struct RawFile {
    contains: String,
    kind: DataKind,
}
#[derive(Deserialize)]
struct RawFileReads {
    functions: Vec<String>,
    path_methods: Vec<String>,
    path_constructors: Vec<String>,
}
#[derive(Deserialize)]
struct RawSink {
    path: String,
    kind: SinkKind,
}
#[derive(Deserialize)]
struct RawHandle {
    constructor: String,
    methods: Vec<String>,
    kind: SinkKind,
}
#[derive(Deserialize)]
struct RawPersist {
    functions: Vec<String>,
    methods: Vec<String>,
}
#[derive(Deserialize)]
struct RawPayload {
    skip_keywords: Vec<String>,
}
#[derive(Deserialize)]
struct RawExec {
    paths: Vec<String>,
    argv_paths: Vec<String>,
}
#[derive(Deserialize)]
struct RawDecoder {
    path: String,
    technique: String,
}
#[derive(Deserialize)]
struct RawPredicates {
    paths: Vec<String>,
    methods: Vec<String>,
}
#[derive(Deserialize)]
struct RawMethods {
    methods: Vec<String>,
}
#[derive(Deserialize)]
struct RawEffect {
    path: String,
    effect: Effect,
}
#[derive(Deserialize)]
struct RawSetup {
    functions: Vec<String>,
    install_commands: Vec<String>,
}
#[derive(Deserialize)]
struct RawWords {
    words: Vec<String>,
}

/// How a command-running function takes its command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecStyle {
    /// The first argument: a command line, or a list of words.
    First,
    /// Every positional argument is a word (`os.execlp(file, arg0, arg1)`).
    Argv,
}

/// The loaded catalog.
pub struct PyApi {
    sources: PathTable<DataKind>,
    quiet: HashSet<String>,
    env_objects: HashSet<String>,
    env_getters: HashSet<String>,
    files: Vec<(String, DataKind)>,
    file_read_functions: HashSet<String>,
    path_methods: HashSet<String>,
    path_constructors: HashSet<String>,
    sinks: PathTable<SinkKind>,
    /// (constructor, method) → sink kind.
    handles: rustc_hash::FxHashMap<(String, String), SinkKind>,
    handle_constructors: HashSet<String>,
    skip_keywords: HashSet<String>,
    persist_functions: HashSet<String>,
    persist_methods: HashSet<String>,
    exec: PathTable<ExecStyle>,
    dynamic_code: HashSet<String>,
    decoders: rustc_hash::FxHashMap<String, &'static str>,
    predicates: PathTable<()>,
    predicate_methods: HashSet<String>,
    mutators: HashSet<String>,
    effects: PathTable<Effect>,
    setup_functions: HashSet<String>,
    install_commands: HashSet<String>,
    sensitive_words: Vec<String>,
    /// The last member name of every source, quiet and environment path (`gethostname`,
    /// `nodename`, `environ`): an attribute named otherwise reads none of them itself.
    members: HashSet<String>,
}

fn set(v: Vec<String>) -> HashSet<String> {
    v.into_iter().collect()
}

static API: LazyLock<PyApi> = LazyLock::new(|| {
    let raw: Raw =
        toml::from_str(include_str!("../data/py_api.toml")).expect("data/py_api.toml is valid");
    let mut handles = rustc_hash::FxHashMap::default();
    let mut handle_constructors = HashSet::default();
    for h in raw.handles {
        for m in h.methods {
            handles.insert((h.constructor.clone(), m), h.kind);
        }
        handle_constructors.insert(h.constructor);
    }
    let members = raw
        .sources
        .iter()
        .map(|s| s.path.as_str())
        .chain(raw.quiet.paths.iter().map(String::as_str))
        .chain(raw.env.objects.iter().map(String::as_str))
        .filter_map(last_member)
        .collect();
    let exec = raw
        .exec
        .paths
        .into_iter()
        .map(|p| (p, ExecStyle::First))
        .chain(
            raw.exec
                .argv_paths
                .into_iter()
                .map(|p| (p, ExecStyle::Argv)),
        );
    PyApi {
        sources: PathTable::new(raw.sources.into_iter().map(|s| (s.path, s.kind))),
        quiet: set(raw.quiet.paths),
        env_objects: set(raw.env.objects),
        env_getters: set(raw.env.getters),
        files: raw
            .files
            .into_iter()
            .map(|f| (f.contains, f.kind))
            .collect(),
        file_read_functions: set(raw.file_reads.functions),
        path_methods: set(raw.file_reads.path_methods),
        path_constructors: set(raw.file_reads.path_constructors),
        sinks: PathTable::new(raw.sinks.into_iter().map(|s| (s.path, s.kind))),
        handles,
        handle_constructors,
        skip_keywords: set(raw.payload.skip_keywords),
        persist_functions: set(raw.persist.functions),
        persist_methods: set(raw.persist.methods),
        exec: PathTable::new(exec),
        dynamic_code: set(raw.dynamic_code.paths),
        // Technique names live as long as the catalog: leak the few strings once.
        decoders: raw
            .decoders
            .into_iter()
            .map(|d| (d.path, &*Box::leak(d.technique.into_boxed_str())))
            .collect(),
        predicates: PathTable::new(raw.predicates.paths.into_iter().map(|p| (p, ()))),
        predicate_methods: set(raw.predicates.methods),
        mutators: set(raw.mutators.methods),
        effects: PathTable::new(raw.effects.into_iter().map(|e| (e.path, e.effect))),
        setup_functions: set(raw.setup.functions),
        install_commands: set(raw.setup.install_commands),
        sensitive_words: raw.sensitive_words.words,
        members,
    }
});

/// `os.uname().nodename` → `nodename`; `time.tzname*` → `tzname`; `os.uname()[1]` → `uname`.
fn last_member(path: &str) -> Option<String> {
    let mut p = path.trim_end_matches('*');
    loop {
        if let Some(rest) = p.strip_suffix("()") {
            p = rest;
        } else if p.ends_with(']') {
            p = &p[..p.rfind('[')?];
        } else {
            break;
        }
    }
    Some(p.rsplit('.').next()?.to_string())
}

/// The catalog, parsed on first use.
pub fn py_api() -> &'static PyApi {
    &API
}

impl PyApi {
    /// The data a resolved path reads, if it is a source (`socket.gethostname()`,
    /// `os.uname().nodename`); `None` for the quiet members of a source (`os.uname().sysname`).
    pub fn source(&self, path: &str) -> Option<DataKind> {
        if self.quiet.contains(path) {
            return None;
        }
        self.sources.get(path)
    }
    /// Whether a path is a quiet member of a source: it carries nothing.
    pub fn is_quiet(&self, path: &str) -> bool {
        self.quiet.contains(path)
    }
    /// Whether an attribute named `member` can itself be a source, a quiet member or the
    /// environment (a cheap test before resolving its path).
    pub fn is_catalog_member(&self, member: &str) -> bool {
        self.members.contains(member)
    }
    /// Whether a path is the environment itself (`os.environ`).
    pub fn is_env_object(&self, path: &str) -> bool {
        self.env_objects.contains(path)
    }
    /// Whether a call reads one environment variable named by its first argument.
    pub fn is_env_getter(&self, callee: &str) -> bool {
        self.env_getters.contains(callee)
    }
    /// The data an environment variable holds, by name (the shared catalog's judgement).
    pub fn env_var(&self, name: &str) -> Option<DataKind> {
        js_api().env_var(name)
    }
    /// The identity a file holds, from the shape of its path: this catalog's files, then the
    /// shell front end's and js_api.toml's (the caller asks those; see `telltale_shell`).
    pub fn sensitive_file(&self, path_shape: &str) -> Option<DataKind> {
        self.files
            .iter()
            .find(|(c, _)| path_shape.contains(c.as_str()))
            .map(|(_, k)| *k)
    }
    /// Whether a call returns the content of the file its first argument names.
    pub fn is_file_read(&self, callee: &str) -> bool {
        self.file_read_functions.contains(callee)
    }
    /// Whether `m` is a `pathlib.Path` method that returns the file's content.
    pub fn is_path_read_method(&self, m: &str) -> bool {
        self.path_methods.contains(m)
    }
    pub fn is_path_constructor(&self, callee: &str) -> bool {
        self.path_constructors.contains(callee)
    }
    pub fn sink(&self, callee: &str) -> Option<SinkKind> {
        self.sinks.get(callee)
    }
    /// `socket.socket().sendall` → the socket sink: a method of a handle that sends.
    pub fn handle_sink(&self, path: &str) -> Option<SinkKind> {
        let (base, method) = path.rsplit_once('.')?;
        let ctor = base.strip_suffix("()")?;
        self.handles
            .get(&(ctor.to_string(), method.to_string()))
            .copied()
    }
    /// Calls that return a request or socket handle.
    pub fn is_handle_constructor(&self, callee: &str) -> bool {
        self.handle_constructors.contains(callee)
    }
    /// A function that keeps its first argument on disk (`json.dump(data, fp)`).
    pub fn is_persisting_function(&self, callee: &str) -> bool {
        self.persist_functions.contains(callee)
    }
    /// A method of a path or open file that writes its first argument (`write_text`).
    pub fn is_persisting_method(&self, name: &str) -> bool {
        self.persist_methods.contains(name)
    }
    /// Whether a keyword argument of a send configures it rather than carries data.
    pub fn is_config_keyword(&self, name: &str) -> bool {
        self.skip_keywords.contains(name)
    }
    pub fn exec_style(&self, callee: &str) -> Option<ExecStyle> {
        self.exec.get(callee)
    }
    pub fn is_dynamic_code(&self, callee: &str) -> bool {
        self.dynamic_code.contains(callee)
    }
    /// The technique a decoding call undoes (`base64.b64decode` → `base64`).
    pub fn decoder(&self, callee: &str) -> Option<&'static str> {
        self.decoders.get(callee).copied()
    }
    /// Calls whose result carries none of their arguments' data.
    pub fn is_predicate(&self, callee: &str) -> bool {
        self.predicates.get(callee).is_some()
    }
    pub fn is_predicate_method(&self, method: &str) -> bool {
        self.predicate_methods.contains(method)
    }
    /// Methods that store their arguments in their object.
    pub fn is_mutator(&self, method: &str) -> bool {
        self.mutators.contains(method)
    }
    pub fn effect(&self, callee: &str) -> Option<Effect> {
        self.effects.get(callee)
    }
    /// `setuptools.setup` and kin.
    pub fn is_setup(&self, callee: &str) -> bool {
        self.setup_functions.contains(callee)
    }
    /// A `cmdclass` key whose command runs while pip installs or builds the package.
    pub fn is_install_command(&self, name: &str) -> bool {
        self.install_commands.contains(name)
    }
    /// Whether a decoded string names a module or function malware hides.
    pub fn has_sensitive_word(&self, s: &str) -> bool {
        let lower = s.to_ascii_lowercase();
        self.sensitive_words
            .iter()
            .any(|w| lower.contains(w.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_sinks_and_quiet_members() {
        let api = py_api();
        assert_eq!(api.source("socket.gethostname()"), Some(DataKind::Hostname));
        assert_eq!(api.source("os.uname().nodename"), Some(DataKind::Hostname));
        assert_eq!(api.source("os.uname().sysname"), None);
        assert_eq!(api.source("platform.system()"), None);
        assert_eq!(
            api.source("datetime.datetime.now().astimezone().tzinfo"),
            Some(DataKind::TimeZone)
        );
        assert_eq!(api.sink("requests.post"), Some(SinkKind::Http));
        assert_eq!(
            api.handle_sink("socket.socket().sendall"),
            Some(SinkKind::Socket)
        );
        assert_eq!(api.handle_sink("socket.socket().connect"), None);
        assert_eq!(api.exec_style("subprocess.Popen"), Some(ExecStyle::First));
        assert_eq!(api.decoder("base64.b32decode"), Some("base32"));
        assert_eq!(api.env_var("USER"), Some(DataKind::Username));
        assert_eq!(
            api.sensitive_file("/etc/resolv.conf"),
            Some(DataKind::NetworkInterfaces)
        );
        assert!(api.is_install_command("install"));
        assert!(
            api.is_catalog_member("gethostname")
                && api.is_catalog_member("sysname")
                && api.is_catalog_member("environ")
        );
        assert!(!api.is_catalog_member("join"));
        assert!(!api.is_install_command("test"));
    }
}
