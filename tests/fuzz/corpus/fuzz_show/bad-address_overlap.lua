-- checks: two patches whose slots overlap, both named. expect line 5: patch "back": "back 1" (1.7-1.9) overlaps "front 2" (1.5-1.8, line 4)
show { name = "Overlap" }
output { "o", type = "sacn", universes = {1} }
patch { "front", type = "generic/rgbw", universe = 1, address = 1, count = 2 }
patch { "back", type = "generic/rgb", universe = 1, address = 7, count = 2 }
