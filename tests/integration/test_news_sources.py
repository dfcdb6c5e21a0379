"""Per-account news search sources ([fetch] news_search): one source per account, created
and removed as accounts come and go, from any process, while the daemon runs."""
# ctest-labels: integration
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import Redis, Vigie, run_tests, run_vigie, short_tmpdir, wait_until


def sources(conf):
    r = run_vigie(["sources", "-c", conf, "list", "--json"])
    assert r.returncode == 0, r.stderr
    return {s["id"]: s for s in map(json.loads, r.stdout.splitlines())}


def test_news_sources_follow_accounts():
    r = Redis()
    d = short_tmpdir()
    conf = os.path.join(d, "vigie.conf")
    with open(conf, "w") as f:
        f.write(f"[redis]\nurl = {r.url}\n[admin]\nlisten = off\n[daemon]\nhousekeeping = 200ms\n"
                "[fetch]\nnews_search = https://news.example.com/rss/search?q=%22{name}%22&hl=fr\n"
                "news_interval = 2h\n")
    c = r.client()
    c.call("HSET", "vigie:accounts", "loreal", json.dumps({"id": "loreal", "name": "L'Oréal"}),
           "airbus", json.dumps({"id": "airbus", "name": "Airbus SE"}))
    c.call("INCR", "vigie:accounts:version")
    v = Vigie(config_path=conf)
    v.wait_log(r"news search sources: 2 created, 0 removed")
    srcs = sources(conf)
    assert srcs["news:loreal"]["url"] == "https://news.example.com/rss/search?q=%22L%27Or%C3%A9al%22&hl=fr"
    assert srcs["news:loreal"]["account_id"] == "loreal"
    assert srcs["news:airbus"]["interval_s"] == 7200

    # An account removed elsewhere: its news source goes; a manual source stays.
    assert run_vigie(["sources", "-c", conf, "add", "https://example.org/feed"]).returncode == 0
    c.call("HDEL", "vigie:accounts", "airbus")
    c.call("INCR", "vigie:accounts:version")
    v.wait_log(r"news search sources: 0 created, 1 removed")
    ids = set(sources(conf))
    assert "news:loreal" in ids and "news:airbus" not in ids and len(ids) == 2, ids

    # An account retired (no longer a key account in its CRM): no longer watched either.
    seen = len(v.lines)
    c.call("HSET", "vigie:accounts", "loreal",
           json.dumps({"id": "loreal", "name": "L'Oréal", "retired": "2026-05-04T09:30:00Z"}))
    c.call("INCR", "vigie:accounts:version")
    v.wait_log(r"news search sources: 0 created, 1 removed", start=seen)
    assert "news:loreal" not in sources(conf)
    assert v.stop() == 0


if __name__ == "__main__":
    run_tests(dict(globals()))
