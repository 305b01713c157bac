-- checks: midi.map takes only its own fields. expect line 4: midi.map: unknown field "velocityy"
show { name = "MIDI map field" }
midi { virtual = true }
midi.map { note = 60, go = true, velocityy = 3 }
