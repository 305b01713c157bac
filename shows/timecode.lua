-- timecode.lua - a cue list locked to timecode: each cue fires at its time
-- on the clock. "internal" runs the list's own clock from GO (PAUSE holds
-- it, GOTO jumps to a cue's time, timecode("Song", 42) jumps anywhere);
-- "mtc" takes the position from MIDI timecode (the show declares midi { }),
-- freewheels 2 s when the code stops, then holds. A jump, either way, shows what the list would show had
-- it played to that point.
--
--   ghostlight check shows/timecode.lua
--   ghostlight render shows/timecode.lua --at 0,1,5,12,30 --universe 1

show { name = "Timecode", rate = 44 }
output { "house", type = "sacn", universes = {1}, interface = "127.0.0.1" }

patch { "front", type = "generic/rgbw", universe = 1, address = 1, count = 4 }
patch { "back", type = "generic/rgb", universe = 1, address = 101, count = 4 }

cuelist "Song" { timecode = "internal",
  cue { 1, "Intro", at = 0, fade = 2, look = { back = { intensity = 0.4, color = "#2040ff" } } },
  cue { 2, "Verse", at = "00:00:04:15", fade = 1,
        look = { front = { intensity = 0.7, color = "#ffd0a0" } } },
  cue { 3, "Chorus", at = 12, fade = 0.5,
        look = { front = { intensity = 1, color = "#ffffff" }, back = { intensity = 1, color = "#ff2000" } } },
  cue { 4, "Out", at = "00:00:28:00", fade = 3, look = { front = { intensity = 0 }, back = { intensity = 0 } } },
}

-- from the top again after the song
on_cue("Song", 4, function() after(5, function() timecode("Song", 0) end) end)

go("Song")
