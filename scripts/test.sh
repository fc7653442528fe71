#!/usr/bin/env bash
# The whole test suite. Needs only Rust (1.95) and ../shared/corpus; no network.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f ../shared/corpus/labels.toml ]; then
  echo "error: ../shared/corpus is missing; the corpus tests read the real packages there" >&2
  exit 1
fi
cargo test --workspace --release --locked 2>&1
