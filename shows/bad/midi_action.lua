-- checks: a cue's MIDI message is checked when the show loads. expect line 5: cue 1: midi: note must be a whole number 0..127
show { name = "MIDI action" }
patch { "a", type = "generic/dimmer", universe = 1, address = 1 }
cuelist "Main" {
  cue { 1, look = { a = { intensity = 1 } }, midi = { { note = 60 }, { note = 200 } } },
}
