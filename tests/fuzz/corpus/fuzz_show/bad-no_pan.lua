-- checks: an attribute no fixture of the selection has. expect line 6: cue 1: "a": no fixture in the selection has attribute 'pan'
show { name = "No pan" }
output { "o", type = "sacn", universes = {1} }
patch { "a", type = "generic/dimmer", universe = 1, address = 1, count = 2 }
cuelist "Main" {
  cue { 1, look = { a = { pan = 10 } } },
}
