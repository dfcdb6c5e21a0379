"""vigie against an external redis-server: TCP and unix URLs, AUTH with a password from the
environment, Redis killed and restarted while vigie runs (vigie reconnects and carries on),
a silent Redis caught by the PING watchdog, and SIGTERM while Redis is down."""
# ctest-labels: integration
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import Redis, Vigie, run_tests, run_vigie, short_tmpdir, wait_until


def config(url, extra=""):
    return f"""
[daemon]
state_dir = {short_tmpdir()}
housekeeping = 200ms
[admin]
listen = 127.0.0.1:0
[redis]
url = {url}
connect_timeout = 1s
ping_interval = 200ms
ping_timeout = 1s
backoff_max = 500ms
{extra}
"""


def test_status_on_a_redis_no_daemon_has_used():
    # Right after install, before the daemon ever ran: the command loads the function library
    # itself (without replacing one a daemon loaded) instead of failing on FCALL.
    r = Redis()
    d = short_tmpdir()
    conf = os.path.join(d, "vigie.conf")
    with open(conf, "w") as f:
        f.write(config(r.url))
    st = run_vigie(["status", "-c", conf])
    assert st.returncode == 0, st.stderr
    assert "sources  0, 0 due now, 0 failing" in st.stdout, st.stdout


def test_redis_killed_and_restarted_while_running():
    r = Redis()
    v = Vigie(config(r.url))
    v.wait_log(r"connected to unix:.*\(redis 7\.")
    assert v.get("/readyz")[0] == 200

    n = len(v.lines)
    r.kill()
    v.wait_log(r"lost connection to unix:", start=n)
    code, body = v.get("/readyz")
    assert code == 503 and "redis unreachable" in body
    _, metrics = v.get("/metrics")
    assert "vigie_redis_up 0" in metrics

    r.start()
    v.wait_log(r"cmd: reconnected to unix:.* after \d+ attempts", timeout=15, start=n)
    wait_until(lambda: v.get("/readyz")[0] == 200, 5, "ready again")
    _, metrics = v.get("/metrics")
    assert "vigie_redis_disconnects_total 1" in metrics
    assert "vigie_redis_connects_total 2" in metrics
    # The connection carries on: vigie's client name is registered on the new server.
    c = r.client()
    assert any("name=vigie:" in line for line in c.call("CLIENT", "LIST").splitlines())
    c.close()
    assert v.stop() == 0


def test_tcp_url_with_password_from_environment():
    r = Redis(tcp=True, password="s3cret-pw")
    v = Vigie(config(r.tcp_url, "password = env:VG_TEST_REDIS_PW\n"), env={"VG_TEST_REDIS_PW": "s3cret-pw"})
    v.wait_log(r"connected to redis://127\.0\.0\.1:\d+/0")
    assert "s3cret-pw" not in v.log(), "a secret reached the log"
    assert v.stop() == 0


def test_wrong_password_is_reported_and_retried():
    r = Redis(password="right")
    v = Vigie(config(r.url, "password = wrong\n"))
    v.wait_log(r"AUTH failed: .*(WRONGPASS|invalid)")
    assert v.get("/readyz")[0] == 503
    assert "wrong" not in " ".join(l for l in v.lines if "AUTH" not in l)
    assert v.stop() == 0


def test_silent_redis_is_detected_by_ping_watchdog():
    r = Redis()
    v = Vigie(config(r.url))
    v.wait_log(r"connected to unix:")
    n = len(v.lines)
    os.kill(r.proc.pid, signal.SIGSTOP)  # the socket stays open but nothing answers
    try:
        v.wait_log(r"cmd: .*no reply to PING within 1\.0s; reconnecting", timeout=10, start=n)
        assert v.get("/readyz")[0] == 503
    finally:
        os.kill(r.proc.pid, signal.SIGCONT)
    v.wait_log(r"cmd: reconnected to unix:", timeout=15, start=n)
    assert v.stop() == 0


def test_sigterm_while_redis_is_down_exits_zero():
    r = Redis()
    v = Vigie(config(r.url))
    v.wait_log(r"connected to unix:")
    r.kill()
    v.wait_log(r"lost connection")
    v.signal(signal.SIGTERM)
    assert v.wait_exit(15) == 0


def test_unreachable_at_start_then_comes_up():
    d = short_tmpdir()
    sock = os.path.join(d, "late.sock")
    v = Vigie(config(f"unix://{sock}"))
    v.wait_log(r"unreachable .*retrying in")
    assert v.get("/readyz")[0] == 503
    r = Redis()
    os.symlink(r.sock, sock)
    v.wait_log(r"connected to unix:", timeout=15)
    assert v.stop() == 0


if __name__ == "__main__":
    run_tests(dict(globals()))
