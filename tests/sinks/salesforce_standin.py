#!/usr/bin/env python3
"""salesforce_standin — an in-memory stand-in for the parts of Salesforce's REST API that
vigie's Salesforce sink uses, enforcing what Salesforce documents so that the sink's tests
fail where Salesforce would refuse. Test infrastructure: never shipped.

Runs an HTTP/1.1 server on 127.0.0.1 (--port 0 picks a free port) and prints "PORT <n>" as its
first stdout line. The login endpoint and the org's instance are the same server; the JWT's
audience is the configured login URL, not this server's address.

Provenance of each behaviour: [SRC] Salesforce's documentation, [2ND] error texts seen in
client libraries' issues and Q&A threads, [GUESS] the stand-in's own choice where nothing was
found (kept close to Salesforce's style; change it when the real answer is known).

CLI
  --port N              listen port (0: any free port)
  --public-key FILE     PEM public key or X.509 certificate checking JWT signatures (the
                        certificate uploaded to the connected app); without it every
                        assertion is refused
  --consumer-key S      the JWT's iss (default vigie-test-consumer-key)
  --username S          the JWT's sub, and the integration user (default vigie@example.com)
  --login-url URL       the JWT's aud (default https://login.salesforce.com)
  --token T             a static access token that never expires (repeatable): the
                        "given access token" mode

Endpoints (all answer JSON)
  POST /services/oauth2/token
      The JWT bearer flow [SRC help.salesforce.com remoteaccess_oauth_jwt_flow]: a form (or
      query string) grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=<JWT>.
      The JWT must be RS256, signed by the configured key, with iss = consumer key, sub =
      username, aud = login URL (one string), exp in the future and at most jwt_exp_max_s (180)
      ahead ("within 3 minutes": [UNVERIFIED] in REFERENCE B.2). 200 {"access_token",
      "instance_url","token_type":"Bearer","scope":"api","id","issued_at"}, never a refresh
      token. Refusals are 400
      {"error","error_description"} [2ND]: bad form, alg or signature -> invalid_grant "invalid
      assertion"; iss -> invalid_client_id "client identifier invalid"; aud -> invalid_grant
      "audience is invalid"; sub -> invalid_grant "user hasn't approved this consumer"; exp past
      -> invalid_grant "expired authorization code"; exp too far ahead -> invalid_grant
      "invalid assertion" [GUESS]; other grant types -> unsupported_grant_type.
  GET  /services/data/             the API versions (31.0 .. max_api_version)
  GET  /services/data/vXX.X/limits {"DailyApiRequests":{"Max","Remaining"}}
  PATCH /services/data/vXX.X/composite/sobjects/{SObject}/{ExternalIdField}
      sObject Collections upsert [SRC resources_composite_sobjects_collections_upsert]: v46.0+
      (older: 404 NOT_FOUND); body {"allOrNone": bool (default false), "records": [...]};
      up to 200 records (more: 400 EXCEEDED_ID_LIMIT "record limit reached. cannot submit more
      than 200 records into this call" [2ND]); each with attributes.type = the URI's type;
      processed in order; 200 with one UpsertResult per record in order:
      {"id","success":true,"errors":[],"created":bool} or {"success":false,"errors":[{"statusCode",
      "message","fields"}]}. allOrNone: any failure rolls back every record; the others then
      carry ALL_OR_NONE_OPERATION_ROLLED_BACK. Request-level refusals (400, a list of
      {"message","errorCode"}): invalid JSON or a value of the wrong JSON type
      (JSON_PARSER_ERROR), records not a list, a record without attributes.type or of another
      type (INVALID_TYPE [GUESS]). Unknown sObject: 404 NOT_FOUND; unknown external id field:
      404 NOT_FOUND "Provided external ID field does not exist or is not accessible" [2ND];
      a field that is not an external id: 400 INVALID_FIELD [GUESS].
      Per-record errors: unknown field INVALID_FIELD "No such column 'F' on sobject of type T"
      [2ND] (unknown_field_mode "request" makes it a 400 for the whole request, as a single-record
      REST call does); Id or a read-only field set: INVALID_FIELD / INVALID_FIELD_FOR_INSERT_UPDATE
      [GUESS for Id]; external id missing: MISSING_ARGUMENT "F not specified" [2ND, SOAP upsert];
      the same external id twice in one request: DUPLICATE_EXTERNAL_ID on each [GUESS]; text
      longer than the field: STRING_TOO_LONG "F: data value too large: ... (max length=N)", the
      length counted in UTF-16 code units as Salesforce (Java) does, no truncation [2ND]; bad
      e-mail: INVALID_EMAIL_ADDRESS; required field missing on create or cleared on update:
      REQUIRED_FIELD_MISSING "Required fields are missing: [F]"; a reference by external id that
      matches nothing: INVALID_FIELD "Foreign key external ID: v not found for field F in entity
      T" [2ND]; a polymorphic reference (Task What/Who) without attributes.type: INVALID_FIELD
      [GUESS]; an Id reference of the wrong type: FIELD_INTEGRITY_EXCEPTION, unknown:
      INVALID_CROSS_REFERENCE_KEY; an inactive owner: INACTIVE_OWNER_OR_USER; a record whose JSON
      contains reject_records_matching: FIELD_CUSTOM_VALIDATION_EXCEPTION (a validation rule).
      External ids match case-insensitively (Salesforce's default for text external ids; a field
      declared case_sensitive matches exactly).
  GET  /services/data/vXX.X/query?q=SOQL, GET /services/data/vXX.X/query/<locator>-<offset>
      A SOQL subset: SELECT f[, Rel.f ...] FROM T [WHERE f = v [AND f = v ...]] (= or !=, or
      f IN (v, v, ...); v is true, false, null, a number or a 'quoted string' with \' and \\
      escapes, compared case-insensitively for text)
      [ORDER BY f [ASC|DESC]] [LIMIT n]. {"totalSize","done","records":[{"attributes":{"type",
      "url"}, ...}], "nextRecordsUrl" while not done}; pages of page_size records (default 2000,
      Salesforce's default batch); the result is a snapshot taken by the first call. Errors 400:
      MALFORMED_QUERY, INVALID_TYPE (unknown object), INVALID_FIELD (unknown column, or a literal
      of the wrong type for the field [2ND]), INVALID_QUERY_LOCATOR.
  Every /services/data/vXX.X/ call needs "Authorization: Bearer <token>" (or "OAuth <token>"):
  none -> 401 INVALID_AUTH_HEADER; unknown, expired or revoked -> 401 [{"message":"Session
  expired or invalid","errorCode":"INVALID_SESSION_ID"}] [2ND]. Each counted call returns
  "Sforce-Limit-Info: api-usage=N/M" [SRC headers_api_usage]; past request_limit calls answer
  403 REQUEST_LIMIT_EXCEEDED "TotalRequests Limit exceeded." [2ND] (the org's 24-hour limit;
  the stand-in's counter only moves forward or by config). A JSON body needs a JSON
  Content-Type, else 415 UNSUPPORTED_MEDIA_TYPE. Tokens expire token_ttl_s after they are
  issued (Salesforce counts its session timeout from the last activity: the stand-in is
  stricter).

Schema (defaults; changed through config "fields" and "external_ids")
  Account 001: Name (255, required), Website, Industry, Phone (40), BillingCountry (80),
    Description (32000), OwnerId -> User (Owner), ParentId -> Account (Parent),
    Vigie_Account_Id__c (255, external id), Vigie_Key_Account__c (boolean), Vigie_Heat__c (number)
  Contact 003: FirstName (40), LastName (80, required), Title (128), Email (80), Phone (40),
    Description (32000), AccountId -> Account (Account), OwnerId -> User (Owner),
    Vigie_Contact_Key__c (255, external id), Vigie_Source_Url__c (255)
  Task 00T: Subject (255), Description (32000), Status (default "Not Started"), Priority
    (default "Normal"), Type, ActivityDate (date), WhatId -> Account|Opportunity (What),
    WhoId -> Contact|Lead (Who), OwnerId -> User (Owner), Vigie_Signal_Id__c (255, external id),
    Vigie_Source_Url__c (255)
  User 005 (not upsertable): Username, Name, Email, IsActive; one active user for --username
  Every object: Id (18 characters, the object's key prefix, Salesforce's case-safe suffix),
  CreatedDate, LastModifiedDate, SystemModstamp (read only). OwnerId defaults to the first user.

Control API (not Salesforce's; JSON in and out)
  GET  /__standin/state[?since=N][&requests=0]  {"objects": {type: [record, ...]},
       "requests": [{"seq", "arrived" (monotonic seconds, when the request was read), "method", "path", "headers", "body" (parsed JSON, the form as an
       object, or text), "status", "response"}, ...] (those with seq >= N; none with
       requests=0), "api_usage", "request_limit", "tokens_active"}; only /services/ requests
       are logged.
  POST /__standin/config {option: value, ...} -> the options in force. Unknown options: 400.
       token_ttl_s (7200), jwt_exp_max_s (180), consumer_key, username, login_url,
       public_key_pem, tokens (list: the static tokens), revoke_tokens (true: every token
       issued or static stops working), request_limit (100000), api_usage (sets the counter),
       fail_next ([{"status": 500|503|..., "count": N, "path": substring (optional),
       "retry_after": seconds (optional), "body": JSON (optional)}]: the next matching
       /services/ requests answer that), outage (false | true: every /services/ request
       answers 503 | "reset": the connection is closed without an answer), latency_ms (0),
       reject_records_matching (null or a substring), reject_request_matching (null or a
       substring: a record whose JSON contains it refuses the whole request, 400
       JSON_PARSER_ERROR, as one value Salesforce cannot deserialize does), page_size (2000),
       max_api_version (62.0),
       unknown_field_mode ("record" | "request"), users (list of {"Username", "Email", "Name",
       "IsActive", "Id" (optional)}), external_ids ({type: [field, ...]}), fields ({type:
       {field: {"type": string|textarea|email|url|phone|picklist|boolean|double|date|datetime|
       reference, "length", "required", "default", "references", "relationship",
       "case_sensitive"} or null to remove}}).
  POST /__standin/seed {"type": T, "records": [{field: value}]} -> {"ids": [...]}: stores
       records as someone working in Salesforce would have made them (only field names are
       checked).
  POST /__standin/reset  {} -> the state and options the process started with."""

import argparse
import base64
import copy
import datetime
import json
import re
import secrets
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

ORG_ID = "00D5g000004StNdEAK"
MIN_API_VERSION = 31.0
UPSERT_MIN_VERSION = 46.0
MAX_RECORDS = 200
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
SYSTEM_FIELDS = ("Id", "CreatedDate", "LastModifiedDate", "SystemModstamp")


# ---- schema ---------------------------------------------------------------------------------

def field(ftype, length=None, **kw):
    spec = {"type": ftype}
    if length is not None:
        spec["length"] = length
    spec.update(kw)
    return spec


def owner_field():
    return field("reference", references=["User"], relationship="Owner")


DEFAULT_SCHEMA = {
    "Account": {"prefix": "001", "fields": {
        "Name": field("string", 255, required=True),
        "Website": field("url", 255),
        "Industry": field("picklist", 255),
        "Phone": field("phone", 40),
        "BillingCountry": field("string", 80),
        "Description": field("textarea", 32000),
        "OwnerId": owner_field(),
        "ParentId": field("reference", references=["Account"], relationship="Parent"),
        "Vigie_Account_Id__c": field("string", 255),
        "Vigie_Key_Account__c": field("boolean", default=False),
        "Vigie_Heat__c": field("double"),
    }},
    "Contact": {"prefix": "003", "fields": {
        "FirstName": field("string", 40),
        "LastName": field("string", 80, required=True),
        "Title": field("string", 128),
        "Email": field("email", 80),
        "Phone": field("phone", 40),
        "Description": field("textarea", 32000),
        "AccountId": field("reference", references=["Account"], relationship="Account"),
        "OwnerId": owner_field(),
        "Vigie_Contact_Key__c": field("string", 255),
        "Vigie_Source_Url__c": field("url", 255),
    }},
    "Task": {"prefix": "00T", "fields": {
        "Subject": field("string", 255),
        "Description": field("textarea", 32000),
        "Status": field("picklist", 255, required=True, default="Not Started"),
        "Priority": field("picklist", 255, required=True, default="Normal"),
        "Type": field("picklist", 255),
        "ActivityDate": field("date"),
        "WhatId": field("reference", references=["Account", "Opportunity"], relationship="What"),
        "WhoId": field("reference", references=["Contact", "Lead"], relationship="Who"),
        "OwnerId": owner_field(),
        "Vigie_Signal_Id__c": field("string", 255),
        "Vigie_Source_Url__c": field("url", 255),
    }},
    "User": {"prefix": "005", "upsertable": False, "fields": {
        "Username": field("string", 80, required=True),
        "Name": field("string", 121),
        "Email": field("email", 128),
        "IsActive": field("boolean", default=True),
    }},
}
DEFAULT_EXTERNAL_IDS = {"Account": ["Vigie_Account_Id__c"], "Contact": ["Vigie_Contact_Key__c"],
                        "Task": ["Vigie_Signal_Id__c"]}
TEXT_TYPES = ("string", "textarea", "email", "url", "phone", "picklist")


class ApiError(Exception):
    """A request-level refusal: status and a Salesforce error list."""

    def __init__(self, status, code, message):
        super().__init__(message)
        self.status = status
        self.payload = [{"message": message, "errorCode": code}]


def rec_error(code, message, fields=()):
    return {"statusCode": code, "message": message, "fields": list(fields)}


# ---- ids ------------------------------------------------------------------------------------

B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def id18(id15):
    """Salesforce's case-safe suffix: one character per 5-character chunk, saying which of its
    characters are upper-case letters."""
    suffix = ""
    for i in range(3):
        bits = 0
        for j, c in enumerate(id15[i * 5:i * 5 + 5]):
            if "A" <= c <= "Z":
                bits |= 1 << j
        suffix += "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"[bits]
    return id15 + suffix


def new_id(prefix, n):
    digits = ""
    while n:
        n, r = divmod(n, 62)
        digits = B62[r] + digits
    return id18(prefix + "5g0" + digits.rjust(9, "0"))


def norm_id(value):
    """The 18-character form of a 15- or 18-character id, or None when it is not one."""
    if not isinstance(value, str) or not re.fullmatch(r"[0-9A-Za-z]{15}([0-9A-Za-z]{3})?", value):
        return None
    full = id18(value[:15])
    if len(value) == 18 and value[15:].upper() != full[15:]:
        return None
    return full


def utf16_len(s):
    return len(s.encode("utf-16-le")) // 2


def now_stamp():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


# ---- state ----------------------------------------------------------------------------------

LOCK = threading.RLock()
ARGS = None
CFG = {}
STATE = {}


def initial_config():
    users = [{"Username": ARGS.username, "Email": ARGS.username, "Name": "Vigie Integration",
              "IsActive": True}]
    return {
        "token_ttl_s": 7200.0, "jwt_exp_max_s": 180.0, "consumer_key": ARGS.consumer_key,
        "username": ARGS.username, "login_url": ARGS.login_url,
        "public_key_pem": ARGS.public_key_pem,
        "tokens": list(ARGS.token), "request_limit": 100000, "fail_next": [], "outage": False,
        "latency_ms": 0, "reject_records_matching": None, "reject_request_matching": None,
        "page_size": 2000,
        "max_api_version": 62.0, "unknown_field_mode": "record", "users": users,
        "external_ids": copy.deepcopy(DEFAULT_EXTERNAL_IDS),
        "fields": {},
    }


def reset():
    global CFG, STATE
    CFG = initial_config()
    STATE = {"schema": copy.deepcopy(DEFAULT_SCHEMA),
             "db": {"objects": {name: [] for name in DEFAULT_SCHEMA}, "seq": 1000},
             "tokens": {}, "log": [], "api_usage": 0, "locators": {}}
    for t in CFG["tokens"]:
        STATE["tokens"][t] = {"expires": None}
    set_users(CFG["users"])


def set_users(users):
    db = STATE["db"]
    db["objects"]["User"] = []
    for u in users:
        rec = {"Id": norm_id(u.get("Id")) or next_id(db, "User")}
        for k in ("Username", "Email", "Name"):
            rec[k] = u.get(k)
        rec["IsActive"] = bool(u.get("IsActive", True))
        stamp_new(rec)
        db["objects"]["User"].append(rec)


def next_id(db, obj):
    db["seq"] += 1
    return new_id(STATE["schema"][obj]["prefix"], db["seq"])


def stamp_new(rec):
    ts = now_stamp()
    rec.setdefault("CreatedDate", ts)
    rec["LastModifiedDate"] = rec["SystemModstamp"] = ts


def schema_fields(obj):
    return STATE["schema"][obj]["fields"]


def canon_object(name):
    if not isinstance(name, str):
        return None
    for obj in STATE["schema"]:
        if obj.lower() == name.lower():
            return obj
    return None


def canon_field(obj, name):
    """A field's canonical name (Salesforce field names are case-insensitive), system fields
    included, or None."""
    low = name.lower()
    for f in SYSTEM_FIELDS:
        if f.lower() == low:
            return f
    for f in schema_fields(obj):
        if f.lower() == low:
            return f
    return None


def relationship_field(obj, name):
    low = name.lower()
    for f, spec in schema_fields(obj).items():
        if spec.get("relationship", "").lower() == low:
            return f
    return None


def is_external(obj, f):
    return f in CFG["external_ids"].get(obj, [])


def ext_key(obj, f, value):
    spec = schema_fields(obj).get(f, {})
    return value if spec.get("case_sensitive") else value.lower()


def find_by_ext(db, obj, f, value):
    key = ext_key(obj, f, value)
    return [r for r in db["objects"].get(obj, [])
            if isinstance(r.get(f), str) and ext_key(obj, f, r[f]) == key]


def find_by_id(db, rid):
    for obj, spec in STATE["schema"].items():
        if rid.startswith(spec["prefix"]):
            for r in db["objects"].get(obj, []):
                if r["Id"] == rid:
                    return obj, r
            return obj, None
    return None, None


# ---- OAuth 2.0 JWT bearer flow --------------------------------------------------------------

def b64url(text):
    if not re.fullmatch(r"[A-Za-z0-9_-]*", text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def load_public_key(pem):
    data = pem.encode() if isinstance(pem, str) else pem
    if b"PRIVATE KEY" in data:
        raise ValueError("a private key was given: the stand-in takes the public key or the "
                         "certificate only")
    if b"CERTIFICATE" in data:
        key = x509.load_pem_x509_certificate(data).public_key()
    else:
        key = serialization.load_pem_public_key(data)
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("not an RSA key")
    return key


def grant_error(error, description):
    return 400, {"error": error, "error_description": description}


def token_endpoint(form, port):
    if form.get("grant_type") != JWT_GRANT:
        return grant_error("unsupported_grant_type", "grant type not supported")
    assertion = form.get("assertion") or ""
    try:
        head64, claims64, sig64 = assertion.split(".")
        header = json.loads(b64url(head64))
        claims = json.loads(b64url(claims64))
        signature = b64url(sig64)
        if not isinstance(header, dict) or not isinstance(claims, dict):
            raise ValueError("not objects")
    except ValueError:
        return grant_error("invalid_grant", "invalid assertion")
    if header.get("alg") != "RS256":
        return grant_error("invalid_grant", "invalid assertion")
    if claims.get("iss") != CFG["consumer_key"]:
        return grant_error("invalid_client_id", "client identifier invalid")
    if not CFG["public_key_pem"]:
        return grant_error("invalid_grant", "invalid assertion")
    try:
        load_public_key(CFG["public_key_pem"]).verify(
            signature, (head64 + "." + claims64).encode(), padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        return grant_error("invalid_grant", "invalid assertion")
    if claims.get("aud") != CFG["login_url"]:
        return grant_error("invalid_grant", "audience is invalid")
    if claims.get("sub") != CFG["username"]:
        return grant_error("invalid_grant", "user hasn't approved this consumer")
    exp = claims.get("exp")
    now = time.time()
    if not isinstance(exp, (int, float)) or isinstance(exp, bool) or exp <= now:
        return grant_error("invalid_grant", "expired authorization code")
    if exp > now + CFG["jwt_exp_max_s"]:
        return grant_error("invalid_grant", "invalid assertion")
    token = ORG_ID[:15] + "!" + secrets.token_urlsafe(64)
    STATE["tokens"][token] = {"expires": time.monotonic() + CFG["token_ttl_s"]}
    user = STATE["db"]["objects"]["User"][0]["Id"] if STATE["db"]["objects"]["User"] else ""
    return 200, {"access_token": token, "instance_url": "http://127.0.0.1:%d" % port,
                 "id": "%s/id/%s/%s" % (CFG["login_url"], ORG_ID, user),
                 "token_type": "Bearer", "scope": "api",
                 "issued_at": str(int(now * 1000))}


def token_valid(token):
    t = STATE["tokens"].get(token)
    return t is not None and (t["expires"] is None or time.monotonic() < t["expires"])


# ---- sObject Collections upsert -------------------------------------------------------------

def coerce(obj, f, value):
    """The value a field of this type accepts from JSON; a value of the wrong JSON type is a
    deserialisation failure, refusing the whole request as Salesforce's parser does."""
    spec = schema_fields(obj).get(f)
    if spec is None or value is None:
        return value
    t = spec["type"]
    bad = ApiError(400, "JSON_PARSER_ERROR", "Cannot deserialize instance of %s from %s value "
                   "for field %s" % (t, type(value).__name__, f))
    if t in TEXT_TYPES or t == "reference":
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise bad
        return value if isinstance(value, str) else json.dumps(value)
    if t == "boolean":
        if not isinstance(value, bool):
            raise bad
        return value
    if t == "double":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise bad
        return value
    if t == "date":
        try:
            datetime.date.fromisoformat(value)
        except (TypeError, ValueError):
            raise bad
        return value
    if t == "datetime":
        if not isinstance(value, str) or not re.fullmatch(
                r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?", value):
            raise bad
        return value
    return value


def decode_record(obj, rec):
    """First pass over one record: request-level checks, field names resolved."""
    if not isinstance(rec, dict):
        raise ApiError(400, "JSON_PARSER_ERROR", "Each record must be a JSON object")
    attrs = rec.get("attributes")
    if not isinstance(attrs, dict) or not isinstance(attrs.get("type"), str):
        raise ApiError(400, "INVALID_TYPE", "Must send a concrete entity type.")
    if canon_object(attrs["type"]) != obj:
        raise ApiError(400, "INVALID_TYPE", "The record's type %s is not the %s of the request "
                       "URI" % (attrs["type"], obj))
    d = {"fields": {}, "refs": {}, "unknown": [], "readonly": [], "has_id": False, "raw": rec}
    for key, value in rec.items():
        if key == "attributes":
            continue
        f = canon_field(obj, key)
        if f is None:
            rel = relationship_field(obj, key)
            if rel is not None and (isinstance(value, dict) or value is None):
                d["refs"][rel] = (key, value)
                continue
            if CFG["unknown_field_mode"] == "request":
                raise ApiError(400, "INVALID_FIELD",
                               "No such column '%s' on sobject of type %s" % (key, obj))
            d["unknown"].append(key)
            continue
        if f == "Id":
            d["has_id"] = True
        elif f in SYSTEM_FIELDS:
            d["readonly"].append(f)
        else:
            d["fields"][f] = coerce(obj, f, value)
    return d


def resolve_reference(db, obj, f, relname, value):
    """The Id a relationship given by external id points at, or (None, error)."""
    spec = schema_fields(obj)[f]
    targets = spec.get("references", [])
    if value is None:
        return None, None
    attrs = value.get("attributes")
    if attrs is not None:
        t = canon_object(attrs.get("type")) if isinstance(attrs, dict) else None
        if t is None or t not in targets:
            return None, rec_error("INVALID_FIELD", "Invalid type %r for the relationship %s"
                                   % (attrs.get("type") if isinstance(attrs, dict) else attrs,
                                      relname), [relname])
    elif len(targets) > 1:
        return None, rec_error("INVALID_FIELD", "The relationship %s is polymorphic: give the "
                               "referenced object's type in attributes" % relname, [relname])
    else:
        t = targets[0]
        if canon_object(t) is None:
            return None, rec_error("INVALID_FIELD", "sObject type '%s' is not supported." % t,
                                   [relname])
    keys = [k for k in value if k != "attributes"]
    if len(keys) != 1:
        return None, rec_error("INVALID_FIELD", "A reference to %s through %s takes exactly one "
                               "external ID field" % (t, relname), [relname])
    kf = canon_field(t, keys[0])
    if kf is None:
        return None, rec_error("INVALID_FIELD", "No such column '%s' on sobject of type %s"
                               % (keys[0], t), [relname])
    v = value[keys[0]]
    if kf == "Id":
        rid = norm_id(v)
        found = find_by_id(db, rid)[1] if rid else None
        return (found["Id"], None) if found else (None, rec_error(
            "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", [relname]))
    if not is_external(t, kf):
        return None, rec_error("INVALID_FIELD", "Field name provided, %s is not an External ID "
                               "or indexed field for %s" % (kf, t), [relname])
    if not isinstance(v, str) or v == "":
        return None, rec_error("INVALID_FIELD", "Foreign key external ID: %s not found for field "
                               "%s in entity %s" % (v, kf, t), [relname])
    matches = find_by_ext(db, t, kf, v)
    if not matches:
        return None, rec_error("INVALID_FIELD", "Foreign key external ID: %s not found for field "
                               "%s in entity %s" % (v, kf, t), [relname])
    if len(matches) > 1:
        return None, rec_error("DUPLICATE_EXTERNAL_ID", "Foreign key external ID: %s matches "
                               "more than one record: %s" % (v, [m["Id"] for m in matches]),
                               [relname])
    return matches[0]["Id"], None


def check_reference_id(db, obj, f, value):
    """An error when a reference field set to an Id points at nothing usable."""
    spec = schema_fields(obj)[f]
    rid = norm_id(value)
    if rid is None:
        return rec_error("MALFORMED_ID", "%s: id value of incorrect type: %s" % (f, value), [f])
    t, found = find_by_id(db, rid)
    if t is None or t not in spec.get("references", []):
        return rec_error("FIELD_INTEGRITY_EXCEPTION",
                         "%s: id value of incorrect type: %s" % (f, value), [f])
    if found is None:
        return rec_error("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", [f])
    if t == "User" and not found.get("IsActive"):
        return rec_error("INACTIVE_OWNER_OR_USER", "operation performed with inactive user [%s] "
                         "as owner of %s" % (found["Id"], obj.lower()), [f])
    return None


def validate_values(obj, values):
    errors = []
    specs = schema_fields(obj)
    for f, v in values.items():
        spec = specs.get(f, {})
        if isinstance(v, str) and spec.get("length") and utf16_len(v) > spec["length"]:
            shown = v if len(v) <= 64 else v[:64] + "..."
            errors.append(rec_error("STRING_TOO_LONG", "%s: data value too large: %s (max "
                                    "length=%d)" % (f, shown, spec["length"]), [f]))
        if spec.get("type") == "email" and isinstance(v, str) and v and not re.fullmatch(
                r"[^@\s]+@[^@\s]+\.[^@\s]+", v):
            errors.append(rec_error("INVALID_EMAIL_ADDRESS", "%s: invalid email address: %s"
                                    % (f, v), [f]))
    return errors


def upsert_one(db, obj, ef, d, duplicates):
    """Processes one decoded record against db. Returns the UpsertResult."""
    def fail(errors):
        return {"success": False, "errors": errors}

    if d["unknown"]:
        key = d["unknown"][0]
        return fail([rec_error("INVALID_FIELD", "No such column '%s' on sobject of type %s"
                               % (key, obj), [key])])
    if d["has_id"]:
        return fail([rec_error("INVALID_FIELD", "Id can't be set in an upsert by external ID: "
                               "the record is found by %s" % ef, ["Id"])])
    if d["readonly"]:
        f = d["readonly"][0]
        return fail([rec_error("INVALID_FIELD_FOR_INSERT_UPDATE", "Unable to create/update "
                               "fields: %s. Please check the security settings of this field and "
                               "verify that it is read/write for your profile or permission set."
                               % f, [f])])
    ext = d["fields"].get(ef)
    if ext is None or ext == "":
        return fail([rec_error("MISSING_ARGUMENT", "%s not specified" % ef)])
    if ext_key(obj, ef, ext) in duplicates:
        return fail([rec_error("DUPLICATE_EXTERNAL_ID", "Duplicate external id specified: %s"
                               % ext, [ef])])
    marker = CFG["reject_records_matching"]
    if marker and marker in json.dumps(d["raw"], ensure_ascii=False):
        return fail([rec_error("FIELD_CUSTOM_VALIDATION_EXCEPTION", "Rejected by the stand-in's "
                               "validation rule (reject_records_matching)")])
    values = dict(d["fields"])
    errors = validate_values(obj, values)
    for f, (relname, value) in d["refs"].items():
        if f in values:
            errors.append(rec_error("INVALID_FIELD", "Cannot specify both an external ID "
                                    "reference %s and a salesforce id, %s" % (relname, f), [f]))
            continue
        rid, err = resolve_reference(db, obj, f, relname, value)
        if err:
            errors.append(err)
        else:
            values[f] = rid
    specs = schema_fields(obj)
    for f, v in d["fields"].items():
        if specs.get(f, {}).get("type") == "reference" and v is not None:
            err = check_reference_id(db, obj, f, v)
            if err:
                errors.append(err)
    matches = find_by_ext(db, obj, ef, ext)
    if len(matches) > 1:
        errors.append(rec_error("DUPLICATE_EXTERNAL_ID", "The external ID provided matches more "
                                "than one record: %s" % [m["Id"] for m in matches], [ef]))
    if errors:
        return fail(errors)
    created = not matches
    if created:
        rec = {"Id": next_id(db, obj)}
        for f, spec in specs.items():
            if "default" in spec:
                rec[f] = spec["default"]
        if "OwnerId" in specs and db["objects"]["User"]:
            rec["OwnerId"] = db["objects"]["User"][0]["Id"]
    else:
        rec = dict(matches[0])
    for f, v in values.items():
        rec[f] = v
    missing = [f for f, spec in specs.items()
               if spec.get("required") and rec.get(f) in (None, "")]
    if missing:
        return fail([rec_error("REQUIRED_FIELD_MISSING", "Required fields are missing: [%s]"
                               % ", ".join(missing), missing)])
    stamp_new(rec)
    if created:
        db["objects"][obj].append(rec)
    else:
        matches[0].clear()
        matches[0].update(rec)
    return {"id": rec["Id"], "success": True, "errors": [], "created": created}


def collections_upsert(version, sobject, ext_field, body):
    if version < UPSERT_MIN_VERSION:
        raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
    obj = canon_object(sobject)
    if obj is None:
        raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
    if not STATE["schema"][obj].get("upsertable", True):
        raise ApiError(400, "INVALID_TYPE", "entity type %s does not support upsert" % obj)
    ef = canon_field(obj, ext_field)
    if ef is None:
        raise ApiError(404, "NOT_FOUND", "Provided external ID field does not exist or is not "
                       "accessible: %s" % ext_field)
    if not is_external(obj, ef):
        raise ApiError(400, "INVALID_FIELD", "Field %s is not an External ID or indexed field "
                       "for %s" % (ef, obj))
    try:
        doc = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise ApiError(400, "JSON_PARSER_ERROR", "Unexpected character: %s" % e)
    if not isinstance(doc, dict):
        raise ApiError(400, "JSON_PARSER_ERROR", "Cannot deserialize the request: an object "
                       "with allOrNone and records is expected")
    for key in doc:
        if key not in ("allOrNone", "records"):
            raise ApiError(400, "JSON_PARSER_ERROR", "Unrecognized field \"%s\"" % key)
    all_or_none = doc.get("allOrNone", False)
    records = doc.get("records")
    if not isinstance(all_or_none, bool) or not isinstance(records, list):
        raise ApiError(400, "JSON_PARSER_ERROR", "allOrNone must be a boolean and records a list")
    if len(records) > MAX_RECORDS:
        raise ApiError(400, "EXCEEDED_ID_LIMIT", "record limit reached. cannot submit more than "
                       "200 records into this call")
    marker = CFG["reject_request_matching"]
    if marker and any(marker in json.dumps(r, ensure_ascii=False) for r in records):
        raise ApiError(400, "JSON_PARSER_ERROR", "Cannot deserialize value of the request's "
                       "records (reject_request_matching)")
    decoded = [decode_record(obj, r) for r in records]
    seen, duplicates = set(), set()
    for d in decoded:
        v = d["fields"].get(ef)
        if isinstance(v, str) and v:
            key = ext_key(obj, ef, v)
            (duplicates if key in seen else seen).add(key)
    # Work on a copy: allOrNone throws it away on any failure; without it every failure left
    # the copy untouched, so it is kept.
    work = copy.deepcopy(STATE["db"])
    results = [upsert_one(work, obj, ef, d, duplicates) for d in decoded]
    if all_or_none and not all(r["success"] for r in results):
        rolled = rec_error("ALL_OR_NONE_OPERATION_ROLLED_BACK", "Record rolled back because not "
                           "all records were valid and the request was using AllOrNone header")
        results = [r if not r["success"] else {"success": False, "errors": [rolled]}
                   for r in results]
    else:
        STATE["db"] = work
    return 200, results


# ---- SOQL subset ----------------------------------------------------------------------------

TOKEN_RE = re.compile(r"\s*(?:(?P<str>'(?:[^'\\]|\\.)*')|(?P<num>-?\d+(?:\.\d+)?)(?![\w.])|"
                      r"(?P<op>!=|<>|=|,|\(|\))|(?P<word>[A-Za-z_][A-Za-z0-9_.]*))")


def tokenize(q):
    tokens, pos = [], 0
    while pos < len(q):
        if q[pos:].strip() == "":
            break
        m = TOKEN_RE.match(q, pos)
        if not m or m.end() == pos:
            raise ApiError(400, "MALFORMED_QUERY", "unexpected token: '%s'" % q[pos:].split()[0])
        pos = m.end()
        kind = m.lastgroup
        text = m.group(kind)
        if kind == "str":
            tokens.append(("str", re.sub(r"\\(.)", r"\1", text[1:-1])))
        elif kind == "num":
            tokens.append(("num", float(text) if "." in text else int(text)))
        else:
            tokens.append((kind, text))
    return tokens


def field_error(path, obj):
    return ApiError(400, "INVALID_FIELD", "No such column '%s' on entity '%s'. If you are "
                    "attempting to use a custom field, be sure to append the '__c' after the "
                    "custom field name. Please reference your WSDL or the describe call for the "
                    "appropriate names." % (path, obj))


def resolve_path(obj, path):
    """('Name',) or ('Owner', 'Email') canonical, with the related object; INVALID_FIELD."""
    parts = path.split(".")
    if len(parts) == 1:
        f = canon_field(obj, path)
        if f is None:
            raise field_error(path, obj)
        return (f,), None
    if len(parts) == 2:
        ref = relationship_field(obj, parts[0])
        if ref is not None:
            targets = schema_fields(obj)[ref]["references"]
            target = canon_object(targets[0]) if len(targets) == 1 else None
            if target is not None:
                f = canon_field(target, parts[1])
                if f is None:
                    raise field_error(parts[1], target)
                return (schema_fields(obj)[ref]["relationship"], f), (ref, target)
    raise field_error(path, obj)


def parse_soql(q):
    toks = tokenize(q)
    i = 0

    def peek(word=None):
        if i >= len(toks):
            return None
        kind, text = toks[i]
        if word is None:
            return toks[i]
        return toks[i] if kind == "word" and text.upper() == word else None

    def expect_word():
        nonlocal i
        if i >= len(toks) or toks[i][0] != "word":
            raise ApiError(400, "MALFORMED_QUERY", "unexpected token: %s"
                           % (repr(toks[i][1]) if i < len(toks) else "<EOF>"))
        i += 1
        return toks[i - 1][1]

    if not peek("SELECT"):
        raise ApiError(400, "MALFORMED_QUERY", "unexpected token: %s"
                       % (toks[0][1] if toks else "<EOF>"))
    i += 1
    select = [expect_word()]
    while peek() == ("op", ","):
        i += 1
        select.append(expect_word())
    if not peek("FROM"):
        raise ApiError(400, "MALFORMED_QUERY", "unexpected token: %s"
                       % (toks[i][1] if i < len(toks) else "<EOF>"))
    i += 1
    name = expect_word()
    obj = canon_object(name)
    if obj is None:
        raise ApiError(400, "INVALID_TYPE", "sObject type '%s' is not supported. If you are "
                       "attempting to use a custom object, be sure to append the '__c' after the "
                       "entity name. Please reference your WSDL or the describe call for the "
                       "appropriate names." % name)
    query = {"obj": obj, "select": [resolve_path(obj, p) for p in select], "where": [],
             "order": None, "limit": None}
    if peek("WHERE"):
        i += 1
        while True:
            path = resolve_path(obj, expect_word())
            if peek("IN"):
                # field IN ('a', 'b', ...): a list of literals, at least one.
                i += 1
                if peek() != ("op", "("):
                    raise ApiError(400, "MALFORMED_QUERY", "unexpected token: %s"
                                   % (toks[i][1] if i < len(toks) else "<EOF>"))
                i += 1
                values = []
                while True:
                    if i >= len(toks) or toks[i][0] == "op":
                        raise ApiError(400, "MALFORMED_QUERY", "unexpected token: %s"
                                       % (toks[i][1] if i < len(toks) else "<EOF>"))
                    values.append(literal(obj, path, toks[i][0], toks[i][1]))
                    i += 1
                    if peek() == ("op", ","):
                        i += 1
                        continue
                    if peek() == ("op", ")"):
                        i += 1
                        break
                    raise ApiError(400, "MALFORMED_QUERY", "unexpected token: %s"
                                   % (toks[i][1] if i < len(toks) else "<EOF>"))
                query["where"].append((path, "IN", values))
                if not peek("AND"):
                    break
                i += 1
                continue
            if i >= len(toks) or toks[i][0] != "op" or toks[i][1] in (",", "(", ")"):
                raise ApiError(400, "MALFORMED_QUERY", "unexpected token: %s"
                               % (toks[i][1] if i < len(toks) else "<EOF>"))
            op = toks[i][1]
            i += 1
            if i >= len(toks):
                raise ApiError(400, "MALFORMED_QUERY", "unexpected token: <EOF>")
            kind, text = toks[i]
            i += 1
            value = literal(obj, path, kind, text)
            query["where"].append((path, op, value))
            if not peek("AND"):
                break
            i += 1
    if peek("ORDER"):
        i += 1
        if not peek("BY"):
            raise ApiError(400, "MALFORMED_QUERY", "unexpected token: ORDER")
        i += 1
        path = resolve_path(obj, expect_word())
        desc = False
        if peek("ASC") or peek("DESC"):
            desc = toks[i][1].upper() == "DESC"
            i += 1
        query["order"] = (path, desc)
    if peek("LIMIT"):
        i += 1
        if i >= len(toks) or toks[i][0] != "num" or not isinstance(toks[i][1], int):
            raise ApiError(400, "MALFORMED_QUERY", "unexpected token: LIMIT")
        query["limit"] = toks[i][1]
        i += 1
    if i < len(toks):
        raise ApiError(400, "MALFORMED_QUERY", "unexpected token: %s" % toks[i][1])
    return query


def literal(obj, path, kind, text):
    target = obj if len(path[0]) == 1 else path[1][1]
    f = path[0][-1]
    spec = schema_fields(target).get(f, {"type": "id" if f == "Id" else "datetime"})
    t = spec["type"]
    if kind == "word" and text.lower() == "null":
        return None
    if t == "boolean":
        if kind == "word" and text.lower() in ("true", "false"):
            return text.lower() == "true"
        raise ApiError(400, "INVALID_FIELD", "value of filter criterion for field '%s' must be of "
                       "type boolean and should not be enclosed in quotes" % f)
    if t == "double":
        if kind == "num":
            return text
        raise ApiError(400, "INVALID_FIELD", "value of filter criterion for field '%s' must be of "
                       "type double and should not be enclosed in quotes" % f)
    if kind != "str":
        raise ApiError(400, "INVALID_FIELD", "value of filter criterion for field '%s' must be of "
                       "type string and should be enclosed in quotes" % f)
    return text


def field_value(db, rec, path):
    names, rel = path
    if rel is None:
        return rec.get(names[0])
    rid = rec.get(rel[0])
    target = find_by_id(db, rid)[1] if rid else None
    return target.get(names[1]) if target else None


def matches_where(db, rec, where):
    for path, op, want in where:
        have = field_value(db, rec, path)
        if op == "IN":
            # Text compares without case in SOQL, as with "=".
            low = have.lower() if isinstance(have, str) else have
            if not any((w.lower() if isinstance(w, str) else w) == low for w in want):
                return False
            continue
        if isinstance(have, str) and isinstance(want, str):
            same = have.lower() == want.lower()
        else:
            same = have == want
        if same != (op == "="):
            return False
    return True


def render(db, obj, rec, select, version):
    out = {"attributes": {"type": obj, "url": "/services/data/v%.1f/sobjects/%s/%s"
                          % (version, obj, rec["Id"])}}
    for names, rel in select:
        if rel is None:
            out[names[0]] = rec.get(names[0])
            continue
        rid = rec.get(rel[0])
        target = find_by_id(db, rid)[1] if rid else None
        if target is None:
            out[names[0]] = None
            continue
        sub = out.get(names[0]) or {"attributes": {
            "type": rel[1], "url": "/services/data/v%.1f/sobjects/%s/%s" % (version, rel[1],
                                                                            target["Id"])}}
        sub[names[1]] = target.get(names[1])
        out[names[0]] = sub
    return out


def run_query(version, q):
    query = parse_soql(q)
    db = STATE["db"]
    rows = [r for r in db["objects"][query["obj"]] if matches_where(db, r, query["where"])]
    if query["order"]:
        path, desc = query["order"]
        def sort_key(r):
            v = field_value(db, r, path)
            return (v is None, v.lower() if isinstance(v, str) else (0 if v is None else v))
        rows.sort(key=sort_key, reverse=desc)
    if query["limit"] is not None:
        rows = rows[:query["limit"]]
    rendered = [render(db, query["obj"], r, query["select"], version) for r in rows]
    locator = new_id("01g", secrets.randbelow(62 ** 9))
    STATE["locators"][locator] = rendered
    return query_page(version, locator, 0)


def query_page(version, locator, offset):
    rows = STATE["locators"].get(locator)
    if rows is None or offset < 0 or offset > len(rows):
        raise ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
    size = max(1, int(CFG["page_size"]))
    page = rows[offset:offset + size]
    out = {"totalSize": len(rows), "done": offset + size >= len(rows), "records": page}
    if not out["done"]:
        out["nextRecordsUrl"] = "/services/data/v%.1f/query/%s-%d" % (version, locator,
                                                                      offset + size)
    return 200, out


# ---- the HTTP server ------------------------------------------------------------------------

SERVER_ERRORS = {
    500: ("UNKNOWN_EXCEPTION", "An unexpected error occurred. Please include this ErrorId if "
          "you contact support: 1234567890-12345 (-1234567890)"),
    502: ("BAD_GATEWAY", "Bad Gateway"),
    503: ("SERVER_UNAVAILABLE", "Server unavailable: the service is down for maintenance or "
          "overloaded"),
    504: ("GATEWAY_TIMEOUT", "Gateway Timeout"),
}


def fault_payload(status):
    code, message = SERVER_ERRORS.get(status, ("UNKNOWN_EXCEPTION", "stand-in fault %d" % status))
    return [{"message": message, "errorCode": code}]


def take_fault(path):
    for rule in CFG["fail_next"]:
        if rule.get("count", 1) > 0 and rule.get("path", "") in path:
            rule["count"] = rule.get("count", 1) - 1
            if rule["count"] <= 0:
                CFG["fail_next"].remove(rule)
            return rule
    return None


def api_request(method, url, headers, body, port):
    """Everything under /services/: returns (status, payload, extra headers) or None for a
    connection to close without an answer."""
    path = url.path
    with LOCK:
        if CFG["outage"] == "reset":
            return None
        if CFG["outage"]:
            return 503, fault_payload(503), {}
        rule = take_fault(path)
        if rule:
            extra = {"Retry-After": str(rule["retry_after"])} if "retry_after" in rule else {}
            return rule["status"], rule.get("body", fault_payload(rule["status"])), extra
        if path == "/services/oauth2/token":
            if method != "POST":
                return 405, [{"message": "HTTP Method '%s' not allowed. Allowed are POST" % method,
                              "errorCode": "METHOD_NOT_ALLOWED"}], {}
            form = {k: v[0] for k, v in parse_qs(url.query).items()}
            if "application/x-www-form-urlencoded" in headers.get("Content-Type", ""):
                form.update({k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()})
            status, payload = token_endpoint(form, port)
            return status, payload, {}
        if path.rstrip("/") == "/services/data":
            top = float(CFG["max_api_version"])
            versions, v = [], MIN_API_VERSION
            while v <= top + 1e-9:
                versions.append({"label": "v%.1f" % v, "url": "/services/data/v%.1f" % v,
                                 "version": "%.1f" % v})
                v += 1.0
            return 200, versions, {}
        m = re.fullmatch(r"/services/data/v(\d+\.\d)(/.*)?", path)
        if not m:
            return 404, [{"errorCode": "NOT_FOUND",
                          "message": "The requested resource does not exist"}], {}
        version, rest = float(m.group(1)), m.group(2) or "/"
        auth = headers.get("Authorization", "")
        scheme, _, token = auth.partition(" ")
        if scheme not in ("Bearer", "OAuth") or not token:
            return 401, [{"message": "INVALID_HEADER_TYPE", "errorCode": "INVALID_AUTH_HEADER"}], {}
        if not token_valid(token.strip()):
            return 401, [{"message": "Session expired or invalid",
                          "errorCode": "INVALID_SESSION_ID"}], {}
        limit = int(CFG["request_limit"])
        if STATE["api_usage"] >= limit:
            return 403, [{"message": "TotalRequests Limit exceeded.",
                          "errorCode": "REQUEST_LIMIT_EXCEEDED"}], {}
        STATE["api_usage"] += 1
        extra = {"Sforce-Limit-Info": "api-usage=%d/%d" % (STATE["api_usage"], limit)}
        try:
            status, payload = route(method, version, rest, url.query, headers, body)
        except ApiError as e:
            status, payload = e.status, e.payload
        return status, payload, extra


def route(method, version, rest, query, headers, body):
    if version < MIN_API_VERSION or version > float(CFG["max_api_version"]) + 1e-9:
        raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
    m = re.fullmatch(r"/composite/sobjects/([^/]+)/([^/]+)/?", rest)
    if m:
        if method != "PATCH":
            raise ApiError(405, "METHOD_NOT_ALLOWED",
                           "HTTP Method '%s' not allowed. Allowed are PATCH" % method)
        if "json" not in headers.get("Content-Type", ""):
            raise ApiError(415, "UNSUPPORTED_MEDIA_TYPE", "Content-Type header specified in "
                           "HTTP request is not supported: %s" % headers.get("Content-Type"))
        return collections_upsert(version, m.group(1), m.group(2), body)
    if rest.rstrip("/") == "/query":
        if method != "GET":
            raise ApiError(405, "METHOD_NOT_ALLOWED",
                           "HTTP Method '%s' not allowed. Allowed are GET,HEAD" % method)
        q = parse_qs(query).get("q")
        if not q:
            raise ApiError(400, "MALFORMED_QUERY", "A query string has to be specified")
        return run_query(version, q[0])
    m = re.fullmatch(r"/query/(01g[0-9A-Za-z]{15})-(\d+)", rest)
    if m:
        return query_page(version, m.group(1), int(m.group(2)))
    if rest.rstrip("/") == "/limits" and method == "GET":
        limit = int(CFG["request_limit"])
        return 200, {"DailyApiRequests": {"Max": limit,
                                          "Remaining": max(0, limit - STATE["api_usage"])}}
    raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")


# ---- control API ----------------------------------------------------------------------------

def set_config(options):
    if not isinstance(options, dict):
        raise ValueError("the body must be a JSON object")
    for key in options:
        if key not in CFG and key not in ("revoke_tokens", "api_usage"):
            raise ValueError("unknown option %r" % key)
    if options.get("public_key_pem"):
        load_public_key(options["public_key_pem"])
    if options.get("unknown_field_mode", "record") not in ("record", "request"):
        raise ValueError("unknown_field_mode is 'record' or 'request'")
    for rule in options.get("fail_next", []):
        if not isinstance(rule, dict) or not isinstance(rule.get("status"), int):
            raise ValueError("fail_next takes [{\"status\": N, \"count\": N, ...}]")
    for key, value in options.items():
        if key == "revoke_tokens":
            if value:
                STATE["tokens"].clear()
            continue
        if key == "fields":
            for obj, fields in value.items():
                o = canon_object(obj)
                if o is None:
                    raise ValueError("unknown object %r" % obj)
                for name, spec in fields.items():
                    if spec is not None and (not isinstance(spec, dict) or spec.get("type") not in
                                             TEXT_TYPES + ("boolean", "double", "date",
                                                           "datetime", "reference")):
                        raise ValueError("field %s.%s: a type is needed" % (o, name))
                    if spec is None:
                        schema_fields(o).pop(name, None)
                    else:
                        schema_fields(o)[name] = dict(spec)
                CFG["fields"].setdefault(o, {}).update(fields)
            continue
        if key == "api_usage":
            STATE["api_usage"] = int(value)
            continue
        CFG[key] = copy.deepcopy(value)
        if key == "tokens":
            STATE["tokens"] = {t: v for t, v in STATE["tokens"].items()
                               if v["expires"] is not None}
            for t in value:
                STATE["tokens"][t] = {"expires": None}
        elif key == "users":
            set_users(value)
    return public_config()


def public_config():
    return copy.deepcopy(CFG)


def seed_records(doc):
    obj = canon_object(doc.get("type")) if isinstance(doc, dict) else None
    if obj is None or not isinstance(doc.get("records"), list):
        raise ValueError("takes {\"type\": T, \"records\": [...]}")
    db = STATE["db"]
    ids = []
    for r in doc["records"]:
        rec = {}
        for f, spec in schema_fields(obj).items():
            if "default" in spec:
                rec[f] = spec["default"]
        if "OwnerId" in schema_fields(obj) and db["objects"]["User"]:
            rec["OwnerId"] = db["objects"]["User"][0]["Id"]
        for key, value in r.items():
            f = canon_field(obj, key)
            if f is None:
                raise ValueError("No such column '%s' on sobject of type %s" % (key, obj))
            rec[f] = value
        rec["Id"] = norm_id(rec.get("Id")) or next_id(db, obj)
        stamp_new(rec)
        db["objects"][obj].append(rec)
        ids.append(rec["Id"])
    return {"ids": ids}


def control(method, url, body):
    name = url.path[len("/__standin/"):]
    with LOCK:
        if method == "GET" and name == "state":
            params = parse_qs(url.query)
            since = int(params.get("since", ["0"])[0])
            with_log = params.get("requests", ["1"])[0] != "0"
            return 200, {
                "objects": copy.deepcopy(STATE["db"]["objects"]),
                "requests": [e for e in STATE["log"] if with_log and e["seq"] >= since],
                "api_usage": STATE["api_usage"], "request_limit": CFG["request_limit"],
                "tokens_active": sum(1 for t in STATE["tokens"] if token_valid(t)),
            }
        if method != "POST":
            return 404, {"error": "no such control endpoint"}
        try:
            doc = json.loads(body or b"{}")
            if name == "config":
                return 200, set_config(doc)
            if name == "reset":
                reset()
                return 200, public_config()
            if name == "seed":
                return 200, seed_records(doc)
        except ValueError as e:
            return 400, {"error": str(e)}
        return 404, {"error": "no such control endpoint"}


def parse_body(headers, body):
    if not body:
        return None
    ctype = headers.get("Content-Type", "")
    text = body.decode("utf-8", "replace")
    if "json" in ctype:
        try:
            return json.loads(text)
        except ValueError:
            return text
    if "x-www-form-urlencoded" in ctype:
        return {k: v[0] for k, v in parse_qs(text).items()}
    return text


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "salesforce-standin/1"

    def log_message(self, fmt, *args):
        pass

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def handle_any(self):
        url = urlsplit(self.path)
        body = self.read_body()
        arrived = time.monotonic()
        if url.path.startswith("/__standin/"):
            status, payload = control(self.command, url, body)
            return self.reply(status, payload, {})
        if not url.path.startswith("/services/"):
            return self.reply(404, [{"errorCode": "NOT_FOUND",
                                     "message": "The requested resource does not exist"}], {})
        with LOCK:
            latency = CFG["latency_ms"]
        if latency:
            time.sleep(latency / 1000.0)
        headers = {k: v for k, v in self.headers.items()}
        answer = api_request(self.command, url, self.headers, body, self.server.server_address[1])
        with LOCK:
            STATE["log"].append({
                "seq": len(STATE["log"]), "arrived": arrived, "method": self.command, "path": self.path,
                "headers": headers, "body": parse_body(self.headers, body),
                "status": answer[0] if answer else 0,
                "response": answer[1] if answer else None})
        if answer is None:
            # An abortive close (RST), like a load balancer dropping the connection.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.close_connection = True
            return
        self.reply(*answer)

    def reply(self, status, payload, extra):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in extra.items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = handle_any


def main():
    global ARGS
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--public-key", default=None)
    p.add_argument("--consumer-key", default="vigie-test-consumer-key")
    p.add_argument("--username", default="vigie@example.com")
    p.add_argument("--login-url", default="https://login.salesforce.com")
    p.add_argument("--token", action="append", default=[])
    ARGS = p.parse_args()
    ARGS.public_key_pem = None
    if ARGS.public_key:
        try:
            with open(ARGS.public_key) as f:
                ARGS.public_key_pem = f.read()
            load_public_key(ARGS.public_key_pem)
        except (OSError, ValueError) as e:
            sys.exit("salesforce_standin: --public-key %s: %s" % (ARGS.public_key, e))
    reset()
    server = ThreadingHTTPServer(("127.0.0.1", ARGS.port), Handler)
    server.daemon_threads = True
    print("PORT %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
