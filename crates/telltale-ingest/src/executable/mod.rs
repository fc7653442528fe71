//! JavaScript embedded in executables. Each format has its reader:
//!
//! - [`bun`]: Bun standalone executables (`bun build --compile`, how `@anthropic-ai/claude-code`
//!   ships since 2.x): `package/claude › /$bunfs/root/cli`;
//! - [`sea`]: Node single executable applications: `app › main.js`;
//! - [`deno`]: `deno compile` executables: `app › file:///…/main.ts`, `app › main.ts`;
//! - [`pkg`]: `pkg` executables (vercel/pkg, `@yao-pkg/pkg`): `app › /snapshot/app/index.js`;
//! - [`nexe`]: `nexe` executables: `app › ./index.js`, `app › nexe:resources.zip`.
//!
//! [`embedded_modules`] tries them in turn. Every reader checks each offset and length against
//! the bytes it has and returns `None` for anything it cannot read, never a panic.

pub mod bun;
pub mod deno;
pub mod nexe;
pub mod pkg;
pub mod sea;

pub use bun::bun_modules;
pub use deno::deno_modules;
pub use nexe::nexe_modules;
pub use pkg::pkg_modules;
pub use sea::sea_modules;

use std::borrow::Cow;

/// A module found inside an executable, as source text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbeddedModule<'a> {
    /// The module's path inside the executable (`/$bunfs/root/cli`).
    pub name: String,
    /// Its source text: borrowed when the executable stores UTF-8, decoded when it stores
    /// another encoding (Bun's Latin-1 and UTF-16).
    pub text: Cow<'a, str>,
}

/// A payload an executable carries besides source text — an archive (a SEA asset
/// `copilot.tgz`), JSON, a native addon, a file of a virtual file system — for the pipeline
/// to load like a file of the package (archives opened, executables read again).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbeddedFile<'a> {
    /// How the executable names it: `asset:copilot.tgz`, `/$bunfs/root/keyring.node`,
    /// `/snapshot/app/lib/index.js`.
    pub name: String,
    /// Its bytes; owned when the container stored them compressed.
    pub bytes: Cow<'a, [u8]>,
}

/// Something an executable holds that could not be read as source: what it is, its size,
/// and why (`bytecode only`, `V8 startup snapshot`, `compressed with an unknown method`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub name: String,
    pub bytes: u64,
    pub why: String,
}

/// What an executable holds, when it is a format this module reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Embedded<'a> {
    /// `bun`, `node-sea`, `deno`, `pkg`, `nexe`, …
    pub format: &'static str,
    /// Source modules, analysed as JavaScript/TypeScript.
    pub modules: Vec<EmbeddedModule<'a>>,
    /// Other payloads, loaded by name and magic bytes like files of the package.
    pub files: Vec<EmbeddedFile<'a>>,
    /// Code the runtime runs that is not readable source; every entry makes the target's
    /// coverage incomplete.
    pub unreadable: Vec<Unreadable>,
}

impl<'a> Embedded<'a> {
    /// An empty result for `format`.
    pub fn new(format: &'static str) -> Self {
        Embedded {
            format,
            modules: Vec::new(),
            files: Vec::new(),
            unreadable: Vec::new(),
        }
    }
}

/// Whether bytes start like an executable (ELF, Mach-O, PE).
pub fn is_executable(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x7fELF")
        || bytes.starts_with(b"MZ")
        || matches!(
            bytes.get(..4),
            Some([0xcf, 0xfa, 0xed, 0xfe] | [0xce, 0xfa, 0xed, 0xfe] | [0xca, 0xfe, 0xba, 0xbe])
        )
}

/// The JavaScript embedded in an executable: a Bun module graph, a Node SEA blob, a
/// `deno compile` payload, a `pkg` snapshot or `nexe` resources.
pub fn embedded_modules(bytes: &[u8]) -> Option<Embedded<'_>> {
    bun_modules(bytes)
        .or_else(|| sea_modules(bytes))
        .or_else(|| deno_modules(bytes))
        .or_else(|| pkg_modules(bytes))
        .or_else(|| nexe_modules(bytes))
}

/// The functions an executable imports from shared libraries (ELF, Mach-O, PE), sorted;
/// empty for static or unreadable binaries.
pub fn imported_functions(bytes: &[u8]) -> Vec<String> {
    use object::Object;
    let Ok(file) = object::File::parse(bytes) else {
        return Vec::new();
    };
    let mut names: Vec<String> = file
        .imports()
        .unwrap_or_default()
        .iter()
        .filter_map(|i| std::str::from_utf8(i.name()).ok().map(str::to_string))
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Where a symbol's name (NUL-terminated, as string tables hold it) is in the file.
pub fn name_offset(bytes: &[u8], name: &str) -> Option<usize> {
    let mut needle = name.as_bytes().to_vec();
    needle.push(0);
    memchr::memmem::find(bytes, &needle)
}

/// Little-endian fields read one after another, each checked against the end.
pub(crate) struct Fields<'a> {
    pub data: &'a [u8],
    pub at: usize,
}

impl<'a> Fields<'a> {
    pub fn new(data: &'a [u8], at: usize) -> Self {
        Fields { data, at }
    }
    pub fn bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        let out = self.data.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(out)
    }
    pub fn u8(&mut self) -> Option<u8> {
        Some(self.bytes(1)?[0])
    }
    pub fn u32(&mut self) -> Option<usize> {
        usize::try_from(u32::from_le_bytes(self.bytes(4)?.try_into().ok()?)).ok()
    }
    pub fn u64(&mut self) -> Option<usize> {
        usize::try_from(u64::from_le_bytes(self.bytes(8)?.try_into().ok()?)).ok()
    }
    /// Bytes after their u32 length.
    pub fn with_u32_len(&mut self) -> Option<&'a [u8]> {
        let n = self.u32()?;
        self.bytes(n)
    }
    /// Bytes after their u64 length.
    pub fn with_u64_len(&mut self) -> Option<&'a [u8]> {
        let n = self.u64()?;
        self.bytes(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// This test binary is itself an executable linked against the C library.
    #[test]
    fn imports_of_a_dynamically_linked_executable_are_listed_with_their_names() {
        let exe = std::fs::read(std::env::current_exe().unwrap()).unwrap();
        let imports = imported_functions(&exe);
        if cfg!(all(target_os = "linux", target_env = "gnu")) {
            assert!(imports.iter().any(|n| n == "malloc"), "{imports:?}");
            let at = name_offset(&exe, "malloc").expect("the name is in the file");
            assert_eq!(&exe[at..at + 7], b"malloc\0");
        }
        assert!(imported_functions(b"\x7fELF not really").is_empty());
        assert!(imported_functions(b"").is_empty());
    }
}
