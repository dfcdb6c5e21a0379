-- Part of the vigie function library (see vigie.lua): a poll's completion (its items
-- deduplicated and queued, the source rescheduled).
-- complete: KEYS due, items stream, cards, last_attempt, last_ok; ARGV dedup_ttl_s,
-- maxlen, prefix, the dedup clock (ms since the epoch; '' for Redis's TIME: the poller sends
-- its own, vg_clock_ms, so that tests can move it), the number of poll fields and their
-- names (as claim), then per poll: id,
-- lease (as claimed, or 'push' for a WebSub delivery: see below), next_delay_ms, ok (0 failed, 1 succeeded, 2 succeeded and the source
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
  local reads = {unpack(args, 6, 5 + nc)}
  reads[nc + 1], reads[nc + 2] = 'baselined', 'items_total'
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
    if lease == 'push' then
      -- A WebSub delivery (daemon/websub.c) holds no lease: its items are deduplicated and
      -- queued if the source still exists; the schedule is left alone (sent with ok 2, no
      -- field: no card, no baseline).
      out[4 * k - 3], out[4 * k - 2], out[4 * k - 1], out[4 * k] = call('ZSCORE', keys[1], ids[k]) and 1 or -2, 0, 0, 0
    else
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
    if out[4 * k - 3] == 1 and args[a + 1] ~= 'push' then
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
      -- One read of the source (its poll fields, baselined, items_total) and one write of all
      -- it changes (fields, the new items' count): the card is built from what was read with
      -- what is written laid over it, which is what a read after the write would give.
      local rebuild = ok ~= '2' or nf > 0
      local read = rebuild or (ni > 0 and ok ~= '2')
      local st = read and call('HMGET', src, unpack(reads)) or {}
      -- A clean source (ok 2) has had its baseline.
      local baseline = ni > 0 and ok ~= '2' and st[nc + 1] ~= '1'
      if ok == '1' then h[#h + 1] = 'baselined'; h[#h + 1] = '1' end
      if rebuild then
        local new = {}
        for j = 1, #h - 1, 2 do new[h[j]] = h[j + 1] end
        local v = {}
        for j = 1, nc do
          local x = new[fields[j]]
          if x == nil then x = st[j] end
          v[j] = x
        end
        local card = card_join(v, fields)
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
      if added > 0 then
        if read then
          h[#h + 1] = 'items_total'; h[#h + 1] = fmt((tonumber(st[nc + 2]) or 0) + added)
        else
          call('HINCRBY', src, 'items_total', added)
        end
      end
      if #h > 0 then call('HSET', src, unpack(h)) end
      out[4 * k - 2], out[4 * k - 1], out[4 * k] = added, dup, base
    end
  end
  if #built > 0 then call('HSET', keys[3], unpack(built)) end
  if #lost_card > 0 then call('HDEL', keys[3], unpack(lost_card)) end
  if seen then seen_close(seen.u); seen_close(seen.f) end
  return out
end)

