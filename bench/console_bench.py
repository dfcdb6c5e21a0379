#!/usr/bin/python3
"""console benchmark: vigie's web console at 10,000 accounts and 1,000,000 signals in Redis —
the CPU vigie spends per page, against getting the same page's data the way a user would
without the console (vigie's own command line).

Data (seeded into a private redis-server, pipelined through `redis-cli --pipe`):
  - 10,000 accounts in the `accounts` hash (40 owners; tiers key, candidate, standard);
  - 1,000,000 entries in the signals stream over the last 365 days, newest last, with entry ids
    at their times (what the enrich stage writes: the record's members in its order, compact);
    accounts drawn with weights 1/rank^0.8, a realistic mix of types, 10% `update` entries;
  - the stories of the signals of the last 30 days (`story:<id>`: sources, the record's entry,
    the URLs, as vigie_stage_write keeps them for [pipeline] dedup_ttl, 30 days by default):
    an account page shows older signals by what its series keep;
  - two saved reviews of the 10,000 accounts (the shape `vigie review --save` writes,
    generated here: computing one would read the whole stream twice and is not what is
    measured).

vigie: `vigie run` with the console on loopback (and nothing to fetch, so the process is idle
but for the console). Each page is fetched WARM times then RUNS times in a row; vigie's CPU per
page is the process's utime+stime delta (/proc/<pid>/stat, every thread: an upper bound on the
console thread's) over the RUNS fetches, divided by RUNS. Redis's CPU for the same fetches is
given apart.

peer: the same data from vigie's command line, CPU of the command (its rusage: user+sys):
  - a feed page: `vigie signals tail --since <span> --json [--account A | --type T]` where span
    reaches back just far enough to hold the 50 signals the console page shows, keeping the
    newest 50 of its output (checked equal to the page's); for the search page the command's
    output is filtered by the words afterwards (the filtering's CPU not counted: it favours
    the peer);
  - the review page: `vigie review --list --format json` (the list; the command has no view
    of a saved review's rows);
  - the operations page: `vigie status`.
The result line's vigie= and peer= are the means over those pages (each page weighing the
same); "# " lines give every page, the console-only ones (one signal, the diff, the portfolio,
an account) included, and the worst page.

Prints the bench/run result line and "# " detail lines."""
import http.client
import json
import os
import random
import re
import resource
import subprocess
import sys
import time
import urllib.request

SRC = os.environ["VIGIE_SOURCE_DIR"]
sys.path.insert(0, os.path.join(SRC, "tests", "integration"))
from harness import Redis, free_port  # noqa: E402

VIGIE = os.environ["VIGIE_BIN"]
TMP = os.environ.get("BENCH_TMP") or "/tmp"
N_ACCOUNTS = int(os.environ.get("CONSOLE_BENCH_ACCOUNTS", "10000"))
N_SIGNALS = int(os.environ.get("CONSOLE_BENCH_SIGNALS", "1000000"))
N_STORIES = 2000   # the newest signals' ids kept for the signal page
STORY_MS = 30 * 86400000
WARM, RUNS = 3, int(os.environ.get("CONSOLE_BENCH_RUNS", "30"))
SPAN_MS = 365 * 86400000

TYPES = [("contract_win", 14, 60), ("funding", 10, 70), ("acquisition", 6, 78), ("leadership_change", 14, 66),
         ("expansion", 12, 60), ("partnership", 12, 50), ("product_launch", 10, 40), ("hiring", 10, 45),
         ("financial_results", 8, 35), ("layoffs", 3, 62), ("insolvency", 1, 92)]
WORDS = ("usine", "contrat", "millions", "robotique", "énergie", "logistique", "aéronautique", "cloud", "batteries",
         "hydrogène", "semi-conducteurs", "pharmaceutique", "défense", "ferroviaire", "naval", "data")


def iso(ms):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ms / 1000))


def resp(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        b = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(b), b))
    return b"".join(out)


def accounts(rng):
    owners = [f"owner{i:02d}@example.com" for i in range(40)]
    out = []
    for i in range(N_ACCOUNTS):
        tier = "key" if i % 10 == 0 else "candidate" if i % 10 == 1 else "standard"
        out.append({"id": f"a{i:05d}", "name": f"Société {i:05d} Industries", "owner": owners[i % 40],
                    "tier": tier, "domains": [f"s{i:05d}.example.com"], "revenue": round(rng.random(), 2),
                    "margin": round(rng.random(), 2), "growth_potential": round(rng.random(), 2),
                    "strategic_fit": round(rng.random(), 2), "image": round(rng.random(), 2)})
    return out


def seed(redis, accts, rng, now_ms):
    """Everything into Redis through one `redis-cli --pipe`; returns the newest signals' ids."""
    p = subprocess.Popen(["redis-cli", "-s", redis.sock, "--pipe"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    w = p.stdin
    for a in accts:
        w.write(resp("HSET", "vigie:accounts", a["id"], json.dumps(a, separators=(",", ":"))))
    w.write(resp("SET", "vigie:accounts:version", 1))
    weights = [1 / (r + 1) ** 0.8 for r in range(N_ACCOUNTS)]
    order = list(range(N_ACCOUNTS))
    rng.shuffle(order)
    picks = rng.choices(order, weights=weights, k=N_SIGNALS)
    types = rng.choices(TYPES, weights=[t[1] for t in TYPES], k=N_SIGNALS)
    start = now_ms - SPAN_MS
    step = SPAN_MS / N_SIGNALS
    newest = []
    n_stories = 0
    buf = []
    for i in range(N_SIGNALS):
        ms = int(start + i * step)
        a = accts[picks[i]]
        t, _, base = types[i]
        sid = "%032x" % rng.getrandbits(128)
        w1, w2 = rng.choice(WORDS), rng.choice(WORDS)
        rec = {"id": sid, "account_id": a["id"], "role": "subject", "type": t, "confidence": 0.8,
               "priority": max(0, min(100, base + rng.randint(-15, 15))),
               "title": f"{a['name']}: {t.replace('_', ' ')} — {w1} et {w2}",
               "url": f"https://news.example.com/{i}", "published": iso(ms), "detected": iso(ms),
               "evidence": f"{a['name']} annonce un projet {w1} de {rng.randint(2, 900)} millions d'euros ({w2}).",
               "amounts": [], "people": [], "counterparties": [], "places": [], "modifiers": [],
               "lang": "fr" if i % 3 else "en", "sources": 1}
        field = "update" if i % 10 == 9 else "signal"
        text = json.dumps(rec, ensure_ascii=False, separators=(",", ":"))
        buf.append(resp("XADD", "vigie:signals", f"{ms}-0", field, text.encode()))
        if i >= N_SIGNALS - N_STORIES:
            newest.append(sid)
        if ms >= now_ms - STORY_MS:
            n_stories += 1
            buf.append(resp("SET", f"vigie:story:{sid}", f"2 {ms}-0\n{rec['url']}\nhttps://other.example.org/{i}"))
        if len(buf) >= 20000:
            w.write(b"".join(buf))
            buf = []
    w.write(b"".join(buf))
    # Two saved reviews, a month apart (the shape of review_save's): the second is the first
    # with 5% of the accounts moved (scores, heat, recommendation), as a month changes a portfolio.
    recs = ["de-select", "promote", "watch", "keep"]
    rows = []
    for rid in (1, 2):
        if rid == 1:
            for a in accts:
                sc = {x: rng.randint(0, 100) for x in ("quantitative", "strategic", "image")}
                rows.append({"id": a["id"], "name": a["name"], "owner": a["owner"], "tier": a["tier"],
                             "score": round(sum(sc.values()) / 3), "scores": sc,
                             "heat": round(rng.random() * 100, 1),
                             "recommendation": rng.choices(recs, weights=[2, 3, 10, 85])[0], "below": False})
        else:
            rows = [dict(r) for r in rows]
            for r in rng.sample(rows, len(rows) // 20):
                r["scores"] = {x: rng.randint(0, 100) for x in ("quantitative", "strategic", "image")}
                r["score"] = round(sum(r["scores"].values()) / 3)
                r["heat"] = round(rng.random() * 100, 1)
                r["recommendation"] = rng.choice(recs)
        counts = {k: sum(1 for r in rows if r["recommendation"] == k) for k in recs}
        at = now_ms - (2 - rid) * 30 * 86400000
        review = {"id": rid, "at": iso(at), "ms": at, "counts": counts, "rows": rows}
        w.write(resp("HSET", "vigie:reviews", rid, json.dumps(review, separators=(",", ":"))))
    w.write(resp("SET", "vigie:reviews:seq", 2))
    w.close()
    out = p.stdout.read().decode()
    if p.wait() != 0 or "errors: 0" not in out:
        raise SystemExit("seeding failed: " + out[-500:])
    return newest, accts[order[0]]["id"], n_stories


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def get(base, path, timeout=60):
    with urllib.request.urlopen(base + path, timeout=timeout) as r:
        return r.status, r.read().decode()


def measure(base, vpid, rpid, path, warm=WARM, runs=RUNS, timeout=60):
    """(vigie ms, redis ms, wall ms per fetch, body, vigie ms of the first fetch: cold caches)."""
    hz = os.sysconf("SC_CLK_TCK")
    c0 = cpu_ticks(vpid)
    for i in range(warm):
        status, body = get(base, path, timeout)
        assert status == 200, (path, status)
        if i == 0:
            cold = (cpu_ticks(vpid) - c0) / hz * 1000
    v0, r0, t0 = cpu_ticks(vpid), cpu_ticks(rpid), time.monotonic()
    for _ in range(runs):
        get(base, path, timeout)
    RUNS_ = runs
    wall = (time.monotonic() - t0) / RUNS_ * 1000
    return ((cpu_ticks(vpid) - v0) / hz / RUNS_ * 1000, (cpu_ticks(rpid) - r0) / hz / RUNS_ * 1000, wall, body,
            cold)


def cli_cpu(args, keep=None):
    """A vigie command's CPU (ms, user+sys from its rusage) and its stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    r = subprocess.run([VIGIE] + args, capture_output=True, text=True, timeout=600)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode != 0:
        raise SystemExit(f"{args}: {r.stderr[-300:]}")
    return ((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)) * 1000, r.stdout


def feed_rows(html):
    """(signal id, entry ms) of a feed page's rows."""
    return [(s, int(e.split("-")[0])) for e, s in re.findall(r'<tr data-entry="([0-9-]+)" data-signal="([^"]*)"', html)]


def tail_peer(conf, html, extra, now_ms, words=None):
    """vigie signals tail over the span the page's rows cover, keeping the newest 50."""
    rows = feed_rows(html)
    assert rows, "the page shows no row"
    span_s = (int(time.time() * 1000) - rows[-1][1]) // 1000 + 60
    best = None
    for _ in range(3):
        ms, out = cli_cpu(["signals", "-c", conf, "tail", "--since", f"{span_s}s", "--json"] + extra)
        best = ms if best is None else min(best, ms)
    got = []
    for line in out.splitlines():
        o = json.loads(line)
        s = o["signal"] if o.get("update") is True and "signal" in o else o
        if words and not all(w.lower() in (s["title"] + " " + s["evidence"]).lower() for w in words):
            continue
        got.append(s["id"])
    got = got[::-1][:50]
    want = [r[0] for r in rows]
    assert got == want, ("the command's newest 50 differ from the page's", len(got), len(want), [(i, a, b) for i, (a, b) in enumerate(zip(got, want)) if a != b][:3])
    return best, span_s


def main():
    try:
        run(lambda p: globals().__setitem__("_vigie", p))
    finally:
        p = globals().get("_vigie")
        if p and p.poll() is None:
            p.kill()
            p.wait(30)


def run(started):
    rng = random.Random(17)
    redis = Redis(appendonly=False)
    now_ms = int(time.time() * 1000) - 60000
    accts = accounts(rng)
    t0 = time.monotonic()
    newest, busy, n_stories = seed(redis, accts, rng, now_ms)
    seed_s = time.monotonic() - t0
    conf = os.path.join(TMP, "vigie.conf")
    port = free_port()
    with open(conf, "w") as f:
        f.write(f"[daemon]\ninstance = bench\nstate_dir = {TMP}/state\n[redis]\nurl = {redis.url}\n"
                f"[admin]\nlisten = 127.0.0.1:0\n[console]\nlisten = 127.0.0.1:{port}\n")
    # The per-account series are built from the stream by the first read that needs them (all
    # of it here, seeded behind vigie's back: in use, the enrich stage adds each signal as it
    # writes it): by a command, before vigie starts, timed apart.
    t0 = time.monotonic()
    r = subprocess.run([VIGIE, "accounts", "list", "-c", conf, "--sort", "heat"], capture_output=True, text=True,
                       timeout=1800)
    if r.returncode != 0:
        raise SystemExit("vigie accounts list: " + r.stderr[-500:])
    index_s = time.monotonic() - t0
    log = open(os.path.join(TMP, "vigie.log"), "w")
    v = subprocess.Popen([VIGIE, "run", "-c", conf], stdout=log, stderr=log)
    started(v)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            get(base, "/ui/ops")
            break
        except OSError:
            if time.monotonic() > deadline or v.poll() is not None:
                raise SystemExit("vigie's console did not answer: " + open(os.path.join(TMP, "vigie.log")).read()[-800:])
            time.sleep(0.2)
    # The enricher builds its matcher of the 10,000 accounts at start, on a thread of the same
    # process: wait for it, so that its CPU is not counted as a page's.
    while "accounts version" not in open(os.path.join(TMP, "vigie.log")).read():
        if time.monotonic() > deadline or v.poll() is not None:
            raise SystemExit("the enricher did not load the accounts")
        time.sleep(0.2)
    rpid = redis.proc.pid
    pages = [
        ("signals", "/ui/signals", []),
        ("signals?account", None, None),  # filled below with an account of the first page
        ("signals?type=funding", "/ui/signals?type=funding", ["--type", "funding"]),
        ("signals?q", "/ui/signals?q=hydrog%C3%A8ne+batteries", "search"),
        ("signals?type=insolvency&lang=en (rare: scan budget)", "/ui/signals?type=insolvency&lang=en", None),
        ("signals?owner", "/ui/signals?owner=owner07%40example.com", None),
        ("signals/ID", f"/ui/signals/{newest[-1]}", None),
        ("review", "/ui/review", "review"),
        ("review?diff=1", "/ui/review?diff=1", None),
        ("ops", "/ui/ops", "status"),
        ("portfolio", "/ui/", None),
        ("portfolio?sort=name", "/ui/?sort=name", None),
        ("portfolio?type=funding", "/ui/?type=funding", None),
        ("portfolio?owner", "/ui/?owner=owner07%40example.com", None),
        ("accounts/ID (the busiest account)", f"/ui/accounts/{busy}", None),
    ]
    _, first = get(base, "/ui/signals")
    acc = re.search(r'href="/ui/accounts/([^"]+)"', first.split("<tbody>", 1)[1]).group(1)
    pages[1] = ("signals?account", f"/ui/signals?account={acc}", ["--account", acc])
    results = []
    for name, path, peer in pages:
        print(f"console bench: {name}", file=sys.stderr, flush=True)
        vms, rms, wall, body, cold = measure(base, v.pid, rpid, path)
        pms, note = None, ""
        if isinstance(peer, list):
            pms, span = tail_peer(conf, body, peer, now_ms)
            note = f"`vigie signals tail --since {span}s --json {' '.join(peer)}`".replace(" `", "`")
        elif peer == "search":
            pms, span = tail_peer(conf, body, [], now_ms, words=["hydrogène", "batteries"])
            note = f"`vigie signals tail --since {span}s --json` + filtering (not counted)"
        elif peer == "review":
            pms = min(cli_cpu(["review", "-c", conf, "--list", "--format", "json"])[0] for _ in range(3))
            note = "`vigie review --list --format json`"
        elif peer == "status":
            pms = min(cli_cpu(["status", "-c", conf])[0] for _ in range(3))
            note = "`vigie status`"
        searched = re.search(r'data-shown="(\d+)" data-searched="(\d+)"', body)
        extra = f", {searched.group(1)} rows from {searched.group(2)} entries looked at" if searched else ""
        shown = re.search(r"Showing the newest (\d+) / (\d+)", body)
        if shown:
            gone = len(re.findall(r'class="muted gone"', body))
            extra += (f", timeline {shown.group(1)} of its {shown.group(2)} signals, {gone} of them shown by time "
                      "alone (story expired)")
        if cold > vms + 20:
            extra += f"; first fetch {cold:.0f} ms (fills the page's cache)"
        results.append((name, vms, rms, wall, pms, note, extra))
    v.terminate()
    v.wait(30)
    redis.stop()
    with_peer = [r for r in results if r[4] is not None]
    vm = sum(r[1] for r in with_peer) / len(with_peer)
    pm = sum(r[4] for r in with_peer) / len(with_peer)
    worst = max((r for r in results if r[1] is not None), key=lambda r: r[1])
    print(f"console vigie={vm:.1f} peer={pm:.1f} unit=ms ratio={vm / pm:.3f}")
    print(f"# {N_ACCOUNTS} accounts, {N_SIGNALS} signal entries over 365 days (10% updates), {n_stories} stories (the last 30 days' signals), "
          f"2 saved reviews of {N_ACCOUNTS} rows; seeded in {seed_s:.0f} s through redis-cli --pipe; the accounts' "
          f"series built from the stream by `vigie accounts list --sort heat` in {index_s:.0f} s (not measured)")
    print(f"# measured: vigie= is the CPU of the vigie process per page fetch (utime+stime over {RUNS} fetches after {WARM}), mean over "
          f"the {len(with_peer)} pages with a peer; peer= CPU of the vigie command giving the same data (best of 3)")
    for name, vms, rms, wall, pms, note, extra in results:
        if vms is None:
            print(f"#   {name}: {extra}")
            continue
        peer = f"peer {pms:.1f} ms ({note})" if pms is not None else "no command gives this page's data"
        print(f"#   {name}: vigie {vms:.1f} ms CPU (redis {rms:.1f} ms, wall {wall:.1f} ms){extra}; {peer}")
    print(f"# worst page: {worst[0]} at {worst[1]:.1f} ms of vigie CPU "
          "(goal: under 50 ms for every page)")


if __name__ == "__main__":
    main()
