# ctest-labels: integration console
"""The console's Signals pages against a real redis-server and `vigie run`: the feed newest
first, paged by stream id with every signal once; each filter (account, owner, type, priority
range, language, time range) and the search over title and evidence returning exactly the
signals a reader would pick; the JSON and CSV exports equal to the filter; the scan budget
saying how far it searched; one signal's detail with all its sources; hostile titles, evidence
and links rendered inert."""
import csv
import io
import json
import os
import re
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from pages_env import DAY, P, Console, add_accounts, add_signals, body_of, pipeline, signal  # noqa: E402
from harness import run_tests  # noqa: E402

T0 = 1796083200000  # 2026-12-01T00:00:00Z
TYPES = ["funding", "acquisition", "leadership_change"]
ACCOUNTS = [{"id": f"acc{i}", "name": f"Account {i}", "owner": "claire@example.com" if i % 2 else "marc@example.com"}
            for i in range(5)]

# 130 signals, one an hour from T0, the newest last: ids s000..s129.
SIGNALS = []
for i in range(130):
    ms = T0 + i * 3600000
    rec = signal(f"s{i:03d}", f"acc{i % 5}", TYPES[i % 3], priority=(i * 7) % 101, lang="fr" if i % 4 == 0 else "en",
                 evidence="the company raised money" if i % 10 == 0 else "nothing to see", ms=ms)
    if i == 17:
        rec["title"] = "Zeppelin factory opens"          # found by title
    if i == 42:
        rec["evidence"] = "a new Zeppelin hangar is planned"  # found by evidence
    if i == 43:
        rec["url"] = "https://news.example/zeppelin"  # in the url only: not found
    SIGNALS.append((ms, rec))

_env = None


def env():
    """The seeded console; the test runner stops every child after each test, so a test that
    finds it gone gets a new one."""
    global _env
    if _env is None or _env.vigie.proc.poll() is not None:
        c = Console()
        add_accounts(c.redis, ACCOUNTS)
        add_signals(c.redis, SIGNALS)
        _env = c.start()
    return _env


def ids_of(html):
    """The signal ids of a feed page, top to bottom."""
    return re.findall(r'<tr data-entry="[0-9-]+" data-signal="([^"]*)"', html)


def next_link(html):
    m = re.search(r'<a rel="next" class="more" href="([^"]+)"', html)
    return m.group(1).replace("&amp;", "&") if m else None


def walk(query):
    """Every page of a filter, following the Older / more links: the ids in order."""
    c = env()
    path, got, pages = "/ui/signals" + query, [], 0
    while path and pages < 20:
        status, _, html = c.get(path)
        assert status == 200, (status, html[:500])
        got += ids_of(html)
        path = next_link(html)
        pages += 1
    return got


def expect(pred):
    return [r["id"] for _, r in reversed(SIGNALS) if pred(r)]


def test_feed_is_newest_first_and_pages_cover_every_signal_once():
    c = env()
    status, headers, html = c.get("/ui/signals")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    first = ids_of(html)
    assert first == [f"s{i:03d}" for i in range(129, 79, -1)], first[:5]
    assert 'data-shown="50"' in html
    assert walk("") == [f"s{i:03d}" for i in range(129, -1, -1)]


def test_each_filter_returns_exactly_its_signals():
    q = urllib.parse.urlencode
    assert walk("?" + q({"account": "acc3"})) == expect(lambda r: r["account_id"] == "acc3")
    assert walk("?" + q({"type": "acquisition"})) == expect(lambda r: r["type"] == "acquisition")
    assert walk("?" + q({"pmin": 30, "pmax": 60})) == expect(lambda r: 30 <= r["priority"] <= 60)
    assert walk("?" + q({"lang": "fr"})) == expect(lambda r: r["lang"] == "fr")
    owned = {a["id"] for a in ACCOUNTS if a["owner"] == "marc@example.com"}
    assert walk("?" + q({"owner": "MARC@example.com"})) == expect(lambda r: r["account_id"] in owned)
    # Time range: the entries of 2026-12-02 only (hours 24..47).
    got = walk("?" + q({"since": "2026-12-02", "until": "2026-12-02"}))
    assert got == [f"s{i:03d}" for i in range(47, 23, -1)], got
    # The registry changes (acc0 goes to marc's colleague): the owner filter follows at once.
    moved = dict(ACCOUNTS[0], owner="nadia@example.com")
    add_accounts(env().redis, [moved])
    assert walk("?" + q({"owner": "nadia@example.com"})) == expect(lambda r: r["account_id"] == "acc0")
    assert walk("?" + q({"owner": "marc@example.com"})) == expect(lambda r: r["account_id"] in owned - {"acc0"})
    # Combined.
    assert walk("?" + q({"account": "acc1", "type": "funding", "lang": "en"})) == expect(
        lambda r: r["account_id"] == "acc1" and r["type"] == "funding" and r["lang"] == "en")


def test_search_looks_at_title_and_evidence_only():
    assert walk("?q=zeppelin") == ["s042", "s017"]
    assert walk("?q=raised+money") == expect(lambda r: "raised money" in r["evidence"])
    assert walk("?q=nothing-like-this") == []
    status, _, html = env().get("/ui/signals?q=nothing-like-this")
    assert status == 200 and "No signal matches" in html


def test_exports_equal_the_filter():
    c = env()
    want = expect(lambda r: r["account_id"] == "acc2" and r["priority"] >= 20)
    status, headers, text = c.get("/ui/signals?account=acc2&pmin=20&format=json")
    assert status == 200 and headers["Content-Type"].startswith("application/json"), headers
    assert "attachment" in headers.get("Content-Disposition", "")
    doc = json.loads(text)
    assert [e["signal"]["id"] for e in doc["signals"]] == want
    assert doc["count"] == len(want) and doc["next"] is None
    assert doc["signals"][0]["signal"] == dict(next(r for _, r in SIGNALS if r["id"] == want[0]))
    status, headers, text = c.get("/ui/signals?account=acc2&pmin=20&format=csv")
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    assert 'filename="vigie-signals.csv"' in headers["Content-Disposition"]
    table = list(csv.DictReader(io.StringIO(text)))
    assert [r["id"] for r in table] == want
    assert all(r["account_id"] == "acc2" and int(r["priority"]) >= 20 for r in table)
    # Every signal, no filter: all 130 in one export.
    doc = json.loads(c.get("/ui/signals?format=json")[2])
    assert len(doc["signals"]) == 130


def test_detail_shows_every_source():
    c = env()
    sid = "0123456789abcdef0123456789abcdef"
    rec = signal(sid, "acc1", title="Acc1 buys a rival", ms=T0 + 200 * 3600000)
    rec["sources"] = 3
    add_signals(c.redis, [(T0 + 200 * 3600000, rec)])
    # The story as vigie_stage_write keeps it: sources, the entry of the record, the URLs.
    pipeline(c.redis, [["SET", P + "story:" + sid, f"3 {T0 + 200 * 3600000}-0\nhttps://b.example/2\nhttps://a.example/1"]])
    status, _, html = c.get("/ui/signals")
    assert f'href="/ui/signals/{sid}"' in html
    status, _, html = c.get(f"/ui/signals/{sid}")
    assert status == 200, html[:300]
    assert "Acc1 buys a rival" in html and 'data-sources="3"' in html
    assert 'href="https://a.example/1"' in html and 'href="https://b.example/2"' in html
    assert 'href="/ui/accounts/acc1"' in html
    status, _, html = c.get("/ui/signals/ffffffffffffffffffffffffffffffff")
    assert status == 404 and "dedup_ttl" in html
    # A story whose record was trimmed from the stream is no longer known.
    pipeline(c.redis, [["SET", P + "story:" + "e" * 32, "2 1-0\nhttps://a.example/1"]])
    assert c.get("/ui/signals/" + "e" * 32)[0] == 404
    assert c.get("/ui/signals/not-an-id")[0] == 404


def test_hostile_text_and_links_are_inert():
    c = env()
    sid = "badbadbadbadbadbadbadbadbadbad00"
    ms = T0 + 300 * 3600000
    rec = signal(sid, "acc0\"><script>alert(1)</script>", title="<script>alert('t')</script><b>x</b>",
                 evidence="<img src=x onerror=alert(1)> \" onmouseover=alert(2)", url="javascript:alert(document.cookie)",
                 ms=ms)
    add_signals(c.redis, [(ms, rec)])
    pipeline(c.redis, [["SET", P + "story:" + sid, f"2 {ms}-0\njavascript:alert(3)\ndata:text/html,<script>x</script>"]])
    for path in ["/ui/signals", f"/ui/signals/{sid}", "/ui/signals?q=%3Cscript%3E",
                 "/ui/signals?account=%3Cscript%3E&type=%22%3E%3Cscript%3E"]:
        status, _, html = c.get(path)
        assert status == 200, (path, status)
        body = body_of(html).lower()
        assert "<script" not in body, path
        assert "<img" not in body and "<b>" not in body, path
        hrefs = re.findall(r'href\s*=\s*"([^"]*)"', body_of(html), re.I)
        assert not [h for h in hrefs if h.strip().lower().startswith(("javascript:", "data:"))], (path, hrefs)
        assert "onmouseover=alert" not in body.replace("&quot; onmouseover", ""), path
    status, _, html = c.get(f"/ui/signals/{sid}")
    assert "&lt;script&gt;alert(&#39;t&#39;)&lt;/script&gt;" in html or "&lt;script&gt;" in html
    assert "javascript:alert(3)" in html  # shown as text, not linked
    # A title that starts like a spreadsheet formula is quoted in the CSV.
    f = signal("f0", "acc4", title="=HYPERLINK(\"http://evil\")", ms=ms + 1)
    add_signals(c.redis, [(ms + 1, f)])
    text = c.get("/ui/signals?account=acc4&format=csv")[2]
    row = next(r for r in csv.DictReader(io.StringIO(text)) if r["id"] == "f0")
    assert row["title"].startswith("'="), row


def test_a_page_searches_a_bounded_part_and_says_so():
    global _env
    if _env:
        _env.stop()
    c = _env = Console()
    # 25,000 older entries of a type of their own, before the usual 130.
    many = [(T0 - DAY - (25000 - i) * 1000, signal(f"o{i}", "acc9", "other", ms=T0 - DAY)) for i in range(25000)]
    add_signals(c.redis, many)
    add_signals(c.redis, SIGNALS)
    c.start()
    status, _, html = c.get("/ui/signals?type=hiring")
    assert status == 200
    m = re.search(r'data-shown="(\d+)" data-searched="(\d+)"', html)
    assert m and m.group(1) == "0" and int(m.group(2)) == 20000, m and m.groups()
    assert "searched 20000" in html and next_link(html)
    # The next page resumes where the search stopped and reaches the end.
    status, _, html = c.get(next_link(html))
    m = re.search(r'data-searched="(\d+)"', html)
    assert int(m.group(1)) < 20000 and "End of the stream" in html
    # Exported, the type "other" is found in full, in one export.
    doc = json.loads(c.get("/ui/signals?type=other&format=json")[2])
    assert doc["count"] == 10000 and doc["next"], (doc["count"], doc["next"])
    rest = json.loads(c.get("/ui/signals?type=other&format=json&before=" + doc["next"])[2])
    assert doc["count"] + rest["count"] == 25000 or rest["next"], (rest["count"], rest["next"])


if __name__ == "__main__":
    try:
        run_tests(globals())
    finally:
        if _env:
            _env.stop()
