# ctest-labels: integration alerts
"""The Teams sink ([sink.teams]): alert messages XADDed to alerts:teams reach a stand-in of a
Workflows webhook (teams_standin.py: the envelope, 28 KB, 4 requests a second, 429) as cards
that Microsoft's adaptivecards parser takes as they are (card_check.mjs), hostile text made
inert, big alerts cut to fit with an "N more" line; a 429's Retry-After, 5xx retried, 401
pauses; each message sent once."""
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from hookenv import (HookEnv, alert, control, node_ready, run_tests, run_vigie, signal,  # noqa: E402
                     start_standin, stop_standin, wait_until)

SECTION = """[sink.teams]
enabled = yes
url = http://127.0.0.1:{port}/workflows/abc123/triggers/manual/paths/invoke?api-version=2016-06-01&sig=test-sig
allow_private = 127.0.0.1
linger = 50ms
backoff_min = 100ms
backoff_max = 1s
{extra}
"""
LIMIT = 28 * 1024


def setup(extra=""):
    proc, port = start_standin(os.path.join(HERE, "teams_standin.py"))
    env = HookEnv(SECTION.format(port=port, extra=extra))
    env.start()
    return env, proc, port


def requests(port):
    return control(port, "GET", "state")["requests"]


def card_check(cards):
    """Microsoft's parser's verdict on each card (node card_check.mjs)."""
    node_ready()
    r = subprocess.run(["node", os.path.join(HERE, "card_check.mjs")], input="".join(json.dumps(c) + "\n" for c in cards),
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    out = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(out) == len(cards), r.stdout
    return out


def texts(node):
    """Every text a reader sees in a card: TextBlock texts, fact titles and values, fallback."""
    out = []
    if isinstance(node, dict):
        if node.get("type") == "TextBlock":
            out.append(node["text"])
        if "facts" in node:
            out += [f["title"] + ": " + f["value"] for f in node["facts"]]
        if "fallbackText" in node:
            out.append(node["fallbackText"])
        for v in node.values():
            out += texts(v)
    elif isinstance(node, list):
        for v in node:
            out += texts(v)
    return out


def actions(node):
    if isinstance(node, dict):
        return ([node] if node.get("type") == "Action.OpenUrl" else []) + [a for v in node.values() for a in actions(v)]
    if isinstance(node, list):
        return [a for v in node for a in actions(v)]
    return []


HOSTILE = ("**URGENT** [click here](https://evil.example/phish) _x_ `rm -rf` ~~no~~ # Title\r\n"
           "- item\n> quote <script>alert(1)</script> <at>General</at> \\* 1. one")


def hostile_alert():
    s = signal(1, priority=90, title="# " + HOSTILE, evidence="- " + HOSTILE,
               url="javascript:alert(1)",
               people=[{"name": "**Eve** [x](https://evil.example/)", "role": "<b>ceo</b>", "role_norm": "ceo",
                        "departing": True}],
               amounts=[{"value": 12e6, "currency": "EUR*"}])
    acct = {"id": "evil", "name": "[Evil](https://evil.example/) **Corp**", "tier": "key",
            "owner": "o@example.com", "crm_id": None, "domains": []}
    return alert("teams", [s], account=acct)


def test_cards_are_valid_inert_and_within_28kb():
    env, proc, port = setup()
    try:
        plain = alert("teams", [signal(1, priority=80), signal(2, priority=55)])
        hostile = hostile_alert()
        # One signal whose evidence alone is far above the limit (every character escaped
        # takes three bytes).
        huge = alert("teams", [signal(3, priority=75, evidence="*_[" * 20000)])
        # Thirty signals, each with a long hostile evidence: lower ones go to "N more".
        many = alert("teams", [signal(10 + i, priority=40 + i, evidence=("**" + HOSTILE) * 12) for i in range(30)])
        # Twelve small signals: ten shown, two counted.
        twelve = alert("teams", [signal(100 + i, priority=30 + i) for i in range(12)])
        msgs = [plain, hostile, huge, many, twelve]
        for m in msgs:
            env.xadd("teams", m)
        wait_until(lambda: len(requests(port)) >= len(msgs) and env.settled("teams"), 30, "five cards")
        reqs = requests(port)
        assert [r["status"] for r in reqs] == [202] * len(msgs), [(r["status"], r["text"], r["size"]) for r in reqs]
        assert all(r["size"] <= LIMIT for r in reqs), [r["size"] for r in reqs]
        cards = [r["envelope"]["attachments"][0]["content"] for r in reqs]
        verdicts = card_check(cards)
        assert all(v["ok"] for v in verdicts), verdicts
        assert {c["version"] for c in cards} == {"1.2"}
        by_title = {}
        for c in cards:
            by_title[c["fallbackText"]] = c

        # The plain alert: account, type, priority, evidence, amounts, people, sources, link.
        c = cards[0]
        t = "\n".join(texts(c))
        assert "Airbus" in t and "Acquisition" in t and "Priority 80" in t, t
        assert "Airbus a annoncé le rachat de Fibre1" in t
        assert "Amounts: 11 M EUR" in t and "People: Marie Dupont (cfo)" in t and "Sources: 1" in t, t
        assert "2 signals" in t and "Owner: Claire Martin" in t, t
        assert [a["url"] for a in actions(c)] == ["https://news.example.com/1", "https://news.example.com/2"]
        assert c["body"][0]["style"] == "attention"

        # The hostile one: nothing markdown acts on, no link to the javascript: URL, and the
        # text is still there to read.
        c = cards[1]
        for line in texts(c):
            assert "**" not in line and "[" not in line and "](" not in line and "`" not in line, line
            assert "~~" not in line and "\\" not in line and "_x_" not in line, line
            assert "\r" not in line and "\n" not in line, repr(line)
            assert not line.startswith(("#", "-", ">", "1.")), line
        t = "\n".join(texts(c))
        assert "URGENT" in t and "click here" in t and "<script>alert(1)</script>" in t and "Evil" in t, t
        assert actions(c) == []

        # The huge one: one signal, its evidence cut (ends with …), the card under the limit.
        c = cards[2]
        ev = [x for x in texts(c) if x.startswith("\u201c")]
        assert len(ev) == 1 and ev[0].endswith("\u2026\u201d"), ev
        assert reqs[2]["size"] <= LIMIT

        # Thirty: the highest priorities shown, the rest counted in one line.
        c = cards[3]
        t = "\n".join(texts(c))
        shown = [x for x in texts(c) if x.startswith("Acquisition \u00b7 priority")]
        more = [x for x in texts(c) if "more signal" in x]
        assert len(more) == 1, more
        n_more = int(more[0].split()[0])
        assert len(shown) + n_more == 30, (len(shown), more)
        assert shown[0] == "Acquisition \u00b7 priority 69", shown[:2]
        assert "30 signals" in t
        assert reqs[3]["size"] <= LIMIT

        c = cards[4]
        assert len([x for x in texts(c) if x.startswith("Acquisition \u00b7 priority")]) == 10
        assert any(x.startswith("2 more signals") for x in texts(c)), texts(c)
        assert env.dlq()[0] == 0
    finally:
        env.stop()
        stop_standin(proc)


def test_four_a_second_and_429_retry_after():
    env, proc, port = setup()
    try:
        msgs = [alert("teams", [signal(200 + i)], account={"id": f"a{i}", "name": f"A{i}", "tier": "key",
                                                             "owner": None, "crm_id": None, "domains": []})
                for i in range(12)]
        for m in msgs:
            env.xadd("teams", m)
        wait_until(lambda: len([r for r in requests(port) if r["status"] == 202]) == 12, 30, "twelve cards")
        reqs = requests(port)
        # The rate budget kept vigie within Teams' 4 a second: never throttled.
        assert [r["status"] for r in reqs] == [202] * 12, [r["status"] for r in reqs]
        assert reqs[-1]["at"] - reqs[0]["at"] >= 2.0, reqs[-1]["at"] - reqs[0]["at"]
        wait_until(lambda: env.settled("teams"), 10, "all acknowledged")

        # A 429 with Retry-After: 2 is waited, then the card goes once.
        control(port, "POST", "config", {"fail": [429], "retry_after": "2"})
        env.xadd("teams", alert("teams", [signal(300)]))
        wait_until(lambda: requests(port)[-1]["status"] == 202 and len(requests(port)) == 14, 20, "the card after a 429")
        r429, r202 = requests(port)[-2:]
        assert r429["status"] == 429 and r202["at"] - r429["at"] >= 1.9, (r429, r202["at"] - r429["at"])
        assert r429["envelope"] == r202["envelope"]
        wait_until(lambda: env.settled("teams"), 10, "acknowledged")
        assert env.dlq()[0] == 0
    finally:
        env.stop()
        stop_standin(proc)


def test_5xx_retried_once_delivered_401_pauses():
    env, proc, port = setup()
    try:
        control(port, "POST", "config", {"fail": [500, 502, 503]})
        m = alert("teams", [signal(400)])
        env.xadd("teams", m)
        wait_until(lambda: env.settled("teams"), 30, "delivered after three 5xx")
        assert [r["status"] for r in requests(port)] == [500, 502, 503, 202]
        # Written again (a redelivery): nothing sent.
        env.xadd("teams", m)
        wait_until(lambda: env.settled("teams"), 10, "the copy acknowledged")
        time.sleep(0.5)
        assert len(requests(port)) == 4
        # 401: the workflow URL no longer works; the sink pauses, nothing is dead-lettered.
        control(port, "POST", "config", {"fail": [401]})
        env.xadd("teams", alert("teams", [signal(401)]))
        wait_until(lambda: (lambda r: r[0] == 503 and "Teams refused" in r[1])(env.vigie.get("/readyz")), 20,
                   "/readyz to show the pause")
        time.sleep(1)
        assert [r["status"] for r in requests(port)] == [500, 502, 503, 202, 401]
        assert env.dlq()[0] == 0 and not env.settled("teams")
        # The workflow URL never reaches the log (it carries its signature).
        assert "test-sig" not in env.vigie.log()
    finally:
        env.stop()
        stop_standin(proc)


def test_preview_masks_the_workflow_signature():
    proc, port = start_standin(os.path.join(HERE, "teams_standin.py"))
    env = HookEnv(SECTION.format(port=port, extra=""))
    try:
        env.xadd("teams", hostile_alert())
        r = run_vigie(["sinks", "-c", env.conf, "preview", "--sink", "teams"])
        assert r.returncode == 0, r.stderr
        assert "POST http://127.0.0.1:%d/workflows/abc123/" % port in r.stdout, r.stdout
        assert "sig=***" in r.stdout and "test-sig" not in r.stdout, r.stdout
        assert "AdaptiveCard" in r.stdout
        assert requests(port) == []  # nothing sent
    finally:
        stop_standin(proc)


run_tests(globals())
