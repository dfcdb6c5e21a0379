# ctest-labels: integration sources
"""The `bodacc` source kind (issue 15 part 2) on saved BODACC answers, offline, through the real
`vigie sources parse --kind bodacc` ($VIGIE_BIN): the fixtures in tests/sources/fixtures/bodacc/
are records answers of the opendatasoft API v2.1 written by hand in its documented shape
(../shared/REFERENCE.md C.2: JSON inside strings, `personne` an object or an array, SIRENs spaced
and unspaced in `registre`). What a user would see: which company each announcement is given
to, what signal it raises and how urgent, and a clear refusal of what is no answer at all."""
import json
import os
import subprocess
import sys
import unittest

SRC = os.environ.get("VIGIE_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
VIGIE = os.environ.get("VIGIE_BIN", os.path.join(SRC, "build", "vigie"))
FIX = os.path.join(SRC, "tests", "sources", "fixtures", "bodacc")
DETAIL = "https://www.bodacc.fr/pages/annonces-commerciales-detail/?q.id=id:"
BATCH = {"sirens": ["123456789", "987 654 321", "111222333", "444555666"]}


def parse(fixture, options=BATCH):
    # The timeout only guards against a hang; no test asserts a duration.
    return subprocess.run([VIGIE, "sources", "parse", "--kind", "bodacc", "--options", json.dumps(options),
                           "--now", "1796000000", os.path.join(FIX, fixture)],
                          capture_output=True, timeout=60)


def items(fixture, options=BATCH):
    p = parse(fixture, options)
    if p.returncode != 0:
        raise AssertionError(f"exit {p.returncode}: {p.stderr.decode()}")
    out = json.loads(p.stdout)
    return out["items"]


def by_url(its, announcement):
    found = [i for i in its if i["url"] == DETAIL + announcement]
    if len(found) != 1:
        raise AssertionError(f"{announcement}: {len(found)} items")
    return found[0]


def signals(item, kind):
    return [s for s in item["structured"]["signals"] if s["type"] == kind]


class Announcements(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.its = items("records.json")

    def test_every_item_is_a_structured_announcement_of_the_batch(self):
        for it in self.its:
            self.assertEqual(it["kind"], "announcement")
            st = it["structured"]
            self.assertEqual(st["source"], "bodacc")
            self.assertEqual(st["company"]["scheme"], "siren")
            self.assertIn(st["company"]["id"], {"123456789", "987654321", "111222333", "444555666"})

    def test_liquidation_is_a_top_priority_insolvency_on_the_right_siren(self):
        it = by_url(self.its, "A202602341001")
        self.assertEqual(it["structured"]["company"], {"scheme": "siren", "id": "123456789", "name": "ACME INDUSTRIE"})
        self.assertEqual(it["title"], "Jugement d'ouverture d'une procédure de liquidation judiciaire — ACME INDUSTRIE "
                                      "(Tribunal de commerce de Lyon)")
        self.assertEqual(it["published"], "2026-12-03T00:00:00Z")
        [s] = it["structured"]["signals"]
        self.assertEqual((s["type"], s["priority"], s["confidence"]), ("insolvency", 100, 1))
        self.assertTrue(s["evidence"].startswith("Liquidation judiciaire, ouverture"), s["evidence"])
        self.assertIn("25/11/2026", s["evidence"])
        # the officers the announcement lists become the account's people
        self.assertEqual([(p["name"], p["role"]) for p in it["structured"]["people"]],
                         [("MARTIN Claire", "Président"), ("LEROY Paul", "Directeur général")])

    def test_redressement_named_and_personne_as_an_array(self):
        it = by_url(self.its, "A202602341002")
        self.assertEqual(it["structured"]["company"]["id"], "987654321")  # first of the array
        [s] = signals(it, "insolvency")
        self.assertEqual(s["priority"], 100)
        self.assertTrue(s["evidence"].startswith("Redressement judiciaire"), s["evidence"])
        self.assertIn("Saint-Etienne", it["title"])

    def test_plan_de_cession_said_with_siren_only_in_registre(self):
        [it] = [i for i in self.its if "plan de cession" in i["title"]]
        self.assertEqual(it["structured"]["company"]["id"], "987654321")
        [s] = signals(it, "insolvency")
        self.assertIn("Redressement judiciaire, plan de cession", s["evidence"])
        self.assertIn("Saint-Denis de la Réunion", it["title"])

    def test_sale_is_an_acquisition(self):
        it = by_url(self.its, "A202602341003")
        self.assertEqual(it["structured"]["company"]["id"], "111222333")
        [s] = it["structured"]["signals"]
        self.assertEqual(s["type"], "acquisition")
        self.assertIn("Achat d'un fonds", s["evidence"])

    def test_modification_names_director_change_and_capital(self):
        it = by_url(self.its, "B202602341004")
        self.assertEqual(it["structured"]["company"]["id"], "444555666")
        self.assertIn("Modification au registre (dirigeants, capital)", it["title"])
        [lc] = signals(it, "leadership_change")
        self.assertEqual([(p["name"], p["role"], p["departing"]) for p in lc["people"]],
                         [("BERNARD Sophie", "Président", False), ("MOREAU Alain", "Président", True)])
        changes = {s["change"]["field"]: s for s in signals(it, "registry_change")}
        self.assertEqual(set(changes), {"directors", "capital"})
        self.assertEqual(changes["capital"]["amounts"], [{"value": 1500000, "currency": "EUR"}])
        # the auditor leaving is no director change
        self.assertNotIn("AUDIT", json.dumps(lc, ensure_ascii=False))

    def test_accounts_filed_are_financial_results(self):
        it = by_url(self.its, "C202602341005")
        [s] = it["structured"]["signals"]
        self.assertEqual(s["type"], "financial_results")
        self.assertIn("31/12/2025", s["evidence"])

    def test_a_company_outside_the_batch_is_ignored(self):
        self.assertFalse([i for i in self.its if "ZETA" in i["title"] or DETAIL + "A202602341006" == i["url"]])

    def test_a_record_with_broken_json_inside_a_string_is_skipped_the_others_kept(self):
        self.assertFalse([i for i in self.its if i["url"] == DETAIL + "A202602341007"])
        # 9 results: the broken one, the foreign one and two of the wrong type are left out
        self.assertEqual(len(self.its), 6)


class OtherFamilies(unittest.TestCase):
    def test_radiation_immatriculation_moves_and_unknown_family(self):
        its = items("more.json", {"sirens": ["123456789", "987654321", "444555666"]})
        rad = by_url(its, "A202602350001")  # numeroImmatriculation given as a list
        self.assertEqual(rad["structured"]["company"]["id"], "444555666")
        self.assertEqual(signals(rad, "registry_change")[0]["change"], {"field": "state", "after": "radiée"})
        imm = by_url(its, "A202602350002")
        self.assertEqual(signals(imm, "registry_change")[0]["priority"], 20)
        mv = by_url(its, "A202602350003")
        fields = {s["change"]["field"]: s["change"]["after"] for s in signals(mv, "registry_change")}
        self.assertEqual(fields, {"head_office": "3 avenue des Champs, 91000 Évry-Courcouronnes",
                                  "legal_form": "Société anonyme"})
        fix = by_url(its, "A202602350006")  # a correction: read, and said
        self.assertTrue(fix["title"].startswith("Avis rectificatif : Jugement d'ouverture d'une procédure de sauvegarde"),
                        fix["title"])
        self.assertTrue(signals(fix, "insolvency")[0]["evidence"].startswith("Sauvegarde, ouverture"))
        # the unknown family is not read, a cancellation raises nothing, the sale names no SIREN asked
        self.assertEqual(len(its), 4)

    def test_the_seller_of_a_business(self):
        its = items("more.json", {"sirens": ["555666777"]})
        [it] = its
        self.assertEqual(it["structured"]["company"], {"scheme": "siren", "id": "555666777", "name": "DELTA SERVICES"})
        [s] = it["structured"]["signals"]
        self.assertEqual(s["type"], "acquisition")
        self.assertIn("cédé à GAMMA DISTRIBUTION", s["evidence"])


class Refusals(unittest.TestCase):
    def refused(self, fixture, words):
        p = parse(fixture)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertEqual(p.stdout, b"")
        err = p.stderr.decode()
        for w in words:
            self.assertIn(w, err)
        self.assertIn("(parse)", err)

    def test_html_error_page(self):
        self.refused("error.html", ["HTML", "instead of JSON"])

    def test_truncated_answer(self):
        self.refused("truncated.json", ["truncated"])

    def test_api_error_message_is_shown(self):
        self.refused("ods_error.json", ["the BODACC API answered an error", "ODSQL query is malformed"])

    def test_results_of_the_wrong_type(self):
        self.refused("results_object.json", ['no "results" list'])

    def test_huge_answer(self):
        import tempfile
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "huge.json")
            with open(path, "w") as f:  # 33 MiB: no records answer is this big
                f.write('{"total_count": 1, "results": [{"id": "A1", "commercant": "' + "x" * (33 << 20) + '"}]}')
            p = subprocess.run([VIGIE, "sources", "parse", "--kind", "bodacc", "--options", json.dumps(BATCH), path],
                               capture_output=True, timeout=60)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("more than 33554432", p.stderr.decode())

    def test_empty_answer_gives_no_items(self):
        self.assertEqual(items("empty.json"), [])

    def test_options_are_checked(self):
        for bad in ({}, {"sirens": []}, {"sirens": ["12345678"]}, {"sirens": [123456789]}):
            p = parse("empty.json", bad)
            self.assertEqual(p.returncode, 2, bad)
            self.assertIn("bad options", p.stderr.decode())


if __name__ == "__main__":
    sys.exit(0 if unittest.main(exit=False, verbosity=1).result.wasSuccessful() else 1)
