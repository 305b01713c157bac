-- checks: universe 0 is out of range. expect line 4: patch "a": universe 0 is outside 1..63999
show { name = "Universe 0" }
output { "o", type = "sacn", universes = {1} }
patch { "a", type = "generic/dimmer", universe = 0, address = 1 }
