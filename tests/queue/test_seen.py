"""Seen items (vigie_complete's dedup) with a real redis-server and the dedup clock the poller
sends: an item seen within dedup_ttl is not passed on again, across the hour values' wrap and
the table's growth; after dedup_ttl it is; the string keys of earlier versions still count
after an upgrade; and the table stays in small listpack hashes as it grows."""
# ctest-labels: integration
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from harness import Redis, function_library, run_tests

CLAIM_FIELDS = ("kind", "url", "interval_ms", "account_id", "options", "etag", "last_modified", "failures",
                "baselined", "error_kind", "watch_text")
KEYS = ("5", "vigie:due", "vigie:items", "vigie:poll_cards", "vigie:last_attempt", "vigie:last_ok")
HOUR = 3600 * 1000
T0 = 1_796_000_000_000  # a dedup clock (ms), on a whole hour


def redis():
    r = Redis()
    c = r.client()
    c.call("FUNCTION", "LOAD", "REPLACE", function_library())
    c.call("HSET", "vigie:source:s1", "kind", "feed", "url", "http://127.0.0.1:9/f", "baselined", "1")
    return r, c


def key(i, kind):
    # 16 hex digits, as the poller sends (a 64-bit hash).
    return f"{(i * 0x9E3779B97F4A7C15 + (1 if kind == 'f' else 0) * 0x632BE59BD9B4E019) % (1 << 64):016x}"


def poll(c, clock_ms, ids, ttl_s=30 * 86400):
    """One poll of source s1 bringing items `ids` at that dedup clock: (added, duplicates)."""
    c.call("ZADD", "vigie:due", "1000.5", "s1")
    args = []
    for i in ids:
        args += [key(i, "u"), key(i, "f"), "1", '{"id": "%d"}' % i]
    out = c.call("FCALL", "vigie_complete", *KEYS, str(ttl_s), "1000000", "vigie:", str(clock_ms),
                 str(len(CLAIM_FIELDS)), *CLAIM_FIELDS, "s1", "1000.5", "60000", "1", "0", str(len(ids)), *args)
    assert out[0] == 1, out
    return out[1], out[2]


def test_an_item_seen_within_the_ttl_is_not_passed_on_again():
    r, c = redis()
    assert poll(c, T0, range(10)) == (10, 0)
    assert poll(c, T0 + 1000, range(10)) == (0, 10)
    # Same URL, other text; same text, other URL: both already seen.
    c.call("ZADD", "vigie:due", "1000.5", "s1")
    out = c.call("FCALL", "vigie_complete", *KEYS, "2592000", "1000000", "vigie:", str(T0 + 2000),
                 str(len(CLAIM_FIELDS)), *CLAIM_FIELDS, "s1", "1000.5", "60000", "1", "0", "2",
                 key(1, "u"), key(99, "f"), "1", "{}", key(98, "u"), key(2, "f"), "1", "{}")
    assert out[1:3] == [0, 2], out
    assert c.call("XLEN", "vigie:items") == 10
    # 29 days later, still seen; 10 new ones among them are passed on.
    assert poll(c, T0 + 29 * 24 * HOUR, range(20)) == (10, 10)


def test_seen_until_the_ttl_counted_from_the_last_sighting_then_forgotten():
    r, c = redis()
    ttl = 2 * 3600
    assert poll(c, T0, [1, 2], ttl) == (2, 0)
    # Item 1 is seen again an hour later: its time runs from there.
    assert poll(c, T0 + HOUR + 5, [1], ttl) == (0, 1)
    # Within the ttl of item 2's sighting (plus the hour's rounding): still seen.
    assert poll(c, T0 + 2 * HOUR + 10, [2], ttl) == (0, 1)
    # Item 1 was last seen at T0 + 1 h, item 2 at T0 + 2 h: both still known.
    assert poll(c, T0 + 3 * HOUR + 10, [1, 2], ttl) == (0, 2)
    # Three hours and more after the last sighting: forgotten, passed on again.
    assert poll(c, T0 + 6 * HOUR, [1, 2], ttl) == (2, 0)


def test_the_hour_values_wrap_without_forgetting():
    # Hours are kept modulo 32768: an item seen in the last hour before the wrap is still seen
    # in the first hour after it.
    r, c = redis()
    wrap = (T0 // (32768 * HOUR) + 1) * 32768 * HOUR
    assert poll(c, wrap - 10, range(5)) == (5, 0)
    assert poll(c, wrap + 10, range(5)) == (0, 5)
    assert poll(c, wrap + 20 * HOUR, range(5)) == (0, 5)


def test_the_table_grows_in_small_hashes_and_forgets_nothing_while_it_splits():
    r, c = redis()
    n = 12000
    for start in range(0, n, 500):
        assert poll(c, T0 + start, range(start, start + 500)) == (500, 0)
    state = dict(zip(*[iter(c.call("HGETALL", "vigie:seen:u"))] * 2))
    hashes = 2 ** int(state["level"]) + int(state["split"])
    assert int(state["n"]) == n and hashes >= n // 48, state
    for b in range(hashes):
        assert c.call("OBJECT", "ENCODING", f"vigie:seen:u:{b}") == "listpack", b
    # Every item is still found where the grown table looks for it.
    for start in range(0, n, 1000):
        assert poll(c, T0 + HOUR, range(start, start + 1000)) == (0, 1000)
    assert c.call("XLEN", "vigie:items") == n


def test_keys_past_the_ttl_are_swept_away():
    r, c = redis()
    ttl = 3600
    assert poll(c, T0, range(200), ttl) == (200, 0)
    # Later polls sweep one hash each; every hash is visited within as many calls.
    state = dict(zip(*[iter(c.call("HGETALL", "vigie:seen:u"))] * 2))
    hashes = 2 ** int(state["level"]) + int(state["split"])
    for k in range(hashes + 1):
        poll(c, T0 + 10 * HOUR + k, [100000 + k], ttl)
    state = dict(zip(*[iter(c.call("HGETALL", "vigie:seen:u"))] * 2))
    assert int(state["n"]) <= hashes + 1, state


def test_an_upgrade_keeps_the_string_keys_of_the_earlier_version():
    # A Redis of an earlier version: an items stream, and one string key with a TTL per URL key
    # and per fingerprint. Those items are not passed on again after the upgrade.
    r, c = redis()
    c.call("XADD", "vigie:items", "*", "item", "{}")
    for i in range(5):
        c.call("SET", "vigie:seen:u:" + key(i, "u"), "1", "EX", "86400")
    for i in range(5, 10):
        c.call("SET", "vigie:seen:f:" + key(i, "f"), "1", "EX", "86400")
    assert poll(c, T0, range(12)) == (2, 10)
    # Now in the table: still seen once the old keys are gone.
    for i in range(10):
        c.call("DEL", "vigie:seen:u:" + key(i, "u"), "vigie:seen:f:" + key(i, "f"))
    assert poll(c, T0 + HOUR, range(12)) == (0, 12)
    # dedup_ttl after the table was made, the old keys are no longer looked at.
    c.call("SET", "vigie:seen:u:" + key(50, "u"), "1")
    assert poll(c, T0 + 31 * 24 * HOUR, [50]) == (1, 0)


def test_a_fresh_redis_does_not_look_for_string_keys():
    r, c = redis()
    c.call("SET", "vigie:seen:u:" + key(1, "u"), "1")   # not from vigie: no items stream before
    assert poll(c, T0, [1]) == (1, 0)


if __name__ == "__main__":
    run_tests(globals())
