#!/usr/bin/env python3
"""telltale side by side with DataDog's GuardDog on the labelled corpus.

usage: compare.py quality TELLTALE GUARDDOG LABELS ROOT
       compare.py speed   TELLTALE GUARDDOG LABELS ROOT [--runs N]
       compare.py large   TELLTALE PATH... [--runs N]   (MB/s of `scan` on big bundles and trees)

`bench/compare.sh` builds telltale, installs GuardDog 3.2.0 into bench/.venv-guarddog and runs
both. Nothing here is part of the test suite; the numbers go into issue notes.

Classes of cases (from labels.toml):
  positive   expects a finding of at least medium severity (malware, protestware): a
             scanner must flag it
  disclosure expects findings but none of medium severity (telemetry SDKs, machine-id
             readers): telltale must report them; flagging is not required
  negative   expects nothing and caps severity: a scanner must not flag it
  other      expects nothing, only forbids some findings (node-ipc 11.1.0 pulls in
             peacenotwar, which writes a file to the Desktop): shown, not scored

A case is flagged by telltale when a finding is at least medium severity; by GuardDog when its
risk score is >= 5 (its default threshold). "countries" says whether the tool named every
country the case's expectations name (telltale: a finding's `countries`; GuardDog has no such
field, so its findings' messages are searched for the ISO code or English name).
"""
import json, os, resource, subprocess, sys, time, tomllib

SEV = ["info", "low", "medium", "high", "critical"]
COUNTRY_NAMES = {"RU": "russia", "BY": "belarus", "UA": "ukraine", "CN": "china"}


def rank(s):
    return SEV.index(s) if s in SEV else -1


def run(cmd, timeout=900):
    """Run a command; return (stdout bytes, wall s, cpu s, peak RSS KiB, exit code)."""
    start = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = bytearray()
    # Read before waiting, so a large report cannot block the child on a full pipe.
    while True:
        chunk = p.stdout.read(1 << 16)
        if not chunk:
            break
        out += chunk
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - start
    p.returncode = os.waitstatus_to_exitcode(status)
    return bytes(out), wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, p.returncode


def findings_of(doc):
    return [f for t in doc.get("targets", []) for f in t.get("findings", [])]


def matches(f, m):
    if "category" in m and f.get("category") != m["category"]:
        return False
    if "countries" in m and not set(m["countries"]) <= set(f.get("countries", [])):
        return False
    if "file" in m and not f.get("file", "").endswith(m["file"]):
        return False
    if "min_severity" in m and rank(f.get("severity")) < rank(m["min_severity"]):
        return False
    if "endpoint" in m and m["endpoint"] not in f.get("endpoints", []):
        return False
    if "evidence" in m and m["evidence"] not in json.dumps(f.get("evidence", []), ensure_ascii=False):
        return False
    return True


def case_class(c):
    expects = c.get("expect", [])
    if any(rank(m.get("min_severity", "info")) >= rank("medium") for m in expects):
        return "positive"
    if expects:
        return "disclosure"
    return "negative" if c.get("max_severity") else "other"


def wanted_countries(c):
    return sorted({x for m in c.get("expect", []) for x in m.get("countries", [])})


def ecosystem(c):
    return "pypi" if c.get("requires") == "python" or "/pypi/" in c["path"] else "npm"


def telltale_case(binary, c, root):
    out, wall, cpu, rss, code = run([binary, "scan", "--no-config", "--format", "json", os.path.join(root, c["path"])])
    doc = json.loads(out)
    fs = findings_of(doc)
    expects = c.get("expect", [])
    hit = sum(any(matches(f, m) for f in fs) for m in expects)
    forbidden = sum(any(matches(f, m) for f in fs) for m in c.get("forbid", []))
    cap = c.get("max_severity")
    over = sum(1 for f in fs if cap and rank(f["severity"]) > rank(cap))
    highest = max((rank(f["severity"]) for f in fs), default=-1)
    named = {x for f in fs for x in f.get("countries", [])}
    return {
        "hit": hit, "expects": len(expects), "forbidden": forbidden, "over_cap": over,
        "highest": SEV[highest] if highest >= 0 else "-", "flagged": highest >= rank("medium"),
        "countries": all(x in named for x in wanted_countries(c)),
        "per_category": [(m.get("category", "?"), any(matches(f, m) for f in fs)) for m in expects],
        "wall": wall, "cpu": cpu, "rss": rss,
    }


def guarddog_case(guarddog, c, root):
    cmd = [guarddog, ecosystem(c), "scan", os.path.join(root, c["path"]), "--output-format", "json", "--no-sandbox"]
    out, wall, cpu, rss, code = run(cmd)
    try:
        doc = json.loads(out)
    except json.JSONDecodeError:
        return {"score": None, "flagged": False, "countries": False, "error": True, "wall": wall, "cpu": cpu, "rss": rss}
    score = (doc.get("risk_score") or {}).get("score") or 0
    messages = " ".join(
        str(x.get("message", "")) for v in (doc.get("results") or {}).values() if isinstance(v, list) for x in v if isinstance(x, dict)
    ).lower()
    named = all(x.lower() in messages.split() or COUNTRY_NAMES.get(x, "\0") in messages for x in wanted_countries(c))
    return {"score": score, "flagged": score >= 5, "countries": named, "error": bool(doc.get("errors")), "wall": wall, "cpu": cpu, "rss": rss}


def quality(binary, guarddog, labels, root):
    cases = tomllib.load(open(labels, "rb"))["case"]
    rows = []
    print(f"{'case':34} {'class':10} | {'telltale: expected':18} {'forbid':6} {'cap':4} {'highest':8} {'flag':5} {'ctry':4} | {'guarddog: score':15} {'flag':5} {'ctry':4}")
    print("-" * 128)
    for c in cases:
        cls = case_class(c)
        t = telltale_case(binary, c, root)
        g = guarddog_case(guarddog, c, root)
        rows.append((c, cls, t, g))
        wc = wanted_countries(c)
        ctry = lambda ok: ("yes" if ok else "no") if wc else "-"
        score = "error" if g["score"] is None else f"{g['score']:.1f}"
        print(f"{c['id'][:34]:34} {cls:10} | {t['hit']:>2}/{t['expects']:<15} {t['forbidden']:<6} {t['over_cap']:<4} {t['highest']:8} {'yes' if t['flagged'] else 'no':5} {ctry(t['countries']):4} | {score:15} {'yes' if g['flagged'] else 'no':5} {ctry(g['countries']):4}")
    print()
    print(f"{'class':11} {'cases':>5} | {'telltale flagged':>16} | {'guarddog flagged':>16}")
    for cls in ["positive", "disclosure", "negative", "other"]:
        sel = [r for r in rows if r[1] == cls]
        print(f"{cls:11} {len(sel):>5} | {sum(r[2]['flagged'] for r in sel):>16} | {sum(r[3]['flagged'] for r in sel):>16}")
    print()
    cats = {}
    for c, cls, t, g in rows:
        for cat, ok in t["per_category"]:
            a = cats.setdefault(cat, [0, 0])
            a[0] += ok
            a[1] += 1
    print("telltale recall per expected category: " + ", ".join(f"{k} {v[0]}/{v[1]}" for k, v in sorted(cats.items())))
    exp_hit = sum(r[2]["hit"] for r in rows)
    exp_all = sum(r[2]["expects"] for r in rows)
    print(f"telltale: expected findings {exp_hit}/{exp_all}, forbidden hits {sum(r[2]['forbidden'] for r in rows)}, severity caps broken {sum(1 for r in rows if r[2]['over_cap'])}")
    with_countries = [r for r in rows if wanted_countries(r[0])]
    print(f"countries named: telltale {sum(r[2]['countries'] for r in with_countries)}/{len(with_countries)}, guarddog {sum(r[3]['countries'] for r in with_countries)}/{len(with_countries)}")
    missed = [r[0]["id"] for r in rows if r[1] == "positive" and not r[3]["flagged"]]
    false = [r[0]["id"] for r in rows if r[1] == "negative" and r[3]["flagged"]]
    print(f"guarddog misses {len(missed)} positive(s): {', '.join(missed) or '-'}")
    print(f"guarddog flags {len(false)} negative(s): {', '.join(false) or '-'}")


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2]


def speed(binary, guarddog, labels, root, runs):
    cases = tomllib.load(open(labels, "rb"))["case"]
    paths = [os.path.join(root, c["path"]) for c in cases]
    size = sum(os.path.getsize(p) if os.path.isfile(p) else sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(p) for f in fs) for p in paths)
    print(f"corpus: {len(cases)} cases, {size / 1e6:.1f} MB on disk (archives compressed); median of {runs} runs\n")

    def measure(label, fn):
        samples = [fn() for _ in range(runs)]
        wall = median([s[0] for s in samples])
        cpu = median([s[1] for s in samples])
        rss = max(s[2] for s in samples)
        print(f"{label:44} {wall:9.3f} s wall {cpu:9.3f} s CPU {rss / 1024:8.0f} MB peak RSS")
        return wall

    def one_invocation():
        _, wall, cpu, rss, _ = run([binary, "scan", "--no-config", "--format", "json", *paths])
        return wall, cpu, rss

    def per_case(tool):
        def go():
            wall = cpu = rss = 0
            for c in cases:
                r = telltale_case(binary, c, root) if tool == "telltale" else guarddog_case(guarddog, c, root)
                wall += r["wall"]
                cpu += r["cpu"]
                rss = max(rss, r["rss"])
            return wall, cpu, rss
        return go

    t1 = measure("telltale, whole corpus in one invocation", one_invocation)
    tn = measure("telltale, one invocation per case", per_case("telltale"))
    g = measure("guarddog, one invocation per case", per_case("guarddog"))
    print(f"\nratio guarddog / telltale: {g / t1:.0f}x (one invocation), {g / tn:.0f}x (per case)")


def large(binary, paths, runs):
    """Whole-scan throughput: bytes telltale analysed (its own `bytes_scanned`) per wall second."""
    print(f"{'target':60} {'pkgs':>5} {'MB':>7} {'wall s':>8} {'CPU s':>8} {'MB/s':>7} {'peak RSS':>9}   (median of {runs})")
    for p in paths:
        samples = []
        for _ in range(runs):
            out, wall, cpu, rss, _ = run([binary, "scan", "--no-config", "--format", "json", p])
            targets = json.loads(out)["targets"]
            size = sum(t["bytes_scanned"] for t in targets)
            samples.append((wall, cpu, rss, size, len(targets)))
        wall = median([s[0] for s in samples])
        cpu = median([s[1] for s in samples])
        rss = max(s[2] for s in samples)
        size = samples[0][3]
        print(f"{p[-60:]:60} {samples[0][4]:5} {size / 1e6:7.1f} {wall:8.3f} {cpu:8.3f} {size / 1e6 / wall:7.1f} {rss / 1024:7.0f} MB")


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    runs = 3
    if "--runs" in sys.argv:
        runs = int(sys.argv[sys.argv.index("--runs") + 1])
        args = [a for a in args if a != str(runs)]
    if args[0] == "large":
        large(args[1], args[2:], runs)
        return
    mode, binary, guarddog, labels, root = args
    if mode == "quality":
        quality(binary, guarddog, labels, root)
    else:
        speed(binary, guarddog, labels, root, runs)


if __name__ == "__main__":
    main()
