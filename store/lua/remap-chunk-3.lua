--[[
  Rewrites one chunk through the remap's lookup table, exactly once: the set of done chunks makes
  a second call (a resumed remap, another gateway finishing it) a no-op, since a rewritten chunk
  must never be mapped again.

  KEYS[1]  remap state hash (field `table`: 256 bytes, byte i = new index of old index i)
  KEYS[2]  set of chunks already rewritten
  KEYS[3]  chunk string
  ARGV[1]  chunk id as stored in the set (`cx,cy`)
  ARGV[2]  id of the remap the caller is running
  ARGV[3]  lease lifetime in ms (renewed by every call)

  Returns 0 rewritten now, 1 already done, 2 that remap is no longer in progress.
  Codes are mapped to meanings in palette-remap.ts only.
]]
--- @include "redis-time-ms"
local state = redis.call('HMGET', KEYS[1], 'table', 'id')
local lookup_table = state[1]
if not lookup_table or state[2] ~= ARGV[2] then
  return 2
end
local now = redis_time_ms()
redis.call('HSET', KEYS[1], 'lease', now + tonumber(ARGV[3]))
if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 then
  return 1
end
local data = redis.call('GET', KEYS[3])
if data then
  local lookup = {}
  for i = 1, 256 do
    local to = string.sub(lookup_table, i, i)
    if string.byte(to) ~= i - 1 then
      lookup[string.char(i - 1)] = to
    end
  end
  if next(lookup) ~= nil then
    -- gsub with a table: each byte with an entry is replaced, every other one kept.
    redis.call('SET', KEYS[3], (string.gsub(data, '.', lookup)))
  end
end
redis.call('SADD', KEYS[2], ARGV[1])
return 0
