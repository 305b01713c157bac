-- pixelmap.lua - pixel effects on a matrix of LED bars: 8 bars of 8 RGB
-- pixels laid out 8 x 8 (wired in a snake), a rainbow, a noise field, a
-- sparkle, and a sunrise picture and an arrow animation mapped across it
-- (PNG files beside the show, decoded when it loads; make them again with
-- shows/images/make_images.py). The cues switch between them.
--
--   ghostlight check shows/pixelmap.lua
--   ghostlight render shows/pixelmap.lua --at 0,1,2 --universe 1

show { name = "Pixel map", rate = 44 }
output { "wall", type = "sacn", universes = {1, 2}, interface = "127.0.0.1" }

patch { "bar", type = "generic/led-bar-8px", mode = "pixels", universe = 1, address = 1,
        count = 8, spacing = 32 }

matrix { "wall", fixtures = "bar", width = 8, height = 8, order = "snake" }

effect { "rainbow", matrix = "wall", wave = "rainbow", rate = 0.2, angle = 45, scale = 1,
         start = true }
effect { "noise", matrix = "wall", wave = "noise", rate = 0.5, scale = 3,
         from = "#ff4000", to = "#000010", seed = 7, fade_in = 1, fade_out = 1 }
effect { "sparkle", matrix = "wall", wave = "sparkle", rate = 8, density = 0.15,
         from = "#ffffff", to = "#000000", seed = 3 }
effect { "sunrise", matrix = "wall", wave = "image", image = "images/sunrise.png",
         rate = 0.1, scroll = { 0, 1 }, fade_in = 2 }
effect { "arrows", matrix = "wall", wave = "image", rate = 6,
         images = { "images/arrow1.png", "images/arrow2.png", "images/arrow3.png",
                    "images/arrow4.png" } }

cuelist "Wall" {
  cue { 1, "Rainbow", look = { bar = { intensity = 1 } } },
  cue { 2, "Fire", effects = { noise = true, sparkle = true } },
  cue { 3, "Sunrise", effects = { noise = false, sparkle = false, sunrise = true } },
  cue { 4, "Arrows", effects = { sunrise = false, arrows = true } },
}

go("Wall")
every(4, function() go("Wall") end)
