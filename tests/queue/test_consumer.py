"""What the sinks get from queue/, held against a real redis-server and real processes
(tests/queue/tool_consumer.c): a consumer group over two streams hands entries over as they
were written and never more than its owner asked for; what was acknowledged is not seen again
after a restart, what was not is read again with its delivery count; a second process takes
over a killed one's entries; a dead letter names its reason and original stream, and `vigie
dlq replay` re-delivers it to that sink alone; entries trimmed away while pending leave a
"payload lost" dead letter. The shared rate budget never grants more than its limit in any
rolling window, across processes; marks keep and expire; account tallies count, ignore a
repeated signal, drop what leaves the window and decay."""
# ctest-labels: integration sinks
import json
import os
import time
import queue
import subprocess
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from harness import Redis, _children, run_tests, run_vigie, short_tmpdir, wait_until

TOOL = os.path.join(os.environ.get("VIGIE_TEST_BIN_DIR", os.path.dirname(__file__)), "tool_consumer")
GROUP = "sink:test"


class Consumer:
    """A tool_consumer process: a queue_consumer driven through its stdin."""

    def __init__(self, redis, instance, group=GROUP, streams="signals,contacts", reclaim_ms=60000):
        self.p = subprocess.Popen([TOOL, "consume", redis.url, instance, group, streams, str(reclaim_ms)],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        _children.append(self.p)
        self.lines = queue.Queue()
        self.entries = []
        threading.Thread(target=self._read, daemon=True).start()
        self.expect("ready")

    def _read(self):
        for line in self.p.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def send(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()

    def expect(self, prefix, timeout=20):
        """The next line starting with prefix (entries before it are collected)."""
        while True:
            try:
                line = self.lines.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"no '{prefix}' line within {timeout}s; entries so far: {self.entries}")
            assert line is not None, f"tool_consumer exited before '{prefix}': {self.p.stderr.read()}"
            if line.startswith("entry "):
                self.entries.append(json.loads(line[6:]))
            if line.startswith(prefix):
                return line

    def wait_entries(self, n, timeout=20):
        while len(self.entries) < n:
            self.expect("entry ", timeout)
        return self.entries

    def stats(self):
        self.send("stats")
        return dict(kv.split("=") for kv in self.expect("stats ").split()[1:])

    def quit(self):
        self.send("quit")
        self.expect("bye")
        self.p.wait(10)
        assert self.p.returncode == 0, self.p.stderr.read()


def xadd(c, stream, field, payloads):
    return [c.call("XADD", f"vigie:{stream}", "*", field, p) for p in payloads]


def pending(c, stream, group=GROUP):
    return c.call("XPENDING", f"vigie:{stream}", group)[0]


def conf_for(r):
    path = os.path.join(short_tmpdir(), "vigie.conf")
    with open(path, "w") as f:
        f.write(f"[redis]\nurl = {r.url}\n")
    return path


def test_entries_of_two_streams_are_handed_over_as_written():
    r = Redis()
    c = r.client()
    sig = xadd(c, "signals", "signal", [json.dumps({"id": f"s{i}"}) for i in range(3)])
    con = xadd(c, "contacts", "contact", [json.dumps({"id": f"c{i}"}) for i in range(2)])
    a = Consumer(r, "a")
    a.send("want 100")
    # (ids are per stream: two streams may hold the same id)
    got = {(e["stream"], e["id"]): e for e in a.wait_entries(5)}
    for i, eid in enumerate(sig):
        e = got[("signals", eid)]
        assert e["field"] == "signal" and json.loads(e["payload"]) == {"id": f"s{i}"} and e["deliveries"] == 1, e
    for i, eid in enumerate(con):
        e = got[("contacts", eid)]
        assert e["field"] == "contact" and json.loads(e["payload"]) == {"id": f"c{i}"} and e["deliveries"] == 1, e
    # Entries written while the consumer waits come too.
    late = xadd(c, "contacts", "contact", ["{}"])
    assert a.wait_entries(6)[-1]["id"] == late[0]
    a.send("ackall")
    wait_until(lambda: pending(c, "signals") == 0 and pending(c, "contacts") == 0, 10, "every entry acknowledged")
    a.send("lag")
    assert a.expect("lag ") == "lag 0"
    a.quit()


def test_want_bounds_what_is_handed_over():
    r = Redis()
    c = r.client()
    xadd(c, "signals", "signal", [f"s{i}" for i in range(30)])
    xadd(c, "contacts", "contact", [f"c{i}" for i in range(30)])
    a = Consumer(r, "a")
    # The lag is unknown (-1) until the consumer has created its groups; then nothing has
    # been read, since the owner asked for nothing.
    lag = "lag -1"
    deadline = time.monotonic() + 10
    while lag == "lag -1" and time.monotonic() < deadline:
        a.send("lag")
        lag = a.expect("lag ")
    assert lag == "lag 60", f"nothing read before the owner asks ({lag})"
    a.send("want 5")
    a.wait_entries(5)
    # A read asks for what the owner wants (COUNT is per stream: two streams, twice that).
    assert a.stats()["read"] in ("5", "10")
    assert len(a.entries) == 5, a.entries
    assert pending(c, "signals") + pending(c, "contacts") <= 10
    a.send("want 7")
    a.wait_entries(12)
    a.stats()
    assert len(a.entries) == 12, a.entries
    a.send("want 1000")
    a.wait_entries(60)
    assert len({(e["stream"], e["id"]) for e in a.entries}) == 60
    assert {e["payload"] for e in a.entries} == {f"s{i}" for i in range(30)} | {f"c{i}" for i in range(30)}
    a.quit()


def test_a_restart_reads_again_what_was_not_acknowledged():
    r = Redis()
    c = r.client()
    ids = xadd(c, "signals", "signal", [f"s{i}" for i in range(10)])
    a = Consumer(r, "a")
    a.send("want 10")
    a.wait_entries(10)
    for eid in ids[:4]:
        a.send(f"ack {eid}")
    wait_until(lambda: pending(c, "signals") == 6, 10, "four acknowledgements")
    a.quit()

    a = Consumer(r, "a")
    a.send("want 100")
    got = a.wait_entries(6)
    assert sorted(e["id"] for e in got) == sorted(ids[4:]), got
    assert all(e["deliveries"] == 2 for e in got), got
    new = xadd(c, "signals", "signal", ["new"])
    assert a.wait_entries(7)[-1] == {"stream": "signals", "id": new[0], "field": "signal", "payload": "new",
                                    "deliveries": 1}
    a.send("ackall")
    wait_until(lambda: pending(c, "signals") == 0, 10, "every entry acknowledged")
    a.quit()


def test_a_second_process_takes_over_a_killed_ones_entries():
    r = Redis()
    c = r.client()
    ids = xadd(c, "signals", "signal", [f"s{i}" for i in range(5)]) + xadd(c, "contacts", "contact", ["c0"])
    a = Consumer(r, "a")
    a.send("want 6")
    a.wait_entries(6)
    a.p.kill()
    a.p.wait(10)
    b = Consumer(r, "b", reclaim_ms=1000)
    b.send("want 100")
    got = b.wait_entries(6, timeout=30)
    assert sorted(e["id"] for e in got) == sorted(ids), got   # (ids of both streams)
    assert all(e["deliveries"] == 2 for e in got), got
    assert {e["stream"] for e in got} == {"signals", "contacts"}
    assert b.stats()["reclaimed"] == "6"
    b.send("ackall")
    wait_until(lambda: pending(c, "signals") == 0 and pending(c, "contacts") == 0, 10, "every entry acknowledged")
    b.quit()


def dead_letters(c):
    return [dict(zip(f[::2], f[1::2]), id=i) for i, f in c.call("XRANGE", "vigie:dlq", "-", "+")]


def test_dead_letter_replays_to_its_sink_alone():
    r = Redis()
    c = r.client()
    conf = conf_for(r)
    a = Consumer(r, "a")
    other = Consumer(r, "a", group="sink:other", streams="signals")
    payload = json.dumps({"id": "sig-1", "title": "Acme raises"})
    orig = xadd(c, "signals", "signal", [payload])[0]
    a.send("want 10")
    other.send("want 10")
    a.wait_entries(1)
    other.wait_entries(1)
    other.send("ackall")

    a.send(f"dead {orig} HubSpot refused it: INVALID_OPTION for property 'industry'")
    wait_until(lambda: len(dead_letters(c)) == 1, 10, "the dead letter")
    d = dead_letters(c)[0]
    assert (d["stream"], d["group"], d["entry"], d["deliveries"], d["field"], d["payload"]) == \
        ("vigie:signals", GROUP, orig, "1", "signal", payload), d
    assert d["error"] == "HubSpot refused it: INVALID_OPTION for property 'industry'"
    assert pending(c, "signals") == 0
    ls = run_vigie(["dlq", "-c", conf, "list"])
    assert ls.returncode == 0 and "HubSpot refused it" in ls.stdout and "vigie:signals" in ls.stdout \
        and GROUP in ls.stdout, ls.stdout + ls.stderr

    res = run_vigie(["dlq", "-c", conf, "replay", d["id"]])
    assert res.returncode == 0, res.stderr
    assert c.call("XLEN", "vigie:dlq") == 0
    assert c.call("XLEN", "vigie:signals") == 1, "not written again on signals: every group would get it"
    assert c.call("XLEN", "vigie:replay:sink:test") == 1
    replayed = a.wait_entries(2)[-1]
    assert (replayed["stream"], replayed["field"], replayed["payload"], replayed["deliveries"]) == \
        ("signals", "signal", payload, 1), replayed
    groups = [dict(zip(g[::2], g[1::2]))["name"] for g in c.call("XINFO", "GROUPS", "vigie:replay:sink:test")]
    assert groups == [GROUP], groups
    # The other sink's group sees the next entry of signals, not the replayed one.
    marker = xadd(c, "signals", "signal", ["marker"])[0]
    other.wait_entries(2)
    assert [e["id"] for e in other.entries] == [orig, marker], other.entries

    # Dead-lettered again, it still names the stream and entry it was first written as.
    a.send(f"dead {replayed['id']} still refused")
    wait_until(lambda: len(dead_letters(c)) == 1, 10, "the second dead letter")
    d = dead_letters(c)[0]
    assert (d["stream"], d["group"], d["entry"], d["payload"], d["error"]) == \
        ("vigie:signals", GROUP, orig, payload, "still refused"), d
    show = run_vigie(["dlq", "-c", conf, "show", d["id"]])
    assert f"vigie:signals (group {GROUP}), entry {orig}" in show.stdout, show.stdout
    assert c.call("XPENDING", "vigie:replay:sink:test", GROUP)[0] == 0
    assert run_vigie(["dlq", "-c", conf, "replay", d["id"]]).returncode == 0
    got = a.wait_entries(4)   # the original, its replay, the marker, its second replay
    assert got[2]["payload"] == "marker" and got[3]["payload"] == payload and got[3]["stream"] == "signals", got
    assert c.call("XLEN", "vigie:replay:sink:test") == 2

    # A stage's dead letter keeps today's replay: back on its own stream.
    c.call("XADD", "vigie:dlq", "*", "stream", "vigie:items", "group", "enrich", "entry", "1-0", "deliveries", "5",
           "error", "bad", "field", "item", "payload", "{}")
    stage_dl = dead_letters(c)[0]["id"]
    assert run_vigie(["dlq", "-c", conf, "replay", stage_dl]).returncode == 0
    assert c.call("XRANGE", "vigie:items", "-", "+")[0][1] == ["item", "{}"]
    a.quit()
    other.quit()


def test_entries_trimmed_while_pending_are_dead_lettered():
    r = Redis()
    c = r.client()
    xadd(c, "signals", "signal", [f"s{i}" for i in range(3)])
    a = Consumer(r, "a")
    a.send("want 3")
    a.wait_entries(3)
    a.p.kill()
    a.p.wait(10)
    c.call("XTRIM", "vigie:signals", "MAXLEN", 1)
    # Read again from its own pending list after a restart: the two trimmed ones.
    a = Consumer(r, "a")
    a.send("want 10")
    assert a.wait_entries(1)[0]["payload"] == "s2"
    wait_until(lambda: len(dead_letters(c)) == 2, 10, "two dead letters")
    for d in dead_letters(c):
        assert d["error"].startswith("payload lost") and d["stream"] == "vigie:signals" and d["payload"] == "", d
    a.p.kill()
    a.p.wait(10)
    # Taken over by another process (XAUTOCLAIM finds it gone).
    c.call("XTRIM", "vigie:signals", "MAXLEN", 0)
    b = Consumer(r, "b", reclaim_ms=1000)
    b.send("want 10")
    wait_until(lambda: len(dead_letters(c)) == 3, 30, "the third dead letter")
    assert dead_letters(c)[-1]["error"].startswith("payload lost")
    assert pending(c, "signals") == 0
    assert b.entries == []
    b.quit()


def test_the_budget_never_grants_more_than_its_limit_in_a_rolling_window():
    r = Redis()
    limit, window = 20, 1000
    tools = [subprocess.Popen([TOOL, "budget", r.url, "crm", str(limit), str(window), "3500"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(3)]
    _children.extend(tools)
    grants, waits = [], []
    for t in tools:
        out, err = t.communicate(timeout=30)
        assert t.returncode == 0, err
        for line in out.splitlines():
            kind, *v = line.split()
            if kind == "grant":
                grants.append((int(v[0]), int(v[1])))
            else:
                waits.append(int(v[0]))
    # Redis decided each grant between the take's sending and its answer (the processes share
    # CLOCK_MONOTONIC). Any limit + 1 grants sent at or after s and all answered before s +
    # window (less 2 ms for Redis's whole milliseconds) would be limit + 1 grants in less than
    # a window, whatever the delays.
    grants.sort()
    for i, (s, _) in enumerate(grants):
        answered = sorted(a for _, a in grants[i:])
        if len(answered) > limit:
            span = answered[limit] - s
            assert span >= window - 2, f"{limit + 1} grants within {span} ms from {s}: {grants[i:i + limit + 1]}"
    # Granted as soon as allowed: a burst of 20 at once, then 20 more each window.
    assert len(grants) >= 3 * limit, len(grants)
    assert waits and all(1 <= w <= window for w in waits), sorted(set(waits))
    c = r.client()
    assert 0 < c.call("PTTL", "vigie:budget:crm") <= window
    assert c.call("ZCARD", "vigie:budget:crm") <= limit


def marks(r, *ops):
    res = subprocess.run([TOOL, "marks", r.url, "hubspot", *ops], capture_output=True, text=True, timeout=20)
    assert res.returncode == 0, res.stderr
    return [line.split(" ", 2)[1:] for line in res.stdout.splitlines()]


def test_marks_are_kept_and_expire():
    r = Redis()
    c = r.client()
    got = marks(r, "set", "sig-1", "note 123", "3600", "set", "sig-2", "note 456", "1", "get", "sig-1", "sig-2", "sig-3")
    assert got == [["sig-1", "note 123"], ["sig-2", "note 456"], ["sig-3", "(nil)"]], got
    assert c.call("GET", "vigie:mark:hubspot:sig-1") == "note 123"
    assert 3590 <= c.call("TTL", "vigie:mark:hubspot:sig-1") <= 3600
    wait_until(lambda: c.call("EXISTS", "vigie:mark:hubspot:sig-2") == 0, 10, "the short mark to expire")
    assert marks(r, "get", "sig-2", "sig-1") == [["sig-2", "(nil)"], ["sig-1", "note 123"]]


def redis_ms(c):
    s, us = c.call("TIME")
    return int(s) * 1000 + int(us) // 1000


def tally(r, account, signal, priority, published, window, half):
    res = subprocess.run([TOOL, "tally", r.url, account, signal, str(priority), str(published), str(window),
                          str(half)], capture_output=True, text=True, timeout=20)
    assert res.returncode == 0 and not res.stdout.startswith("error"), res.stdout + res.stderr
    return {k: float(v) for k, v in (kv.split("=") for kv in res.stdout.split())}


def test_tallies_count_once_drop_old_signals_and_decay():
    r = Redis()
    c = r.client()
    day = 86400000
    window, half = 90 * day, 7 * day
    now = redis_ms(c)
    t = tally(r, "acme", "sig-1", 40, now, window, half)
    assert t["count"] == 1 and abs(t["heat"] - 40) < 0.01 and t["last"] == now, t
    # The same signal again, even with another priority: counted once.
    t = tally(r, "acme", "sig-1", 80, now, window, half)
    assert t["count"] == 1 and abs(t["heat"] - 40) < 0.01, t
    # A signal one half-life old weighs half its priority, two half-lives a quarter.
    t = tally(r, "acme", "sig-2", 30, now - half, window, half)
    assert t["count"] == 2 and abs(t["heat"] - 55) < 0.01 and t["last"] == now, t
    t = tally(r, "acme", "sig-3", 20, now - 2 * half, window, half)
    assert t["count"] == 3 and abs(t["heat"] - 60) < 0.01, t
    # Older than the window: not counted (its heat, 90 * 0.5^13, is below the tolerance).
    t = tally(r, "acme", "sig-old", 90, now - window - day, window, half)
    assert t["count"] == 3 and abs(t["heat"] - 60) < 0.02, t
    # Heat is capped.
    t = tally(r, "acme", "sig-4", 90, now, window, half)
    assert t["count"] == 4 and t["heat"] == 100, t
    # The tally is the account's series (queue_series.h): its ids, the first priority kept.
    members = c.call("ZRANGE", "vigie:series:s:acme", 0, -1, "WITHSCORES")
    prio = {members[i]: round((float(members[i + 1]) % 1) * 128) for i in range(0, len(members), 2)}
    assert prio == {"sig-1": 40, "sig-2": 30, "sig-3": 20, "sig-4": 90, "sig-old": 90}, prio
    assert c.call("EXISTS", "vigie:tally:acme") == 0

    # Members leave the window as Redis's clock moves on.
    short = 3000
    start = redis_ms(c)
    t = tally(r, "beta", "b-1", 10, start - 1000, short, half)
    assert t["count"] == 1, t
    wait_until(lambda: redis_ms(c) > start + 2100, 10, "Redis time to move on")
    t = tally(r, "beta", "b-2", 10, redis_ms(c), short, half)
    assert t["count"] == 1, t


def test_tally_moves_an_earlier_versions_key_into_the_series():
    r = Redis()
    c = r.client()
    day = 86400000
    now = redis_ms(c)
    # what an earlier vigie left: the window as "<priority>|<id>" scored by published ms
    c.call("ZADD", "vigie:tally:old", str(now - 2 * day), "50|o-1", str(now - day), "30|o-2")
    t = tally(r, "old", "o-3", 20, now, 90 * day, 30 * day)
    assert t["count"] == 3 and abs(t["heat"] - (50 * 0.5 ** (2 / 30) + 30 * 0.5 ** (1 / 30) + 20)) < 0.05, t
    assert c.call("EXISTS", "vigie:tally:old") == 0
    assert c.call("ZCARD", "vigie:series:s:old") == 3
    # o-1 again: counted once
    t = tally(r, "old", "o-1", 50, now - 2 * day, 90 * day, 30 * day)
    assert t["count"] == 3, t


if __name__ == "__main__":
    run_tests(dict(globals()))
