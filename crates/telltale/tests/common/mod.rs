//! Helpers shared by the integration tests that need the npm registry.

/// Whether the registry answers for `spec`; prints why not (`TELLTALE_SKIP_REGISTRY=1`
/// skips on purpose).
pub fn registry_reachable(spec: &str) -> bool {
    if std::env::var_os("TELLTALE_SKIP_REGISTRY").is_some() {
        eprintln!("skipped: TELLTALE_SKIP_REGISTRY is set");
        return false;
    }
    let cwd = std::env::current_dir().unwrap();
    let client = telltale_registry::Client::new(telltale_registry::Config::from_environment(&cwd));
    let parsed = telltale_registry::Spec::parse(spec).unwrap();
    match client.fetch(&parsed) {
        Ok(_) => true,
        Err(e) => {
            eprintln!("skipped: the npm registry cannot be reached ({e})");
            false
        }
    }
}
