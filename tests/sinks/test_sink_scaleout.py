# ctest-labels: integration sinks scaleout
"""Several vigie processes delivering to one CRM: together they stay within one rate budget
(kept in Redis), and one killed with SIGKILL in the middle of its batches loses nothing — the
records it held are taken over by the others after [pipeline] reclaim_idle.

Run against the Salesforce stand-in: its log tells when each request arrived."""
import os
import signal
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from sinkenv import SinkEnv, Vigie, run_tests, run_vigie, wait_until  # noqa: E402
from test_sink_salesforce import Org  # noqa: E402

LIMIT, WINDOW = 6, 1.0


def config_for(env, instance, roles):
    """A copy of the environment's configuration for another process."""
    with open(env.conf) as f:
        text = f.read()
    text = text.replace("instance = t1", f"instance = {instance}\nroles = {roles}", 1)
    path = os.path.join(env.dir, f"{instance}.conf")
    with open(path, "w") as f:
        f.write(text)
    return path


def most_in_a_window(times, window):
    times = sorted(times)
    best, j = 0, 0
    for i, t in enumerate(times):
        while t - times[j] >= window:
            j += 1
        best = max(best, i - j + 1)
    return best


def test_three_processes_share_one_budget_and_survive_a_kill():
    org = Org()
    org.config(latency_ms=150)   # requests take a while: a kill lands in the middle of some
    env = SinkEnv(org.section(f"batch = 4\nrate_limit = {LIMIT}\nrate_window = 1s"), n_items=45)
    # One process does everything (its sink included); two more only deliver.
    feeder = Vigie(config_path=config_for(env, "feeder", "all"))
    c = env.client()
    wait_until(lambda: c.call("XLEN", "vigie:signals") >= 60, 60, "the signals of the feed")
    sinks = [Vigie(config_path=config_for(env, name, "sink")) for name in ("s1", "s2")]
    # One of them dies mid-run.
    wait_until(lambda: len(org.objects("Task")) >= 15, 60, "some Tasks")
    sinks[0].proc.send_signal(signal.SIGKILL)
    sinks[0].proc.wait(10)
    n = len({s["id"] for s in env.signals()})
    wait_until(lambda: len(org.objects("Task")) == n, 120, f"all {n} Tasks after the kill")
    feeder.stop()
    sinks[1].stop()

    tasks = org.objects("Task")
    assert sorted(t["Vigie_Signal_Id__c"] for t in tasks) == sorted({s["id"] for s in env.signals()})
    reqs = org.state()["requests"]
    assert all(r["status"] in (200, 201) for r in reqs), [r["status"] for r in reqs if r["status"] not in (200, 201)]
    # The grants are at most LIMIT in any rolling second; a request arrives a little after its
    # grant, so arrivals are checked over a slightly shorter window.
    worst = most_in_a_window([r["arrived"] for r in reqs], WINDOW * 0.85)
    assert worst <= LIMIT, f"{worst} requests arrived within {WINDOW * 0.85:.2f}s (budget {LIMIT} per {WINDOW}s)"
    # The work was shared: the processes that lived to the end both delivered.
    st = run_vigie(["status", "-c", env.conf]).stdout
    rows = {line.split()[0]: line.split() for line in st.splitlines() if line.startswith("salesforce:")}
    assert int(rows["salesforce:feeder"][2]) > 0 and int(rows["salesforce:s2"][2]) > 0, st
    # Nothing was given up on.
    dl = run_vigie(["dlq", "-c", env.conf, "list"]).stdout
    assert dl.strip().splitlines()[-1].startswith("0 "), dl


run_tests(globals())
