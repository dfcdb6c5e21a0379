# ctest-labels: integration sources
"""The `jobs` source kind (issue 15 part 5) offline, through `vigie sources parse`: job board
answers in Greenhouse's and Lever's documented shapes (REFERENCE.md C.5, C.6; written here, day
by day), each poll handed what the previous one kept. The first poll is a baseline; small
day-to-day noise raises nothing; a surge gives one `hiring` item naming the departments that
grow (and not again the next days); a location never seen gives `expansion`; a sharp fall gives
`layoffs` at low confidence. Hostile answers (an HTML page, cut JSON, wrong types, the other
board's shape, an error object, 10,000 postings) fail clearly or stay bounded."""
import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from harness import run_tests, run_vigie, short_tmpdir

DAY = 86400
T0 = 1796000000  # 2026-11-30, a poll's time
GH = '{"board":"greenhouse","token":"acme"}'
LV = '{"board":"lever","token":"globex"}'
TMP = short_tmpdir("vgjobs")


def greenhouse(spec, start=1):
    """A Greenhouse board answer: spec is [(department, location, count)]."""
    jobs, i = [], start
    for dept, loc, n in spec:
        for _ in range(n):
            jid = 4000000 + i
            jobs.append({
                "id": jid, "internal_job_id": 3000000 + i, "title": f"{dept} role {i}",
                "updated_at": "2026-11-30T10:00:00-05:00", "first_published": "2026-11-02T09:00:00-05:00",
                "requisition_id": f"REQ-{i}", "location": {"name": loc},
                "absolute_url": f"https://boards.greenhouse.io/acme/jobs/{jid}", "language": "en",
                "metadata": None,
                "departments": [{"id": 100 + len(dept), "name": dept, "child_ids": [], "parent_id": None}],
                "offices": [{"id": 7, "name": loc, "location": loc, "child_ids": [], "parent_id": None}],
            })
            i += 1
    return {"jobs": jobs, "meta": {"total": len(jobs)}}


def lever(spec):
    """A Lever postings answer (a bare array): spec is [(department, location, count)]."""
    out, i = [], 0
    for dept, loc, n in spec:
        for _ in range(n):
            uid = f"5f0c{i:04d}-aaaa-bbbb-cccc-0123456789ab"
            out.append({
                "id": uid, "text": f"{dept} person {i}", "hostedUrl": f"https://jobs.lever.co/globex/{uid}",
                "applyUrl": f"https://jobs.lever.co/globex/{uid}/apply", "createdAt": 1793000000000 + i,
                "categories": {"location": loc, "team": dept + " team", "department": dept,
                               "commitment": "Full-time", "allLocations": [loc]},
                "workplaceType": "hybrid", "description": "<p>Join us.</p>", "descriptionPlain": "Join us.",
                "lists": [{"text": "What you will do", "content": "<li>Things</li>"}],
                "additional": "", "additionalPlain": "",
            })
            i += 1
    return out


def write(name, body):
    path = os.path.join(TMP, name)
    if not isinstance(body, (str, bytes)):
        body = json.dumps(body)
    with open(path, "wb" if isinstance(body, bytes) else "w") as f:
        f.write(body)
    return path


def poll(options, body, now, keep=None, expect_rc=0, url=None):
    """One poll through `vigie sources parse`: (output JSON or None, stderr)."""
    args = ["sources", "parse", "--kind", "jobs", "--now", str(now)]
    if options:
        args += ["--options", options]
    if url:
        args += ["--url", url]
    if keep is not None:
        args += ["--previous", write(f"keep{now}.txt", keep)]
    r = run_vigie(args + [write(f"body{now}.json", body)])
    assert r.returncode == expect_rc, (r.returncode, r.stdout, r.stderr)
    return (json.loads(r.stdout) if r.returncode == 0 else None), r.stderr


def chain(options, bodies, start=T0):
    """Polls the bodies on consecutive days; returns the outputs."""
    outs, keep = [], None
    for d, body in enumerate(bodies):
        out, _ = poll(options, body, start + d * DAY, keep)
        outs.append(out)
        keep = out["keep"]
    return outs


def signals(out):
    return [(it["structured"]["signals"][0]["type"], it) for it in out["items"]]


BASE = [("Engineering", "Paris", 10), ("Sales", "London", 6), ("Support", "Paris", 4)]
NOISE = [[("Engineering", "Paris", 11), ("Sales", "London", 6), ("Support", "Paris", 4)],
         [("Engineering", "Paris", 9), ("Sales", "London", 6), ("Support", "Paris", 4)],
         [("Engineering", "Paris", 10), ("Sales", "London", 7), ("Support", "Paris", 3)]]
SURGE = [("Engineering", "Paris", 18), ("Sales", "London", 10), ("Support", "Paris", 4)]


def test_first_poll_is_a_baseline_and_noise_raises_nothing():
    outs = chain(GH, [greenhouse(BASE)] + [greenhouse(s) for s in NOISE])
    for out in outs:
        assert out["items"] == [], out["items"]
    keep = json.loads(outs[-1]["keep"])
    assert keep["board"] == "greenhouse" and keep["token"] == "acme"
    assert [p["total"] for p in keep["polls"]] == [20, 21, 19, 20]
    assert keep["polls"][0]["dept"][0] == ["Engineering", 10]


def test_surge_gives_one_hiring_item_with_the_growing_departments():
    outs = chain(GH, [greenhouse(BASE)] + [greenhouse(s) for s in NOISE] + [greenhouse(SURGE)] * 3)
    sig = signals(outs[4])
    assert [t for t, _ in sig] == ["hiring"], sig
    it = sig[0][1]
    st = it["structured"]
    assert st["company"] == {"scheme": "greenhouse", "id": "acme"}
    assert it["kind"] == "jobs" and it["url"] == "https://boards.greenhouse.io/acme"
    s = st["signals"][0]
    assert s["change"]["before"] == 20 and s["change"]["after"] == 32, s["change"]
    names = [d["name"] for d in s["change"]["departments"]]
    assert names == ["Engineering", "Sales"], names  # Support did not grow
    assert "Engineering 10 \u2192 18" in s["evidence"] and "Sales 6 \u2192 10" in s["evidence"], s["evidence"]
    assert "+60%" in it["summary"], it["summary"]
    # the surge stays above the level the next days: one signal, not one a day
    assert outs[5]["items"] == [] and outs[6]["items"] == []


def test_a_repoll_the_same_day_queues_the_same_item_or_nothing():
    outs = chain(GH, [greenhouse(BASE)] + [greenhouse(s) for s in NOISE])
    now = T0 + 4 * DAY
    first, _ = poll(GH, greenhouse(SURGE), now, outs[-1]["keep"])
    retried, _ = poll(GH, greenhouse(SURGE), now + 3600, outs[-1]["keep"])  # a retry: the old keep
    assert first["items"][0]["id"] == retried["items"][0]["id"]
    again, _ = poll(GH, greenhouse(SURGE), now + 7200, first["keep"])  # a second poll that day
    assert again["items"] == []
    assert len(json.loads(again["keep"])["polls"]) == 5  # one entry per day


def test_new_location_gives_expansion():
    grown = BASE + [("Engineering", "Berlin, Germany", 2)]
    outs = chain(GH, [greenhouse(BASE), greenhouse(NOISE[0]), greenhouse(grown), greenhouse(grown)])
    assert outs[1]["items"] == []
    sig = signals(outs[2])
    assert [t for t, _ in sig] == ["expansion"], sig
    it = sig[0][1]
    s = it["structured"]["signals"][0]
    assert s["change"] == {"field": "location", "before": None, "after": "Berlin, Germany"}
    assert "Berlin, Germany" in it["title"] and "2 open positions" in s["evidence"]
    assert it["url"].startswith("https://boards.greenhouse.io/acme/jobs/")  # a posting there
    assert outs[3]["items"] == []  # seen now


def test_offices_renamed_all_at_once_are_not_an_expansion():
    renamed = [("Engineering", "Paris, France", 10), ("Sales", "London, UK", 6), ("Support", "Lyon, France", 2),
               ("Support", "Remote - France", 1), ("Support", "Nantes, France", 1)]
    outs = chain(GH, [greenhouse(BASE), greenhouse(renamed)])
    assert outs[1]["items"] == [], outs[1]["items"]


def test_lever_sharp_fall_gives_layoffs_at_low_confidence():
    base = [("Engineering", "New York, NY", 20), ("Sales", "Austin, TX", 10)]
    fall = [("Engineering", "New York, NY", 6), ("Sales", "Austin, TX", 9)]
    outs = chain(LV, [lever(base), lever(base), lever(base), lever(base), lever(fall)])
    for out in outs[:4]:
        assert out["items"] == []
    sig = signals(outs[4])
    assert [t for t, _ in sig] == ["layoffs"], sig
    it = sig[0][1]
    s = it["structured"]["signals"][0]
    assert it["structured"]["company"] == {"scheme": "lever", "id": "globex"}
    assert s["confidence"] == 0.5
    assert [d["name"] for d in s["change"]["departments"]] == ["Engineering"]
    assert "30" in it["title"] and "15" in it["title"], it["title"]
    assert it["url"] == "https://jobs.lever.co/globex"


def test_a_board_emptied_at_once_is_layoffs_at_lower_confidence():
    base = [("Engineering", "New York, NY", 12)]
    outs = chain(LV, [lever(base)] * 4 + [[]])
    (t, it), = signals(outs[4])
    assert t == "layoffs" and it["structured"]["signals"][0]["confidence"] == 0.3
    assert "another job board" in it["summary"]


def test_small_boards_do_not_signal_on_a_few_postings():
    small = [("Engineering", "Paris", 4)]
    outs = chain(GH, [greenhouse(small)] * 4 + [greenhouse([("Engineering", "Paris", 8)]), greenhouse([])])
    assert outs[4]["items"] == [] and outs[5]["items"] == []  # +4 and -4: under 5 positions


def test_board_and_token_are_read_from_the_url_when_no_options():
    out, _ = poll(None, lever([("Ops", "Remote", 3)]), T0, url="https://api.lever.co/v0/postings/globex?mode=json")
    keep = json.loads(out["keep"])
    assert keep["board"] == "lever" and keep["token"] == "globex" and keep["polls"][0]["total"] == 3
    out, _ = poll(None, greenhouse(BASE), T0, url="http://127.0.0.1:9/v1/boards/acme/jobs")
    assert json.loads(out["keep"])["board"] == "greenhouse"
    _, err = poll(None, greenhouse(BASE), T0, url="https://example.com/careers.json", expect_rc=1)
    assert "board" in err and "token" in err, err


def test_bad_options_are_refused():
    for opts in ['{"board":"workday","token":"x"}', '{"board":"lever","token":"a/b"}', '[1]',
                 '{"board":"lever","token":""}']:
        r = run_vigie(["sources", "parse", "--kind", "jobs", "--options", opts, write("o.json", "[]")])
        assert r.returncode == 2 and "jobs source" in r.stderr, (opts, r.stderr)


def test_hostile_bodies_fail_clearly():
    cases = [
        ("<!DOCTYPE html><html><body>Job board not found</body></html>", GH, "HTML page"),
        (json.dumps(greenhouse(BASE))[:500], GH, "not valid JSON"),
        ("", GH, "empty"),
        ('{"jobs": "none"}', GH, "no \"jobs\" array"),
        ('{"status": 404, "error": "Job board not found"}', GH, "Job board not found"),
        (json.dumps(lever(BASE)), GH, "Lever board?"),
        (json.dumps(greenhouse(BASE)), LV, "Greenhouse board?"),
        ('{"ok": false}', LV, "not a JSON array"),
    ]
    for body, opts, words in cases:
        _, err = poll(opts, body, T0, expect_rc=1)
        assert words in err, (body[:60], err)


def test_wrong_types_inside_postings_are_counted_as_absent():
    body = {"jobs": [1, "x", None,
                     {"id": 1, "location": "Paris", "departments": "Engineering"},
                     {"id": 2, "location": {"name": 7}, "departments": [{"name": None}, 3]},
                     {"id": 3, "location": {"name": " Paris\u0000 "}, "departments": [{"name": "R&amp;D"}] * 3}],
            "meta": {"total": "many"}}
    out, _ = poll(GH, body, T0)
    keep = json.loads(out["keep"])
    p = keep["polls"][0]
    assert p["total"] == 3
    assert dict(p["dept"]) == {"(none)": 2, "R&amp;D": 1}, p["dept"]
    assert dict(p["loc"]) == {"(none)": 2, "Paris": 1}, p["loc"]


def test_a_corrupt_or_foreign_keep_starts_a_new_series():
    for keep in ["not json", '{"v":1,"board":"lever","token":"globex","polls":[]}',
                 '{"v":1,"board":"greenhouse","token":"acme","polls":"x","seen":7}']:
        out, _ = poll(GH, greenhouse(SURGE), T0, keep)
        assert out["items"] == [] and json.loads(out["keep"])["token"] == "acme"


def test_ten_thousand_postings_stay_bounded():
    spec = [(f"Dept {i}", f"City {i}", 1) for i in range(10000)]
    t = time.monotonic()
    out, _ = poll(GH, greenhouse(spec), T0)
    elapsed = time.monotonic() - t
    assert elapsed < 20, elapsed
    keep = out["keep"]
    p = json.loads(keep)["polls"][0]
    assert p["total"] == 10000 and len(p["dept"]) <= 30 and len(p["loc"]) <= 30
    assert dict(p["dept"])["(other)"] == 10000 - 29
    # the series of such a board over its 60 days stays small
    for d in range(1, 70):
        out, _ = poll(GH, greenhouse(spec[:200]), T0 + d * DAY, keep) if d % 10 else poll(GH, greenhouse(spec), T0 + d * DAY, keep)
        keep = out["keep"]
    k = json.loads(keep)
    assert len(k["polls"]) == 60 and len(k["seen"]) <= 300
    assert len(keep) < 200_000, len(keep)


run_tests(globals())
