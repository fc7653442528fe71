//! Node single executable applications (`node --experimental-sea-config` + postject) carry a
//! `NODE_SEA_BLOB` resource (an ELF note, a Mach-O `NODE_SEA` segment, a PE resource) and
//! the flipped fuse `NODE_SEA_FUSE_…:1`. The blob starts with the magic `0x0143da20`; after it
//! came, by Node release, the code alone; flags and the code; flags, then the code as a
//! length-prefixed string (u64 length, bytes), then code cache and assets; and since Node 21
//! flags, the main script's path, the code. The reader tries the newest layout first and
//! takes the code only as UTF-8 text with no NUL. A blob built as a V8 snapshot
//! (`useSnapshot`) holds no source and is reported as skipped.
//!
//! Example: `app` → `app › sea.js`.

use super::{Embedded, EmbeddedModule, Fields, Unreadable};

/// The fuse postject flips when it injects a SEA blob (`…:0` in a plain `node`).
const SEA_FUSE: &[u8] = b"NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2:1";
const SEA_MAGIC: [u8; 4] = 0x0143_da20u32.to_le_bytes();
const SEA_USE_SNAPSHOT: u32 = 1 << 1;
/// Flags past the highest Node defines (assets, `1 << 3`, and room to grow) mean the magic
/// was a coincidence.
const SEA_MAX_FLAGS: u32 = 0xff;
/// Source of the older layouts runs to the end of the resource, which only the container
/// knows; it is taken up to the first NUL, within this bound.
const SEA_MAX_CODE: usize = 256 << 20;

/// The main script of a Node single executable application; `None` when the fuse is not
/// flipped or no blob reads.
pub fn sea_modules(bytes: &[u8]) -> Option<Embedded<'_>> {
    memchr::memmem::find(bytes, SEA_FUSE)?;
    memchr::memmem::find_iter(bytes, &SEA_MAGIC).find_map(|at| read_sea(&bytes[at..]))
}

/// A length-prefixed string of the SEA blob at `at`: (bytes, where the next field starts).
fn sea_string(blob: &[u8], at: usize) -> Option<(&[u8], usize)> {
    let mut fields = Fields::new(blob, at);
    let text = fields.with_u64_len()?;
    Some((text, fields.at))
}

/// Text up to the first NUL: the code of the layouts whose length is the resource's.
fn sea_rest(blob: &[u8], at: usize) -> Option<&[u8]> {
    let rest = blob.get(at..)?;
    let rest = &rest[..rest.len().min(SEA_MAX_CODE)];
    Some(&rest[..memchr::memchr(0, rest).unwrap_or(rest.len())])
}

fn sea_text(code: &[u8]) -> Option<&str> {
    std::str::from_utf8(code).ok().filter(|t| !t.trim().is_empty() && !t.contains('\0'))
}

/// A main script's path as Node stores it: one line of text, not code.
fn is_script_path(path: &[u8]) -> bool {
    (1..=4096).contains(&path.len()) && std::str::from_utf8(path).is_ok_and(|p| !p.chars().any(char::is_control))
}

fn sea<'a>(name: &str, text: &'a str) -> Embedded<'a> {
    let mut out = Embedded::new("node-sea");
    out.modules.push(EmbeddedModule { name: name.to_string(), text: text.into() });
    out
}

fn read_sea(blob: &[u8]) -> Option<Embedded<'_>> {
    let flags = u32::from_le_bytes(blob.get(4..8)?.try_into().ok()?);
    if flags <= SEA_MAX_FLAGS {
        if flags & SEA_USE_SNAPSHOT != 0 {
            let mut out = Embedded::new("node-sea");
            out.unreadable.push(Unreadable { name: "snapshot".into(), bytes: blob.len() as u64, why: "a V8 startup snapshot (useSnapshot): no source".into() });
            return Some(out);
        }
        // Node 21+: the main script's path, then its code.
        if let Some((path, next)) = sea_string(blob, 8).filter(|(p, _)| is_script_path(p)) {
            if let Some(text) = sea_string(blob, next).and_then(|(code, _)| sea_text(code)) {
                let path = String::from_utf8_lossy(path);
                let name = path.rsplit(['/', '\\']).next().unwrap_or(&path);
                return Some(sea(name, text));
            }
        }
        // Node 20: the code as a string, or the rest of the resource.
        if let Some(text) = sea_string(blob, 8).and_then(|(code, _)| sea_text(code)).or_else(|| sea_rest(blob, 8).and_then(sea_text)) {
            return Some(sea("sea.js", text));
        }
    }
    // Node 19.7: the code right after the magic.
    sea_rest(blob, 4).and_then(sea_text).map(|text| sea("sea.js", text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::executable::embedded_modules;

    /// An executable as postject leaves it: the flipped fuse somewhere, the blob elsewhere.
    fn sea_executable(blob: &[u8]) -> Vec<u8> {
        let mut exe = b"\x7fELF\x02\x01\x01\0 a node binary ".to_vec();
        exe.extend_from_slice(SEA_FUSE);
        exe.extend_from_slice(&[0; 64]);
        exe.extend_from_slice(blob);
        exe.extend_from_slice(&[0; 16]);
        exe
    }

    fn sea_blob(flags: u32, fields: &[&[u8]]) -> Vec<u8> {
        let mut blob = SEA_MAGIC.to_vec();
        blob.extend_from_slice(&flags.to_le_bytes());
        for f in fields {
            blob.extend_from_slice(&(f.len() as u64).to_le_bytes());
            blob.extend_from_slice(f);
        }
        blob
    }

    const SEA_CODE: &[u8] = b"require('https').get('https://t.example.com/?h=' + require('os').hostname())";

    #[test]
    fn node_sea_blob_yields_its_main_script_in_every_layout() {
        // Node 21+: path, code, then a code cache.
        let exe = sea_executable(&sea_blob(1 | 4, &[b"/home/dev/app/dist/main.js", SEA_CODE, b"\x01\x02cache"]));
        let e = embedded_modules(&exe).expect("blob found");
        assert_eq!((e.format, e.modules.len()), ("node-sea", 1));
        assert_eq!((e.modules[0].name.as_str(), e.modules[0].text.as_bytes()), ("main.js", SEA_CODE));
        // Node 20: flags and the code as one string.
        let exe = sea_executable(&sea_blob(0, &[SEA_CODE]));
        let e = sea_modules(&exe).expect("blob found");
        assert_eq!((e.modules[0].name.as_str(), e.modules[0].text.as_bytes()), ("sea.js", SEA_CODE));
        // Node 20.0: flags, then the code to the end of the resource.
        let mut blob = SEA_MAGIC.to_vec();
        blob.extend_from_slice(&0u32.to_le_bytes());
        blob.extend_from_slice(SEA_CODE);
        let exe = sea_executable(&blob);
        assert_eq!(sea_modules(&exe).expect("blob found").modules[0].text.as_bytes(), SEA_CODE);
        // Node 19.7: the code right after the magic.
        let mut blob = SEA_MAGIC.to_vec();
        blob.extend_from_slice(SEA_CODE);
        let exe = sea_executable(&blob);
        assert_eq!(sea_modules(&exe).expect("blob found").modules[0].text.as_bytes(), SEA_CODE);
    }

    #[test]
    fn node_sea_needs_the_flipped_fuse_and_skips_snapshots() {
        let blob = sea_blob(0, &[b"main.js", SEA_CODE]);
        let mut unflipped = sea_executable(&blob);
        let at = memchr::memmem::find(&unflipped, SEA_FUSE).unwrap();
        unflipped[at + SEA_FUSE.len() - 1] = b'0';
        assert!(sea_modules(&unflipped).is_none(), "a plain node binary holds no application");
        let snapshot = sea_executable(&sea_blob(SEA_USE_SNAPSHOT, &[b"main.js", b"\x00\x01v8 snapshot"]));
        let e = sea_modules(&snapshot).expect("blob found");
        assert_eq!((e.modules.len(), e.unreadable.len()), (0, 1));
        // A length past the end, binary bytes: no panic, no text.
        let mut broken = sea_blob(0, &[]);
        broken.truncate(8);
        broken.extend_from_slice(&u64::MAX.to_le_bytes());
        broken.extend_from_slice(b"\0\0\0");
        assert!(sea_modules(&sea_executable(&broken)).is_none());
        for cut in 0..blob.len() {
            let _ = sea_modules(&sea_executable(&blob[..cut]));
        }
    }
}
