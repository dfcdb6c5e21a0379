#!/usr/bin/env python3
# ctest-labels: integration
"""test_http_client — the HTTP client (http/fetch_http.c) against a real server.

Starts tests/http/fixture_server.py on 127.0.0.1, drives the client with the tool_fetch
program (one JSON line per result) and checks what a user of the daemon would see: bodies
decoded and byte-identical to the fixture, 304s on conditional GETs, every failure reported
with the right error name and reason, limits and politeness observed from the server's side
(peak concurrency, arrival times, connections), and no traffic at all to refused addresses.

Waits are bounded (subprocess timeouts); the server process is killed on exit. The only time
checks are lower bounds on delays the client must respect (Retry-After, per-host delay), never
speed."""

import base64
import hashlib
import http.server
import json
import os
import select
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse
import urllib.request
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
FEED = os.path.join(HERE, "fixtures", "http", "feed.xml")
BIN_DIR = os.environ.get("VIGIE_TEST_BIN_DIR") or os.path.join(HERE, "..", "..", "build", "tests")
TOOL = os.path.join(BIN_DIR, "tool_fetch")
LOOPBACK = ["--allow-private", "127.0.0.0/8"]

server = None
port = None


def setUpModule():
    global server, port
    server = subprocess.Popen([sys.executable, "-B", os.path.join(HERE, "fixture_server.py")],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ready, _, _ = select.select([server.stdout], [], [], 15)
    line = server.stdout.readline() if ready else ""
    if not line.startswith("PORT "):
        server.kill()
        raise RuntimeError("fixture server did not start: %r %s" % (line, server.stderr.read()))
    port = int(line.split()[1])


def tearDownModule():
    if server:
        server.kill()
        server.wait(timeout=10)


def base(host="127.0.0.1"):
    return "http://%s:%d" % (host, port)


def new_group():
    return uuid.uuid4().hex[:12]


def server_stats(group):
    with urllib.request.urlopen("%s/_stats?g=%s" % (base(), group), timeout=10) as r:
        return json.load(r)


def started_ms(result):
    """When the client started the request (CLOCK_MONOTONIC ms)."""
    return result["submit_mono_ms"] + result["queued_ms"]


def feed_bytes():
    with open(FEED, "rb") as f:
        return f.read()


class Run:
    """One tool_fetch run: results by index, plus its event and stats lines."""

    def __init__(self, args, urls, stdin=None, timeout=90, expect_rc=0):
        self.body_dir = tempfile.mkdtemp(prefix="vigie-fetch-")
        cmd = [TOOL, "--body-dir", self.body_dir, "--stats"] + list(args) + list(urls)
        p = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=timeout)
        self.rc, self.stderr = p.returncode, p.stderr
        if p.returncode != expect_rc:
            shutil.rmtree(self.body_dir, ignore_errors=True)
            raise AssertionError("tool_fetch exited %d (expected %d)\nstdout:\n%s\nstderr:\n%s"
                                 % (p.returncode, expect_rc, p.stdout, p.stderr))
        self.results, self.events, self.stats, self.order = {}, [], None, []
        for line in p.stdout.splitlines():
            obj = json.loads(line)
            if "stats" in obj:
                self.stats = obj["stats"]
            elif "event" in obj:
                self.events.append(obj)
            else:
                self.results[obj["index"]] = obj
                self.order.append(obj["index"])
        self.bodies = {}
        for i in self.results:
            path = os.path.join(self.body_dir, "%d.body" % i)
            if os.path.exists(path):
                with open(path, "rb") as f:
                    self.bodies[i] = f.read()
        shutil.rmtree(self.body_dir, ignore_errors=True)

    def __getitem__(self, i):
        return self.results[i]


def fetch_one(url, *args, **kw):
    run = Run(args, [url], **kw)
    return run[0], run


class ContentTests(unittest.TestCase):
    def test_conditional_get(self):
        g = new_group()
        url = "%s/feed?g=%s" % (base(), g)
        first, run = fetch_one(url, *LOOPBACK)
        self.assertEqual(first["error"], "ok")
        self.assertEqual(first["status"], 200)
        self.assertEqual(run.bodies[0], feed_bytes())
        self.assertEqual(first["content_type"], "application/rss+xml")
        self.assertEqual(first["charset"], "utf-8")
        self.assertEqual(first["etag"], '"feed-v1"')
        self.assertEqual(first["last_modified"], "Tue, 02 Jan 2024 10:00:00 GMT")
        self.assertFalse(first["not_modified"])

        # The validators the client returned, given back, make the server answer 304.
        again, run = fetch_one(url, *LOOPBACK, "--etag", first["etag"])
        self.assertEqual((again["error"], again["status"], again["not_modified"]),
                         ("ok", 304, True))
        self.assertEqual(again["body_len"], 0)
        self.assertEqual(run.bodies[0], b"")
        self.assertEqual(again["etag"], '"feed-v1"')
        self.assertEqual(run.stats["not_modified"], 1)

        since, _ = fetch_one(url, *LOOPBACK, "--last-modified", first["last_modified"])
        self.assertEqual((since["status"], since["not_modified"]), (304, True))

        stale, run = fetch_one(url, *LOOPBACK, "--etag", '"feed-v0"')
        self.assertEqual(stale["status"], 200)
        self.assertEqual(run.bodies[0], feed_bytes())

        sent = server_stats(g)["headers"]
        self.assertEqual(sent[1].get("If-None-Match"), '"feed-v1"')
        self.assertEqual(sent[2].get("If-Modified-Since"), "Tue, 02 Jan 2024 10:00:00 GMT")

    def test_compressed_bodies_are_decoded(self):
        g = new_group()
        run = Run(LOOPBACK, ["%s/gzip?g=%s" % (base(), g), "%s/deflate?g=%s" % (base(), g)])
        for i in (0, 1):
            self.assertEqual(run[i]["error"], "ok", run[i])
            self.assertEqual(run.bodies[i], feed_bytes())
            # 'Application/RSS+XML; Charset="UTF-8"' on the wire.
            self.assertEqual(run[i]["content_type"], "application/rss+xml")
            self.assertEqual(run[i]["charset"], "utf-8")
        offered = server_stats(g)["headers"][0]["Accept-Encoding"]
        for enc in ("gzip", "deflate", "br"):
            self.assertIn(enc, offered)

    def test_user_agent_and_extra_headers(self):
        run = Run(LOOPBACK + ["--header", "X-Vigie-Source: src-42"], [base() + "/echo"])
        echoed = json.loads(run.bodies[0])
        self.assertTrue(echoed["User-Agent"].startswith("vigie/"), echoed)
        self.assertEqual(echoed["X-Vigie-Source"], "src-42")
        run = Run(LOOPBACK + ["--user-agent", "vigie-test/2 (+https://example.com/bot)"],
                  [base() + "/echo"])
        self.assertEqual(json.loads(run.bodies[0])["User-Agent"],
                         "vigie-test/2 (+https://example.com/bot)")
        # A request's own User-Agent or Accept-Encoding replaces the client's, sent once.
        run = Run(LOOPBACK + ["--header", "User-Agent: partner-feed-reader/1", "--header", "X-Other: 1"],
                  [base() + "/echo", base() + "/echo"])
        for body in run.bodies.values():
            echoed = json.loads(body)
            self.assertEqual(echoed["User-Agent"], "partner-feed-reader/1", echoed)
            self.assertIn("gzip", echoed["Accept-Encoding"])
            self.assertEqual(echoed["X-Other"], "1")
        # Through an HTTP proxy (the fixture server reads the absolute-form request too), the
        # request still carries one User-Agent.
        run = Run(LOOPBACK + ["--proxy", base()], [base() + "/echo"])
        echoed = json.loads(run.bodies[0])
        self.assertTrue(isinstance(echoed["User-Agent"], str) and echoed["User-Agent"].startswith("vigie/"), echoed)
        run = Run(LOOPBACK + ["--header", "accept-encoding: identity"], [base() + "/echo"])
        echoed = json.loads(run.bodies[0])
        self.assertEqual([(k, v) for k, v in echoed.items() if k.lower() == "accept-encoding"],
                         [("accept-encoding", "identity")], echoed)
        self.assertTrue(echoed["User-Agent"].startswith("vigie/"), echoed)

    def test_header_injection_is_rejected_before_sending(self):
        g = new_group()
        url = "%s/echo?g=%s" % (base(), g)
        bad_etag, _ = fetch_one(url, *LOOPBACK, "--etag", '"v1"\r\nX-Injected: yes')
        self.assertEqual(bad_etag["error"], "submit")
        self.assertIn("control character", bad_etag["reason"])
        bad_header, _ = fetch_one(url, *LOOPBACK, "--header", "X-A: 1\r\nX-Injected: yes")
        self.assertEqual(bad_header["error"], "submit")
        no_name, _ = fetch_one(url, *LOOPBACK, "--header", "no colon here")
        self.assertEqual(no_name["error"], "submit")
        self.assertEqual(server_stats(g)["count"], 0)

    def test_overlong_url_is_reported_as_long(self):
        g = new_group()
        url = "%s/ok?g=%s&pad=%s" % (base(), g, "a" * 10000)
        res, _ = fetch_one(url, *LOOPBACK)
        self.assertEqual(res["error"], "submit")
        self.assertNotIn("control character", res["reason"])
        self.assertIn("the URL is %d bytes long; the limit is 8191" % len(url), res["reason"])
        self.assertEqual(server_stats(g)["count"], 0)

    def test_file_urls_only_when_allowed(self):
        url = "file://" + FEED
        denied, _ = fetch_one(url, *LOOPBACK)
        self.assertEqual(denied["error"], "protocol")
        allowed, run = fetch_one(url, *LOOPBACK, "--allow-file")
        self.assertEqual(allowed["error"], "ok")
        self.assertEqual(run.bodies[0], feed_bytes())
        missing, _ = fetch_one("file:///nonexistent/vigie/feed.xml", "--allow-file")
        self.assertEqual(missing["error"], "file")

    def test_other_schemes_are_refused(self):
        for url in ("ftp://127.0.0.1:%d/feed" % port, "gopher://127.0.0.1:%d/" % port):
            res, _ = fetch_one(url, *LOOPBACK)
            self.assertEqual(res["error"], "protocol", res)

    def test_wrong_content_type(self):
        g = new_group()
        accept = "application/rss+xml, application/atom+xml, application/xml, text/xml"
        run = Run(LOOPBACK + ["--accept", accept],
                  ["%s/image?g=%s" % (base(), g), "%s/feed?g=%s" % (base(), g)])
        self.assertEqual(run[0]["error"], "content_type")
        self.assertIn("got image/png", run[0]["reason"])
        self.assertEqual(run[0]["body_len"], 0)
        self.assertEqual(run[1]["error"], "ok")
        self.assertEqual(run.bodies[1], feed_bytes())
        self.assertEqual(server_stats(g)["headers"][0]["Accept"], accept)
        wildcard, _ = fetch_one(base() + "/image", *LOOPBACK, "--accept", "image/*")
        self.assertEqual(wildcard["error"], "ok")


class RedirectTests(unittest.TestCase):
    def test_chain_within_limit(self):
        res, run = fetch_one(base() + "/redirect?n=4", *LOOPBACK, "--max-redirects", "5")
        self.assertEqual((res["error"], res["status"], res["redirects"]), ("ok", 200, 4))
        self.assertTrue(res["effective_url"].endswith("/redirect?n=0"))
        self.assertEqual(run.bodies[0], b"landed\n")

    def test_chain_past_limit(self):
        res, _ = fetch_one(base() + "/redirect?n=7", *LOOPBACK, "--max-redirects", "5")
        self.assertEqual(res["error"], "redirects")
        self.assertIn("more than 5", res["reason"])
        res, _ = fetch_one(base() + "/redirect?n=1", *LOOPBACK, "--max-redirects", "0")
        self.assertEqual(res["error"], "redirects")

    def test_redirect_to_file_is_refused_even_with_allow_file(self):
        url = base() + "/redirect-to?url=file://" + FEED
        for extra in ([], ["--allow-file"]):
            res, run = fetch_one(url, *LOOPBACK, *extra)
            self.assertEqual(res["error"], "protocol", res)
            self.assertIn("redirect", res["reason"])
            self.assertEqual(run.bodies[0], b"")

    def test_redirect_to_private_addresses_is_refused_before_connecting(self):
        # These addresses are never allow-listed: the policy refuses them in the open-socket
        # callback, so no packet leaves for them.
        cases = {"http://10.255.255.1:%d/" % port: "10.255.255.1 is a private address",
                 "http://169.254.169.254/latest/meta-data/": "169.254.169.254 is a link-local",
                 "http://[fd00::1]/": "fd00::1 is a unique local address",
                 "http://100.64.0.1/": "100.64.0.1 is a shared"}
        for target, why in cases.items():
            res, _ = fetch_one(base() + "/redirect-to?url=" + target, *LOOPBACK)
            self.assertEqual(res["error"], "refused_address", res)
            self.assertTrue(res["reason"].startswith("refused: " + why), res["reason"])
            self.assertIn("(not in allow_private)", res["reason"])
            self.assertEqual(res["redirects"], 1)


class AddressPolicyTests(unittest.TestCase):
    def test_loopback_refused_without_allow_list(self):
        g = new_group()
        urls = ["%s/ok?g=%s" % (base(), g),
                "http://2130706433:%d/ok?g=%s" % (port, g),       # 127.0.0.1 in decimal
                "http://0x7f.1:%d/ok?g=%s" % (port, g),           # and in hex
                "http://[::ffff:127.0.0.1]:%d/ok?g=%s" % (port, g),
                "http://localhost:%d/ok?g=%s" % (port, g),
                "http://0.0.0.0:%d/ok?g=%s" % (port, g)]
        run = Run([], urls)
        for i in range(len(urls)):
            self.assertEqual(run[i]["error"], "refused_address", run[i])
        self.assertEqual(run[0]["reason"],
                         "refused: 127.0.0.1 is a loopback address (not in allow_private)")
        self.assertIn("::ffff:127.0.0.1 is a loopback address", run[3]["reason"])
        self.assertIn("0.0.0.0 is an unspecified address", run[5]["reason"])
        self.assertEqual(run.stats["errors"]["refused_address"], len(urls))
        self.assertEqual(server_stats(g)["count"], 0)

    def test_allow_list_opens_loopback(self):
        g = new_group()
        run = Run(LOOPBACK, ["%s/ok?g=%s" % (base(), g),
                             "http://2130706433:%d/ok?g=%s" % (port, g)])
        self.assertEqual([run[0]["error"], run[1]["error"]], ["ok", "ok"])
        self.assertEqual(server_stats(g)["count"], 2)

    def test_bad_allow_list_is_a_config_error(self):
        p = subprocess.run([TOOL, "--allow-private", "127.0.0.0/33", base() + "/ok"],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 1)
        self.assertIn("allow_private", p.stderr)


class FailureTests(unittest.TestCase):
    def test_http_status_errors(self):
        codes = [404, 410, 500]
        run = Run(LOOPBACK, ["%s/status?code=%d" % (base(), c) for c in codes])
        for i, code in enumerate(codes):
            self.assertEqual(run[i]["error"], "http_status")
            self.assertEqual(run[i]["status"], code)
            self.assertEqual(run[i]["reason"], "HTTP %d" % code)
        self.assertEqual(run.stats["errors"]["http_status"], 3)

    def test_retry_after_is_reported_and_holds_the_host(self):
        g = new_group()
        run = Run(LOOPBACK + ["--per-host", "1"],
                  ["%s/retry?code=429&after=2&g=%s" % (base(), g), "%s/ok?g=%s" % (base(), g)])
        self.assertEqual((run[0]["error"], run[0]["status"]), ("http_status", 429))
        self.assertEqual(run[0]["retry_after"], 2)
        self.assertEqual(run[1]["error"], "ok")
        # The hold runs from the 429's completion (the callback sees it within a millisecond).
        self.assertGreaterEqual(started_ms(run[1]) - run[0]["done_mono_ms"], 1990)
        arrivals = server_stats(g)["arrivals"]
        self.assertEqual(len(arrivals), 2)
        self.assertGreaterEqual(arrivals[1] - arrivals[0], 1.9)

    def test_retry_after_forms_and_clamp(self):
        # All five start at once: a hold only delays the host's later requests.
        run = Run(LOOPBACK + ["--retry-after-max", "60", "--per-host", "5"],
                  [base() + "/retry?code=503&after=1",
                   base() + "/retry?code=503&after=date&in=30",
                   base() + "/retry?code=429&after=86400",
                   base() + "/retry?code=429&after=soon",
                   base() + "/status?code=500"])
        self.assertEqual(run[0]["retry_after"], 1)
        self.assertTrue(25 <= run[1]["retry_after"] <= 30, run[1])
        self.assertEqual(run[2]["retry_after"], 60)
        self.assertEqual(run[3]["retry_after"], 0)   # unparsable
        self.assertEqual(run[4]["retry_after"], 0)

    def test_low_speed_timeout(self):
        res, _ = fetch_one(base() + "/drip?interval_ms=300", *LOOPBACK,
                           "--low-speed", "100", "--low-speed-time", "1")
        self.assertEqual(res["error"], "timeout")
        self.assertIn("too slow", res["reason"])

    def test_total_timeout(self):
        for path in ("/stall", "/stall?headers=0"):
            res, _ = fetch_one(base() + path, *LOOPBACK, "--timeout-ms", "1000",
                               "--low-speed", "0")
            self.assertEqual(res["error"], "timeout", res)
            self.assertIn("timed out", res["reason"])

    def test_body_caps(self):
        cap = str(1 << 20)
        run = Run(LOOPBACK + ["--max-body", cap],
                  [base() + "/big?n=2000000", base() + "/big?n=2000000&chunked=1",
                   base() + "/big?n=1000000&chunked=1"])
        self.assertEqual(run[0]["error"], "too_large")
        self.assertEqual(run[0]["reason"], "too large: Content-Length is over 1048576 bytes")
        self.assertEqual(run[1]["error"], "too_large")
        self.assertEqual(run[1]["reason"],
                         "too large: body passed 1048576 bytes after decompression")
        self.assertEqual(run[1]["body_len"], 0)
        self.assertEqual(run[2]["error"], "ok")
        self.assertEqual(run.bodies[2], b"a" * 1000000)

    def test_oversized_response_headers_are_too_large(self):
        run = Run(LOOPBACK, [base() + "/many-headers?n=400", base() + "/long-header?kb=5120",
                             base() + "/long-header?kb=200", base() + "/many-headers?n=50"])
        # 400 KiB of header lines in all: the server's excess, not a dropped connection.
        self.assertEqual(run[0]["error"], "too_large", run[0])
        self.assertIn("response headers over 300 KiB", run[0]["reason"])
        # One header line of 5 MiB (or 200 KiB): not the client running out of memory.
        for i in (1, 2):
            self.assertEqual(run[i]["error"], "too_large", run[i])
            self.assertEqual(run[i]["reason"], "too large: a response header line is over 100 KiB")
        self.assertEqual(run[3]["error"], "ok")

    def test_per_request_cap(self):
        res, _ = fetch_one(base() + "/big?n=5000&chunked=1", *LOOPBACK, "--req-max-body", "4096")
        self.assertEqual(res["error"], "too_large")
        self.assertIn("4096", res["reason"])

    def test_gzip_bomb_is_cut_off_and_memory_stays_bounded(self):
        args = LOOPBACK + ["--max-body", str(1 << 20)]
        baseline = Run(args, [base() + "/ok"]).stats["maxrss_kb"]
        res, run = fetch_one(base() + "/bomb?mb=256", *args)
        self.assertEqual(res["error"], "too_large")
        self.assertEqual(res["reason"], "too large: body passed 1048576 bytes after decompression")
        # 256 MiB decoded would have to be held had the cap not applied while decoding.
        grew_mb = (run.stats["maxrss_kb"] - baseline) / 1024.0
        self.assertLess(grew_mb, 64, "RSS grew by %.1f MiB" % grew_mb)

    def test_connection_reset_mid_body(self):
        res, _ = fetch_one(base() + "/reset?n=5000", *LOOPBACK)
        self.assertEqual(res["error"], "reset")
        self.assertEqual(res["body_len"], 0)

    def test_connect_refused(self):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
        s.close()
        res, _ = fetch_one("http://127.0.0.1:%d/" % closed_port, *LOOPBACK)
        self.assertEqual(res["error"], "connect")

    def test_connect_timeout(self):
        # A listener whose accept queue is full drops new SYNs, so connect() hangs.
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        fillers = []
        try:
            for _ in range(3):
                c = socket.socket()
                c.setblocking(False)
                c.connect_ex(listener.getsockname())
                fillers.append(c)
            res, _ = fetch_one("http://127.0.0.1:%d/" % listener.getsockname()[1], *LOOPBACK,
                               "--connect-timeout-ms", "700")
        finally:
            for c in fillers:
                c.close()
            listener.close()
        self.assertEqual(res["error"], "timeout", res)
        self.assertIn("connect", res["reason"].lower())  # "Connection timed out", "Failed to connect"

    def test_dns_failure(self):
        res, _ = fetch_one("http://no-such-host.invalid/feed", *LOOPBACK,
                           "--connect-timeout-ms", "20000")
        self.assertEqual(res["error"], "dns")
        self.assertIn("no-such-host.invalid", res["reason"])

    def test_bad_url(self):
        res, _ = fetch_one("http://exa mple.com/", *LOOPBACK)
        self.assertEqual(res["error"], "bad_url")

    def test_tls_is_verified(self):
        # A missing tool is a failure, not a skip: CI installs it (scripts/deps test).
        self.assertTrue(shutil.which("openssl"), "the openssl command is needed (scripts/deps test)")
        tmp = tempfile.mkdtemp(prefix="vigie-tls-")
        try:
            key, cert = os.path.join(tmp, "key.pem"), os.path.join(tmp, "cert.pem")
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                            "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
                            "-addext", "subjectAltName=IP:127.0.0.1"],
                           check=True, capture_output=True, timeout=60)
            served = []

            class H(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    served.append(self.path)
                    self.send_response(200)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")

                def log_message(self, *a):
                    pass

            class S(http.server.ThreadingHTTPServer):
                daemon_threads = True

                def handle_error(self, request, client_address):
                    pass   # the client aborting the handshake is the expected outcome

            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(cert, key)
            tls = S(("127.0.0.1", 0), H)
            tls.socket = ctx.wrap_socket(tls.socket, server_side=True)
            t = threading.Thread(target=tls.serve_forever, kwargs={"poll_interval": 0.1},
                                 daemon=True)
            t.start()
            try:
                res, _ = fetch_one("https://127.0.0.1:%d/" % tls.server_address[1], *LOOPBACK)
            finally:
                tls.shutdown()
                tls.server_close()
            self.assertEqual(res["error"], "tls", res)
            self.assertIn("certificate", res["reason"])
            self.assertEqual(served, [])
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


NGINX_CONF = """
daemon off;
master_process off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log stderr warn;
events {{ worker_connections 64; }}
http {{
  client_body_temp_path {dir}/t1; proxy_temp_path {dir}/t2; fastcgi_temp_path {dir}/t3;
  uwsgi_temp_path {dir}/t4; scgi_temp_path {dir}/t5;
  log_format conn '$connection $server_protocol $sent_http_content_encoding $request_uri';
  types {{ application/rss+xml xml; }}
  gzip on; gzip_types application/rss+xml; gzip_min_length 10;
  server {{
    listen 127.0.0.1:{port} ssl http2;
    ssl_certificate {dir}/cert.pem; ssl_certificate_key {dir}/key.pem;
    root {root};
    access_log {dir}/access.log conn;
  }}
}}
"""


class Http2Tests(unittest.TestCase):
    """HTTPS with HTTP/2 against nginx, trusting a test CA through ca_file: the protocol is
    negotiated, gzip is decoded, validators work, and sequential requests share one
    connection. Without the CA the same server is refused."""

    @classmethod
    def setUpClass(cls):
        nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx")
                                          else None)
        if not nginx or not shutil.which("openssl"):
            raise AssertionError("nginx and openssl are needed (scripts/deps test installs them)")
        cls.dir = tempfile.mkdtemp(prefix="vigie-h2-")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                        "-keyout", os.path.join(cls.dir, "key.pem"),
                        "-out", os.path.join(cls.dir, "cert.pem"), "-days", "2",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                       check=True, capture_output=True, timeout=60)
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        cls.port = s.getsockname()[1]
        s.close()
        conf = os.path.join(cls.dir, "nginx.conf")
        with open(conf, "w") as f:
            f.write(NGINX_CONF.format(dir=cls.dir, port=cls.port,
                                      root=os.path.join(HERE, "fixtures", "http")))
        cls.proc = subprocess.Popen([nginx, "-p", cls.dir, "-e", "stderr", "-c", conf],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if cls.proc.poll() is not None:
                raise RuntimeError("nginx exited: %s" % cls.proc.stderr.read().decode())
            try:
                socket.create_connection(("127.0.0.1", cls.port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        else:
            cls.tearDownClass()
            raise RuntimeError("nginx did not start listening")

    @classmethod
    def tearDownClass(cls):
        cls.proc.kill()
        cls.proc.wait(timeout=10)
        shutil.rmtree(cls.dir, ignore_errors=True)

    def url(self, path):
        return "https://127.0.0.1:%d%s" % (self.port, path)

    def log(self):
        with open(os.path.join(self.dir, "access.log")) as f:
            return [line.split() for line in f]

    def test_http2_gzip_and_connection_reuse(self):
        ca = ["--ca-file", os.path.join(self.dir, "cert.pem")]
        tag = new_group()
        urls = [self.url("/feed.xml?r=%s&i=%d" % (tag, i)) for i in range(3)]
        run = Run(LOOPBACK + ca + ["--sequential"], urls)
        for i in range(3):
            self.assertEqual(run[i]["error"], "ok", run[i])
            self.assertEqual(run[i]["http_version"], 20)
            self.assertEqual(run.bodies[i], feed_bytes())
        lines = [l for l in self.log() if tag in l[-1]]
        self.assertEqual(len(lines), 3)
        self.assertEqual({l[1] for l in lines}, {"HTTP/2.0"})
        self.assertEqual({l[2] for l in lines}, {"gzip"})      # compressed on the wire
        self.assertEqual(len({l[0] for l in lines}), 1)        # one connection

        again, _ = fetch_one(self.url("/feed.xml"), *LOOPBACK, *ca, "--etag", run[0]["etag"])
        self.assertEqual((again["status"], again["not_modified"]), (304, True))

    def test_untrusted_certificate_is_refused(self):
        tag = new_group()
        res, _ = fetch_one(self.url("/feed.xml?r=" + tag), *LOOPBACK)
        self.assertEqual(res["error"], "tls")
        self.assertIn("self-signed certificate", res["reason"])
        self.assertEqual([l for l in self.log() if tag in l[-1]], [])


def data_file(data):
    """A temporary file holding data, for --data-file; the caller removes it."""
    fd, path = tempfile.mkstemp(prefix="vigie-body-")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    return path


class SendTests(unittest.TestCase):
    """Requests with a method and a body, as the CRM sinks send them. /request answers with
    what arrived (method, headers, body); tool_fetch hands each body over in a buffer it
    spoils and frees right after the call, so a body arriving intact was copied."""

    def arrived(self, run, i):
        self.assertEqual(run[i]["error"], "ok", run[i])
        return json.loads(run.bodies[i])

    def test_post_json_body_arrives_byte_exact(self):
        body = ('{"inputs":[{"idProperty":"domain","id":"orange.com","properties":'
                '{"name":"Soci\u00e9t\u00e9 G\u00e9n\u00e9rale \u2713"}}]}\r\n').encode()
        body += b"\0tail"   # a NUL inside: the body goes by length, not as a string
        path = data_file(body)
        try:
            g = new_group()
            run = Run(LOOPBACK + ["--method", "POST", "--data-file", path],
                      ["%s/request?g=%s" % (base(), g)])
            got = self.arrived(run, 0)
            self.assertEqual(got["method"], "POST")
            self.assertEqual(base64.b64decode(got["body_b64"]), body)
            self.assertEqual(got["headers"]["Content-Type"], "application/json")
            self.assertEqual(got["headers"]["Content-Length"], str(len(body)))
            self.assertNotIn("Expect", got["headers"])
            run = Run(LOOPBACK + ["--method", "POST", "--data-file", path,
                                  "--content-type", "application/x-ndjson; charset=utf-8"],
                      [base() + "/request"])
            got = self.arrived(run, 0)
            self.assertEqual(got["headers"]["Content-Type"], "application/x-ndjson; charset=utf-8")
            self.assertEqual(base64.b64decode(got["body_b64"]), body)
        finally:
            os.unlink(path)

    def test_a_write_is_never_sent_twice_by_curl(self):
        # libcurl sends a request again on a new connection when a reused one dies before any
        # byte of the answer. For a CRM write that makes a second note, which no delivery
        # record can prevent: a write goes on a fresh connection, and is sent once.
        g = new_group()
        run = Run(LOOPBACK + ["--per-host", "1", "--methods", "GET,POST", "--data", '{"a":1}'],
                  ["%s/ok?g=%s" % (base(), g), "%s/drop?g=%s" % (base(), g)])
        self.assertEqual(run[0]["error"], "ok", run[0])
        self.assertNotEqual(run[1]["error"], "ok", run[1])
        st = server_stats(g)
        self.assertEqual(st["methods"], ["GET", "POST"], st["methods"])
        self.assertEqual(st["connections"], 2, st)

    def test_patch_put_delete_arrive_with_their_method(self):
        # One request at a time on the host: the later ones wait in the queue long after
        # their buffers were freed.
        methods = ["PATCH", "PUT", "DELETE", "POST"]
        body = '{"properties":{"hs_note_body":"x"}}'
        run = Run(LOOPBACK + ["--per-host", "1", "--methods", ",".join(methods), "--data", body],
                  [base() + "/request?i=%d" % i for i in range(4)])
        for i, m in enumerate(methods):
            got = self.arrived(run, i)
            self.assertEqual(got["method"], m)
            self.assertEqual(base64.b64decode(got["body_b64"]).decode(), body)
            self.assertEqual(got["headers"]["Content-Type"], "application/json")
        # Without a body: DELETE sends none, POST, PUT and PATCH an empty one, and none of
        # them the form type curl would otherwise add.
        methods = ["DELETE", "POST", "PUT", "PATCH"]
        run = Run(LOOPBACK + ["--methods", ",".join(methods)],
                  [base() + "/request?i=%d" % i for i in range(4)])
        for i, m in enumerate(methods):
            got = self.arrived(run, i)
            self.assertEqual((got["method"], got["body_len"]), (m, 0))
            self.assertNotIn("Content-Type", got["headers"])
            self.assertEqual(got["headers"].get("Content-Length"), None if m == "DELETE" else "0")

    def test_a_handle_that_sent_a_post_then_sends_a_plain_get(self):
        # With one request at a time, the GET reuses the POST's curl handle: it must go out
        # without the body or its headers, and follow its redirect again.
        run = Run(LOOPBACK + ["--per-host", "1", "--max-in-flight", "1", "--methods", "POST,GET",
                              "--data", "{}"],
                  [base() + "/request", base() + "/redirect-to?url=/request"])
        self.assertEqual(self.arrived(run, 0)["method"], "POST")
        got = self.arrived(run, 1)
        self.assertEqual((got["method"], got["body_len"]), ("GET", 0))
        self.assertNotIn("Content-Type", got["headers"])
        self.assertNotIn("Content-Length", got["headers"])
        self.assertEqual(run[1]["redirects"], 1)

    def test_8_mib_body_arrives_whole_without_expect_100_continue(self):
        body = os.urandom(8 << 20)
        path = data_file(body)
        try:
            g = new_group()
            run = Run(LOOPBACK + ["--method", "POST", "--data-file", path, "--content-type",
                                  "application/octet-stream"],
                      ["%s/request?g=%s" % (base(), g)])
        finally:
            os.unlink(path)
        got = self.arrived(run, 0)
        self.assertEqual(got["body_len"], len(body))
        self.assertEqual(got["body_sha256"], hashlib.sha256(body).hexdigest())
        self.assertEqual(got["headers"]["Content-Type"], "application/octet-stream")
        # curl asks for a 100 Continue past 1 MiB unless told not to: a round trip per batch.
        self.assertNotIn("Expect", got["headers"])
        st = server_stats(g)
        self.assertEqual((st["count"], st["body_lens"]), (1, [len(body)]))

    def test_a_redirected_write_is_refused_and_not_followed(self):
        for method, code in (("POST", 307), ("POST", 308), ("POST", 302), ("PATCH", 301),
                             ("DELETE", 303)):
            g, target = new_group(), new_group()
            location = "%s/request?g=%s" % (base(), target)
            url = "%s/redirect-to?g=%s&code=%d&url=%s" % (base(), g, code,
                                                           urllib.parse.quote(location, safe=""))
            res, _ = fetch_one(url, *LOOPBACK, "--method", method, "--data", '{"a":1}')
            self.assertEqual(res["error"], "redirects", res)
            self.assertEqual(res["reason"], "redirect refused for a %s: HTTP %d to %s"
                             % (method, code, location))
            self.assertEqual((res["status"], res["redirects"]), (code, 0))
            self.assertEqual(res["effective_url"], url)
            self.assertEqual(server_stats(g)["methods"], [method])
            self.assertEqual(server_stats(target)["count"], 0)
        # Credentials in the Location stay out of the reason.
        location = "http://crm-user:s3cret-pw@127.0.0.1:%d/request" % port
        res, _ = fetch_one("%s/redirect-to?code=307&url=%s" % (base(), urllib.parse.quote(location, safe="")),
                           *LOOPBACK, "--method", "POST")
        self.assertEqual(res["error"], "redirects")
        self.assertNotIn("s3cret-pw", res["reason"])
        self.assertIn("127.0.0.1:%d/request" % port, res["reason"])

    def test_error_answer_keeps_its_body(self):
        run = Run(LOOPBACK + ["--method", "POST", "--data", '{"inputs":[]}',
                              "--want-header", "Content-Type"],
                  [base() + "/error-json?code=400", base() + "/error-json?code=409"])
        for i, code in enumerate((400, 409)):
            self.assertEqual((run[i]["error"], run[i]["status"]), ("http_status", code))
            err = json.loads(run.bodies[i])
            self.assertEqual(err["category"], "VALIDATION_ERROR")
            self.assertEqual(run[i]["content_type"], "application/json")
            self.assertEqual(run[i]["header_values"], ["application/json;charset=utf-8"])

    def test_wanted_response_headers(self):
        url = ("%s/with-headers?X-HubSpot-RateLimit-Remaining=99&Sforce-Limit-Info=%s&X-Twice=1"
               "&X-Twice=2" % (base(), urllib.parse.quote("api-usage=18/15000")))
        want = ["X-HubSpot-RateLimit-Remaining", "sforce-limit-info", "X-Absent", "x-twice"]
        args = LOOPBACK + sum((["--want-header", w] for w in want), [])
        res, _ = fetch_one(url, *args)
        self.assertEqual(res["header_values"], ["99", "api-usage=18/15000", None, "1, 2"])
        # Not asked for: no list at all.
        res, _ = fetch_one(url, *LOOPBACK)
        self.assertIsNone(res["header_values"])
        # A POST gets them too.
        res, _ = fetch_one(url, *args, "--method", "POST", "--data", "{}")
        self.assertEqual(res["header_values"], ["99", "api-usage=18/15000", None, "1, 2"])
        # No response at all: a list of absent values.
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
        s.close()
        res, _ = fetch_one("http://127.0.0.1:%d/" % closed, *args)
        self.assertEqual((res["error"], res["header_values"]), ("connect", [None] * 4))

    def test_wanted_headers_come_from_the_final_response_only(self):
        args = LOOPBACK + ["--want-header", "X-Rate", "--want-header", "X-Final"]
        # A redirect carrying X-Rate, to an answer without it.
        target = urllib.parse.quote("/with-headers?X-Final=landed", safe="")
        res, _ = fetch_one("%s/redirect-to?url=%s&X-Rate=from-redirect" % (base(), target), *args)
        self.assertEqual((res["error"], res["redirects"]), ("ok", 1))
        self.assertEqual(res["header_values"], [None, "landed"])
        # An interim 100 Continue carrying X-Rate, then the 200 without it.
        res, _ = fetch_one(base() + "/continue-then?X-Rate=from-interim", *args)
        self.assertEqual((res["error"], res["status"]), ("ok", 200))
        self.assertEqual(res["header_values"], [None, "yes"])

    def test_retry_after_absent_zero_seconds_and_date(self):
        urls = [base() + "/status?code=429",                    # absent
                base() + "/retry?code=429&after=0",             # "0": retry now
                base() + "/retry?code=503&after=7",
                base() + "/retry?code=429&after=date&in=30",
                base() + "/retry?code=503&after=date&in=-60",   # a date past: now
                base() + "/retry?code=429&after=soon",          # unparsable: as absent
                base() + "/retry?code=477&after=5",             # HubSpot's migration answer
                base() + "/retry?code=429&after=99999999999999999999"]
        for method in ([], ["--method", "POST", "--data", "{}"]):
            run = Run(LOOPBACK + ["--per-host", "10", "--retry-after-max", "60"] + method, urls)
            got = [(run[i]["retry_after"], run[i]["retry_after_given"]) for i in range(len(urls))]
            self.assertEqual(got[:3], [(0, False), (0, True), (7, True)], got)
            self.assertTrue(25 <= got[3][0] <= 30 and got[3][1], got)
            self.assertEqual(got[4:], [(0, True), (0, False), (5, True), (60, True)], got)

    def test_invalid_requests_are_refused_before_sending(self):
        g = new_group()
        url = "%s/request?g=%s" % (base(), g)
        cases = [(["--method", "HEAD"], "method 'HEAD' is not one of"),
                 (["--method", "post"], "method 'post' is not one of"),
                 (["--method", "PO\r\nST"], "the method is not one of"),
                 (["--method", "POST", "--etag", '"v1"'], "GET only, not with POST"),
                 (["--method", "PUT", "--last-modified", "Tue, 02 Jan 2024 10:00:00 GMT"],
                  "GET only, not with PUT"),
                 (["--method", "GET", "--data", "x"], "a GET has no body"),
                 (["--data", "x"], "a GET has no body"),
                 (["--method", "POST", "--content-type", "application/json\r\nX-Injected: 1"],
                  "content type contains a control character"),
                 (["--want-header", "X-Rate: 1"], "not a header name")]
        for args, why in cases:
            res, _ = fetch_one(url, *LOOPBACK, *args)
            self.assertEqual(res["error"], "submit", (args, res))
            self.assertIn(why, res["reason"])
        res, _ = fetch_one("file://" + FEED, "--allow-file", "--method", "POST")
        self.assertEqual(res["error"], "submit")
        self.assertIn("GET only", res["reason"])
        self.assertEqual(server_stats(g)["count"], 0)

    def test_authorization_never_reaches_logs_or_reasons(self):
        secret = "pat-na1-0badc0de-sekrit"
        auth = ["--header", "Authorization: Bearer " + secret, "--debug"]
        location = urllib.parse.quote("%s/request" % base(), safe="")
        run = Run(LOOPBACK + auth + ["--method", "POST", "--data", "{}", "--timeout-ms", "1000",
                                     "--low-speed", "0"],
                  [base() + "/request", base() + "/error-json?code=401",
                   base() + "/redirect-to?code=307&url=" + location, base() + "/stall"])
        self.assertEqual([run[i]["error"] for i in range(4)],
                         ["ok", "http_status", "redirects", "timeout"])
        self.assertEqual(json.loads(run.bodies[0])["headers"]["Authorization"], "Bearer " + secret)
        self.assertIn("fetch", run.stderr)   # the debug log did run
        for i in range(4):
            self.assertNotIn(secret, run[i]["reason"])
        self.assertNotIn(secret, run.stderr)
        # A broken header line is refused without being quoted.
        res, run = fetch_one(base() + "/request", *LOOPBACK, "--debug", "--header",
                             "Authorization: Bearer " + secret + "\r\nX-Injected: 1")
        self.assertEqual(res["error"], "submit")
        self.assertNotIn(secret, res["reason"])
        self.assertNotIn(secret, run.stderr)


class SchedulingTests(unittest.TestCase):
    def test_per_host_limit(self):
        g = new_group()
        urls = ["%s/ok?delay_ms=300&i=%d&g=%s" % (base(), i, g) for i in range(12)]
        run = Run(LOOPBACK + ["--per-host", "3", "--max-in-flight", "50"], urls)
        self.assertEqual([run[i]["error"] for i in range(12)], ["ok"] * 12)
        st = server_stats(g)
        self.assertEqual(st["count"], 12)
        self.assertEqual(st["max_active"], 3)
        self.assertGreaterEqual(run.stats["max_queued_seen"], 9)

    def test_global_in_flight_limit(self):
        g = new_group()
        urls = ["%s/ok?delay_ms=300&i=%d&g=%s" % (base(), i, g) for i in range(12)]
        run = Run(LOOPBACK + ["--per-host", "50", "--max-in-flight", "4"], urls)
        self.assertEqual(run.stats["ok"], 12)
        self.assertEqual(server_stats(g)["max_active"], 4)
        self.assertLessEqual(run.stats["max_in_flight_seen"], 4)

    def test_min_delay_between_requests_to_one_host(self):
        g = new_group()
        urls = ["%s/ok?i=%d&g=%s" % (base(), i, g) for i in range(4)]
        run = Run(LOOPBACK + ["--per-host", "4", "--delay-ms", "300"], urls)
        self.assertEqual(run.stats["ok"], 4)
        # The client's start times are exact to the millisecond (the tool and the client
        # read the clock once each); the server's arrival times carry its thread-scheduling
        # jitter, so they get a looser bound.
        starts = sorted(started_ms(run[i]) for i in range(4))
        gaps = [b - a for a, b in zip(starts, starts[1:])]
        for gap in gaps:
            self.assertGreaterEqual(gap, 299, gaps)
        arrivals = sorted(server_stats(g)["arrivals"])
        gaps = [b - a for a, b in zip(arrivals, arrivals[1:])]
        self.assertEqual(len(gaps), 3)
        for gap in gaps:
            self.assertGreaterEqual(gap, 0.25, gaps)

    def test_many_requests_complete_over_reused_connections(self):
        g = new_group()
        urls = "".join("%s/ok?i=%d&g=%s\n" % (base(), i, g) for i in range(150))
        run = Run(LOOPBACK + ["--per-host", "6"], ["-"], stdin=urls)
        self.assertEqual(len(run.results), 150)
        self.assertEqual(run.stats["completed"], 150)
        self.assertEqual(run.stats["ok"], 150)
        self.assertTrue(all(run.bodies[i] == ("ok /ok?i=%d&g=%s\n" % (i, g)).encode()
                            for i in range(150)))
        st = server_stats(g)
        self.assertEqual(st["count"], 150)
        self.assertLessEqual(st["max_active"], 6)
        self.assertLess(st["connections"], 30)   # keep-alive: far fewer than 150

    def test_sequential_requests_share_one_connection(self):
        g = new_group()
        urls = ["%s/ok?i=%d&g=%s" % (base(), i, g) for i in range(10)]
        run = Run(LOOPBACK + ["--sequential"], urls)
        self.assertEqual(run.stats["ok"], 10)
        self.assertEqual(server_stats(g)["connections"], 1)

    def test_idle_connection_closed_by_the_server_is_not_reused(self):
        # Each response is followed by the server closing the kept-alive connection while the
        # client holds it idle (its socket still registered with the event loop): the next
        # request must notice and connect again, not hang or fail.
        g = new_group()
        urls = ["%s/ok?i=%d&g=%s&close_after_ms=50" % (base(), i, g) for i in range(3)]
        run = Run(LOOPBACK + ["--sequential", "--delay-ms", "400"], urls)
        self.assertEqual(run.stats["ok"], 3)
        self.assertEqual(server_stats(g)["connections"], 3)

    def test_bad_requests_do_not_hold_up_good_ones(self):
        g = new_group()
        bad = [base() + "/stall", base() + "/bomb?mb=64", base() + "/reset",
               base() + "/drip?interval_ms=200"]
        good = ["%s/ok?i=%d&g=%s" % (base(), i, g) for i in range(20)]
        run = Run(LOOPBACK + ["--per-host", "6", "--timeout-ms", "4000", "--low-speed", "0",
                              "--max-body", str(1 << 20)], bad + good)
        self.assertEqual(run[0]["error"], "timeout")
        self.assertEqual(run[1]["error"], "too_large")
        self.assertEqual(run[2]["error"], "reset")
        self.assertEqual(run[3]["error"], "timeout")
        stall_done = run[0]["done_mono_ms"]
        for i in range(len(bad), len(bad) + len(good)):
            self.assertEqual(run[i]["error"], "ok")
            self.assertLess(run[i]["done_mono_ms"], stall_done)
        self.assertEqual(server_stats(g)["count"], 20)

    def test_hold_on_one_host_does_not_delay_another(self):
        try:
            names = {a[4][0] for a in socket.getaddrinfo("localhost", port)}
        except socket.gaierror:
            names = set()
        self.assertIn("127.0.0.1", names, "localhost must resolve to 127.0.0.1 (/etc/hosts)")
        # "localhost" is another host for politeness, even though it is the same server.
        run = Run(LOOPBACK + ["--per-host", "1"],
                  [base() + "/retry?code=503&after=3", base() + "/ok?held=1",
                   base("localhost") + "/ok?other=1"])
        self.assertEqual(run[0]["retry_after"], 3)
        self.assertEqual((run[1]["error"], run[2]["error"]), ("ok", "ok"))
        self.assertGreaterEqual(run[1]["queued_ms"], 2900)
        self.assertLess(run[2]["done_mono_ms"], run[1]["done_mono_ms"])

    def test_pause_holds_requests_until_resumed(self):
        g = new_group()
        urls = ["%s/ok?i=%d&g=%s" % (base(), i, g) for i in range(3)]
        run = Run(LOOPBACK + ["--pause-ms", "300"], urls)
        self.assertEqual(len(run.events), 1)
        resume = run.events[0]
        self.assertEqual((resume["paused"], resume["queued"], resume["in_flight"]), (1, 3, 0))
        self.assertEqual(run.stats["ok"], 3)
        for t in server_stats(g)["arrivals"]:
            self.assertGreaterEqual(t * 1000.0, resume["mono_ms"] - 1)

    def test_stats_add_up(self):
        run = Run(LOOPBACK, [base() + "/ok", base() + "/status?code=404",
                             "ftp://127.0.0.1/", base() + "/feed"])
        st = run.stats
        self.assertEqual(st["submitted"], 4)
        self.assertEqual(st["completed"], 4)
        self.assertEqual(st["ok"], 2)
        self.assertEqual(st["errors"]["http_status"], 1)
        self.assertEqual(st["errors"]["protocol"], 1)
        self.assertEqual(st["body_bytes"], len(b"ok /ok\n") + len(feed_bytes()))
        self.assertEqual((st["in_flight"], st["queued"]), (0, 0))


if __name__ == "__main__":
    unittest.main(verbosity=2)
