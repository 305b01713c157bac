-- checks: stage positions that do not match the count. expect line 4: patch "front": at: 2 points for count = 3
show { name = "Positions" }
output { "o", type = "sacn", universes = {1} }
patch { "front", type = "generic/dimmer", universe = 1, address = 1, count = 3,
        at = { {0, 0}, {1, 0} } }
cuelist "Main" { cue { 1 } }
