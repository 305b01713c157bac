-- checks: a cue list on MIDI time code needs the MIDI adapter declared. expect line 5: cuelist "Song": timecode = "mtc" follows MIDI time code: declare midi { ... } too
show { name = "MTC without MIDI" }
output { "o", type = "sacn", universes = {1} }
patch { "a", type = "generic/dimmer", universe = 1, address = 1 }
cuelist "Song" { timecode = "mtc",
  cue { 1, at = 1, look = { a = { intensity = 1 } } },
}
