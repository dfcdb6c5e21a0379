-- Part of the vigie function library (see vigie.lua): story clustering of signals.
-- Story clustering for signal outputs. A signal is remembered under story:<id>, a string
-- "<sources> <stream entry id>\n<url>\n<url>..." (how many sources told it, where its record
-- sits in its stream, the URLs already counted), and listed in its cluster's index
-- stories:<cluster> (cluster: account|type), a sorted set of "<16 hex SimHash><id>" scored by
-- when it was listed. The record itself is not copied: a growth reads it back from
-- the stream. A near duplicate (Hamming distance <= 3) shares at least one of the four 16-bit
-- bands of the SimHash exactly, so a member is compared bit by bit only when one of its bands
-- is the new one's. Scores are Redis time in microseconds, one more for each later listing of
-- the same call, so that the newest are the highest even within one call (ties would be
-- ordered by member). The index is bounded: at each listing the members older than the story
-- window leave, and only the newest STORY_CAP stay (a cluster busier than that within one
-- window forgets its oldest stories first: a late copy of one of those raises a signal of its
-- own); the key expires one window after its last listing. A story record lasts the dedup ttl
-- from its first write and is the signal's "written once" marker (no out: key for a
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
-- The id of the newest story of the index within the window whose SimHash is within 3 bits
-- of sim, and how many stories the index holds; drops the members past the window first
-- (`cutoff`: '(' and the window's start, Redis time in µs). The bands are compared byte by
-- byte: a substring would be a new Lua string (allocated and hashed) for every band of every
-- member, most of a busy cluster's cost.
local function similar(index, sim, cutoff)
  local byte, sub = string.byte, string.sub
  local all = redis.call('ZRANGE', index, '0', '-1', 'REV')
  local n = #all
  -- The members past the window are the oldest, last in `all` (an empty index, most of them
  -- with many accounts, costs no removal).
  if n == 0 then return nil, 0 end
  n = n - redis.call('ZREMRANGEBYSCORE', index, '-inf', cutoff)
  local s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, s12, s13, s14, s15, s16 = byte(sim, 1, 16)
  for k = 1, n do
    local m = all[k]
    local a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16 = byte(m, 1, 16)
    if ((a1 == s1 and a2 == s2 and a3 == s3 and a4 == s4) or (a5 == s5 and a6 == s6 and a7 == s7 and a8 == s8) or
        (a9 == s9 and a10 == s10 and a11 == s11 and a12 == s12) or
        (a13 == s13 and a14 == s14 and a15 == s15 and a16 == s16)) and hamming(sim, sub(m, 1, 16)) <= 3 then
      return sub(m, 17), n
    end
  end
  return nil, n
end
-- window_ms: the window as text (PEXPIRE's argument).
local function index_story(index, sim, id, score, window_ms, held)
  redis.call('ZADD', index, fmt(score), sim .. id)
  if held >= STORY_CAP then redis.call('ZREMRANGEBYRANK', index, '0', fmt(-(STORY_CAP + 1))) end
  redis.call('PEXPIRE', index, window_ms)
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

