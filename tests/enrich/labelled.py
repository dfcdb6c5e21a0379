"""Shared by the tests of tests/enrich that check `vigie extract --json` against a labelled
JSON-lines file of tests/data: reading the file, and one run of vigie over its items."""
import json
import os
import subprocess
import sys

SRC = os.environ.get("VIGIE_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
DATA = os.path.join(SRC, "tests", "data")


def load(name):
    """The items of tests/data/NAME, one JSON object a line."""
    return [json.loads(l) for l in open(os.path.join(DATA, name), encoding="utf-8") if l.strip()]


def extract(items, accounts=None, timeout=120):
    """vigie extract --json over the items' id, title, summary and lang, with the accounts of
    tests/data/ACCOUNTS when named: the output objects by id. Exits when vigie fails."""
    vigie = os.environ.get("VIGIE_BIN")
    if not vigie:
        sys.exit("VIGIE_BIN is not set (run through ctest)")
    inp = "".join(json.dumps({k: it[k] for k in ("id", "title", "summary", "lang")},
                             ensure_ascii=False) + "\n" for it in items)
    args = [vigie, "extract"] + (["--accounts", os.path.join(DATA, accounts)] if accounts else []) + ["--json"]
    p = subprocess.run(args, input=inp, capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        sys.exit("vigie extract failed (%d): %s" % (p.returncode, p.stderr[-2000:]))
    return {o["id"]: o for o in map(json.loads, p.stdout.splitlines())}
