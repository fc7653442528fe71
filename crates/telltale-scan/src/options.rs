//! Scan options: limits, front-end knobs and registry access.

use telltale_ingest::Limits;

/// Knobs for a scan.
#[derive(Debug, Clone, Default)]
pub struct ScanOptions {
    pub limits: Limits,
    pub js: telltale_js::Options,
    pub python: telltale_python::Options,
    /// How `npm:` targets are fetched.
    pub npm: NpmOptions,
    /// `--deps`: scan the whole install closure of `npm:` targets.
    pub deps: bool,
    /// `--deps`, second pass: what the other packages of the closure export, by the module
    /// specifier that reaches it, for the packages that require them.
    pub dependency_exports: Option<std::sync::Arc<DependencyExports>>,
}

/// Module specifier (`@serverless/utils/is-in-china`) → its region exports and where each is.
pub type DependencyExports =
    std::collections::HashMap<String, Vec<(telltale_facts::ExportSummary, String)>>;

/// Registry access for `npm:name@version` targets.
#[derive(Debug, Clone)]
pub struct NpmOptions {
    pub registry: telltale_registry::Config,
    /// Whose platform packages (`optionalDependencies` restricted by os/cpu) to scan too;
    /// none scans the named package alone.
    pub platform: Option<telltale_registry::Platform>,
    /// The Python package index for `pypi:` targets (a PEP 691 simple API).
    pub pypi_index: String,
}

impl Default for NpmOptions {
    fn default() -> Self {
        let cwd = std::env::current_dir().unwrap_or_default();
        let pypi_index = std::env::var("PIP_INDEX_URL")
            .ok()
            .filter(|u| !u.trim().is_empty())
            .unwrap_or_else(|| telltale_registry::pypi::DEFAULT_INDEX.to_string());
        NpmOptions {
            registry: telltale_registry::Config::from_environment(&cwd),
            platform: Some(telltale_registry::Platform::current()),
            pypi_index,
        }
    }
}
