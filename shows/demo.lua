-- demo.lua - ghostlight's demo show: a small rig on two universes whose cue
-- list plays by itself forever (every cue auto-follows or auto-continues,
-- and the list loops), sent as sACN multicast on the loopback interface.
--
--   ghostlight play shows/demo.lua      ghostlight check shows/demo.lua

show { name = "Demo", rate = 44, back_time = 1, release_time = 2 }

-- sACN multicast (239.255.0.1 and .2) through loopback, so the demo needs
-- no network and any sACN viewer on this machine can watch it.
output { "house", type = "sacn", universes = {1, 2}, interface = "127.0.0.1" }

-- universe 1: the stage wash, house lights and the back row
-- (at = where the console's stage view draws them: metres, x across the
-- stage as the audience sees it, y upstage; one point, or one per fixture)
patch { "front", type = "generic/rgbw",   universe = 1, address = 1,   count = 6,   -- 1..24
        at = { {-5, 1}, {-3, 1}, {-1, 1}, {1, 1}, {3, 1}, {5, 1} } }
patch { "house", type = "generic/dimmer", universe = 1, address = 101, count = 4,   -- 101..104
        at = { {-7, -2}, {-2.5, -2}, {2.5, -2}, {7, -2} } }
patch { "back",  type = "generic/rgb",    universe = 1, address = 201, count = 6,   -- 201..218
        at = { {-5, 7}, {-3, 7}, {-1, 7}, {1, 7}, {3, 7}, {5, 7} } }
-- universe 2: one moving head (16-bit pan/tilt)
patch { "spot",  type = "generic/moving-head", universe = 2, address = 1, at = {0, 4} }  -- 1..12

group ("wash",  { "front 1-6" })
group ("odd",   { "front 1", "front 3", "front 5" })
group ("even",  { "front 2", "front 4", "front 6" })
group ("stage", { "wash", "back", "spot" })

fader (1, { group = "house", label = "House lights" })
fader (2, { cuelist = "Main", label = "Main" })

cuelist "Main" { loop = true,
  cue { 1, "Preset", fade = 3, follow = 3,
        look = { house = { intensity = 0.7 },
                 wash  = { intensity = 0.5, color = "#ffb070" },
                 back  = { intensity = 0.3, color = "#ff6000" },
                 spot  = { intensity = 0 , pan = 0, tilt = 0 } } },
  cue { 2, "Open", fade_in = 2, fade_out = 4, follow = 2, position_fade = 3,
        look = { house = { intensity = 0 },
                 wash  = { intensity = 0.8, color = "#fff4e0" },
                 back  = { intensity = 0.6, color = "#2040ff" },
                 spot  = { intensity = 1, pan = -90, tilt = -30, color = "#ffffff", zoom = 0.3 } } },
  cue { 3, "Storm", fade_in = 0.5, fade_out = 2, curve = "s", wait = 5, position_fade = 1.5,
        look = { wash  = { intensity = 0.25, color = "#3050ff" },
                 odd   = { intensity = 0.6 },
                 back  = { intensity = 1, color = { 0.6, 0.8, 1 } },
                 spot  = { intensity = 1, pan = 120, tilt = 20, color = { 1, 0.2, 0 }, gobo = 0.4 } } },
  cue { 4, "Sunset", fade = 4, color_fade = 6, follow = 2,
        look = { wash  = { intensity = 0.8, color = "#ff6020" },
                 back  = { intensity = 0.2, color = "#ff2000" },
                 spot  = { intensity = 0.6, pan = 60, tilt = -10, color = "#ff9040", gobo = 0 } } },
  cue { 5, "Moonlight", fade = 3, delay_out = 1, position_fade = 4, follow = 3,
        look = { wash      = { intensity = 0.2, color = "#6080ff" },
                 ["front 1"] = { intensity = 0.6 },
                 back      = { intensity = 0.1 },
                 spot      = { intensity = 0.4, pan = -180, tilt = -60, color = "#a0c0ff", zoom = 0.8 } } },
  cue { 6, "Fade out", fade = 2, follow = 1,
        look = { stage = { intensity = 0 } } },
}

on_cue("Main", 3, function(list, cue) log("storm!") end)

go("Main")
