-- checks: a look naming nothing in the patch. expect line 7: cue 1: unknown selection "wsh"
show { name = "Unknown selection" }
output { "o", type = "sacn", universes = {1} }
patch { "a", type = "generic/dimmer", universe = 1, address = 1, count = 2 }
group ("wash", { "a" })
cuelist "Main" {
  cue { 1, look = { wsh = { intensity = 1 } } },
}
