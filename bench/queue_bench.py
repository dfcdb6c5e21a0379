#!/usr/bin/python3
"""queue benchmark: items per second through a pipeline stage, against redis-benchmark's
pipelined XADD on the same redis-server in the same run, and the latency from item written
to output written.

The trivial stage is tests/queue/tool_stage (one output per item); the real enrich stage is
`vigie run` with `[daemon] roles = enrich`, on short news-like items (bench/gen_news.py) and
1,000 accounts (bench/gen_accounts.py). Both talk to Redis over TCP, as vigie processes on
several machines do; the trivial stage is also measured over the unix socket.

Prints the bench/run result line and "# " detail lines.
"""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.environ["VIGIE_SOURCE_DIR"], "tests", "integration"))
from harness import RespClient, Redis  # noqa: E402

BUILD = os.environ["VIGIE_BUILD_DIR"]
TOOL = os.path.join(BUILD, "tests", "tool_stage")
N = int(os.environ.get("QUEUE_BENCH_ITEMS", "200000"))
N_ENRICH = int(os.environ.get("QUEUE_BENCH_ENRICH_ITEMS", "20000"))
LAT_RATE, LAT_SECONDS = 2000, 5
RUNS = int(os.environ.get("QUEUE_BENCH_RUNS", "5"))  # stage runs; the median is reported


def xadd_many(c, payloads, batch=1000):
    for i in range(0, len(payloads), batch):
        chunk = payloads[i:i + batch]
        c.s.sendall(b"".join(b"*5\r\n$4\r\nXADD\r\n$11\r\nvigie:items\r\n$1\r\n*\r\n$4\r\nitem\r\n$%d\r\n%s\r\n"
                             % (len(p), p) for p in chunk))
        for _ in chunk:
            c._read()


def redis_benchmark(r, tcp=True):
    where = ["-h", "127.0.0.1", "-p", str(r.port)] if tcp else ["-s", r.sock]
    out = subprocess.run(["redis-benchmark", *where, "-P", "32", "-n", "500000", "-q",
                          "XADD", "bench:xadd", "*", "item", '{"id":"x","title":"t"}'],
                         capture_output=True, text=True, check=True).stdout
    m = re.findall(r"([\d.]+) requests per second", out)
    return float(m[-1])


def run_stage(r, c, tcp=True):
    """Throughput: N items already queued; time from the stage's first output to its N-th, so
    that the process start (connect, function load, group creation) is not counted."""
    payloads = [json.dumps({"id": f"i{i}", "title": f"title {i}"}).encode() for i in range(N)]
    xadd_many(c, payloads)
    p = subprocess.Popen([TOOL, r.tcp_url if tcp else r.url, "bench", "60000", "5"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    while c.call("XLEN", "vigie:signals") == 0:
        time.sleep(0.0005)
    t0 = time.monotonic()
    first = c.call("XLEN", "vigie:signals")
    while c.call("XLEN", "vigie:signals") < N:
        time.sleep(0.002)
    elapsed = time.monotonic() - t0
    return p, (N - first) / elapsed


def stop(p):
    p.send_signal(signal.SIGTERM)
    p.communicate(timeout=30)


def latency(c, make_item, caught_up, key):
    """Items written at LAT_RATE for LAT_SECONDS while the stage runs: (p50, p99, count) of the
    ms from an item's entry to its output's entry. make_item(i) gives item i's JSON (bytes);
    caught_up(sent) says when the stage has handled them; key(record) pairs an item with its
    output (a "signal" entry in vigie:signals)."""
    c.call("DEL", "vigie:signals")
    start, sent = time.monotonic(), 0
    while time.monotonic() - start < LAT_SECONDS:
        due = int((time.monotonic() - start) * LAT_RATE)
        if due > sent:
            xadd_many(c, [make_item(i) for i in range(sent, due)], batch=200)
            sent = due
        time.sleep(0.002)
    deadline = time.monotonic() + 30
    while not caught_up(sent) and time.monotonic() < deadline:
        time.sleep(0.01)
    written = {key(json.loads(f[1])): int(eid.split("-")[0]) for eid, f in c.call("XRANGE", "vigie:items", "-", "+")}
    lat = sorted(int(eid.split("-")[0]) - written[key(json.loads(f[1]))]
                 for eid, f in c.call("XRANGE", "vigie:signals", "-", "+")
                 if f[0] == "signal" and key(json.loads(f[1])) in written)
    if not lat:
        raise RuntimeError("no output came out of the latency run")
    return lat[len(lat) // 2], lat[int(len(lat) * 0.99)], len(lat)


def group(c, stream, name):
    for g in c.call("XINFO", "GROUPS", stream):
        g = dict(zip(g[::2], g[1::2]))
        if g["name"] == name:
            return g
    return None


def cpu(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def enrich_stage(tmp):
    """The real enrich stage on short items: (items/s, signals, p50 ms, p99 ms, latency items, vigie CPU s/item)."""
    py = "/usr/bin/python3"
    src = os.environ["VIGIE_SOURCE_DIR"]
    accounts, news = os.path.join(tmp, "accounts.json"), os.path.join(tmp, "news.txt")
    subprocess.run([py, os.path.join(src, "bench", "gen_accounts.py"), "1000", accounts], check=True)
    need = N_ENRICH + LAT_RATE * LAT_SECONDS
    subprocess.run([py, os.path.join(src, "bench", "gen_news.py"), accounts, news, str(need * 700 / 1e6)], check=True)
    lines = [l.rstrip("\n") for l in open(news, encoding="utf-8")][:need]
    if len(lines) < need:
        raise RuntimeError(f"gen_news.py gave {len(lines)} items, {need} needed")

    def item(i, line, tag):
        title, _, summary = line.partition(". ")
        return json.dumps({"id": f"{tag}{i}", "source_id": "bench", "url": f"https://news.example/{tag}{i}",
                           "title": title, "summary": summary,
                           "lang": "fr" if " le " in line or " la " in line else "en"}).encode()

    r = Redis(appendonly=False, tcp=True)
    c = r.client()
    conf = os.path.join(tmp, "vigie.conf")
    with open(conf, "w") as f:
        f.write(f"[daemon]\nroles = enrich\nstate_dir = {tmp}/state\n[redis]\nurl = {r.tcp_url}\n"
                "[admin]\nlisten = 127.0.0.1:0\n[log]\nlevel = warning\n")
    vigie = os.environ["VIGIE_BIN"]
    subprocess.run([vigie, "accounts", "-c", conf, "import", accounts], check=True, capture_output=True)
    xadd_many(c, [item(i, l, "e") for i, l in enumerate(lines[:N_ENRICH])])
    log = open(os.path.join(tmp, "vigie.log"), "w")
    v = subprocess.Popen([vigie, "run", "-c", conf], stderr=log)

    def handled():
        g = group(c, "vigie:items", "enrich")
        return 0 if not g else (g["entries-read"] or 0) - g["pending"]
    while handled() == 0:
        time.sleep(0.0005)
    t0, n0, cpu0 = time.monotonic(), handled(), cpu(v.pid)
    deadline = time.monotonic() + 300
    while handled() < N_ENRICH:
        if time.monotonic() > deadline or v.poll() is not None:
            raise RuntimeError(f"the enrich stage stopped at {handled()} of {N_ENRICH} items; see {tmp}/vigie.log")
        time.sleep(0.002)
    elapsed = time.monotonic() - t0
    rate = (N_ENRICH - n0) / elapsed
    cpu_per_item = (cpu(v.pid) - cpu0) / (N_ENRICH - n0)
    signals = c.call("XLEN", "vigie:signals")

    # Latency at a steady rate, items paired with their signals by URL.
    lat_lines = lines[N_ENRICH:]
    p50, p99, n = latency(c, lambda i: item(i, lat_lines[i], "l"), lambda sent: handled() >= N_ENRICH + sent,
                          lambda rec: rec.get("url"))
    v.send_signal(signal.SIGTERM)
    v.wait(30)
    r.stop()
    return rate, signals, p50, p99, n, cpu_per_item


def trivial_unix():
    r = Redis(appendonly=False)
    c = r.client()
    peer = redis_benchmark(r, tcp=False)
    c.call("DEL", "bench:xadd")
    p, rate = run_stage(r, c, tcp=False)
    stop(p)
    r.stop()
    return rate, peer


def main():
    tmp = os.environ.get("BENCH_TMP") or tempfile.mkdtemp()
    r = Redis(appendonly=False, tcp=True)
    c = r.client()
    # Each stage run is paired with a redis-benchmark run just before it, and the ratio is
    # taken per pair: this machine's speed drifts by tens of percent from minute to minute,
    # and a ratio of two runs minutes apart would measure that drift.
    pairs = []
    for k in range(RUNS):
        peer = redis_benchmark(r)
        c.call("DEL", "bench:xadd")
        p, rate = run_stage(r, c)
        pairs.append((rate / peer, rate, peer))
        if k < RUNS - 1:
            stop(p)
            c.call("DEL", "vigie:items", "vigie:signals")
    p50, p99, n = latency(c, lambda i: json.dumps({"id": f"l{i}"}).encode(),
                          lambda sent: c.call("XLEN", "vigie:signals") >= sent, lambda rec: rec["id"])
    stop(p)
    r.stop()
    ratio, rate, peer = sorted(pairs)[len(pairs) // 2]
    unix_rate, unix_peer = trivial_unix()
    e_rate, e_signals, e50, e99, e_n, e_cpu = enrich_stage(tmp)
    print(f"queue vigie={rate:.0f} peer={peer:.0f} unit=items/s ratio={ratio:.3f}")
    print(f"# trivial stage over TCP: {N} queued items through one consumer (read, handle, write output + XACK by one "
          f"script), timed from the first output; peer: redis-benchmark -P 32 XADD over TCP on the same redis-server "
          f"(append-only off for both) just before each stage run")
    print(f"# {RUNS} pairs (stage/peer items/s = ratio), the median ratio above: "
          + "; ".join(f"{x:.0f}/{y:.0f} = {q:.3f}" for q, x, y in pairs))
    print(f"# trivial stage latency, item written -> output written at {LAT_RATE} items/s: p50 {p50} ms, p99 {p99} ms ({n} items)")
    print(f"# over the unix socket instead: trivial stage {unix_rate:.0f} items/s, redis-benchmark {unix_peer:.0f}/s "
          f"(ratio {unix_rate / unix_peer:.3f})")
    print(f"# real enrich stage (vigie run, roles = enrich, 1000 accounts): {e_rate:.0f} items/s on {N_ENRICH} short items "
          f"({e_signals} signals, {e_cpu * 1e6:.0f} us of vigie CPU per item); latency item written -> signal written at "
          f"{LAT_RATE} items/s: p50 {e50} ms, p99 {e99} ms ({e_n} signals)")


if __name__ == "__main__":
    main()
