# ctest-labels: integration sinks
"""What the sink core does whatever the service (here the Salesforce sink against its
stand-in): a service failing every request for much longer than a record's attempts allow
makes the sink back off as a whole — nothing dead-lettered, nothing lost, everything delivered
once it recovers (a record is charged an attempt only when its batch shows the service
working)."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from sinkenv import SinkEnv, run_tests, run_vigie, wait_until  # noqa: E402
from test_sink_salesforce import Org, dlq, wait_all_tasks  # noqa: E402

FAST = "max_attempts = 2"  # Org.section() already sets backoff 100ms to 1s


def test_a_long_outage_loses_and_dead_letters_nothing():
    org = Org()
    org.config(outage=True)
    env = SinkEnv(org.section(FAST), n_items=9)
    v = env.start()
    # Many times the two attempts a record has: every batch fails whole, the sink backs off.
    wait_until(lambda: len([r for r in org.state()["requests"] if r["status"] == 503]) >= 6, 60,
               "several failed rounds")
    # Between two rounds the sink is briefly not paused: what a user sees is polled.
    wait_until(lambda: (lambda r: r[0] == 503 and "backing off" in r[1])(v.get("/readyz")), 30,
               "/readyz to say the sink is backing off")
    wait_until(lambda: "PAUSED: backing off" in run_vigie(["status", "-c", env.conf]).stdout, 30,
               "vigie status to show the backoff")
    assert dlq(env)[0] == 0
    org.config(outage=False)
    wait_all_tasks(env, org, 8, 60, "every Task after the outage")
    assert dlq(env)[0] == 0
    wait_until(lambda: v.get("/readyz")[0] == 200, 10, "ready again")
    v.stop()


run_tests(globals())
