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
import os
import sys
import unicodedata

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from labelled import extract, load  # noqa: E402

items = load("people_variants.jsonl")
by_id = extract(items, "accounts_roles.json")

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
