//! `StoreError`: what went wrong, in words a person can act on, and whether trying again
//! later may help ([`StoreError::is_transient`]) — scan workers retry transient errors with
//! backoff and give up on the others.

use std::error::Error as _;

/// Everything the store can fail with.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The server could not be reached or refused the login. `url` has its password masked.
    #[error("cannot connect to {url}: {message}")]
    Connect {
        url: String,
        message: String,
        transient: bool,
    },
    #[error("sqlite store: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("postgres store: {}", postgres_message(.0))]
    Postgres(#[from] postgres::Error),
    /// The store was migrated by a newer telltale.
    #[error("the store is at schema version {found}, newer than this telltale supports (version {supported}); use a newer telltale or another store")]
    SchemaTooNew { found: u32, supported: u32 },
    #[error("{what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
    /// A value the caller passed (a URL, a date) that the store cannot use.
    #[error("{0}")]
    Invalid(String),
    /// Stored data that does not have the shape this code wrote.
    #[error("unexpected data in the store: {0}")]
    Data(String),
    #[error("cannot encode as JSON: {0}")]
    Json(#[from] serde_json::Error),
}

impl StoreError {
    /// True when the same call may succeed later: the connection or the disk failed, the
    /// server is shutting down or busy. False for constraint, schema and input errors.
    pub fn is_transient(&self) -> bool {
        match self {
            StoreError::Connect { transient, .. } => *transient,
            StoreError::Io { .. } => true,
            StoreError::Sqlite(e) => sqlite_transient(e),
            StoreError::Postgres(e) => postgres_transient(e),
            StoreError::SchemaTooNew { .. }
            | StoreError::Invalid(_)
            | StoreError::Data(_)
            | StoreError::Json(_) => false,
        }
    }
}

/// The server's message with its detail and hint, or the client's with its cause (the
/// top-level text of a client error is often just "error communicating with the server").
pub(crate) fn postgres_message(e: &postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        let mut s = format!("{} ({})", db.message(), db.code().code());
        if let Some(d) = db.detail() {
            s.push_str(&format!("; {d}"));
        }
        if let Some(h) = db.hint() {
            s.push_str(&format!("; hint: {h}"));
        }
        return s;
    }
    match e.source() {
        Some(cause) => format!("{e}: {cause}"),
        None => e.to_string(),
    }
}

fn sqlite_transient(e: &rusqlite::Error) -> bool {
    use rusqlite::ErrorCode::*;
    matches!(
        e.sqlite_error_code(),
        Some(
            DatabaseBusy
                | DatabaseLocked
                | SystemIoFailure
                | DiskFull
                | OutOfMemory
                | FileLockingProtocolFailed
        )
    )
}

pub(crate) fn postgres_transient(e: &postgres::Error) -> bool {
    if e.is_closed() {
        return true;
    }
    if let Some(db) = e.as_db_error() {
        let code = db.code().code();
        // 08: connection exception; 53: insufficient resources; 57: operator intervention
        // (shutdown, cancel); 40001/40P01: serialization failure and deadlock.
        return code.starts_with("08")
            || code.starts_with("53")
            || code.starts_with("57")
            || code == "40001"
            || code == "40P01";
    }
    // A client-side error caused by the socket is an I/O error somewhere down the chain.
    let mut cause = e.source();
    while let Some(c) = cause {
        if c.is::<std::io::Error>() {
            return true;
        }
        cause = c.source();
    }
    false
}

/// A connection URL fit for messages: the password (in the authority or as a
/// `password=` parameter) replaced by `***`.
pub fn redact_url(url: &str) -> String {
    let (head, query) = match url.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (url, None),
    };
    let mut out = match head.split_once("://") {
        Some((scheme, rest)) => {
            // The authority ends at the first '/'; its userinfo at the last '@'.
            let (authority, path) = match rest.find('/') {
                Some(i) => rest.split_at(i),
                None => (rest, ""),
            };
            let authority = match authority.rsplit_once('@') {
                Some((userinfo, host)) => match userinfo.split_once(':') {
                    Some((user, _password)) => format!("{user}:***@{host}"),
                    None => authority.to_string(),
                },
                None => authority.to_string(),
            };
            format!("{scheme}://{authority}{path}")
        }
        None => head.to_string(),
    };
    if let Some(q) = query {
        let params: Vec<String> = q
            .split('&')
            .map(|p| match p.split_once('=') {
                Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                _ => p.to_string(),
            })
            .collect();
        out.push('?');
        out.push_str(&params.join("&"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_masked() {
        assert_eq!(
            redact_url("postgres://u:s3cret@db:5432/t"),
            "postgres://u:***@db:5432/t"
        );
        assert_eq!(
            redact_url("postgresql://u@db/t?password=s3cret&sslmode=disable"),
            "postgresql://u@db/t?password=***&sslmode=disable"
        );
        assert_eq!(
            redact_url("postgres://u:p%40ss@db/t"),
            "postgres://u:***@db/t"
        );
        assert_eq!(redact_url("postgres://db/t"), "postgres://db/t");
    }

    #[test]
    fn transient_kinds() {
        assert!(StoreError::Connect {
            url: String::new(),
            message: String::new(),
            transient: true
        }
        .is_transient());
        assert!(!StoreError::SchemaTooNew {
            found: 9,
            supported: 1
        }
        .is_transient());
        let busy = rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(5), None);
        assert!(StoreError::Sqlite(busy).is_transient());
        let constraint = rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(19), None);
        assert!(!StoreError::Sqlite(constraint).is_transient());
    }
}
