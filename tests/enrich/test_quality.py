#!/usr/bin/python3
# ctest-labels: unit
"""Quality of `vigie extract` on the labelled development set (tests/data/devset.jsonl).

Runs `$VIGIE_BIN extract --accounts tests/data/accounts_dev.json --json` on every item and
compares with the labels written from the text: per signal type precision and recall, then
micro-F1 on signal types, on amounts ({value, currency}), on people with roles (name +
role_norm), and precision on account matching. Fails below: signal F1 0.85, amount F1 0.90,
people F1 0.85, account precision 0.95.

An item's "accounts" label lists every account its text names (it was written before accounts
had roles): the row "accounts" scores the output's `accounts` (subjects and counterparties)
against it, the row "matched" the output's `accounts` + `mentioned`. An account named only in
passing that the label lists ("ex-Renault boss") thus counts as missed in "accounts" recall;
the precision is what the gate reads.

Besides the dev-/hold- parts below, the items are split in two halves by a hash of their id
(tests/data/README.md): work that tunes on this set tunes on the "tuning" half only and
reports the "held-out" half beside it.

The 200 "dev-" items were labelled before any rule was written. The 60 "hold-" items were
written and labelled after the first complete rule set and scored blind once: signal micro-F1
0.841, amounts 1.000, people+role 0.696, account precision 1.000 on those 60. The rules were
then made more general where that check showed gaps (see the history of rules/), so the
"hold-" scores printed now are no longer blind; new unseen items are the honest check.

Another labelled set is scored by naming it: VIGIE_QUALITY_SET=set2 (or the first argument)
reads tests/data/set2/items.jsonl and accounts.json (tests/data/set2/README.md). Such a set
gates on its held-out half only (SET_GATES below: floors a little under what main scored when
they were set); a set without gates prints and fails only when vigie fails or breaks the
output contract. Its labels carry `mentioned` (accounts named only in passing): then "accounts" is
scored against the subjects and counterparties alone, "mentioned" against the rest, and
"roles" counts the matched accounts whose side (accounts/mentioned) agrees with the label's.
It also prints micro-F1 per language, people names without roles and amount accuracy (items
whose amounts are exactly the labelled ones). Its per-item diffs (VIGIE_QUALITY_VERBOSE) are
printed for the tuning half only: the held-out half is never looked at item by item.
"""
import collections
import hashlib
import json
import os
import subprocess
import sys
import unicodedata

THRESHOLDS = {"signals": 0.85, "amounts": 0.90, "people": 0.85, "accounts_precision": 0.95}

src = os.environ.get("VIGIE_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
vigie = os.environ.get("VIGIE_BIN")
if not vigie:
    sys.exit("VIGIE_BIN is not set (run through ctest)")
quality_set = (sys.argv[1] if len(sys.argv) > 1 else os.environ.get("VIGIE_QUALITY_SET")) or "devset"
if quality_set == "devset":
    devset_path = os.path.join(src, "tests", "data", "devset.jsonl")
    accounts_path = os.path.join(src, "tests", "data", "accounts_dev.json")
else:
    devset_path = os.path.join(src, "tests", "data", quality_set, "items.jsonl")
    accounts_path = os.path.join(src, "tests", "data", quality_set, "accounts.json")

items = [json.loads(l) for l in open(devset_path, encoding="utf-8") if l.strip()]
inp = "".join(json.dumps({k: it[k] for k in ("id", "title", "summary", "lang")},
                         ensure_ascii=False) + "\n" for it in items)
proc = subprocess.run([vigie, "extract", "--accounts", accounts_path, "--json"], input=inp,
                      capture_output=True, text=True, timeout=600)
if proc.returncode != 0:
    sys.exit("vigie extract failed (%d): %s" % (proc.returncode, proc.stderr[-2000:]))
out = {}
for line in proc.stdout.splitlines():
    o = json.loads(line)
    assert list(o) == ["id", "signals", "amounts", "people", "companies", "accounts",
                       "mentioned"], list(o)
    out[o["id"]] = o
missing = [it["id"] for it in items if it["id"] not in out]
if missing:
    sys.exit("no output for %s" % missing[:10])
has_roles = any("mentioned" in it["expect"] for it in items)


def fold(s):
    s = unicodedata.normalize("NFKD", s)
    s = "".join(c for c in s if not unicodedata.combining(c))
    return " ".join(s.replace("’", "'").lower().split())


def amount_key(a):
    return (round(float(a["value"]), 2), a["currency"])


class Score:
    def __init__(self):
        self.tp = self.fp = self.fn = 0

    def add(self, expected, got):
        exp = collections.Counter(expected)
        g = collections.Counter(got)
        tp = sum((exp & g).values())
        self.tp += tp
        self.fp += sum(g.values()) - tp
        self.fn += sum(exp.values()) - tp

    def p(self):
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    def r(self):
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def f1(self):
        p, r = self.p(), self.r()
        return 2 * p * r / (p + r) if p + r else 0.0


def evaluate(subset, verbose):
    per_type = collections.defaultdict(Score)
    sig, amt, ppl, acc, matched = Score(), Score(), Score(), Score(), Score()
    men, names, roles = Score(), Score(), Score()
    per_lang = collections.defaultdict(Score)
    amounts_exact = 0
    errors = []
    for it in subset:
        e, o = it["expect"], out[it["id"]]
        es, os_ = set(e["signals"]), set(o["signals"])
        for t in es | os_:
            per_type[t].add([1] if t in es else [], [1] if t in os_ else [])
        sig.add(es, os_)
        per_lang[it["lang"]].add(es, os_)
        if has_roles:
            em, om = set(e.get("mentioned", [])), set(o["mentioned"])
            ea, oa = set(e["accounts"]), set(o["accounts"])
            men.add(em, om)
            names.add({fold(p["name"]) for p in e["people"]}, {fold(p["name"]) for p in o["people"]})
            seen = (ea | em) & (oa | om)
            roles.add([a for a in seen if (a in ea) == (a in oa)], list(seen))
            amounts_exact += (collections.Counter(amount_key(a) for a in e["amounts"]) ==
                              collections.Counter(amount_key(a) for a in o["amounts"]))
        amt.add([amount_key(a) for a in e["amounts"]], [amount_key(a) for a in o["amounts"]])
        ep = {(fold(p["name"]), p["role_norm"]) for p in e["people"] if p.get("role_norm")}
        op = {(fold(p["name"]), p["role_norm"]) for p in o["people"] if p.get("role_norm")}
        ppl.add(ep, op)
        acc.add(set(e["accounts"]), set(o["accounts"]))
        matched.add(set(e["accounts"]) | set(e.get("mentioned", [])),
                    set(o["accounts"]) | set(o["mentioned"]))
        if verbose and (es != os_ or ep != op or set(e["accounts"]) != set(o["accounts"]) or
                        collections.Counter(amount_key(a) for a in e["amounts"]) !=
                        collections.Counter(amount_key(a) for a in o["amounts"])):
            errors.append((it["id"], es ^ os_, ep ^ op, set(e["accounts"]) ^ set(o["accounts"])))
    extra = (men, names, roles, per_lang, amounts_exact)
    return per_type, sig, amt, ppl, acc, matched, errors, extra


def report(name, subset, verbose=False):
    per_type, sig, amt, ppl, acc, matched, errors, extra = evaluate(subset, verbose)
    print("== %s: %d items" % (name, len(subset)))
    print("%-20s %6s %6s %6s %5s %5s %5s" % ("type", "P", "R", "F1", "tp", "fp", "fn"))
    for t in sorted(per_type):
        s = per_type[t]
        print("%-20s %6.3f %6.3f %6.3f %5d %5d %5d" % (t, s.p(), s.r(), s.f1(), s.tp, s.fp, s.fn))
    for label, s in (("signals (micro)", sig), ("amounts", amt), ("people+role", ppl),
                     ("accounts", acc), ("matched", matched)):
        print("%-20s %6.3f %6.3f %6.3f %5d %5d %5d" % (label, s.p(), s.r(), s.f1(), s.tp, s.fp, s.fn))
    if has_roles:
        men, names, roles, per_lang, amounts_exact = extra
        for label, s in [("mentioned", men), ("people names", names)] + \
                        [("signals %s" % lang, per_lang[lang]) for lang in sorted(per_lang)]:
            print("%-20s %6.3f %6.3f %6.3f %5d %5d %5d" % (label, s.p(), s.r(), s.f1(), s.tp, s.fp, s.fn))
        print("%-20s %6.3f  (%d of %d matched accounts on the labelled side)" %
              ("roles", roles.p(), roles.tp, roles.tp + roles.fp))
        print("%-20s %6.3f  (%d of %d items with exactly the labelled amounts)" %
              ("amount accuracy", amounts_exact / len(subset) if subset else 1.0, amounts_exact,
               len(subset)))
    if verbose and os.environ.get("VIGIE_QUALITY_VERBOSE"):
        for e in errors:
            print("  diff", e)
    return sig, amt, ppl, acc, extra


def half(item_id):
    """tests/data/README.md: the first byte of SHA-256 of the id, even: tuning, odd: held-out."""
    return "tuning" if hashlib.sha256(item_id.encode("utf-8")).digest()[0] % 2 == 0 else "held-out"


dev = [it for it in items if not it["id"].startswith("hold-")]
hold = [it for it in items if it["id"].startswith("hold-")]
print("== quality set: %s (%s)" % (quality_set, devset_path))
sig, amt, ppl, acc, _ = report("all", items, verbose=quality_set == "devset")
if dev and hold:
    report("development part (written before the rules)", dev)
    report("held-out part (written after the rules)", hold)

report("tuning half (sha256(id)[0] even)", [it for it in items if half(it["id"]) == "tuning"],
       verbose=quality_set != "devset")
held = [it for it in items if half(it["id"]) == "held-out"]
h_sig, h_amt, h_ppl, h_acc, h_extra = report("held-out half (sha256(id)[0] odd)", held)

# Another set gates on its held-out half, the one nobody tunes on. set2's gates sit a little
# under what main scored there when they were last raised (2026-12-08 late: signal F1 0.912,
# fr 0.898, en 0.927; people names F1 0.779; amount accuracy 0.937; accounts P 0.943 R 0.950), so
# that a change that loses quality on text it was not written from fails. The targets
# (accounts P >= 0.95 and R >= 0.97) are above some of these: they are goals, these are floors.
SET_GATES = {
    "set2": {"signals": 0.90, "signals_lang": 0.88, "people_names": 0.75, "amount_accuracy": 0.91,
             "accounts_precision": 0.93, "accounts_recall": 0.94},
}
if quality_set != "devset":
    gates = SET_GATES.get(quality_set)
    if not gates:
        print("OK (no thresholds for %s)" % quality_set)
        sys.exit(0)
    _, names, _, per_lang, amounts_exact = h_extra
    checks = [("held-out signal micro-F1", h_sig.f1(), gates["signals"]),
              ("held-out people-name F1", names.f1(), gates["people_names"]),
              ("held-out amount accuracy", amounts_exact / len(held), gates["amount_accuracy"]),
              ("held-out account precision", h_acc.p(), gates["accounts_precision"]),
              ("held-out account recall", h_acc.r(), gates["accounts_recall"])]
    checks += [("held-out signal F1 (%s)" % lang, per_lang[lang].f1(), gates["signals_lang"])
               for lang in sorted(per_lang)]
    failures = ["%s %.3f < %.2f" % (label, v, floor) for label, v, floor in checks if v < floor]
    if failures:
        sys.exit("FAIL: " + "; ".join(failures))
    print("OK (%s held-out half above its floors)" % quality_set)
    sys.exit(0)

failures = []
if sig.f1() < THRESHOLDS["signals"]:
    failures.append("signal micro-F1 %.3f < %.2f" % (sig.f1(), THRESHOLDS["signals"]))
if amt.f1() < THRESHOLDS["amounts"]:
    failures.append("amount micro-F1 %.3f < %.2f" % (amt.f1(), THRESHOLDS["amounts"]))
if ppl.f1() < THRESHOLDS["people"]:
    failures.append("people micro-F1 %.3f < %.2f" % (ppl.f1(), THRESHOLDS["people"]))
if acc.p() < THRESHOLDS["accounts_precision"]:
    failures.append("account precision %.3f < %.2f" % (acc.p(), THRESHOLDS["accounts_precision"]))
if len(items) < 250:
    failures.append("devset has %d items, needs at least 250" % len(items))
if failures:
    sys.exit("FAIL: " + "; ".join(failures))
print("OK")
