--[[
  Records what the writer leader is about to broadcast: the sequence number, the stream cursor it
  ends at and the encoded delta itself, so a standby that takes over resumes exactly there and
  can re-send it. Fenced twice: the caller must still hold the leadership lock, and the state must
  still be the one the caller last read or wrote (epoch and seq), so no two writers can ever
  commit the same sequence number, even one that lost its lock without noticing.

  KEYS[1]  leadership lock string (value: holder id)
  KEYS[2]  writer state hash (epoch, seq, cursor, lastDelta, writer)
  ARGV[1]  holder id of the caller
  ARGV[2]  epoch the state must hold now ('' : the state must not exist or have no epoch)
  ARGV[3]  seq the state must hold now ('' : none)
  ARGV[4]  new epoch
  ARGV[5]  new seq
  ARGV[6]  new cursor (stream id ms-seq)
  ARGV[7]  encoded delta to keep for re-sending ('' : none, e.g. at the start of an epoch)

  Returns 0 committed, 1 the caller does not hold the lock, 2 the state changed since the caller
  read it. Codes are mapped to meanings in writer-state.ts only.
]]
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 1
end
local current = redis.call('HMGET', KEYS[2], 'epoch', 'seq')
if (current[1] or '') ~= ARGV[2] or (current[2] or '') ~= ARGV[3] then
  return 2
end
redis.call('HSET', KEYS[2], 'epoch', ARGV[4], 'seq', ARGV[5], 'cursor', ARGV[6], 'writer', ARGV[1])
if ARGV[7] == '' then
  redis.call('HDEL', KEYS[2], 'lastDelta')
else
  redis.call('HSET', KEYS[2], 'lastDelta', ARGV[7])
end
return 0
