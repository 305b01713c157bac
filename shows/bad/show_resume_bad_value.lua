-- checks: show { resume = ... } with a word it does not know. expect line 2: show: resume must be "live", "restart", a cue number or { "list", cue }, not "continue"
show { name = "Resume bad value", resume = "continue" }
output { "o", type = "sacn", universes = {1} }
patch { "dim", type = "generic/dimmer", universe = 1, address = 1 }
cuelist "Main" { cue { 1, look = { dim = { intensity = 1 } } } }
