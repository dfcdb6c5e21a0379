-- Part of the vigie function library (see vigie.lua): story clustering of signals.
-- Story clustering for signal outputs. A signal is remembered under story:<id>, a string
-- "<sources> <stream entry id>\n<url>\n<url>..." (how many sources told it, where its record
-- sits in its stream, the URLs already counted), and listed in its cluster's index
-- stories:<cluster> (cluster: account|type), a string of records "<16 hex SimHash><13-digit
-- Redis time in ms when listed><id>\n", the newest first. The record itself is not copied: a
-- growth reads it back from the stream. A near duplicate (Hamming distance <= 3) shares at
-- least one of the four 16-bit bands of the SimHash exactly, so a listed story is compared bit
-- by bit only when one of its bands is the new one's. The index is one GET and one SET with
-- the window as its TTL per new signal (a sorted set cost a ZRANGE, a ZADD, a PEXPIRE and now
-- and then a ZREMRANGEBYSCORE: every command called from a function costs Redis about a
-- microsecond of its own). It is bounded: each listing keeps only the records within the
-- story window and the newest STORY_CAP (a cluster busier than that within one window
-- forgets its oldest stories first: a late copy of one of those raises a signal of its own);
-- the key expires one window after its last listing. An index of the versions before (a
-- sorted set under the same name, members "<16 hex><id>" scored by Redis time in µs) is read
-- once and replaced by the string at the cluster's next listing. A story record lasts the
-- dedup ttl from its first write and is the signal's "written once" marker (no out: key for a
-- signal): a copy with the same id grows it, and readers (the console) find a signal's
-- sources there.
local STORY_CAP = 64
local function popcount16(x)
  local n = 0
  while x > 0 do n = n + bit.band(x, 1); x = bit.rshift(x, 1) end
  return n
end
local function hamming(a, b)
  local d = 0
  for k = 0, 3 do
    d = d + popcount16(bit.bxor(tonumber(string.sub(a, 4 * k + 1, 4 * k + 4), 16),
                                tonumber(string.sub(b, 4 * k + 1, 4 * k + 4), 16)))
  end
  return d
end
-- A cluster's index as the string above (nil when there is none): the sorted set of the
-- versions before converted, its members past the window left out.
local function index_read(index, cutoff_ms)
  local v = redis.pcall('GET', index)
  if type(v) == 'string' then return v end
  if type(v) ~= 'table' or not v.err then return nil end
  local all = redis.pcall('ZRANGE', index, '0', '-1', 'REV', 'WITHSCORES')
  if type(all) ~= 'table' or all.err then return nil end
  local recs = {}
  for k = 1, #all - 1, 2 do
    local m, ms = all[k], math.floor(tonumber(all[k + 1]) / 1000)
    if #m > 16 and ms > cutoff_ms and not string.find(m, '\n', 17, true) then
      recs[#recs + 1] = string.sub(m, 1, 16) .. fmt(ms) .. string.sub(m, 17) .. '\n'
    end
  end
  return table.concat(recs)
end
-- In an index string v: the id of the newest story within the window (its time above
-- `cutoff`, 13 digits compared as text) whose SimHash is within 3 bits of sim, and where
-- the records to keep at the next listing end (the live ones, at most STORY_CAP - 1). The
-- bands are compared byte by byte: a substring would be a new Lua string (allocated and
-- hashed) for every band of every record.
local function similar(v, sim, cutoff)
  if not v or v == '' then return nil, 0 end
  local byte, sub, find = string.byte, string.sub, string.find
  local s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, s12, s13, s14, s15, s16 = byte(sim, 1, 16)
  local pos, n, keep, len = 1, 0, 0, #v
  local same = nil
  while pos + 29 <= len do
    if sub(v, pos + 16, pos + 28) <= cutoff then break end
    local nl = find(v, '\n', pos + 29, true)
    if not nl then break end
    n = n + 1
    if n < STORY_CAP then keep = nl end
    if not same then
      local a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16 = byte(v, pos, pos + 15)
      if ((a1 == s1 and a2 == s2 and a3 == s3 and a4 == s4) or (a5 == s5 and a6 == s6 and a7 == s7 and a8 == s8) or
          (a9 == s9 and a10 == s10 and a11 == s11 and a12 == s12) or
          (a13 == s13 and a14 == s14 and a15 == s15 and a16 == s16)) and hamming(sim, sub(v, pos, pos + 15)) <= 3 then
        same = sub(v, pos + 29, nl - 1)
      end
    end
    pos = nl + 1
  end
  return same, keep
end
-- Lists story `id` first in the index (v: its string as read, `keep`: where the records kept
-- end); window_ms: the window as text (the key's TTL). An id holding a line break is not
-- listed (a record is one line).
local function index_story(index, v, keep, sim, id, now_ms_s, window_ms)
  if string.find(id, '\n', 1, true) then return end
  local rec = sim .. now_ms_s .. id .. '\n'
  if v and keep > 0 then rec = rec .. string.sub(v, 1, keep) end
  redis.call('SET', index, rec, 'PX', window_ms)
end
-- A story record: sources, entry id, URLs (nil when the key is missing or not one). A copy
-- that grew another story leaves "@<that story's id>" under its own id (its marker, see
-- vigie_stage_write): story_read gives nil and the id for it.
local function story_parse(v)
  if type(v) ~= 'string' then return nil end
  if string.byte(v, 1) == 64 then return nil, nil, nil, string.sub(v, 2) end
  local n, entry, rest = string.match(v, '^(%d+) ([%d%-]+)\n?(.*)$')
  if not n then return nil end
  local urls = {}
  for u in string.gmatch(rest, '[^\n]+') do urls[#urls + 1] = u end
  return tonumber(n), entry, urls
end
local function story_read(key) return story_parse(redis.pcall('GET', key)) end
local function story_url(json)
  -- Read in place when it can be: "url":" is only ever a member's start (inside a JSON string
  -- a quote is escaped), and a URL without a backslash is its JSON text; else decoded.
  local _, e = string.find(json, '"url":"', 1, true)
  if e then
    local q = string.find(json, '"', e + 1, true)
    if q then
      local url = string.sub(json, e + 1, q - 1)
      if not string.find(url, '\\', 1, true) then return url end
    end
  end
  local ok, rec = pcall(cjson.decode, json)
  local url = ok and type(rec) == 'table' and type(rec.url) == 'string' and rec.url or ''
  -- A URL is one line of the record; one holding a line break is not remembered.
  if string.find(url, '\n', 1, true) then return '' end
  return url
end

