#!lua name=vigie
-- The "vigie" Redis function library: vigie's server-side functions, loaded with FUNCTION
-- LOAD REPLACE on every connection of the daemon (queue_conn.c), so FCALL always finds the
-- version the binary expects (and a Redis restarted from its append-only file has it too).
-- The build embeds this file in the binary (cmake/embed_text.cmake, which leaves out blank
-- lines and lines holding only a comment, so what Redis stores is the code alone).
--
-- Functions run atomically: that is what makes claims exclusive and a stage's outputs and
-- acknowledgement a single step. Time comes from Redis (TIME), so processes on several
-- machines agree on what is due. Every function's KEYS and ARGV are laid out in
-- queue/queue_contract.h, which the C side builds its calls from.
--
-- Keys built inside functions (prefix .. 'source:' .. id, dedup keys) are not declared in
-- KEYS: vigie needs a single Redis (or a single hash slot), never a cluster. Numbers that are
-- milliseconds are written with string.format('%d') (Lua's own conversion would use exponent
-- form, and '%.0f' costs several times more: the poll functions write one per poll). The
-- poll functions run once per batch of up to 128 polls, so they avoid, per poll, what costs
-- Redis most: converting between numbers and text (tonumber on '0' is skipped) and replying
-- with scores.
--
-- Only whole-line comments: the build drops those lines, and a comment at the end of a code
-- line would reach Redis.

local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function fmt(n) return string.format('%d', n) end
local function num(s) if s == '0' then return 0 end return tonumber(s) end

-- Registers a function behind a check of its counts: nkeys KEYS and nargs ARGV, or at least
-- nargs when more may follow, as queue/queue_contract.h lays it out (the C side checks the
-- same before sending). A call built for another layout is refused, not misread.
local function register(name, nkeys, nargs, more, flags, fn)
  redis.register_function{function_name = name, flags = flags, callback = function(keys, args)
    local nk, na = #keys, #args
    if nk ~= nkeys or na < nargs or (na > nargs and not more) then
      return redis.error_reply(string.format('ERR %s expects %d keys and %s%d arguments, got %d and %d',
                                             name, nkeys, more and 'at least ' or '', nargs, nk, na))
    end
    return fn(keys, args)
  end}
end

-- claim: KEYS due, cards, owners; ARGV limit, lease_ms, prefix, instance, take_back, then
-- the names of the source fields a poll needs. Returns {lease, id, card, id, card, ...}
-- for the sources now leased to the caller ({} when none is due).
--
-- The lease is the due score itself: a claimed source's score moves to the lease's end
-- plus half a millisecond, so that it is claimed again only if the lease runs out, and a
-- score with a half is recognisably a lease (schedules are whole milliseconds). That score
-- is the lease's token: complete records a poll only if the score is still the one its
-- claim returned. No two claims get the same lease (one that is taken moves a millisecond
-- on), so the token is never reused; a removed source has no score. No write of its own,
-- per poll, beyond the ZADD.
--
-- Owners (a sorted set: "<lease> <instance>" scored by the lease) says which instance took
-- each lease still running, one entry per call. A process's first claim (take_back '1')
-- makes the sources still held by its instance's leases due at once: they are from a run
-- of the same instance that stopped without recording them (killed, or shut down in the
-- middle of polls), and need not wait for the leases to run out.
--
-- A card is the values of the poll fields, in that order, joined by NUL bytes (a field not
-- set is empty). Cards are a cache of the source hashes, kept in one hash so that a batch
-- costs one HMGET instead of one per source: a poll that changes a source's poll fields
-- builds its card again (complete), whatever else changes them drops it, and the claim
-- that misses it builds it. A card holds the fields of this vigie version's list; a
-- version that changes the list uses another cards key.
local function card_of(src, fields)
  local h = redis.call('HMGET', src, unpack(fields))
  if not (h[1] or h[2]) then return nil end
  -- NUL separates a card's values: one inside a value is dropped (looked for first, as
  -- gsub copies the string even when there is none).
  for j = 1, #fields do
    local v = h[j]
    if not v then h[j] = '' elseif string.find(v, '\0', 1, true) then h[j] = (string.gsub(v, '%z', '')) end
  end
  return table.concat(h, '\0')
end
-- A member of lease_owners is "<lease> <instance>": the lease has no space, the instance
-- may. Its entry stays until the lease ends, so that no later claim is given the same lease.
local function take_back(due, owners, instance, now)
  for _, m in ipairs(redis.call('ZRANGE', owners, '(' .. fmt(now), '+inf', 'BYSCORE')) do
    local sp = string.find(m, ' ', 1, true)
    if sp and string.sub(m, sp + 1) == instance then
      local lease = string.sub(m, 1, sp - 1)
      local ids = redis.call('ZRANGE', due, lease, lease, 'BYSCORE')
      if #ids > 0 then
        local t = {}
        for j, id in ipairs(ids) do t[2 * j - 1] = fmt(now); t[2 * j] = id end
        redis.call('ZADD', due, 'XX', unpack(t))
      end
    end
  end
end
register('vigie_claim', 3, 5, true, {}, function(keys, args)
  local call = redis.call
  local now = now_ms()
  call('ZREMRANGEBYSCORE', keys[3], '-inf', fmt(now))
  if args[5] == '1' then take_back(keys[1], keys[3], args[4], now) end
  local ids = call('ZRANGE', keys[1], '-inf', fmt(now), 'BYSCORE', 'LIMIT', 0, tonumber(args[1]))
  if #ids == 0 then return {} end
  local cards = call('HMGET', keys[2], unpack(ids))
  local fields = {unpack(args, 6)}
  local at = now + tonumber(args[2])
  while call('ZCOUNT', keys[3], fmt(at) .. '.5', fmt(at) .. '.5') > 0 do at = at + 1 end
  local lease = fmt(at) .. '.5'
  local out, due, built, gone = {lease}, {}, {}, {}
  for k, id in ipairs(ids) do
    local card = cards[k]
    if not card then
      card = card_of(args[3] .. 'source:' .. id, fields)
      if card then
        built[#built + 1] = id
        built[#built + 1] = card
      end
    end
    if card then
      due[#due + 1] = lease
      due[#due + 1] = id
      out[#out + 1] = id
      out[#out + 1] = card
    else
      gone[#gone + 1] = id
    end
  end
  if #gone > 0 then call('ZREM', keys[1], unpack(gone)) end
  if #built > 0 then call('HSET', keys[2], unpack(built)) end
  if #due == 0 then return {} end
  call('ZADD', keys[1], unpack(due))
  call('ZADD', keys[3], lease, lease .. ' ' .. args[4])
  return out
end)

-- release: KEYS due; ARGV delay_ms, then id, lease pairs. Polls that could not be
-- recorded: each source still held by its lease is due again after delay_ms (or when its
-- lease ends, if sooner), instead of waiting for the lease to run out. allow-oom: a Redis
-- out of memory is a reason polls could not be recorded, and moving a score does not
-- grow it. Returns how many were released.
register('vigie_release', 1, 1, true, {'allow-oom'}, function(keys, args)
  local now = now_ms()
  local at = now + tonumber(args[1])
  local n = 0
  for i = 2, #args - 1, 2 do
    local lease = tonumber(args[i + 1])
    local s = redis.call('ZSCORE', keys[1], args[i])
    if lease and s and tonumber(s) == lease then
      redis.call('ZADD', keys[1], 'XX', fmt(math.min(at, math.floor(lease))), args[i])
      n = n + 1
    end
  end
  return n
end)

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
-- fields outnumber SEEN_LOAD per hash, hash `split` is split in two (its fields whose bit
-- `level` is set move to split + 2^level): the table grows one hash at a time, with one
-- lookup per key and no directory. Each call that checks items cleans the hash at `sweep`
-- (drops the fields past dedup_ttl) and moves it on, so a round visits every hash. The
-- table does not shrink: its hashes stay as many as its peak needed.
local SEEN_LOAD, SEEN_SPLITS = 48, 64
local HOURS = 32768
local function seen_open(prefix, kind, ttl, clock_ms, items_key)
  local meta = prefix .. 'seen:' .. kind
  local m = redis.call('HMGET', meta, 'level', 'split', 'n', 'sweep', 'old')
  local st = {meta = meta, base = meta .. ':', old_base = meta .. ':', level = tonumber(m[1]) or 0,
              split = tonumber(m[2]) or 0, n = tonumber(m[3]) or 0, sweep = tonumber(m[4]) or 0,
              hour = math.floor(clock_ms / 3600000) % HOURS, ttl_h = math.ceil(ttl / 3600)}
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
local function seen_live(st, v)
  return v and (st.hour - tonumber(v)) % HOURS <= st.ttl_h
end
local function seen_bucket(st, x)
  local size = 2 ^ st.level
  local b = x % size
  if b < st.split then b = x % (2 * size) end
  return st.base .. fmt(b)
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
  if redis.call('HSETNX', key, field, st.hour) == 1 then
    st.n = st.n + 1
  else
    local v = redis.call('HGET', key, field)
    live = seen_live(st, v)
    if v ~= fmt(st.hour) then redis.call('HSET', key, field, st.hour) end
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

-- complete: KEYS due, items stream, cards, last_attempt, last_ok; ARGV dedup_ttl_s,
-- maxlen, prefix, the dedup clock (ms since the epoch; '' for Redis's TIME: the poller sends
-- its own, vg_clock_ms, so that tests can move it), the number of poll fields and their
-- names (as claim), then per poll: id,
-- lease (as claimed), next_delay_ms, ok (0 failed, 1 succeeded, 2 succeeded and the source
-- had no failure, error or pending baseline to clear), nfields, fields..., nitems, then per
-- item url_key, fp_key, recent, json.
-- Returns 4 integers per poll: status, added, duplicates, baseline; status -1: lease
-- lost (the due score is no longer the lease: it ran out and another claim took the
-- source, or the source was removed and added again), -2: source removed (no score).
-- Leases are checked with one ZRANGE per lease in the call (the sources of one claim
-- share it), not with ZMSCORE: replying with scores costs Redis more than the check.
-- The schedule, the failing set, the poll times and the cards are read and written once
-- for the whole call, so that a plain 304 (ok 2, no field, no item) costs one ZADD and
-- one HSET of its own. Poll times: a success writes last_ok, a failure last_attempt, and
-- the last attempt is the later of the two. A poll that writes a field, or changes the
-- failure count, the error or the baseline, builds the source's card again.
register('vigie_complete', 5, 5, true, {}, function(keys, args)
  local ttl, maxlen, prefix = tonumber(args[1]), args[2], args[3]
  local nc = tonumber(args[5])
  local fields = {unpack(args, 6, 5 + nc)}
  local call = redis.call
  local now = now_ms()
  local snow = fmt(now)
  local clock = tonumber(args[4]) or now
  local seen
  local ids, at = {}, {}
  local i = 6 + nc
  while i <= #args do
    ids[#ids + 1] = args[i]
    at[#at + 1] = i
    local nf = num(args[i + 4])
    i = i + 6 + 2 * nf + 4 * num(args[i + 5 + 2 * nf])
  end
  local out = {}
  local n = #ids
  if n == 0 then return out end
  local held, lost = {}, {}
  for k = 1, n do
    local lease = args[at[k] + 1]
    local h = held[lease]
    if not h then
      h = {}
      -- pcall: a lease that is not a number (not one a claim gave) holds nothing.
      local r = redis.pcall('ZRANGE', keys[1], lease, lease, 'BYSCORE')
      if not r.err then for _, id in ipairs(r) do h[id] = true end end
      held[lease] = h
    end
    out[4 * k - 3], out[4 * k - 2], out[4 * k - 1], out[4 * k] = h[ids[k]] and 1 or -1, 0, 0, 0
    if not h[ids[k]] then lost[#lost + 1] = k end
  end
  if #lost > 0 then
    local lids = {}
    for j, k in ipairs(lost) do lids[j] = ids[k] end
    local scores = call('ZMSCORE', keys[1], unpack(lids))
    for j, k in ipairs(lost) do if not scores[j] then out[4 * k - 3] = -2 end end
  end
  local due, cleared, failing, tried, okd = {}, {}, {}, {}, {}
  for k = 1, n do
    local id, a = ids[k], at[k]
    if out[4 * k - 3] == 1 then
      local ok, nf = args[a + 3], num(args[a + 4])
      due[#due + 1] = fmt(now + tonumber(args[a + 2]))
      due[#due + 1] = id
      if ok == '0' then
        tried[#tried + 1] = id; tried[#tried + 1] = snow
        failing[#failing + 1] = id
      else
        okd[#okd + 1] = id; okd[#okd + 1] = snow
        if ok == '1' then cleared[#cleared + 1] = id end
      end
    end
  end
  if #due > 0 then call('ZADD', keys[1], unpack(due)) end
  if #tried > 0 then call('HSET', keys[4], unpack(tried)) end
  if #okd > 0 then call('HSET', keys[5], unpack(okd)) end
  if #cleared > 0 then call('SREM', prefix .. 'failing', unpack(cleared)) end
  if #failing > 0 then call('SADD', prefix .. 'failing', unpack(failing)) end
  local built, lost_card = {}, {}
  for k = 1, n do
    local a = at[k]
    local ok, nf = args[a + 3], num(args[a + 4])
    local it = a + 6 + 2 * nf
    local ni = num(args[it - 1])
    if out[4 * k - 3] == 1 and (ok ~= '2' or nf > 0 or ni > 0) then
      local src = prefix .. 'source:' .. ids[k]
      local h = {}
      for j = a + 5, it - 2 do h[#h + 1] = args[j] end
      if ok == '1' then
        h[#h + 1] = 'failures'; h[#h + 1] = '0'; h[#h + 1] = 'error_kind'; h[#h + 1] = ''
        h[#h + 1] = 'last_error'; h[#h + 1] = ''
      elseif ok == '0' then
        call('HINCRBY', src, 'failures', 1)
      end
      -- A clean source (ok 2) has had its baseline.
      local baseline = ni > 0 and ok ~= '2' and call('HGET', src, 'baselined') ~= '1'
      if ok == '1' then h[#h + 1] = 'baselined'; h[#h + 1] = '1' end
      if #h > 0 then call('HSET', src, unpack(h)) end
      if ok ~= '2' or nf > 0 then
        local card = card_of(src, fields)
        if card then built[#built + 1] = ids[k]; built[#built + 1] = card else lost_card[#lost_card + 1] = ids[k] end
      end
      local added, dup, base = 0, 0, 0
      if ni > 0 and not seen then
        seen = {u = seen_open(prefix, 'u', ttl, clock, keys[2]), f = seen_open(prefix, 'f', ttl, clock, keys[2])}
      end
      for j = it, it + 4 * ni - 1, 4 do
        local su = seen_check(seen.u, args[j])
        local sf = seen_check(seen.f, args[j + 1])
        if not (su or sf) then
          if (not baseline) or args[j + 2] == '1' then
            call('XADD', keys[2], 'MAXLEN', '~', maxlen, '*', 'item', args[j + 3])
            added = added + 1
          else base = base + 1 end
        else dup = dup + 1 end
      end
      if added > 0 then call('HINCRBY', src, 'items_total', added) end
      out[4 * k - 2], out[4 * k - 1], out[4 * k] = added, dup, base
    end
  end
  if #built > 0 then call('HSET', keys[3], unpack(built)) end
  if #lost_card > 0 then call('HDEL', keys[3], unpack(lost_card)) end
  if seen then seen_close(seen.u); seen_close(seen.f) end
  return out
end)

-- Story clustering for signal outputs. A signal is remembered under story:<id>, a string
-- "<sources> <stream entry id>\n<url>\n<url>..." (how many sources told it, where its record
-- sits in its stream, the URLs already counted), and listed in its cluster's index
-- stories:<cluster> (cluster: account|type), a sorted set of "<16 hex SimHash><id>" scored by
-- when it was listed. The record itself is not copied: a growth reads it back from
-- the stream. A near duplicate (Hamming distance <= 3) shares at least one of the four 16-bit
-- bands of the SimHash exactly, so a member is compared bit by bit only when one of its bands
-- is the new one's. Scores are Redis time in microseconds, one more for each later listing of
-- the same call, so that the newest are the highest even within one call (ties would be
-- ordered by member). The index is bounded: at each listing the members older than the story
-- window leave, and only the newest STORY_CAP stay (a cluster busier than that within one
-- window forgets its oldest stories first: a late copy of one of those raises a signal of its
-- own); the key expires one window after its last listing. A story record lasts as long as
-- the signal's out: marker (the dedup ttl, from its first write): a copy with the same id
-- grows it, and readers (the console) find a signal's sources there.
local STORY_CAP = 64
local function popcount16(x)
  local n = 0
  while x > 0 do n = n + bit.band(x, 1); x = bit.rshift(x, 1) end
  return n
end
local function hamming(a, b)
  local d = 0
  for k = 0, 3 do
    d = d + popcount16(bit.bxor(tonumber(string.sub(a, 4 * k + 1, 4 * k + 4), 16),
                                tonumber(string.sub(b, 4 * k + 1, 4 * k + 4), 16)))
  end
  return d
end
-- The id of the newest story of the index within the window whose SimHash is within 3 bits
-- of sim, and how many stories the index holds; drops the members past the window first.
local function similar(index, sim, now_us, window_ms)
  local sub = string.sub
  redis.call('ZREMRANGEBYSCORE', index, '-inf', '(' .. fmt(now_us - window_ms * 1000))
  local all = redis.call('ZRANGE', index, 0, -1, 'REV')
  local b1, b2, b3, b4 = sub(sim, 1, 4), sub(sim, 5, 8), sub(sim, 9, 12), sub(sim, 13, 16)
  for _, m in ipairs(all) do
    if (sub(m, 1, 4) == b1 or sub(m, 5, 8) == b2 or sub(m, 9, 12) == b3 or sub(m, 13, 16) == b4)
       and hamming(sim, sub(m, 1, 16)) <= 3 then
      return sub(m, 17), #all
    end
  end
  return nil, #all
end
local function index_story(index, sim, id, score, window_ms, held)
  redis.call('ZADD', index, fmt(score), sim .. id)
  if held >= STORY_CAP then redis.call('ZREMRANGEBYRANK', index, 0, -(STORY_CAP + 1)) end
  redis.call('PEXPIRE', index, fmt(window_ms))
end
-- A story record: sources, entry id, URLs ({} when the key is missing or not one).
local function story_read(key)
  local v = redis.pcall('GET', key)
  if type(v) ~= 'string' then return nil end
  local n, entry, rest = string.match(v, '^(%d+) ([%d%-]+)\n?(.*)$')
  if not n then return nil end
  local urls = {}
  for u in string.gmatch(rest, '[^\n]+') do urls[#urls + 1] = u end
  return tonumber(n), entry, urls
end
local function story_url(json)
  -- Read in place when it can be: "url":" is only ever a member's start (inside a JSON string
  -- a quote is escaped), and a URL without a backslash is its JSON text; else decoded.
  local _, e = string.find(json, '"url":"', 1, true)
  if e then
    local q = string.find(json, '"', e + 1, true)
    if q then
      local url = string.sub(json, e + 1, q - 1)
      if not string.find(url, '\\', 1, true) then return url end
    end
  end
  local ok, rec = pcall(cjson.decode, json)
  local url = ok and type(rec) == 'table' and type(rec.url) == 'string' and rec.url or ''
  -- A URL is one line of the record; one holding a line break is not remembered.
  if string.find(url, '\n', 1, true) then return '' end
  return url
end

-- The account series (queue/queue_series.h, docs/design.md "Review"): per account,
-- series:w:<account> (a hash: c<week> signals and p<week> summed priorities per ISO week
-- number, weeks counted from the Monday 1970-01-05 UTC; top the newest week, low the oldest
-- that may still have fields; last_ms, last_type, last_id the newest signal; half the
-- half-life its log was computed with; log = log2 of the sum of priority * 2^((t -
-- HEAT_EPOCH) / half)) and series:s:<account> (a sorted set: signal id scored by published
-- ms + priority / 128, which keeps the priority without a second key: the fraction stays
-- under a millisecond and a double holds it exactly), and series:heat ranking the accounts by
-- log. Heat now is 2^(log - (now - HEAT_EPOCH) / half): every account's log moves by the same
-- amount as time passes, so the ranking never needs a rewrite, and the log never overflows
-- (the sum itself would pass 2^1024 after a few years with a one-day half-life). A signal
-- costs a few commands whatever the account's history: no window is read.
local SERIES_WEEKS = 53
local WEEK_MS = 604800000
local MONDAY_MS = 345600000
local HEAT_EPOCH_MS = 1577836800000
local LN2 = 0.69314718055994530942
local function series_week(t) return math.floor((t - MONDAY_MS) / WEEK_MS) end
local function log2(x) return math.log(x) / LN2 end
-- log2(2^a + 2^b) without leaving the log domain.
local function log_add(a, b)
  if not a then return b end
  if not b then return a end
  local hi, lo = math.max(a, b), math.min(a, b)
  return hi + log2(1 + math.pow(2, lo - hi))
end
local function series_prio(score)
  return math.floor((score - math.floor(score)) * 128 + 0.5)
end
-- The log from every kept signal: when the half-life changed since the account's log was made.
local function series_relog(z, half)
  local all = redis.call('ZRANGE', z, 0, -1, 'WITHSCORES')
  local log = nil
  for i = 2, #all, 2 do
    local sc = tonumber(all[i])
    local p = series_prio(sc)
    if p > 0 then log = log_add(log, log2(p) + (math.floor(sc) - HEAT_EPOCH_MS) / half) end
  end
  return log
end
local function series_heat(log, half, now)
  if not log then return 0 end
  return math.min(100, math.pow(2, log - (now - HEAT_EPOCH_MS) / half))
end
local function fmt_log(log) if not log then return '-inf' end return string.format('%.17g', log) end
-- Adds signal `id` (published t ms, priority 0-100) to the account's series, once: an id
-- already kept is not counted again, and neither is a signal older than the SERIES_WEEKS weeks
-- that end with the account's newest (its id is no longer kept). Returns true when added.
local function series_add(prefix, acct, id, typ, prio, t, half)
  local h, z = prefix .. 'series:w:' .. acct, prefix .. 'series:s:' .. acct
  if redis.call('ZSCORE', z, id) then return false end
  local st = redis.call('HMGET', h, 'top', 'low', 'half', 'log', 'last_ms')
  local w = series_week(t)
  local top, low = tonumber(st[1]), tonumber(st[2])
  if top and w <= top - SERIES_WEEKS then return false end
  prio = math.floor(prio)
  if prio < 0 then prio = 0 elseif prio > 100 then prio = 100 end
  local log = tonumber(st[4])
  if st[3] and tonumber(st[3]) ~= half then log = series_relog(z, half) end
  if not top then
    top, low = w, w
  elseif w > top then
    local to = math.min(w - SERIES_WEEKS, top)
    local drop = {}
    for k = low or (top - SERIES_WEEKS + 1), to do drop[#drop + 1] = 'c' .. fmt(k); drop[#drop + 1] = 'p' .. fmt(k) end
    if #drop > 0 then redis.call('HDEL', h, unpack(drop)) end
    top = w
    low = math.max(low or w, w - SERIES_WEEKS + 1)
    redis.call('ZREMRANGEBYSCORE', z, '-inf', '(' .. fmt((top - SERIES_WEEKS + 1) * WEEK_MS + MONDAY_MS))
  elseif not low or w < low then
    low = w
  end
  redis.call('ZADD', z, string.format('%.17g', t + prio / 128), id)
  redis.call('HINCRBY', h, 'c' .. fmt(w), 1)
  redis.call('HINCRBY', h, 'p' .. fmt(w), prio)
  if prio > 0 then log = log_add(log, log2(prio) + (t - HEAT_EPOCH_MS) / half) end
  local set = {'top', fmt(top), 'low', fmt(low), 'half', fmt(half)}
  if log then set[#set + 1] = 'log'; set[#set + 1] = fmt_log(log) end
  local last = tonumber(st[5])
  if not last or t >= last then
    set[#set + 1] = 'last_ms'; set[#set + 1] = fmt(t)
    set[#set + 1] = 'last_type'; set[#set + 1] = typ
    set[#set + 1] = 'last_id'; set[#set + 1] = id
  end
  redis.call('HSET', h, unpack(set))
  redis.call('ZADD', prefix .. 'series:heat', fmt_log(log), acct)
  return true
end
-- An RFC 3339 time (or a bare date) as util/vg_time.c reads it, in ms; nil when it is not one.
local function days_from_civil(y, m, d)
  if m <= 2 then y = y - 1 end
  local era = math.floor(y / 400)
  local yoe = y - era * 400
  local doy = math.floor((153 * ((m + 9) % 12) + 2) / 5) + d - 1
  return era * 146097 + yoe * 365 + math.floor(yoe / 4) - math.floor(yoe / 100) + doy - 719468
end
local function rfc3339_ms(s)
  if type(s) ~= 'string' then return nil end
  local y, mo, d, rest = string.match(s, '^(%d%d%d%d)-(%d%d)-(%d%d)(.*)$')
  if not y then return nil end
  local h, mi, se, ms, off = 0, 0, 0, 0, 0
  if rest ~= '' then
    local hh, mm, ss, tail = string.match(rest, '^[Tt ](%d%d):(%d%d):(%d%d)(.*)$')
    if not hh then return nil end
    h, mi, se = tonumber(hh), tonumber(mm), tonumber(ss)
    local frac, zone = string.match(tail, '^%.(%d*)(.*)$')
    if frac then ms = math.floor(tonumber('0.' .. frac .. '0') * 1000); tail = zone end
    if tail == 'Z' or tail == 'z' then
      tail = ''
    elseif tail ~= '' then
      local sign, oh, om = string.match(tail, '^([+-])(%d%d):(%d%d)$')
      if not sign then return nil end
      off = (tonumber(oh) * 3600 + tonumber(om) * 60) * (sign == '-' and -1 or 1)
    end
  end
  mo, d = tonumber(mo), tonumber(d)
  if mo < 1 or mo > 12 or d < 1 or d > 31 or h > 23 or mi > 59 or se > 60 then return nil end
  return ((days_from_civil(tonumber(y), mo, d) * 86400 + h * 3600 + mi * 60 + se) - off) * 1000 + ms
end
-- A signal record (the stream's JSON, decoded) into its account's series: its time is its
-- `published`, else its stream entry's (daemon/account_signals.c reads it the same way).
local function series_record(prefix, rec, entry_ms, half)
  if type(rec) ~= 'table' or type(rec.account_id) ~= 'string' or type(rec.id) ~= 'string' or rec.id == '' then
    return false
  end
  local t = rfc3339_ms(rec.published) or entry_ms
  local typ = type(rec.type) == 'string' and rec.type or ''
  return series_add(prefix, rec.account_id, rec.id, typ, tonumber(rec.priority) or 0, t, half)
end

-- A signal output of vigie_stage_write into its account's series, read in place (the record is
-- not decoded: that costs more than the rest of the write): the account and type from its
-- cluster ("<account id>|<type>"), its id (the record's first member, else the dedup id), the
-- priority and `published` from the record's members
-- (`"priority":` and `"published":"` only ever start a member: a quote inside a JSON string is
-- escaped), else the entry's time.
local function series_signal(prefix, id, cluster, json, entry, half)
  local acct, typ = string.match(cluster, '^(.*)|([^|]*)$')
  id = string.match(json, '^{"id":%s*"([^"\\]*)"') or id
  if not acct or id == '' then return false end
  local p = tonumber(string.match(json, '"priority":%s*(%-?%d+)')) or 0
  local t = rfc3339_ms(string.match(json, '"published":%s*"([^"\\]*)"')) or tonumber(string.match(entry, '^%d+'))
  return series_add(prefix, acct, id, typ, p, t, half)
end
-- How a signal record ends (enrich/extract_json.c writes `sources` last).
local STORY_TAIL = ',"sources":1}'

-- Another source told the story of signal `id`: count it and publish the grown record (the
-- record as first written, read back from the stream, with the new count and URLs). False
-- when the story is not known (expired, or its record trimmed from the stream). The caller
-- trims the stream (trim_counted).
local function grow(prefix, stream, id, json)
  local key = prefix .. 'story:' .. id
  local n, entry, urls = story_read(key)
  if not n then return false end
  local url = story_url(json)
  for _, u in ipairs(urls) do if u == url then return true end end
  local e = redis.call('XRANGE', prefix .. stream, entry, entry)
  if #e == 0 or not e[1][2] then return false end
  local stored = e[1][2][2]
  n = n + 1
  if url ~= '' then urls[#urls + 1] = url end
  redis.call('SET', key, n .. ' ' .. entry .. '\n' .. table.concat(urls, '\n'), 'KEEPTTL')
  local out
  if string.sub(stored, -#STORY_TAIL) == STORY_TAIL then
    -- The record as written, its last member replaced: decoding and encoding it again would
    -- turn its empty arrays into {} and reorder its members, so a reader of the stream would
    -- see an update in another shape than the signal it updates.
    local enc = {}
    -- cjson writes every '/' as '\/': valid, but not how the rest of the record is written
    for i, u in ipairs(urls) do enc[i] = (string.gsub(cjson.encode(u), '\\/', '/')) end
    out = string.sub(stored, 1, #stored - #STORY_TAIL) .. ',"sources":' .. n .. ',"source_urls":[' ..
          table.concat(enc, ',') .. ']}'
  else
    local rec = cjson.decode(stored)
    rec.sources = n
    rec.source_urls = urls
    out = cjson.encode(rec)
  end
  redis.call('XADD', prefix .. stream, '*', 'update', out)
  return true
end

-- Stream bounds. Streams are trimmed by count (MAXLEN ~, at each write call) and by age
-- (MINID ~, vigie_trim, run every minute by each daemon). Trimming by age never passes an
-- entry a consumer group still needs: the oldest of its pending list, or the first after its
-- last-delivered id. Trimming by count is the memory bound and can: what it removes that a
-- group still needed (not yet delivered to it, or delivered and not acknowledged) is counted
-- per group in the hash trimmed:<stream> (field: the group), which `vigie status` and /metrics
-- show. Positions come from Redis's own counters (XINFO STREAM entries-added, XINFO GROUPS
-- entries-read: the stream's first entry is number entries-added - length + 1), so the count
-- costs no reading of entries; after a trim past a group, its entries-read is set to where the
-- stream now starts, so its lag stays true. Only when Redis cannot tell the positions (entries
-- deleted by XDEL, a group without entries-read) is everything removed past a group's
-- last-delivered id counted, an upper bound.
local function kv(flat)
  local t = {}
  for i = 1, #flat - 1, 2 do t[flat[i]] = flat[i + 1] end
  return t
end
local function split_id(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms or id) or 0, tonumber(seq or 0) or 0
end
local function id_lt(a, b)
  local am, as = split_id(a)
  local bm, bs = split_id(b)
  return am < bm or (am == bm and as < bs)
end
local function trim_counted(key, counter, how, arg)
  local call = redis.call
  if how == 'MAXLEN' and call('XLEN', key) <= tonumber(arg) then return 0 end
  local groups = redis.pcall('XINFO', 'GROUPS', key)
  if type(groups) ~= 'table' or groups.err then return 0 end
  if #groups == 0 then return call('XTRIM', key, how, '~', arg) end
  local s = kv(call('XINFO', 'STREAM', key))
  local first0, f0 = s['recorded-first-entry-id'], s['entries-added'] - s['length'] + 1
  local exact = s['max-deleted-entry-id'] == '0-0'
  local d = call('XTRIM', key, how, '~', arg)
  if d == 0 then return 0 end
  local f1 = f0 + d
  local e = call('XRANGE', key, '-', '+', 'COUNT', 1)
  local first1 = e[1] and e[1][1]
  for _, g in ipairs(groups) do
    g = kv(g)
    local name, last, read = g['name'], g['last-delivered-id'], g['entries-read']
    local n = 0
    if exact and type(read) == 'number' then
      local before = math.max(read, f0 - 1)
      if f1 - 1 > before then n = f1 - 1 - before end
      if read < f1 - 1 then call('XGROUP', 'SETID', key, name, last, 'ENTRIESREAD', f1 - 1) end
    elseif not first1 or id_lt(last, first1) then
      n = d
    end
    if g['pending'] > 0 then
      n = n + #call('XPENDING', key, name, first0, first1 and ('(' .. first1) or '+', g['pending'])
    end
    if n > 0 then call('HINCRBY', counter, name, n) end
  end
  return d
end

-- stage_write: KEYS input stream, errors hash, taken-marker prefix; ARGV group, prefix, maxlen,
-- ttl, window, mode, series half-life ms (0: keep no series), nkinds, then nkinds pairs of (stream suffix, field), then per entry:
-- "=<n>" unless n is 1, its id, and n outputs of (tag, json, then per the tag nothing, or a
-- dedup id, or a dedup id, cluster and simhash hex). A tag is the number (from 1) of the
-- output's kind, followed by "d" when a dedup id follows and by "s" when all three follow:
-- a plain output costs two arguments, which matters because Redis parses every argument of
-- every entry. The streams written are trimmed by count once per call (trim_counted: what goes
-- before a consumer group acknowledged it is counted).
--
-- An entry's outputs are written only by whoever acknowledges it first, so that after a
-- takeover the entry is written once. Mode 'c' (careful: entries taken over, or read again
-- from the consumer's own pending list) acknowledges entry by entry and leaves a "taken"
-- marker (a key with the dedup ttl) for each one it acknowledged. Mode 'f' (fresh
-- entries, delivered to this consumer only) acknowledges the whole batch with one XACK:
-- when all were still pending they are all its own; otherwise another consumer
-- acknowledged some in a careful call, and the markers say which. Every acknowledgement
-- other than a fresh batch's leaves a marker (dead letters too), which is what makes the
-- one XACK exact; markers are only made on those rare paths, and expire on their own.
--
-- An output with a dedup id is written once; a signal (one with a cluster) whose id or
-- near-duplicate story is known grows that signal instead. Returns {handled, outputs,
-- merged or duplicate}.
--
-- A new signal goes into its account's series (series_add) in the same step. series:stream
-- names the last entry of the signals stream whose signals the series hold: a call that finds
-- it naming the stream's last entry (or the stream empty) moves it past what it writes, so that
-- the commands, which add what comes after it (vigie_series_index), find nothing to add. A
-- call that finds it behind (entries written by something else, or no index made yet)
-- leaves it.
local function each_chunk(t, f)
  for k = 1, #t, 1000 do f({unpack(t, k, math.min(k + 999, #t))}) end
end
register('vigie_stage_write', 3, 8, true, {}, function(keys, args)
  local handled, added, dup = 0, 0, 0
  local call, input, group = redis.call, keys[1], args[1]
  local prefix, maxlen, ttl, window, mode = args[2], args[3], tonumber(args[4]), tonumber(args[5]), args[6]
  local window_ms, now_us, listed = window * 1000, nil, 0
  local half, nk = tonumber(args[7]), tonumber(args[8])
  local kinds, touched = {}, {}
  for k = 1, nk do kinds[k] = {stream = args[7 + 2 * k], field = args[8 + 2 * k], key = prefix .. args[7 + 2 * k]} end
  -- Pass 1: the entries, where their outputs start and how many.
  local ids, starts, counts = {}, {}, {}
  local i = 9 + 2 * nk
  while i <= #args do
    local id, n = args[i], 1
    if string.byte(id, 1) == 61 then n = tonumber(string.sub(id, 2)); id = args[i + 1]; i = i + 1 end
    i = i + 1
    ids[#ids + 1], starts[#ids + 1], counts[#ids + 1] = id, i, n
    for _ = 1, n do
      local more = string.byte(args[i], -1)
      if more == 100 then i = i + 3 elseif more == 115 then i = i + 5 else i = i + 2 end
    end
  end
  -- Which entries are this call's to write.
  local mine = {}
  if mode == 'f' then
    local acked = 0
    each_chunk(ids, function(c) acked = acked + call('XACK', input, group, unpack(c)) end)
    if acked == #ids then
      for k = 1, #ids do mine[k] = true end
    else
      local markers = {}
      for k, id in ipairs(ids) do markers[k] = keys[3] .. id end
      local k = 0
      each_chunk(markers, function(c)
        for _, t in ipairs(call('MGET', unpack(c))) do k = k + 1; mine[k] = not t end
      end)
    end
  else
    for k, id in ipairs(ids) do
      if call('XACK', input, group, id) == 1 then
        mine[k] = true
        call('SET', keys[3] .. id, 1, 'EX', ttl)
      end
    end
  end
  local errors = call('EXISTS', keys[2]) == 1
  local series_marker = nil
  if half > 0 then
    local m = call('GET', prefix .. 'series:stream')
    local last = call('XREVRANGE', prefix .. 'signals', '+', '-', 'COUNT', 1)
    if not last[1] then
      -- an empty stream: nothing to index before this call's signals (a new install)
      series_marker = m or '0-0'
      if not m then call('SET', prefix .. 'series:since', fmt(now_ms()), 'NX') end
    elseif last[1][1] == m then
      series_marker = m
    end
  end
  -- Pass 2: the outputs of those entries.
  for k, id in ipairs(ids) do
    if mine[k] then
      handled = handled + 1
      if errors then call('HDEL', keys[2], id) end
      local i = starts[k]
      for _ = 1, counts[k] do
        local tag, json = args[i], args[i + 1]
        local dedup, cluster, sim = '', '', ''
        local kind = kinds[tonumber(tag)]
        if kind then i = i + 2
        else
          local more = string.sub(tag, -1)
          kind = kinds[tonumber(string.sub(tag, 1, -2))]
          if more == 'd' then dedup = args[i + 2]; i = i + 3
          else dedup, cluster, sim = args[i + 2], args[i + 3], args[i + 4]; i = i + 5 end
        end
        local stream, field = kind.stream, kind.field
        local fresh = true
        if dedup ~= '' then fresh = call('SET', prefix .. 'out:' .. dedup, 1, 'NX', 'EX', ttl) end
        local index, held = nil, 0
        if fresh and cluster ~= '' and #sim == 16 then
          if not now_us then
            local t = call('TIME')
            now_us = tonumber(t[1]) * 1000000 + tonumber(t[2])
          end
          index = prefix .. 'stories:' .. cluster
          local same
          same, held = similar(index, sim, now_us, window_ms)
          if same and grow(prefix, stream, same, json) then fresh = false; touched[kind] = true end
        elseif not fresh and cluster ~= '' then
          if grow(prefix, stream, dedup, json) then touched[kind] = true end
        end
        if fresh then
          touched[kind] = true
          local entry = call('XADD', kind.key, '*', field, json)
          if cluster ~= '' then
            call('SET', prefix .. 'story:' .. dedup, '1 ' .. entry .. '\n' .. story_url(json), 'EX', ttl)
            if half > 0 then series_signal(prefix, dedup, cluster, json, entry, half) end
            if index then
              index_story(index, sim, dedup, now_us + listed, window_ms, held)
              listed = listed + 1
            end
          end
          added = added + 1
        else dup = dup + 1 end
      end
    end
  end
  for kind in pairs(touched) do trim_counted(kind.key, prefix .. 'trimmed:' .. kind.stream, 'MAXLEN', maxlen) end
  if series_marker then
    local last = call('XREVRANGE', prefix .. 'signals', '+', '-', 'COUNT', 1)
    if last[1] and last[1][1] ~= series_marker then call('SET', prefix .. 'series:stream', last[1][1]) end
  end
  return {handled, added, dup}
end)

-- trim: KEYS a stream, its trimmed:<stream> counter hash; ARGV retention_ms (0: none),
-- maxlen. Trims the stream by age, never past what a consumer group still needs, then by
-- count (see Stream bounds). Returns {removed by age, removed by count}.
register('vigie_trim', 2, 2, false, {}, function(keys, args)
  local key, retention = keys[1], tonumber(args[1]) or 0
  local groups = redis.pcall('XINFO', 'GROUPS', key)
  if type(groups) ~= 'table' or groups.err then return {0, 0} end
  local aged = 0
  if retention > 0 then
    local minid = fmt(now_ms() - retention) .. '-0'
    for _, g in ipairs(groups) do
      g = kv(g)
      local ms, seq = split_id(g['last-delivered-id'])
      local next = fmt(ms) .. '-' .. fmt(seq + 1)
      if id_lt(next, minid) then minid = next end
      if g['pending'] > 0 then
        local p = redis.call('XPENDING', key, g['name'])
        if p[2] and id_lt(p[2], minid) then minid = p[2] end
      end
    end
    aged = redis.call('XTRIM', key, 'MINID', '~', minid)
  end
  return {aged, trim_counted(key, keys[2], 'MAXLEN', args[2])}
end)

-- news_sources: KEYS accounts hash, sources set, due; ARGV prefix, url template,
-- interval_ms, then how each key of a source goes when it is removed, as (how, key) pairs
-- (QUEUE_SOURCE_KEYS in queue_contract.h, the one list of them: `vigie sources rm` runs the
-- same). One "news:<account id>" source per account, its URL the template with {name} and
-- {id} URL-encoded; news sources of accounts that are gone or retired are removed. An empty template
-- removes them all. Returns {created, removed}.
local removers = {SREM = true, ZREM = true, HDEL = true}
local function remove_source(prefix, id, args, from)
  for j = from, #args, 2 do
    local how, key = args[j], args[j + 1]
    if how == 'DEL' then redis.call('DEL', prefix .. key .. id)
    elseif removers[how] then redis.call(how, prefix .. key, id)
    else error('vigie_news_sources: cannot remove a source key with ' .. tostring(how)) end
  end
end
local function urlencode(s)
  return (string.gsub(s, '[^%w%-%._~]', function(c) return string.format('%%%02X', string.byte(c)) end))
end
register('vigie_news_sources', 3, 5, true, {}, function(keys, args)
  local prefix, tmpl = args[1], args[2]
  local wanted = {}
  local created, removed = 0, 0
  if tmpl ~= '' then
    local all = redis.call('HGETALL', keys[1])
    for i = 1, #all, 2 do
      local ok, a = pcall(cjson.decode, all[i + 1])
      -- A retired account (no longer a key account in its CRM) is no longer watched.
      if ok and type(a) == 'table' and type(a.name) == 'string' and type(a.retired) ~= 'string' then
        local id = 'news:' .. all[i]
        local url = string.gsub(string.gsub(tmpl, '{name}', function() return urlencode(a.name) end),
                                '{id}', function() return urlencode(all[i]) end)
        wanted[id] = true
        local key = prefix .. 'source:' .. id
        if redis.call('HGET', key, 'url') ~= url then
          if redis.call('EXISTS', key) == 0 then created = created + 1 end
          redis.call('HSET', key, 'kind', 'feed', 'url', url, 'interval_ms', args[3], 'account_id', all[i], 'options', '')
          redis.call('HDEL', prefix .. 'poll_cards', id)
          redis.call('SADD', keys[2], id)
          redis.call('ZADD', keys[3], 'NX', fmt(now_ms()), id)
        end
      end
    end
  end
  for _, id in ipairs(redis.call('SMEMBERS', keys[2])) do
    if string.sub(id, 1, 5) == 'news:' and not wanted[id] then
      remove_source(prefix, id, args, 4)
      removed = removed + 1
    end
  end
  return {created, removed}
end)

-- figures: ARGV prefix. The figures of `vigie status` and /metrics in one call: per
-- stream {name, length, XINFO GROUPS, trimmed:<stream> as HGETALL}, then sources, due now,
-- failing, and the dead letters the dead-letter stream's cap dropped.
register('vigie_figures', 0, 1, false, {'no-writes'}, function(keys, args)
  local p = args[1]
  local out = {}
  for _, s in ipairs({'items', 'signals', 'contacts', 'dlq'}) do
    local groups = redis.pcall('XINFO', 'GROUPS', p .. s)
    if type(groups) ~= 'table' or groups.err then groups = {} end
    out[#out + 1] = {s, redis.call('XLEN', p .. s), groups, redis.call('HGETALL', p .. 'trimmed:' .. s)}
  end
  out[#out + 1] = redis.call('SCARD', p .. 'sources')
  out[#out + 1] = redis.call('ZCOUNT', p .. 'due', '-inf', fmt(now_ms()))
  out[#out + 1] = redis.call('SCARD', p .. 'failing')
  out[#out + 1] = tonumber(redis.call('GET', p .. 'dlq:dropped') or '0') or 0
  return out
end)

-- The dead-letter stream is capped (MAXLEN ~ [pipeline] dlq_maxlen: the oldest dead letters
-- go first); what the cap drops is counted in <dlq>:dropped, which `vigie status` and
-- /metrics show.
local function dlq_cap(dlq, maxlen)
  local d = redis.call('XTRIM', dlq, 'MAXLEN', '~', maxlen)
  if d > 0 then redis.call('INCRBY', dlq .. ':dropped', d) end
end

-- dead_letter: KEYS input stream, dead-letter stream, errors hash, taken-marker prefix;
-- ARGV group, id, deliveries, reason when no handler error was recorded, marker ttl, the
-- dead-letter stream's cap (dlq_cap). The entry is acknowledged
-- here, so it leaves a taken marker (see stage_write).
register('vigie_dead_letter', 4, 6, false, {}, function(keys, args)
  if #redis.call('XPENDING', keys[1], args[1], args[2], args[2], 1) == 0 then return 0 end
  local e = redis.call('XRANGE', keys[1], args[2], args[2])
  local field, payload = '', ''
  if #e > 0 and e[1][2] then field = e[1][2][1] or ''; payload = e[1][2][2] or '' end
  local err = redis.call('HGET', keys[3], args[2]) or args[4]
  redis.call('XADD', keys[2], '*', 'stream', keys[1], 'group', args[1], 'entry', args[2],
             'deliveries', args[3], 'error', err, 'field', field, 'payload', payload)
  dlq_cap(keys[2], args[6])
  redis.call('XACK', keys[1], args[1], args[2])
  redis.call('SET', keys[4] .. args[2], 1, 'EX', tonumber(args[5]))
  redis.call('HDEL', keys[3], args[2])
  return 1
end)

-- sink_dead_letter: KEYS the stream the entry is pending in, dead-letter stream; ARGV group,
-- entry id, reason, the dead-letter stream's cap, gone. A sink's dead letter: no handler error
-- hash and no taken marker (a sink writes nothing with its acknowledgements). Deliveries are
-- the pending list's own count. An entry of a replay stream names the stream and the entry it
-- was first written as (QUEUE_FIELD_ORIGIN_STREAM, QUEUE_FIELD_ORIGIN_ENTRY after its first
-- field): the dead letter keeps those, so that it is shown, and replayed, as the original.
-- gone '1': Redis has already dropped the entry from the pending list (XAUTOCLAIM found it
-- trimmed away), so the dead letter is only its trace, with 0 deliveries. Returns 1 written,
-- 0 not pending (settled meanwhile, or another consumer dead-lettered it).
register('vigie_sink_dead_letter', 2, 5, false, {}, function(keys, args)
  local group, id, gone = args[1], args[2], args[5] == '1'
  local deliveries = 0
  if not gone then
    local p = redis.call('XPENDING', keys[1], group, id, id, 1)
    if #p == 0 then return 0 end
    deliveries = p[1][4]
  end
  local stream, entry, field, payload = keys[1], id, '', ''
  local e = redis.call('XRANGE', keys[1], id, id)
  if #e > 0 and e[1][2] then
    local f = e[1][2]
    field, payload = f[1] or '', f[2] or ''
    for i = 3, #f - 1, 2 do
      if f[i] == 'stream' then stream = f[i + 1] elseif f[i] == 'entry' then entry = f[i + 1] end
    end
  end
  redis.call('XADD', keys[2], '*', 'stream', stream, 'group', group, 'entry', entry,
             'deliveries', deliveries, 'error', args[3], 'field', field, 'payload', payload)
  dlq_cap(keys[2], args[4])
  if not gone then redis.call('XACK', keys[1], group, id) end
  return 1
end)

-- sink_touch: KEYS the stream the entry is pending in. ARGV group, consumer, entry id. An
-- owner holding an entry for a while (waiting out a retry's backoff) resets its idle time so
-- that no other process's takeover (XAUTOCLAIM past reclaim_idle) hands it over too: XCLAIM
-- JUSTID to the same consumer, which leaves the delivery count alone. Only when the entry is
-- still pending under this consumer: one taken over meanwhile is not taken back (the other
-- process delivers it). Returns 1 still the caller's, 0 not (settled, or another's).
register('vigie_sink_touch', 1, 3, false, {}, function(keys, args)
  local group, consumer, id = args[1], args[2], args[3]
  local p = redis.call('XPENDING', keys[1], group, id, id, 1)
  if #p == 0 or p[1][2] ~= consumer then return 0 end
  redis.call('XCLAIM', keys[1], group, consumer, 0, id, 'JUSTID')
  return 1
end)

-- budget_take: KEYS the budget; ARGV limit, window_ms, n. A sliding-window log: the budget
-- holds one member per request granted in the last window_ms, scored by Redis time, so that
-- no rolling window ever holds more than limit, whatever the number of processes (a token
-- bucket refilled over the window would let up to twice the limit through one window).
-- Returns 0 when the n requests are granted (and counted), else how many ms to wait before
-- asking again (nothing counted): until the oldest grant that must leave for n more to fit
-- has left, at least 1. A member is "<ms>-<k>", k the count in the window after it: unique,
-- since within one millisecond the count only grows.
register('vigie_budget_take', 1, 3, false, {}, function(keys, args)
  local limit, window, n = tonumber(args[1]), tonumber(args[2]), tonumber(args[3])
  if not (limit and window and n) or limit < 1 or window < 1 or n < 1 or n > limit then
    return redis.error_reply('ERR vigie_budget_take: limit, window_ms and n must be numbers >= 1, n <= limit')
  end
  local now = now_ms()
  redis.call('ZREMRANGEBYSCORE', keys[1], '-inf', fmt(now - window))
  local count = redis.call('ZCARD', keys[1])
  if count + n <= limit then
    local add, snow = {}, fmt(now)
    for i = 1, n do add[2 * i - 1] = snow; add[2 * i] = snow .. '-' .. fmt(count + i) end
    redis.call('ZADD', keys[1], unpack(add))
    redis.call('PEXPIRE', keys[1], fmt(window))
    return 0
  end
  local k = count + n - limit - 1
  local oldest = redis.call('ZRANGE', keys[1], k, k, 'WITHSCORES')
  local wait = tonumber(oldest[2]) + window - now
  if wait < 1 then wait = 1 end
  return wait
end)

-- tally_add: KEYS the account's tally of earlier versions (tally:<account>, a sorted set
-- "<priority>|<signal id>" scored by published ms); ARGV prefix, account id, signal id,
-- priority, published_ms, window_ms, half_life_ms. Adds the signal to the account's series
-- (series_add: the same id twice counts once, whatever its priority the second time; the
-- enrich stage has usually added it already) and returns {count, heat, last_ms}: the signals
-- published in the window (by Redis's clock), the heat now (sum of priority *
-- 0.5^(age / half_life) over the series' signals, capped at 100, as a string with 3 decimals:
-- a Lua number would reach the caller as an integer), and the newest signal's time (0: none).
-- A few commands whatever the account's history; a tally key left by an earlier version is
-- moved into the series once, then deleted.
register('vigie_tally_add', 1, 7, false, {}, function(keys, args)
  local prefix, acct, id = args[1], args[2], args[3]
  local prio, published = tonumber(args[4]), tonumber(args[5])
  local window, half = tonumber(args[6]), tonumber(args[7])
  if id == '' or acct == '' or not (prio and published and window and half) or window < 1 or half < 1 then
    return redis.error_reply('ERR vigie_tally_add: an account and a signal id, numbers, and window_ms and half_life_ms >= 1')
  end
  local now = now_ms()
  -- The series keeps the half-life it has (the enrich stage's, [review] half_life): a sink
  -- with another one has its heat computed apart, without moving the account's ranking.
  local h = prefix .. 'series:w:' .. acct
  local own = tonumber(redis.call('HGET', h, 'half')) or half
  if redis.call('EXISTS', keys[1]) == 1 then
    local old = redis.call('ZRANGE', keys[1], 0, -1, 'WITHSCORES')
    for i = 1, #old, 2 do
      local bar = string.find(old[i], '|', 1, true)
      if bar then
        series_add(prefix, acct, string.sub(old[i], bar + 1), '', tonumber(string.sub(old[i], 1, bar - 1)) or 0,
                   tonumber(old[i + 1]), own)
      end
    end
    redis.call('DEL', keys[1])
  end
  series_add(prefix, acct, id, '', prio, published, own)
  local z = prefix .. 'series:s:' .. acct
  local count = redis.call('ZCOUNT', z, fmt(now - window), '+inf')
  local st = redis.call('HMGET', h, 'half', 'log', 'last_ms')
  local log = tonumber(st[2])
  if st[1] and tonumber(st[1]) ~= half then log = series_relog(z, half) end
  return {count, string.format('%.3f', series_heat(log, half, now)), tonumber(st[3]) or 0}
end)

-- series_index: KEYS the signals stream; ARGV prefix, half_life_ms, count. Adds to the series
-- the signals of up to `count` entries of the stream after series:stream (from its start when
-- there is none: the stream written before the series existed), and moves series:stream past
-- them. The first call also records series:since, the stream's first entry's time (what the
-- series can know of: the 90-day trend's "complete"). Idempotent: a signal already in its
-- series is not added again. Returns {entries read, signals added, 1 when more may follow}.
register('vigie_series_index', 1, 3, false, {}, function(keys, args)
  local prefix, half, count = args[1], tonumber(args[2]), tonumber(args[3])
  if not (half and count) or half < 1 or count < 1 then
    return redis.error_reply('ERR vigie_series_index: half_life_ms and count >= 1')
  end
  local mk = prefix .. 'series:stream'
  local m = redis.call('GET', mk)
  local entries = redis.call('XRANGE', keys[1], m and ('(' .. m) or '-', '+', 'COUNT', count)
  if not m then
    local first = entries[1] and tonumber(string.match(entries[1][1], '^%d+')) or now_ms()
    redis.call('SET', prefix .. 'series:since', fmt(first), 'NX')
  end
  local added = 0
  for _, e in ipairs(entries) do
    local f = e[2]
    if f and (f[1] == 'signal' or f[1] == 'update') and f[2] then
      local ok, rec = pcall(cjson.decode, f[2])
      if ok and series_record(prefix, rec, tonumber(string.match(e[1], '^%d+')), half) then added = added + 1 end
    end
  end
  if #entries > 0 then redis.call('SET', mk, entries[#entries][1]) elseif not m then redis.call('SET', mk, '0-0') end
  return {#entries, added, #entries == count and 1 or 0}
end)

-- series_read: ARGV prefix, now_ms, half_life_ms, then account ids. No writes. Per account:
-- {heat (string, 3 decimals), last_ms, last_type, last_id, the SERIES_WEEKS weeks' counts
-- and summed priorities ending with now's week (oldest first), signals in the last 7 days,
-- the 7 before, the last 90 days, the 90 before, the last 365 days}. Ages as
-- enrich/review.c counts them: a signal of age exactly 7 days is in the 7 before.
register('vigie_series_read', 0, 3, true, {'no-writes'}, function(keys, args)
  local prefix, now, half = args[1], tonumber(args[2]), tonumber(args[3])
  if not (now and half) or half < 1 then return redis.error_reply('ERR vigie_series_read: now_ms and half_life_ms') end
  local nw = series_week(now)
  local fields = {'half', 'log', 'last_ms', 'last_type', 'last_id'}
  for k = nw - SERIES_WEEKS + 1, nw do fields[#fields + 1] = 'c' .. fmt(k) end
  for k = nw - SERIES_WEEKS + 1, nw do fields[#fields + 1] = 'p' .. fmt(k) end
  local day = 86400000
  local out = {}
  for j = 4, #args do
    local h, z = prefix .. 'series:w:' .. args[j], prefix .. 'series:s:' .. args[j]
    local st = redis.call('HMGET', h, unpack(fields))
    local log = tonumber(st[2])
    if st[1] and tonumber(st[1]) ~= half then log = series_relog(z, half) end
    local counts, weights = {}, {}
    for k = 1, SERIES_WEEKS do
      counts[k] = tonumber(st[5 + k]) or 0
      weights[k] = tonumber(st[5 + SERIES_WEEKS + k]) or 0
    end
    local function n(from, to) return redis.call('ZCOUNT', z, fmt(now - from + 1), '(' .. fmt(now - to + 1)) end
    out[#out + 1] = {string.format('%.3f', series_heat(log, half, now)), tonumber(st[3]) or 0, st[4] or '', st[5] or '',
                     counts, weights, redis.call('ZCOUNT', z, fmt(now - 7 * day + 1), '+inf'), n(14 * day, 7 * day),
                     redis.call('ZCOUNT', z, fmt(now - 90 * day + 1), '+inf'), n(180 * day, 90 * day),
                     redis.call('ZCOUNT', z, fmt(now - 365 * day + 1), '+inf')}
  end
  return out
end)

-- accounts_sync: KEYS accounts hash, accounts:version, accounts:synced:<sink>; ARGV the
-- version the caller read, nwrites, then nwrites (account id, JSON) pairs, then the ids the
-- CRM listed. Applies what `vigie accounts sync` decided from the registry as it read it
-- (enrich/account_sync.c: created, updated and retired accounts), makes the listed ids the
-- sink's synced set, and bumps the version when an account changed; all of it, or nothing
-- when the version moved since the caller read it (another import or sync came between:
-- the caller reads again). Returns 1 applied, 0 not (version moved). Key types are checked
-- before any write: a command failing half-way would leave half a sync applied.
local function want_type(key, t)
  local got = redis.call('TYPE', key).ok
  if got ~= 'none' and got ~= t then
    error('vigie_accounts_sync: ' .. key .. ' holds a ' .. got .. ', not a ' .. t)
  end
end
register('vigie_accounts_sync', 3, 2, true, {}, function(keys, args)
  want_type(keys[1], 'hash')
  want_type(keys[2], 'string')
  want_type(keys[3], 'set')
  if (redis.call('GET', keys[2]) or '0') ~= args[1] then return 0 end
  local nw = tonumber(args[2])
  if not nw or nw < 0 or nw % 1 ~= 0 or 2 + 2 * nw > #args then
    error('vigie_accounts_sync: ' .. tostring(args[2]) .. ' writes do not fit ' .. #args .. ' arguments')
  end
  for i = 3, 2 + 2 * nw, 2 do redis.call('HSET', keys[1], args[i], args[i + 1]) end
  redis.call('DEL', keys[3])
  for i = 3 + 2 * nw, #args, 1000 do
    redis.call('SADD', keys[3], unpack(args, i, math.min(i + 999, #args)))
  end
  if nw > 0 then redis.call('INCR', keys[2]) end
  return 1
end)
