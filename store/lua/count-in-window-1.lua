--[[
  Counts one event in a fixed window: the first event of a window starts it (the key's TTL),
  and the count resets when it expires. Used to limit new guest sessions per address across
  every gateway.

  KEYS[1]  counter key
  ARGV[1]  window length in ms

  Returns { count including this event, ms until the window ends }.
]]
local count = redis.call('INCR', KEYS[1])
if count == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
  -- A counter left without a TTL (written by hand) would block the address forever.
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  left = tonumber(ARGV[1])
end
return { count, left }
