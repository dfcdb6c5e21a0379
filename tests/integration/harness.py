"""Integration-test harness: real redis-server and real `vigie` processes.

Everything here starts real processes and cleans them up: every child is killed at exit even
when a test fails. Waits are bounded polls on an observable condition (a log line, a socket
answering, a process exiting) — never fixed sleeps.
"""
import atexit
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.request

VIGIE = os.environ.get("VIGIE_BIN") or os.path.join(os.path.dirname(__file__), "../../build/vigie")
SOURCE_DIR = os.environ.get("VIGIE_SOURCE_DIR") or os.path.abspath(os.path.join(os.path.dirname(__file__), "../.."))
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"

_children = []


def _cleanup():
    for p in _children:
        if p.poll() is None:
            try:
                p.kill()
                p.wait(5)
            except Exception:
                pass


atexit.register(_cleanup)


def wait_until(cond, timeout=10.0, what="condition", interval=0.02):
    """Polls cond() until it returns a truthy value; fails the test after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def short_tmpdir(prefix="vg"):
    """A short directory under /tmp: unix socket paths are limited to 107 bytes."""
    d = tempfile.mkdtemp(prefix=prefix, dir="/tmp")
    atexit.register(shutil.rmtree, d, True)
    return d


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# ---- a minimal RESP client, to look at Redis from outside vigie ------------------------

class RespClient:
    def __init__(self, unix=None, port=None, password=None, timeout=5):
        if unix:
            self.s = socket.socket(socket.AF_UNIX)
            self.s.settimeout(timeout)
            self.s.connect(unix)
        else:
            self.s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""
        if password:
            self.call("AUTH", password)

    def close(self):
        self.s.close()

    def _line(self):
        while b"\r\n" not in self.buf:
            chunk = self.s.recv(65536)
            if not chunk:
                raise ConnectionError("redis closed the connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _read(self):
        line = self._line()
        t, rest = line[:1], line[1:]
        if t == b"+":
            return rest.decode()
        if t == b"-":
            raise RuntimeError(rest.decode())
        if t == b":":
            return int(rest)
        if t == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                chunk = self.s.recv(65536)
                if not chunk:
                    raise ConnectionError("redis closed the connection")
                self.buf += chunk
            data, self.buf = self.buf[:n], self.buf[n + 2:]
            return data.decode("utf-8", "replace")
        if t == b"*":
            n = int(rest)
            return None if n < 0 else [self._read() for _ in range(n)]
        raise RuntimeError(f"bad RESP: {line!r}")

    def call(self, *args):
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        self.s.sendall(out)
        return self._read()


# ---- redis-server -------------------------------------------------------------------

class Redis:
    """A redis-server of the test's own: unix socket (and a TCP port if tcp=True)."""

    def __init__(self, tcp=False, password=None, appendonly=True):
        self.dir = short_tmpdir("vgr")
        self.sock = os.path.join(self.dir, "r.sock")
        self.port = free_port() if tcp else 0
        self.password = password
        conf = [f"port {self.port}", f"unixsocket {self.sock}", "unixsocketperm 700",
                f"dir {self.dir}", "save \"\"", f"appendonly {'yes' if appendonly else 'no'}",
                "logfile redis.log", "bind 127.0.0.1"]
        if password:
            conf.append(f"requirepass {password}")
        with open(os.path.join(self.dir, "redis.conf"), "w") as f:
            f.write("\n".join(conf) + "\n")
        self.proc = None
        self.start()

    @property
    def url(self):
        return f"unix://{self.sock}"

    @property
    def tcp_url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.proc = subprocess.Popen([REDIS_SERVER, os.path.join(self.dir, "redis.conf")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _children.append(self.proc)
        wait_until(self._answers, 10, "redis-server to answer")

    def _answers(self):
        try:
            c = RespClient(unix=self.sock, password=self.password, timeout=1)
            ok = c.call("PING") == "PONG"
            c.close()
            return ok
        except (OSError, RuntimeError, ConnectionError):
            return False

    def client(self):
        return RespClient(unix=self.sock, password=self.password)

    def kill(self):
        self.proc.kill()
        self.proc.wait(10)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


# ---- feed server -----------------------------------------------------------------------

class FeedServer:
    """feed_server.py in a child process: generated RSS feeds on loopback."""

    def __init__(self):
        self.proc = subprocess.Popen([sys.executable, os.path.join(os.path.dirname(__file__), "feed_server.py")],
                                     stdout=subprocess.PIPE, text=True)
        _children.append(self.proc)
        line = self.proc.stdout.readline()
        assert line.startswith("PORT "), line
        self.port = int(line.split()[1])
        self.base = f"http://127.0.0.1:{self.port}"

    def get(self, path):
        with urllib.request.urlopen(self.base + path, timeout=10) as r:
            return r.read().decode()

    def hits(self):
        import json
        return json.loads(self.get("/_hits"))


# ---- sd_notify receiver -------------------------------------------------------------

class NotifySocket:
    """Plays systemd's part: receives sd_notify datagrams (READY=1, STATUS=..., ...)."""

    def __init__(self):
        self.path = os.path.join(short_tmpdir("vgn"), "notify")
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.s.bind(self.path)
        self.s.settimeout(0.05)
        self.messages = []

    def _drain(self):
        while True:
            try:
                data = self.s.recv(4096)
            except (socket.timeout, BlockingIOError):
                return
            self.messages.extend(data.decode().split("\n"))

    def wait_for(self, prefix, timeout=10):
        def seen():
            self._drain()
            return next((m for m in self.messages if m.startswith(prefix)), None)
        return wait_until(seen, timeout, f"sd_notify {prefix}")

    def count(self, prefix):
        self._drain()
        return sum(1 for m in self.messages if m.startswith(prefix))


# ---- vigie ---------------------------------------------------------------------------

class Vigie:
    """A `vigie run` process; its stderr is collected line by line."""

    def __init__(self, config_text=None, args=None, env=None, config_path=None, notify=None):
        self.dir = short_tmpdir("vgv")
        if config_text is not None:
            config_path = os.path.join(self.dir, "vigie.conf")
            with open(config_path, "w") as f:
                f.write(config_text)
        self.config_path = config_path
        cmd = [VIGIE, "run"] + (["-c", config_path] if config_path else []) + (args or [])
        e = dict(os.environ)
        e.pop("NOTIFY_SOCKET", None)
        if notify:
            e["NOTIFY_SOCKET"] = notify.path
        e.update(env or {})
        self.lines = []
        self.stdout = ""
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=e, text=True)
        _children.append(self.proc)
        self._t_err = threading.Thread(target=self._read_err, daemon=True)
        self._t_err.start()
        self._t_out = threading.Thread(target=self._read_out, daemon=True)
        self._t_out.start()

    def _read_err(self):
        for line in self.proc.stderr:
            self.lines.append(line.rstrip("\n"))
            if os.environ.get("VIGIE_TEST_VERBOSE"):
                sys.stderr.write("  vigie| " + line)

    def _read_out(self):
        self.stdout = self.proc.stdout.read()

    def log(self):
        return "\n".join(self.lines)

    def wait_log(self, pattern, timeout=10, start=0):
        """Waits for a stderr line matching the regex; returns the match."""
        rx = re.compile(pattern)

        def found():
            for line in self.lines[start:]:
                m = rx.search(line)
                if m:
                    return m
            return None
        try:
            return wait_until(found, timeout, f"log line /{pattern}/")
        except AssertionError:
            sys.stderr.write("---- vigie stderr ----\n" + self.log() + "\n")
            raise

    def admin_url(self, timeout=10):
        return self.wait_log(r"admin endpoint on (http://\S+)", timeout).group(1)

    def get(self, path, timeout=5):
        """GET on the admin endpoint: (status, body)."""
        try:
            with urllib.request.urlopen(self.admin_url() + path, timeout=timeout) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def signal(self, sig):
        self.proc.send_signal(sig)

    def wait_exit(self, timeout=20):
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            sys.stderr.write("---- vigie stderr ----\n" + self.log() + "\n")
            raise AssertionError(f"vigie did not exit within {timeout}s")
        self._t_err.join(5)
        self._t_out.join(5)
        return rc

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            return self.wait_exit()
        return self.proc.returncode


def function_library():
    """The text of the "vigie" Redis function library, as the build embeds it: the files of
    queue/lua/ joined in the order CMakeLists.txt's `vigie_library` lists them."""
    with open(os.path.join(SOURCE_DIR, "CMakeLists.txt")) as f:
        parts = re.search(r"set\(vigie_library ([\w+]+)\)", f.read()).group(1).split("+")
    text = ""
    for p in parts:
        with open(os.path.join(SOURCE_DIR, "queue", "lua", p + ".lua")) as f:
            text += f.read()
    return text


def daemon_config(dir, redis_url, instance="t1", state_dir=None, daemon_extra=""):
    """The [daemon], [redis] and [admin] sections most daemon tests start their file with: the
    test's redis, quick housekeeping and reconnections, an admin port of the system's choice.
    The caller appends the sections under test."""
    return f"""[daemon]
instance = {instance}
state_dir = {state_dir or os.path.join(dir, "state")}
housekeeping = 200ms
shutdown_timeout = 20s
{daemon_extra}
[redis]
url = {redis_url}
connect_timeout = 1s
ping_interval = 200ms
backoff_max = 500ms
[admin]
listen = 127.0.0.1:0
"""


def run_vigie(args, env=None, timeout=60, input=None):
    """Runs a short vigie command; returns CompletedProcess (text)."""
    e = dict(os.environ)
    e.pop("NOTIFY_SOCKET", None)
    e.update(env or {})
    return subprocess.run([VIGIE] + args, capture_output=True, text=True, env=e, timeout=timeout, input=input)


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is as good as gone: its parent has not reaped it yet.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


# ---- a tiny test runner ----------------------------------------------------------------

def run_tests(namespace):
    """Runs every function named test_* in namespace; prints a summary line ctest can read."""
    tests = [(n, f) for n, f in namespace.items() if n.startswith("test_") and callable(f)]
    failed = 0
    for name, fn in tests:
        t0 = time.monotonic()
        try:
            fn()
            print(f"ok   {name} ({time.monotonic() - t0:.1f}s)", flush=True)
        except Exception:
            failed += 1
            print(f"FAIL {name}", flush=True)
            traceback.print_exc()
        finally:
            _cleanup()
            _children.clear()
    print(f"{len(tests) - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
