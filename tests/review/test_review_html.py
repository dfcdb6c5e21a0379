# ctest-labels: integration review
"""`vigie review --format html`: the report written for the fixture of test_review_cli (plus an
account whose name and owner are HTML), then opened in headless Chromium as a reader would:
the DOM it built (accounts, recommendations, counts, one chart per axis with a bar per
account at its score, the hostile name shown as text and no script element) and a screenshot
that is not blank (the recommendations' colours are on it)."""
import os
import shutil
import struct
import subprocess
import sys
import zlib
from html.parser import HTMLParser

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
import test_review_cli as cli
from harness import run_tests, short_tmpdir

import json

HOSTILE = {"id": "evil", "name": "<script>alert(1)</script>", "owner": "\"><img src=x onerror=alert(2)>",
           "tier": "candidate", "revenue": 0.2, "strategic_fit": 0.3, "image": 0.1}


def chromium(*args):
    exe = shutil.which("chromium")
    assert exe, "chromium is not installed (scripts/deps test)"
    profile = short_tmpdir()
    r = subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}"] + list(args),
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout


class Dom(HTMLParser):
    """The elements Chromium serialised, as (tag, attrs, text inside), with their figure."""

    def __init__(self):
        super().__init__()
        self.stack, self.elements, self.figure = [], [], None

    def handle_starttag(self, tag, attrs):
        el = {"tag": tag, "attrs": dict(attrs), "text": "", "figure": self.figure}
        if tag == "figure":
            self.figure = el["attrs"].get("data-axis")
        self.elements.append(el)
        if tag not in ("br", "meta", "img", "hr", "link", "input"):  # HTML's void elements
            self.stack.append(el)

    def handle_endtag(self, tag):
        while self.stack:
            el = self.stack.pop()
            if el["tag"] == tag:
                break
        if tag == "figure":
            self.figure = None

    def handle_data(self, data):
        for el in self.stack:
            el["text"] += data

    def all(self, tag, **attrs):
        return [e for e in self.elements if e["tag"] == tag and all(e["attrs"].get(k) == v for k, v in attrs.items())]


def png_pixels(path):
    """(width, height, rows of RGB tuples) of an 8-bit RGB or RGBA PNG, filters undone."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and colour in (2, 6), (depth, colour)
            bpp = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw, stride, rows, prev = zlib.decompress(idat), width * bpp, [], bytearray(width * bpp)
    for y in range(height):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([tuple(line[x * bpp:x * bpp + 3]) for x in range(width)])
        prev = line
    return width, height, rows


def report():
    saved = cli.ACCOUNTS
    cli.ACCOUNTS = saved + [HOSTILE]
    try:
        conf, env, redis = cli.setup()
    finally:
        cli.ACCOUNTS = saved
    rows = json.loads(cli.review(conf, env, "--format", "json").stdout)
    out = os.path.join(short_tmpdir(), "review.html")
    r = cli.review(conf, env, "--format", "html", "--output", out)
    assert r.returncode == 0 and r.stdout == "", (r.returncode, r.stdout, r.stderr)
    return conf, env, redis, rows, out


def test_report_in_chromium():
    conf, env, redis, rows, out = report()
    html = open(out, encoding="utf-8").read()
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in html
    assert "<script" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # stdout by default: the same report
    r = cli.review(conf, env, "--format", "html")
    assert r.returncode == 0 and r.stdout == html

    dom = Dom()
    dom.feed(chromium("--dump-dom", "file://" + out))
    assert dom.all("script") == [] and dom.all("img") == [], "the hostile account's markup ran as HTML"
    assert "2026-12-01" in dom.all("time")[0]["text"]
    assert dom.all("span", id="n-accounts")[0]["text"] == "5"
    counts = {e["attrs"]["data-rec"]: int(e["text"].split(next(c for c in e["text"] if not c.isdigit()))[0])
              for e in dom.all("li") if "data-rec" in e["attrs"]}
    expect = {rec: sum(1 for x in rows if x["recommendation"] == rec) for rec in ("de-select", "promote", "watch", "keep")}
    assert counts == expect, (counts, expect)

    # the table: every account in the review's order, its recommendation and reasons
    trs = [e for e in dom.all("tr") if "data-account" in e["attrs"]]
    assert [e["attrs"]["data-account"] for e in trs] == [x["id"] for x in rows]
    for tr, x in zip(trs, rows):
        assert tr["attrs"]["class"] == "rec-" + x["recommendation"]
        assert x["name"] in tr["text"] and x["recommendation"] in tr["text"], tr["text"]
        for reason in x["reasons"]:
            assert reason in tr["text"], (reason, tr["text"])
    evil = next(tr for tr in trs if tr["attrs"]["data-account"] == "evil")
    assert "<script>alert(1)</script>" in evil["text"] and HOSTILE["owner"] in evil["text"]

    # one chart per axis, a bar per account at its score
    assert [e["attrs"]["data-axis"] for e in dom.all("figure")] == ["quantitative", "strategic", "image"]
    for axis in ("quantitative", "strategic", "image"):
        svgs = [e for e in dom.all("svg") if e["figure"] == axis]
        assert len(svgs) == 1, (axis, len(svgs))
        bars = [e for e in dom.all("rect") if e["figure"] == axis and e["attrs"].get("class") == "bar"]
        assert [b["attrs"]["data-account"] for b in bars] == [x["id"] for x in rows], axis
        for b, x in zip(bars, rows):
            assert int(b["attrs"]["data-score"]) == x["scores"][axis]
            assert int(b["attrs"]["width"]) == 270 * x["scores"][axis] // 100
        assert "<script>alert(1)</script>" in svgs[0]["text"]


def test_screenshot_not_blank():
    conf, env, redis, rows, out = report()
    png = os.path.join(short_tmpdir(), "review.png")
    chromium(f"--screenshot={png}", "--window-size=1280,1400", "--hide-scrollbars", "file://" + out)
    assert os.path.getsize(png) > 20000, os.path.getsize(png)
    w, h, pixels = png_pixels(png)
    assert (w, h) == (1280, 1400), (w, h)
    seen = set()
    for line in pixels[::2]:
        seen.update(line[::2])
    # the de-select, promote and watch colours of the badges and bars, on a white page
    for colour in ((0xc0, 0x39, 0x2b), (0x1e, 0x84, 0x49), (0xb9, 0x77, 0x0e), (255, 255, 255)):
        assert colour in seen, colour
    assert len(seen) > 50, len(seen)


def test_output_only_with_html():
    conf, env, redis = cli.setup()
    r = cli.review(conf, env, "--format", "json", "--output", "/tmp/x.html")
    assert r.returncode == 2 and "--output goes with --format html" in r.stderr
    r = cli.review(conf, env, "--format", "html", "--output", "/nonexistent/dir/r.html")
    assert r.returncode == 1 and "cannot write /nonexistent/dir/r.html" in r.stderr, r.stderr


def test_zero_accounts():
    conf, env, redis = cli.setup(with_accounts=False)
    r = cli.review(conf, env, "--format", "html")
    assert r.returncode == 0 and "No accounts to review." in r.stdout and "<svg" not in r.stdout


if __name__ == "__main__":
    run_tests(globals())
