/* queue_lua — vigie's server-side functions: one Redis 7 function library ("vigie", the Lua in
 * queue/lua/vigie.lua, embedded at build time), loaded with FUNCTION LOAD REPLACE on every
 * connection, so FCALL always finds the version this binary expects (and a Redis restarted
 * from its append-only file has it too).
 *
 * Functions run atomically: that is what makes claims exclusive and a stage's outputs and
 * acknowledgement a single step. Time comes from Redis (TIME), so processes on several
 * machines agree on what is due. Their names and argument layouts are in queue_contract.h. */
#ifndef QUEUE_LUA_H
#define QUEUE_LUA_H

extern const char queue_lua_library[];
/* An EVAL script (queue/lua/count_keys.lua), ARGV a MATCH pattern: the number of keys that
 * match, counted with SCAN, up to 100000. */
extern const char queue_lua_count_keys[];

#endif
