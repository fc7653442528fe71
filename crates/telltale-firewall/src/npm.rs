//! The npm registry protocol as the firewall speaks it: a package's document (`GET /name`,
//! `GET /@scope%2fname`) passes through with every version's `dist.tarball` pointed at the
//! firewall; a tarball (`GET /name/-/file.tgz`) is what gets judged.

use crate::integrity::Expected;
use crate::Known;
use serde_json::Value;

/// What a request path asks for.
#[derive(Debug, PartialEq, Eq)]
pub enum Route {
    /// A package's document, by name (`@scope/name` unescaped).
    Packument(String),
    /// A tarball: the package's name and the file's name.
    Tarball { name: String, file: String },
}

/// Read an npm request path (already known to be free of traversal and control characters).
pub fn route(path: &str) -> Option<Route> {
    let path = path.strip_prefix('/')?;
    let path = path
        .replace("%2f", "/")
        .replace("%2F", "/")
        .replace("%40", "@");
    let parts: Vec<&str> = path.split('/').collect();
    let (name, rest) = match parts.as_slice() {
        [scope, name, rest @ ..] if scope.starts_with('@') => (format!("{scope}/{name}"), rest),
        [name, rest @ ..] if !name.starts_with('@') => (name.to_string(), rest),
        _ => return None,
    };
    if !valid_name(&name) {
        return None;
    }
    match rest {
        [] => Some(Route::Packument(name)),
        ["-", file] if file.ends_with(".tgz") && !file.is_empty() => Some(Route::Tarball {
            name,
            file: file.to_string(),
        }),
        _ => None,
    }
}

/// npm's rules for a name, loosely: what the registry could hold, nothing that reads as a path.
fn valid_name(name: &str) -> bool {
    let bare = name
        .strip_prefix('@')
        .and_then(|s| s.split_once('/'))
        .map_or(name, |(_, n)| n);
    !name.is_empty()
        && name.len() <= 214
        && !bare.starts_with('.')
        && !bare.is_empty()
        && name.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'@' | b'/')
        })
        && name.matches('/').count() <= usize::from(name.starts_with('@'))
}

/// The name as the registry's URL path writes it (`@scope%2fname`).
pub fn escaped(name: &str) -> String {
    name.replace('/', "%2f")
}

/// Point every version's tarball at the firewall (`{base}/{name}/-/{file}`), and return what
/// each of those files must be: its version, where it really is, and the integrity the
/// registry published. Versions whose tarball has no checkable integrity keep no entry, so
/// their tarball is refused rather than served unchecked.
pub fn rewrite(doc: &mut Value, base: &str, upstream: &str) -> Vec<(String, Known)> {
    let mut known = Vec::new();
    let Some(name) = doc.get("name").and_then(Value::as_str).map(str::to_string) else {
        return known;
    };
    // The full document says when each version was published; the abbreviated one does not.
    let times: std::collections::HashMap<String, i64> = doc
        .get("time")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(v, t)| Some((v.clone(), crate::unix_time(t.as_str()?)?)))
                .collect()
        })
        .unwrap_or_default();
    let Some(versions) = doc.get_mut("versions").and_then(Value::as_object_mut) else {
        return known;
    };
    for (version, meta) in versions.iter_mut() {
        let Some(dist) = meta.get_mut("dist").and_then(Value::as_object_mut) else {
            continue;
        };
        let Some(tarball) = dist
            .get("tarball")
            .and_then(Value::as_str)
            .map(str::to_string)
        else {
            continue;
        };
        let expected = dist
            .get("integrity")
            .and_then(Value::as_str)
            .and_then(Expected::from_sri)
            .or_else(|| {
                dist.get("shasum")
                    .and_then(Value::as_str)
                    .and_then(|h| Expected::from_hex("sha1", h))
            });
        let file = tarball
            .rsplit('/')
            .next()
            .filter(|f| f.ends_with(".tgz"))
            .map(str::to_string)
            .unwrap_or_else(|| {
                format!("{}-{version}.tgz", name.rsplit('/').next().unwrap_or(&name))
            });
        let path = format!("/{name}/-/{file}");
        dist.insert(
            "tarball".into(),
            Value::String(format!("{}{}", base.trim_end_matches('/'), path)),
        );
        let Some(expected) = expected else { continue };
        let upstream_url = absolute(&tarball, upstream);
        known.push((
            path,
            Known {
                ecosystem: crate::Ecosystem::Npm,
                name: name.clone(),
                version: version.clone(),
                file,
                upstream: upstream_url,
                expected,
                published: times.get(version.as_str()).copied(),
            },
        ));
    }
    known
}

/// A tarball URL as published: absolute, or relative to the registry.
fn absolute(url: &str, upstream: &str) -> String {
    if url.starts_with("http://") || url.starts_with("https://") {
        url.to_string()
    } else {
        format!(
            "{}/{}",
            upstream.trim_end_matches('/'),
            url.trim_start_matches('/')
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_packages_and_tarballs_and_nothing_else() {
        assert_eq!(route("/lodash"), Some(Route::Packument("lodash".into())));
        assert_eq!(
            route("/@types%2fnode"),
            Some(Route::Packument("@types/node".into()))
        );
        assert_eq!(
            route("/@types/node/-/node-20.1.0.tgz"),
            Some(Route::Tarball {
                name: "@types/node".into(),
                file: "node-20.1.0.tgz".into()
            })
        );
        for bad in [
            "/",
            "/.hidden",
            "/a/b",
            "/lodash/-/x.zip",
            "/@scope",
            "/a%00b",
            "/a b",
            "/@a/b/c",
        ] {
            assert_eq!(route(bad), None, "{bad}");
        }
    }

    #[test]
    fn tarballs_point_at_the_firewall_and_keep_their_integrity() {
        let mut doc = serde_json::json!({
            "name": "@x/y",
            "versions": {
                "1.0.0": { "dist": { "tarball": "https://r.example/@x/y/-/y-1.0.0.tgz", "integrity": format!("sha512-{}", "A".repeat(86) + "==") } },
                "0.9.0": { "dist": { "tarball": "https://r.example/@x/y/-/y-0.9.0.tgz", "shasum": "0".repeat(40) } },
                "0.1.0": { "dist": { "tarball": "https://r.example/@x/y/-/y-0.1.0.tgz" } }
            }
        });
        let known = rewrite(&mut doc, "http://127.0.0.1:9/", "https://r.example/");
        assert_eq!(
            doc["versions"]["1.0.0"]["dist"]["tarball"],
            "http://127.0.0.1:9/@x/y/-/y-1.0.0.tgz"
        );
        assert_eq!(known.len(), 2, "the version with no integrity is not known");
        let (path, k) = known.iter().find(|(_, k)| k.version == "1.0.0").unwrap();
        assert_eq!(path, "/@x/y/-/y-1.0.0.tgz");
        assert_eq!(k.upstream, "https://r.example/@x/y/-/y-1.0.0.tgz");
        assert!(matches!(k.expected, Expected::Sha512(_)));
    }
}
