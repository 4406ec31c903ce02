--[[
  Reads every chunk of the canvas together with the stream position they reflect, in one
  atomic step (invariant 1: a canvas read carries the position it was read at).

  KEYS[1]     config hash
  KEYS[2]     event stream
  KEYS[3..n]  chunk keys, row by row over the grid the caller derived from the config
  ARGV[1]     grid columns the caller assumed
  ARGV[2]     grid rows the caller assumed

  Returns { 'ok', position, version, width, height, chunk... } with a false (nil) entry for a
  chunk that does not exist; { 'resized', width, height } when the canvas was resized since the
  caller read the config (read it again); { 'missing' } when there is no canvas.
]]
--- @include "chunk-grid-read"
local config = redis.call('HMGET', KEYS[1], 'width', 'height', 'version')
if not config[1] then
  return { 'missing' }
end
local width = tonumber(config[1])
local height = tonumber(config[2])
if grid_differs(width, height) then
  return { 'resized', width, height }
end
local reply = { 'ok', newest_position(), tonumber(config[3]), width, height }
return append_chunks(reply)
