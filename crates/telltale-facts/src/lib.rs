//! Facts: the seam between front ends (JS, shell, …) and rules.
//!
//! A front end reads one file and emits a [`FileFacts`]; rules never see syntax. Every fact
//! carries a [`Span`] (byte offsets into the file); reports turn spans into line:column with
//! [`LineIndex`].

use serde::{Deserialize, Serialize};

pub mod graph;

/// A byte range in one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Default)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: u32, end: u32) -> Self {
        Span { start, end }
    }
}

/// What kind of value a source produces. Identity items say who or which machine; region
/// items say where the user is; the rest are intermediate labels used by analyses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DataKind {
    // identity
    Hostname,
    Username,
    HomeDir,
    NetworkInterfaces,
    CpuInfo,
    OsRelease,
    WholeEnvironment,
    SecretEnv,
    MachineId,
    SshKey,
    NpmToken,
    GitConfig,
    CloudMetadata,
    WorkingDirectory,
    // region
    TimeZone,
    Locale,
    GeoIpAnswer,
    PageHost,
    // intermediate
    NetworkResponse,
    DirectoryListing,
    // region, added later (at the end so that existing bits keep their places)
    /// Whether or how fast a host answers: a reachability or latency test used to tell whether
    /// the user is behind a national firewall.
    NetworkProbe,
    /// A setting whose name says it holds the user's region (`SLS_GEO_LOCATION`,
    /// `APP_COUNTRY`): the place as configured, not as observed.
    RegionSetting,
    // identity, added later
    /// An e-mail address of the user: a value stored where the code itself names it one
    /// (`"user.email": account`).
    Email,
    /// An id the code generates and keeps on disk (`randomUUID()` written to a file, read back
    /// on later runs): it ties every event that carries it to one installation or user.
    InstallationId,
    // intermediate, added later
    /// A freshly generated random id (`crypto.randomUUID()`, `uuid.uuid4()`): on its own a
    /// request or trace id, identity only once it is kept on disk ([`DataKind::InstallationId`]).
    GeneratedId,
    // region, added later
    /// A value only its name says is the user's country (`countryCode`, `user_country`), where
    /// no region source was traced to it: a hint, never evidence enough for more than info.
    NamedCountry,
    /// The region a build was made for: a constant the bundler or the release fixed
    /// (`const REGION = "global"`, an inlined `"global" === "cn"`); its other variants are
    /// inert in this build.
    BuildVariant,
    // intermediate, added later
    /// What a function's caller passes it: a marker the JS front end seeds parameters with
    /// to learn which functions return their arguments; never reported.
    Argument,
    // identity, added later
    /// Credentials kept in a file: a cloud or registry login (`~/.docker/config.json`,
    /// `~/.kube/config`, `~/.git-credentials`, `~/.netrc`), a browser's saved passwords or
    /// cookies (`Login Data`, `Cookies`), a keychain or a cryptocurrency wallet.
    StoredCredentials,
    // identity, added later
    /// An account or user id of a service, stored where the code itself names it one (the
    /// OpenTelemetry attribute `user.id`, `user.account_uuid`, an analytics `$user_id`): it
    /// ties what is sent to the person's account.
    AccountId,
    /// The address of the git repository being worked in (`git remote get-url origin`,
    /// `remote.origin.url`, a `.git/config` read): names the user's or employer's project.
    RepositoryUrl,
    /// Several traits of the machine sent together (host name, user name, network interfaces,
    /// CPU, OS release, machine id): enough to recognise the device across runs. Derived by
    /// the label from a send; front ends never read it.
    DeviceFingerprint,
}

/// How a [`DataKind::BuildVariant`] step says the build is the variant compared (the rule
/// then says the region's code is active in this build, not inert).
pub const THIS_VARIANT: &str = "this build is that variant";

impl DataKind {
    pub fn is_identity(self) -> bool {
        (self as u8) <= (DataKind::WorkingDirectory as u8)
            || matches!(
                self,
                DataKind::Email
                    | DataKind::InstallationId
                    | DataKind::StoredCredentials
                    | DataKind::AccountId
                    | DataKind::RepositoryUrl
                    | DataKind::DeviceFingerprint
            )
    }
    pub fn is_region(self) -> bool {
        matches!(
            self,
            DataKind::TimeZone
                | DataKind::Locale
                | DataKind::GeoIpAnswer
                | DataKind::PageHost
                | DataKind::NetworkProbe
                | DataKind::RegionSetting
                | DataKind::NamedCountry
                | DataKind::BuildVariant
        )
    }
    pub const fn bit(self) -> u32 {
        1u32 << (self as u8)
    }
    pub const ALL: [DataKind; 31] = [
        DataKind::Hostname,
        DataKind::Username,
        DataKind::HomeDir,
        DataKind::NetworkInterfaces,
        DataKind::CpuInfo,
        DataKind::OsRelease,
        DataKind::WholeEnvironment,
        DataKind::SecretEnv,
        DataKind::MachineId,
        DataKind::SshKey,
        DataKind::NpmToken,
        DataKind::GitConfig,
        DataKind::CloudMetadata,
        DataKind::WorkingDirectory,
        DataKind::TimeZone,
        DataKind::Locale,
        DataKind::GeoIpAnswer,
        DataKind::PageHost,
        DataKind::NetworkResponse,
        DataKind::DirectoryListing,
        DataKind::NetworkProbe,
        DataKind::RegionSetting,
        DataKind::Email,
        DataKind::InstallationId,
        DataKind::GeneratedId,
        DataKind::NamedCountry,
        DataKind::BuildVariant,
        DataKind::StoredCredentials,
        DataKind::AccountId,
        DataKind::RepositoryUrl,
        DataKind::DeviceFingerprint,
    ];
    /// Words a person reads in a report.
    pub fn describe(self) -> &'static str {
        match self {
            DataKind::Hostname => "host name",
            DataKind::Username => "user name",
            DataKind::HomeDir => "home directory",
            DataKind::NetworkInterfaces => "network interfaces (IP/MAC addresses)",
            DataKind::CpuInfo => "CPU model",
            DataKind::OsRelease => "OS release",
            DataKind::WholeEnvironment => "the whole environment",
            DataKind::SecretEnv => "a secret environment variable",
            DataKind::MachineId => "machine id",
            DataKind::SshKey => "SSH key",
            DataKind::NpmToken => "npm credentials",
            DataKind::GitConfig => "git identity",
            DataKind::CloudMetadata => "cloud instance metadata",
            DataKind::WorkingDirectory => "working directory",
            DataKind::TimeZone => "time zone",
            DataKind::Locale => "locale / language",
            DataKind::GeoIpAnswer => "IP-geolocation answer",
            DataKind::PageHost => "page host name",
            DataKind::NetworkResponse => "network response",
            DataKind::DirectoryListing => "directory listing",
            DataKind::NetworkProbe => "network position (a reachability or latency probe)",
            DataKind::RegionSetting => "configured region (a setting named for it)",
            DataKind::Email => "e-mail address",
            DataKind::InstallationId => "installation id",
            DataKind::GeneratedId => "generated id",
            DataKind::NamedCountry => "a value named for the country (its source not traced)",
            DataKind::BuildVariant => "the region the build was made for (fixed when built)",
            DataKind::Argument => "what the caller passes",
            DataKind::StoredCredentials => {
                "stored credentials (a credential, password or wallet file)"
            }
            DataKind::AccountId => "account or user id",
            DataKind::RepositoryUrl => "git repository address",
            DataKind::DeviceFingerprint => "device fingerprint (several machine traits together)",
        }
    }
}

/// A set of [`DataKind`]s as bits: cheap to union in fixpoint loops.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Kinds(pub u32);

impl Kinds {
    pub const EMPTY: Kinds = Kinds(0);
    pub const ALL: Kinds = Kinds(u32::MAX);
    /// Where a process works and with what: the home and working directories and the whole
    /// environment. A store or service is told these to find its data; a value read out of
    /// it by name (`settings.get("url")`, `ctx.apiURL`) does not carry them.
    pub const PLACES: Kinds = Kinds(
        DataKind::HomeDir.bit()
            | DataKind::WorkingDirectory.bit()
            | DataKind::WholeEnvironment.bit(),
    );
    /// Traits of the machine and its user that stay the same across runs: two or more sent
    /// together recognise the device ([`DataKind::DeviceFingerprint`]).
    pub const DEVICE_TRAITS: Kinds = Kinds(
        DataKind::Hostname.bit()
            | DataKind::Username.bit()
            | DataKind::NetworkInterfaces.bit()
            | DataKind::CpuInfo.bit()
            | DataKind::OsRelease.bit()
            | DataKind::MachineId.bit(),
    );
    /// Where the user is, as data the user's own machine or settings give: listed among
    /// what a package collects once it is sent (a time zone read only to pick a mirror stays
    /// the region section's business).
    pub const USER_PLACE: Kinds = Kinds(
        DataKind::TimeZone.bit()
            | DataKind::Locale.bit()
            | DataKind::GeoIpAnswer.bit()
            | DataKind::RegionSetting.bit(),
    );
    pub fn len(self) -> u32 {
        self.0.count_ones()
    }
    pub fn of(k: DataKind) -> Kinds {
        Kinds(k.bit())
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    pub fn contains(self, k: DataKind) -> bool {
        self.0 & k.bit() != 0
    }
    pub fn union(self, o: Kinds) -> Kinds {
        Kinds(self.0 | o.0)
    }
    pub fn intersect(self, o: Kinds) -> Kinds {
        Kinds(self.0 & o.0)
    }
    pub fn without(self, o: Kinds) -> Kinds {
        Kinds(self.0 & !o.0)
    }
    pub fn insert(&mut self, k: DataKind) {
        self.0 |= k.bit();
    }
    pub fn identity(self) -> Kinds {
        Kinds(
            self.0
                & (((DataKind::WorkingDirectory.bit() << 1) - 1)
                    | DataKind::Email.bit()
                    | DataKind::InstallationId.bit()
                    | DataKind::StoredCredentials.bit()
                    | DataKind::AccountId.bit()
                    | DataKind::RepositoryUrl.bit()
                    | DataKind::DeviceFingerprint.bit()),
        )
    }
    /// What a credential is, as data kinds: its secrets (tokens, keys); one variable picked
    /// out of the environment by a computed name (`process.env[name]` of a configured
    /// `$VAR`), which the taint reads as the whole environment, when that is all it carries;
    /// else whatever identity it carries.
    pub fn as_credential(self) -> Kinds {
        let secrets = DataKind::SecretEnv.bit()
            | DataKind::NpmToken.bit()
            | DataKind::SshKey.bit()
            | DataKind::StoredCredentials.bit();
        if self.0 & secrets != 0 {
            Kinds(self.0 & secrets)
        } else if self.contains(DataKind::WholeEnvironment) {
            Kinds::of(DataKind::SecretEnv)
        } else {
            self
        }
    }
    /// How a credential read is named: a variable picked out of the environment by a computed
    /// name is shown as such (`process.env[…]`), not as the environment.
    pub fn credential_read(self, read: &str) -> String {
        let secrets = self.as_credential();
        if secrets == Kinds::of(DataKind::SecretEnv)
            && self.contains(DataKind::WholeEnvironment)
            && !self.contains(DataKind::SecretEnv)
            && !read.ends_with(']')
        {
            format!("{read}[…]")
        } else {
            read.to_string()
        }
    }
    /// What a send carries once a generated id in it is judged: an installation id when the
    /// id is kept on disk (`kept`), else nothing for it (a request or trace id).
    pub fn settle_generated(self, kept: bool) -> Kinds {
        if !self.contains(DataKind::GeneratedId) {
            return self;
        }
        let mut out = Kinds(self.0 & !DataKind::GeneratedId.bit());
        if kept {
            out.insert(DataKind::InstallationId);
        }
        out
    }
    pub fn region(self) -> Kinds {
        let mut r = Kinds::EMPTY;
        for k in self.iter() {
            if k.is_region() {
                r.insert(k);
            }
        }
        r
    }
    pub fn iter(self) -> impl Iterator<Item = DataKind> {
        DataKind::ALL.into_iter().filter(move |k| self.contains(*k))
    }
}

impl Serialize for Kinds {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

/// Where data leaves the process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SinkKind {
    Http,
    Dns,
    Socket,
    WebSocket,
    Beacon,
    /// A child process running a network tool (curl, wget, nslookup, …).
    NetworkCommand,
    /// An attribute a telemetry SDK sends with its events (Sentry `serverName`,
    /// OpenTelemetry `host.name`).
    TelemetryAttribute,
}

impl SinkKind {
    pub fn describe(self) -> &'static str {
        match self {
            SinkKind::Http => "HTTP request",
            SinkKind::Dns => "DNS lookup",
            SinkKind::Socket => "raw socket",
            SinkKind::WebSocket => "WebSocket",
            SinkKind::Beacon => "beacon",
            SinkKind::NetworkCommand => "network command",
            SinkKind::TelemetryAttribute => "telemetry attribute",
        }
    }
}

/// What a piece of guarded code does, from least to most harmful.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Effect {
    /// Says the same thing in another language: the other branch shows a message too.
    Localized,
    /// Picks a download mirror or API endpoint (a URL or host) where the other branch picks
    /// another, or only names one.
    Endpoint,
    /// Decides consent or analytics by jurisdiction (a list of EU/EEA countries).
    Consent,
    /// Prints or shows a message (console, alert).
    Message,
    /// Contacts the network.
    Network,
    /// Starts a process.
    Exec,
    /// Interferes with the page or the user: blocks clicks, plays audio, redirects, opens windows.
    UiSabotage,
    /// Writes over or deletes files.
    Destructive,
}

impl Effect {
    pub fn describe(self) -> &'static str {
        match self {
            Effect::Localized => "shows a message in another language",
            Effect::Endpoint => "chooses a different mirror or endpoint",
            Effect::Consent => "decides consent or analytics by jurisdiction",
            Effect::Message => "shows a message",
            Effect::Network => "contacts the network",
            Effect::Exec => "runs a process",
            Effect::UiSabotage => "interferes with the user interface",
            Effect::Destructive => "overwrites or deletes files",
        }
    }
}

/// A step on the way from a source to a sink.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub span: Span,
    /// A short snippet or description of what happens at this step.
    pub what: String,
}

/// A read of identity or region data.
#[derive(Debug, Clone, Serialize)]
pub struct SourceFact {
    pub kind: DataKind,
    /// The API or constant that reads it, resolved (`os.hostname()`, `/etc/machine-id`).
    pub api: String,
    pub span: Span,
}

/// A host or URL the code names.
#[derive(Debug, Clone, Serialize)]
pub struct EndpointFact {
    pub host: String,
    pub url: Option<String>,
    pub span: Span,
    /// How the string was hidden, outermost first (`base64`, `hex`, `char-codes`); empty if plain.
    pub encodings: Vec<String>,
    /// For a hidden address, the encodings and the literal decoding started from, as
    /// [`ObfuscationFact::provenance`]; empty when plain or unknown.
    pub provenance: String,
    /// That literal.
    pub origin: Option<Span>,
    /// Named inside a sentence (a message, a help text, a docs link in prose), not as an
    /// address on its own: a service named this way is not contacted unless a request goes
    /// there.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub in_text: bool,
}

/// A request the code makes to a host known statically (`fetch("https://ipinfo.io/json")`,
/// `requests.get(url)`, `curl …`), whatever it sends.
#[derive(Debug, Clone, Serialize)]
pub struct RequestFact {
    pub host: String,
    /// The requesting API (`fetch`, `https.get`, `requests.get`, `curl`).
    pub api: String,
    pub span: Span,
}

/// Identity or region data reaching a sink.
#[derive(Debug, Clone, Serialize)]
pub struct FlowFact {
    pub kinds: Kinds,
    pub sink: SinkKind,
    pub sink_api: String,
    pub span: Span,
    /// Hosts the sink contacts, where known.
    pub endpoints: Vec<String>,
    pub steps: Vec<Step>,
    /// Opt-out settings whose check controls this sink; empty when none was found.
    pub gated_by: Vec<String>,
    /// The same data leaves before an opt-out check runs: this send, or one of the same kind
    /// (overlapping identity), comes earlier in the function that checks (or in a function it
    /// calls first, or in the predicate that reads the setting). Such a send is not really
    /// gated, whatever `gated_by` says.
    #[serde(default)]
    pub sent_before_check: bool,
    /// The request goes to a catalogued telemetry intake known by its URL (a `host/path`
    /// endpoint such as Clearcut's `play.googleapis.com/log`), where the host alone says
    /// nothing.
    #[serde(default)]
    pub to_telemetry: bool,
}

/// A secret used as the credentials of a request: placed in an authentication position (an
/// `Authorization` or API-key header, an `auth` option) of a request to the service it belongs
/// to, or to an address the caller supplies. Use, not exfiltration: the secret goes where the
/// user's configuration sends it.
#[derive(Debug, Clone, Serialize)]
pub struct CredentialUseFact {
    /// What the secret is (`a secret environment variable`), as the data kinds carried.
    pub kinds: Kinds,
    /// Where it is read (`process.env.GITHUB_TOKEN`), when known.
    pub secret: String,
    /// The authentication position (`Authorization header`).
    pub position: String,
    /// The host of the request, when constant; empty when the caller supplies the address.
    pub host: Option<String>,
    pub span: Span,
    /// From the read to the authentication position.
    pub steps: Vec<Step>,
}

/// A comparison of region data with constants that decides whether code runs.
#[derive(Debug, Clone, Serialize)]
pub struct RegionGuardFact {
    pub source: Kinds,
    /// The region source as resolved (`Intl.DateTimeFormat().resolvedOptions().timeZone`).
    pub source_api: String,
    /// The constants compared with (decoded).
    pub constants: Vec<String>,
    /// ISO 3166-1 alpha-2 codes the constants name.
    pub countries: Vec<String>,
    /// What the guarded code does.
    pub effects: Vec<Effect>,
    /// Evidence of each effect (resolved API names).
    pub effect_apis: Vec<String>,
    pub span: Span,
    /// The code that runs only in the named region, or only outside it (`outside`).
    pub guarded: Span,
    /// The guarded code runs everywhere except in the named countries ("not in RU, BY").
    pub outside: bool,
    /// Not a branch but a region detector: the module exports this comparison under this
    /// name (`isInChina`) for other code to branch on.
    pub detector: Option<String>,
    /// How the compared value comes from the region source: read first, compared last.
    pub steps: Vec<Step>,
}

impl RegionGuardFact {
    /// Whether the place is only hinted at: a value named for the country with no source
    /// traced to it, or the variant a build was made for. A finding (info), never behaviour
    /// a label states.
    pub fn is_hint(&self) -> bool {
        self.source == Kinds::of(DataKind::NamedCountry)
            || self.source == Kinds::of(DataKind::BuildVariant)
    }

    /// For a build variant: whether this build is the variant compared (its first step says
    /// so, in [`THIS_VARIANT`]'s words).
    pub fn is_this_build(&self) -> bool {
        self.steps
            .first()
            .is_some_and(|s| s.what.ends_with(THIS_VARIANT))
    }
}

/// A value that was hidden by an encoding and decoded statically.
#[derive(Debug, Clone, Serialize)]
pub struct ObfuscationFact {
    pub technique: String,
    pub decoded: String,
    /// Where the value is decoded (the decoding expression).
    pub span: Span,
    /// The technique, then where the encoded data is written: the literal decoding started
    /// from, 1-based line and byte column in the file (`base64 → hex → literal at 3:1042`);
    /// the technique alone when no literal is known. Rendered by the front end, which has the
    /// text.
    pub provenance: String,
    /// That literal (string, number array, template or string-array entry; of joined parts,
    /// the first hidden one).
    pub origin: Option<Span>,
}

/// Code built at run time and executed.
#[derive(Debug, Clone, Serialize)]
pub struct DynamicCodeFact {
    pub api: String,
    pub from_network: bool,
    pub span: Span,
    pub steps: Vec<Step>,
}

/// A file written with what the network sent, then run: made executable and executed, run
/// by an interpreter, or loaded as a module (a dropper). The span is the call that runs it.
#[derive(Debug, Clone, Serialize)]
pub struct DropperFact {
    /// The file as the code names it, `*` for parts not known statically (`*/payload`).
    pub path: String,
    /// The call that runs it (`child_process.execFileSync`, `require`).
    pub api: String,
    pub span: Span,
    /// From the download to the run: the network read, the write, `chmod`, the run.
    pub steps: Vec<Step>,
}

/// A file a front end saw written with network data, while it looks for the calls that make
/// it executable and run it (shared by the JavaScript and Python dropper passes). `key` is how
/// the front end names the path's variable.
#[derive(Debug, Clone)]
pub struct DownloadedFile<K> {
    /// The path's shape (`*/payload`).
    pub shape: String,
    pub key: Option<K>,
    /// From the network read to the write.
    pub steps: Vec<Step>,
    /// `chmod` calls on it, seen so far.
    pub chmods: Vec<Step>,
}

impl<K> DownloadedFile<K> {
    pub fn new(shape: String, key: Option<K>, steps: Vec<Step>) -> Self {
        DownloadedFile {
            shape,
            key,
            steps,
            chmods: Vec::new(),
        }
    }
    /// Made executable at `span` (`snippet` is the call as written).
    pub fn made_executable(&mut self, span: Span, snippet: &str) {
        self.chmods.push(Step {
            span,
            what: format!("made executable: {snippet}"),
        });
    }
    /// Run by `api` at `span`: the dropper, with every step so far.
    pub fn run_by(&self, api: &str, span: Span, snippet: &str) -> DropperFact {
        let mut steps = self.steps.clone();
        steps.extend(self.chmods.iter().cloned());
        steps.push(Step {
            span,
            what: format!("run by {api}: {snippet}"),
        });
        DropperFact {
            path: self.shape.clone(),
            api: api.to_string(),
            span,
            steps,
        }
    }
}

/// A write or delete that destroys data.
#[derive(Debug, Clone, Serialize)]
pub struct DestructiveFact {
    pub api: String,
    /// The target path comes from a directory listing: every file found is hit.
    pub mass: bool,
    pub span: Span,
    pub detail: String,
}

/// An import of a known telemetry SDK.
#[derive(Debug, Clone, Serialize)]
pub struct SdkImportFact {
    pub module: String,
    pub span: Span,
}

/// A read of a setting that turns telemetry off, and the code its check controls.
#[derive(Debug, Clone, Default, Serialize)]
pub struct OptOutFact {
    /// `DO_NOT_TRACK`, `telemetry.telemetryLevel`, …
    pub setting: String,
    /// The product whose catalogued setting it is (toptout), if any.
    pub product: Option<String>,
    /// `presence`: any value counts, even `0` or `false`; `value`: only the compared constants.
    pub check: String,
    /// Constants the setting is compared with, for `value` checks.
    pub values: Vec<String>,
    /// The condition that reads it.
    pub span: Span,
    /// Code that runs only on one side of the check (and local functions called from it).
    pub gates: Vec<Span>,
    /// Calls in that code that send or start a telemetry client, as `api at offset`.
    pub gated_calls: Vec<String>,
    /// Calls of the same kind as those it gates (same API, or carrying the same identity)
    /// that run before the check in the same function, or in the predicate that reads the
    /// setting, or in local functions called there first; `api at byte N`.
    #[serde(default)]
    pub sends_before_check: Vec<String>,
}

/// Where a telemetry switch of the program's configuration comes from, as a user sets it:
/// `usageStatisticsEnabled: parseBooleanEnvFlag(process.env.QWEN_USAGE_STATISTICS_ENABLED) ??
/// settings.privacy?.usageStatisticsEnabled ?? true`. Lets an opt-out read through a method
/// (`getUsageStatisticsEnabled()`) be named by what users set.
#[derive(Debug, Clone, Serialize)]
pub struct SettingSourceFact {
    /// The configuration property (`usageStatisticsEnabled`).
    pub property: String,
    /// Environment variables and settings keys it is read from, in the order tried
    /// (`QWEN_USAGE_STATISTICS_ENABLED`, `privacy.usageStatisticsEnabled`).
    pub settings: Vec<String>,
    /// The value when nothing is set (`true`: collection on by default), when constant.
    pub default: Option<bool>,
    pub span: Span,
}

/// Lifecycle scripts npm runs only when the package is installed from git or a folder (and by
/// `npm install` in its own checkout), never from a registry tarball.
pub const GIT_ONLY_HOOKS: &[&str] = &["prepare"];

/// A package.json lifecycle script that runs at install time.
#[derive(Debug, Clone, Serialize)]
pub struct InstallScriptFact {
    pub hook: String,
    pub command: String,
    pub span: Span,
    /// Package-relative files the command runs (`setup.js`, `./x.sh`).
    pub runs: Vec<String>,
}

/// Everything one front end learned about one file.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FileFacts {
    /// Path inside the target, e.g. `package/_postinstall.js`.
    pub file: String,
    /// Reached from an install script.
    pub install_time: bool,
    /// A long-line file: locations are best read as byte offsets.
    pub minified: bool,
    pub sources: Vec<SourceFact>,
    pub endpoints: Vec<EndpointFact>,
    /// Requests to hosts known statically: what makes a named host a contacted one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requests: Vec<RequestFact>,
    pub flows: Vec<FlowFact>,
    /// Secrets used to authenticate requests (not flows: see [`CredentialUseFact`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub credential_uses: Vec<CredentialUseFact>,
    pub region_guards: Vec<RegionGuardFact>,
    pub obfuscations: Vec<ObfuscationFact>,
    pub dynamic_code: Vec<DynamicCodeFact>,
    /// Files downloaded and then run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub droppers: Vec<DropperFact>,
    pub destructive: Vec<DestructiveFact>,
    pub sdk_imports: Vec<SdkImportFact>,
    pub install_scripts: Vec<InstallScriptFact>,
    pub opt_outs: Vec<OptOutFact>,
    /// Where telemetry switches of the configuration are read from (see [`SettingSourceFact`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub setting_sources: Vec<SettingSourceFact>,
    /// When an editor or host runs the package's code (`VS Code extension: ./out/extension.js
    /// runs at every VS Code start (*)`), from its manifest.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub activation: Vec<String>,
    /// Module specifiers this file loads (`./update.js`, `os`), for install-time reachability.
    pub requires: Vec<String>,
    /// Problems reading the file (parse errors, limits hit). Not findings.
    pub diagnostics: Vec<String>,
    /// Why this file's code was not analysed (over a limit, nested too deep, could not be
    /// parsed): the report's coverage lists it.
    #[serde(skip)]
    pub not_analysed: Option<String>,
    /// Why it was analysed only in part (syntax errors the parser recovered from).
    #[serde(skip)]
    pub partly_analysed: Option<String>,
    /// Code this file runs from constant strings (`eval("…")`, `new Function("…")`,
    /// `vm.runInThisContext(decoded)`), analysed as sources of their own named
    /// `file › eval#1`; their locations are inside that code.
    #[serde(skip)]
    pub nested: Vec<NestedSource>,
    /// A native executable read for its strings (no code to follow).
    #[serde(skip)]
    pub native: bool,
    /// What this module gives other files of its package and passes to them, for flows
    /// across package-local `require`/`import` (see [`Links`]).
    #[serde(skip)]
    pub module: ModuleSummary,
}

/// A module's side of cross-file flows.
#[derive(Debug, Clone, Default)]
pub struct ModuleSummary {
    /// Exports that carry identity or region data.
    pub exports: Vec<ExportSummary>,
    /// Calls into package-local modules with identity or region data in an argument.
    pub local_calls: Vec<LocalCall>,
    /// Python: every call of a function imported by name from another module, with the
    /// opt-out settings whose controlled code holds it.
    pub imported_calls: Vec<ImportedCall>,
    /// Python: the functions the module defines at its top level.
    pub functions: Vec<(String, Span)>,
}

/// `send_telemetry(…)` after `from .utils.telemetry import send_telemetry`: the module as
/// the import writes it (leading dots for relative imports), the name it defines there, the
/// name used here, and the settings of this file's opt-out checks that control the call. Lets
/// a scan carry a check in one module to the send inside the function another module defines.
#[derive(Debug, Clone)]
pub struct ImportedCall {
    pub module: String,
    pub name: String,
    pub local: String,
    pub span: Span,
    pub gated_by: Vec<String>,
}

/// `exports.getId = () => os.hostname()`: name `getId`, `call` (the data is what calling it
/// returns). The name is empty for the module value itself (`module.exports =`, `export default`).
#[derive(Debug, Clone)]
pub struct ExportSummary {
    pub name: String,
    pub call: bool,
    pub kinds: Kinds,
    /// The region kinds of `kinds` that the export *is* (the locale, a projection of it),
    /// rather than something computed with them: what region comparisons elsewhere may use.
    pub region: Kinds,
    /// Where the data was read: "reads os.hostname()" and its span in this file.
    pub origin: String,
    pub span: Span,
    /// The export answers "is the user in X" (`module.exports = tz === "Asia/Shanghai"`,
    /// `export function isInChina() { return … }`).
    pub predicate: Option<RegionPredicate>,
}

/// What a package gives other packages of one scan, and what it asks of them: how `--deps`
/// links a dependency's region detector (`@serverless/utils/is-in-china`) to the package
/// that branches on it.
#[derive(Debug, Clone, Default)]
pub struct CrossPackage {
    /// The module specifiers that reach a module (`pkg/lib/is-in-china`, and `pkg` for its
    /// main file), what the module exports that is region data or a region predicate, and
    /// where that is, located ("… at lib/is-in-china.js:3:10").
    pub exports: Vec<(Vec<String>, ExportSummary, String)>,
    /// Bare specifiers the package's JS files require (`@serverless/utils/is-in-china`).
    pub requires: Vec<String>,
}

/// A region comparison another module may branch on: what it compares and with what.
#[derive(Debug, Clone, PartialEq)]
pub struct RegionPredicate {
    pub kinds: Kinds,
    /// The region data compared, as the defining module writes it.
    pub subject: String,
    pub constants: Vec<String>,
    pub countries: Vec<String>,
    /// True when the predicate holds for users in `countries`.
    pub positive: bool,
    /// Where the comparison is, in the defining module.
    pub span: Span,
}

/// `send(os.hostname())` where `send` comes from a package-local module: the callee's access
/// path as written here (`./send`, `./lib/api.post`), the argument and its data.
#[derive(Debug, Clone)]
pub struct LocalCall {
    pub callee: String,
    pub arg: usize,
    pub kinds: Kinds,
    pub origin: String,
    pub span: Span,
    /// The region kinds the argument *is* (see [`ExportSummary::region`]).
    pub region: Kinds,
}

/// How a [`Links::params`] origin says callers elsewhere passed the data
/// (`reads os.hostname() at a.js:3:9, passed to ./send.post()`): the front ends tell such
/// data from what a function reads itself by it.
pub const PASSED_BY_CALLERS: &str = ", passed to ";

/// What other files of the package give a module, from their [`ModuleSummary`]: the input of
/// a second analysis of a file whose imports or callers carry data.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Links {
    /// Access path as this file writes it (`./id.getId()`, `./config.host`) → data and a
    /// description of where it was read (file:line:col).
    pub values: Vec<(String, Kinds, String)>,
    /// (export name, parameter index) → data callers in other files pass, and from where.
    pub params: Vec<(String, usize, Kinds, String)>,
    /// The entries of `values` that are region data themselves (the locale, not a string
    /// translated with it): what a region comparison may stand on.
    pub region_values: Vec<(String, Kinds, String)>,
    /// The entries of `params` whose callers pass region data itself.
    pub region_params: Vec<(String, usize, Kinds, String)>,
    /// Access path as this file writes it → a region predicate another module exports, and
    /// where it is (`./is-in-china` → time zone name includes "China Standard Time").
    pub region_predicates: Vec<(String, RegionPredicate, String)>,
}

impl Links {
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
            && self.params.is_empty()
            && self.region_values.is_empty()
            && self.region_params.is_empty()
            && self.region_predicates.is_empty()
    }
}

/// Limits on code analysed from constant strings (`eval("…")`, `exec(…)`), per file: nesting
/// depth, bytes in all, and the shortest string worth a source of its own.
pub const NESTED_MAX_DEPTH: u32 = 4;
pub const NESTED_MAX_BYTES: usize = 8 << 20;
pub const NESTED_MIN_BYTES: usize = 8;

impl InstallScriptFact {
    /// Whether npm runs it when installing the package from a registry (`prepare` it does not).
    pub fn runs_from_registry(&self) -> bool {
        !GIT_ONLY_HOOKS.contains(&self.hook.as_str())
    }
}

/// Bare host names of catalogued services in one file from which it is read as a table of
/// services (a domain → company list), not as addresses the code uses.
const SERVICE_TABLE: usize = 6;

/// Steps from a generated id's read to the write that keeps it, at most: the id, a variable
/// or two, the object written. An id that reaches a write through a longer chain is part of
/// some document (a task list in an editor file), not an id store.
pub const MAX_KEPT_ID_STEPS: usize = 4;

impl FileFacts {
    /// Generated ids read: installation ids where `kept` (by the start of the read) and some
    /// flow of the file sends one (an id that never leaves, such as a lock file's token, is no
    /// one's business), else not reported.
    pub fn settle_generated_sources(&mut self, kept: impl Fn(u32) -> bool) {
        let sent = self
            .flows
            .iter()
            .any(|f| f.kinds.contains(DataKind::InstallationId));
        self.sources.retain_mut(|s| {
            if s.kind != DataKind::GeneratedId {
                return true;
            }
            s.kind = DataKind::InstallationId;
            sent && kept(s.span.start)
        });
    }

    /// Whether this file names so many services by bare host that it holds a table of them:
    /// such a row is not an address the code uses unless a request goes there.
    pub fn holds_service_table(&self) -> bool {
        if self.native {
            return false;
        }
        let mut bare: Vec<&str> = self
            .endpoints
            .iter()
            .filter(|e| e.url.is_none())
            .map(|e| e.host.as_str())
            .collect();
        bare.sort_unstable();
        bare.dedup();
        bare.len() >= SERVICE_TABLE
    }

    /// Whether code of `len` bytes passed to `api` at byte `at` may be analysed as a nested
    /// source of a file analysed at `depth`, with `budget` bytes of nested code left (taken
    /// when it may). Strings too short to be programs are skipped quietly; code over the
    /// limits is skipped with a diagnostic.
    pub fn admit_nested(
        &mut self,
        len: usize,
        api: &str,
        at: u32,
        depth: u32,
        budget: &mut usize,
    ) -> bool {
        if len < NESTED_MIN_BYTES {
            return false;
        }
        if depth + 1 > NESTED_MAX_DEPTH || len > *budget {
            self.diagnostics.push(format!(
                "code passed to {api} at byte {at} not analysed: nesting or size limit reached"
            ));
            return false;
        }
        *budget -= len;
        true
    }

    /// Keeps the facts of code this file runs from a constant string (`eval("…")`,
    /// `exec(b64decode("…"))`) as a nested source, with the nested sources found inside it.
    /// Code that was hidden by an encoding is an obfuscation of this file at `span`:
    /// `hidden_by` names the encodings, `excerpt` shows the code.
    pub fn add_nested(
        &mut self,
        mut inner: FileFacts,
        code: &str,
        hidden_by: &[String],
        api: &str,
        span: Span,
        excerpt: &str,
    ) {
        if !hidden_by.is_empty() {
            self.obfuscations.push(ObfuscationFact {
                technique: format!("{} → code run by {api}", hidden_by.join(" → ")),
                decoded: format!("{}: {excerpt}", inner.file),
                span,
                provenance: hidden_by.join(" → "),
                origin: None,
            });
        }
        let mut children = std::mem::take(&mut inner.nested);
        self.nested.push(NestedSource {
            facts: inner,
            text: code.to_string(),
        });
        self.nested.append(&mut children);
    }
}

/// A piece of code found as a constant string and analysed on its own.
#[derive(Debug, Clone, Default)]
pub struct NestedSource {
    pub facts: FileFacts,
    /// The code, which the nested facts' spans index.
    pub text: String,
}

/// Maps byte offsets to 1-based line and column (column in bytes).
pub struct LineIndex {
    line_starts: Vec<u32>,
}

impl LineIndex {
    pub fn new(text: &[u8]) -> Self {
        let mut line_starts = vec![0u32];
        line_starts.extend(memchr_newlines(text));
        LineIndex { line_starts }
    }
    /// (line, column), both 1-based.
    pub fn line_col(&self, offset: u32) -> (u32, u32) {
        let i = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        (i as u32 + 1, offset - self.line_starts[i] + 1)
    }
    pub fn line_start(&self, line: u32) -> u32 {
        self.line_starts[(line as usize - 1).min(self.line_starts.len() - 1)]
    }
}

fn memchr_newlines(text: &[u8]) -> impl Iterator<Item = u32> + '_ {
    text.iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .map(|(i, _)| i as u32 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_is_one_based() {
        let idx = LineIndex::new(b"ab\ncd\n");
        assert_eq!(idx.line_col(0), (1, 1));
        assert_eq!(idx.line_col(4), (2, 2));
        assert_eq!(idx.line_col(6), (3, 1));
    }

    #[test]
    fn kinds_split_identity_and_region() {
        let mut k = Kinds::of(DataKind::Hostname);
        k.insert(DataKind::TimeZone);
        k.insert(DataKind::NetworkResponse);
        assert_eq!(k.identity(), Kinds::of(DataKind::Hostname));
        assert_eq!(k.region(), Kinds::of(DataKind::TimeZone));
    }
}
