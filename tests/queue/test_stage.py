"""Delivery guarantees of a pipeline stage, with real redis-server and real processes:
three consumers work through 5,000 items; one is killed with SIGKILL mid-run and Redis
(append-only file on) is restarted once mid-run; afterwards every item has produced exactly
one output — none missing, none duplicated — and a poison item sits in the dead-letter stream
with its error while everything behind it went through."""
# ctest-labels: integration scaleout
import json
import os
import re
import signal
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from harness import Redis, _children, run_tests, run_vigie, short_tmpdir, wait_until

TOOL = os.path.join(os.environ.get("VIGIE_TEST_BIN_DIR", os.path.dirname(__file__)), "tool_stage")
N = 5000


def start_tool(redis, instance, delay_us=600, reclaim_ms=1000, deliveries=3, maxlen=None, dlq_maxlen=None):
    env = dict(os.environ, TOOL_STAGE_DELAY_US=str(delay_us))
    if maxlen:
        env["TOOL_STAGE_MAXLEN"] = str(maxlen)
    if dlq_maxlen:
        env["TOOL_STAGE_DLQ_MAXLEN"] = str(dlq_maxlen)
    p = subprocess.Popen([TOOL, redis.url, instance, str(reclaim_ms), str(deliveries)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env=env)
    _children.append(p)
    return p


def outputs(c):
    """Every output entry's dedup id, with repetitions."""
    ids, start = [], "-"
    while True:
        batch = c.call("XRANGE", "vigie:signals", start, "+", "COUNT", 2000)
        ids += [json.loads(fields[1])["id"] for _, fields in batch]
        if len(batch) < 2000:
            return ids
        start = "(" + batch[-1][0]


def xadd_items(c, payloads):
    """Pipelined XADDs into vigie:items."""
    c.s.sendall(b"".join(b"*5\r\n$4\r\nXADD\r\n$11\r\nvigie:items\r\n$1\r\n*\r\n$4\r\nitem\r\n$%d\r\n%s\r\n"
                         % (len(p), p) for p in payloads))
    for _ in payloads:
        c._read()


def test_kill_and_redis_restart_lose_nothing_and_duplicate_nothing():
    r = Redis()
    c = r.client()
    for start in range(0, N, 500):
        xadd_items(c, [json.dumps({"id": f"item-{i}", "title": f"t{i}"}).encode()
                       for i in range(start, min(N, start + 500))])
    c.call("XADD", "vigie:items", "*", "item", json.dumps({"id": "poison", "title": "POISON"}))
    assert c.call("XLEN", "vigie:items") == N + 1

    tools = [start_tool(r, name) for name in ("a", "b", "c")]
    wait_until(lambda: c.call("XLEN", "vigie:signals") >= N * 0.2, 60, "20% of the outputs")
    tools[1].kill()  # SIGKILL: its pending entries must be taken over by the others
    tools[1].wait(10)
    wait_until(lambda: c.call("XLEN", "vigie:signals") >= N * 0.5, 60, "50% of the outputs")
    c.close()
    r.stop()   # SIGTERM: redis flushes its append-only file
    r.start()
    c = r.client()
    wait_until(lambda: c.call("XLEN", "vigie:signals") >= N, 120, "all outputs")
    wait_until(lambda: c.call("XLEN", "vigie:dlq") >= 1, 60, "the poison item dead-lettered")
    wait_until(lambda: c.call("XPENDING", "vigie:items", "trivial")[0] == 0, 60, "no pending entries")

    ids = outputs(c)
    assert len(ids) == N, f"{len(ids)} outputs for {N} items"
    assert set(ids) == {f"item-{i}" for i in range(N)}, "an item is missing"
    dlq = c.call("XRANGE", "vigie:dlq", "-", "+")
    assert len(dlq) == 1
    fields = dict(zip(dlq[0][1][::2], dlq[0][1][1::2]))
    assert fields["error"] == "poison item: refused on purpose"
    assert int(fields["deliveries"]) >= 3
    assert json.loads(fields["payload"])["id"] == "poison"
    assert fields["stream"] == "vigie:items" and fields["group"] == "trivial"

    check_status_and_dlq_commands(r, c)

    for t in (tools[0], tools[2]):
        t.send_signal(signal.SIGTERM)
        out, err = t.communicate(timeout=20)
        assert t.returncode == 0, err
        print("     survivor:", out.strip())
    c.close()


def test_a_slow_consumer_taken_over_does_not_write_again():
    # Consumer a reads a batch and is slow with it; b takes the batch over once it has been
    # idle for a second and writes it. When a finally writes its batch (acknowledged in one
    # XACK, as fresh batches are), none of the entries b wrote may be written a second time.
    r = Redis()
    c = r.client()
    n = 300
    xadd_items(c, [json.dumps({"id": f"item-{i}", "title": f"t{i}"}).encode() for i in range(n)])
    slow = start_tool(r, "a", delay_us=20000)          # about 5 s for its batch of 256
    wait_until(lambda: c.call("EXISTS", "vigie:items") and any(g[1] == "trivial" for g in c.call("XINFO", "GROUPS", "vigie:items"))
               and c.call("XPENDING", "vigie:items", "trivial")[0] > 0, 30, "a's batch")
    fast = start_tool(r, "b", delay_us=0)
    wait_until(lambda: c.call("XLEN", "vigie:signals") >= n, 60, "all outputs")
    wait_until(lambda: c.call("XPENDING", "vigie:items", "trivial")[0] == 0, 60, "no pending entries")
    stats = {}
    for name, t in (("a", slow), ("b", fast)):
        t.send_signal(signal.SIGTERM)
        out, err = t.communicate(timeout=30)
        assert t.returncode == 0, err
        stats[name] = dict(kv.split("=") for kv in out.split())
    assert int(stats["b"]["reclaimed"]) > 0, stats     # the takeover did happen
    ids = outputs(c)
    assert sorted(ids) == sorted(f"item-{i}" for i in range(n)), f"{len(ids)} outputs for {n} items, {len(set(ids))} distinct"
    assert int(stats["a"]["handled"]) + int(stats["b"]["handled"]) == n, stats
    c.close()


def check_status_and_dlq_commands(r, c):
    """`vigie status` and `vigie dlq` on the state the run left."""
    conf = os.path.join(short_tmpdir(), "vigie.conf")
    with open(conf, "w") as f:
        f.write(f"[redis]\nurl = {r.url}\n")
    st = run_vigie(["status", "-c", conf])
    assert st.returncode == 0, st.stderr
    lines = {l.split()[0]: l for l in st.stdout.splitlines() if l.strip()}
    assert f"{N + 1}" in lines["items"].split() and "trivial 0 / 0 / 3" in lines["items"], st.stdout
    assert lines["signals"].split()[1] == str(N)
    assert lines["dlq"].split()[1] == "1"

    ls = run_vigie(["dlq", "-c", conf, "list"])
    assert ls.returncode == 0 and "poison item: refused on purpose" in ls.stdout and "vigie:items" in ls.stdout, ls.stdout + ls.stderr
    dlq_id = ls.stdout.split()[0]
    show = run_vigie(["dlq", "-c", conf, "show", dlq_id])
    # At least max_deliveries (3): two consumers reclaiming at once can deliver it once more
    # before one of them dead-letters it, as the first check above allows.
    deliveries = re.search(r"^deliveries: +(\d+)$", show.stdout, re.M)
    assert '"id": "poison"' in show.stdout and deliveries and int(deliveries.group(1)) >= 3, show.stdout
    assert run_vigie(["dlq", "-c", conf, "replay", dlq_id]).returncode == 0
    assert c.call("XLEN", "vigie:dlq") == 0
    last = c.call("XREVRANGE", "vigie:items", "+", "-", "COUNT", 1)[0]
    assert last[1] == ["item", json.dumps({"id": "poison", "title": "POISON"})], "replayed onto its stream"
    # Replayed, it fails again and comes back after its deliveries; then it is dropped.
    wait_until(lambda: c.call("XLEN", "vigie:dlq") == 1, 60, "the replayed poison item dead-lettered again")
    dlq_id = c.call("XRANGE", "vigie:dlq", "-", "+")[0][0]
    assert run_vigie(["dlq", "-c", conf, "drop", dlq_id]).returncode == 0
    assert c.call("XLEN", "vigie:dlq") == 0
    assert run_vigie(["dlq", "-c", conf, "drop", dlq_id]).returncode == 1


def test_dead_letter_stream_is_capped():
    # Dead letters are capped (approximately: Redis trims whole nodes of 100 entries), the
    # oldest going first, so a flood of bad entries cannot fill Redis; what goes is counted
    # (tests/queue/test_bounds.py shows it in vigie status and /metrics).
    r = Redis()
    c = r.client()
    xadd_items(c, [json.dumps({"id": f"bad-{i}", "title": "POISON"}).encode() for i in range(500)])
    t = start_tool(r, "a", delay_us=0, reclaim_ms=100, deliveries=1, dlq_maxlen=100)
    def settled():
        groups = c.call("XINFO", "GROUPS", "vigie:items")
        if not groups:
            return False
        g = dict(zip(groups[0][::2], groups[0][1::2]))
        return g["entries-read"] == 500 and g["pending"] == 0
    wait_until(settled, 60, "every bad entry read and dead-lettered")
    n = c.call("XLEN", "vigie:dlq")
    assert 100 <= n <= 200, n
    assert int(c.call("GET", "vigie:dlq:dropped")) == 500 - n
    last = c.call("XREVRANGE", "vigie:dlq", "+", "-", "COUNT", 1)[0]
    fields = dict(zip(last[1][::2], last[1][1::2]))
    assert json.loads(fields["payload"])["id"] == "bad-499", fields   # the newest are kept
    t.send_signal(15)
    out, err = t.communicate(timeout=20)
    assert "dead=500" in out, out
    # one line for the flood, not one per entry
    assert err.count("moved to the dead-letter stream") == 1, err[-2000:]


if __name__ == "__main__":
    run_tests(dict(globals()))
