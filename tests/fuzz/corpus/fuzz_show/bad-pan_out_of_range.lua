-- checks: pan beyond the fixture's range (540 degrees: -270..270). expect line 6: cue 1: "spot": pan 300 is outside the range of "spot" (-270..270 degrees)
show { name = "Pan out of range" }
output { "o", type = "sacn", universes = {1} }
patch { "spot", type = "generic/moving-head", universe = 1, address = 1 }
cuelist "Main" {
  cue { 1, look = { spot = { intensity = 1, pan = 300 } } },
}
