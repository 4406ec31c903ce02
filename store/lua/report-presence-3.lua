--[[
  One gateway's periodic presence report: records how many players it holds now, drops the
  reports of gateways that stopped reporting (dead or partitioned), and returns the sum, which
  it also keeps as the event's peak of players online at once (overall and per minute). Time is
  Redis' own (TIME), so gateways with skewed clocks agree on who is stale.

  KEYS[1]  presence hash (gateway id → `count:expiresAtMs`)
  KEYS[2]  stats hash (fields peakOnline, peakOnlineAt)
  KEYS[3]  online-per-minute hash (minute start ms → most players online at once)
  ARGV[1]  gateway id
  ARGV[2]  players on that gateway now (integer ≥ 0)
  ARGV[3]  how long the report stays valid without a new one (ms, > 0)

  Returns the players online across every gateway whose report is still valid.
]]
--- @include "redis-time-ms"
local now = redis_time_ms()
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. ':' .. (now + tonumber(ARGV[3])))

local total = 0
local stale = {}
local reports = redis.call('HGETALL', KEYS[1])
for i = 1, #reports, 2 do
  local count, expires = string.match(reports[i + 1], '^(%d+):(%d+)$')
  if count == nil or tonumber(expires) <= now then
    stale[#stale + 1] = reports[i]
  else
    total = total + tonumber(count)
  end
end
if #stale > 0 then
  redis.call('HDEL', KEYS[1], unpack(stale))
end

if total > tonumber(redis.call('HGET', KEYS[2], 'peakOnline') or '0') then
  redis.call('HSET', KEYS[2], 'peakOnline', total, 'peakOnlineAt', now)
end
local minute = tostring(now - now % 60000)
if total > tonumber(redis.call('HGET', KEYS[3], minute) or '0') then
  redis.call('HSET', KEYS[3], minute, total)
end
return total
