-- checks: a look attribute that does not exist. expect line 6: cue 1: look "a": unknown attribute 'intensty'
show { name = "Unknown attribute" }
output { "o", type = "sacn", universes = {1} }
patch { "a", type = "generic/dimmer", universe = 1, address = 1 }
cuelist "Main" {
  cue { 1, look = { a = { intensty = 1 } } },
}
