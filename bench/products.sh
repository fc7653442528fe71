#!/usr/bin/env bash
# The AI coding assistants as users install them (`npm:` with --platform linux-x64: platform
# packages, launchers followed, containers opened): wall time, CPU time and peak memory of a
# warm scan (download cache filled by a first run), the phase profile of claude-code 2.1.332
# (TELLTALE_TIMINGS=1), and GuardDog 3.2.0 on the same platform tarball for the ratio.
# Not part of the test suite.
#   bash bench/products.sh [RUNS]
# Needs the npm registry for the first run (about 700 MB, cached in $XDG_CACHE_HOME/telltale).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
cargo build --release --quiet -p telltale
bin=target/release/telltale
products=(
  "npm:@anthropic-ai/claude-code@2.1.332"
  "npm:@anthropic-ai/claude-code@1.0.100"
  "npm:@github/copilot@1.0.102"
  "npm:@sourcegraph/amp@0.0.1790142911-g7618fb"
  "npm:opencode-ai@1.18.33"
  "npm:@openai/codex@0.171.0"
)
echo "== warm scans, --platform linux-x64, $(nproc) cores, median of $runs"
printf "%-48s %8s %8s %8s %8s  %s\n" product "wall s" "user s" "sys s" "peak MB" "analysed"
for p in "${products[@]}"; do
  "$bin" scan "$p" --platform linux-x64 --no-config --format json -o /dev/null 2>/dev/null || true  # fill the cache
  rows=()
  for _ in $(seq "$runs"); do
    /usr/bin/time -o /tmp/telltale-bench.time -f "%e %U %S %M" "$bin" scan "$p" --platform linux-x64 --no-config --format json -o /tmp/telltale-bench.json >/dev/null 2>&1 || true
    rows+=("$(tail -1 /tmp/telltale-bench.time)")
  done
  median=$(printf "%s\n" "${rows[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
  analysed=$(python3 -c "
import json; d = json.load(open('/tmp/telltale-bench.json'))
files = sum(t['coverage']['analysed'].get(k, {}).get('files', 0) for t in d['targets'] for k in t['coverage']['analysed'])
size = sum(t['coverage']['analysed'].get(k, {}).get('bytes', 0) for t in d['targets'] for k in t['coverage']['analysed'])
complete = all(t['coverage']['complete'] for t in d['targets'])
print(f'{files} files, {size / 1e6:.1f} MB, {len(d[\"targets\"])} targets, complete={complete}')")
  read -r wall user sys kb <<<"$median"
  printf "%-48s %8s %8s %8s %8d  %s\n" "${p#npm:}" "$wall" "$user" "$sys" "$((kb / 1024))" "$analysed"
done
echo
echo "== where claude-code 2.1.332's wall time goes (TELLTALE_TIMINGS=1, one warm run)"
TELLTALE_TIMINGS=1 "$bin" scan npm:@anthropic-ai/claude-code@2.1.332 --platform linux-x64 --no-config --format json -o /dev/null 2>&1 | grep '^timings:' | grep -v 'total 0\.0' || true
echo
venv=bench/.venv-guarddog
if [ ! -x "$venv/bin/guarddog" ]; then
  python3 -m venv "$venv" && "$venv/bin/pip" install --quiet guarddog==3.2.0 || true
fi
tgz=$(ls "${XDG_CACHE_HOME:-$HOME/.cache}"/telltale/npm/tarballs/@anthropic-ai__claude-code-linux-x64-2.1.332.tgz 2>/dev/null || true)
if [ -x "$venv/bin/guarddog" ] && [ -n "$tgz" ]; then
  echo "== the same platform tarball (186 MB; a 400 MB Bun executable inside), warm"
  /usr/bin/time -o /tmp/telltale-bench.time -f "%e %M" "$bin" scan "$tgz" --no-config --format json -o /dev/null >/dev/null 2>&1 || true
  t1=$(tail -1 /tmp/telltale-bench.time)
  /usr/bin/time -o /tmp/telltale-bench.time -f "%e %M" timeout 900 "$venv/bin/guarddog" npm scan "$tgz" >/dev/null 2>&1 || true
  t2=$(tail -1 /tmp/telltale-bench.time)
  read -r w1 m1 <<<"$t1"
  read -r w2 m2 <<<"$t2"
  echo "  telltale  ${w1} s, $((m1 / 1024)) MB peak (reads the 3,667 modules inside the executable)"
  echo "  guarddog  ${w2} s, $((m2 / 1024)) MB peak (its rules read source files; it does not open the executable)"
  python3 -c "print(f'  ratio: guarddog / telltale wall time = {float(\"$w2\") / float(\"$w1\"):.1f}x')"
else
  echo "== guarddog: skipped (not installed, or the platform tarball is not cached)"
fi
