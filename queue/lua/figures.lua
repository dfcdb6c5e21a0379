-- Part of the vigie function library (see vigie.lua): the figures of `vigie status`.
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

