//! Geography as data: IANA time zones (`data/time_zones.toml`), locale tags
//! (`data/locales.toml`), country-code TLDs (`data/tlds.toml`) and ISO 3166-1 country codes and
//! names (`data/countries.toml`), each mapped to an ISO 3166-1 alpha-2 code.
//!
//! Every answer is a `&'static str` borrowed from catalogs parsed once on first use.

use serde::Deserialize;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::LazyLock;
use telltale_facts::{DataKind, Kinds};

/// How strongly a value points at a country.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confidence {
    /// The value suggests the country (a bare language tied to one country: `ru`, `ja`).
    Low,
    /// The value names the country (a locale with a region: `ru-RU`, `zh_TW.UTF-8`).
    High,
}

// ---------------------------------------------------------------------------------- raw data

#[derive(Deserialize)]
struct RawCountries {
    #[allow(dead_code)]
    source: String,
    countries: Vec<RawCountry>,
}
#[derive(Deserialize)]
struct RawCountry {
    code: String,
    name: String,
    #[serde(default)]
    alt: Vec<String>,
}

#[derive(Deserialize)]
struct RawTimeZones {
    #[allow(dead_code)]
    source: String,
    zones: HashMap<String, String>,
    links: HashMap<String, String>,
}

#[derive(Deserialize)]
struct RawLocales {
    #[allow(dead_code)]
    source: String,
    languages: Vec<String>,
    language_country: HashMap<String, String>,
    no_country: RawNoCountry,
}
#[derive(Deserialize)]
struct RawNoCountry {
    languages: Vec<String>,
}

#[derive(Deserialize)]
struct RawTlds {
    #[allow(dead_code)]
    source: String,
    exceptional: HashMap<String, String>,
    generic: Vec<String>,
    #[serde(default)]
    gtlds: Vec<String>,
    idn: HashMap<String, (String, String)>,
}

#[derive(Deserialize)]
struct RawRegionWords {
    #[allow(dead_code)]
    source: String,
    words: HashMap<String, String>,
    hosted: HashMap<String, Vec<String>>,
}

// ------------------------------------------------------------------------------- the catalog

struct Geo {
    /// Upper-case code → English short name; the keys are the canonical codes handed out.
    names: HashMap<String, String>,
    /// Normalised English name (see [`normalize_name`]) → code.
    by_name: HashMap<String, String>,
    zones: HashMap<String, String>,
    /// Lower-cased zone name → code, for the case-insensitive fallback.
    zones_lower: HashMap<String, String>,
    languages: HashSet<String>,
    /// Language or `language-Script` → code.
    language_country: HashMap<String, String>,
    /// ccTLD label (lower case, Unicode and punycode) → code, or `None` for generic-use ccTLDs.
    tlds: HashMap<String, Option<String>>,
    /// Demonyms and nicknames in identifiers → code (`data/region_words.toml`).
    region_words: HashMap<String, String>,
    /// Domain → code of the country its service is for.
    hosted: HashMap<String, String>,
}

static GEO: LazyLock<Geo> = LazyLock::new(|| {
    let countries: RawCountries = toml::from_str(include_str!("../data/countries.toml"))
        .expect("data/countries.toml is valid");
    let zones: RawTimeZones = toml::from_str(include_str!("../data/time_zones.toml"))
        .expect("data/time_zones.toml is valid");
    let locales: RawLocales =
        toml::from_str(include_str!("../data/locales.toml")).expect("data/locales.toml is valid");
    let tlds: RawTlds =
        toml::from_str(include_str!("../data/tlds.toml")).expect("data/tlds.toml is valid");
    let words: RawRegionWords = toml::from_str(include_str!("../data/region_words.toml"))
        .expect("data/region_words.toml is valid");

    let mut names = HashMap::new();
    let mut by_name = HashMap::new();
    for c in countries.countries {
        for n in std::iter::once(&c.name).chain(&c.alt) {
            by_name.insert(normalize_name(n), c.code.clone());
        }
        names.insert(c.code, c.name);
    }

    let zones: HashMap<String, String> = zones.zones.into_iter().chain(zones.links).collect();
    let zones_lower = zones
        .iter()
        .map(|(z, c)| (z.to_lowercase(), c.clone()))
        .collect();

    // Every ISO code is its own ccTLD; the TOML lists only the exceptions and IDNs.
    let mut tld_map: HashMap<String, Option<String>> = names
        .keys()
        .map(|c| (c.to_ascii_lowercase(), Some(c.clone())))
        .collect();
    for (label, code) in tlds.exceptional {
        tld_map.insert(label, Some(code));
    }
    for (unicode, (puny, code)) in tlds.idn {
        tld_map.insert(unicode, Some(code.clone()));
        tld_map.insert(puny, Some(code));
    }
    for label in tlds.generic {
        tld_map.insert(label, None);
    }
    for label in tlds.gtlds {
        tld_map.entry(label).or_insert(None);
    }

    let no_country: HashSet<String> = locales.no_country.languages.into_iter().collect();
    debug_assert!(locales
        .language_country
        .keys()
        .all(|l| !no_country.contains(l)));

    Geo {
        names,
        by_name,
        zones,
        zones_lower,
        languages: locales.languages.into_iter().collect(),
        language_country: locales.language_country,
        tlds: tld_map,
        region_words: words.words,
        hosted: words
            .hosted
            .into_iter()
            .flat_map(|(code, domains)| domains.into_iter().map(move |d| (d, code.clone())))
            .collect(),
    }
});

/// Lower case, trimmed, inner whitespace collapsed, a leading "the " dropped, `&` read as "and"
/// and typographic apostrophes as `'`, so "The  Bahamas" and "Bosnia & Herzegovina" match.
fn normalize_name(name: &str) -> String {
    let lower = name
        .trim()
        .to_lowercase()
        .replace(['\u{2019}', '\u{2018}'], "'");
    let mut words: Vec<&str> = lower
        .split_whitespace()
        .map(|w| if w == "&" { "and" } else { w })
        .collect();
    if words.len() > 1 && words[0] == "the" {
        words.remove(0);
    }
    words.join(" ")
}

/// The canonical (static) spelling of a code from any of the catalog maps.
fn canonical(code: &str) -> Option<&'static str> {
    GEO.names.get_key_value(code).map(|(k, _)| k.as_str())
}

// --------------------------------------------------------------------------------- time zones

/// The country of an IANA time-zone name (`Europe/Moscow` → `RU`), including the old link names
/// of tzdata's `backward` file (`W-SU`, `Asia/Calcutta`, `US/Eastern`). Exact spelling first,
/// then case-insensitively. Zones that name no country (`UTC`, `Etc/GMT+3`, `EST5EDT`) give
/// `None`.
pub fn country_of_time_zone(tz: &str) -> Option<&'static str> {
    let tz = tz.trim();
    let code = match GEO.zones.get(tz) {
        Some(c) => c,
        None => GEO.zones_lower.get(&tz.to_lowercase())?,
    };
    canonical(code)
}

/// Zone names as people and Windows read them, each for one country: CLDR's long metazone
/// names (`new Date().toLocaleString("en-US", { timeZoneName: "long" })` → "China Standard
/// Time") and Windows time-zone ids (`tzutil /g`, the registry's `TimeZoneKeyName`). Names
/// shared by several countries ("Eastern European Standard Time") are left out.
const ZONE_NAMES: &[(&str, &str)] = &[
    ("china standard time", "CN"),
    ("china daylight time", "CN"),
    ("moscow standard time", "RU"),
    ("russian standard time", "RU"),
    ("russia tz 2 standard time", "RU"),
    ("belarus standard time", "BY"),
    ("india standard time", "IN"),
    ("japan standard time", "JP"),
    ("tokyo standard time", "JP"),
    ("korean standard time", "KR"),
    ("korea standard time", "KR"),
    ("taipei standard time", "TW"),
    ("hong kong standard time", "HK"),
    ("israel standard time", "IL"),
    ("iran standard time", "IR"),
    ("pakistan standard time", "PK"),
    ("turkey time", "TR"),
    ("turkey standard time", "TR"),
    ("singapore standard time", "SG"),
    ("north korea standard time", "KP"),
    ("ukraine standard time", "UA"),
    ("kaliningrad standard time", "RU"),
    ("volgograd standard time", "RU"),
    ("yekaterinburg standard time", "RU"),
    ("vladivostok standard time", "RU"),
    ("irkutsk standard time", "RU"),
    ("krasnoyarsk standard time", "RU"),
    ("novosibirsk standard time", "RU"),
    ("omsk standard time", "RU"),
    ("magadan standard time", "RU"),
    ("yakutsk standard time", "RU"),
    ("sri lanka standard time", "LK"),
    ("nepal time", "NP"),
    ("nepal standard time", "NP"),
    ("afghanistan time", "AF"),
    ("afghanistan standard time", "AF"),
    ("syria standard time", "SY"),
    ("arabian standard time", "AE"),
    ("myanmar time", "MM"),
    ("myanmar standard time", "MM"),
];

/// UTC offsets as `Date#getTimezoneOffset()` gives them (minutes west of UTC) whose countries
/// are few enough to name: UTC+8 (China and its neighbours), UTC+5:30 (India, Sri Lanka),
/// UTC+9 (Japan, Korea). Other offsets span too many countries to say where the user is.
const OFFSETS: &[(&str, &[&str])] = &[
    ("-480", &["CN", "HK", "MO", "TW", "SG", "MY", "PH"]),
    ("-330", &["IN", "LK"]),
    ("-540", &["JP", "KR"]),
];

/// The country of a zone's display name or Windows id ("China Standard Time" → CN).
pub fn country_of_zone_name(name: &str) -> Option<&'static str> {
    let n = name.trim().to_ascii_lowercase();
    ZONE_NAMES.iter().find(|(z, _)| *z == n).map(|(_, c)| *c)
}

/// Time-zone abbreviations that name one country's zones only — what Python's
/// `time.tzname` and `strftime("%Z")` give on Linux (`MSK`, not `Europe/Moscow`). Ones
/// several countries share (`CST`, `IST`, `KST`, `EET`) are left out.
const ZONE_ABBREVIATIONS: &[(&str, &str)] = &[
    ("MSK", "RU"),
    ("MSD", "RU"),
    ("JST", "JP"),
    ("HKT", "HK"),
    ("SGT", "SG"),
    ("PKT", "PK"),
    ("IRST", "IR"),
    ("IRDT", "IR"),
    ("WIB", "ID"),
    ("WITA", "ID"),
    ("WIT", "ID"),
    ("NZST", "NZ"),
    ("NZDT", "NZ"),
];

/// The country of a time-zone abbreviation one country alone uses (upper case, as the C
/// library prints it).
pub fn country_of_zone_abbreviation(abbreviation: &str) -> Option<&'static str> {
    let a = abbreviation.trim();
    ZONE_ABBREVIATIONS
        .iter()
        .find(|(z, _)| *z == a)
        .map(|(_, c)| *c)
}

/// The countries of a `getTimezoneOffset()` value, where they are few.
pub fn countries_of_offset(minutes: &str) -> &'static [&'static str] {
    OFFSETS
        .iter()
        .find(|(o, _)| *o == minutes.trim())
        .map(|(_, c)| *c)
        .unwrap_or(&[])
}

/// HTTP request headers in which a CDN or edge platform tells a server the client's country
/// (Cloudflare, Vercel, CloudFront, App Engine, Netlify, Fastly and Akamai conventions).
const COUNTRY_HEADERS: &[&str] = &[
    "cf-ipcountry",
    "cf-ipcity",
    "cf-region",
    "cf-region-code",
    "x-vercel-ip-country",
    "x-vercel-ip-country-region",
    "x-vercel-ip-city",
    "cloudfront-viewer-country",
    "cloudfront-viewer-country-region",
    "cloudfront-viewer-country-name",
    "x-appengine-country",
    "x-appengine-region",
    "x-appengine-city",
    "x-country-code",
    "x-country",
    "x-geo-country",
    "x-geoip-country",
    "x-client-geo-country",
    "x-nf-geo",
    "x-nf-country",
    "fastly-geo-country",
    "x-akamai-edgescape",
    "akamai-edgescape",
    "x-azure-ref-country",
    "true-client-country",
];

/// Words a build or a deployment uses for "not the country variant" (`REGION = "global"`).
const VARIANT_WORDS: &[&str] = &[
    "global",
    "intl",
    "international",
    "overseas",
    "oversea",
    "i18n",
    "row",
    "world",
    "domestic",
    "mainland",
    "default",
];

/// Whether a constant names a regional variant of a build: a country (code in capitals or
/// lower case, or name) or one of the words for the rest of the world.
pub fn is_variant_word(value: &str) -> bool {
    let v = value.trim();
    VARIANT_WORDS.iter().any(|w| v.eq_ignore_ascii_case(w))
        || (v.len() == 2 && is_country_code(v))
        || country_of_name(v).is_some()
}

/// Whether an identifier names one country (`countryCode`, `user_country`), not a list of
/// them (`countries`, `countryList`).
pub fn names_a_country(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.contains("country") && !lower.contains("countries") && !lower.ends_with("list")
}

/// Whether a constant's name says it holds the region a build is for (`REGION`,
/// `BUILD_COUNTRY`, `APP_MARKET`, `__EDITION__`), not one that the user is in.
pub fn names_build_region(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    ["region", "country", "market", "edition", "area"]
        .iter()
        .any(|w| lower.contains(w))
}

/// Whether a request header names the client's country (`cf-ipcountry`), by the conventions
/// above or by the shape proxies and services use for their own (`x-c15t-country`,
/// `x-myapp-country-code`, `x-geo-ip-country`): an `x-` header whose last word is the country.
pub fn is_country_header(name: &str) -> bool {
    let n = name.trim().to_ascii_lowercase();
    if COUNTRY_HEADERS.contains(&n.as_str()) {
        return true;
    }
    let Some(rest) = n.strip_prefix("x-") else {
        return false;
    };
    let rest = rest
        .strip_suffix("-code")
        .or_else(|| rest.strip_suffix("-iso"))
        .unwrap_or(rest);
    rest.ends_with("-country") || rest.ends_with("-ipcountry")
}

// ------------------------------------------------------------------------------------ locales

/// The country a locale tag points at. BCP 47 (`ru-RU`, `zh-Hans-CN`, `sr-Latn-RS`) and POSIX
/// (`ru_RU`, `ru_RU.UTF-8`, `sr_RS@latin`) tags with a region give that region with
/// [`Confidence::High`]. A tag without a region gives the language's country with
/// [`Confidence::Low`], but only for languages spoken mainly in one country (`ru` → RU, `ja` →
/// JP, `zh-Hant` → TW); world languages (`en`, `es`, `fr`, `pt`, `ar`, ...) give `None`.
/// Strings that are not locale-shaped (`C`, `POSIX`, `C.UTF-8`, unknown languages, regions
/// that are not ISO 3166-1 codes) give `None`.
///
/// Bare two-letter tags coincide with English words (`no`, `it`, `be`): call this on values
/// known to be locales, not on arbitrary strings.
pub fn country_of_locale(tag: &str) -> Option<(&'static str, Confidence)> {
    // POSIX: language[_territory][.codeset][@modifier]
    let tag = tag.trim();
    let tag = tag.split(['.', '@']).next().unwrap_or_default();
    let mut subtags = tag.split(['-', '_']);
    let language = subtags.next()?.to_ascii_lowercase();
    let alpha = |s: &str| s.bytes().all(|b| b.is_ascii_alphabetic());
    if !(2..=3).contains(&language.len()) || !alpha(&language) || !GEO.languages.contains(&language)
    {
        return None;
    }
    let rest: Vec<&str> = subtags.collect();
    if rest
        .iter()
        .any(|s| s.is_empty() || s.len() > 8 || !s.bytes().all(|b| b.is_ascii_alphanumeric()))
    {
        return None;
    }
    let mut rest = rest.into_iter().peekable();
    // Extended language subtags (zh-yue-HK) carry no country.
    while rest.peek().is_some_and(|s| s.len() == 3 && alpha(s)) {
        rest.next();
    }
    let script = rest.next_if(|s| s.len() == 4 && alpha(s)).map(|s| {
        let mut s = s.to_ascii_lowercase();
        s[..1].make_ascii_uppercase();
        s
    });
    match rest.peek() {
        Some(r) if r.len() == 2 && alpha(r) => {
            // An explicit region decides, even against the language (ru-UA is Ukraine); a region
            // that is not a country (EU, ZZ) means the tag names no country.
            return canonical(&r.to_ascii_uppercase()).map(|c| (c, Confidence::High));
        }
        // UN M.49 numeric regions (es-419) are areas, not countries: fall back to the language.
        _ => {}
    }
    let by_script = script.and_then(|s| GEO.language_country.get(&format!("{language}-{s}")));
    let code = by_script.or_else(|| GEO.language_country.get(&language))?;
    canonical(code).map(|c| (c, Confidence::Low))
}

// --------------------------------------------------------------------------------------- TLDs

/// The country of a country-code top-level domain: `ru`, `.RU`, `su` → RU, `uk` → GB, and IDN
/// ccTLDs in either form (`рф`, `xn--p1ai` → RU; `中国`, `xn--fiqs8s` → CN). Given a whole host
/// name, its last label is used. ccTLDs sold for generic use (`io`, `co`, `me`, `tv`, `ai`,
/// `ly`, ... listed in `data/tlds.toml`), gTLDs (`com`, `dev`) and `eu` give `None`.
pub fn country_of_tld(label: &str) -> Option<&'static str> {
    let label = label.trim().trim_end_matches('.');
    let label = label.rsplit('.').next().unwrap_or_default().to_lowercase();
    let code = GEO.tlds.get(&label)?.as_deref()?;
    canonical(code)
}

/// Whether a label is a top-level domain in use: every ccTLD (ISO, exceptional, IDN) and the
/// common generic ones. `nextjs` or `prototype` are not.
pub fn is_known_tld(label: &str) -> bool {
    GEO.tlds
        .contains_key(label.trim_end_matches('.').to_lowercase().as_str())
}

// ---------------------------------------------------------------------------------- countries

/// The ISO 3166-1 alpha-2 code of an English country name: short, formal, former and common
/// names (`Russia`, `Russian Federation`, `USA`, `Korea, Republic of`, `Ivory Coast`),
/// case-insensitive, ignoring surrounding and repeated whitespace and a leading "the".
pub fn country_of_name(name: &str) -> Option<&'static str> {
    canonical(GEO.by_name.get(&normalize_name(name))?)
}

/// Whether `code` is an officially assigned ISO 3166-1 alpha-2 code (case-insensitive).
pub fn is_country_code(code: &str) -> bool {
    code.len() == 2 && GEO.names.contains_key(&code.to_ascii_uppercase())
}

/// The English short name of an ISO 3166-1 alpha-2 code (`RU` → "Russia"), case-insensitive.
pub fn country_name(code: &str) -> Option<&'static str> {
    if code.len() != 2 {
        return None;
    }
    GEO.names
        .get(&code.to_ascii_uppercase())
        .map(String::as_str)
}

/// The country whose users a host serves: its ccTLD (`rsproxy.cn`), or a mirror or cloud
/// domain listed in `data/region_words.toml` (`registry.npmmirror.com` → CN). Names the country
/// a latency race or reachability test is about, never a destination's owner.
pub fn country_of_host(host: &str) -> Option<&'static str> {
    let host = host.trim().trim_end_matches('.').to_ascii_lowercase();
    if host.is_empty() || !host.contains('.') {
        return None;
    }
    let mut rest = host.as_str();
    loop {
        if let Some(code) = GEO.hosted.get(rest) {
            return canonical(code);
        }
        match rest.split_once('.') {
            Some((_, tail)) if tail.contains('.') => rest = tail,
            _ => break,
        }
    }
    country_of_tld(&host)
}

/// Whether an environment variable's name says it holds the user's region: a word `GEO`,
/// `COUNTRY` or `NATION` (`SLS_GEO_LOCATION`, `APP_COUNTRY`, `GEOIP_COUNTRY_CODE`). Not
/// `REGION`, which names a cloud region (`AWS_REGION`), nor `LANG`, read as the locale.
pub fn names_region_setting(var: &str) -> bool {
    var.len() <= 64
        && var.split(['_', '-']).any(|w| {
            matches!(
                w.to_ascii_uppercase().as_str(),
                "GEO" | "GEOIP" | "GEOLOCATION" | "COUNTRY" | "NATION"
            )
        })
}

/// Cookie names that hold a visitor's country as a geolocation service or an edge set it
/// (`country`, `geo`, `user_country`, `cf_ipcountry`).
pub fn is_geo_cookie(name: &str) -> bool {
    let n = name.to_ascii_lowercase().replace('-', "_");
    matches!(
        n.as_str(),
        "country"
            | "geo"
            | "geoip"
            | "geo_country"
            | "country_code"
            | "countrycode"
            | "user_country"
            | "visitor_country"
            | "ip_country"
            | "cf_ipcountry"
            | "geolocation"
    )
}

/// Two-letter words too common in identifiers to be read as country codes (`isIn`, `IS_AT`).
const NOT_CODES: &[&str] = &[
    "is", "in", "at", "it", "no", "be", "by", "to", "do", "go", "me", "my", "or", "so", "on", "as",
    "an", "of", "up", "we", "he", "if", "id", "am", "ok", "pe", "re", "ms", "tz", "ip",
];

/// The countries an identifier names: a country's name or demonym, a nickname
/// (`isChinaDomain`, `inGFW` → CN; `isRussianUser` → RU), or a two-letter code written in
/// capitals as its own word (`isCN`, `IN_RU`; not `IS`, `IN`, `AT`). Only to say which
/// country a network probe is meant to detect.
pub fn countries_in_identifier(name: &str) -> BTreeSet<&'static str> {
    let mut out = BTreeSet::new();
    if name.len() > 96 {
        return out;
    }
    // Words: split at `_`, `-`, `$`, digits and lower→upper case changes; a run of capitals
    // before a capitalised word ends one letter early (`inGFWMode` → in, GFW, Mode).
    let chars: Vec<char> = name.chars().collect();
    let mut words: Vec<String> = Vec::new();
    let mut cur = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphabetic() {
            if !cur.is_empty() {
                words.push(std::mem::take(&mut cur));
            }
            continue;
        }
        let prev = i.checked_sub(1).map(|j| chars[j]);
        let next = chars.get(i + 1).copied();
        let boundary = c.is_ascii_uppercase()
            && (prev.is_some_and(|p| p.is_ascii_lowercase())
                || prev.is_some_and(|p| p.is_ascii_uppercase())
                    && next.is_some_and(|n| n.is_ascii_lowercase()));
        if boundary && !cur.is_empty() {
            words.push(std::mem::take(&mut cur));
        }
        cur.push(c);
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    for w in &words {
        let lower = w.to_ascii_lowercase();
        if let Some(code) = GEO.region_words.get(&lower).and_then(|c| canonical(c)) {
            out.insert(code);
        } else if lower.len() > 3 {
            if let Some(code) = country_of_name(&lower) {
                out.insert(code);
            }
        } else if w.len() == 2
            && w.bytes().all(|b| b.is_ascii_uppercase())
            && !NOT_CODES.contains(&lower.as_str())
        {
            if let Some(code) = canonical(w) {
                out.insert(code);
            }
        }
    }
    out
}

// ------------------------------------------------------------------------- region constants

/// One comparison of region data with constants, as the front ends' region guards find it.
#[derive(Debug, Clone)]
pub struct RegionCmp {
    pub kinds: Kinds,
    /// The region data compared, as written or resolved.
    pub subject: String,
    pub constants: Vec<String>,
    pub countries: BTreeSet<String>,
    /// True when the comparison holds for users in the named countries.
    pub positive: bool,
    /// How the compared value comes from a region source, read first to compared last.
    pub steps: Vec<telltale_facts::Step>,
}

/// Countries that a constant names, read as the kind of region data it is compared with: a
/// time-zone name for the time zone, a locale tag for the locale, a ccTLD for the page host, a
/// country name or code for an IP-geolocation answer. Shared by the front ends' region guards.
pub fn countries_of(kinds: Kinds, constant: &str, out: &mut BTreeSet<String>) {
    let c = constant.trim();
    if c.is_empty() || c.len() > 64 {
        return;
    }
    if kinds.contains(DataKind::TimeZone) {
        if let Some(cc) = country_of_time_zone(c)
            .or_else(|| country_of_zone_name(c))
            .or_else(|| country_of_zone_abbreviation(c))
        {
            out.insert(cc.to_string());
        }
        out.extend(countries_of_offset(c).iter().map(|c| c.to_string()));
        // A zone is never "RU": a value compared with a country code was looked up from the
        // zone (`zoneToCountry[tz] === "RU"`).
        if c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase()) && is_country_code(c) {
            out.insert(c.to_string());
        }
    }
    if kinds.contains(DataKind::Locale) {
        // An upper-case pair is a region subtag (`locale.split("-")[1] === "US"`): BCP 47
        // writes languages in lower case, regions in upper case.
        if c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase()) {
            if is_country_code(c) {
                out.insert(c.to_string());
            }
        } else if let Some((cc, _)) = country_of_locale(c) {
            out.insert(cc.to_string());
        }
    }
    if kinds.contains(DataKind::PageHost) {
        let tld = c.trim_start_matches('.').rsplit('.').next().unwrap_or(c);
        if let Some(cc) = country_of_tld(tld) {
            out.insert(cc.to_string());
        }
    }
    if kinds.contains(DataKind::GeoIpAnswer)
        || kinds.contains(DataKind::RegionSetting)
        || kinds.contains(DataKind::BuildVariant)
    {
        if let Some(cc) = country_of_name(c) {
            out.insert(cc.to_string());
        } else if c.len() == 2 && is_country_code(c) {
            out.insert(c.to_ascii_uppercase());
        }
    } else if kinds.contains(DataKind::NamedCountry) {
        // Only its name says the value is a country: codes count in upper case alone, as
        // ISO 3166 writes them ("no" and "it" are words).
        if let Some(cc) = country_of_name(c) {
            out.insert(cc.to_string());
        } else if c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase()) && is_country_code(c) {
            out.insert(c.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_and_identifiers_name_countries() {
        assert_eq!(country_of_host("registry.npmmirror.com"), Some("CN"));
        assert_eq!(
            country_of_host("https://npm.taobao.org".trim_start_matches("https://")),
            Some("CN")
        );
        assert_eq!(country_of_host("rsproxy.cn"), Some("CN"));
        assert_eq!(country_of_host("registry.npmjs.org"), None);
        assert_eq!(country_of_host("github.io"), None);
        let names = |n: &str| countries_in_identifier(n).into_iter().collect::<Vec<_>>();
        assert_eq!(names("isChinaDomain"), ["CN"]);
        assert_eq!(names("inGFW"), ["CN"]);
        assert_eq!(names("IS_RUSSIAN_USER"), ["RU"]);
        assert_eq!(names("isCN"), ["CN"]);
        assert_eq!(names("isInChinaMainland"), ["CN"]);
        // Common short words and lower-case pairs are no codes.
        assert!(names("isIn").is_empty());
        assert!(names("IS_AT_HOME").is_empty());
        assert!(names("checkDomain").is_empty());
        assert!(names("isReachable").is_empty());
    }

    #[test]
    fn country_headers_by_convention_and_shape() {
        for h in [
            "cf-ipcountry",
            "X-Vercel-IP-Country",
            "x-c15t-country",
            "x-geo-ip-country-code",
        ] {
            assert!(is_country_header(h), "{h}");
        }
        for h in [
            "country",
            "x-country-list",
            "x-forwarded-for",
            "content-type",
            "x-countryside",
        ] {
            assert!(!is_country_header(h), "{h}");
        }
    }

    #[test]
    fn zone_names_offsets_and_country_headers() {
        assert_eq!(country_of_zone_name("China Standard Time"), Some("CN"));
        assert_eq!(country_of_zone_name("Russian Standard Time"), Some("RU"));
        assert_eq!(country_of_zone_name("Eastern European Standard Time"), None);
        // Abbreviations as `time.tzname` gives them: one country's only, upper case only.
        assert_eq!(country_of_zone_abbreviation("MSK"), Some("RU"));
        assert_eq!(country_of_zone_abbreviation("CST"), None);
        assert_eq!(country_of_zone_abbreviation("IST"), None);
        assert_eq!(country_of_zone_abbreviation("wit"), None);
        let mut out = BTreeSet::new();
        countries_of(Kinds::of(DataKind::TimeZone), "MSK", &mut out);
        assert_eq!(out.iter().collect::<Vec<_>>(), ["RU"]);
        out.clear();
        countries_of(Kinds::of(DataKind::Locale), "MSK", &mut out);
        assert!(out.is_empty(), "an abbreviation is a zone, not a locale");
        countries_of(Kinds::of(DataKind::TimeZone), "-480", &mut out);
        assert!(out.contains("CN"));
        out.clear();
        // UTC, and offsets shared by dozens of countries, name no one.
        for o in ["0", "-60", "300", "-180"] {
            countries_of(Kinds::of(DataKind::TimeZone), o, &mut out);
        }
        assert!(out.is_empty(), "{out:?}");
        // A number is no country for other region data.
        countries_of(Kinds::of(DataKind::Locale), "-480", &mut out);
        assert!(out.is_empty());
        assert!(is_country_header("CF-IPCountry"));
        assert!(is_country_header("x-vercel-ip-country"));
        assert!(!is_country_header("content-type"));
    }

    #[test]
    fn time_zones() {
        assert_eq!(country_of_time_zone("Europe/Moscow"), Some("RU"));
        assert_eq!(country_of_time_zone("Asia/Shanghai"), Some("CN"));
        assert_eq!(country_of_time_zone("America/New_York"), Some("US"));
        assert_eq!(country_of_time_zone("Europe/Minsk"), Some("BY"));
        assert_eq!(country_of_time_zone("Europe/Kyiv"), Some("UA"));
        // zone1970.tab-only sharing: zone.tab still wins with the zone's own country.
        assert_eq!(country_of_time_zone("Europe/Amsterdam"), Some("NL"));
        // backward links
        for (tz, cc) in [
            ("W-SU", "RU"),
            ("Europe/Kiev", "UA"),
            ("PRC", "CN"),
            ("Asia/Harbin", "CN"),
            ("Asia/Chungking", "CN"),
            ("ROC", "TW"),
            ("ROK", "KR"),
            ("Asia/Calcutta", "IN"),
            ("Asia/Saigon", "VN"),
            ("Israel", "IL"),
            ("Iran", "IR"),
            ("Iceland", "IS"),
            ("Pacific/Yap", "FM"),
            ("US/Eastern", "US"),
            ("Canada/Pacific", "CA"),
            ("Australia/ACT", "AU"),
            ("Europe/Belfast", "GB"),
            ("GB-Eire", "GB"),
            ("Asia/Istanbul", "TR"),
            ("Europe/Nicosia", "CY"),
            ("US/Pacific-New", "US"),
        ] {
            assert_eq!(country_of_time_zone(tz), Some(cc), "{tz}");
        }
        // case-insensitive fallback, whitespace
        assert_eq!(country_of_time_zone("europe/moscow"), Some("RU"));
        assert_eq!(country_of_time_zone(" w-su "), Some("RU"));
        for tz in [
            "UTC",
            "Etc/UTC",
            "GMT",
            "Etc/GMT+3",
            "Zulu",
            "EST5EDT",
            "CET",
            "Factory",
            "",
            "Europe/Nowhere",
        ] {
            assert_eq!(country_of_time_zone(tz), None, "{tz}");
        }
    }

    #[test]
    fn locales() {
        let high = |c| Some((c, Confidence::High));
        let low = |c| Some((c, Confidence::Low));
        assert_eq!(country_of_locale("ru-RU"), high("RU"));
        assert_eq!(country_of_locale("ru_RU"), high("RU"));
        assert_eq!(country_of_locale("ru_RU.UTF-8"), high("RU"));
        assert_eq!(country_of_locale("be_BY.UTF-8@latin"), high("BY"));
        assert_eq!(country_of_locale("zh-CN"), high("CN"));
        assert_eq!(country_of_locale("zh-Hans-CN"), high("CN"));
        assert_eq!(country_of_locale("zh-TW"), high("TW"));
        assert_eq!(country_of_locale("zh-Hant-TW"), high("TW"));
        assert_eq!(country_of_locale("zh-HK"), high("HK"));
        assert_eq!(country_of_locale("en-US"), high("US"));
        assert_eq!(country_of_locale("en-us"), high("US"));
        assert_eq!(country_of_locale("ru-UA"), high("UA"));
        assert_eq!(country_of_locale("sr-Latn-RS"), high("RS"));
        assert_eq!(country_of_locale("en-US-u-ca-gregory"), high("US"));
        assert_eq!(country_of_locale("ru"), low("RU"));
        assert_eq!(country_of_locale("RU"), low("RU"));
        assert_eq!(country_of_locale("uk"), low("UA"));
        assert_eq!(country_of_locale("zh"), low("CN"));
        assert_eq!(country_of_locale("zh-Hant"), low("TW"));
        assert_eq!(country_of_locale("fa"), low("IR"));
        assert_eq!(country_of_locale("my"), low("MM"));
        assert_eq!(country_of_locale("de"), low("DE"));
        for t in [
            "en",
            "es",
            "fr",
            "pt",
            "ar",
            "es-419",
            "en-EU",
            "en-ZZ",
            "C",
            "POSIX",
            "C.UTF-8",
            "",
            "-",
            "xx-RU",
            "ru RU",
            "ru-RU,en;q=0.9",
            "english",
        ] {
            assert_eq!(country_of_locale(t), None, "{t:?}");
        }
    }

    #[test]
    fn tlds() {
        for (l, c) in [
            ("ru", "RU"),
            (".su", "RU"),
            ("RU", "RU"),
            ("by", "BY"),
            ("uk", "GB"),
            ("cn", "CN"),
            ("xn--p1ai", "RU"),
            ("рф", "RU"),
            ("РФ", "RU"),
            ("xn--90ais", "BY"),
            ("бел", "BY"),
            ("xn--fiqs8s", "CN"),
            ("中国", "CN"),
            ("xn--j1amh", "UA"),
            ("укр", "UA"),
            ("yandex.ru", "RU"),
            ("mail.ru.", "RU"),
        ] {
            assert_eq!(country_of_tld(l), Some(c), "{l}");
        }
        for l in [
            "com", "io", ".io", "co", "me", "tv", "ai", "ly", "net", "org", "dev", "app", "top",
            "eu", "", "r",
        ] {
            assert_eq!(country_of_tld(l), None, "{l}");
        }
    }

    #[test]
    fn names_and_codes() {
        for (n, c) in [
            ("russia", "RU"),
            ("Russian Federation", "RU"),
            ("  BELARUS ", "BY"),
            ("china", "CN"),
            ("People's Republic of China", "CN"),
            ("People\u{2019}s Republic of China", "CN"),
            ("ukraine", "UA"),
            ("United States", "US"),
            ("usa", "US"),
            ("United States of America", "US"),
            ("iran", "IR"),
            ("Iran, Islamic Republic of", "IR"),
            ("north korea", "KP"),
            ("South Korea", "KR"),
            ("the netherlands", "NL"),
            ("Bosnia & Herzegovina", "BA"),
            ("Côte d'Ivoire", "CI"),
            ("ivory coast", "CI"),
            ("UK", "GB"),
        ] {
            assert_eq!(country_of_name(n), Some(c), "{n}");
        }
        for n in ["", "atlantis", "us", "ru", "soviet union"] {
            assert_eq!(country_of_name(n), None, "{n}");
        }
        assert!(is_country_code("RU") && is_country_code("ru") && is_country_code("AX"));
        assert!(
            !is_country_code("UK")
                && !is_country_code("EU")
                && !is_country_code("RUS")
                && !is_country_code("")
        );
        assert_eq!(country_name("ru"), Some("Russia"));
        assert_eq!(country_name("GB"), Some("United Kingdom"));
        assert_eq!(country_name("XX"), None);
        assert_eq!(
            GEO.names.len(),
            249,
            "all officially assigned ISO 3166-1 codes"
        );
    }

    #[test]
    fn data_is_consistent() {
        // Every code a catalog hands out is an ISO code (canonical() would silently drop others).
        let codes = GEO
            .zones
            .values()
            .chain(GEO.language_country.values())
            .chain(GEO.tlds.values().flatten());
        for c in codes {
            assert!(GEO.names.contains_key(c), "{c} is not in countries.toml");
        }
        for l in GEO.language_country.keys() {
            assert!(
                GEO.languages.contains(l.split('-').next().unwrap()),
                "{l} not in languages"
            );
        }
    }
}
