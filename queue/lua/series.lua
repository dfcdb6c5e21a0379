-- Part of the vigie function library (see vigie.lua): the accounts' weekly series and
-- heat ranking.
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
--
-- A conversion between a number and its text (string.format, tonumber, a number given to
-- redis.call: sprintf and strtod) costs Redis about as much as a small command, and a signal
-- would make a dozen: a caller writing many signals passes `given` (the half-life as text,
-- `half`, and a table `weeks` that keeps each week's field names for the call; optionally
-- the score and time as text, `score` and `t`), and the state read back is compared as text
-- where it can be (the account's newest week, its half-life).
-- Small counts as text and back by a table lookup instead of a conversion: the texts of 0..1023,
-- made once each on first use (a library's code cannot call string functions while it loads)
-- and kept with the library.
local COUNT_TEXT, COUNT_OF = {}, {}
local function count_text(n)
  local s = COUNT_TEXT[n]
  if not s then
    s = fmt(n)
    if n >= 0 and n < 1024 and n == math.floor(n) then COUNT_TEXT[n] = s; COUNT_OF[s] = n end
  end
  return s
end
local function count_of(s) return COUNT_OF[s] or tonumber(s) end
local function week_names(w, given)
  local names = given and given.weeks[w]
  if not names then
    local ws = fmt(w)
    names = {ws, 'c' .. ws, 'p' .. ws}
    if given then given.weeks[w] = names end
  end
  return names[1], names[2], names[3]
end
local function series_add(prefix, acct, id, typ, prio, t, half, heat, given)
  local h, z = prefix .. 'series:w:' .. acct, prefix .. 'series:s:' .. acct
  local w = series_week(t)
  local ws, cw, pw = week_names(w, given)
  local half_s = given and given.half or fmt(half)
  -- One read of the account's state and of the week's counts, one write of them all.
  local st = redis.call('HMGET', h, 'top', 'low', 'half', 'log', 'last_ms', cw, pw)
  -- Most signals fall in the account's newest week: then top and low stay as they are (low
  -- is never past top).
  local same_top = st[1] == ws and st[2] ~= false
  local top, low
  if same_top then top = w else top, low = tonumber(st[1]), tonumber(st[2]) end
  if top and w <= top - SERIES_WEEKS then return false end
  prio = math.floor(prio)
  if prio < 0 then prio = 0 elseif prio > 100 then prio = 100 end
  local relog = st[3] and st[3] ~= half_s and tonumber(st[3]) ~= half
  local log = nil
  if relog then log = series_relog(z, half) end
  -- An id already kept is not counted again (ZADD NX says whether it was).
  local score = given and given.score or string.format('%.17g', t + prio / 128)
  if redis.call('ZADD', z, 'NX', score, id) == 0 then return false end
  local set = {cw, count_text((count_of(st[6]) or 0) + 1), pw, count_text((count_of(st[7]) or 0) + prio)}
  -- top, low and half change seldom: written only then.
  if not same_top then
    local top0, low0 = top, low
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
    if top ~= top0 then set[#set + 1] = 'top'; set[#set + 1] = fmt(top) end
    if low ~= low0 then set[#set + 1] = 'low'; set[#set + 1] = fmt(low) end
  end
  if relog or not st[3] then set[#set + 1] = 'half'; set[#set + 1] = half_s end
  if not relog then log = tonumber(st[4]) end
  if prio > 0 then log = log_add(log, log2(prio) + (t - HEAT_EPOCH_MS) / half) end
  local lg = fmt_log(log)
  if log then set[#set + 1] = 'log'; set[#set + 1] = lg end
  -- The newest signal: times of as many digits compare as text.
  local last, t_s = st[5], given and given.t
  local newest
  if t_s and last and #t_s == #last and string.byte(t_s, 1) ~= 45 and string.byte(last, 1) ~= 45 then
    newest = t_s >= last
  else
    last = tonumber(last)
    newest = not last or t >= last
  end
  if newest then
    set[#set + 1] = 'last_ms'; set[#set + 1] = t_s or fmt(t)
    set[#set + 1] = 'last_type'; set[#set + 1] = typ
    set[#set + 1] = 'last_id'; set[#set + 1] = id
  end
  redis.call('HSET', h, unpack(set))
  -- A caller writing many signals (vigie_stage_write) ranks their accounts in one ZADD.
  if heat then heat[acct] = lg else redis.call('ZADD', prefix .. 'series:heat', lg, acct) end
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
-- A member's value read in place: a plain search for its name (cheaper than a pattern tried
-- at every position), then the pattern anchored after it.
local function member(json, name, pattern)
  local _, e = string.find(json, name, 1, true)
  if not e then return nil end
  return string.match(json, pattern, e + 1)
end
local function series_signal(prefix, id, cluster, json, entry, half, heat, given)
  local acct, typ = string.match(cluster, '^(.*)|([^|]*)$')
  id = string.match(json, '^{"id":%s*"([^"\\]*)"') or id
  if not acct or id == '' then return false end
  local p = tonumber(member(json, '"priority":', '^%s*(%-?%d+)')) or 0
  local t = rfc3339_ms(member(json, '"published":', '^%s*"([^"\\]*)"')) or tonumber(string.match(entry, '^%d+'))
  if given then given.score, given.t = nil, nil end
  return series_add(prefix, acct, id, typ, p, t, half, heat, given)
end
-- The same with the record's fields read by the caller (vigie_stage_write's "p" outputs): the
-- published time as text (ms; '' for the entry's time), the priority and the score as text.
local function series_fields(prefix, id, cluster, t_s, prio_s, score_s, entry, half, heat, given)
  local acct, typ = string.match(cluster, '^(.*)|([^|]*)$')
  if not acct then return false end
  local t
  if t_s == '' then
    t = tonumber(string.match(entry, '^%d+'))
    given.score, given.t = nil, nil
  else
    t = tonumber(t_s)
    given.score, given.t = score_s, t_s
  end
  return series_add(prefix, acct, id, typ, tonumber(prio_s), t, half, heat, given)
end
