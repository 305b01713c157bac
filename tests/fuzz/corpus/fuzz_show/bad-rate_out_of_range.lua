-- checks: the engine rate is 1..1000 Hz. expect line 2: show: rate 0 is outside 1..1000
show { name = "Rate 0", rate = 0 }
output { "o", type = "sacn", universes = {1} }
