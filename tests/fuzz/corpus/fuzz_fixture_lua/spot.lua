-- A moving-head spot: 16-bit pan/tilt (540 / 270 degrees), a colour wheel
-- (a look colour picks the nearest slot), a rotating gobo wheel, a shutter
-- that rests open and a 16-bit dimmer. Tilt is wired reversed, as on many
-- yokes: the file says invert = true and looks stay in console direction.
return {
  name = "Generic Spot",
  pan_range = 540,
  tilt_range = 270,
  physical = { weight = 18, power = 450, beam = { 12, 30 } },
  mode_order = { "standard", "basic" },
  modes = {
    standard = {
      { "pan", bits = 16, default = 0.5, home = 0.5 },
      { "tilt", bits = 16, default = 0.5, home = 0.5, invert = true },
      { "speed", caps = { { 0, 0, "Max speed" }, { 1, 255, "Fast to slow" } } },
      { "color_wheel", caps = {
        { 0, 9, "Open", kind = "color", color = "#ffffff" },
        { 10, 19, "Red", kind = "color", color = "#ff0000" },
        { 20, 29, "Orange", kind = "color", color = "#ff8000" },
        { 30, 39, "Yellow", kind = "color", color = "#ffff00" },
        { 40, 49, "Green", kind = "color", color = "#00ff00" },
        { 50, 59, "Cyan", kind = "color", color = "#00ffff" },
        { 60, 69, "Blue", kind = "color", color = "#0000ff" },
        { 70, 79, "Magenta", kind = "color", color = "#ff00ff" },
        { 80, 89, "CTO", kind = "color", color = "#ffc080" },
        { 90, 255, "Wheel spin slow to fast" },
      } },
      { "gobo", caps = {
        { 0, 9, "Open", kind = "gobo" },
        { 10, 19, "Gobo 1", kind = "gobo" }, { 20, 29, "Gobo 2", kind = "gobo" },
        { 30, 39, "Gobo 3", kind = "gobo" }, { 40, 49, "Gobo 4", kind = "gobo" },
        { 50, 59, "Gobo 5", kind = "gobo" }, { 60, 69, "Gobo 6", kind = "gobo" },
        { 70, 255, "Gobo shake" },
      } },
      { "shutter", default = 1, caps = {
        { 0, 7, "Closed", kind = "closed" },
        { 8, 247, "Strobe slow to fast", kind = "strobe" },
        { 248, 255, "Open", kind = "open" },
      } },
      { "intensity", bits = 16, highlight = 1 },
      "focus", "zoom", "iris",
      { "control", caps = { { 0, 199, "Nothing" }, { 200, 209, "Reset" },
                            { 210, 255, "Nothing" } } },
    },
    basic = {
      { "pan", default = 0.5 },
      { "tilt", default = 0.5, invert = true },
      "color_wheel", "gobo",
      { "shutter", default = 1 },
      "intensity",
    },
  },
}
