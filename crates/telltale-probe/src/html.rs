//! The probe report as a page (`telltale probe --format html`): the verdict; then what differs
//! between countries, with the text each persona was shown; then one table with a column per
//! persona and a row per thing observed (each step's exit and output, hosts contacted, honey
//! values sent, sensitive files read, files written), cells that differ from another
//! persona's marked; then every finding (grouped as on the scan page), each persona's full
//! output, and the sandbox it all ran in.
//!
//! Built from `telltale_report::html::kit`, so it keeps the scan page's promises: no URL of any
//! kind, the same Content-Security-Policy, and everything the package printed or sent escaped.

use crate::compare::strip_ansi;
use crate::supervise::PersonaRun;
use crate::ProbeReport;
use std::fmt::Write;
use telltale_report::html::kit::{
    self, country_chips, esc, human_bytes, pill, plural, Outcome, Verdict,
};
use telltale_rules::{Finding, Severity};

/// Write to the page; writing to a `String` cannot fail.
macro_rules! w {
    ($out:expr, $($arg:tt)*) => {
        let _ = write!($out, $($arg)*);
    };
}

/// Output lines quoted per step in the persona table, and in a persona's full output.
const TABLE_LINES: usize = 3;
const FULL_LINES: usize = 200;
/// Characters per quoted output line.
const LINE_CHARS: usize = 300;
/// Items listed per table cell before "… and N more".
const CELL_ITEMS: usize = 8;

/// Render a probe report; `fail_on` is the severity the run fails at (as its exit status).
pub fn to_html(r: &ProbeReport, fail_on: Severity) -> String {
    let mut out = String::with_capacity(32 * 1024);
    kit::begin_page(&mut out, &format!("telltale probe: {}", r.target));
    let who = match (&r.package, &r.version) {
        (Some(p), Some(v)) => format!("{} {} · ", esc(p), esc(v)),
        (Some(p), None) => format!("{} · ", esc(p)),
        _ => String::new(),
    };
    let subtitle = format!(
        "{who}run as {} in a sandbox · {}",
        plural(r.personas.len(), "persona", "personas"),
        plural(r.findings.len(), "finding", "findings")
    );
    kit::masthead(&mut out, "Probe report", &subtitle, &[r.target.as_str()]);
    out.push_str("<div class=\"page\">\n");
    kit::write_verdict(&mut out, &verdict(r, fail_on));
    out.push_str("</div>\n");
    kit::begin_main(&mut out, !r.findings.is_empty());
    write_differences(&mut out, r);
    write_persona_table(&mut out, r);
    out.push_str("<section class=\"findings\" id=\"findings\">\n<div class=\"findings-head\">\n");
    w!(
        out,
        "<h3>Findings <span class=\"muted\">({})</span></h3>\n</div>\n",
        r.findings.len()
    );
    if r.findings.is_empty() {
        out.push_str("<p class=\"card none\">No findings.</p>\n");
    }
    let findings: Vec<&Finding> = r.findings.iter().map(|f| &f.finding).collect();
    kit::write_finding_groups(&mut out, "finding", &findings);
    out.push_str("</section>\n");
    write_outputs(&mut out, r);
    write_sandbox(&mut out, r);
    out.push_str("</main>\n");
    kit::end_page(
        &mut out,
        &format!("probe schema {}", r.schema),
        "The package ran only inside the sandbox described above, with no route off this machine.",
    );
    out
}

/// Fails when a finding is at or above `fail_on`; the findings that do, by rule, are why.
pub fn verdict(r: &ProbeReport, fail_on: Severity) -> Verdict {
    let mut failing: Vec<(String, usize)> = Vec::new();
    for f in r.findings.iter().filter(|f| f.finding.severity >= fail_on) {
        let g = &f.finding;
        let mut what = format!("{} {} ({})", g.rule, g.name, g.severity.as_str());
        if !g.countries.is_empty() {
            what.push_str(&format!(" — only as {}", g.countries.join(", ")));
        }
        match failing.iter_mut().find(|(w, _)| *w == what) {
            Some((_, n)) => *n += 1,
            None => failing.push((what, 1)),
        }
    }
    let mut caveats: Vec<String> = Vec::new();
    for p in &r.personas {
        if p.incomplete {
            caveats.push(format!(
                "the run as {} ended before it finished: the program killed the agent or the time ran out",
                p.country
            ));
        }
        for s in p.steps.iter().filter(|s| s.timed_out) {
            caveats.push(format!(
                "{} as {} was stopped at the time limit ({} s): what it would do later was not seen",
                s.name, p.country, r.sandbox.step_timeout_s
            ));
        }
    }
    if !r.stand_ins.is_empty() {
        caveats.push(format!(
            "{} replaced by stand-in modules: the program may stop earlier than it would for real",
            plural(r.stand_ins.len(), "dependency was", "dependencies were")
        ));
    }
    if r.personas.len() < 2 {
        caveats.push("one persona only: differences between countries cannot show".into());
    }
    let outcome = if failing.is_empty() {
        Outcome::Passes
    } else {
        Outcome::Fails
    };
    let headline = match outcome {
        Outcome::Fails => format!(
            "Fails: {} at or above {}",
            plural(failing.iter().map(|(_, n)| n).sum(), "finding", "findings"),
            fail_on.as_str()
        ),
        _ => format!("Passes: no finding at or above {}", fail_on.as_str()),
    };
    let reasons = if failing.is_empty() {
        match r.highest_severity() {
            Some(s) => vec![format!(
                "{}; the worst is {}",
                plural(r.findings.len(), "finding", "findings"),
                s.as_str()
            )],
            None => vec!["no finding: every persona saw the same behaviour, and nothing was leaked, read or destroyed".into()],
        }
    } else {
        failing
            .into_iter()
            .map(|(w, n)| if n > 1 { format!("{w} × {n}") } else { w })
            .collect()
    };
    Verdict {
        outcome,
        headline,
        reasons,
        caveats,
    }
}

/// The personas' countries in run order, once each.
fn countries(r: &ProbeReport) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for p in &r.personas {
        if !out.contains(&p.country) {
            out.push(p.country.clone());
        }
    }
    out
}

/// The region findings, first: where the package behaved differently, with what it did.
fn write_differences(out: &mut String, r: &ProbeReport) {
    let diffs: Vec<&crate::compare::ProbeFinding> = r
        .findings
        .iter()
        .filter(|f| f.finding.category == telltale_rules::Category::Region)
        .collect();
    out.push_str("<section class=\"card differences\" id=\"differences\">\n<h2>Differences between countries</h2>\n");
    if diffs.is_empty() {
        let all = countries(r);
        if all.len() < 2 {
            out.push_str("<p class=\"muted\">Only one persona ran: nothing to compare.</p>\n");
        } else {
            out.push_str("<p class=\"same\">The package did the same as ");
            country_chips(out, &all);
            out.push_str("</p>\n");
        }
        out.push_str("</section>\n");
        return;
    }
    let all = countries(r);
    for f in diffs {
        let g = &f.finding;
        let others: Vec<String> = all
            .iter()
            .filter(|c| !g.countries.contains(c))
            .cloned()
            .collect();
        out.push_str("<div class=\"difference\">\n<p class=\"who\">");
        kit::badge(out, g.severity);
        out.push_str(" <span class=\"only\">Only as</span> ");
        country_chips(out, &g.countries);
        if !others.is_empty() {
            out.push_str(" <span class=\"not\">not as</span> ");
            country_chips(out, &others);
        }
        if g.install_time {
            pill(out, "warn", "install time");
        }
        out.push_str("</p>\n");
        w!(out, "<p class=\"message\">{}</p>\n", esc(&g.message));
        if !g.evidence.is_empty() {
            write_quoted(out, &g.evidence);
        }
        out.push_str("</div>\n");
    }
    out.push_str("</section>\n");
}

/// The evidence of a difference: lines such as `postinstall printed to stderr “…”`. When
/// every line says the same before its quote, that is said once as a caption and the quoted
/// text shown as printed.
fn write_quoted(out: &mut String, evidence: &[String]) {
    let head = |e: &str| e.find('“').map(|i| e[..i].to_string());
    let first = head(&evidence[0]);
    let common = first.filter(|h| {
        !h.is_empty()
            && evidence
                .iter()
                .all(|e| e.starts_with(h.as_str()) && e.ends_with('”'))
    });
    if let Some(h) = &common {
        w!(out, "<p class=\"quote-head\">{}:</p>\n", esc(h.trim_end()));
    }
    out.push_str("<blockquote class=\"printed\">\n");
    for e in evidence.iter().take(FULL_LINES) {
        let line = match &common {
            Some(h) => e[h.len()..].trim_start_matches('“').trim_end_matches('”'),
            None => e.as_str(),
        };
        w!(
            out,
            "<div>{}</div>\n",
            esc(&telltale_report::clip(line, LINE_CHARS))
        );
    }
    if evidence.len() > FULL_LINES {
        w!(out, "<div>… {} more</div>\n", evidence.len() - FULL_LINES);
    }
    out.push_str("</blockquote>\n");
}

/// A cell of the persona table: its HTML, and its text with the persona's own values
/// replaced, for telling whether personas differ.
struct Cell {
    html: String,
    key: String,
}

/// The persona's own values (host name, user, time zone, locale) as placeholders.
fn normalised(p: &PersonaRun, text: &str) -> String {
    let mut s = text.to_string();
    for (value, name) in [
        (&p.hostname, "{hostname}"),
        (&p.user, "{user}"),
        (&p.time_zone, "{tz}"),
        (&p.locale, "{locale}"),
    ] {
        if value.len() >= 2 {
            s = s.replace(value.as_str(), name);
        }
    }
    s
}

fn list_cell(p: &PersonaRun, items: &[String]) -> Cell {
    if items.is_empty() {
        return Cell {
            html: "<span class=\"muted\">none</span>".into(),
            key: String::new(),
        };
    }
    let mut html = String::from("<ul class=\"cell-list\">");
    for i in items.iter().take(CELL_ITEMS) {
        w!(html, "<li><code>{}</code></li>", esc(i));
    }
    if items.len() > CELL_ITEMS {
        w!(
            html,
            "<li class=\"muted\">… and {} more</li>",
            items.len() - CELL_ITEMS
        );
    }
    html.push_str("</ul>");
    let mut sorted: Vec<String> = items.iter().map(|i| normalised(p, i)).collect();
    sorted.sort();
    Cell {
        html,
        key: sorted.join("\n"),
    }
}

/// The printed lines of a step (both streams, escape sequences removed, blank lines left out).
fn printed(s: &crate::supervise::StepRun) -> Vec<String> {
    [&s.stdout, &s.stderr]
        .iter()
        .flat_map(|t| {
            strip_ansi(t)
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect()
}

fn step_cell(p: &PersonaRun, name: &str) -> Cell {
    let Some(s) = p.steps.iter().find(|s| s.name == name) else {
        return Cell {
            html: "<span class=\"muted\">not run</span>".into(),
            key: "not run".into(),
        };
    };
    let status = s.outcome();
    let lines = printed(s);
    let mut html = format!("<div class=\"status\">{} · {} ms</div>", esc(&status), s.ms);
    if lines.is_empty() {
        html.push_str("<div class=\"muted\">printed nothing</div>");
    } else {
        w!(
            html,
            "<div class=\"muted\">printed {}</div><ul class=\"cell-list printed-lines\">",
            plural(lines.len(), "line", "lines")
        );
        for l in lines.iter().take(TABLE_LINES) {
            w!(
                html,
                "<li><code>{}</code></li>",
                esc(&telltale_report::clip(l, 160))
            );
        }
        if lines.len() > TABLE_LINES {
            w!(
                html,
                "<li class=\"muted\">… {} more</li>",
                lines.len() - TABLE_LINES
            );
        }
        html.push_str("</ul>");
    }
    // Durations differ on every run; the exit and the text are the behaviour.
    let key = normalised(p, &format!("{status}\n{}", lines.join("\n")));
    Cell { html, key }
}

/// One row per thing observed, one column per persona (and run), differing cells marked.
fn write_persona_table(out: &mut String, r: &ProbeReport) {
    out.push_str(
        "<section class=\"card persona-table\" id=\"personas\">\n<h2>What each persona saw</h2>\n",
    );
    if r.personas.is_empty() {
        out.push_str("<p class=\"muted\">No persona ran.</p>\n</section>\n");
        return;
    }
    out.push_str("<div class=\"scroll\">\n<table class=\"personas\">\n<thead><tr><th></th>");
    let repeated = r.personas.iter().any(|p| p.attempt > 0);
    for p in &r.personas {
        out.push_str("<th scope=\"col\">");
        country_chips(out, std::slice::from_ref(&p.country));
        if repeated {
            w!(out, "<span class=\"muted\"> run {}</span>", p.attempt + 1);
        }
        out.push_str("</th>");
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    let row = |out: &mut String, head: &str, cells: Vec<Cell>, compare: bool| {
        let differs = compare && cells.iter().any(|c| c.key != cells[0].key);
        // Mark the odd ones out: cells unlike what most personas saw, or, when nothing is
        // most common, unlike the first persona (the control, `us` by default).
        let shared = |c: &Cell| cells.iter().filter(|o| o.key == c.key).count();
        let most = cells.iter().map(shared).max().unwrap_or(0);
        let usual = cells
            .iter()
            .find(|c| shared(c) == most)
            .map(|c| c.key.as_str());
        w!(
            out,
            "<tr{}><th scope=\"row\">{}</th>",
            if differs { " class=\"differs\"" } else { "" },
            esc(head)
        );
        for c in &cells {
            let mark = differs && Some(c.key.as_str()) != usual;
            w!(
                out,
                "<td{}>{}</td>",
                if mark { " class=\"diff\"" } else { "" },
                c.html
            );
        }
        out.push_str("</tr>\n");
    };
    let text = |s: String| Cell {
        html: esc(&s).to_string(),
        key: String::new(),
    };
    row(
        out,
        "Time zone · locale",
        r.personas
            .iter()
            .map(|p| text(format!("{} · {}", p.time_zone, p.locale)))
            .collect(),
        false,
    );
    row(
        out,
        "Host · user",
        r.personas
            .iter()
            .map(|p| text(format!("{} · {}", p.hostname, p.user)))
            .collect(),
        false,
    );
    row(
        out,
        "Isolation",
        r.personas
            .iter()
            .map(|p| {
                let ok = p.isolation.iter().filter(|c| c.ok).count();
                let mut html = String::new();
                let class = if ok == p.isolation.len() {
                    "good"
                } else {
                    "bad"
                };
                pill(
                    &mut html,
                    class,
                    &format!("{ok} of {} checks passed", p.isolation.len()),
                );
                Cell {
                    html,
                    key: String::new(),
                }
            })
            .collect(),
        false,
    );
    let mut steps: Vec<(&str, bool)> = Vec::new();
    for p in &r.personas {
        for s in &p.steps {
            if !steps.iter().any(|(n, _)| *n == s.name) {
                steps.push((&s.name, s.install_script));
            }
        }
    }
    for (name, install) in steps {
        let head = if install {
            format!("{name} (install script)")
        } else {
            name.to_string()
        };
        row(
            out,
            &head,
            r.personas.iter().map(|p| step_cell(p, name)).collect(),
            true,
        );
    }
    row(
        out,
        "Hosts contacted",
        r.personas.iter().map(|p| list_cell(p, &p.hosts)).collect(),
        true,
    );

    row(
        out,
        "Sent (honey values)",
        r.personas
            .iter()
            .map(|p| list_cell(p, &p.leaks_in_words()))
            .collect(),
        true,
    );
    row(
        out,
        "Sensitive files read",
        r.personas
            .iter()
            .map(|p| list_cell(p, &p.sensitive_reads))
            .collect(),
        true,
    );
    type Files = fn(&PersonaRun) -> &Vec<String>;
    let file_rows: [(&str, Files); 3] = [
        ("Files created", |p| &p.files_created),
        ("Files overwritten", |p| &p.files_written),
        ("Files deleted", |p| &p.files_deleted),
    ];
    for (head, get) in file_rows {
        row(
            out,
            head,
            r.personas.iter().map(|p| list_cell(p, get(p))).collect(),
            true,
        );
    }
    if r.personas.iter().any(|p| !p.warnings.is_empty()) {
        row(
            out,
            "Warnings",
            r.personas
                .iter()
                .map(|p| list_cell(p, &p.warnings))
                .collect(),
            false,
        );
    }
    out.push_str("</tbody>\n</table>\n</div>\n<p class=\"caption\">Marked cells differ from what most personas saw, or from the first persona's when no behaviour is most common (each persona's own host name, user, time zone and locale taken out).</p>\n</section>\n");
}

/// Each persona's steps with everything they printed, folded.
fn write_outputs(out: &mut String, r: &ProbeReport) {
    out.push_str("<section class=\"outputs\" id=\"outputs\">\n<h3>Output of each run</h3>\n");
    for p in &r.personas {
        let attempt = if p.attempt > 0 {
            format!(", run {}", p.attempt + 1)
        } else {
            String::new()
        };
        w!(
            out,
            "<details class=\"card persona-output\"><summary>As {} ({}, {}, {}{attempt})</summary>\n",
            esc(&p.country),
            esc(&p.persona),
            esc(&p.time_zone),
            esc(&p.locale)
        );
        for s in &p.steps {
            w!(
                out,
                "<h4>{} <span class=\"muted\">— {}, {} ms</span></h4>\n<p><code>{}</code></p>\n",
                esc(&s.name),
                esc(&s.outcome()),
                s.ms,
                esc(&telltale_report::clip(&s.command.join(" "), 400))
            );
            for (stream, text) in [("stdout", &s.stdout), ("stderr", &s.stderr)] {
                let clean = strip_ansi(text);
                let lines: Vec<&str> = clean.lines().collect();
                if clean.trim().is_empty() {
                    continue;
                }
                w!(
                    out,
                    "<pre class=\"output\"><span class=\"stream\">{stream}</span>\n"
                );
                for l in lines.iter().take(FULL_LINES) {
                    w!(out, "{}\n", esc(&telltale_report::clip(l, LINE_CHARS)));
                }
                if lines.len() > FULL_LINES {
                    w!(out, "… {} more lines\n", lines.len() - FULL_LINES);
                }
                out.push_str("</pre>\n");
            }
        }
        out.push_str("</details>\n");
    }
    out.push_str("</section>\n");
}

/// Where it ran: the sandbox's make-up, limits, packages installed and stand-ins.
fn write_sandbox(out: &mut String, r: &ProbeReport) {
    let s = &r.sandbox;
    out.push_str(
        "<section class=\"card sandbox\" id=\"sandbox\">\n<h2>Sandbox</h2>\n<dl class=\"facts\">\n",
    );
    w!(
        out,
        "<dt>Isolation</dt><dd>bubblewrap <code>{}</code>, namespaces {}</dd>\n",
        esc(&s.bubblewrap),
        esc(&s.namespaces.join(", "))
    );
    w!(out, "<dt>Network</dt><dd>{}</dd>\n", esc(s.network));
    w!(
        out,
        "<dt>TLS</dt><dd>{}</dd>\n",
        if s.tls_interception {
            "intercepted with a CA made for this run and trusted inside"
        } else {
            "not intercepted: server names only"
        }
    );
    w!(
        out,
        "<dt>Limits</dt><dd>program uid {}; {} s per step; heap {}; {} processes; {} per persona</dd>\n",
        s.program_uid,
        s.step_timeout_s,
        human_bytes(s.limits.memory_bytes),
        s.limits.processes,
        plural(s.runs_per_persona, "run", "runs")
    );
    if !r.installed.is_empty() {
        w!(
            out,
            "<dt>Installed</dt><dd>{}</dd>\n",
            kit::codes(&r.installed)
        );
    }
    if !r.stand_ins.is_empty() {
        w!(
            out,
            "<dt>Stand-ins</dt><dd>{}</dd>\n",
            kit::codes(&r.stand_ins)
        );
    }
    if !r.warnings.is_empty() {
        out.push_str("<dt>Warnings</dt><dd><ul class=\"cell-list\">");
        for wn in &r.warnings {
            w!(out, "<li>{}</li>", esc(wn));
        }
        out.push_str("</ul></dd>\n");
    }
    out.push_str("</dl>\n</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::persona::{select, Persona};
    use crate::supervise::StepRun;
    use crate::{SandboxSummary, Tool};
    use telltale_report::html::audit;

    const HOSTILE: &str = "</script><script>alert(1)</script><img src=x onerror=alert(1)>";

    /// A run of persona `code` whose postinstall printed `stderr`.
    fn run(code: &str, stderr: &str) -> PersonaRun {
        let p = Persona::new(select(&[code.to_string()]).unwrap()[0], 7);
        PersonaRun {
            steps: vec![StepRun {
                name: "postinstall".into(),
                command: vec!["node".into(), "_postinstall.js".into()],
                install_script: true,
                started_ms: 0,
                ms: 5,
                exit_code: Some(0),
                signal: None,
                timed_out: false,
                stdout: String::new(),
                stderr: stderr.into(),
                error: None,
            }],
            ..PersonaRun::new(&p, 0)
        }
    }

    fn report(runs: Vec<PersonaRun>) -> ProbeReport {
        let findings = crate::compare::findings(&runs, Some("x"));
        ProbeReport {
            schema: "telltale-probe/1",
            tool: Tool {
                name: "telltale",
                version: "0",
            },
            target: "x-1.0.0.tgz".into(),
            package: Some("x".into()),
            version: Some("1.0.0".into()),
            installed: vec!["x@1.0.0".into()],
            stand_ins: vec![],
            sandbox: SandboxSummary {
                bubblewrap: "/usr/bin/bwrap".into(),
                namespaces: vec!["user", "net"],
                network: "loopback only",
                tcp_ports: vec![443],
                tls_interception: true,
                program_uid: 1000,
                limits: Default::default(),
                step_timeout_s: 20,
                runs_per_persona: 1,
            },
            personas: runs,
            findings,
            warnings: vec![],
        }
    }

    #[test]
    fn a_message_shown_to_one_country_comes_first_and_its_cell_is_marked() {
        let message = format!("Слава {HOSTILE}");
        let r = report(vec![run("us", ""), run("cn", ""), run("ru", &message)]);
        let html = to_html(&r, Severity::High);
        assert_eq!(audit::problems(&html), Vec::<String>::new());
        assert!(!html.contains("<img"));
        // The difference, before the persona table, with the text as printed.
        let diffs = html.find("<h2>Differences between countries</h2>").unwrap();
        let table = html.find("<h2>What each persona saw</h2>").unwrap();
        assert!(diffs < table);
        let section = &html[diffs..table];
        assert!(section.contains("<span class=\"only\">Only as</span> <span class=\"country\"><span class=\"iso\">RU</span> Russia"), "{section}");
        assert!(section.contains("<span class=\"not\">not as</span> <span class=\"country\"><span class=\"iso\">US</span>"));
        assert!(
            section.contains("<p class=\"quote-head\">postinstall printed to stderr:</p>"),
            "{section}"
        );
        assert!(
            section.contains("<div>Слава &lt;/script&gt;&lt;script&gt;alert(1)"),
            "{section}"
        );
        // One column per persona; the postinstall row marks Russia's cell alone.
        let thead = audit::between(&html, "<table class=\"personas\">", "</thead>");
        assert_eq!(thead.matches("<th scope=\"col\">").count(), 3);
        let row = audit::between(
            &html,
            "<tr class=\"differs\"><th scope=\"row\">postinstall (install script)</th>",
            "</tr>",
        );
        assert_eq!(row.matches("<td class=\"diff\">").count(), 1, "{row}");
        assert!(row.contains("<td class=\"diff\"><div class=\"status\">exit 0 · 5 ms</div><div class=\"muted\">printed 1 line</div>"), "{row}");
        // Same elsewhere: not marked.
        assert!(html.contains("<tr><th scope=\"row\">Hosts contacted</th>"));
        // The finding is medium: below the default fail-on, so the run passes, and says so.
        let banner = audit::between(&html, "<section class=\"verdict", "</section>");
        assert!(banner.starts_with(" passes\""), "{banner}");
        assert!(banner.contains("Passes: no finding at or above high"));
        assert!(banner.contains("1 finding; the worst is medium"));
        let banner = audit::between(
            &to_html(&r, Severity::Medium),
            "<section class=\"verdict",
            "</section>",
        )
        .to_string();
        assert!(banner.starts_with(" fails\""), "{banner}");
        assert!(
            banner.contains("TT801 probe-region-difference (medium) — only as RU"),
            "{banner}"
        );
    }

    #[test]
    fn the_same_everywhere_is_said_and_a_single_persona_is_a_caveat() {
        let html = to_html(
            &report(vec![run("us", "hi"), run("de", "hi")]),
            Severity::High,
        );
        assert!(html.contains("<p class=\"same\">The package did the same as"));
        assert!(!html.contains("class=\"differs\""));
        assert!(html.contains("no finding: every persona saw the same behaviour"));
        let one = to_html(&report(vec![run("us", "hi")]), Severity::High);
        assert!(one.contains("Only one persona ran: nothing to compare."));
        assert!(one.contains("one persona only: differences between countries cannot show"));
    }
}
