-- checks: changing a protected metatable names the line. expect line 5: setmetatable: cannot change a protected metatable
show { name = "Protected metatable" }
output { "o", type = "sacn", universes = {1} }
local t = setmetatable({}, { __metatable = "locked" })
setmetatable(t, {})
