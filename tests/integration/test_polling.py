"""vigie run polling real HTTP sources on loopback: the first poll is a silent baseline except
recent items; later polls pass on new items only (conditional GET answered 304 costs nothing);
failures are recorded on the source with their reason and counted in /metrics; two processes
share 500 sources without polling any of them twice within its interval; a source whose
poll was cut short (its process killed, or the poll's record refused by Redis) is polled again
long before its lease would end."""
# ctest-labels: integration
import json
import os
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(__file__))
from harness import FeedServer, Redis, Vigie, run_tests, run_vigie, short_tmpdir, wait_until


def config(redis, extra=""):
    d = short_tmpdir()
    conf = os.path.join(d, "vigie.conf")
    with open(conf, "w") as f:
        f.write(f"""[redis]
url = {redis.url}
[admin]
listen = 127.0.0.1:0
[daemon]
housekeeping = 200ms
[fetch]
allow_private = 127.0.0.0/8
per_host_delay = 0
recent_window = 1d
{extra}""")
    return conf


def items(c):
    return [json.loads(f[1]) for _, f in c.call("XRANGE", "vigie:items", "-", "+")]


def sources(conf):
    r = run_vigie(["sources", "-c", conf, "list", "--json"])
    assert r.returncode == 0, r.stderr
    return {s["id"]: s for s in map(json.loads, r.stdout.splitlines())}


def test_baseline_new_items_and_conditional_get():
    r, fs = Redis(), FeedServer()
    conf = config(r)
    assert run_vigie(["sources", "-c", conf, "add", f"{fs.base}/feed/acme.xml", "--id", "acme",
                      "--interval", "10s"]).returncode == 0
    v = Vigie(config_path=conf)
    c = r.client()
    wait_until(lambda: sources(conf)["acme"]["last_ok_ms"] > 0, 15, "the first poll")
    got = items(c)
    # Baseline: today's item is passed on, the 30-day-old one only recorded.
    assert [i["title"] for i in got] == ["acme: news of the day"], got
    assert got[0]["source_id"] == "acme" and got[0]["lang"] == "en"
    assert got[0]["url"] == "https://news.example.com/acme/today"
    assert got[0]["published"].endswith("Z")

    fs.get("/add?feed=acme&title=Acme+raises+money")
    wait_until(lambda: len(items(c)) == 2, 30, "the new item after the next poll")
    assert items(c)[1]["title"] == "Acme raises money"
    n_hits = len(fs.hits()["/feed/acme.xml"])
    # The next poll finds nothing new: the server answers 304 to the ETag vigie kept.
    wait_until(lambda: len(fs.hits()["/feed/acme.xml"]) > n_hits, 30, "one more poll")
    wait_until(lambda: "vigie_polls_not_modified_total 1" in v.get("/metrics")[1], 10, "a 304 counted")
    assert len(items(c)) == 2
    assert v.stop() == 0


def test_failures_are_recorded_with_their_reason():
    r, fs = Redis(), FeedServer()
    conf = config(r)
    rows = ["id,url", f"gone,{fs.base}/status/404", f"html,{fs.base}/html", f"broken,{fs.base}/status/500",
            "refused,http://10.255.255.1/feed", f"ok,{fs.base}/feed/fine.xml"]
    p = os.path.join(short_tmpdir(), "s.csv")
    with open(p, "w") as f:
        f.write("\n".join(rows) + "\n")
    assert run_vigie(["sources", "-c", conf, "import", p]).returncode == 0
    v = Vigie(config_path=conf)
    wait_until(lambda: all(s["last_attempt_ms"] > 0 for s in sources(conf).values()), 20, "every source polled")
    s = sources(conf)
    assert s["gone"]["error_kind"] == "http_status" and s["gone"]["last_error"] == "HTTP 404"
    assert s["html"]["error_kind"] == "not_a_feed"
    assert s["broken"]["error_kind"] == "http_status" and "500" in s["broken"]["last_error"]
    assert s["refused"]["error_kind"] == "refused_address" and "10.255.255.1" in s["refused"]["last_error"]
    assert s["ok"]["failures"] == 0 and s["ok"]["error_kind"] is None
    assert all(s[k]["failures"] == 1 for k in ("gone", "html", "broken", "refused"))
    # A failing source backs off: its next poll is at least its interval away.
    assert s["gone"]["next_due_ms"] - s["gone"]["last_attempt_ms"] >= 0.9 * 2 * 15 * 60 * 1000  # 2 x 15m

    lst = run_vigie(["sources", "-c", conf, "list", "--failing"])
    assert "5 source(s), 4 failing" in lst.stdout and "not_a_feed" in lst.stdout
    _, metrics = v.get("/metrics")
    assert 'vigie_fetch_errors_total{kind="http_status"} 2' in metrics
    assert 'vigie_fetch_errors_total{kind="not_a_feed"} 1' in metrics
    assert 'vigie_polls_total{result="ok"} 1' in metrics
    st = run_vigie(["status", "-c", conf])
    assert "5, 0 due now, 4 failing" in st.stdout, st.stdout
    # The same figures in /metrics (refreshed every few seconds).
    wait_until(lambda: "vigie_sources_failing 4" in v.get("/metrics")[1], 15, "the failing gauge")
    _, metrics = v.get("/metrics")
    assert "vigie_sources 5" in metrics and 'vigie_stream_length{stream="items"} 1' in metrics, metrics
    assert v.stop() == 0


def test_two_processes_share_500_sources_without_double_polls():
    r, fs = Redis(), FeedServer()
    conf = config(r, "max_in_flight = 32\n")
    p = os.path.join(short_tmpdir(), "s.csv")
    with open(p, "w") as f:
        f.write("id,url,interval\n" + "".join(f"f{i},{fs.base}/feed/f{i}.xml,10s\n" for i in range(500)))
    assert run_vigie(["sources", "-c", conf, "import", p]).returncode == 0
    procs = []
    for name in ("one", "two"):
        conf_n = os.path.join(os.path.dirname(conf), f"{name}.conf")
        with open(conf) as src, open(conf_n, "w") as dst:
            dst.write(src.read().replace("[daemon]\n", f"[daemon]\ninstance = {name}\n"))
        procs.append(Vigie(config_path=conf_n))
    start = time.monotonic()
    wait_until(lambda: time.monotonic() - start > 25, 30, "25 seconds of polling", interval=0.5)
    polls = []
    for v in procs:
        m = re.search(r'vigie_polls_total\{result="ok"\} (\d+)', v.get("/metrics")[1])
        polls.append(int(m.group(1)) if m else 0)
    hits = fs.hits()
    for v in procs:
        assert v.stop() == 0
    feeds = {k: t for k, t in hits.items() if k.startswith("/feed/")}
    assert len(feeds) == 500, f"only {len(feeds)} of 500 sources were polled"
    for path, times in feeds.items():
        times.sort()
        for a, b in zip(times, times[1:]):
            # 10s interval with -10% jitter: never twice within 9s.
            assert b - a >= 8.9, f"{path} fetched twice within {b - a:.2f}s"
    assert sum(len(t) for t in feeds.values()) >= 1000, "each source should have been polled about twice"
    assert all(n > 0 for n in polls), f"both processes should share the work: {polls}"
    print(f"     polls per process: {polls}, fetches: {sum(len(t) for t in feeds.values())}")


def test_a_throttled_host_does_not_outlive_the_leases():
    # 40 sources on one host allowed one request every 0.5 s, with 10 s leases. Claiming
    # several batches ahead (as for fast hosts) would queue sources for longer than their
    # lease; the poller claims one batch at a time when claimed sources wait long.
    r, fs = Redis(), FeedServer()
    conf = config(r, "max_in_flight = 8\nper_host = 1\nlease = 10s\n")
    with open(conf) as f:
        text = f.read().replace("per_host_delay = 0", "per_host_delay = 500ms")
    with open(conf, "w") as f:
        f.write(text)
    p = os.path.join(short_tmpdir(), "s.csv")
    with open(p, "w") as f:
        f.write("id,url,interval\n" + "".join(f"t{i},{fs.base}/feed/t{i}.xml,1h\n" for i in range(40)))
    assert run_vigie(["sources", "-c", conf, "import", p]).returncode == 0
    v = Vigie(config_path=conf)
    c = r.client()
    # Polled and recorded: no source due within a minute (a leased one is due when its 10 s
    # lease ends, a polled one in about an hour).
    wait_until(lambda: c.call("ZCOUNT", "vigie:due", "-inf", str(int(time.time() * 1000) + 60000)) == 0,
               60, "every source polled", interval=0.5)
    log = v.log()
    assert v.stop() == 0
    assert "lease expired" not in log, log
    hits = {k: t for k, t in fs.hits().items() if k.startswith("/feed/t")}
    assert len(hits) == 40 and all(len(t) == 1 for t in hits.values()), hits


def redis_with_functions():
    """A Redis with vigie's function library loaded (a vigie started and stopped), and a
    configuration pointing at it: for tests that call the functions directly."""
    r = Redis()
    conf = config(r)
    v = Vigie(config_path=conf)
    v.admin_url()           # up: the function library is loaded
    assert v.stop() == 0
    return r, conf


# The source fields a claim returns, in the order of their card (queue_sched.c claim_fields).
CLAIM_FIELDS = ("kind", "url", "interval_ms", "account_id", "options", "etag", "last_modified", "failures",
                "baselined", "error_kind", "watch_text")
CLAIM_KEYS = ("3", "vigie:due", "vigie:poll_cards", "vigie:lease_owners")
# vigie_complete's keys and its arguments before the polls: dedup TTL, stream cap, prefix, dedup
# clock ("": Redis's TIME) and the card's fields.
COMPLETE_KEYS = ("5", "vigie:due", "vigie:items", "vigie:poll_cards", "vigie:last_attempt", "vigie:last_ok")
COMPLETE_HEAD = ("3600", "1000", "vigie:", "", str(len(CLAIM_FIELDS)), *CLAIM_FIELDS)


def test_poll_results_recorded_together_are_judged_one_by_one():
    # The poller records the polls that finish in one turn of its loop with one call of the
    # vigie_complete function: each poll is still checked against its own lease and source.
    # A lease is the source's due score while it is polled, so the claim's score must still
    # be there.
    r, conf = redis_with_functions()
    for sid in ("s1", "s2", "s3", "s4", "s5", "s6"):
        assert run_vigie(["sources", "-c", conf, "add", "http://127.0.0.1:9/" + sid, "--id", sid]).returncode == 0
    c = r.client()
    mine = "1000.5"
    c.call("ZADD", "vigie:due", mine, "s1", "2000.5", "s2", mine, "s3", mine, "s4", mine, "s5", mine, "s6")
    # s2's lease ran out and another claim took it; s3 was removed while it was polled; s5
    # was removed and added again; s6's result names a lease no claim gave.
    assert run_vigie(["sources", "-c", conf, "rm", "s3"]).returncode == 0
    assert run_vigie(["sources", "-c", conf, "rm", "s5"]).returncode == 0
    assert run_vigie(["sources", "-c", conf, "add", "http://127.0.0.1:9/s5", "--id", "s5"]).returncode == 0
    before = int(time.time() * 1000)
    out = c.call("FCALL", "vigie_complete", *COMPLETE_KEYS, *COMPLETE_HEAD,
                 "s1", mine, "60000", "1", "1", "etag", '"e1"', "1", "u1", "f1", "1", '{"id": "x"}',
                 "s2", mine, "60000", "1", "0", "0",
                 "s3", mine, "60000", "1", "0", "0",
                 "s4", mine, "60000", "0", "2", "error_kind", "http_status", "last_error", "HTTP 500", "0",
                 "s5", mine, "60000", "1", "1", "etag", '"e5"', "0",
                 "s6", "not a lease", "60000", "1", "0", "0")
    assert out == [1, 1, 0, 0, -1, 0, 0, 0, -2, 0, 0, 0, 1, 0, 0, 0, -1, 0, 0, 0, -1, 0, 0, 0], out
    assert c.call("ZSCORE", "vigie:due", "s2") == "2000.5"       # the other claim's lease stands
    assert c.call("HGET", "vigie:source:s5", "etag") is None     # nothing written for a lost lease
    s = sources(conf)
    assert s["s1"]["last_ok_ms"] >= before and s["s1"]["failures"] == 0 and s["s1"]["items_total"] == 1
    assert c.call("HGET", "vigie:source:s1", "etag") == '"e1"'
    assert s["s4"]["failures"] == 1 and s["s4"]["error_kind"] == "http_status" and s["s4"]["last_ok_ms"] == 0
    assert "s3" not in s and c.call("ZSCORE", "vigie:due", "s3") is None
    assert c.call("SMEMBERS", "vigie:failing") == ["s4"]
    assert int(c.call("ZSCORE", "vigie:due", "s1")) >= before + 60000
    assert c.call("XLEN", "vigie:items") == 1   # recent, so passed on even at the baseline

    # s4 recovers (its error is cleared); s1's next 304 has nothing to reset.
    c.call("ZADD", "vigie:due", mine, "s1", mine, "s4")
    out = c.call("FCALL", "vigie_complete", *COMPLETE_KEYS, *COMPLETE_HEAD,
                 "s1", mine, "60000", "2", "0", "0", "s4", mine, "60000", "1", "0", "0")
    assert out == [1, 0, 0, 0, 1, 0, 0, 0], out
    s = sources(conf)
    assert s["s4"]["failures"] == 0 and not s["s4"].get("error_kind") and s["s4"]["last_ok_ms"] >= before
    assert c.call("HGET", "vigie:source:s1", "etag") == '"e1"'
    assert c.call("SMEMBERS", "vigie:failing") == []


def test_claim_cards_follow_the_source():
    # A claim reads a source's poll fields from its card, a copy kept in one hash so that a
    # batch costs Redis one HMGET. A poll that changes those fields builds the card again;
    # whatever else changes them drops it, and the next claim builds it from the source; so a
    # poll never uses stale fields.
    r, conf = redis_with_functions()
    assert run_vigie(["sources", "-c", conf, "add", "http://127.0.0.1:9/a", "--id", "s1"]).returncode == 0
    c = r.client()

    lease = []

    def claim():
        c.call("ZADD", "vigie:due", 0, "s1")
        out = c.call("FCALL", "vigie_claim", *CLAIM_KEYS, "10", "60000", "vigie:", "test", "0", *CLAIM_FIELDS)
        assert out[1] == "s1" and len(out) == 3, out
        assert c.call("ZSCORE", "vigie:due", "s1") == out[0]    # the lease is the due score
        lease[:] = [out[0]]
        return dict(zip(CLAIM_FIELDS, out[2].split("\0")))

    def complete(*poll):
        out = c.call("FCALL", "vigie_complete", *COMPLETE_KEYS, *COMPLETE_HEAD, "s1", lease[0], "60000",
                     *poll)
        assert out == [1, 0, 0, 0], out

    assert claim()["url"] == "http://127.0.0.1:9/a"
    assert c.call("HEXISTS", "vigie:poll_cards", "s1") == 1
    shown = run_vigie(["sources", "-c", conf, "show", "s1"]).stdout
    assert "being polled now (lease ends in " in shown, shown
    before = int(time.time() * 1000)
    complete("1", "1", "etag", '"v1"', "0")                 # a first 200: the card is built again
    stored = dict(zip(CLAIM_FIELDS, c.call("HGET", "vigie:poll_cards", "s1").split("\0")))
    assert (stored["etag"], stored["baselined"]) == ('"v1"', "1"), stored
    card = claim()
    assert (card["etag"], card["baselined"], card["failures"]) == ('"v1"', "1", "0"), card
    complete("2", "0", "0")                                  # a plain 304 keeps the card...
    assert c.call("HEXISTS", "vigie:poll_cards", "s1") == 1
    s = sources(conf)["s1"]                                  # ...and its times are recorded
    assert s["last_ok_ms"] >= before and s["last_attempt_ms"] == s["last_ok_ms"], s
    assert c.call("HGET", "vigie:source:s1", "last_ok") is None

    # A new URL for the same id is what the next claim fetches.
    assert run_vigie(["sources", "-c", conf, "add", "http://127.0.0.1:9/b", "--id", "s1"]).returncode == 0
    assert claim()["url"] == "http://127.0.0.1:9/b"
    complete("0", "2", "error_kind", "connect", "last_error", "refused", "0")
    assert c.call("HEXISTS", "vigie:poll_cards", "s1") == 1
    card = claim()
    assert (card["failures"], card["error_kind"]) == ("1", "connect"), card
    s = sources(conf)["s1"]
    assert s["last_attempt_ms"] > s["last_ok_ms"] and s["failures"] == 1, s

    # A NUL byte inside a value (NUL separates a card's values) is dropped, not taken for a
    # separator.
    c.call("HSET", "vigie:source:s1", "watch_text", "before\0after")
    c.call("HDEL", "vigie:poll_cards", "s1")
    card = claim()
    assert (card["watch_text"], card["url"]) == ("beforeafter", "http://127.0.0.1:9/b"), card

    # A lease that ended (the process polling it stopped) shows as due, not as being polled.
    c.call("ZADD", "vigie:due", "1000.5", "s1")
    shown = run_vigie(["sources", "-c", conf, "show", "s1"]).stdout
    assert "being polled" not in shown, shown
    listed = run_vigie(["sources", "-c", conf, "list"]).stdout
    assert re.search(r"^s1 +feed +\S+ +due ", listed, re.M), listed

    # Removal takes the card and the times with the source.
    assert run_vigie(["sources", "-c", conf, "rm", "s1"]).returncode == 0
    for key in ("vigie:poll_cards", "vigie:last_attempt", "vigie:last_ok"):
        assert c.call("HEXISTS", key, "s1") == 0, key


def test_a_damaged_card_is_rebuilt():
    # A poll card that does not hold the expected fields (written by hand, or by another
    # version) is dropped with a warning; the source is polled once its lease runs out.
    r = Redis()
    fs = FeedServer()
    conf = config(r, "lease = 10s\n")
    assert run_vigie(["sources", "-c", conf, "add", f"{fs.base}/feed/acme.xml", "--id", "acme"]).returncode == 0
    c = r.client()
    c.call("HSET", "vigie:poll_cards", "acme", "feed\0not enough fields")
    v = Vigie(config_path=conf)
    wait_until(lambda: "malformed poll card" in v.log(), 10, "the warning")
    wait_until(lambda: c.call("HGET", "vigie:last_ok", "acme"), 30, "the poll after the lease")
    assert v.stop() == 0


class HeldServer:
    """A feed on loopback whose answers wait until release(): while a request waits, its
    source is being polled and its lease is held."""

    def __init__(self):
        self.hits = 0
        self.released = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, fmt, *args):
                pass

            def do_GET(self):
                server.hits += 1
                server.released.wait(120)
                body = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>held</title>'
                        b'<item><title>one</title><link>https://news.example.com/held/1</link></item>'
                        b'</channel></rss>')
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/rss+xml")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass    # the poller was killed meanwhile

        self.srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.srv.daemon_threads = True
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.srv.server_address[1]}/feed.xml"

    def release(self):
        self.released.set()

    def close(self):
        self.released.set()
        self.srv.shutdown()
        self.srv.server_close()


def held_source(r, instance="one"):
    """A source on a HeldServer, an instance-named configuration (default lease: 5 minutes)
    and a vigie polling the source, once the poll is under way."""
    hs = HeldServer()
    conf = config(r, "timeout = 2m\n")
    with open(conf) as f:
        text = f.read().replace("[daemon]\n", f"[daemon]\ninstance = {instance}\n")
    with open(conf, "w") as f:
        f.write(text)
    assert run_vigie(["sources", "-c", conf, "add", hs.url, "--id", "held", "--interval", "1h"]).returncode == 0
    v = Vigie(config_path=conf)
    wait_until(lambda: hs.hits == 1, 20, "the poll to start")
    c = r.client()
    lease = float(c.call("ZSCORE", "vigie:due", "held"))
    assert lease > time.time() * 1000 + 4 * 60 * 1000, lease   # held for about 5 minutes
    return hs, conf, v, c, lease


def test_a_restarted_instance_takes_back_its_leases_at_once():
    # kill -9 in the middle of a poll, and a restart under the same instance name: the new
    # process knows the lease was its own and polls the source again at once, instead of
    # waiting out the 5-minute lease.
    r = Redis()
    hs, conf, v, c, lease = held_source(r)
    v.proc.kill()
    v.wait_exit()
    v2 = Vigie(config_path=conf)
    wait_until(lambda: hs.hits >= 2, 30, "the source polled again by the restarted instance")
    hs.release()
    wait_until(lambda: c.call("HGET", "vigie:last_ok", "held"), 20, "the poll recorded")
    assert v2.stop() == 0
    hs.close()


def test_a_second_process_under_the_same_name_leaves_the_polls_alone():
    # Two processes given the same instance name: the second one's first claim does not take
    # the first one's lease (it is still polling), so the source is not polled twice at once.
    r = Redis()
    hs, conf, v, c, lease = held_source(r)
    v2 = Vigie(config_path=conf)
    v2.wait_log(r"another process runs as instance 'one'", 20)

    def fcalls():
        m = re.search(r"cmdstat_fcall:calls=(\d+)", c.call("INFO", "commandstats"))
        return int(m.group(1)) if m else 0
    n = fcalls()
    wait_until(lambda: fcalls() >= n + 6, 30, "both processes claiming a few more times")
    assert hs.hits == 1, "the source was polled again while its poll was under way"
    assert float(c.call("ZSCORE", "vigie:due", "held")) == lease
    hs.release()
    wait_until(lambda: c.call("HGET", "vigie:last_ok", "held"), 20, "the poll recorded")
    assert v.stop() == 0 and v2.stop() == 0
    hs.close()


def test_lease_owners_match_the_whole_instance_name():
    # An instance named "b" taking back its leases does not take those of "eu b" (a name
    # ending in the same word), and does not fail on them.
    r, conf = redis_with_functions()
    for sid in ("s1", "s2"):
        assert run_vigie(["sources", "-c", conf, "add", f"http://127.0.0.1:9/{sid}", "--id", sid]).returncode == 0
    c = r.client()
    c.call("ZADD", "vigie:due", 0, "s1")
    c.call("ZADD", "vigie:due", 9e15, "s2")
    held = c.call("FCALL", "vigie_claim", *CLAIM_KEYS, "10", "300000", "vigie:", "eu b", "0", *CLAIM_FIELDS)
    assert held[1] == "s1", held
    c.call("ZADD", "vigie:due", 0, "s2")
    out = c.call("FCALL", "vigie_claim", *CLAIM_KEYS, "10", "300000", "vigie:", "b", "1", *CLAIM_FIELDS)
    assert out[1] == "s2" and "s1" not in out, out
    assert c.call("ZSCORE", "vigie:due", "s1") == held[0]   # still leased to "eu b"


def test_a_poll_that_could_not_be_recorded_is_due_again_soon():
    # Redis refuses the poll's record (out of memory: every write is refused): the source is
    # not left leased for 5 minutes, but due again within seconds, and polled again once
    # Redis takes writes.
    r = Redis()
    hs, conf, v, c, lease = held_source(r)
    c.call("CONFIG", "SET", "maxmemory", "1")
    hs.release()
    v.wait_log(r"source held: could not record the poll", 20)
    wait_until(lambda: float(c.call("ZSCORE", "vigie:due", "held")) < lease - 4 * 60 * 1000, 20,
               "the lease given back")
    c.call("CONFIG", "SET", "maxmemory", "0")
    wait_until(lambda: hs.hits >= 2, 60, "the source polled again")
    wait_until(lambda: c.call("HGET", "vigie:last_ok", "held"), 20, "the poll recorded")
    assert v.stop() == 0
    hs.close()


if __name__ == "__main__":
    run_tests(dict(globals()))
