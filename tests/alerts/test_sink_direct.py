# ctest-labels: integration alerts
"""The sink core's direct mode (what `vigie alerts test` delivers through), with a sink type of
the test's own (tests/alerts/tool_sink_direct.c) against a real HTTP server on loopback: every
record is sent once, now, whatever the rate budget (there is no Redis at all), whatever marks
say, whatever a 401 pause says about the others; the caller hears every answer and every
outcome; a RETRY is not tried again."""
import http.server
import json
import os
import subprocess
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from harness import run_tests  # noqa: E402

TOOL = os.path.join(os.environ.get("VIGIE_TEST_BIN_DIR") or os.path.join(os.path.dirname(__file__), "../../build/tests"),
                    "tool_sink_direct")

ANSWERS = {
    "ok1": (200, b'{"ok":true}', {}),
    "ok2": (202, b"accepted", {}),
    "busy": (503, b"try later", {}),
    "slow": (429, b"rate limited", {"Retry-After": "7"}),
    "bad": (400, b"invalid_blocks: text too long", {}),
    "token": (401, b"invalid_auth", {}),
}


class Receiver:
    def __init__(self):
        self.got = []
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n)
                name = self.path.strip("/")
                outer.got.append((name, json.loads(body)))
                status, out, headers = ANSWERS[name]
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def log_message(self, *a):
                pass

        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.srv.server_address[1]}"


def run(base, *paths):
    r = subprocess.run([TOOL, base] + list(paths), capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, (r.returncode, r.stdout, r.stderr)
    events = [json.loads(line) for line in r.stdout.splitlines()]
    return events, r.stderr


def test_every_record_sent_once_and_reported():
    rx = Receiver()
    names = ["ok1", "busy", "slow", "bad", "token", "ok2"]
    events, _ = run(rx.base, *names)
    # each record went out exactly once, with the record as its body: marks read as absent (no
    # record skipped as delivered before), a RETRY not tried again, the 401's pause did not
    # hold back the records after it, and the rate budget of 1 a minute did not either
    assert sorted(n for n, _ in rx.got) == sorted(names), rx.got
    assert all(body["id"] == n for n, body in rx.got)
    responses = {e["url"].rsplit("/", 1)[1]: e for e in events if e["event"] == "response"}
    assert set(responses) == set(names)
    assert responses["ok1"]["status"] == 200 and responses["ok1"]["body"] == '{"ok":true}'
    assert responses["busy"]["status"] == 503 and responses["busy"]["body"] == "try later"
    assert responses["bad"]["status"] == 400 and "text too long" in responses["bad"]["body"]
    assert all(e["method"] == "POST" for e in responses.values())
    outcomes = {e["id"]: e for e in events if e["event"] == "outcome"}
    assert {k: v["outcome"] for k, v in outcomes.items()} == {
        "ok1": "OK", "ok2": "OK", "busy": "RETRY", "slow": "RETRY", "bad": "DROP", "token": "RETRY"}, outcomes
    assert outcomes["slow"]["retry_after_ms"] == 7000
    assert outcomes["bad"]["reason"] == "HTTP 400: invalid_blocks: text too long"
    assert "401" in outcomes["token"]["reason"]
    # each answer is reported before the outcome it led to
    order = [(e["event"], e.get("id") or e["url"].rsplit("/", 1)[1]) for e in events if e["event"] != "done"]
    for n in names:
        assert order.index(("response", n)) < order.index(("outcome", n))
    done = events[-1]
    assert done["event"] == "done" and done["requests"] == 6 and done["delivered"] == 2, done
    assert done["in_hand"] == 0 and done["sink_queue_null"] == 1, done


def test_a_receiver_that_does_not_answer_is_reported():
    # a port nothing listens on: the answer is an error, no status, and the record a RETRY
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    events, _ = run(f"http://127.0.0.1:{port}", "ok1")
    resp = next(e for e in events if e["event"] == "response")
    assert resp["status"] == 0 and resp["error"], resp
    out = next(e for e in events if e["event"] == "outcome")
    assert out["outcome"] == "RETRY", out


if __name__ == "__main__":
    run_tests(globals())
