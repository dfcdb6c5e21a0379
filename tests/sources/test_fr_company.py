# ctest-labels: integration sources
"""The fr_company kind (fetchers/kind_fr_company.c) on answers of the French register's search
API in its documented format (REFERENCE.md C.1), offline through `vigie sources parse`: the
first poll gives the officers as people and no change; a second poll gives one structured item
per change — an officer arriving or leaving, a headcount band, a head office move (with
`expansion` when the company grew), a new year of revenue with its growth, the company ceasing
activity — and the same answer polled again gives nothing new. Hostile answers (not JSON, an
HTML error page, cut JSON, objects where lists are expected, huge lists) fail clearly or are
read within bounds; a company gone from the register fails the poll, naming the siren."""
import copy
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from harness import run_tests, run_vigie, short_tmpdir

FIXTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "fr_company_search.json")
SIREN = "813529610"
OPTIONS = json.dumps({"siren": "813 529 610"})
NOW = 1796000000
TMP = short_tmpdir("frco")


def base():
    with open(FIXTURE) as f:
        return json.load(f)


def write(name, data):
    path = os.path.join(TMP, name)
    with open(path, "w") as f:
        f.write(data if isinstance(data, str) else json.dumps(data))
    return path


def parse(body, previous=None, options=OPTIONS, ok=True):
    args = ["sources", "parse", "--kind", "fr_company", "--options", options, "--now", str(NOW),
            "--account", "duval"]
    if previous is not None:
        args += ["--previous", write("previous.txt", previous)]
    r = run_vigie(args + [write("body.json", body)])
    if not ok:
        assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
        return r.stderr
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def first_keep():
    return parse(base())["keep"]


def signals(item):
    return [s["type"] for s in item["structured"]["signals"]]


def test_first_poll_gives_the_officers_as_people_and_no_change():
    out = parse(base())
    assert len(out["items"]) == 1, out["items"]
    it = out["items"][0]
    st = it["structured"]
    assert it["kind"] == "register" and it["account_id"] == "duval"
    assert st["source"] == "fr_company"
    assert st["company"] == {"scheme": "siren", "id": SIREN, "name": "ATELIERS DUVAL"}
    assert st["signals"] == []
    # People, not the auditor firm: a legal entity is no contact.
    assert [(p["name"], p["role"], p["departing"]) for p in st["people"]] == [
        ("Claire Marie DUVAL", "Président", False), ("Paul MARCHAND", "Directeur général", False)]
    assert it["published"] == "2026-11-30T00:53:20Z"  # the poll's time: within the baseline's recent window
    keep = json.loads(out["keep"])
    assert keep["siren"] == SIREN and keep["headcount"] == "21" and keep["office"]["city"] == "LYON"
    assert keep["finances"] == {"2023": [9050000, 402000], "2022": [8120000, 310000]}


def test_the_same_answer_again_gives_nothing():
    keep = first_keep()
    out = parse(base(), keep)
    assert out["items"] == [], out["items"]
    assert json.loads(out["keep"]) == json.loads(keep)


def test_a_previous_snapshot_of_another_company_or_unreadable_is_a_first_poll():
    keep = json.loads(first_keep())
    keep["siren"] = "552081317"
    keep["directors"] = []
    for previous in (json.dumps(keep), "not a snapshot", "{}"):
        out = parse(base(), previous)
        assert [i["title"] for i in out["items"]] == ["ATELIERS DUVAL: officers in the French register"], out["items"]


def test_an_officer_leaving_and_one_arriving():
    keep = first_keep()
    b = base()
    dirs = b["results"][0]["dirigeants"]
    del dirs[1]  # Paul MARCHAND leaves
    dirs.append({"nom": "LEROY", "prenoms": "Sophie", "annee_de_naissance": "1984", "date_de_naissance": "1984-02",
                 "qualite": "Directeur général", "nationalite": "Française", "type_dirigeant": "personne physique"})
    out = parse(b, keep)
    by_title = {i["title"]: i for i in out["items"]}
    assert set(by_title) == {'ATELIERS DUVAL: new officer Sophie LEROY ("Directeur général")',
                             'ATELIERS DUVAL: Paul MARCHAND ("Directeur général") leaves the register\'s officers'}, \
        list(by_title)
    came = by_title['ATELIERS DUVAL: new officer Sophie LEROY ("Directeur général")']
    left = by_title['ATELIERS DUVAL: Paul MARCHAND ("Directeur général") leaves the register\'s officers']
    assert signals(came) == ["registry_change", "leadership_change"]
    assert came["structured"]["signals"][1]["people"] == [{"name": "Sophie LEROY", "role": "Directeur général",
                                                          "departing": False}]
    assert came["structured"]["signals"][0]["change"]["field"] == "directors"
    assert left["structured"]["signals"][1]["people"][0]["departing"] is True
    assert left["structured"]["people"][0]["name"] == "Paul MARCHAND"
    assert "no longer lists Paul MARCHAND" in left["summary"]
    # The ids are deterministic: the same change polled again is the same event.
    again = parse(b, keep)
    assert sorted(i["id"] for i in again["items"]) == sorted(i["id"] for i in out["items"])
    assert parse(b, out["keep"])["items"] == []


def test_headcount_band_change():
    keep = first_keep()
    b = base()
    b["results"][0]["tranche_effectif_salarie"] = "22"
    b["results"][0]["annee_tranche_effectif_salarie"] = "2023"
    out = parse(b, keep)
    assert len(out["items"]) == 1, out["items"]
    it = out["items"][0]
    assert it["title"] == "ATELIERS DUVAL: headcount up to 100 to 199 employees"
    s = it["structured"]["signals"]
    assert [x["type"] for x in s] == ["registry_change"]
    assert s[0]["change"] == {"field": "headcount", "before": "50 to 99 employees", "after": "100 to 199 employees"}
    assert "(2023)" in s[0]["evidence"]


def move(b, address, city, postcode, siret):
    siege = b["results"][0]["siege"]
    siege.update({"adresse": address, "libelle_commune": city, "code_postal": postcode, "siret": siret})


def test_head_office_move_to_another_city_with_more_establishments_is_an_expansion():
    keep = first_keep()
    b = base()
    move(b, "5 AVENUE DE LA GARE 38000 GRENOBLE", "GRENOBLE", "38000", "81352961000025")
    b["results"][0]["nombre_etablissements_ouverts"] = 4
    out = parse(b, keep)
    assert len(out["items"]) == 1, out["items"]
    it = out["items"][0]
    assert it["title"] == "ATELIERS DUVAL: head office moved to 5 AVENUE DE LA GARE 38000 GRENOBLE"
    assert signals(it) == ["registry_change", "expansion"]
    ch = it["structured"]["signals"][0]["change"]
    assert ch == {"field": "head_office", "before": "12 RUE DES FORGES 69007 LYON",
                  "after": "5 AVENUE DE LA GARE 38000 GRENOBLE"}


def test_head_office_move_without_growth_is_no_expansion():
    keep = first_keep()
    b = base()
    move(b, "40 QUAI RAMBAUD 69002 LYON", "LYON", "69002", "81352961000033")
    out = parse(b, keep)
    assert [signals(i) for i in out["items"]] == [["registry_change"]], out["items"]
    # Another city, but no more establishments and the same headcount band: a move, no growth.
    b = base()
    move(b, "5 AVENUE DE LA GARE 38000 GRENOBLE", "GRENOBLE", "38000", "81352961000025")
    assert [signals(i) for i in parse(b, keep)["items"]] == [["registry_change"]]
    # The same city with a bigger headcount band: an expansion (and the band's own item).
    b = base()
    move(b, "40 QUAI RAMBAUD 69002 LYON", "LYON", "69002", "81352961000033")
    b["results"][0]["tranche_effectif_salarie"] = "22"
    got = sorted(signals(i) for i in parse(b, keep)["items"])
    assert got == [["registry_change"], ["registry_change", "expansion"]], got


def test_a_new_year_of_revenue_with_its_growth():
    keep = first_keep()
    b = base()
    b["results"][0]["finances"]["2024"] = {"ca": 10000000, "resultat_net": -120000}
    out = parse(b, keep)
    assert len(out["items"]) == 1, out["items"]
    it = out["items"][0]
    assert it["title"] == "ATELIERS DUVAL: 2024 revenue 10,000,000 EUR (+10.5% on 2023)"
    assert signals(it) == ["registry_change", "financial_results"]
    fin = it["structured"]["signals"][1]
    assert fin["amounts"] == [{"value": 10000000, "currency": "EUR"}, {"value": -120000, "currency": "EUR"}]
    assert fin["change"]["growth"] == 0.105
    assert fin["change"]["before"] == "2023: 9,050,000 EUR" and fin["change"]["after"] == "2024: 10,000,000 EUR"
    assert "net result (\"résultat net\") -120,000 EUR" in it["summary"]
    assert it["id"] == parse(b, keep)["items"][0]["id"]


def test_ceasing_activity_is_a_high_priority_registry_change():
    keep = first_keep()
    b = base()
    b["results"][0]["etat_administratif"] = "C"
    b["results"][0]["date_fermeture"] = "2026-11-28"
    out = parse(b, keep)
    assert len(out["items"]) == 1, out["items"]
    it = out["items"][0]
    assert it["title"] == "ATELIERS DUVAL: ceased activity on 2026-11-28"
    s = it["structured"]["signals"]
    assert [x["type"] for x in s] == ["registry_change"] and s[0]["priority"] == 90
    assert s[0]["change"] == {"field": "state", "before": "active", "after": "ceased"}


def test_a_company_gone_from_the_register_fails_the_poll():
    b = base()
    b["results"] = []
    b["total_results"] = 0
    err = parse(b, first_keep(), ok=False)
    assert "siren 813529610 not found in the register (not_found)" in err, err
    b = base()
    b["results"][0]["siren"] = "999999999"  # another company answered the query
    assert "not found in the register" in parse(b, ok=False)


def test_hostile_answers_fail_clearly():
    cases = {
        "not json": ("Too many requests, slow down", "not JSON"),
        "html": ("<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>", "HTML or XML, not JSON"),
        "truncated": (json.dumps(base())[:700], "not JSON (broken or cut at byte"),
        "empty": ("   \n", "empty body"),
        "results object": (json.dumps({"results": {"siren": SIREN}}), "no \"results\" list"),
        "an array": ("[1,2,3]", "no \"results\" list"),
    }
    for name, (body, want) in cases.items():
        err = parse(body, ok=False)
        assert want in err, (name, err)


def test_objects_where_lists_are_expected_and_wrong_types_are_read():
    b = base()
    r = b["results"][0]
    r["dirigeants"] = r["dirigeants"][0]  # one object instead of a list
    r["finances"] = [{"annee": "2023", "ca": "9050000", "resultat_net": 402000}]  # a list, numeric text
    r["siege"] = [r["siege"]]
    r["nombre_etablissements_ouverts"] = "lots"
    r["tranche_effectif_salarie"] = 21  # a number: read as absent
    out = parse(b)
    keep = json.loads(out["keep"])
    assert [d["name"] for d in keep["directors"]] == ["Claire Marie DUVAL"]
    assert keep["finances"] == {"2023": [9050000, 402000]}
    assert keep["office"]["city"] == "LYON"
    assert keep["establishments"] is None and keep["headcount"] is None


def test_huge_lists_are_read_within_bounds():
    b = base()
    r = b["results"][0]
    person = r["dirigeants"][0]
    r["dirigeants"] = [dict(person, nom=f"N{i}", qualite="Administrateur " + "x" * 500) for i in range(20000)]
    r["finances"] = {str(1900 + i): {"ca": i, "resultat_net": 0} for i in range(120)}
    r["nom_raison_sociale"] = "A" * 100000
    others = [dict(base()["results"][0], siren=f"{i:09d}") for i in range(3000)]
    b["results"] = others + [r]  # the company past the first 25 results: not read
    assert "not found" in parse(b, ok=False)
    b["results"] = [r] + others
    out = parse(b)
    keep = json.loads(out["keep"])
    assert len(keep["directors"]) == 60 and len(keep["finances"]) == 12
    assert list(keep["finances"])[0] == "2019"
    assert len(out["keep"]) < 40000, len(out["keep"])
    assert len(keep["name"].encode()) <= 240


def test_options_need_a_siren():
    for opts in ['{}', '{"siren": "12345"}', '{"siren": 813529610}', 'nope']:
        r = run_vigie(["sources", "parse", "--kind", "fr_company", "--options", opts, write("b.json", base())])
        assert r.returncode == 2 and "needs {\"siren\"" in r.stderr, (opts, r.stderr)


def test_show_prints_the_firmographics():
    # `vigie accounts show` prints the kind's show(); the parse output's keep is what it reads.
    keep = json.loads(first_keep())
    assert keep["name"] == "ATELIERS DUVAL" and keep["created"] == "2015-09-14" and keep["state"] == "A"


run_tests(globals())
