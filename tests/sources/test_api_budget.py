# ctest-labels: integration sources
"""An API's budget holds across processes (issue 15, shared rate budgets): three `vigie run`
processes share one real redis-server and 45 feed sources on one loopback server, with
[sources] feed_rate = 5/1s. The server logs when each request arrives and which process sent
it ([fetch] user_agent tells them apart). Every source gets polled, all three processes take
part, and no rolling second sees more than 5 requests: the budget is counted in Redis, not per
process (each alone would have sent 5 a second, 15 together)."""
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from harness import Redis, Vigie, daemon_config, run_tests, run_vigie, short_tmpdir, wait_until  # noqa: E402

N_SOURCES = 45
LIMIT = 5

RSS = """<?xml version="1.0"?><rss version="2.0"><channel><title>{n}</title><link>https://news.example/{n}</link>
<item><title>{n}: news</title><link>https://news.example/{n}/1</link></item></channel></rss>"""


class Feeds:
    def __init__(self):
        self.log = []
        feeds = self

        class H(BaseHTTPRequestHandler):
            def do_GET(self):
                feeds.log.append((time.monotonic(), self.path, self.headers.get("User-Agent")))
                data = RSS.format(n=self.path.rsplit("/", 1)[-1]).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *a):
                pass

        self.srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.base = f"http://127.0.0.1:{self.srv.server_address[1]}"
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()


def test_three_processes_share_one_feed_budget():
    r, feeds = Redis(), Feeds()
    d = short_tmpdir()
    confs = []
    for i in (1, 2, 3):
        conf = os.path.join(d, f"vigie{i}.conf")
        with open(conf, "w") as f:
            f.write(daemon_config(d, r.url, instance=f"p{i}", state_dir=os.path.join(d, f"state{i}"),
                                  daemon_extra="roles = fetch") + f"""
[fetch]
allow_private = 127.0.0.0/8
per_host_delay = 0
per_host = 8
max_in_flight = 4
user_agent = budget-test-p{i}
[sources]
automatic = no
feed_rate = {LIMIT}/1s
""")
        confs.append(conf)
    csv = os.path.join(d, "sources.csv")
    with open(csv, "w") as f:
        f.write("id,kind,url,interval\n")
        for n in range(N_SOURCES):
            f.write(f"f{n},feed,{feeds.base}/feed/f{n},1h\n")
    p = run_vigie(["sources", "-c", confs[0], "import", csv])
    assert p.returncode == 0, p.stderr
    procs = [Vigie(config_path=c) for c in confs]
    try:
        wait_until(lambda: len(feeds.log) >= N_SOURCES, 60, f"{N_SOURCES} polls")
        time.sleep(1.5)  # anything more would show now
    finally:
        for v in procs:
            assert v.stop() == 0, v.log()
    times = sorted(t for t, _, _ in feeds.log)
    assert sorted(path for _, path, _ in feeds.log) == sorted(f"/feed/f{n}" for n in range(N_SOURCES)), feeds.log
    # No rolling second saw more than the limit. Redis grants on its own clock, and a request
    # reaches the server some time after its grant: a few ms, up to about 100 ms under a
    # sanitizer on a busy machine. Requests seen within W seconds were granted within W + J
    # (J that jitter), so windows of k seconds less JITTER are checked against k times the
    # limit. Without the shared budget 40 of the 45 arrive within 0.1 s.
    JITTER = 0.2
    for k in (1, 2, 3):
        worst = max(sum(1 for u in times[i:] if u - t < k - JITTER) for i, t in enumerate(times))
        assert worst <= k * LIMIT, (k, worst, [round(t - times[0], 3) for t in times])
    # ... and the limit is what paced them: 45 requests at 5 a second take 8 s at least.
    assert times[-1] - times[0] >= (N_SOURCES / LIMIT - 1) * 0.95, times[-1] - times[0]
    by_process = {ua for _, _, ua in feeds.log}
    assert by_process == {"budget-test-p1", "budget-test-p2", "budget-test-p3"}, by_process
    listed = run_vigie(["sources", "-c", confs[0], "list", "--json"])
    assert all(json.loads(line)["last_ok_ms"] > 0 for line in listed.stdout.splitlines())


def test_stop_while_polls_wait_for_the_budget():
    """SIGTERM while polls wait in the budget's line: they are left for later (their leases
    run out, or this instance's next start takes them back), the process exits at once and
    cleanly (the sanitizer build checks nothing leaks), and the budget was never exceeded."""
    r, feeds = Redis(), Feeds()
    d = short_tmpdir()
    conf = os.path.join(d, "vigie.conf")
    with open(conf, "w") as f:
        f.write(daemon_config(d, r.url, daemon_extra="roles = fetch") + f"""
[fetch]
allow_private = 127.0.0.0/8
per_host_delay = 0
[sources]
automatic = no
feed_rate = 1/1m
""")
    for n in range(4):
        assert run_vigie(["sources", "-c", conf, "add", f"{feeds.base}/feed/s{n}", "--id", f"s{n}"]).returncode == 0
    v = Vigie(config_path=conf)
    wait_until(lambda: len(feeds.log) == 1, 20, "the first poll")
    wait_until(lambda: "vigie_fetch_budget_waiting 3" in v.get("/metrics")[1], 10, "3 polls in the line")
    t = time.monotonic()
    assert v.stop() == 0, v.log()
    assert time.monotonic() - t < 5, v.log()
    assert "poll(s) waiting for an API budget left for later" in v.log(), v.log()
    assert len(feeds.log) == 1, feeds.log


if __name__ == "__main__":
    run_tests(globals())
