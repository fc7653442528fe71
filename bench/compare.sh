#!/usr/bin/env bash
# telltale beside DataDog's GuardDog 3.2.0 on ../shared/corpus, then telltale's throughput on
# large real inputs. Not part of the test suite; prints the tables the issue notes quote.
#   bash bench/compare.sh [RUNS]
# Installs GuardDog into bench/.venv-guarddog from PyPI; fetches typescript@5.9.3 and
# @anthropic-ai/claude-code@1.0.100 with `npm pack`, and installs the committed 568-package
# lockfile with `npm ci --ignore-scripts` (no package code runs) into bench/cache.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
corpus=../shared/corpus
cargo build --release --quiet -p telltale
venv=bench/.venv-guarddog
if [ ! -x "$venv/bin/guarddog" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet guarddog==3.2.0
fi
echo "== quality: telltale $(target/release/telltale --version | cut -d' ' -f2) and guarddog $("$venv/bin/guarddog" --version 2>/dev/null | tail -1)"
python3 bench/compare.py quality target/release/telltale "$venv/bin/guarddog" "$corpus/labels.toml" "$corpus" 2>/dev/null
echo
echo "== speed over the corpus ($(nproc) cores)"
python3 bench/compare.py speed target/release/telltale "$venv/bin/guarddog" "$corpus/labels.toml" "$corpus" --runs "$runs" 2>/dev/null
echo
source bench/fetch.sh
ts=$(fetch typescript@5.9.3 package/lib/typescript.js)
cc=$(fetch @anthropic-ai/claude-code@1.0.100 package/cli.js)
nm=$cache/large-lockfile
if [ ! -d "$nm/node_modules" ]; then
  mkdir -p "$nm"
  cp tests/fixtures/lockfiles/large/package.json tests/fixtures/lockfiles/large/package-lock.json "$nm/"
  (cd "$nm" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
fi
echo "== throughput of a whole scan (pkgs: reports, one per installed package)"
python3 bench/compare.py large target/release/telltale "$ts" "$cc" "$nm/node_modules" --runs "$runs"
