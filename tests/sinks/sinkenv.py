"""What the sink tests share: a real redis-server, key accounts, a feed of news items that
carry signals and contacts, and a vigie configuration with the sink section under test.

    env = SinkEnv(sink_section="[sink.outbox]\\nenabled = yes\\n", n_items=20)
    out = env.run_once()        # `vigie run --once`: poll, enrich, deliver, exit
    v = env.start()             # or a long-running daemon (harness.Vigie)
"""
import email.utils
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from harness import Redis, Vigie, daemon_config, run_tests, run_vigie, short_tmpdir, wait_until  # noqa: E402,F401

ACCOUNTS = [
    {"id": "airbus", "name": "Airbus", "domains": ["airbus.com"], "owner": "claire.martin@example.com",
     "tier": "key"},
    {"id": "capgemini", "name": "Capgemini", "domains": ["capgemini.com"], "owner": "paul.durand@example.com",
     "tier": "key"},
    {"id": "michelin", "name": "Michelin", "domains": ["michelin.com"], "owner": "claire.martin@example.com"},
]

# Each title carries one signal for one account; every third item also names a new executive
# (a contact). Distinct words keep the stories apart (no merging across items).
TEMPLATES = [
    ("Airbus remporte une commande de {n} avions auprès d'une compagnie {w}", "airbus"),
    ("Capgemini rachète la société {W} pour {n} millions d'euros", "capgemini"),
    ("Michelin ouvre une usine {w} à Lyon et recrute {n} personnes", "michelin"),
]
WORDS = ("usine robot cloud batterie satellite navire vaccin logiciel hydrogène fibre turbine train capteur "
         "drone acier ciment papier verre moteur puce serveur réseau laser radar pompe câble grue").split()
PEOPLE = ["Marie Dupont", "Jean Lefebvre", "Sophie Bernard", "Luc Moreau", "Anne Girard", "Hugo Petit"]


def items(n, extra=None):
    """n items as (title, summary, link); `extra(i)` may return a text appended to item i's summary."""
    out = []
    for i in range(n):
        tpl, _ = TEMPLATES[i % len(TEMPLATES)]
        w = WORDS[i % len(WORDS)] + str(i)
        title = tpl.format(n=10 + i, w=w, W=w.title())
        summary = title + "."
        if i % 3 == 0:
            who = PEOPLE[(i // 3) % len(PEOPLE)]
            acct = ["Airbus", "Capgemini", "Michelin"][i % 3]
            summary += f" {who} est nommée directrice financière de {acct}."
        if extra:
            summary += extra(i) or ""
        out.append((title, summary, f"https://news.example.com/{i}"))
    return out


def xml_escape(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class SinkEnv:
    def __init__(self, sink_section, n_items=12, extra=None, redis=None, daemon_extra=""):
        self.dir = short_tmpdir("vgs")
        self.redis = redis or Redis()
        self.items = items(n_items, extra)
        now = time.time()
        body = ['<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>news</title>']
        for title, summary, link in self.items:
            body.append(f"<item><title>{xml_escape(title)}</title><link>{link}</link><guid>{link}</guid>"
                        f"<description>{xml_escape(summary)}</description>"
                        f"<pubDate>{email.utils.formatdate(now, usegmt=True)}</pubDate></item>")
        body.append("</channel></rss>")
        with open(os.path.join(self.dir, "news.xml"), "w") as f:
            f.write("\n".join(body))
        with open(os.path.join(self.dir, "accounts.json"), "w") as f:
            json.dump(ACCOUNTS, f)
        self.conf = os.path.join(self.dir, "vigie.conf")
        self.write_config(sink_section, daemon_extra)
        assert run_vigie(["accounts", "-c", self.conf, "import", os.path.join(self.dir, "accounts.json")]).returncode == 0
        r = run_vigie(["sources", "-c", self.conf, "add", "file://" + os.path.join(self.dir, "news.xml"), "--id", "news"])
        assert r.returncode == 0, r.stderr

    def write_config(self, sink_section, daemon_extra=""):
        with open(self.conf, "w") as f:
            f.write(daemon_config(self.dir, self.redis.url, daemon_extra=daemon_extra) + f"""[fetch]
allow_file = yes
recent_window = 3650d
[pipeline]
reclaim_idle = 2s
{sink_section}
""")

    def run_once(self, timeout=120):
        r = run_vigie(["run", "-c", self.conf, "--once"], timeout=timeout)
        assert r.returncode == 0, f"vigie run --once failed ({r.returncode}):\n{r.stdout}\n{r.stderr}"
        return r

    def start(self, env=None):
        return Vigie(config_path=self.conf, env=env)

    def client(self):
        return self.redis.client()

    def signals(self):
        """The signals enrich wrote, as records."""
        c = self.client()
        out = [json.loads(f[1]) for _, f in c.call("XRANGE", "vigie:signals", "-", "+") if f[0] == "signal"]
        c.close()
        return out
