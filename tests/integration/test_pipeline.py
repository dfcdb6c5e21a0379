"""The whole pipeline on real vigie processes sharing one Redis (label scaleout):

- three processes work through 5,000 items from local fixture sources; one is killed with
  SIGKILL mid-run and Redis (append-only file on) is restarted once mid-run; afterwards every
  item has produced exactly the signals `vigie extract` finds in it: none missing, none twice;
- a poison item lands in the dead-letter stream after its deliveries, with its error, and the
  items behind it go through;
- the same story told by five sources becomes one signal with sources = 5."""
# ctest-labels: integration scaleout
import email.utils
import json
import os
import random
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import Redis, Vigie, run_tests, run_vigie, short_tmpdir, wait_until

WORDS = ("usine robot cloud batterie satellite navire vaccin logiciel hydrogène fibre turbine train "
         "capteur drone acier ciment papier verre moteur puce serveur réseau laser radar pompe câble "
         "grue tracteur boisson yaourt parfum montre bijou hôtel avion barrage éolienne panneau").split()
CITIES = "Lyon Lille Nantes Rennes Toulouse Bordeaux Grenoble Dijon Metz Rouen Brest Nice Tours Caen Reims".split()


def write_feeds(d, accounts, n_feeds, per_feed, rng):
    """n_feeds RSS files of per_feed items, each a distinct story (its own random words, so
    story clustering has nothing to merge); returns the items (for the oracle)."""
    os.makedirs(os.path.join(d, "feeds"))
    items, rows = [], ["id,url,interval"]
    now = time.time()
    for f in range(n_feeds):
        entries = []
        for k in range(per_feed):
            a = accounts[rng.randrange(len(accounts))]
            words = " ".join(rng.sample(WORDS, 5))
            kind = rng.randrange(3)
            if kind == 0:
                title = f"{a['name']} lève {rng.randrange(5, 900)} millions d'euros pour son projet {words}"
            elif kind == 1:
                title = f"{a['name']} ouvre un site {words} à {rng.choice(CITIES)} et recrute {rng.randrange(20, 900)} personnes"
            else:
                title = f"{a['name']} rachète la société {words.title().replace(' ', '')} pour {rng.randrange(10, 900)} M€"
            link = f"https://news.example.com/{f}/{k}"
            entries.append((title, link))
            items.append({"id": link, "title": title, "summary": "", "lang": "fr"})
        body = ['<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>f</title>']
        for title, link in entries:
            body.append(f"<item><title>{title}</title><link>{link}</link><guid>{link}</guid>"
                        f"<pubDate>{email.utils.formatdate(now, usegmt=True)}</pubDate></item>")
        body.append("</channel></rss>")
        with open(os.path.join(d, "feeds", f"f{f}.xml"), "w") as fh:
            fh.write("\n".join(body))
        rows.append(f"f{f},file:feeds/f{f}.xml,1h")
    with open(os.path.join(d, "sources.csv"), "w") as fh:
        fh.write("\n".join(rows) + "\n")
    return items


def config(d, redis, instance, extra=""):
    path = os.path.join(d, f"{instance}.conf")
    with open(path, "w") as f:
        f.write(f"""[daemon]
instance = {instance}
housekeeping = 200ms
[redis]
url = {redis.url}
connect_timeout = 1s
ping_interval = 200ms
backoff_max = 500ms
[admin]
listen = 127.0.0.1:0
[fetch]
allow_file = yes
lease = 10s
[pipeline]
reclaim_idle = 2s
max_deliveries = 3
batch = 32
{extra}""")
    return path


def accounts_file(d, n):
    accounts = [{"id": f"acc{i}", "name": f"Nexaltis{i}", "domains": [f"nexaltis{i}.example"]} for i in range(n)]
    path = os.path.join(d, "accounts.json")
    with open(path, "w") as f:
        json.dump(accounts, f)
    return accounts, path


def stream(c, key):
    out, start = [], "-"
    while True:
        batch = c.call("XRANGE", key, start, "+", "COUNT", 1000)
        out += batch
        if len(batch) < 1000:
            return out
        start = "(" + batch[-1][0]


def caught_up(c, n_items):
    if c.call("XLEN", "vigie:items") < n_items:
        return False
    for g in c.call("XINFO", "GROUPS", "vigie:items"):
        g = dict(zip(g[::2], g[1::2]))
        if g["name"] == "enrich":
            return g["lag"] == 0 and g["pending"] == 0
    return False


def test_three_processes_a_kill_and_a_redis_restart_lose_and_repeat_nothing():
    d = short_tmpdir()
    rng = random.Random(7)
    accounts, acc_path = accounts_file(d, 40)
    items = write_feeds(d, accounts, 100, 50, rng)
    r = Redis()
    confs = [config(d, r, name) for name in ("a", "b", "c")]
    assert run_vigie(["accounts", "-c", confs[0], "import", acc_path]).returncode == 0
    assert run_vigie(["sources", "-c", confs[0], "import", os.path.join(d, "sources.csv")]).returncode == 0

    # The oracle: what `vigie extract` finds in each item.
    ex = run_vigie(["extract", "--accounts", acc_path, "--signals"],
                   input="".join(json.dumps(i) + "\n" for i in items), timeout=300)
    assert ex.returncode == 0, ex.stderr
    # the enrich stage writes the signals of the accounts a story is about, not of those it
    # only mentions
    expected = {s["id"] for s in map(json.loads, ex.stdout.splitlines())
                if s.get("account_id") and s["role"] != "mentioned"}
    assert len(expected) >= 4000, f"the fixture should carry thousands of signals, got {len(expected)}"

    procs = [Vigie(config_path=p) for p in confs]
    c = r.client()
    wait_until(lambda: c.call("XLEN", "vigie:signals") > len(expected) * 0.15, 120, "15% of the signals")
    at_kill = c.call("XLEN", "vigie:signals")
    procs[1].proc.kill()  # SIGKILL mid-run: its leases and pending entries are taken over
    procs[1].proc.wait(10)
    wait_until(lambda: c.call("XLEN", "vigie:signals") > len(expected) * 0.4, 120, "40% of the signals")
    at_restart = c.call("XLEN", "vigie:signals")
    c.close()
    r.stop()   # Redis restarts mid-run, from its append-only file
    r.start()
    c = r.client()
    wait_until(lambda: caught_up(c, len(items)), 240, "enrich to catch up with every item", interval=0.2)

    written = [json.loads(f[1])["id"] for _, f in stream(c, "vigie:signals") if f[0] == "signal"]
    assert len(written) == len(set(written)), f"{len(written) - len(set(written))} signals written twice"
    missing, extra = expected - set(written), set(written) - expected
    assert not missing, f"{len(missing)} expected signals missing"
    assert not extra, f"{len(extra)} unexpected signals"
    assert c.call("XLEN", "vigie:items") == len(items), "every item once in the items stream"
    for v in (procs[0], procs[2]):
        assert v.stop() == 0
    assert at_kill < len(expected) and at_restart < len(expected), "the kill and the restart were mid-run"
    print(f"     {len(items)} items, {len(written)} signals as expected; SIGKILL at {at_kill}, "
          f"Redis restart at {at_restart} signal entries")


def test_poison_item_is_dead_lettered_and_the_rest_goes_through():
    d = short_tmpdir()
    accounts, acc_path = accounts_file(d, 3)
    r = Redis()
    conf = config(d, r, "p")
    assert run_vigie(["accounts", "-c", conf, "import", acc_path]).returncode == 0
    c = r.client()
    c.call("XADD", "vigie:items", "*", "item", '{"id": "broken", "title": ')  # malformed: fails every time
    for i in range(20):
        c.call("XADD", "vigie:items", "*", "item",
               json.dumps({"id": f"ok{i}", "title": f"Nexaltis{i % 3} lève {10 + i} millions d'euros pour sa série B numéro {i} en {WORDS[i]}",
                           "summary": "", "lang": "fr"}))
    v = Vigie(config_path=conf)
    wait_until(lambda: c.call("XLEN", "vigie:dlq") == 1, 60, "the poison item dead-lettered")
    wait_until(lambda: caught_up(c, 21), 60, "the items behind it")
    dl = dict(zip(stream(c, "vigie:dlq")[0][1][::2], stream(c, "vigie:dlq")[0][1][1::2]))
    assert dl["error"] == "not an item: malformed JSON" and dl["group"] == "enrich", dl
    assert int(dl["deliveries"]) >= 3
    assert c.call("XLEN", "vigie:signals") == 20
    lst = run_vigie(["dlq", "-c", conf, "list"])
    assert "not an item: malformed JSON" in lst.stdout
    assert v.stop() == 0


def test_same_story_from_five_sources_is_one_signal():
    d = short_tmpdir()
    accounts, acc_path = accounts_file(d, 3)
    r = Redis()
    conf = config(d, r, "s")
    assert run_vigie(["accounts", "-c", conf, "import", acc_path]).returncode == 0
    c = r.client()
    story = ("Nexaltis1 lève 80 millions d'euros pour accélérer en Europe",
             "La start-up lyonnaise a bouclé une levée de fonds de 80 millions d'euros menée par Horizon Capital, "
             "avec la participation de ses investisseurs historiques. L'entreprise compte doubler ses effectifs.")
    suffixes = ["", " - Le Journal", " | Tech Hebdo", " (dépêche)", " - Éco Matin"]
    for k, suffix in enumerate(suffixes):
        c.call("XADD", "vigie:items", "*", "item",
               json.dumps({"id": f"copy{k}", "source_id": f"site{k}", "title": story[0] + suffix, "summary": story[1],
                           "url": f"https://site{k}.example/eco/nexaltis1-80-millions", "lang": "fr"}))
    v = Vigie(config_path=conf)
    wait_until(lambda: caught_up(c, 5), 60, "the five copies enriched")
    entries = stream(c, "vigie:signals")
    new = [json.loads(f[1]) for _, f in entries if f[0] == "signal"]
    updates = [json.loads(f[1]) for _, f in entries if f[0] == "update"]
    funding = [s for s in new if s["type"] == "funding"]
    assert len(funding) == 1, [s["title"] for s in funding]
    sid = funding[0]["id"]
    assert c.call("GET", f"vigie:story:{sid}").split(" ")[0] == "5"  # "<sources> <entry id>\n<urls>"
    last = [u for u in updates if u["id"] == sid][-1]
    assert last["sources"] == 5 and len(last["source_urls"]) == 5
    # An update has the signal's shape (same members in the same order, empty lists still
    # lists), plus source_urls: a CRM sync job reads both the same way.
    raw = [f[1] for _, f in entries if f[0] == "update" and json.loads(f[1])["id"] == sid][-1]
    first = [f[1] for _, f in entries if f[0] == "signal" and json.loads(f[1])["id"] == sid][0]
    assert list(json.loads(raw)) == list(json.loads(first)) + ["source_urls"], raw
    assert '"people":[]' in first and '"people":[]' in raw, raw
    assert '"source_urls":["https://site' in raw, raw

    # `vigie signals tail` shows the signal, then each source that joined it.
    tail = run_vigie(["signals", "-c", conf, "tail", "--type", "funding", "--since", "1h"])
    lines = tail.stdout.splitlines()
    assert tail.returncode == 0 and len(lines) == 5, tail.stdout + tail.stderr
    assert "acc1" in lines[0] and "+ " not in lines[0]
    assert "+ Nexaltis1" in lines[-1] and "(5 sources)" in lines[-1], lines[-1]
    js = [json.loads(l) for l in run_vigie(["signals", "-c", conf, "tail", "--json", "--type", "funding"]).stdout.splitlines()]
    assert [j.get("update", False) for j in js] == [False, True, True, True, True]
    assert js[-1]["signal"]["sources"] == 5
    assert run_vigie(["signals", "-c", conf, "tail", "--account", "acc2"]).stdout == ""
    assert v.stop() == 0


if __name__ == "__main__":
    run_tests(dict(globals()))
