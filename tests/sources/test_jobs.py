# ctest-labels: integration sources
"""The `jobs` source kind in the running daemon (issue 15 part 5): a Greenhouse board served on
loopback in its documented shape, a source added with `vigie sources add --kind jobs` for an
account whose identifiers hold the board token. The first poll only starts the series; when a
posting appears in a city the board never named, the next poll queues one `jobs` item and the
enrich stage gives the account an `expansion` signal with the posting's city in its evidence
(through the item's structured member, by the greenhouse identifier: the text never names the
company). After four days of a kept series, a surge gives a `hiring` signal naming the
departments that grow. An unknown board (404) is a failing source that says so."""
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from harness import Redis, Vigie, daemon_config, run_tests, run_vigie, short_tmpdir, wait_until

STATE = {"spec": [("Engineering", "Paris", 6), ("Sales", "London", 3)]}


def greenhouse(spec):
    jobs, i = [], 1
    for dept, loc, n in spec:
        for _ in range(n):
            jid = 5000000 + i
            jobs.append({"id": jid, "internal_job_id": 6000000 + i, "title": f"{dept} role {i}",
                         "updated_at": "2026-12-01T09:00:00-05:00", "first_published": "2026-11-20T09:00:00-05:00",
                         "requisition_id": f"R-{i}", "location": {"name": loc},
                         "absolute_url": f"https://boards.greenhouse.io/acmerobotics/jobs/{jid}", "language": "en",
                         "metadata": None, "departments": [{"id": 40, "name": dept, "child_ids": [], "parent_id": None}],
                         "offices": [{"id": 41, "name": loc, "location": loc, "child_ids": [], "parent_id": None}]})
            i += 1
    return {"jobs": jobs, "meta": {"total": len(jobs)}}


class Board(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/v1/boards/acmerobotics/jobs":
            body, status = json.dumps(greenhouse(STATE["spec"])).encode(), 200
        else:
            body, status = b'{"status":404,"error":"Job board not found"}', 404
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def serve():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Board)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f"http://127.0.0.1:{srv.server_address[1]}"


def setup():
    d = short_tmpdir()
    r = Redis()
    srv, base = serve()
    conf = os.path.join(d, "vigie.conf")
    with open(conf, "w") as f:
        f.write(daemon_config(d, r.url) + "[fetch]\nallow_private = 127.0.0.0/8\n"
                f"[sources]\nautomatic = no\ngreenhouse_url = {base}\n")
    accounts = os.path.join(d, "accounts.json")
    with open(accounts, "w") as f:
        json.dump([{"id": "acme", "name": "Acme Robotics", "identifiers": {"greenhouse": "acmerobotics"}}], f)
    p = run_vigie(["accounts", "-c", conf, "import", accounts])
    assert p.returncode == 0, p.stderr
    return d, r, srv, base, conf


def stream(c, key):
    return [dict(zip(f[::2], f[1::2])) for _, f in c.call("XRANGE", key, "-", "+")]


def polled(c, sid):
    return "." not in (c.call("ZSCORE", "vigie:due", sid) or ".")  # recorded: no lease left


def test_new_location_is_an_expansion_signal_for_the_account():
    d, r, srv, base, conf = setup()
    p = run_vigie(["sources", "-c", conf, "add", f"{base}/v1/boards/acmerobotics/jobs", "--kind", "jobs", "--id",
                   "jobs-acme", "--account", "acme", "--interval", "1h"])
    assert p.returncode == 0, p.stderr
    v = Vigie(config_path=conf)
    c = r.client()
    wait_until(lambda: c.call("HGET", "vigie:source:jobs-acme", "watch_text"), 30, "the first poll")
    keep = json.loads(c.call("HGET", "vigie:source:jobs-acme", "watch_text"))
    assert keep["polls"][0]["total"] == 9 and keep["seen"] == ["Paris", "London"], keep
    assert stream(c, "vigie:items") == [], "the first poll is a baseline"

    STATE["spec"] = STATE["spec"] + [("Engineering", "Berlin, Germany", 2)]
    c.call("ZADD", "vigie:due", 0, "jobs-acme")
    wait_until(lambda: stream(c, "vigie:items"), 30, "the expansion item")
    items = [json.loads(f["item"]) for f in stream(c, "vigie:items")]
    assert len(items) == 1, items
    it = items[0]
    assert it["kind"] == "jobs" and it["source_id"] == "jobs-acme"
    assert it["structured"]["company"] == {"scheme": "greenhouse", "id": "acmerobotics"}
    assert it["url"].startswith("https://boards.greenhouse.io/acmerobotics/jobs/")

    def expansion():
        for f in stream(c, "vigie:signals"):
            s = json.loads(f["signal"]) if "signal" in f else {}
            if s.get("type") == "expansion" and s.get("account_id") == "acme":
                return s
        return None
    s = wait_until(expansion, 30, "the expansion signal on acme")
    assert "Berlin, Germany" in json.dumps(s, ensure_ascii=False), s
    # polled again with nothing new: nothing more
    c.call("ZADD", "vigie:due", 0, "jobs-acme")
    wait_until(lambda: polled(c, "jobs-acme") and c.call("ZSCORE", "vigie:due", "jobs-acme") != "0", 30,
               "the third poll recorded")
    assert len(stream(c, "vigie:items")) == 1
    assert v.stop() == 0
    srv.shutdown()


def test_surge_after_a_series_is_a_hiring_signal_naming_the_departments():
    d, r, srv, base, conf = setup()
    STATE["spec"] = [("Engineering", "Paris", 16), ("Sales", "London", 7)]
    p = run_vigie(["sources", "-c", conf, "add", f"{base}/v1/boards/acmerobotics/jobs", "--kind", "jobs", "--id",
                   "jobs-acme", "--account", "acme", "--interval", "1h"])
    assert p.returncode == 0, p.stderr
    c = r.client()
    # four earlier days of the series, as the source would have kept them (9 open positions)
    now = int(time.time())
    keep = {"v": 1, "board": "greenhouse", "token": "acmerobotics", "hiring": 0, "layoffs": 0,
            "seen": ["Paris", "London"],
            "polls": [{"t": now - k * 86400, "total": 9, "dept": [["Engineering", 6], ["Sales", 3]],
                       "loc": [["Paris", 6], ["London", 3]]} for k in (4, 3, 2, 1)]}
    c.call("HSET", "vigie:source:jobs-acme", "watch_text", json.dumps(keep), "baselined", "1")
    v = Vigie(config_path=conf)

    def hiring():
        for f in stream(c, "vigie:signals"):
            s = json.loads(f["signal"]) if "signal" in f else {}
            if s.get("type") == "hiring" and s.get("account_id") == "acme":
                return s
        return None
    s = wait_until(hiring, 30, "the hiring signal on acme")
    text = json.dumps(s, ensure_ascii=False)
    assert "Engineering 6 → 16" in text and "Sales 3 → 7" in text, s
    assert s["change"]["before"] == 9 and s["change"]["after"] == 23, s
    assert abs(s["confidence"] - 0.9) < 1e-9, s
    items = [json.loads(f["item"]) for f in stream(c, "vigie:items")]
    assert [i["structured"]["signals"][0]["type"] for i in items] == ["hiring"], items
    assert v.stop() == 0
    srv.shutdown()


def test_unknown_board_is_a_failing_source_that_says_so():
    d, r, srv, base, conf = setup()
    p = run_vigie(["sources", "-c", conf, "add", f"{base}/v1/boards/nosuchboard/jobs", "--kind", "jobs", "--id",
                   "jobs-none", "--account", "acme"])
    assert p.returncode == 0, p.stderr
    v = Vigie(config_path=conf)
    c = r.client()
    wait_until(lambda: c.call("HGET", "vigie:source:jobs-none", "error_kind"), 30, "the failed poll")
    assert c.call("HGET", "vigie:source:jobs-none", "error_kind") == "http_status"
    assert "404" in c.call("HGET", "vigie:source:jobs-none", "last_error")
    out = run_vigie(["sources", "-c", conf, "list", "--failing"]).stdout
    assert "jobs-none" in out and "404" in out, out
    assert stream(c, "vigie:items") == []
    assert v.stop() == 0
    srv.shutdown()


run_tests(globals())
