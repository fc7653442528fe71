//! `nexe` executables: a Node binary patched by nexe (its `_third_party_main.js`, from
//! `src/patches/boot-nexe.ts`), then the launch code, the resources and a trailer.
//!
//! Layout, as `src/compiler.ts` (`_assembleDeliverable`) writes it and `boot-nexe.ts` reads it
//! (nexe 3.3.7, 4.0 and 5.0 betas alike):
//!
//! ```text
//! base binary | launch code (code_size bytes) | resources (resources_size bytes)
//!             | "<nexe~~sentinel>" | f64 LE code_size | f64 LE resources_size
//! ```
//!
//! The runtime looks for the sentinel in the last 16 000 bytes of the file (so does this
//! reader: the first sentinel there, as `indexOf` finds it) and runs the launch
//! code: nexe's shims (`src/steps/shim.ts`), then `startup`. What the resources are changed:
//!
//! - nexe 3 (`src/fs/bundle.ts`, `src/fs/patch.ts`): the files back to back; the launch code
//!   starts `!(function () {process.__nexe = {"resources":{"./index.js":[offset, length],
//!   …}};` with paths relative to the build directory;
//! - nexe 4 and 5 (`src/fs/bundle.ts` on archiver, `src/fs/patch.ts` on `@yarnpkg/fslib`): a
//!   zip of the files under `snapshot/`, which the shims mount at `/snapshot`.
//!
//! The launch code is a module (`nexe:launch.js`: it runs first, and a packer may put anything
//! there); nexe 3 resources that are source become modules named as nexe names them
//! (`./index.js`), the others `files`; the nexe 4/5 zip is one file (`nexe:resources.zip`)
//! that the pipeline opens like any zip.
//!
//! Example: `app` → `app › ./index.js`.

use memchr::memmem;
use serde_json::Value;

use super::pkg::is_source_name;
use super::{Embedded, EmbeddedFile, EmbeddedModule, Unreadable};

const SENTINEL: &[u8] = b"<nexe~~sentinel>";
/// Where nexe 3 puts its resource index.
const INDEX: &[u8] = b"process.__nexe = ";

/// How far from the end the runtime looks for the trailer (`boot-nexe.ts`).
const TAIL: usize = 16_000;

/// The launch code and resources of a nexe executable; `None` when no trailer reads.
pub fn nexe_modules(bytes: &[u8]) -> Option<Embedded<'_>> {
    // As the runtime does: the first sentinel of the last 16 000 bytes, and no other (the
    // sentinel also stands in the patched runtime's code; trying every one would cost time
    // in proportion to their number).
    let tail = bytes.len().saturating_sub(TAIL);
    read_nexe(bytes, tail + memmem::find(&bytes[tail..], SENTINEL)?)
}

/// A size nexe wrote as a double: a whole, non-negative number that fits.
fn size_at(bytes: &[u8], at: usize) -> Option<usize> {
    let n = f64::from_le_bytes(bytes.get(at..at.checked_add(8)?)?.try_into().ok()?);
    (n.is_finite() && n >= 0.0 && n.fract() == 0.0 && n < 9_007_199_254_740_992.0)
        .then(|| usize::try_from(n as u64).ok())
        .flatten()
}

fn read_nexe(bytes: &[u8], at: usize) -> Option<Embedded<'_>> {
    let code_size = size_at(bytes, at + SENTINEL.len())?;
    let resources_size = size_at(bytes, at + SENTINEL.len() + 8)?;
    let resources_start = at.checked_sub(resources_size)?;
    let code_start = resources_start.checked_sub(code_size)?;
    let code = std::str::from_utf8(&bytes[code_start..resources_start])
        .ok()
        .filter(|c| !c.trim().is_empty())?;
    let resources = &bytes[resources_start..at];
    let mut out = Embedded::new("nexe");
    out.modules.push(EmbeddedModule {
        name: "nexe:launch.js".into(),
        text: code.into(),
    });
    if resources.is_empty() {
        return Some(out);
    }
    if resources.starts_with(b"PK\x03\x04") || resources.starts_with(b"PK\x05\x06") {
        out.files.push(EmbeddedFile {
            name: "nexe:resources.zip".into(),
            bytes: resources.into(),
        });
        return Some(out);
    }
    let Some(index) = resource_index(code) else {
        out.unreadable.push(Unreadable {
            name: "nexe:resources".into(),
            bytes: resources.len() as u64,
            why: "nexe resources without an index this reader knows".into(),
        });
        return Some(out);
    };
    for (name, place) in index {
        let Some(data) = place.as_array().and_then(|pair| {
            let [offset, len] = pair.as_slice() else {
                return None;
            };
            let (offset, len) = (
                usize::try_from(offset.as_u64()?).ok()?,
                usize::try_from(len.as_u64()?).ok()?,
            );
            resources.get(offset..offset.checked_add(len)?)
        }) else {
            continue; // out of the resources: the runtime cannot read it either
        };
        match std::str::from_utf8(data) {
            Ok(text) if is_source_name(&name) => out.modules.push(EmbeddedModule {
                name,
                text: text.into(),
            }),
            _ => out.files.push(EmbeddedFile {
                name,
                bytes: data.into(),
            }),
        }
    }
    Some(out)
}

/// nexe 3's `{"resources": {path: [offset, length]}}`, the first value after `process.__nexe = `.
fn resource_index(code: &str) -> Option<serde_json::Map<String, Value>> {
    let at = memmem::find(code.as_bytes(), INDEX)? + INDEX.len();
    let value = serde_json::Deserializer::from_str(&code[at..])
        .into_iter::<Value>()
        .next()?
        .ok()?;
    match value {
        Value::Object(mut header) => match header.remove("resources")? {
            Value::Object(resources) => Some(resources),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::executable::embedded_modules;

    const NEXE3: &[u8] = include_bytes!("../../tests/fixtures/executables/nexe3");
    const NEXE5: &[u8] = include_bytes!("../../tests/fixtures/executables/nexe5");

    #[test]
    fn nexe3_resources_yield_modules_and_files() {
        let e = embedded_modules(NEXE3).expect("trailer found");
        assert_eq!(e.format, "nexe");
        let names: Vec<&str> = e.modules.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["nexe:launch.js", "./index.js", "./lib/track.js"]);
        assert!(e.modules[0]
            .text
            .starts_with("!(function () {process.__nexe = {\"resources\":"));
        assert!(e.modules[1].text.contains("telltale-nexe-fixture"));
        assert!(e.modules[2]
            .text
            .contains("https.request(endpoint + '/collect'"));
        assert_eq!(e.files.len(), 1);
        assert_eq!(
            (e.files[0].name.as_str(), e.files[0].bytes.as_ref()),
            (
                "./config.json",
                &b"{\"endpoint\":\"https://t.example.com\"}\n"[..]
            )
        );
        assert!(e.unreadable.is_empty());
    }

    #[test]
    fn nexe5_resources_are_one_zip() {
        let e = nexe_modules(NEXE5).expect("trailer found");
        assert_eq!(e.modules.len(), 1);
        assert!(e.modules[0]
            .text
            .contains("fsPatcher.shimFs(process.__nexe);"));
        assert_eq!(e.files.len(), 1);
        assert_eq!(e.files[0].name, "nexe:resources.zip");
        // The zip holds the application under snapshot/.
        let t = crate::load_bytes(
            "resources.zip",
            &e.files[0].bytes,
            &crate::Limits::default(),
            &|_| true,
        )
        .expect("a zip");
        let paths: Vec<&str> = t.files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "snapshot/config.json",
                "snapshot/index.js",
                "snapshot/lib/track.js"
            ]
        );
        assert!(String::from_utf8_lossy(&t.files[1].bytes).contains("telltale-nexe-fixture"));
    }

    #[test]
    fn nexe_truncation_and_corrupt_sizes_never_panic() {
        for cut in 0..NEXE3.len() {
            let e = nexe_modules(&NEXE3[..cut]);
            assert!(e.is_none() || cut == NEXE3.len(), "cut {cut}");
        }
        for cut in (0..NEXE5.len()).step_by(61) {
            assert!(nexe_modules(&NEXE5[..cut]).is_none());
            let _ = nexe_modules(&NEXE5[cut..]);
        }
        let at = memmem::rfind(NEXE3, SENTINEL).unwrap() + SENTINEL.len();
        for bad in [
            f64::NAN,
            f64::INFINITY,
            -1.0,
            0.5,
            1e300,
            1e15,
            NEXE3.len() as f64,
        ] {
            for field in [at, at + 8] {
                let mut exe = NEXE3.to_vec();
                exe[field..field + 8].copy_from_slice(&bad.to_le_bytes());
                assert!(nexe_modules(&exe).is_none(), "{bad} at {field}");
            }
        }
        // An index pointing past the resources: that entry is left out.
        let mut exe = b"base".to_vec();
        let code = b"!(function () {process.__nexe = {\"resources\":{\"./a.js\":[0,3],\"./b.js\":[2,99],\"./c.js\":[18446744073709551615,1]}};})();";
        exe.extend_from_slice(code);
        exe.extend_from_slice(b"a()");
        exe.extend_from_slice(SENTINEL);
        exe.extend_from_slice(&(code.len() as f64).to_le_bytes());
        exe.extend_from_slice(&3f64.to_le_bytes());
        let e = nexe_modules(&exe).unwrap();
        assert_eq!(
            e.modules
                .iter()
                .map(|m| m.name.as_str())
                .collect::<Vec<_>>(),
            ["nexe:launch.js", "./a.js"]
        );
        assert!(nexe_modules(b"the runtime says '<nexe~~sentinel>' here").is_none());
        // Only the tail counts, as for the runtime: a trailer 16 000 bytes from the end is not read.
        let mut far = exe.clone();
        far.extend_from_slice(&vec![0; TAIL]);
        assert!(nexe_modules(&far).is_none());
    }
}
