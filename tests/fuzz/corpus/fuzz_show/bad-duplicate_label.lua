-- checks: fixture labels are unique (selections find fixtures by them). expect line 5: patch "a 1": label "a 1" is already used by patch "a" (line 4)
show { name = "Duplicate label" }
output { "o", type = "sacn", universes = {1} }
patch { "a", type = "generic/dimmer", universe = 1, address = 1, count = 2 }
patch { "a 1", type = "generic/dimmer", universe = 1, address = 10 }
