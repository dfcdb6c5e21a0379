# ctest-labels: integration alerts
"""The signed webhook ([sink.webhook]): alert messages XADDed to alerts:webhook reach a
receiver that verifies every request with the reference Standard Webhooks library (npm
standardwebhooks, tests/alerts/webhook_verifier.mjs); a key rotation signs with both secrets,
each accepted alone; a tampered body is refused; a 429 then a 500 then success delivers the
message once, under one webhook-id; a redelivered message sends nothing; a receiver that says
it is gone (410) pauses the sink."""
import base64
import hashlib
import hmac
import json
import os
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hookenv import HookEnv, alert, run_tests, signal, start_node, stop_node, wait_until  # noqa: E402


def new_secret():
    return "whsec_" + base64.b64encode(os.urandom(32)).decode()


SECTION = """[sink.webhook]
enabled = yes
url = http://127.0.0.1:{port}/hook
secret = {secret}
{extra}
allow_private = 127.0.0.1
linger = 50ms
backoff_min = 100ms
backoff_max = 1s
"""


class Verifier:
    def __init__(self, *secrets):
        self.proc, self.port = start_node("webhook_verifier.mjs", *secrets)

    def _call(self, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}/__verifier/{path}", data=data,
                                     method="GET" if body is None else "POST")
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())

    def requests(self):
        return self._call("state")["requests"]

    def config(self, **kw):
        return self._call("config", kw)

    def verify(self, secret, body, headers):
        return self._call("verify", {"secret": secret, "body": body, "headers": headers})

    def stop(self):
        stop_node(self.proc)


def setup(secret, extra="", verifier_secrets=None):
    v = Verifier(*(verifier_secrets or [secret]))
    env = HookEnv(SECTION.format(port=v.port, secret=secret, extra=extra))
    env.start()
    return env, v


def test_requests_verified_by_the_reference_library():
    secret = new_secret()
    env, v = setup(secret)
    try:
        msgs = [alert("webhook", [signal(i, priority=60 + i)], account={
            "id": f"acct{i}", "name": f"Account {i}", "tier": "key", "owner": "o@example.com", "crm_id": None,
            "domains": []}) for i in range(3)]
        for m in msgs:
            env.xadd("webhook", m)
        wait_until(lambda: len(v.requests()) >= 3, 20, "three requests")
        wait_until(lambda: env.settled("webhook"), 10, "every entry acknowledged")
        reqs = v.requests()
        assert len(reqs) == 3, reqs
        for r, m in zip(sorted(reqs, key=lambda r: r["id"]), sorted(msgs, key=lambda m: m["id"])):
            assert r["verified"] == {"0": True}, r["verified"]
            assert r["status"] == 204
            assert r["method"] == "POST" and r["path"] == "/hook" and r["content_type"] == "application/json"
            assert r["id"] == m["id"]
            assert abs(int(r["timestamp"]) - time.time()) < 60
            body = json.loads(r["body"])
            assert body == {"type": "alert.created", "timestamp": m["created"], "data": m}, body
            # Independently of vigie and of the npm library: Python's hmac over id.timestamp.body.
            key = base64.b64decode(secret[len("whsec_"):])
            mac = hmac.new(key, f"{r['id']}.{r['timestamp']}.{r['body']}".encode(), hashlib.sha256).digest()
            assert r["signature"] == "v1," + base64.b64encode(mac).decode()
        # A tampered body, or another timestamp, is refused by the library.
        r = reqs[0]
        headers = {"webhook-id": r["id"], "webhook-timestamp": r["timestamp"], "webhook-signature": r["signature"]}
        assert v.verify(secret, r["body"], headers)["ok"] is True
        tampered = r["body"].replace('"priority":', '"priority":1', 1)
        assert tampered != r["body"]
        out = v.verify(secret, tampered, headers)
        assert out["ok"] is False and "signature" in out["error"].lower(), out
        out = v.verify(secret, r["body"], dict(headers, **{"webhook-timestamp": str(int(r["timestamp"]) + 1)}))
        assert out["ok"] is False, out
        out = v.verify(new_secret(), r["body"], headers)
        assert out["ok"] is False, out
        assert env.dlq()[0] == 0
    finally:
        env.stop()
        v.stop()


def test_key_rotation_both_secrets_valid():
    old, new, other = new_secret(), new_secret(), new_secret()
    # The receiver side: one verifier knowing only the old secret, one only the new, one neither.
    env, v = setup(old, extra=f"secret_next = {new}", verifier_secrets=[old, new, other])
    try:
        env.xadd("webhook", alert("webhook", [signal(1)]))
        wait_until(lambda: v.requests(), 20, "a request")
        r = v.requests()[0]
        sigs = r["signature"].split(" ")
        assert len(sigs) == 2 and all(s.startswith("v1,") for s in sigs), r["signature"]
        assert r["verified"]["0"] is True and r["verified"]["1"] is True, r["verified"]
        assert r["verified"]["2"] is not True, r["verified"]
        assert r["status"] == 204
    finally:
        env.stop()
        v.stop()


def test_429_then_500_then_success_is_delivered_once():
    secret = new_secret()
    env, v = setup(secret)
    try:
        v.config(plan=[429, 500], retry_after="1")
        m = alert("webhook", [signal(7)])
        t0 = time.time()
        env.xadd("webhook", m)
        wait_until(lambda: any(r["status"] == 204 for r in v.requests()), 30, "the delivery after 429 and 500")
        wait_until(lambda: env.settled("webhook"), 10, "the entry acknowledged")
        time.sleep(1.5)  # nothing more comes
        reqs = v.requests()
        assert [r["status"] for r in reqs] == [429, 500, 204], [r["status"] for r in reqs]
        # Every attempt is the same message: one webhook-id (receivers dedupe on it), one body,
        # each signed afresh and valid.
        assert {r["id"] for r in reqs} == {m["id"]}
        assert len({r["body"] for r in reqs}) == 1
        assert all(r["verified"]["0"] is True for r in reqs)
        # The 429's Retry-After (1 s) was waited.
        assert reqs[1]["at"] - reqs[0]["at"] >= 950, (reqs[0]["at"], reqs[1]["at"])
        assert env.dlq()[0] == 0
        assert time.time() - t0 < 30
    finally:
        env.stop()
        v.stop()


def test_redelivered_message_is_sent_once():
    secret = new_secret()
    env, v = setup(secret)
    try:
        m = alert("webhook", [signal(3)])
        env.xadd("webhook", m)
        wait_until(lambda: len(v.requests()) == 1 and env.settled("webhook"), 20, "the first delivery")
        # The same message written again (a replay, a router retry), and twice in one batch.
        env.xadd("webhook", m)
        env.xadd("webhook", m)
        wait_until(lambda: env.settled("webhook"), 20, "the copies acknowledged")
        time.sleep(1)
        assert len(v.requests()) == 1, v.requests()
        # After a restart too: the mark is in Redis.
        env.stop()
        env.start()
        env.xadd("webhook", m)
        wait_until(lambda: env.settled("webhook"), 20, "the copy acknowledged after a restart")
        time.sleep(0.5)
        assert len(v.requests()) == 1, v.requests()
        assert env.dlq()[0] == 0
    finally:
        env.stop()
        v.stop()


def test_gone_pauses_and_bad_request_dead_letters():
    secret = new_secret()
    env, v = setup(secret)
    try:
        # A 400 is about this message: dead-lettered, the next one goes.
        v.config(plan=[400])
        env.xadd("webhook", alert("webhook", [signal(11)]))
        env.xadd("webhook", alert("webhook", [signal(12)]))
        wait_until(lambda: [r["status"] for r in v.requests()] == [400, 204], 20, "a 400 then a 204")
        wait_until(lambda: env.dlq()[0] == 1, 10, "one dead letter")
        assert "refused it (400" in env.dlq()[1], env.dlq()[1]
        # Not an alert message at all: dead-lettered without a request.
        env.xadd("webhook", None, raw='{"kind":"digest","id":"abc"}')
        wait_until(lambda: env.dlq()[0] == 2, 10, "the digest dead-lettered")
        assert len(v.requests()) == 2
        # 410: the endpoint says it is gone; the sink pauses, nothing is dead-lettered or lost.
        v.config(plan=[410])
        env.xadd("webhook", alert("webhook", [signal(13)]))
        wait_until(lambda: (lambda r: r[0] == 503 and "gone" in r[1])(env.vigie.get("/readyz")), 20,
                   "/readyz to say the endpoint is gone")
        time.sleep(1)
        assert [r["status"] for r in v.requests()] == [400, 204, 410]
        assert env.dlq()[0] == 2
        assert not env.settled("webhook")
    finally:
        env.stop()
        v.stop()


run_tests(globals())
