"""Helpers shared by the CRM stand-ins' tests: start a stand-in and talk to its control API.

A stand-in is a python3 script that prints "PORT <n>" as its first stdout line once it listens
on 127.0.0.1, then serves until killed, and answers JSON under /__standin/ (state, config,
reset, and what each stand-in adds). Every stand-in started here is killed when the test
process exits."""

import atexit
import json
import os
import select
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
_procs = []


def _cleanup():
    for p in _procs:
        stop_standin(p)


atexit.register(_cleanup)


def start_standin(script, *args, timeout=15):
    """Starts script (a path, or a file name in this directory) with args; returns (process,
    port) once it printed its PORT line. Its stderr goes to a file (a pipe nobody reads could
    fill and stall it): a stand-in that does not start raises with that stderr, and
    stop_standin copies it to the test's stderr, so a stand-in's traceback shows in the test
    output."""
    path = script if os.path.isabs(script) or os.path.exists(script) else os.path.join(HERE, script)
    err = tempfile.TemporaryFile(mode="w+")
    proc = subprocess.Popen([sys.executable, "-B", path] + [str(a) for a in args],
                            stdout=subprocess.PIPE, stderr=err, text=True)
    proc.stderr_file = err
    _procs.append(proc)
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    line = proc.stdout.readline() if ready else ""
    if not line.startswith("PORT "):
        stop_standin(proc, relay=False)
        raise RuntimeError("stand-in %s did not start (stdout %r):\n%s"
                           % (os.path.basename(path), line, proc.stderr_text))
    return proc, int(line.split()[1])


def stop_standin(proc, relay=True):
    """Kills the stand-in; what it wrote on stderr is then in proc.stderr_text (and on the
    test's stderr when relay is set)."""
    if proc.poll() is None:
        proc.kill()
        proc.wait(5)
    if proc.stdout and not proc.stdout.closed:
        proc.stdout.close()
    err = getattr(proc, "stderr_file", None)
    if err is not None and not err.closed:
        err.seek(0)
        proc.stderr_text = err.read()
        err.close()
        if relay and proc.stderr_text:
            sys.stderr.write(proc.stderr_text)


def control(port, method, path, body=None, timeout=10):
    """A JSON request to the stand-in's control API (path below /__standin/)."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request("http://127.0.0.1:%d/__standin/%s" % (port, path.lstrip("/")),
                                 data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        raise AssertionError("control %s %s: %d %s" % (method, path, e.code, e.read()))


def standin_state(port, requests=True):
    return control(port, "GET", "state" if requests else "state?requests=0")


def standin_config(port, **kw):
    return control(port, "POST", "config", kw)


def standin_reset(port):
    return control(port, "POST", "reset", {})
