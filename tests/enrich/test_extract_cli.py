#!/usr/bin/python3
# ctest-labels: unit
"""`vigie extract` as a user runs it: JSON lines in, the fixed JSON shape out, a bad line
reported with its number while the following lines are still processed (exit status 1), the
full signal records with --signals, and user rules with --rules DIR."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

vigie = os.environ["VIGIE_BIN"]
src = os.environ.get("VIGIE_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
accounts = os.path.join(src, "tests", "data", "accounts_dev.json")


def run(args, stdin):
    return subprocess.run([vigie, "extract"] + args, input=stdin, capture_output=True,
                          text=True, timeout=120)


good1 = {"id": "a1", "title": "Renault : Jean-Marc Delorme nommé directeur financier",
         "summary": "Le constructeur lève par ailleurs 1,5 milliard d'euros.", "lang": "fr"}
good2 = {"id": "a2", "title": "Orange juice prices hit a record", "summary": "", "lang": "en"}
lines = [json.dumps(good1, ensure_ascii=False), "{not json", "", '["array"]',
         json.dumps({"title": "no id"}), json.dumps({"id": "x", "title": 5}),
         json.dumps(good2)]
p = run(["--accounts", accounts, "--json"], "\n".join(lines) + "\n")
assert p.returncode == 1, (p.returncode, p.stderr)
out = [json.loads(l) for l in p.stdout.splitlines()]
assert [o["id"] for o in out] == ["a1", "a2"], out
for o in out:
    assert list(o) == ["id", "signals", "amounts", "people", "companies", "accounts",
                       "mentioned"], list(o)
a1 = out[0]
assert set(a1["signals"]) >= {"leadership_change", "funding"}, a1
assert {"value": 1500000000, "currency": "EUR"} in a1["amounts"], a1
assert {"name": "Jean-Marc Delorme", "role": "directeur financier", "role_norm": "cfo",
        "seniority": "c_level", "department": "finance"} in a1["people"], a1
assert a1["accounts"] == ["renault"] and a1["mentioned"] == [], a1
assert out[1]["accounts"] == [] and out[1]["mentioned"] == [] and out[1]["signals"] == [], out[1]
err = p.stderr
for n in (2, 4, 5, 6):
    assert ("line %d:" % n) in err, (n, err)
assert "line 3:" not in err and "line 1:" not in err and "line 7:" not in err, err

# without accounts: still classifies, no accounts
p = run(["--json"], json.dumps(good1, ensure_ascii=False) + "\n")
assert p.returncode == 0, p.stderr
o = json.loads(p.stdout)
assert o["accounts"] == [] and o["mentioned"] == [] and "leadership_change" in o["signals"], o

# full signal records
p = run(["--accounts", accounts, "--signals"], json.dumps(good1, ensure_ascii=False) + "\n")
assert p.returncode == 0, p.stderr
sigs = [json.loads(l) for l in p.stdout.splitlines()]
lc = [s for s in sigs if s["type"] == "leadership_change"]
assert lc and lc[0]["account_id"] == "renault" and lc[0]["role"] == "subject", sigs
s = lc[0]
assert len(s["id"]) == 32 and 0 < s["priority"] <= 100 and 0.5 <= s["confidence"] <= 1, s
assert s["evidence"] == good1["title"], s
assert s["people"][0]["role_norm"] == "cfo", s
p2 = run(["--accounts", accounts, "--signals"], json.dumps(good1, ensure_ascii=False) + "\n")
assert [json.loads(l)["id"] for l in p2.stdout.splitlines()] == [x["id"] for x in sigs]

# user rules directory: the shipped files plus one of the user's own
tmp = tempfile.mkdtemp()
try:
    for f in os.listdir(os.path.join(src, "rules")):
        if f.endswith(".rules"):
            shutil.copy(os.path.join(src, "rules", f), tmp)
    with open(os.path.join(tmp, "zz_user.rules"), "w") as fh:
        fh.write("[signal cyber_incident]\nweight 70\nkeywords ransom cyber\n"
                 "match 0.9 \\b(?:ransomware|cyberattack)\\b\n")
    item = {"id": "c", "title": "Hospital hit by ransomware", "summary": "", "lang": "en"}
    p = run(["--rules", tmp, "--json"], json.dumps(item) + "\n")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["signals"] == ["cyber_incident"], p.stdout
    assert "word gates" not in p.stderr, p.stderr  # the shipped rules leave room
    # patterns past the word gates' budget still work, and the user is told they run ungated
    with open(os.path.join(tmp, "zz_many.rules"), "w") as fh:
        fh.write("[signal many]\nweight 10\n")
        for i in range(700):
            fh.write("match 0.9 \\bqz%dx\\b\n" % i)
    item2 = {"id": "m", "title": "Word qz699x and ransomware", "summary": "", "lang": "en"}
    p = run(["--rules", tmp, "--json"], json.dumps(item2) + "\n")
    assert p.returncode == 0, p.stderr
    assert sorted(json.loads(p.stdout)["signals"]) == ["cyber_incident", "many"], p.stdout
    assert "word gates are all taken" in p.stderr, p.stderr
    # more sections than the classifier has slots for: refused, not silently left out
    with open(os.path.join(tmp, "zz_many.rules"), "w") as fh:
        for i in range(130):
            fh.write("[signal many%d]\nweight 10\nmatch 0.9 \\bqz%dx\\b\n" % (i, i))
    p = run(["--rules", tmp, "--json"], "")
    assert p.returncode != 0 and "at most 128" in p.stderr, p.stderr
    os.remove(os.path.join(tmp, "zz_many.rules"))
    with open(os.path.join(tmp, "zz_user.rules"), "a") as fh:
        fh.write("match 0.9 (unclosed\n")
    p = run(["--rules", tmp, "--json"], "")
    assert p.returncode != 0 and "zz_user.rules:5" in p.stderr, p.stderr
finally:
    shutil.rmtree(tmp)

# usage errors
assert run([], "").returncode == 2
p = run(["--accounts", "/nonexistent/accounts.json", "--json"], "")
assert p.returncode != 0 and "/nonexistent/accounts.json" in p.stderr, p.stderr
print("OK")

# the item record as the daemon's items stream carries it: a source tied to an account says so
# in "account_id", and extract reads it with the daemon's own decoder (the older spelling
# "source_account_id" still works). "orange" in lower case is a common word: only the tie names
# the account.
tied = {"id": "o1", "title": "orange annonce un partenariat avec un fabricant", "lang": "fr"}
lines = [json.dumps(tied), json.dumps(dict(tied, id="o2", account_id="orange")),
         json.dumps(dict(tied, id="o3", source_account_id="orange"))]
p = run(["--accounts", accounts, "--json"], "\n".join(lines) + "\n")
assert p.returncode == 0, p.stderr
out = {o["id"]: o for o in map(json.loads, p.stdout.splitlines())}
assert out["o1"]["accounts"] == [], out
assert out["o2"]["accounts"] == ["orange"] and out["o3"]["accounts"] == ["orange"], out
p = run(["--json"], json.dumps(dict(tied, account_id=7)) + "\n")
assert p.returncode == 1 and '"account_id" must be a string' in p.stderr, p.stderr

# a title cut between the two halves of an emoji (a lone "\ud83d" escape, as JavaScript
# serialisers write it) costs one character, not the item.
cut = '{"id": "s1", "title": "Renault nomme un directeur financier \\ud83d", "lang": "fr"}'
p = run(["--accounts", accounts, "--json"], cut + "\n")
assert p.returncode == 0, p.stderr
out = [json.loads(l) for l in p.stdout.splitlines()]
assert [o["id"] for o in out] == ["s1"] and "leadership_change" in out[0]["signals"], out
