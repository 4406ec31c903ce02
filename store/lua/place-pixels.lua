--[[
  Places a batch of pixels on one canvas, each judged exactly as place-pixel-9.lua judges one,
  in the order given: the batch is the same as N single calls with nothing in between (a
  placement sees the cooldown an earlier one in the batch set, so a user twice in one batch is
  refused the second time). One call instead of N saves the per-call dispatch, the config read and
  the clock read; every placement still gets its own result, event and ownership entry.

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

  Returns { configVersion, code1, time1, eventId1, code2, time2, eventId2, … }, with the codes and
  times of place-pixel-9.lua (0 placed, 1 no canvas, 2 paused, 3 out of bounds, 4 bad colour,
  5 cooldown, 6 banned, 7 address banned). Codes are mapped to meanings in placement.ts only.
]]
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
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local stamp = string.format('%d', now)
local max_length = ARGV[1]

-- A wait ends at the placement time plus the cooldown in force now, never later than the key's
-- expiry. Keep in step with place-pixel-9.lua and read-cooldown-2.lua.
local function remaining_after(key)
  local placed_at = tonumber(redis.call('GET', key))
  if not placed_at then
    return 0
  end
  if placed_at == 1 then
    return math.max(redis.call('PTTL', key), 0)
  end
  local left = placed_at + cooldown - now
  if left <= 0 then
    return 0
  end
  return math.min(left, redis.call('PTTL', key))
end

-- One placement, judged in the order of place-pixel-9.lua; answers { code, time, eventId }.
local function place(base, a, prefix_count)
  local x = tonumber(ARGV[a])
  local y = tonumber(ARGV[a + 1])
  local colour = tonumber(ARGV[a + 2])
  if x >= width or y >= height then
    return 3, 0, ''
  end
  if colour >= palette_size then
    return 4, 0, ''
  end
  local user = ARGV[a + 3]
  local banned_until = redis.call('HGET', KEYS[3], user)
  if banned_until then
    banned_until = tonumber(banned_until)
    if banned_until == 0 or banned_until > now then
      return 6, banned_until, ''
    end
  end
  if prefix_count > 0 then
    local expiries = redis.call('HMGET', KEYS[4], unpack(ARGV, a + 7, a + 6 + prefix_count))
    for i = 1, prefix_count do
      local expiry = tonumber(expiries[i])
      if expiry and (expiry == 0 or expiry > now) then
        return 7, expiry, ''
      end
    end
  end
  local apply_ip = ARGV[a + 4] == '1'
  if cooldown > 0 then
    local remaining = remaining_after(KEYS[base + 3])
    if apply_ip then
      remaining = math.max(remaining, remaining_after(KEYS[base + 4]))
    end
    if remaining > 0 then
      return 5, now + remaining, ''
    end
  end
  local offset = ARGV[a + 5]
  local previous = redis.call('BITFIELD', KEYS[base + 1], 'SET', 'u8', '#' .. offset, colour)[1]
  local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', max_length, '*', 'x', x, 'y', y, 'c', colour, 'u', user, 'p', previous)
  local number = redis.call('HGET', KEYS[5], 'id:' .. user)
  if not number then
    number = redis.call('HINCRBY', KEYS[5], 'next', 1)
    redis.call('HSET', KEYS[5], 'id:' .. user, number, 'n:' .. number, user)
  end
  local slot = tonumber(offset) * 2
  redis.call('BITFIELD', KEYS[base + 2], 'SET', 'u32', '#' .. slot, number, 'SET', 'u32', '#' .. (slot + 1), clock[1])
  if cooldown > 0 then
    redis.call('SET', KEYS[base + 3], stamp, 'PX', cooldown)
    if apply_ip then
      redis.call('SET', KEYS[base + 4], stamp, 'PX', cooldown)
    end
  end
  return 0, now + cooldown, id
end

local a = 3
for i = 1, count do
  local prefix_count = tonumber(ARGV[a + 6])
  local code, time, id = place(5 + 4 * (i - 1), a, prefix_count)
  results[#results + 1] = code
  results[#results + 1] = time
  results[#results + 1] = id
  a = a + 7 + prefix_count
end
return results
