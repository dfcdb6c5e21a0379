#!/usr/bin/env python3
"""Generates a synthetic key-account list for the `match` benchmark.

Usage: gen_accounts.py N OUT.json [--seed S]

Names are built from syllables so they look like company names ("Norvalis Systems SAS",
"Groupe Tervane"), with legal forms, aliases (brands, short forms, acronyms), domains,
tickers and a few context/negative keywords. About 2% of the names start with an everyday
word ("Orange", "Atlas Logistics"; each word alone names one account at most), and some
syllable names happen to be words or first names, as in real portfolios, so the evidence
rules run too. Deterministic for a given seed.
"""
import json
import random
import sys

SYL = ("ba be bi bo bu ca ce ci co da de di do fa fe fi fo ga ge gi go ka ke ki ko la le li lo "
       "lu ma me mi mo mu na ne ni no nu pa pe pi po ra re ri ro ru sa se si so ta te ti to tu "
       "va ve vi vo za ze zi zo al an ar as el en er es il in ir is or on ol ul ex ys ax "
       "tra tre tri pro pre bra bri cla cle dra dri fla fle gra gri pla ple sta ste stri "
       "vel var ver vor nor nar tal tel til ton dor lis lix nex nix rex rix sys tek tec").split()
WORDS = ("Systems Solutions Industries Technologies Energy Foods Logistics Consulting Partners "
         "Capital Pharma Bio Medical Software Digital Networks Services Aerospace Automotive "
         "Materials Chemicals Construction Immobilier Distribution Retail Finance Assurances "
         "Conseil Ingénierie Énergies Télécom Transports Santé Mobilité").split()
LEGAL = ("SA SAS SASU SARL SE SCA Inc. Corp. Ltd LLC PLC GmbH AG NV BV SpA AB ASA Oy "
         "Group Groupe Holding").split()
COMMON = ("Orange Atlas Total Summit Apex Vertex Nova Pioneer Harbor Beacon Sage Vale Shell "
          "Apple Amazon Oracle Fusion Quantum Horizon Liberty Titan Falcon Phoenix Eagle").split()
CTX = ("logiciel software banque bank énergie energy pharma santé retail cloud acier steel "
       "chimie transport aviation hôtel hotel mining luxe").split()


def word(rng, lo=2, hi=4):
    w = "".join(rng.choice(SYL) for _ in range(rng.randint(lo, hi)))
    return w.capitalize()


def account(rng, i, bare_used):
    if rng.random() < 0.02:
        # An everyday word alone names at most one account; others are "Atlas Logistics".
        core = rng.choice(COMMON)
        if core in bare_used:
            core += " " + rng.choice(WORDS)
        bare_used.add(core)
    else:
        core = word(rng)
        if rng.random() < 0.45:
            core += " " + rng.choice(WORDS)
        elif rng.random() < 0.15:
            core += " " + word(rng, 1, 2)
    name = core
    if rng.random() < 0.15:
        name = "Groupe " + name
    if rng.random() < 0.8:
        name += " " + rng.choice(LEGAL)
    a = {"id": "acc-%06d" % i, "name": name}
    aliases = []
    for _ in range(rng.choice((0, 1, 1, 2, 3))):
        aliases.append(word(rng) + ("" if rng.random() < 0.6 else " " + rng.choice(WORDS)))
    if " " in core and rng.random() < 0.3:
        aliases.append("".join(p[0] for p in core.split()).upper() + word(rng, 1, 1).upper())
    if aliases:
        a["aliases"] = aliases
    slug = core.lower().replace(" ", "").replace("é", "e")
    if rng.random() < 0.7:
        a["domains"] = [slug + rng.choice((".com", ".fr", ".de", ".io"))]
    if rng.random() < 0.3:
        a["identifiers"] = {"ticker": (slug[:3] + str(i % 100)).upper()}
    if rng.random() < 0.3:
        a["context_keywords"] = rng.sample(CTX, 2)
    if core in COMMON:
        a["negative_keywords"] = [core.lower() + " juice", "the " + core.lower()]
    a["tier"] = rng.choice(("key", "candidate", "standard"))
    return a


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: gen_accounts.py N OUT.json [--seed S]")
    n, out = int(sys.argv[1]), sys.argv[2]
    seed = int(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[3] == "--seed" else 42
    rng = random.Random(seed)
    accounts = []
    bare_used = set()
    for i in range(n):
        accounts.append(account(rng, i, bare_used))
    with open(out, "w", encoding="utf-8") as f:
        json.dump(accounts, f, ensure_ascii=False)


if __name__ == "__main__":
    main()
