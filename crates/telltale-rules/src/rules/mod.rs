//! The rules. Ids: TT1xx identity, TT2xx region, TT3xx endpoints and telemetry,
//! TT4xx obfuscation and dynamic code, TT5xx install time, TT6xx destructive, TT7xx consent,
//! TT8xx observed by `telltale probe` in the sandbox.

mod credential_use;
mod destructive_mass_write;
mod downloaded_file_run;
mod dynamic_code_from_network;
mod exfiltration_channel;
mod geoip_lookup;
mod hidden_endpoint;
mod identity_exfiltration;
mod identity_read;
mod identity_sent_without_opt_out;
mod install_script;
mod obfuscated_string;
mod opt_out_setting;
mod probe_files_destroyed;
mod probe_geoip_lookup;
mod probe_honey_leak;
mod probe_region_difference;
mod probe_sensitive_read;
mod region_conditional;
mod telemetry_endpoint;
mod telemetry_sdk;

pub use credential_use::CredentialUse;
pub use destructive_mass_write::DestructiveMassWrite;
pub use downloaded_file_run::DownloadedFileRun;
pub use dynamic_code_from_network::DynamicCodeFromNetwork;
pub use exfiltration_channel::ExfiltrationChannel;
pub use geoip_lookup::GeoipLookup;
pub use hidden_endpoint::HiddenEndpoint;
pub use identity_exfiltration::IdentityExfiltration;
pub use identity_read::IdentityRead;
pub use identity_sent_without_opt_out::IdentitySentWithoutOptOut;
pub use install_script::InstallScript;
pub use obfuscated_string::ObfuscatedString;
pub use opt_out_setting::OptOutSetting;
pub use probe_files_destroyed::ProbeFilesDestroyed;
pub use probe_geoip_lookup::ProbeGeoipLookup;
pub use probe_honey_leak::ProbeHoneyLeak;
pub use probe_region_difference::ProbeRegionDifference;
pub use probe_sensitive_read::ProbeSensitiveRead;
pub use region_conditional::RegionConditional;
pub use telemetry_endpoint::TelemetryEndpoint;
pub use telemetry_sdk::TelemetrySdk;

use crate::Rule;

pub(crate) static ALL: &[&dyn Rule] = &[
    &IdentityRead,
    &IdentityExfiltration,
    &CredentialUse,
    &RegionConditional,
    &GeoipLookup,
    &TelemetryEndpoint,
    &TelemetrySdk,
    &HiddenEndpoint,
    &ExfiltrationChannel,
    &ObfuscatedString,
    &DynamicCodeFromNetwork,
    &DownloadedFileRun,
    &InstallScript,
    &DestructiveMassWrite,
    &IdentitySentWithoutOptOut,
    &OptOutSetting,
    &ProbeRegionDifference,
    &ProbeHoneyLeak,
    &ProbeSensitiveRead,
    &ProbeGeoipLookup,
    &ProbeFilesDestroyed,
];

/// Helpers for rule fixtures.
#[cfg(test)]
pub(crate) mod fixture {
    use crate::{RawFinding, Rule};
    use telltale_facts::FileFacts;

    pub fn facts() -> FileFacts {
        FileFacts {
            file: "package/index.js".into(),
            ..Default::default()
        }
    }
    pub fn run(rule: &dyn Rule, f: &FileFacts) -> Vec<RawFinding> {
        let mut out = Vec::new();
        rule.check(f, &mut out);
        out
    }
}
