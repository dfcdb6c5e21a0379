#!/usr/bin/env python3
"""A CRM sync job reading vigie's signals from Redis, with its own consumer group.

    python3 examples/sync_job.py --redis unix:///var/lib/vigie/redis/redis.sock --group my-crm

Each signal is handed to handle() and acknowledged only once handle() returned: a crash in
between leaves it pending, and the next start reads this consumer's pending entries first, so
nothing is lost (handle() may see a signal twice: key your writes by the signal's `id`).
Entries with the field `update` carry a signal already seen, told by one more source (its
`sources` grew). Needs python3-redis (Debian package).
"""
import argparse
import json
import sys

import redis


def handle(kind, signal):
    """Replace with the write to your CRM. Here: one JSON line per signal on stdout."""
    print(json.dumps({"kind": kind, "id": signal["id"], "account_id": signal.get("account_id"),
                      "type": signal.get("type"), "title": signal.get("title"),
                      "sources": signal.get("sources")}, ensure_ascii=False), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--redis", default="unix:///var/lib/vigie/redis/redis.sock",
                    help="redis URL (vigie's embedded server listens on a unix socket in its state directory)")
    ap.add_argument("--prefix", default="vigie:", help="[redis] prefix of the vigie configuration")
    ap.add_argument("--group", default="crm-sync", help="this job's consumer group (one per job)")
    ap.add_argument("--consumer", default="sync-1", help="this process's name in the group")
    ap.add_argument("--once", action="store_true", help="stop when nothing is left instead of waiting")
    args = ap.parse_args()

    r = redis.Redis.from_url(args.redis, decode_responses=True)
    stream = args.prefix + "signals"
    try:
        # From the start of the stream the first time ("0"); the group remembers where it is.
        r.xgroup_create(stream, args.group, id="0", mkstream=True)
    except redis.ResponseError as e:
        if "BUSYGROUP" not in str(e):
            raise
    # First this consumer's own pending entries (a previous run that crashed), then new ones.
    last_id = "0"
    while True:
        got = r.xreadgroup(args.group, args.consumer, {stream: last_id}, count=100,
                           block=None if args.once else 5000)
        entries = got[0][1] if got else []
        if last_id != ">" and not entries:
            last_id = ">"
            continue
        if not entries:
            if args.once:
                return 0
            continue
        for entry_id, fields in entries:
            if last_id != ">":
                last_id = entry_id
            if not fields:  # trimmed from the stream (MAXLEN) while pending: nothing to read
                r.xack(stream, args.group, entry_id)
                continue
            for kind in ("signal", "update"):
                if kind in fields:
                    handle(kind, json.loads(fields[kind]))
            r.xack(stream, args.group, entry_id)


if __name__ == "__main__":
    sys.exit(main())
