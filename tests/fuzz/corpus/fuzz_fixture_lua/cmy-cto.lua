-- A CMY colour-mixing fixture (a profile or a wash with a discharge or LED
-- engine) with a variable CTO flag and a 16-bit dimmer. A look colour mixes
-- into C, M and Y; cto = 0..1 warms the beam.
return {
  name = "Generic CMY + CTO",
  channels = {
    { "intensity", bits = 16 },
    { "shutter", default = 1, caps = {
      { 0, 31, "Closed", kind = "closed" },
      { 32, 223, "Strobe slow to fast", kind = "strobe" },
      { 224, 255, "Open", kind = "open" },
    } },
    "cyan", "magenta", "yellow",
    "cto",
  },
}
