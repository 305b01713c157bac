-- checks: universe 64000 is out of range. expect line 4: patch "a": universe 64000 is outside 1..63999
show { name = "Universe 64000" }
output { "o", type = "sacn", universes = {1} }
patch { "a", type = "generic/dimmer", universe = 64000, address = 1 }
