# ctest-labels: integration sinks
"""The Salesforce sink against the Salesforce stand-in (tests/sinks/salesforce_standin.py),
through `vigie run`: the JWT bearer login end to end (a key generated here, its public half
given to the stand-in, which checks every assertion), what a sales rep then sees (Accounts,
Contacts, a Task per signal), a redelivery that creates nothing twice, a token that expires or
is revoked mid-run, a refused login and a missing field (paused, /readyz says why, nothing
dead-lettered), half a batch refused (the good half in Salesforce, the bad half in
`vigie dlq list` with Salesforce's message), an outage then recovery, and a signal with 70 KB of
text, quotes, control characters and HTML (cut to the fields' limits, never refused)."""
import json
import os
import signal
import subprocess
import sys
import urllib.parse

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
from harness import run_tests, run_vigie, short_tmpdir, wait_until  # noqa: E402
from sinkenv import SinkEnv  # noqa: E402
from standin import control as standin_control  # noqa: E402
from standin import standin_config, standin_state, start_standin  # noqa: E402

CONSUMER_KEY = "3MVG9-vigie-test-consumer"
USERNAME = "integration@vigie.example"


class Org:
    """A stand-in org whose connected app holds the public half of a key made for this test."""

    def __init__(self, consumer_key=CONSUMER_KEY):
        self.dir = short_tmpdir("vgsf")
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.key_path = os.path.join(self.dir, "key.pem")
        with open(self.key_path, "wb") as f:
            f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
        os.chmod(self.key_path, 0o600)
        pub = os.path.join(self.dir, "app.pem")
        with open(pub, "wb") as f:
            f.write(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                  serialization.PublicFormat.SubjectPublicKeyInfo))
        self.proc, self.port = start_standin("salesforce_standin.py", "--public-key", pub,
                                             "--consumer-key", consumer_key, "--username", USERNAME)

    def section(self, extra=""):
        return f"""[sink.salesforce]
enabled = yes
allow_private = 127.0.0.1
client_id = {CONSUMER_KEY}
username = {USERNAME}
private_key = {self.key_path}
token_url = http://127.0.0.1:{self.port}/services/oauth2/token
linger = 100ms
backoff_min = 100ms
backoff_max = 1s
{extra}
"""

    def state(self, requests=True):
        return standin_state(self.port, requests)

    def objects(self, kind):
        return self.state(requests=False)["objects"][kind]

    def config(self, **kw):
        return standin_config(self.port, **kw)


def signal_ids(env):
    return sorted({s["id"] for s in env.signals()})


def account_ids(org):
    return {a["Vigie_Account_Id__c"]: a["Id"] for a in org.objects("Account")}


def dlq(env):
    """(dead letters, what `vigie dlq list` printed)."""
    r = run_vigie(["dlq", "-c", env.conf, "list", "--limit", "1000"])
    assert r.returncode == 0, r.stderr
    last = r.stdout.strip().splitlines()[-1]
    assert last.endswith("dead letter(s) shown"), r.stdout
    return int(last.split()[0]), r.stdout


def wait_all_tasks(env, org, at_least, timeout, what):
    """Waits until every signal enrich wrote (at least at_least of them) has its Task."""
    def done():
        ids = signal_ids(env)
        return len(ids) >= at_least and sorted(t["Vigie_Signal_Id__c"] for t in org.objects("Task")) == ids
    wait_until(done, timeout, what)


def no_dead_letters(env):
    n, out = dlq(env)
    assert n == 0, out


def xadd_signal(env, record, field="signal"):
    c = env.client()
    c.call("XADD", "vigie:signals", "*", field, json.dumps(record, ensure_ascii=False))
    c.close()


# ---- the tests ----------------------------------------------------------------------------

def test_jwt_login_and_what_a_rep_sees():
    org = Org()
    env = SinkEnv(org.section(), n_items=12)
    env.run_once()
    st = org.state()
    logins = [r for r in st["requests"] if r["path"].endswith("/oauth2/token")]
    assert len(logins) == 1 and logins[0]["status"] == 200, logins
    assert logins[0]["body"]["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"

    accounts = account_ids(org)
    assert set(accounts) == {"airbus", "capgemini", "michelin"}, accounts
    names = {a["Vigie_Account_Id__c"]: a for a in st["objects"]["Account"]}
    assert names["airbus"]["Name"] == "Airbus" and names["airbus"]["Website"] == "https://airbus.com"

    signals = {s["id"]: s for s in env.signals()}
    assert len(signals) >= 10, signals
    tasks = {t["Vigie_Signal_Id__c"]: t for t in st["objects"]["Task"]}
    assert sorted(tasks) == sorted(signals), (sorted(tasks), sorted(signals))
    for sid, s in signals.items():
        t = tasks[sid]
        assert t["WhatId"] == accounts[s["account_id"]], t
        assert t["Subject"].endswith(s["title"][:200]) and ": " in t["Subject"], t["Subject"]
        assert s["evidence"] in t["Description"], t["Description"]
        assert s["url"] and ("Link: " + s["url"]) in t["Description"]
        assert t["Status"] == "Not Started"
        assert t["Priority"] == ("High" if s["priority"] >= 70 else "Normal")
        if s.get("published"):
            assert t["ActivityDate"] == s["published"][:10]

    contacts = st["objects"]["Contact"]
    assert contacts, "no contact delivered"
    for c in contacts:
        assert c["LastName"] and c.get("Vigie_Contact_Key__c"), c
        assert c["AccountId"] in accounts.values(), c
        assert not c.get("Email"), "a guessed address became the contact's e-mail"
        assert "Role: " in c["Description"], c
    no_dead_letters(env)


def test_redelivery_creates_nothing_twice():
    org = Org()
    env = SinkEnv(org.section(), n_items=6)
    env.run_once()
    before = org.state(requests=False)["objects"]
    n_tasks, n_contacts = len(before["Task"]), len(before["Contact"])
    assert n_tasks >= 5
    # Every record delivered again, as after a crash between Salesforce's answer and the
    # acknowledgement: the same Tasks and Contacts are updated, none is created.
    c = env.client()
    for stream in ("vigie:signals", "vigie:contacts"):
        for _, f in c.call("XRANGE", stream, "-", "+"):
            c.call("XADD", stream, "*", f[0], f[1])
    c.close()
    env.run_once()
    after = org.state(requests=False)["objects"]
    assert len(after["Task"]) == n_tasks and len(after["Contact"]) == n_contacts
    assert len(after["Account"]) == len(before["Account"])
    assert sorted(t["Id"] for t in after["Task"]) == sorted(t["Id"] for t in before["Task"])
    upserts = [r for r in org.state()["requests"] if "/composite/sobjects/Task/" in r["path"]]
    assert len(upserts) >= 2  # the second run did send them


def test_update_entry_updates_the_same_task():
    org = Org()
    env = SinkEnv(org.section(), n_items=3)
    env.run_once()
    s = env.signals()[0]
    task = next(t for t in org.objects("Task") if t["Vigie_Signal_Id__c"] == s["id"])
    upd = dict(s, sources=3, source_urls=[s["url"], "https://other.example/a", "https://third.example/b"])
    xadd_signal(env, upd, field="update")
    env.run_once()
    tasks = [t for t in org.objects("Task") if t["Vigie_Signal_Id__c"] == s["id"]]
    assert len(tasks) == 1 and tasks[0]["Id"] == task["Id"]
    assert "Told by 3 sources" in tasks[0]["Description"] and "https://third.example/b" in tasks[0]["Description"]


def test_token_expired_or_revoked_mid_run_is_renewed():
    org = Org()
    env = SinkEnv(org.section(), n_items=3)
    v = env.start()
    wait_all_tasks(env, org, 3, 60, "the first Tasks")
    s = env.signals()[0]
    # Revoked: every token issued so far stops working. The next request meets a 401; the sink
    # logs in again and sends it again.
    org.config(revoke_tokens=True)
    org.config(revoke_tokens=False)
    assert org.state(requests=False)["tokens_active"] == 0
    xadd_signal(env, dict(s, id="e" * 32, title="Airbus signs a revoked-token deal"))
    wait_until(lambda: any(t["Vigie_Signal_Id__c"] == "e" * 32 for t in org.objects("Task")), 30,
               "the Task sent after the token was revoked")
    # Expired: tokens issued from now on live one second. One more revocation makes the sink
    # log in again (a short-lived token), then that token expires under it.
    org.config(token_ttl_s=1, revoke_tokens=True)
    org.config(revoke_tokens=False)
    xadd_signal(env, dict(s, id="d" * 32, title="Airbus signs a short-token deal"))
    wait_until(lambda: any(t["Vigie_Signal_Id__c"] == "d" * 32 for t in org.objects("Task")), 30,
               "the Task sent with a short-lived token")
    wait_until(lambda: org.state(requests=False)["tokens_active"] == 0, 10, "the token to expire")
    xadd_signal(env, dict(s, id="f" * 32, title="Airbus signs an expired-token deal"))
    wait_until(lambda: any(t["Vigie_Signal_Id__c"] == "f" * 32 for t in org.objects("Task")), 30,
               "the Task sent after the token expired")
    reqs = org.state()["requests"]
    logins = [r for r in reqs if r["path"].endswith("/oauth2/token") and r["status"] == 200]
    refused = [r for r in reqs if r["status"] == 401]
    assert len(logins) >= 4 and len(refused) >= 3, (len(logins), len(refused))
    code, body = v.get("/readyz")
    assert code == 200, body
    v.stop()
    no_dead_letters(env)


def test_refused_login_pauses_with_the_reason():
    org = Org(consumer_key="another-app")  # the org knows no app with our consumer key
    env = SinkEnv(org.section(), n_items=3)
    v = env.start()
    v.wait_log(r"salesforce.*paused", 30)
    code, body = v.get("/readyz")
    assert code == 503 and "invalid_client_id" in body and "consumer key" in body, (code, body)
    assert not org.objects("Task")
    v.stop()
    no_dead_letters(env)


def test_missing_external_id_field_pauses_naming_it():
    org = Org()
    org.config(fields={"Task": {"Vigie_Signal_Id__c": None}})
    env = SinkEnv(org.section(), n_items=3)
    v = env.start()
    v.wait_log(r"salesforce.*paused", 30)
    code, body = v.get("/readyz")
    assert code == 503 and "Vigie_Signal_Id__c" in body, (code, body)
    assert org.objects("Account"), "the Accounts went before the Tasks"
    # The admin creates the field and reloads: everything is delivered, nothing was lost.
    org.config(fields={"Task": {"Vigie_Signal_Id__c": {"type": "string", "length": 255}}},
               external_ids={"Account": ["Vigie_Account_Id__c"], "Contact": ["Vigie_Contact_Key__c"],
                             "Task": ["Vigie_Signal_Id__c"]})
    v.signal(signal.SIGHUP)
    try:
        wait_all_tasks(env, org, 3, 60, "every Task after the reload")
    except AssertionError:
        sys.stderr.write(v.log() + "\n")
        raise
    v.stop()
    no_dead_letters(env)


def test_half_a_batch_refused():
    org = Org()
    # A validation rule refusing the Capgemini acquisitions' Tasks ("... pour N millions
    # d'euros"): the others go in, each refused one is dead-lettered with its own message.
    org.config(reject_records_matching="millions d")
    env = SinkEnv(org.section(), n_items=12)
    env.run_once()
    signals = env.signals()
    bad = {s["id"] for s in signals if "millions d" in s["title"]}
    good = {s["id"] for s in signals} - bad
    assert bad and good
    tasks = {t["Vigie_Signal_Id__c"] for t in org.objects("Task")}
    assert tasks == good, (tasks, good)
    n, out = dlq(env)
    assert n == len(bad) and out.count("FIELD_CUSTOM_VALIDATION_EXCEPTION") == len(bad), out


def test_a_request_refused_whole_is_split_until_the_record_at_fault_is_alone():
    """Salesforce refuses a whole collection for one record it cannot read (400
    JSON_PARSER_ERROR, naming no record): the sink sends the records again in halves until that
    one is alone, so it alone is dead-lettered, with Salesforce's message, and every other Task is
    in Salesforce."""
    org = Org()
    org.config(reject_request_matching="Robot1")  # one signal's title (tests/sinks/sinkenv.py)
    env = SinkEnv(org.section(), n_items=12)
    env.run_once()
    signals = env.signals()
    bad = {s["id"] for s in signals if "Robot1" in json.dumps(s, ensure_ascii=False)}
    good = {s["id"] for s in signals} - bad
    assert len(bad) == 1 and len(good) >= 9, (bad, good)
    tasks = {t["Vigie_Signal_Id__c"] for t in org.objects("Task")}
    assert tasks == good, (sorted(tasks), sorted(good))
    n, out = dlq(env)
    assert n == len(bad) and out.count("JSON_PARSER_ERROR") == len(bad), out
    # The halving costs requests only where the fault is: far fewer than one per record.
    upserts = [r for r in org.state()["requests"] if "/composite/sobjects/Task/" in r["path"]]
    refused = [r for r in upserts if r["status"] == 400]
    assert 2 <= len(refused) and len(upserts) < len(signals), (len(refused), len(upserts), len(signals))
    assert [len(r["body"]["records"]) for r in refused][-1] == 1


def test_tasks_go_to_the_owner_found_by_email():
    """Accounts imported from a file name their owner by e-mail (tests/sinks/sinkenv.py): the
    Task goes to the active User with that address, looked up once per address; an address whose
    User is inactive leaves the Task to the integration user (Salesforce refuses an inactive
    owner)."""
    org = Org()
    org.config(users=[
        {"Username": USERNAME, "Email": USERNAME, "Name": "Vigie Integration", "IsActive": True},
        {"Username": "cmartin@org.example", "Email": "Claire.Martin@example.com", "Name": "Claire Martin",
         "IsActive": True},
        {"Username": "pdurand@org.example", "Email": "paul.durand@example.com", "Name": "Paul Durand",
         "IsActive": False}])
    users = {u["Username"]: u["Id"] for u in org.objects("User")}
    env = SinkEnv(org.section(), n_items=12)
    env.run_once()
    signals = {s["id"]: s for s in env.signals()}
    tasks = {t["Vigie_Signal_Id__c"]: t for t in org.objects("Task")}
    assert sorted(tasks) == sorted(signals)
    owners = {sid: tasks[sid]["OwnerId"] for sid in tasks}
    for sid, s in signals.items():
        want = users[USERNAME if s["account_id"] == "capgemini" else "cmartin@org.example"]
        assert owners[sid] == want, (s["account_id"], owners[sid], users)
    assert {s["account_id"] for s in signals.values()} >= {"airbus", "capgemini"}
    # One query per address at most, whatever the number of Tasks.
    asked = []
    for r in org.state()["requests"]:
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(r["path"]).query).get("q", [""])[0]
        if "FROM User" in q:
            assert r["status"] == 200, r
            asked += [a.strip(" '") for a in q.split("IN (", 1)[1].rstrip(")").split(",")]
    assert sorted(asked) == ["claire.martin@example.com", "paul.durand@example.com"], asked
    no_dead_letters(env)


def test_outage_then_recovery():
    org = Org()
    env = SinkEnv(org.section("max_attempts = 1000"), n_items=9)
    org.config(outage=True)
    v = env.start()
    wait_until(lambda: sum(1 for r in org.state()["requests"] if r["status"] == 503) >= 3, 60,
               "the sink to meet the outage a few times")
    org.config(outage=False)
    wait_all_tasks(env, org, 8, 90, "every Task after the outage")
    v.stop()
    tasks = [t["Vigie_Signal_Id__c"] for t in org.objects("Task")]
    assert len(tasks) == len(set(tasks)) == len(signal_ids(env))
    no_dead_letters(env)


def test_hostile_text_is_cut_never_refused():
    org = Org()
    env = SinkEnv(org.section(), n_items=3)
    env.run_once()
    s = env.signals()[0]
    big = ('He said "no" <b>twice</b> & left.\x01\x07\x1f ' * 2000)  # ~70 KB
    rec = dict(s, id="a" * 32, title="<script>alert('x')</script> " + big, evidence=big,
               people=[{"name": "Zoë \"Z\" O'Hara" + "x" * 300, "role": "cfo\x00", "role_norm": "cfo",
                        "seniority": "c_level", "department": "finance", "departing": False}])
    assert len(json.dumps(rec)) > 70000
    xadd_signal(env, rec)
    env.run_once()
    t = next(t for t in org.objects("Task") if t["Vigie_Signal_Id__c"] == "a" * 32)
    assert t["Subject"].startswith(s["type"].replace("_", " ").capitalize() + ": <script>alert('x')</script> He said \"no\"")
    assert len(t["Subject"].encode("utf-16-le")) // 2 <= 255 and t["Subject"].endswith("\u2026")
    assert len(t["Description"].encode("utf-16-le")) // 2 <= 32000
    assert "<b>twice</b> &" in t["Description"] and "\x01" not in t["Description"]
    assert ("Link: " + s["url"]) in t["Description"]  # what follows the evidence survives the cut
    no_dead_letters(env)


def test_daily_limit_pauses_for_a_while():
    org = Org()
    env = SinkEnv(org.section(), n_items=3)
    # The org has spent its day's requests: REQUEST_LIMIT_EXCEEDED on the first upsert.
    org.config(request_limit=10, api_usage=10)
    v = env.start()
    v.wait_log(r"salesforce: paused for a while: the org's daily API requests are spent", 30)
    code, body = v.get("/readyz")
    assert code == 503 and "REQUEST_LIMIT_EXCEEDED" in body, (code, body)
    assert not org.objects("Task")
    v.stop()
    no_dead_letters(env)


def test_429_with_and_without_retry_after():
    org = Org()
    env = SinkEnv(org.section(), n_items=3)
    org.config(fail_next=[{"status": 429, "count": 1, "path": "/composite/sobjects/Account/",
                           "retry_after": 1},
                          {"status": 429, "count": 1, "path": "/composite/sobjects/Task/"}])
    v = env.start()
    wait_all_tasks(env, org, 3, 60, "every Task after two 429s")
    v.stop()
    throttled = [r for r in org.state()["requests"] if r["status"] == 429]
    assert len(throttled) == 2, throttled
    tasks = [t["Vigie_Signal_Id__c"] for t in org.objects("Task")]
    assert len(tasks) == len(set(tasks))
    no_dead_letters(env)


def test_a_field_the_org_lacks_pauses_instead_of_dead_lettering():
    org = Org()
    # The org has no Priority on Task (a field vigie maps): every Task is refused with
    # "No such column", record by record. That is the mapping's fault, not the records'.
    org.config(fields={"Task": {"Priority": None}})
    env = SinkEnv(org.section(), n_items=6)
    v = env.start()
    v.wait_log(r"salesforce.*paused", 30)
    code, body = v.get("/readyz")
    assert code == 503 and "No such column 'Priority'" in body, (code, body)
    v.stop()
    no_dead_letters(env)


def sync_tool(org, *opts):
    tool = os.path.join(os.environ.get("VIGIE_TEST_BIN_DIR") or os.path.join(os.path.dirname(os.environ["VIGIE_BIN"]), "tests"),
                        "tool_salesforce_sync")
    return subprocess.run([tool, f"http://127.0.0.1:{org.port}/services/oauth2/token", CONSUMER_KEY, USERNAME,
                           org.key_path] + list(opts), capture_output=True, text=True, timeout=60)


def test_key_account_sync_pages_to_the_end():
    org = Org()
    org.config(fields={"Account": {"AnnualRevenue": {"type": "double"}}}, page_size=2,
               users=[{"Username": USERNAME, "Email": USERNAME, "Name": "Integration"},
                      {"Username": "claire@acme.example", "Email": "claire.martin@acme.example", "Name": "Claire",
                       "Id": "005000000000042AAA"}])
    seeded = [
        {"Name": "Airbus", "Website": "https://www.Airbus.com/en", "Vigie_Key_Account__c": True,
         "Vigie_Account_Id__c": "airbus", "AnnualRevenue": 65000000000, "OwnerId": "005000000000042AAA"},
        {"Name": "Globex", "Website": "n/a", "Vigie_Key_Account__c": True},
        {"Name": "Initech", "Website": "initech.example", "Vigie_Key_Account__c": True},
        {"Name": "Umbrella", "Website": "umbrella.example", "Vigie_Key_Account__c": True},
        {"Name": "Hooli", "Website": "hooli.example", "Vigie_Key_Account__c": True},
        {"Name": "Not key", "Website": "notkey.example", "Vigie_Key_Account__c": False},
    ]
    ids = standin_control(org.port, "POST", "seed", {"type": "Account", "records": seeded})["ids"]
    r = sync_tool(org, "map_revenue=AnnualRevenue")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    got = {a["id"]: a for a in out["accounts"]}
    assert len(got) == 5 and "notkey" not in json.dumps(got), got
    a = got["airbus"]
    assert a["name"] == "Airbus" and a["domains"] == ["airbus.com"] and a["tier"] == "key"
    assert a["crm_id"] == ids[0] and a["revenue"] == 65000000000
    assert a["owner"] == "claire.martin@acme.example"
    assert a["identifiers"]["salesforce_owner_id"] == "005000000000042AAA"
    assert got["sf-" + ids[1]]["name"] == "Globex" and "domains" not in got["sf-" + ids[1]]
    assert any("Website 'n/a' is not a domain" in w for w in out["warnings"]), out["warnings"]
    queries = [q for q in org.state()["requests"] if "/query" in q["path"]]
    assert len(queries) == 3, [q["path"] for q in queries]  # 5 records, 2 a page
    assert "Vigie_Key_Account__c" in urllib.parse.unquote(queries[0]["path"])

    # What the sync gives, `vigie accounts import` takes as it is.
    env = SinkEnv(org.section().replace("enabled = yes", "enabled = no"), n_items=1)
    path = os.path.join(env.dir, "synced.json")
    with open(path, "w") as f:
        json.dump(out["accounts"], f)
    imp = run_vigie(["accounts", "-c", env.conf, "import", path])
    assert imp.returncode == 0, imp.stderr

    # A mapping naming a field the org does not have fails the sync, naming it.
    r = sync_tool(org, "map_margin=Margin__c")
    assert r.returncode == 1 and "Margin__c" in r.stderr and "INVALID_FIELD" in r.stderr, r.stderr


def test_check_config_knows_the_section():
    source = os.environ.get("VIGIE_SOURCE_DIR") or os.path.join(HERE, "..", "..")
    r = run_vigie(["check-config", "-c", os.path.join(source, "examples", "salesforce.conf")])
    assert r.returncode == 0, r.stderr
    assert "task_external_id = Vigie_Signal_Id__c" in r.stdout, r.stdout
    d = short_tmpdir("vgsc")
    conf = os.path.join(d, "vigie.conf")
    for section, want in (("auth = jwt\nusername = u@x.example\nprivate_key = k.pem", "client_id"),
                          ("auth = token\ninstance_url = https://acme.my.salesforce.com", "access_token"),
                          ("client_id = c\nusername = u\nprivate_key = k.pem\napi_version = 60", "api_version"),
                          ("client_id = c\nusername = u\nprivate_key = k.pem\ntask_external_id = Bad Field",
                           "task_external_id")):
        with open(conf, "w") as f:
            f.write("[sink.salesforce]\nenabled = yes\n" + section + "\n")
        r = run_vigie(["check-config", "-c", conf])
        assert r.returncode != 0 and want in r.stderr, (section, r.returncode, r.stderr)


if __name__ == "__main__":  # test_sink_scaleout imports Org from here
    run_tests(globals())
