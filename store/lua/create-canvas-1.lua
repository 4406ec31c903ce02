--[[
  Creates a canvas's config hash unless it already exists, so every process may call it on
  start without overwriting a live or restored canvas.

  KEYS[1]  config hash
  ARGV[1]  width
  ARGV[2]  height
  ARGV[3]  palette as a JSON array of "#rrggbb"
  ARGV[4]  palette size (the array's length)
  ARGV[5]  cooldown in ms

  Returns 1 when created, 0 when a config was already there.
]]
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
redis.call('HSET', KEYS[1],
  'width', ARGV[1], 'height', ARGV[2],
  'palette', ARGV[3], 'paletteSize', ARGV[4],
  'cooldownMs', ARGV[5], 'paused', '0', 'version', '1')
return 1
