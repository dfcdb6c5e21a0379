#!/usr/bin/env python3
"""fixture_server — a real HTTP/1.1 server on 127.0.0.1 for the HTTP client's tests.

Started by test_http_client.py; prints "PORT <n>" on stdout once it listens on an ephemeral
port, then serves until killed. Every scenario the client must survive is one path:

  /feed                 200 RSS with ETag and Last-Modified; 304 on a matching If-None-Match
                        or If-Modified-Since
  /ok                   200 text/plain; ?delay_ms=N answers after N ms
  /redirect?n=N         a chain of N redirects (301 and 302 alternating), then 200
  /redirect-to?url=U    302 to U (file://, a private address ...)
  /status?code=N        that status with a short body
  /retry?code=N&after=V N (429/503) with "Retry-After: V" (seconds or an HTTP-date)
  /drip                 headers, then one byte every ?interval_ms (low-speed timeout)
  /stall                headers, then nothing (total timeout); ?headers=0 sends nothing at all
  /big?n=N&chunked=1    N bytes with Content-Length, or chunked without it
  /bomb?mb=N            N MiB of zeros gzipped (Content-Encoding: gzip)
  /reset?n=N            Content-Length 1 MB, N bytes, then a TCP reset
  /image                200 image/png
  /gzip, /deflate       the feed fixture compressed, when the client offers the encoding
  /echo                 the request headers as JSON (a repeated header: the list of its values)
  /request              any method: the request as JSON {"method","path","headers","body_len",
                        "body_sha256","body_b64"} (body_b64 only up to 1 MiB)
  /with-headers?X-A=v   200 with every query parameter but g as a response header (a repeated
                        parameter: the header sent once per value)
  /continue-then?X-A=v  a 100 Continue carrying those headers, then a 200 without them
  /error-json?code=N    N with a JSON error body, as a CRM API answers
  /drop                 reads the request, then closes the connection without an answer (a
                        server or load balancer dying after it took a write in)

Every path answers every method (GET, POST, PUT, PATCH, DELETE); a request body is read
(Content-Length) before the answer. /redirect-to takes ?code=N (default 302) and sends its
X-* parameters as response headers.

Any request may carry ?g=NAME: the server then records, per group, the number of requests,
their arrival times (time.monotonic(), the same CLOCK_MONOTONIC the C tool prints), the peak
number of requests being served at once, the client connections seen, and each request's
headers, method, path and body length.
GET /_stats?g=NAME returns that record as JSON."""

import base64
import email.utils
import gzip
import hashlib
import json
import os
import socket
import struct
import sys
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

HERE = os.path.dirname(os.path.abspath(__file__))
FEED_PATH = os.path.join(HERE, "fixtures", "http", "feed.xml")
FEED_ETAG = '"feed-v1"'
FEED_LAST_MODIFIED = "Tue, 02 Jan 2024 10:00:00 GMT"
# A real PNG signature, so the wrong-type case looks like what a broken feed URL returns.
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 2040

lock = threading.Lock()
groups = {}
bombs = {}


def group(name):
    g = groups.get(name)
    if g is None:
        g = {"count": 0, "active": 0, "max_active": 0, "arrivals": [], "connections": set(),
             "headers": [], "methods": [], "paths": [], "body_lens": []}
        groups[name] = g
    return g


def bomb(mb):
    """mb MiB of zeros, gzip-compressed once and kept (about 1 KB per MiB)."""
    with lock:
        data = bombs.get(mb)
    if data is None:
        co = zlib.compressobj(9, zlib.DEFLATED, 31)
        chunk = b"\0" * (1 << 20)
        parts = [co.compress(chunk) for _ in range(mb)]
        parts.append(co.flush())
        data = b"".join(parts)
        with lock:
            bombs[mb] = data
    return data


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "vigie-fixture/1"

    def log_message(self, fmt, *args):
        pass

    # -- helpers ---------------------------------------------------------------------------

    def send(self, code, body=b"", ctype="text/plain; charset=utf-8", headers=()):
        self.send_response(code)
        if ctype and code != 304:
            self.send_header("Content-Type", ctype)
        for k, v in headers:
            self.send_header(k, v)
        if code != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body and code != 304:
            self.wfile.write(body)

    def wait_for_close(self, limit_s):
        """Blocks until the client hangs up (or limit_s passes), without sending anything."""
        self.connection.settimeout(0.2)
        end = time.monotonic() + limit_s
        while time.monotonic() < end:
            try:
                if self.connection.recv(4096) == b"":
                    break
            except socket.timeout:
                continue
            except OSError:
                break
        self.close_connection = True

    # -- dispatch --------------------------------------------------------------------------

    def read_body(self):
        n = int(self.headers.get("Content-Length") or "0")
        return self.rfile.read(n) if n > 0 else b""

    def do_GET(self):
        url = urlsplit(self.path)
        self.query = parse_qs(url.query)
        q = {k: v[-1] for k, v in self.query.items()}
        name = q.get("g")
        self.body = self.read_body()
        if url.path == "/_stats":
            with lock:
                g = dict(group(q.get("g", "")))
            g["connections"] = len(g["connections"])
            return self.send(200, json.dumps(g).encode(), "application/json")
        if name:
            with lock:
                g = group(name)
                g["count"] += 1
                g["active"] += 1
                g["max_active"] = max(g["max_active"], g["active"])
                g["arrivals"].append(time.monotonic())
                g["connections"].add(self.client_address)
                g["headers"].append(dict(self.headers.items()))
                g["methods"].append(self.command)
                g["paths"].append(self.path)
                g["body_lens"].append(len(self.body))
        try:
            handler = getattr(self, "path_" + url.path.strip("/").replace("-", "_"), None)
            if handler is None:
                return self.send(404, b"no such fixture\n")
            handler(q)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        finally:
            if name:
                with lock:
                    groups[name]["active"] -= 1

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    # -- scenarios -------------------------------------------------------------------------

    def path_drop(self, q):
        self.close_connection = True

    def path_ok(self, q):
        delay = int(q.get("delay_ms", "0"))
        if delay:
            time.sleep(delay / 1000.0)
        self.send(200, ("ok %s\n" % self.path).encode())
        close_after = int(q.get("close_after_ms", "0"))
        if close_after:
            # A keep-alive response, then the server hangs up on the idle connection (as
            # servers do after their keep-alive timeout).
            self.wfile.flush()
            time.sleep(close_after / 1000.0)
            self.close_connection = True

    def path_feed(self, q):
        inm = self.headers.get("If-None-Match")
        ims = self.headers.get("If-Modified-Since")
        validators = [("ETag", FEED_ETAG), ("Last-Modified", FEED_LAST_MODIFIED)]
        if inm is not None:
            if FEED_ETAG in [t.strip() for t in inm.split(",")] or inm.strip() == "*":
                return self.send(304, headers=validators)
        elif ims is not None:
            since = email.utils.parsedate_to_datetime(ims)
            if since >= email.utils.parsedate_to_datetime(FEED_LAST_MODIFIED):
                return self.send(304, headers=validators)
        with open(FEED_PATH, "rb") as f:
            body = f.read()
        self.send(200, body, "application/rss+xml; charset=utf-8", validators)

    def path_redirect(self, q):
        n = int(q.get("n", "0"))
        if n <= 0:
            return self.send(200, b"landed\n")
        code = 301 if n % 2 else 302
        self.send(code, b"moved\n", headers=[("Location", "/redirect?n=%d" % (n - 1))])

    def path_redirect_to(self, q):
        extra = [(k, v) for k, v in q.items() if k.lower().startswith("x-")]
        self.send(int(q.get("code", "302")), b"moved\n",
                  headers=[("Location", q["url"])] + extra)

    def path_status(self, q):
        code = int(q.get("code", "500"))
        self.send(code, ("status %d\n" % code).encode())

    def path_retry(self, q):
        code = int(q.get("code", "429"))
        after = q.get("after", "2")
        if after == "date":
            after = email.utils.formatdate(time.time() + int(q.get("in", "3")), usegmt=True)
        self.send(code, b"slow down\n", headers=[("Retry-After", after)])

    def path_drip(self, q):
        interval = int(q.get("interval_ms", "500")) / 1000.0
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", "100000")
        self.end_headers()
        self.wfile.flush()
        end = time.monotonic() + 30
        while time.monotonic() < end:
            self.wfile.write(b"x")
            self.wfile.flush()
            time.sleep(interval)
        self.close_connection = True

    def path_stall(self, q):
        if q.get("headers", "1") == "1":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.flush()
        self.wait_for_close(30)

    def path_big(self, q):
        n = int(q.get("n", "0"))
        block = b"a" * 65536
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        chunked = q.get("chunked") == "1"
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(n))
        self.end_headers()
        left = n
        while left > 0:
            part = block[:min(left, len(block))]
            if chunked:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            else:
                self.wfile.write(part)
            left -= len(part)
        if chunked:
            self.wfile.write(b"0\r\n\r\n")

    def path_bomb(self, q):
        data = bomb(int(q.get("mb", "256")))
        self.send(200, data, "text/plain", [("Content-Encoding", "gzip")])

    def path_reset(self, q):
        n = int(q.get("n", "1000"))
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(1 << 20))
        self.end_headers()
        self.wfile.write(b"r" * n)
        self.wfile.flush()
        # SO_LINGER with a zero timeout turns close() into a RST.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def path_many_headers(self, q):
        # Response headers adding up to more than a client should hold (n lines of 1 KiB).
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        for i in range(int(q.get("n", "400"))):
            self.send_header("X-Filler-%d" % i, "h" * 1024)
        self.send_header("Content-Length", "3")
        self.end_headers()
        self.wfile.write(b"ok\n")

    def path_long_header(self, q):
        # One header line of `kb` KiB: no sane server sends it, a hostile one might.
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("X-Long", "L" * (int(q.get("kb", "5120")) * 1024))
        self.send_header("Content-Length", "3")
        self.end_headers()
        self.wfile.write(b"ok\n")

    def path_image(self, q):
        self.send(200, PNG, "image/png")

    def encoded(self, name, encode):
        offered = [e.split(";")[0].strip() for e in
                   self.headers.get("Accept-Encoding", "").split(",")]
        with open(FEED_PATH, "rb") as f:
            body = f.read()
        if name not in offered:
            return self.send(406, ("%s not offered\n" % name).encode())
        # Quoted, mixed-case parameter: the client must still find the charset.
        self.send(200, encode(body), 'Application/RSS+XML; Charset="UTF-8"',
                  [("Content-Encoding", name)])

    def path_gzip(self, q):
        self.encoded("gzip", gzip.compress)

    def path_deflate(self, q):
        self.encoded("deflate", zlib.compress)

    def path_request(self, q):
        headers = {}
        for k, v in self.headers.items():
            headers.setdefault(k, []).append(v)
        rec = {"method": self.command, "path": self.path,
               "headers": {k: v[0] if len(v) == 1 else v for k, v in headers.items()},
               "body_len": len(self.body),
               "body_sha256": hashlib.sha256(self.body).hexdigest()}
        if len(self.body) <= (1 << 20):
            rec["body_b64"] = base64.b64encode(self.body).decode()
        self.send(200, json.dumps(rec, sort_keys=True).encode(), "application/json")

    def path_with_headers(self, q):
        extra = [(k, v) for k, vs in self.query.items() if k != "g" for v in vs]
        self.send(200, b"with headers\n", headers=extra)

    def path_continue_then(self, q):
        # An interim response the client did not ask for (no Expect sent): its headers must
        # not pass for the final response's.
        interim = "".join("%s: %s\r\n" % (k, v) for k, vs in self.query.items() if k != "g"
                          for v in vs)
        self.wfile.write(("HTTP/1.1 100 Continue\r\n%s\r\n" % interim).encode())
        self.wfile.flush()
        self.send(200, b"after continue\n", headers=[("X-Final", "yes")])

    def path_error_json(self, q):
        code = int(q.get("code", "400"))
        body = json.dumps({"status": "error", "message": "Property values were not valid",
                           "correlationId": "0f5c9a7e-1c2b-4d3e-9f00-aa11bb22cc33",
                           "category": "VALIDATION_ERROR"}).encode()
        self.send(code, body, "application/json;charset=utf-8")

    def path_echo(self, q):
        # A header sent more than once comes back as the list of its values.
        echoed = {}
        for k, v in self.headers.items():
            echoed[k] = echoed[k] + [v] if isinstance(echoed.get(k), list) else [echoed[k], v] if k in echoed else v
        body = json.dumps(echoed, sort_keys=True).encode()
        self.send(200, body, "application/json")


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True


def main():
    server = Server(("127.0.0.1", 0), Handler)
    print("PORT %d" % server.server_address[1], flush=True)
    try:
        server.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
