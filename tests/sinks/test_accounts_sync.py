# ctest-labels: integration sinks
"""Key accounts from the CRM: `vigie accounts sync --from hubspot|salesforce` against the
stand-ins, and the daemon's scheduled sync.

What a KAM team would check: the companies ticked as key accounts in the CRM (and only they)
become vigie accounts with their owner's e-mail, domain, CRM id and KAM figures; an account
un-ticked in the CRM is retired — still shown, marked retired, never matched again (no signal
names it in `vigie run --once`) — and comes back when ticked again; a dry run and a refused
token write nothing; the search API's paging and its 5 requests a second are kept to, a 429
waited out; Salesforce's SOQL pages are followed; of two daemons sharing a Redis, one syncs."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from sinkenv import SinkEnv, Vigie, run_tests, run_vigie, wait_until  # noqa: E402
from standin import control, standin_config, standin_reset, standin_state, start_standin  # noqa: E402

TOKEN = "pat-na1-sync"
HS = None  # the HubSpot stand-in's port


def hubspot():
    global HS
    if HS is None:
        _, HS = start_standin("hubspot_standin.py", "--token", TOKEN)
    standin_reset(HS)
    for name, ptype, field in [("vigie_key_account", "bool", "booleancheckbox"), ("vigie_id", "string", "text"),
                               ("kam_revenue", "number", "number"), ("kam_margin", "number", "number"),
                               ("kam_growth", "number", "number"), ("kam_fit", "string", "text"),
                               ("kam_image", "number", "number")]:
        body = {"name": name, "label": name, "type": ptype, "fieldType": field, "groupName": "companyinformation"}
        if ptype == "bool":
            body["options"] = [{"label": "Yes", "value": "true"}, {"label": "No", "value": "false"}]
        api("POST", "/crm/properties/2026-03/companies", body)
    return HS


def api(method, path, body):
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", HS, timeout=10)
    conn.request(method, path, body=json.dumps(body).encode(),
                 headers={"Content-Type": "application/json", "Authorization": "Bearer " + TOKEN})
    r = conn.getresponse()
    out = r.read()
    conn.close()
    assert r.status < 300, (r.status, out)
    return json.loads(out or b"null")


def hubspot_section(token=TOKEN, extra=""):
    return f"""[sink.hubspot]
enabled = no
token = {token}
base_url = http://127.0.0.1:{HS}
allow_private = 127.0.0.1
account_id_property = vigie_id
map_revenue = kam_revenue
map_margin = kam_margin
map_growth_potential = kam_growth
map_strategic_fit = kam_fit
map_image = kam_image
{extra}
"""


def seed(companies):
    return control(HS, "POST", "seed", {"type": "companies", "objects": [{"properties": c} for c in companies]})["ids"]


# The key companies: the three accounts SinkEnv's news feed names (imported by hand first, so
# the sync updates them), then 247 more; and 40 that are not key accounts.
NAMED = [("airbus", "Airbus", "airbus.com"), ("capgemini", "Capgemini", "capgemini.com"),
         ("michelin", "Michelin", "michelin.com")]


def key_companies(n=250):
    out = []
    for i in range(n):
        vid, name, domain = NAMED[i] if i < len(NAMED) else (None, "Key Company %04d" % i, "k%04d.example" % i)
        c = {"name": name, "domain": domain, "vigie_key_account": "true",
             "hubspot_owner_id": "71000001" if i % 2 == 0 else "71000002",
             "kam_revenue": str(1000000 + i * 1000), "kam_margin": "0.%02d" % (i % 100),
             "kam_growth": str(i % 5), "kam_fit": "0,5", "kam_image": "3"}
        if vid:
            c["vigie_id"] = vid
        out.append(c)
    return out


def others(n=40):
    return [{"name": "Prospect %d" % i, "domain": "p%d.example" % i, "hubspot_owner_id": "71000001",
             "vigie_key_account": "false" if i % 2 else None} for i in range(n)]


def sync(env, *args, conf=None):
    return run_vigie(["accounts", "-c", conf or env.conf, "sync", "--from"] + list(args), timeout=300)


def accounts(env):
    r = run_vigie(["accounts", "-c", env.conf, "list", "--json"])
    assert r.returncode == 0, r.stderr
    return {a["id"]: a for a in map(json.loads, r.stdout.splitlines())}


def registry_state(env):
    c = env.client()
    out = (c.call("GET", "vigie:accounts:version"), c.call("HGETALL", "vigie:accounts"),
           c.call("SMEMBERS", "vigie:accounts:synced:hubspot"))
    c.close()
    return out


def searches(since=0):
    return [r for r in control(HS, "GET", "requests?since=%d" % since)["requests"] if r["path"].endswith("/search")]


def test_hubspot_key_accounts_imported_retired_and_back():
    hubspot()
    ids = seed(key_companies(250))
    seed([{k: v for k, v in c.items() if v is not None} for c in others(40)])
    env = SinkEnv(hubspot_section(), n_items=9)
    assert sorted(accounts(env)) == ["airbus", "capgemini", "michelin"]

    # A dry run says what it would do and writes nothing.
    before = registry_state(env)
    r = sync(env, "hubspot", "--dry-run")
    assert r.returncode == 0, r.stderr
    assert "dry run, nothing written: 250 listed: 247 created, 3 updated, 0 retired, 0 unchanged" in r.stdout, r.stdout
    assert "would create hubspot-%s (Key Company 0003)" % ids[3] in r.stdout, r.stdout
    assert "would update michelin (Michelin)" in r.stdout, r.stdout
    assert registry_state(env) == before

    seq = control(HS, "GET", "requests?since=0")["next"]
    r = sync(env, "hubspot")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().endswith("250 listed: 247 created, 3 updated, 0 retired, 0 unchanged"), r.stdout
    got = accounts(env)
    assert len(got) == 250, len(got)
    assert not [a for a in got.values() if a["name"].startswith("Prospect")]
    k = got["hubspot-%s" % ids[3]]
    assert k == {"id": "hubspot-%s" % ids[3], "name": "Key Company 0003", "domains": ["k0003.example"],
                 "owner": "bruno.petit@example.com", "tier": "key", "revenue": 1003000, "margin": 0.03,
                 "growth_potential": 3, "strategic_fit": 0.5, "image": 3, "crm_id": ids[3]}, k
    m = got["michelin"]
    assert m["owner"] == "alice.martin@example.com" and m["crm_id"] == ids[2] and m["tier"] == "key", m
    # More than one page: searches of 200 at most, the second after the first's last.
    s = searches(seq)
    assert len(s) >= 2 and all(x["status"] == 200 for x in s), [x["status"] for x in s]
    assert all(x["body"]["limit"] <= 200 for x in s)
    assert any(x["body"].get("after") for x in s), [x["body"] for x in s]

    # The same again: nothing changes.
    r = sync(env, "hubspot")
    assert "250 listed: 0 created, 0 updated, 0 retired, 250 unchanged" in r.stdout, r.stdout
    version = registry_state(env)[0]

    # Three un-ticked in HubSpot: retired, kept, no longer matched.
    for i in (2, 10, 11):
        api("PATCH", "/crm/objects/2026-03/companies/%s" % ids[i], {"properties": {"vigie_key_account": "false"}})
    r = sync(env, "hubspot")
    assert r.returncode == 0, r.stderr
    assert "247 listed: 0 created, 0 updated, 3 retired, 247 unchanged" in r.stdout, r.stdout
    assert "retired michelin (Michelin)" in r.stdout, r.stdout
    assert int(registry_state(env)[0]) == int(version) + 1
    got = accounts(env)
    assert len(got) == 250
    retired = sorted(i for i, a in got.items() if "retired" in a)
    assert retired == sorted(["michelin", "hubspot-%s" % ids[10], "hubspot-%s" % ids[11]]), retired
    show = run_vigie(["accounts", "-c", env.conf, "show", "michelin"])
    assert json.loads(show.stdout)["retired"].endswith("Z"), show.stdout
    lst = run_vigie(["accounts", "-c", env.conf, "list"]).stdout
    assert "[retired " in lst and "250 account(s), 3 retired" in lst, lst[-300:]
    # The news names all three; only the two still key accounts get signals.
    env.run_once()
    named = {s["account_id"] for s in env.signals()}
    assert {"airbus", "capgemini"} <= named and "michelin" not in named, named

    # Ticked again: un-retired.
    api("PATCH", "/crm/objects/2026-03/companies/%s" % ids[2], {"properties": {"vigie_key_account": "true"}})
    r = sync(env, "hubspot")
    assert "248 listed: 0 created, 1 updated (1 of them un-retired), 0 retired, 247 unchanged" in r.stdout, r.stdout
    assert "un-retired michelin (Michelin)" in r.stdout
    assert "retired" not in accounts(env)["michelin"]

    # The CRM lists none at all (a filter emptied, a property renamed): nothing is retired
    # unless the user says the CRM really has no key account left.
    for k in range(0, len(ids), 100):
        api("POST", "/crm/objects/2026-03/companies/batch/update",
            {"inputs": [{"id": i, "properties": {"vigie_key_account": "false"}} for i in ids[k:k + 100]]})
    version = registry_state(env)[0]
    r = sync(env, "hubspot")
    assert r.returncode == 1, r.stdout
    assert "the CRM listed no key account, and the 248 accounts its last sync listed would all be retired; " \
           "nothing was written" in r.stderr, r.stderr
    assert registry_state(env)[0] == version
    r = sync(env, "hubspot", "--allow-empty")
    assert r.returncode == 0, r.stderr
    assert "0 listed: 0 created, 0 updated, 248 retired, 0 unchanged" in r.stdout, r.stdout


def test_hubspot_search_pace_and_429():
    hubspot()
    seed(key_companies(1300))
    env = SinkEnv(hubspot_section(), n_items=1)
    # HubSpot's search answers 429 past 5 requests a second (the stand-in enforces it): seven
    # pages in a row never meet it.
    r = sync(env, "hubspot")
    assert r.returncode == 0, r.stderr
    assert "1300 listed: 1297 created, 3 updated" in r.stdout, r.stdout
    s = searches()
    assert len(s) >= 7 and all(x["status"] == 200 for x in s), [(x["status"], x["fault"], x["time"]) for x in s]
    times = [x["time"] for x in s]
    assert all(times[i + 5] - times[i] > 1.0 for i in range(len(times) - 5)), times
    # A 429 (twice) is waited out: the sync goes on, nothing is lost.
    seq = control(HS, "GET", "requests?since=0")["next"]
    standin_config(HS, fail_next=[{"status": 429, "policy": "SECONDLY", "match": "/search", "count": 2}])
    r = sync(env, "hubspot")
    assert r.returncode == 0, r.stderr
    assert "1300 listed: 0 created, 0 updated, 0 retired, 1300 unchanged" in r.stdout, r.stdout
    s = searches(seq)
    assert [x["status"] for x in s][:3] == [429, 429, 200], [(x["seq"], x["status"], x["fault"], x["time"]) for x in s]


def test_hubspot_refused_token_writes_nothing():
    hubspot()
    ids = seed(key_companies(5))
    env = SinkEnv(hubspot_section(), n_items=1)
    assert sync(env, "hubspot").returncode == 0
    before = registry_state(env)
    # Something to write, had the CRM answered.
    api("PATCH", "/crm/objects/2026-03/companies/%s" % ids[4], {"properties": {"name": "Renamed"}})
    standin_config(HS, revoke_tokens=[TOKEN])
    r = sync(env, "hubspot")
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert "HubSpot refused the token" in r.stderr and "nothing was written" in r.stderr, r.stderr
    assert r.stdout == ""
    assert registry_state(env) == before
    # A missing section, a sink without key accounts: said, exit 1.
    r = sync(env, "salesforce")
    assert r.returncode == 1 and "no [sink.salesforce] section" in r.stderr, r.stderr
    r = sync(env, "outbox")
    assert r.returncode == 1 and "outbox" in r.stderr, r.stderr


def test_hubspot_parent_company_becomes_parent_id_and_units_survive():
    hubspot()
    ids = seed(key_companies(4))
    prospect = seed([{"name": "Prospect Group", "domain": "pg.example", "hubspot_owner_id": "71000001"}])[0]
    subs = seed([{"name": "Key Sub", "domain": "sub.example", "vigie_key_account": "true",
                  "hs_parent_company_id": ids[3]},
                 {"name": "Other Sub", "domain": "other-sub.example", "vigie_key_account": "true",
                  "hs_parent_company_id": prospect}])
    env = SinkEnv(hubspot_section(), n_items=1)
    r = sync(env, "hubspot")
    assert r.returncode == 0, r.stderr
    got = accounts(env)
    # a listed parent company is the account's group; one that is no key account is no account
    assert got["hubspot-%s" % subs[0]]["parent_id"] == "hubspot-%s" % ids[3], got["hubspot-%s" % subs[0]]
    assert "parent_id" not in got["hubspot-%s" % subs[1]]
    # Units added by hand survive the next sync (no CRM listing gives them).
    path = os.path.join(env.dir, "units.json")
    with open(path, "w") as f:
        json.dump([dict(got["michelin"], units=[{"name": "Michelin Aircraft Tyres"}])], f)
    assert run_vigie(["accounts", "-c", env.conf, "import", path]).returncode == 0
    api("PATCH", "/crm/objects/2026-03/companies/%s" % ids[2], {"properties": {"name": "Michelin SCA"}})
    r = sync(env, "hubspot")
    assert "1 updated" in r.stdout, r.stdout
    m = accounts(env)["michelin"]
    assert m["name"] == "Michelin SCA" and m["units"] == [{"name": "Michelin Aircraft Tyres"}], m


def test_daemon_syncs_on_schedule_one_process_of_two():
    hubspot()
    seed(key_companies(20))
    env = SinkEnv(hubspot_section(extra="sync_accounts = 1h"), n_items=1)
    with open(env.conf) as f:
        text = f.read()
    conf2 = os.path.join(env.dir, "vigie2.conf")
    with open(conf2, "w") as f:
        f.write(text.replace("instance = t1", "instance = t2").replace("/state\n", "/state2\n"))
    daemons = [Vigie(config_path=env.conf), Vigie(config_path=conf2)]
    wait_until(lambda: len(accounts(env)) == 20, timeout=30, what="the scheduled sync")
    for d in daemons:
        d.wait_log("key accounts synced from hubspot every 3600s", timeout=10)
    time.sleep(3)  # both have had their first turn (about a second after the start)
    runs = [d.log().count("accounts sync from hubspot: listing") for d in daemons]
    assert sorted(runs) == [0, 1], runs
    done = [d for d in daemons if "accounts sync from hubspot: 20 listed: 17 created, 3 updated" in d.log()]
    assert len(done) == 1, [d.log()[-2000:] for d in daemons]
    c = env.client()
    assert c.call("GET", "vigie:lease:accounts-sync:hubspot") in ("t1", "t2")
    assert 0 < c.call("PTTL", "vigie:lease:accounts-sync:hubspot") <= 3600 * 900
    c.close()
    for d in daemons:
        d.stop()


def test_salesforce_soql_pages_retire_and_refused_login():
    from test_sink_salesforce import USERNAME, Org  # noqa: E402
    org = Org()
    org.config(fields={"Account": {"AnnualRevenue": {"type": "double"}}}, page_size=7, tokens=["tok-test"],
               users=[{"Username": USERNAME, "Email": USERNAME, "Name": "Integration"},
                      {"Username": "claire@acme.example", "Email": "claire.martin@acme.example", "Name": "Claire",
                       "Id": "005000000000042AAA"}])
    key = [{"Name": name, "Website": "https://www.%s/" % domain, "Vigie_Key_Account__c": True,
            "Vigie_Account_Id__c": vid, "AnnualRevenue": 1000000 * (i + 1), "OwnerId": "005000000000042AAA"}
           for i, (vid, name, domain) in enumerate(NAMED + [("sf-acct-%02d" % i, "Account %02d" % i, "a%02d.example" % i)
                                                            for i in range(3, 25)])]
    ids = control(org.port, "POST", "seed", {"type": "Account", "records": key + [
        {"Name": "Prospect %d" % i, "Vigie_Key_Account__c": False} for i in range(5)]})["ids"]
    # a key account under another (ParentId), and one under a prospect (no account of vigie's)
    control(org.port, "POST", "seed", {"type": "Account", "records": [
        {"Name": "Sub of 05", "Vigie_Key_Account__c": True, "Vigie_Account_Id__c": "sf-sub", "ParentId": ids[5]},
        {"Name": "Sub of a prospect", "Vigie_Key_Account__c": True, "Vigie_Account_Id__c": "sf-sub2",
         "ParentId": ids[-1]}]})
    env = SinkEnv(org.section("map_revenue = AnnualRevenue").replace("enabled = yes", "enabled = no"), n_items=1)

    r = sync(env, "salesforce")
    assert r.returncode == 0, r.stderr
    assert "27 listed: 24 created, 3 updated, 0 retired, 0 unchanged" in r.stdout, r.stdout
    got = accounts(env)
    assert len(got) == 27 and not [a for a in got.values() if a["name"].startswith("Prospect")]
    assert got["sf-sub"]["parent_id"] == "sf-acct-05" and "parent_id" not in got["sf-sub2"], got["sf-sub"]
    a = got["sf-acct-05"]
    assert a["domains"] == ["a05.example"] and a["owner"] == "claire.martin@acme.example" and a["crm_id"] == ids[5]
    assert a["revenue"] == 6000000 and a["tier"] == "key", a
    assert a["identifiers"]["salesforce_owner_id"] == "005000000000042AAA", a
    # 27 records, 7 a page: the query, then three nextRecordsUrl pages.
    queries = [q for q in org.state()["requests"] if "/query" in q["path"]]
    assert len(queries) == 4 and all(q["status"] == 200 for q in queries), [(q["path"], q["status"]) for q in queries]

    # Two un-ticked in Salesforce: retired.
    def untick(vid):
        import http.client
        conn = http.client.HTTPConnection("127.0.0.1", org.port, timeout=10)
        body = {"allOrNone": True, "records": [{"attributes": {"type": "Account"}, "Vigie_Account_Id__c": vid,
                                                 "Vigie_Key_Account__c": False}]}
        conn.request("PATCH", "/services/data/v60.0/composite/sobjects/Account/Vigie_Account_Id__c",
                      body=json.dumps(body), headers={"Authorization": "Bearer tok-test",
                                                      "Content-Type": "application/json"})
        resp = conn.getresponse()
        out = json.loads(resp.read())
        assert resp.status == 200 and out[0]["success"], out
    untick("michelin")
    untick("sf-acct-10")
    r = sync(env, "salesforce")
    assert r.returncode == 0, r.stderr
    assert "25 listed: 0 created, 0 updated, 2 retired, 25 unchanged" in r.stdout, r.stdout
    got = accounts(env)
    assert sorted(i for i, a in got.items() if "retired" in a) == ["michelin", "sf-acct-10"]

    # A refused login: said, nothing written.
    c = env.client()
    before = (c.call("GET", "vigie:accounts:version"), c.call("HGETALL", "vigie:accounts"))
    untick("airbus")
    org.config(consumer_key="someone-else")
    r = sync(env, "salesforce")
    assert r.returncode == 1 and "nothing was written" in r.stderr, (r.stdout, r.stderr)
    assert (c.call("GET", "vigie:accounts:version"), c.call("HGETALL", "vigie:accounts")) == before
    c.close()


run_tests(globals())
