# ctest-labels: integration console
"""The console's account page against a real redis-server and `vigie run`, at more signals than
its timeline shows: the page takes the account's newest signals from its series
(series:s:<account>) and reads each record at its story's entry (story:<id>), so the timeline
lists the newest 50 newest first, says how many there are in all, and leaves out another
account's signals; a signal whose story is gone (expired) still has its row, by id and time,
with the page saying that older signals are not kept; the contacts are read from the newest
entries of the contacts stream only (a person's newest record), and the page says so when
older ones were not looked at."""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(__file__))
from pages_env import DAY, P, Console, add_accounts, body_of, pipeline, signal  # noqa: E402
from harness import run_tests  # noqa: E402

T0 = 1796083200000  # 2026-12-01T00:00:00Z
ACCOUNTS = [{"id": "big", "name": "Big Account"}, {"id": "other", "name": "Other Account"},
            {"id": "quiet", "name": "Quiet Account"}]
# big: 80 signals an hour apart (b000 the oldest); other: one between each, which big's page
# never shows. Every signal has its story, as the enrich stage writes it, but those in GONE.
N = 80
GONE = {"b035", "b040"}  # among the newest 50 (b030..b079)


def seed(c):
    cmds = []
    for i in range(N):
        for acct, sid, ms in (("big", f"b{i:03d}", T0 + i * 3600000), ("other", f"o{i:03d}", T0 + i * 3600000 + 60000)):
            rec = signal(sid, acct, "funding", priority=40 + i % 30, ms=ms, title=f"title of {sid}")
            entry = f"{ms}-0"
            cmds.append(["XADD", P + "signals", entry, "signal", json.dumps(rec)])
            if sid not in GONE:
                sources = 3 if sid == "b079" else 1
                cmds.append(["SET", P + "story:" + sid, f"{sources} {entry}\n{rec['url']}"])
    # a story told again: its update entry (the story's count is what the page shows)
    cmds.append(["XADD", P + "signals", f"{T0 + N * 3600000}-0", "update",
                 json.dumps(dict(signal("b079", "big", "funding", priority=69, ms=T0 + 79 * 3600000,
                                        title="title of b079"), sources=3))])
    # quiet's one contact, then 10,000 newer contacts of other's: past the page's read
    cmds.append(["XADD", P + "contacts", f"{T0}-0", "contact",
                 json.dumps({"id": "k-old", "account_id": "quiet", "name": "Old Contact", "department": "finance"})])
    cmds.append(["XADD", P + "contacts", f"{T0 + 1}-0", "contact",
                 json.dumps({"id": "k-big", "account_id": "big", "name": "Big Contact", "department": "hr"})])
    for i in range(10000):
        cmds.append(["XADD", P + "contacts", f"{T0 + 2 + i}-0", "contact",
                     json.dumps({"id": f"k{i}", "account_id": "other", "name": f"P {i}", "department": "sales"})])
    # k-new's older record: the newer one is shown
    cmds.append(["XADD", P + "contacts", f"{T0 + 19999}-0", "contact",
                 json.dumps({"id": "k-new", "account_id": "quiet", "name": "Stale Name", "department": "finance"})])
    cmds.append(["XADD", P + "contacts", f"{T0 + 20000}-0", "contact",
                 json.dumps({"id": "k-new", "account_id": "quiet", "name": "New Contact", "department": "finance"})])
    pipeline(c.redis, cmds)


_env = None


def env():
    global _env
    if _env is None or _env.vigie.proc.poll() is not None:
        c = Console()
        add_accounts(c.redis, ACCOUNTS)
        seed(c)
        save_review(c, 1, "2026-10-01T07:00:00Z", [("big", 40, 50, 30, 41), ("other", 10, 10, 10, 10)])
        save_review(c, 2, "2026-11-01T07:00:00Z", [("other", 12, 10, 10, 11)])  # big not in it
        save_review(c, 3, "2026-12-01T07:00:00Z", [("big", 55, 52, 35, 49)])
        _env = c.start()
    return _env


def save_review(c, rid, at, rows):
    """A saved review as `vigie review --save` writes it (the rows keep their axis scores)."""
    doc = {"id": rid, "at": at, "counts": {"de-select": 0, "promote": 0, "watch": 0, "keep": len(rows)},
           "rows": [{"id": a, "name": a, "tier": "key", "score": w, "heat": 0, "rec": "keep",
                     "scores": {"quantitative": q, "strategic": s, "image": i}} for a, q, s, i, w in rows]}
    c.redis.client().call("HSET", P + "reviews", str(rid), json.dumps(doc))


def history(html):
    """{axis: [scores, oldest review first]} of the page's axis scores over time."""
    sec = html.split('class="scores-history"', 1)[1].split("</section>", 1)[0]
    out = {}
    for axis, row in re.findall(r'<tr data-axis="(\w+)">(.*?)</tr>', sec, re.S):
        out[axis] = [int(x) for x in re.findall(r'data-score="(\d+)"', row)]
    return out


def timeline_ids(html):
    table = html.split('id="signals"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<tr data-signal="([^"]*)"', table)


def test_timeline_newest_first_from_the_series():
    status, _, html = env().get("/ui/accounts/big")
    assert status == 200, status
    html = body_of(html)
    want = [f"b{i:03d}" for i in range(N - 1, N - 51, -1)]
    assert timeline_ids(html) == want, timeline_ids(html)
    assert "Showing the newest 50 / 80." in html
    assert "title of b079" in html and "title of b030" in html
    assert not re.search(r'data-signal="o\d+"', html)
    # the story's count of sources, not the record's first one
    row = re.search(r'<tr data-signal="b079">.*?</tr>', html, re.S).group(0)
    assert row.endswith('class="num">3</td></tr>'), row


def test_axis_scores_over_time_from_the_saved_reviews():
    html = body_of(env().get("/ui/accounts/big")[2])
    # the reviews that have the account, oldest first; review 2 did not have it
    assert 'data-reviews="2"' in html
    assert history(html) == {"quantitative": [40, 55], "strategic": [50, 52], "image": [30, 35], "score": [41, 49]}
    assert 'data-review="1"' in html and 'data-review="3"' in html and 'data-review="2"' not in html
    # an account no saved review has: how to keep one, no made-up figures
    quiet = body_of(env().get("/ui/accounts/quiet")[2])
    assert 'data-reviews="0"' in quiet and "vigie review --save" in quiet
    assert history(quiet) == {}


def test_gone_stories_keep_their_rows():
    html = body_of(env().get("/ui/accounts/big")[2])
    assert 'id="gone"' in html and "Older signals are not kept" in html
    for sid in GONE:
        row = re.search(rf'<tr data-signal="{sid}">.*?</tr>', html, re.S).group(0)
        assert "older signals are not kept" in row and sid in row, row
        assert f"title of {sid}" not in row
    # the others around them are whole
    row = re.search(r'<tr data-signal="b036">.*?</tr>', html, re.S).group(0)
    assert "title of b036" in row and "older signals are not kept" not in row


def test_no_gone_note_when_every_story_is_kept():
    status, _, html = env().get("/ui/accounts/other")
    assert status == 200 and 'id="gone"' not in html
    assert timeline_ids(body_of(html))[:2] == ["o079", "o078"]


def test_contacts_read_is_bounded_and_says_so():
    html = body_of(env().get("/ui/accounts/quiet")[2])
    assert "New Contact" in html and "Old Contact" not in html and "Stale Name" not in html
    assert 'id="contacts-bound"' in html and "older ones are not looked at" in html
    assert "No signal for this account yet." in html


if __name__ == "__main__":
    try:
        run_tests(globals())
    finally:
        if _env:
            _env.stop()
