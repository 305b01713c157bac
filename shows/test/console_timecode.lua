-- console_timecode.lua - the console's test show for a cue list on its own
-- timecode clock whose cues start effects (tests/integration/
-- console_programming.sh): the clock runs from go("Song") at load and
-- fires cue 1 at 0 s, cue 2 at 4 s and cue 3 at 12 s; cue 2 starts a
-- pulse on dim 2 and cue 3 stops it. The console must refuse a recorded cue
-- (no time for it) and a renumber out of time order, and the clock must
-- fire the cues it was given by identity after a delete, a renumber and
-- an undo.

show { name = "Console timecode", rate = 44 }

output { "sacn", type = "sacn", universes = {1}, unicast = "127.0.0.1" }

patch { "dim", type = "generic/dimmer", universe = 1, address = 1, count = 2 }

effect { "pulse", group = "dim 2", attr = "intensity", wave = "square", rate = 2, duty = 0.5 }

cuelist "Song" { timecode = "internal",
  cue { 1, "Count in", at = 0, look = { ["dim 1"] = { intensity = 0.1 } } },
  cue { 2, "Verse", at = 4, look = { ["dim 1"] = { intensity = 0.2 } }, effects = { "pulse" } },
  cue { 3, "Chorus", at = 12, look = { ["dim 1"] = { intensity = 0.3 } },
        effects = { pulse = false } },
}

go("Song")
