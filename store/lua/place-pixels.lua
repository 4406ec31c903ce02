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
  then for each of the C chunks the batch touches (k from 0), each once however many pixels it gets:
  KEYS[6 + 2k]    the chunk string
  KEYS[7 + 2k]    its owners string (8 bytes a pixel: u32 user number, u32 epoch seconds)
  then for placement i (1-based), base = 5 + 2 * C + 2 * (i - 1):
  KEYS[base + 1]  the user's cooldown key (value: epoch ms of the last placement; TTL: the cooldown then)
  KEYS[base + 2]  the IP's cooldown key (the same, for guests)

  ARGV[1]  approximate maximum stream length
  ARGV[2]  the number of placements N
  ARGV[3]  the chunk side (protocol CHUNK_SIZE): a pixel's byte offset in its chunk comes from it
  ARGV[4]  C, the number of chunks
  then for each placement, in order:
    the pixel packed into one number, (((k * 16384 + y) * 16384 + x) * 256 + palette index) * 2
    + (1 to apply the IP cooldown (guests), else 0) with k its chunk's index above, the user id,
    the number P of ban prefixes covering the client's address, then P prefixes. Packed, and each
    chunk named once, because every argument is a string the gateway encodes and Redis parses:
    5 per placement instead of 11 (the gateway's encoding of a call measured 40% cheaper).

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
--- @include "owner-entry"
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

-- Each placement unpacked once: xs, ys, colors, offsets (in its chunk), IP cooldown, user, and
-- where its prefixes start and end in ARGV.
local chunk_side = tonumber(ARGV[3])
local chunk_count = tonumber(ARGV[4])
local cooldown_base = 5 + 2 * chunk_count
local xs, ys, colors, offsets, apply_ips, users, prefix_from, prefix_to = {}, {}, {}, {}, {}, {}, {}, {}
local chunk_of = {} -- placement -> index in KEYS of its chunk (its owners string follows it)
local user_fields, user_seen = {}, {}
local prefix_fields, prefix_seen = {}, {}
do
  local a = 5
  for i = 1, count do
    local packed = tonumber(ARGV[a])
    local apply_ip = packed % 2
    packed = (packed - apply_ip) / 2
    local color = packed % 256
    packed = (packed - color) / 256
    local x = packed % 16384
    packed = (packed - x) / 16384
    local y = packed % 16384
    chunk_of[i] = 6 + 2 * ((packed - y) / 16384)
    xs[i], ys[i], colors[i], apply_ips[i] = x, y, color, apply_ip == 1
    offsets[i] = (y % chunk_side) * chunk_side + (x % chunk_side)
    local user = ARGV[a + 1]
    users[i] = user
    if not user_seen[user] then
      user_seen[user] = true
      user_fields[#user_fields + 1] = user
    end
    local prefix_count = tonumber(ARGV[a + 2])
    prefix_from[i], prefix_to[i] = a + 3, a + 2 + prefix_count
    for p = a + 3, a + 2 + prefix_count do
      if not prefix_seen[ARGV[p]] then
        prefix_seen[ARGV[p]] = true
        prefix_fields[#prefix_fields + 1] = ARGV[p]
      end
    end
    a = a + 3 + prefix_count
  end
end
-- A ban list shorter than the batch's fields is cheaper read whole; an empty one is not read.
local function bans_of(key, fields)
  if #fields == 0 then
    return {}
  end
  local size = redis.call('HLEN', key)
  if size == 0 then
    return {}
  end
  if size <= #fields then
    local flat = redis.call('HGETALL', key)
    local by_field = {}
    for i = 1, #flat, 2 do
      by_field[flat[i]] = flat[i + 1]
    end
    return by_field
  end
  return hmget_all(key, fields)
end
local user_bans = bans_of(KEYS[3], user_fields)
local prefix_bans = bans_of(KEYS[4], prefix_fields)

-- One placement's checks (bounds, colour, user ban, address bans, cooldown); answers code, time.
-- An accepted placement sets its cooldown keys at once, so a later one in the batch is judged by them.
local function judge(base, i)
  if xs[i] >= width or ys[i] >= height then
    return 3, 0
  end
  if colors[i] >= palette_size then
    return 4, 0
  end
  local banned_until = user_bans[users[i]]
  if banned_until then
    banned_until = tonumber(banned_until)
    if banned_until == 0 or banned_until > now then
      return 6, banned_until
    end
  end
  for p = prefix_from[i], prefix_to[i] do
    local expiry = tonumber(prefix_bans[ARGV[p]])
    if expiry and (expiry == 0 or expiry > now) then
      return 7, expiry
    end
  end
  if cooldown > 0 then
    local apply_ip = apply_ips[i]
    local remaining = cooldown_remaining(KEYS[base + 1], cooldown, now)
    if apply_ip then
      remaining = math.max(remaining, cooldown_remaining(KEYS[base + 2], cooldown, now))
    end
    if remaining > 0 then
      return 5, now + remaining
    end
    -- PXAT, not PX: a relative expiry counts from Redis's cached command time, which may be a
    -- millisecond before `now`, and the wait would then end 1 ms before the nextAt we answer.
    redis.call('SET', KEYS[base + 1], stamp, 'PXAT', ends_at)
    if apply_ip then
      redis.call('SET', KEYS[base + 2], stamp, 'PXAT', ends_at)
    end
  end
  return 0, now + cooldown
end

-- Phase 1: every verdict, in order. Accepted placements are grouped by chunk for the writes.
local accepted = {}
local codes, times = {}, {}
local chunk_order, by_chunk = {}, {}
for i = 1, count do
  local base = cooldown_base + 2 * (i - 1)
  codes[i], times[i] = judge(base, i)
  if codes[i] == 0 then
    accepted[#accepted + 1] = i
    local chunk = KEYS[chunk_of[i]]
    local group = by_chunk[chunk]
    if not group then
      group = { owners = KEYS[chunk_of[i] + 1] }
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
    ops[#ops + 1] = 'SET'
    ops[#ops + 1] = 'u8'
    ops[#ops + 1] = '#' .. offsets[i]
    ops[#ops + 1] = colors[i]
  end
  local replaced = bitfield_in_order(chunk, ops)
  for k, i in ipairs(group) do
    previous[i] = replaced[k]
  end
end

-- Phase 3: the events, in placement order, each with the colour it replaced.
local ids = {}
for _, i in ipairs(accepted) do
  ids[i] = redis.call('XADD', KEYS[2], 'MAXLEN', '~', max_length, '*', 'x', xs[i], 'y', ys[i], 'c', colors[i], 'u', users[i], 'p', previous[i])
end

-- Phase 4: the ownership index. Users new to the canvas get the next number, in placement order.
if #accepted > 0 then
  local fields, field_users, seen = {}, {}, {}
  for _, i in ipairs(accepted) do
    local user = users[i]
    if not seen[user] then
      seen[user] = true
      fields[#fields + 1] = 'id:' .. user
      field_users[#fields] = user
    end
  end
  local found = hmget_all(KEYS[5], fields)
  local number_of = {}
  for k, field in ipairs(fields) do
    local number = found[field]
    if not number then
      number = redis.call('HINCRBY', KEYS[5], 'next', 1)
      redis.call('HSET', KEYS[5], field, number, 'n:' .. number, field_users[k])
    end
    number_of[field_users[k]] = number
  end
  for _, chunk in ipairs(chunk_order) do
    local group = by_chunk[chunk]
    local ops = {}
    for _, i in ipairs(group) do
      push_owner_entry(ops, offsets[i], number_of[users[i]], now_seconds)
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
