#!/usr/bin/env python3
"""`vigie parse` against the Universal Feed Parser's conformance tests.

Usage: bench/feed_conformance.py VIGIE_BIN TESTS_DIR [--list failing|passing] [--only SUBSTR]

TESTS_DIR is the `tests` folder of a feedparser checkout (github.com/kurtmckee/feedparser);
the suite is not part of vigie and is never copied into it. Each test file carries
`Expect: <python expression>` over feedparser's result; the expression is evaluated here over
vigie's output presented under feedparser's names, limited to the fields vigie's contract has:

  bozo, version               whether parse succeeded; the format ("rss20", "atom10", ...)
  feed:    title, link, language, updated, updated_parsed
  entries: id, title, link, published(_parsed), updated(_parsed), author, summary,
           description, content[0].value, tags[k].term, category

A test whose expression reads anything else (enclosures, author_detail, ...) is out of scope
and not counted. vigie writes text, feedparser keeps sanitised HTML, so two strings are equal
when they are once markup is removed, entities decoded and white space collapsed; date strings
are equal when they name the same instant (feedparser's own date parser reads the expected
string). The result is the share of in-scope tests passed, per folder and in total.
"""
import calendar
import html
import json
import os
import re
import subprocess
import sys
import time

import feedparser  # python3-feedparser: the peer, used here only to read expected date strings

EXPECT_RE = re.compile(r"Description:\s*(.*?)\s*Expect:\s*(.*?)\s*-->", re.S)
HEADER_RE = re.compile(r"^Header:", re.M)
SKIP_RE = re.compile(r"SkipUnless:\s*(.*?)\n")
TAG_RE = re.compile(r"<[^>]*>")
BLOCK_RE = re.compile(r"<(?:br|p|div|li|tr|h[1-6])\b[^>]*>", re.I)
VERSIONS = {"rss09x": ("rss090", "rss091u", "rss091n", "rss092", "rss093", "rss094", "rss")}


class OutOfScope(Exception):
    pass


def norm_text(s):
    s = html.unescape(TAG_RE.sub("", BLOCK_RE.sub(" ", s)))
    return " ".join(s.split())


class Text(str):
    """vigie's text, equal to feedparser's HTML when they say the same once markup is gone."""

    def __eq__(self, other):
        if isinstance(other, str):
            mine = " ".join(str(self).split())
            return mine == " ".join(other.split()) or mine == norm_text(other)
        return NotImplemented

    def __ne__(self, other):
        r = self.__eq__(other)
        return r if r is NotImplemented else not r

    __hash__ = str.__hash__


class Date(str):
    """An ISO instant from vigie, equal to any date string feedparser reads as the same instant."""

    def __eq__(self, other):
        if isinstance(other, str):
            if str(self) == other:
                return True
            mine = parse_iso(str(self))
            theirs = feedparser._parse_date(other) if hasattr(feedparser, "_parse_date") else None
            if theirs is None:
                from feedparser.datetimes import _parse_date
                theirs = _parse_date(other)
            return mine is not None and theirs is not None and tuple(mine)[:6] == tuple(theirs)[:6]
        return NotImplemented

    def __ne__(self, other):
        r = self.__eq__(other)
        return r if r is NotImplemented else not r

    __hash__ = str.__hash__


def parse_iso(s):
    m = re.match(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.\d+)?(Z|[+-]\d\d:?\d\d)?$", s)
    if not m:
        return None
    y, mo, d, h, mi, sec = (int(x) for x in m.groups()[:6])
    ts = calendar.timegm((y, mo, d, h, mi, sec, 0, 0, 0))
    z = m.group(7)
    if z and z != "Z":
        sign = 1 if z[0] == "+" else -1
        hh, mm = int(z[1:3]), int(z[-2:])
        ts -= sign * (hh * 3600 + mm * 60)
    return time.gmtime(ts)


class Scoped(dict):
    """A dict that says when an expression reads a key vigie's contract does not have."""

    def __getitem__(self, k):
        if k not in self:
            raise OutOfScope(k)
        return dict.__getitem__(self, k)

    def get(self, k, default=None):
        if k not in self:
            raise OutOfScope(k)
        return dict.__getitem__(self, k)

    def __getattr__(self, k):
        return self[k]

    def __contains__(self, k):
        return dict.__contains__(self, k)


def text(v):
    return Text(v) if isinstance(v, str) else v


def dated(d, name, v):
    if v is None:
        return
    d[name] = Date(v)
    p = parse_iso(v)
    if p is not None:
        d[name + "_parsed"] = p


def view(doc, ok):
    feed = Scoped()
    f = doc.get("feed") or {}
    for k in ("title", "link", "language"):
        if f.get(k) is not None:
            feed[k] = text(f[k])
    dated(feed, "updated", f.get("updated"))
    entries = []
    for it in doc.get("items") or []:
        e = Scoped()
        for k in ("id", "title", "link", "author"):
            if it.get(k) is not None:
                e[k] = text(it[k])
        if it.get("summary") is not None:
            e["summary"] = e["description"] = text(it["summary"])
            e["content"] = [Scoped(value=text(it["summary"]))]
        dated(e, "published", it.get("published"))
        dated(e, "updated", it.get("updated"))
        cats = it.get("categories") or []
        if cats:
            e["tags"] = [Scoped(term=text(c)) for c in cats]
            e["category"] = text(cats[0])
        entries.append(e)
    fmt = doc.get("format", "unknown")
    return Names(bozo=not ok, feed=feed, entries=entries, version=Version(fmt))


class Names(dict):
    """The expression's names: feedparser's top-level keys; Python's own names fall through."""

    def __getitem__(self, k):
        if dict.__contains__(self, k):
            return dict.__getitem__(self, k)
        if k == "time" or hasattr(__builtins__, k) or (isinstance(__builtins__, dict) and k in __builtins__):
            raise KeyError(k)
        raise OutOfScope(k)


class Version(str):
    def __eq__(self, other):
        if isinstance(other, str):
            return str(self) == other or other in VERSIONS.get(str(self), ())
        return NotImplemented

    def __ne__(self, other):
        r = self.__eq__(other)
        return r if r is NotImplemented else not r

    __hash__ = str.__hash__


def run_one(vigie, path):
    raw = open(path, "rb").read()
    head = raw.decode("utf-8", "ignore")
    m = EXPECT_RE.search(head)
    if not m or SKIP_RE.search(head):
        return None, "no expectation"
    expr = m.group(2)
    if re.search(r"\b(encoding|headers|namespaces|status|href|etag|modified)\b", expr) or HEADER_RE.search(head):
        return None, "http or encoding detail"
    # feedparser's suite serves each file at this address: relative links resolve against it
    url = "http://127.0.0.1:8097/" + os.path.relpath(path, os.path.dirname(os.path.dirname(os.path.dirname(path))))
    p = subprocess.run([vigie, "parse", "--base-url", url, path], capture_output=True, timeout=20)
    ok = p.returncode == 0
    try:
        doc = json.loads(p.stdout) if ok else {}
    except ValueError:
        doc, ok = {}, False
    env = view(doc, ok)
    try:
        result = eval(expr, {"__builtins__": __builtins__, "time": time}, env)
    except OutOfScope as e:
        return None, "reads %s" % e.args[0]
    except (IndexError, KeyError, TypeError, AttributeError) as e:
        return False, "%s: %s" % (type(e).__name__, e)
    return bool(result), expr


def main():
    if len(sys.argv) < 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    vigie, tests = sys.argv[1], sys.argv[2]
    listing = sys.argv[sys.argv.index("--list") + 1] if "--list" in sys.argv else None
    only = sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else ""
    folders = {}
    for top in ("wellformed", "illformed"):
        for root, _, files in os.walk(os.path.join(tests, top)):
            for f in sorted(files):
                if not f.endswith(".xml"):
                    continue
                path = os.path.join(root, f)
                if only not in path:
                    continue
                res, why = run_one(vigie, path)
                key = os.path.relpath(root, tests)
                c = folders.setdefault(key, [0, 0, 0])
                if res is None:
                    c[2] += 1
                    continue
                c[0] += 1
                c[1] += res
                if listing == ("passing" if res else "failing"):
                    print("%s\t%s" % (os.path.relpath(path, tests), why))
    total = [sum(c[i] for c in folders.values()) for i in range(3)]
    for k in sorted(folders):
        c = folders[k]
        if c[0]:
            print("# %-28s %4d/%-4d %5.1f%%  (%d out of scope)" % (k, c[1], c[0], 100.0 * c[1] / c[0], c[2]))
    print("conformance passed=%d in_scope=%d share=%.1f%% out_of_scope=%d"
          % (total[1], total[0], 100.0 * total[1] / max(1, total[0]), total[2]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
