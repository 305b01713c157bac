-- checks: go() at load naming a list that does not exist. expect line 8: go("Mian"): unknown cuelist "Mian"
show { name = "go unknown list" }
output { "o", type = "sacn", universes = {1} }
patch { "a", type = "generic/dimmer", universe = 1, address = 1 }
cuelist "Main" {
  cue { 1, look = { a = { intensity = 1 } } },
}
go("Mian")
