--[[
  Places one pixel, or says why not. Everything a placement depends on is checked here against
  Redis (never a cached config), and the pixel and its event are written together: no pixel
  without its event, no event without its pixel.

  KEYS[1]  config hash
  KEYS[2]  chunk string holding (x, y)
  KEYS[3]  the user's cooldown key (value: epoch ms of the last placement; TTL: the cooldown then)
  KEYS[4]  the IP's cooldown key (the same, for guests)
  KEYS[5]  event stream
  KEYS[6]  bans hash (user id -> ban expiry in epoch ms, 0 = forever)
  KEYS[7]  address bans hash (canonical prefix -> ban expiry in epoch ms, 0 = forever)
  KEYS[8]  owners string of the chunk (8 bytes a pixel: u32 user number, u32 epoch seconds)
  KEYS[9]  user numbers hash (`id:<user>` -> number, `n:<number>` -> user, `next`)
  ARGV[1]  x
  ARGV[2]  y
  ARGV[3]  palette index
  ARGV[4]  user id
  ARGV[5]  1 to apply the IP cooldown (guests), 0 not to
  ARGV[6]  approximate maximum stream length
  ARGV[7]  byte offset of (x, y) inside its chunk
  ARGV[8…] the ban prefixes covering the client's address (none: no address check)

  The event carries the pixel's previous colour (`p`), so a revert knows what to put back, and the
  owners string is written in the same step, so "who placed this" can never disagree with the canvas.

  Returns { code, time, eventId, configVersion }:
    code 0 placed      time = epoch ms when the user may place again
    code 1 no canvas
    code 2 paused
    code 3 out of bounds
    code 4 bad colour
    code 5 cooldown    time = epoch ms when the cooldown ends
    code 6 banned      time = ban expiry (0 = forever)
    code 7 address banned  time = the first covering ban's expiry (0 = forever)
  Codes are mapped to meanings in placement-outcome.ts only.
]]
--- @include "redis-time-ms"
--- @include "cooldown-remaining"
local config = redis.call('HMGET', KEYS[1], 'width', 'height', 'paletteSize', 'cooldownMs', 'paused', 'version')
if not config[1] then
  return { 1, 0, '', 0 }
end
local version = tonumber(config[6])
if config[5] == '1' then
  return { 2, 0, '', version }
end

local x = tonumber(ARGV[1])
local y = tonumber(ARGV[2])
local color = tonumber(ARGV[3])
if x >= tonumber(config[1]) or y >= tonumber(config[2]) then
  return { 3, 0, '', version }
end
if color >= tonumber(config[3]) then
  return { 4, 0, '', version }
end

local now = redis_time_ms()
local now_seconds = math.floor(now / 1000)
local user = ARGV[4]

local banned_until = redis.call('HGET', KEYS[6], user)
if banned_until then
  banned_until = tonumber(banned_until)
  if banned_until == 0 or banned_until > now then
    return { 6, banned_until, '', version }
  end
end

-- One lookup for every prefix that covers the address (the gateway passes a few fixed lengths).
if #ARGV >= 8 then
  local expiries = redis.call('HMGET', KEYS[7], unpack(ARGV, 8))
  for i = 1, #ARGV - 7 do
    local expiry = tonumber(expiries[i])
    if expiry and (expiry == 0 or expiry > now) then
      return { 7, expiry, '', version }
    end
  end
end

local cooldown = tonumber(config[4])
local apply_ip = ARGV[5] == '1'
-- The cooldown rule (lowering it frees waiting players at once) is includes/cooldown-remaining.lua.
if cooldown > 0 then
  local remaining = cooldown_remaining(KEYS[3], cooldown, now)
  if apply_ip then
    remaining = math.max(remaining, cooldown_remaining(KEYS[4], cooldown, now))
  end
  if remaining > 0 then
    return { 5, now + remaining, '', version }
  end
end

-- BITFIELD SET answers the value it replaced: the previous colour costs nothing extra.
local previous = redis.call('BITFIELD', KEYS[2], 'SET', 'u8', '#' .. ARGV[7], color)[1]
local id = redis.call('XADD', KEYS[5], 'MAXLEN', '~', ARGV[6], '*', 'x', x, 'y', y, 'c', color, 'u', user, 'p', previous)
local number = redis.call('HGET', KEYS[9], 'id:' .. user)
if not number then
  number = redis.call('HINCRBY', KEYS[9], 'next', 1)
  redis.call('HSET', KEYS[9], 'id:' .. user, number, 'n:' .. number, user)
end
local slot = tonumber(ARGV[7]) * 2
redis.call('BITFIELD', KEYS[8], 'SET', 'u32', '#' .. slot, number, 'SET', 'u32', '#' .. (slot + 1), now_seconds)
if cooldown > 0 then
  redis.call('SET', KEYS[3], string.format('%d', now), 'PX', cooldown)
  if apply_ip then
    redis.call('SET', KEYS[4], string.format('%d', now), 'PX', cooldown)
  end
end
return { 0, now + cooldown, id, version }
