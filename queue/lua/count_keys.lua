-- count_keys: the number of keys matching ARGV[1] (the key prefix and '*'), for the key
-- count of the daemon's status. An EVAL script, not a function of the library: it reads
-- only. Counting with SCAN keeps it to one round trip and never blocks Redis with KEYS on a
-- large database; it stops counting at 100000.
local n, cursor = 0, '0'
repeat
  local r = redis.call('SCAN', cursor, 'MATCH', ARGV[1], 'COUNT', 1000)
  cursor = r[1]; n = n + #r[2]
until cursor == '0' or n >= 100000
return n
