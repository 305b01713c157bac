-- An RGBA LED fixture without a dimmer channel (virtual intensity).
-- Emitters default to full, so intensity alone gives (warm) white.
return {
  name = "Generic RGBA",
  channels = {
    { "red", default = 1 },
    { "green", default = 1 },
    { "blue", default = 1 },
    { "amber", default = 1 },
  },
}
