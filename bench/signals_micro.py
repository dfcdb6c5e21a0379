#!/usr/bin/python3
"""Microbench of vigie_stage_write per signal: two versions of the function library side by
side in the same run (the machine is shared and noisy, so they are compared pairwise).

Two redis-servers are started, one per library: "before" (queue/lua/ of a git ref, default
main) and "after" (the working tree's queue/lua/). Both get the same deterministic calls, the
way the enrich stage makes them: batches of items-stream entries pending for the group, each
with 0 to 2 signals (clustered: account|type, a SimHash, some near-duplicates told by other
sources, some redelivered) and now and then a contact. The calls alternate between the two
servers in rounds; per round and server, the FCALL usec (INFO commandstats delta: wall time,
which a loaded machine inflates) and the redis-server's CPU time (/proc/<pid>/schedstat: the
round's setup, XADD and XREADGROUP, included, the same for both) are divided by the signals
written. Prints the median per round of each, and their ratios.

Usage: bench/signals_micro.py [REF]   (env MICRO_ROUNDS, MICRO_CALLS per round, MICRO_ACCOUNTS)
"""
import os
import random
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(SRC, "tests", "integration"))
sys.path.insert(0, HERE)
from harness import Redis  # noqa: E402
from redis_stats import commandstats  # noqa: E402

ROUNDS = int(os.environ.get("MICRO_ROUNDS", "15"))
CALLS = int(os.environ.get("MICRO_CALLS", "40"))
ACCOUNTS = int(os.environ.get("MICRO_ACCOUNTS", "2000"))
BATCH = 16


def library(ref):
    """The library's text, as CMakeLists.txt joins it, from a git ref or (None) the tree."""
    cm = open(os.path.join(SRC, "CMakeLists.txt")).read()
    names = cm.split("set(vigie_library ", 1)[1].split(")", 1)[0].split("+")
    parts = []
    for n in names:
        path = f"queue/lua/{n}.lua"
        if ref:
            parts.append(subprocess.run(["git", "-C", SRC, "show", f"{ref}:{path}"], check=True,
                                        capture_output=True, text=True).stdout)
        else:
            parts.append(open(os.path.join(SRC, path)).read())
    return "".join(parts)


# 2026-12-07T10:00:00Z, the hour signal_json's records are published in
PUBLISHED_MS = 1796637600000


def signal_json(sid, acct, typ, url, prio):
    return ('{"id":"%s","account_id":"%s","account_name":"Account %s","type":"%s","title":"Account %s '
            'announces a new plant and 200 jobs in the region, its chief executive said on Monday",'
            '"summary":"The company said it would invest 40 million euros over three years in the site, '
            'which will make parts for its main customers.","url":"%s","source_id":"src1",'
            '"lang":"en","published":"2026-12-07T10:%02d:00Z","priority":%d,"confidence":0.8,'
            '"evidence":["announces a new plant"],"people":[],"amounts":[{"value":40000000,'
            '"currency":"EUR"}],"sources":1}' % (sid, acct, acct, typ, acct, url, prio % 60, prio))


def workload(seed):
    """[(entries: [(n_signals, args...)], signals)] for CALLS*ROUNDS calls, deterministic."""
    rnd = random.Random(seed)
    types = ["expansion", "funding", "hiring", "leadership", "partnership"]
    calls = []
    sims = {}
    serial = 0
    written = []
    for _ in range(CALLS * ROUNDS):
        entries = []
        for _ in range(BATCH):
            outs = []
            for _ in range(rnd.choice((0, 1, 1, 1, 2))):
                # a skew: a fifth of the signals go to 20 busy accounts (names that collide with
                # common words), the rest spread over all
                acct = f"a{rnd.randrange(20) if rnd.random() < 0.2 else rnd.randrange(ACCOUNTS)}"
                typ = rnd.choice(types)
                cluster = f"{acct}|{typ}"
                r = rnd.random()
                if r < 0.05 and written:
                    sid, cluster, sim, url = rnd.choice(written)       # redelivered
                elif r < 0.25 and cluster in sims:
                    serial += 1
                    base = int(sims[cluster], 16)
                    sim = "%016x" % (base ^ (1 << rnd.randrange(64)))  # the same story, another source
                    sid, url = f"s{serial}", f"https://other{serial}.example/{serial}"
                else:
                    serial += 1
                    sim = "%016x" % rnd.getrandbits(64)
                    sims[cluster] = sim
                    sid, url = f"s{serial}", f"https://news{serial % 500}.example/{serial}"
                    written.append((sid, cluster, sim, url))
                acct, typ = cluster.split("|")
                # tag "p": the series fields read by the caller, as the enrich stage sends them
                # (queue/queue_series_fields.h): published ms, priority, the series score
                prio = rnd.randrange(100)
                t = PUBLISHED_MS + (prio % 60) * 60000
                outs += ["1p", signal_json(sid, acct, typ, url, prio), sid, cluster, sim,
                         str(t), str(prio), "%.17g" % (t + prio / 128)]
            if rnd.random() < 0.1:
                serial += 1
                outs += ["2d", '{"name":"Jane Doe %d","role":"chief executive"}' % serial, f"c{serial}"]
            entries.append(outs)
        calls.append(entries)
    return calls


def cpu_ns(pid):
    with open(f"/proc/{pid}/schedstat") as f:
        return int(f.read().split()[0])


def run_call(c, entries):
    """XADD the entries, read them into the group, then one vigie_stage_write."""
    ids = [c.call("XADD", "vigie:items", "*", "item", "{}") for _ in entries]
    c.call("XREADGROUP", "GROUP", "enrich", "w1", "COUNT", len(ids), "STREAMS", "vigie:items", ">")
    args = ["enrich", "vigie:", "1000000", "2592000", "259200", "f", "604800000", "2",
            "signals", "signal", "contacts", "contact"]
    for id_, outs in zip(ids, entries):
        n = sum(1 for o in outs if o in ("1p", "2d"))  # tags are the only such short strings
        if n != 1:
            args.append(f"={n}")
        args.append(id_)
        args += outs
    return c.call("FCALL", "vigie_stage_write", 3, "vigie:items", "vigie:errors:items:enrich",
                  "vigie:taken:items:enrich:", *args)


def main():
    ref = sys.argv[1] if len(sys.argv) > 1 else "main"
    servers = []
    for label, lib in (("before", library(ref)), ("after", library(None))):
        r = Redis(appendonly=False)
        c = r.client()
        c.call("FUNCTION", "LOAD", "REPLACE", lib)
        c.call("XGROUP", "CREATE", "vigie:items", "enrich", "0", "MKSTREAM")
        servers.append((label, r, c))
    calls = workload(1)
    per = {label: [] for label, _, _ in servers}
    cpu = {label: [] for label, _, _ in servers}
    cmds = {label: {} for label, _, _ in servers}
    for rnd in range(ROUNDS):
        chunk = calls[rnd * CALLS:(rnd + 1) * CALLS]
        order = servers if rnd % 2 == 0 else servers[::-1]
        for label, r, c in order:
            s0 = commandstats(c)
            t0 = cpu_ns(r.proc.pid)
            added = 0
            for entries in chunk:
                added += run_call(c, entries)[1]
            cpu[label].append((cpu_ns(r.proc.pid) - t0) / 1000 / max(added, 1))
            s1 = commandstats(c)
            fc = s1["fcall"][1] - s0.get("fcall", (0, 0))[1]
            per[label].append(fc / max(added, 1))
            for k, v in s1.items():
                d = cmds[label].setdefault(k, [0, 0, 0])
                d[0] += v[0] - s0.get(k, (0, 0))[0]
                d[1] += v[1] - s0.get(k, (0, 0))[1]
            cmds[label]["__added"] = cmds[label].get("__added", 0) + added
    for label, r, c in servers:
        n = cmds[label].pop("__added")
        m = statistics.median(per[label])
        keys = int(c.call("DBSIZE"))
        inner = ", ".join(f"{k} {v[0] / n:.2f} ({v[1] / n:.1f} us)" for k, v in sorted(cmds[label].items(), key=lambda kv: -kv[1][0])
                          if k not in ("fcall", "xadd", "xreadgroup", "info") and v[0] / n >= 0.01)
        print(f"{label}: median {m:.1f} us of FCALL per signal written, {statistics.median(cpu[label]):.1f} us of "
              f"redis-server CPU ({n} written, {keys} keys); "
              f"commands per signal (their usec): {inner}")
        c.close()
        r.stop()
    b, a = statistics.median(per["before"]), statistics.median(per["after"])
    wins = sum(1 for x, y in zip(per["before"], per["after"]) if y < x)
    print(f"after/before {a / b:.3f} (after cheaper in {wins} of {ROUNDS} rounds); process CPU "
          f"{statistics.median(cpu['after']) / statistics.median(cpu['before']):.3f} (cheaper in "
          f"{sum(1 for x, y in zip(cpu['before'], cpu['after']) if y < x)} of {ROUNDS})")


if __name__ == "__main__":
    main()
