-- checks: an image's scroll is a list { x, y }, not one number (it crashed). expect line 5: effect "arrow": scroll must be a list of 1..2 numbers -1000..1000
show { name = "Scroll" }
output { "o", type = "sacn", universes = {1} }
patch { "px", type = "generic/rgb", universe = 1, address = 1, count = 4 }
effect { "arrow", group = "px", wave = "rainbow", scroll = 5 }
