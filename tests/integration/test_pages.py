"""Page sources in the running daemon: a newsroom page without a feed becomes items through
the XPath selectors of its options, and a watched page region yields a web_change item with a
text diff when it changes (and nothing when it does not)."""
# ctest-labels: integration
import json
import os
import shutil
import sys

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


if __name__ == "__main__":
    run_tests(dict(globals()))
