# ctest-labels: integration review
"""Heat outside `vigie review` and `vigie today` against a real redis-server, with the review's
fixture (tests/review/test_review_cli.py: accounts imported, signals in the signals stream as
enrich writes them, the test's clock through VIGIE_CLOCK_FILE) and contacts written into the
contacts stream as enrich writes them: `accounts list --sort heat`, `accounts show`'s heat,
trends and last signal, and who to call this week per owner — the ranking, the contact picked
per signal type (the new CFO for a funding round, the plant's director for an expansion, sales
for a contract), the guessed e-mail marked, the JSON shape, an owner with nothing this week."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_review_cli as fx
from harness import run_tests, run_vigie

DAY, NOW, iso, signal = fx.DAY, fx.NOW, fx.iso, fx.signal

# One more account whose owner is known by the e-mail alone in its owner_email.
PLANT = {"id": "plantco", "name": "Plant Co", "owner": "Paul Durand", "owner_email": "paul@example.com",
         "tier": "standard", "domains": ["plantco.example"]}
PLANT_SIGNALS = [(NOW - 2 * DAY, "signal", signal("s-exp", "plantco", "expansion", 70, 0.9, NOW - 2 * DAY))]


def contact(account, name, title, role_norm, seniority, department, first_seen_ms, email=None, departing=False,
            source_url=None):
    # the Contact record of docs/design.md, as enrich_contact_json writes it
    guess = None
    if email:
        guess = {"address": email, "pattern": "first.last", "confidence": 0.3, "verified": False}
    return {"id": f"c-{account}-{name.replace(' ', '-').lower()}", "name": name, "title": title,
            "role_norm": role_norm, "seniority": seniority, "department": department, "account_id": account,
            "source_url": source_url or f"https://news.example/{account}/{name}", "first_seen": iso(first_seen_ms),
            "departing": departing, "email_guess": guess}


CONTACTS = [
    # nova: the CEO, the former CFO, then a new CFO named with the funding round
    contact("nova", "Anne Roy", "CEO", "ceo", "c_level", "executive", NOW - 300 * DAY, "anne.roy@nova.example"),
    contact("nova", "Bob Old", "CFO", "cfo", "c_level", "finance", NOW - 200 * DAY, "bob.old@nova.example"),
    contact("nova", "Carla New", "Chief Financial Officer", "cfo", "c_level", "finance", NOW - 3 * DAY,
            "carla.new@nova.example"),
    contact("nova", "Hugo Hr", "CHRO", "chro", "c_level", "hr", NOW - 50 * DAY, "hugo.hr@nova.example"),
    # solid: the CEO and its head of sales, whose address is not known at all
    contact("solid", "Sam Boss", "CEO", "ceo", "c_level", "executive", NOW - 100 * DAY, "sam.boss@solid.example"),
    contact("solid", "Sara Sales", "Head of Sales", "head_of_sales", "director", "sales", NOW - 90 * DAY),
    # plantco: the COO and the director of the new plant
    contact("plantco", "Otto Ops", "COO", "coo", "c_level", "operations", NOW - 100 * DAY, "otto.ops@plantco.example"),
    contact("plantco", "Pia Site", "Plant Director, Lyon", "plant_director", "director", "operations", NOW - 2 * DAY,
            "pia.site@plantco.example"),
]
# The former CFO leaves: the same person found again, departing (the latest record counts).
CONTACTS.append(dict(CONTACTS[1], departing=True, first_seen=iso(NOW - 4 * DAY)))


def setup():
    conf, env, redis = fx.setup(with_signals=False)
    d = os.path.dirname(conf)
    path = os.path.join(d, "more.json")
    with open(path, "w") as f:
        json.dump([PLANT], f)
    r = run_vigie(["accounts", "-c", conf, "import", path])
    assert r.returncode == 0, r.stderr
    c = redis.client()
    for ms, field, rec in sorted(fx.SIGNALS + PLANT_SIGNALS, key=lambda s: s[0]):
        c.call("XADD", "vigie:signals", f"{ms}-0", field, json.dumps(rec))
    for i, rec in enumerate(CONTACTS):
        c.call("XADD", "vigie:contacts", f"{NOW - 400 * DAY + i}-0", "contact", json.dumps(rec))
    c.close()
    return conf, env, redis


def vigie(conf, env, *args):
    return run_vigie([args[0], "-c", conf] + list(args[1:]), env=env)


def test_accounts_list_sort_heat_and_show():
    conf, env, redis = setup()
    r = vigie(conf, env, "accounts", "list", "--sort", "heat")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split()[:5] == ["ID", "NAME", "TIER", "HEAT", "CC"], lines[0]
    rows = [l.split() for l in lines[1:-1]]
    # heat as vigie review has it: nova 100, plantco 70*0.5^(2/30) = 66.8, solid 75*0.5^(6/30) + 0.5 = 65.8,
    # bare 56, oldco 6
    review = {x["id"]: x["heat"] for x in json.loads(vigie(conf, env, "review", "--json").stdout)}
    assert [x[0] for x in rows] == sorted(review, key=lambda i: (-review[i], i)), (rows, review)
    assert [x[0] for x in rows] == ["nova", "plantco", "solid", "bare", "oldco"], rows
    nova = next(l for l in lines if l.startswith("nova"))
    assert nova.split()[4] == "100", nova
    assert lines[-1] == "5 account(s)"

    by_name = [l.split()[0] for l in vigie(conf, env, "accounts", "list", "--sort", "name").stdout.splitlines()[1:-1]]
    assert by_name == ["bare", "nova", "oldco", "plantco", "solid"], by_name  # Bare, Nova, OldCo, Plant, Solid
    ids = [json.loads(l)["id"] for l in vigie(conf, env, "accounts", "list", "--json", "--sort", "id").stdout.splitlines()]
    assert ids == sorted(ids)
    r = vigie(conf, env, "accounts", "list", "--sort", "size")
    assert r.returncode == 2 and "usage" in r.stderr

    shown = json.loads(vigie(conf, env, "accounts", "show", "nova").stdout)
    assert shown["name"] == "Nova Robotics" and shown["heat"] == 100
    assert shown["trends"] == {"7d": {"now": 6, "before": 0}, "90d": {"now": 6, "before": 0, "complete": True},
                               "12m": {"now": 6}}, shown["trends"]
    assert shown["last_signal"] == iso(NOW - DAY)
    old = json.loads(vigie(conf, env, "accounts", "show", "oldco").stdout)
    assert old["heat"] == review["oldco"] and old["trends"]["90d"] == {"now": 0, "before": 1, "complete": True}
    assert old["last_signal"] == iso(NOW - 120 * DAY)


def test_today_owner_ranking_and_contacts():
    conf, env, redis = setup()
    r = vigie(conf, env, "today", "--owner", "CLAIRE@example.com")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert out.startswith("Who to call: 2 of 2 account(s) of CLAIRE@example.com with signals since 2026-11-24"), out
    assert out.index("nova  Nova Robotics") < out.index("solid  Solid Group"), out
    nova = out[out.index("nova  Nova Robotics"):out.index("solid  Solid Group")]
    lines = nova.splitlines()
    # why now: the signals newest first, one line each (date, type, priority, title)
    assert lines[1].split() == ["2026-11-30", "hiring", "60", "nova", "hiring"], lines
    assert lines[3].split() == ["2026-11-28", "funding", "85", "nova", "funding"], lines
    assert len([l for l in lines if l.startswith("  2026-")]) == 6
    # the new CFO for the funding round, her address a guess
    assert "  call: Carla New, Chief Financial Officer <carla.new@nova.example> (guessed e-mail) -- the CFO, " \
           "for the funding" in nova, nova
    solid = out[out.index("solid  Solid Group"):]
    assert "call: Sara Sales, Head of Sales (no e-mail known) -- sales, for the contract_win" in solid, solid

    # the owner matched on owner_email, case aside; the plant's director for an expansion
    r = vigie(conf, env, "today", "--owner", "PAUL@example.com")
    assert "call: Pia Site, Plant Director, Lyon <pia.site@plantco.example> (guessed e-mail) -- the site's director," \
           " for the expansion" in r.stdout, r.stdout

    # every owner: the heat their week's signals brought, most first (plantco's expansion 2 days ago
    # brought more than solid's contract win 6 days ago)
    r = vigie(conf, env, "today")
    assert r.stdout.startswith("Who to call: 3 of 5 account(s) with signals since"), r.stdout
    order = [l.split()[0] for l in r.stdout.splitlines() if l and not l.startswith(" ") and "  " in l]
    assert order == ["nova", "plantco", "solid"], order


def test_today_nothing_this_week_and_days():
    conf, env, redis = setup()
    r = vigie(conf, env, "today", "--owner", "marc@example.com")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "nothing new since 2026-11-24 for marc@example.com: no signal on 2 account(s) in the last " \
                       "7 day(s)\n", r.stdout
    # bare's partnership was 10 days ago: a fortnight shows it, with the most senior... no contact at all
    r = vigie(conf, env, "today", "--owner", "marc@example.com", "--days", "14")
    assert "bare  Bare, Inc." in r.stdout and "call: no contact known yet at Bare, Inc." in r.stdout, r.stdout
    r = vigie(conf, env, "today", "--owner", "nobody@example.com")
    assert r.returncode == 0 and r.stdout == "no accounts owned by nobody@example.com\n", r.stdout
    r = vigie(conf, env, "today", "--days", "0")
    assert r.returncode == 2 and "--days" in r.stderr


def test_today_json_shape():
    conf, env, redis = setup()
    r = vigie(conf, env, "today", "--owner", "claire@example.com", "--json")
    assert r.returncode == 0, r.stderr
    o = json.loads(r.stdout)
    assert set(o) == {"owner", "days", "now", "accounts"} and o["days"] == 7 and o["now"] == iso(NOW)
    assert [a["id"] for a in o["accounts"]] == ["nova", "solid"]
    nova = o["accounts"][0]
    assert set(nova) == {"id", "name", "owner", "tier", "heat", "heat_gained", "signals", "contact"}, set(nova)
    assert nova["heat"] == 100 and 0 < nova["heat_gained"] <= 100
    assert [s["type"] for s in nova["signals"]] == ["hiring", "hiring", "funding", "hiring", "hiring", "hiring"]
    assert nova["signals"][2] == {"id": "s-fund", "published": iso(NOW - 3 * DAY), "type": "funding",
                                  "priority": 85, "title": "nova funding", "url": "https://news.example/s-fund"}
    assert nova["contact"] == {"id": "c-nova-carla-new", "name": "Carla New", "title": "Chief Financial Officer",
                               "role_norm": "cfo", "seniority": "c_level", "department": "finance",
                               "email": "carla.new@nova.example", "email_guessed": True, "about": "funding",
                               "why": "the CFO"}, nova["contact"]
    solid = o["accounts"][1]
    assert solid["contact"]["email"] is None and solid["contact"]["email_guessed"] is False
    r = vigie(conf, env, "today", "--owner", "marc@example.com", "--json")
    assert json.loads(r.stdout)["accounts"] == []


if __name__ == "__main__":
    run_tests(globals())
