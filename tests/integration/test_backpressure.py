"""Backpressure and split roles: a fetch-only process pauses fetching while the enrich stage is
more than [pipeline] max_lag items behind (logged once, vigie_fetch_paused in /metrics), and
resumes when an enrich-only process has caught up."""
# ctest-labels: integration
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import FeedServer, Redis, Vigie, run_tests, run_vigie, short_tmpdir, wait_until


def test_fetch_pauses_while_enrich_lags_and_resumes():
    r, fs = Redis(), FeedServer()
    d = short_tmpdir()
    base = (f"[redis]\nurl = {r.url}\n[admin]\nlisten = 127.0.0.1:0\n"
            "[fetch]\nallow_private = 127.0.0.0/8\nper_host_delay = 0\nrecent_window = 1d\n"
            "[pipeline]\nmax_lag = 10\n")
    confs = {}
    for role in ("fetch", "enrich"):
        confs[role] = os.path.join(d, f"{role}.conf")
        with open(confs[role], "w") as f:
            f.write(base + f"[daemon]\nroles = {role}\ninstance = {role}\nhousekeeping = 200ms\n")
    p = os.path.join(d, "s.csv")
    with open(p, "w") as f:
        f.write("id,url\n" + "".join(f"f{i},{fs.base}/feed/f{i}.xml\n" for i in range(30)))
    assert run_vigie(["sources", "-c", confs["fetch"], "import", p]).returncode == 0
    c = r.client()
    c.call("XGROUP", "CREATE", "vigie:items", "enrich", "$", "MKSTREAM")  # enrich exists, but is not running

    fetcher = Vigie(config_path=confs["fetch"])
    fetcher.wait_log(r"backpressure: enrich is (\d+) items behind \(max_lag 10\); fetching paused", timeout=30)
    assert "vigie_fetch_paused 1" in fetcher.get("/metrics")[1]
    wait_until(lambda: 'vigie_group_lag{stream="items",group="enrich"} ' in fetcher.get("/metrics")[1], 15,
               "the group's lag in /metrics")
    assert c.call("XLEN", "vigie:signals") == 0

    enricher = Vigie(config_path=confs["enrich"])
    fetcher.wait_log(r"backpressure over: enrich is \d+ items behind; fetching resumed", timeout=30)
    wait_until(lambda: "vigie_fetch_paused 0" in fetcher.get("/metrics")[1], 10, "the gauge back to 0")
    assert sum("fetching paused" in l for l in fetcher.lines) == 1, "the transition is logged once"
    assert "enrich" not in " ".join(l for l in fetcher.lines if "stage" in l), "a fetch-only process runs no stage"
    assert fetcher.stop() == 0 and enricher.stop() == 0


def test_once_needs_both_roles():
    d = short_tmpdir()
    conf = os.path.join(d, "v.conf")
    with open(conf, "w") as f:
        f.write(f"[daemon]\nstate_dir = {d}/s\nroles = fetch\n[admin]\nlisten = off\n")
    v = Vigie(config_path=conf, args=["--once"])
    assert v.wait_exit() == 1
    assert "--once needs both stages" in v.log()


if __name__ == "__main__":
    run_tests(dict(globals()))
