"""Redis that refuses writes: a real redis-server whose RDB snapshot fails (its directory is
gone) answers MISCONF to writes while stop-writes-on-bgsave-error is yes. vigie must say so:
/readyz 503 with the reason, `vigie status`, /metrics, and the log once (not once per refused
command); and recover when Redis accepts writes again. The same for OOM (maxmemory reached
with noeviction), which only shows in the replies to vigie's own writes."""
# ctest-labels: integration
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import Redis, Vigie, run_tests, run_vigie, short_tmpdir, wait_until


class SavingRedis(Redis):
    """A redis-server with RDB save points and its data directory apart from its socket, so
    the directory can be taken away while clients stay connected."""

    def __init__(self):
        self.dir = short_tmpdir("vgr")
        self.data = os.path.join(self.dir, "data")
        os.mkdir(self.data)
        self.sock = os.path.join(self.dir, "r.sock")
        self.port = 0
        self.password = None
        conf = ["port 0", f"unixsocket {self.sock}", "unixsocketperm 700", f"dir {self.data}",
                "save 3600 1", "appendonly no", "stop-writes-on-bgsave-error yes",
                # CONFIG SET dir, to give it a directory again
                "enable-protected-configs yes", f"logfile {self.dir}/redis.log"]
        with open(os.path.join(self.dir, "redis.conf"), "w") as f:
            f.write("\n".join(conf) + "\n")
        self.proc = None
        self.start()

    def persistence(self):
        c = self.client()
        info = c.call("INFO", "persistence")
        c.close()
        return re.search(r"rdb_last_bgsave_status:(\w+)", info).group(1)

    def bgsave(self):
        c = self.client()
        c.call("BGSAVE", "SCHEDULE")
        c.close()


def start():
    """A SavingRedis and a vigie on it, once ready."""
    r = SavingRedis()
    v = Vigie(f"""
[daemon]
state_dir = {short_tmpdir()}
housekeeping = 200ms
[admin]
listen = 127.0.0.1:0
[redis]
url = {r.url}
ping_interval = 200ms
""")
    v.wait_log(r"cmd: connected to unix:")
    wait_until(lambda: v.get("/readyz")[0] == 200, 10, "ready")
    return r, v


def test_misconf_is_reported_and_cleared():
    r, v = start()
    st = run_vigie(["status", "-c", v.config_path])
    assert st.returncode == 0, st.stderr
    assert "refus" not in st.stdout.lower(), st.stdout

    # The snapshot fails: its directory is gone.
    n = len(v.lines)
    shutil.rmtree(r.data)
    r.bgsave()
    wait_until(lambda: r.persistence() == "err", 10, "the RDB snapshot to fail")

    wait_until(lambda: v.get("/readyz")[0] == 503, 10, "/readyz 503")
    code, body = v.get("/readyz")
    assert code == 503 and "refuses writes" in body and "MISCONF" in body, body
    _, metrics = v.get("/metrics")
    assert re.search(r"(?m)^vigie_redis_writes_refused 1$", metrics), metrics
    st = run_vigie(["status", "-c", v.config_path])
    assert st.returncode == 0, st.stderr
    assert re.search(r"(?m)^writes\s+REFUSED by redis: MISCONF", st.stdout), st.stdout

    # Many PINGs are refused meanwhile; the log says it once.
    def refusals():
        m = re.search(r"(?m)^vigie_redis_write_refusals_total (\d+)", v.get("/metrics")[1])
        return m and int(m.group(1)) >= 15
    wait_until(refusals, 20, "refusals to pile up")
    said = [line for line in v.lines[n:] if "refuses writes" in line]
    assert len(said) == 1, "\n".join(v.lines[n:])
    assert "MISCONF" in said[0]
    # The poller's claim, refused every second meanwhile, says it once too.
    wait_until(lambda: any("[fetch]" in line and "MISCONF" in line for line in v.lines[n:]), 10, "a refused claim")
    def refused_count():
        return int(re.search(r"(?m)^vigie_redis_write_refusals_total (\d+)", v.get("/metrics")[1]).group(1))
    c0 = refused_count()
    wait_until(lambda: refused_count() >= c0 + 6, 20, "more refused calls (claims and PINGs)")
    claims = [line for line in v.lines[n:] if "[fetch]" in line and "MISCONF" in line]
    assert len(claims) == 1, "\n".join(claims)

    # Give Redis a directory again: the next snapshot succeeds and writes are accepted.
    fresh = os.path.join(r.dir, "data2")
    os.mkdir(fresh)
    c = r.client()
    c.call("CONFIG", "SET", "dir", fresh)
    c.close()
    r.bgsave()
    wait_until(lambda: r.persistence() == "ok", 10, "the RDB snapshot to succeed")
    wait_until(lambda: v.get("/readyz")[0] == 200, 10, "/readyz 200 again")
    v.wait_log(r"accepts writes again", start=n)
    _, metrics = v.get("/metrics")
    assert re.search(r"(?m)^vigie_redis_writes_refused 0$", metrics), metrics
    st = run_vigie(["status", "-c", v.config_path])
    assert st.returncode == 0 and "REFUSED" not in st.stdout, st.stdout + st.stderr
    assert v.stop() == 0


def test_oom_is_reported_and_cleared():
    r, v = start()
    n = len(v.lines)
    c = r.client()
    c.call("CONFIG", "SET", "maxmemory-policy", "noeviction")
    c.call("CONFIG", "SET", "maxmemory", "1")
    # The poller's next claim of due sources is a write, refused.
    wait_until(lambda: v.get("/readyz")[0] == 503, 20, "/readyz 503")
    code, body = v.get("/readyz")
    assert "refuses writes" in body and "OOM" in body, body
    assert re.search(r"(?m)^vigie_redis_writes_refused 1$", v.get("/metrics")[1])
    c.call("CONFIG", "SET", "maxmemory", "0")
    c.close()
    # Over once no write has been refused for 30 s.
    wait_until(lambda: v.get("/readyz")[0] == 200, 60, "/readyz 200 again")
    said = [line for line in v.lines[n:] if "refuses writes" in line]
    assert len(said) == 1 and "OOM command not allowed" in said[0], "\n".join(v.lines[n:])
    v.wait_log(r"accepts writes again", start=n)
    assert v.stop() == 0


if __name__ == "__main__":
    run_tests(dict(globals()))
