//! Who is on the other end of an endpoint: IP-geolocation services (`data/geoip.toml`),
//! telemetry vendors and their SDK packages (`data/telemetry.toml`) and cloud instance-metadata
//! addresses (`data/cloud_metadata.toml`).
//!
//! Host matching is by whole labels: a catalogued host matches itself and its subdomains
//! (`ingest.sentry.io` matches `o1.ingest.sentry.io`, never `evilingest.sentry.io`), and the
//! longest catalogued suffix wins.

use serde::Deserialize;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::LazyLock;

/// An IP-geolocation or "what is my IP" service.
#[derive(Debug)]
pub struct GeoIpService {
    /// Display name ("IPinfo").
    pub name: &'static str,
    /// Hosts that identify the service by themselves (subdomains included).
    pub hosts: Vec<&'static str>,
    /// `host/path` prefixes for services on shared hosts; host `*` means any host.
    pub endpoints: Vec<&'static str>,
    /// Whether the answer includes the caller's country (false: it only echoes the IP).
    pub returns_country: bool,
    /// Where the entry's facts come from.
    pub source: &'static str,
}

/// A telemetry, analytics, error-reporting, APM, feature-flag or session-replay vendor.
#[derive(Debug)]
pub struct TelemetryVendor {
    /// Stable identifier ("posthog").
    pub id: &'static str,
    /// Display name ("PostHog").
    pub name: &'static str,
    /// Who receives the data.
    pub owner: &'static str,
    /// analytics, errors, apm, logs, feature-flags, session-replay or ads.
    pub kind: &'static str,
    /// Ingest/SDK hosts (subdomains included); never the vendor's documentation site.
    pub hosts: Vec<&'static str>,
    /// `host/path` prefixes on hosts shared with unrelated traffic (`play.googleapis.com/log`).
    pub endpoints: Vec<&'static str>,
    /// npm SDK packages; a trailing `*` is a prefix (`@sentry/*`).
    pub packages: Vec<&'static str>,
    /// PyPI SDK packages; a trailing `*` is a prefix.
    pub pypi: Vec<&'static str>,
    /// A DNS label that names this vendor's product on someone else's domain: a self-hosted
    /// or proxied instance (`statsig.example.com`, `sentry.corp.example`).
    pub host_label: Option<&'static str>,
    /// Where the entry's facts come from.
    pub source: &'static str,
}

// ---------------------------------------------------------------------------------- raw data

#[derive(Deserialize)]
struct RawGeoIp {
    #[allow(dead_code)]
    source: String,
    service: Vec<RawService>,
}
#[derive(Deserialize)]
struct RawService {
    name: String,
    #[serde(default)]
    hosts: Vec<String>,
    #[serde(default)]
    endpoints: Vec<String>,
    returns_country: bool,
    source: String,
}

#[derive(Deserialize)]
struct RawTelemetry {
    #[allow(dead_code)]
    source: String,
    vendor: Vec<RawVendor>,
}
#[derive(Deserialize)]
struct RawVendor {
    id: String,
    name: String,
    owner: String,
    kind: String,
    #[serde(default)]
    hosts: Vec<String>,
    #[serde(default)]
    endpoints: Vec<String>,
    #[serde(default)]
    packages: Vec<String>,
    #[serde(default)]
    pypi: Vec<String>,
    #[serde(default)]
    host_label: Option<String>,
    source: String,
}

#[derive(Deserialize)]
struct RawMetadata {
    #[allow(dead_code)]
    source: String,
    endpoints: Vec<RawMetadataEndpoint>,
    variables: Vec<RawPlatformVariable>,
}
#[derive(Deserialize)]
struct RawPlatformVariable {
    name: String,
    stands_for: String,
}
#[derive(Deserialize)]
struct RawMetadataEndpoint {
    host: String,
    provider: String,
}

/// The catalogs are static for the life of the process, so their strings are leaked once.
fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}
fn leak_all(v: Vec<String>) -> Vec<&'static str> {
    v.into_iter().map(leak).collect()
}

// ------------------------------------------------------------------------------ host matching

/// Entries found by host (label-suffix) or by `host/path` prefix.
struct HostIndex {
    by_host: HashMap<&'static str, usize>,
    /// (host or `*`, path prefix starting with `/`, entry)
    endpoints: Vec<(&'static str, &'static str, usize)>,
}

impl HostIndex {
    fn new<'a>(entries: impl Iterator<Item = (&'a [&'static str], &'a [&'static str])>) -> Self {
        let mut by_host = HashMap::new();
        let mut endpoints = Vec::new();
        for (i, (hosts, eps)) in entries.enumerate() {
            for h in hosts {
                let prev = by_host.insert(*h, i);
                debug_assert!(prev.is_none(), "host {h} catalogued twice");
            }
            for e in eps {
                let (host, path) = e.split_at(e.find('/').expect("endpoint is host/path"));
                endpoints.push((host, path, i));
            }
        }
        HostIndex { by_host, endpoints }
    }

    /// The entry whose host is `host` or its longest catalogued parent domain.
    fn host(&self, host: &str) -> Option<usize> {
        let mut rest = host;
        loop {
            if let Some(i) = self.by_host.get(rest) {
                return Some(*i);
            }
            rest = &rest[rest.find('.')? + 1..];
        }
    }

    /// The entry for a host and path: by host first, then by `host/path` prefix.
    fn url(&self, host: &str, path: &str) -> Option<usize> {
        self.host(host).or_else(|| {
            self.endpoints
                .iter()
                .filter(|(h, p, _)| (*h == "*" || *h == host) && path_has_prefix(path, p))
                .max_by_key(|(h, p, _)| (*h != "*", p.len()))
                .map(|(_, _, i)| *i)
        })
    }
}

/// `/log` is a prefix of `/log`, `/log/x` and `/log?format=json`, not of `/login`.
fn path_has_prefix(path: &str, prefix: &str) -> bool {
    path.strip_prefix(prefix).is_some_and(|rest| {
        rest.is_empty() || prefix.ends_with('/') || rest.starts_with(['/', '?', '#'])
    })
}

/// A host as written in code, reduced to the bare lower-case name: scheme, userinfo, path,
/// port, IPv6 brackets and a trailing dot are dropped (`HTTPS://u@Api.IPify.org:443/x` →
/// `api.ipify.org`).
fn normalize_host(input: &str) -> String {
    let s = input.trim();
    let s = s.split_once("://").map_or(s, |(_, rest)| rest);
    let s = s.split(['/', '?', '#']).next().unwrap_or_default();
    let s = s.rsplit_once('@').map_or(s, |(_, h)| h);
    let s = if let Some(inner) = s.strip_prefix('[') {
        inner.split(']').next().unwrap_or_default()
    } else if s.matches(':').count() == 1 {
        s.split(':').next().unwrap_or_default() // host:port; more colons is a bare IPv6 address
    } else {
        s
    };
    s.trim_end_matches('.').to_lowercase()
}

/// Split a URL (or a bare host) into its normalised host and its path (with query).
fn split_url(url: &str) -> (String, &str) {
    let s = url.trim();
    let after_scheme = s.split_once("://").map_or(s, |(_, rest)| rest);
    let path = after_scheme
        .find(['/', '?', '#'])
        .map_or("", |i| &after_scheme[i..]);
    (normalize_host(s), path)
}

// ------------------------------------------------------------------------------------ geo-IP

struct GeoIpCatalog {
    services: Vec<GeoIpService>,
    index: HostIndex,
}

static GEOIP: LazyLock<GeoIpCatalog> = LazyLock::new(|| {
    let raw: RawGeoIp =
        toml::from_str(include_str!("../data/geoip.toml")).expect("data/geoip.toml is valid");
    let services: Vec<GeoIpService> = raw
        .service
        .into_iter()
        .map(|s| GeoIpService {
            name: leak(s.name),
            hosts: leak_all(s.hosts),
            endpoints: leak_all(s.endpoints),
            returns_country: s.returns_country,
            source: leak(s.source),
        })
        .collect();
    let index = HostIndex::new(services.iter().map(|s| (&s.hosts[..], &s.endpoints[..])));
    GeoIpCatalog { services, index }
});

/// The IP-geolocation service a host belongs to: the host equals a catalogued host or is a
/// subdomain of one (`pro.ip-api.com` → ip-api.com). Accepts `host:port` and URLs too.
/// Services catalogued only by path (Cloudflare `/cdn-cgi/trace`) need [`geoip_service_for_url`].
pub fn geoip_service(host: &str) -> Option<&'static GeoIpService> {
    let g = &*GEOIP;
    g.index.host(&normalize_host(host)).map(|i| &g.services[i])
}

/// The IP-geolocation service a URL reaches, by host or by `host/path` endpoint
/// (`https://1.1.1.1/cdn-cgi/trace` → Cloudflare trace).
pub fn geoip_service_for_url(url: &str) -> Option<&'static GeoIpService> {
    let g = &*GEOIP;
    let (host, path) = split_url(url);
    g.index.url(&host, path).map(|i| &g.services[i])
}

/// All catalogued geo-IP services.
pub fn geoip_services() -> &'static [GeoIpService] {
    &GEOIP.services
}

/// Every host in the geo-IP catalogue, including the hosts of `host/path` endpoints (not `*`):
/// literals for prefilters. Matching must go through [`geoip_service`] / [`geoip_service_for_url`].
pub fn geoip_hosts() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = GEOIP
        .services
        .iter()
        .flat_map(|s| {
            s.hosts
                .iter()
                .copied()
                .chain(s.endpoints.iter().map(|e| e.split('/').next().unwrap_or(e)))
        })
        .filter(|h| *h != "*")
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

// --------------------------------------------------------------------------------- telemetry

struct TelemetryCatalog {
    vendors: Vec<TelemetryVendor>,
    index: HostIndex,
    npm: PackageIndex,
    pypi: PackageIndex,
}

/// Exact package names and `prefix*` patterns → vendor.
struct PackageIndex {
    exact: HashMap<&'static str, usize>,
    /// Longest first, so the most specific prefix wins.
    prefixes: Vec<(&'static str, usize)>,
}

impl PackageIndex {
    fn new<'a>(lists: impl Iterator<Item = &'a [&'static str]>) -> Self {
        let mut exact = HashMap::new();
        let mut prefixes = Vec::new();
        for (i, list) in lists.enumerate() {
            for p in list {
                match p.strip_suffix('*') {
                    Some(prefix) => prefixes.push((prefix, i)),
                    None => {
                        exact.insert(*p, i);
                    }
                }
            }
        }
        prefixes.sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
        PackageIndex { exact, prefixes }
    }
    fn get(&self, name: &str) -> Option<usize> {
        self.exact.get(name).copied().or_else(|| {
            self.prefixes
                .iter()
                .find(|(p, _)| name.starts_with(p))
                .map(|(_, i)| *i)
        })
    }
}

static TELEMETRY: LazyLock<TelemetryCatalog> = LazyLock::new(|| {
    let raw: RawTelemetry = toml::from_str(include_str!("../data/telemetry.toml"))
        .expect("data/telemetry.toml is valid");
    let vendors: Vec<TelemetryVendor> = raw
        .vendor
        .into_iter()
        .map(|v| TelemetryVendor {
            id: leak(v.id),
            name: leak(v.name),
            owner: leak(v.owner),
            kind: leak(v.kind),
            hosts: leak_all(v.hosts),
            endpoints: leak_all(v.endpoints),
            packages: leak_all(v.packages),
            // PyPI names compare after PEP 503 normalisation.
            pypi: v.pypi.iter().map(|p| leak(normalize_pypi(p))).collect(),
            host_label: v.host_label.map(leak),
            source: leak(v.source),
        })
        .collect();
    let index = HostIndex::new(vendors.iter().map(|v| (&v.hosts[..], &v.endpoints[..])));
    let npm = PackageIndex::new(vendors.iter().map(|v| &v.packages[..]));
    let pypi = PackageIndex::new(vendors.iter().map(|v| &v.pypi[..]));
    TelemetryCatalog {
        vendors,
        index,
        npm,
        pypi,
    }
});

/// The telemetry vendor a host belongs to: the host equals a catalogued ingest host or is a
/// subdomain of one (`us.i.posthog.com` → PostHog, `o1.ingest.us.sentry.io` → Sentry).
/// Documentation sites (`posthog.com`, `sentry.io`) and look-alikes (`notposthog.com`,
/// `evil-google-analytics.com`) do not match. Accepts `host:port` and URLs too; vendors known
/// only by `host/path` (Google Clearcut) need [`telemetry_vendor_for_url`].
///
/// A host on another domain whose first label is the vendor's product name
/// (`statsig.example.com`) is that vendor's self-hosted or proxied instance; the vendor's own
/// two-label sites (`sentry.io`) are not.
pub fn telemetry_vendor_for_host(host: &str) -> Option<&'static TelemetryVendor> {
    let t = &*TELEMETRY;
    let host = normalize_host(host);
    if let Some(i) = t.index.host(&host) {
        return Some(&t.vendors[i]);
    }
    let (first, rest) = host.split_once('.')?;
    let tld = rest.rsplit('.').next().unwrap_or_default();
    if !rest.contains('.') || !crate::geo::is_known_tld(tld) {
        return None;
    }
    t.vendors.iter().find(|v| v.host_label == Some(first))
}

/// Whether a host is a catalogued telemetry ingest host or a subdomain of one, without
/// [`telemetry_vendor_for_host`]'s reading of a first label as a product name: for bare
/// strings, where dotted attribute keys (`sentry.sdk.name`, `posthog.user.id`) end in words
/// that are also top-level domains.
pub fn is_catalogued_telemetry_host(host: &str) -> bool {
    TELEMETRY.index.host(&normalize_host(host)).is_some()
}

/// The telemetry vendor a URL reaches, by host or by `host/path` endpoint
/// (`https://play.googleapis.com/log?format=json` → Google Clearcut).
pub fn telemetry_vendor_for_url(url: &str) -> Option<&'static TelemetryVendor> {
    let t = &*TELEMETRY;
    let (host, path) = split_url(url);
    t.index.url(&host, path).map(|i| &t.vendors[i])
}

/// Whether a host is this machine or a private network's: loopback, `localhost`, RFC 1918
/// and link-local-free private ranges, `host.docker.internal`.
pub fn is_local_host(host: &str) -> bool {
    let h = host.trim_end_matches('.').to_ascii_lowercase();
    h == "localhost"
        || h.ends_with(".localhost")
        || h == "0.0.0.0"
        || h == "[::1]"
        || h == "::1"
        || h.starts_with("127.")
        || h.starts_with("10.")
        || h.starts_with("192.168.")
        || h == "host.docker.internal"
        || h.strip_prefix("172.")
            .and_then(|r| r.split('.').next())
            .and_then(|n| n.parse::<u8>().ok())
            .is_some_and(|n| (16..=31).contains(&n))
}

/// How an address is known to take telemetry.
#[derive(Debug, Clone, Copy)]
pub enum TelemetryIntake {
    /// A catalogued vendor, by host or by `host/path` endpoint.
    Vendor(&'static TelemetryVendor),
    /// The path says so, whoever runs the host ([`telemetry_shape`]).
    Shape(&'static str),
}

impl TelemetryIntake {
    /// The service and who receives the data, in words.
    pub fn describe(&self) -> String {
        match self {
            TelemetryIntake::Vendor(v) => format!("{} ({})", v.name, v.owner),
            TelemetryIntake::Shape(s) => format!("{s}, by its path"),
        }
    }
}

/// Whether an endpoint (a host and the URL it was named in, if any) takes telemetry: a
/// catalogued vendor's host or endpoint, or a telemetry path on any host but a local collector
/// (`http://localhost:4318/v1/traces`).
pub fn telemetry_intake(host: &str, url: Option<&str>) -> Option<TelemetryIntake> {
    if let Some(v) =
        telemetry_vendor_for_host(host).or_else(|| url.and_then(telemetry_vendor_for_url))
    {
        return Some(TelemetryIntake::Vendor(v));
    }
    url.filter(|_| !is_local_host(host))
        .and_then(telemetry_shape)
        .map(TelemetryIntake::Shape)
}

/// What a URL's path says about the data it takes, when that is telemetry whoever runs the
/// host: the OpenTelemetry (OTLP/HTTP) signal paths (`/v1/traces`, `/v1/metrics`, `/v1/logs`),
/// event logging (`/api/event_logging/v2/batch`) and telemetry APIs (`/api/telemetry`,
/// `/usage-stats`). `None` for other paths, and for bare hosts.
pub fn telemetry_shape(url: &str) -> Option<&'static str> {
    let path = intake_path(url)?;
    let path = path.as_str();
    for (suffix, what) in [
        ("/v1/traces", "OpenTelemetry traces (OTLP)"),
        ("/v1/metrics", "OpenTelemetry metrics (OTLP)"),
        ("/v1/logs", "OpenTelemetry logs (OTLP)"),
    ] {
        // `…/otlp/v1/metrics` also where a binary's next string runs on after it.
        if path.ends_with(suffix) || path.contains(&format!("/otlp{suffix}")) {
            return Some(what);
        }
    }
    path.split('/').find_map(|seg| match seg {
        "event_logging" | "event-logging" => Some("event logging"),
        "telemetry" | "usage-stats" | "usage_stats" | "usagestats" => Some("a telemetry API"),
        _ => None,
    })
}

/// The path of a URL that may be an intake, lower case, without query, fragment or final
/// slash: none for bare hosts and for documentation pages.
fn intake_path(url: &str) -> Option<String> {
    let (host, path) = split_url(url);
    if host.is_empty() || path.len() < 2 {
        return None;
    }
    let path = path
        .split(['?', '#'])
        .next()
        .unwrap_or(path)
        .to_ascii_lowercase();
    let path = path.trim_end_matches('/');
    (!is_documentation(&host, path)).then(|| path.to_string())
}

/// A page about telemetry is documentation, not an intake.
fn is_documentation(host: &str, path: &str) -> bool {
    let docs = [
        "docs.",
        "doc.",
        "learn.",
        "www.",
        "github.com",
        "gitlab.com",
    ];
    docs.iter().any(|d| host.starts_with(d))
        || path.contains("/docs")
        || path.contains("/doc/")
        || path.ends_with(".html")
        || path.ends_with(".md")
}

/// [`telemetry_intake`], and where the code sends a request to the host (`requested`), also
/// the paths analytics collectors use on any host ([`event_collection_shape`]): common words
/// (`/collect`, `/track`), telemetry only with a request behind them.
pub fn telemetry_intake_of(
    host: &str,
    url: Option<&str>,
    requested: bool,
) -> Option<TelemetryIntake> {
    telemetry_intake(host, url).or_else(|| {
        url.filter(|_| requested && !is_local_host(host))
            .and_then(event_collection_shape)
            .map(TelemetryIntake::Shape)
    })
}

/// What a URL's path says when it is where analytics events are collected: `/collect`
/// (Google Analytics' `/g/collect`), `/track`, `/beacon`, `/ingest`, `/analytics`,
/// `/log_event`, `/events` and batches of events (`/v1/events/batch`, `/track/batch`). The
/// words are common, so [`telemetry_intake_of`] counts them only for hosts the code sends to.
pub fn event_collection_shape(url: &str) -> Option<&'static str> {
    let path = intake_path(url)?;
    let path = path.as_str();
    const EVENT_WORDS: &[&str] = &["event", "events", "track", "analytics"];
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let last = *segments.last()?;
    let collects = matches!(
        last,
        "collect" | "track" | "beacon" | "ingest" | "analytics" | "log_event" | "logevent"
    ) || EVENT_WORDS.contains(&last)
        || (last == "batch" && segments.iter().any(|s| EVENT_WORDS.contains(s)));
    collects.then_some("event collection")
}

/// The telemetry vendor whose SDK an npm package is (`posthog-node`, `@sentry/node`).
/// Accepts import specifiers and versioned names too: `@sentry/node/cjs`,
/// `mixpanel@0.17.0`, `npm:dd-trace` all name their package.
pub fn telemetry_vendor_for_package(pkg: &str) -> Option<&'static TelemetryVendor> {
    let t = &*TELEMETRY;
    t.npm.get(&npm_package_name(pkg)?).map(|i| &t.vendors[i])
}

/// The telemetry vendor whose SDK a PyPI distribution is (`sentry-sdk`, `posthog`), compared
/// after PEP 503 normalisation (`Sentry_SDK` = `sentry-sdk`).
pub fn telemetry_vendor_for_pypi_package(name: &str) -> Option<&'static TelemetryVendor> {
    let t = &*TELEMETRY;
    t.pypi.get(&normalize_pypi(name)).map(|i| &t.vendors[i])
}

/// All catalogued telemetry vendors.
pub fn telemetry_vendors() -> &'static [TelemetryVendor] {
    &TELEMETRY.vendors
}

/// Every host in the telemetry catalogue, including the hosts of `host/path` endpoints:
/// literals for prefilters. Some (`play.googleapis.com`) carry unrelated traffic too, so
/// matching must go through [`telemetry_vendor_for_host`] / [`telemetry_vendor_for_url`].
pub fn telemetry_hosts() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = TELEMETRY
        .vendors
        .iter()
        .flat_map(|t| {
            t.hosts
                .iter()
                .copied()
                .chain(t.endpoints.iter().map(|e| e.split('/').next().unwrap_or(e)))
        })
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// `@scope/name/deep/path@1.2.3` → `@scope/name`; `name@1` → `name`; lower case.
fn npm_package_name(spec: &str) -> Option<String> {
    let s = spec.trim();
    let s = s.strip_prefix("npm:").unwrap_or(s);
    let mut parts = s.split('/');
    let first = parts.next()?;
    let name = if first.starts_with('@') {
        format!("{first}/{}", parts.next()?)
    } else {
        first.to_string()
    };
    // A version follows the last `@` that is not the scope's.
    let name = match name.get(1..).and_then(|rest| rest.rfind('@')) {
        Some(i) => name[..i + 1].to_string(),
        None => name,
    };
    (!name.is_empty() && name != "@").then(|| name.to_lowercase())
}

/// PEP 503: lower case, runs of `-`, `_`, `.` become one `-`. A trailing `*` is kept.
fn normalize_pypi(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.trim().chars() {
        if matches!(c, '-' | '_' | '.') {
            if !out.ends_with('-') {
                out.push('-');
            }
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}

// ----------------------------------------------------------------------------- cloud metadata

struct MetadataCatalog {
    names: HashMap<&'static str, &'static str>,
    ips: HashMap<IpAddr, &'static str>,
    variables: HashMap<&'static str, &'static str>,
}

static METADATA: LazyLock<MetadataCatalog> = LazyLock::new(|| {
    let raw: RawMetadata = toml::from_str(include_str!("../data/cloud_metadata.toml"))
        .expect("data/cloud_metadata.toml is valid");
    let mut names = HashMap::new();
    let mut ips = HashMap::new();
    for e in raw.endpoints {
        let (host, provider) = (leak(e.host), leak(e.provider));
        match host.parse::<IpAddr>() {
            Ok(ip) => ips.insert(ip, provider),
            Err(_) => names.insert(host, provider),
        };
        names.insert(host, provider);
    }
    let variables = raw
        .variables
        .into_iter()
        .map(|v| (leak(v.name), leak(v.stands_for)))
        .collect();
    MetadataCatalog {
        names,
        ips,
        variables,
    }
});

/// The cloud provider(s) whose instance-metadata service a host is, if it is one. IP addresses
/// match in any spelling a resolver accepts: `169.254.169.254`, `2852039166`, `0xA9FEA9FE`,
/// `0251.0376.0251.0376`, `169.254.43518`, `[::ffff:a9fe:a9fe]`; `host:port` and URLs too.
pub fn cloud_metadata_provider(host: &str) -> Option<&'static str> {
    let m = &*METADATA;
    let host = normalize_host(host);
    if let Some(p) = m.names.get(host.as_str()) {
        return Some(p);
    }
    let ip = match host.parse::<Ipv6Addr>() {
        Ok(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        Err(_) => IpAddr::V4(parse_ipv4_loose(&host)?),
    };
    m.ips.get(&ip).copied()
}

/// The platform address an environment variable holds, as the catalogued host or URL it stands
/// for (`KUBERNETES_SERVICE_HOST` → `kubernetes.default.svc`): front ends put it where the
/// variable is read into a URL, so the request is known to go to the platform.
pub fn platform_variable_address(name: &str) -> Option<&'static str> {
    METADATA.variables.get(name).copied()
}

/// Whether a host is a cloud instance-metadata endpoint (see [`cloud_metadata_provider`]).
pub fn is_cloud_metadata_host(host: &str) -> bool {
    cloud_metadata_provider(host).is_some()
}

/// What a request to an instance-metadata service asks for, from its URL's path: what an SDK
/// reads there and why (`/latest/meta-data/iam/security-credentials/` → credentials). `None`
/// when the path says nothing (a bare host, a path built at run time).
pub fn cloud_metadata_purpose(url: &str) -> Option<&'static str> {
    let (_, path) = split_url(url);
    let path = path.strip_prefix('/')?.to_ascii_lowercase();
    let has = |w: &str| path.contains(w);
    Some(
        if has("security-credentials")
            || has("identity/oauth2/token")
            || (has("service-accounts") && has("token"))
            || has("/credentials")
            || path.starts_with("credentials")
            || has("ram/security-credentials")
        {
            "credentials"
        } else if has("api/token") {
            "a session token for the metadata service (IMDSv2)"
        } else if has("service-accounts") {
            "the instance's service account"
        } else if has("placement/") || has("instance/zone") || has("/region") {
            "the region or zone"
        } else if has("instance-identity") || has("metadata/instance") {
            "the instance identity document (account, region, instance id)"
        } else if has("user-data") || has("attributes/startup-script") {
            "the instance's user data (start-up scripts, often secrets)"
        } else if has("project-id") || has("project/numeric-project-id") {
            "the project id"
        } else if has("instance-id")
            || has("hostname")
            || has("ipv4")
            || has("mac")
            || has("instance/id")
        {
            "the instance's id, host name or addresses"
        } else if has("task") || has("v3") || has("v4") {
            "the container's task metadata"
        } else {
            return None;
        },
    )
}

/// Every metadata host as catalogued (canonical spelling): literals for prefilters.
pub fn cloud_metadata_hosts() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = METADATA.names.keys().copied().collect();
    v.sort_unstable();
    v
}

/// IPv4 as `inet_aton` reads it (and so do curl, browsers' URL parsers and Node's `net`): one to
/// four parts, each decimal, `0x` hex or leading-`0` octal, the last part filling the remaining
/// bytes. Obfuscated addresses (`0xa9fea9fe`) are how metadata access is commonly hidden.
fn parse_ipv4_loose(s: &str) -> Option<Ipv4Addr> {
    let parts: Vec<&str> = s.split('.').collect();
    if parts.is_empty() || parts.len() > 4 {
        return None;
    }
    let mut nums = Vec::with_capacity(parts.len());
    for p in &parts {
        let (digits, radix) = if let Some(h) = p.strip_prefix("0x").or_else(|| p.strip_prefix("0X"))
        {
            (h, 16)
        } else if p.len() > 1 && p.starts_with('0') {
            (&p[1..], 8)
        } else {
            (*p, 10)
        };
        if digits.is_empty() && radix != 16 {
            return None;
        }
        let n = if digits.is_empty() {
            0
        } else {
            u64::from_str_radix(digits, radix).ok()?
        };
        nums.push(n);
    }
    let (last, head) = nums.split_last()?;
    if head.iter().any(|&n| n > 255) || *last >= 1u64 << (8 * (4 - head.len())) {
        return None;
    }
    let value = head
        .iter()
        .enumerate()
        .fold(*last, |acc, (i, &n)| acc | n << (8 * (3 - i)));
    Some(Ipv4Addr::from(u32::try_from(value).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_metadata_request_says_what_it_asks_for() {
        let p = cloud_metadata_purpose;
        assert_eq!(
            p("http://169.254.169.254/latest/meta-data/iam/security-credentials/"),
            Some("credentials")
        );
        assert_eq!(
            p("http://169.254.170.2/v2/credentials/abc"),
            Some("credentials")
        );
        assert_eq!(
            p("http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token"),
            Some("credentials")
        );
        assert_eq!(
            p("http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01"),
            Some("credentials")
        );
        assert_eq!(
            p("http://169.254.169.254/latest/api/token"),
            Some("a session token for the metadata service (IMDSv2)")
        );
        assert_eq!(
            p("http://169.254.169.254/latest/meta-data/placement/region"),
            Some("the region or zone")
        );
        assert_eq!(
            p("http://169.254.169.254/latest/dynamic/instance-identity/document"),
            Some("the instance identity document (account, region, instance id)")
        );
        assert_eq!(
            p("http://169.254.169.254/latest/user-data"),
            Some("the instance's user data (start-up scripts, often secrets)")
        );
        assert_eq!(p("http://169.254.169.254"), None);
        assert_eq!(p("http://169.254.169.254/"), None);
    }

    #[test]
    fn event_collection_paths_count_only_where_the_code_sends() {
        for url in [
            "https://api.acme-tools.dev/v1/events/batch",
            "https://stats.acme-tools.dev/g/collect?v=2",
            "https://in.acme-tools.dev/track",
            "https://api.acme-tools.dev/api/analytics",
        ] {
            assert!(event_collection_shape(url).is_some(), "{url}");
            let host = split_url(url).0;
            assert!(
                telemetry_intake_of(&host, Some(url), true).is_some(),
                "{url}"
            );
            if telemetry_intake(&host, Some(url)).is_none() {
                assert!(
                    telemetry_intake_of(&host, Some(url), false).is_none(),
                    "{url}"
                );
            }
        }
        for url in [
            "https://api.acme-tools.dev/v1/batch",
            "https://api.acme-tools.dev/v1/chat/completions",
            "https://docs.acme-tools.dev/events",
            "https://acme-tools.dev/docs/track",
            "http://localhost:8080/track",
            "https://api.acme-tools.dev/tracks/42",
        ] {
            let host = split_url(url).0;
            assert!(
                telemetry_intake_of(&host, Some(url), true).is_none(),
                "{url}"
            );
        }
    }

    #[test]
    fn telemetry_by_path_and_new_intakes() {
        assert_eq!(
            telemetry_shape("https://ab.chatgpt.com/otlp/v1/metrics"),
            Some("OpenTelemetry metrics (OTLP)")
        );
        assert_eq!(
            telemetry_shape("https://api.anthropic.com/api/event_logging/v2/batch"),
            Some("event logging")
        );
        assert_eq!(
            telemetry_shape("https://api.example.dev/api/telemetry?x=1"),
            Some("a telemetry API")
        );
        assert_eq!(
            telemetry_shape("https://api.anthropic.com/v1/messages"),
            None
        );
        assert_eq!(
            telemetry_shape("https://docs.example.com/telemetry-guide"),
            None
        );
        assert_eq!(telemetry_shape("api.anthropic.com"), None);
        assert_eq!(
            telemetry_shape("https://code.visualstudio.com/docs/getstarted/telemetry"),
            None
        );
        assert_eq!(
            telemetry_shape("https://github.com/x/y/blob/main/docs/telemetry.md"),
            None
        );
        assert_eq!(
            telemetry_vendor_for_host("http-intake.logs.us5.datadoghq.com").map(|v| v.id),
            Some("datadog")
        );
        assert_eq!(
            telemetry_vendor_for_host("gb4w8c3ygj-default-sea.rum.aliyuncs.com").map(|v| v.id),
            Some("alibaba-cloud-rum")
        );
        assert!(telemetry_vendor_for_host("oss-cn-hangzhou.aliyuncs.com").is_none());
    }

    #[test]
    fn geoip_hosts_match_by_label() {
        assert_eq!(geoip_service("ipinfo.io").map(|s| s.name), Some("IPinfo"));
        assert_eq!(
            geoip_service("pro.ip-api.com").map(|s| s.name),
            Some("ip-api.com")
        );
        assert_eq!(
            geoip_service("API.IPGEOLOCATION.IO").map(|s| s.name),
            Some("ipgeolocation.io")
        );
        assert_eq!(geoip_service("get.geojs.io").map(|s| s.name), Some("GeoJS"));
        assert_eq!(
            geoip_service("https://api.ipify.org/?format=json").map(|s| s.name),
            Some("ipify")
        );
        assert!(geoip_service("ipapi.co:443").unwrap().returns_country);
        assert!(!geoip_service("api64.ipify.org").unwrap().returns_country);
        assert!(geoip_service("geo.ipify.org").unwrap().returns_country);
        assert!(
            !geoip_service("checkip.amazonaws.com")
                .unwrap()
                .returns_country
        );
        assert!(!geoip_service("ipv4.icanhazip.com").unwrap().returns_country);
        for h in [
            "ipify.org",
            "amazonaws.com",
            "notipinfo.io",
            "ipinfo.io.evil.com",
            "example.com",
            "",
            "io",
        ] {
            assert!(geoip_service(h).is_none(), "{h}");
        }
    }

    #[test]
    fn geoip_endpoints() {
        assert_eq!(
            geoip_service_for_url("https://1.1.1.1/cdn-cgi/trace").map(|s| s.name),
            Some("Cloudflare trace")
        );
        assert_eq!(
            geoip_service_for_url("https://pv.sohu.com/cityjson?ie=utf-8").map(|s| s.name),
            Some("Sohu cityjson")
        );
        assert_eq!(
            geoip_service_for_url("http://ip-api.com/json").map(|s| s.name),
            Some("ip-api.com")
        );
        assert!(geoip_service_for_url("https://pv.sohu.com/other").is_none());
        assert!(geoip_service("www.cloudflare.com").is_none());
        let hosts = geoip_hosts();
        assert!(
            hosts.contains(&"ipinfo.io") && hosts.contains(&"pv.sohu.com") && !hosts.contains(&"*")
        );
    }

    #[test]
    fn telemetry_hosts_match_ingest_only() {
        let id = |h: &str| telemetry_vendor_for_host(h).map(|v| v.id);
        assert_eq!(id("us.i.posthog.com"), Some("posthog"));
        assert_eq!(id("app.posthog.com"), Some("posthog"));
        assert_eq!(id("www.google-analytics.com"), Some("google-analytics"));
        assert_eq!(id("region1.google-analytics.com"), Some("google-analytics"));
        assert_eq!(id("www.googletagmanager.com"), Some("google-analytics"));
        assert_eq!(id("api-js.mixpanel.com"), Some("mixpanel"));
        assert_eq!(id("o123.ingest.sentry.io"), Some("sentry"));
        assert_eq!(id("o123.ingest.us.sentry.io"), Some("sentry"));
        assert_eq!(id("events.statsigapi.net"), Some("statsig"));
        assert_eq!(id("rum.browser-intake-datadoghq.com"), Some("datadog"));
        assert_eq!(id("http-intake.logs.datadoghq.eu"), Some("datadog"));
        assert_eq!(
            id("westeurope-5.in.applicationinsights.azure.com"),
            Some("azure-application-insights")
        );
        assert_eq!(
            id("mobile.events.data.microsoft.com"),
            Some("microsoft-1ds")
        );
        assert_eq!(id("bam.nr-data.net"), Some("newrelic"));
        assert_eq!(id("mc.yandex.ru"), Some("yandex-metrica"));
        assert_eq!(id("hm.baidu.com"), Some("baidu-tongji"));
        assert_eq!(id("a.clarity.ms"), Some("microsoft-clarity"));
        assert_eq!(id("https://api.segment.io/v1/track"), Some("segment"));
        // Self-hosted or proxied instances named after the product.
        assert_eq!(id("statsig.example.com"), Some("statsig"));
        assert_eq!(id("https://sentry.corp.example.net/api/1/"), Some("sentry"));
        for h in [
            "posthog.example",
            "docs.example.com",
            "mystatsig.example.com",
            "sentry.javascript.nextjs",
            "posthog.com",
            "notposthog.com",
            "i.posthog.com.evil.net",
            "evil-google-analytics.com",
            "sentry.io",
            "docs.sentry.io",
            "evilingest.sentry.io",
            "mixpanel.com",
            "datadoghq.com",
            "play.googleapis.com",
            "googleapis.com",
            "baidu.com",
            "yandex.ru",
            "",
        ] {
            assert_eq!(id(h), None, "{h}");
        }
    }

    #[test]
    fn telemetry_endpoints_need_their_path() {
        let id = |u: &str| telemetry_vendor_for_url(u).map(|v| v.id);
        assert_eq!(
            id("https://play.googleapis.com/log?format=json"),
            Some("google-clearcut")
        );
        assert_eq!(
            id("https://play.googleapis.com/log"),
            Some("google-clearcut")
        );
        assert_eq!(id("https://play.googleapis.com/login"), None);
        assert_eq!(id("https://play.googleapis.com/download/x"), None);
        assert_eq!(
            id("https://www.facebook.com/tr?id=1&ev=PageView"),
            Some("facebook-pixel")
        );
        assert_eq!(id("https://us.i.posthog.com/e/"), Some("posthog"));
        let hosts = telemetry_hosts();
        assert!(hosts.contains(&"play.googleapis.com") && hosts.contains(&"i.posthog.com"));
    }

    #[test]
    fn telemetry_packages() {
        let id = |p: &str| telemetry_vendor_for_package(p).map(|v| v.id);
        assert_eq!(id("posthog-node"), Some("posthog"));
        assert_eq!(id("posthog-js"), Some("posthog"));
        assert_eq!(id("mixpanel"), Some("mixpanel"));
        assert_eq!(id("universal-analytics"), Some("google-analytics"));
        assert_eq!(id("@segment/analytics-node"), Some("segment"));
        assert_eq!(id("analytics-node"), Some("segment"));
        assert_eq!(id("@amplitude/analytics-browser"), Some("amplitude"));
        assert_eq!(id("@sentry/node"), Some("sentry"));
        assert_eq!(id("@sentry/browser/esm/index.js"), Some("sentry"));
        assert_eq!(id("@sentry/node@7.100.0"), Some("sentry"));
        assert_eq!(id("@statsig/js-client"), Some("statsig"));
        assert_eq!(id("statsig-node"), Some("statsig"));
        assert_eq!(id("dd-trace"), Some("datadog"));
        assert_eq!(id("dd-trace/init"), Some("datadog"));
        assert_eq!(id("@datadog/browser-rum"), Some("datadog"));
        assert_eq!(
            id("applicationinsights"),
            Some("azure-application-insights")
        );
        assert_eq!(
            id("@microsoft/applicationinsights-web"),
            Some("azure-application-insights")
        );
        assert_eq!(id("@microsoft/1ds-post-js"), Some("microsoft-1ds"));
        assert_eq!(id("@vscode/extension-telemetry"), Some("microsoft-1ds"));
        assert_eq!(id("@growthbook/growthbook"), Some("growthbook"));
        assert_eq!(id("@launchdarkly/node-server-sdk"), Some("launchdarkly"));
        assert_eq!(id("@bugsnag/js"), Some("bugsnag"));
        assert_eq!(id("rollbar"), Some("rollbar"));
        assert_eq!(id("newrelic"), Some("newrelic"));
        assert_eq!(id("@opentelemetry/sdk-node"), Some("opentelemetry"));
        assert_eq!(id("npm:analytics@0.8.0"), Some("getanalytics"));
        for p in [
            "@sentry",
            "sentry",
            "posthog",
            "@microsoft/vscode",
            "lodash",
            "express",
            "@vscode/vsce",
            "",
            "@",
        ] {
            assert_eq!(id(p), None, "{p}");
        }
        let py = |p: &str| telemetry_vendor_for_pypi_package(p).map(|v| v.id);
        assert_eq!(py("sentry-sdk"), Some("sentry"));
        assert_eq!(py("Sentry_SDK"), Some("sentry"));
        assert_eq!(py("opentelemetry-exporter-otlp"), Some("opentelemetry"));
        assert_eq!(py("requests"), None);
    }

    #[test]
    fn cloud_metadata() {
        for h in [
            "169.254.169.254",
            "169.254.169.254:80",
            "http://169.254.169.254/latest/meta-data/",
            "2852039166",
            "0xa9fea9fe",
            "0251.0376.0251.0376",
            "169.254.43518",
            "[fd00:ec2::254]",
            "fd00:ec2:0:0:0:0:0:254",
            "::ffff:169.254.169.254",
            "[::ffff:a9fe:a9fe]:80",
            "100.100.100.200",
            "metadata.google.internal",
            "METADATA.GOOGLE.INTERNAL.",
            "metadata.goog",
            "169.254.170.2",
            "kubernetes.default.svc",
        ] {
            assert!(is_cloud_metadata_host(h), "{h}");
        }
        for h in [
            "169.254.169.253",
            "8.8.8.8",
            "google.internal",
            "metadata",
            "example.com",
            "",
            "999.1.1.1",
            "1.2.3.4.5",
        ] {
            assert!(!is_cloud_metadata_host(h), "{h}");
        }
        assert!(cloud_metadata_provider("100.100.100.200")
            .unwrap()
            .contains("Alibaba"));
        assert!(cloud_metadata_hosts().contains(&"169.254.169.254"));
        assert_eq!(
            platform_variable_address("KUBERNETES_SERVICE_HOST"),
            Some("kubernetes.default.svc")
        );
        assert_eq!(platform_variable_address("KUBERNETES_SERVICE_PORT"), None);
    }

    #[test]
    fn loose_ipv4() {
        assert_eq!(parse_ipv4_loose("127.1"), Some(Ipv4Addr::new(127, 0, 0, 1)));
        assert_eq!(
            parse_ipv4_loose("0x7f.0.0.1"),
            Some(Ipv4Addr::new(127, 0, 0, 1))
        );
        assert_eq!(parse_ipv4_loose("4294967296"), None);
        assert_eq!(parse_ipv4_loose("1.2.3.256"), None);
        assert_eq!(parse_ipv4_loose("08.1.1.1"), None);
        assert_eq!(parse_ipv4_loose("a.b.c.d"), None);
        assert_eq!(parse_ipv4_loose("1..1"), None);
    }

    #[test]
    fn every_entry_names_its_source() {
        for s in geoip_services() {
            assert!(!s.source.is_empty(), "{}", s.name);
            assert!(!s.hosts.is_empty() || !s.endpoints.is_empty(), "{}", s.name);
        }
        assert!(telemetry_vendors()
            .iter()
            .all(|v| !v.source.is_empty() && !v.owner.is_empty()));
        for v in telemetry_vendors() {
            assert!(
                [
                    "analytics",
                    "errors",
                    "apm",
                    "logs",
                    "feature-flags",
                    "session-replay",
                    "ads"
                ]
                .contains(&v.kind),
                "{}: {}",
                v.id,
                v.kind
            );
        }
    }
}

// ------------------------------------------------------------------------ exfiltration channels

/// A service that takes data from anyone for whoever holds the address: a request catcher,
/// an out-of-band test host, a tunnel, a chat webhook (see `data/exfil_channels.toml`).
#[derive(Debug)]
pub struct ExfilChannel {
    pub name: &'static str,
    /// request catcher, out-of-band test host, tunnel to a private machine, chat webhook …
    pub kind: &'static str,
    pub hosts: Vec<&'static str>,
    pub endpoints: Vec<&'static str>,
    /// Only generated subdomains of `hosts` are channels, not the service's own site.
    pub subdomain_only: bool,
    /// What the path after the host or endpoint must match: the channel's own id and secret.
    pub token: Option<regex::Regex>,
    pub source: &'static str,
}

#[derive(Deserialize)]
struct RawExfil {
    #[allow(dead_code)]
    source: String,
    channel: Vec<RawChannel>,
}

#[derive(Deserialize)]
struct RawChannel {
    name: String,
    kind: String,
    #[serde(default)]
    hosts: Vec<String>,
    #[serde(default)]
    endpoints: Vec<String>,
    #[serde(default)]
    subdomain_only: bool,
    #[serde(default)]
    token: Option<String>,
    source: String,
}

struct ExfilCatalog {
    channels: Vec<ExfilChannel>,
    index: HostIndex,
}

static EXFIL: LazyLock<ExfilCatalog> = LazyLock::new(|| {
    let raw: RawExfil = toml::from_str(include_str!("../data/exfil_channels.toml"))
        .expect("data/exfil_channels.toml is valid");
    let channels: Vec<ExfilChannel> = raw
        .channel
        .into_iter()
        .map(|c| ExfilChannel {
            name: leak(c.name),
            kind: leak(c.kind),
            hosts: leak_all(c.hosts),
            endpoints: leak_all(c.endpoints),
            subdomain_only: c.subdomain_only,
            token: c
                .token
                .map(|t| regex::Regex::new(&t).expect("exfil channel token is a valid regex")),
            source: leak(c.source),
        })
        .collect();
    let index = HostIndex::new(channels.iter().map(|c| (&c.hosts[..], &c.endpoints[..])));
    ExfilCatalog { channels, index }
});

/// The exfiltration channel a URL (or a bare host) is, if any: a catalogued host (a generated
/// subdomain of it, for `subdomain_only` services) or endpoint, with the channel's own token in
/// the path where the service puts one there (`https://discord.com/api/webhooks/<id>/<token>`).
/// A service's own site, docs and a client library's route templates are not channels.
pub fn exfil_channel(url: &str) -> Option<&'static ExfilChannel> {
    let e = &*EXFIL;
    let (host, path) = split_url(url);
    let i = e.index.url(&host, path)?;
    let c = &e.channels[i];
    if c.subdomain_only && c.hosts.iter().any(|h| *h == host) {
        return None;
    }
    if let Some(token) = &c.token {
        let rest = match c.endpoints.iter().find_map(|ep| {
            let (h, p) = ep.split_at(ep.find('/')?);
            (h == host).then(|| path.strip_prefix(p)).flatten()
        }) {
            Some(rest) => rest,
            None => path,
        };
        if !token.is_match(rest) {
            return None;
        }
    }
    Some(c)
}

#[cfg(test)]
mod exfil_tests {
    use super::*;

    #[test]
    fn channels_need_their_own_address() {
        for url in [
            "https://webhook.site/0f4e1a2b-1111-2222-3333-444455556666",
            "https://eo1a2b3c4d5e6f.m.pipedream.net",
            "http://x7k2.oastify.com/a",
            "abc.oast.fun",
            "https://1a2b-3c4d.ngrok-free.app/collect",
            "https://discord.com/api/webhooks/123456789012345678/AbCdEfGhIjKlMnOpQrStUvWxYz_0123",
            "https://hooks.slack.com/services/T0ABCDEFG/B0ABCDEFG/abcdefghijklmnopqrstuvwx",
            "https://api.telegram.org/bot123456789:AAEhBOweik6ad9r_QXMENQjcrGbqCr4K-bs/sendMessage",
        ] {
            assert!(exfil_channel(url).is_some(), "{url}");
        }
        for url in [
            "https://webhook.site",
            "https://pipedream.com/docs",
            "https://ngrok.com/download",
            "https://ngrok.io",
            "https://discord.com/api/webhooks/{id}/{token}",
            "https://discord.com/api/v10/channels",
            "https://api.telegram.org/bot",
            "https://hooks.slack.com/services/",
            "https://portswigger.net/burp",
        ] {
            assert!(exfil_channel(url).is_none(), "{url}");
        }
    }
}
