# ctest-labels: integration console
"""The web console (issue 17) in a real headless Chromium, driven through its DevTools
protocol (cdp.py), against a vigie daemon whose Redis is seeded as test_review_cli seeds it
(accounts imported with `vigie accounts import`, signals and contacts written into their
streams as the enrich stage writes them) plus a hostile account and signal: every page loads
with no console error and no dialog; the portfolio sorts (a click on a column head) and
filters (owner, tier, signal type, the filter box); an account page shows its timeline newest
first, its contacts by department, its source; the hostile texts render as text, nothing of
theirs runs and no javascript: link is clickable; French from Accept-Language; the security
headers; the admin endpoint's /ui redirect; bound off loopback the console refuses to start
without authentication, and with it answers 401 without credentials and 200 with them.
Screenshots of each page at desktop and phone widths go to
<build>/test-artifacts/console/."""
import base64
import json
import os
import sys
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "review"))
import test_review_cli as fixture
from cdp import Browser
from harness import Redis, Vigie, daemon_config, run_tests, run_vigie, short_tmpdir

NOW, DAY = fixture.NOW, fixture.DAY
ARTIFACTS = os.path.join(os.environ.get("VIGIE_BUILD_DIR") or os.path.join(fixture.__file__, "..", "..", "..", "build"),
                         "test-artifacts", "console")

HOSTILE_ACCOUNT = {"id": "evil", "name": "<script>alert('name')</script>Evil & Co",
                   "owner": "\"><img src=x onerror=alert('owner')>", "tier": "candidate",
                   "domains": ["evil.example"], "revenue": 0.2}
HOSTILE_SIGNAL = dict(fixture.signal("s-evil", "evil", "funding", 80, 0.9, NOW - 2 * DAY),
                      title="<script>alert('title')</script>Evil raises", url="javascript:alert('url')",
                      evidence="<img src=x onerror=alert('evidence')> raised 5 M",
                      amounts=[{"value": 5000000, "currency": "EUR\"><b>"}],
                      people=[{"name": "\"><svg onload=alert('person')>", "role": "CEO", "departing": False}])


def contact(cid, account, name, title, department):
    return {"id": cid, "name": name, "title": title, "role_norm": title.lower(), "seniority": "head",
            "department": department, "account_id": account, "source_url": None,
            "first_seen": fixture.iso(NOW - DAY), "departing": False, "email_guess": None}


CONTACTS = [contact("c1", "nova", "Anne Martin", "CFO", "finance"),
            contact("c2", "nova", "Paul Durand", "Controller", "finance"),
            contact("c3", "nova", "Lea Petit", "HR director", "hr")]


def seed(conf, redis):
    d = os.path.dirname(conf)
    path = os.path.join(d, "accounts.json")
    with open(path, "w") as f:
        json.dump(fixture.ACCOUNTS + [HOSTILE_ACCOUNT], f)
    r = run_vigie(["accounts", "-c", conf, "import", path])
    assert r.returncode == 0, r.stderr
    r = run_vigie(["sources", "-c", conf, "add", "http://127.0.0.1:9/nova.xml", "--id", "nova-news", "--account",
                   "nova"])
    assert r.returncode == 0, r.stderr
    c = redis.client()
    sigs = fixture.SIGNALS + [(NOW - 2 * DAY, "signal", HOSTILE_SIGNAL)]
    stories = {}
    for ms, field, rec in sorted(sigs, key=lambda s: s[0]):
        c.call("XADD", "vigie:signals", f"{ms}-0", field, json.dumps(rec))
        # story:<id> as the enrich stage keeps it: the signal's entry, how many sources told it
        entry, _ = stories.get(rec["id"], (f"{ms}-0", 0))
        stories[rec["id"]] = (entry, max(stories.get(rec["id"], (entry, 0))[1], rec.get("sources", 1)))
    for sid, (entry, sources) in stories.items():
        c.call("SET", "vigie:story:" + sid, f"{sources} {entry}\n")
    for i, rec in enumerate(CONTACTS):
        c.call("XADD", "vigie:contacts", f"{NOW - DAY + i}-0", "contact", json.dumps(rec))
    c.close()


def start(console_section, seed_data=True):
    d = short_tmpdir()
    redis = Redis()
    conf = os.path.join(d, "vigie.conf")
    with open(conf, "w") as f:
        f.write(daemon_config(d, redis.url) + console_section)
    clock = os.path.join(d, "clock")
    with open(clock, "w") as f:
        f.write(f"{NOW}\n")
    if seed_data:
        seed(conf, redis)
    v = Vigie(config_path=conf, env={"VIGIE_CLOCK_FILE": clock})
    return v, redis


def console_url(v):
    return v.wait_log(r"web console on (http://\S+)/ui/").group(1)


def http_get(url, headers=None):
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None


def shoot(b, name):
    """Desktop and phone screenshots of the page open in b; at phone width the page must not
    scroll sideways (its tables fold into cards or scroll inside their box)."""
    for label, w, h, mobile in (("desktop", 1280, 900, False), ("phone", 390, 844, True)):
        b.viewport(w, h, mobile)
        b.pump(0.2)
        size = b.screenshot(os.path.join(ARTIFACTS, f"{name}-{label}.png"))
        assert size > 2000, f"{name}-{label}.png is {size} bytes"
        if mobile:
            over = b.eval("document.documentElement.scrollWidth - window.innerWidth")
            assert over <= 1, f"{name} scrolls sideways by {over}px on a phone"
    b.viewport(1280, 900, False)


def rows(b, table="portfolio"):
    return b.eval(f"Array.from(document.querySelectorAll('#{table} tbody tr'))"
                  ".filter(r => !r.hidden).map(r => r.getAttribute('data-account') || r.getAttribute('data-signal'))")


def test_pages():
    v, redis = start("[console]\nlisten = 127.0.0.1:0\n")
    base = console_url(v)
    b = Browser()
    try:
        # the portfolio: every account, hottest first, nothing said in the console
        assert b.open(base + "/ui/") == 200
        assert b.problems() == [], b.problems()
        got = rows(b)
        assert sorted(got) == ["bare", "evil", "nova", "oldco", "solid"], got
        assert got[0] == "nova", got  # the funding round and the hiring surge: the hottest
        assert b.eval("document.querySelectorAll('#portfolio svg.spark').length") == 5
        assert b.eval("document.querySelectorAll('#heatmap tbody tr').length") == 5
        # nova's signals this week and last are in the heat map's last columns
        counts = b.eval("Array.from(document.querySelectorAll('#heatmap tbody tr')[0].querySelectorAll('td'))"
                        ".map(td => +td.getAttribute('data-count'))")
        assert len(counts) == 12 and sum(counts) == 6 and counts[-1] + counts[-2] == 6, counts
        last = b.eval("document.querySelector('tr[data-account=nova] td:last-child').textContent")
        assert last.startswith("hiring") and "24 hours ago" in last, last  # hired a day ago
        # the hostile account: its name and owner as text, no element of theirs
        assert b.eval("document.querySelector('tr[data-account=evil] a').textContent") == HOSTILE_ACCOUNT["name"]
        assert b.eval("document.querySelector('tr[data-account=evil] td:nth-child(3)').textContent") == \
            HOSTILE_ACCOUNT["owner"]
        assert b.eval("document.querySelectorAll('script').length") == 1  # console.js alone
        assert b.eval("document.querySelectorAll('img, [onerror], [onload]').length") == 0
        shoot(b, "portfolio")

        # sorted by a click on a column head (the script), then again the other way
        b.eval("document.querySelectorAll('#portfolio thead th')[0].click()")
        names = b.eval("Array.from(document.querySelectorAll('#portfolio tbody tr td:first-child a'))"
                       ".map(a => a.textContent)")
        assert names == sorted(names, key=str.lower, reverse=True), names
        b.eval("document.querySelectorAll('#portfolio thead th')[0].click()")
        names = b.eval("Array.from(document.querySelectorAll('#portfolio tbody tr td:first-child a'))"
                       ".map(a => a.textContent)")
        assert names == sorted(names, key=str.lower), names
        # the filter box hides the rows that do not match
        b.eval("var i = document.querySelector('input[data-filter]'); i.value = 'robotics';"
               "i.dispatchEvent(new Event('input'))")
        assert rows(b) == ["nova"], rows(b)
        # filters on the server: owner (case aside, owner or owner_email), tier, signal type, sort
        assert b.open(base + "/ui/?owner=claire%40example.com") == 200
        assert sorted(rows(b)) == ["nova", "solid"], rows(b)
        assert b.open(base + "/ui/?tier=key&sort=name") == 200
        assert rows(b) == ["oldco", "solid"], rows(b)
        assert b.open(base + "/ui/?type=funding") == 200  # the type of the last signal
        assert rows(b) == ["evil"], rows(b)
        assert b.open(base + "/ui/?type=hiring&owner=CLAIRE@example.com") == 200
        assert rows(b) == ["nova"], rows(b)
        # choosing in a select submits the form (the script), the other filters kept
        assert b.open(base + "/ui/?type=funding") == 200
        b.eval("var s = document.querySelector('select[name=tier]'); s.value = 'candidate';"
               "s.dispatchEvent(new Event('change'))")
        b.pump(1.0)
        search = b.eval("location.search")
        assert "tier=candidate" in search and "type=funding" in search, search
        assert rows(b) == ["evil"], rows(b)
        assert b.open(base + "/ui/?owner=nobody") == 200
        assert b.eval("document.getElementById('empty') !== null")
        assert b.problems() == [], b.problems()

        # an account: facts, scores, the timeline newest first, contacts by department, source
        assert b.open(base + "/ui/accounts/nova") == 200
        assert b.problems() == [], b.problems()
        assert b.eval("document.getElementById('account-name').textContent").startswith("Nova Robotics")
        assert rows(b, "signals") == ["s-hire1", "s-hire2", "s-fund", "s-hire4", "s-hire5", "s-hire6"], \
            rows(b, "signals")
        link = b.eval("document.querySelector('tr[data-signal=s-fund] .source-link a').href")
        assert link == "https://news.example/s-fund", link
        groups = b.eval("Array.from(document.querySelectorAll('#contact-groups section'))"
                        ".map(s => [s.getAttribute('data-department'), s.querySelectorAll('li').length])")
        assert groups == [["finance", 2], ["hr", 1]], groups
        assert "nova-news" in b.eval("document.getElementById('account-sources').textContent")
        assert b.eval("document.querySelectorAll('table.scores tr[data-axis]').length") == 3
        shoot(b, "account")
        # an update entry counts: the partnership told by three sources
        assert b.open(base + "/ui/accounts/bare") == 200
        assert b.eval("document.querySelector('tr[data-signal=s-part] td:last-child').textContent") == "3"

        # the hostile signal: text, not markup; its javascript: link is not a link
        assert b.open(base + "/ui/accounts/evil") == 200
        assert b.problems() == [], b.problems()
        assert b.eval("document.querySelector('tr[data-signal=s-evil] .title a').textContent") == \
            HOSTILE_SIGNAL["title"]
        assert b.eval("document.querySelector('tr[data-signal=s-evil] .source-link').textContent") == \
            "javascript:alert('url')"
        assert b.eval("document.querySelectorAll('a[href^=\"javascript\" i]').length") == 0
        assert b.eval("document.querySelector('tr[data-signal=s-evil] .evidence').textContent") == \
            HOSTILE_SIGNAL["evidence"]
        assert b.eval("document.querySelectorAll('script').length") == 1
        assert b.eval("document.querySelectorAll('img, svg[onload], [onerror], [onload]').length") == 0
        assert "\"><svg onload=alert('person')>" in b.eval("document.querySelector('tr[data-signal=s-evil]').textContent")
        shoot(b, "account-hostile")
        # clicking the shown javascript: URL and every link of the hostile row opens no dialog
        b.eval("document.querySelector('tr[data-signal=s-evil] .source-link').click();"
               "document.querySelectorAll('tr[data-signal=s-evil] a').forEach(a => a.click())")
        b.pump(0.5)
        assert not [e for e in b.events if e["method"] == "Page.javascriptDialogOpening"]

        # an unknown account: 404, still a page
        assert b.open(base + "/ui/accounts/nope") == 404
        # the other pages load, whatever they hold yet
        for name, path in (("signals", "/ui/signals"), ("review", "/ui/review"), ("ops", "/ui/ops")):
            assert b.open(base + path) == 200, path
            assert b.problems() == [], (path, b.problems())
            shoot(b, name)
        # the signals feed: newest first, the hostile signal's texts as text, its javascript:
        # link not a link; clicking everything in its row opens no dialog
        assert b.open(base + "/ui/signals") == 200
        assert b.eval("document.querySelector('#signals tr[data-signal=s-evil] .title').firstChild.textContent") == \
            HOSTILE_SIGNAL["title"]
        assert b.eval("document.querySelectorAll('a[href^=\"javascript\" i]').length") == 0
        assert b.eval("document.querySelectorAll('script').length") == 1
        assert b.eval("document.querySelectorAll('img, svg[onload], [onerror], [onload]').length") == 0
        b.eval("document.querySelectorAll('#signals tr[data-signal=s-evil] a').forEach(a => a.click())")
        b.pump(0.5)
        assert not [e for e in b.events if e["method"] == "Page.javascriptDialogOpening"]
        # the filter form, submitted in the browser: the search finds the hostile signal alone
        assert b.open(base + "/ui/signals") == 200
        b.eval("document.querySelector('form.filters input[name=q]').value = 'Evil raises';"
               "document.querySelector('form.filters').submit()")
        b.pump(1.0)
        assert rows(b, "signals") == ["s-evil"], rows(b, "signals")
        assert b.problems() == [], b.problems()
        shoot(b, "signals-search")
        # the operations page asks the console's script to reload it
        assert b.open(base + "/ui/ops") == 200
        assert b.eval("document.querySelector('[data-refresh]').getAttribute('data-refresh')") == "10"
    finally:
        b.close()

    # French from Accept-Language; English otherwise
    code, _, body = http_get(base + "/ui/", {"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.8"})
    assert code == 200 and "Portefeuille" in body and 'lang="fr"' in body
    code, _, body = http_get(base + "/ui/", {"Accept-Language": "en-GB,en;q=0.9,fr;q=0.5"})
    assert code == 200 and "Portfolio" in body and "Portefeuille" not in body
    # the security headers, on pages and static files alike
    for path in ("/ui/", "/ui/static/console.js", "/ui/static/console.css"):
        code, h, _ = http_get(base + path)
        assert code == 200, path
        csp = h["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp, csp
        assert h["X-Content-Type-Options"] == "nosniff" and h["Referrer-Policy"] == "no-referrer", h
    # the admin endpoint sends /ui there, and keeps its own paths
    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(v.admin_url() + "/ui/accounts/nova?x=1", timeout=5)
        raise AssertionError("no redirect")
    except urllib.error.HTTPError as e:
        assert e.code == 302 and e.headers["Location"] == base + "/ui/accounts/nova?x=1", (e.code, e.headers)
    assert v.get("/healthz") == (200, "ok\n")
    assert v.stop() == 0


def test_off_loopback_needs_authentication():
    v, redis = start("[console]\nlisten = 0.0.0.0:0\n", seed_data=False)
    assert v.wait_exit() == 1
    assert "reachable from other machines: set [console] token, or user and password_hash" in v.log(), v.log()


def test_authentication():
    import hashlib
    salt = "c0ffee"
    pw_hash = hashlib.sha256((salt + "s3cret pass").encode()).hexdigest()
    d = short_tmpdir()
    secret = os.path.join(d, "console-hash")
    with open(secret, "w") as f:
        f.write(f"sha256:{salt}:{pw_hash}\n")
    v, redis = start(f"[console]\nlisten = 0.0.0.0:0\ntoken = tok-123\nuser = claire\n"
                     f"password_hash = file:{secret}\n")
    base = console_url(v).replace("0.0.0.0", "127.0.0.1")
    assert "authentication required" in v.log()
    code, h, _ = http_get(base + "/ui/")
    assert code == 401 and h["WWW-Authenticate"].startswith("Basic realm="), (code, h)
    assert "script-src 'self'" in h["Content-Security-Policy"]
    for bad in ("Bearer tok-12", "Bearer tok-1234", "Basic " + base64.b64encode(b"claire:wrong").decode(),
                "Basic " + base64.b64encode(b"marc:s3cret pass").decode(), "Basic !!!", "Digest x"):
        code, _, _ = http_get(base + "/ui/", {"Authorization": bad})
        assert code == 401, bad
        code, _, _ = http_get(base + "/ui/static/console.css", {"Authorization": bad})
        assert code == 401, bad
    code, _, body = http_get(base + "/ui/", {"Authorization": "Bearer tok-123"})
    assert code == 200 and "nova" in body
    # the token also opens as the Basic password of any user (what a browser can send)
    code, _, _ = http_get(base + "/ui/", {"Authorization": "Basic " + base64.b64encode(b"any:tok-123").decode()})
    assert code == 200
    basic = "Basic " + base64.b64encode(b"claire:s3cret pass").decode()
    code, _, body = http_get(base + "/ui/accounts/nova", {"Authorization": basic})
    assert code == 200 and "Nova Robotics" in body
    # and in the browser, with the credentials it sends
    b = Browser(headers={"Authorization": basic})
    try:
        assert b.open(base + "/ui/") == 200
        assert b.problems() == [], b.problems()
        assert sorted(rows(b)) == ["bare", "evil", "nova", "oldco", "solid"]
    finally:
        b.close()
    assert v.stop() == 0


def test_bad_password_hash_refused():
    v, redis = start("[console]\nlisten = 127.0.0.1:0\nuser = claire\npassword_hash = md5:x\n", seed_data=False)
    assert v.wait_exit() == 1
    assert "password_hash must be sha256:SALT:HEX" in v.log(), v.log()


if __name__ == "__main__":
    run_tests(globals())
