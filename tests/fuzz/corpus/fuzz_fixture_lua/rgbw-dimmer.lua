-- An RGBW LED par with a master dimmer channel first. Emitters default to
-- full, so intensity alone gives white.
return {
  name = "Generic RGBW + Dimmer",
  channels = {
    "intensity",
    { "red", default = 1 },
    { "green", default = 1 },
    { "blue", default = 1 },
    { "white", default = 1 },
  },
}
