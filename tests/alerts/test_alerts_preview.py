# ctest-labels: integration alerts
"""`vigie alerts preview --owner X --digest [--html FILE]`: an owner's next digest, as the
router has folded it so far, rendered without sending or changing anything (a real router and
redis-server, a clock the test sets): the text on stdout, the HTML to a file, the period the
router will give it; the digest the router then sends is the one the preview showed."""
import json
import os
import re
import sys
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

sys.path.insert(0, os.path.dirname(__file__))
from routerenv import RouterEnv, run_tests, run_vigie, wait_until  # noqa: E402

ALERTS = """[alerts]
receiver = sales
group_wait = 30s
email_min_priority = 80
digest = daily 08:00
timezone = Europe/Paris
[receiver.sales]
teams = yes
email = owner
"""
CLAIRE = "claire.martin@example.com"


def paris(hour, days=0):
    d = datetime.now(timezone.utc).date() + timedelta(days=days)
    return int(datetime(d.year, d.month, d.day, hour, 0, tzinfo=ZoneInfo("Europe/Paris")).timestamp() * 1000)


def preview(env, *args):
    return run_vigie(["alerts", "-c", env.conf, "preview"] + list(args), env={"VIGIE_CLOCK_FILE": env.clock_file})


def emails(env):
    return env.messages("email")


def test_the_next_digest_as_the_router_will_send_it():
    env = RouterEnv(ALERTS, clock=paris(10))
    v = env.start()
    a = env.signal("airbus", "funding", 75, title="Airbus lève 2 milliards <script>alert(1)</script>",
                   evidence="Airbus <b>annonce</b> & confirme une levée de fonds.")
    m = env.signal("michelin", "expansion", 60, title="Michelin ouvre une usine à Lyon")
    t = env.signal("thales", "hiring", 65, title="Thales recrute 300 ingénieurs")
    env.routed(3)
    env.advance(31)
    wait_until(lambda: len(env.digest_items(CLAIRE)) == 3, 10, "three signals in Claire's digest")
    due_before = env.c.call("ZSCORE", "vigie:digest:due", CLAIRE)
    sent_before = len(emails(env))

    html = os.path.join(env.dir, "digest.html")
    r = preview(env, "--owner", "Claire.Martin@Example.COM", "--digest", "--html", html)
    assert r.returncode == 0, (r.stdout, r.stderr)
    tomorrow = datetime.fromtimestamp(paris(8, 1) / 1000, ZoneInfo("Europe/Paris")).strftime("%Y-%m-%d")
    head = r.stdout.splitlines()[0]
    assert head.startswith(f"Digest for {CLAIRE}, period {tomorrow} (daily 08:00, Europe/Paris), due {tomorrow} "
                           "08:00 Europe/Paris (in 21h 59m): 3 signal(s) of 3 account(s) so far"), head
    assert "To: claire.martin@example.com" in r.stdout or "To: Claire.Martin@example.com" in r.stdout, r.stdout
    assert re.search(r"^Subject: .+", r.stdout, re.M), r.stdout
    # every signal, the hottest account first, web text as text
    body = r.stdout
    pos = [body.index(x["title"].split(" <")[0]) for x in (a, t, m)]
    assert pos == sorted(pos), (pos, body)
    assert "<script>" in body  # plain text shows the title as written...
    with open(html) as f:
        page = f.read()
    assert "<script>alert" not in page and "&lt;script&gt;" in page, page[:2000]  # ...HTML escapes it
    assert "Michelin ouvre une usine à Lyon" in page and "Thales recrute 300 ingénieurs" in page
    assert "HTML part is in " + html in r.stderr

    # nothing changed: the digest still waits, due when it was, nothing sent, no period taken
    assert len(env.digest_items(CLAIRE)) == 3
    assert env.c.call("ZSCORE", "vigie:digest:due", CLAIRE) == due_before
    assert len(emails(env)) == sent_before
    assert env.c.call("KEYS", "vigie:digest-sent:*") == []

    # the digest the router sends at 08:00 is the one the preview showed
    env.set_clock(paris(8, 1) + 5000)
    sent = wait_until(lambda: [e for e in emails(env) if e["kind"] == "digest"], 15, "the digest taken")
    d = sent[0]
    assert d["period"] == tomorrow and d["target"].lower() == CLAIRE, d
    assert [i["signal"]["id"] for i in d["items"]] == [a["id"], t["id"], m["id"]], d["items"]

    # and then there is none pending
    r = preview(env, "--owner", CLAIRE, "--digest")
    assert r.returncode == 0 and r.stdout.strip() == f"no digest pending for {CLAIRE}: nothing has been folded " \
        "into it since the last one", r.stdout
    assert v.stop() == 0


def test_bad_usage():
    env = RouterEnv(ALERTS, clock=paris(10))
    r = preview(env, "--owner", CLAIRE)
    assert r.returncode == 2 and "--digest" in r.stderr, r.stderr
    r = preview(env, "--digest")
    assert r.returncode == 2 and "whose digest? --owner OWNER" in r.stderr, r.stderr
    r = preview(env, "--owner", CLAIRE, "--digest", "--pdf", "x")
    assert r.returncode == 2 and "unknown argument '--pdf'" in r.stderr, r.stderr
    r = preview(env, "--owner", CLAIRE, "--digest", "--html")
    assert r.returncode == 2 and "--html needs a value" in r.stderr, r.stderr
    r = preview(env, "--owner", "nobody@example.com", "--digest")
    assert r.returncode == 0 and "no digest pending for nobody@example.com" in r.stdout, r.stdout
    r = preview(env, "--owner", CLAIRE, "--digest", "--html", "/nonexistent/dir/x.html")
    assert r.returncode == 0, r.stderr  # nothing pending: no file to write
    r = run_vigie(["alerts", "preview", "--help"])
    assert r.returncode == 0 and r.stdout.startswith("usage: vigie alerts [-c FILE] preview")


if __name__ == "__main__":
    run_tests(globals())
