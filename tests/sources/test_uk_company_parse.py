#!/usr/bin/python3
# test_uk_company_parse — the uk_company kind on Companies House answers written in the API's
# format (tests/sources/fixtures/uk_company/), through the real `vigie sources parse`: the
# first poll names the officers as the company's people and signals nothing; the next polls
# turn an appointment and a resignation into leadership changes, new filings into
# registry_change (one per transaction), an administration into a top-priority insolvency,
# and give nothing twice; hostile answers are refused with a clear message or read in bounds.
# ctest-labels: integration sources
import atexit
import calendar
import json
import os
import shutil
import subprocess
import tempfile
import unittest

SRC = os.environ.get("VIGIE_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
VIGIE = os.environ.get("VIGIE_BIN", os.path.join(SRC, "build", "vigie"))
FIX = os.path.join(SRC, "tests", "sources", "fixtures", "uk_company")
BASE = "http://127.0.0.1:8766/company/04123456"
NOW = calendar.timegm((2026, 12, 6, 12, 0, 0))
TMP = tempfile.mkdtemp(prefix="vigie-uk-")
atexit.register(shutil.rmtree, TMP, True)


def fx(name):
    return os.path.join(FIX, name)


def load(name):
    with open(fx(name), encoding="utf-8") as f:
        return json.load(f)


def write(name, data):
    path = os.path.join(TMP, name)
    with open(path, "wb" if isinstance(data, bytes) else "w") as f:
        f.write(data)
    return path


def run(profile, parts=(), previous=None, ok=True):
    args = [VIGIE, "sources", "parse", "--kind", "uk_company", "--url", BASE, "--now", str(NOW)]
    if previous is not None:
        args += ["--previous", write("previous", previous)]
    for p in parts:
        args += ["--part", p]
    p = subprocess.run(args + [profile], capture_output=True, timeout=60)
    err = p.stderr.decode(errors="replace")
    if not ok:
        return p.returncode, err
    if p.returncode != 0:
        raise AssertionError(f"vigie sources parse failed ({p.returncode}): {err}")
    return json.loads(p.stdout)


def poll1():
    return run(fx("profile_1.json"), [fx("officers_1.json"), fx("filings_1.json")])


def poll2(previous=None):
    return run(fx("profile_2.json"), [fx("officers_2.json"), fx("filings_2.json")],
               previous=poll1()["keep"] if previous is None else previous)


def sig(item):
    return item["structured"]["signals"]


class Polls(unittest.TestCase):
    def test_first_poll_gives_people_not_signals(self):
        out = poll1()
        self.assertEqual(out["plan"], [BASE + "/officers?items_per_page=100",
                                       BASE + "/filing-history?items_per_page=25"])
        self.assertEqual(len(out["items"]), 1)
        it = out["items"][0]
        self.assertEqual(it["kind"], "register")
        self.assertEqual(it["structured"]["company"], {"scheme": "companies_house", "id": "04123456",
                                                       "name": "HARBOURSIDE WIDGETS LIMITED"})
        self.assertEqual(sig(it), [])
        self.assertEqual(it["structured"]["people"], [
            {"name": "Eleanor Jane Hargreaves", "role": "Director", "departing": False},
            {"name": "Chinedu Okafor", "role": "Director", "departing": False},
            {"name": "Samuel Whitfield", "role": "Secretary", "departing": False},
        ])  # the director who resigned in 2015 is nobody's contact
        keep = json.loads(out["keep"])
        self.assertEqual(keep["sic"], ["62020", "62090"])
        self.assertEqual(keep["created"], "2004-03-15")
        self.assertEqual(len(keep["filings"]), 3)

    def test_appointment_resignation_filings(self):
        out = poll2()
        by = {}
        for it in out["items"]:
            for s in sig(it):
                by.setdefault(s["type"], []).append((it, s))
        lead = sorted(by["leadership_change"], key=lambda p: p[1]["people"][0]["name"])
        self.assertEqual([s["people"] for _, s in lead], [
            [{"name": "Chinedu Okafor", "role": "Director", "departing": True}],
            [{"name": "Rajesh Patel", "role": "Director", "departing": False}],
        ])
        self.assertEqual(lead[0][0]["published"], "2026-11-30T00:00:00Z")
        self.assertIn("Chinedu Okafor resigned as Director of HARBOURSIDE WIDGETS LIMITED on 2026-11-30",
                      lead[0][1]["evidence"])
        filings = [(it, s) for it, s in by["registry_change"] if s["change"]["field"] == "filing"]
        self.assertEqual(len(filings), 3)   # one per new transaction_id
        self.assertEqual(len({it["id"] for it, _ in filings}), 3)
        texts = " | ".join(sorted(s["evidence"] for _, s in filings))
        self.assertIn("filed form AP01 on 2026-11-20: Appoint person director company with name date "
                      "(Mr Rajesh Patel).", texts)
        self.assertIn("filed form TM01 on 2026-12-02: Termination director company with name termination date "
                      "(Chinedu Okafor).", texts)
        office = [s for _, s in by["registry_change"] if s["change"]["field"] == "registered_office"]
        self.assertEqual(office[0]["change"]["after"], "Unit 4, Temple Quay House, Bristol, BS1 6DZ, England")
        self.assertNotIn("insolvency", by)

    def test_nothing_twice(self):
        keep2 = poll2()["keep"]
        out = poll2(previous=keep2)
        self.assertEqual(out["items"], [])

    def test_administration_is_a_top_priority_insolvency(self):
        keep2 = poll2()["keep"]
        out = run(fx("profile_3.json"), [fx("officers_2.json"), fx("filings_2.json"), fx("insolvency_3.json")],
                  previous=keep2)
        self.assertEqual(out["plan"][2], BASE + "/insolvency")
        self.assertEqual(len(out["items"]), 1)
        s = sig(out["items"][0])
        self.assertEqual([(x["type"], x["priority"]) for x in s], [("insolvency", 100)])
        self.assertEqual(s[0]["change"], {"field": "company_status", "before": "active", "after": "administration"})
        self.assertIn("insolvency cases: In administration", s[0]["evidence"])
        # a 404 on the insolvency part: no case listed, the status says it all the same
        out = run(fx("profile_3.json"), [fx("officers_2.json"), fx("filings_2.json"), fx("insolvency_3.json") + ":404"],
                  previous=keep2)
        self.assertEqual([(x["type"], x["priority"]) for x in sig(out["items"][0])], [("insolvency", 100)])
        self.assertEqual(json.loads(out["keep"])["cases"], [])
        # and once known, it is not news again
        out = run(fx("profile_3.json"), [fx("officers_2.json"), fx("filings_2.json"), fx("insolvency_3.json")],
                  previous=out["keep"])
        self.assertEqual(out["items"], [])

    def test_officers_first_listed_later_are_people_not_appointments(self):
        first = run(fx("profile_1.json"))   # a poll that fetched no part
        self.assertEqual(first["items"], [])
        self.assertNotIn("officers", json.loads(first["keep"]))
        out = run(fx("profile_1.json"), [fx("officers_1.json"), fx("filings_1.json")], previous=first["keep"])
        self.assertEqual(len(out["items"]), 1)
        self.assertEqual(sig(out["items"][0]), [])
        self.assertEqual(len(out["items"][0]["structured"]["people"]), 3)


class Hostile(unittest.TestCase):
    def refused(self, profile, needle, parts=()):
        rc, err = run(profile, parts, ok=False)
        self.assertEqual(rc, 1, err)
        self.assertIn(needle, err)

    def test_profile_html_truncated_errors(self):
        self.refused(write("p.html", "<html><body><h1>502 Bad Gateway</h1></body></html>"),
                     "company profile: an HTML page, not Companies House JSON")
        self.refused(write("p.json", json.dumps(load("profile_1.json"))[:300]),
                     "company profile: not Companies House JSON (invalid or truncated)")
        self.refused(write("e.json", '{"errors":[{"error":"company-profile-not-found","type":"ch:service"}]}'),
                     "Companies House answered company-profile-not-found")
        self.refused(write("w.json", '{"company_name": ["x"], "company_status": {"a": 1}}'),
                     "company profile: no company_number, company_name or company_status")

    def test_failed_parts(self):
        self.refused(fx("profile_1.json"), "officers: HTTP 503", [fx("officers_1.json") + ":503"])
        self.refused(fx("profile_1.json"), "filing history: an HTML page",
                     [fx("officers_1.json"), write("fh.html", "<html>rate limited</html>")])
        self.refused(fx("profile_1.json"), 'officers: no "items" list',
                     [write("o.json", '{"items": {"name": "X"}}')])

    def test_wrong_types_and_huge_lists(self):
        prof = load("profile_1.json")
        prof["sic_codes"] = "62020"
        prof["registered_office_address"] = [1, 2]
        prof["has_insolvency_history"] = "yes"
        officers = {"items": [1, "a", {"name": 5}, {"name": "SMITH, Jo", "officer_role": 7, "appointed_on": []}]
                    + [{"name": "PERSON%05d, Alex" % i, "officer_role": "director", "appointed_on": "2020-01-01"}
                       for i in range(20000)]}
        filings = {"items": [{"transaction_id": "T%d" % i, "date": "2026-01-01", "description": ["x"]}
                             for i in range(20000)]}
        out = run(write("pw.json", json.dumps(prof)),
                  [write("ow.json", json.dumps(officers)), write("fw.json", json.dumps(filings))])
        keep = json.loads(out["keep"])
        self.assertEqual(keep["sic"], [])
        self.assertFalse(keep["insolvency_history"])
        self.assertEqual(len(keep["officers"]), 100)
        self.assertEqual(keep["officers"][0], {"name": "Jo Smith", "role": "", "appointed": ""})
        self.assertEqual(len(keep["filings"]), 100)
        self.assertEqual(len(out["items"][0]["structured"]["people"]), 100)


if __name__ == "__main__":
    unittest.main(verbosity=2)
