//! Functions a native executable imports that read who and where the user is: a C or C++
//! program (or a Rust one linked against the system C library) that imports `gethostname`
//! or `GetUserNameW` reads the host or user name. Statically linked Go and musl binaries
//! import nothing; their strings are searched instead.

use std::collections::HashMap;
use std::sync::LazyLock;
use telltale_facts::DataKind;

#[derive(serde::Deserialize)]
struct Catalog {
    #[allow(dead_code)]
    source: String,
    imports: HashMap<String, DataKind>,
}

/// `data/native.toml`: imported names and what each reads.
static IMPORTS: LazyLock<HashMap<String, DataKind>> = LazyLock::new(|| {
    let c: Catalog =
        toml::from_str(include_str!("../data/native.toml")).expect("data/native.toml is valid");
    c.imports
});

/// What an imported function reads, if it reads identity (`_gethostname` on Mach-O too).
pub fn imported_source(symbol: &str) -> Option<DataKind> {
    let name = symbol.strip_prefix('_').unwrap_or(symbol);
    // Versioned ELF names: `gethostname@GLIBC_2.2.5`.
    let name = name.split('@').next().unwrap_or(name);
    IMPORTS.get(name).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_imports_and_everyday_ones() {
        assert_eq!(imported_source("gethostname"), Some(DataKind::Hostname));
        assert_eq!(imported_source("_gethostname"), Some(DataKind::Hostname));
        assert_eq!(
            imported_source("gethostname@GLIBC_2.2.5"),
            Some(DataKind::Hostname)
        );
        assert_eq!(imported_source("GetUserNameW"), Some(DataKind::Username));
        assert_eq!(
            imported_source("GetAdaptersAddresses"),
            Some(DataKind::NetworkInterfaces)
        );
        for everyday in [
            "uname",
            "getenv",
            "getpwnam",
            "printf",
            "GetTickCount",
            "gethostbyname",
        ] {
            assert_eq!(imported_source(everyday), None, "{everyday}");
        }
    }
}
