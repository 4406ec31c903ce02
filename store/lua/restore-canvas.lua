--[[
  Swaps a restored canvas in, all at once: the chunks (staged beforehand under temporary keys by
  the caller, so this script moves them with O(1) RENAMEs however big the canvas), the config
  hash, and the end of the writer's epoch. Nothing is changed unless everything can be.

  The config version becomes max(current, snapshot) + 1, so every client sees a newer config.
  The writer state is deleted: the writer leader's next commit is refused (its fence is gone),
  it starts a new epoch, and clients' replicas restart from a fresh canvas read.

  KEYS[1]                config hash
  KEYS[2]                writer state hash
  KEYS[3 .. 2+D]         chunk keys to delete: every chunk of the current grid and of the new one
  KEYS[3+D .. 2+D+2*S]   S pairs: staged chunk key, then the chunk key it becomes
  ARGV[1]                D
  ARGV[2]                S
  ARGV[3]                width the caller saw in the config ('' : the caller saw no canvas)
  ARGV[4]                height the caller saw ('' : no canvas)
  ARGV[5]                'always', or 'if-missing' to restore only when there is no canvas
  ARGV[6]                the snapshot's config version
  ARGV[7..]              config fields of the snapshot as field, value pairs (without version)

  Returns { code, version }:
    code 0 restored          version = the config version now in Redis
    code 1 changed           the canvas was created, deleted or resized since the caller looked
    code 2 staged missing    a staged chunk is gone (its TTL ran out): stage again
    code 3 exists            'if-missing' and there is a canvas
  Codes are mapped to meanings in canvas-restore.ts only.
]]
local deletes = tonumber(ARGV[1])
local moves = tonumber(ARGV[2])
local current = redis.call('HMGET', KEYS[1], 'width', 'height', 'version')
if ARGV[5] == 'if-missing' and current[1] then
  return { 3, tonumber(current[3]) or 0 }
end
if (current[1] or '') ~= ARGV[3] or (current[2] or '') ~= ARGV[4] then
  return { 1, tonumber(current[3]) or 0 }
end
local first_move = 3 + deletes
for i = 0, moves - 1 do
  if redis.call('EXISTS', KEYS[first_move + 2 * i]) == 0 then
    return { 2, tonumber(current[3]) or 0 }
  end
end

for i = 3, 2 + deletes do
  redis.call('DEL', KEYS[i])
end
for i = 0, moves - 1 do
  local target = KEYS[first_move + 2 * i + 1]
  redis.call('RENAME', KEYS[first_move + 2 * i], target)
  -- RENAME carries the staging TTL along; a chunk must live forever.
  redis.call('PERSIST', target)
end

local version = math.max(tonumber(current[3]) or 0, tonumber(ARGV[6])) + 1
redis.call('DEL', KEYS[1])
for i = 7, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
end
redis.call('HSET', KEYS[1], 'version', version)
redis.call('DEL', KEYS[2])
return { 0, version }
