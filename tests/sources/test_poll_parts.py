# ctest-labels: integration sources
"""The poller's side of the company sources (issue 15), end to end with a real redis-server, a
loopback HTTP server and `vigie run`: the program is tests/sources/tool_vigie_parts, vigie with
one more kind ("parts") that only tests know, since the company kinds are written elsewhere.

- A multi-part poll: the kind's plan names three further URLs; each is fetched and handed to
  the kind with its status (200, and a 404 and a 500 the kind reads as answers), the account
  the source is tied to reaches the kind, and every request (first and parts) carries the
  configured User-Agent and the API key as HTTP Basic, and takes one token of the kind's
  budget in Redis; parts weighing 256 KiB together are parsed on a worker thread alike.
- A part answered 429 or 503 with Retry-After fails the whole poll (no items) and the next
  poll waits the Retry-After; a part whose server is unreachable fails the poll as `connect`.
- A plan that fails fails the poll as `parse`; one naming more than 8 parts as `internal`.
- A kind that needs a User-Agent fails its polls as `options` while [sources] user_agent is
  unset, without a request; check-config refuses a user_agent without a contact address and a
  rate that is not N/DURATION, naming the option."""
import base64
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOOL = os.path.join(os.environ.get("VIGIE_TEST_BIN_DIR", os.path.join(os.path.dirname(__file__), "../../build/tests")),
                    "tool_vigie_parts")
os.environ["VIGIE_BIN"] = TOOL  # the harness runs it as vigie
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from harness import Redis, Vigie, free_port, run_tests, run_vigie, short_tmpdir, wait_until  # noqa: E402

UA = "Acme Sales Ops ops@acme.example"
KEY = "k3y-s3cret"


class Api:
    """Answers GET /list/NAME with the lines set for NAME (the kind's plan) and /p/NAME with
    the (status, body, headers) set for it; records every request with its headers."""

    def __init__(self, host="127.0.0.1"):
        self.routes = {}
        self.log = []
        api = self

        class H(BaseHTTPRequestHandler):
            def do_GET(self):
                api.log.append({"t": time.monotonic(), "path": self.path,
                                "ua": self.headers.get("User-Agent"),
                                "auth": self.headers.get("Authorization")})
                status, body, headers = api.routes.get(self.path, (404, "not here", {}))
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(data)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *a):
                pass

        self.srv = ThreadingHTTPServer((host, 0), H)
        self.base = f"http://{host}:{self.srv.server_address[1]}"
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def plan(self, name, *urls):
        self.routes[f"/list/{name}"] = (200, "\n".join(urls) + "\n", {})

    def part(self, name, status, body, **headers):
        self.routes[f"/p/{name}"] = (status, body, {k.replace("_", "-"): v for k, v in headers.items()})
        return f"{self.base}/p/{name}"


def config(redis, sources_extra):
    d = short_tmpdir()
    conf = os.path.join(d, "vigie.conf")
    with open(conf, "w") as f:
        f.write(f"""[redis]
url = {redis.url}
[admin]
listen = 127.0.0.1:0
[daemon]
housekeeping = 200ms
state_dir = {d}/state
[fetch]
allow_private = 127.0.0.0/8
per_host_delay = 0
recent_window = 1d
[sources]
automatic = no
{sources_extra}
""")
    return conf


def add(conf, api, name, account=None):
    args = ["sources", "-c", conf, "add", f"{api.base}/list/{name}", "--id", name, "--kind", "parts",
            "--interval", "1h"]
    if account:
        args += ["--account", account]
    r = run_vigie(args)
    assert r.returncode == 0, r.stderr


def sources(conf):
    r = run_vigie(["sources", "-c", conf, "list", "--json"])
    assert r.returncode == 0, r.stderr
    return {s["id"]: s for s in map(json.loads, r.stdout.splitlines())}


def items(c):
    return [json.loads(f[1]) for _, f in c.call("XRANGE", "vigie:items", "-", "+")]


def run_once(conf):
    v = Vigie(config_path=conf, args=["--once"])
    rc = v.wait_exit(60)
    assert rc == 0, v.log()
    return v


def test_multi_part_poll_hands_every_part_to_the_kind():
    r, api = Redis(), Api()
    conf = config(r, f'user_agent = {UA}\nuk_company_key = {KEY}')
    api.plan("mp", api.part("ok", 200, "hello"), api.part("none", 404, "no such company"),
             api.part("boom", 500, "oops"))
    add(conf, api, "mp", account="acme")
    # Parts of 256 KiB and more together are parsed on a worker thread: the same outcome.
    api.plan("big", api.part("big1", 200, "a" * 200_000), api.part("big2", 200, "b" * 100_000))
    add(conf, api, "big")
    v = run_once(conf)
    s = sources(conf)
    assert s["mp"]["error_kind"] is None and s["mp"]["last_ok_ms"] > 0, s
    assert s["big"]["error_kind"] is None and s["big"]["last_ok_ms"] > 0, s
    big = sorted(i["title"] for i in items(r.client()) if i["source_id"] == "big")
    assert big == ["first: account -, 2 part(s)", "part 1: status 200, body " + "a" * 80,
                   "part 2: status 200, body " + "b" * 80], big
    api.log = [x for x in api.log if "big" not in x["path"]]
    titles = sorted(i["title"] for i in items(r.client()) if i["source_id"] == "mp")
    assert titles == ["first: account acme, 3 part(s)", "part 1: status 200, body hello",
                      "part 2: status 404, body no such company", "part 3: status 500, body oops"], titles
    # Every request, in the plan's order, with the declared User-Agent and the key as Basic.
    assert [x["path"] for x in api.log] == ["/list/mp", "/p/ok", "/p/none", "/p/boom"], api.log
    basic = "Basic " + base64.b64encode((KEY + ":").encode()).decode()
    assert all(x["ua"] == UA and x["auth"] == basic for x in api.log), api.log
    # One token of the kind's budget per request, in Redis for every process to see.
    assert r.client().call("ZCARD", "vigie:budget:api:parts") == 4 + 3


def test_part_answering_429_or_503_fails_the_poll_and_its_retry_after_holds():
    # A host each: the HTTP client holds a host (not a port) that answered 429 or 503 for its
    # Retry-After, so the others would wait behind it.
    r, busy_api, down_api, gone_api = Redis(), Api("127.0.0.1"), Api("127.0.0.2"), Api("127.0.0.3")
    conf = config(r, f'user_agent = {UA}\nuk_company_key = {KEY}')
    busy_api.plan("busy", busy_api.part("ok", 200, "hello"), busy_api.part("busy", 429, "slow down", Retry_After="300"))
    down_api.plan("down", down_api.part("down", 503, "maintenance", Retry_After="200"), down_api.part("ok", 200, "hello"))
    closed = free_port()
    gone_api.plan("gone", gone_api.part("ok", 200, "hello"), f"http://127.0.0.3:{closed}/x")
    add(conf, busy_api, "busy")
    add(conf, down_api, "down")
    add(conf, gone_api, "gone")
    run_once(conf)
    s = sources(conf)
    busy, down, gone = s["busy"], s["down"], s["gone"]
    assert busy["error_kind"] == "http_status" and "HTTP 429" in busy["last_error"], busy
    assert f"{busy_api.base}/p/busy" in busy["last_error"], busy
    assert busy["next_due_ms"] - busy["last_attempt_ms"] >= 299_000, busy
    assert down["error_kind"] == "http_status" and "HTTP 503" in down["last_error"], down
    assert down["next_due_ms"] - down["last_attempt_ms"] >= 199_000, down
    # The part after the 503 was not asked for: the API said to wait.
    assert [x["path"] for x in down_api.log] == ["/list/down", "/p/down"], down_api.log
    assert gone["error_kind"] == "connect", gone
    # A failed poll hands nothing on: the kind never sees half a poll.
    assert items(r.client()) == []


def test_plan_failing_or_naming_too_many_parts_fails_the_poll():
    r, api = Redis(), Api()
    conf = config(r, f'user_agent = {UA}\nuk_company_key = {KEY}')
    api.routes["/list/pf"] = (200, "PLANFAIL\n", {})
    api.plan("many", *[api.part(f"p{i}", 200, "x") for i in range(9)])
    add(conf, api, "pf")
    add(conf, api, "many")
    run_once(conf)
    s = sources(conf)
    assert s["pf"]["error_kind"] == "parse" and s["pf"]["last_error"] == "the plan was refused", s["pf"]
    assert s["many"]["error_kind"] == "internal" and "at most 8" in s["many"]["last_error"], s["many"]
    assert sorted(x["path"] for x in api.log) == ["/list/many", "/list/pf"], api.log
    assert items(r.client()) == []


def test_kind_needing_a_user_agent_fails_its_polls_without_one():
    r, api = Redis(), Api()
    conf = config(r, f"uk_company_key = {KEY}")
    api.plan("mp", api.part("ok", 200, "hello"))
    add(conf, api, "mp")
    run_once(conf)
    s = sources(conf)["mp"]
    assert s["error_kind"] == "options", s
    # the message names the kind (the SEC's own kind says "SEC EDGAR")
    assert s["last_error"] == ("[sources] user_agent is not set: parts requires a User-Agent with a "
                               "contact address"), s
    assert api.log == []  # nothing was sent
    conf = config(r, f"user_agent = {UA}")
    run_vigie(["sources", "-c", conf, "rm", "mp"])
    add(conf, api, "mp")
    run_once(conf)
    s = sources(conf)["mp"]
    assert s["error_kind"] == "options" and "uk_company_key is not set" in s["last_error"], s
    assert KEY not in json.dumps(s)


def test_check_config_refuses_bad_sources_options():
    r = Redis()
    for extra, want in [("user_agent = Acme Sales Ops", "[sources] user_agent"),
                        ("fr_company_rate = 7 per second", "[sources] fr_company_rate: expected N/DURATION"),
                        ("feed_rate = 0/1s", "[sources] feed_rate: expected N/DURATION"),
                        ("uk_company_rate = 600/", "[sources] uk_company_rate: expected N/DURATION")]:
        conf = config(r, extra)
        p = run_vigie(["check-config", "-c", conf])
        assert p.returncode != 0 and want in p.stderr, (extra, p.returncode, p.stderr)
        assert "key 'sources." in p.stderr, p.stderr
    for extra in ["user_agent = Acme Sales Ops ops@acme.example", "feed_rate = 60/1m",
                  "fr_company_rate =", "sec_edgar_rate = 10/s"]:
        conf = config(r, extra)
        p = run_vigie(["check-config", "-c", conf])
        assert p.returncode == 0, (extra, p.stderr)


if __name__ == "__main__":
    run_tests(globals())
