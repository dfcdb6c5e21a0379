#!/usr/bin/python3
# ctest-labels: unit
"""The role of each account in a story (issue 18), as `vigie extract` prints it: on the invented
items of tests/data/roles.jsonl (labelled before the rule was written), `accounts` holds the
subjects and counterparties and `mentioned` the accounts only named in passing — news agencies
credited for the story, brokers giving an opinion, a rival, a former owner or employer, clients
in a list, an account only in the body — while an agency or a broker that is itself the story's
subject stays one. With --signals every matched account has its signal with its role, and the
subject comes first."""
import json
import os
import subprocess
import sys

vigie = os.environ["VIGIE_BIN"]
src = os.environ.get("VIGIE_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
data = os.path.join(src, "tests", "data")
accounts = os.path.join(data, "accounts_roles.json")
items = [json.loads(l) for l in open(os.path.join(data, "roles.jsonl"), encoding="utf-8")
         if l.strip()]
inp = "".join(json.dumps({k: it[k] for k in ("id", "title", "summary", "lang")},
                         ensure_ascii=False) + "\n" for it in items)


def run(mode):
    p = subprocess.run([vigie, "extract", "--accounts", accounts, mode], input=inp,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, (p.returncode, p.stderr)
    return [json.loads(l) for l in p.stdout.splitlines()]


failures = []
by_id = {o["id"]: o for o in run("--json")}
for it in items:
    e, o = it["expect"], by_id[it["id"]]
    assert list(o) == ["id", "signals", "amounts", "people", "companies", "accounts",
                       "mentioned"], list(o)
    want_accounts = set(e["subject"]) | set(e["counterparty"])
    if set(o["accounts"]) != want_accounts or set(o["mentioned"]) != set(e["mentioned"]):
        failures.append("%s: accounts %s mentioned %s, expected %s and %s" % (
            it["id"], o["accounts"], o["mentioned"], sorted(want_accounts),
            sorted(e["mentioned"])))
    assert o["signals"], ("every fixture item carries a signal", it["id"], o)

signals = run("--signals")
for it in items:
    e = it["expect"]
    want = {a: r for r in ("subject", "counterparty", "mentioned") for a in e[r]}
    mine = [s for s in signals if s["title"] == it["title"]]
    for t in {s["type"] for s in mine}:
        of_type = [s for s in mine if s["type"] == t]
        got = {s["account_id"]: s["role"] for s in of_type}
        if got != want:
            failures.append("%s %s: roles %s, expected %s" % (it["id"], t, got, want))
        elif of_type[0]["role"] != "subject" or of_type[0]["account_id"] not in e["subject"]:
            failures.append("%s %s: first signal %s/%s, expected the subject" % (
                it["id"], t, of_type[0]["account_id"], of_type[0]["role"]))
    for s in mine:
        assert list(s)[:3] == ["id", "account_id", "role"] and list(s)[-1] == "sources", list(s)

# Reworded variants written after the rule, each the kind of an item above said another way:
# an analyst near a subject that is not theirs, a downgrade, an agency opening the title, a
# rating's author after "by", a broker's recommendation in French, a comparison, a former
# employer in the body.
variants = [
    ("Analysts welcome Norvane's acquisition of Keltis", "Norvane agreed to buy Keltis for $1 billion.",
     "en", ["norvane", "keltis"], []),
    ("Norvane shares fall after Jefferies downgrade", "Norvane cut its annual revenue forecast on Tuesday.",
     "en", ["norvane"], ["jefferies"]),
    ("Reuters reports Norvane to cut 500 jobs", "", "en", ["norvane"], ["reuters"]),
    ("Norvane's rating cut by Goldman Sachs as profit slumps",
     "Norvane reported a 40% drop in quarterly profit.", "en", ["norvane"], ["goldman"]),
    ("Jefferies relève sa recommandation sur Marivent à l'achat",
     "Marivent a publié un chiffre d'affaires en hausse de 12 %.", "fr", ["marivent"], ["jefferies"]),
    ("Like Norvane, Keltis to cut 200 jobs", "", "en", ["keltis"], ["norvane"]),
    ("Former Keltis chief joins Tessora as CFO",
     "Tessora named Paul Smith, previously at Keltis, as chief financial officer.", "en", ["tessora"], ["keltis"]),
    # written before the second version of the rule (issue 18, session 13): a rating cut "at" a
    # broker, in both languages; a story without a signal speaks of its title's names only
    ("Brevalis cut to Underweight at Jefferies",
     "Brevalis was cut to Underweight from Neutral at Jefferies, which also lowered its target.",
     "en", ["brevalis"], ["jefferies"]),
    ("Solenca : note abaissée à neutre chez Oddo BHF", "Oddo BHF juge la valorisation de Solenca tendue.",
     "fr", ["solenca"], ["oddo"]),
    ("Five questions about share buybacks",
     "Last year Norvane and Tessora spent $2bn each on their own shares.", "en", [], ["norvane", "tessora"]),
    ("Les grandes tendances du conseil en 2026",
     "Le cabinet observe que des groupes comme Keltis ou Brevalis internalisent leurs achats.", "fr", [],
     ["keltis", "brevalis"]),
    # written while the second version was made, to keep it from demoting actors: a company
    # named only through its own officer stays the subject ("Le PDG de X", "X CEO Jane Roe"),
    # names listed together share the story, a lawsuit has two parties; and more of the kinds
    # above (an officer of the former employer, a parent in apposition, a deal's adviser, a
    # next employer)
    ("Le PDG de Keltis annonce 300 suppressions de postes", "Keltis va supprimer 300 postes en France.",
     "fr", ["keltis"], []),
    ("Norvane CEO Jane Roe to step down", "Norvane said chief executive Jane Roe would step down in March.",
     "en", ["norvane"], []),
    ("Keltis and Solenca to cut 300 jobs each", "", "en", ["keltis", "solenca"], []),
    ("Norvane sues Keltis over patent", "Norvane filed a lawsuit against Keltis in Delaware.", "en",
     ["norvane", "keltis"], []),
    ("Tessora hires Marivent CEO Paul Roy as chief executive",
     "Tessora has named Paul Roy, who has led Marivent since 2019, as chief executive.", "en",
     ["tessora"], ["marivent"]),
    ("Keltis, a unit of Norvane, raises $50 million from Solenca", "", "en", ["keltis", "solenca"],
     ["norvane"]),
    ("Norvane acquires AI startup for $300 million",
     "Norvane, advised by Goldman Sachs, agreed to buy Keltis for $300 million.", "en",
     ["norvane", "keltis"], ["goldman"]),
    ("Aubrac Systems, filiale de Brevalis, est placée en redressement judiciaire", "", "fr", ["aubrac"],
     ["brevalis"]),
    ("Solenca's chief executive resigns", "Solenca said its chief executive Mark Lee had resigned to join Norvane.",
     "en", ["solenca"], ["norvane"]),
    # found while probing the cues for actors they demote (they failed on the first version):
    # rivals that are the story's actors, "like" as a verb, "comme" before an actor's "par"
    ("Rivals Norvane and Keltis agree to merge", "", "en", ["norvane", "keltis"], []),
    ("Les concurrents Norvane et Keltis vont fusionner", "", "fr", ["norvane", "keltis"], []),
    ("Norvane would like to acquire Keltis", "Norvane would like to acquire Keltis for $1bn.", "en",
     ["norvane", "keltis"], []),
    ("Solenca retenu comme fournisseur par Keltis",
     "Solenca a été retenu comme fournisseur par Keltis pour un contrat de 20 millions d'euros.", "fr",
     ["solenca", "keltis"], []),
    # an analyst, an upgrade or a source word that is the actor's own business
    ("Keltis to hire 200 data analysts in Lyon", "", "en", ["keltis"], []),
    ("Keltis recrute 50 analystes financiers", "", "fr", ["keltis"], []),
    ("Norvane plans €50m upgrade of its Lyon plant", "Norvane will invest €50m to upgrade its Lyon plant.",
     "en", ["norvane"], []),
    ("Norvane signs €1bn deal to source batteries from Keltis", "", "en", ["norvane", "keltis"], []),
    ("Peer-to-peer lender Keltis raises $50 million", "", "en", ["keltis"], []),
]
p = subprocess.run([vigie, "extract", "--accounts", accounts, "--json"],
                   input="".join(json.dumps({"id": "v%d" % i, "title": t, "summary": s, "lang": lang},
                                            ensure_ascii=False) + "\n"
                                 for i, (t, s, lang, _, _) in enumerate(variants)),
                   capture_output=True, text=True, timeout=60)
assert p.returncode == 0, p.stderr
for (t, _, _, acc, men), line in zip(variants, p.stdout.splitlines()):
    o = json.loads(line)
    if set(o["accounts"]) != set(acc) or set(o["mentioned"]) != set(men):
        failures.append("%r: accounts %s mentioned %s, expected %s and %s" % (
            t, o["accounts"], o["mentioned"], acc, men))

# without accounts: no account, no role
p = subprocess.run([vigie, "extract", "--signals"], input=inp.splitlines()[0] + "\n",
                   capture_output=True, text=True, timeout=60)
s = json.loads(p.stdout.splitlines()[0])
assert s["account_id"] is None and s["role"] is None, s

if failures:
    sys.exit("FAIL:\n  " + "\n  ".join(failures))
print("OK: %d items, %d signals" % (len(items), len(signals)))
