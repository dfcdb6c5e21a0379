#!/usr/bin/python3
# test_parse_cli — runs the real `vigie parse` ($VIGIE_BIN) on every fixture in
# tests/fetch/fixtures/feeds/ and compares its JSON with the hand-written expectation next to
# it: NAME.expected.json (exact match after parsing both) or NAME.expected.err (non-zero exit,
# the text on stderr, nothing on stdout). NAME.args holds extra command-line arguments.
# Also checks the command-line contract itself (stdin, usage errors, missing files) and the
# hostile fixtures' resource use.
# ctest-labels: integration
import json
import os
import resource
import shlex
import subprocess
import sys
import unittest

SRC = os.environ.get("VIGIE_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
VIGIE = os.environ.get("VIGIE_BIN", os.path.join(SRC, "build", "vigie"))
FIXTURES = os.path.join(SRC, "tests", "fetch", "fixtures", "feeds")
SIDE = (".expected.json", ".expected.err", ".args")


def run(args, stdin=None):
    # The timeout only guards against a hang; no test asserts a duration.
    return subprocess.run([VIGIE, "parse"] + args, input=stdin, capture_output=True, timeout=60)


def fixtures():
    return sorted(f for f in os.listdir(FIXTURES) if not f.endswith(SIDE))


def read(path, mode="r"):
    with open(path, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as f:
        return f.read()


def fixture_args(name):
    path = os.path.join(FIXTURES, name + ".args")
    return shlex.split(read(path)) if os.path.exists(path) else []


def stem(name):
    return os.path.splitext(name)[0]


class Fixtures(unittest.TestCase):
    def test_every_fixture_has_one_expectation(self):
        self.assertGreaterEqual(len(fixtures()), 25)
        for f in fixtures():
            s = os.path.join(FIXTURES, stem(f))
            has = [os.path.exists(s + e) for e in SIDE[:2]]
            self.assertEqual(sum(has), 1, f"{f}: needs exactly one of .expected.json/.expected.err")

    def test_fixtures_match_expectations(self):
        for f in fixtures():
            with self.subTest(fixture=f):
                base = os.path.join(FIXTURES, stem(f))
                p = run(fixture_args(stem(f)) + [os.path.join(FIXTURES, f)])
                if os.path.exists(base + ".expected.json"):
                    self.assertEqual(p.returncode, 0, p.stderr.decode(errors="replace"))
                    got = json.loads(p.stdout)
                    want = json.loads(read(base + ".expected.json"))
                    if got != want:
                        # item by item, so a failure names the field that differs
                        self.assertEqual(got.get("format"), want.get("format"))
                        self.assertEqual(got.get("feed"), want.get("feed"))
                        for i, (g, w) in enumerate(zip(got["items"], want["items"])):
                            self.assertEqual(g, w, f"item {i}")
                        self.assertEqual(len(got["items"]), len(want["items"]))
                else:
                    want = read(base + ".expected.err").strip()
                    self.assertNotEqual(p.returncode, 0)
                    self.assertEqual(p.stdout, b"")
                    self.assertIn(want, p.stderr.decode(errors="replace"))

    def test_output_shape(self):
        # Every key of the contract is present in every item, dates are RFC 3339 UTC or null.
        for f in fixtures():
            if not os.path.exists(os.path.join(FIXTURES, stem(f) + ".expected.json")):
                continue
            got = json.loads(run(fixture_args(stem(f)) + [os.path.join(FIXTURES, f)]).stdout)
            self.assertEqual(list(got), ["format", "feed", "items"])
            self.assertEqual(list(got["feed"]), ["title", "link", "language", "updated"])
            for it in got["items"]:
                self.assertEqual(list(it), ["id", "title", "link", "published", "updated",
                                            "author", "summary", "categories"])
                for k in ("published", "updated"):
                    if it[k] is not None:
                        self.assertRegex(it[k], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


class Contract(unittest.TestCase):
    def test_stdin(self):
        path = os.path.join(FIXTURES, "rss20.xml")
        a = run([path])
        b = run(["-"], stdin=read(path, "rb"))
        self.assertEqual(b.returncode, 0)
        self.assertEqual(json.loads(a.stdout), json.loads(b.stdout))

    def test_http_charset_is_used(self):
        path = os.path.join(FIXTURES, "http_charset.xml")
        with_cs = json.loads(run(["--charset", "iso-8859-15", path]).stdout)
        without = json.loads(run([path]).stdout)
        self.assertIn("€", with_cs["items"][0]["title"])
        # Without the header the bytes are read as windows-1252: 0xA4 is then the currency sign.
        self.assertIn("¤", without["items"][0]["title"])

    def test_base_url_changes_links(self):
        path = os.path.join(FIXTURES, "relative_links.xml")
        a = json.loads(run(["--base-url", "https://a.example/x/feed", path]).stdout)
        b = json.loads(run([path]).stdout)
        self.assertEqual(a["items"][0]["link"], "https://a.example/news/2024/01/plant.html")
        # No base: relative links stay relative rather than being invented.
        self.assertEqual(b["items"][0]["link"], "/news/2024/01/plant.html")

    def test_usage_errors(self):
        self.assertEqual(run([]).returncode, 2)
        self.assertEqual(run(["--bogus", "x"]).returncode, 2)
        self.assertEqual(run(["a", "b"]).returncode, 2)
        h = run(["--help"])
        self.assertEqual(h.returncode, 0)
        self.assertIn(b"--base-url", h.stdout)

    def test_missing_file(self):
        p = run(["/nonexistent/feed.xml"])
        self.assertEqual(p.returncode, 1)
        self.assertIn(b"No such file", p.stderr)

    def test_recovery_is_reported_on_stderr(self):
        p = run([os.path.join(FIXTURES, "truncated.xml")])
        self.assertEqual(p.returncode, 0)
        self.assertIn(b"warning", p.stderr)
        clean = run([os.path.join(FIXTURES, "rss20.xml")])
        self.assertEqual(clean.stderr, b"")


class Hostile(unittest.TestCase):
    def test_xxe_reads_no_file(self):
        p = run([os.path.join(FIXTURES, "xxe.xml")])
        self.assertEqual(p.returncode, 0)
        passwd = read("/etc/passwd", "rb").split(b"\n")[0]
        self.assertNotIn(passwd[:20], p.stdout)
        self.assertNotIn(b"root:", p.stdout)

    def test_billion_laughs_bounded_memory(self):
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        p = run([os.path.join(FIXTURES, "billion_laughs.xml")])
        self.assertEqual(p.returncode, 0)
        self.assertLess(len(p.stdout), 4096)
        after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        # ru_maxrss is in KiB and is the maximum over children so far; an expansion of the
        # 10^9 laughs would need gigabytes.
        self.assertLess(max(before, after), 200 * 1024)

    def test_deep_nesting_and_many_items(self):
        deep = b'<rss version="2.0"><channel>' + b"<x>" * 100000 + b"</channel></rss>"
        p = run(["-"], stdin=deep)
        self.assertEqual(p.returncode, 0)
        many = (b'<rss version="2.0"><channel><title>t</title>' +
                b"<item><title>i</title></item>" * 12000 + b"</channel></rss>")
        p = run(["-"], stdin=many)
        self.assertEqual(p.returncode, 0)
        self.assertEqual(len(json.loads(p.stdout)["items"]), 10000)
        self.assertIn(b"more than 10000 items", p.stderr)


if __name__ == "__main__":
    if not os.access(VIGIE, os.X_OK):
        sys.exit(f"vigie binary not found at {VIGIE} (set VIGIE_BIN)")
    unittest.main(verbosity=1)
