# ctest-labels: integration alerts
"""The Slack sink against a stand-in Slack (slack_standin.py) that keeps to Slack's documented
limits and answers: a real redis-server, a real vigie daemon with only [sink.slack], and alert
messages written into alerts:slack as the alerts router writes them (docs/design.md "Alert
messages"). What a sales rep would see in Slack is asserted: the message, its blocks, that no
web text mentions anyone, and that 429s, 500s, redeliveries and updates never lose a message
nor post one twice."""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, os.path.join(HERE, "..", "sinks"))
from harness import Redis, Vigie, daemon_config, run_tests, run_vigie, short_tmpdir, wait_until  # noqa: E402
from standin import standin_config, standin_state, start_standin  # noqa: E402

TOKEN = "xoxb-standin-token"
WEBHOOK = "/services/T0STANDIN/B0STANDIN/standinwebhooksecret"


class Env:
    """A redis-server, a stand-in Slack and a vigie configuration with [sink.slack]."""

    def __init__(self, sink_extra="", webhook=False, token=TOKEN):
        self.proc, self.port = start_standin(os.path.join(HERE, "slack_standin.py"))
        self.redis = Redis()
        self.dir = short_tmpdir("vgk")
        self.conf = os.path.join(self.dir, "vigie.conf")
        base = f"http://127.0.0.1:{self.port}"
        way = f"webhook_url = {base}{WEBHOOK}" if webhook else f"bot_token = {token}\napi_base = {base}/api"
        with open(self.conf, "w") as f:
            f.write(daemon_config(self.dir, self.redis.url) + f"""[pipeline]
reclaim_idle = 4s
[sink.slack]
enabled = yes
{way}
default_channel = #alerts
allow_private = 127.0.0.1
backoff_min = 200ms
backoff_max = 1s
linger = 100ms
{sink_extra}
""")
        self.vigie = None

    def start(self):
        self.vigie = Vigie(config_path=self.conf)
        self.vigie.wait_log(r"slack: posting alerts", 15)
        return self.vigie

    def state(self):
        return standin_state(self.port)

    def config(self, **kw):
        standin_config(self.port, **kw)

    def messages(self):
        return self.state()["messages"]

    def xadd(self, alert):
        c = self.redis.client()
        c.call("XADD", "vigie:alerts:slack", "*", "alert", json.dumps(alert))
        c.close()

    def dlq(self):
        r = run_vigie(["dlq", "-c", self.conf, "list", "--limit", "1000"])
        assert r.returncode == 0, r.stderr
        last = r.stdout.strip().splitlines()[-1]
        assert last.endswith("dead letter(s) shown"), r.stdout
        return int(last.split()[0]), r.stdout

    def acked(self, n, timeout=30):
        """Waits until the sink's group has nothing left to deliver or pending (n entries read)."""
        def done():
            c = self.redis.client()
            try:
                groups = c.call("XINFO", "GROUPS", "vigie:alerts:slack")
            finally:
                c.close()
            for g in groups:
                d = dict(zip(g[::2], g[1::2]))
                if d["name"] == "sink:slack":
                    return d["pending"] == 0 and d["entries-read"] is not None and d["entries-read"] >= n
            return False
        wait_until(done, timeout, f"{n} alert entries delivered and acknowledged")


def signal(sid, title="Acme nomme Jane Doe directrice financière", evidence=None, priority=82, sources=1, **kw):
    s = {"id": sid, "account_id": "acme", "type": "leadership_change", "confidence": 0.9, "priority": priority,
         "title": title, "url": "https://news.example.com/" + sid, "published": "2026-03-02T10:00:00Z",
         "detected": "2026-03-02T10:05:00Z",
         "evidence": evidence or "Acme a nommé Jane Doe directrice financière pour 20 millions d'euros.",
         "amounts": [{"value": 20000000, "currency": "EUR"}],
         "people": [{"name": "Jane Doe", "role": "directrice financière", "role_norm": "cfo",
                     "seniority": "c-level", "department": "finance", "departing": False}],
         "counterparties": [], "places": [], "modifiers": [], "lang": "fr", "sources": sources}
    s.update(kw)
    return s


def alert(aid, signals, target="C0SALES", kind="alert", **kw):
    a = {"id": aid, "kind": kind, "channel": "slack", "target": target, "receiver": "key_accounts",
         "route": "key", "created": "2026-03-02T10:06:00Z",
         "owner": {"key": "claire.martin@example.com", "name": "Claire Martin",
                   "email": "claire.martin@example.com", "slack": "U0CLAIRE", "timezone": "Europe/Paris"},
         "account": {"id": "acme", "name": "Acme Corp", "tier": "key", "owner": "claire.martin@example.com",
                     "crm_id": None, "domains": ["acme.example"]},
         "priority": max(s["priority"] for s in signals), "signals": signals}
    a.update(kw)
    return a


def texts(msg):
    """Every text of a posted message: the fallback, then each block's texts."""
    out = [msg["text"]]

    def walk(n):
        if isinstance(n, dict):
            if isinstance(n.get("text"), str):
                out.append(n["text"])
            for v in n.values():
                walk(v)
        elif isinstance(n, list):
            for v in n:
                walk(v)
    walk(msg["blocks"])
    return out


def posts(state, path="chat.postMessage"):
    return [r for r in state["requests"] if r["path"].endswith(path)]


# ---- what an owner sees --------------------------------------------------------------------

def test_an_alert_reaches_its_channel_as_blocks():
    env = Env()
    env.start()
    env.xadd(alert("a" * 32, [signal("1" * 32)]))
    env.xadd(alert("b" * 32, [signal("2" * 32, title="Acme rachète Foo")], target=""))  # → default_channel
    wait_until(lambda: len(env.messages()) == 2, 20, "two messages in Slack")
    env.acked(2)
    m1, m2 = sorted(env.messages(), key=lambda m: m["channel"])
    assert m1["channel"] == "C0ALERTS" and m2["channel"] == "C0SALES", (m1["channel"], m2["channel"])
    assert m2["via"] == "chat.postMessage" and m2["unfurl_links"] is False
    blocks = m2["blocks"]
    assert blocks[0]["type"] == "header" and blocks[0]["text"]["text"] == "Acme Corp: Leadership change"
    summary = json.dumps(blocks[1], ensure_ascii=False)
    assert "Acme Corp · key account" in summary and "<@U0CLAIRE>" in summary, summary
    sig = blocks[3]["text"]["text"]
    assert "Jane Doe directrice financière pour 20 millions d'euros" in sig, sig
    assert "*Amounts:* 20M EUR" in sig and "*People:* Jane Doe (cfo)" in sig, sig
    assert f"<https://news.example.com/{'1' * 32}|Acme nomme Jane Doe directrice financière>" in sig, sig
    assert m2["text"].startswith("Acme Corp: Leadership change, priority 82"), m2["text"]
    # the owner (a Slack user in the account record) is mentioned; nothing else is
    assert m1["mentions"] == m2["mentions"] == ["<@U0CLAIRE>"], (m1["mentions"], m2["mentions"])
    assert all(r["status"] == 200 and r["auth"] for r in posts(env.state()))
    assert env.dlq()[0] == 0


def test_hostile_web_text_mentions_no_one_and_formats_nothing():
    env = Env()
    env.start()
    hostile = signal("3" * 32, title="<!channel> *URGENT* _click_ ~now~ `rm -rf` <script>alert(1)</script>",
                     evidence="<!here> <@U0BOSS> see <#C0KEY|key-accounts> @everyone\r\n> fake quote "
                              "<https://evil.example|Acme login>",
                     people=[{"name": "<!everyone>", "role": "<@U0BOSS>", "role_norm": None, "departing": True}],
                     url="https://evil.example/p?a=1&b=<!channel>|x")
    a = alert("c" * 32, [hostile])
    a["account"]["name"] = "Acme <!here> & *Co*"
    a["owner"]["slack"] = "<!channel>"
    env.xadd(a)
    wait_until(lambda: env.messages(), 20, "the message in Slack")
    env.acked(1)
    (m,) = env.messages()
    assert m["mentions"] == [], m["mentions"]  # the stand-in took it: its blocks are valid
    for t in texts(m):
        for bad in ("<!", "<@", "<#", "<script", "*URGENT*", "_click_", "~now~", "`rm", "\r", "@everyone"):
            assert bad not in t, (bad, t)
        for line in t.split("\n"):
            assert not line.startswith(">") and not line.startswith("&gt;"), line
    sig = m["blocks"][3]["text"]["text"]
    assert "&lt;!here&gt; &lt;@U0BOSS&gt; see &lt;#C0KEY|key-accounts&gt;" in sig, sig
    assert "<https://evil.example/p?a=1&amp;b=%3C!channel%3E%7Cx|" in sig, sig
    assert m["blocks"][0]["text"]["text"].startswith("Acme &lt;!here&gt; &amp; *Co*"), m["blocks"][0]


def test_a_group_of_200_signals_keeps_to_slacks_limits():
    env = Env()
    env.start()
    sigs = [signal("%032x" % (i + 1), title=f"Acme story {i + 1} " + "x" * 400, evidence="y" * 5000,
                   priority=99 - i // 3) for i in range(200)]
    env.xadd(alert("d" * 32, sigs))
    wait_until(lambda: env.messages(), 20, "the message in Slack")
    (m,) = env.messages()
    assert len(m["blocks"]) <= 50
    assert "190 more signals" in json.dumps(m["blocks"][-1]), m["blocks"][-1]
    assert "Acme story 1 " in m["blocks"][3]["text"]["text"]
    assert env.dlq()[0] == 0


# ---- faults: nothing lost, nothing twice -------------------------------------------------------

def test_429_then_success_posts_exactly_once():
    env = Env()
    env.config(fail_next=[{"match": "chat.postMessage", "status": 429, "retry_after": 2}])
    env.start()
    env.xadd(alert("e" * 32, [signal("5" * 32)]))
    wait_until(lambda: env.messages(), 30, "the message after the 429")
    env.acked(1)
    st = env.state()
    p = posts(st)
    assert [r["status"] for r in p] == [429, 200], [(r["status"], r["error"]) for r in p]
    assert p[1]["time"] - p[0]["time"] >= 1.9, p  # Retry-After: 2 honoured
    assert len(st["messages"]) == 1
    assert env.dlq()[0] == 0


def test_500_for_a_while_loses_nothing_and_doubles_nothing():
    env = Env("max_attempts = 2")
    env.config(outage=500)
    env.start()
    for i in range(3):
        env.xadd(alert("%032x" % (0xf0 + i), [signal("%032x" % (0xa0 + i), title=f"Acme story {i}")]))
    # many times the two attempts a record has: the sink backs off as a whole
    wait_until(lambda: len([r for r in env.state()["requests"] if r["status"] == 500]) >= 6, 60,
               "several failed rounds")
    assert env.messages() == []
    env.config(outage=None)
    wait_until(lambda: len(env.messages()) == 3, 60, "the three messages after the outage")
    env.acked(3)
    titles = sorted(m["blocks"][3]["text"]["text"].split("|")[-1] for m in env.messages())
    assert titles == ["Acme story 0>", "Acme story 1>", "Acme story 2>"], titles
    assert env.dlq()[0] == 0


def test_a_redelivered_alert_is_posted_once():
    env = Env()
    env.start()
    a = alert("f" * 32, [signal("6" * 32)])
    env.xadd(a)
    env.xadd(a)  # the same message again (a router retried its flush)
    wait_until(lambda: env.messages(), 20, "the message")
    env.acked(2)
    env.vigie.stop()
    env.xadd(a)  # and once more, to a daemon started again
    env.start()
    env.acked(3)
    assert len(env.messages()) == 1, env.messages()
    assert len(posts(env.state())) == 1
    assert env.dlq()[0] == 0


def test_an_update_edits_the_original_message():
    env = Env()
    env.start()
    s1, s2 = signal("7" * 32, title="Acme story one"), signal("8" * 32, title="Acme story two", priority=60)
    env.xadd(alert("9" * 32, [s1, s2]))
    wait_until(lambda: env.messages(), 20, "the original message")
    upd = alert("9" * 32, [dict(s1, sources=3, source_urls=["https://a.example/1", "https://b.example/2"]), s2],
                kind="update", alert_id="9" * 32, signal_id="7" * 32)
    env.xadd(upd)
    wait_until(lambda: env.messages()[0]["edits"] == 1, 20, "the message edited")
    env.xadd(upd)  # redelivered: shown already, no second edit
    env.acked(3)
    st = env.state()
    (m,) = st["messages"]
    assert "3 sources · _updated_" in m["blocks"][3]["text"]["text"], m["blocks"][3]
    assert "1 source" in m["history"][0]["blocks"][3]["text"]["text"]
    assert m["text"].startswith("Updated: Acme Corp")
    assert len(posts(st, "chat.update")) == 1 and len(posts(st)) == 1
    # an update of a message vigie never posted becomes the message (later updates edit it)
    lone = alert("ab" * 16, [signal("cd" * 16, sources=2)], kind="update", alert_id="ef" * 16,
                 signal_id="cd" * 16)
    env.xadd(lone)
    wait_until(lambda: len(env.messages()) == 2, 20, "the update posted as a new message")
    env.xadd(alert("ef" * 16, [signal("cd" * 16)]))  # its original, late: taken as posted
    env.acked(5)
    assert len(env.messages()) == 2
    assert env.dlq()[0] == 0


def test_a_refused_token_pauses_the_sink():
    env = Env(token="xoxb-revoked")
    env.start()
    env.xadd(alert("1a" * 16, [signal("1b" * 16)]))
    wait_until(lambda: "invalid_auth" in run_vigie(["status", "-c", env.conf]).stdout, 30,
               "vigie status to show the refused token")
    out = run_vigie(["status", "-c", env.conf]).stdout
    assert "PAUSED" in out and "bot_token" in out, out
    status, body = env.vigie.get("/readyz")
    assert status == 503 and "invalid_auth" in body, (status, body)
    assert env.messages() == [] and env.dlq()[0] == 0


# ---- the documented rate --------------------------------------------------------------------

def test_the_posting_rate_is_kept_without_a_429():
    env = Env()
    env.start()
    for i in range(4):
        env.xadd(alert("%032x" % (0x100 + i), [signal("%032x" % (0x200 + i))]))
    wait_until(lambda: len(env.messages()) == 4, 30, "four messages")
    st = env.state()
    p = posts(st)
    assert all(r["status"] == 200 for r in p), [(r["status"], r["error"]) for r in p]
    gaps = [b["time"] - a["time"] for a, b in zip(p, p[1:])]
    assert all(g >= 0.8 for g in gaps), gaps  # one a second (the budget's window, less the way there)


def test_without_the_budget_slacks_429s_are_waited_out():
    env = Env("rate_limit = 0")
    env.start()
    for i in range(6):
        env.xadd(alert("%032x" % (0x300 + i), [signal("%032x" % (0x400 + i))]))
    wait_until(lambda: len(env.messages()) == 6, 60, "six messages")
    env.acked(6)
    st = env.state()
    assert any(r["status"] == 429 for r in posts(st)), "the stand-in never limited the burst"
    assert len({m["blocks"][3]["text"]["text"] for m in st["messages"]}) == 6
    assert env.dlq()[0] == 0


# ---- the incoming webhook ---------------------------------------------------------------------

def test_webhook_posts_refusals_drop_and_a_revoked_webhook_pauses():
    env = Env(webhook=True)
    v = env.start()
    env.xadd(alert("2a" * 16, [signal("2b" * 16)], target=""))
    wait_until(lambda: env.messages(), 20, "the message through the webhook")
    (m,) = env.messages()
    assert m["via"] == "webhook" and m["channel"] == "C0HOOK" and m["mentions"] == ["<@U0CLAIRE>"], m
    # a message Slack refuses (400 invalid_payload) is dead-lettered with Slack's word
    env.config(fail_next=[{"match": "/services/", "status": 400, "body": "invalid_payload"}])
    env.xadd(alert("3a" * 16, [signal("3b" * 16)], target=""))
    wait_until(lambda: env.dlq()[0] == 1, 20, "the refused message dead-lettered")
    assert "invalid_payload" in env.dlq()[1], env.dlq()[1]
    # an update cannot be made through a webhook: dead-lettered, not posted
    env.xadd(alert("2a" * 16, [signal("2b" * 16, sources=2)], target="", kind="update", alert_id="2a" * 16,
                   signal_id="2b" * 16))
    wait_until(lambda: env.dlq()[0] == 2, 20, "the update dead-lettered")
    # the webhook removed: the sink pauses, nothing is lost
    env.config(webhook_state="no_service")
    env.xadd(alert("4a" * 16, [signal("4b" * 16)], target=""))
    wait_until(lambda: "no_service" in run_vigie(["status", "-c", env.conf]).stdout, 30,
               "vigie status to show the refused webhook")
    assert len(env.messages()) == 1 and env.dlq()[0] == 2
    assert WEBHOOK not in "\n".join(v.lines), "the webhook's secret path reached the log"


run_tests(globals())
