#!/usr/bin/env bash
# The whole test suite. Needs Rust (1.95), ../shared/corpus and Chromium for the HTML report's
# browser test (installed by scripts/install-test-deps.sh with apt-get when missing; set
# TELLTALE_SKIP_BROWSER=1 to skip that test instead).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f ../shared/corpus/labels.toml ]; then
  echo "error: ../shared/corpus is missing; the corpus tests read the real packages there" >&2
  exit 1
fi
scripts/install-test-deps.sh
cargo test --workspace --release --locked 2>&1
