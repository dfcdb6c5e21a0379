"""What the alerts router's tests share: a real redis-server, accounts with owners, a vigie
configuration with [alerts] and its routes and receivers, a clock the test sets
(VIGIE_CLOCK_FILE), signal records written straight into the signals stream as the enrich
stage writes them, and the messages the router writes to alerts:<channel>.

    env = RouterEnv(ROUTES, clock="2026-01-15T10:00:00Z")
    v = env.start()                       # a vigie daemon (harness.Vigie)
    env.signal("airbus", "funding", 60)   # XADD vigie:signals * signal {...}
    env.advance(31)                       # the clock, in seconds
    env.wait_messages("slack", 1)
"""
import json
import os
import sys
import time
import uuid
from datetime import datetime, timezone

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from harness import Redis, Vigie, daemon_config, run_tests, run_vigie, short_tmpdir, wait_until  # noqa: E402,F401

ACCOUNTS = [
    {"id": "airbus", "name": "Airbus", "domains": ["airbus.com"], "owner": "Claire Martin", "tier": "key",
     "owner_email": "Claire.Martin@example.com", "owner_slack": "U0CLAIRE1", "owner_timezone": "Europe/Paris"},
    {"id": "michelin", "name": "Michelin", "domains": ["michelin.com"], "owner": "Claire Martin",
     "owner_email": "claire.martin@example.com", "owner_slack": "U0CLAIRE1", "owner_timezone": "Europe/Paris"},
    {"id": "capgemini", "name": "Capgemini", "domains": ["capgemini.com"], "owner": "Paul Durand", "tier": "key",
     "owner_email": "paul.durand@example.com", "owner_timezone": "America/New_York"},
    {"id": "thales", "name": "Thales", "domains": [], "owner": "Claire Martin",
     "owner_email": "claire.martin@example.com", "owner_slack": "U0CLAIRE1", "owner_timezone": "Europe/Paris"},
]


def ms(rfc3339):
    return int(datetime.fromisoformat(rfc3339.replace("Z", "+00:00")).timestamp() * 1000)


def iso(t_ms):
    return datetime.fromtimestamp(t_ms / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class RouterEnv:
    def __init__(self, alerts_conf, clock, accounts=ACCOUNTS, redis=None, instance="t1"):
        self.dir = short_tmpdir("vga")
        self.redis = redis or Redis()
        self.clock_file = os.path.join(self.dir, "clock")
        self.set_clock(ms(clock) if isinstance(clock, str) else clock)
        with open(os.path.join(self.dir, "accounts.json"), "w") as f:
            json.dump(accounts, f)
        self.alerts_conf = alerts_conf
        self.conf = self.write_config(instance)
        r = run_vigie(["accounts", "-c", self.conf, "import", os.path.join(self.dir, "accounts.json")])
        assert r.returncode == 0, r.stdout + r.stderr
        self.c = self.redis.client()
        self.n = 0

    def write_config(self, instance):
        path = os.path.join(self.dir, f"vigie-{instance}.conf")
        with open(path, "w") as f:
            f.write(daemon_config(self.dir, self.redis.url, instance=instance,
                                  state_dir=os.path.join(self.dir, f"state-{instance}")) + f"""[pipeline]
reclaim_idle = 2s
{self.alerts_conf}
""")
        return path

    # ---- the clock -------------------------------------------------------------------
    def set_clock(self, t_ms):
        self.now = int(t_ms)
        tmp = self.clock_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(f"{self.now}\n")
        os.replace(tmp, self.clock_file)

    def advance(self, seconds):
        self.set_clock(self.now + int(seconds * 1000))

    # ---- vigie ---------------------------------------------------------------------------
    def start(self, instance="t1"):
        conf = self.conf if instance == "t1" else self.write_config(instance)
        return Vigie(config_path=conf, env={"VIGIE_CLOCK_FILE": self.clock_file})

    def run_once(self):
        r = run_vigie(["run", "-c", self.conf, "--once"], env={"VIGIE_CLOCK_FILE": self.clock_file}, timeout=120)
        assert r.returncode == 0, f"vigie run --once failed ({r.returncode}):\n{r.stdout}\n{r.stderr}"
        return r

    # ---- signals in, messages out -----------------------------------------------------------
    def record(self, account, type_, priority, title=None, sid=None, evidence=None):
        """A signal record as enrich/extract_json.c writes it (members in its order)."""
        self.n += 1
        sid = sid or uuid.uuid4().hex
        title = title or f"{account} {type_} story {self.n}"
        return {"id": sid, "account_id": account, "type": type_, "confidence": 0.9, "priority": priority,
                "title": title, "url": f"https://news.example.com/{sid}", "published": iso(self.now),
                "detected": iso(self.now), "evidence": evidence or f"{title}.", "amounts": [], "people": [],
                "counterparties": [], "places": [], "modifiers": [], "lang": "fr", "sources": 1}

    def write(self, rec, field="signal"):
        """Appends a record to the signals stream, as the enrich stage does; returns it."""
        self.c.call("XADD", "vigie:signals", "*", field, json.dumps(rec, ensure_ascii=False, separators=(",", ":")))
        return rec

    def signal(self, account, type_, priority, **kw):
        return self.write(self.record(account, type_, priority, **kw))

    def update(self, rec, sources, urls):
        """The `update` entry of a story told by more sources (docs/design.md, Signal)."""
        up = dict(rec)
        up["sources"] = sources
        up["source_urls"] = urls
        return self.write(up, field="update")

    def messages(self, channel):
        return [json.loads(f[1]) for _, f in self.c.call("XRANGE", f"vigie:alerts:{channel}", "-", "+")]

    def wait_messages(self, channel, n, timeout=15):
        return wait_until(lambda: (lambda m: m if len(m) >= n else None)(self.messages(channel)), timeout,
                          f"{n} message(s) in alerts:{channel}")

    def routed(self, n, timeout=15):
        """Waits until the router's group has read (and acknowledged) n signal entries."""
        def done():
            for g in self.c.call("XINFO", "GROUPS", "vigie:signals") or []:
                d = dict(zip(g[::2], g[1::2]))
                if d["name"] == "sink:alerts":
                    return d["entries-read"] is not None and d["entries-read"] >= n and d["pending"] == 0
            return False
        wait_until(done, timeout, f"the router to take {n} signal entries")

    def digest_items(self, owner_key):
        """The owner's digest as it waits in Redis: {signal id: item}."""
        flat = self.c.call("HGETALL", f"vigie:digest:{owner_key}") or []
        out = {}
        for k, v in zip(flat[::2], flat[1::2]):
            if not k.startswith("_"):
                out[k] = json.loads(v.split("|", 1)[1])
        return out
