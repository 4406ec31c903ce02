--[[
  How long a cooldown key still holds a player back, in ms (0: free). The key holds the epoch ms of
  the player's last placement and expires when the cooldown in force then ends. The wait ends at
  the placement time plus the cooldown in force now, so lowering the cooldown frees waiting players
  at once; it never ends later than the key's expiry, so raising it applies from each player's next
  placement. One rule for the placement script and read-cooldown.
]]
local function cooldown_remaining(key, cooldown, now)
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
