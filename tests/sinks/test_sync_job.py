# ctest-labels: integration sinks
"""The README's CRM sync job (examples/sync_job.py, python3-redis) against a real redis-server:
it reads the signals stream with its own consumer group, hands each signal over once,
acknowledges it, and after a crash first reads what it had left pending."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from harness import Redis, SOURCE_DIR, run_tests  # noqa: E402

JOB = os.path.join(SOURCE_DIR, "examples", "sync_job.py")


def signal(n, sources=1):
    return json.dumps({"id": f"{n:032x}", "account_id": "airbus", "type": "contract_win",
                       "title": f"Airbus wins order {n}", "sources": sources})


def run_job(redis, *extra):
    out = subprocess.run([sys.executable, JOB, "--redis", redis.url, "--group", "crm", "--once", *extra],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return [json.loads(line) for line in out.stdout.splitlines()]


def test_reads_acks_and_resumes():
    r = Redis()
    c = r.client()
    for n in range(1, 4):
        c.call("XADD", "vigie:signals", "*", "signal", signal(n))
    c.call("XADD", "vigie:signals", "*", "update", signal(2, sources=3))
    got = run_job(r)
    assert [(g["kind"], g["title"], g["sources"]) for g in got] == [
        ("signal", "Airbus wins order 1", 1), ("signal", "Airbus wins order 2", 1),
        ("signal", "Airbus wins order 3", 1), ("update", "Airbus wins order 2", 3)], got
    pending = c.call("XPENDING", "vigie:signals", "crm")
    assert pending[0] == 0, pending
    # Nothing new: a second run hands nothing over again.
    assert run_job(r) == []
    # A crash between reading and acknowledging: the entry stays pending for this consumer;
    # the next run hands it over first, then the new ones.
    c.call("XADD", "vigie:signals", "*", "signal", signal(4))
    c.call("XREADGROUP", "GROUP", "crm", "sync-1", "COUNT", "1", "STREAMS", "vigie:signals", ">")
    c.call("XADD", "vigie:signals", "*", "signal", signal(5))
    got = run_job(r)
    assert [g["title"] for g in got] == ["Airbus wins order 4", "Airbus wins order 5"], got
    assert c.call("XPENDING", "vigie:signals", "crm")[0] == 0


run_tests(globals())
