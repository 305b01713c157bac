-- checks: an effect's wave is one the engine knows. expect line 5: effect "wobble": unknown wave "wobble"
show { name = "Unknown wave" }
output { "o", type = "sacn", universes = {1} }
patch { "a", type = "generic/dimmer", universe = 1, address = 1, count = 4 }
effect { "wobble", group = "a", wave = "wobble", rate = 1 }
