#!/usr/bin/env python3
"""slack_standin — a stand-in Slack on 127.0.0.1 for the alert tests.

Test infrastructure, not shipped. It behaves as Slack's documentation says, so that a client
which passes against it has a fair chance against the real service:

- An incoming webhook (POST <webhook path>, JSON body): 200 "ok", or a plain-text error word
  with the status Slack's changelog gives (https://api.slack.com/changelog/2016-05-17-changes-
  to-errors-for-incoming-webhooks): 400 invalid_payload / no_text / invalid_blocks, 403
  action_prohibited or invalid_token, 404 channel_not_found or no_service, 410
  channel_is_archived. Its messages go to the webhook's channel.
- The Web API's chat.postMessage and chat.update (POST /api/<method>, JSON body): a Bearer
  token is required (HTTP 200 {"ok": false, "error": "not_authed" | "invalid_auth"} otherwise),
  answers are {"ok": true, "channel", "ts", ...} or {"ok": false, "error"}; channel_not_found
  for a channel it does not have, message_not_found for a ts it never gave, no_text,
  invalid_blocks (with Slack's "errors" list).
- Block Kit as documented for the blocks vigie uses (header, section, divider, context) and
  their text objects: at most 50 blocks (https://docs.slack.dev/reference/block-kit/blocks),
  text objects of 1 to 3000 characters, plain_text only in a header, of at most 150, at most
  10 section fields of 2000, at most 10 context elements, `emoji` only on plain_text and
  `verbatim` only on mrkdwn, no member Slack does not know. Characters are counted as Slack
  does, in UTF-16 code units.
- Rate: posting is "1 per second; short bursts >1 allowed"
  (https://docs.slack.dev/apis/web-api/rate-limits): per channel a bucket of `burst` (2)
  refilled at one a second; a post that finds it empty gets 429 with Retry-After (whole
  seconds) and {"ok": false, "error": "ratelimited"} (the webhook: a plain "rate_limited").
  Choice: chat.update is not counted (Tier 3, 50+ a minute).

Every request is recorded, and each message with what Slack would turn into a mention or a
link if it were posted as is (`mentions`: <!channel>, <!here>, <!everyone>, <@U…>, <#C…>,
<!subteam…>, and, outside verbatim text, a bare @channel/@here/@everyone).

Usage: slack_standin.py [--port 0] [--token T]... [--webhook-path P]
Prints "PORT <n>" as its first stdout line once it listens, then serves until killed.

Control API under /__standin/ (no auth, not recorded):
  GET  state                 {"messages": [...], "requests": [...]}
  POST config {...}          any of: "fail_next": [{"match": "chat.postMessage", "status":
                             429, "retry_after": 1, "body": "..."}] (answered once each, in
                             order, to the first request whose path contains match; the
                             message is not taken), "outage": status|null (every post and
                             update answered so, not taken), "webhook_state": "ok" |
                             "no_service" | "channel_is_archived" | "action_prohibited",
                             "burst": n, "tokens": [...]
  POST reset                 forgets messages, requests and config
"""

import argparse
import json
import math
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DEFAULT_TOKEN = "xoxb-standin-token"
DEFAULT_WEBHOOK = "/services/T0STANDIN/B0STANDIN/standinwebhooksecret"
# Channels of the stand-in's workspace: id -> name. A user id posts to the app's DM with the
# user (Slack's chat.postMessage: "a user ID ... posts to the app's DM with that user").
CHANNELS = {"C0SALES": "sales", "C0ALERTS": "alerts", "C0KEY": "key-accounts", "C0HOOK": "webhook-channel"}
WEBHOOK_CHANNEL = "C0HOOK"
MENTION_RE = re.compile(r"<(![a-z]+(\^[^>|]*)?|@[UW][A-Z0-9]+|#C[A-Z0-9]+)[^>]*>")
BARE_RE = re.compile(r"(?<![\w@])@(channel|here|everyone)\b", re.I)

WEBHOOK_STATES = {"ok": (200, "ok"), "no_service": (404, "no_service"),
                  "channel_is_archived": (410, "channel_is_archived"),
                  "action_prohibited": (403, "action_prohibited"), "invalid_token": (403, "invalid_token")}


def units(s):
    """Characters as Slack counts them: UTF-16 code units."""
    return len(s.encode("utf-16-le")) // 2


class Invalid(Exception):
    pass


def check_text(obj, where, max_len, plain_only=False):
    if not isinstance(obj, dict):
        raise Invalid(f"must be an object [json-pointer:{where}]")
    extra = set(obj) - {"type", "text", "emoji", "verbatim"}
    if extra:
        raise Invalid(f"unknown member {sorted(extra)[0]} [json-pointer:{where}]")
    if obj.get("type") not in ("plain_text", "mrkdwn") or (plain_only and obj["type"] != "plain_text"):
        raise Invalid(f"must be {'plain_text' if plain_only else 'plain_text or mrkdwn'} [json-pointer:{where}/type]")
    t = obj.get("text")
    if not isinstance(t, str) or units(t) < 1:
        raise Invalid(f"must be more than 0 characters [json-pointer:{where}/text]")
    if units(t) > max_len:
        raise Invalid(f"must be less than {max_len + 1} characters [json-pointer:{where}/text]")
    if "emoji" in obj and (obj["type"] != "plain_text" or not isinstance(obj["emoji"], bool)):
        raise Invalid(f"emoji is only for plain_text [json-pointer:{where}/emoji]")
    if "verbatim" in obj and (obj["type"] != "mrkdwn" or not isinstance(obj["verbatim"], bool)):
        raise Invalid(f"verbatim is only for mrkdwn [json-pointer:{where}/verbatim]")
    return units(t)


def check_blocks(blocks):
    """Raises Invalid with Slack's kind of message for blocks Slack would refuse."""
    if not isinstance(blocks, list) or not blocks:
        raise Invalid("must be a non-empty array [json-pointer:/blocks]")
    if len(blocks) > 50:
        raise Invalid("no more than 50 items allowed [json-pointer:/blocks]")
    ids = set()
    total = 0
    for i, b in enumerate(blocks):
        w = f"/blocks/{i}"
        if not isinstance(b, dict):
            raise Invalid(f"must be an object [json-pointer:{w}]")
        bid = b.get("block_id")
        if bid is not None:
            if not isinstance(bid, str) or not 1 <= len(bid) <= 255 or bid in ids:
                raise Invalid(f"invalid or repeated block_id [json-pointer:{w}/block_id]")
            ids.add(bid)
        t = b.get("type")
        allowed = {"header": {"type", "text", "block_id"},
                   "section": {"type", "text", "fields", "block_id"},
                   "divider": {"type", "block_id"},
                   "context": {"type", "elements", "block_id"}}
        if t not in allowed:
            raise Invalid(f"unsupported type {t!r} [json-pointer:{w}/type]")
        extra = set(b) - allowed[t]
        if extra:
            raise Invalid(f"unknown member {sorted(extra)[0]} [json-pointer:{w}]")
        if t == "header":
            total += check_text(b.get("text"), w + "/text", 150, plain_only=True)
        elif t == "section":
            if "text" not in b and "fields" not in b:
                raise Invalid(f"text or fields required [json-pointer:{w}]")
            if "text" in b:
                total += check_text(b["text"], w + "/text", 3000)
            if "fields" in b:
                f = b["fields"]
                if not isinstance(f, list) or not 1 <= len(f) <= 10:
                    raise Invalid(f"1 to 10 fields [json-pointer:{w}/fields]")
                for k, x in enumerate(f):
                    total += check_text(x, f"{w}/fields/{k}", 2000)
        elif t == "context":
            els = b.get("elements")
            if not isinstance(els, list) or not 1 <= len(els) <= 10:
                raise Invalid(f"1 to 10 elements [json-pointer:{w}/elements]")
            for k, x in enumerate(els):
                total += check_text(x, f"{w}/elements/{k}", 3000)
    return total


def mentions(payload):
    """What Slack would parse as a mention or a channel link in the message's texts."""
    found = []

    def walk(node, verbatim=False):
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                txt = node["text"]
                found.extend(m.group(0) for m in MENTION_RE.finditer(txt))
                is_verbatim = node.get("type") == "plain_text" or node.get("verbatim") is True
                if not is_verbatim:
                    found.extend(m.group(0) for m in BARE_RE.finditer(txt))
            for v in node.values():
                if isinstance(v, (dict, list)):
                    walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
    walk(payload.get("blocks") or [])
    found.extend(m.group(0) for m in MENTION_RE.finditer(payload.get("text") or ""))
    return found


class Standin:
    def __init__(self, tokens, webhook_path):
        self.lock = threading.Lock()
        self.base_tokens = tokens
        self.webhook_path = webhook_path
        self.reset()

    def reset(self):
        self.messages = []
        self.requests = []
        self.config = {"fail_next": [], "outage": None, "webhook_state": "ok", "burst": 2,
                       "tokens": list(self.base_tokens)}
        self.buckets = {}  # channel -> (tokens, last refill time)
        self.ts_seq = 0

    def take(self, channel):
        """One post to channel from its bucket; 0, or seconds to wait."""
        now = time.monotonic()
        burst = self.config["burst"]
        tokens, last = self.buckets.get(channel, (burst, now))
        tokens = min(burst, tokens + (now - last))
        if tokens >= 1:
            self.buckets[channel] = (tokens - 1, now)
            return 0
        self.buckets[channel] = (tokens, now)
        return max(1, math.ceil(1 - tokens))

    def new_ts(self):
        self.ts_seq += 1
        return "%d.%06d" % (int(time.time()), self.ts_seq)

    def resolve(self, channel):
        if not isinstance(channel, str) or not channel:
            return None
        if channel in CHANNELS:
            return channel
        if re.fullmatch(r"[UW][A-Z0-9]{2,}", channel):
            return "D" + channel[1:]  # the app's DM with the user
        name = channel[1:] if channel.startswith("#") else channel
        for cid, n in CHANNELS.items():
            if n == name:
                return cid
        return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    S = None

    def log_message(self, *a):
        pass

    def setup(self):
        super().setup()
        import socket
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def answer(self, status, body, ctype="application/json; charset=utf-8", headers=None):
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def do_GET(self):
        if self.path.split("?")[0] == "/__standin/state":
            with self.S.lock:
                self.answer(200, {"messages": self.S.messages, "requests": self.S.requests,
                                  "config": self.S.config})
            return
        self.answer(404, "not found", "text/plain")

    def do_POST(self):
        raw = self.body()
        path = self.path.split("?")[0]
        if path.startswith("/__standin/"):
            return self.control(path[len("/__standin/"):], raw)
        with self.S.lock:
            rec = {"seq": len(self.S.requests) + 1, "time": time.time(), "path": path,
                   "status": None, "error": None, "channel": None,
                   "auth": self.headers.get("Authorization") is not None,
                   "content_type": self.headers.get("Content-Type")}
            self.S.requests.append(rec)
            status, body, ctype, headers = self.route(path, raw, rec)
            rec["status"] = status
        self.answer(status, body, ctype, headers)

    def control(self, what, raw):
        S = self.S
        with S.lock:
            if what == "reset":
                S.reset()
            elif what == "config":
                S.config.update(json.loads(raw or b"{}"))
            else:
                return self.answer(404, {"error": "no such control"})
        self.answer(200, {"ok": True})

    # ---- the service ---------------------------------------------------------------------

    def fault(self, path, rec, webhook):
        """A configured failure for this request, or None."""
        S = self.S
        for i, f in enumerate(S.config["fail_next"]):
            if f.get("match", "") in path:
                S.config["fail_next"].pop(i)
                st = f.get("status", 500)
                hdr = {"Retry-After": str(f["retry_after"])} if "retry_after" in f else {}
                word = f.get("body") or ("ratelimited" if st == 429 else "internal_error")
                rec["error"] = word
                if webhook:
                    return st, word, "text/plain", hdr
                return st, {"ok": False, "error": word}, None, hdr
        if S.config["outage"]:
            st = S.config["outage"]
            rec["error"] = "outage"
            return st, "<html>Service Unavailable</html>", "text/html", {}
        return None

    def route(self, path, raw, rec):
        S = self.S
        if path == S.webhook_path:
            f = self.fault(path, rec, True)
            return f if f else self.webhook(raw, rec)
        if path in ("/api/chat.postMessage", "/api/chat.update"):
            auth = self.headers.get("Authorization") or ""
            if not auth.startswith("Bearer "):
                return self.api_error(rec, "not_authed")
            if auth[7:] not in S.config["tokens"]:
                return self.api_error(rec, "invalid_auth")
            f = self.fault(path, rec, False)
            if f:
                st, body, ctype, hdr = f
                return st, body, ctype or "application/json; charset=utf-8", hdr
            if not (self.headers.get("Content-Type") or "").startswith("application/json"):
                return self.api_error(rec, "invalid_form_data")
            try:
                payload = json.loads(raw)
                assert isinstance(payload, dict)
            except Exception:
                return self.api_error(rec, "invalid_json")
            return self.post(payload, rec) if path.endswith("postMessage") else self.update(payload, rec)
        if path.startswith("/services/"):
            return 404, "no_service", "text/plain", {}  # a webhook that does not exist
        return 404, {"ok": False, "error": "unknown_method"}, None, {}

    def api_error(self, rec, word, extra=None):
        rec["error"] = word
        body = {"ok": False, "error": word}
        body.update(extra or {})
        return 200, body, "application/json; charset=utf-8", {}

    def validate(self, payload):
        """None, or the error word and the errors list Slack would give."""
        if "blocks" in payload:
            try:
                check_blocks(payload["blocks"])
            except Invalid as e:
                return "invalid_blocks", [str(e)]
        elif not (isinstance(payload.get("text"), str) and payload["text"].strip()):
            return "no_text", []
        if "text" in payload and not isinstance(payload["text"], str):
            return "invalid_arguments", []
        return None

    def store(self, channel, payload, via):
        S = self.S
        msg = {"channel": channel, "ts": S.new_ts(), "text": payload.get("text"),
               "blocks": payload.get("blocks"), "via": via, "edits": 0, "history": [],
               "mentions": mentions(payload), "unfurl_links": payload.get("unfurl_links"),
               "time": time.time()}
        S.messages.append(msg)
        return msg

    def webhook(self, raw, rec):
        S = self.S
        st, word = WEBHOOK_STATES[S.config["webhook_state"]]
        if st != 200:
            rec["error"] = word
            return st, word, "text/plain", {}
        try:
            payload = json.loads(raw)
            assert isinstance(payload, dict)
        except Exception:
            rec["error"] = "invalid_payload"
            return 400, "invalid_payload", "text/plain", {}
        bad = self.validate(payload)
        if bad:
            rec["error"] = bad[0]
            return 400, bad[0], "text/plain", {}
        wait = S.take(WEBHOOK_CHANNEL)
        rec["channel"] = WEBHOOK_CHANNEL
        if wait:
            rec["error"] = "rate_limited"
            return 429, "rate_limited", "text/plain", {"Retry-After": str(wait)}
        self.store(WEBHOOK_CHANNEL, payload, "webhook")
        return 200, "ok", "text/plain", {}

    def post(self, payload, rec):
        S = self.S
        channel = S.resolve(payload.get("channel"))
        rec["channel"] = channel
        if not channel:
            return self.api_error(rec, "channel_not_found")
        bad = self.validate(payload)
        if bad:
            return self.api_error(rec, bad[0], {"errors": bad[1]} if bad[1] else None)
        wait = S.take(channel)
        if wait:
            rec["error"] = "ratelimited"
            return 429, {"ok": False, "error": "ratelimited"}, "application/json; charset=utf-8", \
                {"Retry-After": str(wait)}
        msg = self.store(channel, payload, "chat.postMessage")
        return 200, {"ok": True, "channel": channel, "ts": msg["ts"],
                     "message": {"type": "message", "text": msg["text"], "ts": msg["ts"]}}, None, {}

    def update(self, payload, rec):
        S = self.S
        channel = payload.get("channel")
        rec["channel"] = channel
        if channel not in CHANNELS and not (isinstance(channel, str) and channel.startswith("D")):
            return self.api_error(rec, "channel_not_found")
        msg = next((m for m in S.messages if m["channel"] == channel and m["ts"] == payload.get("ts")), None)
        if not msg:
            return self.api_error(rec, "message_not_found")
        if msg["via"] == "webhook":
            return self.api_error(rec, "cant_update_message")
        bad = self.validate(payload)
        if bad:
            return self.api_error(rec, bad[0], {"errors": bad[1]} if bad[1] else None)
        msg["history"].append({"text": msg["text"], "blocks": msg["blocks"]})
        msg["text"], msg["blocks"] = payload.get("text"), payload.get("blocks")
        msg["edits"] += 1
        msg["mentions"] = mentions(payload)
        return 200, {"ok": True, "channel": channel, "ts": msg["ts"], "text": msg["text"]}, None, {}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--token", action="append")
    ap.add_argument("--webhook-path", default=DEFAULT_WEBHOOK)
    a = ap.parse_args()
    Handler.S = Standin(a.token or [DEFAULT_TOKEN], a.webhook_path)
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    srv.daemon_threads = True
    print("PORT %d" % srv.server_address[1], flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
