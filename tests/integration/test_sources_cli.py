"""`vigie sources`: add, list, show, rm and import against the embedded Redis (started for the
command when no daemon runs) and against a running daemon's; a bad row in an import is an
error naming its line, and nothing of the file is imported."""
# ctest-labels: integration
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import Vigie, run_tests, run_vigie, short_tmpdir


def setup():
    d = short_tmpdir()
    conf = os.path.join(d, "vigie.conf")
    with open(conf, "w") as f:
        f.write(f"[daemon]\nstate_dir = {d}/state\n[admin]\nlisten = off\n[fetch]\ninterval = 20m\n")
    return d, conf


def src(conf, *args):
    return run_vigie(["sources", "-c", conf] + list(args))


def listed(conf):
    r = src(conf, "list", "--json")
    assert r.returncode == 0, r.stderr
    return {s["id"]: s for s in map(json.loads, r.stdout.splitlines())}


def test_add_list_show_rm_without_daemon():
    d, conf = setup()
    r = src(conf, "add", "https://news.example.com/rss.xml", "--account", "airbus", "--interval", "1h")
    assert r.returncode == 0, r.stderr
    sid = r.stdout.split("id: ")[1].strip()
    r2 = src(conf, "add", "https://news.example.com/rss.xml", "--account", "airbus")
    assert "0 new, 1 updated" in r2.stdout, "the same URL gets the same id"

    srcs = listed(conf)
    assert set(srcs) == {sid}
    assert srcs[sid]["account_id"] == "airbus"
    assert srcs[sid]["interval_s"] == 1200, "the update without --interval takes the [fetch] default"
    assert srcs[sid]["failures"] == 0 and srcs[sid]["last_ok_ms"] == 0

    r = src(conf, "list")
    assert "1 source(s), 0 failing" in r.stdout and "https://news.example.com/rss.xml" in r.stdout
    r = src(conf, "show", sid)
    assert r.returncode == 0 and "account:      airbus" in r.stdout and "last success: never" in r.stdout
    assert src(conf, "show", "nope").returncode == 1

    r = src(conf, "rm", sid)
    assert r.returncode == 0 and f"removed {sid}" in r.stdout
    assert listed(conf) == {}
    r = src(conf, "rm", sid)
    assert r.returncode == 1 and "no source with id" in r.stderr


def test_credentials_in_urls_are_masked_when_printed():
    d, conf = setup()
    r = src(conf, "add", "https://feeduser:s3cret-pw@private.example/rss?x=1", "--id", "withpw")
    assert r.returncode == 0, r.stderr
    r = src(conf, "add", "https://tok3n-only@api.example/feed", "--id", "token")
    assert r.returncode == 0, r.stderr
    outs = [src(conf, "list").stdout, src(conf, "list", "--json").stdout,
            src(conf, "show", "withpw").stdout, src(conf, "show", "token").stdout]
    for out in outs:
        assert "s3cret-pw" not in out and "tok3n-only" not in out, out
    assert "https://feeduser:***@private.example/rss?x=1" in outs[0]
    assert listed(conf)["withpw"]["url"] == "https://feeduser:***@private.example/rss?x=1"
    assert "url:          https://***@api.example/feed" in outs[3]


def test_import_csv_and_json_all_or_nothing():
    d, conf = setup()
    good = os.path.join(d, "good.csv")
    with open(good, "w") as f:
        f.write("id,kind,url,interval,account_id,options\n"
                "lemonde,feed,https://www.lemonde.fr/rss/une.xml,30m,,\n"
                'airbus-news,page,https://www.airbus.com/en/newsroom,2h,airbus,"{""item"": ""//article""}"\n')
    r = src(conf, "import", good)
    assert r.returncode == 0, r.stderr
    assert "imported 2 source(s): 2 new, 0 updated" in r.stdout
    srcs = listed(conf)
    assert srcs["airbus-news"]["kind"] == "page"
    assert srcs["airbus-news"]["options"] == {"item": "//article"}
    assert srcs["lemonde"]["interval_s"] == 1800

    bad = os.path.join(d, "bad.csv")
    with open(bad, "w") as f:
        f.write("id,url,interval\nfine,https://a.example/feed,1h\n"
                "also-fine,https://b.example/feed,1h\nbroken,https://c.example/feed,often\n")
    r = src(conf, "import", bad)
    assert r.returncode == 1
    assert "line 4: interval 'often' is not a duration" in r.stderr
    assert "nothing was imported" in r.stderr
    assert set(listed(conf)) == {"lemonde", "airbus-news"}, "a bad row must not half-import the file"

    cases = [
        ("id,url\nx,ftp://b.example/\n", "line 2: url 'ftp://b.example/' must be http:// or https://"),
        ("id,url\nx,https://a\nx,https://b\n", "line 3: duplicate id 'x'"),
        ("id,link\nx,https://a\n", "line 1: unknown column 'link'"),
        ("id,url,kind\nx,https://a,tweet\n", "line 2: unknown kind 'tweet'"),
        ('[{"url": "https://a.example/f"}, {"url": "https://b.example/f", "colour": "red"}]',
         "source #2: unknown field 'colour'"),
        ('[{"id": "j", "url": "file:///etc/passwd"}]', "source #1 (id j): url 'file:///etc/passwd' must be http:// or https:// (file:// needs [fetch] allow_file = yes)"),
    ]
    for text, expect in cases:
        p = os.path.join(d, "case")
        with open(p, "w") as f:
            f.write(text)
        r = src(conf, "import", p)
        assert r.returncode == 1 and expect in r.stderr, (expect, r.stderr)
    assert set(listed(conf)) == {"lemonde", "airbus-news"}

    js = os.path.join(d, "more.json")
    with open(js, "w") as f:
        json.dump([{"id": "ft", "url": "https://www.ft.com/rss/home", "interval": 600},
                   {"id": "lemonde", "url": "https://www.lemonde.fr/rss/une.xml", "interval": "45m"}], f)
    r = src(conf, "import", js)
    assert "imported 2 source(s): 1 new, 1 updated" in r.stdout, r.stdout + r.stderr
    srcs = listed(conf)
    assert srcs["ft"]["interval_s"] == 600 and srcs["lemonde"]["interval_s"] == 2700

    # a number of seconds beyond any interval is refused, not cast into a garbage interval
    with open(js, "w") as f:
        f.write('[{"id": "huge", "url": "https://a.example/f", "interval": 8.8e120}]')
    r = src(conf, "import", js)
    assert r.returncode == 1 and "interval must be between 10s and 7d" in r.stderr, r.stderr
    assert "huge" not in listed(conf)


def test_relative_file_urls_resolve_against_the_imported_file():
    d, conf = setup()
    with open(conf, "a") as f:
        f.write("allow_file = yes\n")
    os.makedirs(os.path.join(d, "data"))
    p = os.path.join(d, "data", "sources.csv")
    with open(p, "w") as f:
        f.write("id,url\nlocal,file:feeds/airbus.xml\nabs,file:///srv/feed.xml\n")
    r = src(conf, "import", p)
    assert r.returncode == 0, r.stderr
    srcs = listed(conf)
    assert srcs["local"]["url"] == f"file://{os.path.realpath(d)}/data/feeds/airbus.xml"
    assert srcs["abs"]["url"] == "file:///srv/feed.xml"


def test_commands_reach_a_running_daemon():
    d, conf = setup()
    v = Vigie(config_path=conf)
    v.wait_log(r"ready in")
    r = src(conf, "add", "https://example.org/feed")
    assert r.returncode == 0, r.stderr
    assert len(listed(conf)) == 1
    assert v.stop() == 0
    # The data is in the daemon's Redis, kept by its append-only file.
    assert len(listed(conf)) == 1


if __name__ == "__main__":
    run_tests(dict(globals()))
