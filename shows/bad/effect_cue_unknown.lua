-- checks: a cue's effects name declared effects, at the cue's line. expect line 8: cue 2: effects: no effect "ripple"
show { name = "Cue effect" }
output { "o", type = "sacn", universes = {1} }
patch { "a", type = "generic/dimmer", universe = 1, address = 1, count = 4 }
effect { "wave", group = "a", wave = "sine", spread = 360 }
cuelist "Main" {
  cue { 1, look = { a = { intensity = 1 } }, effects = { "wave" } },
  cue { 2, effects = { ripple = true } },
}
