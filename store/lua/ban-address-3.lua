--[[
  Bans an address prefix from a canvas: the placement script refuses every placement from an
  address it covers from the next placement on, and the gateways refuse such handshakes. The
  expiry is computed on Redis's clock, the one the placement script compares it with.

  KEYS[1]  address bans hash (canonical prefix -> expiry in epoch ms, 0 = forever)
  KEYS[2]  address ban details hash (prefix -> JSON { reason, by, at, expiresAt })
  KEYS[3]  audit stream
  ARGV[1]  canonical prefix (`10.0.0.0/24`, `2001:db8::/64`)
  ARGV[2]  duration in ms (0: forever)
  ARGV[3]  reason
  ARGV[4]  approximate maximum length of the audit stream
  ARGV[5]  audit actor
  ARGV[6]  audit details (JSON)

  Returns { expiresAt, at, auditId }.
]]
--- @include "redis-time-ms"
local now = redis_time_ms()
local duration = tonumber(ARGV[2])
local expires = 0
if duration > 0 then
  expires = now + duration
end
redis.call('HSET', KEYS[1], ARGV[1], expires)
redis.call('HSET', KEYS[2], ARGV[1], cjson.encode({ reason = ARGV[3], by = ARGV[5], at = now, expiresAt = expires }))
local audit = redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[4], '*',
  'action', 'address.ban', 'actor', ARGV[5], 'at', now, 'details', ARGV[6])
return { expires, now, audit }
