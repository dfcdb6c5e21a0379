-- Part of the vigie function library (see vigie.lua): the accounts' news sources.
-- news_sources: KEYS accounts hash, sources set, due; ARGV prefix, url template,
-- interval_ms, then how each key of a source goes when it is removed, as (how, key) pairs
-- (QUEUE_SOURCE_KEYS in queue_contract.h, the one list of them: `vigie sources rm` runs the
-- same). One "news:<account id>" source per account, its URL the template with {name} and
-- {id} URL-encoded; news sources of accounts that are gone or retired are removed. An empty template
-- removes them all. Returns {created, removed}.
local removers = {SREM = true, ZREM = true, HDEL = true}
local function remove_source(prefix, id, args, from)
  for j = from, #args, 2 do
    local how, key = args[j], args[j + 1]
    if how == 'DEL' then redis.call('DEL', prefix .. key .. id)
    elseif removers[how] then redis.call(how, prefix .. key, id)
    else error('vigie_news_sources: cannot remove a source key with ' .. tostring(how)) end
  end
end
local function urlencode(s)
  return (string.gsub(s, '[^%w%-%._~]', function(c) return string.format('%%%02X', string.byte(c)) end))
end
register('vigie_news_sources', 3, 5, true, {}, function(keys, args)
  local prefix, tmpl = args[1], args[2]
  local wanted = {}
  local created, removed = 0, 0
  if tmpl ~= '' then
    local all = redis.call('HGETALL', keys[1])
    for i = 1, #all, 2 do
      local ok, a = pcall(cjson.decode, all[i + 1])
      -- A retired account (no longer a key account in its CRM) is no longer watched.
      if ok and type(a) == 'table' and type(a.name) == 'string' and type(a.retired) ~= 'string' then
        local id = 'news:' .. all[i]
        local url = string.gsub(string.gsub(tmpl, '{name}', function() return urlencode(a.name) end),
                                '{id}', function() return urlencode(all[i]) end)
        wanted[id] = true
        local key = prefix .. 'source:' .. id
        if redis.call('HGET', key, 'url') ~= url then
          if redis.call('EXISTS', key) == 0 then created = created + 1 end
          redis.call('HSET', key, 'kind', 'feed', 'url', url, 'interval_ms', args[3], 'account_id', all[i], 'options', '')
          redis.call('HDEL', prefix .. 'poll_cards', id)
          redis.call('SADD', keys[2], id)
          redis.call('ZADD', keys[3], 'NX', fmt(now_ms()), id)
        end
      end
    end
  end
  for _, id in ipairs(redis.call('SMEMBERS', keys[2])) do
    if string.sub(id, 1, 5) == 'news:' and not wanted[id] then
      remove_source(prefix, id, args, 4)
      removed = removed + 1
    end
  end
  return {created, removed}
end)

