# ctest-labels: integration review
"""Groups inside an account (issue 16 part 5) on a real redis-server and a real `vigie run`:
accounts imported with units and a subsidiary; stories written into the items stream that name
a unit by its name or alias, the subsidiary, and the group itself; the enrich stage rolls a
unit's story up to its account with the unit named (signals and contacts), keeps the
subsidiary's story on the subsidiary; `vigie accounts show ID --map` prints the units, the
people known in each, the last signal per unit and the white space. Imports with a missing
parent, a parent cycle or a unit named like another account are refused whole, naming the line."""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from harness import Redis, Vigie, daemon_config, run_tests, run_vigie, short_tmpdir, wait_until

ACCOUNTS = [
    {"id": "orange", "name": "Orange", "domains": ["orange.com"], "owner": "Claire Martin",
     "units": [{"name": "Orange Business", "aliases": ["Orange Business Services"],
                "domains": ["orange-business.com"]},
               {"name": "Orange Cyberdefense", "domains": ["orangecyberdefense.com"]},
               {"name": "Orange Wholesale"}]},
    {"id": "orange-bank", "name": "Orange Bank", "parent_id": "orange"},
    {"id": "orange-events", "name": "Orange Events", "parent_id": "orange-bank"},
]


def item(i, title, summary, published):
    return {"id": f"https://news.example/{i}", "url": f"https://news.example/{i}", "title": title,
            "summary": summary, "lang": "fr", "published": published}


ITEMS = [
    item(1, "Orange Business nomme Jean Dupont directeur financier",
         "Orange Business annonce la nomination de Jean Dupont au poste de directeur financier.",
         "2026-10-01T09:00:00Z"),
    item(2, "Orange Business Services remporte un contrat de 200 millions d'euros avec l'armée",
         "Le contrat court sur cinq ans.", "2026-11-02T09:00:00Z"),
    item(3, "Orange Cyberdefense ouvre un site à Lyon et recrute 300 personnes",
         "Orange Cyberdefense ouvre un nouveau centre à Lyon.", "2026-11-20T09:00:00Z"),
    item(4, "Orange Bank nomme Marie Curie directrice générale", "", "2026-11-05T09:00:00Z"),
    item(5, "Orange nomme Paul Martin directeur des ressources humaines",
         "Orange annonce la nomination de Paul Martin au poste de directeur des ressources humaines.",
         "2026-11-10T09:00:00Z"),
]


def stream(c, key):
    return [(eid, dict(zip(f[::2], f[1::2]))) for eid, f in c.call("XRANGE", key, "-", "+")]


def caught_up(c, n_items):
    for g in c.call("XINFO", "GROUPS", "vigie:items"):
        g = dict(zip(g[::2], g[1::2]))
        if g["name"] == "enrich":
            return g["entries-read"] == n_items and g["lag"] == 0 and g["pending"] == 0
    return False


def setup():
    d = short_tmpdir()
    r = Redis()
    conf = os.path.join(d, "vigie.conf")
    with open(conf, "w") as f:
        f.write(daemon_config(d, r.url) + "[pipeline]\nbatch = 8\n")
    path = os.path.join(d, "accounts.json")
    with open(path, "w") as f:
        json.dump(ACCOUNTS, f, indent=1)
    p = run_vigie(["accounts", "-c", conf, "import", path])
    assert p.returncode == 0, p.stderr
    return d, r, conf


def import_file(d, conf, name, text):
    path = os.path.join(d, name)
    with open(path, "w") as f:
        f.write(text)
    return run_vigie(["accounts", "-c", conf, "import", path])


def test_bad_groups_are_refused_naming_the_line():
    d, r, conf = setup()
    c = r.client()
    before = c.call("HGETALL", "vigie:accounts")
    p = import_file(d, conf, "missing.csv", "id,name,parent_id\nacme,Acme,\nacme-uk,Acme UK,acme-group\n")
    assert p.returncode == 1
    assert "line 3: account acme-uk: parent_id 'acme-group' is no account" in p.stderr, p.stderr
    assert "nothing was imported" in p.stderr
    # A cycle through the registry: orange under orange-events, which is under orange-bank, under orange.
    p = import_file(d, conf, "cycle.json", '[\n{"id": "orange", "name": "Orange", "parent_id": "orange-events"}\n]\n')
    assert p.returncode == 1
    assert "line 2: account orange: parent cycle: orange -> orange-events -> orange-bank -> orange" in p.stderr, p.stderr
    # A unit alias that is another account's name.
    p = import_file(d, conf, "clash.json",
                    '[{"id": "sfr", "name": "SFR", "units": [{"name": "SFR Business", "aliases": ["Orange Bank"]}]}]')
    assert p.returncode == 1
    assert ("line 1: unit 'SFR Business' (alias 'Orange Bank') of account sfr is also the name or an alias of "
            "account orange-bank (Orange Bank)") in p.stderr, p.stderr
    assert c.call("HGETALL", "vigie:accounts") == before, "nothing was imported"
    # The stored form keeps the new members.
    show = json.loads(run_vigie(["accounts", "-c", conf, "show", "orange-bank"]).stdout)
    assert show["parent_id"] == "orange"
    orange = json.loads(run_vigie(["accounts", "-c", conf, "show", "orange"]).stdout)
    assert [u["name"] for u in orange["units"]] == ["Orange Business", "Orange Cyberdefense", "Orange Wholesale"]
    c.close()
    r.stop()


def test_roll_up_and_the_map():
    d, r, conf = setup()
    c = r.client()
    for it in ITEMS:
        c.call("XADD", "vigie:items", "*", "item", json.dumps(it))
    v = Vigie(config_path=conf)
    wait_until(lambda: caught_up(c, len(ITEMS)), 60, "enrich to read every item")
    assert v.stop() == 0

    signals = [json.loads(f["signal"]) for _, f in stream(c, "vigie:signals") if "signal" in f]
    got = sorted(((s["account_id"], s["type"], s.get("unit")) for s in signals), key=lambda t: (t[0], t[1], t[2] or ""))
    assert got == [
        ("orange", "contract_win", "Orange Business"),       # by the unit's alias: rolled up
        ("orange", "expansion", "Orange Cyberdefense"),
        ("orange", "hiring", "Orange Cyberdefense"),
        ("orange", "leadership_change", None),               # the group itself: no unit named
        ("orange", "leadership_change", "Orange Business"),
        ("orange-bank", "leadership_change", None),          # the subsidiary keeps its own
    ], got
    # A record without a unit has the fixed shape (no "unit" member at all).
    assert all("unit" not in s for s in signals if s["account_id"] == "orange-bank")
    contacts = {json.loads(f["contact"])["name"]: json.loads(f["contact"]) for _, f in stream(c, "vigie:contacts")}
    assert contacts["Jean Dupont"]["account_id"] == "orange" and contacts["Jean Dupont"]["unit"] == "Orange Business"
    # the unit's own domain is where its people's mail goes
    assert contacts["Jean Dupont"]["email_guess"]["address"] == "jean.dupont@orange-business.com"
    assert "unit" not in contacts["Paul Martin"] and contacts["Marie Curie"]["account_id"] == "orange-bank"

    p = run_vigie(["accounts", "-c", conf, "show", "orange", "--map"])
    assert p.returncode == 0, p.stderr
    out = p.stdout
    print("     " + out.replace("\n", "\n     "))
    assert out.startswith("Orange (orange): map of the group\n"
                          "subsidiaries: Orange Bank (orange-bank), Orange Events (orange-events)\n"), out
    assert ("\nOrange Business\n"
            "  last signal  2026-11-02  contract_win  Orange Business Services remporte un contrat de 200 millions "
            "d'euros avec l'armée\n"
            "  finance      Jean Dupont, directeur financier\n") in out, out
    # two signals of one story at one time: the one written last (the stream's order) is the last
    assert ("\nOrange Cyberdefense\n"
            "  last signal  2026-11-20  hiring  Orange Cyberdefense ouvre un site à Lyon et recrute 300 personnes\n"
            "  no contact yet\n") in out, out
    assert "\nOrange Wholesale\n  last signal  none\n  no contact yet\n" in out, out
    assert ("\nOrange, no unit named\n"
            "  last signal  2026-11-10  leadership_change  Orange nomme Paul Martin directeur des ressources humaines\n"
            "  hr           Paul Martin, directeur des ressources humaines\n") in out, out
    assert ("\nOrange Bank (orange-bank, subsidiary)\n"
            "  last signal  2026-11-05  leadership_change  Orange Bank nomme Marie Curie directrice générale\n"
            "  executive    Marie Curie, directrice générale\n") in out, out
    assert "\nOrange Events (orange-events, subsidiary)\n  last signal  none\n  no contact yet\n" in out, out
    assert out.endswith("\nwhite space (no contact yet): Orange Cyberdefense, Orange Wholesale, Orange Events\n"), out

    j = json.loads(run_vigie(["accounts", "-c", conf, "show", "orange", "--map", "--json"]).stdout)
    assert [a["id"] for a in j["accounts"]] == ["orange", "orange-bank", "orange-events"]
    assert j["white_space"] == ["Orange Cyberdefense", "Orange Wholesale", "Orange Events"]
    ob = j["accounts"][0]["units"][0]
    assert ob["name"] == "Orange Business" and ob["last_signal"]["type"] == "contract_win"
    assert [(p["name"], p["department"]) for p in ob["contacts"]] == [("Jean Dupont", "finance")]
    # A subsidiary's map is part of its group's.
    sub = json.loads(run_vigie(["accounts", "-c", conf, "show", "orange-bank", "--map", "--json"]).stdout)
    assert sub["part_of"] == {"id": "orange", "name": "Orange"}
    assert [a["id"] for a in sub["accounts"]] == ["orange-bank", "orange-events"]
    p = run_vigie(["accounts", "-c", conf, "show", "nope", "--map"])
    assert p.returncode == 1 and "no account with id 'nope'" in p.stderr
    c.close()
    r.stop()


if __name__ == "__main__":
    run_tests(globals())
