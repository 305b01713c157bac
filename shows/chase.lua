-- chase.lua - a chase: a cue list that loops at a rate (here 120 BPM), each
-- step crossfading into the next over half of its time. The chase sets
-- every cue's wait and fades from its rate; the list master (fader 1)
-- dims it like any playback.
--
--   ghostlight check shows/chase.lua
--   ghostlight render shows/chase.lua --at 0,0.25,0.5,1 --universe 1

show { name = "Chase", rate = 44 }
output { "house", type = "sacn", universes = {1}, interface = "127.0.0.1" }

patch { "par", type = "generic/rgb", universe = 1, address = 1, count = 4 }

fader (1, { cuelist = "Chase", label = "Chase" })

cuelist "Chase" { chase = { bpm = 120, xfade = 50 },
  cue { 1, look = { par = { intensity = 1 }, ["par 1"] = { color = "#ff0000" },
                   ["par 2-4"] = { color = "#000000" } } },
  cue { 2, look = { ["par 2"] = { color = "#ff0000" }, ["par 1"] = { color = "#000000" } } },
  cue { 3, look = { ["par 3"] = { color = "#ff0000" }, ["par 2"] = { color = "#000000" } } },
  cue { 4, look = { ["par 4"] = { color = "#ff0000" }, ["par 3"] = { color = "#000000" } } },
}

go("Chase")
