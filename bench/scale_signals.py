#!/usr/bin/python3
"""signals benchmark: Redis memory and Redis CPU per signal, all structures (issue 20).

The real enrich stage (`vigie run`, `[daemon] roles = enrich`) works through the same news-like
items (bench/gen_news.py) twice on a fresh redis-server each time: once with 10,000 accounts
(bench/gen_accounts.py: names that collide with common words included, so some story clusters
run busy) and once with none, which makes no signal. What the first run costs Redis more than
the second is what its signals cost:

- memory: used_memory after the run, minus the run without signals (the items stream and
  the stage's own keys are in both), per signal; and each structure's MEMORY USAGE per signal
  (the stream entry, the story record, the cluster index, the out: markers);
- CPU: INFO commandstats, the usec of the FCALLs (the stage's vigie_stage_write calls, in
  which every per-signal command runs), minus the run without signals, per signal; also the
  redis-server process's CPU time, and the EXPIRE-like calls per signal.

The result line compares the Redis bytes per signal with the bytes of the signal's own JSON
(the record a reader gets): `signals vigie=<B per signal> peer=<B of its JSON> unit=B
ratio=<vigie/peer>`. With BENCH_BEFORE_BIN set to another vigie binary (e.g. a build of the
main branch), the same figures for it are detail lines too.
"""
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.environ["VIGIE_SOURCE_DIR"], "tests", "integration"))
from harness import Redis  # noqa: E402
from redis_stats import commandstats, info  # noqa: E402

SRC = os.environ["VIGIE_SOURCE_DIR"]
ITEMS = int(os.environ.get("SCALE_SIGNALS_ITEMS", "20000"))
ACCOUNTS = int(os.environ.get("SCALE_SIGNALS_ACCOUNTS", "10000"))
PY = "/usr/bin/python3"


def xadd_many(c, payloads, batch=1000):
    for i in range(0, len(payloads), batch):
        chunk = payloads[i:i + batch]
        c.s.sendall(b"".join(b"*5\r\n$4\r\nXADD\r\n$11\r\nvigie:items\r\n$1\r\n*\r\n$4\r\nitem\r\n$%d\r\n%s\r\n"
                             % (len(p), p) for p in chunk))
        for _ in chunk:
            c._read()



def proc_cpu(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def scan(c, pattern):
    cursor, keys = "0", []
    while True:
        cursor, batch = c.call("SCAN", cursor, "MATCH", pattern, "COUNT", 1000)
        keys += batch
        if cursor == "0":
            return keys


def usage(c, keys):
    total = 0
    for i in range(0, len(keys), 500):
        chunk = keys[i:i + 500]
        c.s.sendall(b"".join(b"*5\r\n$6\r\nMEMORY\r\n$5\r\nUSAGE\r\n$%d\r\n%s\r\n$7\r\nSAMPLES\r\n$1\r\n0\r\n"
                             % (len(k.encode()), k.encode()) for k in chunk))
        for _ in chunk:
            total += c._read() or 0
    return total


def handled(c):
    for g in c.call("XINFO", "GROUPS", "vigie:items"):
        g = dict(zip(g[::2], g[1::2]))
        if g["name"] == "enrich":
            return (g["entries-read"] or 0) - g["pending"]
    return 0


def run(tmp, vigie, payloads, accounts):
    """One enrich run of the items; returns its figures."""
    os.makedirs(tmp, exist_ok=True)
    r = Redis(appendonly=False)
    c = r.client()
    conf = os.path.join(tmp, "vigie.conf")
    with open(conf, "w") as f:
        f.write(f"[daemon]\nroles = enrich\nstate_dir = {tmp}/state\n[redis]\nurl = {r.url}\n"
                "[admin]\nlisten = 127.0.0.1:0\n[log]\nlevel = warning\n")
    if accounts:
        subprocess.run([vigie, "accounts", "-c", conf, "import", accounts], check=True, capture_output=True)
    xadd_many(c, payloads)
    c.call("CONFIG", "RESETSTAT")
    mem0 = int(info(c, "memory")["used_memory"])
    rpid = int(info(c, "server")["process_id"])
    cpu0 = proc_cpu(rpid)
    log = open(os.path.join(tmp, "vigie.log"), "w")
    v = subprocess.Popen([vigie, "run", "-c", conf], stderr=log)
    deadline = time.monotonic() + 600
    while handled(c) < len(payloads):
        if time.monotonic() > deadline or v.poll() is not None:
            raise RuntimeError(f"the enrich stage stopped at {handled(c)} of {len(payloads)}; see {tmp}/vigie.log")
        time.sleep(0.05)
    v.send_signal(signal.SIGTERM)
    v.wait(30)
    out = {"stats": commandstats(c), "cpu": proc_cpu(rpid) - cpu0,
           "mem": int(info(c, "memory")["used_memory"]) - mem0}
    sig = c.call("XRANGE", "vigie:signals", "-", "+")
    new = [json.loads(f[1]) for _, f in sig if f[0] == "signal"]
    out["signals"] = len(new)
    out["updates"] = len(sig) - len(new)
    out["json"] = sum(len(f[1].encode()) for _, f in sig if f[0] == "signal") / max(1, len(new))
    n = max(1, len(new))
    parts = {"stream entry": c.call("MEMORY", "USAGE", "vigie:signals", "SAMPLES", "0") or 0}
    # Per-signal keys of this version and of the one before it (story:/stories:, signal:/band:).
    for name, pattern in (("story record", "vigie:story:*"), ("story index", "vigie:stories:*"),
                          ("signal hash (before)", "vigie:signal:*"), ("band sets (before)", "vigie:band:*")):
        keys = scan(c, pattern)
        if name == "signal hash (before)":
            urls = [k for k in keys if k.endswith(":urls")]
            keys = [k for k in keys if not k.endswith(":urls")]
            if urls:
                parts["urls set (before)"] = usage(c, urls)
        if keys:
            parts[name] = usage(c, keys)
    # Markers: out:<id> per output before the buckets, out:b:<bucket> hashes (contacts) since.
    parts["out: markers"] = usage(c, scan(c, "vigie:out:*"))
    out["parts"] = {k: v / n for k, v in parts.items()}
    out["keys"] = int(c.call("DBSIZE"))
    out["item_entry"] = (c.call("MEMORY", "USAGE", "vigie:items", "SAMPLES", "0") or 0) / max(1, c.call("XLEN", "vigie:items"))
    c.close()
    r.stop()
    return out


def figures(tmp, vigie, payloads, accounts):
    a = run(os.path.join(tmp, "a"), vigie, payloads, accounts)
    b = run(os.path.join(tmp, "b"), vigie, payloads, None)
    n = max(1, a["signals"])
    fa, fb = a["stats"].get("fcall", (0, 0)), b["stats"].get("fcall", (0, 0))
    per = {
        "signals": a["signals"], "updates": a["updates"], "json": a["json"], "item_entry": a["item_entry"],
        "mem": (a["mem"] - b["mem"]) / n,
        "parts": a["parts"],
        "fcall_us": (fa[1] - fb[1]) / n,
        "cpu_us": (a["cpu"] - b["cpu"]) * 1e6 / n,
        "usec": sorted(((k, (a["stats"][k][1] - b["stats"].get(k, (0, 0))[1]) / n) for k in a["stats"]),
                       key=lambda kv: -kv[1])[:8],
        "calls": {k: (a["stats"].get(k, (0, 0))[0] - b["stats"].get(k, (0, 0))[0]) / n
                  for k in ("expire", "pexpire", "set", "hset", "sadd", "smembers", "hget", "zadd", "zrange",
                            "zremrangebyscore", "zremrangebyrank", "xadd", "xrange", "get", "sismember",
                            "hincrby", "xinfo", "xtrim")},
    }
    return per


def describe(tag, f):
    parts = ", ".join(f"{k} {v:.0f} B" for k, v in f["parts"].items() if v)
    calls = ", ".join(f"{k} {v:.2f}" for k, v in f["calls"].items() if v >= 0.005)
    return [f"# {tag}: {f['signals']} signals ({f['updates']} updates), {f['json']:.0f} B of JSON each on average; "
            f"an items stream entry {f['item_entry']:.0f} B",
            f"# {tag}: Redis memory per signal {f['mem']:.0f} B (used_memory, minus the same run without accounts); "
            f"by structure (MEMORY USAGE): {parts}",
            f"# {tag}: Redis CPU per signal {f['fcall_us']:.1f} us in the functions (INFO commandstats, FCALL usec), "
            f"{f['cpu_us']:.1f} us of redis-server process CPU; commands per signal: {calls}",
            f"# {tag}: usec per signal by command (commandstats; a function's commands are also in FCALL's): "
            + ", ".join(f"{k} {v:.1f}" for k, v in f["usec"])]


def measure():
    """(the result line, the detail lines): also what bench/scale_bench.py prints as its own
    detail lines for the signals (`bench/run scale`)."""
    tmp = os.environ.get("BENCH_TMP") or "/tmp"
    vigie = os.environ["VIGIE_BIN"]
    accounts, news = os.path.join(tmp, "accounts.json"), os.path.join(tmp, "news.txt")
    subprocess.run([PY, os.path.join(SRC, "bench", "gen_accounts.py"), str(ACCOUNTS), accounts], check=True,
                   capture_output=True)
    subprocess.run([PY, os.path.join(SRC, "bench", "gen_news.py"), accounts, news, str(ITEMS * 700 / 1e6)],
                   check=True, capture_output=True)
    lines = [l.rstrip("\n") for l in open(news, encoding="utf-8")][:ITEMS]

    def item(i, line):
        title, _, summary = line.partition(". ")
        return json.dumps({"id": f"e{i}", "source_id": f"src{i % 500}", "url": f"https://news{i % 500}.example/{i}",
                           "title": title, "summary": summary,
                           "lang": "fr" if " le " in line or " la " in line else "en"}).encode()
    payloads = [item(i, l) for i, l in enumerate(lines)]
    now = figures(tmp, vigie, payloads, accounts)
    before_bin = os.environ.get("BENCH_BEFORE_BIN")
    before = figures(os.path.join(tmp, "before"), before_bin, payloads, accounts) if before_bin else None
    result = f"signals vigie={now['mem']:.0f} peer={now['json']:.0f} unit=B ratio={now['mem'] / now['json']:.2f}"
    details = [f"# {len(payloads)} news-like items (bench/gen_news.py) through the enrich stage, {ACCOUNTS} accounts "
               "(bench/gen_accounts.py); redis-server 7 on a unix socket; figures are the run with accounts minus the "
               "same run without (no signal)"]
    details += describe("vigie", now)
    if before:
        details += describe("before (BENCH_BEFORE_BIN)", before)
    return result, details


def main():
    result, details = measure()
    print(result)
    for line in details:
        print(line)


if __name__ == "__main__":
    os.makedirs(os.environ.get("BENCH_TMP", "/tmp"), exist_ok=True)
    main()
