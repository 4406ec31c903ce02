--[[
  Extends a leadership lock, but only while the caller still holds it: a lock that expired and
  was taken by another writer must never be extended by the one that lost it.

  KEYS[1]  lock string (value: holder id)
  ARGV[1]  holder id of the caller
  ARGV[2]  new lifetime in ms

  Returns 1 when extended, 0 when the caller no longer holds the lock.
  Codes are mapped to meanings in writer-lease.ts only.
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
