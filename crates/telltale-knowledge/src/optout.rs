//! Settings that turn telemetry off: the environment variables of the toptout catalog
//! (`data/toptout/telemetry.json`, MIT, by Mathias Bynens et al.; see its LICENSE and
//! VERSION) and generic names any product uses (`DO_NOT_TRACK`, `*_TELEMETRY*`,
//! `*DISABLE*TRACK*`, `*OPT_OUT*`, `*NO_ANALYTICS*`, `*DISABLE_ERROR_REPORTING*`,
//! `*_NONESSENTIAL_TRAFFIC`), plus configuration keys (`telemetry.telemetryLevel`).

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
    let raw: Vec<RawProduct> = serde_json::from_str(include_str!("../data/toptout/telemetry.json")).expect("toptout catalog is valid JSON");
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
                    out.entry(name).or_insert(OptOutSetting { product: Some(product), opt_out_value: value });
                }
            }
        }
    }
    out
});

/// Generic names: what products call their off switch without a catalogue entry.
fn generic_env_name(name: &str) -> bool {
    let n = name.to_ascii_uppercase();
    if name != n || name.len() > 80 {
        return false;
    }
    n == "DO_NOT_TRACK"
        || n.contains("TELEMETRY")
        || n.contains("OPT_OUT")
        || n.contains("OPTOUT")
        || n.contains("NO_ANALYTICS")
        || n.contains("DISABLE_ANALYTICS")
        || n.contains("ANALYTICS_DISABLED")
        || n.contains("DISABLE_ERROR_REPORTING")
        || n.contains("DISABLE_CRASH_REPORT")
        || n.ends_with("_NONESSENTIAL_TRAFFIC")
        || (n.contains("DISABLE") && n.contains("TRACK"))
        || (n.contains("DISABLE") && n.contains("USAGE_STAT"))
}

/// Variables some catalogued product reads as an opt-out but that mean something else to
/// everyone else (`CI` disables Cordova's telemetry; elsewhere it only says "in CI").
const GENERAL_PURPOSE: &[&str] = &["CI", "CONTINUOUS_INTEGRATION", "BUILD_NUMBER", "RUN_ID", "DEBUG", "NODE_ENV", "TERM"];

/// The opt-out setting an environment variable is, if it is one.
pub fn env_setting(name: &str) -> Option<OptOutSetting> {
    if GENERAL_PURPOSE.contains(&name) {
        return None;
    }
    if let Some(s) = CATALOG.get(name) {
        return Some(*s);
    }
    generic_env_name(name).then_some(OptOutSetting { product: None, opt_out_value: None })
}

/// Whether a configuration key is a telemetry switch (`telemetry.telemetryLevel`,
/// `telemetry.enableTelemetry`, `usageStatisticsEnabled`, `analytics.enabled`).
pub fn is_config_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    if k.len() > 80 || k.contains(' ') {
        return false;
    }
    let topic = k.contains("telemetry") || k.contains("usagestatistics") || k.contains("analytics") || k.contains("crashreport");
    let switch = k.contains("enable") || k.contains("level") || k.contains("disable") || k.contains("optout") || k.contains("opt_out");
    topic && switch
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_and_generic_names() {
        let ng = env_setting("NG_CLI_ANALYTICS").unwrap();
        assert_eq!(ng.product, Some("Angular"));
        assert_eq!(ng.opt_out_value, Some("false"));
        for name in ["DO_NOT_TRACK", "DISABLE_TELEMETRY", "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "DISABLE_ERROR_REPORTING", "MYTOOL_OPT_OUT", "X_NO_ANALYTICS", "GATSBY_TELEMETRY_DISABLED"] {
            assert!(env_setting(name).is_some(), "{name}");
        }
        for name in ["NODE_ENV", "HOME", "TRACK_ID", "PATH", "DEBUG", "CI", "disable_telemetry_lowercase_is_not_env_style"] {
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
    }
}
