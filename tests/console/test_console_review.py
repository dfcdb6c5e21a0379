# ctest-labels: integration console review
"""The console's Review page against a real redis-server and `vigie run`: with no saved review
it says how to save one (and shows no made-up figures); after `vigie review --save` it shows
the latest review (its counts per recommendation, a histogram per axis with every account in
it, the accounts with their recommendation), the saved reviews newest first, another review by
id, and the diff between two as `vigie review --diff` reports it; a hostile account name
renders as text."""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(__file__))
from pages_env import DAY, Console, body_of  # noqa: E402
from harness import run_tests  # noqa: E402

NOW = 1796083200000  # 2026-12-01T00:00:00Z
LATER = NOW + 31 * DAY

ACCOUNTS = [
    {"id": "dull", "name": "Dull Holdings", "owner": "marc@example.com", "tier": "key",
     "revenue": 0.2, "margin": 0.2, "growth_potential": 0.2, "strategic_fit": 0.2, "image": 0.2},
    {"id": "solid", "name": "Solid Group", "owner": "claire@example.com", "tier": "key",
     "revenue": 0.8, "margin": 0.6, "growth_potential": 0.7, "strategic_fit": 0.9, "image": 0.9},
    {"id": "evil", "name": "<script>alert(1)</script> Evil & Co", "owner": "x\"><img src=x>", "tier": "standard"},
] + [{"id": f"plain{i}", "name": f"Plain {i}", "owner": "marc@example.com", "tier": "standard"} for i in range(150)]


class Env(Console):
    def __init__(self):
        super().__init__()
        self.clock = os.path.join(self.dir, "clock")
        self.at(NOW)
        self.env = {"VIGIE_CLOCK_FILE": self.clock, "USER": "claire"}
        self.import_accounts(ACCOUNTS)

    def at(self, ms):
        with open(self.clock, "w") as f:
            f.write(f"{ms}\n")

    def import_accounts(self, accounts):
        path = os.path.join(self.dir, "accounts.json")
        with open(path, "w") as f:
            json.dump(accounts, f)
        self.cli("accounts", "import", path, env=self.env)


def test_no_saved_review_says_how_to_save_one():
    e = Env().start()
    status, _, html = e.get("/ui/review")
    assert status == 200
    assert 'id="no-review"' in html and "vigie review --save" in html
    assert "<svg" not in body_of(html) and "review-rows" not in html  # no figures made up
    assert e.get("/ui/review?diff=1")[0] == 200  # nothing to compare: the same page


def test_latest_review_charts_list_and_diff():
    e = Env()
    e.cli("review", "--save", env=e.env)
    e.at(LATER)
    accounts = [dict(a) for a in ACCOUNTS]
    next(a for a in accounts if a["id"] == "solid")["name"] = "Solid Group International"
    e.import_accounts(accounts + [{"id": "newco", "name": "NewCo", "owner": "claire@example.com", "tier": "candidate"}])
    e.cli("review", "--save", env=e.env)
    want = json.loads(e.cli("review", "--diff", "1", "--format", "json", env=e.env).stdout)
    e.start()

    status, _, html = e.get("/ui/review")
    assert status == 200
    assert 'data-review="2"' in html and "2027-01-01T00:00:00Z" in html
    # Counts per recommendation, as saved.
    saved = json.loads(e.cli("review", "--list", "--format", "json", env=e.env).stdout)
    for rec, n in saved[-1]["counts"].items():
        assert re.search(rf'data-rec="{rec}"><strong>{n}</strong>', html), (rec, n)
    # One histogram per axis, score and heat, each counting every account.
    axes = re.findall(r'<svg class="histogram"[^>]*data-axis="([a-z]+)"', html)
    assert axes == ["quantitative", "strategic", "image", "score", "heat"], axes
    for chart in re.findall(r'<svg class="histogram".*?</svg>', html, re.S):
        assert sum(int(n) for n in re.findall(r'data-count="(\d+)"', chart)) == len(ACCOUNTS) + 1
    # The table is paged: 100 rows, then the rest on page 2.
    assert html.count('<tr data-rec="') == 100
    status, _, page2 = e.get("/ui/review?page=2")
    assert page2.count('<tr data-rec="') == len(ACCOUNTS) + 1 - 100
    # The saved reviews, newest first, the older one with its diff link.
    assert re.findall(r'<tr data-review="(\d+)">', html) == ["2", "1"]
    assert 'href="/ui/review?diff=1"' in html
    # Review 1 on its own.
    status, _, one = e.get("/ui/review?id=1")
    assert status == 200 and 'data-review="1"' in one and "2026-12-01T00:00:00Z" in one
    # The diff: the same changes as the command's.
    status, _, diff = e.get("/ui/review?diff=1")
    assert status == 200
    got = {acc: kind for kind, acc in re.findall(r'<tr data-change="([a-z]+)"><td><a href="/ui/accounts/([^"]+)"', diff)}
    assert got == {c["id"]: c["change"] for c in want["changes"]}, (got, want)
    assert "renamed from &quot;Solid Group&quot;" in diff
    assert e.get("/ui/review?diff=1&to=2")[2].count("data-change=") == len(want["changes"])
    assert e.get("/ui/review?diff=9")[0] == 404 and e.get("/ui/review?id=x")[0] == 404
    # The hostile name and owner are text.
    for page in (html, page2):
        body = body_of(page).lower()
        assert "<script" not in body and "<img" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Evil &amp; Co" in html + page2
    # A review saved while the console runs is the latest at the next page.
    e.cli("review", "--save", env=e.env)
    html = e.get("/ui/review")[2]
    assert 'data-review="3"' in html and re.findall(r'<tr data-review="(\d+)">', html) == ["3", "2", "1"]


if __name__ == "__main__":
    run_tests(globals())
