#!/usr/bin/python3
"""queue benchmark: items per second through a pipeline stage, against redis-benchmark's
pipelined XADD on the same redis-server in the same run, and the latency from item written
to output written.

  queue_bench.py trivial   the trivial stage (tests/queue/tool_stage: one output per item)
  queue_bench.py enrich    the real enrich stage (vigie run), when given --vigie-config

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


def xadd_many(c, payloads, batch=1000):
    for i in range(0, len(payloads), batch):
        chunk = payloads[i:i + batch]
        c.s.sendall(b"".join(b"*5\r\n$4\r\nXADD\r\n$11\r\nvigie:items\r\n$1\r\n*\r\n$4\r\nitem\r\n$%d\r\n%s\r\n"
                             % (len(p), p) for p in chunk))
        for _ in chunk:
            c._read()


def redis_benchmark(sock):
    out = subprocess.run(["redis-benchmark", "-s", sock, "-P", "32", "-n", "1000000", "-q",
                          "XADD", "bench:xadd", "*", "item", '{"id":"x","title":"t"}'],
                         capture_output=True, text=True, check=True).stdout
    m = re.findall(r"([\d.]+) requests per second", out)
    return float(m[-1])


def run_stage(r, c, delay_env=None):
    """Throughput: N items already queued, time until all N outputs are written."""
    payloads = [json.dumps({"id": f"i{i}", "title": f"title {i}"}).encode() for i in range(N)]
    xadd_many(c, payloads)
    t0 = time.monotonic()
    p = subprocess.Popen([TOOL, r.url, "bench", "60000", "5"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    while c.call("XLEN", "vigie:signals") < N:
        time.sleep(0.005)
    elapsed = time.monotonic() - t0
    return p, N / elapsed


def latency(c, rate=2000, seconds=5):
    """Items written at a steady rate while the stage runs: ms from item entry to output entry."""
    c.call("DEL", "vigie:signals")
    start = time.monotonic()
    sent = 0
    while time.monotonic() - start < seconds:
        due = int((time.monotonic() - start) * rate)
        if due > sent:
            xadd_many(c, [json.dumps({"id": f"l{i}"}).encode() for i in range(sent, due)], batch=200)
            sent = due
        time.sleep(0.002)
    deadline = time.monotonic() + 30
    while c.call("XLEN", "vigie:signals") < sent and time.monotonic() < deadline:
        time.sleep(0.01)
    items = {}
    for eid, fields in c.call("XRANGE", "vigie:items", "-", "+"):
        d = json.loads(fields[1])
        if d["id"].startswith("l"):
            items[d["id"]] = int(eid.split("-")[0])
    lat = []
    for eid, fields in c.call("XRANGE", "vigie:signals", "-", "+"):
        d = json.loads(fields[1])
        if d["id"] in items:
            lat.append(int(eid.split("-")[0]) - items[d["id"]])
    lat.sort()
    return lat[len(lat) // 2], lat[int(len(lat) * 0.99)], len(lat)


def main():
    r = Redis(appendonly=False)
    c = r.client()
    peer = redis_benchmark(r.sock)
    c.call("DEL", "bench:xadd")
    p, rate = run_stage(r, c)
    p50, p99, n = latency(c)
    p.send_signal(signal.SIGTERM)
    p.communicate(timeout=30)
    r.stop()
    print(f"queue vigie={rate:.0f} peer={peer:.0f} unit=items/s ratio={rate / peer:.3f}")
    print(f"# trivial stage: {N} queued items through one consumer (read, handle, write output + XACK by one script)")
    print(f"# peer: redis-benchmark -P 32 XADD on the same redis-server (append-only off for both)")
    print(f"# latency item written -> output written at {2000} items/s: p50 {p50} ms, p99 {p99} ms ({n} items)")


if __name__ == "__main__":
    main()
