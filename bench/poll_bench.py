#!/usr/bin/python3
"""poll benchmark: 10,000 feed sources on a local nginx (started here), one vigie process.
Requests per second for a full cycle of 200 responses and for a full cycle of 304 responses,
against wrk on the same server and URLs (the raw HTTP limit), and vigie's peak RSS.

Prints the bench/run result line (the 304 cycle) and "# " detail lines."""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.environ["VIGIE_SOURCE_DIR"], "tests", "integration"))
from harness import Redis  # noqa: E402

N = int(os.environ.get("POLL_BENCH_SOURCES", "10000"))
TMP = os.environ.get("BENCH_TMP") or "/tmp/pollbench"
VIGIE = os.environ["VIGIE_BIN"]
CYCLES = int(os.environ.get("POLL_BENCH_CYCLES", "7"))  # 304 cycles run; the median is reported (a cycle lasts a fraction of a second, so one slow moment of this shared machine can halve one)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def write_feeds(root):
    """N feeds of five items, all of one size and one modification time, so that nginx gives
    them all one ETag (its ETag is mtime-size): the libcurl floor below sends that one
    validator with every request, as vigie sends each source's own."""
    os.makedirs(os.path.join(root, "feed"), exist_ok=True)
    etags = []
    size = 2048
    for i in range(N):
        items = "".join(f"<item><title>Source {i} story {k}</title><link>https://news.example.com/{i}/{k}</link>"
                        f"<guid>https://news.example.com/{i}/{k}</guid><pubDate>Mon, 02 Jan 2023 10:0{k}:00 GMT</pubDate>"
                        f"<description>Story {k} of source {i}: &lt;p&gt;text&lt;/p&gt;</description></item>" for k in range(5))
        body = f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>S{i}</title>{items}</channel></rss>'
        assert len(body) <= size
        body += " " * (size - len(body))
        path = os.path.join(root, "feed", f"{i}.xml")
        with open(path, "w") as f:
            f.write(body)
        os.utime(path, (1700000000, 1700000000))
        st = os.stat(path)
        etags.append('"%x-%x"' % (int(st.st_mtime), st.st_size))  # nginx's static ETag
    assert len(set(etags)) == 1
    return etags


def start_nginx(root, port):
    conf = os.path.join(TMP, "nginx.conf")
    with open(conf, "w") as f:
        f.write(f"""worker_processes 1;
pid {TMP}/nginx.pid;
error_log {TMP}/nginx-error.log;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path {TMP}/nginx-tmp;
  server {{ listen 127.0.0.1:{port}; root {root}; etag on; }}
}}
""")
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    p = subprocess.Popen([nginx, "-p", TMP, "-c", conf, "-g", "daemon off;"], stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return p
        except OSError:
            time.sleep(0.02)
    raise RuntimeError("nginx did not start")


def wrk(port, etags, not_modified, seconds=8):
    script = os.path.join(TMP, "rotate.lua")
    with open(script, "w") as f:
        f.write("local n, i = %d, 0\nlocal etags = {%s}\n" % (N, ",".join(json.dumps(e) for e in etags) if not_modified else ""))
        f.write("request = function()\n  i = i %% n + 1\n  local h = {}\n%s  return wrk.format('GET', '/feed/' .. (i - 1) .. '.xml', h)\nend\n"
                % ("  h['If-None-Match'] = etags[i]\n" if not_modified else ""))
    out = subprocess.run(["wrk", "-t2", "-c64", f"-d{seconds}s", "-s", script, f"http://127.0.0.1:{port}/"],
                         capture_output=True, text=True, check=True).stdout
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def curl_floor(port, etag):
    """The HTTP client alone: tests/http/tool_fetch (vigie's fetch_http on libcurl, no Redis,
    no scheduling, no records) sending the same conditional GETs, N of them, 64 at once."""
    tool = os.path.join(os.environ["VIGIE_BUILD_DIR"], "tests", "tool_fetch")
    urls = "".join(f"http://127.0.0.1:{port}/feed/{i}.xml\n" for i in range(N))
    t0 = time.monotonic()
    subprocess.run([tool, "--allow-private", "127.0.0.0/8", "--per-host", "64", "--max-in-flight", "64",
                    "--delay-ms", "0", "--etag", etag, "-"], input=urls.encode(), stdout=subprocess.DEVNULL, check=True)
    return N / (time.monotonic() - t0)


def cpu(pid):
    """User+system CPU seconds of a process (and its reaped children) so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return round((int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), 2)


def nginx_worker(master):
    """The pid of nginx's one worker process (it does the serving)."""
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == master:
                        return int(d)
            except OSError:
                pass
    return master


def main():
    os.makedirs(TMP, exist_ok=True)
    # nginx's worker runs as another user: it must be able to read the feeds.
    os.chmod(TMP, 0o755)
    root = os.path.join(TMP, "www")
    etags = write_feeds(root)
    port = free_port()
    nginx = start_nginx(root, port)
    r = Redis(appendonly=False)
    conf = os.path.join(TMP, "vigie.conf")
    with open(conf, "w") as f:
        f.write(f"[redis]\nurl = {r.url}\n[admin]\nlisten = 127.0.0.1:0\n[log]\nlevel = warning\n"
                "[fetch]\nallow_private = 127.0.0.0/8\nper_host = " + os.environ.get("POLL_BENCH_CONC", "64") + "\nper_host_delay = 0\nmax_in_flight = " + os.environ.get("POLL_BENCH_CONC", "64") + "\n"
                "interval = 1h\n")
    csv = os.path.join(TMP, "sources.csv")
    with open(csv, "w") as f:
        f.write("id,url\n" + "".join(f"s{i},http://127.0.0.1:{port}/feed/{i}.xml\n" for i in range(N)))
    subprocess.run([VIGIE, "sources", "-c", conf, "import", csv], check=True, capture_output=True)

    # vigie's log goes to a file: an unread pipe would block it once full.
    log = open(os.path.join(TMP, "vigie.log"), "w")
    v = subprocess.Popen([VIGIE, "run", "-c", conf], stderr=log)
    t0 = time.monotonic()
    c = r.client()

    def recorded():
        """Every source polled and recorded: a source due or being polled is due within minutes
        (at the latest when its lease of 5 minutes ends), a polled one in about an hour (the
        interval, less at most 10% of jitter)."""
        return int(c.call("ZCOUNT", "vigie:due", "-inf", str(int(time.time() * 1000) + 1800000))) == 0

    while not recorded():
        time.sleep(0.02)
    t200 = time.monotonic() - t0
    perf = None
    if os.environ.get("POLL_BENCH_RPERF"):
        perf = subprocess.Popen(["perf", "record", "-g", "-o", os.path.join(TMP, "redis.perf"), "-p", str(r.proc.pid)],
                                stderr=subprocess.DEVNULL)
    if os.environ.get("POLL_BENCH_PERF"):
        perf = subprocess.Popen(os.environ["POLL_BENCH_PERF"].split() + ["-p", str(v.pid)],
                                stderr=open(os.path.join(TMP, "perf.txt"), "w"))
    pids = (v.pid, r.proc.pid, nginx_worker(nginx.pid))

    def cycle304():
        """Every source due again: a cycle of conditional GETs answered 304. (seconds, CPU seconds)"""
        c.call("EVAL", "for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do redis.call('ZADD', KEYS[1], 0, id) end",
               1, "vigie:due")
        # An idle vigie looks for due sources once a second: the cycle is timed from its first
        # claim, so that the figure is the polling rate, not when the next look happens to come.
        while int(c.call("ZCOUNT", "vigie:due", "-inf", "1")) == N:
            time.sleep(0.0005)
        t0 = time.monotonic()
        cpu0 = [cpu(x) for x in pids]
        while not recorded():
            time.sleep(0.002)
        return time.monotonic() - t0, [round(b - a, 2) for a, b in zip(cpu0, [cpu(x) for x in pids])]

    # Each vigie cycle is followed by wrk and by the libcurl floor on the same URLs, and each
    # figure is the median of its runs: this machine's speed drifts over seconds, and
    # measuring one side after the other would compare different moments.
    peer_on = not os.environ.get("POLL_BENCH_NO_PEER")  # quick runs while working on vigie
    runs, peers, floors = [], [], []
    for _ in range(CYCLES):
        runs.append(cycle304())
        if peer_on:
            peers.append(wrk(port, etags, True, seconds=2))
            floors.append(curl_floor(port, etags[0]))
    runs.sort()
    t304, cpu304 = runs[len(runs) // 2]
    peer304 = sorted(peers)[len(peers) // 2] if peers else float("nan")
    floor = sorted(floors)[len(floors) // 2] if floors else float("nan")
    if perf:
        perf.send_signal(signal.SIGINT)
        perf.wait()
    with open(f"/proc/{v.pid}/status") as f:
        hwm = int(re.search(r"VmHWM:\s+(\d+) kB", f.read()).group(1)) / 1024
    items = int(c.call("XLEN", "vigie:items"))
    failed = int(c.call("SCARD", "vigie:failing"))
    if failed:
        raise RuntimeError(f"{failed} sources failed; see {TMP}/vigie.log")
    v.send_signal(signal.SIGTERM)
    v.wait(30)
    peer200 = wrk(port, etags, False) if peer_on else float("nan")
    nginx.terminate()
    nginx.wait(10)
    r.stop()
    rate200, rate304 = N / t200, N / t304
    print(f"poll vigie={rate304:.0f} peer={peer304:.0f} unit=req/s ratio={rate304 / peer304:.3f}")
    print(f"# 304 cycle: {N} sources, conditional GET with the kept ETag, nothing parsed: vigie {rate304:.0f} req/s "
          f"(median of {CYCLES} cycles: {', '.join(f'{N / t:.0f}' for t, _ in runs)}), wrk {peer304:.0f} req/s "
          f"(median of {len(peers)} runs of 2 s, one after each vigie cycle: {', '.join(f'{x:.0f}' for x in sorted(peers, reverse=True))})")
    print(f"# 200 cycle: {N} sources fetched, parsed, {N * 5} items deduplicated ({items} passed on): vigie {rate200:.0f} req/s, wrk {peer200:.0f} req/s (ratio {rate200 / peer200:.3f})")
    print(f"# floor: libcurl alone (tests/http/tool_fetch, the same client without Redis or scheduling) "
          f"{floor:.0f} req/s for the same 304s (median of {len(floors)} runs, one after each wrk run) = "
          f"{floor / peer304:.3f} of wrk; vigie is {rate304 / floor:.2f} of it")
    print(f"# CPU seconds during the 304 cycle ({t304:.2f} s): vigie {cpu304[0]}, redis-server {cpu304[1]}, nginx {cpu304[2]}")
    print(f"# vigie peak RSS with {N} sources: {hwm:.1f} MiB (VmHWM)")
    print(f"# one vigie process: max_in_flight 64, per_host 64; wrk -t2 -c64 over the same URLs; nginx 1 worker; same machine")


if __name__ == "__main__":
    main()
