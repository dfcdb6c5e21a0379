#!/usr/bin/python3
# ctest-labels: unit
"""People named in the ways news writes them (issue 18), as `vigie extract --json` prints them,
on invented sentences of tests/data/people_variants.jsonl: appositions in English and French
("Jane Doe, chief financial officer of X", "X's CEO Jane Doe", "le PDG de X, Jean Dupont",
"M. Dupont, directeur général"), roles after the name, appointments and departures, people named
only in the summary, several people in one sentence, names with particles, hyphens, initials and
Mac/O' — each with its role_norm (null in the data: any role, or none) — and names that are not
people (a company, a street, a product, a month), which must not be listed. An item lists no one
the data does not expect."""
import json
import os
import subprocess
import sys
import unicodedata

vigie = os.environ["VIGIE_BIN"]
src = os.environ.get("VIGIE_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
data = os.path.join(src, "tests", "data")
items = [json.loads(l) for l in open(os.path.join(data, "people_variants.jsonl"), encoding="utf-8")
         if l.strip()]
inp = "".join(json.dumps({k: it[k] for k in ("id", "title", "summary", "lang")},
                         ensure_ascii=False) + "\n" for it in items)
p = subprocess.run([vigie, "extract", "--accounts", os.path.join(data, "accounts_roles.json"),
                    "--json"], input=inp, capture_output=True, text=True, timeout=120)
assert p.returncode == 0, (p.returncode, p.stderr)
by_id = {o["id"]: o for o in map(json.loads, p.stdout.splitlines())}


def fold(s):
    s = unicodedata.normalize("NFKD", s.replace("’", "'"))
    return " ".join("".join(c for c in s if not unicodedata.combining(c)).lower().split())


failures = []
for it in items:
    got = {fold(x["name"]): x.get("role_norm") for x in by_id[it["id"]]["people"]}
    want = {fold(x["name"]): x["role_norm"] for x in it["expect"]["people"]}
    for name, role in want.items():
        if name not in got:
            failures.append("%s: %r not found (got %s)" % (it["id"], name, got))
        elif role is not None and got[name] != role:
            failures.append("%s: %r role_norm %s, expected %s" % (it["id"], name, got[name], role))
    for name in it["expect"]["not_people"]:
        if fold(name) in got:
            failures.append("%s: %r is not a person" % (it["id"], name))
    for name in got:
        if name not in want:
            failures.append("%s: unexpected person %r" % (it["id"], name))

print("%d items, %d failures" % (len(items), len(failures)))
for f in failures:
    print("  " + f)
sys.exit(1 if failures else 0)
