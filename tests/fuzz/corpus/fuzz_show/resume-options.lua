show { name = "Resume options", rate = 30, resume = { "FX", 2 } }
output { "o", type = "sacn", universes = {1, 2}, unicast = "127.0.0.1", priority = 150 }
output { "a", type = "artnet", universes = {3}, nodes = {"10.0.0.9"} }
osc { port = 7701, remotes = {"osc.udp://127.0.0.1:9000"}, heartbeat = 0.5 }
patch { "w", type = "generic/rgbw", universe = 1, address = 1, count = 4 }
patch { "m", type = "generic/moving-head", universe = 2, address = 1 }
group("all", { "w 1-4", "m" })
fader(1, { group = "all", label = "All", level = 0.8 })
fader(2, { cuelist = "FX", label = "FX" })
cuelist "Main" { cue { 1, "A", fade = 1, look = { all = { intensity = 1, color = "#ff8000" } } } }
cuelist "FX" { loop = true,
  cue { 1, fade = 0.5, follow = 0.5, look = { m = { pan = 90, tilt = -20 } } },
  cue { 2, fade = 0.5, wait = 1, look = { m = { pan = -90, tilt = 20 } } },
}
on_cue("Main", 1, function() set_fader(1, 0.5) end)
every(1, function() go("FX") end)
go("Main")
