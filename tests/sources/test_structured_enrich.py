# ctest-labels: integration sources
"""The enrich stage on structured items (issue 15, parts 9 and 1's contacts), through a real
`vigie run` on a real redis-server: accounts imported with identifiers; item records as the
company kinds write them (docs/design.md "Structured items") put into the items stream. Each
signal record names the account holding the item's identifier (a SIREN spelled with blanks in
the import, an EDGAR CIK with its zero padding) as subject, with the entry's type, evidence,
priority (given or computed) and change; no text rule runs on a structured item; the
company's officers are contacts of the account with normalised roles; a re-delivery makes no
second signal; an identifier no account holds, or a retired account's, gives nothing and is
acknowledged (not dead-lettered); a malformed structured member is dead-lettered with its
reason."""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from harness import Redis, Vigie, daemon_config, run_tests, run_vigie, short_tmpdir, wait_until

ACCOUNTS = [
    {"id": "renault", "name": "Renault", "domains": ["renault.example"], "tier": "key",
     "identifiers": {"siren": "441 639 465"}},
    {"id": "apple", "name": "Apple", "domains": ["apple.example"], "identifiers": {"cik": "320193"}},
    {"id": "oldco", "name": "Oldco", "retired": "2026-01-01T00:00:00Z",
     "identifiers": {"siren": "552081317"}},
]

# A register sentence the text rules would read as news (an appointment, an acquisition).
MOVE_TITLE = "Renault nomme Marie Dupont directrice générale et rachète Nissan pour 2 milliards d'euros"


def structured_item(iid, title, structured, url=None):
    return {"id": iid, "title": title, "summary": title, "lang": "fr",
            "url": url or "https://register.example/" + iid, "kind": "register",
            "structured": structured}


ITEMS = [
    structured_item("fr-move", MOVE_TITLE, {
        "source": "fr_company",
        "company": {"scheme": "siren", "id": "441639465", "name": "RENAULT"},
        "signals": [{
            "type": "registry_change",
            "evidence": "Head office moved from 13-15 quai Le Gallo, Boulogne-Billancourt to "
                        "122 avenue du Général Leclerc, Boulogne-Billancourt.",
            "change": {"field": "head_office", "before": "13-15 quai Le Gallo",
                       "after": "122 avenue du Général Leclerc"},
        }, {
            "type": "leadership_change",
            "evidence": "Luca de Meo is no longer Directeur général.",
            "people": [{"name": "Luca de Meo", "role": "Directeur général", "departing": True}],
        }],
        "people": [
            {"name": "Jean-Dominique Senard", "role": "Président du conseil d'administration",
             "departing": False},
            {"name": "Marie Dupont", "role": "Directrice générale", "departing": False},
        ],
    }),
    structured_item("bodacc-rj", "Renault : jugement d'ouverture d'une procédure de redressement judiciaire", {
        "source": "bodacc",
        "company": {"scheme": "siren", "id": "441639465", "name": "RENAULT"},
        "signals": [{"type": "insolvency", "priority": 100,
                     "evidence": "Jugement d'ouverture d'une procédure de redressement judiciaire."}],
        "people": [],
    }),
    structured_item("sec-502", "Apple Inc. 8-K: Item 5.02", {
        "source": "sec_edgar",
        "company": {"scheme": "cik", "id": "0000320193", "name": "Apple Inc."},
        "signals": [{"type": "leadership_change", "evidence": "Item 5.02: Jane Roe appointed Chief Financial Officer.",
                     "people": [{"name": "Jane Roe", "role": "Chief Financial Officer"}]}],
    }),
    # nothing: no account holds this SIREN (the name is an account's: names never match) ...
    structured_item("fr-unknown", "Renault : liquidation judiciaire", {
        "source": "bodacc",
        "company": {"scheme": "siren", "id": "999999999", "name": "Renault"},
        "signals": [{"type": "insolvency", "priority": 100, "evidence": "Liquidation judiciaire."}],
        "people": [{"name": "Paul Martin", "role": "Gérant"}],
    }),
    # ... nor this one, a retired account's
    structured_item("fr-retired", "Oldco : liquidation judiciaire", {
        "source": "bodacc",
        "company": {"scheme": "siren", "id": "552081317", "name": "OLDCO"},
        "signals": [{"type": "insolvency", "priority": 100, "evidence": "Liquidation judiciaire."}],
    }),
]


def enrich_group(c):
    for g in c.call("XINFO", "GROUPS", "vigie:items"):
        g = dict(zip(g[::2], g[1::2]))
        if g["name"] == "enrich":
            return g
    return None


def drained(c, n):
    g = enrich_group(c) if c.call("XLEN", "vigie:items") >= n else None
    return g and g["lag"] == 0 and g["pending"] == 0


def records(c, stream, field):
    return [json.loads(f[1]) for _, f in c.call("XRANGE", stream, "-", "+") if f[0] == field]


def test_structured_items_give_signals_and_contacts_by_identifier():
    d = short_tmpdir()
    r = Redis()
    conf = os.path.join(d, "vigie.conf")
    with open(conf, "w") as f:
        f.write(daemon_config(d, r.url) + "[pipeline]\nmax_deliveries = 1\nreclaim_idle = 500ms\n")
    acc = os.path.join(d, "accounts.json")
    with open(acc, "w") as f:
        json.dump(ACCOUNTS, f)
    imp = run_vigie(["accounts", "-c", conf, "import", acc])
    assert imp.returncode == 0, imp.stderr

    # the title alone, as news, would raise signals: the structured path must not add them
    text_only = run_vigie(["extract", "--accounts", acc, "--json"],
                          input=json.dumps({k: ITEMS[0][k] for k in ("id", "title", "summary", "lang")}) + "\n")
    assert text_only.returncode == 0, text_only.stderr
    assert json.loads(text_only.stdout)["signals"], text_only.stdout

    c = r.client()
    for it in ITEMS:
        c.call("XADD", "vigie:items", "*", "item", json.dumps(it, ensure_ascii=False))
    v = Vigie(config_path=conf)
    wait_until(lambda: drained(c, len(ITEMS)), 60, "the items enriched")

    signals = records(c, "vigie:signals", "signal")
    by_item = {}
    for s in signals:
        by_item.setdefault(s["url"].rsplit("/", 1)[1], []).append(s)
    assert set(by_item) == {"fr-move", "bodacc-rj", "sec-502"}, by_item.keys()

    move = {s["type"]: s for s in by_item["fr-move"]}
    assert sorted(move) == ["leadership_change", "registry_change"], move.keys()  # no text rule
    reg = move["registry_change"]
    assert reg["account_id"] == "renault" and reg["role"] == "subject"
    assert reg["confidence"] == 1.0
    assert reg["evidence"].startswith("Head office moved from 13-15 quai Le Gallo")
    assert reg["change"] == {"field": "head_office", "before": "13-15 quai Le Gallo",
                             "after": "122 avenue du Général Leclerc"}
    assert 0 < reg["priority"] < 100, reg
    assert reg["title"] == MOVE_TITLE
    lead = move["leadership_change"]
    assert "change" not in lead
    assert lead["people"] == [{"name": "Luca de Meo", "role": "Directeur général", "role_norm": "ceo",
                               "seniority": "c_level", "department": "executive", "departing": True}]
    # the same weights and account as the text path: a leadership change outranks a register change
    assert lead["priority"] > reg["priority"], (lead["priority"], reg["priority"])

    [rj] = by_item["bodacc-rj"]
    assert (rj["type"], rj["account_id"], rj["priority"]) == ("insolvency", "renault", 100)
    assert rj["evidence"] == "Jugement d'ouverture d'une procédure de redressement judiciaire."

    [sec] = by_item["sec-502"]
    assert (sec["type"], sec["account_id"], sec["role"]) == ("leadership_change", "apple", "subject")
    assert sec["people"][0]["role_norm"] == "cfo"

    contacts = {(x["account_id"], x["name"]): x for x in records(c, "vigie:contacts", "contact")}
    assert set(contacts) == {("renault", "Luca de Meo"), ("renault", "Jean-Dominique Senard"),
                             ("renault", "Marie Dupont"), ("apple", "Jane Roe")}, contacts.keys()
    senard = contacts[("renault", "Jean-Dominique Senard")]
    assert (senard["role_norm"], senard["seniority"], senard["departing"]) == ("chairman", "board", False)
    assert senard["title"] == "Président du conseil d'administration"
    assert senard["source_url"] == "https://register.example/fr-move"
    assert senard["email_guess"]["address"] == "jean-dominique.senard@renault.example"
    assert contacts[("renault", "Luca de Meo")]["departing"] is True
    assert contacts[("renault", "Marie Dupont")]["role_norm"] == "ceo"

    # unknown and retired identifiers: acknowledged, nothing dead-lettered
    assert c.call("XLEN", "vigie:dlq") == 0

    # a re-delivery of the same event is the same signal
    n_signals = c.call("XLEN", "vigie:signals")
    c.call("XADD", "vigie:items", "*", "item", json.dumps(ITEMS[0], ensure_ascii=False))
    # a malformed structured member fails every time: dead-lettered, with its reason
    bad = dict(ITEMS[1], id="bad", structured={"company": {"scheme": "siren", "id": "441639465"},
                                               "signals": [{"type": "insolvency", "priority": 150}]})
    c.call("XADD", "vigie:items", "*", "item", json.dumps(bad))
    wait_until(lambda: c.call("XLEN", "vigie:dlq") == 1 and drained(c, len(ITEMS) + 2), 30,
               "the malformed item dead-lettered")
    assert c.call("XLEN", "vigie:signals") == n_signals
    [(_, f)] = c.call("XRANGE", "vigie:dlq", "-", "+")
    dead = dict(zip(f[::2], f[1::2]))
    assert "priority" in dead["error"] and "0 to 100" in dead["error"], dead["error"]
    assert v.stop() == 0

    # `vigie extract --signals` prints the same records for the same lines
    ex = run_vigie(["extract", "--accounts", acc, "--signals"],
                   input="".join(json.dumps(it, ensure_ascii=False) + "\n" for it in ITEMS))
    assert ex.returncode == 0, ex.stderr
    printed = [json.loads(l) for l in ex.stdout.splitlines()]
    assert {s["id"] for s in printed} == {s["id"] for s in signals}
    js = run_vigie(["extract", "--accounts", acc, "--json"],
                   input="".join(json.dumps(it, ensure_ascii=False) + "\n" for it in ITEMS))
    lines = {o["id"]: o for o in map(json.loads, js.stdout.splitlines())}
    assert lines["fr-move"]["accounts"] == ["renault"] and lines["fr-unknown"]["accounts"] == []
    assert lines["fr-move"]["signals"] == ["registry_change", "leadership_change"]


if __name__ == "__main__":
    run_tests(dict(globals()))
