# ctest-labels: integration review
"""`vigie review` against a real redis-server: accounts imported with `vigie accounts import`,
signals written into the signals stream as the enrich stage writes them (entries at their
detection time, update entries for a story told again), the review's clock the test's own
(VIGIE_CLOCK_FILE): the JSON checked field by field, the table and CSV, an owner filter, a
review over zero accounts."""
import csv
import io
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from harness import Redis, run_tests, run_vigie, short_tmpdir

DAY = 86400000
NOW = 1796083200000  # 2026-12-01T00:00:00Z, the review's clock

ACCOUNTS = [
    # a candidate whose funding round and hiring surge carry it over the bar
    {"id": "nova", "name": "Nova Robotics", "owner": "claire@example.com", "tier": "candidate",
     "revenue": 0.5, "margin": 0.4, "growth_potential": 0.6, "strategic_fit": 0.6, "image": 0.5},
    # a key account hit by an insolvency four months ago, quiet since
    {"id": "oldco", "name": "OldCo Industries", "owner": "marc@example.com", "tier": "key",
     "revenue": 0.9, "margin": 0.5, "growth_potential": 0.7, "strategic_fit": 0.8, "image": 0.8},
    # a healthy key account, a contract win last week
    {"id": "solid", "name": "Solid Group", "owner": "Claire@Example.com", "tier": "key",
     "revenue": 0.8, "margin": 0.6, "growth_potential": 0.7, "strategic_fit": 0.9, "image": 0.9},
    # no axis field at all: evidence only
    {"id": "bare", "name": "Bare, Inc.", "owner": "marc@example.com"},
]


def iso(ms):
    import datetime
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def signal(sid, account, type_, priority, confidence, published_ms, sources=1):
    # the Signal record of docs/design.md, as enrich_signal_json writes it
    return {"id": sid, "account_id": account, "type": type_, "confidence": confidence, "priority": priority,
            "title": f"{account} {type_}", "url": f"https://news.example/{sid}", "published": iso(published_ms),
            "detected": iso(published_ms + 3600000), "evidence": "...", "amounts": [], "people": [],
            "counterparties": [], "places": [], "modifiers": [], "lang": "en", "sources": sources}


SIGNALS = [
    # (entry time, field, record)
    (NOW - 200 * DAY, "signal", signal("s-old", "solid", "financial_results", 50, 0.9, NOW - 200 * DAY)),
    (NOW - 120 * DAY, "signal", signal("s-insolv", "oldco", "insolvency", 95, 0.95, NOW - 120 * DAY)),
    (NOW - 10 * DAY, "signal", signal("s-part", "bare", "partnership", 70, 1.0, NOW - 10 * DAY)),
    (NOW - 9 * DAY, "update", signal("s-part", "bare", "partnership", 70, 1.0, NOW - 10 * DAY, sources=3)),
    (NOW - 6 * DAY, "signal", signal("s-win", "solid", "contract_win", 75, 0.9, NOW - 6 * DAY)),
    (NOW - 3 * DAY, "signal", signal("s-fund", "nova", "funding", 85, 0.9, NOW - 3 * DAY)),
] + [(NOW - d * DAY + 1000, "signal", signal(f"s-hire{d}", "nova", "hiring", 60, 0.8, NOW - d * DAY))
     for d in (6, 5, 4, 2, 1)]


def setup(with_accounts=True, with_signals=True):
    d = short_tmpdir()
    redis = Redis()
    conf = os.path.join(d, "vigie.conf")
    with open(conf, "w") as f:
        f.write(f"[daemon]\nstate_dir = {d}/state\n[redis]\nurl = {redis.url}\n")
    clock = os.path.join(d, "clock")
    with open(clock, "w") as f:
        f.write(f"{NOW}\n")
    env = {"VIGIE_CLOCK_FILE": clock}
    if with_accounts:
        path = os.path.join(d, "accounts.json")
        with open(path, "w") as f:
            json.dump(ACCOUNTS, f)
        r = run_vigie(["accounts", "-c", conf, "import", path])
        assert r.returncode == 0, r.stderr
    if with_signals:
        c = redis.client()
        for ms, field, rec in sorted(SIGNALS, key=lambda s: s[0]):
            c.call("XADD", "vigie:signals", f"{ms}-0", field, json.dumps(rec))
        c.close()
    return conf, env, redis


def review(conf, env, *args):
    return run_vigie(["review", "-c", conf] + list(args), env=env)


def test_json_field_by_field():
    conf, env, redis = setup()
    r = review(conf, env, "--format", "json")
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    assert [x["id"] for x in rows][:2] == ["oldco", "nova"], [x["id"] for x in rows]
    by = {x["id"]: x for x in rows}
    assert set(by) == {"nova", "oldco", "solid", "bare"}

    nova = by["nova"]
    assert nova["name"] == "Nova Robotics" and nova["owner"] == "claire@example.com" and nova["tier"] == "candidate"
    assert nova["scores"] == {"quantitative": 69, "strategic": 60, "image": 50}, nova["scores"]
    assert nova["score"] >= 60 and nova["evidence_only"] is False
    assert nova["recommendation"] == "promote"
    assert nova["reasons"][0] == "score 61 meets the key-account bar 60 (tier candidate)", nova["reasons"]
    assert "evidence: funding x1, hiring x5" in nova["reasons"]
    assert "6 signal(s) in 7 days, 0 the week before" in nova["reasons"]
    assert nova["trends"] == {"7d": {"now": 6, "before": 0},
                              "90d": {"now": 6, "before": 0, "complete": True}}, nova["trends"]
    assert "funding x1 +7" in nova["scores_why"]["quantitative"]
    assert "hiring x5 +12" in nova["scores_why"]["quantitative"]
    assert nova["last_signal"] == iso(NOW - 1 * DAY)
    # heat: 85*0.5^(3/30) + 60*(0.5^(1/30)+0.5^(2/30)+0.5^(4/30)+0.5^(5/30)+0.5^(6/30)), capped at 100
    assert nova["heat"] == 100

    old = by["oldco"]
    assert old["recommendation"] == "de-select" and old["tier"] == "key"
    assert old["reasons"][0] == "insolvency reported on 2026-08-03", old["reasons"]
    assert "no signal in 90 days" in old["reasons"]
    assert old["trends"]["90d"] == {"now": 0, "before": 1, "complete": True}
    assert "insolvency x1 -24" in old["scores_why"]["quantitative"]
    assert 0 < old["heat"] < 7  # 95 * 0.5^(120/30) = 5.9

    solid = by["solid"]
    assert solid["recommendation"] == "keep"
    assert solid["reasons"][0].startswith("score ") and "meets the key-account bar 60" in solid["reasons"][0]
    assert solid["trends"]["7d"] == {"now": 1, "before": 0}
    assert solid["trends"]["90d"] == {"now": 1, "before": 0, "complete": True}

    bare = by["bare"]
    assert bare["evidence_only"] is True and bare["tier"] == "standard"
    assert bare["scores"] == {"quantitative": 50, "strategic": 56, "image": 58}, bare["scores"]
    assert "no axis fields: scores from evidence only" in bare["reasons"]
    assert "told by 2 further source(s) +4" in bare["scores_why"]["image"]
    assert bare["recommendation"] == "watch"  # heat 70*0.5^(10/30) = 56 >= 50


def test_table_and_csv():
    conf, env, redis = setup()
    r = review(conf, env)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split()[:4] == ["ID", "NAME", "OWNER", "TIER"], lines[0]
    order = [l.split()[0] for l in lines[1:5]]
    assert order[:2] == ["oldco", "nova"], order  # de-select, then promote, then by heat
    oldco = next(l for l in lines if l.startswith("oldco"))
    assert "de-select" in oldco and "insolvency reported on 2026-08-03" in oldco
    assert "4 account(s) reviewed on 2026-12-01" in r.stdout

    r = review(conf, env, "--format", "csv")
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert [x["id"] for x in rows][:2] == ["oldco", "nova"]
    bare = next(x for x in rows if x["id"] == "bare")
    assert bare["name"] == "Bare, Inc." and bare["evidence_only"] == "yes"
    assert bare["strategic"] == "56" and bare["recommendation"] == "watch"
    nova = next(x for x in rows if x["id"] == "nova")
    assert nova["signals_7d"] == "6" and nova["trend_90d_complete"] == "yes" and nova["recommendation"] == "promote"
    assert "funding x1, hiring x5" in nova["reasons"]


def test_owner_filter_and_formats():
    conf, env, redis = setup()
    r = review(conf, env, "--format", "json", "--owner", "CLAIRE@example.com")
    assert r.returncode == 0, r.stderr
    assert sorted(x["id"] for x in json.loads(r.stdout)) == ["nova", "solid"]
    r = review(conf, env, "--format", "xml")
    assert r.returncode == 2 and "unknown format" in r.stderr


def test_short_history_says_so():
    # the stream reaches back 10 days only: the 90-day trend cannot compare with the 90 before
    conf, env, redis = setup(with_signals=False)
    c = redis.client()
    c.call("XADD", "vigie:signals", f"{NOW - 10 * DAY}-0", "signal",
           json.dumps(signal("s1", "solid", "partnership", 60, 0.9, NOW - 10 * DAY)))
    c.close()
    rows = json.loads(review(conf, env, "--format", "json").stdout)
    assert all(x["trends"]["90d"]["complete"] is False for x in rows)
    r = review(conf, env)
    assert "the signals stream reaches back to 2026-11-21 only" in r.stdout, r.stdout


def test_zero_accounts():
    conf, env, redis = setup(with_accounts=False)
    r = review(conf, env, "--format", "json")
    assert r.returncode == 0 and json.loads(r.stdout) == [], (r.returncode, r.stdout, r.stderr)
    assert "no accounts to review (import some with `vigie accounts import FILE`)" in r.stderr
    r = review(conf, env)
    assert r.returncode == 0 and r.stdout == "" and "no accounts to review" in r.stderr
    r = review(conf, env, "--format", "csv")
    assert r.returncode == 0 and r.stdout.startswith("id,name,owner,tier,") and len(r.stdout.splitlines()) == 1


if __name__ == "__main__":
    run_tests(globals())
