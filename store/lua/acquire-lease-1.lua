--[[
  Takes a leadership lock if nobody holds it; otherwise says when the holder's lock runs out, so a
  standby can try again the moment it expires rather than on its next tick.

  KEYS[1]  lock string (value: holder id)
  ARGV[1]  holder id of the caller
  ARGV[2]  lifetime in ms

  Returns { 1, 0 } when the caller now holds the lock, { 0, ms } when another holder does and its
  lock expires in ms (-1: it has no expiry). Codes are mapped to meanings in writer-lease.ts only.
]]
if redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then
  return { 1, 0 }
end
return { 0, redis.call('PTTL', KEYS[1]) }
