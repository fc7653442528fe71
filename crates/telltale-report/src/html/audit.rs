//! Checks that a page keeps its promises, for the tests of every page (scan, diff, probe):
//! every tag one the renderers write, no event handler, nothing loaded from anywhere (no URL
//! but the page's own fragments, no `url()` or `@import`), one script, allowed by its hash.
//! Text from a package is escaped, so each `<` left in a page starts a tag a renderer wrote.

use base64::Engine as _;
use sha2::{Digest, Sha256};

/// The tags the renderers write.
pub const OUR_TAGS: &[&str] = &[
    "!doctype",
    "html",
    "head",
    "meta",
    "title",
    "style",
    "body",
    "header",
    "main",
    "footer",
    "section",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "p",
    "span",
    "strong",
    "code",
    "pre",
    "mark",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "ul",
    "ol",
    "li",
    "dl",
    "dt",
    "dd",
    "details",
    "summary",
    "svg",
    "g",
    "rect",
    "text",
    "script",
    "blockquote",
];

/// What is wrong with a page, one line per problem; empty when nothing is.
pub fn problems(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for t in tags(html) {
        let name = t
            .trim_start_matches('/')
            .split(|c: char| c.is_ascii_whitespace())
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        if !OUR_TAGS.contains(&name.as_str()) {
            out.push(format!("a tag the renderers do not write: <{t}>"));
        }
        for (name, value) in attributes(t) {
            if name.starts_with("on") {
                out.push(format!("an event handler: <{t}>"));
            }
            if value.contains('"') || value.contains('<') {
                out.push(format!("an unescaped attribute value: <{t}>"));
            }
            if URL_ATTRIBUTES.contains(&name.as_str()) && !value.starts_with('#') {
                out.push(format!("{name} that is not a fragment of the page: <{t}>"));
            }
            if name == "style" && value.to_ascii_lowercase().contains("url(") {
                out.push(format!("url() in a style attribute: <{t}>"));
            }
        }
    }
    let css = between(html, "<style>", "</style>").to_ascii_lowercase();
    if css.contains("url(") || css.contains("@import") || css.contains("http") {
        out.push("the stylesheet loads something".into());
    }
    if html.matches("<script").count() != 1 {
        out.push(format!(
            "{} script elements, not the page's one",
            html.matches("<script").count()
        ));
    }
    let js = between(html, "<script>", "</script>");
    for word in [
        "http",
        "fetch",
        "XMLHttpRequest",
        "import",
        "src",
        "innerHTML",
        "WebSocket",
    ] {
        if js.contains(word) {
            out.push(format!("the script mentions {word}"));
        }
    }
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(js.as_bytes()));
    if !html.contains(&format!(
        "default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{hash}'"
    )) {
        out.push("the Content-Security-Policy does not allow exactly the page's script".into());
    }
    if !html.ends_with("</script>\n</body>\n</html>\n") {
        out.push("the page does not end as written: something closed it early".into());
    }
    out
}

/// The markup of every real tag: text content has every `<` escaped, so each `<` left
/// starts a tag the renderer wrote (and `>` in attribute values is escaped too).
pub fn tags(html: &str) -> Vec<&str> {
    html.split('<')
        .skip(1)
        .map(|s| &s[..s.find('>').unwrap_or(s.len())])
        .collect()
}

/// The attributes of a tag's markup, names lowercased, values as written.
pub fn attributes(tag: &str) -> Vec<(String, String)> {
    let b = tag.as_bytes();
    let mut i = tag
        .find(|c: char| c.is_ascii_whitespace())
        .unwrap_or(tag.len());
    let mut out = Vec::new();
    while i < b.len() {
        while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
            i += 1;
        }
        let start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'=' && b[i] != b'/' {
            i += 1;
        }
        let name = tag[start..i].to_ascii_lowercase();
        let mut value = String::new();
        if i < b.len() && b[i] == b'=' {
            i += 1;
            let (end, skip) = match b.get(i) {
                Some(&q @ (b'"' | b'\'')) => {
                    i += 1;
                    (tag[i..].find(q as char).map_or(b.len(), |k| i + k), 1)
                }
                _ => (
                    tag[i..]
                        .find(|c: char| c.is_ascii_whitespace())
                        .map_or(b.len(), |k| i + k),
                    0,
                ),
            };
            value = tag[i..end].to_string();
            i = (end + skip).min(b.len());
        }
        if !name.is_empty() {
            out.push((name, value));
        }
    }
    out
}

/// Attributes whose value the browser loads or follows.
pub const URL_ATTRIBUTES: [&str; 9] = [
    "src",
    "href",
    "xlink:href",
    "srcset",
    "action",
    "formaction",
    "poster",
    "data",
    "background",
];

/// The text between the first `open` and the next `close`; empty when either is missing.
pub fn between<'a>(html: &'a str, open: &str, close: &str) -> &'a str {
    let Some(a) = html.find(open).map(|a| a + open.len()) else {
        return "";
    };
    let b = html[a..].find(close).map_or(a, |k| a + k);
    &html[a..b]
}
