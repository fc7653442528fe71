//! Bun standalone executables (`bun build --compile`, how `@anthropic-ai/claude-code` ships
//! since 2.x).
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

use super::{Embedded, EmbeddedFile, EmbeddedModule};
use object::{Object, ObjectSection};

const TRAILER: &[u8] = b"\n---- Bun! ----\n";
const OFFSETS_LEN: usize = 32;

/// The JavaScript modules a Bun standalone executable embeds; `None` when there is no Bun
/// module graph (a plain native binary) or it cannot be read.
pub fn bun_modules(bytes: &[u8]) -> Option<Embedded<'_>> {
    let payload = bun_payload(bytes)?;
    read_graph(payload)
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
    let mut out = Embedded::new("bun");
    for r in &records {
        let name = String::from_utf8_lossy(pointer(payload, r, 0)?).into_owned();
        let contents = pointer(payload, r, contents_at).unwrap_or_default();
        match std::str::from_utf8(contents).ok().filter(|t| looks_like_js(&name, t)) {
            Some(text) => out.modules.push(EmbeddedModule { name, text: text.into() }),
            None if !contents.is_empty() => out.files.push(EmbeddedFile { name, bytes: contents.into() }),
            None => {}
        }
    }
    Some(out)
}

/// Module sources Bun wrote (`// @bun`), or files named as scripts.
fn looks_like_js(name: &str, text: &str) -> bool {
    text.starts_with("// @bun") || ([".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx"].iter().any(|e| name.ends_with(e)) && !text.contains('\0'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::executable::is_executable;

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
        assert_eq!(e.files.len(), 1);
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
