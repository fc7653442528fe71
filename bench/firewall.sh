#!/usr/bin/env bash
# What the package firewall adds to an install: `npm ci --ignore-scripts` of the repository's
# 568-package lockfile (tests/fixtures/lockfiles/large), plain, then through `telltale npm`
# cold (no stored verdicts: every tarball scanned) and warm (every verdict stored), then plain
# again; each with an empty npm cache, in the same run. Needs the npm registry.
#   bash bench/firewall.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet -p telltale
bin=${CARGO_TARGET_DIR:-$PWD/target}/release/telltale
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for d in plain cold warm plain2; do
  mkdir -p "$work/$d"
  cp tests/fixtures/lockfiles/large/package.json tests/fixtures/lockfiles/large/package-lock.json "$work/$d/"
done
run() {
  local label=$1 dir=$2; shift 2
  local start end
  start=$(date +%s.%N)
  (cd "$work/$dir" && "$@" >"$work/$dir.out" 2>"$work/$dir.err") || echo "  ($label exited $?; see $work/$dir.err)"
  end=$(date +%s.%N)
  printf '%-34s %6.1f s\n' "$label" "$(echo "$end - $start" | bc)"
}
run "npm ci (plain)" plain npm ci --ignore-scripts --no-audit --cache "$work/cache-plain"
run "telltale npm ci (cold verdicts)" cold "$bin" npm --store "$work/verdicts.sqlite" --audit-log "$work/audit.jsonl" ci --ignore-scripts
run "telltale npm ci (warm verdicts)" warm "$bin" npm --store "$work/verdicts.sqlite" --audit-log "$work/audit.jsonl" ci --ignore-scripts
run "npm ci (plain, again)" plain2 npm ci --ignore-scripts --no-audit --cache "$work/cache-plain2"
grep -h "telltale firewall: [0-9]* allowed" "$work/cold.err" "$work/warm.err" | sed 's/^/  /'
python3 - "$work/audit.jsonl" <<'PY'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
for cached in (False, True):
    ms = sorted(e["ms"] for e in events if e["cached"] == cached)
    if ms:
        print(f"  {'stored verdict' if cached else 'scanned':15} {len(ms):4} files: fetch and decide median {ms[len(ms)//2]} ms, p90 {ms[int(len(ms)*.9)]} ms")
PY
