-- checks: an effect on an attribute no member has is refused at its line. expect line 5: effect "sweep": no fixture of "a" has pan and tilt
show { name = "No pan" }
output { "o", type = "sacn", universes = {1} }
patch { "a", type = "generic/dimmer", universe = 1, address = 1, count = 4 }
effect { "sweep", group = "a", wave = "circle", size = 30 }
