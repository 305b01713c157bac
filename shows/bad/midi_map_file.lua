-- checks: a mapping file's error names the file and its line, at the midi declaration. expect line 3: midi: map: midi_bad.map:3: "128" is not a number 0..127
show { name = "MIDI map file" }
midi { virtual = true, map = "midi_bad.map" }
