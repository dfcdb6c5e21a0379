# ctest-labels: integration sources
"""A BODACC liquidation, end to end (issue 15 part 2): a loopback server answers at the
opendatasoft records path with a records answer (tests/sources/fixtures/bodacc/records.json,
dated today so that the first poll passes it on); accounts are imported with their SIRENs; a
`bodacc` source is added by hand for the batch; `vigie run` polls it. The liquidation of Acme
becomes an item carrying its structured member, then a signal of type insolvency at priority
100 on the account that holds the SIREN (the enrich stage's structured path, enrich/structured.c,
not the text rules) — the foreign company in the same answer gives nothing."""
import datetime
import http.server
import json
import os
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from harness import Redis, Vigie, daemon_config, run_tests, run_vigie, short_tmpdir, wait_until

SRC = os.environ.get("VIGIE_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
PATH = "/api/explore/v2.1/catalog/datasets/annonces-commerciales/records"
ACCOUNTS = [
    {"id": "acme", "name": "Acme Industrie", "siren": "123 456 789"},
    {"id": "beta", "name": "Beta Logistique", "siren": "987654321"},
    {"id": "zeta", "name": "Zeta", "domains": ["zeta.example"]},  # no SIREN: never named by the kind
]


def answer():
    """The fixture, its announcements dated today (a first poll passes on recent items only)."""
    with open(os.path.join(SRC, "tests", "sources", "fixtures", "bodacc", "records.json"), encoding="utf-8") as f:
        doc = json.load(f)
    today = datetime.date.today().isoformat()
    for r in doc["results"]:
        if isinstance(r, dict) and "dateparution" in r:
            r["dateparution"] = today
    return json.dumps(doc, ensure_ascii=False).encode()


class Server:
    def __init__(self, body):
        hits = self.hits = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                hits.append(self.path)
                if self.path.split("?")[0] != PATH:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def records(c, stream):
    return [json.loads(f[1]) for _, f in c.call("XRANGE", stream, "-", "+")]


def test_liquidation_is_a_top_priority_insolvency_signal_on_the_account():
    d = short_tmpdir("vgb")
    redis = Redis()
    server = Server(answer())
    conf = os.path.join(d, "vigie.conf")
    with open(conf, "w") as f:
        f.write(daemon_config(d, redis.url) + """[fetch]
allow_private = 127.0.0.1
per_host_delay = 0s
[sources]
automatic = no
""")
    try:
        with open(os.path.join(d, "accounts.json"), "w") as f:
            json.dump(ACCOUNTS, f)
        r = run_vigie(["accounts", "-c", conf, "import", os.path.join(d, "accounts.json")])
        assert r.returncode == 0, r.stdout + r.stderr
        url = server.base + PATH + "?where=search%28registre%2C%20%22123456789%22%29&order_by=dateparution%20desc&limit=100"
        r = run_vigie(["sources", "-c", conf, "add", url, "--id", "bodacc:1", "--kind", "bodacc", "--interval", "1h",
                       "--options", json.dumps({"sirens": ["123456789", "987654321"]})])
        assert r.returncode == 0, r.stdout + r.stderr
        v = Vigie(config_path=conf)
        c = redis.client()

        def acme_item():
            return [i for i in records(c, "vigie:items")
                    if i.get("structured", {}).get("company", {}).get("id") == "123456789"
                    and "liquidation" in i["title"]]
        items = wait_until(acme_item, 20, "the liquidation item in vigie:items")
        assert items[0]["kind"] == "announcement", items[0]
        assert not [i for i in records(c, "vigie:items") if "ZETA" in i["title"]]

        def insolvency():
            return [s for s in records(c, "vigie:signals")
                    if s.get("type") == "insolvency" and s.get("account_id") == "acme"]
        try:
            sigs = wait_until(insolvency, 20, "an insolvency signal on acme")
        except AssertionError:
            sys.stderr.write("signals: %r\n" % records(c, "vigie:signals"))
            raise
        assert sigs[0]["priority"] == 100, sigs[0]
        assert "Liquidation judiciaire" in json.dumps(sigs[0], ensure_ascii=False), sigs[0]
        assert server.hits, "the loopback server was never asked"
        v.stop()
    finally:
        server.close()


if __name__ == "__main__":
    run_tests(globals())
