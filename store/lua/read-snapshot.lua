--[[
  Reads everything a snapshot holds in one atomic step: the whole config hash, the stream
  position, and every chunk of the grid. Like read-canvas.lua, but with every config field (a
  restore must give the hash back exactly) and the chunk bytes exactly as stored.

  KEYS[1]     config hash
  KEYS[2]     event stream
  KEYS[3..n]  chunk keys, row by row over the grid the caller derived from the config
  ARGV[1]     grid columns the caller assumed
  ARGV[2]     grid rows the caller assumed

  Returns { 'ok', position, { field, value, ... }, chunk... } with a false (nil) entry for a
  chunk that does not exist; { 'resized', width, height } when the canvas was resized since the
  caller read the config (read it again); { 'missing' } when there is no canvas.
]]
--- @include "chunk-grid-read"
local size = redis.call('HMGET', KEYS[1], 'width', 'height')
if not size[1] or not size[2] then
  return { 'missing' }
end
local width = tonumber(size[1])
local height = tonumber(size[2])
if grid_differs(width, height) then
  return { 'resized', width, height }
end
local reply = { 'ok', newest_position(), redis.call('HGETALL', KEYS[1]) }
return append_chunks(reply)
