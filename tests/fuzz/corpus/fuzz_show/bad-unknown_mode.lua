-- checks: a mode the fixture file does not have. expect line 4: no mode "turbo" (modes: basic, standard)
show { name = "Unknown mode" }
output { "o", type = "sacn", universes = {1} }
patch { "spot", type = "generic/moving-head", mode = "turbo", universe = 1, address = 1 }
