-- checks: an argument error of a sandbox wrapper names the line. expect line 4: bad argument #1 to 'setmetatable' (table expected, got number)
show { name = "setmetatable(1, {})" }
output { "o", type = "sacn", universes = {1} }
setmetatable(1, {})
