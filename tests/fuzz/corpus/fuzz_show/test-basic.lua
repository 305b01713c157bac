-- basic.lua - a deterministic test show for the integration tests: known
-- plateaus on two universes, then it settles (loop = false). Timeline from
-- the first tick (t = 0):
--   0..2 s   cue 1: "dim 1" at 0.5 (slot 1.1 = 128), the rest at defaults
--   2..4 s   cue 2 fades in over 2 s (pan/tilt over 1 s)
--   4..6 s   cue 2 plateau: "dim 1" 1.0 (1.1 = 255), "dim 2" 0.25 (1.2 = 64),
--            "par" orange (1.10-13 = 255 128 0 0 at full), "head" open at
--            pan +90 (16-bit 2.1-2 = 0xAAAA), tilt -45 (2.3-4 = 0x5555)
--   6..9 s   cue 3: "dim 1" fades out over 3 s, "par" to {0, 0.5, 1} in 1 s
--   9 s on   final plateau
-- Outputs: sACN unicast and Art-Net unicast to 127.0.0.1, universes 1 and 2.

show { name = "Basic test", rate = 44 }

output { "sacn", type = "sacn", universes = {1, 2}, unicast = "127.0.0.1", priority = 100 }
output { "artnet", type = "artnet", universes = {1, 2}, nodes = "127.0.0.1", listen = false }

patch { "dim",  type = "generic/dimmer",      universe = 1, address = 1, count = 2 }  -- 1.1, 1.2
patch { "par",  type = "generic/rgbw",        universe = 1, address = 10 }            -- 1.10-13
patch { "head", type = "generic/moving-head", universe = 2, address = 1 }             -- 2.1-12

cuelist "Test" { loop = false,
  cue { 1, "Half", fade = 0, follow = 2,
        look = { ["dim 1"] = { intensity = 0.5 } } },
  cue { 2, "Full", fade = 2, position_fade = 1, follow = 2,
        look = { ["dim 1"] = { intensity = 1 },
                 ["dim 2"] = { intensity = 0.25 },
                 par  = { intensity = 1, color = "#ff8000" },
                 head = { intensity = 1, pan = 90, tilt = -45 } } },
  cue { 3, "Down", fade_in = 1, fade_out = 3,
        look = { ["dim 1"] = { intensity = 0 },
                 par = { color = { 0, 0.5, 1 } } } },
}

go("Test")
