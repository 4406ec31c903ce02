--[[
  Redis' own clock (TIME) in epoch milliseconds: every gateway and the writer agree on it,
  whatever their own clocks say.
]]
local function redis_time_ms()
  local clock = redis.call('TIME')
  return tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
end
