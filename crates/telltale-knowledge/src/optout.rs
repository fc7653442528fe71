//! Settings that turn telemetry off: the environment variables of the toptout catalog
//! (`data/toptout/telemetry.json`, MIT, by beatcracker; see its LICENSE and
//! VERSION) and generic names any product uses, matched word by word by the patterns of
//! `data/optout.toml` (`DO_NOT_TRACK`, `*_TELEMETRY`, `*TELEMETRY_DISABLED`, `*DISABLE*TRACK*`,
//! `*OPT_OUT*`, `*NO_ANALYTICS*`, `*DISABLE_ERROR_REPORTING*`, `*_NONESSENTIAL_TRAFFIC`); plus
//! configuration keys, methods and properties whose name says telemetry is on or off
//! (`telemetry.telemetryLevel`, `getUsageStatisticsEnabled()`, `settings.telemetry.enabled`).

use rustc_hash::FxHashMap as HashMap;
use serde::Deserialize;
use std::sync::LazyLock;

/// An opt-out setting recognised by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptOutSetting {
    /// The product whose catalogued setting this is; `None` for generic names.
    pub product: Option<&'static str>,
    /// The value the catalogue says opts out (`1`, `false`, `off`), when known.
    pub opt_out_value: Option<&'static str>,
}

#[derive(Deserialize)]
struct RawProduct {
    name: String,
    #[serde(default)]
    telemetry: Vec<RawTelemetry>,
}
#[derive(Deserialize)]
struct RawTelemetry {
    #[serde(default)]
    target: RawTarget,
}
#[derive(Deserialize, Default)]
struct RawTarget {
    env: Option<RawEnv>,
}
#[derive(Deserialize)]
struct RawEnv {
    scope: HashMap<String, RawScope>,
}
#[derive(Deserialize)]
struct RawScope {
    path: HashMap<String, String>,
    #[serde(default)]
    value: Option<RawValue>,
}
#[derive(Deserialize)]
struct RawValue {
    opt_out: Option<serde_json::Value>,
}

static CATALOG: LazyLock<HashMap<String, OptOutSetting>> = LazyLock::new(|| {
    let raw: Vec<RawProduct> = serde_json::from_str(include_str!("../data/toptout/telemetry.json"))
        .expect("toptout catalog is valid JSON");
    let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
    let mut out = HashMap::default();
    for p in raw {
        let product = leak(p.name);
        for t in p.telemetry {
            let Some(env) = t.target.env else { continue };
            for scope in env.scope.into_values() {
                let value = scope.value.and_then(|v| v.opt_out).and_then(|v| match v {
                    serde_json::Value::String(s) => Some(leak(s)),
                    serde_json::Value::Number(n) => Some(leak(n.to_string())),
                    serde_json::Value::Bool(b) => Some(leak(b.to_string())),
                    _ => None,
                });
                for name in scope.path.into_values() {
                    // A name several products read (`DO_NOT_TRACK`) is a convention: no product.
                    out.entry(name)
                        .and_modify(|s: &mut OptOutSetting| {
                            if s.product != Some(product) {
                                s.product = None;
                            }
                        })
                        .or_insert(OptOutSetting {
                            product: Some(product),
                            opt_out_value: value,
                        });
                }
            }
        }
    }
    out
});

#[derive(Deserialize)]
struct RawNames {
    source: String,
    env: Vec<RawEnvPattern>,
    switch: RawSwitch,
}
#[derive(Deserialize)]
struct RawEnvPattern {
    words: Vec<String>,
    #[serde(default)]
    last: bool,
}
#[derive(Deserialize)]
struct RawSwitch {
    topics: Vec<Vec<String>>,
    switches: Vec<Vec<String>>,
    alone: Vec<Vec<String>>,
}

/// One word of a pattern: alternatives, each exact, `PREFIX*`, `*SUFFIX` or `*PART*`.
struct WordPattern(Vec<&'static str>);

impl WordPattern {
    fn new(p: String) -> Self {
        WordPattern(
            p.to_ascii_uppercase()
                .split('|')
                .map(|a| &*Box::leak(a.to_string().into_boxed_str()))
                .collect(),
        )
    }
    fn matches(&self, word: &str) -> bool {
        self.0
            .iter()
            .any(|p| match (p.strip_prefix('*'), p.strip_suffix('*')) {
                (Some(_), Some(_)) => word.contains(p.trim_matches('*')),
                (None, Some(prefix)) => word.starts_with(prefix),
                (Some(suffix), None) => word.ends_with(suffix),
                (None, None) => word == *p,
            })
    }
}

/// The generic names of `data/optout.toml`.
struct Names {
    source: &'static str,
    env: Vec<(Vec<WordPattern>, bool)>,
    topics: Vec<Vec<WordPattern>>,
    switches: Vec<Vec<WordPattern>>,
    alone: Vec<Vec<WordPattern>>,
}

static NAMES: LazyLock<Names> = LazyLock::new(|| {
    let raw: RawNames =
        toml::from_str(include_str!("../data/optout.toml")).expect("data/optout.toml is valid");
    let seq = |ws: Vec<String>| ws.into_iter().map(WordPattern::new).collect::<Vec<_>>();
    let seqs = |l: Vec<Vec<String>>| l.into_iter().map(seq).collect::<Vec<_>>();
    Names {
        source: Box::leak(raw.source.into_boxed_str()),
        env: raw
            .env
            .into_iter()
            .map(|p| (seq(p.words), p.last))
            .collect(),
        topics: seqs(raw.switch.topics),
        switches: seqs(raw.switch.switches),
        alone: seqs(raw.switch.alone),
    }
});

/// Where the generic names come from.
pub fn source() -> &'static str {
    NAMES.source
}

/// Words of a name: `NEXT_TELEMETRY_DISABLED` → NEXT TELEMETRY DISABLED, `enableTelemetry` →
/// ENABLE TELEMETRY, `getUsageStatisticsEnabled` → GET USAGE STATISTICS ENABLED.
pub fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for ch in name.chars() {
        if !ch.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if ch.is_ascii_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = ch.is_ascii_lowercase() || ch.is_ascii_digit();
        cur.push(ch.to_ascii_uppercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Whether the pattern's words appear in `ws` in order, at most one other word between two
/// of them (and the last pattern word last, with `last`).
fn env_pattern_matches(pat: &[WordPattern], last: bool, ws: &[String]) -> bool {
    fn from(pat: &[WordPattern], last: bool, ws: &[String], at: usize, gap: usize) -> bool {
        let Some((p, rest)) = pat.split_first() else {
            return true;
        };
        (at..ws.len().min(at + gap + 1)).any(|i| {
            p.matches(&ws[i])
                && (!rest.is_empty() || !last || i + 1 == ws.len())
                && from(rest, last, ws, i + 1, 1)
        })
    }
    from(pat, last, ws, 0, ws.len())
}

/// Whether `ws` holds the pattern's words consecutively.
fn run_in(pat: &[WordPattern], ws: &[String]) -> bool {
    ws.windows(pat.len())
        .any(|w| w.iter().zip(pat).all(|(w, p)| p.matches(w)))
}

/// Generic names: what products call their off switch without a catalogue entry.
fn generic_env_name(name: &str) -> bool {
    if name.bytes().any(|b| b.is_ascii_lowercase()) || name.len() > 80 {
        return false;
    }
    let ws = words(name);
    NAMES
        .env
        .iter()
        .any(|(pat, last)| env_pattern_matches(pat, *last, &ws))
}

/// Whether a name may mention a telemetry topic (`telemetry`, `analytics`, `usage`, `report`,
/// `track`, any case): a cheap test before splitting it into words; allocates nothing.
pub fn mentions_topic(name: &str) -> bool {
    mentions(
        name,
        &["telemetry", "track"],
        &["analytics"],
        &["usage"],
        &["report"],
    )
}

/// Whether a name may hold a switch word (`enable`, `disable`, `level`, `opt`, any case).
pub fn mentions_switch(name: &str) -> bool {
    mentions(name, &[], &[], &[], &["enable", "disable", "level", "opt"])
}

/// Whether `name` holds one of the words (lower case), compared only where a byte starts one
/// of them: words starting with t, a, u, then any other (names of a bundle are checked by the
/// hundred thousand).
fn mentions(name: &str, t: &[&str], a: &[&str], u: &[&str], other: &[&str]) -> bool {
    let b = name.as_bytes();
    (0..b.len()).any(|i| {
        let words = match b[i] | 0x20 {
            b't' => t,
            b'a' => a,
            b'u' => u,
            _ => other,
        };
        words.iter().any(|w| {
            b.len() - i >= w.len()
                && w.as_bytes()[0] == b[i] | 0x20
                && b[i..i + w.len()].eq_ignore_ascii_case(w.as_bytes())
        })
    })
}

/// Whether a method, property or configuration key name says whether telemetry is on:
/// `getUsageStatisticsEnabled`, `isTelemetryEnabled`, `telemetry.enabled`,
/// `telemetry.telemetryLevel`, `doNotTrack` (see `[switch]` in `data/optout.toml`).
pub fn is_switch_name(name: &str) -> bool {
    if name.len() > 80 || name.len() < 8 || name.contains(' ') {
        return false;
    }
    // Most names of a bundle name no topic at all: skip the split for them.
    if !mentions_topic(name) {
        return false;
    }
    let ws = words(name);
    let n = &*NAMES;
    n.alone.iter().any(|p| run_in(p, &ws))
        || (n.topics.iter().any(|p| run_in(p, &ws)) && n.switches.iter().any(|p| run_in(p, &ws)))
}

/// Whether a command-line flag switches telemetry: a name with a topic and a switch word
/// (`--analytics-disable`, `--disable-telemetry`, `--telemetry-opt-out`), a topic negated
/// (`--no-telemetry`, `--no-usage-stats`), or, for a flag that takes no value (`boolean`:
/// `store_true`, `BooleanOptionalAction`, click's `is_flag` or `--x/--no-x`), the topic alone
/// (`--analytics`, `--telemetry`). `--analytics-log FILE` and `--telemetry-endpoint URL` are
/// not switches.
pub fn is_switch_flag(flag: &str, boolean: bool) -> bool {
    let name = flag.trim_start_matches('-');
    if name.is_empty() || name.len() > 80 || !mentions_topic(name) {
        return false;
    }
    let ws = words(name);
    let n = &*NAMES;
    let topic_at = |ws: &[String]| {
        n.topics
            .iter()
            .any(|p| p.len() == ws.len() && run_in(p, ws))
    };
    is_switch_name(name)
        || (ws.first().is_some_and(|w| w == "NO") && topic_at(&ws[1..]))
        || (boolean && topic_at(&ws))
}

/// Variables some catalogued product reads as an opt-out but that mean something else to
/// everyone else (`CI` disables Cordova's telemetry; elsewhere it only says "in CI").
const GENERAL_PURPOSE: &[&str] = &[
    "CI",
    "CONTINUOUS_INTEGRATION",
    "BUILD_NUMBER",
    "RUN_ID",
    "DEBUG",
    "NODE_ENV",
    "TERM",
];

/// Words that make a property a telemetry switch, when it also ends (or, verb first, starts)
/// like one.
const SWITCH_WORDS: &[&str] = &[
    "telemetry",
    "usagestatistic",
    "usagestats",
    "analytics",
    "tracking",
    "crashreport",
    "errorreporting",
    "metrics",
];

/// Whether a property name looks like a telemetry on/off switch (`usageStatisticsEnabled`,
/// `telemetryDisabled`, `analyticsOptOut`, Python's `disable_telemetry`).
pub fn is_switch_property(key: &str) -> bool {
    if key.len() < 10 || key.len() > 48 {
        return false;
    }
    let k = key.to_ascii_lowercase().replace(['_', '-'], "");
    let switch = [
        "enabled", "disabled", "optout", "optin", "enable", "disable",
    ];
    // `telemetryDisabled`, or verb first as Python names attributes: `disable_telemetry`,
    // `enable_analytics`, `no_telemetry` (not an environment variable's `DISABLE_TELEMETRY`,
    // which the environment reads judge).
    let attribute = key.bytes().any(|b| b.is_ascii_lowercase());
    (switch.iter().any(|e| k.ends_with(e))
        || attribute
            && ["disable", "enable", "optout", "optin", "no"]
                .iter()
                .any(|v| {
                    k.strip_prefix(v)
                        .is_some_and(|rest| SWITCH_WORDS.iter().any(|w| rest.starts_with(w)))
                }))
        && SWITCH_WORDS.iter().any(|w| k.contains(w))
}

/// The opt-out setting an environment variable is, if it is one.
pub fn env_setting(name: &str) -> Option<OptOutSetting> {
    // Asked of every property name in a condition: most are camelCase, and only a few
    // catalogued names have lower case letters.
    if name.len() > 80 {
        return None;
    }
    if name.bytes().any(|b| b.is_ascii_lowercase()) {
        return MIXED_CASE.iter().find(|(n, _)| *n == name).map(|(_, s)| *s);
    }
    if GENERAL_PURPOSE.contains(&name) {
        return None;
    }
    if let Some(s) = CATALOG.get(name) {
        return Some(*s);
    }
    generic_env_name(name).then_some(OptOutSetting {
        product: None,
        opt_out_value: None,
    })
}

/// Catalogued names with lower case letters (`DisableTelemetry`).
static MIXED_CASE: LazyLock<Vec<(&'static str, OptOutSetting)>> = LazyLock::new(|| {
    CATALOG
        .iter()
        .filter(|(n, _)| n.bytes().any(|b| b.is_ascii_lowercase()))
        .map(|(n, s)| (&*Box::leak(n.clone().into_boxed_str()), *s))
        .collect()
});

/// Whether a configuration key is a telemetry switch (`telemetry.telemetryLevel`,
/// `telemetry.enableTelemetry`, `usageStatisticsEnabled`, `analytics.enabled`).
pub fn is_config_key(key: &str) -> bool {
    is_switch_name(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn switch_properties_in_either_order_but_not_environment_names() {
        for yes in [
            "usageStatisticsEnabled",
            "telemetryDisabled",
            "analyticsOptOut",
            "disable_telemetry",
            "enable_analytics",
            "no_telemetry_at_all",
        ] {
            assert!(is_switch_property(yes), "{yes}");
        }
        for no in [
            "DISABLE_TELEMETRY",
            "telemetry_endpoint",
            "disable_cache_dir",
            "anonymous_telemetry",
        ] {
            assert!(!is_switch_property(no), "{no}");
        }
    }

    #[test]
    fn command_line_switches() {
        for (flag, boolean) in [
            ("--analytics-disable", true),
            ("--disable-telemetry", true),
            ("--no-telemetry", true),
            ("--no-usage-stats", false),
            ("--analytics", true),
            ("--telemetry-opt-out", true),
        ] {
            assert!(is_switch_flag(flag, boolean), "{flag} switches telemetry");
        }
        for (flag, boolean) in [
            ("--analytics", false),
            ("--analytics-log", false),
            ("--telemetry-endpoint", false),
            ("--no-color", true),
            ("--tracking-id", false),
        ] {
            assert!(!is_switch_flag(flag, boolean), "{flag} is no switch");
        }
    }

    #[test]
    fn catalogue_and_generic_names() {
        assert_eq!(
            env_setting("DO_NOT_TRACK").unwrap().product,
            None,
            "read by many products"
        );
        let ng = env_setting("NG_CLI_ANALYTICS").unwrap();
        assert_eq!(ng.product, Some("Angular"));
        assert_eq!(ng.opt_out_value, Some("false"));
        for name in [
            "DO_NOT_TRACK",
            "DISABLE_TELEMETRY",
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC",
            "DISABLE_ERROR_REPORTING",
            "MYTOOL_OPT_OUT",
            "X_NO_ANALYTICS",
            "GATSBY_TELEMETRY_DISABLED",
        ] {
            assert!(env_setting(name).is_some(), "{name}");
        }
        for name in [
            "NODE_ENV",
            "HOME",
            "TRACK_ID",
            "PATH",
            "DEBUG",
            "CI",
            "disable_telemetry_lowercase_is_not_env_style",
        ] {
            assert!(env_setting(name).is_none(), "{name}");
        }
    }

    #[test]
    fn config_keys() {
        assert!(is_config_key("telemetry.telemetryLevel"));
        assert!(is_config_key("telemetry.enableTelemetry"));
        assert!(is_config_key("usageStatisticsEnabled"));
        assert!(!is_config_key("editor.fontSize"));
        assert!(!is_config_key("telemetry"));
        assert!(!is_config_key("telemetry.internalTesting"));
    }

    #[test]
    fn generic_env_names_match_word_by_word() {
        for name in [
            "FOO_TELEMETRY",
            "FOO_DISABLE_TELEMETRY",
            "FOO_TELEMETRY_DISABLED",
            "BAR_ENABLE_TELEMETRY",
            "BAR_TELEMETRY_OPTOUT",
            "DISABLE_QUICK_TELEMETRY",
            "MYTOOL_DISABLE_TRACKING",
            "MYTOOL_TRACKING_DISABLED",
            "FOO_OPTOUT",
            "HOMEBREW_NO_ANALYTICS_THIS_RUN",
            "FOO_DISABLE_USAGE_STATS",
            "FOO_DISABLE_CRASH_REPORTS",
        ] {
            assert!(env_setting(name).is_some(), "{name} is an opt-out");
        }
        // Substrings are not words: PIANO has no NO, ADOPT_OUTPUT no OPT OUT, BACKTRACKING no
        // TRACKING; a TELEMETRY word with no switch configures telemetry, it does not stop it.
        for name in [
            "PIANO_ANALYTICS",
            "ADOPT_OUTPUT",
            "DISABLE_BACKTRACKING",
            "GEMINI_STRICT_TELEMETRY_LIMITS",
            "FOO_TELEMETRY_ENDPOINT",
            "FOO_TELEMETRY_OPTIONS",
            "SEGMENT_ANALYTICS_KEY",
            "TRACKING_ID",
        ] {
            assert!(env_setting(name).is_none(), "{name} is not an opt-out");
        }
    }

    #[test]
    fn switch_names_of_methods_and_properties() {
        assert!(
            env_setting("DisableTelemetry").is_some(),
            "catalogued with lower case"
        );
        for name in [
            "getUsageStatisticsEnabled",
            "isTelemetryEnabled",
            "usageStatisticsEnabled",
            "telemetry.enabled",
            "disableAnalytics",
            "crashReportingEnabled",
            "doNotTrack",
            "telemetryOptOut",
        ] {
            assert!(is_switch_name(name), "{name} is a telemetry switch");
        }
        for name in [
            "isEnabled",
            "enabled",
            "getTelemetryClient",
            "telemetry.send",
            "trackingEnabled",
            "trackEvent",
            "analyticsId",
            "reportError",
            "usageCount",
            "disableCache",
        ] {
            assert!(!is_switch_name(name), "{name} is not a telemetry switch");
        }
    }

    #[test]
    fn words_split_snake_and_camel_case() {
        assert_eq!(words("enableTelemetry"), vec!["ENABLE", "TELEMETRY"]);
        assert_eq!(
            words("NEXT_TELEMETRY_DISABLED"),
            vec!["NEXT", "TELEMETRY", "DISABLED"]
        );
        assert_eq!(
            words("settings.telemetry.enabled"),
            vec!["SETTINGS", "TELEMETRY", "ENABLED"]
        );
    }
}
