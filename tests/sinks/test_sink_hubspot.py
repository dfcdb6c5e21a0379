# ctest-labels: integration sinks
"""The HubSpot sink against the HubSpot stand-in (hubspot_standin.py), through `vigie run`.

What a sales rep would find in HubSpot is asserted, not status codes: a note per signal on the
account's company with the title as a link, the evidence, amounts, people and source count;
vigie's properties on the company; contacts with their role and source, associated with the
company, never with a guessed e-mail. Then the faults: a redelivery and a crash between
HubSpot's answer and the acknowledgement (still one note), an outage (nothing lost, nothing
twice), 429 with and without Retry-After, a 207 with half the inputs refused (the good half in
HubSpot, the bad half dead-lettered with HubSpot's message), a token revoked mid-run (paused,
/readyz says why, nothing lost, a reload with a good token resumes), hostile text (quotes,
control characters, 70 KB, HTML: cut and escaped, not refused), and a mapped property HubSpot
does not have (the sink pauses naming it, nothing dead-lettered)."""
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from sinkenv import ACCOUNTS, SinkEnv, run_tests, run_vigie, wait_until  # noqa: E402
from standin import control, start_standin, standin_config, standin_reset, standin_state  # noqa: E402

TOKEN = "pat-na1-standin"
# May write objects but not change the schema (no crm.schemas.*.write).
NO_SCHEMA = "pat-na1-noschema"
NO_SCHEMA_SCOPES = ",".join(["crm.objects.companies.read", "crm.objects.companies.write",
                             "crm.objects.contacts.read", "crm.objects.contacts.write",
                             "crm.schemas.companies.read", "crm.schemas.contacts.read"])
# The account owners of sinkenv's accounts are HubSpot users here (for tasks).
OWNERS = ["71000011,claire.martin@example.com,Claire,Martin", "71000012,paul.durand@example.com,Paul,Durand"]

_proc, PORT = start_standin("hubspot_standin.py", "--token", TOKEN, "--token", NO_SCHEMA + ":" + NO_SCHEMA_SCOPES,
                            *sum((["--owner", o] for o in OWNERS), []))


def section(extra="", token=TOKEN):
    return f"""[sink.hubspot]
enabled = yes
token = {token}
base_url = http://127.0.0.1:{PORT}
allow_private = 127.0.0.1
linger = 100ms
{extra}
"""


def fresh(extra="", n_items=12, token=TOKEN, **kw):
    standin_reset(PORT)
    return SinkEnv(section(extra, token), n_items=n_items, **kw)


def state():
    return standin_state(PORT)


def objects(kind, st=None):
    return (st or state())["objects"][kind]


def company_of(st, otype, oid, type_id):
    """The company ids an object is associated with by type_id (either side stored)."""
    out = []
    for a in st["associations"]:
        if a["fromType"] == otype and a["fromId"] == oid and a["toType"] == "companies" and a["typeId"] == type_id:
            out.append(a["toId"])
    return out


def marker(signal_id):
    return "vigie-" + signal_id


def notes_by_signal(st):
    """{signal id: [notes]} from the marker every note carries."""
    out = {}
    for n in st["objects"]["notes"]:
        body = n["properties"].get("hs_note_body", "")
        i = body.find("vigie-")
        if i >= 0:
            sid = body[i + 6:i + 6 + 32]
            out.setdefault(sid, []).append(n)
    return out


def dlq(env):
    r = run_vigie(["dlq", "-c", env.conf, "list", "--limit", "1000"])
    assert r.returncode == 0, r.stderr
    return r.stdout


def dlq_count(env):
    c = env.client()
    n = c.call("XLEN", "vigie:dlq")
    c.close()
    return n


def xadd(env, stream, field, record):
    c = env.client()
    c.call("XADD", "vigie:" + stream, "*", field, json.dumps(record))
    c.close()


def crafted_signal(sid, account="airbus", title="Airbus signe un contrat", evidence="Airbus signe.", **kw):
    s = {"id": sid, "account_id": account, "type": "contract_win", "confidence": 0.9, "priority": 60,
         "title": title, "url": "https://news.example.com/" + sid, "published": "2026-03-02T10:00:00Z",
         "detected": "2026-03-02T10:05:00Z", "evidence": evidence, "amounts": [], "people": [],
         "counterparties": [], "places": [], "modifiers": [], "lang": "fr", "sources": 1}
    s.update(kw)
    return s


def readyz(v):
    try:
        with urllib.request.urlopen(v.admin_url() + "/readyz", timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def delivered(n_notes, timeout=60):
    return wait_until(lambda: len(objects("notes")) >= n_notes, timeout, f"{n_notes} notes in HubSpot")


# ---- what a rep sees -----------------------------------------------------------------------

def test_signals_and_contacts_reach_hubspot():
    env = fresh()
    out = env.run_once()
    assert "hubspot:" in out.stdout and "0 dead-lettered" in out.stdout, out.stdout
    st = state()
    signals = env.signals()
    assert len(signals) >= 10
    by_signal = notes_by_signal(st)
    assert sorted(by_signal) == sorted(s["id"] for s in signals)
    companies = {c["properties"]["domain"]: c for c in objects("companies", st)}
    assert sorted(companies) == sorted(a["domains"][0] for a in ACCOUNTS)
    names = {a["domains"][0]: a["name"] for a in ACCOUNTS}
    for s in signals:
        [note] = by_signal[s["id"]]
        body = note["properties"]["hs_note_body"]
        # The title as a link to the article, the evidence sentence, the source count.
        assert f'<a href="{s["url"]}">' in body, body
        assert s["title"].replace("'", "&#39;") in body, body
        if s["evidence"].rstrip(".") != s["title"].rstrip("."):   # else said once, as the title
            assert s["evidence"].replace("'", "&#39;") in body, body
        assert "<strong>Sources:</strong> 1" in body
        for p in s["people"]:
            assert p["name"] in body, body
        for a in s["amounts"]:
            assert a["currency"] in body, body
        # On the account's company (note -> company, 190).
        domain = next(a["domains"][0] for a in ACCOUNTS if a["id"] == s["account_id"])
        assert company_of(st, "notes", note["id"], 190) == [companies[domain]["id"]]
        assert note["properties"]["hs_timestamp"].startswith(s["published"][:10])
    # vigie's properties on each company.
    for domain, c in companies.items():
        p = c["properties"]
        mine = [s for s in signals if next(a["domains"][0] for a in ACCOUNTS if a["id"] == s["account_id"]) == domain]
        assert p["name"] == names[domain]
        assert int(p["vigie_signals_90d"]) == len(mine), (p, len(mine))
        assert 0 < float(p["vigie_heat"]) <= 100
        assert p["vigie_last_signal_type"] and p["vigie_last_signal_date"]
    # Contacts: name, job title, role, source, the company's name; associated (279); no e-mail.
    c = env.client()
    recs = [json.loads(f[1]) for _, f in c.call("XRANGE", "vigie:contacts", "-", "+")]
    c.close()
    contacts = {k["properties"]["vigie_contact_key"]: k for k in objects("contacts", st)}
    assert recs and sorted(contacts) == sorted(r["id"] for r in recs)
    for r in recs:
        k = contacts[r["id"]]["properties"]
        assert f'{k["firstname"]} {k["lastname"]}' == r["name"]
        assert k["jobtitle"] == r["title"] and k["vigie_role_norm"] == r["role_norm"]
        assert k["vigie_source_url"] == r["source_url"]
        assert "email" not in k or not k["email"]
        domain = next(a["domains"][0] for a in ACCOUNTS if a["id"] == r["account_id"])
        assert k["company"] == names[domain]
        assert company_of(st, "contacts", contacts[r["id"]]["id"], 279) == [companies[domain]["id"]]
    # Batches within HubSpot's limits, and vigie's properties made once, in their group.
    for r in st["requests"]:
        if isinstance(r["body"], dict) and "inputs" in r["body"]:
            assert len(r["body"]["inputs"]) <= 100
    assert any(p["name"] == "vigie_contact_key" and p["hasUniqueValue"] for p in st["properties"]["contacts"])
    assert "vigie" in st["groups"]["companies"]


def test_company_properties_are_right_after_many_batches():
    # The notes go with every batch, and so do the companies' properties (company_refresh 0).
    env = fresh(n_items=240)
    env.run_once(timeout=300)
    st = state()
    signals = env.signals()
    assert len(signals) > 300
    assert len(notes_by_signal(st)) == len(signals)
    per_account = {}
    for s in signals:
        per_account[s["account_id"]] = per_account.get(s["account_id"], 0) + 1
    domain = {a["domains"][0]: a["id"] for a in ACCOUNTS}
    for c in objects("companies", st):
        p = c["properties"]
        assert int(p["vigie_signals_90d"]) == per_account[domain[p["domain"]]], (p, per_account)
    writes = [r for r in st["requests"] if r["path"].endswith("/companies/batch/update")]
    creates = [r for r in st["requests"] if r["path"].endswith("/notes/batch/create")]
    assert len(creates) >= 4, len(creates)


def test_company_refresh_writes_a_waiting_company_later():
    # company_refresh: 400 signals of one account in four full batches: the first makes its
    # company (with its properties), the next three's writes wait (full batches say more are
    # coming) and go as one once the flow stops; 30 signals of another account later, a batch
    # that is not full, make its company with its properties, no wait.
    env = fresh(extra="company_refresh = 30s", n_items=0)
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())

    def feed(account, lo, hi):
        c = env.client()
        for i in range(lo, hi):
            rec = crafted_signal("%032x" % (i + 1), account=account, title=f"Signal {i}", published=now, detected=now)
            c.call("XADD", "vigie:signals", "*", "signal", json.dumps(rec))
        c.close()

    def counts():
        return {c["properties"]["domain"]: int(c["properties"].get("vigie_signals_90d") or 0)
                for c in objects("companies")}

    def writes():
        return [r for r in state()["requests"] if r["path"].endswith("/companies/batch/update")]

    feed("airbus", 0, 400)
    v = env.start()
    delivered(400)
    wait_until(lambda: counts() == {"airbus.com": 400}, 30, "airbus written once the flow stopped")
    assert len(writes()) == 1, len(writes())   # three full batches' writes, as one
    feed("michelin", 400, 430)
    wait_until(lambda: counts() == {"airbus.com": 400, "michelin.com": 30}, 30, "michelin written")
    v.stop()
    assert len(writes()) == 1, len(writes())   # michelin's company made with its properties


def test_a_company_already_in_hubspot_is_found_not_created_again():
    # The key accounts' companies are usually in HubSpot already: found by domain and written
    # on, never made a second time.
    env = fresh()
    [seeded] = control(PORT, "POST", "seed", {"type": "companies", "objects": [
        {"properties": {"name": "Airbus SE", "domain": "airbus.com"}}]})["ids"]
    env.run_once()
    st = state()
    airbus = [c for c in objects("companies", st) if c["properties"].get("domain") == "airbus.com"]
    assert [c["id"] for c in airbus] == [seeded], airbus
    by_signal = notes_by_signal(st)
    notes = [n for s in env.signals() if s["account_id"] == "airbus" for n in by_signal[s["id"]]]
    assert notes and all(company_of(st, "notes", n["id"], 190) == [seeded] for n in notes)
    p = airbus[0]["properties"]
    assert p["name"] == "Airbus SE"   # the user's name for it, left as it is
    assert int(p["vigie_signals_90d"]) == len(notes)


def test_new_accounts_in_quick_batches_keep_to_the_search_limit():
    # Twelve accounts vigie has not met, one per batch, batches coming faster than HubSpot's
    # search limit (5 a second) allows a search each: the searches wait their turn rather than
    # meet a 429. Half the companies are in HubSpot already: found, the others made, once each.
    env = long_reclaim(fresh(extra="batch = 4\nbackoff_min = 200ms\nbackoff_max = 1s", n_items=0))
    extra = [{"id": f"acme{i}", "name": f"Acme {i}", "domains": [f"acme{i}.example"]} for i in range(12)]
    path = os.path.join(env.dir, "more.json")
    with open(path, "w") as f:
        json.dump(ACCOUNTS + extra, f)
    assert run_vigie(["accounts", "-c", env.conf, "import", path]).returncode == 0
    control(PORT, "POST", "seed", {"type": "companies", "objects": [
        {"properties": {"name": a["name"], "domain": a["domains"][0]}} for a in extra[::2]]})
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    c = env.client()
    for i in range(48):
        acct = extra[i // 4]["id"] if i % 4 else "airbus"   # each batch: one known account, one new
        rec = crafted_signal("%032x" % (i + 1), account=acct, title=f"Signal {i}", published=now, detected=now)
        c.call("XADD", "vigie:signals", "*", "signal", json.dumps(rec))
    c.close()
    v = env.start()
    delivered(48)
    wait_until(lambda: pending(env) == 0, 30, "everything acknowledged")
    v.stop()
    st = state()
    searches = [r for r in st["requests"] if r["path"].endswith("/companies/search")]
    assert searches and all(r["status"] == 200 for r in searches), [r["status"] for r in searches]
    times = sorted(r["time"] for r in searches)
    assert all(b - a >= 1.0 for a, b in zip(times, times[5:])), times   # 5 a second at most
    domains = [c["properties"]["domain"] for c in objects("companies", st)]
    assert sorted(domains) == sorted(set(domains)) and len(domains) == 13, domains
    assert all(len(n) == 1 for n in notes_by_signal(st).values()) and len(notes_by_signal(st)) == 48
    assert dlq_count(env) == 0


def test_signals_and_contacts_go_in_batches_of_their_own():
    # A batch holding signals and contacts together would cost the requests of both kinds:
    # 300 signals and 60 contacts waiting take 3 note requests and 1 contact upsert.
    env = fresh(n_items=0)
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    c = env.client()
    for i in range(360):
        if i % 6 == 5:
            rec = {"id": "%032x" % (i + 1), "name": f"Marie Dupont{i}", "title": "directrice financière",
                   "role_norm": "cfo", "seniority": "c_level", "department": "finance", "account_id": "airbus",
                   "source_url": f"https://news.example.com/p{i}", "first_seen": now, "departing": False,
                   "email_guess": None}
            c.call("XADD", "vigie:contacts", "*", "contact", json.dumps(rec))
        else:
            rec = crafted_signal("%032x" % (i + 1), account=ACCOUNTS[i % 3]["id"], title=f"Signal {i}",
                                 published=now, detected=now)
            c.call("XADD", "vigie:signals", "*", "signal", json.dumps(rec))
    c.close()
    env.run_once()
    st = state()
    assert len(notes_by_signal(st)) == 300 and len(objects("contacts", st)) == 60
    count = lambda end: sum(1 for r in st["requests"] if r["path"].endswith(end))   # noqa: E731
    assert (count("/notes/batch/create"), count("/contacts/batch/upsert")) == (3, 1), \
        [(r["path"], len(r["body"]["inputs"])) for r in st["requests"] if "batch" in r["path"]]


def test_the_records_of_a_failed_batch_go_together_again():
    # A batch that failed is retried whole: its records come due over the backoff's jitter, and
    # wait linger for each other rather than leave one by one (a request or more apiece).
    env = fresh(extra="backoff_min = 200ms\nbackoff_max = 1s", n_items=0)
    with open(env.conf) as f:
        text = f.read()
    with open(env.conf, "w") as f:
        f.write(text.replace("linger = 100ms", "linger = 500ms"))
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    c = env.client()
    for i in range(40):
        rec = crafted_signal("%032x" % (i + 1), title=f"Signal {i}", published=now, detected=now)
        c.call("XADD", "vigie:signals", "*", "signal", json.dumps(rec))
    c.close()
    standin_config(PORT, fail_next=[{"match": "/companies/batch/create", "status": 500}])
    env.run_once()
    st = state()
    assert len(notes_by_signal(st)) == 40
    creates = [len(r["body"]["inputs"]) for r in st["requests"] if r["path"].endswith("/notes/batch/create")]
    assert creates == [40], creates


def test_redelivered_signals_make_no_second_note():
    env = fresh()
    env.run_once()
    first = state()
    n_notes = len(objects("notes", first))
    # The same entries appended again (what a replay, or an enrich redelivery, does), and an
    # update entry: one more source told the first story.
    c = env.client()
    entries = c.call("XRANGE", "vigie:signals", "-", "+")
    for _, f in entries:
        c.call("XADD", "vigie:signals", "*", f[0], f[1])
    s0 = json.loads(entries[0][1][1])
    s0["sources"] = 3
    s0["source_urls"] = [s0["url"], "https://other.example.com/a", "https://third.example.com/b"]
    c.call("XADD", "vigie:signals", "*", "update", json.dumps(s0))
    c.close()
    env.run_once()
    st = state()
    assert len(objects("notes", st)) == n_notes
    assert all(len(v) == 1 for v in notes_by_signal(st).values())
    note = notes_by_signal(st)[s0["id"]][0]
    assert "<strong>Sources:</strong> 3" in note["properties"]["hs_note_body"]
    assert "https://third.example.com/b" in note["properties"]["hs_note_body"]
    # Nothing created a second time: no create request carried an already-made signal.
    creates = [r for r in st["requests"] if r["path"].endswith("/notes/batch/create")]
    assert sum(len(r["body"]["inputs"]) for r in creates) == n_notes
    assert dlq_count(env) == 0


def test_crash_between_the_answer_and_the_ack_makes_one_note():
    env = fresh(extra="backoff_min = 3s\nbackoff_max = 3s", n_items=6)
    # HubSpot makes the notes, but its answer is lost: a gateway answers 502 after the work.
    # (A connection dropped without an answer is not used here: libcurl sends a request again
    # by itself when a reused connection dies before any byte of the answer.)
    standin_config(PORT, fail_next=[{"match": "/notes/batch/create", "status": 502, "after_apply": True}])
    v = env.start()
    wait_until(lambda: any(r["path"].endswith("/notes/batch/create") and r["fault"]
                           for r in state()["requests"]), 60, "the notes made, their answer lost")
    # vigie stops dead before it could learn anything more.
    v.signal(signal.SIGKILL)
    v.wait_exit()
    made = len(objects("notes"))
    assert made >= 1
    v = env.start()
    wait_until(lambda: dlq_count(env) == 0 and pending(env) == 0, 60, "the signals acknowledged")
    v.stop()
    st = state()
    assert sorted(notes_by_signal(st)) == sorted(s["id"] for s in env.signals())
    assert all(len(x) == 1 for x in notes_by_signal(st).values())
    # The restart looked for the notes (their marker) instead of making them again.
    assert any(r["path"].endswith("/notes/search") for r in st["requests"])
    assert "already in HubSpot" in v.log()


def pending(env):
    c = env.client()
    n = 0
    for stream in ("vigie:signals", "vigie:contacts"):
        if not c.call("EXISTS", stream):
            continue
        for g in c.call("XINFO", "GROUPS", stream):
            g = dict(zip(g[::2], g[1::2]))
            if g["name"].startswith("sink:hubspot"):
                n += g["pending"] + max(g["lag"] or 0, 0)
    c.close()
    return n


def is_setup(r):
    path = r["path"].split("?")[0]
    return "/properties/" in path or path.endswith("/labels")


def test_setup_takes_eight_requests_once_and_none_after_a_restart():
    # A portal without vigie's properties: each object's properties read by name in one
    # request, its group and its missing properties made in one each, the two association
    # labels read: 8. The next run (the same Redis) reads what the setup learnt there: none.
    env = fresh()
    env.run_once()
    st = state()
    setup = [(r["method"], r["path"].split("/crm/")[1]) for r in st["requests"] if is_setup(r)]
    assert sorted(setup) == sorted([
        ("POST", "properties/2026-03/companies/batch/read"), ("POST", "properties/2026-03/contacts/batch/read"),
        ("POST", "properties/2026-03/companies/groups"), ("POST", "properties/2026-03/contacts/groups"),
        ("POST", "properties/2026-03/companies/batch/create"), ("POST", "properties/2026-03/contacts/batch/create"),
        ("GET", "associations/2026-03/notes/companies/labels"),
        ("GET", "associations/2026-03/contacts/companies/labels")]), setup
    made = {p["name"]: p for o in ("companies", "contacts") for p in st["properties"][o] if p["name"].startswith("vigie_")}
    assert sorted(made) == ["vigie_contact_key", "vigie_heat", "vigie_key_account", "vigie_last_signal_date",
                            "vigie_last_signal_type", "vigie_role_norm", "vigie_seniority", "vigie_signals_90d",
                            "vigie_source_url"], sorted(made)
    assert all(p["groupName"] == "vigie" for p in made.values()) and made["vigie_contact_key"]["hasUniqueValue"]
    seen = st["counters"]["requests"]
    xadd(env, "signals", "signal", crafted_signal("%032x" % 900, title="Airbus signe encore"))
    env.run_once()
    st = state()
    assert not any(is_setup(r) for r in st["requests"][seen:]), [r["path"] for r in st["requests"][seen:]]
    assert "%032x" % 900 in notes_by_signal(st)


def contact_record(i, account="airbus", now=None):
    now = now or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return {"id": "%032x" % (5000 + i), "name": f"Marie Dupont{i}", "title": "directrice financière",
            "role_norm": "cfo", "seniority": "c_level", "department": "finance", "account_id": account,
            "source_url": f"https://news.example.com/p{i}", "first_seen": now, "departing": False,
            "email_guess": None}


def test_contacts_of_many_batches_are_associated_2000_a_request():
    # 2,150 contacts come in 22 batches (21 of 100, one of 50): their associations wait in
    # Redis while the batches are full and go 2,000 a request, HubSpot's limit, then the
    # last 150 together once a batch is not full.
    env = fresh(n_items=0)
    n = 2150
    c = env.client()
    for k in range(n):
        c.call("XADD", "vigie:contacts", "*", "contact", json.dumps(contact_record(k, ACCOUNTS[k % 3]["id"])))
    c.close()
    env.run_once(timeout=300)
    st = state()
    companies = {c["properties"]["domain"]: c["id"] for c in objects("companies", st)}
    domain = {a["id"]: a["domains"][0] for a in ACCOUNTS}
    contacts = {k["properties"]["vigie_contact_key"]: k["id"] for k in objects("contacts", st)}
    assert len(contacts) == n
    tied = {}
    for a in st["associations"]:
        if a["fromType"] == "contacts" and a["toType"] == "companies" and a["typeId"] == 279:
            tied.setdefault(a["fromId"], []).append(a["toId"])
    for k in range(n):
        r = contact_record(k, ACCOUNTS[k % 3]["id"])
        assert tied.get(contacts[r["id"]]) == [companies[domain[r["account_id"]]]], r
    assocs = [len(r["body"]["inputs"]) for r in st["requests"] if r["path"].endswith("/contacts/companies/batch/create")]
    assert assocs == [2000, 150], assocs
    assert pending(env) == 0 and dlq_count(env) == 0
    c = env.client()
    assert c.call("KEYS", "vigie:owed:*") == []   # nothing owed any more
    c.close()


def test_sigkill_after_the_contact_upsert_loses_no_association():
    # The contacts are upserted and acknowledged, but HubSpot fails every association write;
    # vigie is killed. The associations were owed in Redis: the next start writes them, without
    # a record to deliver and without upserting the contacts again.
    env = fresh(n_items=0)
    c = env.client()
    for i in range(30):
        c.call("XADD", "vigie:contacts", "*", "contact", json.dumps(contact_record(i)))
    c.close()
    standin_config(PORT, fail_next=[{"match": "/contacts/companies/batch/create", "status": 503, "count": 1000}])
    v = env.start()
    wait_until(lambda: len(objects("contacts")) == 30 and pending(env) == 0, 60, "the contacts upserted, acknowledged")
    wait_until(lambda: any(r["path"].endswith("/contacts/companies/batch/create") for r in state()["requests"]), 30,
               "an association write tried (and failed)")
    v.signal(signal.SIGKILL)
    v.wait_exit()
    st = state()
    assert not [a for a in st["associations"] if a["fromType"] == "contacts"], "nothing associated yet"
    upserts = sum(1 for r in st["requests"] if r["path"].endswith("/contacts/batch/upsert"))
    c = env.client()
    assert c.call("HLEN", "vigie:owed:sink:hubspot:associations") == 30
    c.close()
    standin_config(PORT, clear_faults=True)
    v = env.start()
    [airbus] = [c["id"] for c in objects("companies") if c["properties"]["domain"] == "airbus.com"]
    wait_until(lambda: sum(1 for a in state()["associations"] if a["fromType"] == "contacts"
                           and a["toId"] == airbus and a["typeId"] == 279) == 30, 30, "the 30 associations written")
    v.stop()
    st = state()
    assert sum(1 for r in st["requests"] if r["path"].endswith("/contacts/batch/upsert")) == upserts
    c = env.client()
    assert c.call("EXISTS", "vigie:owed:sink:hubspot:associations") == 0
    c.close()
    assert dlq_count(env) == 0


def test_run_once_writes_what_company_refresh_held_back():
    # 400 signals in four full batches: with company_refresh their company's figures wait for
    # the flow to stop; `vigie run --once` writes them before it exits.
    env = fresh(extra="company_refresh = 30s", n_items=0)
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    c = env.client()
    for i in range(400):
        rec = crafted_signal("%032x" % (i + 1), title=f"Signal {i}", published=now, detected=now)
        c.call("XADD", "vigie:signals", "*", "signal", json.dumps(rec))
    c.close()
    env.run_once()
    st = state()
    assert len(notes_by_signal(st)) == 400
    [airbus] = objects("companies", st)
    assert airbus["properties"]["vigie_signals_90d"] == "400", airbus["properties"]


# ---- faults --------------------------------------------------------------------------------

def test_outage_then_recovery_loses_and_repeats_nothing():
    env = fresh(extra="backoff_min = 200ms\nbackoff_max = 1s\nmax_attempts = 100")
    standin_config(PORT, outage=500)
    v = env.start()
    wait_until(lambda: sum(1 for r in state()["requests"] if r["status"] == 500) >= 6, 60, "vigie retrying")
    assert objects("notes") == []
    standin_config(PORT, outage=0)
    n = len(env.signals())
    delivered(n)
    wait_until(lambda: pending(env) == 0, 30, "everything acknowledged")
    v.stop()
    st = state()
    assert len(objects("notes", st)) == n
    assert all(len(x) == 1 for x in notes_by_signal(st).values())
    assert dlq_count(env) == 0


def gaps_after_429(st):
    """Seconds between each 429 and the next request."""
    reqs = st["requests"]
    return [reqs[i + 1]["time"] - r["time"] for i, r in enumerate(reqs[:-1]) if r["status"] == 429]


def long_reclaim(env):
    """A wait longer than half of reclaim_idle gives the records back to Redis (the core): the
    sinks' environment keeps it at 2 s, too short for HubSpot's 10-second window."""
    with open(env.conf) as f:
        text = f.read()
    with open(env.conf, "w") as f:
        f.write(text.replace("reclaim_idle = 2s", "reclaim_idle = 60s"))
    return env


def test_429_with_and_without_retry_after():
    env = long_reclaim(fresh(extra="backoff_min = 100ms\nbackoff_max = 1s", n_items=3))
    standin_config(PORT, fail_next=[{"match": "/notes/batch/create", "status": 429, "retry_after": 2}])
    env.run_once()
    st = state()
    assert len(notes_by_signal(st)) == len(env.signals())
    [gap] = gaps_after_429(st)
    assert gap >= 1.9, gap  # Retry-After: 2 honoured (the first backoff alone is 100 ms)

    env = long_reclaim(fresh(extra="backoff_min = 100ms\nbackoff_max = 1s", n_items=3))
    standin_config(PORT, fail_next=[{"match": "/notes/batch/create", "status": 429}])
    env.run_once()
    st = state()
    assert len(notes_by_signal(st)) == len(env.signals())
    [gap] = gaps_after_429(st)
    assert gap >= 9.5, gap  # TEN_SECONDLY_ROLLING without Retry-After: the window's 10 s
    assert dlq_count(env) == 0


def test_207_half_rejected():
    env = fresh(n_items=0)
    for i in range(10):
        title = f"Airbus signe le contrat {i}" + (" REJECTME" if i % 2 else "")
        xadd(env, "signals", "signal", crafted_signal("%032x" % (i + 1), title=title))
    standin_config(PORT, reject_inputs_matching="REJECTME")
    env.run_once()
    st = state()
    kept = notes_by_signal(st)
    assert sorted(kept) == ["%032x" % (i + 1) for i in range(0, 10, 2)]
    creates = [r for r in st["requests"] if r["path"].endswith("/notes/batch/create")]
    assert [r["status"] for r in creates] == [207]   # one request, answered input by input
    out = dlq(env)
    for i in range(1, 10, 2):
        assert "%032x" % (i + 1) in out or dlq_count(env) == 5, out
    assert dlq_count(env) == 5
    assert "Input rejected by the stand-in" in out, out


def test_token_revoked_mid_run_pauses_then_resumes_after_reload():
    env = fresh(n_items=3)
    env.run_once()
    first = len(env.signals())
    assert first and len(objects("notes")) == first
    v = env.start()
    standin_config(PORT, revoke_tokens=[TOKEN], tokens={"pat-na1-new": None})
    for i in range(4):
        xadd(env, "signals", "signal", crafted_signal("%032x" % (100 + i), title=f"Airbus signe {i}"))
    # (right after start /readyz may say not ready for another reason: Redis not answered yet)
    wait_until(lambda: (lambda r: r[0] == 503 and "hubspot" in r[1] and "token" in r[1])(readyz(v)), 30,
               "/readyz to say the sink is paused for its token")
    v.wait_log(r"hubspot: paused.*refused the token", 10)
    assert dlq_count(env) == 0
    assert len(objects("notes")) == first
    # The token fixed in the configuration, and a reload.
    env.write_config(section(token="pat-na1-new"))
    v.signal(signal.SIGHUP)
    delivered(first + 4)
    wait_until(lambda: readyz(v)[0] == 200, 30, "/readyz ready again")
    v.stop()
    assert dlq_count(env) == 0
    assert all(len(x) == 1 for x in notes_by_signal(state()).values())


def test_daily_limit_pauses_the_sink():
    env = fresh(n_items=3)
    env.run_once()
    first = len(env.signals())
    assert first and len(objects("notes")) == first
    v = env.start()
    # The day's requests are used up: HubSpot answers 429 DAILY until its reset.
    standin_config(PORT, daily_limit=state()["counters"]["daily_used"])
    xadd(env, "signals", "signal", crafted_signal("%032x" % 7, title="Airbus signe 7"))
    v.wait_log(r"hubspot: paused for a while.*daily API limit", 30)
    status, reason = readyz(v)
    assert status == 503 and "daily" in reason, reason
    v.stop()
    assert dlq_count(env) == 0
    assert len(objects("notes")) == first


def test_hostile_text_is_cut_and_escaped_not_refused():
    env = fresh(n_items=0)
    big = "Airbus investit. " + "é" * (70 * 1024)
    xadd(env, "signals", "signal", crafted_signal(
        "%032x" % 1, title='Airbus <script>alert("x")</script> & "Boeing"\x07',
        evidence=big, people=[{"name": "Jean \"JJ\" O'Neil\x01", "role": "<b>CEO</b>", "role_norm": "ceo",
                               "seniority": "c_level", "department": None, "departing": False}],
        amounts=[{"value": 20000000, "currency": "EUR"}]))
    xadd(env, "signals", "signal", crafted_signal(
        "%032x" % 2, title="Ligne\r\nbrisée\tet\x1b contrôle\x7f", url="javascript:alert(1)"))
    env.run_once()
    st = state()
    notes = notes_by_signal(st)
    assert len(notes) == 2 and dlq_count(env) == 0
    body = notes["%032x" % 1][0]["properties"]["hs_note_body"]
    assert len(body) <= 65536
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;Boeing&quot;" in body
    assert "<script>" not in body and "\x07" not in body and "\x01" not in body
    assert "Jean &quot;JJ&quot; O&#39;Neil (&lt;b&gt;CEO&lt;/b&gt;)" in body
    assert "20,000,000 EUR" in body
    assert body.count("é") > 20000 and "…</p>" in body
    assert "vigie-%032x" % 1 in body
    body2 = notes["%032x" % 2][0]["properties"]["hs_note_body"]
    assert "Ligne brisée et contrôle" in body2 and "javascript" not in body2


def test_mapped_property_that_does_not_exist_pauses_naming_it():
    env = fresh(extra="heat_property = acme_heat_score", n_items=3)
    v = env.start()
    v.wait_log(r"hubspot: paused.*acme_heat_score", 30)
    status, reason = readyz(v)
    assert status == 503 and "acme_heat_score" in reason, reason
    time.sleep(0.5)  # a paused sink delivers nothing more: give it the chance to misbehave
    v.stop()
    assert dlq_count(env) == 0
    assert objects("notes") == [] and objects("contacts") == []
    assert not any(p["name"] == "acme_heat_score" for p in state()["properties"]["companies"])


def test_token_without_schema_scope_names_the_properties_to_create():
    env = fresh(n_items=3, token=NO_SCHEMA)
    v = env.start()
    v.wait_log(r"hubspot: paused.*crm.schemas.companies.write", 30)
    line = v.wait_log(r"refused to create vigie's properties.*vigie_contact_key \(type string, fieldType text, "
                      r"unique values\)", 5)
    assert "vigie_heat (type number, fieldType number)" in line.string
    v.stop()
    assert dlq_count(env) == 0 and objects("notes") == []


def test_tasks_for_the_account_owner():
    env = fresh(extra="activity = task", n_items=6)
    env.run_once()
    st = state()
    tasks = objects("tasks", st)
    assert len(tasks) == len(env.signals()) and objects("notes", st) == []
    owners = {a["id"]: a["owner"] for a in ACCOUNTS}
    ids = {o["email"]: o["id"] for o in st["owners"]}
    for t in tasks:
        p = t["properties"]
        i = p["hs_task_body"].find("vigie-")
        sid = p["hs_task_body"][i + 6:i + 38]
        s = next(s for s in env.signals() if s["id"] == sid)
        assert p["hubspot_owner_id"] == ids[owners[s["account_id"]]]
        assert p["hs_task_status"] == "NOT_STARTED" and p["hs_task_subject"]
        assert company_of(st, "tasks", t["id"], 192)


run_tests(globals())
