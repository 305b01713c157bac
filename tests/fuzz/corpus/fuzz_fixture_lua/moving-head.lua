-- A generic spot moving head: 540 degree pan, 270 degree tilt. Pan and tilt
-- rest at the centre; the shutter rests open so intensity alone makes light.
-- "standard" (12 channels) has 16-bit pan/tilt; "basic" (8 channels) has
-- 8-bit pan/tilt and no gobo or focus.
return {
  name = "Generic Moving Head",
  pan_range = 540,
  tilt_range = 270,
  mode_order = { "standard", "basic" },
  modes = {
    standard = {
      { "pan", bits = 16, default = 0.5 },
      { "tilt", bits = 16, default = 0.5 },
      "intensity",
      { "shutter", default = 1 },
      "cyan", "magenta", "yellow",
      "gobo", "zoom", "focus",
    },
    basic = {
      { "pan", default = 0.5 },
      { "tilt", default = 0.5 },
      "intensity",
      { "shutter", default = 1 },
      "cyan", "magenta", "yellow",
      "zoom",
    },
  },
}
