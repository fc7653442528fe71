//! Versioned migrations: numbered SQL files per dialect under `migrations/`, embedded in the
//! binary so a store can be created anywhere, applied in order inside one transaction and
//! recorded in `schema_migrations(version, applied_at)`. A store newer than the binary is
//! refused rather than written with an older idea of the schema.

use crate::StoreError;

/// The schema version this build writes: the number of the last migration.
pub const SCHEMA_VERSION: u32 = 4;

/// SQLite migrations, in order. Each file's number is its version.
pub(crate) const SQLITE: &[(u32, &str)] = &[
    (1, include_str!("../migrations/sqlite/0001_init.sql")),
    (
        2,
        include_str!("../migrations/sqlite/0002_firewall_verdicts.sql"),
    ),
    (3, include_str!("../migrations/sqlite/0003_watch.sql")),
    (
        4,
        include_str!("../migrations/sqlite/0004_watch_delivery.sql"),
    ),
];

/// PostgreSQL migrations, in order; the same versions as [`SQLITE`].
pub(crate) const POSTGRES: &[(u32, &str)] = &[
    (1, include_str!("../migrations/postgres/0001_init.sql")),
    (
        2,
        include_str!("../migrations/postgres/0002_firewall_verdicts.sql"),
    ),
    (3, include_str!("../migrations/postgres/0003_watch.sql")),
    (
        4,
        include_str!("../migrations/postgres/0004_watch_delivery.sql"),
    ),
];

/// Refuse a store that a newer telltale has migrated.
pub(crate) fn check_not_newer(found: i64) -> Result<u32, StoreError> {
    let found = u32::try_from(found)
        .map_err(|_| StoreError::Data(format!("schema version {found} in schema_migrations")))?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::SchemaTooNew {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_numbered_in_order_and_match_across_dialects() {
        for list in [SQLITE, POSTGRES] {
            let versions: Vec<u32> = list.iter().map(|(v, _)| *v).collect();
            assert_eq!(versions, (1..=SCHEMA_VERSION).collect::<Vec<_>>());
        }
    }
}
