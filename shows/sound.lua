-- sound.lua - sound to light: the capture device's beat drives a chase of
-- intensity across the bar (one step a beat: beat = 1), and its level the
-- size of a colour wash. Without a capture device the show runs on, the
-- effects at their own rates, and the status line says why.
--
--   ghostlight check shows/sound.lua
--   ghostlight play shows/sound.lua        (SDL picks the capture device;
--                                           sound_input { device = "..." })

show { name = "Sound to light", rate = 44 }
output { "house", type = "sacn", universes = {1}, interface = "127.0.0.1" }

patch { "bar", type = "generic/rgbw", universe = 1, address = 1, count = 8 }

sound_input { device = "default" }

effect { "pulse", group = "bar", attr = "intensity", wave = "ramp_down", beat = 1,
         spread = 360, groups = 4, start = true }
effect { "glow", group = "bar", attr = "blue", wave = "sine", rate = 0.2,
         size_from = "level", start = true }
