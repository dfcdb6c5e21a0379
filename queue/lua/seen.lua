-- Part of the vigie function library (see vigie.lua): the seen items' tables, which
-- vigie_complete's dedup reads and writes.
-- Seen items (vigie_complete's dedup). An item is new when neither its URL key nor its
-- content fingerprint (16 hex each) was seen within dedup_ttl. Each kind ('u', 'f') is one
-- linear hash table of small hashes, seen:<kind>:<n>, that stay listpack-encoded (about 12
-- bytes per key instead of a string key with its own TTL, ~136): a field is 6 bytes of the
-- key (its first 12 hex digits), its value the hour it was last seen (mod 32768). A key is
-- live while its hour is within ceil(dedup_ttl / 1 h) of now: remembered at least dedup_ttl
-- after it was last seen, at most an hour more. The hash seen:<kind> holds the table's
-- state: level and split (which hashes exist: 2^level + split), n (fields held), sweep (the
-- next hash to clean) and old (until when the keys of versions before this table,
-- seen:<kind>:<16 hex> strings with a TTL, are still looked at).
--
-- Linear hashing: a key's hash is x mod 2^level, or x mod 2^(level+1) when that is below
-- split (x: hex digits 5-12 of the key, so a field alone says where it belongs). When the
-- fields outnumber SEEN_LOAD per hash (a lookup scans the hash's listpack: 24 costs ~3 B per item
-- more than 48 and a third less Redis CPU per new item), hash `split` is split in two (its fields whose bit
-- `level` is set move to split + 2^level): the table grows one hash at a time, with one
-- lookup per key and no directory. Each call that checks items cleans the hash at `sweep`
-- (drops the fields past dedup_ttl) and moves it on, so a round visits every hash. The
-- table does not shrink: its hashes stay as many as its peak needed.
local SEEN_LOAD, SEEN_SPLITS = 24, 64
local HOURS = 32768
local function seen_open(prefix, kind, ttl, clock_ms, items_key)
  local meta = prefix .. 'seen:' .. kind
  local m = redis.call('HMGET', meta, 'level', 'split', 'n', 'sweep', 'old')
  local st = {meta = meta, base = meta .. ':', old_base = meta .. ':', level = tonumber(m[1]) or 0,
              split = tonumber(m[2]) or 0, n = tonumber(m[3]) or 0, sweep = tonumber(m[4]) or 0,
              hour = math.floor(clock_ms / 3600000) % HOURS, ttl_h = math.ceil(ttl / 3600), keys = {}, live = {}}
  -- The hour as text and the hashes' names, made once per call (a conversion costs about a command).
  st.hour_s = fmt(st.hour)
  if not m[1] then
    -- A new table. A Redis that already holds the items stream ran a version that kept the
    -- seen keys as strings: they are looked at until the last of them has expired.
    st.old = redis.call('EXISTS', items_key) == 1 and clock_ms + ttl * 1000 or 0
    redis.call('HSET', meta, 'level', 0, 'split', 0, 'n', 0, 'sweep', 0, 'old', fmt(st.old))
  else
    st.old = tonumber(m[5]) or 0
  end
  st.use_old = clock_ms < st.old
  return st
end
-- Each hour's text is read once per call (a hash being cleaned holds few distinct hours).
local function seen_live(st, v)
  if not v then return v end
  local live = st.live[v]
  if live == nil then
    live = (st.hour - tonumber(v)) % HOURS <= st.ttl_h
    st.live[v] = live
  end
  return live
end
local function seen_bucket(st, x)
  local size = 2 ^ st.level
  local b = x % size
  if b < st.split then b = x % (2 * size) end
  local key = st.keys[b]
  if not key then key = st.base .. fmt(b); st.keys[b] = key end
  return key
end
-- Where a key lives: its hash and field. A key that is not 16 hex digits (only a caller
-- other than the poller sends one) is its own field in hash 0.
local function seen_slot(st, hex)
  local hi, x = #hex == 16 and tonumber(string.sub(hex, 1, 4), 16), tonumber(string.sub(hex, 5, 12), 16)
  if not (hi and x) then return st.base .. '0', hex end
  return seen_bucket(st, x), struct.pack('>I2I4', hi, x)
end
-- Was the key seen within dedup_ttl? Returns that, and records it as seen now (a key already
-- recorded this hour is left alone). A new key costs one HSETNX, as a new string key cost one
-- SET NX.
local function seen_check(st, hex)
  local key, field = seen_slot(st, hex)
  local live = false
  if redis.call('HSETNX', key, field, st.hour_s) == 1 then
    st.n = st.n + 1
  else
    local v = redis.call('HGET', key, field)
    live = seen_live(st, v)
    if v ~= st.hour_s then redis.call('HSET', key, field, st.hour_s) end
  end
  if not live and st.use_old and #hex == 16 then live = redis.call('EXISTS', st.old_base .. hex) == 1 end
  return live
end
-- Drops the fields of one hash that are past dedup_ttl; with `split`, moves those whose bit
-- `level` is set to hash split + 2^level.
local function seen_clean(st, b, split)
  local key = st.base .. fmt(b)
  local all = redis.call('HGETALL', key)
  local drop, move = {}, {}
  local bit_of = 2 ^ st.level
  for i = 1, #all, 2 do
    local f = all[i]
    if not seen_live(st, all[i + 1]) then
      drop[#drop + 1] = f
    elseif split and #f == 6 and math.floor(struct.unpack('>I4', f, 3) / bit_of) % 2 == 1 then
      drop[#drop + 1] = f
      move[#move + 1] = f; move[#move + 1] = all[i + 1]
    end
  end
  if #drop > 0 then redis.call('HDEL', key, unpack(drop)) end
  if #move > 0 then redis.call('HSET', st.base .. fmt(b + bit_of), unpack(move)) end
  st.n = st.n - (#drop - #move / 2)
end
local function seen_close(st)
  local size = 2 ^ st.level
  seen_clean(st, st.sweep, false)
  st.sweep = (st.sweep + 1) % (size + st.split)
  local k = 0
  while st.n > SEEN_LOAD * (size + st.split) and k < SEEN_SPLITS do
    seen_clean(st, st.split, true)
    st.split = st.split + 1
    if st.split == size then st.level = st.level + 1; st.split = 0; size = 2 * size end
    k = k + 1
  end
  redis.call('HSET', st.meta, 'level', st.level, 'split', st.split, 'n', fmt(math.max(st.n, 0)), 'sweep', st.sweep)
end

