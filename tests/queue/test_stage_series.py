# ctest-labels: integration review
"""A signal's series fields read by the enrich stage's process (queue/queue_series_fields.h, the
"p" outputs of vigie_stage_write) leave exactly the series that Redis's own reading of the
record (the "s" outputs) leaves: the same weeks, counts, priorities, heat and newest signal,
across weeks, accounts, priorities out of range, offsets and dates alone; and the records the
process leaves to Redis (a fraction of a second, a time that does not parse, an id other than
the dedup id) still reach their series. Both runs go through one redis-server, under two key
prefixes, against vigie's own function library."""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from harness import Redis, run_tests

BIN = os.environ.get("VIGIE_TEST_BIN_DIR", os.path.dirname(__file__))
TOOL = os.path.join(BIN, "tool_contract")
HALF = str(30 * 86400 * 1000)


def library():
    return subprocess.run([TOOL, "library"], check=True, capture_output=True, text=True).stdout


def series_fields(rows):
    """tool_contract series-fields: per (json, dedup, cluster), the fields or None."""
    text = "".join(f"{j}\t{d}\t{c}\n" for j, d, c in rows)
    out = subprocess.run([TOOL, "series-fields"], input=text, check=True, capture_output=True, text=True).stdout
    return [None if line == "-" else line.split("\t") for line in out.splitlines()]


def record(sid, acct, typ, prio, published, first="id"):
    """A signal record in enrich's member order (first member its id), compact."""
    members = [("id", sid), ("account_id", acct), ("type", typ), ("title", f"{acct} news {sid}"),
               ("url", f"https://news.example/{sid}"), ("confidence", 0.8), ("priority", prio),
               ("published", published), ("sources", 1)]
    if first != "id":
        members = [("title", "first")] + [m for m in members if m[0] != "title"]
    return "{" + ",".join(json.dumps(k) + ":" + json.dumps(v, separators=(",", ":")) for k, v in members) + "}"


def raw(rec, member, value):
    """The record with one member's value replaced by raw JSON text (a number written oddly)."""
    d = json.loads(rec)
    old = json.dumps(member) + ":" + json.dumps(d[member], separators=(",", ":"))
    assert old in rec
    return rec.replace(old, json.dumps(member) + ":" + value)


def signals():
    """(json, dedup, cluster): many accounts and weeks, and every shape of the members read."""
    rows = []
    for k in range(40):
        acct = f"acct{k % 7}"
        typ = ("funding", "hiring", "expansion")[k % 3]
        day = 1 + (k * 5) % 27
        month = 10 + (k % 3)
        published = f"2026-{month:02d}-{day:02d}T{k % 24:02d}:{(k * 7) % 60:02d}:00Z"
        rows.append((record(f"s{k}", acct, typ, (k * 13) % 110, published), f"s{k}", f"{acct}|{typ}"))
    odd = [
        record("o1", "acct1", "funding", 70, "2026-11-02T09:00:00+02:00"),
        record("o2", "acct1", "funding", 70, "2026-11-03"),
        raw(record("o3", "acct2", "hiring", 0, "2026-11-04T09:00:00Z"), "priority", "64.9"),
        raw(record("o4", "acct2", "hiring", 0, "2026-11-04T09:00:00Z"), "priority", "-12"),
        raw(record("o5", "acct2", "hiring", 0, "2026-11-04T09:00:00Z"), "priority", "1e3"),
        raw(record("o6", "acct3", "hiring", 0, "2026-11-04T09:00:00Z"), "priority", " 250"),
        raw(record("o7", "acct3", "hiring", 0, "2026-11-04T09:00:00Z"), "priority", '"high"'),
        record("o8", "acct3", "funding", 40, "2026-11-04T09:00:00.289Z"),   # left to Redis
        # left to Redis, which takes the entry's time (each run's own): an account of its own
        record("o9", "late", "funding", 40, "Wed, 04 Nov 2026 09:00:00 GMT"),
        record("o10", "acct4", "funding", 40, "2025-01-06T00:00:00Z"),      # more than 53 weeks back
        record("o11", "acct4", "funding", 40, "2027-12-20T00:00:00Z"),      # the newest week moves on
        record("o12", "acct4", "funding", 40, "2026-12-01T00:00:00Z"),
        record("o13", "a|b", "funding", 30, "2026-11-05T00:00:00Z"),         # an account id with a '|'
    ]
    rows += [(r, json.loads(r)["id"], f"{json.loads(r)['account_id']}|{json.loads(r)['type']}") for r in odd]
    rows.append((record("o14", "acct5", "funding", 30, "2026-11-05T00:00:00Z"), "other", "acct5|funding"))
    rows.append((record("s3", "acct3", "funding", 90, "2026-11-06T00:00:00Z"), "s3", "acct3|funding"))  # again
    return rows


def write(c, prefix, rows, fields):
    """Each row as the output of one item entry, through vigie_stage_write under `prefix`."""
    got = []
    for (rec, dedup, cluster), f in zip(rows, fields):
        c.call("XADD", prefix + "items", "*", "item", "{}")
        entry = c.call("XREADGROUP", "GROUP", "enrich", "t", "COUNT", 1, "STREAMS", prefix + "items", ">")[0][1][0][0]
        out = ["1s", rec, dedup, cluster, ""] if f is None else ["1p", rec, dedup, cluster, ""] + f
        got.append(c.call("FCALL", "vigie_stage_write", 3, prefix + "items", prefix + "errors:items:enrich",
                          prefix + "taken:items:enrich:", "enrich", prefix, 1000000, 30 * 86400, 3 * 86400, "c",
                          HALF, 1, "signals", "signal", entry, *out))
    return got


def state(c, prefix):
    out = {}
    for k in sorted(c.call("KEYS", prefix + "series:*")):
        if k.endswith(":late"):
            continue
        name = k[len(prefix):]
        t = c.call("TYPE", k)
        if t == "hash":
            out[name] = dict(zip(*[iter(c.call("HGETALL", k))] * 2))
        elif t == "zset":
            out[name] = c.call("ZRANGE", k, 0, -1, "WITHSCORES")
        else:
            out[name] = c.call("GET", k)
    out.pop("series:stream", None)  # an entry id of each run's own stream
    out.pop("series:since", None)   # the time of each run
    out["series:heat"] = [m for m in out["series:heat"]]
    i = out["series:heat"].index("late")
    del out["series:heat"][i:i + 2]
    return out


def test_series_read_by_the_process_are_those_read_by_redis():
    r = Redis(appendonly=False)
    c = r.client()
    c.call("FUNCTION", "LOAD", "REPLACE", library())
    rows = signals()
    fields = series_fields(rows)
    for p in ("s:", "p:"):
        c.call("XGROUP", "CREATE", p + "items", "enrich", "0", "MKSTREAM")
    by_redis = write(c, "s:", rows, [None] * len(rows))
    by_process = write(c, "p:", rows, fields)
    assert by_process == by_redis
    a, b = state(c, "s:"), state(c, "p:")
    assert a == b, {k: (a.get(k), b.get(k)) for k in set(a) | set(b) if a.get(k) != b.get(k)}
    assert len(a["series:heat"]) == 2 * 8, a["series:heat"]
    assert c.call("ZSCORE", "p:series:s:late", "o9") is not None
    # the process read every record but the five left to Redis
    left = [json.loads(r[0])["id"] for r, f in zip(rows, fields) if f is None]
    assert left == ["o8", "o9", "o14"], left
    # the stream holds the same records
    sa = [e[1] for e in c.call("XRANGE", "s:signals", "-", "+")]
    sb = [e[1] for e in c.call("XRANGE", "p:signals", "-", "+")]
    assert sa == sb and len(sa) == len(rows) - 1


def test_a_signal_without_a_time_takes_its_entry_time():
    r = Redis(appendonly=False)
    c = r.client()
    c.call("FUNCTION", "LOAD", "REPLACE", library())
    c.call("XGROUP", "CREATE", "p:items", "enrich", "0", "MKSTREAM")
    rec = record("n1", "acct9", "funding", 50, "x").replace('"published":"x"', '"published":null')
    rows = [(rec, "n1", "acct9|funding")]
    fields = series_fields(rows)
    assert fields == [["", "50", ""]], fields
    t0 = int(c.call("TIME")[0]) * 1000
    assert write(c, "p:", rows, fields) == [[1, 1, 0]]
    t1 = int(c.call("TIME")[0]) * 1000 + 1000
    w = dict(zip(*[iter(c.call("HGETALL", "p:series:w:acct9"))] * 2))
    assert t0 <= int(w["last_ms"]) <= t1 and w["last_id"] == "n1", w
    assert c.call("ZSCORE", "p:series:s:acct9", "n1") is not None


if __name__ == "__main__":
    sys.exit(run_tests(globals()))
