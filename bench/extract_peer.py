#!/usr/bin/python3
"""The `extract` benchmark's peer: what a user would otherwise write — a Python `re` loop that
applies the same rules files (the [signal] and [modifier] sections of rules/*.rules) to the
same sentences of the same items, on accent-folded lower-case text.

Usage: extract_peer.py RULES_DIR ITEMS.jsonl
Prints "bytes seconds items_with_signals" for the scan alone (rules compiled, file read and
JSON decoded before the clock starts). It classifies only: no account matching, no amounts,
people or counterparties, so it does less work than `vigie extract`.
"""
import glob
import json
import os
import re
import sys
import time
import unicodedata


def load_rules(d):
    sections = []  # (kind, name, [(conf, regex)], [exclude regex])
    for path in sorted(glob.glob(os.path.join(d, "*.rules"))):
        cur = None
        last = None
        for raw in open(path, encoding="utf-8"):
            line = raw.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if line[0] in " \t" and last is not None:
                last[0][last[1]] = last[0][last[1]] + line.strip()
                continue
            last = None
            if line.startswith("["):
                parts = line.strip("[]").split()
                cur = None
                if parts[0] in ("signal", "modifier"):
                    cur = {"kind": parts[0], "name": parts[1], "match": [], "exclude": []}
                    sections.append(cur)
                continue
            if cur is None:
                continue
            word, _, rest = line.partition(" ")
            if word == "match":
                conf, _, rx = rest.partition(" ")
                try:
                    float(conf)
                except ValueError:
                    rx = rest
                cur["match"].append(rx)
                last = (cur["match"], len(cur["match"]) - 1)
            elif word == "exclude":
                cur["exclude"].append(rest)
                last = (cur["exclude"], len(cur["exclude"]) - 1)
    for s in sections:
        s["match"] = [re.compile(x, re.I) for x in s["match"]]
        s["exclude"] = [re.compile(x, re.I) for x in s["exclude"]]
    return sections


def fold(s):
    s = unicodedata.normalize("NFKD", s)
    return "".join(c for c in s if not unicodedata.combining(c)).replace("\u2019", "'").lower()


SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])|\n")


def main():
    sections = load_rules(sys.argv[1])
    items = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
    texts = [(it.get("title") or "") + "\n" + (it.get("summary") or "") for it in items]
    nbytes = sum(len(t.encode("utf-8")) for t in texts)
    signals = [s for s in sections if s["kind"] == "signal"]
    mods = [s for s in sections if s["kind"] == "modifier"]
    t0 = time.perf_counter()
    hits = 0
    for text in texts:
        found = set()
        for sent in SPLIT.split(text):
            f = fold(sent)
            here = [s["name"] for s in signals
                    if any(p.search(f) for p in s["match"])
                    and not any(p.search(f) for p in s["exclude"])]
            if here:
                if any(p.search(f) for m in mods for p in m["match"]):
                    pass  # a real classifier would apply the factor here
                found.update(here)
        hits += bool(found)
    dt = time.perf_counter() - t0
    print(nbytes, dt, hits)


if __name__ == "__main__":
    main()
