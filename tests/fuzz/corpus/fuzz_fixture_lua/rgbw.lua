-- An RGBW LED par without a dimmer channel (virtual intensity). Emitters
-- default to full, so intensity alone gives white.
return {
  name = "Generic RGBW",
  channels = {
    { "red", default = 1 },
    { "green", default = 1 },
    { "blue", default = 1 },
    { "white", default = 1 },
  },
}
