-- checks: a fixture whose footprint runs past slot 512. expect line 5: DMX address past 512
show { name = "Past 512" }
output { "o", type = "sacn", universes = {1} }
patch { "ok", type = "generic/rgbw", universe = 1, address = 497, count = 4 }  -- 497..512: fits
patch { "par", type = "generic/rgbw", universe = 1, address = 1, count = 129 }
