--[[
  One entry of an owners string (8 bytes a pixel: u32 user number, then u32 epoch seconds, both
  big-endian), appended to `ops` as BITFIELD SET operations. While the number is below 2^21 both
  fields go as one i64 write (number * 2^32 + seconds is exact in a double below 2^53): half the
  arguments of two u32 writes, which the owners string is read back with.
]]
local function push_owner_entry(ops, pixel, number, seconds)
  number = tonumber(number)
  seconds = tonumber(seconds)
  if number < 2097152 then
    ops[#ops + 1] = 'SET'
    ops[#ops + 1] = 'i64'
    ops[#ops + 1] = '#' .. pixel
    ops[#ops + 1] = string.format('%.0f', number * 4294967296 + seconds)
  else
    ops[#ops + 1] = 'SET'
    ops[#ops + 1] = 'u32'
    ops[#ops + 1] = '#' .. (pixel * 2)
    ops[#ops + 1] = number
    ops[#ops + 1] = 'SET'
    ops[#ops + 1] = 'u32'
    ops[#ops + 1] = '#' .. (pixel * 2 + 1)
    ops[#ops + 1] = seconds
  end
end
