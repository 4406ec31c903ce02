--[[
  Lifts an address prefix's ban.

  KEYS[1]  address bans hash
  KEYS[2]  address ban details hash
  KEYS[3]  audit stream
  ARGV[1]  canonical prefix
  ARGV[2]  approximate maximum length of the audit stream
  ARGV[3]  audit actor
  ARGV[4]  audit details (JSON)

  Returns { wasBanned (1/0), auditId }.
]]
--- @include "redis-time-ms"
local removed = redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
local now = redis_time_ms()
local audit = redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[2], '*',
  'action', 'address.unban', 'actor', ARGV[3], 'at', now, 'details', ARGV[4])
return { removed, audit }
