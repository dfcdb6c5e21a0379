"""What the console page tests (test_console_signals, _review, _ops) share: a real redis-server,
a `vigie run` with the console on a loopback port, signals seeded into the signals stream the
way the enrich stage writes them (entries with chosen ids, so their times are known), and a
GET that returns status, headers and body."""
import json
import os
import socket
import sys
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from harness import Redis, Vigie, daemon_config, run_vigie, short_tmpdir  # noqa: E402

P = "vigie:"
DAY = 86400000


def iso(ms):
    import datetime
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def signal(sid, account, type_="funding", priority=50, title=None, evidence="", url=None, lang="en", ms=0):
    """A signal record with the members and order enrich/extract_json.c writes."""
    return {"id": sid, "account_id": account, "role": "subject", "type": type_, "confidence": 0.8,
            "priority": priority, "title": title if title is not None else f"{account} {type_} {sid}",
            "url": url if url is not None else f"https://news.example/{sid}", "published": iso(ms),
            "detected": iso(ms), "evidence": evidence, "amounts": [], "people": [], "counterparties": [],
            "places": [], "modifiers": [], "lang": lang, "sources": 1}


def resp(*args):
    out = [f"*{len(args)}\r\n".encode()]
    for a in args:
        b = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(b), b))
    return b"".join(out)


def pipeline(redis, commands):
    """Sends many commands at once on the redis' socket and reads every reply (the test data
    goes in fast; a reply that is an error fails the test)."""
    s = socket.socket(socket.AF_UNIX)
    s.connect(redis.sock)
    s.sendall(b"".join(resp(*c) for c in commands))
    buf, n = b"", 0
    while n < len(commands):
        chunk = s.recv(1 << 20)
        assert chunk, "redis closed the connection"
        buf += chunk
        # Replies here are simple lines (+OK, :n, $len id): count complete ones.
        while True:
            i = buf.find(b"\r\n")
            if i < 0:
                break
            line = buf[:i]
            assert not line.startswith(b"-"), line
            if line.startswith(b"$") and int(line[1:]) >= 0:
                need = i + 2 + int(line[1:]) + 2
                if len(buf) < need:
                    break
                buf = buf[need:]
            else:
                buf = buf[i + 2:]
            n += 1
    s.close()


def add_signals(redis, entries):
    """entries: (ms, record[, field]) oldest first; written as entries <ms>-<k>."""
    cmds, seq = [], {}
    for e in entries:
        ms, rec = e[0], e[1]
        field = e[2] if len(e) > 2 else "signal"
        k = seq.get(ms, 0)
        seq[ms] = k + 1
        cmds.append(["XADD", P + "signals", f"{ms}-{k}", field, json.dumps(rec, ensure_ascii=False)])
    pipeline(redis, cmds)


def add_accounts(redis, accounts):
    cmds = [["HSET", P + "accounts", a["id"], json.dumps(a)] for a in accounts]
    cmds.append(["INCR", P + "accounts:version"])
    pipeline(redis, cmds)


class Console:
    """Redis + vigie with the console on 127.0.0.1 (a port of the system's choice)."""

    def __init__(self, extra=""):
        self.dir = short_tmpdir()
        self.redis = Redis()
        self.conf = os.path.join(self.dir, "vigie.conf")
        with open(self.conf, "w") as f:
            f.write(daemon_config(self.dir, self.redis.url) + "[console]\nlisten = 127.0.0.1:0\n" + extra)
        self.vigie = None

    def start(self):
        self.vigie = Vigie(config_path=self.conf)
        self.base = self.vigie.wait_log(r"web console on (http://[0-9.:]+)", 15).group(1)
        return self

    def get(self, path, headers=None):
        req = urllib.request.Request(self.base + path, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=20) as r:
                return r.status, dict(r.headers), r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read().decode()

    def cli(self, *args, env=None):
        r = run_vigie([args[0], "-c", self.conf] + list(args[1:]), env=env)
        assert r.returncode == 0, (args, r.stdout, r.stderr)
        return r

    def stop(self):
        if self.vigie:
            self.vigie.stop()
        self.redis.stop()


def body_of(html):
    """The page after <body>: the frame's own script element is in <head>."""
    return html.split("<body", 1)[1]
