//! The shipped questions ([`Query`]) and their answers ([`Table`]). Each question selects
//! from a view the migrations create (`region_gained`, `identity_endpoints_first_seen`,
//! `label_history`, `scan_summary`; `watch_alerts` is a table), so the same answer is one `SELECT` away in `sqlite3` or
//! `psql`; the parameters are filters and a total order on top.

use crate::sql::Dialect;
use crate::StoreError;
use std::fmt::Write;

/// A question the store answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    /// Packages whose versions scanned since `since` (RFC 3339 date or datetime) have a
    /// region finding (category `region`) that the package's previous version did not
    /// (same fingerprint, or same rule and countries). A package's first version is not
    /// listed: it has no previous version to gain against.
    RegionGainedSince { since: String },
    /// Versions that send identity (findings of category `exfiltration` or `identity` with
    /// endpoints) to an endpoint no earlier version of the same package sent identity to.
    /// A package's first version lists every such endpoint (`previous_version` empty).
    NewIdentityEndpoints { since: Option<String> },
    /// The privacy label of a package across its versions, oldest first: per version its
    /// latest successful scan's label, flattened to columns.
    LabelHistory { ecosystem: String, name: String },
    /// Every scan, newest first: package, version, scanned_at, telltale version, error,
    /// findings by severity.
    Scans { limit: usize },
    /// `telltale watch`'s alerts since a date (all without one), oldest first: when, the
    /// alert's key (`npm|name|version`) and the alert as JSON.
    Alerts { since: Option<String> },
}

/// A bound parameter.
#[derive(Debug, Clone)]
pub(crate) enum Param {
    Text(String),
    Int(i64),
}

impl Query {
    /// The SQL and its parameters for one dialect.
    pub(crate) fn to_sql(&self, d: Dialect) -> Result<(String, Vec<Param>), StoreError> {
        let ts = |c: &str| d.ts(c);
        Ok(match self {
            Query::RegionGainedSince { since } => (
                format!(
                    "SELECT ecosystem, name AS package, version, previous_version, {} AS scanned_at, rule, countries, severity, file, line \
                     FROM region_gained WHERE scanned_at >= {} \
                     ORDER BY ecosystem, name, scan_id, rule, countries, file, line",
                    ts("scanned_at"),
                    d.since("$1")
                ),
                vec![Param::Text(check_since(since)?)],
            ),
            Query::NewIdentityEndpoints { since } => {
                let (filter, params) = match since {
                    Some(s) => (format!("WHERE scanned_at >= {}", d.since("$1")), vec![Param::Text(check_since(s)?)]),
                    None => (String::new(), vec![]),
                };
                (
                    format!(
                        "SELECT ecosystem, name AS package, version, previous_version, {} AS scanned_at, endpoint, rule, findings \
                         FROM identity_endpoints_first_seen {filter} \
                         ORDER BY ecosystem, name, first_scanned_at, version_id, endpoint",
                        ts("scanned_at")
                    ),
                    params,
                )
            }
            Query::LabelHistory { ecosystem, name } => (
                format!(
                    "SELECT version, {} AS scanned_at, telltale_version, collects, sends, destinations, countries, opt_outs, install_scripts, activation \
                     FROM label_history WHERE ecosystem = $1 AND name = $2 \
                     ORDER BY first_scanned_at, version_id",
                    ts("scanned_at")
                ),
                vec![Param::Text(ecosystem.clone()), Param::Text(name.clone())],
            ),
            Query::Scans { limit } => (
                format!(
                    "SELECT scan_id, ecosystem, name AS package, version, {} AS scanned_at, telltale_version, error, critical, high, medium, low, info \
                     FROM scan_summary ORDER BY scanned_at DESC, scan_id DESC LIMIT $1",
                    ts("scanned_at")
                ),
                vec![Param::Int(i64::try_from(*limit).unwrap_or(i64::MAX))],
            ),
            Query::Alerts { since } => {
                let (filter, params) = match since {
                    Some(s) => (
                        format!("WHERE created_at >= {}", d.since("$1")),
                        vec![Param::Text(check_since(s)?)],
                    ),
                    None => (String::new(), vec![]),
                };
                (
                    format!(
                        "SELECT {} AS created_at, key, alert FROM watch_alerts {filter} ORDER BY created_at, key",
                        ts("created_at")
                    ),
                    params,
                )
            }
        })
    }
}

/// An RFC 3339 date (`2026-01-31`) or datetime (`2026-01-31T12:00:00Z`, `…+02:00`, no offset
/// meaning UTC), checked here so that both backends see only what both can read.
pub(crate) fn check_since(s: &str) -> Result<String, StoreError> {
    let bad = || {
        StoreError::Invalid(format!(
            "`{s}` is not an RFC 3339 date or datetime (2026-01-31 or 2026-01-31T12:00:00Z)"
        ))
    };
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|x| x.iter().all(u8::is_ascii_digit));
    if !(digits(0..4)
        && b.get(4) == Some(&b'-')
        && digits(5..7)
        && b.get(7) == Some(&b'-')
        && digits(8..10))
    {
        return Err(bad());
    }
    let num = |r: std::ops::Range<usize>| s.get(r).and_then(|x| x.parse::<u32>().ok()).unwrap_or(0);
    if !(1..=12).contains(&num(5..7)) || !(1..=31).contains(&num(8..10)) {
        return Err(bad());
    }
    if b.len() == 10 {
        return Ok(s.to_string());
    }
    // Time: HH:MM[:SS[.frac]] then Z or ±HH:MM or nothing.
    if !(matches!(b[10], b'T' | b't' | b' ')
        && digits(11..13)
        && b.get(13) == Some(&b':')
        && digits(14..16))
    {
        return Err(bad());
    }
    if num(11..13) > 23 || num(14..16) > 59 {
        return Err(bad());
    }
    let mut i = 16;
    if b.get(i) == Some(&b':') {
        if !digits(i + 1..i + 3) || num(i + 1..i + 3) > 60 {
            return Err(bad());
        }
        i += 3;
        if b.get(i) == Some(&b'.') {
            i += 1;
            let start = i;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if i == start {
                return Err(bad());
            }
        }
    }
    match &s[i..] {
        "" | "Z" | "z" => {}
        off if off.len() == 6
            && matches!(b[i], b'+' | b'-')
            && digits(i + 1..i + 3)
            && b[i + 3] == b':'
            && digits(i + 4..i + 6) => {}
        _ => return Err(bad()),
    }
    // SQLite wants an upper-case T and no lower-case z.
    let mut out = s.to_string();
    out.replace_range(10..11, "T");
    if out.ends_with('z') {
        out.pop();
        out.push('Z');
    }
    Ok(out)
}

/// An answer: named columns and rows of JSON values (text, numbers, null).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<serde_json::Value>>,
}

impl Table {
    /// Aligned columns under a header; numbers right-aligned, null as `-`.
    pub fn to_text(&self) -> String {
        let cell = |v: &serde_json::Value| match v {
            serde_json::Value::Null => "-".to_string(),
            serde_json::Value::String(s) if s.is_empty() => "-".to_string(),
            serde_json::Value::String(s) => s.replace(['\n', '\t'], " "),
            other => other.to_string(),
        };
        let cells: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|r| r.iter().map(cell).collect())
            .collect();
        let mut widths: Vec<usize> = self.columns.iter().map(|c| c.chars().count()).collect();
        for row in &cells {
            for (i, c) in row.iter().enumerate() {
                if let Some(w) = widths.get_mut(i) {
                    *w = (*w).max(c.chars().count());
                }
            }
        }
        let numeric: Vec<bool> = (0..self.columns.len())
            .map(|i| {
                !self.rows.is_empty()
                    && self
                        .rows
                        .iter()
                        .all(|r| r.get(i).is_some_and(|v| v.is_number() || v.is_null()))
            })
            .collect();
        let mut out = String::new();
        let line = |out: &mut String, row: &[String]| {
            let mut parts = Vec::with_capacity(row.len());
            for (i, c) in row.iter().enumerate() {
                let w = widths.get(i).copied().unwrap_or(0);
                let pad = " ".repeat(w.saturating_sub(c.chars().count()));
                parts.push(if numeric.get(i).copied().unwrap_or(false) {
                    format!("{pad}{c}")
                } else {
                    format!("{c}{pad}")
                });
            }
            let _ = writeln!(out, "{}", parts.join("  ").trim_end());
        };
        line(&mut out, &self.columns);
        line(
            &mut out,
            &widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>(),
        );
        for row in &cells {
            line(&mut out, row);
        }
        out
    }

    /// An array of objects keyed by column name.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::Value::Array(
            self.rows
                .iter()
                .map(|r| {
                    serde_json::Value::Object(
                        self.columns
                            .iter()
                            .cloned()
                            .zip(r.iter().cloned())
                            .collect(),
                    )
                })
                .collect(),
        )
    }

    /// The values of one column, by name (tests and callers picking one field).
    pub fn column(&self, name: &str) -> Vec<&serde_json::Value> {
        match self.columns.iter().position(|c| c == name) {
            Some(i) => self.rows.iter().filter_map(|r| r.get(i)).collect(),
            None => vec![],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn since_accepts_rfc3339_and_rejects_the_rest() {
        assert_eq!(check_since("2026-01-31").unwrap(), "2026-01-31");
        assert_eq!(
            check_since("2026-01-31t10:00:00z").unwrap(),
            "2026-01-31T10:00:00Z"
        );
        assert!(check_since("2026-01-31T10:00:00.123+02:00").is_ok());
        assert!(check_since("2026-01-31 10:00").is_ok());
        for bad in [
            "yesterday",
            "2026-13-01",
            "2026-01-31T25:00",
            "2026-01-31T10:00:00+2",
            "2026-01-31T10:00:00.Z",
            "'; DROP TABLE scans; --",
        ] {
            assert!(check_since(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn table_renders_text_and_json() {
        let t = Table {
            columns: vec!["package".into(), "n".into()],
            rows: vec![
                vec![json!("left-pad"), json!(3)],
                vec![json!("a"), json!(null)],
            ],
        };
        assert_eq!(
            t.to_text(),
            "package   n\n--------  -\nleft-pad  3\na         -\n"
        );
        assert_eq!(
            t.to_json(),
            json!([{"package": "left-pad", "n": 3}, {"package": "a", "n": null}])
        );
    }
}
