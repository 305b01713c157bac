-- An RGB LED fixture without a dimmer channel: the engine adds a virtual
-- intensity that scales the emitters. Emitters default to full, so
-- intensity alone gives white.
return {
  name = "Generic RGB",
  channels = {
    { "red", default = 1 },
    { "green", default = 1 },
    { "blue", default = 1 },
  },
}
