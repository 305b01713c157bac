-- console.lua - the console's test show (tests/integration/console_*.sh,
-- bench/console.sh). Known levels on the wire, sACN unicast to 127.0.0.1,
-- a manual cue list that starts at cue 1:
--   cue 1 "Warm"   dim 1 at 0.2 (slot 1.1 = 51), pars orange at half
--   cue 2 "Storm"  dim 1 full (1.1 = 255), dim 2 half (1.2 = 128)
--   cue 3 "Calm"   dim 1 half (1.1 = 128); an on_cue handler and an OSC action
--   cue 4 "Out"    every dimmer out
-- Faders: 1 masters the dimmers, 2 the pars, 3 the list. Everything below
-- the cue list is hand-written code the console must keep byte for byte.

show { name = "Console test", rate = 44 }

output { "sacn", type = "sacn", universes = {1, 2}, unicast = "127.0.0.1" }

patch { "dim",  type = "generic/dimmer", universe = 1, address = 1, count = 4,
        at = { {-3, 0}, {-1, 0}, {1, 0}, {3, 0} } }                                 -- 1.1-4
patch { "par",  type = "generic/rgbw", universe = 1, address = 11, count = 2, at = {-0.5, 3} }  -- 1.11-18
patch { "head", type = "generic/moving-head", universe = 2, address = 1, at = {0, 5} }  -- 2.1-12

group ("pars", { "par 1-2" })

fader (1, { group = "dim", label = "Dimmers" })
fader (2, { group = "pars", label = "Pars" })
fader (3, { cuelist = "Main", label = "Main" })

local function percent(x) return x / 100 end   -- hand-written: kept as it is

cuelist "Main" {
  cue { 1, "Warm",  look = { ["dim 1"] = { intensity = percent(20) },
                             pars = { intensity = 0.5, color = "#ff8000" } } },
  cue { 2, "Storm", look = { ["dim 1"] = { intensity = 1 }, ["dim 2"] = { intensity = 0.5 } } },
  cue { 3, "Calm",  look = { ["dim 1"] = { intensity = 0.5 } },
        osc = { "/video/play", 3, to = "osc.udp://127.0.0.1:9105" } },
  cue { 4, "Out",   look = { dim = { intensity = 0 } } },
}

on_cue("Main", 3, function(list, cue)
  log("calm: " .. list .. " " .. cue)
end)

go("Main")
