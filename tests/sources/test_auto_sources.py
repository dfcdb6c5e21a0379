# ctest-labels: integration sources
"""Automatic company sources ([sources] automatic, daemon/company_sources.c): a real redis-server
and a real `vigie run`; accounts imported with SIRENs get an `fr_company:<account>` source each
(the register's URL from [sources] fr_company_url, its interval, the siren in its options,
marked automatic), an account whose SIREN changes gets its source updated, an account removed
or retired loses it, and a source the user added is never touched — not even one whose id
looks automatic. With automatic = no, nothing is created."""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from harness import Redis, Vigie, daemon_config, run_tests, run_vigie, short_tmpdir, wait_until

BASE = "http://127.0.0.1:9/register"


def setup(automatic="yes"):
    r = Redis()
    d = short_tmpdir("auto")
    conf = os.path.join(d, "vigie.conf")
    with open(conf, "w") as f:
        f.write(daemon_config(d, r.url, daemon_extra="roles = enrich\n") +
                f"[sources]\nautomatic = {automatic}\nfr_company_url = {BASE}/\nfr_company_interval = 2h\n")
    return r, d, conf


def import_accounts(d, conf, accounts):
    path = os.path.join(d, "accounts.json")
    with open(path, "w") as f:
        json.dump(accounts, f)
    res = run_vigie(["accounts", "-c", conf, "import", path])
    assert res.returncode == 0, res.stderr


def source(c, sid):
    flat = c.call("HGETALL", f"vigie:source:{sid}")
    return dict(zip(flat[0::2], flat[1::2]))


def ids(c):
    """The sources but the other kinds' automatic ones (bodacc batches its sirens)."""
    return {i for i in c.call("SMEMBERS", "vigie:sources") if not i.startswith("bodacc:")}


ACCOUNTS = [
    {"id": "duval", "name": "Ateliers Duval", "identifiers": {"siren": "813 529 610"}},
    {"id": "renault", "name": "Renault", "siren": "552081317"},
    {"id": "nosiren", "name": "Sans Siren"},
    {"id": "gone", "name": "Old Key Account", "siren": "130025265", "retired": "2026-05-04T09:30:00Z"},
]


def test_sources_follow_the_accounts_sirens():
    r, d, conf = setup()
    c = r.client()
    # A user's own sources: one of another kind, one fr_company with an id like an automatic one.
    assert run_vigie(["sources", "-c", conf, "add", "https://example.org/feed", "--id", "mine"]).returncode == 0
    res = run_vigie(["sources", "-c", conf, "add", f"{BASE}/search?q=999999999", "--kind", "fr_company",
                     "--id", "fr_company:manual", "--options", '{"siren":"999999999"}'])
    assert res.returncode == 0, res.stderr
    import_accounts(d, conf, ACCOUNTS)
    v = Vigie(config_path=conf)
    v.wait_log(r"company sources: \d+ created, 0 updated, 0 removed")
    wait_until(lambda: "fr_company:renault" in ids(c), 10, "the automatic sources")
    assert ids(c) == {"mine", "fr_company:manual", "fr_company:duval", "fr_company:renault"}, ids(c)
    s = source(c, "fr_company:duval")
    assert s["kind"] == "fr_company" and s["account_id"] == "duval" and s["auto"] == "1"
    assert s["url"] == (f"{BASE}/search?q=813529610&minimal=true&include=siege,dirigeants,finances"
                        "&page=1&per_page=5"), s["url"]
    assert json.loads(s["options"]) == {"siren": "813529610"}
    assert s["interval_ms"] == "7200000"
    assert c.call("ZSCORE", "vigie:due", "fr_company:duval") is not None  # due now
    listed = run_vigie(["sources", "-c", conf, "list", "--json"])
    assert "fr_company:renault" in listed.stdout

    # A SIREN corrected: the same source, another company (what it kept is dropped).
    c.call("HSET", "vigie:source:fr_company:duval", "watch_text", '{"siren":"813529610"}')
    seen = len(v.lines)
    import_accounts(d, conf, [dict(ACCOUNTS[0], identifiers={"siren": "813529628"})])
    v.wait_log(r"company sources: 0 created, [12] updated, 0 removed", start=seen)
    s = source(c, "fr_company:duval")
    assert "q=813529628" in s["url"] and json.loads(s["options"]) == {"siren": "813529628"}
    assert "watch_text" not in s

    # An account removed, another retired: their sources go; the user's stay.
    seen = len(v.lines)
    assert run_vigie(["accounts", "-c", conf, "rm", "renault"]).returncode == 0
    v.wait_log(r"company sources: 0 created, \d updated, 1 removed", start=seen)
    seen = len(v.lines)
    import_accounts(d, conf, [dict(ACCOUNTS[0], identifiers={"siren": "813529628"}, retired="2026-12-01T00:00:00Z")])
    v.wait_log(r"company sources: 0 created, \d updated, [12] removed", start=seen)
    assert ids(c) == {"mine", "fr_company:manual"}, ids(c)
    assert source(c, "fr_company:manual")["url"] == f"{BASE}/search?q=999999999"
    assert c.call("EXISTS", "vigie:source:fr_company:renault") == 0
    assert c.call("ZSCORE", "vigie:due", "fr_company:renault") is None
    assert v.stop() == 0


def test_automatic_no_creates_nothing():
    r, d, conf = setup("no")
    c = r.client()
    import_accounts(d, conf, ACCOUNTS)
    v = Vigie(config_path=conf)
    v.wait_log(r"accounts version \d+ in use")
    assert ids(c) == set(), ids(c)
    assert "company sources" not in "\n".join(v.lines)
    assert v.stop() == 0


run_tests(globals())
