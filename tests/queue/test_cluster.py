"""vigie on a real Redis Cluster (three redis-server nodes in cluster mode on loopback).

A [redis] prefix holding a hash tag puts every key of a deployment in one slot, so the node
that serves that slot runs vigie's whole main job: accounts, sources, polls, signals, the
outbox (docs/capacity.md, "Growing past one Redis"). Pointed at a node that does not serve the
slot, or given a prefix without a hash tag, vigie refuses with an error that says what to
change, from the command line and from the daemon, instead of failing command by command."""
# ctest-labels: integration
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from harness import (REDIS_SERVER, SOURCE_DIR, RespClient, Vigie, _children, free_port,
                     run_tests, run_vigie, short_tmpdir, wait_until)

TAG = "t1"
PREFIX = "vigie:{%s}:" % TAG


class Node:
    """One redis-server in cluster mode, with its own cluster bus port."""

    def __init__(self):
        self.dir = short_tmpdir("vgc")
        self.port = free_port()
        self.bus = free_port()
        conf = [f"port {self.port}", f"cluster-port {self.bus}", "cluster-enabled yes",
                f"cluster-config-file {self.dir}/nodes.conf", "cluster-node-timeout 2000",
                f"dir {self.dir}", "save \"\"", "appendonly no", "logfile redis.log", "bind 127.0.0.1"]
        with open(os.path.join(self.dir, "redis.conf"), "w") as f:
            f.write("\n".join(conf) + "\n")
        self.proc = subprocess.Popen([REDIS_SERVER, os.path.join(self.dir, "redis.conf")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _children.append(self.proc)
        wait_until(self._answers, 10, "redis-server (cluster mode) to answer")

    def _answers(self):
        try:
            RespClient(port=self.port).call("PING")
            return True
        except OSError:
            return False

    def call(self, *args):
        return RespClient(port=self.port).call(*args)

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}"


def make_cluster():
    """Three masters sharing the 16,384 slots, as `redis-cli --cluster create` would."""
    nodes = [Node() for _ in range(3)]
    ranges = [(0, 5460), (5461, 10922), (10923, 16383)]
    for n, (lo, hi) in zip(nodes, ranges):
        n.call("CLUSTER", "ADDSLOTSRANGE", str(lo), str(hi))
    for n in nodes[1:]:
        nodes[0].call("CLUSTER", "MEET", "127.0.0.1", str(n.port), str(n.bus))

    def ok():
        return all("cluster_state:ok" in n.call("CLUSTER", "INFO") and
                   n.call("CLUSTER", "INFO").count("cluster_known_nodes:3") for n in nodes)
    wait_until(ok, 30, "the three nodes to form a cluster")
    slot = int(nodes[0].call("CLUSTER", "KEYSLOT", PREFIX + "signals"))
    owner = next(n for n, (lo, hi) in zip(nodes, ranges) if lo <= slot <= hi)
    other = next(n for n in nodes if n is not owner)
    return nodes, slot, owner, other


def config(dir, url, prefix):
    """The demo's configuration (examples/vigie.conf) on the given Redis and prefix."""
    state = os.path.join(dir, "state")
    return f"""[daemon]
state_dir = {state}
[admin]
listen = 127.0.0.1:0
[redis]
url = {url}
prefix = {prefix}
connect_timeout = 1s
[fetch]
allow_file = yes
recent_window = 3650d
[sources]
automatic = no
[sink.outbox]
enabled = yes
"""


def write_conf(dir, text):
    # examples/sources.csv names its feeds relative to the configuration's folder.
    shutil.copytree(os.path.join(SOURCE_DIR, "examples", "feeds"), os.path.join(dir, "feeds"))
    path = os.path.join(dir, "vigie.conf")
    with open(path, "w") as f:
        f.write(text)
    return path


def test_main_job_on_the_node_that_serves_the_prefix_slot():
    nodes, slot, owner, _ = make_cluster()
    dir = short_tmpdir("vgcj")
    conf = write_conf(dir, config(dir, owner.url, PREFIX))
    ex = os.path.join(SOURCE_DIR, "examples")
    for args in (["accounts", "-c", conf, "import", os.path.join(ex, "accounts.json")],
                 ["sources", "-c", conf, "import", os.path.join(ex, "sources.csv")]):
        r = run_vigie(args)
        assert r.returncode == 0, r.stderr
    r = run_vigie(["run", "-c", conf, "--once"], timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    # What a user reads at the end of the pass: signals found, written to the outbox.
    assert " signals (" in r.stdout, r.stdout[-2000:]
    n_signals = int(owner.call("XLEN", PREFIX + "signals"))
    assert n_signals >= 50, n_signals
    outbox = os.path.join(dir, "state", "outbox")
    lines = sum(open(os.path.join(outbox, f)).read().count("\n") for f in os.listdir(outbox)
                if f.startswith("signals-"))
    assert lines == n_signals, (lines, n_signals)
    # Every key vigie wrote is in the tag's slot, on this node; the other nodes hold none.
    keys = int(owner.call("CLUSTER", "COUNTKEYSINSLOT", str(slot)))
    assert keys > 20 and keys == int(owner.call("DBSIZE")), (keys, owner.call("DBSIZE"))
    assert [int(n.call("DBSIZE")) for n in nodes if n is not owner] == [0, 0]
    # `vigie status` reads the same deployment back.
    r = run_vigie(["status", "-c", conf])
    assert r.returncode == 0 and "signals" in r.stdout, r.stdout + r.stderr


def test_wrong_node_or_untagged_prefix_is_refused_with_what_to_change():
    _, slot, owner, other = make_cluster()
    dir = short_tmpdir("vgcw")
    conf = write_conf(dir, config(dir, other.url, PREFIX))
    r = run_vigie(["status", "-c", conf])
    assert r.returncode != 0
    assert f"does not serve slot {slot}" in r.stderr and f"127.0.0.1:{owner.port}" in r.stderr, r.stderr
    dir2 = short_tmpdir("vgcu")
    conf2 = write_conf(dir2, config(dir2, owner.url, "vigie:"))
    r = run_vigie(["accounts", "-c", conf2, "import", os.path.join(SOURCE_DIR, "examples", "accounts.json")])
    assert r.returncode != 0
    assert "has no hash tag" in r.stderr and "prefix = vigie:{vigie}:" in r.stderr, r.stderr
    # Nothing was written anywhere.
    assert int(owner.call("DBSIZE")) == 0 and int(other.call("DBSIZE")) == 0

    # The daemon says the same in its log and /readyz, and keeps retrying (a fixed url or
    # prefix needs a restart) rather than exiting or writing anything.
    d = short_tmpdir("vgcd")
    v = Vigie(config(d, other.url, PREFIX))
    v.wait_log(f"does not serve slot {slot}.*127\\.0\\.0\\.1:{owner.port}", timeout=20)
    status, body = v.get("/readyz")
    assert status == 503, (status, body)
    assert v.proc.poll() is None
    v.stop()
    assert int(other.call("DBSIZE")) == 0


if __name__ == "__main__":
    run_tests(globals())
