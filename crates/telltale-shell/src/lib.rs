//! The shell front end: npm lifecycle scripts (`"preinstall": "nslookup \`hostname\`.x.top"`)
//! and `.sh` files.
//!
//! A small real lexer (quotes, escapes, `$VAR`, `${VAR}`, `$(…)`, backticks, `<(…)`,
//! operators) feeds a command model: assignments, pipelines, command names. Identity read by
//! commands (`hostname`, `whoami`, `cat ~/.ssh/id_rsa.pub`, `env`) and by variables (`$USER`)
//! is followed through variables and pipes to network tools (`curl`, `wget`, `nslookup`,
//! `dig`, `nc`): those are flows. `curl … | sh` is dynamic code. Files the script runs and
//! code passed inline (`node -e`) are reported for install-time reachability.

use regex::Regex;
use std::collections::HashMap;
use std::sync::LazyLock;
use telltale_facts::{DataKind, DynamicCodeFact, EndpointFact, FlowFact, Kinds, SinkKind, SourceFact, Span, Step};
use telltale_knowledge::js_api::js_api;

/// Everything learned from one script.
#[derive(Debug, Default)]
pub struct ShellAnalysis {
    pub sources: Vec<SourceFact>,
    pub flows: Vec<FlowFact>,
    pub endpoints: Vec<EndpointFact>,
    pub dynamic_code: Vec<DynamicCodeFact>,
    pub runs: Vec<RunRef>,
    pub inline_code: Vec<InlineCode>,
}

/// A file the script runs: `node setup.js` → ("node", "setup.js").
#[derive(Debug, Clone, PartialEq)]
pub struct RunRef {
    pub interpreter: String,
    pub path: String,
    pub span: Span,
}

/// Code passed inline to an interpreter: `node -e "…"`.
#[derive(Debug, Clone)]
pub struct InlineCode {
    pub interpreter: String,
    pub code: String,
    pub span: Span,
}

const MAX_DEPTH: u32 = 32;
const MAX_INPUT: usize = 1 << 20;
const NETWORK_TOOLS: &[&str] = &["curl", "wget", "nslookup", "dig", "host", "ping", "drill", "nc", "ncat", "netcat", "telnet", "socat"];
const FILTERS: &[&str] = &["base64", "xxd", "od", "tr", "rev", "sed", "gzip", "head", "tail", "cut", "awk", "sort", "tee", "cat", "hexdump", "openssl"];
const SHELLS: &[&str] = &["sh", "bash", "zsh", "dash", "ksh"];

/// A word with its literal text and the data its expansions carry.
#[derive(Debug, Clone, Default)]
struct Word {
    /// Text with expansions replaced by `\u{1}`.
    text: String,
    span: (usize, usize),
    kinds: Kinds,
    /// Where the first identity value in this word was read, and what read it.
    source: Option<(usize, usize, String)>,
    /// Variables expanded in this word, resolved when the command runs: (name, span).
    vars: Vec<(String, usize, usize)>,
    /// Commands inside `$(…)`, backticks or `<(…)`, analysed separately.
    has_network_substitution: bool,
    process_substitution_fetch: bool,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(usize),
    Op(&'static str),
}

struct Ctx<'s> {
    src: &'s str,
    base: u32,
    vars: HashMap<String, (Kinds, Option<(usize, usize, String)>, (usize, usize))>,
    out: ShellAnalysis,
}

fn var_kind(name: &str) -> Option<DataKind> {
    match name {
        "HOME" => Some(DataKind::HomeDir),
        "PWD" => Some(DataKind::WorkingDirectory),
        "HOSTNAME" => Some(DataKind::Hostname),
        _ => js_api().env_var(name).filter(|k| k.is_identity()),
    }
}

/// The identity a command prints, from its name and arguments.
fn command_source(name: &str, args: &[String]) -> Option<DataKind> {
    let api = js_api();
    let has = |f: &str| args.iter().any(|a| a == f);
    Some(match name {
        "hostname" if has("-I") || has("-i") => DataKind::NetworkInterfaces,
        "hostname" | "hostnamectl" => DataKind::Hostname,
        "whoami" | "logname" | "id" => DataKind::Username,
        "uname" if has("-n") => DataKind::Hostname,
        "uname" => DataKind::OsRelease,
        "env" | "printenv" | "set" | "export" if args.is_empty() => DataKind::WholeEnvironment,
        "printenv" => return args.first().and_then(|a| var_kind(a)),
        "ifconfig" | "ip" | "ipconfig" => DataKind::NetworkInterfaces,
        "pwd" => DataKind::WorkingDirectory,
        "git" if args.iter().any(|a| a.starts_with("user.")) => DataKind::GitConfig,
        "cat" | "head" | "tail" | "base64" | "xxd" => {
            return args.iter().find_map(|a| api.sensitive_file(&a.replace('\u{1}', "~").replace("~", "*")));
        }
        "curl" | "wget" if args.iter().any(|a| a.contains("169.254.169.254") || a.contains("metadata.google.internal") || a.contains("100.100.100.200")) => DataKind::CloudMetadata,
        _ => return None,
    })
}

fn basename(s: &str) -> &str {
    s.rsplit('/').next().unwrap_or(s)
}

static URL: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)(?:https?|wss?|ftp)://([a-z0-9.\-]+|\[[0-9a-f:]+\])").expect("valid regex"));
static HOST: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)^(?:[a-z0-9\-]+\.)+[a-z]{2,24}$|^(?:[0-9]{1,3}\.){3}[0-9]{1,3}$").expect("valid regex"));

/// Hosts a network tool's argument names: URLs, plain host names, and the static suffix of
/// a name built from expansions (`\`hostname\`.x.top` → `x.top`).
fn hosts_in(arg: &str) -> Vec<String> {
    let mut out: Vec<String> = URL.captures_iter(arg).map(|c| c[1].to_ascii_lowercase()).collect();
    if out.is_empty() {
        let tail = arg.rsplit('\u{1}').next().unwrap_or(arg).trim_start_matches('.');
        let tail = tail.split(['/', ':', '@']).next().unwrap_or("");
        if HOST.is_match(tail) {
            out.push(tail.to_ascii_lowercase());
        }
    }
    out
}

impl<'s> Ctx<'s> {
    fn span(&self, a: usize, b: usize) -> Span {
        Span::new(self.base + a as u32, self.base + b as u32)
    }

    /// Lex `src[start..end]` into words and operators. Expansions inside words are analysed
    /// here (recursively for command substitutions).
    fn lex(&mut self, start: usize, end: usize, depth: u32, words: &mut Vec<Word>) -> Vec<Tok> {
        let b = self.src.as_bytes();
        let mut toks = Vec::new();
        let mut i = start;
        while i < end {
            let c = b[i];
            match c {
                b' ' | b'\t' | b'\r' => i += 1,
                b'\n' | b';' => {
                    toks.push(Tok::Op(";"));
                    i += 1;
                }
                b'#' => {
                    while i < end && b[i] != b'\n' {
                        i += 1;
                    }
                }
                b'&' | b'|' => {
                    let two = i + 1 < end && b[i + 1] == c;
                    toks.push(Tok::Op(match (c, two) {
                        (b'&', true) => "&&",
                        (b'|', true) => "||",
                        (b'&', false) => ";",
                        _ => "|",
                    }));
                    i += if two { 2 } else { 1 };
                }
                b'>' | b'<' if !(c == b'<' && i + 1 < end && b[i + 1] == b'(') => {
                    // Redirection: skip the operator and its target word.
                    i += 1;
                    while i < end && matches!(b[i], b'>' | b'&' | b'<') {
                        i += 1;
                    }
                    while i < end && b[i] == b' ' {
                        i += 1;
                    }
                    let mut w = Word::default();
                    i = self.word(i, end, depth, &mut w);
                }
                _ => {
                    // A digit directly before a redirection is its file descriptor.
                    if c.is_ascii_digit() && i + 1 < end && b[i + 1] == b'>' {
                        i += 1;
                        continue;
                    }
                    let mut w = Word { span: (i, i), ..Default::default() };
                    i = self.word(i, end, depth, &mut w);
                    w.span.1 = i;
                    words.push(w);
                    toks.push(Tok::Word(words.len() - 1));
                }
            }
        }
        toks
    }

    /// Find the end of a `$(…)` / `<(…)` group starting after the `(`.
    fn close_paren(&self, mut i: usize, end: usize) -> usize {
        let b = self.src.as_bytes();
        let mut level = 1;
        let mut quote: Option<u8> = None;
        while i < end {
            let c = b[i];
            match quote {
                Some(q) if c == q => quote = None,
                Some(b'"') if c == b'\\' => i += 1,
                Some(_) => {}
                None => match c {
                    b'\'' | b'"' => quote = Some(c),
                    b'\\' => i += 1,
                    b'(' => level += 1,
                    b')' => {
                        level -= 1;
                        if level == 0 {
                            return i;
                        }
                    }
                    _ => {}
                },
            }
            i += 1;
        }
        end
    }

    fn substitution(&mut self, a: usize, b: usize, depth: u32, w: &mut Word) {
        w.text.push('\u{1}');
        if depth >= MAX_DEPTH {
            return;
        }
        let (kinds, source, net) = self.run(a, b, depth + 1);
        w.kinds = w.kinds.union(kinds);
        if w.source.is_none() {
            w.source = source;
        }
        w.has_network_substitution |= net;
    }

    fn expand_var(&mut self, name: &str, a: usize, b: usize, w: &mut Word) {
        w.text.push('\u{1}');
        w.vars.push((name.to_string(), a, b));
    }

    /// What a word carries now: its substitutions plus the current values of its variables.
    /// Returns (kinds, first source, first variable that carried data).
    fn word_data(&self, w: &Word) -> (Kinds, Option<(usize, usize, String)>, Option<String>) {
        let mut kinds = w.kinds;
        let mut source = w.source.clone();
        let mut via = None;
        for (name, a, b) in &w.vars {
            if let Some((k, src, _)) = self.vars.get(name) {
                if !k.is_empty() {
                    kinds = kinds.union(*k);
                    if source.is_none() {
                        source = src.clone();
                    }
                    if via.is_none() {
                        via = Some(name.clone());
                    }
                }
            } else if let Some(k) = var_kind(name) {
                kinds.insert(k);
                if source.is_none() {
                    source = Some((*a, *b, format!("${name}")));
                }
            }
        }
        (kinds, source, via)
    }

    /// Read one word from `i`; returns the index after it.
    fn word(&mut self, mut i: usize, end: usize, depth: u32, w: &mut Word) -> usize {
        let b = self.src.as_bytes();
        let mut quote: Option<u8> = None;
        while i < end {
            let c = b[i];
            if quote.is_none() && matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b';' | b'&' | b'|' | b'>') {
                break;
            }
            if quote.is_none() && c == b'<' && !(i + 1 < end && b[i + 1] == b'(') {
                break;
            }
            match (quote, c) {
                (Some(q), _) if c == q => {
                    quote = None;
                    i += 1;
                }
                (None, b'\'') | (None, b'"') => {
                    quote = Some(c);
                    i += 1;
                }
                (Some(b'\''), _) => {
                    w.text.push(c as char);
                    i += 1;
                }
                (_, b'\\') => {
                    if i + 1 < end {
                        w.text.push(b[i + 1] as char);
                    }
                    i += 2;
                }
                (_, b'`') => {
                    let close = self.src[i + 1..end].find('`').map(|p| i + 1 + p).unwrap_or(end);
                    self.substitution(i + 1, close, depth, w);
                    i = close + 1;
                }
                (_, b'$') if i + 1 < end && b[i + 1] == b'(' => {
                    let close = self.close_paren(i + 2, end);
                    self.substitution(i + 2, close, depth, w);
                    i = close + 1;
                }
                (None, b'<') => {
                    // `<(curl …)`: process substitution.
                    let close = self.close_paren(i + 2, end);
                    let inner = &self.src[i + 2..close];
                    if inner.split_whitespace().next().is_some_and(|c| matches!(basename(c), "curl" | "wget")) {
                        w.process_substitution_fetch = true;
                    }
                    self.substitution(i + 2, close, depth, w);
                    i = close + 1;
                }
                (_, b'$') => {
                    let start = i;
                    i += 1;
                    let braced = i < end && b[i] == b'{';
                    if braced {
                        i += 1;
                    }
                    let name_start = i;
                    while i < end && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                        i += 1;
                    }
                    let name = self.src[name_start..i].to_string();
                    if braced {
                        while i < end && b[i] != b'}' {
                            i += 1;
                        }
                        i += 1;
                    }
                    if name.is_empty() {
                        w.text.push('$');
                    } else {
                        self.expand_var(&name, start, i.min(end), w);
                    }
                }
                _ => {
                    let ch = self.src[i..].chars().next().unwrap_or(' ');
                    w.text.push(ch);
                    i += ch.len_utf8().max(1);
                }
            }
        }
        i.min(end)
    }

    /// Analyse `src[start..end]` as a script. Returns the kinds its output carries (the last
    /// pipeline's), where they were read, and whether it contacts the network.
    fn run(&mut self, start: usize, end: usize, depth: u32) -> (Kinds, Option<(usize, usize, String)>, bool) {
        let mut words = Vec::new();
        let toks = self.lex(start, end, depth, &mut words);
        let mut last = (Kinds::EMPTY, None, false);
        let mut net_any = false;
        // Split into pipelines at ; && || and into commands at |.
        let mut pipeline: Vec<Vec<usize>> = vec![vec![]];
        let mut flush = |ctx: &mut Self, pipeline: &mut Vec<Vec<usize>>, words: &Vec<Word>| {
            let p = std::mem::replace(pipeline, vec![vec![]]);
            let r = ctx.pipeline(&p, words);
            net_any |= r.2;
            last = r;
        };
        for t in toks {
            match t {
                Tok::Word(i) => pipeline.last_mut().expect("non-empty").push(i),
                Tok::Op("|") => pipeline.push(vec![]),
                Tok::Op(_) => flush(self, &mut pipeline, &words),
            }
        }
        flush(self, &mut pipeline, &words);
        (last.0, last.1, net_any)
    }

    fn pipeline(&mut self, cmds: &[Vec<usize>], words: &[Word]) -> (Kinds, Option<(usize, usize, String)>, bool) {
        let mut stdin: (Kinds, Option<(usize, usize, String)>) = (Kinds::EMPTY, None);
        let mut net = false;
        let mut prev_fetch: Option<(usize, usize)> = None;
        for cmd in cmds {
            let ws: Vec<&Word> = cmd.iter().map(|i| &words[*i]).collect();
            let (out, src, is_net, fetch) = self.command(&ws, &stdin);
            net |= is_net;
            if let (Some(f), Some(first)) = (prev_fetch, ws.first()) {
                let name = basename(&first.text).to_string();
                if SHELLS.contains(&name.as_str()) || matches!(name.as_str(), "node" | "python" | "python3" | "perl" | "ruby") {
                    self.out.dynamic_code.push(DynamicCodeFact {
                        api: format!("curl | {name}"),
                        from_network: true,
                        span: self.span(f.0, first.span.1),
                        steps: vec![Step { span: self.span(f.0, first.span.1), what: format!("downloads code and pipes it into {name}") }],
                    });
                }
            }
            prev_fetch = fetch;
            stdin = (out, src);
        }
        (stdin.0, stdin.1, net)
    }

    /// One simple command. Returns (kinds of its output, source, contacts network, fetch span).
    fn command(&mut self, ws: &[&Word], stdin: &(Kinds, Option<(usize, usize, String)>)) -> (Kinds, Option<(usize, usize, String)>, bool, Option<(usize, usize)>) {
        let mut i = 0;
        // Leading assignments: `a=$(hostname)`.
        while i < ws.len() {
            let w = ws[i];
            let Some((name, _)) = w.text.split_once('=') else { break };
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') || name.starts_with(|c: char| c.is_ascii_digit()) {
                break;
            }
            let (k, src, _) = self.word_data(w);
            self.vars.insert(name.to_string(), (k, src, w.span));
            i += 1;
        }
        // Wrappers that run the next word as the command.
        let is_wrapper = |j: usize| {
            let t = ws[j].text.as_str();
            matches!(t, "sudo" | "nohup" | "exec" | "time" | "command" | "then" | "do" | "else" | "!" | "export")
                || (t == "env" && ws.get(j + 1).is_some_and(|n| n.text.contains('=')))
        };
        while i < ws.len() && is_wrapper(i) {
            if ws[i].text == "export" {
                i += 1;
                continue;
            }
            i += 1;
            while i < ws.len() && (ws[i].text.starts_with('-') || ws[i].text.contains('=')) {
                i += 1;
            }
        }
        let Some(cmd_word) = ws.get(i) else { return (Kinds::EMPTY, None, false, None) };
        let name = basename(&cmd_word.text).to_string();
        let args: Vec<&Word> = ws[i + 1..].to_vec();
        let arg_texts: Vec<String> = args.iter().map(|w| w.text.clone()).collect();

        // Files and inline code the script runs.
        self.runs_and_inline(&cmd_word.text, &name, &args);

        // Identity printed by the command itself.
        let mut out = Kinds::EMPTY;
        let mut source = None;
        if let Some(k) = command_source(&name, &arg_texts) {
            out.insert(k);
            let text = std::iter::once(name.clone()).chain(arg_texts.iter().cloned()).collect::<Vec<_>>().join(" ");
            source = Some((cmd_word.span.0, args.last().map(|a| a.span.1).unwrap_or(cmd_word.span.1), text.replace('\u{1}', "…")));
            self.out.sources.push(SourceFact { kind: k, api: name.clone(), span: self.span(cmd_word.span.0, cmd_word.span.1) });
        }
        if FILTERS.contains(&name.as_str()) && out.is_empty() {
            out = stdin.0;
            source = stdin.1.clone();
        }

        if args.iter().any(|a| a.process_substitution_fetch) || (name == "eval" && args.iter().any(|a| a.has_network_substitution)) {
            let end = args.last().map(|a| a.span.1).unwrap_or(cmd_word.span.1);
            let span = self.span(cmd_word.span.0, end);
            self.out.dynamic_code.push(DynamicCodeFact { api: format!("{name} <(curl …)"), from_network: true, span, steps: vec![] });
        }
        let is_net = NETWORK_TOOLS.contains(&name.as_str());
        if !is_net {
            return (out, source, args.iter().any(|a| a.has_network_substitution), None);
        }
        // What leaves: arguments (not output files) and, through a pipe, stdin.
        let mut payload = stdin.0;
        let mut payload_src = stdin.1.clone();
        let mut via = None;
        let mut skip_next = false;
        let mut hosts = Vec::new();
        for a in &args {
            if skip_next {
                skip_next = false;
                continue;
            }
            if matches!(a.text.as_str(), "-o" | "-O" | "--output" | "--output-document" | "-P") {
                skip_next = true;
                continue;
            }
            hosts.extend(hosts_in(&a.text));
            let (k, src, v) = self.word_data(a);
            if !k.is_empty() {
                payload = payload.union(k);
                if payload_src.is_none() {
                    payload_src = src;
                }
                if via.is_none() {
                    via = v;
                }
            }
        }
        hosts.sort();
        hosts.dedup();
        let end = args.last().map(|a| a.span.1).unwrap_or(cmd_word.span.1);
        for h in &hosts {
            self.out.endpoints.push(EndpointFact { host: h.clone(), url: None, span: self.span(cmd_word.span.0, end), encodings: vec![] });
        }
        let carried = Kinds(payload.identity().0);
        if !carried.is_empty() {
            let mut steps = Vec::new();
            if let Some((a, b, what)) = &payload_src {
                steps.push(Step { span: self.span(*a, *b), what: format!("reads {what}") });
            }
            if let Some(var) = &via {
                if let Some((_, _, (a, b))) = self.vars.get(var) {
                    steps.push(Step { span: self.span(*a, *b), what: format!("stores it in ${var}") });
                }
            }
            let sink = match name.as_str() {
                "nslookup" | "dig" | "host" | "ping" | "drill" => SinkKind::Dns,
                "nc" | "ncat" | "netcat" | "telnet" | "socat" => SinkKind::Socket,
                _ => SinkKind::Http,
            };
            let snippet: String = self.src[cmd_word.span.0..end].chars().take(120).collect();
            steps.push(Step { span: self.span(cmd_word.span.0, end), what: format!("sent by {name}: {snippet}") });
            self.out.flows.push(FlowFact { kinds: carried, sink, sink_api: name.clone(), span: self.span(cmd_word.span.0, end), endpoints: hosts, steps });
        }
        let fetch = matches!(name.as_str(), "curl" | "wget").then_some((cmd_word.span.0, end));
        (out, source, true, fetch)
    }

    fn runs_and_inline(&mut self, raw: &str, name: &str, args: &[&Word]) {
        let interpreter = match name {
            "node" | "nodejs" => "node",
            "python" | "python3" | "python2" => "python",
            n if SHELLS.contains(&n) => "sh",
            _ => {
                // `./x.sh` run directly.
                if raw.starts_with("./") || raw.ends_with(".sh") {
                    let path = raw.trim_start_matches("./").to_string();
                    if !path.is_empty() && !path.contains('\u{1}') {
                        self.out.runs.push(RunRef { interpreter: "sh".into(), path, span: Span::new(self.base, self.base) });
                    }
                }
                return;
            }
        };
        let mut i = 0;
        while i < args.len() {
            let t = args[i].text.as_str();
            if matches!(t, "-e" | "--eval" | "-p" | "--print" | "-c") {
                if let Some(code) = args.get(i + 1) {
                    self.out.inline_code.push(InlineCode { interpreter: interpreter.into(), code: code.text.clone(), span: self.span(code.span.0, code.span.1) });
                }
                return;
            }
            if matches!(t, "-r" | "--require" | "--import" | "-m") {
                i += 2;
                continue;
            }
            if t.starts_with('-') {
                i += 1;
                continue;
            }
            if !t.contains('\u{1}') {
                self.out.runs.push(RunRef { interpreter: interpreter.into(), path: t.trim_start_matches("./").to_string(), span: self.span(args[i].span.0, args[i].span.1) });
            }
            return;
        }
    }
}

/// Analyse a shell script. Spans are offsets into `script` plus `base`.
pub fn analyze_shell(script: &str, base: u32) -> ShellAnalysis {
    let mut end = script.len().min(MAX_INPUT);
    while !script.is_char_boundary(end) {
        end -= 1;
    }
    let mut ctx = Ctx { src: script, base, vars: HashMap::new(), out: ShellAnalysis::default() };
    ctx.run(0, end, 0);
    ctx.out
}

#[cfg(test)]
mod tests;
