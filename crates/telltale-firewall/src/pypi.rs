//! PyPI's simple repository API (PEP 503 HTML, PEP 691 JSON) as the firewall speaks it: a
//! project's page (`GET /-/pypi/simple/<project>/`) passes through with each file's URL
//! pointed at the firewall (`/-/pypi/files/<n>/<filename>`, keeping the `#sha256=` fragment
//! pip checks); a file is what gets judged.

use crate::integrity::Expected;
use crate::{Ecosystem, Known};
use serde_json::Value;

/// The PEP 691 JSON media type.
pub const JSON_TYPE: &str = "application/vnd.pypi.simple.v1+json";

/// A project name as PEP 503 normalises it.
pub fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut sep = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            sep = true;
            continue;
        }
        if sep && !out.is_empty() {
            out.push('-');
        }
        sep = false;
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// A project name a page may be asked for: letters, digits, `-_.`.
pub fn valid_project(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 200
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && !name.starts_with('.')
}

/// The version in a distribution's file name: wheels `name-version-…whl`, sdists
/// `name-version.tar.gz` / `.zip`.
pub fn version_of(project: &str, file: &str) -> String {
    let stem = file
        .strip_suffix(".tar.gz")
        .or_else(|| file.strip_suffix(".zip"))
        .or_else(|| file.strip_suffix(".tar.bz2"))
        .or_else(|| file.strip_suffix(".whl"))
        .unwrap_or(file);
    let wanted = normalize(project);
    // The name part is as many `-`-separated pieces as normalise to the project's name.
    let pieces: Vec<&str> = stem.split('-').collect();
    for i in 1..pieces.len() {
        if normalize(&pieces[..i].join("-")) == wanted {
            return pieces[i].to_string();
        }
    }
    pieces.get(1).unwrap_or(&"").to_string()
}

/// One file of a project page.
struct File {
    url: String,
    name: String,
    expected: Option<Expected>,
    /// PEP 700's `upload-time`, in JSON pages.
    published: Option<i64>,
}

/// Rewrite a project page (JSON or HTML, as `content_type` says) so its files are fetched
/// through the firewall; `register` gives each file its path there. Files without a sha256
/// are listed but never served (the firewall cannot check them).
pub fn rewrite(
    body: &str,
    content_type: &str,
    project: &str,
    page_url: &str,
    register: &mut dyn FnMut(Known) -> String,
) -> Option<String> {
    let mut file_known = |f: File| -> String {
        let version = version_of(project, &f.name);
        match f.expected {
            Some(expected) => register(Known {
                ecosystem: Ecosystem::Pypi,
                name: normalize(project),
                version,
                file: f.name,
                upstream: f.url,
                expected,
                published: f.published,
            }),
            None => "/-/pypi/unchecked".to_string(),
        }
    };
    if content_type.contains("json") {
        let mut doc: Value = serde_json::from_str(body).ok()?;
        for f in doc.get_mut("files")?.as_array_mut()? {
            let Some(url) = f.get("url").and_then(Value::as_str) else {
                continue;
            };
            let url = join(page_url, url);
            let name = f
                .get("filename")
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| file_name(&url));
            let expected = f
                .get("hashes")
                .and_then(|h| h.get("sha256"))
                .and_then(Value::as_str)
                .and_then(|h| Expected::from_hex("sha256", h));
            let published = f
                .get("upload-time")
                .and_then(Value::as_str)
                .and_then(crate::unix_time);
            let path = file_known(File {
                url: strip_fragment(&url),
                name,
                expected,
                published,
            });
            f["url"] = Value::String(path);
        }
        return serde_json::to_string(&doc).ok();
    }
    // HTML: every `href="…"` of an anchor; the rest of the page as it was.
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(i) = rest.find("href=\"") {
        let start = i + 6;
        let Some(len) = rest[start..].find('"') else {
            break;
        };
        out.push_str(&rest[..start]);
        let href = html_unescape(&rest[start..start + len]);
        let url = join(page_url, &href);
        let (plain, fragment) = match url.split_once('#') {
            Some((u, f)) => (u.to_string(), Some(f.to_string())),
            None => (url.clone(), None),
        };
        let expected = fragment
            .as_deref()
            .and_then(|f| f.strip_prefix("sha256="))
            .and_then(|h| Expected::from_hex("sha256", h));
        let path = file_known(File {
            name: file_name(&plain),
            url: plain,
            expected,
            published: None,
        });
        out.push_str(&path);
        if let Some(f) = fragment {
            out.push('#');
            out.push_str(&f);
        }
        rest = &rest[start + len..];
    }
    out.push_str(rest);
    Some(out)
}

fn strip_fragment(url: &str) -> String {
    url.split('#').next().unwrap_or(url).to_string()
}

fn file_name(url: &str) -> String {
    strip_fragment(url)
        .rsplit('/')
        .next()
        .unwrap_or("")
        .to_string()
}

/// `&amp;` and friends in an attribute, as pages write query strings.
fn html_unescape(s: &str) -> String {
    s.replace("&amp;", "&")
        .replace("&#38;", "&")
        .replace("&quot;", "\"")
        .replace("&#x2F;", "/")
}

/// A link on a page, made absolute against the page's URL.
fn join(page: &str, link: &str) -> String {
    if link.starts_with("http://") || link.starts_with("https://") {
        return link.to_string();
    }
    let origin_end = page
        .find("://")
        .and_then(|i| page[i + 3..].find('/').map(|j| i + 3 + j))
        .unwrap_or(page.len());
    if link.starts_with("//") {
        let scheme = page.split("://").next().unwrap_or("https");
        return format!("{scheme}:{link}");
    }
    if link.starts_with('/') {
        return format!("{}{link}", &page[..origin_end]);
    }
    let dir = match page.rfind('/') {
        Some(i) if i >= origin_end => &page[..=i],
        _ => page,
    };
    // `../../packages/…` as PyPI's own pages write them.
    let mut base: Vec<&str> = dir.trim_end_matches('/').split('/').collect();
    let mut rest = link;
    loop {
        if let Some(r) = rest.strip_prefix("../") {
            if base.len() > 3 {
                base.pop();
            }
            rest = r;
        } else if let Some(r) = rest.strip_prefix("./") {
            rest = r;
        } else {
            break;
        }
    }
    format!("{}/{rest}", base.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_versions_and_links() {
        assert_eq!(normalize("Foo.Bar_baz"), "foo-bar-baz");
        assert_eq!(
            version_of("antchain-sdk-acc", "antchain_sdk_acc-1.0.0.tar.gz"),
            "1.0.0"
        );
        assert_eq!(
            version_of("requests", "requests-2.32.3-py3-none-any.whl"),
            "2.32.3"
        );
        assert_eq!(
            join(
                "https://pypi.org/simple/x/",
                "../../packages/ab/x-1.0.tar.gz"
            ),
            "https://pypi.org/packages/ab/x-1.0.tar.gz"
        );
        assert_eq!(
            join("http://127.0.0.1:8/simple/x/", "/files/x-1.0.tar.gz"),
            "http://127.0.0.1:8/files/x-1.0.tar.gz"
        );
        assert!(valid_project("PyYAML") && !valid_project("../x") && !valid_project("a/b"));
    }

    #[test]
    fn html_and_json_pages_point_at_the_firewall() {
        let hash = "a".repeat(64);
        let html = format!("<html><body><a href=\"/files/x-1.0.tar.gz#sha256={hash}\">x-1.0.tar.gz</a><a href=\"/files/x-0.9.tar.gz\">x-0.9.tar.gz</a></body></html>");
        let mut known = Vec::new();
        let mut register = |k: Known| {
            known.push(k);
            format!(
                "/-/pypi/files/{}/{}",
                known.len(),
                known.last().unwrap().file
            )
        };
        let out = rewrite(
            &html,
            "text/html",
            "x",
            "http://up/simple/x/",
            &mut register,
        )
        .unwrap();
        assert!(
            out.contains(&format!(
                "href=\"/-/pypi/files/1/x-1.0.tar.gz#sha256={hash}\""
            )),
            "{out}"
        );
        assert!(out.contains("href=\"/-/pypi/unchecked\""), "{out}");
        assert_eq!(known.len(), 1);
        assert_eq!(known[0].upstream, "http://up/files/x-1.0.tar.gz");
        assert_eq!(known[0].version, "1.0");

        let json = serde_json::json!({"meta": {"api-version": "1.0"}, "name": "x", "files": [
            {"filename": "x-1.0-py3-none-any.whl", "url": "https://files.example/x-1.0-py3-none-any.whl", "hashes": {"sha256": hash}}
        ]})
        .to_string();
        let mut known = Vec::new();
        let mut register = |k: Known| {
            known.push(k);
            "/-/pypi/files/7/x-1.0-py3-none-any.whl".to_string()
        };
        let out = rewrite(
            &json,
            JSON_TYPE,
            "x",
            "https://pypi.example/simple/x/",
            &mut register,
        )
        .unwrap();
        let doc: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            doc["files"][0]["url"],
            "/-/pypi/files/7/x-1.0-py3-none-any.whl"
        );
        assert_eq!(
            known[0].upstream,
            "https://files.example/x-1.0-py3-none-any.whl"
        );
    }
}
