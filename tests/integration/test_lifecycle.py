"""vigie run on its embedded Redis: start -> ready -> status, admin endpoint, systemd
notifications and watchdog, SIGHUP reload, SIGTERM -> exit 0 with the child stopped, and data
kept across restarts by the append-only file."""
# ctest-labels: integration
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import NotifySocket, RespClient, Vigie, pid_alive, run_tests, short_tmpdir, wait_until


def config(state, level="info", extra=""):
    return f"""
[daemon]
state_dir = {state}
housekeeping = 200ms
[log]
level = {level}
[admin]
listen = 127.0.0.1:0
{extra}
"""


def test_start_ready_status_and_stop():
    state = short_tmpdir()
    notify = NotifySocket()
    v = Vigie(config(state), notify=notify, env={"WATCHDOG_USEC": "1000000"})
    notify.wait_for("READY=1")
    assert notify.wait_for("STATUS=ready")
    # The watchdog is pinged from the housekeeping timer at half the interval.
    wait_until(lambda: notify.count("WATCHDOG=1") >= 2, 10, "two WATCHDOG=1 pings")

    assert v.get("/healthz") == (200, "ok\n")
    assert v.get("/readyz") == (200, "ready\n")
    code, metrics = v.get("/metrics")
    assert code == 200
    assert "# TYPE vigie_redis_up gauge" in metrics
    assert "vigie_redis_up 1" in metrics
    assert "vigie_ready 1" in metrics
    assert v.get("/nope")[0] == 404

    pid = int(v.wait_log(r"embedded redis-server \(pid (\d+)\)").group(1))
    assert pid_alive(pid)
    v.signal(signal.SIGTERM)
    assert v.wait_exit() == 0
    notify.wait_for("STOPPING=1")
    assert not pid_alive(pid), "embedded redis-server still running after vigie exited"
    assert "embedded redis-server stopped" in v.log()


def test_sigint_also_exits_zero():
    v = Vigie(config(short_tmpdir()))
    v.wait_log(r"ready in")
    v.signal(signal.SIGINT)
    assert v.wait_exit() == 0


def test_sighup_reload_applies_and_reports():
    state = short_tmpdir()
    notify = NotifySocket()
    v = Vigie(config(state), notify=notify)
    notify.wait_for("READY=1")
    n = len(v.lines)
    # A change that applies at run time, and one that needs a restart.
    with open(v.config_path, "w") as f:
        f.write(config(state, level="debug", extra="[redis]\nprefix = other:\n"))
    v.signal(signal.SIGHUP)
    v.wait_log(r"reload: log\.level = debug \(was info\)", start=n)
    v.wait_log(r"reload: redis\.prefix changed to other: but only takes effect after a restart; still using vigie:", start=n)
    v.wait_log(r"configuration reloaded from .*: 1 change\(s\) applied, 1 need a restart", start=n)
    notify.wait_for("RELOADING=1")

    # A broken file on reload keeps the running configuration and the daemon.
    n = len(v.lines)
    with open(v.config_path, "w") as f:
        f.write(config(state) + "[redis]\nbogus = 1\n")
    v.signal(signal.SIGHUP)
    v.wait_log(r"reload failed, keeping the running configuration: .*vigie\.conf:\d+: unknown key 'bogus' in section \[redis\]", start=n)
    assert v.get("/readyz")[0] == 200
    assert v.stop() == 0


def test_embedded_data_survives_restart():
    state = short_tmpdir()
    v = Vigie(config(state))
    v.wait_log(r"ready in")
    sock = os.path.join(state, "redis", "redis.sock")
    c = RespClient(unix=sock)
    assert c.call("SET", "vigie:test:kept", "yes") == "OK"
    c.close()
    assert v.stop() == 0

    v2 = Vigie(config(state))
    v2.wait_log(r"ready in")
    c = RespClient(unix=sock)
    assert c.call("GET", "vigie:test:kept") == "yes"
    assert c.call("CONFIG", "GET", "appendonly") == ["appendonly", "yes"]
    assert c.call("CONFIG", "GET", "port") == ["port", "0"], "embedded Redis must not listen on TCP"
    c.close()
    assert v2.stop() == 0


def test_once_prints_status_and_exits():
    state = short_tmpdir()
    v = Vigie(config(state), args=["--once"])
    assert v.wait_exit(30) == 0
    assert "one pass (--once)" in v.stdout
    assert "embedded redis-server 7." in v.stdout
    assert "append-only file on" in v.stdout
    pid = int(v.wait_log(r"embedded redis-server \(pid (\d+)\)").group(1))
    assert not pid_alive(pid)


def test_embedded_server_restarted_when_killed():
    state = short_tmpdir()
    v = Vigie(config(state))
    pid = int(v.wait_log(r"embedded redis-server \(pid (\d+)\)").group(1))
    v.wait_log(r"ready in")
    n = len(v.lines)
    os.kill(pid, signal.SIGKILL)
    v.wait_log(r"embedded redis-server was killed by signal 9; restarting", start=n)
    v.wait_log(r"cmd: reconnected to unix:", timeout=20, start=n)
    wait_until(lambda: v.get("/readyz")[0] == 200, 10, "ready again")
    code, metrics = v.get("/metrics")
    assert "vigie_redis_embedded_restarts_total 1" in metrics
    assert v.stop() == 0


def test_second_process_on_same_state_dir_is_refused():
    state = short_tmpdir()
    v = Vigie(config(state))
    v.wait_log(r"ready in")
    v2 = Vigie(config(state))
    assert v2.wait_exit() == 1
    assert "another vigie already runs the embedded Redis" in v2.log()
    assert v.get("/readyz")[0] == 200
    assert v.stop() == 0


def test_missing_redis_server_is_a_clear_error():
    v = Vigie(config(short_tmpdir(), extra="[redis]\nserver = /nonexistent/redis-server\n"))
    assert v.wait_exit() == 1
    assert "apt-get install redis-server" in v.log()


def test_admin_on_unix_socket():
    d = short_tmpdir()
    sock = os.path.join(d, "admin.sock")
    v = Vigie(config(d).replace("listen = 127.0.0.1:0", f"listen = unix:{sock}"))
    v.wait_log(r"ready in")
    import socket as s
    c = s.socket(s.AF_UNIX)
    c.settimeout(5)
    c.connect(sock)
    c.sendall(b"GET /readyz HTTP/1.0\r\n\r\n")
    data = b""
    while True:
        chunk = c.recv(4096)
        if not chunk:
            break
        data += chunk
    assert data.startswith(b"HTTP/1.0 200") or data.startswith(b"HTTP/1.1 200"), data
    assert data.endswith(b"ready\n")
    assert v.stop() == 0
    assert not os.path.exists(sock)


if __name__ == "__main__":
    run_tests(dict(globals()))
