# ctest-labels: integration sinks
"""The outbox sink: signals and contacts as JSON-lines files that a reader only ever sees
whole, rotated by size, never written twice for an acknowledged entry, and a crash's half line
cut off before its file is published."""
import glob
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from sinkenv import SinkEnv, run_tests  # noqa: E402

OUTBOX = """[sink.outbox]
enabled = yes
{extra}
"""


def published(d):
    files = sorted(glob.glob(os.path.join(d, "*.jsonl")))
    lines = []
    for f in files:
        with open(f) as fh:
            data = fh.read()
        assert data.endswith("\n"), f"{f} ends with half a line"
        lines += [json.loads(line) for line in data.splitlines()]
    return files, lines


def test_once_writes_every_signal_and_contact_once():
    env = SinkEnv(OUTBOX.format(extra=""), n_items=12)
    out = env.run_once()
    outbox = os.path.join(env.dir, "state", "outbox")
    assert f"outbox: " in out.stdout and outbox in out.stdout, out.stdout
    files, lines = published(outbox)
    assert not glob.glob(os.path.join(outbox, ".*.part")), "a part file was left unpublished"
    signals = env.signals()
    assert len(signals) >= 10, signals
    got = [l for l in lines if l["kind"] == "signal"]
    assert sorted(l["record"]["id"] for l in got) == sorted(s["id"] for s in signals)
    by_id = {l["record"]["id"]: l for l in got}
    s = signals[0]
    assert by_id[s["id"]]["record"]["title"] == s["title"] and by_id[s["id"]]["record"]["account_id"] == s["account_id"]
    assert all(l["entry"] and l["written"].endswith("Z") for l in lines)
    contacts = [l for l in lines if l["kind"] == "contact"]
    assert contacts and all(l["record"]["name"] for l in contacts), lines
    c = env.client()
    assert len(contacts) == c.call("XLEN", "vigie:contacts"), (len(contacts), c.call("XLEN", "vigie:contacts"))
    assert any(os.path.basename(f).startswith("contacts-") for f in files)
    assert any(os.path.basename(f).startswith("signals-") for f in files)
    # A second pass finds nothing new: nothing is written again.
    env.run_once()
    files2, lines2 = published(outbox)
    assert len(lines2) == len(lines), (len(lines2), len(lines))


def test_rotation_by_size_keeps_lines_whole():
    env = SinkEnv(OUTBOX.format(extra="max_size = 4k\nbatch = 2"), n_items=30)
    env.run_once()
    outbox = os.path.join(env.dir, "state", "outbox")
    files, lines = published(outbox)
    signal_files = [f for f in files if os.path.basename(f).startswith("signals-")]
    assert len(signal_files) >= 3, files
    assert len([l for l in lines if l["kind"] == "signal"]) == len(env.signals())


def test_a_crash_leftover_is_published_without_its_half_line():
    env = SinkEnv(OUTBOX.format(extra=""), n_items=3)
    outbox = os.path.join(env.dir, "state", "outbox")
    os.makedirs(outbox)
    left = os.path.join(outbox, ".signals-2026-01-02-t1-000001.jsonl.part")
    with open(left, "w") as f:
        f.write('{"kind":"signal","entry":"1-0","written":"2026-01-02T00:00:00Z","record":{"id":"a"}}\n{"kind":"sig')
    env.run_once()
    with open(os.path.join(outbox, "signals-2026-01-02-t1-000001.jsonl")) as f:
        assert f.read() == '{"kind":"signal","entry":"1-0","written":"2026-01-02T00:00:00Z","record":{"id":"a"}}\n'
    assert not os.path.exists(left)


run_tests(globals())
