"""Large documents in the running daemon: a feed of over a megabyte is parsed off the event
loop (on a worker thread) and its items reach the items stream exactly as a small feed's
would, the source's status is recorded, and a broken large document is reported with its
kind of failure — while the admin endpoint keeps answering."""
# ctest-labels: integration
import json
import os
import sys
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from harness import Redis, Vigie, run_tests, run_vigie, short_tmpdir, wait_until

N = 4000  # items: about 1.4 MB, well over the size parsed off the loop


def big_feed(path, n):
    with open(path, "w") as f:
        f.write('<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>Big</title>'
                "<link>https://big.example/</link>\n")
        for i in range(n):
            f.write(f"<item><title>Story number {i}: Acme signs contract {i}</title>"
                    f"<link>https://big.example/news/{i}</link>"
                    f"<pubDate>Mon, 07 Dec 2026 08:{i % 60:02d}:00 GMT</pubDate>"
                    f"<description>{'Lorem ipsum dolor sit amet. ' * 8}</description></item>\n")
        f.write("</channel></rss>\n")


def setup():
    d = short_tmpdir()
    r = Redis()
    conf = os.path.join(d, "vigie.conf")
    with open(conf, "w") as f:
        f.write(f"[redis]\nurl = {r.url}\n[admin]\nlisten = 127.0.0.1:0\n[daemon]\nhousekeeping = 200ms\n"
                "[fetch]\nallow_file = yes\nrecent_window = 3650d\n")
    return d, r, conf


def test_big_feed_items_all_arrive():
    d, r, conf = setup()
    feed = os.path.join(d, "big.xml")
    big_feed(feed, N)
    assert os.path.getsize(feed) > 1024 * 1024
    broken = os.path.join(d, "broken.xml")
    with open(broken, "w") as f:
        f.write("<html><body>" + "<p>not a feed</p>" * 40000 + "</body></html>")
    for sid, path in (("big", feed), ("broken", broken)):
        p = run_vigie(["sources", "-c", conf, "add", f"file://{path}", "--id", sid])
        assert p.returncode == 0, p.stderr
    v = Vigie(config_path=conf)
    c = r.client()
    wait_until(lambda: c.call("HGET", "vigie:last_ok", "big"), 60, "the big feed's poll")
    url = v.admin_url()
    with urllib.request.urlopen(url + "/healthz", timeout=10) as resp:
        assert resp.status == 200
    with urllib.request.urlopen(url + "/metrics", timeout=10) as resp:
        metrics = resp.read().decode()
    off_loop = [l for l in metrics.splitlines() if l.startswith("vigie_parses_off_loop_total ")]
    assert off_loop and float(off_loop[0].split()[1]) >= 1, off_loop
    titles = {json.loads(f[1])["title"] for _, f in c.call("XRANGE", "vigie:items", "-", "+")}
    assert len(titles) == N, len(titles)
    assert "Story number 3999: Acme signs contract 3999" in titles
    assert c.call("HGET", "vigie:source:big", "items_total") == str(N)
    wait_until(lambda: run_vigie(["sources", "-c", conf, "list", "--failing"]).stdout.count("not_a_feed"), 60,
               "the broken document's failure")
    assert v.stop() == 0


if __name__ == "__main__":
    run_tests(dict(globals()))
