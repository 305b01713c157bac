-- checks: an xpcall message handler cannot run on unbudgeted after the budget is gone. expect line 4: instruction budget exhausted
show { name = "xpcall handler loop" }
output { "o", type = "sacn", universes = {1} }
local spin = function() while true do end end
print(xpcall(spin, spin))
