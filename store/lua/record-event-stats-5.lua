--[[
  Adds one batch of placements to the event's numbers, exactly once: the stats hash keeps the
  stream position they are counted through (`cursor`), and a batch is added only when it starts
  exactly there. A batch already counted (a writer that lost its lead, a takeover re-reading a
  window) is refused as such; a batch that starts elsewhere is refused with the stored cursor, so
  the caller counts the difference from the stream first (a leader that died between its delta
  and its stats, a new epoch that skipped events).

  KEYS[1]  stats hash (cursor, placements, peakPerSecond, peakPerSecondAt)
  KEYS[2]  HyperLogLog of every user who placed
  KEYS[3]  HyperLogLog of every signed-in user who placed
  KEYS[4]  placements-per-minute hash (minute start ms → count)
  KEYS[5]  placements-per-second hash (second start ms → count; the last few minutes only)
  ARGV[1]  the batch starts after this stream position (`ms-seq`, exclusive)
  ARGV[2]  the batch ends at this stream position (inclusive)
  ARGV[3]  JSON {"placements": n, "minutes": [[minuteMs, n], …], "seconds": [[secondMs, n], …]}
  ARGV[4]  U, the number of user ids that follow
  ARGV[5 … 4+U]        the distinct users of the batch
  ARGV[5+U …]          the distinct signed-in users of the batch

  Returns {0} counted, {1, cursor} already counted (the cursor is at or after the batch's end),
  {2, cursor} the cursor is elsewhere: count from it first. Codes are given meaning in
  store/src/event-stats.ts only.
]]
local function position(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end
local function before(a, b) -- a < b, both `ms-seq`
  local ams, aseq = position(a)
  local bms, bseq = position(b)
  return ams < bms or (ams == bms and aseq < bseq)
end

local cursor = redis.call('HGET', KEYS[1], 'cursor') or '0-0'
if cursor ~= ARGV[1] then
  if not before(cursor, ARGV[2]) then
    return {1, cursor}
  end
  return {2, cursor}
end

local batch = cjson.decode(ARGV[3])
redis.call('HINCRBY', KEYS[1], 'placements', batch.placements)
for _, minute in ipairs(batch.minutes) do
  redis.call('HINCRBY', KEYS[4], string.format('%d', minute[1]), minute[2])
end
local peak = tonumber(redis.call('HGET', KEYS[1], 'peakPerSecond') or '0')
local newest = 0
for _, second in ipairs(batch.seconds) do
  local count = redis.call('HINCRBY', KEYS[5], string.format('%d', second[1]), second[2])
  if count > peak then
    peak = count
    redis.call('HSET', KEYS[1], 'peakPerSecond', count, 'peakPerSecondAt', string.format('%d', second[1]))
  end
  if second[1] > newest then newest = second[1] end
end
-- A second can only still grow while its events are being read: keep the last two minutes.
local old = {}
for _, field in ipairs(redis.call('HKEYS', KEYS[5])) do
  if tonumber(field) < newest - 120000 then old[#old + 1] = field end
end
if #old > 0 then redis.call('HDEL', KEYS[5], unpack(old)) end

-- PFADD in slices: unpack() of a whole large batch would overflow Lua's stack.
local function addAll(key, first, last)
  for start = first, last, 1000 do
    redis.call('PFADD', key, unpack(ARGV, start, math.min(start + 999, last)))
  end
end
local users = tonumber(ARGV[4])
addAll(KEYS[2], 5, 4 + users)
addAll(KEYS[3], 5 + users, #ARGV)

redis.call('HSET', KEYS[1], 'cursor', ARGV[2])
return {0}
