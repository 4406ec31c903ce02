--[[
  How long a player still waits, by the rule the placement scripts apply (one function for all:
  includes/cooldown-remaining.lua): a wait ends at the placement time plus the given cooldown, and
  never later than the key's expiry (the cooldown in force when the pixel was placed).

  KEYS[1]  the user's cooldown key (value: epoch ms of the last placement; TTL: the cooldown then)
  KEYS[2]  the IP's cooldown key (the same, for guests)
  ARGV[1]  the cooldown in force, in ms
  ARGV[2]  1 to apply the IP cooldown (guests), 0 not to

  Returns the milliseconds left by Redis's clock (0: the player may place now).
]]
--- @include "redis-time-ms"
--- @include "cooldown-remaining"
local cooldown = tonumber(ARGV[1])
if cooldown <= 0 then
  return 0
end
local now = redis_time_ms()

local remaining = cooldown_remaining(KEYS[1], cooldown, now)
if ARGV[2] == '1' then
  remaining = math.max(remaining, cooldown_remaining(KEYS[2], cooldown, now))
end
return remaining
