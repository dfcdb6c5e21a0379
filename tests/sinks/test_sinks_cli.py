# ctest-labels: integration sinks
"""`vigie sinks list`, `vigie help sinks` and `vigie sinks preview`: a user checks what a sink
would send before turning it on. The preview prints the exact requests with the token masked,
sends nothing to the CRM, and consumes nothing: the next real run delivers every record."""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from sinkenv import SinkEnv, run_tests, run_vigie  # noqa: E402
from standin import standin_state, start_standin  # noqa: E402

TOKEN = "pat-na1-preview-secret-0123456789"
_proc, PORT = start_standin("hubspot_standin.py", "--token", TOKEN)


def section(enabled):
    return f"""[sink.hubspot]
enabled = {enabled}
token = {TOKEN}
base_url = http://127.0.0.1:{PORT}
allow_private = 127.0.0.1
linger = 100ms
"""


def requests():
    return [r for r in standin_state(PORT)["requests"]]


def test_list_and_help():
    env = SinkEnv(section("no"), n_items=0)
    r = run_vigie(["sinks", "-c", env.conf, "list"])
    assert r.returncode == 0, r.stderr
    rows = {line.split()[0]: line.split()[1] for line in r.stdout.splitlines()[1:] if line.strip() and
            not line.startswith(("`", "["))}
    assert rows.get("hubspot") == "disabled" and rows.get("salesforce") == "off" and rows.get("outbox") == "off", r.stdout
    h = run_vigie(["help", "sinks"])
    assert h.returncode == 0
    for needle in ("preview [--sink NAME]", "[sink.hubspot]", "company_refresh", "[sink.salesforce]",
                   "private_key", "max_attempts", "rate_limit", "[sink.outbox]", "publish_every"):
        assert needle in h.stdout, needle
    bad = run_vigie(["sinks", "-c", env.conf, "frobnicate"])
    assert bad.returncode == 2 and "usage: vigie sinks" in bad.stderr


def test_preview_prints_masks_sends_and_consumes_nothing():
    env = SinkEnv(section("no"), n_items=6)
    env.run_once()                  # signals and contacts written; the sink is off
    signals = env.signals()
    assert len(signals) >= 5
    before = len(requests())
    r = run_vigie(["sinks", "-c", env.conf, "preview", "--sink", "hubspot", "--limit", "3"])
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert TOKEN not in out and TOKEN not in r.stderr, "the token was printed"
    assert "Authorization: ***" in out, out
    assert f"POST http://127.0.0.1:{PORT}/crm/" in out, out
    assert "batch/create" in out and "hs_note_body" in out, out
    assert signals[0]["title"].replace("'", "&#39;")[:30] in out or signals[0]["title"][:30] in out, out
    assert "3 record(s) waiting" in out and "nothing was sent" in out, out
    assert len(requests()) == before, "the preview sent requests to the CRM"
    c = env.client()
    groups = [g[1] for g in c.call("XINFO", "GROUPS", "vigie:signals")]
    assert "sink:hubspot" not in groups, groups   # the preview left no consumer group behind
    # No sink enabled and none named: a clear error.
    r = run_vigie(["sinks", "-c", env.conf, "preview"])
    assert r.returncode == 1 and "no sink is enabled" in r.stderr, r.stderr
    # Turned on, the sink delivers every record: the preview consumed none.
    env.write_config(section("yes"))
    env.run_once()
    notes = standin_state(PORT)["objects"]["notes"]
    assert len(notes) == len(signals), (len(notes), len(signals))


run_tests(globals())
