--[[
  The placement rules: places a batch of pixels on one canvas (one pixel is a batch of one), in the
  order given. Everything a placement depends on is checked here against Redis (never a cached
  config), and each pixel and its event are written together: no pixel without its event, no
  event without its pixel. The batch is the same as N calls of one with nothing in between (a
  placement sees the cooldown an earlier one in the batch set, so a user twice in one batch is
  refused the second time). One call instead of N saves the per-call dispatch, the config read and
  the clock read; the bans of every user and address prefix are read with one HMGET each, and the
  writes are grouped: one BITFIELD per chunk for the pixels (its SETs in placement order, so each
  still answers the colour it replaced), one per chunk for the owners. Every placement still gets
  its own result, its own event (XADD, in placement order) and its own ownership entry.

  Variable key count (the first argument of the call). All keys share the canvas's hash tag.
  KEYS[1]  config hash
  KEYS[2]  event stream
  KEYS[3]  bans hash (user id -> ban expiry in epoch ms, 0 = forever)
  KEYS[4]  address bans hash (canonical prefix -> ban expiry in epoch ms, 0 = forever)
  KEYS[5]  user numbers hash (`id:<user>` -> number, `n:<number>` -> user, `next`)
  then for placement i (1-based), base = 5 + 4 * (i - 1):
  KEYS[base + 1]  chunk string holding (x, y)
  KEYS[base + 2]  owners string of that chunk (8 bytes a pixel: u32 user number, u32 epoch seconds)
  KEYS[base + 3]  the user's cooldown key (value: epoch ms of the last placement; TTL: the cooldown then)
  KEYS[base + 4]  the IP's cooldown key (the same, for guests)

  ARGV[1]  approximate maximum stream length
  ARGV[2]  the number of placements N
  then for each placement, in order:
    x, y, palette index, user id, 1 to apply the IP cooldown (guests) or 0, byte offset of (x, y)
    inside its chunk, the number P of ban prefixes covering the client's address, then P prefixes

  The event carries the pixel's previous colour (`p`), so a revert knows what to put back, and the
  owners string is written in the same step, so "who placed this" can never disagree with the canvas.

  Returns { configVersion, code1, time1, eventId1, code2, time2, eventId2, … } (configVersion 0
  when the canvas is missing; eventId '' when refused):
    code 0 placed          time = epoch ms when the user may place again
    code 1 no canvas
    code 2 paused
    code 3 out of bounds
    code 4 bad colour
    code 5 cooldown        time = epoch ms when the cooldown ends
    code 6 banned          time = ban expiry (0 = forever)
    code 7 address banned  time = the first covering ban's expiry (0 = forever)
  Codes are mapped to meanings in placement.ts only.
]]
--- @include "redis-time-ms"
--- @include "cooldown-remaining"
local count = tonumber(ARGV[2])
local results = { 0 }
local config = redis.call('HMGET', KEYS[1], 'width', 'height', 'paletteSize', 'cooldownMs', 'paused', 'version')

-- The whole batch shares one refusal when the canvas is missing or paused (nothing else is read).
local shared_code = nil
if not config[1] then
  shared_code = 1
else
  results[1] = tonumber(config[6])
  if config[5] == '1' then
    shared_code = 2
  end
end
if shared_code then
  for i = 1, count do
    results[#results + 1] = shared_code
    results[#results + 1] = 0
    results[#results + 1] = ''
  end
  return results
end

local width = tonumber(config[1])
local height = tonumber(config[2])
local palette_size = tonumber(config[3])
local cooldown = tonumber(config[4])
local now = redis_time_ms()
local now_seconds = math.floor(now / 1000)
local stamp = string.format('%d', now)
-- When a cooldown set now ends (the cooldown keys expire then).
local ends_at = string.format('%d', now + cooldown)
local max_length = ARGV[1]

-- The cooldown rule (lowering it frees waiting players at once) is includes/cooldown-remaining.lua,
-- shared with read-cooldown-2.lua.

-- Everything the checks read that a placement cannot change, read once for the whole batch:
-- the bans of every user and of every address prefix in it (nothing interleaves with a script).
local CALL_ARGS = 1000 -- at most this many arguments to unpack into one call
local function hmget_all(key, fields)
  local values = {}
  for first = 1, #fields, CALL_ARGS do
    local last = math.min(first + CALL_ARGS - 1, #fields)
    local got = redis.call('HMGET', key, unpack(fields, first, last))
    for i = 1, #got do
      values[first + i - 1] = got[i]
    end
  end
  local by_field = {}
  for i = 1, #fields do
    by_field[fields[i]] = values[i]
  end
  return by_field
end

local arg_of = {}
local user_fields, user_seen = {}, {}
local prefix_fields, prefix_seen = {}, {}
do
  local a = 3
  for i = 1, count do
    arg_of[i] = a
    local user = ARGV[a + 3]
    if not user_seen[user] then
      user_seen[user] = true
      user_fields[#user_fields + 1] = user
    end
    local prefix_count = tonumber(ARGV[a + 6])
    for p = a + 7, a + 6 + prefix_count do
      if not prefix_seen[ARGV[p]] then
        prefix_seen[ARGV[p]] = true
        prefix_fields[#prefix_fields + 1] = ARGV[p]
      end
    end
    a = a + 7 + prefix_count
  end
end
local user_bans = hmget_all(KEYS[3], user_fields)
local prefix_bans = #prefix_fields > 0 and hmget_all(KEYS[4], prefix_fields) or {}

-- One placement's checks (bounds, colour, user ban, address bans, cooldown); answers code, time.
-- An accepted placement sets its cooldown keys at once, so a later one in the batch is judged by them.
local function judge(base, a)
  local x = tonumber(ARGV[a])
  local y = tonumber(ARGV[a + 1])
  local color = tonumber(ARGV[a + 2])
  if x >= width or y >= height then
    return 3, 0
  end
  if color >= palette_size then
    return 4, 0
  end
  local banned_until = user_bans[ARGV[a + 3]]
  if banned_until then
    banned_until = tonumber(banned_until)
    if banned_until == 0 or banned_until > now then
      return 6, banned_until
    end
  end
  for p = a + 7, a + 6 + tonumber(ARGV[a + 6]) do
    local expiry = tonumber(prefix_bans[ARGV[p]])
    if expiry and (expiry == 0 or expiry > now) then
      return 7, expiry
    end
  end
  if cooldown > 0 then
    local apply_ip = ARGV[a + 4] == '1'
    local remaining = cooldown_remaining(KEYS[base + 3], cooldown, now)
    if apply_ip then
      remaining = math.max(remaining, cooldown_remaining(KEYS[base + 4], cooldown, now))
    end
    if remaining > 0 then
      return 5, now + remaining
    end
    -- PXAT, not PX: a relative expiry counts from Redis's cached command time, which may be a
    -- millisecond before `now`, and the wait would then end 1 ms before the nextAt we answer.
    redis.call('SET', KEYS[base + 3], stamp, 'PXAT', ends_at)
    if apply_ip then
      redis.call('SET', KEYS[base + 4], stamp, 'PXAT', ends_at)
    end
  end
  return 0, now + cooldown
end

-- Phase 1: every verdict, in order. Accepted placements are grouped by chunk for the writes.
local accepted = {}
local codes, times = {}, {}
local chunk_order, by_chunk = {}, {}
for i = 1, count do
  local base = 5 + 4 * (i - 1)
  codes[i], times[i] = judge(base, arg_of[i])
  if codes[i] == 0 then
    accepted[#accepted + 1] = i
    local chunk = KEYS[base + 1]
    local group = by_chunk[chunk]
    if not group then
      group = { owners = KEYS[base + 2] }
      by_chunk[chunk] = group
      chunk_order[#chunk_order + 1] = chunk
    end
    group[#group + 1] = i
  end
end

-- Phase 2: the pixels, one BITFIELD per chunk with the SETs in placement order, so each answers
-- the colour it replaced exactly as one call per placement would (a pixel set twice included).
local OPS = 250 -- SETs per BITFIELD call (4 arguments each)
local previous = {}
local function bitfield_in_order(key, ops)
  local results = {}
  for first = 1, #ops, 4 * OPS do
    local last = math.min(first + 4 * OPS - 1, #ops)
    local got = redis.call('BITFIELD', key, unpack(ops, first, last))
    for i = 1, #got do
      results[#results + 1] = got[i]
    end
  end
  return results
end
for _, chunk in ipairs(chunk_order) do
  local group = by_chunk[chunk]
  local ops = {}
  for _, i in ipairs(group) do
    local a = arg_of[i]
    ops[#ops + 1] = 'SET'
    ops[#ops + 1] = 'u8'
    ops[#ops + 1] = '#' .. ARGV[a + 5]
    ops[#ops + 1] = ARGV[a + 2]
  end
  local replaced = bitfield_in_order(chunk, ops)
  for k, i in ipairs(group) do
    previous[i] = replaced[k]
  end
end

-- Phase 3: the events, in placement order, each with the colour it replaced.
local ids = {}
for _, i in ipairs(accepted) do
  local a = arg_of[i]
  ids[i] = redis.call('XADD', KEYS[2], 'MAXLEN', '~', max_length, '*', 'x', ARGV[a], 'y', ARGV[a + 1], 'c', ARGV[a + 2], 'u', ARGV[a + 3], 'p', previous[i])
end

-- Phase 4: the ownership index. Users new to the canvas get the next number, in placement order.
if #accepted > 0 then
  local fields, seen = {}, {}
  for _, i in ipairs(accepted) do
    local user = ARGV[arg_of[i] + 3]
    if not seen[user] then
      seen[user] = true
      fields[#fields + 1] = 'id:' .. user
    end
  end
  local numbers = hmget_all(KEYS[5], fields)
  for _, i in ipairs(accepted) do
    local user = ARGV[arg_of[i] + 3]
    if not numbers['id:' .. user] then
      local number = redis.call('HINCRBY', KEYS[5], 'next', 1)
      redis.call('HSET', KEYS[5], 'id:' .. user, number, 'n:' .. number, user)
      numbers['id:' .. user] = number
    end
  end
  for _, chunk in ipairs(chunk_order) do
    local group = by_chunk[chunk]
    local ops = {}
    for _, i in ipairs(group) do
      local a = arg_of[i]
      local slot = tonumber(ARGV[a + 5]) * 2
      ops[#ops + 1] = 'SET'
      ops[#ops + 1] = 'u32'
      ops[#ops + 1] = '#' .. slot
      ops[#ops + 1] = numbers['id:' .. ARGV[a + 3]]
      ops[#ops + 1] = 'SET'
      ops[#ops + 1] = 'u32'
      ops[#ops + 1] = '#' .. (slot + 1)
      ops[#ops + 1] = now_seconds
    end
    bitfield_in_order(group.owners, ops)
  end
end

for i = 1, count do
  results[#results + 1] = codes[i]
  results[#results + 1] = times[i]
  results[#results + 1] = ids[i] or ''
end
return results
