#!/usr/bin/python3
# ctest-labels: unit
"""The folders are floors (docs/design.md): util/ at the bottom, then http/ and enrich/, then
fetchers/, queue/, sinks/ and daemon/ on top. A file may include its own folder and the folders
below it, never one above it or beside it on its floor; fetchers/ and sinks/ never include each
other; only queue/ includes hiredis; only the HTTP client's own file talks to curl_multi. This
test reads every #include and fails naming the file and line that breaks the rule."""
import os
import re
import sys

src = os.environ.get("VIGIE_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
FLOOR = {"util": 0, "http": 1, "enrich": 1, "fetchers": 2, "queue": 3, "sinks": 4, "daemon": 5}
INCLUDE = re.compile(r'^\s*#\s*include\s+[<"]([^">]+)[">]')

bad = []
for folder, floor in FLOOR.items():
    root = os.path.join(src, folder)
    if not os.path.isdir(root):
        continue
    for name in sorted(os.listdir(root)):
        if not name.endswith((".c", ".h")):
            continue
        path = os.path.join(root, name)
        with open(path, encoding="utf-8", errors="replace") as f:
            for lineno, line in enumerate(f, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                inc = m.group(1)
                where = f"{folder}/{name}:{lineno}: #include \"{inc}\""
                top = inc.split("/")[0]
                if top in FLOOR and top != folder:
                    if FLOOR[top] > floor:
                        bad.append(f"{where} reaches up from {folder}/ to {top}/")
                    elif FLOOR[top] == floor:
                        bad.append(f"{where} reaches sideways from {folder}/ to {top}/ (same floor)")
                    elif {top, folder} == {"fetchers", "sinks"}:
                        bad.append(f"{where}: fetchers/ and sinks/ never include each other")
                if inc.startswith("hiredis/") and folder != "queue":
                    bad.append(f"{where}: only queue/ talks to Redis")
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        if "curl_multi_" in text and not path.endswith(os.path.join("http", "fetch_http.c")):
            bad.append(f"{folder}/{name}: calls curl_multi_ (only http/fetch_http.c drives curl's multi interface)")

if bad:
    print("\n".join(bad))
    sys.exit(1)
print("ok: no include reaches a higher floor")
