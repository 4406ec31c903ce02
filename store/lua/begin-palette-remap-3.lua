--[[
  First step of removing colours: records the remap and narrows what placements may use to the
  indices below the first removed one. Those indices keep their number in the new palette, so
  every pixel placed while the chunks are rewritten one by one (remap-chunk-3.lua) already means
  the same colour before and after, whichever side of its chunk's rewrite it lands on.
  finish-palette-remap-4.lua then installs the new palette in one versioned step.

  KEYS[1]  config hash
  KEYS[2]  remap state hash
  KEYS[3]  audit stream
  ARGV[1]  version the config must hold now (the palette the remap was computed from)
  ARGV[2]  lookup table: 256 bytes, byte i = new index of old index i
  ARGV[3]  new palette (JSON)
  ARGV[4]  new palette size
  ARGV[5]  first removed index: placements are limited below it until the remap finishes
  ARGV[6]  grid columns of the canvas now
  ARGV[7]  grid rows of the canvas now
  ARGV[8]  id of this remap (unique: later steps of an older remap must not touch a newer one)
  ARGV[9]  lease lifetime in ms (whoever rewrites chunks renews it)
  ARGV[10] approximate maximum length of the audit stream
  ARGV[11] audit actor
  ARGV[12] audit details (JSON)

  The lease is the `lease` field's expiry in the remap hash: a gateway that finds a remap whose
  lease ran out (the gateway running it died) finishes it.

  Returns { code, version, auditId }:
    code 0 started
    code 1 no canvas
    code 2 conflict    version = the version found
    code 3 another remap is in progress
  Codes are mapped to meanings in palette-remap.ts only.
]]
--- @include "redis-time-ms"
local current = redis.call('HMGET', KEYS[1], 'version', 'remapping')
if not current[1] then
  return { 1, 0, '' }
end
if current[2] == '1' then
  return { 3, tonumber(current[1]), '' }
end
if current[1] ~= ARGV[1] then
  return { 2, tonumber(current[1]), '' }
end

local now = redis_time_ms()
redis.call('HSET', KEYS[1], 'remapping', '1', 'paletteSize', ARGV[5])
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[2],
  'table', ARGV[2], 'palette', ARGV[3], 'paletteSize', ARGV[4],
  'columns', ARGV[6], 'rows', ARGV[7], 'id', ARGV[8], 'lease', now + tonumber(ARGV[9]))
local audit = redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[10], '*',
  'action', 'palette.remove', 'actor', ARGV[11], 'at', now, 'details', ARGV[12])
return { 0, tonumber(current[1]), audit }
