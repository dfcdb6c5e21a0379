#!/usr/bin/python3
"""registry benchmark: REGISTRY_ACCOUNTS accounts (10,000) with SIRENs, their fr_company sources
created automatically, polled once against a loopback stand-in of the API Recherche
d'entreprises that enforces its documented limit (7 requests/s per address: a request over it
gets 429 with Retry-After: 1, as the API does).

The peer is the floor the limit sets: (accounts - 1) / 7 seconds for one request per account.
The line: registry vigie=<wall seconds> peer=<minimum seconds> unit=s ratio=<vigie/peer>, with
requests per account (429s included), the 429s, and vigie's CPU per account in detail lines.

Environment: REGISTRY_ACCOUNTS (10000), REGISTRY_RATE (7)."""
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

sys.path.insert(0, os.path.join(os.environ["VIGIE_SOURCE_DIR"], "tests", "integration"))
from harness import Redis  # noqa: E402

ACCOUNTS = int(os.environ.get("REGISTRY_ACCOUNTS", "10000"))
RATE = int(os.environ.get("REGISTRY_RATE", "7"))
TMP = os.environ.get("BENCH_TMP") or "/tmp/registrybench"


def siren(i):
    """A valid-looking 9-digit SIREN per account (Luhn is not checked by the API's search)."""
    return f"{800000000 + i:09d}"


def company(s):
    """One search result in the API's documented shape (REFERENCE.md C.1)."""
    return {
        "siren": s, "nom_complet": f"SOCIETE {s}", "nom_raison_sociale": f"SOCIETE {s}",
        "activite_principale": "62.01Z", "categorie_entreprise": "PME", "date_creation": "2001-05-14",
        "etat_administratif": "A", "tranche_effectif_salarie": "12", "annee_tranche_effectif_salarie": "2023",
        "nombre_etablissements": 2, "nombre_etablissements_ouverts": 2, "nature_juridique": "5710",
        "siege": {"siret": s + "00017", "adresse": "10 RUE DE LA PAIX 75002 PARIS", "code_postal": "75002",
                  "commune": "75102", "libelle_commune": "PARIS", "est_siege": True,
                  "tranche_effectif_salarie": "12", "etat_administratif": "A", "date_creation": "2001-05-14"},
        "dirigeants": [{"nom": "MARTIN", "prenoms": "Claire", "qualite": "Président de SAS",
                        "type_dirigeant": "personne physique", "annee_de_naissance": "1970"}],
        "finances": {"2023": {"ca": 12000000, "resultat_net": 800000}},
    }


class Limited(BaseHTTPRequestHandler):
    """/search?q=<siren>: 429 with Retry-After when more than RATE requests came in the last second."""
    lock = threading.Lock()
    window = deque()
    served = 0
    refused = 0
    other = 0

    def log_message(self, *a):
        pass

    def do_GET(self):
        u = urlparse(self.path)
        if u.path != "/search":
            Limited.other += 1
            self.reply(200, {"total_count": 0, "results": []})  # any other company API the accounts name
            return
        now = time.monotonic()
        with Limited.lock:
            while Limited.window and now - Limited.window[0] >= 1.0:
                Limited.window.popleft()
            over = len(Limited.window) >= RATE
            if over:
                Limited.refused += 1
            else:
                Limited.window.append(now)
                Limited.served += 1
        if over:
            self.reply(429, {"erreur": "Trop de requêtes"}, {"Retry-After": "1"})
            return
        q = parse_qs(u.query).get("q", [""])[0].replace("siren:", "").strip()
        self.reply(200, {"results": [company(q)], "total_results": 1, "page": 1, "per_page": 1, "total_pages": 1})

    def reply(self, code, body, headers=None):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)


def cpu(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    os.makedirs(TMP, exist_ok=True)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Limited)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    r = Redis(appendonly=False)
    c = r.client()
    vigie = os.environ["VIGIE_BIN"]
    conf = os.path.join(TMP, "vigie.conf")
    with open(conf, "w") as f:
        f.write(f"[redis]\nurl = {r.url}\n[admin]\nlisten = 127.0.0.1:0\n[log]\nlevel = warning\n"
                "[fetch]\nallow_private = 127.0.0.0/8\nper_host = 16\nper_host_delay = 0\n"
                f"[sources]\nautomatic = yes\nfr_company_url = {base}\nfr_company_rate = {RATE}/1s\n"
                f"bodacc_url = {base}\nbodacc_rate = 50/1s\n")
    accounts = os.path.join(TMP, "accounts.csv")
    with open(accounts, "w") as f:
        f.write("id,name,siren\n" + "".join(f"a{i},Societe {siren(i)},{siren(i)}\n" for i in range(ACCOUNTS)))
    subprocess.run([vigie, "accounts", "-c", conf, "import", accounts], check=True, capture_output=True)
    log = open(os.path.join(TMP, "vigie.log"), "w")
    t0 = time.monotonic()
    v = subprocess.Popen([vigie, "run", "-c", conf], stderr=log)
    try:
        done = 0
        while done < ACCOUNTS:
            if v.poll() is not None:
                raise RuntimeError(f"vigie exited with {v.returncode}; see {log.name}")
            time.sleep(0.5)
            ids = c.call("HKEYS", "vigie:last_ok")
            done = sum(1 for i in ids if i.startswith("fr_company:"))
        wall = time.monotonic() - t0
        vigie_cpu = cpu(v.pid)
    finally:
        v.send_signal(signal.SIGTERM)
        v.wait(60)
        r.stop()
        server.shutdown()
    floor = (ACCOUNTS - 1) / RATE
    requests = Limited.served + Limited.refused
    print(f"registry vigie={wall:.1f} peer={floor:.1f} unit=s ratio={wall / floor:.3f}")
    print(f"# {ACCOUNTS} accounts with a SIREN, fr_company sources created by [sources] automatic, one poll "
          f"each against a loopback stand-in allowing {RATE} requests/s (429 + Retry-After beyond); wall time "
          f"from `vigie run` to every source recorded, against the floor the limit sets")
    print(f"# requests per account per poll: {requests / ACCOUNTS:.3f} ({Limited.served} answered, "
          f"{Limited.refused} refused with 429)")
    print(f"# vigie CPU per account: {vigie_cpu / ACCOUNTS * 1e6:.0f} us ({vigie_cpu:.2f} s for the run, "
          f"all roles, startup included)")


if __name__ == "__main__":
    main()
