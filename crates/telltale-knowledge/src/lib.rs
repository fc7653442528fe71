//! Knowledge is data, not code. Each catalog lives in `data/*.toml`, is embedded at build time
//! and says where its facts came from.

pub mod credentials;
pub mod geo;
pub mod js_api;
pub mod native;
pub mod optout;
mod path_table;
pub mod py_api;
pub mod strings;
pub mod vendors;

/// Telemetry attribute keys are the SDKs' wire names (OpenTelemetry's semantic conventions,
/// analytics properties), the same in every language: the Python front end asks the same
/// table as the JavaScript one.
pub mod telemetry_attributes {
    use telltale_facts::DataKind;

    /// Whether a key names an attribute telemetry SDKs send with every event (`host.name`).
    pub fn is_attribute(key: &str) -> bool {
        crate::js_api::js_api().is_telemetry_attribute(key)
    }
    /// What the attribute holds when its name says so (`user.email`, `user.id`).
    pub fn names(key: &str) -> Option<DataKind> {
        crate::js_api::js_api().attribute_names(key)
    }
}
