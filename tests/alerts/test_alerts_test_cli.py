# ctest-labels: integration alerts
"""`vigie alerts test --receiver NAME`: a sample alert, marked as a test, sent now through each
channel of a receiver — a stand-in Slack (bot token, chat.postMessage), a stand-in Teams
Workflows webhook and a signed-webhook receiver that checks the signature, all on loopback —
and what each answered printed, without Redis (the configuration's Redis does not exist). The
exit status says whether every channel accepted it."""
import base64
import email
import email.policy
import hashlib
import hmac
import http.server
import json
import os
import socket
import sys
import threading

from aiosmtpd.controller import Controller

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, os.path.join(HERE, "..", "sinks"))
from harness import run_tests, run_vigie, short_tmpdir  # noqa: E402
from standin import control, standin_config, standin_state, start_standin  # noqa: E402

TOKEN = "xoxb-standin-token"
SIG = "teamsWorkflowSignatureSecret0123"
SECRET_RAW = b"vigie-test-webhook-secret-32byte"
SECRET = "whsec_" + base64.b64encode(SECRET_RAW).decode()
ACCOUNT = "Électricité Côte d'Émeraude"


class WebhookReceiver:
    """Checks each request's Standard Webhooks signature; answers `status` (204 by default)."""

    def __init__(self):
        self.got, self.status = [], 204
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                signed = f"{self.headers['webhook-id']}.{self.headers['webhook-timestamp']}.".encode() + body
                want = "v1," + base64.b64encode(hmac.new(SECRET_RAW, signed, hashlib.sha256).digest()).decode()
                ok = want in (self.headers.get("webhook-signature") or "").split()
                outer.got.append({"body": json.loads(body), "signed": ok})
                status = outer.status if ok else 401
                out = b"" if status == 204 else b"unknown alert kind"
                self.send_response(status)
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def log_message(self, *a):
                pass

        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()
        self.port = self.srv.server_address[1]


class SmtpServer:
    """A plain SMTP server on loopback (python3-aiosmtpd) that refuses the addresses given."""

    def __init__(self, refuse=()):
        self.got, self.refuse = [], set(refuse)
        outer = self

        class Handler:
            async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
                if address in outer.refuse:
                    return "550 5.1.1 <%s>: mailbox unavailable" % address
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, server, session, envelope):
                outer.got.append((envelope.rcpt_tos, email.message_from_bytes(envelope.original_content,
                                                                              policy=email.policy.default)))
                return "250 OK"

        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        self.port = s.getsockname()[1]
        s.close()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()


class Env:
    def __init__(self, receivers, refuse=()):
        self.slack, self.slack_port = start_standin(os.path.join(HERE, "slack_standin.py"))
        self.teams, self.teams_port = start_standin(os.path.join(HERE, "teams_standin.py"), "--sig", SIG)
        self.hook = WebhookReceiver()
        self.smtp = SmtpServer(refuse)
        self.dir = short_tmpdir("vgt")
        self.conf = os.path.join(self.dir, "vigie.conf")
        with open(self.conf, "w") as f:
            f.write(f"""[daemon]
state_dir = {self.dir}/state
[redis]
url = unix://{self.dir}/no-redis-here.sock
[alerts]
receiver = team
{receivers}
[sink.slack]
enabled = yes
bot_token = {TOKEN}
api_base = http://127.0.0.1:{self.slack_port}/api
allow_private = 127.0.0.1
timeout = 5s
[sink.teams]
enabled = yes
url = http://127.0.0.1:{self.teams_port}/workflows/abc/triggers/manual/paths/invoke?api-version=1&sig={SIG}
allow_private = 127.0.0.1
timeout = 5s
[sink.email]
enabled = yes
url = smtp://127.0.0.1:{self.smtp.port}
from = vigie@example.com
tls = none
allow_private = 127.0.0.1
[sink.webhook]
url = http://127.0.0.1:{self.hook.port}/hook
secret = {SECRET}
allow_private = 127.0.0.1
timeout = 5s
""")

    def run(self, *args):
        return run_vigie(["alerts", "-c", self.conf, "test"] + list(args), timeout=120)

    def slack_messages(self):
        return standin_state(self.slack_port)["messages"]

    def teams_requests(self):
        return control(self.teams_port, "GET", "state")["requests"]


ALL = """[receiver.team]
slack = owner
teams = yes
webhook = yes
email = owner
"""


def section(out, name):
    """The lines printed for one channel: its header line and the indented ones after it."""
    lines, keep = [], False
    for line in out.splitlines():
        if not line.startswith("  "):
            keep = line.split(" ")[0] == name
        if keep:
            lines.append(line)
    return "\n".join(lines)


def test_every_channel_gets_one_sample_alert():
    env = Env(ALL)
    r = env.run("--receiver", "team", "--owner-slack", "U0OWNER", "--owner-email", "Claire.Martin@example.com")
    assert r.returncode == 0, (r.stdout, r.stderr)
    # Slack: one message, in the owner's DM, saying it is a test, about the accented account
    msgs = env.slack_messages()
    assert len(msgs) == 1 and msgs[0]["channel"] == "D0OWNER", msgs
    text = json.dumps(msgs[0]["blocks"], ensure_ascii=False) + msgs[0]["text"]
    assert "TEST ALERT from vigie —" in text and ACCOUNT in text, text
    s = section(r.stdout, "slack")
    assert s.startswith("slack (U0OWNER)"), r.stdout
    assert "POST http://127.0.0.1:%d/api/chat.postMessage -> HTTP 200: {" % env.slack_port in s, s
    assert '"ok":true' in s.replace(" ", "") and "OK: the channel accepted the alert" in s, s
    # Teams: one card, a test, the workflow's signature not printed
    reqs = env.teams_requests()
    assert len(reqs) == 1 and reqs[0]["status"] == 202, reqs
    card = json.dumps(reqs[0]["envelope"], ensure_ascii=False)
    assert "TEST ALERT from vigie —" in card and ACCOUNT in card
    s = section(r.stdout, "teams")
    assert "-> HTTP 202 (empty body)" in s and "OK" in s, s
    assert SIG not in r.stdout and "?***" in s, s
    # the webhook: one request, signed, carrying the sample message as the router writes it
    assert len(env.hook.got) == 1 and env.hook.got[0]["signed"], env.hook.got
    body = json.dumps(env.hook.got[0]["body"], ensure_ascii=False)
    assert "TEST ALERT from vigie —" in body and ACCOUNT in body, body
    s = section(r.stdout, "webhook")
    assert "-> HTTP 204 (empty body)" in s and "OK" in s, s
    assert "([sink.webhook] is disabled" in s, s  # tried anyway, and said
    # e-mail: one message to the owner, its subject and both bodies saying it is a test
    assert len(env.smtp.got) == 1, env.smtp.got
    rcpt, msg = env.smtp.got[0]
    assert rcpt == ["Claire.Martin@example.com"], rcpt
    assert ACCOUNT in msg["Subject"], msg["Subject"]
    bodies = [msg.get_body(("plain",)).get_content(), msg.get_body(("html",)).get_content()]
    assert all("TEST ALERT from vigie" in b and "Électricité" in b for b in bodies), bodies
    s = section(r.stdout, "email")
    assert s.startswith("email (Claire.Martin@example.com)") and "OK: the channel accepted the alert" in s, s
    assert r.stdout.rstrip().endswith("4 of 4 channel(s) accepted the test alert"), r.stdout

    # a second test is a new alert: nothing deduplicated away
    r = env.run("--receiver", "team", "--owner-slack", "U0OWNER", "--owner-email", "Claire.Martin@example.com")
    assert r.returncode == 0, (r.stdout, r.stderr)
    assert len(env.slack_messages()) == 2 and len(env.teams_requests()) == 2 and len(env.hook.got) == 2
    assert len(env.smtp.got) == 2


def test_refusals_and_outages_are_reported():
    env = Env("[receiver.team]\nslack = #nowhere\nteams = yes\nwebhook = yes\nemail = gone@example.com\n",
              refuse=["gone@example.com"])
    control(env.teams_port, "POST", "config", {"fail": [503], "retry_after": "3"})
    env.hook.status = 400
    r = env.run("--receiver", "team")
    assert r.returncode == 1, (r.stdout, r.stderr)
    s = section(r.stdout, "slack")
    assert s.startswith("slack (#nowhere)") and "channel_not_found" in s and "DROP" in s, s
    s = section(r.stdout, "teams")
    assert "-> HTTP 503" in s and "RETRY (a passing fault)" in s, s
    s = section(r.stdout, "webhook")
    assert "-> HTTP 400: unknown alert kind" in s and "DROP" in s, s
    s = section(r.stdout, "email")
    assert "DROP" in s and "gone@example.com" in s and "550" in s, s
    assert "0 of 4 channel(s) accepted" in r.stdout, r.stdout
    # each channel was tried once: a test does not retry
    assert len(env.teams_requests()) == 1 and len(env.hook.got) == 1


def test_owner_targets_need_their_flag():
    env = Env(ALL)
    r = env.run("--receiver", "team")
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "slack = owner: give the owner's Slack user or channel id with --owner-slack ID" in r.stderr, r.stderr
    assert "email = owner: give the owner's address with --owner-email ADDR" in r.stderr, r.stderr
    assert "nothing was sent" in r.stderr
    assert env.slack_messages() == [] and env.teams_requests() == [] and env.hook.got == [] and env.smtp.got == []


def test_bad_usage():
    env = Env(ALL + "[receiver.other]\nteams = yes\n")
    r = env.run("--receiver", "nope")
    assert r.returncode == 1 and "no [receiver.nope]" in r.stderr and "team other" in r.stderr, r.stderr
    r = env.run()
    assert r.returncode == 2 and "which receiver?" in r.stderr, r.stderr
    r = env.run("--receiver", "team", "--owner", "x@example.com")
    assert r.returncode == 2 and "unknown argument '--owner'" in r.stderr, r.stderr
    r = env.run("--receiver", "team", "--owner-email", "not-an-address", "--owner-slack", "U1")
    assert r.returncode == 2 and "is not an address" in r.stderr, r.stderr
    r = env.run("--help")
    assert r.returncode == 0 and r.stdout.startswith("usage: vigie alerts [-c FILE] test --receiver NAME")
    assert env.teams_requests() == []


if __name__ == "__main__":
    run_tests(globals())
