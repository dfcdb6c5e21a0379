/* queue_lua — the "vigie" Redis function library (see queue_lua.h).
 *
 * Keys built inside functions (prefix .. 'source:' .. id, dedup keys) are not declared in
 * KEYS: vigie needs a single Redis (or a single hash slot), never a cluster. Numbers that are
 * milliseconds go through string.format('%.0f') so they are never written in exponent form. */
#include "queue/queue_lua.h"

const char queue_lua_library[] =
    "#!lua name=vigie\n"
    "local function now_ms()\n"
    "  local t = redis.call('TIME')\n"
    "  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
    "end\n"
    "local function fmt(n) return string.format('%.0f', n) end\n"

    /* claim: KEYS due, leases; ARGV limit, lease_ms, owner, prefix.
     * Returns {id, {hash fields...}, id, {...}, ...} for the sources now leased to owner. */
    "redis.register_function('vigie_claim', function(keys, args)\n"
    "  local now = now_ms()\n"
    "  local ids = redis.call('ZRANGE', keys[1], '-inf', fmt(now), 'BYSCORE', 'LIMIT', 0, tonumber(args[1]))\n"
    "  local out = {}\n"
    "  for _, id in ipairs(ids) do\n"
    "    local h = redis.call('HGETALL', args[4] .. 'source:' .. id)\n"
    "    if #h == 0 then\n"
    "      redis.call('ZREM', keys[1], id)\n"
    "    else\n"
    "      redis.call('ZADD', keys[1], fmt(now + tonumber(args[2])), id)\n"
    "      redis.call('HSET', keys[2], id, args[3])\n"
    "      out[#out + 1] = id\n"
    "      out[#out + 1] = h\n"
    "    end\n"
    "  end\n"
    "  return out\n"
    "end)\n"

    /* complete: KEYS due, leases, source hash, items stream; ARGV id, owner, next_delay_ms,
     * dedup_ttl_s, maxlen, prefix, ok, nfields, fields..., then per item url_key, fp_key,
     * recent, json. Returns {status, added, duplicates, baseline}; status -1: lease lost,
     * -2: source removed. */
    "redis.register_function('vigie_complete', function(keys, args)\n"
    "  if redis.call('HGET', keys[2], args[1]) ~= args[2] then return {-1, 0, 0, 0} end\n"
    "  redis.call('HDEL', keys[2], args[1])\n"
    "  if redis.call('EXISTS', keys[3]) == 0 then redis.call('ZREM', keys[1], args[1]) return {-2, 0, 0, 0} end\n"
    "  local now = fmt(now_ms())\n"
    "  redis.call('ZADD', keys[1], fmt(tonumber(now) + tonumber(args[3])), args[1])\n"
    "  local i = 9\n"
    "  for k = 1, tonumber(args[8]) do redis.call('HSET', keys[3], args[i], args[i + 1]) i = i + 2 end\n"
    "  redis.call('HSET', keys[3], 'last_attempt', now)\n"
    "  local ok = args[7] == '1'\n"
    "  if ok then\n"
    "    redis.call('HSET', keys[3], 'last_ok', now, 'failures', 0, 'error_kind', '', 'last_error', '')\n"
    "    redis.call('SREM', args[6] .. 'failing', args[1])\n"
    "  else\n"
    "    redis.call('HINCRBY', keys[3], 'failures', 1)\n"
    "    redis.call('SADD', args[6] .. 'failing', args[1])\n"
    "  end\n"
    "  local baseline = redis.call('HGET', keys[3], 'baselined') ~= '1'\n"
    "  local added, dup, base = 0, 0, 0\n"
    "  local ttl = tonumber(args[4])\n"
    "  while i + 3 <= #args do\n"
    "    local nu = redis.call('SET', args[6] .. 'seen:u:' .. args[i], 1, 'NX', 'EX', ttl)\n"
    "    local nf = redis.call('SET', args[6] .. 'seen:f:' .. args[i + 1], 1, 'NX', 'EX', ttl)\n"
    "    if nu and nf then\n"
    "      if (not baseline) or args[i + 2] == '1' then\n"
    "        redis.call('XADD', keys[4], 'MAXLEN', '~', args[5], '*', 'item', args[i + 3])\n"
    "        added = added + 1\n"
    "      else base = base + 1 end\n"
    "    else dup = dup + 1 end\n"
    "    i = i + 4\n"
    "  end\n"
    "  if ok then redis.call('HSET', keys[3], 'baselined', '1') end\n"
    "  if added > 0 then redis.call('HINCRBY', keys[3], 'items_total', added) end\n"
    "  return {1, added, dup, base}\n"
    "end)\n"

    /* due: KEYS due. Sources due now. */
    "redis.register_function{function_name='vigie_due', flags={'no-writes'}, callback=function(keys, args)\n"
    "  return redis.call('ZCOUNT', keys[1], '-inf', fmt(now_ms()))\n"
    "end}\n"

    /* stage_write: KEYS input stream, errors hash; ARGV group, prefix, maxlen, ttl, then per
     * entry: id, n, and n outputs of (stream suffix, field, dedup id or '', json).
     * An entry's outputs are written only if its XACK acknowledges it: after a takeover the
     * entry is written once, by whoever gets there first. Returns {handled, outputs, dups}. */
    "redis.register_function('vigie_stage_write', function(keys, args)\n"
    "  local handled, added, dup = 0, 0, 0\n"
    "  local errors = redis.call('EXISTS', keys[2]) == 1\n"
    "  local i = 5\n"
    "  while i <= #args do\n"
    "    local id, n = args[i], tonumber(args[i + 1])\n"
    "    i = i + 2\n"
    "    local mine = redis.call('XACK', keys[1], args[1], id) == 1\n"
    "    if mine then\n"
    "      handled = handled + 1\n"
    "      if errors then redis.call('HDEL', keys[2], id) end\n"
    "    end\n"
    "    for k = 1, n do\n"
    "      if mine then\n"
    "        local fresh = true\n"
    "        if args[i + 2] ~= '' then\n"
    "          fresh = redis.call('SET', args[2] .. 'out:' .. args[i + 2], 1, 'NX', 'EX', tonumber(args[4]))\n"
    "        end\n"
    "        if fresh then\n"
    "          redis.call('XADD', args[2] .. args[i], 'MAXLEN', '~', args[3], '*', args[i + 1], args[i + 3])\n"
    "          added = added + 1\n"
    "        else dup = dup + 1 end\n"
    "      end\n"
    "      i = i + 4\n"
    "    end\n"
    "  end\n"
    "  return {handled, added, dup}\n"
    "end)\n"

    /* dead_letter: KEYS input stream, dead-letter stream, errors hash; ARGV group, id,
     * deliveries, reason when no handler error was recorded. */
    "redis.register_function('vigie_dead_letter', function(keys, args)\n"
    "  if #redis.call('XPENDING', keys[1], args[1], args[2], args[2], 1) == 0 then return 0 end\n"
    "  local e = redis.call('XRANGE', keys[1], args[2], args[2])\n"
    "  local field, payload = '', ''\n"
    "  if #e > 0 and e[1][2] then field = e[1][2][1] or ''; payload = e[1][2][2] or '' end\n"
    "  local err = redis.call('HGET', keys[3], args[2]) or args[4]\n"
    "  redis.call('XADD', keys[2], '*', 'stream', keys[1], 'group', args[1], 'entry', args[2],\n"
    "             'deliveries', args[3], 'error', err, 'field', field, 'payload', payload)\n"
    "  redis.call('XACK', keys[1], args[1], args[2])\n"
    "  redis.call('HDEL', keys[3], args[2])\n"
    "  return 1\n"
    "end)\n";
