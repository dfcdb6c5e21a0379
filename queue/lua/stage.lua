-- Part of the vigie function library (see vigie.lua): a stage's outputs written once
-- (vigie_stage_write), a story's growth, and the streams' bounds (vigie_trim).
-- How a signal record ends (enrich/extract_json.c writes `sources` last).
local STORY_TAIL = ',"sources":1}'

-- Another source told the story of signal `id`: count it and publish the grown record (the
-- record as first written, read back from the stream, with the new count and URLs). False
-- when the story is not known (expired, or its record trimmed from the stream). The caller
-- trims the stream (trim_counted).
local function grow(prefix, stream, id, json, v)
  local key = prefix .. 'story:' .. id
  local n, entry, urls
  if v then n, entry, urls = story_parse(v) else n, entry, urls = story_read(key) end
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

-- Written-once markers of outputs other than signals (contacts): per dedup ttl (the bucket's
-- length), one hash out:b:<bucket>, bucket = floor(Redis time in s / ttl), field the dedup id.
-- An id counts as written when its field is in the current bucket or the one before, so it is
-- remembered at least the ttl and at most twice that; a bucket expires as a whole when its
-- successor ends (EXPIREAT, once per call). Instead of a key with its own TTL per output: a
-- field costs a fraction of a key. Markers of versions before the buckets, out:<id> strings
-- with a TTL, are still looked at for one ttl after the buckets were first used (out:since).
local function clock_us()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local function out_buckets(prefix, ttl, stream)
  local now_s = math.floor(clock_us() / 1000000)
  local b = math.floor(now_s / ttl)
  local since = tonumber(redis.call('GET', prefix .. 'out:since'))
  if not since then
    -- Only a Redis that already holds the output stream may hold markers of before.
    since = redis.call('EXISTS', stream) == 1 and now_s or now_s - ttl
    redis.call('SET', prefix .. 'out:since', fmt(since))
  end
  return {cur = prefix .. 'out:b:' .. fmt(b), prev = prefix .. 'out:b:' .. fmt(b - 1), until_s = (b + 2) * ttl,
          legacy = now_s < since + ttl and prefix .. 'out:' or nil}
end
-- True when id was not marked written (and marks it now).
local function out_mark(o, id)
  if redis.call('HSETNX', o.cur, id, '1') == 0 then return false end
  o.added = true
  if redis.call('HEXISTS', o.prev, id) == 1 then return false end
  if o.legacy and redis.call('EXISTS', o.legacy .. id) == 1 then return false end
  return true
end

-- stage_write: KEYS input stream, errors hash, taken-marker prefix; ARGV group, prefix, maxlen,
-- ttl, window, mode, series half-life ms (0: keep no series), nkinds, then nkinds pairs of (stream suffix, field), then per entry:
-- "=<n>" unless n is 1, its id, and n outputs of (tag, json, then per the tag nothing, or a
-- dedup id, or a dedup id, cluster and simhash hex, or those three and the signal's series
-- fields: published ms ('' for the entry's time), priority and series score, read by the
-- caller as series_signal would read them, queue/queue_series_fields.h). A tag is the number
-- (from 1) of the output's kind, followed by "d" when a dedup id follows, by "s" when the
-- three follow and by "p" when the six do: a plain output costs two arguments, which matters
-- because Redis parses every argument of every entry. The streams written are trimmed by count once per call (trim_counted: what goes
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
-- near-duplicate story is known grows that signal instead. What says "written" is, for a
-- signal, its story:<id> record (a copy that grew another story leaves "@<that id>" there, so
-- that a redelivery of it finds the same story even once the cluster's index has forgotten
-- it), kept the dedup ttl; for another output (a contact), a field of an out:b: bucket (see
-- out_mark). Returns {handled, outputs, merged or duplicate}.
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
  local prefix, maxlen, ttl_s, mode = args[2], args[3], args[4], args[6]
  local ttl = tonumber(ttl_s)
  -- Numbers reach Redis as text made once per call: a conversion costs about a command.
  local window_ms = tonumber(args[5]) * 1000
  local window_ms_s, now_us, cutoff, listed, outs = fmt(window_ms), nil, nil, 0, nil
  local half, nk = tonumber(args[7]), tonumber(args[8])
  local kinds, touched, heat = {}, {}, {}
  local given = {half = args[7], weeks = {}}
  for k = 1, nk do kinds[k] = {stream = args[7 + 2 * k], field = args[8 + 2 * k], key = prefix .. args[7 + 2 * k]} end
  -- An output's tag read once per call: {kind, 0 plain, 1 a dedup id, 2 a story, 3 a story
  -- and its series fields}.
  local tags = {}
  local function tag_of(tag)
    local t = tags[tag]
    if not t then
      local more = string.byte(tag, -1)
      if more == 100 then t = {kinds[tonumber(string.sub(tag, 1, -2))], 1}
      elseif more == 115 then t = {kinds[tonumber(string.sub(tag, 1, -2))], 2}
      elseif more == 112 then t = {kinds[tonumber(string.sub(tag, 1, -2))], 3}
      else t = {kinds[tonumber(tag)], 0} end
      tags[tag] = t
    end
    return t[1], t[2]
  end
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
      if more == 100 then i = i + 3 elseif more == 115 then i = i + 5 elseif more == 112 then i = i + 8 else i = i + 2 end
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
        call('SET', keys[3] .. id, '1', 'EX', ttl_s)
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
        local kind, more = tag_of(args[i])
        local json = args[i + 1]
        local dedup, cluster, sim, at = '', '', '', i
        if more == 0 then i = i + 2
        elseif more == 1 then dedup = args[i + 2]; i = i + 3
        elseif more == 2 then dedup, cluster, sim = args[i + 2], args[i + 3], args[i + 4]; i = i + 5
        else dedup, cluster, sim = args[i + 2], args[i + 3], args[i + 4]; i = i + 8 end
        local stream, field = kind.stream, kind.field
        local fresh = true
        local story = nil
        if cluster ~= '' and dedup ~= '' then
          -- A signal's marker is its story record (or, for a copy that grew another story,
          -- "@<that story's id>"): one read, and no key of its own.
          story = prefix .. 'story:' .. dedup
          local v = redis.pcall('GET', story)
          if type(v) == 'string' then
            fresh = false
            local n, _, _, alias = story_parse(v)
            if n then
              if grow(prefix, stream, dedup, json, v) then touched[kind] = true end
            elseif alias then
              if grow(prefix, stream, alias, json) then touched[kind] = true end
            end
          end
        elseif dedup ~= '' then
          if not outs then outs = out_buckets(prefix, ttl, kind.key) end
          fresh = out_mark(outs, dedup)
        end
        local index, held = nil, 0
        if fresh and cluster ~= '' and #sim == 16 then
          if not now_us then now_us = clock_us(); cutoff = '(' .. fmt(now_us - window_ms * 1000) end
          index = prefix .. 'stories:' .. cluster
          local same
          same, held = similar(index, sim, cutoff)
          if same and grow(prefix, stream, same, json) then
            fresh = false
            touched[kind] = true
            if dedup ~= '' then call('SET', prefix .. 'story:' .. dedup, '@' .. same, 'EX', ttl_s) end
          end
        end
        if fresh then
          touched[kind] = true
          local entry = call('XADD', kind.key, '*', field, json)
          if cluster ~= '' then
            call('SET', story or prefix .. 'story:' .. dedup, '1 ' .. entry .. '\n' .. story_url(json), 'EX', ttl_s)
            if half > 0 then
              if more == 3 then
                series_fields(prefix, dedup, cluster, args[at + 5], args[at + 6], args[at + 7], entry, half, heat, given)
              else
                series_signal(prefix, dedup, cluster, json, entry, half, heat, given)
              end
            end
            if index then
              index_story(index, sim, dedup, now_us + listed, window_ms_s, held)
              listed = listed + 1
            end
          end
          added = added + 1
        else dup = dup + 1 end
      end
    end
  end
  if outs and outs.added then call('EXPIREAT', outs.cur, fmt(outs.until_s)) end
  local ranks = {}
  for acct, lg in pairs(heat) do ranks[#ranks + 1] = lg; ranks[#ranks + 1] = acct end
  each_chunk(ranks, function(c) call('ZADD', prefix .. 'series:heat', unpack(c)) end)
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

