-- checks: a patch of a fixture type no folder has. expect line 4: patch "front": unknown fixture type "generic/rgbz"
show { name = "Unknown fixture type" }
output { "o", type = "sacn", universes = {1} }
patch { "front", type = "generic/rgbz", universe = 1, address = 1, count = 8 }
