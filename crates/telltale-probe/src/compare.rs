//! From observations to findings. Each persona's run becomes a set of behaviours with
//! persona-specific values replaced by placeholders (`{hostname}`), so that "looked up
//! `x.{hostname}.evil.top`" under every persona is one behaviour. A behaviour seen under
//! some personas and not others is a region finding (TT801) naming the countries where it
//! happened; leaks, sensitive reads, geo-IP lookups and destroyed files are findings of
//! their own (TT802–TT805) whatever the persona.

use crate::supervise::PersonaRun;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use telltale_rules::rules::{
    ProbeFilesDestroyed, ProbeGeoipLookup, ProbeHoneyLeak, ProbeRegionDifference,
    ProbeSensitiveRead,
};
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
    Created,
    Contact,
    GeoIp,
    Read,
    Files,
    Leak,
}

struct Behaviour {
    kind: Kind,
    /// Behaviours told together in a summary: ("postinstall printed to stderr", "lines"),
    /// ("deleted", "files").
    group: Option<(String, &'static str)>,
    /// Order of observation, so output lines are quoted in the order they were printed.
    order: usize,
    /// What it was, in words, with this persona's values as placeholders.
    what: String,
    host: Option<String>,
    step: Option<String>,
}

/// Most output lines per step compared between personas.
const MAX_LINES: usize = 40;

fn behaviours(run: &PersonaRun) -> BTreeMap<String, Behaviour> {
    let p = &run.normalizer;
    let mut out = BTreeMap::new();
    let mut add = |key: String,
                   kind: Kind,
                   what: String,
                   host: Option<String>,
                   step: Option<String>,
                   group: Option<(String, &'static str)>| {
        let order = out.len();
        out.entry(key).or_insert(Behaviour {
            kind,
            group,
            order,
            what,
            host,
            step,
        });
    };
    for h in &run.hosts {
        let n = p.normalize(h);
        add(
            format!("contact {n}"),
            Kind::Contact,
            format!("contacted {n}"),
            Some(n.clone()),
            step_at(run, first_contact(run, h)),
            None,
        );
    }
    for e in &run.network {
        if let telltale_fakenet::NetEvent::Http {
            host,
            answered,
            t_ms,
            ..
        } = e
        {
            if answered.starts_with("geoip") {
                let n = p.normalize(host);
                add(
                    format!("geoip {n}"),
                    Kind::GeoIp,
                    format!("asked {n} where the machine is"),
                    Some(n),
                    step_at(run, *t_ms),
                    None,
                );
            }
        }
    }
    for l in &run.leaks {
        let host = l
            .host
            .as_deref()
            .map(|h| p.normalize(h))
            .unwrap_or_else(|| "a listener".into());
        let t = run.network.get(l.event).map(|e| e.t_ms()).unwrap_or(0);
        add(
            format!("leak {} {host}", l.kind),
            Kind::Leak,
            format!(
                "sent the {} to {host} ({}, {})",
                l.kind, l.channel, l.encoding
            ),
            Some(host),
            step_at(run, t),
            None,
        );
    }
    for r in &run.sensitive_reads {
        add(
            format!("read {r}"),
            Kind::Read,
            format!("read {r}"),
            None,
            None,
            None,
        );
    }
    for f in &run.files_deleted {
        let n = mask_digits(&p.normalize(f));
        add(
            format!("deleted {n}"),
            Kind::Files,
            format!("deleted {n}"),
            None,
            None,
            Some(("deleted".into(), "files")),
        );
    }
    for f in &run.files_written {
        let n = mask_digits(&p.normalize(f));
        add(
            format!("overwrote {n}"),
            Kind::Files,
            format!("overwrote {n}"),
            None,
            None,
            Some(("overwrote".into(), "files")),
        );
    }
    for f in &run.files_created {
        let n = mask_digits(&p.normalize(f));
        add(
            format!("created {n}"),
            Kind::Created,
            format!("created {n}"),
            None,
            None,
            Some(("created".into(), "files")),
        );
    }
    for s in &run.steps {
        let status = match (s.timed_out, s.exit_code, s.signal) {
            (true, _, _) => "ran until the time limit".to_string(),
            (_, Some(c), _) => format!("exited with {c}"),
            (_, None, Some(sig)) => format!("was killed by signal {sig}"),
            _ => "did not run".to_string(),
        };
        add(
            format!("exit {} {status}", s.name),
            Kind::Exit,
            format!("{} {status}", s.name),
            None,
            Some(s.name.clone()),
            None,
        );
        for (stream, text) in [("printed", &s.stdout), ("printed to stderr", &s.stderr)] {
            let clean = strip_ansi(text);
            for line in clean
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .take(MAX_LINES)
            {
                let key = format!(
                    "out {} {stream} {}",
                    s.name,
                    mask_digits(&p.normalize(line))
                );
                let shown: String = p.normalize(line).chars().take(160).collect();
                add(
                    key,
                    Kind::Output,
                    format!("{} {stream} “{shown}”", s.name),
                    None,
                    Some(s.name.clone()),
                    Some((format!("{} {stream}", s.name), "lines")),
                );
            }
        }
    }
    out
}

/// What a set of behaviours comes to, short: output lines are counted per step and stream
/// with the first one quoted; the rest are named, four at most.
fn summary(list: &[&Behaviour]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut groups: Vec<(&str, &str, usize, &str)> = Vec::new();
    for b in list {
        match &b.group {
            Some((g, unit)) => match groups.iter_mut().find(|(name, _, _, _)| name == g) {
                Some(entry) => entry.2 += 1,
                None => groups.push((g.as_str(), unit, 1, b.what.as_str())),
            },
            None => parts.push(b.what.clone()),
        }
    }
    for (group, unit, n, first) in groups {
        let first = first.strip_prefix(group).unwrap_or(first).trim();
        let first: String = first.chars().take(90).collect();
        parts.push(if n == 1 {
            format!("{group} {first}")
        } else {
            format!("{group} {n} {unit}, first {first}")
        });
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
    run.network
        .iter()
        .find(|e| {
            e.host()
                .is_some_and(|h| h.trim_end_matches('.').eq_ignore_ascii_case(host))
        })
        .map(|e| e.t_ms())
        .unwrap_or(0)
}

/// The step running at `t_ms`.
fn step_at(run: &PersonaRun, t_ms: u64) -> Option<String> {
    run.steps
        .iter()
        .rfind(|s| s.error.as_deref() != Some("did not run") && s.started_ms <= t_ms)
        .map(|s| s.name.clone())
}

fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// Times, counters and random ids differ between any two runs; they are not a region
/// difference. Digit runs become `#`, and so do words of five or more letters and digits
/// mixed (`1795570266577jg3h4`, `a3f9c`).
fn mask_digits(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if word.chars().count() >= 5
            && word.chars().any(|c| c.is_ascii_digit())
            && word.chars().any(|c| c.is_ascii_alphabetic())
        {
            out.push('#');
        } else {
            let mut in_run = false;
            for c in word.chars() {
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
        }
        word.clear();
    };
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// The runs of one persona.
struct PersonaRuns<'a> {
    code: &'a str,
    country: &'a str,
    runs: Vec<(&'a PersonaRun, BTreeMap<String, Behaviour>)>,
}

impl PersonaRuns<'_> {
    /// Seen in every run.
    fn always(&self, key: &str) -> bool {
        self.runs.iter().all(|(_, b)| b.contains_key(key))
    }
    /// Seen in no run.
    fn never(&self, key: &str) -> bool {
        self.runs.iter().all(|(_, b)| !b.contains_key(key))
    }
    fn incomplete(&self) -> bool {
        self.runs.iter().any(|(r, _)| r.incomplete)
    }
}

pub fn findings(all_runs: &[PersonaRun], package: Option<&str>) -> Vec<ProbeFinding> {
    let mut out = Vec::new();
    let install_steps: BTreeSet<String> = all_runs
        .iter()
        .flat_map(|r| {
            r.steps
                .iter()
                .filter(|s| s.install_script)
                .map(|s| s.name.clone())
        })
        .collect();
    let mut personas: Vec<PersonaRuns> = Vec::new();
    for r in all_runs {
        let b = behaviours(r);
        match personas.iter_mut().find(|p| p.code == r.persona) {
            Some(p) => p.runs.push((r, b)),
            None => personas.push(PersonaRuns {
                code: &r.persona,
                country: &r.country,
                runs: vec![(r, b)],
            }),
        }
    }

    // Differences: seen in every run of some personas and in no run of the others, grouped
    // by the set of personas that showed them. A behaviour seen in only some runs of one
    // persona is a race, not a region difference.
    if personas.len() > 1 {
        let keys: BTreeSet<&String> = personas
            .iter()
            .flat_map(|p| p.runs.iter().flat_map(|(_, b)| b.keys()))
            .collect();
        let mut by_set: BTreeMap<Vec<usize>, Vec<&Behaviour>> = BTreeMap::new();
        for key in keys {
            let present: Vec<usize> = (0..personas.len())
                .filter(|&i| personas[i].always(key))
                .collect();
            let absent: Vec<usize> = (0..personas.len())
                .filter(|&i| personas[i].never(key))
                .collect();
            if present.is_empty()
                || absent.is_empty()
                || present.len() + absent.len() != personas.len()
            {
                continue;
            }
            // A run cut short proves nothing about what it would have done.
            if absent.iter().any(|&i| personas[i].incomplete()) {
                continue;
            }
            if let Some(b) = personas[present[0]].runs[0].1.get(key) {
                by_set.entry(present).or_default().push(b);
            }
        }
        for (set, mut list) in by_set {
            list.sort_by_key(|b| (std::cmp::Reverse(b.kind), b.order));
            let worst = list.iter().map(|b| b.kind).max().unwrap_or(Kind::Output);
            let repeated = personas.iter().all(|p| p.runs.len() > 1);
            let severity = match worst {
                Kind::Leak | Kind::Files => Severity::Critical,
                Kind::GeoIp | Kind::Read | Kind::Contact => Severity::High,
                // Files a program makes in the background race its exit: seen once, it may be luck.
                Kind::Created if !repeated => Severity::Low,
                Kind::Created | Kind::Output | Kind::Exit => Severity::Medium,
            };
            let names = |idx: &[usize]| {
                idx.iter()
                    .map(|&i| personas[i].country)
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let others: Vec<usize> = (0..personas.len()).filter(|i| !set.contains(i)).collect();
            let message = format!(
                "as {}: {}; as {}: not",
                names(&set),
                summary(&list),
                names(&others)
            );
            let step = list.iter().find_map(|b| b.step.clone());
            let mut f = finding(
                &ProbeRegionDifference::META,
                severity,
                message,
                step.as_deref(),
                &install_steps,
            );
            f.countries = dedup(
                set.iter()
                    .map(|&i| personas[i].country.to_string())
                    .collect(),
            );
            f.endpoints = dedup(list.iter().filter_map(|b| b.host.clone()).collect());
            f.evidence = list.iter().map(|b| b.what.clone()).collect();
            out.push(probe_finding(
                f,
                set.iter().map(|&i| personas[i].code.to_string()).collect(),
            ));
        }
    }

    // Behaviours reported whatever the persona: once each, with every persona it was seen under.
    let mut seen: BTreeMap<String, (Finding, Vec<String>)> = BTreeMap::new();
    for p in &personas {
        for (run, behaviours) in &p.runs {
            let norm = &run.normalizer;
            for b in behaviours.values() {
                let (key, f) = match b.kind {
                    Kind::Leak => {
                        // Sent to a known telemetry vendor (an error report's server name) is a
                        // disclosure to name; sent anywhere else it is exfiltration.
                        let vendor = b
                            .host
                            .as_deref()
                            .and_then(telltale_knowledge::vendors::telemetry_vendor_for_host);
                        let (severity, what) = match vendor {
                            Some(v) => (
                                Severity::High,
                                format!("{} — {} ({}, {})", b.what, v.name, v.kind, v.owner),
                            ),
                            None => (Severity::Critical, b.what.clone()),
                        };
                        let mut f = finding(
                            &ProbeHoneyLeak::META,
                            severity,
                            what,
                            b.step.as_deref(),
                            &install_steps,
                        );
                        f.endpoints = b.host.iter().cloned().collect();
                        if let Some(l) = run
                            .leaks
                            .iter()
                            .find(|l| b.what.starts_with(&format!("sent the {} ", l.kind)))
                        {
                            let ev = run
                                .network
                                .get(l.event)
                                .map(|e| norm.normalize(&describe(e)))
                                .unwrap_or_default();
                            f.evidence = vec![
                                format!(
                                    "{} `{}` ({}) in {}",
                                    l.kind, l.value, l.encoding, l.channel
                                ),
                                ev,
                            ];
                        }
                        (format!("leak|{}", b.what), f)
                    }
                    Kind::GeoIp => {
                        let mut f = finding(
                            &ProbeGeoipLookup::META,
                            Severity::Medium,
                            b.what.clone(),
                            b.step.as_deref(),
                            &install_steps,
                        );
                        f.endpoints = b.host.iter().cloned().collect();
                        f.evidence = vec![b.what.clone()];
                        (format!("geoip|{}", b.what), f)
                    }
                    Kind::Read => {
                        // Reading is not sending: tools run `npm` or `git` that read their own
                        // config. A secret that leaves is TT802; the read alone stays medium.
                        let mut f = finding(
                            &ProbeSensitiveRead::META,
                            Severity::Medium,
                            b.what.clone(),
                            b.step.as_deref(),
                            &install_steps,
                        );
                        f.evidence = vec![b.what.clone()];
                        (format!("read|{}", b.what), f)
                    }
                    _ => continue,
                };
                let entry = seen.entry(key).or_insert_with(|| (f, Vec::new()));
                if !entry.1.iter().any(|c| c == p.code) {
                    entry.1.push(p.code.to_string());
                }
            }
            // Destroyed files: one finding per persona-independent count.
            if !run.files_deleted.is_empty() || !run.files_written.is_empty() {
                let mut touched: Vec<String> = run
                    .files_deleted
                    .iter()
                    .map(|f| format!("deleted {f}"))
                    .chain(run.files_written.iter().map(|f| format!("overwrote {f}")))
                    .collect();
                let message = format!("deleted {} and overwrote {} that existed before it ran, outside its own package", count(run.files_deleted.len(), "file"), count(run.files_written.len(), "file"));
                touched.truncate(50);
                let mut f = finding(
                    &ProbeFilesDestroyed::META,
                    Severity::Critical,
                    message,
                    None,
                    &install_steps,
                );
                f.evidence = touched;
                let entry = seen
                    .entry("files".into())
                    .or_insert_with(|| (f, Vec::new()));
                if !entry.1.iter().any(|c| c == p.code) {
                    entry.1.push(p.code.to_string());
                }
            }
        }
    }
    for (_, (mut f, codes)) in seen {
        if codes.len() < personas.len() {
            f.countries = dedup(
                personas
                    .iter()
                    .filter(|p| codes.iter().any(|c| c == p.code))
                    .map(|p| p.country.to_string())
                    .collect(),
            );
        }
        out.push(probe_finding(f, codes));
    }
    out.sort_by(|a, b| {
        b.finding
            .severity
            .cmp(&a.finding.severity)
            .then(a.finding.rule.cmp(b.finding.rule))
            .then(a.finding.message.cmp(&b.finding.message))
    });
    for f in &mut out {
        f.finding.fingerprint = format!(
            "{:016x}:0",
            telltale_report::fingerprint::fnv1a(
                format!(
                    "{}|{}|{}|{}|{}",
                    f.finding.rule,
                    package.unwrap_or(""),
                    f.finding.countries.join(","),
                    f.finding.endpoints.join(","),
                    mask_digits(&f.finding.message)
                )
                .as_bytes()
            )
        );
    }
    out
}

/// One network event in words, for evidence.
pub fn describe(e: &telltale_fakenet::NetEvent) -> String {
    use telltale_fakenet::NetEvent::*;
    match e {
        Dns { name, qtype, .. } => format!("DNS {qtype} query for {name}"),
        Connection { port, sni, .. } => format!(
            "TLS connection to port {port}{}",
            sni.as_deref()
                .map(|s| format!(" for {s}"))
                .unwrap_or_default()
        ),
        Http {
            method,
            host,
            path,
            tls,
            body,
            ..
        } => {
            let body: String = body.chars().take(300).collect();
            format!(
                "{method} {}://{host}{path}{}",
                if *tls { "https" } else { "http" },
                if body.is_empty() {
                    String::new()
                } else {
                    format!(" body: {body}")
                }
            )
        }
        Raw { port, text, .. } => format!(
            "raw TCP to port {port}: {}",
            text.chars().take(200).collect::<String>()
        ),
    }
}

fn dedup(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v.dedup();
    v
}

fn finding(
    meta: &'static RuleMeta,
    severity: Severity,
    message: String,
    step: Option<&str>,
    install_steps: &BTreeSet<String>,
) -> Finding {
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
    ProbeFinding {
        finding,
        persona: (personas.len() == 1).then(|| personas[0].clone()),
        personas,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::persona::{select, Persona};
    use crate::supervise::StepRun;
    use telltale_fakenet::NetEvent;

    /// A run of persona `code` that looked up `hosts` and printed `stdout` in postinstall.
    fn run(code: &str, attempt: usize, hosts: &[&str], stdout: &str) -> PersonaRun {
        let p = Persona::new(select(&[code.to_string()]).unwrap()[0], 7);
        let hosts: Vec<String> = hosts
            .iter()
            .map(|h| h.replace("{hostname}", &p.hostname))
            .collect();
        PersonaRun {
            steps: vec![StepRun {
                name: "postinstall".into(),
                command: vec![],
                install_script: true,
                started_ms: 0,
                ms: 5,
                exit_code: Some(0),
                signal: None,
                timed_out: false,
                stdout: stdout.into(),
                stderr: String::new(),
                error: None,
            }],
            network: hosts
                .iter()
                .map(|h| NetEvent::Dns {
                    t_ms: 1,
                    name: h.clone(),
                    qtype: "A".into(),
                    transport: "udp".into(),
                })
                .collect(),
            hosts,
            ..PersonaRun::new(&p, attempt)
        }
    }

    #[test]
    fn a_contact_under_one_persona_is_a_region_difference_naming_it() {
        let runs = [
            run("us", 0, &[], "ok"),
            run("cn", 0, &["t.evil.example"], "ok"),
            run("ru", 0, &[], "ok"),
        ];
        let f = findings(&runs, Some("x"));
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].finding.rule, "TT801");
        assert_eq!(f[0].finding.countries, ["CN"]);
        assert_eq!(f[0].persona.as_deref(), Some("cn"));
        assert_eq!(f[0].finding.severity, Severity::High);
        assert_eq!(
            f[0].finding.message,
            "as CN: contacted t.evil.example; as US, RU: not"
        );
        assert!(f[0].finding.install_time);
    }

    #[test]
    fn persona_values_and_numbers_do_not_make_a_difference() {
        let runs = [
            run("us", 0, &["x.{hostname}.evil.example"], "took 12 ms"),
            run("cn", 0, &["x.{hostname}.evil.example"], "took 31 ms"),
        ];
        assert!(findings(&runs, None)
            .iter()
            .all(|f| f.finding.rule != "TT801"));
    }

    #[test]
    fn a_behaviour_seen_in_only_some_runs_of_a_persona_is_a_race_not_a_difference() {
        let runs = [
            run("us", 0, &[], ""),
            run("cn", 0, &["t.example"], ""),
            run("us", 1, &[], ""),
            run("cn", 1, &[], ""),
        ];
        assert!(findings(&runs, None).is_empty());
        let steady = [
            run("us", 0, &[], ""),
            run("cn", 0, &["t.example"], ""),
            run("us", 1, &[], ""),
            run("cn", 1, &["t.example"], ""),
        ];
        assert_eq!(findings(&steady, None).len(), 1);
    }

    #[test]
    fn a_run_cut_short_proves_no_absence() {
        let mut us = run("us", 0, &[], "");
        us.incomplete = true;
        assert!(findings(&[us, run("cn", 0, &["t.example"], "")], None).is_empty());
    }

    fn leak(r: &mut PersonaRun, host: &str) {
        r.network.push(NetEvent::Dns {
            t_ms: 2,
            name: host.into(),
            qtype: "A".into(),
            transport: "udp".into(),
        });
        let value = r.hostname.clone();
        r.leaks.push(telltale_fakenet::Leak {
            kind: "hostname".into(),
            value,
            encoding: "plain".into(),
            event: r.network.len() - 1,
            host: Some(host.into()),
            channel: "dns query".into(),
        });
    }

    #[test]
    fn a_honey_leak_is_critical_unless_it_went_to_a_known_telemetry_vendor() {
        let mut us = run("us", 0, &[], "");
        leak(&mut us, "x.evil.example");
        leak(&mut us, "o1.ingest.sentry.io");
        let f = findings(&[us], None);
        let leaks: Vec<&ProbeFinding> = f.iter().filter(|f| f.finding.rule == "TT802").collect();
        assert_eq!(leaks.len(), 2, "{f:?}");
        let evil = leaks
            .iter()
            .find(|f| f.finding.endpoints == ["x.evil.example"])
            .unwrap();
        assert_eq!(evil.finding.severity, Severity::Critical);
        assert!(
            evil.finding.evidence[0].starts_with("hostname `devbox-"),
            "{:?}",
            evil.finding.evidence
        );
        let sentry = leaks
            .iter()
            .find(|f| f.finding.endpoints == ["o1.ingest.sentry.io"])
            .unwrap();
        assert_eq!(sentry.finding.severity, Severity::High);
        assert!(
            sentry.finding.message.contains("Sentry"),
            "{}",
            sentry.finding.message
        );
    }

    #[test]
    fn no_leak_no_read_no_destruction_means_no_finding() {
        let mut quiet = run("us", 0, &["registry.npmjs.org"], "done");
        quiet.files_created = vec!["~/.cache/tool/state.json".into()];
        assert!(findings(&[quiet], None).is_empty());
    }

    #[test]
    fn secret_reads_and_destroyed_files_are_reported_under_every_persona_that_did_them() {
        let mut us = run("us", 0, &[], "");
        let mut ru = run("ru", 0, &[], "");
        for r in [&mut us, &mut ru] {
            r.sensitive_reads = vec!["~/.npmrc".into()];
        }
        ru.files_written = vec!["~/Documents/notes.txt".into()];
        ru.files_deleted = vec!["~/Desktop/todo.txt".into()];
        let f = findings(&[us, ru], None);
        let read = f.iter().find(|f| f.finding.rule == "TT803").unwrap();
        assert_eq!(
            (read.finding.severity, read.personas.clone()),
            (Severity::Medium, vec!["us".to_string(), "ru".to_string()])
        );
        assert!(
            read.finding.countries.is_empty(),
            "seen everywhere: no country singled out"
        );
        let destroyed = f.iter().find(|f| f.finding.rule == "TT805").unwrap();
        assert_eq!(destroyed.finding.severity, Severity::Critical);
        assert_eq!(destroyed.finding.countries, ["RU"]);
        assert_eq!(
            destroyed.finding.evidence,
            [
                "deleted ~/Desktop/todo.txt",
                "overwrote ~/Documents/notes.txt"
            ]
        );
        let region = f.iter().find(|f| f.finding.rule == "TT801").unwrap();
        assert_eq!(
            (region.finding.severity, region.finding.countries.clone()),
            (Severity::Critical, vec!["RU".to_string()])
        );
    }

    #[test]
    fn output_lines_are_summarised_per_step() {
        let runs = [
            run("us", 0, &[], ""),
            run("ru", 0, &[], "zeta first\nline two\nline three"),
        ];
        let f = findings(&runs, None);
        assert_eq!(
            f[0].finding.message,
            "as RU: postinstall printed 3 lines, first “zeta first”; as US: not"
        );
        assert_eq!(f[0].finding.severity, Severity::Medium);
        assert_eq!(f[0].finding.evidence.len(), 3);
    }

    #[test]
    fn digits_are_masked_so_times_do_not_differ() {
        assert_eq!(mask_digits("took 123 ms at 12:30"), "took # ms at #:#");
        assert_eq!(
            mask_digits("snapshot-bash-1795570266577-jg3h4x.sh v2"),
            "snapshot-bash-#-#.sh v#"
        );
    }

    #[test]
    fn colour_codes_are_dropped() {
        assert_eq!(
            super::strip_ansi("\u{1b}[37m24 февраля\u{1b}[22m!"),
            "24 февраля!"
        );
    }
}
