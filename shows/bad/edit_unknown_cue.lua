-- checks: a console edit of a cue the list does not have. expect line 7: edit.delete("Main"): the list has no cue 9
show { name = "Edit of a missing cue" }
output { "o", type = "sacn", universes = {1} }
patch { "d", type = "generic/dimmer", universe = 1, address = 1 }
cuelist "Main" { cue { 1, look = { d = { intensity = 1 } } } }
-- what a recorded file holds; here in the show itself
edit.delete("Main", 9)
