//! The probe report for people: the sandbox it ran in, then per persona what happened,
//! then the findings, worst first.

use crate::ProbeReport;
use std::fmt::Write;

pub fn text(r: &ProbeReport) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "probe: {}{}",
        r.target,
        r.package
            .as_ref()
            .map(|p| format!(" ({p} {})", r.version.as_deref().unwrap_or("?")))
            .unwrap_or_default()
    );
    let _ = writeln!(
        o,
        "sandbox: bubblewrap, namespaces {}; network: {}; TLS {}; program uid {}; {} s per step",
        r.sandbox.namespaces.join("/"),
        r.sandbox.network,
        if r.sandbox.tls_interception {
            "intercepted with a per-run CA"
        } else {
            "not intercepted (server names only)"
        },
        r.sandbox.program_uid,
        r.sandbox.step_timeout_s
    );
    if r.installed.len() > 1 {
        let _ = writeln!(o, "installed: {}", r.installed.join(", "));
    }
    for s in &r.stand_ins {
        let _ = writeln!(o, "stand-in: {s}");
    }
    for w in &r.warnings {
        let _ = writeln!(o, "warning: {w}");
    }
    for p in &r.personas {
        let attempt = if p.attempt > 0 {
            format!(", run {}", p.attempt + 1)
        } else {
            String::new()
        };
        let _ = writeln!(
            o,
            "\n== as {} ({}, {}, {}; host {}, user {}{attempt})",
            p.country, p.persona, p.time_zone, p.locale, p.hostname, p.user
        );
        let passed: Vec<&str> = p
            .isolation
            .iter()
            .filter(|c| c.ok)
            .map(|c| c.name.as_str())
            .collect();
        let _ = writeln!(o, "  isolation verified: {}", passed.join(", "));
        for s in &p.steps {
            let status = s.outcome();
            let command = s.command.join(" ");
            let command = if command.chars().count() > 100 {
                format!("{}…", command.chars().take(100).collect::<String>())
            } else {
                command
            };
            let _ = writeln!(o, "  {:<12} {command} — {status}, {} ms", s.name, s.ms);
            for (label, text) in [("stdout", &s.stdout), ("stderr", &s.stderr)] {
                let clean = crate::compare::strip_ansi(text);
                let lines: Vec<&str> = clean.lines().filter(|l| !l.trim().is_empty()).collect();
                for l in lines.iter().take(6) {
                    let shown: String = l.chars().take(160).collect();
                    let _ = writeln!(o, "    {label} | {shown}");
                }
                if lines.len() > 6 {
                    let _ = writeln!(o, "    {label} | … {} more lines", lines.len() - 6);
                }
            }
        }
        let _ = writeln!(
            o,
            "  hosts contacted: {}",
            if p.hosts.is_empty() {
                "none".to_string()
            } else {
                p.hosts.join(", ")
            }
        );
        for leak in p.leaks_in_words() {
            let _ = writeln!(o, "  LEAK {leak}");
        }
        if !p.sensitive_reads.is_empty() {
            let _ = writeln!(
                o,
                "  sensitive files read: {}",
                p.sensitive_reads.join(", ")
            );
        }
        for (what, list) in [
            ("created outside the package", &p.files_created),
            ("that existed before, overwritten", &p.files_written),
            ("that existed before, deleted", &p.files_deleted),
        ] {
            if !list.is_empty() {
                let shown: Vec<&str> = list.iter().take(5).map(String::as_str).collect();
                let _ = writeln!(
                    o,
                    "  files {what}: {} ({}{})",
                    list.len(),
                    shown.join(", "),
                    if list.len() > 5 { ", …" } else { "" }
                );
            }
        }
        for w in &p.warnings {
            let _ = writeln!(o, "  warning: {w}");
        }
    }
    let _ = writeln!(o);
    if r.findings.is_empty() {
        let _ = writeln!(o, "findings: none");
    } else {
        let _ = writeln!(o, "findings:");
    }
    for f in &r.findings {
        let g = &f.finding;
        let countries = if g.countries.is_empty() {
            String::new()
        } else {
            format!(" [{}]", g.countries.join(", "))
        };
        let _ = writeln!(
            o,
            "  {:<8} {} {}{countries} {}: {}",
            g.severity.as_str(),
            g.rule,
            g.name,
            g.file,
            g.message
        );
        for e in g
            .evidence
            .iter()
            .skip(usize::from(g.evidence.first() == Some(&g.message)))
            .take(6)
        {
            let shown: String = e.chars().take(200).collect();
            let _ = writeln!(o, "      {shown}");
        }
    }
    o
}
