-- checks: cue numbers must ascend within a list. expect line 7: cue 1.5 comes after cue 2 (line 6); cue numbers must ascend
show { name = "Descending cues" }
output { "o", type = "sacn", universes = {1} }
patch { "a", type = "generic/dimmer", universe = 1, address = 1 }
cuelist "Main" {
  cue { 2, look = { a = { intensity = 1 } } },
  cue { 1.5, look = { a = { intensity = 0 } } },
}
