"""The systemd unit as installed: `systemd-analyze verify` accepts it and
`systemd-analyze security --offline=true` rates its exposure 2.0 or lower."""
# ctest-labels: integration
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import VIGIE, run_tests, short_tmpdir

BUILD = os.environ.get("VIGIE_BUILD_DIR") or os.path.dirname(VIGIE)


def unit_with_built_binary():
    """The configured unit, with ExecStart pointing at the binary just built (verify checks
    that the executable exists, and nothing is installed during tests)."""
    text = open(os.path.join(BUILD, "vigie.service")).read()
    assert re.search(r"^ExecStart=/\S+/vigie run$", text, re.M), "ExecStart must run `vigie run`"
    path = os.path.join(short_tmpdir(), "vigie.service")
    with open(path, "w") as f:
        f.write(re.sub(r"^ExecStart=\S+", "ExecStart=" + os.path.abspath(VIGIE), text, flags=re.M))
    return path, text


def test_unit_has_the_required_settings():
    _, text = unit_with_built_binary()
    for line in ["Type=notify", "WatchdogSec=", "Restart=on-failure", "StateDirectory=vigie",
                 "ConfigurationDirectory=vigie", "DynamicUser=yes", "NoNewPrivileges=yes",
                 "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes", "PrivateDevices=yes",
                 "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6", "SystemCallFilter=@system-service",
                 "CapabilityBoundingSet=\n", "ExecReload=/bin/kill -HUP $MAINPID"]:
        assert line in text, line


def test_systemd_analyze_verify():
    if not shutil.which("systemd-analyze"):
        raise AssertionError("systemd-analyze missing: apt-get install systemd")
    path, _ = unit_with_built_binary()
    r = subprocess.run(["systemd-analyze", "verify", path], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_security_exposure_at_most_2():
    path, _ = unit_with_built_binary()
    r = subprocess.run(["systemd-analyze", "security", "--offline=true", "--threshold=20", path],
                       capture_output=True, text=True)
    m = re.search(r"Overall exposure level for vigie\.service: (\d+\.\d+)", r.stdout + r.stderr)
    assert m, r.stdout + r.stderr
    print(f"     exposure {m.group(1)}")
    assert float(m.group(1)) <= 2.0, r.stdout
    assert r.returncode == 0


if __name__ == "__main__":
    run_tests(dict(globals()))
