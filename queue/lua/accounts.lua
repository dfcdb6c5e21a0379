-- Part of the vigie function library (see vigie.lua): applying a CRM sync to the registry.
-- accounts_sync: KEYS accounts hash, accounts:version, accounts:synced:<sink>; ARGV the
-- version the caller read, nwrites, then nwrites (account id, JSON) pairs, then the ids the
-- CRM listed. Applies what `vigie accounts sync` decided from the registry as it read it
-- (enrich/account_sync.c: created, updated and retired accounts), makes the listed ids the
-- sink's synced set, and bumps the version when an account changed; all of it, or nothing
-- when the version moved since the caller read it (another import or sync came between:
-- the caller reads again). Returns 1 applied, 0 not (version moved). Key types are checked
-- before any write: a command failing half-way would leave half a sync applied.
local function want_type(key, t)
  local got = redis.call('TYPE', key).ok
  if got ~= 'none' and got ~= t then
    error('vigie_accounts_sync: ' .. key .. ' holds a ' .. got .. ', not a ' .. t)
  end
end
register('vigie_accounts_sync', 3, 2, true, {}, function(keys, args)
  want_type(keys[1], 'hash')
  want_type(keys[2], 'string')
  want_type(keys[3], 'set')
  if (redis.call('GET', keys[2]) or '0') ~= args[1] then return 0 end
  local nw = tonumber(args[2])
  if not nw or nw < 0 or nw % 1 ~= 0 or 2 + 2 * nw > #args then
    error('vigie_accounts_sync: ' .. tostring(args[2]) .. ' writes do not fit ' .. #args .. ' arguments')
  end
  for i = 3, 2 + 2 * nw, 2 do redis.call('HSET', keys[1], args[i], args[i + 1]) end
  redis.call('DEL', keys[3])
  for i = 3 + 2 * nw, #args, 1000 do
    redis.call('SADD', keys[3], unpack(args, i, math.min(i + 999, #args)))
  end
  if nw > 0 then redis.call('INCR', keys[2]) end
  return 1
end)
