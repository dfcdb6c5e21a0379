-- Part of the vigie function library (see vigie.lua): rate budgets shared by processes.
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

