-- checks: midi.map needs midi { ... } to say where the MIDI comes from. expect line 5: midi.map: declare midi { ... } too
show { name = "MIDI undeclared" }
patch { "a", type = "generic/dimmer", universe = 1, address = 1 }
cuelist "Main" { cue { 1, look = { a = { intensity = 1 } } } }
midi.map { note = 60, go = "Main" }
