"""The contract between vigie's C code and its Redis functions (queue/queue_contract.h and
queue/lua/vigie.lua), held against a real redis-server: the embedded library loads; it has
exactly the functions the header names, and each takes exactly the KEYS and ARGV the header
lays out (a call with one key or argument more or less is refused); the status's key-count
script counts; every key a running
vigie writes is one the header names; and removing a source, by `vigie sources rm` or by
its account going away (a news search source), leaves no key or member of it behind."""
# ctest-labels: integration
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from harness import FeedServer, Redis, Vigie, free_port, run_tests, run_vigie, short_tmpdir, wait_until

TOOL = os.path.join(os.environ.get("VIGIE_TEST_BIN_DIR", os.path.dirname(__file__)), "tool_contract")


def tool(what):
    return subprocess.run([TOOL, what], check=True, capture_output=True, text=True).stdout


def functions():
    """{name: (nkeys, nargs, more)} from the header."""
    out = {}
    for line in tool("functions").splitlines():
        name, nk, na, more = line.split()
        out[name] = (int(nk), int(na), more == "1")
    return out


def call_error(c, name, nkeys, nargs):
    """The error FCALL answers for a call with these counts, or None."""
    keys = [f"vigie:contract-test:{i}" for i in range(nkeys)]
    try:
        c.call("FCALL", name, nkeys, *keys, *(["0"] * nargs))
        return None
    except RuntimeError as e:
        return str(e)


def test_every_function_has_the_layout_the_header_gives_it():
    r = Redis()
    c = r.client()
    assert c.call("FUNCTION", "LOAD", "REPLACE", tool("library")) == "vigie"
    lib = c.call("FUNCTION", "LIST", "LIBRARYNAME", "vigie")
    fields = dict(zip(lib[0][::2], lib[0][1::2]))
    loaded = {dict(zip(f[::2], f[1::2]))["name"] for f in fields["functions"]}
    fns = functions()
    assert loaded == set(fns), f"in the library only: {loaded - set(fns)}; in the header only: {set(fns) - loaded}"

    for name, (nk, na, more) in fns.items():
        refused = f"{name} expects"
        # The header's counts pass the function's own check (whatever the dummy values do next).
        err = call_error(c, name, nk, na)
        assert err is None or refused not in err, (name, err)
        if more:
            err = call_error(c, name, nk, na + 2)
            assert err is None or refused not in err, (name, err)
        wrong = [(nk + 1, na), (nk, na + 1 if not more else None), (nk - 1, na), (nk, na - 1)]
        for k, a in wrong:
            if k is None or a is None or k < 0 or a < 0:
                continue
            err = call_error(c, name, k, a)
            assert err and refused in err, f"{name} with {k} keys and {a} arguments: {err}"


def test_the_key_count_script_counts_the_keys_under_the_prefix():
    r = Redis()
    c = r.client()
    for i in range(25):
        c.call("SET", f"vigie:k{i}", 1)
    c.call("SET", "other:k", 1)
    assert c.call("EVAL", tool("count-keys"), 0, "vigie:*") == 25


def header_names():
    return tool("keys").split()


def named_in_header(key, names):
    return any(key == n or (n.endswith(":") and key.startswith(n)) for n in names)


def traces(c, sid):
    """Every key under the prefix that still holds something of source `sid`."""
    found = []
    for key in c.call("KEYS", "vigie:*"):
        if sid in key:
            found.append(key)
            continue
        t = c.call("TYPE", key)
        if (t == "set" and c.call("SISMEMBER", key, sid)) or (t == "zset" and c.call("ZSCORE", key, sid) is not None) \
                or (t == "hash" and c.call("HEXISTS", key, sid)):
            found.append(f"{key} ({t} member)")
    return found


def sources(conf):
    r = run_vigie(["sources", "-c", conf, "list", "--json"])
    assert r.returncode == 0, r.stderr
    return {s["id"]: s for s in map(json.loads, r.stdout.splitlines())}


def test_removing_a_source_removes_every_key_of_it():
    r, fs = Redis(), FeedServer()
    d = short_tmpdir()
    conf = os.path.join(d, "vigie.conf")
    with open(conf, "w") as f:
        f.write(f"[redis]\nurl = {r.url}\n[admin]\nlisten = off\n[daemon]\nhousekeeping = 200ms\n"
                f"[fetch]\nallow_private = 127.0.0.0/8\nper_host_delay = 0\nrecent_window = 1d\n"
                f"news_search = {fs.base}/feed/news-{{id}}.xml\n")
    c = r.client()
    c.call("HSET", "vigie:accounts", "acme", json.dumps({"id": "acme", "name": "Acme"}))
    c.call("INCR", "vigie:accounts:version")
    rows = ["id,url", f"good,{fs.base}/feed/good.xml", f"bad,http://127.0.0.1:{free_port()}/feed.xml"]
    p = os.path.join(d, "s.csv")
    with open(p, "w") as f:
        f.write("\n".join(rows) + "\n")
    assert run_vigie(["sources", "-c", conf, "import", p]).returncode == 0
    v = Vigie(config_path=conf)
    ids = ("good", "bad", "news:acme")
    wait_until(lambda: all(sources(conf).get(i, {}).get("last_attempt_ms", 0) > 0 for i in ids), 30,
               "every source polled")
    wait_until(lambda: c.call("SISMEMBER", "vigie:failing", "bad") == 1, 10, "the failing source in its set")
    for sid in ids:
        assert traces(c, sid), f"source {sid} has left no key to remove: the test would prove nothing"

    # Everything vigie wrote sits under a name the header gives.
    names = header_names()
    strays = [k for k in c.call("KEYS", "vigie:*") if not named_in_header(k[len("vigie:"):], names)]
    assert not strays, f"keys not named in queue_contract.h: {strays}"

    # Removed by its function: the account goes, so does its news search source.
    c.call("HDEL", "vigie:accounts", "acme")
    c.call("INCR", "vigie:accounts:version")
    v.wait_log(r"news search sources: 0 created, 1 removed", 15)
    assert v.stop() == 0
    left = traces(c, "news:acme")
    assert left == [], f"news:acme left behind in {left}"

    # Removed by the command line.
    for sid in ("good", "bad"):
        res = run_vigie(["sources", "-c", conf, "rm", sid])
        assert res.returncode == 0 and f"removed {sid}" in res.stdout, res.stdout + res.stderr
        left = traces(c, sid)
        assert left == [], f"{sid} left behind in {left}"
    assert sources(conf) == {}


if __name__ == "__main__":
    run_tests(dict(globals()))
