#!/usr/bin/env python3
"""teams_standin — a stand-in for a Microsoft Teams Workflows webhook ("Send webhook alerts to
a channel"), enforcing what Microsoft documents so that vigie's Teams tests fail where Teams
would refuse. Test infrastructure: never shipped.

Runs on 127.0.0.1 (port 0: any free one) and prints "PORT <n>" as its first stdout line.

  python3 teams_standin.py [--sig SECRET]

POST /workflows/<anything>?...&sig=SECRET   (the workflow URL; its sig is its credential)
  - sig other than SECRET: 401 [GUESS: the status Power Automate gives a bad signature]
  - Content-Type not application/json: 415 [GUESS]
  - a body above 28 KB (28 * 1024 bytes): 413 "Request Entity too large" [SRC
    learn.microsoft.com/connectors/teams; 28 KB: learn.microsoft.com add-incoming-webhook]
  - a fifth request within a rolling second: 429 with Retry-After: 1 ("more than 4 requests
    per second" is throttled [SRC add-incoming-webhook]; the header value [GUESS])
  - not the envelope of a card: 400 naming what is wrong [stricter than Workflows, which
    accepts the trigger and fails the flow run later: a test must see it] — a JSON object
    {"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive",
    "contentUrl":null,"content":{"type":"AdaptiveCard","version":"1.x","body":[...]}}]}
    [SRC MicrosoftDocs/msteams-docs connectors-using.md], one attachment (the template posts
    attachments[0]), no Action.Submit anywhere ("All card elements except Action.Submit")
  - else 202 Accepted, empty body [2ND: Workflows triggers answer 202]
GET  /__standin/state          {"requests":[{"status","size","envelope","at"}]} (envelope: the
                               parsed body when it was JSON)
POST /__standin/config         {"fail":[500, 401, ...], "retry_after": "2"}: the next requests
                               (past the checks above) get these statuses in turn;
                               {"hang": S}: from now on every request is read, then left
                               unanswered for S seconds and its connection closed (a service
                               that does not answer: the card is not taken, its record has
                               status "hung"); {"hang": 0} answers again
POST /__standin/reset          forgets requests and failures
"""
import argparse
import json
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LIMIT = 28 * 1024
RATE, WINDOW = 4, 1.0
CARD = "application/vnd.microsoft.card.adaptive"

lock = threading.Lock()
state = {"requests": [], "accepted_at": [], "fail": [], "retry_after": None, "hang": 0}
SIG = "test-sig"


def envelope_problem(doc):
    if not isinstance(doc, dict):
        return "the body is not a JSON object"
    if doc.get("type") != "message":
        return 'type must be "message"'
    atts = doc.get("attachments")
    if not isinstance(atts, list) or len(atts) != 1:
        return "attachments must hold one attachment"
    a = atts[0]
    if not isinstance(a, dict) or a.get("contentType") != CARD:
        return f"the attachment's contentType must be {CARD}"
    if "contentUrl" in a and a["contentUrl"] is not None:
        return "contentUrl must be null"
    c = a.get("content")
    if not isinstance(c, dict) or c.get("type") != "AdaptiveCard":
        return "the attachment's content must be an AdaptiveCard"
    if not isinstance(c.get("version"), str) or not c["version"].startswith("1."):
        return "the card needs a version 1.x"
    if not isinstance(c.get("body"), list) or not c["body"]:
        return "the card has no body"
    if '"Action.Submit"' in json.dumps(c):
        return "Action.Submit is not supported by webhooks"
    return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def answer(self, status, body=b"", ctype="text/plain", headers=None):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if body:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def do_GET(self):
        if self.path.startswith("/__standin/state"):
            with lock:
                data = json.dumps({"requests": state["requests"]}).encode()
            return self.answer(200, data, "application/json")
        self.answer(404, b"not found")

    def do_POST(self):
        body = self.read_body()
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/__standin/config":
            c = json.loads(body or b"{}")
            with lock:
                if "fail" in c:
                    state["fail"] = list(c["fail"])
                if "retry_after" in c:
                    state["retry_after"] = c["retry_after"]
                if "hang" in c:
                    state["hang"] = float(c["hang"])
            return self.answer(200, b"{}", "application/json")
        if url.path == "/__standin/reset":
            with lock:
                state.update(requests=[], accepted_at=[], fail=[], retry_after=None, hang=0)
            return self.answer(200, b"{}", "application/json")
        if not url.path.startswith("/workflows/"):
            return self.answer(404, b"not found")
        now = time.monotonic()
        doc = None
        try:
            doc = json.loads(body)
        except ValueError:
            pass
        rec = {"size": len(body), "envelope": doc, "at": time.time()}
        headers = {}
        with lock:
            hang = state["hang"]
            if hang:
                rec["status"], rec["text"] = "hung", ""
                state["requests"].append(rec)
        if hang:
            time.sleep(hang)
            self.close_connection = True
            return
        with lock:
            sig = urllib.parse.parse_qs(url.query).get("sig", [""])[0]
            state["accepted_at"] = [t for t in state["accepted_at"] if now - t < WINDOW]
            if sig != SIG:
                status, text = 401, "the workflow's signature is not valid"
            elif (self.headers.get("Content-Type") or "").split(";")[0].strip() != "application/json":
                status, text = 415, "Content-Type must be application/json"
            elif len(body) > LIMIT:
                status, text = 413, "Request Entity too large"
            elif len(state["accepted_at"]) >= RATE:
                status, text = 429, "Too many requests"
                headers["Retry-After"] = "1"
            elif envelope_problem(doc):
                status, text = 400, envelope_problem(doc)
            elif state["fail"]:
                status, text = state["fail"].pop(0), "failing as configured"
                if state["retry_after"] is not None and status in (429, 503):
                    headers["Retry-After"] = str(state["retry_after"])
            else:
                status, text = 202, ""
            if status not in (401, 415, 413, 429):
                state["accepted_at"].append(now)
            rec["status"] = status
            rec["text"] = text
            state["requests"].append(rec)
        self.answer(status, text.encode(), headers=headers)


def main():
    global SIG
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--sig", default=SIG)
    args = ap.parse_args()
    SIG = args.sig
    srv = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    srv.daemon_threads = True
    print(f"PORT {srv.server_address[1]}", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
