-- checks: an input merged into a universe the show does not have. expect line 5: input 5: merge_into 9 is not a universe of this show
show { name = "Input" }
output { "o", type = "sacn", universes = {1} }
patch { "a", type = "generic/dimmer", universe = 1, address = 1 }
input { 5, merge_into = 9 }
