--[[
  Bans a user or an address prefix from a canvas, by the keys of that kind of ban (ban-ledger.ts):
  the placement script refuses the user, or every placement from an address the prefix covers,
  from the next placement on, and the gateways refuse such handshakes. The expiry is computed on
  Redis's clock, the one the placement script compares it with. Banning again replaces the ban.

  KEYS[1]  expiry hash (user id or canonical prefix -> expiry in epoch ms, 0 = forever): the
           bans or the address bans hash
  KEYS[2]  its details hash (the same field -> JSON { reason, by, at, expiresAt })
  KEYS[3]  audit stream
  ARGV[1]  user id, or canonical prefix (`10.0.0.0/24`, `2001:db8::/64`)
  ARGV[2]  duration in ms (0: forever)
  ARGV[3]  reason
  ARGV[4]  approximate maximum length of the audit stream
  ARGV[5]  audit actor
  ARGV[6]  audit details (JSON)
  ARGV[7]  audit action (`user.ban`, `address.ban`: the one difference between the kinds)

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
  'action', ARGV[7], 'actor', ARGV[5], 'at', now, 'details', ARGV[6])
return { expires, now, audit }
