# ctest-labels: integration sinks
"""test_salesforce_standin — the Salesforce stand-in refuses what Salesforce refuses.

The Salesforce sink's tests trust tests/sinks/salesforce_standin.py to behave like the org it
stands in for; this test holds it to that: the JWT bearer flow (a good assertion gets a token;
a bad signature, another audience, a past or far exp are refused), tokens that expire or are
revoked, sObject Collections upsert (create then update, the 200-record cap, per-record errors
in order, allOrNone, references by external id including the polymorphic What, lengths in
UTF-16 units, unknown fields named), SOQL paging, the API request limit and injected faults.

The RSA keys are generated at test time in a temporary directory. The stand-in runs once for
the module and is reset before each test."""

import base64
import datetime
import http.client
import json
import os
import sys
import tempfile
import time
import unittest
import urllib.parse

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from standin import (control, standin_config, standin_reset, standin_state,  # noqa: E402
                     start_standin, stop_standin)

CONSUMER_KEY = "3MVG9-test-consumer-key"
USERNAME = "integration@vigie.example"
LOGIN_URL = "https://login.salesforce.com"
STATIC_TOKEN = "00D-static-token-for-tests"
V = "/services/data/v59.0"

proc = None
port = None
key = None
other_key = None
tmp = None


def setUpModule():
    global proc, port, key, other_key, tmp
    tmp = tempfile.TemporaryDirectory()
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pub = os.path.join(tmp.name, "connected_app.pem")
    with open(pub, "wb") as f:
        f.write(key.public_key().public_bytes(serialization.Encoding.PEM,
                                              serialization.PublicFormat.SubjectPublicKeyInfo))
    proc, port = start_standin("salesforce_standin.py", "--public-key", pub,
                               "--consumer-key", CONSUMER_KEY, "--username", USERNAME,
                               "--token", STATIC_TOKEN)


def tearDownModule():
    if proc:
        stop_standin(proc)
    if tmp:
        tmp.cleanup()


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_jwt(claims=None, signer=None, alg="RS256"):
    c = {"iss": CONSUMER_KEY, "sub": USERNAME, "aud": LOGIN_URL, "exp": int(time.time()) + 170}
    c.update(claims or {})
    signing_input = b64(json.dumps({"alg": alg}).encode()) + "." + b64(json.dumps(c).encode())
    sig = (signer or key).sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return signing_input + "." + b64(sig)


def call(method, path, body=None, token=STATIC_TOKEN, headers=None, raw=None):
    """(status, headers, parsed JSON) of one request to the stand-in."""
    h = {}
    if token:
        h["Authorization"] = "Bearer " + token
    data = raw
    if body is not None:
        data = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    h.update(headers or {})
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, body=data, headers=h)
        resp = conn.getresponse()
        text = resp.read()
        return resp.status, dict(resp.getheaders()), json.loads(text) if text else None
    finally:
        conn.close()


def token_request(assertion, grant="urn:ietf:params:oauth:grant-type:jwt-bearer"):
    form = urllib.parse.urlencode({"grant_type": grant, "assertion": assertion}).encode()
    return call("POST", "/services/oauth2/token", token=None, raw=form,
                headers={"Content-Type": "application/x-www-form-urlencoded"})


def upsert(sobject, ext_field, records, all_or_none=False, token=STATIC_TOKEN, version=V):
    return call("PATCH", "%s/composite/sobjects/%s/%s" % (version, sobject, ext_field),
                {"allOrNone": all_or_none, "records": records}, token=token)


def account(ext, name="Acme", **fields):
    rec = {"attributes": {"type": "Account"}, "Vigie_Account_Id__c": ext, "Name": name}
    rec.update(fields)
    return rec


def task(ext, **fields):
    rec = {"attributes": {"type": "Task"}, "Vigie_Signal_Id__c": ext}
    rec.update(fields)
    return rec


def objects(kind):
    return standin_state(port, requests=False)["objects"][kind]


class StandinTest(unittest.TestCase):
    def setUp(self):
        standin_reset(port)


class TestStartup(unittest.TestCase):
    def test_a_stand_in_that_cannot_start_says_why(self):
        with self.assertRaises(RuntimeError) as cm:
            start_standin("salesforce_standin.py", "--public-key", "/nonexistent/key.pem")
        self.assertIn("/nonexistent/key.pem", str(cm.exception))


class TestJwtBearer(StandinTest):
    def test_a_good_assertion_gets_a_token_that_works(self):
        status, _, body = token_request(make_jwt())
        self.assertEqual(status, 200, body)
        self.assertEqual(body["token_type"], "Bearer")
        self.assertEqual(body["instance_url"], "http://127.0.0.1:%d" % port)
        self.assertEqual(body["scope"], "api")
        self.assertTrue(body["id"].startswith(LOGIN_URL + "/id/"))
        self.assertTrue(body["issued_at"].isdigit())
        self.assertNotIn("refresh_token", body)
        status, _, _ = call("GET", V + "/query?q=SELECT+Id+FROM+Account",
                            token=body["access_token"])
        self.assertEqual(status, 200)

    def test_a_certificate_checks_signatures_too(self):
        # Salesforce's connected app holds the certificate, not the bare key.
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "vigie")])
        now = datetime.datetime.now(datetime.timezone.utc)
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                .public_key(other_key.public_key()).serial_number(1)
                .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
                .sign(other_key, hashes.SHA256()))
        standin_config(port, public_key_pem=cert.public_bytes(
            serialization.Encoding.PEM).decode())
        self.assertEqual(token_request(make_jwt(signer=other_key))[0], 200)
        self.assertEqual(token_request(make_jwt())[2]["error_description"], "invalid assertion")

    def assert_refused(self, assertion, error, description):
        status, _, body = token_request(assertion)
        self.assertEqual(status, 400, body)
        self.assertEqual(body, {"error": error, "error_description": description})

    def test_refused_assertions(self):
        now = int(time.time())
        self.assert_refused(make_jwt(signer=other_key), "invalid_grant", "invalid assertion")
        self.assert_refused(make_jwt({"aud": "https://test.salesforce.com"}),
                            "invalid_grant", "audience is invalid")
        self.assert_refused(make_jwt({"aud": "http://127.0.0.1:%d" % port}),
                            "invalid_grant", "audience is invalid")
        self.assert_refused(make_jwt({"exp": now - 5}), "invalid_grant",
                            "expired authorization code")
        self.assert_refused(make_jwt({"exp": now + 600}), "invalid_grant", "invalid assertion")
        self.assert_refused(make_jwt({"iss": "someone-else"}), "invalid_client_id",
                            "client identifier invalid")
        self.assert_refused(make_jwt({"sub": "other@vigie.example"}), "invalid_grant",
                            "user hasn't approved this consumer")
        self.assert_refused(make_jwt(alg="HS256"), "invalid_grant", "invalid assertion")
        self.assert_refused("not.a.jwt", "invalid_grant", "invalid assertion")
        status, _, body = token_request(make_jwt(), grant="password")
        self.assertEqual((status, body["error"]), (400, "unsupported_grant_type"))
        self.assertEqual(standin_state(port)["tokens_active"], 1)  # the static token only

    def test_an_expired_token_is_refused_and_a_new_one_works(self):
        standin_config(port, token_ttl_s=0)
        old = token_request(make_jwt())[2]["access_token"]
        status, _, body = call("GET", V + "/limits", token=old)
        self.assertEqual(status, 401)
        self.assertEqual(body, [{"message": "Session expired or invalid",
                                 "errorCode": "INVALID_SESSION_ID"}])
        standin_config(port, token_ttl_s=7200)
        new = token_request(make_jwt())[2]["access_token"]
        self.assertNotEqual(new, old)
        self.assertEqual(call("GET", V + "/limits", token=new)[0], 200)
        self.assertEqual(call("GET", V + "/limits", token=old)[0], 401)

    def test_revoked_tokens_are_refused_static_ones_too(self):
        issued = token_request(make_jwt())[2]["access_token"]
        self.assertEqual(call("GET", V + "/limits", token=issued)[0], 200)
        standin_config(port, revoke_tokens=True)
        self.assertEqual(call("GET", V + "/limits", token=issued)[0], 401)
        self.assertEqual(call("GET", V + "/limits")[0], 401)
        status, _, body = call("GET", V + "/limits", token=None)
        self.assertEqual((status, body[0]["errorCode"]), (401, "INVALID_AUTH_HEADER"))


class TestUpsert(StandinTest):
    def test_create_then_update(self):
        status, headers, body = upsert("Account", "Vigie_Account_Id__c",
                                       [account("acme"), account("globex", "Globex")])
        self.assertEqual(status, 200, body)
        self.assertEqual([r["created"] for r in body], [True, True])
        self.assertTrue(all(r["success"] and r["errors"] == [] for r in body))
        ids = [r["id"] for r in body]
        for i in ids:
            self.assertRegex(i, r"^001[0-9A-Za-z]{15}$")
        self.assertRegex(headers["Sforce-Limit-Info"], r"^api-usage=\d+/100000$")
        # External ids match case-insensitively, as Salesforce's text external ids do.
        status, _, body = upsert("Account", "Vigie_Account_Id__c",
                                 [account("ACME", "Acme Corp", Website="https://acme.example")])
        self.assertEqual(body, [{"id": ids[0], "success": True, "errors": [], "created": False}])
        stored = {a["Id"]: a for a in objects("Account")}
        self.assertEqual(len(stored), 2)
        self.assertEqual(stored[ids[0]]["Name"], "Acme Corp")
        self.assertEqual(stored[ids[0]]["Website"], "https://acme.example")
        self.assertEqual(stored[ids[0]]["Vigie_Account_Id__c"], "ACME")

    def test_at_most_200_records(self):
        records = [account("a%d" % i, "Account %d" % i) for i in range(201)]
        status, _, body = upsert("Account", "Vigie_Account_Id__c", records)
        self.assertEqual(status, 400)
        self.assertEqual(body[0]["errorCode"], "EXCEEDED_ID_LIMIT")
        self.assertEqual(objects("Account"), [])
        status, _, body = upsert("Account", "Vigie_Account_Id__c", records[:200])
        self.assertEqual(status, 200)
        self.assertEqual(len(body), 200)
        self.assertTrue(all(r["success"] for r in body))

    def test_per_record_errors_keep_their_place(self):
        standin_config(port, reject_records_matching="[reject-me]")
        records = [
            account("ok1"),
            {"attributes": {"type": "Account"}, "Vigie_Account_Id__c": "no-name"},
            account("ok2"),
            account("bad", Description="please [reject-me]"),
            account("foo", Foo__c="x"),
            {"attributes": {"type": "Account"}, "Name": "no ext id"},
            account("with-id", Id="001000000000001AAA"),
        ]
        status, _, body = upsert("Account", "Vigie_Account_Id__c", records)
        self.assertEqual(status, 200, body)
        self.assertEqual([r["success"] for r in body],
                         [True, False, True, False, False, False, False])
        self.assertEqual(body[1]["errors"], [{
            "statusCode": "REQUIRED_FIELD_MISSING",
            "message": "Required fields are missing: [Name]", "fields": ["Name"]}])
        self.assertEqual(body[3]["errors"][0]["statusCode"], "FIELD_CUSTOM_VALIDATION_EXCEPTION")
        self.assertEqual(body[4]["errors"], [{
            "statusCode": "INVALID_FIELD",
            "message": "No such column 'Foo__c' on sobject of type Account", "fields": ["Foo__c"]}])
        self.assertEqual(body[5]["errors"][0]["statusCode"], "MISSING_ARGUMENT")
        self.assertEqual(body[6]["errors"][0]["fields"], ["Id"])
        self.assertEqual(sorted(a["Vigie_Account_Id__c"] for a in objects("Account")),
                         ["ok1", "ok2"])
        # The whole request refused instead, as a single-record call refuses an unknown field.
        standin_config(port, unknown_field_mode="request")
        status, _, body = upsert("Account", "Vigie_Account_Id__c", [account("foo", Foo__c="x")])
        self.assertEqual((status, body[0]["errorCode"]), (400, "INVALID_FIELD"))
        self.assertIn("'Foo__c'", body[0]["message"])

    def test_all_or_none_rolls_everything_back(self):
        status, _, body = upsert("Account", "Vigie_Account_Id__c",
                                 [account("a"), account("b", Name=""), account("c")],
                                 all_or_none=True)
        self.assertEqual(status, 200)
        self.assertEqual([r["success"] for r in body], [False, False, False])
        self.assertEqual(body[0]["errors"][0]["statusCode"], "ALL_OR_NONE_OPERATION_ROLLED_BACK")
        self.assertEqual(body[1]["errors"][0]["statusCode"], "REQUIRED_FIELD_MISSING")
        self.assertEqual(objects("Account"), [])

    def test_the_same_external_id_twice_in_one_request(self):
        status, _, body = upsert("Account", "Vigie_Account_Id__c",
                                 [account("dup"), account("other"), account("DUP")])
        self.assertEqual([r["success"] for r in body], [False, True, False])
        self.assertEqual(body[0]["errors"][0]["statusCode"], "DUPLICATE_EXTERNAL_ID")

    def test_references_by_external_id(self):
        acme = upsert("Account", "Vigie_Account_Id__c", [account("acme")])[2][0]["id"]
        status, _, body = upsert("Contact", "Vigie_Contact_Key__c", [
            {"attributes": {"type": "Contact"}, "Vigie_Contact_Key__c": "jane", "LastName": "Doe",
             "Account": {"Vigie_Account_Id__c": "acme"}}])
        self.assertTrue(body[0]["success"], body)
        jane = body[0]["id"]
        self.assertEqual(objects("Contact")[0]["AccountId"], acme)
        user = objects("User")[0]["Id"]
        status, _, body = upsert("Task", "Vigie_Signal_Id__c", [
            task("s1", Subject="Funding round",
                 What={"attributes": {"type": "Account"}, "Vigie_Account_Id__c": "acme"},
                 Who={"attributes": {"type": "Contact"}, "Vigie_Contact_Key__c": "jane"},
                 OwnerId=user),
            task("s2", What={"attributes": {"type": "Account"}, "Vigie_Account_Id__c": "nobody"}),
            task("s3", What={"Vigie_Account_Id__c": "acme"}),
            task("s4", OwnerId="005000000000000AAA"),
            task("s5", What={"attributes": {"type": "Account"}, "Name": "Acme"}),
            task("s6", WhatId=jane),
        ])
        self.assertEqual(status, 200)
        self.assertEqual([r["success"] for r in body], [True, False, False, False, False, False])
        self.assertEqual(body[1]["errors"][0], {
            "statusCode": "INVALID_FIELD", "fields": ["What"],
            "message": "Foreign key external ID: nobody not found for field Vigie_Account_Id__c "
                       "in entity Account"})
        self.assertEqual(body[2]["errors"][0]["statusCode"], "INVALID_FIELD")  # no type given
        self.assertEqual(body[3]["errors"][0]["statusCode"], "INVALID_CROSS_REFERENCE_KEY")
        self.assertIn("not an External ID", body[4]["errors"][0]["message"])
        self.assertEqual(body[5]["errors"][0]["statusCode"], "FIELD_INTEGRITY_EXCEPTION")
        [stored] = objects("Task")
        self.assertEqual((stored["WhatId"], stored["WhoId"], stored["OwnerId"]), (acme, jane, user))
        self.assertEqual((stored["Status"], stored["Priority"]), ("Not Started", "Normal"))
        self.assertRegex(stored["Id"], r"^00T")

    def test_too_long_text_is_refused_not_truncated(self):
        status, _, body = upsert("Task", "Vigie_Signal_Id__c", [
            task("a", Subject="x" * 255), task("b", Subject="x" * 256),
            task("c", Description="d" * 32001)])
        self.assertEqual([r["success"] for r in body], [True, False, False])
        err = body[1]["errors"][0]
        self.assertEqual((err["statusCode"], err["fields"]), ("STRING_TOO_LONG", ["Subject"]))
        self.assertIn("max length=255", err["message"])
        self.assertEqual(body[2]["errors"][0]["fields"], ["Description"])
        # 128 emoji are 256 UTF-16 code units: too long for a 255-character Name.
        status, _, body = upsert("Account", "Vigie_Account_Id__c",
                                 [account("e", "\U0001F600" * 128), account("f", "é" * 255)])
        self.assertEqual([r["success"] for r in body], [False, True])
        status, _, body = upsert("Contact", "Vigie_Contact_Key__c", [
            {"attributes": {"type": "Contact"}, "Vigie_Contact_Key__c": "k", "LastName": "Doe",
             "Title": "t" * 129}])
        self.assertEqual(body[0]["errors"][0]["statusCode"], "STRING_TOO_LONG")

    def test_malformed_requests_are_refused_whole(self):
        path = V + "/composite/sobjects/Account/Vigie_Account_Id__c"
        status, _, body = call("PATCH", path, raw=b"{not json",
                               headers={"Content-Type": "application/json"})
        self.assertEqual((status, body[0]["errorCode"]), (400, "JSON_PARSER_ERROR"))
        status, _, body = upsert("Account", "Vigie_Account_Id__c", [{"Name": "no attributes"}])
        self.assertEqual((status, body[0]["errorCode"]), (400, "INVALID_TYPE"))
        status, _, body = upsert("Account", "Vigie_Account_Id__c",
                                 [{"attributes": {"type": "Contact"}, "LastName": "x"}])
        self.assertEqual(status, 400)
        status, _, body = upsert("Account", "Vigie_Account_Id__c",
                                 [account("a", Vigie_Key_Account__c="yes")])
        self.assertEqual((status, body[0]["errorCode"]), (400, "JSON_PARSER_ERROR"))
        status, _, body = upsert("Account", "Name", [account("a")])
        self.assertEqual((status, body[0]["errorCode"]), (400, "INVALID_FIELD"))
        status, _, body = upsert("Account", "Nope__c", [account("a")])
        self.assertEqual((status, body[0]["errorCode"]), (404, "NOT_FOUND"))
        status, _, body = upsert("Account", "Vigie_Account_Id__c", [account("a")],
                                 version="/services/data/v45.0")
        self.assertEqual((status, body[0]["errorCode"]), (404, "NOT_FOUND"))
        status, _, body = call("PATCH", path, raw=b"{}",
                               headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(status, 415)
        self.assertEqual(objects("Account"), [])
        self.assertEqual(upsert("Account", "Vigie_Account_Id__c", [account("a")],
                                version="/services/data/v46.0")[0], 200)

    def test_the_request_log_keeps_payloads(self):
        upsert("Account", "Vigie_Account_Id__c", [account("acme", Industry="Energy")])
        [entry] = [e for e in standin_state(port)["requests"] if e["method"] == "PATCH"]
        self.assertEqual(entry["path"], V + "/composite/sobjects/Account/Vigie_Account_Id__c")
        self.assertEqual(entry["status"], 200)
        self.assertEqual(entry["body"]["records"][0]["Industry"], "Energy")
        self.assertEqual(entry["headers"]["Authorization"], "Bearer " + STATIC_TOKEN)
        self.assertTrue(entry["response"][0]["created"])
        self.assertEqual(standin_state(port, requests=False)["requests"], [])
        after = control(port, "GET", "state?since=%d" % (entry["seq"] + 1))["requests"]
        self.assertEqual(after, [])


class TestQuery(StandinTest):
    def query(self, soql):
        return call("GET", V + "/query?" + urllib.parse.urlencode({"q": soql}))

    def test_key_accounts_come_in_pages(self):
        standin_config(port, page_size=2, users=[
            {"Username": USERNAME, "Email": "kam@vigie.example", "IsActive": True}])
        records = [{"Name": "Acct %d" % i, "Vigie_Account_Id__c": "k%d" % i,
                    "Vigie_Key_Account__c": i % 4 != 3} for i in range(7)]
        control(port, "POST", "seed", {"type": "Account", "records": records})
        status, headers, page = self.query(
            "SELECT Id, Name, Vigie_Account_Id__c, Owner.Email FROM Account "
            "WHERE Vigie_Key_Account__c = true")
        self.assertEqual(status, 200, page)
        self.assertIn("Sforce-Limit-Info", headers)
        self.assertEqual((page["totalSize"], page["done"], len(page["records"])), (6, False, 2))
        seen = [r["Vigie_Account_Id__c"] for r in page["records"]]
        self.assertEqual(page["records"][0]["Owner"]["Email"], "kam@vigie.example")
        self.assertEqual(page["records"][0]["attributes"]["type"], "Account")
        pages = 1
        while not page["done"]:
            self.assertRegex(page["nextRecordsUrl"], r"^/services/data/v59\.0/query/01g\w{15}-\d+$")
            status, _, page = call("GET", page["nextRecordsUrl"])
            self.assertEqual(status, 200)
            seen += [r["Vigie_Account_Id__c"] for r in page["records"]]
            pages += 1
        self.assertEqual(pages, 3)
        self.assertEqual(seen, ["k0", "k1", "k2", "k4", "k5", "k6"])
        self.assertNotIn("nextRecordsUrl", page)
        status, _, page = self.query("SELECT Name FROM Account WHERE Name = 'ACCT 3' LIMIT 5")
        self.assertEqual([r["Name"] for r in page["records"]], ["Acct 3"])
        self.assertTrue(page["done"])
        status, _, page = self.query("SELECT Name FROM Account ORDER BY Name DESC LIMIT 2")
        self.assertEqual([r["Name"] for r in page["records"]], ["Acct 6", "Acct 5"])

    def test_bad_queries(self):
        for soql, code in [("SELECT Foo__c FROM Account", "INVALID_FIELD"),
                           ("SELECT Id FROM Nothing__c", "INVALID_TYPE"),
                           ("SELECT Id FROM Account WHERE Vigie_Key_Account__c = 'true'",
                            "INVALID_FIELD"),
                           ("SELECT Id FROM Account WHERE Name = true", "INVALID_FIELD"),
                           ("SELECT FROM Account", "MALFORMED_QUERY"),
                           ("DELETE Account", "MALFORMED_QUERY")]:
            status, _, body = self.query(soql)
            self.assertEqual((status, body[0]["errorCode"]), (400, code), soql)
        status, _, body = call("GET", V + "/query/01g5g0000000001AAA-2000")
        self.assertEqual((status, body[0]["errorCode"]), (400, "INVALID_QUERY_LOCATOR"))


class TestLimitsAndFaults(StandinTest):
    def test_injected_server_errors_then_success(self):
        standin_config(port, fail_next=[{"status": 500, "count": 2},
                                        {"status": 503, "count": 1, "retry_after": 3}])
        statuses = []
        for _ in range(4):
            status, headers, body = upsert("Account", "Vigie_Account_Id__c", [account("acme")])
            statuses.append(status)
            if status == 503:
                self.assertEqual(headers["Retry-After"], "3")
        self.assertEqual(statuses, [500, 500, 503, 200])
        self.assertEqual(len(objects("Account")), 1)

    def test_daily_request_limit(self):
        usage = standin_state(port)["api_usage"]
        standin_config(port, request_limit=usage + 1)
        status, headers, _ = call("GET", V + "/limits")
        self.assertEqual(status, 200)
        self.assertEqual(headers["Sforce-Limit-Info"], "api-usage=%d/%d" % (usage + 1, usage + 1))
        status, _, body = call("GET", V + "/limits")
        self.assertEqual(status, 403)
        self.assertEqual(body[0]["errorCode"], "REQUEST_LIMIT_EXCEEDED")

    def test_outage_and_latency(self):
        standin_config(port, outage=True)
        self.assertEqual(call("GET", V + "/limits")[0], 503)
        standin_config(port, outage="reset")
        with self.assertRaises((ConnectionError, http.client.HTTPException)):
            call("GET", V + "/limits")
        standin_config(port, outage=False, latency_ms=200)
        start = time.monotonic()
        self.assertEqual(call("GET", V + "/limits")[0], 200)
        self.assertGreaterEqual(time.monotonic() - start, 0.2)


if __name__ == "__main__":
    unittest.main(verbosity=2)
