# ctest-labels: integration sources
"""Company sources end to end, as a user runs them: accounts imported with their SIRENs, `vigie
run` with [sources] automatic pointing at a loopback stand-in of the French register (API
Recherche d'entreprises) and of BODACC, each answering in its documented format
(../shared/REFERENCE.md C.1, C.2). What a user sees: the account's sources created by
themselves, its directors as contacts after the first poll, a change between two polls as
registry_change and leadership_change signals on the right account, a liquidation as a
top-priority insolvency signal, `vigie accounts show` with the register's figures."""
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from harness import Redis, Vigie, daemon_config, run_tests, run_vigie, short_tmpdir, wait_until  # noqa: E402

RENAULT, ORANGE = "780129987", "380129866"


def register_entry(siren, name, directors, city="BOULOGNE-BILLANCOURT", band="53", finances=None):
    """A /search result as C.1 documents it."""
    return {
        "siren": siren, "nom_complet": name, "nom_raison_sociale": name, "sigle": None,
        "activite_principale": "29.10Z", "section_activite_principale": "C", "categorie_entreprise": "GE",
        "date_creation": "1955-01-01", "date_fermeture": None, "etat_administratif": "A",
        "nature_juridique": "5599", "tranche_effectif_salarie": band, "annee_tranche_effectif_salarie": "2023",
        "nombre_etablissements": 40, "nombre_etablissements_ouverts": 12, "statut_diffusion": "O",
        "siege": {"siret": siren + "00520", "adresse": f"122-122 BIS AVENUE DU GENERAL LECLERC 92100 {city}",
                  "code_postal": "92100", "commune": "92012", "libelle_commune": city, "departement": "92",
                  "region": "11", "est_siege": True, "etat_administratif": "A", "tranche_effectif_salarie": band,
                  "activite_principale": "70.10Z", "date_creation": "2000-01-01"},
        "dirigeants": [{"nom": n, "prenoms": p, "qualite": q, "type_dirigeant": "personne physique",
                        "annee_de_naissance": "1965", "nationalite": "Française"} for n, p, q in directors],
        "finances": finances or {"2022": {"ca": 46391000000, "resultat_net": 354000000}},
        "matching_etablissements": [], "complements": {}, "tva": None,
    }


def bodacc_record(rid, siren, name, famille, jugement=None, date=None):
    """An ODS v2.1 record of annonces-commerciales (C.2): nested objects as JSON strings. Published
    today by default: a source's first poll passes on only what is recent ([fetch] recent_window)."""
    date = date or time.strftime("%Y-%m-%d", time.gmtime())
    spaced = f"{siren[:3]} {siren[3:6]} {siren[6:]}"
    rec = {
        "id": rid, "publicationavis": "A", "parution": "20260235", "dateparution": date,
        "numeroannonce": 1824, "typeavis": "annonce", "typeavis_lib": "Avis initial",
        "familleavis": famille, "familleavis_lib": "Procédures collectives" if famille == "collective" else famille,
        "numerodepartement": "92", "departement_nom_officiel": "Hauts-de-Seine",
        "tribunal": "TRIBUNAL DE COMMERCE DE NANTERRE", "commercant": name, "ville": "Boulogne-Billancourt",
        "cp": "92100", "registre": f"{spaced},{siren}",
        "listepersonnes": json.dumps({"personne": {"typePersonne": "pm", "denomination": name,
                                                    "numeroImmatriculation": {"numeroIdentification": spaced,
                                                                              "codeRCS": "RCS",
                                                                              "nomGreffeImmat": "Nanterre"}}}),
        "url_complete": f"https://www.bodacc.fr/pages/annonces-commerciales-detail/?q.id=id:{rid}",
    }
    if jugement:
        rec["jugement"] = json.dumps(jugement)
    return rec


class Stand:
    """The register and BODACC on one loopback port; what they answer can change between polls."""

    def __init__(self):
        self.companies = {}
        self.bodacc = []
        self.requests = []
        self.lock = threading.Lock()
        self.search_times = []
        self.limit = 0           # requests per rolling second the register allows (0: any)
        self.refused = 0
        self.refuse_next = 0     # answer this many /search requests 429 whatever the rate
        stand = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                u = urlparse(self.path)
                stand.requests.append(u.path)
                if u.path == "/search":
                    now = time.monotonic()
                    with stand.lock:
                        recent = [t for t in stand.search_times if now - t < 1.0]
                        stand.search_times.append(now)
                    if stand.refuse_next > 0 or (stand.limit and len(recent) >= stand.limit):
                        stand.refuse_next -= 1
                        stand.refused += 1
                        self.send_response(429)
                        self.send_header("Retry-After", "1")
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    q = parse_qs(u.query).get("q", [""])[0].replace("siren:", "").strip()
                    hits = [c for s, c in stand.companies.items() if q in (s, c["nom_complet"])]
                    body = {"results": hits, "total_results": len(hits), "page": 1, "per_page": 10,
                            "total_pages": 1}
                elif u.path.endswith("/annonces-commerciales/records"):
                    body = {"total_count": len(stand.bodacc), "results": stand.bodacc}
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self):
        self.server.shutdown()


def entries(c, stream, field):
    return [json.loads(dict(zip(e[1][::2], e[1][1::2]))[field]) for e in c.call("XRANGE", stream, "-", "+")]


def start(tmp, r, stand, accounts_csv=None, polite=False):
    """polite: [fetch] per_host_delay as by default (1 s), else 0 for quick tests."""
    conf = os.path.join(tmp, "vigie.conf")
    with open(conf, "w") as f:
        f.write(daemon_config(tmp, r.url) + f"""[fetch]
allow_private = 127.0.0.0/8
per_host_delay = {"1s" if polite else "0"}
[sources]
automatic = yes
fr_company_url = {stand.base}
bodacc_url = {stand.base}
""")
    accounts = os.path.join(tmp, "accounts.csv")
    with open(accounts, "w") as f:
        f.write(accounts_csv or f"id,name,siren,tier\nrenault,Renault,{RENAULT},key\norange,Orange,{ORANGE},key\n")
    out = run_vigie(["accounts", "-c", conf, "import", accounts])
    assert out.returncode == 0, out.stderr
    return conf, Vigie(config_path=conf)


def poll_again(c, source_id):
    """The source due now, as if its interval had passed."""
    c.call("ZADD", "vigie:due", "0", source_id)


def test_register_directors_then_changes_become_signals_on_the_account():
    tmp = short_tmpdir()
    r = Redis()
    c = r.client()
    stand = Stand()
    stand.companies[RENAULT] = register_entry(RENAULT, "RENAULT", [
        ("SENARD", "Jean-Dominique", "Président du conseil d'administration"),
        ("DE MEO", "Luca", "Directeur général")])
    stand.companies[ORANGE] = register_entry(ORANGE, "ORANGE", [("HEYDEMANN", "Christel", "Directeur général")],
                                             city="ISSY-LES-MOULINEAUX")
    conf, v = start(tmp, r, stand)
    try:
        wait_until(lambda: c.call("HGET", "vigie:source:fr_company:renault", "url"), 20,
                   "the account's fr_company source, created from its siren")
        wait_until(lambda: any(x["account_id"] == "renault" and "Senard" in x["name"].title()
                               for x in entries(c, "vigie:contacts", "contact")), 30,
                   "the directors of the first poll as contacts of the account")
        # The next poll sees a new CEO, a head office in another city, a larger headcount band and
        # a new year of accounts.
        stand.companies[RENAULT] = register_entry(RENAULT, "RENAULT", [
            ("SENARD", "Jean-Dominique", "Président du conseil d'administration"),
            ("PROVOST", "François", "Directeur général")], city="PARIS", band="54",
            finances={"2022": {"ca": 46391000000, "resultat_net": 354000000},
                      "2023": {"ca": 52376000000, "resultat_net": 2315000000}})
        poll_again(c, "fr_company:renault")

        def renault_signals():
            return [s for s in entries(c, "vigie:signals", "signal") if s["account_id"] == "renault"]
        wait_until(lambda: {"registry_change", "leadership_change", "financial_results"}
                   <= {s["type"] for s in renault_signals()}, 30,
                   "registry_change, leadership_change and financial_results signals after the second poll")
        sigs = renault_signals()
        lead = [s for s in sigs if s["type"] == "leadership_change"]
        names = {p["name"].lower(): p.get("departing") for s in lead for p in s["people"]}
        assert any("provost" in n and not d for n, d in names.items()), names
        assert any("meo" in n and d for n, d in names.items()), names
        assert all(s["role"] == "subject" and s["confidence"] == 1 for s in sigs), sigs
        assert not [s for s in entries(c, "vigie:signals", "signal") if s["account_id"] == "orange"], \
            "an account whose register did not change gets no signal"
        show = run_vigie(["accounts", "-c", conf, "show", "renault"])
        assert show.returncode == 0, show.stderr
        assert "RENAULT" in show.stdout and "PARIS" in show.stdout, show.stdout
    finally:
        v.stop()
        stand.stop()
        r.stop()


def test_bodacc_liquidation_is_a_top_priority_insolvency_signal_on_the_right_account():
    tmp = short_tmpdir()
    r = Redis()
    c = r.client()
    stand = Stand()
    stand.bodacc = [bodacc_record("A202612050001", ORANGE, "ORANGE", "collective", jugement={
        "type": "initial", "famille": "Jugement d'ouverture",
        "nature": "Jugement d'ouverture de liquidation judiciaire", "date": "2026-12-01",
        "complementJugement": "Jugement prononçant la liquidation judiciaire"}),
        # two months old on the source's first poll: recorded as seen, not raised again
        bodacc_record("A202610050002", RENAULT, "RENAULT", "collective", jugement={
            "type": "initial", "famille": "Jugement d'ouverture",
            "nature": "Jugement d'ouverture d'une procédure de sauvegarde"},
            date=time.strftime("%Y-%m-%d", time.gmtime(time.time() - 60 * 86400)))]
    conf, v = start(tmp, r, stand)
    try:
        def insolvency():
            return [s for s in entries(c, "vigie:signals", "signal") if s["type"] == "insolvency"]
        wait_until(insolvency, 30, "an insolvency signal from the BODACC announcement")
        s = insolvency()[0]
        assert s["account_id"] == "orange", s
        assert s["priority"] == 100, s
        assert "liquidation" in s["evidence"].lower(), s
        assert [x["account_id"] for x in insolvency()] == ["orange"], \
            "an announcement older than [fetch] recent_window on the first poll raises nothing"
    finally:
        v.stop()
        stand.stop()
        r.stop()


def test_the_register_is_read_at_its_documented_rate_not_at_the_politeness_delay():
    """20 accounts, the register allowing 7 requests per rolling second (429 beyond): every
    account is read without one 429, at the API's rate — not at [fetch] per_host_delay (1 s by
    default, which would take 19 s or more for 20 requests)."""
    tmp = short_tmpdir()
    r = Redis()
    c = r.client()
    stand = Stand()
    stand.limit = 7
    sirens = [f"{900000000 + i:09d}" for i in range(20)]
    for s in sirens:
        stand.companies[s] = register_entry(s, f"SOCIETE {s}", [("MARTIN", "Claire", "Président de SAS")])
    csv = "id,name,siren\n" + "".join(f"a{i},Societe {s},{s}\n" for i, s in enumerate(sirens))
    conf, v = start(tmp, r, stand, csv, polite=True)
    try:
        wait_until(lambda: sum(1 for k in c.call("HKEYS", "vigie:last_ok") if k.startswith("fr_company:")) == 20,
                   60, "every account read from the register")
        # the budget's margin keeps requests under the rate; on a machine so loaded that one
        # still arrives early, it meets a 429 and is tried again after its Retry-After
        assert stand.refused <= 1, f"{stand.refused} requests over the API's rate"
        span = stand.search_times[-1] - stand.search_times[0]
        assert span < 12, f"20 requests took {span:.1f} s: paced by the per-host delay, not the budget"
    finally:
        v.stop()
        stand.stop()
        r.stop()


def test_a_429_from_the_register_is_tried_again_when_it_says_not_a_day_later():
    tmp = short_tmpdir()
    r = Redis()
    c = r.client()
    stand = Stand()
    stand.refuse_next = 1
    stand.companies[RENAULT] = register_entry(RENAULT, "RENAULT", [("SENARD", "Jean-Dominique", "Président")])
    stand.companies[ORANGE] = register_entry(ORANGE, "ORANGE", [("HEYDEMANN", "Christel", "Directeur général")])
    conf, v = start(tmp, r, stand)
    try:
        wait_until(lambda: stand.refused == 1, 20, "the register's 429")
        wait_until(lambda: sum(1 for k in c.call("HKEYS", "vigie:last_ok") if k.startswith("fr_company:")) == 2,
                   20, "both accounts read, the refused one after its Retry-After (1 s)")
    finally:
        v.stop()
        stand.stop()
        r.stop()


if __name__ == "__main__":
    run_tests(globals())
