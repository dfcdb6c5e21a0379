#!lua name=vigie
-- The "vigie" Redis function library: vigie's server-side functions, loaded with FUNCTION
-- LOAD REPLACE on every connection of the daemon (queue_conn.c), so FCALL always finds the
-- version the binary expects (and a Redis restarted from its append-only file has it too).
-- It is written in several files of queue/lua/, one job each, which the build joins in the
-- order CMakeLists.txt lists them (this file first: the helpers every part uses; then claim,
-- seen, complete, story, series, stage, news, figures, deadletter, budget, tally, accounts
-- and alerts) and embeds in the binary (cmake/embed_text.cmake, which leaves out blank lines
-- and lines holding only a comment, so what Redis stores is the code alone). A part may use
-- the local functions of the parts before it.
--
-- Functions run atomically: that is what makes claims exclusive and a stage's outputs and
-- acknowledgement a single step. Time comes from Redis (TIME), so processes on several
-- machines agree on what is due. Every function's KEYS and ARGV are laid out in
-- queue/queue_contract.h, which the C side builds its calls from.
--
-- Keys built inside functions (prefix .. 'source:' .. id, dedup keys) are not declared in
-- KEYS: vigie needs a single Redis (or a single hash slot), never a cluster. Numbers that are
-- milliseconds are written with string.format('%d') (Lua's own conversion would use exponent
-- form, and '%.0f' costs several times more: the poll functions write one per poll). The
-- poll functions run once per batch of up to 128 polls, so they avoid, per poll, what costs
-- Redis most: converting between numbers and text (tonumber on '0' is skipped) and replying
-- with scores.
--
-- Only whole-line comments: the build drops those lines, and a comment at the end of a code
-- line would reach Redis.

local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function fmt(n) return string.format('%d', n) end
local function num(s) if s == '0' then return 0 end return tonumber(s) end

-- Registers a function behind a check of its counts: nkeys KEYS and nargs ARGV, or at least
-- nargs when more may follow, as queue/queue_contract.h lays it out (the C side checks the
-- same before sending). A call built for another layout is refused, not misread.
local function register(name, nkeys, nargs, more, flags, fn)
  redis.register_function{function_name = name, flags = flags, callback = function(keys, args)
    local nk, na = #keys, #args
    if nk ~= nkeys or na < nargs or (na > nargs and not more) then
      return redis.error_reply(string.format('ERR %s expects %d keys and %s%d arguments, got %d and %d',
                                             name, nkeys, more and 'at least ' or '', nargs, nk, na))
    end
    return fn(keys, args)
  end}
end

