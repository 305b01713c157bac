-- checks: timecode cue times ascend. expect line 7: cue 2: at 3 comes before cue 1's 5 (line 6): times must ascend
show { name = "Descending times" }
output { "o", type = "sacn", universes = {1} }
patch { "a", type = "generic/dimmer", universe = 1, address = 1 }
cuelist "Song" { timecode = "internal",
  cue { 1, at = "00:00:05:00", look = { a = { intensity = 1 } } },
  cue { 2, at = 3, look = { a = { intensity = 0 } } },
}
