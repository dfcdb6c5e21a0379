"""vigie out of file descriptors: a flood of idle connections against a low descriptor limit
leaves a bounded number of log lines (not one per failed accept()), and /healthz answers
again once the flood has closed. At start, a soft limit below what the configured limits need
is raised; the systemd unit's LimitNOFILE covers the defaults."""
# ctest-labels: integration
import os
import re
import resource
import select
import socket
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import VIGIE, Redis, Vigie, run_tests, short_tmpdir, wait_until

BUILD = os.environ.get("VIGIE_BUILD_DIR") or os.path.dirname(VIGIE)


def get(addr, path="/healthz"):
    try:
        s = socket.create_connection(addr, timeout=5)
    except OSError:
        return None
    try:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: vigie\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        return int(data.split(b" ", 2)[1]) if data else None
    except (OSError, ValueError, IndexError):
        return None
    finally:
        s.close()


def test_descriptor_exhaustion_is_logged_once_and_recovers():
    r = Redis(appendonly=False)
    v = Vigie(f"""
[daemon]
state_dir = {short_tmpdir()}
[admin]
listen = 127.0.0.1:0
[redis]
url = {r.url}
""")
    m = re.match(r"http://([\d.]+):(\d+)", v.admin_url())
    addr = (m.group(1), int(m.group(2)))
    v.wait_log(r"connected to unix:")
    assert get(addr) == 200

    # A few descriptors above what vigie holds now (as `ulimit -n` would leave it).
    pid = v.proc.pid
    used = len(os.listdir(f"/proc/{pid}/fd"))
    resource.prlimit(pid, resource.RLIMIT_NOFILE, (used + 6, used + 6))
    n = len(v.lines)

    # Idle connections from many addresses (so no per-address share stops them first), far
    # more than the descriptors left.
    held = []
    for i in range(120):
        s = socket.socket()
        s.bind((f"127.0.1.{1 + i // 8}", 0))
        s.settimeout(10)
        s.connect(addr)
        held.append(s)
    v.wait_log(r"(?i)descriptors|too many open files", timeout=20, start=n)

    # Hold the flood until vigie has dealt with a good part of it (answered or closed).
    def handled():
        readable, _, _ = select.select(held, [], [], 0.1)
        return len(readable) >= 20
    wait_until(handled, 60, "vigie to answer or close 20 of the idle connections")
    for s in held:
        s.close()
    wait_until(lambda: get(addr) == 200, 30, "/healthz to answer after the flood")
    assert get(addr, "/readyz") == 200

    lines = v.lines[n:]
    print(f"     {len(lines)} log lines during the flood")
    assert len(lines) <= 20, "\n".join(lines[:40])
    assert v.stop() == 0


def test_low_soft_limit_is_raised_at_start():
    r = Redis(appendonly=False)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    # 2 x 64 admin connections + 3 x 64 fetches + 64
    need = 384
    if hard != resource.RLIM_INFINITY and hard < need:
        raise AssertionError(f"this machine's hard descriptor limit {hard} is below {need}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (100, hard))  # inherited by vigie
    try:
        v = Vigie(f"""
[daemon]
state_dir = {short_tmpdir()}
[admin]
listen = 127.0.0.1:0
[redis]
url = {r.url}
""")
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    v.wait_log(r"raised the file descriptor limit from 100 to 384")
    assert resource.prlimit(v.proc.pid, resource.RLIMIT_NOFILE)[0] == need
    assert v.stop() == 0


def test_unit_limit_covers_the_defaults():
    text = open(os.path.join(BUILD, "vigie.service")).read()
    m = re.search(r"(?m)^LimitNOFILE=(\d+)$", text)
    assert m, "the unit sets no LimitNOFILE"
    # vigie's 384 with the defaults, and the embedded redis-server's maxclients + 32
    assert int(m.group(1)) >= 10032, m.group(0)


if __name__ == "__main__":
    run_tests(dict(globals()))
