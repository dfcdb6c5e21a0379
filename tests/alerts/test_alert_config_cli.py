"""The routing configuration and the owners' alert fields as a user meets them on the command
line: `vigie check-config` refuses a bad routing file naming FILE:LINE and the problem (exit 1);
`vigie accounts import` takes owner_email, owner_slack, owner_timezone and owner_digest, keeps
them through Redis (`accounts show`, `accounts list --json`) and refuses a bad one by its line."""
# ctest-labels: integration alerts
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from harness import run_tests, run_vigie, short_tmpdir  # noqa: E402


def write(name, text):
    path = os.path.join(short_tmpdir(), name)
    with open(path, "w") as f:
        f.write(text)
    return path


def check(text):
    p = write("vigie.conf", text)
    return p, run_vigie(["check-config", "-c", p])


def test_a_route_without_alerts_section_is_refused_with_its_line():
    p, r = check("[log]\nlevel = info\n\n[route.keys]\ntier = key\nreceiver = owners\n")
    assert r.returncode == 1, r.stdout
    # Line 4 is the section's header.
    assert f"{p}:4: section [route.keys] needs an [alerts] section" in r.stderr, r.stderr
    assert r.stdout == "", "a refused file prints no settings"


def test_the_routing_tree_through_the_router():
    good = ("[alerts]\nreceiver = owners\ntimezone = Europe/Paris\nquiet_hours = 20:00-08:00\n"
            "[route.keys]\ntier = key\npriority = 50\nreceiver = owners\n"
            "[route.urgent]\nparent = keys\npriority = 85-100\nreceiver = team\n"
            "[receiver.owners]\nslack = owner\nemail = owner\n"
            "[receiver.team]\nslack = #key-accounts\nemail = kam@example.com,cfo@example.com\n")
    p, r = check(good)
    assert r.returncode == 0, r.stderr
    for want in ("\n[alerts]\nenabled = yes\n", "\n[route.urgent]\nparent = keys\npriority = 85-100\nreceiver = team\n",
                 "\n[receiver.team]\nslack = #key-accounts\nemail = kam@example.com,cfo@example.com\n"):
        assert want in r.stdout, (want, r.stdout)
    bad = [
        (good.replace("receiver = team\n", "receiver = teem\n"), 12, "route 'urgent': no receiver 'teem'"),
        (good.replace("parent = keys\n", "parent = kyes\n"), 10, "route 'urgent': no route 'kyes' for a parent"),
        (good.replace("priority = 85-100\n", "priority = 100-85\n"), 11, "route 'urgent': priority 100-85 is not a range"),
        (good.replace("slack = #key-accounts\n", "slack = key accounts\n"), 17, "receiver 'team': slack = 'key accounts' is not a Slack target"),
        (good.replace("Europe/Paris", "Europe/Pariss"), 3, "key 'alerts.timezone': 'Europe/Pariss' is not a time zone"),
    ]
    for text, line, want in bad:
        p, r = check(text)
        assert r.returncode == 1, text
        assert f"{p}:{line}: {want}" in r.stderr, (want, r.stderr)


ACCOUNTS = [
    {"id": "acme", "name": "Acme", "owner": "Alice Martin", "owner_email": "alice@example.com",
     "owner_slack": "U0123ABC", "owner_timezone": "Europe/Paris", "owner_digest": "weekly mon 08:00"},
    {"id": "beta", "name": "Beta", "owner": "bob@example.com"},
]


def test_owner_fields_survive_an_import():
    d = short_tmpdir()
    conf = write("vigie.conf", f"[daemon]\nstate_dir = {d}/state\n")
    src = write("accounts.json", json.dumps(ACCOUNTS))
    r = run_vigie(["accounts", "-c", conf, "import", src])
    assert r.returncode == 0, r.stderr
    shown = json.loads(run_vigie(["accounts", "-c", conf, "show", "acme"]).stdout)
    for k in ("owner_email", "owner_slack", "owner_timezone", "owner_digest"):
        assert shown[k] == ACCOUNTS[0][k], (k, shown)
    rows = {a["id"]: a for a in map(json.loads, run_vigie(["accounts", "-c", conf, "list", "--json"]).stdout.splitlines())}
    assert rows["acme"]["owner_slack"] == "U0123ABC" and "owner_email" not in rows["beta"], rows

    # CSV too; a bad owner field refuses the whole file, naming its line.
    csv = write("accounts.csv", "id,name,owner_email,owner_digest\ngamma,Gamma,carol@example.com,daily 07:00\n"
                                "delta,Delta,\"dave@example.com\r\nBcc: all@example.com\",no\n")
    r = run_vigie(["accounts", "-c", conf, "import", csv])
    assert r.returncode == 1
    assert "line 3: owner_email holds a control character" in r.stderr, r.stderr
    assert "Bcc" not in r.stderr, "the hostile value is not echoed"
    r = run_vigie(["accounts", "-c", conf, "show", "gamma"])
    assert r.returncode == 1, "nothing of a refused file is imported"


def test_the_example_alerts_configuration_is_valid():
    """examples/alerts.conf, which the README points at, loads with its secrets supplied."""
    example = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "alerts.conf")
    creds = short_tmpdir()
    with open(os.path.join(creds, "smtp-password"), "w") as f:
        f.write("pw\n")
    env = {"SLACK_BOT_TOKEN": "xoxb-1", "VIGIE_WEBHOOK_SECRET": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
           "TEAMS_WORKFLOW_URL": "https://prod.westeurope.logic.azure.com/workflows/x/triggers/manual/paths/invoke?sig=s",
           "CREDENTIALS_DIRECTORY": creds}
    r = run_vigie(["check-config", "-c", example], env=env)
    assert r.returncode == 0, r.stderr
    for want in ("[route.risk]", "[receiver.owners-and-team]", "[sink.slack]", "[sink.email]"):
        assert want in r.stdout, want


if __name__ == "__main__":
    run_tests(globals())
