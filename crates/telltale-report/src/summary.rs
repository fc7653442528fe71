//! A target's answer in one line of plain words: telemetry to whom and how to turn it off,
//! identity that leaves the machine, region behaviour, what runs at install, and whether all
//! of the code was read. Text output prints it under the target's header; JSON has it as
//! the target's `summary`.

use crate::label::PrivacyLabel;
use crate::TargetReport;
use std::collections::BTreeSet;

/// How many names a part lists before it says "and N more".
const MAX_NAMES: usize = 3;

fn listed<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    let names: BTreeSet<&str> = names.into_iter().collect();
    let shown: Vec<&str> = names.iter().copied().take(MAX_NAMES).collect();
    let more = names.len().saturating_sub(MAX_NAMES);
    if more > 0 {
        format!("{} and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

/// Telemetry services by owner (or host), and the switch a user sets, if any.
fn telemetry(l: &PrivacyLabel) -> String {
    // A catalogued vendor by its name; an intake known by its path by host and kind
    // (`api.anthropic.com (event logging)`).
    let services: Vec<String> = l
        .destinations
        .iter()
        .filter(|d| d.role == "telemetry")
        .map(|d| match d.owner.as_deref() {
            Some(o) => match o.strip_suffix(", by its path") {
                Some(shape) => format!("{} ({shape})", d.host),
                None => o.split(" (").next().unwrap_or(o).to_string(),
            },
            None => d.host.clone(),
        })
        .collect();
    if services.is_empty() {
        return "no telemetry service named".into();
    }
    // Settings by what they do when set, where the configuration says it (`on_by_default`);
    // a setting whose default is not known is a switch, not claimed to turn anything off.
    let settings = |want: Option<bool>| {
        listed(
            l.opt_outs
                .iter()
                .filter(|o| o.on_by_default == want)
                .map(|o| o.setting.as_str()),
        )
    };
    let switch = if l.opt_outs.is_empty() {
        "no opt-out found in the code".to_string()
    } else {
        let names = [
            (Some(true), "off with"),
            (Some(false), "on only with"),
            (None, "switches:"),
        ]
        .into_iter()
        .map(|(want, words)| (settings(want), words))
        .filter(|(names, _)| !names.is_empty())
        .map(|(names, words)| format!("{words} {names}"))
        .collect::<Vec<_>>()
        .join(" — ");
        // Settings found where they are declared or read, but not linked to a send.
        if l.opt_outs_untraced() {
            format!("{names}; not traced to a send")
        } else {
            names
        }
    };
    format!(
        "telemetry to {} ({switch})",
        listed(services.iter().map(String::as_str))
    )
}

/// Identity items sent, and where to.
fn identity(l: &PrivacyLabel) -> String {
    if l.sends.is_empty() {
        return "sends no identity".into();
    }
    let items = listed(
        l.sends
            .iter()
            .flat_map(|s| s.items.iter().map(String::as_str)),
    );
    let hosts: Vec<&str> = l
        .sends
        .iter()
        .flat_map(|s| s.to.iter().map(String::as_str))
        .collect();
    // Machine traits sent together recognise the device: say so.
    let fingerprint = if l
        .collects
        .iter()
        .any(|c| c.kind == telltale_facts::DataKind::DeviceFingerprint && c.sent)
    {
        " (together a device fingerprint)"
    } else {
        ""
    };
    if hosts.is_empty() {
        format!("sends {items}{fingerprint}")
    } else {
        format!("sends {items}{fingerprint} to {}", listed(hosts))
    }
}

fn region(l: &PrivacyLabel) -> String {
    let countries = l.countries();
    if countries.is_empty() {
        return "no region-dependent behaviour".into();
    }
    let effects = listed(
        l.regions
            .iter()
            .flat_map(|r| r.effects.iter().map(String::as_str)),
    );
    format!(
        "behaves differently in {} ({effects})",
        listed(countries.iter().copied())
    )
}

/// Hooks the package manager runs when installing from the registry (`prepare` runs only
/// for git and folder installs).
fn install(l: &PrivacyLabel) -> String {
    let hooks: Vec<&str> = l
        .install_scripts
        .iter()
        .filter_map(|s| s.split_once(':').map(|(hook, _)| hook.trim()))
        .filter(|h| *h != "prepare")
        .collect();
    if hooks.is_empty() {
        "runs nothing at install".into()
    } else {
        format!("runs {} at install", listed(hooks))
    }
}

/// The one-line answer for a target; empty for a target that could not be read.
pub fn in_short(t: &TargetReport) -> String {
    if t.error.is_some() {
        return String::new();
    }
    let coverage = if t.coverage.complete {
        "all code analysed".to_string()
    } else {
        format!(
            "NOT all code analysed ({} part{} skipped)",
            t.coverage.gaps().count(),
            if t.coverage.gaps().count() == 1 {
                ""
            } else {
                "s"
            }
        )
    };
    let l = &t.label;
    // What was not analysed may hold what the rest does not: a negative answer says so.
    let hedged = |part: String, none: bool| {
        if none && !t.coverage.complete {
            format!("{part} in the code analysed")
        } else {
            part
        }
    };
    [
        hedged(
            telemetry(l),
            !l.destinations.iter().any(|d| d.role == "telemetry"),
        ),
        hedged(identity(l), l.sends.is_empty()),
        hedged(region(l), l.countries().is_empty()),
        install(l),
        coverage,
    ]
    .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::label::{Destination, OptOut, Sent};

    fn target(label: PrivacyLabel) -> TargetReport {
        TargetReport {
            label,
            ..TargetReport::empty("npm:x@1.0.0")
        }
    }

    #[test]
    fn an_empty_label_says_so_in_every_part() {
        assert_eq!(
            in_short(&target(PrivacyLabel::default())),
            "no telemetry service named; sends no identity; no region-dependent behaviour; \
             runs nothing at install; all code analysed"
        );
        let failed = TargetReport::failed("npm:x", "not found".into());
        assert_eq!(in_short(&failed), "");
    }

    #[test]
    fn negatives_are_hedged_when_code_was_not_analysed() {
        let mut t = target(PrivacyLabel::default());
        t.coverage.complete = false;
        t.coverage.unanalysed.push(crate::coverage::Unanalysed {
            path: "package/bin/x".into(),
            bytes: 10,
            why: "an executable that was not opened".into(),
            runs: true,
        });
        assert_eq!(
            in_short(&t),
            "no telemetry service named in the code analysed; sends no identity in the code \
             analysed; no region-dependent behaviour in the code analysed; runs nothing at \
             install; NOT all code analysed (1 part skipped)"
        );
    }

    #[test]
    fn opt_outs_and_opt_ins_are_told_apart() {
        let setting = |name: &str, on: Option<bool>| OptOut {
            setting: name.into(),
            product: None,
            check: "value".into(),
            gates: 1,
            checks: 1,
            controls: vec![],
            sends_before_check: vec![],
            read_by: None,
            on_by_default: on,
            packages: vec![],
        };
        let label = PrivacyLabel {
            destinations: vec![Destination {
                host: "api.example.com".into(),
                role: "telemetry".into(),
                owner: Some("event logging, by its path".into()),
                location: "a.js:1:1".into(),
                packages: vec![],
            }],
            opt_outs: vec![
                setting("DISABLE_TELEMETRY", Some(true)),
                setting("TOOL_ENABLE_TELEMETRY", Some(false)),
            ],
            ..PrivacyLabel::default()
        };
        let s = in_short(&target(label));
        assert!(
            s.starts_with(
                "telemetry to api.example.com (event logging) (off with DISABLE_TELEMETRY \
                 — on only with TOOL_ENABLE_TELEMETRY);"
            ),
            "{s}"
        );
    }

    #[test]
    fn settings_not_traced_to_a_send_are_not_called_missing() {
        let flag = OptOut {
            setting: "--analytics-disable or TOOL_ANALYTICS_DISABLE".into(),
            product: None,
            check: "flag".into(),
            gates: 0,
            checks: 1,
            controls: vec![],
            sends_before_check: vec![],
            read_by: None,
            on_by_default: None,
            packages: vec![],
        };
        let mut label = PrivacyLabel {
            destinations: vec![Destination {
                host: "us.i.posthog.com".into(),
                role: "telemetry".into(),
                owner: Some("PostHog (PostHog Inc.)".into()),
                location: "a.py:1:1".into(),
                packages: vec![],
            }],
            opt_outs: vec![flag.clone()],
            ..PrivacyLabel::default()
        };
        let s = in_short(&target(label.clone()));
        assert!(
            s.starts_with(
                "telemetry to PostHog (switches: --analytics-disable or TOOL_ANALYTICS_DISABLE; \
                 not traced to a send);"
            ),
            "{s}"
        );
        assert_eq!(label.ungated_words(), "no opt-out traced to it");
        // Traced to a send, the setting stands alone; with none, nothing is claimed found.
        label.opt_outs[0].gates = 1;
        assert!(!in_short(&target(label.clone())).contains("not traced"));
        label.opt_outs.clear();
        assert!(in_short(&target(label.clone())).contains("no opt-out found in the code"));
        assert_eq!(label.ungated_words(), "no opt-out found");
    }

    #[test]
    fn telemetry_identity_and_install_in_plain_words() {
        let label = PrivacyLabel {
            destinations: vec![Destination {
                host: "us.i.posthog.com".into(),
                role: "telemetry".into(),
                owner: Some("PostHog (PostHog Inc.)".into()),
                location: "a.js:1:1".into(),
                packages: vec![],
            }],
            opt_outs: vec![OptOut {
                setting: "DO_NOT_TRACK".into(),
                product: None,
                check: "process.env.DO_NOT_TRACK".into(),
                gates: 1,
                checks: 1,
                controls: vec![],
                sends_before_check: vec![],
                read_by: None,
                on_by_default: None,
                packages: vec![],
            }],
            sends: vec![Sent {
                items: vec!["host name".into()],
                sink: "fetch".into(),
                to: vec!["us.i.posthog.com".into()],
                when: "run".into(),
                location: "a.js:2:1".into(),
                gated_by: vec![],
                sent_before_check: false,
                packages: vec![],
            }],
            install_scripts: vec!["postinstall: node x.js".into(), "prepare: husky".into()],
            ..PrivacyLabel::default()
        };
        let s = in_short(&target(label));
        assert_eq!(
            s,
            "telemetry to PostHog (switches: DO_NOT_TRACK); sends host name to \
             us.i.posthog.com; no region-dependent behaviour; runs postinstall at install; \
             all code analysed"
        );
    }
}
