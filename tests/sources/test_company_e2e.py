#!/usr/bin/python3
# test_company_e2e — a sec_edgar source in the running daemon, end to end: a loopback
# stand-in for EDGAR serves a company's submissions and an 8-K's primary document; `vigie run`
# polls the source (the submissions, then the 5.02 document its plan names, with the declared
# User-Agent), and the enrich stage gives the structured item to the account holding the CIK:
# a leadership_change signal naming the people appointed and leaving, and a top-priority
# insolvency for the 1.03.
# ctest-labels: integration sources
import calendar
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from harness import SOURCE_DIR, Redis, Vigie, daemon_config, run_tests, run_vigie, short_tmpdir, wait_until

FIX = os.path.join(SOURCE_DIR, "tests", "sources", "fixtures", "sec_edgar")
UA = "Vigie Tests ops@vigie-tests.example"


def fixture(name):
    with open(os.path.join(FIX, name), "rb") as f:
        return f.read()


def recent(body):
    """A submissions fixture with its filing dates moved to the days before today, so the
    poller's recent window keeps what the test expects to see."""
    sub = json.loads(body)
    dates = sub["filings"]["recent"]["filingDate"]
    today = time.time()
    newest = calendar.timegm(time.strptime(max(dates), "%Y-%m-%d"))
    shift = int((today - newest) // 86400)
    sub["filings"]["recent"]["filingDate"] = [
        time.strftime("%Y-%m-%d", time.gmtime(calendar.timegm(time.strptime(d, "%Y-%m-%d")) + shift * 86400))
        for d in dates]
    return json.dumps(sub).encode()


class Edgar:
    """EDGAR's submissions and archives on 127.0.0.1: the submissions body can be replaced."""

    def __init__(self):
        self.submissions = recent(fixture("submissions_1.json"))
        self.hits = []
        srv = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                srv.hits.append((self.path, self.headers.get("User-Agent")))
                if self.path == "/submissions/CIK0001234567.json":
                    body, ctype = srv.submissions, "application/json"
                elif self.path == "/Archives/edgar/data/1234567/000123456726000058/nwtr-20261201.htm":
                    body, ctype = fixture("nwtr-20261201.htm"), "text/html"
                else:
                    body, ctype = b"<html>Not Found</html>", "text/html"
                    self.send_response(404)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


def signals(c):
    return [json.loads(f[1]) for _, f in c.call("XRANGE", "vigie:signals", "-", "+") if f[0] == "signal"]


def test_8k_502_gives_a_leadership_change_with_the_people():
    d = short_tmpdir()
    r = Redis()
    edgar = Edgar()
    conf = os.path.join(d, "vigie.conf")
    with open(conf, "w") as f:
        f.write(daemon_config(d, r.url) + f"""[fetch]
allow_private = 127.0.0.0/8
recent_window = 30d
[sources]
automatic = no
user_agent = {UA}
sec_edgar_url = {edgar.base}
""")
    accounts = os.path.join(d, "accounts.json")
    with open(accounts, "w") as f:
        json.dump([{"id": "northwind", "name": "Northwind Traders", "identifiers": {"cik": "0001234567"}}], f)
    assert run_vigie(["accounts", "-c", conf, "import", accounts]).returncode == 0
    add = run_vigie(["sources", "-c", conf, "add", edgar.base + "/submissions/CIK0001234567.json",
                     "--kind", "sec_edgar", "--id", "sec-northwind", "--account", "northwind", "--interval", "1h"])
    assert add.returncode == 0, add.stderr
    v = Vigie(config_path=conf)
    c = r.client()
    wait_until(lambda: c.call("HGET", "vigie:source:sec-northwind", "watch_text"), 30, "the first poll")
    assert all(ua == UA for _, ua in edgar.hits), edgar.hits
    # the baseline: a 2.02 filed within the recent window gives financial_results, nothing else
    wait_until(lambda: any(s["type"] == "financial_results" for s in signals(c)), 30, "the 2.02's signal")

    edgar.submissions = recent(fixture("submissions_2.json"))
    c.call("ZADD", "vigie:due", 0, "sec-northwind")
    wait_until(lambda: any(s["type"] == "leadership_change" for s in signals(c)), 30, "the 5.02's signal")
    assert ("/Archives/edgar/data/1234567/000123456726000058/nwtr-20261201.htm", UA) in edgar.hits
    lead = [s for s in signals(c) if s["type"] == "leadership_change"][0]
    assert lead["account_id"] == "northwind", lead
    names = {(p["name"], bool(p.get("departing"))) for p in lead["people"]}
    assert ("Margaret A. Kowalski", True) in names and ("Daniel O\u2019Connor", False) in names, lead["people"]
    wait_until(lambda: any(s["type"] == "insolvency" for s in signals(c)), 30, "the 1.03's signal")
    insolvency = [s for s in signals(c) if s["type"] == "insolvency"][0]
    assert insolvency["account_id"] == "northwind" and insolvency["priority"] == 100, insolvency

    # a third poll of the same answer gives nothing again
    before = len(signals(c))
    c.call("ZADD", "vigie:due", 0, "sec-northwind")
    wait_until(lambda: c.call("ZSCORE", "vigie:due", "sec-northwind") not in ("0", None)
               and "." not in c.call("ZSCORE", "vigie:due", "sec-northwind"), 30, "the third poll recorded")
    time.sleep(1)
    assert len(signals(c)) == before
    assert v.stop() == 0


if __name__ == "__main__":
    run_tests(globals())
