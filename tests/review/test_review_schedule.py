# ctest-labels: integration review
"""The daemon's scheduled review ([review] schedule) against a real redis-server, a real SMTP
server on loopback (aiosmtpd) and the outbox sink, on the test's clock (VIGIE_CLOCK_FILE): two
daemons sharing the Redis review each period once (one saved review, one e-mail per recipient);
the e-mail is read back part by part and its HTML report parsed (accounts, recommendations, an
owner's report holding only their accounts); the outbox gets a `review` line with the JSON rows
and the page; a period whose slot passed while no daemon ran is reviewed at the next start, and
not again at the one after; schedule = off hands nothing over; bad options are refused with
their line, and a hand-off to a sink that is not enabled is warned about."""
import email
import email.policy
import glob
import json
import logging
import os
import sys
import threading
import time
from html.parser import HTMLParser

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
import test_review_cli as cli  # noqa: E402
from harness import Redis, Vigie, daemon_config, free_port, run_tests, run_vigie, short_tmpdir, wait_until  # noqa: E402

from aiosmtpd.controller import Controller  # noqa: E402

logging.getLogger("mail.log").setLevel(logging.ERROR)

HOUR = 3600000
NOV_30 = 1796040000000        # 2026-11-30T12:00:00Z: the period due is 2026-11 (its slot 11-01 07:00)
DEC_1_BEFORE = 1796108340000  # 2026-12-01T06:59:00Z: still 2026-11
DEC_1_AFTER = 1796108460000   # 2026-12-01T07:01:00Z: 2026-12 is due

# The fixture of test_review_cli, with the owners' e-mail addresses the `owners` recipients use.
OWNER_MAIL = {"nova": "claire@example.com", "solid": "claire@example.com", "oldco": "marc@example.com",
              "bare": "marc@example.com"}
ACCOUNTS = [dict(a, owner=a["owner"].split("@")[0].capitalize(), owner_email=OWNER_MAIL[a["id"]])
            for a in cli.ACCOUNTS]
BOSS = "direction@example.com"


class Handler:
    def __init__(self):
        self.messages, self.lock = [], threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append({"rcpt": list(envelope.rcpt_tos), "data": envelope.original_content})
        return "250 2.0.0 Ok: queued"

    def received(self):
        with self.lock:
            return list(self.messages)


class Env:
    def __init__(self, schedule="monthly", email=f"{BOSS}, owners", outbox="yes", email_sink=True):
        self.dir = short_tmpdir("vgs")
        self.redis = Redis()
        self.port = free_port()
        self.handler = Handler()
        self.smtp = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.smtp.start()
        self.clock = os.path.join(self.dir, "clock")
        self.set_clock(NOV_30)
        self.outbox = os.path.join(self.dir, "outbox")
        self.sections = f"""[review]
schedule = {schedule}
at = 07:00
timezone = UTC
email = {email}
outbox = {outbox}
"""
        if email_sink:
            self.sections += f"""[sink.email]
enabled = yes
url = smtp://127.0.0.1:{self.port}
from = Vigie <vigie@example.com>
tls = none
linger = 50ms
[sink.outbox]
enabled = yes
dir = {self.outbox}
publish_every = 1s
linger = 50ms
"""
        self.conf = self.config("a")
        path = os.path.join(self.dir, "accounts.json")
        with open(path, "w") as f:
            json.dump(ACCOUNTS, f)
        r = run_vigie(["accounts", "-c", self.conf, "import", path])
        assert r.returncode == 0, r.stderr
        c = self.redis.client()
        for ms, field, rec in sorted(cli.SIGNALS, key=lambda s: s[0]):
            c.call("XADD", "vigie:signals", f"{ms}-0", field, json.dumps(rec))
        c.close()
        self.daemons = []

    def config(self, instance):
        path = os.path.join(self.dir, f"{instance}.conf")
        with open(path, "w") as f:
            f.write(daemon_config(self.dir, self.redis.url, instance=instance, daemon_extra="roles = sink")
                    + self.sections)
        return path

    def set_clock(self, ms):
        with open(self.clock + ".tmp", "w") as f:
            f.write(f"{ms}\n")
        os.replace(self.clock + ".tmp", self.clock)

    def start(self, instance="a"):
        v = Vigie(config_path=self.config(instance), env={"VIGIE_CLOCK_FILE": self.clock})
        self.daemons.append(v)
        return v

    def stop(self):
        daemons, self.daemons = self.daemons, []
        for v in daemons:
            rc = v.stop()
            assert rc == 0 and "runtime error" not in v.log() and "Sanitizer" not in v.log(), (rc, v.log())

    def close(self):
        self.stop()
        self.smtp.stop()

    def saved(self):
        r = run_vigie(["review", "-c", self.conf, "--list", "--format", "json"], env={"VIGIE_CLOCK_FILE": self.clock})
        assert r.returncode == 0, r.stderr
        return json.loads(r.stdout)

    def mails(self, rcpt=None):
        out = []
        for m in self.handler.received():
            if rcpt is None or rcpt in m["rcpt"]:
                out.append(email.message_from_bytes(m["data"], policy=email.policy.default))
        return out

    def outbox_lines(self):
        lines = []
        for path in sorted(glob.glob(os.path.join(self.outbox, "reports-*.jsonl"))):
            with open(path) as f:
                lines += [json.loads(x) for x in f if x.strip()]
        return lines


class Rows(HTMLParser):
    """The report's table rows: {account id: (recommendation, text of the row)}."""

    def __init__(self):
        super().__init__()
        self.rows, self.cur = {}, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "tr" and "data-account" in a:
            self.cur = a["data-account"]
            self.rows[self.cur] = [a.get("class", "").replace("rec-", ""), ""]

    def handle_endtag(self, tag):
        if tag == "tr":
            self.cur = None

    def handle_data(self, data):
        if self.cur:
            self.rows[self.cur][1] += data


def report_rows(msg):
    assert msg.get_content_type() == "multipart/alternative", msg.get_content_type()
    html = msg.get_body(preferencelist=("html",)).get_content()
    assert html.startswith("<!DOCTYPE html>") and "<script" not in html
    p = Rows()
    p.feed(html)
    return p.rows, msg.get_body(preferencelist=("plain",)).get_content()


def wait_mails(env, n, timeout=20):
    wait_until(lambda: len(env.handler.received()) >= n, timeout, f"{n} e-mail(s)")
    time.sleep(1.0)  # and no more than that
    return env.handler.received()


def test_two_daemons_review_each_period_once():
    env = Env()
    try:
        a, b = env.start("a"), env.start("b")
        # Started within 2026-11, whose slot passed while no daemon ran: it is reviewed at once.
        wait_mails(env, 3)
        assert len(env.handler.received()) == 3, [m["rcpt"] for m in env.handler.received()]
        saved = env.saved()
        assert [r["id"] for r in saved] == [1], saved
        assert saved[0]["counts"]["promote"] == 1 and saved[0]["counts"]["de-select"] == 1, saved

        whole = env.mails(BOSS)
        assert len(whole) == 1
        assert "2026-11" in whole[0]["Subject"] and "1 de-select" in whole[0]["Subject"], whole[0]["Subject"]
        rows, text = report_rows(whole[0])
        assert set(rows) == {"nova", "oldco", "solid", "bare"}, rows
        assert rows["nova"][0] == "promote" and "Nova Robotics" in rows["nova"][1]
        assert rows["oldco"][0] == "de-select" and "insolvency" in rows["oldco"][1]
        assert "promote    Nova Robotics (nova)" in text, text

        # Each owner gets the report of their own accounts only.
        claire = env.mails("claire@example.com")
        assert len(claire) == 1 and "for Claire" in claire[0]["Subject"], claire[0]["Subject"]
        assert set(report_rows(claire[0])[0]) == {"nova", "solid"}
        marc = env.mails("marc@example.com")
        assert len(marc) == 1 and set(report_rows(marc[0])[0]) == {"oldco", "bare"}

        # The outbox: one `review` line with the JSON rows and the page.
        wait_until(lambda: env.outbox_lines(), 10, "the outbox's reports file")
        lines = env.outbox_lines()
        assert len(lines) == 1 and lines[0]["kind"] == "review", lines
        rec = lines[0]["record"]
        assert rec["id"] == "review-2026-11" and rec["review_id"] == 1 and rec["period"] == "2026-11"
        by = {r["id"]: r for r in rec["rows"]}
        assert by["nova"]["recommendation"] == "promote" and by["nova"]["name"] == "Nova Robotics"
        assert rec["html"].startswith("<!DOCTYPE html>") and "Nova Robotics" in rec["html"]

        # Before the next slot nothing more; past it, 2026-12 once.
        env.set_clock(DEC_1_BEFORE)
        time.sleep(2.5)
        assert len(env.handler.received()) == 3 and len(env.saved()) == 1
        env.set_clock(DEC_1_AFTER)
        wait_mails(env, 6)
        assert len(env.handler.received()) == 6
        assert [r["id"] for r in env.saved()] == [1, 2]
        assert len(env.mails(BOSS)) == 2 and "2026-12" in env.mails(BOSS)[1]["Subject"]
        wait_until(lambda: len(env.outbox_lines()) == 2, 10, "the second review in the outbox")
        # One of the two daemons ran each period; the other found it taken or done.
        log = a.log() + b.log()
        assert log.count("scheduled review 2026-11: saved as review 1") == 1, log
        assert log.count("scheduled review 2026-12: saved as review 2") == 1, log
    finally:
        env.close()


def test_missed_period_runs_at_restart_and_once():
    env = Env(email=BOSS, outbox="no")
    try:
        v = env.start()
        wait_mails(env, 1)
        v.wait_log(r"scheduled review 2026-11: saved as review 1")
        env.stop()
        # The slot of 2026-12 passes while no daemon runs.
        env.set_clock(DEC_1_AFTER + 48 * HOUR)
        v = env.start()
        wait_mails(env, 2)
        v.wait_log(r"scheduled review 2026-12: saved as review 2")
        env.stop()
        # Started again within 2026-12: done already, nothing sent.
        v = env.start()
        v.wait_log(r"scheduled review 2026-12: done already \(review 2\)")
        time.sleep(1.0)
        assert len(env.handler.received()) == 2 and [r["id"] for r in env.saved()] == [1, 2]
        subjects = [m["Subject"] for m in env.mails(BOSS)]
        assert "2026-11" in subjects[0] and "2026-12" in subjects[1], subjects
    finally:
        env.close()


def test_schedule_off_hands_nothing_over():
    env = Env(schedule="off")
    try:
        r = run_vigie(["check-config", "-c", env.conf])
        assert r.returncode == 0, r.stderr
        assert "review.schedule = off: the review is handed to no sink" in r.stderr, r.stderr
        v = env.start()
        v.wait_log(r"outbox: writing")
        time.sleep(3.0)
        assert env.handler.received() == [] and env.saved() == []
        assert "scheduled review 20" not in v.log()
        c = env.redis.client()
        assert c.call("KEYS", "vigie:review-done:*") == []
        c.close()
    finally:
        env.close()


def check(text):
    d = short_tmpdir()
    path = os.path.join(d, "vigie.conf")
    with open(path, "w") as f:
        f.write(text)
    return path, run_vigie(["check-config", "-c", path])


def test_bad_options_are_refused_with_their_line():
    for body, line, want in [
        ("schedule = daily\n", 2, "review.schedule"),
        ("schedule = monthly\nat = 25:00\n", 3, "key 'review.at': '25:00' is not a time of day"),
        ("schedule = monthly\nat = 7h\n", 3, "key 'review.at': '7h' is not a time of day"),
        ("schedule = weekly\ntimezone = Mars/Olympus\n", 3, "key 'review.timezone': 'Mars/Olympus' is not a time zone"),
        ("schedule = weekly\nemail = boss@example.com, not an address\n", 3,
         "key 'review.email': 'not an address' is neither an e-mail address nor `owners`"),
    ]:
        path, r = check("[review]\n" + body)
        assert r.returncode != 0, (body, r.stderr)
        assert f"{path}:{line}:" in r.stderr and want in r.stderr, (body, r.stderr)


def test_a_hand_off_without_its_sink_is_warned_about():
    path, r = check("[review]\nschedule = monthly\nemail = owners\noutbox = yes\n")
    assert r.returncode == 0, r.stderr
    assert f"{path}:3: review.email = owners, but no [sink.email] section is enabled here" in r.stderr, r.stderr
    assert f"{path}:4: review.outbox = yes, but no [sink.outbox] section is enabled here" in r.stderr, r.stderr
    path, r = check("[review]\nschedule = weekly\n")
    assert r.returncode == 0 and "the scheduled review is saved only" in r.stderr, r.stderr
    # ... and the daemon says it when it starts.
    env = Env(email_sink=False)
    try:
        v = env.start()
        v.wait_log(r"no \[sink.email\] section is enabled here")
        # The review is saved all the same, its messages waiting in the streams for their sinks.
        v.wait_log(r"scheduled review 2026-11: saved as review 1 \(4 account\(s\)\); 3 e-mail message\(s\)")
        c = env.redis.client()
        assert c.call("XLEN", "vigie:alerts:email") == 3 and c.call("XLEN", "vigie:reports") == 1
        c.close()
    finally:
        env.close()


if __name__ == "__main__":
    run_tests(globals())
