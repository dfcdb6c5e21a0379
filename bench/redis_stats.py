"""What the benches read of a Redis server's INFO: a section as a dict, and the command
statistics as {command: (calls, usec)} (deltas of these give a workload's Redis CPU)."""
import re


def info(c, section):
    out = {}
    for line in c.call("INFO", section).splitlines():
        if ":" in line and not line.startswith("#"):
            k, v = line.split(":", 1)
            out[k] = v
    return out


def commandstats(c):
    """{command: (calls, usec)}"""
    out = {}
    for k, v in info(c, "commandstats").items():
        m = re.search(r"calls=(\d+),usec=(\d+)", v)
        if m:
            out[k[len("cmdstat_"):]] = (int(m.group(1)), int(m.group(2)))
    return out
