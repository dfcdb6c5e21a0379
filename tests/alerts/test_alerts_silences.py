# ctest-labels: integration alerts
"""`vigie alerts silence|silences|expire` against a real redis-server, with the clock driven
through VIGIE_CLOCK_FILE (the clock the router decides with): what a user types and sees, and
what the router finds in the `silences` hash."""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from harness import Redis, run_tests, run_vigie, short_tmpdir  # noqa: E402

DAY = 86400 * 1000
T0 = 1_796_000_000_000  # 2026-11-30T00:53:20Z: a fixed "now"


class Env:
    def __init__(self):
        self.dir = short_tmpdir("vga")
        self.redis = Redis()
        self.conf = os.path.join(self.dir, "vigie.conf")
        with open(self.conf, "w") as f:
            f.write(f"[daemon]\ninstance = t1\nstate_dir = {self.dir}/state\n[redis]\nurl = {self.redis.url}\n")
        self.clock = os.path.join(self.dir, "clock")
        self.set_clock(T0)
        accounts = [{"id": "acme", "name": "Acmé Industries", "owner": "Claire.Martin@Example.com", "tier": "key"},
                    {"id": "globex", "name": "Globex", "owner": "Paul Durand"}]
        path = os.path.join(self.dir, "accounts.json")
        with open(path, "w") as f:
            json.dump(accounts, f)
        r = self.vigie("accounts", "import", path)
        assert r.returncode == 0, r.stderr

    def set_clock(self, ms):
        with open(self.clock, "w") as f:
            f.write(f"{ms}\n")

    def vigie(self, *args):
        verb, rest = args[0], list(args[1:])
        return run_vigie([verb, "-c", self.conf] + rest, env={"VIGIE_CLOCK_FILE": self.clock, "USER": "tester"})

    def stored(self):
        c = self.redis.client()
        flat = c.call("HGETALL", "vigie:silences")
        c.close()
        return {flat[i].decode() if isinstance(flat[i], bytes) else flat[i]:
                json.loads(flat[i + 1]) for i in range(0, len(flat), 2)}


def test_silence_is_stored_as_the_router_reads_it():
    env = Env()
    r = env.vigie("alerts", "silence", "--owner", "CLAIRE.martin@example.com", "--type", "funding", "--for", "7d",
                  "--comment", "congés — retour le 8")
    assert r.returncode == 0, r.stderr
    sid = r.stdout.strip()
    assert len(sid) == 8 and all(c in "0123456789abcdef" for c in sid), r.stdout
    assert "until 2026-12-07T" in r.stderr and "(7d)" in r.stderr, r.stderr
    rec = env.stored()[sid]
    assert rec == {"id": sid, "account": None, "owner": "claire.martin@example.com", "type": "funding",
                   "starts": "2026-11-30T00:53:20Z", "ends": "2026-12-07T00:53:20Z",
                   "comment": "congés — retour le 8", "created_by": "tester"}, rec
    # an owner without an e-mail is matched by name, as written
    r = env.vigie("alerts", "silence", "--owner", "Paul Durand", "--for", "2h", "--by", "ops")
    assert r.returncode == 0, r.stderr
    rec = env.stored()[r.stdout.strip()]
    assert rec["owner"] == "Paul Durand" and rec["created_by"] == "ops" and rec["comment"] is None, rec
    assert "warning" not in r.stderr, r.stderr


def test_ids_are_unique():
    env = Env()
    ids = set()
    for _ in range(40):
        r = env.vigie("alerts", "silence", "--account", "acme", "--for", "1h")
        assert r.returncode == 0, r.stderr
        ids.add(r.stdout.strip())
    assert len(ids) == 40 and len(env.stored()) == 40


def test_list_shows_active_ones_with_time_left():
    env = Env()
    a = env.vigie("alerts", "silence", "--account", "acme", "--for", "7d", "--comment", "salon").stdout.strip()
    b = env.vigie("alerts", "silence", "--type", "hiring", "--for", "30m", "--by", "bob").stdout.strip()
    env.set_clock(T0 + 60_000)  # a minute later
    r = env.vigie("alerts", "silences")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["ID", "MATCHERS", "ENDS", "COMMENT", "BY"], r.stdout
    row_a = next(line for line in lines if line.startswith(a))
    row_b = next(line for line in lines if line.startswith(b))
    assert "account=acme" in row_a and "2026-12-07T00:53Z (in 6d 23h)" in row_a and "salon" in row_a, row_a
    assert row_a.rstrip().endswith("tester"), row_a
    assert "type=hiring" in row_b and "(in 29m)" in row_b and row_b.rstrip().endswith("bob"), row_b
    # soonest end first
    assert lines.index(row_b) < lines.index(row_a)
    assert "2 silence(s) in force" in r.stdout

    # an hour later the 30-minute one has ended: gone from the default list, shown by --all
    env.set_clock(T0 + 3600_000)
    r = env.vigie("alerts", "silences")
    assert b not in r.stdout and a in r.stdout, r.stdout
    assert "1 ended in the last 30 days" in r.stdout, r.stdout
    r = env.vigie("alerts", "silences", "--all")
    row_b = next(line for line in r.stdout.splitlines() if line.startswith(b))
    assert "(ended 30m ago)" in row_b, row_b

    r = env.vigie("alerts", "silences", "--json")
    recs = [json.loads(line) for line in r.stdout.splitlines()]
    assert [x["id"] for x in recs] == [a], r.stdout
    r = env.vigie("alerts", "silences", "--json", "--all")
    assert len(r.stdout.splitlines()) == 2


def test_expire_keeps_the_history():
    env = Env()
    sid = env.vigie("alerts", "silence", "--account", "globex", "--for", "1d").stdout.strip()
    env.set_clock(T0 + 5 * 60_000)
    r = env.vigie("alerts", "expire", sid)
    assert r.returncode == 0 and r.stdout.strip() == f"expired {sid}", (r.stdout, r.stderr)
    rec = env.stored()[sid]
    assert rec["ends"] == "2026-11-30T00:58:20Z" and rec["starts"] == "2026-11-30T00:53:20Z", rec
    assert "no silence in force" in env.vigie("alerts", "silences").stdout
    assert sid in env.vigie("alerts", "silences", "--all").stdout
    # again: nothing changes, it says when it ended
    env.set_clock(T0 + 65 * 60_000)
    r = env.vigie("alerts", "expire", sid)
    assert r.returncode == 0 and "already ended, at 2026-11-30T00:58:20Z (1h ago)" in r.stdout, r.stdout
    assert env.stored()[sid]["ends"] == "2026-11-30T00:58:20Z"
    r = env.vigie("alerts", "expire", "deadbeef")
    assert r.returncode == 1 and "no silence with id 'deadbeef'" in r.stderr, r.stderr


def test_old_silences_are_purged_after_30_days():
    env = Env()
    old = env.vigie("alerts", "silence", "--account", "acme", "--for", "1h").stdout.strip()
    recent = env.vigie("alerts", "silence", "--account", "acme", "--for", "10d").stdout.strip()
    env.set_clock(T0 + 31 * DAY)
    r = env.vigie("alerts", "silences", "--all")
    assert recent in r.stdout and old not in r.stdout, r.stdout
    assert set(env.stored()) == {recent}


def test_bad_input():
    env = Env()
    cases = [
        (["--for", "7d"], "give at least one matcher"),
        (["--account", "acme"], "--for DURATION is required"),
        (["--account", "acme", "--for", "7"], "give a unit"),
        (["--account", "acme", "--for", "soon"], "'soon' is not a duration"),
        (["--account", "acme", "--for", "0s"], "at least a second"),
        (["--account", "acme", "--for", "400d"], "at most 366d"),
        (["--account", "acme", "--account", "globex", "--for", "1d"], "--account given twice"),
        (["--acount", "acme", "--for", "1d"], "unknown argument '--acount'"),
        (["--account", "acme", "--for"], "--for needs a value"),
        (["--owner", "", "--for", "1d"], "--owner needs a value"),
    ]
    for args, msg in cases:
        r = env.vigie("alerts", "silence", *args)
        assert r.returncode == 2 and msg in r.stderr, (args, r.returncode, r.stderr)
    assert env.stored() == {}
    r = env.vigie("alerts", "silences", "--active")
    assert r.returncode == 2 and "unknown argument '--active'" in r.stderr
    r = env.vigie("alerts", "expire")
    assert r.returncode == 2 and "which silence?" in r.stderr
    r = env.vigie("alerts", "mute")
    assert r.returncode == 2 and "unknown verb 'mute'" in r.stderr
    # a matcher that names nothing known is kept, with a warning
    r = env.vigie("alerts", "silence", "--account", "acmee", "--for", "1d")
    assert r.returncode == 0 and "no account with id 'acmee'" in r.stderr, r.stderr
    r = env.vigie("alerts", "silence", "--owner", "nobody@example.com", "--for", "1d")
    assert r.returncode == 0 and "no account has owner 'nobody@example.com'" in r.stderr, r.stderr


def test_help():
    for verb in ("silence", "silences", "expire"):
        r = run_vigie(["alerts", verb, "--help"])
        assert r.returncode == 0 and r.stdout.startswith("usage: vigie alerts"), (verb, r.stdout, r.stderr)
    r = run_vigie(["help", "alerts"])
    assert r.returncode == 0 and "silence" in r.stdout and "expire" in r.stdout and "test" in r.stdout, r.stdout


if __name__ == "__main__":
    run_tests(globals())
