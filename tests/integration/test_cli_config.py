"""The command line and the configuration file as a user meets them: bad configuration is an
error naming file, line and key with a non-zero exit; check-config prints the effective
settings and never a secret; secrets come from env:, file: and credential:; help lists the
options from the same table the parser uses."""
# ctest-labels: integration
import json
import os
import re
import shutil
import signal
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import SOURCE_DIR, Vigie, run_tests, run_vigie, short_tmpdir, wait_until


def write(text):
    path = os.path.join(short_tmpdir(), "vigie.conf")
    with open(path, "w") as f:
        f.write(text)
    return path


def check(text, env=None):
    p = write(text)
    return p, run_vigie(["check-config", "-c", p], env=env)


def test_unknown_key_names_file_line_and_key():
    p, r = check("[redis]\nurl = embedded\n\n# comment\nprefx = x:\n")
    assert r.returncode == 1
    assert f"{p}:5: unknown key 'prefx' in section [redis]" in r.stderr


def test_unknown_section():
    p, r = check("[log]\nlevel = info\n[redsi]\nurl = x\n")
    assert r.returncode == 1
    assert f"{p}:4: unknown section [redsi] (key 'url')" in r.stderr


def test_bad_values_are_explained():
    cases = [
        ("[daemon]\nshutdown_timeout = soon\n", ":2: key 'daemon.shutdown_timeout': 'soon' is not a duration"),
        ("[daemon]\nshutdown_timeout = 1h\n", ":2: key 'daemon.shutdown_timeout': '1h' is out of range (1s to 5m)"),
        ("[log]\nlevel = loud\n", ":2: key 'log.level': 'loud' is not one of error|warning|notice|info|debug"),
        ("[log]\nlevel = info\nthis is not ini\n", ":3: syntax error"),
    ]
    for text, expect in cases:
        p, r = check(text)
        assert r.returncode == 1, text
        assert p + expect in r.stderr, (expect, r.stderr)


def test_check_config_refuses_what_run_would_refuse():
    # Each value used to pass check-config and stop `vigie run` later, without a line.
    cases = [
        ("[fetch]\nallow_private = 999.0.0.0/8\n", "key 'fetch.allow_private': '999.0.0.0/8' is not an address or CIDR"),
        ("[fetch]\nallow_private = 127.0.0.0/8, 10.0.0.0/33\n", "key 'fetch.allow_private': '10.0.0.0/33' has a prefix longer than /32"),
        ("[admin]\nlisten = 127.0.0.1:99999\n", "key 'admin.listen': '127.0.0.1:99999': the port must be a number from 0 to 65535"),
        ("[admin]\nlisten = localhost\n", "key 'admin.listen': 'localhost' is not HOST:PORT, unix:PATH or off"),
        ("[redis]\nurl = redis://localhost:99999/0\n", "key 'redis.url': bad port in Redis URL"),
        ("[redis]\nurl = http://redis.internal:6379\n", "key 'redis.url': Redis URL must start with redis://"),
        ("[fetch]\nnews_search = ftp://news.example/{name}\n", "key 'fetch.news_search': 'ftp://news.example/{name}' must start with http:// or https://"),
        ("[fetch]\nnews_search = https://news.example/rss\n", "key 'fetch.news_search': 'https://news.example/rss' holds neither {name} nor {id}"),
        ("[fetch]\nuser_agent = bot\x01\n", "key 'fetch.user_agent': control character (0x01) in the value"),
        ("[enrich]\nrules = /nonexistent/rules\n", "key 'enrich.rules': '/nonexistent/rules' is not a directory (it does not exist)"),
    ]
    for text, expect in cases:
        p, r = check("[daemon]\nhousekeeping = 1s\n\n" + text)
        assert r.returncode == 1, (text, r.stdout)
        assert f"{p}:5: {expect}" in r.stderr, (expect, r.stderr)
        r = run_vigie(["run", "-c", p, "--once"], timeout=30)
        assert r.returncode == 1 and f"{p}:5: {expect}" in r.stderr, (expect, r.stderr)
        assert "redis-server" not in r.stderr  # refused before anything started


def test_good_values_of_the_new_checks_pass():
    p, r = check("[admin]\nlisten = [::1]:0\n[redis]\nurl = unix:///run/redis/redis.sock?db=2\n"
                 "[fetch]\nallow_private = 127.0.0.0/8 ::1, 10.1.0.0/16\n"
                 "news_search = https://news.example/rss?q=%22{name}%22\n")
    assert r.returncode == 0, r.stderr
    assert r.stderr == "", r.stderr
    p, r = check("[admin]\nlisten = unix:/run/vigie/admin.sock\n")
    assert r.returncode == 0 and r.stderr == "", r.stderr
    p, r = check("[admin]\nlisten = off\n")
    assert r.returncode == 0 and r.stderr == "", r.stderr


def test_risky_settings_are_warned_about_not_refused():
    p, r = check("[admin]\nlisten = 0.0.0.0:9746\n[fetch]\nallow_private = 0.0.0.0/0\n")
    assert r.returncode == 0, r.stderr
    assert f"vigie: warning: {p}:2: admin.listen = 0.0.0.0:9746 serves the admin endpoint without authentication" in r.stderr
    assert f"vigie: warning: {p}:4: fetch.allow_private = 0.0.0.0/0 opens every private address" in r.stderr
    p, r = check("[admin]\nlisten = [::]:9746\n[fetch]\nallow_private = 169.254.0.0/16\n")
    assert r.returncode == 0 and r.stderr.count("warning") == 2, r.stderr
    assert "admits 169.254.169.254, the cloud metadata endpoint" in r.stderr
    p, r = check("[admin]\nlisten = 127.0.0.1:9746\n[fetch]\nallow_private = 127.0.0.0/8\n")
    assert r.returncode == 0 and "warning" not in r.stderr, r.stderr

    # `vigie run` says the same in its log.
    state = short_tmpdir()
    v = Vigie(f"[daemon]\nstate_dir = {state}\n[admin]\nlisten = 0.0.0.0:0\n")
    v.wait_log(r"warning.*\[config\] .*vigie\.conf:4: admin\.listen = 0\.0\.0\.0:0 serves the admin endpoint without authentication")
    v.wait_log(r"ready in")
    assert v.stop() == 0


def test_a_key_set_twice_names_both_lines():
    p, r = check("[log]\nlevel = info\nformat = text\n\n[fetch]\ninterval = 5m\n[log]\nlevel = debug\n")
    assert r.returncode == 1
    assert f"{p}:8: key 'log.level' is set twice, on line 2 and line 8: keep one" in r.stderr, r.stderr
    # Indented keys are keys, not the continuation of the previous value.
    p, r = check("[log]\n  level = debug\n  format = json\n")
    assert r.returncode == 0, r.stderr
    assert "level = debug" in r.stdout and "format = json" in r.stdout


def test_overlong_line_is_an_error_with_its_line():
    p, r = check("[fetch]\nnews_search = https://news.example/rss?q={name}&x=" + "a" * 300 + "\ninterval = 5m\n")
    assert r.returncode == 1
    assert f"{p}:2: line longer than 198 characters" in r.stderr, r.stderr


# systemd/vigie.conf.example also holds a commented-out [sink.TYPE] section per sink type of
# sinks/sink_registry.c: adding a sink type (or an option to one) means regenerating it with
# `vigie check-config --example > systemd/vigie.conf.example`, or this test fails.
def test_example_file_is_the_option_table():
    r = run_vigie(["check-config", "--example"])
    assert r.returncode == 0, r.stderr
    with open(os.path.join(SOURCE_DIR, "systemd", "vigie.conf.example")) as f:
        committed = f.read()
    assert committed == r.stdout, "systemd/vigie.conf.example is stale: regenerate it with " \
                                  "`vigie check-config --example > systemd/vigie.conf.example`"
    # Every option of `vigie help run`, commented out at its default.
    options = help_options()
    shown = re.findall(r"^#(\w+) =(?: (.*))?$", committed, re.M)
    assert len(shown) == len(options) >= 42, (len(shown), len(options))
    for (section, name), (default, live) in options.items():
        assert f"#{name} =" in committed, name
    # Uncommented whole, it is a valid file that changes nothing.
    d = short_tmpdir()
    path = os.path.join(d, "all.conf")
    with open(path, "w") as f:
        f.write(re.sub(r"^#(\w+ =)", r"\1", committed, flags=re.M))
    r = run_vigie(["check-config", "-c", path], env={"STATE_DIRECTORY": ""})
    assert r.returncode == 0, r.stderr
    defaults = run_vigie(["check-config"], env={"STATE_DIRECTORY": ""})
    strip = lambda out: out.split("\n", 1)[1]
    assert strip(r.stdout) == strip(defaults.stdout)


def help_options():
    """{(section, name): (default, live)} as `vigie help run` lists them."""
    r = run_vigie(["help", "run"])
    out, section, options = r.stdout, None, {}
    for line in out.splitlines():
        m = re.match(r"^  \[(\w+)\]$", line)
        if m:
            section = m.group(1)
            continue
        m = re.match(r"^  (\w+)\s+\S.*\(default: (.*?)\)(.*)$", line)
        if m and section:
            options[(section, m.group(1))] = (m.group(2), "restart to change" not in m.group(3))
    return options


def test_readme_reload_paragraph_lists_the_live_options():
    with open(os.path.join(SOURCE_DIR, "README.md")) as f:
        readme = f.read()
    para = re.search(r"^`SIGHUP` \(`systemctl reload vigie`\).*?\n\n", readme, re.M | re.S).group(0)
    listed = set(re.findall(r"`\[(\w+)\] (\w+)`", para))
    live = {k for k, (default, is_live) in help_options().items() if is_live}
    assert listed == live, ("README lists", sorted(listed - live), "but misses", sorted(live - listed))


def test_reload_applies_the_live_options():
    state = short_tmpdir()
    rules = os.path.join(short_tmpdir(), "rules")
    shutil.copytree(os.path.join(SOURCE_DIR, "rules"), rules)
    base = f"[daemon]\nstate_dir = {state}\nhousekeeping = 200ms\n[admin]\nlisten = off\n"
    v = Vigie(base)
    v.wait_log(r"ready in")
    assert run_vigie(["accounts", "-c", v.config_path, "import", os.path.join(SOURCE_DIR, "examples", "accounts.json")]).returncode == 0
    live = sorted(k for k, (d, is_live) in help_options().items() if is_live)
    changed = {
        ("daemon", "shutdown_timeout"): "7s", ("log", "level"): "debug", ("log", "format"): "json",
        ("admin", "max_connections"): "8", ("admin", "max_per_address"): "2", ("admin", "request_timeout"): "5s",
        ("fetch", "interval"): "20m", ("fetch", "backoff_max"): "2h", ("fetch", "lease"): "2m",
        ("fetch", "recent_window"): "1d", ("fetch", "dedup_ttl"): "10d", ("fetch", "items_maxlen"): "5000",
        ("fetch", "news_search"): "https://news.example/rss?q={name}", ("fetch", "news_interval"): "2h",
        ("enrich", "rules"): rules, ("pipeline", "max_lag"): "500",
        # the streams' trim of every minute reads them at each round (tests/queue/test_bounds.py)
        ("fetch", "items_retention"): "12h", ("pipeline", "retention"): "200d",
        # read by `vigie review` when it runs; the daemon only takes them in
        ("review", "half_life"): "20d", ("review", "evidence_window"): "180d", ("review", "bar"): "70",
        ("review", "deselect_bar"): "30", ("review", "deselect_after"): "3",
        ("review", "watch_heat"): "60", ("review", "weight_quantitative"): "50",
        ("review", "weight_strategic"): "25", ("review", "weight_image"): "25",
        # the scheduled review: from its next period on
        ("review", "schedule"): "weekly", ("review", "at"): "08:30", ("review", "timezone"): "Europe/Paris",
        ("review", "email"): "owners", ("review", "outbox"): "yes",
    }
    assert sorted(changed) == live, "a live option was added: give it a value here and check its effect"
    sections = {"daemon": [("state_dir", state), ("housekeeping", "200ms")], "admin": [("listen", "off")]}
    for (section, name), val in changed.items():
        sections.setdefault(section, []).append((name, val))
    with open(v.config_path, "w") as f:
        f.write("".join(f"[{sec}]\n" + "".join(f"{k} = {val}\n" for k, val in kv) for sec, kv in sections.items()))
    n = len(v.lines)
    v.signal(signal.SIGHUP)
    v.wait_log(rf"configuration reloaded from .*: {len(live)} change\(s\) applied, 0 need a restart", start=n)
    for (section, name), val in changed.items():
        v.wait_log(re.escape(f"reload: {section}.{name} = {val}"), start=n)
    # What a user sees change: JSON log lines at debug level, the rules rebuilt, one news
    # source per account, and the new shutdown timeout.
    v.wait_log(r'^\{.*"level":"debug"', start=n)
    v.wait_log(r"rules changed to .*rules; rebuilding", start=n)
    v.wait_log(r"news search sources: 30 created", start=n)
    r = run_vigie(["sources", "-c", v.config_path, "list", "--json"])
    news = [json.loads(l) for l in r.stdout.splitlines() if json.loads(l)["id"].startswith("news:")]
    assert len(news) == 30 and all(s["interval_s"] == 7200 for s in news)
    n = len(v.lines)
    v.signal(signal.SIGTERM)
    v.wait_log(r"waiting up to 7\.0s for work in flight", start=n)
    assert v.wait_exit() == 0


def test_missing_file():
    r = run_vigie(["check-config", "-c", "/nonexistent/vigie.conf"])
    assert r.returncode == 1
    assert "/nonexistent/vigie.conf: cannot open: No such file or directory" in r.stderr


def test_run_refuses_bad_config_before_starting():
    p = write("[redis]\nurl = embedded\nbad = 1\n")
    r = run_vigie(["run", "-c", p, "--once"])
    assert r.returncode == 1
    assert f"{p}:3: unknown key 'bad'" in r.stderr
    assert "redis-server" not in r.stderr  # nothing was started


def test_check_config_prints_effective_settings_without_secrets():
    d = short_tmpdir()
    secret = os.path.join(d, "pw")
    with open(secret, "w") as f:
        f.write("hunter2-from-file\n")
    p, r = check(f"[daemon]\nstate_dir = state\nshutdown_timeout = 90s\n[redis]\npassword = file:{secret}\n")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "hunter2" not in out + r.stderr
    assert "password = (set)" in out
    # Relative paths resolve against the file's directory; units are normalised.
    assert f"state_dir = {os.path.dirname(p)}/state" in out
    assert "shutdown_timeout = 90s" in out
    assert "url = embedded" in out
    # a password written in the Redis URL itself is masked too, here and in `vigie status`
    p, r = check("[redis]\nurl = redis://:hunter2@127.0.0.1:1/0\nconnect_timeout = 1s\n")
    assert r.returncode == 0, r.stderr
    assert "url = redis://:***@127.0.0.1:1/0" in r.stdout and "hunter2" not in r.stdout, r.stdout
    st = run_vigie(["status", "-c", p], timeout=30)
    assert "hunter2" not in st.stdout + st.stderr, st.stdout + st.stderr


def test_secrets_from_environment_and_credentials():
    creds = short_tmpdir()
    with open(os.path.join(creds, "redis_password"), "w") as f:
        f.write("from-credential")
    p, r = check("[redis]\npassword = credential:redis_password\n", env={"CREDENTIALS_DIRECTORY": creds})
    assert r.returncode == 0, r.stderr
    assert "password = (set)" in r.stdout and "from-credential" not in r.stdout

    p, r = check("[redis]\npassword = credential:redis_password\n", env={"CREDENTIALS_DIRECTORY": ""})
    assert r.returncode == 1
    assert "credential redis_password requested but $CREDENTIALS_DIRECTORY is not set" in r.stderr
    p, r = check("[redis]\npassword = env:VG_NOT_SET_ANYWHERE\n")
    assert r.returncode == 1
    assert "key 'redis.password': environment variable VG_NOT_SET_ANYWHERE is not set" in r.stderr


def test_sink_sections_are_checked():
    # A [sink.NAME] section must name a sink type built in, and the error names them.
    r = run_vigie(["check-config", "--example"])
    assert "\n;[sink.TYPE]\n" in r.stdout and "\n;enabled = no\n" in r.stdout, r.stdout
    assert "\n;[sink.outbox]\n" in r.stdout, r.stdout
    p, r = check("[log]\nlevel = info\n\n[sink.nosuchcrm]\nenabled = yes\n")
    assert r.returncode == 1
    assert f"{p}:5: unknown sink type 'nosuchcrm' in section [sink.nosuchcrm] (known: outbox" in r.stderr, r.stderr
    p, r = check("[sink.outbox]\nenabled = yes\nmax_size = 12\n")
    assert r.returncode == 1 and "key 'sink.outbox.max_size': '12' is out of range" in r.stderr, r.stderr
    r = run_vigie(["help", "run"])
    assert re.search(r"^  \[sink\.TYPE\] .*\n(?:.*\n)*    allow_private +addresses or CIDRs \(default: empty\)$",
                     r.stdout, re.M), r.stdout


def test_help_comes_from_the_option_table():
    r = run_vigie(["help", "run"])
    assert r.returncode == 0
    for needle in ["usage: vigie run [-c FILE] [--once]", "[redis]", "url", "embedded", "HOST:PORT|unix:PATH|off",
                   "shutdown_timeout", "duration (default: 10s)", "secret", "restart to change"]:
        assert needle in r.stdout, needle
    r = run_vigie(["--help"])
    assert r.returncode == 0 and "check-config" in r.stdout and "run" in r.stdout
    r = run_vigie(["--version"])
    assert r.returncode == 0 and r.stdout.startswith("vigie ")


def test_unknown_command_and_argument():
    r = run_vigie(["frobnicate"])
    assert r.returncode == 2 and "unknown command 'frobnicate'" in r.stderr
    r = run_vigie(["run", "--bogus"])
    assert r.returncode == 2 and "unexpected argument '--bogus'" in r.stderr and "usage: vigie run" in r.stderr


if __name__ == "__main__":
    run_tests(dict(globals()))
