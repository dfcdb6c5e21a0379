#!/usr/bin/python3
# ctest-labels: unit
"""Amounts that are not the deal (issue 18): a company's revenue or market value quoted to say
how big it is, in a story about something else, is not one of the story's amounts when the story
names the deal's own amount; in a results story the revenue is the news and stays. A valuation
of the round stays (the dev set lists it: tests/data/devset.jsonl dev-001). Checked on
`vigie extract --json` `amounts`."""
import json
import os
import subprocess
import sys

vigie = os.environ["VIGIE_BIN"]
CASES = [
    ("fr", "Le groupe, qui réalise 2 milliards de chiffre d'affaires, lève 50 millions",
     "", [(50e6, "EUR")]),
    ("fr", "Levée de fonds", "La société, qui pèse 2 milliards d'euros de chiffre d'affaires, "
     "a levé 50 millions d'euros auprès de fonds européens.", [(50e6, "EUR")]),
    ("en", "Acme buys Brightpay for $170m", "Acme, which has annual revenue of $2bn, agreed to "
     "buy Brightpay for $170m.", [(170e6, "USD")]),
    ("en", "Widget maker raises $40m", "The company, with a market capitalisation of $3 billion, "
     "raised $40m in a private placement.", [(40e6, "USD")]),
    ("fr", "Mistral AI lève 600 millions d'euros", "La levée valorise la jeune pousse à près de "
     "6 milliards d'euros.", [(600e6, "EUR"), (6e9, "EUR")]),
    ("en", "Kering's revenue falls", "Kering reported first-half revenue of €7.6 billion and net "
     "income of €1.2 billion.", [(7.6e9, "EUR"), (1.2e9, "EUR")]),
    ("en", "Renault and Geely form a joint venture", "The venture will have annual revenue of "
     "about €15 billion.", [(15e9, "EUR")]),
]
inp = "".join(json.dumps({"id": str(i), "title": t, "summary": s, "lang": lang},
                         ensure_ascii=False) + "\n" for i, (lang, t, s, _) in enumerate(CASES))
p = subprocess.run([vigie, "extract", "--json"], input=inp, capture_output=True, text=True,
                   timeout=60)
assert p.returncode == 0, (p.returncode, p.stderr)
failures = []
for (lang, t, s, want), line in zip(CASES, p.stdout.splitlines()):
    got = sorted((round(a["value"], 2), a["currency"]) for a in json.loads(line)["amounts"])
    if got != sorted(want):
        failures.append("%r %r: %s, expected %s" % (t, s, got, sorted(want)))
if failures:
    sys.exit("FAIL:\n  " + "\n  ".join(failures))
print("OK")
