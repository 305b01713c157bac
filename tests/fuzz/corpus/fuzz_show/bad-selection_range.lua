-- checks: a fixture number past the patch's count. expect line 5: group "wash": selection "a 1-3": patch "a" has fixtures 1..2
show { name = "Selection range" }
output { "o", type = "sacn", universes = {1} }
patch { "a", type = "generic/dimmer", universe = 1, address = 1, count = 2 }
group ("wash", { "a 1-3" })
