-- checks: every cue of a timecode list has a time. expect line 7: cue 2: cuelist "Song" runs on timecode: give the cue a time
show { name = "No time" }
output { "o", type = "sacn", universes = {1} }
patch { "a", type = "generic/dimmer", universe = 1, address = 1 }
cuelist "Song" { timecode = "mtc",
  cue { 1, at = 0, look = { a = { intensity = 1 } } },
  cue { 2, look = { a = { intensity = 0 } } },
}
