"""`vigie accounts`: import (JSON and CSV, all or nothing, bad rows named by line), list,
show and rm against the embedded Redis."""
# ctest-labels: integration
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import SOURCE_DIR, run_tests, run_vigie, short_tmpdir


def setup():
    d = short_tmpdir()
    conf = os.path.join(d, "vigie.conf")
    with open(conf, "w") as f:
        f.write(f"[daemon]\nstate_dir = {d}/state\n")
    return d, conf


def acc(conf, *args):
    return run_vigie(["accounts", "-c", conf] + list(args))


def test_import_list_show_rm():
    d, conf = setup()
    r = acc(conf, "import", os.path.join(SOURCE_DIR, "examples", "accounts.json"))
    assert r.returncode == 0, r.stderr
    assert "imported 30 account(s): 30 new, 0 updated" in r.stdout
    lst = acc(conf, "list", "--json")
    rows = [json.loads(l) for l in lst.stdout.splitlines()]
    assert len(rows) == 30 and rows == sorted(rows, key=lambda a: a["id"])
    src = {a["id"]: a for a in json.load(open(os.path.join(SOURCE_DIR, "examples", "accounts.json")))}
    shown = json.loads(acc(conf, "show", "orange").stdout)
    for k in ("name", "aliases", "domains", "country", "owner", "tier", "crm_id", "negative_keywords"):
        assert shown[k] == src["orange"][k], k
    assert shown["identifiers"]["siren"] == src["orange"]["identifiers"]["siren"]

    assert acc(conf, "rm", "orange").returncode == 0
    assert acc(conf, "show", "orange").returncode == 1
    assert "29 account(s)" in acc(conf, "list").stdout


def test_bad_rows_import_nothing():
    d, conf = setup()
    good = os.path.join(d, "a.csv")
    with open(good, "w") as f:
        f.write("id,name,aliases,domains,tier,siren\nacme,Acme SA,Acme|ACME Corp,acme.example,key,123456789\n")
    assert acc(conf, "import", good).returncode == 0
    bad = os.path.join(d, "b.csv")
    with open(bad, "w") as f:
        f.write("id,name,tier\nfine,Fine Co,key\nbroken,,key\nother,Other,standard\n")
    r = acc(conf, "import", bad)
    assert r.returncode == 1 and "line 3" in r.stderr and "nothing was imported" in r.stderr, r.stderr
    ids = [json.loads(l)["id"] for l in acc(conf, "list", "--json").stdout.splitlines()]
    assert ids == ["acme"]
    acme = json.loads(acc(conf, "show", "acme").stdout)
    assert acme["aliases"] == ["Acme", "ACME Corp"] and acme["identifiers"] == {"siren": "123456789"}


if __name__ == "__main__":
    run_tests(dict(globals()))
