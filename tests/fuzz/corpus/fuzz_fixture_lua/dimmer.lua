-- A single dimmer channel (conventional lamp on a dimmer, LED dimmer).
return {
  name = "Generic Dimmer",
  channels = { "intensity" },
}
