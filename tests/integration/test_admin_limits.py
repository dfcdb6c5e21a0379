"""The admin endpoint under hostile clients: a request head that never ends gets 431 (414 for
an endless request line) while vigie's memory stays put, a client trickling bytes is cut off
with 408 once the request time is over, connections past the caps get 503, and through all of
it /healthz keeps answering the clients that behave. The limits are the defaults the README
states: 8 KiB of request head, [admin] request_timeout = 10s, max_connections = 64,
max_per_address = 16."""
# ctest-labels: integration
import os
import re
import select
import signal
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import Redis, Vigie, run_tests, short_tmpdir, wait_until

MAX_CONNECTIONS = 64
PER_ADDRESS = 16


def start(extra=""):
    r = Redis(appendonly=False)
    v = Vigie(f"""
[daemon]
state_dir = {short_tmpdir()}
[admin]
listen = 127.0.0.1:0
{extra}
[redis]
url = {r.url}
""")
    m = re.match(r"http://([\d.]+):(\d+)", v.admin_url())
    return v, (m.group(1), int(m.group(2)))


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+) kB", f.read()).group(1))


def connect(addr, src="127.0.0.1"):
    s = socket.socket()
    s.bind((src, 0))
    s.connect(addr)
    return s


def read_response(s, timeout=20):
    """Reads until the server closes (or a whole response arrived); returns (status, head, body)."""
    s.settimeout(timeout)
    data = b""
    while True:
        try:
            chunk = s.recv(65536)
        except (ConnectionResetError, socket.timeout):
            break
        if not chunk:
            break
        data += chunk
        head, sep, body = data.partition(b"\r\n\r\n")
        m = re.search(rb"(?im)^content-length:\s*(\d+)", head)
        if sep and m and len(body) >= int(m.group(1)):
            break
    if not data:
        return None, "", ""
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, head.decode("latin-1"), body.decode("latin-1")


def get(addr, path="/healthz", src="127.0.0.1"):
    s = connect(addr, src)
    try:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: vigie\r\nConnection: close\r\n\r\n".encode())
        return read_response(s, 10)[0]
    except OSError:
        return None
    finally:
        s.close()


def flood(addr, first, filler, limit):
    """Sends `first`, then `filler` over and over (up to `limit` bytes) until the server
    answers; returns (bytes sent, status) with status None when it never answered."""
    s = connect(addr)
    s.sendall(first)
    s.setblocking(False)
    sent = 0
    try:
        while sent < limit:
            r, w, _ = select.select([s], [s], [], 15)
            if r or not w:
                break
            try:
                sent += s.send(filler)
            except BlockingIOError:
                continue
            except (BrokenPipeError, ConnectionResetError):
                break
        s.setblocking(True)
        return sent, read_response(s, 15)[0]
    finally:
        s.close()


def test_endless_header_lines_get_431_and_memory_stays_bounded():
    v, addr = start()
    assert get(addr) == 200
    before = rss_kib(v.proc.pid)
    line = b"X-Filler: " + b"a" * 90 + b"\r\n"
    sent, status = flood(addr, b"GET /healthz HTTP/1.1\r\nHost: vigie\r\n", line * 600, 48 << 20)
    grown = rss_kib(v.proc.pid) - before
    print(f"     sent {sent >> 10} KiB of header lines; answer {status}; RSS grew {grown} KiB")
    assert status == 431, status
    assert grown < 8 << 10, f"RSS grew by {grown} KiB"
    assert get(addr) == 200
    v.wait_log(r"\[admin\] .*431")
    assert v.stop() == 0


def test_endless_request_line_gets_414():
    v, addr = start()
    before = rss_kib(v.proc.pid)
    sent, status = flood(addr, b"GET /", b"a" * 65536, 16 << 20)
    grown = rss_kib(v.proc.pid) - before
    print(f"     sent {sent >> 10} KiB of request line; answer {status}; RSS grew {grown} KiB")
    assert status == 414, status
    assert grown < 8 << 10, f"RSS grew by {grown} KiB"
    assert get(addr) == 200
    assert v.stop() == 0


def test_trickling_client_is_cut_off_with_408():
    v, addr = start()
    s = connect(addr)
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: vigie\r\n")
    # One byte every 200 ms never leaves the connection idle, so an idle timeout would never
    # fire; the request time (10 s) must. Give up after 40 s.
    deadline = time.monotonic() + 40
    answered = False
    while time.monotonic() < deadline:
        r, _, _ = select.select([s], [], [], 0.2)
        if r:
            answered = True
            break
        try:
            s.send(b"x")
        except OSError:
            answered = True
            break
    assert answered, "still connected after 40 s of trickling"
    status, head, _ = read_response(s, 5)
    s.close()
    assert status == 408, status
    assert re.search(r"(?im)^connection: close", head), head
    assert get(addr) == 200
    assert v.stop() == 0


def test_connections_past_the_caps_get_503():
    v, addr = start()
    held = [connect(addr) for _ in range(PER_ADDRESS)]
    # Their accept happens in order: wait until vigie holds them all (a request on a further
    # connection from elsewhere is served).
    wait_until(lambda: get(addr, src="127.0.0.2") == 200, 10, "vigie to serve another address")
    assert get(addr) == 503, "one connection over the per-address share"
    # Other addresses still get served, up to the global cap.
    for i in range(MAX_CONNECTIONS - PER_ADDRESS):
        held.append(connect(addr, src=f"127.0.0.{3 + i // PER_ADDRESS}"))
    wait_until(lambda: get(addr, src="127.0.0.99") == 503, 10, "503 once the global cap is reached")
    status = get(addr, "/metrics", src="127.0.0.98")
    assert status == 503
    for s in held:
        s.close()
    wait_until(lambda: get(addr) == 200, 15, "/healthz served again once the connections closed")
    body = metrics(addr)
    m = re.search(r'vigie_admin_refused_total\{reason="busy"\} (\d+)', body)
    assert m and int(m.group(1)) >= 3, body
    assert v.stop() == 0


def test_limits_follow_a_reload():
    v, addr = start()
    with open(v.config_path) as f:
        text = f.read()
    with open(v.config_path, "w") as f:
        f.write(text.replace("listen = 127.0.0.1:0", "listen = 127.0.0.1:0\nmax_per_address = 1"))
    n = len(v.lines)
    v.signal(signal.SIGHUP)
    v.wait_log(r"reload: admin\.max_per_address = 1 \(was 16\)", start=n)
    held = connect(addr)
    wait_until(lambda: get(addr, src="127.0.0.2") == 200, 10, "vigie to serve another address")
    assert get(addr) == 503
    held.close()
    wait_until(lambda: get(addr) == 200, 15, "served again once the connection closed")
    assert v.stop() == 0


def metrics(addr):
    s = connect(addr)
    s.sendall(b"GET /metrics HTTP/1.1\r\nHost: vigie\r\nConnection: close\r\n\r\n")
    status, _, body = read_response(s, 10)
    s.close()
    assert status == 200
    return body


def test_keep_alive_and_methods():
    v, addr = start()
    # HEAD /readyz below is asked for its 200: a daemon just started answers 503 until Redis is
    # connected (slower on a loaded machine).
    wait_until(lambda: get(addr, "/readyz") == 200, 30, "ready")
    s = connect(addr)
    for _ in range(3):
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: vigie\r\n\r\n")
        status, head, body = read_response(s, 10)
        assert (status, body) == (200, "ok\n"), (status, body)
    s.sendall(b"HEAD /readyz HTTP/1.1\r\nHost: vigie\r\n\r\n")
    s.settimeout(10)
    head = b""
    while b"\r\n\r\n" not in head:
        head += s.recv(4096)
    assert head.startswith(b"HTTP/1.1 200"), head
    assert head.endswith(b"\r\n\r\n"), "HEAD has no body"
    # the web console is off by default: /ui says how to turn it on
    s.sendall(b"GET /ui/ HTTP/1.1\r\nHost: vigie\r\n\r\n")
    status, head, body = read_response(s, 10)
    assert status == 404 and "[console] listen" in body, (status, body)
    s.sendall(b"POST /healthz HTTP/1.1\r\nHost: vigie\r\nContent-Length: 3\r\n\r\nabc")
    status, head, _ = read_response(s, 10)
    assert status == 405 and re.search(r"(?im)^allow: GET, HEAD", head), head
    s.close()
    assert get(addr, "/nope") == 404
    assert get(addr, "/readyz?verbose=1") in (200, 503)
    s = connect(addr)
    s.sendall(b"not http at all\r\n\r\n")
    assert read_response(s, 10)[0] == 400
    s.close()
    assert v.stop() == 0


def read_to_end(s, timeout=15):
    """Everything the server sends until it closes the connection."""
    s.settimeout(timeout)
    data = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            return data
        data += chunk


def raw(addr, data, timeout=10):
    s = connect(addr)
    s.sendall(data)
    out = read_response(s, timeout)
    s.close()
    return out


def test_malformed_heads_and_connection_ends():
    v, addr = start("request_timeout = 2s")
    # A header line that starts with a CR, or a blank before a header's colon, is refused: it
    # must not hide the Content-Length that says a body follows (which would then be read as
    # the next request).
    smuggled = b"GET /nope HTTP/1.1\r\nHost: vigie\r\n\r\n"
    for line in (b"\rX: y\r\n", b"Content-Length : %d\r\n" % len(smuggled)):
        status, _, _ = raw(addr, b"GET /healthz HTTP/1.1\r\nHost: vigie\r\n" + line +
                           b"Content-Length: %d\r\n\r\n" % len(smuggled) + smuggled)
        assert status == 400, (line, status)
    # An error answering a HEAD has no body either.
    s = connect(addr)
    s.sendall(b"HEAD / HTTP/2.0\r\n\r\n")
    data = read_to_end(s)
    s.close()
    assert data.startswith(b"HTTP/1.1 505") and data.endswith(b"\r\n\r\n"), data
    # HTTP/1.0 is answered, then closed (its keep-alive would need announcing).
    status, head, _ = raw(addr, b"GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
    assert status == 200 and re.search(r"(?im)^connection: close", head), head
    # Blank lines left after a request are not an unfinished request: the idle connection
    # is closed without a 408.
    s = connect(addr)
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: vigie\r\n\r\n\r\n")
    assert read_response(s, 10)[0] == 200
    rest = read_to_end(s)
    s.close()
    assert rest == b"", rest
    assert v.stop() == 0


if __name__ == "__main__":
    run_tests(dict(globals()))
