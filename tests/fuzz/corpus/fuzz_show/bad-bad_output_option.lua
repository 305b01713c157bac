-- checks: the output's own check of its options, at the output's line. expect line 4: priority: must be a whole number 0..200, not "300"
show { name = "Bad output option" }
patch { "a", type = "generic/dimmer", universe = 1, address = 1 }
output { "o", type = "sacn", universes = {1}, priority = 300 }
