#!/usr/bin/env bash
# How far behind the publish rate one worker stays when `telltale watch --changes --fleet`
# feeds the queue: a changes feed replayed on loopback that reveals one change every 1/RATE
# seconds, each naming a package of the repository's 568-package lockfile (real npm
# documents and tarballs); the watcher queues a comparison of each package's newest version
# with the one before it; one `telltale worker` (2 job slots on this machine) scans both,
# stores them and decides the alert. For every change: lag = when its scans were stored −
# when the feed revealed it. Prints the lag's median, p90 and maximum, the worker's
# throughput, and the backlog when the feed ended. Needs nats-server and the registry.
#   bash bench/watch-fleet.sh [N changes, default 60] [RATE changes/s, default 1] [OFFSET into the lockfile, default 100]
#   NAMES=bench/ai-clis.txt bash bench/watch-fleet.sh 8 0.05   # the feed names these packages instead
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-60}
rate=${2:-1}
offset=${3:-100}
cargo build --release --quiet -p telltale
bin=${CARGO_TARGET_DIR:-$PWD/target}/release/telltale
nats=$(command -v nats-server || echo /usr/sbin/nats-server)
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$nats" -js -a 127.0.0.1 -p "$port" -sd "$work/nats" >"$work/nats.log" 2>&1 &
pids+=($!)
export TELLTALE_NATS="nats://127.0.0.1:$port"
export TELLTALE_CACHE_DIR="$work/cache"
python3 - "$n" "$rate" "$offset" "$work" "${NAMES:-}" <<'PY' &
import http.server, json, sys, time, urllib.parse
n, rate, offset, work, names_file = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
if names_file:
    names = [l.split("#")[0].strip() for l in open(names_file) if l.split("#")[0].strip()][:n]
else:
    lock = json.load(open("tests/fixtures/lockfiles/large/package-lock.json"))
    names = sorted({p.split("node_modules/")[-1] for p in lock["packages"] if p})[offset:offset + n]
t0 = time.time()
json.dump({"t0": t0, "rate": rate, "names": names}, open(f"{work}/feed.json", "w"))
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        q = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
        since, limit = int(q.get("since", ["0"])[0]), int(q.get("limit", ["100"])[0])
        visible = min(len(names), int((time.time() - t0) * rate) + 1)
        seqs = list(range(since + 1, visible + 1))[:limit]
        page = {"results": [{"seq": s, "id": names[s - 1]} for s in seqs], "last_seq": seqs[-1] if seqs else since}
        body = json.dumps(page).encode()
        self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(f"{work}/port", "w").write(str(s.server_address[1]))
s.serve_forever()
PY
pids+=($!)
while [ ! -s "$work/port" ]; do sleep 0.1; done
sleep 0.5
"$bin" worker --db "$work/store.sqlite" --concurrency 2 --exit-when-idle 30 >"$work/worker.log" 2>&1 &
worker=$!
"$bin" watch --changes "http://127.0.0.1:$(cat "$work/port")/_changes" --fleet --batch 20 --interval 1 \
  --store "$work/store.sqlite" --log "$work/alerts.jsonl" >/dev/null 2>"$work/watch.log" &
pids+=($!)
wait "$worker" || true
sleep 3 # a last delivery tick for the watcher
"$bin" queue-status --format json > "$work/queue.json" 2>/dev/null || echo '{}' > "$work/queue.json"
python3 - "$work" <<'PY'
import json, sqlite3, sys, statistics, datetime
work = sys.argv[1]
feed = json.load(open(f"{work}/feed.json"))
t0, rate, names = feed["t0"], feed["rate"], feed["names"]
db = sqlite3.connect(f"{work}/store.sqlite")
done = {}
for name, at in db.execute("SELECT p.name, MAX(s.scanned_at) FROM scans s JOIN versions v ON v.id = s.version_id JOIN packages p ON p.id = v.package_id GROUP BY p.name"):
    done[name] = datetime.datetime.strptime(at, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp()
lags, ends = [], []
for i, name in enumerate(names):
    if name in done:
        lags.append(done[name] - (t0 + i / rate))
        ends.append(done[name])
feed_end = t0 + (len(names) - 1) / rate
print(f"feed: {len(names)} changes at {rate:g}/s over {feed_end - t0:.0f} s")
print(f"compared and stored: {len(lags)} of {len(names)} (the rest: one version only, or failed; see below)")
if lags:
    lags.sort()
    p90 = lags[int(0.9 * (len(lags) - 1))]
    print(f"lag (stored − revealed): median {statistics.median(lags):.1f} s, p90 {p90:.1f} s, max {lags[-1]:.1f} s")
    span = max(ends) - t0
    print(f"worker throughput: {len(lags) / span:.2f} comparisons/s ({len(lags)} in {span:.0f} s from the first change)")
    behind = sum(1 for e in ends if e > feed_end)
    print(f"when the feed ended, {behind} comparison(s) were still to finish; the last finished {max(ends) - feed_end:.0f} s after")
import os
lines = open(f"{work}/alerts.jsonl").read().splitlines() if os.path.exists(f"{work}/alerts.jsonl") else []
print(f"alerts sent: {len(lines)}")
for line in lines:
    a = json.loads(line)
    what = "; ".join(f"{c['change']} {c['aspect']}: {c['what'][:90]}" for c in a.get("changes", [])[:4])
    failing = [f["rule"] for f in a.get("findings_added", []) if f.get("fails_policy")]
    print(f"  {a['package']} {a['from']} -> {a['to']}: {what}" + (f" [fails: {', '.join(failing)}]" if failing else ""))
print("queue:", open(f"{work}/queue.json").read().strip())
PY
grep -E "processed" "$work/worker.log" | tail -1
