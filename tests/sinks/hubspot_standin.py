#!/usr/bin/env python3
"""hubspot_standin — a stand-in HubSpot CRM API on 127.0.0.1 for the sink tests.

Test infrastructure, not shipped. It keeps companies, contacts, notes and tasks in memory and
enforces what HubSpot documents (../shared/REFERENCE.md B.1 and the vendor pages it cites), so
that a client which passes against it has a fair chance against the real service: bearer
tokens and scopes, both path styles (/crm/v3/... and the date-versioned /crm/objects/2026-03/...),
batch limits, property validation, upsert by unique property, association type ids, search
limits and the rolling rate limit with HubSpot's 429 bodies. Where the vendor's documentation
is silent or REFERENCE marks a fact unverified, the choice made here is said in a comment
starting "Choice:".

Usage: hubspot_standin.py [--port 0] [--token T[:scope,scope...]]... [--limit N]
       [--window-ms MS] [--daily-limit N] [--search-limit N] [--retry-after S]
       [--owner ID,EMAIL,FIRST,LAST]... [--latency-ms MS] [--max-body-bytes N]
Prints "PORT <n>" as its first stdout line once it listens, then serves until killed.

A private control API under /__standin/ (no auth, no rate limit, not logged) lets tests look
at and steer the server; the comment above control() below describes it, and
default_config() lists every option with its default."""

import argparse
import bisect
import collections
import copy
import datetime
import fnmatch
import json
import re
import sys
import threading
import time
import traceback
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

# ---- the data model ------------------------------------------------------------------------

# Object type names and their HubSpot object type ids; a path may use either.
OBJECT_TYPES = {"companies": "0-2", "contacts": "0-1", "notes": "0-46", "tasks": "0-27"}
TYPE_BY_ID = {v: k for k, v in OBJECT_TYPES.items()}

# Association type ids (HUBSPOT_DEFINED), keyed by (from, to); HubSpot associations are
# bidirectional, each direction with its own id. 279/280 (contact<->company) come from the
# vendor's associations overview; 202/204 from the notes/tasks guides ([2ND] in REFERENCE).
# Choice: 190 (note->company) and 192 (task->company) are treated as documented although
# REFERENCE marks them [UNVERIFIED]; a client should read them from the labels endpoint.
# 1/2 are the "Primary" contact<->company labels HubSpot also lists for that pair.
ASSOC_TYPES = {
    ("contacts", "companies"): [(279, None), (1, "Primary")],
    ("companies", "contacts"): [(280, None), (2, "Primary")],
    ("notes", "companies"): [(190, None)],
    ("companies", "notes"): [(189, None)],
    ("tasks", "companies"): [(192, None)],
    ("companies", "tasks"): [(191, None)],
    ("notes", "contacts"): [(202, None)],
    ("contacts", "notes"): [(201, None)],
    ("tasks", "contacts"): [(204, None)],
    ("contacts", "tasks"): [(203, None)],
}
ASSOC_INVERSE = {279: 280, 280: 279, 1: 2, 2: 1, 190: 189, 189: 190, 192: 191, 191: 192,
                 202: 201, 201: 202, 204: 203, 203: 204}

# HubSpot documents 65,536 characters as the longest value of a text property (and of
# hs_note_body); the stand-in holds every string property to it.
MAX_STRING = 65536
MAX_UNIQUE_CUSTOM = 10
VERSION_RE = re.compile(r"^\d{4}-(03|09)$")
NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)*\.[A-Za-z]{2,}$")
PROPERTY_TYPES = {"string", "number", "date", "datetime", "enumeration", "bool"}
FIELD_TYPES = {"text", "textarea", "number", "select", "radio", "checkbox", "booleancheckbox",
               "date", "file", "html", "phonenumber", "calculation_equation"}

DEFAULT_GROUPS = {
    "companies": ["companyinformation"],
    "contacts": ["contactinformation"],
    "notes": ["engagement"],
    "tasks": ["engagement"],
}
# Properties an object read returns when the request names none (the search guide lists
# these for companies and contacts).
DEFAULT_READ = {
    "companies": ["createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name"],
    "contacts": ["createdate", "email", "firstname", "hs_object_id", "lastmodifieddate",
                 "lastname"],
    "notes": ["hs_createdate", "hs_lastmodifieddate", "hs_object_id"],
    "tasks": ["hs_createdate", "hs_lastmodifieddate", "hs_object_id"],
}
# The property HubSpot keeps the last-modified time in: not the same name on every object.
LASTMOD = {"companies": "hs_lastmodifieddate", "contacts": "lastmodifieddate",
           "notes": "hs_lastmodifieddate", "tasks": "hs_lastmodifieddate"}
CREATED = {"companies": "createdate", "contacts": "createdate", "notes": "hs_createdate",
           "tasks": "hs_createdate"}
# Properties a create must carry (the notes and tasks guides: hs_timestamp is required).
REQUIRED = {"notes": ["hs_timestamp"], "tasks": ["hs_timestamp"]}

DEFAULT_OWNERS = [
    {"id": "71000001", "email": "alice.martin@example.com", "firstName": "Alice",
     "lastName": "Martin"},
    {"id": "71000002", "email": "bruno.petit@example.com", "firstName": "Bruno",
     "lastName": "Petit"},
]
DEFAULT_TOKEN = "pat-na1-standin"


def _prop(name, label, ptype, field, group, unique=False, options=None, read_only=False):
    return {"name": name, "label": label, "type": ptype, "fieldType": field,
            "groupName": group, "hasUniqueValue": unique, "description": "",
            "options": [{"label": o, "value": o, "hidden": False, "displayOrder": i}
                        for i, o in enumerate(options or [])],
            "hidden": False, "formField": False, "calculated": False,
            "externalOptions": False, "hubspotDefined": True,
            "modificationMetadata": {"archivable": False, "readOnlyDefinition": True,
                                     "readOnlyValue": read_only},
            "createdAt": "2019-01-01T00:00:00.000Z", "updatedAt": "2019-01-01T00:00:00.000Z"}


def builtin_properties():
    owner = lambda g: _prop("hubspot_owner_id", "Owner", "enumeration", "select", g)
    common = lambda g, created: [
        _prop("hs_object_id", "Record ID", "number", "number", g, read_only=True),
        _prop(created, "Create date", "datetime", "date", g, read_only=True),
    ]
    ci, co, en = "companyinformation", "contactinformation", "engagement"
    return {
        "companies": common(ci, "createdate") + [
            _prop("hs_lastmodifieddate", "Last modified date", "datetime", "date", ci,
                  read_only=True),
            _prop("name", "Company name", "string", "text", ci),
            # Choice: domain is not unique by default. HubSpot does not deduplicate companies
            # created through the API by domain, and refuses update/upsert by a property
            # that is not unique ("Unable to perform update/upsert by non-unique 0-2
            # property"). Config companies_domain_unique=true makes it unique for tests
            # that want to upsert by domain anyway.
            _prop("domain", "Company domain name", "string", "text", ci),
            _prop("website", "Website URL", "string", "text", ci),
            # the company's parent company (its record id), as HubSpot's company hierarchy sets it
            _prop("hs_parent_company_id", "Parent Company", "number", "number", ci),
            _prop("industry", "Industry", "string", "text", ci),
            _prop("city", "City", "string", "text", ci),
            _prop("country", "Country/Region", "string", "text", ci),
            _prop("phone", "Phone number", "string", "phonenumber", ci),
            _prop("description", "Description", "string", "textarea", ci),
            _prop("numberofemployees", "Number of employees", "number", "number", ci),
            _prop("annualrevenue", "Annual revenue", "number", "number", ci),
            _prop("lifecyclestage", "Lifecycle stage", "enumeration", "radio", ci,
                  options=["subscriber", "lead", "marketingqualifiedlead",
                           "salesqualifiedlead", "opportunity", "customer", "evangelist",
                           "other"]),
            owner(ci),
        ],
        "contacts": common(co, "createdate") + [
            _prop("lastmodifieddate", "Last modified date", "datetime", "date", co,
                  read_only=True),
            # HubSpot deduplicates contacts by email and documents it as an upsert
            # idProperty; the stand-in lists it as unique.
            _prop("email", "Email", "string", "text", co, unique=True),
            _prop("firstname", "First name", "string", "text", co),
            _prop("lastname", "Last name", "string", "text", co),
            _prop("jobtitle", "Job title", "string", "text", co),
            _prop("company", "Company name", "string", "text", co),
            _prop("phone", "Phone number", "string", "phonenumber", co),
            _prop("hs_linkedin_url", "LinkedIn URL", "string", "text", co),
            owner(co),
        ],
        "notes": common(en, "hs_createdate") + [
            _prop("hs_lastmodifieddate", "Last modified date", "datetime", "date", en,
                  read_only=True),
            _prop("hs_timestamp", "Activity date", "datetime", "date", en),
            _prop("hs_note_body", "Note body", "string", "html", en),
            _prop("hs_attachment_ids", "Attachment IDs", "string", "text", en),
            owner(en),
        ],
        "tasks": common(en, "hs_createdate") + [
            _prop("hs_lastmodifieddate", "Last modified date", "datetime", "date", en,
                  read_only=True),
            _prop("hs_timestamp", "Due date", "datetime", "date", en),
            _prop("hs_task_subject", "Task title", "string", "text", en),
            _prop("hs_task_body", "Task notes", "string", "html", en),
            _prop("hs_task_status", "Task status", "enumeration", "select", en,
                  options=["NOT_STARTED", "IN_PROGRESS", "WAITING", "COMPLETED", "DEFERRED"]),
            _prop("hs_task_priority", "Priority", "enumeration", "select", en,
                  options=["NONE", "LOW", "MEDIUM", "HIGH"]),
            _prop("hs_task_type", "Task type", "enumeration", "select", en,
                  options=["EMAIL", "CALL", "TODO"]),
            owner(en),
        ],
    }


def default_config():
    return {
        "tokens": {DEFAULT_TOKEN: None},   # token -> None (every scope) or a list of scopes
        # Professional/Enterprise private apps: 190 requests per rolling 10 s (REFERENCE B.1).
        "rate_limit": 190, "window_ms": 10000,
        "daily_limit": 0,
        # Search has its own limit: 5 requests per second per account (REFERENCE B.1).
        "search_limit": 5, "search_window_ms": 1000,
        # Choice: HubSpot documents Retry-After on 429 only for workflows, so rate-limit
        # answers carry none unless this is set (seconds).
        "retry_after": None,
        # Choice: the docs do not say whether a refused (429) request counts in the window.
        # By default it does not: the window empties on its own schedule whatever the client
        # does. true makes every attempt count, so a client that retries without waiting
        # stays locked out.
        "count_rejected": False,
        "batch_max": 100, "assoc_batch_max": 2000, "list_max": 100, "search_page_max": 200,
        "search_max_total": 10000,
        # The search guide: at most 5 filterGroups of at most 6 filters, 18 in all. A 2024
        # changelog announced 5/10/25; the stand-in keeps the lower documented figures.
        "search_max_groups": 5, "search_max_filters_per_group": 6, "search_max_filters": 18,
        # IN and NOT_IN: at most 100 values in one filter ([2ND]: a HubSpot data source's
        # constant, HUBSPOT_RATE_LIMIT_FILTER_VALUES = 100; not read on HubSpot's own page).
        "search_max_in_values": 100,
        "max_body_bytes": 16 << 20,
        # Choice: 207 multi-status needs a unique objectWriteTraceId on every input (the
        # error-handling guide: multi-status is enabled that way on batch create); without
        # one a bad input fails the whole batch with a 400 and nothing is written. "always"
        # answers 207 regardless.
        "multi_status": "trace_id",
        "companies_domain_unique": False,
        "owners": copy.deepcopy(DEFAULT_OWNERS),
        # Faults.
        "latency_ms": 0, "outage": 0, "reject_inputs_matching": None, "fail_next": [],
    }


class ApiError(Exception):
    """An error answer in HubSpot's shape: status, message, correlationId, category."""

    def __init__(self, status, category, message, **extra):
        super().__init__(message)
        self.status = status
        self.body = {"status": "error", "message": message, "correlationId": corr(),
                     "category": category}
        self.body.update(extra)
        self.headers = {}


def input_failure(err):
    """The ApiError for a request whose single (or first) input failed err: HubSpot answers
    409 to a uniqueness conflict ("Contact already exists. Existing ID: ..."), 404 to a
    missing object, 400 to the rest."""
    status = {"CONFLICT": 409, "OBJECT_NOT_FOUND": 404}.get(err["category"], 400)
    extra = {}
    if err.get("context"):
        extra["context"] = err["context"]
    if err.get("errors"):
        extra["errors"] = err["errors"]
    return ApiError(status, err["category"], err["message"], **extra)


def corr():
    return str(uuid.uuid4())


_iso_second = (None, "")   # (epoch second, its "YYYY-MM-DDTHH:MM:SS." text), replaced whole


def iso(ts=None):
    global _iso_second
    t = time.time() if ts is None else ts
    sec = int(t // 1)
    cached = _iso_second
    if cached[0] != sec:
        d = datetime.datetime.fromtimestamp(sec, datetime.timezone.utc)
        cached = _iso_second = (sec, d.strftime("%Y-%m-%dT%H:%M:%S."))
    return cached[1] + "%03dZ" % min(999, int((t - sec) * 1000))


def batch_answer(ok_status, results, errors, started):
    """A properties batch's answer: ok_status with the results, or 207 with the errors too."""
    out = {"status": "COMPLETE", "results": results, "startedAt": started, "completedAt": iso()}
    if not errors:
        return ok_status, out
    out["numErrors"] = len(errors)
    out["errors"] = errors
    return 207, out


def to_ms(v):
    """A datetime value (epoch milliseconds or ISO 8601) as epoch ms, or None."""
    s = str(v).strip()
    if re.fullmatch(r"-?\d+", s):
        return int(s)
    try:
        d = datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        return None
    if d.tzinfo is None:
        d = d.replace(tzinfo=datetime.timezone.utc)
    return int(d.timestamp() * 1000)


def invalid_props(items):
    """HubSpot's answer to bad property values: the list is embedded in the message as JSON
    (as the vendor does) and repeated as errors[] for clients that parse structure."""
    msg = "Property values were not valid: " + json.dumps(
        [{"isValid": False, "message": m, "error": code, "name": n} for n, code, m in items],
        separators=(",", ":"))
    errs = [{"message": m, "code": code, "context": {"propertyName": [n]}}
            for n, code, m in items]
    return "VALIDATION_ERROR", msg, errs


# ---- the server state ----------------------------------------------------------------------

class Standin:
    def __init__(self, base_config):
        self.lock = threading.Lock()
        self.base_config = base_config
        self.reset()

    def reset(self):
        self.config = copy.deepcopy(self.base_config)
        self.objects = {t: {} for t in OBJECT_TYPES}   # type -> id -> object
        # type -> property -> stored value -> ids (ints, ascending: the order objects were
        # made, which a scan of self.objects would meet them in); built for a property on its
        # first lookup, then kept up to date, so a lookup by value costs no scan of every object.
        self.indexes = {t: {} for t in OBJECT_TYPES}
        self.properties = builtin_properties()
        self.prop_by = {t: {p["name"]: p for p in ps} for t, ps in self.properties.items()}
        self.groups = copy.deepcopy(DEFAULT_GROUPS)
        self.associations = []
        self.association_keys = set()   # the same, to find one in constant time
        self.requests = []
        self.seq = 0
        self.next_id = 10001
        self.window = collections.deque()
        self.search_window = collections.deque()
        self.daily_used = 0

    # -- properties ------------------------------------------------------------------------

    def prop(self, otype, name):
        return self.prop_by[otype].get(name)

    def add_property(self, otype, p):
        self.properties[otype].append(p)
        self.prop_by[otype][p["name"]] = p

    def unique_props(self, otype):
        names = [p["name"] for p in self.properties[otype] if p["hasUniqueValue"]]
        if otype == "companies" and self.config["companies_domain_unique"]:
            names.append("domain")
        return names

    def check_value(self, otype, name, value):
        """None when value may be written to property name, else (code, message)."""
        p = self.prop(otype, name)
        if p is None:
            return "PROPERTY_DOESNT_EXIST", 'Property "%s" does not exist' % name
        if p["modificationMetadata"]["readOnlyValue"]:
            return ("READ_ONLY_VALUE",
                    '"%s" is a read only property; its value cannot be set.' % name)
        if value is None or value == "":
            return None     # clears the value
        if isinstance(value, (dict, list)):
            return "INVALID_VALUE", "%s is not a valid value for %s" % (json.dumps(value), name)
        s = value if isinstance(value, str) else json.dumps(value)
        t = p["type"]
        # Choice: the error codes other than PROPERTY_DOESNT_EXIST, INVALID_EMAIL,
        # INVALID_OPTION and READ_ONLY_VALUE are the stand-in's own; the limits are HubSpot's.
        if t == "string":
            if len(s) > MAX_STRING:
                return ("INVALID_LENGTH", "Value of %s is %d characters long; the limit is %d"
                        % (name, len(s), MAX_STRING))
            if name == "email" and not EMAIL_RE.match(s):
                return "INVALID_EMAIL", "Email address %s is invalid" % s
        elif t == "number":
            try:
                float(s)
            except ValueError:
                return "INVALID_NUMBER", "%s was not a valid number." % s
        elif t == "bool":
            if s.lower() not in ("true", "false"):
                return "INVALID_BOOLEAN", "%s was not a valid boolean." % s
        elif t in ("datetime", "date"):
            ms = to_ms(s)
            if ms is None:
                return "INVALID_DATE", "%s was not a valid %s." % (s, t)
            if t == "date" and ms % 86400000:
                return "INVALID_DATE", "%s is not midnight UTC, required for a date." % s
        elif t == "enumeration":
            if name == "hubspot_owner_id":
                allowed = [o["id"] for o in self.config["owners"]]
            else:
                allowed = [o["value"] for o in p["options"]]
            vals = s.split(";") if p["fieldType"] == "checkbox" else [s]
            for v in vals:
                if allowed and v not in allowed:
                    return ("INVALID_OPTION", "%s was not one of the allowed options: %s"
                            % (v, ", ".join(allowed)))
        return None

    def normalise(self, otype, name, value):
        if value is None:
            return None
        s = value if isinstance(value, str) else json.dumps(value)
        if name == "email":
            s = s.lower()     # HubSpot stores addresses in lower case
        return s

    # -- objects ---------------------------------------------------------------------------

    def find_by(self, otype, prop, value):
        if value is None:
            return None
        if prop in (None, "hs_object_id"):
            return self.objects[otype].get(str(value))
        value = self.normalise(otype, prop, value)
        ids = self.index(otype, prop).get(value)
        return self.objects[otype][str(ids[0])] if ids else None

    def index(self, otype, prop):
        idx = self.indexes[otype].get(prop)
        if idx is None:
            idx = self.indexes[otype][prop] = {}
            for o in self.objects[otype].values():
                v = o["properties"].get(prop)
                if v is not None:
                    idx.setdefault(v, []).append(int(o["id"]))
        return idx

    def _unindex(self, otype, o, props):
        for prop, idx in self.indexes[otype].items():
            if prop in props and props[prop] is not None:
                ids = idx.get(props[prop])
                if ids:
                    ids.remove(int(o["id"]))
                    if not ids:
                        del idx[props[prop]]

    def _reindex(self, otype, o, props):
        for prop, idx in self.indexes[otype].items():
            if prop in props and o["properties"].get(prop) is not None:
                bisect.insort(idx.setdefault(o["properties"][prop], []), int(o["id"]))

    def remove(self, otype, oid):
        o = self.objects[otype].pop(str(oid), None)
        if o is not None:
            self._unindex(otype, o, o["properties"])
        return o

    def create(self, otype, props, assocs=()):
        oid = str(self.next_id)
        self.next_id += 1
        now = iso()
        o = {"id": oid, "properties": {}, "createdAt": now, "updatedAt": now,
             "archived": False}
        for k, v in props.items():
            v = self.normalise(otype, k, v)
            if v not in (None, ""):
                o["properties"][k] = v
        o["properties"]["hs_object_id"] = oid
        o["properties"][CREATED[otype]] = now
        o["properties"][LASTMOD[otype]] = now
        self.objects[otype][oid] = o
        self._reindex(otype, o, o["properties"])
        for to_type, to_id, type_id, cat in assocs:
            self.associate(otype, oid, to_type, to_id, type_id, cat)
        return o

    def update(self, otype, o, props):
        changed = dict(props, **{LASTMOD[otype]: None})
        self._unindex(otype, o, {k: o["properties"].get(k) for k in changed})
        for k, v in props.items():
            v = self.normalise(otype, k, v)
            if v in (None, ""):
                o["properties"].pop(k, None)
            else:
                o["properties"][k] = v
        now = iso()
        o["updatedAt"] = now
        o["properties"][LASTMOD[otype]] = now
        self._reindex(otype, o, changed)
        return o

    def associate(self, ftype, fid, ttype, tid, type_id, cat):
        rec = {"fromType": ftype, "fromId": str(fid), "toType": ttype, "toId": str(tid),
               "typeId": type_id, "category": cat}
        key = tuple(rec.values())
        if key not in self.association_keys:
            self.association_keys.add(key)
            self.associations.append(rec)

    def associations_of(self, otype, oid, to_type):
        """{to id: [type ids]} seen from otype/oid, whichever side stored the link."""
        out = {}
        for a in self.associations:
            if a["fromType"] == otype and a["fromId"] == oid and a["toType"] == to_type:
                out.setdefault(a["toId"], []).append(a["typeId"])
            elif a["toType"] == otype and a["toId"] == oid and a["fromType"] == to_type:
                out.setdefault(a["fromId"], []).append(ASSOC_INVERSE.get(a["typeId"],
                                                                         a["typeId"]))
        return out

    def check_association(self, ftype, to_type, to_id, types):
        """None when the association may be made, else an error message."""
        allowed = dict(ASSOC_TYPES.get((ftype, to_type), []))
        if not isinstance(types, list) or not types:
            return "association types must be a non-empty list"
        for t in types:
            if not isinstance(t, dict):
                return "association type must be an object"
            tid, cat = t.get("associationTypeId"), t.get("associationCategory")
            if cat not in ("HUBSPOT_DEFINED", "USER_DEFINED", "INTEGRATOR_DEFINED"):
                return "invalid associationCategory %r" % (cat,)
            if cat != "HUBSPOT_DEFINED" or not isinstance(tid, int) or tid not in allowed:
                return ("association type id %r (%s) is not valid between %s and %s"
                        % (tid, cat, OBJECT_TYPES[ftype], OBJECT_TYPES[to_type]))
        if str(to_id) not in self.objects[to_type]:
            return "%s %s to associate with does not exist" % (to_type, to_id)
        return None

    def view(self, otype, o, names=None, extra=None):
        """An object as the API returns it: only the properties asked for."""
        props = o["properties"]
        if names is None:
            names = DEFAULT_READ[otype]
        out = {"id": o["id"], "properties": {n: props.get(n) for n in names},
               "createdAt": o["createdAt"], "updatedAt": o["updatedAt"], "archived": False}
        if extra:
            out.update(extra)
        return out

    def full_view(self, otype, o, extra=None):
        return self.view(otype, o, sorted(o["properties"]), extra)

    def state(self, with_requests=True):
        st = {
            "objects": {t: [copy.deepcopy(o) for o in sorted(objs.values(),
                                                             key=lambda o: int(o["id"]))]
                        for t, objs in self.objects.items()},
            "associations": copy.deepcopy(self.associations),
            "properties": copy.deepcopy(self.properties),
            "groups": copy.deepcopy(self.groups),
            "owners": copy.deepcopy(self.config["owners"]),
            "config": copy.deepcopy(self.config),
            "counters": {"window_used": len(self.window), "daily_used": self.daily_used,
                         "search_window_used": len(self.search_window),
                         "requests": self.seq},
        }
        if with_requests:
            st["requests"] = copy.deepcopy(self.requests)
        return st


# ---- the API -------------------------------------------------------------------------------

def resolve_type(name):
    if name in OBJECT_TYPES:
        return name
    if name in TYPE_BY_ID:
        return TYPE_BY_ID[name]
    raise ApiError(400, "VALIDATION_ERROR", "Unable to infer object type from: %s" % name)


def need_dict(body, what="request body"):
    if not isinstance(body, dict):
        raise ApiError(400, "VALIDATION_ERROR", "Invalid input JSON: %s must be an object" % what)
    return body


def query_list(q, name):
    """properties=a,b and properties=a&properties=b alike."""
    out = []
    for v in q.get(name, []):
        out.extend(x for x in v.split(",") if x)
    return out or None


class Api:
    """Routes one authenticated request; the caller holds S.lock."""

    def __init__(self, S, method, path, query, body, scopes):
        self.S, self.method, self.path, self.q, self.body = S, method, path, query, body
        self.scopes = scopes

    def need_scope(self, scope):
        if self.scopes is None or scope in self.scopes:
            return
        raise ApiError(
            403, "MISSING_SCOPES",
            "This app hasn't been granted all required scopes to make this call. Read more "
            "about required scopes here: https://developers.hubspot.com/scopes.",
            errors=[{"message": "One or more of the following scopes are required.",
                     "context": {"requiredGranularScopes": [scope]}}],
            links={"scopes": "https://developers.hubspot.com/scopes"})

    def object_scope(self, otype, write):
        # Choice: only companies and contacts have their own scopes here; notes and tasks
        # pass with any token.
        if otype in ("companies", "contacts"):
            self.need_scope("crm.objects.%s.%s" % (otype, "write" if write else "read"))

    def not_found(self):
        return ApiError(404, "OBJECT_NOT_FOUND", "No route for %s %s" % (self.method, self.path))

    def route(self):
        p = [x for x in self.path.split("/") if x]
        if p[:1] == ["crm"] and len(p) >= 3:
            kind, ver = p[1], p[2]
            if kind in ("v3", "v4"):
                # /crm/v3/objects/..., /crm/v3/properties/..., /crm/v4/associations/...
                area, rest = ver, p[3:]
                legal = {("v3", "objects"), ("v3", "properties"), ("v3", "owners"),
                         ("v4", "associations"), ("v4", "objects")}
                if (kind, area) not in legal:
                    raise self.not_found()
            else:
                # /crm/objects/2026-03/..., /crm/properties/2026-03/...,
                # /crm/associations/2026-03/..., /crm/owners/2026-03/...: HubSpot ships a
                # version each March and September.
                area, rest = kind, p[3:]
                if not VERSION_RE.match(ver) or area not in (
                        "objects", "properties", "associations", "owners"):
                    raise self.not_found()
            if area == "objects":
                if kind == "v4":
                    if len(rest) >= 4 and rest[2] == "associations":
                        return self.object_associations(rest)
                    raise self.not_found()
                return self.objects(rest)
            if area == "properties":
                return self.properties(rest)
            if area == "associations":
                return self.assoc_api(rest)
            if area == "owners":
                return self.owners(rest)
        if p == ["account-info", "v3", "api-usage", "daily", "private-apps"] and \
                self.method == "GET":
            return self.usage()
        raise self.not_found()

    # -- objects ---------------------------------------------------------------------------

    def objects(self, rest):
        if not rest:
            raise self.not_found()
        otype = resolve_type(rest[0])
        rest = rest[1:]
        m = self.method
        if not rest:
            if m == "GET":
                return self.list_objects(otype)
            if m == "POST":
                return self.create_one(otype)
        elif rest[0] == "batch" and len(rest) == 2 and m == "POST":
            op = rest[1]
            if op in ("create", "update", "upsert"):
                return self.batch_write(otype, op)
            if op == "read":
                return self.batch_read(otype)
            if op == "archive":
                return self.batch_archive(otype)
        elif rest == ["search"] and m == "POST":
            return self.search(otype)
        elif len(rest) == 1:
            if m == "GET":
                return self.get_one(otype, rest[0])
            if m == "PATCH":
                return self.patch_one(otype, rest[0])
            if m == "DELETE":
                return self.delete_one(otype, rest[0])
        elif len(rest) >= 3 and rest[1] == "associations":
            return self.object_associations([otype] + rest)
        raise self.not_found()

    def props_param(self):
        return query_list(self.q, "properties")

    def list_objects(self, otype):
        self.object_scope(otype, False)
        limit = self.int_param("limit", 10)
        if limit < 1 or limit > self.S.config["list_max"]:
            raise ApiError(400, "VALIDATION_ERROR", "limit must be between 1 and %d, got %d"
                           % (self.S.config["list_max"], limit))
        after = self.int_param("after", 0)
        ids = sorted(int(i) for i in self.S.objects[otype] if int(i) >= after)
        page, more = ids[:limit], ids[limit:]
        names = self.props_param()
        out = {"results": [self.S.view(otype, self.S.objects[otype][str(i)], names)
                           for i in page]}
        if more:
            out["paging"] = {"next": {"after": str(more[0]),
                                      "link": "%s?after=%d" % (self.path, more[0])}}
        return 200, out

    def int_param(self, name, default):
        v = self.q.get(name, [None])[-1]
        if v is None or v == "":
            return default
        try:
            return int(v)
        except ValueError:
            raise ApiError(400, "VALIDATION_ERROR", "%s must be an integer, got %r" % (name, v))

    def lookup(self, otype, oid, id_property=None):
        if id_property and id_property != "hs_object_id" and \
                id_property not in self.S.unique_props(otype):
            raise self.non_unique(otype, id_property)
        o = self.S.find_by(otype, id_property, oid)
        if o is None:
            raise ApiError(404, "OBJECT_NOT_FOUND", "Object not found.  objectId are usually "
                           "numeric.", context={"id": [oid]})
        return o

    def non_unique(self, otype, prop):
        return ApiError(400, "VALIDATION_ERROR",
                        "Unable to perform update/upsert by non-unique %s property %s"
                        % (OBJECT_TYPES[otype], prop))

    def get_one(self, otype, oid):
        self.object_scope(otype, False)
        idp = self.q.get("idProperty", [None])[-1]
        o = self.lookup(otype, oid, idp)
        return 200, self.S.view(otype, o, self.props_param())

    def delete_one(self, otype, oid):
        self.object_scope(otype, True)
        o = self.lookup(otype, oid)
        self.S.remove(otype, o["id"])
        return 204, None

    def patch_one(self, otype, oid):
        self.object_scope(otype, True)
        body = need_dict(self.body)
        idp = self.q.get("idProperty", [None])[-1]
        o = self.lookup(otype, oid, idp)
        err, plan = self.check_input(otype, "update", {"id": o["id"],
                                                        "properties": body.get("properties")},
                                     {}, target=o)
        if err:
            raise input_failure(err)
        self.S.update(otype, o, plan["props"])
        return 200, self.S.full_view(otype, o)

    def create_one(self, otype):
        self.object_scope(otype, True)
        body = need_dict(self.body)
        err, plan = self.check_input(otype, "create", body, {})
        if err:
            raise input_failure(err)
        o = self.S.create(otype, plan["props"], plan["assocs"])
        return 201, self.S.full_view(otype, o)

    # -- one batch input -------------------------------------------------------------------

    def check_input(self, otype, op, inp, pending, target=None):
        """Validates one input of a write. Returns (error, None) or (None, plan); pending maps
        (property, value) -> owner key for unique values claimed earlier in the batch."""
        S = self.S
        if not isinstance(inp, dict):
            return self.input_error("VALIDATION_ERROR", "each input must be an object"), None
        marker = S.config["reject_inputs_matching"]
        if marker and marker in json.dumps(inp, ensure_ascii=False):
            return self.input_error("VALIDATION_ERROR", "Input rejected by the stand-in "
                                    "(reject_inputs_matching %r)" % marker), None
        props = inp.get("properties")
        if props is None:
            props = {}
        if not isinstance(props, dict):
            return self.input_error("VALIDATION_ERROR", "properties must be an object"), None
        props = dict(props)
        new = op == "create"
        if op == "upsert":
            idp, idv = inp.get("idProperty"), inp.get("id")
            target = S.find_by(otype, idp, idv)
            new = target is None
            if new:
                props[idp] = idv
        bad = []
        for k, v in props.items():
            e = S.check_value(otype, k, v)
            if e:
                bad.append((k, e[0], e[1]))
        if new:
            for r in REQUIRED.get(otype, []):
                if props.get(r) in (None, ""):
                    bad.append((r, "REQUIRED_PROPERTY", "%s is required" % r))
        if bad:
            return self.input_error(*invalid_props(bad)), None
        assocs = []
        if op == "create":
            raw = inp.get("associations") or []
            if not isinstance(raw, list):
                return self.input_error("VALIDATION_ERROR", "associations must be a list"), None
            for a in raw:
                to = a.get("to") if isinstance(a, dict) else None
                to_id = to.get("id") if isinstance(to, dict) else None
                types = a.get("types") if isinstance(a, dict) else None
                to_type = self.assoc_target_type(otype, to_id, types)
                msg = S.check_association(otype, to_type, to_id, types) if to_type else \
                    "no object %s can be associated with %s by these types" % (to_id, otype)
                if msg:
                    return self.input_error("VALIDATION_ERROR", msg), None
                for t in types:
                    assocs.append((to_type, str(to_id), t["associationTypeId"],
                                   t["associationCategory"]))
        # Unique values: against stored objects and inputs earlier in this batch.
        me = target["id"] if target else ("new", id(inp))
        for u in S.unique_props(otype):
            if props.get(u) in (None, ""):
                continue
            v = S.normalise(otype, u, props[u])
            other = S.find_by(otype, u, v)
            if other is not None and other is not target:
                if otype == "contacts" and u == "email":
                    msg = "Contact already exists. Existing ID: %s" % other["id"]
                else:
                    msg = "%s %s already has %s=%s" % (otype, other["id"], u, v)
                return self.input_error("CONFLICT", msg), None
            if pending.get((u, v), me) != me:
                return self.input_error("CONFLICT", "%s=%s appears twice in this batch"
                                        % (u, v)), None
            pending[(u, v)] = me
        return None, {"op": "create" if new else "update", "target": target, "props": props,
                      "assocs": assocs, "new": new}

    def assoc_target_type(self, ftype, to_id, types):
        """The object type an inline association points at, told by its type id (the
        create payload names no target type)."""
        if not isinstance(types, list) or not types or not isinstance(types[0], dict):
            return None
        tid = types[0].get("associationTypeId")
        for (f, t), lst in ASSOC_TYPES.items():
            if f == ftype and tid in [x[0] for x in lst]:
                return t
        # An id that fits no pair from this type: name a target anyway so the error says so.
        for (f, t) in ASSOC_TYPES:
            if f == ftype and str(to_id) in self.S.objects[t]:
                return t
        return None

    @staticmethod
    def input_error(category, message, errors=None):
        e = {"status": "error", "category": category, "message": message, "context": {}}
        if errors:
            e["errors"] = errors
        return e

    # -- batches ---------------------------------------------------------------------------

    def batch_inputs(self, limit_key="batch_max"):
        body = need_dict(self.body)
        inputs = body.get("inputs")
        if not isinstance(inputs, list):
            raise ApiError(400, "VALIDATION_ERROR", "inputs must be a list")
        limit = self.S.config[limit_key]
        if len(inputs) > limit:
            # Choice: the wording is the stand-in's; the limit of 100 is HubSpot's.
            raise ApiError(400, "VALIDATION_ERROR", "Batch input of %d exceeds the limit of %d "
                           "inputs" % (len(inputs), limit),
                           context={"inputs": [str(len(inputs))]})
        return body, inputs

    def check_duplicate_ids(self, inputs, key="id"):
        seen, dups = set(), []
        for inp in inputs:
            if isinstance(inp, dict) and inp.get(key) is not None:
                v = str(inp.get(key)).lower()
                if v in seen:
                    dups.append(str(inp.get(key)))
                seen.add(v)
        if dups:
            raise ApiError(400, "VALIDATION_ERROR", "Duplicate IDs found in batch input: %s. "
                           "IDs must be unique" % dups)

    def batch_write(self, otype, op):
        """batch/create, batch/update, batch/upsert. Every input is checked before anything is
        written, so a 400 leaves the CRM untouched; in multi-status mode the good inputs are
        written and each bad one gets an entry in errors[] whose context carries the input's
        objectWriteTraceId (as HubSpot documents) and, for update and upsert, its id under
        "ids"."""
        S = self.S
        self.object_scope(otype, True)
        started = iso()
        _, inputs = self.batch_inputs()
        if op != "create":
            self.check_duplicate_ids(inputs)
        for inp in inputs:
            if op == "upsert" and isinstance(inp, dict):
                idp = inp.get("idProperty")
                if not idp or inp.get("id") in (None, ""):
                    raise ApiError(400, "VALIDATION_ERROR",
                                   "upsert inputs need an id and an idProperty")
                if idp not in S.unique_props(otype):
                    raise self.non_unique(otype, idp)
            if op == "update" and isinstance(inp, dict) and inp.get("idProperty"):
                idp = inp["idProperty"]
                # Choice: batch update by email is refused, as a third-party report shows
                # HubSpot doing ("Unable to perform update/upsert by non-unique 0-1
                # property"); upsert by email is documented and accepted.
                if idp not in S.unique_props(otype) or (otype, idp) == ("contacts", "email"):
                    raise self.non_unique(otype, idp)
        multi = S.config["multi_status"] == "always" or all(
            isinstance(i, dict) and i.get("objectWriteTraceId") for i in inputs)
        pending, plans, errors = {}, [], []
        for inp in inputs:
            target = None
            if op == "update":
                target = S.find_by(otype, inp.get("idProperty"), inp.get("id")) \
                    if isinstance(inp, dict) else None
                if target is None:
                    err = self.input_error("OBJECT_NOT_FOUND", "Object not found.  objectId "
                                           "are usually numeric.")
                    errors.append(self.tag_error(err, inp, op))
                    continue
            err, plan = self.check_input(otype, op, inp, pending, target)
            if err:
                errors.append(self.tag_error(err, inp, op))
            else:
                plan["input"] = inp
                plans.append(plan)
        if errors and not multi:
            raise input_failure(errors[0])
        results = []
        for plan in plans:
            inp = plan["input"]
            if plan["op"] == "create":
                o = S.create(otype, plan["props"], plan["assocs"])
            else:
                o = S.update(otype, plan["target"], plan["props"])
            extra = {}
            if op == "upsert":
                extra["new"] = plan["new"]
            if inp.get("objectWriteTraceId"):
                extra["objectWriteTraceId"] = inp["objectWriteTraceId"]
            results.append(S.full_view(otype, o, extra))
        out = {"status": "COMPLETE", "results": results, "startedAt": started,
               "completedAt": iso()}
        if errors:
            out["numErrors"] = len(errors)
            out["errors"] = errors
            return 207, out
        return (201 if op == "create" else 200), out

    @staticmethod
    def tag_error(err, inp, op):
        if isinstance(inp, dict):
            if inp.get("objectWriteTraceId"):
                err["context"]["objectWriteTraceId"] = [str(inp["objectWriteTraceId"])]
            if op != "create" and inp.get("id") is not None:
                err["context"]["ids"] = [str(inp["id"])]
        return err

    def batch_read(self, otype):
        self.object_scope(otype, False)
        started = iso()
        body, inputs = self.batch_inputs()
        idp = body.get("idProperty")
        if idp and idp != "hs_object_id" and idp not in self.S.unique_props(otype):
            raise self.non_unique(otype, idp)
        names = body.get("properties") or None
        results, missing = [], []
        for inp in inputs:
            oid = inp.get("id") if isinstance(inp, dict) else None
            o = self.S.find_by(otype, idp, oid)
            if o is None:
                missing.append(str(oid))
            elif o not in results:
                results.append(o)
        out = {"status": "COMPLETE", "results": [self.S.view(otype, o, names) for o in results],
               "startedAt": started, "completedAt": iso()}
        if missing:
            out["numErrors"] = 1
            out["errors"] = [{"status": "error", "category": "OBJECT_NOT_FOUND",
                              "message": "Could not get some %s objects, they may be deleted "
                              "or not exist. Check that ids are valid." % otype,
                              "context": {"ids": missing}}]
            return 207, out
        return 200, out

    def batch_archive(self, otype):
        self.object_scope(otype, True)
        _, inputs = self.batch_inputs()
        for inp in inputs:
            oid = str(inp.get("id")) if isinstance(inp, dict) else None
            self.S.remove(otype, oid)
        return 204, None

    # -- search ----------------------------------------------------------------------------

    def search(self, otype):
        S, cfg = self.S, self.S.config
        self.object_scope(otype, False)
        body = need_dict(self.body)
        groups = body.get("filterGroups") or []
        if not isinstance(groups, list):
            raise ApiError(400, "VALIDATION_ERROR", "filterGroups must be a list")
        total_filters = 0
        for g in groups:
            fl = g.get("filters") if isinstance(g, dict) else None
            if not isinstance(fl, list):
                raise ApiError(400, "VALIDATION_ERROR", "each filterGroup needs a filters list")
            if len(fl) > cfg["search_max_filters_per_group"]:
                raise ApiError(400, "VALIDATION_ERROR", "Too many filters in a filterGroup: %d "
                               "(at most %d)" % (len(fl), cfg["search_max_filters_per_group"]))
            total_filters += len(fl)
            for f in fl:
                self.check_filter(otype, f)
        if len(groups) > cfg["search_max_groups"]:
            raise ApiError(400, "VALIDATION_ERROR", "Too many filterGroups: %d (at most %d)"
                           % (len(groups), cfg["search_max_groups"]))
        if total_filters > cfg["search_max_filters"]:
            raise ApiError(400, "VALIDATION_ERROR", "Too many filters: %d (at most %d in all)"
                           % (total_filters, cfg["search_max_filters"]))
        sorts = body.get("sorts") or []
        if not isinstance(sorts, list) or len(sorts) > 1:
            raise ApiError(400, "VALIDATION_ERROR", "At most one sort is allowed")
        limit = body.get("limit", 10)
        if not isinstance(limit, int) or limit < 0 or limit > cfg["search_page_max"]:
            raise ApiError(400, "VALIDATION_ERROR", "limit must be between 0 and %d, got %r"
                           % (cfg["search_page_max"], limit))
        after = body.get("after", 0) or 0
        try:
            after = int(after)
        except (TypeError, ValueError):
            raise ApiError(400, "VALIDATION_ERROR", "after must be a number, got %r" % (after,))
        if after + limit > cfg["search_max_total"]:
            raise ApiError(400, "VALIDATION_ERROR", "Search results are limited to %d; after=%d "
                           "limit=%d reaches beyond" % (cfg["search_max_total"], after, limit))
        query = body.get("query")
        hits = []
        for o in S.objects[otype].values():
            if groups and not any(all(self.match(otype, o, f) for f in g["filters"])
                                  for g in groups):
                continue
            if query and not self.match_query(otype, o, str(query)):
                continue
            hits.append(o)
        hits.sort(key=lambda o: int(o["id"]))
        if sorts:
            s = sorts[0]
            name = s if isinstance(s, str) else s.get("propertyName")
            desc = isinstance(s, dict) and s.get("direction") == "DESCENDING"
            if S.prop(otype, name) is None:
                raise ApiError(400, "VALIDATION_ERROR", 'Property "%s" does not exist' % name)
            present = [o for o in hits if o["properties"].get(name) not in (None, "")]
            absent = [o for o in hits if o["properties"].get(name) in (None, "")]
            present.sort(key=lambda o: self.sort_key(otype, name, o), reverse=desc)
            hits = present + absent
        names = body.get("properties") or None
        page = hits[after:after + limit]
        out = {"total": len(hits), "results": [S.view(otype, o, names) for o in page]}
        nxt = after + limit
        if nxt < len(hits) and nxt < cfg["search_max_total"]:
            out["paging"] = {"next": {"after": str(nxt)}}
        return 200, out

    OPERATORS = {"EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN", "IN", "NOT_IN",
                 "HAS_PROPERTY", "NOT_HAS_PROPERTY", "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"}

    def check_filter(self, otype, f):
        if not isinstance(f, dict):
            raise ApiError(400, "VALIDATION_ERROR", "a filter must be an object")
        op, name = f.get("operator"), f.get("propertyName")
        if op not in self.OPERATORS:
            raise ApiError(400, "VALIDATION_ERROR", "Unknown filter operator %r" % (op,))
        if self.S.prop(otype, name) is None:
            raise ApiError(400, "VALIDATION_ERROR", 'Property "%s" does not exist' % name)
        if op in ("IN", "NOT_IN") and not isinstance(f.get("values"), list):
            raise ApiError(400, "VALIDATION_ERROR", "%s needs a values list" % op)
        most = self.S.config["search_max_in_values"]
        if op in ("IN", "NOT_IN") and len(f["values"]) > most:
            raise ApiError(400, "VALIDATION_ERROR", "Too many values in a %s filter: %d (at most %d)"
                           % (op, len(f["values"]), most))
        if op == "BETWEEN" and (f.get("value") is None or f.get("highValue") is None):
            raise ApiError(400, "VALIDATION_ERROR", "BETWEEN needs value and highValue")
        if op not in ("IN", "NOT_IN", "HAS_PROPERTY", "NOT_HAS_PROPERTY") and \
                f.get("value") is None:
            raise ApiError(400, "VALIDATION_ERROR", "%s needs a value" % op)

    def typed(self, otype, name, v):
        """A value in the form it compares in: a number for numbers and times, else a
        lower-cased string (Choice: string comparisons are case-insensitive)."""
        t = self.S.prop(otype, name)["type"]
        s = v if isinstance(v, str) else json.dumps(v)
        if t in ("number",):
            try:
                return float(s)
            except ValueError:
                return None
        if t in ("datetime", "date"):
            return to_ms(s)
        return s.lower()

    def sort_key(self, otype, name, o):
        v = self.typed(otype, name, o["properties"][name])
        return (0, v) if v is not None else (1, 0)

    def match(self, otype, o, f):
        op, name = f["operator"], f["propertyName"]
        raw = o["properties"].get(name)
        has = raw not in (None, "")
        if op == "HAS_PROPERTY":
            return has
        if op == "NOT_HAS_PROPERTY":
            return not has
        if op in ("IN", "NOT_IN"):
            vals = [self.typed(otype, name, x) for x in f["values"]]
            inside = has and self.typed(otype, name, raw) in vals
            return inside if op == "IN" else not inside
        if op in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
            pat = str(f["value"]).lower()
            text = raw.lower() if has else ""
            tokens = [t for t in re.split(r"[^\w@.*-]+", text) if t] + [text]
            found = has and any(fnmatch.fnmatchcase(t, pat) for t in tokens)
            return found if op == "CONTAINS_TOKEN" else not found
        # Choice: NEQ also matches records where the property has no value.
        if op == "NEQ":
            return not has or self.typed(otype, name, raw) != self.typed(otype, name, f["value"])
        if not has:
            return False
        a, b = self.typed(otype, name, raw), self.typed(otype, name, f["value"])
        if a is None or b is None:
            return False
        if op == "EQ":
            return a == b
        try:
            if op == "GT":
                return a > b
            if op == "GTE":
                return a >= b
            if op == "LT":
                return a < b
            if op == "LTE":
                return a <= b
            if op == "BETWEEN":
                hi = self.typed(otype, name, f["highValue"])
                return hi is not None and b <= a <= hi
        except TypeError:
            return False
        return False

    def match_query(self, otype, o, query):
        q = query.lower()
        return any(q in str(o["properties"].get(n) or "").lower() for n in DEFAULT_READ[otype])

    # -- properties ------------------------------------------------------------------------

    def properties(self, rest):
        if not rest:
            raise self.not_found()
        otype = resolve_type(rest[0])
        rest = rest[1:]
        S = self.S
        schema_scope = otype in ("companies", "contacts")
        if rest[:1] == ["groups"]:
            if self.method == "GET" and len(rest) == 1:
                return 200, {"results": [{"name": g, "label": g, "displayOrder": i,
                                          "archived": False}
                                         for i, g in enumerate(S.groups[otype])]}
            if self.method == "POST" and len(rest) == 1:
                if schema_scope:
                    self.need_scope("crm.schemas.%s.write" % otype)
                body = need_dict(self.body)
                name = body.get("name")
                if not isinstance(name, str) or not NAME_RE.match(name) or not body.get("label"):
                    raise ApiError(400, "VALIDATION_ERROR", "a property group needs a name "
                                   "(lower case, digits, underscores) and a label")
                if name in S.groups[otype]:
                    raise ApiError(409, "OBJECT_ALREADY_EXISTS",
                                   "A property group named %s already exists" % name)
                S.groups[otype].append(name)
                return 201, {"name": name, "label": body["label"],
                             "displayOrder": body.get("displayOrder", -1), "archived": False}
            raise self.not_found()
        if rest[:1] == ["batch"] and len(rest) == 2 and self.method == "POST":
            if rest[1] == "read":
                if schema_scope:
                    self.need_scope("crm.schemas.%s.read" % otype)
                return self.batch_read_properties(otype)
            if rest[1] == "create":
                if schema_scope:
                    self.need_scope("crm.schemas.%s.write" % otype)
                return self.batch_create_properties(otype)
            raise self.not_found()
        if not rest:
            if self.method == "GET":
                if schema_scope:
                    self.need_scope("crm.schemas.%s.read" % otype)
                return 200, {"results": copy.deepcopy(S.properties[otype])}
            if self.method == "POST":
                if schema_scope:
                    self.need_scope("crm.schemas.%s.write" % otype)
                return self.create_property(otype)
        elif len(rest) == 1 and self.method == "GET":
            if schema_scope:
                self.need_scope("crm.schemas.%s.read" % otype)
            p = S.prop(otype, rest[0])
            if p is None:
                raise ApiError(404, "OBJECT_NOT_FOUND", "Unable to find property %s on %s"
                               % (rest[0], otype))
            return 200, copy.deepcopy(p)
        raise self.not_found()

    def batch_read_properties(self, otype):
        """POST .../properties/{objectType}/batch/read {"archived": bool, "inputs": [{"name"}]}:
        the properties named, 200; the vendor's reference also lists a 207 answer (results and
        errors). Choice: a name that does not exist is one error in errors[] (category
        OBJECT_NOT_FOUND, the name in its context), the others are in results, and the answer
        is 207; a name twice is answered once. archived true reads archived properties: the
        stand-in archives none, so it finds none."""
        started = iso()
        body, inputs = self.batch_inputs()
        archived = body.get("archived", False)
        if not isinstance(archived, bool):
            raise ApiError(400, "VALIDATION_ERROR", "archived must be a boolean")
        results, errors, seen = [], [], set()
        for inp in inputs:
            name = inp.get("name") if isinstance(inp, dict) else None
            if not isinstance(name, str) or not name:
                raise ApiError(400, "VALIDATION_ERROR", "each input needs a name")
            if name in seen:
                continue
            seen.add(name)
            p = None if archived else self.S.prop(otype, name)
            if p is None:
                errors.append({"status": "error", "category": "OBJECT_NOT_FOUND",
                               "message": "Unable to find property %s on %s" % (name, otype),
                               "context": {"propertyName": [name]}})
            else:
                results.append(copy.deepcopy(p))
        return batch_answer(200, results, errors, started)

    def batch_create_properties(self, otype):
        """POST .../properties/{objectType}/batch/create {"inputs": [property]}: "using the
        same rules as when creating an individual property" (the vendor's reference), 201, or
        207 with errors. Choice: each input is checked as a single create would be; the good
        ones are made, each bad one is an error in errors[] carrying the single create's
        category and message and the property's name in its context (207), even when none
        was made."""
        started = iso()
        _, inputs = self.batch_inputs()
        results, errors = [], []
        for inp in inputs:
            try:
                results.append(self.new_property(otype, inp))
            except ApiError as e:
                name = inp.get("name") if isinstance(inp, dict) else None
                errors.append({"status": "error", "category": e.body["category"], "message": e.body["message"],
                               "context": {"propertyName": [str(name)]}})
        return batch_answer(201, results, errors, started)

    def create_property(self, otype):
        return 201, self.new_property(otype, self.body)

    def new_property(self, otype, body):
        S = self.S
        body = need_dict(body, "a property")
        missing = [k for k in ("name", "label", "type", "fieldType", "groupName")
                   if not body.get(k)]
        if missing:
            raise ApiError(400, "VALIDATION_ERROR", "Missing required fields: %s"
                           % ", ".join(missing))
        name = body["name"]
        if not isinstance(name, str) or not NAME_RE.match(name) or name.startswith("hs_"):
            raise ApiError(400, "VALIDATION_ERROR", "Property name %r must start with a lower "
                           "case letter, hold only lower case letters, digits and "
                           "underscores, and not start with hs_" % (name,))
        if body["type"] not in PROPERTY_TYPES:
            raise ApiError(400, "VALIDATION_ERROR", "Invalid property type %r" % body["type"])
        if body["fieldType"] not in FIELD_TYPES:
            raise ApiError(400, "VALIDATION_ERROR", "Invalid fieldType %r" % body["fieldType"])
        if body["groupName"] not in S.groups[otype]:
            raise ApiError(400, "VALIDATION_ERROR", "Property group %s does not exist on %s"
                           % (body["groupName"], otype))
        if S.prop(otype, name) is not None:
            # Choice: the category and wording are the stand-in's; the 409 is HubSpot's.
            raise ApiError(409, "OBJECT_ALREADY_EXISTS", "A property named %s already exists "
                           "on %s" % (name, otype))
        unique = bool(body.get("hasUniqueValue"))
        if unique:
            n = sum(1 for p in S.properties[otype] if p["hasUniqueValue"] and
                    not p["hubspotDefined"])
            if n >= MAX_UNIQUE_CUSTOM:
                raise ApiError(400, "VALIDATION_ERROR", "At most %d unique custom properties "
                               "per object type (%s has %d)" % (MAX_UNIQUE_CUSTOM, otype, n))
        options = body.get("options") or []
        if not isinstance(options, list) or not all(
                isinstance(o, dict) and "value" in o for o in options):
            raise ApiError(400, "VALIDATION_ERROR", "options must be a list of {label, value}")
        now = iso()
        p = {"name": name, "label": body["label"], "type": body["type"],
             "fieldType": body["fieldType"], "groupName": body["groupName"],
             "hasUniqueValue": unique, "description": body.get("description", ""),
             "options": [{"label": o.get("label", o["value"]), "value": str(o["value"]),
                          "hidden": False, "displayOrder": o.get("displayOrder", i)}
                         for i, o in enumerate(options)],
             "hidden": bool(body.get("hidden")), "formField": bool(body.get("formField")),
             "calculated": False, "externalOptions": False, "hubspotDefined": False,
             "modificationMetadata": {"archivable": True, "readOnlyDefinition": False,
                                      "readOnlyValue": False},
             "createdAt": now, "updatedAt": now}
        S.add_property(otype, p)
        return copy.deepcopy(p)

    # -- associations ----------------------------------------------------------------------

    def assoc_api(self, rest):
        """/crm/v4/associations/{from}/{to}/labels and .../batch/create."""
        if len(rest) < 3:
            raise self.not_found()
        ftype, ttype = resolve_type(rest[0]), resolve_type(rest[1])
        tail = rest[2:]
        if tail == ["labels"] and self.method == "GET":
            return 200, {"results": [{"category": "HUBSPOT_DEFINED", "typeId": tid,
                                      "label": label}
                                     for tid, label in ASSOC_TYPES.get((ftype, ttype), [])]}
        if tail == ["batch", "create"] and self.method == "POST":
            return self.assoc_batch_create(ftype, ttype)
        raise self.not_found()

    def assoc_batch_create(self, ftype, ttype):
        S = self.S
        started = iso()
        _, inputs = self.batch_inputs("assoc_batch_max")
        todo, errors = [], []
        for inp in inputs:
            if not isinstance(inp, dict):
                raise ApiError(400, "VALIDATION_ERROR", "each input must be an object")
            fid = (inp.get("from") or {}).get("id")
            tid = (inp.get("to") or {}).get("id")
            types = inp.get("types")
            # A wrong type id is a mistake in the request: the whole batch is refused.
            allowed = [x[0] for x in ASSOC_TYPES.get((ftype, ttype), [])]
            if not isinstance(types, list) or not types or any(
                    not isinstance(t, dict) or t.get("associationCategory") != "HUBSPOT_DEFINED"
                    or t.get("associationTypeId") not in allowed for t in types):
                raise ApiError(400, "VALIDATION_ERROR", "association types %s are not valid "
                               "between %s and %s" % (json.dumps(types), OBJECT_TYPES[ftype],
                                                      OBJECT_TYPES[ttype]))
            if str(fid) not in S.objects[ftype] or str(tid) not in S.objects[ttype]:
                errors.append({"status": "error", "category": "OBJECT_NOT_FOUND",
                               "message": "%s %s or %s %s does not exist"
                               % (ftype, fid, ttype, tid),
                               "context": {"fromId": [str(fid)], "toId": [str(tid)]}})
                continue
            todo.append((str(fid), str(tid), types))
        results = []
        for fid, tid, types in todo:
            for t in types:
                S.associate(ftype, fid, ttype, tid, t["associationTypeId"],
                            t["associationCategory"])
            results.append({"fromObjectTypeId": OBJECT_TYPES[ftype], "fromObjectId": int(fid),
                            "toObjectTypeId": OBJECT_TYPES[ttype], "toObjectId": int(tid),
                            "labels": []})
        out = {"status": "COMPLETE", "results": results, "startedAt": started,
               "completedAt": iso()}
        if errors:
            out["numErrors"] = len(errors)
            out["errors"] = errors
            return 207, out
        # Choice: 201 as the v4 reference shows; HubSpot's v3 association batch began
        # answering 200 in August 2025, so a client should take any 2xx.
        return 201, out

    def object_associations(self, rest):
        """GET /crm/v4/objects/{type}/{id}/associations/{to};
        PUT /crm/v4/objects/{type}/{id}/associations/{to}/{toId} with a list of types."""
        otype = resolve_type(rest[0])
        oid, to_type = rest[1], resolve_type(rest[3])
        S = self.S
        o = self.lookup(otype, oid)
        labels = dict(ASSOC_TYPES.get((otype, to_type), []))
        if len(rest) == 4 and self.method == "GET":
            links = S.associations_of(otype, o["id"], to_type)
            return 200, {"results": [
                {"toObjectId": int(tid), "associationTypes": [
                    {"category": "HUBSPOT_DEFINED", "typeId": t, "label": labels.get(t)}
                    for t in types]} for tid, types in sorted(links.items())]}
        if len(rest) == 5 and self.method == "PUT":
            types = self.body
            msg = S.check_association(otype, to_type, rest[4], types)
            if msg:
                raise ApiError(400, "VALIDATION_ERROR", msg)
            for t in types:
                S.associate(otype, o["id"], to_type, rest[4], t["associationTypeId"],
                            t["associationCategory"])
            return 200, {"fromObjectTypeId": OBJECT_TYPES[otype], "fromObjectId": int(o["id"]),
                         "toObjectTypeId": OBJECT_TYPES[to_type], "toObjectId": int(rest[4]),
                         "labels": [labels.get(t["associationTypeId"]) for t in types
                                    if labels.get(t["associationTypeId"])]}
        raise self.not_found()

    # -- owners and usage ------------------------------------------------------------------

    def owners(self, rest):
        self.need_scope("crm.objects.owners.read")
        now = "2020-01-01T00:00:00.000Z"
        full = lambda o: {"id": o["id"], "email": o["email"], "firstName": o["firstName"],
                          "lastName": o["lastName"], "userId": int(o["id"]) % 1000000,
                          "createdAt": now, "updatedAt": now, "archived": False, "teams": []}
        owners = self.S.config["owners"]
        if self.method != "GET":
            raise self.not_found()
        if len(rest) == 1:
            for o in owners:
                if o["id"] == rest[0]:
                    return 200, full(o)
            raise ApiError(404, "OBJECT_NOT_FOUND", "No owner %s" % rest[0])
        if rest:
            raise self.not_found()
        email = self.q.get("email", [None])[-1]
        sel = [o for o in owners if email is None or o["email"].lower() == email.lower()]
        limit = self.int_param("limit", 100)
        after = self.int_param("after", 0)
        out = {"results": [full(o) for o in sel[after:after + limit]]}
        if after + limit < len(sel):
            out["paging"] = {"next": {"after": str(after + limit)}}
        return 200, out

    def usage(self):
        cfg = self.S.config
        midnight = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)
                    ).replace(hour=0, minute=0, second=0, microsecond=0)
        return 200, {"results": [{"name": "private-apps-api-calls-daily",
                                  "usageLimit": cfg["daily_limit"] or 1000000,
                                  "currentUsage": self.S.daily_used, "collectedAt": iso(),
                                  "fetchStatus": "SUCCESS",
                                  "resetsAt": iso(midnight.timestamp())}]}


# ---- rate limits ---------------------------------------------------------------------------

def rate_limited(S, is_search):
    """Counts one authenticated request against the account's limits. Returns (error or None,
    headers). Choice: requests refused with 401 never reach an account and are not counted;
    every other answer (400s, faults after auth) is a request the account made."""
    cfg = S.config
    now = time.monotonic()
    headers = {}
    err = None
    if cfg["daily_limit"]:
        if S.daily_used >= cfg["daily_limit"]:
            err = ApiError(429, "RATE_LIMITS", "You have reached your daily limit.",
                           errorType="RATE_LIMIT", policyName="DAILY")
    limit, win = cfg["rate_limit"], cfg["window_ms"] / 1000.0
    if limit and win > 0:
        while S.window and S.window[0] <= now - win:
            S.window.popleft()
        if err is None and len(S.window) >= limit:
            err = ApiError(429, "RATE_LIMITS", "You have reached your ten_secondly_rolling limit.",
                           errorType="RATE_LIMIT", policyName="TEN_SECONDLY_ROLLING")
    slimit, swin = cfg["search_limit"], cfg["search_window_ms"] / 1000.0
    if is_search and slimit and swin > 0:
        while S.search_window and S.search_window[0] <= now - swin:
            S.search_window.popleft()
        if err is None and len(S.search_window) >= slimit:
            err = ApiError(429, "RATE_LIMITS", "You have reached your secondly limit.",
                           errorType="RATE_LIMIT", policyName="SECONDLY")
    if err is None or cfg["count_rejected"]:
        S.daily_used += 1
        if limit and win > 0:
            S.window.append(now)
        if is_search and slimit and swin > 0:
            S.search_window.append(now)
    # The rate-limit headers; REFERENCE B.1: not on search answers.
    if limit and win > 0 and not is_search:
        headers["X-HubSpot-RateLimit-Max"] = str(limit)
        headers["X-HubSpot-RateLimit-Remaining"] = str(max(0, limit - len(S.window)))
        headers["X-HubSpot-RateLimit-Interval-Milliseconds"] = str(cfg["window_ms"])
    if cfg["daily_limit"]:
        headers["X-HubSpot-RateLimit-Daily"] = str(cfg["daily_limit"])
        headers["X-HubSpot-RateLimit-Daily-Remaining"] = str(
            max(0, cfg["daily_limit"] - S.daily_used))
    if err is not None and cfg["retry_after"] is not None:
        headers["Retry-After"] = str(cfg["retry_after"])
    return err, headers


# ---- the control API -----------------------------------------------------------------------
#
#   GET  /__standin/state              everything as JSON: objects {type: [object]},
#                                      associations, properties {type: [property]}, groups,
#                                      owners, config, counters, requests (the log);
#                                      ?requests=0 leaves the log out
#   GET  /__standin/requests?since=N   {"requests": [entries with seq >= N], "next": seq}
#   POST /__standin/config {...}       merges keys into the config and answers {"config": ...};
#                                      "tokens" {T: null | [scopes]} adds or changes tokens,
#                                      "revoke_tokens" [T] removes them, "fail_next" [{...}]
#                                      appends faults, "clear_faults" true empties them
#   POST /__standin/reset              back to the state at start (CLI config, no data, no log)
#   POST /__standin/seed {"type": T, "objects": [{"properties": {...}}]}
#                                      creates objects without limits or log; {"ids": [...]}
#
# A request log entry: {"seq", "time" (epoch s), "method", "path" (with query), "query",
# "headers" (lower-case names), "token", "body" (parsed JSON, else text, else null),
# "status" (0 = connection dropped), "response" (the JSON answered), "fault" (null or what
# injected the answer)}.

CONFIG_KEYS = set(default_config()) - {"tokens", "fail_next"}


def control(S, method, path, query, body):
    if method == "GET" and path == "/__standin/state":
        return 200, S.state(query.get("requests", ["1"])[-1] != "0")
    if method == "GET" and path == "/__standin/requests":
        since = int(query.get("since", ["0"])[-1])
        return 200, {"requests": copy.deepcopy([r for r in S.requests if r["seq"] >= since]),
                     "next": S.seq}
    if method == "POST" and path == "/__standin/reset":
        S.reset()
        return 200, {"ok": True}
    if method == "POST" and path == "/__standin/config":
        if not isinstance(body, dict):
            return 400, {"error": "config body must be a JSON object"}
        unknown = set(body) - CONFIG_KEYS - {"tokens", "revoke_tokens", "fail_next",
                                             "clear_faults"}
        if unknown:
            return 400, {"error": "unknown config keys: %s" % sorted(unknown)}
        for k in CONFIG_KEYS & set(body):
            S.config[k] = body[k]
        for t, scopes in (body.get("tokens") or {}).items():
            S.config["tokens"][t] = scopes
        for t in body.get("revoke_tokens") or []:
            S.config["tokens"].pop(t, None)
        if body.get("clear_faults"):
            S.config["fail_next"] = []
        for f in body.get("fail_next") or []:
            f = dict(f)
            f.setdefault("count", 1)
            S.config["fail_next"].append(f)
        return 200, {"config": copy.deepcopy(S.config)}
    if method == "POST" and path == "/__standin/seed":
        otype = body.get("type") if isinstance(body, dict) else None
        if otype not in OBJECT_TYPES:
            return 400, {"error": "seed needs a type among %s" % sorted(OBJECT_TYPES)}
        ids = []
        for o in body.get("objects") or []:
            props = o.get("properties") or {}
            for k, v in props.items():
                e = S.check_value(otype, k, v)
                if e:
                    return 400, {"error": "%s: %s" % (k, e[1]), "created": ids}
            ids.append(S.create(otype, props)["id"])
        return 200, {"ids": ids}
    return 404, {"error": "no control route %s %s" % (method, path)}


# ---- HTTP ----------------------------------------------------------------------------------

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "hubspot-standin/1"
    # An answer leaves in two writes (headers, then body): with Nagle's algorithm the body
    # waits for the client's delayed ACK of the headers, up to 40 ms a request on a kept-alive
    # connection, which made the stand-in a latency model nobody chose.
    disable_nagle_algorithm = True
    S = None

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_PATCH(self):
        self.handle_any("PATCH")

    def do_PUT(self):
        self.handle_any("PUT")

    def do_DELETE(self):
        self.handle_any("DELETE")

    def read_body(self, limit):
        """The request body, or None when it is larger than limit."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            parts, size = [], 0
            while True:
                line = self.rfile.readline(1024)
                n = int(line.split(b";")[0].strip() or b"0", 16)
                if n == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                size += n
                if size > limit:
                    return None
                parts.append(self.rfile.read(n))
                self.rfile.readline(1024)
            return b"".join(parts)
        n = int(self.headers.get("Content-Length") or 0)
        if n > limit:
            return None
        return self.rfile.read(n) if n else b""

    def send_json(self, status, body, headers=None):
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", "application/json;charset=utf-8")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if data:
            self.wfile.write(data)

    def handle_any(self, method):
        S = self.S
        url = urlsplit(self.path)
        query = parse_qs(url.query, keep_blank_values=True)
        with S.lock:
            limit = S.config["max_body_bytes"]
        raw = self.read_body(limit)
        if url.path.startswith("/__standin/"):
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                return self.send_json(400, {"error": "control body is not JSON"})
            with S.lock:
                status, out = control(S, method, url.path, query, body)
            return self.send_json(status, out)

        entry = {"method": method, "path": self.path, "query": query,
                 "headers": {k.lower(): v for k, v in self.headers.items()},
                 "token": None, "body": None, "status": None, "response": None, "fault": None}
        if raw:
            try:
                entry["body"] = json.loads(raw)
            except ValueError:
                entry["body"] = raw.decode("utf-8", "replace")

        with S.lock:
            latency = S.config["latency_ms"]
        if latency:
            time.sleep(latency / 1000.0)

        status, out, headers, fault, after_apply = None, None, {}, None, False
        with S.lock:
            if raw is None:
                # Choice: the size limit and 413 are the stand-in's; HubSpot documents none.
                self.close_connection = True
                status, out = 413, ApiError(413, "VALIDATION_ERROR",
                                            "Request body larger than %d bytes" % limit).body
            else:
                status, out, headers, fault, after_apply = self.process(
                    method, url.path, query, raw, entry)
            entry["status"] = status
            entry["response"] = out
            entry["fault"] = fault
            entry["time"] = time.time()
            entry["seq"] = S.seq
            S.seq += 1
            S.requests.append(entry)
        if status == 0:
            # A dropped connection: nothing is answered (after the work, with after_apply).
            self.close_connection = True
            return
        self.send_json(status, out, headers)

    def process(self, method, path, query, raw, entry):
        """One API request under S.lock: faults, auth, limits, then the route. Returns
        (status, body, headers, fault description, after_apply)."""
        S, cfg = self.S, self.S.config
        # Faults come first: an outage answers before anything is checked.
        if cfg["outage"]:
            st = 503 if cfg["outage"] is True else int(cfg["outage"])
            return st, ApiError(st, "INTERNAL_ERROR", "Service unavailable (stand-in outage)"
                                ).body, {}, "outage", False
        fault = None
        for f in cfg["fail_next"]:
            if f.get("match") and f["match"] not in path:
                continue
            fault = dict(f)
            f["count"] -= 1
            if f["count"] <= 0:
                cfg["fail_next"].remove(f)
            break
        if fault is not None and not fault.get("after_apply"):
            return self.fault_answer(fault) + (False,)

        auth = self.headers.get("Authorization") or ""
        token = auth[7:].strip() if auth.startswith("Bearer ") else None
        entry["token"] = token
        if token is None or token not in cfg["tokens"]:
            return 401, ApiError(
                401, "INVALID_AUTHENTICATION",
                "Authentication credentials not found. This API supports OAuth 2.0 "
                "authentication and you can find more details at "
                "https://developers.hubspot.com/docs/methods/auth/oauth-overview").body, \
                {}, None, False

        is_search = method == "POST" and path.rstrip("/").endswith("/search")
        err, headers = rate_limited(S, is_search)
        if err is not None:
            return 429, err.body, headers, None, False

        body = None
        if method in ("POST", "PATCH", "PUT"):
            try:
                if not raw.strip():
                    raise json.JSONDecodeError("No content to map due to end-of-input", "", 0)
                body = json.loads(raw)
            except json.JSONDecodeError as e:
                return 400, ApiError(400, "VALIDATION_ERROR", "Invalid input JSON on line %d, "
                                     "column %d: %s" % (e.lineno, e.colno, e.msg)).body, \
                    headers, None, False
            except UnicodeDecodeError:
                return 400, ApiError(400, "VALIDATION_ERROR", "Invalid input JSON: not UTF-8"
                                     ).body, headers, None, False
        api = Api(S, method, path, query, body, cfg["tokens"][token])
        try:
            status, out = api.route()
        except ApiError as e:
            status, out = e.status, e.body
            headers.update(e.headers)
        except Exception as e:  # a bug in the stand-in: say so loudly, keep serving
            traceback.print_exc()
            status, out = 500, ApiError(500, "INTERNAL_ERROR", "stand-in bug: %r" % e).body
        if fault is not None:
            # after_apply: the work is done and kept, but the client is told it failed.
            st, b, h, desc = self.fault_answer(fault)
            return st, b, h, desc, True
        return status, out, headers, None, False

    @staticmethod
    def fault_answer(f):
        st = int(f.get("status", 500))
        desc = "fail_next" + (" after_apply" if f.get("after_apply") else "")
        h = {}
        if f.get("retry_after") is not None:
            h["Retry-After"] = str(f["retry_after"])
        if st == 0:
            return 0, None, h, desc
        if st == 429:
            body = ApiError(429, "RATE_LIMITS", "You have reached your ten_secondly_rolling "
                            "limit.", errorType="RATE_LIMIT",
                            policyName=f.get("policy", "TEN_SECONDLY_ROLLING")).body
        else:
            body = ApiError(st, "INTERNAL_ERROR", "Injected failure %d (stand-in)" % st).body
        if "body" in f:
            body = f["body"]
        return st, body, h, desc


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--token", action="append", default=[],
                    help="an accepted token, optionally with its scopes: T:scope,scope")
    ap.add_argument("--limit", type=int, default=None, help="requests per window, 0 = off")
    ap.add_argument("--window-ms", type=int, default=None)
    ap.add_argument("--daily-limit", type=int, default=None)
    ap.add_argument("--search-limit", type=int, default=None)
    ap.add_argument("--retry-after", type=int, default=None)
    ap.add_argument("--owner", action="append", default=[], help="ID,EMAIL,FIRST,LAST")
    ap.add_argument("--latency-ms", type=int, default=None)
    ap.add_argument("--max-body-bytes", type=int, default=None)
    a = ap.parse_args(argv)
    cfg = default_config()
    if a.token:
        cfg["tokens"] = {}
        for t in a.token:
            tok, sep, scopes = t.partition(":")
            cfg["tokens"][tok] = [s for s in scopes.split(",") if s] if sep else None
    for key, v in (("rate_limit", a.limit), ("window_ms", a.window_ms),
                   ("daily_limit", a.daily_limit), ("search_limit", a.search_limit),
                   ("retry_after", a.retry_after), ("latency_ms", a.latency_ms),
                   ("max_body_bytes", a.max_body_bytes)):
        if v is not None:
            cfg[key] = v
    if a.owner:
        cfg["owners"] = []
        for o in a.owner:
            f = o.split(",")
            if len(f) != 4:
                ap.error("--owner wants ID,EMAIL,FIRST,LAST")
            cfg["owners"].append({"id": f[0], "email": f[1], "firstName": f[2],
                                  "lastName": f[3]})
    return a, cfg


def main(argv):
    a, cfg = parse_args(argv)
    Handler.S = Standin(cfg)
    server = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    server.daemon_threads = True
    print("PORT %d" % server.server_address[1], flush=True)
    try:
        server.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main(sys.argv[1:])
