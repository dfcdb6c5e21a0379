#!/usr/bin/env python3
# ctest-labels: integration sinks
"""test_hubspot_standin — the HubSpot stand-in (hubspot_standin.py) enforces what it promises.

vigie's HubSpot sink tests rely on the stand-in refusing what HubSpot refuses; each test here
drives it over real HTTP on 127.0.0.1 the way a client would and checks the answer a client
would get (status, HubSpot's error body, headers) and what a sales rep would then find in the
CRM (the stand-in's state). One stand-in serves the whole file; every test starts from a
reset. The only waits are bounded polls (the rate-limit window emptying)."""

import http.client
import json
import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from standin import (control, standin_config, standin_reset, standin_state,  # noqa: E402
                     start_standin)

SCRIPT = os.path.join(HERE, "hubspot_standin.py")
TOKEN = "pat-na1-all"
# Writes companies but may not change their schema.
LIMITED = "pat-na1-limited"
LIMITED_SCOPES = "crm.objects.companies.read,crm.objects.companies.write,crm.schemas.companies.read"
port = None


def setUpModule():
    global port
    _, port = start_standin(SCRIPT, "--token", TOKEN, "--token", LIMITED + ":" + LIMITED_SCOPES)


def call(method, path, body=None, token=TOKEN, raw=None):
    """(status, parsed JSON body or None, headers with lower-case names)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    try:
        conn.request(method, path, body=data, headers=headers)
        r = conn.getresponse()
        payload = r.read()
        return (r.status, json.loads(payload) if payload else None,
                {k.lower(): v for k, v in r.getheaders()})
    finally:
        conn.close()


def objects(kind):
    return standin_state(port, requests=False)["objects"][kind]


def note(i, **extra):
    props = {"hs_timestamp": "2026-03-02T10:00:00Z", "hs_note_body": "note %d" % i}
    props.update(extra)
    return {"properties": props}


class Base(unittest.TestCase):
    def setUp(self):
        standin_reset(port)

    def assertHubspotError(self, status, body, want_status, category):
        self.assertEqual(status, want_status, body)
        self.assertEqual(body["status"], "error")
        self.assertEqual(body["category"], category)
        self.assertTrue(body["correlationId"])
        self.assertIsInstance(body["message"], str)


class AuthTests(Base):
    def test_missing_and_unknown_token_get_401(self):
        for token in (None, "pat-na1-unknown"):
            st, body, _ = call("POST", "/crm/v3/objects/companies",
                               {"properties": {"name": "Acme"}}, token=token)
            self.assertHubspotError(st, body, 401, "INVALID_AUTHENTICATION")
            self.assertTrue(body["message"].startswith("Authentication credentials not found"))
        self.assertEqual(objects("companies"), [])
        log = standin_state(port)["requests"]
        self.assertEqual([(r["status"], r["token"]) for r in log],
                         [(401, None), (401, "pat-na1-unknown")])

    def test_token_revoked_mid_run(self):
        st, _, _ = call("POST", "/crm/v3/objects/companies", {"properties": {"name": "A"}})
        self.assertEqual(st, 201)
        standin_config(port, revoke_tokens=[TOKEN])
        st, body, _ = call("POST", "/crm/v3/objects/companies", {"properties": {"name": "B"}})
        self.assertHubspotError(st, body, 401, "INVALID_AUTHENTICATION")
        standin_config(port, tokens={TOKEN: None})
        st, _, _ = call("POST", "/crm/v3/objects/companies", {"properties": {"name": "C"}})
        self.assertEqual(st, 201)
        self.assertEqual([o["properties"]["name"] for o in objects("companies")], ["A", "C"])

    def test_missing_scope_gets_403_on_property_creation(self):
        prop = {"name": "vigie_heat", "label": "Heat", "type": "number", "fieldType": "number",
                "groupName": "companyinformation"}
        st, body, _ = call("POST", "/crm/v3/properties/companies", prop, token=LIMITED)
        self.assertHubspotError(st, body, 403, "MISSING_SCOPES")
        self.assertEqual(body["errors"][0]["context"]["requiredGranularScopes"],
                         ["crm.schemas.companies.write"])
        # The same token may still write companies and read the schema.
        self.assertEqual(call("GET", "/crm/v3/properties/companies", token=LIMITED)[0], 200)
        self.assertEqual(call("POST", "/crm/v3/objects/companies",
                              {"properties": {"name": "Acme"}}, token=LIMITED)[0], 201)
        self.assertEqual(call("POST", "/crm/v3/properties/companies", prop)[0], 201)


class PathTests(Base):
    def test_legacy_and_date_versioned_paths(self):
        for path in ("/crm/v3/objects/companies", "/crm/objects/2026-03/companies",
                     "/crm/objects/2025-09/0-2"):
            st, body, _ = call("POST", path, {"properties": {"name": path}})
            self.assertEqual(st, 201, (path, body))
        for path in ("/crm/objects/2026-04/companies", "/crm/objects/26-03/companies",
                     "/crm/v5/objects/companies", "/crm/objects/latest/companies"):
            self.assertEqual(call("POST", path, {"properties": {"name": "x"}})[0], 404, path)
        self.assertEqual(len(objects("companies")), 3)
        for path in ("/crm/v3/properties/companies", "/crm/properties/2026-03/companies",
                     "/crm/v4/associations/notes/companies/labels",
                     "/crm/associations/2026-09/notes/companies/labels"):
            self.assertEqual(call("GET", path)[0], 200, path)
        for path in ("/crm/properties/2026-02/companies",
                     "/crm/associations/2026-01/notes/companies/labels"):
            self.assertEqual(call("GET", path)[0], 404, path)


class PropertyTests(Base):
    def test_listing_and_creation(self):
        st, body, _ = call("GET", "/crm/v3/properties/companies")
        self.assertEqual(st, 200)
        byname = {p["name"]: p for p in body["results"]}
        for name in ("name", "domain", "hubspot_owner_id"):
            self.assertIn(name, byname)
            for key in ("type", "fieldType", "hasUniqueValue", "groupName"):
                self.assertIn(key, byname[name])
        st, body, _ = call("GET", "/crm/v3/properties/contacts")
        self.assertTrue({p["name"]: p for p in body["results"]}["email"]["hasUniqueValue"])
        for kind, names in (("notes", ["hs_timestamp", "hs_note_body", "hubspot_owner_id"]),
                            ("tasks", ["hs_timestamp", "hs_task_subject", "hs_task_body",
                                       "hs_task_status", "hs_task_priority", "hs_task_type"])):
            listed = [p["name"] for p in call("GET", "/crm/v3/properties/" + kind)[1]["results"]]
            self.assertTrue(set(names) <= set(listed), (kind, listed))

        prop = {"name": "vigie_heat", "label": "Heat", "type": "number", "fieldType": "number",
                "groupName": "companyinformation"}
        st, body, _ = call("POST", "/crm/v3/properties/companies", prop)
        self.assertEqual((st, body["name"], body["hasUniqueValue"]), (201, "vigie_heat", False))
        st, body, _ = call("POST", "/crm/v3/properties/companies", prop)
        self.assertEqual(st, 409, body)
        for missing in ("name", "label", "type", "fieldType", "groupName"):
            p = dict(prop, name="vigie_other")
            del p[missing]
            st, body, _ = call("POST", "/crm/v3/properties/companies", p)
            self.assertHubspotError(st, body, 400, "VALIDATION_ERROR")
            self.assertIn(missing, body["message"])
        self.assertEqual(call("POST", "/crm/v3/properties/companies",
                              dict(prop, name="vigie_x", groupName="nosuchgroup"))[0], 400)
        # The new property can be written now.
        st, body, _ = call("POST", "/crm/v3/objects/companies",
                           {"properties": {"name": "Acme", "vigie_heat": 72}})
        self.assertEqual((st, body["properties"]["vigie_heat"]), (201, "72"))

    def test_properties_batch_read_and_create(self):
        # Read by name: 200 when all exist, 207 with an error per missing name.
        path = "/crm/properties/2026-03/companies/batch/read"
        st, body, _ = call("POST", path, {"archived": False, "inputs": [{"name": "domain"}, {"name": "name"}]})
        self.assertEqual((st, sorted(p["name"] for p in body["results"])), (200, ["domain", "name"]), body)
        st, body, _ = call("POST", path, {"inputs": [{"name": "domain"}, {"name": "vigie_heat"}]})
        self.assertEqual((st, [p["name"] for p in body["results"]], body["numErrors"]), (207, ["domain"], 1), body)
        self.assertEqual(body["errors"][0]["context"]["propertyName"], ["vigie_heat"])
        self.assertEqual(call("POST", path, {"inputs": [{"name": "x"}] * 101})[0], 400)   # batch limit
        self.assertEqual(call("POST", path, {"inputs": [{}]})[0], 400)
        # Created as single creates are; a bad or existing one is an error of its own (207).
        good = {"name": "vigie_heat", "label": "Heat", "type": "number", "fieldType": "number",
                "groupName": "companyinformation"}
        path = "/crm/v3/properties/companies/batch/create"
        st, body, _ = call("POST", path, {"inputs": [good, dict(good, name="vigie_count")]})
        self.assertEqual((st, sorted(p["name"] for p in body["results"])), (201, ["vigie_count", "vigie_heat"]), body)
        st, body, _ = call("POST", path, {"inputs": [good, dict(good, name="vigie_x", groupName="nosuch"),
                                                     dict(good, name="vigie_y")]})
        self.assertEqual((st, [p["name"] for p in body["results"]], body["numErrors"]), (207, ["vigie_y"], 2), body)
        cats = {e["context"]["propertyName"][0]: e["category"] for e in body["errors"]}
        self.assertEqual(cats, {"vigie_heat": "OBJECT_ALREADY_EXISTS", "vigie_x": "VALIDATION_ERROR"})
        # The schema scopes, as for single calls.
        st, body, _ = call("POST", "/crm/v3/properties/contacts/batch/create", {"inputs": [good]}, token=LIMITED)
        self.assertHubspotError(st, body, 403, "MISSING_SCOPES")
        st, body, _ = call("POST", "/crm/v3/properties/contacts/batch/read", {"inputs": [{"name": "email"}]},
                           token=LIMITED)
        self.assertHubspotError(st, body, 403, "MISSING_SCOPES")

    def test_at_most_ten_unique_custom_properties(self):
        for i in range(10):
            st, body, _ = call("POST", "/crm/v3/properties/companies",
                               {"name": "vigie_u%d" % i, "label": "U", "type": "string",
                                "fieldType": "text", "groupName": "companyinformation",
                                "hasUniqueValue": True})
            self.assertEqual(st, 201, body)
        st, body, _ = call("POST", "/crm/v3/properties/companies",
                           {"name": "vigie_u10", "label": "U", "type": "string",
                            "fieldType": "text", "groupName": "companyinformation",
                            "hasUniqueValue": True})
        self.assertHubspotError(st, body, 400, "VALIDATION_ERROR")
        # A non-unique one is still fine.
        self.assertEqual(call("POST", "/crm/v3/properties/companies",
                              {"name": "vigie_plain", "label": "P", "type": "string",
                               "fieldType": "text", "groupName": "companyinformation"})[0], 201)

    def test_unknown_property_is_refused_by_name(self):
        st, body, _ = call("POST", "/crm/v3/objects/companies",
                           {"properties": {"name": "Acme", "vigie_heat": "80"}})
        self.assertHubspotError(st, body, 400, "VALIDATION_ERROR")
        self.assertTrue(body["message"].startswith("Property values were not valid: "))
        detail = json.loads(body["message"][len("Property values were not valid: "):])
        self.assertEqual(detail, [{"isValid": False, "message": 'Property "vigie_heat" does '
                                   'not exist', "error": "PROPERTY_DOESNT_EXIST",
                                   "name": "vigie_heat"}])
        # In a batch without objectWriteTraceIds, one bad input fails the whole batch.
        st, body, _ = call("POST", "/crm/v3/objects/companies/batch/create",
                           {"inputs": [{"properties": {"name": "Good"}},
                                       {"properties": {"name": "Bad", "vigie_heat": "1"}}]})
        self.assertHubspotError(st, body, 400, "VALIDATION_ERROR")
        self.assertIn("vigie_heat", body["message"])
        self.assertEqual(objects("companies"), [])

    def test_values_are_checked(self):
        cases = [
            ("notes", {"hs_timestamp": "2026-03-02T10:00:00Z", "hs_note_body": "x" * 65537},
             "hs_note_body"),
            ("notes", {"hs_note_body": "no timestamp"}, "hs_timestamp"),
            ("tasks", {"hs_timestamp": "1767225600000", "hs_task_priority": "URGENT"},
             "hs_task_priority"),
            ("contacts", {"email": "not-an-address"}, "email"),
            ("companies", {"name": "A", "hubspot_owner_id": "123"}, "hubspot_owner_id"),
            ("companies", {"name": "A", "hs_object_id": "5"}, "hs_object_id"),
        ]
        for kind, props, bad in cases:
            st, body, _ = call("POST", "/crm/v3/objects/" + kind, {"properties": props})
            self.assertHubspotError(st, body, 400, "VALIDATION_ERROR")
            self.assertIn('"name":"%s"' % bad, body["message"], kind)
        ok = {"hs_timestamp": "2026-03-02T10:00:00Z", "hs_note_body": "x" * 65536,
              "hubspot_owner_id": "71000001"}
        self.assertEqual(call("POST", "/crm/v3/objects/notes", {"properties": ok})[0], 201)


class BatchTests(Base):
    def test_batch_limit(self):
        inputs = [{"properties": {"name": "Co %d" % i}} for i in range(101)]
        st, body, _ = call("POST", "/crm/v3/objects/companies/batch/create", {"inputs": inputs})
        self.assertHubspotError(st, body, 400, "VALIDATION_ERROR")
        self.assertEqual(objects("companies"), [])
        st, body, _ = call("POST", "/crm/v3/objects/companies/batch/create",
                           {"inputs": inputs[:100]})
        self.assertEqual((st, body["status"], len(body["results"])), (201, "COMPLETE", 100))
        self.assertIn("startedAt", body)
        self.assertIn("completedAt", body)
        ids = [r["id"] for r in body["results"]]
        for op in ("read", "update", "upsert"):
            st, _, _ = call("POST", "/crm/v3/objects/companies/batch/" + op,
                            {"inputs": [{"id": i} for i in ids] + [{"id": "1"}]})
            self.assertEqual(st, 400, op)

    def test_upsert_creates_then_updates(self):
        self.assertEqual(call("POST", "/crm/v3/properties/companies",
                              {"name": "vigie_account_id", "label": "vigie account",
                               "type": "string", "fieldType": "text",
                               "groupName": "companyinformation", "hasUniqueValue": True})[0],
                         201)
        path = "/crm/objects/2026-03/companies/batch/upsert"
        first = {"inputs": [{"id": "acct-1", "idProperty": "vigie_account_id",
                             "properties": {"name": "Acme"}}]}
        st, body, _ = call("POST", path, first)
        self.assertEqual(st, 200, body)
        r1 = body["results"][0]
        self.assertTrue(r1["new"])
        self.assertEqual(r1["properties"]["vigie_account_id"], "acct-1")
        second = {"inputs": [{"id": "acct-1", "idProperty": "vigie_account_id",
                              "properties": {"name": "Acme SA"}}]}
        st, body, _ = call("POST", path, second)
        r2 = body["results"][0]
        self.assertEqual((st, r2["id"], r2["new"]), (200, r1["id"], False))
        cos = objects("companies")
        self.assertEqual([(o["id"], o["properties"]["name"]) for o in cos], [(r1["id"], "Acme SA")])

        # Contacts by e-mail: the address is matched whatever its case.
        for addr in ("Jane.Doe@Acme.example", "jane.doe@acme.example"):
            st, body, _ = call("POST", "/crm/v3/objects/contacts/batch/upsert",
                               {"inputs": [{"id": addr, "idProperty": "email",
                                            "properties": {"jobtitle": "CFO"}}]})
            self.assertEqual(st, 200, body)
        self.assertEqual(len(objects("contacts")), 1)

        # domain is not unique at HubSpot: no upsert by it unless the test asks for it.
        by_domain = {"inputs": [{"id": "acme.example", "idProperty": "domain",
                                 "properties": {"name": "Acme"}}]}
        st, body, _ = call("POST", "/crm/v3/objects/companies/batch/upsert", by_domain)
        self.assertHubspotError(st, body, 400, "VALIDATION_ERROR")
        self.assertIn("non-unique", body["message"])
        standin_config(port, companies_domain_unique=True)
        st, body, _ = call("POST", "/crm/v3/objects/companies/batch/upsert", by_domain)
        self.assertEqual((st, body["results"][0]["new"]), (200, True))
        st, body, _ = call("POST", "/crm/v3/objects/companies/batch/upsert", by_domain)
        self.assertEqual((st, body["results"][0]["new"]), (200, False))

    def test_multi_status_half_rejected(self):
        standin_config(port, reject_inputs_matching="REJECT-ME")
        inputs = []
        for i in range(10):
            n = note(i, hs_note_body=("REJECT-ME %d" % i) if i % 2 else "kept %d" % i)
            n["objectWriteTraceId"] = "trace-%d" % i
            inputs.append(n)
        st, body, _ = call("POST", "/crm/v3/objects/notes/batch/create", {"inputs": inputs})
        self.assertEqual(st, 207, body)
        self.assertEqual(body["numErrors"], 5)
        self.assertEqual(sorted(e["context"]["objectWriteTraceId"][0] for e in body["errors"]),
                         ["trace-%d" % i for i in (1, 3, 5, 7, 9)])
        self.assertEqual(sorted(r["objectWriteTraceId"] for r in body["results"]),
                         ["trace-%d" % i for i in (0, 2, 4, 6, 8)])
        self.assertEqual(sorted(o["properties"]["hs_note_body"] for o in objects("notes")),
                         ["kept %d" % i for i in (0, 2, 4, 6, 8)])

        # Invalid inputs of every kind, each error naming its input.
        standin_config(port, reject_inputs_matching=None)
        bad = [note(0, hs_note_body="y" * 65537), {"properties": {"hs_note_body": "no time"}},
               note(1, vigie_heat="9"), note(2)]
        for i, b in enumerate(bad):
            b["objectWriteTraceId"] = "b%d" % i
        st, body, _ = call("POST", "/crm/objects/2026-03/notes/batch/create", {"inputs": bad})
        self.assertEqual((st, body["numErrors"], len(body["results"])), (207, 3, 1))
        errs = {e["context"]["objectWriteTraceId"][0]: e["message"] for e in body["errors"]}
        self.assertIn("hs_note_body", errs["b0"])
        self.assertIn("hs_timestamp", errs["b1"])
        self.assertIn("vigie_heat", errs["b2"])

        st, body, _ = call("POST", "/crm/v3/objects/contacts/batch/upsert", {"inputs": [
            {"id": "ok@acme.example", "idProperty": "email", "objectWriteTraceId": "c0"},
            {"id": "broken@", "idProperty": "email", "objectWriteTraceId": "c1"}]})
        self.assertEqual((st, body["numErrors"]), (207, 1))
        self.assertEqual(body["errors"][0]["context"], {"objectWriteTraceId": ["c1"],
                                                        "ids": ["broken@"]})
        self.assertIn("INVALID_EMAIL", body["errors"][0]["message"])

    def test_contact_email_is_unique(self):
        st, first, _ = call("POST", "/crm/v3/objects/contacts",
                            {"properties": {"email": "jane@acme.example"}})
        self.assertEqual(st, 201)
        st, body, _ = call("POST", "/crm/v3/objects/contacts",
                           {"properties": {"email": "JANE@acme.example"}})
        self.assertHubspotError(st, body, 409, "CONFLICT")
        self.assertEqual(body["message"], "Contact already exists. Existing ID: " + first["id"])
        st, body, _ = call("POST", "/crm/v3/objects/contacts/batch/create", {"inputs": [
            {"properties": {"email": "bob@acme.example"}, "objectWriteTraceId": "t0"},
            {"properties": {"email": "Bob@acme.example"}, "objectWriteTraceId": "t1"}]})
        self.assertEqual((st, body["numErrors"], body["errors"][0]["category"]),
                         (207, 1, "CONFLICT"))
        self.assertEqual(len(objects("contacts")), 2)
        # A changed address frees the old one; a deleted contact frees its own (the lookups
        # by value follow every write).
        st, body, _ = call("PATCH", "/crm/v3/objects/contacts/" + first["id"],
                           {"properties": {"email": "jane.doe@acme.example"}})
        self.assertEqual(st, 200, body)
        self.assertEqual(call("POST", "/crm/v3/objects/contacts",
                              {"properties": {"email": "jane@acme.example"}})[0], 201)
        st, body, _ = call("POST", "/crm/v3/objects/contacts", {"properties": {"email": "jane.doe@acme.example"}})
        self.assertHubspotError(st, body, 409, "CONFLICT")
        self.assertEqual(call("DELETE", "/crm/v3/objects/contacts/" + first["id"])[0], 204)
        self.assertEqual(call("POST", "/crm/v3/objects/contacts",
                              {"properties": {"email": "jane.doe@acme.example"}})[0], 201)

    def test_read_and_update(self):
        ids = [r["id"] for r in call("POST", "/crm/v3/objects/companies/batch/create", {
            "inputs": [{"properties": {"name": n}} for n in ("A", "B")]})[1]["results"]]
        st, body, _ = call("POST", "/crm/v3/objects/companies/batch/update", {
            "inputs": [{"id": ids[0], "properties": {"industry": "Steel"}}]})
        self.assertEqual((st, body["results"][0]["properties"]["industry"]), (200, "Steel"))
        st, body, _ = call("POST", "/crm/v3/objects/companies/batch/read", {
            "inputs": [{"id": i} for i in ids + ["999"]], "properties": ["name", "industry"]})
        self.assertEqual(st, 207)
        self.assertEqual(sorted((r["properties"]["name"], r["properties"]["industry"])
                                for r in body["results"]), [("A", "Steel"), ("B", None)])
        self.assertEqual(body["errors"][0]["context"]["ids"], ["999"])


class AssociationTests(Base):
    def setUp(self):
        super().setUp()
        self.co = call("POST", "/crm/v3/objects/companies",
                       {"properties": {"name": "Acme"}})[1]["id"]
        self.ct = call("POST", "/crm/v3/objects/contacts",
                       {"properties": {"email": "jane@acme.example"}})[1]["id"]

    @staticmethod
    def link(to, type_id):
        return {"to": {"id": to}, "types": [{"associationCategory": "HUBSPOT_DEFINED",
                                             "associationTypeId": type_id}]}

    def test_type_ids(self):
        task = {"properties": {"hs_timestamp": "2026-03-09T09:00:00Z",
                               "hs_task_subject": "Call Acme's new CFO",
                               "hs_task_priority": "HIGH", "hs_task_status": "NOT_STARTED",
                               "hs_task_type": "CALL", "hubspot_owner_id": "71000002"}}
        for kind, pairs, body in (("notes", ((self.co, 190), (self.ct, 202)), note(0)),
                                  ("tasks", ((self.co, 192), (self.ct, 204)), task)):
            body["associations"] = [self.link(t, i) for t, i in pairs]
            st, res, _ = call("POST", "/crm/v3/objects/" + kind, body)
            self.assertEqual(st, 201, res)
        st, res, _ = call("POST", "/crm/v3/objects/contacts",
                          {"properties": {"email": "bob@acme.example"},
                           "associations": [self.link(self.co, 279)]})
        self.assertEqual(st, 201, res)
        links = {(a["fromType"], a["toType"], a["typeId"])
                 for a in standin_state(port)["associations"]}
        self.assertEqual(links, {("notes", "companies", 190), ("notes", "contacts", 202),
                                 ("tasks", "companies", 192), ("tasks", "contacts", 204),
                                 ("contacts", "companies", 279)})
        # Wrong ids for the pair, a wrong category, a missing target: 400 and nothing made.
        for kind, link in (("notes", self.link(self.co, 202)), ("notes", self.link(self.co, 192)),
                           ("notes", self.link(self.ct, 204)),
                           ("notes", {"to": {"id": self.co}, "types": [
                               {"associationCategory": "USER_DEFINED",
                                "associationTypeId": 190}]}),
                           ("notes", self.link("424242", 190))):
            body = note(1)
            body["associations"] = [link]
            st, res, _ = call("POST", "/crm/v3/objects/" + kind, body)
            self.assertHubspotError(st, res, 400, "VALIDATION_ERROR")
            self.assertIn("associat", res["message"])
        self.assertEqual(len(objects("notes")), 1)
        # Seen from the company: the inverse type ids.
        st, res, _ = call("GET", "/crm/v4/objects/companies/%s/associations/notes" % self.co)
        self.assertEqual([t["typeId"] for r in res["results"] for t in r["associationTypes"]],
                         [189])

    def test_labels_and_v4_batch(self):
        for pair, want in (("notes/companies", [190]), ("companies/notes", [189]),
                           ("tasks/companies", [192]), ("notes/contacts", [202]),
                           ("tasks/contacts", [204]), ("contacts/companies", [279, 1])):
            st, res, _ = call("GET", "/crm/v4/associations/%s/labels" % pair)
            self.assertEqual([r["typeId"] for r in res["results"]], want, pair)
        n = call("POST", "/crm/v3/objects/notes", note(0))[1]["id"]
        path = "/crm/v4/associations/notes/companies/batch/create"
        inp = {"from": {"id": n}, "to": {"id": self.co},
               "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 190}]}
        st, res, _ = call("POST", path, {"inputs": [inp]})
        self.assertEqual((st, res["results"][0]["toObjectId"]), (201, int(self.co)))
        st, res, _ = call("POST", path, {"inputs": [dict(inp, types=[
            {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279}])]})
        self.assertHubspotError(st, res, 400, "VALIDATION_ERROR")
        st, res, _ = call("POST", path, {"inputs": [inp] * 2001})
        self.assertHubspotError(st, res, 400, "VALIDATION_ERROR")
        self.assertEqual(call("POST", path, {"inputs": [inp] * 2000})[0], 201)
        # Inline associations in batch/create.
        b = note(1)
        b["associations"] = [self.link(self.co, 190)]
        st, res, _ = call("POST", "/crm/v3/objects/notes/batch/create", {"inputs": [b]})
        self.assertEqual(st, 201, res)
        self.assertEqual(len([a for a in standin_state(port)["associations"]
                              if a["toId"] == self.co and a["fromType"] == "notes"]), 2)


class SearchTests(Base):
    def setUp(self):
        super().setUp()
        standin_config(port, search_limit=0)
        self.assertEqual(call("POST", "/crm/v3/properties/companies",
                              {"name": "vigie_key_account", "label": "Key account",
                               "type": "bool", "fieldType": "booleancheckbox",
                               "groupName": "companyinformation",
                               "options": [{"label": "Yes", "value": "true"},
                                           {"label": "No", "value": "false"}]})[0], 201)
        objs = []
        for i in range(25):
            p = {"name": "Company %02d Steel" % i if i % 5 == 0 else "Company %02d" % i,
                 "numberofemployees": str(i * 10),
                 "vigie_key_account": "true" if i % 3 == 0 else "false"}
            if i % 2:
                p["domain"] = "c%d.example" % i
            objs.append({"properties": p})
        self.ids = control(port, "POST", "seed", {"type": "companies", "objects": objs})["ids"]

    def search(self, body, path="/crm/v3/objects/companies/search"):
        return call("POST", path, body)

    def names(self, body):
        st, res, _ = self.search(dict(body, limit=100, properties=["name"]))
        self.assertEqual(st, 200, res)
        return [r["properties"]["name"] for r in res["results"]]

    def test_operators(self):
        f = lambda *fs: {"filterGroups": [{"filters": list(fs)}]}
        key = self.names(f({"propertyName": "vigie_key_account", "operator": "EQ",
                            "value": "true"}))
        self.assertEqual(len(key), 9)
        self.assertEqual(len(self.names(f({"propertyName": "vigie_key_account",
                                           "operator": "NEQ", "value": "true"}))), 16)
        self.assertEqual(len(self.names(f({"propertyName": "domain",
                                           "operator": "HAS_PROPERTY"}))), 12)
        self.assertEqual(len(self.names(f({"propertyName": "domain",
                                           "operator": "NOT_HAS_PROPERTY"}))), 13)
        self.assertEqual(self.names(f({"propertyName": "name", "operator": "CONTAINS_TOKEN",
                                       "value": "steel"})),
                         ["Company %02d Steel" % i for i in (0, 5, 10, 15, 20)])
        self.assertEqual(self.names(f({"propertyName": "numberofemployees", "operator": "GT",
                                       "value": "200"},
                                      {"propertyName": "numberofemployees", "operator": "LTE",
                                       "value": "230"})),
                         ["Company 21", "Company 22", "Company 23"])
        self.assertEqual(self.names(f({"propertyName": "domain", "operator": "IN",
                                       "values": ["c1.example", "c3.example", "c4.example"]})),
                         ["Company 01", "Company 03"])
        # IN takes at most 100 values: 100 pass, 101 are refused whole.
        many = ["c%d.example" % i for i in range(101)]
        self.assertEqual(len(self.names(f({"propertyName": "domain", "operator": "IN",
                                           "values": many[:100]}))), 12)
        st, res, _ = self.search(f({"propertyName": "domain", "operator": "IN", "values": many}))
        self.assertEqual(st, 400)
        self.assertIn("Too many values", res["message"])
        # Two groups are ORed.
        two = {"filterGroups": [
            {"filters": [{"propertyName": "numberofemployees", "operator": "LT", "value": "20"}]},
            {"filters": [{"propertyName": "numberofemployees", "operator": "GTE",
                          "value": "240"}]}]}
        self.assertEqual(self.names(two), ["Company 00 Steel", "Company 01", "Company 24"])
        st, res, _ = self.search({"sorts": [{"propertyName": "numberofemployees",
                                             "direction": "DESCENDING"}], "limit": 2,
                                  "properties": ["numberofemployees"]})
        self.assertEqual([r["properties"]["numberofemployees"] for r in res["results"]],
                         ["240", "230"])
        # The date-versioned path answers the same.
        st, res, _ = self.search(f({"propertyName": "vigie_key_account", "operator": "EQ",
                                    "value": "true"}), "/crm/objects/2026-09/companies/search")
        self.assertEqual((st, res["total"]), (200, 9))

    def test_paging_and_limits(self):
        seen, after, pages = [], None, 0
        while True:
            body = {"limit": 10}
            if after:
                body["after"] = after
            st, res, _ = self.search(body)
            self.assertEqual((st, res["total"]), (200, 25))
            seen += [r["id"] for r in res["results"]]
            pages += 1
            after = res.get("paging", {}).get("next", {}).get("after")
            if not after:
                break
        self.assertEqual((pages, sorted(seen)), (3, sorted(self.ids)))

        flt = {"propertyName": "name", "operator": "HAS_PROPERTY"}
        too_much = [
            {"filterGroups": [{"filters": [flt]}] * 6},
            {"filterGroups": [{"filters": [flt] * 7}]},
            {"filterGroups": [{"filters": [flt] * 6}] * 3 + [{"filters": [flt]}]},
            {"limit": 201},
            {"after": "9995", "limit": 10},
            {"sorts": [{"propertyName": "name"}, {"propertyName": "domain"}]},
            {"filterGroups": [{"filters": [{"propertyName": "vigie_nope",
                                            "operator": "HAS_PROPERTY"}]}]},
            {"filterGroups": [{"filters": [{"propertyName": "name", "operator": "LIKE",
                                            "value": "x"}]}]},
        ]
        for body in too_much:
            st, res, _ = self.search(body)
            self.assertHubspotError(st, res, 400, "VALIDATION_ERROR")
        ok = {"filterGroups": [{"filters": [flt] * 6}] * 3, "limit": 200}
        self.assertEqual(self.search(ok)[0], 200)

    def test_search_has_its_own_secondly_limit(self):
        standin_config(port, search_limit=5, search_window_ms=1000)
        t0 = time.monotonic()
        answers = [self.search({"limit": 1}) for _ in range(6)]
        self.assertLess(time.monotonic() - t0, 1.0, "six searches took over a second")
        self.assertEqual([a[0] for a in answers], [200] * 5 + [429])
        st, res, headers = answers[5]
        self.assertHubspotError(st, res, 429, "RATE_LIMITS")
        self.assertEqual(res["message"], "You have reached your secondly limit.")
        self.assertEqual(res["policyName"], "SECONDLY")
        self.assertNotIn("x-hubspot-ratelimit-remaining", answers[0][2])
        # Other endpoints are not held by it.
        self.assertEqual(call("GET", "/crm/v3/objects/companies")[0], 200)

    def test_list_with_paging_and_property_selection(self):
        more = [{"properties": {"name": "Extra %d" % i}} for i in range(225)]
        control(port, "POST", "seed", {"type": "companies", "objects": more})
        seen, after = [], None
        while True:
            path = "/crm/v3/objects/companies?limit=100&properties=name,vigie_key_account"
            if after:
                path += "&after=" + after
            st, res, _ = call("GET", path)
            self.assertEqual(st, 200, res)
            for r in res["results"]:
                self.assertEqual(set(r["properties"]), {"name", "vigie_key_account"})
            seen += [r["id"] for r in res["results"]]
            after = res.get("paging", {}).get("next", {}).get("after")
            if not after:
                break
        self.assertEqual(len(seen), 250)
        self.assertEqual(len(set(seen)), 250)
        self.assertEqual(call("GET", "/crm/v3/objects/companies?limit=101")[0], 400)


class RateLimitTests(Base):
    def test_ten_secondly_window(self):
        window_ms = 2000
        standin_config(port, rate_limit=20, window_ms=window_ms)
        t0 = time.monotonic()
        answers = [call("GET", "/crm/v3/objects/companies") for _ in range(21)]
        self.assertLess(time.monotonic() - t0, window_ms / 1000.0, "too slow to fill the window")
        self.assertEqual([a[0] for a in answers], [200] * 20 + [429])
        self.assertEqual([a[2]["x-hubspot-ratelimit-remaining"] for a in answers[:20]],
                         [str(19 - i) for i in range(20)])
        self.assertEqual(answers[0][2]["x-hubspot-ratelimit-max"], "20")
        self.assertEqual(answers[0][2]["x-hubspot-ratelimit-interval-milliseconds"], "2000")
        st, res, headers = answers[20]
        self.assertHubspotError(st, res, 429, "RATE_LIMITS")
        self.assertEqual(res["message"], "You have reached your ten_secondly_rolling limit.")
        self.assertEqual((res["policyName"], res["errorType"]),
                         ("TEN_SECONDLY_ROLLING", "RATE_LIMIT"))
        self.assertNotIn("retry-after", headers)
        standin_config(port, retry_after=2)
        self.assertEqual(call("GET", "/crm/v3/objects/companies")[2]["retry-after"], "2")
        # Once the window has moved on, requests pass again.
        deadline = time.monotonic() + window_ms / 1000.0 + 2
        while call("GET", "/crm/v3/objects/companies")[0] == 429:
            self.assertLess(time.monotonic(), deadline, "the window never emptied")
            time.sleep(0.05)

    def test_daily_limit(self):
        standin_config(port, daily_limit=3)
        answers = [call("GET", "/crm/v3/owners") for _ in range(4)]
        self.assertEqual([a[0] for a in answers], [200, 200, 200, 429])
        self.assertEqual(answers[3][1]["policyName"], "DAILY")
        self.assertEqual(answers[2][2]["x-hubspot-ratelimit-daily-remaining"], "0")


class FaultTests(Base):
    def test_fail_next_then_recovery(self):
        standin_config(port, fail_next=[{"status": 500, "count": 2}])
        sts = [call("POST", "/crm/v3/objects/companies",
                    {"properties": {"name": "A"}})[0] for _ in range(3)]
        self.assertEqual(sts, [500, 500, 201])
        self.assertEqual(len(objects("companies")), 1)

    def test_outage(self):
        standin_config(port, outage=503)
        for _ in range(3):
            self.assertEqual(call("GET", "/crm/v3/objects/companies")[0], 503)
        standin_config(port, outage=0)
        self.assertEqual(call("GET", "/crm/v3/objects/companies")[0], 200)

    def test_injected_429_with_and_without_retry_after(self):
        standin_config(port, fail_next=[{"status": 429}, {"status": 429, "retry_after": 7}])
        st, res, h = call("GET", "/crm/v3/objects/companies")
        self.assertEqual((st, res["policyName"], "retry-after" in h),
                         (429, "TEN_SECONDLY_ROLLING", False))
        st, res, h = call("GET", "/crm/v3/objects/companies")
        self.assertEqual((st, h.get("retry-after")), (429, "7"))

    def test_applied_but_answered_with_failure(self):
        standin_config(port, fail_next=[{"status": 500, "after_apply": True}])
        st, _, _ = call("POST", "/crm/v3/objects/companies", {"properties": {"name": "A"}})
        self.assertEqual(st, 500)
        self.assertEqual(len(objects("companies")), 1)

    def test_dropped_connection(self):
        standin_config(port, fail_next=[{"status": 0, "match": "/companies"}])
        with self.assertRaises((http.client.RemoteDisconnected, ConnectionError)):
            call("GET", "/crm/v3/objects/companies")
        self.assertEqual(call("GET", "/crm/v3/objects/companies")[0], 200)


class RequestTests(Base):
    def test_log_bad_json_and_size_limit(self):
        call("POST", "/crm/v3/objects/companies", {"properties": {"name": "Acme"}})
        st, res, _ = call("POST", "/crm/v3/objects/companies", raw=b'{"properties": {')
        self.assertHubspotError(st, res, 400, "VALIDATION_ERROR")
        self.assertTrue(res["message"].startswith("Invalid input JSON"))
        standin_config(port, max_body_bytes=1000)
        st, res, _ = call("POST", "/crm/v3/objects/companies",
                          {"properties": {"name": "x" * 2000}})
        self.assertEqual(st, 413)
        log = standin_state(port)["requests"]
        self.assertEqual([(r["method"], r["path"], r["status"]) for r in log],
                         [("POST", "/crm/v3/objects/companies", 201),
                          ("POST", "/crm/v3/objects/companies", 400),
                          ("POST", "/crm/v3/objects/companies", 413)])
        self.assertEqual(log[0]["body"], {"properties": {"name": "Acme"}})
        self.assertEqual(log[1]["body"], '{"properties": {')
        self.assertGreater(log[1]["time"], log[0]["time"] - 1)

    def test_owners(self):
        st, res, _ = call("GET", "/crm/v3/owners?email=Alice.Martin@example.com")
        self.assertEqual((st, [o["id"] for o in res["results"]]), (200, ["71000001"]))
        standin_config(port, owners=[{"id": "9", "email": "z@example.com", "firstName": "Z",
                                      "lastName": "Z"}])
        st, res, _ = call("GET", "/crm/v3/owners")
        self.assertEqual([o["email"] for o in res["results"]], ["z@example.com"])
        self.assertEqual(call("POST", "/crm/v3/objects/companies",
                              {"properties": {"name": "A", "hubspot_owner_id": "9"}})[0], 201)


if __name__ == "__main__":
    unittest.main(verbosity=2)
