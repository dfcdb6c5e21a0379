# ctest-labels: integration review
"""The accounts' series (queue/queue_series.h, issue 16 part 1) against a real redis-server:
signals written by the enrich stage's own Redis function (vigie_stage_write, called here as
queue_stage.c calls it), or found in the signals stream only (a stream from before the series:
the upgrade), read by `vigie accounts show|list|reindex` and `vigie review` with the test's
clock (VIGIE_CLOCK_FILE). Weekly buckets across a week boundary, weeks older than 53 dropped,
one signal id counted once whichever way it comes, the heat ranking's order as time passes and
after a new signal, accounts show's series and trends, review's "since the previous review"."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_review_cli as fx
from harness import Redis, Vigie, function_library, run_tests, run_vigie, short_tmpdir, wait_until

DAY, WEEK = fx.DAY, 7 * fx.DAY
NOW = 1796083200000  # 2026-12-01T00:00:00Z, a Tuesday: this week began Monday 2026-11-30
MONDAY = NOW - DAY
HALF = 30 * DAY  # [review] half_life's default

ACCOUNTS = [{"id": a, "name": a.title(), "owner": "claire@example.com", "tier": "key"}
            for a in ("alpha", "beta", "gamma", "delta")]


def heat(signals, now):
    # enrich/review.c's: sum of priority * 0.5^(age / half_life), capped at 100
    return min(100.0, sum(p * 0.5 ** (max(0, now - t) / HALF) for p, t in signals))


class Env:
    def __init__(self):
        d = short_tmpdir()
        self.redis = Redis()
        self.conf = os.path.join(d, "vigie.conf")
        with open(self.conf, "w") as f:
            f.write(f"[daemon]\nstate_dir = {d}/state\n[redis]\nurl = {self.redis.url}\n")
        self.clock = os.path.join(d, "clock")
        self.at(NOW)
        path = os.path.join(d, "accounts.json")
        with open(path, "w") as f:
            json.dump(ACCOUNTS, f)
        assert self.vigie("accounts", "import", path).returncode == 0
        self.c = self.redis.client()
        self.c.call("FUNCTION", "LOAD", "REPLACE", function_library())
        self.c.call("XGROUP", "CREATE", "vigie:items", "enrich", "0", "MKSTREAM")

    def at(self, ms):
        with open(self.clock, "w") as f:
            f.write(f"{ms}\n")

    def vigie(self, *args):
        return run_vigie([args[0], "-c", self.conf] + list(args[1:]), env={"VIGIE_CLOCK_FILE": self.clock})

    def stage(self, sid, account, priority, published_ms, type_="funding", dedup=None):
        """A signal written as the enrich stage writes it: an item entry handled, its signal
        output and acknowledgement in one vigie_stage_write (queue_stage.c's layout)."""
        entry = self.c.call("XADD", "vigie:items", "*", "item", "{}")
        self.c.call("XREADGROUP", "GROUP", "enrich", "t1", "COUNT", "100", "STREAMS", "vigie:items", ">")
        rec = fx.signal(sid, account, type_, priority, 0.9, published_ms)
        got = self.c.call("FCALL", "vigie_stage_write", "3", "vigie:items", "vigie:errors:items:enrich",
                          "vigie:taken:items:enrich:", "enrich", "vigie:", "1000000", str(30 * 86400), str(3 * 86400),
                          "c", str(HALF), "1", "signals", "signal", entry, "1s", json.dumps(rec), dedup or sid,
                          f"{account}|{type_}", "")
        assert got[0] == 1, got
        return got[1]  # 1 written, 0 a duplicate

    def stream_only(self, sid, account, priority, published_ms, type_="funding"):
        """A signal the stream holds and the series do not (written before the series existed)."""
        rec = fx.signal(sid, account, type_, priority, 0.9, published_ms)
        self.c.call("XADD", "vigie:signals", "*", "signal", json.dumps(rec))

    def show(self, account):
        r = self.vigie("accounts", "show", account)
        assert r.returncode == 0, r.stderr
        return json.loads(r.stdout)

    def order(self):
        r = self.vigie("accounts", "list", "--sort", "heat")
        assert r.returncode == 0, r.stderr
        return [(l.split()[0], int(l.split()[3])) for l in r.stdout.splitlines()[1:-1]]


def test_weekly_buckets_across_a_week_boundary():
    e = Env()
    e.stage("s-sun", "alpha", 40, MONDAY - 1000)  # Sunday 23:59:59 UTC: last week
    e.stage("s-mon", "alpha", 60, MONDAY)         # Monday 00:00:00 UTC: this week
    e.stage("s-mon2", "alpha", 20, MONDAY + 3600000, type_="hiring")
    e.stage("s-5w", "alpha", 10, MONDAY - 4 * WEEK - 1)  # five weeks back
    a = e.show("alpha")
    weeks = a["series"]["weeks"]
    assert len(weeks) == 53 and weeks[-1] == 2 and weeks[-2] == 1 and weeks[-6] == 1 and sum(weeks) == 4, weeks
    assert a["series"]["from"] == "2025-12-01", a["series"]  # the Monday 52 weeks before this week's
    spark = a["series"]["sparkline"]
    assert len(spark) == 53 and spark[-1] == "\u2588" and spark[-2] == "\u2584" and spark[0] == " ", spark
    assert a["last_signal"] == fx.iso(MONDAY + 3600000) and a["last_signal_type"] == "hiring", a
    # the week's summed priorities, as the console reads them
    assert e.c.call("HGET", "vigie:series:w:alpha", f"p{(MONDAY - 345600000) // WEEK}") == "80"


def test_old_weeks_dropped_after_53_weeks():
    e = Env()
    first = MONDAY - 60 * WEEK
    e.stage("s-old", "beta", 50, first)
    old_week = (first - 345600000) // WEEK
    assert e.c.call("HEXISTS", "vigie:series:w:beta", f"c{old_week}") == 1
    e.stage("s-52", "beta", 50, first + 52 * WEEK)  # 52 weeks on: the first week still kept
    assert e.c.call("HEXISTS", "vigie:series:w:beta", f"c{old_week}") == 1
    e.stage("s-53", "beta", 50, first + 53 * WEEK)  # 53 weeks on: it leaves, its id too
    assert e.c.call("HEXISTS", "vigie:series:w:beta", f"c{old_week}") == 0
    assert e.c.call("ZSCORE", "vigie:series:s:beta", "s-old") is None
    assert e.c.call("ZCARD", "vigie:series:s:beta") == 2
    # older than what the series keep: not counted (nor kept)
    e.stage("s-older", "beta", 50, first - WEEK)
    assert e.c.call("ZCARD", "vigie:series:s:beta") == 2
    e.at(first + 53 * WEEK + DAY)
    b = e.show("beta")
    assert sum(b["series"]["weeks"]) == 2 and b["series"]["weeks"][-1] == 1 and b["series"]["weeks"][-2] == 1, b
    assert b["trends"]["12m"] == {"now": 2}


def test_the_same_signal_id_counts_once():
    e = Env()
    assert e.stage("s-1", "gamma", 70, NOW - 2 * DAY) == 1
    # told again with another dedup id (another story): the stream has it twice, the series once
    assert e.stage("s-1", "gamma", 90, NOW - 2 * DAY, dedup="other") == 1
    # the same id in the stream only, and through a CRM sink's tally
    e.stream_only("s-1", "gamma", 70, NOW - 2 * DAY)
    t = e.c.call("FCALL", "vigie_tally_add", "1", "vigie:tally:gamma", "vigie:", "gamma", "s-1", "70",
                 str(NOW - 2 * DAY), str(90 * DAY), str(HALF))
    assert t[0] == 1, t
    g = e.show("gamma")
    assert sum(g["series"]["weeks"]) == 1 and g["trends"]["7d"] == {"now": 1, "before": 0}, g
    assert g["heat"] == round(heat([(70, NOW - 2 * DAY)], NOW), 1), g
    r = e.vigie("accounts", "reindex")
    assert r.returncode == 0 and r.stdout == "0 signal(s) added to the accounts' series\n", r.stdout + r.stderr
    assert e.show("gamma")["heat"] == g["heat"]


def test_ranking_keeps_its_order_as_time_passes_and_moves_with_a_new_signal():
    e = Env()
    sig = {"alpha": [(90, NOW - 40 * DAY)], "beta": [(50, NOW - 2 * DAY)], "gamma": [(60, NOW - 20 * DAY)],
           "delta": [(30, NOW - DAY), (30, NOW - 50 * DAY)]}
    for a, ss in sig.items():
        for k, (p, t) in enumerate(ss):
            e.stage(f"{a}-{k}", a, p, t)
    ranked = e.c.call("ZRANGE", "vigie:series:heat", "0", "-1", "REV")
    for later in (0, 10 * DAY, 100 * DAY, 300 * DAY):
        e.at(NOW + later)
        want = sorted(sig, key=lambda a: -heat(sig[a], NOW + later))
        got = e.order()
        assert [a for a, _ in got] == want == ranked, (later, got, want, ranked)
        assert all(abs(h - heat(sig[a], NOW + later)) <= 0.5 for a, h in got), (later, got)
    # the ranking's scores were not rewritten as time passed
    assert e.c.call("ZRANGE", "vigie:series:heat", "0", "-1", "REV") == ranked
    # a new signal moves an account up: delta's (the coldest at NOW) new one at NOW + 300 days
    e.stage("delta-new", "delta", 40, NOW + 300 * DAY)
    got = e.order()
    assert got[0] == ("delta", 40), got
    assert [a for a, _ in got] == e.c.call("ZRANGE", "vigie:series:heat", "0", "-1", "REV")


def test_a_stream_from_before_the_series_is_indexed_once():
    e = Env()
    # an upgrade: signals in the stream, no series at all yet
    e.stream_only("u-1", "alpha", 80, NOW - 3 * DAY)
    e.stream_only("u-2", "alpha", 40, NOW - 100 * DAY, type_="hiring")
    e.stream_only("u-3", "beta", 20, NOW - 10 * DAY)
    assert e.c.call("EXISTS", "vigie:series:w:alpha") == 0
    a = e.show("alpha")  # the first command indexes the stream
    assert a["trends"] == {"7d": {"now": 1, "before": 0}, "90d": {"now": 1, "before": 1, "complete": False},
                           "12m": {"now": 2}}, a["trends"]
    assert a["heat"] == round(heat([(80, NOW - 3 * DAY), (40, NOW - 100 * DAY)], NOW), 1), a
    # then the stage keeps the mark current: the next command finds nothing to add
    e.stage("u-4", "beta", 30, NOW - DAY)
    mark = e.c.call("GET", "vigie:series:stream")
    assert mark == e.c.call("XREVRANGE", "vigie:signals", "+", "-", "COUNT", "1")[0][0]
    assert e.vigie("accounts", "reindex").stdout == "0 signal(s) added to the accounts' series\n"
    assert [a for a, _ in e.order()][:2] == ["alpha", "beta"]


def test_review_shows_the_change_since_the_previous_review():
    e = Env()
    e.stage("r-1", "alpha", 50, NOW - 5 * DAY)
    e.stage("r-2", "beta", 80, NOW - 2 * DAY)
    r = e.vigie("review", "--json")
    assert r.returncode == 0, r.stderr
    assert all(x["since_previous"] is None for x in json.loads(r.stdout))
    assert e.vigie("review", "--save").returncode == 0
    then = {x["id"]: x["heat"] for x in json.loads(e.vigie("review", "--json").stdout)}
    # two weeks on: alpha has two new signals, beta none
    e.stage("r-3", "alpha", 60, NOW + 3 * DAY)
    e.stage("r-4", "alpha", 30, NOW + 10 * DAY)
    e.at(NOW + 14 * DAY)
    rows = {x["id"]: x for x in json.loads(e.vigie("review", "--json").stdout)}
    sa, sb = rows["alpha"]["since_previous"], rows["beta"]["since_previous"]
    assert sa == {"review": 1, "at": fx.iso(NOW), "heat_then": then["alpha"], "heat_now": rows["alpha"]["heat"],
                  "signals": 2}, sa
    assert sb["signals"] == 0 and sb["heat_then"] == then["beta"] and sb["heat_now"] < sb["heat_then"], sb
    table = e.vigie("review").stdout
    assert "\nSince review 1 of 2026-12-01:\n" in table, table
    line = next(l for l in table.splitlines() if l.startswith("  alpha "))
    assert line.split() == ["alpha", "heat", f"{then['alpha']:.0f}", "->", f"{rows['alpha']['heat']:.0f},", "2",
                            "signal(s)"], line


def test_the_daemons_enrich_stage_keeps_the_series():
    """End to end: items enriched by `vigie run` land in their account's series as the stage
    writes the signals, and the mark follows, so a command finds nothing left to index."""
    d = short_tmpdir()
    r = Redis()
    conf = os.path.join(d, "vigie.conf")
    with open(conf, "w") as f:
        f.write(f"[daemon]\ninstance = s1\nstate_dir = {d}/state\n[redis]\nurl = {r.url}\n[admin]\nlisten = 127.0.0.1:0\n")
    path = os.path.join(d, "accounts.json")
    with open(path, "w") as f:
        json.dump([{"id": "nx", "name": "Nexaltis", "domains": ["nexaltis.example"]}], f)
    assert run_vigie(["accounts", "-c", conf, "import", path]).returncode == 0
    c = r.client()
    assert run_vigie(["accounts", "-c", conf, "reindex"]).stdout == "0 signal(s) added to the accounts' series\n"
    titles = ["Nexaltis lève 80 millions d'euros pour accélérer en Europe",
              "Nexaltis ouvre une usine à Lyon et recrute 300 personnes"]
    for k, t in enumerate(titles):
        c.call("XADD", "vigie:items", "*", "item",
               json.dumps({"id": f"i{k}", "source_id": "s", "title": t, "summary": "", "lang": "fr",
                           "url": f"https://news.example/{k}", "published": fx.iso(NOW - k * DAY)}))
    Vigie(config_path=conf)
    wait_until(lambda: c.call("XLEN", "vigie:signals") >= 2 and
               c.call("ZCARD", "vigie:series:s:nx") == c.call("XLEN", "vigie:signals"), 60, "the signals in the series")
    n = c.call("XLEN", "vigie:signals")
    assert c.call("GET", "vigie:series:stream") == c.call("XREVRANGE", "vigie:signals", "+", "-", "COUNT", "1")[0][0]
    r2 = run_vigie(["accounts", "-c", conf, "show", "nx"], env={"VIGIE_CLOCK_FILE": _clock(d, NOW + DAY)})
    shown = json.loads(r2.stdout)
    assert sum(shown["series"]["weeks"]) == n and shown["heat"] > 0 and shown["trends"]["7d"]["now"] == n, shown
    assert c.call("ZRANGE", "vigie:series:heat", "0", "-1") == ["nx"]


def _clock(d, ms):
    path = os.path.join(d, "clock")
    with open(path, "w") as f:
        f.write(f"{ms}\n")
    return path


if __name__ == "__main__":
    run_tests(dict(globals()))
