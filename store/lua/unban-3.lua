--[[
  Lifts a user's or an address prefix's ban, by the keys of that kind of ban (ban-ledger.ts).

  KEYS[1]  expiry hash: the bans or the address bans hash
  KEYS[2]  its details hash
  KEYS[3]  audit stream
  ARGV[1]  user id, or canonical prefix
  ARGV[2]  approximate maximum length of the audit stream
  ARGV[3]  audit actor
  ARGV[4]  audit details (JSON)
  ARGV[5]  audit action (`user.unban`, `address.unban`: the one difference between the kinds)

  Returns { wasBanned (1/0), auditId }.
]]
--- @include "redis-time-ms"
local removed = redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
local now = redis_time_ms()
local audit = redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[2], '*',
  'action', ARGV[5], 'actor', ARGV[3], 'at', now, 'details', ARGV[4])
return { removed, audit }
