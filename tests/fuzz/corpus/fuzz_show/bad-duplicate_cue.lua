-- checks: a cue number used twice in one list names both lines. expect line 8: cuelist "Main": duplicate cue 2 (also at line 7)
show { name = "Duplicate cue" }
output { "o", type = "sacn", universes = {1} }
patch { "a", type = "generic/dimmer", universe = 1, address = 1 }
cuelist "Main" {
  cue { 1, look = { a = { intensity = 1 } } },
  cue { 2, look = { a = { intensity = 0.5 } } },
  cue { 2, look = { a = { intensity = 0 } } },
}
