-- checks: a misspelt cue field is named. expect line 7: cue 2: unknown field 'fadee'
show { name = "Unknown field" }
output { "o", type = "sacn", universes = {1} }
patch { "a", type = "generic/dimmer", universe = 1, address = 1 }
cuelist "Main" {
  cue { 1, fade = 1, look = { a = { intensity = 1 } } },
  cue { 2, fadee = 1, look = { a = { intensity = 0 } } },
}
