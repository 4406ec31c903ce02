--[[
  Reading a whole canvas in one atomic step, for scripts called with KEYS[1] the config hash,
  KEYS[2] the event stream, KEYS[3..n] the chunk keys row by row over the grid the caller derived
  from the config, ARGV[1] and ARGV[2] the grid columns and rows the caller assumed.
]]

-- True when width × height gives another chunk grid than the caller assumed (a resize landed).
local function grid_differs(width, height)
  return math.ceil(width / 256) ~= tonumber(ARGV[1]) or math.ceil(height / 256) ~= tonumber(ARGV[2])
end

-- The stream id of the newest event ('0-0' when there is none): the position the chunks reflect.
local function newest_position()
  local last = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)
  if last[1] then
    return last[1][1]
  end
  return '0-0'
end

-- Appends every chunk (false for one that does not exist) to `reply`, and returns it.
local function append_chunks(reply)
  for i = 3, #KEYS do
    reply[#reply + 1] = redis.call('GET', KEYS[i])
  end
  return reply
end
