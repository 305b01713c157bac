-- checks: a midi.map names a cue list the show has. expect line 6: midi.map: no cue list "Nope"
show { name = "MIDI map list" }
midi { virtual = true }
patch { "a", type = "generic/dimmer", universe = 1, address = 1 }
cuelist "Main" { cue { 1, look = { a = { intensity = 1 } } } }
midi.map { note = 60, go = "Nope" }
