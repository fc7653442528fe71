#!/usr/bin/env bash
# What the region analysis (guards, provenance, value choices) costs on the two big bundles of
# the AI assistants: the time of `region guards` (printed by TELLTALE_PHASE_TIMES=1) against the
# whole JS analysis of the same files, median of N runs. Needs the registry (cached after the
# first run). Usage: bash bench/region.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-3}
cargo build --release --locked -q -p telltale
for spec in "npm:@anthropic-ai/claude-code@2.1.332 --platform linux-x64" "npm:@google/gemini-cli@0.61.0"; do
  for i in $(seq "$n"); do
    # shellcheck disable=SC2086
    TELLTALE_PHASE_TIMES=1 target/release/telltale scan $spec --format json -o /dev/null 2>"/tmp/region-bench-$i.txt" || true
  done
  python3 - "$spec" "$n" <<'PY'
import re, sys, statistics
spec, n = sys.argv[1], int(sys.argv[2])
shares, regions, totals = [], [], []
for i in range(1, n + 1):
    total = region = 0.0
    for line in open(f"/tmp/region-bench-{i}.txt", errors="replace"):
        m = re.match(r".*: (.+?) ([\d.]+) ms$", line.strip())
        if not m:
            continue
        ms = float(m.group(2))
        if m.group(1) == "region guards":
            region += ms
        else:
            total += ms
    totals.append(total); regions.append(region); shares.append(100 * region / total if total else 0)
print(f"{spec}: JS analysis {statistics.median(totals):.0f} ms, region guards {statistics.median(regions):.0f} ms = {statistics.median(shares):.1f}% (median of {n})")
PY
done
