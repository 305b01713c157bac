-- checks: a colour for fixtures without colour emitters. expect line 6: cue 1: "a 1-2": no fixture in the selection has colour emitters
show { name = "No colour" }
output { "o", type = "sacn", universes = {1} }
patch { "a", type = "generic/dimmer", universe = 1, address = 1, count = 2 }
cuelist "Main" {
  cue { 1, look = { ["a 1-2"] = { color = "#ff0000" } } },
}
