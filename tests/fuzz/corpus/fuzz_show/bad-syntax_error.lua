-- checks: a Lua syntax error is reported with its line. expect line 5: '}' expected near 'type'
show { name = "Syntax error" }
output { "o", type = "sacn", universes = {1} }

patch { "a" type = "generic/dimmer", universe = 1, address = 1 }
