-- gl/color.lua - colour helpers for looks, shipped with ghostlight.
--
--   local color = require "gl.color"
--   cue { 1, "Warm", look = { wash = { color = color.kelvin(3200) } } }
--   cue { 2, "Dusk", look = { wash = { color = color.mix("#ff8000", "#2040ff", 0.3) } } }
--
-- Every function returns "#rrggbb", the form looks take.

local color = {}

local function clamp(x)
  if x < 0 then return 0 elseif x > 255 then return 255 end
  return x
end

local function hex(r, g, b)
  return string.format("#%02x%02x%02x", math.floor(clamp(r) + 0.5),
                       math.floor(clamp(g) + 0.5), math.floor(clamp(b) + 0.5))
end

local function parse(c)
  if type(c) == "table" then
    return (c[1] or 0) * 255, (c[2] or 0) * 255, (c[3] or 0) * 255
  end
  local r, g, b = string.match(c, "^#(%x%x)(%x%x)(%x%x)$")
  if not r then error("color: expected \"#rrggbb\" or {r, g, b}, got " .. tostring(c), 3) end
  return tonumber(r, 16), tonumber(g, 16), tonumber(b, 16)
end

-- The colour of a black body at `k` kelvin (1000..40000), as an RGB emitter
-- approximates it (Tanner Helland's fit to Mitchell Charity's table):
-- 2700 tungsten, 3200 stage tungsten, 5600 daylight.
function color.kelvin(k)
  if type(k) ~= "number" or k < 1000 or k > 40000 then
    error("color.kelvin: expected 1000..40000 kelvin, got " .. tostring(k), 2)
  end
  local t = k / 100
  local r, g, b
  if t <= 66 then
    r = 255
    g = 99.4708025861 * math.log(t) - 161.1195681661
  else
    r = 329.698727446 * (t - 60) ^ -0.1332047592
    g = 288.1221695283 * (t - 60) ^ -0.0755148492
  end
  if t >= 66 then
    b = 255
  elseif t <= 19 then
    b = 0
  else
    b = 138.5177312231 * math.log(t - 10) - 305.0447927307
  end
  return hex(r, g, b)
end

-- `a` and `b` mixed: t = 0 is a, 1 is b.
function color.mix(a, b, t)
  local ar, ag, ab = parse(a)
  local br, bg, bb = parse(b)
  t = t or 0.5
  return hex(ar + (br - ar) * t, ag + (bg - ag) * t, ab + (bb - ab) * t)
end

-- `c` at `level` (0..1) of its brightness.
function color.scale(c, level)
  local r, g, b = parse(c)
  return hex(r * level, g * level, b * level)
end

return color
