-- Part of the vigie function library (vigie.lua says how the parts are joined): claiming
-- due sources and releasing them (the poll schedule's leases).
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
local function card_join(h, fields)
  if not (h[1] or h[2]) then return nil end
  -- NUL separates a card's values: one inside a value is dropped (looked for first, as
  -- gsub copies the string even when there is none).
  for j = 1, #fields do
    local v = h[j]
    if not v then h[j] = '' elseif string.find(v, '\0', 1, true) then h[j] = (string.gsub(v, '%z', '')) end
  end
  return table.concat(h, '\0', 1, #fields)
end
local function card_of(src, fields) return card_join(redis.call('HMGET', src, unpack(fields)), fields) end
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

