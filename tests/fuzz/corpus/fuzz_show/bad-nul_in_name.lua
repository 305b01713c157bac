-- checks: a name with a NUL byte in it is refused, not cut short at the NUL. expect line 4: patch: 'name' has a NUL byte in it
show { name = "NUL" }
output { "o", type = "sacn", universes = {1} }
patch { "front\0back", type = "generic/dimmer", universe = 1, address = 1 }
