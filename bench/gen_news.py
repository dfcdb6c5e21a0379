#!/usr/bin/env python3
"""Generates news-like text for the `match` benchmark: one item (title + summary) per line.

Usage: gen_news.py ACCOUNTS.json OUT.txt MEGABYTES [--seed S]

French and English business sentences built from templates and a few hundred everyday words,
with account names, aliases and domains from ACCOUNTS.json mixed into about a third of the
items (also as everyday words: "orange juice", "le total des ventes"). Deterministic.
"""
import json
import random
import sys

FR_FILL = ("le la les un une des du de et à en au aux pour par sur dans avec sans selon après "
           "groupe société entreprise marché prix hausse baisse chiffre affaires résultats "
           "trimestre année milliards millions euros clients salariés usine site projet contrat "
           "accord partenariat acquisition rachat cession direction président directeur général "
           "nouveau nouvelle première dernier grand petite France Paris Lyon Europe monde "
           "croissance investissement emplois production vente ventes offre service réseau "
           "énergie numérique industrie banque assurance transport santé innovation stratégie "
           "annonce lance signe publie confirme prévoit rachète cède recrute ouvre ferme").split()
EN_FILL = ("the a an of and to in for on with by from after before company group market price "
           "shares revenue quarter year billion million dollars customers employees plant site "
           "project contract deal partnership acquisition sale board chief executive officer new "
           "first last large small London New York Europe world growth investment jobs output "
           "sales offer service network energy digital industry bank insurance transport health "
           "innovation strategy announced launches signs reports confirms expects buys sells "
           "hires opens closes said").split()
COMMON_USES = ("orange juice", "le total des ventes", "the sage advice", "apple pie",
               "free shipping", "une vale profonde", "au carrefour de la rue", "the shell of")


def sentence(rng, fill, mention=None):
    n = rng.randint(12, 28)
    words = [rng.choice(fill) for _ in range(n)]
    if mention:
        words.insert(rng.randint(0, n), mention)
    s = " ".join(words)
    return s[0].upper() + s[1:] + "."


def main():
    if len(sys.argv) < 4:
        sys.exit("usage: gen_news.py ACCOUNTS.json OUT.txt MEGABYTES [--seed S]")
    accounts = json.load(open(sys.argv[1], encoding="utf-8"))
    target = int(float(sys.argv[3]) * 1e6)
    seed = int(sys.argv[5]) if len(sys.argv) > 5 and sys.argv[4] == "--seed" else 7
    rng = random.Random(seed)
    names = []
    for a in accounts:
        names.append(a["name"])
        names.extend(a.get("aliases", []))
        names.extend(a.get("domains", []))
    size = 0
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        while size < target:
            fill = FR_FILL if rng.random() < 0.5 else EN_FILL
            r = rng.random()
            mention = rng.choice(names) if r < 0.33 else rng.choice(COMMON_USES) if r < 0.4 else None
            title = sentence(rng, fill, mention)[:-1]
            body = " ".join(sentence(rng, fill, rng.choice(names) if rng.random() < 0.15 else None)
                            for _ in range(rng.randint(2, 4)))
            line = title + ". " + body + "\n"
            f.write(line)
            size += len(line.encode("utf-8"))


if __name__ == "__main__":
    main()
