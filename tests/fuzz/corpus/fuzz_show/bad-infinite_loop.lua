-- checks: a runaway loop at load is stopped by the instruction budget. expect line 5: instruction budget exhausted (runaway script?)
show { name = "Infinite loop" }
output { "o", type = "sacn", universes = {1} }
local n = 0
while true do n = n + 1 end
