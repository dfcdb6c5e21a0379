-- The alerts router's functions, part of the "vigie" library: the build appends this file to
-- vigie.lua (CMakeLists.txt), so register, fmt and the rest of that file are in scope here.
-- docs/design.md "## Alerts" is the reference for the keys and the message shapes; the
-- router (sinks/sink_alerts.c, through queue/queue_alerts.c) decides what needs no Redis
-- (silences, quiet hours, inhibition, targets, digest slots) and these functions do the rest
-- atomically, so that two processes never send one group twice nor a digest twice.
--
-- Times come from the caller (vg_clock_ms), not from TIME: quiet hours and digest slots are
-- decided in C at the caller's time, and tests drive both with one clock.
--
-- Signal records are kept and sent as the text the enrich stage wrote: messages are built by
-- concatenation, never by cjson.encode of a decoded record (Redis's cjson writes an empty
-- array as {}, and the channels and the e-mail digest read `amounts: []` as a list).
--
-- A group, agroup:<receiver>:<account>, is a hash: signal id -> "<priority>|<signal JSON>",
-- and `_meta` (JSON: receiver, route, account_id, okey, emin, digest_due, targets as
-- [[channel, target], ...]), `_owner` and `_account` (the JSON the messages carry) and
-- `_dmeta` (the owner's digest facts: key, email, timezone, digest). A digest,
-- digest:<owner key>, is a hash: signal id -> "<priority>|<item JSON>", `_meta` (the owner's
-- digest facts) and `_owner`.

-- A message's id: 32 hex digits of the SHA-1 of its parts (the channels' idempotency key).
local function msg_id(s) return string.sub(redis.sha1hex(s), 1, 32) end

-- A string as a JSON literal ('/' left as it is, as the rest of vigie writes it).
local function jstr(s) return (string.gsub(cjson.encode(s), '\\/', '/')) end

-- "<priority>|<json>" -> priority, json
local function split_prio(v)
  local bar = string.find(v, '|', 1, true)
  return tonumber(string.sub(v, 1, bar - 1)) or 0, string.sub(v, bar + 1)
end

-- Signals of a hash (fields not starting with '_') as {id, prio, json}, highest priority
-- first, then by id, so that a message is the same whoever builds it.
local function signals_of(flat)
  local sigs, rest = {}, {}
  for i = 1, #flat, 2 do
    local f = flat[i]
    if string.byte(f, 1) == 95 then rest[f] = flat[i + 1]
    else
      local p, j = split_prio(flat[i + 1])
      sigs[#sigs + 1] = {id = f, prio = p, json = j}
    end
  end
  table.sort(sigs, function(a, b) if a.prio ~= b.prio then return a.prio > b.prio end return a.id < b.id end)
  return sigs, rest
end

local function joined(sigs, member)
  local t = {}
  for i, s in ipairs(sigs) do t[i] = s[member] end
  return t
end

-- Puts one signal into its owner's digest: the item, the owner's facts, and the digest's due
-- time (the earliest slot asked for: ZADD LT). Returns 1 when folded, 0 when the owner has no
-- digest (only counted).
local function fold(p, okey, due, dmeta, owner, account, sid, prio, json, why)
  if due == '0' or due == 0 or okey == '' then return 0 end
  local dk = p .. 'digest:' .. okey
  local item = '{"account":' .. account .. ',"signal":' .. json .. ',"why":"' .. why .. '"}'
  redis.call('HSET', dk, sid, fmt(prio) .. '|' .. item, '_meta', dmeta, '_owner', owner)
  redis.call('ZADD', p .. 'digest:due', 'LT', due, okey)
  return 1
end

-- The head every message of a group shares (without id, kind and created).
local function head_of(ch, target, meta, owner, account)
  return '"channel":' .. jstr(ch) .. ',"target":' .. jstr(target) .. ',"receiver":' .. jstr(meta.receiver) ..
         ',"route":' .. jstr(meta.route) .. ',"owner":' .. owner .. ',"account":' .. account
end

local function message(id, kind, head, created, sigs, extra)
  return '{"id":"' .. id .. '","kind":"' .. kind .. '",' .. head .. ',"created":' .. jstr(created) .. (extra or '') ..
         ',"priority":' .. fmt(sigs[1] and sigs[1].prio or 0) .. ',"signals":[' ..
         table.concat(joined(sigs, 'json'), ',') .. ']}'
end

-- alert_route: KEYS agroup:<receiver>:<account>, agroups:due, alerted:<receiver>:<signal id>,
-- inhibit:<account>. ARGV p, kind ('signal' | 'update'),
-- member ('<receiver>|<account>'), signal id, priority, type, signal JSON, group due (ms),
-- quiet ('1': the owner's quiet hours hold it), inhibited ('1': an inhibition holds it),
-- inhibit_for (ms; > 0: this signal's type holds back lesser ones), slack_update ('1': Slack
-- can edit a message it posted), group meta JSON, owner JSON, account JSON, owner key, digest
-- due (ms; '0': the owner has no digest), digest meta JSON, created (RFC 3339), ttl_s,
-- maxlen, now (ms). An inhibition is "<priority>|<until ms>|<type>": until on the caller's
-- clock (the caller compares it), the key's own expiry only cleans up. One signal for one receiver, after the silences (checked by the caller):
--   alerted before -> a signal again: 'duplicate'; an update: an `update` message to Slack
--     (the message as sent is in alertmsg:<alert id>) and, for the other channels, the
--     digest ('update');
--   in its group still -> a signal again: 'duplicate'; an update replaces it ('replaced');
--   inhibited, quiet -> the digest;
--   else into the group, opened (due) by its first signal ('grouped').
-- Returns {what, folded (0/1), messages written}.
register('vigie_alert_route', 4, 22, false, {}, function(keys, args)
  local p, kind, member, sid, prio, stype, json = args[1], args[2], args[3], args[4], tonumber(args[5]), args[6], args[7]
  local gdue, quiet, inhibited, inhibit_for, slack_update = args[8], args[9], args[10], tonumber(args[11]), args[12]
  local metaj, owner, account, okey, ddue, dmeta = args[13], args[14], args[15], args[16], args[17], args[18]
  local created, ttl, maxlen, now = args[19], args[20], args[21], tonumber(args[22])
  if not prio or not inhibit_for or not now or sid == '' then
    return redis.error_reply('ERR vigie_alert_route: a signal id, a priority and inhibit_for must be given')
  end
  local stored = fmt(prio) .. '|' .. json
  local alerted = redis.call('GET', keys[3])
  if alerted then
    if kind ~= 'update' then return {'duplicate', 0, 0} end
    local msgs, slack = 0, false
    if slack_update == '1' then
      local mk = p .. 'alertmsg:' .. alerted
      local m = redis.call('HGETALL', mk)
      if #m > 0 then
        local sigs, rest = signals_of(m)
        local known = false
        for _, s in ipairs(sigs) do
          if s.id == sid then
            if s.json == json then return {'duplicate', 0, 0} end
            known = true
            s.prio, s.json = prio, json
          end
        end
        if known then
          table.sort(sigs, function(a, b) if a.prio ~= b.prio then return a.prio > b.prio end return a.id < b.id end)
          redis.call('HSET', mk, sid, stored)
          local id = msg_id('update\n' .. alerted .. '\n' .. sid .. '\n' .. json)
          local extra = ',"alert_id":"' .. alerted .. '","signal_id":' .. jstr(sid)
          redis.call('XADD', p .. 'alerts:slack', 'MAXLEN', '~', maxlen, '*', 'alert',
                     message(id, 'update', rest._head, created, sigs, extra))
          msgs, slack = 1, true
        end
      end
    end
    local meta = cjson.decode(metaj)
    local others = not slack
    for _, t in ipairs(meta.targets or {}) do if t[1] ~= 'slack' then others = true end end
    local folded = 0
    if others then folded = fold(p, okey, ddue, dmeta, owner, account, sid, prio, json, 'update') end
    return {'update', folded, msgs}
  end
  if redis.call('HEXISTS', keys[1], sid) == 1 then
    if kind ~= 'update' then return {'duplicate', 0, 0} end
    redis.call('HSET', keys[1], sid, stored)
    return {'replaced', 0, 0}
  end
  if inhibit_for > 0 then
    local cur = redis.call('GET', keys[4])
    local cp, cu = nil, nil
    if cur then cp, cu = string.match(cur, '^(%d+)|(%d+)|') end
    if not cp or prio >= tonumber(cp) or tonumber(cu) <= now then
      redis.call('SET', keys[4], fmt(prio) .. '|' .. fmt(now + inhibit_for) .. '|' .. stype, 'PX', fmt(inhibit_for))
    end
  end
  if inhibited == '1' then
    return {'inhibited', fold(p, okey, ddue, dmeta, owner, account, sid, prio, json, 'inhibited'), 0}
  end
  if quiet == '1' then
    return {'quiet', fold(p, okey, ddue, dmeta, owner, account, sid, prio, json, 'quiet'), 0}
  end
  redis.call('HSET', keys[1], sid, stored)
  if redis.call('HSETNX', keys[1], '_meta', metaj) == 1 then
    redis.call('HSET', keys[1], '_owner', owner, '_account', account, '_dmeta', dmeta)
  end
  redis.call('ZADD', keys[2], 'NX', gdue, member)
  return {'grouped', 0, 0}
end)

-- alert_flush: KEYS agroups:due. ARGV p, now (ms), limit (groups per call), cap_per_hour (0:
-- none), ttl_s, maxlen, created (RFC 3339), force ('1': every group whatever its due time,
-- for `vigie run --once`). Pops the due groups and, per group: an owner who already had
-- cap_per_hour alerts in the last rolling hour (alertcap:<owner key>) gets it in the digest
-- ('cap'); otherwise one message per target to alerts:<channel>, field `alert`, its id the
-- SHA-1 of channel, target, receiver, account and sorted signal ids, except an e-mail target
-- when the group's top priority is under the receiver's email_min_priority (the signals go to
-- the digest, 'digest'). Marks each signal alerted:<receiver>:<id> (-> the Slack message's
-- id, else the first) and keeps a Slack message as sent in alertmsg:<id> for its updates.
-- Returns {groups, messages, capped groups, signals folded, 1 when limit groups were taken
-- (more may be due)}.
register('vigie_alert_flush', 1, 8, false, {}, function(keys, args)
  local p, now, limit, cap = args[1], tonumber(args[2]), tonumber(args[3]), tonumber(args[4])
  local ttl, maxlen, created, force = args[5], args[6], args[7], args[8]
  if not (now and limit and cap) or limit < 1 then
    return redis.error_reply('ERR vigie_alert_flush: now, limit >= 1 and cap_per_hour must be numbers')
  end
  local due = redis.call('ZRANGEBYSCORE', keys[1], '-inf', force == '1' and '+inf' or fmt(now), 'LIMIT', 0, limit)
  local groups, msgs, capped, folded = 0, 0, 0, 0
  for _, member in ipairs(due) do
    redis.call('ZREM', keys[1], member)
    local bar = string.find(member, '|', 1, true)
    local gk = bar and (p .. 'agroup:' .. string.sub(member, 1, bar - 1) .. ':' .. string.sub(member, bar + 1))
    local flat = gk and redis.call('HGETALL', gk) or {}
    if gk then redis.call('DEL', gk) end
    local sigs, rest = signals_of(flat)
    if #sigs > 0 and rest._meta then
      groups = groups + 1
      local meta = cjson.decode(rest._meta)
      local owner, account = rest._owner, rest._account
      local okey, ddue = meta.okey or '', fmt(tonumber(meta.digest_due) or 0)
      local over = false
      if cap > 0 and okey ~= '' then
        local ck = p .. 'alertcap:' .. okey
        redis.call('ZREMRANGEBYSCORE', ck, '-inf', '(' .. fmt(now - 3600000))
        if redis.call('ZCARD', ck) >= cap then over = true
        else
          redis.call('ZADD', ck, fmt(now), fmt(now) .. '|' .. member)
          redis.call('PEXPIRE', ck, 3600000)
        end
      end
      if over then
        capped = capped + 1
        for _, s in ipairs(sigs) do
          folded = folded + fold(p, okey, ddue, rest._dmeta, owner, account, s.id, s.prio, s.json, 'cap')
        end
      else
        local ids = joined(sigs, 'id')
        table.sort(ids)
        ids = table.concat(ids, ',')
        local top = sigs[1].prio
        local alert_id, slack_id, to_digest = nil, nil, false
        for _, t in ipairs(meta.targets or {}) do
          local ch, target = t[1], t[2]
          if ch == 'email' and top < (tonumber(meta.emin) or 0) then to_digest = true
          else
            local id = msg_id(ch .. '\n' .. target .. '\n' .. meta.receiver .. '\n' .. meta.account_id .. '\n' .. ids)
            local head = head_of(ch, target, meta, owner, account)
            redis.call('XADD', p .. 'alerts:' .. ch, 'MAXLEN', '~', maxlen, '*', 'alert',
                       message(id, 'alert', head, created, sigs))
            msgs = msgs + 1
            alert_id = alert_id or id
            if ch == 'slack' then
              slack_id = id
              local mk = p .. 'alertmsg:' .. id
              local h = {'_head', head}
              for _, s in ipairs(sigs) do h[#h + 1] = s.id; h[#h + 1] = fmt(s.prio) .. '|' .. s.json end
              redis.call('HSET', mk, unpack(h))
              redis.call('EXPIRE', mk, ttl)
            end
          end
        end
        if to_digest then
          for _, s in ipairs(sigs) do
            folded = folded + fold(p, okey, ddue, rest._dmeta, owner, account, s.id, s.prio, s.json, 'digest')
          end
        end
        if alert_id then
          for _, s in ipairs(sigs) do
            redis.call('SET', p .. 'alerted:' .. meta.receiver .. ':' .. s.id, slack_id or alert_id, 'EX', ttl)
          end
        end
      end
    end
  end
  return {groups, msgs, capped, folded, #due == limit and 1 or 0}
end)

-- digest_due: KEYS digest:due. ARGV p, now (ms), limit. The owners whose digest is due, as
-- {owner key, due (ms), digest meta JSON, ...}: the caller works out each one's period in the
-- owner's zone and takes it (vigie_digest_take).
register('vigie_digest_due', 1, 3, false, {'no-writes'}, function(keys, args)
  local p, now, limit = args[1], tonumber(args[2]), tonumber(args[3])
  if not (now and limit) or limit < 1 then
    return redis.error_reply('ERR vigie_digest_due: now and limit >= 1 must be numbers')
  end
  local due = redis.call('ZRANGEBYSCORE', keys[1], '-inf', fmt(now), 'WITHSCORES', 'LIMIT', 0, limit)
  local out = {}
  for i = 1, #due, 2 do
    out[#out + 1] = due[i]
    out[#out + 1] = due[i + 1]
    out[#out + 1] = redis.call('HGET', p .. 'digest:' .. due[i], '_meta') or ''
  end
  return out
end)

-- The `digest` message of an owner's digest (sigs, rest: signals_of its hash): items grouped
-- by account, the account with the highest priority first; activity: per account 12 counts
-- of signals per week from the account's series (series:s:<account>, signal ids scored by
-- published ms + priority / 128: queue/lua/vigie.lua), oldest first, the last week ending
-- now. What vigie_digest_take sends and vigie_digest_peek shows.
local function digest_message(p, okey, sigs, rest, meta, now, period, pstart, pend, created)
  local by, order = {}, {}
  for _, s in ipairs(sigs) do
    local item = cjson.decode(s.json)
    local acc = type(item.account) == 'table' and tostring(item.account.id) or ''
    if not by[acc] then by[acc] = {}; order[#order + 1] = acc end
    local list = by[acc]
    list[#list + 1] = s.json
  end
  local items = {}
  for _, acc in ipairs(order) do for _, j in ipairs(by[acc]) do items[#items + 1] = j end end
  local week = 7 * 86400000
  local act = {}
  for _, acc in ipairs(order) do
    local tk, counts = p .. 'series:s:' .. acc, {}
    for k = 1, 12 do
      local from, to = now - (13 - k) * week, now - (12 - k) * week
      -- published in (from, to]: the score's fraction (the priority) stays under a millisecond
      counts[k] = fmt(redis.call('ZCOUNT', tk, fmt(from + 1), '(' .. fmt(to + 1)))
    end
    act[#act + 1] = jstr(acc) .. ':[' .. table.concat(counts, ',') .. ']'
  end
  local id = msg_id('digest\n' .. okey .. '\n' .. period)
  local msg = '{"id":"' .. id .. '","kind":"digest","channel":"email","target":' .. jstr(meta.email) ..
              ',"receiver":null,"route":null,"created":' .. jstr(created) .. ',"owner":' .. (rest._owner or 'null') ..
              ',"period":' .. jstr(period) .. ',"period_start":' .. jstr(pstart) .. ',"period_end":' .. jstr(pend) ..
              ',"items":[' .. table.concat(items, ',') .. '],"activity":{' .. table.concat(act, ',') .. '}}'
  return msg
end

-- digest_take: KEYS digest:<owner key>, digest:due, digest-sent:<owner key>:<period>. ARGV p,
-- owner key, now (ms), period, period_start, period_end (RFC 3339), created, next_due (ms:
-- the slot after this one, for items that find the period already sent), ttl_s, maxlen.
-- Takes the owner's digest once per (owner, period): the first caller sets digest-sent and
-- writes one `digest` message to alerts:email (items grouped by account, the account with the
-- highest priority first; activity: per account 12 counts of signals per week from
-- series:s:<account>, oldest first, the last week ending now), then deletes the items. A digest
-- no longer due (another process took it) is left alone; one whose period was already sent
-- waits for next_due. Returns 1 written, 0 not due, -1 period already sent, -2 nothing to send.
register('vigie_digest_take', 3, 10, false, {}, function(keys, args)
  local p, okey, now, period, pstart, pend = args[1], args[2], tonumber(args[3]), args[4], args[5], args[6]
  local created, next_due, ttl, maxlen = args[7], args[8], args[9], args[10]
  if not now or not tonumber(next_due) or period == '' then
    return redis.error_reply('ERR vigie_digest_take: now, next_due and a period must be given')
  end
  local due = redis.call('ZSCORE', keys[2], okey)
  if not due or tonumber(due) > now then return 0 end
  local sigs, rest = signals_of(redis.call('HGETALL', keys[1]))
  local meta = rest._meta and cjson.decode(rest._meta) or {}
  if #sigs == 0 or type(meta.email) ~= 'string' or meta.email == '' then
    redis.call('DEL', keys[1])
    redis.call('ZREM', keys[2], okey)
    return -2
  end
  if not redis.call('SET', keys[3], created, 'NX', 'EX', ttl) then
    redis.call('ZADD', keys[2], 'XX', next_due, okey)
    return -1
  end
  local msg = digest_message(p, okey, sigs, rest, meta, now, period, pstart, pend, created)
  redis.call('XADD', p .. 'alerts:email', 'MAXLEN', '~', maxlen, '*', 'alert', msg)
  redis.call('DEL', keys[1])
  redis.call('ZREM', keys[2], okey)
  return 1
end)

-- digest_peek: KEYS digest:<owner key>, digest:due. ARGV p, owner key, now (ms), period,
-- period_start, period_end, created. The digest vigie_digest_take would write for the owner
-- now, changing nothing (`vigie alerts preview --owner X --digest`): {due (ms, '' when none is
-- pending), the message JSON ('' when the digest holds nothing), the owner's digest facts}.
register('vigie_digest_peek', 2, 7, false, {'no-writes'}, function(keys, args)
  local p, okey, now, period, pstart, pend, created = args[1], args[2], tonumber(args[3]), args[4], args[5],
                                                       args[6], args[7]
  if not now then return redis.error_reply('ERR vigie_digest_peek: now must be a number') end
  local due = redis.call('ZSCORE', keys[2], okey) or ''
  local sigs, rest = signals_of(redis.call('HGETALL', keys[1]))
  if #sigs == 0 then return {due, '', rest._meta or ''} end
  local meta = rest._meta and cjson.decode(rest._meta) or {}
  return {due, digest_message(p, okey, sigs, rest, meta, now, period, pstart, pend, created), rest._meta or ''}
end)
