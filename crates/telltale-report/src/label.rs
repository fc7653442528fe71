//! The privacy label: one summary per package of what it collects, where it sends it, when,
//! behind which opt-out, and for which regions it behaves differently — the answer a person
//! vetting a tool wants before reading any single finding.
//!
//! Built from the facts of every file of a target (not from findings, so it is the same
//! whatever `--min-severity` hides). Text output prints it first; JSON has it as `label`.

use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use telltale_facts::{DataKind, FileFacts, Kinds, LineIndex, Span};
use telltale_knowledge::vendors;

/// When collected data leaves or code runs: `install` (reached from an install script) or
/// `run` (when the package's code runs).
fn when_word(facts: &FileFacts) -> &'static str {
    if facts.install_time {
        "install"
    } else {
        "run"
    }
}

/// One identity item the package reads.
/// How an install script that npm runs only for git and folder installs (`prepare`) ends in
/// `install_scripts`: a package installed from a registry never runs it.
pub const GIT_AND_FOLDER_ONLY: &str = " (git and folder installs only, not from a registry)";

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Collected {
    /// Kebab-case kind (`hostname`, `whole-environment`), as in finding evidence.
    pub kind: DataKind,
    /// The same in words.
    pub item: String,
    /// APIs or files read (`os.hostname()`, `process.env.USER`), at most a few.
    pub apis: Vec<String>,
    /// `install` and/or `run`.
    pub when: Vec<String>,
    /// Whether a flow carries it to a network sink.
    pub sent: bool,
    /// Hosts it is sent to, where the sends name them (at most a few).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub to: Vec<String>,
    /// Number of places it is read.
    pub reads: usize,
    /// With `--deps`, in the product's combined label: the packages it comes from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub packages: Vec<String>,
}

/// One place where collected data leaves the machine.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Sent {
    pub items: Vec<String>,
    /// The sending API (`https.request`, `fetch`, `dns.lookup`).
    pub sink: String,
    /// Hosts the call contacts, where known statically.
    pub to: Vec<String>,
    pub when: String,
    /// `file:line:col` of the sending call.
    pub location: String,
    /// Opt-out settings that stop this send; empty when none was found.
    pub gated_by: Vec<String>,
    /// The same data leaves before the opt-out check runs: not really gated.
    pub sent_before_check: bool,
    /// With `--deps`, in the product's combined label: the packages it comes from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub packages: Vec<String>,
}

/// A destination the package names: catalogued telemetry or IP-geolocation services, cloud
/// metadata, hosts that receive collected data, and hosts hidden by an encoding.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Destination {
    pub host: String,
    /// `telemetry`, `ip-geolocation`, `cloud-metadata`, `receives-data` or `hidden`.
    pub role: String,
    /// The service and who receives the data, when catalogued (`Statsig (Statsig, Inc.)`).
    pub owner: Option<String>,
    /// First place it is named, `file:line:col`.
    pub location: String,
    /// With `--deps`, in the product's combined label: the packages it comes from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub packages: Vec<String>,
}

/// A setting that turns collection off.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct OptOut {
    pub setting: String,
    /// The product whose catalogued setting it is (toptout), if any.
    pub product: Option<String>,
    /// `presence` (any value disables, even `0`) or `value` (only listed values).
    pub check: String,
    /// Number of identity or region sends it gates (not counting those whose data is sent
    /// before the check anyway).
    pub gates: usize,
    /// Number of places it is checked.
    pub checks: usize,
    /// Sending or telemetry-client calls in the code it controls, `file: api at byte N`.
    pub controls: Vec<String>,
    /// Calls of the same kind that run before the check, `file: api at byte N`.
    pub sends_before_check: Vec<String>,
    /// When `setting` was resolved from the code's own switch to what users set: the method or
    /// property the code checks (`getUsageStatisticsEnabled`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_by: Option<String>,
    /// Whether collection is on when nothing is set (an opt-out) or off (an opt-in), when the
    /// configuration says so with a constant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_by_default: Option<bool>,
    /// With `--deps`, in the product's combined label: the packages it comes from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub packages: Vec<String>,
}

/// Code that runs only for users in some countries.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RegionBehaviour {
    pub countries: Vec<String>,
    /// What the region-dependent code does, in words.
    pub effects: Vec<String>,
    /// The region data compared (`Intl.DateTimeFormat().resolvedOptions().timeZone`).
    pub source: String,
    pub when: String,
    /// Where the region is tested.
    pub location: String,
    /// How the place is found, in words ("time zone", "IP-geolocation answer").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub found_by: Vec<String>,
    /// Where the code that differs is.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub effect_location: String,
    /// The code runs everywhere except in `countries`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub outside: bool,
    /// What differs, as evidence: the APIs called, the endpoints chosen in and out of region.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<String>,
    /// With `--deps`, in the product's combined label: the packages it comes from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub packages: Vec<String>,
}

/// A secret used to authenticate requests (credential use, not a send of the secret).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Authenticates {
    /// Where the secret is read (`process.env.GITHUB_TOKEN`).
    pub secret: String,
    /// What it is, in words (`a secret environment variable`).
    pub items: Vec<String>,
    /// The authentication position (`Authorization header`, `auth option`).
    pub position: String,
    /// The host of the request when constant; absent when the caller supplies the address.
    pub to: Option<String>,
    pub when: String,
    /// `file:line:col` of the value in the authentication position.
    pub location: String,
    /// With `--deps`, in the product's combined label: the packages it comes from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub packages: Vec<String>,
}

/// The label of one target.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct PrivacyLabel {
    pub collects: Vec<Collected>,
    pub sends: Vec<Sent>,
    pub destinations: Vec<Destination>,
    pub opt_outs: Vec<OptOut>,
    /// Secrets used as requests' credentials (to their own service or the caller's address).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authenticates: Vec<Authenticates>,
    pub regions: Vec<RegionBehaviour>,
    /// Install hooks with their commands (`postinstall: node setup.js`).
    pub install_scripts: Vec<String>,
    /// When a host (VS Code) runs the package's code.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub activation: Vec<String>,
}

/// One analysed file: its facts and the line index of the text its spans refer to.
pub struct LabelInput<'a> {
    pub facts: &'a FileFacts,
    pub index: &'a LineIndex,
}

fn location(input: &LabelInput<'_>, span: Span) -> String {
    let (line, col) = input.index.line_col(span.start);
    format!("{}:{line}:{col}", input.facts.file)
}

const MAX_APIS: usize = 6;
const MAX_SENDS: usize = 64;
const MAX_CONTROLS: usize = 8;
/// Hosts listed per target from native executables' strings.
const MAX_NATIVE_HOSTS: usize = 64;

/// A cloud instance-metadata address as a package uses it.
struct MetadataUse {
    provider: &'static str,
    location: String,
    /// What its requests ask for (credentials, the region), where their paths say.
    purposes: BTreeSet<&'static str>,
    /// The installed dependencies whose code names it.
    packages: BTreeSet<String>,
}

/// The installed dependency a file belongs to (`node_modules/@aws-sdk/x/dist/a.js` →
/// `@aws-sdk/x`, `site-packages/botocore/utils.py` → `botocore`), if it is inside one.
fn dependency_of(file: &str) -> Option<String> {
    let (_, rest) = file
        .rsplit_once("node_modules/")
        .or_else(|| file.rsplit_once("site-packages/"))?;
    let mut parts = rest.split('/');
    let first = parts.next()?;
    let name = if first.starts_with('@') {
        format!("{first}/{}", parts.next()?)
    } else {
        first.to_string()
    };
    // A file directly in site-packages (`six.py`) is its own module.
    parts.next()?;
    Some(name)
}

/// Every item, in order, comma-separated (none left out: a metadata row's few purposes).
fn joined<S: AsRef<str>>(items: &BTreeSet<S>) -> String {
    items
        .iter()
        .map(AsRef::as_ref)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Hosts that name no service: loopback and the documentation domains of RFC 2606.
fn is_loopback_or_example(host: &str) -> bool {
    let under = |d: &str| host == d || host.strip_suffix(d).is_some_and(|rest| rest.ends_with('.'));
    host == "localhost"
        || host.starts_with("127.")
        || host == "0.0.0.0"
        || ["example.com", "example.org", "example.net"]
            .iter()
            .any(|d| under(d))
}

impl PrivacyLabel {
    pub fn build(files: &[LabelInput<'_>]) -> Self {
        let mut label = PrivacyLabel::default();
        let mut collected: BTreeMap<DataKind, (BTreeSet<String>, BTreeSet<&'static str>, usize)> =
            BTreeMap::new();
        let mut sent_kinds = BTreeSet::new();
        let mut sent_to: BTreeMap<DataKind, BTreeSet<String>> = BTreeMap::new();
        let mut destinations: BTreeMap<String, Destination> = BTreeMap::new();
        let mut add_destination = |host: &str, role: &str, owner: Option<String>, loc: String| {
            let d = destinations.entry(host.to_string()).or_insert(Destination {
                host: host.to_string(),
                role: role.to_string(),
                owner: owner.clone(),
                location: loc.clone(),
                packages: vec![],
            });
            // A host first seen in a table and later contacted is a destination; one that
            // receives data and is also known as a service (a telemetry intake by its URL)
            // is named for the service.
            let upgrade = match d.role.as_str() {
                "named-not-contacted" => role != d.role,
                "receives-data" => !matches!(role, "named-not-contacted" | "receives-data"),
                _ => false,
            };
            if upgrade {
                d.role = role.to_string();
                d.owner = owner;
                d.location = loc;
            }
        };
        let mut native_hosts: BTreeSet<&str> = BTreeSet::new();
        let mut metadata: BTreeMap<String, MetadataUse> = BTreeMap::new();
        // Hosts the code is seen contacting: a bare host name in a table of services
        // (`{"ipinfo.io": "IPinfo", "mc.yandex.ru": "Yandex", …}`) is named, not contacted.
        let requested: BTreeSet<&str> = files
            .iter()
            .flat_map(|i| i.facts.requests.iter().map(|r| r.host.as_str()))
            .collect();
        for input in files {
            let f = input.facts;
            let when = when_word(f);
            for s in &f.sources {
                let e = collected.entry(s.kind).or_default();
                if e.0.len() < MAX_APIS {
                    e.0.insert(s.api.clone());
                }
                e.1.insert(when);
                e.2 += 1;
            }
            for fl in &f.flows {
                let items: Vec<String> = fl
                    .kinds
                    .iter()
                    .filter(|k| k.is_identity() || k.is_region())
                    .map(|k| k.describe().to_string())
                    .collect();
                if items.is_empty() {
                    continue;
                }
                for k in fl.kinds.iter() {
                    sent_kinds.insert(k);
                    if k.is_identity() || k.is_region() {
                        // A flow proves the read even where the source was not listed alone.
                        let e = collected.entry(k).or_default();
                        e.1.insert(when);
                        let to = sent_to.entry(k).or_default();
                        to.extend(fl.endpoints.iter().take(MAX_APIS).cloned());
                    }
                }
                // Traits of the machine sent together recognise it: say so as one item.
                let traits = fl.kinds.intersect(Kinds::DEVICE_TRAITS);
                if traits.len() >= 2 {
                    let kind = DataKind::DeviceFingerprint;
                    sent_kinds.insert(kind);
                    let e = collected.entry(kind).or_default();
                    let together = traits
                        .iter()
                        .map(|k| k.describe())
                        .collect::<Vec<_>>()
                        .join(" + ");
                    if e.0.len() < MAX_APIS {
                        e.0.insert(together);
                    }
                    e.1.insert(when);
                    e.2 += 1;
                    let to = sent_to.entry(kind).or_default();
                    to.extend(fl.endpoints.iter().take(MAX_APIS).cloned());
                }
                for h in &fl.endpoints {
                    add_destination(
                        h,
                        "receives-data",
                        vendor_owner(h),
                        location(input, fl.span),
                    );
                }
                if label.sends.len() < MAX_SENDS {
                    label.sends.push(Sent {
                        items,
                        sink: fl.sink_api.clone(),
                        to: fl.endpoints.clone(),
                        when: when.to_string(),
                        location: location(input, fl.span),
                        gated_by: fl.gated_by.clone(),
                        sent_before_check: fl.sent_before_check,
                        packages: vec![],
                    });
                }
            }
            let is_table = f.holds_service_table();
            for e in &f.endpoints {
                let loc = || location(input, e.span);
                let named_only = ((is_table && e.url.is_none()) || e.in_text)
                    && !requested.contains(e.host.as_str());
                let intake = vendors::telemetry_intake_of(
                    &e.host,
                    e.url.as_deref(),
                    requested.contains(e.host.as_str()),
                );
                if let Some(owner) = intake.map(|t| t.describe()) {
                    let role = if named_only {
                        "named-not-contacted"
                    } else {
                        "telemetry"
                    };
                    add_destination(&e.host, role, Some(owner), loc());
                } else if let Some(g) = e
                    .url
                    .as_deref()
                    .and_then(vendors::geoip_service_for_url)
                    .or_else(|| vendors::geoip_service(&e.host))
                {
                    let role = if named_only {
                        "named-not-contacted"
                    } else {
                        "ip-geolocation"
                    };
                    add_destination(&e.host, role, Some(g.name.to_string()), loc());
                } else if let Some(provider) = vendors::cloud_metadata_provider(&e.host) {
                    // An address in a sentence, or in a test's table of cases (an SSRF test's
                    // tricky URLs) that no request goes to, is not a use of the service.
                    if (named_only || !crate::coverage::runs(&f.file))
                        && !requested.contains(e.host.as_str())
                    {
                        add_destination(
                            &e.host,
                            "named-not-contacted",
                            Some(provider.to_string()),
                            loc(),
                        );
                        continue;
                    }
                    let m = metadata
                        .entry(e.host.clone())
                        .or_insert_with(|| MetadataUse {
                            provider,
                            location: loc(),
                            purposes: BTreeSet::new(),
                            packages: BTreeSet::new(),
                        });
                    m.purposes
                        .extend(e.url.as_deref().and_then(vendors::cloud_metadata_purpose));
                    m.packages.extend(dependency_of(&f.file));
                } else if !e.encodings.is_empty() {
                    add_destination(&e.host, "hidden", None, loc());
                } else if f.native && !is_loopback_or_example(&e.host) {
                    // A native binary's code cannot be followed: every service it names is a
                    // candidate destination.
                    if native_hosts.len() < MAX_NATIVE_HOSTS && native_hosts.insert(e.host.as_str())
                    {
                        add_destination(&e.host, "named-in-executable", None, loc());
                    }
                }
            }
            for u in &f.credential_uses {
                let dup = label
                    .authenticates
                    .iter()
                    .any(|a| a.secret == u.secret && a.position == u.position && a.to == u.host);
                if !dup && label.authenticates.len() < MAX_SENDS {
                    label.authenticates.push(Authenticates {
                        secret: u.secret.clone(),
                        items: u.kinds.iter().map(|k| k.describe().to_string()).collect(),
                        position: u.position.clone(),
                        to: u.host.clone(),
                        when: when.to_string(),
                        location: location(input, u.span),
                        packages: vec![],
                    });
                }
                for k in u.kinds.iter() {
                    collected.entry(k).or_default().1.insert(when);
                }
            }
            for g in &f.region_guards {
                // A comparison whose code does nothing visible is a finding (info), not a
                // behaviour a label can state.
                if g.countries.is_empty() || g.effects.is_empty() {
                    continue;
                }
                // Nor is a comparison of a value only its name calls the country, or of the
                // variant the package was built as (not where it runs).
                if g.is_hint() {
                    continue;
                }
                label.regions.push(RegionBehaviour {
                    countries: g.countries.clone(),
                    effects: g.effects.iter().map(|e| e.describe().to_string()).collect(),
                    source: g.source_api.clone(),
                    when: when.to_string(),
                    location: location(input, g.span),
                    found_by: g.source.iter().map(|k| k.describe().to_string()).collect(),
                    effect_location: location(input, g.guarded),
                    outside: g.outside,
                    details: g.effect_apis.clone(),
                    packages: vec![],
                });
            }
            for s in &f.install_scripts {
                let only = if !s.runs_from_registry() {
                    GIT_AND_FOLDER_ONLY
                } else {
                    ""
                };
                label
                    .install_scripts
                    .push(format!("{}: {}{only}", s.hook, s.command));
            }
            label.activation.extend(f.activation.iter().cloned());
            for o in &f.opt_outs {
                let sends = f
                    .flows
                    .iter()
                    .filter(|fl| fl.gated_by.contains(&o.setting) && !fl.sent_before_check)
                    .count();
                let before = |room: usize| {
                    o.sends_before_check
                        .iter()
                        .take(room)
                        .map(|c| format!("{}: {c}", f.file))
                };
                match label.opt_outs.iter_mut().find(|x| x.setting == o.setting) {
                    Some(x) => {
                        x.gates += sends;
                        x.checks += 1;
                        let room = MAX_CONTROLS.saturating_sub(x.controls.len());
                        x.controls.extend(
                            o.gated_calls
                                .iter()
                                .take(room)
                                .map(|c| format!("{}: {c}", f.file)),
                        );
                        x.sends_before_check.extend(before(
                            MAX_CONTROLS.saturating_sub(x.sends_before_check.len()),
                        ));
                        // A name seen in a native binary says less than a check read in code.
                        x.check = match (x.check.as_str(), o.check.as_str()) {
                            (a, b) if a == b => x.check.clone(),
                            ("named" | "read" | "flag", _) => o.check.clone(),
                            (_, "named" | "read" | "flag") => x.check.clone(),
                            _ => "presence and value".into(),
                        };
                    }
                    None => label.opt_outs.push(OptOut {
                        setting: o.setting.clone(),
                        product: o.product.clone(),
                        check: o.check.clone(),
                        gates: sends,
                        checks: 1,
                        controls: o
                            .gated_calls
                            .iter()
                            .take(MAX_CONTROLS)
                            .map(|c| format!("{}: {c}", f.file))
                            .collect(),
                        sends_before_check: before(MAX_CONTROLS).collect(),
                        read_by: None,
                        on_by_default: None,
                        packages: vec![],
                    }),
                }
            }
        }
        // A metadata address says whose service it is, what is asked of it and, inside
        // installed dependencies, which package asks.
        for (host, m) in metadata {
            let mut owner = m.provider.to_string();
            if !m.purposes.is_empty() {
                owner.push_str(&format!("; asked for {}", joined(&m.purposes)));
            }
            if !m.packages.is_empty() {
                owner.push_str(&format!("; by {}", joined(&m.packages)));
            }
            add_destination(&host, "cloud-metadata", Some(owner), m.location);
        }
        // Sends gated by a check in another module (a Python function called only under the
        // check, see telltale-scan's `gates`): counted for that check, and named as it controls.
        for input in files {
            let f = input.facts;
            for fl in f.flows.iter().filter(|fl| !fl.sent_before_check) {
                let elsewhere = fl
                    .gated_by
                    .iter()
                    .filter(|s| !f.opt_outs.iter().any(|o| &o.setting == *s));
                for setting in elsewhere {
                    if let Some(x) = label.opt_outs.iter_mut().find(|x| &x.setting == setting) {
                        x.gates += 1;
                        if x.controls.len() < MAX_CONTROLS {
                            x.controls.push(format!(
                                "{}: {} at byte {}",
                                f.file, fl.sink_api, fl.span.start
                            ));
                        }
                    }
                }
            }
        }
        resolve_switches(&mut label.opt_outs, files);
        // Identity, and where the user is once it leaves the machine (a time zone only read
        // to pick a mirror is region behaviour, not collection).
        label.collects = collected
            .into_iter()
            .filter(|(k, _)| {
                k.is_identity() || (Kinds::USER_PLACE.contains(*k) && sent_kinds.contains(k))
            })
            .map(|(kind, (apis, when, reads))| Collected {
                kind,
                item: kind.describe().to_string(),
                apis: apis.into_iter().collect(),
                when: when.into_iter().map(String::from).collect(),
                sent: sent_kinds.contains(&kind),
                to: sent_to
                    .remove(&kind)
                    .unwrap_or_default()
                    .into_iter()
                    .take(MAX_APIS)
                    .collect(),
                reads,
                packages: vec![],
            })
            .collect();
        label.destinations = destinations.into_values().collect();
        label.regions.dedup_by(|a, b| {
            a.countries == b.countries && a.effects == b.effects && a.source == b.source
        });
        label
    }

    /// One label for a product made of several packages (`--deps`): every item of every
    /// package's label, each naming the packages it comes from; the same collected item,
    /// destination or opt-out in several packages is one entry.
    pub fn combine(parts: &[(String, &PrivacyLabel)]) -> PrivacyLabel {
        let mut out = PrivacyLabel::default();
        for (package, label) in parts {
            let from = || vec![package.clone()];
            for c in &label.collects {
                match out.collects.iter_mut().find(|x| x.kind == c.kind) {
                    Some(x) => {
                        x.sent |= c.sent;
                        x.reads += c.reads;
                        for a in &c.apis {
                            if x.apis.len() < MAX_APIS && !x.apis.contains(a) {
                                x.apis.push(a.clone());
                            }
                        }
                        for w in &c.when {
                            if !x.when.contains(w) {
                                x.when.push(w.clone());
                            }
                        }
                        for h in &c.to {
                            if x.to.len() < MAX_APIS && !x.to.contains(h) {
                                x.to.push(h.clone());
                            }
                        }
                        x.packages.push(package.clone());
                    }
                    None => out.collects.push(Collected {
                        packages: from(),
                        ..c.clone()
                    }),
                }
            }
            out.sends.extend(label.sends.iter().map(|s| Sent {
                packages: from(),
                ..s.clone()
            }));
            for d in &label.destinations {
                match out
                    .destinations
                    .iter_mut()
                    .find(|x| x.host == d.host && x.role == d.role)
                {
                    Some(x) => x.packages.push(package.clone()),
                    None => out.destinations.push(Destination {
                        packages: from(),
                        ..d.clone()
                    }),
                }
            }
            for o in &label.opt_outs {
                match out.opt_outs.iter_mut().find(|x| x.setting == o.setting) {
                    Some(x) => {
                        x.gates += o.gates;
                        x.checks += o.checks;
                        x.packages.push(package.clone());
                    }
                    None => out.opt_outs.push(OptOut {
                        packages: from(),
                        ..o.clone()
                    }),
                }
            }
            out.authenticates
                .extend(label.authenticates.iter().map(|a| Authenticates {
                    packages: from(),
                    ..a.clone()
                }));
            out.regions
                .extend(label.regions.iter().map(|r| RegionBehaviour {
                    packages: from(),
                    ..r.clone()
                }));
            out.install_scripts.extend(
                label
                    .install_scripts
                    .iter()
                    .map(|s| format!("{package}: {s}")),
            );
            out.activation
                .extend(label.activation.iter().map(|s| format!("{package}: {s}")));
        }
        out
    }

    /// Every country its region behaviour names, sorted.
    pub fn countries(&self) -> std::collections::BTreeSet<&str> {
        self.regions
            .iter()
            .flat_map(|r| r.countries.iter().map(String::as_str))
            .collect()
    }

    /// How a send that no opt-out gates is described: "no opt-out found" only when the code
    /// has no opt-out at all; with settings found but none traced to this send (a flag parsed
    /// in one module, honoured by a class in another), "no opt-out traced to it".
    pub fn ungated_words(&self) -> &'static str {
        if self.opt_outs.is_empty() {
            "no opt-out found"
        } else {
            "no opt-out traced to it"
        }
    }

    /// Whether opt-out settings were found but none of them was traced to the code it
    /// controls.
    pub fn opt_outs_untraced(&self) -> bool {
        !self.opt_outs.is_empty()
            && self
                .opt_outs
                .iter()
                .all(|o| o.gates == 0 && o.controls.is_empty())
    }

    /// Whether there is anything to say.
    pub fn is_empty(&self) -> bool {
        self.collects.is_empty()
            && self.sends.is_empty()
            && self.destinations.is_empty()
            && self.regions.is_empty()
            && self.install_scripts.is_empty()
            && self.opt_outs.is_empty()
            && self.authenticates.is_empty()
            && self.activation.is_empty()
    }
}

/// The property of the configuration an opt-out check reads: `getUsageStatisticsEnabled` →
/// `usageStatisticsEnabled`, `config.usageStatisticsEnabled` → `usageStatisticsEnabled`.
fn switch_property(setting: &str) -> String {
    let last = setting.rsplit('.').next().unwrap_or(setting);
    let last = last.trim_end_matches("()");
    // Python's `get_telemetry_enabled()` / `is_telemetry_enabled()`.
    if let Some(rest) = last
        .strip_prefix("get_")
        .or_else(|| last.strip_prefix("is_"))
    {
        return rest.to_string();
    }
    match last.strip_prefix("get").or_else(|| last.strip_prefix("is")) {
        Some(rest) if rest.starts_with(|c: char| c.is_ascii_uppercase()) => {
            let mut c = rest.chars();
            c.next()
                .map(|f| f.to_ascii_lowercase().to_string() + c.as_str())
                .unwrap_or_default()
        }
        _ => last.to_string(),
    }
}

/// Name opt-outs read through the code's own switch by what users set: the environment
/// variables and settings keys the switch is configured from (`QWEN_USAGE_STATISTICS_ENABLED`,
/// `privacy.usageStatisticsEnabled`), with the switch's default. Checks of one switch under
/// several names become one opt-out.
fn resolve_switches(opt_outs: &mut Vec<OptOut>, files: &[LabelInput<'_>]) {
    // Per switch: its names, and its default with whether that came from where users set
    // it (a source that names settings) — a literal `usageStatisticsEnabled: false` in a
    // worker's own configuration says nothing about the default users get.
    let mut sources: BTreeMap<String, (Vec<String>, Option<bool>)> = BTreeMap::new();
    let mut defaults: BTreeMap<String, (Option<bool>, bool)> = BTreeMap::new();
    for input in files {
        for s in &input.facts.setting_sources {
            let key = s.property.to_ascii_lowercase();
            let e = sources.entry(key.clone()).or_default();
            for name in &s.settings {
                if !e.0.contains(name) {
                    e.0.push(name.clone());
                }
            }
            // Environment variables first: they win over the settings file.
            e.0.sort_by_key(|n| n.contains('.'));
            let positive = !key.contains("disable") && !key.ends_with("optout");
            if let Some(d) = s.default {
                let d = if positive { d } else { !d };
                let named = !s.settings.is_empty();
                let slot = defaults.entry(key).or_insert((Some(d), named));
                match (slot.1, named) {
                    // Where users set it wins over a literal elsewhere.
                    (false, true) => *slot = (Some(d), true),
                    // Two places of the same standing that disagree: unknown.
                    (a, b) if a == b && slot.0.is_some_and(|old| old != d) => slot.0 = None,
                    _ => {}
                }
            }
        }
    }
    for (key, (d, _)) in defaults {
        if let Some(e) = sources.get_mut(&key) {
            e.1 = d;
        }
    }
    if sources.is_empty() {
        return;
    }
    for o in opt_outs.iter_mut() {
        let prop = switch_property(&o.setting).to_ascii_lowercase();
        if let Some((names, on)) = sources.get(&prop) {
            if !names.is_empty() {
                o.read_by = Some(o.setting.clone());
                o.setting = names.join(" or ");
                o.check = "value".into();
            }
            o.on_by_default = *on;
        }
    }
    let mut merged: Vec<OptOut> = Vec::new();
    for o in opt_outs.drain(..) {
        match merged.iter_mut().find(|m| m.setting == o.setting) {
            Some(m) => {
                m.gates += o.gates;
                m.checks += o.checks;
                for c in o.controls {
                    if m.controls.len() < MAX_CONTROLS && !m.controls.contains(&c) {
                        m.controls.push(c);
                    }
                }
            }
            None => merged.push(o),
        }
    }
    *opt_outs = merged;
}

fn vendor_owner(host: &str) -> Option<String> {
    vendors::telemetry_vendor_for_host(host)
        .map(|v| format!("{} ({})", v.name, v.owner))
        .or_else(|| vendors::exfil_channel(host).map(|c| format!("{} ({})", c.name, c.kind)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use telltale_facts::{
        Effect, EndpointFact, FlowFact, Kinds, RegionGuardFact, SinkKind, SourceFact,
    };

    #[test]
    fn label_lists_items_sends_destinations_and_regions() {
        let text =
            "const h = os.hostname();\nfetch('https://api.mixpanel.com/track', {body: h});\n";
        let index = LineIndex::new(text.as_bytes());
        let facts = FileFacts {
            file: "package/index.js".into(),
            sources: vec![SourceFact {
                kind: DataKind::Hostname,
                api: "os.hostname()".into(),
                span: Span::new(10, 23),
            }],
            flows: vec![FlowFact {
                kinds: Kinds::of(DataKind::Hostname),
                sink: SinkKind::Http,
                sink_api: "fetch".into(),
                span: Span::new(25, 75),
                endpoints: vec!["api.mixpanel.com".into()],
                steps: vec![],
                gated_by: vec![],
                sent_before_check: false,
                to_telemetry: false,
            }],
            endpoints: vec![EndpointFact {
                host: "api.mixpanel.com".into(),
                url: Some("https://api.mixpanel.com/track".into()),
                span: Span::new(31, 61),
                encodings: vec![],
                provenance: String::new(),
                origin: None,
                in_text: false,
            }],
            region_guards: vec![RegionGuardFact {
                source: Kinds::of(DataKind::TimeZone),
                source_api: "process.env.TZ".into(),
                constants: vec!["Europe/Moscow".into()],
                countries: vec!["RU".into()],
                effects: vec![Effect::Network],
                effect_apis: vec![],
                span: Span::new(0, 5),
                guarded: Span::new(0, 5),
                outside: false,
                detector: None,
                steps: vec![],
            }],
            ..Default::default()
        };
        let label = PrivacyLabel::build(&[LabelInput {
            facts: &facts,
            index: &index,
        }]);
        assert_eq!(label.collects.len(), 1);
        assert!(label.collects[0].sent);
        assert_eq!(label.collects[0].when, vec!["run"]);
        assert_eq!(label.sends[0].location, "package/index.js:2:1");
        // A telemetry intake that receives identity is still named for what it is; the
        // sends say what it gets.
        assert_eq!(label.destinations[0].role, "telemetry");
        assert!(label.destinations[0]
            .owner
            .as_deref()
            .unwrap_or("")
            .contains("Mixpanel"));
        assert_eq!(label.regions[0].countries, vec!["RU"]);
    }

    #[test]
    fn sends_before_the_check_are_labelled_and_not_counted_as_gated() {
        let flow = |start: u32, sent_before_check: bool| FlowFact {
            kinds: Kinds::of(DataKind::Hostname),
            sink: SinkKind::Http,
            sink_api: "fetch".into(),
            span: Span::new(start, start + 5),
            endpoints: vec![],
            steps: vec![],
            gated_by: vec!["DO_NOT_TRACK".into()],
            sent_before_check,
            to_telemetry: false,
        };
        let facts = FileFacts {
            file: "package/index.js".into(),
            flows: vec![flow(0, true), flow(10, false)],
            opt_outs: vec![telltale_facts::OptOutFact {
                setting: "DO_NOT_TRACK".into(),
                check: "presence".into(),
                sends_before_check: vec!["track at byte 0".into()],
                ..Default::default()
            }],
            ..Default::default()
        };
        let index = LineIndex::new(b"");
        let label = PrivacyLabel::build(&[LabelInput {
            facts: &facts,
            index: &index,
        }]);
        assert_eq!(
            label
                .sends
                .iter()
                .map(|s| s.sent_before_check)
                .collect::<Vec<_>>(),
            vec![true, false]
        );
        assert_eq!(
            label.opt_outs[0].gates, 1,
            "the send before the check is not gated"
        );
        assert_eq!(
            label.opt_outs[0].sends_before_check,
            vec!["package/index.js: track at byte 0"]
        );
    }

    #[test]
    fn where_the_user_is_and_machine_traits_sent_together_are_collected() {
        let flow = |kinds: &[DataKind], host: &str| FlowFact {
            kinds: kinds
                .iter()
                .fold(Kinds::EMPTY, |k, d| k.union(Kinds::of(*d))),
            sink: SinkKind::Http,
            sink_api: "fetch".into(),
            span: Span::new(0, 5),
            endpoints: vec![host.into()],
            steps: vec![],
            gated_by: vec![],
            sent_before_check: false,
            to_telemetry: false,
        };
        let source = |kind: DataKind, api: &str| SourceFact {
            kind,
            api: api.into(),
            span: Span::new(0, 1),
        };
        let facts = FileFacts {
            file: "package/index.js".into(),
            sources: vec![
                source(DataKind::TimeZone, "Intl…timeZone"),
                source(DataKind::Locale, "process.env.LANG"),
                source(DataKind::Hostname, "os.hostname()"),
                source(DataKind::CpuInfo, "os.cpus()"),
            ],
            flows: vec![
                flow(&[DataKind::TimeZone], "t.example.top"),
                flow(&[DataKind::Hostname, DataKind::CpuInfo], "fp.example.top"),
                flow(&[DataKind::Hostname], "other.example.top"),
            ],
            ..Default::default()
        };
        let index = LineIndex::new(b"");
        let label = PrivacyLabel::build(&[LabelInput {
            facts: &facts,
            index: &index,
        }]);
        let item = |k: DataKind| label.collects.iter().find(|c| c.kind == k);
        // A time zone that leaves is collected, with where it goes; a locale only read (to
        // pick a language) is not.
        let tz = item(DataKind::TimeZone).expect("time zone sent");
        assert!(tz.sent);
        assert_eq!(tz.to, vec!["t.example.top".to_string()]);
        assert!(item(DataKind::Locale).is_none(), "{:#?}", label.collects);
        // Host name and CPU in one send: a device fingerprint; the host name alone elsewhere
        // is not.
        let fp = item(DataKind::DeviceFingerprint).expect("fingerprint");
        assert!(fp.sent);
        assert_eq!(fp.apis, vec!["host name + CPU model".to_string()]);
        assert_eq!(fp.to, vec!["fp.example.top".to_string()]);
        assert_eq!(fp.reads, 1);
        let host = item(DataKind::Hostname).expect("host name");
        assert_eq!(
            host.to,
            vec![
                "fp.example.top".to_string(),
                "other.example.top".to_string()
            ]
        );
        let json = serde_json::to_value(&label).unwrap();
        assert!(json["collects"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["kind"] == "device-fingerprint" && c["to"][0] == "fp.example.top"));
    }

    #[test]
    fn a_metadata_address_says_what_is_asked_and_by_which_dependency() {
        let facts = FileFacts {
            file: "app/node_modules/@aws-sdk/credential-provider-imds/dist-cjs/index.js".into(),
            endpoints: vec![
                endpoint(
                    "169.254.169.254",
                    Some("http://169.254.169.254/latest/meta-data/iam/security-credentials/"),
                ),
                endpoint(
                    "169.254.169.254",
                    Some("http://169.254.169.254/latest/api/token"),
                ),
                endpoint("169.254.170.2", None),
            ],
            ..Default::default()
        };
        let index = LineIndex::new(b"");
        let label = PrivacyLabel::build(&[LabelInput {
            facts: &facts,
            index: &index,
        }]);
        let owner = |h: &str| {
            let d = label.destinations.iter().find(|d| d.host == h).unwrap();
            assert_eq!(d.role, "cloud-metadata");
            d.owner.clone().unwrap()
        };
        let imds = owner("169.254.169.254");
        assert!(imds.starts_with("AWS EC2 IMDS"), "{imds}");
        assert!(
            imds.ends_with("; asked for a session token for the metadata service (IMDSv2), credentials; by @aws-sdk/credential-provider-imds"),
            "{imds}"
        );
        assert_eq!(
            owner("169.254.170.2"),
            "AWS ECS task metadata and credentials; by @aws-sdk/credential-provider-imds"
        );
        assert_eq!(dependency_of("package/lib/index.js"), None);
        assert_eq!(
            dependency_of("venv/lib/python3.12/site-packages/botocore/utils.py").as_deref(),
            Some("botocore")
        );
        assert_eq!(dependency_of("node_modules/six.js"), None);
    }

    /// A metadata address in a test's cases or in a sentence, with no request to it, is named;
    /// the same address in code the package runs is the service's use.
    #[test]
    fn a_metadata_address_no_request_reaches_in_a_test_is_named() {
        let role_in = |file: &str, in_text: bool| {
            let mut e = endpoint(
                "169.254.169.254",
                Some("https://169.254.169.254/latest/meta-data/"),
            );
            e.in_text = in_text;
            let facts = FileFacts {
                file: file.into(),
                endpoints: vec![e],
                ..Default::default()
            };
            let index = LineIndex::new(b"");
            let label = PrivacyLabel::build(&[LabelInput {
                facts: &facts,
                index: &index,
            }]);
            label.destinations[0].role.clone()
        };
        assert_eq!(
            role_in("package/test/security.test.js", false),
            "named-not-contacted"
        );
        assert_eq!(role_in("package/lib/imds.js", true), "named-not-contacted");
        assert_eq!(role_in("package/lib/imds.js", false), "cloud-metadata");
    }

    #[test]
    fn quiet_package_has_an_empty_label() {
        let facts = FileFacts {
            file: "package/index.js".into(),
            ..Default::default()
        };
        let index = LineIndex::new(b"");
        assert!(PrivacyLabel::build(&[LabelInput {
            facts: &facts,
            index: &index
        }])
        .is_empty());
    }

    fn endpoint(host: &str, url: Option<&str>) -> EndpointFact {
        EndpointFact {
            host: host.into(),
            url: url.map(str::to_string),
            span: Span::new(0, 1),
            encodings: vec![],
            provenance: String::new(),
            origin: None,
            in_text: false,
        }
    }

    #[test]
    fn a_service_named_in_a_table_is_not_a_destination_until_contacted() {
        let index = LineIndex::new(b"x");
        let facts = FileFacts {
            file: "package/companies.js".into(),
            endpoints: vec![
                endpoint("ipinfo.io", None),
                endpoint("mc.yandex.ru", None),
                endpoint("static.hotjar.com", None),
                endpoint("connect.facebook.net", None),
                endpoint("hm.baidu.com", None),
                endpoint("freegeoip.net", None),
                endpoint("api.mixpanel.com", Some("https://api.mixpanel.com/track")),
            ],
            ..Default::default()
        };
        let l = PrivacyLabel::build(&[LabelInput {
            facts: &facts,
            index: &index,
        }]);
        let role = |h: &str| {
            l.destinations
                .iter()
                .find(|d| d.host == h)
                .map(|d| d.role.as_str())
        };
        assert_eq!(role("ipinfo.io"), Some("named-not-contacted"));
        assert_eq!(role("mc.yandex.ru"), Some("named-not-contacted"));
        assert_eq!(role("api.mixpanel.com"), Some("telemetry"));
        // One bare host in a file is an address the code uses (`const HOST = "…"`).
        let single = FileFacts {
            file: "package/stats.js".into(),
            endpoints: vec![endpoint("api.mixpanel.com", None)],
            ..Default::default()
        };
        let l1 = PrivacyLabel::build(&[LabelInput {
            facts: &single,
            index: &index,
        }]);
        assert_eq!(l1.destinations[0].role, "telemetry");
        // A request to the bare host makes it a destination.
        let mut facts = facts.clone();
        facts.requests.push(telltale_facts::RequestFact {
            host: "ipinfo.io".into(),
            api: "https.get".into(),
            span: Span::new(0, 1),
        });
        let l = PrivacyLabel::build(&[LabelInput {
            facts: &facts,
            index: &index,
        }]);
        assert_eq!(
            l.destinations
                .iter()
                .find(|d| d.host == "ipinfo.io")
                .map(|d| d.role.as_str()),
            Some("ip-geolocation")
        );
    }

    #[test]
    fn an_opt_out_read_through_a_method_is_named_by_what_users_set() {
        let index = LineIndex::new(b"x");
        let checks = FileFacts {
            file: "package/a.js".into(),
            opt_outs: vec![telltale_facts::OptOutFact {
                setting: "getUsageStatisticsEnabled".into(),
                check: "presence".into(),
                ..Default::default()
            }],
            ..Default::default()
        };
        let config = FileFacts {
            file: "package/b.js".into(),
            setting_sources: vec![telltale_facts::SettingSourceFact {
                property: "usageStatisticsEnabled".into(),
                settings: vec![
                    "privacy.usageStatisticsEnabled".into(),
                    "QWEN_USAGE_STATISTICS_ENABLED".into(),
                ],
                default: Some(true),
                span: Span::new(0, 1),
            }],
            ..Default::default()
        };
        // qwen-code's execution worker sets `usageStatisticsEnabled: false` for itself: not
        // the default users get.
        let worker = FileFacts {
            file: "package/worker.js".into(),
            setting_sources: vec![telltale_facts::SettingSourceFact {
                property: "usageStatisticsEnabled".into(),
                settings: vec![],
                default: Some(false),
                span: Span::new(0, 1),
            }],
            ..Default::default()
        };
        let l = PrivacyLabel::build(&[
            LabelInput {
                facts: &checks,
                index: &index,
            },
            LabelInput {
                facts: &config,
                index: &index,
            },
            LabelInput {
                facts: &worker,
                index: &index,
            },
        ]);
        assert_eq!(l.opt_outs.len(), 1);
        let o = &l.opt_outs[0];
        assert_eq!(
            o.setting,
            "QWEN_USAGE_STATISTICS_ENABLED or privacy.usageStatisticsEnabled"
        );
        assert_eq!(o.read_by.as_deref(), Some("getUsageStatisticsEnabled"));
        assert_eq!(o.on_by_default, Some(true));
    }
}
