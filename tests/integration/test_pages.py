"""Page sources in the running daemon: a newsroom page without a feed becomes items through
the XPath selectors of its options, and a watched page region yields a web_change item with a
text diff when it changes (and nothing when it does not); a big watched page (about 7 MB,
105,000 blocks, served over HTTP on loopback) is watched while the daemon keeps answering its
health check."""
# ctest-labels: integration
import json
import os
import shutil
import sys
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(__file__))
from harness import SOURCE_DIR, Redis, Vigie, run_tests, run_vigie, short_tmpdir, wait_until

PAGES = os.path.join(SOURCE_DIR, "tests", "fetch", "fixtures", "pages")


def setup():
    d = short_tmpdir()
    r = Redis()
    conf = os.path.join(d, "vigie.conf")
    with open(conf, "w") as f:
        f.write(f"[redis]\nurl = {r.url}\n[admin]\nlisten = off\n[daemon]\nhousekeeping = 200ms\n"
                "[fetch]\nallow_file = yes\nrecent_window = 3650d\n")
    return d, r, conf


def items(c):
    return [json.loads(f[1]) for _, f in c.call("XRANGE", "vigie:items", "-", "+")]


def test_newsroom_page_becomes_items():
    d, r, conf = setup()
    shutil.copy(os.path.join(PAGES, "newsroom.html"), d)
    opts = json.dumps({"item": "//div[@class='news']", "title": ".//h2", "link": ".//h2/a/@href",
                       "summary": ".//p[@class='chapo']"})
    assert run_vigie(["sources", "-c", conf, "add", f"file://{d}/newsroom.html", "--kind", "page", "--id", "press",
                      "--options", opts]).returncode == 0
    v = Vigie(config_path=conf)
    c = r.client()
    wait_until(lambda: c.call("HGET", "vigie:last_ok", "press"), 20, "the first poll")
    got = {i["title"]: i for i in items(c)}
    # First poll = baseline: the dated item within recent_window is passed on; the undated
    # ones are only recorded as seen (nothing tells they are recent).
    assert list(got) == ["Contrat Rafale : 26 avions pour l'Inde – signé"], list(got)
    rafale = got["Contrat Rafale : 26 avions pour l'Inde – signé"]
    assert rafale["url"] == "https://www.dassault.example/fr/presse/2024/rafale-inde"
    assert rafale["summary"] == "Un contrat de 7 milliards d'euros."
    assert rafale["source_id"] == "press"
    assert rafale["published"] == "2024-03-12T08:00:00Z"
    assert c.call("HGET", "vigie:source:press", "items_total") == "1"
    assert v.stop() == 0


def test_watched_page_change_is_an_item_with_a_diff():
    d, r, conf = setup()
    page = os.path.join(d, "page.html")
    shutil.copy(os.path.join(PAGES, "watch_v1.html"), page)
    assert run_vigie(["sources", "-c", conf, "add", f"file://{page}", "--kind", "page", "--id", "careers",
                      "--interval", "10s", "--options", '{"watch": true}']).returncode == 0
    v = Vigie(config_path=conf)
    c = r.client()
    wait_until(lambda: c.call("HGET", "vigie:source:careers", "watch_text"), 20, "the first observation")
    assert items(c) == [], "a first observation is not a change"
    # The same page again: no change, no item.
    c.call("ZADD", "vigie:due", 0, "careers")
    wait_until(lambda: c.call("ZSCORE", "vigie:due", "careers") != "0", 20, "the second poll")
    # Recorded: the due score is no longer a lease (a lease has half a millisecond).
    wait_until(lambda: "." not in c.call("ZSCORE", "vigie:due", "careers"), 20, "the second poll recorded")
    assert items(c) == []
    shutil.copy(os.path.join(PAGES, "watch_v2.html"), page)
    c.call("ZADD", "vigie:due", 0, "careers")
    wait_until(lambda: len(items(c)) == 1, 20, "the web_change item")
    it = items(c)[0]
    assert it["kind"] == "web_change" and it["title"].startswith("Page changed: ")
    assert "+ " in it["summary"] or "- " in it["summary"], it["summary"]
    assert v.stop() == 0


def big_page(blocks, changed):
    out = ["<!doctype html><html><head><title>Careers</title></head><body><h1>Open positions</h1>\n"]
    for i in range(blocks):
        out.append(f"<div><h3>Opening {i}</h3><p>Plant {999 if i == changed else i % 97}, ref <b>{i}</b> "
                   "&amp; co</p></div>\n")
    out.append("<footer>End of list</footer></body></html>\n")
    return "".join(out).encode()


class PageServer:
    """Serves one page on 127.0.0.1 that the test can replace, and counts the requests."""

    def __init__(self, body):
        self.body = body
        self.hits = 0
        srv = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                srv.hits += 1
                body = srv.body
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/careers"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()


def test_big_watched_page_keeps_the_daemon_answering():
    d = short_tmpdir()
    r = Redis()
    # The parse runs on a worker thread (under the sanitizers it takes about ten seconds, as
    # long as the admin endpoint keeps a connection): the event loop stays free.
    blocks = 105000
    last, changed = blocks - 1, blocks - 679
    server = PageServer(big_page(blocks, blocks))
    assert 7_000_000 < len(server.body) < 8 * 1024 * 1024  # under the default body limit
    conf = os.path.join(d, "vigie.conf")
    with open(conf, "w") as f:
        f.write(f"[redis]\nurl = {r.url}\n[admin]\nlisten = 127.0.0.1:0\n[daemon]\nhousekeeping = 200ms\n"
                "[fetch]\nallow_private = 127.0.0.0/8\n")
    assert run_vigie(["sources", "-c", conf, "add", server.url, "--kind", "page", "--id", "big",
                      "--interval", "1h", "--options", '{"watch": true}']).returncode == 0
    v = Vigie(config_path=conf)
    health = v.admin_url() + "/healthz"
    c = r.client()

    # /healthz asked over and over while the page is fetched and watched; every answer must
    # come within a bound far above a healthy answer and below the watchdog's 30 s.
    answers, failures, stop = [], [], threading.Event()

    def ask():
        while not stop.is_set():
            try:
                with urllib.request.urlopen(health, timeout=25) as resp:
                    answers.append(resp.status)
            except Exception as e:  # a timeout is the failure this test is about
                failures.append(repr(e))
                return
    t = threading.Thread(target=ask, daemon=True)
    t.start()
    try:
        wait_until(lambda: failures or c.call("HGET", "vigie:source:big", "watch_text"), 120,
                   "the first observation of the big page")
        assert not failures, failures
        kept = c.call("HGET", "vigie:source:big", "watch_text")
        assert kept.endswith(f"Opening {last}\nPlant {last % 97}, ref {last} & co\nEnd of list"), kept[-200:]
        assert items(c) == [], "a first observation is not a change"
        seen = len(answers)
        server.body = big_page(blocks, changed)
        c.call("ZADD", "vigie:due", 0, "big")
        wait_until(lambda: failures or len(items(c)) == 1, 120, "the web_change item of the big page")
        assert not failures, failures
        assert len(answers) > seen, "no health check was answered during the second poll"
    finally:
        stop.set()
        t.join(15)
    assert not failures, failures
    assert answers and all(a == 200 for a in answers)
    metrics = urllib.request.urlopen(v.admin_url() + "/metrics", timeout=10).read().decode()
    assert "vigie_parses_off_loop_total 2" in metrics.splitlines(), "both polls parsed off the loop"
    it = items(c)[0]
    assert it["kind"] == "web_change" and it["title"] == "Page changed: Careers", it
    assert it["summary"] == (f"- Plant {changed % 97}, ref {changed} & co\n"
                             f"+ Plant 999, ref {changed} & co"), it["summary"]
    assert server.hits == 2
    assert v.stop() == 0
    server.close()


if __name__ == "__main__":
    run_tests(dict(globals()))
