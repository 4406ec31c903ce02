--[[
  How long a player still waits, by the rule place-pixel-6.lua applies: a wait ends at the
  placement time plus the given cooldown, and never later than the key's expiry (the cooldown in
  force when the pixel was placed). Keep the two in step.

  KEYS[1]  the user's cooldown key (value: epoch ms of the last placement; TTL: the cooldown then)
  KEYS[2]  the IP's cooldown key (the same, for guests)
  ARGV[1]  the cooldown in force, in ms
  ARGV[2]  1 to apply the IP cooldown (guests), 0 not to

  Returns the milliseconds left by Redis's clock (0: the player may place now).
]]
--- @include "redis-time-ms"
local cooldown = tonumber(ARGV[1])
if cooldown <= 0 then
  return 0
end
local now = redis_time_ms()

local function remaining_after(key)
  local placed_at = tonumber(redis.call('GET', key))
  if not placed_at then
    return 0
  end
  if placed_at == 1 then
    -- Written before keys held the placement time: its TTL is all there is to go by.
    return math.max(redis.call('PTTL', key), 0)
  end
  local left = placed_at + cooldown - now
  if left <= 0 then
    return 0
  end
  return math.max(math.min(left, redis.call('PTTL', key)), 0)
end

local remaining = remaining_after(KEYS[1])
if ARGV[2] == '1' then
  remaining = math.max(remaining, remaining_after(KEYS[2]))
end
return remaining
