# ctest-labels: integration sources
"""WebSub push (issue 15 part 6) on a real redis-server and a real `vigie run`, against a hub
this test runs on loopback (http.server, the hub side of the W3C recommendation: it takes the
subscribe POST with 202, verifies the intent with a random challenge on the callback, then
POSTs signed deliveries).

- round trip: the feed advertises rel="hub" and rel="self"; vigie subscribes (callback under
  [websub] public_url, topic = self, lease and a secret), answers the challenge, and a signed
  delivery's entry reaches the items stream and becomes an acquisition signal on the account
  it names; while the hub pushes, the feed is polled at [websub] poll_interval;
- deliveries with a bad signature (another secret, sha1, none) are answered 2xx but queue
  nothing, and are logged; an unknown callback token is answered 410;
- the lease: renewed at 80%, and when the hub stops verifying, the lease ends and the source is
  polled at its own interval again; a removed source is unsubscribed;
- a hub that never verifies: vigie does not crash, asks again with a growing delay, `vigie
  status` says why, and the feed is still polled at its own interval."""
import hashlib
import hmac
import json
import os
import re
import secrets
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from harness import Redis, Vigie, daemon_config, free_port, run_tests, run_vigie, short_tmpdir, wait_until

DAY = 86400


def rss(base, items, links=True):
    """An RSS 2.0 document advertising its hub and its own URL (unless links is False), with
    items (title, link, date)."""
    advert = (f'<atom:link rel="hub" href="{base}/hub"/>'
              f'<atom:link rel="self" href="{base}/feed.xml" type="application/rss+xml"/>') if links else ""
    entries = "".join(f"<item><title>{t}</title><link>{l}</link><guid>{l}</guid><pubDate>{d}</pubDate></item>"
                      for t, l, d in items)
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">'
            f'<channel><title>Industry news</title><link>{base}/</link>{advert}'
            f'{entries}</channel></rss>').encode()


OLD = ("Tyre market report for the third quarter", "https://news.example/q3", "Mon, 05 Jan 2015 10:00:00 GMT")


class Hub:
    """The publisher's feed and its hub, on one loopback server."""

    def __init__(self, verify=True, link_header=False):
        self.verify = verify
        self.link_header = link_header  # advertise in the HTTP Link header, not in the document
        self.requests = []       # the (un)subscribe forms received, in order
        self.verifications = []  # (mode, HTTP status, body == challenge)
        self.feed_hits = 0
        self.lock = threading.Lock()
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                if self.path != "/feed.xml":
                    self.send_error(404)
                    return
                with hub.lock:
                    hub.feed_hits += 1
                body = rss(hub.base, [OLD], links=not hub.link_header)
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                if hub.link_header:
                    self.send_header("Link", f'<{hub.base}/hub>; rel="hub"')
                    self.send_header("Link", '</feed.xml>; rel="self"')
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(n).decode()
                ok = self.path == "/hub" and \
                    self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded")
                form = {k: v[0] for k, v in urllib.parse.parse_qs(raw).items()}
                self.send_response(202 if ok else 400)
                self.send_header("Content-Length", "0")
                self.end_headers()
                if not ok:
                    return
                with hub.lock:
                    hub.requests.append(form)
                if hub.verify:
                    threading.Thread(target=hub.verify_intent, args=(form,), daemon=True).start()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def verify_intent(self, form, topic=None, mode=None):
        """The hub's GET on the callback (§5.3), with a random single-use challenge."""
        challenge = secrets.token_urlsafe(24)
        q = {"hub.mode": mode or form["hub.mode"], "hub.topic": topic or form["hub.topic"],
             "hub.challenge": challenge}
        if form["hub.mode"] == "subscribe":
            q["hub.lease_seconds"] = form.get("hub.lease_seconds", "864000")
        status, body = get(form["hub.callback"] + "?" + urllib.parse.urlencode(q))
        with self.lock:
            self.verifications.append((q["hub.mode"], status, body == challenge))
        return status, body == challenge

    def subscriptions(self, mode="subscribe"):
        with self.lock:
            return [f for f in self.requests if f["hub.mode"] == mode]

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def post(url, body, headers):
    req = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def deliver(hub, form, items, method="sha256", secret=None, signature=True):
    """The hub's content distribution (§7): the feed with its new items, signed (§8)."""
    body = rss(hub.base, items)
    headers = {"Content-Type": "application/rss+xml; charset=utf-8"}
    if signature:
        key = (secret or form["hub.secret"]).encode()
        headers["X-Hub-Signature"] = f"{method}=" + hmac.new(key, body, getattr(hashlib, method)).hexdigest()
    return post(form["hub.callback"], body, headers)


class Env:
    def __init__(self, hub, verify_timeout="1s"):
        self.dir = short_tmpdir("vgw")
        self.redis = Redis()
        self.c = self.redis.client()
        self.hub = hub
        self.port = free_port()
        self.clock_file = os.path.join(self.dir, "clock")
        self.now = int(time.time() * 1000)
        self.set_clock(self.now)
        self.conf = os.path.join(self.dir, "vigie.conf")
        with open(self.conf, "w") as f:
            f.write(daemon_config(self.dir, self.redis.url) + f"""[fetch]
allow_private = 127.0.0.1
per_host_delay = 0s
max_body = 64k
[websub]
listen = 127.0.0.1:{self.port}
public_url = http://127.0.0.1:{self.port}/
verify_timeout = {verify_timeout}
poll_interval = 2h
lease = 10d
""")
        with open(os.path.join(self.dir, "accounts.json"), "w") as f:
            json.dump([{"id": "michelin", "name": "Michelin", "domains": ["michelin.com"]}], f)
        r = self.cli("accounts", "import", os.path.join(self.dir, "accounts.json"))
        assert r.returncode == 0, r.stdout + r.stderr
        self.start()

    def start(self):
        self.vigie = Vigie(config_path=self.conf, env={"VIGIE_CLOCK_FILE": self.clock_file})
        self.vigie.wait_log(r"WebSub callbacks on http://127\.0\.0\.1:%d" % self.port)

    def cli(self, command, *args):
        return run_vigie([command, "-c", self.conf] + list(args))

    def set_clock(self, t_ms):
        self.now = int(t_ms)
        with open(self.clock_file + ".tmp", "w") as f:
            f.write(f"{self.now}\n")
        os.replace(self.clock_file + ".tmp", self.clock_file)

    def sub(self):
        return dict(zip(*[iter(self.c.call("HGETALL", "vigie:websub:news"))] * 2))

    def items(self):
        return [json.loads(f[1]) for _, f in self.c.call("XRANGE", "vigie:items", "-", "+")]

    def signals(self):
        return [json.loads(f[1]) for _, f in self.c.call("XRANGE", "vigie:signals", "-", "+")]

    def metric(self, name):
        _, text = self.vigie.get("/metrics")
        m = re.search(re.escape(name) + r" (\d+)", text)
        return int(m.group(1)) if m else 0

    def poll_now(self):
        """Makes the source due now, waits until that poll is recorded, and returns the seconds
        until the next one."""
        last = self.c.call("HGET", "vigie:last_ok", "news")
        self.c.call("ZADD", "vigie:due", "0", "news")
        wait_until(lambda: self.c.call("HGET", "vigie:last_ok", "news") != last, 10, "the poll recorded")
        return float(self.c.call("ZSCORE", "vigie:due", "news")) / 1000 - time.time()

    def stop(self):
        rc = self.vigie.stop()
        self.hub.stop()
        assert rc == 0, self.vigie.log()[-3000:]


def test_round_trip_signatures_lease_and_unsubscribe():
    hub = Hub()
    env = Env(hub)
    r = env.cli("sources", "add", hub.base + "/feed.xml", "--id", "news", "--interval", "5m")
    assert r.returncode == 0, r.stdout + r.stderr

    # subscribe: the callback is unguessable and under public_url, the topic is rel="self"
    wait_until(lambda: hub.subscriptions(), 15, "the subscribe request")
    form = hub.subscriptions()[0]
    cb = form["hub.callback"]
    assert re.fullmatch(r"http://127\.0\.0\.1:%d/websub/[0-9a-f]{32}" % env.port, cb), cb
    assert form["hub.topic"] == hub.base + "/feed.xml"
    assert form["hub.lease_seconds"] == str(10 * DAY)
    assert 0 < len(form["hub.secret"]) < 200
    wait_until(lambda: ("subscribe", 200, True) in hub.verifications, 10, "the verification answered")
    wait_until(lambda: env.sub().get("state") == "verified", 10, "the subscription verified in redis")
    sub = env.sub()
    assert sub["topic"] == form["hub.topic"] and sub["hub"] == hub.base + "/hub"
    assert int(sub["expires_ms"]) - int(sub["verified_ms"]) == 10 * DAY * 1000
    env.vigie.wait_log(r"source news: subscribed to hub http://127\.0\.0\.1:\d+/hub")
    show = env.cli("sources", "show", "news").stdout
    assert re.search(r"websub:\s+verified, lease until \d{4}-\d\d-\d\d", show), show
    assert "websub hub:   " + hub.base + "/hub" in show, show

    # a verification we did not ask for: another topic, an unsubscribe, an unknown token -> 404
    assert hub.verify_intent(form, topic=hub.base + "/other.xml") == (404, False)
    assert hub.verify_intent(form, mode="unsubscribe") == (404, False)
    assert hub.verify_intent(dict(form, **{"hub.callback": cb[:-32] + "0" * 32})) == (404, False)
    assert env.sub().get("state") == "verified"

    # while the hub pushes, a poll reschedules the feed at poll_interval (2h), not 5m
    assert env.poll_now() > 3600, "the safety-net interval"

    # bad signatures: answered 2xx, nothing queued, logged
    bad = [("Michelin acquires Camso in a forged delivery", "https://news.example/forged", None),
           ("Michelin acquires Fenner, sha1 signed", "https://news.example/sha1", "sha1"),
           ("Michelin acquires Lehigh, unsigned", "https://news.example/unsigned", "none")]
    date = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime())
    assert deliver(hub, form, [(bad[0][0], bad[0][1], date), OLD], secret="not the secret") == 202
    assert deliver(hub, form, [(bad[1][0], bad[1][1], date)], method="sha1") == 202
    assert deliver(hub, form, [(bad[2][0], bad[2][1], date)], signature=False) == 202
    env.vigie.wait_log(r"source news: delivery ignored: bad signature \(sha256\)")
    wait_until(lambda: env.metric('vigie_websub_deliveries_total{result="bad_signature"}') == 3, 10,
               "three deliveries refused")
    # an unknown token: 410, the hub may drop it
    assert post(cb[:-32] + "f" * 32, b"<rss/>", {"X-Hub-Signature": "sha256=00"}) == 410

    # a good delivery: the entry reaches the items stream, and the enricher makes its signal
    title = "Michelin acquires Fenner for 1.1 billion pounds"
    assert deliver(hub, form, [(title, "https://news.example/fenner", date), OLD]) == 202
    item = wait_until(lambda: next((i for i in env.items() if i["title"] == title), None), 10, "the pushed item")
    assert item["source_id"] == "news", item
    sig = wait_until(lambda: next((s for s in env.signals() if s.get("url") == "https://news.example/fenner"),
                                  None), 20, "the acquisition signal")
    assert sig["account_id"] == "michelin" and sig["type"] == "acquisition", sig
    titles = [i["title"] for i in env.items()]
    assert not [t for t, _, _ in bad if t in titles], titles
    assert OLD[0] not in titles  # the baseline's entry stays seen: the poll's dedup
    # the same delivery again: deduplicated like a poll's
    n = len(env.items())
    assert deliver(hub, form, [(title, "https://news.example/fenner", date)]) == 202
    env.vigie.wait_log(r"source news: delivery recorded, 0 new, 1 seen")
    assert len(env.items()) == n

    # a body over [fetch] max_body is refused before it is read whole
    big = [(f"Filler entry {i} " + "x" * 200, f"https://news.example/big{i}", date) for i in range(400)]
    assert deliver(hub, form, big) == 413
    assert not [i for i in env.items() if i["title"].startswith("Filler entry")]

    # a restart keeps the subscription: the hub delivers to the same callback, with the same secret
    assert env.vigie.stop() == 0, env.vigie.log()[-3000:]
    env.start()
    # until it has read its subscriptions from redis, it answers 503 (never 410: the hub would drop it)
    env.vigie.wait_log(r"1 subscription\(s\) kept in redis")
    title2 = "Michelin opens a new plant in Lyon"
    assert deliver(hub, form, [(title2, "https://news.example/lyon", date)]) == 202
    wait_until(lambda: any(i["title"] == title2 for i in env.items()), 10, "the item pushed after a restart")
    assert len(hub.subscriptions()) == 1  # nothing asked again: the lease runs

    # 80% of the lease gone: renewed (the hub verifies again, the lease moves on)
    first_expiry = int(env.sub()["expires_ms"])
    env.set_clock(env.now + int(8.5 * DAY * 1000))
    wait_until(lambda: len(hub.subscriptions()) == 2, 10, "the renewal")
    env.vigie.wait_log(r"source news: renewing the subscription")
    wait_until(lambda: int(env.sub().get("expires_ms", 0)) > first_expiry, 10, "the renewed lease")
    assert hub.subscriptions()[1]["hub.callback"] == cb  # the same callback and secret
    assert hub.subscriptions()[1]["hub.secret"] == form["hub.secret"]

    # the hub stops verifying: renewal asked again, the lease runs out, the feed is polled at its
    # own interval again
    hub.verify = False
    env.set_clock(env.now + 11 * DAY * 1000)
    wait_until(lambda: len(hub.subscriptions()) >= 3, 10, "the renewal after the lease")
    env.vigie.wait_log(r"source news: the lease at hub \S+ ended without renewal")
    wait_until(lambda: env.sub().get("state") == "pending", 10, "the subscription pending again")
    assert env.poll_now() < 1800, "the source's own interval"
    _, status = 0, env.cli("status").stdout
    assert re.search(r"websub\s+1 subscription\(s\), 0 verified", status), status

    # the source removed: unsubscribed (the hub verifies the unsubscription), forgotten
    hub.verify = True
    assert env.cli("sources", "rm", "news").returncode == 0
    wait_until(lambda: hub.subscriptions("unsubscribe"), 30, "the unsubscribe request")
    wait_until(lambda: ("unsubscribe", 200, True) in hub.verifications, 10, "the unsubscription verified")
    wait_until(lambda: not env.sub(), 10, "the subscription forgotten")
    assert env.c.call("HLEN", "vigie:websub_tokens") == 0
    env.stop()


def test_listen_needs_public_url():
    d = short_tmpdir("vgw")
    conf = os.path.join(d, "vigie.conf")
    with open(conf, "w") as f:
        f.write(daemon_config(d, "unix:///nonexistent.sock") + "[websub]\nlisten = 127.0.0.1:0\n")
    r = run_vigie(["check-config", "-c", conf])
    assert r.returncode != 0 and re.search(r"vigie\.conf:\d+: key 'websub\.listen': set \[websub\] public_url",
                                           r.stderr), r.stderr


def test_discovery_from_the_link_header():
    hub = Hub(link_header=True)
    env = Env(hub)
    r = env.cli("sources", "add", hub.base + "/feed.xml", "--id", "news", "--interval", "5m")
    assert r.returncode == 0, r.stdout + r.stderr
    wait_until(lambda: hub.subscriptions(), 15, "the subscribe request")
    assert hub.subscriptions()[0]["hub.topic"] == hub.base + "/feed.xml"  # the relative self, resolved
    wait_until(lambda: env.sub().get("state") == "verified", 10, "the subscription verified")
    assert env.sub()["hub"] == hub.base + "/hub"
    env.stop()


def test_hub_that_never_verifies():
    hub = Hub(verify=False)
    env = Env(hub, verify_timeout="1s")
    r = env.cli("sources", "add", hub.base + "/feed.xml", "--id", "news", "--interval", "5m")
    assert r.returncode == 0, r.stdout + r.stderr
    # asked again after 1s, then 2s: three requests within seconds, the same callback each time
    wait_until(lambda: len(hub.subscriptions()) >= 3, 20, "the subscribe request retried")
    assert len({f["hub.callback"] for f in hub.subscriptions()}) == 1
    env.vigie.wait_log(r"source news: subscribe at hub \S+ failed \(2 in a row\): the hub did not verify the "
                       r"subscription in time; tried again in 2s")
    sub = env.sub()
    assert sub["state"] == "pending" and "did not verify" in sub["last_error"], sub
    status = env.cli("status").stdout
    assert re.search(r"news\s+pending, not verified \(the hub did not verify", status), status
    # the feed is polled as before, at its own interval, and did not fail
    assert env.poll_now() < 1800
    show = env.cli("sources", "show", "news").stdout
    assert re.search(r"failures:\s+0", show) and "websub:       pending" in show, show
    env.stop()


run_tests(globals())
