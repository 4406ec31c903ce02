--[[
  Puts pixels of one chunk back to the colours they had before a user placed them, for "revert a
  user": a pixel changes only while its owner is still that user (one placed over by someone else
  since is left alone), through the event stream like paint-region-5.lua (each changed pixel one
  event by the admin, carrying its previous colour), and its owner becomes the admin. With the dry
  run flag nothing is written and the counts say what a real run would do now, so a preview and
  the revert are judged by the same code.

  KEYS[1]  config hash
  KEYS[2]  chunk string
  KEYS[3]  event stream
  KEYS[4]  owners string of the chunk (8 bytes a pixel: u32 user number, u32 epoch seconds)
  KEYS[5]  user numbers hash (`id:<user>` -> number, `n:<number>` -> user, `next`)
  ARGV[1]  chunk x
  ARGV[2]  chunk y
  ARGV[3]  user id being reverted
  ARGV[4]  user id written into the events (`admin:<name>`)
  ARGV[5]  approximate maximum stream length
  ARGV[6]  1 for a dry run, 0 to write
  ARGV[7…] pairs: byte offset of a pixel inside the chunk, colour to put back

  Returns { code, changed, skipped, lastEventId }:
    code 0 done        changed = pixels rewritten (or that would be), skipped = pixels another user owns now
    code 1 no canvas
    code 3 a palette remap is in progress (the colours to put back may carry indices it has not seen)
  Codes are mapped to meanings in chunk-rewrites.ts only (shared with paint-region-5.lua).
]]
--- @include "owner-entry"
local config = redis.call('HMGET', KEYS[1], 'width', 'height', 'remapping', 'paletteSize')
if not config[1] then
  return { 1, 0, 0, '' }
end
if config[3] == '1' then
  return { 3, 0, 0, '' }
end
local SIDE = 256
local width = tonumber(config[1])
local height = tonumber(config[2])
local palette_size = tonumber(config[4]) or 256
local x0 = tonumber(ARGV[1]) * SIDE
local y0 = tonumber(ARGV[2]) * SIDE
local dry = ARGV[6] == '1'
local maxlen = ARGV[5]

local target = redis.call('HGET', KEYS[5], 'id:' .. ARGV[3])
if not target then
  return { 0, 0, 0, '' }
end
target = tonumber(target)
local admin
local clock = redis.call('TIME')

local changed = 0
local skipped = 0
local last = ''
for i = 7, #ARGV, 2 do
  local offset = tonumber(ARGV[i])
  local color = tonumber(ARGV[i + 1])
  local x = x0 + offset % SIDE
  local y = y0 + math.floor(offset / SIDE)
  -- A pixel a shrink removed, or a colour the palette no longer has, is not put back.
  if x < width and y < height and color < palette_size then
    local owner = redis.call('BITFIELD', KEYS[4], 'GET', 'u32', '#' .. (offset * 2))[1]
    if owner ~= target then
      skipped = skipped + 1
    else
      local current = redis.call('BITFIELD', KEYS[2], 'GET', 'u8', '#' .. offset)[1]
      if current ~= color then
        changed = changed + 1
        if not dry then
          if not admin then
            admin = redis.call('HGET', KEYS[5], 'id:' .. ARGV[4])
            if not admin then
              admin = redis.call('HINCRBY', KEYS[5], 'next', 1)
              redis.call('HSET', KEYS[5], 'id:' .. ARGV[4], admin, 'n:' .. admin, ARGV[4])
            end
          end
          redis.call('BITFIELD', KEYS[2], 'SET', 'u8', '#' .. offset, color)
          last = redis.call('XADD', KEYS[3], 'MAXLEN', '~', maxlen, '*', 'x', x, 'y', y, 'c', color, 'u', ARGV[4], 'p', current)
          local entry = {}
          push_owner_entry(entry, offset, admin, clock[1])
          redis.call('BITFIELD', KEYS[4], unpack(entry))
        end
      end
    end
  end
end
return { 0, changed, skipped, last }
