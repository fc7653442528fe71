#!/usr/bin/env python3
"""Registry-scale benchmark: 1,000 real npm package versions (cached) through 1, 2 and 4
`telltale worker` processes on a NATS JetStream queue writing to PostgreSQL, against the bare
scan of the same versions in one process. Prints jobs per second, scaling, and queue and
database overhead per job; then the fleet size for npm's publish rate and for a backfill.

Run with `bash bench/fleet.sh [JOBS] [WORKERS]` (builds first). Needs nats-server and the
PostgreSQL binaries (scripts/install-test-deps.sh installs both) and, the first time, the npm
registry to fill the cache (bench/cache/xdg, not committed). Nothing is executed: jobs are
scans, which read packages as bytes.
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "telltale")
CACHE = os.path.join(ROOT, "bench", "cache", "xdg")
LOCK = os.path.join(ROOT, "tests", "fixtures", "lockfiles", "large", "package-lock.json")
# Packages whose whole version histories fill the set up to JOBS after the lockfile's pins.
HISTORIES = ["debug", "chalk", "commander", "semver", "ws", "express", "axios", "lodash", "uuid", "minimist", "yargs", "glob", "rimraf", "mkdirp", "dotenv"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def env():
    e = dict(os.environ)
    e["XDG_CACHE_HOME"] = CACHE
    e.pop("TELLTALE_CACHE_DIR", None)
    return e


def job_list(n):
    lock = json.load(open(LOCK))
    seen, jobs = set(), []
    for path, meta in lock.get("packages", {}).items():
        if not path.startswith("node_modules/") or "version" not in meta or meta.get("link"):
            continue
        name = path.rsplit("node_modules/", 1)[1]
        if (name, meta["version"]) not in seen:
            seen.add((name, meta["version"]))
            jobs.append((name, meta["version"]))
    pinned = len(jobs)
    for pkg in HISTORIES:
        if len(jobs) >= n:
            break
        out = subprocess.run(["npm", "view", pkg, "versions", "--json"], capture_output=True, text=True)
        if out.returncode != 0:
            continue
        for v in json.loads(out.stdout):
            if len(jobs) >= n:
                break
            if (pkg, v) not in seen and "-" not in v:
                seen.add((pkg, v))
                jobs.append((pkg, v))
    return jobs[:n], min(pinned, n)


def warm_cache(jobs):
    """One lockfile naming every job, scanned once: telltale fetches 16 at a time and caches."""
    packages = {"": {"name": "fleet-bench", "version": "1.0.0"}}
    for i, (name, version) in enumerate(jobs):
        packages[f"node_modules/holder{i}/node_modules/{name}"] = {"version": version, "resolved": f"https://registry.npmjs.org/{name}/-/{name.rsplit('/', 1)[-1]}-{version}.tgz"}
    d = tempfile.mkdtemp()
    path = os.path.join(d, "package-lock.json")
    json.dump({"name": "fleet-bench", "version": "1.0.0", "lockfileVersion": 3, "packages": packages}, open(path, "w"))
    t = time.time()
    subprocess.run([BIN, "scan", "--platform", "none", "--format", "json", "--no-config", "-o", os.devnull, path], env=env(), stderr=subprocess.DEVNULL)
    shutil.rmtree(d)
    return time.time() - t


class Nats:
    def __init__(self):
        self.dir = tempfile.mkdtemp()
        self.port = free_port()
        self.proc = subprocess.Popen(["nats-server", "-js", "-sd", self.dir, "-a", "127.0.0.1", "-p", str(self.port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)

    def url(self):
        return f"nats://127.0.0.1:{self.port}"

    def stop(self):
        self.proc.terminate()
        self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


class Postgres:
    def __init__(self):
        versions = sorted(os.listdir("/usr/lib/postgresql")) if os.path.isdir("/usr/lib/postgresql") else []
        dirs = [os.environ.get("TELLTALE_PG_BIN", "")] + [f"/usr/lib/postgresql/{v}/bin" for v in reversed(versions)] + ["/usr/local/bin"]
        self.bin = next((d for d in dirs if d and all(os.path.exists(os.path.join(d, t)) for t in ("initdb", "pg_ctl", "createdb"))), None)
        if not self.bin:
            sys.exit("PostgreSQL binaries not found (scripts/install-test-deps.sh installs them)")
        self.dir = tempfile.mkdtemp()
        self.port = free_port()
        self.as_user = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] if os.geteuid() == 0 else []
        if self.as_user:
            os.chown(self.dir, 65534, 65534)
        data = os.path.join(self.dir, "data")
        self.run("initdb", "-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--no-locale")
        self.run("pg_ctl", "-D", data, "-l", os.path.join(self.dir, "log"), "-w", "-o", f"-p {self.port} -k {self.dir} -c fsync=on -c listen_addresses=127.0.0.1", "start")
        self.data = data

    def run(self, tool, *args):
        subprocess.run(self.as_user + [os.path.join(self.bin, tool), *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def database(self, name):
        self.run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self):
        self.run("pg_ctl", "-D", self.data, "-m", "fast", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)


def fleet_run(specs, workers, pg, label):
    nats = Nats()
    db = pg.database(label)
    e = env()
    e["TELLTALE_NATS"] = nats.url()
    t0 = time.time()
    subprocess.run([BIN, "submit", "--offline", *specs], env=e, check=True, stderr=subprocess.DEVNULL)
    submit_s = time.time() - t0
    done, lock, times = [0], threading.Lock(), {}
    procs = []
    start = time.time()
    for i in range(workers):
        p = subprocess.Popen([BIN, "worker", "--db", db, "--offline", "--platform", "none", "-j", "1", "--exit-when-idle", "2", "--name", f"w{i}"], env=e, stderr=subprocess.PIPE, text=True)
        procs.append(p)

        def read(p=p):
            for line in p.stderr:
                if ": ok " in line:
                    with lock:
                        done[0] += 1
                        if done[0] == len(specs):
                            times["end"] = time.time()
        threading.Thread(target=read, daemon=True).start()
    usage0 = os.times()
    for p in procs:
        p.wait()
    usage1 = os.times()
    wall = times.get("end", time.time()) - start
    nats.stop()
    cpu = (usage1.children_user - usage0.children_user) + (usage1.children_system - usage0.children_system)
    return {"workers": workers, "done": done[0], "wall": wall, "submit": submit_s, "cpu": cpu}


def scannable(specs):
    """Fetch what the lockfile pass left out, then keep the versions that scan without error
    (a few ancient tarballs on the registry are corrupt: they would be poison jobs)."""
    out = os.path.join(tempfile.mkdtemp(), "check.json")
    subprocess.run([BIN, "scan", "--platform", "none", "--no-config", "--format", "json", "-o", out, *specs], env=env(), stderr=subprocess.DEVNULL)
    report = json.load(open(out))
    bad = {t["target"]: t["error"] for t in report["targets"] if t.get("error")}
    return [s for s in specs if s not in bad], bad


def bare_scan(specs, threads):
    out = os.path.join(tempfile.mkdtemp(), "bare.json")
    t = time.time()
    r0 = os.times()
    subprocess.run([BIN, "scan", "--offline", "--platform", "none", "--no-config", "--format", "json", "-o", out, "-j", str(threads), *specs], env=env(), stderr=subprocess.DEVNULL)
    r1 = os.times()
    report = json.load(open(out))
    failed = [t["target"] for t in report["targets"] if t.get("error")]
    if failed:
        sys.exit(f"{len(failed)} versions are not in the cache or cannot be read, e.g. {failed[:3]}")
    return time.time() - t, (r1.children_user - r0.children_user) + (r1.children_system - r0.children_system)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    worker_counts = [int(w) for w in (sys.argv[2] if len(sys.argv) > 2 else "1,2,4").split(",")]
    jobs, pinned = job_list(n + 60)
    specs = [f"npm:{name}@{version}" for name, version in jobs]
    print(f"== {n} package versions ({pinned} pinned by the 568-package lockfile, the rest whole histories of {', '.join(HISTORIES[:6])}, …)")
    warm = warm_cache(jobs)
    specs, bad = scannable(specs)
    specs = specs[:n]
    print(f"cache filled in {warm:.1f} s (bench/cache/xdg); {len(bad)} versions left out: they cannot be read ({'; '.join(sorted(set(e.split(':')[0] for e in bad.values())))})")
    bare1, bare1_cpu = bare_scan(specs, 1)
    bare2, _ = bare_scan(specs, 2)
    print(f"bare scan, one process: {bare1:.1f} s with 1 thread ({len(specs) / bare1:.1f} versions/s, {bare1 * 1000 / len(specs):.1f} ms each), {bare2:.1f} s with 2 threads")
    pg = Postgres()
    try:
        rows = []
        for w in worker_counts:
            rows.append(fleet_run(specs, w, pg, f"bench{w}"))
        base = rows[0]
        print()
        print(f"{'workers':>7} {'done':>6} {'wall s':>8} {'jobs/s':>8} {'scaling':>8} {'ms/job/worker':>14} {'+ms vs bare':>12} {'worker CPU ms/job':>18} {'+CPU ms vs bare':>16}")
        bare_ms = bare1 * 1000 / len(specs)
        bare_cpu_ms = bare1_cpu * 1000 / len(specs)
        for r in rows:
            jps = r["done"] / r["wall"] if r["wall"] else 0
            per_worker_ms = r["wall"] * 1000 * r["workers"] / max(r["done"], 1)
            cpu_per = r["cpu"] * 1000 / max(r["done"], 1)
            print(f"{r['workers']:>7} {r['done']:>6} {r['wall']:>8.1f} {jps:>8.1f} {jps / (base['done'] / base['wall']):>7.2f}x {per_worker_ms:>14.1f} {per_worker_ms - bare_ms:>12.1f} {cpu_per:>18.1f} {cpu_per - bare_cpu_ms:>16.1f}")
        sizes = [os.path.getsize(os.path.join(CACHE, "telltale", "npm", "tarballs", f)) for f in os.listdir(os.path.join(CACHE, "telltale", "npm", "tarballs"))]
        print(f"(bare: {bare_ms:.1f} ms and {bare_cpu_ms:.1f} CPU ms per version; mean tarball {sum(sizes) / max(len(sizes), 1) / 1024:.0f} KiB; worker CPU leaves out nats-server and PostgreSQL, which ran on the same 2 cores)")
        print(f"\nsubmit: {rows[0]['submit'] * 1000 / len(specs):.2f} ms per job (publish with JetStream ack)")
        best = max(r["done"] / r["wall"] for r in rows)
        per_core = best / os.cpu_count()
        print(f"best: {best:.1f} jobs/s on {os.cpu_count()} cores = {per_core:.1f} jobs/s per core")
        # Assumptions, stated: replace with current figures from replicate.npmjs.com.
        publish_per_day, peak, registry_versions = 50_000, 5, 40_000_000
        need = publish_per_day / 86400 * peak / per_core
        backfill_days = 30
        cores_backfill = registry_versions / (backfill_days * 86400) / per_core
        print(f"fleet: npm publishes ~{publish_per_day:,} versions/day (assumed), peaks ~{peak}x: {need:.3f} cores at this sample's cost per version")
        print(f"fleet: backfilling ~{registry_versions:,} versions (assumed) in {backfill_days} days: {cores_backfill:.2f} cores at this sample's cost per version")
        # The sample is small library versions; large bundles (a 9 MB CLI scans in ~0.5 s) cost 100-250x more.
        for factor in (10, 100):
            print(f"fleet: if the registry's mean version costs {factor}x this sample's: publish peaks need {need * factor:.2f} cores, the 30-day backfill {cores_backfill * factor:.1f} cores (~{cores_backfill * factor / 2:.1f} machines like this one)")
    finally:
        pg.stop()


if __name__ == "__main__":
    main()
