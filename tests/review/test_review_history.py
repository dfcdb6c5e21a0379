# ctest-labels: integration review
"""Reviews kept and compared, and tier decisions, against a real redis-server with the test's
clock (VIGIE_CLOCK_FILE): `vigie review --save` twice a month apart while signals arrive, an
account renamed, one retired and one added in between; `--list`, `--diff last` and `--diff 1`
(a candidate promoted, a key account under the de-selection bar watched at the first saved
review and de-selected at the second in a row); `vigie accounts set-tier` recorded and shown by
the next review; bad input refused with a clear message."""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from harness import Redis, run_tests, run_vigie, short_tmpdir

DAY = 86400000
NOW = 1796083200000  # 2026-12-01T00:00:00Z, the first review
LATER = NOW + 31 * DAY  # 2027-01-01, the second

ACCOUNTS = [
    # a candidate just under the bar (53): a funding round and a hiring surge carry it over
    {"id": "nova", "name": "Nova Robotics", "owner": "claire@example.com", "tier": "candidate",
     "revenue": 0.5, "margin": 0.4, "growth_potential": 0.6, "strategic_fit": 0.6, "image": 0.5},
    # a key account far under the de-selection bar (20)
    {"id": "dull", "name": "Dull Holdings", "owner": "marc@example.com", "tier": "key",
     "revenue": 0.2, "margin": 0.2, "growth_potential": 0.2, "strategic_fit": 0.2, "image": 0.2},
    {"id": "solid", "name": "Solid Group", "owner": "claire@example.com", "tier": "key",
     "revenue": 0.8, "margin": 0.6, "growth_potential": 0.7, "strategic_fit": 0.9, "image": 0.9},
    {"id": "gone", "name": "Gone Ltd", "owner": "marc@example.com", "tier": "standard"},
    {"id": "acme", "name": "Acme", "owner": "marc@example.com", "tier": "standard"},
]


def iso(ms):
    import datetime
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def signal(sid, account, type_, priority, confidence, published_ms):
    return {"id": sid, "account_id": account, "type": type_, "confidence": confidence, "priority": priority,
            "title": f"{account} {type_}", "url": f"https://news.example/{sid}", "published": iso(published_ms),
            "detected": iso(published_ms), "evidence": "...", "amounts": [], "people": [], "counterparties": [],
            "places": [], "modifiers": [], "lang": "en", "sources": 1}


class Env:
    def __init__(self):
        d = short_tmpdir()
        self.redis = Redis()
        self.conf = os.path.join(d, "vigie.conf")
        with open(self.conf, "w") as f:
            f.write(f"[daemon]\nstate_dir = {d}/state\n[redis]\nurl = {self.redis.url}\n")
        self.clock = os.path.join(d, "clock")
        self.dir = d
        self.at(NOW)
        self.env = {"VIGIE_CLOCK_FILE": self.clock, "USER": "claire"}
        self.accounts(ACCOUNTS)

    def at(self, ms):
        with open(self.clock, "w") as f:
            f.write(f"{ms}\n")

    def accounts(self, accounts):
        path = os.path.join(self.dir, "accounts.json")
        with open(path, "w") as f:
            json.dump(accounts, f)
        r = self.vigie("accounts", "import", path)
        assert r.returncode == 0, r.stderr

    def signals(self, entries):
        c = self.redis.client()
        for rec, ms in sorted(entries, key=lambda x: x[1]):
            c.call("XADD", "vigie:signals", f"{ms}-0", "signal", json.dumps(rec))
        c.close()

    def vigie(self, verb, *args):
        return run_vigie([verb, "-c", self.conf] + list(args), env=self.env)

    def review(self, *args):
        r = self.vigie("review", *args)
        assert r.returncode == 0, (args, r.stderr)
        return r

    def review_json(self, *args):
        return {x["id"]: x for x in json.loads(self.review("--format", "json", *args).stdout)}


def test_saved_reviews_listed_and_compared():
    e = Env()
    r = e.vigie("review", "--list")
    assert r.returncode == 0 and r.stdout == "", r
    assert "no saved review" in r.stderr
    r = e.vigie("review", "--diff", "last")
    assert r.returncode == 1 and "no saved review to compare with" in r.stderr, r

    # The first review, saved: the key account under the de-selection bar is watched.
    r = e.review("--save", "--format", "json")
    assert "saved review 1 of 2026-12-01T00:00:00Z" in r.stderr, r.stderr
    first = {x["id"]: x for x in json.loads(r.stdout)}
    assert first["dull"]["recommendation"] == "watch", first["dull"]
    assert first["dull"]["reasons"][0] == ("score 20 below the de-selection bar 40 in 1 of the last 1 review(s) "
                                           "(de-select after 2 in a row)"), first["dull"]["reasons"]
    assert first["nova"]["recommendation"] == "keep" and first["nova"]["score"] == 53
    assert first["solid"]["recommendation"] == "keep"

    # A month later: signals arrived for nova, gone retired, acme renamed, newco added.
    e.at(LATER)
    e.signals([(signal("s-fund", "nova", "funding", 85, 0.9, LATER - 3 * DAY), LATER - 3 * DAY)] +
              [(signal(f"s-hire{d}", "nova", "hiring", 60, 0.8, LATER - d * DAY), LATER - d * DAY + 1000)
               for d in (6, 5, 4, 2, 1)])
    later = [dict(a) for a in ACCOUNTS if a["id"] not in ("gone", "acme")] + [
        {"id": "gone", "name": "Gone Ltd", "owner": "marc@example.com", "tier": "standard",
         "retired": "2026-12-15T00:00:00Z"},
        {"id": "acme", "name": "Acme Industries", "owner": "marc@example.com", "tier": "standard"},
        {"id": "newco", "name": "NewCo", "owner": "claire@example.com", "tier": "candidate"},
    ]
    e.accounts(later)

    r = e.review("--diff", "last")
    lines = r.stdout.splitlines()
    assert lines[0] == "Since review 1 of 2026-12-01T00:00:00Z (5 account(s)), at 2027-01-01T00:00:00Z:", lines
    assert lines[1].split()[:4] == ["ID", "NAME", "CHANGE", "WHAT"], lines[1]
    by = {l.split()[0]: l for l in lines[2:]}
    assert set(by) == {"nova", "dull", "acme", "newco", "gone"}, lines
    assert "recommendation keep -> promote; score 53 -> 61 (+8); heat 0 -> 100 (+100)" in by["nova"], by["nova"]
    assert "recommendation watch -> de-select" in by["dull"], by["dull"]
    assert 'renamed from "Acme"' in by["acme"], by["acme"]
    assert "added" in by["newco"] and "added since (now candidate, keep)" in by["newco"], by["newco"]
    assert "retired since (on 2026-12-15T00:00:00Z; was keep)" in by["gone"], by["gone"]
    assert "solid" not in by  # nothing moved

    d = json.loads(e.review("--diff", "1", "--format", "json").stdout)
    assert d["since"] == 1 and d["since_at"] == "2026-12-01T00:00:00Z" and d["at"] == "2027-01-01T00:00:00Z"
    changes = {c["id"]: c for c in d["changes"]}
    assert changes["nova"]["change"] == "changed" and changes["gone"]["change"] == "retired"
    assert changes["newco"]["change"] == "added" and changes["acme"]["change"] == "changed"
    assert changes["nova"]["lines"][0] == "recommendation keep -> promote", changes["nova"]

    # The second review, saved: the second in a row under the bar de-selects; the candidate is
    # promoted (vigie changes no tier: nova is still a candidate).
    r = e.review("--save", "--format", "json")
    assert "saved review 2 of 2027-01-01T00:00:00Z" in r.stderr, r.stderr
    second = {x["id"]: x for x in json.loads(r.stdout)}
    assert second["dull"]["recommendation"] == "de-select", second["dull"]
    assert second["dull"]["reasons"][0] == "score 20 below the de-selection bar 40 in 2 reviews in a row"
    assert second["nova"]["recommendation"] == "promote" and second["nova"]["tier"] == "candidate"

    r = e.review("--list")
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["ID", "DATE", "ACCOUNTS", "DE-SELECT", "PROMOTE", "WATCH", "KEEP"], lines
    assert lines[1].split() == ["1", "2026-12-01T00:00:00Z", "5", "0", "0", "1", "4"], lines
    assert lines[2].split() == ["2", "2027-01-01T00:00:00Z", "5", "1", "1", "0", "3"], lines
    listed = json.loads(e.review("--list", "--format", "json").stdout)
    assert [x["id"] for x in listed] == [1, 2]
    assert listed[1]["counts"] == {"de-select": 1, "promote": 1, "watch": 0, "keep": 3}, listed[1]
    assert listed[1]["accounts"] == 5

    # Nothing moved since review 2.
    r = e.review("--diff", "last")
    assert r.stdout.splitlines()[1].startswith("no change"), r.stdout


def test_a_run_above_the_bar_starts_the_count_again():
    e = Env()
    e.review("--save")  # dull under the bar: 1
    dull = next(a for a in ACCOUNTS if a["id"] == "dull")
    e.accounts([dict(dull, revenue=0.9, margin=0.9, growth_potential=0.9, strategic_fit=0.9, image=0.9)])
    e.at(NOW + 30 * DAY)
    assert e.review_json("--save")["dull"]["recommendation"] == "keep"  # above: the run is broken
    e.accounts([dull])
    e.at(NOW + 60 * DAY)
    got = e.review_json("--save")["dull"]
    assert got["recommendation"] == "watch", got
    assert got["reasons"][0].startswith("score 20 below the de-selection bar 40 in 1 of the last 2 review(s)"), got
    # An unsaved review counts as the next one: what saving it would say.
    e.at(NOW + 90 * DAY)
    assert e.review_json()["dull"]["recommendation"] == "de-select"


def test_set_tier_recorded_and_shown():
    e = Env()
    r = e.vigie("accounts", "set-tier", "nova", "key", "--reason", "won the framework agreement")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "nova: tier candidate -> key, decision recorded (by claire on 2026-12-01T00:00:00Z)\n", r.stdout
    acct = json.loads(e.vigie("accounts", "show", "nova").stdout)
    assert acct["tier"] == "key"
    c = e.redis.client()
    kept = [json.loads(x) for x in c.call("LRANGE", "vigie:tier-decisions:nova", "0", "-1")]
    assert kept == [{"at": "2026-12-01T00:00:00Z", "by": "claire", "from": "candidate", "to": "key",
                     "reason": "won the framework agreement"}], kept
    assert int(c.call("GET", "vigie:accounts:version")) >= 2  # the import, then the decision: daemons reload
    c.close()

    e.at(NOW + DAY)
    r = e.vigie("accounts", "set-tier", "dull", "key", "--reason", "keep: the new CFO is ours", "--by", "marc")
    assert r.returncode == 0 and r.stdout.startswith("dull: kept at key, decision recorded (by marc on "), r

    rows = e.review_json()
    assert rows["nova"]["tier"] == "key"
    assert rows["nova"]["decision"] == {"at": "2026-12-01T00:00:00Z", "by": "claire", "from": "candidate",
                                        "to": "key", "reason": "won the framework agreement"}
    assert "tier set candidate -> key by claire on 2026-12-01: won the framework agreement" in rows["nova"]["reasons"]
    assert rows["dull"]["decision"]["by"] == "marc" and rows["dull"]["decision"]["from"] == "key"
    assert rows["solid"]["decision"] is None
    table = e.review().stdout
    line = next(l for l in table.splitlines() if l.startswith("nova "))
    assert "tier set candidate -> key by claire on 2026-12-01: won the framework agreement" in line, line


def test_set_tier_bad_input():
    e = Env()
    r = e.vigie("accounts", "set-tier", "nova", "gold", "--reason", "x")
    assert r.returncode == 2 and "tier 'gold' is not key, candidate or standard" in r.stderr, r
    r = e.vigie("accounts", "set-tier", "nova", "key")
    assert r.returncode == 2 and "--reason \"...\" is required" in r.stderr, r
    r = e.vigie("accounts", "set-tier", "nova", "key", "--reason", "")
    assert r.returncode == 2 and "--reason \"...\" is required" in r.stderr, r
    r = e.vigie("accounts", "set-tier", "nosuch", "key", "--reason", "x")
    assert r.returncode == 1 and "no account with id 'nosuch'" in r.stderr, r
    r = e.vigie("accounts", "set-tier", "nova")
    assert r.returncode == 2 and "tier '' is not key, candidate or standard" in r.stderr, r
    # nothing was recorded, nothing changed
    assert json.loads(e.vigie("accounts", "show", "nova").stdout)["tier"] == "candidate"
    c = e.redis.client()
    assert c.call("EXISTS", "vigie:tier-decisions:nova") == 0
    c.close()
    r = e.vigie("review", "--save", "--owner", "marc@example.com")
    assert r.returncode == 2 and "drop --owner" in r.stderr, r
    r = e.vigie("review", "--diff", "last", "--format", "csv")
    assert r.returncode == 2 and "--diff prints a table or json" in r.stderr, r
    e.review("--save")
    r = e.vigie("review", "--diff", "7")
    assert r.returncode == 1 and "no saved review '7'" in r.stderr, r


if __name__ == "__main__":
    run_tests(globals())
