--[[
  Last step of removing colours, once every chunk is rewritten: installs the new palette and its
  size, lifts the restriction, and bumps the version, in one step.

  KEYS[1]  config hash
  KEYS[2]  remap state hash
  KEYS[3]  set of chunks already rewritten
  KEYS[4]  event stream (only read: its newest id is returned)
  ARGV[1]  id of the remap the caller ran ('' : only repair, see below)

  A config still marked as remapping without a remap state (a snapshot taken mid-remap and
  restored) is repaired: the restriction is lifted and the palette size taken from the palette.

  Returns { code, version, lastEventId }:
    code 0 finished (or repaired)
    code 2 that remap is no longer in progress (another gateway finished it)
  Codes are mapped to meanings in palette-remap.ts only.
]]
local remap = redis.call('HMGET', KEYS[2], 'palette', 'paletteSize', 'id')
if remap[1] and remap[3] ~= ARGV[1] then
  return { 2, 0, '' }
end
if not remap[1] then
  if redis.call('HGET', KEYS[1], 'remapping') ~= '1' then
    return { 2, 0, '' }
  end
  local palette = redis.call('HGET', KEYS[1], 'palette')
  remap = { palette, #cjson.decode(palette) }
end
redis.call('HSET', KEYS[1], 'palette', remap[1], 'paletteSize', remap[2])
redis.call('HDEL', KEYS[1], 'remapping')
local version = redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('DEL', KEYS[2], KEYS[3])
local last = redis.call('XREVRANGE', KEYS[4], '+', '-', 'COUNT', 1)
local position = '0-0'
if last[1] then
  position = last[1][1]
end
return { 0, version, position }
