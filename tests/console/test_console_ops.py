# ctest-labels: integration console
"""The console's Operations page against a real redis-server and `vigie run`: a source whose
server refuses connections shows as failing with the reason `vigie status` gives and no last
success; the streams with their consumer groups, a dead letter (its hostile error as text), the
vigie processes connected to Redis; the page asks the console's script to refresh it."""
import os
import re
import socket
import sys

sys.path.insert(0, os.path.dirname(__file__))
from pages_env import P, Console, body_of, pipeline  # noqa: E402
from harness import run_tests, wait_until  # noqa: E402


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there any more: a connection is refused
    return port


def test_ops_page_shows_a_failing_source_and_why():
    c = Console(extra="[fetch]\nallow_private = 127.0.0.0/8\n")
    url = f"http://127.0.0.1:{closed_port()}/feed.xml"
    c.cli("sources", "add", url, "--id", "dead-feed", "--interval", "10s")
    c.start()
    wait_until(lambda: "1 failing" in c.cli("status").stdout, 20, "the source to fail")
    status_out = c.cli("status").stdout
    reason = re.search(r"dead-feed\s+(\S+): (.*)", status_out)
    assert reason, status_out
    # A dead letter whose error is hostile text.
    pipeline(c.redis, [["XADD", P + "dlq", "*", "stream", P + "items", "group", "enrich", "entry", "1-0",
                        "deliveries", "5", "error", "<script>alert(1)</script> bad item", "field", "item",
                        "payload", "{}"]])

    status, headers, html = c.get("/ui/ops")
    assert status == 200, html[:300]
    assert 'data-refresh="' in html
    assert 'data-sources="1"' in html and 'data-failing="1"' in html
    row = re.search(r"<tr><td>dead-feed</td><td>([^<]*)</td><td class=\"why\">([^<]*)</td><td>([^<]*)</td></tr>", html)
    assert row, html
    assert row.group(1) == reason.group(1)
    assert row.group(2).replace("&#39;", "'").replace("&quot;", '"').replace("&amp;", "&") == reason.group(2).strip()
    assert row.group(3) == "never"
    # Streams and their groups, as vigie status counts them.
    for stream in ("items", "signals", "contacts", "dlq"):
        assert f'data-stream="{stream}"' in html
    assert "<td>enrich</td>" in html
    assert 'data-dead="1"' in html and "&lt;script&gt;alert(1)&lt;/script&gt; bad item" in html
    assert "<script" not in body_of(html).lower()
    # The processes: this daemon's connections, by instance.
    assert "vigie:t1:cmd" in html
    # French, from Accept-Language, for the page's own words.
    status, _, fr = c.get("/ui/ops", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert status == 200 and 'lang="fr"' in fr
    assert "<h2>Processus</h2>" in fr and "<td>jamais</td>" in fr and "Dernier succès" not in html
    # The refresh is done by the console's script, never inline.
    status, _, js = c.get("/ui/static/console.js")
    assert status == 200 and "data-refresh" in js
    assert "<script>" not in html and "onload=" not in html
    c.stop()


if __name__ == "__main__":
    run_tests(globals())
