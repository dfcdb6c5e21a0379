"""`vigie accounts`: import (JSON and CSV, all or nothing, bad rows named by line), list,
show and rm against the embedded Redis; an import against a Redis slower than the connection's
usual timeout, or whose connection drops, reports what it knows and nothing more."""
# ctest-labels: integration
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import SOURCE_DIR, VIGIE, Redis, RespClient, run_tests, run_vigie, short_tmpdir, wait_until


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


def start_import_held(n, pause_ms):
    """A Redis of the test's own, its writes paused for pause_ms, and `vigie accounts import`
    of n accounts started against it: returns (client, process, importer's client id) once the
    importer's transaction is held by the pause."""
    r = Redis()
    d = short_tmpdir()
    conf = os.path.join(d, "vigie.conf")
    with open(conf, "w") as f:
        f.write(f"[redis]\nurl = {r.url}\n")
    path = os.path.join(d, "a.csv")
    with open(path, "w") as f:
        f.write("id,name\n" + "".join(f"a{i},Account {i}\n" for i in range(n)))
    c = RespClient(unix=r.sock, timeout=60)
    c.call("CLIENT", "PAUSE", str(pause_ms), "WRITE")
    p = subprocess.Popen([VIGIE, "accounts", "-c", conf, "import", path], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)

    def held():
        for line in c.call("CLIENT", "LIST", "TYPE", "normal").splitlines():
            f = dict(kv.split("=", 1) for kv in line.split())
            if "x" in f["flags"] and "b" in f["flags"]:   # in MULTI, and held by the pause
                return f["id"]
        return None
    return c, p, wait_until(held, 20, "the import's transaction held by the pause")


def test_import_waits_for_a_slow_redis():
    # Redis answers nothing for longer than the command line's usual 5 s timeout while the
    # import's transaction waits (its writes are paused for 10 s): the import is applied when
    # Redis gets to it, and the command says so.
    c, p, _ = start_import_held(2000, 10000)
    out, err = p.communicate(timeout=120)
    assert p.returncode == 0, err
    assert "imported 2000 account(s): 2000 new, 0 updated" in out, out
    assert c.call("HLEN", "vigie:accounts") == 2000
    assert c.call("GET", "vigie:accounts:version") == "1"


def test_import_cut_off_says_it_does_not_know():
    # The connection drops after the whole transaction was sent: the command cannot know
    # whether Redis applied it, and must not say "nothing was imported".
    c, p, importer = start_import_held(50, 20000)
    c.call("CLIENT", "KILL", "ID", importer)
    c.call("CLIENT", "UNPAUSE")
    out, err = p.communicate(timeout=60)
    assert p.returncode == 1, (out, err)
    assert "may or may not have been applied" in err and "vigie accounts list" in err, err
    assert "nothing was imported" not in err, err
    assert c.call("HLEN", "vigie:accounts") in (0, 50)   # all or none


def test_import_refused_in_part_says_so():
    # A key of the wrong type where the accounts live: Redis runs the transaction but refuses
    # its commands. The command must not report success.
    r = Redis()
    d = short_tmpdir()
    conf = os.path.join(d, "vigie.conf")
    with open(conf, "w") as f:
        f.write(f"[redis]\nurl = {r.url}\n")
    c = r.client()
    c.call("SET", "vigie:accounts", "not a hash")
    p = acc(conf, "import", os.path.join(SOURCE_DIR, "examples", "accounts.json"))
    assert p.returncode == 1, (p.stdout, p.stderr)
    assert "WRONGTYPE" in p.stderr and "applied only in part" in p.stderr, p.stderr
    assert "imported" not in p.stdout, p.stdout


if __name__ == "__main__":
    run_tests(dict(globals()))
