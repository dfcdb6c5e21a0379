# ctest-labels: integration alerts
"""The alerts router against a real redis-server and real vigie processes, with a clock the test
sets (VIGIE_CLOCK_FILE): signals of one account within group_wait make one message per target;
a signal seen again makes no second message; an update of an alerted signal goes to the digest
(no Slack bot here), one still in its group replaces it there; the cap per owner sends the
overflow to the digest; quiet hours follow the owner's zone; an insolvency holds back the
account's lesser alerts; silences are honoured; a digest is written once per owner and period
and a group flushed once, with two processes running; `vigie run --once` delivers what it
routed."""
import json
import os
import sys
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

sys.path.insert(0, os.path.dirname(__file__))
from routerenv import RouterEnv, iso, ms, run_tests, wait_until  # noqa: E402

ALERTS = """[alerts]
receiver = sales
group_wait = 30s
cap_per_hour = {cap}
email_min_priority = 80
quiet_hours = {quiet}
quiet_below = 70
digest = daily 08:00
inhibit_types = insolvency
inhibit_for = 7d
[receiver.sales]
slack = owner
teams = yes
email = owner
{extra}"""

CLAIRE = "claire.martin@example.com"
PAUL = "paul.durand@example.com"


def conf(cap=0, quiet="", extra=""):
    return ALERTS.format(cap=cap, quiet=quiet, extra=extra)


def today_at(hour, minute=0, zone="UTC", days=0):
    """Today (by the real date: tallies keep 90 days of Redis's own time) at a local time."""
    d = datetime.now(timezone.utc).date() + timedelta(days=days)
    return int(datetime(d.year, d.month, d.day, hour, minute, tzinfo=ZoneInfo(zone)).timestamp() * 1000)


def by_account(msgs):
    out = {}
    for m in msgs:
        out.setdefault(m["account"]["id"], []).append(m)
    return out


def test_signals_of_one_account_within_the_wait_make_one_message_per_target():
    env = RouterEnv(conf(), clock=today_at(10))
    v = env.start()
    a1 = env.signal("airbus", "funding", 60)
    a2 = env.signal("airbus", "acquisition", 85, evidence="Airbus <b>rachète</b> & co")
    c1 = env.signal("capgemini", "funding", 50)
    env.routed(3)
    assert env.messages("slack") == [] and env.messages("teams") == [], "sent before group_wait"
    env.advance(31)
    teams = env.wait_messages("teams", 2)
    slack = env.wait_messages("slack", 1)
    email = env.wait_messages("email", 1)

    t = by_account(teams)
    assert sorted(t) == ["airbus", "capgemini"], teams
    air = t["airbus"][0]
    assert [s["id"] for s in air["signals"]] == [a2["id"], a1["id"]], "highest priority first"
    assert air["signals"][0]["evidence"] == a2["evidence"]
    assert air["signals"][0]["amounts"] == [] and air["signals"][1]["people"] == [], "empty lists stay lists"
    assert air["priority"] == 85 and air["kind"] == "alert" and air["receiver"] == "sales"
    assert air["route"] == "default" and air["target"] == ""
    assert air["owner"] == {"key": CLAIRE, "name": "Claire Martin", "email": "Claire.Martin@example.com",
                            "slack": "U0CLAIRE1", "timezone": "Europe/Paris"}, air["owner"]
    assert air["account"] == {"id": "airbus", "name": "Airbus", "tier": "key", "owner": "Claire Martin",
                              "crm_id": None, "domains": ["airbus.com"]}, air["account"]
    assert air["created"] == iso(env.now)
    # Slack: only the account whose owner has a Slack id; e-mail: only at email_min_priority
    assert [m["account"]["id"] for m in slack] == ["airbus"] and slack[0]["target"] == "U0CLAIRE1"
    assert [m["account"]["id"] for m in email] == ["airbus"] and email[0]["target"] == "Claire.Martin@example.com"
    ids = [m["id"] for m in teams + slack + email]
    assert len(set(ids)) == len(ids) and all(len(i) == 32 and int(i, 16) >= 0 for i in ids), ids
    # the group below email_min_priority waits in Paul's digest instead of an e-mail
    items = env.digest_items(PAUL)
    assert items[c1["id"]]["why"] == "digest" and items[c1["id"]]["signal"]["title"] == c1["title"], items
    # a later signal opens a new group
    a3 = env.signal("airbus", "partnership", 40)
    env.routed(4)
    env.advance(31)
    teams = env.wait_messages("teams", 3)
    assert [s["id"] for s in teams[-1]["signals"]] == [a3["id"]]
    assert v.stop() == 0
    assert "[alerts] figures: routed 4" in v.log(), v.log()[-2000:]


def test_a_signal_seen_again_sends_nothing_more():
    env = RouterEnv(conf(), clock=today_at(10))
    v = env.start()
    s = env.signal("airbus", "funding", 60)
    env.write(s)  # the same record again, before the flush
    env.routed(2)
    env.advance(31)
    env.wait_messages("teams", 1)
    env.write(s)  # and after it
    env.routed(3)
    env.advance(31)
    marker = env.signal("capgemini", "funding", 55)  # a later signal's message proves the flush ran
    env.routed(4)
    env.advance(31)
    teams = env.wait_messages("teams", 2)
    assert [m["account"]["id"] for m in teams] == ["airbus", "capgemini"], teams
    assert [x["id"] for x in teams[0]["signals"]] == [s["id"]]
    assert teams[1]["signals"][0]["id"] == marker["id"]
    # a restart reads its pending entries again: still nothing twice
    assert v.stop() == 0
    v = env.start()
    env.write(s)
    env.routed(5)
    env.advance(31)
    env.signal("thales", "funding", 55)
    env.routed(6)
    env.advance(31)
    teams = env.wait_messages("teams", 3)
    assert [m["account"]["id"] for m in teams] == ["airbus", "capgemini", "thales"], teams
    assert v.stop() == 0


def test_updates_replace_in_the_group_and_go_to_the_digest_once_alerted():
    env = RouterEnv(conf(), clock=today_at(10))
    v = env.start()
    s = env.signal("airbus", "funding", 60)
    t = env.signal("michelin", "funding", 65)
    env.routed(2)
    env.update(t, 2, [t["url"], "https://other.example.com/t"])  # still in its group: replaces it
    env.routed(3)
    env.advance(31)
    teams = by_account(env.wait_messages("teams", 2))
    mich = teams["michelin"][0]["signals"]
    assert len(mich) == 1 and mich[0]["sources"] == 2 and mich[0]["source_urls"][1] == "https://other.example.com/t"
    assert teams["airbus"][0]["signals"][0]["sources"] == 1
    # once alerted, an update is no new alert: no Slack bot here, so the digest carries it
    env.update(s, 3, [s["url"], "https://a.example.com", "https://b.example.com"])
    env.routed(4)
    items = wait_until(lambda: env.digest_items(CLAIRE).get(s["id"]), 10, "the update in the digest")
    assert items["why"] == "update" and items["signal"]["sources"] == 3 and items["account"]["id"] == "airbus"
    # an update of a signal never alerted is routed like a new one
    u = env.record("thales", "funding", 62)
    env.update(u, 2, [u["url"], "https://c.example.com"])
    env.routed(5)
    env.advance(31)
    teams = env.wait_messages("teams", 3)
    assert teams[-1]["account"]["id"] == "thales" and teams[-1]["signals"][0]["sources"] == 2
    assert len([m for m in teams if m["account"]["id"] == "airbus"]) == 1, teams
    assert v.stop() == 0


def test_the_cap_per_owner_sends_the_overflow_to_the_digest():
    env = RouterEnv(conf(cap=2), clock=today_at(10))
    v = env.start()
    for acc in ("airbus", "michelin", "thales"):  # all three are Claire's
        env.signal(acc, "funding", 60)
    p = env.signal("capgemini", "funding", 60)  # Paul's: his own cap
    env.routed(4)
    env.advance(31)
    teams = env.wait_messages("teams", 3)
    wait_until(lambda: any(i["why"] == "cap" for i in env.digest_items(CLAIRE).values()), 10,
               "the capped group in Claire's digest")
    got = sorted(m["account"]["id"] for m in teams)
    assert got == ["airbus", "capgemini", "michelin"], got
    def capped():
        return sorted(i["account"]["id"] for i in env.digest_items(CLAIRE).values() if i["why"] == "cap")
    assert capped() == ["thales"], env.digest_items(CLAIRE)
    # the others went out, and wait in the digest only as e-mails under email_min_priority do
    assert {i["account"]["id"]: i["why"] for i in env.digest_items(CLAIRE).values() if i["why"] != "cap"} == \
        {"airbus": "digest", "michelin": "digest"}
    assert env.digest_items(PAUL)[p["id"]]["why"] == "digest"
    # within the hour, still capped; an hour after the first two, alerts again
    env.advance(20 * 60)
    env.signal("airbus", "acquisition", 70)
    env.routed(5)
    env.advance(31)
    wait_until(lambda: capped() == ["airbus", "thales"], 10, "the second capped group in the digest")
    env.advance(40 * 60)
    env.signal("airbus", "partnership", 70)
    env.routed(6)
    env.advance(31)
    teams = env.wait_messages("teams", 4)
    assert teams[-1]["account"]["id"] == "airbus" and teams[-1]["signals"][0]["type"] == "partnership"
    assert v.stop() == 0


def test_quiet_hours_follow_the_owner_s_zone():
    env = RouterEnv(conf(quiet="20:00-08:00"), clock=today_at(22, 0, "Europe/Paris"))
    v = env.start()
    low = env.signal("airbus", "funding", 50)         # Claire, 22:00 in Paris: quiet
    high = env.signal("airbus", "acquisition", 90)     # above quiet_below: at any hour
    ny = env.signal("capgemini", "funding", 50)        # Paul, afternoon in New York
    env.routed(3)
    env.advance(31)
    teams = by_account(env.wait_messages("teams", 2))
    assert [s["id"] for s in teams["airbus"][0]["signals"]] == [high["id"]], teams["airbus"]
    assert [s["id"] for s in teams["capgemini"][0]["signals"]] == [ny["id"]]
    items = env.digest_items(CLAIRE)
    assert items[low["id"]]["why"] == "quiet"
    # 08:00 in Paris: no longer quiet
    env.set_clock(today_at(8, 0, "Europe/Paris", days=1) + 60000)
    morning = env.signal("michelin", "funding", 50)
    env.routed(4)
    env.advance(31)
    teams = env.wait_messages("teams", 3)
    assert teams[-1]["signals"][0]["id"] == morning["id"]
    assert v.stop() == 0


def test_an_insolvency_holds_back_the_account_s_lesser_alerts():
    env = RouterEnv(conf(), clock=today_at(10))
    v = env.start()
    ins = env.signal("airbus", "insolvency", 92)
    env.routed(1)
    fund = env.signal("airbus", "funding", 60)            # lesser, another type: held back
    big = env.signal("airbus", "acquisition", 95)          # above the insolvency: goes
    other = env.signal("michelin", "funding", 60)          # another account: goes
    env.routed(4)
    env.advance(31)
    teams = by_account(env.wait_messages("teams", 2))
    assert [s["id"] for s in teams["airbus"][0]["signals"]] == [big["id"], ins["id"]]
    assert [s["id"] for s in teams["michelin"][0]["signals"]] == [other["id"]]
    assert env.digest_items(CLAIRE)[fund["id"]]["why"] == "inhibited"
    # in one batch too: the insolvency first, then the lesser one
    ins2 = env.record("thales", "insolvency", 90)
    fund2 = env.record("thales", "funding", 50)
    env.c.call("XADD", "vigie:signals", "*", "signal", json.dumps(ins2))
    env.c.call("XADD", "vigie:signals", "*", "signal", json.dumps(fund2))
    env.routed(6)
    assert env.digest_items(CLAIRE)[fund2["id"]]["why"] == "inhibited"
    # eight days later (inhibit_for is 7d) the account's alerts go out again
    env.advance(8 * 86400)
    later = env.signal("airbus", "funding", 60)
    env.routed(7)
    env.advance(31)
    teams = env.wait_messages("teams", 4)
    assert any(s["id"] == later["id"] for m in teams for s in m["signals"]), teams
    assert v.stop() == 0


def test_silences_are_honoured_while_they_run():
    env = RouterEnv(conf(), clock=today_at(10))
    day = 86400000
    sil = {
        "s-airbus": {"id": "s-airbus", "account": "airbus", "owner": None, "type": None, "starts": iso(env.now - 3600000),
                     "ends": iso(env.now + day), "comment": "merger talks", "created_by": "paul"},
        "s-paul": {"id": "s-paul", "account": None, "owner": "Paul.Durand@example.com", "type": "funding",
                   "starts": iso(env.now - 3600000), "ends": iso(env.now + 3 * day), "comment": "", "created_by": "paul"},
        "s-later": {"id": "s-later", "account": "michelin", "owner": None, "type": None,
                    "starts": iso(env.now + day), "ends": iso(env.now + 2 * day), "comment": "", "created_by": "x"},
    }
    for k, s in sil.items():
        env.c.call("HSET", "vigie:silences", k, json.dumps(s))
    v = env.start()
    env.signal("airbus", "funding", 60)
    env.signal("capgemini", "funding", 60)
    acq = env.signal("capgemini", "acquisition", 60)
    mich = env.signal("michelin", "funding", 60)
    env.routed(4)
    env.advance(31)
    teams = env.wait_messages("teams", 2)
    got = {m["account"]["id"]: [s["id"] for s in m["signals"]] for m in teams}
    assert got == {"capgemini": [acq["id"]], "michelin": [mich["id"]]}, got
    wait_until(lambda: "vigie_alerts_silenced_total 2" in v.get("/metrics")[1], 10, "2 silenced in the figures")
    env.advance(2 * day)  # the airbus silence has ended; michelin's has too
    a2 = env.signal("airbus", "funding", 61)
    env.routed(5)
    env.advance(31)
    teams = env.wait_messages("teams", 3)
    assert teams[-1]["signals"][0]["id"] == a2["id"]
    status, metrics = v.get("/metrics")
    assert "vigie_alerts_silenced_total 2" in metrics and "vigie_alerts_messages_total" in metrics, metrics
    assert v.stop() == 0


def test_a_digest_is_written_once_per_owner_and_period_by_two_processes():
    # 03:30 UTC: the small hours in Paris (Claire) and the evening before in New York (Paul)
    env = RouterEnv(conf(quiet="20:00-08:00"), clock=today_at(3, 30))
    v1, v2 = env.start("t1"), env.start("t2")
    a = env.signal("airbus", "funding", 50)
    b = env.signal("michelin", "funding", 40)
    c = env.signal("airbus", "partnership", 65)
    p = env.signal("capgemini", "funding", 30)
    env.routed(4)
    assert set(env.digest_items(CLAIRE)) == {a["id"], b["id"], c["id"]}
    assert env.c.call("ZSCORE", "vigie:digest:due", CLAIRE) == str(today_at(8, 0, "Europe/Paris"))
    assert env.c.call("ZSCORE", "vigie:digest:due", PAUL) == str(today_at(8, 0, "America/New_York"))
    env.set_clock(today_at(8, 0, "Europe/Paris") + 1500)
    wait_until(lambda: [m for m in env.messages("email") if m["kind"] == "digest"], 15, "Claire's digest")
    # Paul's digest, due later, proves both processes went on taking digests after Claire's
    env.set_clock(today_at(8, 0, "America/New_York") + 1500)
    wait_until(lambda: len([m for m in env.messages("email") if m["kind"] == "digest"]) >= 2, 15, "Paul's digest")
    digests = [m for m in env.messages("email") if m["kind"] == "digest"]
    assert [d["owner"]["key"] for d in digests] == [CLAIRE, PAUL], digests
    d = digests[0]
    day = datetime.fromtimestamp(today_at(8, 0, "Europe/Paris") / 1000, ZoneInfo("Europe/Paris")).strftime("%Y-%m-%d")
    assert d["period"] == day and d["target"] == "Claire.Martin@example.com" and d["channel"] == "email"
    # the owner's slots in the owner's zone, with its offset: the dates are hers
    paris = ZoneInfo("Europe/Paris")
    assert d["period_end"] == datetime.fromtimestamp(today_at(8, 0, "Europe/Paris") / 1000, paris).isoformat()
    assert d["period_start"] == datetime.fromtimestamp(today_at(8, 0, "Europe/Paris", days=-1) / 1000, paris).isoformat()
    assert d["period_end"].startswith(day + "T08:00:00+0"), d["period_end"]
    # grouped by account, the account with the highest priority first, highest first within
    assert [(i["account"]["id"], i["signal"]["id"]) for i in d["items"]] == \
        [("airbus", c["id"]), ("airbus", a["id"]), ("michelin", b["id"])], d["items"]
    assert all(i["why"] == "quiet" for i in d["items"])
    assert set(d["activity"]) == {"airbus", "michelin"}
    assert len(d["activity"]["airbus"]) == 12 and d["activity"]["airbus"][-1] == 2, d["activity"]
    assert d["activity"]["michelin"][-1] == 1 and sum(d["activity"]["michelin"]) == 1
    assert digests[1]["items"][0]["signal"]["id"] == p["id"]
    assert env.c.call("EXISTS", f"vigie:digest-sent:{CLAIRE}:{day}") == 1
    assert env.digest_items(CLAIRE) == {}
    total = 0
    for v in (v1, v2):
        metrics = v.get("/metrics")[1]
        total += sum(float(l.split()[-1]) for l in metrics.splitlines() if l.startswith("vigie_alerts_digests_total"))
    assert total == 2, total
    assert v1.stop() == 0 and v2.stop() == 0


def test_two_processes_never_flush_one_group_twice():
    env = RouterEnv(conf(), clock=today_at(10))
    v1, v2 = env.start("t1"), env.start("t2")
    sent = []
    accounts = ("airbus", "michelin", "capgemini", "thales")
    for round_ in range(3):
        for k in range(12):
            sent.append(env.signal(accounts[k % 4], "funding", 50 + k))
        env.routed(len(sent))
        env.advance(31)
        env.wait_messages("teams", 4 * (round_ + 1))
    teams = env.messages("teams")
    assert len(teams) == 12, [(m["account"]["id"], len(m["signals"])) for m in teams]
    assert len({m["id"] for m in teams}) == 12
    carried = [s["id"] for m in teams for s in m["signals"]]
    assert sorted(carried) == sorted(s["id"] for s in sent), "every signal in exactly one message"
    flushed = [l for v in (v1, v2) for l in v.lines if "[alerts] flushed" in l]
    assert flushed, "no flush logged"
    assert v1.stop() == 0 and v2.stop() == 0


def test_with_a_slack_bot_an_update_edits_the_message_slack_posted():
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "sinks"))
    from standin import standin_state, start_standin
    proc, port = start_standin(os.path.join(os.path.dirname(__file__), "slack_standin.py"))
    slack = f"""[sink.slack]
enabled = yes
bot_token = xoxb-standin-token
api_base = http://127.0.0.1:{port}/api
allow_private = 127.0.0.1
linger = 100ms
"""
    env = RouterEnv(ALERTS.format(cap=0, quiet="", extra="").replace("teams = yes\nemail = owner\n", "") + slack,
                    clock=today_at(10))
    v = env.start()
    s = env.signal("airbus", "funding", 60)
    t = env.signal("airbus", "acquisition", 75)
    env.routed(2)
    env.advance(31)
    alert = env.wait_messages("slack", 1)[0]
    posted = wait_until(lambda: standin_state(port)["messages"], 20, "the alert posted to Slack")
    assert len(posted) == 1 and posted[0]["channel"] == "D0CLAIRE1", posted
    env.update(s, 2, [s["url"], "https://other.example.com/s"])
    env.routed(3)
    up = env.wait_messages("slack", 2)[1]
    assert up["kind"] == "update" and up["alert_id"] == alert["id"] and up["signal_id"] == s["id"], up
    assert [x["id"] for x in up["signals"]] == [t["id"], s["id"]] and up["signals"][1]["sources"] == 2
    assert up["target"] == alert["target"] == "U0CLAIRE1" and len(up["id"]) == 32 and up["id"] != alert["id"]
    edited = wait_until(lambda: [m for m in standin_state(port)["messages"] if m["edits"] == 1], 20,
                        "the Slack message edited")
    assert len(standin_state(port)["messages"]) == 1 and edited[0]["ts"] == posted[0]["ts"]
    # the same update again (a redelivery) changes nothing; the receiver has Slack alone: no digest
    env.update(s, 2, [s["url"], "https://other.example.com/s"])
    env.routed(4)
    assert len(env.messages("slack")) == 2 and env.digest_items(CLAIRE) == {}
    assert v.stop() == 0
    proc.kill()


def test_signals_without_a_known_account_are_skipped():
    env = RouterEnv(conf(), clock=today_at(10))
    v = env.start()
    rec = env.record("airbus", "funding", 60)
    rec["account_id"] = "nobody"
    env.write(rec)
    rec2 = env.record("airbus", "funding", 60)
    rec2["account_id"] = None
    env.write(rec2)
    ok = env.signal("michelin", "funding", 60)
    env.routed(3)
    env.advance(31)
    teams = env.wait_messages("teams", 1)
    assert [m["signals"][0]["id"] for m in teams] == [ok["id"]]
    assert env.c.call("XLEN", "vigie:dlq") == 0
    assert v.stop() == 0


def test_with_console_public_url_accounts_link_their_console_page():
    """[console] public_url set: the account every message (and every digest item) carries
    links its console page, and gives the base under which a render links each signal's."""
    env = RouterEnv(conf(extra="[console]\npublic_url = https://vigie.example.com/\n"), clock=today_at(10))
    v = env.start()
    env.signal("airbus", "funding", 60)
    c1 = env.signal("capgemini", "funding", 50)
    env.routed(2)
    env.advance(31)
    teams = by_account(env.wait_messages("teams", 2))
    acct = teams["airbus"][0]["account"]
    assert acct["console_url"] == "https://vigie.example.com/ui/accounts/airbus", acct
    assert acct["console_base"] == "https://vigie.example.com", acct
    assert "console_url" not in teams["airbus"][0]["signals"][0], "the signal records stay as in the stream"
    item = env.digest_items(PAUL)[c1["id"]]
    assert item["account"]["console_url"] == "https://vigie.example.com/ui/accounts/capgemini", item
    assert v.stop() == 0


def test_run_once_delivers_what_it_routed():
    env = RouterEnv(conf().replace("group_wait = 30s", "group_wait = 1h"), clock=today_at(10))
    a = env.signal("airbus", "funding", 60)
    b = env.signal("airbus", "acquisition", 70)
    env.signal("capgemini", "funding", 60)
    out = env.run_once()
    teams = by_account(env.messages("teams"))
    assert sorted(teams) == ["airbus", "capgemini"], out.stdout + out.stderr
    assert [s["id"] for s in teams["airbus"][0]["signals"]] == [b["id"], a["id"]]
    assert env.c.call("ZCARD", "vigie:agroups:due") == 0
    # a second pass finds nothing new
    env.run_once()
    assert len(env.messages("teams")) == 2


run_tests(globals())
