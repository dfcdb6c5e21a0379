#!/usr/bin/python3
"""alerts benchmark: 10,000 signal entries for 500 accounts and 40 owners through vigie's alert
routing, grouping, silences, caps, quiet hours and digests to loopback Slack, Teams, webhook
and SMTP receivers, against a naive router that sends one message per signal (what a user
would otherwise script).

Data (seeded): 500 accounts (tiers key/candidate/standard) of 40 owners (e-mail, Slack user id,
time zone: most in Europe/Paris, some in London, New York and Singapore); signals in bursts
(one to five signals of one account within minutes, accounts drawn with weights 1/rank^0.8 so
some are in the news far more than others), a realistic mix of types and priorities, more
during the working day, over SPAN_H hours of simulated time; 15% of the stories are told again
later by more sources (`update` entries). Three silences (an owner on holiday, a type nobody
wants, one account) are set with `vigie alerts silence` before the run.

Runs:
  1. noise: vigie (`vigie run`, roles = sink: the router [alerts] and the four channel sinks)
     on a simulated clock (VIGIE_CLOCK_FILE, the clock the router decides with): the clock is
     moved STEP at a time, each step's signals are written into the signals stream of a private
     redis-server, and the next step waits until the router has read them and flushed every
     group due. At the end the clock goes to the day after, past the digest hour, so that every
     digest goes out. Alerts sent per signal entry (the noise ratio), what was folded where
     (the router's figures on /metrics), routing decisions per CPU-second of the vigie process
     (/proc/<pid>/stat utime+stime; its channel sinks run in it too).
  2. peer: the same entries, in order, through the same routes, one message per entry and per
     channel target, to a fresh set of the same receivers (python3 http.client and smtplib, one
     kept-alive connection each).
  3. latency: a fresh vigie on the real clock with group_wait = 1s, no cap, no quiet hours, no
     silence: LAT_RATE new signals a second for LAT_S seconds, each with a reference in its
     title; the time from its XADD to the first message carrying its reference at a receiver.

Channel sinks run without a rate budget (rate_limit = 0): the receivers do not limit, and the
noise run's clock is simulated (the budget's is Redis's real one).

Prints the bench/run result line and "# " detail lines."""
import datetime
import json
import os
import random
import re
import smtplib
import subprocess
import sys
import time
import unicodedata
import http.client
import urllib.request
from email.mime.text import MIMEText
from zoneinfo import ZoneInfo

SRC = os.environ["VIGIE_SOURCE_DIR"]
sys.path.insert(0, os.path.join(SRC, "tests", "integration"))
sys.path.insert(0, os.path.join(SRC, "bench"))
from harness import Redis, free_port  # noqa: E402
from crm_bench import ROLES, PLACES, WORDS, PARTNERS, hexid, iso, person, xadd_many, cpu_s  # noqa: E402

VIGIE = os.environ["VIGIE_BIN"]
TMP = os.environ.get("BENCH_TMP") or "/tmp"
N_ENTRIES = int(os.environ.get("ALERTS_BENCH_SIGNALS", "10000"))
N_ACCOUNTS = int(os.environ.get("ALERTS_BENCH_ACCOUNTS", "500"))
N_OWNERS = int(os.environ.get("ALERTS_BENCH_OWNERS", "40"))
SPAN_H = float(os.environ.get("ALERTS_BENCH_SPAN_H", "30"))      # simulated hours of news
# The simulated clock moves a step at a time, each step's signals written at its end: the step
# is the grouping window, so it is group_wait (Alertmanager's group_interval default, 5m).
STEP_S = int(os.environ.get("ALERTS_BENCH_STEP_S", "300"))
GROUP_WAIT = "%ds" % STEP_S
LAT_RATE = int(os.environ.get("ALERTS_BENCH_LAT_RATE", "50"))
LAT_S = int(os.environ.get("ALERTS_BENCH_LAT_S", "60"))
UPDATE_SHARE = 0.15
# Monday 2026-11-30 07:00 Europe/Paris: a working day, then a night, then the next morning.
SIM_START = datetime.datetime(2026, 11, 30, 7, 0, tzinfo=ZoneInfo("Europe/Paris")).timestamp()
WAIT_S = 120

# type, share of signals, base priority (the rules' weights give priorities in this range)
TYPES = [
    ("contract_win", 14, 60), ("funding", 10, 70), ("acquisition", 6, 78), ("leadership_change", 14, 66),
    ("expansion", 12, 60), ("partnership", 12, 50), ("product_launch", 10, 40), ("hiring", 10, 45),
    ("financial_results", 8, 35), ("layoffs", 3, 62), ("insolvency", 1, 92),
]
TITLES = {
    "contract_win": "{A} remporte un contrat de {M} millions d'euros pour des systèmes {w}",
    "funding": "{A} raises {M} million euros to expand its {w} business",
    "acquisition": "{A} to acquire {P} in a deal worth {M} million euros",
    "leadership_change": "{A} names {N} as {R}",
    "expansion": "{A} ouvre une usine de {w} à {L} et recrute 300 personnes",
    "partnership": "{A} and {P} sign a strategic partnership on {w}",
    "product_launch": "{A} launches a new range of {w} products",
    "hiring": "{A} recrute 150 ingénieurs pour son activité {w}",
    "financial_results": "{A} reports a 12% rise in revenue driven by {w}",
    "layoffs": "{A} to cut 400 jobs at its {w} plant in {L}",
    "insolvency": "{A} placé en redressement judiciaire par le tribunal de {L}",
}
ZONES = ["Europe/Paris"] * 30 + ["Europe/London"] * 5 + ["America/New_York"] * 3 + ["Asia/Singapore"] * 2

# ---- data ------------------------------------------------------------------------------------


def make_owners(rng):
    out, seen = [], set()
    while len(out) < N_OWNERS:
        name = person(rng)
        if name in seen:
            continue
        seen.add(name)
        first, last = name.split(" ", 1)
        # mixed case, as CRMs give them; the accents of the name dropped
        email = unicodedata.normalize("NFKD", "%s.%s@example.com" % (first, last.replace(" ", "")))
        email = email.encode("ascii", "ignore").decode()
        out.append({"name": name, "email": email, "slack": "U%08X" % rng.getrandbits(32),
                    "tz": ZONES[len(out) % len(ZONES)]})
    return out


def make_accounts(rng, owners):
    syl = "ba be bi bo ca ce co da de fa fe ga ge ka ko la le lo ma me mo na ne no pa pe ra re ro sa se ta té vo za".split()
    suffix = ["Systèmes", "Industries", "Technologies", "Énergie", "Logistique", "Pharma", "Aérospatiale", "Digital", ""]
    out, used = [], set()
    while len(out) < N_ACCOUNTS:
        core = "".join(rng.choice(syl) for _ in range(rng.randint(2, 3))).capitalize()
        if core in used:
            continue
        used.add(core)
        i = len(out)
        o = owners[i % len(owners)]
        out.append({"id": "acc-%04d" % i, "name": " ".join(x for x in (core, rng.choice(suffix)) if x),
                    "domains": [re.sub(r"[^a-z]", "", core.lower()) + "%d.example.com" % i],
                    "owner": o["name"], "owner_email": o["email"], "owner_slack": o["slack"],
                    "owner_timezone": o["tz"],
                    "tier": rng.choices(("key", "candidate", "standard"), (3, 3, 4))[0]})
    return out


def signal_record(rng, a, t, sim_ms, ref):
    role = rng.choice(ROLES)
    f = {"A": a["name"], "P": rng.choice(PARTNERS) + " " + rng.choice(("SA", "Group", "Ltd")),
         "M": str(rng.randint(5, 900)), "w": rng.choice(WORDS), "L": rng.choice(PLACES),
         "N": person(rng), "R": role[0]}
    title = TITLES[t].format(**f) + " (" + ref + ")"
    base = dict((k, b) for k, _, b in TYPES)[t]
    conf = round(rng.uniform(0.7, 0.95), 2)
    published = sim_ms / 1000 - rng.uniform(300, 6 * 3600)
    return {"id": hexid(a["id"], title.lower(), t), "account_id": a["id"], "type": t, "confidence": conf,
            "priority": max(0, min(100, base + rng.randint(-12, 14))), "title": title,
            "url": "https://news.example.com/%s/%s" % (t, ref), "published": iso(published),
            "detected": iso(sim_ms / 1000), "evidence": title + ".",
            "amounts": [{"value": int(f["M"]) * 1000000, "currency": "EUR"}] if "{M}" in TITLES[t] else [],
            "people": [{"name": f["N"], "role": role[0], "role_norm": role[1], "seniority": role[2],
                        "department": role[3], "departing": False}] if t == "leadership_change" else [],
            "counterparties": [], "places": [f["L"]], "modifiers": [],
            "lang": "fr" if " à " in title or " d'" in title or "recrute" in title else "en", "sources": 1}


def day_weight(ms):
    """More news on the working day (Paris time) than at night."""
    h = datetime.datetime.fromtimestamp(ms / 1000, ZoneInfo("Europe/Paris")).hour
    return 4 if 8 <= h < 19 else 1


def make_entries(rng, accounts):
    """[(sim ms, field, record)] sorted by time: N_ENTRIES in all, about UPDATE_SHARE of the stories
    told again later."""
    weights = [1 / (k + 1) ** 0.8 for k in range(len(accounts))]
    types, shares = [t for t, _, _ in TYPES], [s for _, s, _ in TYPES]
    span_ms = int(SPAN_H * 3600 * 1000)
    t0 = int(SIM_START * 1000)
    out, n = [], 0
    while n < N_ENTRIES:
        while True:  # a burst's start, by the time of day
            start = t0 + rng.randrange(span_ms)
            if rng.random() * 4 < day_weight(start):
                break
        a = rng.choices(accounts, weights)[0]
        for _ in range(min(rng.choice((1, 1, 2, 2, 3, 4, 5)), N_ENTRIES - n)):
            t = start + rng.randrange(0, 8 * 60 * 1000)  # within minutes of each other
            rec = signal_record(rng, a, rng.choices(types, shares)[0], t, "ref%05d" % n)
            out.append((t, "signal", rec))
            n += 1
            if n < N_ENTRIES and rng.random() < UPDATE_SHARE:
                later = t + rng.randrange(2 * 60 * 1000, 6 * 3600 * 1000)
                if later < t0 + span_ms:
                    upd = dict(rec, sources=2, source_urls=[rec["url"], rec["url"] + "-bis"])
                    out.append((later, "update", upd))
                    n += 1
    out.sort(key=lambda e: e[0])
    return out


SILENCES = [  # what the three silences hold back, for the peer's comparison and the report
    ("owner on holiday", lambda owners, accounts: ["--owner", owners[3]["email"].upper()]),
    ("a type nobody wants", lambda owners, accounts: ["--type", "financial_results"]),
    ("one account", lambda owners, accounts: ["--account", accounts[1]["id"]]),
]

# ---- configuration -------------------------------------------------------------------------

ROUTES = """
[route.escalation]
type = insolvency
receiver = escalation
continue = yes

[route.kam]
tier = key
receiver = kam

[receiver.escalation]
teams = yes
webhook = yes

[receiver.kam]
slack = owner
email = owner

[receiver.sales]
slack = #sales-signals
webhook = yes
"""


def config(d, redis_url, admin_port, http_port, smtp_port, group_wait, cap, quiet):
    return f"""[daemon]
roles = sink
state_dir = {d}/state
[redis]
url = {redis_url}
[admin]
listen = 127.0.0.1:{admin_port}
[log]
level = warning
[pipeline]
reclaim_idle = 30s

[alerts]
receiver = sales
group_wait = {group_wait}
cap_per_hour = {cap}
{"quiet_hours = 20:00-08:00" if quiet else ""}
quiet_below = 70
timezone = Europe/Paris
digest = daily 08:00
email_min_priority = 80
{ROUTES}
[sink.slack]
enabled = yes
bot_token = xoxb-bench-token
api_base = http://127.0.0.1:{http_port}/api
allow_private = 127.0.0.1
rate_limit = 0

[sink.teams]
enabled = yes
url = http://127.0.0.1:{http_port}/teams/workflow
allow_private = 127.0.0.1
rate_limit = 0

[sink.webhook]
enabled = yes
url = http://127.0.0.1:{http_port}/webhook/vigie
secret = whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
allow_private = 127.0.0.1
rate_limit = 0

[sink.email]
enabled = yes
url = smtp://127.0.0.1:{smtp_port}
from = vigie@example.com
tls = none
allow_private = 127.0.0.1
rate_limit = 0
"""


# ---- processes -------------------------------------------------------------------------------


class Receivers:
    def __init__(self, d):
        self.log = os.path.join(d, "received.jsonl")
        self.proc = subprocess.Popen(["/usr/bin/python3", "-B", os.path.join(SRC, "bench", "alert_receivers.py"),
                                      self.log], stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().split()
        assert line and line[0] == "PORTS", line
        self.http, self.smtp = int(line[1]), int(line[2])

    def messages(self):
        if not os.path.exists(self.log):
            return []
        with open(self.log) as f:
            return [json.loads(x) for x in f if x.endswith("\n")]

    def stop(self):
        self.proc.kill()
        self.proc.wait()


def redis_call(c, *args):
    return c.call(*args)


def set_clock(path, ms):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % ms)
    os.replace(tmp, path)


def group_state(c, stream, group):
    """(lag, pending) of a consumer group, (None, None) before it exists."""
    try:
        groups = c.call("XINFO", "GROUPS", "vigie:" + stream)
    except RuntimeError:
        return None, None
    for g in groups:
        g = dict(zip(g[::2], g[1::2]))
        if g["name"] == group:
            return g.get("lag") or 0, g["pending"]
    return None, None


def router_caught_up(c):
    lag, pending = group_state(c, "signals", "sink:alerts")
    return lag == 0 and pending == 0


def channels_done(c):
    for ch in ("slack", "teams", "webhook", "email"):
        lag, pending = group_state(c, "alerts:" + ch, "sink:" + ch)
        if lag not in (0, None) or pending not in (0, None):
            return False
    return True


def nothing_due(c, now_ms):
    return (int(c.call("ZCOUNT", "vigie:agroups:due", "-inf", str(now_ms))) == 0 and
            int(c.call("ZCOUNT", "vigie:digest:due", "-inf", str(now_ms))) == 0)


def wait(cond, what, timeout=WAIT_S):
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise RuntimeError("timed out waiting for " + what)
        time.sleep(0.005)


def router_figures(admin_port):
    """The router's counters on /metrics: {"routed": n, "silenced": n, ...}."""
    with urllib.request.urlopen(f"http://127.0.0.1:{admin_port}/metrics", timeout=5) as r:
        text = r.read().decode()
    return {m.group(1): int(float(m.group(2)))
            for m in re.finditer(r"^vigie_alerts_(\w+)_total(?:\{[^}]*\})? (\S+)$", text, re.M)}


def start_vigie(d, conf, env):
    log = os.path.join(d, "vigie.log")
    e = dict(os.environ, **env)
    e.pop("NOTIFY_SOCKET", None)
    p = subprocess.Popen([VIGIE, "run", "-c", conf], stderr=open(log, "w"), env=e)
    return p, log


def setup(tag, accounts, owners, group_wait, cap, quiet):
    d = os.path.join(TMP, tag)
    os.makedirs(d)
    r = Redis(appendonly=False)
    rx = Receivers(d)
    conf = os.path.join(d, "vigie.conf")
    admin = free_port()
    with open(conf, "w") as f:
        f.write(config(d, r.url, admin, rx.http, rx.smtp, group_wait, cap, quiet))
    path = os.path.join(d, "accounts.json")
    with open(path, "w") as f:
        json.dump(accounts, f, ensure_ascii=False)
    out = subprocess.run([VIGIE, "accounts", "-c", conf, "import", path], capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError("accounts import: " + out.stderr)
    return d, r, rx, conf, admin


# ---- run 1: vigie on the simulated clock ---------------------------------------------------------


def noise_run(accounts, owners, entries):
    d, r, rx, conf, admin = setup("noise", accounts, owners, GROUP_WAIT, 6, True)
    clock = os.path.join(d, "clock")
    t = int(SIM_START * 1000)
    set_clock(clock, t)
    env = {"VIGIE_CLOCK_FILE": clock}
    for what, args in SILENCES:
        out = subprocess.run([VIGIE, "alerts", "-c", conf, "silence"] + args(owners, accounts) +
                             ["--for", "7d", "--comment", what, "--by", "bench"], capture_output=True, text=True,
                             env=dict(os.environ, **env))
        if out.returncode:
            raise RuntimeError("alerts silence: " + out.stderr)
    c = r.client()
    v, log = start_vigie(d, conf, env)
    wall0 = time.monotonic()
    steps = 0
    i, end = 0, int((SIM_START + SPAN_H * 3600) * 1000)
    # the day after the last news, past every owner's digest hour, so that every digest goes
    final = int((datetime.datetime.fromtimestamp(end / 1000, ZoneInfo("Europe/Paris")).replace(
        hour=8, minute=0) + datetime.timedelta(days=1)).timestamp() * 1000) + 16 * 3600 * 1000
    while t < final:
        t = min(t + STEP_S * 1000, final) if i < len(entries) else min(t + 3600 * 1000, final)
        set_clock(clock, t)
        # first the groups (and digests) due by now, then this step's signals: those join
        # groups opened in this step only
        wait(lambda: nothing_due(c, t), f"the flush at step {steps}")
        batch = []
        while i < len(entries) and entries[i][0] <= t:
            batch.append(entries[i])
            i += 1
        for field in ("signal", "update"):
            recs = [e[2] for e in batch if e[1] == field]
            if recs:
                xadd_many(c, "signals", field, recs)
        wait(lambda: router_caught_up(c), f"the router at step {steps}")
        steps += 1
        if v.poll() is not None:
            raise RuntimeError(f"vigie stopped; see {log}")
    wait(lambda: channels_done(c), "the channels to deliver everything")
    time.sleep(0.5)  # the last answers' log lines
    cpu = cpu_s(v.pid)
    figures = router_figures(admin)
    elapsed = time.monotonic() - wall0
    dead = int(c.call("XLEN", "vigie:dlq"))
    v.terminate()
    v.wait(30)
    msgs = rx.messages()
    rx.stop()
    c.close()
    r.stop()
    return {"messages": msgs, "cpu": cpu, "elapsed": elapsed, "figures": figures, "steps": steps, "dead": dead}


# ---- run 2: the naive router -----------------------------------------------------------------


def naive_targets(acct, sig):
    """The receivers' channel targets for one signal, by the same routes (without noise control)."""
    out = []
    if sig["type"] == "insolvency":
        out += [("teams", ""), ("webhook", "")]
    if acct["tier"] == "key":
        out += [("slack", acct["owner_slack"]), ("email", acct["owner_email"])]
    else:
        out += [("slack", "#sales-signals"), ("webhook", "")]
    return out


def peer_run(accounts, entries):
    d = os.path.join(TMP, "peer")
    os.makedirs(d)
    rx = Receivers(d)
    by_id = {a["id"]: a for a in accounts}
    conn = http.client.HTTPConnection("127.0.0.1", rx.http, timeout=30)
    smtp = smtplib.SMTP("127.0.0.1", rx.smtp)
    sent = 0
    t0 = time.monotonic()
    for _, field, sig in entries:
        a = by_id[sig["account_id"]]
        text = "%s%s — %s (priority %d)\n%s\n%s" % ("Update: " if field == "update" else "", a["name"], sig["title"],
                                                   sig["priority"], sig["evidence"], sig["url"])
        for ch, target in naive_targets(a, sig):
            if ch == "email":
                m = MIMEText(text, "plain", "utf-8")
                m["Subject"], m["From"], m["To"] = "[%s] %s" % (sig["type"], sig["title"]), "alerts@example.com", target
                smtp.sendmail("alerts@example.com", [target], m.as_bytes())
            else:
                path = {"slack": "/api/chat.postMessage", "teams": "/teams/workflow", "webhook": "/webhook/naive"}[ch]
                body = json.dumps({"channel": target, "text": text} if ch == "slack" else {"text": text, "signal": sig})
                conn.request("POST", path, body, {"Content-Type": "application/json"})
                conn.getresponse().read()
            sent += 1
    smtp.quit()
    elapsed = time.monotonic() - t0
    deadline = time.monotonic() + 30
    while len(rx.messages()) < sent and time.monotonic() < deadline:
        time.sleep(0.05)
    msgs = rx.messages()
    rx.stop()
    return {"messages": msgs, "sent": sent, "elapsed": elapsed}


# ---- run 3: latency on the real clock ------------------------------------------------------------


def latency_run(accounts, owners):
    d, r, rx, conf, admin = setup("latency", accounts, owners, "1s", 0, False)
    c = r.client()
    v, log = start_vigie(d, conf, {})
    wait(lambda: group_state(c, "signals", "sink:alerts")[0] is not None or v.poll() is not None,
         "the router's consumer group", 30)
    rng = random.Random(7)
    n = LAT_RATE * LAT_S
    written = {}
    t0 = time.monotonic()
    for k in range(n):
        due = t0 + k / LAT_RATE
        pause = due - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        a = rng.choice(accounts)
        ref = "lat%05d" % k
        rec = signal_record(rng, a, rng.choice(("funding", "contract_win", "acquisition")), int(time.time() * 1000), ref)
        xadd_many(c, "signals", "signal", [rec])
        written[ref] = time.time()
    rate = n / (time.monotonic() - t0)
    wait(lambda: router_caught_up(c), "the router", 60)
    time.sleep(3)  # the last group_wait and flush
    wait(lambda: channels_done(c), "the channels", 60)
    v.terminate()
    v.wait(30)
    first = {}
    for m in rx.messages():
        for ref in re.findall(r"lat\d{5}", m["body"]):
            if ref in written and (ref not in first or m["t"] < first[ref]):
                first[ref] = m["t"]
    rx.stop()
    c.close()
    r.stop()
    lat = sorted((first[ref] - written[ref]) * 1000 for ref in first)
    return {"n": n, "received": len(lat), "lat": lat, "rate": rate}


def pct(v, p):
    return v[min(len(v) - 1, int(len(v) * p / 100))] if v else float("nan")


# ---- report ------------------------------------------------------------------------------------


def count(msgs):
    by = {}
    for m in msgs:
        ch = m["ch"]
        if ch == "email":
            subj = re.search(r"^Subject: (.*)$", m["body"], re.M | re.I)
            ch = "email digest" if subj and "digest" in subj.group(1).lower() else "email alert"
        by[ch] = by.get(ch, 0) + 1
    return by


def main():
    rng = random.Random(42)
    owners = make_owners(rng)
    accounts = make_accounts(rng, owners)
    entries = make_entries(rng, accounts)
    n_upd = sum(1 for e in entries if e[1] == "update")
    noise = noise_run(accounts, owners, entries)
    peer = peer_run(accounts, entries)
    lat = latency_run(accounts, owners)

    v_by, p_by = count(noise["messages"]), count(peer["messages"])
    # a Slack edit (chat.update) notifies no one: it is not counted as an alert sent
    v_n = sum(v for k, v in v_by.items() if k != "slack_update")
    p_n = sum(v for k, v in p_by.items() if k != "slack_update")
    v_ratio, p_ratio = v_n / len(entries), p_n / len(entries)
    print(f"alerts vigie={v_ratio:.3f} peer={p_ratio:.3f} unit=alerts/signal ratio={v_ratio / p_ratio:.3f}")
    print(f"# {len(entries)} signal entries ({len(entries) - n_upd} new signals, {n_upd} updates: the story told by "
          f"one more source) for {N_ACCOUNTS} accounts and {N_OWNERS} owners over {SPAN_H:g} h of simulated time "
          f"from Mon 07:00 Paris, in bursts of 1-5 signals of one account within 8 minutes; 3 silences "
          f"(an owner, the type financial_results, one account)")
    print(f"# routes: insolvency -> teams + webhook (continue); tier key -> the owner's Slack (bot, chat.update) and "
          f"e-mail (at priority >= 80, else the daily 08:00 digest); default -> Slack #sales-signals + webhook. "
          f"[alerts] group_wait {GROUP_WAIT}, cap_per_hour 6, quiet_hours 20:00-08:00 below 70")
    print("# vigie sent %d alerts (Slack edits of a message already posted not counted): %s; dead letters %d" % (
        v_n, ", ".join(f"{k} {v}" for k, v in sorted(v_by.items())), noise["dead"]))
    f = noise["figures"]
    g = lambda k: f.get(k, 0)  # noqa: E731
    print(f"# where the router put them (vigie_alerts_*_total, per receiver): {g('routed')} entries routed; "
          f"{g('grouped')} signals into groups, flushed as {g('messages')} messages (Slack edits included); "
          f"silenced {g('silenced')}; folded into owners' digests {g('digest')} signals in all, sent as "
          f"{g('digests')} digests (held back by quiet hours {g('quiet')}, by an insolvency's inhibition "
          f"{g('inhibited')}, in {g('capped')} groups over the owner's cap; the others below email_min_priority "
          f"or updates); updates {g('updates')} (a Slack edit, or the digest); duplicates {g('duplicates')}; "
          f"no owner address {g('no_address')}; unrouted {g('unrouted')}")
    print("# peer (one message per entry and channel target, the same routes, python3 http.client + smtplib): "
          "%d messages: %s" % (p_n, ", ".join(f"{k} {v}" for k, v in sorted(p_by.items()))))
    print(f"# routing decisions per second of vigie CPU: {len(entries) / noise['cpu']:.0f} "
          f"({len(entries)} entries routed, {noise['cpu']:.2f} CPU-s of the whole process, its four channel sinks "
          f"and {noise['steps']} simulated-clock steps of {STEP_S} s included; wall {noise['elapsed']:.0f} s)")
    l = lat["lat"]
    print(f"# latency, signal written -> first message at a receiver, at {lat['rate']:.0f} signals/s for {LAT_S} s "
          f"(real clock, group_wait = 1s, no cap, no quiet hours, no silence): p50 {pct(l, 50):.0f} ms, "
          f"p99 {pct(l, 99):.0f} ms, max {max(l) if l else float('nan'):.0f} ms ({lat['received']} of {lat['n']} "
          f"signals seen at a receiver)")


if __name__ == "__main__":
    main()
