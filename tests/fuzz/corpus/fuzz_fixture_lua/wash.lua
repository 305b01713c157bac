-- A moving-head LED wash: 16-bit pan/tilt (540 / 270 degrees), RGBW with a
-- 16-bit dimmer, zoom, and a shutter that rests open.
return {
  name = "Generic Wash",
  pan_range = 540,
  tilt_range = 270,
  physical = { weight = 14, power = 400, beam = { 8, 50 } },
  channels = {
    { "pan", bits = 16, default = 0.5, home = 0.5 },
    { "tilt", bits = 16, default = 0.5, home = 0.5 },
    { "speed", caps = { { 0, 0, "Max speed" }, { 1, 255, "Fast to slow" } } },
    { "intensity", bits = 16, highlight = 1 },
    { "shutter", default = 1, caps = {
      { 0, 7, "Closed", kind = "closed" },
      { 8, 247, "Strobe slow to fast", kind = "strobe" },
      { 248, 255, "Open", kind = "open" },
    } },
    "red", "green", "blue", "white",
    "cto", "zoom",
  },
}
