"""The enrich stage writes the signals of the accounts a story is about, not of those it only
names in passing (issue 18): the invented items of tests/data/roles.jsonl go through a real
vigie daemon on a real Redis; each item's signals in the signals stream are those of its
subjects and counterparties, with their role, none of a mentioned account (a news agency
credited, a broker's view, a rival, a former employer, clients in a list), and no contact is
tied to a mentioned account."""
# ctest-labels: integration
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import Redis, Vigie, daemon_config, run_tests, run_vigie, short_tmpdir, wait_until

SRC = os.environ.get("VIGIE_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
DATA = os.path.join(SRC, "tests", "data")


def enriched(c, n):
    if c.call("XLEN", "vigie:items") < n:
        return False
    for g in c.call("XINFO", "GROUPS", "vigie:items"):
        g = dict(zip(g[::2], g[1::2]))
        if g["name"] == "enrich":
            return g["lag"] == 0 and g["pending"] == 0
    return False


def test_only_subjects_and_counterparties_reach_the_stream():
    d = short_tmpdir()
    r = Redis()
    conf = os.path.join(d, "vigie.conf")
    with open(conf, "w") as f:
        f.write(daemon_config(d, r.url))
    accounts = os.path.join(DATA, "accounts_roles.json")
    assert run_vigie(["accounts", "-c", conf, "import", accounts]).returncode == 0
    items = [json.loads(l) for l in open(os.path.join(DATA, "roles.jsonl"), encoding="utf-8") if l.strip()]
    c = r.client()
    for it in items:
        rec = {k: it[k] for k in ("id", "title", "summary", "lang")}
        rec["url"] = "https://news.example/" + it["id"]
        c.call("XADD", "vigie:items", "*", "item", json.dumps(rec, ensure_ascii=False))
    v = Vigie(config_path=conf)
    wait_until(lambda: enriched(c, len(items)), 60, "the items enriched")
    signals = [json.loads(f[1]) for _, f in c.call("XRANGE", "vigie:signals", "-", "+") if f[0] == "signal"]
    contacts = [json.loads(f[1]) for _, f in c.call("XRANGE", "vigie:contacts", "-", "+")]
    assert v.stop() == 0

    # what `vigie extract --signals` prints for the same items, mentioned accounts included
    ex = run_vigie(["extract", "--accounts", accounts, "--signals"],
                   input="".join(json.dumps({k: it[k] for k in ("id", "title", "summary", "lang")},
                                            ensure_ascii=False) + "\n" for it in items))
    assert ex.returncode == 0, ex.stderr
    printed = [json.loads(l) for l in ex.stdout.splitlines()]
    assert any(s["role"] == "mentioned" for s in printed)

    for it in items:
        e = it["expect"]
        mine = [s for s in signals if s["url"].endswith("/" + it["id"])]
        want = {a: role for role in ("subject", "counterparty") for a in e[role]}
        for t in {s["type"] for s in mine}:
            got = {s["account_id"]: s["role"] for s in mine if s["type"] == t}
            assert got == want, (it["id"], t, got, want)
        assert mine, it["id"]
    assert {s["id"] for s in signals} == {s["id"] for s in printed if s["role"] != "mentioned"}
    mentioned = {a for it in items for a in it["expect"]["mentioned"]} - \
                {a for it in items for r in ("subject", "counterparty") for a in it["expect"][r]}
    assert not [x for x in contacts if x.get("account_id") in mentioned], contacts


if __name__ == "__main__":
    run_tests(dict(globals()))
