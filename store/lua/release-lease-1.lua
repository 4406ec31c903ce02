--[[
  Gives up a leadership lock, but only if the caller holds it (never deletes another holder's).

  KEYS[1]  lock string (value: holder id)
  ARGV[1]  holder id of the caller

  Returns 1 when released, 0 when the caller did not hold the lock.
  Codes are mapped to meanings in writer-lease.ts only.
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
