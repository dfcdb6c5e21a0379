/* queue_lua — the "vigie" Redis function library (see queue_lua.h).
 *
 * Keys built inside functions (prefix .. 'source:' .. id, dedup keys) are not declared in
 * KEYS: vigie needs a single Redis (or a single hash slot), never a cluster. Numbers that are
 * milliseconds are written with string.format('%d') (Lua's own conversion would use exponent
 * form, and '%.0f' costs several times more: the poll functions write one per poll). The
 * poll functions run once per batch of up to 128 polls, so they avoid, per poll, what costs
 * Redis most: converting between numbers and text (tonumber on '0' is skipped) and replying
 * with scores. */
#include "queue/queue_lua.h"

const char queue_lua_library[] =
    "#!lua name=vigie\n"
    "local function now_ms()\n"
    "  local t = redis.call('TIME')\n"
    "  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
    "end\n"
    "local function fmt(n) return string.format('%d', n) end\n"
    "local function num(s) if s == '0' then return 0 end return tonumber(s) end\n"

    /* claim: KEYS due, cards, owners; ARGV limit, lease_ms, prefix, instance, take_back, then
     * the names of the source fields a poll needs. Returns {lease, id, card, id, card, ...}
     * for the sources now leased to the caller ({} when none is due).
     *
     * The lease is the due score itself: a claimed source's score moves to the lease's end
     * plus half a millisecond, so that it is claimed again only if the lease runs out, and a
     * score with a half is recognisably a lease (schedules are whole milliseconds). That score
     * is the lease's token: complete records a poll only if the score is still the one its
     * claim returned. No two claims get the same lease (one that is taken moves a millisecond
     * on), so the token is never reused; a removed source has no score. No write of its own,
     * per poll, beyond the ZADD.
     *
     * Owners (a sorted set: "<lease> <instance>" scored by the lease) says which instance took
     * each lease still running, one entry per call. A process's first claim (take_back '1')
     * makes the sources still held by its instance's leases due at once: they are from a run
     * of the same instance that stopped without recording them (killed, or shut down in the
     * middle of polls), and need not wait for the leases to run out.
     *
     * A card is the values of the poll fields, in that order, joined by NUL bytes (a field not
     * set is empty). Cards are a cache of the source hashes, kept in one hash so that a batch
     * costs one HMGET instead of one per source: a poll that changes a source's poll fields
     * builds its card again (complete), whatever else changes them drops it, and the claim
     * that misses it builds it. A card holds the fields of this vigie version's list; a
     * version that changes the list uses another cards key. */
    "local function card_of(src, fields)\n"
    "  local h = redis.call('HMGET', src, unpack(fields))\n"
    "  if not (h[1] or h[2]) then return nil end\n"
    /* NUL separates a card's values: one inside a value is dropped (looked for first, as
     * gsub copies the string even when there is none). */
    "  for j = 1, #fields do\n"
    "    local v = h[j]\n"
    "    if not v then h[j] = '' elseif string.find(v, '\\0', 1, true) then h[j] = (string.gsub(v, '%z', '')) end\n"
    "  end\n"
    "  return table.concat(h, '\\0')\n"
    "end\n"
    "local function take_back(due, owners, instance, now)\n"
    "  local tail = ' ' .. instance\n"
    "  for _, m in ipairs(redis.call('ZRANGE', owners, '(' .. fmt(now), '+inf', 'BYSCORE')) do\n"
    "    if string.sub(m, -#tail) == tail then\n"
    "      local lease = string.sub(m, 1, #m - #tail)\n"
    "      local ids = redis.call('ZRANGE', due, lease, lease, 'BYSCORE')\n"
    "      if #ids > 0 then\n"
    "        local t = {}\n"
    "        for j, id in ipairs(ids) do t[2 * j - 1] = fmt(now); t[2 * j] = id end\n"
    "        redis.call('ZADD', due, 'XX', unpack(t))\n"
    "      end\n"
    "      redis.call('ZREM', owners, m)\n"
    "    end\n"
    "  end\n"
    "end\n"
    "redis.register_function('vigie_claim', function(keys, args)\n"
    "  local call = redis.call\n"
    "  local now = now_ms()\n"
    "  call('ZREMRANGEBYSCORE', keys[3], '-inf', fmt(now))\n"
    "  if args[5] == '1' then take_back(keys[1], keys[3], args[4], now) end\n"
    "  local ids = call('ZRANGE', keys[1], '-inf', fmt(now), 'BYSCORE', 'LIMIT', 0, tonumber(args[1]))\n"
    "  if #ids == 0 then return {} end\n"
    "  local cards = call('HMGET', keys[2], unpack(ids))\n"
    "  local fields = {unpack(args, 6)}\n"
    "  local at = now + tonumber(args[2])\n"
    "  while call('ZCOUNT', keys[3], fmt(at) .. '.5', fmt(at) .. '.5') > 0 do at = at + 1 end\n"
    "  local lease = fmt(at) .. '.5'\n"
    "  local out, due, built, gone = {lease}, {}, {}, {}\n"
    "  for k, id in ipairs(ids) do\n"
    "    local card = cards[k]\n"
    "    if not card then\n"
    "      card = card_of(args[3] .. 'source:' .. id, fields)\n"
    "      if card then\n"
    "        built[#built + 1] = id\n"
    "        built[#built + 1] = card\n"
    "      end\n"
    "    end\n"
    "    if card then\n"
    "      due[#due + 1] = lease\n"
    "      due[#due + 1] = id\n"
    "      out[#out + 1] = id\n"
    "      out[#out + 1] = card\n"
    "    else\n"
    "      gone[#gone + 1] = id\n"
    "    end\n"
    "  end\n"
    "  if #gone > 0 then call('ZREM', keys[1], unpack(gone)) end\n"
    "  if #built > 0 then call('HSET', keys[2], unpack(built)) end\n"
    "  if #due == 0 then return {} end\n"
    "  call('ZADD', keys[1], unpack(due))\n"
    "  call('ZADD', keys[3], lease, lease .. ' ' .. args[4])\n"
    "  return out\n"
    "end)\n"

    /* release: KEYS due; ARGV delay_ms, then id, lease pairs. Polls that could not be
     * recorded: each source still held by its lease is due again after delay_ms (or when its
     * lease ends, if sooner), instead of waiting for the lease to run out. allow-oom: a Redis
     * out of memory is a reason polls could not be recorded, and moving a score does not
     * grow it. Returns how many were released. */
    "redis.register_function{function_name='vigie_release', flags={'allow-oom'}, callback=function(keys, args)\n"
    "  local now = now_ms()\n"
    "  local at = now + tonumber(args[1])\n"
    "  local n = 0\n"
    "  for i = 2, #args - 1, 2 do\n"
    "    local lease = tonumber(args[i + 1])\n"
    "    local s = redis.call('ZSCORE', keys[1], args[i])\n"
    "    if lease and s and tonumber(s) == lease then\n"
    "      redis.call('ZADD', keys[1], 'XX', fmt(math.min(at, math.floor(lease))), args[i])\n"
    "      n = n + 1\n"
    "    end\n"
    "  end\n"
    "  return n\n"
    "end}\n"

    /* complete: KEYS due, items stream, cards, last_attempt, last_ok; ARGV dedup_ttl_s,
     * maxlen, prefix, the number of poll fields and their names (as claim), then per poll: id, lease (as claimed), next_delay_ms, ok (0 failed, 1
     * succeeded, 2 succeeded and the source had no failure, error or pending baseline to
     * clear), nfields, fields..., nitems, then per item url_key, fp_key, recent, json.
     * Returns 4 integers per poll: status, added, duplicates, baseline; status -1: lease
     * lost (the due score is no longer the lease: it ran out and another claim took the
     * source, or the source was removed and added again), -2: source removed (no score).
     * Leases are checked with one ZRANGE per lease in the call (the sources of one claim
     * share it), not with ZMSCORE: replying with scores costs Redis more than the check.
     * The schedule, the failing set, the poll times and the cards are read and written once
     * for the whole call, so that a plain 304 (ok 2, no field, no item) costs one ZADD and
     * one HSET of its own. Poll times: a success writes last_ok, a failure last_attempt, and
     * the last attempt is the later of the two (versions before this wrote last_attempt at
     * every poll, which reads the same). A poll that writes a field, or changes the failure
     * count, the error or the baseline, builds the source's card again. */
    "redis.register_function('vigie_complete', function(keys, args)\n"
    "  local ttl, maxlen, prefix = tonumber(args[1]), args[2], args[3]\n"
    "  local nc = tonumber(args[4])\n"
    "  local fields = {unpack(args, 5, 4 + nc)}\n"
    "  local call = redis.call\n"
    "  local now = now_ms()\n"
    "  local snow = fmt(now)\n"
    "  local ids, at = {}, {}\n"
    "  local i = 5 + nc\n"
    "  while i <= #args do\n"
    "    ids[#ids + 1] = args[i]\n"
    "    at[#at + 1] = i\n"
    "    local nf = num(args[i + 4])\n"
    "    i = i + 6 + 2 * nf + 4 * num(args[i + 5 + 2 * nf])\n"
    "  end\n"
    "  local out = {}\n"
    "  local n = #ids\n"
    "  if n == 0 then return out end\n"
    "  local held, lost = {}, {}\n"
    "  for k = 1, n do\n"
    "    local lease = args[at[k] + 1]\n"
    "    local h = held[lease]\n"
    "    if not h then\n"
    "      h = {}\n"
    /* pcall: a lease that is not a number (not one a claim gave) holds nothing. */
    "      local r = redis.pcall('ZRANGE', keys[1], lease, lease, 'BYSCORE')\n"
    "      if not r.err then for _, id in ipairs(r) do h[id] = true end end\n"
    "      held[lease] = h\n"
    "    end\n"
    "    out[4 * k - 3], out[4 * k - 2], out[4 * k - 1], out[4 * k] = h[ids[k]] and 1 or -1, 0, 0, 0\n"
    "    if not h[ids[k]] then lost[#lost + 1] = k end\n"
    "  end\n"
    "  if #lost > 0 then\n"
    "    local lids = {}\n"
    "    for j, k in ipairs(lost) do lids[j] = ids[k] end\n"
    "    local scores = call('ZMSCORE', keys[1], unpack(lids))\n"
    "    for j, k in ipairs(lost) do if not scores[j] then out[4 * k - 3] = -2 end end\n"
    "  end\n"
    "  local due, cleared, failing, tried, okd = {}, {}, {}, {}, {}\n"
    "  for k = 1, n do\n"
    "    local id, a = ids[k], at[k]\n"
    "    if out[4 * k - 3] == 1 then\n"
    "      local ok, nf = args[a + 3], num(args[a + 4])\n"
    "      due[#due + 1] = fmt(now + tonumber(args[a + 2]))\n"
    "      due[#due + 1] = id\n"
    "      if ok == '0' then\n"
    "        tried[#tried + 1] = id; tried[#tried + 1] = snow\n"
    "        failing[#failing + 1] = id\n"
    "      else\n"
    "        okd[#okd + 1] = id; okd[#okd + 1] = snow\n"
    "        if ok == '1' then cleared[#cleared + 1] = id end\n"
    "      end\n"
    "    end\n"
    "  end\n"
    "  if #due > 0 then call('ZADD', keys[1], unpack(due)) end\n"
    "  if #tried > 0 then call('HSET', keys[4], unpack(tried)) end\n"
    "  if #okd > 0 then call('HSET', keys[5], unpack(okd)) end\n"
    "  if #cleared > 0 then call('SREM', prefix .. 'failing', unpack(cleared)) end\n"
    "  if #failing > 0 then call('SADD', prefix .. 'failing', unpack(failing)) end\n"
    "  local built, lost_card = {}, {}\n"
    "  for k = 1, n do\n"
    "    local a = at[k]\n"
    "    local ok, nf = args[a + 3], num(args[a + 4])\n"
    "    local it = a + 6 + 2 * nf\n"
    "    local ni = num(args[it - 1])\n"
    "    if out[4 * k - 3] == 1 and (ok ~= '2' or nf > 0 or ni > 0) then\n"
    "      local src = prefix .. 'source:' .. ids[k]\n"
    "      local h = {}\n"
    "      for j = a + 5, it - 2 do h[#h + 1] = args[j] end\n"
    "      if ok == '1' then\n"
    "        h[#h + 1] = 'failures'; h[#h + 1] = '0'; h[#h + 1] = 'error_kind'; h[#h + 1] = ''\n"
    "        h[#h + 1] = 'last_error'; h[#h + 1] = ''\n"
    "      elseif ok == '0' then\n"
    "        call('HINCRBY', src, 'failures', 1)\n"
    "      end\n"
    /* A clean source (ok 2) has had its baseline. */
    "      local baseline = ni > 0 and ok ~= '2' and call('HGET', src, 'baselined') ~= '1'\n"
    "      if ok == '1' then h[#h + 1] = 'baselined'; h[#h + 1] = '1' end\n"
    "      if #h > 0 then call('HSET', src, unpack(h)) end\n"
    "      if ok ~= '2' or nf > 0 then\n"
    "        local card = card_of(src, fields)\n"
    "        if card then built[#built + 1] = ids[k]; built[#built + 1] = card else lost_card[#lost_card + 1] = ids[k] end\n"
    "      end\n"
    "      local added, dup, base = 0, 0, 0\n"
    "      for j = it, it + 4 * ni - 1, 4 do\n"
    "        local nu = call('SET', prefix .. 'seen:u:' .. args[j], 1, 'NX', 'EX', ttl)\n"
    "        local nfp = call('SET', prefix .. 'seen:f:' .. args[j + 1], 1, 'NX', 'EX', ttl)\n"
    "        if nu and nfp then\n"
    "          if (not baseline) or args[j + 2] == '1' then\n"
    "            call('XADD', keys[2], 'MAXLEN', '~', maxlen, '*', 'item', args[j + 3])\n"
    "            added = added + 1\n"
    "          else base = base + 1 end\n"
    "        else dup = dup + 1 end\n"
    "      end\n"
    "      if added > 0 then call('HINCRBY', src, 'items_total', added) end\n"
    "      out[4 * k - 2], out[4 * k - 1], out[4 * k] = added, dup, base\n"
    "    end\n"
    "  end\n"
    "  if #built > 0 then call('HSET', keys[3], unpack(built)) end\n"
    "  if #lost_card > 0 then call('HDEL', keys[3], unpack(lost_card)) end\n"
    "  return out\n"
    "end)\n"

    /* due: KEYS due. Sources due now. */
    "redis.register_function{function_name='vigie_due', flags={'no-writes'}, callback=function(keys, args)\n"
    "  return redis.call('ZCOUNT', keys[1], '-inf', fmt(now_ms()))\n"
    "end}\n"

    /* Story clustering for signal outputs: a signal is stored under signal:<id> (its JSON,
     * its sources count and source URLs) and indexed by the four 16-bit bands of its 64-bit
     * SimHash under band:<cluster>:<n>:<band>, so a near duplicate (Hamming distance <= 3
     * shares at least one band) of the same account and type is found in a few lookups. */
    "local function popcount16(x)\n"
    "  local n = 0\n"
    "  while x > 0 do n = n + bit.band(x, 1); x = bit.rshift(x, 1) end\n"
    "  return n\n"
    "end\n"
    "local function hamming(a, b)\n"
    "  local d = 0\n"
    "  for k = 0, 3 do\n"
    "    d = d + popcount16(bit.bxor(tonumber(string.sub(a, 4 * k + 1, 4 * k + 4), 16),\n"
    "                                tonumber(string.sub(b, 4 * k + 1, 4 * k + 4), 16)))\n"
    "  end\n"
    "  return d\n"
    "end\n"
    "local function similar(prefix, cluster, sim)\n"
    "  for k = 0, 3 do\n"
    "    local band = prefix .. 'band:' .. cluster .. ':' .. k .. ':' .. string.sub(sim, 4 * k + 1, 4 * k + 4)\n"
    "    for _, id in ipairs(redis.call('SMEMBERS', band)) do\n"
    "      local other = redis.call('HGET', prefix .. 'signal:' .. id, 'simhash')\n"
    "      if other and hamming(sim, other) <= 3 then return id end\n"
    "    end\n"
    "  end\n"
    "  return nil\n"
    "end\n"
    "local function index_story(prefix, cluster, sim, id, window)\n"
    "  for k = 0, 3 do\n"
    "    local band = prefix .. 'band:' .. cluster .. ':' .. k .. ':' .. string.sub(sim, 4 * k + 1, 4 * k + 4)\n"
    "    redis.call('SADD', band, id)\n"
    "    redis.call('EXPIRE', band, window)\n"
    "  end\n"
    "end\n"
    /* Another source told the story of signal `id`: count it and publish the grown record. */
    "local function grow(prefix, stream, maxlen, id, json)\n"
    "  local key = prefix .. 'signal:' .. id\n"
    "  local stored = redis.call('HGET', key, 'json')\n"
    "  if not stored then return false end\n"
    "  local ok, new = pcall(cjson.decode, json)\n"
    "  local url = ok and type(new) == 'table' and type(new.url) == 'string' and new.url or ''\n"
    "  if url ~= '' and redis.call('SISMEMBER', key .. ':urls', url) == 1 then return true end\n"
    "  local n = redis.call('HINCRBY', key, 'sources', 1)\n"
    "  if url ~= '' then redis.call('SADD', key .. ':urls', url) end\n"
    "  local rec = cjson.decode(stored)\n"
    "  rec.sources = n\n"
    "  rec.source_urls = redis.call('SMEMBERS', key .. ':urls')\n"
    "  redis.call('XADD', prefix .. stream, 'MAXLEN', '~', maxlen, '*', 'update', cjson.encode(rec))\n"
    "  return true\n"
    "end\n"

    /* stage_write: KEYS input stream, errors hash, taken-marker prefix; ARGV group, prefix, maxlen,
     * ttl, window, mode, nkinds, then nkinds pairs of (stream suffix, field), then per entry:
     * "=<n>" unless n is 1, its id, and n outputs of (tag, json, then per the tag nothing, or a
     * dedup id, or a dedup id, cluster and simhash hex). A tag is the number (from 1) of the
     * output's kind, followed by "d" when a dedup id follows and by "s" when all three follow:
     * a plain output costs two arguments, which matters because Redis parses every argument of
     * every entry. The streams written are trimmed (MAXLEN ~) once per call.
     *
     * An entry's outputs are written only by whoever acknowledges it first, so that after a
     * takeover the entry is written once. Mode 'c' (careful: entries taken over, or read again
     * from the consumer's own pending list) acknowledges entry by entry and leaves a "taken"
     * marker (a key with the dedup ttl) for each one it acknowledged. Mode 'f' (fresh
     * entries, delivered to this consumer only) acknowledges the whole batch with one XACK:
     * when all were still pending they are all its own; otherwise another consumer
     * acknowledged some in a careful call, and the markers say which. Every acknowledgement
     * other than a fresh batch's leaves a marker (dead letters too), which is what makes the
     * one XACK exact; markers are only made on those rare paths, and expire on their own.
     *
     * An output with a dedup id is written once; a signal (one with a cluster) whose id or
     * near-duplicate story is known grows that signal instead. Returns {handled, outputs,
     * merged or duplicate}. */
    "local function each_chunk(t, f)\n"
    "  for k = 1, #t, 1000 do f({unpack(t, k, math.min(k + 999, #t))}) end\n"
    "end\n"
    "redis.register_function('vigie_stage_write', function(keys, args)\n"
    "  local handled, added, dup = 0, 0, 0\n"
    "  local call, input, group = redis.call, keys[1], args[1]\n"
    "  local prefix, maxlen, ttl, window, mode = args[2], args[3], tonumber(args[4]), tonumber(args[5]), args[6]\n"
    "  local nk = tonumber(args[7])\n"
    "  local kinds, touched = {}, {}\n"
    "  for k = 1, nk do kinds[k] = {stream = args[6 + 2 * k], field = args[7 + 2 * k], key = prefix .. args[6 + 2 * k]} end\n"
    /* Pass 1: the entries, where their outputs start and how many. */
    "  local ids, starts, counts = {}, {}, {}\n"
    "  local i = 8 + 2 * nk\n"
    "  while i <= #args do\n"
    "    local id, n = args[i], 1\n"
    "    if string.byte(id, 1) == 61 then n = tonumber(string.sub(id, 2)); id = args[i + 1]; i = i + 1 end\n"
    "    i = i + 1\n"
    "    ids[#ids + 1], starts[#ids + 1], counts[#ids + 1] = id, i, n\n"
    "    for _ = 1, n do\n"
    "      local more = string.byte(args[i], -1)\n"
    "      if more == 100 then i = i + 3 elseif more == 115 then i = i + 5 else i = i + 2 end\n"
    "    end\n"
    "  end\n"
    /* Which entries are this call's to write. */
    "  local mine = {}\n"
    "  if mode == 'f' then\n"
    "    local acked = 0\n"
    "    each_chunk(ids, function(c) acked = acked + call('XACK', input, group, unpack(c)) end)\n"
    "    if acked == #ids then\n"
    "      for k = 1, #ids do mine[k] = true end\n"
    "    else\n"
    "      local markers = {}\n"
    "      for k, id in ipairs(ids) do markers[k] = keys[3] .. id end\n"
    "      local k = 0\n"
    "      each_chunk(markers, function(c)\n"
    "        for _, t in ipairs(call('MGET', unpack(c))) do k = k + 1; mine[k] = not t end\n"
    "      end)\n"
    "    end\n"
    "  else\n"
    "    for k, id in ipairs(ids) do\n"
    "      if call('XACK', input, group, id) == 1 then\n"
    "        mine[k] = true\n"
    "        call('SET', keys[3] .. id, 1, 'EX', ttl)\n"
    "      end\n"
    "    end\n"
    "  end\n"
    "  local errors = call('EXISTS', keys[2]) == 1\n"
    /* Pass 2: the outputs of those entries. */
    "  for k, id in ipairs(ids) do\n"
    "    if mine[k] then\n"
    "      handled = handled + 1\n"
    "      if errors then call('HDEL', keys[2], id) end\n"
    "      local i = starts[k]\n"
    "      for _ = 1, counts[k] do\n"
    "        local tag, json = args[i], args[i + 1]\n"
    "        local dedup, cluster, sim = '', '', ''\n"
    "        local kind = kinds[tonumber(tag)]\n"
    "        if kind then i = i + 2\n"
    "        else\n"
    "          local more = string.sub(tag, -1)\n"
    "          kind = kinds[tonumber(string.sub(tag, 1, -2))]\n"
    "          if more == 'd' then dedup = args[i + 2]; i = i + 3\n"
    "          else dedup, cluster, sim = args[i + 2], args[i + 3], args[i + 4]; i = i + 5 end\n"
    "        end\n"
    "        local stream, field = kind.stream, kind.field\n"
    "        local fresh = true\n"
    "        if dedup ~= '' then fresh = call('SET', prefix .. 'out:' .. dedup, 1, 'NX', 'EX', ttl) end\n"
    "        if fresh and cluster ~= '' and sim ~= '' then\n"
    "          local same = similar(prefix, cluster, sim)\n"
    "          if same and grow(prefix, stream, maxlen, same, json) then fresh = false end\n"
    "        elseif not fresh and cluster ~= '' then\n"
    "          grow(prefix, stream, maxlen, dedup, json)\n"
    "        end\n"
    "        if fresh then\n"
    "          touched[kind] = true\n"
    "          call('XADD', kind.key, '*', field, json)\n"
    "          if cluster ~= '' then\n"
    "            local key = prefix .. 'signal:' .. dedup\n"
    "            call('HSET', key, 'json', json, 'sources', 1, 'simhash', sim)\n"
    "            local ok, rec = pcall(cjson.decode, json)\n"
    "            if ok and type(rec) == 'table' and type(rec.url) == 'string' then call('SADD', key .. ':urls', rec.url) end\n"
    "            call('EXPIRE', key, ttl)\n"
    "            call('EXPIRE', key .. ':urls', ttl)\n"
    "            if sim ~= '' then index_story(prefix, cluster, sim, dedup, window) end\n"
    "          end\n"
    "          added = added + 1\n"
    "        else dup = dup + 1 end\n"
    "      end\n"
    "    end\n"
    "  end\n"
    "  for kind in pairs(touched) do call('XTRIM', kind.key, 'MAXLEN', '~', maxlen) end\n"
    "  return {handled, added, dup}\n"
    "end)\n"

    /* news_sources: KEYS accounts hash, sources set, due; ARGV prefix, url template,
     * interval_ms. One "news:<account id>" source per account, its URL the template with
     * {name} and {id} URL-encoded; news sources of accounts that are gone are removed. An empty
     * template removes them all. Returns {created, removed}. */
    "local function urlencode(s)\n"
    "  return (string.gsub(s, '[^%w%-%._~]', function(c) return string.format('%%%02X', string.byte(c)) end))\n"
    "end\n"
    "redis.register_function('vigie_news_sources', function(keys, args)\n"
    "  local prefix, tmpl = args[1], args[2]\n"
    "  local wanted = {}\n"
    "  local created, removed = 0, 0\n"
    "  if tmpl ~= '' then\n"
    "    local all = redis.call('HGETALL', keys[1])\n"
    "    for i = 1, #all, 2 do\n"
    "      local ok, a = pcall(cjson.decode, all[i + 1])\n"
    "      if ok and type(a) == 'table' and type(a.name) == 'string' then\n"
    "        local id = 'news:' .. all[i]\n"
    "        local url = string.gsub(string.gsub(tmpl, '{name}', function() return urlencode(a.name) end),\n"
    "                                '{id}', function() return urlencode(all[i]) end)\n"
    "        wanted[id] = true\n"
    "        local key = prefix .. 'source:' .. id\n"
    "        if redis.call('HGET', key, 'url') ~= url then\n"
    "          if redis.call('EXISTS', key) == 0 then created = created + 1 end\n"
    "          redis.call('HSET', key, 'kind', 'feed', 'url', url, 'interval_ms', args[3], 'account_id', all[i], 'options', '')\n"
    "          redis.call('HDEL', prefix .. 'poll_cards', id)\n"
    "          redis.call('SADD', keys[2], id)\n"
    "          redis.call('ZADD', keys[3], 'NX', fmt(now_ms()), id)\n"
    "        end\n"
    "      end\n"
    "    end\n"
    "  end\n"
    "  for _, id in ipairs(redis.call('SMEMBERS', keys[2])) do\n"
    "    if string.sub(id, 1, 5) == 'news:' and not wanted[id] then\n"
    "      redis.call('DEL', prefix .. 'source:' .. id)\n"
    "      redis.call('SREM', keys[2], id)\n"
    "      redis.call('ZREM', keys[3], id)\n"
    "      redis.call('SREM', prefix .. 'failing', id)\n"
    "      for _, k in ipairs({'poll_cards', 'last_attempt', 'last_ok'}) do redis.call('HDEL', prefix .. k, id) end\n"
    "      removed = removed + 1\n"
    "    end\n"
    "  end\n"
    "  return {created, removed}\n"
    "end)\n"

    /* figures: ARGV prefix. The figures of `vigie status` and /metrics in one call: per
     * stream {name, length, XINFO GROUPS}, then sources, due now, failing. */
    "redis.register_function{function_name='vigie_figures', flags={'no-writes'}, callback=function(keys, args)\n"
    "  local p = args[1]\n"
    "  local out = {}\n"
    "  for _, s in ipairs({'items', 'signals', 'contacts', 'dlq'}) do\n"
    "    local groups = redis.pcall('XINFO', 'GROUPS', p .. s)\n"
    "    if type(groups) ~= 'table' or groups.err then groups = {} end\n"
    "    out[#out + 1] = {s, redis.call('XLEN', p .. s), groups}\n"
    "  end\n"
    "  out[#out + 1] = redis.call('SCARD', p .. 'sources')\n"
    "  out[#out + 1] = redis.call('ZCOUNT', p .. 'due', '-inf', fmt(now_ms()))\n"
    "  out[#out + 1] = redis.call('SCARD', p .. 'failing')\n"
    "  return out\n"
    "end}\n"

    /* dead_letter: KEYS input stream, dead-letter stream, errors hash, taken-marker prefix;
     * ARGV group, id, deliveries, reason when no handler error was recorded, marker ttl. The
     * entry is acknowledged here, so it leaves a taken marker (see stage_write). */
    "redis.register_function('vigie_dead_letter', function(keys, args)\n"
    "  if #redis.call('XPENDING', keys[1], args[1], args[2], args[2], 1) == 0 then return 0 end\n"
    "  local e = redis.call('XRANGE', keys[1], args[2], args[2])\n"
    "  local field, payload = '', ''\n"
    "  if #e > 0 and e[1][2] then field = e[1][2][1] or ''; payload = e[1][2][2] or '' end\n"
    "  local err = redis.call('HGET', keys[3], args[2]) or args[4]\n"
    "  redis.call('XADD', keys[2], '*', 'stream', keys[1], 'group', args[1], 'entry', args[2],\n"
    "             'deliveries', args[3], 'error', err, 'field', field, 'payload', payload)\n"
    "  redis.call('XACK', keys[1], args[1], args[2])\n"
    "  redis.call('SET', keys[4] .. args[2], 1, 'EX', tonumber(args[5]))\n"
    "  redis.call('HDEL', keys[3], args[2])\n"
    "  return 1\n"
    "end)\n";
