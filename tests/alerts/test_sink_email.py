# ctest-labels: integration alerts
"""The e-mail channel against a real SMTP server on loopback (aiosmtpd, STARTTLS with a throwaway
CA, AUTH): alert and digest messages written to alerts:email reach each address once, and what
arrives is read back with Python's `email` package part by part (decoded headers, both bodies,
the grouped order, the escaping, List-Unsubscribe, Message-ID, Date). A refused address does
not cost the others theirs and is named in the log; a server down then up gets each e-mail
once; a message written twice is sent once per address; a server without STARTTLS gets
nothing, not even the sender."""
import datetime
import email
import email.policy
import email.utils
import json
import os
import ssl
import sys
import threading
import time
import logging

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from harness import Redis, Vigie, daemon_config, free_port, run_tests, run_vigie, short_tmpdir, wait_until  # noqa: E402

from aiosmtpd.controller import Controller  # noqa: E402
from aiosmtpd.smtp import AuthResult  # noqa: E402
from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID  # noqa: E402
import ipaddress  # noqa: E402

# aiosmtpd logs a deprecation of its own on every AUTH: not the test's business
logging.getLogger("mail.log").setLevel(logging.ERROR)

USER, PASSWORD = "vigie", "s3cret-pass"
FROM = "Vigie Alertes <alertes@vigie.example>"


# ---- a CA and a certificate for 127.0.0.1, made for this run --------------------------------

def make_certs(d):
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "vigie test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                       crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                        x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = {n: os.path.join(d, n) for n in ("ca.pem", "cert.pem", "key.pem")}
    with open(paths["ca.pem"], "wb") as f:
        f.write(ca.public_bytes(serialization.Encoding.PEM))
    with open(paths["cert.pem"], "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(paths["key.pem"], "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    return paths


# ---- the SMTP server ------------------------------------------------------------------------

class Handler:
    def __init__(self, refuse=()):
        self.refuse = {a.lower() for a in refuse}
        self.messages = []
        self.mail_commands = 0
        self.lock = threading.Lock()

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        with self.lock:
            self.mail_commands += 1
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refuse:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append({"from": envelope.mail_from, "rcpt": list(envelope.rcpt_tos),
                                  "data": envelope.original_content, "tls": session.ssl is not None,
                                  "auth": bool(session.authenticated)})
        return "250 2.0.0 Ok: queued"

    def received(self):
        with self.lock:
            return list(self.messages)


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = getattr(auth_data, "login", None) == USER.encode() and getattr(auth_data, "password", None) == PASSWORD.encode()
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself


class SmtpServer:
    def __init__(self, certs, port=None, starttls=True, refuse=()):
        self.port = port or free_port()
        self.handler = Handler(refuse)
        kw = {}
        if starttls:
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ctx.load_cert_chain(certs["cert.pem"], certs["key.pem"])
            kw = dict(tls_context=ctx, require_starttls=True, authenticator=authenticator, auth_required=True,
                      auth_require_tls=True)
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **kw)
        self.controller.start()

    def stop(self):
        self.controller.stop()


# ---- vigie ----------------------------------------------------------------------------------

class Env:
    def __init__(self, port, extra=""):
        self.dir = short_tmpdir("vge")
        self.certs = make_certs(self.dir)
        self.redis = Redis()
        self.conf = os.path.join(self.dir, "vigie.conf")
        with open(self.conf, "w") as f:
            f.write(daemon_config(self.dir, self.redis.url, daemon_extra="roles = sink") + f"""[pipeline]
reclaim_idle = 4s
[sink.email]
enabled = yes
url = smtp://127.0.0.1:{port}
from = {FROM}
ca_file = {self.certs["ca.pem"]}
linger = 50ms
backoff_min = 100ms
backoff_max = 1s
connect_timeout = 2s
smtp_timeout = 10s
{extra}
""")

    def start(self):
        self.vigie = Vigie(config_path=self.conf, env={"SMTP_PASSWORD": PASSWORD})
        return self.vigie

    def xadd(self, msg):
        c = self.redis.client()
        c.call("XADD", "vigie:alerts:email", "*", "alert", json.dumps(msg))
        c.close()

    def settled(self):
        """Nothing left to deliver: the group has read everything and holds nothing pending."""
        c = self.redis.client()
        try:
            groups = c.call("XINFO", "GROUPS", "vigie:alerts:email")
        except Exception:
            return False
        finally:
            c.close()
        for g in groups:
            d = dict(zip(g[::2], g[1::2]))
            if d.get("name") == "sink:email":
                return d.get("pending") == 0 and d.get("lag") == 0
        return False

    def dead_letters(self):
        c = self.redis.client()
        try:
            return [e for e in c.call("XRANGE", "vigie:dlq", "-", "+")]
        finally:
            c.close()


AUTH = f"user = {USER}\npassword = env:SMTP_PASSWORD\n"


def signal(sid, acct, typ, prio, title, **kw):
    s = {"id": sid, "account_id": acct, "type": typ, "priority": prio, "confidence": 0.9, "title": title,
         "url": f"https://news.example.com/{sid}", "published": "2026-03-05T08:00:00Z",
         "detected": "2026-03-05T08:01:00Z", "evidence": f"Evidence for {title}.", "amounts": [], "people": [],
         "counterparties": [], "places": [], "modifiers": [], "lang": "fr", "sources": 1}
    s.update(kw)
    return s


OWNER = {"key": "clemence@example.com", "name": "Clémence Lefèvre", "email": "clemence@example.com",
         "slack": None, "timezone": "Europe/Paris"}
ACCOUNTS = {
    "airbus": {"id": "airbus", "name": "Airbus", "tier": "key", "owner": "clemence@example.com", "crm_id": None,
               "domains": ["airbus.com"]},
    "michelin": {"id": "michelin", "name": "Michelin", "tier": "standard", "owner": "clemence@example.com",
                 "crm_id": None, "domains": ["michelin.com"]},
    "lefevre": {"id": "lefevre", "name": "Lefèvre & Fils <script>", "tier": "candidate",
                "owner": "clemence@example.com", "crm_id": None, "domains": ["lefevre.fr"]},
}


def alert_msg(mid, target, title="Airbus remporte une commande de 40 avions"):
    return {"id": mid, "kind": "alert", "channel": "email", "target": target, "receiver": "sales", "route": "key",
            "created": "2026-03-05T08:02:03Z", "owner": OWNER, "account": ACCOUNTS["airbus"], "priority": 88,
            "signals": [signal("s1", "airbus", "contract", 88, title,
                               amounts=[{"value": 2500000000, "currency": "EUR"}],
                               people=[{"name": "Guillaume Faury", "role": "CEO", "role_norm": "ceo",
                                        "seniority": "c_level", "department": "executive", "departing": False}],
                               sources=3)]}


def digest_msg(mid, target):
    items = [
        {"account": ACCOUNTS["michelin"], "signal": signal("m1", "michelin", "hiring", 35, "Michelin recrute 50 personnes"), "why": "digest"},
        {"account": ACCOUNTS["airbus"], "signal": signal("a1", "airbus", "expansion", 62, "Airbus ouvre un site"), "why": "quiet"},
        {"account": ACCOUNTS["lefevre"], "signal": signal("l1", "lefevre", "insolvency", 95,
                                                          "<script>alert('x')</script> Lefèvre en redressement"), "why": "cap"},
        {"account": ACCOUNTS["airbus"], "signal": signal("a2", "airbus", "funding", 80, "Airbus lève des fonds"), "why": "update"},
        {"account": ACCOUNTS["michelin"], "signal": signal("m2", "michelin", "leadership_change", 55, "Michelin nomme une DAF"), "why": "inhibited"},
    ]
    return {"id": mid, "kind": "digest", "channel": "email", "target": target, "receiver": "sales", "route": "",
            "created": "2026-03-09T07:00:00Z", "owner": OWNER, "period": "2026-W10",
            "period_start": "2026-03-02T00:00:00+01:00", "period_end": "2026-03-09T00:00:00+01:00",
            "items": items,
            "activity": {"airbus": [0, 1, 0, 2, 1, 0, 3, 1, 2, 2, 4, 7], "michelin": [1] * 12,
                         "lefevre": [0] * 11 + [5]}}


def parse(raw):
    return email.message_from_bytes(raw, policy=email.policy.default)


def parts(msg):
    assert msg.get_content_type() == "multipart/alternative", msg.get_content_type()
    got = {p.get_content_type(): p for p in msg.iter_parts()}
    assert set(got) == {"text/plain", "text/html"}, got
    for p in got.values():
        assert p["Content-Transfer-Encoding"] == "quoted-printable"
        assert p.get_content_charset() == "utf-8"
    return got["text/plain"].get_content(), got["text/html"].get_content()


def raw_lines_ok(raw):
    for line in raw.split(b"\r\n"):
        assert len(line) <= 998, line[:80]
    head = raw.split(b"\r\n\r\n", 1)[0]
    for line in head.split(b"\r\n"):
        assert len(line) <= 78, line
        assert all(b < 0x80 for b in line), line


def wait_received(server, n, timeout=30, what="e-mails"):
    wait_until(lambda: len(server.handler.received()) >= n, timeout, f"{n} {what}")
    return server.handler.received()


# ---- tests ------------------------------------------------------------------------------------

def test_alert_and_digest_over_starttls_with_auth_read_part_by_part():
    port = free_port()
    env = Env(port, AUTH)
    srv = SmtpServer(env.certs, port)
    v = env.start()
    env.xadd(alert_msg("a" * 32, "clemence@example.com, Paul.Durand@example.com"))
    env.xadd(digest_msg("d" * 32, "clemence@example.com"))
    got = wait_received(srv, 3)
    wait_until(env.settled, 10, "the stream settled")
    time.sleep(0.5)
    got = srv.handler.received()
    assert len(got) == 3, [(g["rcpt"], g["from"]) for g in got]
    assert all(g["tls"] and g["auth"] for g in got), "sent without STARTTLS or AUTH"
    assert all(g["from"] == "alertes@vigie.example" and len(g["rcpt"]) == 1 for g in got)
    assert sorted(g["rcpt"][0] for g in got) == ["Paul.Durand@example.com", "clemence@example.com",
                                                  "clemence@example.com"]
    alerts = [g for g in got if b"Message-ID: <" + b"a" * 32 in g["data"]]
    digests = [g for g in got if b"Message-ID: <" + b"d" * 32 in g["data"]]
    assert len(alerts) == 2 and len(digests) == 1, [g["data"][:600] for g in got]

    # the alert
    for g in alerts:
        raw_lines_ok(g["data"])
        m = parse(g["data"])
        assert m["From"].addresses[0].display_name == "Vigie Alertes"
        assert m["From"].addresses[0].addr_spec == "alertes@vigie.example"
        assert [a.addr_spec for a in m["To"].addresses] == ["clemence@example.com", "Paul.Durand@example.com"]
        assert str(m["Subject"]) == "vigie alert — Airbus — contract (priority 88)", str(m["Subject"])
        assert m["Message-ID"] == "<" + "a" * 32 + "@vigie.example>"
        assert email.utils.parsedate_to_datetime(m["Date"]) == datetime.datetime(2026, 3, 5, 8, 2, 3,
                                                                                  tzinfo=datetime.timezone.utc)
        assert m["MIME-Version"] == "1.0"
        assert m["List-Unsubscribe"].strip() == "<mailto:alertes@vigie.example?subject=silence%20clemence%40example.com>"
        text, html = parts(m)
        for body in (text, html):
            assert "Airbus remporte une commande de 40 avions" in body
            assert "2,500,000,000 EUR" in body
            assert "Guillaume Faury (CEO)" in body
            assert "Sources: 3" in body
            assert "vigie alerts silence --owner clemence@example.com" in body
        assert "Link: https://news.example.com/s1" in text
        assert '<a href="https://news.example.com/s1"' in html

    # the digest: accounts hottest first, signals by priority, escaped, activity strips
    g = digests[0]
    raw_lines_ok(g["data"])
    m = parse(g["data"])
    assert str(m["Subject"]) == "vigie digest — 5 signals on 3 accounts — 2026-W10", str(m["Subject"])
    assert [a.addr_spec for a in m["To"].addresses] == ["clemence@example.com"]
    text, html = parts(m)
    for body in (text, html):
        pos = [body.index(k) for k in ("Lef", "Airbus lève des fonds", "Airbus ouvre un site",
                                        "Michelin nomme une DAF", "Michelin recrute")]
        assert pos == sorted(pos), pos
        assert body.index("Airbus") < body.index("Michelin")
    assert "<script>" not in html and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "Lefèvre &amp; Fils &lt;script&gt;" in html
    assert "<script>alert('x')</script> Lefèvre en redressement" in text  # text is not HTML: shown as is
    assert html.count('class="activity"') == 3 and html.count('bgcolor="') >= 36
    assert "Activity, last 12 weeks: " in text and "(0 1 0 2 1 0 3 1 2 2 4 7 signals a week" in text
    assert "quiet hours" in text and "hourly cap" in text
    assert v.wait_log(r"digest d{32} sent to clemence@example.com")
    assert v.stop() == 0, v.log()[-3000:]
    srv.stop()


def test_a_refused_address_costs_the_others_nothing():
    port = free_port()
    env = Env(port, AUTH)
    srv = SmtpServer(env.certs, port, refuse=["ghost@example.com"])
    v = env.start()
    env.xadd(alert_msg("b" * 32, "a@example.com, ghost@example.com, b@example.com"))
    wait_received(srv, 2)
    wait_until(env.settled, 15, "the stream settled")
    time.sleep(0.5)
    got = srv.handler.received()
    assert sorted(g["rcpt"][0] for g in got) == ["a@example.com", "b@example.com"], got
    line = v.wait_log(r"refused the address ghost@example\.com").string
    assert "550" in line and "User unknown" in line, line
    assert env.dead_letters() == []
    assert v.stop() == 0, v.log()[-3000:]
    srv.stop()


def test_a_server_down_then_up_gets_each_email_once():
    port = free_port()
    env = Env(port, AUTH)
    v = env.start()
    env.xadd(alert_msg("c" * 32, "a@example.com, b@example.com"))
    v.wait_log(r"sink email: .*(could not be reached|backing off)|email: .*could not be reached", 20)
    time.sleep(1.0)
    srv = SmtpServer(env.certs, port)
    wait_received(srv, 2, 30)
    wait_until(env.settled, 15, "the stream settled")
    time.sleep(1.5)
    got = srv.handler.received()
    assert sorted(g["rcpt"][0] for g in got) == ["a@example.com", "b@example.com"], got
    assert env.dead_letters() == []
    assert v.stop() == 0, v.log()[-3000:]
    srv.stop()


def test_the_same_message_twice_is_one_email_per_address():
    port = free_port()
    env = Env(port, AUTH)
    srv = SmtpServer(env.certs, port)
    v = env.start()
    msg = alert_msg("e" * 32, "a@example.com, b@example.com")
    env.xadd(msg)
    wait_received(srv, 2)
    wait_until(env.settled, 15, "the stream settled")
    env.xadd(msg)  # a redelivery: another entry with the same message
    time.sleep(0.3)
    wait_until(env.settled, 15, "the second entry settled")
    time.sleep(1.0)
    got = srv.handler.received()
    assert sorted(g["rcpt"][0] for g in got) == ["a@example.com", "b@example.com"], got
    # after a restart too
    assert v.stop() == 0, v.log()[-3000:]
    env.xadd(msg)
    v = env.start()
    wait_until(env.settled, 15, "the third entry settled")
    time.sleep(1.0)
    assert len(srv.handler.received()) == 2
    assert v.stop() == 0, v.log()[-3000:]
    srv.stop()


def test_starttls_required_a_plain_server_gets_nothing():
    port = free_port()
    env = Env(port, "")  # tls = starttls (the default), no AUTH: only STARTTLS is at stake
    srv = SmtpServer(env.certs, port, starttls=False)
    v = env.start()
    env.xadd(alert_msg("f" * 32, "a@example.com"))
    line = v.wait_log(r"paused.*STARTTLS", 20).string
    assert "does not offer STARTTLS" in line, line
    time.sleep(1.0)
    assert srv.handler.received() == [] and srv.handler.mail_commands == 0, "something was sent in clear"
    wait_until(lambda: (lambda r: r[0] == 503 and "STARTTLS" in r[1])(v.get("/readyz")), 10,
               "/readyz to say why the sink is paused")
    assert env.dead_letters() == []
    assert v.stop() == 0, v.log()[-3000:]
    srv.stop()


def test_refused_credentials_pause_the_sink():
    port = free_port()
    env = Env(port, f"user = {USER}\npassword = wrong-password\n")
    srv = SmtpServer(env.certs, port)
    v = env.start()
    env.xadd(alert_msg("9" * 32, "a@example.com"))
    line = v.wait_log(r"paused.*credentials", 20).string
    assert "535" in line, line
    assert PASSWORD not in v.log() and "wrong-password" not in v.log()
    assert srv.handler.received() == []
    assert v.stop() == 0, v.log()[-3000:]
    srv.stop()


def test_sinks_preview_prints_the_email_and_sends_nothing():
    port = free_port()
    env = Env(port, AUTH)
    srv = SmtpServer(env.certs, port)
    env.xadd(digest_msg("7" * 32, "clemence@example.com, paul@example.com"))
    r = run_vigie(["sinks", "-c", env.conf, "preview", "--sink", "email"], env={"SMTP_PASSWORD": PASSWORD})
    assert r.returncode == 0, r.stderr
    assert f"SMTP smtp://127.0.0.1:{port}" in r.stdout
    assert "RCPT TO: <clemence@example.com>" in r.stdout and "RCPT TO: <paul@example.com>" in r.stdout
    assert "Message-ID: <" + "7" * 32 + "@vigie.example>" in r.stdout
    assert PASSWORD not in r.stdout
    time.sleep(0.5)
    assert srv.handler.received() == [] and srv.handler.mail_commands == 0
    srv.stop()


if __name__ == "__main__":
    run_tests(globals())
