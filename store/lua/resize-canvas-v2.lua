--[[
  Resizes a canvas in one atomic step. Growing only changes the config. Shrinking also erases
  every pixel outside the new bounds (whole chunks outside are deleted, the strips of edge chunks
  cleared), so growing back later shows background, never stale art; a placement judged before
  this script ran landed before the erase, one judged after it is checked against the new bounds.

  KEYS[1]     config hash
  KEYS[2]     audit stream
  KEYS[3]     event stream (only read: its newest id is returned)
  KEYS[4…3+k] chunk keys of the old grid that reach outside the new bounds (k of them)
  KEYS[4+k…]  the owners strings of the same chunks, in the same order: who placed a pixel that
              no longer exists is forgotten with it, so growing back shows no owner there
  ARGV[1]     version the config must hold now (the one the chunk list was derived from)
  ARGV[2]     new width
  ARGV[3]     new height
  ARGV[4]     approximate maximum length of the audit stream
  ARGV[5]     audit actor
  ARGV[6]     audit details (JSON)
  ARGV[7…]    cx, cy of each chunk key, in the order of KEYS[4…3+k]

  Returns { code, version, chunksErased, lastEventId, auditId }, chunksErased counting the chunks
  that held ink outside the new bounds:
    code 0 resized     version = the new version
    code 1 no canvas
    code 2 conflict    version = the version found (derive the chunk list again)
  Codes are mapped to meanings in config-admin.ts only.
]]
--- @include "redis-time-ms"
local current = redis.call('HGET', KEYS[1], 'version')
if not current then
  return { 1, 0, 0, '', '' }
end
if current ~= ARGV[1] then
  return { 2, tonumber(current), 0, '', '' }
end

local width = tonumber(ARGV[2])
local height = tonumber(ARGV[3])
local SIDE = 256

local function has_ink(bytes)
  return string.find(bytes, '[^%z]') ~= nil
end

-- Erases the part of one chunk outside width × height; true when it held any ink there.
local function clip(key, cx, cy)
  local data = redis.call('GET', key)
  if not data then
    return false
  end
  local x0 = cx * SIDE
  local y0 = cy * SIDE
  if x0 >= width or y0 >= height then
    redis.call('DEL', key)
    return has_ink(data)
  end
  local columns = math.min(SIDE, width - x0)
  local rows = math.min(SIDE, height - y0)
  local ink = has_ink(string.sub(data, rows * SIDE + 1))
  for r = 0, rows - 1 do
    if columns < SIDE and has_ink(string.sub(data, r * SIDE + columns + 1, (r + 1) * SIDE)) then
      ink = true
      break
    end
  end
  if not ink then
    return false
  end
  local length = #data
  local right = string.rep('\0', SIDE - columns)
  local parts = {}
  for r = 0, rows - 1 do
    local start = r * SIDE + 1
    if start > length then
      break
    end
    local row = string.sub(data, start, start + columns - 1)
    if #row < columns then
      row = row .. string.rep('\0', columns - #row)
    end
    parts[#parts + 1] = row .. right
  end
  local clipped = table.concat(parts)
  if has_ink(clipped) then
    redis.call('SET', key, clipped)
  else
    redis.call('DEL', key)
  end
  return true
end

-- The owners string of a chunk keeps 8 bytes a pixel; the part outside the new bounds is cleared.
local OWNER_BYTES = 8
local function clip_owners(key, cx, cy)
  local data = redis.call('GET', key)
  if not data then
    return
  end
  local x0 = cx * SIDE
  local y0 = cy * SIDE
  if x0 >= width or y0 >= height then
    redis.call('DEL', key)
    return
  end
  local columns = math.min(SIDE, width - x0)
  local rows = math.min(SIDE, height - y0)
  local row_bytes = SIDE * OWNER_BYTES
  local keep = columns * OWNER_BYTES
  local right = string.rep('\0', row_bytes - keep)
  local parts = {}
  for r = 0, rows - 1 do
    local start = r * row_bytes + 1
    if start > #data then
      break
    end
    local row = string.sub(data, start, start + keep - 1)
    if #row < keep then
      row = row .. string.rep('\0', keep - #row)
    end
    parts[#parts + 1] = row .. right
  end
  redis.call('SET', key, table.concat(parts))
end

local chunk_count = (#ARGV - 6) / 2
local erased = 0
for i = 0, chunk_count - 1 do
  local pair = i * 2 + 7
  local cx = tonumber(ARGV[pair])
  local cy = tonumber(ARGV[pair + 1])
  if clip(KEYS[4 + i], cx, cy) then
    erased = erased + 1
  end
  if KEYS[4 + chunk_count + i] then
    clip_owners(KEYS[4 + chunk_count + i], cx, cy)
  end
end

redis.call('HSET', KEYS[1], 'width', width, 'height', height)
local version = redis.call('HINCRBY', KEYS[1], 'version', 1)
local last = redis.call('XREVRANGE', KEYS[3], '+', '-', 'COUNT', 1)
local position = '0-0'
if last[1] then
  position = last[1][1]
end
local now = redis_time_ms()
local audit = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], '*',
  'action', 'canvas.resize', 'actor', ARGV[5], 'at', now, 'details', ARGV[6])
return { 0, version, erased, position, audit }
