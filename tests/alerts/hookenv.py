"""What the Teams and signed-webhook tests share: a real redis-server, a vigie daemon with the
channel's [sink.NAME] section, alert messages as the router writes them (docs/design.md
"Alert messages") XADDed to `alerts:<channel>` (field `alert`), and the node peers in
tests/alerts/node (installed by `scripts/deps test`: a test that cannot find them fails)."""
import hashlib
import json
import os
import select
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, os.path.join(HERE, "..", "sinks"))
from harness import Redis, Vigie, daemon_config, run_tests, run_vigie, short_tmpdir, wait_until  # noqa: E402,F401
from standin import control, start_standin, stop_standin  # noqa: E402,F401

NODE_DIR = os.path.join(HERE, "node")


def node_ready():
    """Fails (never skips) when the npm peers are not installed."""
    for pkg in ("standardwebhooks", "adaptivecards"):
        if not os.path.isdir(os.path.join(NODE_DIR, "node_modules", pkg)):
            raise AssertionError(f"npm package {pkg} missing in {NODE_DIR}: run scripts/deps test "
                                 "(npm ci --prefix tests/alerts/node)")


def now_rfc3339(t=None):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t or time.time()))


def signal(n, type_="acquisition", priority=70, account="airbus", **kw):
    s = {
        "id": hashlib.sha1(f"sig{n}{account}{type_}".encode()).hexdigest()[:32],
        "account_id": account, "type": type_, "confidence": 0.9, "priority": priority,
        "title": f"Airbus rachète la société Fibre{n} pour {10 + n} millions d'euros",
        "url": f"https://news.example.com/{n}", "published": "2026-03-02T08:00:00Z",
        "detected": "2026-03-02T08:05:00Z",
        "evidence": f"Airbus a annoncé le rachat de Fibre{n} pour {10 + n} millions d'euros.",
        "amounts": [{"value": (10 + n) * 1e6, "currency": "EUR"}],
        "people": [{"name": "Marie Dupont", "role": "directrice financière", "role_norm": "cfo",
                    "seniority": "c_level", "department": "finance", "departing": False}],
        "counterparties": [], "places": [], "modifiers": [], "lang": "fr", "sources": 1,
    }
    s.update(kw)
    return s


def alert(channel, signals, account=None, receiver="sales", route="key-accounts", **kw):
    account = account or {"id": "airbus", "name": "Airbus", "tier": "key", "owner": "claire.martin@example.com",
                          "crm_id": None, "domains": ["airbus.com"]}
    signals = sorted(signals, key=lambda s: -s["priority"])
    key = "\x00".join([channel, "", receiver, account["id"]] + sorted(s["id"] for s in signals))
    m = {
        "id": hashlib.sha1(key.encode()).hexdigest()[:32], "kind": "alert", "channel": channel, "target": "",
        "receiver": receiver, "route": route, "created": now_rfc3339(),
        "owner": {"key": "claire.martin@example.com", "name": "Claire Martin", "email": "claire.martin@example.com",
                  "slack": None, "timezone": "Europe/Paris"},
        "account": account, "priority": max(s["priority"] for s in signals), "signals": signals,
    }
    m.update(kw)
    return m


class HookEnv:
    """A redis-server and a vigie daemon whose only work is the sink section given."""

    def __init__(self, sink_section):
        self.dir = short_tmpdir("vga")
        self.redis = Redis()
        self.conf = os.path.join(self.dir, "vigie.conf")
        self.write_config(sink_section)
        self.vigie = None

    def write_config(self, sink_section):
        with open(self.conf, "w") as f:
            f.write(daemon_config(self.dir, self.redis.url) + f"""[pipeline]
reclaim_idle = 4s
{sink_section}
""")

    def start(self):
        self.vigie = Vigie(config_path=self.conf)
        return self.vigie

    def stop(self):
        if self.vigie:
            self.vigie.stop()
            self.vigie = None

    def client(self):
        return self.redis.client()

    def xadd(self, channel, message, raw=None):
        c = self.client()
        c.call("XADD", f"vigie:alerts:{channel}", "*", "alert", raw if raw is not None else json.dumps(message))
        c.close()

    def acked(self, channel):
        """Entries of the channel's stream not yet acknowledged by its sink (pending + lag)."""
        c = self.client()
        try:
            groups = c.call("XINFO", "GROUPS", f"vigie:alerts:{channel}")
        except Exception:
            return None
        finally:
            c.close()
        for g in groups:
            d = dict(zip(g[::2], g[1::2]))
            if d.get("name") == f"sink:{channel}":
                return d
        return None

    def settled(self, channel):
        g = self.acked(channel)
        return g is not None and g.get("pending") == 0 and g.get("lag") == 0

    def dlq(self):
        r = run_vigie(["dlq", "-c", self.conf, "list", "--limit", "1000"])
        assert r.returncode == 0, r.stderr
        last = r.stdout.strip().splitlines()[-1]
        assert last.endswith("dead letter(s) shown"), r.stdout
        return int(last.split()[0]), r.stdout


def start_node(script, *args, timeout=15):
    """Starts a node script of this directory that prints "PORT <n>"; returns (proc, port)."""
    node_ready()
    err = open(os.path.join(short_tmpdir("vgn"), "stderr"), "w+")
    proc = subprocess.Popen(["node", os.path.join(HERE, script)] + [str(a) for a in args],
                            stdout=subprocess.PIPE, stderr=err, text=True)
    proc.stderr_file = err
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    line = proc.stdout.readline() if ready else ""
    if not line.startswith("PORT "):
        proc.kill()
        err.seek(0)
        raise RuntimeError(f"{script} did not start: {line!r}\n{err.read()}")
    return proc, int(line.split()[1])


def stop_node(proc):
    if proc.poll() is None:
        proc.kill()
        proc.wait(5)
