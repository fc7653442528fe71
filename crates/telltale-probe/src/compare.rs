//! From observations to findings. Each persona's run becomes a set of behaviours with
//! persona-specific values replaced by placeholders (`{hostname}`), so that "looked up
//! `x.{hostname}.evil.top`" under every persona is one behaviour. A behaviour seen under
//! some personas and not others is a region finding (TT801) naming the countries where it
//! happened; leaks, sensitive reads, geo-IP lookups and destroyed files are findings of
//! their own (TT802–TT805) whatever the persona.

use crate::supervise::PersonaRun;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use telltale_rules::rules::{ProbeFilesDestroyed, ProbeGeoipLookup, ProbeHoneyLeak, ProbeRegionDifference, ProbeSensitiveRead};
use telltale_rules::{Finding, RuleMeta, Severity};

/// A finding as `scan` reports it, plus the personas under which it was seen.
#[derive(Debug, Clone, Serialize)]
pub struct ProbeFinding {
    #[serde(flatten)]
    pub finding: Finding,
    /// The persona, when the finding was seen under exactly one.
    pub persona: Option<String>,
    /// Every persona under which it was seen.
    pub personas: Vec<String>,
}

/// What kind of behaviour a key is; decides a difference's severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Output,
    Exit,
    Contact,
    GeoIp,
    Read,
    Files,
    Leak,
}

struct Behaviour {
    kind: Kind,
    /// For output lines: "postinstall printed to stderr", to summarise lines together.
    group: Option<String>,
    /// What it was, in words, with this persona's values as placeholders.
    what: String,
    host: Option<String>,
    step: Option<String>,
}

/// Most output lines per step compared between personas.
const MAX_LINES: usize = 40;

fn behaviours(run: &PersonaRun) -> BTreeMap<String, Behaviour> {
    let Some(p) = run.normalizer.as_ref() else { return BTreeMap::new() };
    let mut out = BTreeMap::new();
    let mut add = |key: String, kind: Kind, what: String, host: Option<String>, step: Option<String>, group: Option<String>| {
        out.entry(key).or_insert(Behaviour { kind, group, what, host, step });
    };
    for h in &run.hosts {
        let n = p.normalize(h);
        add(format!("contact {n}"), Kind::Contact, format!("contacted {n}"), Some(n.clone()), step_at(run, first_contact(run, h)), None);
    }
    for e in &run.network {
        if let telltale_fakenet::NetEvent::Http { host, answered, t_ms, .. } = e {
            if answered.starts_with("geoip") {
                let n = p.normalize(host);
                add(format!("geoip {n}"), Kind::GeoIp, format!("asked {n} where the machine is"), Some(n), step_at(run, *t_ms), None);
            }
        }
    }
    for l in &run.leaks {
        let host = l.host.as_deref().map(|h| p.normalize(h)).unwrap_or_else(|| "a listener".into());
        let t = run.network.get(l.event).map(|e| e.t_ms()).unwrap_or(0);
        add(format!("leak {} {host}", l.kind), Kind::Leak, format!("sent the {} to {host} ({}, {})", l.kind, l.channel, l.encoding), Some(host), step_at(run, t), None);
    }
    for r in &run.sensitive_reads {
        add(format!("read {r}"), Kind::Read, format!("read {r}"), None, None, None);
    }
    if !run.files_deleted.is_empty() {
        add("files deleted".into(), Kind::Files, format!("deleted {} ({})", count(run.files_deleted.len(), "file"), sample(&run.files_deleted)), None, None, None);
    }
    if !run.files_written.is_empty() {
        add("files written".into(), Kind::Files, format!("wrote {} outside its package ({})", count(run.files_written.len(), "file"), sample(&run.files_written)), None, None, None);
    }
    for s in &run.steps {
        let status = match (s.timed_out, s.exit_code, s.signal) {
            (true, _, _) => "ran until the time limit".to_string(),
            (_, Some(c), _) => format!("exited with {c}"),
            (_, None, Some(sig)) => format!("was killed by signal {sig}"),
            _ => "did not run".to_string(),
        };
        add(format!("exit {} {status}", s.name), Kind::Exit, format!("{} {status}", s.name), None, Some(s.name.clone()), None);
        for (stream, text) in [("printed", &s.stdout), ("printed to stderr", &s.stderr)] {
            let clean = strip_ansi(text);
            for line in clean.lines().map(str::trim).filter(|l| !l.is_empty()).take(MAX_LINES) {
                let key = format!("out {} {stream} {}", s.name, mask_digits(&p.normalize(line)));
                let shown: String = p.normalize(line).chars().take(160).collect();
                add(key, Kind::Output, format!("{} {stream} “{shown}”", s.name), None, Some(s.name.clone()), Some(format!("{} {stream}", s.name)));
            }
        }
    }
    out
}

/// What a set of behaviours comes to, short: output lines are counted per step and stream
/// with the first one quoted; the rest are named, four at most.
fn summary(list: &[&Behaviour]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut groups: Vec<(&str, usize, &str)> = Vec::new();
    for b in list {
        match &b.group {
            Some(g) => match groups.iter_mut().find(|(name, _, _)| name == g) {
                Some(entry) => entry.1 += 1,
                None => groups.push((g.as_str(), 1, b.what.as_str())),
            },
            None => parts.push(b.what.clone()),
        }
    }
    for (group, n, first) in groups {
        let quoted = first.strip_prefix(group).unwrap_or(first).trim();
        let quoted: String = quoted.chars().take(90).collect();
        parts.push(if n == 1 { format!("{group} {quoted}") } else { format!("{group} {n} lines, first {quoted}…") });
    }
    let more = parts.len().saturating_sub(4);
    parts.truncate(4);
    if more > 0 {
        parts.push(format!("{more} more"));
    }
    parts.join("; ")
}

/// Terminal colour and cursor sequences are not text.
pub fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.peek() == Some(&'[') {
                chars.next();
                while let Some(&n) = chars.peek() {
                    chars.next();
                    if ('@'..='~').contains(&n) {
                        break;
                    }
                }
            }
            continue;
        }
        out.push(c);
    }
    out
}

fn first_contact(run: &PersonaRun, host: &str) -> u64 {
    run.network.iter().find(|e| e.host().is_some_and(|h| h.trim_end_matches('.').eq_ignore_ascii_case(host))).map(|e| e.t_ms()).unwrap_or(0)
}

/// The step running at `t_ms`.
fn step_at(run: &PersonaRun, t_ms: u64) -> Option<String> {
    run.steps.iter().filter(|s| s.error.as_deref() != Some("did not run") && s.started_ms <= t_ms).next_back().map(|s| s.name.clone())
}

fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

fn sample(paths: &[String]) -> String {
    let mut s: Vec<&str> = paths.iter().take(3).map(String::as_str).collect();
    if paths.len() > 3 {
        s.push("…");
    }
    s.join(", ")
}

/// Times, counters and ids differ between any two runs; they are not a region difference.
fn mask_digits(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_run = false;
    for c in s.chars() {
        if c.is_ascii_digit() {
            if !in_run {
                out.push('#');
            }
            in_run = true;
        } else {
            in_run = false;
            out.push(c);
        }
    }
    out
}

pub fn findings(runs: &[PersonaRun], package: Option<&str>) -> Vec<ProbeFinding> {
    let mut out = Vec::new();
    let all: Vec<BTreeMap<String, Behaviour>> = runs.iter().map(behaviours).collect();
    let install_steps: BTreeSet<String> = runs.iter().flat_map(|r| r.steps.iter().filter(|s| s.install_script).map(|s| s.name.clone())).collect();

    // Differences, grouped by the set of personas that showed them.
    if runs.len() > 1 {
        let mut by_set: BTreeMap<Vec<usize>, Vec<&Behaviour>> = BTreeMap::new();
        let keys: BTreeSet<&String> = all.iter().flat_map(|m| m.keys()).collect();
        for key in keys {
            let present: Vec<usize> = (0..runs.len()).filter(|&i| all[i].contains_key(key)).collect();
            if present.len() == runs.len() {
                continue;
            }
            // A run cut short proves nothing about what it would have done.
            if (0..runs.len()).any(|i| runs[i].incomplete && !present.contains(&i)) {
                continue;
            }
            if let Some(b) = present.first().and_then(|&i| all[i].get(key)) {
                by_set.entry(present).or_default().push(b);
            }
        }
        for (set, mut list) in by_set {
            list.sort_by(|a, b| b.kind.cmp(&a.kind).then(a.what.cmp(&b.what)));
            let worst = list.iter().map(|b| b.kind).max().unwrap_or(Kind::Output);
            let severity = match worst {
                Kind::Leak | Kind::Files => Severity::Critical,
                Kind::GeoIp | Kind::Read | Kind::Contact => Severity::High,
                Kind::Output | Kind::Exit => Severity::Medium,
            };
            let names = |idx: &[usize]| idx.iter().map(|&i| runs[i].country.clone()).collect::<Vec<_>>().join(", ");
            let others: Vec<usize> = (0..runs.len()).filter(|i| !set.contains(i)).collect();
            let message = format!("as {}: {}; as {}: not", names(&set), summary(&list), names(&others));
            let step = list.iter().find_map(|b| b.step.clone());
            let mut f = finding(&ProbeRegionDifference::META, severity, message, step.as_deref(), &install_steps);
            f.countries = set.iter().map(|&i| runs[i].country.clone()).collect();
            f.countries.sort();
            f.countries.dedup();
            f.endpoints = dedup(list.iter().filter_map(|b| b.host.clone()).collect());
            f.evidence = list.iter().map(|b| b.what.clone()).collect();
            out.push(probe_finding(f, set.iter().map(|&i| runs[i].persona.clone()).collect()));
        }
    }

    // Behaviours reported whatever the persona, once per behaviour with every persona listed.
    let mut seen: BTreeMap<(String, String), (Finding, Vec<String>)> = BTreeMap::new();
    for (i, run) in runs.iter().enumerate() {
        let Some(p) = run.normalizer.as_ref() else { continue };
        let mut add = |key: String, make: &dyn Fn() -> Finding| {
            seen.entry((key.clone(), String::new())).or_insert_with(|| (make(), Vec::new())).1.push(runs[i].persona.clone());
        };
        for b in all[i].values() {
            match b.kind {
                Kind::Leak => {
                    let leak = run.leaks.iter().find(|l| b.what.starts_with(&format!("sent the {} ", l.kind)));
                    add(format!("leak|{}", b.what), &|| {
                        let mut f = finding(&ProbeHoneyLeak::META, Severity::Critical, b.what.clone(), b.step.as_deref(), &install_steps);
                        f.endpoints = b.host.iter().cloned().collect();
                        if let Some(l) = leak {
                            let ev = run.network.get(l.event).map(|e| p.normalize(&describe(e))).unwrap_or_default();
                            f.evidence = vec![format!("{} `{}` ({}) in {}", l.kind, l.value, l.encoding, l.channel), ev];
                        }
                        f
                    });
                }
                Kind::GeoIp => add(format!("geoip|{}", b.what), &|| {
                    let mut f = finding(&ProbeGeoipLookup::META, Severity::Medium, b.what.clone(), b.step.as_deref(), &install_steps);
                    f.endpoints = b.host.iter().cloned().collect();
                    f.evidence = vec![b.what.clone()];
                    f
                }),
                Kind::Read => add(format!("read|{}", b.what), &|| {
                    let secret = [".ssh/id_", ".npmrc", ".aws/", ".config/gh/", ".netrc", ".docker/"].iter().any(|s| b.what.contains(s));
                    let mut f = finding(&ProbeSensitiveRead::META, if secret { Severity::High } else { Severity::Medium }, b.what.clone(), None, &install_steps);
                    f.evidence = vec![b.what.clone()];
                    f
                }),
                Kind::Files => add(format!("files|{}", b.what.split(" (").next().unwrap_or_default()), &|| {
                    let mut f = finding(&ProbeFilesDestroyed::META, Severity::Critical, b.what.clone(), None, &install_steps);
                    f.evidence = if b.what.starts_with("deleted") { run.files_deleted.clone() } else { run.files_written.clone() };
                    f.evidence.truncate(50);
                    f
                }),
                _ => {}
            }
        }
    }
    for (_, (mut f, personas)) in seen {
        if personas.len() < runs.len() {
            f.countries = runs.iter().filter(|r| personas.contains(&r.persona)).map(|r| r.country.clone()).collect();
        }
        out.push(probe_finding(f, personas));
    }
    out.sort_by(|a, b| b.finding.severity.cmp(&a.finding.severity).then(a.finding.rule.cmp(b.finding.rule)).then(a.finding.message.cmp(&b.finding.message)));
    for f in &mut out {
        f.finding.fingerprint = format!("{:016x}:0", fnv(format!("{}|{}|{}|{}|{}", f.finding.rule, package.unwrap_or(""), f.finding.countries.join(","), f.finding.endpoints.join(","), mask_digits(&f.finding.message)).as_bytes()));
    }
    out
}

/// One network event in words, for evidence.
pub fn describe(e: &telltale_fakenet::NetEvent) -> String {
    use telltale_fakenet::NetEvent::*;
    match e {
        Dns { name, qtype, .. } => format!("DNS {qtype} query for {name}"),
        Connection { port, sni, .. } => format!("TLS connection to port {port}{}", sni.as_deref().map(|s| format!(" for {s}")).unwrap_or_default()),
        Http { method, host, path, tls, body, .. } => {
            let body: String = body.chars().take(300).collect();
            format!("{method} {}://{host}{path}{}", if *tls { "https" } else { "http" }, if body.is_empty() { String::new() } else { format!(" body: {body}") })
        }
        Raw { port, text, .. } => format!("raw TCP to port {port}: {}", text.chars().take(200).collect::<String>()),
    }
}

fn dedup(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v.dedup();
    v
}

fn finding(meta: &'static RuleMeta, severity: Severity, message: String, step: Option<&str>, install_steps: &BTreeSet<String>) -> Finding {
    Finding {
        rule: meta.id,
        name: meta.name,
        category: meta.category,
        severity,
        file: format!("probe:{}", step.unwrap_or("run")),
        line: 0,
        column: 0,
        offset: 0,
        end_offset: 0,
        message,
        evidence: vec![],
        countries: vec![],
        endpoints: vec![],
        flow: vec![],
        install_time: step.is_some_and(|s| install_steps.contains(s)),
        snippet: String::new(),
        snippet_mark: None,
        fingerprint: String::new(),
        policy: None,
    }
}

fn probe_finding(finding: Finding, personas: Vec<String>) -> ProbeFinding {
    ProbeFinding { finding, persona: (personas.len() == 1).then(|| personas[0].clone()), personas }
}

fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::mask_digits;

    #[test]
    fn digits_are_masked_so_times_do_not_differ() {
        assert_eq!(mask_digits("took 123 ms at 12:30"), "took # ms at #:#");
    }

    #[test]
    fn colour_codes_are_dropped() {
        assert_eq!(super::strip_ansi("\u{1b}[37m24 февраля\u{1b}[22m!"), "24 февраля!");
    }
}
