-- checks: pcall cannot swallow an exhausted budget. expect line 5: instruction budget exhausted
show { name = "pcall loop" }
output { "o", type = "sacn", universes = {1} }
local n = 0
while true do pcall(function() while true do n = n + 1 end end) end
