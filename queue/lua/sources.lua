-- Part of the vigie function library (see vigie.lua): the accounts' automatic company sources.
-- auto_sources: KEYS sources set, due. ARGV p, nkinds, nremove; then the nkinds kinds this
-- call manages, then nremove (how, key) pairs saying how each key of a source goes when it is
-- removed (QUEUE_SOURCE_KEYS in queue_contract.h, as vigie_news_sources), then the wanted
-- sources as (id, kind, url, account_id, options, interval_ms) tuples.
--
-- A wanted source that does not exist is created (field `auto` = 1, due now); one that
-- exists with `auto` = 1 is updated when its kind, URL, account, options or interval differ
-- (its poll card dropped; its validators too when the URL changed, and what it keeps when its
-- options changed: that is another company); a source of the same id without `auto` is the
-- user's and is left alone. Then every automatic source of a managed kind (its id is
-- "<kind>:...") that is not wanted is removed. Returns {created, updated, removed}.
register('vigie_auto_sources', 2, 3, true, {}, function(keys, args)
  local prefix, nk, nr = args[1], tonumber(args[2]), tonumber(args[3])
  local kinds = {}
  for i = 4, 3 + nk do kinds[args[i]] = true end
  local rm_from, first = 4 + nk, 4 + nk + 2 * nr
  local created, updated, removed = 0, 0, 0
  local wanted = {}
  local now = fmt(now_ms())
  for i = first, #args - 5, 6 do
    local id, kind, url, acc, opts, iv = args[i], args[i + 1], args[i + 2], args[i + 3], args[i + 4], args[i + 5]
    wanted[id] = true
    local key = prefix .. 'source:' .. id
    local h = redis.call('HMGET', key, 'auto', 'kind', 'url', 'account_id', 'options', 'interval_ms')
    if not h[2] and not h[3] then
      redis.call('HSET', key, 'kind', kind, 'url', url, 'interval_ms', iv, 'account_id', acc, 'options', opts, 'auto', '1')
      redis.call('SADD', keys[1], id)
      redis.call('ZADD', keys[2], 'NX', now, id)
      created = created + 1
    elseif h[1] == '1' and (h[2] ~= kind or h[3] ~= url or h[4] ~= acc or h[5] ~= opts or h[6] ~= iv) then
      if h[3] ~= url then redis.call('HDEL', key, 'etag', 'last_modified') end
      if h[5] ~= opts then redis.call('HDEL', key, 'watch_text', 'baselined') end
      redis.call('HSET', key, 'kind', kind, 'url', url, 'interval_ms', iv, 'account_id', acc, 'options', opts)
      redis.call('HDEL', prefix .. 'poll_cards', id)
      redis.call('SADD', keys[1], id)
      redis.call('ZADD', keys[2], 'NX', now, id)
      updated = updated + 1
    end
  end
  for _, id in ipairs(redis.call('SMEMBERS', keys[1])) do
    local kind = string.match(id, '^([^:]+):')
    if kind and kinds[kind] and not wanted[id] and redis.call('HGET', prefix .. 'source:' .. id, 'auto') == '1' then
      for j = rm_from, first - 1, 2 do
        local how, key = args[j], args[j + 1]
        if how == 'DEL' then redis.call('DEL', prefix .. key .. id)
        elseif how == 'SREM' or how == 'ZREM' or how == 'HDEL' then redis.call(how, prefix .. key, id)
        else error('vigie_auto_sources: cannot remove a source key with ' .. tostring(how)) end
      end
      removed = removed + 1
    end
  end
  return {created, updated, removed}
end)
