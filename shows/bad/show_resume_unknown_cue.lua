-- checks: show { resume = N } naming a cue the first list does not have. expect line 2: show: resume: no cue 7 in cue list "Main"
show { name = "Resume unknown cue", resume = 7 }
output { "o", type = "sacn", universes = {1} }
patch { "dim", type = "generic/dimmer", universe = 1, address = 1 }
cuelist "Main" {
  cue { 1, look = { dim = { intensity = 1 } } },
  cue { 2, look = { dim = { intensity = 0 } } },
}
