#!/usr/bin/python3
# ctest-labels: unit
"""Signal types of `vigie extract` on reworded sentences (tests/data/signals_variants.jsonl).

The items were written for issue 18 before the rules they check, as the kinds of text the
rules missed on an independent set: headlines written as noun phrases ("Méga-contrat pour …",
"X-Y tie-up"), the signal only in the summary, regulator and court decisions in legal style,
two signals in one story, and variants of rules that had been written from one example (any
number of recruits, any ordinal, any craft workshop, any participle, any verb object). The
negatives are pages about a topic that name no company's news: definitions, guides, how-tos,
a regulator's publications. The `distract-` items were added after the rules, as hard cases
for the new patterns (hiring slowing down, an agreement with unions, a plan creating jobs, a
how-to about a named company that is news); the `more-` items, also added after, check the
second round of general patterns (forces joined, a client choosing a supplier for a job, a
number of people sought, a first stone, capacity, taking the helm) with their own
distractors. Each item's types must be exactly its label's.
"""
import json
import os
import subprocess
import sys

src = os.environ.get("VIGIE_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
vigie = os.environ.get("VIGIE_BIN")
if not vigie:
    sys.exit("VIGIE_BIN is not set (run through ctest)")
path = os.path.join(src, "tests", "data", "signals_variants.jsonl")
items = [json.loads(l) for l in open(path, encoding="utf-8") if l.strip()]
inp = "".join(json.dumps({k: it[k] for k in ("id", "title", "summary", "lang")},
                         ensure_ascii=False) + "\n" for it in items)
proc = subprocess.run([vigie, "extract", "--json"], input=inp, capture_output=True, text=True,
                      timeout=120)
if proc.returncode != 0:
    sys.exit("vigie extract failed (%d): %s" % (proc.returncode, proc.stderr[-2000:]))
out = {}
for line in proc.stdout.splitlines():
    o = json.loads(line)
    out[o["id"]] = o["signals"]

wrong = []
for it in items:
    want = sorted(it["expect"]["signals"])
    got = sorted(out.get(it["id"], ["<no output>"]))
    if want != got:
        wrong.append("%s: want %s, got %s  (%s)" % (it["id"], want, got, it["title"]))
print("%d items, %d wrong" % (len(items), len(wrong)))
for w in wrong:
    print("  " + w)
if wrong:
    sys.exit("FAIL")
print("OK")
