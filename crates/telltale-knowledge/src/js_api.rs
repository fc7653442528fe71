//! The JavaScript API catalog (`data/js_api.toml`): which resolved access paths are identity or
//! region sources, network sinks, command runners, dynamic-code entry points, destructive
//! writes, and what effects calls in guarded code have.

use serde::Deserialize;
// FxHash: these tables are probed for every call and member path in a bundle.
use crate::path_table::PathTable;
use rustc_hash::FxHashMap as HashMap;
use std::sync::LazyLock;
use telltale_facts::{DataKind, Effect, SinkKind};

#[derive(Deserialize)]
struct Raw {
    #[allow(dead_code)]
    source: String,
    sources: Vec<RawSource>,
    env: RawEnv,
    files: Vec<RawFile>,
    machine_id_markers: Strings,
    sinks: Vec<RawSink>,
    handles: RawHandles,
    exec: Paths,
    dynamic_code: Paths,
    directory_listing: Paths,
    url_loaders: Paths,
    persist: Paths,
    destructive: Vec<RawPath>,
    effects: Vec<RawEffect>,
    assign_effects: RawAssignEffects,
    functions: Paths,
    telemetry_attributes: RawKeys,
}

#[derive(Deserialize)]
struct RawKeys {
    keys: Vec<String>,
    #[serde(default)]
    email_keys: Vec<String>,
    #[serde(default)]
    account_keys: Vec<String>,
}

#[derive(Deserialize)]
struct RawSource {
    path: String,
    kind: DataKind,
}
#[derive(Deserialize)]
struct RawEnv {
    hostname: Vec<String>,
    username: Vec<String>,
    #[serde(rename = "home-dir")]
    home_dir: Vec<String>,
    #[serde(rename = "time-zone")]
    time_zone: Vec<String>,
    locale: Vec<String>,
    secret_words: Vec<String>,
    not_secret: Vec<String>,
    #[serde(default)]
    not_secret_last_words: Vec<String>,
}
#[derive(Deserialize)]
struct RawFile {
    contains: String,
    kind: DataKind,
}
#[derive(Deserialize)]
struct Strings {
    strings: Vec<String>,
}
#[derive(Deserialize)]
struct RawSink {
    path: String,
    kind: SinkKind,
}
#[derive(Deserialize)]
struct RawHandles {
    constructors: Vec<String>,
    send_methods: Vec<String>,
}
#[derive(Deserialize)]
struct Paths {
    paths: Vec<String>,
}
#[derive(Deserialize)]
struct RawPath {
    path: String,
}
#[derive(Deserialize)]
struct RawEffect {
    path: String,
    effect: Effect,
}
#[derive(Deserialize)]
struct RawAssignEffects {
    ui_sabotage: Vec<String>,
    ui_methods: Vec<String>,
    ui_style_properties: Vec<String>,
}

/// The loaded catalog.
pub struct JsApi {
    sources: PathTable<DataKind>,
    /// Sources that are calls, keyed by the callee (`os.hostname` for `os.hostname()`).
    call_sources: HashMap<String, DataKind>,
    env_names: HashMap<String, DataKind>,
    secret_words: Vec<String>,
    not_secret: Vec<String>,
    not_secret_last_words: Vec<String>,
    files: Vec<(String, DataKind)>,
    pub machine_id_markers: Vec<String>,
    sinks: PathTable<SinkKind>,
    handle_constructors: PathTable<()>,
    pub send_methods: Vec<String>,
    exec: PathTable<()>,
    dynamic_code: PathTable<()>,
    directory_listing: PathTable<()>,
    url_loaders: PathTable<()>,
    persist: PathTable<()>,
    destructive: PathTable<()>,
    effects: PathTable<Effect>,
    ui_assign: PathTable<()>,
    pub ui_methods: Vec<String>,
    pub ui_style_properties: Vec<String>,
    functions: PathTable<()>,
    telemetry_attributes: rustc_hash::FxHashSet<String>,
    email_attributes: rustc_hash::FxHashSet<String>,
    account_attributes: rustc_hash::FxHashSet<String>,
}

static API: LazyLock<JsApi> = LazyLock::new(|| {
    let raw: Raw =
        toml::from_str(include_str!("../data/js_api.toml")).expect("data/js_api.toml is valid");
    let unit = |v: Vec<String>| PathTable::new(v.into_iter().map(|p| (p, ())));
    let mut env_names = HashMap::default();
    for (names, kind) in [
        (&raw.env.hostname, DataKind::Hostname),
        (&raw.env.username, DataKind::Username),
        (&raw.env.home_dir, DataKind::HomeDir),
        (&raw.env.time_zone, DataKind::TimeZone),
        (&raw.env.locale, DataKind::Locale),
    ] {
        for n in names {
            env_names.insert(n.clone(), kind);
        }
    }
    let call_sources = raw
        .sources
        .iter()
        .filter_map(|s| Some((s.path.strip_suffix("()")?.to_string(), s.kind)))
        .collect();
    JsApi {
        call_sources,
        sources: PathTable::new(raw.sources.into_iter().map(|s| (s.path, s.kind))),
        env_names,
        secret_words: raw.env.secret_words,
        not_secret: raw.env.not_secret,
        not_secret_last_words: raw.env.not_secret_last_words,
        files: raw
            .files
            .into_iter()
            .map(|f| (f.contains, f.kind))
            .collect(),
        machine_id_markers: raw.machine_id_markers.strings,
        sinks: PathTable::new(raw.sinks.into_iter().map(|s| (s.path, s.kind))),
        handle_constructors: unit(raw.handles.constructors),
        send_methods: raw.handles.send_methods,
        exec: unit(raw.exec.paths),
        dynamic_code: unit(raw.dynamic_code.paths),
        directory_listing: unit(raw.directory_listing.paths),
        url_loaders: unit(raw.url_loaders.paths),
        persist: unit(raw.persist.paths),
        destructive: unit(raw.destructive.into_iter().map(|p| p.path).collect()),
        effects: PathTable::new(raw.effects.into_iter().map(|e| (e.path, e.effect))),
        ui_assign: unit(raw.assign_effects.ui_sabotage),
        ui_methods: raw.assign_effects.ui_methods,
        ui_style_properties: raw.assign_effects.ui_style_properties,
        functions: unit(raw.functions.paths),
        email_attributes: raw.telemetry_attributes.email_keys.into_iter().collect(),
        account_attributes: raw.telemetry_attributes.account_keys.into_iter().collect(),
        telemetry_attributes: raw.telemetry_attributes.keys.into_iter().collect(),
    }
});

/// The catalog, parsed on first use.
pub fn js_api() -> &'static JsApi {
    &API
}

impl JsApi {
    /// The data a resolved path reads, if it is a source (`os.hostname()`, `process.env.USER`).
    pub fn source(&self, path: &str) -> Option<DataKind> {
        if let Some(name) = path.strip_prefix("process.env.") {
            return self.env_var(name);
        }
        self.sources.get(path)
    }
    /// The data a call to `callee` returns, if that call is a source (`os.hostname`).
    pub fn call_source(&self, callee: &str) -> Option<DataKind> {
        self.call_sources.get(callee).copied()
    }
    /// The data an environment variable holds, by name.
    pub fn env_var(&self, name: &str) -> Option<DataKind> {
        if let Some(k) = self.env_names.get(name) {
            return Some(*k);
        }
        if name.starts_with("LC_") {
            return Some(DataKind::Locale);
        }
        let upper = name.to_ascii_uppercase();
        if name == upper
            && !self.not_secret.iter().any(|n| n == name)
            && !upper
                .rsplit('_')
                .next()
                .is_some_and(|last| self.not_secret_last_words.iter().any(|w| w == last))
            && self
                .secret_words
                .iter()
                .any(|w| crate::credentials::ends_a_word(&upper, w))
        {
            return Some(DataKind::SecretEnv);
        }
        None
    }
    /// The identity a file read returns, from the shape of its path (`*/.ssh/id_rsa`).
    pub fn sensitive_file(&self, path_shape: &str) -> Option<DataKind> {
        self.files
            .iter()
            .find(|(c, _)| path_shape.contains(c.as_str()))
            .map(|(_, k)| *k)
    }
    pub fn sink(&self, callee: &str) -> Option<SinkKind> {
        // A method of what a request returns moves the answer on (`got.stream(url).pipe(file)`,
        // `.then(cb)`, `.on("data", …)`): it sends nothing, though `got.*` covers its path.
        if let Some((base, method)) = callee.rsplit_once('.') {
            if base.ends_with("()") && ANSWER_METHODS.contains(&method) {
                return None;
            }
        }
        self.sinks.get(callee)
    }
    /// Calls that return an object whose methods send data.
    pub fn is_handle_constructor(&self, callee: &str) -> bool {
        self.handle_constructors.get(callee).is_some()
    }
    pub fn is_exec(&self, callee: &str) -> bool {
        self.exec.get(callee).is_some()
    }
    pub fn is_dynamic_code(&self, callee: &str) -> bool {
        self.dynamic_code.get(callee).is_some()
    }
    pub fn is_directory_listing(&self, callee: &str) -> bool {
        self.directory_listing.get(callee).is_some()
    }
    /// A library call that fetches what its first argument names when that is a URL
    /// (`Jimp.read("https://…")`): its result is what the network sent.
    pub fn is_url_loader(&self, callee: &str) -> bool {
        self.url_loaders.get(callee).is_some()
    }
    /// A write that keeps its data on disk (`fs.writeFileSync(path, data)`): what a generated
    /// id written this way becomes (see `DataKind::InstallationId`).
    pub fn is_persisting_write(&self, callee: &str) -> bool {
        self.persist.get(callee).is_some()
    }
    pub fn is_destructive(&self, callee: &str) -> bool {
        self.destructive.get(callee).is_some()
    }
    pub fn effect(&self, callee: &str) -> Option<Effect> {
        self.effects.get(callee)
    }
    pub fn is_ui_assignment(&self, target: &str) -> bool {
        self.ui_assign.get(target).is_some()
    }
    /// Whether an object key names an attribute telemetry SDKs send with every event.
    pub fn is_telemetry_attribute(&self, key: &str) -> bool {
        self.telemetry_attributes.contains(key)
    }
    /// What a telemetry attribute holds when its name says so, whatever the value was read
    /// from: the user's e-mail (`user.email`) or account id (`user.id`, `$user_id`).
    pub fn attribute_names(&self, key: &str) -> Option<DataKind> {
        if self.email_attributes.contains(key) {
            Some(DataKind::Email)
        } else if self.account_attributes.contains(key) {
            Some(DataKind::AccountId)
        } else {
            None
        }
    }
    /// The members of an object (`os`) that the catalogue knows as sources read by a call:
    /// the keys a reflective lookup (`Object.keys(os).find(k => …)`) can be after.
    pub fn call_source_members(&self, object: &str) -> Vec<&str> {
        let mut out: Vec<&str> = self
            .call_sources
            .keys()
            .filter_map(|k| k.strip_prefix(object)?.strip_prefix('.'))
            .filter(|m| !m.contains(['.', '(', '[']))
            .collect();
        out.sort_unstable();
        out
    }
    pub fn is_known_function(&self, path: &str) -> bool {
        self.functions.get(path).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_resolve_exact_prefix_and_env() {
        let api = js_api();
        assert_eq!(api.source("os.hostname()"), Some(DataKind::Hostname));
        assert_eq!(
            api.source("os.userInfo().username"),
            Some(DataKind::Username)
        );
        assert_eq!(api.source("process.env.USER"), Some(DataKind::Username));
        assert_eq!(
            api.source("process.env.NPM_TOKEN"),
            Some(DataKind::SecretEnv)
        );
        assert_eq!(api.source("process.env.LC_ALL"), Some(DataKind::Locale));
        assert_eq!(api.source("process.env.NODE_ENV"), None);
        // Where a credential is, not the credential.
        assert_eq!(
            api.source("process.env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"),
            None
        );
        assert_eq!(api.source("process.env.AWS_SHARED_CREDENTIALS_FILE"), None);
        assert_eq!(
            api.source("process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN"),
            Some(DataKind::SecretEnv)
        );
        assert_eq!(api.source("process.env.HTTP_PROXY"), None);
        assert_eq!(api.source("os.platform()"), None);
    }

    #[test]
    fn sinks_and_effects() {
        let api = js_api();
        assert_eq!(api.sink("https.request"), Some(SinkKind::Http));
        assert_eq!(api.sink("axios.post"), Some(SinkKind::Http));
        assert_eq!(api.sink("path.join"), None);
        assert_eq!(api.effect("console.log"), Some(Effect::Message));
        assert!(api.is_destructive("fs.writeFileSync"));
        assert!(!api.is_destructive("fs.readFileSync"));
        assert_eq!(api.sensitive_file("*/.ssh/id_rsa"), Some(DataKind::SshKey));
    }
}

/// Methods of a request's answer (a stream or a promise) that pass it on.
const ANSWER_METHODS: &[&str] = &[
    "pipe",
    "pipeTo",
    "pipeThrough",
    "on",
    "once",
    "then",
    "catch",
    "finally",
    "json",
    "text",
    "buffer",
    "arrayBuffer",
    "blob",
    "resume",
    "setEncoding",
];
