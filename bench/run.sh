#!/usr/bin/env bash
# Throughput of full analysis on large real bundles, against oxc parse + semantic alone.
# Fetches the bundles with `npm pack` into bench/cache (not committed); single core.
#   bash bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/fetch.sh
ts=$(fetch typescript@5.9.3 package/lib/typescript.js)
cc=$(fetch @anthropic-ai/claude-code@1.0.100 package/cli.js)
cargo build --release --quiet -p telltale -p telltale-js --examples
for f in "$ts" "$cc"; do
  target/release/examples/bench_js "$f" 11
done
echo
echo "end to end (telltale scan, 1 thread, whole package):"
for d in "$(dirname "$ts")" "$(dirname "$cc")"; do
  /usr/bin/time -f "  %e s wall, %M KB peak RSS  $d" target/release/telltale scan -j 1 --format json "$d" >/dev/null || true
done
