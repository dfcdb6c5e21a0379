-- Part of the vigie function library (see vigie.lua): dead letters and held sink records.
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

