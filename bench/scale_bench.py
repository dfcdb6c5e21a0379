#!/usr/bin/python3
"""scale benchmark: what the shared Redis pays per item, on a grid point of feeds × items on a
local nginx (started here) and one vigie process (all roles) with its Redis.

Cycles, each timed from the first claim until every source is recorded again:
  new        every feed answers 200 with SCALE_ITEMS items never seen (published now, so
             passed on): Redis memory and CPU per new item;
  304        every feed answers 304 (nginx's ETag): the cost of a poll that brings nothing;
  unchanged  every feed answers 200 with the same items again (nginx's validators off): the
             cost of a 200 that brings nothing new, against the 304.

Prints the bench/run result line
    scale vigie=<Redis bytes per item, all structures> peer=<bytes of the item's JSON> unit=B ratio=
and "# " detail lines. Each figure is one function of `Run` below (detail_*), so that other
measurements add their own lines without touching these.

With accounts (SCALE_ACCOUNTS, 10,000 by default: the issue's grid point), the accounts are
bench/gen_accounts.py's and the items' texts bench/gen_news.py's (about a third name an
account), so the enrich stage raises signals as it would in production, and the figures are
per signal too. SCALE_ACCOUNTS=0 gives the earlier run: no accounts, no signals.

Environment: SCALE_FEEDS (5000), SCALE_ITEMS (10), SCALE_ACCOUNTS (10000), SCALE_VIGIE_BIN
(another vigie binary to run the same cycles with, e.g. a build of main: its lines are
printed as well, marked "before")."""
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.environ["VIGIE_SOURCE_DIR"], "tests", "integration"))
from harness import Redis  # noqa: E402
from redis_stats import commandstats, info  # noqa: E402

FEEDS = int(os.environ.get("SCALE_FEEDS", "5000"))
ITEMS = int(os.environ.get("SCALE_ITEMS", "10"))
ACCOUNTS = int(os.environ.get("SCALE_ACCOUNTS", "10000"))
SRC = os.environ["VIGIE_SOURCE_DIR"]
TMP = os.environ.get("BENCH_TMP") or "/tmp/scalebench"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def accounts_file():
    """bench/gen_accounts.py's accounts (None without accounts)."""
    if not ACCOUNTS:
        return None
    path = os.path.join(TMP, "accounts.json")
    if not os.path.exists(path):
        subprocess.run(["/usr/bin/python3", os.path.join(SRC, "bench", "gen_accounts.py"), str(ACCOUNTS), path],
                       check=True, capture_output=True)
    return path


def news_lines(generation):
    """FEEDS * ITEMS (title, summary) of bench/gen_news.py naming the accounts, one set per
    generation (another seed)."""
    path = os.path.join(TMP, f"news-{generation}.txt")
    subprocess.run(["/usr/bin/python3", os.path.join(SRC, "bench", "gen_news.py"), accounts_file(), path,
                    str(FEEDS * ITEMS * 800 / 1e6), "--seed", str(generation + 1)], check=True, capture_output=True)
    out = []
    for line in open(path, encoding="utf-8"):
        title, _, summary = line.rstrip("\n").partition(". ")
        out.append((escape(title), escape(summary)))
    while len(out) < FEEDS * ITEMS:  # too few lines: reuse them (their URLs stay new)
        out += out[:FEEDS * ITEMS - len(out)]
    return out


def escape(t):
    return t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def write_feeds(root, generation):
    """Every feed with ITEMS items of this generation (new URLs and texts), published now."""
    os.makedirs(os.path.join(root, "feed"), exist_ok=True)
    now = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime())
    texts = news_lines(generation) if ACCOUNTS else None
    for i in range(FEEDS):
        def text(k):
            if texts:
                return texts[i * ITEMS + k]
            return (f"Source {i} story {generation}-{k}: a company announces its results",
                    f"Story {k} of source {i}, generation {generation}: revenue grew and a new plant opens next year.")
        items = "".join(
            f"<item><title>{text(k)[0]}</title>"
            f"<link>https://news.example.com/{i}/{generation}/{k}</link>"
            f"<guid>https://news.example.com/{i}/{generation}/{k}</guid><pubDate>{now}</pubDate>"
            f"<description>{text(k)[1]}</description></item>" for k in range(ITEMS))
        with open(os.path.join(root, "feed", f"{i}.xml"), "w") as f:
            f.write(f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>S{i}</title>'
                    f"{items}</channel></rss>")


class Nginx:
    """One worker serving the feeds; validators on (304s) or off (always 200), switched by a
    reload."""

    def __init__(self, root):
        self.root, self.port = root, free_port()
        self.conf = os.path.join(TMP, "nginx.conf")
        self.write(validators=True)
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        self.proc = subprocess.Popen([nginx, "-p", TMP, "-c", self.conf, "-g", "daemon off;"],
                                     stderr=subprocess.DEVNULL)
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("nginx did not start")

    def write(self, validators):
        v = "etag on;" if validators else "etag off; if_modified_since off;"
        with open(self.conf, "w") as f:
            f.write(f"""worker_processes 1;
pid {TMP}/nginx.pid;
error_log {TMP}/nginx-error.log;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path {TMP}/nginx-tmp;
  server {{ listen 127.0.0.1:{self.port}; root {self.root}; {v} }}
}}
""")

    def validators(self, on):
        self.write(on)
        self.proc.send_signal(signal.SIGHUP)
        time.sleep(1.0)  # the old worker finishes, the new one serves

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


def cpu(pid):
    """User+system CPU seconds of a process so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")



class Run:
    """One vigie binary through the cycles, on its own Redis."""

    def __init__(self, vigie, nginx, label):
        self.vigie, self.nginx, self.label = vigie, nginx, label
        self.r = Redis(appendonly=False)
        self.c = self.r.client()
        conf = os.path.join(TMP, f"vigie-{label}.conf")
        with open(conf, "w") as f:
            f.write(f"[redis]\nurl = {self.r.url}\n[admin]\nlisten = 127.0.0.1:0\n[log]\nlevel = warning\n"
                    "[fetch]\nallow_private = 127.0.0.0/8\nper_host = 64\nper_host_delay = 0\nmax_in_flight = 64\n"
                    "interval = 1h\nrecent_window = 3650d\n")
        csv = os.path.join(TMP, "sources.csv")
        with open(csv, "w") as f:
            f.write("id,url\n" + "".join(f"s{i},http://127.0.0.1:{nginx.port}/feed/{i}.xml\n" for i in range(FEEDS)))
        subprocess.run([vigie, "sources", "-c", conf, "import", csv], check=True, capture_output=True)
        if ACCOUNTS:
            subprocess.run([vigie, "accounts", "-c", conf, "import", accounts_file()], check=True,
                           capture_output=True)
        self.log = open(os.path.join(TMP, f"vigie-{label}.log"), "w")
        self.v = subprocess.Popen([vigie, "run", "-c", conf], stderr=self.log)
        self.cycles = {}

    def recorded(self):
        return int(self.c.call("ZCOUNT", "vigie:due", "-inf", str(int(time.time() * 1000) + 1800000))) == 0

    def idle(self):
        """Every source recorded and the enrich group caught up."""
        if not self.recorded():
            return False
        for g in self.c.call("XINFO", "GROUPS", "vigie:items"):
            g = dict(zip(g[::2], g[1::2]))
            if g["name"] == "enrich" and (g["pending"] or g.get("lag")):
                return False
        return True

    def cycle(self, name, first=False):
        """Every source due (the first cycle: as imported), timed from the first claim to the
        last record; Redis memory, commandstats and CPU of vigie and Redis across it."""
        c = self.c
        if not first:
            c.call("EVAL", "for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do "
                   "redis.call('ZADD', KEYS[1], 0, id) end", 1, "vigie:due")
        mem0, cs0 = int(info(c, "memory")["used_memory"]), commandstats(c)
        cpu0 = (cpu(self.v.pid), cpu(self.r.proc.pid))
        items0 = int(c.call("XLEN", "vigie:items"))
        signals0 = self.signals()
        t0 = time.monotonic()
        time.sleep(0.2)
        while not self.idle():
            time.sleep(0.01)
        self.cycles[name] = {
            "seconds": time.monotonic() - t0,
            "memory": int(info(c, "memory")["used_memory"]) - mem0,
            "commands": {k: (v[0] - cs0.get(k, (0, 0))[0], v[1] - cs0.get(k, (0, 0))[1])
                         for k, v in commandstats(c).items()},
            "cpu_vigie": cpu(self.v.pid) - cpu0[0],
            "cpu_redis": cpu(self.r.proc.pid) - cpu0[1],
            "new_items": int(c.call("XLEN", "vigie:items")) - items0,
            "signals": self.signals() - signals0,
        }

    def signals(self):
        """Signals written so far (entries-added of the signals stream: updates included)."""
        try:
            s = self.c.call("XINFO", "STREAM", "vigie:signals")
        except RuntimeError:
            return 0
        return int(dict(zip(s[::2], s[1::2]))["entries-added"])

    def run(self, generation):
        self.cycle("new", first=True)
        self.seen_bytes = sum(int(self.c.call("MEMORY", "USAGE", k, "SAMPLES", "0") or 0)
                              for k in self.scan("vigie:seen:*"))
        self.stream_bytes = int(self.c.call("MEMORY", "USAGE", "vigie:items", "SAMPLES", "0"))
        entries = self.c.call("XRANGE", "vigie:items", "-", "+", "COUNT", "1000")
        self.json_bytes = sum(len(e[1][1]) for e in entries) / max(len(entries), 1)
        self.nginx.validators(True)
        self.cycle("304")
        self.cycle("304")   # the first may still carry the new cycle's tail
        self.nginx.validators(False)
        self.cycle("unchanged")
        self.cycle("unchanged")  # a warm cache: what a running process pays
        self.nginx.validators(True)

    def scan(self, pattern):
        cursor, keys = "0", []
        while True:
            cursor, batch = self.c.call("SCAN", cursor, "MATCH", pattern, "COUNT", "1000")
            keys += batch
            if cursor == "0":
                return keys

    def stop(self):
        self.v.send_signal(signal.SIGTERM)
        self.v.wait(60)
        self.r.stop()

    # ---- figures: one function per detail line -------------------------------------------

    def items(self):
        return max(self.cycles["new"]["new_items"], 1)

    def bytes_per_item(self):
        return self.cycles["new"]["memory"] / self.items()

    def detail_memory(self):
        return (f"Redis memory per new item, all structures (used_memory delta over the new cycle): "
                f"{self.bytes_per_item():.0f} B; the items stream {self.stream_bytes / self.items():.0f} B "
                f"(MEMORY USAGE), the item's JSON {self.json_bytes:.0f} B")

    def detail_seen(self):
        return (f"seen state per item (dedup state kept for [fetch] dedup_ttl, MEMORY USAGE of every "
                f"seen:* key): {self.seen_bytes / self.items():.1f} B")

    def detail_cpu_new(self):
        cyc = self.cycles["new"]
        fcall = cyc["commands"].get("fcall", (0, 0))[1]
        return (f"Redis CPU per new item over the new cycle: {cyc['cpu_redis'] / self.items() * 1e6:.0f} us "
                f"(process), of which FCALL {fcall / self.items():.0f} us (INFO commandstats delta, "
                f"every function: complete, claim, stage_write); {cyc['new_items']} items in "
                f"{cyc['seconds']:.1f} s = {cyc['new_items'] / cyc['seconds']:.0f} items/s")

    def detail_per_signal(self):
        cyc = self.cycles["new"]
        n = cyc["signals"]
        if not n:
            return "signals: none (no accounts: SCALE_ACCOUNTS=0)"
        fcall = cyc["commands"].get("fcall", (0, 0))[1]
        return (f"signals: {n} written over the new cycle ({n / self.items():.2f} per item, updates included), "
                f"{ACCOUNTS} accounts; per signal, the whole cycle's Redis CPU {cyc['cpu_redis'] / n * 1e6:.0f} us "
                f"(process) and FCALL {fcall / n:.0f} us, the items' own cost included (bench/run signals "
                f"isolates a signal's); vigie CPU per new item {cyc['cpu_vigie'] / self.items() * 1e6:.0f} us "
                f"(all roles: fetch, parse, enrich)")

    def detail_commands(self):
        """Every command of the new cycle per new item (calls, load-independent) and its usec
        (commandstats: inflated by a loaded machine), the biggest first. A function's commands
        are counted on their own and also inside FCALL's time."""
        cyc = self.cycles["new"]
        n = self.items()
        rows = sorted(((k, c, u) for k, (c, u) in cyc["commands"].items() if c > 0), key=lambda r: -r[2])
        inner = sum(c for k, c, _ in rows if k not in ("fcall", "fcall_ro", "info", "eval"))
        return (f"commands per new item: {inner / n:.2f} in all (FCALL left out, its commands in; the bench's "
                f"own polls, ~0.05 per item, in), {inner / max(cyc['signals'], 1):.2f} per signal written (the same total divided by the signals); by command, "
                f"calls and usec per "
                f"new item: " + ", ".join(f"{k} {c / n:.2f} {u / n:.1f}" for k, c, u in rows[:16]))

    def cost(self, name):
        """CPU seconds per poll, vigie + Redis, over a cycle of FEEDS polls."""
        cyc = self.cycles[name]
        return (cyc["cpu_vigie"] + cyc["cpu_redis"]) / FEEDS, cyc

    def detail_unchanged(self):
        c304, a = self.cost("304")
        c200, b = self.cost("unchanged")
        return (f"a 200 of an unchanged feed ({ITEMS} items) costs {c200 / c304:.2f}x a 304: "
                f"{c200 * 1e6:.0f} us vs {c304 * 1e6:.0f} us CPU per poll (vigie + Redis; vigie "
                f"{b['cpu_vigie']:.2f} s vs {a['cpu_vigie']:.2f} s, Redis {b['cpu_redis']:.2f} s vs "
                f"{a['cpu_redis']:.2f} s for {FEEDS} polls; FCALL "
                f"{b['commands'].get('fcall', (0, 0))[1] / FEEDS:.0f} us vs "
                f"{a['commands'].get('fcall', (0, 0))[1] / FEEDS:.0f} us per poll; seen-table lookups (HSETNX) "
                f"{b['commands'].get('hsetnx', (0, 0))[0] / FEEDS:.1f} vs {a['commands'].get('hsetnx', (0, 0))[0] / FEEDS:.1f} "
                f"per poll)")

    def details(self):
        return [getattr(self, n)() for n in sorted(dir(self)) if n.startswith("detail_")]


def main():
    os.makedirs(TMP, exist_ok=True)
    os.chmod(TMP, 0o755)  # nginx's worker runs as another user
    root = os.path.join(TMP, "www")
    nginx = Nginx(root)
    runs = []
    binaries = [("after", os.environ["VIGIE_BIN"])]
    if os.environ.get("SCALE_VIGIE_BIN"):
        binaries.insert(0, ("before", os.environ["SCALE_VIGIE_BIN"]))
    try:
        for gen, (label, binary) in enumerate(binaries):
            write_feeds(root, gen)
            nginx.validators(True)
            run = Run(binary, nginx, label)
            try:
                run.run(gen)
            finally:
                run.stop()
            runs.append((label, run))
    finally:
        nginx.stop()
    label, after = runs[-1]
    print(f"scale vigie={after.bytes_per_item():.0f} peer={after.json_bytes:.0f} unit=B "
          f"ratio={after.bytes_per_item() / after.json_bytes:.3f}")
    print(f"# grid point: {FEEDS} feeds x {ITEMS} items on a local nginx, {ACCOUNTS} accounts"
          f"{' (bench/gen_accounts.py; item texts bench/gen_news.py)' if ACCOUNTS else ' (no signals)'}, one vigie "
          f"(all roles), its own redis-server; this shared 2-core machine")
    for label, run in runs:
        for line in run.details():
            print(f"# {label if len(runs) > 1 else ''}{': ' if len(runs) > 1 else ''}{line}")


if __name__ == "__main__":
    main()
