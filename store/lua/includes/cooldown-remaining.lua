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
  local ends_at = placed_at + cooldown
  -- The key's absolute expiry, not its PTTL: PTTL counts from a clock read a millisecond after `now`
  -- at times, and the wait would then end 1 ms before the nextAt its placement was told.
  local expires_at = redis.call('PEXPIRETIME', key)
  if expires_at >= 0 and expires_at < ends_at then
    ends_at = expires_at
  end
  return math.max(ends_at - now, 0)
end
