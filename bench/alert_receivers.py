#!/usr/bin/python3
"""Loopback receivers for the alerts benchmark (bench/alerts_bench.py): Slack's Web API
(chat.postMessage, chat.update) and an incoming webhook, a Teams workflow, a webhook endpoint,
all on one HTTP port, and an SMTP server (Debian's python3-aiosmtpd) on another. They accept
everything and log each message they get as one JSON line to LOG:
    {"t": <time.time() on receipt>, "ch": "slack|slack_update|teams|webhook|email", "body": "..."}
(for e-mail, body is the message as received, headers included).

    alert_receivers.py LOG      prints "PORTS <http> <smtp>" once both listen, then serves
                                until killed.
A child process of its own, so that the bench's own work does not delay the receipt times the
latency is measured with."""
import http.server
import itertools
import json
import socket
import sys
import threading
import time

from aiosmtpd.controller import Controller

LOG = open(sys.argv[1], "a", buffering=1)
LOCK = threading.Lock()
TS = itertools.count(1)


def log(ch, body):
    line = json.dumps({"t": time.time(), "ch": ch, "body": body}, ensure_ascii=False)
    with LOCK:
        LOG.write(line + "\n")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        # headers and body are two writes: without this the body waits for the client's
        # delayed ACK (~40 ms a message on a kept-alive connection)
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n).decode("utf-8", "replace")
        path = self.path.split("?", 1)[0]
        if path.endswith("/chat.postMessage"):
            log("slack", body)
            out, status = json.dumps({"ok": True, "channel": "C0BENCH", "ts": "1800000000.%06d" % next(TS)}), 200
        elif path.endswith("/chat.update"):
            log("slack_update", body)
            out, status = json.dumps({"ok": True, "channel": "C0BENCH", "ts": "1800000000.000001"}), 200
        elif path.startswith("/slack-webhook"):
            log("slack", body)
            out, status = "ok", 200
        elif path.startswith("/teams"):
            log("teams", body)
            out, status = "", 202
        elif path.startswith("/webhook"):
            log("webhook", body)
            out, status = "", 204
        else:
            out, status = "not found", 404
        data = out.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json" if out.startswith("{") else "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *a):
        pass


class Smtp:
    async def handle_DATA(self, server, session, envelope):
        log("email", envelope.content.decode("utf-8", "replace"))
        return "250 OK"


def main():
    http.server.ThreadingHTTPServer.daemon_threads = True
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    # aiosmtpd's Controller checks its server by connecting to the port it was given: a free
    # one is found first (port 0 would not do)
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    smtp = Controller(Smtp(), hostname="127.0.0.1", port=port)
    smtp.start()
    print("PORTS %d %d" % (srv.server_address[1], port), flush=True)
    threading.Event().wait()


main()
