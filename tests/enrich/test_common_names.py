#!/usr/bin/python3
# ctest-labels: unit
"""Account names that are also common words or places (issue 18): an oracle, a delta, a puma,
a visa, the Michelin guide's star chef, an orange, a total eclipse, the Amazon forest, an apple,
a shell, a village sage. On the invented items of tests/data/common_names.jsonl (labelled before
the rule was written), with tests/data/accounts_common.json — accounts as a user writes them,
with no context nor negative keywords — `vigie extract` must match none of these accounts in
text that is not about business, and still match them in business news. Reported: precision and
recall of the matched accounts (`accounts` + `mentioned`); every item must be right."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from labelled import extract, load  # noqa: E402

items = load("common_names.jsonl")
out = extract(items, "accounts_common.json")
tp = fp = fn = 0
failures = []
for it in items:
    o = out[it["id"]]
    got, want = set(o["accounts"]) | set(o["mentioned"]), set(it["expect"]["accounts"])
    tp, fp, fn = tp + len(got & want), fp + len(got - want), fn + len(want - got)
    if got != want:
        failures.append("%s: matched %s, expected %s" % (it["id"], sorted(got), sorted(want)))
print("accounts: precision %.3f recall %.3f (%d items)" % (
    tp / (tp + fp) if tp + fp else 1.0, tp / (tp + fn) if tp + fn else 1.0, len(items)))
if failures:
    sys.exit("FAIL:\n  " + "\n  ".join(failures))
print("OK")
