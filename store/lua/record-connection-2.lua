--[[
  Records a connection in one step: an account's display name, and the address it came from with
  first and last seen (kept for the admins' per-user view). Atomic, so two sockets of one user
  connecting at once cannot both pass the address cap or lose a first-seen time.

  KEYS[1]  user profiles hash (userId -> display name)
  KEYS[2]  the user's sessions hash (address -> "firstSeenMs:lastSeenMs")
  ARGV[1]  userId
  ARGV[2]  display name ('' for none: a guest, or a token without one)
  ARGV[3]  canonical address
  ARGV[4]  now, epoch ms
  ARGV[5]  most addresses kept per user (a new one beyond it is not recorded)
  ARGV[6]  TTL of the sessions hash, seconds

  Returns 1 when the address was recorded, 0 when the cap left it out.
]]
if ARGV[2] ~= '' then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
end
local previous = redis.call('HGET', KEYS[2], ARGV[3])
local recorded = 0
if previous or redis.call('HLEN', KEYS[2]) < tonumber(ARGV[5]) then
  -- A value not of the form first:last (written by hand) restarts at now.
  local first = previous and string.match(previous, '^(%d+):%d+$') or ARGV[4]
  redis.call('HSET', KEYS[2], ARGV[3], first .. ':' .. ARGV[4])
  recorded = 1
end
redis.call('EXPIRE', KEYS[2], ARGV[6])
return recorded
