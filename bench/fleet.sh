#!/usr/bin/env bash
# Registry-scale benchmark (issue 8): JOBS real npm versions (default 1000, cached under
# bench/cache/xdg) through 1, 2 and 4 workers on NATS JetStream + PostgreSQL, against the bare
# scan. Usage: bash bench/fleet.sh [JOBS] [WORKERS, e.g. 1,2,4]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -q
exec python3 bench/fleet.py "$@"
