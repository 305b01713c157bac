-- A subtractive-colour fixture (CMY flags plus colour-temperature
-- correction) with a dimmer. CMY at 0 is open white.
return {
  name = "Generic CMY",
  channels = { "intensity", "cyan", "magenta", "yellow", "cto" },
}
