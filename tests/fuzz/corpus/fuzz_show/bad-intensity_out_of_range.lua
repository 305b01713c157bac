-- checks: attribute values are 0..1. expect line 6: cue 1: look "a": intensity 60 is outside 0..1
show { name = "Intensity 60" }
output { "o", type = "sacn", universes = {1} }
patch { "a", type = "generic/dimmer", universe = 1, address = 1 }
cuelist "Main" {
  cue { 1, look = { a = { intensity = 60 } } },
}
