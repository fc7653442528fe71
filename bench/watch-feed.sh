#!/usr/bin/env bash
# How fast `telltale watch --changes` works through a registry's changes feed: a feed replayed
# on loopback naming N packages of the repository's 568-package lockfile (default 60), each
# checked against the real npm registry (its newest version scanned and compared with the one
# before it). Prints packages per second; the npm registry publishes roughly one version a
# second, so a worker that does less falls behind. Needs the registry.
#   bash bench/watch-feed.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-60}
cargo build --release --quiet -p telltale
bin=${CARGO_TARGET_DIR:-$PWD/target}/release/telltale
work=$(mktemp -d)
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
python3 - "$n" "$work" <<'PY'
import json, sys
n, work = int(sys.argv[1]), sys.argv[2]
lock = json.load(open("tests/fixtures/lockfiles/large/package-lock.json"))
names = sorted({p.split("node_modules/")[-1] for p in lock["packages"] if p})[:n]
batch = 20
for start in range(0, len(names) + 1, batch):
    ids = names[start:start + batch]
    page = {"results": [{"seq": start + i + 1, "id": x} for i, x in enumerate(ids)], "last_seq": start + len(ids)}
    with open(f"{work}/since-{start}", "w") as f:
        json.dump(page, f)
PY
python3 - "$work" <<'PY' &
import http.server, os, sys, urllib.parse
work = sys.argv[1]
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        q = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
        p = f"{work}/since-{q.get('since', ['0'])[0]}"
        body = open(p, "rb").read() if os.path.exists(p) else b'{"results":[],"last_seq":0}'
        self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(f"{work}/port", "w").write(str(s.server_address[1]))
s.serve_forever()
PY
server=$!
while [ ! -s "$work/port" ]; do sleep 0.1; done
"$bin" watch --once --changes "http://127.0.0.1:$(cat "$work/port")/_changes" --batch 20 \
  --store "$work/store.sqlite" --log "$work/alerts.jsonl" 2>&1 | grep -E "packages checked|^telltale watch: .*: [a-z]" | tail -5
if [ -f "$work/alerts.jsonl" ]; then echo "alerts: $(wc -l < "$work/alerts.jsonl")"; else echo "alerts: 0"; fi
