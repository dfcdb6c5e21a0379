"""A feed answered 200 with the same items again (no ETag, no Last-Modified): the items this
process has had recorded as seen are left out of what it sends Redis, and counted as already
seen; a new item among them still goes; a restarted process (cold cache) asks Redis again
and sends nothing twice; past [fetch] dedup_ttl (the test's clock, VIGIE_CLOCK_FILE) the
items are passed on again, as before the cache. A 200 whose body is byte for byte the one of
an earlier poll is not even parsed: it is recorded like a 304."""
# ctest-labels: integration
import os
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from harness import Redis, Vigie, run_tests, run_vigie, short_tmpdir, wait_until

T0 = 1796083200000  # the test's clock (ms): 2026-12-01T00:00:00Z
HOUR = 3600 * 1000
items = [f"story {i}" for i in range(10)]
# Each answer differs from the one before (its lastBuildDate), as most feeds' do, unless frozen.
answers = {"n": 0, "frozen": False}


class Feed(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_GET(self):
        now = "Tue, 01 Dec 2026 00:00:00 GMT" if answers["frozen"] else time.strftime(
            "%a, %d %b %Y %H:%M:%S GMT", time.gmtime())
        if not answers["frozen"]:
            answers["n"] += 1
        body = ('<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
                f'<lastBuildDate>{answers["n"]}</lastBuildDate>' + "".join(
            f"<item><title>{t}</title><link>https://example.com/{t.replace(' ', '-')}</link>"
            f"<pubDate>{now}</pubDate><description>About {t}.</description></item>" for t in items)
            + "</channel></rss>").encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def metric(v, name):
    _, body = v.get("/metrics")
    m = re.search(r"^" + re.escape(name) + r" (\S+)$", body, re.M)
    return float(m.group(1)) if m else 0.0


def hget_calls(c):
    """Lookups in the seen tables so far: one HSETNX per key of an item checked, and an HGET
    when it was there already."""
    stats = c.call("INFO", "commandstats")
    return sum(int(m.group(1)) for m in re.finditer(r"cmdstat_(?:hget|hsetnx):calls=(\d+)", stats))


def test_a_200_of_an_unchanged_feed_sends_redis_only_what_is_new():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Feed)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    r = Redis()
    c = r.client()
    d = short_tmpdir()
    conf = os.path.join(d, "vigie.conf")
    with open(conf, "w") as f:
        f.write(f"[redis]\nurl = {r.url}\n[admin]\nlisten = 127.0.0.1:0\n[daemon]\nhousekeeping = 200ms\n"
                f"[fetch]\nallow_private = 127.0.0.0/8\nper_host_delay = 0\nrecent_window = 1d\n"
                f"dedup_ttl = 1h\n")
    clock = os.path.join(d, "clock")
    with open(clock, "w") as f:
        f.write(f"{T0}\n")
    env = {"VIGIE_CLOCK_FILE": clock}
    url = f"http://127.0.0.1:{srv.server_address[1]}/feed.xml"
    assert run_vigie(["sources", "-c", conf, "add", url, "--id", "s1", "--interval", "1h"]).returncode == 0

    def poll_again(v, until):
        c.call("ZADD", "vigie:due", "0", "s1")
        wait_until(lambda: until(v), 15, "the poll recorded")

    new = 'vigie_items_total{result="new"}'
    base = 'vigie_items_total{result="baseline"}'
    dup = 'vigie_items_total{result="duplicate"}'
    cached = "vigie_items_cached_total"

    v = Vigie(config_path=conf, env=env)
    wait_until(lambda: metric(v, new) + metric(v, base) == 10, 15, "the first poll recorded")
    assert c.call("XLEN", "vigie:items") == 10

    # The same 200 again: nothing of it reaches Redis's seen table.
    calls = hget_calls(c)
    poll_again(v, lambda v: metric(v, dup) == 10)
    assert metric(v, cached) == 10
    assert hget_calls(c) == calls
    assert c.call("XLEN", "vigie:items") == 10

    # One new item among the ten: only it is checked (its URL key and fingerprint).
    items.append("story 10")
    calls = hget_calls(c)
    poll_again(v, lambda v: metric(v, new) + metric(v, base) == 11)
    assert metric(v, cached) == 20 and metric(v, dup) == 20
    assert hget_calls(c) - calls <= 3
    assert c.call("XLEN", "vigie:items") == 11
    assert v.stop() == 0

    # A restarted process knows nothing: Redis is asked again, and nothing is sent twice.
    v = Vigie(config_path=conf, env=env)
    calls = hget_calls(c)
    poll_again(v, lambda v: metric(v, dup) == 11)
    assert metric(v, cached) == 0 and metric(v, new) == 0
    assert hget_calls(c) - calls >= 44
    assert c.call("XLEN", "vigie:items") == 11
    poll_again(v, lambda v: metric(v, cached) == 11)

    # Past dedup_ttl (an hour, kept to the hour after it), cache and Redis have forgotten.
    with open(clock, "w") as f:
        f.write(f"{T0 + 3 * HOUR}\n")
    poll_again(v, lambda v: metric(v, new) == 11)
    assert c.call("XLEN", "vigie:items") == 22
    assert v.stop() == 0
    srv.shutdown()


def test_a_200_with_the_body_of_an_earlier_poll_is_recorded_like_a_304():
    answers["frozen"] = True
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Feed)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    r = Redis()
    c = r.client()
    d = short_tmpdir()
    conf = os.path.join(d, "vigie.conf")
    with open(conf, "w") as f:
        f.write(f"[redis]\nurl = {r.url}\n[admin]\nlisten = 127.0.0.1:0\n[daemon]\nhousekeeping = 200ms\n"
                f"[fetch]\nallow_private = 127.0.0.0/8\nper_host_delay = 0\nrecent_window = 3650d\n")
    url = f"http://127.0.0.1:{srv.server_address[1]}/feed.xml"
    assert run_vigie(["sources", "-c", conf, "add", url, "--id", "s1", "--interval", "1h"]).returncode == 0
    unchanged = "vigie_polls_unchanged_total"
    ok = "vigie_polls_total{result=\"ok\"}"
    try:
        v = Vigie(config_path=conf)
        wait_until(lambda: c.call("XLEN", "vigie:items") == len(items), 15, "the first poll recorded")
        polls = metric(v, ok)
        calls = hget_calls(c)
        c.call("ZADD", "vigie:due", "0", "s1")
        wait_until(lambda: metric(v, unchanged) == 1, 15, "the same body recorded as unchanged")
        assert metric(v, ok) == polls + 1, "an unchanged body is a successful poll"
        assert hget_calls(c) == calls, "its items were not sent to be found seen"
        assert int(c.call("HGET", "vigie:source:s1", "failures") or 0) == 0

        # One more item: a new body, parsed, and only the new item reaches the stream.
        items.append("story 99")
        c.call("ZADD", "vigie:due", "0", "s1")
        wait_until(lambda: c.call("XLEN", "vigie:items") == len(items), 15, "the new item passed on")
        assert metric(v, unchanged) == 1
        assert v.stop() == 0

        # A restarted process does not know the body: it parses it, and Redis finds it all seen.
        v = Vigie(config_path=conf)
        c.call("ZADD", "vigie:due", "0", "s1")
        wait_until(lambda: metric(v, ok) >= 1, 15, "the poll after the restart")
        assert metric(v, unchanged) == 0
        assert c.call("XLEN", "vigie:items") == len(items), "nothing sent twice"
        assert v.stop() == 0
    finally:
        items.pop()
        answers["frozen"] = False
        srv.shutdown()


if __name__ == "__main__":
    run_tests(globals())
