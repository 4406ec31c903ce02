--[[
  Changes fields of a canvas's config hash as one versioned step: the fields, version + 1 and the
  audit entry are written together, so a placement judged meanwhile sees the old config or the
  new one, never a mix.

  KEYS[1]  config hash
  KEYS[2]  audit stream
  ARGV[1]  version the config must hold now ('' : any; palette edits pass the version they
           computed the new palette from, and retry on a conflict)
  ARGV[2]  1 to refuse while a palette remap is rewriting the canvas, 0 not to
  ARGV[3]  approximate maximum length of the audit stream
  ARGV[4]  audit action
  ARGV[5]  audit actor
  ARGV[6]  audit details (JSON)
  ARGV[7…] field, value, field, value…

  Returns { code, version, auditId }:
    code 0 changed     version = the new version
    code 1 no canvas
    code 2 conflict    version = the version found
    code 3 a palette remap is in progress
  Codes are mapped to meanings in config-admin.ts only.
]]
--- @include "redis-time-ms"
local current = redis.call('HMGET', KEYS[1], 'version', 'remapping')
if not current[1] then
  return { 1, 0, '' }
end
if ARGV[1] ~= '' and current[1] ~= ARGV[1] then
  return { 2, tonumber(current[1]), '' }
end
if ARGV[2] == '1' and current[2] == '1' then
  return { 3, tonumber(current[1]), '' }
end

local fields = {}
for i = 7, #ARGV do
  fields[#fields + 1] = ARGV[i]
end
if #fields > 0 then
  redis.call('HSET', KEYS[1], unpack(fields))
end
local version = redis.call('HINCRBY', KEYS[1], 'version', 1)

local now = redis_time_ms()
local audit = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*',
  'action', ARGV[4], 'actor', ARGV[5], 'at', now, 'details', ARGV[6])
return { 0, version, audit }
