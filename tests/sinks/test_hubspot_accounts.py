#!/usr/bin/env python3
# ctest-labels: integration sinks
"""test_hubspot_accounts — key accounts listed from HubSpot (sinks/hubspot_accounts.c), as
`vigie accounts sync --from hubspot` imports them, against the HubSpot stand-in.

What a KAM team would check: the companies ticked as key accounts come back (and only they)
with their owner's e-mail, domain, company id and the KAM figures read from the mapped
properties; more key accounts than one search may page through are all listed; a rate-limited
search waits and goes on; a property that does not exist is named in the error."""

import json
import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from standin import control, standin_config, standin_reset, standin_state, start_standin  # noqa: E402

TOOL = os.path.join(os.environ.get("VIGIE_TEST_BIN_DIR", ""), "tool_hubspot_accounts")
TOKEN = "pat-na1-all"
NO_OWNERS = "pat-na1-no-owners"
NO_OWNERS_SCOPES = ",".join(["crm.objects.companies.read", "crm.schemas.companies.read"])
port = None


def setUpModule():
    global port
    if not os.path.exists(TOOL):
        raise RuntimeError("tool_hubspot_accounts not built (VIGIE_TEST_BIN_DIR=%r)" % TOOL)
    _, port = start_standin(os.path.join(HERE, "hubspot_standin.py"), "--token", TOKEN,
                            "--token", NO_OWNERS + ":" + NO_OWNERS_SCOPES)


def api(method, path, body):
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request(method, path, body=json.dumps(body).encode(),
                 headers={"Content-Type": "application/json", "Authorization": "Bearer " + TOKEN})
    r = conn.getresponse()
    out = r.read()
    conn.close()
    assert r.status < 300, (r.status, out)


def run(*settings, token=TOKEN, timeout=120):
    p = subprocess.run([TOOL, "http://127.0.0.1:%d" % port, token] + list(settings),
                       capture_output=True, text=True, timeout=timeout)
    accounts = json.loads(p.stdout) if p.returncode == 0 else None
    return p.returncode, accounts, p.stderr


def create_property(name, ptype, field, options=None):
    body = {"name": name, "label": name, "type": ptype, "fieldType": field,
            "groupName": "companyinformation"}
    if options:
        body["options"] = options
    api("POST", "/crm/properties/2026-03/companies", body)


def seed(companies):
    return control(port, "POST", "seed", {"type": "companies", "objects": [
        {"properties": c} for c in companies]})["ids"]


class KeyAccounts(unittest.TestCase):
    def setUp(self):
        standin_reset(port)
        create_property("vigie_key_account", "bool", "booleancheckbox",
                        [{"label": "Yes", "value": "true"}, {"label": "No", "value": "false"}])
        create_property("kam_revenue", "number", "number")
        create_property("kam_fit", "string", "text")
        create_property("erp_account_id", "string", "text")

    def test_marked_companies_become_accounts(self):
        ids = seed([
            {"name": "Acme SA", "domain": "acme.example", "vigie_key_account": "true",
             "hubspot_owner_id": "71000001", "kam_revenue": "1250000", "kam_fit": "0,75"},
            {"name": "Globex", "domain": "globex.example", "vigie_key_account": "false"},
            {"name": "Initech", "vigie_key_account": "true", "kam_fit": "high",
             "erp_account_id": "ERP-42"},
            {"name": "Umbrella", "domain": "umbrella.example"},
        ])
        rc, accounts, err = run("map_revenue=kam_revenue", "map_strategic_fit=kam_fit")
        self.assertEqual(rc, 0, err)
        by_name = {a["name"]: a for a in accounts}
        self.assertEqual(sorted(by_name), ["Acme SA", "Initech"])
        acme = by_name["Acme SA"]
        self.assertEqual(acme["id"], "hubspot-%s" % ids[0])
        self.assertEqual(acme["crm_id"], ids[0])
        self.assertEqual(acme["domains"], ["acme.example"])
        self.assertEqual(acme["owner"], "alice.martin@example.com")
        self.assertEqual(acme["tier"], "key")
        self.assertEqual(acme["revenue"], 1250000)
        self.assertEqual(acme["strategic_fit"], 0.75)
        initech = by_name["Initech"]
        self.assertNotIn("owner", initech)
        self.assertNotIn("domains", initech)
        self.assertNotIn("strategic_fit", initech)   # "high" is not a number
        # With an id property of the customer's own, accounts keep the ids they already have.
        rc, accounts, err = run("account_id_property=erp_account_id")
        self.assertEqual(rc, 0, err)
        self.assertEqual(sorted(a["id"] for a in accounts), ["ERP-42", "hubspot-%s" % ids[0]])

    def test_more_than_one_search_can_page_through(self):
        # HubSpot stops a search at 10,000 results; the stand-in is told to stop at 400 so
        # that 950 key accounts need three searches.
        standin_config(port, search_max_total=400)
        seed([{"name": "K%04d" % i, "domain": "k%04d.example" % i, "vigie_key_account": "true"}
              for i in range(950)])
        seed([{"name": "Other %d" % i} for i in range(20)])
        rc, accounts, err = run()
        self.assertEqual(rc, 0, err)
        names = [a["name"] for a in accounts]
        self.assertEqual(len(names), 950)
        self.assertEqual(len(set(names)), 950)
        searches = [r for r in standin_state(port)["requests"] if r["path"].endswith("/search")]
        self.assertTrue(all(r["status"] == 200 for r in searches), [r["status"] for r in searches])
        self.assertTrue(all(r["body"]["limit"] <= 200 for r in searches))
        floors = {r["body"]["filterGroups"][0]["filters"][1]["value"] for r in searches}
        self.assertGreaterEqual(len(floors), 3)

    def test_rate_limited_search_waits(self):
        seed([{"name": "K%d" % i, "vigie_key_account": "true"} for i in range(450)])
        standin_config(port, fail_next=[{"status": 429, "policy": "SECONDLY", "match": "/search",
                                         "count": 2}])
        rc, accounts, err = run()
        self.assertEqual(rc, 0, err)
        self.assertEqual(len(accounts), 450)
        statuses = [r["status"] for r in standin_state(port)["requests"]
                    if r["path"].endswith("/search")]
        self.assertEqual(statuses[:2], [429, 429])

    def test_missing_property_is_named(self):
        rc, _, err = run("key_account_property=is_key_account")
        self.assertEqual(rc, 1)
        self.assertIn("is_key_account", err)

    def test_without_owner_scope_accounts_have_no_owner(self):
        seed([{"name": "Acme", "vigie_key_account": "true", "hubspot_owner_id": "71000001"}])
        rc, accounts, err = run(token=NO_OWNERS)
        self.assertEqual(rc, 0, err)
        self.assertEqual(len(accounts), 1)
        self.assertNotIn("owner", accounts[0])
        self.assertIn("crm.objects.owners.read", err)

    def test_refused_token(self):
        rc, _, err = run(token="pat-na1-revoked")
        self.assertEqual(rc, 1)
        self.assertIn("refused the token", err)


if __name__ == "__main__":
    unittest.main(verbosity=2)
