#!/usr/bin/env python3
"""feed_server — many generated RSS feeds on 127.0.0.1, for polling tests and benchmarks.

Prints "PORT <n>" once listening. Paths:
  /feed/<name>.xml      an RSS 2.0 feed of the items added to <name> (ETag; 304 when it matches)
  /add?feed=NAME&title=T&age=S   adds an item published S seconds ago (default 0) to NAME
  /status/<code>        that status (e.g. /status/404)
  /html                 an HTML page (not a feed)
  /_hits                JSON {path: [monotonic arrival times]} of every feed request

A feed that was never added to starts with two items: one published now, one 30 days ago.
"""
import email.utils
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

lock = threading.Lock()
feeds = {}
hits = {}


def default_items(name):
    now = time.time()
    return [
        {"title": f"{name}: news of the day", "link": f"https://news.example.com/{name}/today", "t": now},
        {"title": f"{name}: old story", "link": f"https://news.example.com/{name}/old", "t": now - 30 * 86400},
    ]


def render(name):
    items = feeds.setdefault(name, default_items(name))
    out = ['<?xml version="1.0" encoding="UTF-8"?>', '<rss version="2.0"><channel>',
           f"<title>{name}</title><link>https://news.example.com/{name}/</link><language>en</language>"]
    for it in items:
        out.append("<item><title>%s</title><link>%s</link><guid>%s</guid><pubDate>%s</pubDate>"
                   "<description>Text of %s.</description></item>"
                   % (it["title"], it["link"], it["link"], email.utils.formatdate(it["t"], usegmt=True), it["title"]))
    out.append("</channel></rss>")
    body = "\n".join(out).encode()
    return body, '"%d-%d"' % (len(items), hash(body) & 0xffffffff)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def send(self, code, body=b"", ctype="text/plain", headers=()):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self):
        url = urlsplit(self.path)
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path == "/_hits":
            with lock:
                self.send(200, json.dumps(hits).encode(), "application/json")
            return
        if url.path == "/add":
            with lock:
                items = feeds.setdefault(q["feed"], default_items(q["feed"]))
                n = len(items)
                items.insert(0, {"title": q.get("title", f"{q['feed']} item {n}"),
                                 "link": f"https://news.example.com/{q['feed']}/{n}",
                                 "t": time.time() - float(q.get("age", 0))})
            self.send(200, b"ok")
            return
        with lock:
            hits.setdefault(url.path, []).append(time.monotonic())
        if url.path.startswith("/feed/") and url.path.endswith(".xml"):
            with lock:
                body, etag = render(url.path[6:-4])
            if self.headers.get("If-None-Match") == etag:
                self.send(304, b"", headers=[("ETag", etag)])
            else:
                self.send(200, body, "application/rss+xml; charset=utf-8", [("ETag", etag)])
        elif url.path.startswith("/status/"):
            self.send(int(url.path[8:]), b"status page")
        elif url.path == "/html":
            self.send(200, b"<!DOCTYPE html><html><head><title>Home</title></head><body><p>Hello</p></body></html>",
                      "text/html; charset=utf-8")
        else:
            self.send(404, b"not found")


def main():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    print("PORT", srv.server_address[1], flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
