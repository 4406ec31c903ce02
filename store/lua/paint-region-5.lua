--[[
  Rewrites a rectangle inside one chunk through the event stream, for rollbacks: every pixel whose
  colour changes gets its own event (user = the admin), exactly as a placement would, so the
  writer's deltas carry the change to every client and the history stays exact. No cooldown,
  pause or ban applies. Pixels outside the canvas as it is now are skipped. Each event carries the
  pixel's previous colour (`p`), and every changed pixel's owner becomes the painting admin (the
  owners string always names the user of the pixel's newest event).

  KEYS[1]  config hash
  KEYS[2]  chunk string
  KEYS[3]  event stream
  KEYS[4]  owners string of the chunk (8 bytes a pixel: u32 user number, u32 epoch seconds)
  KEYS[5]  user numbers hash (`id:<user>` -> number, `n:<number>` -> user, `next`)
  ARGV[1]  chunk x
  ARGV[2]  chunk y
  ARGV[3]  left of the rectangle inside the chunk (0…255)
  ARGV[4]  top of the rectangle inside the chunk (0…255)
  ARGV[5]  width of the rectangle (1…256)
  ARGV[6]  height of the rectangle (1…256)
  ARGV[7]  target colours: one byte (fill) or width × height bytes, row by row
  ARGV[8]  user id written into the events
  ARGV[9]  approximate maximum stream length
  ARGV[10] 1 to refuse while a palette remap is rewriting the canvas (targets that are not
           background could carry indices the remap has not seen), 0 not to

  Returns { code, changed, lastEventId }:
    code 0 done        changed = pixels rewritten (and events appended)
    code 1 no canvas
    code 3 a palette remap is in progress
  Codes are mapped to meanings in chunk-rewrites.ts only (shared with revert-pixels-5.lua).
]]
--- @include "owner-entry"
local config = redis.call('HMGET', KEYS[1], 'width', 'height', 'remapping')
if not config[1] then
  return { 1, 0, '' }
end
if ARGV[10] == '1' and config[3] == '1' then
  return { 3, 0, '' }
end

local SIDE = 256
local cx = tonumber(ARGV[1])
local cy = tonumber(ARGV[2])
local left = tonumber(ARGV[3])
local top = tonumber(ARGV[4])
local width = tonumber(ARGV[5])
local height = tonumber(ARGV[6])
local target = ARGV[7]
local fill = #target == 1
local user = ARGV[8]
local maxlen = ARGV[9]

-- Clip to the canvas as it is now (a shrink may have landed since the caller checked).
local columns = math.min(width, tonumber(config[1]) - (cx * SIDE + left))
local rows = math.min(height, tonumber(config[2]) - (cy * SIDE + top))
if columns <= 0 or rows <= 0 then
  return { 0, 0, '' }
end

local data = redis.call('GET', KEYS[2]) or ''
local needed = (top + rows - 1) * SIDE + left + columns
if #data < needed then
  data = data .. string.rep('\0', needed - #data)
end

local clock = redis.call('TIME')
local number = redis.call('HGET', KEYS[5], 'id:' .. user)
if not number then
  number = redis.call('HINCRBY', KEYS[5], 'next', 1)
  redis.call('HSET', KEYS[5], 'id:' .. user, number, 'n:' .. number, user)
end

local parts = {}
local cursor = 1
local changed = 0
local last = ''
for r = 0, rows - 1 do
  local offset = (top + r) * SIDE + left
  local old = { string.byte(data, offset + 1, offset + columns) }
  local new
  if fill then
    new = string.rep(target, columns)
  else
    new = string.sub(target, r * width + 1, r * width + columns)
  end
  local y = cy * SIDE + top + r
  local owners = {}
  for c = 1, columns do
    local color = string.byte(new, c)
    if old[c] ~= color then
      changed = changed + 1
      last = redis.call('XADD', KEYS[3], 'MAXLEN', '~', maxlen, '*',
        'x', cx * SIDE + left + c - 1, 'y', y, 'c', color, 'u', user, 'p', old[c])
      push_owner_entry(owners, offset + c - 1, number, clock[1])
    end
  end
  -- One row at a time: at most 256 pixels, well inside Lua's argument limit.
  if #owners > 0 then
    redis.call('BITFIELD', KEYS[4], unpack(owners))
  end
  parts[#parts + 1] = string.sub(data, cursor, offset)
  parts[#parts + 1] = new
  cursor = offset + columns + 1
end
if changed > 0 then
  parts[#parts + 1] = string.sub(data, cursor)
  redis.call('SET', KEYS[2], table.concat(parts))
end
return { 0, changed, last }
