-- util.lua - a module for shows/test/handlers.lua, loaded with
-- require "lib.util" from the show's folder (dots become slashes).
local util = {}
util.half = 0.5
function util.clamp(v, lo, hi) return math.max(lo, math.min(hi, v)) end
return util
