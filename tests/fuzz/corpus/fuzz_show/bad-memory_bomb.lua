-- checks: the memory limit stops a script that allocates too much. expect line 4: memory limit exceeded
show { name = "Memory bomb" }
output { "o", type = "sacn", universes = {1} }
local s = string.rep("x", 1 << 30)
