#!/usr/bin/python3
# test_sec_edgar_parse — the sec_edgar kind on EDGAR submissions and 8-K documents written in
# the API's format (tests/sources/fixtures/sec_edgar/), through the real `vigie sources parse`:
# the first poll as a baseline, a second poll's new 8-Ks mapped to signals (a 5.02 naming the
# people who arrive and leave, read from the primary document the plan fetched), a third poll
# giving nothing again, and hostile answers refused with a clear message or read within bounds.
# ctest-labels: integration sources
import atexit
import calendar
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

SRC = os.environ.get("VIGIE_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
VIGIE = os.environ.get("VIGIE_BIN", os.path.join(SRC, "build", "vigie"))
FIX = os.path.join(SRC, "tests", "sources", "fixtures", "sec_edgar")
LOOP = "http://127.0.0.1:8765"
URL = LOOP + "/submissions/CIK0001234567.json"
DEC1 = calendar.timegm((2026, 12, 1, 0, 0, 0))
DEC5 = calendar.timegm((2026, 12, 5, 0, 0, 0))
DOC_URL = LOOP + "/Archives/edgar/data/1234567/000123456726000058/nwtr-20261201.htm"


def fx(name):
    return os.path.join(FIX, name)


def load(name):
    with open(fx(name), encoding="utf-8") as f:
        return json.load(f)


class Tmp:
    dir = tempfile.mkdtemp(prefix="vigie-sec-")
    atexit.register(shutil.rmtree, dir, True)

    @classmethod
    def write(cls, name, data):
        path = os.path.join(cls.dir, name)
        with open(path, "wb" if isinstance(data, bytes) else "w") as f:
            f.write(data)
        return path


def run(body, url=URL, now=DEC5, previous=None, parts=(), ok=True):
    args = [VIGIE, "sources", "parse", "--kind", "sec_edgar", "--url", url, "--now", str(now)]
    if previous is not None:
        args += ["--previous", Tmp.write("previous", previous)]
    for p in parts:
        args += ["--part", p]
    p = subprocess.run(args + [body], capture_output=True, timeout=60)
    err = p.stderr.decode(errors="replace")
    if not ok:
        return p.returncode, err
    if p.returncode != 0:
        raise AssertionError(f"vigie sources parse failed ({p.returncode}): {err}")
    return json.loads(p.stdout)


def signals(item):
    return [(s["type"], s.get("priority")) for s in item["structured"]["signals"]]


class Polls(unittest.TestCase):
    def test_first_poll_is_a_baseline(self):
        out = run(fx("submissions_1.json"), now=DEC1)
        # the August 5.02 is older than the first poll's week: no document fetched for it
        self.assertEqual(out["plan"], [])
        self.assertEqual([i["title"] for i in out["items"]],
                         ["Northwind Traders, Inc. filed an 8-K: results of operations and financial condition (item 2.02)"])
        keep = json.loads(out["keep"])
        self.assertEqual(keep["seen"], ["0001234567-26-000040", "0001234567-26-000022"])
        self.assertEqual(keep["cik"], "1234567")

    def second(self, parts=None):
        keep1 = run(fx("submissions_1.json"), now=DEC1)["keep"]
        return run(fx("submissions_2.json"), previous=keep1,
                   parts=[fx("nwtr-20261201.htm")] if parts is None else parts)

    def test_second_poll_maps_new_8k_items(self):
        out = self.second()
        self.assertEqual(out["plan"], [DOC_URL])
        items = {i["structured"]["signals"][0]["evidence"].split("(8-K item ")[1][:4]: i for i in out["items"]}
        # the Form 4, the 8-K with 5.01+8.01 aside: every new 8-K with a mapped item, once
        self.assertEqual(sorted(items), ["1.01", "1.03", "2.01", "2.05", "5.01", "5.02"])
        self.assertEqual(len(out["items"]), 6)
        for it in out["items"]:
            self.assertEqual(it["kind"], "filing")
            self.assertEqual(it["structured"]["company"], {"scheme": "cik", "id": "1234567",
                                                           "name": "Northwind Traders, Inc."})
            self.assertEqual(it["structured"]["source"], "sec_edgar")
        self.assertEqual(signals(items["1.01"]), [("partnership", None)])  # "8-K STRATEGIC PARTNERSHIP"
        self.assertEqual(signals(items["1.03"]), [("insolvency", 100)])
        self.assertEqual(signals(items["2.01"]), [("acquisition", None)])
        self.assertEqual(signals(items["2.05"]), [("layoffs", None), ("financial_results", None)])
        self.assertEqual(signals(items["5.01"]), [("acquisition", None)])
        self.assertIn("change in control", items["5.01"]["summary"])
        lead = items["5.02"]
        self.assertEqual(signals(lead), [("leadership_change", None)])
        self.assertEqual(lead["url"], LOOP + "/Archives/edgar/data/1234567/000123456726000058/"
                                             "0001234567-26-000058-index.htm")
        self.assertEqual(lead["published"], "2026-12-04T00:00:00Z")
        self.assertEqual(lead["structured"]["signals"][0]["people"], [
            {"name": "Margaret A. Kowalski", "role": "Chief Financial Officer", "departing": True},
            {"name": "Daniel O\u2019Connor", "role": "Chief Financial Officer and Treasurer", "departing": False},
            {"name": "Thomas van der Berg", "role": "member of the Board", "departing": True},
        ])
        self.assertIn("Daniel O\u2019Connor appointed Chief Financial Officer and Treasurer", lead["summary"])
        # the signer, named without a verb of arrival or departure, is nobody's news
        self.assertNotIn("Laura Chen", json.dumps(out))

    def test_third_poll_gives_nothing_again(self):
        keep2 = self.second()["keep"]
        out = run(fx("submissions_2.json"), previous=keep2)
        self.assertEqual(out["plan"], [])
        self.assertEqual(out["items"], [])
        self.assertEqual(json.loads(out["keep"])["seen"][0], "0001234567-26-000058")

    def test_sec_host_documents_come_from_the_archive_host(self):
        keep1 = run(fx("submissions_1.json"), now=DEC1)["keep"]
        out = run(fx("submissions_2.json"), url="https://data.sec.gov/submissions/CIK0001234567.json",
                  previous=keep1)
        self.assertEqual(out["plan"], ["https://www.sec.gov/Archives/edgar/data/1234567/000123456726000058/"
                                       "nwtr-20261201.htm"])

    def test_document_404_still_gives_the_signal(self):
        out = self.second(parts=[fx("nwtr-20261201.htm") + ":404"])
        lead = [i for i in out["items"] if "item 5.02" in i["title"]][0]
        self.assertEqual(signals(lead), [("leadership_change", None)])
        self.assertNotIn("people", lead["structured"]["signals"][0])

    def test_contract_by_default(self):
        sub = load("submissions_2.json")
        sub["filings"]["recent"]["primaryDocDescription"][2] = "8-K"
        keep1 = run(fx("submissions_1.json"), now=DEC1)["keep"]
        out = run(Tmp.write("contract.json", json.dumps(sub)), previous=keep1)
        item = [i for i in out["items"] if "item 1.01" in i["title"]][0]
        self.assertEqual(signals(item), [("contract_win", None)])

    def test_phrasings_of_arrivals_and_departures(self):
        sub = {"cik": "0000000042", "name": "Phrasings Corp", "filings": {"recent": {
            "accessionNumber": ["0000000042-26-000001"], "filingDate": ["2026-12-04"], "form": ["8-K"],
            "items": ["5.02"], "primaryDocument": ["phrasings-8k.htm"], "primaryDocDescription": ["8-K"]}}}
        out = run(Tmp.write("phrasings.json", json.dumps(sub)), url=LOOP + "/submissions/CIK0000000042.json",
                  parts=[fx("phrasings-8k.htm")])
        self.assertEqual(out["plan"], [LOOP + "/Archives/edgar/data/42/000000004226000001/phrasings-8k.htm"])
        self.assertEqual(out["items"][0]["structured"]["company"]["id"], "42")
        self.assertEqual(out["items"][0]["structured"]["signals"][0]["people"], [
            {"name": "John Q. Public", "role": "Executive Vice President and Chief Operating Officer",
             "departing": True},
            {"name": "Sarah Lee", "role": "Director", "departing": False},
            {"name": "Robert Brown", "role": "President and Chief Executive Officer", "departing": False},
            {"name": "Jean-Luc Picard", "role": "Chief Technology Officer", "departing": True},
            {"name": "Kathryn Janeway", "role": "Chair of the Board", "departing": True},
            {"name": "Lex Luthor", "departing": True},
            {"name": "Diana Prince", "role": "interim Chief Executive Officer", "departing": False},
        ])  # "stepped in", "thanked": neither an arrival nor a departure


class Hostile(unittest.TestCase):
    def refused(self, data, needle):
        rc, err = run(Tmp.write("bad", data), ok=False)
        self.assertEqual(rc, 1, err)
        self.assertIn(needle, err)

    def test_html_error_page(self):
        self.refused("<!DOCTYPE html><html><body>Your Request Originates from an Undeclared Automated Tool"
                     "</body></html>", "an HTML page, not EDGAR's submissions JSON")

    def test_truncated_json(self):
        self.refused(json.dumps(load("submissions_2.json"))[:700], "invalid or truncated JSON")

    def test_no_filings(self):
        self.refused('{"cik": "1234567", "name": "X", "filings": []}', "no filings.recent object")

    def test_wrong_types_are_skipped(self):
        sub = load("submissions_2.json")
        r = sub["filings"]["recent"]
        r["form"][0] = 8
        r["items"][2] = {"1.01": True}
        r["filingDate"][3] = "yesterday"
        r["primaryDocument"][4] = "../../etc/passwd"
        r["accessionNumber"][5] = "0001234567-26-000053/../x"
        r["primaryDocDescription"] = "8-K"
        sub["cik"] = 1234567
        keep1 = run(fx("submissions_1.json"), now=DEC1)["keep"]
        out = run(Tmp.write("types.json", json.dumps(sub)), previous=keep1)
        self.assertEqual(out["plan"], [])
        titles = " ".join(i["title"] for i in out["items"])
        self.assertNotIn("item 5.02", titles)   # no form: not an 8-K
        self.assertNotIn("item 2.01", titles)   # no date
        self.assertNotIn("item 2.05", titles)   # an accession number that is no number
        self.assertIn("item 1.03", titles)      # no safe document name: the item still counts
        for it in out["items"]:
            self.assertEqual(it["structured"]["company"]["id"], "1234567")

    def test_huge_arrays_are_bounded(self):
        n = 50000
        r = {"accessionNumber": ["0001234567-26-%06d" % i for i in range(n)],
             "filingDate": ["2026-12-04"] * n, "form": ["8-K"] * n, "items": ["5.02"] * n,
             "primaryDocument": ["d%d.htm" % i for i in range(n)], "primaryDocDescription": ["8-K"] * n}
        body = Tmp.write("huge.json", json.dumps({"cik": "1234567", "name": "Big", "filings": {"recent": r}}))
        out = run(body, now=DEC5)
        self.assertEqual(len(out["plan"]), 8)   # KIND_MAX_PARTS documents at most
        self.assertLessEqual(len(out["items"]), 2000)
        self.assertEqual(len(json.loads(out["keep"])["seen"]), 200)
        garbage = Tmp.write("garbage.htm", bytes(range(256)) * 400)
        out = run(body, now=DEC5, parts=[garbage] * 8)
        self.assertEqual(out["items"][0]["structured"]["signals"][0]["type"], "leadership_change")


if __name__ == "__main__":
    unittest.main(verbosity=2)
