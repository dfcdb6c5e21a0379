"""The command line and the configuration file as a user meets them: bad configuration is an
error naming file, line and key with a non-zero exit; check-config prints the effective
settings and never a secret; secrets come from env:, file: and credential:; help lists the
options from the same table the parser uses."""
# ctest-labels: integration
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import run_tests, run_vigie, short_tmpdir


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


def test_help_comes_from_the_option_table():
    r = run_vigie(["help", "run"])
    assert r.returncode == 0
    for needle in ["usage: vigie run [-c FILE] [--once]", "[redis]", "url", "embedded",
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
