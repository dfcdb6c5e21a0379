"""Every Redis structure vigie keeps per signal or per stream entry is bounded, against a real
redis-server running vigie's own function library: a story that keeps growing keeps only its
newest stories in its cluster's index and still clusters, and forgets those older than the
story window; a flood of dead letters past the dead-letter stream's cap is dropped oldest
first and counted, and `vigie status` and /metrics say how many; streams trimmed by age never
lose an entry a lagging consumer group has not acknowledged, and what trimming by count takes
from such a group is counted exactly, shown by `vigie status` and /metrics, and leaves the group's lag
true."""
# ctest-labels: integration
import json
import os
import random
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from harness import Redis, Vigie, _children, daemon_config, run_tests, run_vigie, short_tmpdir, wait_until

BIN = os.environ.get("VIGIE_TEST_BIN_DIR", os.path.dirname(__file__))
STORY_CAP = 64  # queue/lua/story.lua STORY_CAP, documented in docs/design.md


def library():
    return subprocess.run([os.path.join(BIN, "tool_contract"), "library"], check=True, capture_output=True,
                          text=True).stdout


def loaded(r):
    c = r.client()
    c.call("FUNCTION", "LOAD", "REPLACE", library())
    return c


def fields(entry):
    return dict(zip(entry[1][::2], entry[1][1::2]))


# ---- stories ---------------------------------------------------------------------------

class Enrich:
    """Signals written through vigie_stage_write as the enrich stage writes them: each one the
    output of an item entry pending in the group `enrich`."""

    def __init__(self, c, window_s=3 * 86400):
        self.c, self.window_s = c, window_s
        c.call("XGROUP", "CREATE", "vigie:items", "enrich", "$", "MKSTREAM")

    def write(self, sid, url, sim, cluster="acme|funding"):
        c = self.c
        c.call("XADD", "vigie:items", "*", "item", json.dumps({"id": sid}))
        entry = c.call("XREADGROUP", "GROUP", "enrich", "t", "COUNT", 1, "STREAMS", "vigie:items", ">")[0][1][0][0]
        rec = json.dumps({"id": sid, "account_id": "acme", "type": "funding", "url": url, "title": sid},
                         separators=(",", ":"))[:-1] + ',"sources":1}'
        return c.call("FCALL", "vigie_stage_write", 3, "vigie:items", "vigie:errors:items:enrich",
                      "vigie:taken:items:enrich:", "enrich", "vigie:", 1000000, 86400, self.window_s, "c", 0, 1,
                      "signals", "signal", entry, "1s", rec, sid, cluster, sim)

    def signals(self):
        return [fields(e) for e in self.c.call("XRANGE", "vigie:signals", "-", "+")]


def flip(sim, bits):
    v = int(sim, 16)
    for b in bits:
        v ^= 1 << b
    return f"{v:016x}"


def test_a_story_that_keeps_growing_stays_capped_and_still_clusters():
    r = Redis()
    c = loaded(r)
    e = Enrich(c)
    rnd = random.Random(20)
    sims = [f"{rnd.getrandbits(64):016x}" for _ in range(100)]
    for i, sim in enumerate(sims):
        assert e.write(f"s{i}", f"https://news.example/{i}", sim) == [1, 1, 0]
    index = "vigie:stories:acme|funding"
    assert c.call("ZCARD", index) == STORY_CAP
    assert 0 < c.call("TTL", index) <= 3 * 86400
    kept = c.call("ZRANGE", index, 0, -1)
    assert {m[16:] for m in kept} == {f"s{i}" for i in range(100 - STORY_CAP, 100)}, "not the newest ones"

    # A copy of the newest story (2 bits apart) and of one still in the index grow them.
    assert e.write("copy-newest", "https://other.example/a", flip(sims[99], [3, 40])) == [1, 0, 1]
    assert e.write("copy-kept", "https://other.example/b", flip(sims[100 - STORY_CAP], [60])) == [1, 0, 1]
    # The same source again adds nothing; a copy 5 bits apart is another story.
    assert e.write("copy-again", "https://other.example/a", flip(sims[99], [7])) == [1, 0, 1]
    assert e.write("far", "https://other.example/c", flip(sims[98], [1, 2, 3, 4, 5])) == [1, 1, 0]
    # A story the cap made the index forget raises a signal of its own.
    assert e.write("copy-forgotten", "https://other.example/d", flip(sims[0], [9])) == [1, 1, 0]
    assert c.call("ZCARD", index) == STORY_CAP

    out = e.signals()
    updates = [json.loads(f["update"]) for f in out if "update" in f]
    assert [(u["id"], u["sources"]) for u in updates] == [("s99", 2), (f"s{100 - STORY_CAP}", 2)]
    assert updates[0]["source_urls"] == ["https://news.example/99", "https://other.example/a"]
    assert updates[0]["title"] == "s99"  # the record as first written, read back from the stream
    new = [json.loads(f["signal"])["id"] for f in out if "signal" in f]
    assert len(new) == 102 and new[-2:] == ["far", "copy-forgotten"]
    # One compact record per signal: "<sources> <entry id>\n<urls>".
    rec = c.call("GET", "vigie:story:s99")
    assert rec.startswith("2 ") and rec.endswith("\nhttps://news.example/99\nhttps://other.example/a"), rec
    assert not c.call("KEYS", "vigie:band:*") and not c.call("KEYS", "vigie:signal:*")


def test_stories_older_than_the_window_leave_the_index():
    r = Redis()
    c = loaded(r)
    e = Enrich(c, window_s=1)
    old = "0123456789abcdef"
    assert e.write("old", "https://news.example/old", old) == [1, 1, 0]
    time.sleep(1.2)
    # The same story told after the window: a new signal, and the old member is gone.
    assert e.write("new", "https://news.example/new", flip(old, [0])) == [1, 1, 0]
    assert [m[16:] for m in c.call("ZRANGE", "vigie:stories:acme|funding", 0, -1)] == ["new"]


def test_a_signal_is_written_once_with_its_story_as_marker():
    """A signal keeps no out: key: its story:<id> says it was written, and a copy that grew
    another story leaves "@<that id>" there, so that its redelivery adds nothing even after
    the cluster's index has forgotten the story (the story window passed)."""
    r = Redis()
    c = loaded(r)
    e = Enrich(c, window_s=1)
    sim = "0123456789abcdef"
    assert e.write("s1", "https://news.example/1", sim) == [1, 1, 0]
    assert e.write("copy", "https://other.example/1", flip(sim, [5])) == [1, 0, 1]
    assert c.call("GET", "vigie:story:copy") == "@s1"
    assert not c.call("KEYS", "vigie:out:*"), "a signal's marker is its story record"
    # Redelivered (the same ids, as after a takeover): nothing written, nothing grown again.
    assert e.write("s1", "https://news.example/1", sim) == [1, 0, 1]
    assert e.write("copy", "https://other.example/1", flip(sim, [5])) == [1, 0, 1]
    time.sleep(1.2)
    # Past the story window the index no longer lists s1; the copy's marker still holds.
    assert e.write("copy", "https://other.example/1", flip(sim, [5])) == [1, 0, 1]
    assert e.write("s1", "https://news.example/1", sim) == [1, 0, 1]
    out = e.signals()
    assert [json.loads(f["signal"])["id"] for f in out if "signal" in f] == ["s1"]
    assert [json.loads(f["update"])["sources"] for f in out if "update" in f] == [2]
    assert c.call("GET", "vigie:story:s1").startswith("2 ")
    # The console reads the copy's marker as no story of its own.
    assert 0 < c.call("TTL", "vigie:story:copy") <= 86400



def write_contact(c, cid, ttl):
    """A contact output (a dedup id, no cluster) of one item entry, through vigie_stage_write."""
    c.call("XADD", "vigie:items", "*", "item", "{}")
    entry = c.call("XREADGROUP", "GROUP", "enrich", "t", "COUNT", 1, "STREAMS", "vigie:items", ">")[0][1][0][0]
    return c.call("FCALL", "vigie_stage_write", 3, "vigie:items", "vigie:errors:items:enrich",
                  "vigie:taken:items:enrich:", "enrich", "vigie:", 1000000, ttl, 86400, "c", 0, 1,
                  "contacts", "contact", entry, "1d", json.dumps({"name": cid}), cid)


def test_a_contact_is_written_once_across_a_marker_bucket_boundary():
    """Outputs other than signals are marked written in hashes out:b:<bucket> that expire as a
    whole (no key per output): an id is remembered across the change of bucket, at least the
    dedup ttl, and forgotten after at most twice that."""
    r = Redis()
    c = loaded(r)
    c.call("XGROUP", "CREATE", "vigie:items", "enrich", "$", "MKSTREAM")
    ttl = 2

    def bucket():
        return int(c.call("TIME")[0]) // ttl
    # Written late in a bucket, redelivered in the next one: not written again.
    wait_until(lambda: int(c.call("TIME")[0]) % ttl == 1, 5, "the second half of a bucket")
    b = bucket()
    assert write_contact(c, "jane", ttl) == [1, 1, 0]
    assert write_contact(c, "jane", ttl) == [1, 0, 1]
    wait_until(lambda: bucket() == b + 1, 5, "the next bucket")
    assert write_contact(c, "jane", ttl) == [1, 0, 1], "forgotten at the bucket boundary"
    keys = sorted(c.call("KEYS", "vigie:out:*"))
    assert keys == ["vigie:out:b:%d" % b, "vigie:out:b:%d" % (b + 1), "vigie:out:since"], keys
    assert 0 < c.call("TTL", "vigie:out:b:%d" % b) <= ttl
    # Two buckets later (more than the ttl since its last sighting) it is forgotten: written.
    wait_until(lambda: bucket() == b + 3, 8, "two buckets later")
    assert write_contact(c, "jane", ttl) == [1, 1, 0]
    assert not c.call("EXISTS", "vigie:out:b:%d" % b), "a bucket past its successor did not expire"
    assert c.call("XLEN", "vigie:contacts") == 2


def test_markers_of_an_earlier_version_still_hold_after_the_upgrade():
    r = Redis()
    c = loaded(r)
    c.call("XGROUP", "CREATE", "vigie:items", "enrich", "$", "MKSTREAM")
    # What an earlier version left: the contacts stream and a marker key per contact.
    c.call("XADD", "vigie:contacts", "*", "contact", json.dumps({"name": "old"}))
    c.call("SET", "vigie:out:old", 1, "EX", 3600)
    assert write_contact(c, "old", 3600) == [1, 0, 1]
    assert write_contact(c, "new", 3600) == [1, 1, 0]
    assert c.call("XLEN", "vigie:contacts") == 2


# ---- dead letters ----------------------------------------------------------------------

def status(r, extra=""):
    d = short_tmpdir()
    conf = os.path.join(d, "vigie.conf")
    with open(conf, "w") as f:
        f.write(f"[redis]\nurl = {r.url}\n{extra}")
    p = run_vigie(["status", "-c", conf])
    assert p.returncode == 0, p.stderr
    return p.stdout


def test_a_dead_letter_flood_past_the_cap_is_counted_and_shown():
    r = Redis()
    c = r.client()
    for i in range(600):
        c.call("XADD", "vigie:items", "*", "item", json.dumps({"id": f"bad-{i}", "title": "POISON"}))
    env = dict(os.environ, TOOL_STAGE_DELAY_US="0", TOOL_STAGE_DLQ_MAXLEN="100")
    t = subprocess.Popen([os.path.join(BIN, "tool_stage"), r.url, "a", "100", "1"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env=env)
    _children.append(t)

    def settled():
        groups = c.call("XINFO", "GROUPS", "vigie:items")
        g = dict(zip(groups[0][::2], groups[0][1::2])) if groups else {}
        return g.get("entries-read") == 600 and g.get("pending") == 0
    wait_until(settled, 60, "every bad entry read and dead-lettered")
    t.terminate()
    out, _ = t.communicate(timeout=20)
    assert "dead=600" in out, out
    kept = c.call("XLEN", "vigie:dlq")
    assert 100 <= kept <= 200, kept  # MAXLEN ~: whole nodes go
    dropped = int(c.call("GET", "vigie:dlq:dropped"))
    assert dropped == 600 - kept, (dropped, kept)
    newest = fields(c.call("XREVRANGE", "vigie:dlq", "+", "-", "COUNT", 1)[0])
    assert json.loads(newest["payload"])["id"] == "bad-599"

    shown = status(r, "[pipeline]\ndlq_maxlen = 100\n")
    line = next(l for l in shown.splitlines() if l.startswith("dlq"))
    assert f"{dropped} dropped by its cap: dlq_maxlen 100" in line, shown

    v = Vigie(daemon_config(short_tmpdir(), r.url) + "[daemon]\nroles = enrich\n")
    try:
        def metric():
            code, body = v.get("/metrics")
            return code == 200 and f"vigie_dlq_dropped_total {dropped}" in body
        wait_until(metric, 20, "vigie_dlq_dropped_total in /metrics")
        _, body = v.get("/metrics")
        assert "# TYPE vigie_dlq_dropped_total counter" in body
    finally:
        assert v.stop() == 0


# ---- streams trimmed by age and by count ---------------------------------------------------

def add_at(c, key, ms, n, start=0):
    ids = []
    for k in range(n):
        ids.append(c.call("XADD", key, f"{ms}-{k}", "signal", json.dumps({"id": f"x{start + k}"})))
    return ids


def group(c, key, name):
    for g in c.call("XINFO", "GROUPS", key):
        g = dict(zip(g[::2], g[1::2]))
        if g["name"] == name:
            return g
    raise AssertionError(f"no group {name}")


def test_trimming_by_age_keeps_what_a_lagging_group_has_not_acknowledged():
    r = Redis()
    c = loaded(r)
    key = "vigie:signals"
    now = int(c.call("TIME")[0]) * 1000
    old = add_at(c, key, now - 3 * 3600 * 1000, 300)           # three hours old
    recent = add_at(c, key, now - 60 * 1000, 100, start=300)   # a minute old
    every = old + recent
    c.call("XGROUP", "CREATE", key, "sink:slow", "0")
    c.call("XGROUP", "CREATE", key, "sink:fast", "0")
    c.call("XREADGROUP", "GROUP", "sink:fast", "f", "COUNT", 1000, "STREAMS", key, ">")
    c.call("XACK", key, "sink:fast", *every)
    c.call("XREADGROUP", "GROUP", "sink:slow", "s", "COUNT", 250, "STREAMS", key, ">")
    c.call("XACK", key, "sink:slow", *old[:200])
    needed = set(old[200:]) | set(recent)  # pending (200-249) and not yet delivered (250-)

    # The daemon's trim of every minute runs at once on start: retention one hour.
    v = Vigie(daemon_config(short_tmpdir(), r.url) + "[daemon]\nroles = enrich\n[pipeline]\nretention = 1h\n")
    try:
        wait_until(lambda: c.call("XLEN", key) < 400, 20, "the trim by age")
    finally:
        assert v.stop() == 0
    left = {e[0] for e in c.call("XRANGE", key, "-", "+")}
    assert needed <= left, f"{len(needed - left)} entries sink:slow still needs were trimmed"
    assert len(left) < 400 and set(old[:200]) - left, "nothing old was trimmed"
    assert group(c, key, "sink:slow")["pending"] == 50
    assert not c.call("HGETALL", "vigie:trimmed:signals")

    # Once acknowledged, the old entries go; the recent ones stay.
    c.call("XREADGROUP", "GROUP", "sink:slow", "s", "COUNT", 1000, "STREAMS", key, ">")
    c.call("XACK", key, "sink:slow", *old)
    aged, counted = c.call("FCALL", "vigie_trim", 2, key, "vigie:trimmed:signals", 3600 * 1000, 1000000)
    assert counted == 0 and aged > 0
    left = [e[0] for e in c.call("XRANGE", key, "-", "+")]
    assert set(recent) <= set(left) and len(left) < 150, len(left)


def test_trimming_by_count_counts_what_a_group_had_not_acknowledged():
    r = Redis()
    c = loaded(r)
    key = "vigie:signals"
    ids = add_at(c, key, 1700000000000, 1000)
    c.call("XGROUP", "CREATE", key, "sink:slow", "0")
    c.call("XGROUP", "CREATE", key, "sink:fast", "0")
    c.call("XREADGROUP", "GROUP", "sink:fast", "f", "COUNT", 1000, "STREAMS", key, ">")
    c.call("XACK", key, "sink:fast", *ids)
    c.call("XREADGROUP", "GROUP", "sink:slow", "s", "COUNT", 300, "STREAMS", key, ">")
    c.call("XACK", key, "sink:slow", *ids[:100])
    acked = set(ids[:100])

    # No retention; a count cap of 500 must cut into what sink:slow still needs.
    aged, counted = c.call("FCALL", "vigie_trim", 2, key, "vigie:trimmed:signals", 0, 500)
    left = [e[0] for e in c.call("XRANGE", key, "-", "+")]
    removed = set(ids) - set(left)
    assert aged == 0 and counted == len(removed) and 500 <= len(left) < 600
    lost = len(removed - acked)
    trimmed = dict(zip(*[iter(c.call("HGETALL", "vigie:trimmed:signals"))] * 2))
    assert trimmed == {"sink:slow": str(lost)}, (trimmed, lost)
    # Its lag stays true: what is left after its last delivered entry.
    g = group(c, key, "sink:slow")
    assert g["lag"] == len([i for i in left if ids.index(i) >= 300]), g

    shown = status(r)
    line = next(l for l in shown.splitlines() if l.startswith("signals"))
    assert f"sink:slow" in line and f"({lost} trimmed unacknowledged: maxlen)" in line, shown
    assert "sink:fast 0 / 0 / 1" in line and line.count("trimmed") == 1, shown

    # A second trim with nothing to remove counts nothing more.
    c.call("FCALL", "vigie_trim", 2, key, "vigie:trimmed:signals", 0, 500)
    assert c.call("HGET", "vigie:trimmed:signals", "sink:slow") == str(lost)

    v = Vigie(daemon_config(short_tmpdir(), r.url) + "[daemon]\nroles = enrich\n[pipeline]\nretention = 0\n")
    try:
        series = f'vigie_group_trimmed_unacked_total{{stream="signals",group="sink:slow"}} {lost}'
        wait_until(lambda: series in v.get("/metrics")[1], 20, "the trimmed count in /metrics")
    finally:
        assert v.stop() == 0


def test_a_replay_stream_is_trimmed_by_age_and_count_at_each_replay():
    """replay:sink:<name> (written by `vigie dlq replay` only) keeps what its group has not
    acknowledged, drops what it acknowledged more than 7 days ago, and holds about 10,000 entries
    at most, what that cap takes from the group counted (queue_contract.h QUEUE_REPLAY_*)."""
    r = Redis()
    c = loaded(r)
    key, grp = "vigie:replay:sink:crm", "sink:crm"
    day = 86400000
    old = int(time.time() * 1000) - 8 * day
    ids = add_at(c, key, old, 300)
    c.call("XGROUP", "CREATE", key, grp, "0")
    c.call("XREADGROUP", "GROUP", grp, "w", "COUNT", 300, "STREAMS", key, ">")
    c.call("XACK", key, grp, *ids[:200])   # 100 old ones still pending

    def dead_letter(n):
        return c.call("XADD", "vigie:dlq", "*", "stream", "vigie:signals", "group", grp, "entry", f"1-{n}",
                      "deliveries", "3", "error", "refused", "field", "signal", "payload", json.dumps({"id": f"d{n}"}))
    d = short_tmpdir()
    conf = os.path.join(d, "vigie.conf")
    with open(conf, "w") as f:
        f.write(f"[redis]\nurl = {r.url}\n")
    p = run_vigie(["dlq", "-c", conf, "replay", dead_letter(0)])
    assert p.returncode == 0, p.stderr
    left = [e[0] for e in c.call("XRANGE", key, "-", "+")]
    assert set(ids[200:]) <= set(left), "an entry the sink had not acknowledged was trimmed by age"
    assert len(set(ids[:200]) & set(left)) < 100, "acknowledged entries older than 7 days were kept"
    assert json.loads(fields(c.call("XREVRANGE", key, "+", "-", "COUNT", 1)[0])["signal"]) == {"id": "d0"}
    assert not c.call("EXISTS", "vigie:trimmed:replay:sink:crm")

    # A flood of replays nobody reads: the stream stays near its cap, the loss is counted.
    c.call("EVAL", "for i = 1, 10500 do redis.call('XADD', KEYS[1], '*', 'signal', 'x') end", 1, key)
    p = run_vigie(["dlq", "-c", conf, "replay", dead_letter(1)])
    assert p.returncode == 0, p.stderr
    n = c.call("XLEN", key)
    assert 10000 <= n < 10200, n
    lost = int(c.call("HGET", "vigie:trimmed:replay:sink:crm", grp))
    assert lost > 0 and lost + n >= 10500, (lost, n)
    # A sink that never read its replay stream: the replay makes its group, from the start.
    p = run_vigie(["dlq", "-c", conf, "replay", c.call("XADD", "vigie:dlq", "*", "stream", "vigie:signals", "group",
                                                        "sink:new", "entry", "1-9", "deliveries", "1", "error", "x",
                                                        "field", "signal", "payload", "{}")])
    assert p.returncode == 0, p.stderr
    assert group(c, "vigie:replay:sink:new", "sink:new")["lag"] == 1


if __name__ == "__main__":
    run_tests(dict(globals()))
