-- Part of the vigie function library (see vigie.lua): the CRM's tally of an account and
-- the series' index and reads.
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

