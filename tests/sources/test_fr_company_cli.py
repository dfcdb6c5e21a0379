# ctest-labels: integration sources
"""The French register from the command line and through the daemon, against a loopback
stand-in of API Recherche d'entreprises (answers in REFERENCE.md C.1's format):
`vigie accounts lookup "NAME"` prints the candidate SIRENs (name, city, NAF, headcount, state)
and says so clearly when the API refuses (429 with its Retry-After, an HTML error page); a
`vigie run` with [sources] automatic polls each account's `fr_company:<id>` source, queues the
officers item, keeps the snapshot, and `vigie accounts show ID` prints what the register knows
(its company_sources lines); an import with a SIREN of the wrong length is refused, naming the
line, and one written with spaces is stored as 9 digits."""
import json
import os
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from harness import Redis, Vigie, daemon_config, run_tests, run_vigie, short_tmpdir, wait_until

FIXTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "fr_company_search.json")


class Register(BaseHTTPRequestHandler):
    hits = []
    change = None  # a function changing the company's answer (the register moved on)

    def log_message(self, *a):
        pass

    def do_GET(self):
        u = urllib.parse.urlparse(self.path)
        q = urllib.parse.parse_qs(u.query)
        Register.hits.append(self.path)
        term = q.get("q", [""])[0]
        if u.path != "/search":
            return self.answer(404, "text/plain", b"no such page")
        if term == "busy":
            return self.answer(429, "application/json", b'{"erreur": "Trop de requetes"}', {"Retry-After": "7"})
        if term == "down":
            return self.answer(503, "text/html", b"<html><body><h1>503 Service Unavailable</h1></body></html>")
        with open(FIXTURE) as f:
            data = json.load(f)
        if Register.change and term == "813529610":
            Register.change(data["results"][0])
        if term == "nothing":
            data["results"], data["total_results"] = [], 0
        elif term.startswith("ateliers"):
            other = dict(data["results"][0], siren="902145873", nom_complet="ATELIERS DUVAL BOIS",
                         nom_raison_sociale="ATELIERS DUVAL BOIS", activite_principale="16.23Z",
                         tranche_effectif_salarie="NN", etat_administratif="C",
                         siege=dict(data["results"][0]["siege"], libelle_commune="GRENOBLE"))
            data["results"].append(other)
            data["total_results"] = 2
        self.answer(200, "application/json", json.dumps(data).encode())

    def answer(self, status, ctype, body, headers=None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)


def start_register():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Register)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f"http://127.0.0.1:{srv.server_address[1]}"


def config(d, base, redis_url=None, roles="all"):
    conf = os.path.join(d, "vigie.conf")
    text = daemon_config(d, redis_url, daemon_extra=f"roles = {roles}\n") if redis_url else ""
    with open(conf, "w") as f:
        f.write(text + f"[fetch]\nallow_private = 127.0.0.0/8\n"
                f"[sources]\nfr_company_url = {base}\nuser_agent = vigie tests ops@example.org\n")
    return conf


def test_lookup_prints_candidate_sirens():
    srv, base = start_register()
    conf = config(short_tmpdir("lk"), base)
    r = run_vigie(["accounts", "-c", conf, "lookup", "ateliers duval"])
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "813529610  ATELIERS DUVAL (ADV)  |  LYON  |  NAF 28.41Z  |  50 to 99 employees  |  active", lines
    assert lines[1] == ("902145873  ATELIERS DUVAL BOIS  |  GRENOBLE  |  NAF 16.23Z  |  no employees on record  |  "
                        "ceased"), lines
    assert lines[2].startswith("2 shown of 2 found"), lines
    assert Register.hits[-1] == "/search?q=ateliers%20duval&page=1&per_page=10", Register.hits[-1]
    srv.shutdown()


def test_lookup_says_why_the_register_failed():
    srv, base = start_register()
    conf = config(short_tmpdir("lk"), base)
    r = run_vigie(["accounts", "-c", conf, "lookup", "busy"])
    assert r.returncode == 1
    assert "too many requests (HTTP 429); it asks to wait 7 s (Retry-After)" in r.stderr, r.stderr
    r = run_vigie(["accounts", "-c", conf, "lookup", "down"])
    assert r.returncode == 1 and "did not answer the search (http_status: HTTP 503)" in r.stderr, r.stderr
    r = run_vigie(["accounts", "-c", conf, "lookup", "nothing"])
    assert r.returncode == 1 and 'no company in the register for "nothing"' in r.stderr, r.stderr
    r = run_vigie(["accounts", "-c", conf, "lookup"])
    assert r.returncode == 2 and "usage: vigie accounts" in r.stderr
    srv.shutdown()


def test_import_checks_sirens():
    r = Redis()
    d = short_tmpdir("imp")
    conf = config(d, "http://127.0.0.1:9", r.url)
    bad = os.path.join(d, "bad.csv")
    with open(bad, "w") as f:
        f.write("id,name,siren\nduval,Ateliers Duval,813 529 610\nshort,Short Siren,81352961\n")
    res = run_vigie(["accounts", "-c", conf, "import", bad])
    assert res.returncode != 0
    assert "line 3" in res.stderr and "siren '81352961' must have 9 digits" in res.stderr, res.stderr
    good = os.path.join(d, "good.csv")
    with open(good, "w", encoding="utf-8") as f:
        # spaces, no-break spaces and narrow no-break spaces (French typography) between the groups
        f.write("id,name,siren\nduval,Ateliers Duval,813 529 610\nrenault,Renault,552\u00a0081\u202f317\n")
    res = run_vigie(["accounts", "-c", conf, "import", good])
    assert res.returncode == 0, res.stderr
    stored = json.loads(r.client().call("HGET", "vigie:accounts", "duval"))
    assert stored["identifiers"] == {"siren": "813529610"}, stored
    stored = json.loads(r.client().call("HGET", "vigie:accounts", "renault"))
    assert stored["identifiers"] == {"siren": "552081317"}, stored


def test_daemon_polls_the_register_and_accounts_show_prints_it():
    srv, base = start_register()
    r = Redis()
    d = short_tmpdir("show")
    conf = config(d, base, r.url, roles="fetch")
    path = os.path.join(d, "accounts.json")
    with open(path, "w") as f:
        json.dump([{"id": "duval", "name": "Ateliers Duval", "siren": "813529610"}], f)
    assert run_vigie(["accounts", "-c", conf, "import", path]).returncode == 0
    c = r.client()
    v = Vigie(config_path=conf)
    v.wait_log(r"company sources: \d+ created")  # fr_company's, and the other kinds' (bodacc)
    wait_until(lambda: c.call("HGET", "vigie:source:fr_company:duval", "watch_text"), 20, "the first poll")
    entries = c.call("XRANGE", "vigie:items", "-", "+")
    items = [json.loads(e[1][1]) for e in entries]
    officers = [i for i in items if i.get("structured")]
    assert len(officers) == 1, items
    assert officers[0]["account_id"] == "duval"
    assert [p["name"] for p in officers[0]["structured"]["people"]] == ["Claire Marie DUVAL", "Paul MARCHAND"]
    assert any("q=813529610" in h for h in Register.hits), Register.hits
    res = run_vigie(["accounts", "-c", conf, "show", "duval"])
    assert res.returncode == 0, res.stderr
    shown = json.loads(res.stdout)["company_sources"]
    assert shown[0]["id"] == "fr_company:duval" and shown[0]["kind"] == "fr_company"
    lines = shown[0]["lines"]
    for want in ["legal name: ATELIERS DUVAL (siren 813529610)", "activity (NAF): 28.41Z",
                 "headcount: 50 to 99 employees (2022)",
                 "head office: 12 RUE DES FORGES 69007 LYON (siret 81352961000017)", "created: 2015-09-14",
                 "state: active", "2023: revenue 9,050,000 EUR, net result 402,000 EUR",
                 "director: Claire Marie DUVAL, Président"]:
        assert want in lines, (want, lines)
    assert v.stop() == 0
    srv.shutdown()


def test_end_to_end_contacts_then_signals_on_the_account():
    """Through the whole daemon (fetch and enrich): the first poll's officers become the
    account's contacts; the register moving on (a new director, the company ceasing) gives the
    account's signals, the ceasing one at priority 90, matched by siren (no name in common)."""
    Register.change = None
    srv, base = start_register()
    r = Redis()
    d = short_tmpdir("e2e")
    conf = config(d, base, r.url)
    path = os.path.join(d, "accounts.json")
    with open(path, "w") as f:
        json.dump([{"id": "duval", "name": "Duval Industrie", "siren": "813529610", "domains": ["duval.example"]}], f)
    assert run_vigie(["accounts", "-c", conf, "import", path]).returncode == 0
    c = r.client()
    v = Vigie(config_path=conf)

    def stream(name, field):
        return [json.loads(dict(zip(e[1][0::2], e[1][1::2]))[field]) for e in c.call("XRANGE", name, "-", "+")
                if field in e[1][0::2]]

    wait_until(lambda: len(stream("vigie:contacts", "contact")) >= 2, 30, "the officers as contacts")
    contacts = stream("vigie:contacts", "contact")
    assert {x["name"] for x in contacts} == {"Claire Marie DUVAL", "Paul MARCHAND"}, contacts
    assert all(x["account_id"] == "duval" for x in contacts)
    assert stream("vigie:signals", "signal") == []

    def moved_on(res):
        res["etat_administratif"] = "C"
        res["date_fermeture"] = "2026-11-28"
        res["dirigeants"].append({"nom": "LEROY", "prenoms": "Sophie", "qualite": "Directeur général délégué",
                                  "type_dirigeant": "personne physique"})
    Register.change = moved_on
    c.call("ZADD", "vigie:due", "0", "fr_company:duval")  # poll again now
    wait_until(lambda: len(stream("vigie:signals", "signal")) >= 3, 30, "the change signals")
    sigs = stream("vigie:signals", "signal")
    by = {(s["type"], s.get("change", {}).get("field") if s.get("change") else None): s for s in sigs}
    assert all(s["account_id"] == "duval" for s in sigs), sigs
    ceased = by[("registry_change", "state")]
    assert ceased["priority"] == 90 and ceased["change"]["after"] == "ceased", ceased
    lead = by[("leadership_change", None)]
    assert [p["name"] for p in lead["people"]] == ["Sophie LEROY"], lead
    assert ("registry_change", "directors") in by, list(by)
    wait_until(lambda: any(x["name"] == "Sophie LEROY" for x in stream("vigie:contacts", "contact")), 10,
               "the new director as a contact")
    assert v.stop() == 0
    Register.change = None
    srv.shutdown()


run_tests(globals())
