-- checks: show { resume = { list, cue } } naming a list the show does not have. expect line 2: show: resume: no cue list "FX"
show { name = "Resume unknown list", resume = { "FX", 1 } }
output { "o", type = "sacn", universes = {1} }
patch { "dim", type = "generic/dimmer", universe = 1, address = 1 }
cuelist "Main" { cue { 1, look = { dim = { intensity = 1 } } } }
