-- effects.lua - effects: an intensity ripple across the wash (a sine with its
-- phase spread over the fixtures, in two mirrored wings), a circle on the
-- movers around where the cues point them, a colour chase of steps, all
-- started and stopped by cues (and tracked like values), one size on a
-- fader, one rate on another, and a tap-tempo from OSC.
--
--   ghostlight check shows/effects.lua
--   ghostlight render shows/effects.lua --at 0,0.5,1,5 --universe 1

show { name = "Effects", rate = 44 }
output { "house", type = "sacn", universes = {1, 2}, interface = "127.0.0.1" }

patch { "wash", type = "generic/rgbw", universe = 1, address = 1, count = 8 }
patch { "spot", type = "generic/moving-head", universe = 2, address = 1, count = 4, spacing = 16 }

group ("all", { "wash", "spot" })

-- a ripple: each fixture a step of the cycle after the one before, the two
-- halves of the bar mirrored so it runs out from the middle
effect { "ripple", group = "wash", attr = "intensity", wave = "sine", bpm = 40,
         size = 0.8, offset = 0.2, spread = 360, wings = 2, fade_in = 1, fade_out = 2 }
-- circles 40 degrees across around each mover's cue position, opposite pairs
effect { "circle", group = "spot", wave = "circle", rate = 0.25, size = 40,
         spread = 360, groups = 2, fade_in = 2 }
-- red stepping through three levels, one fixture after the other
effect { "steps", group = "wash", attr = "red", wave = "step", steps = { 0, 1, 0.5 },
         rate = 0.5, spread = 360, blocks = 2, mode = "absolute" }

fader (1, { effect = "ripple", label = "Ripple size", level = 1 })
fader (2, { effect = "circle", control = "rate", label = "Circle speed", level = 1 })

cuelist "Main" {
  cue { 1, "Warm", fade = 1,
        look = { wash = { color = "#ffa040" }, spot = { intensity = 1, tilt = -30 } },
        effects = { "ripple" } },
  cue { 2, "Moving", fade = 2,
        look = { spot = { pan = 45 } },
        effects = { circle = true } },
  cue { 3, "Colour", fade = 1, effects = { steps = true, ripple = false } },
  cue { 4, "Still", fade = 2, effects = { circle = false, steps = false } },
}

-- a tap button on a tablet sets the ripple's tempo
on_osc("/effects/tap", function() tap("ripple") end)
on_osc("/effects/bpm", function(address, bpm) effect_bpm("ripple", bpm) end)

go("Main")
