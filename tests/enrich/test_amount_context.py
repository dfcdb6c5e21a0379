#!/usr/bin/python3
# ctest-labels: unit
"""Amounts that are not the deal (issue 18): a company's revenue or market value quoted to say
how big it is, in a story about something else, is not one of the story's amounts when the story
names the deal's own amount or is a purchase or a raise; in a results story the revenue is the
news and stays. A valuation of the round stays (the dev set lists it: tests/data/devset.jsonl
dev-001). The price of one thing (a share, a product, a price target) is never the story's
money; a headline's rounding of the body's figure is the same amount. The sentences below were
written for these kinds, not taken from a labelled set. Checked on `vigie extract --json`
`amounts`."""
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
    # The price of one thing is not the story's money: a share price, a price target, a
    # product's price, a price per share (the deal's total stays), earnings per share in
    # cents; a dividend per share is a result and stays.
    ("fr", "Vexel cède sa filiale logistique", "Vexel cède sa filiale à un fonds. Le titre Vexel "
     "recule de 2,1 %, à 14,30 €.", []),
    ("en", "Brokerage lifts price target on Norvane", "Analysts raised their price target on "
     "Norvane to $62 from $55.", []),
    ("en", "Orbica unveils a budget tablet", "Orbica launched a tablet priced at $129 in "
     "Europe.", []),
    ("fr", "Dalmor lance une gamme de vélos", "Les vélos seront vendus 1 490 euros en magasin.",
     []),
    ("en", "Halden agrees $2.1bn takeover", "Halden will pay $41.50 per share in cash, valuing "
     "the target at $2.1bn.", [(2.1e9, "USD")]),
    ("en", "Tervo misses estimates", "Tervo reported earnings of 42 euro cents per share on "
     "revenue of €812 million.", [(812e6, "EUR")]),
    ("fr", "Résultats annuels de Korvel", "Korvel a dégagé un bénéfice net de 85 millions "
     "d'euros et propose un dividende de 2,10 euros par action.", [(85e6, "EUR"), (2.1, "EUR")]),
    # The size of a company given in an aside describes it.
    ("en", "Brantley buys Ostra Foods", "Brantley agreed to buy Ostra Foods (€240 million in "
     "sales last year), a maker of frozen meals.", []),
    ("fr", "Norcel rachète le fabricant Pelvo", "Norcel a finalisé le rachat de Pelvo (62 M€ de "
     "chiffre d'affaires).", []),
    # Orders taken over a period are a size; one order is a deal.
    ("fr", "Ardane vise 1 Md€ de commandes", "Ardane a signé une commande de 120 M€ avec la "
     "SNCF.", [(120e6, "EUR")]),
    # A headline rounds the body's figure: one amount.
    ("en", "Vantor wins $3bn defence order", "Vantor has been awarded a contract worth $3.2 "
     "billion over eight years.", [(3.2e9, "USD")]),
    ("fr", "Kelvio lève près de 20 M€", "La start-up a bouclé un tour de table de 19,6 millions "
     "d'euros.", [(19.6e6, "EUR")]),
    ("en", "Corvan lands $1 billion Navy deal", "The Navy awarded Corvan a 1.2-billion-dollar "
     "contract for ship repairs.", [(1.2e9, "USD")]),
    # The press's abbreviations and numbers in words.
    ("fr", "Vardel : chiffre d'affaires de 1 204 ME au premier semestre", "Le chiffre "
     "d'affaires du 1er semestre 2024 à 1 204 ME progresse de 4,2 %.", [(1204e6, "EUR")]),
    ("en", "Tarang Motors wins Rs 450 crore order", "Tarang Motors said it won an order worth "
     "Rs 4.5 billion from the railways.", [(4.5e9, "INR")]),
    ("fr", "Marlin signe un contrat de deux cent cinquante millions d'euros", "",
     [(250e6, "EUR")]),
    ("en", "Fenwick raises twenty-five million dollars", "", [(25e6, "USD")]),
    # A revenue goal or a past year's revenue beside a deal that has its own amount.
    ("fr", "Nexa lève 40 M€ et vise 100 M€ de chiffre d'affaires en 2027", "", [(40e6, "EUR")]),
    ("fr", "Hellio ouvre une usine et recrute", "Hellio va investir 30 millions d'euros dans "
     "une usine à Caen. Le groupe a réalisé un chiffre d'affaires de 12 millions d'euros en "
     "2023.", [(30e6, "EUR")]),
    # A market's size and an earlier round beside the deal are context.
    ("en", "Dronix raises $20m", "Dronix raised $20m as the global drone market is expected to "
     "reach $40 billion by 2030.", [(20e6, "USD")]),
    ("fr", "Kalia lève 15 M€", "Kalia vise un marché mondial estimé à 30 milliards d'euros.",
     [(15e6, "EUR")]),
    ("fr", "Mordan lève 20 M€ après un premier tour de 5 M€ en 2022", "", [(20e6, "EUR")]),
    ("en", "Zephyr raises $50m, two years after a $12m Series A", "", [(50e6, "USD")]),
    ("en", "Orrin raises $5m", "Orrin raised $5m, a year after raising $4.5m from angels.",
     [(5e6, "USD")]),
    ("fr", "Une levée pour Brisa", "Brisa a annoncé le 3 mars dernier avoir levé 18 millions "
     "d'euros.", [(18e6, "EUR")]),
    # A small fine or grant is still the story's money.
    ("fr", "La CNIL sanctionne Dorval", "La CNIL a prononcé une amende de 3 000 euros contre la "
     "société Dorval.", [(3000, "EUR")]),
    ("en", "Fenton wins a £7,500 innovation grant", "", [(7500, "GBP")]),
    # A bare amount ending the title; a number in words before a hyphenated scale.
    ("fr", "Cordel lève 30 millions", "La société, fondée en 2012, compte 2 millions "
     "d'utilisateurs.", [(30e6, "EUR")]),
    ("en", "Astra wins a two-billion-dollar deal", "", [(2e9, "USD")]),
    # A part of an amount named after it, its currency written once.
    ("fr", "Orvane cède sa participation dans Telsa", "La vente rapporte 420 millions d'euros, "
     "dont 180 millions pour le fonds Altair.", [(420e6, "EUR"), (180e6, "EUR")]),
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
